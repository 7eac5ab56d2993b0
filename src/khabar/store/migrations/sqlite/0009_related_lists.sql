-- Related articles look for candidates published near the article (khabar.link.similarity's
-- RELEVANCE_HORIZON_DAYS), so each posting carries its article's publication day (days since 1970, UTC).
ALTER TABLE article_terms ADD COLUMN published_day REAL;
UPDATE article_terms SET published_day =
    (SELECT julianday(a.published) - 2440587.5 FROM articles a WHERE a.id = article_terms.article_id);

-- Each article's related lists, kept once computed (khabar.link.related): {"read_also": [id, score] | null,
-- "similar": [[id, score], ...]} for up to k similar articles. A new or changed article forgets the lists
-- within the relevance horizon of its publication day, and bumps the generation so that a list computed
-- meanwhile is not kept.
CREATE TABLE related_lists (
    article_id    TEXT PRIMARY KEY,
    published_day REAL,
    k             INTEGER NOT NULL,
    lists         TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX related_lists_published_day ON related_lists (published_day);
CREATE TABLE link_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO link_generation (id, generation) VALUES (1, 0);

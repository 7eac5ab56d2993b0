-- As sqlite/0009_related_lists.sql: postings carry their article's publication day (days since 1970,
-- UTC) so related articles look for candidates near the article, and related lists are kept once computed.
ALTER TABLE article_terms ADD COLUMN published_day DOUBLE PRECISION;
UPDATE article_terms t SET published_day = EXTRACT(EPOCH FROM a.published::timestamptz) / 86400
    FROM articles a WHERE a.id = t.article_id;

CREATE TABLE related_lists (
    article_id    TEXT PRIMARY KEY,
    published_day DOUBLE PRECISION,
    k             INTEGER NOT NULL,
    lists         TEXT NOT NULL
);
CREATE INDEX related_lists_published_day ON related_lists (published_day);
CREATE TABLE link_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO link_generation (id, generation) VALUES (1, 0);

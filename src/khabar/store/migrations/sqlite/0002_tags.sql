-- Keyword tags of each article, best first. key = the tag's words' stems.
CREATE TABLE article_tags (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    rank       INTEGER NOT NULL,
    key        TEXT NOT NULL,
    display    TEXT NOT NULL,
    score      REAL NOT NULL,
    PRIMARY KEY (article_id, rank)
) WITHOUT ROWID;
CREATE INDEX article_tags_key ON article_tags (key);

-- How often each display form of a tag key is used; the most used one is shown everywhere.
-- Kept by the store in the same transaction as article_tags.
CREATE TABLE tag_forms (
    key     TEXT NOT NULL,
    display TEXT NOT NULL,
    uses    INTEGER NOT NULL,
    PRIMARY KEY (key, display)
) WITHOUT ROWID;
-- Corpus statistics for tagging: in how many documents each key occurs.
CREATE TABLE term_stats (
    key TEXT PRIMARY KEY,
    df  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE corpus_stats (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO corpus_stats (name, value) VALUES ('documents', 0);

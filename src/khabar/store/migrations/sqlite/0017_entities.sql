-- Named entities of each article (khabar.enrich.entities), written by `khabar entities run`: each name
-- once, keyed by its match key, with the spelling written most in the article, its type and how often
-- it is mentioned.
CREATE TABLE article_entities (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    mentions   INTEGER NOT NULL,
    PRIMARY KEY (article_id, key)
) WITHOUT ROWID;
CREATE INDEX article_entities_key ON article_entities (key);

-- Which articles the recognizer has read, with which model and which version of the text: an article
-- without names has a row here too, and one whose text changed or that an older model read is read again.
CREATE TABLE entity_reads (
    article_id   TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    model        TEXT NOT NULL,
    content_hash TEXT NOT NULL
) WITHOUT ROWID;

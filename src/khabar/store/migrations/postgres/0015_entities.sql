-- As in sqlite/0017: the named entities of each article, and which articles the recognizer has read
-- with which model and which version of the text. No foreign keys, as for the other rows about an
-- article (0011); text compared byte by byte (0010). Written to run again unharmed (IF NOT EXISTS),
-- as tests do to older migrations.
CREATE TABLE IF NOT EXISTS article_entities (
    article_id TEXT COLLATE "C" NOT NULL,
    key        TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL,
    mentions   INTEGER NOT NULL,
    PRIMARY KEY (article_id, key)
);
CREATE INDEX IF NOT EXISTS article_entities_key ON article_entities (key);

CREATE TABLE IF NOT EXISTS entity_reads (
    article_id   TEXT COLLATE "C" PRIMARY KEY,
    model        TEXT COLLATE "C" NOT NULL,
    content_hash TEXT COLLATE "C" NOT NULL
);

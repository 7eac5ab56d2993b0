-- khabar's schema on PostgreSQL: the same tables as the SQLite store (see migrations/sqlite for
-- what each holds). Times are ISO 8601 UTC strings, as there, so both backends order and compare
-- them alike.
CREATE TABLE articles (
    id             TEXT PRIMARY KEY,
    url            TEXT,
    outlet         TEXT NOT NULL,
    title          TEXT NOT NULL,
    text           TEXT NOT NULL,
    published      TEXT,
    published_raw  TEXT,
    fetched        TEXT,
    author         TEXT,
    language       TEXT NOT NULL,
    publisher_tags TEXT NOT NULL DEFAULT '[]',
    content_hash   TEXT NOT NULL,
    first_seen     TEXT NOT NULL,
    updated        TEXT NOT NULL
);
CREATE INDEX articles_outlet_published ON articles (outlet, published);
CREATE INDEX articles_published ON articles (published);
CREATE INDEX articles_url ON articles (url);

CREATE TABLE article_tags (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    rank       INTEGER NOT NULL,
    key        TEXT NOT NULL,
    display    TEXT NOT NULL,
    score      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (article_id, rank)
);
CREATE INDEX article_tags_key ON article_tags (key);
CREATE TABLE tag_forms (
    key     TEXT NOT NULL,
    display TEXT NOT NULL,
    uses    INTEGER NOT NULL,
    PRIMARY KEY (key, display)
);
CREATE INDEX tag_forms_display ON tag_forms (display);
CREATE TABLE term_stats (
    key TEXT PRIMARY KEY,
    df  INTEGER NOT NULL
);
CREATE TABLE corpus_stats (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO corpus_stats (name, value) VALUES ('documents', 0);

CREATE TABLE fingerprints (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    signature  BYTEA NOT NULL
);
CREATE TABLE lsh_bands (
    band       INTEGER NOT NULL,
    bucket     BIGINT NOT NULL,
    article_id TEXT NOT NULL,
    PRIMARY KEY (band, bucket, article_id)
);
CREATE INDEX lsh_bands_article ON lsh_bands (article_id);
CREATE TABLE duplicate_groups (
    article_id TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL
);
CREATE INDEX duplicate_groups_group ON duplicate_groups (group_id);

CREATE TABLE article_vectors (
    article_id TEXT PRIMARY KEY,
    vector     TEXT NOT NULL
);
CREATE TABLE article_terms (
    term       TEXT NOT NULL,
    article_id TEXT NOT NULL,
    weight     DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (term, article_id)
);

CREATE TABLE story_members (
    article_id TEXT PRIMARY KEY,
    story_id   TEXT NOT NULL
);
CREATE INDEX story_members_story ON story_members (story_id);

CREATE TABLE source_state (
    name          TEXT PRIMARY KEY,
    last_poll     TEXT,
    last_success  TEXT,
    last_error    TEXT,
    last_error_at TEXT,
    items_seen    INTEGER NOT NULL DEFAULT 0,
    articles      INTEGER NOT NULL DEFAULT 0,
    interval      DOUBLE PRECISION,
    next_poll     TEXT
);
CREATE TABLE http_cache (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT
);
CREATE TABLE feed_items (
    url         TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    article_id  TEXT,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL
);

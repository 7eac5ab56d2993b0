-- Articles, one row each, in display form. Times are ISO 8601 UTC strings.
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
    publisher_tags TEXT NOT NULL DEFAULT '[]',  -- JSON array of display-form strings
    content_hash   TEXT NOT NULL,
    first_seen     TEXT NOT NULL,
    updated        TEXT NOT NULL
);
CREATE INDEX articles_outlet_published ON articles (outlet, published);
CREATE INDEX articles_published ON articles (published);
CREATE INDEX articles_url ON articles (url);

-- What the fetcher knows, so that polling is incremental, polite and resumable.
-- Each outlet's state (shown by `khabar sources`) and its adaptive polling interval.
CREATE TABLE source_state (
    name          TEXT PRIMARY KEY,
    last_poll     TEXT,
    last_success  TEXT,
    last_error    TEXT,
    last_error_at TEXT,
    items_seen    INTEGER NOT NULL DEFAULT 0,
    articles      INTEGER NOT NULL DEFAULT 0,
    interval      REAL,
    next_poll     TEXT
);
-- Validators of fetched URLs, for conditional GET.
CREATE TABLE http_cache (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT
) WITHOUT ROWID;
-- Every feed item handled, with what the feed said of it when it was; an item is
-- fetched again only when that changes (the outlet edited it).
CREATE TABLE feed_items (
    url         TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    article_id  TEXT,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL
) WITHOUT ROWID;

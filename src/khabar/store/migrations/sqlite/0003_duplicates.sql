-- MinHash signatures of article bodies, and their LSH bands (see khabar.link.duplicates).
CREATE TABLE fingerprints (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    signature  BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE lsh_bands (
    band       INTEGER NOT NULL,
    bucket     INTEGER NOT NULL,
    article_id TEXT NOT NULL,
    PRIMARY KEY (band, bucket, article_id)
) WITHOUT ROWID;
CREATE INDEX lsh_bands_article ON lsh_bands (article_id);

-- Members of duplicate groups (singletons have no row); group_id is the canonical article's id.
CREATE TABLE duplicate_groups (
    article_id TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX duplicate_groups_group ON duplicate_groups (group_id);

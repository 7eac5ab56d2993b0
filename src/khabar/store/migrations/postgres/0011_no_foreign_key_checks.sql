-- Tags, search entries and signatures no longer name their article in a foreign key, as the store's
-- other rows about an article (bands, vectors, postings, duplicate groups, story places, kept lists)
-- never did. PostgreSQL checks such a key with a trigger that locks the article's row, once for each
-- row written: 367,000 checks in an ingest of the 31k dump, 1.4 s of the server's 20 (7%;
-- docs/benchmarks.md). Every row about an article is written in the transaction that stores the
-- article, and khabar deletes no article, so the checks never found anything. SQLite keeps its keys:
-- there a check is a lookup inside the process, and measured no slower without them.
ALTER TABLE article_tags DROP CONSTRAINT IF EXISTS article_tags_article_id_fkey;
ALTER TABLE search_index DROP CONSTRAINT IF EXISTS search_index_article_id_fkey;
ALTER TABLE fingerprints DROP CONSTRAINT IF EXISTS fingerprints_article_id_fkey;

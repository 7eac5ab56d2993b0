-- An article's old LSH bands are deleted by their full key, recomputed from its old signature
-- (khabar.link.duplicates), so the band table needs no index by article: it doubled the table's
-- size and its writes.
DROP INDEX IF EXISTS lsh_bands_article;

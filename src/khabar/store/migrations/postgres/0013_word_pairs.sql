-- Each search entry also keeps the Bloom filter of its texts' consecutive word pairs
-- (khabar.search.word_pairs, 4,096 bits): a quoted phrase keeps only the documents that have all of its
-- pairs, before any is read (its stopwords are not indexed, so its stems alone can match thousands).
-- 512 bytes an article, stored in the row. Entries written before have none (NULL: not filtered); the
-- analyzer stamp (which covers the pairs) makes the first open write every entry again, with its pairs.
ALTER TABLE search_index ADD COLUMN word_pairs BIT(4096);

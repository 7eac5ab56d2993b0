-- The search index keeps no copy of the text it indexes (FTS5 contentless table): results are
-- read from `articles`, and snippets are made from the display text, so the copy was never read,
-- yet it was the largest table in the file (180 MB of 775 for the 31k-article dump).
-- An entry is removed by naming the words it holds (khabar.store.sqlite), which must be the words it
-- was indexed with: `search_meta` keeps the stamp of the analyzer that built the index, and a store
-- opened by code with another analyzer rebuilds it. The empty stamp here makes the first open fill
-- the new index from the stored articles.
DROP TABLE search_index;
CREATE VIRTUAL TABLE search_index USING fts5(title, body, exact, content = '', tokenize = 'unicode61 remove_diacritics 0');
CREATE TABLE search_meta (analyzer TEXT NOT NULL);
INSERT INTO search_meta (analyzer) VALUES ('');

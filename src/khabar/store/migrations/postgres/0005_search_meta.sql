-- As in sqlite/0011: the stamp of the text analyzer that built the search index. A store opened by
-- code with another analyzer rebuilds the index, so stored documents and new queries are analyzed
-- alike. The empty stamp here makes the first open re-index the stored articles once.
CREATE TABLE search_meta (analyzer TEXT NOT NULL);
INSERT INTO search_meta (analyzer) VALUES ('');

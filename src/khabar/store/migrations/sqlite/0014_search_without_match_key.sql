-- The search index no longer holds each text's match key (its `exact` column): the index finds the
-- documents with the stems of a quoted phrase in order in `title` or `body`, and the exact words of
-- each result are then checked (khabar.search.has_phrase). The column held more distinct words than the stems, and took
-- two thirds of the time FTS5 spent indexing an article (docs/benchmarks.md).
-- The new table starts empty, and the empty stamp makes the first open fill it from the stored articles.
DROP TABLE search_index;
CREATE VIRTUAL TABLE search_index USING fts5(title, body, content = '', tokenize = 'unicode61 remove_diacritics 0');
INSERT INTO search_index (search_index, rank) VALUES ('hashsize', 16777216);
UPDATE search_meta SET analyzer = '';

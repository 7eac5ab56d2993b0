-- As in sqlite/0014: the search index no longer keeps each text's match key. The index finds the
-- documents with the stems of a quoted phrase in order in `document`, and the exact words of each
-- result are then checked (khabar.search.has_phrase). The column and its GIN index were more than half of the index's size, and
-- each article's insert updated both. `document` is unchanged; the analyzer stamp (which covers what
-- the index holds) makes the first open re-index once.
ALTER TABLE search_index DROP COLUMN exact;

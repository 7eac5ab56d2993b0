-- The index holds khabar's analyzed terms only (stems, case-folded, joined by single spaces), so FTS5's
-- `unicode61` tokenizer had nothing left to do but look up every character's class. The `ascii`
-- tokenizer splits them into the same tokens (it separates at ASCII spaces and punctuation, as the
-- numbers' "." and "," need, and keeps every other character inside a token), at about a third less
-- CPU an insert (docs/benchmarks.md). Queries are analyzed by the same code, then tokenized by the same
-- tokenizer, so they match as before.
-- The new table starts empty, and the empty stamp makes the first open fill it from the stored articles.
DROP TABLE search_index;
CREATE VIRTUAL TABLE search_index USING fts5(title, body, content = '', tokenize = 'ascii');
INSERT INTO search_index (search_index, rank) VALUES ('hashsize', 16777216);
UPDATE search_meta SET analyzer = '';

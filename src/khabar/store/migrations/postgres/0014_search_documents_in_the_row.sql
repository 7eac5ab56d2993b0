-- A search document (the tsvector of an article's stems) past 2 KB went out of its row into the TOAST
-- table, in about 2 KB chunks: the dump's averaged 2.1 KB compressed, so most did. Ranking a match
-- (ts_rank) reads the whole document, and fetching one from TOAST is a B-tree search and a read of each
-- chunk: ranking the 6,698 matches of a common stem cost twice what it does with the documents in their
-- rows (docs/benchmarks.md, "PostgreSQL: the best matches joined alone, search documents in their rows").
-- A row may now hold up to 8,160 bytes before PostgreSQL moves a value out (the most an 8 KB page
-- allows); longer documents still go to TOAST. The table is rewritten once (CLUSTER, under a lock) so
-- that documents stored before move into their rows too.
ALTER TABLE search_index SET (toast_tuple_target = 8160);
CLUSTER search_index USING search_index_pkey;

-- FTS5 gathers new entries in memory and writes them out as a new index segment each time they pass
-- its `hashsize` (1 MB by default), to be merged again later. An ingest batch indexes megabytes of
-- text, so it wrote many small segments; at 16 MB it writes few large ones. Indexing the dump's fields
-- took 0.17 ms an article instead of 0.25 in a micro-benchmark (docs/benchmarks.md). The setting is
-- kept in the index's own configuration table, so every connection uses it.
INSERT INTO search_index (search_index, rank) VALUES ('hashsize', 16777216);

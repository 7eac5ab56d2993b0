-- The corpus statistics (term_stats) and the tags' display forms (tag_forms) are counters: every
-- batch adds to rows most earlier batches wrote. On full pages PostgreSQL writes each new version on
-- another page and adds it to every index ("non-HOT"); with room left on the page it writes it beside
-- the old one and touches no index (a heap-only tuple). Over an ingest of the 31k dump at the default
-- fill factor 34% of the 296,000 updates of term_stats were heap-only, at 70 99%: those two statements
-- took 2.5 -> 2.0 s and 0.9 -> 0.7 s of the server's time, the tables' size did not change (47 and
-- 20 MB: the old versions' pages are reused), docs/benchmarks.md. Pages written before keep their fill.
ALTER TABLE term_stats SET (fillfactor = 70);
ALTER TABLE tag_forms SET (fillfactor = 70);

-- Long values (an article's text, its search document) are compressed when stored (TOAST), by pglz
-- unless a column says otherwise. lz4 does it several times faster, for slightly larger rows: storing
-- the dump's texts took the server 0.38 s per 8,000 articles with pglz and 0.14 s with lz4
-- (docs/benchmarks.md). Values stored before keep their compression until rewritten. A server built
-- without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE articles ALTER COLUMN text SET COMPRESSION lz4;
    ALTER TABLE search_index ALTER COLUMN document SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no lz4: long values stay compressed by pglz';
END
$$;

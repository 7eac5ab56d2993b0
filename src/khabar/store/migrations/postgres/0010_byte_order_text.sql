-- Every text column compares byte by byte (collation "C"), whatever the database's default. SQLite
-- compares text so (BINARY), so both backends order ids, keys and times alike; and each B-tree
-- comparison is then a memcmp, where a database made with a language's collation (en_US.UTF-8, the
-- default of many installations) calls strcoll for every one: the store's keys are compared millions
-- of times an ingest (on a database made with C.UTF-8, an ingest of the dump took the server 21.1 s
-- of CPU against 19.5; docs/benchmarks.md). Columns added by later migrations must say COLLATE "C"
-- (tests/test_store.py checks every one). A new type drops a column's compression, so it is set again.
DO $$
DECLARE
    col record;
    compression "char";
BEGIN
    FOR col IN
        SELECT c.table_name, c.column_name
        FROM information_schema.columns c
        JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
          AND c.data_type = 'text' AND c.collation_name IS DISTINCT FROM 'C'
        ORDER BY c.table_name, c.ordinal_position
    LOOP
        SELECT a.attcompression INTO compression FROM pg_attribute a
        WHERE a.attrelid = format('%I', col.table_name)::regclass AND a.attname = col.column_name;
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE text COLLATE "C"', col.table_name, col.column_name);
        IF compression IN ('p', 'l') THEN
            EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET COMPRESSION %s', col.table_name, col.column_name,
                           CASE compression WHEN 'l' THEN 'lz4' ELSE 'pglz' END);
        END IF;
    END LOOP;
END
$$;

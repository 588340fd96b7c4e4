-- Lets the server's own role refresh the planner's statistics after a bulk
-- load (an import, the benchmark's seed). ANALYZE needs the table's owner
-- (PostgreSQL 17's MAINTAIN privilege is not there before), and the server
-- connects as a role that only reads and writes rows: as that role a plain
-- ANALYZE skips every table with a warning. This function runs as the owner,
-- for tables of this schema only; the migration step grants it to the
-- server's role.
CREATE FUNCTION cairn_refresh_statistics(tables text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY tables LOOP
        IF to_regclass(format('public.%I', t)) IS NULL THEN
            RAISE EXCEPTION 'cairn_refresh_statistics: no table %', t;
        END IF;
        EXECUTE format('ANALYZE public.%I', t);
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION cairn_refresh_statistics(text[]) FROM PUBLIC;

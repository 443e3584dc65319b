-- What every tenant table of this release gets (design.md §2): row-level security with the team
-- policy, registration for pg_dump (its identity sequences too, or a restored database would hand
-- out ids again from 1), and reading for operators. Writing privileges differ per table and are
-- granted where each table is made.
CREATE FUNCTION outreach.secure_tenant_tables(tables text[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('ALTER TABLE outreach.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY team_isolation ON outreach.%I '
                       'USING (team_id = pg_catalog.current_setting(''outreach.team_id'', true)) '
                       'WITH CHECK (team_id = pg_catalog.current_setting(''outreach.team_id'', true))', t);
        PERFORM pg_catalog.pg_extension_config_dump(format('outreach.%I', t)::regclass, '');
        EXECUTE format('GRANT SELECT ON outreach.%I TO outreach_operator', t);
        PERFORM pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence(format('outreach.%I', t), a.attname)::regclass, '')
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = format('outreach.%I', t)::regclass AND a.attidentity <> '' AND NOT a.attisdropped;
    END LOOP;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.secure_tenant_tables(text[]) FROM PUBLIC;
COMMENT ON FUNCTION outreach.secure_tenant_tables(text[]) IS
    'Internal, for install scripts: row-level security by team, pg_dump registration (with identity sequences) and SELECT for '
    'operators on these tables.';

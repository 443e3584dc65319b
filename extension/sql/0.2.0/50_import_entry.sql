-- The import entry points. Every path ends in outreach.import_staged.

-- What an import reports (also the columns of data_sources it fills).
CREATE TYPE outreach.import_summary AS (
    data_source_id     bigint,
    state              text,
    rows_read          bigint,
    rows_imported      bigint,
    rows_rejected      bigint,
    field_warnings     bigint,
    personas_created   bigint,
    personas_merged    bigint,
    businesses_created bigint,
    businesses_merged  bigint,
    leads_created      bigint,
    reviews_opened     bigint,
    elapsed            interval
);
COMMENT ON TYPE outreach.import_summary IS 'The outcome of one import (see outreach.data_sources).';

-- Work tables of an import live until the end of the transaction; a second import in the same
-- transaction starts by dropping the first one's (quietly: no NOTICE for a table that is not there).
CREATE FUNCTION outreach.drop_temp_tables(names text[]) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    n text;
BEGIN
    FOREACH n IN ARRAY names LOOP
        IF to_regclass('pg_temp.' || quote_ident(n)) IS NOT NULL THEN
            EXECUTE format('DROP TABLE pg_temp.%I', n);
        END IF;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION outreach.drop_temp_tables(text[]) IS 'Internal: drops these temporary tables of the session if they exist.';

-- Normalizes and resolves staged rows of an import job in state loading. staged is any relation
-- with columns (row_number bigint, line_number bigint, fields text[]) whose fields follow the
-- job's headers (outreach.set_import_headers). Rows the caller already rejected (a parse error)
-- are in import_errors; they count as read and rejected.
CREATE FUNCTION outreach.import_staged(team_id text, data_source_id bigint, staged regclass)
    RETURNS outreach.import_summary
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET jit = off  -- work tables have no statistics until analyzed; JIT would compile for nothing
    SET work_mem = '256MB'  -- the sorts and hashes of a load are few and large
AS $fn$
DECLARE
    t  text := team_id;
    ds outreach.data_sources;
    cols jsonb;
    nheaders integer;
    field_sql text := '';
    f text;
    res record;
    rejected bigint;
    persona_seq regclass := pg_get_serial_sequence('outreach.personas', 'persona_id')::regclass;
    business_seq regclass := pg_get_serial_sequence('outreach.businesses', 'business_id')::regclass;
    imported bigint;
BEGIN
    PERFORM outreach.check_team(t);
    -- Resolution must see what concurrent imports committed while it waited for the team's lock:
    -- only READ COMMITTED gives each statement a fresh snapshot.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'imports must run at READ COMMITTED, not %', upper(current_setting('transaction_isolation'))
            USING ERRCODE = 'invalid_transaction_state',
                  HINT = 'At a stricter level an import could not see the rows of an import that committed while it waited, and would duplicate people.';
    END IF;
    SELECT * INTO ds FROM outreach.data_sources d
    WHERE d.team_id = t AND d.data_source_id = import_staged.data_source_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" has no data source %', t, import_staged.data_source_id USING ERRCODE = 'undefined_object';
    END IF;
    IF ds.state <> 'loading' THEN
        RAISE EXCEPTION 'data source % is %, not loading', ds.data_source_id, ds.state
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call outreach.set_import_headers first; a job is imported once.';
    END IF;
    cols := outreach.import_field_columns(t, ds.preset, ds.column_map, ds.headers);
    nheaders := cardinality(ds.headers);
    UPDATE outreach.data_sources d SET state = 'resolving' WHERE d.team_id = t AND d.data_source_id = ds.data_source_id;

    -- each field's raw value: fields[n] trimmed, '' as NULL (NULL when the file has no such column)
    FOREACH f IN ARRAY outreach.import_fields() LOOP
        field_sql := field_sql || format(', %s AS %I',
            CASE WHEN cols ? f THEN format('nullif(btrim(s.fields[%s]), '''')', (cols ->> f)::integer) ELSE 'NULL::text' END, f);
    END LOOP;

    PERFORM outreach.drop_temp_tables(ARRAY['_outreach_raw', '_outreach_in']);
    EXECUTE format('CREATE TEMP TABLE _outreach_raw ON COMMIT DROP AS
                    SELECT s.row_number, s.line_number, s.fields, cardinality(s.fields) AS nfields %s FROM %s s', field_sql, staged);
    -- lists that split the street line (house number, unit) are read as one line
    IF cols ?| ARRAY['streetNumber', 'street2'] THEN
        UPDATE _outreach_raw SET street = nullif(concat_ws(' ', "streetNumber", street, street2), '')
        WHERE "streetNumber" IS NOT NULL OR street2 IS NOT NULL;
    END IF;

    ANALYZE _outreach_raw;
    -- rows whose column count does not fit the header are rejected whole
    INSERT INTO outreach.import_errors (team_id, data_source_id, row_number, line_number, field, severity, reason, value)
    SELECT t, ds.data_source_id, r.row_number, r.line_number, NULL, 'rejected',
           format('row %s (line %s): %s fields, expected %s as in the header', r.row_number, coalesce(r.line_number::text, '?'),
                  coalesce(r.nfields, 0), nheaders),
           left(array_to_string(r.fields, ',', ''), 2000)
    FROM _outreach_raw r
    WHERE r.nfields IS DISTINCT FROM nheaders;

    CREATE TEMP TABLE _outreach_in ON COMMIT DROP AS
    SELECT n.*,
           CASE WHEN n.first_key IS NOT NULL OR n.last_key IS NOT NULL OR n.phone IS NOT NULL OR n.email IS NOT NULL
                THEN nextval(persona_seq) END AS persona_id,
           CASE WHEN n.biz_key IS NOT NULL THEN nextval(business_seq) END AS business_id,
           outreach.timezone_for(n.state_code, n.zip, n.phone) AS timezone
    FROM (
        SELECT r.row_number, r.line_number,
               jsonb_object(ds.headers, r.fields) AS raw,
               r."companyName" AS company, r."ownerFirstName" AS first_raw, r."ownerLastName" AS last_raw,
               r.phone AS phone_raw, r.email AS email_raw, r."sicCode" AS sic_raw, r."naicsCode" AS naics_raw,
               r."employeeCount" AS employees_raw, r."annualRevenue" AS revenue_raw, r.street AS street_raw,
               r.city AS city_raw, r.state AS state_raw, r.zip AS zip_raw,
               outreach.normalize_name(r."ownerFirstName") AS first_name, outreach.normalize_name(r."ownerLastName") AS last_name,
               outreach.name_key(r."ownerFirstName") AS first_key, outreach.name_key(r."ownerLastName") AS last_key,
               outreach.normalize_phone(r.phone) AS phone, outreach.normalize_email(r.email) AS email,
               outreach.normalize_business_name(r."companyName") AS biz_key,
               outreach.normalize_street(r.street) AS street_key, outreach.normalize_zip(r.zip) AS zip,
               outreach.normalize_state(r.state) AS state_code,
               initcap(regexp_replace(r.city, '\s+', ' ', 'g')) AS city, outreach.name_key(r.city) AS city_key,
               substring(r."sicCode" FROM '^\s*(\d{2,8})(?:\.0+)?\s*$') AS sic,
               substring(r."naicsCode" FROM '^\s*(\d{2,6})(?:\.0+)?\s*$') AS naics,
               outreach.parse_count(r."employeeCount") AS employees, outreach.parse_money(r."annualRevenue") AS revenue
        FROM _outreach_raw r
        WHERE r.nfields = nheaders
    ) n;

    -- field-level warnings: the row imports without the value
    INSERT INTO outreach.import_errors (team_id, data_source_id, row_number, line_number, field, severity, reason, value)
    SELECT t, ds.data_source_id, i.row_number, i.line_number, w.field, 'warning',
           format('row %s, %s: %s', i.row_number, w.field, w.reason), left(w.value, 2000)
    FROM _outreach_in i
    CROSS JOIN LATERAL (VALUES
        ('phone', i.phone_raw, i.phone IS NULL, 'not a valid phone number'),
        ('email', i.email_raw, i.email IS NULL, 'not a valid e-mail address'),
        ('ownerFirstName', i.first_raw, i.first_key IS NULL, 'no name in it'),
        ('ownerLastName', i.last_raw, i.last_key IS NULL, 'no name in it'),
        ('companyName', i.company, i.biz_key IS NULL, 'no company name in it'),
        ('zip', i.zip_raw, i.zip IS NULL, 'not a US ZIP code'),
        ('state', i.state_raw, i.state_code IS NULL, 'not a US state'),
        ('street', i.street_raw, i.street_key IS NULL, 'no street address in it'),
        ('employeeCount', i.employees_raw, i.employees IS NULL, 'not a count of employees'),
        ('annualRevenue', i.revenue_raw, i.revenue IS NULL, 'not an amount of money'),
        ('sicCode', i.sic_raw, i.sic IS NULL, 'not a SIC code (2 to 8 digits)'),
        ('naicsCode', i.naics_raw, i.naics IS NULL, 'not a NAICS code (2 to 6 digits)')
    ) AS w (field, value, bad, reason)
    WHERE w.value IS NOT NULL AND w.bad;

    -- a row with neither a person (name, phone, e-mail) nor a company is nobody: rejected
    INSERT INTO outreach.import_errors (team_id, data_source_id, row_number, line_number, field, severity, reason, value)
    SELECT t, ds.data_source_id, i.row_number, i.line_number, NULL, 'rejected',
           format('row %s (line %s): no company, owner name, phone or e-mail', i.row_number, coalesce(i.line_number::text, '?')),
           left(i.raw::text, 2000)
    FROM _outreach_in i
    WHERE i.persona_id IS NULL AND i.business_id IS NULL;
    DELETE FROM _outreach_in WHERE persona_id IS NULL AND business_id IS NULL;
    ANALYZE _outreach_in;

    res := outreach.resolve_load(t, ds.data_source_id);

    SELECT count(*) INTO imported FROM _outreach_in;
    SELECT count(*) FILTER (WHERE e.severity = 'rejected') INTO rejected
    FROM outreach.import_errors e WHERE e.team_id = t AND e.data_source_id = ds.data_source_id;
    UPDATE outreach.data_sources d
    SET state = 'completed', finished_at = clock_timestamp(),
        rows_read = imported + rejected, rows_imported = imported, rows_rejected = rejected,
        field_warnings = (SELECT count(*) FROM outreach.import_errors e
                          WHERE e.team_id = t AND e.data_source_id = ds.data_source_id AND e.severity = 'warning'),
        personas_created = res.personas_created, personas_merged = res.personas_merged,
        businesses_created = res.businesses_created, businesses_merged = res.businesses_merged,
        leads_created = res.leads_created, reviews_opened = res.reviews_opened
    WHERE d.team_id = t AND d.data_source_id = ds.data_source_id;
    DROP TABLE _outreach_raw, _outreach_in;
    RETURN outreach.import_summary(t, ds.data_source_id);
END
$fn$;
COMMENT ON FUNCTION outreach.import_staged(text, bigint, regclass) IS
    'Imports staged rows (a relation with row_number bigint, line_number bigint, fields text[] in header order) into an import job '
    'in state loading: rejects rows with a wrong column count or nothing to identify, records field-level warnings, normalizes, '
    'resolves (design.md §5) and completes the job. Returns the summary.';

-- The summary of a job.
CREATE FUNCTION outreach.import_summary(team_id text, data_source_id bigint) RETURNS outreach.import_summary
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
RETURN (
    SELECT ROW(d.data_source_id, d.state, d.rows_read, d.rows_imported, d.rows_rejected, d.field_warnings, d.personas_created,
               d.personas_merged, d.businesses_created, d.businesses_merged, d.leads_created, d.reviews_opened,
               coalesce(d.finished_at, clock_timestamp()) - coalesce(d.started_at, d.created_at))::outreach.import_summary
    FROM outreach.data_sources d
    WHERE d.team_id = import_summary.team_id AND d.data_source_id = import_summary.data_source_id
);
COMMENT ON FUNCTION outreach.import_summary(text, bigint) IS 'The summary of an import job: rows read, imported, rejected, entities created and merged, reviews.';

-- A whole CSV file from SQL: its bytes (for instance pg_read_binary_file('/path/leads.csv') as a
-- superuser, or a bytea parameter from any client).
CREATE FUNCTION outreach.import_csv(team_id text, data bytea, preset text DEFAULT 'usdatabiz', column_map jsonb DEFAULT '{}',
                                    name text DEFAULT 'csv import', delimiter text DEFAULT ',')
    RETURNS outreach.import_summary
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    id bigint;
    header text[];
    header_problem text;
BEGIN
    id := outreach.begin_import(team_id, name, NULL, preset, column_map);
    PERFORM outreach.drop_temp_tables(ARRAY['_outreach_parsed']);
    CREATE TEMP TABLE _outreach_parsed ON COMMIT DROP AS
    SELECT * FROM outreach.parse_csv(data, delimiter);
    SELECT p.fields, p.problem INTO header, header_problem FROM _outreach_parsed p WHERE p.row_number = 0;
    IF header IS NULL THEN
        RAISE EXCEPTION 'the CSV has no header row%', coalesce(': ' || header_problem, ' (it is empty)')
            USING ERRCODE = 'invalid_text_representation';
    END IF;
    PERFORM outreach.set_import_headers(team_id, id, header);
    INSERT INTO outreach.import_errors (team_id, data_source_id, row_number, line_number, field, severity, reason, value)
    SELECT team_id, id, p.row_number, p.line_number, NULL, 'rejected', p.problem, p.raw
    FROM _outreach_parsed p WHERE p.row_number > 0 AND p.problem IS NOT NULL;
    DELETE FROM _outreach_parsed p WHERE p.row_number = 0 OR p.problem IS NOT NULL;
    RETURN outreach.import_staged(team_id, id, '_outreach_parsed'::regclass);
END
$fn$;
COMMENT ON FUNCTION outreach.import_csv(text, bytea, text, jsonb, text, text) IS
    'Imports a CSV file given as bytes (e.g. pg_read_binary_file(path)): the same parser and resolution as outreachd import. '
    'Rows that cannot be read (invalid UTF-8, a wrong column count, an unterminated quote) are rejected into import_errors; '
    'the rest import. Returns the summary.';

-- For ETL jobs that COPY a file into their own table first:
--     CREATE TEMP TABLE raw_leads ("companyName" text, "ownerFirstName" text, ...);   -- the file's columns, all text
--     COPY raw_leads FROM STDIN WITH (FORMAT csv, HEADER true);
--     SELECT * FROM outreach.import_relation('team-a', 'raw_leads');
-- The relation's column names are the headers; a bigint column named row_number, if present,
-- numbers the rows, else they are numbered in the order the table returns them (COPY order for
-- a freshly loaded table).
CREATE FUNCTION outreach.import_relation(team_id text, source regclass, preset text DEFAULT 'usdatabiz',
                                         column_map jsonb DEFAULT '{}', name text DEFAULT NULL)
    RETURNS outreach.import_summary
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    id bigint;
    cols text[];
    has_row_number boolean;
BEGIN
    SELECT array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attname <> 'row_number'),
           bool_or(a.attname = 'row_number')
    INTO cols, has_row_number
    FROM pg_attribute a
    WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped;
    IF cols IS NULL THEN
        RAISE EXCEPTION 'relation % has no columns to import', source USING ERRCODE = 'invalid_parameter_value';
    END IF;
    id := outreach.begin_import(team_id, coalesce(name, source::text), source::text, preset, column_map);
    PERFORM outreach.set_import_headers(team_id, id, cols);
    PERFORM outreach.drop_temp_tables(ARRAY['_outreach_relation']);
    EXECUTE format('CREATE TEMP TABLE _outreach_relation ON COMMIT DROP AS SELECT %s AS row_number, NULL::bigint AS line_number, '
                   'ARRAY[%s]::text[] AS fields FROM %s',
                   CASE WHEN has_row_number THEN 'row_number::bigint' ELSE 'row_number() OVER ()' END,
                   (SELECT string_agg(format('%I::text', c), ', ') FROM unnest(cols) AS c), source);
    RETURN outreach.import_staged(team_id, id, '_outreach_relation'::regclass);
END
$fn$;
COMMENT ON FUNCTION outreach.import_relation(text, regclass, text, jsonb, text) IS
    'Imports the rows of a relation whose columns are a CSV''s headers (an ETL job''s COPY ... HEADER target): identical '
    'mapping, normalization and resolution to outreachd import. Rows are numbered by a row_number column if there is one, '
    'else in the order the relation returns them.';

GRANT EXECUTE ON FUNCTION outreach.unmerge_persona(text, bigint), outreach.unmerge_business(text, bigint),
    outreach.resolve_match_review(text, bigint, text) TO outreach_operator;

-- The internal steps are for the functions above, not for direct calls: only the outreach roles
-- (whose table privileges and row-level security still apply) may run them.
REVOKE EXECUTE ON FUNCTION outreach.merge_leads(text), outreach.apply_merges(text, text, bigint[], bigint[]),
    outreach.relink_leads(text, bigint[], bigint[]), outreach.resolve_load(text, bigint),
    outreach.drop_temp_tables(text[]), outreach.merge_subtree(text, text, bigint, bigint),
    outreach.record_distinct(text, text, bigint, bigint, integer, double precision, text, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outreach.merge_leads(text), outreach.apply_merges(text, text, bigint[], bigint[]),
    outreach.relink_leads(text, bigint[], bigint[]), outreach.resolve_load(text, bigint),
    outreach.drop_temp_tables(text[]), outreach.merge_subtree(text, text, bigint, bigint),
    outreach.record_distinct(text, text, bigint, bigint, integer, double precision, text, jsonb, bigint)
    TO outreach_operator, outreach_admin;

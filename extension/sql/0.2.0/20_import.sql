-- Loading rows: the CSV parser, header matching, column presets and the import entry points.
--
-- Three ways in, one way through:
--   outreachd import     parses the file with the C++ reader, COPYs the rows into a temporary
--                        table (row_number, line_number, fields text[]) and its rejections into
--                        import_errors, then calls outreach.import_staged.
--   outreach.import_csv  the same from SQL for a file's bytes (pg_read_binary_file, a bytea
--                        parameter): the same reader, as outreach.parse_csv.
--   outreach.import_relation
--                        for ETL jobs that COPY a CSV (HEADER) into a table of text columns of
--                        their own: the column names are the headers.
-- All three end in outreach.import_staged, so a file gives identical results whichever way it came.

CREATE FUNCTION outreach.parse_csv(data bytea, delimiter text DEFAULT ',')
    RETURNS TABLE (row_number bigint, line_number bigint, fields text[], problem text, raw text)
    AS 'MODULE_PATHNAME', 'outreach_parse_csv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.parse_csv(bytea, text) IS
    'RFC 4180 CSV as rows: row_number 0 is the header, data rows count from 1; line_number is the line a row starts on. '
    'A row is either fields or a problem (invalid UTF-8, a NUL byte, an unterminated or stray quote, a field over 1 MiB, '
    'a field count different from the header''s) naming the row, line and field, with raw: the record as written (bytes that '
    'are not UTF-8 shown as \xNN, cut at 2000 bytes). A UTF-8 BOM is skipped; quoted fields may span lines; CRLF, LF and CR '
    'line ends are all accepted. The parser outreachd import uses.';

CREATE FUNCTION outreach.header_key(header text) RETURNS text
    AS 'MODULE_PATHNAME', 'outreach_header_key'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.header_key(text) IS
    'Matching key of a CSV column name: letters lower-cased, accents folded, spaces, underscores and punctuation dropped. '
    '''Company Name'', ''company_name'' and ''companyName'' all give ''companyname''.';

CREATE FUNCTION outreach.block_pairs(ids bigint[], keys bigint[], is_new boolean[], max_rank integer DEFAULT 8)
    RETURNS TABLE (a bigint, b bigint)
    AS 'MODULE_PATHNAME', 'outreach_block_pairs'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.block_pairs(bigint[], bigint[], boolean[], integer) IS
    'Candidate pairs from blocking keys, given as parallel arrays (row id, key, whether the row is new): rows sharing a key '
    'are paired, each with at most the max_rank oldest members of the block, and only pairs with a new row; distinct, a < b '
    'by age within the block.';

CREATE FUNCTION outreach.connected_components(from_ids bigint[], to_ids bigint[],
                                              cannot_a bigint[] DEFAULT '{}', cannot_b bigint[] DEFAULT '{}')
    RETURNS TABLE (id bigint, root bigint)
    AS 'MODULE_PATHNAME', 'outreach_connected_components'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.connected_components(bigint[], bigint[], bigint[], bigint[]) IS
    'Clusters of an undirected graph given as two parallel arrays of edge ends: every id that appears, with the smallest id '
    'of its component as root. Edges are taken in the order given (strongest first); an edge that would put a pair '
    '(cannot_a[i], cannot_b[i]) into one component is skipped.';

CREATE FUNCTION outreach.parse_count(raw text) RETURNS integer
    AS 'MODULE_PATHNAME', 'outreach_parse_count'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.parse_count(text) IS
    'A count as data vendors write it (12, 1,250, 12.0, 10+, and ranges 5-9 / 5 to 9 as their lower bound): the number; '
    'NULL otherwise.';

CREATE FUNCTION outreach.parse_money(raw text) RETURNS numeric
    AS 'MODULE_PATHNAME', 'outreach_parse_money'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.parse_money(text) IS
    'An amount as written in lead files ($1,250,000, 1250000.00, 2.5M, $500K, 1.2 million, 3B, USD 900): the exact number; '
    'NULL otherwise (ranges, negative amounts, words).';

-- The fields resolution understands, in the order of the SOP (pinned names of the usdatabiz preset).
CREATE FUNCTION outreach.import_fields() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY['companyName', 'ownerFirstName', 'ownerLastName', 'phone', 'email', 'sicCode', 'naicsCode', 'employeeCount',
             'annualRevenue', 'street', 'city', 'state', 'zip', 'streetNumber', 'street2'];
COMMENT ON FUNCTION outreach.import_fields() IS
    'The fields an import maps columns to: the SOP''s companyName, ownerFirstName, ownerLastName, phone, email, sicCode, '
    'naicsCode, employeeCount, annualRevenue, street, city, state, zip; and, for lists that split the street line, '
    'streetNumber and street2 (joined to street as one line before it is normalized).';

-- The built-in usdatabiz preset: each field, the header names it is known by (first found wins).
CREATE FUNCTION outreach.builtin_preset_usdatabiz() RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '{
    "companyName":    ["companyName", "company", "businessName", "business", "organizationName", "organization", "accountName"],
    "ownerFirstName": ["ownerFirstName", "firstName", "contactFirstName", "first", "fname", "givenName", "forename"],
    "ownerLastName":  ["ownerLastName", "lastName", "contactLastName", "last", "lname", "surname", "familyName"],
    "phone":          ["phone", "phoneNumber", "businessPhone", "telephone", "telephoneNumber", "tel", "contactPhone", "mobile", "mobilePhone", "cell", "cellPhone", "homePhone", "workPhone"],
    "email":          ["email", "emailAddress", "contactEmail", "businessEmail", "mail"],
    "sicCode":        ["sicCode", "sic", "primarySicCode", "sicCode4"],
    "naicsCode":      ["naicsCode", "naics", "primaryNaicsCode"],
    "employeeCount":  ["employeeCount", "employees", "numberOfEmployees", "employeeSize", "employeeSizeActual", "empCount"],
    "annualRevenue":  ["annualRevenue", "revenue", "annualSales", "salesVolume", "salesVolumeActual"],
    "street":         ["street", "address", "streetAddress", "address1", "addressLine1", "mailingAddress", "physicalAddress", "streetName"],
    "city":           ["city", "town", "mailingCity", "physicalCity", "suburb", "locality"],
    "state":          ["state", "stateCode", "province", "mailingState", "physicalState"],
    "zip":            ["zip", "zipCode", "postalCode", "zip5", "postcode", "mailingZip", "physicalZip"],
    "streetNumber":   ["streetNumber", "houseNumber", "streetNo", "houseNo"],
    "street2":        ["street2", "address2", "addressLine2", "unit", "suite", "apartment"]
}'::jsonb;
COMMENT ON FUNCTION outreach.builtin_preset_usdatabiz() IS
    'The mapping every team''s usdatabiz preset starts from (see import_lead_presets).';

-- Every team gets the built-in preset as a row it can edit.
CREATE FUNCTION outreach.teams_seed_presets() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    INSERT INTO outreach.import_lead_presets (team_id, name, mapping, description)
    VALUES (NEW.team_id, 'usdatabiz', outreach.builtin_preset_usdatabiz(),
            'USDataBiz small-business lead lists (the SOP''s fields); the default preset')
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.teams_seed_presets() FROM PUBLIC;
CREATE TRIGGER seed_presets AFTER INSERT ON outreach.teams
    FOR EACH ROW EXECUTE FUNCTION outreach.teams_seed_presets();
INSERT INTO outreach.import_lead_presets (team_id, name, mapping, description)
SELECT team_id, 'usdatabiz', outreach.builtin_preset_usdatabiz(), 'USDataBiz small-business lead lists (the SOP''s fields); the default preset'
FROM outreach.teams
ON CONFLICT DO NOTHING;

-- A function given a team_id works on that team's rows; a session restricted by row-level
-- security must be working as that team, or it would silently see nothing.
CREATE FUNCTION outreach.check_team(team_id text) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF team_id IS NULL THEN
        RAISE EXCEPTION 'team_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM outreach.teams t WHERE t.team_id = check_team.team_id) THEN
        IF outreach.current_team_id() IS DISTINCT FROM team_id
           AND NOT (SELECT r.rolsuper OR r.rolbypassrls FROM pg_roles r WHERE r.rolname = current_user) THEN
            RAISE EXCEPTION 'no team "%" visible to this session', team_id
                USING ERRCODE = 'foreign_key_violation',
                      HINT = format('Row-level security shows this session only team %s; SET outreach.team_id = %L first.',
                                    coalesce(quote_literal(outreach.current_team_id()), '(none)'), team_id);
        END IF;
        RAISE EXCEPTION 'no team "%"', team_id
            USING ERRCODE = 'foreign_key_violation', HINT = 'Teams are rows of outreach.teams.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION outreach.check_team(text) IS
    'Raises an error unless team_id names a team this session can see (with row-level security: SET outreach.team_id first).';

-- Headers as stored: trimmed, a BOM dropped, empty names called column_N, repeats suffixed #2, #3.
CREATE FUNCTION outreach.unique_headers(headers text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN (
    SELECT coalesce(array_agg(CASE WHEN n = 1 THEN h ELSE h || '#' || n END ORDER BY i), '{}')
    FROM (SELECT i, h, row_number() OVER (PARTITION BY h ORDER BY i) AS n
          FROM (SELECT i, coalesce(nullif(btrim(replace(x, chr(65279), '')), ''), 'column_' || i) AS h
                FROM unnest(headers) WITH ORDINALITY AS u (x, i)) named) numbered
);
COMMENT ON FUNCTION outreach.unique_headers(text[]) IS
    'Column names as an import stores them: trimmed, empty ones named column_N, repeated ones suffixed #2, #3 in order.';

-- Which column each field comes from: {"phone": 4, ...} (1-based positions in headers). The
-- preset names the headers a field is known by; column_map ({"phone": "Mobile #"}) overrides it
-- for one run. Headers match by outreach.header_key. Errors name what does not fit.
CREATE FUNCTION outreach.import_field_columns(team_id text, preset text, column_map jsonb, headers text[])
    RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    mapping jsonb;
    result  jsonb := '{}';
    field   text;
    wanted  jsonb;
    header  text;
    pos     integer;
    keys    text[];
BEGIN
    SELECT p.mapping INTO mapping FROM outreach.import_lead_presets p
    WHERE p.team_id = import_field_columns.team_id AND p.name = import_field_columns.preset;
    IF mapping IS NULL THEN
        RAISE EXCEPTION 'team "%" has no import preset "%"', team_id, preset
            USING ERRCODE = 'undefined_object',
                  HINT = 'Presets are rows of outreach.import_lead_presets; every team has usdatabiz.';
    END IF;
    column_map := coalesce(column_map, '{}');
    IF jsonb_typeof(column_map) <> 'object' THEN
        RAISE EXCEPTION 'column map must be a JSON object {"field": "header"}, not %', column_map
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR field IN SELECT jsonb_object_keys(column_map) LOOP
        IF NOT field = ANY (outreach.import_fields()) THEN
            RAISE EXCEPTION 'column map names unknown field "%"', field
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Fields are ' || array_to_string(outreach.import_fields(), ', ') || '.';
        END IF;
        IF jsonb_typeof(column_map -> field) <> 'string' THEN
            RAISE EXCEPTION 'column map: field "%" must map to one header name, not %', field, column_map -> field
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;

    SELECT array_agg(outreach.header_key(h) ORDER BY i) INTO keys FROM unnest(headers) WITH ORDINALITY AS u (h, i);
    FOREACH field IN ARRAY outreach.import_fields() LOOP
        wanted := coalesce(column_map -> field, mapping -> field);
        CONTINUE WHEN wanted IS NULL OR jsonb_typeof(wanted) = 'null';
        IF jsonb_typeof(wanted) = 'string' THEN
            wanted := jsonb_build_array(wanted);
        END IF;
        pos := NULL;
        FOR header IN SELECT jsonb_array_elements_text(wanted) LOOP
            -- the exact name first (a file may have two headers with one key), then by key
            pos := array_position(headers, header);
            IF pos IS NULL THEN
                pos := array_position(keys, outreach.header_key(header));
            END IF;
            EXIT WHEN pos IS NOT NULL;
        END LOOP;
        IF pos IS NULL AND column_map ? field THEN
            RAISE EXCEPTION 'column map: field "%" is mapped to "%", which is not a column of the file', field, column_map ->> field
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'The columns are: ' || array_to_string(headers, ', ');
        END IF;
        IF pos IS NOT NULL THEN
            result := result || jsonb_build_object(field, pos);
        END IF;
    END LOOP;
    IF NOT result ?| ARRAY['companyName', 'ownerFirstName', 'ownerLastName', 'phone', 'email'] THEN
        RAISE EXCEPTION 'no column of the file is a company name, owner name, phone or e-mail for preset "%"', preset
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The columns are: ' || coalesce(array_to_string(headers, ', '), '(none)')
                         || '. Map them with a column map such as {"phone": "Mobile"}.';
    END IF;
    RETURN result;
END
$fn$;
COMMENT ON FUNCTION outreach.import_field_columns(text, text, jsonb, text[]) IS
    'The column (1-based) each import field is read from, for a file with these headers: the preset''s header names (first '
    'found wins) unless column_map names one for this run. Unknown fields, headers that are not in the file and a file with '
    'no identifying column are errors.';

-- Step 1 of an import: the job row, in state created. outreachd commits it on its own so that a
-- running import is visible; SQL users can let import_csv / import_relation do it.
CREATE FUNCTION outreach.begin_import(team_id text, name text, file_name text DEFAULT NULL,
                                      preset text DEFAULT 'usdatabiz', column_map jsonb DEFAULT '{}')
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    id bigint;
BEGIN
    PERFORM outreach.check_team(team_id);
    IF NOT EXISTS (SELECT 1 FROM outreach.import_lead_presets p WHERE p.team_id = begin_import.team_id AND p.name = preset) THEN
        RAISE EXCEPTION 'team "%" has no import preset "%"', team_id, preset
            USING ERRCODE = 'undefined_object',
                  HINT = 'Presets are rows of outreach.import_lead_presets; every team has usdatabiz.';
    END IF;
    INSERT INTO outreach.data_sources (team_id, name, file_name, preset, column_map)
    VALUES (team_id, coalesce(name, file_name, 'import'), file_name, preset, coalesce(column_map, '{}'))
    RETURNING data_source_id INTO id;
    RETURN id;
END
$fn$;
COMMENT ON FUNCTION outreach.begin_import(text, text, text, text, jsonb) IS
    'Creates an import job (data_sources row, state created) and returns its data_source_id.';

-- Step 2: the file's header is known. Stores the headers, works out the field columns (errors
-- here name the columns) and moves the job to loading.
CREATE FUNCTION outreach.set_import_headers(team_id text, data_source_id bigint, headers text[])
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    ds outreach.data_sources;
    cols jsonb;
BEGIN
    SELECT * INTO ds FROM outreach.data_sources d
    WHERE d.team_id = set_import_headers.team_id AND d.data_source_id = set_import_headers.data_source_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" has no data source %', team_id, data_source_id USING ERRCODE = 'undefined_object';
    END IF;
    headers := outreach.unique_headers(headers);
    cols := outreach.import_field_columns(team_id, ds.preset, ds.column_map, headers);
    UPDATE outreach.data_sources d
    SET headers = set_import_headers.headers,
        field_columns = (SELECT jsonb_object_agg(k, set_import_headers.headers[v::int]) FROM jsonb_each_text(cols) AS e (k, v)),
        state = 'loading', started_at = clock_timestamp()
    WHERE d.team_id = set_import_headers.team_id AND d.data_source_id = set_import_headers.data_source_id;
    RETURN cols;
END
$fn$;
COMMENT ON FUNCTION outreach.set_import_headers(text, bigint, text[]) IS
    'Records the file''s headers on an import job, checks the column mapping against them (returning {"field": column}) and '
    'moves the job to loading.';

-- Marks a job failed with a reason (outreachd calls it when the file cannot be read).
CREATE FUNCTION outreach.fail_import(team_id text, data_source_id bigint, error text) RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    UPDATE outreach.data_sources d
    SET state = 'failed', error = fail_import.error, finished_at = clock_timestamp()
    WHERE d.team_id = fail_import.team_id AND d.data_source_id = fail_import.data_source_id
      AND d.state NOT IN ('completed', 'failed');
END;
COMMENT ON FUNCTION outreach.fail_import(text, bigint, text) IS 'Moves an unfinished import job to failed, with the reason.';

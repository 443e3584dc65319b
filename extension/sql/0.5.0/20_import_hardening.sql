-- Import hardening (issue 11, findings 4 and 8): hostile values cost a length check, every column
-- of a row is kept whatever its header, and an import whose session died is marked failed.

-- ---- Length caps -----------------------------------------------------------------------------
-- Every normalizer refuses a value longer than any real one of its kind before reading it
-- (extension/core/limits.hpp), so that a megabyte in a phone column costs microseconds and a
-- running import can always be cancelled between rows. The catalog says so where users read it.
COMMENT ON FUNCTION outreach.normalize_phone(text, text) IS
    'E.164 form of a phone number (+12125550199), or NULL when libphonenumber does not judge it a valid number. '
    'region (ISO 3166-1 alpha-2, default US) is how numbers without a country code are read; '
    'international input such as +44 20 7946 0958 keeps its country. An unknown region is an error. '
    'A value longer than 64 bytes (surrounding whitespace aside) is no phone number: NULL, without parsing it.';
COMMENT ON FUNCTION outreach.normalize_email(text) IS
    'Trimmed, lower-cased, syntactically valid e-mail address (display names, mailto: and brackets removed), or NULL. '
    'NULL for a value longer than 512 bytes (surrounding whitespace aside).';
COMMENT ON FUNCTION outreach.normalize_name(text) IS
    'Display form of a person''s name: trimmed, spaces collapsed, Title Case that keeps O''Brien, McDonald, Anne-Marie and '
    'van der Berg readable; NULL when nothing name-like is left, and for a value (or a result) longer than 256 bytes.';
COMMENT ON FUNCTION outreach.name_key(text) IS
    'Matching key of a name: lower case, accents folded (José -> jose), punctuation dropped, whitespace collapsed; NULL when '
    'empty, and for a value (or a key) longer than 256 bytes.';
COMMENT ON FUNCTION outreach.normalize_business_name(text) IS
    'Matching key of a business name: lower case, accents folded, & -> and, legal suffixes (LLC, Inc, Corp, Co, Ltd, LP, LLP, '
    'PLLC, PC, PA, ...) removed, punctuation dropped. NULL for a value (or a key) longer than 512 bytes.';
COMMENT ON FUNCTION outreach.normalize_street(text) IS
    'Canonical street line after USPS Publication 28 (suffixes, directionals, unit designators, ordinals), '
    'so that ''123 North Main St., Apt 4'' and ''123 N MAIN STREET APT 4'' compare equal. NULL for a value (or a result) '
    'longer than 256 bytes.';
COMMENT ON FUNCTION outreach.normalize_zip(text) IS
    'Five-digit ZIP code: restores leading zeros lost by spreadsheets, drops the +4; NULL when not a ZIP (and for a value '
    'longer than 32 bytes).';
COMMENT ON FUNCTION outreach.normalize_state(text) IS
    'USPS two-letter code of a state, DC, territory or military region, from a code or a name; NULL when unknown (and for a '
    'value longer than 64 bytes).';
COMMENT ON FUNCTION outreach.jaro_winkler(text, text) IS
    'Jaro-Winkler similarity in [0,1] over Unicode code points (prefix scale 0.1, prefix up to 4). Case-sensitive: fold first. '
    'Only the first 256 code points of each side are compared.';
COMMENT ON FUNCTION outreach.name_similarity(text, text) IS
    'Similarity in [0,1] of two person names after name_key: nicknames (Bob/Robert, Peggy/Margaret) count as close, '
    'token order and missing middle names are forgiven, typos lower the score gradually. 0 when either has no key '
    '(a placeholder, or longer than 256 bytes).';
COMMENT ON FUNCTION outreach.business_similarity(text, text) IS
    'Similarity in [0,1] of two business names after normalize_business_name: distinctive words weigh more than generic ones. '
    '0 when either has no key (longer than 512 bytes, or nothing left).';
COMMENT ON FUNCTION outreach.parse_count(text) IS
    'A count as data vendors write it (12, 1,250, 12.0, 10+, and ranges 5-9 / 5 to 9 as their lower bound): the number; '
    'NULL otherwise, and for a value longer than 64 bytes.';
COMMENT ON FUNCTION outreach.parse_money(text) IS
    'An amount as written in lead files ($1,250,000, 1250000.00, 2.5M, $500K, 1.2 million, 3B, USD 900): the exact number; '
    'NULL otherwise (ranges, negative amounts, words, a value longer than 64 bytes).';
COMMENT ON FUNCTION outreach.header_key(text) IS
    'Matching key of a CSV column name: letters lower-cased, accents folded, spaces, underscores and punctuation dropped. '
    '''Company Name'', ''company_name'' and ''companyName'' all give ''companyname''. A name longer than 256 bytes has the '
    'empty key (it matches no preset name).';
COMMENT ON FUNCTION outreach.template_variables(text) IS
    'Distinct variable names of a message template, in order of first appearance. Variables are {{name}}, {{ name }} or '
    '{{name|fallback}}; a name is ASCII letters, digits and underscores starting with a letter; other text, including a lone '
    '{ or }, is literal. An unterminated {{, an empty or an invalid name, and a body longer than 65536 bytes raise '
    'invalid_parameter_value (22023): use it to validate a template before storing it.';

-- ---- Every column of a row is kept (finding 8a) ---------------------------------------------
-- source_records.raw is jsonb_object(headers, fields): two columns with one name would be one key.
-- The names stored on the job are therefore all different, and a generated name (phone#2) never
-- takes the name of another column of the file (a file whose header is phone,phone,phone#2 keeps
-- three columns: phone, phone#3, phone#2). Done in C++ in expected linear time (10,000 columns).
CREATE OR REPLACE FUNCTION outreach.unique_headers(headers text[]) RETURNS text[]
    AS 'MODULE_PATHNAME', 'outreach_unique_headers'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION outreach.unique_headers(text[]) IS
    'Column names as an import stores them, all different: trimmed (a BOM removed), an empty one named column_N, a repeated '
    'one suffixed #2, #3 ... in order, skipping any suffixed name that another column of the file already has.';
COMMENT ON COLUMN outreach.data_sources.headers IS
    'Column names of the file, as read and made unique (outreach.unique_headers: a repeated name gets a #2, #3 suffix that '
    'no other column has), so that source_records.raw keeps every column.';

-- ---- Abandoned imports (finding 8b) -----------------------------------------------------------
-- outreachd commits the job row on its own and imports in a second transaction; when the backend
-- or the client dies in between, that transaction rolls back and the job would stay unfinished
-- forever. The job records the session that runs it; a job whose session is gone is failed.
ALTER TABLE outreach.data_sources
    ADD COLUMN import_pid integer,
    ADD COLUMN import_backend_start timestamptz;
COMMENT ON COLUMN outreach.data_sources.import_pid IS
    'Backend pid of the session running the import (set by begin_import and set_import_headers); with import_backend_start '
    'it names the session, so that outreach.reap_abandoned_imports can tell when it is gone. NULL for jobs from before 0.5.0.';
COMMENT ON COLUMN outreach.data_sources.import_backend_start IS
    'When the session running the import started (pg_stat_activity.backend_start): a pid alone may be reused.';
CREATE INDEX data_sources_unfinished ON outreach.data_sources (team_id) WHERE state IN ('created', 'loading', 'resolving');

-- When this session started, as pg_stat_activity says. A role that SET ROLE away from the login
-- role may not read its own session's start there; the owner may.
CREATE FUNCTION outreach.session_started_at() RETURNS timestamptz
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN (SELECT a.backend_start FROM pg_catalog.pg_stat_get_activity(pg_catalog.pg_backend_pid()) a);
COMMENT ON FUNCTION outreach.session_started_at() IS
    'When the calling session started (pg_stat_activity.backend_start of pg_backend_pid()): with the pid, what names an '
    'import''s session for outreach.reap_abandoned_imports.';

-- Fails the unfinished jobs whose session has ended (of one team, or of every team for the daemon).
-- A job is left alone while its session is alive (its pid in pg_stat_activity with the recorded
-- start) and while its row is locked by a running import.
CREATE FUNCTION outreach.reap_abandoned_imports(team_id text DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    reaped integer;
    caller text := outreach.effective_caller();
BEGIN
    IF team_id IS NULL THEN
        -- every team: the daemon's sweep (and superusers)
        IF NOT pg_has_role(caller, 'outreach_worker', 'MEMBER') THEN
            RAISE EXCEPTION 'role % may reap the import jobs of its own team only', caller
                USING ERRCODE = 'insufficient_privilege', HINT = 'Pass the team_id.';
        END IF;
    ELSE
        PERFORM outreach.check_caller_team(team_id);
    END IF;
    PERFORM pg_stat_clear_snapshot();  -- sessions as they are now, not as this transaction first saw them
    WITH abandoned AS (
        SELECT d.team_id, d.data_source_id
        FROM outreach.data_sources d
        WHERE (reap_abandoned_imports.team_id IS NULL OR d.team_id = reap_abandoned_imports.team_id)
          AND d.state IN ('created', 'loading', 'resolving')
          AND d.import_pid IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                          WHERE a.pid = d.import_pid
                            AND (d.import_backend_start IS NULL OR a.backend_start IS NULL
                                 OR a.backend_start = d.import_backend_start))
        FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE outreach.data_sources d
    SET state = 'failed', finished_at = clock_timestamp(),
        error = format('abandoned: the session running this import (backend pid %s, started %s) ended before it finished '
                       '(the server or the client was stopped or killed); nothing of the file was imported',
                       d.import_pid,
                       coalesce(to_char(d.import_backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC', 'unknown'))
    FROM abandoned a
    WHERE d.team_id = a.team_id AND d.data_source_id = a.data_source_id;
    GET DIAGNOSTICS reaped = ROW_COUNT;
    RETURN reaped;
END
$fn$;
COMMENT ON FUNCTION outreach.reap_abandoned_imports(text) IS
    'Marks failed (with the reason) every unfinished import job whose session has ended: the backend was terminated or '
    'crashed, or the client died, before the import committed. Returns how many. With a team_id, that team''s jobs (anyone '
    'who works for the team; begin_import calls it); without, every team''s (outreachd run sweeps them). Jobs from before '
    '0.5.0 record no session and are left to outreach.fail_import.';

-- Step 1 of an import, as in 0.2.0, and now: abandoned jobs of the team are reaped, and the job
-- records the session that runs it.
CREATE OR REPLACE FUNCTION outreach.begin_import(team_id text, name text, file_name text DEFAULT NULL,
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
    PERFORM outreach.reap_abandoned_imports(team_id);
    INSERT INTO outreach.data_sources (team_id, name, file_name, preset, column_map, import_pid, import_backend_start)
    VALUES (team_id, coalesce(name, file_name, 'import'), file_name, preset, coalesce(column_map, '{}'),
            pg_backend_pid(), outreach.session_started_at())
    RETURNING data_source_id INTO id;
    RETURN id;
END
$fn$;
COMMENT ON FUNCTION outreach.begin_import(text, text, text, text, jsonb) IS
    'Creates an import job (data_sources row, state created, recording this session) and returns its data_source_id. '
    'Reaps the team''s abandoned jobs first (outreach.reap_abandoned_imports).';

-- Step 2, as in 0.2.0, and now: the session loading the file is recorded (it may differ from the
-- one that created the job).
CREATE OR REPLACE FUNCTION outreach.set_import_headers(team_id text, data_source_id bigint, headers text[])
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
    -- a failed or completed job stays what it is (a reaped job must not come back to life)
    IF ds.state IN ('failed', 'completed') THEN
        RAISE EXCEPTION 'data source % is %: start a new import with outreach.begin_import', ds.data_source_id, ds.state
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    headers := outreach.unique_headers(headers);
    cols := outreach.import_field_columns(team_id, ds.preset, ds.column_map, headers);
    UPDATE outreach.data_sources d
    SET headers = set_import_headers.headers,
        field_columns = (SELECT jsonb_object_agg(k, set_import_headers.headers[v::int]) FROM jsonb_each_text(cols) AS e (k, v)),
        state = 'loading', started_at = clock_timestamp(),
        import_pid = pg_backend_pid(),
        import_backend_start = outreach.session_started_at()
    WHERE d.team_id = set_import_headers.team_id AND d.data_source_id = set_import_headers.data_source_id;
    RETURN cols;
END
$fn$;
COMMENT ON FUNCTION outreach.set_import_headers(text, bigint, text[]) IS
    'Records the file''s headers on an import job (made unique: outreach.unique_headers), checks the column mapping against '
    'them (returning {"field": column}), records the session loading it and moves the job to loading.';

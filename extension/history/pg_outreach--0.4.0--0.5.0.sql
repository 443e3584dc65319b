-- pg_outreach 0.4.0 -> 0.5.0, built from extension/sql/0.5.0/ (see the Makefile).
\echo Use "ALTER EXTENSION pg_outreach UPDATE TO 0.5.0" to load this file. \quit
-- ---- pg_outreach 0.5.0: hardening (issue 11) --------------------------------------------------
-- Consent ordered by when it was recorded and lifted only by the person or an admin with a reason;
-- campaign criteria that cannot turn a filter off; an import race closed by an invariant the
-- database enforces; rejected webhooks stored bounded; gauges the least-privilege worker may read.
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
-- ---- consent that cannot be undone by a clock or a back door ------------------------------------
-- Before 0.5.0 the latest event by occurred_at decided, and occurred_at was the caller's word: an
-- opt-in dated in the future (or 'infinity') cancelled every later STOP. Operators could also lift
-- an opt-out with a plain INSERT. Now:
--   * events are ordered by when they were recorded: event_id is drawn under the number's lock, so
--     the last event recorded is the last in the log, whatever occurred_at says;
--   * occurred_at is information, and cannot lie in the future;
--   * nobody but the extension's functions writes consent_log; an opt-out may come from anyone who
--     works for the team, an opt-in only from an admin with a stated reason (or, with replies, from
--     the person's own START through the inbound path), and the log records who.

-- Who is calling, seen from inside a SECURITY DEFINER function (where current_user is the owner):
-- the role the session SET, else the role it logged in as.
CREATE FUNCTION outreach.effective_caller() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user::text);
COMMENT ON FUNCTION outreach.effective_caller() IS
    'The role on whose behalf this statement runs, also inside SECURITY DEFINER functions: the SET ROLE role, else the session '
    'user. What consent_log.recorded_by records.';

-- May the caller act for this team? Superusers and roles that bypass row-level security work for
-- every team, and so does the daemon's role; anyone else for the team the session is set to.
CREATE FUNCTION outreach.check_caller_team(team_id text) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    caller text := outreach.effective_caller();
BEGIN
    PERFORM outreach.check_team(check_caller_team.team_id);
    IF outreach.current_team_id() IS DISTINCT FROM check_caller_team.team_id
       AND NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = caller AND (r.rolsuper OR r.rolbypassrls))
       AND NOT pg_has_role(caller, 'outreach_worker', 'MEMBER') THEN
        RAISE EXCEPTION 'role % does not work for team "%"', caller, check_caller_team.team_id
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('This session works for team %s (SET outreach.team_id).',
                                coalesce(quote_literal(outreach.current_team_id()), '(none)'));
    END IF;
END
$fn$;
COMMENT ON FUNCTION outreach.check_caller_team(text) IS
    'Raises an error unless the calling role may act for the team: its session''s team (outreach.team_id), or any team for '
    'superusers, roles that bypass row-level security and outreach_worker (the daemon).';

-- Every event gets its place in the log under the number's lock, and the moment it was recorded.
CREATE FUNCTION outreach.consent_log_stamp() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(outreach.phone_lock_key(NEW.team_id, NEW.phone));
    NEW.event_id := pg_catalog.nextval(pg_catalog.pg_get_serial_sequence('outreach.consent_log', 'event_id')::regclass);
    NEW.recorded_at := pg_catalog.clock_timestamp();
    -- A STOP is never refused for its date: a time ahead of ours (a skewed clock) becomes ours,
    -- and the reported one is kept in the evidence.
    IF NEW.kind = 'opt_out' AND (NEW.occurred_at IS NULL OR NEW.occurred_at > NEW.recorded_at) THEN
        NEW.evidence := NEW.evidence || pg_catalog.jsonb_build_object('occurred_at_reported', NEW.occurred_at);
        NEW.occurred_at := NEW.recorded_at;
    END IF;
    -- an opt-in from the future is refused (a few minutes of clock skew are tolerated)
    IF NEW.occurred_at IS NULL OR NOT pg_catalog.isfinite(NEW.occurred_at)
       OR NEW.occurred_at > NEW.recorded_at + interval '5 minutes' THEN
        RAISE EXCEPTION 'consent for % cannot have occurred at %: that is in the future', NEW.phone,
                        coalesce(NEW.occurred_at::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'occurred_at says when the person gave or revoked consent; events take effect in the order they are recorded.';
    END IF;
    RETURN NEW;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.consent_log_stamp() FROM PUBLIC;
CREATE TRIGGER stamp BEFORE INSERT ON outreach.consent_log
    FOR EACH ROW EXECUTE FUNCTION outreach.consent_log_stamp();

-- The latest recorded event decides.
CREATE OR REPLACE FUNCTION outreach.consent_log_derive() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    latest outreach.consent_log;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(outreach.phone_lock_key(NEW.team_id, NEW.phone));
    SELECT * INTO latest FROM outreach.consent_log c
    WHERE c.team_id = NEW.team_id AND c.phone = NEW.phone
    ORDER BY c.event_id DESC LIMIT 1;
    IF latest.kind = 'opt_out' THEN
        INSERT INTO outreach.suppression_list AS s (team_id, phone, source, event_id, suppressed_at)
        VALUES (latest.team_id, latest.phone, latest.source, latest.event_id, latest.recorded_at)
        ON CONFLICT (team_id, phone) DO UPDATE SET source = EXCLUDED.source, event_id = EXCLUDED.event_id,
                                                   suppressed_at = EXCLUDED.suppressed_at;
        WITH cancelled AS (
            UPDATE outreach.campaign_queue q SET state = 'cancelled', cancel_reason = 'suppressed', updated_at = pg_catalog.now()
            WHERE q.team_id = NEW.team_id AND q.phone = NEW.phone AND q.state IN ('queued', 'claimed')
            RETURNING q.queue_id, q.campaign_id, q.lead_id, q.step
        )
        INSERT INTO outreach.scheduled_events (team_id, campaign_id, queue_id, lead_id, step, kind, reasons)
        SELECT NEW.team_id, c.campaign_id, c.queue_id, c.lead_id, c.step, 'cancelled', ARRAY['suppressed'] FROM cancelled c;
    ELSE
        DELETE FROM outreach.suppression_list s WHERE s.team_id = NEW.team_id AND s.phone = NEW.phone;
    END IF;
    RETURN NULL;
END
$fn$;

DROP INDEX outreach.consent_log_phone;
CREATE INDEX consent_log_phone ON outreach.consent_log (team_id, phone, event_id);

COMMENT ON TABLE outreach.consent_log IS
    'Every consent event of a phone number, never updated or deleted: opt_out (a STOP reply, an operator''s do-not-contact, a '
    'carrier''s unsubscribed error) or opt_in (the person''s START, or an admin''s re-subscription with a reason). Events take '
    'effect in the order they are recorded (event_id): the last one of a number decides whether it is suppressed '
    '(outreach.suppression_list). Written only through outreach.suppress_phone, outreach.record_consent and '
    'outreach.resubscribe_phone.';
COMMENT ON COLUMN outreach.consent_log.event_id IS
    'The event''s place in the log, drawn under the number''s lock: a later event_id was recorded later.';
COMMENT ON COLUMN outreach.consent_log.occurred_at IS
    'When the person gave or revoked consent, as reported (never in the future). Information only: the order of events is the '
    'order they were recorded in (event_id).';
COMMENT ON COLUMN outreach.consent_log.recorded_at IS 'When the database recorded the event.';
COMMENT ON COLUMN outreach.consent_log.recorded_by IS 'The role that recorded it (outreach.effective_caller).';
COMMENT ON COLUMN outreach.suppression_list.suppressed_at IS 'When the opt-out that suppresses the number was recorded.';

CREATE OR REPLACE FUNCTION outreach.record_consent(team_id text, phone text, kind text, source text, evidence jsonb DEFAULT '{}'::jsonb,
                                                   occurred_at timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    e164 text;
    caller text := outreach.effective_caller();
    id bigint;
BEGIN
    PERFORM outreach.check_caller_team(record_consent.team_id);
    e164 := outreach.normalize_phone(record_consent.phone);
    IF e164 IS NULL THEN
        RAISE EXCEPTION 'cannot record % for %: not a valid phone number', coalesce(kind, 'consent'),
                        coalesce(quote_literal(left(record_consent.phone, 40)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF kind IS NULL OR kind NOT IN ('opt_in', 'opt_out') THEN
        RAISE EXCEPTION 'consent kind must be opt_in or opt_out, not %', coalesce(quote_literal(left(kind, 40)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF source IS NULL OR source !~ '^[a-z0-9][a-z0-9_.:-]*$' OR length(source) > 64 THEN
        RAISE EXCEPTION 'consent source must be a short lower-case code such as stop_keyword or operator, not %',
                        coalesce(quote_literal(left(source, 70)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF evidence IS NOT NULL AND jsonb_typeof(evidence) <> 'object' THEN
        RAISE EXCEPTION 'consent evidence must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Lifting an opt-out is the one thing a mistake or a bad actor must not do quietly.
    IF kind = 'opt_in' THEN
        IF NOT pg_has_role(caller, 'outreach_admin', 'MEMBER') THEN
            RAISE EXCEPTION 'role % may not record an opt-in for %: only the person (a START reply) or an admin re-subscribes a number',
                            caller, e164
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF coalesce(btrim(evidence ->> 'reason'), '') = '' THEN
            RAISE EXCEPTION 'an opt-in for % needs a stated reason (evidence {"reason": "..."})', e164
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'outreach.resubscribe_phone(team_id, phone, reason) records one.';
        END IF;
    END IF;
    INSERT INTO outreach.consent_log (team_id, phone, kind, source, evidence, occurred_at, recorded_by)
    VALUES (record_consent.team_id, e164, kind, source, coalesce(evidence, '{}'::jsonb), coalesce(occurred_at, pg_catalog.now()), caller)
    RETURNING event_id INTO id;
    RETURN id;
END
$fn$;
COMMENT ON FUNCTION outreach.record_consent(text, text, text, text, jsonb, timestamptz) IS
    'Appends a consent event (kind opt_in or opt_out) for a phone number in any format (normalized inside) and returns its '
    'event_id. An opt-out suppresses the number at once and cancels what is queued for it; anyone who works for the team may '
    'record one. An opt-in needs an admin and evidence {"reason": ...}. occurred_at is information and cannot be in the future; '
    'the last event recorded decides.';

CREATE FUNCTION outreach.resubscribe_phone(team_id text, phone text, reason text) RETURNS bigint
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
RETURN outreach.record_consent(team_id, phone, 'opt_in', 'admin', pg_catalog.jsonb_build_object('reason', reason));
COMMENT ON FUNCTION outreach.resubscribe_phone(text, text, text) IS
    'An admin lifts an opt-out of a phone number, with the reason (for example, the person''s written consent and where it is '
    'kept). The event records who did it. Returns the consent_log event_id.';

-- Writes go through the functions above; nobody inserts by hand.
REVOKE INSERT ON outreach.consent_log FROM outreach_operator, outreach_admin;
REVOKE USAGE ON SEQUENCE outreach.consent_log_event_id_seq FROM outreach_operator;

-- Numbers on which the two orders disagree (the latest event by occurred_at, which decided until
-- now, is not the latest recorded) get one more event: an opt-out, recorded now, with both events
-- as evidence. Under the new order it decides, so the upgrade never lifts a suppression (an old
-- consent imported after a STOP but dated before it stays below the STOP), and a STOP that a
-- forward-dated opt-in had cancelled counts again. Only an admin with a reason lifts either.
LOCK TABLE outreach.consent_log IN SHARE ROW EXCLUSIVE MODE;
SELECT count(*) AS reordered FROM (
    SELECT outreach.record_consent(d.team_id, d.phone, 'opt_out', 'upgrade_reordered',
               pg_catalog.jsonb_build_object('reason', '0.5.0 orders consent by recording; the orders disagreed for this number',
                                             'latest_by_occurred_at', d.by_occurred, 'latest_recorded', d.by_recorded))
    FROM (
        SELECT o.team_id, o.phone, o.event_id AS by_occurred, r.event_id AS by_recorded
        FROM (SELECT DISTINCT ON (c.team_id, c.phone) c.team_id, c.phone, c.event_id, c.kind
              FROM outreach.consent_log c ORDER BY c.team_id, c.phone, c.occurred_at DESC, c.event_id DESC) o
        JOIN (SELECT DISTINCT ON (c.team_id, c.phone) c.team_id, c.phone, c.event_id, c.kind
              FROM outreach.consent_log c ORDER BY c.team_id, c.phone, c.event_id DESC) r
          ON r.team_id = o.team_id AND r.phone = o.phone
        WHERE r.kind <> o.kind
    ) d
) x;
-- ---- campaign criteria that fail closed -----------------------------------------------------------
-- Before 0.5.0 a criteria entry that did not normalize became NULL, and `x <> ALL ('{NY,NULL}')` is
-- NULL: {"states": ["NY", "Nwe York"]} selected every state, and a blank sic_codes entry matched
-- every code. Now every entry must mean something when the campaign is saved (the error names it),
-- and the selection itself treats what it cannot read as "not selected".

CREATE OR REPLACE FUNCTION outreach.check_campaign_criteria(criteria jsonb) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    k text;
    v jsonb;
    entry text;
    kinds constant jsonb := '{"min_score": "number", "max_score": "number", "statuses": "array", "tags": "array",
                              "exclude_tags": "array", "states": "array", "zips": "array", "radius": "object",
                              "sic_codes": "array", "naics_codes": "array", "min_employees": "number", "max_employees": "number",
                              "min_revenue": "number", "max_revenue": "number", "enrichment_statuses": "array",
                              "last_contacted_before": "string", "never_contacted": "boolean"}';
    lead_statuses constant text[] := ARRAY['new', 'contacted', 'engaged', 'qualified', 'converted', 'not_interested',
                                          'do_not_contact', 'bad_data'];
    enrichment_statuses constant text[] := ARRAY['not_enriched', 'pending', 'enriched', 'failed'];
BEGIN
    IF criteria IS NULL OR jsonb_typeof(criteria) <> 'object' THEN
        RAISE EXCEPTION 'campaign criteria must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(criteria) LOOP
        IF NOT kinds ? k THEN
            RAISE EXCEPTION 'unknown campaign criterion "%"', k
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Criteria are ' || (SELECT string_agg(x, ', ' ORDER BY x) FROM jsonb_object_keys(kinds) x) || '.';
        END IF;
        IF jsonb_typeof(v) <> kinds ->> k THEN
            RAISE EXCEPTION 'campaign criterion "%" must be a JSON %, not %', k, kinds ->> k, v USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF jsonb_typeof(v) = 'array' THEN
            IF EXISTS (SELECT 1 FROM jsonb_array_elements(v) e WHERE jsonb_typeof(e) <> 'string') THEN
                RAISE EXCEPTION 'campaign criterion "%" must be an array of strings, not %', k, v USING ERRCODE = 'invalid_parameter_value';
            END IF;
            -- an empty list would select nobody: surely not what was meant
            IF jsonb_array_length(v) = 0 THEN
                RAISE EXCEPTION 'campaign criterion "%" is an empty list: it would select nobody', k
                    USING ERRCODE = 'invalid_parameter_value', HINT = 'Leave the criterion out to not filter by it.';
            END IF;
            -- every entry must mean something; the first that does not is named
            SELECT e INTO entry FROM jsonb_array_elements_text(v) WITH ORDINALITY AS u (e, i)
            WHERE CASE k
                      WHEN 'states' THEN outreach.normalize_state(e) IS NULL
                      WHEN 'zips' THEN outreach.normalize_zip(e) IS NULL
                      WHEN 'sic_codes' THEN btrim(e) !~ '^[0-9]{2,8}$'
                      WHEN 'naics_codes' THEN btrim(e) !~ '^[0-9]{2,6}$'
                      WHEN 'statuses' THEN NOT (e = ANY (lead_statuses))
                      WHEN 'enrichment_statuses' THEN NOT (e = ANY (enrichment_statuses))
                      -- a tag is compared as written: surrounding spaces would make it match nothing
                      ELSE btrim(e) = '' OR btrim(e) <> e
                  END
            ORDER BY i LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'campaign criterion "%": entry % is not %', k, to_jsonb(left(entry, 100))::text,
                                CASE k WHEN 'states' THEN 'a US state'
                                       WHEN 'zips' THEN 'a US ZIP code'
                                       WHEN 'sic_codes' THEN 'a SIC code or prefix (2 to 8 digits)'
                                       WHEN 'naics_codes' THEN 'a NAICS code or prefix (2 to 6 digits)'
                                       WHEN 'statuses' THEN 'a lead status (' || array_to_string(lead_statuses, ', ') || ')'
                                       WHEN 'enrichment_statuses' THEN 'an enrichment status (' || array_to_string(enrichment_statuses, ', ') || ')'
                                       ELSE 'a tag (it is blank or has spaces around it)' END
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END IF;
    END LOOP;
    IF criteria ? 'last_contacted_before' THEN
        BEGIN
            IF NOT isfinite((criteria ->> 'last_contacted_before')::timestamptz) THEN
                RAISE EXCEPTION 'not finite';
            END IF;
        EXCEPTION WHEN others THEN
            RAISE EXCEPTION 'campaign criterion "last_contacted_before" is not a timestamp: %', left(criteria ->> 'last_contacted_before', 100)
                USING ERRCODE = 'invalid_parameter_value';
        END;
    END IF;
    IF criteria ? 'radius' THEN
        IF EXISTS (SELECT 1 FROM jsonb_object_keys(criteria -> 'radius') x WHERE x NOT IN ('miles', 'zip', 'lat', 'lng')) THEN
            RAISE EXCEPTION 'campaign criterion "radius" takes miles and a zip or lat and lng, not %', criteria -> 'radius'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF NOT (criteria -> 'radius' ? 'miles') OR jsonb_typeof(criteria #> '{radius,miles}') <> 'number'
           OR (criteria #>> '{radius,miles}')::numeric <= 0 THEN
            RAISE EXCEPTION 'campaign criterion "radius" needs "miles", a positive number: %', criteria -> 'radius'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF criteria -> 'radius' ? 'zip' THEN
            IF jsonb_typeof(criteria #> '{radius,zip}') <> 'string'
               OR NOT EXISTS (SELECT 1 FROM outreach.zip_codes z WHERE z.zip = outreach.normalize_zip(criteria #>> '{radius,zip}')) THEN
                RAISE EXCEPTION 'campaign criterion "radius": ZIP % has no known coordinates', criteria #> '{radius,zip}'
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
        ELSIF jsonb_typeof(criteria #> '{radius,lat}') IS DISTINCT FROM 'number' OR jsonb_typeof(criteria #> '{radius,lng}') IS DISTINCT FROM 'number'
              OR abs((criteria #>> '{radius,lat}')::numeric) > 90 OR abs((criteria #>> '{radius,lng}')::numeric) > 180 THEN
            RAISE EXCEPTION 'campaign criterion "radius" needs a "zip" or numeric "lat" and "lng": %', criteria -> 'radius'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    IF (criteria ->> 'min_score')::numeric > (criteria ->> 'max_score')::numeric
       OR (criteria ->> 'min_employees')::numeric > (criteria ->> 'max_employees')::numeric
       OR (criteria ->> 'min_revenue')::numeric > (criteria ->> 'max_revenue')::numeric THEN
        RAISE EXCEPTION 'campaign criteria select nobody: a minimum is above its maximum (%)', criteria
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$fn$;
COMMENT ON FUNCTION outreach.check_campaign_criteria(jsonb) IS
    'Raises an error naming the criterion (and the entry) when campaign criteria have an unknown key, a wrong type, an entry '
    'that does not normalize (a state, ZIP, SIC/NAICS prefix, status that is not one), an empty list or an impossible range.';

-- The same check as a value: NULL when the criteria are good, else what is wrong with them.
CREATE FUNCTION outreach.criteria_problem(criteria jsonb) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM outreach.check_campaign_criteria(criteria);
    RETURN NULL;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN SQLERRM;
END
$fn$;
COMMENT ON FUNCTION outreach.criteria_problem(jsonb) IS
    'What outreach.check_campaign_criteria would refuse in these criteria, as text; NULL when they are good.';

-- Criteria the check refuses select nobody (reason invalid_criteria): campaigns saved before this
-- release, or a direct call. And every filter is written so that what it cannot read (a NULL entry, a NULL value of the lead)
-- counts as "fails the filter", never as "passes": coalesce(<matches>, false).
CREATE OR REPLACE FUNCTION outreach.campaign_selection(team_id text, criteria jsonb)
    RETURNS TABLE (lead_id bigint, score integer, reasons text[])
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH c AS (
        SELECT outreach.criteria_problem(criteria) AS problem,
               (criteria ->> 'min_score')::numeric AS min_score, (criteria ->> 'max_score')::numeric AS max_score,
               CASE WHEN criteria ? 'statuses' THEN ARRAY(SELECT jsonb_array_elements_text(criteria -> 'statuses')) END AS statuses,
               CASE WHEN criteria ? 'tags' THEN ARRAY(SELECT jsonb_array_elements_text(criteria -> 'tags')) END AS tags,
               CASE WHEN criteria ? 'exclude_tags' THEN ARRAY(SELECT jsonb_array_elements_text(criteria -> 'exclude_tags')) END AS exclude_tags,
               CASE WHEN criteria ? 'states' THEN ARRAY(SELECT outreach.normalize_state(x) FROM jsonb_array_elements_text(criteria -> 'states') x) END AS states,
               CASE WHEN criteria ? 'zips' THEN ARRAY(SELECT outreach.normalize_zip(x) FROM jsonb_array_elements_text(criteria -> 'zips') x) END AS zips,
               -- a blank prefix would match every code: it matches none
               CASE WHEN criteria ? 'sic_codes' THEN ARRAY(SELECT nullif(btrim(x), '') FROM jsonb_array_elements_text(criteria -> 'sic_codes') x) END AS sic_codes,
               CASE WHEN criteria ? 'naics_codes' THEN ARRAY(SELECT nullif(btrim(x), '') FROM jsonb_array_elements_text(criteria -> 'naics_codes') x) END AS naics_codes,
               (criteria ->> 'min_employees')::numeric AS min_employees, (criteria ->> 'max_employees')::numeric AS max_employees,
               (criteria ->> 'min_revenue')::numeric AS min_revenue, (criteria ->> 'max_revenue')::numeric AS max_revenue,
               CASE WHEN criteria ? 'enrichment_statuses' THEN ARRAY(SELECT jsonb_array_elements_text(criteria -> 'enrichment_statuses')) END AS enrichment,
               (criteria ->> 'last_contacted_before')::timestamptz AS contacted_before,
               coalesce((criteria ->> 'never_contacted')::boolean, false) AS never_contacted,
               (criteria #>> '{radius,miles}')::double precision AS miles,
               coalesce((criteria #>> '{radius,lat}')::double precision,
                        (SELECT z.lat FROM outreach.zip_codes z WHERE z.zip = outreach.normalize_zip(criteria #>> '{radius,zip}'))) AS lat,
               coalesce((criteria #>> '{radius,lng}')::double precision,
                        (SELECT z.lng FROM outreach.zip_codes z WHERE z.zip = outreach.normalize_zip(criteria #>> '{radius,zip}'))) AS lng
    )
    SELECT t.lead_id, t.score,
           array_remove(ARRAY[
               CASE WHEN c.problem IS NOT NULL THEN 'invalid_criteria' END,
               CASE WHEN c.min_score IS NOT NULL AND NOT coalesce(t.score >= c.min_score, false) THEN 'score_below_min' END,
               CASE WHEN c.max_score IS NOT NULL AND NOT coalesce(t.score <= c.max_score, false) THEN 'score_above_max' END,
               CASE WHEN c.statuses IS NOT NULL AND NOT coalesce(t.status = ANY (c.statuses), false) THEN 'status' END,
               CASE WHEN c.tags IS NOT NULL AND NOT coalesce(t.tags && c.tags, false) THEN 'missing_tag' END,
               CASE WHEN c.exclude_tags IS NOT NULL AND coalesce(t.tags && c.exclude_tags, false) THEN 'excluded_tag' END,
               CASE WHEN c.states IS NOT NULL AND NOT coalesce(t.state = ANY (c.states), false) THEN 'state' END,
               CASE WHEN c.zips IS NOT NULL AND NOT coalesce(t.zip = ANY (c.zips), false) THEN 'zip' END,
               CASE WHEN c.miles IS NOT NULL AND (z.lat IS NULL OR c.lat IS NULL OR c.lng IS NULL) THEN 'no_location'
                    WHEN c.miles IS NOT NULL AND NOT coalesce(outreach.distance_miles(c.lat, c.lng, z.lat, z.lng) <= c.miles, false)
                    THEN 'outside_radius' END,
               CASE WHEN c.sic_codes IS NOT NULL AND NOT coalesce((SELECT bool_or(starts_with(b.sic_code, p)) FROM unnest(c.sic_codes) p), false)
                    THEN 'sic' END,
               CASE WHEN c.naics_codes IS NOT NULL AND NOT coalesce((SELECT bool_or(starts_with(b.naics_code, p)) FROM unnest(c.naics_codes) p), false)
                    THEN 'naics' END,
               CASE WHEN (c.min_employees IS NOT NULL OR c.max_employees IS NOT NULL)
                     AND NOT coalesce(b.employee_count >= coalesce(c.min_employees, b.employee_count)
                                      AND b.employee_count <= coalesce(c.max_employees, b.employee_count), false)
                    THEN 'employees' END,
               CASE WHEN (c.min_revenue IS NOT NULL OR c.max_revenue IS NOT NULL)
                     AND NOT coalesce(b.annual_revenue >= coalesce(c.min_revenue, b.annual_revenue)
                                      AND b.annual_revenue <= coalesce(c.max_revenue, b.annual_revenue), false)
                    THEN 'revenue' END,
               CASE WHEN c.enrichment IS NOT NULL AND NOT coalesce(l.enrichment_status = ANY (c.enrichment), false) THEN 'enrichment' END,
               -- never contacted is not contacted recently
               CASE WHEN c.contacted_before IS NOT NULL AND l.last_contacted_at IS NOT NULL
                     AND NOT coalesce(l.last_contacted_at < c.contacted_before, false) THEN 'contacted_recently' END,
               CASE WHEN c.never_contacted AND (l.last_contacted_at IS NOT NULL
                         OR EXISTS (SELECT 1 FROM outreach.sms_messages m
                                    WHERE m.team_id = l.team_id AND m.lead_id = l.lead_id AND m.state <> 'failed'))
                    THEN 'contacted_before' END
           ], NULL)
    FROM c
    CROSS JOIN outreach.lead_targets t
    JOIN outreach.leads l ON l.team_id = t.team_id AND l.lead_id = t.lead_id
    LEFT JOIN outreach.businesses b ON b.team_id = t.team_id AND b.business_id = t.business_id
    LEFT JOIN outreach.zip_codes z ON z.zip = t.zip
    WHERE t.team_id = campaign_selection.team_id
$fn$;
COMMENT ON FUNCTION outreach.campaign_selection(text, jsonb) IS
    'Every active lead of the team with the campaign criteria it fails: invalid_criteria (criteria the check refuses select '
    'nobody), score_below_min, score_above_max, status, missing_tag, excluded_tag, state, zip, outside_radius, no_location (a '
    'radius and no coordinates for the lead''s ZIP), sic, naics, employees, revenue, enrichment, contacted_recently, '
    'contacted_before. A value the lead lacks fails the filter that reads it. Empty reasons: selected.';
-- ---- a campaign step reaches a phone number once -----------------------------------------------------
-- Two leads may share a number (a person imported twice, a household, an office line): the queue
-- was unique per lead, so the number got the same step once per lead. Now the preview keeps the
-- best lead of each number (score, then the oldest lead) and says why the others are left out, and
-- a unique index makes a second live row for one number and step impossible, whatever writes it.

CREATE OR REPLACE FUNCTION outreach.preview_campaign(team_id text, campaign_id bigint, at timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (lead_id bigint, selected boolean, reasons text[], score integer, phone text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    c outreach.campaigns;
BEGIN
    PERFORM outreach.check_team(preview_campaign.team_id);
    SELECT * INTO c FROM outreach.campaigns x WHERE x.team_id = preview_campaign.team_id AND x.campaign_id = preview_campaign.campaign_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" has no campaign %', preview_campaign.team_id, preview_campaign.campaign_id USING ERRCODE = 'undefined_object';
    END IF;
    RETURN QUERY
    WITH sel AS (
        SELECT s.lead_id, s.score, s.reasons FROM outreach.campaign_selection(c.team_id, c.criteria) s
    ),
    gate AS (
        SELECT g.lead_id, g.phone, g.reasons
        FROM outreach.send_blockers(c.team_id,
                                    ARRAY(SELECT s.lead_id FROM sel s WHERE cardinality(s.reasons) = 0 ORDER BY s.lead_id),
                                    ARRAY(SELECT preview_campaign.at FROM sel s WHERE cardinality(s.reasons) = 0 ORDER BY s.lead_id)) g
    ),
    judged AS (
        SELECT s.lead_id, s.score, g.phone, r.reasons
        FROM sel s
        LEFT JOIN gate g ON g.lead_id = s.lead_id
        CROSS JOIN LATERAL (
            SELECT s.reasons
                   || coalesce(ARRAY(SELECT x FROM unnest(g.reasons) x WHERE x IN ('lead_inactive', 'no_phone', 'suppressed', 'state_ban')), '{}')
                   || CASE WHEN EXISTS (SELECT 1 FROM outreach.campaign_queue q
                                        WHERE q.team_id = c.team_id AND q.campaign_id = c.campaign_id AND q.lead_id = s.lead_id AND q.step = 1)
                           THEN ARRAY['already_queued']
                           WHEN g.phone IS NOT NULL
                                AND EXISTS (SELECT 1 FROM outreach.campaign_queue q
                                            WHERE q.team_id = c.team_id AND q.campaign_id = c.campaign_id
                                              AND q.phone = g.phone AND q.state <> 'cancelled' AND NOT q.legacy_duplicate)
                           THEN ARRAY['phone_already_queued'] ELSE '{}' END AS reasons
        ) r
    ),
    ranked AS (
        SELECT j.*, CASE WHEN cardinality(j.reasons) = 0
                         THEN row_number() OVER (PARTITION BY j.phone, cardinality(j.reasons) = 0 ORDER BY j.score DESC, j.lead_id) END AS rank
        FROM judged j
    )
    SELECT x.lead_id, cardinality(x.reasons) = 0 AND x.rank = 1,
           x.reasons || CASE WHEN x.rank > 1 THEN ARRAY['same_phone'] ELSE '{}' END, x.score, x.phone
    FROM ranked x
    ORDER BY cardinality(x.reasons) = 0 AND x.rank = 1 DESC, x.score DESC, x.lead_id;
END
$fn$;
COMMENT ON FUNCTION outreach.preview_campaign(text, bigint, timestamptz) IS
    'Every active lead of the team: whether the campaign would queue it and, if not, why (the criteria it fails, then no_phone, '
    'suppressed or state_ban from outreach.can_send at `at`, then already_queued, phone_already_queued (another lead of the '
    'number has the campaign) or same_phone (another lead of the number ranks higher: score, then the oldest lead)). '
    'Nothing is written.';

-- Duplicates of an earlier release: a queued one is cancelled; one that is on its way or went out
-- (claimed, sending, sent, unknown, failed) is history, marked so that the index below lets it be.
LOCK TABLE outreach.campaign_queue IN SHARE ROW EXCLUSIVE MODE;
ALTER TABLE outreach.campaign_queue ADD COLUMN legacy_duplicate boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN outreach.campaign_queue.legacy_duplicate IS
    'True for a row whose step had already been queued to the same number for another lead before 0.5.0 and was on its way '
    'or sent when 0.5.0 was installed: kept as history, outside campaign_queue_one_per_number.';
WITH duplicates AS (
    SELECT r.team_id, r.queue_id, r.state
    FROM (SELECT q.team_id, q.queue_id, q.state,
                 row_number() OVER (PARTITION BY q.team_id, q.campaign_id, q.step, q.phone
                                    ORDER BY q.state = 'queued', q.queue_id) AS n
          FROM outreach.campaign_queue q WHERE q.state <> 'cancelled') r
    WHERE r.n > 1
), cancelled AS (
    UPDATE outreach.campaign_queue q SET state = 'cancelled', cancel_reason = 'same_phone', updated_at = pg_catalog.now()
    FROM duplicates d
    WHERE d.team_id = q.team_id AND d.queue_id = q.queue_id AND d.state = 'queued'
    RETURNING q.team_id, q.queue_id, q.campaign_id, q.lead_id, q.step
), kept AS (
    UPDATE outreach.campaign_queue q SET legacy_duplicate = true
    FROM duplicates d
    WHERE d.team_id = q.team_id AND d.queue_id = q.queue_id AND d.state <> 'queued'
)
INSERT INTO outreach.scheduled_events (team_id, campaign_id, queue_id, lead_id, step, kind, reasons)
SELECT c.team_id, c.campaign_id, c.queue_id, c.lead_id, c.step, 'cancelled', ARRAY['same_phone'] FROM cancelled c;
-- Rows of texts that were cancelled (never sent) do not count; everything else does.
CREATE UNIQUE INDEX campaign_queue_one_per_number ON outreach.campaign_queue (team_id, campaign_id, phone, step)
    WHERE state <> 'cancelled' AND NOT legacy_duplicate;
COMMENT ON INDEX outreach.campaign_queue_one_per_number IS
    'A campaign step goes to a phone number once, whichever lead it was queued for (cancelled rows and the duplicates of '
    'earlier releases aside).';
-- Webhooks that strangers cannot use to fill the disk (issue 11, findings 5 and 8).
--
-- Before this release every request with a bad signature was stored whole (body and parsed
-- parameters, up to a megabyte each), once per request, for any team name: 100 requests grew
-- webhook_events by 194 MB. Now:
--   * a rejection is stored bounded: the first 2,048 characters of the body, its sha256 digest and
--     full length, the reason, the sender's address, headers without credentials, no parameters
--     (a CHECK holds every rejected row to it);
--   * identical rejections (same team, provider, reason and body digest) are one row that counts
--     its repeats;
--   * a request for a team that does not exist is refused before anything is stored (outreachd
--     asks outreach.webhook_team_ids() and answers 404; the functions refuse too);
--   * headers that carry credentials are never kept (outreach.webhook_safe_headers);
--   * outreach.worker_gauges() gives the least-privilege worker role the gauges of /metrics.
-- outreachd also rate-limits rejections per sender and team and caps sizes and time per request;
-- that part lives in worker/webhooks.cpp.

-- ---- columns ---------------------------------------------------------------------------------------
ALTER TABLE outreach.webhook_events
    ADD COLUMN reason       text CHECK (reason ~ '^[a-z0-9_]{1,40}$'),
    ADD COLUMN body_sha256  text CHECK (body_sha256 ~ '^[0-9a-f]{64}$'),
    ADD COLUMN body_length  integer CHECK (body_length >= 0),
    ADD COLUMN remote_addr  inet,
    ADD COLUMN repeats      integer NOT NULL DEFAULT 1 CHECK (repeats >= 1),
    ADD COLUMN last_seen_at timestamptz;
COMMENT ON COLUMN outreach.webhook_events.reason IS
    'Why a rejected request was refused: missing_signature, bad_signature, stale_timestamp, no_signing_key, invalid_utf8. '
    'NULL for accepted events.';
COMMENT ON COLUMN outreach.webhook_events.body_sha256 IS
    'Hex sha256 of the whole body as received (a rejected row keeps only the first 2,048 characters of the body). '
    'NULL for accepted events stored before 0.5.0.';
COMMENT ON COLUMN outreach.webhook_events.body_length IS
    'Length of the whole body in bytes, as received. NULL for accepted events stored before 0.5.0.';
COMMENT ON COLUMN outreach.webhook_events.remote_addr IS 'Address the request came from (the last rejection of a repeated one).';
COMMENT ON COLUMN outreach.webhook_events.repeats IS
    'How many identical rejections this row stands for (same team, provider, reason and body digest); 1 for accepted events.';
COMMENT ON COLUMN outreach.webhook_events.last_seen_at IS 'When the last of the repeated rejections arrived.';
COMMENT ON COLUMN outreach.webhook_events.event_key IS
    'What makes an event once: Twilio MessageSid:MessageStatus; SignalHouse sha256:<digest of the signed body> (the '
    'X-SignalHouse-Delivery-Id header is not signed, so it cannot be the key); rejected:<reason>:<body digest> for rejections.';
COMMENT ON COLUMN outreach.webhook_events.headers IS
    'Request headers that carry no credentials (outreach.webhook_safe_headers): Authorization, cookies, API keys, tokens, '
    'secrets, passwords and signatures are never stored.';

-- Which header names carry credentials: never stored, whatever the caller passes.
CREATE FUNCTION outreach.webhook_safe_headers(headers jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN (
    SELECT coalesce(jsonb_object_agg(h.key, CASE WHEN jsonb_typeof(h.value) = 'string' THEN to_jsonb(left(h.value #>> '{}', 256))
                                                 ELSE 'null'::jsonb END), '{}'::jsonb)
    FROM (SELECT e.key, e.value FROM jsonb_each(CASE WHEN jsonb_typeof(headers) = 'object' THEN headers ELSE '{}' END) e
          WHERE e.key !~* '(auth|token|secret|key|passw|cookie|session|signature|credential)'
          ORDER BY e.key LIMIT 32) h
);
COMMENT ON FUNCTION outreach.webhook_safe_headers(jsonb) IS
    'The headers of a webhook request that may be stored: drops every name that looks like a credential (auth, token, '
    'secret, key, passw, cookie, session, signature, credential, in any case), keeps at most 32 names and 256 characters '
    'of each value.';

-- ---- what is already stored ------------------------------------------------------------------------
-- Rejections of before 0.5.0 were stored whole and once per request: bound them and fold the
-- identical ones, which gives back the space a flood took.
WITH rejected AS (
    SELECT w.team_id, w.webhook_id, w.provider, w.kind, w.body, w.received_at,
           encode(sha256(convert_to(w.body, 'UTF8')), 'hex') AS digest
    FROM outreach.webhook_events w
    WHERE NOT w.signature_valid
),
grouped AS (
    SELECT r.*, row_number() OVER same AS n, count(*) OVER same AS total, max(r.received_at) OVER same AS last_seen
    FROM rejected r
    WINDOW same AS (PARTITION BY r.team_id, r.provider, r.kind, r.digest ORDER BY r.webhook_id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
),
folded AS (
    DELETE FROM outreach.webhook_events w USING grouped g
    WHERE g.n > 1 AND w.team_id = g.team_id AND w.webhook_id = g.webhook_id
)
UPDATE outreach.webhook_events w
SET event_key = 'rejected:bad_signature:' || g.digest, reason = 'bad_signature', body_sha256 = g.digest,
    body_length = octet_length(g.body), body = left(g.body, 2048), params = '{}'::jsonb, repeats = g.total,
    last_seen_at = g.last_seen
FROM grouped g
WHERE g.n = 1 AND w.team_id = g.team_id AND w.webhook_id = g.webhook_id;
UPDATE outreach.webhook_events w SET headers = outreach.webhook_safe_headers(w.headers)
WHERE w.headers IS DISTINCT FROM outreach.webhook_safe_headers(w.headers);

-- a rejected row is bounded, whoever wrote it
ALTER TABLE outreach.webhook_events ADD CONSTRAINT webhook_events_rejection_bounded
    CHECK (signature_valid OR (reason IS NOT NULL AND octet_length(body) <= 8192 AND params = '{}'::jsonb));
-- identical rejections are one row
CREATE UNIQUE INDEX webhook_events_rejected_once ON outreach.webhook_events (team_id, provider, kind, event_key)
    WHERE NOT signature_valid;
COMMENT ON TABLE outreach.webhook_events IS
    'Every webhook request outreachd received for a known team, stored before anything else. A valid one is stored raw '
    '(headers without credentials, the body as sent, the parsed parameters) once per event key (Twilio MessageSid and '
    'MessageStatus; SignalHouse the digest of the signed body), then applied to its message by outreach.apply_webhook. '
    'A rejected one (bad or missing signature, stale timestamp, body not UTF-8) is stored bounded, with its reason, one row '
    'per identical rejection (repeats counts them); outreachd stores a limited number per sender and team and answers the '
    'rest 429 (counted in /metrics).';

-- ---- the functions outreachd calls -----------------------------------------------------------------
CREATE FUNCTION outreach.record_webhook_rejection(team_id text, provider text, kind text, reason text, headers jsonb, body text,
                                                  body_sha256 text, body_length integer, remote_addr inet)
    RETURNS TABLE (webhook_id bigint, duplicate boolean, state text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    digest text := coalesce(record_webhook_rejection.body_sha256,
                            encode(sha256(convert_to(coalesce(record_webhook_rejection.body, ''), 'UTF8')), 'hex'));
BEGIN
    IF NOT EXISTS (SELECT 1 FROM outreach.teams t WHERE t.team_id = record_webhook_rejection.team_id) THEN
        RAISE EXCEPTION 'no such team: %', left(record_webhook_rejection.team_id, 63) USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN QUERY
    INSERT INTO outreach.webhook_events AS w (team_id, provider, kind, event_key, headers, body, params, signature_valid, state,
                                              reason, body_sha256, body_length, remote_addr, last_seen_at)
    VALUES (record_webhook_rejection.team_id, record_webhook_rejection.provider, record_webhook_rejection.kind,
            'rejected:' || record_webhook_rejection.reason || ':' || digest,
            outreach.webhook_safe_headers(coalesce(record_webhook_rejection.headers, '{}')),
            left(coalesce(record_webhook_rejection.body, ''), 2048), '{}', false, 'rejected', record_webhook_rejection.reason,
            digest, coalesce(record_webhook_rejection.body_length, octet_length(coalesce(record_webhook_rejection.body, ''))),
            record_webhook_rejection.remote_addr, pg_catalog.now())
    ON CONFLICT (team_id, provider, kind, event_key) WHERE NOT signature_valid
    DO UPDATE SET repeats = w.repeats + 1, last_seen_at = pg_catalog.now(), remote_addr = EXCLUDED.remote_addr
    RETURNING w.webhook_id, w.repeats > 1, w.state;
END
$fn$;
COMMENT ON FUNCTION outreach.record_webhook_rejection(text, text, text, text, jsonb, text, text, integer, inet) IS
    'For outreachd: stores a refused webhook request bounded (reason; the first 2,048 characters of body; the digest and '
    'length of the whole body, computed from body when not given; headers without credentials; the sender''s address), '
    'one row per identical rejection (team, provider, reason, body digest), whose repeats counts them. Refuses a team that '
    'does not exist.';

CREATE OR REPLACE FUNCTION outreach.record_webhook(team_id text, provider text, kind text, event_key text, message_ref text,
                                                   headers jsonb, body text, params jsonb, signature_valid boolean)
    RETURNS TABLE (webhook_id bigint, duplicate boolean, state text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    id bigint;
    caller_lock_timeout text := pg_catalog.current_setting('lock_timeout');
    apply_lock_wait text;
BEGIN
    IF NOT record_webhook.signature_valid THEN
        -- bounded, whatever the caller passed
        RETURN QUERY SELECT * FROM outreach.record_webhook_rejection(record_webhook.team_id, record_webhook.provider, record_webhook.kind,
                                                                   'bad_signature', record_webhook.headers, record_webhook.body,
                                                                   NULL, NULL, NULL);
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM outreach.teams t WHERE t.team_id = record_webhook.team_id) THEN
        RAISE EXCEPTION 'no such team: %', left(record_webhook.team_id, 63) USING ERRCODE = 'foreign_key_violation';
    END IF;
    INSERT INTO outreach.webhook_events AS w (team_id, provider, kind, event_key, message_ref, headers, body, params, signature_valid,
                                              state, body_sha256, body_length)
    VALUES (record_webhook.team_id, record_webhook.provider, record_webhook.kind, record_webhook.event_key, record_webhook.message_ref,
            outreach.webhook_safe_headers(coalesce(record_webhook.headers, '{}')), record_webhook.body,
            coalesce(record_webhook.params, '{}'), true, 'received',
            encode(sha256(convert_to(record_webhook.body, 'UTF8')), 'hex'), octet_length(record_webhook.body))
    ON CONFLICT (team_id, provider, kind, event_key) WHERE signature_valid DO NOTHING
    RETURNING w.webhook_id INTO id;
    IF id IS NOT NULL THEN
        IF record_webhook.kind = 'status' THEN
            -- A status callback answered 5xx is lost (Twilio does not retry it), so the stored event
            -- never depends on its apply: a text someone holds (complete_sends recording its window)
            -- is waited for a second at most, well within outreachd's statement timeout, and the
            -- event then stays received for outreach.apply_received_webhooks.
            SELECT CASE WHEN s.setting::bigint BETWEEN 1 AND 1000 THEN s.setting ELSE '1000' END INTO apply_lock_wait
            FROM pg_catalog.pg_settings s WHERE s.name = 'lock_timeout';
            BEGIN
                PERFORM pg_catalog.set_config('lock_timeout', apply_lock_wait, true);
                PERFORM outreach.apply_webhook(record_webhook.team_id, id);
                PERFORM pg_catalog.set_config('lock_timeout', caller_lock_timeout, true);
            EXCEPTION WHEN lock_not_available OR deadlock_detected THEN
                NULL;  -- the sub-block's setting and changes are undone; the event stays received
            END;
        END IF;
        RETURN QUERY SELECT w.webhook_id, false, w.state FROM outreach.webhook_events w
                     WHERE w.team_id = record_webhook.team_id AND w.webhook_id = id;
        RETURN;
    END IF;
    RETURN QUERY SELECT w.webhook_id, true, w.state FROM outreach.webhook_events w
                 WHERE w.team_id = record_webhook.team_id AND w.provider = record_webhook.provider AND w.kind = record_webhook.kind
                   AND w.event_key = record_webhook.event_key AND w.signature_valid;
END
$fn$;
COMMENT ON FUNCTION outreach.record_webhook(text, text, text, text, text, jsonb, text, jsonb, boolean) IS
    'For outreachd: stores a verified webhook request raw (headers without credentials), once per event (a repeat returns '
    'duplicate = true and changes nothing), and applies a delivery-status event to its message. The event is stored even '
    'when it cannot be applied now: when its text stays locked for a second (or lock_timeout, if shorter) or the apply '
    'meets a deadlock, it is returned as received and outreach.apply_received_webhooks applies it later. A request with a '
    'bad signature is stored bounded, as outreach.record_webhook_rejection does. Refuses a team that does not exist.';

-- Status events stored but not applied: their text was locked when they came, or the provider's id
-- of the text was not known yet and the complete_sends that recorded it did not see them (it ran
-- before they were committed). outreachd calls this every turn. apply_webhook applies an event
-- once and forward only; what someone else holds is skipped for the next turn, never waited for.
CREATE FUNCTION outreach.apply_received_webhooks(batch integer DEFAULT 500) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET lock_timeout = '1s'
AS $fn$
DECLARE
    r record;
    done bigint := 0;
BEGIN
    FOR r IN SELECT w.team_id, w.webhook_id
             FROM outreach.webhook_events w
             JOIN outreach.sms_messages m ON m.team_id = w.team_id AND m.provider_message_id = w.message_ref
             WHERE w.state = 'received' AND w.kind = 'status'
             ORDER BY w.webhook_id
             LIMIT greatest(coalesce(batch, 500), 0)
             FOR UPDATE OF w, m SKIP LOCKED LOOP
        BEGIN
            IF outreach.apply_webhook(r.team_id, r.webhook_id) <> 'received' THEN
                done := done + 1;
            END IF;
        EXCEPTION WHEN lock_not_available OR deadlock_detected THEN
            NULL;  -- still received: the next turn tries again
        END;
    END LOOP;
    RETURN done;
END
$fn$;
COMMENT ON FUNCTION outreach.apply_received_webhooks(integer) IS
    'For outreachd, every turn: applies (as outreach.apply_webhook does, once and forward only) up to batch delivery-status '
    'events, oldest first, that are still received although their text''s provider id is known: events whose text was '
    'locked when they arrived, or that arrived before the id was recorded. Skips what another session holds. Returns how '
    'many events it applied or ignored.';
COMMENT ON FUNCTION outreach.apply_webhook(text, bigint) IS
    'Applies a stored delivery-status event to its text, forward only (sending/unknown -> sent -> delivered, undelivered or '
    'failed): a late or repeated status is ignored, with the reason. An event for a text whose provider id is not known yet, '
    'or that could not be applied when it arrived, stays received until outreach.complete_sends records the id or '
    'outreach.apply_received_webhooks applies it.';

CREATE FUNCTION outreach.webhook_team_ids() RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT t.team_id FROM outreach.teams t ORDER BY t.team_id
$fn$;
COMMENT ON FUNCTION outreach.webhook_team_ids() IS
    'For outreachd: the ids of every team, so that webhooks for a team that does not exist are refused (404) before '
    'anything is stored. outreachd keeps them for a few seconds.';

CREATE FUNCTION outreach.worker_gauges()
    RETURNS TABLE (queue_due bigint, queue_depth bigint, unknown_sends bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT (SELECT count(*) FROM outreach.campaign_queue q WHERE q.state = 'queued' AND q.scheduled_at <= pg_catalog.now()),
           (SELECT count(*) FROM outreach.campaign_queue q WHERE q.state = 'queued'),
           (SELECT count(*) FROM outreach.sms_messages m WHERE m.state = 'unknown')
$fn$;
COMMENT ON FUNCTION outreach.worker_gauges() IS
    'For outreachd''s /metrics, across all teams: queued messages due now, all queued messages, and texts of unknown '
    'outcome waiting for reconciliation. The least-privilege role outreach_worker may call it without reading the tables.';

REVOKE ALL ON FUNCTION outreach.record_webhook_rejection(text, text, text, text, jsonb, text, text, integer, inet),
    outreach.webhook_team_ids(), outreach.worker_gauges(), outreach.apply_received_webhooks(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outreach.record_webhook_rejection(text, text, text, text, jsonb, text, text, integer, inet),
    outreach.webhook_team_ids(), outreach.worker_gauges(), outreach.apply_received_webhooks(integer) TO outreach_worker;

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

-- The compliance gate: one truth about whether a lead may be texted at a given moment. Preview,
-- preparation, the sender's claim and operator sends all ask outreach.can_send (or its set form
-- outreach.send_blockers, which can_send is a one-row call of).
--
-- Reason codes (stable, in this order):
--   lead_inactive   the lead does not exist or was merged away
--   no_phone        no valid number to text
--   suppressed      the number's latest consent event is an opt-out (STOP, operator DNC, carrier), or the lead is do_not_contact
--   state_ban       the lead is in a state of state_bans (Washington, RCW 19.190.060)
--   quiet_hours     outside the allowed hours of a quiet_hour_rules row, in one of the lead's zones (all of them count)
--   frequency_cap   the number already got frequency_cap texts in the rolling frequency_window (all campaigns, all providers)
--   duplicate_step  this campaign step was already sent (or may have been) to the lead
--   throughput_cap  the campaign reached its per-minute cap in the minute before `at`
--   daily_cap       the brand reached its daily segment cap (the day starts at midnight US Pacific)

-- The zones whose clocks matter for a lead: every zone it may be in, or, when nothing is known,
-- every zone of the contiguous US (so the strictest window applies).
CREATE FUNCTION outreach.contiguous_us_zones() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '{America/New_York,America/Chicago,America/Denver,America/Phoenix,America/Los_Angeles}'::text[];
COMMENT ON FUNCTION outreach.contiguous_us_zones() IS 'The zones of the contiguous US: a lead with no known zone must be in hours in all of them.';

CREATE FUNCTION outreach.lead_zones(state text, zip text, phone text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN cardinality(outreach.timezones_for(state, zip, phone)) > 0 THEN outreach.timezones_for(state, zip, phone)
            ELSE outreach.contiguous_us_zones() END;
COMMENT ON FUNCTION outreach.lead_zones(text, text, text) IS
    'Every IANA zone a lead may be in (outreach.timezones_for), or all contiguous-US zones when none is known.';

-- The state whose rules apply: the lead's address or ZIP, else its number's area code.
CREATE FUNCTION outreach.rules_state(state text, phone text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN coalesce(state, (SELECT a.region FROM outreach.area_codes a WHERE phone LIKE '+1%' AND a.npa = substr(phone, 3, 3)));
COMMENT ON FUNCTION outreach.rules_state(text, text) IS
    'The state whose texting rules apply to a lead: its known state, else the region of its phone''s area code; NULL if neither.';

-- True when `at` is outside the allowed hours of an applicable rule in any of the zones. A lead
-- with no known state gets every rule.
CREATE FUNCTION outreach.in_quiet_hours(team_id text, zones text[], state text, at timestamptz) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN EXISTS (
    SELECT 1
    FROM unnest(zones) AS z (zone)
    CROSS JOIN LATERAL (SELECT at AT TIME ZONE z.zone AS local) l
    JOIN outreach.quiet_hour_rules r
      ON r.team_id = in_quiet_hours.team_id
     AND (r.state = 'US' OR in_quiet_hours.state IS NULL OR r.state = in_quiet_hours.state)
     AND (r.days IS NULL OR extract(isodow FROM l.local)::smallint = ANY (r.days))
    WHERE NOT (l.local::time >= r.start_local AND l.local::time < r.end_local)
);
COMMENT ON FUNCTION outreach.in_quiet_hours(text, text[], text, timestamptz) IS
    'Whether `at` falls in quiet hours for a recipient in these zones and state: outside [start_local, end_local) of any '
    'applicable quiet_hour_rules row in any zone (local time, so DST and Arizona are the tz database''s business).';

-- When a campaign may text a lead on local date `day`: the business hours and preferred days,
-- inside every applicable quiet-hour rule, in every zone at once. NULL when there is no such time.
CREATE FUNCTION outreach.send_window(team_id text, zones text[], state text, day date, window_start time, window_end time,
                                     preferred_days smallint[], OUT starts_at timestamptz, OUT ends_at timestamptz)
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH hours AS (
        SELECT greatest(window_start, max(r.start_local)) AS lo, least(window_end, min(r.end_local)) AS hi
        FROM outreach.quiet_hour_rules r
        WHERE r.team_id = send_window.team_id AND (r.state = 'US' OR send_window.state IS NULL OR r.state = send_window.state)
          AND (r.days IS NULL OR extract(isodow FROM day)::smallint = ANY (r.days))
    ),
    w AS (
        SELECT max((day + h.lo) AT TIME ZONE z) AS s, min((day + h.hi) AT TIME ZONE z) AS e
        FROM hours h, unnest(zones) AS z
        WHERE h.lo < h.hi AND extract(isodow FROM day)::smallint = ANY (preferred_days)
    )
    SELECT w.s, w.e FROM w WHERE w.s < w.e
$fn$;
COMMENT ON FUNCTION outreach.send_window(text, text[], text, date, time, time, smallint[]) IS
    'The instants of local date `day` at which a campaign with these business hours and preferred days may text a recipient '
    'in all these zones under the team''s quiet-hour rules: [starts_at, ends_at), or no row.';

-- Every reason each (lead, at) may not be texted; an empty array means it may. campaign_id and
-- steps (one per lead; NULL for none) add the campaign checks.
CREATE FUNCTION outreach.send_blockers(team_id text, lead_ids bigint[], ats timestamptz[], campaign_id bigint DEFAULT NULL,
                                       steps integer[] DEFAULT NULL)
    RETURNS TABLE (ord bigint, lead_id bigint, at timestamptz, phone text, zones text[], reasons text[])
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH req AS (
        SELECT u.ord, u.lead_id, u.at, u.step
        FROM unnest(lead_ids, ats, coalesce(steps, array_fill(NULL::integer, ARRAY[cardinality(lead_ids)])))
             WITH ORDINALITY AS u (lead_id, at, step, ord)
    ),
    lead AS (
        SELECT y.*, outreach.lead_zones(y.state, y.zip, y.phone) AS zones
        FROM (SELECT r.*, t.lead_id IS NOT NULL AS active, t.status, t.phone, t.zip,
                     coalesce(t.state, a.region) AS state  -- as outreach.rules_state, joined rather than called per lead
              FROM req r
              LEFT JOIN outreach.lead_targets t ON t.team_id = send_blockers.team_id AND t.lead_id = r.lead_id
              LEFT JOIN outreach.area_codes a ON t.state IS NULL AND t.phone LIKE '+1%' AND a.npa = substr(t.phone, 3, 3)) y
    ),
    -- quiet hours depend only on the zones, the state and the moment: computed once per profile
    quiet AS (
        SELECT p.st, p.zones, p.at, outreach.in_quiet_hours(send_blockers.team_id, p.zones, nullif(p.st, ''), p.at) AS quiet
        FROM (SELECT DISTINCT coalesce(x.state, '') AS st, x.zones, x.at FROM lead x WHERE x.active) p
    ),
    settings AS (
        SELECT coalesce(c.frequency_cap, 3) AS cap, coalesce(c.frequency_window, '24 hours'::interval) AS win
        FROM (SELECT 1) one LEFT JOIN outreach.compliance_settings c ON c.team_id = send_blockers.team_id
    ),
    campaign AS (
        SELECT c.per_minute_cap, c.brand, coalesce(sl.daily_cap, 2000) AS daily_cap
        FROM outreach.campaigns c
        LEFT JOIN outreach.sender_limits sl ON sl.team_id = c.team_id AND sl.brand = c.brand
        WHERE c.team_id = send_blockers.team_id AND c.campaign_id = send_blockers.campaign_id
    ),
    -- the campaign's sends in the minute before each moment, and its brand's segments since the
    -- last Pacific midnight: once per moment, not per lead
    caps AS (
        SELECT a.at, c.per_minute_cap, c.daily_cap,
               (SELECT count(*) FROM outreach.sms_messages m
                WHERE m.team_id = send_blockers.team_id AND m.campaign_id = send_blockers.campaign_id
                  AND m.state <> 'failed' AND m.attempted_at > a.at - interval '1 minute' AND m.attempted_at <= a.at) AS minute_sends,
               (SELECT coalesce(sum(m.segments), 0) FROM outreach.sms_messages m
                LEFT JOIN outreach.campaigns mc ON mc.team_id = m.team_id AND mc.campaign_id = m.campaign_id
                WHERE m.team_id = send_blockers.team_id AND m.state <> 'failed' AND coalesce(mc.brand, 'default') = c.brand
                  AND m.attempted_at >= (date_trunc('day', a.at AT TIME ZONE 'America/Los_Angeles') AT TIME ZONE 'America/Los_Angeles')
                  AND m.attempted_at <= a.at) AS day_segments
        FROM (SELECT DISTINCT x.at FROM lead x) a CROSS JOIN campaign c
    )
    SELECT x.ord, x.lead_id, x.at, x.phone, x.zones,
           array_remove(ARRAY[
               CASE WHEN NOT x.active THEN 'lead_inactive' END,
               CASE WHEN x.active AND x.phone IS NULL THEN 'no_phone' END,
               CASE WHEN x.status = 'do_not_contact'
                      OR EXISTS (SELECT 1 FROM outreach.suppression_list s WHERE s.team_id = send_blockers.team_id AND s.phone = x.phone)
                    THEN 'suppressed' END,
               CASE WHEN EXISTS (SELECT 1 FROM outreach.state_bans b WHERE b.team_id = send_blockers.team_id AND b.state = x.state)
                    THEN 'state_ban' END,
               CASE WHEN q.quiet THEN 'quiet_hours' END,
               CASE WHEN x.phone IS NOT NULL AND (
                        SELECT count(*) FROM outreach.sms_messages m
                        WHERE m.team_id = send_blockers.team_id AND m.to_phone = x.phone AND m.state <> 'failed'
                          AND m.attempted_at > x.at - s.win AND m.attempted_at <= x.at) >= s.cap
                    THEN 'frequency_cap' END,
               CASE WHEN x.step IS NOT NULL AND (
                        EXISTS (SELECT 1 FROM outreach.campaign_queue cq
                                WHERE cq.team_id = send_blockers.team_id AND cq.campaign_id = send_blockers.campaign_id
                                  AND cq.lead_id = x.lead_id AND cq.step = x.step AND cq.state IN ('sending', 'sent', 'unknown'))
                     OR EXISTS (SELECT 1 FROM outreach.sms_messages m
                                WHERE m.team_id = send_blockers.team_id AND m.campaign_id = send_blockers.campaign_id
                                  AND m.lead_id = x.lead_id AND m.step = x.step AND m.state <> 'failed'))
                    THEN 'duplicate_step' END,
               CASE WHEN k.minute_sends >= k.per_minute_cap THEN 'throughput_cap' END,
               CASE WHEN k.day_segments >= k.daily_cap THEN 'daily_cap' END
           ], NULL) AS reasons
    FROM lead x
    CROSS JOIN settings s
    LEFT JOIN quiet q ON q.st = coalesce(x.state, '') AND q.zones = x.zones AND q.at = x.at
    LEFT JOIN caps k ON k.at = x.at
    ORDER BY x.ord
$fn$;
COMMENT ON FUNCTION outreach.send_blockers(text, bigint[], timestamptz[], bigint, integer[]) IS
    'The compliance gate over many leads at once: for each (lead_ids[i], ats[i]) every reason it may not be texted then (see the '
    'codes at the top of 40_gate.sql), empty when it may; with the number it would go to and the zones whose clocks were read. '
    'With campaign_id and steps[i] it also checks duplicate_step, throughput_cap and daily_cap.';

-- The pinned gate.
CREATE FUNCTION outreach.can_send(team_id text, lead_id bigint, at timestamptz)
    RETURNS TABLE (allowed boolean, reasons text[])
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT cardinality(b.reasons) = 0, b.reasons
    FROM outreach.send_blockers(can_send.team_id, ARRAY[can_send.lead_id], ARRAY[can_send.at]) b
$fn$;
COMMENT ON FUNCTION outreach.can_send(text, bigint, timestamptz) IS
    'Whether a lead may be texted at `at`, and every reason it may not: lead_inactive, no_phone, suppressed, state_ban, '
    'quiet_hours, frequency_cap. One row; reasons is empty when allowed. The one gate every path uses.';

CREATE FUNCTION outreach.can_send(team_id text, lead_id bigint, at timestamptz, campaign_id bigint, step integer)
    RETURNS TABLE (allowed boolean, reasons text[])
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT cardinality(b.reasons) = 0, b.reasons
    FROM outreach.send_blockers(can_send.team_id, ARRAY[can_send.lead_id], ARRAY[can_send.at], can_send.campaign_id, ARRAY[can_send.step]) b
$fn$;
COMMENT ON FUNCTION outreach.can_send(text, bigint, timestamptz, bigint, integer) IS
    'outreach.can_send for a campaign step: also duplicate_step (the step already went, or may have), throughput_cap (the '
    'campaign''s per-minute cap) and daily_cap (the brand''s daily cap).';

-- ---- consent ------------------------------------------------------------------------------------
-- The lock that orders a consent change against sends to the same number: suppress_phone takes
-- it exclusively, every outbound row shares it, so a send either commits before the STOP or sees it.
CREATE FUNCTION outreach.phone_lock_key(team_id text, phone text) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.hashtextextended('outreach.phone:' || team_id || '|' || phone, 0);
COMMENT ON FUNCTION outreach.phone_lock_key(text, text) IS 'Internal: the advisory-lock key of a team''s phone number.';

CREATE FUNCTION outreach.record_consent(team_id text, phone text, kind text, source text, evidence jsonb DEFAULT '{}'::jsonb,
                                        occurred_at timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    e164 text;
    id bigint;
BEGIN
    PERFORM outreach.check_team(record_consent.team_id);
    e164 := outreach.normalize_phone(record_consent.phone);
    IF e164 IS NULL THEN
        RAISE EXCEPTION 'cannot record % for %: not a valid phone number', coalesce(kind, 'consent'),
                        coalesce(quote_literal(record_consent.phone), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF kind IS NULL OR kind NOT IN ('opt_in', 'opt_out') THEN
        RAISE EXCEPTION 'consent kind must be opt_in or opt_out, not %', coalesce(quote_literal(kind), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF source IS NULL OR source !~ '^[a-z0-9][a-z0-9_.:-]*$' THEN
        RAISE EXCEPTION 'consent source must be a short lower-case code such as stop_keyword or operator, not %',
                        coalesce(quote_literal(source), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO outreach.consent_log (team_id, phone, kind, source, evidence, occurred_at)
    VALUES (record_consent.team_id, e164, kind, source, coalesce(evidence, '{}'::jsonb), coalesce(occurred_at, pg_catalog.now()))
    RETURNING event_id INTO id;
    RETURN id;
END
$fn$;
COMMENT ON FUNCTION outreach.record_consent(text, text, text, text, jsonb, timestamptz) IS
    'Appends a consent event (kind opt_in or opt_out) for a phone number in any format (normalized inside) and returns its '
    'event_id. An opt-out suppresses the number at once and cancels what is queued for it.';

CREATE FUNCTION outreach.suppress_phone(team_id text, phone text, source text) RETURNS bigint
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
RETURN outreach.record_consent(team_id, phone, 'opt_out', source);
COMMENT ON FUNCTION outreach.suppress_phone(text, text, text) IS
    'Records an opt-out of a phone number (any format; normalized inside) from source (stop_keyword, operator, carrier_21610, ...): '
    'the number is suppressed from now on for every campaign, operator and provider, and its queued messages are cancelled. '
    'Returns the consent_log event_id.';

-- ---- the backstops on outbound rows ---------------------------------------------------------------
-- Whatever inserts an outbound text, it is refused when the number is suppressed. The shared lock
-- waits for a STOP being recorded right now; the check then sees it (READ COMMITTED: a new snapshot).
CREATE FUNCTION outreach.sms_messages_refuse_suppressed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    s outreach.suppression_list;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(outreach.phone_lock_key(NEW.team_id, NEW.to_phone));
    SELECT * INTO s FROM outreach.suppression_list x WHERE x.team_id = NEW.team_id AND x.phone = NEW.to_phone;
    IF FOUND THEN
        RAISE EXCEPTION 'refused: % opted out (%); no text may be sent to it', NEW.to_phone, s.source
            USING ERRCODE = 'check_violation',
                  HINT = 'A new opt-in from the recipient (outreach.record_consent ... ''opt_in'') is the only way back.';
    END IF;
    IF NEW.lead_id IS NOT NULL AND EXISTS (SELECT 1 FROM outreach.leads l WHERE l.team_id = NEW.team_id AND l.lead_id = NEW.lead_id
                                                                         AND l.status = 'do_not_contact') THEN
        RAISE EXCEPTION 'refused: lead % is do_not_contact', NEW.lead_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.sms_messages_refuse_suppressed() FROM PUBLIC;
CREATE TRIGGER refuse_suppressed BEFORE INSERT OR UPDATE OF to_phone ON outreach.sms_messages
    FOR EACH ROW EXECUTE FUNCTION outreach.sms_messages_refuse_suppressed();

-- Queued rows in bulk: one set-based check per statement.
CREATE FUNCTION outreach.campaign_queue_refuse_suppressed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    bad record;
BEGIN
    SELECT n.queue_id, n.lead_id, n.phone, s.source INTO bad
    FROM new_rows n
    JOIN outreach.suppression_list s ON s.team_id = n.team_id AND s.phone = n.phone
    WHERE n.state IN ('queued', 'claimed', 'sending')
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'refused: campaign_queue row for lead % goes to %, which opted out (%)', bad.lead_id, bad.phone, bad.source
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.campaign_queue_refuse_suppressed() FROM PUBLIC;
CREATE TRIGGER refuse_suppressed_insert AFTER INSERT ON outreach.campaign_queue
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.campaign_queue_refuse_suppressed();
CREATE TRIGGER refuse_suppressed_update AFTER UPDATE ON outreach.campaign_queue
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.campaign_queue_refuse_suppressed();

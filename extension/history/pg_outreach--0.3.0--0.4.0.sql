-- pg_outreach 0.3.0 -> 0.4.0, built from extension/sql/0.4.0/ (see the Makefile).
\echo Use "ALTER EXTENSION pg_outreach UPDATE TO 0.4.0" to load this file. \quit
-- ---- pg_outreach 0.4.0: sending at volume (issue 6) -----------------------------------------------
-- Texts are started and completed a window at a time (outreach.start_sends, outreach.complete_sends),
-- the caps read incremental counters instead of counting the day's texts on every claim, and Apollo
-- organization enrichment joins people enrichment.
-- Updating a lead rescores it only when something its score reads changed. A text going out sets
-- last_contacted_at and moves a new lead to contacted; neither is part of the score, and at
-- thousands of texts a second rescoring each one was a tenth of a millisecond per text for nothing.
-- The score reads from leads: is_active, persona_id, business_id, enrichment_status and whether
-- the status is engaged or qualified (outreach.lead_score_sql); a change to any of those rescores.
CREATE FUNCTION outreach.leads_rescore_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    -- the rescore itself updates leads: do not recurse into it
    IF pg_catalog.pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    PERFORM outreach.rescore_leads(array_agg(n.team_id), array_agg(n.lead_id))
    FROM changed_leads n
    JOIN old_leads o ON o.team_id = n.team_id AND o.lead_id = n.lead_id
    WHERE n.is_active
      AND (o.is_active IS DISTINCT FROM n.is_active
           OR o.persona_id IS DISTINCT FROM n.persona_id
           OR o.business_id IS DISTINCT FROM n.business_id
           OR o.enrichment_status IS DISTINCT FROM n.enrichment_status
           OR (o.status IN ('engaged', 'qualified')) IS DISTINCT FROM (n.status IN ('engaged', 'qualified')))
    HAVING count(*) > 0;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.leads_rescore_changed() FROM PUBLIC;
COMMENT ON FUNCTION outreach.leads_rescore_changed() IS
    'Internal trigger: rescores the updated leads whose scored columns changed (is_active, persona_id, business_id, '
    'enrichment_status, engaged/qualified status); last_contacted_at and other bookkeeping leave the score alone.';

DROP TRIGGER rescore_updated ON outreach.leads;
CREATE TRIGGER rescore_updated AFTER UPDATE ON outreach.leads
    REFERENCING OLD TABLE AS old_leads NEW TABLE AS changed_leads
    FOR EACH STATEMENT EXECUTE FUNCTION outreach.leads_rescore_changed();
-- Sending at volume (issue 6; design.md §7: >= 3,000 claims + completions a second).
--
-- What 0.3.0 did per text, and what this release does instead:
--   * the caps counted the campaign's texts of the last minute and the brand's segments since
--     Pacific midnight in sms_messages on every claim, a count that grew with every text sent.
--     Now statement triggers keep outreach.send_counters (per campaign and second, per brand and
--     day) and a claim reads at most 62 counter rows;
--   * the duplicate_step check looked for the lead's step among all of a campaign's texts without
--     an index on the lead: one scan of the campaign per lead. Now an index answers it;
--   * each text took its own start_send and complete_send round trip. outreach.start_sends and
--     outreach.complete_sends take a window of texts: outreachd commits a window as sending, sends
--     its requests at once, and records their outcomes in one call. A crash mid-window leaves at
--     most that window unknown (never re-sent); the window's size is outreachd's
--     OUTREACH_SEND_CONCURRENCY.

-- When a text started (committed as sending), apart from when it was claimed (attempted_at).
ALTER TABLE outreach.sms_messages ADD COLUMN started_at timestamptz;

-- ---- indexes for what the gate asks -------------------------------------------------------------
-- The daily cap read the team's texts by time; the counters answer it now. Without the index, the
-- frequency cap's count has one index to use (the recipient's), even on stale statistics.
DROP INDEX outreach.sms_messages_team_time;
-- duplicate_step (has this lead had this step of this campaign?) and a campaign's texts, in one
-- index; the per-minute cap read the campaign's texts by time, which the counters answer now.
-- Every index of sms_messages is written three times per text (claimed, sending, outcome).
DROP INDEX outreach.sms_messages_campaign;
CREATE INDEX sms_messages_campaign_lead ON outreach.sms_messages (team_id, campaign_id, lead_id, step) WHERE campaign_id IS NOT NULL;
-- The reaper looks for texts whose lease ran out, claimed or sending: one partial index for both
-- (0.3.0 had one for sending only, and read every text to find stale claims). A text holds a lease
-- exactly while it is claimed or sending; the predicate names the lease, not the states, so that
-- finding a window's texts by id and state is never answered by reading every text in flight.
DROP INDEX outreach.sms_messages_sending;
CREATE INDEX sms_messages_leased ON outreach.sms_messages (lease_until) WHERE lease_until IS NOT NULL;

-- ---- counters for the throughput and daily caps ---------------------------------------------------
CREATE TABLE outreach.send_counters (
    team_id  text NOT NULL REFERENCES outreach.teams (team_id) ON DELETE CASCADE,
    kind     text NOT NULL CHECK (kind IN ('campaign_second', 'brand_day')),
    subject  text NOT NULL,
    bucket   timestamptz NOT NULL,
    texts    bigint NOT NULL DEFAULT 0,
    segments bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, kind, subject, bucket)
);
CREATE INDEX send_counters_seconds ON outreach.send_counters (bucket) WHERE kind = 'campaign_second';
COMMENT ON TABLE outreach.send_counters IS
    'What the 10DLC caps count, kept current by triggers on sms_messages: texts and segments not failed, per campaign and '
    'second of attempted_at (kind campaign_second, subject the campaign_id; kept a day) and per brand and US Pacific day '
    '(kind brand_day, subject the brand; bucket the day''s Pacific midnight). Read by outreach.cap_usage.';

-- The start of the US Pacific day `at` falls in: the daily caps' day (sender_limits).
CREATE FUNCTION outreach.pacific_day(at timestamptz) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN date_trunc('day', at AT TIME ZONE 'America/Los_Angeles') AT TIME ZONE 'America/Los_Angeles';
COMMENT ON FUNCTION outreach.pacific_day(timestamptz) IS 'Midnight US Pacific of the day `at` falls in: where the brands'' daily caps reset.';

-- Adds (sign +1) or removes (-1) texts from the counters. Rows are locked in key order, so two
-- transactions counting the same buckets cannot deadlock.
CREATE FUNCTION outreach.count_sends(team_ids text[], campaign_ids bigint[], ats timestamptz[], segs integer[], signs integer[])
    RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH r AS (
        SELECT u.team_id, u.campaign_id, u.at, u.seg, u.sign
        FROM unnest(team_ids, campaign_ids, ats, segs, signs) AS u (team_id, campaign_id, at, seg, sign)
    ),
    d AS (
        SELECT r.team_id, 'campaign_second' AS kind, r.campaign_id::text AS subject, date_trunc('second', r.at) AS bucket,
               r.sign AS texts, r.sign * r.seg AS segments
        FROM r WHERE r.campaign_id IS NOT NULL
        UNION ALL
        SELECT r.team_id, 'brand_day', coalesce(c.brand, 'default'), outreach.pacific_day(r.at), r.sign, r.sign * r.seg
        FROM r LEFT JOIN outreach.campaigns c ON c.team_id = r.team_id AND c.campaign_id = r.campaign_id
    )
    INSERT INTO outreach.send_counters AS c (team_id, kind, subject, bucket, texts, segments)
    SELECT d.team_id, d.kind, d.subject, d.bucket, sum(d.texts), sum(d.segments)
    FROM d
    GROUP BY d.team_id, d.kind, d.subject, d.bucket
    HAVING sum(d.texts) <> 0 OR sum(d.segments) <> 0
    ORDER BY d.team_id, d.kind, d.subject, d.bucket
    ON CONFLICT (team_id, kind, subject, bucket)
    DO UPDATE SET texts = c.texts + excluded.texts, segments = c.segments + excluded.segments
$fn$;
REVOKE ALL ON FUNCTION outreach.count_sends(text[], bigint[], timestamptz[], integer[], integer[]) FROM PUBLIC;
COMMENT ON FUNCTION outreach.count_sends(text[], bigint[], timestamptz[], integer[], integer[]) IS
    'Internal: adds texts to (sign 1) or takes them from (sign -1) outreach.send_counters.';

-- The counters follow sms_messages, whatever writes it: a text counts while it is not failed, in the
-- second and Pacific day of its attempted_at. Inserts (a claim's batch) and deletes are counted per
-- statement. An update moves the counters only when it changes what a text counts for (it fails,
-- or comes back from failed, or its time, size or campaign changes), so the row trigger's WHEN
-- keeps the common updates (claimed -> sending -> sent) free of any counting.
CREATE FUNCTION outreach.sms_messages_count() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM outreach.count_sends(array_agg(n.team_id), array_agg(n.campaign_id), array_agg(n.attempted_at), array_agg(n.segments),
                                     array_fill(1, ARRAY[count(*)::integer]))
        FROM new_rows n WHERE n.state <> 'failed'
        HAVING count(*) > 0;
    ELSE
        PERFORM outreach.count_sends(array_agg(o.team_id), array_agg(o.campaign_id), array_agg(o.attempted_at), array_agg(o.segments),
                                     array_fill(-1, ARRAY[count(*)::integer]))
        FROM old_rows o WHERE o.state <> 'failed'
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.sms_messages_count() FROM PUBLIC;
COMMENT ON FUNCTION outreach.sms_messages_count() IS 'Internal trigger: counts inserted and deleted texts in outreach.send_counters.';

CREATE FUNCTION outreach.sms_messages_count_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    -- the old contribution out, the new one in (the brand's day row is locked first either way)
    PERFORM outreach.count_sends(ARRAY[x.team_id], ARRAY[x.campaign_id], ARRAY[x.attempted_at], ARRAY[x.segments], ARRAY[x.sign])
    FROM (VALUES (OLD.team_id, OLD.campaign_id, OLD.attempted_at, OLD.segments, -1, OLD.state),
                 (NEW.team_id, NEW.campaign_id, NEW.attempted_at, NEW.segments, 1, NEW.state)) AS x (team_id, campaign_id, attempted_at, segments, sign, state)
    WHERE x.state <> 'failed';
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.sms_messages_count_change() FROM PUBLIC;
COMMENT ON FUNCTION outreach.sms_messages_count_change() IS
    'Internal trigger: moves a text''s count in outreach.send_counters when an update changes what it counts for.';
CREATE TRIGGER count_inserted AFTER INSERT ON outreach.sms_messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.sms_messages_count();
CREATE TRIGGER count_deleted AFTER DELETE ON outreach.sms_messages
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.sms_messages_count();
CREATE TRIGGER count_changed AFTER UPDATE ON outreach.sms_messages
    FOR EACH ROW
    WHEN ((OLD.state = 'failed') IS DISTINCT FROM (NEW.state = 'failed') OR OLD.attempted_at IS DISTINCT FROM NEW.attempted_at
          OR OLD.segments IS DISTINCT FROM NEW.segments OR OLD.campaign_id IS DISTINCT FROM NEW.campaign_id
          OR OLD.team_id IS DISTINCT FROM NEW.team_id)
    EXECUTE FUNCTION outreach.sms_messages_count_change();

-- What the texts of before this release count today (the per-second counters matter for a minute,
-- the daily ones for a day: two days back is plenty).
SELECT outreach.count_sends(array_agg(m.team_id), array_agg(m.campaign_id), array_agg(m.attempted_at), array_agg(m.segments),
                            array_fill(1, ARRAY[count(*)::integer]))
FROM outreach.sms_messages m
WHERE m.state <> 'failed' AND m.attempted_at >= pg_catalog.now() - interval '2 days'
HAVING count(*) > 0;

-- What the caps have used at `at`: the campaign's texts in the minute before (counted by whole
-- seconds, so a text in the second the minute began also counts: the cap is never overshot) and
-- the brand's segments of the Pacific day.
CREATE FUNCTION outreach.cap_usage(team_id text, campaign_id bigint, brand text, at timestamptz,
                                   OUT minute_texts bigint, OUT day_segments bigint)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT (SELECT coalesce(sum(c.texts), 0)::bigint FROM outreach.send_counters c
            WHERE c.team_id = cap_usage.team_id AND c.kind = 'campaign_second' AND c.subject = cap_usage.campaign_id::text
              AND c.bucket >= date_trunc('second', cap_usage.at) - interval '60 seconds' AND c.bucket <= cap_usage.at),
           (SELECT coalesce(sum(c.segments), 0)::bigint FROM outreach.send_counters c
            WHERE c.team_id = cap_usage.team_id AND c.kind = 'brand_day' AND c.subject = coalesce(cap_usage.brand, 'default')
              AND c.bucket = outreach.pacific_day(cap_usage.at))
$fn$;
COMMENT ON FUNCTION outreach.cap_usage(text, bigint, text, timestamptz) IS
    'How much of its caps a campaign has used at `at`: its texts in the minute before (campaigns.per_minute_cap) and its '
    'brand''s segments since midnight US Pacific (sender_limits.daily_cap), from outreach.send_counters.';

-- ---- the gate reads the counters ------------------------------------------------------------------
CREATE OR REPLACE FUNCTION outreach.send_blockers(team_id text, lead_ids bigint[], ats timestamptz[], campaign_id bigint DEFAULT NULL,
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
    -- the campaign's caps and what they have used, once per moment
    caps AS (
        SELECT a.at, c.per_minute_cap, coalesce(sl.daily_cap, 2000) AS daily_cap, u.minute_texts, u.day_segments
        FROM (SELECT DISTINCT x.at FROM lead x) a
        CROSS JOIN outreach.campaigns c
        LEFT JOIN outreach.sender_limits sl ON sl.team_id = c.team_id AND sl.brand = c.brand
        CROSS JOIN LATERAL outreach.cap_usage(c.team_id, c.campaign_id, c.brand, a.at) u
        WHERE c.team_id = send_blockers.team_id AND c.campaign_id = send_blockers.campaign_id
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
                                WHERE m.team_id = send_blockers.team_id AND m.lead_id = x.lead_id
                                  AND m.campaign_id = send_blockers.campaign_id AND m.step = x.step AND m.state <> 'failed'))
                    THEN 'duplicate_step' END,
               CASE WHEN k.minute_texts >= k.per_minute_cap THEN 'throughput_cap' END,
               CASE WHEN k.day_segments >= k.daily_cap THEN 'daily_cap' END
           ], NULL) AS reasons
    FROM lead x
    CROSS JOIN settings s
    LEFT JOIN quiet q ON q.st = coalesce(x.state, '') AND q.zones = x.zones AND q.at = x.at
    LEFT JOIN caps k ON k.at = x.at
    ORDER BY x.ord
$fn$;

-- ---- claiming: the caps from the counters, one claimer per brand at a time ------------------------
CREATE OR REPLACE FUNCTION outreach.claim_sends(worker text, batch integer DEFAULT 100, lease interval DEFAULT '2 minutes',
                                                at timestamptz DEFAULT pg_catalog.now(), only_team text DEFAULT NULL)
    RETURNS TABLE (team_id text, sms_message_id bigint, queue_id bigint, lead_id bigint, campaign_id bigint, to_phone text,
                   body text, segments integer, provider text, backup_provider text, signalhouse_sender text,
                   twilio_from text, twilio_messaging_service_sid text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_custom_plan
AS $fn$
#variable_conflict use_column
DECLARE
    g record;
    picked_teams text[];
    picked_ids bigint[];
    claimed_ids bigint[] := '{}';
    claimed_teams text[] := '{}';
    claimed_numbers text[] := '{}';  -- team|phone of this batch's texts
    brand_used jsonb := '{}';
    used record;
    minute_room bigint;
    day_room bigint;
    ids bigint[];
    phones text[];
    segs_taken bigint;
    blocked bigint[];
BEGIN
    IF worker IS NULL OR pg_catalog.btrim(worker) = '' THEN
        RAISE EXCEPTION 'claim_sends needs the worker''s name' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF batch IS NULL OR batch NOT BETWEEN 1 AND 10000 OR lease IS NULL OR lease <= '0'::interval THEN
        RAISE EXCEPTION 'claim_sends: batch must be 1 to 10000 and lease positive (got %, %)', batch, lease
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- due rows nobody else holds; the earliest first
    WITH due AS (
        SELECT q.team_id, q.queue_id FROM outreach.campaign_queue q
        WHERE q.state = 'queued' AND q.scheduled_at <= claim_sends.at AND (only_team IS NULL OR q.team_id = only_team)
        ORDER BY q.scheduled_at, q.queue_id
        LIMIT batch
        FOR UPDATE SKIP LOCKED
    )
    SELECT array_agg(d.team_id), array_agg(d.queue_id) INTO picked_teams, picked_ids FROM due d;
    IF picked_ids IS NULL THEN
        RETURN;
    END IF;

    -- per team and campaign: the gate, in this transaction
    FOR g IN
        SELECT q.team_id, q.campaign_id, c.per_minute_cap, c.brand, coalesce(sl.daily_cap, 2000) AS daily_cap,
               array_agg(q.queue_id ORDER BY q.scheduled_at, q.queue_id) AS queue_ids,
               array_agg(q.lead_id ORDER BY q.scheduled_at, q.queue_id) AS lead_ids,
               array_agg(q.step ORDER BY q.scheduled_at, q.queue_id) AS steps,
               array_agg(q.phone ORDER BY q.scheduled_at, q.queue_id) AS phones,
               array_agg(q.segments ORDER BY q.scheduled_at, q.queue_id) AS segs
        FROM unnest(picked_teams, picked_ids) AS p (team_id, queue_id)
        JOIN outreach.campaign_queue q ON q.team_id = p.team_id AND q.queue_id = p.queue_id
        JOIN outreach.campaigns c ON c.team_id = q.team_id AND c.campaign_id = q.campaign_id
        LEFT JOIN outreach.sender_limits sl ON sl.team_id = c.team_id AND sl.brand = c.brand
        GROUP BY q.team_id, q.campaign_id, c.per_minute_cap, c.brand, sl.daily_cap
        ORDER BY q.team_id, c.brand, q.campaign_id
    LOOP
        -- Two claimers of one brand take turns from here to their commit, so each sees the other's
        -- texts in the counters: together they stay inside the caps.
        PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('outreach.caps:' || g.team_id || '|' || g.brand, 0));
        SELECT * INTO used FROM outreach.cap_usage(g.team_id, g.campaign_id, g.brand, claim_sends.at);
        -- room left under the campaign's per-minute cap and the brand's daily cap (less what this
        -- batch already took for the brand's other campaigns)
        minute_room := g.per_minute_cap - used.minute_texts;
        day_room := g.daily_cap - used.day_segments - coalesce((brand_used ->> (g.team_id || '|' || g.brand))::bigint, 0);
        WITH verdict AS (
            SELECT b.ord, g.queue_ids[b.ord] AS queue_id, g.segs[b.ord] AS segs, g.phones[b.ord] AS phone, b.reasons,
                   -- one text per number per batch: the next claim counts it for the frequency cap
                   row_number() OVER (PARTITION BY g.phones[b.ord] ORDER BY b.ord) AS nth_for_phone
            FROM outreach.send_blockers(g.team_id, g.lead_ids, array_fill(claim_sends.at, ARRAY[cardinality(g.lead_ids)]),
                                        g.campaign_id, g.steps) b
        ),
        allowed AS (
            SELECT v.*, row_number() OVER (ORDER BY v.ord) AS k, sum(v.segs) OVER (ORDER BY v.ord) AS seg_total
            FROM verdict v
            WHERE cardinality(v.reasons) = 0 AND v.nth_for_phone = 1
              AND NOT ((g.team_id || '|' || v.phone) = ANY (claimed_numbers))
        )
        SELECT (SELECT array_agg(a.queue_id ORDER BY a.ord) FROM allowed a WHERE a.k <= minute_room AND a.seg_total <= day_room),
               (SELECT array_agg(g.team_id || '|' || a.phone ORDER BY a.ord) FROM allowed a WHERE a.k <= minute_room AND a.seg_total <= day_room),
               (SELECT max(a.seg_total) FROM allowed a WHERE a.k <= minute_room AND a.seg_total <= day_room),
               (SELECT array_agg(v.queue_id ORDER BY v.ord) FROM verdict v WHERE cardinality(v.reasons) > 0)
        INTO ids, phones, segs_taken, blocked;
        ids := coalesce(ids, '{}');
        claimed_ids := claimed_ids || ids;
        claimed_teams := claimed_teams || array_fill(g.team_id, ARRAY[cardinality(ids)]);
        claimed_numbers := claimed_numbers || coalesce(phones, '{}');
        brand_used := brand_used || jsonb_build_object(g.team_id || '|' || g.brand,
                                                       coalesce((brand_used ->> (g.team_id || '|' || g.brand))::bigint, 0) + coalesce(segs_taken, 0));
        -- what the gate holds back waits for its next allowed time, or is cancelled for good
        -- reasons; a second text to a number, or one over the caps' room, stays queued for the
        -- next claim, which counts this batch
        PERFORM outreach.defer_queued(g.team_id, x.queue_id, claim_sends.at) FROM unnest(coalesce(blocked, '{}')) AS x (queue_id);
    END LOOP;
    IF cardinality(claimed_ids) = 0 THEN
        RETURN;
    END IF;

    -- claimed: reserved for this worker (and counted by the caps) until it starts or the lease ends
    RETURN QUERY
    WITH claimed AS MATERIALIZED (
        SELECT q.team_id, q.queue_id, q.lead_id, q.campaign_id, q.step, q.phone, q.body, q.encoding, q.segments, q.scheduled_at
        FROM unnest(claimed_teams, claimed_ids) AS c (team_id, queue_id)
        JOIN outreach.campaign_queue q ON q.team_id = c.team_id AND q.queue_id = c.queue_id
    ),
    sending AS (
        INSERT INTO outreach.sms_messages (team_id, lead_id, campaign_id, step, queue_id, to_phone, body, encoding, segments,
                                           provider, state, worker, lease_until, attempted_at)
        SELECT c.team_id, c.lead_id, c.campaign_id, c.step, c.queue_id, c.phone, c.body, c.encoding, c.segments,
               coalesce(ms.primary_provider, 'signalhouse'), 'claimed', claim_sends.worker, claim_sends.at + lease, claim_sends.at
        FROM claimed c
        LEFT JOIN outreach.messaging_settings ms ON ms.team_id = c.team_id
        ORDER BY c.scheduled_at, c.queue_id
        RETURNING sms_messages.team_id, sms_messages.sms_message_id, sms_messages.queue_id, sms_messages.lead_id,
                  sms_messages.campaign_id, sms_messages.to_phone, sms_messages.body, sms_messages.segments, sms_messages.provider
    ),
    queued AS (
        UPDATE outreach.campaign_queue q SET state = 'claimed', sms_message_id = s.sms_message_id, updated_at = pg_catalog.now()
        FROM sending s WHERE q.team_id = s.team_id AND q.queue_id = s.queue_id
        RETURNING q.team_id, q.lead_id
    ),
    contacted AS (
        UPDATE outreach.leads l
        SET last_contacted_at = claim_sends.at, status = CASE WHEN l.status = 'new' THEN 'contacted' ELSE l.status END
        FROM (SELECT DISTINCT team_id, lead_id FROM queued) x
        WHERE l.team_id = x.team_id AND l.lead_id = x.lead_id
        RETURNING 1
    )
    SELECT s.team_id, s.sms_message_id, s.queue_id, s.lead_id, s.campaign_id, s.to_phone, s.body, s.segments, s.provider,
           ms.backup_provider, ms.signalhouse_sender, ms.twilio_from, ms.twilio_messaging_service_sid
    FROM sending s
    LEFT JOIN outreach.messaging_settings ms ON ms.team_id = s.team_id
    ORDER BY s.sms_message_id;
END
$fn$;

-- ---- a window of texts at a time ------------------------------------------------------------------
-- The texts of a window are found by id: `team_id = (SELECT t) AND sms_message_id = ANY (ids)`. The
-- team is a subquery on purpose. Given the team as a constant, the planner reads its statistics,
-- and a team that is new since the last ANALYZE (every team, on its first campaign) looks like it
-- has no texts at all: scanning all of the team's texts then looks cheaper than one probe per id,
-- and the window costs O(texts the team has sent). As a parameter the team gets the column's
-- average share, and the primary key is probed per id whatever the statistics say.
-- Just before their HTTP calls: the window's claimed texts become sending, committed, except those
-- whose number opted out since the claim (failed, their queue rows cancelled). The shared
-- per-number locks wait for a STOP being recorded right now, then the check sees it.
CREATE FUNCTION outreach.start_sends(team_id text, sms_message_ids bigint[], at timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (sms_message_id bigint, started boolean)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_custom_plan
AS $fn$
#variable_conflict use_column
DECLARE
    t text := start_sends.team_id;
    keys bigint[];
    stop_ids bigint[];
    go_ids bigint[];
    going bigint[];
BEGIN
    IF sms_message_ids IS NULL OR cardinality(sms_message_ids) = 0 THEN
        RETURN;
    END IF;
    -- the numbers of the texts still claimed: their shared locks, in key order, wait for a STOP
    -- being recorded right now
    SELECT array_agg(DISTINCT outreach.phone_lock_key(m.team_id, m.to_phone)) INTO keys
    FROM outreach.sms_messages m
    WHERE m.team_id = (SELECT t) AND m.sms_message_id = ANY (sms_message_ids) AND m.state = 'claimed';
    IF keys IS NOT NULL THEN
        PERFORM pg_catalog.pg_advisory_xact_lock_shared(k) FROM unnest(keys) AS k;
        -- then, with a snapshot that sees any such STOP: which numbers opted out (or whose lead
        -- became do-not-contact) since the claim
        SELECT array_agg(x.sms_message_id) FILTER (WHERE x.stopped), array_agg(x.sms_message_id) FILTER (WHERE NOT x.stopped)
        INTO stop_ids, go_ids
        FROM (SELECT m.sms_message_id,
                     EXISTS (SELECT 1 FROM outreach.suppression_list s WHERE s.team_id = t AND s.phone = m.to_phone)
                     OR EXISTS (SELECT 1 FROM outreach.leads l WHERE l.team_id = t AND l.lead_id = m.lead_id AND l.status = 'do_not_contact')
                     AS stopped
              FROM outreach.sms_messages m
              WHERE m.team_id = (SELECT t) AND m.sms_message_id = ANY (sms_message_ids) AND m.state = 'claimed') x;
        IF stop_ids IS NOT NULL THEN
            WITH stopped AS (
                UPDATE outreach.sms_messages m
                SET state = 'failed', error_code = 'suppressed', error_message = 'opted out after the claim',
                    completed_at = pg_catalog.now(), lease_until = NULL
                WHERE m.team_id = (SELECT t) AND m.sms_message_id = ANY (stop_ids) AND m.state = 'claimed'
                RETURNING m.queue_id
            )
            UPDATE outreach.campaign_queue q SET state = 'cancelled', cancel_reason = 'suppressed', updated_at = pg_catalog.now()
            FROM stopped s WHERE q.team_id = t AND q.queue_id = s.queue_id AND q.state IN ('claimed', 'queued');
        END IF;
        IF go_ids IS NOT NULL THEN
            WITH go AS (
                -- the lease runs from the start: a window started late in its batch keeps the whole
                -- lease for its requests (a reaper would otherwise call texts in flight unknown)
                UPDATE outreach.sms_messages m
                SET state = 'sending', started_at = start_sends.at,
                    lease_until = greatest(m.lease_until, start_sends.at + (m.lease_until - m.attempted_at))
                WHERE m.team_id = (SELECT t) AND m.sms_message_id = ANY (go_ids) AND m.state = 'claimed'
                RETURNING m.sms_message_id, m.queue_id
            ),
            queue AS (
                UPDATE outreach.campaign_queue q SET state = 'sending', updated_at = pg_catalog.now()
                FROM go WHERE q.team_id = t AND q.queue_id = go.queue_id
                RETURNING 1
            )
            SELECT array_agg(go.sms_message_id) INTO going FROM go;
        END IF;
    END IF;
    RETURN QUERY
    SELECT u.id, u.id = ANY (coalesce(going, '{}'))
    FROM unnest(sms_message_ids) WITH ORDINALITY AS u (id, ord)
    ORDER BY u.ord;
END
$fn$;
COMMENT ON FUNCTION outreach.start_sends(text, bigint[], timestamptz) IS
    'For outreachd, committed just before a window of HTTP calls: each claimed text of the list becomes sending (started = '
    'true). A text no longer claimed, or whose number opted out since the claim (then failed, its queue row cancelled), is '
    'not started: it must not be sent.';

-- A single text is a window of one. Its attempted_at stays the claim's moment, as for every text;
-- `at` is when it started (sms_messages.started_at).
CREATE OR REPLACE FUNCTION outreach.start_send(team_id text, sms_message_id bigint, at timestamptz DEFAULT pg_catalog.now())
    RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT coalesce((SELECT s.started FROM outreach.start_sends(start_send.team_id, ARRAY[start_send.sms_message_id], start_send.at) s), false)
$fn$;
COMMENT ON FUNCTION outreach.start_send(text, bigint, timestamptz) IS
    'outreach.start_sends for one text: true when the claimed text became sending; false (and nothing to send) when it is not '
    'claimed any more, or its number opted out since the claim (then it is failed and its queue row cancelled).';
COMMENT ON COLUMN outreach.sms_messages.started_at IS
    'When the text was committed as sending, just before its request (outreach.start_sends); a provider''s Retry-After counts from it.';
COMMENT ON COLUMN outreach.sms_messages.attempted_at IS
    'When the text was claimed for sending, and so reserved against the caps: the moment the frequency cap and the '
    'throughput and daily caps count.';

-- The outcomes outreachd reports, as rows.
CREATE FUNCTION outreach.send_outcomes(outcomes jsonb)
    RETURNS TABLE (sms_message_id bigint, outcome text, provider text, provider_message_id text, error_code text,
                   error_message text, request jsonb, sandbox boolean, retry_after_seconds integer)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT * FROM jsonb_to_recordset(outcomes) AS o (sms_message_id bigint, outcome text, provider text, provider_message_id text,
                                                     error_code text, error_message text, request jsonb, sandbox boolean,
                                                     retry_after_seconds integer)
$fn$;
COMMENT ON FUNCTION outreach.send_outcomes(jsonb) IS 'Internal: the JSON array of outcomes of outreach.complete_sends as rows.';

-- After the provider answered a window: every outcome in one call. The plain ones (sent, unknown,
-- a refusal that is not an opt-out) are written set-based; the rest (retry, opt-outs, late news
-- about texts the reaper called unknown) go through outreach.complete_send one by one.
CREATE FUNCTION outreach.complete_sends(team_id text, outcomes jsonb)
    RETURNS TABLE (sms_message_id bigint, state text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_custom_plan
AS $fn$
#variable_conflict use_column
DECLARE
    t text := complete_sends.team_id;
    bad_id bigint;
    bad_outcome text;
    any_bad boolean;
    total integer;
    plain bigint[];
    message_refs text[];
    fast bigint[];
    fast_states text[];
    r record;
BEGIN
    IF outcomes IS NULL OR jsonb_typeof(outcomes) <> 'array' THEN
        RAISE EXCEPTION 'complete_sends needs a JSON array of outcomes, not %', coalesce(left(outcomes::text, 100), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- one reading of the report: is it sound, and which outcomes are plain
    SELECT bool_or(o.bad), (array_agg(o.sms_message_id ORDER BY o.ord) FILTER (WHERE o.bad))[1],
           (array_agg(o.outcome ORDER BY o.ord) FILTER (WHERE o.bad))[1], count(*),
           array_agg(o.sms_message_id) FILTER (WHERE o.plain),
           array_agg(o.provider_message_id) FILTER (WHERE o.plain AND o.provider_message_id IS NOT NULL)
    INTO any_bad, bad_id, bad_outcome, total, plain, message_refs
    FROM (SELECT x.sms_message_id, x.outcome, x.provider_message_id, x.ord,
                 x.sms_message_id IS NULL OR x.outcome IS NULL OR x.outcome NOT IN ('sent', 'failed', 'retry', 'unknown')
                 OR count(*) OVER (PARTITION BY x.sms_message_id) > 1 AS bad,
                 x.outcome IN ('sent', 'unknown') OR (x.outcome = 'failed' AND coalesce(x.error_code, '') NOT IN ('21610', 'OUT')) AS plain
          FROM (SELECT o.*, row_number() OVER () AS ord FROM outreach.send_outcomes(outcomes) o) x) o;
    IF any_bad THEN
        RAISE EXCEPTION 'complete_sends: outcome % for text % (each text once; outcome sent, failed, retry or unknown)',
                        coalesce(quote_literal(bad_outcome), 'NULL'), coalesce(bad_id::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF total = 0 THEN
        RETURN;
    END IF;

    -- the plain outcomes of texts in state sending, written at once
    IF plain IS NOT NULL THEN
        WITH done AS (
            UPDATE outreach.sms_messages m
            SET state = o.outcome, provider = coalesce(o.provider, m.provider),
                provider_message_id = coalesce(o.provider_message_id, m.provider_message_id),
                error_code = o.error_code, error_message = o.error_message, request = coalesce(o.request, m.request),
                sandbox = coalesce(o.sandbox, false), completed_at = pg_catalog.now(), lease_until = NULL
            FROM (SELECT * FROM outreach.send_outcomes(outcomes) x WHERE x.sms_message_id = ANY (plain)) o
            WHERE m.team_id = (SELECT t) AND m.sms_message_id = o.sms_message_id AND m.state = 'sending'
            RETURNING m.sms_message_id, m.queue_id, m.state
        ),
        queue AS (
            UPDATE outreach.campaign_queue q SET state = done.state, updated_at = pg_catalog.now()
            FROM done WHERE q.team_id = t AND q.queue_id = done.queue_id
            RETURNING 1
        )
        SELECT array_agg(done.sms_message_id), array_agg(done.state) INTO fast, fast_states FROM done;
        -- delivery callbacks that arrived before the provider's id was known apply now
        IF message_refs IS NOT NULL THEN
            PERFORM outreach.apply_webhook(w.team_id, w.webhook_id)
            FROM outreach.webhook_events w
            WHERE w.team_id = t AND w.state = 'received' AND w.message_ref = ANY (message_refs);
        END IF;
        RETURN QUERY SELECT u.id, u.st FROM unnest(fast, fast_states) AS u (id, st);
    END IF;
    -- the rest one by one: retries, opt-outs, late news about texts the reaper called unknown, and
    -- repeats (which return the text's state and change nothing). One text the database refuses
    -- does not take the window's other outcomes with it: its state reads 'error: ...'.
    IF coalesce(cardinality(fast), 0) < total THEN
        FOR r IN SELECT o.*, m.attempted_at, m.started_at, s.phone IS NOT NULL AS opted_out
                 FROM outreach.send_outcomes(outcomes) o
                 LEFT JOIN outreach.sms_messages m ON m.team_id = t AND m.sms_message_id = o.sms_message_id
                 LEFT JOIN outreach.suppression_list s ON s.team_id = t AND s.phone = m.to_phone
                 WHERE NOT (o.sms_message_id = ANY (coalesce(fast, '{}')))
                 ORDER BY o.sms_message_id LOOP
            sms_message_id := r.sms_message_id;
            BEGIN
                IF r.outcome = 'retry' AND r.opted_out THEN
                    -- not processed, and the number opted out meanwhile: it is not tried again
                    state := outreach.complete_send(t, r.sms_message_id, 'failed', r.provider, NULL, 'suppressed',
                                                    'not processed (' || coalesce(r.error_code, 'retry') || '); the number opted out meanwhile',
                                                    r.request, coalesce(r.sandbox, false));
                ELSE
                    -- Retry-After counts from the start (started_at), not from the claim (attempted_at,
                    -- which complete_send adds it to)
                    state := outreach.complete_send(t, r.sms_message_id, r.outcome, r.provider, r.provider_message_id, r.error_code,
                                                    r.error_message, r.request, coalesce(r.sandbox, false),
                                                    make_interval(secs => coalesce(r.retry_after_seconds, 60))
                                                    + greatest(coalesce(r.started_at - r.attempted_at, interval '0'), interval '0'));
                END IF;
            EXCEPTION WHEN OTHERS THEN
                state := 'error: ' || SQLERRM;
            END;
            RETURN NEXT;
        END LOOP;
    END IF;
END
$fn$;
COMMENT ON FUNCTION outreach.complete_sends(text, jsonb) IS
    'For outreachd: the outcomes of a window of texts, as a JSON array of {sms_message_id, outcome (sent, failed, retry, '
    'unknown), provider, provider_message_id, error_code, error_message, request, sandbox, retry_after_seconds}; each means '
    'what it means to outreach.complete_send. Returns the state each outcome left its text in (a delivery callback that was '
    'waiting for the text may have moved it on since).';

-- ---- the reaper also forgets per-second counters older than a day ----------------------------------
CREATE OR REPLACE FUNCTION outreach.reap_stale_sends(at timestamptz DEFAULT pg_catalog.now(), only_team text DEFAULT NULL) RETURNS bigint
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH never_started AS (
        UPDATE outreach.sms_messages m
        SET state = 'failed', error_code = 'not_sent', lease_until = NULL, completed_at = pg_catalog.now(),
            error_message = 'claimed by ' || coalesce(m.worker, '?') || ', which never started it: queued again'
        WHERE m.state = 'claimed' AND m.lease_until < at AND (only_team IS NULL OR m.team_id = only_team)
        RETURNING m.team_id, m.queue_id
    ),
    requeued AS (
        UPDATE outreach.campaign_queue q SET state = 'queued', sms_message_id = NULL, updated_at = pg_catalog.now()
        FROM never_started s WHERE q.team_id = s.team_id AND q.queue_id = s.queue_id AND q.state = 'claimed'
        RETURNING 1
    ),
    stale AS (
        UPDATE outreach.sms_messages m
        SET state = 'unknown', error_message = 'the worker did not report before its lease ran out (' || coalesce(m.worker, '?') || ')',
            lease_until = NULL
        WHERE m.state = 'sending' AND m.lease_until < at AND (only_team IS NULL OR m.team_id = only_team)
        RETURNING m.team_id, m.queue_id
    ),
    queue AS (
        UPDATE outreach.campaign_queue q SET state = 'unknown', updated_at = pg_catalog.now()
        FROM stale s WHERE q.team_id = s.team_id AND q.queue_id = s.queue_id
        RETURNING 1
    ),
    forgotten AS (
        DELETE FROM outreach.send_counters c
        WHERE c.kind = 'campaign_second' AND c.bucket < at - interval '1 day' AND (only_team IS NULL OR c.team_id = only_team)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM stale) + 0 * (SELECT count(*) FROM requeued) + 0 * (SELECT count(*) FROM queue)
           + 0 * (SELECT count(*) FROM forgotten)
$fn$;

-- ---- access ----------------------------------------------------------------------------------------
SELECT outreach.secure_tenant_tables(ARRAY['send_counters']);
REVOKE ALL ON FUNCTION outreach.start_sends(text, bigint[], timestamptz), outreach.complete_sends(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outreach.start_sends(text, bigint[], timestamptz), outreach.complete_sends(text, jsonb) TO outreach_worker;

-- ---- the suppression backstop, once per statement ----------------------------------------------------
-- 0.3.0 checked every inserted text in a row trigger: three statements a text. A claim inserts its
-- whole batch in one statement, so the check is one set-based pass: the shared lock of every number
-- (in key order: waits for a STOP being recorded right now), then one look at the suppression list
-- and the leads, with a snapshot that sees what committed meanwhile. Changing a text's number is
-- rare and stays checked row by row.
CREATE FUNCTION outreach.sms_messages_refuse_suppressed_rows() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    bad record;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(k.key)
    FROM (SELECT DISTINCT outreach.phone_lock_key(n.team_id, n.to_phone) AS key FROM new_rows n ORDER BY 1) k;
    SELECT n.to_phone, s.source INTO bad
    FROM new_rows n JOIN outreach.suppression_list s ON s.team_id = n.team_id AND s.phone = n.to_phone
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'refused: % opted out (%); no text may be sent to it', bad.to_phone, bad.source
            USING ERRCODE = 'check_violation',
                  HINT = 'A new opt-in from the recipient (outreach.record_consent ... ''opt_in'') is the only way back.';
    END IF;
    SELECT n.lead_id INTO bad
    FROM new_rows n JOIN outreach.leads l ON l.team_id = n.team_id AND l.lead_id = n.lead_id
    WHERE l.status = 'do_not_contact'
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'refused: lead % is do_not_contact', bad.lead_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.sms_messages_refuse_suppressed_rows() FROM PUBLIC;
COMMENT ON FUNCTION outreach.sms_messages_refuse_suppressed_rows() IS
    'Internal trigger: refuses a statement that inserts a text to an opted-out number or a do_not_contact lead.';
DROP TRIGGER refuse_suppressed ON outreach.sms_messages;
CREATE TRIGGER refuse_suppressed BEFORE UPDATE OF to_phone ON outreach.sms_messages
    FOR EACH ROW EXECUTE FUNCTION outreach.sms_messages_refuse_suppressed();
CREATE TRIGGER refuse_suppressed_insert AFTER INSERT ON outreach.sms_messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outreach.sms_messages_refuse_suppressed_rows();
-- Step 4 of the journey (design.md §3), continued: Apollo Organization Enrichment
-- (providers.md §4: GET /organizations/enrich?domain=..., answer {"organization": {...}}, 1 credit).
--
-- An organization job enriches a lead's business, found by its domain. The schema keeps no website
-- for a business, so the domain is taken from the e-mail addresses of the lead's person: the first
-- one whose domain is not a free-mail provider's (gmail.com, yahoo.com, ...: those name no company).
-- A lead without such an address is not queued; the reason is recorded as a job in state skipped.
-- What Apollo knows about the company is applied to the business:
--   * its phone number goes through outreach.import_staged as a row of the lead's person at this
--     business, so it is resolved exactly like an imported row (a number that belongs to someone
--     else opens a review), and then fills the business's number if it had none;
--   * its address, employee count, annual revenue and industry fill only what the business lacks:
--     imported data is never overwritten, and an address that contradicts the one known (another
--     ZIP, state, street or city: headquarters or a branch elsewhere) is not used at all.
-- Retries, backoff and the dead state are those of every enrichment job (70_enrichment.sql of 0.3.0).

ALTER TABLE outreach.enrichment_jobs
    DROP CONSTRAINT enrichment_jobs_kind_check,
    ADD CONSTRAINT enrichment_jobs_kind_check CHECK (kind IN ('skiptrace', 'person', 'organization')),
    DROP CONSTRAINT enrichment_jobs_state_check,
    ADD CONSTRAINT enrichment_jobs_state_check CHECK (state IN ('queued', 'running', 'done', 'failed', 'dead', 'skipped')),
    ADD COLUMN business_id bigint;
-- One open organization job per company, whichever of its leads asked for it.
CREATE UNIQUE INDEX enrichment_jobs_open_business ON outreach.enrichment_jobs (team_id, business_id)
    WHERE kind = 'organization' AND state IN ('queued', 'running');
-- One record of the latest request that could not be queued, per lead and kind.
CREATE UNIQUE INDEX enrichment_jobs_skipped ON outreach.enrichment_jobs (team_id, kind, lead_id) WHERE state = 'skipped';
COMMENT ON TABLE outreach.enrichment_jobs IS
    'Enrichment work for outreachd: skiptrace (RealEstateAPI SkipTrace v2) or person (Apollo People Enrichment) of a lead, '
    'organization (Apollo Organization Enrichment) of a lead''s business. queued -> running (claimed with a lease) -> done | '
    'failed (the provider refused the request) | dead (max_attempts reached on errors worth retrying); a running job whose '
    'lease ran out is queued again (at-least-once). skipped: the latest request that could not be queued (an organization '
    'job for a lead with no company domain), with the reason in last_error and its time in updated_at; one per lead and kind.';
COMMENT ON COLUMN outreach.enrichment_jobs.business_id IS
    'The business an organization job enriches: the requesting lead''s when it was asked for (the answer goes to its survivor '
    'if it has been merged since).';
COMMENT ON TABLE outreach.enrichment_results IS
    'Every Apollo enrichment response body as received (People and Organization Enrichment, also errors), one row per attempt '
    'that got an answer.';

ALTER TABLE outreach.businesses ADD COLUMN industry text;
COMMENT ON COLUMN outreach.businesses.industry IS
    'The industry as a data provider names it (Apollo organization.industry, e.g. ''construction''); sic_code and naics_code '
    'are the codes.';

-- Domains -----------------------------------------------------------------------------------

-- A domain as Apollo wants it (providers.md §4: "no www./@"): lower case, without scheme, user,
-- e-mail local part, port, path, query, fragment, trailing dot or a leading www.; NULL unless what
-- is left is a host name of ASCII labels (an IDN in punycode, xn--, counts) with a top-level
-- domain that is not a number (an IP address is no company domain).
CREATE FUNCTION outreach.normalize_domain(raw text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    SELECT CASE WHEN pg_catalog.length(d) OPERATOR(pg_catalog.<=) 253
                 AND d OPERATOR(pg_catalog.~) '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$'
                THEN d END
    FROM (SELECT pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.regexp_replace(
                 pg_catalog.regexp_replace(pg_catalog.lower(pg_catalog.btrim(raw)),
                     '^([a-z][a-z0-9+.-]*://|mailto:)', ''),  -- scheme
                     '[/?#].*$', ''),                         -- path, query, fragment
                     '^.*@', ''),                             -- user, or the local part of an e-mail address
                     '(:[0-9]*)?\.?$', ''),                   -- port, trailing dot
                     '^www\.', '') AS d) x
);
COMMENT ON FUNCTION outreach.normalize_domain(text) IS
    'A company domain as Apollo takes it: ''https://www.Acme.com/about'', ''acme.com.'' and ''amy@acme.com'' all give '
    '''acme.com''. NULL for what is not a host name (an IP address, a bare word, non-ASCII labels not in punycode).';

-- Mailbox providers whose addresses anyone can have: their domain says nothing about the company.
CREATE FUNCTION outreach.free_mail_domains() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY[
    -- web mail
    'gmail.com', 'googlemail.com', 'yahoo.com', 'ymail.com', 'rocketmail.com', 'hotmail.com', 'outlook.com', 'live.com',
    'msn.com', 'passport.com', 'aol.com', 'aim.com', 'icloud.com', 'me.com', 'mac.com', 'protonmail.com', 'protonmail.ch',
    'proton.me', 'pm.me', 'tutanota.com', 'tuta.io', 'fastmail.com', 'hushmail.com', 'mail.com', 'email.com', 'usa.com',
    'inbox.com', 'gmx.com', 'gmx.net', 'zohomail.com', 'yandex.com', 'mail.ru', 'qq.com', '163.com', '126.com', 'naver.com',
    'rediffmail.com', 'web.de', 't-online.de',
    -- internet providers' mailboxes, common in small-business lists
    'comcast.net', 'verizon.net', 'att.net', 'sbcglobal.net', 'bellsouth.net', 'pacbell.net', 'swbell.net', 'ameritech.net',
    'prodigy.net', 'flash.net', 'snet.net', 'cox.net', 'charter.net', 'spectrum.net', 'rr.com', 'twc.com', 'roadrunner.com',
    'earthlink.net', 'mindspring.com', 'optonline.net', 'optimum.net', 'frontier.com', 'frontiernet.net', 'windstream.net',
    'centurylink.net', 'centurytel.net', 'embarqmail.com', 'q.com', 'juno.com', 'netzero.net', 'netzero.com', 'suddenlink.net',
    'cableone.net', 'mediacombb.net', 'wowway.com', 'hughes.net', 'shaw.ca', 'rogers.com', 'sympatico.ca', 'btinternet.com',
    'sky.com', 'virginmedia.com', 'orange.fr', 'wanadoo.fr', 'free.fr', 'laposte.net', 'libero.it', 'bigpond.com'
];
COMMENT ON FUNCTION outreach.free_mail_domains() IS
    'Free-mail and internet-provider mailbox domains (gmail.com, yahoo.com, comcast.net, ...): never a company''s domain. '
    'outreach.is_free_mail_domain also counts their subdomains and the country variants of the big web-mail providers.';

CREATE FUNCTION outreach.is_free_mail_domain(domain text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN domain OPERATOR(pg_catalog.=) ANY (outreach.free_mail_domains())
    -- yahoo.co.uk, hotmail.fr, outlook.de, live.ca, aol.co.uk, gmx.de, yandex.ru, ...
    OR domain OPERATOR(pg_catalog.~) '^(yahoo|ymail|hotmail|outlook|live|msn|aol|gmx|yandex|icloud)\.([a-z]{2,3}\.)?[a-z]{2,3}$'
    -- nc.rr.com, mail.comcast.net, ...
    OR EXISTS (SELECT 1 FROM pg_catalog.unnest(outreach.free_mail_domains()) AS f (d)
               WHERE pg_catalog.right(domain, pg_catalog.length(f.d) OPERATOR(pg_catalog.+) 1) OPERATOR(pg_catalog.=) ('.' OPERATOR(pg_catalog.||) f.d));
COMMENT ON FUNCTION outreach.is_free_mail_domain(text) IS
    'True for a domain (as outreach.normalize_domain gives it) of a free-mail or internet-provider mailbox: one of '
    'outreach.free_mail_domains(), a subdomain of one, or a country variant of a big web-mail provider (yahoo.co.uk).';

-- Reading an answer -------------------------------------------------------------------------

-- The company in an Apollo Organization Enrichment answer, as our columns take it. The number is
-- primary_phone.sanitized_number, else primary_phone.number, else sanitized_phone, else phone.
-- A count of 0 employees or 0 revenue is read as unknown (a company Apollo has no figure for), not
-- as a figure that would fill the business.
CREATE FUNCTION outreach.organization_findings(response jsonb)
    RETURNS TABLE (organization_id text, name text, domain text, phone text, street text, city text, state text, zip text,
                   country text, employee_count integer, annual_revenue numeric, industry text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT nullif(btrim(o ->> 'id'), ''), nullif(btrim(o ->> 'name'), ''),
           outreach.normalize_domain(coalesce(nullif(o ->> 'primary_domain', ''), o ->> 'website_url')),
           coalesce(nullif(btrim(o #>> '{primary_phone,sanitized_number}'), ''), nullif(btrim(o #>> '{primary_phone,number}'), ''),
                    nullif(btrim(o ->> 'sanitized_phone'), ''), nullif(btrim(o ->> 'phone'), '')),
           nullif(btrim(o ->> 'street_address'), ''), nullif(btrim(o ->> 'city'), ''), nullif(btrim(o ->> 'state'), ''),
           nullif(btrim(o ->> 'postal_code'), ''), nullif(btrim(o ->> 'country'), ''),
           nullif(outreach.parse_count(o ->> 'estimated_num_employees'), 0),
           nullif(outreach.parse_money(o ->> 'annual_revenue'), 0),
           nullif(btrim(o ->> 'industry'), '')
    FROM (SELECT response -> 'organization' AS o) x
    WHERE jsonb_typeof(x.o) = 'object' AND coalesce(x.o ->> 'id', x.o ->> 'name', x.o ->> 'primary_domain') IS NOT NULL
$fn$;
COMMENT ON FUNCTION outreach.organization_findings(jsonb) IS
    'The company in an Apollo Organization Enrichment answer ({"organization": {...}}): Apollo id, name, domain, phone, '
    'address (street_address, city, state, postal_code, country), employees, annual revenue and industry. No row for an '
    'answer without one ({} or {"organization": null}: a domain Apollo does not know).';

CREATE OR REPLACE FUNCTION outreach.enrichment_findings(kind text, response jsonb)
    RETURNS TABLE (phone text, email text, line_type text, dnc boolean)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $fn$
    -- SkipTrace v2: persons[].phones[] {phone, phoneType W|L|V, phoneFtcDnc Y|N}, persons[].emails[]
    SELECT ph ->> 'phone', NULL::text,
           CASE ph ->> 'phoneType' WHEN 'W' THEN 'wireless' WHEN 'L' THEN 'landline' WHEN 'V' THEN 'voip' ELSE lower(ph ->> 'phoneType') END,
           coalesce(ph ->> 'phoneFtcDnc' = 'Y' OR (ph ->> 'doNotCall')::boolean, false)
    FROM jsonb_array_elements(CASE WHEN kind = 'skiptrace' THEN coalesce(response -> 'persons', '[]') ELSE '[]' END) p,
         jsonb_array_elements(coalesce(p -> 'phones', '[]')) ph
    UNION ALL
    -- SkipTrace v1: output.identity.phones[] {phone, phoneType, doNotCall}, emails[] {email}
    SELECT ph ->> 'phone', NULL, lower(ph ->> 'phoneType'), coalesce((ph ->> 'doNotCall')::boolean, false)
    FROM jsonb_array_elements(CASE WHEN kind = 'skiptrace' THEN coalesce(response #> '{output,identity,phones}', '[]') ELSE '[]' END) ph
    UNION ALL
    SELECT NULL, e ->> 'email', NULL, false
    FROM jsonb_array_elements(CASE WHEN kind = 'skiptrace' THEN coalesce(response -> 'persons', '[]') ELSE '[]' END) p,
         jsonb_array_elements(coalesce(p -> 'emails', '[]')) e
    UNION ALL
    SELECT NULL, e ->> 'email', NULL, false
    FROM jsonb_array_elements(CASE WHEN kind = 'skiptrace' THEN coalesce(response #> '{output,identity,emails}', '[]') ELSE '[]' END) e
    UNION ALL
    -- Apollo: person.email, person.contact.phone_numbers[] {sanitized_number, type, dnc_status}
    SELECT NULL, response #>> '{person,email}', NULL, false
    WHERE kind = 'person' AND response #>> '{person,email}' IS NOT NULL
    UNION ALL
    SELECT coalesce(n ->> 'sanitized_number', n ->> 'raw_number'), NULL, lower(n ->> 'type'),
           coalesce(n ->> 'dnc_status' IS NOT NULL AND lower(n ->> 'dnc_status') NOT IN ('', 'none', 'not_on_dnc', 'false'), false)
    FROM jsonb_array_elements(CASE WHEN kind = 'person' THEN coalesce(response #> '{person,contact,phone_numbers}', '[]') ELSE '[]' END) n
    UNION ALL
    -- Apollo organization: the company's number (Apollo gives it no line type and no Do Not Call flag)
    SELECT o.phone, NULL, NULL, false
    FROM outreach.organization_findings(CASE WHEN kind = 'organization' THEN response END) o
    WHERE o.phone IS NOT NULL
$fn$;
COMMENT ON FUNCTION outreach.enrichment_findings(text, jsonb) IS
    'The phones (with line type and Do Not Call flag) and e-mails in a SkipTrace (v1 or v2) or Apollo People Enrichment '
    'response, and the company number in an Apollo Organization Enrichment response (kind organization).';

-- Queueing ----------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION outreach.request_enrichment(team_id text, lead_ids bigint[], kind text DEFAULT 'skiptrace')
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    n bigint;
    skipped bigint;
    reasons text;
BEGIN
    PERFORM outreach.check_team(request_enrichment.team_id);
    IF kind IS NULL OR kind NOT IN ('skiptrace', 'person', 'organization') THEN
        RAISE EXCEPTION 'enrichment kind must be skiptrace, person or organization, not %', coalesce(quote_literal(kind), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF kind = 'organization' THEN
        WITH asked AS (
            SELECT DISTINCT ON (l.lead_id) l.team_id, l.lead_id, l.business_id, b.name AS company, m.domain, m.email,
                   CASE WHEN b.business_id IS NULL THEN 'no company: the lead has no business to enrich'
                        WHEN m.domain IS NOT NULL THEN NULL
                        WHEN m.free_domains IS NOT NULL THEN format('no company domain: only free-mail addresses (%s)', m.free_domains)
                        ELSE 'no company domain: no e-mail address to take it from' END AS reason
            FROM unnest(lead_ids) AS k (lead_id)
            JOIN outreach.leads l ON l.team_id = request_enrichment.team_id AND l.lead_id = k.lead_id AND l.is_active
            LEFT JOIN outreach.businesses b ON b.team_id = l.team_id AND b.business_id = l.business_id
            -- the person's addresses, its own first, then in the order they were seen
            LEFT JOIN LATERAL (
                SELECT (array_agg(e.domain ORDER BY e.ord) FILTER (WHERE NOT e.free))[1] AS domain,
                       (array_agg(e.email ORDER BY e.ord) FILTER (WHERE NOT e.free))[1] AS email,
                       string_agg(DISTINCT e.domain, ', ' ORDER BY e.domain) FILTER (WHERE e.free) AS free_domains
                FROM (SELECT x.email, x.ord, d.domain, outreach.is_free_mail_domain(d.domain) AS free
                      FROM (SELECT p.normalized_email AS email, 0::bigint AS ord FROM outreach.personas p
                            WHERE p.team_id = l.team_id AND p.persona_id = l.persona_id AND p.normalized_email IS NOT NULL
                            UNION ALL
                            SELECT pe.normalized_email, pe.email_id FROM outreach.persona_emails pe
                            WHERE pe.team_id = l.team_id AND pe.persona_id = l.persona_id) x
                      CROSS JOIN LATERAL (SELECT outreach.normalize_domain(split_part(x.email, '@', 2)) AS domain) d
                      WHERE d.domain IS NOT NULL) e
            ) m ON true
            ORDER BY l.lead_id
        ),
        queued AS (
            -- one job per company: the first of its leads asks for it
            INSERT INTO outreach.enrichment_jobs (team_id, provider, kind, lead_id, business_id, request)
            SELECT DISTINCT ON (a.business_id) a.team_id, 'apollo', 'organization', a.lead_id, a.business_id,
                   jsonb_strip_nulls(jsonb_build_object('domain', a.domain, 'email', a.email, 'organization_name', a.company))
            FROM asked a WHERE a.reason IS NULL
            ORDER BY a.business_id, a.lead_id
            ON CONFLICT DO NOTHING  -- the company already has an open job
            RETURNING 1
        ),
        not_queued AS (
            INSERT INTO outreach.enrichment_jobs (team_id, provider, kind, lead_id, business_id, state, request, last_error)
            SELECT a.team_id, 'apollo', 'organization', a.lead_id, a.business_id, 'skipped',
                   jsonb_strip_nulls(jsonb_build_object('organization_name', a.company)), a.reason
            FROM asked a WHERE a.reason IS NOT NULL
            -- one record per lead: a lead skipped again gets today's reason
            ON CONFLICT (team_id, kind, lead_id) WHERE state = 'skipped'
            DO UPDATE SET business_id = excluded.business_id, request = excluded.request, last_error = excluded.last_error,
                          updated_at = pg_catalog.now()
            RETURNING split_part(last_error, ' (', 1) AS why
        )
        SELECT sum(c), string_agg(format('%s: %s', w.why, w.c), '; ' ORDER BY w.c DESC, w.why)
        INTO skipped, reasons
        FROM (SELECT q.why, count(*) AS c FROM not_queued q GROUP BY q.why) w;
        IF skipped > 0 THEN
            RAISE NOTICE '% of these leads not queued for organization enrichment (%)', skipped, reasons
                USING HINT = 'Each lead''s reason: outreach.enrichment_jobs with kind organization and state skipped.';
        END IF;
        -- the leads whose company waits for a job now
        SELECT count(*) INTO n FROM outreach.leads l
        WHERE l.team_id = request_enrichment.team_id AND l.lead_id = ANY (lead_ids) AND l.is_active
          AND EXISTS (SELECT 1 FROM outreach.enrichment_jobs j
                      WHERE j.team_id = l.team_id AND j.kind = 'organization' AND j.business_id = l.business_id AND j.state = 'queued');
        RETURN n;
    END IF;
    WITH queued AS (
        INSERT INTO outreach.enrichment_jobs (team_id, provider, kind, lead_id, request)
        SELECT l.team_id, CASE WHEN request_enrichment.kind = 'skiptrace' THEN 'realestateapi' ELSE 'apollo' END,
               request_enrichment.kind, l.lead_id,
               jsonb_strip_nulls(jsonb_build_object(
                   'first_name', p.first_name, 'last_name', p.last_name,
                   'address', coalesce(a.street, b.street), 'city', coalesce(a.city, b.city),
                   'state', coalesce(p.normalized_state, b.normalized_state), 'zip', coalesce(p.normalized_zip, b.normalized_zip),
                   'organization_name', b.name, 'email', p.normalized_email))
        FROM unnest(lead_ids) AS k (lead_id)
        JOIN outreach.leads l ON l.team_id = request_enrichment.team_id AND l.lead_id = k.lead_id AND l.is_active
        JOIN outreach.personas p ON p.team_id = l.team_id AND p.persona_id = l.persona_id
        LEFT JOIN outreach.businesses b ON b.team_id = l.team_id AND b.business_id = l.business_id
        LEFT JOIN LATERAL (SELECT ad.street, ad.city FROM outreach.addresses ad
                           WHERE ad.team_id = l.team_id AND ad.persona_id = l.persona_id AND ad.street IS NOT NULL
                           ORDER BY ad.address_id LIMIT 1) a ON true
        ON CONFLICT (team_id, kind, lead_id) WHERE state IN ('queued', 'running') DO NOTHING
        RETURNING enrichment_jobs.team_id, enrichment_jobs.lead_id
    )
    UPDATE outreach.leads l SET enrichment_status = 'pending'
    FROM queued q WHERE l.team_id = q.team_id AND l.lead_id = q.lead_id AND l.enrichment_status <> 'pending';
    SELECT count(*) INTO n FROM outreach.enrichment_jobs j
    WHERE j.team_id = request_enrichment.team_id AND j.lead_id = ANY (lead_ids) AND j.kind = request_enrichment.kind AND j.state = 'queued';
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION outreach.request_enrichment(text, bigint[], text) IS
    'Queues enrichment jobs for these leads: skiptrace (RealEstateAPI) and person (Apollo People Enrichment) with the search '
    'input built from each lead; organization (Apollo Organization Enrichment) of each lead''s business, one job per company, '
    'by the domain of the first e-mail address of the lead''s person that is not free mail (outreach.is_free_mail_domain). '
    'Leads already waiting for one are left alone. A lead that cannot be enriched by organization (no business, no company '
    'domain) is not queued: a NOTICE counts them by reason, and each lead has one job in state skipped with the latest reason '
    'in last_error. Returns how many of the leads are queued now (organization: whose company is).';

-- Applying an answer ------------------------------------------------------------------------

-- What an organization job found, applied to its business (see the top of this file). Runs inside
-- outreach.complete_enrichment; returns the import job that resolved the company number (if one
-- did) and a note when something found could not be used.
CREATE FUNCTION outreach.apply_organization_findings(team_id text, job_id bigint, response jsonb,
                                                     OUT data_source_id bigint, OUT note text)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    t text := apply_organization_findings.team_id;
    j outreach.enrichment_jobs;
    o record;
    b outreach.businesses;
    p outreach.personas;
    biz bigint;
    found_phone text;
    found_zip text;
    found_state text;
    found_street text;
    found_city text;
    fits boolean;
    headers constant text[] := ARRAY['ownerFirstName', 'ownerLastName', 'phone', 'email', 'street', 'city', 'state', 'zip', 'companyName'];
BEGIN
    SELECT * INTO j FROM outreach.enrichment_jobs x WHERE x.team_id = t AND x.job_id = apply_organization_findings.job_id;
    SELECT * INTO o FROM outreach.organization_findings(response) LIMIT 1;
    -- the business as it is now: its survivor if it has been merged since the request
    biz := outreach.canonical_of(t, 'business', j.business_id);
    SELECT * INTO b FROM outreach.businesses x WHERE x.team_id = t AND x.business_id = biz FOR UPDATE;
    IF NOT FOUND THEN
        note := 'the business is gone';
        RETURN;
    END IF;

    -- 1. Firmographics fill what is missing. The address is used only if it is a US address that
    --    contradicts none of the parts already known, and then only for the parts missing.
    found_zip := outreach.normalize_zip(o.zip);
    found_state := outreach.normalize_state(o.state);
    found_street := outreach.normalize_street(o.street);
    found_city := outreach.name_key(o.city);
    fits := (o.country IS NULL OR lower(o.country) IN ('united states', 'united states of america', 'us', 'usa'))
            AND (b.normalized_zip IS NULL OR found_zip IS NULL OR b.normalized_zip = found_zip)
            AND (b.normalized_state IS NULL OR found_state IS NULL OR b.normalized_state = found_state)
            AND (b.normalized_street IS NULL OR found_street IS NULL OR b.normalized_street = found_street)
            AND (b.city_key IS NULL OR found_city IS NULL OR b.city_key = found_city);
    UPDATE outreach.businesses x
    SET street = CASE WHEN fits AND x.street IS NULL AND x.normalized_street IS NULL AND found_street IS NOT NULL THEN o.street ELSE x.street END,
        normalized_street = CASE WHEN fits AND x.street IS NULL AND x.normalized_street IS NULL THEN found_street ELSE x.normalized_street END,
        city = CASE WHEN fits AND x.city IS NULL AND x.city_key IS NULL AND found_city IS NOT NULL
                    THEN initcap(regexp_replace(o.city, '\s+', ' ', 'g')) ELSE x.city END,
        city_key = CASE WHEN fits AND x.city IS NULL AND x.city_key IS NULL THEN found_city ELSE x.city_key END,
        state = CASE WHEN fits AND x.state IS NULL AND x.normalized_state IS NULL AND found_state IS NOT NULL THEN o.state ELSE x.state END,
        normalized_state = CASE WHEN fits AND x.state IS NULL AND x.normalized_state IS NULL THEN found_state ELSE x.normalized_state END,
        zip = CASE WHEN fits AND x.zip IS NULL AND x.normalized_zip IS NULL AND found_zip IS NOT NULL THEN o.zip ELSE x.zip END,
        normalized_zip = CASE WHEN fits AND x.zip IS NULL AND x.normalized_zip IS NULL THEN found_zip ELSE x.normalized_zip END,
        employee_count = coalesce(x.employee_count, o.employee_count),
        annual_revenue = coalesce(x.annual_revenue, o.annual_revenue),
        industry = coalesce(x.industry, o.industry)
    WHERE x.team_id = t AND x.business_id = biz
    RETURNING x.* INTO b;
    IF NOT fits AND (found_zip IS NOT NULL OR found_state IS NOT NULL OR found_street IS NOT NULL OR found_city IS NOT NULL) THEN
        note := 'address not used: it is not the business''s (another place or country)';
    END IF;

    -- 2. A company number not known yet is imported as a row of the lead's person at this business,
    --    with the business's own name and address, so resolution recognizes both (the person also
    --    by the e-mail address the domain came from) and the number is resolved like an imported
    --    one. The import finds a business by name with its ZIP, or with its city and state: without
    --    either the row would become a second company, so the number is not used then.
    found_phone := outreach.normalize_phone(o.phone);
    IF found_phone IS NOT NULL AND found_phone IS DISTINCT FROM b.normalized_phone THEN
        IF b.normalized_zip IS NULL AND (b.city_key IS NULL OR b.normalized_state IS NULL) THEN
            note := concat_ws('; ', note, 'company number not used: the business has no ZIP, or city and state, to resolve it by');
            found_phone := NULL;
        ELSE
            SELECT s.* INTO p
            FROM outreach.leads l
            JOIN outreach.personas x ON x.team_id = l.team_id AND x.persona_id = l.persona_id
            JOIN outreach.personas s ON s.team_id = x.team_id AND s.persona_id = x.canonical_id
            WHERE l.team_id = t AND l.lead_id = j.lead_id;
            PERFORM outreach.drop_temp_tables(ARRAY['_outreach_organization']);
            CREATE TEMP TABLE _outreach_organization ON COMMIT DROP AS
            SELECT 1::bigint AS row_number, NULL::bigint AS line_number,
                   ARRAY[p.first_name, p.last_name, o.phone, j.request ->> 'email', b.street, b.city, b.state, b.zip, b.name] AS fields;
            data_source_id := outreach.begin_import(t, 'organization job ' || j.job_id, NULL, 'usdatabiz', '{}');
            PERFORM outreach.set_import_headers(t, data_source_id, headers);
            PERFORM outreach.import_staged(t, data_source_id, '_outreach_organization'::regclass);
            DROP TABLE _outreach_organization;
            -- the import may have merged the business on (a row it bridged)
            biz := outreach.canonical_of(t, 'business', biz);
        END IF;
    END IF;

    -- 3. The business's own number (the one just imported) and time zone, if it had none.
    UPDATE outreach.businesses x
    SET normalized_phone = coalesce(x.normalized_phone, found_phone),
        timezone = coalesce(x.timezone, outreach.timezone_for(x.normalized_state, x.normalized_zip, coalesce(x.normalized_phone, found_phone)))
    WHERE x.team_id = t AND x.business_id = biz
      AND (x.normalized_phone IS NULL AND found_phone IS NOT NULL OR x.timezone IS NULL);
END
$fn$;
REVOKE ALL ON FUNCTION outreach.apply_organization_findings(text, bigint, jsonb) FROM PUBLIC;
COMMENT ON FUNCTION outreach.apply_organization_findings(text, bigint, jsonb) IS
    'Internal, for outreach.complete_enrichment: applies an Apollo organization to the job''s business. Address, employees, '
    'revenue and industry fill only what is missing (an address of another place is not used); a company number not yet known '
    'is imported as a row of the lead''s person at the business (resolved like an import; not used when the business has no '
    'ZIP or city and state the import could recognize it by) and becomes the business''s number if it had none. Returns the '
    'import job and a note on what could not be used.';

CREATE OR REPLACE FUNCTION outreach.complete_enrichment(team_id text, job_id bigint, http_status integer, response jsonb,
                                                        error text DEFAULT NULL, retry_after_seconds integer DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    t text := complete_enrichment.team_id;
    j outreach.enrichment_jobs;
    p outreach.personas;
    l outreach.leads;
    ds bigint;
    note text;
    matched boolean;
    headers constant text[] := ARRAY['ownerFirstName', 'ownerLastName', 'phone', 'email', 'street', 'city', 'state', 'zip', 'companyName'];
BEGIN
    SELECT * INTO j FROM outreach.enrichment_jobs x WHERE x.team_id = t AND x.job_id = complete_enrichment.job_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" has no enrichment job %', t, complete_enrichment.job_id USING ERRCODE = 'undefined_object';
    END IF;
    IF j.state <> 'running' THEN
        RETURN j.state;  -- a repeat (at-least-once): already settled
    END IF;
    IF response IS NOT NULL THEN
        IF j.kind = 'skiptrace' THEN
            INSERT INTO outreach.skiptrace_results (team_id, job_id, lead_id, http_status, response) VALUES (t, j.job_id, j.lead_id, http_status, response);
        ELSE
            INSERT INTO outreach.enrichment_results (team_id, job_id, lead_id, http_status, response) VALUES (t, j.job_id, j.lead_id, http_status, response);
        END IF;
    END IF;
    -- worth another try: rate limited, the provider failing, or no answer at all
    IF http_status IS NULL OR http_status IN (408, 409, 429) OR http_status >= 500 THEN
        UPDATE outreach.enrichment_jobs x
        SET state = CASE WHEN x.attempts >= x.max_attempts THEN 'dead' ELSE 'queued' END,
            next_attempt_at = pg_catalog.now() + outreach.enrichment_backoff(x.attempts, retry_after_seconds),
            lease_until = NULL, last_error = coalesce(error, 'HTTP ' || http_status), updated_at = pg_catalog.now()
        WHERE x.team_id = t AND x.job_id = j.job_id
        RETURNING x.* INTO j;
        -- (an organization job is about the company: the lead's own enrichment status is left as it is)
        IF j.state = 'dead' AND j.kind <> 'organization' THEN
            UPDATE outreach.leads x SET enrichment_status = 'failed' WHERE x.team_id = t AND x.lead_id = j.lead_id;
        END IF;
        RETURN j.state;
    END IF;
    matched := http_status = 200 AND response IS NOT NULL
               AND (j.kind = 'person' AND jsonb_typeof(response -> 'person') = 'object'
                    OR j.kind = 'organization' AND EXISTS (SELECT 1 FROM outreach.organization_findings(response))
                    OR j.kind = 'skiptrace' AND (jsonb_array_length(coalesce(response -> 'persons', '[]')) > 0
                                                 OR response #> '{output,identity}' IS NOT NULL));
    IF http_status NOT IN (200, 204, 404) THEN
        -- refused (bad key, bad input): trying again would get the same answer
        UPDATE outreach.enrichment_jobs x SET state = 'failed', lease_until = NULL, last_error = coalesce(error, 'HTTP ' || http_status),
            updated_at = pg_catalog.now()
        WHERE x.team_id = t AND x.job_id = j.job_id;
        IF j.kind <> 'organization' THEN
            UPDATE outreach.leads x SET enrichment_status = 'failed' WHERE x.team_id = t AND x.lead_id = j.lead_id;
        END IF;
        RETURN 'failed';
    END IF;
    IF matched AND j.kind = 'organization' THEN
        SELECT a.data_source_id, a.note INTO ds, note FROM outreach.apply_organization_findings(t, j.job_id, response) a;
    ELSIF matched THEN
        SELECT * INTO l FROM outreach.leads x WHERE x.team_id = t AND x.lead_id = j.lead_id;
        SELECT * INTO p FROM outreach.personas x WHERE x.team_id = t AND x.persona_id = l.persona_id;
        -- numbers on the Do Not Call list are never texted, whatever else is known about them
        PERFORM outreach.record_consent(t, f.phone, 'opt_out', 'provider_dnc',
                                        jsonb_build_object('provider', j.provider, 'job_id', j.job_id))
        FROM outreach.enrichment_findings(j.kind, response) f
        WHERE f.dnc AND outreach.normalize_phone(f.phone) IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM outreach.suppression_list s WHERE s.team_id = t AND s.phone = outreach.normalize_phone(f.phone));
        -- the findings go through the import, so they are resolved exactly like imported rows
        PERFORM outreach.drop_temp_tables(ARRAY['_outreach_enrichment']);
        CREATE TEMP TABLE _outreach_enrichment ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY f.phone NULLS LAST, f.email) AS row_number, NULL::bigint AS line_number,
               ARRAY[p.first_name, p.last_name, f.phone, f.email, j.request ->> 'address', j.request ->> 'city',
                     j.request ->> 'state', j.request ->> 'zip', j.request ->> 'organization_name'] AS fields
        FROM outreach.enrichment_findings(j.kind, response) f
        WHERE (f.phone IS NOT NULL AND NOT f.dnc AND coalesce(f.line_type, '') NOT IN ('landline', 'l'))
           OR f.email IS NOT NULL;
        IF EXISTS (SELECT 1 FROM _outreach_enrichment) THEN
            ds := outreach.begin_import(t, j.kind || ' job ' || j.job_id, NULL, 'usdatabiz', '{}');
            PERFORM outreach.set_import_headers(t, ds, headers);
            PERFORM outreach.import_staged(t, ds, '_outreach_enrichment'::regclass);
        END IF;
        DROP TABLE _outreach_enrichment;
    END IF;
    UPDATE outreach.enrichment_jobs x SET state = 'done', lease_until = NULL, data_source_id = ds, updated_at = pg_catalog.now(),
        last_error = CASE WHEN matched THEN note ELSE 'no match' END
    WHERE x.team_id = t AND x.job_id = j.job_id;
    IF j.kind <> 'organization' THEN
        UPDATE outreach.leads x SET enrichment_status = CASE WHEN matched THEN 'enriched' ELSE 'failed' END
        WHERE x.team_id = t AND x.lead_id = j.lead_id;
    END IF;
    RETURN 'done';
END
$fn$;
COMMENT ON FUNCTION outreach.complete_enrichment(text, bigint, integer, jsonb, text, integer) IS
    'For outreachd: the provider''s answer to a running enrichment job. The body is kept raw (skiptrace_results / '
    'enrichment_results). 204 is a sandbox run (nothing was sent). 200: the phones and e-mails found are imported as rows of the lead''s person (resolved like any '
    'import: merged, or a review when they point at someone else); landlines are left out and Do Not Call numbers are '
    'recorded as opt-outs. An organization answer is applied to the business (outreach.apply_organization_findings): its '
    'number resolved like an import, address, employees, revenue and industry only where missing; organization jobs leave the '
    'lead''s enrichment_status alone. 404 / no person / no organization: done, nothing found. 429, 5xx or no answer: retried '
    'with backoff (Retry-After honoured) until max_attempts, then dead. Other 4xx: failed. A repeat of a settled job changes nothing.';

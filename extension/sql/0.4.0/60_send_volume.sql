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

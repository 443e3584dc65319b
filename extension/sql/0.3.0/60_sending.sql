-- Step 6 of the journey (design.md §3, §6): sending. outreachd moves bytes; these functions decide.
--
-- A text goes out at most once:
--   claim_sends     in one transaction: locks due queue rows (FOR UPDATE SKIP LOCKED), asks the
--                   gate (outreach.send_blockers) again, and records each allowed one as an
--                   sms_messages row in state claimed, with a lease. Rows the gate holds back wait
--                   (outreach.defer_queued) or are cancelled.
--   start_send      per text, committed just before its HTTP call: claimed -> sending, unless the
--                   number opted out since the claim. A worker that dies holding claimed texts
--                   loses nothing: they certainly never left, and go back to the queue.
--   complete_send   after the provider answered: sent (with its id), failed (it refused; Twilio
--                   21610 also suppresses the number), retry (it certainly did not process the
--                   request, e.g. HTTP 429: the queue row waits and is claimed again later), or
--                   unknown (a timeout after the request may have left).
--   reap_stale_sends  a claimed row whose lease ran out goes back to the queue; a sending one (the
--                   worker died during the call) becomes unknown.
-- unknown is never re-sent automatically: outreach.reconcile_unknown_sends lists them, and
-- outreach.resolve_unknown_send records what the provider's logs say.

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'outreach_worker') THEN
        CREATE ROLE outreach_worker NOLOGIN;
    END IF;
END
$roles$;
GRANT USAGE ON SCHEMA outreach TO outreach_worker;

CREATE TABLE outreach.messaging_settings (
    team_id                      text PRIMARY KEY REFERENCES outreach.teams (team_id) ON DELETE CASCADE,
    primary_provider             text NOT NULL DEFAULT 'signalhouse' CHECK (primary_provider IN ('signalhouse', 'twilio')),
    backup_provider              text DEFAULT 'twilio' CHECK (backup_provider IN ('signalhouse', 'twilio')),
    signalhouse_sender           text CHECK (signalhouse_sender ~ '^[0-9]{5,15}$'),
    twilio_from                  text CHECK (twilio_from ~ '^\+[1-9][0-9]{6,14}$'),
    twilio_messaging_service_sid text CHECK (twilio_messaging_service_sid ~ '^MG[0-9a-fA-F]{32}$'),
    updated_at                   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CHECK (backup_provider IS DISTINCT FROM primary_provider)
);
COMMENT ON TABLE outreach.messaging_settings IS
    'How a team''s texts go out: the primary provider (SignalHouse by default) and the backup used when the primary is down '
    '(Twilio), with each one''s sender (SignalHouse: digits only; Twilio: an E.164 From or a Messaging Service SID). '
    'Credentials are never stored here: outreachd reads them from its environment.';

CREATE FUNCTION outreach.teams_seed_messaging() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    INSERT INTO outreach.messaging_settings (team_id) VALUES (NEW.team_id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION outreach.teams_seed_messaging() FROM PUBLIC;
CREATE TRIGGER seed_messaging AFTER INSERT ON outreach.teams
    FOR EACH ROW EXECUTE FUNCTION outreach.teams_seed_messaging();

CREATE INDEX campaign_queue_due_all ON outreach.campaign_queue (scheduled_at, queue_id) WHERE state = 'queued';
CREATE INDEX sms_messages_sending ON outreach.sms_messages (lease_until) WHERE state = 'sending';
CREATE INDEX sms_messages_provider_id ON outreach.sms_messages (team_id, provider_message_id) WHERE provider_message_id IS NOT NULL;

-- ---- claiming ------------------------------------------------------------------------------------
CREATE FUNCTION outreach.claim_sends(worker text, batch integer DEFAULT 100, lease interval DEFAULT '2 minutes',
                                     at timestamptz DEFAULT pg_catalog.now(), only_team text DEFAULT NULL)
    RETURNS TABLE (team_id text, sms_message_id bigint, queue_id bigint, lead_id bigint, campaign_id bigint, to_phone text,
                   body text, segments integer, provider text, backup_provider text, signalhouse_sender text,
                   twilio_from text, twilio_messaging_service_sid text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    g record;
    picked_teams text[];
    picked_ids bigint[];
    claimed_ids bigint[] := '{}';
    claimed_teams text[] := '{}';
    minute_room bigint;
    day_room bigint;
    ids bigint[];
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
    LOOP
        -- room left under the campaign's per-minute cap and the brand's daily cap
        minute_room := g.per_minute_cap - (SELECT count(*) FROM outreach.sms_messages m
                                           WHERE m.team_id = g.team_id AND m.campaign_id = g.campaign_id AND m.state <> 'failed'
                                             AND m.attempted_at > claim_sends.at - interval '1 minute' AND m.attempted_at <= claim_sends.at);
        day_room := g.daily_cap - (SELECT coalesce(sum(m.segments), 0) FROM outreach.sms_messages m
                                   LEFT JOIN outreach.campaigns mc ON mc.team_id = m.team_id AND mc.campaign_id = m.campaign_id
                                   WHERE m.team_id = g.team_id AND m.state <> 'failed' AND coalesce(mc.brand, 'default') = g.brand
                                     AND m.attempted_at >= (date_trunc('day', claim_sends.at AT TIME ZONE 'America/Los_Angeles')
                                                            AT TIME ZONE 'America/Los_Angeles'));
        WITH verdict AS (
            SELECT b.ord, g.queue_ids[b.ord] AS queue_id, g.segs[b.ord] AS segs, b.reasons,
                   -- one text per number per batch: the next claim counts it for the frequency cap
                   row_number() OVER (PARTITION BY g.phones[b.ord] ORDER BY b.ord) AS nth_for_phone
            FROM outreach.send_blockers(g.team_id, g.lead_ids, array_fill(claim_sends.at, ARRAY[cardinality(g.lead_ids)]),
                                        g.campaign_id, g.steps) b
        ),
        allowed AS (
            SELECT v.*, row_number() OVER (ORDER BY v.ord) AS k, sum(v.segs) OVER (ORDER BY v.ord) AS seg_total
            FROM verdict v WHERE cardinality(v.reasons) = 0 AND v.nth_for_phone = 1
        )
        SELECT (SELECT array_agg(a.queue_id ORDER BY a.ord) FROM allowed a WHERE a.k <= minute_room AND a.seg_total <= day_room),
               (SELECT array_agg(v.queue_id ORDER BY v.ord) FROM verdict v WHERE cardinality(v.reasons) > 0)
        INTO ids, blocked;
        ids := coalesce(ids, '{}');
        claimed_ids := claimed_ids || ids;
        claimed_teams := claimed_teams || array_fill(g.team_id, ARRAY[cardinality(ids)]);
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
COMMENT ON FUNCTION outreach.claim_sends(text, integer, interval, timestamptz, text) IS
    'For outreachd: claims up to batch due campaign messages of every team (FOR UPDATE SKIP LOCKED), re-checks each with the '
    'gate in this transaction, and records the allowed ones as sms_messages in state claimed with a lease; the rest wait for '
    'their next allowed time or are cancelled (outreach.defer_queued). Returns what to send, with the team''s providers. '
    'only_team restricts the claim to one team (a worker per team).';

-- Just before the HTTP call: claimed -> sending, committed. A number that opted out since the
-- claim is not texted (the shared lock waits for a STOP being recorded right now).
CREATE FUNCTION outreach.start_send(team_id text, sms_message_id bigint, at timestamptz DEFAULT pg_catalog.now())
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    m outreach.sms_messages;
BEGIN
    SELECT * INTO m FROM outreach.sms_messages x WHERE x.team_id = start_send.team_id AND x.sms_message_id = start_send.sms_message_id FOR UPDATE;
    IF NOT FOUND OR m.state <> 'claimed' THEN
        RETURN false;
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(outreach.phone_lock_key(m.team_id, m.to_phone));
    IF EXISTS (SELECT 1 FROM outreach.suppression_list s WHERE s.team_id = m.team_id AND s.phone = m.to_phone)
       OR EXISTS (SELECT 1 FROM outreach.leads l WHERE l.team_id = m.team_id AND l.lead_id = m.lead_id AND l.status = 'do_not_contact') THEN
        UPDATE outreach.sms_messages x SET state = 'failed', error_code = 'suppressed', error_message = 'opted out after the claim',
            completed_at = pg_catalog.now(), lease_until = NULL
        WHERE x.team_id = m.team_id AND x.sms_message_id = m.sms_message_id;
        UPDATE outreach.campaign_queue q SET state = 'cancelled', cancel_reason = 'suppressed', updated_at = pg_catalog.now()
        WHERE q.team_id = m.team_id AND q.queue_id = m.queue_id AND q.state IN ('claimed', 'queued');
        RETURN false;
    END IF;
    UPDATE outreach.sms_messages x SET state = 'sending', attempted_at = start_send.at
    WHERE x.team_id = m.team_id AND x.sms_message_id = m.sms_message_id;
    UPDATE outreach.campaign_queue q SET state = 'sending', updated_at = pg_catalog.now()
    WHERE q.team_id = m.team_id AND q.queue_id = m.queue_id;
    RETURN true;
END
$fn$;
COMMENT ON FUNCTION outreach.start_send(text, bigint, timestamptz) IS
    'For outreachd, committed just before the HTTP call: a claimed text becomes sending. False (and nothing to send) when it '
    'is not claimed any more, or its number opted out since the claim (then it is failed and its queue row cancelled).';

-- New work wakes the workers (LISTEN outreach_sends); they also poll, so a lost NOTIFY only delays.
CREATE FUNCTION outreach.notify_sends() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM pg_catalog.pg_notify('outreach_sends', TG_OP);
    RETURN NULL;
END
$fn$;
CREATE TRIGGER notify_sends AFTER INSERT ON outreach.campaign_queue
    FOR EACH STATEMENT EXECUTE FUNCTION outreach.notify_sends();

-- ---- outcomes ------------------------------------------------------------------------------------
CREATE FUNCTION outreach.complete_send(team_id text, sms_message_id bigint, outcome text, provider text DEFAULT NULL,
                                       provider_message_id text DEFAULT NULL, error_code text DEFAULT NULL,
                                       error_message text DEFAULT NULL, request jsonb DEFAULT NULL, sandbox boolean DEFAULT false,
                                       retry_after interval DEFAULT '1 minute')
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    t text := complete_send.team_id;
    m outreach.sms_messages;
BEGIN
    SELECT * INTO m FROM outreach.sms_messages x WHERE x.team_id = t AND x.sms_message_id = complete_send.sms_message_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" has no text %', t, complete_send.sms_message_id USING ERRCODE = 'undefined_object';
    END IF;
    IF outcome IS NULL OR outcome NOT IN ('sent', 'failed', 'retry', 'unknown') THEN
        RAISE EXCEPTION 'outcome must be sent, failed, retry or unknown, not %', coalesce(quote_literal(outcome), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- late news about a text the reaper already called unknown is still news; anything else is a repeat
    IF NOT (m.state = 'sending' OR (m.state = 'unknown' AND outcome IN ('sent', 'failed'))) THEN
        RETURN m.state;
    END IF;
    IF outcome = 'retry' AND m.state <> 'sending' THEN
        RETURN m.state;
    END IF;
    UPDATE outreach.sms_messages x
    SET state = CASE outcome WHEN 'retry' THEN 'failed' ELSE outcome END,
        provider = coalesce(complete_send.provider, x.provider),
        provider_message_id = coalesce(complete_send.provider_message_id, x.provider_message_id),
        error_code = complete_send.error_code, error_message = complete_send.error_message,
        request = coalesce(complete_send.request, x.request), sandbox = coalesce(complete_send.sandbox, false),
        completed_at = pg_catalog.now(), lease_until = NULL
    WHERE x.team_id = t AND x.sms_message_id = m.sms_message_id;
    IF m.queue_id IS NOT NULL THEN
        IF outcome = 'retry' THEN
            -- the provider certainly did not take it: the message waits and is claimed again
            UPDATE outreach.campaign_queue q
            SET state = 'queued', sms_message_id = NULL, updated_at = pg_catalog.now(),
                scheduled_at = greatest(q.scheduled_at, m.attempted_at + coalesce(retry_after, interval '1 minute'))
            WHERE q.team_id = t AND q.queue_id = m.queue_id;
            INSERT INTO outreach.scheduled_events (team_id, campaign_id, queue_id, lead_id, step, kind, scheduled_at, reasons)
            SELECT t, q.campaign_id, q.queue_id, q.lead_id, q.step, 'rescheduled', q.scheduled_at,
                   ARRAY['provider_retry' || coalesce(':' || complete_send.error_code, '')]
            FROM outreach.campaign_queue q WHERE q.team_id = t AND q.queue_id = m.queue_id;
        ELSE
            UPDATE outreach.campaign_queue q SET state = outcome, updated_at = pg_catalog.now()
            WHERE q.team_id = t AND q.queue_id = m.queue_id;
        END IF;
    END IF;
    -- Twilio 21610 / SignalHouse OUT: the recipient unsubscribed at that sender; honour it everywhere
    IF outcome = 'failed' AND (complete_send.error_code = '21610'
                               OR (coalesce(complete_send.provider, m.provider) = 'signalhouse' AND complete_send.error_code = 'OUT')) THEN
        PERFORM outreach.record_consent(t, m.to_phone, 'opt_out',
                                        CASE WHEN complete_send.error_code = '21610' THEN 'carrier_21610' ELSE 'provider_opt_out' END,
                                        jsonb_build_object('provider', coalesce(complete_send.provider, m.provider),
                                                           'sms_message_id', m.sms_message_id, 'error_message', complete_send.error_message));
    END IF;
    -- delivery callbacks that arrived before the provider's id was known apply now
    IF complete_send.provider_message_id IS NOT NULL THEN
        PERFORM outreach.apply_webhook(w.team_id, w.webhook_id)
        FROM outreach.webhook_events w
        WHERE w.team_id = t AND w.state = 'received' AND w.message_ref = complete_send.provider_message_id;
    END IF;
    RETURN CASE outcome WHEN 'retry' THEN 'queued' ELSE outcome END;
END
$fn$;
COMMENT ON FUNCTION outreach.complete_send(text, bigint, text, text, text, text, text, jsonb, boolean, interval) IS
    'For outreachd: what the provider said about a text in state sending. sent (with provider_message_id), failed (refused; '
    'Twilio 21610 also records an opt-out), retry (certainly not processed, e.g. HTTP 429: the queue row waits retry_after and '
    'is claimed again), unknown (it may have left: never re-sent automatically). Returns the resulting state.';

CREATE FUNCTION outreach.reap_stale_sends(at timestamptz DEFAULT pg_catalog.now(), only_team text DEFAULT NULL) RETURNS bigint
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
    )
    SELECT (SELECT count(*) FROM stale) + 0 * (SELECT count(*) FROM requeued) + 0 * (SELECT count(*) FROM queue)
$fn$;
COMMENT ON FUNCTION outreach.reap_stale_sends(timestamptz, text) IS
    'For outreachd: texts a dead worker claimed but never started go back to the queue (they certainly never left); texts '
    'left in state sending past their lease become unknown: they may have been sent, so they are never sent again '
    'automatically. Returns how many became unknown.';

CREATE FUNCTION outreach.reconcile_unknown_sends(team_id text)
    RETURNS TABLE (sms_message_id bigint, lead_id bigint, campaign_id bigint, step integer, to_phone text, provider text,
                   attempted_at timestamptz, body text, error_message text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
    PERFORM outreach.check_team(reconcile_unknown_sends.team_id);
    RETURN QUERY
    SELECT m.sms_message_id, m.lead_id, m.campaign_id, m.step, m.to_phone, m.provider, m.attempted_at, m.body, m.error_message
    FROM outreach.sms_messages m
    WHERE m.team_id = reconcile_unknown_sends.team_id AND m.state = 'unknown'
    ORDER BY m.attempted_at, m.sms_message_id;
END
$fn$;
COMMENT ON FUNCTION outreach.reconcile_unknown_sends(text) IS
    'Texts whose outcome is unknown (a timeout or a crash after the request may have left): check them in the provider''s '
    'logs and record the answer with outreach.resolve_unknown_send. They are never re-sent automatically.';

CREATE FUNCTION outreach.resolve_unknown_send(team_id text, sms_message_id bigint, was_sent boolean,
                                              provider_message_id text DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    m outreach.sms_messages;
BEGIN
    PERFORM outreach.check_team(resolve_unknown_send.team_id);
    SELECT * INTO m FROM outreach.sms_messages x
    WHERE x.team_id = resolve_unknown_send.team_id AND x.sms_message_id = resolve_unknown_send.sms_message_id FOR UPDATE;
    IF NOT FOUND OR m.state <> 'unknown' THEN
        RAISE EXCEPTION 'team "%" has no text % of unknown outcome', resolve_unknown_send.team_id, resolve_unknown_send.sms_message_id
            USING ERRCODE = 'undefined_object';
    END IF;
    IF was_sent IS NULL THEN
        RAISE EXCEPTION 'was_sent must be true or false' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN outreach.complete_send(m.team_id, m.sms_message_id, CASE WHEN was_sent THEN 'sent' ELSE 'failed' END, NULL,
                                  resolve_unknown_send.provider_message_id, CASE WHEN NOT was_sent THEN 'not_sent' END,
                                  'resolved by ' || current_user);
END
$fn$;
COMMENT ON FUNCTION outreach.resolve_unknown_send(text, bigint, boolean, text) IS
    'Records what the provider''s logs say about a text of unknown outcome: sent (optionally with its provider id) or not sent '
    '(failed; prepare the campaign again to queue it anew).';

-- ---- delivery callbacks ----------------------------------------------------------------------------
CREATE TABLE outreach.webhook_events (
    team_id         text NOT NULL,
    webhook_id      bigint GENERATED BY DEFAULT AS IDENTITY,
    provider        text NOT NULL CHECK (provider IN ('twilio', 'signalhouse')),
    kind            text NOT NULL CHECK (kind IN ('status', 'inbound')),
    event_key       text NOT NULL,
    message_ref     text,
    headers         jsonb NOT NULL DEFAULT '{}'::jsonb,
    body            text NOT NULL,
    params          jsonb NOT NULL DEFAULT '{}'::jsonb,
    signature_valid boolean NOT NULL,
    state           text NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'applied', 'ignored', 'rejected')),
    outcome         text,
    received_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    applied_at      timestamptz,
    PRIMARY KEY (team_id, webhook_id),
    CHECK (signature_valid OR state = 'rejected')
);
-- the same event twice is one event; a forged copy (bad signature) never takes a real event's key
CREATE UNIQUE INDEX webhook_events_once ON outreach.webhook_events (team_id, provider, kind, event_key) WHERE signature_valid;
CREATE INDEX webhook_events_message ON outreach.webhook_events (team_id, message_ref) WHERE state = 'received';
COMMENT ON TABLE outreach.webhook_events IS
    'Every webhook request outreachd received, stored raw before anything else (headers without secrets, the body as sent, '
    'the parsed parameters): a bad signature is stored as rejected; a valid one once per event key (SignalHouse''s '
    'X-SignalHouse-Delivery-Id; Twilio''s MessageSid and MessageStatus), then applied to its message by outreach.apply_webhook.';
COMMENT ON COLUMN outreach.webhook_events.message_ref IS 'The provider''s message id the event is about.';

CREATE FUNCTION outreach.record_webhook(team_id text, provider text, kind text, event_key text, message_ref text,
                                        headers jsonb, body text, params jsonb, signature_valid boolean)
    RETURNS TABLE (webhook_id bigint, duplicate boolean, state text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    id bigint;
BEGIN
    INSERT INTO outreach.webhook_events AS w (team_id, provider, kind, event_key, message_ref, headers, body, params, signature_valid, state)
    VALUES (record_webhook.team_id, record_webhook.provider, record_webhook.kind, record_webhook.event_key, record_webhook.message_ref,
            coalesce(record_webhook.headers, '{}'), record_webhook.body, coalesce(record_webhook.params, '{}'),
            record_webhook.signature_valid, CASE WHEN record_webhook.signature_valid THEN 'received' ELSE 'rejected' END)
    ON CONFLICT (team_id, provider, kind, event_key) WHERE signature_valid DO NOTHING
    RETURNING w.webhook_id INTO id;
    IF id IS NOT NULL THEN
        IF record_webhook.signature_valid AND record_webhook.kind = 'status' THEN
            PERFORM outreach.apply_webhook(record_webhook.team_id, id);
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
    'For outreachd: stores a webhook request raw, once per event (a repeat returns duplicate = true and changes nothing), and '
    'applies a valid delivery-status event to its message. A request with a bad signature is stored as rejected.';

-- The provider's status words, as our states (sent < delivered | undelivered | failed).
CREATE FUNCTION outreach.provider_status(provider text, status text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN provider = 'twilio' THEN CASE lower(status)
        WHEN 'sent' THEN 'sent' WHEN 'delivered' THEN 'delivered' WHEN 'read' THEN 'delivered'
        WHEN 'undelivered' THEN 'undelivered' WHEN 'failed' THEN 'failed' WHEN 'canceled' THEN 'failed' END
    WHEN provider = 'signalhouse' THEN CASE upper(status)
        WHEN 'SENT' THEN 'sent' WHEN 'DELIVERED' THEN 'delivered' WHEN 'MESSAGE_DELIVERED' THEN 'delivered'
        WHEN 'FAILED' THEN 'failed' WHEN 'MESSAGE_FAILED' THEN 'failed' WHEN 'SMS_FAILED' THEN 'failed'
        WHEN 'UNDELIVERED' THEN 'undelivered' END
END;
COMMENT ON FUNCTION outreach.provider_status(text, text) IS
    'A provider''s delivery status as our state (sent, delivered, undelivered, failed), or NULL for in-flight words such as '
    'queued, accepted, ENQUEUED.';

CREATE FUNCTION outreach.apply_webhook(team_id text, webhook_id bigint) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    w outreach.webhook_events;
    m outreach.sms_messages;
    status text;
    new_state text;
    code text;
    rank_of constant jsonb := '{"claimed": 0, "sending": 0, "unknown": 0, "sent": 1, "delivered": 2, "undelivered": 2, "failed": 2}';
BEGIN
    SELECT * INTO w FROM outreach.webhook_events x WHERE x.team_id = apply_webhook.team_id AND x.webhook_id = apply_webhook.webhook_id FOR UPDATE;
    IF NOT FOUND OR w.state <> 'received' THEN
        RETURN w.state;
    END IF;
    status := coalesce(w.params ->> 'MessageStatus', w.params ->> 'status', w.params ->> 'event');
    code := coalesce(w.params ->> 'ErrorCode', w.params ->> 'errorCode');
    new_state := outreach.provider_status(w.provider, status);
    SELECT * INTO m FROM outreach.sms_messages x
    WHERE x.team_id = w.team_id AND x.provider_message_id = w.message_ref FOR UPDATE;
    IF NOT FOUND THEN
        -- the provider may answer our request after its callback arrives: it stays received, and
        -- complete_send applies it once the id is known
        RETURN 'received';
    END IF;
    IF new_state IS NULL OR (rank_of ->> new_state)::int <= (rank_of ->> m.state)::int THEN
        UPDATE outreach.webhook_events x SET state = 'ignored', applied_at = pg_catalog.now(),
            outcome = format('status %s leaves text %s %s', coalesce(status, '(none)'), m.sms_message_id, m.state)
        WHERE x.team_id = w.team_id AND x.webhook_id = w.webhook_id;
        RETURN 'ignored';
    END IF;
    UPDATE outreach.sms_messages x SET state = new_state, error_code = coalesce(code, x.error_code), completed_at = pg_catalog.now(),
        lease_until = NULL
    WHERE x.team_id = m.team_id AND x.sms_message_id = m.sms_message_id;
    IF m.queue_id IS NOT NULL THEN
        UPDATE outreach.campaign_queue q SET state = CASE WHEN new_state IN ('sent', 'delivered') THEN 'sent' ELSE 'failed' END,
            updated_at = pg_catalog.now()
        WHERE q.team_id = m.team_id AND q.queue_id = m.queue_id;
    END IF;
    IF code = '21610' THEN
        PERFORM outreach.record_consent(m.team_id, m.to_phone, 'opt_out', 'carrier_21610',
                                        jsonb_build_object('provider', w.provider, 'webhook_id', w.webhook_id));
    END IF;
    UPDATE outreach.webhook_events x SET state = 'applied', applied_at = pg_catalog.now(),
        outcome = format('text %s %s -> %s', m.sms_message_id, m.state, new_state)
    WHERE x.team_id = w.team_id AND x.webhook_id = w.webhook_id;
    RETURN 'applied';
END
$fn$;
COMMENT ON FUNCTION outreach.apply_webhook(text, bigint) IS
    'Applies a stored delivery-status event to its text, forward only (sending/unknown -> sent -> delivered, undelivered or '
    'failed): a late or repeated status is ignored, with the reason. An event for a text whose provider id is not known yet '
    'stays received until outreach.complete_send records the id.';

-- ---- access ----------------------------------------------------------------------------------------
SELECT outreach.secure_tenant_tables(ARRAY['messaging_settings', 'webhook_events']);
GRANT SELECT, INSERT, UPDATE, DELETE ON outreach.messaging_settings TO outreach_admin;
GRANT SELECT ON outreach.webhook_events TO outreach_admin;
REVOKE ALL ON FUNCTION outreach.claim_sends(text, integer, interval, timestamptz, text),
    outreach.start_send(text, bigint, timestamptz),
    outreach.complete_send(text, bigint, text, text, text, text, text, jsonb, boolean, interval),
    outreach.reap_stale_sends(timestamptz, text),
    outreach.record_webhook(text, text, text, text, text, jsonb, text, jsonb, boolean),
    outreach.apply_webhook(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outreach.claim_sends(text, integer, interval, timestamptz, text),
    outreach.start_send(text, bigint, timestamptz),
    outreach.complete_send(text, bigint, text, text, text, text, text, jsonb, boolean, interval),
    outreach.reap_stale_sends(timestamptz, text),
    outreach.record_webhook(text, text, text, text, text, jsonb, text, jsonb, boolean),
    outreach.apply_webhook(text, bigint) TO outreach_worker;
GRANT EXECUTE ON FUNCTION outreach.resolve_unknown_send(text, bigint, boolean, text) TO outreach_admin;
REVOKE EXECUTE ON FUNCTION outreach.resolve_unknown_send(text, bigint, boolean, text) FROM PUBLIC;
INSERT INTO outreach.messaging_settings (team_id) SELECT t.team_id FROM outreach.teams t ON CONFLICT DO NOTHING;

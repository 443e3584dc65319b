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

#!/usr/bin/env bash
# Integration tests of `outreachd run` against a real PostgreSQL with pg_outreach installed and
# loopback stand-ins that speak Twilio's and SignalHouse's wire formats (provider_standin.py, which
# also validates every Twilio request against the OpenAPI spec). Real processes, real HTTP.
# Needs PGHOST/PGPORT/PGUSER (scripts/test.sh starts the cluster) and the path of outreachd as $1.
# Prints one line per check and "N passed, N failed".
set -uo pipefail
OUTREACHD=${1:?usage: send.sh PATH/TO/outreachd}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/scripts/lib.sh"   # forge_signature
SPEC=${OUTREACH_TWILIO_SPEC:-$ROOT/test/integration/specs/twilio_api_v2010_messages_only.json}
TMP=$(mktemp -d)
# the interpreter itself, not a launcher shim: $! must be the stand-in's own pid
PY=$(python3 -c 'import sys; print(sys.executable)')
DB=outreach_it_send
export PGDATABASE=$DB
pass=0
fail=0
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'; }
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want: $2"$'\n'"got:  $3"; fi; }
q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

SID=AC0123456789abcdef0123456789abcdef
TOKEN=twilio-test-token
SHKEY=signalhouse-test-key
SHSECRET=signalhouse-test-secret

# ---- the stand-in ------------------------------------------------------------------------------------
"$PY" "$ROOT/test/integration/provider_standin.py" --port 0 --twilio-spec "$SPEC" --twilio-sid "$SID" --twilio-token "$TOKEN" \
    --signalhouse-key "$SHKEY" --log "$TMP/provider.log" --hang-seconds 5 >"$TMP/standin.out" 2>"$TMP/standin.err" &
pids+=($!)
for _ in $(seq 50); do grep -q LISTENING "$TMP/standin.out" 2>/dev/null && break; sleep 0.1; done
SP=$(awk '/LISTENING/ {print $2}' "$TMP/standin.out")
[ -n "$SP" ] || { echo "FAIL the provider stand-in did not start"; cat "$TMP/standin.err"; echo "0 passed, 1 failed"; exit 1; }
STANDIN=http://127.0.0.1:$SP
control() { curl -s -X POST -H 'Content-Type: application/json' -d "$1" "$STANDIN/_control" >/dev/null; }
requests() { python3 -c 'import sys, json; print(sum(1 for l in open(sys.argv[1]) if l.strip()))' "$TMP/provider.log" 2>/dev/null || echo 0; }

# ---- the database: leads, permissive hours for a test team, a campaign due now -----------------
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null 2>&1
q "CREATE EXTENSION pg_outreach CASCADE" >/dev/null 2>&1
q "INSERT INTO outreach.teams (team_id, name) VALUES ('snd', 'Sending')" >/dev/null
q "SELECT rows_imported FROM outreach.import_csv('snd', convert_to('companyName,ownerFirstName,ownerLastName,phone,street,city,state,zip
Deli One,Amy,Ames,(212) 555-0151,1 Main St,New York,NY,10001
Deli Two,Bo,Burns,(212) 555-0152,2 Main St,New York,NY,10001
Deli Three,Cy,Cruz,(212) 555-0153,3 Main St,New York,NY,10001
Deli Four,Di,Dunn,(212) 555-0154,4 Main St,New York,NY,10001
Deli Five,Ed,Ellis,(212) 555-0155,5 Main St,New York,NY,10001
Deli Six,Flo,Fong,(212) 555-0156,6 Main St,New York,NY,10001', 'UTF8'))" >/dev/null
# the test may run at any hour: this team's rules allow every hour (the gate itself is tested in pg_regress)
q "UPDATE outreach.quiet_hour_rules SET start_local = '00:00', end_local = '23:59:59', days = NULL WHERE team_id = 'snd'" >/dev/null
q "UPDATE outreach.messaging_settings SET signalhouse_sender = '12125550100', twilio_from = '+12125550101' WHERE team_id = 'snd'" >/dev/null
q "INSERT INTO outreach.templates (team_id, name, body) VALUES ('snd', 'hi', 'Hi {{firstName|there}}! Reply STOP to opt out.')" >/dev/null
# campaign N over the leads named, due at once
campaign() {
    q "INSERT INTO outreach.campaigns (team_id, campaign_id, name, criteria, send_window_start, send_window_end, preferred_days, min_spacing, per_minute_cap)
       VALUES ('snd', $1, 'c$1', '{\"tags\": [\"c$1\"]}', '00:00', '23:59:59', '{1,2,3,4,5,6,7}', '0', 100000)" >/dev/null
    q "INSERT INTO outreach.campaign_sequences (team_id, campaign_id, step, template_name) VALUES ('snd', $1, 1, 'hi')" >/dev/null
    q "UPDATE outreach.leads l SET tags = l.tags || 'c$1'::text FROM outreach.personas p
       WHERE l.team_id = 'snd' AND p.team_id = l.team_id AND p.persona_id = l.persona_id AND p.first_name = ANY (string_to_array('$2', ','))" >/dev/null
    q "SELECT messages_queued FROM outreach.prepare_campaign('snd', $1, now() - interval '1 minute')"
}
state_of() { q "SELECT m.state || coalesce(':' || m.error_code, '') FROM outreach.sms_messages m JOIN outreach.personas p ON p.team_id = m.team_id
               JOIN outreach.leads l ON l.team_id = m.team_id AND l.lead_id = m.lead_id AND p.persona_id = l.persona_id
               WHERE m.team_id = 'snd' AND m.campaign_id = $1 AND p.first_name = '$2' ORDER BY m.sms_message_id"; }
run_once() { env OUTREACH_HTTP_LISTEN=127.0.0.1:0 "$@" "$OUTREACHD" run --once >>"$TMP/daemon.log" 2>&1; }
live() { run_once OUTREACH_SIGNALHOUSE_BASE_URL="$STANDIN" OUTREACH_SIGNALHOUSE_API_KEY="$SHKEY" OUTREACH_TWILIO_BASE_URL="$STANDIN" \
                   OUTREACH_TWILIO_ACCOUNT_SID="$SID" OUTREACH_TWILIO_AUTH_TOKEN="$TOKEN" OUTREACH_CONNECT_TIMEOUT_MS=1000 \
                   OUTREACH_HTTP_TIMEOUT_MS=2000 "$@"; }

# 1. Sandbox: no credentials, so nothing touches the network, and every text is recorded as it would have gone.
expect "campaign 1 queued" 2 "$(campaign 1 Amy,Bo)"
run_once OUTREACH_SIGNALHOUSE_BASE_URL="$STANDIN" OUTREACH_TWILIO_BASE_URL="$STANDIN"
expect "sandbox run exits 0" 0 $?
expect "sandbox texts are sent, marked sandbox" "sent|t|2" "$(q "SELECT state, sandbox, count(*) FROM outreach.sms_messages WHERE campaign_id = 1 GROUP BY 1, 2")"
expect "sandbox touched no network" 0 "$(requests)"
expect "sandbox records the request it would have made" "12125550151" \
    "$(q "SELECT request -> 'body' -> 'recipientPhoneNumber' ->> 0 FROM outreach.sms_messages m JOIN outreach.leads l USING (team_id, lead_id)
          WHERE m.campaign_id = 1 ORDER BY m.sms_message_id LIMIT 1")"
expect "the log names the masked number only" 0 "$(grep -c '12125550151' "$TMP/daemon.log")"

# 2. Live SignalHouse: the exact wire format, acceptance by enqueuedCount, the provider's id kept.
expect "campaign 2 queued" 2 "$(campaign 2 Amy,Bo)"
live
expect "live run exits 0" 0 $?
expect "two requests reached SignalHouse" 2 "$(requests)"
expect "both accepted and recorded with SignalHouse ids" "sent|2|2" \
    "$(q "SELECT state, count(*), count(provider_message_id) FROM outreach.sms_messages WHERE campaign_id = 2 GROUP BY 1")"
expect "requests were valid for the stand-in" "True" \
    "$(python3 -c 'import sys, json; print(all(json.loads(l)["valid"] for l in open(sys.argv[1]) if l.strip()))' "$TMP/provider.log")"
# the window's two requests go at once: the stand-in logs them in either order
expect "recipient as digits in recipientPhoneNumber[]" "[['12125550151'], ['12125550152']]" \
    "$(python3 -c 'import sys, json; print(sorted(json.loads(l)["body"]["recipientPhoneNumber"] for l in open(sys.argv[1]) if l.strip()))' "$TMP/provider.log")"
expect "Authorization never logged by us" 0 "$(grep -ci "$SHKEY" "$TMP/daemon.log")"

# 3. Twilio as the team's provider: form body with Basic auth, validated against the OpenAPI spec;
#    21610 (the recipient unsubscribed) fails the text and suppresses the number.
q "UPDATE outreach.messaging_settings SET primary_provider = 'twilio', backup_provider = 'signalhouse' WHERE team_id = 'snd'" >/dev/null
expect "campaign 3 queued" 2 "$(campaign 3 Cy,Di)"
control '{"provider": "twilio", "mode": "unsubscribed", "count": 1}'
before=$(requests)
live
expect "two requests reached Twilio" $((before + 2)) "$(requests)"
expect "every Twilio request matched the OpenAPI spec" "True" \
    "$(python3 -c 'import sys, json; print(all(e["valid"] for e in map(json.loads, open(sys.argv[1])) if e["provider"] == "twilio"))' "$TMP/provider.log")"
expect "21610 fails the text" "failed:21610" "$(state_of 3 Cy)"
expect "21610 suppresses the number" "carrier_21610" "$(q "SELECT source FROM outreach.suppression_list WHERE phone = '+12125550153'")"
expect "the other text went out with a Twilio SM id" "sent" "$(state_of 3 Di)"
expect "Twilio ids look like SM + 32 hex" 1 "$(q "SELECT count(*) FROM outreach.sms_messages WHERE campaign_id = 3 AND provider_message_id ~ '^SM[0-9a-f]{32}$'")"

# 4. HTTP 429 was not processed: the message waits (Retry-After) and goes out on a later claim.
q "UPDATE outreach.messaging_settings SET primary_provider = 'signalhouse', backup_provider = 'twilio' WHERE team_id = 'snd'" >/dev/null
expect "campaign 4 queued" 1 "$(campaign 4 Ed)"
control '{"provider": "signalhouse", "mode": "rate_limit", "count": 1}'
live
expect "429 leaves the text queued for a retry" "failed:429" "$(state_of 4 Ed)"
expect "and the queue row waits" "queued" "$(q "SELECT state FROM outreach.campaign_queue WHERE campaign_id = 4")"
sleep 1.5
live
expect "the retry went out" "failed:429 sent" "$(state_of 4 Ed | tr '\n' ' ' | sed 's/ $//')"

# 5. The connection closes after the request was read: it may have been sent. unknown, never re-sent.
expect "campaign 5 queued" 1 "$(campaign 5 Flo)"
control '{"provider": "signalhouse", "mode": "close", "count": 1}'
before=$(requests)
live
expect "a dropped connection is unknown" "unknown:transport" "$(state_of 5 Flo)"
live
expect "an unknown text is not sent again" $((before + 1)) "$(requests)"
expect "it is listed for reconciliation" 1 "$(q "SELECT count(*) FROM outreach.reconcile_unknown_sends('snd')")"

# 6. The primary cannot be reached at all: the request never left, so the backup sends it.
expect "campaign 6 queued" 1 "$(campaign 6 Amy)"
before=$(requests)
live OUTREACH_SIGNALHOUSE_BASE_URL="http://127.0.0.1:$(free_port)"
expect "the backup provider (Twilio) sent it" "twilio:sent" \
    "$(q "SELECT provider || ':' || state FROM outreach.sms_messages WHERE campaign_id = 6")"

# 6b. ... but a backup without credentials would only pretend (sandbox): the text waits for the primary.
expect "campaign 60 queued" 1 "$(campaign 60 Di)"
run_once OUTREACH_SIGNALHOUSE_BASE_URL="http://127.0.0.1:$(free_port)" OUTREACH_SIGNALHOUSE_API_KEY="$SHKEY" \
    OUTREACH_TWILIO_BASE_URL="$STANDIN" OUTREACH_CONNECT_TIMEOUT_MS=1000 OUTREACH_HTTP_TIMEOUT_MS=2000
expect "no sandbox backup for a live primary: nothing recorded as sent" "failed:unreachable" "$(state_of 60 Di)"
expect "the message waits in the queue" "queued" "$(q "SELECT state FROM outreach.campaign_queue WHERE campaign_id = 60")"
expect "the log says why there was no fallback" 1 "$(grep -c 'fallback="none: twilio runs in sandbox mode"' "$TMP/daemon.log")"

# 7. A provider that hangs past the timeout: unknown, not retried.
expect "campaign 7 queued" 1 "$(campaign 7 Bo)"
control '{"provider": "signalhouse", "mode": "hang", "count": 1}'
live
expect "a timed-out request is unknown" "unknown:transport" "$(state_of 7 Bo)"

# 8. The long-running daemon: health, metrics, webhooks with signatures, SIGHUP, SIGTERM.
HP=$(free_port)
cat >"$TMP/outreachd.conf" <<CONF
OUTREACH_HTTP_LISTEN=127.0.0.1:$HP
OUTREACH_PUBLIC_URL=http://127.0.0.1:$HP
OUTREACH_SIGNALHOUSE_BASE_URL=$STANDIN
OUTREACH_SIGNALHOUSE_API_KEY=$SHKEY
OUTREACH_SIGNALHOUSE_SIGNING_SECRET=$SHSECRET
OUTREACH_TWILIO_BASE_URL=$STANDIN
OUTREACH_TWILIO_ACCOUNT_SID=$SID
OUTREACH_TWILIO_AUTH_TOKEN=$TOKEN
OUTREACH_POLL_MS=200
CONF
"$OUTREACHD" run --config "$TMP/outreachd.conf" >>"$TMP/daemon.log" 2>&1 &
DPID=$!
pids+=($DPID)
for _ in $(seq 50); do curl -s "http://127.0.0.1:$HP/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
expect "/healthz answers ok" "ok" "$(curl -s "http://127.0.0.1:$HP/healthz")"
# new work is picked up by NOTIFY (or the poll) without a restart
expect "campaign 8 queued" 1 "$(campaign 8 Di)"
for _ in $(seq 50); do [ "$(state_of 8 Di)" = "sent" ] && break; sleep 0.1; done
expect "the running daemon sent new work" "sent" "$(state_of 8 Di)"
expect "/metrics counts sends" 1 "$(curl -s "http://127.0.0.1:$HP/metrics" | grep -c '^outreach_sends_total{outcome="sent",provider="signalhouse"}')"
MID=$(q "SELECT provider_message_id FROM outreach.sms_messages WHERE campaign_id = 8")
sh_post() {  # sh_post DELIVERY_ID TIMESTAMP SIGNATURE BODY
    curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "X-SignalHouse-Delivery-Id: $1" \
        -H "X-SignalHouse-Timestamp: $2" ${3:+-H "X-SignalHouse-Signature: $3"} --data-binary "$4" "http://127.0.0.1:$HP/webhooks/signalhouse/snd"
}
NOW=$(($(date +%s) * 1000))
BODY="{\"messageId\": \"$MID\", \"status\": \"DELIVERED\"}"
SIG=$(python3 "$ROOT/test/integration/sign_webhook.py" signalhouse --secret "$SHSECRET" --timestamp "$NOW" --body "$BODY")
expect "a signed SignalHouse callback is accepted" 200 "$(sh_post d-1 "$NOW" "$SIG" "$BODY")"
expect "and applied to its text" "delivered" "$(state_of 8 Di)"
expect "the same delivery again is answered and not applied twice" "200 1" \
    "$(sh_post d-1 "$NOW" "$SIG" "$BODY") $(q "SELECT count(*) FROM outreach.webhook_events WHERE headers ->> 'X-SignalHouse-Delivery-Id' = 'd-1'")"
expect "a wrong signature gets 401" 401 "$(sh_post d-2 "$NOW" "$(forge_signature "$SIG")" "$BODY")"
expect "a missing signature gets 401" 401 "$(sh_post d-3 "$NOW" "" "$BODY")"
OLD=$((NOW - 3600 * 1000))
OLDSIG=$(python3 "$ROOT/test/integration/sign_webhook.py" signalhouse --secret "$SHSECRET" --timestamp "$OLD" --body "$BODY")
expect "a replayed (hour-old) signature gets 401" 401 "$(sh_post d-4 "$OLD" "$OLDSIG" "$BODY")"
expect "rejections are recorded" 3 "$(q "SELECT count(*) FROM outreach.webhook_events WHERE state = 'rejected' AND provider = 'signalhouse'")"
TW_MID=$(q "SELECT provider_message_id FROM outreach.sms_messages WHERE campaign_id = 3 AND state = 'sent'")
FORM="MessageSid=$TW_MID&MessageStatus=delivered&AccountSid=$SID&To=%2B12125550154"
TW_URL="http://127.0.0.1:$HP/webhooks/twilio/snd"
TW_SIG=$(python3 "$ROOT/test/integration/sign_webhook.py" twilio --token "$TOKEN" --url "$TW_URL" --form "$FORM")
tw_post() { curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/x-www-form-urlencoded' -H "X-Twilio-Signature: $1" --data "$FORM" "$TW_URL"; }
expect "a signed Twilio status callback is accepted" 200 "$(tw_post "$TW_SIG")"
expect "and applied" "delivered" "$(state_of 3 Di)"
expect "a Twilio callback with a wrong signature gets 401" 401 "$(tw_post "AAAA$TW_SIG")"
# SIGHUP with a broken file keeps the old configuration; the daemon keeps serving
echo "OUTREACH_BATCH=lots" >>"$TMP/outreachd.conf"
kill -HUP "$DPID"
sleep 0.5
expect "a bad reload is refused and logged" 1 "$(grep -c 'event=reload_rejected' "$TMP/daemon.log")"
expect "the daemon still serves after a bad reload" "ok" "$(curl -s "http://127.0.0.1:$HP/healthz")"
kill -TERM "$DPID"
wait "$DPID"
expect "SIGTERM stops it with status 0" 0 $?
expect "no secret reached the log" 0 "$(grep -c -e "$TOKEN" -e "$SHSECRET" -e "$SHKEY" "$TMP/daemon.log")"

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

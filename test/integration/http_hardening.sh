#!/usr/bin/env bash
# Integration tests of outreachd's HTTP side under hostile and unlucky clients (issue 11): a path
# that used to crash it, a flood of unsigned webhooks that used to fill the disk, requests for teams
# that do not exist, replays, credentials in headers, a body that is not UTF-8, a webhook stuck on a
# row lock, /metrics under the least-privilege worker role, and a bounded load and fuzz run (1,100
# slow connections, a greedy address, 300 malformed requests) while /healthz must keep answering.
# Real PostgreSQL, the real outreachd, real HTTP over loopback (test/integration/http_load.py).
# Needs PGHOST/PGPORT/PGUSER (scripts/test.sh starts the cluster) and the path of outreachd as $1.
# Prints one line per check and "N passed, N failed".
set -uo pipefail
OUTREACHD=${1:?usage: http_hardening.sh PATH/TO/outreachd}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LOAD=$ROOT/test/integration/http_load.py
SIGN=$ROOT/test/integration/sign_webhook.py
TMP=$(mktemp -d)
DB=outreach_it_http
WORKER_ROLE=outreach_it_http_worker
export PGDATABASE=$DB
pass=0
fail=0
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "DROP ROLE IF EXISTS $WORKER_ROLE" >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT

ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'; }
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want: $2"$'\n'"got:  $3"; fi; }
# check NAME PYTHON-EXPRESSION JSON: the expression over the parsed JSON `r` must hold
check() { if python3 -c 'import json, sys; r = json.loads(sys.argv[2]); sys.exit(0 if eval(sys.argv[1]) else 1)' "$2" "$3" 2>/dev/null;
          then ok "$1"; else bad "$1" "not true: $2"$'\n'"of:  $3"; fi; }
q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
now_ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }

SHSECRET=signalhouse-hardening-secret

# ---- the database: a team with two texts sent in sandbox mode (their ids take delivery callbacks) ----
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null 2>&1
q "CREATE EXTENSION pg_outreach CASCADE" >/dev/null 2>&1
q "INSERT INTO outreach.teams (team_id, name) VALUES ('hh', 'Hardening')" >/dev/null
q "SELECT rows_imported FROM outreach.import_csv('hh', convert_to('companyName,ownerFirstName,ownerLastName,phone,street,city,state,zip
Deli One,Amy,Ames,(212) 555-0161,1 Main St,New York,NY,10001
Deli Two,Bo,Burns,(212) 555-0162,2 Main St,New York,NY,10001', 'UTF8'))" >/dev/null
q "UPDATE outreach.quiet_hour_rules SET start_local = '00:00', end_local = '23:59:59', days = NULL WHERE team_id = 'hh'" >/dev/null
q "UPDATE outreach.messaging_settings SET signalhouse_sender = '12125550100' WHERE team_id = 'hh'" >/dev/null
q "INSERT INTO outreach.templates (team_id, name, body) VALUES ('hh', 'hi', 'Hi {{firstName|there}}! Reply STOP to opt out.')" >/dev/null
q "INSERT INTO outreach.campaigns (team_id, campaign_id, name, send_window_start, send_window_end, preferred_days, min_spacing, per_minute_cap)
   VALUES ('hh', 1, 'c1', '00:00', '23:59:59', '{1,2,3,4,5,6,7}', '0', 100000)" >/dev/null
q "INSERT INTO outreach.campaign_sequences (team_id, campaign_id, step, template_name) VALUES ('hh', 1, 1, 'hi')" >/dev/null
q "SELECT outreach.prepare_campaign('hh', 1, now() - interval '1 minute')" >/dev/null
env OUTREACH_HTTP_LISTEN=127.0.0.1:0 "$OUTREACHD" run --once >>"$TMP/daemon.log" 2>&1
expect "two sandbox texts to take callbacks" 2 "$(q "SELECT count(*) FROM outreach.sms_messages WHERE team_id = 'hh' AND provider_message_id LIKE 'sandbox-%'")"
MID1=$(q "SELECT provider_message_id FROM outreach.sms_messages WHERE team_id = 'hh' ORDER BY sms_message_id LIMIT 1")
MID2=$(q "SELECT provider_message_id FROM outreach.sms_messages WHERE team_id = 'hh' ORDER BY sms_message_id OFFSET 1 LIMIT 1")
text_state() { q "SELECT state FROM outreach.sms_messages WHERE team_id = 'hh' AND provider_message_id = '$1'"; }

# ---- the daemon ------------------------------------------------------------------------------------
HP=$(free_port)
BASE=http://127.0.0.1:$HP
cat >"$TMP/outreachd.conf" <<CONF
OUTREACH_HTTP_LISTEN=127.0.0.1:$HP
OUTREACH_PUBLIC_URL=$BASE
OUTREACH_SIGNALHOUSE_SIGNING_SECRET=$SHSECRET
OUTREACH_HTTP_REQUEST_DEADLINE_MS=4000
OUTREACH_POLL_MS=500
CONF
"$OUTREACHD" run --config "$TMP/outreachd.conf" >>"$TMP/daemon.log" 2>&1 &
DPID=$!
pids+=($DPID)
health() { curl -s -m 2 "$BASE/healthz"; }
for _ in $(seq 50); do [ "$(health)" = "ok" ] && break; sleep 0.1; done
expect "/healthz answers ok" "ok" "$(health)"
alive() { kill -0 "$DPID" 2>/dev/null && echo alive || echo dead; }
# sh_post DELIVERY TIMESTAMP SIGNATURE BODY-FILE [curl options...]: the HTTP status
sh_post() {
    local delivery=$1 ts=$2 sig=$3 file=$4
    shift 4
    curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "X-SignalHouse-Delivery-Id: $delivery" \
        -H "X-SignalHouse-Timestamp: $ts" -H "X-SignalHouse-Signature: $sig" --data-binary "@$file" "$@" "$BASE/webhooks/signalhouse/hh"
}
sign() { python3 "$SIGN" signalhouse --secret "$SHSECRET" --timestamp "$1" --body-file "$2"; }

# 1. The path that crashed outreachd (std::regex recursed once per character: SIGSEGV).
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$BASE/webhooks/twilio/$(head -c 27000 /dev/zero | tr '\0' a)")
expect "a 27,000-character path is refused with 414" 414 "$code"
expect "outreachd is still running" alive "$(alive)"
expect "and healthy" ok "$(health)"

# 2. A flood of unsigned webhooks for a real team: bounded rows and bytes, the rest 429 and counted.
size0=$(q "SELECT pg_total_relation_size('outreach.webhook_events')")
flood=$(python3 "$LOAD" flood --port "$HP" --path /webhooks/signalhouse/hh --count 100 --size 30000)
size1=$(q "SELECT pg_total_relation_size('outreach.webhook_events')")
check "100 bad signatures: a burst stored (401), the rest refused with 429" 'r["status"].get("401", 0) <= 15 and r["status"].get("429", 0) >= 85' "$flood"
check "the table grew by less than 1 MB (it grew 194 MB for 100 before)" "r < 1024 * 1024" "$((size1 - size0))"
expect "each stored rejection is bounded, with its reason, the body's digest and full length" "0" \
    "$(q "SELECT count(*) FROM outreach.webhook_events WHERE team_id = 'hh' AND NOT signature_valid
          AND NOT (reason = 'bad_signature' AND octet_length(body) <= 2048 AND body_length > 29000 AND body_sha256 ~ '^[0-9a-f]{64}$'
                   AND params = '{}' AND remote_addr = '127.0.0.1')")"
check "the refusals are counted in /metrics" 'r >= 85' \
    "$(curl -s -m 2 "$BASE/metrics" | awk '/^outreach_webhooks_total\{provider="signalhouse",result="rate_limited"\}/ {print int($2)}')"

# 3. A team that does not exist: 404, and nothing is stored.
flood=$(python3 "$LOAD" flood --port "$HP" --path /webhooks/signalhouse/no-such-team --count 50 --size 30000 --source 127.0.0.5)
check "50 requests for an unknown team all get 404" 'r["status"] == {"404": 50}' "$flood"
expect "and none is stored" 0 "$(q "SELECT count(*) FROM outreach.webhook_events WHERE team_id = 'no-such-team'")"

# 4. The same rejected request again and again is one row that counts them.
flood=$(python3 "$LOAD" flood --port "$HP" --path /webhooks/signalhouse/hh --count 5 --size 500 --source 127.0.0.6 --same)
check "five identical bad requests get 401" 'r["status"] == {"401": 5}' "$flood"
expect "and are one row with repeats = 5" "1|5" "$(q "SELECT count(*), max(repeats) FROM outreach.webhook_events WHERE remote_addr = '127.0.0.6'")"

# 5. Credentials in headers are never stored (accepted or rejected); the delivery id is.
printf '{"messageId": "%s", "status": "DELIVERED"}' "$MID1" >"$TMP/b1.json"
TS=$(now_ms)
SIG=$(sign "$TS" "$TMP/b1.json")
creds=(-H 'X-Api-Key: sekrit-1' -H 'Authorization: Bearer sekrit-2' -H 'Cookie: session=sekrit-3' -H 'X-Custom-Token: sekrit-4')
expect "a signed callback with credential headers is accepted" 200 "$(sh_post hh-d1 "$TS" "$SIG" "$TMP/b1.json" "${creds[@]}")"
expect "and applied" delivered "$(text_state "$MID1")"
expect "a forged one with credential headers gets 401" 401 "$(sh_post hh-d9 "$TS" "${SIG%?}0" "$TMP/b1.json" --interface 127.0.0.7 "${creds[@]}")"
expect "no stored header holds a credential" 0 "$(q "SELECT count(*) FROM outreach.webhook_events WHERE headers::text ~ 'sekrit'")"
expect "the delivery id is kept" hh-d1 \
    "$(q "SELECT headers ->> 'X-SignalHouse-Delivery-Id' FROM outreach.webhook_events WHERE team_id = 'hh' AND signature_valid")"

# 6. A replay within the 5 minutes with a new X-SignalHouse-Delivery-Id (not covered by the
#    signature) is the same event: answered, not stored again.
expect "the replay with a new delivery id is answered" 200 "$(sh_post hh-d2 "$TS" "$SIG" "$TMP/b1.json")"
expect "and is not a second event" 1 "$(q "SELECT count(*) FROM outreach.webhook_events WHERE team_id = 'hh' AND signature_valid")"

# 7. A body that is not UTF-8: a clear 400, stored as a rejection with the bytes escaped.
printf '{"messageId": "%s", "status": "FAILED", "note": "caf\xe9"}' "$MID2" >"$TMP/b2.json"
TS=$(now_ms)
expect "a signed body with invalid UTF-8 gets 400" 400 "$(sh_post hh-d3 "$TS" "$(sign "$TS" "$TMP/b2.json")" "$TMP/b2.json" --interface 127.0.0.8)"
expect "and is stored as rejected: invalid_utf8, the byte written as \\xe9" 'invalid_utf8|t' \
    "$(q "SELECT reason, body LIKE '%caf\\\\xe9%' FROM outreach.webhook_events WHERE remote_addr = '127.0.0.8'")"
expect "the text was not touched" sent "$(text_state "$MID2")"

# 8. A webhook waiting on a row lock holds one webhook connection, not /healthz nor /metrics.
printf '{"messageId": "%s", "status": "DELIVERED"}' "$MID2" >"$TMP/b3.json"
psql -X -q -c "BEGIN" -c "SELECT 1 FROM outreach.sms_messages WHERE team_id = 'hh' AND provider_message_id = '$MID2' FOR UPDATE" \
    -c "SELECT pg_sleep(5)" -c "COMMIT" >/dev/null 2>&1 &
LOCKER=$!
sleep 0.5
TS=$(now_ms)
SIG3=$(sign "$TS" "$TMP/b3.json")
(sh_post hh-d4 "$TS" "$SIG3" "$TMP/b3.json" >"$TMP/locked.code") &
WH=$!
sleep 0.5
timings=""
for _ in 1 2 3; do
    timings+="$(curl -s -m 3 -o /dev/null -w '%{http_code}:%{time_total} ' "$BASE/healthz")"
    timings+="$(curl -s -m 3 -o /dev/null -w '%{http_code}:%{time_total} ' "$BASE/metrics")"
    sleep 0.3
done
check "/healthz and /metrics answer within a second while a webhook waits on a lock" \
    'all(t.split(":")[0] == "200" and float(t.split(":")[1]) < 1.0 for t in r.split())' "\"$timings\""
wait "$WH"
expect "the locked webhook gives up after lock_timeout with 503 (the provider retries)" 503 "$(cat "$TMP/locked.code")"
wait "$LOCKER"
expect "the retry after the lock is gone is applied" "200 delivered" "$(sh_post hh-d4 "$TS" "$SIG3" "$TMP/b3.json") $(text_state "$MID2")"

# 9. /metrics under the least-privilege worker role (it cannot read campaign_queue).
psql -X -q -d postgres -c "DROP ROLE IF EXISTS $WORKER_ROLE" -c "CREATE ROLE $WORKER_ROLE LOGIN IN ROLE outreach_worker" >/dev/null 2>&1
WP=$(free_port)
PGUSER=$WORKER_ROLE OUTREACH_HTTP_LISTEN=127.0.0.1:$WP OUTREACH_SIGNALHOUSE_SIGNING_SECRET=$SHSECRET OUTREACH_POLL_MS=500 \
    "$OUTREACHD" run >>"$TMP/worker.log" 2>&1 &
WPID=$!
pids+=($WPID)
for _ in $(seq 50); do [ "$(curl -s -m 2 "http://127.0.0.1:$WP/healthz")" = "ok" ] && break; sleep 0.1; done
metrics=$(curl -s -m 3 -w '\nstatus %{http_code}' "http://127.0.0.1:$WP/metrics")
expect "/metrics answers 200 as outreach_worker" "status 200" "$(printf '%s' "$metrics" | tail -1)"
expect "with the queue gauges" 3 "$(printf '%s\n' "$metrics" | grep -cE '^outreach_(queue_due|queue_depth|unknown_sends) [0-9]+$')"
printf '{"messageId": "sandbox-unknown-1", "status": "SENT"}' >"$TMP/b4.json"
TS=$(now_ms)
expect "a signed webhook is stored through the worker role" 200 \
    "$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST -H "X-SignalHouse-Timestamp: $TS" -H "X-SignalHouse-Signature: $(sign "$TS" "$TMP/b4.json")" \
        --data-binary "@$TMP/b4.json" "http://127.0.0.1:$WP/webhooks/signalhouse/hh")"
kill -TERM "$WPID"
wait "$WPID" 2>/dev/null

# 10. Load and fuzz: 1,100 slow connections (a header byte a second) from 22 addresses, an address
#     that wants 100, and 300 random, oversized and malformed requests, while /healthz is polled.
load=$(python3 "$LOAD" load --port "$HP" --team hh --slow 1100 --slow-sources 22 --greedy 100 --burst 300 --seconds 8)
echo "     load: $load"
check "/healthz answered every poll with ok, each within 2 s" \
    'r["health_polls"] >= 20 and r["health_ok"] == r["health_polls"] and r["health_slowest"] < 2.0' "$load"
check "the slow connections were held, then cut at the 4 s deadline" \
    'r["slow_cut"] >= 0.95 * r["slow"] and r["slow_cut_earliest"] >= 3.5 and r["slow_cut_latest"] < 7.5' "$load"
check "one address gets at most 64 connections" 'r["greedy_refused"] >= 30' "$load"
check "every malformed request was answered or closed within 6 s" 'r["burst_answered_or_closed"] == r["burst"] == 300' "$load"
expect "outreachd survived it" alive "$(alive)"
expect "and is healthy" ok "$(health)"
expect "rejections stayed bounded through it all" t \
    "$(q "SELECT count(*) <= 60 AND coalesce(max(octet_length(body)), 0) <= 2048 FROM outreach.webhook_events WHERE NOT signature_valid")"

# 11. A token pasted into the wrong setting is refused on reload without reaching the log.
echo "OUTREACH_BATCH=tok-in-the-wrong-place-123" >>"$TMP/outreachd.conf"
kill -HUP "$DPID"
sleep 0.5
expect "the bad reload is refused, naming the setting" 1 "$(grep -c 'event=reload_rejected.*OUTREACH_BATCH' "$TMP/daemon.log")"
expect "the value is not in the log" 0 "$(grep -c 'tok-in-the-wrong-place' "$TMP/daemon.log")"
kill -TERM "$DPID"
wait "$DPID"
expect "SIGTERM stops it with status 0" 0 $?
expect "no secret reached the logs" 0 "$(cat "$TMP/daemon.log" "$TMP/worker.log" | grep -c -e "$SHSECRET" -e sekrit)"

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# Integration tests of outreachd's HTTP side under hostile and unlucky clients (issue 11): a path
# that used to crash it, a flood of unsigned webhooks that used to fill the disk, requests for teams
# that do not exist, replays, credentials in headers, a body that is not UTF-8, a webhook whose text
# is locked (stored and answered, applied later), scrapes that wait, a hostile signed timestamp,
# /metrics under the least-privilege worker role, and a bounded load and fuzz run (1,100
# slow connections, a greedy address, 300 malformed requests) while /healthz must keep answering.
# Real PostgreSQL, the real outreachd, real HTTP over loopback (test/integration/http_load.py).
# Needs PGHOST/PGPORT/PGUSER (scripts/test.sh starts the cluster) and the path of outreachd as $1.
# Prints one line per check and "N passed, N failed".
set -uo pipefail
OUTREACHD=${1:?usage: http_hardening.sh PATH/TO/outreachd}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/scripts/lib.sh"   # forge_signature
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
expect "a forged one with credential headers gets 401" 401 "$(sh_post hh-d9 "$TS" "$(forge_signature "$SIG")" "$TMP/b1.json" --interface 127.0.0.7 "${creds[@]}")"
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

# 8. A status webhook whose text is locked (complete_sends recording its window holds the row) is
#    stored and answered 200 at once: a 5xx would lose it (Twilio does not retry status callbacks).
#    outreachd's run loop applies it once the lock is gone. /healthz and /metrics answer meanwhile.
# until DEADLINE-SECONDS SQL: polls until the query returns t
until_true() {
    local end=$((SECONDS + $1))
    while [ "$SECONDS" -lt "$end" ]; do [ "$(q "$2")" = t ] && return 0; sleep 0.1; done
    return 1
}
printf '{"messageId": "%s", "status": "DELIVERED"}' "$MID2" >"$TMP/b3.json"
PGAPPNAME=hh-locker psql -X -q -c "BEGIN" -c "SELECT 1 FROM outreach.sms_messages WHERE team_id = 'hh' AND provider_message_id = '$MID2' FOR UPDATE" \
    -c "SELECT pg_sleep(120)" -c "COMMIT" >/dev/null 2>&1 &
LOCKER=$!
pids+=($LOCKER)
locker_sleeping="SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'hh-locker' AND state = 'active' AND query LIKE 'SELECT pg_sleep%'"
until_true 30 "$locker_sleeping" || bad "the locker took its row lock"
TS=$(now_ms)
SIG3=$(sign "$TS" "$TMP/b3.json")
(sh_post hh-d4 "$TS" "$SIG3" "$TMP/b3.json" >"$TMP/locked.code") &
WH=$!
timings=""
for _ in 1 2 3; do
    timings+="$(curl -s -m 10 -o /dev/null -w '%{http_code}:%{time_total} ' "$BASE/healthz")"
    timings+="$(curl -s -m 10 -o /dev/null -w '%{http_code}:%{time_total} ' "$BASE/metrics")"
    sleep 0.3
done
check "/healthz and /metrics answer (within 3 s) while a webhook meets a locked text" \
    'all(t.split(":")[0] == "200" and float(t.split(":")[1]) < 3.0 for t in r.split())' "\"$timings\""
wait "$WH"
expect "the webhook behind the lock is answered 200" 200 "$(cat "$TMP/locked.code")"
expect "while the lock is still held" t "$(q "$locker_sleeping")"
expect "it is stored, received, and the text not touched yet" "received sent" \
    "$(q "SELECT state FROM outreach.webhook_events WHERE team_id = 'hh' AND signature_valid AND message_ref = '$MID2'") $(text_state "$MID2")"
q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'hh-locker'" >/dev/null
wait "$LOCKER"
until_true 30 "SELECT state = 'delivered' FROM outreach.sms_messages WHERE team_id = 'hh' AND provider_message_id = '$MID2'"
expect "once the lock is gone, outreachd's run loop applies it" "applied delivered" \
    "$(q "SELECT state FROM outreach.webhook_events WHERE team_id = 'hh' AND signature_valid AND message_ref = '$MID2'") $(text_state "$MID2")"
expect "the provider's retry is the same event, answered 200" "200 1" \
    "$(sh_post hh-d4 "$TS" "$SIG3" "$TMP/b3.json") $(q "SELECT count(*) FROM outreach.webhook_events WHERE team_id = 'hh' AND signature_valid AND message_ref = '$MID2'")"

# 8b. Scrapes of /metrics that wait (here on a locked table, 0.5 s each, one after the other) never
#     hold /healthz: it has a database session of its own, so it is answered while they still wait.
#     (Five scrapes take 2.5 s, well within the 4 s request deadline.)
PGAPPNAME=hh-table-locker psql -X -q -c "BEGIN" -c "LOCK TABLE outreach.campaign_queue IN ACCESS EXCLUSIVE MODE" \
    -c "SELECT pg_sleep(120)" -c "COMMIT" >/dev/null 2>&1 &
TLOCKER=$!
pids+=($TLOCKER)
until_true 30 "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'hh-table-locker' AND state = 'active' AND query LIKE 'SELECT pg_sleep%'" \
    || bad "the table locker took its lock"
scrapers=()
for i in $(seq 5); do
    curl -s -m 30 -o "$TMP/scrape.$i" -w '%{http_code}' "$BASE/metrics" >"$TMP/scrape-code.$i" &
    scrapers+=($!)
done
until_true 30 "SELECT count(*) >= 1 FROM pg_stat_activity WHERE application_name IN ('outreachd health', 'outreachd metrics') AND wait_event_type = 'Lock'" \
    || bad "a scrape waits on the lock"
hz=$(curl -s -m 10 "$BASE/healthz")
pending=0
for i in $(seq 5); do [ -s "$TMP/scrape.$i" ] || pending=$((pending + 1)); done
check "/healthz answers ok while the scrapes still wait (2 or more of 5 unanswered)" 'r[0] == "ok" and r[1] >= 2' "[\"$hz\", $pending]"
wait "${scrapers[@]}"
scrapes=""
for i in $(seq 5); do scrapes+="$(cat "$TMP/scrape-code.$i") $(grep -h '^outreach_database_up' "$TMP/scrape.$i" | tr -d '\n');"; done
expect "each scrape still answers, saying the database is in trouble" "$(printf '200 outreach_database_up 0;%.0s' $(seq 5))" "$scrapes"
q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'hh-table-locker'" >/dev/null
wait "$TLOCKER"

# 8c. A valid signature on a timestamp near LLONG_MIN: refused as stale (its arithmetic overflowed,
#     which the sanitizer build turns into a crash).
for ts in -9223372036854775808 9223372036854775807 99999999999999999999; do
    expect "a signed timestamp $ts is stale (401)" 401 "$(sh_post hh-d5 "$ts" "$(sign "$ts" "$TMP/b1.json")" "$TMP/b1.json" --interface 127.0.0.9)"
done
expect "outreachd is still running after them" alive "$(alive)"

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
# Margins are generous (a loaded CI machine running sanitizer builds): what is checked is that
# /healthz is answered while the slow connections are all held, that they are cut after the
# deadline and well before the run ends, and that one address is limited, not starved.
load=$(python3 "$LOAD" load --port "$HP" --team hh --slow 1100 --slow-sources 22 --greedy 100 --burst 300 --seconds 12 --request-timeout 10 --deadline-ms 4000)
echo "     load: $load"
check "/healthz answered every poll with ok (each within 5 s), also while all slow connections were held" \
    'r["health_polls"] >= 10 and r["health_ok"] == r["health_polls"] and r["health_slowest"] < 5.0 and r["health_ok_while_slow_held"] >= 3' "$load"
check "the slow connections were held until the 4 s deadline, then cut well before the 12 s run ended" \
    'r["slow_cut"] >= 0.95 * r["slow"] and r["slow_cut_earliest"] >= 3.5 and r["slow_cut_latest"] < 11.0' "$load"
check "one address gets at most 64 connections, and gets them" 'r["greedy_refused"] >= 30 and r["greedy_held"] >= 30' "$load"
check "every malformed request was answered or closed within 10 s" 'r["burst_answered_or_closed"] == r["burst"] == 300' "$load"
expect "outreachd survived it" alive "$(alive)"
expect "and is healthy" ok "$(health)"
expect "rejections stayed bounded through it all" t \
    "$(q "SELECT count(*) <= 60 AND coalesce(max(octet_length(body)), 0) <= 2048 FROM outreach.webhook_events WHERE NOT signature_valid")"

# 11. A token pasted into the wrong setting is refused on reload without reaching the log.
echo "OUTREACH_BATCH=tok-in-the-wrong-place-123" >>"$TMP/outreachd.conf"
kill -HUP "$DPID"
for _ in $(seq 100); do grep -q 'event=reload_rejected' "$TMP/daemon.log" && break; sleep 0.1; done
expect "the bad reload is refused, naming the setting" 1 "$(grep -c 'event=reload_rejected.*OUTREACH_BATCH' "$TMP/daemon.log")"
expect "the value is not in the log" 0 "$(grep -c 'tok-in-the-wrong-place' "$TMP/daemon.log")"
kill -TERM "$DPID"
wait "$DPID"
expect "SIGTERM stops it with status 0" 0 $?
expect "no secret reached the logs" 0 "$(cat "$TMP/daemon.log" "$TMP/worker.log" | grep -c -e "$SHSECRET" -e sekrit)"

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

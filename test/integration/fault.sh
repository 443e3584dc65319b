#!/usr/bin/env bash
# Fault test of `outreachd run`: a 5,000-message campaign while outreachd is killed with SIGKILL at
# random moments (20 times, seeded and printed) and PostgreSQL is restarted once mid-run. Afterwards,
# from the provider stand-in's own log: no text reached the provider twice, and every queued
# message ended in exactly one terminal state (sent, failed, cancelled) or unknown, never re-sent.
# Needs the cluster of scripts/test.sh (PGHOST is its directory) and the path of outreachd as $1.
set -uo pipefail
OUTREACHD=${1:?usage: fault.sh PATH/TO/outreachd}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/scripts/lib.sh"
SEED=${FAULT_SEED:-20261125}
KILLS=${FAULT_KILLS:-20}
MESSAGES=${FAULT_MESSAGES:-5000}
RANDOM=$SEED
TMP=$(mktemp -d)
# the interpreter itself, not a launcher shim: $! must be the stand-in's own pid
PY=$(python3 -c 'import sys; print(sys.executable)')
DB=outreach_it_fault
export PGDATABASE=$DB
pass=0
fail=0
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'; }
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want: $2"$'\n'"got:  $3"; fi; }
q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
echo "seed $SEED, $KILLS kills, $MESSAGES messages"

SID=AC0123456789abcdef0123456789abcdef
"$PY" "$ROOT/test/integration/provider_standin.py" --port 0 --twilio-spec "$ROOT/test/integration/specs/twilio_api_v2010_messages_only.json" \
    --twilio-sid "$SID" --twilio-token tok --signalhouse-key key --log "$TMP/provider.log" >"$TMP/standin.out" 2>"$TMP/standin.err" &
pids+=($!)
for _ in $(seq 50); do grep -q LISTENING "$TMP/standin.out" 2>/dev/null && break; sleep 0.1; done
SP=$(awk '/LISTENING/ {print $2}' "$TMP/standin.out")
[ -n "$SP" ] || { echo "FAIL the provider stand-in did not start"; echo "0 passed, 1 failed"; exit 1; }

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null 2>&1
q "CREATE EXTENSION pg_outreach CASCADE" >/dev/null 2>&1
# MESSAGES leads with distinct names and numbers, so each text is recognizable in the provider's log
psql -X -q -v ON_ERROR_STOP=1 -v n="$MESSAGES" <<'SQL' >/dev/null
INSERT INTO outreach.teams (team_id, name) VALUES ('flt', 'Faults');
INSERT INTO outreach.personas (team_id, persona_id, first_name, last_name, first_key, last_key, normalized_phone, normalized_zip,
                               normalized_state, canonical_id)
SELECT 'flt', g, 'Lead' || g, 'Fault', 'lead' || g, 'fault', '+1212' || (2000000 + g), '10001', 'NY', g FROM generate_series(1, :n) g;
INSERT INTO outreach.leads (team_id, lead_id, persona_id) SELECT 'flt', g, g FROM generate_series(1, :n) g;
UPDATE outreach.quiet_hour_rules SET start_local = '00:00', end_local = '23:59:59', days = NULL WHERE team_id = 'flt';
INSERT INTO outreach.templates (team_id, name, body) VALUES ('flt', 'hi', 'Hi {{firstName}}, reply STOP to opt out.');
INSERT INTO outreach.campaigns (team_id, campaign_id, name, send_window_start, send_window_end, preferred_days, min_spacing,
                                max_per_day, per_minute_cap)
VALUES ('flt', 1, 'Faults', '00:00', '23:59:59', '{1,2,3,4,5,6,7}', '0', 1000000, 1000000);
INSERT INTO outreach.campaign_sequences (team_id, campaign_id, step, template_name) VALUES ('flt', 1, 1, 'hi');
UPDATE outreach.compliance_settings SET frequency_cap = 100 WHERE team_id = 'flt';
UPDATE outreach.sender_limits SET daily_cap = 1000000 WHERE team_id = 'flt';
UPDATE outreach.messaging_settings SET signalhouse_sender = '12125550100' WHERE team_id = 'flt';
SELECT outreach.prepare_campaign('flt', 1, now() - interval '1 minute');
SQL
expect "campaign queued" "$MESSAGES" "$(q "SELECT count(*) FROM outreach.campaign_queue WHERE team_id = 'flt' AND state = 'queued'")"

export OUTREACH_SIGNALHOUSE_BASE_URL=http://127.0.0.1:$SP OUTREACH_SIGNALHOUSE_API_KEY=key OUTREACH_HTTP_LISTEN=127.0.0.1:0 \
       OUTREACH_BATCH=25 OUTREACH_SEND_CONCURRENCY=10 OUTREACH_LEASE_SECONDS=5 OUTREACH_CONNECT_TIMEOUT_MS=1000 OUTREACH_HTTP_TIMEOUT_MS=2000 OUTREACH_POLL_MS=100
restart_at=$((KILLS / 2))
for i in $(seq 1 "$KILLS"); do
    "$OUTREACHD" run >>"$TMP/daemon.log" 2>&1 &
    pid=$!
    pids+=($pid)
    delay_ms=$((100 + RANDOM % 600))
    if [ "$i" -eq "$restart_at" ]; then
        # PostgreSQL goes away under the running daemon and comes back
        sleep 0.2
        as_cluster_user "$PG_BIN/pg_ctl" -D "$PGHOST/data" -m fast -w restart -l "$PGHOST/server.log" >/dev/null 2>&1
        echo "restarted PostgreSQL during run $i"
    fi
    sleep "$(printf '0.%03d' "$delay_ms")"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    echo "run $i: killed after ${delay_ms} ms; texts started so far $(q "SELECT count(*) FROM outreach.sms_messages WHERE team_id = 'flt' AND state <> 'claimed' AND error_code IS DISTINCT FROM 'not_sent'")"
done
# the leases of what the dead workers held run out; then one last worker drains the queue
sleep 6
for _ in 1 2 3; do "$OUTREACHD" run --once >>"$TMP/daemon.log" 2>&1; done

expect "no queued, claimed or sending message is left" "" \
    "$(q "SELECT string_agg(state || ':' || n, ' ') FROM (SELECT state, count(*) n FROM outreach.campaign_queue WHERE team_id = 'flt'
          AND state NOT IN ('sent', 'failed', 'cancelled', 'unknown') GROUP BY 1) x")"
expect "each queue row's current text is in the row's state" 0 \
    "$(q "SELECT count(*) FROM outreach.campaign_queue q LEFT JOIN outreach.sms_messages m ON m.team_id = q.team_id AND m.sms_message_id = q.sms_message_id
          WHERE q.team_id = 'flt' AND (m.sms_message_id IS NULL OR m.state <> q.state)")"
expect "every earlier attempt of a row certainly never left (claimed, never started)" 0 \
    "$(q "SELECT count(*) FROM outreach.sms_messages m JOIN outreach.campaign_queue q ON q.team_id = m.team_id AND q.queue_id = m.queue_id
          WHERE m.team_id = 'flt' AND m.sms_message_id <> q.sms_message_id AND NOT (m.state = 'failed' AND m.error_code = 'not_sent')")"
"$PY" - "$TMP/provider.log" >"$TMP/seen.txt" <<'PY'
import json, sys, collections
count = collections.Counter()
for line in open(sys.argv[1]):
    e = json.loads(line)
    body = e.get("body") or {}
    count[(body.get("recipientPhoneNumber") or [None])[0]] += 1
twice = [k for k, n in count.items() if n > 1]
print(len(count), len(twice))
for k in count:
    print(k)
PY
read -r reached twice < <(head -1 "$TMP/seen.txt")
expect "no text reached the provider twice" 0 "$twice"
tail -n +2 "$TMP/seen.txt" | sed 's/^/+/' | sort >"$TMP/reached.txt"
q "SELECT DISTINCT to_phone FROM outreach.sms_messages WHERE team_id = 'flt' AND state = 'sent' ORDER BY 1" | sort >"$TMP/sent.txt"
expect "every text recorded as sent reached the provider" "" "$(comm -23 "$TMP/sent.txt" "$TMP/reached.txt" | head -3)"
unsent=$(comm -13 "$TMP/sent.txt" "$TMP/reached.txt" | sed "s/^/'/; s/\$/'/" | paste -sd, -)
odd=0
if [ -n "$unsent" ]; then
    odd=$(q "SELECT count(*) FROM outreach.campaign_queue WHERE team_id = 'flt' AND phone IN ($unsent) AND state <> 'unknown'")
fi
expect "every text that reached the provider is sent or unknown" 0 "$odd"
if [ "$odd" != 0 ]; then
    psql -X -c "SELECT q.queue_id, q.phone, q.state, q.cancel_reason, m.sms_message_id, m.state, m.error_code, m.error_message, m.worker,
                       m.attempted_at, m.completed_at
                FROM outreach.campaign_queue q JOIN outreach.sms_messages m ON m.team_id = q.team_id AND m.queue_id = q.queue_id
                WHERE q.team_id = 'flt' AND q.phone IN ($unsent) AND q.state <> 'unknown' ORDER BY m.sms_message_id"
fi
echo "outcome: $(q "SELECT string_agg(state || ' ' || n, ', ' ORDER BY state) FROM (SELECT state, count(*) n FROM outreach.sms_messages WHERE team_id = 'flt' GROUP BY 1) x"); $reached texts reached the provider"
# a kill (or the restart) finds at most two windows in state sending: one out, one being recorded
expect "each kill left at most two windows unknown" t \
    "$(q "SELECT count(*) <= ($KILLS + 1) * 2 * 10 FROM outreach.sms_messages WHERE team_id = 'flt' AND state = 'unknown'")"
expect "most texts went out despite the kills" t "$(q "SELECT count(*) FILTER (WHERE state = 'sent') > $MESSAGES * 0.9 FROM outreach.sms_messages WHERE team_id = 'flt'")"

[ "$fail" -gt 0 ] && { echo "daemon log (tail):"; tail -30 "$TMP/daemon.log"; }
[ -n "${FAULT_KEEP_LOG:-}" ] && cp "$TMP/daemon.log" "$FAULT_KEEP_LOG"
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

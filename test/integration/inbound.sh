#!/usr/bin/env bash
# Integration tests of inbound texts (issue 13): signed Twilio and SignalHouse inbound webhooks
# through real HTTP to the real outreachd (as the least-privilege worker role) and into the real
# database: valid, wrong, missing and replayed signatures; the same message twice is one inbox item;
# malformed form and JSON bodies, missing fields, an oversized body and an unknown team are refused
# with a clear 4xx (stored where there is a team); an unknown number goes to unmatched_messages; a
# free-text STOP suppresses the number; a message receive_message refuses stays stored, rejected.
# Then the spool: PostgreSQL is stopped during a burst of 50 inbound webhooks (STOPs among them)
# and started again, and outreachd is killed with SIGKILL holding spooled STOPs while PostgreSQL is
# down; afterwards every message is stored exactly once and every STOP is an opt-out.
# Needs the cluster of scripts/test.sh (PGHOST is its directory) and the path of outreachd as $1.
# Prints one line per check and "N passed, N failed".
set -uo pipefail
OUTREACHD=${1:?usage: inbound.sh PATH/TO/outreachd}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/scripts/lib.sh"
SIGN=$ROOT/test/integration/sign_webhook.py
SEND=$ROOT/test/integration/inbound_send.py
TMP=$(mktemp -d)
DB=outreach_it_inbound
WORKER_ROLE=outreach_it_inbound_worker
export PGDATABASE=$DB
pass=0
fail=0
pids=()
pg_start() {
    as_cluster_user "$PG_BIN/pg_ctl" -D "$PGHOST/data" -l "$PGHOST/server.log" -w -t 60 \
        -o "-p $PGPORT -k $PGHOST -c listen_addresses='' -c fsync=off -c max_connections=50" start >/dev/null 2>&1
}
pg_stop() { as_cluster_user "$PG_BIN/pg_ctl" -D "$PGHOST/data" -m fast -w stop >/dev/null 2>&1; }
pg_running() { as_cluster_user "$PG_BIN/pg_ctl" -D "$PGHOST/data" status >/dev/null 2>&1; }
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    pg_running || pg_start    # the next suites need the cluster whatever happened here
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "DROP ROLE IF EXISTS $WORKER_ROLE" >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT

ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'; }
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want: $2"$'\n'"got:  $3"; fi; }
check() { if python3 -c 'import json, sys; r = json.loads(sys.argv[2]); sys.exit(0 if eval(sys.argv[1]) else 1)' "$2" "$3" 2>/dev/null;
          then ok "$1"; else bad "$1" "not true: $2"$'\n'"of:  $3"; fi; }
q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
now_ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }
# until_true SECONDS COMMAND...: polls until the command prints t
until_true() {
    local end=$((SECONDS + $1))
    shift
    while [ "$SECONDS" -lt "$end" ]; do [ "$("$@" 2>/dev/null)" = t ] && return 0; sleep 0.2; done
    return 1
}

TOKEN=inbound-twilio-token
SID=AC0123456789abcdef0123456789abcdef
SHSECRET=inbound-signalhouse-secret
OURS=+12125550100

# ---- the database: a team whose leads have the numbers 0161-0165 ---------------------------------
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null 2>&1
q "CREATE EXTENSION pg_outreach CASCADE" >/dev/null 2>&1
q "INSERT INTO outreach.teams (team_id, name) VALUES ('ib', 'Inbound')" >/dev/null
q "SELECT rows_imported FROM outreach.import_csv('ib', convert_to('companyName,ownerFirstName,ownerLastName,phone,street,city,state,zip
Deli One,Amy,Ames,(212) 555-0161,1 Main St,New York,NY,10001
Deli Two,Bo,Burns,(212) 555-0162,2 Main St,New York,NY,10001
Deli Three,Cy,Cole,(212) 555-0163,3 Main St,New York,NY,10001
Deli Four,Di,Dunn,(212) 555-0164,4 Main St,New York,NY,10001
Deli Five,Ed,Eames,(212) 555-0165,5 Main St,New York,NY,10001', 'UTF8'))" >/dev/null
expect "five leads to answer from" 5 "$(q "SELECT count(*) FROM outreach.leads WHERE team_id = 'ib'")"
psql -X -q -d postgres -c "DROP ROLE IF EXISTS $WORKER_ROLE" -c "CREATE ROLE $WORKER_ROLE LOGIN IN ROLE outreach_worker" >/dev/null 2>&1

# ---- the daemon, as the worker role --------------------------------------------------------------
SPOOL=$TMP/spool
HP=$(free_port)
BASE=http://127.0.0.1:$HP
cat >"$TMP/outreachd.conf" <<CONF
OUTREACH_PUBLIC_URL=$BASE
OUTREACH_TWILIO_ACCOUNT_SID=$SID
OUTREACH_TWILIO_AUTH_TOKEN=$TOKEN
OUTREACH_TWILIO_BASE_URL=http://127.0.0.1:9
OUTREACH_SIGNALHOUSE_SIGNING_SECRET=$SHSECRET
OUTREACH_SPOOL_DIR=$SPOOL
OUTREACH_POLL_MS=200
OUTREACH_WEBHOOK_REJECTIONS_BURST=100
OUTREACH_LOG_LEVEL=debug
CONF
start_daemon() {  # start_daemon PORT LOG: its pid in DAEMON_PID
    PGUSER=$WORKER_ROLE OUTREACH_HTTP_LISTEN=127.0.0.1:$1 "$OUTREACHD" run --config "$TMP/outreachd.conf" >>"$2" 2>&1 &
    DAEMON_PID=$!
    pids+=($DAEMON_PID)
}
start_daemon "$HP" "$TMP/daemon.log"
DPID=$DAEMON_PID
for _ in $(seq 50); do [ "$(curl -s -m 2 "$BASE/healthz")" = "ok" ] && break; sleep 0.1; done
expect "/healthz answers ok" ok "$(curl -s -m 2 "$BASE/healthz")"

TW_URL=$BASE/webhooks/twilio/ib
# tw FORM [SIGNATURE|-] [URL]: POSTs a form as Twilio would (signed unless a signature is given; - for none);
# prints the status, the content type and the body
tw() {
    local form=$1 sig=${2:-} url=${3:-$TW_URL}
    [ -z "$sig" ] && sig=$(python3 "$SIGN" twilio --token "$TOKEN" --url "$url" --form "$form")
    local hdr=(-H 'Content-Type: application/x-www-form-urlencoded')
    [ "$sig" != - ] && hdr+=(-H "X-Twilio-Signature: $sig")
    local head
    head=$(curl -s -m 10 -o "$TMP/tw.body" -w '%{http_code} %{content_type}' -X POST "${hdr[@]}" --data-binary "$form" "$url")
    echo "$head $(cat "$TMP/tw.body")"
}
tw_code() { tw "$@" | cut -d' ' -f1; }
# sh BODY-FILE [TIMESTAMP] [SIGNATURE|-] [DELIVERY]: POSTs a SignalHouse webhook; prints the status
sh_post() {
    local file=$1 ts=${2:-$(now_ms)} sig=${3:-} delivery=${4:-dlv-$RANDOM}
    [ -z "$sig" ] && sig=$(python3 "$SIGN" signalhouse --secret "$SHSECRET" --timestamp "$ts" --body-file "$file")
    local hdr=(-H 'Content-Type: application/json' -H "X-SignalHouse-Timestamp: $ts" -H "X-SignalHouse-Delivery-Id: $delivery")
    [ "$sig" != - ] && hdr+=(-H "X-SignalHouse-Signature: $sig")
    curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST "${hdr[@]}" --data-binary "@$file" "$BASE/webhooks/signalhouse/ib"
}
sh_event() {  # sh_event ID FROM BODY > file: a MESSAGE_RECEIVED event
    python3 -c 'import json, sys; print(json.dumps({"event": "MESSAGE_RECEIVED", "identifier": "evt-" + sys.argv[1],
        "metaData": {"Message": {"_id": sys.argv[1], "senderPhoneNumber": sys.argv[2], "recipientPhoneNumber": ["12125550100"],
                                 "messageBody": sys.argv[3]}}}), end="")' "$@"
}
inbox_count() { q "SELECT count(*) FROM outreach.inbox_items WHERE team_id = 'ib' AND provider_message_id = '$1'"; }
event_of() { q "SELECT state || '|' || coalesce(reason, '') FROM outreach.webhook_events WHERE team_id = 'ib' AND kind = 'inbound' AND signature_valid AND event_key = '$1'"; }
rejections() { q "SELECT count(*) FROM outreach.webhook_events WHERE team_id = 'ib' AND state = 'rejected' AND reason = '$1' AND kind = '${2:-inbound}'"; }

# ---- 1. Twilio inbound ---------------------------------------------------------------------------
FORM="ToCountry=US&SmsMessageSid=SMin0001&NumMedia=0&SmsSid=SMin0001&SmsStatus=received&Body=Is+this+still+available%3F&To=%2B12125550100&NumSegments=1&MessageSid=SMin0001&AccountSid=$SID&From=%2B12125550161&ApiVersion=2010-04-01"
expect "a signed Twilio inbound text is answered with TwiML" "200 text/xml <Response/>" "$(tw "$FORM")"
expect "and is one inbox item of the sender's lead" "1|QUESTION" \
    "$(q "SELECT count(*) || '|' || min(i.classification) FROM outreach.inbox_items i JOIN outreach.leads l USING (team_id, lead_id)
          JOIN outreach.persona_phones p ON p.team_id = l.team_id AND p.persona_id = l.persona_id
          WHERE i.team_id = 'ib' AND i.provider_message_id = 'SMin0001' AND p.normalized_phone = '+12125550161'")"
expect "the raw request is stored once, kind inbound, applied with its outcome" "applied|" "$(event_of SMin0001)"
check "the outcome names the inbox item" 'r.startswith("inbox item ")' \
    "\"$(q "SELECT outcome FROM outreach.webhook_events WHERE team_id = 'ib' AND event_key = 'SMin0001'")\""
expect "the same MessageSid again (the provider's retry, same signature) is answered 200" 200 "$(tw_code "$FORM")"
expect "and is still one inbox item and one stored event" "1 1" \
    "$(inbox_count SMin0001) $(q "SELECT count(*) FROM outreach.webhook_events WHERE team_id = 'ib' AND event_key = 'SMin0001'")"
SIG=$(python3 "$SIGN" twilio --token "$TOKEN" --url "$TW_URL" --form "$FORM")
FORM2=${FORM//SMin0001/SMin0002}
expect "a wrong signature gets 401" 401 "$(tw_code "$FORM2" "$SIG")"
expect "a missing signature gets 401" 401 "$(tw_code "$FORM2" -)"
expect "both are stored rejections of kind inbound, and no message" "1 1 0" \
    "$(rejections bad_signature) $(rejections missing_signature) $(inbox_count SMin0002)"

# MMS with a picture only; an unknown number; a free-text STOP
FORM3="MessageSid=MMin0003&SmsStatus=received&From=%2B12125550162&To=%2B12125550100&Body=&NumMedia=1&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm%2F0&MediaContentType0=image%2Fjpeg"
expect "an MMS without text is received" 200 "$(tw_code "$FORM3")"
expect "with its media" '[{"url": "https://api.twilio.com/m/0", "content_type": "image/jpeg"}]' \
    "$(q "SELECT media FROM outreach.inbox_items WHERE team_id = 'ib' AND provider_message_id = 'MMin0003'")"
FORM4="MessageSid=SMin0004&SmsStatus=received&From=%2B12125550190&To=%2B12125550100&Body=who+is+this%3F&NumMedia=0"
expect "a text from a number no lead has is answered 200" 200 "$(tw_code "$FORM4")"
expect "and waits in unmatched_messages" "1 0" \
    "$(q "SELECT count(*) FROM outreach.unmatched_messages WHERE team_id = 'ib' AND provider_message_id = 'SMin0004' AND from_number = '+12125550190'") $(inbox_count SMin0004)"
FORM5="MessageSid=SMin0005&SmsStatus=received&From=%2B12125550163&To=%2B12125550100&Body=please+stop+texting+me+%F0%9F%99%84&NumMedia=0"
expect "a free-text STOP is answered 200" 200 "$(tw_code "$FORM5")"
expect "and the number is suppressed" 1 "$(q "SELECT count(*) FROM outreach.suppression_list WHERE team_id = 'ib' AND phone = '+12125550163'")"
FORM6="Body=hello&From=%2B12125550164&MessageSid=SMin0006"
expect "a request without any status but with Body and From is an inbound text" "200 1" "$(tw_code "$FORM6") $(inbox_count SMin0006)"

# malformed and incomplete Twilio requests (signed: it is the content that is wrong)
expect "a Twilio body with a broken % escape gets 400" 400 "$(tw_code "MessageSid=SMin0007&SmsStatus=received&From=%2B12125550161&Body=100%&To=%2B1")"
expect "a Twilio inbound text without Body gets 400" 400 "$(tw_code "MessageSid=SMin0008&SmsStatus=received&From=%2B12125550161")"
expect "a Twilio inbound text without MessageSid gets 400" 400 "$(tw_code "SmsStatus=received&From=%2B12125550161&Body=hi")"
expect "they are stored rejections: malformed, missing_field" "1 2" "$(rejections malformed) $(rejections missing_field)"
FORM9="MessageSid=SMin0009&SmsStatus=received&From=not-a-phone&To=%2B12125550100&Body=hi"
expect "a sender that is no phone number (receive_message refuses it) gets 400" 400 "$(tw_code "$FORM9")"
expect "and the raw event stays stored, rejected with the reason" "rejected|invalid_message" "$(event_of SMin0009)"
check "whose outcome is receive_message's message naming the field" '"from_number" in r' \
    "\"$(q "SELECT outcome FROM outreach.webhook_events WHERE team_id = 'ib' AND event_key = 'SMin0009'")\""
expect "its retry gets 400 again and is not stored twice" "400 1" \
    "$(tw_code "$FORM9") $(q "SELECT count(*) FROM outreach.webhook_events WHERE team_id = 'ib' AND event_key = 'SMin0009'")"
expect "a status callback is still a status callback" 200 \
    "$(tw_code "MessageSid=SMout1&MessageStatus=delivered&SmsStatus=delivered&From=%2B12125550100&To=%2B12125550161")"
expect "stored as kind status" status "$(q "SELECT kind FROM outreach.webhook_events WHERE team_id = 'ib' AND event_key = 'SMout1:delivered'")"

# ---- 2. SignalHouse MESSAGE_RECEIVED ---------------------------------------------------------------
sh_event shin0001 12125550165 "Yes! I'm interested, call me" >"$TMP/sh1.json"
TS=$(now_ms)
SIG=$(python3 "$SIGN" signalhouse --secret "$SHSECRET" --timestamp "$TS" --body-file "$TMP/sh1.json")
expect "a signed SignalHouse MESSAGE_RECEIVED is answered 200" 200 "$(sh_post "$TMP/sh1.json" "$TS" "$SIG" dlv-1)"
expect "and is one inbox item from the normalized number" "1|+12125550165" \
    "$(q "SELECT count(*) || '|' || min(from_number) FROM outreach.inbox_items WHERE team_id = 'ib' AND provider_message_id = 'shin0001'")"
expect "its answer is JSON" "200 application/json" \
    "$(curl -s -m 10 -o /dev/null -w '%{http_code} %{content_type}' -X POST -H "X-SignalHouse-Timestamp: $TS" -H "X-SignalHouse-Signature: $SIG" \
        --data-binary "@$TMP/sh1.json" "$BASE/webhooks/signalhouse/ib")"
expect "a replay within the window with a new delivery id is answered 200" 200 "$(sh_post "$TMP/sh1.json" "$TS" "$SIG" dlv-2)"
expect "and is still one inbox item and one stored event" "1 1" \
    "$(inbox_count shin0001) $(q "SELECT count(*) FROM outreach.webhook_events WHERE team_id = 'ib' AND event_key = 'shin0001'")"
OLD=$(( $(now_ms) - 3600 * 1000 ))
sh_event shin0002 12125550165 "hello again" >"$TMP/sh2.json"
expect "an hour-old signed timestamp (a replay) gets 401" 401 \
    "$(sh_post "$TMP/sh2.json" "$OLD" "$(python3 "$SIGN" signalhouse --secret "$SHSECRET" --timestamp "$OLD" --body-file "$TMP/sh2.json")")"
expect "a wrong signature gets 401" 401 "$(sh_post "$TMP/sh2.json" "$(now_ms)" "$(forge_signature "$SIG")")"
expect "a missing signature gets 401" 401 "$(sh_post "$TMP/sh2.json" "$(now_ms)" -)"
expect "none of them is a message; each is a stored rejection" "0 1 2 2" \
    "$(inbox_count shin0002) $(rejections stale_timestamp) $(rejections bad_signature) $(rejections missing_signature)"
printf '{"event": "MESSAGE_RECEIVED", "metaData": {"Message": {"_id": "shin0003",' >"$TMP/sh3.json"
expect "signed JSON that does not parse gets 400" 400 "$(sh_post "$TMP/sh3.json")"
printf '{"event": "MESSAGE_RECEIVED", "metaData": {"Message": {"_id": "shin0004", "senderPhoneNumber": "12125550165"}}}' >"$TMP/sh4.json"
expect "a MESSAGE_RECEIVED without messageBody gets 400" 400 "$(sh_post "$TMP/sh4.json")"
expect "stored as rejections: malformed (status: the event is unknown), missing_field" "1 3" \
    "$(rejections malformed status) $(rejections missing_field)"
sh_event shin0005 12125550191 "STOP" >"$TMP/sh5.json"
expect "a STOP from an unknown number is answered 200" 200 "$(sh_post "$TMP/sh5.json")"
expect "unmatched, and the number suppressed all the same" "1 1" \
    "$(q "SELECT count(*) FROM outreach.unmatched_messages WHERE team_id = 'ib' AND provider_message_id = 'shin0005'") $(q "SELECT count(*) FROM outreach.suppression_list WHERE team_id = 'ib' AND phone = '+12125550191'")"

# ---- 3. the HTTP bounds --------------------------------------------------------------------------
expect "a team that does not exist gets 404" 404 "$(tw_code "$FORM" "" "$BASE/webhooks/twilio/no-such-team")"
expect "and nothing is stored for it" 0 "$(q "SELECT count(*) FROM outreach.webhook_events WHERE team_id = 'no-such-team'")"
head -c 70000 /dev/zero | tr '\0' a | sed 's/^/MessageSid=SMbig\&SmsStatus=received\&From=%2B12125550161\&Body=/' >"$TMP/big.form"
expect "an oversized body gets 413" 413 \
    "$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST -H 'X-Twilio-Signature: x' --data-binary "@$TMP/big.form" "$TW_URL")"
expect "outreachd still runs" ok "$(curl -s -m 2 "$BASE/healthz")"
check "/metrics shows the spool, empty" 'r == 0' "$(curl -s -m 2 "$BASE/metrics" | awk '/^outreach_spool_depth / {print int($2)}')"
check "/metrics counts received inbound texts" 'r >= 5' \
    "$(curl -s -m 2 "$BASE/metrics" | awk '/^outreach_inbound_total\{provider="twilio",result="received"\}/ {print int($2)}')"

# ---- 4. the spool: PostgreSQL stops during a burst of 50 inbound texts ----------------------------
# Message i: ten STOPs in various words from numbers 0170-0179 (unknown: unmatched, suppressed all
# the same), the rest from the leads 0161-0162 or unknown numbers 0180-0189; Twilio and SignalHouse
# alternately; two are sent twice (a provider's retry).
python3 - "$TMP/burst.jsonl" <<'PY'
import json, sys
stops = ["STOP", "please stop texting me", "Take me off your list", "UNSUBSCRIBE", "wrong number, remove me",
         "dont text me again!!", "cease and desist", "Stop.", "quit", "no more texts pls stop"]
others = ["Yes interested", "what's the price?", "call me tomorrow at 3pm", "who is this", "maybe later",
          "send info to me at frank@example.com"]
out = []
for i in range(50):
    provider = "twilio" if i % 2 == 0 else "signalhouse"
    if i % 5 == 2:
        frm, body = "+1212555%04d" % (170 + i // 5), stops[i // 5]
    else:
        frm, body = ("+12125550161", "+12125550162", "+12125550180", "+12125550185")[i % 4], others[i % len(others)]
    out.append({"provider": provider, "id": "burst%04d" % i, "from": frm, "to": "+12125550100", "body": body})
out.insert(30, dict(out[20]))   # retries of messages sent during the outage and before it
out.insert(8, dict(out[3]))
with open(sys.argv[1], "w") as f:
    for m in out:
        f.write(json.dumps(m) + "\n")
PY
python3 "$SEND" --base "$BASE" --team ib --twilio-token "$TOKEN" --signalhouse-secret "$SHSECRET" --messages "$TMP/burst.jsonl" \
    --delay 0.1 --progress "$TMP/burst.progress" >"$TMP/burst.out" 2>&1 &
SENDER=$!
pids+=($SENDER)
sent() { wc -l <"$TMP/burst.progress" 2>/dev/null || echo 0; }
until_true 60 bash -c "[ \$(wc -l <'$TMP/burst.progress' 2>/dev/null || echo 0) -ge 10 ] && echo t" || bad "the burst got going"
pg_stop
echo "     PostgreSQL stopped after $(sent) of 52 requests"
until_true 90 bash -c "[ \$(wc -l <'$TMP/burst.progress' 2>/dev/null || echo 0) -ge 40 ] && echo t" || bad "the burst went on"
depth_down=$(curl -s -m 2 "$BASE/metrics" | awk '/^outreach_spool_depth / {print int($2)}')
up_down=$(curl -s -m 2 "$BASE/metrics" | awk '/^outreach_database_up / {print int($2)}')
cat "$SPOOL"/* >"$TMP/spool.copy" 2>/dev/null
pg_start
echo "     PostgreSQL started after $(sent) of 52 requests"
wait "$SENDER"
check "every request of the burst was answered 200 (stored or spooled)" 'r["status"] == {"200": 52}' "$(cat "$TMP/burst.out")"
check "while PostgreSQL was down, /metrics answered with the spool's depth" 'r[0] >= 20 and r[1] == 0' "[${depth_down:-0}, ${up_down:-1}]"
spool_depth() { curl -s -m 2 "$BASE/metrics" | awk '/^outreach_spool_depth / {print ($2 == 0) ? "t" : "f"}'; }
until_true 60 spool_depth || bad "the spool drained" "$(tail -5 "$TMP/daemon.log")"
expect "the spool is replayed and emptied" 0 "$(curl -s -m 2 "$BASE/metrics" | awk '/^outreach_spool_depth / {print int($2)}')"
expect "every burst message is stored exactly once (inbox + unmatched)" "50 50" \
    "$(q "SELECT count(*) FROM (SELECT provider_message_id FROM outreach.inbox_items WHERE team_id = 'ib' AND provider_message_id LIKE 'burst%'
                                UNION ALL SELECT provider_message_id FROM outreach.unmatched_messages WHERE team_id = 'ib' AND provider_message_id LIKE 'burst%') m") $(
       q "SELECT count(DISTINCT provider_message_id) FROM (SELECT provider_message_id FROM outreach.inbox_items WHERE team_id = 'ib' AND provider_message_id LIKE 'burst%'
                                UNION ALL SELECT provider_message_id FROM outreach.unmatched_messages WHERE team_id = 'ib' AND provider_message_id LIKE 'burst%') m")"
expect "and its raw request once, applied" "50|applied" \
    "$(q "SELECT count(*) || '|' || string_agg(DISTINCT state, ',') FROM outreach.webhook_events WHERE team_id = 'ib' AND kind = 'inbound' AND event_key LIKE 'burst%'")"
expect "every STOP of the burst is an opt-out" 10 \
    "$(q "SELECT count(*) FROM outreach.suppression_list WHERE team_id = 'ib' AND phone BETWEEN '+12125550170' AND '+12125550179'")"
check "some of the burst went through the spool" 'r >= 20' "$(grep -c 'event=webhook_spooled' "$TMP/daemon.log")"
check "and was replayed from it" 'r >= 20' "$(grep -c 'event=spool_replayed' "$TMP/daemon.log")"
check "the spool held the requests while PostgreSQL was down" 'r >= 20' "$(grep -ao 'burst00[0-9][0-9]' "$TMP/spool.copy" | sort -u | wc -l)"
expect "and no secret, no signature" 0 "$(grep -ac -e "$TOKEN" -e "$SHSECRET" -e 'Signature' "$TMP/spool.copy")"

# ---- 5. outreachd killed while it holds spooled STOPs; the next one replays them -------------------
pg_stop
python3 - "$TMP/crash.jsonl" <<'PY'
import json, sys
msgs = [("twilio", "crash0001", "+12125550164", "STOP"), ("signalhouse", "crash0002", "+12125550165", "remove me from this list"),
        ("twilio", "crash0003", "+12125550186", "sounds good"), ("signalhouse", "crash0004", "+12125550187", "how much?")]
with open(sys.argv[1], "w") as f:
    for p, i, frm, body in msgs:
        f.write(json.dumps({"provider": p, "id": i, "from": frm, "to": "+12125550100", "body": body}) + "\n")
PY
check "with PostgreSQL down, four inbound texts are answered 200" 'r["status"] == {"200": 4}' \
    "$(python3 "$SEND" --base "$BASE" --team ib --twilio-token "$TOKEN" --signalhouse-secret "$SHSECRET" --messages "$TMP/crash.jsonl")"
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
HP2=$(free_port)
start_daemon "$HP2" "$TMP/daemon2.log"
DPID2=$DAEMON_PID
for _ in $(seq 50); do curl -s -m 2 -o /dev/null "http://127.0.0.1:$HP2/metrics" && break; sleep 0.1; done
expect "the next outreachd adopts the spool the killed one left" 4 \
    "$(curl -s -m 2 "http://127.0.0.1:$HP2/metrics" | awk '/^outreach_spool_depth / {print int($2)}')"
pg_start
until_true 60 q "SELECT count(*) = 4 FROM outreach.webhook_events WHERE team_id = 'ib' AND event_key LIKE 'crash%' AND state = 'applied'" \
    || bad "the adopted spool was replayed" "$(tail -5 "$TMP/daemon2.log")"
expect "its four texts are stored once each" 4 \
    "$(q "SELECT count(*) FROM (SELECT 1 FROM outreach.inbox_items WHERE team_id = 'ib' AND provider_message_id LIKE 'crash%'
                                UNION ALL SELECT 1 FROM outreach.unmatched_messages WHERE team_id = 'ib' AND provider_message_id LIKE 'crash%') m")"
expect "and both STOPs are opt-outs" 2 \
    "$(q "SELECT count(*) FROM outreach.suppression_list WHERE team_id = 'ib' AND phone IN ('+12125550164', '+12125550165')")"
until_true 20 bash -c "[ -z \"\$(ls '$SPOOL' | grep -v '^spool-.*-$DPID2.log\$')\" ] && echo t" || true
expect "the killed process's spool file is gone once replayed" "" "$(ls "$SPOOL" | grep -v "^spool-.*-$DPID2.log\$")"

# ---- 6. a text stored but never received (outreachd failed between its two calls) -----------------
# Twilio does not retry a webhook that was answered: outreachd itself finds the stored request and
# receives it, so a STOP in it is honoured.
STRANDED_BODY="MessageSid=SMstranded01&AccountSid=$SID&From=%2B12125550163&To=%2B12125550100&Body=pls+take+me+off+ur+list&NumMedia=0&SmsStatus=received"
q "SELECT webhook_id FROM outreach.record_webhook('ib', 'twilio', 'inbound', 'SMstranded01', 'SMstranded01', '{}',
                                                  '$STRANDED_BODY', '{}', true)" >/dev/null
q "UPDATE outreach.webhook_events SET received_at = now() - interval '2 minutes'
   WHERE team_id = 'ib' AND event_key = 'SMstranded01'" >/dev/null
until_true 20 q "SELECT state = 'applied' FROM outreach.webhook_events WHERE team_id = 'ib' AND event_key = 'SMstranded01'" \
    && ok "a stored inbound text that was never received is received by outreachd" \
    || bad "a stored inbound text that was never received is received by outreachd" "$(grep stranded "$TMP/daemon2.log" | tail -3)"
expect "and its STOP is an opt-out" "t" \
    "$(q "SELECT count(*) = 1 FROM outreach.consent_log WHERE team_id = 'ib' AND evidence ->> 'provider_message_id' = 'SMstranded01'
                                                      AND kind = 'opt_out'")"

kill -TERM "$DPID2"
wait "$DPID2"
expect "SIGTERM stops the second daemon with status 0" 0 $?
grep -E 'level=error' "$TMP/daemon.log" "$TMP/daemon2.log" | grep -v -e 'database_error' -e 'http_error' | head -5
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# Self-test of the provider stand-in (provider_standin.py: Twilio, SignalHouse, RealEstateAPI SkipTrace
# v2, Apollo People and Organization Enrichment, Anthropic Messages) and the webhook signer (sign_webhook.py).
# Starts the stand-in on a free loopback port, drives each provider in each mode with curl, checks
# replies and the request log (JSON checks via python3 -c), runs `sign_webhook.py selftest`, and
# prints "N passed, M failed" as its last line (exit 1 on any failure). Needs only bash, curl and python3.
# The Twilio spec defaults to the copy in specs/; override with TWILIO_SPEC=PATH.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SPEC=${TWILIO_SPEC:-$HERE/specs/twilio_api_v2010_messages_only.json}
TMP=$(mktemp -d)
PID=""
SID=AC0123456789abcdef0123456789abcdef
TOKEN=selftest-token
KEY=selftest-sh-key
MSG=MG0123456789abcdef0123456789abcdef
REKEY=selftest-reapi-key
APKEY=selftest-apollo-key
ANKEY=selftest-anthropic-key

# Stop the stand-in we started (by its pid) and remove the scratch directory.
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" 2>/dev/null; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM     # so an interrupted run still goes through cleanup

pass=0
fail=0
ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'; }
# expect NAME WANT GOT
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want: $2"$'\n'"got:  $3"; fi; }

# call CURL-ARGS...: one request; sets STATUS (000 = no reply), TIME (seconds), RC (curl exit code),
# and leaves the reply body in $TMP/body and headers in $TMP/headers.
call() {
    rm -f "$TMP/body" "$TMP/headers"
    local out
    out=$(curl -sS -o "$TMP/body" -D "$TMP/headers" -w '%{http_code} %{time_total}' --max-time 15 "$@" 2>"$TMP/curlerr")
    RC=$?
    STATUS=${out% *}
    TIME=${out#* }
    touch "$TMP/body" "$TMP/headers"
}

# jexpect NAME PYTHON-EXPR [ARG...]: evaluate EXPR with d = the last reply body parsed as JSON
# (any further ARGs are sys.argv[3:]).
jexpect() {
    if python3 -c 'import json, re, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
            "$TMP/body" "$2" "${@:3}" 2>"$TMP/pyerr"; then
        ok "$1"
    else
        bad "$1" "expr: $2"$'\n'"body: $(head -c 800 "$TMP/body")"$'\n'"$(cat "$TMP/pyerr")"
    fi
}

# lexpect NAME PYTHON-EXPR: evaluate EXPR with L = the stand-in's log (GET /_log) and e = its last entry.
lexpect() {
    curl -sS --max-time 5 "$BASE/_log" >"$TMP/log" 2>/dev/null
    if python3 -c '
import json, re, sys
L = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
e = L[-1] if L else {}
sys.exit(0 if eval(sys.argv[2]) else 1)' "$TMP/log" "$2" 2>"$TMP/pyerr"; then
        ok "$1"
    else
        bad "$1" "expr: $2"$'\n'"last: $(tail -n 1 "$TMP/log" | head -c 1200)"$'\n'"$(cat "$TMP/pyerr")"
    fi
}

# header NAME: value of a reply header (last reply), without the CR.
header() { grep -i "^$1:" "$TMP/headers" | head -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }

# ctl PROVIDER MODE [COUNT]: set a behaviour through /_control.
ctl() {
    local body="{\"provider\": \"$1\", \"mode\": \"$2\"${3:+, \"count\": $3}}"
    curl -sS -o /dev/null -w '%{http_code}' --max-time 5 -H 'Content-Type: application/json' \
        --data-binary "$body" "$BASE/_control"
}

reset() { curl -sS -o /dev/null --max-time 5 -X POST "$BASE/_reset"; }

# tw ARGS...: POST to the Twilio create endpoint with good credentials (extra curl args appended).
TW_PATH=/2010-04-01/Accounts/$SID/Messages.json
tw() { call -u "$SID:$TOKEN" "$@" "$BASE$TW_PATH"; }
# tw_ok: a minimal valid Twilio send.
tw_ok() { tw --data-urlencode 'To=+15558675310' --data-urlencode 'From=+15017122661' --data-urlencode 'Body=Hello there' "$@"; }

# sh JSON [ARGS...]: POST a JSON body to SignalHouse /message/sms with the good key.
sh_send() { local b=$1; shift; call -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary "$b" "$@" "$BASE/message/sms"; }
# re_send JSON [ARGS...]: POST a JSON body to RealEstateAPI /v2/SkipTrace with the good key.
re_send() { local b=$1; shift; call -H "x-api-key: $REKEY" -H 'Content-Type: application/json' --data-binary "$b" "$@" "$BASE/v2/SkipTrace"; }
# ap_send QUERY [ARGS...]: POST to Apollo /api/v1/people/match?QUERY with the good key (no body unless ARGS add one).
ap_send() { local q=$1; shift; call -X POST -H "x-api-key: $APKEY" "$@" "$BASE/api/v1/people/match?$q"; }
# ap_org QUERY [ARGS...]: GET Apollo /api/v1/organizations/enrich?QUERY with the good key.
ap_org() { local q=$1; shift; call -H "x-api-key: $APKEY" "$@" "$BASE/api/v1/organizations/enrich?$q"; }
# digits FIRST LAST: the 4 digits the enrichment stand-ins end phone numbers in, computed here
# independently of the stand-in: 0100 + sha256("first|last", stripped, lower-cased) mod 100.
digits() { python3 -c 'import hashlib, sys; k = "%s|%s" % (sys.argv[1].strip().lower(), sys.argv[2].strip().lower()); print("%04d" % (100 + int(hashlib.sha256(k.encode()).hexdigest(), 16) % 100))' "$1" "$2"; }
# odigits DOMAIN: the 4 digits a stand-in organization's phone ends in, computed here independently:
# 0100 + sha256("org|domain", lower-cased) mod 100.
odigits() { python3 -c 'import hashlib, sys; print("%04d" % (100 + int(hashlib.sha256(("org|" + sys.argv[1].strip().lower()).encode()).hexdigest(), 16) % 100))' "$1"; }
SH_OK='{"senderPhoneNumber": "15551234567", "recipientPhoneNumber": ["15559876543"], "messageBody": "Hi from the test", "statusCallbackUrl": "http://127.0.0.1:9/cb"}'

# --- start -------------------------------------------------------------------------------------
[ -r "$SPEC" ] || { echo "Twilio spec not found: $SPEC (set TWILIO_SPEC)"; exit 1; }
# Start the real interpreter, not a wrapper (e.g. a pyenv shim forks python as a child), so that
# $! is the stand-in itself and the SIGTERM below reaches it.
PY=$(python3 -c 'import sys; print(sys.executable)')
"$PY" "$HERE/provider_standin.py" --port 0 --twilio-spec "$SPEC" --twilio-sid "$SID" --twilio-token "$TOKEN" \
    --signalhouse-key "$KEY" --realestateapi-key "$REKEY" --apollo-key "$APKEY" --anthropic-key "$ANKEY" --hang-seconds 2 --log "$TMP/standin.log" >"$TMP/stdout" 2>"$TMP/stderr" &
PID=$!
PORT=""
for _ in $(seq 1 100); do
    PORT=$(sed -n 's/^LISTENING \([0-9][0-9]*\)$/\1/p' "$TMP/stdout")
    [ -n "$PORT" ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$PORT" ]; then echo "stand-in did not start"; cat "$TMP/stderr"; exit 1; fi
expect "stand-in prints exactly one LISTENING line" 1 "$(wc -l <"$TMP/stdout" | tr -d ' ')"
BASE=http://127.0.0.1:$PORT

# --- Twilio: valid requests ----------------------------------------------------------------------
tw_ok
expect "twilio valid send -> 201" 201 "$STATUS"
jexpect "twilio 201 body: sid SM+32hex, queued, to/from/body echoed" \
    're.fullmatch(r"SM[0-9a-f]{32}", d["sid"]) and d["status"] == "queued" and d["to"] == "+15558675310" and d["from"] == "+15017122661" and d["body"] == "Hello there"'
jexpect "twilio 201 body: num_segments/num_media strings, RFC 2822 date, account, uri" \
    'd["num_segments"] == "1" and d["num_media"] == "0" and re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000", d["date_created"]) and d["account_sid"] == "'$SID'" and d["uri"].endswith(d["sid"] + ".json") and d["direction"] == "outbound-api" and d["error_code"] is None'
SID1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sid"])' "$TMP/body")
lexpect "log: valid entry with form dict of lists, redacted auth, sid recorded" \
    'e["provider"] == "twilio" and e["valid"] is True and e["problems"] == [] and e["mode"] == "ok" and e["status"] == 201 and e["body"]["To"] == ["+15558675310"] and e["headers"]["Authorization"] == "<redacted>" and e["message_id"] == "'"$SID1"'"'
tw_ok
jexpect "twilio sids are unique per request" 'd["sid"] != "'"$SID1"'"'
tw --data-urlencode 'To=+15558675310' --data-urlencode "MessagingServiceSid=$MSG" \
   --data-urlencode 'MediaUrl=https://example.com/a.png' --data-urlencode 'MediaUrl=https://example.com/b.png' \
   --data-urlencode 'StatusCallback=http://127.0.0.1:8080/twilio/status' --data-urlencode 'ValidityPeriod=600' \
   --data-urlencode 'ContentRetention=retain' --data-urlencode 'SmartEncoded=true'
expect "twilio messaging service + 2 MediaUrl + optional fields -> 201" 201 "$STATUS"
jexpect "twilio 201: from null, messaging_service_sid, num_media 2" 'd["from"] is None and d["messaging_service_sid"] == "'$MSG'" and d["num_media"] == "2"'
tw --data-urlencode 'To=+15558675310' --data-urlencode 'From=+15017122661' --data-urlencode "Body=$(printf 'x%.0s' $(seq 1 161))"
jexpect "twilio 161 GSM-7 chars -> num_segments \"2\"" 'd["num_segments"] == "2"'

# --- Twilio: invalid requests ---------------------------------------------------------------------
tw --data-urlencode 'From=+15017122661' --data-urlencode 'Body=no recipient'
expect "twilio missing To -> 400" 400 "$STATUS"
jexpect "twilio missing To: code 21604, more_info, status" \
    'd["code"] == 21604 and d["status"] == 400 and d["more_info"] == "https://www.twilio.com/docs/errors/21604" and d["message"]'
lexpect "log: invalid entry has valid false and reasons" 'e["valid"] is False and any("To" in p for p in e["problems"]) and e["status"] == 400'
tw_ok --data-urlencode 'Bogus=1'
expect "twilio unknown field -> 400" 400 "$STATUS"
lexpect "log: unknown field named in problems" 'e["valid"] is False and any("Bogus" in p for p in e["problems"])'
tw_ok --data-urlencode 'ContentRetention=keep'
expect "twilio enum violation (ContentRetention=keep) -> 400" 400 "$STATUS"
tw_ok --data-urlencode 'MessagingServiceSid=MG123'
expect "twilio pattern violation (MessagingServiceSid) -> 400" 400 "$STATUS"
tw_ok --data-urlencode 'ValidityPeriod=soon' --data-urlencode 'SmartEncoded=maybe'
expect "twilio type violations (integer, boolean) -> 400" 400 "$STATUS"
lexpect "log: both type problems recorded" 'len(e["problems"]) == 2'
tw_ok --data-urlencode 'StatusCallback=http://my_host.example/cb'
expect "twilio StatusCallback with underscore in hostname -> 400 21609" "400 21609" \
    "$STATUS $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["code"])' "$TMP/body")"
tw --data-urlencode 'To=+15558675310' --data-urlencode 'Body=no sender'
jexpect "twilio no From/MessagingServiceSid -> 400 21603" 'd["status"] == 400 and d["code"] == 21603'
tw --data-urlencode 'To=+15558675310' --data-urlencode 'From=+15017122661'
jexpect "twilio no Body/MediaUrl/ContentSid -> 400 21619" 'd["status"] == 400 and d["code"] == 21619'
tw --data-urlencode 'To=5558675310' --data-urlencode 'From=+15017122661' --data-urlencode 'Body=x'
jexpect "twilio To not E.164 -> 400 21211" 'd["status"] == 400 and d["code"] == 21211'
tw_ok --data-urlencode 'Body=second body'
expect "twilio Body given twice -> 400" 400 "$STATUS"
tw -H 'Content-Type: application/json' --data-binary '{"To": "+15558675310", "From": "+15017122661", "Body": "x"}'
expect "twilio JSON body (wrong content type) -> 400" 400 "$STATUS"
lexpect "log: content-type problem recorded, JSON body parsed" 'e["valid"] is False and any("Content-Type" in p for p in e["problems"]) and e["body"]["To"] == "+15558675310"'

# --- Twilio: auth and path -----------------------------------------------------------------------
call -u "$SID:wrong-token" --data-urlencode 'To=+15558675310' --data-urlencode 'From=+15017122661' --data-urlencode 'Body=x' "$BASE$TW_PATH"
expect "twilio bad token -> 401" 401 "$STATUS"
jexpect "twilio 401 body: code 20003, status 401" 'd["code"] == 20003 and d["status"] == 401 and d["more_info"].endswith("/20003")'
lexpect "log: bad auth recorded invalid, token not in the log" 'e["valid"] is False and e["status"] == 401 and "wrong-token" not in json.dumps(L) and "'"$TOKEN"'" not in json.dumps(L)'
call --data-urlencode 'To=+15558675310' --data-urlencode 'From=+15017122661' --data-urlencode 'Body=x' "$BASE$TW_PATH"
expect "twilio no credentials -> 401" 401 "$STATUS"
call -u "ACnotasid:$TOKEN" --data-urlencode 'To=+15558675310' --data-urlencode 'From=+15017122661' --data-urlencode 'Body=x' \
    "$BASE/2010-04-01/Accounts/ACnotasid/Messages.json"
expect "twilio bad AccountSid as user and in path -> 401" 401 "$STATUS"
call -u "$SID:$TOKEN" --data-urlencode 'To=+15558675310' --data-urlencode 'From=+15017122661' --data-urlencode 'Body=x' \
    "$BASE/2010-04-01/Accounts/ACnotasid/Messages.json"
expect "twilio AccountSid in path not matching the spec pattern -> 404" 404 "$STATUS"
lexpect "log: path pattern problem recorded" 'e["valid"] is False and any("AccountSid" in p and "^AC" in p for p in e["problems"])'
call -u "$SID:$TOKEN" --data-urlencode 'To=+15558675310' --data-urlencode 'From=+15017122661' --data-urlencode 'Body=x' \
    "$BASE/2010-04-01/Accounts/$SID/Messages"
expect "twilio path not in the spec -> 404" 404 "$STATUS"
lexpect "log: unknown path recorded invalid" 'e["valid"] is False and e["status"] == 404 and e["path"].endswith("/Messages")'

# --- Twilio: modes -------------------------------------------------------------------------------
reset
expect "control: rate_limit for 1 request" 200 "$(ctl twilio rate_limit 1)"
tw_ok
expect "twilio rate_limit -> 429" 429 "$STATUS"
jexpect "twilio 429 body: code 20429" 'd["code"] == 20429 and d["status"] == 429'
expect "twilio 429 has Retry-After: 1" 1 "$(header Retry-After)"
lexpect "log: rate-limited request recorded (valid, mode rate_limit, 429)" 'e["valid"] is True and e["mode"] == "rate_limit" and e["status"] == 429 and e["message_id"] is None'
tw_ok
expect "twilio back to ok after count runs out -> 201" 201 "$STATUS"
ctl twilio error_500 >/dev/null
tw_ok; s1=$STATUS
tw_ok; s2=$STATUS
expect "twilio error_500 without count persists" "500 500" "$s1 $s2"
jexpect "twilio 500 body is a Twilio error" 'd["status"] == 500 and "code" in d'
ctl twilio ok >/dev/null
tw_ok
expect "twilio set back to ok -> 201" 201 "$STATUS"
ctl twilio unsubscribed 1 >/dev/null
tw_ok
jexpect "twilio unsubscribed -> 400 code 21610" 'd["status"] == 400 and d["code"] == 21610 and "unsubscribed" in d["message"]'
expect "twilio unsubscribed HTTP status" 400 "$STATUS"
ctl twilio close 1 >/dev/null
tw_ok
expect "twilio close -> no response (curl exit 52)" "52 000" "$RC $STATUS"
lexpect "log: closed request recorded with status null" 'e["mode"] == "close" and e["status"] is None and e["valid"] is True and e["body"]["Body"] == ["Hello there"]'
ctl twilio hang 1 >/dev/null
( TMP=$TMP/bg; mkdir -p "$TMP"; tw_ok; echo "$STATUS $TIME" >"$TMP/hang_tw" ) &   # own scratch files
HANG=$!
sleep 0.3
lexpect "log: hanging request logged before its reply" 'e["mode"] == "hang" and e["status"] == 201'
call -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary "$SH_OK" "$BASE/message/sms"
expect "another request is served while one hangs" 201 "$STATUS"
fast=$(python3 -c "import sys; print(float(sys.argv[1]) < 1.0)" "$TIME")
expect "... and promptly" True "$fast"
wait "$HANG"
read -r hs ht <"$TMP/bg/hang_tw"
expect "twilio hang -> 201 after the delay" 201 "$hs"
expect "twilio hang lasted >= 2 s" True "$(python3 -c "import sys; print(float(sys.argv[1]) >= 1.9)" "$ht")"
lexpect "log: counts what reached the provider (rate_limit..hang = 8 twilio entries)" \
    'sum(1 for x in L if x["provider"] == "twilio") == 8'

# --- SignalHouse -------------------------------------------------------------------------------
reset
sh_send "$SH_OK"
expect "signalhouse valid send -> 201" 201 "$STATUS"
jexpect "signalhouse 201 body: one ENQUEUED message with 24-hex _id" \
    'len(d["insertedMessages"]) == 1 and re.fullmatch(r"[0-9a-f]{24}", d["insertedMessages"][0]["_id"]) and d["insertedMessages"][0]["status"] == "ENQUEUED" and d["insertedMessages"][0]["errorCode"] is None and d["insertedMessages"][0]["recipientPhoneNumber"] == "15559876543"'
jexpect "signalhouse 201 counts" 'd["requestedRecipientCount"] == 1 and d["enqueuedCount"] == 1 and d["failedCount"] == 0 and d["dncBlockedNumbers"] == []'
SHID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["insertedMessages"][0]["_id"])' "$TMP/body")
lexpect "log: signalhouse entry valid, JSON body parsed, id recorded, auth redacted" \
    'e["provider"] == "signalhouse" and e["valid"] is True and e["body"]["recipientPhoneNumber"] == ["15559876543"] and e["message_id"] == "'"$SHID"'" and e["headers"]["Authorization"] == "<redacted>"'
sh_send '{"senderPhoneNumber": "15551234567", "recipientPhoneNumbers": ["15559876543"], "messageBody": "x"}'
expect "signalhouse plural recipientPhoneNumbers -> 400" 400 "$STATUS"
lexpect "log: plural field problem recorded" 'e["valid"] is False and any("singular" in p for p in e["problems"])'
sh_send '{"senderPhoneNumber": "15551234567", "recipientPhoneNumber": "15559876543", "messageBody": "x"}'
expect "signalhouse recipientPhoneNumber not an array -> 400" 400 "$STATUS"
sh_send '{"senderPhoneNumber": "+15551234567", "recipientPhoneNumber": ["+15559876543"], "messageBody": "x"}'
expect "signalhouse numbers with + -> 400" 400 "$STATUS"
jexpect "signalhouse 400 body is JSON with problems" 'd["statusCode"] == 400 and len(d["problems"]) == 2'
sh_send '{"senderPhoneNumber": "15551234567", "recipientPhoneNumber": ["5559876"], "messageBody": "x"}'
expect "signalhouse 7-digit recipient -> 400" 400 "$STATUS"
sh_send '{"senderPhoneNumber": "15551234567", "recipientPhoneNumber": ["15559876543"], "messageBody": ""}'
expect "signalhouse empty messageBody -> 400" 400 "$STATUS"
sh_send 'not json'
expect "signalhouse non-JSON body -> 400" 400 "$STATUS"
call -H "Authorization: Bearer nope" -H 'Content-Type: application/json' --data-binary "$SH_OK" "$BASE/message/sms"
expect "signalhouse bad key -> 401" 401 "$STATUS"
jexpect "signalhouse 401 body is JSON" 'd["statusCode"] == 401'
lexpect "log: bad key recorded invalid" 'e["valid"] is False and e["status"] == 401'
call -H 'Content-Type: application/json' --data-binary "$SH_OK" "$BASE/message/sms"
expect "signalhouse no Authorization -> 401" 401 "$STATUS"
ctl signalhouse rate_limit 1 >/dev/null
sh_send "$SH_OK"
expect "signalhouse rate_limit -> 429" 429 "$STATUS"
expect "signalhouse 429 has Retry-After: 1" 1 "$(header Retry-After)"
jexpect "signalhouse 429 body is JSON" 'd["statusCode"] == 429'
sh_send "$SH_OK"
expect "signalhouse back to ok -> 201" 201 "$STATUS"
ctl signalhouse error_500 1 >/dev/null
sh_send "$SH_OK"
expect "signalhouse error_500 -> 500" 500 "$STATUS"
ctl signalhouse unsubscribed 1 >/dev/null
sh_send "$SH_OK"
expect "signalhouse unsubscribed -> 201" 201 "$STATUS"
jexpect "signalhouse unsubscribed: enqueued 0, failed 1, FAILED/OUT" \
    'd["enqueuedCount"] == 0 and d["failedCount"] == 1 and d["insertedMessages"][0]["status"] == "FAILED" and d["insertedMessages"][0]["errorCode"] == "OUT"'
lexpect "log: unsubscribed mode recorded" 'e["mode"] == "unsubscribed" and e["status"] == 201'
ctl signalhouse close 1 >/dev/null
sh_send "$SH_OK"
expect "signalhouse close -> no response (curl exit 52)" "52 000" "$RC $STATUS"
lexpect "log: closed signalhouse request recorded with status null" 'e["mode"] == "close" and e["status"] is None and e["body"]["messageBody"] == "Hi from the test"'
ctl signalhouse hang 1 >/dev/null
sh_send "$SH_OK"
expect "signalhouse hang -> 201" 201 "$STATUS"
expect "signalhouse hang lasted >= 2 s" True "$(python3 -c "import sys; print(float(sys.argv[1]) >= 1.9)" "$TIME")"
sh_send "$SH_OK"
expect "signalhouse hang count 1 -> next is prompt" True "$(python3 -c "import sys; print(float(sys.argv[1]) < 1.0)" "$TIME")"

# --- RealEstateAPI SkipTrace v2 ------------------------------------------------------------------
reset
RE_OK='{"first_name": "John", "last_name": "Smith", "address": "123 Main St", "city": "Arlington", "state": "VA", "zip": "22205"}'
D=$(digits John Smith)
expect "digits helper gives 4 digits in 0100-0199" True "$(python3 -c 'import sys; print(100 <= int(sys.argv[1]) <= 199 and len(sys.argv[1]) == 4)' "$D")"
re_send "$RE_OK"
expect "realestateapi property-address skiptrace -> 200" 200 "$STATUS"
jexpect "realestateapi 200 envelope: uuid requestId, input echoed, match, counts, Success" \
    're.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", d["requestId"]) and d["input"] == json.loads(sys.argv[3]) and d["statusCode"] == 200 and d["statusMessage"] == "Success" and d["match"] is True and d["resultCount"] == 1 and d["resultIndex"] == 0 and d["live"] is True and d["requestExecutionTimeMS"] == "12ms" and d["requestDate"]' "$RE_OK"
jexpect "realestateapi person: names, address, email" \
    '(p := d["persons"][0]) and len(d["persons"]) == 1 and p["firstName"] == "John" and p["lastName"] == "Smith" and p["fullName"] == "John Smith" and p["address"] == {"address": "123 Main St, Arlington, VA 22205", "streetAddress": "123 Main St", "city": "Arlington", "state": "VA", "zip": "22205"} and p["emails"] == [{"email": "john.smith@skiptrace.example"}] and p["personId"]'
jexpect "realestateapi phones: 212555D wireless ok, 212556D landline, 212557D wireless on DNC" \
    'd["persons"][0]["phones"] == [{"phone": "212555'$D'", "phoneType": "W", "phoneFtcDnc": "N", "phoneLastSeen": "2026-01-01"}, {"phone": "212556'$D'", "phoneType": "L", "phoneFtcDnc": "N"}, {"phone": "212557'$D'", "phoneType": "W", "phoneFtcDnc": "Y"}]'
REQID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requestId"])' "$TMP/body")
lexpect "log: realestateapi entry valid, JSON body, x-api-key redacted, requestId recorded, key not logged" \
    'e["provider"] == "realestateapi" and e["valid"] is True and e["mode"] == "ok" and e["status"] == 200 and e["body"]["last_name"] == "Smith" and e["headers"]["x-api-key"] == "<redacted>" and e["message_id"] == "'"$REQID"'" and "'"$REKEY"'" not in json.dumps(L)'
re_send '{"first_name": "  JOHN ", "last_name": "smith", "address": "9 Elm", "city": "Reston", "state": "VA", "zip": "20190"}'
jexpect "realestateapi phones depend only on the names (case/space-insensitive)" 'd["persons"][0]["phones"][0]["phone"] == "212555'$D'"'
re_send '{"first_name": "Jane", "last_name": "Doe", "address": "1 A St", "city": "X", "state": "NY", "zip": "10001"}'
jexpect "realestateapi other names -> their own digits" 'd["persons"][0]["phones"][1]["phone"] == "212556'"$(digits Jane Doe)"'"'
re_send '{"mail_address": "PO Box 7", "mail_city": "Dallas", "mail_state": "TX", "mail_zip": "75201"}'
jexpect "realestateapi mailing address without names (LLC) -> 200, placeholder names, mail address" \
    'd["statusCode"] == 200 and d["persons"][0]["fullName"] == "Pat Owner" and d["persons"][0]["address"]["city"] == "Dallas" and d["persons"][0]["phones"][0]["phone"] == "212555'"$(digits Pat Owner)"'"'
re_send '{"phone": "2125550123"}'
expect "realestateapi phone form -> 200" 200 "$STATUS"
re_send '{"email": "someone@example.com"}'
expect "realestateapi email form -> 200" 200 "$STATUS"
re_send '{"first_name": "John", "last_name": "NoMatch", "address": "123 Main St", "city": "Arlington", "state": "VA", "zip": "22205"}'
expect "realestateapi last_name NoMatch -> 404" 404 "$STATUS"
jexpect "realestateapi 404 body: persons [], match false, responseMessage" \
    'd["persons"] == [] and d["match"] is False and d["resultCount"] == 0 and d["statusCode"] == 404 and d["statusMessage"] == "Not Found" and d["responseMessage"] == "No phones found for provided person." and d["input"]["last_name"] == "NoMatch" and d["requestId"]'
lexpect "log: no-match is a valid request answered 404" 'e["valid"] is True and e["status"] == 404'
re_send '{"first_name": "John", "last_name": "Smith", "address": "123 Main St", "city": "Arlington", "state": "VA"}'
expect "realestateapi incomplete property address (no zip) -> 400" 400 "$STATUS"
jexpect "realestateapi 400 envelope" 'd["statusCode"] == 400 and d["statusMessage"] == "Bad Request" and "zip" in d["error"]'
lexpect "log: shape problem recorded invalid" 'e["valid"] is False and e["status"] == 400 and any("missing zip" in p for p in e["problems"])'
re_send 'not json'
expect "realestateapi invalid JSON -> 400" 400 "$STATUS"
lexpect "log: invalid JSON recorded invalid" 'e["valid"] is False and e["body"] == "not json"'
re_send '{"phone": "+12125550123"}'
expect "realestateapi phone not 10 digits -> 400" 400 "$STATUS"
call -H "x-api-key: wrong" -H 'Content-Type: application/json' --data-binary "$RE_OK" "$BASE/v2/SkipTrace"
expect "realestateapi bad key -> 401" 401 "$STATUS"
jexpect "realestateapi 401 body is the documented envelope" 'd == {"statusCode": 401, "statusMessage": "Unauthorized", "error": "Invalid API key"}'
lexpect "log: bad key recorded invalid, redacted" 'e["valid"] is False and e["status"] == 401 and e["headers"]["x-api-key"] == "<redacted>"'
call -H 'Content-Type: application/json' --data-binary "$RE_OK" "$BASE/v2/SkipTrace"
expect "realestateapi no key -> 401" 401 "$STATUS"
call -H "x-api-key: $REKEY" -H 'Content-Type: application/json' --data-binary "$RE_OK" "$BASE/v2/PeopleSearch"
expect "realestateapi /v2/PeopleSearch alias -> 200" 200 "$STATUS"
call -H "x-api-key: $REKEY" -H 'Content-Type: application/json' --data-binary "$RE_OK" "$BASE/v1/SkipTrace"
expect "realestateapi v1 path -> 404" 404 "$STATUS"
lexpect "log: v1 path logged under realestateapi, invalid" 'e["provider"] == "realestateapi" and e["valid"] is False and e["mode"] == "ok"'
expect "control: realestateapi rate_limit for 1 request" 200 "$(ctl realestateapi rate_limit 1)"
re_send "$RE_OK"
expect "realestateapi rate_limit -> 429" 429 "$STATUS"
expect "realestateapi 429 has Retry-After: 1" 1 "$(header Retry-After)"
jexpect "realestateapi 429 envelope" 'd["statusCode"] == 429 and d["statusMessage"] == "Too Many Requests"'
lexpect "log: realestateapi rate_limit recorded" 'e["provider"] == "realestateapi" and e["mode"] == "rate_limit" and e["status"] == 429 and e["valid"] is True'
re_send "$RE_OK"
expect "realestateapi back to ok -> 200" 200 "$STATUS"
ctl realestateapi error_500 1 >/dev/null
re_send "$RE_OK"
jexpect "realestateapi error_500 -> 500 envelope" 'd["statusCode"] == 500'
ctl realestateapi unsubscribed 1 >/dev/null
re_send "$RE_OK"
jexpect "realestateapi unsubscribed is treated as ok -> 200 with phones" 'd["statusCode"] == 200 and len(d["persons"][0]["phones"]) == 3'
ctl realestateapi close 1 >/dev/null
re_send "$RE_OK"
expect "realestateapi close -> no response (curl exit 52)" "52 000" "$RC $STATUS"
lexpect "log: closed realestateapi request recorded with status null" 'e["provider"] == "realestateapi" and e["mode"] == "close" and e["status"] is None and e["body"]["first_name"] == "John"'
ctl realestateapi hang 1 >/dev/null
re_send "$RE_OK"
expect "realestateapi hang -> 200 after >= 2 s" "200 True" "$STATUS $(python3 -c "import sys; print(float(sys.argv[1]) >= 1.9)" "$TIME")"

# --- Apollo People Enrichment --------------------------------------------------------------------
reset
AP_OK='first_name=Maria&last_name=Garcia&organization_name=Garcia%20Roofing&domain=garciaroofing.com'
D=$(digits Maria Garcia)
ap_send "$AP_OK"
expect "apollo people/match -> 200" 200 "$STATUS"
jexpect "apollo person: identity, title, email at the domain, location" \
    '(p := d["person"]) and re.fullmatch(r"[0-9a-f]{24}", p["id"]) and p["first_name"] == "Maria" and p["last_name"] == "Garcia" and p["name"] == "Maria Garcia" and p["title"] == "Owner" and p["email"] == "maria@garciaroofing.com" and p["email_status"] == "verified" and p["linkedin_url"] and p["city"] and p["state"] and p["country"] == "United States"'
jexpect "apollo organization" \
    '(o := d["person"]["organization"]) and re.fullmatch(r"[0-9a-f]{24}", o["id"]) and o["name"] == "Garcia Roofing" and o["primary_domain"] == "garciaroofing.com" and o["industry"] == "construction" and o["estimated_num_employees"] == 12 and o["annual_revenue"] == 1200000'
jexpect "apollo contact phone: +1 212-558-D mobile, valid, dnc_status null" \
    '(ph := d["person"]["contact"]["phone_numbers"]) and len(ph) == 1 and ph[0]["raw_number"] == "+1 212-558-'$D'" and ph[0]["sanitized_number"] == "+1212558'$D'" and ph[0]["type"] == "mobile" and ph[0]["status"] == "valid_number" and ph[0]["dnc_status"] is None'
APID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["person"]["id"])' "$TMP/body")
lexpect "log: apollo entry valid, body = parsed query (dict of lists), key redacted, person id recorded" \
    'e["provider"] == "apollo" and e["valid"] is True and e["status"] == 200 and e["body"] == {"first_name": ["Maria"], "last_name": ["Garcia"], "organization_name": ["Garcia Roofing"], "domain": ["garciaroofing.com"]} and e["headers"]["x-api-key"] == "<redacted>" and e["message_id"] == "'"$APID"'" and "'"$APKEY"'" not in json.dumps(L)'
ap_send "$AP_OK"
jexpect "apollo person id is deterministic" 'd["person"]["id"] == "'"$APID"'"'
ap_send 'name=Maria%20Garcia'
jexpect "apollo name only -> split names, same digits, example.com email, Unknown org" \
    'd["person"]["first_name"] == "Maria" and d["person"]["last_name"] == "Garcia" and d["person"]["email"] == "maria@example.com" and d["person"]["organization"]["name"] == "Unknown" and d["person"]["contact"]["phone_numbers"][0]["sanitized_number"] == "+1212558'$D'"'
ap_send 'first_name=Maria&last_name=nomatch&domain=garciaroofing.com'
expect "apollo last_name nomatch -> 200" 200 "$STATUS"
jexpect "apollo nomatch body is {\"person\": null}" 'd == {"person": None}'
lexpect "log: apollo nomatch valid" 'e["valid"] is True and e["status"] == 200 and e["message_id"] is None'
ap_send 'reveal_personal_emails=false'
expect "apollo no identifying parameter -> 422" 422 "$STATUS"
jexpect "apollo 422 body has error" 'isinstance(d["error"], str) and d["error"]'
lexpect "log: apollo 422 recorded invalid" 'e["valid"] is False and e["status"] == 422 and e["body"] == {"reveal_personal_emails": ["false"]}'
ap_send '' -H 'Content-Type: application/json' --data-binary '{"first_name": "Maria", "last_name": "Garcia"}'
expect "apollo parameters in a JSON body (not the query) -> 422" 422 "$STATUS"
lexpect "log: body-instead-of-query problem recorded" 'e["valid"] is False and any("query" in p for p in e["problems"]) and e["body"] == {}'
ap_send "$AP_OK&reveal_phone_number=true"
expect "apollo reveal_phone_number without webhook_url -> 422" 422 "$STATUS"
call -X POST -H "x-api-key: wrong" "$BASE/api/v1/people/match?$AP_OK"
expect "apollo bad key -> 401" 401 "$STATUS"
jexpect "apollo 401 body" 'd == {"error": "Invalid access credentials.", "error_code": "INVALID_API_KEY_ERROR"}'
lexpect "log: apollo bad key recorded invalid" 'e["provider"] == "apollo" and e["valid"] is False and e["status"] == 401'
call -X POST "$BASE/api/v1/people/match?$AP_OK"
expect "apollo no key -> 401" 401 "$STATUS"
call -X POST -H "x-api-key: $APKEY" "$BASE/api/v1/people/bulk_match?$AP_OK"
expect "apollo other endpoint -> 404" 404 "$STATUS"
expect "control: apollo rate_limit for 1 request" 200 "$(ctl apollo rate_limit 1)"
ap_send "$AP_OK"
expect "apollo rate_limit -> 429" 429 "$STATUS"
expect "apollo 429 has Retry-After: 1" 1 "$(header Retry-After)"
jexpect "apollo 429 body has error" 'd["error"] and d["error_code"] == "RATE_LIMIT_EXCEEDED"'
lexpect "log: apollo rate_limit recorded" 'e["provider"] == "apollo" and e["mode"] == "rate_limit" and e["status"] == 429 and e["valid"] is True'
ap_send "$AP_OK"
expect "apollo back to ok -> 200" 200 "$STATUS"
ctl apollo error_500 1 >/dev/null
ap_send "$AP_OK"
expect "apollo error_500 -> 500" 500 "$STATUS"
ctl apollo unsubscribed 1 >/dev/null
ap_send "$AP_OK"
jexpect "apollo unsubscribed is treated as ok -> person" 'd["person"]["id"] == "'"$APID"'"'
ctl apollo close 1 >/dev/null
ap_send "$AP_OK"
expect "apollo close -> no response (curl exit 52)" "52 000" "$RC $STATUS"
lexpect "log: closed apollo request recorded with status null" 'e["provider"] == "apollo" and e["mode"] == "close" and e["status"] is None and e["body"]["last_name"] == ["Garcia"]'

# --- Apollo Organization Enrichment --------------------------------------------------------------
reset
E=$(odigits garciaroofing.com)
ap_org 'domain=garciaroofing.com'
expect "apollo organizations/enrich -> 200" 200 "$STATUS"
jexpect "apollo organization: id, name, website, domain" \
    '(o := d["organization"]) and list(d) == ["organization"] and re.fullmatch(r"[0-9a-f]{24}", o["id"]) and o["name"] == "Garciaroofing" and o["website_url"] == "http://www.garciaroofing.com" and o["primary_domain"] == "garciaroofing.com"'
jexpect "apollo organization phone: +1 212-559-E as phone, sanitized_phone and primary_phone" \
    '(o := d["organization"]) and o["phone"] == "+1 212-559-'$E'" and o["sanitized_phone"] == "+1212559'$E'" and o["primary_phone"] == {"number": "+1 212-559-'$E'", "source": "Account", "sanitized_number": "+1212559'$E'"}'
jexpect "apollo organization firmographics and address" \
    '(o := d["organization"]) and o["industry"] == "construction" and o["estimated_num_employees"] == 25 and o["annual_revenue"] == 2500000 and o["founded_year"] == 2009 and o["street_address"] == "350 5th Ave" and o["city"] == "New York" and o["state"] == "New York" and o["postal_code"] == "10118" and o["country"] == "United States" and o["raw_address"]'
ORGID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["organization"]["id"])' "$TMP/body")
lexpect "log: apollo organization entry is a valid GET, body = parsed query, key redacted, organization id recorded" \
    'e["provider"] == "apollo" and e["method"] == "GET" and e["path"] == "/api/v1/organizations/enrich" and e["valid"] is True and e["status"] == 200 and e["body"] == {"domain": ["garciaroofing.com"]} and e["headers"]["x-api-key"] == "<redacted>" and e["message_id"] == "'"$ORGID"'" and "'"$APKEY"'" not in json.dumps(L)'
ap_org 'domain=GarciaRoofing.com'
jexpect "apollo organization depends only on the domain (case-insensitive)" 'd["organization"]["id"] == "'"$ORGID"'" and d["organization"]["sanitized_phone"] == "+1212559'$E'"'
ap_org 'domain=dale-roofing.co.uk'
jexpect "apollo other domain -> its own id, digits and name" \
    'd["organization"]["id"] != "'"$ORGID"'" and d["organization"]["sanitized_phone"] == "+1212559'"$(odigits dale-roofing.co.uk)"'" and d["organization"]["name"] == "Dale Roofing"'
ap_org 'domain=nomatch-roofing.com'
expect "apollo unknown domain (nomatch...) -> 200" 200 "$STATUS"
jexpect "apollo unknown domain body is {}" 'd == {}'
lexpect "log: unknown domain is a valid request with no organization id" 'e["valid"] is True and e["status"] == 200 and e["message_id"] is None'
ap_org 'domain=www.garciaroofing.com'
expect "apollo domain with www. -> 422" 422 "$STATUS"
jexpect "apollo 422 names the www. problem" '"www." in d["error"]'
lexpect "log: www. domain recorded invalid" 'e["valid"] is False and e["status"] == 422 and e["body"] == {"domain": ["www.garciaroofing.com"]}'
ap_org 'domain=https%3A%2F%2Fgarciaroofing.com%2Fabout'
expect "apollo domain with a scheme and path -> 422" 422 "$STATUS"
ap_org 'domain=maria%40garciaroofing.com'
expect "apollo e-mail address as domain -> 422" 422 "$STATUS"
ap_org 'name=Garcia%20Roofing'
expect "apollo organization without domain -> 422" 422 "$STATUS"
ap_org 'domain=garciaroofing.com&domain=apollo.io'
expect "apollo two domains -> 422" 422 "$STATUS"
call -H "x-api-key: wrong" "$BASE/api/v1/organizations/enrich?domain=garciaroofing.com"
expect "apollo organization bad key -> 401" 401 "$STATUS"
jexpect "apollo organization 401 body" 'd == {"error": "Invalid access credentials.", "error_code": "INVALID_API_KEY_ERROR"}'
call "$BASE/api/v1/organizations/enrich?domain=garciaroofing.com"
expect "apollo organization no key -> 401" 401 "$STATUS"
lexpect "log: apollo organization without key recorded invalid" 'e["valid"] is False and e["status"] == 401 and e["method"] == "GET"'
call -X POST -H "x-api-key: $APKEY" "$BASE/api/v1/organizations/enrich?domain=garciaroofing.com"
expect "apollo organizations/enrich by POST -> 404" 404 "$STATUS"
expect "control: apollo rate_limit for 1 request" 200 "$(ctl apollo rate_limit 1)"
ap_org 'domain=garciaroofing.com'
expect "apollo organization rate_limit -> 429" 429 "$STATUS"
expect "apollo organization 429 has Retry-After: 1" 1 "$(header Retry-After)"
lexpect "log: apollo organization rate_limit recorded" 'e["method"] == "GET" and e["mode"] == "rate_limit" and e["status"] == 429 and e["valid"] is True'
ap_org 'domain=garciaroofing.com'
expect "apollo organization back to ok -> 200" 200 "$STATUS"
ctl apollo rate_limit 2 >/dev/null
ap_send "$AP_OK"; s1=$STATUS
ap_org 'domain=garciaroofing.com'; s2=$STATUS
ap_org 'domain=garciaroofing.com'; s3=$STATUS
expect "one apollo mode count covers both endpoints (people 429, organization 429, then 200)" "429 429 200" "$s1 $s2 $s3"
ctl apollo error_500 1 >/dev/null
ap_org 'domain=garciaroofing.com'
expect "apollo organization error_500 -> 500" 500 "$STATUS"
ctl apollo unsubscribed 1 >/dev/null
ap_org 'domain=garciaroofing.com'
jexpect "apollo organization unsubscribed is treated as ok" 'd["organization"]["id"] == "'"$ORGID"'"'
ctl apollo close 1 >/dev/null
ap_org 'domain=garciaroofing.com'
expect "apollo organization close -> no response (curl exit 52)" "52 000" "$RC $STATUS"
lexpect "log: closed organization request recorded with status null" 'e["method"] == "GET" and e["mode"] == "close" and e["status"] is None and e["body"] == {"domain": ["garciaroofing.com"]}'
ctl apollo hang 1 >/dev/null
ap_org 'domain=garciaroofing.com'
expect "apollo organization hang -> 200 after >= 2 s" "200 True" "$STATUS $(python3 -c "import sys; print(float(sys.argv[1]) >= 1.9)" "$TIME")"
ap_org 'domain=garciaroofing.com'
expect "apollo organization hang count 1 -> next is prompt" True "$(python3 -c "import sys; print(float(sys.argv[1]) < 1.0)" "$TIME")"
lexpect "log: every organization request reached the log (GET entries)" \
    'sum(1 for x in L if x["path"] == "/api/v1/organizations/enrich" and x["method"] == "GET") == 20'
curl -sS --max-time 5 "$BASE/_log?provider=apollo" >"$TMP/log"
expect "/_log?provider=apollo filters" True \
    "$(python3 -c 'import json,sys; L=[json.loads(l) for l in open(sys.argv[1])]; print(len(L) > 0 and all(x["provider"] == "apollo" for x in L))' "$TMP/log")"
call "$BASE/_control"
jexpect "GET /_control lists the providers" 'sorted(d) == ["anthropic", "apollo", "realestateapi", "signalhouse", "twilio"]'

# --- Anthropic Messages API ----------------------------------------------------------------------
reset
# an_send JSON [ARGS...]: POST a JSON body to Anthropic /v1/messages with the good key and version.
an_send() { local b=$1; shift; call -H "x-api-key: $ANKEY" -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' --data-binary "$b" "$@" "$BASE/v1/messages"; }
# an_body REPLY [MORE-JSON-FIELDS]: a request shaped as outreachd sends it, the reply fenced in the user turn.
an_body() { python3 -c 'import json, sys; b = {"model": "claude-haiku-4-5", "max_tokens": 200, "temperature": 0, "system": "You label replies.", "messages": [{"role": "user", "content": "Their reply:\n<reply>\n" + sys.argv[1] + "\n</reply>"}]}; b.update(json.loads(sys.argv[2])); print(json.dumps(b))' "$1" "${2:-{\}}"; }
# an_label: the label and confidence in the last answer's text.
an_label() { python3 -c 'import json, sys; a = json.loads(json.load(open(sys.argv[1]))["content"][0]["text"]); print(a["label"], a["confidence"])' "$TMP/body" 2>/dev/null; }
an_send "$(an_body 'my cousin handles that stuff')"
expect "anthropic valid message -> 200" 200 "$STATUS"
jexpect "anthropic 200 body: msg id, type, role, requested model, one text block, end_turn, usage" \
    're.fullmatch(r"msg_[0-9A-Za-z]{24}", d["id"]) and d["type"] == "message" and d["role"] == "assistant" and d["model"] == "claude-haiku-4-5" and len(d["content"]) == 1 and d["content"][0]["type"] == "text" and d["stop_reason"] == "end_turn" and d["stop_sequence"] is None and d["usage"]["input_tokens"] > 0 and d["usage"]["output_tokens"] > 0'
jexpect "anthropic answer text is the JSON label (no keyword: UNCLEAR 0.5) with a reason" \
    '(a := json.loads(d["content"][0]["text"])) and a["label"] == "UNCLEAR" and a["confidence"] == 0.5 and a["reason"]'
RID=$(header request-id)
expect "anthropic reply carries a request-id header" True "$(python3 -c 'import re, sys; print(bool(re.fullmatch(r"req_[0-9A-Za-z]{24}", sys.argv[1])))' "$RID")"
expect "anthropic reply carries anthropic-organization-id" True "$([ -n "$(header anthropic-organization-id)" ] && echo True)"
MSGID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TMP/body")
lexpect "log: anthropic entry valid, x-api-key redacted, body parsed, message and request ids recorded, key not logged" \
    'e["provider"] == "anthropic" and e["valid"] is True and e["status"] == 200 and e["headers"]["x-api-key"] == "<redacted>" and e["body"]["temperature"] == 0 and e["message_id"] == "'"$MSGID"'" and e["request_id"] == "'"$RID"'" and "'"$ANKEY"'" not in json.dumps(L)'
for pair in "please remove me:STOP 0.9" "Leave me alone:STOP 0.9" "wrong number:STOP 0.9" "frank@example.com works:EMAIL_CAPTURE 0.95" \
            "call me at 5:CALLBACK_REQUEST 0.85" "what are your rates:PRICE_INQUIRY 0.85" "who is this?:QUESTION 0.8" \
            "not interested:NEGATIVE 0.85" "yes please:POSITIVE 0.85" "Sure, interested:POSITIVE 0.85" "hmm:UNCLEAR 0.5"; do
    an_send "$(an_body "${pair%%:*}")"
    expect "anthropic keyword scheme: \"${pair%%:*}\" -> ${pair#*:}" "${pair#*:}" "$(an_label)"
done
an_send "$(python3 -c 'import json; print(json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 50, "system": [{"type": "text", "text": "Label it."}], "messages": [{"role": "user", "content": [{"type": "text", "text": "no reply tags, just a question?"}]}, {"role": "assistant", "content": "ok"}, {"role": "user", "content": [{"type": "text", "text": "<reply>\nok call me\n</reply>"}]}]}))')"
jexpect "anthropic text blocks, several turns: the reply of the last user turn is labelled, model echoed" \
    'd["model"] == "claude-sonnet-4-5" and json.loads(d["content"][0]["text"])["label"] == "CALLBACK_REQUEST"'
an_send "$(an_body 'yes' '{"max_tokens": 3}')"
jexpect "anthropic answer longer than max_tokens is cut: stop_reason max_tokens" \
    'd["stop_reason"] == "max_tokens" and d["usage"]["output_tokens"] == 3 and len(d["content"][0]["text"]) == 12'

# invalid requests
call -H "x-api-key: wrong" -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' --data-binary "$(an_body hi)" "$BASE/v1/messages"
expect "anthropic bad key -> 401" 401 "$STATUS"
jexpect "anthropic 401: documented error shape, authentication_error, request_id = header" \
    'd["type"] == "error" and d["error"]["type"] == "authentication_error" and d["error"]["message"] and d["request_id"] == sys.argv[3]' "$(header request-id)"
lexpect "log: bad anthropic key recorded invalid and redacted" 'e["valid"] is False and e["status"] == 401 and e["headers"]["x-api-key"] == "<redacted>" and "wrong" not in json.dumps(e["headers"])'
call -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' --data-binary "$(an_body hi)" "$BASE/v1/messages"
expect "anthropic no key -> 401" 401 "$STATUS"
call -H "x-api-key: $ANKEY" -H 'content-type: application/json' --data-binary "$(an_body hi)" "$BASE/v1/messages"
expect "anthropic no anthropic-version -> 400" 400 "$STATUS"
jexpect "anthropic 400: invalid_request_error naming anthropic-version" 'd["error"]["type"] == "invalid_request_error" and "anthropic-version" in d["error"]["message"] and d["request_id"].startswith("req_")'
call -H "x-api-key: $ANKEY" -H 'anthropic-version: 1999-01-01' -H 'content-type: application/json' --data-binary "$(an_body hi)" "$BASE/v1/messages"
expect "anthropic unknown anthropic-version -> 400" 400 "$STATUS"
an_send "$(an_body hi '{"max_tokens": 0}')"
expect "anthropic max_tokens 0 -> 400" 400 "$STATUS"
an_send "$(an_body hi '{"max_tokens": "200"}')"
expect "anthropic max_tokens as a string -> 400" 400 "$STATUS"
an_send '{"max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}'
expect "anthropic no model -> 400" 400 "$STATUS"
an_send "$(an_body hi '{"messages": []}')"
expect "anthropic empty messages -> 400" 400 "$STATUS"
an_send "$(an_body hi '{"messages": [{"role": "assistant", "content": "hi"}]}')"
expect "anthropic first message not from the user -> 400" 400 "$STATUS"
an_send "$(an_body hi '{"messages": [{"role": "system", "content": "hi"}]}')"
expect "anthropic role system in messages -> 400" 400 "$STATUS"
an_send "$(an_body hi '{"messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]}')"
expect "anthropic non-text content block -> 400" 400 "$STATUS"
an_send "$(an_body hi '{"messages": [{"role": "user", "content": ""}]}')"
expect "anthropic empty user content -> 400" 400 "$STATUS"
an_send "$(an_body hi '{"system": 42}')"
expect "anthropic system not text -> 400" 400 "$STATUS"
an_send "$(an_body hi '{"temperature": 1.5}')"
expect "anthropic temperature above 1 -> 400" 400 "$STATUS"
an_send "$(an_body hi '{"frequency_penalty": 0}')"
expect "anthropic unknown field -> 400" 400 "$STATUS"
jexpect "anthropic unknown field: Extra inputs are not permitted" '"frequency_penalty" in d["error"]["message"] and "Extra inputs" in d["error"]["message"]'
an_send "$(an_body hi '{"stream": true}')"
expect "anthropic stream true (not served by the stand-in) -> 400" 400 "$STATUS"
an_send 'not json'
expect "anthropic invalid JSON -> 400" 400 "$STATUS"
lexpect "log: invalid anthropic request recorded with its problems" 'e["provider"] == "anthropic" and e["valid"] is False and e["status"] == 400 and e["problems"] and e["request_id"].startswith("req_")'
an_send "$(an_body hi '{"max_tokens": 0, "temperature": 7}')"
lexpect "log: every problem of a request is recorded" 'len(e["problems"]) == 2'
call -H "x-api-key: $ANKEY" -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' --data-binary "$(an_body hi)" "$BASE/v1/messages/count_tokens"
expect "anthropic other /v1/messages path -> 404" 404 "$STATUS"
jexpect "anthropic 404: not_found_error" 'd["error"]["type"] == "not_found_error"'
lexpect "log: /v1/messages/... is logged under anthropic" 'e["provider"] == "anthropic" and e["valid"] is False and e["status"] == 404'
call -H "x-api-key: $ANKEY" -H 'anthropic-version: 2023-06-01' "$BASE/v1/messages"
expect "anthropic GET /v1/messages -> 404" 404 "$STATUS"

# models
call -H "x-api-key: $ANKEY" -H 'anthropic-version: 2023-06-01' "$BASE/v1/models"
expect "anthropic GET /v1/models -> 200" 200 "$STATUS"
jexpect "anthropic model list: model objects, has_more false, first/last ids, haiku 4.5 among them" \
    'all(m["type"] == "model" and m["id"] and m["display_name"] and m["created_at"] for m in d["data"]) and d["has_more"] is False and d["first_id"] == d["data"][0]["id"] and d["last_id"] == d["data"][-1]["id"] and "claude-haiku-4-5" in [m["id"] for m in d["data"]]'
call -H "x-api-key: $ANKEY" -H 'anthropic-version: 2023-06-01' "$BASE/v1/models/claude-haiku-4-5"
jexpect "anthropic GET /v1/models/claude-haiku-4-5 -> the model" 'd["id"] == "claude-haiku-4-5" and d["type"] == "model"'
call -H "x-api-key: $ANKEY" -H 'anthropic-version: 2023-06-01' "$BASE/v1/models/claude-nonesuch"
expect "anthropic unknown model id -> 404" 404 "$STATUS"
call -H 'anthropic-version: 2023-06-01' "$BASE/v1/models"
expect "anthropic /v1/models without key -> 401" 401 "$STATUS"
call -H "x-api-key: $REKEY" -H 'Content-Type: application/json' --data-binary "$RE_OK" "$BASE/v1/SkipTrace"
lexpect "other /v1/ paths are still RealEstateAPI's" 'e["provider"] == "realestateapi" and e["status"] == 404'

# modes and the scripted answer
reset
expect "control: anthropic rate_limit for 1 request" 200 "$(ctl anthropic rate_limit 1)"
an_send "$(an_body hi)"
expect "anthropic rate_limit -> 429" 429 "$STATUS"
expect "anthropic 429 has retry-after: 1" 1 "$(header retry-after)"
jexpect "anthropic 429: rate_limit_error, no error details" 'd["type"] == "error" and d["error"]["type"] == "rate_limit_error" and "details" not in d["error"] and d["request_id"].startswith("req_")'
lexpect "log: anthropic rate_limit recorded (valid, mode, 429, request id)" 'e["provider"] == "anthropic" and e["mode"] == "rate_limit" and e["status"] == 429 and e["valid"] is True and e["request_id"] and e["message_id"] is None'
an_send "$(an_body hi)"
expect "anthropic back to ok after the count -> 200" 200 "$STATUS"
ctl anthropic error_500 1 >/dev/null
an_send "$(an_body hi)"
jexpect "anthropic error_500 -> 500 api_error" 'd["error"]["type"] == "api_error"'
expect "anthropic error_500 HTTP status" 500 "$STATUS"
ctl anthropic overloaded 1 >/dev/null
an_send "$(an_body hi)"
expect "anthropic overloaded -> 529" 529 "$STATUS"
jexpect "anthropic 529: overloaded_error \"Overloaded\"" 'd["error"]["type"] == "overloaded_error" and d["error"]["message"] == "Overloaded"'
expect "anthropic 529 has no retry-after" "" "$(header retry-after)"
ctl anthropic spend_limit 1 >/dev/null
an_send "$(an_body hi)"
expect "anthropic spend_limit -> 429" 429 "$STATUS"
jexpect "anthropic spend_limit: rate_limit_error with details.error_code enforced_spend_limit_reached" \
    'd["error"]["type"] == "rate_limit_error" and d["error"]["details"]["error_code"] == "enforced_spend_limit_reached"'
expect "anthropic spend_limit has no retry-after" "" "$(header retry-after)"
ctl anthropic rate_limit 1 >/dev/null
call -H "x-api-key: wrong" -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' --data-binary "$(an_body hi)" "$BASE/v1/messages"
expect "an outage mode answers whatever the request (bad key still gets 429)" 429 "$STATUS"
ctl anthropic bad_answer 1 >/dev/null
an_send "$(an_body hi)"
expect "anthropic bad_answer -> 200" 200 "$STATUS"
jexpect "anthropic bad_answer: end_turn with prose, no JSON object in it" 'd["stop_reason"] == "end_turn" and d["content"][0]["text"] and "{" not in d["content"][0]["text"]'
ctl anthropic refusal 1 >/dev/null
an_send "$(an_body hi)"
jexpect "anthropic refusal: 200, stop_reason refusal, empty text" 'd["stop_reason"] == "refusal" and d["content"] == [{"type": "text", "text": ""}] and d["usage"]["output_tokens"] == 0'
ctl anthropic refusal 1 >/dev/null
an_send "$(an_body hi '{"max_tokens": 0}')"
expect "an answer mode does not answer an invalid request (400)" 400 "$STATUS"
an_send "$(an_body hi)"
jexpect "... whose request used up the count all the same (the next is end_turn)" 'd["stop_reason"] == "end_turn"'
ctl anthropic close 1 >/dev/null
an_send "$(an_body hi)"
expect "anthropic close -> no response (curl exit 52)" "52 000" "$RC $STATUS"
lexpect "log: closed anthropic request recorded with status null, no request id" 'e["provider"] == "anthropic" and e["mode"] == "close" and e["status"] is None and e["request_id"] is None'
ctl anthropic hang 1 >/dev/null
an_send "$(an_body 'yes sure')"
expect "anthropic hang -> 200 after >= 2 s" "200 True" "$STATUS $(python3 -c "import sys; print(float(sys.argv[1]) >= 1.9)" "$TIME")"
expect "anthropic hang answers the label" "POSITIVE 0.85" "$(an_label)"
expect "control: twilio does not take an anthropic mode" 400 "$(ctl twilio overloaded)"
expect "control: anthropic does not take unsubscribed" 400 "$(ctl anthropic unsubscribed)"
# actl JSON: a raw /_control command; prints the HTTP status.
actl() { curl -sS -o "$TMP/body" -w '%{http_code}' --max-time 5 -H 'Content-Type: application/json' --data-binary "$1" "$BASE/_control"; }
expect "control: script the answer (no mode needed)" 200 "$(actl '{"provider": "anthropic", "answer": {"label": "CALLBACK_REQUEST", "confidence": 0.93}}')"
jexpect "GET /_control shows the scripted answer, mode unchanged" 'd["anthropic"] == {"mode": "ok", "count": None, "answer": {"label": "CALLBACK_REQUEST", "confidence": 0.93}}'
an_send "$(an_body 'please remove me')"
expect "a scripted answer overrides the keywords" "CALLBACK_REQUEST 0.93" "$(an_label)"
jexpect "a scripted answer's reason defaults" 'json.loads(d["content"][0]["text"])["reason"] == "scripted by the test"'
an_send "$(an_body 'hmm')"
expect "a scripted answer stays until changed" "CALLBACK_REQUEST 0.93" "$(an_label)"
expect "control: rate_limit once together with a scripted answer" 200 \
    "$(actl '{"provider": "anthropic", "mode": "rate_limit", "count": 1, "answer": {"label": "MAYBE", "confidence": 85, "reason": "r"}}')"
an_send "$(an_body hi)"; s1=$STATUS
an_send "$(an_body hi)"
expect "the mode counts down, then the scripted answer (unchecked label and confidence, given reason)" "429 200 MAYBE 85 r" \
    "$s1 $STATUS $(python3 -c 'import json, sys; a = json.loads(json.load(open(sys.argv[1]))["content"][0]["text"]); print(a["label"], a["confidence"], a["reason"])' "$TMP/body")"
expect "control: answer null goes back to the keyword scheme" 200 "$(actl '{"provider": "anthropic", "answer": null}')"
an_send "$(an_body 'please remove me')"
expect "... STOP again by keyword" "STOP 0.9" "$(an_label)"
expect "control: answer for another provider is refused" 400 "$(actl '{"provider": "twilio", "mode": "ok", "answer": {"label": "STOP", "confidence": 1}}')"
expect "control: answer without confidence is refused" 400 "$(actl '{"provider": "anthropic", "answer": {"label": "STOP"}}')"
expect "control: answer with a boolean confidence is refused" 400 "$(actl '{"provider": "anthropic", "answer": {"label": "STOP", "confidence": true}}')"
expect "control: answer with an unknown key is refused" 400 "$(actl '{"provider": "anthropic", "answer": {"label": "STOP", "confidence": 1, "x": 1}}')"
actl '{"provider": "anthropic", "answer": {"label": "QUESTION", "confidence": 1}}' >/dev/null
reset
an_send "$(an_body 'please remove me')"
expect "/_reset drops the scripted answer" "STOP 0.9" "$(an_label)"
call "$BASE/_control"
jexpect "GET /_control lists all five providers" 'sorted(d) == ["anthropic", "apollo", "realestateapi", "signalhouse", "twilio"] and d["anthropic"]["answer"] is None'

# --- control API and log -------------------------------------------------------------------------
expect "control rejects an unknown mode" 400 "$(ctl twilio explode)"
expect "control rejects an unknown provider" 400 "$(ctl sms ok)"
expect "control rejects count 0" 400 "$(ctl twilio ok 0)"
lexpect "log: every entry has the documented fields" \
    'all(set(x) >= {"time", "provider", "method", "path", "headers", "body", "valid", "problems", "mode", "status", "message_id"} for x in L)'
curl -sS --max-time 5 "$BASE/_log" >"$TMP/log"
expect "--log file ends with exactly the /_log entries, and keeps those from before /_reset" True \
    "$(python3 -c '
import json, sys
f = [json.loads(l) for l in open(sys.argv[1])]
g = [json.loads(l) for l in open(sys.argv[2])]
print(len(f) > len(g) > 0 and f[-len(g):] == g)' "$TMP/standin.log" "$TMP/log")"
reset
lexpect "reset clears the log" 'L == []'

# --- webhook signer ------------------------------------------------------------------------------
python3 "$HERE/sign_webhook.py" selftest >"$TMP/sig" 2>&1
expect "sign_webhook.py selftest passes" 0 $?
expect "twilio signature CLI (published vector)" "RSOYDt4T1cUTdK1PDd93/VVr8B8=" \
    "$(python3 "$HERE/sign_webhook.py" twilio --token 12345 --url 'https://mycompany.com/myapp.php?foo=1&bar=2' \
        --form 'CallSid=CA1234567890ABCDE&Digits=1234&From=%2B14158675309&To=%2B18005551212&Caller=%2B14158675309')"
expect "signalhouse signature CLI (cross-check vector)" "b79b3d291e742b616b6476ce1d30a565b2e5d08f91fa5a8497376a69dc5303b0" \
    "$(python3 "$HERE/sign_webhook.py" signalhouse --secret test_signing_secret --timestamp 1767225600000 \
        --body '{"event":"MESSAGE_RECEIVED","identifier":"abc123"}')"

# --- clean exit on SIGTERM -----------------------------------------------------------------------
kill -TERM "$PID"
wait "$PID"
expect "stand-in exits 0 on SIGTERM" 0 $?
PID=""

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

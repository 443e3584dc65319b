#!/usr/bin/env bash
# Integration tests of a model's second look at unsure reply labels: signed Twilio inbound webhooks
# through real HTTP to the real outreachd (as the least-privilege worker role), which carries each
# classification job to the Anthropic stand-in (provider_standin.py) over real HTTP and hands the
# answer to the database. Checked end to end: the Messages request on the wire (headers, model,
# temperature 0, the prompt the database built); a label applied, a STOP added (opt-out and its one
# confirmation), an unsure answer recorded; retries of a 429 (after its retry-after), a 529 and a
# dropped connection; no retry of a spend-limit 429 or a refused key; an answer that is no label
# and a refusal fail the job with the rules' label kept; a hanging model times out, is retried and
# gives up at the team's deadline; without a key (sandbox) nothing is sent; the key is in no log
# and no database row.
# Needs the cluster of scripts/test.sh (PGHOST is its directory) and the path of outreachd as $1.
# Prints one line per check and "N passed, N failed".
set -uo pipefail
OUTREACHD=${1:?usage: classify.sh PATH/TO/outreachd}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/scripts/lib.sh"    # PG_BIN
SIGN=$ROOT/test/integration/sign_webhook.py
TMP=$(mktemp -d)
# the interpreter itself, not a launcher shim: $! must be the stand-in's own pid
PY=$(python3 -c 'import sys; print(sys.executable)')
DB=outreach_it_classify
WORKER_ROLE=outreach_it_classify_worker
export PGDATABASE=$DB
pass=0
fail=0
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "DROP ROLE IF EXISTS $WORKER_ROLE" >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT

ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'; }
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want: $2"$'\n'"got:  $3"; fi; }
q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
# until_true SECONDS COMMAND...: polls until the command prints t
until_true() {
    local end=$((SECONDS + $1))
    shift
    while [ "$SECONDS" -lt "$end" ]; do [ "$("$@" 2>/dev/null)" = t ] && return 0; sleep 0.1; done
    return 1
}

TOKEN=classify-twilio-token
SID=AC0123456789abcdef0123456789abcdef
# the key outreachd must only ever put in the x-api-key header
AKEY=sk-ant-it-classify-$RANDOM$RANDOM-do-not-log
MODEL=claude-sonnet-4-5
TEAM=cl

# ---- the Anthropic stand-in ------------------------------------------------------------------------
"$PY" "$ROOT/test/integration/provider_standin.py" --port 0 --anthropic-key "$AKEY" --hang-seconds 3 \
    --log "$TMP/provider.log" >"$TMP/standin.out" 2>"$TMP/standin.err" &
pids+=($!)
for _ in $(seq 50); do grep -q LISTENING "$TMP/standin.out" 2>/dev/null && break; sleep 0.1; done
SP=$(awk '/LISTENING/ {print $2}' "$TMP/standin.out")
[ -n "$SP" ] || { echo "FAIL the provider stand-in did not start"; cat "$TMP/standin.err"; echo "0 passed, 1 failed"; exit 1; }
STANDIN=http://127.0.0.1:$SP
# control JSON: sets the stand-in's behaviour (POST /_control); prints nothing, fails the check on a refusal
control() {
    local code
    code=$(curl -s -m 5 -o "$TMP/control.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "$1" "$STANDIN/_control")
    [ "$code" = 200 ] || bad "the stand-in took the control command $1" "$(cat "$TMP/control.out")"
}
# slog REPLY EXPR [ARG...]: evaluates EXPR with L = the stand-in's log entries of Messages requests
# whose user turn holds REPLY between <reply> and </reply>, A = every anthropic entry and ARGS the
# further arguments; prints the result
slog() {
    "$PY" - "$TMP/provider.log" "$@" <<'PY'
import json, sys
ARGS = sys.argv[4:]
entries = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
A = [e for e in entries if e["provider"] == "anthropic"]
fence = "<reply>\n" + sys.argv[2] + "\n</reply>"
def user_text(e):
    b = e["body"] if isinstance(e["body"], dict) else {}
    return "".join(m.get("content", "") if isinstance(m.get("content"), str) else "" for m in b.get("messages", []) or []
                   if isinstance(m, dict))
L = [e for e in A if fence in user_text(e)]
def header(e, name):
    return next((v for k, v in e["headers"].items() if k.lower() == name), None)
def gap(a, b):   # seconds between two entries' times
    from datetime import datetime
    t = lambda e: datetime.fromisoformat(e["time"].replace("Z", "+00:00"))
    return (t(b) - t(a)).total_seconds()
print(eval(sys.argv[3]))
PY
}
anthropic_requests() { slog '' 'len(A)'; }

# ---- the database: a team whose twelve leads answer from 0131-0142 ----------------------------------
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null 2>&1
q "CREATE EXTENSION pg_outreach CASCADE" >/dev/null 2>&1
q "INSERT INTO outreach.teams (team_id, name) VALUES ('$TEAM', 'Classify')" >/dev/null
q "SELECT rows_imported FROM outreach.import_csv('$TEAM', convert_to('companyName,ownerFirstName,ownerLastName,phone,street,city,state,zip
$("$PY" -c 'for i in range(12): print("Deli %d,Al%s,Ames,(212) 555-%04d,%d Main St,New York,NY,10001" % (i + 1, chr(97 + i), 131 + i, i + 1))')', 'UTF8'))" >/dev/null
expect "twelve leads to answer from" 12 "$(q "SELECT count(*) FROM outreach.leads WHERE team_id = '$TEAM'")"
psql -X -q -d postgres -c "DROP ROLE IF EXISTS $WORKER_ROLE" -c "CREATE ROLE $WORKER_ROLE LOGIN IN ROLE outreach_worker" >/dev/null 2>&1

# The replies, each one the rules are unsure of (confidence below review_below, 0.80), and what the rules say.
REPLIES=("my cousin handles that stuff" "we might" "this is the 3rd one this week" "hmm" "idk man" "lol" "k whatever"
         "depends what u got" "hmm ok" "maybe idk" "interesting" "ehh")
values=$(printf "('%s')," "${REPLIES[@]}")
expect "the rules are unsure of every reply used here" "12|12" \
    "$(q "SELECT count(*) || '|' || count(*) FILTER (WHERE c.confidence < 0.80) FROM (VALUES ${values%,}) t (b), outreach.classify_reply(t.b) c")"
rule_label() { q "SELECT label FROM outreach.classify_reply('$1')"; }

# ---- the daemon, as the worker role ---------------------------------------------------------------
cat >"$TMP/outreachd.conf" <<CONF
OUTREACH_TWILIO_ACCOUNT_SID=$SID
OUTREACH_TWILIO_AUTH_TOKEN=$TOKEN
OUTREACH_TWILIO_BASE_URL=http://127.0.0.1:9
OUTREACH_SPOOL_DIR=$TMP/spool
OUTREACH_POLL_MS=100
OUTREACH_LOG_LEVEL=debug
OUTREACH_CONNECT_TIMEOUT_MS=2000
OUTREACH_ANTHROPIC_BASE_URL=$STANDIN
OUTREACH_ANTHROPIC_MODEL=$MODEL
OUTREACH_ANTHROPIC_MAX_TOKENS=256
CONF
# start_daemon LOG [VAR=VALUE...]: outreachd run on a free port with the extra environment; sets
# DAEMON_PID and BASE (where it listens, also its public URL, which Twilio signatures cover)
start_daemon() {
    local log=$1 port
    shift
    port=$(free_port)
    BASE=http://127.0.0.1:$port
    env PGUSER=$WORKER_ROLE OUTREACH_HTTP_LISTEN=127.0.0.1:$port OUTREACH_PUBLIC_URL=$BASE "$@" \
        "$OUTREACHD" run --config "$TMP/outreachd.conf" >>"$log" 2>&1 &
    DAEMON_PID=$!
    pids+=($DAEMON_PID)
    for _ in $(seq 100); do [ "$(curl -s -m 2 "$BASE/healthz")" = "ok" ] && break; sleep 0.1; done
    expect "outreachd answers /healthz ($(basename "$log" .log))" ok "$(curl -s -m 2 "$BASE/healthz")"
}
stop_daemon() {
    kill -TERM "$DAEMON_PID"
    wait "$DAEMON_PID"
    expect "SIGTERM stops outreachd with status 0" 0 $?
}

# reply ID FROM-DIGITS BODY: a signed Twilio inbound text from +1212555FROM-DIGITS; prints the status
reply() {
    local form sig url=$BASE/webhooks/twilio/$TEAM
    form="MessageSid=$1&SmsStatus=received&From=%2B1212555$2&To=%2B12125550100&NumMedia=0&Body=$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$3")"
    sig=$("$PY" "$SIGN" twilio --token "$TOKEN" --url "$url" --form "$form")
    curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
        -H "X-Twilio-Signature: $sig" --data-binary "$form" "$url"
}
ITEM="FROM outreach.inbox_items i JOIN outreach.classification_jobs j USING (team_id, inbox_item_id) WHERE i.team_id = '$TEAM'"
# job ID COLUMNS: the columns (SQL over i = the inbox item, j = its classification job) of a message's job
job() { q "SELECT $2 $ITEM AND i.provider_message_id = '$1'"; }
settled() { job "$1" "j.state IN ('done', 'failed')"; }
# settle ID: waits (at most 30 s) for the message's job to be done or failed
settle() { until_true 30 settled "$1" || bad "the job of $1 settled" "$(job "$1" 'j.state, j.attempts, j.last_error')"$'\n'"$(tail -3 "$DAEMON_LOG")"; }
# llm_labels ID: the model's labels of a message's item (conversation_labels, source llm)
llm_labels() { q "SELECT count(*) || coalesce(':' || string_agg(c.label || ' ' || c.confidence || ' ' || coalesce(c.version, '-'), ','), '')
                  FROM outreach.conversation_labels c JOIN outreach.inbox_items i USING (team_id, inbox_item_id)
                  WHERE i.team_id = '$TEAM' AND i.provider_message_id = '$1' AND c.source = 'llm'"; }
# rule_kept ID: the item's label, rule and state, and whether its confidence is still the rules'
rule_kept() { q "SELECT i.classification || ' ' || i.rule || ' ' || i.state || ' ' || (i.confidence = c.confidence)
                 FROM outreach.inbox_items i, outreach.classify_reply(i.body) c WHERE i.team_id = '$TEAM' AND i.provider_message_id = '$1'"; }

DAEMON_LOG=$TMP/live.log
start_daemon "$DAEMON_LOG" OUTREACH_ANTHROPIC_API_KEY="$AKEY" OUTREACH_MODEL_TIMEOUT_MS=10000
expect "outreachd starts with the model live (its name logged, not the key)" 1 \
    "$(grep -c "event=started .*anthropic=$MODEL" "$DAEMON_LOG")"

# ---- 1. an unsure reply gets the model's label ------------------------------------------------------
control '{"provider": "anthropic", "mode": "ok", "answer": {"label": "QUESTION", "confidence": 0.93, "reason": "asks who to talk to"}}'
expect "an unsure reply arrives as a signed webhook" 200 "$(reply SMcl01 0131 "my cousin handles that stuff")"
settle SMcl01
expect "the stand-in got one Messages request for it" 1 "$(slog "my cousin handles that stuff" 'len(L)')"
expect "a valid one (POST /v1/messages, the stand-in found no problem)" "POST /v1/messages True []" \
    "$(slog "my cousin handles that stuff" 'L[0]["method"] + " " + L[0]["path"] + " " + str(L[0]["valid"]) + " " + str(L[0]["problems"])')"
expect "with anthropic-version 2023-06-01, content-type application/json, the key sent (logged redacted)" \
    "2023-06-01 application/json <redacted>" \
    "$(slog "my cousin handles that stuff" 'header(L[0], "anthropic-version") + " " + header(L[0], "content-type") + " " + header(L[0], "x-api-key")')"
expect "the configured model, max_tokens and temperature 0" "$MODEL 256 0" \
    "$(slog "my cousin handles that stuff" 'L[0]["body"]["model"] + " " + str(L[0]["body"]["max_tokens"]) + " " + repr(L[0]["body"]["temperature"])')"
printf '%s' "$(q "SELECT outreach.classification_instructions()")" >"$TMP/system.txt"
printf '%s' "$(job SMcl01 "outreach.classification_prompt(i.team_id, i.inbox_item_id)")" >"$TMP/prompt.txt"
expect "the system prompt is outreach.classification_instructions()" True \
    "$(slog "my cousin handles that stuff" 'L[0]["body"]["system"] == open(ARGS[0]).read()' "$TMP/system.txt")"
expect "one user turn: the prompt the database built, the reply fenced in it" "True True" \
    "$(slog "my cousin handles that stuff" '"%s %s" % ([m["role"] for m in L[0]["body"]["messages"]] == ["user"], L[0]["body"]["messages"][0]["content"] == open(ARGS[0]).read())' "$TMP/prompt.txt")"
expect "the job is done, the model's label applied, in one attempt" "done|applied|1|200|end_turn|$MODEL" \
    "$(job SMcl01 "j.state || '|' || j.outcome || '|' || j.attempts || '|' || j.http_status || '|' || j.stop_reason || '|' || j.model")"
expect "the job keeps the stand-in's request id" "$(slog "my cousin handles that stuff" 'L[0]["request_id"]')" "$(job SMcl01 'j.request_id')"
expect "and the validated answer" '{"label": "QUESTION", "reason": "asks who to talk to", "confidence": 0.93}' "$(job SMcl01 'j.answer')"
expect "and the tokens the stand-in counted (input: system + user turn / 4)" \
    "$(slog "my cousin handles that stuff" '"%d|true" % -(-(len(L[0]["body"]["system"]) + len(L[0]["body"]["messages"][0]["content"])) // 4)')" \
    "$(job SMcl01 "j.input_tokens || '|' || (j.output_tokens > 0)")"
expect "the item leaves review with the model's label, routed by it" "QUESTION|0.93|llm|open|questions" \
    "$(job SMcl01 "i.classification || '|' || i.confidence || '|' || i.rule || '|' || i.state || '|' || i.queue")"
expect "its labels: the rules', then the model's (source llm, version the model)" "rule UNCLEAR,llm QUESTION $MODEL" \
    "$(q "SELECT string_agg(c.source || ' ' || c.label || coalesce(' ' || CASE WHEN c.source = 'llm' THEN c.version END, ''), ',' ORDER BY c.label_id)
          FROM outreach.conversation_labels c JOIN outreach.inbox_items i USING (team_id, inbox_item_id)
          WHERE i.team_id = '$TEAM' AND i.provider_message_id = 'SMcl01'")"
expect "outreachd logged the call with its request id and state" 1 \
    "$(grep -c "event=classification .*request_id=$(job SMcl01 'j.request_id') state=done" "$DAEMON_LOG")"

# the stand-in's own reading: "we might" matches none of its keywords, UNCLEAR 0.5 - less sure than
# review_below, so it is recorded and the item stays in review with the rules' label
control '{"provider": "anthropic", "answer": null}'
expect "a second unsure reply arrives" 200 "$(reply SMcl02 0132 "we might")"
settle SMcl02
expect "an answer less sure than review_below is recorded, not applied" "done|below_threshold|UNCLEAR" \
    "$(job SMcl02 "j.state || '|' || j.outcome || '|' || (j.answer ->> 'label')")"
expect "as a label of source llm" "1:UNCLEAR 0.5 $MODEL" "$(llm_labels SMcl02)"
expect "the item keeps the rules' label and waits in review" "UNCLEAR no_rule review true" "$(rule_kept SMcl02)"

# ---- 2. the model hears a STOP the rules missed -------------------------------------------------------
control '{"provider": "anthropic", "answer": {"label": "STOP", "confidence": 0.6, "reason": "annoyed at repeated texts"}}'
expect "an unsure reply that is an opt-out arrives" 200 "$(reply SMcl03 0133 "this is the 3rd one this week")"
settle SMcl03
expect "a STOP is applied however unsure the model is" "done|applied|STOP|closed|suppressed" \
    "$(job SMcl03 "j.state || '|' || j.outcome || '|' || i.classification || '|' || i.state || '|' || i.queue")"
expect "the number is suppressed, by the model's label" "1|model_label" \
    "$(q "SELECT count(*) || '|' || string_agg(c.source, ',') FROM outreach.suppression_list s
          JOIN outreach.consent_log c ON c.team_id = s.team_id AND c.phone = s.phone AND c.kind = 'opt_out'
          WHERE s.team_id = '$TEAM' AND s.phone = '+12125550133'")"
expect "and one opt-out confirmation is queued for it" "1|opt_out_confirmation" \
    "$(q "SELECT count(*) || '|' || string_agg(kind, ',') FROM outreach.reply_texts WHERE team_id = '$TEAM' AND phone = '+12125550133'")"
expect "no other number was suppressed" 1 "$(q "SELECT count(*) FROM outreach.suppression_list WHERE team_id = '$TEAM'")"

# ---- 3. retried: a 429 after its retry-after, a 529 after a backoff, a dropped connection ----------------
control '{"provider": "anthropic", "mode": "rate_limit", "count": 1, "answer": {"label": "POSITIVE", "confidence": 0.9}}'
expect "an unsure reply arrives while the model is rate limited" 200 "$(reply SMcl04 0134 "hmm")"
settle SMcl04
expect "the 429 is retried and the job done in attempt 2" "done|applied|2|POSITIVE" \
    "$(job SMcl04 "j.state || '|' || j.outcome || '|' || j.attempts || '|' || i.classification")"
expect "the stand-in saw a 429, then a 200" "429 200" "$(slog hmm '" ".join(str(e["status"]) for e in L)')"
expect "the retry waited for retry-after (1 s)" True "$(slog hmm 'len(L) == 2 and gap(L[0], L[1]) >= 0.95')"
expect "the job keeps the request id of the answer" "$(slog hmm 'L[-1]["request_id"]')" "$(job SMcl04 'j.request_id')"

control '{"provider": "anthropic", "mode": "overloaded", "count": 1, "answer": {"label": "CALLBACK_REQUEST", "confidence": 0.88}}'
expect "an unsure reply arrives while the API is overloaded" 200 "$(reply SMcl05 0135 "idk man")"
settle SMcl05
expect "the 529 is retried and the job done in attempt 2" "done|applied|2|CALLBACK_REQUEST" \
    "$(job SMcl05 "j.state || '|' || j.outcome || '|' || j.attempts || '|' || i.classification")"
expect "the stand-in saw a 529, then a 200, after a backoff (no retry-after: 0.5 s, jittered down to 0.375 s)" "529 200 True" \
    "$(slog "idk man" '" ".join(str(e["status"]) for e in L) + " " + str(gap(L[0], L[1]) >= 0.35)')"

control '{"provider": "anthropic", "mode": "close", "count": 1}'
expect "an unsure reply arrives while the connection drops" 200 "$(reply SMcl06 0136 "lol")"
settle SMcl06
expect "a request without an answer is retried and the job done in attempt 2" "done|applied|2" \
    "$(job SMcl06 "j.state || '|' || j.outcome || '|' || j.attempts")"
expect "the stand-in saw the dropped request, then a 200" "close ok" "$(slog lol '" ".join(e["mode"] for e in L)')"

# ---- 4. a spend limit is not retried ----------------------------------------------------------------
control '{"provider": "anthropic", "mode": "spend_limit", "count": 1}'
expect "an unsure reply arrives past the spend limit" 200 "$(reply SMcl07 0137 "k whatever")"
settle SMcl07
expect "the job fails at once, the rules' label kept" "failed|rule_label_kept|1|429" \
    "$(job SMcl07 "j.state || '|' || j.outcome || '|' || j.attempts || '|' || j.http_status")"
expect "its error is recorded" "rate_limit_error: You have reached your specified API usage limits." "$(job SMcl07 'j.last_error')"
expect "one request only" 1 "$(slog "k whatever" 'len(L)')"
expect "the item keeps the rules' label and waits in review" "UNCLEAR no_rule review true" "$(rule_kept SMcl07)"
expect "no model label is recorded" 0 "$(llm_labels SMcl07)"

# ---- 5. an answer that is no label, and a refusal ---------------------------------------------------------
control '{"provider": "anthropic", "mode": "bad_answer", "count": 1, "answer": {"label": "NEGATIVE", "confidence": 0.99}}'
expect "an unsure reply arrives; the model answers in prose" 200 "$(reply SMcl08 0138 "depends what u got")"
settle SMcl08
expect "the job fails: the answer is not a label" "failed|rule_label_kept|1|200|true" \
    "$(job SMcl08 "j.state || '|' || j.outcome || '|' || j.attempts || '|' || j.http_status || '|' || (j.last_error LIKE 'the answer is not a label: %')")"
expect "the item keeps the rules' label (POSITIVE 0.7) and waits in review" "POSITIVE positive_phrase review true" "$(rule_kept SMcl08)"
expect "no model label is recorded" 0 "$(llm_labels SMcl08)"
control '{"provider": "anthropic", "mode": "refusal", "count": 1}'
expect "an unsure reply arrives; the model refuses" 200 "$(reply SMcl09 0139 "hmm ok")"
settle SMcl09
expect "the job fails: the model refused" "failed|rule_label_kept|1|refusal|the model refused" \
    "$(job SMcl09 "j.state || '|' || j.outcome || '|' || j.attempts || '|' || j.stop_reason || '|' || j.last_error")"
expect "the item keeps the rules' label and waits in review" "UNCLEAR no_rule review true" "$(rule_kept SMcl09)"
expect "each of those was one request" "1 1" "$(slog "depends what u got" 'len(L)') $(slog "hmm ok" 'len(L)')"
expect "every Messages request so far was valid" True "$(slog '' 'all(e["valid"] for e in A)')"

# ---- 6. a model that hangs: timed out, retried, given up at the deadline ---------------------------------
expect "nothing is left to do before the restart" 0 "$(q "SELECT count(*) FROM outreach.classification_jobs WHERE state IN ('queued', 'running')")"
stop_daemon
DAEMON_LOG=$TMP/timeout.log
start_daemon "$DAEMON_LOG" OUTREACH_ANTHROPIC_API_KEY="$AKEY" OUTREACH_MODEL_TIMEOUT_MS=1000
q "UPDATE outreach.reply_settings SET llm_deadline = '5 seconds' WHERE team_id = '$TEAM'" >/dev/null
control '{"provider": "anthropic", "mode": "hang", "answer": {"label": "POSITIVE", "confidence": 0.95}}'
expect "an unsure reply arrives while the model hangs (3 s; outreachd waits 1 s)" 200 "$(reply SMcl10 0140 "maybe idk")"
settle SMcl10
control '{"provider": "anthropic", "mode": "ok"}'
expect "the job fails within its deadline, the rules' label kept" "failed|rule_label_kept|true" \
    "$(job SMcl10 "j.state || '|' || j.outcome || '|' || (j.updated_at <= j.deadline + interval '3 seconds')")"
# (the deadline stops it either when an answer comes too late for another attempt or at the next claim)
expect "after more than one attempt, each timed out after OUTREACH_MODEL_TIMEOUT_MS, stopped by the deadline" "true|true|true" \
    "$(job SMcl10 "(j.attempts >= 2) || '|' || (j.latency_ms BETWEEN 900 AND 2900) || '|' || (j.last_error LIKE 'Timeout was reached%deadline%')")"
expect "every attempt reached the stand-in" "$(job SMcl10 'j.attempts') True" \
    "$(slog "maybe idk" 'str(len(L)) + " " + str(all(e["mode"] == "hang" and e["valid"] for e in L))')"
expect "the item keeps the rules' label and waits in review" "POSITIVE positive_phrase review true" "$(rule_kept SMcl10)"
expect "no model label is recorded" 0 "$(llm_labels SMcl10)"
q "UPDATE outreach.reply_settings SET llm_deadline = DEFAULT WHERE team_id = '$TEAM'" >/dev/null

# ---- a key the API refuses: 401 is not retried ----------------------------------------------------------
stop_daemon
DAEMON_LOG=$TMP/badkey.log
start_daemon "$DAEMON_LOG" OUTREACH_ANTHROPIC_API_KEY="not-$AKEY" OUTREACH_MODEL_TIMEOUT_MS=10000
expect "an unsure reply arrives; the key is refused" 200 "$(reply SMcl11 0141 "interesting")"
settle SMcl11
expect "the job fails at once with the API's reason" "failed|rule_label_kept|1|401|authentication_error: invalid x-api-key" \
    "$(job SMcl11 "j.state || '|' || j.outcome || '|' || j.attempts || '|' || j.http_status || '|' || j.last_error")"
expect "one request, which the stand-in refused" "1 401" "$(slog interesting 'str(len(L)) + " " + str(L[0]["status"])')"

# ---- 7. sandbox: no key, no request ------------------------------------------------------------------
stop_daemon
DAEMON_LOG=$TMP/sandbox.log
start_daemon "$DAEMON_LOG"
expect "outreachd without OUTREACH_ANTHROPIC_API_KEY runs the model in sandbox" 1 "$(grep -c 'event=started .*anthropic=sandbox' "$DAEMON_LOG")"
before=$(anthropic_requests)
expect "an unsure reply arrives" 200 "$(reply SMcl12 0142 "ehh")"
settle SMcl12
expect "the job is done in sandbox: no model was asked" "done|sandbox|204|true" \
    "$(job SMcl12 "j.state || '|' || j.outcome || '|' || j.http_status || '|' || (j.last_error LIKE 'sandbox:%')")"
expect "the stand-in got no request" "$before" "$(anthropic_requests)"
expect "the item keeps the rules' label and waits in review" "UNCLEAR no_rule review true" "$(rule_kept SMcl12)"
expect "/metrics counts the sandbox call" 1 \
    "$(curl -s -m 2 "$BASE/metrics" | awk '/^outreach_classification_total\{state="sandbox"\}/ {print int($2)}')"
stop_daemon

# ---- 8. the key is in no log and no database row --------------------------------------------------------
expect "the key is in none of outreachd's logs" 0 "$(cat "$TMP"/live.log "$TMP"/timeout.log "$TMP"/badkey.log "$TMP"/sandbox.log | grep -c -F -e "$AKEY")"
expect "nor in any classification job (as text)" 0 "$(q "SELECT count(*) FROM outreach.classification_jobs j WHERE j::text LIKE '%' || '$AKEY' || '%'")"
"$PG_BIN/pg_dump" --data-only "$DB" >"$TMP/dump.sql" 2>"$TMP/dump.err" || bad "pg_dump" "$(cat "$TMP/dump.err")"
expect "nor anywhere in the database (pg_dump --data-only)" "0 t" \
    "$(grep -c -F -e "$AKEY" "$TMP/dump.sql") $([ -s "$TMP/dump.sql" ] && grep -q 'classification_jobs' "$TMP/dump.sql" && echo t)"
expect "nor in what reached the stand-in (x-api-key redacted there)" 0 "$(grep -c -F -e "$AKEY" "$TMP/provider.log")"
expect "every job is settled" "12|0" \
    "$(q "SELECT count(*) || '|' || count(*) FILTER (WHERE state NOT IN ('done', 'failed')) FROM outreach.classification_jobs WHERE team_id = '$TEAM'")"
grep -E 'level=error' "$TMP"/*.log | head -5
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# Integration tests of the enrichment side of `outreachd run`: SkipTrace (RealEstateAPI v2), Apollo
# People Enrichment and Apollo Organization Enrichment through the real daemon against the loopback
# stand-ins, with the answers resolved in SQL. Needs the cluster of scripts/test.sh and the path of
# outreachd as $1.
set -uo pipefail
OUTREACHD=${1:?usage: enrich.sh PATH/TO/outreachd}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
# the interpreter itself, not a launcher shim: $! must be the stand-in's own pid
PY=$(python3 -c 'import sys; print(sys.executable)')
DB=outreach_it_enrich
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

RKEY=rea-test-key
AKEY=apollo-test-key
"$PY" "$ROOT/test/integration/provider_standin.py" --port 0 --realestateapi-key "$RKEY" --apollo-key "$AKEY" \
    --log "$TMP/provider.log" >"$TMP/standin.out" 2>"$TMP/standin.err" &
pids+=($!)
for _ in $(seq 50); do grep -q LISTENING "$TMP/standin.out" 2>/dev/null && break; sleep 0.1; done
SP=$(awk '/LISTENING/ {print $2}' "$TMP/standin.out")
[ -n "$SP" ] || { echo "FAIL the provider stand-in did not start"; echo "0 passed, 1 failed"; exit 1; }
STANDIN=http://127.0.0.1:$SP
control() { curl -s -X POST -H 'Content-Type: application/json' -d "$1" "$STANDIN/_control" >/dev/null; }
requests() { "$PY" -c 'import sys, json; print(sum(1 for l in open(sys.argv[1]) if l.strip() and json.loads(l)["provider"] == sys.argv[2]))' "$TMP/provider.log" "$1" 2>/dev/null || echo 0; }
# org_requests: how many Apollo Organization Enrichment requests (GET) reached the stand-in.
org_requests() { "$PY" -c 'import sys, json; print(sum(1 for l in open(sys.argv[1]) if l.strip() and json.loads(l)["path"] == "/api/v1/organizations/enrich"))' "$TMP/provider.log" 2>/dev/null || echo 0; }
# odigits DOMAIN: the 4 digits the stand-in's organization phone ends in (provider_standin.py).
odigits() { "$PY" -c 'import hashlib, sys; print("%04d" % (100 + int(hashlib.sha256(("org|" + sys.argv[1].strip().lower()).encode()).hexdigest(), 16) % 100))' "$1"; }
digits() { "$PY" -c 'import hashlib, sys; print("%04d" % (100 + int(hashlib.sha256((sys.argv[1].strip().lower() + "|" + sys.argv[2].strip().lower()).encode()).hexdigest(), 16) % 100))' "$1" "$2"; }
run() { env OUTREACH_HTTP_LISTEN=127.0.0.1:0 OUTREACH_CONNECT_TIMEOUT_MS=1000 OUTREACH_HTTP_TIMEOUT_MS=2000 "$@" "$OUTREACHD" run --once >>"$TMP/daemon.log" 2>&1; }
live() { run OUTREACH_REALESTATEAPI_BASE_URL="$STANDIN" OUTREACH_REALESTATEAPI_API_KEY="$RKEY" OUTREACH_APOLLO_BASE_URL="$STANDIN" OUTREACH_APOLLO_API_KEY="$AKEY" "$@"; }
lead() { q "SELECT l.lead_id FROM outreach.leads l JOIN outreach.personas p USING (team_id, persona_id) WHERE l.team_id = 'enr' AND p.first_name = '$1'"; }
job_state() { q "SELECT state || coalesce(':' || last_error, '') FROM outreach.enrichment_jobs WHERE team_id = 'enr' AND lead_id = $(lead "$1") AND kind = '$2' ORDER BY job_id DESC LIMIT 1"; }

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null 2>&1
q "CREATE EXTENSION pg_outreach CASCADE" >/dev/null 2>&1
q "INSERT INTO outreach.teams (team_id, name) VALUES ('enr', 'Enrichment')" >/dev/null
q "SELECT rows_imported FROM outreach.import_csv('enr', convert_to('companyName,ownerFirstName,ownerLastName,phone,street,city,state,zip
Ames Plumbing,Amy,Ames,,1 Main St,New York,NY,10001
Burns Bakery,Bo,Burns,,2 Main St,New York,NY,10001
Zed Co,Zed,Nomatch,,3 Main St,New York,NY,10001', 'UTF8'))" >/dev/null

# 1. Sandbox: no keys, so nothing is sent; the jobs record what would have been.
expect "three SkipTrace jobs queued" 3 "$(q "SELECT outreach.request_enrichment('enr', ARRAY(SELECT lead_id FROM outreach.leads WHERE team_id = 'enr'), 'skiptrace')")"
run OUTREACH_REALESTATEAPI_BASE_URL="$STANDIN" OUTREACH_APOLLO_BASE_URL="$STANDIN"
expect "sandbox touched no network" 0 "$(requests realestateapi)"
expect "sandbox jobs are done with the request they would have sent" "3|3" \
    "$(q "SELECT count(*) FILTER (WHERE j.state = 'done'), count(*) FILTER (WHERE r.response ->> 'sandbox' = 'true' AND r.response #>> '{would_send,url}' LIKE '%/v2/SkipTrace')
          FROM outreach.enrichment_jobs j JOIN outreach.skiptrace_results r USING (team_id, job_id) WHERE j.team_id = 'enr'")"

# 2. Live SkipTrace: a mobile number joins the person, the landline is left out, a DNC number is an opt-out.
expect "queued again" 3 "$(q "SELECT outreach.request_enrichment('enr', ARRAY(SELECT lead_id FROM outreach.leads WHERE team_id = 'enr'), 'skiptrace')")"
live
expect "three requests reached SkipTrace" 3 "$(requests realestateapi)"
expect "the API key went in x-api-key (the stand-in accepted every request)" "True" \
    "$("$PY" -c 'import sys, json; print(all(e["valid"] for e in map(json.loads, open(sys.argv[1])) if e["provider"] == "realestateapi"))' "$TMP/provider.log")"
D=$(digits Amy Ames)
expect "Amy's mobile number is hers now" "+1212555$D" "$(q "SELECT string_agg(normalized_phone, ',') FROM outreach.persona_phones WHERE team_id = 'enr'
                                                            AND persona_id = (SELECT persona_id FROM outreach.leads WHERE lead_id = $(lead Amy))")"
expect "the landline was left out" 0 "$(q "SELECT count(*) FROM outreach.persona_phones WHERE team_id = 'enr' AND normalized_phone = '+1212556$D'")"
expect "the Do Not Call number is an opt-out" "provider_dnc" "$(q "SELECT source FROM outreach.suppression_list WHERE team_id = 'enr' AND phone = '+1212557$D'")"
expect "Amy is enriched and scores for it" "enriched|t" \
    "$(q "SELECT enrichment_status, score >= 50 FROM outreach.leads WHERE lead_id = $(lead Amy)")"
expect "a 404 (no match) is done, nothing found" "done:no match|failed" "$(job_state Zed skiptrace)|$(q "SELECT enrichment_status FROM outreach.leads WHERE lead_id = $(lead Zed)")"
expect "every answer is kept raw" 6 "$(q "SELECT count(*) FROM outreach.skiptrace_results WHERE team_id = 'enr'")"

# 3. Rate limited: the job waits (Retry-After: 1) and succeeds on a later run; at-least-once, never lost.
q "SELECT outreach.request_enrichment('enr', ARRAY[$(lead Bo)], 'person')" >/dev/null
control '{"provider": "apollo", "mode": "rate_limit", "count": 1}'
live
expect "429 queues the job again" "queued:HTTP 429" "$(job_state Bo person)"
expect "not before Retry-After (1 s) and the backoff (5 s, jittered)" t \
    "$(q "SELECT next_attempt_at - now() > interval '3 seconds' FROM outreach.enrichment_jobs WHERE team_id = 'enr' AND kind = 'person' AND state = 'queued'")"
q "UPDATE outreach.enrichment_jobs SET next_attempt_at = now() WHERE team_id = 'enr' AND state = 'queued'" >/dev/null
live
expect "the retry is done" "done" "$(job_state Bo person)"
expect "Apollo's e-mail joined Bo" 1 "$(q "SELECT count(*) FROM outreach.persona_emails WHERE team_id = 'enr' AND normalized_email LIKE 'bo@%'")"
expect "Apollo got its parameters in the query string" "['Bo']" \
    "$("$PY" -c 'import sys, json; e = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["provider"] == "apollo"][-1]; print(e["body"]["first_name"])' "$TMP/provider.log")"

# 4. A dropped connection is retried (an enrichment call is safe to repeat); a refused key fails at once.
q "SELECT outreach.request_enrichment('enr', ARRAY[$(lead Zed)], 'person')" >/dev/null
control '{"provider": "apollo", "mode": "close", "count": 1}'
live
expect "a dropped connection is retried" "queued" "$(job_state Zed person | cut -d: -f1)"
q "UPDATE outreach.enrichment_jobs SET next_attempt_at = now() WHERE team_id = 'enr' AND state = 'queued'" >/dev/null
run OUTREACH_APOLLO_BASE_URL="$STANDIN" OUTREACH_APOLLO_API_KEY=wrong-key
expect "a refused key fails without retrying" "failed:HTTP 401" "$(job_state Zed person)"
expect "no key reached our log" 0 "$(grep -c -e "$RKEY" -e "$AKEY" "$TMP/daemon.log")"

# 5. Organization Enrichment: one job per company, by the domain of the person's company e-mail.
q "SELECT rows_imported FROM outreach.import_csv('enr', convert_to('companyName,ownerFirstName,ownerLastName,email,street,city,state,zip
Dale Roofing,Dee,Dale,dee@daleroofing.com,,,,
Dale Roofing,Dan,Dale,dan@daleroofing.com,,,,
Elm Dental,Eve,Elm,eve.elm@gmail.com,5 Main St,New York,NY,10001
Nomatch Co,Ned,Null,ned@nomatch-co.com,9 Main St,New York,NY,10001
Ito Imports,Ivy,Ito,ivy@itoimports.com,7 Main St,New York,NY,10001', 'UTF8'))" >/dev/null
org_job() { q "SELECT state || coalesce(':' || last_error, '') FROM outreach.enrichment_jobs WHERE team_id = 'enr' AND kind = 'organization' AND business_id = (SELECT business_id FROM outreach.leads WHERE lead_id = $(lead "$1")) ORDER BY job_id DESC LIMIT 1"; }
biz() { q "SELECT $2 FROM outreach.businesses WHERE team_id = 'enr' AND business_id = (SELECT business_id FROM outreach.leads WHERE lead_id = $(lead "$1"))"; }
# sandbox first: the GET it would have sent is recorded, nothing reaches Apollo
q "SELECT outreach.request_enrichment('enr', ARRAY[$(lead Dee)], 'organization')" >/dev/null
before=$(org_requests)
run OUTREACH_APOLLO_BASE_URL="$STANDIN"
expect "sandbox organization lookup touched no network" "$before" "$(org_requests)"
expect "the sandbox job records the GET it would have sent" "GET|$STANDIN/api/v1/organizations/enrich?domain=daleroofing.com" \
    "$(q "SELECT r.response #>> '{would_send,method}' || '|' || (r.response #>> '{would_send,url}') FROM outreach.enrichment_results r JOIN outreach.enrichment_jobs j USING (team_id, job_id) WHERE j.team_id = 'enr' AND j.kind = 'organization'")"
expect "Dee, Dan (one company) and Ned are queued; Eve's gmail address names no company" 3 \
    "$(q "SELECT outreach.request_enrichment('enr', ARRAY[$(lead Dee), $(lead Dan), $(lead Eve), $(lead Ned)], 'organization')" 2>"$TMP/notice")"
expect "... and the NOTICE says why" 1 "$(grep -c 'not queued for organization enrichment (no company domain: only free-mail addresses: 1)' "$TMP/notice")"
expect "one job for the company of Dee and Dan" 1 "$(q "SELECT count(*) FROM outreach.enrichment_jobs WHERE team_id = 'enr' AND kind = 'organization' AND state = 'queued' AND lead_id IN ($(lead Dee), $(lead Dan))")"
expect "Eve (free mail) is not queued, and why is recorded" "skipped:no company domain: only free-mail addresses (gmail.com)" "$(job_state Eve organization)"
live
expect "two organization lookups reached Apollo (Dale Roofing, Nomatch Co)" $((before + 2)) "$(org_requests)"
expect "each was a valid GET with the bare domain in the query" "True" \
    "$("$PY" -c 'import sys, json; L = [e for e in map(json.loads, open(sys.argv[1])) if e["path"] == "/api/v1/organizations/enrich"]; print(all(e["valid"] and e["method"] == "GET" for e in L) and sorted(e["body"]["domain"][0] for e in L) == ["daleroofing.com", "nomatch-co.com"])' "$TMP/provider.log")"
E=$(odigits daleroofing.com)
expect "Dale Roofing is done" "done" "$(org_job Dee)"
expect "Dale Roofing has Apollo's number, employees, revenue and industry" "+1212559$E|25|2500000|construction" \
    "$(biz Dee "normalized_phone || '|' || employee_count || '|' || annual_revenue || '|' || industry")"
expect "... and its address, which it had none of" "350 5th Ave|NY|10118" "$(biz Dee "street || '|' || normalized_state || '|' || normalized_zip")"
expect "the company number joined Dee like an imported one" 1 \
    "$(q "SELECT count(*) FROM outreach.persona_phones WHERE team_id = 'enr' AND normalized_phone = '+1212559$E' AND persona_id = (SELECT persona_id FROM outreach.leads WHERE lead_id = $(lead Dee))")"
expect "... through an import that created no one" "1|0|0" \
    "$(q "SELECT rows_imported || '|' || personas_created || '|' || leads_created FROM outreach.data_sources WHERE team_id = 'enr' AND name LIKE 'organization job %'")"
expect "Dan's lead shows the company's size too" "25" "$(q "SELECT employee_count FROM outreach.unified_lead_cards WHERE lead_id = $(lead Dan)")"
expect "an unknown domain ({}) is done, nothing found; the business is unchanged" "done:no match|" "$(org_job Ned)|$(biz Ned "employee_count")"
expect "organization jobs leave the lead's enrichment status alone" "not_enriched" "$(q "SELECT enrichment_status FROM outreach.leads WHERE lead_id = $(lead Dee)")"
# 429, then success on a later run
q "SELECT outreach.request_enrichment('enr', ARRAY[$(lead Ivy)], 'organization')" >/dev/null
control '{"provider": "apollo", "mode": "rate_limit", "count": 1}'
live
expect "a rate-limited organization lookup is queued again" "queued:HTTP 429" "$(org_job Ivy)"
expect "not before Retry-After and the backoff" t \
    "$(q "SELECT next_attempt_at - now() > interval '3 seconds' FROM outreach.enrichment_jobs WHERE team_id = 'enr' AND kind = 'organization' AND state = 'queued'")"
q "UPDATE outreach.enrichment_jobs SET next_attempt_at = now() WHERE team_id = 'enr' AND state = 'queued'" >/dev/null
live
expect "the retry is done; Apollo's address (ZIP 10118) is not Ito Imports' (10001), so it is not used" \
    "done:address not used: it is not the business's (another place or country)" "$(org_job Ivy)"
expect "Ito Imports gets its number and size, keeps its address" "+1212559$(odigits itoimports.com)|25|10001" \
    "$(biz Ivy "normalized_phone || '|' || employee_count || '|' || normalized_zip")"
expect "both answers to Ito Imports are kept raw" "429,200" \
    "$(q "SELECT string_agg(r.http_status::text, ',' ORDER BY r.result_id) FROM outreach.enrichment_results r JOIN outreach.enrichment_jobs j USING (team_id, job_id) WHERE j.team_id = 'enr' AND j.kind = 'organization' AND j.lead_id = $(lead Ivy)")"
expect "still no key in our log" 0 "$(grep -c -e "$RKEY" -e "$AKEY" "$TMP/daemon.log")"

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

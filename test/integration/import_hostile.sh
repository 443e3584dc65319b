#!/usr/bin/env bash
# Integration tests of hostile imports (issue 11, findings 4 and 8) against a real PostgreSQL
# with pg_outreach installed and the real outreachd: a megabyte in one cell, a field over the
# limit, repeated header names, imports cancelled or terminated mid-way and their clean-up.
# Needs PGHOST/PGPORT/PGUSER (scripts/test.sh starts the cluster) and the path of outreachd as
# $1. Commands that used to hang run under `timeout 60`, so a regression fails instead of
# hanging. Prints one line per check and "N passed, N failed".
set -uo pipefail
OUTREACHD=${1:?usage: import_hostile.sh PATH/TO/outreachd}
TMP=$(mktemp -d)
chmod 755 "$TMP"
BACKGROUND=()
cleanup() {
    for p in "${BACKGROUND[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
DB=outreach_it_hostile
export PGDATABASE=$DB
pass=0
fail=0

ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'; }
# expect NAME WANT GOT
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want: $2"$'\n'"got:  $3"; fi; }
q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
# n bytes of one character
bytes() { head -c "$1" /dev/zero | tr '\0' "$2"; }
# waits (up to 60 s) until the backend of application NAME runs a query matching PATTERN; prints its pid
wait_for_query() {
    local pid=""
    for _ in $(seq 600); do
        pid=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = '$1' AND state = 'active' AND query ~ '$2' LIMIT 1")
        [ -n "$pid" ] && break
        sleep 0.1
    done
    echo "$pid"
}
# waits (up to 60 s) until backend PID has ended
wait_for_exit() {
    for _ in $(seq 600); do
        [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE pid = $1")" = 0 ] && return 0
        sleep 0.1
    done
    return 1
}

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null 2>&1
q "CREATE EXTENSION pg_outreach CASCADE" >/dev/null 2>&1
q "INSERT INTO outreach.teams (team_id, name) VALUES ('hostile', 'Hostile cells'), ('hostile-sql', 'The same through SQL'),
       ('cancel', 'Cancelled imports'), ('reap', 'Abandoned imports')" >/dev/null

# 1. A row whose phone is a megabyte (the 96 KB phone of the finding kept an import busy for 88 s,
#    uncancellable): the import finishes in seconds, and the row imports without the phone, with a
#    field warning naming it.
{
    printf 'companyName,ownerFirstName,phone,email\n'
    printf 'Acme,Ann,'; bytes 1000000 2; printf ',ann@acme.example\n'
    printf 'Beta,Bo,(212) 555-0101,\n'
} >"$TMP/megaphone.csv"
chmod 644 "$TMP/megaphone.csv"
timeout 60 "$OUTREACHD" import --team hostile --name megaphone "$TMP/megaphone.csv" >"$TMP/out" 2>"$TMP/err"
expect "a 1 MB phone field imports within the timeout (exit 0)" 0 $?
expect "the job completed with both rows and one warning" "completed|2|2|0|1" \
    "$(q "SELECT state, rows_read, rows_imported, rows_rejected, field_warnings FROM outreach.data_sources
          WHERE team_id = 'hostile' AND name = 'megaphone'")"
expect "the warning names the row and the phone field (the value cut at 2000)" "1|phone|warning|row 1, phone: not a valid phone number|2000" \
    "$(q "SELECT e.row_number, e.field, e.severity, e.reason, length(e.value) FROM outreach.import_errors e
          JOIN outreach.data_sources d USING (team_id, data_source_id) WHERE d.team_id = 'hostile' AND d.name = 'megaphone'")"
expect "the row keeps the whole value in raw, the person has no phone" "1000000|" \
    "$(q "SELECT length(s.raw ->> 'phone'), p.normalized_phone FROM outreach.source_records s
          JOIN outreach.data_sources d USING (team_id, data_source_id)
          JOIN outreach.personas p ON p.team_id = s.team_id AND p.persona_id = s.persona_id
          WHERE d.team_id = 'hostile' AND d.name = 'megaphone' AND s.row_number = 1")"
timeout 60 psql -X -At -v ON_ERROR_STOP=1 -c "SELECT state, rows_imported, field_warnings
    FROM outreach.import_csv('hostile-sql', pg_read_binary_file('$TMP/megaphone.csv'), name => 'megaphone')" >"$TMP/out" 2>&1
expect "the same file through outreach.import_csv, within the timeout" "completed|2|1" "$(cat "$TMP/out")"

# 2. A field over the 1 MiB limit is a rejected row with its reason, not an allocation; the
#    rows around it import.
{
    printf 'companyName,ownerFirstName,phone,email\n'
    printf 'Gamma,Cy,(212) 555-0102,\n'
    printf 'Delta,Di,"'; bytes 1100000 7; printf '",\n'
    printf 'Eps,Ed,(212) 555-0103,\n'
} >"$TMP/overlong.csv"
timeout 60 "$OUTREACHD" import --team hostile --name overlong "$TMP/overlong.csv" >/dev/null 2>"$TMP/err"
expect "a file with an overlong field imports (exit 0)" 0 $?
expect "the overlong row is rejected with its reason" "2|3|rejected|record 2 (line 3), field 3: field is longer than 1048576 bytes" \
    "$(q "SELECT e.row_number, e.line_number, e.severity, e.reason FROM outreach.import_errors e
          JOIN outreach.data_sources d USING (team_id, data_source_id) WHERE d.team_id = 'hostile' AND d.name = 'overlong'")"
expect "the other rows import" "completed|3|2|1" \
    "$(q "SELECT state, rows_read, rows_imported, rows_rejected FROM outreach.data_sources WHERE team_id = 'hostile' AND name = 'overlong'")"

# 3. Many rejected rows: they wait in a temporary file, not in outreachd's memory, and all arrive.
{
    printf 'companyName,ownerFirstName,phone\n'
    for i in $(seq 1 20000); do printf 'Bad %d\n' "$i"; done
    printf 'Zeta,Zoe,(212) 555-0104\n'
} >"$TMP/rejects.csv"
timeout 60 "$OUTREACHD" import --team hostile --name rejects "$TMP/rejects.csv" >/dev/null 2>"$TMP/err"
expect "a file of 20,000 short rows imports (exit 0)" 0 $?
expect "every short row is rejected with its text, the good one imports" "20001|1|20000|Bad 20000" \
    "$(q "SELECT d.rows_read, d.rows_imported, d.rows_rejected,
                 (SELECT e.value FROM outreach.import_errors e WHERE e.team_id = d.team_id AND e.data_source_id = d.data_source_id
                  AND e.row_number = 20000)
          FROM outreach.data_sources d WHERE d.team_id = 'hostile' AND d.name = 'rejects'")"

# 4. Finding 8a: a header that repeats a name keeps every column; the first phone is the phone.
printf 'companyName,phone,phone,phone#2\nEta,(212) 555-0105,(212) 555-0106,(212) 555-0107\n' >"$TMP/repeated.csv"
timeout 60 "$OUTREACHD" import --team hostile --name repeated "$TMP/repeated.csv" >/dev/null 2>"$TMP/err"
expect "a repeated header imports (exit 0)" 0 $?
expect "every column is kept in raw under a name of its own" \
    '{"phone": "(212) 555-0105", "phone#2": "(212) 555-0107", "phone#3": "(212) 555-0106", "companyName": "Eta"}|+12125550105' \
    "$(q "SELECT s.raw, p.normalized_phone FROM outreach.source_records s JOIN outreach.data_sources d USING (team_id, data_source_id)
          JOIN outreach.personas p ON p.team_id = s.team_id AND p.persona_id = s.persona_id
          WHERE d.team_id = 'hostile' AND d.name = 'repeated'")"

# A file long enough to be caught mid-import (resolution takes seconds).
{
    printf 'companyName,ownerFirstName,ownerLastName,phone,email,zip\n'
    awk 'BEGIN { for (i = 1; i <= 20000; i++)
                     printf "Company %d,First%d,Last%d,(212) %03d-%04d,person%d@example.com,10001\n", i, i, i, 200 + int(i / 10000), i % 10000, i }'
} >"$TMP/long.csv"
chmod 644 "$TMP/long.csv"

# 5. pg_cancel_backend stops a long import: outreachd exits 1 and the job is failed with the reason.
PGAPPNAME=hostile-cancel timeout 120 "$OUTREACHD" import --team cancel --name cancelled "$TMP/long.csv" >"$TMP/out" 2>"$TMP/err" &
importer=$!
BACKGROUND+=("$importer")
pid=$(wait_for_query hostile-cancel 'import_staged')
expect "the import reaches resolution" "yes" "$([ -n "$pid" ] && echo yes || echo no)"
q "SELECT pg_cancel_backend($pid)" >/dev/null
started=$SECONDS
wait "$importer"
expect "the cancelled import exits 1" 1 $?
expect "... within seconds of the cancel" "yes" "$([ $((SECONDS - started)) -lt 30 ] && echo yes || echo no)"
expect "... and says why" "outreachd import: canceling statement due to user request" "$(head -1 "$TMP/err")"
expect "the job is failed with the reason, nothing imported" "failed|canceling statement due to user request|0" \
    "$(q "SELECT d.state, d.error, (SELECT count(*) FROM outreach.source_records s WHERE s.team_id = d.team_id
                                          AND s.data_source_id = d.data_source_id)
          FROM outreach.data_sources d WHERE d.team_id = 'cancel' AND d.name = 'cancelled'")"

# 6. The SQL path cancels too: outreach.import_csv stops mid-way and leaves nothing behind.
PGAPPNAME=hostile-cancel-sql timeout 120 psql -X -At -c "SELECT outreach.import_csv('cancel', pg_read_binary_file('$TMP/long.csv'),
    name => 'cancelled through SQL')" >"$TMP/out" 2>"$TMP/err" &
importer=$!
BACKGROUND+=("$importer")
pid=$(wait_for_query hostile-cancel-sql 'import_csv')
sleep 1
q "SELECT pg_cancel_backend($pid)" >/dev/null
started=$SECONDS
wait "$importer"
expect "the cancelled SQL import fails" 1 $?
expect "... within seconds, with the cancel error" "yes|ERROR:  canceling statement due to user request" \
    "$([ $((SECONDS - started)) -lt 30 ] && echo yes || echo no)|$(head -1 "$TMP/err")"
expect "... and leaves no job behind (one transaction)" 0 \
    "$(q "SELECT count(*) FROM outreach.data_sources WHERE team_id = 'cancel' AND name = 'cancelled through SQL'")"

# 7. Finding 8b: the importing backend is terminated. The client cannot fail the job (its
#    connection is gone), so the job stays unfinished until the reaper sees that its session ended.
PGAPPNAME=hostile-terminate timeout 120 "$OUTREACHD" import --team reap --name terminated "$TMP/long.csv" >"$TMP/out" 2>"$TMP/err" &
importer=$!
BACKGROUND+=("$importer")
pid=$(wait_for_query hostile-terminate 'import_staged')
q "SELECT pg_terminate_backend($pid)" >/dev/null
wait "$importer"
expect "the terminated import exits 1" 1 $?
wait_for_exit "$pid"
expect "the job is left unfinished, with no error" "created|" \
    "$(q "SELECT state, error FROM outreach.data_sources WHERE team_id = 'reap' AND name = 'terminated'")"
expect "the reaper fails it" 1 "$(q "SELECT outreach.reap_abandoned_imports('reap')")"
expect "... with the reason" "failed|abandoned: the session running this import (backend pid $pid," \
    "$(q "SELECT state, split_part(error, ' started', 1) FROM outreach.data_sources WHERE team_id = 'reap' AND name = 'terminated'")"

# 8. The client is killed mid-import: while its backend still works the job is left alone; once
#    the backend has ended, the next import of the team reaps it (begin_import calls the reaper).
PGAPPNAME=hostile-kill "$OUTREACHD" import --team reap --name killed "$TMP/long.csv" >/dev/null 2>&1 &
importer=$!
pid=$(wait_for_query hostile-kill 'import_staged')
kill -9 "$importer"
wait "$importer" 2>/dev/null
expect "while the killed client's backend lives, the reaper leaves its job alone" "0|created" \
    "$(q "SELECT outreach.reap_abandoned_imports('reap'), (SELECT state FROM outreach.data_sources WHERE team_id = 'reap' AND name = 'killed')")"
if wait_for_exit "$pid"; then ok "the orphaned backend ends"; else bad "the orphaned backend ends"; fi
printf 'companyName\nTheta\n' >"$TMP/small.csv"
timeout 60 "$OUTREACHD" import --team reap --name next "$TMP/small.csv" >/dev/null 2>"$TMP/err"
expect "the next import of the team succeeds" 0 $?
expect "... and has reaped the killed one" "failed|abandoned" \
    "$(q "SELECT state, split_part(error, ':', 1) FROM outreach.data_sources WHERE team_id = 'reap' AND name = 'killed'")"

# 9. The daemon sweeps every team: a terminated import of another team is failed by
#    `outreachd run --once` (sandbox, nothing else to do), without any import of that team.
q "INSERT INTO outreach.teams (team_id, name) VALUES ('reap2', 'Abandoned, swept by the daemon')" >/dev/null
PGAPPNAME=hostile-sweep timeout 120 "$OUTREACHD" import --team reap2 --name swept "$TMP/long.csv" >/dev/null 2>&1 &
importer=$!
BACKGROUND+=("$importer")
pid=$(wait_for_query hostile-sweep 'import_staged')
q "SELECT pg_terminate_backend($pid)" >/dev/null
wait "$importer" 2>/dev/null
wait_for_exit "$pid"
OUTREACH_HTTP_LISTEN=127.0.0.1:0 timeout 60 "$OUTREACHD" run --once >"$TMP/run.out" 2>&1
expect "outreachd run --once exits 0" 0 $?
expect "... and has failed the abandoned job of another team" "failed|abandoned" \
    "$(q "SELECT state, split_part(error, ':', 1) FROM outreach.data_sources WHERE team_id = 'reap2' AND name = 'swept'")"
expect "... saying so in its log" "1" "$(grep -c 'event=reaped_imports failed=1' "$TMP/run.out")"

psql -X -q -d postgres -c "DROP DATABASE $DB" >/dev/null
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# Integration tests of `outreachd import` against a real PostgreSQL with pg_outreach installed:
# the real binary, real files, real COPY. Needs PGHOST/PGPORT/PGUSER (scripts/test.sh starts the
# cluster) and the path of outreachd as $1. Prints one line per check and "N passed, N failed".
set -uo pipefail
OUTREACHD=${1:?usage: import.sh PATH/TO/outreachd}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
DB=outreach_it_import
export PGDATABASE=$DB
pass=0
fail=0

ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'; }
# expect NAME WANT GOT
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want: $2"$'\n'"got:  $3"; fi; }
q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
import() { "$OUTREACHD" import "$@"; }

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null 2>&1
q "CREATE EXTENSION pg_outreach CASCADE" >/dev/null 2>&1
q "INSERT INTO outreach.teams (team_id, name) VALUES ('it', 'Integration'), ('it-sql', 'Same file through SQL')" >/dev/null

# 1. The sample file: a summary on stdout, nothing on stderr when it is not a terminal.
import --team it "$ROOT/examples/leads_messy.csv" >"$TMP/out" 2>"$TMP/err"
expect "sample file imports (exit 0)" 0 $?
expect "no progress output when stderr is not a terminal" "" "$(cat "$TMP/err")"
expect "summary names rows read" "rows read 15" "$(grep -o 'rows read *[0-9]*' "$TMP/out" | tr -s ' ')"
expect "summary names merges" "personas created 13 merged 1" "$(grep -o 'personas created.*' "$TMP/out" | tr -s ' ')"
expect "job completed with its counts" "completed|15|15|0" \
    "$(q "SELECT state, rows_read, rows_imported, rows_rejected FROM outreach.data_sources WHERE team_id = 'it'")"

# 2. A deliberately broken file: good rows import, bad rows are rejected with reasons, and the
#    SQL path (outreach.import_csv) gives the same rows and the same rejections for the same bytes.
{
    printf 'companyName,ownerFirstName,ownerLastName,phone,email,zip,Notes\r\n'
    printf 'Acme Plumbing,Ann,Lee,(212) 555-0101,ann@acme.example,10001,ok\r\n'
    printf 'Caf\xe9 Roma,Jos\xe9,Ruiz,(212) 555-0102,,10001,cp1252\r\n'
    printf 'Too Few,Bo\r\n'
    printf 'Too,Many,Fields,(212) 555-0103,,10001,x,y\r\n'
    printf '"Multi\r\nline Co",Cy,Park,(212) 555-0104,not-an-email,10001,"quoted ""notes"""\r\n'
    printf 'Nul\0Byte Inc,Di,Moe,(212) 555-0105,,10001,\r\n'
    printf ',,,,,,only notes\r\n'
    printf 'Stray "quote" Inc,Ed,Fox,(212) 555-0106,,10001,\r\n'
    printf '\r\n'
    printf '"Unclosed,Flo,Gee,(212) 555-0107,,10001,\r\n'
} >"$TMP/broken.csv"
import --team it --name broken "$TMP/broken.csv" >"$TMP/out" 2>"$TMP/err"
expect "a file with bad rows still imports (exit 0)" 0 $?
read -r read_ imported rejected < <(q "SELECT rows_read, rows_imported, rows_rejected FROM outreach.data_sources
                                       WHERE team_id = 'it' AND name = 'broken'" | tr '|' ' ')
expect "rows read = imported + rejected" "$read_" "$((imported + rejected))"
expect "every data row counted (9 data rows, a blank line is none: 3 imported, 6 rejected)" "9 3 6" "$read_ $imported $rejected"
expect "every row number accounted for exactly once" "" "$(q "
    SELECT string_agg(n::text, ',') FROM generate_series(1, $read_) n
    WHERE (SELECT count(*) FROM outreach.source_records s JOIN outreach.data_sources d USING (team_id, data_source_id)
           WHERE d.team_id = 'it' AND d.name = 'broken' AND s.row_number = n)
        + (SELECT count(*) FROM outreach.import_errors e JOIN outreach.data_sources d USING (team_id, data_source_id)
           WHERE d.team_id = 'it' AND d.name = 'broken' AND e.severity = 'rejected' AND e.row_number = n) <> 1")"
expect "rejections name row, line and reason" \
    "2|3|record 2 (line 3), field 1: invalid UTF-8 byte 0xE9 at offset 3" \
    "$(q "SELECT e.row_number, e.line_number, e.reason FROM outreach.import_errors e JOIN outreach.data_sources d USING (team_id, data_source_id)
          WHERE d.team_id = 'it' AND d.name = 'broken' AND e.row_number = 2")"
expect "a rejected row keeps its text, invalid bytes shown as \\xNN" 'Caf\xE9 Roma,Jos\xE9,Ruiz,(212) 555-0102,,10001,cp1252' \
    "$(q "SELECT e.value FROM outreach.import_errors e JOIN outreach.data_sources d USING (team_id, data_source_id)
          WHERE d.team_id = 'it' AND d.name = 'broken' AND e.row_number = 2")"
expect "a quoted field may span lines and keeps its quotes" 'Multi'$'\r\n''line Co|quoted "notes"' \
    "$(q "SELECT s.raw ->> 'companyName', s.raw ->> 'Notes' FROM outreach.source_records s JOIN outreach.data_sources d USING (team_id, data_source_id)
          WHERE d.team_id = 'it' AND d.name = 'broken' AND s.row_number = 5")"
expect "a bad e-mail is a field warning, not a rejection" "5|email|not-an-email" \
    "$(q "SELECT e.row_number, e.field, e.value FROM outreach.import_errors e JOIN outreach.data_sources d USING (team_id, data_source_id)
          WHERE d.team_id = 'it' AND d.name = 'broken' AND e.severity = 'warning'")"
chmod 644 "$TMP/broken.csv"; chmod 755 "$TMP"
q "SELECT outreach.import_csv('it-sql', pg_read_binary_file('$TMP/broken.csv'), name => 'broken')" >/dev/null
expect "the SQL path rejects the same rows for the same reasons" "" "$(q "
    (SELECT row_number, line_number, severity, field, reason, value FROM outreach.import_errors WHERE team_id = 'it'
       AND data_source_id = (SELECT data_source_id FROM outreach.data_sources WHERE team_id = 'it' AND name = 'broken')
     EXCEPT ALL
     SELECT row_number, line_number, severity, field, reason, value FROM outreach.import_errors WHERE team_id = 'it-sql')
    UNION ALL
    (SELECT row_number, line_number, severity, field, reason, value FROM outreach.import_errors WHERE team_id = 'it-sql'
     EXCEPT ALL
     SELECT row_number, line_number, severity, field, reason, value FROM outreach.import_errors WHERE team_id = 'it'
       AND data_source_id = (SELECT data_source_id FROM outreach.data_sources WHERE team_id = 'it' AND name = 'broken'))")"
expect "the SQL path imports the same rows as the same records" "" "$(q "
    (SELECT row_number, line_number, raw FROM outreach.source_records WHERE team_id = 'it'
       AND data_source_id = (SELECT data_source_id FROM outreach.data_sources WHERE team_id = 'it' AND name = 'broken')
     EXCEPT ALL SELECT row_number, line_number, raw FROM outreach.source_records WHERE team_id = 'it-sql')
    UNION ALL
    (SELECT row_number, line_number, raw FROM outreach.source_records WHERE team_id = 'it-sql'
     EXCEPT ALL SELECT row_number, line_number, raw FROM outreach.source_records WHERE team_id = 'it'
       AND data_source_id = (SELECT data_source_id FROM outreach.data_sources WHERE team_id = 'it' AND name = 'broken'))")"

# 3. Column mapping: presets match headers loosely; --map overrides for one run.
printf 'Business Name,first_name,LAST NAME,Office Phone,Mobile\nHarbor Cafe,Carl,Jung,(206) 555-0140,(206) 555-0199\n' >"$TMP/mapped.csv"
import --team it --name mapped --map ownerFirstName=first_name,phone=Mobile "$TMP/mapped.csv" >/dev/null 2>"$TMP/err"
expect "--map overrides the preset" "Carl|+12065550199" \
    "$(q "SELECT p.first_name, p.normalized_phone FROM outreach.personas p JOIN outreach.data_sources d
          ON d.team_id = p.team_id AND d.data_source_id = p.data_source_id WHERE d.name = 'mapped'")"
expect "unmapped columns are kept raw" "(206) 555-0140" \
    "$(q "SELECT s.raw ->> 'Office Phone' FROM outreach.source_records s JOIN outreach.data_sources d USING (team_id, data_source_id) WHERE d.name = 'mapped'")"

# 4. Failures: a file that cannot be read, a mapping that does not fit, an unknown team, bad usage.
import --team it "$TMP/does-not-exist.csv" >"$TMP/out" 2>"$TMP/err"
expect "a missing file exits 1" 1 $?
expect "... and says why" "outreachd import: cannot open $TMP/does-not-exist.csv: No such file or directory" "$(cat "$TMP/err")"
import --team it --name badmap --map phone=Fax "$TMP/mapped.csv" >/dev/null 2>"$TMP/err"
expect "a mapping to a missing column exits 1" 1 $?
expect "... and leaves the job failed with the reason" \
    "failed|column map: field \"phone\" is mapped to \"Fax\", which is not a column of the file" \
    "$(q "SELECT state, split_part(error, ' (hint', 1) FROM outreach.data_sources WHERE name = 'badmap'")"
expect "... with nothing of the file imported" 0 \
    "$(q "SELECT count(*) FROM outreach.source_records s JOIN outreach.data_sources d USING (team_id, data_source_id) WHERE d.name = 'badmap'")"
: >"$TMP/empty.csv"
import --team it --name empty "$TMP/empty.csv" >/dev/null 2>"$TMP/err"
expect "an empty file exits 1" 1 $?
import --team nobody "$ROOT/examples/leads_messy.csv" >/dev/null 2>"$TMP/err"
expect "an unknown team exits 1" 1 $?
expect "... naming the team" 'outreachd import: no team "nobody" (hint: Teams are rows of outreach.teams.)' "$(cat "$TMP/err")"
import "$ROOT/examples/leads_messy.csv" >/dev/null 2>&1
expect "no --team is a usage error (exit 2)" 2 $?
"$OUTREACHD" import --dsn "host=/nonexistent-socket-dir" --team it "$ROOT/examples/leads_messy.csv" >/dev/null 2>"$TMP/err"
expect "no database exits 1" 1 $?

# 5. Four imports of the same people at the same time end as one persona per person, for 10
#    fresh teams in a row (the race of issue 11 showed in some tries only): every team has 13
#    active personas, no number is on two active personas, and all four jobs completed.
race_personas=""
race_shared=""
race_completed=""
for team in 1 2 3 4 5 6 7 8 9 10; do
    q "INSERT INTO outreach.teams (team_id, name) VALUES ('race$team', 'Concurrent imports $team')" >/dev/null
    for i in 1 2 3 4; do
        import --team "race$team" --name "race $i" "$ROOT/examples/leads_messy.csv" >"$TMP/race$team-$i.out" 2>&1 &
    done
    wait
    race_personas="$race_personas $(q "SELECT count(*) FROM outreach.personas WHERE team_id = 'race$team' AND is_active")"
    race_shared="$race_shared $(q "SELECT count(*) FROM (SELECT ph.normalized_phone FROM outreach.persona_phones ph
                                   JOIN outreach.personas p ON p.team_id = ph.team_id AND p.persona_id = ph.persona_id AND p.is_active
                                   WHERE ph.team_id = 'race$team' GROUP BY 1 HAVING count(DISTINCT p.persona_id) > 1) x")"
    race_completed="$race_completed $(q "SELECT count(*) FROM outreach.data_sources WHERE team_id = 'race$team' AND state = 'completed'")"
done
expect "concurrent imports, 10 teams: one active persona per person (13 people in the file)" \
    " 13 13 13 13 13 13 13 13 13 13" "$race_personas"
expect "concurrent imports, 10 teams: no number on two active personas" " 0 0 0 0 0 0 0 0 0 0" "$race_shared"
expect "concurrent imports, 10 teams: all four completed" " 4 4 4 4 4 4 4 4 4 4" "$race_completed"
expect "concurrent imports: one active lead per (persona, business)" "t" \
    "$(q "SELECT count(*) = count(DISTINCT (team_id, persona_id, business_id)) FROM outreach.leads WHERE team_id LIKE 'race%' AND is_active")"

psql -X -q -d postgres -c "DROP DATABASE $DB" >/dev/null
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

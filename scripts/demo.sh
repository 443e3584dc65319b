#!/usr/bin/env bash
# The main job, end to end, on an embedded default: installs what it needs, builds and installs
# pg_outreach, starts a throwaway local PostgreSQL cluster, loads a CSV of messy leads with COPY
# and shows each field before and after normalization, with each lead's time zones. The cluster
# is removed afterwards. Usage: scripts/demo.sh [FILE.csv]   (default examples/leads_messy.csv)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

csv=$(realpath "${1:-examples/leads_messy.csv}")
work=$(mktemp -d /tmp/outreach-demo.XXXXXX)
chmod 755 "$work"
trap 'cluster_stop "$work/pg"; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

install_deps
build_and_install_extension
log "starting a throwaway PostgreSQL cluster in $work"
cluster_start "$work/pg" "${DEMO_PORT:-55498}"
cp "$csv" "$work/leads.csv"
chmod 644 "$work/leads.csv"

psql -X -q -v ON_ERROR_STOP=1 -P pager=off <<SQL
CREATE EXTENSION pg_outreach CASCADE;

-- A staging table of text columns, exactly as the file has them.
CREATE TEMP TABLE staging (
    company_name text, owner_first_name text, owner_last_name text, phone text, email text,
    sic_code text, naics_code text, employee_count text, annual_revenue text,
    street text, city text, state text, zip text
);
\copy staging FROM '$work/leads.csv' WITH (FORMAT csv, HEADER true)
SELECT count(*) AS rows_loaded FROM staging \gset
\echo
\echo Loaded :rows_loaded rows from $(basename "$csv").

\echo
\echo == People: display name and matching key, field by field (placeholders such as N/A become NULL) ==
SELECT owner_first_name AS "first as written", owner_last_name AS "last as written",
       concat_ws(' ', outreach.normalize_name(owner_first_name), outreach.normalize_name(owner_last_name)) AS "display",
       concat_ws(' ', outreach.name_key(owner_first_name), outreach.name_key(owner_last_name)) AS "matching key"
FROM staging;

\echo == Phones (E.164, NULL when libphonenumber says invalid) and e-mail ==
SELECT phone AS "phone as written", outreach.normalize_phone(phone) AS "E.164",
       email AS "email as written", outreach.normalize_email(email) AS "email"
FROM staging;

\echo == Businesses: matching key ==
SELECT company_name AS "as written", outreach.normalize_business_name(company_name) AS "matching key"
FROM staging;

\echo == Addresses (USPS Publication 28) and where the lead is ==
SELECT street AS "street as written", outreach.normalize_street(street) AS "street",
       state AS "state as written", outreach.normalize_state(state) AS "st",
       zip AS "zip as written", outreach.normalize_zip(zip) AS "zip",
       outreach.timezones_for(state, zip, phone) AS "time zones (primary first)"
FROM staging;

\echo == Which rows are the same person or business? ==
SELECT a.n AS "row", b.n AS "row",
       round(outreach.name_similarity(concat_ws(' ', a.owner_first_name, a.owner_last_name),
                                      concat_ws(' ', b.owner_first_name, b.owner_last_name))::numeric, 3) AS "name similarity",
       round(outreach.business_similarity(a.company_name, b.company_name)::numeric, 3) AS "business similarity",
       outreach.normalize_phone(a.phone) = outreach.normalize_phone(b.phone) AS "same phone",
       outreach.normalize_street(a.street) = outreach.normalize_street(b.street) AS "same street"
FROM (SELECT row_number() OVER () AS n, * FROM staging) a
JOIN (SELECT row_number() OVER () AS n, * FROM staging) b ON a.n < b.n
WHERE outreach.name_similarity(concat_ws(' ', a.owner_first_name, a.owner_last_name),
                               concat_ws(' ', b.owner_first_name, b.owner_last_name)) > 0.85
   OR outreach.business_similarity(a.company_name, b.company_name) > 0.85;
SQL
log "done; the throwaway cluster is removed on exit"

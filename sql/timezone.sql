-- Time zones of a lead: timezone_for gives the primary IANA zone from the best evidence (ZIP,
-- then state, then the phone's area code); timezones_for gives every zone the lead may be in.
-- Quiet hours must hold in all of them, so a ZIP or area code split by a zone line, or a lead
-- known only by a multi-zone state, yields more than one zone.

-- The spot checks of the data's README, by ZIP.
SELECT zip, outreach.timezone_for(NULL, zip, NULL) AS zone
FROM (VALUES ('10001'), ('60606'), ('99501'), ('96813'), ('32501'), ('33101'), ('79901'),
             ('97914'), ('00601'), ('46201'), ('48201'), ('49858'), ('99546'), ('83814'), ('96950')) AS z (zip);

-- ZIP 97914 (Ontario, OR) lies in Malheur County, split between Mountain and Pacific time.
SELECT outreach.timezones_for(NULL, '97914', NULL);

-- ZIPs come in messy: spreadsheet-stripped zeros, ZIP+4. 02134 (Boston) written as 2134-1234.
SELECT outreach.timezone_for(NULL, '2134-1234', NULL) AS boston,
       outreach.timezone_for(NULL, ' 85004 ', NULL)   AS phoenix_no_dst;

-- A PO-box-only ZIP has no ZCTA (85001 Phoenix): its three-digit prefix decides.
SELECT outreach.timezones_for(NULL, '85001', NULL);

-- The ZIP beats the state and the phone: a Pensacola ZIP is Central even with an Eastern phone.
SELECT outreach.timezone_for('FL', '32501', '+1 305 555 0100');

-- No ZIP: the state's main zone first, then every other zone used in that state.
SELECT state, outreach.timezones_for(state, NULL, NULL)
FROM (VALUES ('AZ'), ('Hawaii'), ('in'), ('TX'), ('FL'), ('Oregon'), ('ND')) AS s (state);

-- Nothing but a phone: the NANP area code, with its alternates (850 spans Central and Eastern).
SELECT outreach.timezones_for(NULL, NULL, '(212) 555-0199') AS nyc,
       outreach.timezones_for(NULL, NULL, '850-555-0100')   AS florida_panhandle,
       outreach.timezone_for(NULL, NULL, '+1 808 555 0100') AS honolulu;

-- Unknown or unusable evidence is skipped; with nothing left the answer is NULL / empty.
SELECT outreach.timezone_for('Atlantis', '00000', 'call me') IS NULL AS unknown,
       outreach.timezones_for(NULL, NULL, NULL) = '{}' AS empty,
       outreach.timezone_for('NY', 'not a zip', NULL) AS state_after_bad_zip;

-- The functions agree with the shipped tables for every ZIP and every area code.
SELECT count(*) AS zip_disagreements
FROM outreach.zip_codes z
WHERE outreach.timezone_for(NULL, z.zip, NULL) IS DISTINCT FROM z.timezone
   OR outreach.timezones_for(NULL, z.zip, NULL) IS DISTINCT FROM
      ARRAY[z.timezone] || ARRAY(SELECT a.timezone FROM outreach.zip_timezone_alternates a
                                 WHERE a.zip = z.zip ORDER BY a.timezone);
SELECT count(*) AS area_code_disagreements
FROM outreach.area_codes ac
WHERE ac.region IN (SELECT DISTINCT state FROM outreach.zip_codes)
  AND outreach.timezone_for(NULL, NULL, '+1' || ac.npa || '2345678') IS DISTINCT FROM ac.timezone
  AND outreach.normalize_phone('+1' || ac.npa || '2345678') IS NOT NULL;

-- Every zone in the data is one PostgreSQL knows, so local time can be computed for any lead.
SELECT count(*) AS unknown_zones
FROM (SELECT timezone FROM outreach.zip_codes UNION SELECT timezone FROM outreach.zip_timezone_alternates
      UNION SELECT timezone FROM outreach.area_codes UNION SELECT timezone FROM outreach.area_code_timezone_alternates) z
WHERE z.timezone NOT IN (SELECT name FROM pg_catalog.pg_timezone_names);

-- Local time of a lead at one fixed instant (20:30 UTC on 2026-07-01): Ontario, OR is 14:30
-- Mountain, yet 13:30 in its Pacific part; Phoenix has no DST.
SELECT zone, (TIMESTAMPTZ '2026-07-01 20:30:00+00' AT TIME ZONE zone)::time AS local_time
FROM unnest(outreach.timezones_for(NULL, '97914', NULL) || outreach.timezones_for(NULL, '85004', NULL)) AS zone;

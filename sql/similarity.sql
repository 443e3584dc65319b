-- Similarity scores in [0, 1] that entity resolution weighs: jaro_winkler on raw strings,
-- name_similarity on person names (nicknames, token order, typos), business_similarity on
-- business names (legal suffixes ignored, generic words weigh less).

-- Jaro-Winkler's classic textbook values.
SELECT round(outreach.jaro_winkler('MARTHA', 'MARHTA')::numeric, 4) AS martha,
       round(outreach.jaro_winkler('DWAYNE', 'DUANE')::numeric, 4) AS dwayne,
       round(outreach.jaro_winkler('DIXON', 'DICKSONX')::numeric, 4) AS dixon,
       outreach.jaro_winkler('', '') AS both_empty, outreach.jaro_winkler('abc', '') AS one_empty;

-- Names: nicknames count as close, order and missing middle names are forgiven.
SELECT a, b, round(outreach.name_similarity(a, b)::numeric, 2) AS score
FROM (VALUES ('Robert Smith', 'Bob Smith'), ('William', 'Bill'), ('Margaret', 'Peggy'), ('Smith, John', 'John Smith'),
             ('John Q. Smith', 'John Smith'), ('Jon Smith', 'John Smith'), ('José Núñez', 'JOSE NUNEZ'),
             ('John Smith', 'Mary Jones'), ('Robert', 'Roberta')) AS t (a, b);

-- Orderings resolution relies on.
SELECT outreach.name_similarity('Bob Smith', 'Robert Smith') > outreach.name_similarity('Bob Smith', 'Rob Jones') AS nickname_beats_other_person,
       outreach.name_similarity('Jonh Smith', 'John Smith') > 0.9 AS typo_still_close,
       outreach.name_similarity('John Smith', 'Mary Jones') < 0.6 AS strangers_far;

-- Businesses.
SELECT a, b, round(outreach.business_similarity(a, b)::numeric, 2) AS score
FROM (VALUES ('Acme Plumbing LLC', 'ACME Plumbing, Inc.'), ('Acme Plumbing', 'Acme Plumbing & Heating'),
             ('Smith & Sons', 'Smith and Sons Co'), ('Acme Plumbing', 'Best Plumbing'),
             ('Joe''s Pizza', 'Joes Pizzeria'), ('Acme Plumbing', 'Lone Star Auto Repair')) AS t (a, b);

-- Symmetric, in range, and 1 for identical names.
SELECT bool_and(outreach.name_similarity(a, b) = outreach.name_similarity(b, a)) AS symmetric,
       bool_and(outreach.business_similarity(a, b) BETWEEN 0 AND 1) AS in_range,
       bool_and(outreach.name_similarity(a, a) = 1) AS identical_is_one
FROM (VALUES ('Ann Lee', 'Anne Leigh'), ('Bob', 'Robert'), ('Ace Hardware', 'ACE Hardware Corp')) AS t (a, b);

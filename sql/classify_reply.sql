-- Replies classified by rules: the label, how sure the rules are, which rule decided, and the data
-- the reply carries. STOP comes first and errs on its own side; the traps at the end use the same
-- words without revoking anything.
\set SHOW_CONTEXT never
\set VERBOSITY terse

-- ---- opt-outs: keywords alone are certain, free text nearly so ----------------------------------
SELECT body, c.label, c.confidence, c.rule, c.extracted
FROM (VALUES ('STOP'), ('stop!!'), ('Unsubscribe'), ('OPT OUT'), ('Cancel'), ('ALTO'), ('BASTA'), ('ARRÊT'),
             ('🛑'), ('stpo'), ('pls stop texting me'), ('take me off your list'), ('don''t text me again'),
             ('wrong number, remove me'), ('cease and desist'), ('lose my number'), ('unsubscibe'),
             ('no me escriban más'), ('who is this? stop'), ('please email dont text. carla(at)salon(dot)com'))
     AS r(body),
     LATERAL outreach.classify_reply(r.body) c;

-- ---- consent keywords that are not opt-outs -----------------------------------------------------
-- START and UNSTOP re-subscribe; a bare YES answers our question and re-subscribes nobody.
SELECT body, c.label, c.rule, c.extracted
FROM (VALUES ('START'), ('unstop'), ('YES'), ('HELP'), ('info')) AS r(body),
     LATERAL outreach.classify_reply(r.body) c;

-- ---- the other labels, in order of precedence ----------------------------------------------------
SELECT body, c.label, c.confidence, c.rule, c.extracted
FROM (VALUES ('frank dot miller at gmail dot com'),
             ('yes! email me at Frank.Miller@Example.com or call 212-555-0199'),
             ('call me tuesday 3pm'),
             ('can you call after 5'),
             ('llámame mañana por la tarde'),
             ('how much does it cost?'),
             ('cuánto cuesta'),
             ('who is this?'),
             ('interested but who is this exactly?'),
             ('yes'),
             ('👍'),
             ('tell me more'),
             ('not interested'),
             ('no gracias'),
             ('ok'),
             ('hmm')) AS r(body),
     LATERAL outreach.classify_reply(r.body) c;

-- A picture alone and an empty text say nothing we can read.
SELECT * FROM outreach.classify_reply('', true);
SELECT * FROM outreach.classify_reply('   ');

-- ---- traps: the words of an opt-out, not an opt-out -----------------------------------------------
SELECT body, c.label, c.rule, c.extracted
FROM (VALUES ('stop by our shop Tuesday'), ('don''t stop, tell me more'), ('unstoppable'),
             ('we stopped using our old lender'), ('end of month works'), ('cancel my 3pm, call at 4 instead'),
             ('I quit my job'), ('Liked “Hi Frank! Interested? Reply STOP to opt out.”')) AS r(body),
     LATERAL outreach.classify_reply(r.body) c;

-- ---- what the function is ------------------------------------------------------------------------
-- Pure: it can index an expression, run in parallel, and a NULL body gives no row.
SELECT p.provolatile = 'i' AS immutable, p.proisstrict AS strict, p.proparallel = 's' AS parallel_safe,
       pg_catalog.obj_description(p.oid, 'pg_proc') IS NOT NULL AS documented
FROM pg_catalog.pg_proc p
WHERE p.oid = 'outreach.classify_reply(text, boolean)'::regprocedure;
SELECT count(*) FROM outreach.classify_reply(NULL);
-- A reply of a megabyte is read on its first 4 KiB: the STOP at its start counts.
SELECT label, rule FROM outreach.classify_reply('STOP. ' || repeat('blah ', 200000));

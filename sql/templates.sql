-- Message templates: {{variable}} with fallbacks, rendered in C++, and what the rendered text
-- costs as SMS (GSM-7 or UCS-2, and how many segments).
\set SHOW_CONTEXT never
\set VERBOSITY terse

-- ---- rendering ----------------------------------------------------------------------------------
-- A value is used when it has any text; else the inline fallback {{name|fallback}}; else the
-- template's fallbacks; else the variable is missing and the result is NULL.
SELECT outreach.render_template('Hi {{firstName|there}}, is {{company}} hiring in {{city}}?',
                                '{"firstName": "Ana", "company": "Desert Sun", "city": "Phoenix"}') AS all_values,
       outreach.render_template('Hi {{firstName|there}}, is {{company}} hiring in {{city}}?',
                                '{"firstName": "  ", "company": "Desert Sun"}', '{"city": "your area"}') AS fallbacks,
       outreach.render_template('Hi {{firstName|there}}, is {{company}} hiring in {{city}}?', '{"firstName": "Ana"}') AS missing;
SELECT outreach.template_missing_variables('Hi {{firstName|there}}, is {{company}} hiring in {{city}}?', '{"firstName": "Ana"}');
-- Values are text, never templates: a name that looks like a variable is printed as it is.
SELECT outreach.render_template('Hi {{firstName}}!', '{"firstName": "{{company}}"}');
-- Whitespace inside a value collapses; an empty fallback leaves no double space or space before a comma.
SELECT outreach.render_template('Hi {{firstName|}}, from {{company}}.', '{"company": "  Acme \n  Co  "}');
-- Numbers and booleans render as their text; JSON null is no value.
SELECT outreach.render_template('{{zip}} / {{city|unknown}}', '{"zip": 10001, "city": null}');
SELECT outreach.template_variables('{{ firstName }} at {{company|your company}} ({{city}}), {{firstName}}');
-- Broken templates are refused with the position of the problem.
SELECT outreach.template_variables('Hi {{firstName, welcome');
SELECT outreach.template_variables('Hi {{first name}}');
SELECT outreach.template_variables('Hi {{}}');
SELECT outreach.render_template('Hi {{firstName}}', '["Ana"]');

-- ---- encoding and segments ------------------------------------------------------------------------
-- GSM-7 fits 160 characters in one SMS and 153 per part of a longer one; anything outside the GSM
-- alphabet (a curly apostrophe, an emoji) makes the whole text UCS-2: 70, then 67 per part.
SELECT label, outreach.sms_encoding(body) AS encoding, outreach.sms_units(body) AS units, outreach.sms_segments(body) AS segments
FROM (VALUES ('160 letters', repeat('a', 160)), ('161 letters', repeat('a', 161)), ('306 letters', repeat('a', 306)),
             ('307 letters', repeat('a', 307)), ('euro sign costs 2', repeat('a', 159) || '€'),
             ('GSM accents', 'Café Ñoño über Ålesund'), ('not GSM: ú', 'Ñandú'), ('curly apostrophe', 'It’s here'), ('70 UCS-2', repeat('é', 69) || '’'),
             ('71 UCS-2', repeat('é', 70) || '’'), ('emoji is 2 units', 'Hi 👋'), ('empty', '')) AS t (label, body);
-- an escape pair is never split across two parts: 152 letters then a € needs a third part
SELECT outreach.sms_segments(repeat('a', 152) || '€' || repeat('a', 152)) AS segments;

-- ---- the templates table -----------------------------------------------------------------------
INSERT INTO outreach.teams (team_id, name) VALUES ('tpl', 'Template team');
INSERT INTO outreach.templates (team_id, name, variant, body, fallbacks) VALUES
    ('tpl', 'intro', 'A', 'Hi {{firstName|there}}, is {{company}} in {{city}} taking new work? Reply STOP to opt out.', '{"city": "your area"}'),
    ('tpl', 'intro', 'B', 'Hello {{firstName|there}}, quick question about {{company}}. Reply STOP to opt out.', '{}');
SELECT name, variant, variables FROM outreach.templates WHERE team_id = 'tpl' ORDER BY variant;
-- Only known variables, only valid syntax, never an empty body.
INSERT INTO outreach.templates (team_id, name, body) VALUES ('tpl', 'bad', 'Hi {{nickname}} from {{employer}}');
INSERT INTO outreach.templates (team_id, name, body) VALUES ('tpl', 'bad', 'Hi {{firstName');
INSERT INTO outreach.templates (team_id, name, body) VALUES ('tpl', 'bad', '   ');
INSERT INTO outreach.templates (team_id, name, body, fallbacks) VALUES ('tpl', 'bad', 'Hi', '{"nickname": "pal"}');
SELECT outreach.template_variable_names();

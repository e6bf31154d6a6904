-- Guardrails: hoop's guardrails_* tools and their checks, who may call
-- them, the links to connections (guardrails' connection_ids and
-- connections' guardrail_rules), and what hoop_mcp._connection_policy and
-- the view connection_rules make of them.  It brings its own extension and
-- roles (privileges, before it, drops them) and removes them at the end.
\set SHOW_CONTEXT never
CREATE EXTENSION hoop_mcp;
CREATE ROLE regress_policy_admin;
CREATE ROLE regress_policy_dev;
CREATE ROLE regress_policy_auditor;
CREATE ROLE regress_policy_sqlauditor IN ROLE hoop_mcp_auditor;
SELECT hoop_mcp.create_user('admin@example.com', '{admin}', 'Admin', 'regress_policy_admin') IS NOT NULL AS created;
SELECT hoop_mcp.create_user('dev@example.com', '{dev}', 'Dev', 'regress_policy_dev') IS NOT NULL AS created;
SELECT hoop_mcp.create_user('audrey@example.com', '{auditor}', 'Audrey', 'regress_policy_auditor') IS NOT NULL AS created;
-- Connections with known IDs, so that the output shows them.
INSERT INTO hoop_mcp.connections (id, name, type, subtype) VALUES
	('00000000-0000-0000-0000-0000000000a1', 'shop-pg', 'database', 'postgres'),
	('00000000-0000-0000-0000-0000000000a2', 'crm-pg', 'database', 'postgres');
-- Rule IDs and timestamps differ from run to run: shown as id:<name> and "...".
CREATE FUNCTION pg_temp.show(j jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
	r record;
	t text := j::text;
BEGIN
	FOR r IN SELECT id, name FROM hoop_mcp.guardrail_rules LOOP
		t := replace(t, r.id::text, 'id:' || r.name);
	END LOOP;
	RETURN regexp_replace(t, '"(created_at|updated_at)": "[^"]*"', '"\1": "..."', 'g')::jsonb;
END
$$;
-- The names of the rules whose IDs a connection's guardrail_rules list.
CREATE FUNCTION pg_temp.rules(ids jsonb) RETURNS text[]
LANGUAGE sql SECURITY DEFINER AS $$
	SELECT array_agg(r.name ORDER BY r.name) FROM hoop_mcp.guardrail_rules r
	WHERE r.id::text IN (SELECT jsonb_array_elements_text(ids))
$$;

-- The tables, their triggers and pg_dump.
SELECT c.relname, t.tgname, t.tgenabled
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relname IN ('guardrail_rules', 'guardrail_rules_connections') AND NOT t.tgisinternal ORDER BY 1;
SELECT c.relname
FROM pg_extension e, unnest(e.extconfig) AS t(oid) JOIN pg_class c ON c.oid = t.oid
WHERE e.extname = 'hoop_mcp' AND c.relname LIKE 'guardrail%' ORDER BY 1;
-- The connections column is gone: the links are the truth.
SELECT count(*) AS guardrail_rules_column FROM pg_attribute
WHERE attrelid = 'hoop_mcp.connections'::regclass AND attname = 'guardrail_rules' AND NOT attisdropped;

-- Create, list, get, as the admin.
SET ROLE regress_policy_admin;
SELECT pg_temp.show(hoop_mcp.guardrails_create(name => 'no-drops', description => 'no DROP, no TRUNCATE',
       input => '{"rules": [{"type": "deny_words_list", "words": ["DROP TABLE", "TRUNCATE"], "message": "ask a DBA"},
                            {"type": "pattern_match", "pattern_regex": "(?i)delete\\s+from\\s+\\w+\\s*;"}]}',
       output => '{"rules": [{"type": "pattern_match", "pattern_regex": "[0-9]{3}-[0-9]{2}-[0-9]{4}", "message": "an SSN"}]}',
       connection_ids => '{00000000-0000-0000-0000-0000000000a1, "", 00000000-0000-0000-0000-0000000000A1}'));
-- Only a name: no input, output or links, an empty description.
SELECT pg_temp.show(hoop_mcp.guardrails_create(name => 'audit-words'));
SELECT pg_temp.show(hoop_mcp.guardrails_create(name => 'empty-rules', input => '{"rules": []}',
       connection_ids => '{00000000-0000-0000-0000-0000000000a2}'));
SELECT jsonb_path_query_array(hoop_mcp.guardrails_list(), '$[*].name') AS listed;
SELECT hoop_mcp.guardrails_get('no-drops') ->> 'id' AS no_drops_id \gset
SELECT pg_temp.show(hoop_mcp.guardrails_get(:'no_drops_id')) ->> 'name' AS by_id,
       pg_temp.show(hoop_mcp.guardrails_get(upper(:'no_drops_id'))) ->> 'name' AS by_upper_id;
SELECT hoop_mcp.guardrails_get('ghost');
SELECT hoop_mcp.guardrails_get('');

-- Every check, with its text.
SELECT hoop_mcp.guardrails_create(name => 'no-drops');
SELECT hoop_mcp.guardrails_create(name => '');
SELECT hoop_mcp.guardrails_create(name => 'x');
SELECT hoop_mcp.guardrails_create(name => 'bad name');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": {"type": "deny_words_list"}}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [], "mode": "block"}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', output => '{"rules": ["DROP"]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [{"words": ["x"]}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [{"type": "regex", "pattern_regex": "x"}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [{"type": "deny_words_list", "words": ["a"]}, {"type": "deny_words_list"}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [{"type": "deny_words_list", "words": []}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [{"type": "deny_words_list", "words": ["a", ""]}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [{"type": "deny_words_list", "words": ["a", 1]}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [{"type": "deny_words_list", "words": "DROP"}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [{"type": "deny_words_list", "words": ["a"], "pattern_regex": "b"}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [{"type": "pattern_match"}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [{"type": "pattern_match", "pattern_regex": ""}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [{"type": "pattern_match", "pattern_regex": "a", "words": ["b"]}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', output => '{"rules": [{"type": "pattern_match", "pattern_regex": "a"}, {"type": "pattern_match", "pattern_regex": "(unclosed"}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', output => '{"rules": [{"type": "pattern_match", "pattern_regex": "a{2,1}"}]}');
-- What the worker would refuse to run (exponential searches; RE2 has neither).
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', output => '{"rules": [{"type": "pattern_match", "pattern_regex": "(a+)\\1"}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [{"type": "pattern_match", "pattern_regex": "drop(?=\\s)"}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules',
       output => jsonb_build_object('rules', jsonb_build_array(jsonb_build_object('type', 'pattern_match', 'pattern_regex', repeat('a', 1001)))));
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [{"type": "pattern_match", "pattern_regex": "a", "name": "r1"}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', input => '{"rules": [{"type": "pattern_match", "pattern_regex": "a", "message": ["no"]}]}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', connection_ids => '{shop-pg}');
SELECT hoop_mcp.guardrails_create(name => 'bad-rules', connection_ids => '{00000000-0000-0000-0000-0000000000ff}');
-- Empty words or patterns a rule does not use are accepted (hoop's web app
-- sends every field), and 1000 characters of pattern are.
SELECT pg_temp.show(hoop_mcp.guardrails_create(name => 'long-pattern',
       output => jsonb_build_object('rules', jsonb_build_array(
           jsonb_build_object('type', 'pattern_match', 'pattern_regex', repeat('a', 1000), 'words', '[]'::jsonb),
           jsonb_build_object('type', 'deny_words_list', 'words', '["x"]'::jsonb, 'pattern_regex', '', 'message', null)))))
       #> '{output,rules,1}' AS kept_as_given;
SELECT hoop_mcp.guardrails_delete(hoop_mcp.guardrails_get('long-pattern') ->> 'id') #>> '{}' LIKE 'guardrail rule "%" deleted successfully' AS deleted;
-- Nothing was left behind by the failures.
SELECT jsonb_path_query_array(hoop_mcp.guardrails_list(), '$[*].name') AS still_listed;

-- Update overwrites everything, as hoop's does.
SELECT pg_temp.show(hoop_mcp.guardrails_update(id => :'no_drops_id', name => 'no-drops',
       input => '{"rules": [{"type": "deny_words_list", "words": ["DROP"]}]}',
       connection_ids => '{00000000-0000-0000-0000-0000000000a2}'));
SELECT pg_temp.show(hoop_mcp.guardrails_update(id => :'no_drops_id', name => 'no-drops-v2',
       input => '{"rules": [{"type": "deny_words_list", "words": ["DROP"]}]}',
       output => '{"rules": [{"type": "deny_words_list", "words": ["password"]}]}',
       connection_ids => '{00000000-0000-0000-0000-0000000000a1,00000000-0000-0000-0000-0000000000a2}'));
SELECT (r->>'updated_at')::timestamptz > (r->>'created_at')::timestamptz AS updated_later
FROM hoop_mcp.guardrails_get(:'no_drops_id') r;
SELECT hoop_mcp.guardrails_update(id => :'no_drops_id', name => 'audit-words');
SELECT hoop_mcp.guardrails_update(id => :'no_drops_id', name => 'no-drops-v2', input => '{"rules": [{"type": "nope"}]}');
SELECT hoop_mcp.guardrails_update(id => :'no_drops_id', name => 'no-drops-v2', connection_ids => '{00000000-0000-0000-0000-0000000000ff}');
SELECT hoop_mcp.guardrails_update(id => :'no_drops_id', name => '');
-- Found by ID only (a name is not an ID), as in hoop.
SELECT hoop_mcp.guardrails_update(id => 'no-drops-v2', name => 'no-drops-v2');
SELECT hoop_mcp.guardrails_update(id => '00000000-0000-0000-0000-000000000000', name => 'no-drops-v2');
SELECT hoop_mcp.guardrails_update(id => '', name => 'no-drops-v2');
-- The failed updates changed nothing.
SELECT pg_temp.show(hoop_mcp.guardrails_get(:'no_drops_id')) - 'created_at' - 'updated_at' AS unchanged;

-- Who may: a developer may not even read; an auditor reads, writes nothing.
SET ROLE regress_policy_dev;
SELECT hoop_mcp.guardrails_list();
SELECT hoop_mcp.guardrails_get('no-drops-v2');
SELECT hoop_mcp.guardrails_create(name => 'devs-rule');
SELECT hoop_mcp.guardrails_update(id => :'no_drops_id', name => 'devs-rule');
SELECT hoop_mcp.guardrails_delete(:'no_drops_id');
SELECT * FROM hoop_mcp.guardrail_rules;
SELECT hoop_mcp._connection_policy('00000000-0000-0000-0000-0000000000a1');
SET ROLE regress_policy_auditor;
SELECT jsonb_path_query_array(hoop_mcp.guardrails_list(), '$[*].name') AS auditor_lists;
SELECT hoop_mcp.guardrails_get('no-drops-v2') ->> 'name' AS auditor_gets;
SELECT hoop_mcp.guardrails_create(name => 'auditors-rule');
SELECT hoop_mcp.guardrails_update(id => :'no_drops_id', name => 'auditors-rule');
SELECT hoop_mcp.guardrails_delete(:'no_drops_id');
-- The auditor role (hoop_mcp_auditor) reads the tables and the view.
SET ROLE regress_policy_sqlauditor;
SELECT jsonb_array_length(hoop_mcp.guardrails_list()) AS sql_auditor_lists;
SELECT name, description, input IS NOT NULL AS has_input FROM hoop_mcp.guardrail_rules ORDER BY name;
SELECT count(*) AS links FROM hoop_mcp.guardrail_rules_connections;
SELECT hoop_mcp.guardrails_delete(:'no_drops_id');
DELETE FROM hoop_mcp.guardrail_rules;
RESET ROLE;

-- Connections: guardrail_rules take rule IDs or names, write the links, and
-- come back as the linked rule IDs, sorted.
SET ROLE regress_policy_admin;
SELECT pg_temp.rules(hoop_mcp.connections_create(name => 'billing-pg', type => 'database', subtype => 'postgres',
       guardrail_rules => ARRAY['audit-words', :'no_drops_id', 'no-drops-v2', '']) -> 'guardrail_rules') AS created_with;
SELECT hoop_mcp.connections_create(name => 'other-pg', type => 'database', guardrail_rules => '{audit-words,ghost-rule}');
SELECT hoop_mcp.connections_create(name => 'other-pg', type => 'database', guardrail_rules => '{00000000-0000-0000-0000-000000000000}');
SELECT count(*) AS other_pg_made FROM hoop_mcp.connections_list(name => 'other-pg') x, jsonb_array_elements(x) e;
SELECT g = (SELECT jsonb_agg(e ORDER BY e) FROM jsonb_array_elements(g) e) AS sorted, jsonb_array_length(g) AS rules
FROM (SELECT hoop_mcp.connections_get('billing-pg') -> 'guardrail_rules' AS g) x;
-- NULL keeps the links, a list replaces them, '{}' clears them.
SELECT pg_temp.rules(hoop_mcp.connections_update(name => 'billing-pg', tags => '{"env": "prod"}') -> 'guardrail_rules') AS kept;
SELECT pg_temp.rules(hoop_mcp.connections_update(name => 'billing-pg', guardrail_rules => '{empty-rules}') -> 'guardrail_rules') AS replaced;
SELECT hoop_mcp.connections_update(name => 'billing-pg', guardrail_rules => '{ghost-rule}');
SELECT pg_temp.rules(hoop_mcp.connections_get('billing-pg') -> 'guardrail_rules') AS after_failed_update;
SELECT hoop_mcp.connections_update(name => 'billing-pg', guardrail_rules => '{}') ? 'guardrail_rules' AS cleared_shows;
-- The same links, from the guardrail's side.
SELECT pg_temp.rules(hoop_mcp.connections_update(name => 'billing-pg', guardrail_rules => '{audit-words}') -> 'guardrail_rules') AS linked;
SELECT jsonb_array_length(hoop_mcp.guardrails_get('audit-words') -> 'connection_ids') AS audit_words_connections;
-- redact_types are checked by hoop_mcp.entity_types and kept as given.
SELECT hoop_mcp.connections_update(name => 'billing-pg', redact_types => '{email_address}');
SELECT hoop_mcp.connections_update(name => 'billing-pg', redact_types => '{PERSON}');
SELECT hoop_mcp.connections_create(name => 'other-pg', type => 'database', redact_types => '{MEDICAL_DATA}');
SELECT r -> 'redact_types' AS redact_types, r -> 'redact_enabled' AS redact_enabled
FROM hoop_mcp.connections_update(name => 'billing-pg', redact_types => '{CONTACT_INFORMATION,US_SSN}') r;
-- A second guardrail on shop-pg and billing-pg.
SELECT hoop_mcp.connections_get('billing-pg') ->> 'id' AS billing_id \gset
SELECT pg_temp.show(hoop_mcp.guardrails_update(id => hoop_mcp.guardrails_get('audit-words') ->> 'id', name => 'audit-words',
       input => '{"rules": [{"type": "pattern_match", "pattern_regex": "(?i)\\mpassword\\M", "message": "no secrets"},
                            {"type": "deny_words_list", "words": ["pg_read_file", "lo_import"]}]}',
       output => '{"rules": [{"type": "deny_words_list", "words": ["BEGIN PRIVATE KEY"], "message": ""}]}',
       connection_ids => ARRAY['00000000-0000-0000-0000-0000000000a1', :'billing_id'])) - 'connection_ids' AS audit_words;
RESET ROLE;

-- What applies to a connection: one entry per rule, by guardrail name,
-- direction and position; masking from redact_types.
SELECT jsonb_pretty(hoop_mcp._connection_policy('00000000-0000-0000-0000-0000000000a1'));
SELECT jsonb_pretty(hoop_mcp._connection_policy(id)) FROM hoop_mcp.connections WHERE name = 'billing-pg';
SELECT hoop_mcp._connection_policy('00000000-0000-0000-0000-000000000000') AS nothing_applies;
SELECT connection_name, rule_kind, rule_name, rule_id IS NOT NULL AS has_rule_id, bound_by
FROM hoop_mcp.connection_rules ORDER BY 1, 2, 3;
SET ROLE regress_policy_sqlauditor;
SELECT count(*) AS auditor_reads_view FROM hoop_mcp.connection_rules;
SET ROLE regress_policy_dev;
SELECT count(*) FROM hoop_mcp.connection_rules;
RESET ROLE;
SELECT has_function_privilege('public', 'hoop_mcp._connection_policy(uuid)', 'EXECUTE') AS policy_is_public;

-- Deleting: the rule's links go with it, and a connection's.
SET ROLE regress_policy_admin;
SELECT hoop_mcp.guardrails_delete(:'no_drops_id') = to_jsonb(format('guardrail rule "%s" deleted successfully', :'no_drops_id')) AS delete_text;
SELECT hoop_mcp.guardrails_delete(:'no_drops_id');
SELECT hoop_mcp.guardrails_delete('audit-words');
SELECT hoop_mcp.guardrails_delete('');
SELECT hoop_mcp.connections_delete('crm-pg');
SELECT hoop_mcp.guardrails_get('empty-rules') ? 'connection_ids' AS empty_rules_still_linked;
RESET ROLE;
SELECT c.name AS connection, r.name AS rule
FROM hoop_mcp.guardrail_rules_connections l
JOIN hoop_mcp.connections c ON c.id = l.connection_id JOIN hoop_mcp.guardrail_rules r ON r.id = l.rule_id
ORDER BY 1, 2;

-- Direct writes are checked too: the table holds only valid rules.
INSERT INTO hoop_mcp.guardrail_rules (name, input) VALUES ('by-hand', '{"rules": [{"type": "pattern_match", "pattern_regex": "*"}]}');
INSERT INTO hoop_mcp.guardrail_rules (id, name, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-000000000001', 'no', '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00');

DROP EXTENSION hoop_mcp;
DROP ROLE regress_policy_admin, regress_policy_dev, regress_policy_auditor, regress_policy_sqlauditor;

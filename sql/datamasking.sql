-- Data masking rules: hoop's datamasking_rules_* tools and their checks
-- (without hoop's DLP provider and OSS limits), who may call them, custom
-- entity types by column, and what hoop_mcp._connection_policy and the view
-- connection_rules make of the rules and of connections' redact_types.  It
-- brings its own extension and roles and removes them at the end.
\set SHOW_CONTEXT never
CREATE EXTENSION hoop_mcp;
CREATE ROLE regress_policy_admin;
CREATE ROLE regress_policy_dev;
CREATE ROLE regress_policy_auditor;
CREATE ROLE regress_policy_sqlauditor IN ROLE hoop_mcp_auditor;
SELECT hoop_mcp.create_user('admin@example.com', '{admin}', 'Admin', 'regress_policy_admin') IS NOT NULL AS created;
SELECT hoop_mcp.create_user('dev@example.com', '{dev}', 'Dev', 'regress_policy_dev') IS NOT NULL AS created;
SELECT hoop_mcp.create_user('audrey@example.com', '{auditor}', 'Audrey', 'regress_policy_auditor') IS NOT NULL AS created;
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
	FOR r IN SELECT id, name FROM hoop_mcp.datamasking_rules LOOP
		t := replace(t, r.id::text, 'id:' || r.name);
	END LOOP;
	RETURN regexp_replace(t, '"(created_at|updated_at)": "[^"]*"', '"\1": "..."', 'g')::jsonb;
END
$$;

-- The tables, their triggers and pg_dump.
SELECT c.relname, t.tgname, t.tgenabled
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relname IN ('datamasking_rules', 'datamasking_rules_connections') AND NOT t.tgisinternal ORDER BY 1;
SELECT c.relname
FROM pg_extension e, unnest(e.extconfig) AS t(oid) JOIN pg_class c ON c.oid = t.oid
WHERE e.extname = 'hoop_mcp' AND c.relname LIKE 'datamasking%' ORDER BY 1;

-- Create, list, get, as the admin.  No DLP provider is needed: the
-- detectors are hoop_mcp's own.
SET ROLE regress_policy_admin;
SELECT jsonb_pretty(pg_temp.show(hoop_mcp.datamasking_rules_create(name => 'pii', description => 'contact data and employee IDs',
       connection_ids => '{00000000-0000-0000-0000-0000000000a1, "", 00000000-0000-0000-0000-0000000000A1}',
       supported_entity_types => '[{"name": "CONTACT_INFORMATION", "entity_types": ["EMAIL_ADDRESS", "PHONE_NUMBER"]},
                                   {"name": "CUSTOM_SELECTION", "entity_types": ["US_DOCUMENTS"]}]',
       custom_entity_types => '[{"name": "EMPLOYEE_ID", "regex": "EMP-[0-9]{6}", "score": 0.9},
                                {"name": "CODENAME", "deny_list": ["bluebird", "nightjar"]}]',
       score_threshold => 0.6)));
-- One entry may come as an object; columns are kept in canonical form.
SELECT jsonb_pretty(pg_temp.show(hoop_mcp.datamasking_rules_create(name => 'names-by-column',
       connection_ids => '{00000000-0000-0000-0000-0000000000a1,00000000-0000-0000-0000-0000000000a2}',
       custom_entity_types => '{"name": "PERSON", "columns": ["Public.Users.Full_Name", "\"Customers\".\"Name\"", "staff.\"select\""]}',
       supported_entity_types => '{"name": "FINANCIAL_DATA", "entity_types": ["FINANCIAL_DATA", "EMAIL_ADDRESS"]}',
       score_threshold => 0.3)));
SELECT pg_temp.show(hoop_mcp.datamasking_rules_create(name => 'bare-rule'));
SELECT jsonb_path_query_array(hoop_mcp.datamasking_rules_list(), '$[*].name') AS listed;
-- By ID only, as in hoop.
SELECT hoop_mcp.datamasking_rules_get('names-by-column');
SELECT hoop_mcp.datamasking_rules_list() -> 0 ->> 'id' AS bare_id \gset
SELECT hoop_mcp.datamasking_rules_list() -> 2 ->> 'id' AS pii_id \gset
SELECT hoop_mcp.datamasking_rules_get(:'pii_id') ->> 'name' AS by_id,
       hoop_mcp.datamasking_rules_get(upper(:'pii_id')) ->> 'name' AS by_upper_id;
SELECT hoop_mcp.datamasking_rules_get('00000000-0000-0000-0000-000000000000');
SELECT hoop_mcp.datamasking_rules_get('');

-- Every check, with its text (hoop's where hoop has one).
SELECT hoop_mcp.datamasking_rules_create(name => 'pii');
SELECT hoop_mcp.datamasking_rules_create(name => '');
SELECT hoop_mcp.datamasking_rules_create(name => 'x');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', attributes => '{finance}');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', score_threshold => 1.01);
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', score_threshold => -0.5);
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', score_threshold => 'NaN');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', connection_ids => '{shop-pg}');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', connection_ids => '{00000000-0000-0000-0000-0000000000ff}');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', supported_entity_types => '"EMAIL_ADDRESS"');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', supported_entity_types => '["EMAIL_ADDRESS"]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', supported_entity_types => '[{"name": "X", "entity_types": ["URL"], "score": 1}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', supported_entity_types => '[{"entity_types": ["URL"]}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', supported_entity_types => '[{"name": "X", "entity_types": []}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', supported_entity_types => '[{"name": "X", "entity_types": "URL"}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', supported_entity_types => '[{"name": "contact", "entity_types": ["URL"]}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', supported_entity_types => '[{"name": "X", "entity_types": ["URL", 7]}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', supported_entity_types => '[{"name": "X", "entity_types": ["email_address"]}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', supported_entity_types => '[{"name": "X", "entity_types": ["PERSON"]}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', supported_entity_types => '[{"name": "X", "entity_types": ["MEDICAL_DATA"]}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '"EMPLOYEE_ID"');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[7]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "regex": "a", "kind": "regex"}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X"}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"regex": "a"}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "regex": "", "deny_list": [], "columns": []}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "Employee", "regex": "a"}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "regex": 1}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "regex": "a"}, {"name": "Y", "regex": "[z-a]"}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => jsonb_build_array(jsonb_build_object('name', 'X', 'regex', repeat('a', 1001))));
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "deny_list": "secret"}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "deny_list": ["secret", ""]}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "deny_list": ["a"], "score": 1.5}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "deny_list": ["a"], "score": "high"}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "columns": "users.email"}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "columns": [1]}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "columns": ["email"]}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "columns": ["db.public.users.email"]}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "columns": ["users.e mail"]}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "columns": ["users.\"unclosed"]}]');
SELECT hoop_mcp.datamasking_rules_create(name => 'bad', custom_entity_types => '[{"name": "X", "regex": "a"}, {"name": "X", "deny_list": ["b"]}]');
-- Nothing was left behind by the failures.
SELECT jsonb_path_query_array(hoop_mcp.datamasking_rules_list(), '$[*].name') AS still_listed;

-- Update: hoop's overwrites description, entity types, threshold and links
-- whether given or not; attributes only when given; the name never.
SELECT pg_temp.show(hoop_mcp.datamasking_rules_update(id => :'bare_id', description => 'now with a threshold',
       supported_entity_types => '[{"name": "NETWORK_IDENTIFIERS", "entity_types": ["NETWORK_IDENTIFIERS"]}]',
       score_threshold => 0, connection_ids => '{00000000-0000-0000-0000-0000000000a2}'));
SELECT pg_temp.show(hoop_mcp.datamasking_rules_update(id => :'bare_id', attributes => '{}'));
SELECT (r->>'updated_at')::timestamptz > now() - interval '1 minute' AS updated_now
FROM hoop_mcp.datamasking_rules_get(:'bare_id') r;
SELECT hoop_mcp.datamasking_rules_update(id => :'bare_id', attributes => '{finance}');
SELECT hoop_mcp.datamasking_rules_update(id => :'bare_id', score_threshold => 2);
SELECT hoop_mcp.datamasking_rules_update(id => :'bare_id', connection_ids => '{00000000-0000-0000-0000-0000000000ff}');
SELECT hoop_mcp.datamasking_rules_update(id => :'bare_id', custom_entity_types => '[{"name": "X"}]');
SELECT hoop_mcp.datamasking_rules_update(id => 'bare-rule');
SELECT hoop_mcp.datamasking_rules_update(id => '00000000-0000-0000-0000-000000000000');
SELECT hoop_mcp.datamasking_rules_update(id => '');
SELECT pg_temp.show(hoop_mcp.datamasking_rules_get(:'bare_id')) AS unchanged;

-- Who may: a developer may not even read; an auditor reads, writes nothing.
SET ROLE regress_policy_dev;
SELECT hoop_mcp.datamasking_rules_list();
SELECT hoop_mcp.datamasking_rules_get(:'pii_id');
SELECT hoop_mcp.datamasking_rules_create(name => 'devs-rule');
SELECT hoop_mcp.datamasking_rules_update(id => :'pii_id');
SELECT hoop_mcp.datamasking_rules_delete(:'pii_id');
SELECT * FROM hoop_mcp.datamasking_rules;
SET ROLE regress_policy_auditor;
SELECT jsonb_path_query_array(hoop_mcp.datamasking_rules_list(), '$[*].name') AS auditor_lists;
SELECT hoop_mcp.datamasking_rules_get(:'pii_id') ->> 'name' AS auditor_gets;
SELECT hoop_mcp.datamasking_rules_create(name => 'auditors-rule');
SELECT hoop_mcp.datamasking_rules_update(id => :'pii_id');
SELECT hoop_mcp.datamasking_rules_delete(:'pii_id');
SET ROLE regress_policy_sqlauditor;
SELECT jsonb_array_length(hoop_mcp.datamasking_rules_list()) AS sql_auditor_lists;
SELECT name, score_threshold, attributes FROM hoop_mcp.datamasking_rules ORDER BY name;
SELECT count(*) AS links FROM hoop_mcp.datamasking_rules_connections;
UPDATE hoop_mcp.datamasking_rules SET score_threshold = 0;
RESET ROLE;

-- What applies to a connection: the rules' entity types (groups expanded)
-- at the lowest threshold that enables them, redact_types at 0, and the
-- custom entity types of every rule.
SET ROLE regress_policy_admin;
SELECT hoop_mcp.connections_update(name => 'shop-pg', redact_types => '{TIME_DATA,PHONE_NUMBER}') -> 'redact_types' AS redact_types;
RESET ROLE;
SELECT jsonb_pretty(hoop_mcp._connection_policy('00000000-0000-0000-0000-0000000000a1'));
SELECT jsonb_pretty(hoop_mcp._connection_policy('00000000-0000-0000-0000-0000000000a2') -> 'masking');
SELECT connection_name, rule_kind, rule_name, rule_id IS NOT NULL AS has_rule_id, bound_by
FROM hoop_mcp.connection_rules ORDER BY 1, 2, 3;

-- Deleting: the rule's links go with it, and a connection's.
SET ROLE regress_policy_admin;
SELECT hoop_mcp.datamasking_rules_delete(:'pii_id') = to_jsonb(format('data masking rule "%s" deleted successfully', :'pii_id')) AS delete_text;
SELECT hoop_mcp.datamasking_rules_delete(:'pii_id');
SELECT hoop_mcp.datamasking_rules_delete('names-by-column');
SELECT hoop_mcp.datamasking_rules_delete('');
SELECT hoop_mcp.connections_delete('crm-pg');
RESET ROLE;
SELECT c.name AS connection, r.name AS rule
FROM hoop_mcp.datamasking_rules_connections l
JOIN hoop_mcp.connections c ON c.id = l.connection_id JOIN hoop_mcp.datamasking_rules r ON r.id = l.rule_id
ORDER BY 1, 2;
SELECT hoop_mcp._connection_policy('00000000-0000-0000-0000-0000000000a1') -> 'masking' AS shop_masking;

-- Direct writes are checked too (the shape; the detectors only by the tools).
INSERT INTO hoop_mcp.datamasking_rules (name, custom_entity_types) VALUES ('by-hand', '[{"name": "X", "columns": ["Users.Email"]}]');
INSERT INTO hoop_mcp.datamasking_rules (name, supported_entity_types) VALUES ('by-hand', '{"name": "X"}');
INSERT INTO hoop_mcp.datamasking_rules (id, name, score_threshold, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-000000000001', 'by-hand', 7, '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00');

DROP EXTENSION hoop_mcp;
DROP ROLE regress_policy_admin, regress_policy_dev, regress_policy_auditor, regress_policy_sqlauditor;

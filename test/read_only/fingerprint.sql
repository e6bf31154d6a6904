-- What the bypass corpus must leave unchanged on the target.
SELECT concat_ws(' | ',
	'canary ' || (SELECT count(*) || '/' || coalesce(sum(v), 0) FROM canary),
	'relations ' || (SELECT string_agg(relname || ':' || relkind::text, ',' ORDER BY relname)
					 FROM pg_class WHERE relnamespace = 'public'::regnamespace),
	'functions ' || (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace),
	'sequence ' || (SELECT last_value || '/' || is_called FROM canary_seq),
	'large objects ' || (SELECT count(*) FROM pg_largeobject_metadata),
	'prepared xacts ' || (SELECT count(*) FROM pg_prepared_xacts),
	'advisory locks ' || (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'),
	'roles ' || (SELECT count(*) FROM pg_roles),
	'role settings ' || (SELECT count(*) FROM pg_db_role_setting),
	'auto.conf ' || (SELECT count(*) FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'),
	'slots ' || (SELECT count(*) FROM pg_replication_slots),
	'file ' || coalesce((pg_stat_file('/tmp/hoop_mcp_ro_pwn', true)).size::text, 'none'));

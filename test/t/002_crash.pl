# The worker dies while an exec runs: SIGKILL (a crash, the postmaster
# restarts everything) and pg_terminate_backend (only the worker restarts).
# Either way the interrupted sessions are finished by the next worker with
# exit code 254, and the clients get an error instead of hanging.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);
use HoopTest;

my $node = hoop_node('crash', conf => "restart_after_crash = on\n");
ok(wait_http($node), 'worker listens');
my $h = setup_hoop($node);
my ($sid) = mcp_initialize($node, $h->{key});
ok(defined $sid, 'initialize');

# Waits until the exec with this input is open in hoop_mcp.sessions and its
# query runs on the target.
sub wait_in_flight
{
	my ($tag) = @_;
	return poll_ok($node,
		"SELECT EXISTS (SELECT FROM hoop_mcp.sessions WHERE input = 'select pg_sleep(60) as $tag;' "
		  . "AND status = 'open' AND executor = 'worker 1') "
		  . "AND EXISTS (SELECT FROM pg_stat_activity WHERE usename = 'tgt' AND state = 'active' "
		  . "AND query LIKE 'select pg_sleep(60) as $tag%')",
		30);
}

sub session_of
{
	my ($tag) = @_;
	my ($ret, $out) = $node->psql('postgres',
		"SELECT status, exit_code, executor IS NULL, ended_at IS NOT NULL, output "
		  . "FROM hoop_mcp.sessions WHERE input = 'select pg_sleep(60) as $tag;'");
	return $out;
}

sub check_interrupted
{
	my ($tag, $what) = @_;
	ok( poll_ok(
			$node,
			"SELECT status = 'done' AND exit_code = 254 AND ended_at IS NOT NULL "
			  . "AND executor IS NULL AND output LIKE '%execution interrupted%' "
			  . "FROM hoop_mcp.sessions WHERE input = 'select pg_sleep(60) as $tag;'",
			30),
		"$what: session finished as interrupted (done, 254, \"execution interrupted\")"
	) or diag "session row: " . (session_of($tag) // '(none)');
}

# ---------------------------------------------------------------------------
# SIGKILL during an exec: crash restart.
# ---------------------------------------------------------------------------
my $pid = worker_pid($node);
like($pid, qr/^\d+$/, "worker pid $pid");

my $bg = bg_http($node, $h->{key}, $sid,
	rpc('tools/call',
		{
			name      => 'exec',
			arguments => {
				connection_name => 'pg-target',
				input           => 'select pg_sleep(60) as crash;'
			}
		}),
	timeout => 90);
ok(wait_in_flight('crash'), 'exec of pg_sleep(60) is in flight')
  or diag "session: " . (session_of('crash') // '(none)');

my $log_offset = -s $node->logfile;
is(kill('KILL', $pid), 1, 'SIGKILL the worker');

my $r = bg_wait($bg, 30);
ok(defined $r, 'the HTTP client got an answer (no hang)');
isnt($r->{status} // '', '200', 'the HTTP client got an error, not a result')
  or diag explain $r;
note 'client saw: ' . ($r ? "$r->{status} $r->{content}" : 'nothing');

my $newpid = wait_new_worker_pid($node, $pid);
ok($newpid, "the worker came back after the crash (pid $pid -> " . ($newpid // 'none') . ')');
ok( $node->wait_for_log(qr/terminated by signal 9/, $log_offset),
	'the postmaster saw the worker die by SIGKILL');
ok( $node->wait_for_log(
		qr/hoop_mcp worker 1 finished 1 interrupted session/, $log_offset),
	'the new worker reports the interrupted session');
check_interrupted('crash', 'after SIGKILL');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM hoop_mcp.security_audit_log "
		  . "WHERE tool_name = 'exec' AND http_status = 200 AND outcome "
		  . "AND request_payload_redacted::text LIKE '%pg_sleep(60) as crash%'"),
	'1',
	'the interrupted exec kept its audit row: written with its session, before the query ran');

# The new worker serves (MCP sessions lived in shared memory: start anew).
ok(wait_http($node), 'the port answers again');
my ($sid2, $ires) = mcp_initialize($node, $h->{key});
is($ires->{status}, 200, 'initialize after the crash') or diag explain $ires;
my $res = tool_call($node, $h->{key}, $sid2, 'exec',
	{ connection_name => 'pg-target', input => "select 'after-crash' as tag;" });
my $env = tool_json($res) // {};
is($env->{status}, 'completed', 'exec after the crash completes')
  or diag explain $res->{json};
like($env->{output} // '', qr/^tag\nafter-crash\n/, 'exec output after the crash');

# The worker writes sessions and audit rows without SQL (src/store/rows.c), but as
# INSERT would: a DBA's trigger fires and a changed default applies.
$node->safe_psql('postgres', q{
	CREATE TABLE audit_copy (tool text, http_status int);
	CREATE FUNCTION public.copy_audit() RETURNS trigger LANGUAGE plpgsql AS
		$$BEGIN INSERT INTO public.audit_copy VALUES (NEW.tool_name, NEW.http_status); RETURN NEW; END$$;
	CREATE TRIGGER copy_audit AFTER INSERT ON hoop_mcp.security_audit_log
		FOR EACH ROW EXECUTE FUNCTION public.copy_audit();
	ALTER TABLE hoop_mcp.sessions ALTER COLUMN identity_type SET DEFAULT 'dba-default';
});
$res = tool_call($node, $h->{key}, $sid2, 'exec',
	{ connection_name => 'pg-target', input => "select 'dba' as tag;" });
is((tool_json($res) // {})->{status}, 'completed', 'exec with a DBA trigger on the audit log');
is($node->safe_psql('postgres', "SELECT string_agg(tool || ' ' || http_status, ',') FROM audit_copy"),
	'exec 200', "the DBA's AFTER INSERT trigger on the audit log fired for the exec");
is( $node->safe_psql('postgres',
		"SELECT identity_type FROM hoop_mcp.sessions WHERE input = 'select ''dba'' as tag;'"),
	'dba-default',
	'a default changed by ALTER TABLE applies to the next session row');
$node->safe_psql('postgres', q{
	DROP TRIGGER copy_audit ON hoop_mcp.security_audit_log;
	ALTER TABLE hoop_mcp.sessions ALTER COLUMN identity_type SET DEFAULT 'user';
});

# ---------------------------------------------------------------------------
# pg_terminate_backend during an HTTP exec and a SQL exec: only the worker
# restarts; the SQL caller gets a clear error.
# ---------------------------------------------------------------------------
$pid = worker_pid($node);
my $bystander = $node->background_psql('postgres', on_error_stop => 0);
my $bpid = $bystander->query_safe('SELECT pg_backend_pid()');

# A superuser mapped to a hoop_mcp user calls exec from SQL (004 covers
# ordinary roles).
$node->safe_psql('postgres', 'CREATE ROLE carol SUPERUSER LOGIN');
add_user($node, 'carol@example.com', '{}', 'carol');
my $sqlcaller = $node->background_psql('postgres',
	on_error_stop => 0, extra_params => [ '-U', 'carol' ]);
$sqlcaller->query_until(qr/calling/,
	"\\echo calling\nSELECT hoop_mcp.exec(connection_name => 'pg-target', input => 'select pg_sleep(60) as term_sql;');\n"
);

$bg = bg_http($node, $h->{key}, $sid2,
	rpc('tools/call',
		{
			name      => 'exec',
			arguments => {
				connection_name => 'pg-target',
				input           => 'select pg_sleep(60) as term_http;'
			}
		}),
	timeout => 90);
ok(wait_in_flight('term_http'), 'HTTP exec of pg_sleep(60) is in flight');
ok(wait_in_flight('term_sql'),  'SQL exec of pg_sleep(60) is in flight');

$log_offset = -s $node->logfile;
is($node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)"),
	't', 'pg_terminate_backend(worker)');

$r = bg_wait($bg, 30);
ok(defined $r, 'the HTTP client got an answer (no hang)');
isnt($r->{status} // '', '200', 'the HTTP client got an error, not a result')
  or diag explain $r;

$newpid = wait_new_worker_pid($node, $pid);
ok($newpid, "the worker was restarted (pid $pid -> " . ($newpid // 'none') . ')');

my ($out) = $sqlcaller->query("SELECT 'caller-alive'");
is($out, 'caller-alive', 'the SQL caller backend is usable after the error');
like($sqlcaller->{stderr}, qr/the hoop_mcp worker stopped before answering/,
	'the SQL caller got "the hoop_mcp worker stopped before answering"');
like($sqlcaller->{stderr}, qr/HINT:.*exit code 254/,
	'the error hints at exit code 254');
$sqlcaller->quit;

is($bystander->query_safe('SELECT pg_backend_pid()'),
	$bpid, 'no crash restart: another backend survived the worker exit');
$bystander->quit;

check_interrupted('term_http', 'HTTP exec after pg_terminate_backend');
check_interrupted('term_sql',  'SQL exec after pg_terminate_backend');

# MCP sessions live in shared memory: the old one still works.
$res = mcp_post($node, $h->{key}, $sid2, rpc('ping'));
is($res->{status}, 200, 'the restarted worker answers ping on the existing MCP session')
  or diag explain $res;
$res = tool_call($node, $h->{key}, $sid2, 'exec',
	{ connection_name => 'pg-target', input => "select 'after-terminate' as tag;" });
$env = tool_json($res) // {};
is($env->{status}, 'completed', 'exec after pg_terminate_backend completes')
  or diag explain $res->{json};
like($env->{output} // '', qr/^tag\nafter-terminate\n/, 'exec output after pg_terminate_backend');

$node->stop;
done_testing();

# pg_ctl stop -m fast does not wait for a running exec, and the next start
# finishes the interrupted session.  The target is another server, so its
# query really keeps running while the hoop_mcp server stops.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use HoopTest;

my $target = hoop_node('target', no_hoop => 1);
my $node   = hoop_node('main');
ok(wait_http($node), 'worker listens');
my $h = setup_hoop($node, target => $target);
my ($sid) = mcp_initialize($node, $h->{key});
ok(defined $sid, 'initialize');

my $input = 'select pg_sleep(60) as shutdown_test;';
my $bg    = bg_http($node, $h->{key}, $sid,
	rpc('tools/call',
		{
			name      => 'exec',
			arguments => { connection_name => 'pg-target', input => $input }
		}),
	timeout => 90);

ok( poll_ok(
		$node,
		"SELECT EXISTS (SELECT FROM hoop_mcp.sessions WHERE input = '$input' AND status = 'open')",
		30),
	'the exec session is open');
ok( poll_ok(
		$target,
		"SELECT EXISTS (SELECT FROM pg_stat_activity WHERE usename = 'tgt' AND state = 'active' "
		  . "AND query LIKE 'select pg_sleep(60) as shutdown_test%')",
		30),
	'its query runs on the target server');

my $log_offset = -s $node->logfile;
my $t0         = time;
my $stopped    = $node->stop('fast', fail_ok => 1);
my $elapsed    = time - $t0;
ok($stopped, 'pg_ctl stop -m fast succeeded');
cmp_ok($elapsed, '<', 20,
	sprintf('fast shutdown did not wait for the 60 s query (%.1f s)', $elapsed));
my $log = slurp_file($node->logfile, $log_offset);
like($log, qr/database system is shut down/, 'the server shut down cleanly');
unlike($log, qr/terminated by signal/, 'no process was killed by a signal');

my $r = bg_wait($bg, 30);
ok(defined $r, 'the HTTP client got an answer (no hang)');
isnt($r->{status} // '', '200', 'the HTTP client got an error, not a result')
  or diag explain $r;
note 'client saw: ' . ($r ? "$r->{status} $r->{content}" : 'nothing');

# The target's query outlives the hoop_mcp server: nothing waited for it.
is( $target->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE usename = 'tgt' "
		  . "AND query LIKE 'select pg_sleep(60) as shutdown_test%'"),
	'1',
	'the target query was still running when the server had stopped');

# ---------------------------------------------------------------------------
# Next start: the session is finished as interrupted.
# ---------------------------------------------------------------------------
$log_offset = -s $node->logfile;
$node->start;
ok(wait_worker_pid($node), 'the worker starts again');
ok( poll_ok(
		$node,
		"SELECT status = 'done' AND exit_code = 254 AND ended_at IS NOT NULL AND executor IS NULL "
		  . "AND output LIKE '%execution interrupted%' FROM hoop_mcp.sessions WHERE input = '$input'",
		30),
	'the interrupted session is done with exit code 254 and "execution interrupted"'
  )
  or diag $node->safe_psql('postgres',
	"SELECT status, exit_code, executor, output FROM hoop_mcp.sessions WHERE input = '$input'");
ok($node->wait_for_log(qr/hoop_mcp worker 1 finished 1 interrupted session/, $log_offset),
	'the worker logs the interrupted session');

ok(wait_http($node), 'the port answers again');
my ($sid2, $ires) = mcp_initialize($node, $h->{key});
is($ires->{status}, 200, 'initialize after the restart') or diag explain $ires;
my $res = tool_call($node, $h->{key}, $sid2, 'exec',
	{ connection_name => 'pg-target', input => "select 'after-restart' as tag;" });
my $env = tool_json($res) // {};
is($env->{status}, 'completed', 'exec after the restart completes')
  or diag explain $res->{json};
like($env->{output} // '', qr/^tag\nafter-restart\n/, 'exec output after the restart');

$node->stop;
$target->stop('immediate');
done_testing();

# The worker's life around CREATE/DROP EXTENSION, and several workers
# sharing the port.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HoopTest;

my $init = sub {
	rpc('initialize',
		{
			protocolVersion => '2025-06-18',
			capabilities    => {},
			clientInfo      => { name => 'tap', version => '1' }
		});
};

# ---------------------------------------------------------------------------
# Before CREATE EXTENSION: the worker listens and answers 503.
# ---------------------------------------------------------------------------
my $node = hoop_node('startup');
ok(wait_http($node), 'worker listens before CREATE EXTENSION');

my $res = mcp_post($node, 'hmk_not_a_key_yet', undef, $init->());
is($res->{status}, 503, 'initialize before CREATE EXTENSION: 503')
  or diag explain $res;
like($res->{headers}{'content-type'} // '', qr{^application/json}, '503 body is JSON');
is($res->{json}{jsonrpc}, '2.0', '503 body is a JSON-RPC message');
like($res->{json}{error}{message} // '',
	qr/CREATE EXTENSION hoop_mcp in database "postgres"/,
	'503 message names CREATE EXTENSION and the database');

my $act = $node->safe_psql('postgres',
	"SELECT backend_type, application_name, datname, state, query FROM pg_stat_activity "
	  . "WHERE backend_type = 'hoop_mcp worker'");
my @rows = split /\n/, $act;
is(scalar @rows, 1, 'one worker in pg_stat_activity') or diag $act;
my ($btype, $appname, $datname, $state, $query) = split /\|/, $rows[0] // '', -1;
is($btype,   'hoop_mcp worker',   'backend_type');
is($appname, 'hoop_mcp worker 1', 'application_name');
is($datname, 'postgres',          'worker is connected to hoop_mcp.database');
like($state // '', qr/^(idle|active)$/, "state is readable ($state)");
like($query // '', qr/^hoop_mcp: [A-Za-z ]+$/, "query is readable ($query)");

my $pid = worker_pid($node);
like($pid, qr/^\d+$/, 'worker pid');

# ---------------------------------------------------------------------------
# CREATE EXTENSION: the same worker serves.
# ---------------------------------------------------------------------------
my $h = setup_hoop($node);
my ($sid, $ires) = mcp_initialize($node, $h->{key});
is($ires->{status}, 200, 'initialize after CREATE EXTENSION: 200')
  or diag explain $ires;
ok(defined $sid && length $sid >= 16, 'initialize returns Mcp-Session-Id')
  or diag explain $ires->{headers};
is($ires->{json}{result}{serverInfo}{name}, 'hoop_mcp', 'serverInfo.name');
is($ires->{json}{result}{protocolVersion}, '2025-06-18', 'protocolVersion echoed');

$res = mcp_post($node, $h->{key}, $sid, rpc('ping'));
is($res->{status}, 200, 'ping: 200');
is_deeply($res->{json}{result}, {}, 'ping result is {}');

$res = tool_call($node, $h->{key}, $sid, 'me_get', {});
is(tool_json($res)->{user_email} // '', 'alice@example.com', 'me_get names the key owner')
  or diag explain $res->{json};

$res = tool_call($node, $h->{key}, $sid, 'exec',
	{ connection_name => 'pg-target', input => "select 'first-install' as tag;" });
my $env = tool_json($res) // {};
is($env->{status}, 'completed', 'exec completes') or diag explain $res->{json};
like($env->{output} // '', qr/^tag\nfirst-install\n/, 'exec output');

is(worker_pid($node), $pid, 'same worker process after CREATE EXTENSION');

# ---------------------------------------------------------------------------
# DROP EXTENSION: 503 again, the worker stays.
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', 'DROP EXTENSION hoop_mcp');
$res = mcp_post($node, $h->{key}, undef, $init->());
is($res->{status}, 503, 'initialize after DROP EXTENSION: 503') or diag explain $res;
like($res->{json}{error}{message} // '', qr/CREATE EXTENSION hoop_mcp/,
	'503 after DROP names CREATE EXTENSION');
$res = mcp_post($node, $h->{key}, $sid, rpc('ping'));
is($res->{status}, 503, 'ping on an old session after DROP EXTENSION: 503');
is(worker_pid($node), $pid, 'same worker process after DROP EXTENSION');

# ---------------------------------------------------------------------------
# CREATE EXTENSION again: new users and keys work, old keys do not.
# ---------------------------------------------------------------------------
my $h2 = setup_hoop($node);
isnt($h2->{key}, $h->{key}, 'a new key was made');
$res = mcp_post($node, $h->{key}, undef, $init->());
is($res->{status}, 401, 'the key from the first install is refused')
  or diag explain $res;
my $bob_key = add_user($node, 'bob@example.com', '{}', undef);
my ($sid2, $ires2) = mcp_initialize($node, $bob_key);
is($ires2->{status}, 200, 'a new user initializes after re-CREATE')
  or diag explain $ires2;
$res = tool_call($node, $bob_key, $sid2, 'me_get', {});
is(tool_json($res)->{user_email} // '', 'bob@example.com', 'me_get as the new user');

my ($sid3) = mcp_initialize($node, $h2->{key});
$res = tool_call($node, $h2->{key}, $sid3, 'exec',
	{ connection_name => 'pg-target', input => "select 'second-install' as tag;" });
$env = tool_json($res) // {};
is($env->{status}, 'completed', 'exec after re-CREATE completes')
  or diag explain $res->{json};
like($env->{output} // '', qr/^tag\nsecond-install\n/, 'exec output after re-CREATE');
is(
	$node->safe_psql('postgres',
		"SELECT status || ' ' || exit_code FROM hoop_mcp.sessions WHERE id = '"
		  . ($env->{session_id} // '00000000-0000-0000-0000-000000000000') . "'"),
	'done 0',
	'session row of the new install is finished');
is(worker_pid($node), $pid, 'same worker process after re-CREATE');

$node->stop;
unlike(slurp_file($node->logfile), qr/terminated by signal|server process .* was terminated/,
	'no process crashed');

# ---------------------------------------------------------------------------
# hoop_mcp.workers = 2: both listen on the same port and both answer.
# ---------------------------------------------------------------------------
my $two = hoop_node('two', conf => "hoop_mcp.workers = 2\n", default_listen => 1);
ok(wait_http($two), 'two workers: the port answers');
my $p1 = wait_worker_pid($two, 1);
my $p2 = wait_worker_pid($two, 2);
ok($p1 && $p2 && $p1 != $p2, "two worker processes ($p1, $p2)");
my $ht = setup_hoop($two);
my ($tsid) = mcp_initialize($two, $ht->{key});
ok(defined $tsid, 'two workers: initialize');

my $t0 = $two->safe_psql('postgres', 'SELECT clock_timestamp()');
my $ok = 0;
my @bad;
for my $i (1 .. 40)
{
	# A new TCP connection each time, so the kernel spreads them.
	my $r = mcp_post($two, $ht->{key}, $tsid, rpc('ping'));
	if ($r->{status} == 200 && ref $r->{json}{result} eq 'HASH') { $ok++ }
	else { push @bad, "$r->{status} $r->{content}" }
}
is($ok, 40, 'every ping over a fresh connection answered 200 (session shared by both workers)')
  or diag join("\n", @bad);
my $busy = $two->safe_psql('postgres',
	"SELECT string_agg(application_name, ',' ORDER BY application_name) FROM pg_stat_activity "
	  . "WHERE backend_type = 'hoop_mcp worker' AND query_start > '$t0' "
	  . "AND query = 'hoop_mcp: answering MCP requests'");
is($busy, 'hoop_mcp worker 1,hoop_mcp worker 2', 'both workers answered requests')
  or diag $two->safe_psql('postgres',
	"SELECT application_name, query_start, query FROM pg_stat_activity "
	  . "WHERE backend_type = 'hoop_mcp worker'");

done_testing();

# Cancelling a running exec (notifications/cancelled, sessions_cancel
# from MCP and SQL) and the limits set on target sessions: each checked on
# the target's pg_stat_activity, not only in the answer.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use IO::Socket::INET;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);
use HoopTest;

my $node = hoop_node('cancel');
ok(wait_http($node), 'worker listens');
my $h = setup_hoop($node);    # alice: admin, mapped to role alice
$node->safe_psql('postgres', 'CREATE ROLE bob_role LOGIN');
my $bob_key = add_user($node, 'bob@example.com', '{}', 'bob_role');
my $sid = mcp_initialize($node, $h->{key});
my $bob_sid = mcp_initialize($node, $bob_key);
ok($sid && $bob_sid, 'MCP sessions for alice and bob');

# What the target runs for hoop_mcp now, by marker text in the query.
sub on_target
{
	my ($marker) = @_;
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%$marker%' "
		  . "AND application_name LIKE 'hoop_mcp/%' AND state = 'active'");
}

sub session_end
{
	my ($id) = @_;
	return $node->safe_psql('postgres',
		"SELECT status || ' ' || coalesce(exit_code::text, '-') FROM hoop_mcp.sessions WHERE id = '$id'");
}

sub session_output
{
	my ($id) = @_;
	return $node->safe_psql('postgres',
		"SELECT output FROM hoop_mcp.sessions WHERE id = '$id'");
}

sub session_of
{
	my ($marker) = @_;
	return $node->safe_psql('postgres',
		"SELECT id FROM hoop_mcp.sessions WHERE input LIKE '%$marker%' ORDER BY created_at DESC LIMIT 1");
}

# ---------------------------------------------------------------------------
# notifications/cancelled for an exec in flight: the statement is cancelled
# on the target, the client's answer and the session say so.
# ---------------------------------------------------------------------------
{
	my $call = {
		jsonrpc => '2.0',
		id      => 'exec-to-cancel',
		method  => 'tools/call',
		params  => {
			name      => 'exec',
			arguments => {
				connection_name => 'pg-target',
				input           => "select pg_sleep(60) /* marker-notif */; select 'never' as after;"
			}
		}
	};
	my $bg = bg_http($node, $h->{key}, $sid, $call, timeout => 90);
	ok(poll_ok($node, "SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE '%marker-notif%' AND application_name LIKE 'hoop_mcp/%'", 30),
		'the exec runs on the target');

	# Another user's MCP session naming the same request id cancels nothing.
	my $res = mcp_post($node, $bob_key, $bob_sid,
		{ jsonrpc => '2.0', method => 'notifications/cancelled', params => { requestId => 'exec-to-cancel' } });
	is($res->{status}, 202, "bob's notification is accepted");
	sleep 1;
	is(on_target('marker-notif'), '1', "bob's notification does not cancel alice's exec");

	my $t0 = time;
	$res = mcp_post($node, $h->{key}, $sid,
		{
			jsonrpc => '2.0',
			method  => 'notifications/cancelled',
			params  => { requestId => 'exec-to-cancel', reason => "user pressed stop\nnow" }
		});
	is($res->{status}, 202, 'notifications/cancelled is accepted with 202');
	ok(poll_ok($node, "SELECT count(*) = 0 FROM pg_stat_activity WHERE query LIKE '%marker-notif%' AND application_name LIKE 'hoop_mcp/%' AND state = 'active'", 10),
		'the statement is gone from the target');
	my $ans = bg_wait($bg, 20);
	ok(time - $t0 < 10, 'the exec ends soon after the cancel');
	my $env = tool_json({ json => $ans->{json} }) // {};
	is($env->{exit_code}, 3, 'exit code 3, as psql stopped at Ctrl-C');
	is($env->{status},    'failed', 'the envelope says failed');
	like($env->{output}, qr/canceling statement due to user request/, "the server's error is in the output");
	unlike($env->{output}, qr/never/, 'nothing after the cancelled statement ran');
	like($env->{output},
		qr/hoop_mcp: cancelled by alice\@example\.com \(notifications\/cancelled: user pressed stop now\)\n\z/,
		'the output ends saying who cancelled it and why, on one line');
	is(session_end($env->{session_id}), 'done 3', 'the session is done with exit code 3');
	is(session_output($env->{session_id}), $env->{output}, 'the session holds what the client got');
}

# A slow exec answers "running" after one second from here on.
$node->safe_psql('postgres', "ALTER SYSTEM SET hoop_mcp.exec_wait_timeout = '1s'");
$node->reload;
ok(poll_ok($node, "SELECT current_setting('hoop_mcp.exec_wait_timeout') = '1s'"), 'exec_wait_timeout is 1s');

# Starts a slow exec as KEY in SID; returns its session id once "running".
sub start_running
{
	my ($key, $s, $marker, $conn) = @_;
	my $res = tool_call($node, $key, $s, 'exec',
		{ connection_name => $conn // 'pg-target', input => "select pg_sleep(60) /* $marker */" });
	my $env = tool_json($res) // {};
	is($env->{status}, 'running', "$marker: the exec answered running")
	  or diag explain $res->{json};
	return $env->{session_id};
}

# ---------------------------------------------------------------------------
# sessions_cancel from SQL, for an exec that already answered "running".
# ---------------------------------------------------------------------------
{
	my $id = start_running($h->{key}, $sid, 'marker-sql');
	is(on_target('marker-sql'), '1', 'it still runs on the target');

	# Asked in a transaction that rolls back: nothing happens.
	$node->safe_psql('postgres', "BEGIN; SET ROLE alice; SELECT hoop_mcp.sessions_cancel('$id'); ROLLBACK;");
	sleep 1;
	is(on_target('marker-sql'), '1', 'a cancel rolled back is not sent');
	is(session_end($id), 'open -', 'the session is still open');

	my $r = decode_json_safe($node->safe_psql('postgres',
		"SET ROLE alice; SELECT hoop_mcp.sessions_cancel('$id')"));
	is($r->{status}, 'cancelling', 'sessions_cancel answers cancelling');
	ok(poll_ok($node, "SELECT count(*) = 0 FROM pg_stat_activity WHERE query LIKE '%marker-sql%' AND application_name LIKE 'hoop_mcp/%' AND state = 'active'", 10),
		'the statement is gone from the target');
	ok(poll_ok($node, "SELECT status = 'done' AND exit_code = 3 FROM hoop_mcp.sessions WHERE id = '$id'", 10),
		'the session ends done, exit code 3');
	like(session_output($id), qr/canceling statement due to user request\n.*hoop_mcp: cancelled by alice\@example\.com \(sessions_cancel\)\n\z/s,
		'its output says who cancelled it');

	my ($ret, $out, $err) = $node->psql('postgres',
		"\\set VERBOSITY verbose\nSET ROLE alice; SELECT hoop_mcp.sessions_cancel('$id')");
	like($err, qr/55000: session $id has already ended/, 'an ended session: SQLSTATE 55000');
	like($err, qr/HINT:  sessions_get shows how it ended/, '... with a hint');
	($ret, $out, $err) = $node->psql('postgres',
		"\\set VERBOSITY verbose\nSET ROLE alice; SELECT hoop_mcp.sessions_cancel('00000000-0000-0000-0000-000000000000')");
	like($err, qr/P0002: session not found/, 'an unknown session: no_data_found');
	($ret, $out, $err) = $node->psql('postgres',
		"\\set VERBOSITY verbose\nSELECT hoop_mcp._cancel_at_commit(gen_random_uuid(), 'x')",
		extra_params => [ '-U', 'bob_role' ]);
	like($err, qr/42501: permission denied for function _cancel_at_commit/,
		'the commit hook is not callable by anyone');
}

# ---------------------------------------------------------------------------
# sessions_cancel over MCP: only the owner or an admin.
# ---------------------------------------------------------------------------
{
	my $id = start_running($h->{key}, $sid, 'marker-mcp');
	my $res = tool_call($node, $bob_key, $bob_sid, 'sessions_cancel', { id => $id });
	ok($res->{json}{result}{isError}, "bob (not the owner, not admin) may not cancel alice's session");
	like($res->{json}{result}{content}[0]{text}, qr/access denied/, '... access denied');
	is(on_target('marker-mcp'), '1', '... and it still runs');

	$res = tool_call($node, $h->{key}, $sid, 'sessions_cancel', { id => $id });
	is((tool_json($res) // {})->{status}, 'cancelling', 'alice cancels it over MCP');
	ok(poll_ok($node, "SELECT status = 'done' AND exit_code = 3 FROM hoop_mcp.sessions WHERE id = '$id'", 10),
		'the session ends done, exit code 3');
	is(on_target('marker-mcp'), '0', 'the statement is gone from the target');

	my $listed = $node->safe_psql('postgres', "SELECT count(*) FROM hoop_mcp.tools WHERE name = 'sessions_cancel'");
	is($listed, '1', 'sessions_cancel is in the tool catalogue');
}

# ---------------------------------------------------------------------------
# A target that accepts TCP and never answers: the connection's own
# connect_timeout ends the exec; a cancel ends it at once.
# ---------------------------------------------------------------------------
{
	my $mute = IO::Socket::INET->new(Listen => 16, LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp')
	  or die "listen: $!";
	my $mport = $mute->sockport;
	$node->safe_psql('postgres',
		"SELECT hoop_mcp.create_connection('mute', 'host=127.0.0.1 port=$mport user=x password=x dbname=x', connect_timeout => '2s')"
	);
	my $t0 = time;
	my $id = start_running($h->{key}, $sid, 'marker-mute', 'mute');
	ok(poll_ok($node, "SELECT status = 'done' AND exit_code = 2 FROM hoop_mcp.sessions WHERE id = '$id'", 20),
		'the hung target fails the exec with exit code 2');
	my $took = time - $t0;
	ok($took >= 1.9 && $took < 8, "after the connection's connect_timeout of 2s (took ${took}s)");
	like(session_output($id), qr/^psql: error: connection to server at "127\.0\.0\.1", port $mport failed: timeout expired\n\z/,
		"psql's message");

	$node->safe_psql('postgres',
		"SELECT hoop_mcp.create_connection('mute-slow', 'host=127.0.0.1 port=$mport user=x password=x dbname=x', connect_timeout => '60s')"
	);
	$id = start_running($h->{key}, $sid, 'marker-mute-cancel', 'mute-slow');
	$t0 = time;
	$node->safe_psql('postgres', "SET ROLE alice; SELECT hoop_mcp.sessions_cancel('$id')");
	ok(poll_ok($node, "SELECT status = 'done' AND exit_code = 3 FROM hoop_mcp.sessions WHERE id = '$id'", 20),
		'a cancel ends an exec still connecting');
	ok(time - $t0 < 10, 'at once, not after the connect timeout');
	like(session_output($id), qr/^hoop_mcp: cancelled by alice\@example\.com \(sessions_cancel\)\n\z/,
		'its output says who cancelled it');
	close $mute;
}

# ---------------------------------------------------------------------------
# A cancel that cannot reach the target (here: the role's connection limit
# keeps the canceller out) still ends the exec, after the connect timeout,
# by dropping its connection; the server log says why.
# ---------------------------------------------------------------------------
{
	$node->safe_psql('postgres', "CREATE ROLE tgt1 LOGIN PASSWORD 'tgt1-secret' CONNECTION LIMIT 1");
	$node->safe_psql('postgres',
		"SELECT hoop_mcp.create_connection('one-conn', 'host=127.0.0.1 port=" . $node->port
		  . " user=tgt1 password=tgt1-secret dbname=postgres', connect_timeout => '2s')");
	my $id = start_running($h->{key}, $sid, 'marker-limit', 'one-conn');
	my $t0 = time;
	$node->safe_psql('postgres', "SET ROLE alice; SELECT hoop_mcp.sessions_cancel('$id')");
	ok(poll_ok($node, "SELECT status = 'done' AND exit_code = 3 FROM hoop_mcp.sessions WHERE id = '$id'", 20),
		'the exec ends though its statement could not be cancelled');
	my $took = time - $t0;
	ok($took >= 1.9 && $took < 8, "after the connect timeout of 2s (took ${took}s)");
	like(session_output($id),
		qr/hoop_mcp: the target did not stop the statement within 2000 ms of the cancel; the connection was closed\nhoop_mcp: cancelled by alice\@example\.com \(sessions_cancel\)\n\z/,
		'its output says the connection was dropped, and who cancelled it');
	ok(poll_ok($node, "SELECT count(*) = 0 FROM pg_stat_activity WHERE usename = 'tgt1' AND state = 'idle'", 10),
		'no connection of the exec is left pooled');
	like(slurp_file($node->logfile), qr/LOG:  hoop_mcp could not cancel the statement of target backend \d+/,
		'the server log says the cancel failed');
	$node->safe_psql('postgres', "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'tgt1'");
}

# ---------------------------------------------------------------------------
# Limits on the target session: statement_timeout and lock_timeout per
# connection, and the GUC defaults, as the target sees them.
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', "ALTER SYSTEM RESET hoop_mcp.exec_wait_timeout");
$node->safe_psql('postgres', "ALTER SYSTEM SET hoop_mcp.target_lock_timeout = '700ms'");
$node->safe_psql('postgres', "ALTER SYSTEM SET hoop_mcp.target_idle_in_transaction_session_timeout = '9s'");
$node->reload;
ok(poll_ok($node, "SELECT current_setting('hoop_mcp.target_lock_timeout') = '700ms'"), 'GUC defaults set');
my $tport = $node->port;
$node->safe_psql('postgres',
	"SELECT hoop_mcp.create_connection('limited', 'host=127.0.0.1 port=$tport user=tgt password=tgt-secret dbname=postgres', statement_timeout => '1s')"
);
{
	my $res = tool_call($node, $h->{key}, $sid, 'exec',
		{ connection_name => 'limited', input => 'show statement_timeout; show lock_timeout; show idle_in_transaction_session_timeout;' });
	my $env = tool_json($res) // {};
	is($env->{output},
		"statement_timeout\n1s\n(1 row)\nlock_timeout\n700ms\n(1 row)\nidle_in_transaction_session_timeout\n9s\n(1 row)\n",
		'the target session has the connection\'s statement_timeout and the GUC defaults');

	my $t0 = time;
	$res = tool_call($node, $h->{key}, $sid, 'exec',
		{ connection_name => 'limited', input => 'select pg_sleep(30);' });
	$env = tool_json($res) // {};
	is($env->{exit_code}, 3, 'statement_timeout stops a long statement');
	like($env->{output}, qr/ERROR:  canceling statement due to statement timeout/, "with the server's message");
	ok(time - $t0 < 10, 'after about a second');

	$node->safe_psql('postgres', 'CREATE TABLE public.locked (id int); GRANT SELECT ON public.locked TO tgt');
	my ($in, $out, $err) = ('', '', '');
	my $locker = IPC::Run::start(
		[ 'psql', '-X', '-q', '-h', $node->host, '-p', $node->port, '-d', 'postgres' ],
		'<', \$in, '>', \$out, '2>', \$err);
	$in .= "BEGIN; LOCK TABLE public.locked IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n";
	$locker->pump until $out =~ /locked/;
	$res = tool_call($node, $h->{key}, $sid, 'exec',
		{ connection_name => 'limited', input => 'select * from public.locked;' });
	$env = tool_json($res) // {};
	like($env->{output}, qr/ERROR:  canceling statement due to lock timeout/, 'lock_timeout stops a wait for a lock');
	$in .= "ROLLBACK;\n\\q\n";
	$locker->finish;
}

done_testing();

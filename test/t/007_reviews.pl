# Reviews across processes: a psql waiter woken by an MCP approval and an
# MCP waiter woken by a psql approval, a waiting SQL call cancelled and
# timed out, and a review whose execution a crash interrupted, reconciled
# by the next worker.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use POSIX ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);
use HoopTest;

my $node = hoop_node('reviews', conf => "restart_after_crash = on\n");
ok(wait_http($node), 'worker listens');
my $h = setup_hoop($node);
$node->safe_psql('postgres', 'CREATE ROLE req_role; CREATE ROLE dba_role');
my $req_key = add_user($node, 'req@example.com', '{dev}', 'req_role');
my $dba_key = add_user($node, 'dba@example.com', '{dba}', 'dba_role');
$node->safe_psql('postgres',
	"SELECT hoop_mcp.access_request_rules_create('tap-rule', 'command', '{}', '{dba}', true, "
	  . "connection_names => '{pg-target}')");
my ($req_sid) = mcp_initialize($node, $req_key);
my ($dba_sid) = mcp_initialize($node, $dba_key);

# A gated exec; returns its review id.
sub gated
{
	my ($input) = @_;
	my $r = tool_json(tool_call($node, $req_key, $req_sid, 'exec',
		{ connection_name => 'pg-target', input => $input }));
	is($r->{status}, 'pending_approval', "exec of \"$input\" waits for approval");
	return $r->{review_id};
}

# Runs SQL as ROLE in a child psql; bg_psql_wait collects its output.
sub bg_psql
{
	my ($role, $sql) = @_;
	my $file = PostgreSQL::Test::Utils::tempdir() . '/bg_psql.out';
	my $pid  = fork();
	die "fork failed: $!" unless defined $pid;
	if ($pid == 0)
	{
		my ($ret, $out, $err) = $node->psql('postgres', "SET ROLE $role; $sql");
		if (open my $fh, '>', $file)
		{
			print $fh "$ret\n$out\n$err";
			close $fh;
		}
		POSIX::_exit(0);
	}
	return { pid => $pid, file => $file };
}

sub bg_psql_wait
{
	my ($bg, $secs) = @_;
	my $deadline = time + $secs;
	while (time < $deadline)
	{
		my $r = waitpid($bg->{pid}, POSIX::WNOHANG());
		return slurp_file($bg->{file}) if $r == $bg->{pid};
		sleep 0.05;
	}
	kill 'KILL', $bg->{pid};
	waitpid($bg->{pid}, 0);
	return undef;
}

sub waiting_backend
{
	return poll_ok($node,
		"SELECT EXISTS (SELECT FROM pg_stat_activity WHERE query LIKE '%reviews_wait(%' "
		  . "AND wait_event_type = 'Extension' AND pid <> pg_backend_pid())",
		30);
}

# ---------------------------------------------------------------------------
# A psql waiter wakes when a reviewer approves over MCP.
# ---------------------------------------------------------------------------
my $id = gated('select 1 as one;');
my $bg = bg_psql('req_role',
	"SELECT r->>'status', r->>'timed_out', r->>'waited_seconds' FROM hoop_mcp.reviews_wait('$id', 120) r");
ok(waiting_backend(), 'the psql caller sleeps in reviews_wait');
my $t0 = time;
my $approved = tool_json(tool_call($node, $dba_key, $dba_sid, 'reviews_update',
	{ id => $id, status => 'APPROVED' }));
is($approved->{status}, 'APPROVED', 'approved over MCP');
my $out = bg_psql_wait($bg, 60);
ok(defined $out, 'the psql waiter answered');
like($out // '', qr/^0\nAPPROVED\|false\|\d+/, 'it saw APPROVED, not a timeout');
note sprintf('approval to psql answer: %.3f s', time - $t0);

# And the review runs: over SQL, through the worker.
my $ran = $node->safe_psql('postgres',
	"SET ROLE req_role; SELECT r->>'status' || ' ' || (r->>'output') FROM hoop_mcp.reviews_execute('$id') r");
like($ran, qr/^completed one\n1\n\(1 row\)/, 'reviews_execute from psql ran the stored input');
is($node->safe_psql('postgres', "SELECT status FROM hoop_mcp.reviews WHERE id = '$id'"),
	'EXECUTED', 'the review is EXECUTED');

# ---------------------------------------------------------------------------
# An MCP waiter wakes when a reviewer approves from psql.
# ---------------------------------------------------------------------------
$id = gated('select 2 as two;');
my $bgh = bg_http($node, $req_key, $req_sid,
	rpc('tools/call', { name => 'reviews_wait', arguments => { id => $id, timeout_seconds => 120 } }),
	timeout => 130);
sleep 0.5;
ok(bg_running($bgh), 'the MCP request is parked, unanswered');
$node->safe_psql('postgres',
	"SET ROLE dba_role; SELECT hoop_mcp.reviews_update('$id', 'APPROVED')");
my $r = bg_wait($bgh, 60);
ok(defined $r, 'the MCP waiter answered');
my $w = $r ? decode_json_safe(decode_json_safe($r->{content})->{result}{content}[0]{text}) : {};
is($w->{status},    'APPROVED', 'it saw APPROVED');
is($w->{timed_out}, JSON::PP::false, 'not a timeout');

# ---------------------------------------------------------------------------
# A waiting SQL call honours cancellation and statement_timeout.
# ---------------------------------------------------------------------------
$id = gated('select 3 as three;');
$bg = bg_psql('req_role', "SELECT hoop_mcp.reviews_wait('$id', 300)");
ok(waiting_backend(), 'a second psql caller waits');
$node->safe_psql('postgres',
	"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%reviews_wait(%' "
	  . "AND wait_event_type = 'Extension' AND pid <> pg_backend_pid()");
$out = bg_psql_wait($bg, 30);
like($out // '', qr/canceling statement due to user request/, 'pg_cancel_backend ends the wait');

my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET ROLE req_role; SET statement_timeout = '300ms'; SELECT hoop_mcp.reviews_wait('$id', 300)");
isnt($ret, 0, 'the wait failed');
like($stderr, qr/canceling statement due to statement timeout/, 'statement_timeout ends the wait');

# ---------------------------------------------------------------------------
# A crash while an approved review executes: the next worker finishes its
# session and marks the review EXECUTED (hoop's ReconcileStaleReviews).
# ---------------------------------------------------------------------------
$id = gated('select pg_sleep(60) as review_crash;');
tool_call($node, $dba_key, $dba_sid, 'reviews_update', { id => $id, status => 'APPROVED' });
$bgh = bg_http($node, $req_key, $req_sid,
	rpc('tools/call', { name => 'reviews_execute', arguments => { id => $id } }),
	timeout => 90);
ok( poll_ok(
		$node,
		"SELECT EXISTS (SELECT FROM hoop_mcp.reviews r JOIN hoop_mcp.sessions s ON s.id = r.session_id "
		  . "WHERE r.id = '$id' AND r.status = 'PROCESSING' AND s.executor = 'worker 1') "
		  . "AND EXISTS (SELECT FROM pg_stat_activity WHERE query LIKE 'select pg_sleep(60) as review_crash%')",
		30),
	'the review is PROCESSING and its query runs');
my $pid = worker_pid($node);
is(kill('KILL', $pid), 1, 'SIGKILL the worker');
ok(defined bg_wait($bgh, 30), 'the client got an answer (no hang)');
ok(wait_new_worker_pid($node, $pid, 1, 60), 'the worker is back');
ok( poll_ok(
		$node,
		"SELECT r.status = 'EXECUTED' AND s.status = 'done' AND s.exit_code = 254 "
		  . "FROM hoop_mcp.reviews r JOIN hoop_mcp.sessions s ON s.id = r.session_id WHERE r.id = '$id'",
		30),
	'the review is EXECUTED and its session finished as interrupted');
like(slurp_file($node->logfile), qr/marked 1 review\(s\) executed whose execution had ended/,
	'the reconciliation is logged');

done_testing();

# Hardening that needs a server of its own: one user cannot evict everyone
# else's MCP sessions, and the audit trail never contradicts an answer.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HoopTest;

# A small session table, so that filling it takes few requests.
my $node = hoop_node('hardening',
	conf => "hoop_mcp.max_sessions = 16\nhoop_mcp.max_sessions_per_user = 4\n"
	  . "restart_after_crash = on\n");
ok(wait_http($node), 'worker listens');
my $h = setup_hoop($node);
my $admin_key = $h->{key};
my $mallory_key = add_user($node, 'mallory@example.com', '{}');

my ($admin_sid) = mcp_initialize($node, $admin_key);
ok(defined $admin_sid, "the admin's session");

# mallory opens more sessions than the whole table holds.
my @mine;
for my $i (1 .. 40)
{
	my ($sid) = mcp_initialize($node, $mallory_key);
	push @mine, $sid if defined $sid;
}
is(scalar @mine, 40, 'every initialize of mallory is answered');

my $res = mcp_post($node, $admin_key, $admin_sid, rpc('ping'));
is($res->{status}, 200, "the admin's older session survives mallory's 40 sessions");

my $alive = 0;
for my $sid (@mine)
{
	$alive++ if mcp_post($node, $mallory_key, $sid, rpc('ping'))->{status} == 200;
}
is($alive, 4, 'mallory keeps hoop_mcp.max_sessions_per_user sessions');
is(mcp_post($node, $mallory_key, $mine[-1], rpc('ping'))->{status}, 200, "mallory's newest session works");
is(mcp_post($node, $mallory_key, $mine[0], rpc('ping'))->{status}, 404, "mallory's oldest session went first");

# An exec answered "completed" must say so in its session row even when the
# server crashes right after the answer (before the WAL writer would have
# flushed a finish committed without waiting).
my ($sid) = mcp_initialize($node, $admin_key);
my $tag = 'answered_then_crash';
my $r = tool_json(tool_call($node, $admin_key, $sid, 'exec',
	{ connection_name => 'pg-target', input => "select '$tag' as t;" }));
my $pid = worker_pid($node);
kill('KILL', $pid);
is($r->{status} // '', 'completed', 'the client was told the exec completed');
ok(wait_http($node), 'the server is back after the crash');
is( $node->safe_psql('postgres',
		"SELECT status || ' ' || exit_code FROM hoop_mcp.sessions WHERE input = 'select ''$tag'' as t;'"),
	'done 0',
	'after recovery the session row says what the client was told');

$node->stop;
done_testing();

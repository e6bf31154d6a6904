# Hardening that needs a server of its own: one user cannot evict everyone
# else's MCP sessions, one address cannot take every connection, slow
# bodies cannot together grow the worker, and the audit trail never
# contradicts an answer.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use IO::Select;
use IO::Socket::INET;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);
use HoopTest;

# A small session table, so that filling it takes few requests.
my $node = hoop_node('hardening',
	conf => "hoop_mcp.max_sessions = 16\nhoop_mcp.max_sessions_per_user = 4\n"
	  . "hoop_mcp.max_connections_per_address = 8\nhoop_mcp.max_bodies_in_flight = '64kB'\n"
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

# ---------------------------------------------------------------------------
# One address holding many half-sent requests does not lock the others out.
# ---------------------------------------------------------------------------
my $port = hoop_port($node);

sub raw_socket
{
	my ($from) = @_;
	my $s = IO::Socket::INET->new(
		PeerAddr  => '127.0.0.1',
		PeerPort  => $port,
		LocalAddr => $from,
		Proto     => 'tcp',
		Timeout   => 5);
	$s->autoflush(1) if $s;
	return $s;
}

# Whether the server closed the socket within SECS.
sub closed_by_server
{
	my ($s, $secs) = @_;
	my $sel = IO::Select->new($s);
	return 0 unless $sel->can_read($secs);
	my $buf;
	my $n = sysread($s, $buf, 4096);
	return !$n || $buf =~ /^HTTP\/1\.1 (?:4|5)/;
}

my @slow;
for (1 .. 20)
{
	my $s = raw_socket('127.0.0.2') or next;
	print $s "POST /api/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n";
	push @slow, $s;
}
sleep 0.5;
my $closed = grep { closed_by_server($_, 0.5) } @slow;
cmp_ok($closed, '>=', 12, "an address gets hoop_mcp.max_connections_per_address connections ($closed of 20 closed)");
my ($other_sid) = mcp_initialize($node, $admin_key);
ok(defined $other_sid, 'another address is served meanwhile');
close $_ for @slow;

# ---------------------------------------------------------------------------
# Bodies received slowly count together: past hoop_mcp.max_bodies_in_flight
# the next one is answered 503 instead of held.
# ---------------------------------------------------------------------------
sub ping_body
{
	my ($len) = @_;
	my $head = '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"';
	my $tail = '"}}';
	return $head . ('x' x ($len - length($head) - length($tail))) . $tail;
}
my $body = ping_body(40000);
my @uploads;
for (1 .. 3)
{
	my $s = raw_socket('127.0.0.1');
	print $s "POST /api/mcp HTTP/1.1\r\nHost: 127.0.0.1:$port\r\nContent-Type: application/json\r\n"
	  . "Accept: application/json, text/event-stream\r\nAuthorization: Bearer $admin_key\r\n"
	  . "Mcp-Session-Id: $other_sid\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n\r\n"
	  . substr($body, 0, 39000);
	push @uploads, $s;
	sleep 0.3;
}
my @status;
for my $s (@uploads)
{
	print $s substr($body, 39000);
	my $sel = IO::Select->new($s);
	my $buf = '';
	my $deadline = time + 10;
	while (time < $deadline && $buf !~ /\r\n\r\n/)
	{
		last unless $sel->can_read(0.5) || time < $deadline;
		my $n = sysread($s, $buf, 4096, length $buf);
		last if defined $n && $n == 0;
	}
	push @status, ($buf =~ /^HTTP\/1\.1 (\d{3})/ ? $1 : 'none');
	close $s;
}
is("@status", '200 503 503', 'the first slow body is served; the ones past 64kB in flight get 503');

# An exec answered "completed" must say so in its session row even when the
# server crashes right after the answer (before the WAL writer would have
# flushed a finish committed without waiting).
my ($sid) = mcp_initialize($node, $admin_key);
ok(defined $sid, 'initialize before the crash');
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

# Hardening that needs a server of its own: one user cannot evict everyone
# else's MCP sessions, one address cannot take every connection, slow
# bodies cannot together grow the worker, no body is read before its
# sender is known, slow senders are cut off, and the audit trail never
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
	  . "hoop_mcp.receive_timeout = '3s'\n"
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

# ---------------------------------------------------------------------------
# No body is read before its sender is known: a bad token is answered 401 on
# its headers alone, and bodies sent with bad tokens take nothing from
# hoop_mcp.max_bodies_in_flight.
# ---------------------------------------------------------------------------
my $bogus = 'hmk_' . ('b' x 43);

# The status line that answers what was sent on $s, within $secs, or 'none'.
sub status_within
{
	my ($s, $secs) = @_;
	my $sel = IO::Select->new($s);
	my $buf = '';
	my $deadline = time + $secs;
	while (time < $deadline && $buf !~ /\r\n/)
	{
		next unless $sel->can_read(0.2);
		my $n = sysread($s, $buf, 4096, length $buf);
		last unless $n;
	}
	return $buf =~ /^HTTP\/1\.1 (\d{3})/ ? $1 : 'none';
}

sub post_head
{
	my ($token, $len) = @_;
	return "POST /api/mcp HTTP/1.1\r\nHost: 127.0.0.1:$port\r\nContent-Type: application/json\r\n"
	  . "Accept: application/json, text/event-stream\r\nAuthorization: Bearer $token\r\n"
	  . "Mcp-Session-Id: $other_sid\r\nContent-Length: $len\r\nConnection: close\r\n\r\n";
}

my $audited_before = $node->safe_psql('postgres',
	"SELECT count(*) FROM hoop_mcp.security_audit_log WHERE http_status = 401");
my $s = raw_socket('127.0.0.3');
print $s post_head($bogus, 4_000_000);
is(status_within($s, 3), '401', 'a bad token is refused on its headers, its 4 MB body never sent');
close $s;
is( $node->safe_psql('postgres',
		"SELECT count(*) - $audited_before FROM hoop_mcp.security_audit_log WHERE http_status = 401"),
	'1', 'the refusal is audited');

my @bogus;
for (1 .. 3)
{
	my $b = raw_socket('127.0.0.3');
	print $b post_head($bogus, length $body) . substr($body, 0, 39000);
	push @bogus, $b;
}
$s = raw_socket('127.0.0.1');
print $s post_head($admin_key, length $body) . $body;
is(status_within($s, 5), '200', 'bodies sent with bad tokens leave hoop_mcp.max_bodies_in_flight to others');
close $_ for $s, @bogus;

# A key the worker has not seen yet: its headers are authenticated first,
# then its body read (here announced with Expect: 100-continue).
my $fresh_key = add_user($node, 'fresh@example.com', '{}');
$s = raw_socket('127.0.0.1');
my $init = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}';
print $s "POST /api/mcp HTTP/1.1\r\nHost: 127.0.0.1:$port\r\nContent-Type: application/json\r\n"
  . "Accept: application/json, text/event-stream\r\nAuthorization: Bearer $fresh_key\r\n"
  . "Content-Length: " . length($init) . "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n";
is(status_within($s, 3), '100', 'a key not yet known gets 100 Continue once its headers pass');
print $s $init;
is(status_within($s, 3), '200', 'and its body is answered');
close $s;

# ---------------------------------------------------------------------------
# A client that never goes idle but never finishes a request is cut off
# after hoop_mcp.receive_timeout, in its headers as in its body.
# ---------------------------------------------------------------------------
sub dribble_until_closed
{
	my ($s, $secs) = @_;
	my $start = time;
	local $SIG{PIPE} = 'IGNORE';
	while (time - $start < $secs)
	{
		return time - $start if closed_by_server($s, 0.4);
		return time - $start unless print $s 'x';
	}
	return undef;
}

$s = raw_socket('127.0.0.4');
print $s "POST /api/mcp HTTP/1.1\r\nHost: 127.0.0.1:$port\r\nX-Pad: ";
my $took = dribble_until_closed($s, 10);
ok(defined $took && $took >= 2.5, 'headers sent a byte at a time are cut off after hoop_mcp.receive_timeout'
	  . (defined $took ? sprintf(' (%.1f s)', $took) : ' (still open after 10 s)'));
close $s;

$s = raw_socket('127.0.0.4');
print $s post_head($admin_key, 100_000) . '{"jsonrpc":"2.0",';
$took = dribble_until_closed($s, 10);
ok(defined $took && $took >= 2.5, 'a body sent a byte at a time is cut off too'
	  . (defined $took ? sprintf(' (%.1f s)', $took) : ' (still open after 10 s)'));
close $s;

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

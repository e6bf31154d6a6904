# Bad and hostile HTTP clients neither crash nor stall the worker, and a
# long exec does not hold up other requests.
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

my $node = hoop_node('robust', conf => "hoop_mcp.max_request_bytes = '8kB'\n");
ok(wait_http($node), 'worker listens');
my $h   = setup_hoop($node);
my $key = $h->{key};
my ($sid) = mcp_initialize($node, $key);
ok(defined $sid, 'initialize');
my $pid  = worker_pid($node);
my $port = hoop_port($node);

sub connect_raw
{
	my $s = IO::Socket::INET->new(
		PeerAddr => '127.0.0.1',
		PeerPort => $port,
		Proto    => 'tcp',
		Timeout  => 10);
	diag "connect failed: $!" unless $s;
	$s->autoflush(1) if $s;
	return $s;
}

# Reads what the server sends until it closes or SECS pass; returns
# (text, closed).
sub read_all
{
	my ($s, $secs) = @_;
	my $sel      = IO::Select->new($s);
	my $buf      = '';
	my $deadline = time + $secs;
	while (time < $deadline)
	{
		next unless $sel->can_read(0.2);
		my $n = sysread($s, $buf, 65536, length $buf);
		return ($buf, 1) if !$n;
	}
	return ($buf, 0);
}

sub ping_ok
{
	my ($what) = @_;
	my $res = mcp_post($node, $key, $sid, rpc('ping'), timeout => 15);
	my $ok  = $res->{status} == 200 && ref $res->{json}{result} eq 'HASH';
	ok($ok, "ping answers $what") or diag "$res->{status} $res->{content}";
	return $ok;
}

sub headers_for
{
	my ($len, %extra) = @_;
	my %h = (
		'Host'                 => "127.0.0.1:$port",
		'Content-Type'         => 'application/json',
		'Accept'               => 'application/json, text/event-stream',
		'Authorization'        => "Bearer $key",
		'Mcp-Session-Id'       => $sid,
		'MCP-Protocol-Version' => '2025-06-18',
		'Content-Length'       => $len,
		%extra);
	return "POST /api/mcp HTTP/1.1\r\n"
	  . join('', map { "$_: $h{$_}\r\n" } sort keys %h) . "\r\n";
}

my $ping_body = '{"jsonrpc":"2.0","id":7,"method":"ping"}';

# ---------------------------------------------------------------------------
# Malformed HTTP.
# ---------------------------------------------------------------------------
for my $case (
	[ "\xff\xfe\x80 garbage \x01\x02\r\n\r\n", 'binary garbage' ],
	[ "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n", 'a TLS ClientHello' ],
	[ "hello world\r\n\r\n", 'a request line without a version' ],
	[ "GET /api/mcp HTTP/7.0\r\n\r\n", 'an unknown HTTP version' ])
{
	my ($bytes, $what) = @$case;
	my $s = connect_raw();
	print $s $bytes;
	my ($text, $closed) = read_all($s, 10);
	ok($closed || $text =~ m{^HTTP/1\.\d [45]\d\d}, "$what: refused or closed")
	  or diag "got: $text";
	note "$what: " . ((split /\r\n/, $text)[0] // '(closed without an answer)');
	close $s;
	ping_ok("after $what");
}
{
	# Leading NUL bytes: libmicrohttpd keeps waiting for a request line;
	# whatever it does, others are served meanwhile.
	my $s = connect_raw();
	print $s "\x00\x00\x00\x00\r\n\r\n";
	ping_ok('while a connection that sent NUL bytes is open');
	close $s;
}
{
	my $s = connect_raw();
	print $s headers_for(500) . '{"jsonrpc":"2.0","id":1,"meth';
	close $s;
	$s = connect_raw();
	print $s "POST /api/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le";
	close $s;
	$s = connect_raw();
	print $s headers_for('10737418240') . '{"jsonrpc":';
	close $s;
	ping_ok('after truncated requests closed mid-way');
}

# Slowloris: half a header, and headers with half a body, left open.
{
	my $slow_headers = connect_raw();
	print $slow_headers "POST /api/mcp HTTP/1.1\r\nHost: 127.0.0.1:$port\r\nX-Slow: a";
	my $slow_body = connect_raw();
	print $slow_body headers_for(1000) . '{"jsonrpc":"2.0",';
	my $all = 1;
	for my $i (1 .. 5)
	{
		my $r = mcp_post($node, $key, $sid, rpc('ping'), timeout => 15);
		$all &&= $r->{status} == 200;
	}
	ok($all, 'pings are answered while two half requests hang open');
	my $res = tool_call($node, $key, $sid, 'me_get', {});
	is(tool_json($res)->{user_email} // '', 'alice@example.com',
		'a tool call is answered while two half requests hang open');
	print $slow_headers "b\r\n";    # still trickling
	ping_ok('with the slow clients still connected');
	close $slow_headers;
	close $slow_body;
}

# ---------------------------------------------------------------------------
# Invalid JSON-RPC bodies: 400 with a JSON-RPC error.
# ---------------------------------------------------------------------------
for my $case (
	[ '{not json',                           -32700, 'invalid JSON' ],
	[ '{"jsonrpc":"2.0","id":1,"method":"pi', -32700, 'truncated JSON' ],
	[ '',                                     -32700, 'empty body' ],
	[ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":\"\xff\xfe\"}}",
		-32700, 'invalid UTF-8' ],
	[ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"exec\","
		  . "\"arguments\":{\"connection_name\":\"pg-target\",\"input\":\"select '\xff\xfe' as bad;\"}}}",
		-32700, 'an exec whose input is invalid UTF-8' ],
	[ '[{"jsonrpc":"2.0","id":1,"method":"ping"}]', -32600, 'a batch' ],
	[ '"a string"',                               -32600, 'a JSON string' ],
	[ '{"jsonrpc":"1.0","id":1,"method":"ping"}', -32600, 'jsonrpc 1.0' ])
{
	my ($body, $code, $what) = @$case;
	my $res = mcp_post($node, $key, $sid, $body);
	is($res->{status}, 400, "$what: 400") or diag "$res->{status} $res->{content}";
	is($res->{json}{error}{code}, $code, "$what: JSON-RPC error $code");
}
ping_ok('after invalid bodies');
{
	# Nothing the worker stored may be invalid in the database's encoding.
	my ($ret, $out, $err) = $node->psql('postgres',
		"SELECT convert_from(convert_to(string_agg(coalesce(request_payload_redacted::text, ''), ''), 'UTF8'), 'UTF8') IS NOT NULL "
		  . "FROM hoop_mcp.security_audit_log");
	is($out, 't', 'the audit log holds only valid UTF-8') or diag $err;
	($ret, $out, $err) = $node->psql('postgres',
		"SELECT convert_from(convert_to(coalesce(string_agg(input, ''), ''), 'UTF8'), 'UTF8') IS NOT NULL "
		  . "FROM hoop_mcp.sessions");
	is($out, 't', 'hoop_mcp.sessions holds only valid UTF-8') or diag $err;
}

# ---------------------------------------------------------------------------
# Bodies over hoop_mcp.max_request_bytes (8kB): 413, and the worker stays.
# ---------------------------------------------------------------------------
{
	my $pad = 'x' x 7000;
	my $res = mcp_post($node, $key, $sid,
		qq({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"$pad"}}));
	is($res->{status}, 200, 'a 7 kB body under the limit is accepted')
	  or diag "$res->{status} $res->{content}";

	$pad = 'x' x (4 * 1024 * 1024);
	$res = mcp_post($node, $key, $sid,
		qq({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"$pad"}}));
	is($res->{status}, 413, 'a 4 MB body gets 413') or diag "$res->{status} "
	  . substr($res->{content}, 0, 300);
	like($res->{json}{error}{message} // '', qr/hoop_mcp\.max_request_bytes \(8192 bytes\)/,
		'413 names hoop_mcp.max_request_bytes');
	ping_ok('after an oversized body');
}

# ---------------------------------------------------------------------------
# Many connections at once.
# ---------------------------------------------------------------------------
{
	my @socks;
	for my $i (1 .. 200)
	{
		my $s = connect_raw() or last;
		push @socks, $s;
	}
	is(scalar @socks, 200, '200 connections opened');
	ping_ok('while 200 idle connections are open');

	my $req = headers_for(length $ping_body, Connection => 'close') . $ping_body;
	print $_ $req for @socks;
	my %buf;
	my $sel      = IO::Select->new(@socks);
	my $deadline = time + 60;
	while ($sel->count && time < $deadline)
	{
		for my $s ($sel->can_read(0.5))
		{
			my $n = sysread($s, $buf{$s}, 65536, length($buf{$s} // ''));
			$sel->remove($s) if !$n;
		}
	}
	my $answered = grep {
		($buf{$_} // '') =~ m{^HTTP/1\.1 200 .*\r\n\r\n\{"jsonrpc":"2\.0","id":7,"result":\{\}\}$}s
	} @socks;
	is($answered, 200, '200 concurrent pings all answered 200')
	  or diag 'one answer: ' . ($buf{ $socks[0] } // '(none)');
	close $_ for @socks;
	ping_ok('after 200 concurrent connections');
}

# ---------------------------------------------------------------------------
# A long exec does not hold up other requests.
# ---------------------------------------------------------------------------
{
	my $input = 'select pg_sleep(5) as long_exec;';
	my $bg    = bg_http($node, $key, $sid,
		rpc('tools/call',
			{
				name      => 'exec',
				arguments => { connection_name => 'pg-target', input => $input }
			}),
		timeout => 60);
	ok( poll_ok(
			$node,
			"SELECT EXISTS (SELECT FROM hoop_mcp.sessions WHERE input = '$input' AND status = 'open')",
			30),
		'the long exec is running');
	ping_ok('while a pg_sleep(5) exec is in flight');
	my $res = tool_call($node, $key, $sid, 'me_get', {});
	is(tool_json($res)->{user_email} // '', 'alice@example.com',
		'a tool call is answered while the exec is in flight');
	# Sessions are finished in the batch that sends the exec's answer: if
	# the answers above had waited for the exec, this would say done.
	is( $node->safe_psql('postgres',
			"SELECT status FROM hoop_mcp.sessions WHERE input = '$input'"),
		'open',
		'the exec was still running when the other requests were answered');
	my $r = bg_wait($bg, 60);
	my $env =
	  $r && $r->{json} ? decode_json_safe($r->{json}{result}{content}[0]{text}) : undef;
	is($env->{status} // '', 'completed', 'the long exec completes')
	  or diag explain $r;
}

is(worker_pid($node), $pid, 'the same worker process served everything');
ping_ok('at the end');
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|was terminated|exited with exit code/,
	'no server process died');
$node->stop;
done_testing();

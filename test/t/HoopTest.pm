# Shared helpers for hoop_mcp's TAP tests (t/*.pl).
#
# Nodes come from PostgreSQL::Test::Cluster with hoop_mcp preloaded.  The
# MCP endpoint is spoken to with core Perl's HTTP::Tiny and JSON::PP.
# Target connections use password (scram-sha-256) authentication over TCP,
# since the worker refuses passwordless ones.

package HoopTest;

use strict;
use warnings;

use Exporter 'import';
use HTTP::Tiny;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);
use Test::More;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;

our @EXPORT = qw(
  hoop_node hoop_port wait_http mcp_url http_post mcp_post rpc
  setup_hoop add_user mcp_initialize tool_call tool_json
  worker_pid worker_pids wait_worker_pid wait_new_worker_pid
  bg_http bg_wait bg_running poll_ok decode_json_safe
  http_url http_request
);

my %http_port;
my $json = JSON::PP->new->canonical;

# hoop_node(NAME, conf => "extra lines", hba => 1) -> started node
sub hoop_node
{
	my ($name, %opt) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(extra => [ '--encoding=UTF8', '--locale=C.UTF-8' ]);
	my $port = PostgreSQL::Test::Cluster::get_free_port();
	$http_port{$name} = $port;
	my $conf = '';
	$conf .= "shared_preload_libraries = 'hoop_mcp'\n"
	  unless $opt{no_hoop};
	$conf .= "hoop_mcp.port = $port\n" unless $opt{no_hoop};
	$conf .= "hoop_mcp.listen_addresses = '127.0.0.1'\n"
	  unless $opt{no_hoop} || $opt{default_listen};
	$conf .= "listen_addresses = '127.0.0.1'\n";
	$conf .= "password_encryption = 'scram-sha-256'\n";
	$conf .= $opt{conf} if defined $opt{conf};
	$node->append_conf('postgresql.conf', $conf);

	# Unix socket: trust (the test's own psql); TCP: passwords.
	my $hba = $node->data_dir . '/pg_hba.conf';
	open my $fh, '>', $hba or die "cannot write $hba: $!";
	print $fh "local all all trust\n";
	print $fh "host all all 127.0.0.1/32 scram-sha-256\n";
	print $fh "host all all ::1/128 scram-sha-256\n";
	close $fh;

	$node->start unless $opt{no_start};
	return $node;
}

sub hoop_port
{
	my ($node) = @_;
	return $http_port{ $node->name };
}

sub mcp_url
{
	my ($node) = @_;
	return 'http://127.0.0.1:' . hoop_port($node) . '/api/mcp';
}

sub decode_json_safe
{
	my ($text) = @_;
	return undef unless defined $text && length $text;
	my $v = eval { $json->decode($text) };
	return $v;
}

# Polls until the endpoint answers HTTP at all (any status but 599).
sub wait_http
{
	my ($node, $secs) = @_;
	$secs //= 60;
	my $http = HTTP::Tiny->new(timeout => 5, keep_alive => 0);
	my $deadline = time + $secs;
	my $res;
	while (time < $deadline)
	{
		$res = $http->request('OPTIONS', mcp_url($node));
		return 1 if $res->{status} != 599;
		sleep 0.1;
	}
	diag "no HTTP answer on " . mcp_url($node) . ": $res->{content}";
	return 0;
}

# http_post(NODE, BODY (string or ref), HEADERS => {...}, timeout => N)
# Fresh connection each time (keep_alive off) unless http => given.
sub http_post
{
	my ($node, $body, %opt) = @_;
	my $http = $opt{http}
	  // HTTP::Tiny->new(timeout => $opt{timeout} // 30, keep_alive => 0);
	$body = $json->encode($body) if ref $body;
	my %h = (
		'Content-Type' => 'application/json',
		'Accept'       => 'application/json, text/event-stream',
		%{ $opt{headers} // {} });
	my $res = $http->request('POST', mcp_url($node),
		{ headers => \%h, content => $body });
	$res->{json} = decode_json_safe($res->{content});
	return $res;
}

sub http_url
{
	my ($node, $path) = @_;
	return 'http://127.0.0.1:' . hoop_port($node) . $path;
}

# http_request(NODE, METHOD, PATH, content => ..., headers => {...})
# Any request to the worker's HTTP port; the answer as HTTP::Tiny gives it
# (lower-cased header names) plus json, the parsed body (or undef).
sub http_request
{
	my ($node, $method, $path, %opt) = @_;
	my $http = HTTP::Tiny->new(timeout => $opt{timeout} // 30, keep_alive => 0);
	my %args = (headers => $opt{headers} // {});
	$args{content} = $opt{content} if defined $opt{content};
	my $res = $http->request($method, http_url($node, $path), \%args);
	$res->{json} = decode_json_safe($res->{content});
	return $res;
}

# An MCP POST with a bearer key and optional session id.
sub mcp_post
{
	my ($node, $key, $sid, $body, %opt) = @_;
	my %h;
	$h{Authorization} = "Bearer $key" if defined $key;
	$h{'Mcp-Session-Id'} = $sid if defined $sid;
	$h{'MCP-Protocol-Version'} = '2025-06-18' if defined $sid;
	return http_post($node, $body, headers => \%h, %opt);
}

my $rpc_id = 0;

sub rpc
{
	my ($method, $params) = @_;
	my %m = (jsonrpc => '2.0', id => ++$rpc_id, method => $method);
	$m{params} = $params if defined $params;
	return \%m;
}

# initialize -> (session id, response)
sub mcp_initialize
{
	my ($node, $key, %opt) = @_;
	my $res = mcp_post(
		$node, $key, undef,
		rpc('initialize',
			{
				protocolVersion => '2025-06-18',
				capabilities    => {},
				clientInfo      => { name => 'hoop-tap', version => '1' }
			}),
		%opt);
	my $sid = $res->{headers}{'mcp-session-id'};
	if (defined $sid)
	{
		# The client's part of the handshake.
		mcp_post($node, $key, $sid,
			{ jsonrpc => '2.0', method => 'notifications/initialized' });
	}
	return wantarray ? ($sid, $res) : $sid;
}

# tools/call -> HTTP response
sub tool_call
{
	my ($node, $key, $sid, $tool, $args, %opt) = @_;
	return mcp_post($node, $key, $sid,
		rpc('tools/call', { name => $tool, arguments => $args }), %opt);
}

# The JSON inside a tool result's first text item (or undef).
sub tool_json
{
	my ($res) = @_;
	my $r = $res->{json};
	return undef
	  unless ref $r eq 'HASH'
	  && ref $r->{result} eq 'HASH'
	  && ref $r->{result}{content} eq 'ARRAY';
	return decode_json_safe($r->{result}{content}[0]{text});
}

# add_user(NODE, EMAIL, GROUPS_SQL_ARRAY, PG_ROLE_OR_UNDEF) -> API key
sub add_user
{
	my ($node, $email, $groups, $role) = @_;
	$groups //= '{}';
	my $r = defined $role ? "'$role'" : 'NULL';
	$node->safe_psql('postgres',
		"SELECT hoop_mcp.create_user(email => '$email', groups => '$groups', pg_role => $r)"
	);
	return $node->safe_psql('postgres',
		"SELECT hoop_mcp.create_api_key('$email', 'tap')");
}

# setup_hoop(NODE, target => NODE2) -> { key, conn }
# CREATE EXTENSION, an admin user "alice" mapped to role alice, her API key,
# and connection "pg-target" to TARGET (default: the node itself) as a
# password-authenticated role.
sub setup_hoop
{
	my ($node, %opt) = @_;
	my $target = $opt{target} // $node;
	my $conn = $opt{conn_name} // 'pg-target';
	$target->safe_psql('postgres',
		"DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tgt') THEN "
		  . "CREATE ROLE tgt LOGIN PASSWORD 'tgt-secret'; END IF; END\$\$");
	$node->safe_psql('postgres',
		"DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'alice') THEN "
		  . "CREATE ROLE alice LOGIN; END IF; END\$\$");
	$node->safe_psql('postgres', 'CREATE EXTENSION hoop_mcp');
	my $key = add_user($node, 'alice@example.com', '{admin}', 'alice');
	my $tport = $target->port;
	$node->safe_psql('postgres',
		"SELECT hoop_mcp.create_connection('$conn', "
		  . "'host=127.0.0.1 port=$tport user=tgt password=tgt-secret dbname=postgres')"
	);
	return { key => $key, conn => $conn };
}

# Worker pids from pg_stat_activity, by worker number.
sub worker_pids
{
	my ($node) = @_;
	my $out = $node->safe_psql('postgres',
		"SELECT application_name, pid FROM pg_stat_activity "
		  . "WHERE backend_type = 'hoop_mcp worker' ORDER BY 1");
	my %p;
	for (split /\n/, $out)
	{
		my ($n, $pid) = split /\|/;
		$p{$n} = $pid;
	}
	return \%p;
}

sub worker_pid
{
	my ($node, $n) = @_;
	$n //= 1;
	return worker_pids($node)->{"hoop_mcp worker $n"};
}

# Waits until worker N shows in pg_stat_activity (psql errors while the
# server restarts are retried).
sub wait_worker_pid
{
	my ($node, $n, $secs, $not) = @_;
	$n    //= 1;
	$secs //= 60;
	my $deadline = time + $secs;
	while (time < $deadline)
	{
		my ($ret, $out) = $node->psql('postgres',
			"SELECT pid FROM pg_stat_activity WHERE backend_type = 'hoop_mcp worker' "
			  . "AND application_name = 'hoop_mcp worker $n'");
		return $out
		  if $ret == 0 && $out =~ /^\d+$/ && (!defined $not || $out ne $not);
		sleep 0.2;
	}
	return undef;
}

sub wait_new_worker_pid
{
	my ($node, $old, $n, $secs) = @_;
	return wait_worker_pid($node, $n, $secs, $old);
}

# Polls a query until it returns 't' (server restarts are retried).
sub poll_ok
{
	my ($node, $sql, $secs) = @_;
	$secs //= 60;
	my $deadline = time + $secs;
	my $out;
	while (time < $deadline)
	{
		my $ret;
		($ret, $out) = $node->psql('postgres', $sql);
		return 1 if $ret == 0 && defined $out && $out eq 't';
		sleep 0.2;
	}
	diag "poll_ok timed out: $sql\nlast output: " . ($out // '(none)');
	return 0;
}

# bg_http(NODE, KEY, SID, BODY, timeout => N) -> handle
# Sends the request from a child process; bg_wait collects the answer.
sub bg_http
{
	my ($node, $key, $sid, $body, %opt) = @_;
	my $file = PostgreSQL::Test::Utils::tempdir() . '/bg_http.out';
	my $pid  = fork();
	die "fork failed: $!" unless defined $pid;
	if ($pid == 0)
	{
		# Child: no Test::More or Cluster END blocks may run here.
		my $res = eval { mcp_post($node, $key, $sid, $body, %opt) };
		if (open my $fh, '>', $file)
		{
			if ($res)
			{
				print $fh "$res->{status}\n$res->{content}";
			}
			else
			{
				print $fh "-1\n$@";
			}
			close $fh;
		}
		POSIX::_exit(0);
	}
	return { pid => $pid, file => $file, done => 0 };
}

sub bg_running
{
	my ($h) = @_;
	return 0 if $h->{done};
	my $r = waitpid($h->{pid}, POSIX::WNOHANG());
	if ($r == $h->{pid} || $r == -1)
	{
		$h->{done} = 1;
		return 0;
	}
	return 1;
}

# Waits up to SECS for the child; returns { status, content, json } or
# undef if it is still running (then it is killed).
sub bg_wait
{
	my ($h, $secs) = @_;
	my $deadline = time + $secs;
	while (bg_running($h) && time < $deadline)
	{
		sleep 0.05;
	}
	if (bg_running($h))
	{
		kill 'KILL', $h->{pid};
		waitpid($h->{pid}, 0);
		$h->{done} = 1;
		return undef;
	}
	my $text = -e $h->{file} ? slurp_file($h->{file}) : "-1\nno output file";
	my ($status, $content) = split /\n/, $text, 2;
	$content //= '';
	return {
		status  => $status,
		content => $content,
		json    => decode_json_safe($content) };
}

1;

# hoop_mcp.exec() and the schema tools called from SQL: the worker runs
# them and writes the session in its own transactions.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HoopTest;

my $node = hoop_node('sqlexec');
ok(wait_http($node), 'worker listens');
my $h = setup_hoop($node);    # alice: an ordinary role mapped to an admin user
$node->safe_psql('postgres', 'CREATE ROLE bob LOGIN');    # not mapped
$node->safe_psql('postgres', 'CREATE ROLE carol SUPERUSER LOGIN');
add_user($node, 'carol@example.com', '{}', 'carol');
$node->safe_psql('postgres', 'CREATE DATABASE appdb');
$node->safe_psql('appdb',
	'CREATE TABLE public.widgets (id integer PRIMARY KEY, name text)');

# psql as ROLE in DB; returns (stdout, stderr).
sub psql_as
{
	my ($role, $sql, $db) = @_;
	my ($ret, $out, $err) = $node->psql($db // 'postgres', $sql,
		extra_params  => [ '-U', $role ],
		on_error_stop => 0);
	return ($out, $err);
}

sub session_row
{
	my ($input) = @_;
	return $node->safe_psql('postgres',
		"SELECT status, exit_code, user_email, output FROM hoop_mcp.sessions WHERE input = \$q\$$input\$q\$"
	);
}

my $exec_sql = sub {
	my ($input) = @_;
	(my $q = $input) =~ s/'/''/g;
	return "SELECT hoop_mcp.exec(connection_name => 'pg-target', input => '$q')";
};

# ---------------------------------------------------------------------------
# A mapped role gets the completed envelope; the worker wrote the session.
# ---------------------------------------------------------------------------
for my $who ([ 'carol', 'a mapped superuser' ], [ 'alice', 'a mapped ordinary role' ])
{
	my ($role, $desc) = @$who;
	my $input = "select 'hello-$role' as greeting;";
	my ($out, $err) = psql_as($role, $exec_sql->($input));
	my $env = decode_json_safe($out) // {};
	is($env->{status}, 'completed', "$desc: exec returns the completed envelope")
	  or diag "stdout: $out\nstderr: $err";
	is($env->{exit_code}, 0, "$desc: exit_code 0");
	like($env->{output} // '', qr/^greeting\nhello-$role\n\(1 row\)\n$/,
		"$desc: psql-style output");
	like($env->{session_id} // '', qr/^[0-9a-f-]{36}$/, "$desc: session_id");
	my $id = $env->{session_id} // '00000000-0000-0000-0000-000000000000';
	is( $node->safe_psql('postgres',
			"SELECT status || '|' || exit_code || '|' || user_email FROM hoop_mcp.sessions WHERE id = '$id'"),
		"done|0|$role\@example.com",
		"$desc: session row is done and acted as the mapped user");
	is($node->safe_psql('postgres', "SELECT output FROM hoop_mcp.sessions WHERE id = '$id'"),
		$env->{output} // '',
		"$desc: session row holds the worker's output");
}

# ---------------------------------------------------------------------------
# The caller's ROLLBACK does not undo the worker's session.
# ---------------------------------------------------------------------------
{
	my $input = "select 'rolled-back' as tag;";
	my ($out, $err) =
	  psql_as('alice', "BEGIN;\n" . $exec_sql->($input) . ";\nROLLBACK;\n");
	my $env = decode_json_safe((split /\n/, $out)[0]) // {};
	is($env->{status}, 'completed', 'exec inside a rolled-back transaction completed')
	  or diag "stdout: $out\nstderr: $err";
	is(session_row($input), "done|0|alice\@example.com|tag\nrolled-back\n(1 row)\n",
		'the session survives the caller\'s ROLLBACK, done, with the worker\'s output');
}

# ---------------------------------------------------------------------------
# An unmapped role is refused with a hint; so is another database.
# ---------------------------------------------------------------------------
{
	my ($out, $err) = psql_as('bob', $exec_sql->('select 1;'));
	like($err, qr/ERROR:  role "bob" is not mapped to a hoop_mcp user/,
		'unmapped role: "is not mapped to a hoop_mcp user"');
	like($err,
		qr/HINT:  An administrator can map it: SELECT hoop_mcp\.create_user\(email => '\.\.\.', pg_role => 'bob'\);/,
		'unmapped role: the hint shows how to map it');
	is($node->safe_psql('postgres',
			"SELECT count(*) FROM hoop_mcp.sessions WHERE user_email NOT LIKE '%\@example.com'"),
		'0', 'no session for the unmapped role');
}

$node->safe_psql('postgres', 'CREATE DATABASE otherdb');
$node->safe_psql('otherdb', 'CREATE EXTENSION hoop_mcp');
{
	my ($out, $err) = psql_as('alice', $exec_sql->('select 1;'), 'otherdb');
	like($err,
		qr/ERROR:  exec runs only in database "postgres", where the hoop_mcp worker runs/,
		'another database: the error names the worker\'s database');
	like($err, qr/HINT:  Connect to database "postgres", or set hoop_mcp\.database\./,
		'another database: the hint names hoop_mcp.database');
	($out, $err) = psql_as('alice',
		"SELECT hoop_mcp.connection_databases(connection_name => 'pg-target')", 'otherdb');
	like($err, qr/connection_databases runs only in database "postgres"/,
		'another database: schema tools too');
}

# ---------------------------------------------------------------------------
# statement_timeout and pg_cancel_backend end the wait cleanly; the worker
# still finishes the session.
# ---------------------------------------------------------------------------
{
	my $input = 'select pg_sleep(2) as timeout_test;';
	my ($out, $err) = psql_as('alice',
		"SET statement_timeout = '300ms';\n"
		  . $exec_sql->($input)
		  . ";\nRESET statement_timeout;\nSELECT 'usable-after-timeout';\n");
	my $timed_out = like($err, qr/canceling statement due to statement timeout/,
		'statement_timeout cancels the wait');
	like($out, qr/usable-after-timeout/, 'the backend is usable after the timeout');
	ok( poll_ok(
			$node,
			"SELECT status = 'done' AND exit_code = 0 AND output LIKE '%timeout_test%' "
			  . "FROM hoop_mcp.sessions WHERE input = '$input'",
			$timed_out ? 15 : 1),
		'the worker finished the timed-out caller\'s session')
	  or diag session_row($input);
}

{
	my $input = 'select pg_sleep(2) as cancel_test;';
	my $bg = $node->background_psql('postgres',
		on_error_stop => 0, extra_params => [ '-U', 'alice' ]);
	my $bpid = $bg->query_safe('SELECT pg_backend_pid()');
	$bg->query_until(qr/calling/,
		"\\echo calling\n" . $exec_sql->($input) . ";\n");
	my $running = ok(
		poll_ok(
			$node,
			"SELECT EXISTS (SELECT FROM hoop_mcp.sessions WHERE input = '$input' AND status = 'open')",
			15),
		'the exec to cancel is running');
	is($node->safe_psql('postgres', "SELECT pg_cancel_backend($bpid)"),
		't', 'pg_cancel_backend(caller)');
	my $out = $bg->query("SELECT 'usable-after-cancel'");
	like($bg->{stderr}, qr/canceling statement due to user request/,
		'pg_cancel_backend cancels the wait');
	is($out, 'usable-after-cancel', 'the backend is usable after the cancel');
	$bg->quit;
	ok( poll_ok(
			$node,
			"SELECT status = 'done' AND exit_code = 0 AND output LIKE '%cancel_test%' "
			  . "FROM hoop_mcp.sessions WHERE input = '$input'",
			$running ? 15 : 1),
		'the worker finished the cancelled caller\'s session')
	  or diag session_row($input);
}

{
	# The abandoned calls left nothing behind: more calls still work.
	my ($out, $err) = psql_as('alice', $exec_sql->("select 'after-cancels' as tag;"));
	my $env = decode_json_safe($out) // {};
	is($env->{status}, 'completed', 'exec works after cancelled calls')
	  or diag "stdout: $out\nstderr: $err";
}

# ---------------------------------------------------------------------------
# Schema tools from SQL.
# ---------------------------------------------------------------------------
{
	my ($out, $err) = psql_as('alice',
		"SELECT hoop_mcp.connection_databases(connection_name => 'pg-target')");
	my $r = decode_json_safe($out) // {};
	is($r->{connection_name}, 'pg-target', 'connection_databases: connection_name')
	  or diag "stdout: $out\nstderr: $err";
	like($r->{output} // '', qr/^database_name\n(.*\n)*appdb\n/m,
		'connection_databases lists appdb');
	unlike($r->{output} // '', qr/^(postgres|template[01])$/m,
		'connection_databases hides postgres and templates');

	($out, $err) = psql_as('alice',
		"SELECT hoop_mcp.connection_tables(connection_name => 'pg-target', database => 'appdb')");
	$r = decode_json_safe($out) // {};
	is($r->{database}, 'appdb', 'connection_tables: database')
	  or diag "stdout: $out\nstderr: $err";
	like($r->{output} // '', qr/^public\ttable\twidgets$/m,
		'connection_tables lists public.widgets');

	($out, $err) = psql_as('alice',
		"SELECT hoop_mcp.connection_columns(connection_name => 'pg-target', database => 'appdb', \"table\" => 'widgets')"
	);
	$r = decode_json_safe($out) // {};
	is($r->{table}, 'widgets', 'connection_columns: table')
	  or diag "stdout: $out\nstderr: $err";
	is($r->{schema}, 'public', 'connection_columns: schema defaults to public');
	like($r->{output} // '', qr/^id\tinteger\tf\nname\ttext\tt\n/m,
		'connection_columns lists id and name with types and nullability');

	($out, $err) = psql_as('alice',
		"SELECT hoop_mcp.connection_tables(connection_name => 'no-such-conn', database => 'appdb')");
	like($err, qr/connection "no-such-conn" not found or not accessible/,
		'schema tool on an unknown connection: clear error');
}

$node->stop;
done_testing();

# pg_dump and pg_restore keep every configuration and history table: a
# database restored from a dump has the same users, keys, connections,
# rules, reviews, sessions and audit rows, and the extension works there.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HoopTest;

my $node = hoop_node('dump');
ok(wait_http($node), 'worker listens');
my $h = setup_hoop($node);
add_user($node, 'bob@example.com', '{dev}', undef);
$node->safe_psql('postgres', q{
	SELECT hoop_mcp.access_control_set('pg-target', '{admin,dev}');
	SELECT hoop_mcp.access_request_rules_create('dump-rule', 'command', '{dev}', '{admin}', true,
		connection_names => '{pg-target}');
});
# A session (run by the worker) and an audit row (an MCP call).
$node->safe_psql('postgres',
	q{SET ROLE alice; SELECT hoop_mcp.exec(connection_name => 'pg-target', input => 'SELECT 1')});
ok(defined mcp_initialize($node, $h->{key}), 'an MCP session opens');
ok($node->poll_query_until('postgres', 'SELECT count(*) > 0 FROM hoop_mcp.security_audit_log'),
	'the MCP call is audited');

my $tables = $node->safe_psql('postgres', q{
	SELECT c.oid::regclass
	FROM pg_extension e, unnest(e.extconfig) t(oid) JOIN pg_class c ON c.oid = t.oid
	WHERE e.extname = 'hoop_mcp' AND c.relkind = 'r' ORDER BY 1::text});
my @tables = split /\n/, $tables;
cmp_ok(scalar @tables, '>=', 15, 'configuration tables are marked for pg_dump');

sub contents
{
	my ($db) = @_;
	my %c;
	for my $t (@tables)
	{
		$c{$t} = $node->safe_psql($db,
			"SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM $t x");
	}
	$c{sequence} = $node->safe_psql($db,
		'SELECT last_value FROM hoop_mcp.security_audit_log_id_seq');
	return \%c;
}
my $before = contents('postgres');
ok($before->{'hoop_mcp.sessions'} !~ /^0 /, 'there is a session to keep');
ok($before->{'hoop_mcp.security_audit_log'} !~ /^0 /, 'there is an audit row to keep');

my $dump = $node->basedir . '/hoop.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('postgres'), '-f', $dump ],
	'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok(
	[ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ],
	'pg_restore');

my $after = contents('restored');
is($after->{$_}, $before->{$_}, "$_ round-trips") for sort keys %$before;

is($node->safe_psql('restored', 'SELECT count(*) FROM hoop_mcp.tools'),
	$node->safe_psql('postgres', 'SELECT count(*) FROM hoop_mcp.tools'),
	'the restored extension has the tool catalogue');
my $me = q{SET ROLE alice; SELECT hoop_mcp.me_get()};
like($node->safe_psql('restored', $me), qr/"user_email": "alice\@example\.com"/,
	'the restored identity mapping works');
is($node->safe_psql('restored', $me), $node->safe_psql('postgres', $me),
	'the organisation keeps its ID');
my ($ret, $out, $err) = $node->psql('restored', 'DELETE FROM hoop_mcp.sessions');
like($err, qr/append-only|cannot|not allowed/i, 'the restored sessions stay append-only');

done_testing();

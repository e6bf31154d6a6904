# OAuth resource-server mode against a real (tiny) identity provider: keys
# made by the openssl command line, tokens minted here, and an OIDC
# discovery document and JWKS served on loopback by a child process.
# Covers discovery, RS256 and ES256 logins, key rotation through the key
# refresher, unknown key ids and the refresh rate limit, the discovery
# documents (RFC 9728, the RFC 8414 mirror) and the registration shim, and
# the WWW-Authenticate challenge of every 401.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use POSIX ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);
use HoopTest;

my $json = JSON::PP->new->canonical;
my $dir  = PostgreSQL::Test::Utils::tempdir();

# ---------------------------------------------------------------------------
# Keys (openssl) and their JWKs.
# ---------------------------------------------------------------------------
sub openssl
{
	my @args = @_;
	open my $fh, '-|', 'openssl', @args or die "openssl @args: $!";
	binmode $fh;
	local $/;
	my $out = <$fh>;
	close $fh or die "openssl @args failed";
	return $out;
}

sub new_key
{
	my ($name, $type) = @_;
	my $file = "$dir/$name.pem";
	if ($type eq 'RSA')
	{
		openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', $file);
	}
	else
	{
		openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', $file);
	}
	return { file => $file, type => $type, kid => $name };
}

# The public JWK of a key made by new_key.
sub jwk
{
	my ($k) = @_;
	if ($k->{type} eq 'RSA')
	{
		my ($hex) = openssl('rsa', '-in', $k->{file}, '-noout', '-modulus') =~ /Modulus=([0-9A-F]+)/;
		my $text = openssl('rsa', '-in', $k->{file}, '-noout', '-text');
		my ($e) = $text =~ /publicExponent: (\d+)/;
		die "unexpected exponent $e" unless $e == 65537;
		return { kty => 'RSA', kid => $k->{kid}, use => 'sig', alg => 'RS256',
			n => encode_base64url(pack('H*', $hex)), e => 'AQAB' };
	}
	# SubjectPublicKeyInfo DER ends with the point 04 || x || y.
	my $der   = openssl('pkey', '-in', $k->{file}, '-pubout', '-outform', 'DER');
	my $point = substr($der, -65);
	die 'not an uncompressed P-256 point' unless substr($point, 0, 1) eq "\x04";
	return { kty => 'EC', kid => $k->{kid}, crv => 'P-256',
		x => encode_base64url(substr($point, 1, 32)),
		y => encode_base64url(substr($point, 33, 32)) };
}

# DER ECDSA-Sig-Value -> JOSE r || s (32 bytes each).
sub der_to_jose
{
	my ($der) = @_;
	my @b   = unpack('C*', $der);
	my $pos = 0;
	my $len = sub {
		my $l = $b[ $pos++ ];
		return $l if $l < 0x80;
		my $n = $l & 0x7f;
		$l = 0;
		$l = ($l << 8) | $b[ $pos++ ] for 1 .. $n;
		return $l;
	};
	die 'not a DER sequence' unless $b[ $pos++ ] == 0x30;
	$len->();
	my $out = '';
	for (1 .. 2)
	{
		die 'not a DER integer' unless $b[ $pos++ ] == 0x02;
		my $l = $len->();
		my $int = pack('C*', @b[ $pos .. $pos + $l - 1 ]);
		$pos += $l;
		$int =~ s/^\x00+//;
		$out .= ("\x00" x (32 - length $int)) . $int;
	}
	return $out;
}

# A JWT signed with KEY (RS256 or ES256); header fields override.
sub mint
{
	my ($key, $claims, %hdr) = @_;
	my %h = (alg => $key->{type} eq 'RSA' ? 'RS256' : 'ES256', typ => 'JWT', kid => $key->{kid}, %hdr);
	delete $h{$_} for grep { !defined $h{$_} } keys %h;
	my $input = encode_base64url($json->encode(\%h)) . '.' . encode_base64url($json->encode($claims));
	my $file  = "$dir/signing-input";
	open my $fh, '>', $file or die;
	print $fh $input;
	close $fh;
	my $sig = openssl('dgst', '-sha256', '-sign', $key->{file}, $file);
	$sig = der_to_jose($sig) if $key->{type} eq 'EC';
	return $input . '.' . encode_base64url($sig);
}

# ---------------------------------------------------------------------------
# The identity provider: discovery document and JWKS on loopback.  The key
# set is the file jwks.json, re-read on every request; every request line
# is appended to hits.log.
# ---------------------------------------------------------------------------
my $idp_sock = IO::Socket::INET->new(
	LocalAddr => '127.0.0.1',
	LocalPort => 0,
	Listen    => 16,
	Proto     => 'tcp',
	ReuseAddr => 1) or die "cannot listen: $!";
my $idp_port = $idp_sock->sockport;
my $issuer   = "http://127.0.0.1:$idp_port";
my $jwks_uri = "$issuer/jwks";
my $hits_log = "$dir/hits.log";
my $jwks_file = "$dir/jwks.json";

sub set_jwks
{
	my (@keys) = @_;
	open my $fh, '>', "$jwks_file.tmp" or die;
	print $fh $json->encode({ keys => [ map { jwk($_) } @keys ] });
	close $fh;
	rename "$jwks_file.tmp", $jwks_file or die;
}

sub jwks_hits
{
	return 0 unless -e $hits_log;
	return scalar grep { m{^GET /jwks } } split /\n/, slurp_file($hits_log);
}

my $idp_pid = fork();
die "fork: $!" unless defined $idp_pid;
if ($idp_pid == 0)
{
	# Child: no Test::More or Cluster END blocks may run here.
	$SIG{TERM} = sub { POSIX::_exit(0) };
	my $discovery = $json->encode(
		{
			issuer                           => $issuer,
			jwks_uri                         => $jwks_uri,
			authorization_endpoint           => "$issuer/authorize",
			token_endpoint                   => "$issuer/token",
			scopes_supported                 => [ 'openid', 'email', 'profile' ],
			response_types_supported         => [ 'code', 'id_token' ],
			code_challenge_methods_supported => ['plain'],
		});
	while (1)
	{
		my $c = $idp_sock->accept or next;
		my $req = '';
		while ($req !~ /\r\n\r\n/)
		{
			my $n = sysread($c, $req, 4096, length $req);
			last unless $n;
		}
		my ($method, $path) = $req =~ m{^(\S+) (\S+)};
		$path //= '';
		if (open my $log, '>>', $hits_log)
		{
			printf $log "%s %s %.3f\n", $method // '-', $path, time;
			close $log;
		}
		my ($status, $body) = ('404 Not Found', '{"error":"not found"}');
		if ($path eq '/.well-known/openid-configuration')
		{
			($status, $body) = ('200 OK', $discovery);
		}
		elsif ($path eq '/jwks' && open my $fh, '<', $jwks_file)
		{
			local $/;
			($status, $body) = ('200 OK', scalar <$fh>);
		}
		print $c "HTTP/1.0 $status\r\nContent-Type: application/json\r\n"
		  . 'Content-Length: ' . length($body) . "\r\nConnection: close\r\n\r\n$body";
		close $c;
	}
}
close $idp_sock;
END { kill 'TERM', $idp_pid if $idp_pid; }

my $rsa1 = new_key('rsa-1', 'RSA');
my $ec1  = new_key('ec-1',  'EC');
my $rsa2 = new_key('rsa-2', 'RSA');
my $rogue = new_key('nope-1', 'RSA');    # never published
set_jwks($rsa1, $ec1);

# ---------------------------------------------------------------------------
# The node: api_url set so that resource URIs are predictable.
# ---------------------------------------------------------------------------
my $node = hoop_node('oauth', no_start => 1);
my $api_url = 'http://127.0.0.1:' . hoop_port($node);
$node->append_conf('postgresql.conf', "hoop_mcp.api_url = '$api_url'\n");
$node->start;
ok(wait_http($node), 'worker listens');
my $h        = setup_hoop($node);
my $api_key  = $h->{key};
my $resource = "$api_url/api/mcp";
my $metadata_url = "$api_url/.well-known/oauth-protected-resource/api/mcp";

sub sql { return $node->safe_psql('postgres', $_[0]); }

sub claims
{
	my (%c) = @_;
	my $now = time;
	return {
		iss => $issuer,
		aud => $resource,
		iat => int($now),
		exp => int($now) + 600,
		%c
	};
}

# Asserts a 401 and its challenge; DESC: the error_description expected
# (a regexp), or undef when no token was sent.
sub is_401
{
	my ($res, $desc, $what) = @_;
	is($res->{status}, 401, "$what: 401") or diag $res->{content};
	my $www = $res->{headers}{'www-authenticate'} // '';
	like($www, qr/^Bearer resource_metadata="\Q$metadata_url\E"/, "$what: challenge names the resource metadata")
	  or diag $www;
	if (defined $desc)
	{
		like($www, qr/, error="invalid_token", error_description="$desc"$/, "$what: invalid_token, reason")
		  or diag $www;
	}
	else
	{
		unlike($www, qr/error=/, "$what: no error attribute without credentials") or diag $www;
	}
	ok(!defined $res->{headers}{'mcp-session-id'}, "$what: no session");
}

sub initialize_ok
{
	my ($token, $what) = @_;
	my ($sid, $res) = mcp_initialize($node, $token);
	is($res->{status}, 200, "$what: initialize 200") or diag $res->{content};
	ok(defined $sid, "$what: session id");
	return $sid;
}

# ---------------------------------------------------------------------------
# Discovery.
# ---------------------------------------------------------------------------
{
	my $r = decode_json_safe(sql("SELECT hoop_mcp.configure_oidc(issuer => '$issuer')")) // {};
	is($r->{issuer},   $issuer,   'configure_oidc: issuer');
	is($r->{jwks_uri}, $jwks_uri, 'configure_oidc: jwks_uri from the discovery document');
	is_deeply($r->{key_ids}, [ 'rsa-1', 'ec-1' ], 'configure_oidc: key ids');
	ok($r->{discovered}, 'configure_oidc: discovered');
	is(sql("SELECT jwks_fetched_at IS NOT NULL AND provider_metadata->>'token_endpoint' = '$issuer/token' FROM hoop_mcp.auth_config"),
		't', 'keys fetched and provider metadata kept');
	is(jwks_hits(), 1, 'one JWKS fetch');

	my ($ret, $out, $err) = $node->psql('postgres',
		"SELECT hoop_mcp.configure_oidc(issuer => 'http://localhost:$idp_port')");
	like($err, qr/the provider's metadata names issuer "\Q$issuer\E", not "http:\/\/localhost:$idp_port"/,
		'configure_oidc refuses a discovery document naming another issuer');
	($ret, $out, $err) = $node->psql('postgres',
		"SELECT hoop_mcp.configure_oidc(issuer => '$issuer/nothing-here')");
	like($err, qr/could not fetch "\Q$issuer\E\/nothing-here\/.well-known\/openid-configuration": HTTP status 404/,
		'configure_oidc reports a failed discovery');
	is(sql('SELECT issuer FROM hoop_mcp.auth_config'), $issuer, 'a refused configure_oidc keeps the provider');
}

# Disabled: the discovery documents do not exist, tokens go to the API-key path.
for my $path ('/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/api/mcp',
	'/.well-known/oauth-authorization-server', '/.well-known/openid-configuration')
{
	my $r = http_request($node, 'GET', $path);
	is($r->{status}, 404, "GET $path while disabled: 404");
}
{
	my $r = mcp_post($node, mint($rsa1, claims(sub => 'idp|ann', email => 'ann@example.com')), undef, rpc('ping'));
	is($r->{status}, 401, 'a provider token while OAuth is disabled: 401');
	like($r->{headers}{'www-authenticate'} // '', qr/^Bearer realm="hoop_mcp", error="invalid_token", error_description="invalid token"$/,
		'... refused by the API-key path');
	$r = mcp_post($node, undef, undef, rpc('ping'));
	unlike($r->{headers}{'www-authenticate'} // '', qr/resource_metadata/,
		'no resource_metadata in challenges while disabled');
}

is(sql('SELECT hoop_mcp.mcp_auth_enable()'), 'MCP OAuth authentication enabled.', 'mcp_auth_enable');

# ---------------------------------------------------------------------------
# RS256 and ES256 logins.
# ---------------------------------------------------------------------------
{
	my $token = mint($rsa1,
		claims(sub => 'idp|ann', email => 'Ann@Example.com', name => 'Ann A.', groups => [ 'eng', 'oncall' ]));
	my $sid = initialize_ok($token, 'RS256 token');
	my $me  = tool_json(tool_call($node, $token, $sid, 'me_get', {})) // {};
	is($me->{user_email}, 'ann@example.com', 'RS256: me_get shows the synced email');
	is($me->{user_name},  'Ann A.',          'RS256: name from the token');
	is_deeply($me->{groups}, [ 'eng', 'oncall' ], 'RS256: groups from the token');
	is(sql("SELECT subject FROM hoop_mcp.users WHERE email = 'ann\@example.com'"), 'idp|ann', 'user row has the subject');

	my $ec_token = mint($ec1,
		claims(sub => 'idp|ben', email => 'ben@example.com', preferred_username => 'benb', groups => 'ops'));
	$sid = initialize_ok($ec_token, 'ES256 token');
	$me = tool_json(tool_call($node, $ec_token, $sid, 'me_get', {})) // {};
	is($me->{user_email}, 'ben@example.com', 'ES256: me_get shows the synced user');
	is($me->{user_name},  'benb',            'ES256: name from preferred_username');
	is_deeply($me->{groups}, ['ops'], 'ES256: a string groups claim is one group');

	# The audience is compared in canonical form.
	$token = mint($rsa1, claims(sub => 'idp|ann', aud => [ 'other', uc("http://127.0.0.1:") . hoop_port($node) . '/api/mcp/' ]));
	initialize_ok($token, 'aud in another case, with a trailing slash, in an array');

	# API keys keep working.
	initialize_ok($api_key, 'API key while OAuth is on');
}

# ---------------------------------------------------------------------------
# Challenges.
# ---------------------------------------------------------------------------
is_401(mcp_post($node, undef, undef, rpc('ping')), undef, 'no token');
is_401(mcp_post($node, 'hmk_not-a-key', undef, rpc('ping')), 'invalid token', 'unknown API key');
is_401(mcp_post($node, mint($rsa1, claims(sub => 'idp|ann'), kid => undef), undef, rpc('ping')),
	'token has no key id \(kid\)', 'token without kid (two keys)');
is_401(mcp_post($node, mint($rsa1, claims(sub => 'idp|ann', aud => 'https://elsewhere.example.com/api/mcp')), undef, rpc('ping')),
	"audience mismatch, got aud='?https://elsewhere.example.com/api/mcp'? azp=<none> client_id=<none>, want '\Q$resource\E' or a static client of \\[\\]",
	'wrong audience');
is_401(mcp_post($node, mint($ec1, claims(sub => 'idp|ann'), alg => 'ES384'), undef, rpc('ping')),
	"token algorithm 'ES384' does not fit key 'ec-1'", 'algorithm that does not fit the key');

# ---------------------------------------------------------------------------
# Key rotation: the provider publishes a new key; a token naming it waits
# for the key refresher and succeeds without a retry.
# ---------------------------------------------------------------------------
my $refreshed_at;
{
	set_jwks($rsa2, $ec1);
	my $before = jwks_hits();
	my $offset = -s $node->logfile;
	my $token  = mint($rsa2, claims(sub => 'idp|cat', email => 'cat@example.com', groups => ['eng']));
	my $t0     = time;
	my ($sid, $res) = mcp_initialize($node, $token);
	my $took = time - $t0;
	$refreshed_at = $t0;
	is($res->{status}, 200, 'token with the new key id: initialize 200 after the refresh') or diag $res->{content};
	ok($took < 5, sprintf('answered by the refresh, not the 5 s wait (%.2f s)', $took));
	ok($node->wait_for_log(qr/hoop_mcp refreshed the identity provider's keys from \Q$jwks_uri\E/, $offset),
		'the key refresher logged its refresh');
	is(jwks_hits() - $before, 1, 'one JWKS fetch for the rotation');
	is(sql("SELECT string_agg(k->>'kid', ',' ORDER BY k->>'kid') FROM hoop_mcp.auth_config, jsonb_array_elements(jwks->'keys') k"),
		'ec-1,rsa-2', 'the refreshed keys are stored');
	my $me = tool_json(tool_call($node, $token, $sid, 'me_get', {})) // {};
	is($me->{user_email}, 'cat@example.com', 'the session works with the new key');
	is(sql("SELECT count(*) FROM hoop_mcp.security_audit_log WHERE actor_subject = 'idp|cat' AND rpc_method = 'initialize'"),
		'1', 'the parked request was audited once');

	# The retired key is unknown now, and the refresher ran moments ago:
	# refused at once, no fetch.
	$before = jwks_hits();
	$t0     = time;
	my $r = mcp_post($node, mint($rsa1, claims(sub => 'idp|ann')), undef, rpc('ping'));
	is_401($r, "unknown key id 'rsa-1'", 'retired key right after a refresh');
	ok(time - $t0 < 2, 'answered at once');
	is(jwks_hits(), $before, 'no JWKS fetch within 5 s of the last');
}

# An unknown kid when the refreshed set still lacks it.
{
	my $wait = $refreshed_at + 5.5 - time;
	sleep $wait if $wait > 0;
	my $before = jwks_hits();
	my $offset = -s $node->logfile;
	my $t0     = time;
	my $r      = mcp_post($node, mint($rogue, claims(sub => 'idp|eve', email => 'eve@example.com')), undef, rpc('ping'));
	my $took   = time - $t0;
	is_401($r, "unknown key id 'nope-1'", 'unknown key id after a refresh');
	ok($took < 5, sprintf('refused when the refresh ended (%.2f s)', $took));
	is(jwks_hits() - $before, 1, 'the unknown key id made one JWKS fetch');
	ok($node->wait_for_log(qr/hoop_mcp refreshed the identity provider's keys/, $offset), 'refresher ran');

	# Rate limit: a second unknown kid right after makes no fetch.
	$before = jwks_hits();
	$t0     = time;
	$r = mcp_post($node, mint($rogue, claims(sub => 'idp|eve'), kid => 'nope-2'), undef, rpc('ping'));
	is_401($r, "unknown key id 'nope-2'", 'a second unknown key id right after');
	ok(time - $t0 < 2, 'refused at once');
	sleep 1;
	is(jwks_hits(), $before, 'no second JWKS fetch within 5 s');
	is(sql("SELECT count(*) FROM hoop_mcp.users WHERE subject = 'idp|eve'"), '0', 'no user made for refused tokens');
	$refreshed_at = $t0;
}

# A broken key set from the provider is not stored, the token is refused,
# and a later refresh works again.
{
	my $wait = $refreshed_at + 5.5 - time;
	sleep $wait if $wait > 0;
	open my $fh, '>', $jwks_file or die;
	print $fh '{"keys": []}';
	close $fh;
	my $offset = -s $node->logfile;
	my $t0     = time;
	my $r      = mcp_post($node, mint($rogue, claims(sub => 'idp|eve'), kid => 'nope-3'), undef, rpc('ping'));
	is_401($r, "unknown key id 'nope-3'", 'unknown key id while the provider serves a broken set');
	ok(time - $t0 < 5, 'refused when the failed refresh ended');
	ok($node->wait_for_log(qr/invalid JWKS: no signature key/, $offset), 'the refresher logged why');
	is(sql("SELECT string_agg(k->>'kid', ',' ORDER BY k->>'kid') FROM hoop_mcp.auth_config, jsonb_array_elements(jwks->'keys') k"),
		'ec-1,rsa-2', 'the stored keys are unchanged');
	initialize_ok(mint($rsa2, claims(sub => 'idp|cat')), 'the stored keys still work');

	sleep 5.5;
	my $rsa3 = new_key('rsa-3', 'RSA');
	set_jwks($rsa2, $ec1, $rsa3);
	my $token = mint($rsa3, claims(sub => 'idp|cat'));

	# A client that gives up while its request is parked.
	my $pid  = worker_pid($node);
	my $body = $json->encode(rpc('ping'));
	my $s    = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => hoop_port($node), Proto => 'tcp')
	  or die "connect: $!";
	print $s "POST /api/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
	  . "Accept: application/json\r\nAuthorization: Bearer $token\r\n"
	  . 'Content-Length: ' . length($body) . "\r\n\r\n$body";
	close $s;

	initialize_ok($token, 'after a failed refresh, a later rotation works');
	sleep 0.5;
	is(worker_pid($node), $pid, 'a client gone while parked did not disturb the worker');
	initialize_ok($token, 'and the worker keeps serving');
}

# ---------------------------------------------------------------------------
# RFC 9728 protected resource metadata.
# ---------------------------------------------------------------------------
for my $path ('/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/api/mcp')
{
	my $r = http_request($node, 'GET', $path, headers => { Origin => 'https://claude.ai' });
	is($r->{status}, 200, "GET $path: 200") or diag $r->{content};
	is($r->{headers}{'cache-control'}, 'public, max-age=3600', "GET $path: Cache-Control");
	like($r->{headers}{'content-type'} // '', qr{^application/json}, "GET $path: JSON");
	my $b = $r->{json} // {};
	is($b->{resource}, $resource, "GET $path: resource");
	is_deeply($b->{authorization_servers}, [$issuer], "GET $path: the provider is the authorization server");
	is_deeply($b->{bearer_methods_supported}, ['header'], "GET $path: bearer_methods_supported");
	is($b->{resource_name}, 'Hoop MCP', "GET $path: resource_name");
}
for my $path ('/.well-known/oauth-authorization-server', '/.well-known/openid-configuration',
	'/.well-known/oauth-protected-resource/other', '/.well-known/nothing')
{
	is(http_request($node, 'GET', $path)->{status}, 404, "GET $path without a static client: 404");
}
{
	my $r = http_request($node, 'POST', '/api/mcp/oauth/register',
		headers => { 'Content-Type' => 'application/json' }, content => '{"redirect_uris":["http://127.0.0.1:1/cb"]}');
	is($r->{status}, 404, 'registration without a static client: 404');
	is(http_request($node, 'POST', '/.well-known/oauth-protected-resource')->{status}, 404,
		'POST on a discovery document: 404');
}

# ---------------------------------------------------------------------------
# A static client: the RFC 8414 mirror, the registration shim, tokens bound
# to the client.
# ---------------------------------------------------------------------------
is(sql("SELECT hoop_mcp.mcp_auth_enable(client_id => 'hoop-static', client_secret => 'static-secret')"),
	'MCP OAuth authentication enabled.', 'static client configured');
{
	my $r = http_request($node, 'GET', '/.well-known/oauth-protected-resource/api/mcp');
	is_deeply(($r->{json} // {})->{authorization_servers}, [$api_url],
		'with a static client hoop_mcp names itself as authorization server');
}
for my $path ('/.well-known/oauth-authorization-server', '/.well-known/openid-configuration',
	'/.well-known/oauth-authorization-server/api/mcp')
{
	my $r = http_request($node, 'GET', $path);
	is($r->{status}, 200, "GET $path: 200") or diag $r->{content};
	is($r->{headers}{'cache-control'}, 'public, max-age=300', "GET $path: Cache-Control");
	my $b = $r->{json} // {};
	is($b->{issuer}, $api_url, "GET $path: issuer is api_url");
	is($b->{registration_endpoint}, "$api_url/api/mcp/oauth/register", "GET $path: registration_endpoint");
	is($b->{authorization_endpoint}, "$issuer/authorize", "GET $path: the provider's authorization_endpoint");
	is($b->{token_endpoint},         "$issuer/token",     "GET $path: the provider's token_endpoint");
	is($b->{jwks_uri},               $jwks_uri,           "GET $path: the provider's jwks_uri");
	is_deeply($b->{scopes_supported}, [ 'openid', 'email', 'profile' ], "GET $path: scopes_supported");
	is_deeply($b->{response_types_supported}, [ 'code', 'id_token' ], "GET $path: response_types_supported");
	is_deeply($b->{grant_types_supported}, [ 'authorization_code', 'refresh_token' ],
		"GET $path: grant_types_supported default");
	is_deeply($b->{code_challenge_methods_supported}, [ 'plain', 'S256' ], "GET $path: S256 added");
	is_deeply($b->{token_endpoint_auth_methods_supported}, [ 'client_secret_basic', 'client_secret_post' ],
		"GET $path: confidential client auth methods");
}
{
	my $reg = sub {
		my ($content) = @_;
		return http_request($node, 'POST', '/api/mcp/oauth/register',
			headers => { 'Content-Type' => 'application/json' }, content => $content);
	};
	my $r = $reg->($json->encode({
		redirect_uris => [ 'http://127.0.0.1:33418/callback', 'http://localhost:33418/cb' ],
		client_name   => 'tap client',
		token_endpoint_auth_method => 'client_secret_post' }));
	is($r->{status}, 201, 'register: 201') or diag $r->{content};
	is($r->{headers}{'cache-control'}, 'no-store', 'register: no-store');
	my $b = $r->{json} // {};
	is($b->{client_id},     'hoop-static',   'register: the static client id');
	is($b->{client_secret}, 'static-secret', 'register: its secret');
	is($b->{client_secret_expires_at}, 0, 'register: the secret does not expire');
	is_deeply($b->{redirect_uris}, [ 'http://127.0.0.1:33418/callback', 'http://localhost:33418/cb' ],
		'register: redirect_uris echoed');
	is($b->{client_name}, 'tap client', 'register: client_name echoed');
	is($b->{token_endpoint_auth_method}, 'client_secret_post', 'register: the method asked for');
	is_deeply($b->{grant_types}, [ 'authorization_code', 'refresh_token' ], 'register: default grant_types');

	$r = $reg->('');
	is($r->{status}, 201, 'register with an empty body: 201');
	is(($r->{json} // {})->{token_endpoint_auth_method}, 'client_secret_basic', 'register: client_secret_basic by default');

	for my $bad ('{"redirect_uris":', '[1,2]', '"text"', 'null')
	{
		$r = $reg->($bad);
		is($r->{status}, 400, "register with $bad: 400");
		is(($r->{json} // {})->{error}, 'invalid_client_metadata', "register with $bad: invalid_client_metadata");
	}
	$r = $reg->('{"client_name":"' . ('x' x (65 * 1024)) . '"}');
	is($r->{status}, 413, 'register over 64 KiB: 413');
	is(($r->{json} // {})->{error}, 'invalid_client_metadata', 'register over 64 KiB: invalid_client_metadata');
	is(http_request($node, 'GET', '/api/mcp/oauth/register')->{status}, 405, 'GET register: 405');
}

# Tokens bound to the static client (aud is another API).
{
	my $token = mint($rsa2, claims(sub => 'idp|dan', email => 'dan@example.com', aud => 'account', azp => 'hoop-static'));
	initialize_ok($token, 'token bound to the static client via azp');
	$token = mint($ec1, claims(sub => 'idp|dan', aud => 'account', client_id => 'hoop-static'));
	initialize_ok($token, 'token bound to the static client via client_id');
	$token = mint($ec1, claims(sub => 'idp|dan', aud => [ 'account', 'hoop-static' ]));
	initialize_ok($token, 'token bound to the static client via aud');
	is_401(mcp_post($node, mint($ec1, claims(sub => 'idp|dan', aud => 'account', azp => 'someone-else')), undef, rpc('ping')),
		"audience mismatch, got aud='?account'? azp='?someone-else'? client_id=<none>, want '\Q$resource\E' or a static client of \\[hoop-static\\]",
		'token bound to another client');
}

# A public static client (no secret).
is(sql("SELECT hoop_mcp.mcp_auth_configure(client_secret => '')"), 'MCP OAuth configuration updated.', 'secret cleared');
{
	my $b = http_request($node, 'GET', '/.well-known/oauth-authorization-server')->{json} // {};
	is_deeply($b->{token_endpoint_auth_methods_supported}, ['none'], 'public client: auth method none');
	my $r = http_request($node, 'POST', '/api/mcp/oauth/register',
		headers => { 'Content-Type' => 'application/json' },
		content => '{"redirect_uris":["http://127.0.0.1:1/cb"],"token_endpoint_auth_method":"client_secret_post"}');
	is($r->{status}, 201, 'public client: register 201');
	ok(!exists(($r->{json} // {})->{client_secret}), 'public client: no secret');
	is(($r->{json} // {})->{token_endpoint_auth_method}, 'none', 'public client: token_endpoint_auth_method none');
}

# Configured with the keys rather than discovery: no provider metadata to mirror.
{
	my $keys = $json->encode({ keys => [ jwk($rsa2) ] });
	sql("SELECT hoop_mcp.configure_oidc(issuer => '$issuer', jwks => '$keys')");
	my $r = http_request($node, 'GET', '/.well-known/oauth-authorization-server');
	is($r->{status}, 502, 'mirror without provider metadata: 502');
	is(($r->{json} // {})->{message}, 'failed discovering identity provider metadata', '... with hoop\'s message');
	initialize_ok(mint($rsa2, claims(sub => 'idp|cat')), 'token accepted with the given keys');
	# A single key may be used without a kid.
	initialize_ok(mint($rsa2, claims(sub => 'idp|cat'), kid => undef), 'a single key: kid may be left out');
}

# Disabled again: documents gone, challenges without resource_metadata.
is(sql('SELECT hoop_mcp.mcp_auth_disable()'),
	'MCP OAuth authentication disabled. The /api/mcp endpoint now accepts only gateway Hoop bearer tokens.',
	'mcp_auth_disable');
is(http_request($node, 'GET', '/.well-known/oauth-protected-resource/api/mcp')->{status}, 404, 'disabled: metadata 404');
is(http_request($node, 'POST', '/api/mcp/oauth/register', content => '{}')->{status}, 404, 'disabled: register 404');
{
	my $r = mcp_post($node, mint($rsa2, claims(sub => 'idp|cat')), undef, rpc('ping'));
	is($r->{status}, 401, 'disabled: provider token refused');
	initialize_ok($api_key, 'disabled: API key works');
}

# Nothing the provider sent was logged.
{
	my $log = slurp_file($node->logfile);
	unlike($log, qr/eyJ[A-Za-z0-9_-]{10,}\.eyJ/, 'no token in the server log');
}

kill 'TERM', $idp_pid;
waitpid $idp_pid, 0;
$idp_pid = 0;
done_testing();

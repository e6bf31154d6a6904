-- JWT: hoop_mcp.sign and hoop_mcp.verify.  HS* against pgjwt's algorithm,
-- computed here with pgcrypto; every algorithm against known-answer vectors
-- made once with the openssl command line; the keys and the cases where
-- verify is stricter than pgjwt.  Nothing printed depends on the clock or
-- on a randomized signature.
\set SHOW_CONTEXT never
CREATE EXTENSION pgcrypto;

-- pgjwt's algorithm, written out: base64url is
-- translate(encode(data, 'base64'), E'+/=\n', '-_'); the header is the text
-- {"alg":"<alg>","typ":"JWT"}; the payload is the json text as given; the
-- signature is the HMAC of header.payload; valid is that signature AND
-- tstzrange(to_timestamp(nbf), to_timestamp(exp)) @> CURRENT_TIMESTAMP,
-- a claim that does not cast to double precision leaving its side open.
CREATE FUNCTION pg_temp.b64url(data bytea) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT translate(encode(data, 'base64'), E'+/=\n', '-_') $$;
CREATE FUNCTION pg_temp.hs(input text, secret text, alg text) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT pg_temp.b64url(public.hmac(input, secret, 'sha' || substr(alg, 3))) $$;
CREATE FUNCTION pg_temp.pgjwt_sign(payload json, secret text, alg text) RETURNS text LANGUAGE sql
AS $$
	SELECT input || '.' || pg_temp.hs(input, secret, alg)
	FROM (SELECT pg_temp.b64url(convert_to('{"alg":"' || alg || '","typ":"JWT"}', 'utf8')) || '.' ||
	             pg_temp.b64url(convert_to(payload::text, 'utf8')) AS input) s
$$;
CREATE FUNCTION pg_temp.to_double(t text) RETURNS double precision LANGUAGE plpgsql IMMUTABLE
AS $$ BEGIN RETURN t::double precision; EXCEPTION WHEN others THEN RETURN NULL; END $$;
CREATE FUNCTION pg_temp.pgjwt_valid(token text, secret text, alg text) RETURNS boolean LANGUAGE sql
AS $$
	SELECT p[3] = pg_temp.hs(p[1] || '.' || p[2], secret, alg)
	       AND tstzrange(to_timestamp(pg_temp.to_double(c->>'nbf')),
	                     to_timestamp(pg_temp.to_double(c->>'exp'))) @> CURRENT_TIMESTAMP
	FROM (SELECT p, convert_from(decode(rpad(translate(p[2], '-_', '+/'), (length(p[2]) + 3) / 4 * 4, '='),
	                                    'base64'), 'utf8')::json AS c
	      FROM regexp_split_to_array(token, '\.') p) t
$$;
-- A token with any header and payload text, HMAC-signed.
CREATE FUNCTION pg_temp.hs_token(header text, payload text, secret text, alg text) RETURNS text LANGUAGE sql
AS $$
	SELECT input || '.' || pg_temp.hs(input, secret, alg)
	FROM (SELECT pg_temp.b64url(convert_to(header, 'utf8')) || '.' ||
	             pg_temp.b64url(convert_to(payload, 'utf8')) AS input) s
$$;

-- ---------------------------------------------------------------------------
-- sign: the same token as pgjwt, byte for byte
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE jwt_payloads (id int, payload json);
INSERT INTO jwt_payloads VALUES
	(1, '{"sub":"alice","admin":true,"iat":1516239022}'),
	(2, '{ "sub" : "bob" ,
	       "n" : [1, 2.50, 1e3, {"x": null}] }'),
	(3, '{"name":"Zoë Ünicode 日本語 🚀","esc":"\u00e9 \" \\ \n"}'),
	(4, '{"a":{"b":{"c":{"d":[[],{},[{"e":[true,false,null]}]]}}}}'),
	(5, '[]'),
	(6, '"just a string"'),
	(7, json_build_object('long', repeat('x', 300), 'dup', 1, 'dup', 2)::json);
CREATE TEMP TABLE jwt_secrets (secret text);
INSERT INTO jwt_secrets VALUES ('secret'), (''), ('sécret 秘密 🔑'), (repeat('k', 200));

SELECT alg, count(*) AS tokens,
       count(*) FILTER (WHERE hoop_mcp.sign(payload, secret, alg) = pg_temp.pgjwt_sign(payload, secret, alg)) AS same_as_pgjwt
FROM jwt_payloads, jwt_secrets, unnest('{HS256,HS384,HS512}'::text[]) alg
GROUP BY alg ORDER BY alg;
-- The default algorithm is HS256.
SELECT count(*) FILTER (WHERE hoop_mcp.sign(payload, secret) = pg_temp.pgjwt_sign(payload, secret, 'HS256')) AS same_as_pgjwt
FROM jwt_payloads, jwt_secrets;
-- The well-known example token.
SELECT hoop_mcp.sign('{"sub":"1234567890","name":"John Doe","iat":1516239022}', 'your-256-bit-secret');
-- verify gives back the header and the payload text as signed (whitespace,
-- escapes and duplicate keys kept), and accepts its own tokens.
SELECT id, v.header, v.payload::text = p.payload::text AS same_payload_text, v.valid
FROM jwt_payloads p, LATERAL hoop_mcp.verify(hoop_mcp.sign(p.payload, 'secret', 'HS384'), 'secret', 'HS384') v
ORDER BY id;

-- ---------------------------------------------------------------------------
-- verify: the same answer as pgjwt
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE jwt_cases (id serial, name text, token text, secret text DEFAULT 'secret', alg text DEFAULT 'HS256');
INSERT INTO jwt_cases (name, token, alg) VALUES
	('HS256 round trip', hoop_mcp.sign('{"sub":"alice"}', 'secret', 'HS256'), 'HS256'),
	('HS384 round trip', hoop_mcp.sign('{"sub":"alice"}', 'secret', 'HS384'), 'HS384'),
	('HS512 round trip', hoop_mcp.sign('{"sub":"alice"}', 'secret', 'HS512'), 'HS512');
INSERT INTO jwt_cases (name, token) VALUES
	('no time claims', hoop_mcp.sign('{"sub":"alice","iat":1}', 'secret')),
	('exp in the future', hoop_mcp.sign('{"exp":4102444800}', 'secret')),
	('exp in the past', hoop_mcp.sign('{"exp":1000000000}', 'secret')),
	('nbf in the past', hoop_mcp.sign('{"nbf":1000000000}', 'secret')),
	('nbf in the future', hoop_mcp.sign('{"nbf":4102444800}', 'secret')),
	('nbf past, exp future', hoop_mcp.sign('{"nbf":1000000000,"exp":4102444800.5}', 'secret')),
	('nbf and exp past', hoop_mcp.sign('{"nbf":900000000,"exp":1000000000}', 'secret')),
	('nbf = exp (empty range)', hoop_mcp.sign('{"nbf":1000000000,"exp":1000000000}', 'secret')),
	('exp a numeric string, future', hoop_mcp.sign('{"exp":" 4102444800 "}', 'secret')),
	('exp a numeric string, past', hoop_mcp.sign('{"exp":"1e9"}', 'secret')),
	('exp Infinity', hoop_mcp.sign('{"exp":"Infinity"}', 'secret')),
	('exp -Infinity', hoop_mcp.sign('{"exp":"-Infinity"}', 'secret')),
	('claims in an array payload', hoop_mcp.sign('[{"exp":1000000000}]', 'secret')),
	('tampered payload', split_part(hoop_mcp.sign('{"sub":"alice"}', 'secret'), '.', 1) || '.' ||
	                     pg_temp.b64url('{"sub":"admin"}') || '.' ||
	                     split_part(hoop_mcp.sign('{"sub":"alice"}', 'secret'), '.', 3)),
	('tampered signature', left(hoop_mcp.sign('{"sub":"alice"}', 'secret'), -43) ||
	                       translate(right(hoop_mcp.sign('{"sub":"alice"}', 'secret'), 43), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'BCDEFGHIJKLMNOPQRSTUVWXYZA')),
	('truncated signature', left(hoop_mcp.sign('{"sub":"alice"}', 'secret'), -1)),
	('wrong secret', hoop_mcp.sign('{"sub":"alice"}', 'not the secret')),
	('signed HS512, checked HS256', hoop_mcp.sign('{"sub":"alice"}', 'secret', 'HS512')),
	('empty signature', split_part(hoop_mcp.sign('{"sub":"alice"}', 'secret'), '.', 1) || '.' ||
	                    split_part(hoop_mcp.sign('{"sub":"alice"}', 'secret'), '.', 2) || '.'),
	('signature not base64url', split_part(hoop_mcp.sign('{"sub":"alice"}', 'secret'), '.', 1) || '.' ||
	                            split_part(hoop_mcp.sign('{"sub":"alice"}', 'secret'), '.', 2) || '.%%%'),
	('header with escapes', pg_temp.hs_token('{"alg":"HS\u0032\u0035\u0036","kid":"\"\\\ud83d\ude80\u00e9"}', '{"sub":"alice"}', 'secret', 'HS256')),
	('alg none, no signature', pg_temp.b64url('{"alg":"none","typ":"JWT"}') || '.' || pg_temp.b64url('{"sub":"admin"}') || '.');
INSERT INTO jwt_cases (name, token, secret) VALUES
	('empty secret', hoop_mcp.sign('{"sub":"alice"}', ''), '');

SELECT c.name, v.valid AS hoop_mcp, pg_temp.pgjwt_valid(c.token, c.secret, c.alg) AS pgjwt
FROM jwt_cases c, LATERAL hoop_mcp.verify(c.token, c.secret, c.alg) v
ORDER BY c.id;

-- At CURRENT_TIMESTAMP (fixed within the statement): nbf inclusive, exp
-- exclusive, to the microsecond.
SELECT c.claims, v.valid AS hoop_mcp, pg_temp.pgjwt_valid(t.token, 's', 'HS256') AS pgjwt
FROM (SELECT extract(epoch FROM CURRENT_TIMESTAMP) AS now) n,
     LATERAL (VALUES (1, 'exp = now', json_build_object('exp', n.now)),
                     (2, 'exp = now + 1us', json_build_object('exp', n.now + 0.000001)),
                     (3, 'nbf = now', json_build_object('nbf', n.now)),
                     (4, 'nbf = now + 1us', json_build_object('nbf', n.now + 0.000001)),
                     (5, 'nbf = now - 1us, exp = now + 1us', json_build_object('nbf', n.now - 0.000001, 'exp', n.now + 0.000001)))
             c(id, claims, payload),
     LATERAL (SELECT hoop_mcp.sign(c.payload, 's') AS token) t,
     LATERAL hoop_mcp.verify(t.token, 's') v
ORDER BY c.id;

-- ---------------------------------------------------------------------------
-- verify: where it is stricter than pgjwt (false where pgjwt says true or
-- NULL; see the JWT section of the install script)
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE jwt_strict (id serial, name text, token text);
INSERT INTO jwt_strict (name, token) VALUES
	('exp not a number', hoop_mcp.sign('{"exp":"never"}', 'secret')),
	('exp null', hoop_mcp.sign('{"exp":null}', 'secret')),
	('exp true', hoop_mcp.sign('{"exp":true}', 'secret')),
	('nbf an object', hoop_mcp.sign('{"nbf":{"t":1}}', 'secret')),
	('a fourth part', hoop_mcp.sign('{"sub":"alice"}', 'secret') || '.extra'),
	('header alg is not the argument', pg_temp.hs_token('{"alg":"HS512","typ":"JWT"}', '{"sub":"alice"}', 'secret', 'HS256')),
	('header without alg', pg_temp.hs_token('{"typ":"JWT"}', '{"sub":"alice"}', 'secret', 'HS256')),
	('header not an object', pg_temp.hs_token('["HS256"]', '{"sub":"alice"}', 'secret', 'HS256')),
	('header with crit', pg_temp.hs_token('{"alg":"HS256","crit":["exp"]}', '{"sub":"alice"}', 'secret', 'HS256')),
	('header with \u0000 (unreadable as text)', pg_temp.hs_token('{"alg":"HS256","kid":"\u0000"}', '{"sub":"alice"}', 'secret', 'HS256')),
	('header with a lone surrogate', pg_temp.hs_token('{"alg":"HS256","kid":"\ud800x"}', '{"sub":"alice"}', 'secret', 'HS256')),
	('padded base64 header', (SELECT input || '.' || pg_temp.hs(input, 'secret', 'HS256')
	                          FROM (SELECT translate(encode('{"alg":"HS256","ab":1}', 'base64'), '+/', '-_') || '.' ||
	                                       pg_temp.b64url('{"sub":"alice"}') AS input) s)),
	('no signature part', split_part(hoop_mcp.sign('{"sub":"alice"}', 'secret'), '.', 1) || '.' ||
	                      split_part(hoop_mcp.sign('{"sub":"alice"}', 'secret'), '.', 2));
SELECT c.name, v.valid AS hoop_mcp, pg_temp.pgjwt_valid(c.token, 'secret', 'HS256') AS pgjwt
FROM jwt_strict c, LATERAL hoop_mcp.verify(c.token, 'secret') v
ORDER BY c.id;
-- pgjwt raises an error for these (to_timestamp, tstzrange); verify says false.
SELECT c.claims, v.valid
FROM (VALUES (1, '{"exp":"NaN"}'), (2, '{"exp":1e300}'), (3, '{"nbf":-1e300}'),
             (4, '{"nbf":4102444800,"exp":1000000000}')) c(id, claims),
     LATERAL hoop_mcp.verify(hoop_mcp.sign(c.claims::json, 'secret'), 'secret') v
ORDER BY c.id;

-- ---------------------------------------------------------------------------
-- Malformed tokens, algorithms, NULLs
-- ---------------------------------------------------------------------------
-- One part: no payload, not valid (pgjwt: valid NULL).
SELECT * FROM hoop_mcp.verify('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9', 'secret');
-- Errors where pgjwt raises one: a header or payload that is not base64,
-- UTF-8 and JSON.  The context names the part.
\set SHOW_CONTEXT errors
SELECT * FROM hoop_mcp.verify('', 'secret');
SELECT * FROM hoop_mcp.verify('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.!!!!.sig', 'secret');
SELECT * FROM hoop_mcp.verify('bm90IGpzb24.e30.sig', 'secret');
SELECT * FROM hoop_mcp.verify('_w.e30.sig', 'secret');
\set SHOW_CONTEXT never
-- The algorithm is the argument's: unknown names (case matters, "none" is
-- none of them) are errors; a none token checked as HS256 is not valid.
SELECT hoop_mcp.sign('{}', 'secret', 'none');
SELECT * FROM hoop_mcp.verify(pg_temp.b64url('{"alg":"none"}') || '.e30.', 'secret', 'none');
SELECT hoop_mcp.sign('{}', 'secret', 'hs256');
SELECT * FROM hoop_mcp.verify('e30.e30.', 'secret', 'HS1024');
-- NULL arguments: sign gives NULL, verify no row (STRICT).
SELECT hoop_mcp.sign(NULL, 'secret') IS NULL AS null_payload, hoop_mcp.sign('{}', NULL) IS NULL AS null_secret;
SELECT count(*) AS rows FROM hoop_mcp.verify(NULL, 'secret');
SELECT count(*) AS rows FROM hoop_mcp.verify(hoop_mcp.sign('{}', 's'), 's', NULL);

-- ---------------------------------------------------------------------------
-- RS, PS, ES: keys and known-answer vectors
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE jwt_keys (name text PRIMARY KEY, pem text);
CREATE FUNCTION pg_temp.key(text) RETURNS text LANGUAGE sql STABLE
AS $$ SELECT pem FROM jwt_keys WHERE name = $1 $$;
INSERT INTO jwt_keys (name, pem) VALUES
('rsa', '-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC+a/FASfsLzhym
72QYLeGoLg+mGhoNQJgcwbZjETsVmzQJwfoFt8R+P+k/24sw3gQmIKRk+xMRHFMn
5TC6csW+b5x/gSJPB6gOALClVVqDN/q4SZQeKSO0RDJpY0iFk+juBO2goQM+RupA
ET3ff6O28PBpmvysOewzFehSjCVg6O3msIlEAl8GBYVrw9TZvVYEgvB37n92JMoU
5mc56/qP9Gt2+OlBsHHJ6/jp/zi3HAPjgh4GeYCEkpqbXoaLlRjXjjlTqNYddLVj
neJNCy+7OfzyLZKcoFminaWBU8rcGDNj3kcNtCocJB8qwdZZmTqIqY08c7vJpzSf
riCwbeEpAgMBAAECggEAFnq2Wjk2570x6LXDV+S4CkXrFwK8fJVZiluGj8oNnY6w
OqP+7gSJr8BqZV13ixH1OhhfD9oL9YMl1e8v13LhITVv1iWFIACZYuh18gP80WzJ
rk5mq+t+CYkwzPwpfYtpKLVwOqbcs9IPU/eKbwNUbQOjKJ8L9mZIGf0ba1NGvlp3
MqIpSRd9mR8edoMS/tp5OkfPEXshCfOw4xNbF+DC5ho1gQhUHh6xfSK6Ki6havPK
C6bI+Z7Oxmr2gIvWu4jG29I9XOUN14tIKmAqWvYtQXLBB7fiYpjZ4X6H2OHWGg5i
nJLOexzXKMu4p42EqW5W8KlfWKkg+5RbA1JrSAm0mQKBgQD61+TIeWVOLtl+TLNF
0McTsFofNbgT2wRmbVEoZt+t86L+oF4tJCzdSHvk7t/E5hf8BPZRluw0PSefA+qQ
sfsBGF4b+iulfuPGQ+avw81SrQ3AFX/YS2w27GaMF5/RQa/ksmT0RFopOYUCUQ80
xs3ALL8YtOTK+up1NH4LpkUMtwKBgQDCVhG00NpNVFBJBnCInjvan9VMv7lvsgAF
uN6cDQwTNJR0bgathObh9keT9j5Tquaz6FAhCtuS6ruUZEOFA7rLPzTttS0n6H6L
zS4jzqUpJp1G0Ti4lKSDQS0bJyj9bEl9hAz5//ifv1dkvn4lBDEBX7jG66YBLJ9H
XBiL/cBhHwKBgQDcDRDynSw1zfuWRIrwMBq0NvyYbHOzV2sgv712h+ipnRXb8ass
RpPk+3VUfAlpncBkoaXEJXXIze04HiNkE/5yE4JbYLdxU0NV5rM0dbxlTtLFMxcY
E/I2rGO5efAFjm5TXfwaHOxLRd5dDecdEVnlwFtTvT0Io92SPB5m8dGZOQKBgB9T
SF9hGw9D+/0JcLJU70j6YqOQdA+xHZfOiPOWls+xtgxef+0QczcRP9B17O4HqlBt
rhzlZydzdvEgiFG0nDOO6LU4cyLvsxZN6JYVBUJw2wFDUGVQcIRHyUGLOmw/PElj
M8RIoob9jNTMcAD/f/a8u0g1S/j8fGBAVCScrpn5AoGAIKr1aaO1946jLRydJE41
dRpRXV1jGlIGVLMrQKpNnm3fhQKdlAImELHQv45EEp9zVD0reTAGDOePtB551d4J
BmC5688j1ogOVTy60jDeW5KMGUyKPaLmGPRbCmAkB4X4PW8iX+ebNO9q0nzdvmst
kz7UqXp8dMt9ufjn6Va8Znk=
-----END PRIVATE KEY-----'),
('rsa.pub', '-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvmvxQEn7C84cpu9kGC3h
qC4PphoaDUCYHMG2YxE7FZs0CcH6BbfEfj/pP9uLMN4EJiCkZPsTERxTJ+UwunLF
vm+cf4EiTweoDgCwpVVagzf6uEmUHikjtEQyaWNIhZPo7gTtoKEDPkbqQBE933+j
tvDwaZr8rDnsMxXoUowlYOjt5rCJRAJfBgWFa8PU2b1WBILwd+5/diTKFOZnOev6
j/RrdvjpQbBxyev46f84txwD44IeBnmAhJKam16Gi5UY1445U6jWHXS1Y53iTQsv
uzn88i2SnKBZop2lgVPK3BgzY95HDbQqHCQfKsHWWZk6iKmNPHO7yac0n64gsG3h
KQIDAQAB
-----END PUBLIC KEY-----'),
('rsa.pkcs1', '-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAvmvxQEn7C84cpu9kGC3hqC4PphoaDUCYHMG2YxE7FZs0CcH6BbfE
fj/pP9uLMN4EJiCkZPsTERxTJ+UwunLFvm+cf4EiTweoDgCwpVVagzf6uEmUHikj
tEQyaWNIhZPo7gTtoKEDPkbqQBE933+jtvDwaZr8rDnsMxXoUowlYOjt5rCJRAJf
BgWFa8PU2b1WBILwd+5/diTKFOZnOev6j/RrdvjpQbBxyev46f84txwD44IeBnmA
hJKam16Gi5UY1445U6jWHXS1Y53iTQsvuzn88i2SnKBZop2lgVPK3BgzY95HDbQq
HCQfKsHWWZk6iKmNPHO7yac0n64gsG3hKQIDAQAB
-----END RSA PUBLIC KEY-----'),
('rsa2.pub', '-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA7WRLd94XfAGbuVX0OnGK
elxfoEf9EP6izcu1EPeo4sFQXj9o/d0ZnDtWbNluHxTJCiPpNC8r2LW+yreS1SkX
FrzrFXLzwhm0ovywVlQ/VC9bBf/Y1Efd7Z2P5j83lC6Omh3V7siHAVusA0blTypp
/AEkiV3TM0kh4V8NMVlyD13lUGcqOX9bCpRZ8ZzkiU9pp+B/oMVtSiG4wmPB3fcg
EFYS0tLOTgUjV6/oxzoozdNGM2DKjA3ZUilXQLLjLhnE5k8uv5Jmee9TWcExWoOn
oWcJ8n07w3RP6AioCbpzb/lend4aUigpxOuKBQ02apVO+UYK21q+UWMkNRcgM+8p
NQIDAQAB
-----END PUBLIC KEY-----'),
('rsa1024', '-----BEGIN PRIVATE KEY-----
MIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBAOIRMUoOwDE4qmmB
fruF3bcC2O1jOyrDnvC9nWpmHyxjcjlgBrB4ggZfoHBxYTIZFr/ipo9/stDEO3MO
rYzdOmdHZprIa+71Yy7I+iM2aMwpq/iYg6KXThnwO1mMu+GBZxgPpY517BVrgalm
QE87FpQgPEMrDye22TxqzsGtI9pnAgMBAAECgYB571YLoPsvUWYxdER8Nw9IyENj
f5OJVGxlY5EFs8F6usUAh3f0NXvEnk22eKE5WWj45PJ8Eh/MFRwPykn34de+m6wy
6CnOEubCydmQMrX8czsWaUGXGwgvL57P8Y6549oEA3xxhW1TK9ei3QBYcaoyEQ37
QdIOGypJagu6ZU7CsQJBAPQVjE/+0MIQINVurcQeQuAFY3vSyG6Mv4AeJxgm2rxZ
LUqoIH5wtfA48n+nw7sJBFIkNzzEPlEVesBF9FS5BskCQQDtGnnf/W3URf/RUPFG
0qoSLCwdMMYFkF+hxeAWsOmUe4MnThWfIxLD3ZAZscXoTiJNmPXhUd8y90eXZH6S
tv+vAkB9VwtkkN+2p/2UXG+TBE8nJt09WrJeQpycN9+vgVRV4B1n9wooo8xp/XRZ
pVbXlvvHCp3q8INns/YDAmlDkHgxAkAtYAm+4gMowpSofDMQeLRvceCnXXQoEG8c
yH+QGB87eT+qP/lHUTEAJuCy6iCTypAqBYHYsxBh8ozS3jqS3U6lAkB/C0pEl7zd
2xgDA/b1GzDtBjrOeyYRbhWorL57DRvlv4TtmSQNCnqg6MaIXFAZmNNNyEOPwd/i
DKIXDFpSNdT5
-----END PRIVATE KEY-----'),
('p256', '-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgj5gsHbGd8KrM3GQc
IWaScdPfoo+ZaHYLFhWnW0d1IGyhRANCAAR6eMA4bJS+tJg7WR3E4dFjMgSF/eKx
C1JbJK159qCudayNFIussnuLYbhfIoIaAW6jOCLRWo+D/SZgKke1M2J9
-----END PRIVATE KEY-----'),
('p256.pub', '-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEenjAOGyUvrSYO1kdxOHRYzIEhf3i
sQtSWyStefagrnWsjRSLrLJ7i2G4XyKCGgFuozgi0VqPg/0mYCpHtTNifQ==
-----END PUBLIC KEY-----'),
('p256.crt', '-----BEGIN CERTIFICATE-----
MIIBhzCCAS2gAwIBAgIUJ518miaeuc0Zrt0oFoandc3MWdgwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNaG9vcC1qd3QtdGVzdDAgFw0yNjExMjgwMjU2MTdaGA8yMTI2
MTEwNDAyNTYxN1owGDEWMBQGA1UEAwwNaG9vcC1qd3QtdGVzdDBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABHp4wDhslL60mDtZHcTh0WMyBIX94rELUlskrXn2oK51
rI0Ui6yye4thuF8ighoBbqM4ItFaj4P9JmAqR7UzYn2jUzBRMB0GA1UdDgQWBBQm
fIWXY1rVh2MOImM5Jk4qG5YWHzAfBgNVHSMEGDAWgBQmfIWXY1rVh2MOImM5Jk4q
G5YWHzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQCmoxmEsoMU
94XDN5aemyrQ9slyhI+k1m+QjWVbHnhCHAIgGK3ZlAY7dCoroDlCpZHv/1On/ymI
hU9QbnogpqSVPQA=
-----END CERTIFICATE-----'),
('p256b', '-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIJOyYeTiIecVz0pMqkmkWyLLv3zWPSMjmPs5Tj20HEnroAoGCCqGSM49
AwEHoUQDQgAEPVDt0np6OpEu+5pzHA+CYETsg+Ic/wo5YigZx4Ucoy0wyJNpriiD
kvLk2WAKV2B1CVERznsqFnQD61ok9n3TNQ==
-----END EC PRIVATE KEY-----'),
('p256b.pub', '-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEPVDt0np6OpEu+5pzHA+CYETsg+Ic
/wo5YigZx4Ucoy0wyJNpriiDkvLk2WAKV2B1CVERznsqFnQD61ok9n3TNQ==
-----END PUBLIC KEY-----'),
('p384', '-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDBMIlymbrfd1jFzmjRd
zU3ggINuyAzGFghon7miUTuzImE1llzr7fV8n5oY2JxvEYqhZANiAAQR91F1SjHR
1/TkJxquPUox046IHv5u7f7wwQYq702XFSCyBt89Y2F5jH5UYtVKy3MYmCQTXgzH
FNENmbSHhoiQJWidokwCOYG8h40kYESjdEDXBv6hnKov7Vloa0ZYrHM=
-----END PRIVATE KEY-----'),
('p384.pub', '-----BEGIN PUBLIC KEY-----
MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEEfdRdUox0df05Ccarj1KMdOOiB7+bu3+
8MEGKu9NlxUgsgbfPWNheYx+VGLVSstzGJgkE14MxxTRDZm0h4aIkCVonaJMAjmB
vIeNJGBEo3RA1wb+oZyqL+1ZaGtGWKxz
-----END PUBLIC KEY-----'),
('p384b.pub', '-----BEGIN PUBLIC KEY-----
MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE6NYsT9x3dJlrFiPcIAYybkuIn4NjWaJR
ZSm1dqJqIAScTUPsa6JueIbcYDHFxTGtzhYDrkFM2sYa5ramaj2PJzPmHolEMWd+
4yQz5dytep66Q2smy8J2h8QE5Su2h6DO
-----END PUBLIC KEY-----'),
('p521', '-----BEGIN PRIVATE KEY-----
MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIAWcQfH+pUuC8dFwDm
GsEVg2Xyn+CB71B+28/ESi8tTfrbUcYThmgltLVdgZEZl4ldwddFayueTrKtej5I
/Iu/o0mhgYkDgYYABACfpWPL9K1kOL33Z0ODMm7yWRk6G4D35s/iL/ZlD53yJbMc
hh5WDrFX7OnrCaCPK/CA9DBaAuGyC8X3r5pyGbGukgBNet/61k//2tCmmeKVAAPa
6Lfu2kcF71JK87OmroD09KXeHRSCfbxayTWCOdVDZ1QyfHN+BRr1OuuqMzzi1Jxj
rw==
-----END PRIVATE KEY-----'),
('p521.pub', '-----BEGIN PUBLIC KEY-----
MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQAn6Vjy/StZDi992dDgzJu8lkZOhuA
9+bP4i/2ZQ+d8iWzHIYeVg6xV+zp6wmgjyvwgPQwWgLhsgvF96+achmxrpIATXrf
+tZP/9rQppnilQAD2ui37tpHBe9SSvOzpq6A9PSl3h0Ugn28Wsk1gjnVQ2dUMnxz
fgUa9TrrqjM84tScY68=
-----END PUBLIC KEY-----'),
('p521b.pub', '-----BEGIN PUBLIC KEY-----
MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQAtyRkV4TUGc1KpvLtkRK8rEaLolzU
+1iLzN9E6MFwpqY1iZBuFJ4BiOS3bauVW6BWQY+EP8t9Y0T7XPv/lYUERIABSVPy
1fJdxHCAZMhWFUe5thMFetz4XBmynTJA6t/Lzq2dQwua6bA/08rxgF8JkOM93IaV
ruBHgcDi6HKMgcIfZHE=
-----END PUBLIC KEY-----'),
('k256', '-----BEGIN PRIVATE KEY-----
MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQg24cwLozgnARx2zuppwSZ
Q3pIhtcWHK0QSeVqI5afcU+hRANCAARrl6wqHQ7T5cBqbC4+oxopS2mGokC1FEYR
RJkWxskZfiL66qAVxPosmMlqtcLM4UQgVysAEJX8wZzy50MVgeYC
-----END PRIVATE KEY-----');

CREATE TEMP TABLE jwt_vectors (id serial, name text, alg text, key text, token text);
INSERT INTO jwt_vectors (name, alg, key, token) VALUES
('HS256', 'HS256', 'kat-secret',
 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.9XmmTL8KwTYoiZ0qJ-3Zc89Xd88K9UqlYWl11fhON6Q'),
('HS384', 'HS384', 'kat-secret',
 'eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.OluVimfGerCOuAzzz_LqYJZSZvF_ilT8iEdsF0KbDU4dMC5o_hO_scdk9YWnowrb'),
('HS512', 'HS512', 'kat-secret',
 'eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.RA53npStFN9sItsvhuDlbiLFQsNhNUKNNrJ7ehJepRPtH_uyqqlRPEEXTSMcH4etQDkOPclCWWZn4j4QagMNzg'),
('RS256', 'RS256', 'rsa.pub',
 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.NdHna0YpYE8TgMhAV-mEwLYSYmdbuRSDCzsqWvqbXorPznKEoCwXOqwa3Fs2jHAlUmlei5gP8UnmHClhF3FXelmTt3TD38BrbYPc-iou-J2ufYq3YJJrgy369Y3WWgxcf7vW0o3hcHlbv0f6MKsvsqzBqird3ky_0n_bkR9xZPoqzKMNC6mdwExBihgKN-dcLt6ZWjr2B28-hxKlFMItEQth-jo8oJu-76iIrhOpxWuvnZ9drOI7Av9bDsiP_IvZaP0yuel56oJ9pIzqeubh-7hHEJOe0-y3cX2_IF3ncsXPTzwf7g8kgWMQLQvXRGd1uR8DrlyVGWJj5Zx2C1lFog'),
('RS384', 'RS384', 'rsa.pub',
 'eyJhbGciOiJSUzM4NCIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.JvJYmlVmAP2LVQPVPThzq0PLN_PCEr011O3tf0Mv1nmhNR10IbxSuZ1wl-lbVWxPpDDvNIFPkLrappa0ZODtiXqpjIb7mzJH3V8wzGdVKt6W9wYcbea4MPgkbIu3nFxnwhumXnoo3_yv0agUJVq-yWy_PAvVw8tBM9VoSwMQK2jbhUGufDztNPapagGhjDyliv9L7Mq9Vcdvbygh1zylGqPWA0cn96EkMbXjdM8Zf8pUNHuNZyI37hgN5mO5CQTaHi_fo-lD_PKabRaKY6TNuo6el_GrujCBYAp6qgpKmWhmDv83RzLMZ4P6lpZ5C7LayHpqJRNXrg1NNLmL2m5SSw'),
('RS512', 'RS512', 'rsa.pub',
 'eyJhbGciOiJSUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.VtAICDGplUtbr5a_Iyvs2qSRR9Sw7Xg5FecsYrOd3d34qMR6eJXEnyBq_bxIRonp-DtkcMcCd6tM8y7eFq1-64aDlsVjibuH_88vc7VHe3tVMcw4N1_yccLpr3gpWt67eOX3q5dGuFouBOIUqYko2dBYLVhD7vhzEuWuoapSdhVgB0ddp3363PSKvwQ3tR25SpZjPg-PBmDDwcqpQCpKMbBvE5seTnVJTIPDh_jYbNkxXHT0TjuCMBYztD9xGNJZL-NkPLMeJxJuXxNBe1ejzXQ0nbgtKgtDqW94JcPJqVa8-EIE0QWyE0mKCt75PYhaPNhFNF3bf0W0S7_M1ZsLDA'),
('PS256', 'PS256', 'rsa.pub',
 'eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.cM_ZOZeK4DYCLe9-n-UfSfTvgLi33mcAp8JyPzg8rGXKJzCkSdaiM_oMYXEuVUsrysnsYKuiTjjnn58NWp_ClJ50x3BdMo5q9iXqnZt1irp5nWxXH0fo7_Hgg1F_CeczndneGScuXEaxa-N5g1tN4jv80mRX8Y8xo2BuCJjETGeuo6BX6LRofgjMmGg1Z_e0Cayq3JXngEqtYrQlSFM8VXIF9GSSKH64xK3yOOxRhXUjH9EE-zLWaJGY31YJ8_fMMv7d0DbZGkbRK85Uu5xB1YjcG2dQn67k5V6ui5udT6jRBniO80VDWExAGKsQUskWzYwi4v2o7fDdxGJhOD-qUg'),
('PS384', 'PS384', 'rsa.pub',
 'eyJhbGciOiJQUzM4NCIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.MdmBl1hcQUB5NbNnOoUMdPx2lQOko3Y43mhFiIwGAmcsHg5ESPZzwAXaBaXnRJzCmqqaL8l58OfJ9qX2DgrfwfcNQe020V4ySL6-_KMOwDrNPHCYgvOnUPHcdYOlCaeeS56RO31TcEA5qv9CB7_8GT2py4jDbmzECbslcIv_gale2TwWhzAmEt5N4ofwYOcInTR26eIMGb8fhqZNFCTAJ_bnCiSUAJGUIP-iCPI6v27VXVjidEMSkPCVnMYKx8s67TRQM2C7v8Dq5ARFEvaHDZjQ9Xdxiu84vf82scTrw_oAvOWMFsItOROHUl9_6NDdEQtKsdbd7nZwgGR6w_L3WQ'),
('PS512', 'PS512', 'rsa.pub',
 'eyJhbGciOiJQUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.NheLCLMYWyuLnhJ934L8NQSNTTp_ZM5DavSvM08aU_YIBVfLcWUOREMc7YDG8B5Mzy_vgCSabeyjAgvQUxUY0bKPTneYJfANYiofT0vTCp2yv7BAna8LpRRSE6b3ieiaao85BxkVDwNFAiYn11K7x-Q5ycjPpLvLB9kwyOy0jMeVAeYQ92NYGig831fAQl-0K_cdGjLY1NsnvvOtx0st_9g0HtRv-wlrYbl6b-PlgoYEjmV4gmOW6-Y6xiMHJcXo1qqYBgL1cM4zef7LgcaeB5RSh23_o_vBKGOMjnBPy_58pWAEnLJmQyrYgelaM9OnxZyMMeq8lJOfixwByy0SBg'),
('ES256', 'ES256', 'p256.pub',
 'eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0._JRzZpD28Z6LxTfMvZLbBWOg3XS_sZdtpI2PWOP_TD4cqGaai7mKaJo3tF4pUbXjUioIQVM9rRHjxGxRK6Q2Cg'),
('ES384', 'ES384', 'p384.pub',
 'eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.XKBs0fPX_BeI_7ESiXM9WJRQ-ubyVvgfolw09HfTR9A6aeluKIxGShOCPm95ErKXTEi0F7vF6dt-KnhH0KZIOVMf5CkGug0a4g6zVp_vXVw41VPLYvAqUZ6EpycyCS9w'),
('ES512', 'ES512', 'p521.pub',
 'eyJhbGciOiJFUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.AWFa2tFCzIwCziztk_hOfZU08aY1O_mCqIVZOLY1x8cdBXGFLZIbNBPN6sJOA3KFciR-F7k4oiHtjvO98WdUF9UYAcpN9ib2eJsHNh_jheJpsnWPzy3ntWATcSsxQtU73XjzQWBVo_WGUJwYSbItZM4mdzb4VKqW9uEix0-5ImmCIAww'),
('PS256-saltmax', 'PS256', 'rsa.pub',
 'eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.D6krRBQryChxBzyT9muc0rrUS2dnk8FxUgj1RAbyetWOFptsUGZMGAKIyfIa2TjrDMZMjGLdLjOiB94c6GCrpsKlOmG42p4teg_IALGTDC8DI-wiHmEw7lE56juOMdClJab1ptqlVG2IZkr32810XzsslBCPPMzkZDdMdl4_Pajnzy_CxEHMkkek63jQm1S9UfGEeLirEkVrwH_bg8WdJ_L2iP5OvK8jXWZMeC9K9qZl1TuZGDdPUeFCJYS9Y9dNVOVuMEw7JvbVTCoDHGsDigz3N7yKy7klF6T4I78iEnWpPB_yTowPfwe3FBzQJnO3jYY4oqEFh5I87nsVa2BrcQ'),
('ES256-der', 'ES256', 'p256.pub',
 'eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.MEUCIQD8lHNmkPbxnovFN8y9ktsFY6DddL-xl22kjY9Y4_9MPgIgHKhmmou5imiaN7ReKVG141IqCEFTPa0R48RsUSukNgo'),
('ES384-der', 'ES384', 'p384.pub',
 'eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.MGQCMFygbNHz1_wXiP-xEolzPViUUPrm8lb4H6JcNPR300fQOmnpbiiMRkoTgj5veRKylwIwTEi0F7vF6dt-KnhH0KZIOVMf5CkGug0a4g6zVp_vXVw41VPLYvAqUZ6EpycyCS9w'),
('ES512-der', 'ES512', 'p521.pub',
 'eyJhbGciOiJFUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTUxNjIzOTAyMn0.MIGIAkIBYVra0ULMjALOLO2T-E59lTTxpjU7-YKohVk4tjXHxx0FcYUtkhs0E83qwk4DcoVyJH4XuTiiIe2O873xZ1QX1RgCQgHKTfYm9nibBzYf44XiabJ1j88t57VgE3ErMULVO91480FgVaP1hlCcGEmyLWTOJnc2-FSqlvbhIsdPuSJpgiAMMA');

-- Every vector (payload {"sub":"alice","iat":1516239022}), verified with
-- the public key.  The -der ones carry ECDSA's DER signature instead of
-- JOSE's r || s; PS256-saltmax was signed with the longest salt, not one as
-- long as the hash.
SELECT x.name, v.valid
FROM jwt_vectors x, LATERAL hoop_mcp.verify(x.token, coalesce(pg_temp.key(x.key), x.key), x.alg) v
ORDER BY x.id;
-- HS and RS are deterministic: sign gives the vector itself.
SELECT x.name, hoop_mcp.sign('{"sub":"alice","iat":1516239022}',
                             CASE WHEN x.alg LIKE 'RS%' THEN pg_temp.key('rsa') ELSE x.key END, x.alg) = x.token AS same_token
FROM jwt_vectors x WHERE x.alg ~ '^(HS|RS)' ORDER BY x.id;
-- Also with a PKCS#1 public key, and an ES256 vector with a certificate.
SELECT x.name, v.valid
FROM jwt_vectors x, LATERAL hoop_mcp.verify(x.token, pg_temp.key(CASE x.alg WHEN 'RS256' THEN 'rsa.pkcs1' ELSE 'p256.crt' END), x.alg) v
WHERE x.name IN ('RS256', 'ES256') ORDER BY x.id;

-- Round trips: the right public key accepts, another key of the same kind
-- rejects, a changed payload or signature is rejected, PS and ES
-- signatures are randomized, ES signatures have JOSE's fixed size.
CREATE TEMP TABLE jwt_pairs (alg text, private text, public text, other text);
INSERT INTO jwt_pairs VALUES
	('RS256', 'rsa', 'rsa.pub', 'rsa2.pub'), ('RS384', 'rsa', 'rsa.pub', 'rsa2.pub'), ('RS512', 'rsa', 'rsa.pub', 'rsa2.pub'),
	('PS256', 'rsa', 'rsa.pub', 'rsa2.pub'), ('PS384', 'rsa', 'rsa.pub', 'rsa2.pub'), ('PS512', 'rsa', 'rsa.pub', 'rsa2.pub'),
	('ES256', 'p256', 'p256.pub', 'p256b.pub'), ('ES256', 'p256b', 'p256b.pub', 'p256.pub'),
	('ES384', 'p384', 'p384.pub', 'p384b.pub'), ('ES512', 'p521', 'p521.pub', 'p521b.pub');
SELECT p.alg, p.private,
       length(split_part(t.token, '.', 3)) AS signature_chars,
       (SELECT valid FROM hoop_mcp.verify(t.token, pg_temp.key(p.public), p.alg)) AS right_key,
       (SELECT valid FROM hoop_mcp.verify(t.token, pg_temp.key(p.other), p.alg)) AS other_key,
       (SELECT valid FROM hoop_mcp.verify(split_part(t.token, '.', 1) || '.' || pg_temp.b64url('{"sub":"admin"}') || '.' ||
                                          split_part(t.token, '.', 3), pg_temp.key(p.public), p.alg)) AS changed_payload,
       (SELECT valid FROM hoop_mcp.verify(left(t.token, -10) || translate(right(t.token, 10), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
                                          'BCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_A'),
                                          pg_temp.key(p.public), p.alg)) AS changed_signature,
       t.token <> hoop_mcp.sign('{"sub":"alice"}', pg_temp.key(p.private), p.alg) AS randomized
FROM jwt_pairs p, LATERAL (SELECT hoop_mcp.sign('{"sub":"alice"}', pg_temp.key(p.private), p.alg) AS token) t
ORDER BY p.alg, p.private;

-- Algorithm confusion: an HS256 token whose secret is the RSA public key.
-- Checked as RS256 (the algorithm comes from the argument) it is not valid;
-- checked as HS256 the PEM is just the secret's bytes, as in pgjwt.
SELECT (SELECT valid FROM hoop_mcp.verify(hoop_mcp.sign('{"sub":"admin"}', pg_temp.key('rsa.pub'), 'HS256'), pg_temp.key('rsa.pub'), 'RS256')) AS as_rs256,
       (SELECT valid FROM hoop_mcp.verify(hoop_mcp.sign('{"sub":"admin"}', pg_temp.key('rsa.pub'), 'HS256'), pg_temp.key('rsa.pub'), 'HS256')) AS as_hs256,
       hoop_mcp.sign('{"sub":"admin"}', pg_temp.key('rsa.pub'), 'HS256') = pg_temp.pgjwt_sign('{"sub":"admin"}', pg_temp.key('rsa.pub'), 'HS256') AS same_as_pgjwt;
-- Time claims hold for every algorithm.
SELECT (SELECT valid FROM hoop_mcp.verify(hoop_mcp.sign('{"exp":1000000000}', pg_temp.key('p256'), 'ES256'), pg_temp.key('p256.pub'), 'ES256')) AS expired_es256,
       (SELECT valid FROM hoop_mcp.verify(hoop_mcp.sign('{"nbf":4102444800}', pg_temp.key('rsa'), 'PS256'), pg_temp.key('rsa.pub'), 'PS256')) AS early_ps256;

-- Keys that do not fit are errors, even with a bad token.
SELECT hoop_mcp.sign('{}', pg_temp.key('p256'), 'RS256');
SELECT hoop_mcp.sign('{}', pg_temp.key('rsa'), 'ES256');
SELECT * FROM hoop_mcp.verify('e30.e30.', pg_temp.key('rsa.pub'), 'ES512');
SELECT hoop_mcp.sign('{}', pg_temp.key('p256'), 'ES384');
SELECT hoop_mcp.sign('{}', pg_temp.key('k256'), 'ES256');
SELECT hoop_mcp.sign('{}', pg_temp.key('rsa1024'), 'RS256');
SELECT hoop_mcp.sign('{}', pg_temp.key('rsa.pub'), 'RS256');
SELECT * FROM hoop_mcp.verify('e30.e30.', pg_temp.key('rsa'), 'RS256');
SELECT hoop_mcp.sign('{}', 'not a key', 'PS256');
SELECT hoop_mcp.sign('{}', E'-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n', 'RS256');
\set VERBOSITY terse
SELECT hoop_mcp.sign('{}', E'-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', 'RS256');
\set VERBOSITY default

-- ---------------------------------------------------------------------------
-- Declarations and privileges
-- ---------------------------------------------------------------------------
SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict, p.proretset
FROM pg_proc p WHERE p.pronamespace = 'hoop_mcp'::regnamespace AND p.proname IN ('sign', 'verify')
ORDER BY 1;
CREATE ROLE regress_jwt;
SET ROLE regress_jwt;
SELECT valid FROM hoop_mcp.verify(hoop_mcp.sign('{"sub":"anyone"}', 'secret'), 'secret');
RESET ROLE;
DROP ROLE regress_jwt;

DROP EXTENSION pgcrypto;

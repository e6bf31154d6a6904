-- ===========================================================================
-- JWT (pgjwt-compatible)
-- ===========================================================================

-- sign and verify (src/auth/jwt.c) take pgjwt's arguments and give its results:
-- for HS256/384/512, sign returns byte for byte the token pgjwt's sign
-- returns (header text {"alg":"<algorithm>","typ":"JWT"}, the payload's
-- json text as given, base64url without padding), and verify errors where
-- pgjwt's verify errors (unknown algorithm; a header or payload that is not
-- base64, UTF-8 and JSON) and rejects what it rejects: valid is the
-- signature AND nbf <= CURRENT_TIMESTAMP < exp, a missing claim leaving its
-- side open, so a token without exp never expires.  The algorithm is the
-- argument's, never the token's.  RS*, PS* and ES* take a PEM private key
-- to sign and a PEM public key or certificate to verify.
--
-- Where verify is stricter than pgjwt (valid = false where pgjwt says true,
-- NULL or raises an error):
--   * the signature is compared in constant time (CRYPTO_memcmp);
--   * the token must have exactly three parts (pgjwt ignores a fourth, and
--     says NULL rather than false when the signature is missing), and the
--     header and payload parts must be base64url (pgjwt also decodes "+/=",
--     padding and whitespace);
--   * the header must be a JSON object whose "alg" is the algorithm
--     argument, with no "crit" and no \u0000 or lone surrogate escape
--     (pgjwt ignores the header);
--   * exp and nbf, when present, must be numbers or strings holding one;
--     pgjwt ignores a non-numeric or null claim (an exp of "never" makes a
--     token that never expires) and raises an error for NaN, out-of-range
--     values, or nbf after exp;
--   * RSA keys need at least 2048 bits, ES keys the algorithm's curve, PS
--     signatures a salt as long as the hash; verify refuses a private key.
-- NULL arguments give no row (pgjwt: a row of NULLs); "none" is no
-- algorithm.  verify is STABLE, not IMMUTABLE as in pgjwt: it reads the
-- transaction's timestamp, which is fixed for the transaction.  sign is
-- VOLATILE: PS and ES signatures are randomized.  Granted to PUBLIC under
-- Privileges (the REVOKE there would undo a grant made here).
CREATE FUNCTION hoop_mcp.sign(payload json, secret text, algorithm text DEFAULT 'HS256')
	RETURNS text
	AS 'MODULE_PATHNAME', 'hoop_mcp_jwt_sign' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION hoop_mcp.verify(token text, secret text, algorithm text DEFAULT 'HS256')
	RETURNS TABLE(header json, payload json, valid boolean)
	AS 'MODULE_PATHNAME', 'hoop_mcp_jwt_verify' LANGUAGE C STABLE STRICT ROWS 1;

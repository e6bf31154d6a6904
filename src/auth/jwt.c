/*
 * jwt.c
 *		JSON Web Tokens (JWS compact form) signed and verified with OpenSSL:
 *		hoop_mcp.sign and hoop_mcp.verify, compatible with pgjwt.
 *
 * pgjwt (michelp/pgjwt 0.2.0) is the reference for HS256/384/512: sign
 * produces byte for byte the token pgjwt produces, and verify accepts what
 * pgjwt accepts, errors where pgjwt errors (undecodable header or payload,
 * unknown algorithm), and rejects what pgjwt rejects.  It is stricter in a
 * few documented ways (see "JWT functions" in README.md and the JWT section
 * of the install script), and compares signatures in constant time.
 *
 * RS*, PS* and ES* extend the same interface: the secret is a PEM private
 * key for sign and a PEM public key or certificate for verify.  ES
 * signatures are JOSE's fixed-size r || s, not DER; PS uses MGF1 with the
 * signature's hash and a salt as long as that hash (RFC 7518).
 *
 * Every OpenSSL object lives in a JwtSsl that a PG_FINALLY frees, so an
 * ERROR anywhere (ours, OpenSSL's, out of memory) leaks nothing.
 */
#include "lib/common.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "auth/jwt.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "hoop_mcp's JWT functions need OpenSSL 3.0 or later"
#endif

PG_FUNCTION_INFO_V1(hoop_mcp_jwt_sign);
PG_FUNCTION_INFO_V1(hoop_mcp_jwt_verify);

#define JWT_ALGORITHMS "HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512"

/* RFC 7518 3.3: RSA keys of 2048 bits or more. */

typedef enum JwtFamily
{
	JWT_HMAC,					/* HS*: HMAC, the secret is bytes */
	JWT_RSA,					/* RS*: RSASSA-PKCS1-v1_5 */
	JWT_PSS,					/* PS*: RSASSA-PSS */
	JWT_ECDSA					/* ES*: ECDSA, JOSE r || s */
} JwtFamily;

typedef struct JwtAlg
{
	const char *name;
	JwtFamily	family;
	int			hash_bits;		/* SHA-256, SHA-384 or SHA-512 */
	int			curve_nid;		/* ES: the only curve allowed */
	const char *curve_name;		/* ES: that curve's name in errors */
	int			coord_len;		/* ES: bytes of r and of s */
} JwtAlg;

static const JwtAlg jwt_algs[] = {
	{"HS256", JWT_HMAC, 256, NID_undef, NULL, 0},
	{"HS384", JWT_HMAC, 384, NID_undef, NULL, 0},
	{"HS512", JWT_HMAC, 512, NID_undef, NULL, 0},
	{"RS256", JWT_RSA, 256, NID_undef, NULL, 0},
	{"RS384", JWT_RSA, 384, NID_undef, NULL, 0},
	{"RS512", JWT_RSA, 512, NID_undef, NULL, 0},
	{"PS256", JWT_PSS, 256, NID_undef, NULL, 0},
	{"PS384", JWT_PSS, 384, NID_undef, NULL, 0},
	{"PS512", JWT_PSS, 512, NID_undef, NULL, 0},
	{"ES256", JWT_ECDSA, 256, NID_X9_62_prime256v1, "P-256", 32},
	{"ES384", JWT_ECDSA, 384, NID_secp384r1, "P-384", 48},
	{"ES512", JWT_ECDSA, 512, NID_secp521r1, "P-521", 66},
};

/* The OpenSSL objects of one sign or verify; jwt_ssl_free releases them. */
typedef struct JwtSsl
{
	BIO		   *bio;
	OSSL_DECODER_CTX *decoder;
	X509	   *cert;
	EVP_PKEY   *pkey;
	EVP_MD_CTX *md_ctx;
	ECDSA_SIG  *ecdsa_sig;
	BIGNUM	   *r;
	BIGNUM	   *s;
	unsigned char *der;			/* from i2d_ECDSA_SIG: OPENSSL_free */
} JwtSsl;

/* A token split at its dots. */
typedef struct JwtParts
{
	int			count;			/* number of dot-separated parts */
	const char *part[3];		/* the first three; NULL when absent */
	int			len[3];
	int			signed_len;		/* length of part[0] "." part[1] */
} JwtParts;

static const JwtAlg *
jwt_lookup_alg(text *algorithm)
{
	char	   *name = text_to_cstring(algorithm);

	for (int i = 0; i < lengthof(jwt_algs); i++)
		if (strcmp(name, jwt_algs[i].name) == 0)
			return &jwt_algs[i];
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unsupported JWT algorithm \"%s\"", name),
			 errhint("Supported algorithms: " JWT_ALGORITHMS ".")));
	return NULL;				/* keep compiler quiet */
}

static const EVP_MD *
jwt_md(const JwtAlg *alg)
{
	switch (alg->hash_bits)
	{
		case 256:
			return EVP_sha256();
		case 384:
			return EVP_sha384();
		default:
			return EVP_sha512();
	}
}

/* ------------------------------------------------------------------------
 * base64url (RFC 4648 section 5) without padding
 * ------------------------------------------------------------------------
 */
static const char b64url_chars[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void
b64url_append(StringInfo buf, const unsigned char *data, size_t len)
{
	size_t		i;

	for (i = 0; i + 2 < len; i += 3)
	{
		uint32		v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];

		appendStringInfoChar(buf, b64url_chars[(v >> 18) & 63]);
		appendStringInfoChar(buf, b64url_chars[(v >> 12) & 63]);
		appendStringInfoChar(buf, b64url_chars[(v >> 6) & 63]);
		appendStringInfoChar(buf, b64url_chars[v & 63]);
	}
	if (len - i == 1)
	{
		uint32		v = data[i] << 16;

		appendStringInfoChar(buf, b64url_chars[(v >> 18) & 63]);
		appendStringInfoChar(buf, b64url_chars[(v >> 12) & 63]);
	}
	else if (len - i == 2)
	{
		uint32		v = (data[i] << 16) | (data[i + 1] << 8);

		appendStringInfoChar(buf, b64url_chars[(v >> 18) & 63]);
		appendStringInfoChar(buf, b64url_chars[(v >> 12) & 63]);
		appendStringInfoChar(buf, b64url_chars[(v >> 6) & 63]);
	}
}

static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* True if s is made of base64url characters only (no padding). */
static bool
b64url_alphabet(const char *s, int len)
{
	for (int i = 0; i < len; i++)
		if (b64url_value((unsigned char) s[i]) < 0)
			return false;
	return true;
}

/*
 * Decodes canonical unpadded base64url into a palloc'd buffer: only the
 * alphabet, no impossible length, unused trailing bits zero.  So one
 * signature has exactly one encoding, as with pgjwt's text comparison.
 */
static bool
b64url_decode(const char *s, int len, unsigned char **out, int *outlen)
{
	unsigned char *buf;
	uint32		acc = 0;
	int			bits = 0;
	int			n = 0;

	if (len % 4 == 1)
		return false;
	buf = palloc(len * 3 / 4 + 1);
	for (int i = 0; i < len; i++)
	{
		int			v = b64url_value((unsigned char) s[i]);

		if (v < 0)
		{
			pfree(buf);
			return false;
		}
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			buf[n++] = (acc >> bits) & 0xff;
		}
	}
	if (bits > 0 && (acc & ((1 << bits) - 1)) != 0)
	{
		pfree(buf);
		return false;
	}
	*out = buf;
	*outlen = n;
	return true;
}

/* ------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------
 */
static void
jwt_ssl_free(JwtSsl *ssl)
{
	OPENSSL_free(ssl->der);
	BN_free(ssl->r);
	BN_free(ssl->s);
	ECDSA_SIG_free(ssl->ecdsa_sig);
	EVP_MD_CTX_free(ssl->md_ctx);
	EVP_PKEY_free(ssl->pkey);
	X509_free(ssl->cert);
	OSSL_DECODER_CTX_free(ssl->decoder);
	BIO_free(ssl->bio);
	memset(ssl, 0, sizeof(*ssl));
	ERR_clear_error();
}

/*
 * OpenSSL's reason for the last failure, for errdetail; never key material.
 * The string is static, so it outlives ERR_clear_error().
 */
static const char *
jwt_ssl_reason(void)
{
	unsigned long code = ERR_peek_last_error();
	const char *reason = code ? ERR_reason_error_string(code) : NULL;

	return reason ? reason : "no further detail";
}

/* Never prompt for a passphrase (a backend has no terminal). */
static int
jwt_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

/*
 * The label of the first PEM block that is not "EC PARAMETERS" (openssl
 * ecparam -genkey writes one before the key), or NULL when there is none.
 */
static char *
jwt_pem_label(const char *pem, int len)
{
	const char *end = pem + len;
	const char *p = pem;

	while (p < end)
	{
		const char *begin = memmem(p, end - p, "-----BEGIN ", 11);
		const char *stop;
		char	   *label;

		if (begin == NULL)
			return NULL;
		begin += 11;
		stop = memmem(begin, end - begin, "-----", 5);
		if (stop == NULL)
			return NULL;
		label = pnstrdup(begin, stop - begin);
		if (strcmp(label, "EC PARAMETERS") != 0)
			return label;
		p = stop + 5;
	}
	return NULL;
}

/*
 * Reads the PEM key in secret into ssl->pkey: a private key for sign, a
 * public key or an X.509 certificate for verify.  Then checks that it fits
 * the algorithm: RSA of at least 2048 bits for RS and PS, the algorithm's
 * curve for ES.  Every refusal is an ERROR: a wrong key is a configuration
 * mistake, not a bad token.
 */
static void
jwt_load_key(JwtSsl *ssl, const JwtAlg *alg, text *secret, bool for_signing)
{
	const char *pem = VARDATA_ANY(secret);
	int			len = VARSIZE_ANY_EXHDR(secret);
	char	   *label = jwt_pem_label(pem, len);
	const char *what = for_signing ? "private" : "public";

	if (label == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs a PEM %s key", alg->name, what),
				 errhint(for_signing ?
						 "Pass the private key as text beginning with \"-----BEGIN PRIVATE KEY-----\"." :
						 "Pass the public key (\"-----BEGIN PUBLIC KEY-----\") or a certificate as text.")));
	if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0 ||
		memmem(pem, len, "Proc-Type: 4,ENCRYPTED", 22) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("encrypted private keys are not supported"),
				 errhint("Pass the key unencrypted, e.g. from \"openssl pkey -in key.pem\".")));

	ERR_clear_error();
	ssl->bio = BIO_new_mem_buf(pem, len);
	if (ssl->bio == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));

	if (for_signing)
	{
		if (strcmp(label, "PRIVATE KEY") != 0 &&
			strcmp(label, "RSA PRIVATE KEY") != 0 &&
			strcmp(label, "EC PRIVATE KEY") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s signing needs a private key, not a PEM \"%s\"", alg->name, label),
					 errhint("verify takes the public key; sign takes the private key.")));
		ssl->pkey = PEM_read_bio_PrivateKey(ssl->bio, NULL, jwt_no_passphrase, NULL);
	}
	else if (strcmp(label, "CERTIFICATE") == 0)
	{
		ssl->cert = PEM_read_bio_X509(ssl->bio, NULL, jwt_no_passphrase, NULL);
		if (ssl->cert != NULL)
			ssl->pkey = X509_get_pubkey(ssl->cert);
	}
	else if (strcmp(label, "PUBLIC KEY") == 0 || strcmp(label, "RSA PUBLIC KEY") == 0)
	{
		ssl->decoder = OSSL_DECODER_CTX_new_for_pkey(&ssl->pkey, "PEM", NULL, NULL,
													 EVP_PKEY_PUBLIC_KEY, NULL, NULL);
		if (ssl->decoder != NULL && OSSL_DECODER_from_bio(ssl->decoder, ssl->bio) != 1)
		{
			EVP_PKEY_free(ssl->pkey);
			ssl->pkey = NULL;
		}
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s verification needs a public key or a certificate, not a PEM \"%s\"",
						alg->name, label),
				 errhint("verify takes the public key (\"-----BEGIN PUBLIC KEY-----\") or a certificate; never hand it the private key.")));

	if (ssl->pkey == NULL)
	{
		const char *reason = jwt_ssl_reason();

		ERR_clear_error();
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not read the %s key for %s", what, alg->name),
				 errdetail("OpenSSL: %s.", reason)));
	}

	if (alg->family == JWT_RSA || alg->family == JWT_PSS)
	{
		if (!EVP_PKEY_is_a(ssl->pkey, "RSA"))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s needs an RSA key, not %s", alg->name,
							EVP_PKEY_get0_type_name(ssl->pkey)),
					 errhint("ES256, ES384 and ES512 take EC keys.")));
		if (EVP_PKEY_get_bits(ssl->pkey) < JWT_MIN_RSA_BITS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("RSA key of %d bits is too short for %s",
							EVP_PKEY_get_bits(ssl->pkey), alg->name),
					 errhint("RFC 7518 requires at least %d bits.", JWT_MIN_RSA_BITS)));
	}
	else
	{
		char		group[80];
		size_t		group_len = 0;
		int			nid = NID_undef;

		Assert(alg->family == JWT_ECDSA);
		if (!EVP_PKEY_is_a(ssl->pkey, "EC"))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s needs an EC key, not %s", alg->name,
							EVP_PKEY_get0_type_name(ssl->pkey)),
					 errhint("RS* and PS* take RSA keys.")));
		if (EVP_PKEY_get_group_name(ssl->pkey, group, sizeof(group), &group_len) == 1)
		{
			nid = OBJ_sn2nid(group);
			if (nid == NID_undef)
				nid = EC_curve_nist2nid(group);
		}
		if (nid != alg->curve_nid)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s needs a %s key, not %s", alg->name, alg->curve_name,
							nid != NID_undef && EC_curve_nid2nist(nid) ? EC_curve_nid2nist(nid) :
							group_len > 0 ? group : "a key without a named curve"),
					 errhint("ES256 takes P-256, ES384 P-384 and ES512 P-521.")));
	}
	ERR_clear_error();
}

/* Sets RSASSA-PSS: MGF1 with the signature's hash, salt as long as the hash. */
static bool
jwt_set_pss(EVP_PKEY_CTX *pctx, const JwtAlg *alg)
{
	return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
		EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, jwt_md(alg)) > 0;
}

static void
jwt_ssl_failed(const char *what)
{
	const char *reason = jwt_ssl_reason();

	ERR_clear_error();
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("could not %s", what),
			 errdetail("OpenSSL: %s.", reason)));
}

/* The JWS signature of input (RS, PS, ES), appended base64url to buf. */
static void
jwt_sign_asymmetric(JwtSsl *ssl, const JwtAlg *alg, text *secret,
					const char *input, int len, StringInfo buf)
{
	EVP_PKEY_CTX *pctx = NULL;	/* owned by md_ctx */
	unsigned char *sig;
	size_t		sig_len = 0;

	jwt_load_key(ssl, alg, secret, true);
	ssl->md_ctx = EVP_MD_CTX_new();
	if (ssl->md_ctx == NULL ||
		EVP_DigestSignInit(ssl->md_ctx, &pctx, jwt_md(alg), NULL, ssl->pkey) != 1 ||
		(alg->family == JWT_PSS && !jwt_set_pss(pctx, alg)) ||
		EVP_DigestSign(ssl->md_ctx, NULL, &sig_len, (const unsigned char *) input, len) != 1)
		jwt_ssl_failed("prepare the JWT signature");
	sig = palloc(sig_len);
	if (EVP_DigestSign(ssl->md_ctx, sig, &sig_len, (const unsigned char *) input, len) != 1)
		jwt_ssl_failed("sign the JWT");

	if (alg->family == JWT_ECDSA)
	{
		/* DER SEQUENCE { r, s } to JOSE's fixed-size r || s */
		const unsigned char *p = sig;
		const BIGNUM *r;
		const BIGNUM *s;
		unsigned char *raw = palloc(2 * alg->coord_len);

		ssl->ecdsa_sig = d2i_ECDSA_SIG(NULL, &p, (long) sig_len);
		if (ssl->ecdsa_sig == NULL)
			jwt_ssl_failed("read the ECDSA signature");
		ECDSA_SIG_get0(ssl->ecdsa_sig, &r, &s);
		if (BN_bn2binpad(r, raw, alg->coord_len) != alg->coord_len ||
			BN_bn2binpad(s, raw + alg->coord_len, alg->coord_len) != alg->coord_len)
			jwt_ssl_failed("encode the ECDSA signature");
		b64url_append(buf, raw, 2 * alg->coord_len);
	}
	else
		b64url_append(buf, sig, sig_len);
}

/* Whether sig (base64url) is a valid RS, PS or ES signature of input. */
static bool
jwt_verify_asymmetric(JwtSsl *ssl, const JwtAlg *alg,
					  const char *input, int len, const char *sig_b64, int sig_b64_len)
{
	EVP_PKEY_CTX *pctx = NULL;	/* owned by md_ctx */
	unsigned char *sig;
	int			sig_len;
	const unsigned char *check;
	size_t		check_len;

	if (!b64url_decode(sig_b64, sig_b64_len, &sig, &sig_len))
		return false;
	if (alg->family == JWT_ECDSA)
	{
		int			der_len;

		/* JOSE r || s to DER; a DER signature here is refused by length */
		if (sig_len != 2 * alg->coord_len)
			return false;
		ssl->r = BN_bin2bn(sig, alg->coord_len, NULL);
		ssl->s = BN_bin2bn(sig + alg->coord_len, alg->coord_len, NULL);
		ssl->ecdsa_sig = ECDSA_SIG_new();
		if (ssl->r == NULL || ssl->s == NULL || ssl->ecdsa_sig == NULL ||
			ECDSA_SIG_set0(ssl->ecdsa_sig, ssl->r, ssl->s) != 1)
			jwt_ssl_failed("read the ECDSA signature");
		ssl->r = ssl->s = NULL; /* owned by ecdsa_sig now */
		der_len = i2d_ECDSA_SIG(ssl->ecdsa_sig, &ssl->der);
		if (der_len <= 0)
			jwt_ssl_failed("encode the ECDSA signature");
		check = ssl->der;
		check_len = der_len;
	}
	else
	{
		check = sig;
		check_len = sig_len;
	}

	ssl->md_ctx = EVP_MD_CTX_new();
	if (ssl->md_ctx == NULL ||
		EVP_DigestVerifyInit(ssl->md_ctx, &pctx, jwt_md(alg), NULL, ssl->pkey) != 1 ||
		(alg->family == JWT_PSS && !jwt_set_pss(pctx, alg)))
		jwt_ssl_failed("prepare the JWT signature check");
	/* 1 is a good signature; 0 and errors (bad padding, size) are not */
	return EVP_DigestVerify(ssl->md_ctx, check, check_len,
							(const unsigned char *) input, len) == 1;
}

/* The HMAC of input, base64url (pgjwt's algorithm_sign). */
static char *
jwt_hmac_b64(const JwtAlg *alg, text *secret, const char *input, int len)
{
	static const unsigned char empty_key[1] = {0};
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	int			key_len = VARSIZE_ANY_EXHDR(secret);
	StringInfoData buf;

	ERR_clear_error();
	if (HMAC(jwt_md(alg), key_len > 0 ? (const void *) VARDATA_ANY(secret) : empty_key, key_len,
			 (const unsigned char *) input, len, mac, &mac_len) == NULL)
		jwt_ssl_failed("compute the JWT HMAC");
	initStringInfo(&buf);
	b64url_append(&buf, mac, mac_len);
	explicit_bzero(mac, sizeof(mac));
	return buf.data;
}

/* ------------------------------------------------------------------------
 * sign
 * ------------------------------------------------------------------------
 */

/*
 * hoop_mcp.sign(payload json, secret text, algorithm text) returns text.
 *
 * As pgjwt: the header is the text {"alg":"<algorithm>","typ":"JWT"}, the
 * payload is the json text as given (not re-serialized), both converted to
 * UTF-8 and base64url-encoded without padding.  The signature covers
 * header "." payload.
 */
Datum
hoop_mcp_jwt_sign(PG_FUNCTION_ARGS)
{
	text	   *payload = PG_GETARG_TEXT_PP(0);	/* json is text inside */
	text	   *secret = PG_GETARG_TEXT_PP(1);
	const JwtAlg *alg = jwt_lookup_alg(PG_GETARG_TEXT_PP(2));
	char	   *header = psprintf("{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg->name);
	char	   *payload_utf8;
	StringInfoData token;
	int			signed_len;

	payload_utf8 = pg_server_to_any(VARDATA_ANY(payload), VARSIZE_ANY_EXHDR(payload), PG_UTF8);

	initStringInfo(&token);
	b64url_append(&token, (unsigned char *) header, strlen(header));
	appendStringInfoChar(&token, '.');
	b64url_append(&token, (unsigned char *) payload_utf8,
				  payload_utf8 == VARDATA_ANY(payload) ?
				  VARSIZE_ANY_EXHDR(payload) : strlen(payload_utf8));
	signed_len = token.len;
	appendStringInfoChar(&token, '.');

	if (alg->family == JWT_HMAC)
		appendStringInfoString(&token, jwt_hmac_b64(alg, secret, token.data, signed_len));
	else
	{
		JwtSsl	   *ssl = palloc0(sizeof(JwtSsl));

		PG_TRY();
		{
			jwt_sign_asymmetric(ssl, alg, secret, token.data, signed_len, &token);
		}
		PG_FINALLY();
		{
			jwt_ssl_free(ssl);
		}
		PG_END_TRY();
	}
	PG_RETURN_TEXT_P(cstring_to_text_with_len(token.data, token.len));
}

/* ------------------------------------------------------------------------
 * verify
 * ------------------------------------------------------------------------
 */
static void
jwt_split(const char *token, int len, JwtParts *parts)
{
	int			start = 0;

	memset(parts, 0, sizeof(*parts));
	parts->count = 0;
	for (int i = 0; i <= len; i++)
	{
		if (i < len && token[i] != '.')
			continue;
		if (parts->count < 3)
		{
			parts->part[parts->count] = token + start;
			parts->len[parts->count] = i - start;
		}
		if (parts->count == 1)
			parts->signed_len = i;
		parts->count++;
		start = i + 1;
	}
}

static void
jwt_decode_context(void *arg)
{
	errcontext("decoding the JWT %s", (const char *) arg);
}

/*
 * A header or payload part decoded exactly as pgjwt does, so it errors
 * where pgjwt errors: "-_" become "+/", "=" pads to a multiple of 4,
 * decode(..., 'base64') (which also takes "+/=" and skips whitespace), then
 * convert_from(..., 'utf8')::json.
 */
static Datum
jwt_decode_json(const char *part, int len, const char *what)
{
	ErrorContextCallback callback;
	StringInfoData b64;
	bytea	   *raw;
	char	   *utf8;
	char	   *server;
	Datum		json;

	callback.callback = jwt_decode_context;
	callback.arg = (void *) what;
	callback.previous = error_context_stack;
	error_context_stack = &callback;

	initStringInfo(&b64);
	for (int i = 0; i < len; i++)
		appendStringInfoChar(&b64, part[i] == '-' ? '+' : part[i] == '_' ? '/' : part[i]);
	while (b64.len % 4 != 0)
		appendStringInfoChar(&b64, '=');
	raw = DatumGetByteaPP(DirectFunctionCall2(binary_decode,
											  PointerGetDatum(cstring_to_text_with_len(b64.data, b64.len)),
											  CStringGetTextDatum("base64")));
	utf8 = pnstrdup(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw));
	server = pg_any_to_server(utf8, VARSIZE_ANY_EXHDR(raw), PG_UTF8);
	json = DirectFunctionCall1(json_in, CStringGetDatum(server));

	error_context_stack = callback.previous;
	return json;
}

/* json -> key (or ->> key when as_text), or NULL as the operator gives. */
static text *
jwt_json_field(Datum json, const char *key, bool as_text)
{
	LOCAL_FCINFO(fcinfo, 2);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 2, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = json;
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = CStringGetTextDatum(key);
	fcinfo->args[1].isnull = false;
	result = as_text ? json_object_field_text(fcinfo) : json_object_field(fcinfo);
	if (fcinfo->isnull)
		return NULL;
	return DatumGetTextPP(result);
}

/*
 * Text to double as the cast to double precision reads it (leading and
 * trailing spaces, "Infinity", exponents), false when it is not a number.
 */
static bool
jwt_parse_double(const char *s, double *out)
{
	char	   *end;
	double		v;

	while (*s && isspace((unsigned char) *s))
		s++;
	if (*s == '\0')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || (errno == ERANGE && (v == 0.0 || isinf(v))))
		return false;
	while (*end && isspace((unsigned char) *end))
		end++;
	if (*end != '\0')
		return false;
	*out = v;
	return true;
}

/*
 * Reads the NumericDate claim name (exp or nbf) into *ts as pgjwt's
 * to_timestamp(try_cast_double(payload->>name)) does.  An absent claim
 * (or a payload that is not an object) sets *present = false: that side of
 * the validity range is unbounded, as in pgjwt.  Returns false, where pgjwt
 * would silently drop the claim or raise an error, for a claim that is
 * present but is not a number (or a string holding one), is NaN, or is out
 * of the timestamp range.
 */
static bool
jwt_time_claim(Datum payload, const char *name, TimestampTz *ts, bool *present)
{
	text	   *value = jwt_json_field(payload, name, false);
	char	   *str;
	double		seconds;

	*present = value != NULL;
	if (value == NULL)
		return true;
	str = text_to_cstring(value);
	if (str[0] == '"')
		str = text_to_cstring(jwt_json_field(payload, name, true));
	if (!jwt_parse_double(str, &seconds) || isnan(seconds))
		return false;

	/* as float8_timestamptz (to_timestamp), returning false for its errors */
	if (isinf(seconds))
	{
		if (seconds < 0)
			TIMESTAMP_NOBEGIN(*ts);
		else
			TIMESTAMP_NOEND(*ts);
		return true;
	}
	if (seconds < (float8) SECS_PER_DAY * (DATETIME_MIN_JULIAN - UNIX_EPOCH_JDATE) ||
		seconds >= (float8) SECS_PER_DAY * (TIMESTAMP_END_JULIAN - UNIX_EPOCH_JDATE))
		return false;
	seconds -= ((POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY);
	seconds = rint(seconds * USECS_PER_SEC);
	*ts = (TimestampTz) seconds;
	return IS_VALID_TIMESTAMP(*ts);
}

/*
 * pgjwt: tstzrange(to_timestamp(nbf), to_timestamp(exp)) @> CURRENT_TIMESTAMP,
 * i.e. nbf <= now < exp, a missing claim leaving its side open.
 */
static bool
jwt_time_valid(Datum payload)
{
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	TimestampTz nbf = 0;
	TimestampTz exp = 0;
	bool		has_nbf;
	bool		has_exp;

	if (!jwt_time_claim(payload, "nbf", &nbf, &has_nbf) ||
		!jwt_time_claim(payload, "exp", &exp, &has_exp))
		return false;
	if (has_nbf && now < nbf)
		return false;
	if (has_exp && now >= exp)
		return false;
	return true;
}

static unsigned int
jwt_hex4(const char *p)
{
	unsigned int v = 0;

	for (int i = 0; i < 4; i++)
		v = (v << 4) | (p[i] <= '9' ? p[i] - '0' : (p[i] | 0x20) - 'a' + 10);
	return v;
}

/*
 * Whether the fields of a header (valid JSON) can be read without an error.
 * The json type keeps escapes as written and reading a field decodes every
 * string, which fails for \u0000, a lone surrogate, or (outside UTF-8
 * databases) a character the database encoding may lack.  pgjwt never reads
 * the header, so such a header makes the token invalid, not the call fail.
 */
static bool
jwt_header_readable(const char *p)
{
	bool		utf8 = GetDatabaseEncoding() == PG_UTF8;

	while (*p)
	{
		unsigned int cp;

		if (p[0] != '\\')
		{
			p++;
			continue;
		}
		if (p[1] != 'u')
		{
			p += 2;				/* \" \\ \n ... (valid JSON: never at the end) */
			continue;
		}
		cp = jwt_hex4(p + 2);
		p += 6;
		if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF) || (!utf8 && cp >= 0x80))
			return false;
		if (cp >= 0xD800 && cp <= 0xDBFF)
		{
			if (p[0] != '\\' || p[1] != 'u')
				return false;
			cp = jwt_hex4(p + 2);
			if (cp < 0xDC00 || cp > 0xDFFF)
				return false;
			p += 6;
		}
	}
	return true;
}

/*
 * The stricter header checks: a JSON object whose "alg" is the algorithm
 * we verify with, and no "crit" (we implement no extension, RFC 7515
 * 4.1.11).  pgjwt ignores the header.
 */
static bool
jwt_header_ok(Datum header, const JwtAlg *alg)
{
	text	   *header_alg;

	if (!jwt_header_readable(text_to_cstring(DatumGetTextPP(header))))
		return false;
	header_alg = jwt_json_field(header, "alg", true);
	if (header_alg == NULL || strcmp(text_to_cstring(header_alg), alg->name) != 0)
		return false;
	return jwt_json_field(header, "crit", false) == NULL;
}

/*
 * Decodes the token into values[0] (header) and values[1] (payload, NULL
 * when the token has one part) and returns whether it is valid: exactly
 * three parts, a header naming the algorithm, a good signature (HMAC
 * compared in constant time), and time claims that hold.
 */
static bool
jwt_verify_token(JwtSsl *ssl, const JwtAlg *alg, text *token_text, text *secret,
				 Datum *values, bool *nulls)
{
	const char *token = VARDATA_ANY(token_text);
	JwtParts	parts;
	bool		signature_ok;

	/* A bad key is an error even for a bad token. */
	if (alg->family != JWT_HMAC)
		jwt_load_key(ssl, alg, secret, false);

	jwt_split(token, VARSIZE_ANY_EXHDR(token_text), &parts);
	values[0] = jwt_decode_json(parts.part[0], parts.len[0], "header");
	if (parts.count >= 2)
		values[1] = jwt_decode_json(parts.part[1], parts.len[1], "payload");
	else
		nulls[1] = true;

	if (parts.count != 3 ||
		!b64url_alphabet(parts.part[0], parts.len[0]) ||
		!b64url_alphabet(parts.part[1], parts.len[1]) ||
		!jwt_header_ok(values[0], alg))
		return false;

	if (alg->family == JWT_HMAC)
	{
		char	   *expected = jwt_hmac_b64(alg, secret, token, parts.signed_len);

		/* the length is public; the content is compared in constant time */
		signature_ok = strlen(expected) == parts.len[2] &&
			CRYPTO_memcmp(expected, parts.part[2], parts.len[2]) == 0;
	}
	else
		signature_ok = jwt_verify_asymmetric(ssl, alg, token, parts.signed_len,
											 parts.part[2], parts.len[2]);
	return signature_ok && jwt_time_valid(values[1]);
}

/*
 * hoop_mcp.verify(token text, secret text, algorithm text)
 *		returns table(header json, payload json, valid boolean): one row.
 */
Datum
hoop_mcp_jwt_verify(PG_FUNCTION_ARGS)
{
	text	   *token = PG_GETARG_TEXT_PP(0);
	text	   *secret = PG_GETARG_TEXT_PP(1);
	const JwtAlg *alg = jwt_lookup_alg(PG_GETARG_TEXT_PP(2));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	JwtSsl	   *ssl = palloc0(sizeof(JwtSsl));
	Datum		values[3] = {0, 0, 0};
	bool		nulls[3] = {false, false, false};
	volatile bool valid = false;

	InitMaterializedSRF(fcinfo, 0);
	PG_TRY();
	{
		valid = jwt_verify_token(ssl, alg, token, secret, values, nulls);
	}
	PG_FINALLY();
	{
		jwt_ssl_free(ssl);
	}
	PG_END_TRY();

	values[2] = BoolGetDatum(valid);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * For the OAuth resource server (oauth.c): verification with a key from a
 * JWKS, whose type the caller matched to the algorithm.
 * ------------------------------------------------------------------------
 */

static const JwtAlg *
jwt_find_alg(const char *name)
{
	for (int i = 0; i < lengthof(jwt_algs); i++)
		if (strcmp(name, jwt_algs[i].name) == 0)
			return &jwt_algs[i];
	return NULL;
}

/*
 * For an RS, PS or ES algorithm: *is_rsa, and for ES the curve's NID.
 * *known is false for anything else (HS*, none, unknown names): those
 * never verify a token on the OAuth path.
 */
int
jwt_alg_curve_nid(const char *alg, bool *is_rsa, bool *known)
{
	const JwtAlg *a = jwt_find_alg(alg);

	*known = a != NULL && a->family != JWT_HMAC;
	*is_rsa = a != NULL && (a->family == JWT_RSA || a->family == JWT_PSS);
	return a ? a->curve_nid : NID_undef;
}

bool
jwt_b64url_decode(const char *s, int len, unsigned char **out, int *outlen)
{
	return b64url_decode(s, len, out, outlen);
}

/*
 * Whether token (exactly three parts) carries a valid alg signature by
 * key.  The key is borrowed: the caller keeps and frees it.
 */
bool
jwt_verify_jws(const char *token, int len, const char *alg, EVP_PKEY *key)
{
	const JwtAlg *a = jwt_find_alg(alg);
	JwtParts	parts;
	JwtSsl		ssl;
	volatile bool ok = false;

	if (a == NULL || a->family == JWT_HMAC)
		return false;
	jwt_split(token, len, &parts);
	if (parts.count != 3)
		return false;
	memset(&ssl, 0, sizeof(ssl));
	ssl.pkey = key;
	PG_TRY();
	{
		ok = jwt_verify_asymmetric(&ssl, a, token, parts.signed_len,
								   parts.part[2], parts.len[2]);
	}
	PG_FINALLY();
	{
		ssl.pkey = NULL;		/* borrowed */
		jwt_ssl_free(&ssl);
	}
	PG_END_TRY();
	return ok;
}

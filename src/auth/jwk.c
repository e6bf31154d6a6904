/*
 * jwk.c
 *		JSON Web Key Sets (RFC 7517) as OpenSSL public keys.
 *
 * Only signature keys the OAuth path can use are taken: RSA (n, e; at
 * least 2048 bits) and EC on P-256, P-384 or P-521 (crv, x, y).  Each key
 * needs a "kid"; "use", when present, must be "sig"; "alg", when present,
 * binds the key to that one algorithm.  The EVP_PKEYs are freed when the
 * memory context they were loaded in is reset or deleted.
 */
#include "lib/common.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "lib/json.h"
#include "auth/jwk.h"
#include "auth/jwt.h"

static void
free_pkey(void *arg)
{
	EVP_PKEY_free((EVP_PKEY *) arg);
}

static void
jwk_error(int i, const char *fmt, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid JWKS: key %d: %s", i + 1, fmt),
			 detail ? errdetail("%s", detail) : 0,
			 errhint("Each key needs \"kid\" and RSA \"n\"/\"e\" or EC \"crv\"/\"x\"/\"y\" (RFC 7517).")));
}

/* A base64url member of the key, decoded; NULL if absent or malformed. */
static unsigned char *
member_bytes(JsonbContainer *k, const char *name, int *len)
{
	JsonbValue	v;
	JsonbValue *m = jv_key(k, name, &v);
	unsigned char *out;

	if (m == NULL || m->type != jbvString ||
		!jwt_b64url_decode(m->val.string.val, m->val.string.len, &out, len) || *len == 0)
		return NULL;
	return out;
}

static EVP_PKEY *
from_params(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY   *pkey = NULL;

	if (params == NULL || ctx == NULL ||
		EVP_PKEY_fromdata_init(ctx) != 1 ||
		EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static EVP_PKEY *
rsa_key(JsonbContainer *k, int i)
{
	int			nlen;
	int			elen;
	unsigned char *n = member_bytes(k, "n", &nlen);
	unsigned char *e = member_bytes(k, "e", &elen);
	OSSL_PARAM_BLD *bld;
	BIGNUM	   *bn_n;
	BIGNUM	   *bn_e;
	EVP_PKEY   *pkey = NULL;

	if (n == NULL || e == NULL)
		jwk_error(i, "RSA key without valid \"n\" and \"e\"", NULL);
	bld = OSSL_PARAM_BLD_new();
	bn_n = BN_bin2bn(n, nlen, NULL);
	bn_e = BN_bin2bn(e, elen, NULL);
	if (bld && bn_n && bn_e &&
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1)
		pkey = from_params("RSA", bld);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	if (pkey == NULL)
		jwk_error(i, "OpenSSL could not read the RSA key", NULL);
	if (EVP_PKEY_get_bits(pkey) < JWT_MIN_RSA_BITS)
	{
		EVP_PKEY_free(pkey);
		jwk_error(i, "RSA key shorter than 2048 bits", NULL);
	}
	return pkey;
}

static EVP_PKEY *
ec_key(JsonbContainer *k, int i, int *curve_nid)
{
	static const struct
	{
		const char *crv;
		const char *group;
		int			nid;
		int			len;
	}			curves[] = {
		{"P-256", "prime256v1", NID_X9_62_prime256v1, 32},
		{"P-384", "secp384r1", NID_secp384r1, 48},
		{"P-521", "secp521r1", NID_secp521r1, 66},
	};
	JsonbValue	v;
	char	   *crv = jv_string(jv_key(k, "crv", &v));
	int			xlen;
	int			ylen;
	unsigned char *x = member_bytes(k, "x", &xlen);
	unsigned char *y = member_bytes(k, "y", &ylen);
	int			c = -1;
	unsigned char *point;
	OSSL_PARAM_BLD *bld;
	EVP_PKEY   *pkey = NULL;

	for (int j = 0; crv && j < lengthof(curves); j++)
		if (strcmp(crv, curves[j].crv) == 0)
			c = j;
	if (c < 0)
		jwk_error(i, "EC key on an unsupported curve", "Supported curves: P-256, P-384, P-521.");
	if (x == NULL || y == NULL || xlen != curves[c].len || ylen != curves[c].len)
		jwk_error(i, "EC key without valid \"x\" and \"y\"", NULL);
	point = palloc(1 + 2 * curves[c].len);
	point[0] = 0x04;			/* uncompressed point */
	memcpy(point + 1, x, xlen);
	memcpy(point + 1 + xlen, y, ylen);
	bld = OSSL_PARAM_BLD_new();
	if (bld &&
		OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curves[c].group, 0) == 1 &&
		OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * curves[c].len) == 1)
		pkey = from_params("EC", bld);
	OSSL_PARAM_BLD_free(bld);
	if (pkey == NULL)
		jwk_error(i, "OpenSSL could not read the EC key (is the point on the curve?)", NULL);
	*curve_nid = curves[c].nid;
	return pkey;
}

/*
 * Loads every usable key of a JWKS ({"keys": [...]}) into CurrentMemoryContext.
 * An unusable key is an ERROR: an identity provider's key set is checked
 * when it is configured, so surprises surface there, not on a login.
 */
List *
jwks_load(Jsonb *jwks)
{
	JsonbValue	v;
	JsonbValue *keys = jv_key(&jwks->root, "keys", &v);
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken tok;
	List	   *result = NIL;
	int			i = 0;

	if (keys == NULL || keys->type != jbvBinary || !JsonContainerIsArray(keys->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JWKS: no \"keys\" array"),
				 errhint("A JWKS looks like {\"keys\": [{\"kty\": \"RSA\", \"kid\": \"...\", \"n\": \"...\", \"e\": \"AQAB\"}]}.")));
	it = JsonbIteratorInit(keys->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		JsonbContainer *k;
		JsonbValue	kv;
		char	   *kty;
		char	   *use;
		Jwk		   *jwk;
		MemoryContextCallback *cb;

		if (tok != WJB_ELEM)
			continue;
		k = jv_object(&e);
		if (k == NULL)
			jwk_error(i, "not an object", NULL);
		jwk = palloc0(sizeof(Jwk));
		jwk->kid = jv_string(jv_key(k, "kid", &kv));
		if (jwk->kid == NULL || jwk->kid[0] == '\0')
			jwk_error(i, "no \"kid\"", NULL);
		jwk->alg = jv_string(jv_key(k, "alg", &kv));
		use = jv_string(jv_key(k, "use", &kv));
		if (use && strcmp(use, "sig") != 0)
		{
			i++;
			continue;			/* an encryption key: not ours to use */
		}
		kty = jv_string(jv_key(k, "kty", &kv));
		if (kty && strcmp(kty, "RSA") == 0)
		{
			jwk->is_rsa = true;
			jwk->pkey = rsa_key(k, i);
		}
		else if (kty && strcmp(kty, "EC") == 0)
			jwk->pkey = ec_key(k, i, &jwk->curve_nid);
		else
			jwk_error(i, "unsupported \"kty\"", "Supported key types: RSA, EC.");
		cb = palloc(sizeof(MemoryContextCallback));
		cb->func = free_pkey;
		cb->arg = jwk->pkey;
		MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
		if (jwk->alg)
		{
			bool		is_rsa;
			bool		known;
			int			nid = jwt_alg_curve_nid(jwk->alg, &is_rsa, &known);

			if (!known || is_rsa != jwk->is_rsa || (!is_rsa && nid != jwk->curve_nid))
				jwk_error(i, "\"alg\" does not fit the key", jwk->alg);
		}
		result = lappend(result, jwk);
		i++;
	}
	if (result == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JWKS: no signature key"),
				 errhint("The identity provider's key set has no RSA or EC key with use \"sig\".")));
	return result;
}

/*
 * Whether a token's header alg may be verified with this key: the key's
 * own alg when it names one, else any algorithm of its family (and curve).
 */
bool
jwk_allows(Jwk *jwk, const char *alg)
{
	bool		is_rsa;
	bool		known;
	int			nid = jwt_alg_curve_nid(alg, &is_rsa, &known);

	if (!known)
		return false;
	if (jwk->alg)
		return strcmp(jwk->alg, alg) == 0;
	return is_rsa ? jwk->is_rsa : (!jwk->is_rsa && nid == jwk->curve_nid);
}

PG_FUNCTION_INFO_V1(hoop_mcp_jwks_kids);

/* hoop_mcp._jwks_kids(jwks jsonb) RETURNS text[]: checks a JWKS, lists its kids. */
Datum
hoop_mcp_jwks_kids(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "hoop_mcp jwks check",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	List	   *keys = jwks_load(PG_GETARG_JSONB_P(0));
	Datum	   *kids;
	ListCell   *lc;
	int			n = 0;
	ArrayType  *result;

	MemoryContextSwitchTo(old);
	kids = palloc(sizeof(Datum) * list_length(keys));
	foreach(lc, keys)
		kids[n++] = CStringGetTextDatum(((Jwk *) lfirst(lc))->kid);
	result = construct_array(kids, n, TEXTOID, -1, false, TYPALIGN_INT);
	MemoryContextDelete(cxt);	/* frees the OpenSSL keys too */
	PG_RETURN_ARRAYTYPE_P(result);
}

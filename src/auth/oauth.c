/*
 * oauth.c
 *		MCP OAuth mode: hoop_mcp as an OAuth 2.1 resource server.
 *
 * When hoop_mcp.mcp_auth_enable() has run, a bearer token that is a JWT of
 * the configured issuer is checked here (hoop-mcp.md 4.1), every other
 * credential goes to the API-key path.  Checks, all failing closed:
 * signature by the key its "kid" names, with an algorithm that key allows
 * (never "none" or HS*); exp required, nbf honoured, a minute of leeway;
 * "aud" holds our resource URI in canonical form, or the token is bound to
 * the static client (aud, azp or client_id); "sub" present.  The user is
 * then created or updated from the claims (hoop_mcp._oauth_user).
 *
 * The provider's keys are cached with the configuration (store/cache.c).  A token
 * naming an unknown key parks its request and starts the key refresher, a
 * short-lived background worker that fetches the key set (the MCP worker
 * never waits on the network), at most once per REFRESH_INTERVAL.
 *
 * The discovery documents (RFC 9728 protected resource metadata, and with a
 * static client the RFC 8414 mirror and the RFC 7591 registration shim)
 * are served from the same configuration.
 */
#include "lib/common.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "auth/auth.h"
#include "auth/fetch.h"
#include "auth/jwk.h"
#include "auth/jwt.h"
#include "auth/oauth.h"
#include "ipc/workers.h"
#include "lib/json.h"
#include "store/cache.h"
#include "store/extension.h"
#include "store/plans.h"

#define MAX_TOKEN_BYTES (16 * 1024)
#define LEEWAY_S 60
#define REFRESH_INTERVAL_MS 5000
#define REFRESH_WAIT_MS 5000
#define REGISTER_MAX_BYTES (64 * 1024)

static void remember_token(const char *token, double exp);

/* Seconds since 1970, as JWT claims count them. */
static double
unix_now(void)
{
	return (double) (GetCurrentTimestamp() / USECS_PER_SEC +
					 (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY);
}

typedef struct OAuthShared
{
	slock_t		mutex;
	TimestampTz last_refresh;	/* when the refresher last started */
	bool		refreshing;
	pg_atomic_uint64 refreshes; /* completed refreshes */
} OAuthShared;

static OAuthShared *shared = NULL;

typedef struct OAuthConfig
{
	bool		enabled;
	char	   *issuer;			/* trailing slashes removed */
	char	   *resource_uri;	/* as advertised */
	char	   *resource_canon; /* canonical, for audience checks */
	char	   *groups_claim;
	char	   *client_id;
	char	   *client_secret;
	char	   *jwks_uri;
	Jsonb	   *provider_metadata;
	List	   *keys;			/* Jwk */
} OAuthConfig;

static OAuthConfig *config = NULL;
static MemoryContext config_cxt = NULL;
static uint64 config_generation = 0;

static const char *const config_sql =
"SELECT issuer, jwks, jwks_uri, provider_metadata, mcp_enabled, resource_uri,"
"       groups_claim, client_id, client_secret"
"  FROM hoop_mcp.auth_config";

static const char *const user_sql =
"SELECT id, error FROM hoop_mcp._oauth_user($1, $2, $3, $4, $5)";

/* ----- shared memory ----- */

void
oauth_shmem_request(void)
{
	RequestAddinShmemSpace(MAXALIGN(sizeof(OAuthShared)));
}

void
oauth_shmem_startup(void)
{
	bool		f;

	shared = ShmemInitStruct("hoop_mcp oauth", sizeof(OAuthShared), &f);
	if (!f)
	{
		SpinLockInit(&shared->mutex);
		shared->last_refresh = 0;
		shared->refreshing = false;
		pg_atomic_init_u64(&shared->refreshes, 0);
	}
}

uint64
oauth_refresh_count(void)
{
	return shared ? pg_atomic_read_u64(&shared->refreshes) : 0;
}

/* ----- configuration ----- */

static char *
strip_slashes(const char *s)
{
	char	   *r = pstrdup(s);
	size_t		n = strlen(r);

	while (n > 0 && r[n - 1] == '/')
		r[--n] = '\0';
	return r;
}

/*
 * A URI in canonical form (RFC 3986 6.2.2-3, as hoop compares audiences):
 * scheme and host lower-cased, the default port dropped, trailing slashes
 * and the fragment removed; path and query kept.
 */
static char *
canonical_uri(const char *uri)
{
	StringInfoData out;
	const char *p = strstr(uri, "://");
	const char *auth;
	size_t		auth_len;
	const char *rest;
	char	   *result;
	bool		https;

	if (p == NULL)
		return strip_slashes(uri);
	initStringInfo(&out);
	for (const char *c = uri; c < p; c++)
		appendStringInfoChar(&out, pg_tolower((unsigned char) *c));
	https = strcmp(out.data, "https") == 0;
	appendStringInfoString(&out, "://");
	auth = p + 3;
	auth_len = strcspn(auth, "/?#");
	rest = auth + auth_len;
	for (size_t i = 0; i < auth_len; i++)
		appendStringInfoChar(&out, pg_tolower((unsigned char) auth[i]));
	if ((https && out.len > 4 && strcmp(out.data + out.len - 4, ":443") == 0) ||
		(!https && out.len > 3 && strcmp(out.data + out.len - 3, ":80") == 0))
	{
		out.len -= https ? 4 : 3;
		out.data[out.len] = '\0';
	}
	appendBinaryStringInfo(&out, rest, strcspn(rest, "#"));
	result = strip_slashes(out.data);
	pfree(out.data);
	return result;
}

static char *
column_or_null(HeapTuple tup, TupleDesc desc, int col)
{
	return SPI_getvalue(tup, desc, col);
}

/* The configuration, re-read when auth_config changed (in a transaction). */
static OAuthConfig *
oauth_config(void)
{
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	MemoryContext old;
	OAuthConfig *c;
	Datum		jwks;

	if (config != NULL && config_generation == cache_generation())
		return config;
	if (config_cxt)
		MemoryContextDelete(config_cxt);	/* frees the OpenSSL keys too */
	config = NULL;
	config_cxt = AllocSetContextCreate(TopMemoryContext, "hoop_mcp oauth", ALLOCSET_SMALL_SIZES);
	config_generation = cache_generation();
	old = MemoryContextSwitchTo(config_cxt);
	c = palloc0(sizeof(OAuthConfig));
	if (extension_ready() &&
		hoop_execute_plan(hoop_plan(config_sql, 0, NULL), NULL, NULL, false, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
	{
		MemoryContextSwitchTo(config_cxt);
		tup = SPI_tuptable->vals[0];
		desc = SPI_tuptable->tupdesc;
		c->issuer = column_or_null(tup, desc, 1);
		if (c->issuer)
			c->issuer = strip_slashes(c->issuer);
		c->jwks_uri = column_or_null(tup, desc, 3);
		if (!heap_attisnull(tup, 4, desc))
			c->provider_metadata = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 4, &isnull));
		c->enabled = c->issuer != NULL && DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
		c->resource_uri = column_or_null(tup, desc, 6);
		if (c->resource_uri == NULL)
			c->resource_uri = psprintf("%s/api/mcp", hoop_api_url());
		c->resource_canon = canonical_uri(c->resource_uri);
		c->groups_claim = column_or_null(tup, desc, 7);
		if (c->groups_claim == NULL)
			c->groups_claim = pstrdup("groups");
		c->client_id = column_or_null(tup, desc, 8);
		c->client_secret = column_or_null(tup, desc, 9);
		jwks = SPI_getbinval(tup, desc, 2, &isnull);
		if (!isnull)
		{
			MemoryContext keep = CurrentMemoryContext;
			Jsonb	   *jb = DatumGetJsonbPCopy(jwks);

			PG_TRY();
			{
				c->keys = jwks_load(jb);
			}
			PG_CATCH();
			{
				ErrorData  *edata;

				/* Copied before ereport(LOG), which pushes an error entry of its own. */
				MemoryContextSwitchTo(keep);
				edata = CopyErrorData();
				FlushErrorState();
				ereport(LOG,
						(errmsg("hoop_mcp: the stored identity provider keys are unusable: %s",
								edata->message)));
				c->keys = NIL;
			}
			PG_END_TRY();
		}
	}
	MemoryContextSwitchTo(old);
	config = c;
	return config;
}

bool
oauth_enabled(void)
{
	return oauth_config()->enabled;
}

/* ----- challenges ----- */

/* An error description as a quoted-string: no CR, LF or double quote. */
static void
append_sanitized(StringInfo buf, const char *s)
{
	for (; *s; s++)
		appendStringInfoChar(buf, *s == '\r' || *s == '\n' ? ' ' : *s == '"' ? '\'' : *s);
}

/*
 * The WWW-Authenticate value of a 401.  With OAuth on it points at the
 * protected resource metadata; error is NULL when no credentials came.
 */
char *
oauth_challenge(const char *error, const char *description)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (oauth_enabled())
		appendStringInfo(&buf, "Bearer resource_metadata=\"%s/.well-known/oauth-protected-resource/api/mcp\"",
						 hoop_api_url());
	else
		appendStringInfoString(&buf, "Bearer realm=\"hoop_mcp\"");
	if (error)
	{
		appendStringInfo(&buf, ", error=\"%s\", error_description=\"", error);
		append_sanitized(&buf, description ? description : "");
		appendStringInfoChar(&buf, '"');
	}
	return buf.data;
}

/* ----- tokens ----- */

/* A base64url JSON part of a JWT, parsed; NULL if it is not one. */
static Jsonb *
decode_part(const char *part, int len)
{
	unsigned char *raw;
	int			rawlen;
	char	   *text;
	Jsonb	   *volatile jb = NULL;
	MemoryContext cxt = CurrentMemoryContext;

	if (!jwt_b64url_decode(part, len, &raw, &rawlen))
		return NULL;
	text = palloc(rawlen + 1);
	memcpy(text, raw, rawlen);
	text[rawlen] = '\0';
	if (strlen(text) != (size_t) rawlen)
		return NULL;
	PG_TRY();
	{
		jb = jv_parse(text);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
		jb = NULL;
	}
	PG_END_TRY();
	if (jb && !JB_ROOT_IS_OBJECT(jb))
		return NULL;
	return jb;
}

/* A numeric claim as seconds; false when absent or not a number. */
static bool
number_claim(Jsonb *payload, const char *name, double *out)
{
	JsonbValue	v;
	JsonbValue *m = jv_key(&payload->root, name, &v);

	if (m == NULL || m->type != jbvNumeric)
		return false;
	*out = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(m->val.numeric)));
	return !isnan(*out) && !isinf(*out);
}

/* Whether claim (a string or an array of strings) holds want. */
static bool
claim_has(Jsonb *payload, const char *name, const char *want, bool canonical)
{
	JsonbValue	v;
	JsonbValue *m = jv_key(&payload->root, name, &v);
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken tok;

	if (m == NULL || want == NULL)
		return false;
	if (m->type == jbvString)
	{
		char	   *s = jv_string(m);

		return strcmp(canonical ? canonical_uri(s) : s, want) == 0;
	}
	if (m->type != jbvBinary || !JsonContainerIsArray(m->val.binary.data))
		return false;
	it = JsonbIteratorInit(m->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		if (tok == WJB_ELEM && e.type == jbvString)
		{
			char	   *s = jv_string(&e);

			if (strcmp(canonical ? canonical_uri(s) : s, want) == 0)
				return true;
		}
	return false;
}

static char *
claim_text(Jsonb *payload, const char *name)
{
	JsonbValue	v;
	JsonbValue *m = jv_key(&payload->root, name, &v);

	if (m == NULL)
		return pstrdup("<none>");
	return jv_text(m);
}

/* The groups claim as text[]; NULL when the token does not carry it. */
static Datum
groups_claim(Jsonb *payload, const char *name, bool *present)
{
	JsonbValue	v;
	JsonbValue *m = jv_key(&payload->root, name, &v);
	Datum	   *elems;
	int			n = 0;

	*present = false;
	if (m == NULL)
		return (Datum) 0;
	if (m->type == jbvString)
	{
		Datum		one = CStringGetTextDatum(jv_string(m));

		*present = true;
		return PointerGetDatum(construct_array(&one, 1, TEXTOID, -1, false, TYPALIGN_INT));
	}
	if (m->type != jbvBinary || !JsonContainerIsArray(m->val.binary.data))
		return (Datum) 0;
	elems = palloc(sizeof(Datum) * Max(JsonContainerSize(m->val.binary.data), 1));
	{
		JsonbIterator *it = JsonbIteratorInit(m->val.binary.data);
		JsonbValue	e;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
			if (tok == WJB_ELEM && e.type == jbvString)
				elems[n++] = CStringGetTextDatum(jv_string(&e));
	}
	*present = true;
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static OAuthResult
fail(Request *req, const char *fmt,...) pg_attribute_printf(2, 3);

static OAuthResult
fail(Request *req, const char *fmt,...)
{
	va_list		ap;
	char		buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	req->error_message = pstrdup(buf);
	return OAUTH_FAIL;
}

static bool start_refresh(void);

/* The user a verified token names, created or updated from its claims. */
static OAuthResult
sync_user(Request *req, OAuthConfig *c, Jsonb *payload, const char *sub)
{
	Oid			types[5] = {TEXTOID, TEXTOID, BOOLOID, TEXTOID, TEXTARRAYOID};
	Datum		args[5];
	char		nulls[5] = "     ";
	JsonbValue	v;
	JsonbValue *m;
	char	   *email = jv_string(jv_key(&payload->root, "email", &v));
	char	   *name = jv_string(jv_key(&payload->root, "name", &v));
	bool		present;
	bool		isnull;
	char	   *error;
	pg_uuid_t	id;

	if (name == NULL)
		name = jv_string(jv_key(&payload->root, "preferred_username", &v));
	args[0] = CStringGetTextDatum(sub);
	if (email)
		args[1] = CStringGetTextDatum(email);
	else
		nulls[1] = 'n';
	m = jv_key(&payload->root, "email_verified", &v);
	if (m && m->type == jbvBool)
		args[2] = BoolGetDatum(m->val.boolean);
	else
		nulls[2] = 'n';
	if (name)
		args[3] = CStringGetTextDatum(name);
	else
		nulls[3] = 'n';
	args[4] = groups_claim(payload, c->groups_claim, &present);
	if (!present)
		nulls[4] = 'n';
	if (hoop_execute_plan(hoop_plan(user_sql, 5, types), args, nulls, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "hoop_mcp._oauth_user returned no row");
	error = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	if (error)
		return fail(req, "user sync failed: %s", error);
	id = *DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (!auth_load_actor(req, &id))
		return OAUTH_FAIL;		/* inactive: error_message says so */
	return OAUTH_OK;
}

/*
 * Checks a bearer token on the OAuth path.  OAUTH_NOT_MINE lets the API-key
 * path look at it; every other failure is final (the caller answers 401).
 */
OAuthResult
oauth_authenticate(Request *req, const char *token)
{
	OAuthConfig *c = oauth_config();
	int			len = strlen(token);
	const char *dot1;
	const char *dot2;
	Jsonb	   *header;
	Jsonb	   *payload;
	JsonbValue	v;
	char	   *iss;
	char	   *alg;
	char	   *kid;
	char	   *sub;
	Jwk		   *key = NULL;
	ListCell   *lc;
	double		exp;
	double		nbf;
	double		now = unix_now();
	bool		bound;

	if (!c->enabled)
		return OAUTH_NOT_MINE;
	dot1 = strchr(token, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (dot1 == NULL || dot2 == NULL || strchr(dot2 + 1, '.') != NULL)
		return OAUTH_NOT_MINE;	/* opaque token or API key */
	if (len > MAX_TOKEN_BYTES)
		return fail(req, "token is larger than %d bytes", MAX_TOKEN_BYTES);

	/* Peek at the unverified issuer: only our provider's tokens are ours. */
	payload = decode_part(dot1 + 1, dot2 - dot1 - 1);
	if (payload == NULL)
		return OAUTH_NOT_MINE;
	iss = jv_string(jv_key(&payload->root, "iss", &v));
	if (iss == NULL || strcmp(strip_slashes(iss), c->issuer) != 0)
		return OAUTH_NOT_MINE;

	header = decode_part(token, dot1 - token);
	if (header == NULL)
		return fail(req, "malformed token header");
	if (jv_key(&header->root, "crit", &v) != NULL)
		return fail(req, "token header has critical extensions");
	alg = jv_string(jv_key(&header->root, "alg", &v));
	kid = jv_string(jv_key(&header->root, "kid", &v));
	if (alg == NULL || strcmp(alg, "none") == 0 || strncmp(alg, "HS", 2) == 0)
		return fail(req, "token algorithm \"%s\" is not accepted", alg ? alg : "<none>");

	foreach(lc, c->keys)
	{
		Jwk		   *k = lfirst(lc);

		if (kid ? strcmp(k->kid, kid) == 0 : list_length(c->keys) == 1)
			key = k;
	}
	if (key == NULL)
	{
		if (kid == NULL)
			return fail(req, "token has no key id (kid)");
		if (c->jwks_uri && !req->parked_once && start_refresh())
		{
			req->park_refreshes = oauth_refresh_count();
			req->park_until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), REFRESH_WAIT_MS);
			return OAUTH_PARK;
		}
		return fail(req, "unknown key id \"%s\"", kid);
	}
	if (!jwk_allows(key, alg))
		return fail(req, "token algorithm \"%s\" does not fit key \"%s\"", alg, key->kid);
	if (!jwt_verify_jws(token, len, alg, key->pkey))
		return fail(req, "token signature is invalid");

	if (!number_claim(payload, "exp", &exp))
		return fail(req, "token has no numeric 'exp' claim");
	if (now >= exp + LEEWAY_S)
		return fail(req, "token is expired");
	if (jv_key(&payload->root, "nbf", &v) != NULL)
	{
		if (!number_claim(payload, "nbf", &nbf))
			return fail(req, "token 'nbf' claim is not a number");
		if (now + LEEWAY_S < nbf)
			return fail(req, "token is not valid yet (nbf)");
	}

	bound = claim_has(payload, "aud", c->resource_canon, true);
	if (!bound && c->client_id)
		bound = claim_has(payload, "aud", c->client_id, false) ||
			claim_has(payload, "azp", c->client_id, false) ||
			claim_has(payload, "client_id", c->client_id, false);
	if (!bound)
		return fail(req, "audience mismatch, got aud=%s azp=%s client_id=%s, want \"%s\" or a static client of [%s]",
					claim_text(payload, "aud"), claim_text(payload, "azp"),
					claim_text(payload, "client_id"), c->resource_uri,
					c->client_id ? c->client_id : "");

	sub = jv_string(jv_key(&payload->root, "sub", &v));
	if (sub == NULL || sub[0] == '\0')
		return fail(req, "'sub' claim is missing or empty");
	if (sync_user(req, c, payload, sub) != OAUTH_OK)
		return OAUTH_FAIL;
	remember_token(token, exp);
	return OAUTH_OK;
}

/*
 * Tokens that passed, by SHA-256, until their exp or the next change to
 * the users, keys or configuration, so that net/http.c reads the bodies
 * of a known token's requests at once (oauth_known).  At most KNOWN_MAX.
 */
#define KNOWN_MAX 1024

typedef struct KnownToken
{
	char		hash[65];		/* hex: the hash key */
	double		exp;
} KnownToken;

static HTAB *known = NULL;
static MemoryContext known_cxt = NULL;
static uint64 known_generation = 0;

static void
token_hash_hex(const char *token, char hex[65])
{
	unsigned char hash[32];

	hoop_sha256(token, strlen(token), hash);
	hex[hex_encode((const char *) hash, 32, hex)] = '\0';
}

static void
remember_token(const char *token, double exp)
{
	char		hex[65];
	KnownToken *k;

	cache_table(&known, &known_cxt, &known_generation, "hoop_mcp known tokens", 65, sizeof(KnownToken));
	if (hash_get_num_entries(known) >= KNOWN_MAX)
		return;
	token_hash_hex(token, hex);
	k = hash_search(known, hex, HASH_ENTER, NULL);
	k->exp = exp;
}

/* Whether the token passed before and has not expired; asks nothing. */
bool
oauth_known(const char *token)
{
	char		hex[65];
	KnownToken *k;

	if (known == NULL || !cache_current(known_generation))
		return false;
	token_hash_hex(token, hex);
	k = hash_search(known, hex, HASH_FIND, NULL);
	return k != NULL && unix_now() < k->exp;
}

/* ----- the key refresher ----- */

/*
 * Makes sure the key refresher runs: starts it unless it still runs or
 * last started less than REFRESH_INTERVAL ago.  True if it is running, so
 * a request may wait for it.
 */
static bool
start_refresh(void)
{
	BackgroundWorker bgw;
	TimestampTz now = GetCurrentTimestamp();
	bool		start;
	bool		running;

	SpinLockAcquire(&shared->mutex);
	start = !shared->refreshing &&
		TimestampDifferenceExceeds(shared->last_refresh, now, REFRESH_INTERVAL_MS);
	if (start)
	{
		shared->refreshing = true;
		shared->last_refresh = now;
	}
	running = shared->refreshing;
	SpinLockRelease(&shared->mutex);
	if (!start)
		return running;

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(bgw.bgw_library_name, BGW_MAXLEN, "hoop_mcp");
	snprintf(bgw.bgw_function_name, BGW_MAXLEN, "hoop_jwks_refresh_main");
	snprintf(bgw.bgw_name, BGW_MAXLEN, "hoop_mcp key refresher");
	snprintf(bgw.bgw_type, BGW_MAXLEN, "hoop_mcp key refresher");
	if (RegisterDynamicBackgroundWorker(&bgw, NULL))
		return true;
	ereport(LOG,
			(errmsg("hoop_mcp could not start the key refresher"),
			 errhint("You might need to increase max_worker_processes.")));
	SpinLockAcquire(&shared->mutex);
	shared->refreshing = false;
	SpinLockRelease(&shared->mutex);
	return false;
}

static void
refresh_done(int code, Datum arg)
{
	SpinLockAcquire(&shared->mutex);
	shared->refreshing = false;
	SpinLockRelease(&shared->mutex);
	pg_atomic_fetch_add_u64(&shared->refreshes, 1);
	for (int i = 0; i < hoop_workers; i++)
		hoop_wake_worker(i);
}

/*
 * The key refresher: fetches jwks_uri, checks the set, stores it.  The
 * store's trigger tells the workers' caches; the exit wakes them.
 */
void
hoop_jwks_refresh_main(Datum arg)
{
	char	   *uri;

	before_shmem_exit(refresh_done, 0);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(hoop_database, NULL, 0);
	pgstat_report_appname("hoop_mcp key refresher");

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT jwks_uri FROM hoop_mcp.auth_config", true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1 &&
		(uri = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)) != NULL)
	{
		Datum		args[1];
		Oid			types[1] = {JSONBOID};
		MemoryContext keys_cxt = AllocSetContextCreate(CurrentMemoryContext, "hoop_mcp refreshed keys",
													   ALLOCSET_SMALL_SIZES);
		MemoryContext old;
		Jsonb	   *jwks;

		pgstat_report_activity(STATE_RUNNING, "hoop_mcp: fetching the identity provider's keys");
		jwks = fetch_json(uri);
		old = MemoryContextSwitchTo(keys_cxt);
		(void) jwks_load(jwks); /* refuse a broken set before storing it */
		MemoryContextSwitchTo(old);
		MemoryContextDelete(keys_cxt);
		args[0] = JsonbPGetDatum(jwks);
		if (SPI_execute_with_args("UPDATE hoop_mcp.auth_config SET jwks = $1, jwks_fetched_at = now()",
								  1, types, args, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not store the identity provider's keys");
		ereport(LOG,
				(errmsg("hoop_mcp refreshed the identity provider's keys from %s", uri)));
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	proc_exit(0);
}

/* ----- discovery documents ----- */

static void
json_answer(Request *req, int status, const char *cache_control, StringInfo body)
{
	req->status = status;
	resetStringInfo(&req->response);
	appendBinaryStringInfo(&req->response, body->data, body->len);
	req->response_type = "application/json";
	req->cache_control = cache_control;
}

static void
not_found(Request *req)
{
	StringInfoData b;

	initStringInfo(&b);
	appendStringInfoString(&b, "{\"message\":\"not found\"}");
	json_answer(req, 404, "no-store", &b);
	req->error_message = "not found";
}

static void
append_kv(StringInfo b, bool *first, const char *key, const char *value)
{
	appendStringInfoString(b, *first ? "" : ",");
	append_json_string(b, key, strlen(key));
	appendStringInfoChar(b, ':');
	append_json_string(b, value, strlen(value));
	*first = false;
}

/*
 * Appends ,"key":<value> with the member of src (a JSON object, or NULL)
 * as JSON text, or the default dflt; nothing when both are missing.
 */
static void
append_member(StringInfo b, Jsonb *src, const char *key, const char *dflt)
{
	JsonbValue	v;
	JsonbValue *m = src ? jv_key(&src->root, key, &v) : NULL;

	if (m == NULL && dflt == NULL)
		return;
	appendStringInfoChar(b, ',');
	append_json_string(b, key, strlen(key));
	appendStringInfoChar(b, ':');
	appendStringInfoString(b, m ? jv_text(m) : dflt);
}

/* RFC 9728: who protects this resource, and how to send a token. */
static void
protected_resource(Request *req, OAuthConfig *c)
{
	StringInfoData b;
	bool		first = true;

	initStringInfo(&b);
	appendStringInfoChar(&b, '{');
	append_kv(&b, &first, "resource", c->resource_uri);
	appendStringInfoString(&b, ",\"authorization_servers\":[");
	append_json_string(&b, c->client_id ? hoop_api_url() : c->issuer,
					   strlen(c->client_id ? hoop_api_url() : c->issuer));
	appendStringInfoString(&b, "],\"bearer_methods_supported\":[\"header\"]");
	append_kv(&b, &first, "resource_name", "Hoop MCP");
	append_kv(&b, &first, "resource_documentation", "https://hoop.dev/docs");
	appendStringInfoChar(&b, '}');
	json_answer(req, 200, "public, max-age=3600", &b);
}

/*
 * RFC 8414 mirror (static client only): the provider's endpoints, with
 * hoop_mcp as issuer and its registration shim.
 */
static void
authorization_server(Request *req, OAuthConfig *c)
{
	StringInfoData b;
	bool		first = true;
	char	   *register_uri = psprintf("%s/api/mcp/oauth/register", hoop_api_url());

	if (c->provider_metadata == NULL)
	{
		initStringInfo(&b);
		appendStringInfoString(&b, "{\"message\":\"failed discovering identity provider metadata\"}");
		json_answer(req, 502, "no-store", &b);
		req->error_message = "no provider metadata (configure_oidc was given the keys, not discovery)";
		return;
	}
	initStringInfo(&b);
	appendStringInfoChar(&b, '{');
	append_kv(&b, &first, "issuer", hoop_api_url());
	append_member(&b, c->provider_metadata, "authorization_endpoint", NULL);
	append_member(&b, c->provider_metadata, "token_endpoint", NULL);
	append_member(&b, c->provider_metadata, "jwks_uri", NULL);
	append_member(&b, c->provider_metadata, "scopes_supported", NULL);
	append_kv(&b, &first, "registration_endpoint", register_uri);
	append_member(&b, c->provider_metadata, "response_types_supported", "[\"code\"]");
	append_member(&b, c->provider_metadata, "grant_types_supported", "[\"authorization_code\",\"refresh_token\"]");
	appendStringInfoString(&b, c->client_secret ?
						   ",\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\",\"client_secret_post\"]" :
						   ",\"token_endpoint_auth_methods_supported\":[\"none\"]");
	appendStringInfoString(&b, ",\"code_challenge_methods_supported\":[");
	{
		JsonbValue	v;
		JsonbValue *m = jv_key(&c->provider_metadata->root, "code_challenge_methods_supported", &v);
		bool		has_s256 = false;
		bool		any = false;

		if (m && m->type == jbvBinary && JsonContainerIsArray(m->val.binary.data))
		{
			JsonbIterator *it = JsonbIteratorInit(m->val.binary.data);
			JsonbValue	e;
			JsonbIteratorToken tok;

			while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
				if (tok == WJB_ELEM && e.type == jbvString)
				{
					char	   *s = jv_string(&e);

					appendStringInfoString(&b, any ? "," : "");
					append_json_string(&b, s, strlen(s));
					has_s256 |= strcmp(s, "S256") == 0;
					any = true;
				}
		}
		if (!has_s256)
			appendStringInfoString(&b, any ? ",\"S256\"" : "\"S256\"");
	}
	appendStringInfoString(&b, "]}");
	json_answer(req, 200, "public, max-age=300", &b);
}

static void
register_error(Request *req, int status, const char *description)
{
	StringInfoData b;

	initStringInfo(&b);
	appendStringInfoString(&b, "{\"error\":\"invalid_client_metadata\",\"error_description\":");
	append_json_string(&b, description, strlen(description));
	appendStringInfoChar(&b, '}');
	json_answer(req, status, "no-store", &b);
	req->error_message = pstrdup(description);
}

/*
 * RFC 7591 shim (static client only): every registration gets the static
 * client; its secret only when one is configured.
 */
static void
register_client(Request *req, OAuthConfig *c)
{
	StringInfoData b;
	Jsonb	   *volatile body = NULL;
	MemoryContext cxt = CurrentMemoryContext;
	char	   *method = NULL;
	bool		first = true;

	if (req->body_too_large || req->body.len > REGISTER_MAX_BYTES)
	{
		register_error(req, 413, "registration request larger than 64 KiB");
		return;
	}
	PG_TRY();
	{
		body = jv_parse(req->body.len ? req->body.data : "{}");
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
		body = NULL;
	}
	PG_END_TRY();
	if (body == NULL || !JB_ROOT_IS_OBJECT(body))
	{
		register_error(req, 400, "the registration request is not a JSON object");
		return;
	}
	{
		JsonbValue	v;

		method = jv_string(jv_key(&body->root, "token_endpoint_auth_method", &v));
	}
	initStringInfo(&b);
	appendStringInfoChar(&b, '{');
	append_kv(&b, &first, "client_id", c->client_id);
	if (c->client_secret)
	{
		append_kv(&b, &first, "client_secret", c->client_secret);
		appendStringInfoString(&b, ",\"client_secret_expires_at\":0");
	}
	append_member(&b, body, "redirect_uris", NULL);
	append_member(&b, body, "client_name", NULL);
	append_member(&b, body, "scope", NULL);
	append_member(&b, body, "grant_types", "[\"authorization_code\",\"refresh_token\"]");
	append_member(&b, body, "response_types", "[\"code\"]");
	append_kv(&b, &first, "token_endpoint_auth_method",
			  c->client_secret == NULL ? "none" :
			  method && strcmp(method, "client_secret_post") == 0 ? "client_secret_post" :
			  "client_secret_basic");
	appendStringInfoChar(&b, '}');
	json_answer(req, 201, "no-store", &b);
}

static bool
path_is(const char *path, const char *base)
{
	size_t		n = strlen(base);

	/* the well-known path itself, or with our resource path appended */
	return strncmp(path, base, n) == 0 && (path[n] == '\0' || strcmp(path + n, "/api/mcp") == 0);
}

/*
 * The discovery and registration endpoints; false for any other path.
 * Run in the batch transaction: they read the configuration.
 */
bool
oauth_route(Request *req)
{
	OAuthConfig *c;

	if (strncmp(req->path, "/.well-known/", 13) != 0 &&
		strcmp(req->path, "/api/mcp/oauth/register") != 0)
		return false;
	c = oauth_config();
	if (strcmp(req->path, "/api/mcp/oauth/register") == 0)
	{
		if (strcmp(req->method, "POST") != 0)
		{
			not_found(req);
			req->status = 405;
		}
		else if (!c->enabled || c->client_id == NULL)
			not_found(req);
		else
			register_client(req, c);
		return true;
	}
	if (strcmp(req->method, "GET") != 0)
		not_found(req);
	else if (!c->enabled)
		not_found(req);
	else if (path_is(req->path, "/.well-known/oauth-protected-resource"))
		protected_resource(req, c);
	else if (c->client_id && (path_is(req->path, "/.well-known/oauth-authorization-server") ||
							  path_is(req->path, "/.well-known/openid-configuration")))
		authorization_server(req, c);
	else
		not_found(req);
	return true;
}

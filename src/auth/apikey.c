/*
 * apikey.c
 *		Who is calling: API keys, users handed over by SQL backends, the
 *		test-only loopback user.
 *
 * API keys look like "hmk_" + 43 base64url characters.  The first 12
 * characters are a lookup prefix; the SHA-256 of the whole key is compared
 * in constant time.  Keys never reach a log: failures are recorded by
 * reason only.
 */
#include "lib/common.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "auth/auth.h"
#include "store/cache.h"
#include "store/plans.h"

#define API_KEY_PREFIX_LEN 12

/* A user's groups, as the last column of every user lookup. */
#define USER_GROUPS \
	" coalesce((SELECT array_agg(g.group_name) FROM hoop_mcp.user_groups g WHERE g.user_id = u.id), '{}')"

static const char *const key_sql =
"SELECT k.id, k.key_hash, k.expires_at, k.revoked_at IS NOT NULL, k.last_used_at,"
"       u.id, u.subject, u.email, u.name, u.status," USER_GROUPS
"  FROM hoop_mcp.api_keys k JOIN hoop_mcp.users u ON u.id = k.user_id"
" WHERE k.prefix = $1";

static const char *const touch_sql =
"UPDATE hoop_mcp.api_keys SET last_used_at = now() WHERE id = $1";

static const char *const user_by_id_sql =
"SELECT u.id, u.subject, u.email, u.name, u.status," USER_GROUPS " FROM hoop_mcp.users u WHERE u.id = $1";

static const char *const user_by_email_sql =
"SELECT u.id, u.subject, u.email, u.name, u.status," USER_GROUPS " FROM hoop_mcp.users u WHERE u.email = lower($1)";

static char *
column_text(int col)
{
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col);
}

static Datum
column(int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, isnull);
}

/* Whether a text[] of groups holds the group named by a GUC. */
static bool
in_group(ArrayType *groups, const char *group)
{
	Datum	   *elems;
	int			n;

	deconstruct_array(groups, TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, &n);
	for (int i = 0; i < n; i++)
		if (strcmp(TextDatumGetCString(elems[i]), group) == 0)
			return true;
	return false;
}

/*
 * Fills req->actor from a users row at columns first..first+5 (id,
 * subject, email, name, status, groups).  False, with the reason, if
 * inactive.
 */
static bool
take_user(Request *req, int first)
{
	bool		isnull;
	char	   *status = column_text(first + 4);
	ArrayType  *groups = DatumGetArrayTypePCopy(column(first + 5, &isnull));

	req->actor.id = *DatumGetUUIDP(column(first, &isnull));
	req->actor.subject = column_text(first + 1);
	req->actor.email = column_text(first + 2);
	req->actor.name = column_text(first + 3);
	req->actor.groups = PointerGetDatum(groups);
	req->actor.is_admin = in_group(groups, hoop_admin_group);
	req->actor.is_auditor = in_group(groups, hoop_auditor_group);
	if (strcmp(status, "active") != 0)
	{
		req->error_message = psprintf("user is not active, status=%s", status);
		return false;
	}
	req->authenticated = true;
	return true;
}

/*
 * API keys and their users, cached by prefix until one of their tables
 * changes (store/cache.c), so an authenticated request needs no query.
 */
typedef struct KeyEntry
{
	char		prefix[API_KEY_PREFIX_LEN + 1]; /* hash key */
	unsigned char hash[32];
	pg_uuid_t	key_id;
	TimestampTz expires_at;		/* 0: never */
	bool		revoked;
	TimestampTz last_used_at;	/* 0: never */
	char	   *status;
	Actor		actor;
} KeyEntry;

static HTAB *keys = NULL;
static MemoryContext keys_cxt = NULL;
static uint64 keys_generation = 0;

static KeyEntry *
key_lookup(const char *prefix)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	KeyEntry   *e;
	bool		found;
	bool		isnull;
	bytea	   *stored;
	MemoryContext old;
	Request		tmp;

	cache_table(&keys, &keys_cxt, &keys_generation, "hoop_mcp api keys",
				API_KEY_PREFIX_LEN + 1, sizeof(KeyEntry));
	e = hash_search(keys, prefix, HASH_FIND, NULL);
	if (e)
		return e;

	args[0] = CStringGetTextDatum(prefix);
	if (hoop_execute_plan(hoop_plan(key_sql, 1, argtypes), args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up API key");
	if (SPI_processed != 1)
		return NULL;
	stored = DatumGetByteaPP(column(2, &isnull));
	if (VARSIZE_ANY_EXHDR(stored) != 32)
		return NULL;

	old = MemoryContextSwitchTo(keys_cxt);
	e = hash_search(keys, prefix, HASH_ENTER, &found);
	memcpy(e->hash, VARDATA_ANY(stored), 32);
	e->key_id = *DatumGetUUIDP(column(1, &isnull));
	e->expires_at = DatumGetTimestampTz(column(3, &isnull));
	if (isnull)
		e->expires_at = 0;
	e->revoked = DatumGetBool(column(4, &isnull));
	e->last_used_at = DatumGetTimestampTz(column(5, &isnull));
	if (isnull)
		e->last_used_at = 0;
	memset(&tmp, 0, sizeof(tmp));
	(void) take_user(&tmp, 6);
	e->actor = tmp.actor;
	e->status = column_text(10);
	MemoryContextSwitchTo(old);
	return e;
}

/* The lookup prefix of a token shaped like a key; false if it is not. */
static bool
key_prefix(const char *token, char prefix[API_KEY_PREFIX_LEN + 1])
{
	size_t		len = strlen(token);

	if (len < API_KEY_PREFIX_LEN || len > 256 || strncmp(token, "hmk_", 4) != 0)
		return false;
	memcpy(prefix, token, API_KEY_PREFIX_LEN);
	prefix[API_KEY_PREFIX_LEN] = '\0';
	return true;
}

/*
 * Whether e (NULL if none has the prefix) is token's key: the token is
 * hashed either way, and the hashes compared in constant time.
 */
static bool
key_matches(KeyEntry *e, const char *token)
{
	unsigned char hash[32];

	hoop_sha256(token, strlen(token), hash);
	return e != NULL && hoop_consttime_equal(e->hash, hash, 32);
}

/* Why token's key e is refused at now, or NULL if it is good. */
static char *
key_refusal(KeyEntry *e, TimestampTz now)
{
	if (e->revoked)
		return "token revoked";
	if (e->expires_at != 0 && e->expires_at <= now)
		return "token expired";
	if (strcmp(e->status, "active") != 0)
		return psprintf("user is not active, status=%s", e->status);
	return NULL;
}

bool
auth_api_key(Request *req, const char *token)
{
	char		prefix[API_KEY_PREFIX_LEN + 1];
	TimestampTz now = GetCurrentTimestamp();
	KeyEntry   *e;
	char	   *refusal;

	req->error_message = "invalid token";
	if (!key_prefix(token, prefix))
		return false;
	e = key_lookup(prefix);
	if (!key_matches(e, token))
		return false;
	refusal = key_refusal(e, now);
	if (refusal)
	{
		req->error_message = refusal;
		return false;
	}

	/* The cache may be rebuilt by a later request: copy what we keep. */
	req->actor = e->actor;
	req->actor.subject = pstrdup(e->actor.subject);
	req->actor.email = pstrdup(e->actor.email);
	req->actor.name = e->actor.name ? pstrdup(e->actor.name) : NULL;
	req->actor.groups = PointerGetDatum(DatumGetArrayTypePCopy(e->actor.groups));
	req->authenticated = true;
	req->error_message = NULL;

	/* last_used_at, at most once a minute per key. */
	if (e->last_used_at == 0 || TimestampDifferenceExceeds(e->last_used_at, now, 60 * 1000))
	{
		Oid			touch_types[1] = {UUIDOID};
		Datum		touch_args[1];

		e->last_used_at = now;
		touch_args[0] = UUIDPGetDatum(&e->key_id);
		if (hoop_execute_plan(hoop_plan(touch_sql, 1, touch_types), touch_args, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not record API key use");
	}
	return true;
}

/*
 * Whether the token is a key this worker already knows to be good, from
 * the key cache alone (auth_vouch).
 */
bool
apikey_known(const char *token)
{
	char		prefix[API_KEY_PREFIX_LEN + 1];
	KeyEntry   *e;

	if (keys == NULL || !cache_current(keys_generation) || !key_prefix(token, prefix))
		return false;
	e = hash_search(keys, prefix, HASH_FIND, NULL);
	return e != NULL && key_matches(e, token) && key_refusal(e, GetCurrentTimestamp()) == NULL;
}

/* Loads the user a SQL backend handed over (already resolved there). */
bool
auth_load_actor(Request *req, const pg_uuid_t *user_id)
{
	Oid			argtypes[1] = {UUIDOID};
	Datum		args[1];

	args[0] = UUIDPGetDatum(user_id);
	if (hoop_execute_plan(hoop_plan(user_by_id_sql, 1, argtypes), args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up user");
	if (SPI_processed != 1)
	{
		req->error_message = "unauthorized: missing auth context";
		return false;
	}
	return take_user(req, 1);
}

/*
 * hoop_mcp.dev_loopback_user: for tests that cannot send a token (the MCP
 * conformance suite), unauthenticated requests from loopback act as that
 * user.  Off unless set in postgresql.conf.
 */
bool
auth_dev_loopback(Request *req)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];

	if (hoop_dev_loopback_user == NULL || hoop_dev_loopback_user[0] == '\0' ||
		!req->client_is_loopback)
		return false;
	args[0] = CStringGetTextDatum(hoop_dev_loopback_user);
	if (hoop_execute_plan(hoop_plan(user_by_email_sql, 1, argtypes), args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up user");
	return SPI_processed == 1 && take_user(req, 1);
}

/*
 * cache.c
 *		When the worker's caches of users, keys and connections go stale.
 *
 * The worker caches API keys (auth/apikey.c), connections (connections.c)
 * and the OAuth configuration (auth/oauth.c) so that an exec needs no
 * lookup queries.  Statement triggers on the tables they
 * come from call hoop_mcp._cache_invalidate(), which queues a relcache
 * invalidation of that table; PostgreSQL delivers it to every backend when
 * the writing transaction commits, and the worker's relcache callback bumps
 * a generation number that the caches compare before use.  A revoked key
 * or a changed grant therefore takes effect with the next batch.
 *
 * An entry is loaded with a fresh snapshot (read_only false in SPI, READ
 * COMMITTED), never with the batch's: the batch's snapshot may predate an
 * invalidation this worker has already taken, and an entry read with it
 * would be kept as current until the next change, a revoked key working
 * on.  A fresh snapshot sees every commit whose invalidation was taken.
 */
#include "lib/common.h"

#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "store/cache.h"

static const char *const watched_tables[] = {
	"users", "groups", "user_groups", "api_keys",
	"connections", "connection_secrets", "access_control", "plugins", "auth_config",
	"access_request_rules", "guardrail_rules", "guardrail_rules_connections",
	"datamasking_rules", "datamasking_rules_connections", "analyzer_rules", NULL
};

static Oid	watched[lengthof(watched_tables)];
static bool watched_known = false;
static uint64 generation = 1;
static bool callback_registered = false;

static void
relcache_callback(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || !watched_known)
	{
		generation++;
		return;
	}
	for (int i = 0; watched_tables[i]; i++)
		if (watched[i] == relid)
		{
			generation++;
			return;
		}
}

/*
 * The current generation; caches built under another one are stale.  Must
 * be called in a transaction (it may look the tables up).
 */
uint64
cache_generation(void)
{
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
		callback_registered = true;
	}
	if (!watched_known)
	{
		Oid			nsp = get_namespace_oid("hoop_mcp", true);

		for (int i = 0; watched_tables[i]; i++)
			watched[i] = OidIsValid(nsp) ? get_relname_relid(watched_tables[i], nsp) : InvalidOid;
		watched_known = true;
	}
	return generation;
}

/*
 * Whether a cache built at built_at is current, as far as this worker has
 * taken invalidations in; unlike cache_generation() it never looks
 * anything up, so it may be asked outside a transaction.
 */
bool
cache_current(uint64 built_at)
{
	return watched_known && built_at == generation;
}

/*
 * A cache table that is empty again whenever the generation changed: the
 * table and everything its entries point to live in *cxt, rebuilt here.
 * Keys are strings.
 */
HTAB *
cache_table(HTAB **table, MemoryContext *cxt, uint64 *built_at, const char *name,
			Size keysize, Size entrysize)
{
	HASHCTL		ctl;

	if (*table != NULL && *built_at == cache_generation())
		return *table;
	if (*cxt)
		MemoryContextDelete(*cxt);
	*cxt = AllocSetContextCreate(TopMemoryContext, "hoop_mcp cache", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSetIdentifier(*cxt, name);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = *cxt;
	*table = hash_create(name, 64, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	*built_at = cache_generation();
	return *table;
}

/* The extension was dropped or re-created: table OIDs changed. */
void
cache_reset(void)
{
	watched_known = false;
	generation++;
}

PG_FUNCTION_INFO_V1(hoop_mcp_cache_invalidate);

/* Statement trigger: tell every worker, at commit, that this table changed. */
Datum
hoop_mcp_cache_invalidate(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "hoop_mcp._cache_invalidate must be called as a trigger");
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}

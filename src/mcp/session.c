/*
 * mcp_session.c
 *		MCP sessions (Mcp-Session-Id), kept in shared memory so that every
 *		worker sharing the port knows them.
 *
 * A session is bound to the user that initialized it: a request carrying the
 * id with another user's credentials is answered as if the id were unknown.
 * Sessions expire after hoop_mcp.session_idle_timeout without use; a user
 * keeps at most hoop_mcp.max_sessions_per_user (its own oldest goes first),
 * and when the table is full the least recently used one is dropped.
 */
#include "lib/common.h"

#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

#include "mcp/mcp.h"

typedef struct McpSession
{
	char		id[MCP_SESSION_ID_LEN + 1]; /* hash key */
	pg_uuid_t	user;
	TimestampTz last_used;
	char		protocol_version[16];
	int			log_level;
} McpSession;

static HTAB *sessions = NULL;
static LWLock *sessions_lock = NULL;

void
mcp_session_shmem_request(void)
{
	RequestAddinShmemSpace(hash_estimate_size(hoop_max_sessions, sizeof(McpSession)));
	RequestNamedLWLockTranche("hoop_mcp sessions", 1);
}

void
mcp_session_shmem_startup(void)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = MCP_SESSION_ID_LEN + 1;
	ctl.entrysize = sizeof(McpSession);
	sessions = ShmemInitHash("hoop_mcp sessions", hoop_max_sessions, hoop_max_sessions,
							 &ctl, HASH_ELEM | HASH_STRINGS);
	sessions_lock = &(GetNamedLWLockTranche("hoop_mcp sessions"))[0].lock;
}

static bool
expired(McpSession *s, TimestampTz now)
{
	return TimestampDifferenceExceeds(s->last_used, now, hoop_session_idle_timeout_s * 1000);
}

/* Drops expired sessions, or the least recently used one.  Lock held. */
static void
make_room(TimestampTz now)
{
	HASH_SEQ_STATUS seq;
	McpSession *s;
	McpSession *oldest = NULL;
	bool		freed = false;

	hash_seq_init(&seq, sessions);
	while ((s = hash_seq_search(&seq)) != NULL)
	{
		if (expired(s, now))
		{
			hash_search(sessions, s->id, HASH_REMOVE, NULL);
			freed = true;
		}
		else if (oldest == NULL || s->last_used < oldest->last_used)
			oldest = s;
	}
	if (!freed && oldest != NULL)
		hash_search(sessions, oldest->id, HASH_REMOVE, NULL);
}

/*
 * Keeps a user under hoop_mcp.max_sessions_per_user: drops that user's
 * least recently used session when the user has as many.  Lock held.
 * (A scan of the table: initialize is rare next to the calls.)
 */
static void
make_room_for_user(const pg_uuid_t *user, TimestampTz now)
{
	HASH_SEQ_STATUS seq;
	McpSession *s;
	McpSession *oldest = NULL;
	int			n = 0;

	hash_seq_init(&seq, sessions);
	while ((s = hash_seq_search(&seq)) != NULL)
	{
		if (memcmp(&s->user, user, sizeof(pg_uuid_t)) != 0 || expired(s, now))
			continue;
		n++;
		if (oldest == NULL || s->last_used < oldest->last_used)
			oldest = s;
	}
	if (n >= hoop_max_sessions_per_user && oldest != NULL)
		hash_search(sessions, oldest->id, HASH_REMOVE, NULL);
}

/*
 * Creates a session for user and writes its id (32 hex characters, 128
 * random bits) to id_out.  False if no random bytes could be had.
 */
bool
mcp_session_create(const pg_uuid_t *user, const char *protocol_version, char *id_out)
{
	TimestampTz now = GetCurrentTimestamp();
	McpSession *s;
	bool		found;

	hoop_random_hex(id_out, MCP_SESSION_ID_LEN / 2);

	LWLockAcquire(sessions_lock, LW_EXCLUSIVE);
	make_room_for_user(user, now);
	if (hash_get_num_entries(sessions) >= hoop_max_sessions)
		make_room(now);
	s = hash_search(sessions, id_out, HASH_ENTER_NULL, &found);
	if (s != NULL)
	{
		s->user = *user;
		s->last_used = now;
		strlcpy(s->protocol_version, protocol_version, sizeof(s->protocol_version));
		s->log_level = -1;
	}
	LWLockRelease(sessions_lock);
	return s != NULL;
}

/* Looks a session up for user and marks it used.  False if unknown. */
bool
mcp_session_touch(const char *id, const pg_uuid_t *user)
{
	TimestampTz now = GetCurrentTimestamp();
	McpSession *s;
	bool		ok = false;

	if (strlen(id) != MCP_SESSION_ID_LEN)
		return false;
	LWLockAcquire(sessions_lock, LW_EXCLUSIVE);
	s = hash_search(sessions, id, HASH_FIND, NULL);
	if (s != NULL)
	{
		if (expired(s, now))
			hash_search(sessions, id, HASH_REMOVE, NULL);
		else if (memcmp(&s->user, user, sizeof(pg_uuid_t)) == 0)
		{
			s->last_used = now;
			ok = true;
		}
	}
	LWLockRelease(sessions_lock);
	return ok;
}

/* Ends a session (DELETE).  False if unknown or not the user's. */
bool
mcp_session_delete(const char *id, const pg_uuid_t *user)
{
	McpSession *s;
	bool		ok = false;

	if (strlen(id) != MCP_SESSION_ID_LEN)
		return false;
	LWLockAcquire(sessions_lock, LW_EXCLUSIVE);
	s = hash_search(sessions, id, HASH_FIND, NULL);
	if (s != NULL && memcmp(&s->user, user, sizeof(pg_uuid_t)) == 0)
	{
		hash_search(sessions, id, HASH_REMOVE, NULL);
		ok = true;
	}
	LWLockRelease(sessions_lock);
	return ok;
}

void
mcp_session_set_log_level(const char *id, int level)
{
	McpSession *s;

	LWLockAcquire(sessions_lock, LW_EXCLUSIVE);
	s = hash_search(sessions, id, HASH_FIND, NULL);
	if (s != NULL)
		s->log_level = level;
	LWLockRelease(sessions_lock);
}

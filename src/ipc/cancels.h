/*
 * cancels.h
 *		Asking the workers to cancel a running exec (cancels.c).
 */
#ifndef HOOP_MCP_CANCELS_H
#define HOOP_MCP_CANCELS_H

#include "utils/uuid.h"

#define CANCEL_KEY_LEN 64

/*
 * One request to cancel: a session by its id (sessions_cancel), or the
 * exec a client's JSON-RPC request started (notifications/cancelled: its
 * MCP session, request id and user).  reason says who and how.
 */
typedef struct CancelRequest
{
	uint64		seq;
	bool		by_session;
	pg_uuid_t	session;
	pg_uuid_t	user;
	char		mcp_session[CANCEL_KEY_LEN];
	char		rpc_id[CANCEL_KEY_LEN];
	char		reason[256];
} CancelRequest;

extern void cancels_init(void);
extern void cancels_shmem_request(void);
extern void cancels_shmem_startup(void);
extern void cancels_set_reason(CancelRequest *r, const char *reason);
extern void cancels_post(CancelRequest *r);
extern uint64 cancels_last_seq(void);
extern bool cancels_next(uint64 *seen, CancelRequest *out);

#endif							/* HOOP_MCP_CANCELS_H */

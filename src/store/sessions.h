/*
 * sessions.h
 *		Exec sessions: their rows, as the worker writes them (sessions.c).
 */
#ifndef HOOP_MCP_SESSIONS_H
#define HOOP_MCP_SESSIONS_H

#include "request/request.h"
#include "store/connections.h"

/* How an execution ended, as its session records it. */
typedef struct SessionEnd
{
	pg_uuid_t	id;
	const char *output;
	size_t		output_len;
	bool		truncated;
	int			exit_code;
	long		elapsed_ms;
	bool		review;			/* reviews_execute: the review becomes EXECUTED */
	const char *guardrails_info;	/* JSON: the guardrail that withheld it, or NULL */
	const char *masked;			/* JSON: what data masking replaced, or NULL */
	const char *notify;			/* more of its NOTIFY payload: ",\"key\":value...", or NULL */
} SessionEnd;

/* What the policy said of an exec before it ran (JSON texts, or NULL). */
typedef struct SessionPolicy
{
	const char *ai_analysis;
	const char *guardrails_info;
	bool		blocked;		/* the refusal is the analyzer rule's: exit code 254 */
	const char *notify;			/* more of the NOTIFY payload, as SessionEnd's */
} SessionPolicy;

extern void sessions_insert(const pg_uuid_t *id, const Actor *actor, ConnEntry *c,
							const char *input, Jsonb *metadata, const char *refusal,
							const char *executor, const SessionPolicy *policy);
extern void sessions_finish(SessionEnd *end);
extern void sessions_mark_review_executed(const pg_uuid_t *id);
extern void sessions_reconcile(const char *executor);

#endif							/* HOOP_MCP_SESSIONS_H */

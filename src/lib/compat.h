/*
 * compat.h
 *		Differences between the PostgreSQL versions hoop_mcp builds against.
 */
#ifndef HOOP_MCP_COMPAT_H
#define HOOP_MCP_COMPAT_H

#include "utils/wait_event.h"

#if PG_VERSION_NUM < 150000
#error "hoop_mcp needs PostgreSQL 15 or later"
#endif

/*
 * PG 17 added custom wait events; each is registered once per process
 * (util.c caches the id) and shows in pg_stat_activity by name.
 */
#if PG_VERSION_NUM >= 170000
extern uint32 hoop_wait_event_main(void);
extern uint32 hoop_wait_event_call(void);
#define HOOP_WAIT_EVENT_MAIN	hoop_wait_event_main()
#define HOOP_WAIT_EVENT_CALL	hoop_wait_event_call()
#else
#define HOOP_WAIT_EVENT_MAIN	PG_WAIT_EXTENSION
#define HOOP_WAIT_EVENT_CALL	PG_WAIT_EXTENSION
#endif

#endif							/* HOOP_MCP_COMPAT_H */

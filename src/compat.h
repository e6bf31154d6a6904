/*
 * compat.h
 *		Differences between the PostgreSQL major versions hoop_mcp builds on.
 *
 * Keep every PG_VERSION_NUM test here so the rest of the code reads as if
 * there were only one version.
 */
#ifndef HOOP_MCP_COMPAT_H
#define HOOP_MCP_COMPAT_H

#include "utils/wait_event.h"

#if PG_VERSION_NUM < 150000
#error "hoop_mcp needs PostgreSQL 15 or later"
#endif

/* PG 17 renamed the wait-event type and added custom wait events. */
#if PG_VERSION_NUM >= 170000
#define HOOP_WAIT_EVENT_MAIN	WaitEventExtensionNew("HoopMcpMain")
#define HOOP_WAIT_EVENT_CALL	WaitEventExtensionNew("HoopMcpCall")
#else
#define HOOP_WAIT_EVENT_MAIN	PG_WAIT_EXTENSION
#define HOOP_WAIT_EVENT_CALL	PG_WAIT_EXTENSION
#endif

#endif							/* HOOP_MCP_COMPAT_H */

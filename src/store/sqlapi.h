/*
 * sqlapi.h
 *		Process-local state the SQL API reads (sqlapi.c).
 *
 * While the worker runs a tool for an MCP user it sets hoop_acting_user;
 * SQL reads it through hoop_mcp._worker_actor().  It is C state, never a
 * GUC, so no SQL caller can set it.  hoop_internal_write marks the
 * worker's own writes of rows the SQL API guards.
 */
#ifndef HOOP_MCP_SQLAPI_H
#define HOOP_MCP_SQLAPI_H

#include "utils/uuid.h"

extern pg_uuid_t *hoop_acting_user;
extern bool hoop_internal_write;

#endif							/* HOOP_MCP_SQLAPI_H */

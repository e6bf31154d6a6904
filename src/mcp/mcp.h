/*
 * mcp.h
 *		The MCP side of a request (server.c, jsonrpc.c) and MCP sessions
 *		(session.c).
 */
#ifndef HOOP_MCP_MCP_H
#define HOOP_MCP_MCP_H

#include "request/request.h"

/* server.c: one POST or DELETE on /api/mcp, inside the batch transaction */
extern void mcp_handle(Request *req);

/* jsonrpc.c */
extern void mcp_set_error_response(Request *req, int status, int code, const char *message);
extern void mcp_set_result(Request *req, const char *result);
extern void mcp_tool_result(Request *req);
extern void mcp_progress(Request *req, double progress, int total, const char *message);

/* session.c: the Mcp-Session-Id table in shared memory */
#define MCP_SESSION_ID_LEN 32
extern void mcp_session_shmem_request(void);
extern void mcp_session_shmem_startup(void);
extern bool mcp_session_create(const pg_uuid_t *user, const char *protocol_version, char *id_out);
extern bool mcp_session_touch(const char *id, const pg_uuid_t *user);
extern bool mcp_session_delete(const char *id, const pg_uuid_t *user);
extern void mcp_session_set_log_level(const char *id, int level);

#endif							/* HOOP_MCP_MCP_H */

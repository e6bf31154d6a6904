/*
 * auth.h
 *		Who is calling (apikey.c), and whether a caller is known good
 *		before its body is read (vouch.c).
 */
#ifndef HOOP_MCP_AUTH_H
#define HOOP_MCP_AUTH_H

#include "request/request.h"

extern bool auth_api_key(Request *req, const char *token);
extern bool auth_load_actor(Request *req, const pg_uuid_t *user_id);
extern bool auth_dev_loopback(Request *req);
extern bool apikey_known(const char *token);
extern bool auth_vouch(Request *req);

#endif							/* HOOP_MCP_AUTH_H */

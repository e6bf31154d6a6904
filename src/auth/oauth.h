/*
 * oauth.h
 *		MCP OAuth mode (oauth.c).
 */
#ifndef HOOP_MCP_OAUTH_H
#define HOOP_MCP_OAUTH_H

#include "request/request.h"

typedef enum OAuthResult
{
	OAUTH_NOT_MINE,				/* not a token of the configured issuer */
	OAUTH_OK,					/* req->actor is set */
	OAUTH_FAIL,					/* req->error_message says why */
	OAUTH_PARK					/* unknown key: wait for the key set's refresh */
} OAuthResult;

extern void oauth_shmem_request(void);
extern void oauth_shmem_startup(void);
extern bool oauth_enabled(void);
extern OAuthResult oauth_authenticate(Request *req, const char *token);
extern bool oauth_known(const char *token);
extern char *oauth_challenge(const char *error, const char *description);
extern bool oauth_route(Request *req);
extern uint64 oauth_refresh_count(void);
extern PGDLLEXPORT void hoop_jwks_refresh_main(Datum arg);

#endif							/* HOOP_MCP_OAUTH_H */

/*
 * oauth.h
 *		The OAuth 2.1 resource server (oauth.c) and its HTTP fetches (fetch.c).
 */
#ifndef HOOP_MCP_OAUTH_H
#define HOOP_MCP_OAUTH_H

#include "request.h"

typedef enum OAuthResult
{
	OAUTH_NOT_MINE,				/* not a token of the configured issuer */
	OAUTH_OK,					/* req->actor is set */
	OAUTH_FAIL,					/* req->error_message says why */
	OAUTH_PARK					/* unknown key: wait for the key set's refresh */
} OAuthResult;

/* fetch.c */
extern bool fetch_url_allowed(const char *url);
extern Jsonb *fetch_json(const char *url);

/* oauth.c */
extern Size oauth_shmem_size(void);
extern void oauth_shmem_init(bool found);
extern bool oauth_enabled(void);
extern OAuthResult oauth_authenticate(Request *req, const char *token);
extern char *oauth_challenge(const char *error, const char *description);
extern bool oauth_route(Request *req);
extern uint64 oauth_refresh_count(void);
extern PGDLLEXPORT void hoop_jwks_refresh_main(Datum arg);

#endif							/* HOOP_MCP_OAUTH_H */

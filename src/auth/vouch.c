/*
 * vouch.c
 *		Whether a request's sender is known good from its headers alone.
 *
 * net/http.c asks this in libmicrohttpd's callback, outside a transaction,
 * to decide whether to read a request's body before the batch has
 * authenticated it: a caller not known good has its headers authenticated
 * first, so that no one unknown makes the worker hold a body.  So it asks
 * the caches only (no query, no catalog access).  Only the reading of the
 * body depends on it; the batch authenticates every request anyway, with
 * every change committed since taken in.
 */
#include "lib/common.h"

#include "auth/auth.h"
#include "auth/oauth.h"

bool
auth_vouch(Request *req)
{
	const char *auth = req->authorization;

	if (auth == NULL)
		return req->client_is_loopback && hoop_dev_loopback_user && hoop_dev_loopback_user[0];
	if (pg_strncasecmp(auth, "Bearer ", 7) != 0)
		return false;
	return apikey_known(auth + 7) || oauth_known(auth + 7);
}

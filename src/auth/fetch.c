/*
 * fetch.c
 *		Fetching an identity provider's JSON documents (discovery, JWKS).
 *
 * Blocking, with libcurl: it runs in the backend that calls
 * hoop_mcp.configure_oidc() and in the short-lived key refresher
 * (oauth.c), never in the MCP worker's event loop.  HTTPS with certificate
 * checks, or plain HTTP to a loopback address (tests, local IdPs); no
 * redirects; 15 s; 1 MiB; cancellable.
 */
#include "lib/common.h"

#include <arpa/inet.h>
#include <curl/curl.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "lib/json.h"
#include "auth/fetch.h"

#define FETCH_MAX_BYTES (1024 * 1024)
#define FETCH_TIMEOUT_S 15

static bool curl_ready = false;

typedef struct FetchBody
{
	StringInfoData buf;
	bool		too_large;
} FetchBody;

static size_t
on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	FetchBody  *body = arg;
	size_t		n = size * nmemb;

	if (body->buf.len + n > FETCH_MAX_BYTES)
	{
		body->too_large = true;
		return 0;				/* makes libcurl stop with an error */
	}
	appendBinaryStringInfo(&body->buf, data, n);
	return n;
}

/* Lets a cancel or a shutdown stop the transfer. */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	return InterruptPending ? 1 : 0;
}

/*
 * Whether url is https://..., or http:// to a loopback host.  Plain http
 * is for superusers only (tests, a local IdP): it would let anyone else
 * who may configure the provider probe services on the server's loopback.
 */
bool
fetch_url_allowed(const char *url)
{
	char		host[64];
	size_t		n;
	struct in_addr a;

	if (strncmp(url, "https://", 8) == 0)
		return true;
	if (strncmp(url, "http://", 7) != 0 || !superuser_arg(GetOuterUserId()))
		return false;
	url += 7;
	if (strncmp(url, "[::1]", 5) == 0 && (url[5] == ':' || url[5] == '/' || url[5] == '\0'))
		return true;
	n = strcspn(url, ":/");
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, url, n);
	host[n] = '\0';
	return pg_strcasecmp(host, "localhost") == 0 ||
		(inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127);
}

/* GETs url and parses its body as JSON; ERROR with the reason otherwise. */
Jsonb *
fetch_json(const char *url)
{
	CURL	   *curl;
	CURLcode	rc;
	long		status = 0;
	FetchBody	body;
	char		errbuf[CURL_ERROR_SIZE];

	if (!fetch_url_allowed(url))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("refusing to fetch \"%s\"", url),
				 errhint("Identity provider URLs must use https:// (http:// only to localhost, and only for superusers).")));
	if (!curl_ready)
	{
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			elog(ERROR, "could not initialize libcurl");
		curl_ready = true;
	}
	curl = curl_easy_init();
	if (curl == NULL)
		elog(ERROR, "could not initialize a libcurl handle");

	initStringInfo(&body.buf);
	body.too_large = false;
	errbuf[0] = '\0';
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long) FETCH_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "hoop_mcp/" EXTVERSION);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);

	CHECK_FOR_INTERRUPTS();
	if (body.too_large)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("could not fetch \"%s\": the document is larger than 1 MiB", url)));
	if (rc != CURLE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("could not fetch \"%s\": %s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc))));
	if (status != 200)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("could not fetch \"%s\": HTTP status %ld", url, status)));
	return jv_parse(body.buf.data);
}

PG_FUNCTION_INFO_V1(hoop_mcp_fetch_json);

/* hoop_mcp._fetch_json(url text) RETURNS jsonb */
Datum
hoop_mcp_fetch_json(PG_FUNCTION_ARGS)
{
	PG_RETURN_JSONB_P(fetch_json(text_to_cstring(PG_GETARG_TEXT_PP(0))));
}

/*
 * server.c
 *		MCP over Streamable HTTP: transport rules, authentication, the
 *		lifecycle, and method dispatch.
 *
 * Runs inside the worker's batch transaction (request/request.h).
 * Transport and authentication failures are HTTP errors; once a JSON-RPC
 * request is accepted every answer is HTTP 200, errors included, as MCP
 * clients expect.  Every request ends with its audit row (worker/batch.c).
 */
#include "lib/common.h"

#include <arpa/inet.h>
#include <ctype.h>

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "auth/auth.h"
#include "auth/oauth.h"
#include "ipc/cancels.h"
#include "lib/json.h"
#include "mcp/mcp.h"
#include "store/extension.h"
#include "tools/tools.h"

static const char *const supported_versions[] = {
	"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", NULL
};

static const char *const log_levels[] = {
	"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency", NULL
};

static bool
version_supported(const char *v)
{
	for (int i = 0; supported_versions[i]; i++)
		if (strcmp(v, supported_versions[i]) == 0)
			return true;
	return false;
}

/* Case-insensitive substring test for header values. */
static bool
header_has(const char *value, const char *token)
{
	size_t		n = strlen(token);

	for (const char *p = value; p && *p; p++)
		if (pg_strncasecmp(p, token, n) == 0)
			return true;
	return false;
}

/*
 * Splits "host[:port]" (a Host header, or what follows an Origin's
 * scheme) into host, strictly: a name of letters, digits, dots, dashes and
 * underscores or a bracketed IPv6 literal, an optional port of digits, and
 * nothing after it; so no user information ("127.0.0.1:80@evil.example"),
 * path or second host slips past.
 */
static bool
split_hostport(const char *hostport, char *host, size_t hostsize)
{
	const char *p = hostport;
	const char *h = hostport;
	size_t		n;

	if (*p == '[')
	{
		h = ++p;
		while (*p && (isxdigit((unsigned char) *p) || *p == ':' || *p == '.'))
			p++;
		if (*p != ']')
			return false;
		n = p - h;
		p++;
	}
	else
	{
		while (*p && (isalnum((unsigned char) *p) || *p == '.' || *p == '-' || *p == '_'))
			p++;
		n = p - h;
	}
	if (n == 0 || n >= hostsize)
		return false;
	if (*p == ':')
	{
		const char *port = ++p;

		while (isdigit((unsigned char) *p))
			p++;
		if (p == port || p - port > 5)
			return false;
	}
	if (*p != '\0')
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	return true;
}

/* Host names that may reach us: loopback, and the host of hoop_mcp.api_url. */
static bool
host_allowed(const char *hostport)
{
	char		host[256];
	const char *api = hoop_api_url();
	size_t		n;

	if (!split_hostport(hostport, host, sizeof(host)))
		return false;
	n = strlen(host);
	if (pg_strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0)
		return true;
	{
		struct in_addr a;

		/* 127.0.0.0/8, as an address: not "127.0.0.1.evil.example" */
		if (inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127)
			return true;
	}

	/* api_url is scheme://host[:port][/path] */
	api = strstr(api, "://");
	if (api == NULL)
		return false;
	api += 3;
	if (api[0] == '[')
	{
		api++;
		return strncmp(api, host, n) == 0 && api[n] == ']';
	}
	return pg_strncasecmp(api, host, n) == 0 &&
		(api[n] == '\0' || api[n] == ':' || api[n] == '/');
}

/*
 * DNS-rebinding protection: Host and Origin must name us.  An Origin is
 * scheme://host[:port] and nothing more (RFC 6454).
 */
static bool
origin_allowed(Request *req)
{
	if (req->host && !host_allowed(req->host))
		return false;
	if (req->origin)
	{
		const char *o = req->origin;

		if (pg_strncasecmp(o, "http://", 7) == 0)
			o += 7;
		else if (pg_strncasecmp(o, "https://", 8) == 0)
			o += 8;
		else
			return false;
		if (!host_allowed(o))
			return false;
	}
	return true;
}

/*
 * 401.  The challenge names the protected resource metadata when OAuth is
 * on, and carries an error only when credentials were sent (RFC 6750 3.1).
 */
static void
set_unauthorized(Request *req, const char *reason, bool token_given)
{
	mcp_set_error_response(req, 401, -32001, "unauthorized: a valid bearer token is required");
	req->error_message = pstrdup(reason);
	req->www_authenticate = oauth_challenge(token_given ? "invalid_token" : NULL, reason);
}

/* Authenticates the request; on failure the 401 answer is set. */
static bool
authenticate(Request *req)
{
	const char *auth = req->authorization;

	if (auth == NULL || auth[0] == '\0')
	{
		if (auth_dev_loopback(req))
			return true;
		set_unauthorized(req, "missing or malformed Authorization header", false);
		return false;
	}
	if (pg_strncasecmp(auth, "Bearer ", 7) != 0 || auth[7] == '\0')
	{
		set_unauthorized(req, "missing or malformed Authorization header", true);
		return false;
	}
	switch (oauth_authenticate(req, auth + 7))
	{
		case OAUTH_OK:
			return true;
		case OAUTH_PARK:
			req->parked = true;
			return false;
		case OAUTH_FAIL:
			set_unauthorized(req, req->error_message, true);
			return false;
		case OAUTH_NOT_MINE:
			break;
	}
	if (!auth_api_key(req, auth + 7))
	{
		set_unauthorized(req, req->error_message ? req->error_message : "invalid token", true);
		return false;
	}
	return true;
}

/* Parses the body as one JSON-RPC message; sets a 400 answer if it is not. */
static bool
parse_rpc(Request *req)
{
	MemoryContext cxt = CurrentMemoryContext;
	JsonbValue	v;
	JsonbValue *p;

	if (!pg_verify_mbstr(PG_UTF8, req->body.data, req->body.len, true))
	{
		mcp_set_error_response(req, 400, -32700, "Parse error: the body is not valid UTF-8");
		return false;
	}
	PG_TRY();
	{
		req->rpc = jv_parse(req->body.data);
	}
	PG_CATCH();
	{
		ErrorData  *e;

		MemoryContextSwitchTo(cxt);
		e = CopyErrorData();
		FlushErrorState();
		mcp_set_error_response(req, 400, -32700, psprintf("Parse error: %s", e->message));
		return false;
	}
	PG_END_TRY();

	if (JB_ROOT_IS_ARRAY(req->rpc) && !JB_ROOT_IS_SCALAR(req->rpc))
	{
		mcp_set_error_response(req, 400, -32600, "Invalid Request: batch requests are not supported");
		return false;
	}
	if (!JB_ROOT_IS_OBJECT(req->rpc))
	{
		mcp_set_error_response(req, 400, -32600, "Invalid Request: the body must be a JSON-RPC object");
		return false;
	}

	p = jv_key(&req->rpc->root, "id", &v);
	if (p != NULL)
	{
		if (p->type != jbvString &&
			(p->type != jbvNumeric ||
			 !DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(p->val.numeric),
											   DirectFunctionCall1(numeric_floor, NumericGetDatum(p->val.numeric))))))
		{
			mcp_set_error_response(req, 400, -32600, "Invalid Request: id must be a string or an integer");
			return false;
		}
		req->rpc_id = jv_text(p);
	}
	p = jv_key(&req->rpc->root, "jsonrpc", &v);
	if (p == NULL || p->type != jbvString || p->val.string.len != 3 ||
		strncmp(p->val.string.val, "2.0", 3) != 0)
	{
		mcp_set_error_response(req, 400, -32600, "Invalid Request: jsonrpc must be \"2.0\"");
		return false;
	}
	p = jv_key(&req->rpc->root, "method", &v);
	if (p != NULL && p->type == jbvString)
		req->rpc_method = jv_string(p);
	else if (p != NULL || req->rpc_id == NULL ||
			 (jv_key(&req->rpc->root, "result", &v) == NULL &&
			  jv_key(&req->rpc->root, "error", &v) == NULL))
	{
		mcp_set_error_response(req, 400, -32600, "Invalid Request: method must be a string");
		return false;
	}
	return true;
}

/* The params object of the request, or NULL. */
static JsonbContainer *
params(Request *req)
{
	JsonbValue	v;

	return jv_object(jv_key(&req->rpc->root, "params", &v));
}

static void
handle_initialize(Request *req)
{
	JsonbValue	v;
	char	   *asked = jv_string(jv_key(params(req), "protocolVersion", &v));
	const char *version = (asked && version_supported(asked)) ? asked : supported_versions[0];
	char		id[MCP_SESSION_ID_LEN + 1];
	StringInfoData r;

	if (!mcp_session_create(&req->actor.id, version, id))
	{
		mcp_set_error_response(req, 503, -32000, "too many MCP sessions; try again later");
		return;
	}
	req->new_session_id = pstrdup(id);
	initStringInfo(&r);
	appendStringInfo(&r,
					 "{\"protocolVersion\":\"%s\","
					 "\"capabilities\":{\"logging\":{},\"tools\":{\"listChanged\":false},"
					 "\"resources\":{\"subscribe\":true,\"listChanged\":false},"
					 "\"prompts\":{\"listChanged\":false},\"completions\":{}},"
					 "\"serverInfo\":{\"name\":\"hoop_mcp\",\"title\":\"hoop.dev MCP server in PostgreSQL\","
					 "\"version\":\"%s\"},"
					 "\"instructions\":\"Governed database access. Call me_get to see who you are, "
					 "connections_list to find connections, exec to run SQL; every execution is audited.\"}",
					 version, EXTVERSION);
	mcp_set_result(req, r.data);
}

static void
handle_set_level(Request *req)
{
	JsonbValue	v;
	char	   *level = jv_string(jv_key(params(req), "level", &v));

	for (int i = 0; level && log_levels[i]; i++)
	{
		if (strcmp(level, log_levels[i]) == 0)
		{
			mcp_session_set_log_level(req->mcp_session_id, i);
			mcp_set_result(req, "{}");
			return;
		}
	}
	mcp_set_error_response(req, 200, -32602, "Invalid params: level must be one of debug, info, notice, warning, error, critical, alert, emergency");
}

static void
handle_tools_list(Request *req)
{
	JsonbValue	v;

	if (jv_key(params(req), "cursor", &v) != NULL)
	{
		mcp_set_error_response(req, 200, -32602, "Invalid params: unknown cursor");
		return;
	}
	mcp_set_result(req, tools_list_json());
}

/* A tool call refused before it ran: an isError result, as go-sdk answers. */
static void
tool_error(Request *req, const char *message)
{
	req->in_tool = true;
	req->status = 200;
	request_outcome_error(req, ERRCODE_INVALID_PARAMETER_VALUE, message);
}

static void
handle_tools_call(Request *req)
{
	JsonbContainer *p = params(req);
	JsonbValue	v;
	JsonbValue *a;
	char	   *error;

	req->tool_name = jv_string(jv_key(p, "name", &v));
	if (req->tool_name == NULL)
	{
		mcp_set_error_response(req, 200, -32602, "Invalid params: name must be a string");
		return;
	}
	if (!tools_exists(req->tool_name))
	{
		mcp_set_error_response(req, 200, -32602, psprintf("Unknown tool: %s", req->tool_name));
		return;
	}
	a = jv_key(p, "arguments", &v);
	if (a != NULL && a->type != jbvNull)
	{
		if (jv_object(a) == NULL)
		{
			tool_error(req, "validating \"arguments\": validating root: type: arguments must be an object");
			return;
		}
		req->tool_args = jv_to_jsonb(a);
	}
	{
		JsonbValue	mv;
		JsonbContainer *meta = jv_object(jv_key(p, "_meta", &mv));
		JsonbValue	tv;
		JsonbValue *token = jv_key(meta, "progressToken", &tv);

		if (token && (token->type == jbvString || token->type == jbvNumeric))
			req->progress_token = jv_text(token);
	}
	if (!tools_validate(req->tool_name, req->tool_args, &error))
	{
		tool_error(req, error);
		return;
	}
	/* The answer is the tool's outcome, encoded when it is delivered. */
	req->in_tool = true;
	req->status = 200;
	if (req->progress_token && req->accept && strstr(req->accept, "text/event-stream"))
		req->progress = mcp_progress;
	tools_call(req);
}

static void
dispatch(Request *req)
{
	const char *m = req->rpc_method;

	if (strcmp(m, "ping") == 0)
		mcp_set_result(req, "{}");
	else if (strcmp(m, "tools/list") == 0)
		handle_tools_list(req);
	else if (strcmp(m, "tools/call") == 0)
		handle_tools_call(req);
	else if (strcmp(m, "logging/setLevel") == 0)
		handle_set_level(req);
	else if (strcmp(m, "resources/list") == 0)
		mcp_set_result(req, "{\"resources\":[]}");
	else if (strcmp(m, "resources/templates/list") == 0)
		mcp_set_result(req, "{\"resourceTemplates\":[]}");
	else if (strcmp(m, "resources/subscribe") == 0 || strcmp(m, "resources/unsubscribe") == 0)
		mcp_set_result(req, "{}");
	else if (strcmp(m, "resources/read") == 0)
		mcp_set_error_response(req, 200, -32002, "Resource not found");
	else if (strcmp(m, "prompts/list") == 0)
		mcp_set_result(req, "{\"prompts\":[]}");
	else if (strcmp(m, "prompts/get") == 0)
		mcp_set_error_response(req, 200, -32602, "Invalid params: unknown prompt");
	else if (strcmp(m, "completion/complete") == 0)
		mcp_set_result(req, "{\"completion\":{\"values\":[],\"total\":0,\"hasMore\":false}}");
	else
		mcp_set_error_response(req, 200, -32601, psprintf("Method not found: %s", m));
}

/*
 * notifications/cancelled: the exec the client's request started, if it
 * still runs in some worker, is cancelled (ipc/cancels.c).  An id that is
 * unknown, finished or not an exec's is ignored, as MCP allows.
 */
static void
handle_cancelled(Request *req)
{
	JsonbValue	v;
	JsonbContainer *p = params(req);
	JsonbValue *id = p ? jv_key(p, "requestId", &v) : NULL;
	char	   *rpc_id;
	char	   *reason;
	CancelRequest r = {0};

	if (id == NULL || (id->type != jbvString && id->type != jbvNumeric))
		return;
	rpc_id = jv_text(id);
	if (strlen(rpc_id) >= CANCEL_KEY_LEN || strlen(req->mcp_session_id) >= CANCEL_KEY_LEN)
		return;
	reason = p ? jv_string(jv_key(p, "reason", &v)) : NULL;
	r.user = req->actor.id;
	strlcpy(r.mcp_session, req->mcp_session_id, sizeof(r.mcp_session));
	strlcpy(r.rpc_id, rpc_id, sizeof(r.rpc_id));
	reason = psprintf("cancelled by %s (notifications/cancelled%s%s)",
					  req->actor.email ? req->actor.email : req->actor.subject,
					  reason && reason[0] ? ": " : "", reason && reason[0] ? reason : "");
	/* One line in the session's output. */
	for (char *c = reason; *c; c++)
		if ((unsigned char) *c < 32)
			*c = ' ';
	cancels_set_reason(&r, reason);
	cancels_post(&r);
}

static void
handle_delete(Request *req)
{
	if (req->mcp_session_id == NULL)
		mcp_set_error_response(req, 400, -32000, "Bad Request: Mcp-Session-Id header is required");
	else if (!mcp_session_delete(req->mcp_session_id, &req->actor.id))
		mcp_set_error_response(req, 404, -32001, "session not found");
	else
		req->status = 204;
}

static void
handle_post(Request *req)
{
	bool		is_initialize;

	if (req->content_type == NULL || !header_has(req->content_type, "application/json"))
	{
		mcp_set_error_response(req, 415, -32000, "Unsupported Media Type: Content-Type must be application/json");
		return;
	}
	if (req->accept && !header_has(req->accept, "application/json") &&
		!header_has(req->accept, "*/*") && !header_has(req->accept, "application/*"))
	{
		if (!header_has(req->accept, "text/event-stream"))
		{
			mcp_set_error_response(req, 406, -32000, "Not Acceptable: Accept must allow application/json or text/event-stream");
			return;
		}
		req->want_sse = true;
	}
	if (req->body_too_large)
	{
		mcp_set_error_response(req, 413, -32000,
							   psprintf("Payload Too Large: the body exceeds hoop_mcp.max_request_bytes (%d bytes)",
										hoop_max_request_bytes));
		return;
	}
	if (req->body_refused)
	{
		mcp_set_error_response(req, 503, -32000,
							   "Service Unavailable: too many request bodies are being received; try again");
		return;
	}
	if (!parse_rpc(req))
		return;

	/*
	 * A notification (or a response) from the client: nothing to answer,
	 * but it belongs to a session like any request.
	 */
	if (req->rpc_method == NULL || req->rpc_id == NULL)
	{
		if (req->mcp_session_id == NULL)
			mcp_set_error_response(req, 400, -32000, "Bad Request: Mcp-Session-Id header is required");
		else if (!mcp_session_touch(req->mcp_session_id, &req->actor.id))
			mcp_set_error_response(req, 404, -32001, "session not found");
		else
		{
			req->status = 202;
			resetStringInfo(&req->response);
			if (req->rpc_method && strcmp(req->rpc_method, "notifications/cancelled") == 0)
				handle_cancelled(req);
		}
		return;
	}

	is_initialize = strcmp(req->rpc_method, "initialize") == 0;
	if (!is_initialize && req->protocol_version && !version_supported(req->protocol_version))
	{
		mcp_set_error_response(req, 400, -32000,
							   psprintf("Bad Request: unsupported MCP-Protocol-Version \"%s\"", req->protocol_version));
		return;
	}
	if (is_initialize)
	{
		handle_initialize(req);
		return;
	}
	if (req->mcp_session_id == NULL)
	{
		mcp_set_error_response(req, 400, -32000, "Bad Request: Mcp-Session-Id header is required");
		return;
	}
	if (!mcp_session_touch(req->mcp_session_id, &req->actor.id))
	{
		mcp_set_error_response(req, 404, -32001, "session not found");
		return;
	}
	dispatch(req);
}

static void
handle_request(Request *req)
{
	if (!extension_ready())
	{
		mcp_set_error_response(req, 503, -32000,
							   psprintf("hoop_mcp is not installed: run CREATE EXTENSION hoop_mcp in database \"%s\"",
										hoop_database));
		return;
	}
	if (req->headers_ambiguous)
	{
		mcp_set_error_response(req, 400, -32000,
							   "Bad Request: Host, Origin, Authorization and Mcp-Session-Id may each appear once");
		return;
	}
	if (req->host && !host_allowed(req->host))
	{
		mcp_set_error_response(req, 403, -32000, "Forbidden: Host or Origin is not allowed");
		return;
	}
	/* Discovery documents are public: any Origin may read them. */
	if (oauth_route(req))
		return;
	if (!origin_allowed(req))
	{
		mcp_set_error_response(req, 403, -32000, "Forbidden: Host or Origin is not allowed");
		return;
	}
	if (req->query_string_token)
	{
		set_unauthorized(req, "tokens in the query string are refused; send Authorization: Bearer", true);
		return;
	}
	if (!authenticate(req))
		return;
	/* Only now may its body be read (net/http.c); it comes back with it. */
	if (req->body_gate == BODY_GATED)
	{
		req->body_gate = BODY_ADMITTED;
		return;
	}
	if (strcmp(req->method, "DELETE") == 0)
		handle_delete(req);
	else
		handle_post(req);
}

/* Handles one POST or DELETE on /api/mcp; the worker audits it. */
void
mcp_handle(Request *req)
{
	handle_request(req);
}

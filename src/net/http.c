/*
 * http.c
 *		libmicrohttpd glue: listening, collecting requests, sending answers.
 *
 * libmicrohttpd runs without threads (external epoll mode): each daemon's
 * epoll fd sits in the worker's WaitEventSet and MHD_run is called from the
 * worker's loop.  The callbacks below do no SQL and catch every ERROR, so
 * nothing ever longjmps through libmicrohttpd frames.  A complete POST or
 * DELETE is suspended and queued for the worker's next batch; the answer
 * resumes it.
 */
#include "lib/common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "auth/auth.h"
#include "mcp/mcp.h"
#include "net/net.h"
#include "net/slow_clients.h"
#include "request/request.h"

#define MAX_DAEMONS 8

static struct MHD_Daemon *daemons[MAX_DAEMONS];
static int	ndaemons = 0;

/*
 * Bytes of request bodies held by requests not yet freed, bounded by
 * hoop_mcp.max_bodies_in_flight: many clients that send large bodies slowly
 * cannot together grow the worker without limit.  A body is read only
 * once its sender is known (auth_vouch, or the batch authenticating its
 * headers), except on the public OAuth routes, whose bodies are small
 * and may hold a quarter of the budget at most.
 */
static size_t bodies_in_flight = 0;
static size_t public_bodies_in_flight = 0;

#define PUBLIC_BODY_MAX (64 * 1024)

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char		buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	ereport(DEBUG1, (errmsg_internal("libmicrohttpd: %s", buf)));
}

/* The headers that decide who is calling and from where. */
static const char *const single_headers[] = {
	MHD_HTTP_HEADER_HOST, "Origin", MHD_HTTP_HEADER_AUTHORIZATION, "Mcp-Session-Id", NULL
};

/*
 * Counts the identity headers: a request that sends one twice is refused
 * rather than read one way here and another way by a proxy.  (A NUL byte
 * in a value never reaches us: libmicrohttpd 0.9.75 cuts the value there.)
 */
static enum MHD_Result
count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	int		   *seen = cls;

	for (int i = 0; single_headers[i]; i++)
		if (pg_strcasecmp(key, single_headers[i]) == 0)
			seen[i]++;
	return MHD_YES;
}

static bool
headers_ambiguous(struct MHD_Connection *conn)
{
	int			seen[lengthof(single_headers)] = {0};

	(void) MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, seen);
	for (int i = 0; single_headers[i]; i++)
		if (seen[i] > 1)
			return true;
	return false;
}

/* Copies a request header into the request's context, or NULL. */
static char *
header(struct MHD_Connection *conn, const char *name)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);

	return v ? pstrdup(v) : NULL;
}

static void
capture_client(Request *req, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	req->client_ip[0] = '\0';
	req->client_is_loopback = false;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
	{
		const struct sockaddr_in *in = (const struct sockaddr_in *) sa;

		inet_ntop(AF_INET, &in->sin_addr, req->client_ip, sizeof(req->client_ip));
		req->client_is_loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	else if (sa->sa_family == AF_INET6)
	{
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, req->client_ip, sizeof(req->client_ip));
		req->client_is_loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
			(IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
	}
}

static void http_respond(Request *req);
static void http_stream_push(Request *req, const char *data, size_t len);
static void http_admit_body(Request *req);

static Request *
new_request(struct MHD_Connection *conn, const char *url, const char *method)
{
	Request    *req = request_new(REQ_HTTP);
	MemoryContext old = MemoryContextSwitchTo(req->cxt);
	const char *token;

	req->deliver = http_respond;
	req->push = http_stream_push;
	req->admit_body = http_admit_body;
	req->conn = conn;
	req->method = pstrdup(method);
	req->path = pstrdup(url);
	req->authorization = header(conn, MHD_HTTP_HEADER_AUTHORIZATION);
	req->mcp_session_id = header(conn, "Mcp-Session-Id");
	req->protocol_version = header(conn, "MCP-Protocol-Version");
	req->accept = header(conn, MHD_HTTP_HEADER_ACCEPT);
	req->content_type = header(conn, MHD_HTTP_HEADER_CONTENT_TYPE);
	req->origin = header(conn, "Origin");
	req->host = header(conn, MHD_HTTP_HEADER_HOST);
	req->headers_ambiguous = headers_ambiguous(conn);
	token = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "access_token");
	req->query_string_token = token ? pstrdup(token) : NULL;
	capture_client(req, conn);
	initStringInfo(&req->body);
	initStringInfo(&req->response);
	MemoryContextSwitchTo(old);
	return req;
}

/*
 * libmicrohttpd pulls a stream's bytes from here.  With nothing to send
 * yet the connection is suspended (returning 0 without suspending would
 * make libmicrohttpd call again at once); http_stream_push resumes it.
 */
static ssize_t
stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	Request    *req = cls;
	size_t		avail = req->stream.len - req->stream_sent;

	if (avail > 0)
	{
		size_t		n = Min(avail, max);

		memcpy(buf, req->stream.data + req->stream_sent, n);
		req->stream_sent += n;
		if (req->stream_sent == (size_t) req->stream.len)
		{
			resetStringInfo(&req->stream);
			req->stream_sent = 0;
		}
		return n;
	}
	if (req->stream_done)
		return MHD_CONTENT_READER_END_OF_STREAM;
	MHD_suspend_connection(req->conn);
	req->stream_suspended = true;
	return 0;
}

/* Hands a prepared answer, or the start of a stream, to libmicrohttpd. */
static enum MHD_Result
queue_response(Request *req)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (req->streaming)
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_reader, req, NULL);
	else
		resp = MHD_create_response_from_buffer(req->response.len, req->response.data,
											   MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	if (req->streaming)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	else if (req->response.len > 0 || req->response_type != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
								req->response_type ? req->response_type : "application/json");
	if (req->new_session_id)
		MHD_add_response_header(resp, "Mcp-Session-Id", req->new_session_id);
	if (req->www_authenticate)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, req->www_authenticate);
	if (req->allow_header)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST, DELETE");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
							req->cache_control ? req->cache_control : "no-store");
	ret = MHD_queue_response(req->conn, req->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * Requests answered without SQL: other paths, other methods.  POST and
 * DELETE on /api/mcp always go to the batch, which audits them.
 */
static bool
answer_directly(Request *req)
{
	/* OAuth discovery and registration read the configuration: batch. */
	if (strncmp(req->path, "/.well-known/", 13) == 0 ||
		strcmp(req->path, "/api/mcp/oauth/register") == 0)
		return false;
	if (strcmp(req->path, "/api/mcp") != 0)
	{
		mcp_set_error_response(req, 404, -32000, "not found: the MCP endpoint is /api/mcp");
		return true;
	}
	if (strcmp(req->method, "POST") == 0 || strcmp(req->method, "DELETE") == 0)
		return false;
	if (strcmp(req->method, "OPTIONS") == 0)
	{
		req->status = 204;
		req->allow_header = true;
		return true;
	}
	/* No standalone server-to-client stream: GET gets 405, as the spec allows. */
	mcp_set_error_response(req, 405, -32000, "method not allowed: use POST (or DELETE to end a session)");
	req->allow_header = true;
	return true;
}

/* Holds the request and queues it for the batch. */
static void
suspend_and_queue(Request *req)
{
	MHD_suspend_connection(req->conn);
	req->suspended = true;
	slow_clients_reading(req->conn, false);
	request_enqueue(req);
}

/*
 * The headers are in.  Requests answered without SQL are answered now,
 * their bodies never read; a request to /api/mcp whose token is not known
 * good goes to the batch with its headers only, so that no one unknown
 * makes the worker hold a body.
 */
static enum MHD_Result
take_headers(Request *req)
{
	if (answer_directly(req))
	{
		req->response_ready = true;
		slow_clients_reading(req->conn, false);
		return queue_response(req);
	}
	req->body_public = strcmp(req->path, "/api/mcp") != 0;
	if (!req->body_public && !auth_vouch(req))
	{
		req->body_gate = BODY_GATED;
		suspend_and_queue(req);
		return MHD_YES;
	}
	slow_clients_reading(req->conn, true);
	return MHD_YES;
}

/* A part of the body; past the limits the rest is read and dropped. */
static void
take_body(Request *req, const char *data, size_t n)
{
	size_t		limit = req->body_public ? PUBLIC_BODY_MAX : (size_t) hoop_max_request_bytes;
	MemoryContext old;

	if (req->body_too_large || req->body_refused)
		return;
	if (req->body.len + n > limit)
	{
		req->body_too_large = true;
		return;
	}
	if (bodies_in_flight + n > (size_t) hoop_max_bodies_in_flight ||
		(req->body_public && public_bodies_in_flight + n > (size_t) hoop_max_bodies_in_flight / 4))
	{
		req->body_refused = true;
		return;
	}
	old = MemoryContextSwitchTo(req->cxt);
	appendBinaryStringInfo(&req->body, data, n);
	MemoryContextSwitchTo(old);
	bodies_in_flight += n;
	if (req->body_public)
		public_bodies_in_flight += n;
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
		  const char *version, const char *upload_data, size_t *upload_data_size,
		  void **con_cls)
{
	Request    *volatile req = *con_cls;
	volatile enum MHD_Result ret = MHD_YES;
	MemoryContext oldcxt = CurrentMemoryContext;

	PG_TRY();
	{
		if (req == NULL)
		{
			MemoryContext old;

			req = new_request(conn, url, method);
			*con_cls = req;
			old = MemoryContextSwitchTo(req->cxt);
			ret = take_headers(req);
			MemoryContextSwitchTo(old);
		}
		else if (req->response_ready || req->streaming)
		{
			/* Resumed with its answer, or to start streaming it. */
			req->suspended = false;
			ret = queue_response(req);
		}
		else if (req->body_gate == BODY_ADMITTED)
		{
			/* Resumed to read its body: libmicrohttpd repeats the first call. */
			req->suspended = false;
			req->body_gate = BODY_OPEN;
			slow_clients_reading(conn, true);
		}
		else if (*upload_data_size > 0)
		{
			take_body(req, upload_data, *upload_data_size);
			*upload_data_size = 0;
		}
		else
			suspend_and_queue(req);
	}
	PG_CATCH();
	{
		/* Out of memory, most likely: drop the connection, keep serving. */
		MemoryContextSwitchTo(oldcxt);
		FlushErrorState();
		ret = MHD_NO;
	}
	PG_END_TRY();
	return ret;
}

/* libmicrohttpd is done with the connection: the request ends. */
static void
completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	Request    *req = *con_cls;

	if (req == NULL)
		return;
	*con_cls = NULL;
	bodies_in_flight -= req->body.len;
	if (req->body_public)
		public_bodies_in_flight -= req->body.len;
	MemoryContextDelete(req->cxt);
	/* A kept-alive connection waits for its next request's headers. */
	slow_clients_reading(conn, true);
}

/* The request's admission sink: its headers passed, read its body. */
static void
http_admit_body(Request *req)
{
	MHD_resume_connection(req->conn);
}

/*
 * The request's sink: resumes a suspended request whose answer is ready.
 * A tool's outcome becomes its CallToolResult here.
 */
static void
http_respond(Request *req)
{
	if (req->in_tool)
		mcp_tool_result(req);
	if (req->streaming)
	{
		/* The answer is the stream's last event. */
		req->stream_done = true;
		http_stream_push(req, req->response.data, req->response.len);
		return;
	}
	req->response_ready = true;
	if (req->suspended)
		MHD_resume_connection(req->conn);
}

/*
 * Answers with an SSE stream (200, text/event-stream) whose events are
 * pushed as they come; http_respond sends the last one and ends it.
 */
static void
http_stream_start(Request *req)
{
	MemoryContext old = MemoryContextSwitchTo(req->cxt);

	initStringInfo(&req->stream);
	MemoryContextSwitchTo(old);
	req->status = 200;
	req->streaming = true;
	if (req->suspended)
		MHD_resume_connection(req->conn);
}

/* The request's stream sink: queues bytes of the SSE answer. */
static void
http_stream_push(Request *req, const char *data, size_t len)
{
	MemoryContext old;

	if (!req->streaming)
		http_stream_start(req);
	old = MemoryContextSwitchTo(req->cxt);
	appendBinaryStringInfo(&req->stream, data, len);
	MemoryContextSwitchTo(old);
	if (req->stream_suspended)
	{
		req->stream_suspended = false;
		MHD_resume_connection(req->conn);
	}
}

/* One listening socket per address, like PostgreSQL's listen_addresses. */
static void
listen_on(const char *addr)
{
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	struct MHD_Daemon *d;

	memset(&ss, 0, sizeof(ss));
	if (strcmp(addr, "*") == 0)
	{
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_any;
		in6->sin6_port = htons(hoop_port);
		flags |= MHD_USE_DUAL_STACK;
	}
	else
	{
		struct sockaddr_in *in = (struct sockaddr_in *) &ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;

		if (inet_pton(AF_INET, addr, &in->sin_addr) == 1)
		{
			in->sin_family = AF_INET;
			in->sin_port = htons(hoop_port);
		}
		else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1)
		{
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons(hoop_port);
			flags |= MHD_USE_IPv6;
		}
		else
			ereport(FATAL,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid address \"%s\" in hoop_mcp.listen_addresses", addr),
					 errhint("Use localhost, *, or IP addresses.")));
	}
	if (ndaemons >= MAX_DAEMONS)
		ereport(FATAL,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many addresses in hoop_mcp.listen_addresses"),
				 errdetail("At most %d are supported.", MAX_DAEMONS)));
	d = MHD_start_daemon(flags, hoop_port, NULL, NULL,
						 access_cb, NULL,
						 MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &ss,
						 MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int) 1,
						 MHD_OPTION_NOTIFY_COMPLETED, completed_cb, NULL,
						 MHD_OPTION_NOTIFY_CONNECTION, slow_clients_notify, NULL,
						 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) hoop_connection_timeout_s,
						 MHD_OPTION_CONNECTION_LIMIT, (unsigned int) hoop_max_connections,
						 MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int) hoop_max_connections_per_address,
						 MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
						 MHD_OPTION_END);
	if (d == NULL)
	{
		/* ::1 may be missing on hosts without IPv6: not fatal for "localhost". */
		if (strcmp(addr, "::1") == 0 && ndaemons > 0)
		{
			ereport(LOG,
					(errmsg("hoop_mcp could not listen on [::1]:%d, serving IPv4 only", hoop_port)));
			return;
		}
		ereport(FATAL,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("hoop_mcp could not listen on %s port %d", addr, hoop_port),
				 errhint("Is another server using the port?  Change hoop_mcp.port or hoop_mcp.listen_addresses.")));
	}
	daemons[ndaemons++] = d;
}

/* Lets the worker serve many connections: the soft fd limit is often 1024. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
	{
		rl.rlim_cur = Min(rl.rlim_max, (rlim_t) 65536);
		(void) setrlimit(RLIMIT_NOFILE, &rl);
	}
}

void
http_start(void)
{
	char	   *raw = pstrdup(hoop_listen_addresses);
	List	   *addrs;
	ListCell   *lc;

	raise_fd_limit();
	if (!SplitGUCList(raw, ',', &addrs))
		ereport(FATAL,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid list syntax in hoop_mcp.listen_addresses")));
	foreach(lc, addrs)
	{
		const char *addr = lfirst(lc);

		if (strcmp(addr, "localhost") == 0)
		{
			listen_on("127.0.0.1");
			listen_on("::1");
		}
		else
			listen_on(addr);
	}
	if (ndaemons == 0)
		ereport(FATAL,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hoop_mcp.listen_addresses is empty")));
}

void
http_add_wait_events(void *wes)
{
	for (int i = 0; i < ndaemons; i++)
	{
		const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemons[i], MHD_DAEMON_INFO_EPOLL_FD);

		AddWaitEventToSet((WaitEventSet *) wes, WL_SOCKET_READABLE, info->epoll_fd, NULL, NULL);
	}
}

/* Smallest wait libmicrohttpd asks for, in ms, or -1. */
long
http_timeout_ms(void)
{
	long		result = slow_clients_timeout_ms();

	for (int i = 0; i < ndaemons; i++)
	{
		MHD_UNSIGNED_LONG_LONG t;

		if (MHD_get_timeout(daemons[i], &t) == MHD_YES &&
			(result < 0 || (long) t < result))
			result = (long) t;
	}
	return result;
}

void
http_run(void)
{
	slow_clients_sweep();
	for (int i = 0; i < ndaemons; i++)
		MHD_run(daemons[i]);
}

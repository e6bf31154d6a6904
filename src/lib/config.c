/*
 * config.c
 *		hoop_mcp's settings: the GUCs under hoop_mcp., all reserved.
 *
 * The variables are read where they are used; _PG_init defines them.
 */
#include "lib/common.h"

#include <limits.h>

#include "utils/guc.h"

int			hoop_port = 8009;
char	   *hoop_listen_addresses = NULL;
char	   *hoop_database = NULL;
char	   *hoop_api_url_setting = NULL;
int			hoop_exec_wait_timeout_ms = 50000;
int			hoop_pattern_timeout_ms = 100;
int			hoop_max_output_bytes = 1024 * 1024;
int			hoop_max_row_bytes = 64 * 1024 * 1024;
int			hoop_max_rows_in_flight = 256 * 1024 * 1024;
int			hoop_max_request_bytes = 4 * 1024 * 1024;
int			hoop_workers = 1;
char	   *hoop_admin_group = NULL;
char	   *hoop_auditor_group = NULL;
int			hoop_session_idle_timeout_s = 30 * 60;
int			hoop_max_sessions = 10000;
int			hoop_max_sessions_per_user = 100;
int			hoop_max_connections = 4000;
int			hoop_max_connections_per_address = 256;
int			hoop_connection_timeout_s = 60;
int			hoop_receive_timeout_s = 20;
int			hoop_max_bodies_in_flight = 64 * 1024 * 1024;
int			hoop_connect_timeout_s = 10;
int			hoop_target_statement_timeout_ms = 0;
int			hoop_target_lock_timeout_ms = 0;
int			hoop_target_idle_in_transaction_timeout_ms = 0;
int			hoop_max_rows = 0;
char	   *hoop_dev_loopback_user = NULL;
bool		hoop_durable_finish = true;
int			hoop_lock_timeout_ms = 100;
int			hoop_audit_max_payload_bytes = 64 * 1024;

/*
 * The public base URL: hoop_mcp.api_url, or http://localhost:<port>.
 */
const char *
hoop_api_url(void)
{
	static char fallback[64];

	if (hoop_api_url_setting && hoop_api_url_setting[0] != '\0')
		return hoop_api_url_setting;
	snprintf(fallback, sizeof(fallback), "http://localhost:%d", hoop_port);
	return fallback;
}

static bool
check_api_url(char **newval, void **extra, GucSource source)
{
	const char *v = *newval;

	if (v == NULL || v[0] == '\0')
		return true;
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
	{
		GUC_check_errdetail("hoop_mcp.api_url must start with http:// or https://.");
		return false;
	}
	if (v[strlen(v) - 1] == '/')
	{
		GUC_check_errdetail("hoop_mcp.api_url must not end with a slash.");
		return false;
	}
	return true;
}

void
config_define(void)
{
	DefineCustomIntVariable("hoop_mcp.port",
							"TCP port the MCP HTTP server listens on.",
							"Valid range is 1 to 65535.",
							&hoop_port, 8009, 1, 65535,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("hoop_mcp.listen_addresses",
							   "Comma-separated addresses the MCP HTTP server binds.",
							   "\"localhost\" binds 127.0.0.1 and ::1; \"*\" binds every address; otherwise IP literals.",
							   &hoop_listen_addresses, "localhost",
							   PGC_POSTMASTER, GUC_LIST_INPUT, NULL, NULL, NULL);
	DefineCustomStringVariable("hoop_mcp.database",
							   "Database the worker connects to; hoop_mcp must be created there.",
							   NULL,
							   &hoop_database, "postgres",
							   PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("hoop_mcp.api_url",
							   "Public base URL of the server, e.g. https://mcp.example.com.",
							   "Empty means http://localhost:<hoop_mcp.port>.  Used in links and in the Host/Origin allow-list.",
							   &hoop_api_url_setting, "",
							   PGC_SIGHUP, 0, check_api_url, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.exec_wait_timeout",
							"How long exec waits for a result before answering \"running\".",
							"Valid range is 1s to 10min.  The execution goes on and its session is finished when it ends.",
							&hoop_exec_wait_timeout_ms, 50000, 1000, 600000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.max_output_bytes",
							"Largest exec output kept; more is cut while reading and flagged truncated.",
							"Valid range is 1kB to 1GB.",
							&hoop_max_output_bytes, 1024 * 1024, 1024, 1024 * 1024 * 1024,
							PGC_SIGHUP, GUC_UNIT_BYTE, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.max_row_bytes",
							"Largest row (or COPY line) an exec may receive; a wider one stops the exec.",
							"Valid range is 64kB to 1GB.  libpq holds a row whole before any of it can be shown, and a row takes about twice its size while it is formatted; the exec ends with psql's exit code 1 and its target connection is closed.",
							&hoop_max_row_bytes, 64 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024,
							PGC_SIGHUP, GUC_UNIT_BYTE, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.max_rows_in_flight",
							"Most bytes of rows still arriving a worker holds for all execs at once; the exec that would pass it stops.",
							"Valid range is 64kB to 1GB.  With hoop_mcp.max_row_bytes it bounds the memory wide rows take: about twice this, plus hoop_mcp.max_output_bytes per exec.",
							&hoop_max_rows_in_flight, 256 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024,
							PGC_SIGHUP, GUC_UNIT_BYTE, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.max_request_bytes",
							"Largest HTTP request body accepted; larger ones get 413.",
							"Valid range is 1kB to 1GB.",
							&hoop_max_request_bytes, 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024,
							PGC_SIGHUP, GUC_UNIT_BYTE, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.max_connections",
							"Most HTTP connections each worker keeps open.",
							"Valid range is 16 to 60000.",
							&hoop_max_connections, 4000, 16, 60000,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.max_connections_per_address",
							"Most HTTP connections one client address may keep open with each worker.",
							"Valid range is 1 to 60000.  Clients behind one proxy share its address.",
							&hoop_max_connections_per_address, 256, 1, 60000,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.connection_timeout",
							"How long an HTTP connection may stay idle (no bytes either way) before it is closed.",
							"Valid range is 1s to 1h.  Requests waiting for an answer (a running exec, a reviews_wait) are not idle.",
							&hoop_connection_timeout_s, 60, 1, 3600,
							PGC_POSTMASTER, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.receive_timeout",
							"How long a client may take to send a request's headers, and then its body, before its connection is closed.",
							"Valid range is 1s to 1h.  The headers' clock starts when the connection opens or its last answer went out (so a kept-alive connection left idle closes after it too), the body's when the headers are in.  Unlike hoop_mcp.connection_timeout, sending a byte now and then does not reset it.",
							&hoop_receive_timeout_s, 20, 1, 3600,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.max_bodies_in_flight",
							"Most bytes of request bodies a worker holds at once; a body past it is answered 503.",
							"Valid range is 64kB to 1GB; at least hoop_mcp.max_request_bytes makes sense.",
							&hoop_max_bodies_in_flight, 64 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024,
							PGC_SIGHUP, GUC_UNIT_BYTE, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.connect_timeout",
							"How long connecting to a target may take before the exec fails.",
							"Valid range is 1s to 10min.  A target that accepts TCP and never answers fails its exec after this, as psql's connect_timeout would.",
							&hoop_connect_timeout_s, 10, 1, 600,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.pattern_timeout",
							"How long one guardrail or masking pattern may search one text.",
							"Valid range is 1ms to 10s.  A search past it fails closed: the input is refused, the output withheld, the value masked.",
							&hoop_pattern_timeout_ms, 100, 1, 10000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.target_statement_timeout",
							"statement_timeout of target sessions, unless their connection sets its own.",
							"0 (the default) leaves the target's own setting.  Sent when the session starts, so it beats the role's and the database's settings.",
							&hoop_target_statement_timeout_ms, 0, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.target_lock_timeout",
							"lock_timeout of target sessions.",
							"0 (the default) leaves the target's own setting.",
							&hoop_target_lock_timeout_ms, 0, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.target_idle_in_transaction_session_timeout",
							"idle_in_transaction_session_timeout of target sessions.",
							"0 (the default) leaves the target's own setting.",
							&hoop_target_idle_in_transaction_timeout_ms, 0, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.max_rows",
							"Rows of one result an exec shows, unless its connection sets its own; the rest are counted, not shown.",
							"0 (the default) shows every row up to hoop_mcp.max_output_bytes.",
							&hoop_max_rows, 0, 0, INT_MAX,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.workers",
							"Number of MCP HTTP workers sharing the port (SO_REUSEPORT).",
							"Valid range is 1 to 8.",
							&hoop_workers, 1, 1, HOOP_MAX_WORKERS,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("hoop_mcp.admin_group",
							   "User group whose members are hoop admins.",
							   NULL,
							   &hoop_admin_group, "admin",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("hoop_mcp.auditor_group",
							   "User group whose members are hoop auditors.",
							   NULL,
							   &hoop_auditor_group, "auditor",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.session_idle_timeout",
							"Idle time after which an MCP session (Mcp-Session-Id) expires.",
							"Valid range is 1s to 1 day.",
							&hoop_session_idle_timeout_s, 30 * 60, 1, 24 * 60 * 60,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.max_sessions",
							"Most MCP sessions kept at once; the least recently used goes first.",
							"Valid range is 16 to 1000000.",
							&hoop_max_sessions, 10000, 16, 1000000,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.max_sessions_per_user",
							"Most MCP sessions one user keeps at once; that user's least recently used goes first.",
							"Valid range is 1 to 1000000.  So that one user cannot push everyone else's sessions out of hoop_mcp.max_sessions.",
							&hoop_max_sessions_per_user, 100, 1, 1000000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("hoop_mcp.durable_finish",
							 "Whether an exec's answer waits until its finished session row is flushed.",
							 "On (the default): what a client was told is what the session row says, even after a crash.  Off: the finish is committed and answered before its WAL flush (about 0.1 ms sooner at one client); a crash in that moment finishes the session as interrupted (exit code 254) although its client was told it completed.",
							 &hoop_durable_finish, true,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.audit_max_payload_bytes",
							"Largest request body the audit log keeps whole; of a larger one it keeps the start, with the size and SHA-256 of all of it.",
							"Valid range is 1kB to 64MB.",
							&hoop_audit_max_payload_bytes, 64 * 1024, 1024, 64 * 1024 * 1024,
							PGC_SIGHUP, GUC_UNIT_BYTE, NULL, NULL, NULL);
	DefineCustomIntVariable("hoop_mcp.lock_timeout",
							"How long the worker waits for a lock a client may hold before that one request fails.",
							"Valid range is 1ms to 1min.  The worker serves everyone: a transaction left open on a review or a key must not stall it.",
							&hoop_lock_timeout_ms, 100, 1, 60000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomStringVariable("hoop_mcp.dev_loopback_user",
							   "FOR TESTS ONLY: email of the user that unauthenticated requests from loopback act as.",
							   "Empty (the default) requires a bearer token on every request.  Set it only for tools that cannot authenticate, such as the MCP conformance suite.",
							   &hoop_dev_loopback_user, "",
							   PGC_POSTMASTER, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);

	MarkGUCPrefixReserved("hoop_mcp");
}

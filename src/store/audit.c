/*
 * audit.c
 *		The security audit log: one row per MCP POST or DELETE.
 */
#include "lib/common.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "lib/json.h"
#include "store/audit.h"
#include "store/extension.h"
#include "store/rows.h"

/* Every POST and DELETE is audited; GETs (discovery documents) are not. */
bool
audit_wanted(Request *req)
{
	return req->kind == REQ_HTTP && extension_ready() &&
		(strcmp(req->method, "POST") == 0 || strcmp(req->method, "DELETE") == 0);
}

/*
 * The body as the audit row keeps it: redacted, and whole unless its
 * redacted text exceeds hoop_mcp.audit_max_payload_bytes, when only the
 * start of that text is kept, so that no key holder can grow the log by
 * more than that per request.
 */
static Jsonb *
audit_payload(Request *req)
{
	Jsonb	   *redacted = jv_redacted(req->rpc);
	char	   *text;
	int			len;
	StringInfoData cut;

	if (VARSIZE(redacted) <= (Size) hoop_audit_max_payload_bytes)
		return redacted;
	text = JsonbToCString(NULL, &redacted->root, VARSIZE(redacted));
	len = strlen(text);
	if (len <= hoop_audit_max_payload_bytes)
		return redacted;
	len = pg_mbcliplen(text, len, hoop_audit_max_payload_bytes);
	initStringInfo(&cut);
	appendStringInfoString(&cut, "{\"truncated\": true, \"prefix\": ");
	append_json_string(&cut, text, len);
	appendStringInfoChar(&cut, '}');
	return jv_parse(cut.data);
}

/*
 * One row per POST or DELETE.  The body is stored parsed, with secret-like
 * values redacted at any depth; the outcome is true for an answer that
 * reports no error (HTTP < 400, no JSON-RPC error, no isError result).
 */
void
audit_write(Request *req)
{
	bool		auth = req->authenticated;
	const char *error = req->error_message;
	RowColumn	cols[17];
	int			n = 0;

	/* A tool's error answer is an error, in its first 1000 bytes. */
	if (error == NULL && req->in_tool && req->outcome.is_error)
		error = pnstrdup(req->outcome.text, Min(req->outcome.len, 1000));

	cols[n++] = row_text("actor_subject", auth ? req->actor.subject : NULL);
	cols[n++] = row_text("actor_email", auth ? req->actor.email : NULL);
	cols[n++] = row_text("actor_name", auth ? req->actor.name : NULL);
	cols[n++] = row_text("resource_type", "mcp");
	cols[n++] = row_text("action", strcmp(req->method, "DELETE") == 0 ? "delete" : "create");
	cols[n++] = row_text("http_method", req->method);
	cols[n++] = row_text("http_path", req->path);
	cols[n++] = row_datum("http_status", Int32GetDatum(req->status));
	cols[n++] = row_input("client_ip", req->client_ip[0] ? req->client_ip : NULL);
	cols[n++] = row_text("mcp_session_id", req->new_session_id ? req->new_session_id : req->mcp_session_id);
	cols[n++] = row_text("rpc_method", req->rpc_method);
	cols[n++] = row_text("tool_name", req->tool_name);
	cols[n++] = row_jsonb("request_payload_redacted", req->rpc ? audit_payload(req) : NULL);
	if (req->body.len > 0)
	{
		unsigned char hash[32];
		char		hex[65];

		hoop_sha256(req->body.data, req->body.len, hash);
		hex[hex_encode((const char *) hash, sizeof(hash), hex)] = '\0';
		cols[n++] = row_datum("request_bytes", Int32GetDatum(req->body.len));
		cols[n++] = row_text("request_sha256", hex);
	}
	cols[n++] = row_datum("outcome", BoolGetDatum(req->status < 400 && error == NULL));
	cols[n++] = row_text("error_message", error);
	rows_insert("security_audit_log", cols, n);
}

/*
 * jsonrpc.c
 *		JSON-RPC answers: results, errors, a tool's outcome as a
 *		CallToolResult, and progress notifications on an SSE stream.
 *
 * An answer is written once into req->response, as one JSON document or,
 * for a client that asked for an event stream, as one SSE event.
 */
#include "lib/common.h"

#include "utils/memutils.h"

#include "mcp/mcp.h"

/* Writes the JSON-RPC envelope around a result or an error. */
static void
write_rpc(Request *req, const char *result, int code, const char *message)
{
	StringInfo	out = &req->response;

	resetStringInfo(out);
	if (req->want_sse && req->status == 200)
		appendStringInfoString(out, "event: message\ndata: ");
	appendStringInfo(out, "{\"jsonrpc\":\"2.0\",\"id\":%s,", req->rpc_id ? req->rpc_id : "null");
	if (result)
		appendStringInfo(out, "\"result\":%s}", result);
	else
	{
		appendStringInfo(out, "\"error\":{\"code\":%d,\"message\":", code);
		append_json_string(out, message, strlen(message));
		appendStringInfoString(out, "}}");
	}
	if (req->want_sse && req->status == 200)
	{
		appendStringInfoString(out, "\n\n");
		req->response_type = "text/event-stream";
	}
	else
		req->response_type = "application/json";
}

/* An HTTP-level error (or a JSON-RPC error with HTTP 200). */
void
mcp_set_error_response(Request *req, int status, int code, const char *message)
{
	req->status = status;
	write_rpc(req, NULL, code, message);
	if (req->error_message == NULL)
		req->error_message = pstrdup(message);
}

/* A JSON-RPC result (a JSON text). */
void
mcp_set_result(Request *req, const char *result)
{
	req->status = 200;
	write_rpc(req, result, 0, NULL);
}

/* Encodes the tool's outcome as a CallToolResult, in the request's memory. */
void
mcp_tool_result(Request *req)
{
	MemoryContext old = MemoryContextSwitchTo(req->cxt);
	ToolOutcome *o = &req->outcome;
	StringInfoData r;

	initStringInfo(&r);
	appendStringInfoString(&r, "{\"content\":[{\"type\":\"text\",\"text\":");
	append_json_string(&r, o->text, o->len);
	appendStringInfoString(&r, "}]");
	if (o->is_error)
		appendStringInfoString(&r, ",\"isError\":true");
	appendStringInfoChar(&r, '}');
	mcp_set_result(req, r.data);
	pfree(r.data);
	MemoryContextSwitchTo(old);
}

/*
 * notifications/progress for the request's progressToken, as an SSE event
 * ahead of its answer (which then comes as the stream's last event).
 */
void
mcp_progress(Request *req, double progress, int total, const char *message)
{
	MemoryContext old = MemoryContextSwitchTo(req->cxt);
	StringInfoData ev;

	req->want_sse = true;
	initStringInfo(&ev);
	appendStringInfo(&ev,
					 "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\","
					 "\"params\":{\"progressToken\":%s,\"progress\":%.3f,\"total\":%d,\"message\":",
					 req->progress_token, progress, total);
	append_json_string(&ev, message, strlen(message));
	appendStringInfoString(&ev, "}}\n\n");
	request_stream(req, ev.data, ev.len);
	pfree(ev.data);
	MemoryContextSwitchTo(old);
}

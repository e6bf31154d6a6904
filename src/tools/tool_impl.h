/*
 * tool_impl.h
 *		What the tools written in C share (inside tools/ only).
 *
 * Most tools are SQL functions, called by registry.c.  The few that run
 * on a target database or wait are C functions listed in registry.c's
 * table; each gets the request and its validated arguments, and either
 * sets the request's outcome or leaves it waiting (req->job, req->waiting).
 */
#ifndef HOOP_MCP_TOOL_IMPL_H
#define HOOP_MCP_TOOL_IMPL_H

#include "request/request.h"
#include "store/connections.h"
#include "target/driver.h"

typedef void (*ToolFunction) (Request *req, JsonbContainer *args);

/*
 * A tool's query on a target, as on_target.c runs it.  Tools embed it
 * first in their own struct (ExecJob, SchemaJob).
 */
typedef struct ToolJob ToolJob;
struct ToolJob
{
	Request    *req;			/* who waits for it, NULL once nobody does */
	TargetJob  *job;
	void		(*finish) (ToolJob *tj);	/* it ended; in the batch transaction */
	void		(*expire) (ToolJob *tj);	/* its deadline passed; outside one */
};

/* on_target.c */
extern void tool_require(const char *value, const char *name);
extern ConnEntry *tool_connection(Request *req, const char *name);
extern ToolJob *tool_job_new(Request *req, ConnEntry *c, const char *dbname, const char *what,
							 Size size);
extern void tool_job_wait(ToolJob *tj, int timeout_ms);
extern void tool_job_answer(ToolJob *tj);

/* exec.c */
extern void tool_exec(Request *req, JsonbContainer *args);
extern void tool_reviews_execute(Request *req, JsonbContainer *args);

/* schema.c */
extern void tool_connection_databases(Request *req, JsonbContainer *args);
extern void tool_connection_tables(Request *req, JsonbContainer *args);
extern void tool_connection_columns(Request *req, JsonbContainer *args);

/* reviews_wait.c */
extern void tool_reviews_wait(Request *req, JsonbContainer *args);

#endif							/* HOOP_MCP_TOOL_IMPL_H */

/*
 * tools.h
 *		The tools: the catalogue and calls (registry.c), and the work some
 *		of them leave running (on_target.c, reviews_wait.c).
 */
#ifndef HOOP_MCP_TOOLS_H
#define HOOP_MCP_TOOLS_H

#include "request/request.h"

/* registry.c */
extern void tools_reset(void);
extern const char *tools_list_json(void);
extern bool tools_exists(const char *name);
extern bool tools_runs_on_target(const char *name);
extern bool tools_validate(const char *name, Jsonb *args, char **error);
extern void tools_call(Request *req);

/* on_target.c: queries tools left running on target databases */
extern void tools_collect_finished(void);
extern void tools_check_deadlines(TimestampTz now);

/* exec.c: cancelling running execs */
extern void tools_take_cancels(void);

/* reviews_wait.c: reviews_wait calls waiting for a decision */
extern void waits_check(Request *req);
extern void waits_park(Request *req);
extern void waits_poll(TimestampTz now, long *timeout);

#endif							/* HOOP_MCP_TOOLS_H */

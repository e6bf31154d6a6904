/*
 * target.h
 *		Queries on target databases (target.c).
 */
#ifndef HOOP_MCP_TARGET_H
#define HOOP_MCP_TARGET_H

#include "request.h"

extern void target_begin(Request *req, const char *connection_name, const char *input,
						 Jsonb *metadata, const char *database, const char *table,
						 const char *schema);
extern void target_begin_review(Request *req, const char *id);

#endif							/* HOOP_MCP_TARGET_H */

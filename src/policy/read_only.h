/*
 * read_only.h
 *		Read-only connections: what may run on them (read_only.c).
 */
#ifndef HOOP_MCP_READ_ONLY_H
#define HOOP_MCP_READ_ONLY_H

#include "policy/analyse.h"

extern char *read_only_refusal(const char *input);
extern char *statement_refusal(const Statement *s, const char *where, const char *why);
extern char *read_only_statements_refusal(List *statements);

#endif							/* HOOP_MCP_READ_ONLY_H */

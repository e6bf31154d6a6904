/*
 * subxact.h
 *		Running a piece of work in its own subtransaction (subxact.c).
 */
#ifndef HOOP_MCP_SUBXACT_H
#define HOOP_MCP_SUBXACT_H

extern bool subxact_try(void (*fn) (void *arg), void *arg, MemoryContext cxt, const char *what);

#endif							/* HOOP_MCP_SUBXACT_H */

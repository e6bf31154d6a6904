/*
 * cache.h
 *		When the worker's caches go stale (cache.c).
 */
#ifndef HOOP_MCP_CACHE_H
#define HOOP_MCP_CACHE_H

#include "utils/hsearch.h"

extern uint64 cache_generation(void);
extern bool cache_current(uint64 built_at);
extern HTAB *cache_table(HTAB **table, MemoryContext *cxt, uint64 *built_at,
						 const char *name, Size keysize, Size entrysize);
extern void cache_reset(void);

#endif							/* HOOP_MCP_CACHE_H */

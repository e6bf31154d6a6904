/*
 * plans.h
 *		Prepared statements the worker keeps between requests (plans.c).
 */
#ifndef HOOP_MCP_PLANS_H
#define HOOP_MCP_PLANS_H

#include "executor/spi.h"

extern SPIPlanPtr hoop_plan(const char *sql, int nargs, const Oid *argtypes);
extern void hoop_plans_reset(void);
extern int	hoop_execute_plan(SPIPlanPtr plan, Datum *values, const char *nulls,
							  bool read_only, long tcount);

#endif							/* HOOP_MCP_PLANS_H */

/*
 * plans.c
 *		Prepared statements the worker keeps between requests.
 *
 * Each statement is a static string; its plan is prepared on first use and
 * kept until the extension is dropped or re-created (hoop_plans_reset).
 */
#include "lib/common.h"

#include "executor/spi.h"

#include "store/plans.h"

#define MAX_PLANS 32

typedef struct KeptPlan
{
	const char *sql;
	SPIPlanPtr	plan;
} KeptPlan;

static KeptPlan plans[MAX_PLANS];
static int	nplans = 0;

/* The kept plan for sql (a string constant), preparing it the first time. */
SPIPlanPtr
hoop_plan(const char *sql, int nargs, const Oid *argtypes)
{
	SPIPlanPtr	plan;

	for (int i = 0; i < nplans; i++)
		if (plans[i].sql == sql)
			return plans[i].plan;
	if (nplans >= MAX_PLANS)
		elog(ERROR, "hoop_mcp: too many kept plans");
	/* Generic plans: these statements are short and their parameters
	 * never change the best plan, so replanning each call is waste. */
	plan = SPI_prepare_cursor(sql, nargs, (Oid *) argtypes, CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	plans[nplans].sql = sql;
	plans[nplans].plan = plan;
	nplans++;
	return plan;
}

void
hoop_plans_reset(void)
{
	for (int i = 0; i < nplans; i++)
		SPI_freeplan(plans[i].plan);
	nplans = 0;
}

/*
 * SPI_execute_plan that leaves CurrentMemoryContext as it found it: SPI
 * switches to its own procedure context, which SPI_finish frees, and the
 * worker keeps request data in the request's context.
 */
int
hoop_execute_plan(SPIPlanPtr plan, Datum *values, const char *nulls, bool read_only, long tcount)
{
	MemoryContext old = CurrentMemoryContext;
	int			rc = SPI_execute_plan(plan, values, nulls, read_only, tcount);

	MemoryContextSwitchTo(old);
	return rc;
}

/*
 * subxact.c
 *		Work the batch can lose without losing the other requests.
 */
#include "lib/common.h"

#include "access/xact.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "lib/subxact.h"

/*
 * Runs fn(arg) in its own subtransaction; an ERROR is logged as "could not
 * <what>" and rolled back, and false returned.
 */
bool
subxact_try(void (*fn) (void *arg), void *arg, MemoryContext cxt, const char *what)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		/* Copied before ereport(LOG), which pushes an error entry of its own. */
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		ereport(LOG,
				(errmsg("hoop_mcp: could not %s: %s", what, edata->message)));
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	CurrentResourceOwner = oldowner;
	return ok;
}

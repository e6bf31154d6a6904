/*
 * extension.c
 *		Whether CREATE EXTENSION hoop_mcp has run in the worker's database.
 *
 * The worker checks once per batch; everything that reads the extension's
 * tables asks here first.
 */
#include "lib/common.h"

#include "commands/extension.h"

#include "store/extension.h"

static Oid	extension_oid = InvalidOid;

/* Looks again (in a transaction); true if the extension came, went or was re-created. */
bool
extension_check(void)
{
	Oid			oid = get_extension_oid("hoop_mcp", true);

	if (oid == extension_oid)
		return false;
	extension_oid = oid;
	return true;
}

bool
extension_ready(void)
{
	return OidIsValid(extension_oid);
}

/*
 * audit.h
 *		The security audit log (audit.c).
 */
#ifndef HOOP_MCP_AUDIT_H
#define HOOP_MCP_AUDIT_H

#include "request/request.h"

extern bool audit_wanted(Request *req);
extern void audit_write(Request *req);

#endif							/* HOOP_MCP_AUDIT_H */

/*
 * common.h
 *		What every hoop_mcp file includes first.
 *
 * Process model: the HTTP worker(s) (worker/) serve MCP at /api/mcp and are
 * the only executors of queries on target databases.  Ordinary backends run
 * the SQL API; the tools that touch a target hand their call to a worker
 * through shared memory (net/handoff.c).  doc/design.md draws the layers
 * src/'s folders are.
 */
#ifndef HOOP_MCP_COMMON_H
#define HOOP_MCP_COMMON_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "utils/uuid.h"

#include "lib/compat.h"
#include "lib/config.h"
#include "lib/util.h"

#ifndef EXTVERSION
#define EXTVERSION "0.1"
#endif

#define HOOP_MAX_WORKERS 8

#endif							/* HOOP_MCP_COMMON_H */

/*
 * worker.h
 *		The MCP worker: its loop (loop.c) and its batches (batch.c).
 */
#ifndef HOOP_MCP_WORKER_H
#define HOOP_MCP_WORKER_H

#include "datatype/timestamp.h"

/* loop.c */
extern PGDLLEXPORT void hoop_worker_main(Datum arg);

/* batch.c */
extern void batch_run(void);
extern void batch_reconcile(void);
extern void batch_unpark(TimestampTz now, long *timeout);

#endif							/* HOOP_MCP_WORKER_H */

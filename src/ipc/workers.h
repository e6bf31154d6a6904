/*
 * workers.h
 *		Which MCP workers run, and waking them (workers.c).
 */
#ifndef HOOP_MCP_WORKERS_H
#define HOOP_MCP_WORKERS_H

extern void workers_shmem_request(void);
extern void workers_shmem_startup(void);
extern bool hoop_shmem_ready(void);
extern void hoop_worker_attach(int index);
extern void hoop_worker_detach(void);
extern int	hoop_worker_index(void);
extern const char *hoop_executor_name(void);
extern bool hoop_worker_running(int index);
extern void hoop_wake_worker(int index);

#endif							/* HOOP_MCP_WORKERS_H */

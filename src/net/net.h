/*
 * net.h
 *		Where requests come from: HTTP (http.c) and SQL backends handing
 *		over a tool call (handoff.c).
 */
#ifndef HOOP_MCP_NET_H
#define HOOP_MCP_NET_H

/* http.c */
extern void http_start(void);
extern void http_add_wait_events(void *wes);
extern void http_run(void);
extern long http_timeout_ms(void);

/* handoff.c */
extern void handoff_shmem_request(void);
extern void handoff_shmem_startup(void);
extern void call_take_pending(int worker_index);
extern void call_fail_all(int worker_index);

#endif							/* HOOP_MCP_NET_H */

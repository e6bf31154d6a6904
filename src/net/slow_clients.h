/*
 * slow_clients.h
 *		Closing connections slow to send a request (slow_clients.c), for
 *		http.c.
 */
#ifndef HOOP_MCP_SLOW_CLIENTS_H
#define HOOP_MCP_SLOW_CLIENTS_H

#include <microhttpd.h>

extern void slow_clients_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
								enum MHD_ConnectionNotificationCode code);
extern void slow_clients_reading(struct MHD_Connection *conn, bool reading);
extern void slow_clients_sweep(void);
extern long slow_clients_timeout_ms(void);

#endif							/* HOOP_MCP_SLOW_CLIENTS_H */

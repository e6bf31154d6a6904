/*
 * slow_clients.c
 *		Connections that take too long to send a request are closed.
 *
 * libmicrohttpd's own timeout counts idleness only: a client that sends
 * one header byte every few seconds is never idle and holds its
 * connection for hours.  So each connection is watched while the worker
 * waits for its bytes, whether the headers of its next request (from when
 * it opened or its last answer went out) or a body (from its headers), and
 * past hoop_mcp.receive_timeout its socket is shut down, which makes
 * libmicrohttpd close it the next time it looks.  While the worker holds
 * a request (authenticating it, running it, streaming its answer) the
 * clock does not run.
 */
#include "lib/common.h"

#include <sys/socket.h>
#include <microhttpd.h>

#include "lib/ilist.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "net/net.h"
#include "net/slow_clients.h"

typedef struct Watch
{
	dlist_node	node;
	struct MHD_Connection *conn;
	bool		reading;		/* the worker waits for the client's bytes */
	TimestampTz since;
} Watch;

static dlist_head watches = DLIST_STATIC_INIT(watches);
static int	nreading = 0;
static MemoryContext watch_cxt = NULL;

/* Sweeps at most this often; a deadline is met within this much. */
#define SWEEP_INTERVAL_MS 500
static TimestampTz last_sweep = 0;

static void
set_reading(Watch *w, bool reading)
{
	nreading += (int) reading - (int) w->reading;
	w->reading = reading;
	w->since = GetCurrentTimestamp();
}

/* MHD_OPTION_NOTIFY_CONNECTION: a connection opened or closed. */
void
slow_clients_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
					enum MHD_ConnectionNotificationCode code)
{
	Watch	   *w = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED)
	{
		if (watch_cxt == NULL)
			watch_cxt = AllocSetContextCreate(TopMemoryContext, "hoop_mcp connections",
											  ALLOCSET_SMALL_SIZES);
		/* Without memory the connection goes unwatched; its idle timeout stays. */
		w = MemoryContextAllocExtended(watch_cxt, sizeof(Watch), MCXT_ALLOC_NO_OOM | MCXT_ALLOC_ZERO);
		if (w == NULL)
			return;
		w->conn = conn;
		dlist_push_tail(&watches, &w->node);
		set_reading(w, true);
		*socket_context = w;
	}
	else if (w != NULL)
	{
		set_reading(w, false);
		dlist_delete(&w->node);
		pfree(w);
		*socket_context = NULL;
	}
}

/* Starts or stops the clock of the connection: whether we wait for its bytes. */
void
slow_clients_reading(struct MHD_Connection *conn, bool reading)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	Watch	   *w = ci ? ci->socket_context : NULL;

	if (w != NULL)
		set_reading(w, reading);
}

/* Shuts the sockets of connections past their deadline. */
void
slow_clients_sweep(void)
{
	TimestampTz now;
	dlist_iter	iter;

	if (nreading == 0)
		return;
	now = GetCurrentTimestamp();
	if (!TimestampDifferenceExceeds(last_sweep, now, SWEEP_INTERVAL_MS))
		return;
	last_sweep = now;
	dlist_foreach(iter, &watches)
	{
		Watch	   *w = dlist_container(Watch, node, iter.cur);
		const union MHD_ConnectionInfo *ci;

		if (!w->reading || !TimestampDifferenceExceeds(w->since, now, hoop_receive_timeout_s * 1000))
			continue;
		set_reading(w, false);
		ci = MHD_get_connection_info(w->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci != NULL)
			(void) shutdown(ci->connect_fd, SHUT_RDWR);
	}
}

/* How soon the loop must sweep again, in ms, or -1. */
long
slow_clients_timeout_ms(void)
{
	return nreading > 0 ? SWEEP_INTERVAL_MS : -1;
}

/*
 * hoop_mcp.h
 *		Declarations shared by the hoop_mcp modules.
 *
 * Process model: the HTTP worker(s) (worker.c) serve MCP at /api/mcp and are
 * the only executors of queries on target databases.  Ordinary backends run
 * the SQL API; the tools that touch a target hand their call to a worker
 * through shared memory (call.c).
 */
#ifndef HOOP_MCP_H
#define HOOP_MCP_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "storage/condition_variable.h"
#include "utils/uuid.h"

#include "compat.h"

#ifndef EXTVERSION
#define EXTVERSION "0.1"
#endif

#define HOOP_MAX_WORKERS 8

/* GUCs (hoop_mcp.c) */
extern int	hoop_port;
extern char *hoop_listen_addresses;
extern char *hoop_database;
extern char *hoop_api_url_setting;
extern int	hoop_exec_wait_timeout_ms;
extern int	hoop_max_output_bytes;
extern int	hoop_max_request_bytes;
extern int	hoop_workers;
extern char *hoop_admin_group;
extern char *hoop_auditor_group;
extern int	hoop_session_idle_timeout_s;
extern int	hoop_max_sessions;
extern char *hoop_dev_loopback_user;
extern bool hoop_durable_finish;

extern const char *hoop_api_url(void);

/*
 * Identity (sqlapi.c).  While the worker runs a tool for an MCP user it sets
 * hoop_acting_user; SQL reads it through hoop_mcp._worker_actor().  It is
 * process-local C state, never a GUC, so no SQL caller can set it.
 */
extern pg_uuid_t *hoop_acting_user;
extern bool hoop_internal_write;

/* Shared memory (shmem.c) */
extern void hoop_shmem_request(void);
extern void hoop_shmem_startup(void);
extern bool hoop_shmem_ready(void);
extern void hoop_shmem_worker_attach(int index);
extern void hoop_shmem_worker_detach(int index);
extern bool hoop_worker_running(int index);
extern void hoop_wake_worker(int index);

/* MCP sessions (mcp_session.c): the Mcp-Session-Id table in shared memory. */
#define MCP_SESSION_ID_LEN 32
extern Size mcp_session_shmem_size(void);
extern void mcp_session_shmem_init(bool found);
extern bool mcp_session_create(const pg_uuid_t *user, const char *protocol_version, char *id_out);
extern bool mcp_session_touch(const char *id, const pg_uuid_t *user);
extern bool mcp_session_delete(const char *id, const pg_uuid_t *user);
extern void mcp_session_set_log_level(const char *id, int level);

/* SQL-to-worker calls (call.c) */
extern Size hoop_call_shmem_size(void);
extern void hoop_call_shmem_init(bool found);

/* Review and session transitions, published at commit (changes.c) */
extern void changes_init(void);
extern Size changes_shmem_size(void);
extern void changes_shmem_init(void);
extern uint64 changes_review_count(void);
extern ConditionVariable *changes_review_cv(void);
extern bool changes_published_by_caller;
extern void changes_publish_session(const pg_uuid_t *id, const char *status, const char *previous);

/* The worker (worker.c) */
extern PGDLLEXPORT void hoop_worker_main(Datum arg);

/* Small helpers (util.c) */
extern void hoop_random_hex(char *out, int nbytes);
extern void hoop_random_uuid(pg_uuid_t *uuid);
extern void hoop_sha256(const void *data, size_t len, unsigned char out[32]);
extern bool hoop_consttime_equal(const void *a, const void *b, size_t len);
extern void append_json_string(StringInfo buf, const char *s, size_t len);

#endif							/* HOOP_MCP_H */

/*
 * config.h
 *		hoop_mcp's settings (config.c).
 */
#ifndef HOOP_MCP_CONFIG_H
#define HOOP_MCP_CONFIG_H

extern int	hoop_port;
extern char *hoop_listen_addresses;
extern char *hoop_database;
extern char *hoop_api_url_setting;
extern int	hoop_exec_wait_timeout_ms;
extern int	hoop_max_output_bytes;
extern int	hoop_max_row_bytes;
extern int	hoop_max_rows_in_flight;
extern int	hoop_max_request_bytes;
extern int	hoop_workers;
extern char *hoop_admin_group;
extern char *hoop_auditor_group;
extern int	hoop_session_idle_timeout_s;
extern int	hoop_max_sessions;
extern int	hoop_max_sessions_per_user;
extern int	hoop_max_connections;
extern int	hoop_max_connections_per_address;
extern int	hoop_connection_timeout_s;
extern int	hoop_receive_timeout_s;
extern int	hoop_max_bodies_in_flight;
extern int	hoop_connect_timeout_s;
extern int	hoop_target_statement_timeout_ms;
extern int	hoop_pattern_timeout_ms;
extern int	hoop_target_lock_timeout_ms;
extern int	hoop_target_idle_in_transaction_timeout_ms;
extern int	hoop_max_rows;
extern char *hoop_dev_loopback_user;
extern bool hoop_durable_finish;
extern int	hoop_lock_timeout_ms;
extern int	hoop_audit_max_payload_bytes;

extern void config_define(void);
extern const char *hoop_api_url(void);

#endif							/* HOOP_MCP_CONFIG_H */

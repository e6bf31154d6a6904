/*
 * connections.h
 *		The connections the worker runs queries on (connections.c).
 */
#ifndef HOOP_MCP_CONNECTIONS_H
#define HOOP_MCP_CONNECTIONS_H

#include "request/request.h"
#include "utils/array.h"

/*
 * Connections, cached by the name (or id) asked for until one of their
 * tables changes (cache.c), so an exec needs no lookup query.
 */
typedef struct ConnEntry
{
	char		key[NAMEDATALEN * 4];	/* hash key: the name or id asked for */
	pg_uuid_t	id;
	char	   *name;
	char	   *type;
	char	   *subtype;
	Jsonb	   *tags;
	bool		exec_disabled;
	ArrayType  *mandatory_metadata;
	ArrayType  *allowed_groups;	/* NULL: no binding */
	bool		access_control_on;	/* the access_control plugin exists */
	bool		allow_passwordless;
	bool		has_rules;		/* an access request rule names it */
	bool		allow_server_files; /* a superuser allowed any libpq option */
	bool		has_password;
	const char *unsafe_option;	/* the first option only a superuser may allow */
	bool		read_only;		/* execs must be reads, run read-only */
	int			statement_timeout_ms;	/* -1: hoop_mcp.target_statement_timeout */
	int			connect_timeout_ms; /* -1: hoop_mcp.connect_timeout */
	int			max_rows;		/* -1: hoop_mcp.max_rows */
	Jsonb	   *policy;			/* _connection_policy(): its guardrails, masking */
	void	   *compiled_policy;	/* policy/policy.c's, or NULL */
	char	   *analyzer_rule;	/* the analyzer rule naming it, or NULL: */
	char	   *risk_actions[3];	/* its action per risk level, low to high */
	char	   *analyzer_access_rule;	/* its access_request_rule_name */
	int			noptions;
	char	   *keywords[64];
	char	   *values[64];
} ConnEntry;

extern ConnEntry *connection_lookup(const char *name_or_id);
extern bool connection_visible(ConnEntry *c, const Actor *actor);
extern void connection_check_options(ConnEntry *c);
extern char *connection_session_options(ConnEntry *c);
extern int	connection_duration_ms(const char *value, const char *setting);

#endif							/* HOOP_MCP_CONNECTIONS_H */

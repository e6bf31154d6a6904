/*
 * analyse.h
 *		What an exec's input holds, from PostgreSQL's own parser (analyse.c).
 */
#ifndef HOOP_MCP_ANALYSE_H
#define HOOP_MCP_ANALYSE_H

#include "nodes/pg_list.h"

typedef enum StatementKind
{
	STMT_QUERY,					/* SELECT, VALUES, TABLE, SHOW, EXPLAIN */
	STMT_DML,					/* INSERT, UPDATE, DELETE, MERGE */
	STMT_DDL,					/* CREATE, ALTER, DROP, GRANT, TRUNCATE, ... */
	STMT_TRANSACTION,			/* BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ... */
	STMT_SET,					/* SET, RESET, SET TRANSACTION */
	STMT_CALL,					/* CALL, DO */
	STMT_COPY,
	STMT_CURSOR,				/* DECLARE, FETCH, MOVE, CLOSE */
	STMT_PREPARED,				/* PREPARE, EXECUTE, DEALLOCATE */
	STMT_UTILITY				/* the rest: VACUUM, LISTEN, LOCK, LOAD, ... */
} StatementKind;

/* One statement of the input, as the target would get it. */
typedef struct Statement
{
	int			number;			/* which one psql sends, from 1 */
	int			line;			/* the input line it ends on */
	char	   *text;			/* its text, as sent */
	bool		parsed;
	char	   *error;			/* why it did not parse */
	StatementKind kind;
	const char *command;		/* its command tag: "SELECT", "DELETE", ... */
	bool		has_where;		/* UPDATE or DELETE with a WHERE clause */
	bool		analyze;		/* EXPLAIN ANALYZE: the inner statement runs */
	bool		ends_transaction;	/* COMMIT, ROLLBACK, END, ABORT, PREPARE TRANSACTION */
	bool		read_write;		/* BEGIN/SET TRANSACTION ... READ WRITE */
	const char *setting;		/* SET/RESET: the variable, lower case; "all" */
	const char *writes;			/* a write inside a query: "DELETE in WITH", "SELECT INTO" */
	const char *locks;			/* a locking clause: "FOR UPDATE", ... */
	const char *copy_source;	/* COPY: "STDIN", "STDOUT", a file or "PROGRAM ..." */
	bool		copy_from;		/* COPY ... FROM */
	bool		copy_binary;	/* COPY ... (FORMAT binary) */
	List	   *relations;		/* char *, the relations it names, as written */
	List	   *functions;		/* char *, the functions it calls, unqualified */
	/* for the risk analysis (risk.c) */
	char	   *target;			/* INSERT, UPDATE, DELETE, MERGE: the relation written */
	const char *unfiltered;		/* an UPDATE or DELETE without WHERE inside a
								 * statement that runs it: "DELETE in WITH" */
	char	   *unfiltered_target;	/* ... the relation it writes */
	bool		cascade;		/* DROP, TRUNCATE, REVOKE ... CASCADE */
	List	   *objects;		/* char *, what a utility statement acts on, as
								 * written: tables, roles, files, settings */
	List	   *roles;			/* char *, the roles it names besides: grantees,
								 * members, new owners */
	List	   *dropped_columns;	/* char *, ALTER TABLE ... DROP COLUMN:
									 * "table.column" */
	List	   *set_configs;	/* char *, set_config()'s setting, lower case;
								 * NULL when it is not a constant */
	const char *prepared;		/* PREPARE, EXECUTE, DEALLOCATE: the name */
} Statement;

typedef struct Analysis
{
	List	   *statements;		/* Statement *, in the order they run */
	bool		parsed;			/* every statement parsed */
} Analysis;

extern Analysis *analyse_script(const char *input);
extern List *analyse_query(const char *query, int number, int line, bool std_strings);
extern const char *statement_kind_name(StatementKind kind);

#endif							/* HOOP_MCP_ANALYSE_H */

/*-------------------------------------------------------------------------
 *
 * psql_int.h
 *	  Internal interfaces shared by psql_run.c (the state machine),
 *	  psql_split.c (psql 15 compatible statement splitter) and
 *	  psql_format.c (output buffer and psql's unaligned formatting).
 *
 *	  This code compiles in the backend and, with FRONTEND defined, in a
 *	  frontend program linked with libpgcommon, libpgport and libpq.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PSQL_INT_H
#define PSQL_INT_H

#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#include "utils/memutils.h"
#endif

#include "lib/stringinfo.h"
#include "libpq-fe.h"
#include "mb/pg_wchar.h"

#include "psql_run.h"

/*
 * Memory context handling: the backend keeps everything of a run in the
 * context current at start; the frontend has only one heap.
 */
#ifdef FRONTEND
typedef void *PsqlMemCxt;
#define PSQL_CURRENT_CXT()		NULL
#define PSQL_SWITCH_CXT(cxt)	NULL
#else
typedef MemoryContext PsqlMemCxt;
#define PSQL_CURRENT_CXT()		CurrentMemoryContext
#define PSQL_SWITCH_CXT(cxt)	MemoryContextSwitchTo(cxt)
#endif

/* ----------------
 * Statement splitter (psql_split.c)
 * ----------------
 */

/* How a variable reference asks for its value to be quoted */
typedef enum
{
	PSQL_QUOTE_PLAIN,			/* :name */
	PSQL_QUOTE_LITERAL,			/* :'name' */
	PSQL_QUOTE_IDENT			/* :"name" */
} PsqlQuote;

/*
 * Variable lookup hook: returns a palloc'd value (quoted as asked) or NULL
 * if the variable does not exist or cannot be quoted.
 */
typedef char *(*PsqlVarHook) (void *arg, const char *name, PsqlQuote quote);

/* Lexer states, named after psqlscan.l's start conditions */
typedef enum
{
	PSQL_LEX_INITIAL,
	PSQL_LEX_XB,				/* bit string b'...' */
	PSQL_LEX_XC,				/* C comment, possibly nested */
	PSQL_LEX_XD,				/* "quoted identifier" */
	PSQL_LEX_XH,				/* hex string x'...' */
	PSQL_LEX_XQ,				/* standard 'string' */
	PSQL_LEX_XQS,				/* just after a closing quote */
	PSQL_LEX_XE,				/* E'string' with backslash escapes */
	PSQL_LEX_XDOLQ,				/* $tag$ string */
	PSQL_LEX_XUI,				/* U&"identifier" */
	PSQL_LEX_XUS				/* U&'string' */
} PsqlLexState;

/* One input buffer: the current line or an expanded variable value */
typedef struct PsqlScanBuf
{
	const char *scan;			/* bytes the rules look at */
	const char *orig;			/* bytes copied into the query */
	int			len;
	int			pos;
	char	   *varname;		/* variable being expanded, or NULL */
} PsqlScanBuf;

#define PSQL_SCAN_MAX_BUFS 64

/* What psql_scan_next() found */
typedef enum
{
	PSQL_SCAN_SEND,				/* query holds a statement to send */
	PSQL_SCAN_BACKSLASH,		/* a meta-command starts; see slash_command */
	PSQL_SCAN_EOF				/* input exhausted; query may hold a rest */
} PsqlScanEvent;

typedef struct PsqlScanner
{
	/* whole input and the line reader */
	const char *input;
	size_t		input_len;
	size_t		next_line;		/* offset of the first unread line */
	int			lineno;
	bool		have_line;		/* a line is set up and not finished */
	char	   *masked;			/* masked copy for unsafe encodings */

	/* settings latched when a line is set up, as psql_scan_setup does */
	int			encoding;
	bool		safe_encoding;
	bool		std_strings;

	/* lexer state kept across lines (psqlscan_int.h) */
	PsqlLexState state;
	PsqlLexState state_before_str_stop;
	int			paren_depth;
	int			xcdepth;
	int			begin_depth;
	int			identifier_count;
	char		identifiers[4];
	char	   *dolqstart;

	/* input buffer stack; bufs[0] is the current line */
	PsqlScanBuf bufs[PSQL_SCAN_MAX_BUFS];
	int			nbufs;

	/* query being accumulated (psql's query_buf) */
	StringInfoData query;
	int			added_nl_pos;
	bool		reset_query;	/* query was handed out; clear it first */

	/* variables */
	PsqlVarHook var_hook;
	void	   *var_arg;
	StringInfo	messages;		/* where lexer warnings go, or NULL */
} PsqlScanner;

extern void psql_scan_init(PsqlScanner *sc, const char *input,
						   PsqlVarHook hook, void *hook_arg);
extern PsqlScanEvent psql_scan_next(PsqlScanner *sc, int encoding,
									bool std_strings);
extern char *psql_scan_slash_command(PsqlScanner *sc);
extern void psql_scan_slash_extra_args(PsqlScanner *sc, StringInfo warn,
									   const char *cmd);
extern bool psql_scan_copy_line(PsqlScanner *sc, const char **data,
								size_t *len);
extern void psql_scan_copy_rest(PsqlScanner *sc, const char **data,
								size_t *len);
extern void psql_scan_free(PsqlScanner *sc);

/* ----------------
 * Output buffer and formatting (psql_format.c)
 * ----------------
 */

/*
 * The output is a logical byte sequence of which the first `limit' bytes
 * are stored.  Offsets below are logical.  Bytes before `committed' are
 * what psql has already printed; [committed, inprog) is the output of
 * completed results psql has not printed yet (it prints a result only
 * after fetching the next one); [inprog, logical_len) is the result being
 * received.  Notices are inserted at `committed', as psql prints them the
 * moment libpq hands them over.
 */
typedef struct PsqlOut
{
	StringInfoData buf;
	size_t		limit;			/* 0 = unlimited */
	size_t		logical_len;
	size_t		committed;
	size_t		inprog;
	long		max_rows;		/* rows of one result printed; 0 = all */
	long		rows_hidden;	/* rows counted past max_rows, not printed */
	const PsqlMasker *masker;	/* or NULL */
} PsqlOut;

/* State of the result set being formatted */
typedef struct PsqlTable
{
	bool		started;		/* header printed */
	long		nrows;
} PsqlTable;

extern void psql_out_init(PsqlOut *out, size_t limit);
extern void psql_out_append(PsqlOut *out, const char *data, size_t len);
extern void psql_out_append_str(PsqlOut *out, const char *str);
extern void psql_out_append_masked(PsqlOut *out, int col, const char *data, size_t len);
extern void psql_out_insert(PsqlOut *out, const char *data, size_t len);
extern void psql_out_result_done(PsqlOut *out);
extern void psql_out_print_pending(PsqlOut *out);
extern void psql_out_discard_inprog(PsqlOut *out);
extern void psql_out_commit_all(PsqlOut *out);
extern bool psql_out_truncated(PsqlOut *out);

extern void psql_log_line(PsqlOut *out, const char *msg, bool insert);
extern void psql_table_rows(PsqlOut *out, PsqlTable *tab,
							const PGresult *res);
extern void psql_table_finish(PsqlOut *out, PsqlTable *tab,
							  const PGresult *res);
extern void psql_command_status(PsqlOut *out, const PGresult *res);

#endif							/* PSQL_INT_H */

/*
 * masking.h
 *		Data masking of an exec's output, per cell (masking.c).
 */
#ifndef HOOP_MCP_MASKING_H
#define HOOP_MCP_MASKING_H

#include "libpq-fe.h"

#include "policy/policy.h"
#include "target/psql_run.h"

typedef struct Masker Masker;

extern char *masking_refusal(Policy *p, List *statements);
extern Masker *masker_new(Policy *p);
extern const char *masker_lookup_sql(Masker *m);
extern void masker_lookup_rows(void *arg, const PGresult *res);
extern const PsqlMasker *masker_hooks(Masker *m);
extern char *masker_statements(Masker *m, List *statements, const char *query);
extern char *masker_counts(Masker *m);
extern long masker_total(Masker *m);

#endif							/* HOOP_MCP_MASKING_H */

/*
 * changes.h
 *		Review and session transitions, published at commit (changes.c).
 */
#ifndef HOOP_MCP_CHANGES_H
#define HOOP_MCP_CHANGES_H

#include "storage/condition_variable.h"
#include "utils/uuid.h"

extern void changes_init(void);
extern void changes_shmem_request(void);
extern void changes_shmem_startup(void);
extern uint64 changes_review_count(void);
extern ConditionVariable *changes_review_cv(void);
extern bool changes_published_by_caller;
extern void changes_publish_session(const pg_uuid_t *id, const char *status, const char *previous,
									const char *extra);

#endif							/* HOOP_MCP_CHANGES_H */

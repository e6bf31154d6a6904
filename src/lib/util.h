/*
 * util.h
 *		Small helpers (util.c).
 */
#ifndef HOOP_MCP_UTIL_H
#define HOOP_MCP_UTIL_H

#include "lib/stringinfo.h"
#include "utils/uuid.h"

extern void hoop_random_hex(char *out, int nbytes);
extern void hoop_random_uuid(pg_uuid_t *uuid);
extern char *hoop_uuid_text(const pg_uuid_t *uuid);
extern void hoop_sha256(const void *data, size_t len, unsigned char out[32]);
extern bool hoop_consttime_equal(const void *a, const void *b, size_t len);
extern void append_json_string(StringInfo buf, const char *s, size_t len);

#endif							/* HOOP_MCP_UTIL_H */

/*
 * json.h
 *		Helpers over PostgreSQL's jsonb for reading requests (json.c).
 */
#ifndef HOOP_MCP_JSON_H
#define HOOP_MCP_JSON_H

#include "utils/jsonb.h"

extern Jsonb *jv_parse(const char *text);
extern JsonbValue *jv_key(JsonbContainer *c, const char *key, JsonbValue *out);
extern JsonbContainer *jv_object(JsonbValue *v);
extern char *jv_string(JsonbValue *v);
extern char *jv_text(JsonbValue *v);
extern Jsonb *jv_to_jsonb(JsonbValue *v);
extern Jsonb *jv_redacted(Jsonb *jb);

#endif							/* HOOP_MCP_JSON_H */

/*
 * fetch.h
 *		Fetching an identity provider's documents (fetch.c).
 */
#ifndef HOOP_MCP_FETCH_H
#define HOOP_MCP_FETCH_H

#include "utils/jsonb.h"

extern bool fetch_url_allowed(const char *url);
extern Jsonb *fetch_json(const char *url);

#endif							/* HOOP_MCP_FETCH_H */

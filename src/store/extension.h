/*
 * extension.h
 *		Whether CREATE EXTENSION hoop_mcp has run (extension.c).
 */
#ifndef HOOP_MCP_EXTENSION_H
#define HOOP_MCP_EXTENSION_H

extern bool extension_check(void);
extern bool extension_ready(void);

#endif							/* HOOP_MCP_EXTENSION_H */

/*
 * jwk.h
 *		JSON Web Key Sets as OpenSSL keys (jwk.c).
 */
#ifndef HOOP_MCP_JWK_H
#define HOOP_MCP_JWK_H

#include <openssl/evp.h>

#include "nodes/pg_list.h"
#include "utils/jsonb.h"

typedef struct Jwk
{
	char	   *kid;
	char	   *alg;			/* NULL: any algorithm of the key's family */
	bool		is_rsa;
	int			curve_nid;		/* EC only */
	EVP_PKEY   *pkey;			/* freed with the loading memory context */
} Jwk;

extern List *jwks_load(Jsonb *jwks);
extern bool jwk_allows(Jwk *jwk, const char *alg);

#endif							/* HOOP_MCP_JWK_H */

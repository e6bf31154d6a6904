/*
 * jwt.h
 *		JWS verification for the OAuth resource server (jwt.c).
 */
#ifndef HOOP_MCP_JWT_H
#define HOOP_MCP_JWT_H

#include <openssl/evp.h>

#define JWT_MIN_RSA_BITS 2048

/* Which key families an algorithm takes; 0 if it is not RS, PS or ES. */
extern int	jwt_alg_curve_nid(const char *alg, bool *is_rsa, bool *known);
extern bool jwt_b64url_decode(const char *s, int len, unsigned char **out, int *outlen);
extern bool jwt_verify_jws(const char *token, int len, const char *alg, EVP_PKEY *key);

#endif							/* HOOP_MCP_JWT_H */

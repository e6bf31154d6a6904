/*
 * util.c
 *		Small helpers: randomness, hashing, constant-time comparison, JSON
 *		string escaping.
 */
#include "lib/common.h"

#include <openssl/evp.h>

#include "port.h"
#include "utils/builtins.h"

/* Writes 2*nbytes hex characters of strong randomness and a NUL. */
void
hoop_random_hex(char *out, int nbytes)
{
	unsigned char raw[64];

	Assert(nbytes <= (int) sizeof(raw));
	if (!pg_strong_random(raw, nbytes))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes")));
	out[hex_encode((const char *) raw, nbytes, out)] = '\0';
}

/* A UUID as text, in the current memory context. */
char *
hoop_uuid_text(const pg_uuid_t *uuid)
{
	return DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(uuid)));
}

/* A random (version 4) UUID. */
void
hoop_random_uuid(pg_uuid_t *uuid)
{
	if (!pg_strong_random(uuid->data, UUID_LEN))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random UUID")));
	uuid->data[6] = (uuid->data[6] & 0x0f) | 0x40;
	uuid->data[8] = (uuid->data[8] & 0x3f) | 0x80;
}

/*
 * SHA-256, with OpenSSL's one-shot digest: PostgreSQL's cryptohash wants a
 * resource owner, which the worker has only inside a transaction, and
 * net/http.c hashes tokens outside one.
 */
void
hoop_sha256(const void *data, size_t len, unsigned char out[32])
{
	unsigned int out_len;

	if (!EVP_Digest(data, len, out, &out_len, EVP_sha256(), NULL) || out_len != 32)
		elog(ERROR, "could not compute SHA-256");
}

/* Compares without an early exit, so timing tells nothing of the content. */
bool
hoop_consttime_equal(const void *a, const void *b, size_t len)
{
	const volatile unsigned char *x = a;
	const volatile unsigned char *y = b;
	unsigned char diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

/*
 * Appends s (len bytes, valid UTF-8) as a quoted JSON string.  Runs of
 * characters that need no escape are copied in one go: exec output can be
 * large and is escaped twice (tool text inside the JSON-RPC envelope).
 */
void
append_json_string(StringInfo buf, const char *s, size_t len)
{
	size_t		start = 0;

	appendStringInfoCharMacro(buf, '"');
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];
		const char *esc;
		char		ubuf[8];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (i > start)
			appendBinaryStringInfo(buf, s + start, i - start);
		switch (c)
		{
			case '"':
				esc = "\\\"";
				break;
			case '\\':
				esc = "\\\\";
				break;
			case '\n':
				esc = "\\n";
				break;
			case '\r':
				esc = "\\r";
				break;
			case '\t':
				esc = "\\t";
				break;
			case '\b':
				esc = "\\b";
				break;
			case '\f':
				esc = "\\f";
				break;
			default:
				snprintf(ubuf, sizeof(ubuf), "\\u%04x", c);
				esc = ubuf;
				break;
		}
		appendStringInfoString(buf, esc);
		start = i + 1;
	}
	if (len > start)
		appendBinaryStringInfo(buf, s + start, len - start);
	appendStringInfoCharMacro(buf, '"');
}

#if PG_VERSION_NUM >= 170000
/* The wait events, registered on first use (compat.h). */
uint32
hoop_wait_event_main(void)
{
	static uint32 id = 0;

	if (id == 0)
		id = WaitEventExtensionNew("HoopMcpMain");
	return id;
}

uint32
hoop_wait_event_call(void)
{
	static uint32 id = 0;

	if (id == 0)
		id = WaitEventExtensionNew("HoopMcpCall");
	return id;
}
#endif

/*
 * detect.c
 *		Built-in detectors of sensitive values: what data masking finds in a
 *		text without a language model.
 *
 * hoop sends text to an external DLP service (Microsoft Presidio) for
 * this; here it is plain C and deterministic.  Masking runs on every cell
 * of every result in a single-threaded event loop, so the text is read in
 * one pass: only at the start of a word (after a byte that is not a
 * letter, digit or '_') does the first byte pick the few detectors that
 * can start there, and each of those reads forward without a regex engine
 * and without allocating.  '@' anchors an email wherever it is.  What is
 * found is then resolved: when two values overlap, the higher score wins,
 * then the longer.  A cell with nothing in it costs a table lookup per
 * byte.
 *
 * Every value is ASCII, so a span never splits a multibyte character.
 * Non-ASCII letters and digits are word characters (a value glued to them
 * is not one), non-ASCII spaces and punctuation (no-break space, curly
 * quotes, CJK and fullwidth punctuation) separate words, as ASCII ones do.
 *
 * The scores, fixed per type and shape (Presidio's where it has one):
 *
 *	EMAIL_ADDRESS	0.9		local part of letters, digits and ._%+'- (from a
 *							letter, digit or '_', no trailing dot), two or
 *							more domain labels, a top-level domain of two
 *							letters or more (or xn--)
 *	PHONE_NUMBER	0.75	+CC and 8 to 15 digits (+1 and +7: 11), the groups
 *							separated by one of ' ', '-', '.', "(..)"
 *					0.6		national, separated: trunk 0 and 9 to 12 digits,
 *							00 + an international number, North American
 *							[1] NXX XXX XXXX, (AA) or (NXX) and 10 or 11 digits
 *					0.4		trunk 0 and 9 or 10 more digits, unseparated
 *	CREDIT_CARD		1.0		13 to 19 digits, unseparated or in groups of 4
 *							(Amex 4-6-5, Diners 4-6-4), a known issuer's prefix
 *							and length, Luhn
 *	IBAN_CODE		1.0		country code, its length, mod 97 = 1; unseparated
 *							or in groups of 4
 *	IP_ADDRESS		0.95	IPv4 (octets up to 255, optional /prefix), IPv6 of
 *							8 groups, IPv6 ending in an IPv4 address
 *					0.8		IPv6 compressed with ::
 *					0.6		IPv4 of single digits, like a version number
 *	MAC_ADDRESS		0.9		six pairs of hex digits joined by ':' or '-'
 *					0.8		Cisco's aaaa.bbbb.cccc
 *	URL				0.6		http://, https://, ftp:// and a host
 *					0.5		www. and a domain
 *	US_SSN			0.85	AAA-GG-SSSS without the numbers never issued (area
 *							000, 666, 900 and up, group 00, serial 0000, the
 *							two the SSA voided)
 *					0.5		the same with spaces or dots
 *	UK_NHS			1.0		3-3-4 with spaces or dashes, or 10 digits from the
 *							ranges issued (320-499, 600-799), mod 11
 *	CRYPTO			1.0		Bitcoin: base58check P2PKH (1...) and P2SH (3...)
 *							with their SHA-256d checksum, bech32/bech32m bc1...
 *							with the segwit rules
 *	DATE_TIME		0.6		YYYY-MM-DD, YYYY/MM/DD, DD/MM/YYYY and MM/DD/YYYY
 *							(or '-', '.'), "Jan 31, 2024", "31 January 2024",
 *							"31-Jan-2024", a time after them (PostgreSQL's
 *							output styles included); days checked against the
 *							month
 *
 * and the national identifiers of hoop's document groups that have a check:
 *
 *	US_ITIN			0.85	9AA-GG-SSSS, groups 50-65, 70-88, 90-92, 94-99
 *					0.5		the same with spaces or dots
 *	UK_NINO			0.5		AB 12 34 56 C (or unspaced): prefix letters as
 *							issued (not D F I Q U V, O second, BG GB KN NK NT
 *							TN ZZ), suffix A-D
 *	ES_NIF, ES_NIE	1.0		8 digits (X/Y/Z and 7) and the letter of mod 23
 *	IT_FISCAL_CODE	1.0		the 16 characters' shape (omocodia too), day,
 *							check letter
 *	PL_PESEL		1.0		11 digits: a date of 1900-2099, check digit
 *	FI_PERSONAL_IDENTITY_CODE 1.0	DDMMYY, century sign, NNN, mod 31
 *	SG_NRIC_FIN		1.0		S/T/F/G, 7 digits, check letter
 *	AU_ABN			1.0		11 digits or 2-3-3-3, mod 89
 *	AU_ACN, AU_TFN	1.0		3-3-3 with spaces (bare 9 digits are any id),
 *							mod 10 and mod 11
 *	AU_MEDICARE		1.0		4-5-1 with spaces, first digit 2-6, check digit
 *	IN_PAN			0.85	AAAPA9999A, the fourth letter a kind of holder
 *	IN_AADHAAR		1.0		12 digits or 4-4-4, first 2-9, Verhoeff, not a
 *							palindrome
 */
#include "lib/common.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "lib/util.h"
#include "policy/detect.h"

static int
pg_qsort_strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static const char *const names[ENT_COUNT] = {
	"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
	"MAC_ADDRESS", "URL", "US_SSN", "UK_NHS", "CRYPTO", "DATE_TIME",
	"US_ITIN", "UK_NINO", "ES_NIF", "ES_NIE", "IT_FISCAL_CODE", "PL_PESEL",
	"FI_PERSONAL_IDENTITY_CODE", "SG_NRIC_FIN", "AU_ABN", "AU_ACN", "AU_TFN",
	"AU_MEDICARE", "IN_PAN", "IN_AADHAAR"
};

/* The highest score of each type: a threshold above it turns it off. */
static const double top_score[ENT_COUNT] = {
	0.9, 0.75, 1.0, 1.0, 0.95, 0.9, 0.6, 0.85, 1.0, 1.0, 0.6,
	0.85, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.85, 1.0
};

StaticAssertDecl(ENT_COUNT <= 32, "entity types are kept in a 32-bit mask");

int
entity_type_from_name(const char *name)
{
	for (int i = 0; i < ENT_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *
entity_type_name(EntityType type)
{
	return names[type];
}

/*
 * hoop's preset groups, as far as the built-in detectors reach: the types
 * of a group that need a language model (PERSON, LOCATION, ...) or that
 * have no check to tell them from any other number (passports, driving
 * licences, bank account numbers) are left out, and a group with none
 * left is refused.
 */
static const struct
{
	const char *name;
	EntityType	types[8];
	int			ntypes;
}			presets[] = {
	{"CONTACT_INFORMATION", {ENT_EMAIL_ADDRESS, ENT_PHONE_NUMBER, ENT_URL}, 3},
	{"FINANCIAL_DATA", {ENT_CREDIT_CARD, ENT_IBAN_CODE, ENT_CRYPTO}, 3},
	{"NETWORK_IDENTIFIERS", {ENT_IP_ADDRESS, ENT_MAC_ADDRESS, ENT_URL}, 3},
	{"TIME_DATA", {ENT_DATE_TIME}, 1},
	{"US_DOCUMENTS", {ENT_US_SSN, ENT_US_ITIN}, 2},
	{"UK_DOCUMENTS", {ENT_UK_NHS, ENT_UK_NINO}, 2},
	{"EUROPEAN_DOCUMENTS", {ENT_ES_NIF, ENT_ES_NIE, ENT_IT_FISCAL_CODE, ENT_PL_PESEL,
	ENT_FI_PERSONAL_IDENTITY_CODE}, 5},
	{"ASIA_PACIFIC_DOCUMENTS", {ENT_SG_NRIC_FIN, ENT_AU_ABN, ENT_AU_ACN, ENT_AU_TFN,
	ENT_AU_MEDICARE, ENT_IN_PAN, ENT_IN_AADHAAR}, 7},
	{"CRYPTO_IDENTIFIERS", {ENT_CRYPTO}, 1},
	{"LOCATION_DATA", {0}, 0},
	{"MEDICAL_DATA", {0}, 0},
	{"DEMOGRAPHIC_DATA", {0}, 0},
	{"CUSTOM_SELECTION", {0}, 0},
};

static char *
supported_list(void)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < ENT_COUNT; i++)
		appendStringInfo(&s, "%s%s", i ? ", " : "", names[i]);
	appendStringInfoString(&s, "; groups:");
	for (int i = 0; i < lengthof(presets); i++)
		if (presets[i].ntypes > 0)
			appendStringInfo(&s, " %s", presets[i].name);
	return s.data;
}

static void
unsupported(const char *what, const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s \"%s\" is not supported by hoop_mcp", what, name),
			 errdetail("hoop_mcp detects %s.", supported_list()),
			 errhint("Values only a language model could find (names, places, ...) can be masked by the column they come from: a custom entity type with \"columns\".")));
}

/*
 * Adds to types[] (ENT_COUNT flags) the entity types that name stands
 * for: an entity type, or a preset group.  hoop's texts where it has one.
 */
void
entity_types_add(const char *name, bool *types)
{
	int			t;

	for (const char *p = name; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("entity type name must be uppercase: %s", name)));
	if ((t = entity_type_from_name(name)) >= 0)
	{
		types[t] = true;
		return;
	}
	for (int i = 0; i < lengthof(presets); i++)
		if (strcmp(presets[i].name, name) == 0)
		{
			if (presets[i].ntypes == 0)
				unsupported("preset", name);
			for (int j = 0; j < presets[i].ntypes; j++)
				types[presets[i].types[j]] = true;
			return;
		}
	unsupported("entity type", name);
}

/* The types a text[] of names stands for, NULL elements skipped. */
static void
entity_types_from_array(ArrayType *arr, bool *types)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			entity_types_add(TextDatumGetCString(elems[i]), types);
}

PG_FUNCTION_INFO_V1(hoop_mcp_entity_types);

/*
 * hoop_mcp.entity_types(names text[]) RETURNS text[]: the entity types
 * the names (types or preset groups) stand for, sorted; an error for a
 * name hoop_mcp cannot detect.
 */
Datum
hoop_mcp_entity_types(PG_FUNCTION_ARGS)
{
	bool		types[ENT_COUNT] = {0};
	Datum		out[ENT_COUNT];
	const char *sorted[ENT_COUNT];
	int			nout = 0;

	entity_types_from_array(PG_GETARG_ARRAYTYPE_P(0), types);
	for (int i = 0; i < ENT_COUNT; i++)
		if (types[i])
			sorted[nout++] = names[i];
	qsort(sorted, nout, sizeof(char *), pg_qsort_strcmp_ptr);
	for (int i = 0; i < nout; i++)
		out[i] = CStringGetTextDatum(sorted[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, nout, TEXTOID, -1, false, TYPALIGN_INT));
}

/* ---------------------------------------------------------------------
 * Characters
 * ---------------------------------------------------------------------
 */

#define C_DIGIT		0x0001
#define C_HEX		0x0002
#define C_UPPER		0x0004
#define C_LOWER		0x0008
#define C_WORD		0x0010		/* ASCII letters, digits, '_' */
#define C_LOCAL		0x0020		/* in an email's local part */
#define C_B58		0x0040		/* base58 */
#define C_URL		0x0080		/* in a URL */
#define C_LABEL		0x0100		/* in a domain label */
#define C_START		0x0200		/* a word starting with it may be a value */
#define C_ANCHOR	0x0400		/* '+', '(', ':', '@' */
#define C_MONTH0	0x0800		/* starts a month's name */
#define C_URL0		0x1000		/* h, f, w: starts a URL */
#define C_ALPHA		(C_UPPER | C_LOWER)

static uint16 ctab[256];		/* non-ASCII bytes: none */
static int8 b58val[128];
static int8 b32val[128];		/* bech32, lower case */
static uint8 iban_len[26 * 26];
static bool ready = false;

/* The countries of the IBAN registry and the length of their IBANs. */
static const char iban_countries[] =
"AD24AE23AL28AT20AZ28BA20BE16BG22BH22BI27BR29BY28CH21CR22CY28CZ24DE22DJ27"
"DK18DO28EE20EG29ES24FI18FK18FO18FR27GB22GE22GI23GL18GR27GT28HR21HU28IE22"
"IL23IQ23IS26IT27JO30KW30KZ20LB28LC32LI21LT20LU20LV21LY25MC27MD24ME22MK19"
"MN20MR27MT31MU30NI28NL18NO15OM23PK24PL28PS29PT25QA29RO24RS22RU33SA24SC31"
"SD18SE24SI19SK24SM27SO23ST25SV28TL23TN24TR26UA29VA22VG24XK20YE30";

static void
tables_init(void)
{
	static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	static const char b32[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

	for (int c = 1; c < 128; c++)
	{
		bool		digit = c >= '0' && c <= '9';
		bool		upper = c >= 'A' && c <= 'Z';
		bool		lower = c >= 'a' && c <= 'z';
		uint16		f = 0;

		if (digit)
			f |= C_DIGIT;
		if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
			f |= C_HEX;
		if (upper)
			f |= C_UPPER;
		if (lower)
			f |= C_LOWER;
		if (digit || upper || lower || c == '_')
			f |= C_WORD;
		if (digit || upper || lower || strchr("._%+'-", c))
			f |= C_LOCAL;
		if ((digit && c != '0') || (upper && c != 'I' && c != 'O') || (lower && c != 'l'))
			f |= C_B58;
		if (digit || upper || lower || strchr("-._~:/?#[]@!$&'()*+,;=%", c))
			f |= C_URL;
		if (digit || upper || lower || c == '-')
			f |= C_LABEL;
		/* digits; capitals (IBAN); h f w (URL), hex, b (bc1), months */
		if (digit || upper || strchr("abcdefhjmnosw", c))
			f |= C_START;
		if (strchr("+(:@", c))
			f |= C_ANCHOR;
		if (strchr("jfmasondJFMASOND", c))
			f |= C_MONTH0;
		if (strchr("hfwHFW", c))
			f |= C_URL0;
		ctab[c] = f;
	}
	memset(b58val, -1, sizeof(b58val));
	for (int i = 0; b58[i]; i++)
		b58val[(int) b58[i]] = i;
	memset(b32val, -1, sizeof(b32val));
	for (int i = 0; b32[i]; i++)
		b32val[(int) b32[i]] = i;
	for (const char *p = iban_countries; *p; p += 4)
		iban_len[(p[0] - 'A') * 26 + p[1] - 'A'] = (p[2] - '0') * 10 + p[3] - '0';
	ready = true;
}

/* Is this non-ASCII character a space, punctuation or a symbol? */
static bool
separates(pg_wchar cp)
{
	if (cp < 0xC0)				/* Latin-1: all but ª ² ³ µ ¹ º */
		return cp != 0xAA && cp != 0xB2 && cp != 0xB3 && cp != 0xB5 &&
			cp != 0xB9 && cp != 0xBA;
	return cp == 0xD7 || cp == 0xF7 ||
		(cp >= 0x2000 && cp <= 0x2BFF) ||	/* punctuation, symbols, arrows */
		(cp >= 0x3000 && cp <= 0x303F) ||	/* CJK punctuation */
		(cp >= 0xFE10 && cp <= 0xFE6F) || cp == 0xFEFF ||
		(cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
		(cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65);
}

/* ---------------------------------------------------------------------
 * The scan
 * ---------------------------------------------------------------------
 */

typedef struct Scan
{
	const unsigned char *s;
	int			len;
	bool		utf8;
	uint32		on;				/* types a threshold lets through */
	const double *th;
	int			url_end;		/* no URL starts inside one found */
	EntitySpan *v;				/* what was found */
	int			n;
	int			cap;
	EntitySpan	local[8];
} Scan;

#define ON(S, t)	(((S)->on & (1u << (t))) != 0)

/* The byte at p, 0 outside the text (a text datum holds no NUL). */
static inline unsigned char
ch(const Scan *S, int p)
{
	return (unsigned int) p < (unsigned int) S->len ? S->s[p] : 0;
}

static inline bool
is(const Scan *S, int p, uint16 cls)
{
	return (ctab[ch(S, p)] & cls) != 0;
}

/* The length of the character at p, and whether it is a word character. */
static int
mb_char(const Scan *S, int p, bool *word)
{
	unsigned char c = S->s[p];
	pg_wchar	cp;
	int			n;

	*word = true;
	if (!S->utf8 || c < 0xC0)
		return 1;
	n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
	if (p + n > S->len)
		return 1;
	cp = c & (0x3F >> (n - 1));
	for (int k = 1; k < n; k++)
		cp = (cp << 6) | (S->s[p + k] & 0x3F);
	*word = !separates(cp);
	return n;
}

/* Is the character at p a word character? */
static bool
word_at(const Scan *S, int p)
{
	unsigned char c = ch(S, p);
	bool		word;

	if (c < 0x80)
		return (ctab[c] & C_WORD) != 0;
	while (S->utf8 && p > 0 && (S->s[p] & 0xC0) == 0x80 && (S->s[p - 1] & 0x80))
		p--;
	mb_char(S, p, &word);
	return word;
}

/* A digit across '.' (or also '-', '/', ':') before i: a longer number. */
static inline bool
left_glued(const Scan *S, int i, bool dot_only)
{
	unsigned char c = ch(S, i - 1);

	return (c == '.' || (!dot_only && (c == '-' || c == '/' || c == ':'))) &&
		is(S, i - 2, C_DIGIT);
}

/* A digit across '.' (or also ':') after end. */
static inline bool
right_glued(const Scan *S, int end, bool colon)
{
	unsigned char c = ch(S, end);

	return (c == '.' || (colon && c == ':')) && is(S, end + 1, C_DIGIT);
}

/*
 * Does a number ending at end go on: a digit across '.', '-', '/', ':', or
 * a letter across '-', '/' (a UUID, a part number)?
 */
static inline bool
number_goes_on(const Scan *S, int end)
{
	unsigned char c = ch(S, end);

	if (c == '-' || c == '/')
		return is(S, end + 1, C_WORD);
	return (c == '.' || c == ':') && is(S, end + 1, C_DIGIT);
}

static int
run_of(const Scan *S, int p, uint16 cls, int max)
{
	int			n = 0;

	while (n < max && is(S, p + n, cls))
		n++;
	return n;
}

static inline int
digits(const Scan *S, int p)
{
	return run_of(S, p, C_DIGIT, PG_INT32_MAX);
}

/* The value of n digits at p. */
static int
num(const Scan *S, int p, int n)
{
	int			v = 0;

	for (int k = 0; k < n; k++)
		v = v * 10 + S->s[p + k] - '0';
	return v;
}

static void
found(Scan *S, int start, int end, EntityType type, double score)
{
	if (S->th[type] < 0 || S->th[type] > score)
		return;
	if (S->n == S->cap)
	{
		if (S->v == S->local)
		{
			S->v = palloc(sizeof(EntitySpan) * S->cap * 2);
			memcpy(S->v, S->local, sizeof(S->local));
		}
		else
			S->v = repalloc(S->v, sizeof(EntitySpan) * S->cap * 2);
		S->cap *= 2;
	}
	S->v[S->n].start = start;
	S->v[S->n].end = end;
	S->v[S->n].type = type;
	S->v[S->n].score = score;
	S->n++;
}

/* ---------------------------------------------------------------------
 * EMAIL_ADDRESS, URL
 * ---------------------------------------------------------------------
 */

/* From the '@' at at: the local part backwards, the domain forwards. */
static void
try_email(Scan *S, int at)
{
	const unsigned char *s = S->s;
	int			b = at;
	int			p = at + 1;
	int			labels = 0;
	int			last = p;
	int			tld;

	while (b > 0 && at - b <= 64 && (ctab[s[b - 1]] & C_LOCAL))
		b--;
	if (at - b > 64)
		return;
	/* from after the last "..", from a letter, digit or '_' (not a quote) */
	for (int q = b; q + 1 < at; q++)
		if (s[q] == '.' && s[q + 1] == '.')
			b = q + 2;
	while (b < at && !(ctab[s[b]] & C_WORD))
		b++;
	if (b == at || s[at - 1] == '.')
		return;
	for (;;)
	{
		int			start = p;

		while (is(S, p, C_LABEL))
			p++;
		if (p == start || p - start > 63 || s[start] == '-' || s[p - 1] == '-' ||
			p - at > 254)
			return;
		labels++;
		last = start;
		if (ch(S, p) != '.' || !is(S, p + 1, C_LABEL))
			break;
		p++;
	}
	tld = p - last;
	if (labels < 2 || tld < 2 || ch(S, p) == '_')
		return;
	if (!(tld >= 5 && pg_strncasecmp((const char *) s + last, "xn--", 4) == 0))
		for (int q = last; q < p; q++)
			if (!(ctab[s[q]] & C_ALPHA))
				return;
	found(S, b, p, ENT_EMAIL_ADDRESS, 0.9);
}

static bool
prefix_ci(const Scan *S, int p, const char *lower)
{
	for (; *lower; lower++, p++)
		if ((ch(S, p) | 0x20) != *lower)
			return false;
	return true;
}

#define URL_MAX 4096

static void
try_url(Scan *S, int i)
{
	const unsigned char *s = S->s;
	int			host;
	int			end;
	int			paren = 0;		/* opened minus closed */
	int			bracket = 0;
	bool		www = false;

	if (i < S->url_end)
		return;
	if (prefix_ci(S, i, "http://"))
		host = i + 7;
	else if (prefix_ci(S, i, "https://"))
		host = i + 8;
	else if (prefix_ci(S, i, "ftp://"))
		host = i + 6;
	else if (prefix_ci(S, i, "www."))
		host = i + 4, www = true;
	else
		return;
	if (!is(S, host, C_WORD) && ch(S, host) != '[')
		return;
	end = host;
	while (end - i < URL_MAX && is(S, end, C_URL))
	{
		paren += s[end] == '(' ? 1 : s[end] == ')' ? -1 : 0;
		bracket += s[end] == '[' ? 1 : s[end] == ']' ? -1 : 0;
		end++;
	}
	/* the sentence's punctuation, a bracket closing nothing in the URL */
	for (;;)
	{
		unsigned char c = s[end - 1];

		if (strchr(".,;:!?'*", c))
			end--;
		else if (c == ')' && paren < 0)
			paren++, end--;
		else if (c == ']' && bracket < 0)
			bracket++, end--;
		else
			break;
	}
	if (end <= host)
		return;
	if (www)
	{
		int			hend = host;
		int			dot = -1;

		while (hend < end && (is(S, hend, C_LABEL) || s[hend] == '.'))
			hend++;
		for (int q = host; q < hend; q++)
			if (s[q] == '.')
				dot = q;
		if (dot < 0 || hend - dot - 1 < 2)
			return;
		for (int q = dot + 1; q < hend; q++)
			if (!(ctab[s[q]] & C_ALPHA))
				return;
		if (hend < end && !strchr("/:?#", s[hend]))
			return;
	}
	found(S, i, end, ENT_URL, www ? 0.5 : 0.6);
	S->url_end = end;
}

/* ---------------------------------------------------------------------
 * PHONE_NUMBER
 * ---------------------------------------------------------------------
 */

#define PHONE_GROUPS 8
#define PHONE_DIGITS 20

typedef struct Groups
{
	int			n;
	int			len[PHONE_GROUPS];
	int			end[PHONE_GROUPS];	/* after the group (and its ')') */
	int			sum[PHONE_GROUPS];	/* digits up to the group's end */
	bool		paren[PHONE_GROUPS];
	char		d[PHONE_DIGITS + 1];
} Groups;

/*
 * The groups of digits from p: one separator (' ', '-', '.') throughout,
 * except around a group in parentheses and after a '+', where the country
 * code is evidence enough (+7 495 123-45-67).
 */
static void
phone_groups(const Scan *S, int p, bool plus, Groups *g)
{
	char		mainsep = 0;
	bool		had_paren = false;
	int			nd = 0;

	g->n = 0;
	while (g->n < PHONE_GROUPS)
	{
		int			q = p;
		char		sep = 0;
		bool		par = false;
		int			d;

		if (g->n > 0 && (ch(S, q) == ' ' || ch(S, q) == '-' || ch(S, q) == '.'))
			sep = ch(S, q++);
		if (ch(S, q) == '(' && !had_paren && !(plus && g->n == 0))
			par = true, q++;
		if (g->n > 0 && !sep && !par && !g->paren[g->n - 1])
			break;
		d = digits(S, q);
		if (d == 0 || nd + d > PHONE_DIGITS || (par && ch(S, q + d) != ')'))
			break;
		if (g->n > 0 && !par && !g->paren[g->n - 1] && !plus)
		{
			if (mainsep == 0)
				mainsep = sep;
			else if (sep != mainsep)
				break;
		}
		memcpy(g->d + nd, S->s + q, d);
		nd += d;
		g->len[g->n] = d;
		g->paren[g->n] = par;
		g->sum[g->n] = nd;
		p = q + d + (par ? 1 : 0);
		g->end[g->n] = p;
		g->n++;
		had_paren |= par;
	}
	g->d[nd] = '\0';
}

/* The digits of an international number after + or 00. */
static bool
international(const char *d, int n)
{
	if (n < 8 || n > 15 || d[0] == '0')
		return false;
	if (d[0] == '1')			/* North America: 1 + area code + 7 */
		return n == 11 && d[1] >= '2';
	if (d[0] == '7')			/* Russia, Kazakhstan */
		return n == 11;
	return true;
}

/* The score of the first k groups as a phone number, 0 if not one. */
static double
phone_shape(const Groups *g, int k, bool plus)
{
	const char *d = g->d;
	int			nd = g->sum[k - 1];
	int			len0 = g->len[0];
	int			b;

	if (plus)
	{
		if (k > 1 && len0 > 4)
			return 0;
		for (int j = 2; j < k; j++)
			if (g->len[j] < 2)
				return 0;
		return international(d, nd) ? 0.75 : 0;
	}
	if (k == 1)
		return !g->paren[0] && d[0] == '0' && d[1] != '0' &&
			(nd == 10 || nd == 11) ? 0.4 : 0;
	for (int j = 1; j < k; j++)
		if (g->len[j] < 2)
			return 0;
	if (d[0] == '0')
	{
		if (len0 < 2 || (g->paren[0] && len0 > 5))
			return 0;
		if (d[1] == '0')
			return !g->paren[0] && international(d + 2, nd - 2) ? 0.6 : 0;
		/* a US ZIP+4 code, a US SSN */
		if ((k == 2 && len0 == 5 && g->len[1] == 4) ||
			(k == 3 && len0 == 3 && g->len[1] == 2 && g->len[2] == 4))
			return 0;
		return nd >= 9 && nd <= 12 ? 0.6 : 0;
	}
	if (g->paren[0])
	{
		if (len0 == 3 ? d[0] < '2' : len0 != 2)
			return 0;
		for (int j = 1; j < k; j++)
			if (g->len[j] < 3)
				return 0;
		return nd == 10 || nd == 11 ? 0.6 : 0;
	}
	/* North America: [1] NXX XXX XXXX */
	b = k == 4 && len0 == 1 && d[0] == '1' ? 1 : 0;
	if (k - b == 3 && g->len[b] == 3 && g->len[b + 1] == 3 && g->len[b + 2] == 4 &&
		d[b] >= '2' && !g->paren[b + 1] && !g->paren[b + 2])
		return 0.6;
	return 0;
}

/* At a '+', a '(' or a digit: the longest run of groups that is a number. */
static void
try_phone(Scan *S, int start)
{
	bool		plus = S->s[start] == '+';
	Groups		g;

	phone_groups(S, plus ? start + 1 : start, plus, &g);
	for (int k = g.n; k >= 1; k--)
	{
		double		score = phone_shape(&g, k, plus);
		int			end = g.end[k - 1];

		if (score > 0 && !word_at(S, end) && !number_goes_on(S, end))
		{
			found(S, start, end, ENT_PHONE_NUMBER, score);
			return;
		}
	}
}

/* ---------------------------------------------------------------------
 * CREDIT_CARD, US_SSN, UK_NHS
 * ---------------------------------------------------------------------
 */

static bool
luhn(const char *d, int n)
{
	int			sum = 0;

	for (int k = 0; k < n; k++)
	{
		int			v = d[n - 1 - k] - '0';

		if (k % 2 == 1 && (v *= 2) > 9)
			v -= 9;
		sum += v;
	}
	return sum % 10 == 0;
}

/* Does an issuer use this prefix with this length? */
static bool
card_issuer(const char *d, int n)
{
	int			p2 = (d[0] - '0') * 10 + d[1] - '0';
	int			p3 = p2 * 10 + d[2] - '0';
	int			p4 = p3 * 10 + d[3] - '0';

	if (d[0] == '4')			/* Visa */
		return n == 13 || n == 16 || n == 19;
	if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))	/* Mastercard */
		return n == 16;
	if (p2 == 34 || p2 == 37)	/* American Express */
		return n == 15;
	if ((p3 >= 300 && p3 <= 305) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39)
		return n >= 14 && n <= 19;	/* Diners Club */
	if (p4 == 5018 || p4 == 5020 || p4 == 5038 || p4 == 5893 || p4 == 6304 ||
		(p4 >= 6759 && p4 <= 6763))
		return n >= 13 && n <= 19;	/* Maestro */
	if ((p4 >= 3528 && p4 <= 3589) ||	/* JCB */
		p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 ||	/* Discover */
		p2 == 62 ||				/* UnionPay */
		(p4 >= 2200 && p4 <= 2204))	/* Mir */
		return n >= 16 && n <= 19;
	if (p2 == 60 || p2 == 81 || p2 == 82 || p3 == 508)	/* RuPay */
		return n == 16;
	return false;
}

static bool
card_grouping(const int *len, int k)
{
	if (k == 3 && len[0] == 4 && len[1] == 6 && (len[2] == 5 || len[2] == 4))
		return true;			/* American Express, Diners Club */
	for (int j = 0; j < k - 1; j++)
		if (len[j] != 4)
			return false;
	return len[k - 1] >= 1 && len[k - 1] <= 4;
}

static void
try_card(Scan *S, int i, int run)
{
	char		d[20];
	int			len[6];
	int			end[6];
	int			ng = 1;
	int			nd = 4;
	int			p = i + 4;
	unsigned char sep;

	if (run >= 13)
	{
		if (run <= 19 && !word_at(S, i + run) && !number_goes_on(S, i + run) &&
			card_issuer((const char *) S->s + i, run) &&
			luhn((const char *) S->s + i, run))
			found(S, i, i + run, ENT_CREDIT_CARD, 1.0);
		return;
	}
	sep = ch(S, i + 4);
	memcpy(d, S->s + i, 4);
	len[0] = 4;
	end[0] = p;
	while (ng < 6 && ch(S, p) == sep && is(S, p + 1, C_DIGIT))
	{
		int			g = digits(S, p + 1);

		if (g > 6 || nd + g > 19)
			break;
		memcpy(d + nd, S->s + p + 1, g);
		nd += g;
		p += 1 + g;
		len[ng] = g;
		end[ng++] = p;
	}
	for (int k = ng; k >= 2; k--)
	{
		nd = 0;
		for (int j = 0; j < k; j++)
			nd += len[j];
		if (nd < 13)
			break;
		if (card_grouping(len, k) && !word_at(S, end[k - 1]) &&
			!number_goes_on(S, end[k - 1]) &&
			card_issuer(d, nd) && luhn(d, nd))
		{
			found(S, i, end[k - 1], ENT_CREDIT_CARD, 1.0);
			return;
		}
	}
}

/*
 * AAA-GG-SSSS, or with spaces or dots: a US SSN, or from area 900 an ITIN
 * (groups 50-65, 70-88, 90-92, 94-99).
 */
static void
try_ssn(Scan *S, int i)
{
	unsigned char sep = ch(S, i + 3);
	int			area;
	int			group;
	int			serial;

	if (digits(S, i + 4) != 2 || ch(S, i + 6) != sep || digits(S, i + 7) != 4 ||
		word_at(S, i + 11) || number_goes_on(S, i + 11))
		return;
	area = num(S, i, 3);
	group = num(S, i + 4, 2);
	serial = num(S, i + 7, 4);
	if (area >= 900)
	{
		if ((group >= 50 && group <= 65) || (group >= 70 && group <= 88) ||
			(group >= 90 && group <= 92) || group >= 94)
			found(S, i, i + 11, ENT_US_ITIN, sep == '-' ? 0.85 : 0.5);
		return;
	}
	if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 ||
		(area == 78 && group == 5 && serial == 1120) ||
		(area == 219 && group == 9 && serial == 9999))
		return;
	found(S, i, i + 11, ENT_US_SSN, sep == '-' ? 0.85 : 0.5);
}

static void
try_nhs(Scan *S, int i, int run)
{
	char		d[10];
	int			end;
	int			sum = 0;
	int			check;
	bool		same = true;

	if (run == 10)
	{
		int			range = num(S, i, 3);

		/* unseparated, only from the ranges issued: not any 10-digit id */
		if (!((range >= 320 && range <= 499) || (range >= 600 && range <= 799)))
			return;
		memcpy(d, S->s + i, 10);
		end = i + 10;
	}
	else
	{
		unsigned char sep = ch(S, i + 3);

		if (digits(S, i + 4) != 3 || ch(S, i + 7) != sep || digits(S, i + 8) != 4)
			return;
		memcpy(d, S->s + i, 3);
		memcpy(d + 3, S->s + i + 4, 3);
		memcpy(d + 6, S->s + i + 8, 4);
		end = i + 12;
	}
	if (word_at(S, end) || number_goes_on(S, end))
		return;
	for (int k = 0; k < 9; k++)
	{
		sum += (d[k] - '0') * (10 - k);
		same &= d[k] == d[0];
	}
	check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	if (check == 10 || d[9] - '0' != check || (same && d[9] == d[0]))
		return;
	found(S, i, end, ENT_UK_NHS, 1.0);
}

/* ---------------------------------------------------------------------
 * IBAN_CODE
 * ---------------------------------------------------------------------
 */

static void
try_iban(Scan *S, int i)
{
	char		buf[34];
	int			n;
	int			p = i;
	int			r = 0;
	bool		spaced;

	if (!is(S, i + 1, C_UPPER) || !is(S, i + 2, C_DIGIT) || !is(S, i + 3, C_DIGIT))
		return;
	n = iban_len[(S->s[i] - 'A') * 26 + S->s[i + 1] - 'A'];
	if (n == 0)
		return;
	spaced = ch(S, i + 4) == ' ';
	for (int k = 0; k < n; k++)
	{
		if (spaced && k > 0 && k % 4 == 0 && ch(S, p++) != ' ')
			return;
		if (!is(S, p, C_DIGIT | C_UPPER))
			return;
		buf[k] = S->s[p++];
	}
	if (word_at(S, p))
		return;
	/* the country code and check digits moved to the end */
	for (int k = 4; k < n + 4; k++)
	{
		char		c = buf[k % n];

		if (c <= '9')
			r = (r * 10 + c - '0') % 97;
		else
			r = (r * 100 + c - 'A' + 10) % 97;
	}
	if (r == 1)
		found(S, i, p, ENT_IBAN_CODE, 1.0);
}

/* ---------------------------------------------------------------------
 * IP_ADDRESS, MAC_ADDRESS
 * ---------------------------------------------------------------------
 */

/* The end of the IPv4 address at p, or -1; *small if all its octets are. */
static int
ipv4_at(const Scan *S, int p, bool *small)
{
	*small = true;
	for (int k = 0; k < 4; k++)
	{
		int			d;

		if (k > 0 && ch(S, p++) != '.')
			return -1;
		d = run_of(S, p, C_DIGIT, 4);
		if (d < 1 || d > 3 || num(S, p, d) > 255)
			return -1;
		*small &= d == 1;
		p += d;
	}
	return p;
}

/* "/prefix" of at most max after an address: where the address ends. */
static int
prefix_length(const Scan *S, int end, int max)
{
	int			d;

	if (ch(S, end) != '/')
		return end;
	d = run_of(S, end + 1, C_DIGIT, 4);
	if (d < 1 || d > 3 || num(S, end + 1, d) > max || word_at(S, end + 1 + d) ||
		right_glued(S, end + 1 + d, false))
		return end;
	return end + 1 + d;
}

static void
try_ipv4(Scan *S, int i)
{
	bool		small;
	int			end;

	if (left_glued(S, i, true))
		return;
	end = ipv4_at(S, i, &small);
	if (end < 0 || word_at(S, end) || right_glued(S, end, false))
		return;
	found(S, i, prefix_length(S, end, 32), ENT_IP_ADDRESS, small ? 0.6 : 0.95);
}

/* At a hex digit followed by ':', or at "::". */
static void
try_ipv6(Scan *S, int i)
{
	int			p = i;
	int			end = i;
	int			groups = 0;
	bool		dbl = false;
	bool		v4 = false;

	if (ch(S, i - 1) == ':')
		return;
	if (ch(S, p) == ':')
	{
		dbl = true;
		p = end = i + 2;
	}
	while (groups < 8)
	{
		int			h = run_of(S, p, C_HEX, 5);
		bool		small;

		if (h == 0)
			break;
		if (h > 4)
			return;
		if (ch(S, p + h) == '.')
		{
			/* IPv4 last, in place of two groups */
			int			e = ipv4_at(S, p, &small);

			if (e < 0 || (dbl ? groups > 5 : groups != 6))
				return;
			groups += 2;
			end = e;
			v4 = true;
			break;
		}
		groups++;
		p += h;
		end = p;
		if (ch(S, p) == ':' && ch(S, p + 1) == ':')
		{
			if (dbl)
				break;
			dbl = true;
			p = end = p + 2;
		}
		else if (ch(S, p) == ':' && is(S, p + 1, C_HEX))
			p++;
		else
			break;
	}
	if (dbl ? (groups > 7 || groups < (S->s[i] == ':' ? 1 : 2)) : groups != 8)
		return;
	if (word_at(S, end) || ch(S, end) == ':' || right_glued(S, end, false))
		return;
	found(S, i, prefix_length(S, end, 128), ENT_IP_ADDRESS,
		  !dbl || v4 ? 0.95 : 0.8);
}

static void
try_mac(Scan *S, int i, int hex)
{
	unsigned char sep = ch(S, i + hex);
	int			end;

	if (hex == 2)
	{
		for (int k = 1; k < 6; k++)
			if (ch(S, i + 3 * k - 1) != sep || run_of(S, i + 3 * k, C_HEX, 3) != 2)
				return;
		end = i + 17;
	}
	else
	{
		if (run_of(S, i + 5, C_HEX, 5) != 4 || ch(S, i + 9) != '.' ||
			run_of(S, i + 10, C_HEX, 5) != 4)
			return;
		end = i + 14;
	}
	/* not inside a longer run of groups */
	if (word_at(S, end) || (ch(S, end) == sep && is(S, end + 1, C_HEX)) ||
		(ch(S, i - 1) == sep && is(S, i - 2, C_HEX)))
		return;
	found(S, i, end, ENT_MAC_ADDRESS, hex == 2 ? 0.9 : 0.8);
}

/* ---------------------------------------------------------------------
 * CRYPTO
 * ---------------------------------------------------------------------
 */

/* A P2PKH (1...) or P2SH (3...) address: version, hash, SHA-256d check. */
static void
try_base58(Scan *S, int i)
{
	uint8		out[25] = {0};
	unsigned char h[32];
	unsigned char h2[32];
	int			n = 0;
	int			zeros = 0;
	bool		letter = false;

	while (n < 36 && is(S, i + n, C_B58))
		letter |= !is(S, i + n++, C_DIGIT);
	if (n < 26 || n > 35 || !letter || word_at(S, i + n))
		return;
	for (int k = 0; k < n; k++)
	{
		int			carry = b58val[S->s[i + k]];

		for (int j = 24; j >= 0; j--)
		{
			carry += out[j] * 58;
			out[j] = carry & 0xFF;
			carry >>= 8;
		}
		if (carry)
			return;
	}
	while (S->s[i + zeros] == '1')
		zeros++;
	for (int j = 0; j < zeros; j++)
		if (out[j] != 0)
			return;
	if (zeros < 25 && out[zeros] == 0)
		return;
	if (out[0] != (S->s[i] == '1' ? 0x00 : 0x05))
		return;
	hoop_sha256(out, 21, h);
	hoop_sha256(h, 32, h2);
	if (memcmp(h2, out + 21, 4) == 0)
		found(S, i, i + n, ENT_CRYPTO, 1.0);
}

static uint32
bech32_polymod(const uint8 *v, int n)
{
	static const uint32 gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
	uint32		chk = 1;

	for (int i = 0; i < n; i++)
	{
		uint32		top = chk >> 25;

		chk = ((chk & 0x1ffffff) << 5) ^ v[i];
		for (int j = 0; j < 5; j++)
			if ((top >> j) & 1)
				chk ^= gen[j];
	}
	return chk;
}

/* bc1...: bech32 for witness version 0, bech32m after (BIP 173, 350). */
static void
try_bech32(Scan *S, int i)
{
	bool		upper = S->s[i] == 'B';
	uint8		v[5 + 90] = {3, 3, 0, 2, 3};	/* "bc" expanded */
	int			n = 0;
	int			p = i + 3;
	int			prog = 0;
	int			bits = 0;
	uint32		acc = 0;
	uint32		chk;

	if (ch(S, i + 1) != (upper ? 'C' : 'c') || ch(S, i + 2) != '1')
		return;
	for (;; p++)
	{
		unsigned char c = ch(S, p);
		int			val;

		if (upper ? (ctab[c] & C_LOWER) : (ctab[c] & C_UPPER))
			return;				/* mixed case */
		val = c < 128 ? b32val[upper && (ctab[c] & C_UPPER) ? c | 0x20 : c] : -1;
		if (val < 0)
			break;
		if (p - i >= 90)
			return;
		v[5 + n++] = val;
	}
	if (n < 6 + 1 + 4 || word_at(S, p) || v[5] > 16)
		return;
	chk = bech32_polymod(v, 5 + n);
	if (chk != (v[5] == 0 ? 1 : 0x2bc830a3))
		return;
	/* the witness program: 5-bit groups to bytes, padding of zeros */
	for (int k = 6; k < 5 + n - 6; k++)
	{
		acc = (acc << 5) | v[k];
		bits += 5;
		if (bits >= 8)
		{
			bits -= 8;
			prog++;
		}
	}
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0 || prog < 2 || prog > 40 ||
		(v[5] == 0 && prog != 20 && prog != 32))
		return;
	found(S, i, p, ENT_CRYPTO, 1.0);
}

/* ---------------------------------------------------------------------
 * DATE_TIME
 * ---------------------------------------------------------------------
 */

static const char *const months[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"
};
static const int month_len[12] = {7, 8, 5, 5, 3, 4, 4, 6, 9, 7, 8, 8};

static bool
valid_date(int y, int m, int d)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (y < 1 || m < 1 || m > 12 || d < 1)
		return false;
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return d <= 29;
	return d <= days[m - 1];
}

/* A month's name or its abbreviation at p (1-12), its end in *end; or 0. */
static int
month_at(const Scan *S, int p, int *end)
{
	int			n = run_of(S, p, C_ALPHA, 10);
	char		c0 = S->s[p] | 0x20;

	if (n < 3 || n > 9)
		return 0;
	for (int m = 0; m < 12; m++)
	{
		int			full = month_len[m];
		int			k;

		if (c0 != months[m][0] || (n != 3 && n != full && !(m == 8 && n == 4)))
			continue;
		for (k = 0; k < n; k++)
			if ((S->s[p + k] | 0x20) != months[m][k])
				break;
		if (k < n)
			continue;
		*end = p + n + (n < full && ch(S, p + n) == '.' ? 1 : 0);
		return m + 1;
	}
	return 0;
}

/* After a day: 1st, 2nd, 3rd, 4th. */
static int
ordinal(const Scan *S, int p)
{
	char		a = ch(S, p) | 0x20;
	char		b = ch(S, p + 1) | 0x20;

	if (((a == 's' && b == 't') || (a == 'n' && b == 'd') || (a == 'r' && b == 'd') ||
		 (a == 't' && b == 'h')) && !word_at(S, p + 2))
		return p + 2;
	return p;
}

/* A time of day at p, with seconds, fraction and AM/PM: its end or -1. */
static int
time_at(const Scan *S, int p)
{
	int			d = run_of(S, p, C_DIGIT, 3);
	int			h;
	int			m;
	int			sec = 0;
	int			q;

	if (d < 1 || d > 2 || ch(S, p + d) != ':' || run_of(S, p + d + 1, C_DIGIT, 3) != 2)
		return -1;
	h = num(S, p, d);
	m = num(S, p + d + 1, 2);
	p += d + 3;
	if (ch(S, p) == ':' && run_of(S, p + 1, C_DIGIT, 3) == 2)
	{
		sec = num(S, p + 1, 2);
		p += 3;
		if (ch(S, p) == '.' && (d = run_of(S, p + 1, C_DIGIT, 10)) >= 1 && d <= 9)
			p += 1 + d;
	}
	if (h > 24 || m > 59 || sec > 60 || (h == 24 && (m > 0 || sec > 0)))
		return -1;
	q = p + (ch(S, p) == ' ' ? 1 : 0);
	if (((ch(S, q) | 0x20) == 'a' || (ch(S, q) | 0x20) == 'p') &&
		(ch(S, q + 1) | 0x20) == 'm' && !word_at(S, q + 2) && h >= 1 && h <= 12)
		p = q + 2;
	return p;
}

/* A time zone at p: Z, +hh, +hh:mm, [ ]+hhmm, [ ]UTC, [ ]PST...: its end. */
static int
zone_at(const Scan *S, int p)
{
	int			q = p;
	int			d;

	if (ch(S, q) == 'Z' && !word_at(S, q + 1))
		return q + 1;
	if (ch(S, q) == ' ')
		q++;
	if (ch(S, q) == '+' || ch(S, q) == '-')
	{
		d = run_of(S, q + 1, C_DIGIT, 5);
		if (d == 4 && num(S, q + 1, 2) <= 15 && num(S, q + 3, 2) <= 59)
			return q + 5;
		if (d == 2 && q == p && num(S, q + 1, 2) <= 15)
		{
			q += 3;
			if (ch(S, q) == ':' && run_of(S, q + 1, C_DIGIT, 3) == 2)
				q += 3;
			return q;
		}
		return p;
	}
	if (q > p)
	{
		int			n = run_of(S, q, C_UPPER, 6);

		if (n >= 3 && n <= 5 && !word_at(S, q + n) &&
			(S->s[q + n - 1] == 'T' ||
			 (n == 3 && (memcmp(S->s + q, "UTC", 3) == 0 || memcmp(S->s + q, "MSK", 3) == 0))))
			return q + n;
	}
	return p;
}

/* A date ends at end: with a time after it, where that ends. */
static int
with_time(const Scan *S, int end, bool iso)
{
	unsigned char c = ch(S, end);
	int			t;

	if (c != ' ' && !(iso && c == 'T'))
		return end;
	t = time_at(S, end + 1);
	if (t < 0)
		return end;
	t = zone_at(S, t);
	if (word_at(S, t) || right_glued(S, t, true))
		return end;
	return t;
}

static void
date_found(Scan *S, int i, int end, bool ok)
{
	if (ok && !word_at(S, end) && !right_glued(S, end, false))
		found(S, i, end, ENT_DATE_TIME, 0.6);
}

/* YYYY-MM-DD (and a time, PostgreSQL's ISO style), YYYY/M/D. */
static void
try_iso_date(Scan *S, int i)
{
	unsigned char sep = ch(S, i + 4);
	int			dm = run_of(S, i + 5, C_DIGIT, 3);
	int			dd;
	int			p;

	if (dm < 1 || dm > 2 || (sep == '-' && dm != 2) || ch(S, i + 5 + dm) != sep)
		return;
	p = i + 6 + dm;
	dd = run_of(S, p, C_DIGIT, 3);
	if (dd < 1 || dd > 2 || (sep == '-' && dd != 2))
		return;
	date_found(S, i, with_time(S, p + dd, sep == '-'),
			   valid_date(num(S, i, 4), num(S, i + 5, dm), num(S, p, dd)));
}

/* D/M/YYYY or M/D/YYYY (or '-', '.'), PostgreSQL's SQL and German styles. */
static void
try_dmy_date(Scan *S, int i, int run)
{
	unsigned char sep = ch(S, i + run);
	int			a = num(S, i, run);
	int			p = i + run + 1;
	int			d2 = run_of(S, p, C_DIGIT, 3);
	int			b;
	int			y;

	if (d2 < 1 || d2 > 2 || ch(S, p + d2) != sep || run_of(S, p + d2 + 1, C_DIGIT, 5) != 4)
		return;
	/* 1.2.2024 is more likely a version than a date */
	if (sep == '.' && (run != 2 || d2 != 2))
		return;
	b = num(S, p, d2);
	p += d2 + 1;
	y = num(S, p, 4);
	if (y < 1000 || y > 2999)
		return;
	date_found(S, i, with_time(S, p + 4, false),
			   valid_date(y, b, a) || valid_date(y, a, b));
}

/* 31 January 2024, 1st Jan, 2024, 31-Jan-2024 (or -24). */
static void
try_day_month_date(Scan *S, int i, int run)
{
	int			day = num(S, i, run);
	int			p = ordinal(S, i + run);
	unsigned char sep = ch(S, p);
	int			m;
	int			y;
	int			d;

	if (sep != ' ' && sep != '-')
		return;
	if ((m = month_at(S, p + 1, &p)) == 0)
		return;
	if (ch(S, p) == ',' && sep == ' ')
		p++;
	if (ch(S, p++) != sep)
		return;
	d = run_of(S, p, C_DIGIT, 5);
	if (d == 4)
		y = num(S, p, 4);
	else if (d == 2 && sep == '-')
		y = 2000 + num(S, p, 2);
	else
		return;
	date_found(S, i, with_time(S, p + d, false), valid_date(y, m, day));
}

/* Jan 31, 2024; January 31 2024; Jan 31 12:34:56 2024 PST (Postgres style). */
static void
try_month_date(Scan *S, int i)
{
	int			p;
	int			m;
	int			d;
	int			day;
	int			end;

	/* most words are not months: first the shape, "Word[.] 9" */
	p = i + run_of(S, i, C_ALPHA, 10);
	if (ch(S, p) == '.')
		p++;
	if (ch(S, p) != ' ' || !is(S, p + 1, C_DIGIT))
		return;
	if ((m = month_at(S, i, &p)) == 0 || ch(S, p) != ' ')
		return;
	d = run_of(S, p + 1, C_DIGIT, 3);
	if (d < 1 || d > 2)
		return;
	day = num(S, p + 1, d);
	p = ordinal(S, p + 1 + d);
	if (ch(S, p) == ',' && ch(S, p + 1) == ' ')
		p += 2;
	else if (ch(S, p) == ' ')
		p++;
	else
		return;
	if (run_of(S, p, C_DIGIT, 5) == 4)
		end = with_time(S, p + 4, false);
	else
	{
		int			t = time_at(S, p);

		if (t < 0 || ch(S, t) != ' ' || run_of(S, t + 1, C_DIGIT, 5) != 4)
			return;
		p = t + 1;
		end = zone_at(S, p + 4);
	}
	date_found(S, i, end, valid_date(num(S, p, 4), m, day));
}

/* ---------------------------------------------------------------------
 * National identifiers
 * ---------------------------------------------------------------------
 */

static const char nif_letters[] = "TRWAGMYFPDXBNJZSQVHLCKE";

/* Is the number ending at end alone: not glued, not grouped on? */
static bool
ends_alone(const Scan *S, int end, char sep)
{
	return !word_at(S, end) && !number_goes_on(S, end) &&
		!(sep && ch(S, end) == sep && is(S, end + 1, C_DIGIT));
}

/* Spain's DNI/NIF: 8 digits and the letter of their mod 23. */
static void
try_es_nif(Scan *S, int i)
{
	if (is(S, i + 8, C_UPPER) && !word_at(S, i + 9) &&
		nif_letters[num(S, i, 8) % 23] == S->s[i + 8])
		found(S, i, i + 9, ENT_ES_NIF, 1.0);
}

/* Spain's NIE: X, Y or Z (0, 1, 2), 7 digits, the letter of mod 23. */
static void
try_es_nie(Scan *S, int i)
{
	if (run_of(S, i + 1, C_DIGIT, 8) == 7 && is(S, i + 8, C_UPPER) &&
		!word_at(S, i + 9) &&
		nif_letters[((S->s[i] - 'X') * 10000000 + num(S, i + 1, 7)) % 23] == S->s[i + 8])
		found(S, i, i + 9, ENT_ES_NIE, 1.0);
}

/*
 * Italy's codice fiscale: 6 letters, year, month letter, day (+40 for
 * women), place, check letter; the digits may be replaced by letters
 * (omocodia).
 */
static void
try_it_fiscal(Scan *S, int i)
{
	static const char shape[] = "LLLLLLNNMNNLNNNL";
	static const char omocodia[] = "LMNPQRSTUV";
	static const int odd[26] = {1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20,
	11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23};
	int			sum = 0;
	int			day = 0;

	for (int k = 0; k < 16; k++)
	{
		unsigned char c = ch(S, i + k);

		if (shape[k] == 'M' ? !(c && strchr("ABCDEHLMPRST", c)) :
			shape[k] == 'L' ? !(ctab[c] & C_UPPER) :
			!((ctab[c] & C_DIGIT) || (c && strchr(omocodia, c))))
			return;
		if (k == 9 || k == 10)
			day = day * 10 + ((ctab[c] & C_DIGIT) ? c - '0' : strchr(omocodia, c) - omocodia);
		if (k < 15)
			sum += k % 2 == 0 ? odd[(ctab[c] & C_DIGIT) ? c - '0' : c - 'A'] :
				(ctab[c] & C_DIGIT) ? c - '0' : c - 'A';
	}
	if (word_at(S, i + 16) || !((day >= 1 && day <= 31) || (day >= 41 && day <= 71)))
		return;
	if (S->s[i + 15] == 'A' + sum % 26)
		found(S, i, i + 16, ENT_IT_FISCAL_CODE, 1.0);
}

/* Poland's PESEL: YYMMDD (month +20 after 1999), serial, check digit. */
static void
try_pl_pesel(Scan *S, int i)
{
	static const int w[10] = {1, 3, 7, 9, 1, 3, 7, 9, 1, 3};
	int			mm = num(S, i + 2, 2);
	int			year = num(S, i, 2) + (mm > 20 ? 2000 : 1900);
	int			sum = 0;

	if (!ends_alone(S, i + 11, 0) || !valid_date(year, mm % 20, num(S, i + 4, 2)) ||
		mm / 20 > 1 || mm % 20 > 12)
		return;
	for (int k = 0; k < 10; k++)
		sum += (S->s[i + k] - '0') * w[k];
	if ((10 - sum % 10) % 10 == S->s[i + 10] - '0')
		found(S, i, i + 11, ENT_PL_PESEL, 1.0);
}

/* Finland's henkilötunnus: DDMMYY, century sign, NNN, check of mod 31. */
static void
try_fi_pic(Scan *S, int i)
{
	unsigned char sign = ch(S, i + 6);
	unsigned char check = ch(S, i + 10);
	int			century;

	if (sign == '+')
		century = 1800;
	else if (sign == '-' || (sign >= 'U' && sign <= 'Y'))
		century = 1900;
	else if (sign >= 'A' && sign <= 'F')
		century = 2000;
	else
		return;
	if (run_of(S, i + 7, C_DIGIT, 4) != 3 || !is(S, i + 10, C_DIGIT | C_UPPER) ||
		word_at(S, i + 11) ||
		!valid_date(century + num(S, i + 4, 2), num(S, i + 2, 2), num(S, i, 2)))
		return;
	if ("0123456789ABCDEFHJKLMNPRSTUVWXY"[(num(S, i, 6) * 1000 + num(S, i + 7, 3)) % 31] == check)
		found(S, i, i + 11, ENT_FI_PERSONAL_IDENTITY_CODE, 1.0);
}

/* Singapore's NRIC/FIN: S, T, F or G, 7 digits, check letter. */
static void
try_sg_nric(Scan *S, int i)
{
	static const int w[7] = {2, 7, 6, 5, 4, 3, 2};
	unsigned char c = S->s[i];
	int			sum = c == 'T' || c == 'G' ? 4 : 0;

	if (run_of(S, i + 1, C_DIGIT, 8) != 7 || !is(S, i + 8, C_UPPER) || word_at(S, i + 9))
		return;
	for (int k = 0; k < 7; k++)
		sum += (S->s[i + 1 + k] - '0') * w[k];
	if ((c == 'S' || c == 'T' ? "JZIHGFEDCBA" : "XWUTRQPNMLK")[sum % 11] == S->s[i + 8])
		found(S, i, i + 9, ENT_SG_NRIC_FIN, 1.0);
}

/* Australia's ABN: 11 digits, or 2-3-3-3 with spaces; mod 89. */
static void
try_au_abn(Scan *S, int i, int run)
{
	static const int w[11] = {10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19};
	char		d[11];
	int			end;
	int			sum = 0;

	if (run == 11)
	{
		memcpy(d, S->s + i, 11);
		end = i + 11;
	}
	else
	{
		if (run_of(S, i + 3, C_DIGIT, 4) != 3 || ch(S, i + 6) != ' ' ||
			run_of(S, i + 7, C_DIGIT, 4) != 3 || ch(S, i + 10) != ' ' ||
			run_of(S, i + 11, C_DIGIT, 4) != 3)
			return;
		memcpy(d, S->s + i, 2);
		memcpy(d + 2, S->s + i + 3, 3);
		memcpy(d + 5, S->s + i + 7, 3);
		memcpy(d + 8, S->s + i + 11, 3);
		end = i + 14;
	}
	if (d[0] == '0' || !ends_alone(S, end, run == 11 ? 0 : ' '))
		return;
	for (int k = 0; k < 11; k++)
		sum += (d[k] - '0' - (k == 0 ? 1 : 0)) * w[k];
	if (sum % 89 == 0)
		found(S, i, end, ENT_AU_ABN, 1.0);
}

/*
 * Australia's ACN (mod 10) and TFN (mod 11): 9 digits, 3-3-3 with spaces
 * only, as unseparated 9-digit numbers are any id.
 */
static void
try_au_ninedigits(Scan *S, int i)
{
	static const int tfn_w[9] = {1, 4, 3, 7, 5, 8, 6, 9, 10};
	char		d[9];
	int			acn = 0;
	int			tfn = 0;

	if (run_of(S, i + 4, C_DIGIT, 4) != 3 || ch(S, i + 7) != ' ' ||
		run_of(S, i + 8, C_DIGIT, 4) != 3 || !ends_alone(S, i + 11, ' ') ||
		(ch(S, i - 1) == ' ' && is(S, i - 2, C_DIGIT)))
		return;
	memcpy(d, S->s + i, 3);
	memcpy(d + 3, S->s + i + 4, 3);
	memcpy(d + 6, S->s + i + 8, 3);
	for (int k = 0; k < 9; k++)
	{
		if (k < 8)
			acn += (d[k] - '0') * (8 - k);
		tfn += (d[k] - '0') * tfn_w[k];
	}
	if ((10 - acn % 10) % 10 == d[8] - '0')
		found(S, i, i + 11, ENT_AU_ACN, 1.0);
	if (tfn % 11 == 0)
		found(S, i, i + 11, ENT_AU_TFN, 1.0);
}

/* Australia's Medicare number as the card prints it: 4-5-1, first 2-6. */
static void
try_au_medicare(Scan *S, int i)
{
	static const int w[8] = {1, 3, 7, 9, 1, 3, 7, 9};
	char		d[10];
	int			sum = 0;

	if (run_of(S, i + 5, C_DIGIT, 6) != 5 || ch(S, i + 10) != ' ' ||
		run_of(S, i + 11, C_DIGIT, 2) != 1 || !ends_alone(S, i + 12, ' ') ||
		S->s[i] < '2' || S->s[i] > '6')
		return;
	memcpy(d, S->s + i, 4);
	memcpy(d + 4, S->s + i + 5, 5);
	for (int k = 0; k < 8; k++)
		sum += (d[k] - '0') * w[k];
	if (sum % 10 == d[8] - '0')
		found(S, i, i + 12, ENT_AU_MEDICARE, 1.0);
}

/* India's PAN: AAAPA9999A, the fourth letter the kind of holder. */
static void
try_in_pan(Scan *S, int i)
{
	for (int k = 1; k < 5; k++)
		if (!is(S, i + k, C_UPPER))
			return;
	if (!strchr("ABCFGHLJPTK", S->s[i + 3]) || run_of(S, i + 5, C_DIGIT, 5) != 4 ||
		!is(S, i + 9, C_UPPER) || word_at(S, i + 10))
		return;
	found(S, i, i + 10, ENT_IN_PAN, 0.85);
}

/* India's Aadhaar: 12 digits (or 4-4-4), first 2-9, Verhoeff. */
static void
try_in_aadhaar(Scan *S, int i, int run)
{
	static const uint8 vd[10][10] = {
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
		{2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
		{4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
		{8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
	static const uint8 vp[8][10] = {
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
		{5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
		{9, 4, 5, 8, 3, 6, 7, 1, 0, 2}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
	char		d[12];
	unsigned char sep = 0;
	int			end;
	int			c = 0;
	bool		palindrome = true;

	if (run == 12)
	{
		memcpy(d, S->s + i, 12);
		end = i + 12;
	}
	else
	{
		sep = ch(S, i + 4);
		if (run_of(S, i + 5, C_DIGIT, 5) != 4 || ch(S, i + 9) != sep ||
			run_of(S, i + 10, C_DIGIT, 5) != 4)
			return;
		memcpy(d, S->s + i, 4);
		memcpy(d + 4, S->s + i + 5, 4);
		memcpy(d + 8, S->s + i + 10, 4);
		end = i + 14;
	}
	if (d[0] < '2' || !ends_alone(S, end, sep))
		return;
	for (int k = 0; k < 12; k++)
	{
		c = vd[c][vp[k % 8][d[11 - k] - '0']];
		palindrome &= d[k] == d[11 - k];
	}
	if (c == 0 && !palindrome)
		found(S, i, end, ENT_IN_AADHAAR, 1.0);
}

/* UK's National Insurance number: AB 12 34 56 C, or unspaced. */
static void
try_uk_nino(Scan *S, int i)
{
	static const char *const never[] = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"};
	unsigned char a = S->s[i];
	unsigned char b = ch(S, i + 1);
	int			p = i + 2;
	bool		spaced = ch(S, p) == ' ';

	if (!(ctab[b] & C_UPPER) || strchr("DFIQUV", a) || strchr("DFIQUVO", b))
		return;
	for (int k = 0; k < lengthof(never); k++)
		if (a == never[k][0] && b == never[k][1])
			return;
	for (int k = 0; k < 3; k++)
	{
		if (spaced && ch(S, p++) != ' ')
			return;
		if (!is(S, p, C_DIGIT) || !is(S, p + 1, C_DIGIT))
			return;
		p += 2;
	}
	if (spaced && ch(S, p++) != ' ')
		return;
	if (ch(S, p) < 'A' || ch(S, p) > 'D' || word_at(S, p + 1))
		return;
	found(S, i, p + 1, ENT_UK_NINO, 0.5);
}

/* ---------------------------------------------------------------------
 * Dispatch
 * ---------------------------------------------------------------------
 */

/* At a hex digit starting a word: IPv6 (h:...) or a MAC address. */
static void
at_hex(Scan *S, int i)
{
	int			hex = run_of(S, i, C_HEX, 5);
	unsigned char c = ch(S, i + hex);

	if (ON(S, ENT_IP_ADDRESS) && hex <= 4 && c == ':')
		try_ipv6(S, i);
	if (ON(S, ENT_MAC_ADDRESS) &&
		((hex == 2 && (c == ':' || c == '-')) || (hex == 4 && c == '.')))
		try_mac(S, i, hex);
}

#define BIT(t)	(1u << (t))
#define NATIONAL_DIGITS (BIT(ENT_ES_NIF) | BIT(ENT_PL_PESEL) | \
	BIT(ENT_FI_PERSONAL_IDENTITY_CODE) | BIT(ENT_AU_ABN) | BIT(ENT_AU_ACN) | \
	BIT(ENT_AU_TFN) | BIT(ENT_AU_MEDICARE) | BIT(ENT_IN_AADHAAR))
#define UPPER_START (BIT(ENT_IBAN_CODE) | BIT(ENT_UK_NINO) | BIT(ENT_ES_NIE) | \
	BIT(ENT_IT_FISCAL_CODE) | BIT(ENT_SG_NRIC_FIN) | BIT(ENT_IN_PAN))

/*
 * The national identifiers that start with digits, by their first run.
 * Mostly bare digits, they also refuse a word before '-' or '/': the last
 * group of a UUID is 12 digits often enough.
 */
static void
at_national_digits(Scan *S, int i, int run, unsigned char nc)
{
	if ((ch(S, i - 1) == '-' || ch(S, i - 1) == '/') && word_at(S, i - 2))
		return;
	if (ON(S, ENT_ES_NIF) && run == 8)
		try_es_nif(S, i);
	if (ON(S, ENT_PL_PESEL) && run == 11)
		try_pl_pesel(S, i);
	if (ON(S, ENT_FI_PERSONAL_IDENTITY_CODE) && run == 6)
		try_fi_pic(S, i);
	if (ON(S, ENT_AU_ABN) && (run == 11 || (run == 2 && nc == ' ')))
		try_au_abn(S, i, run);
	if ((ON(S, ENT_AU_ACN) || ON(S, ENT_AU_TFN)) && run == 3 && nc == ' ')
		try_au_ninedigits(S, i);
	if (ON(S, ENT_AU_MEDICARE) && run == 4 && nc == ' ')
		try_au_medicare(S, i);
	if (ON(S, ENT_IN_AADHAAR) && (run == 12 || (run == 4 && (nc == ' ' || nc == '-'))))
		try_in_aadhaar(S, i, run);
}

static void
at_digit(Scan *S, int i)
{
	unsigned char c = S->s[i];
	int			run = digits(S, i);
	unsigned char nc = ch(S, i + run);

	/* not the rest of a decimal, a date, a range, a time */
	if (!left_glued(S, i, false))
	{
		if (ON(S, ENT_PHONE_NUMBER) && (c == '0' || run == 3 || (run == 1 && c == '1')))
			try_phone(S, i);
		if (ON(S, ENT_CREDIT_CARD) && (run >= 13 || (run == 4 && (nc == ' ' || nc == '-'))))
			try_card(S, i, run);
		if (ON(S, ENT_UK_NHS) && (run == 10 || (run == 3 && (nc == ' ' || nc == '-'))))
			try_nhs(S, i, run);
		if ((ON(S, ENT_US_SSN) || ON(S, ENT_US_ITIN)) && run == 3 &&
			(nc == '-' || nc == ' ' || nc == '.'))
			try_ssn(S, i);
		if (S->on & NATIONAL_DIGITS)
			at_national_digits(S, i, run, nc);
	}
	if (ON(S, ENT_DATE_TIME) && !left_glued(S, i, true))
	{
		if (run == 4 && (nc == '-' || nc == '/'))
			try_iso_date(S, i);
		if (run <= 2 && (nc == '/' || nc == '-' || nc == '.'))
			try_dmy_date(S, i, run);
		if (run <= 2 && (nc == ' ' || nc == '-' || (ctab[nc] & C_ALPHA)))
			try_day_month_date(S, i, run);
	}
	if (ON(S, ENT_IP_ADDRESS) && run <= 3 && nc == '.')
		try_ipv4(S, i);
	if (run <= 4)
		at_hex(S, i);
	if (ON(S, ENT_CRYPTO) && (c == '1' || c == '3'))
		try_base58(S, i);
}

static void
at_letter(Scan *S, int i)
{
	unsigned char c = S->s[i];
	unsigned char lc = c | 0x20;

	if (ON(S, ENT_URL) && (ctab[c] & C_URL0))
		try_url(S, i);
	if ((ctab[c] & C_UPPER) && (S->on & UPPER_START))
	{
		if (ON(S, ENT_IBAN_CODE))
			try_iban(S, i);
		if (ON(S, ENT_UK_NINO))
			try_uk_nino(S, i);
		if (ON(S, ENT_ES_NIE) && c >= 'X' && c <= 'Z')
			try_es_nie(S, i);
		if (ON(S, ENT_IT_FISCAL_CODE))
			try_it_fiscal(S, i);
		if (ON(S, ENT_SG_NRIC_FIN) && (c == 'S' || c == 'T' || c == 'F' || c == 'G'))
			try_sg_nric(S, i);
		if (ON(S, ENT_IN_PAN))
			try_in_pan(S, i);
	}
	if (ON(S, ENT_DATE_TIME) && (ctab[c] & C_MONTH0))
		try_month_date(S, i);
	if (ON(S, ENT_CRYPTO) && lc == 'b')
		try_bech32(S, i);
	if (ctab[c] & C_HEX)
		at_hex(S, i);
}

static void
at_anchor(Scan *S, int i, bool prev_word)
{
	switch (S->s[i])
	{
		case '@':
			if (ON(S, ENT_EMAIL_ADDRESS))
				try_email(S, i);
			break;
		case '+':
		case '(':
			if (!prev_word && ON(S, ENT_PHONE_NUMBER) && is(S, i + 1, C_DIGIT))
				try_phone(S, i);
			break;
		case ':':
			if (!prev_word && ON(S, ENT_IP_ADDRESS) && ch(S, i + 1) == ':')
				try_ipv6(S, i);
			break;
	}
}

/* Candidates by start, the longest first (then the higher score). */
static int
span_position(const void *a, const void *b)
{
	const EntitySpan *x = a;
	const EntitySpan *y = b;

	if (x->start != y->start)
		return x->start - y->start;
	if (x->end != y->end)
		return y->end - x->end;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (int) x->type - (int) y->type;
}

/* Candidates by priority: the higher score, the longer, the first. */
static int
span_priority(const void *a, const void *b)
{
	const EntitySpan *x = a;
	const EntitySpan *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->end - x->start != y->end - y->start)
		return (y->end - y->start) - (x->end - x->start);
	return span_position(a, b);
}

/*
 * Leaves v sorted by start and without overlaps; returns how many stay.
 * A value inside another goes, whatever its score (as Presidio's
 * has_conflict): the IP address in a URL is masked with the URL, not
 * instead of it, so nothing of the URL shows.  Of two that overlap only
 * in part, the higher score stays, then the longer.
 */
static int
resolve(EntitySpan *v, int n)
{
	EntitySpan *kept;
	int			nk = 0;
	int			maxend = -1;
	bool		clean = true;

	for (int k = 1; k < n && clean; k++)
		clean = v[k].start >= v[k - 1].end;
	if (clean)
		return n;
	qsort(v, n, sizeof(EntitySpan), span_position);
	for (int k = 0; k < n; k++)
		if (v[k].end > maxend)
		{
			maxend = v[k].end;
			v[nk++] = v[k];
		}
	n = nk;
	nk = 0;
	qsort(v, n, sizeof(EntitySpan), span_priority);
	kept = palloc(sizeof(EntitySpan) * n);
	for (int k = 0; k < n; k++)
	{
		int			lo = 0;
		int			hi = nk;

		/* the first kept span ending after this one starts */
		while (lo < hi)
		{
			int			mid = (lo + hi) / 2;

			if (kept[mid].end <= v[k].start)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < nk && kept[lo].start < v[k].end)
			continue;
		memmove(kept + lo + 1, kept + lo, sizeof(EntitySpan) * (nk - lo));
		kept[lo] = v[k];
		nk++;
	}
	memcpy(v, kept, sizeof(EntitySpan) * nk);
	pfree(kept);
	return nk;
}

/* The values of text, in S->v (S->local unless many); how many. */
static int
scan(Scan *S, const char *text, int len, const double *thresholds)
{
	const unsigned char *s = (const unsigned char *) text;
	bool		prev_word = false;
	int			i = 0;

	if (!ready)
		tables_init();
	S->s = s;
	S->len = len;
	S->th = thresholds;
	S->utf8 = GetDatabaseEncoding() == PG_UTF8;
	S->url_end = 0;
	S->v = S->local;
	S->n = 0;
	S->cap = lengthof(S->local);
	S->on = 0;
	for (int t = 0; t < ENT_COUNT; t++)
		if (thresholds[t] >= 0 && thresholds[t] <= top_score[t])
			S->on |= 1u << t;
	if (S->on == 0 || len < 3)
		return 0;
	while (i < len)
	{
		unsigned char c = s[i];
		uint16		f = ctab[c];

		if (f & C_WORD)
		{
			if (!prev_word && (f & C_START))
			{
				if (f & C_DIGIT)
					at_digit(S, i);
				else
					at_letter(S, i);
			}
			/* nothing starts inside a word */
			for (i++; i < len && (ctab[s[i]] & C_WORD); i++)
				;
			prev_word = true;
		}
		else if (c < 0x80)
		{
			if (f & C_ANCHOR)
				at_anchor(S, i, prev_word);
			prev_word = false;
			i++;
		}
		else
			i += mb_char(S, i, &prev_word);
	}
	return resolve(S->v, S->n);
}

int
detect_entities(const char *text, int len, const double *thresholds, EntitySpan **spans)
{
	Scan		S;
	int			n = scan(&S, text, len, thresholds);

	if (n == 0)
		*spans = NULL;
	else if (S.v != S.local)
		*spans = S.v;
	else
	{
		*spans = palloc(sizeof(EntitySpan) * n);
		memcpy(*spans, S.v, sizeof(EntitySpan) * n);
	}
	return n;
}

char *
detect_mask(const char *text, int len, const double *thresholds, int *out_len, int *counts)
{
	Scan		S;
	int			n = scan(&S, text, len, thresholds);
	int			size = len;
	int			pos = 0;
	char	   *out;
	char	   *o;

	if (n == 0)
		return NULL;
	for (int k = 0; k < n; k++)
		size += 2 + strlen(names[S.v[k].type]) - (S.v[k].end - S.v[k].start);
	o = out = palloc(size + 1);
	for (int k = 0; k < n; k++)
	{
		const char *name = names[S.v[k].type];
		int			nl = strlen(name);

		memcpy(o, text + pos, S.v[k].start - pos);
		o += S.v[k].start - pos;
		*o++ = '<';
		memcpy(o, name, nl);
		o += nl;
		*o++ = '>';
		pos = S.v[k].end;
		if (counts)
			counts[S.v[k].type]++;
	}
	memcpy(o, text + pos, len - pos);
	o += len - pos;
	*o = '\0';
	*out_len = o - out;
	if (S.v != S.local)
		pfree(S.v);
	return out;
}

/* The thresholds of the last call at a call site, by its arguments. */
typedef struct MaskArgs
{
	double		threshold;
	double		thresholds[ENT_COUNT];
	Size		size;
	char		array[FLEXIBLE_ARRAY_MEMBER];
} MaskArgs;

PG_FUNCTION_INFO_V1(hoop_mcp_mask_text);

/*
 * hoop_mcp.mask_text(input text, entity_types text[], score_threshold
 * float8 DEFAULT 0) RETURNS text: input with the values of those types
 * (or preset groups) whose score reaches the threshold masked.  A query
 * over a table passes the same types for every row: they are expanded
 * once per call site, not per row.
 */
Datum
hoop_mcp_mask_text(PG_FUNCTION_ARGS)
{
	text	   *input = PG_GETARG_TEXT_PP(0);
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	double		threshold = PG_GETARG_FLOAT8(2);
	MaskArgs   *args = fcinfo->flinfo->fn_extra;
	char	   *out;
	int			out_len;

	if (!(threshold >= 0 && threshold <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("score threshold must be between 0 and 1")));
	if (args == NULL || args->threshold != threshold || args->size != VARSIZE(arr) ||
		memcmp(args->array, arr, args->size) != 0)
	{
		bool		types[ENT_COUNT] = {0};

		entity_types_from_array(arr, types);
		if (args == NULL || args->size < VARSIZE(arr))
		{
			if (args)
				pfree(args);
			args = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt,
									  offsetof(MaskArgs, array) + VARSIZE(arr));
			fcinfo->flinfo->fn_extra = args;
		}
		args->threshold = threshold;
		args->size = VARSIZE(arr);
		memcpy(args->array, arr, args->size);
		for (int t = 0; t < ENT_COUNT; t++)
			args->thresholds[t] = types[t] ? threshold : -1;
	}
	out = detect_mask(VARDATA_ANY(input), VARSIZE_ANY_EXHDR(input), args->thresholds,
					  &out_len, NULL);
	if (out == NULL)
		PG_RETURN_TEXT_P(input);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, out_len));
}

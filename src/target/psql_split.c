/*-------------------------------------------------------------------------
 *
 * psql_split.c
 *	  Split a script into statements exactly the way psql 15 does when it
 *	  reads a script from standard input.
 *
 *	  psql reads its input one line at a time (without the newline), runs
 *	  a lexer over the line that copies tokens into the query buffer, and
 *	  sends the buffer whenever the lexer stops at a semicolon that is not
 *	  inside quotes, comments, parentheses or a BEGIN ... END function
 *	  body.  Lines are joined with '\n'; leading whitespace and leading --
 *	  comments of a statement are dropped; blank lines outside quotes are
 *	  skipped.  The lexer state survives from line to line, and settings
 *	  (standard_conforming_strings, client encoding) are looked at when a
 *	  line is set up, so a SET in the middle of a line takes effect on the
 *	  next line, as in psql.
 *
 *	  The rules follow the token patterns of psql 15's scanner; this is an
 *	  independent hand-written implementation.
 *
 *-------------------------------------------------------------------------
 */
#include "psql_int.h"

/* Lexer results inside this file */
#define LEX_EOL			0
#define LEX_SEMI		1
#define LEX_BACKSLASH	2

/* Character classes of the scanner */
#define IS_SPACE(c)		((c) == ' ' || (c) == '\t' || (c) == '\n' || \
						 (c) == '\r' || (c) == '\f')
#define IS_NEWLINE(c)	((c) == '\n' || (c) == '\r')
#define IS_DIGIT(c)		((c) >= '0' && (c) <= '9')
#define IS_IDENT_START(c) (((c) >= 'A' && (c) <= 'Z') || \
						   ((c) >= 'a' && (c) <= 'z') || \
						   (unsigned char) (c) >= 0200 || (c) == '_')
#define IS_IDENT_CONT(c) (IS_IDENT_START(c) || IS_DIGIT(c) || (c) == '$')
#define IS_DOLQ_CONT(c)	(IS_IDENT_START(c) || IS_DIGIT(c))
#define IS_VAR_CHAR(c)	(IS_IDENT_START(c) || IS_DIGIT(c))

/*
 * Initialize a scanner over the whole input.  The caller supplies how
 * psql variables are looked up.
 */
void
psql_scan_init(PsqlScanner *sc, const char *input, PsqlVarHook hook,
			   void *hook_arg)
{
	memset(sc, 0, sizeof(PsqlScanner));
	sc->input = input;
	sc->input_len = strlen(input);
	sc->state = PSQL_LEX_INITIAL;
	sc->added_nl_pos = -1;
	initStringInfo(&sc->query);
	sc->var_hook = hook;
	sc->var_arg = hook_arg;
}

/*
 * Release what the scanner allocated (the query buffer included).
 */
void
psql_scan_free(PsqlScanner *sc)
{
	while (sc->nbufs > 1)
	{
		PsqlScanBuf *b = &sc->bufs[--sc->nbufs];

		pfree((char *) b->orig);
		if (b->scan != b->orig)
			pfree((char *) b->scan);
		if (b->varname)
			pfree(b->varname);
	}
	if (sc->masked)
		pfree(sc->masked);
	if (sc->dolqstart)
		pfree(sc->dolqstart);
	pfree(sc->query.data);
	sc->query.data = NULL;
}

/*
 * Make the copy of a text that the rules look at.  In encodings whose
 * multibyte characters can contain ASCII bytes (SJIS and friends), psql
 * replaces every non-first byte of a character by 0xFF so that it can
 * never be taken for a quote or backslash; we do the same.
 */
static const char *
mask_text(PsqlScanner *sc, const char *txt, int len)
{
	char	   *copy;
	int			i = 0;

	if (sc->safe_encoding)
		return txt;
	copy = palloc(len + 1);
	while (i < len)
	{
		int			l = pg_encoding_mblen(sc->encoding, txt + i);

		copy[i] = txt[i];
		i++;
		while (--l > 0 && i < len)
			copy[i++] = (char) 0xFF;
	}
	copy[len] = '\0';
	return copy;
}

/* Append bytes of the current buffer to the query */
static inline void
emit(PsqlScanner *sc, PsqlScanBuf *b, int start, int len)
{
	appendBinaryStringInfo(&sc->query, b->orig + start, len);
}

/* Case-insensitive comparison of a token with a lower-case keyword */
static bool
token_is(const char *tok, int len, const char *word)
{
	int			i;

	for (i = 0; i < len; i++)
	{
		char		c = tok[i];

		if (word[i] == '\0')
			return false;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != word[i])
			return false;
	}
	return word[len] == '\0';
}

/*
 * Track CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ... END so that
 * semicolons inside a BEGIN ATOMIC body do not end the statement; this is
 * psql 15's heuristic, applied to every identifier token.
 */
static void
note_identifier(PsqlScanner *sc, const char *tok, int len)
{
	char	   *ids = sc->identifiers;

	if (sc->identifier_count == 0)
		memset(ids, 0, sizeof(sc->identifiers));

	if (token_is(tok, len, "create") ||
		token_is(tok, len, "function") ||
		token_is(tok, len, "procedure") ||
		token_is(tok, len, "or") ||
		token_is(tok, len, "replace"))
	{
		if (sc->identifier_count < (int) sizeof(sc->identifiers))
			ids[sc->identifier_count] = pg_tolower((unsigned char) tok[0]);
	}

	sc->identifier_count++;

	if (ids[0] == 'c' &&
		(ids[1] == 'f' || ids[1] == 'p' ||
		 (ids[1] == 'o' && ids[2] == 'r' &&
		  (ids[3] == 'f' || ids[3] == 'p'))) &&
		sc->paren_depth == 0)
	{
		if (token_is(tok, len, "begin"))
			sc->begin_depth++;
		else if (token_is(tok, len, "case"))
		{
			if (sc->begin_depth >= 1)
				sc->begin_depth++;
		}
		else if (token_is(tok, len, "end"))
		{
			if (sc->begin_depth > 0)
				sc->begin_depth--;
		}
	}
}

/* Length of the identifier at s, or 0 if none starts there */
static int
identifier_length(const char *s, int n)
{
	int			i = 0;

	if (n <= 0 || !IS_IDENT_START(s[0]))
		return 0;
	i = 1;
	while (i < n && IS_IDENT_CONT(s[i]))
		i++;
	return i;
}

/*
 * Length of the numeric token at s (which starts with a digit, or with a
 * dot followed by a digit).  psql 15 has integer, decimal and real rules,
 * "fail" variants, and "junk" variants in which a number is directly
 * followed by a whole identifier; like flex we take the longest match.
 */
static int
number_length(const char *s, int n)
{
	int			i = 0;
	int			ndigits;
	int			best;

	while (i < n && IS_DIGIT(s[i]))
		i++;
	ndigits = i;
	if (i < n && s[i] == '.')
	{
		if (ndigits > 0 && i + 1 < n && s[i + 1] == '.')
			return ndigits;		/* "1..": integer, then dot_dot */
		i++;
		while (i < n && IS_DIGIT(s[i]))
			i++;
	}
	/* integer or decimal, possibly followed by an identifier (junk) */
	best = i + identifier_length(s + i, n - i);

	if (i < n && (s[i] == 'e' || s[i] == 'E'))
	{
		int			j = i + 1;
		bool		sign = false;

		if (j < n && (s[j] == '+' || s[j] == '-'))
		{
			sign = true;
			j++;
		}
		if (j < n && IS_DIGIT(s[j]))
		{
			/* real, possibly with junk */
			while (j < n && IS_DIGIT(s[j]))
				j++;
			j += identifier_length(s + j, n - j);
			if (j > best)
				best = j;
		}
		else if (sign && j > best)
			best = j;			/* realfail */
	}
	return best;
}

/*
 * Length of a quote continuation at s (whitespace containing a newline,
 * possibly with -- comments, then a quote), or 0 if there is none.  Only
 * \r can act as a newline inside one of psql's lines.
 */
static int
quote_continue_length(const char *s, int n)
{
	int			i = 0;

	/* horizontal whitespace and comments */
	for (;;)
	{
		if (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f'))
			i++;
		else if (i + 1 < n && s[i] == '-' && s[i + 1] == '-')
		{
			i += 2;
			while (i < n && !IS_NEWLINE(s[i]))
				i++;
		}
		else
			break;
	}
	if (i >= n || !IS_NEWLINE(s[i]))
		return 0;
	i++;
	/* any whitespace, and comments that end with a newline */
	for (;;)
	{
		if (i < n && IS_SPACE(s[i]))
			i++;
		else if (i + 1 < n && s[i] == '-' && s[i + 1] == '-')
		{
			int			j = i + 2;

			while (j < n && !IS_NEWLINE(s[j]))
				j++;
			if (j >= n)
				break;
			i = j + 1;
		}
		else
			break;
	}
	if (i < n && s[i] == '\'')
		return i + 1;
	return 0;
}

/* Is a variable of that name being expanded right now? */
static bool
var_in_progress(PsqlScanner *sc, const char *name)
{
	int			i;

	for (i = 1; i < sc->nbufs; i++)
	{
		if (sc->bufs[i].varname && strcmp(sc->bufs[i].varname, name) == 0)
			return true;
	}
	return false;
}

/*
 * Handle a colon in INITIAL state: psql variable references.  Returns the
 * number of bytes consumed.
 */
static int
lex_colon(PsqlScanner *sc, PsqlScanBuf *b, int p)
{
	const char *s = b->scan;
	int			n = b->len;
	int			q;
	char	   *name;
	char	   *value;

	if (p + 1 >= n)
	{
		emit(sc, b, p, 1);
		return 1;
	}
	if (s[p + 1] == ':')
	{
		emit(sc, b, p, 2);		/* typecast */
		return 2;
	}
	if (IS_VAR_CHAR(s[p + 1]))
	{
		q = p + 1;
		while (q < n && IS_VAR_CHAR(s[q]))
			q++;
		name = pnstrdup(b->orig + p + 1, q - p - 1);
		value = sc->var_hook ? sc->var_hook(sc->var_arg, name,
											PSQL_QUOTE_PLAIN) : NULL;
		if (value == NULL)
		{
			emit(sc, b, p, q - p);
			pfree(name);
		}
		else if (var_in_progress(sc, name) || sc->nbufs >= PSQL_SCAN_MAX_BUFS)
		{
			if (sc->messages)
				appendStringInfo(sc->messages,
								 "skipping recursive expansion of variable \"%s\"\n",
								 name);
			emit(sc, b, p, q - p);
			pfree(name);
			pfree(value);
		}
		else
		{
			PsqlScanBuf *nb = &sc->bufs[sc->nbufs++];

			nb->orig = value;
			nb->len = strlen(value);
			nb->scan = mask_text(sc, value, nb->len);
			nb->pos = 0;
			nb->varname = name;
		}
		return q - p;
	}
	if (s[p + 1] == '\'' || s[p + 1] == '"')
	{
		char		quote = s[p + 1];

		q = p + 2;
		while (q < n && IS_VAR_CHAR(s[q]))
			q++;
		if (q < n && s[q] == quote && q > p + 2)
		{
			name = pnstrdup(b->orig + p + 2, q - p - 2);
			value = sc->var_hook ?
				sc->var_hook(sc->var_arg, name,
							 quote == '\'' ? PSQL_QUOTE_LITERAL : PSQL_QUOTE_IDENT) :
				NULL;
			if (value)
			{
				appendStringInfoString(&sc->query, value);
				pfree(value);
			}
			else
				emit(sc, b, p, q + 1 - p);
			pfree(name);
			return q + 1 - p;
		}
		emit(sc, b, p, 1);
		return 1;
	}
	if (s[p + 1] == '{' && p + 2 < n && s[p + 2] == '?')
	{
		q = p + 3;
		while (q < n && IS_VAR_CHAR(s[q]))
			q++;
		if (q < n && s[q] == '}' && q > p + 3)
		{
			name = pnstrdup(b->orig + p + 3, q - p - 3);
			value = sc->var_hook ? sc->var_hook(sc->var_arg, name,
												PSQL_QUOTE_PLAIN) : NULL;
			appendStringInfoString(&sc->query, value ? "TRUE" : "FALSE");
			if (value)
				pfree(value);
			pfree(name);
			return q + 1 - p;
		}
	}
	emit(sc, b, p, 1);
	return 1;
}

/*
 * Handle one token in INITIAL state at b->pos.  Returns LEX_SEMI or
 * LEX_BACKSLASH when lexing must stop, else -1 after consuming the token.
 */
static int
lex_initial(PsqlScanner *sc, PsqlScanBuf *b)
{
	const char *s = b->scan;
	int			n = b->len;
	int			p = b->pos;
	char		c = s[p];
	char		c2 = (p + 1 < n) ? s[p + 1] : '\0';
	int			q;

	if (IS_SPACE(c))
	{
		q = p + 1;
		while (q < n && IS_SPACE(s[q]))
			q++;
		if (sc->query.len > 0)
			emit(sc, b, p, q - p);
		b->pos = q;
		return -1;
	}
	if (c == '-' && c2 == '-')
	{
		q = p + 2;
		while (q < n && !IS_NEWLINE(s[q]))
			q++;
		if (sc->query.len > 0)
			emit(sc, b, p, q - p);
		b->pos = q;
		return -1;
	}
	if (c == '/' && c2 == '*')
	{
		sc->state = PSQL_LEX_XC;
		sc->xcdepth = 0;
		emit(sc, b, p, 2);
		b->pos = p + 2;
		return -1;
	}
	if (IS_IDENT_START(c))
	{
		PsqlLexState st = PSQL_LEX_INITIAL;

		if (c2 == '\'')
		{
			if (c == 'b' || c == 'B')
				st = PSQL_LEX_XB;
			else if (c == 'x' || c == 'X')
				st = PSQL_LEX_XH;
			else if (c == 'e' || c == 'E')
				st = PSQL_LEX_XE;
			else if (c == 'n' || c == 'N')
			{
				/* national character: the quote is lexed on its own */
				emit(sc, b, p, 1);
				b->pos = p + 1;
				return -1;
			}
			if (st != PSQL_LEX_INITIAL)
			{
				sc->state = st;
				emit(sc, b, p, 2);
				b->pos = p + 2;
				return -1;
			}
		}
		else if ((c == 'u' || c == 'U') && c2 == '&')
		{
			char		c3 = (p + 2 < n) ? s[p + 2] : '\0';

			if (c3 == '\'' || c3 == '"')
			{
				sc->state = (c3 == '\'') ? PSQL_LEX_XUS : PSQL_LEX_XUI;
				emit(sc, b, p, 3);
				b->pos = p + 3;
			}
			else
			{
				/* xufailed: only the u is consumed, not as an identifier */
				emit(sc, b, p, 1);
				b->pos = p + 1;
			}
			return -1;
		}
		q = p + 1;
		while (q < n && IS_IDENT_CONT(s[q]))
			q++;
		note_identifier(sc, s + p, q - p);
		emit(sc, b, p, q - p);
		b->pos = q;
		return -1;
	}
	if (IS_DIGIT(c) || (c == '.' && IS_DIGIT(c2)))
	{
		q = p + number_length(s + p, n - p);
		emit(sc, b, p, q - p);
		b->pos = q;
		return -1;
	}
	switch (c)
	{
		case '\'':
			sc->state = sc->std_strings ? PSQL_LEX_XQ : PSQL_LEX_XE;
			break;
		case '"':
			sc->state = PSQL_LEX_XD;
			break;
		case '$':
			if (IS_DIGIT(c2))
			{
				/* parameter, possibly followed by an identifier (junk) */
				q = p + 1;
				while (q < n && IS_DIGIT(s[q]))
					q++;
				q += identifier_length(s + q, n - q);
				emit(sc, b, p, q - p);
				b->pos = q;
				return -1;
			}
			q = p + 1;
			if (q < n && IS_IDENT_START(s[q]))
			{
				q++;
				while (q < n && IS_DOLQ_CONT(s[q]))
					q++;
			}
			if (q < n && s[q] == '$')
			{
				/* dollar quote delimiter */
				if (sc->dolqstart)
					pfree(sc->dolqstart);
				sc->dolqstart = pnstrdup(s + p, q + 1 - p);
				sc->state = PSQL_LEX_XDOLQ;
				emit(sc, b, p, q + 1 - p);
				b->pos = q + 1;
				return -1;
			}
			/* dolqfailed or a lone $: only the $ is consumed */
			break;
		case '(':
			sc->paren_depth++;
			break;
		case ')':
			if (sc->paren_depth > 0)
				sc->paren_depth--;
			break;
		case ';':
			emit(sc, b, p, 1);
			b->pos = p + 1;
			if (sc->paren_depth == 0 && sc->begin_depth == 0)
			{
				sc->identifier_count = 0;
				return LEX_SEMI;
			}
			return -1;
		case '\\':
			if (c2 == ';' || c2 == ':')
			{
				/* \; and \: put the character into the query */
				emit(sc, b, p + 1, 1);
				if (c2 == ';')
					sc->identifier_count = 0;
				b->pos = p + 2;
				return -1;
			}
			b->pos = p + 1;
			return LEX_BACKSLASH;
		case ':':
			b->pos = p + lex_colon(sc, b, p);
			return -1;
		default:
			break;
	}
	emit(sc, b, p, 1);
	b->pos = p + 1;
	return -1;
}

/*
 * Run the lexer from the current position until it stops at a command
 * semicolon, a backslash or the end of the line.
 */
static int
lex(PsqlScanner *sc)
{
	for (;;)
	{
		PsqlScanBuf *b = &sc->bufs[sc->nbufs - 1];
		const char *s = b->scan;
		int			n = b->len;
		int			p = b->pos;
		int			start = p;
		int			r;

		if (p >= n)
		{
			if (sc->nbufs > 1)
			{
				/* end of a variable's value: back to the enclosing text */
				sc->nbufs--;
				pfree((char *) b->orig);
				if (b->scan != b->orig)
					pfree((char *) b->scan);
				pfree(b->varname);
				continue;
			}
			return LEX_EOL;
		}

		switch (sc->state)
		{
			case PSQL_LEX_INITIAL:
				r = lex_initial(sc, b);
				if (r >= 0)
					return r;
				break;

			case PSQL_LEX_XC:
				while (p < n)
				{
					if (s[p] == '/' && p + 1 < n && s[p + 1] == '*')
					{
						sc->xcdepth++;
						p += 2;
					}
					else if (s[p] == '*' && p + 1 < n && s[p + 1] == '/')
					{
						p += 2;
						if (sc->xcdepth <= 0)
						{
							sc->state = PSQL_LEX_INITIAL;
							break;
						}
						sc->xcdepth--;
					}
					else
						p++;
				}
				emit(sc, b, start, p - start);
				b->pos = p;
				break;

			case PSQL_LEX_XB:
			case PSQL_LEX_XH:
			case PSQL_LEX_XQ:
			case PSQL_LEX_XUS:
			case PSQL_LEX_XE:
				while (p < n)
				{
					if (s[p] == '\'')
					{
						if (p + 1 < n && s[p + 1] == '\'' &&
							sc->state != PSQL_LEX_XB &&
							sc->state != PSQL_LEX_XH)
						{
							p += 2; /* doubled quote */
							continue;
						}
						p++;
						sc->state_before_str_stop = sc->state;
						sc->state = PSQL_LEX_XQS;
						break;
					}
					if (s[p] == '\\' && sc->state == PSQL_LEX_XE)
						p += (p + 1 < n) ? 2 : 1;
					else
						p++;
				}
				emit(sc, b, start, p - start);
				b->pos = p;
				break;

			case PSQL_LEX_XQS:
				r = quote_continue_length(s + p, n - p);
				if (r > 0)
				{
					emit(sc, b, p, r);
					b->pos = p + r;
					sc->state = sc->state_before_str_stop;
				}
				else
					sc->state = PSQL_LEX_INITIAL;
				break;

			case PSQL_LEX_XD:
			case PSQL_LEX_XUI:
				while (p < n)
				{
					if (s[p] == '"')
					{
						if (p + 1 < n && s[p + 1] == '"')
						{
							p += 2;
							continue;
						}
						p++;
						sc->state = PSQL_LEX_INITIAL;
						break;
					}
					p++;
				}
				emit(sc, b, start, p - start);
				b->pos = p;
				break;

			case PSQL_LEX_XDOLQ:
				while (p < n && s[p] != '$')
					p++;
				if (p < n)
				{
					int			q = p + 1;

					if (q < n && IS_IDENT_START(s[q]))
					{
						q++;
						while (q < n && IS_DOLQ_CONT(s[q]))
							q++;
					}
					if (q < n && s[q] == '$')
					{
						int			dlen = q + 1 - p;

						if (sc->dolqstart &&
							(int) strlen(sc->dolqstart) == dlen &&
							memcmp(sc->dolqstart, s + p, dlen) == 0)
						{
							pfree(sc->dolqstart);
							sc->dolqstart = NULL;
							sc->state = PSQL_LEX_INITIAL;
							p = q + 1;
						}
						else
							p = q;	/* the last $ may start the real end */
					}
					else
						p = q;		/* lone $ or $name without closing $ */
				}
				emit(sc, b, start, p - start);
				b->pos = p;
				break;
		}
	}
}

/*
 * Read the next input line and set it up for lexing.  Returns false at
 * end of input.  Mirrors psql's MainLoop: BOM on the first line is
 * dropped in UTF8, blank lines outside quotes are skipped, and lines are
 * joined with a newline in the query buffer.
 */
static bool
setup_next_line(PsqlScanner *sc, int encoding, bool std_strings)
{
	for (;;)
	{
		const char *line;
		const char *nl;
		size_t		len;
		PsqlScanBuf *b;

		if (sc->next_line >= sc->input_len)
			return false;
		line = sc->input + sc->next_line;
		nl = memchr(line, '\n', sc->input_len - sc->next_line);
		if (nl)
		{
			len = nl - line;
			sc->next_line += len + 1;
		}
		else
		{
			len = sc->input_len - sc->next_line;
			sc->next_line = sc->input_len;
		}
		sc->lineno++;

		if (sc->lineno == 1 && encoding == PG_UTF8 && len >= 3 &&
			memcmp(line, "\xef\xbb\xbf", 3) == 0)
		{
			line += 3;
			len -= 3;
		}

		if (len == 0 && (sc->state == PSQL_LEX_INITIAL ||
						 sc->state == PSQL_LEX_XQS))
			continue;

		if (sc->query.len > 0)
		{
			appendStringInfoChar(&sc->query, '\n');
			sc->added_nl_pos = sc->query.len;
		}
		else
			sc->added_nl_pos = -1;

		sc->encoding = encoding;
		sc->safe_encoding = pg_valid_server_encoding_id(encoding);
		sc->std_strings = std_strings;

		if (sc->masked)
		{
			pfree(sc->masked);
			sc->masked = NULL;
		}
		b = &sc->bufs[0];
		sc->nbufs = 1;
		b->orig = line;
		b->len = (int) len;
		b->pos = 0;
		b->varname = NULL;
		b->scan = mask_text(sc, line, (int) len);
		if (b->scan != line)
			sc->masked = (char *) b->scan;
		sc->have_line = true;
		return true;
	}
}

/*
 * Find the next thing to do.  encoding and std_strings are the current
 * client encoding and standard_conforming_strings; they apply from the
 * next line read on.  On PSQL_SCAN_SEND, sc->query holds the statement
 * (it is cleared on the next call).  On PSQL_SCAN_EOF the query buffer
 * holds whatever was left without a terminating semicolon.
 */
PsqlScanEvent
psql_scan_next(PsqlScanner *sc, int encoding, bool std_strings)
{
	if (sc->reset_query)
	{
		resetStringInfo(&sc->query);
		sc->added_nl_pos = -1;
		sc->reset_query = false;
	}

	for (;;)
	{
		int			r;

		if (!sc->have_line && !setup_next_line(sc, encoding, std_strings))
			return PSQL_SCAN_EOF;

		r = lex(sc);
		if (r == LEX_SEMI)
		{
			sc->reset_query = true;
			return PSQL_SCAN_SEND;
		}
		if (r == LEX_BACKSLASH)
		{
			/* a line holding only a meta-command leaves the query alone */
			if (sc->query.len == sc->added_nl_pos)
				sc->query.data[--sc->query.len] = '\0';
			sc->added_nl_pos = -1;
			return PSQL_SCAN_BACKSLASH;
		}
		/* end of line */
		sc->have_line = false;
		sc->nbufs = 0;
	}
}

/*
 * After PSQL_SCAN_BACKSLASH: the meta-command's name, which runs up to
 * whitespace or the next backslash, as psql's slash-command lexer has it.
 */
char *
psql_scan_slash_command(PsqlScanner *sc)
{
	PsqlScanBuf *b = &sc->bufs[sc->nbufs - 1];
	int			p = b->pos;
	int			q = p;

	while (q < b->len && !IS_SPACE(b->scan[q]) && b->scan[q] != '\\')
		q++;
	b->pos = q;
	return pnstrdup(b->orig + p, q - p);
}

/*
 * Lex one argument of a meta-command at *pp the way psql's slash-option
 * lexer does while it discards the arguments of a command that takes
 * none: quotes are processed, variables are never looked up (:{?x} gives
 * FALSE) and backticks are not evaluated.  Returns false when there are
 * no more arguments; sets *unterminated if a quote was left open.
 */
static bool
lex_slash_arg(PsqlScanBuf *b, int *pp, StringInfo arg, bool *unterminated)
{
	const char *s = b->scan;
	const char *o = b->orig;
	int			n = b->len;
	int			p = *pp;
	bool		quoted = false;

	*unterminated = false;
	while (p < n && IS_SPACE(s[p]))
		p++;
	while (p < n && !IS_SPACE(s[p]) && s[p] != '\\')
	{
		char		c = s[p];

		if (c == '\'')
		{
			quoted = true;
			p++;
			for (;;)
			{
				if (p >= n)
				{
					*unterminated = true;
					*pp = p;
					return false;
				}
				if (s[p] == '\'')
				{
					if (p + 1 < n && s[p + 1] == '\'')
					{
						appendStringInfoChar(arg, '\'');
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (s[p] == '\\' && p + 1 < n)
				{
					char		e = s[p + 1];
					int			q,
								v;

					if (e == 'n' || e == 't' || e == 'b' || e == 'r' || e == 'f')
					{
						appendStringInfoChar(arg, e == 'n' ? '\n' : e == 't' ? '\t' :
											 e == 'b' ? '\b' : e == 'r' ? '\r' : '\f');
						p += 2;
					}
					else if (e >= '0' && e <= '7')
					{
						for (q = p + 1, v = 0; q < n && q < p + 4 && s[q] >= '0' && s[q] <= '7'; q++)
							v = v * 8 + (s[q] - '0');
						appendStringInfoChar(arg, (char) v);
						p = q;
					}
					else if (e == 'x' && p + 2 < n && isxdigit((unsigned char) s[p + 2]))
					{
						for (q = p + 2, v = 0; q < n && q < p + 4 && isxdigit((unsigned char) s[q]); q++)
							v = v * 16 + (IS_DIGIT(s[q]) ? s[q] - '0' :
										  pg_tolower((unsigned char) s[q]) - 'a' + 10);
						appendStringInfoChar(arg, (char) v);
						p = q;
					}
					else
					{
						appendStringInfoChar(arg, o[p + 1]);
						p += 2;
					}
					continue;
				}
				appendStringInfoChar(arg, o[p]);
				p++;
			}
		}
		else if (c == '"' || c == '`')
		{
			int			q = p + 1;

			quoted = true;
			while (q < n && s[q] != c)
				q++;
			if (q >= n)
			{
				*unterminated = true;
				*pp = q;
				return false;
			}
			if (c == '"')
				appendBinaryStringInfo(arg, o + p, q + 1 - p);
			else
				appendBinaryStringInfo(arg, o + p + 1, q - p - 1);
			p = q + 1;
		}
		else if (c == ':' && p + 2 < n && (s[p + 1] == '\'' || s[p + 1] == '"') &&
				 IS_VAR_CHAR(s[p + 2]))
		{
			/* :'name' or :"name": the lookup fails, the token stays */
			int			q = p + 2;

			while (q < n && IS_VAR_CHAR(s[q]))
				q++;
			if (q < n && s[q] == s[p + 1])
			{
				appendBinaryStringInfo(arg, o + p, q + 1 - p);
				p = q + 1;
			}
			else
			{
				appendStringInfoChar(arg, ':');
				p++;
			}
		}
		else if (c == ':' && p + 2 < n && s[p + 1] == '{' && s[p + 2] == '?')
		{
			int			q = p + 3;

			while (q < n && IS_VAR_CHAR(s[q]))
				q++;
			if (q < n && s[q] == '}' && q > p + 3)
			{
				appendStringInfoString(arg, "FALSE");
				p = q + 1;
			}
			else
			{
				appendStringInfoChar(arg, ':');
				p++;
			}
		}
		else
		{
			appendStringInfoChar(arg, o[p]);
			p++;
		}
	}
	*pp = p;
	return arg->len > 0 || quoted;
}

/*
 * After a meta-command that takes no arguments (\q): consume the rest of
 * its arguments, appending psql's messages for them to warn ("extra
 * argument ignored" for each, "unterminated quoted string" for an open
 * quote), and a following "\\" as psql does.
 */
void
psql_scan_slash_extra_args(PsqlScanner *sc, StringInfo warn, const char *cmd)
{
	PsqlScanBuf *b = &sc->bufs[sc->nbufs - 1];
	int			p = b->pos;
	StringInfoData arg;
	bool		unterminated;

	initStringInfo(&arg);
	for (;;)
	{
		resetStringInfo(&arg);
		if (!lex_slash_arg(b, &p, &arg, &unterminated))
			break;
		appendStringInfo(warn, "\\%s: extra argument \"%s\" ignored\n",
						 cmd, arg.data);
	}
	if (unterminated)
		appendStringInfoString(warn, "unterminated quoted string\n");
	else if (p + 1 < b->len && b->scan[p] == '\\' && b->scan[p + 1] == '\\')
		p += 2;
	b->pos = p;
	pfree(arg.data);
}

/*
 * COPY FROM STDIN support: hand out the next raw input line (with its
 * newline) following the line being lexed, as psql's fgets() on the same
 * stream would.  Returns false at end of input.
 */
bool
psql_scan_copy_line(PsqlScanner *sc, const char **data, size_t *len)
{
	const char *line;
	const char *nl;
	size_t		l;

	if (sc->next_line >= sc->input_len)
		return false;
	line = sc->input + sc->next_line;
	nl = memchr(line, '\n', sc->input_len - sc->next_line);
	l = nl ? (size_t) (nl - line) + 1 : sc->input_len - sc->next_line;
	sc->next_line += l;
	sc->lineno++;
	*data = line;
	*len = l;
	return true;
}

/*
 * COPY FROM STDIN (binary): everything left in the input.
 */
void
psql_scan_copy_rest(PsqlScanner *sc, const char **data, size_t *len)
{
	*data = sc->input + sc->next_line;
	*len = sc->input_len - sc->next_line;
	sc->next_line = sc->input_len;
}

/*
 * The placeholder a variable gets when a script is split before it runs:
 * its value is not known yet, so it stands for one of the right kind.
 */
static char *
placeholder_hook(void *arg, const char *name, PsqlQuote quote)
{
	switch (quote)
	{
		case PSQL_QUOTE_LITERAL:
			return pstrdup("'hoop_var'");
		case PSQL_QUOTE_IDENT:
			return pstrdup("\"hoop_var\"");
		default:
			return pstrdup("hoop_var");
	}
}

/*
 * Split a script as psql_run would send it (UTF8, standard conforming
 * strings, variables as placeholders) and hand each statement to fn.  The
 * split ends where the run would end: at a meta-command (\q and \quit
 * send what the buffer holds first), or when fn says to stop.  After a
 * COPY ... FROM STDIN, fn says whether its data follows, so that the data
 * is not taken for statements.
 */
void
psql_split_script(const char *input, PsqlStatementFn fn, void *arg)
{
	PsqlScanner sc;
	bool		more = true;

	psql_scan_init(&sc, input, placeholder_hook, NULL);
	while (more)
	{
		PsqlScanEvent ev = psql_scan_next(&sc, PG_UTF8, true);
		PsqlSplitAction action;
		const char *data;
		size_t		len;

		if (ev == PSQL_SCAN_BACKSLASH)
		{
			char	   *cmd = psql_scan_slash_command(&sc);

			more = false;
			if (strcmp(cmd, "q") != 0 && strcmp(cmd, "quit") != 0)
				sc.query.len = 0;
			pfree(cmd);
		}
		else if (ev == PSQL_SCAN_EOF)
			more = false;
		if (sc.query.len == 0)
			continue;
		action = fn(arg, sc.query.data, sc.lineno);
		if (action == PSQL_SPLIT_STOP)
			break;
		if (action == PSQL_SPLIT_COPY_DATA)
		{
			while (psql_scan_copy_line(&sc, &data, &len) &&
				   !((len == 3 && memcmp(data, "\\.\n", 3) == 0) ||
					 (len == 4 && memcmp(data, "\\.\r\n", 4) == 0)))
				;
		}
		else if (action == PSQL_SPLIT_COPY_BINARY)
			psql_scan_copy_rest(&sc, &data, &len);
	}
	psql_scan_free(&sc);
}

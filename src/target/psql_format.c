/*-------------------------------------------------------------------------
 *
 * psql_format.c
 *	  The run's output buffer and psql's unaligned output format.
 *
 *	  psql writes results to stdout and messages to stderr, flushing stdout
 *	  before every message, so with 2>&1 the user sees everything in the
 *	  order psql produced it.  psql prints a result only after it has
 *	  fetched the next one (or learned there is none), and it prints
 *	  notices the moment libpq delivers them; since we read rows one at a
 *	  time, the output of results not yet printed by psql's clock is kept
 *	  "pending" at the tail of the buffer and notices are inserted before
 *	  it.  Only the first `limit' bytes of the logical output are stored, so
 *	  a truncated output is always an exact prefix of the full one.
 *
 *-------------------------------------------------------------------------
 */
#include "psql_int.h"

/*
 * Prepare an empty output with the given byte limit (0 = unlimited).
 */
void
psql_out_init(PsqlOut *out, size_t limit)
{
	initStringInfo(&out->buf);
	out->limit = limit;
	out->logical_len = 0;
	out->committed = 0;
	out->inprog = 0;
	out->max_rows = 0;
	out->rows_hidden = 0;
	out->masker = NULL;
}

/* How many of the logical bytes are stored */
static inline size_t
stored_len(PsqlOut *out, size_t logical)
{
	if (out->limit > 0 && logical > out->limit)
		return out->limit;
	return logical;
}

/*
 * Append bytes at the end of the logical output, storing only what fits
 * under the limit.
 */
void
psql_out_append(PsqlOut *out, const char *data, size_t len)
{
	size_t		have = out->buf.len;

	out->logical_len += len;
	if (out->limit > 0)
	{
		size_t		room;

		if (have >= out->limit)
			return;
		room = out->limit - have;
		if (len > room)
			len = room;
	}
	appendBinaryStringInfo(&out->buf, data, (int) len);
}

/* Convenience wrapper for NUL-terminated text */
void
psql_out_append_str(PsqlOut *out, const char *str)
{
	psql_out_append(out, str, strlen(str));
}

/*
 * Insert bytes at the committed position: they are printed now, ahead of
 * any output psql has not printed yet.
 */
void
psql_out_insert(PsqlOut *out, const char *data, size_t len)
{
	size_t		pos = out->committed;

	if (pos == out->logical_len)
	{
		psql_out_append(out, data, len);
		out->committed = out->inprog = out->logical_len;
		return;
	}

	if (out->limit == 0 || pos < out->limit)
	{
		size_t		old_stored = out->buf.len;
		size_t		new_stored = stored_len(out, out->logical_len + len);
		size_t		tail_keep;
		size_t		ins = len;

		/* the stored bytes from pos on move right, losing what passes limit */
		if (pos + ins > new_stored)
			ins = new_stored - pos;
		tail_keep = new_stored - pos - ins;
		if (tail_keep > old_stored - pos)
			tail_keep = old_stored - pos;
		if (new_stored > old_stored)
			enlargeStringInfo(&out->buf, (int) (new_stored - old_stored));
		memmove(out->buf.data + pos + ins, out->buf.data + pos, tail_keep);
		memcpy(out->buf.data + pos, data, ins);
		out->buf.len = (int) (pos + ins + tail_keep);
		out->buf.data[out->buf.len] = '\0';
	}
	out->logical_len += len;
	out->committed += len;
	out->inprog += len;
}

/*
 * The result being received is complete: psql now prints the previous
 * completed result, and this one becomes the pending one.
 */
void
psql_out_result_done(PsqlOut *out)
{
	out->committed = out->inprog;
	out->inprog = out->logical_len;
}

/*
 * psql got a result that it handles at once (an error, or the start of a
 * COPY): the previous completed result gets printed first.
 */
void
psql_out_print_pending(PsqlOut *out)
{
	out->committed = out->inprog;
}

/*
 * The result being received failed: psql never saw its rows.
 */
void
psql_out_discard_inprog(PsqlOut *out)
{
	out->logical_len = out->inprog;
	if (out->buf.len > stored_len(out, out->logical_len))
	{
		out->buf.len = (int) stored_len(out, out->logical_len);
		out->buf.data[out->buf.len] = '\0';
	}
}

/*
 * Everything received so far is printed.
 */
void
psql_out_commit_all(PsqlOut *out)
{
	out->committed = out->inprog = out->logical_len;
}

/* Was anything cut off? */
bool
psql_out_truncated(PsqlOut *out)
{
	return out->limit > 0 && out->logical_len > out->limit;
}

/*
 * Print a message the way psql's logging does (pg_log_info and friends
 * with the terse flag and no input file name): the text with one trailing
 * newline removed, then a newline.  insert=true places it at the committed
 * position (a message printed while results are pending).
 */
void
psql_log_line(PsqlOut *out, const char *msg, bool insert)
{
	size_t		len = strlen(msg);
	char	   *masked = NULL;

	if (out->masker)
	{
		int			mlen;

		masked = out->masker->message(out->masker->arg, msg, len, &mlen);
		if (masked)
		{
			msg = masked;
			len = mlen;
		}
	}
	if (len > 0 && msg[len - 1] == '\n')
		len--;
	if (insert)
	{
		/* two inserts keep the order: text first, then the newline */
		psql_out_insert(out, msg, len);
		psql_out_insert(out, "\n", 1);
	}
	else
	{
		psql_out_append(out, msg, len);
		psql_out_append(out, "\n", 1);
	}
	if (masked)
		pfree(masked);
}

/*
 * Append a value of column col (-1: a line of COPY data) as the masker,
 * if any, would show it.
 */
void
psql_out_append_masked(PsqlOut *out, int col, const char *data, size_t len)
{
	char	   *masked = NULL;
	int			mlen = 0;

	if (out->masker)
		masked = col >= 0 ? out->masker->cell(out->masker->arg, col, data, len, &mlen)
			: out->masker->message(out->masker->arg, data, len, &mlen);
	if (masked)
	{
		psql_out_append(out, masked, mlen);
		pfree(masked);
	}
	else
		psql_out_append(out, data, len);
}

/*
 * Format the rows of a tuple-bearing result (a single-row-mode row, or a
 * whole result), printing the header first if this is the first part.
 * Unaligned format: header line of names joined by the field separator,
 * then one line per row; NULL prints as an empty string.  A result with
 * no columns prints no row lines at all.  Rows past out->max_rows are
 * counted (the footer shows them) but not printed.
 */
void
psql_table_rows(PsqlOut *out, PsqlTable *tab, const PGresult *res)
{
	int			ncols = PQnfields(res);
	int			nrows = PQntuples(res);
	int			r,
				c;

	if (!tab->started)
	{
		if (out->masker)
			out->masker->columns(out->masker->arg, res);
		for (c = 0; c < ncols; c++)
		{
			if (c > 0)
				psql_out_append(out, "\t", 1);
			psql_out_append_str(out, PQfname(res, c));
		}
		tab->started = true;
	}

	for (r = 0; r < nrows; r++)
	{
		if (out->max_rows > 0 && tab->nrows >= out->max_rows)
		{
			out->rows_hidden++;
			tab->nrows++;
			continue;
		}
		if (ncols > 0)
		{
			psql_out_append(out, "\n", 1);
			for (c = 0; c < ncols; c++)
			{
				if (c > 0)
					psql_out_append(out, "\t", 1);
				if (PQgetisnull(res, r, c))
					continue;
				psql_out_append_masked(out, c, PQgetvalue(res, r, c),
									   PQgetlength(res, r, c));
			}
		}
		tab->nrows++;
	}
}

/*
 * End a tuple-bearing result: rows of the final result (if any), the
 * "(N rows)" footer, and for INSERT/UPDATE/DELETE ... RETURNING the
 * command tag, as psql prints it.
 */
void
psql_table_finish(PsqlOut *out, PsqlTable *tab, const PGresult *res)
{
	char		footer[64];
	const char *status;

	psql_table_rows(out, tab, res);
	snprintf(footer, sizeof(footer), "\n(%ld %s)\n", tab->nrows,
			 tab->nrows == 1 ? "row" : "rows");
	psql_out_append_str(out, footer);

	status = PQcmdStatus((PGresult *) res);
	if (status && (strncmp(status, "INSERT", 6) == 0 ||
				   strncmp(status, "UPDATE", 6) == 0 ||
				   strncmp(status, "DELETE", 6) == 0))
		psql_command_status(out, res);

	tab->started = false;
	tab->nrows = 0;
}

/*
 * Print a command's status tag ("CREATE TABLE", "INSERT 0 1", ...).
 */
void
psql_command_status(PsqlOut *out, const PGresult *res)
{
	psql_out_append_str(out, PQcmdStatus((PGresult *) res));
	psql_out_append(out, "\n", 1);
}

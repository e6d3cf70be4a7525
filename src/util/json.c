/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/json.c - the streaming JSON writer (json.h).
 *
 * Invariant: output is valid JSON if every container opened is ended; the
 * writer never buffers beyond stdio and never allocates.
 */
#include <inttypes.h>
#include <math.h>

#include "util/addr.h"
#include "util/human.h"
#include "util/json.h"

void
rk_json_init(struct rk_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->inline_from = 0;
	j->after_key = 0;
	for (int i = 0; i < RK_JSON_MAX_DEPTH; i++)
		j->n_items[i] = 0;
}

/* Separator and indentation before a value or key at the current depth. */
static void
sep(struct rk_json *j)
{
	int first;

	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth == 0)
		return;
	first = !j->n_items[j->depth];
	j->n_items[j->depth] = 1;
	if (j->inline_from && j->depth >= j->inline_from) {
		if (!first)
			fputs(", ", j->f);
		return;
	}
	if (!first)
		fputc(',', j->f);
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

static void
open_c(struct rk_json *j, char c, int is_inline)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth + 1 < RK_JSON_MAX_DEPTH)
		j->depth++;
	j->n_items[j->depth] = 0;
	if (is_inline && !j->inline_from)
		j->inline_from = j->depth;
}

void rk_json_obj(struct rk_json *j) { open_c(j, '{', 0); }
void rk_json_obj_inline(struct rk_json *j) { open_c(j, '{', 1); }
void rk_json_arr(struct rk_json *j) { open_c(j, '[', 0); }
void rk_json_arr_inline(struct rk_json *j) { open_c(j, '[', 1); }

/* Close the innermost container with close ('}' or ']'). */
void
rk_json_end(struct rk_json *j, char close)
{
	int was_inline = j->inline_from && j->depth >= j->inline_from;
	int had_items = j->n_items[j->depth];

	if (j->inline_from == j->depth)
		j->inline_from = 0;
	if (j->depth > 0)
		j->depth--;
	if (!was_inline && had_items) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(close, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

/*
 * Write s as a quoted JSON string.  Escapes quote, backslash, control
 * bytes, '<' '>' '&' (HTML-safe) and every byte >= 0x80 (as \u00XX, so the
 * output is ASCII whatever bytes came in).  NULL is written as "".
 */
void
rk_json_escape(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f || *p == '<' || *p == '>' || *p == '&')
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void
rk_json_key(struct rk_json *j, const char *k)
{
	sep(j);
	rk_json_escape(j->f, k);
	fputs(j->inline_from && j->depth >= j->inline_from ? ":" : ": ", j->f);
	j->after_key = 1;
}

void
rk_json_str(struct rk_json *j, const char *s)
{
	sep(j);
	rk_json_escape(j->f, s);
}

void
rk_json_u64(struct rk_json *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

void
rk_json_i64(struct rk_json *j, int64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRId64, v);
}

/* A finite number with the given decimals; NaN and infinities become null. */
void
rk_json_dbl(struct rk_json *j, double v, int decimals)
{
	sep(j);
	if (isfinite(v))
		fprintf(j->f, "%.*f", decimals, v);
	else
		fputs("null", j->f);
}

void
rk_json_bool(struct rk_json *j, int v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void
rk_json_null(struct rk_json *j)
{
	sep(j);
	fputs("null", j->f);
}

void
rk_json_kaddr(struct rk_json *j, const char *k, const uint8_t ip[16])
{
	char a[RK_ADDR_STRLEN];

	rk_json_key(j, k);
	rk_json_str(j, rk_addr_format(ip, a, sizeof(a)));
}

void
rk_json_ktime(struct rk_json *j, const char *k, uint64_t ts_us)
{
	char b[48];

	rk_json_key(j, k);
	if (ts_us == 0)
		rk_json_null(j);
	else
		rk_json_str(j, rk_human_iso(ts_us, b, sizeof(b)));
}

void
rk_json_kstr_or_null(struct rk_json *j, const char *k, const char *s)
{
	rk_json_key(j, k);
	if (s != NULL)
		rk_json_str(j, s);
	else
		rk_json_null(j);
}

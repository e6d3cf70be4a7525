/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/json.h - a streaming JSON writer.
 *
 * Writes straight to a FILE as it goes (no document tree), tracking commas
 * and nesting.  Every string goes through one escaper, which also escapes
 * '<', '>', '&' and bytes >= 0x80, so output is plain ASCII that can be
 * pasted into HTML safely; host names learned from DNS come from strangers.
 * Containers opened "inline" print on one line (one service per line).
 */
#ifndef RK_UTIL_JSON_H
#define RK_UTIL_JSON_H

#include <stdint.h>
#include <stdio.h>

#define RK_JSON_MAX_DEPTH 32

struct rk_json {
	FILE *f;                          /* output, borrowed */
	int depth;                        /* open containers */
	int inline_from;                  /* depth from which output is one line, 0 = none */
	unsigned char n_items[RK_JSON_MAX_DEPTH]; /* 0 = container still empty */
	int after_key;                    /* a key was just written: no comma, no newline */
};

void rk_json_init(struct rk_json *j, FILE *f);
void rk_json_obj(struct rk_json *j);
void rk_json_obj_inline(struct rk_json *j);
void rk_json_arr(struct rk_json *j);
void rk_json_arr_inline(struct rk_json *j);
void rk_json_end(struct rk_json *j, char close);
void rk_json_key(struct rk_json *j, const char *k);
void rk_json_str(struct rk_json *j, const char *s);
void rk_json_u64(struct rk_json *j, uint64_t v);
void rk_json_i64(struct rk_json *j, int64_t v);
void rk_json_dbl(struct rk_json *j, double v, int decimals);
void rk_json_bool(struct rk_json *j, int v);
void rk_json_null(struct rk_json *j);
/* Write s as a JSON string literal (with quotes) to f. */
void rk_json_escape(FILE *f, const char *s);

/* "k": an address as text (util/addr.h form). */
void rk_json_kaddr(struct rk_json *j, const char *k, const uint8_t ip[16]);
/* "k": a µs timestamp as ISO 8601 UTC, or null for 0 (unknown). */
void rk_json_ktime(struct rk_json *j, const char *k, uint64_t ts_us);
/* "k": the string, or null when s is NULL. */
void rk_json_kstr_or_null(struct rk_json *j, const char *k, const char *s);

/* Key-value shorthands. */
#define rk_json_kstr(j, k, v) (rk_json_key(j, k), rk_json_str(j, v))
#define rk_json_ku64(j, k, v) (rk_json_key(j, k), rk_json_u64(j, v))

#endif /* RK_UTIL_JSON_H */

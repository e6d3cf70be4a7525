/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz/fuzz_webquery.c - libFuzzer target for the web's request parameters
 * (web/query.c and the checked parsers of web/html.c) and its request
 * checks (Host names, NUL in the target).
 *
 * The input is a query string, "k=v&k=v...", split and %-decoded as
 * libmicrohttpd does (a decoded value ends at its first NUL, as MHD's
 * would); the parameters are then read through the same lookup the server
 * uses.  The whole input, as a C string, is also given as a raw target and
 * as a Host header.  Invariants: no read past size (ASan), no undefined
 * behaviour (UBSan); a parser that fails names why, one that succeeds
 * leaves values in their documented ranges (page >= 1, per_page 1..1000,
 * since < until when both are set, at most one map filter, impact targets
 * non-empty words inside their buffer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/addr.h"
#include "web/web_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PARAMS 32

struct params {
	char *k[MAX_PARAMS], *v[MAX_PARAMS];
	int n;
};

static const char *
lookup(void *ctx, const char *key)
{
	const struct params *p = ctx;

	for (int i = 0; i < p->n; i++)
		if (strcmp(p->k[i], key) == 0)
			return p->v[i];
	return NULL;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %-decode s in place ('+' is a space). */
static void
decode(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			*o++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
		} else {
			*o++ = *s == '+' ? ' ' : *s;
		}
	}
	*o = '\0';
}

/* Split q (modified) into p. */
static void
split(char *q, struct params *p)
{
	p->n = 0;
	for (char *tok = q, *next; tok != NULL && p->n < MAX_PARAMS; tok = next) {
		char *eq;
		if ((next = strchr(tok, '&')) != NULL)
			*next++ = '\0';
		eq = strchr(tok, '=');
		if (eq != NULL)
			*eq++ = '\0';
		decode(tok);
		if (eq != NULL)
			decode(eq);
		p->k[p->n] = tok;
		p->v[p->n++] = eq != NULL ? eq : tok + strlen(tok); /* "k" alone: "" */
	}
}

static void
check_queries(const struct rk_web_args *a)
{
	struct rk_hosts_q q;
	struct rk_web_map_filter mf;
	uint64_t since, until;
	const char *why = NULL;

	if (rk_web_query_range(a, &since, &until, &why) != 0) {
		if (why == NULL)
			abort();
	} else if (since != 0 && until != 0 && until <= since) {
		abort();
	}
	why = NULL;
	if (rk_web_query_hosts(a, &q, &why) != 0) {
		if (why == NULL)
			abort();
	} else if (q.page < 1 || q.per_page < 1 || q.per_page > 1000 ||
	    q.sort < 0 || q.sort >= RK_HSORT__COUNT || (q.q != NULL && strlen(q.q) > 255)) {
		abort();
	}
	why = NULL;
	if (rk_web_query_map(a, &mf, &why) != 0) {
		if (why == NULL)
			abort();
	} else if (mf.has_net + mf.has_host + mf.has_svc > 1) {
		abort();
	}
}

/* The impact query: every ?target= in order, as the server gathers them. */
static void
check_impact(const struct params *p)
{
	static struct rk_web_impact_q q;
	const char *v[MAX_PARAMS];
	const char *why = NULL;
	size_t n = 0, len = 0;

	for (int i = 0; i < p->n; i++)
		if (strcmp(p->k[i], "target") == 0)
			v[n++] = p->v[i];
	if (rk_web_query_impact(v, n, lookup((void *)p, "depth"), &q, &why) != 0) {
		if (why == NULL)
			abort();
		return;
	}
	if (q.n_targets > RK_WEB_IMPACT_MAX || q.depth < 0 || q.depth > 1000)
		abort();
	for (size_t i = 0; i < q.n_targets; i++) {
		if (q.targets[i] < q.buf || q.targets[i][0] == '\0' ||
		    strpbrk(q.targets[i], " \t,") != NULL)
			abort();
		len += strlen(q.targets[i]) + 1;
	}
	if (len > sizeof(q.buf))
		abort();
}

/* The single-value parsers the routes call directly. */
static void
check_values(const struct rk_web_args *a)
{
	uint8_t ip[RK_ADDR_LEN];
	struct rk_ep_key k;
	const char *v;

	(void)rk_web_parse_net(a->get(a->ctx, "net"), ip);
	if ((v = a->get(a->ctx, "ip")) != NULL)
		(void)rk_addr_parse(v, ip);
	(void)rk_web_parse_svc(a->get(a->ctx, "ip"), a->get(a->ctx, "proto"),
	    a->get(a->ctx, "port"), &k);
}

/* libFuzzer entry.  Always returns 0.  data is borrowed. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"localhost", "127.0.0.1", "[::1]", "renkei.example"};
	struct params p;
	struct rk_web_args a = {lookup, &p};
	char *q = malloc(size + 1), *raw = malloc(size + 1);

	if (q == NULL || raw == NULL) {
		free(q);
		free(raw);
		return 0;
	}
	memcpy(q, data, size);
	q[size] = '\0';
	memcpy(raw, q, size + 1);
	(void)rk_web_uri_has_nul(raw);
	(void)rk_web_host_allowed(raw, names, 4);
	split(q, &p);
	check_queries(&a);
	check_values(&a);
	check_impact(&p);
	free(q);
	free(raw);
	return 0;
}

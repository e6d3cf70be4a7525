/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/query.c - the request's parameters and the checks made before any
 * page runs, as pure functions of strings (no libmicrohttpd), so they are
 * unit-tested and fuzzed (fuzz/fuzz_webquery.c) without a server.
 *
 * Invariants: every parameter goes through html.c's checked parsers; a bad
 * one returns -1 with *why naming the parameter and what it wants (the
 * text of the 400); nothing here allocates, keeps a pointer past the call
 * or reads past a NUL.  Parameters come from a lookup callback
 * (struct rk_web_args) so the server reads them from MHD and the fuzzer
 * from its own table.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "util/addr.h"
#include "web/web_int.h"

static const char *
get(const struct rk_web_args *a, const char *k)
{
	return a->get(a->ctx, k);
}

/* A 0/1 flag: 0 (with *out set) or -1. */
static int
parse_flag(const char *v, bool *out)
{
	if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0)
		return -1;
	*out = v[0] == '1';
	return 0;
}

/* since/until (Unix seconds or dates; empty = open): 0 or -1 with *why. */
int
rk_web_query_range(const struct rk_web_args *a, uint64_t *since, uint64_t *until,
    const char **why)
{
	const char *v;

	*since = *until = 0;
	if ((v = get(a, "since")) != NULL && v[0] != '\0' && rk_web_parse_time(v, since) != 0)
		return *why = "since: Unix seconds or YYYY-MM-DD[THH:MM[:SS]] (UTC)", -1;
	if ((v = get(a, "until")) != NULL && v[0] != '\0' && rk_web_parse_time(v, until) != 0)
		return *why = "until: Unix seconds or YYYY-MM-DD[THH:MM[:SS]] (UTC)", -1;
	if (*since != 0 && *until != 0 && *until <= *since)
		return *why = "until must be after since", -1;
	return 0;
}

/* The hosts query from ?q=&sort=&order=&page=&per_page=&servers=. */
int
rk_web_query_hosts(const struct rk_web_args *a, struct rk_hosts_q *q, const char **why)
{
	const char *v;

	memset(q, 0, sizeof(*q));
	q->q = get(a, "q");
	q->page = 1;
	q->per_page = 100;
	if (q->q != NULL && strlen(q->q) > 255)
		return *why = "q: at most 255 characters", -1;
	if ((v = get(a, "sort")) != NULL && rk_web_parse_sort(v, &q->sort) != 0)
		return *why = "sort: one of ip, name, services, used, bytes, first, last", -1;
	if ((v = get(a, "order")) != NULL) {
		if (strcmp(v, "asc") != 0 && strcmp(v, "desc") != 0)
			return *why = "order: asc or desc", -1;
		q->desc = strcmp(v, "desc") == 0;
	}
	if ((v = get(a, "page")) != NULL && rk_web_parse_u64(v, 1, 100000000, &q->page) != 0)
		return *why = "page: a number from 1", -1;
	if ((v = get(a, "per_page")) != NULL && rk_web_parse_u64(v, 1, 1000, &q->per_page) != 0)
		return *why = "per_page: a number from 1 to 1000", -1;
	if ((v = get(a, "servers")) != NULL && parse_flag(v, &q->servers_only) != 0)
		return *why = "servers: 0 or 1", -1;
	return 0;
}

/* An empty field of a filter form means "not set". */
static const char *
nonempty(const char *v)
{
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* The map filter from ?net= | ?host= | ?service=&proto=&port=, &infra=. */
int
rk_web_query_map(const struct rk_web_args *a, struct rk_web_map_filter *mf, const char **why)
{
	const char *net = nonempty(get(a, "net")), *host = nonempty(get(a, "host"));
	const char *svc = nonempty(get(a, "service")), *infra = get(a, "infra");

	memset(mf, 0, sizeof(*mf));
	if ((net != NULL) + (host != NULL) + (svc != NULL) > 1)
		return *why = "give one of net, host, service", -1;
	if (net != NULL && rk_web_parse_net(net, mf->net) != 0)
		return *why = "net: a network like 10.1.2.0/24 or 2001:db8::/64", -1;
	if (host != NULL && rk_addr_parse(host, mf->host) != 0)
		return *why = "host: an IPv4 or IPv6 address", -1;
	if (svc != NULL && rk_web_parse_svc(svc, get(a, "proto"), get(a, "port"), &mf->svc) != 0)
		return *why = "service: an address, with proto (tcp, udp) and port", -1;
	mf->has_net = net != NULL;
	mf->has_host = host != NULL;
	mf->has_svc = svc != NULL;
	if (infra != NULL && parse_flag(infra, &mf->infra) != 0)
		return *why = "infra: 0 or 1", -1;
	return 0;
}

/* 1 if the raw (undecoded) request target has a NUL, literal or %00. */
int
rk_web_uri_has_nul(const char *raw)
{
	for (const char *p = raw; (p = strchr(p, '%')) != NULL; p++)
		if (p[1] == '0' && p[2] == '0')
			return 1;
	return 0;
}

/*
 * Split a Host header value into its name (OUT, lowercased, brackets kept
 * for IPv6) and check the port, if any, is a number.  0 or -1.
 */
static int
host_name(const char *h, char *name, size_t len)
{
	const char *end, *port;
	size_t n;

	if (h[0] == '[') {
		if ((end = strchr(h, ']')) == NULL)
			return -1;
		end++;
	} else {
		end = strchr(h, ':');
		if (end != NULL && strchr(end + 1, ':') != NULL)
			return -1; /* an IPv6 address without brackets */
		if (end == NULL)
			end = h + strlen(h);
	}
	port = end;
	if (*port == ':') {
		if (!isdigit((unsigned char)port[1]) || strlen(port + 1) > 5)
			return -1;
		for (const char *d = port + 1; *d != '\0'; d++)
			if (!isdigit((unsigned char)*d))
				return -1;
	} else if (*port != '\0') {
		return -1;
	}
	n = (size_t)(end - h);
	if (n == 0 || n >= len)
		return -1;
	for (size_t i = 0; i < n; i++)
		name[i] = (char)tolower((unsigned char)h[i]);
	name[n] = '\0';
	if (n > 1 && name[n - 1] == '.')
		name[n - 1] = '\0'; /* "localhost." is localhost */
	return 0;
}

/*
 * Is the Host header h one of names[0..n) (with any port)?  The defence
 * against DNS rebinding: a page of another site that got its name to
 * resolve to us still sends its own name.  1 or 0.
 */
int
rk_web_host_allowed(const char *h, const char *const *names, int n)
{
	char name[256];

	if (h == NULL || host_name(h, name, sizeof(name)) != 0)
		return 0;
	for (int i = 0; i < n; i++)
		if (names[i] != NULL && strcasecmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* Copy the space-separated words of v into q (buf, targets).  0 or -1 with *why. */
static int
add_words(struct rk_web_impact_q *q, size_t *used, const char *v, const char **why)
{
	while (*v != '\0') {
		size_t n;
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		if ((n = strcspn(v, " \t,")) == 0)
			break;
		if (q->n_targets == RK_WEB_IMPACT_MAX)
			return *why = "target: at most 64 targets", -1;
		if (*used + n + 1 > sizeof(q->buf))
			return *why = "target: the targets are too long (1023 characters at most)", -1;
		memcpy(q->buf + *used, v, n);
		q->buf[*used + n] = '\0';
		q->targets[q->n_targets++] = q->buf + *used;
		*used += n + 1;
		v += n;
	}
	return 0;
}

/*
 * The impact query: values are every ?target= given (each may hold several
 * targets separated by spaces or commas, as the form's text box sends
 * them), depth the ?depth= (NULL: all).  Fills q (but q->needs, which the
 * route sets).  0, or -1 with *why.  The targets themselves are checked
 * against the data by impact.c.
 */
int
rk_web_query_impact(const char *const *values, size_t n_values, const char *depth,
    struct rk_web_impact_q *q, const char **why)
{
	size_t used = 0;
	uint64_t d = 0;

	memset(q, 0, sizeof(*q));
	for (size_t i = 0; i < n_values; i++)
		if (values[i] != NULL && add_words(q, &used, values[i], why) != 0)
			return -1;
	if (depth != NULL && depth[0] != '\0' && rk_web_parse_u64(depth, 1, 1000, &d) != 0)
		return *why = "depth: levels to follow, 1 to 1000 (empty: all)", -1;
	q->depth = (int)d;
	return 0;
}

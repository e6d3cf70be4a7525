/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * impact/impact.c - the impact and needs walks (impact.h).
 *
 * One call builds three sorted views of the model (services by host,
 * edges by server endpoint, edges by client), then walks breadth first:
 * the result arrays are the queue, so an item's depth is never less than
 * that of an item before it, and each item is entered once (two maps from
 * key to result index say what was seen).  Nothing is changed in the
 * model; nothing here runs per packet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "impact/impact.h"

/* Built-in soft services: their failure is felt by their clients, not passed on. */
static const struct {
	uint8_t proto;
	uint16_t port;
} soft_builtin[] = {
	{17, 514},  /* syslog */
	{6, 601},   /* syslog over TCP (RFC 3195) */
	{6, 6514},  /* syslog over TLS (RFC 5425) */
	{17, 123},  /* NTP: clocks drift for hours before anything breaks */
	{17, 161},  /* SNMP polled by a manager */
	{17, 162},  /* SNMP traps */
	{17, 2055}, /* NetFlow export */
	{17, 4739}, /* IPFIX export */
	{6, 4739},
	{17, 6343}, /* sFlow export */
	{6, 9100},  /* Prometheus node exporter, scraped */
	{6, 10050}, /* Zabbix agent, polled */
	{6, 10051}, /* Zabbix trapper */
};

/* The walk's state: the indexes and the seen-maps. */
struct walk {
	const struct rk_impact_opts *o;
	const struct rk_service **svc_by_host; /* by (ip, proto, port) */
	size_t n_svc;
	const struct rk_edge **by_server;      /* by (server, proto, port, client) */
	const struct rk_edge **by_client;      /* by (client, server, proto, port) */
	size_t n_edge;
	struct rk_map seen_host;               /* struct seen_host by address */
	struct rk_map seen_svc;                /* struct seen_svc by rk_ep_key */
	struct rk_impact *out;
	size_t cap_svcs, cap_hosts;
};

struct seen_host {
	uint8_t ip[RK_ADDR_LEN];
	int64_t idx;
	int64_t degraded; /* its services were entered as degraded */
};

struct seen_svc {
	struct rk_ep_key key;
	int64_t idx;
};

int
rk_impact_is_soft(const struct rk_impact_opts *o, uint8_t proto, uint16_t port)
{
	int soft = 0;

	for (size_t i = 0; i < sizeof(soft_builtin) / sizeof(soft_builtin[0]); i++)
		if (soft_builtin[i].proto == proto && soft_builtin[i].port == port)
			soft = 1;
	for (size_t i = 0; o != NULL && i < o->n_overrides; i++)
		if (o->overrides[i].proto == proto && o->overrides[i].port == port)
			soft = o->overrides[i].soft;
	return soft;
}

/* ---- sorted views ------------------------------------------------------ */

static int
cmp_svc(const void *x, const void *y)
{
	const struct rk_service *a = *(const struct rk_service *const *)x;
	const struct rk_service *b = *(const struct rk_service *const *)y;

	return memcmp(&a->key, &b->key, offsetof(struct rk_ep_key, pad));
}

/* Edges by server endpoint: (server, proto, port), then client. */
static int
server_cmp(const struct rk_edge_key *a, const struct rk_edge_key *b)
{
	int c = memcmp(a->server, b->server, RK_ADDR_LEN);

	if (c == 0)
		c = (int)a->proto - (int)b->proto;
	if (c == 0)
		c = (int)a->port - (int)b->port;
	return c;
}

static int
cmp_by_server(const void *x, const void *y)
{
	const struct rk_edge *a = *(const struct rk_edge *const *)x;
	const struct rk_edge *b = *(const struct rk_edge *const *)y;
	int c = server_cmp(&a->key, &b->key);

	return c != 0 ? c : memcmp(a->key.client, b->key.client, RK_ADDR_LEN);
}

static int
cmp_by_client(const void *x, const void *y)
{
	const struct rk_edge *a = *(const struct rk_edge *const *)x;
	const struct rk_edge *b = *(const struct rk_edge *const *)y;
	int c = memcmp(a->key.client, b->key.client, RK_ADDR_LEN);

	return c != 0 ? c : server_cmp(&a->key, &b->key);
}

/* A sorted array of pointers to the entries of map; NULL if out of memory. */
static const void **
sorted(const struct rk_map *map, int (*cmp)(const void *, const void *))
{
	const void **v = malloc((map->n_entries + 1) * sizeof(*v));

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < map->n_entries; i++)
		v[i] = rk_map_at(map, i);
	qsort(v, map->n_entries, sizeof(*v), cmp);
	return v;
}

/* First index in v[0, n) whose item is not below key by cmp (lower bound). */
static size_t
lower_bound(const void **v, size_t n, const void *key, int (*cmp)(const void *, const void *))
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp(&v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
walk_init(struct walk *w, const struct rk_impact_opts *o, struct rk_impact *out)
{
	memset(w, 0, sizeof(*w));
	memset(out, 0, sizeof(*out));
	w->o = o;
	w->out = out;
	w->n_svc = o->m->services.n_entries;
	w->n_edge = o->m->edges.n_entries;
	rk_map_init(&w->seen_host, RK_ADDR_LEN, sizeof(struct seen_host), 0x696d);
	rk_map_init(&w->seen_svc, sizeof(struct rk_ep_key), sizeof(struct seen_svc), 0x696e);
	w->svc_by_host = (const struct rk_service **)sorted(&o->m->services, cmp_svc);
	w->by_server = (const struct rk_edge **)sorted(&o->m->edges, cmp_by_server);
	w->by_client = (const struct rk_edge **)sorted(&o->m->edges, cmp_by_client);
	return w->svc_by_host && w->by_server && w->by_client ? 0 : -RK_E_NOMEM;
}

static void
walk_fini(struct walk *w)
{
	free(w->svc_by_host);
	free(w->by_server);
	free(w->by_client);
	rk_map_fini(&w->seen_host);
	rk_map_fini(&w->seen_svc);
}

/* Free the walk; on failure (rc < 0) the result too, saying so if memory ran out.  rc. */
static int
walk_end(struct walk *w, int rc, struct rk_err *err)
{
	if (rc == -RK_E_NOMEM)
		rk_err_set(err, RK_E_NOMEM, "out of memory");
	if (rc < 0)
		rk_impact_free(w->out);
	walk_fini(w);
	return rc;
}

/* ---- results ----------------------------------------------------------- */

static enum rk_impact_role
role_of(const struct walk *w, const uint8_t ip[RK_ADDR_LEN])
{
	const struct rk_host *h = rk_map_find(&w->o->m->hosts, ip);

	return h != NULL && h->n_services > 0 ? RK_IMPACT_SERVER : RK_IMPACT_USER;
}

/* Room for one more item of size in *v (holding n of *cap): 0 or -1. */
static int
grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? 2 * *cap : 64;
	if ((nv = realloc(*v, ncap * size)) == NULL)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Enter host ip once: its index, -1 if already seen, or -2 if out of memory. */
static long
add_host(struct walk *w, const uint8_t ip[RK_ADDR_LEN], int depth, long via, int lost)
{
	struct rk_impact *r = w->out;
	struct seen_host *s;
	int created;

	if ((s = rk_map_upsert(&w->seen_host, ip, &created)) == NULL)
		return -2;
	if (!created)
		return -1;
	if (grow((void **)&r->hosts, &w->cap_hosts, r->n_hosts, sizeof(*r->hosts)) < 0)
		return -2;
	s->idx = (int64_t)r->n_hosts;
	s->degraded = 0;
	memcpy(r->hosts[r->n_hosts].ip, ip, RK_ADDR_LEN);
	r->hosts[r->n_hosts].depth = depth;
	r->hosts[r->n_hosts].via = via;
	r->hosts[r->n_hosts].role = role_of(w, ip);
	r->hosts[r->n_hosts].lost = lost;
	return (long)r->n_hosts++;
}

/* Enter service k once: its index, -1 if already seen, or -2 if out of memory. */
static long
add_svc(struct walk *w, const struct rk_ep_key *k, int depth, long via)
{
	struct rk_impact *r = w->out;
	const struct rk_service *ms = rk_map_find(&w->o->m->services, k);
	struct seen_svc *s;
	int created;

	if ((s = rk_map_upsert(&w->seen_svc, k, &created)) == NULL)
		return -2;
	if (!created)
		return -1;
	if (grow((void **)&r->svcs, &w->cap_svcs, r->n_svcs, sizeof(*r->svcs)) < 0)
		return -2;
	s->idx = (int64_t)r->n_svcs;
	r->svcs[r->n_svcs].key = *k;
	r->svcs[r->n_svcs].depth = depth;
	r->svcs[r->n_svcs].via = via;
	r->svcs[r->n_svcs].soft = rk_impact_is_soft(w->o, k->proto, k->port);
	r->svcs[r->n_svcs].n_clients = ms != NULL ? ms->n_clients : 0;
	return (long)r->n_svcs++;
}

/* ---- targets ----------------------------------------------------------- */

static int
in_targets(const struct rk_impact_opts *o, const struct rk_impact_targets *t,
    const uint8_t ip[RK_ADDR_LEN])
{
	char buf[64];

	for (size_t i = 0; i < t->n_nets; i++)
		if (rk_prefix_contains(t->nets[i].net, t->nets[i].bits, ip))
			return 1;
	for (size_t i = 0; i < t->n_sites; i++)
		if (strcmp(rk_sites_of(o->sites, ip, buf, sizeof(buf)), t->sites[i]) == 0)
			return 1;
	return 0;
}

static int
is_target_svc(const struct rk_impact_targets *t, const struct rk_ep_key *k)
{
	for (size_t i = 0; i < t->n_svcs; i++)
		if (memcmp(&t->svcs[i], k, sizeof(*k)) == 0)
			return 1;
	return 0;
}

/* "IP:PORT/PROTO" or "[IPv6]:PORT/PROTO" into k; 0 or -1. */
static int
parse_service(const char *arg, struct rk_ep_key *k)
{
	char ip[RK_ADDR_STRLEN + 2];
	const char *slash = strrchr(arg, '/'), *colon, *start = arg, *end;
	char *num_end;
	long port;

	if (slash == NULL)
		return -1;
	memset(k, 0, sizeof(*k));
	if (strcmp(slash + 1, "tcp") == 0)
		k->proto = 6;
	else if (strcmp(slash + 1, "udp") == 0)
		k->proto = 17;
	else if (strcmp(slash + 1, "sctp") == 0)
		k->proto = 132;
	else
		return -1;
	for (colon = slash; colon > arg && *colon != ':'; colon--)
		;
	if (*colon != ':')
		return -1;
	port = strtol(colon + 1, &num_end, 10);
	if (num_end != slash || port < 0 || port > 65535)
		return -1;
	end = colon;
	if (*start == '[' && end > start && end[-1] == ']') {
		start++;
		end--;
	}
	if ((size_t)(end - start) >= sizeof(ip))
		return -1;
	memcpy(ip, start, (size_t)(end - start));
	ip[end - start] = '\0';
	k->port = (uint16_t)port;
	return rk_addr_parse(ip, k->ip) == 0 ? 0 : -1;
}

/* Every model host that names calls arg: added to t as /128. */
static int
add_host_name(struct rk_impact_targets *t, const char *arg, const struct rk_model *m,
    const struct rk_names *names, struct rk_err *err)
{
	size_t found = 0;

	for (size_t i = 0; names != NULL && i < m->hosts.n_entries; i++) {
		const struct rk_host *h = rk_map_at(&m->hosts, i);
		const char *n = rk_names_host(names, h->ip);
		size_t len = strlen(arg);
		if (n == NULL || strncasecmp(n, arg, len) != 0 || (n[len] != '\0' && n[len] != '.'))
			continue;
		if (t->n_nets == RK_IMPACT_MAX_TARGETS)
			return rk_err_set(err, RK_E_INVAL, "at most %d targets", RK_IMPACT_MAX_TARGETS);
		memcpy(t->nets[t->n_nets].net, h->ip, RK_ADDR_LEN);
		t->nets[t->n_nets++].bits = 128;
		found++;
	}
	if (found == 0)
		return rk_err_set(err, RK_E_INVAL, "'%s': not an address, prefix, IP:PORT/PROTO or "
		    "@site, and no host of the data has that name", arg);
	return 0;
}

int
rk_impact_add_target(struct rk_impact_targets *t, const char *arg, const struct rk_model *m,
    const struct rk_names *names, const struct rk_sites *sites, struct rk_err *err)
{
	struct rk_ep_key k;
	uint8_t net[RK_ADDR_LEN];
	int bits;

	if (t->n_nets == RK_IMPACT_MAX_TARGETS || t->n_svcs == RK_IMPACT_MAX_TARGETS ||
	    t->n_sites == RK_IMPACT_MAX_TARGETS)
		return rk_err_set(err, RK_E_INVAL, "at most %d targets of a kind",
		    RK_IMPACT_MAX_TARGETS);
	if (arg[0] == '@') {
		if (!rk_sites_has(sites, arg + 1) && rk_prefix_parse(arg + 1, net, &bits) < 0)
			return rk_err_set(err, RK_E_INVAL, "'%s': no such site (--sites FILE names "
			    "them; without it a site is a /24 or /64 network, e.g. @10.1.2.0/24)", arg);
		snprintf(t->sites[t->n_sites++], RK_SITE_NAME_MAX, "%s", arg + 1);
		return 0;
	}
	if (parse_service(arg, &k) == 0) {
		t->svcs[t->n_svcs++] = k;
		return 0;
	}
	if (rk_prefix_parse(arg, net, &bits) == 0) {
		memcpy(t->nets[t->n_nets].net, net, RK_ADDR_LEN);
		t->nets[t->n_nets++].bits = bits;
		return 0;
	}
	return add_host_name(t, arg, m, names, err);
}

/* ---- the walks --------------------------------------------------------- */

/* Lost hosts (inside a target), then the failed or starting services. */
static int
enter_targets(struct walk *w, const struct rk_impact_targets *t)
{
	const struct rk_model *m = w->o->m;

	for (size_t i = 0; i < m->hosts.n_entries; i++) {
		const struct rk_host *h = rk_map_at(&m->hosts, i);
		if (in_targets(w->o, t, h->ip) && add_host(w, h->ip, 0, -1, 1) == -2)
			return -RK_E_NOMEM;
	}
	for (size_t i = 0; i < w->n_svc; i++) {
		const struct rk_service *s = w->svc_by_host[i];
		if ((rk_map_find(&w->seen_host, s->key.ip) != NULL || is_target_svc(t, &s->key)) &&
		    add_svc(w, &s->key, 0, -1) == -2)
			return -RK_E_NOMEM;
	}
	return 0;
}

/*
 * The clients of failed or degraded service i, and (unless i is soft) the
 * services they offer.  A client first reached through a soft service
 * still degrades its services when a hard one reaches it later.
 */
static int
spread_from(struct walk *w, size_t i)
{
	struct rk_impact_svc sv = w->out->svcs[i];
	struct rk_edge probe = {0};
	const struct rk_edge *pp = &probe;
	size_t e;

	memcpy(probe.key.server, sv.key.ip, RK_ADDR_LEN);
	probe.key.proto = sv.key.proto;
	probe.key.port = sv.key.port;
	e = lower_bound((const void **)w->by_server, w->n_edge, pp, cmp_by_server);
	for (; e < w->n_edge && server_cmp(&w->by_server[e]->key, &probe.key) == 0; e++) {
		const uint8_t *c = w->by_server[e]->key.client;
		long h = add_host(w, c, sv.depth + 1, (long)i, 0);
		struct rk_service sp = {0};
		const struct rk_service *spp = &sp;
		struct seen_host *seen;
		size_t s;

		if (h == -2)
			return -RK_E_NOMEM;
		seen = rk_map_find(&w->seen_host, c);
		if (sv.soft || w->out->hosts[seen->idx].lost || seen->degraded)
			continue;
		seen->degraded = 1;
		memcpy(sp.key.ip, c, RK_ADDR_LEN);
		s = lower_bound((const void **)w->svc_by_host, w->n_svc, spp, cmp_svc);
		for (; s < w->n_svc && memcmp(w->svc_by_host[s]->key.ip, c, RK_ADDR_LEN) == 0; s++)
			if (add_svc(w, &w->svc_by_host[s]->key, sv.depth + 1, (long)i) == -2)
				return -RK_E_NOMEM;
	}
	return 0;
}

int
rk_impact_run(const struct rk_impact_opts *o, const struct rk_impact_targets *t,
    struct rk_impact *out, struct rk_err *err)
{
	struct walk w;
	int rc;

	if ((rc = walk_init(&w, o, out)) == 0)
		rc = enter_targets(&w, t);
	if (rc == 0 && out->n_hosts == 0 && out->n_svcs == 0)
		rc = rk_err_set(err, RK_E_INVAL, "no host or service of the data is in the targets");
	for (size_t i = 0; rc == 0 && i < out->n_svcs; i++)
		if (o->max_depth == 0 || out->svcs[i].depth < o->max_depth)
			rc = spread_from(&w, i);
	return walk_end(&w, rc, err);
}

/* The services host i uses, and (not past a soft one) their servers. */
static int
needs_of(struct walk *w, size_t i)
{
	struct rk_impact_host hv = w->out->hosts[i];
	struct rk_edge probe = {0};
	const struct rk_edge *pp = &probe;
	size_t e;

	memcpy(probe.key.client, hv.ip, RK_ADDR_LEN);
	e = lower_bound((const void **)w->by_client, w->n_edge, pp, cmp_by_client);
	for (; e < w->n_edge && memcmp(w->by_client[e]->key.client, hv.ip, RK_ADDR_LEN) == 0; e++) {
		const struct rk_edge_key *ek = &w->by_client[e]->key;
		struct rk_ep_key k = {0};
		long s, h;

		memcpy(k.ip, ek->server, RK_ADDR_LEN);
		k.proto = ek->proto;
		k.port = ek->port;
		if ((s = add_svc(w, &k, hv.depth + 1, (long)i)) == -2)
			return -RK_E_NOMEM;
		if (s < 0 || w->out->svcs[s].soft)
			continue;
		if ((h = add_host(w, ek->server, hv.depth + 1, s, 0)) == -2)
			return -RK_E_NOMEM;
	}
	return 0;
}

int
rk_impact_needs(const struct rk_impact_opts *o, const struct rk_impact_targets *t,
    struct rk_impact *out, struct rk_err *err)
{
	struct walk w;
	int rc;

	if ((rc = walk_init(&w, o, out)) == 0) {
		for (size_t i = 0; rc == 0 && i < o->m->hosts.n_entries; i++) {
			const struct rk_host *h = rk_map_at(&o->m->hosts, i);
			if (in_targets(o, t, h->ip) && add_host(&w, h->ip, 0, -1, 1) == -2)
				rc = -RK_E_NOMEM;
		}
		for (size_t i = 0; rc == 0 && i < t->n_svcs; i++)
			if (add_host(&w, t->svcs[i].ip, 0, -1, 1) == -2)
				rc = -RK_E_NOMEM;
	}
	if (rc == 0 && out->n_hosts == 0)
		rc = rk_err_set(err, RK_E_INVAL, "no host of the data is in the targets");
	for (size_t i = 0; rc == 0 && i < out->n_hosts; i++)
		if (o->max_depth == 0 || out->hosts[i].depth < o->max_depth)
			rc = needs_of(&w, i);
	return walk_end(&w, rc, err);
}

void
rk_impact_free(struct rk_impact *r)
{
	free(r->svcs);
	free(r->hosts);
	memset(r, 0, sizeof(*r));
}

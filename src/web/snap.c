/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/snap.c - snapshots: one time range loaded once, indexed, cached.
 *
 * A snapshot is the data source's aggregates for [since, until) plus the
 * sorted views of report/view.h and a few derived indexes (networks, top
 * and newest services, newest dependencies, server-to-server dependencies).
 * Every page is then a binary search and a walk over a contiguous run, so
 * pages answer in milliseconds whatever the size of the network.
 *
 * The cache holds RK_WEB_SNAPS ranges, least recently used goes first.  A
 * snapshot is stale when the source's version (the store's
 * rk_store_version) changed; it is then rebuilt on the next request.
 *
 * Several server threads share the cache (locks: web_int.h, struct
 * rk_web).  A snapshot is immutable once built except for its map cache;
 * it is reference counted, so one evicted while a page still renders
 * from it is freed by that page's rk_web_snap_put, not under it.  A build
 * is expensive work: it takes a place at the gate (RK_E_BUSY when too
 * many run) and the source's lock, outside the cache lock, so cached
 * ranges keep answering while it runs.
 */
#include <stdlib.h>
#include <string.h>

#include "util/addr.h"
#include "web/web_int.h"

static int
cmp_ip(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, RK_ADDR_LEN);
}

/* Index of the host with this address in the model, or -1.  O(log n). */
ssize_t
rk_web_host_find(const struct rk_web_snap *s, const uint8_t ip[RK_ADDR_LEN])
{
	size_t lo = 0, hi = s->m.n_hosts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_ip(s->m.hosts[mid]->ip, ip);
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Index of the network with this prefix, or -1.  O(log n). */
ssize_t
rk_web_net_find(const struct rk_web_snap *s, const uint8_t prefix[RK_ADDR_LEN])
{
	size_t lo = 0, hi = s->n_nets;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_ip(s->nets[mid].prefix, prefix);
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int
cmp_key(const struct rk_ep_key *a, const struct rk_ep_key *b)
{
	int c = cmp_ip(a->ip, b->ip);

	if (c != 0)
		return c;
	if (a->proto != b->proto)
		return a->proto - b->proto;
	return a->port - b->port;
}

/* Index of the service in the model, or -1.  O(log n). */
ssize_t
rk_web_svc_find(const struct rk_web_snap *s, const struct rk_ep_key *k)
{
	size_t lo = 0, hi = s->m.n_services;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_key(&s->m.services[mid]->key, k);
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The services ip offers: OUT first index; returns how many.  O(log n). */
size_t
rk_web_svcs_of(const struct rk_web_snap *s, const uint8_t ip[RK_ADDR_LEN], size_t *first)
{
	size_t lo = 0, hi = s->m.n_services, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_ip(s->m.services[mid]->key.ip, ip) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo + n < s->m.n_services && cmp_ip(s->m.services[lo + n]->key.ip, ip) == 0)
		n++;
	return n;
}

/* The edges where ip is the client (services it uses): OUT first index in m.edges. */
size_t
rk_web_edges_from(const struct rk_web_snap *s, const uint8_t ip[RK_ADDR_LEN], size_t *first)
{
	size_t lo = 0, hi = s->m.n_edges, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_ip(s->m.edges[mid]->key.client, ip) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo + n < s->m.n_edges && cmp_ip(s->m.edges[lo + n]->key.client, ip) == 0)
		n++;
	return n;
}

static int
edge_vs_svc(const struct rk_edge *e, const struct rk_ep_key *k)
{
	int c = cmp_ip(e->key.server, k->ip);

	if (c != 0)
		return c;
	if (e->key.proto != k->proto)
		return e->key.proto - k->proto;
	return e->key.port - k->port;
}

/* The edges of service k (its clients): OUT first index in m.by_server. */
size_t
rk_web_edges_to(const struct rk_web_snap *s, const struct rk_ep_key *k, size_t *first)
{
	size_t lo = 0, hi = s->m.n_edges, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (edge_vs_svc(s->m.by_server[mid], k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo + n < s->m.n_edges && edge_vs_svc(s->m.by_server[lo + n], k) == 0)
		n++;
	return n;
}

/* The host's name, or NULL.  Borrowed from the snapshot's names. */
const char *
rk_web_host_name(const struct rk_web_snap *s, const uint8_t ip[RK_ADDR_LEN])
{
	return s->l.names != NULL ? rk_names_host(s->l.names, ip) : NULL;
}

/* "tcp/http" or "tcp/50020" into buf; returns buf. */
const char *
rk_web_svc_label(const struct rk_web_snap *s, const struct rk_ep_key *k, char *buf, size_t len)
{
	char pbuf[16];
	const char *pb = rk_report_proto_name(k->proto, pbuf, sizeof(pbuf));
	const char *name = s->l.names != NULL ? rk_names_service(s->l.names, k->proto, k->port)
					      : NULL;

	if (name != NULL)
		snprintf(buf, len, "%s/%s", pb, name);
	else
		snprintf(buf, len, "%s/%u", pb, (unsigned)k->port);
	return buf;
}

static int
cmp_top(const void *x, const void *y)
{
	const struct rk_service *a = *(const struct rk_service *const *)x;
	const struct rk_service *b = *(const struct rk_service *const *)y;
	uint64_t ba = a->bytes_in + a->bytes_out, bb = b->bytes_in + b->bytes_out;

	if (a->n_clients != b->n_clients)
		return a->n_clients < b->n_clients ? 1 : -1;
	if (ba != bb)
		return ba < bb ? 1 : -1;
	return cmp_key(&a->key, &b->key);
}

static int
cmp_newest(const void *x, const void *y)
{
	const struct rk_service *a = *(const struct rk_service *const *)x;
	const struct rk_service *b = *(const struct rk_service *const *)y;

	if (a->first_ts != b->first_ts)
		return a->first_ts < b->first_ts ? 1 : -1;
	return cmp_key(&a->key, &b->key);
}

static int
cmp_dep(const void *x, const void *y)
{
	const struct rk_web_dep *a = x, *b = y;

	if (a->client != b->client)
		return a->client < b->client ? -1 : 1;
	if (a->server != b->server)
		return a->server < b->server ? -1 : 1;
	return 0;
}

/* Keep the RK_WEB_TOP newest edges (insertion into a small sorted array). */
static void
newest_edges(struct rk_web_snap *s)
{
	for (size_t i = 0; i < s->m.n_edges; i++) {
		struct rk_edge *e = s->m.edges[i];
		size_t j = s->n_new_edges;
		if (j == RK_WEB_TOP && e->first_ts <= s->new_edges[j - 1]->first_ts)
			continue;
		if (j < RK_WEB_TOP)
			s->n_new_edges++;
		else
			j--;
		while (j > 0 && s->new_edges[j - 1]->first_ts < e->first_ts) {
			s->new_edges[j] = s->new_edges[j - 1];
			j--;
		}
		s->new_edges[j] = e;
	}
}

/* One use of a server by a server: its kind of service and who came. */
struct kind_use {
	uint32_t client;   /* host index of the client server */
	uint32_t server;   /* host index of the server */
	uint16_t port;     /* service port */
	uint8_t proto;     /* service protocol */
	uint8_t is_infra;  /* the kind is used by more than a fifth of the servers */
};

static int
cmp_kind_use(const void *x, const void *y)
{
	const struct kind_use *a = x, *b = y;

	if (a->proto != b->proto)
		return a->proto - b->proto;
	if (a->port != b->port)
		return a->port - b->port;
	return (a->client > b->client) - (a->client < b->client);
}

/* The per-kind infrastructure test (see the end of index_snap).  0 or -RK_E_NOMEM. */
static int
infra_kinds(struct rk_web_snap *s)
{
	struct kind_use *u = malloc((s->m.n_edges + 1) * sizeof(*u));
	uint8_t *plain;
	size_t n = 0;

	plain = calloc(s->m.n_hosts + 1, 1); /* a server clients use for a non-infra kind */
	if (u == NULL || plain == NULL) {
		free(u);
		free(plain);
		return -RK_E_NOMEM;
	}
	for (size_t i = 0; i < s->m.n_edges; i++) {
		const struct rk_edge *e = s->m.edges[i];
		ssize_t c = rk_web_host_find(s, e->key.client), v;
		if (c < 0 || s->m.hosts[c]->n_services == 0)
			continue;
		if ((v = rk_web_host_find(s, e->key.server)) < 0 || v == c)
			continue;
		u[n].client = (uint32_t)c;
		u[n].server = (uint32_t)v;
		u[n].port = e->key.port;
		u[n].proto = e->key.proto;
		n++;
	}
	qsort(u, n, sizeof(*u), cmp_kind_use);
	for (size_t i = 0, j; i < n; i = j) {
		size_t users = 0;
		for (j = i; j < n && u[j].proto == u[i].proto && u[j].port == u[i].port; j++)
			users += j == i || u[j].client != u[j - 1].client;
		for (size_t k = i; k < j; k++)
			u[k].is_infra = users >= 10 && users * 5 > s->fig.server_hosts;
	}
	for (size_t i = 0; i < n; i++)
		plain[u[i].server] |= !u[i].is_infra;
	for (size_t i = 0; i < n; i++)
		if (!plain[u[i].server])
			s->is_infra[u[i].server] = 1;
	free(u);
	free(plain);
	return 0;
}

/* Networks, server-to-server dependencies and the "infrastructure" mark. */
static int
index_snap(struct rk_web_snap *s)
{
	size_t n = s->m.n_hosts, nd = 0;
	uint32_t *n_users;

	s->nets = calloc(n + 1, sizeof(*s->nets));
	s->is_infra = calloc(n + 1, 1);
	s->top = malloc((s->m.n_services + 1) * sizeof(*s->top));
	s->newest = malloc((s->m.n_services + 1) * sizeof(*s->newest));
	s->new_edges = calloc(RK_WEB_TOP, sizeof(*s->new_edges));
	s->deps = malloc((s->m.n_edges + 1) * sizeof(*s->deps));
	n_users = calloc(n + 1, sizeof(*n_users));
	if (s->nets == NULL || s->is_infra == NULL || s->top == NULL || s->newest == NULL ||
	    s->new_edges == NULL || s->deps == NULL || n_users == NULL) {
		free(n_users);
		return -RK_E_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rk_host *h = s->m.hosts[i];
		uint8_t pfx[RK_ADDR_LEN];
		struct rk_web_net *net;

		rk_web_net_of(h->ip, pfx);
		if (s->n_nets == 0 || memcmp(s->nets[s->n_nets - 1].prefix, pfx, RK_ADDR_LEN) != 0) {
			net = &s->nets[s->n_nets++];
			memcpy(net->prefix, pfx, RK_ADDR_LEN);
			net->first = i;
		}
		net = &s->nets[s->n_nets - 1];
		net->n_hosts++;
		net->bytes += h->bytes_sent + h->bytes_recv;
		net->n_servers += h->n_services > 0;
	}
	for (size_t i = 0; i < s->m.n_services; i++) {
		s->top[i] = s->newest[i] = s->m.services[i];
		s->bytes += s->m.services[i]->bytes_in + s->m.services[i]->bytes_out;
	}
	rk_report_view_figures(&s->m, &s->l.st, &s->fig);
	qsort(s->top, s->m.n_services, sizeof(*s->top), cmp_top);
	qsort(s->newest, s->m.n_services, sizeof(*s->newest), cmp_newest);
	newest_edges(s);
	/* Edges are sorted by client: one pass finds the servers using servers. */
	for (size_t i = 0; i < s->m.n_edges; i++) {
		const struct rk_edge *e = s->m.edges[i];
		ssize_t c = rk_web_host_find(s, e->key.client), v;
		if (c < 0 || s->m.hosts[c]->n_services == 0)
			continue;
		v = rk_web_host_find(s, e->key.server);
		if (v < 0 || v == c)
			continue;
		s->deps[nd].client = (uint32_t)c;
		s->deps[nd].server = (uint32_t)v;
		s->deps[nd].bytes = e->bytes_c2s + e->bytes_s2c;
		s->deps[nd].has_blind = e->n_blind_c2s + e->n_blind_s2c > 0;
		nd++;
	}
	qsort(s->deps, nd, sizeof(*s->deps), cmp_dep);
	/* Merge the ports of one (client, server) pair. */
	s->n_deps = 0;
	for (size_t i = 0; i < nd; i++) {
		if (s->n_deps > 0 && s->deps[s->n_deps - 1].client == s->deps[i].client &&
		    s->deps[s->n_deps - 1].server == s->deps[i].server) {
			s->deps[s->n_deps - 1].bytes += s->deps[i].bytes;
			s->deps[s->n_deps - 1].has_blind |= s->deps[i].has_blind;
			continue;
		}
		s->deps[s->n_deps++] = s->deps[i];
		n_users[s->deps[i].server]++;
	}
	/*
	 * A server used by more than a fifth of the servers (and by at least
	 * ten) is infrastructure - DNS, NTP, syslog, LDAP: edges to it would
	 * hide everything else on the map, so the map folds them by default.
	 * A site spreads such a service over many instances (twenty DNS
	 * servers each used by a twentieth of the servers), so the test is
	 * also made per kind of service: a server all of whose server clients
	 * come for kinds (protocol, port) that more than a fifth of the
	 * servers use, on whichever instance, is infrastructure too.
	 */
	for (size_t i = 0; i < n; i++)
		s->is_infra[i] = n_users[i] >= 10 && n_users[i] * 5 > s->fig.server_hosts;
	free(n_users);
	return infra_kinds(s);
}

/* Free a snapshot and what it owns.  NULL is a no-op. */
void
rk_web_snap_free(struct rk_web_snap *s)
{
	if (s == NULL)
		return;
	rk_report_view_fini(&s->m);
	if (s->l.release != NULL)
		s->l.release(&s->l);
	free(s->nets);
	free(s->is_infra);
	free(s->top);
	free(s->newest);
	free(s->new_edges);
	free(s->deps);
	for (int i = 0; i < RK_WEB_MAP_CACHE; i++)
		free(s->maps[i].svg);
	free(s);
}

static struct rk_web_snap *
snap_build(struct rk_web *w, uint64_t since, uint64_t until, uint64_t version,
    struct rk_err *err)
{
	struct rk_web_snap *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL) {
		rk_err_set(err, RK_E_NOMEM, "out of memory");
		return NULL;
	}
	s->since_us = since;
	s->until_us = until;
	s->version = version;
	rc = w->src.load(w->src.user, since, until, &s->l, err);
	if (rc < 0) {
		rk_web_snap_free(s);
		return NULL;
	}
	if (rk_report_view_init(&s->m, s->l.c) < 0 || index_snap(s) < 0) {
		rk_err_set(err, RK_E_NOMEM, "out of memory indexing the data");
		rk_web_snap_free(s);
		return NULL;
	}
	return s;
}

/* The source's version, without waiting for a load in progress.  Under w->mu. */
static uint64_t
current_version(struct rk_web *w)
{
	if (w->src.version == NULL)
		return 0;
	if (pthread_mutex_trylock(&w->src_mu) == 0) {
		w->last_version = w->src.version(w->src.user);
		pthread_mutex_unlock(&w->src_mu);
	}
	return w->last_version;
}

/* Take s out of the cache; freed now if nobody holds it.  Under w->mu. */
static void
uncache(struct rk_web *w, int i)
{
	struct rk_web_snap *s = w->snaps[i];

	w->snaps[i] = NULL;
	s->is_cached = false;
	if (s->refs == 0)
		rk_web_snap_free(s);
}

/* The cached snapshot of [since, until) at version, with a reference, or NULL.  Under w->mu. */
static struct rk_web_snap *
cache_find(struct rk_web *w, uint64_t since, uint64_t until, uint64_t version)
{
	for (int i = 0; i < RK_WEB_SNAPS; i++) {
		struct rk_web_snap *s = w->snaps[i];
		if (s == NULL)
			continue;
		if (s->version != version) {
			uncache(w, i);
			continue;
		}
		if (s->since_us == since && s->until_us == until) {
			s->last_use = ++w->tick;
			s->refs++;
			return s;
		}
	}
	return NULL;
}

/* The whole range: what every visitor starts with, never evicted by other ranges. */
static bool
is_whole(const struct rk_web_snap *s)
{
	return s->since_us == 0 && s->until_us == 0;
}

/*
 * Put s (with one reference, the caller's) in a free slot, else that of
 * the least recently used range other than the whole one (so clients
 * asking new since= values cannot push out the range everyone else
 * reads).  Under w->mu.
 */
static void
cache_add(struct rk_web *w, struct rk_web_snap *s)
{
	int slot = -1;

	for (int i = 0; i < RK_WEB_SNAPS; i++) {
		if (w->snaps[i] == NULL) {
			slot = i;
			break;
		}
		if (is_whole(w->snaps[i]) && !is_whole(s))
			continue;
		if (slot < 0 || w->snaps[i]->last_use < w->snaps[slot]->last_use)
			slot = i;
	}
	if (w->snaps[slot] != NULL)
		uncache(w, slot);
	w->snaps[slot] = s;
	s->is_cached = true;
	s->refs = 1;
	s->last_use = ++w->tick;
}

/* Build [since, until) under the source's lock (a build of it may have just ended). */
static struct rk_web_snap *
build_locked(struct rk_web *w, uint64_t since, uint64_t until, struct rk_err *err)
{
	struct rk_web_snap *s;
	uint64_t version;

	pthread_mutex_lock(&w->src_mu);
	version = w->src.version != NULL ? w->src.version(w->src.user) : 0;
	pthread_mutex_lock(&w->mu);
	w->last_version = version;
	s = cache_find(w, since, until, version);
	pthread_mutex_unlock(&w->mu);
	if (s == NULL) {
		if (w->src.is_exclusive)
			pthread_rwlock_wrlock(&w->names_rw);
		s = snap_build(w, since, until, version, err);
		if (w->src.is_exclusive)
			pthread_rwlock_unlock(&w->names_rw);
		if (s != NULL) {
			pthread_mutex_lock(&w->mu);
			cache_add(w, s);
			pthread_mutex_unlock(&w->mu);
		}
	}
	pthread_mutex_unlock(&w->src_mu);
	return s;
}

/*
 * The snapshot of [since, until), loaded if absent or stale.  Held until
 * rk_web_snap_put(w, s).  NULL with err if the source failed, or with
 * err->code RK_E_BUSY if too many builds already run (try again later).
 */
struct rk_web_snap *
rk_web_snap_get(struct rk_web *w, uint64_t since, uint64_t until, struct rk_err *err)
{
	struct rk_web_snap *s;

	pthread_mutex_lock(&w->mu);
	s = cache_find(w, since, until, current_version(w));
	pthread_mutex_unlock(&w->mu);
	if (s != NULL)
		return s;
	if (rk_web_gate_enter(&w->gate, err) != 0)
		return NULL;
	s = build_locked(w, since, until, err);
	rk_web_gate_leave(&w->gate);
	return s;
}

/* Release a snapshot of rk_web_snap_get.  NULL is a no-op. */
void
rk_web_snap_put(struct rk_web *w, struct rk_web_snap *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	if (--s->refs == 0 && !s->is_cached)
		rk_web_snap_free(s);
	pthread_mutex_unlock(&w->mu);
}

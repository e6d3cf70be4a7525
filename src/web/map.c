/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/map.c - the dependency map: servers, the dependencies between them,
 * and clients grouped by network; laid out by Graphviz (libgvc) as SVG.
 *
 * What is drawn (built as a neutral node/edge list, then handed to
 * Graphviz or written as JSON):
 * - whole map: every server host and every server-to-server dependency.
 *   Client networks are not drawn here: at the paper's scale every one of
 *   the 285 networks uses nearly every server, a complete bipartite graph
 *   that no layout makes readable; a server's tooltip counts its clients.
 *   Edges to "infrastructure" servers (used by more than a fifth of the
 *   servers: DNS, NTP, syslog, LDAP) are folded unless asked for;
 * - filtered (network, host or service): the seed, its client networks
 *   (one node per network, the edge says how many clients), the servers
 *   it uses, and everything downstream of them (transitively).
 * Large graphs are laid out with sfdp (force-directed, ~0.3 s for 500
 *   nodes and 1,600 edges), small ones with dot (layered, left to right).
 * Every node carries a URL (its page) so a click opens it, also in the
 *   export.  Labels are addresses plus names cut to a safe alphabet, so
 *   the SVG never carries a stranger's markup whatever Graphviz escapes.
 * - impact (rk_web_map_impact_svg, for the /impact page): just the
 *   affected part of a result, along the chains that reached it.
 * Rendered SVG is cached per snapshot and filter (RK_WEB_MAP_CACHE).
 * An edge's bytes are a sum of what was seen: when a session under it hid
 *   a direction (a one-way mirror), its tooltip says "≥" and its JSON
 *   "lower_bound": true.
 * libgvc is not thread-safe: every layout holds w->gv_mu, and at most
 * the gate's max_run run at once (expensive: seconds on a large network).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "impact/impact.h"
#include "util/addr.h"
#include "util/human.h"
#include "util/json.h"
#include "web/web_int.h"

enum { MN_HOST, MN_NET };

struct mnode {
	int kind;     /* MN_HOST or MN_NET */
	uint32_t idx; /* host or network index in the snapshot */
	int is_seed;  /* the filtered-for node */
};

struct medge {
	uint32_t from, to; /* node indexes */
	uint64_t bytes;    /* both directions, as seen */
	uint32_t n;        /* clients (network edges), else 0 */
	int has_blind;     /* a session hid a direction: bytes is a lower bound */
};

struct mgraph {
	const struct rk_web_snap *s;
	struct mnode *nodes;
	size_t n_nodes, max_nodes;
	struct medge *edges;
	size_t n_edges, max_edges;
	int32_t *host_node; /* per host: node index or -1 */
	int32_t *net_node;  /* per network: node index or -1 */
	uint8_t *expanded;  /* per host: downstream already walked */
	int nomem;
};

static int32_t
add_node(struct mgraph *g, int kind, uint32_t idx)
{
	int32_t *slot = kind == MN_HOST ? &g->host_node[idx] : &g->net_node[idx];

	if (*slot >= 0)
		return *slot;
	if (g->n_nodes == g->max_nodes) {
		size_t m = g->max_nodes ? 2 * g->max_nodes : 64;
		struct mnode *p = realloc(g->nodes, m * sizeof(*p));
		if (p == NULL) {
			g->nomem = 1;
			return -1;
		}
		g->nodes = p;
		g->max_nodes = m;
	}
	g->nodes[g->n_nodes].kind = kind;
	g->nodes[g->n_nodes].idx = idx;
	g->nodes[g->n_nodes].is_seed = 0;
	*slot = (int32_t)g->n_nodes;
	return (int32_t)g->n_nodes++;
}

/* Does a session of e hide a direction (its bytes a lower bound)? */
static int
edge_is_blind(const struct rk_edge *e)
{
	return e->n_blind_c2s + e->n_blind_s2c > 0;
}

static void
add_edge(struct mgraph *g, int32_t from, int32_t to, uint64_t bytes, uint32_t n, int has_blind)
{
	if (from < 0 || to < 0 || from == to)
		return;
	if (g->n_edges == g->max_edges) {
		size_t m = g->max_edges ? 2 * g->max_edges : 128;
		struct medge *p = realloc(g->edges, m * sizeof(*p));
		if (p == NULL) {
			g->nomem = 1;
			return;
		}
		g->edges = p;
		g->max_edges = m;
	}
	g->edges[g->n_edges++] = (struct medge){(uint32_t)from, (uint32_t)to, bytes, n, has_blind};
}

/* First dependency whose client is host c (deps are sorted by client). */
static size_t
deps_from(const struct rk_web_snap *s, uint32_t c)
{
	size_t lo = 0, hi = s->n_deps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->deps[mid].client < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Walk the dependencies downstream of host h, adding nodes and edges. */
static void
downstream(struct mgraph *g, uint32_t h, bool infra)
{
	const struct rk_web_snap *s = g->s;
	uint32_t *queue = malloc((s->m.n_hosts + 1) * sizeof(*queue));
	size_t head = 0, tail = 0;

	if (queue == NULL) {
		g->nomem = 1;
		return;
	}
	if (!g->expanded[h]) {
		g->expanded[h] = 1;
		queue[tail++] = h;
	}
	while (head < tail) {
		uint32_t c = queue[head++];
		int32_t from = add_node(g, MN_HOST, c);
		if (s->is_infra[c] && !infra)
			continue;
		for (size_t i = deps_from(s, c); i < s->n_deps && s->deps[i].client == c; i++) {
			uint32_t v = s->deps[i].server;
			if (s->is_infra[v] && !infra)
				continue;
			add_edge(g, from, add_node(g, MN_HOST, v), s->deps[i].bytes, 0,
			    s->deps[i].has_blind);
			if (!g->expanded[v]) {
				g->expanded[v] = 1;
				queue[tail++] = v;
			}
		}
	}
	free(queue);
}

/* Client networks of the edges run [first, first+n) of by_server, into node to. */
static void
client_nets(struct mgraph *g, size_t first, size_t n, int32_t to)
{
	const struct rk_web_snap *s = g->s;
	int32_t cur = -1;
	uint64_t bytes = 0;
	uint32_t cnt = 0;
	int blind = 0;
	uint8_t last[RK_ADDR_LEN];

	for (size_t i = first; i < first + n; i++) {
		const struct rk_edge *e = s->m.by_server[i];
		uint8_t pfx[RK_ADDR_LEN];
		ssize_t ni, hi = rk_web_host_find(s, e->key.client);
		if (hi >= 0 && s->m.hosts[hi]->n_services > 0) {
			/* A server as client: drawn as itself. */
			add_edge(g, add_node(g, MN_HOST, (uint32_t)hi), to,
			    e->bytes_c2s + e->bytes_s2c, 0, edge_is_blind(e));
			continue;
		}
		rk_web_net_of(e->key.client, pfx);
		if (cur < 0 || memcmp(pfx, last, RK_ADDR_LEN) != 0) {
			if (cur >= 0)
				add_edge(g, cur, to, bytes, cnt, blind);
			ni = rk_web_net_find(s, pfx);
			cur = ni >= 0 ? add_node(g, MN_NET, (uint32_t)ni) : -1;
			memcpy(last, pfx, RK_ADDR_LEN);
			bytes = 0;
			cnt = 0;
			blind = 0;
		}
		bytes += e->bytes_c2s + e->bytes_s2c;
		blind |= edge_is_blind(e);
		cnt++;
	}
	if (cur >= 0)
		add_edge(g, cur, to, bytes, cnt, blind);
}

/* The services host h uses, merged per server host, as edges from node from. */
static void
uses(struct mgraph *g, const uint8_t ip[RK_ADDR_LEN], int32_t from, uint32_t *seeds,
    size_t *n_seeds)
{
	const struct rk_web_snap *s = g->s;
	size_t first, n = rk_web_edges_from(s, ip, &first);

	for (size_t i = first; i < first + n; i++) {
		const struct rk_edge *e = s->m.edges[i];
		ssize_t v = rk_web_host_find(s, e->key.server);
		int32_t to;
		if (v < 0)
			continue;
		to = add_node(g, MN_HOST, (uint32_t)v);
		if (g->n_edges > 0 && g->edges[g->n_edges - 1].from == (uint32_t)from &&
		    g->edges[g->n_edges - 1].to == (uint32_t)to) {
			g->edges[g->n_edges - 1].bytes += e->bytes_c2s + e->bytes_s2c;
			g->edges[g->n_edges - 1].has_blind |= edge_is_blind(e);
		} else {
			add_edge(g, from, to, e->bytes_c2s + e->bytes_s2c, 0, edge_is_blind(e));
		}
		if (seeds != NULL)
			seeds[(*n_seeds)++] = (uint32_t)v;
	}
}

/* Merge duplicate (from, to) edges (several hosts of a network using one server). */
static int
cmp_medge(const void *x, const void *y)
{
	const struct medge *a = x, *b = y;

	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	if (a->to != b->to)
		return a->to < b->to ? -1 : 1;
	return 0;
}

static void
merge_edges(struct mgraph *g)
{
	size_t n = 0;

	qsort(g->edges, g->n_edges, sizeof(*g->edges), cmp_medge);
	for (size_t i = 0; i < g->n_edges; i++) {
		if (n > 0 && cmp_medge(&g->edges[n - 1], &g->edges[i]) == 0) {
			g->edges[n - 1].bytes += g->edges[i].bytes;
			g->edges[n - 1].n += g->edges[i].n;
			g->edges[n - 1].has_blind |= g->edges[i].has_blind;
			continue;
		}
		g->edges[n++] = g->edges[i];
	}
	g->n_edges = n;
}

/* An empty graph over s; 0 or -1 (g->nomem set). */
static int
mgraph_init(struct mgraph *g, const struct rk_web_snap *s)
{
	memset(g, 0, sizeof(*g));
	g->s = s;
	g->host_node = malloc((s->m.n_hosts + 1) * sizeof(*g->host_node));
	g->net_node = malloc((s->n_nets + 1) * sizeof(*g->net_node));
	g->expanded = calloc(s->m.n_hosts + 1, 1);
	if (g->host_node == NULL || g->net_node == NULL || g->expanded == NULL) {
		g->nomem = 1;
		return -1;
	}
	memset(g->host_node, 0xff, (s->m.n_hosts + 1) * sizeof(*g->host_node));
	memset(g->net_node, 0xff, (s->n_nets + 1) * sizeof(*g->net_node));
	return 0;
}

static void
build(struct mgraph *g, const struct rk_web_snap *s, const struct rk_web_map_filter *mf)
{
	if (mgraph_init(g, s) != 0)
		return;
	if (mf->has_net) {
		ssize_t ni = rk_web_net_find(s, mf->net);
		const struct rk_web_net *net;
		uint32_t *seeds;
		size_t n_seeds = 0;
		int32_t nn;
		if (ni < 0)
			return;
		net = &s->nets[ni];
		nn = add_node(g, MN_NET, (uint32_t)ni);
		if (nn >= 0)
			g->nodes[nn].is_seed = 1;
		seeds = malloc((s->m.n_edges + net->n_hosts + 1) * sizeof(*seeds));
		if (seeds == NULL) {
			g->nomem = 1;
			return;
		}
		for (size_t i = net->first; i < net->first + net->n_hosts; i++) {
			const struct rk_host *h = s->m.hosts[i];
			if (h->n_services > 0)
				seeds[n_seeds++] = (uint32_t)i;
			else
				uses(g, h->ip, nn, seeds, &n_seeds);
		}
		for (size_t i = 0; i < n_seeds; i++)
			downstream(g, seeds[i], mf->infra);
		free(seeds);
	} else if (mf->has_host || mf->has_svc) {
		const uint8_t *ip = mf->has_host ? mf->host : mf->svc.ip;
		ssize_t hi = rk_web_host_find(s, ip);
		int32_t hn;
		if (hi < 0)
			return;
		hn = add_node(g, MN_HOST, (uint32_t)hi);
		if (hn >= 0)
			g->nodes[hn].is_seed = 1;
		if (mf->has_svc) {
			size_t first, n = rk_web_edges_to(s, &mf->svc, &first);
			client_nets(g, first, n, hn);
		} else if (s->m.hosts[hi]->n_services > 0) {
			size_t first, n;
			n = rk_web_svcs_of(s, ip, &first);
			for (size_t i = first; i < first + n; i++) {
				size_t ef, en = rk_web_edges_to(s, &s->m.services[i]->key, &ef);
				client_nets(g, ef, en, hn);
			}
		} else {
			uses(g, ip, hn, NULL, NULL);
			for (size_t i = 0; i < g->n_nodes; i++)
				if (g->nodes[i].kind == MN_HOST && (int32_t)i != hn)
					downstream(g, g->nodes[i].idx, mf->infra);
		}
		if (s->m.hosts[hi]->n_services > 0)
			downstream(g, (uint32_t)hi, mf->infra);
	} else {
		for (size_t i = 0; i < s->m.n_hosts; i++)
			if (s->m.hosts[i]->n_services > 0)
				add_node(g, MN_HOST, (uint32_t)i);
		for (size_t i = 0; i < s->n_deps; i++) {
			const struct rk_web_dep *d = &s->deps[i];
			if (s->is_infra[d->server] && !mf->infra)
				continue;
			add_edge(g, g->host_node[d->client], g->host_node[d->server], d->bytes, 0,
			    d->has_blind);
		}
	}
	merge_edges(g);
}

static void
mgraph_fini(struct mgraph *g)
{
	free(g->nodes);
	free(g->edges);
	free(g->host_node);
	free(g->net_node);
	free(g->expanded);
}

/* Copy a name keeping only [A-Za-z0-9.-_], at most max bytes. */
static void
safe_name(char *out, size_t max, const char *name)
{
	size_t n = 0;

	for (; name != NULL && *name != '\0' && n + 1 < max; name++)
		out[n++] = isalnum((unsigned char)*name) || *name == '.' || *name == '-' ||
		    *name == '_' ? *name : '_';
	out[n] = '\0';
}

/* The node's page, as the page context links (route or exported file). */
static void
node_url(struct rk_page *p, const struct mnode *mn, char *buf, size_t len)
{
	const struct rk_web_snap *s = p->s;
	char a[RK_ADDR_STRLEN];

	if (mn->kind == MN_HOST)
		rk_addr_format(s->m.hosts[mn->idx]->ip, a, sizeof(a));
	else
		rk_addr_format_net(s->nets[mn->idx].prefix, a, sizeof(a));
	if (p->is_export) {
		for (char *c = a; *c != '\0'; c++)
			if (*c == ':')
				*c = '_';
		if (mn->kind == MN_NET)
			*strchr(a, '/') = '\0';
		snprintf(buf, len, "%s-%s.html", mn->kind == MN_HOST ? "host" : "net", a);
	} else if (mn->kind == MN_HOST) {
		snprintf(buf, len, "/host?ip=%s%s%s", a, p->range[0] ? "&" : "", p->range);
	} else {
		*strchr(a, '/') = '\0';
		snprintf(buf, len, "/network?net=%s%%2F%s%s%s", a,
		    rk_addr_is_v4(s->nets[mn->idx].prefix) ? "24" : "64",
		    p->range[0] ? "&" : "", p->range);
	}
}

static void
node_label(const struct rk_web_snap *s, const struct mnode *mn, char *label, size_t llen,
    char *tip, size_t tlen)
{
	char a[RK_ADDR_STRLEN], nm[32], b[32];

	if (mn->kind == MN_NET) {
		const struct rk_web_net *n = &s->nets[mn->idx];
		rk_addr_format_net(n->prefix, a, sizeof(a));
		snprintf(label, llen, "%s\n%zu hosts", a, n->n_hosts);
		snprintf(tip, tlen, "network %s: %zu hosts, %u servers, %s", a, n->n_hosts,
		    n->n_servers, rk_human_bytes(n->bytes, b, sizeof(b)));
		return;
	}
	{
		const struct rk_host *h = s->m.hosts[mn->idx];
		size_t first, n = rk_web_svcs_of(s, h->ip, &first);
		uint64_t clients = 0;
		for (size_t i = first; i < first + n; i++)
			clients += s->m.services[i]->n_clients;
		rk_addr_format(h->ip, a, sizeof(a));
		safe_name(nm, 25, rk_web_host_name(s, h->ip));
		snprintf(label, llen, "%s%s%s", a, nm[0] ? "\n" : "", nm);
		snprintf(tip, tlen, "%s %s: %u %s, %" PRIu64 " %s (summed over services), %s", a, nm,
		    h->n_services, rk_plural(h->n_services, "service", "services"), clients,
		    rk_plural(clients, "client", "clients"), rk_human_bytes(h->bytes_sent + h->bytes_recv, b,
		    sizeof(b)));
	}
}

/* Node colour class: front (used by clients), back (only by servers), infra, net. */
static const char *
node_fill(const struct rk_web_snap *s, const struct mnode *mn)
{
	const struct rk_host *h;

	if (mn->kind == MN_NET)
		return "#f4e3b5";
	h = s->m.hosts[mn->idx];
	if (h->n_services == 0)
		return "#e6e6e6";
	if (s->is_infra[mn->idx])
		return "#f6c9a8";
	return "#cfe3f7"; /* render_svg turns servers used only by servers green */
}

static int
is_front(const struct rk_web_snap *s, uint32_t hi)
{
	size_t first, n = rk_web_svcs_of(s, s->m.hosts[hi]->ip, &first);

	for (size_t i = first; i < first + n; i++) {
		size_t ef, en = rk_web_edges_to(s, &s->m.services[i]->key, &ef);
		for (size_t j = ef; j < ef + en; j++) {
			ssize_t c = rk_web_host_find(s, s->m.by_server[j]->key.client);
			if (c >= 0 && s->m.hosts[c]->n_services == 0)
				return 1;
		}
	}
	return 0;
}

static char *
render_svg(struct rk_page *p, struct mgraph *mg, size_t *len, struct rk_err *err)
{
	const struct rk_web_snap *s = p->s;
	int use_dot = mg->n_edges < 400 && mg->n_nodes < 300;
	char gname[] = "renkei", *data = NULL, *out;
	unsigned int dlen = 0;
	Agnode_t **gn;
	Agraph_t *g;
	const char *start;

	if (p->w->gvc == NULL)
		p->w->gvc = gvContext();
	if (p->w->gvc == NULL) {
		rk_err_set(err, RK_E_NOMEM, "graphviz did not start");
		return NULL;
	}
	gn = calloc(mg->n_nodes + 1, sizeof(*gn));
	if (gn == NULL)
		return NULL;
	g = agopen(gname, Agdirected, NULL);
	agattr(g, AGRAPH, "outputorder", "edgesfirst");
	agattr(g, AGRAPH, "bgcolor", "transparent");
	if (use_dot) {
		agattr(g, AGRAPH, "rankdir", "LR");
		agattr(g, AGRAPH, "ranksep", "1.2");
	} else {
		agattr(g, AGRAPH, "overlap", "prism");
		agattr(g, AGRAPH, "splines", "false");
	}
	agattr(g, AGNODE, "shape", "box");
	agattr(g, AGNODE, "style", "rounded,filled");
	agattr(g, AGNODE, "fontname", "Helvetica");
	agattr(g, AGNODE, "fontsize", "10");
	agattr(g, AGNODE, "fillcolor", "#cfe3f7");
	agattr(g, AGNODE, "color", "#5b6b80");
	agattr(g, AGNODE, "penwidth", "1");
	agattr(g, AGNODE, "label", "");
	agattr(g, AGNODE, "URL", "");
	agattr(g, AGNODE, "tooltip", "");
	agattr(g, AGNODE, "target", "_top");
	agattr(g, AGEDGE, "color", "#7f8ea3");
	agattr(g, AGEDGE, "arrowsize", "0.5");
	agattr(g, AGEDGE, "penwidth", "0.7");
	agattr(g, AGEDGE, "label", "");
	agattr(g, AGEDGE, "fontsize", "8");
	agattr(g, AGEDGE, "tooltip", "");
	for (size_t i = 0; i < mg->n_nodes; i++) {
		const struct mnode *mn = &mg->nodes[i];
		char name[32], label[128], tip[256], url[256], fill[16];
		snprintf(name, sizeof(name), "%c%" PRIu32, mn->kind == MN_HOST ? 'h' : 'n', mn->idx);
		gn[i] = agnode(g, name, 1);
		node_label(s, mn, label, sizeof(label), tip, sizeof(tip));
		node_url(p, mn, url, sizeof(url));
		snprintf(fill, sizeof(fill), "%s", node_fill(s, mn));
		if (mn->kind == MN_HOST && s->m.hosts[mn->idx]->n_services > 0 &&
		    !s->is_infra[mn->idx] && !is_front(s, mn->idx))
			snprintf(fill, sizeof(fill), "#d6efd2");
		agsafeset(gn[i], "label", label, "");
		agsafeset(gn[i], "tooltip", tip, "");
		agsafeset(gn[i], "URL", url, "");
		agsafeset(gn[i], "fillcolor", fill, "");
		if (mn->kind == MN_NET) {
			char shape[] = "folder";
			agsafeset(gn[i], "shape", shape, "");
		}
		if (mn->is_seed) {
			char pw[] = "3";
			agsafeset(gn[i], "penwidth", pw, "");
		}
	}
	for (size_t i = 0; i < mg->n_edges; i++) {
		const struct medge *e = &mg->edges[i];
		Agedge_t *ge = agedge(g, gn[e->from], gn[e->to], NULL, 1);
		char tip[64], b[32];
		if (e->n > 0) {
			char lb[32];
			snprintf(lb, sizeof(lb), "%" PRIu32, e->n);
			if (use_dot)
				agsafeset(ge, "label", lb, "");
		}
		snprintf(tip, sizeof(tip), "%s%s%s", e->n ? "clients: " : "",
		    e->has_blind ? "\u2265" : "", rk_human_bytes(e->bytes, b, sizeof(b)));
		agsafeset(ge, "tooltip", tip, "");
	}
	free(gn);
	if (gvLayout(p->w->gvc, g, use_dot ? "dot" : "sfdp") != 0 ||
	    gvRenderData(p->w->gvc, g, "svg", &data, &dlen) != 0) {
		agclose(g);
		rk_err_set(err, RK_E_IO, "graphviz could not lay out the map");
		return NULL;
	}
	gvFreeLayout(p->w->gvc, g);
	agclose(g);
	/* Drop the XML prolog and doctype: the SVG goes inline into the page. */
	start = data != NULL ? strstr(data, "<svg") : NULL;
	if (start == NULL) {
		gvFreeRenderData(data);
		rk_err_set(err, RK_E_IO, "graphviz produced no SVG");
		return NULL;
	}
	*len = dlen - (size_t)(start - data);
	out = malloc(*len + 1);
	if (out != NULL) {
		memcpy(out, start, *len);
		out[*len] = '\0';
	}
	gvFreeRenderData(data);
	return out;
}

static void
cache_key(struct rk_page *p, const struct rk_web_map_filter *mf, char *buf, size_t len)
{
	char a[RK_ADDR_STRLEN] = "";

	if (mf->has_net)
		rk_addr_format_net(mf->net, a, sizeof(a));
	else if (mf->has_host)
		rk_addr_format(mf->host, a, sizeof(a));
	else if (mf->has_svc)
		rk_addr_format(mf->svc.ip, a, sizeof(a));
	snprintf(buf, len, "%d%d%d%d%d|%s|%u|%u|%s", p->is_export, mf->has_net, mf->has_host,
	    mf->has_svc, mf->infra, a, mf->svc.proto, mf->svc.port, p->range);
}

/* A copy of the cached SVG under key, or NULL (absent, or out of memory). */
static char *
cache_copy(struct rk_page *p, const char *key, size_t *len)
{
	struct rk_web_snap *s = p->s;
	char *out = NULL;

	pthread_mutex_lock(&p->w->mu);
	for (int i = 0; i < RK_WEB_MAP_CACHE; i++) {
		if (s->maps[i].svg != NULL && strcmp(s->maps[i].key, key) == 0) {
			if ((out = malloc(s->maps[i].len + 1)) != NULL) {
				memcpy(out, s->maps[i].svg, s->maps[i].len + 1);
				*len = s->maps[i].len;
			}
			break;
		}
	}
	pthread_mutex_unlock(&p->w->mu);
	return out;
}

/* Keep a copy of svg under key in the next round-robin slot (dropped if out of memory). */
static void
cache_put(struct rk_page *p, const char *key, const char *svg, size_t len)
{
	struct rk_web_snap *s = p->s;
	struct rk_web_svg *slot;
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return;
	memcpy(copy, svg, len + 1);
	pthread_mutex_lock(&p->w->mu);
	slot = &s->maps[s->next_map];
	s->next_map = (s->next_map + 1) % RK_WEB_MAP_CACHE;
	free(slot->svg);
	slot->svg = copy;
	slot->len = len;
	snprintf(slot->key, sizeof(slot->key), "%s", key);
	pthread_mutex_unlock(&p->w->mu);
}

/* Lay out g: expensive, so behind the gate, and Graphviz one at a time. */
static char *
layout(struct rk_page *p, struct mgraph *g, size_t *len, struct rk_err *err)
{
	char *svg;

	if (rk_web_gate_enter(&p->w->gate, err) != 0)
		return NULL;
	pthread_mutex_lock(&p->w->gv_mu);
	svg = render_svg(p, g, len, err);
	pthread_mutex_unlock(&p->w->gv_mu);
	rk_web_gate_leave(&p->w->gate);
	return svg;
}

/*
 * The map of p's snapshot under filter mf, as SVG (no prolog), malloc'd
 * for the caller (a copy of the snapshot's cache, which another thread
 * may overwrite).  OUT len.  NULL with err if Graphviz failed, memory ran
 * out, or (RK_E_BUSY) too many layouts already run.
 */
char *
rk_web_map_svg(struct rk_page *p, const struct rk_web_map_filter *mf, size_t *len,
    struct rk_err *err)
{
	struct mgraph g;
	char key[160], *svg;

	cache_key(p, mf, key, sizeof(key));
	if ((svg = cache_copy(p, key, len)) != NULL)
		return svg;
	build(&g, p->s, mf);
	if (!g.nomem)
		svg = layout(p, &g, len, err);
	mgraph_fini(&g);
	if (svg == NULL) {
		if (err != NULL && err->code == 0)
			rk_err_set(err, RK_E_NOMEM, "out of memory drawing the map");
		return NULL;
	}
	cache_put(p, key, svg, *len);
	return svg;
}

/* The node of host ip (seed: drawn bold), or -1 if the snapshot lacks it. */
static int32_t
host_node_of(struct mgraph *g, const uint8_t ip[RK_ADDR_LEN], int is_seed)
{
	ssize_t hi = rk_web_host_find(g->s, ip);
	int32_t n = hi >= 0 ? add_node(g, MN_HOST, (uint32_t)hi) : -1;

	if (n >= 0 && is_seed)
		g->nodes[n].is_seed = 1;
	return n;
}

/*
 * Just the affected part of an impact result r: the failed services'
 * servers (bold), each degraded server with an edge to the server whose
 * failure reached it, affected servers likewise, and affected users as
 * their networks (the edge counts them).  Users lost with a target are
 * not drawn.
 */
static void
build_impact(struct mgraph *g, const struct rk_web_snap *s, const struct rk_impact *r)
{
	if (mgraph_init(g, s) != 0)
		return;
	for (size_t i = 0; i < r->n_svcs; i++) {
		const struct rk_impact_svc *v = &r->svcs[i];
		int32_t n = host_node_of(g, v->key.ip, v->depth == 0);
		if (v->via >= 0)
			add_edge(g, n, host_node_of(g, r->svcs[v->via].key.ip, 0), 0, 0, 0);
	}
	for (size_t i = 0; i < r->n_hosts; i++) {
		const struct rk_impact_host *h = &r->hosts[i];
		uint8_t pfx[RK_ADDR_LEN];
		ssize_t ni;
		int32_t to;
		if (h->lost || h->via < 0)
			continue;
		to = host_node_of(g, r->svcs[h->via].key.ip, 0);
		if (h->role == RK_IMPACT_SERVER) {
			add_edge(g, host_node_of(g, h->ip, 0), to, 0, 0, 0);
			continue;
		}
		rk_web_net_of(h->ip, pfx);
		if ((ni = rk_web_net_find(s, pfx)) >= 0)
			add_edge(g, add_node(g, MN_NET, (uint32_t)ni), to, 0, 1, 0);
	}
	merge_edges(g);
}

/*
 * The map of just the affected part of impact result r (borrowed), as
 * SVG (no prolog), malloc'd for the caller; OUT len.  Not cached (keyed
 * by targets, it would rarely be asked twice).  Laid out behind the gate.
 * NULL with err as rk_web_map_svg.
 */
char *
rk_web_map_impact_svg(struct rk_page *p, const struct rk_impact *r, size_t *len,
    struct rk_err *err)
{
	struct mgraph g;
	char *svg = NULL;

	build_impact(&g, p->s, r);
	if (!g.nomem && g.n_nodes > 0)
		svg = layout(p, &g, len, err);
	mgraph_fini(&g);
	if (svg == NULL && err != NULL && err->code == 0)
		rk_err_set(err, RK_E_NOMEM, g.n_nodes == 0 ? "nothing to draw" :
		    "out of memory drawing the map");
	return svg;
}

/* The same graph as JSON: {"nodes": [...], "edges": [...]}. */
void
rk_web_map_json(struct rk_page *p, const struct rk_web_map_filter *mf)
{
	const struct rk_web_snap *s = p->s;
	struct rk_json j;
	struct mgraph g;

	build(&g, s, mf);
	rk_json_init(&j, p->f);
	rk_json_obj(&j);
	rk_json_key(&j, "nodes");
	rk_json_arr(&j);
	for (size_t i = 0; i < g.n_nodes; i++) {
		const struct mnode *mn = &g.nodes[i];
		char a[RK_ADDR_STRLEN];
		rk_json_obj_inline(&j);
		rk_json_kstr(&j, "id", (snprintf(a, sizeof(a), "%c%" PRIu32,
		    mn->kind == MN_HOST ? 'h' : 'n', mn->idx), a));
		rk_json_kstr(&j, "kind", mn->kind == MN_HOST ? "host" : "network");
		if (mn->kind == MN_HOST) {
			const struct rk_host *h = s->m.hosts[mn->idx];
			const char *name = rk_web_host_name(s, h->ip);
			rk_json_kstr(&j, "ip", rk_addr_format(h->ip, a, sizeof(a)));
			rk_json_key(&j, "name");
			if (name != NULL)
				rk_json_str(&j, name);
			else
				rk_json_null(&j);
			rk_json_ku64(&j, "services", h->n_services);
			rk_json_key(&j, "infrastructure");
			rk_json_bool(&j, s->is_infra[mn->idx]);
		} else {
			const struct rk_web_net *n = &s->nets[mn->idx];
			rk_json_kstr(&j, "network", rk_addr_format_net(n->prefix, a, sizeof(a)));
			rk_json_ku64(&j, "hosts", n->n_hosts);
		}
		rk_json_key(&j, "seed");
		rk_json_bool(&j, mn->is_seed);
		rk_json_end(&j, '}');
	}
	rk_json_end(&j, ']');
	rk_json_key(&j, "edges");
	rk_json_arr(&j);
	for (size_t i = 0; i < g.n_edges; i++) {
		char a[24], b[24];
		const struct mnode *f = &g.nodes[g.edges[i].from], *t = &g.nodes[g.edges[i].to];
		rk_json_obj_inline(&j);
		snprintf(a, sizeof(a), "%c%" PRIu32, f->kind == MN_HOST ? 'h' : 'n', f->idx);
		snprintf(b, sizeof(b), "%c%" PRIu32, t->kind == MN_HOST ? 'h' : 'n', t->idx);
		rk_json_kstr(&j, "from", a);
		rk_json_kstr(&j, "to", b);
		rk_json_ku64(&j, "bytes", g.edges[i].bytes);
		if (g.edges[i].has_blind) {
			rk_json_key(&j, "lower_bound");
			rk_json_bool(&j, 1);
		}
		if (g.edges[i].n > 0)
			rk_json_ku64(&j, "clients", g.edges[i].n);
		rk_json_end(&j, '}');
	}
	rk_json_end(&j, ']');
	rk_json_key(&j, "truncated");
	rk_json_bool(&j, g.nomem);
	rk_json_end(&j, '}');
	fputc('\n', p->f);
	mgraph_fini(&g);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/web_int.h - private to src/web: the snapshot of one time range, the
 * page context and the HTML helpers.
 */
#ifndef RK_WEB_WEB_INT_H
#define RK_WEB_WEB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/types.h>

#include "report/view.h"
#include "web/web.h"

/* One /24 (IPv4) or /64 (IPv6) network: a run of hosts in address order. */
struct rk_web_net {
	uint8_t prefix[RK_ADDR_LEN]; /* the network address (host bits zero) */
	size_t first;                /* index of its first host in the model */
	size_t n_hosts;              /* hosts in it */
	uint32_t n_servers;          /* hosts offering at least one service */
	uint64_t bytes;              /* sent + received by its hosts */
};

/* A server host using another server host (aggregated over ports). */
struct rk_web_dep {
	uint32_t client;   /* host index of the using server */
	uint32_t server;   /* host index of the used server */
	uint64_t bytes;    /* both directions, as seen */
	uint8_t has_blind; /* a session hid a direction: bytes is a lower bound */
	uint8_t pad[7];
};

/* A cached rendering of the map (SVG), keyed by its filter. */
struct rk_web_svg {
	char key[160]; /* filter and link mode */
	char *svg;     /* malloc'd SVG text, NULL = slot empty */
	size_t len;    /* bytes */
};

#define RK_WEB_MAP_CACHE 8
#define RK_WEB_TOP 15

/*
 * Everything the pages of one time range need; immutable once built,
 * except its map cache (maps, next_map) and refs, last_use, is_cached,
 * which only change under the web context's lock.
 */
struct rk_web_snap {
	uint64_t since_us, until_us;  /* the range ([since, until), 0 = open) */
	uint64_t version;             /* source version when loaded */
	uint64_t last_use;            /* LRU tick */
	unsigned refs;                /* holders (rk_web_snap_get .. rk_web_snap_put) */
	bool is_cached;               /* in w->snaps; else freed by the last put */
	struct rk_web_loaded l;       /* the loaded aggregates */
	struct rk_report_view m;            /* sorted views */
	struct rk_web_net *nets;      /* networks in address order */
	size_t n_nets;
	struct rk_report_figures fig; /* the summary's figures (report/view.h) */
	uint64_t bytes;               /* total service traffic, as seen */
	struct rk_service **top;      /* services by clients, then bytes (all) */
	struct rk_service **newest;   /* services by first seen, newest first (all) */
	struct rk_edge **new_edges;   /* the RK_WEB_TOP newest dependencies */
	size_t n_new_edges;
	struct rk_web_dep *deps;      /* server-to-server, by (client, server) */
	size_t n_deps;
	uint8_t *is_infra;            /* per host: used by many servers (DNS, NTP...) */
	struct rk_web_svg maps[RK_WEB_MAP_CACHE]; /* rendered maps */
	size_t next_map;              /* round-robin slot */
};

#define RK_WEB_SNAPS 4

/*
 * A counting semaphore for expensive work (snapshot builds, map layouts):
 * at most max_run at once, at most max_wait more waiting up to wait_ms;
 * anyone beyond is told "busy" at once, so the server's threads are never
 * all parked behind slow work and cached pages keep answering.
 */
struct rk_web_gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* signalled when a runner leaves */
	unsigned n_run, n_wait; /* now running / waiting */
	unsigned max_run, max_wait;
	unsigned wait_ms;
};
int rk_web_gate_init(struct rk_web_gate *g, unsigned max_run, unsigned max_wait, unsigned wait_ms);
void rk_web_gate_fini(struct rk_web_gate *g);
int rk_web_gate_enter(struct rk_web_gate *g, struct rk_err *err);
void rk_web_gate_leave(struct rk_web_gate *g);

/*
 * The web context, shared by every server thread.  Lock order (never
 * taken the other way): src_mu, then mu; gv_mu alone; names_rw is read
 * by page rendering and written only by loads of a source whose loads
 * change state pages read (src.is_exclusive: the capture source's
 * shared names table).  version is read from the source only when
 * src_mu is free (a load running means the data is being read anyway),
 * else last_version is used, so a cached page never waits for a load.
 */
struct rk_web {
	struct rk_web_source src;     /* borrowed callbacks; under src_mu */
	const char *version;          /* renkei version */
	pthread_mutex_t mu;           /* snaps, tick, snapshots' refs and map caches */
	pthread_mutex_t src_mu;       /* the data source (one store handle) */
	pthread_mutex_t gv_mu;        /* Graphviz, which is not thread-safe */
	pthread_rwlock_t names_rw;    /* see above */
	struct rk_web_gate gate;      /* expensive work */
	struct rk_web_snap *snaps[RK_WEB_SNAPS]; /* cache by range; under mu */
	uint64_t tick;                /* LRU clock; under mu */
	uint64_t last_version;        /* last source version read; under mu */
	void *gvc;                    /* GVC_t, created on first map; under gv_mu */
	const struct rk_sites *sites; /* --sites for impact pages, may be NULL; borrowed */
};

/* How a page links: to server routes or to exported files. */
struct rk_page {
	FILE *f;                     /* output */
	struct rk_web *w;
	struct rk_web_snap *s;
	bool is_export;              /* links to files, no forms */
	char range[64];              /* "since=S&until=U" or "" (server mode) */
};

/*
 * The Content-Security-Policy of every page: served as a header (with
 * frame-ancestors 'none' added, which a meta tag cannot carry) and
 * written as a meta tag into exported pages, which have no header.
 */
#define RK_WEB_CSP_META "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'"

/* html.c */
void rk_html_text(FILE *f, const char *s);
void rk_html_attr(FILE *f, const char *s);
void rk_html_urlenc(FILE *f, const char *s);
int rk_web_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int rk_web_parse_time(const char *s, uint64_t *out_us);
int rk_web_parse_proto(const char *s, uint8_t *proto);
int rk_web_parse_net(const char *s, uint8_t out[RK_ADDR_LEN]);
int rk_web_parse_svc(const char *ip, const char *proto, const char *port, struct rk_ep_key *k);
void rk_web_net_of(const uint8_t ip[RK_ADDR_LEN], uint8_t out[RK_ADDR_LEN]);

/* snap.c */
struct rk_web_snap *rk_web_snap_get(struct rk_web *w, uint64_t since, uint64_t until,
    struct rk_err *err);
void rk_web_snap_put(struct rk_web *w, struct rk_web_snap *s);
void rk_web_snap_free(struct rk_web_snap *s);
ssize_t rk_web_host_find(const struct rk_web_snap *s, const uint8_t ip[RK_ADDR_LEN]);
ssize_t rk_web_net_find(const struct rk_web_snap *s, const uint8_t prefix[RK_ADDR_LEN]);
ssize_t rk_web_svc_find(const struct rk_web_snap *s, const struct rk_ep_key *k);
size_t rk_web_edges_from(const struct rk_web_snap *s, const uint8_t ip[RK_ADDR_LEN],
    size_t *first);
size_t rk_web_edges_to(const struct rk_web_snap *s, const struct rk_ep_key *k, size_t *first);
size_t rk_web_svcs_of(const struct rk_web_snap *s, const uint8_t ip[RK_ADDR_LEN],
    size_t *first);
const char *rk_web_host_name(const struct rk_web_snap *s, const uint8_t ip[RK_ADDR_LEN]);
const char *rk_web_svc_label(const struct rk_web_snap *s, const struct rk_ep_key *k, char *buf,
    size_t len);

/* Map filter (map.c). */
struct rk_web_map_filter {
	bool has_net, has_host, has_svc; /* which filter is set (at most one) */
	uint8_t net[RK_ADDR_LEN];        /* network prefix */
	uint8_t host[RK_ADDR_LEN];       /* host */
	struct rk_ep_key svc;            /* service */
	bool infra;                      /* show edges to infrastructure servers */
};
char *rk_web_map_svg(struct rk_page *p, const struct rk_web_map_filter *mf, size_t *len,
    struct rk_err *err);
void rk_web_map_json(struct rk_page *p, const struct rk_web_map_filter *mf);
struct rk_impact;
char *rk_web_map_impact_svg(struct rk_page *p, const struct rk_impact *r, size_t *len,
    struct rk_err *err);

/* pages.c: one function per page; 0, or >0 = 404 (message written to err). */
int rk_page_overview(struct rk_page *p);
int rk_page_networks(struct rk_page *p);
int rk_page_network(struct rk_page *p, const uint8_t prefix[RK_ADDR_LEN], struct rk_err *err);
struct rk_hosts_q {
	const char *q;       /* substring of address or name, may be NULL */
	int sort;            /* RK_HSORT_* */
	bool desc;           /* descending */
	uint64_t page;       /* 1-based */
	uint64_t per_page;   /* rows per page */
	bool servers_only;   /* only hosts offering services */
};
enum { RK_HSORT_IP, RK_HSORT_NAME, RK_HSORT_SERVICES, RK_HSORT_USED, RK_HSORT_BYTES,
	RK_HSORT_FIRST, RK_HSORT_LAST, RK_HSORT__COUNT };
int rk_web_parse_sort(const char *s, int *sort);
const char *rk_web_sort_name(int sort);
size_t rk_web_hosts_select(const struct rk_web_snap *s, const struct rk_hosts_q *q,
    uint32_t **out);
int rk_page_hosts(struct rk_page *p, const struct rk_hosts_q *q);
int rk_page_host(struct rk_page *p, const uint8_t ip[RK_ADDR_LEN], struct rk_err *err);
int rk_page_service(struct rk_page *p, const struct rk_ep_key *k, struct rk_err *err);
int rk_page_map(struct rk_page *p, const struct rk_web_map_filter *mf, struct rk_err *err);
/* The legend's end, the zoom buttons and svg (freed) in the map's box. */
void rk_page_map_svg(struct rk_page *p, char *svg, size_t len);
void rk_page_error(struct rk_page *p, int status, const char *msg);
void rk_page_head(struct rk_page *p, const char *title, const char *cur);
void rk_page_foot(struct rk_page *p);
void rk_page_host_link(struct rk_page *p, const uint8_t ip[RK_ADDR_LEN]);
void rk_page_svc_link(struct rk_page *p, const struct rk_ep_key *k);
void rk_page_svc_at_link(struct rk_page *p, const struct rk_ep_key *k);
void rk_page_td_count(struct rk_page *p, uint64_t v);

/* The impact and needs query (?target=T&target=T2 ...&depth=N). */
#define RK_WEB_IMPACT_MAX 64
struct rk_web_impact_q {
	bool needs;                                /* /needs, /api/needs */
	int depth;                                 /* 1..1000, 0 = all */
	char buf[1024];                            /* the targets, NUL-separated */
	const char *targets[RK_WEB_IMPACT_MAX];    /* into buf */
	size_t n_targets;
};
/* impact.c: 0, or <0 (-RK_E_INVAL: a bad target, err says which; -RK_E_BUSY). */
int rk_page_impact(struct rk_page *p, const struct rk_web_impact_q *q, struct rk_err *err);
int rk_api_impact(struct rk_page *p, const struct rk_web_impact_q *q, struct rk_err *err);

/* guard.c: header deadlines and the log limit (see there). */
struct rk_web_conn {
	int fd;            /* the connection's socket, -1 = slot free */
	bool is_busy;      /* a request is being answered: no deadline */
	bool is_cut;       /* shut down by the sweep, awaiting close */
	uint64_t start_ms; /* connected, or last answer done (monotonic ms) */
};
struct rk_web_conns {
	pthread_mutex_t mu;
	struct rk_web_conn *v;
	size_t max;
	unsigned timeout_ms; /* headers must be complete this long after start_ms */
	uint64_t n_cut;      /* connections shut down so far */
};
struct rk_web_log {
	pthread_mutex_t mu;
	uint64_t window_ms;   /* start of the current second */
	unsigned n_in_window; /* lines printed in it */
	uint64_t n_dropped;   /* lines not printed in it */
};
uint64_t rk_web_now_ms(void);
int rk_web_conns_init(struct rk_web_conns *t, size_t max, unsigned timeout_ms);
void rk_web_conns_fini(struct rk_web_conns *t);
struct rk_web_conn *rk_web_conns_add(struct rk_web_conns *t, int fd);
void rk_web_conns_del(struct rk_web_conns *t, struct rk_web_conn *c);
void rk_web_conns_busy(struct rk_web_conns *t, struct rk_web_conn *c, bool is_busy);
size_t rk_web_conns_sweep(struct rk_web_conns *t);
void rk_web_log_mhd(void *cls, const char *fmt, va_list ap);
void rk_web_log_flush(struct rk_web_log *l);

/* query.c: parameters through a lookup (MHD's, or the fuzzer's table). */
struct rk_web_args {
	const char *(*get)(void *ctx, const char *key); /* decoded value, or NULL */
	void *ctx;
};
int rk_web_query_range(const struct rk_web_args *a, uint64_t *since, uint64_t *until,
    const char **why);
int rk_web_query_hosts(const struct rk_web_args *a, struct rk_hosts_q *q, const char **why);
int rk_web_query_map(const struct rk_web_args *a, struct rk_web_map_filter *mf, const char **why);
int rk_web_query_impact(const char *const *values, size_t n_values, const char *depth,
    struct rk_web_impact_q *q, const char **why);
int rk_web_uri_has_nul(const char *raw);
int rk_web_host_allowed(const char *h, const char *const *names, int n);

/* api.c */
void rk_api_summary(struct rk_page *p);
void rk_api_networks(struct rk_page *p);
int rk_api_network(struct rk_page *p, const uint8_t prefix[RK_ADDR_LEN], struct rk_err *err);
void rk_api_hosts(struct rk_page *p, const struct rk_hosts_q *q);
int rk_api_host(struct rk_page *p, const uint8_t ip[RK_ADDR_LEN], struct rk_err *err);
int rk_api_service(struct rk_page *p, const struct rk_ep_key *k, struct rk_err *err);

/* assets (generated from assets/). */
struct rk_web_asset {
	const char *name; /* file name */
	const char *type; /* MIME type */
	const unsigned char *data;
	size_t len;
};
extern const struct rk_web_asset rk_web_assets[];

#endif /* RK_WEB_WEB_INT_H */

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

/* Everything the pages of one time range need; immutable once built. */
struct rk_web_snap {
	uint64_t since_us, until_us;  /* the range ([since, until), 0 = open) */
	uint64_t version;             /* source version when loaded */
	uint64_t last_use;            /* LRU tick */
	struct rk_web_loaded l;       /* the loaded aggregates */
	struct rk_report_view m;            /* sorted views */
	struct rk_web_net *nets;      /* networks in address order */
	size_t n_nets;
	size_t n_nets_v4, n_nets_v6;  /* networks by family */
	size_t n_server_hosts;        /* hosts offering a service */
	uint64_t bytes;               /* total service traffic, as seen */
	uint64_t blind[2];            /* sessions seen without their c2s / s2c direction */
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

struct rk_web {
	struct rk_web_source src;     /* borrowed callbacks */
	const char *version;          /* renkei version */
	struct rk_web_snap *snaps[RK_WEB_SNAPS]; /* cache by range */
	uint64_t tick;                /* LRU clock */
	void *gvc;                    /* GVC_t, created on first map */
};

/* How a page links: to server routes or to exported files. */
struct rk_page {
	FILE *f;                     /* output */
	struct rk_web *w;
	struct rk_web_snap *s;
	bool is_export;              /* links to files, no forms */
	char range[64];              /* "since=S&until=U" or "" (server mode) */
};

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
const char *rk_web_map_svg(struct rk_page *p, const struct rk_web_map_filter *mf, size_t *len,
    struct rk_err *err);
void rk_web_map_json(struct rk_page *p, const struct rk_web_map_filter *mf);

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
void rk_page_error(struct rk_page *p, int status, const char *msg);

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

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/web.h - the web report (SPEC §3.4, fig. 10): `renkei serve` and the
 * static export (`renkei report --html DIR`).
 *
 * Pages and the JSON API are rendered from an in-memory snapshot of one
 * time range (a classifier filled by a data source, plus sorted views).
 * The data source is a pair of callbacks so the web code does not care
 * whether the aggregates come from the store (rk_store_load) or from an
 * analysis run on captures (demo and tests).  One renderer serves both
 * the HTTP server and the export.
 */
#ifndef RK_WEB_WEB_H
#define RK_WEB_WEB_H

#include <signal.h>
#include <stdint.h>

#include "classify/classify.h"
#include "names/names.h"
#include "names/sites.h"
#include "pipeline/stats.h"
#include "util/err.h"
#include "util/map.h"

/* A key of the per-hour service traffic map (struct rk_web_hour). */
struct rk_web_hour_key {
	struct rk_ep_key svc; /* the service */
	uint64_t hour;        /* µs / 3600e6, packet time */
};

/* Traffic of one service in one hour. */
struct rk_web_hour {
	struct rk_web_hour_key key;
	uint64_t bytes;     /* both directions, as seen */
	uint8_t has_blind;  /* a session of it hid a direction: bytes is a lower bound */
	uint8_t pad[7];
};

/* What a data source fills for one time range; owned by the web cache. */
struct rk_web_loaded {
	struct rk_classifier *c;      /* services, edges, hosts (and endpoints if known) */
	struct rk_names *names;       /* host and service names, may be NULL */
	struct rk_pipeline_stats st;  /* summary of the runs in the range */
	struct rk_map hours;          /* struct rk_web_hour by key; may be empty */
	void *priv;                   /* the source's own, for release */
	void (*release)(struct rk_web_loaded *l); /* frees everything above */
};

/* Where the data comes from. */
struct rk_web_source {
	/* Load [since_us, until_us) (0 = unbounded) into out.  0 or <0 with err. */
	int (*load)(void *user, uint64_t since_us, uint64_t until_us, struct rk_web_loaded *out,
	    struct rk_err *err);
	/* A number that changes whenever the data changes (cache invalidation). */
	uint64_t (*version)(void *user);
	/* Free the source's state (rk_web_source_close). */
	void (*close)(void *user);
	void *user;
	/*
	 * Loads change state that loaded snapshots share (the capture
	 * source's names table): no page may render while one runs.
	 */
	int is_exclusive;
};

/* Options of the HTTP server. */
struct rk_web_opts {
	const char *listen;      /* "ADDR:PORT" ("[v6]:PORT"); port 0 picks a free one */
	const char *auth_token;  /* bearer token / ?token=, may be NULL */
	const char *auth_basic;  /* "user:password" for basic auth, may be NULL */
	const char *tls_cert;    /* PEM file, with tls_key enables HTTPS */
	const char *tls_key;     /* PEM file */
	const char *version;     /* renkei version shown in the footer */
	/*
	 * Called once the listening socket is bound and before any serving
	 * thread starts (the sandbox: daemon/sandbox.c, wired by cmd_serve.c);
	 * <0 stops rk_web_serve with that code.  NULL: nothing.
	 */
	int (*confine)(void *arg, struct rk_err *err);
	void *confine_arg;
	const char *const *allow_hosts; /* more names accepted in Host (--allow-host) */
	int n_allow_hosts;
	unsigned max_conns_per_ip;  /* connections per client address; 0 = 64 */
	unsigned header_timeout;    /* s from connect (or last answer) to complete headers; 0 = 10 */
	unsigned n_threads;         /* server threads; 0 = 8 */
	unsigned max_expensive;     /* concurrent snapshot builds and map layouts; 0 = 2 */
};

struct rk_web;

/* A web context over a data source (borrowed for the context's life). */
struct rk_web *rk_web_new(const struct rk_web_source *src, const char *version);
void rk_web_free(struct rk_web *w);
/* Sites for the impact pages (borrowed for w's life); NULL: /24 and /64 networks. */
void rk_web_set_sites(struct rk_web *w, const struct rk_sites *sites);
/*
 * Serve until *stop becomes non-zero.  on_listen, if not NULL, is called
 * with the bound port once listening.  0 or <0 with err.
 */
/* Is listen a usable ADDR:PORT, and a loopback one (*is_loopback)?  0 or -RK_E_INVAL + err. */
int rk_web_listen_check(const char *listen, int *is_loopback, struct rk_err *err);
int rk_web_serve(struct rk_web *w, const struct rk_web_opts *o, volatile sig_atomic_t *stop,
    void (*on_listen)(void *arg, unsigned port), void *arg, struct rk_err *err);
/* Write every page, the map and the assets of [since, until) into dir: files written, or <0. */
int rk_web_export(struct rk_web *w, const char *dir, uint64_t since_us, uint64_t until_us,
    struct rk_err *err);
/* A data source that analyses capture files (demo and tests). */
int rk_web_pcap_source(struct rk_web_source *src, char **files, int n_files,
    struct rk_names *names, struct rk_err *err);
/*
 * A data source over the store at url (store.h: "sqlite:PATH" or a bare
 * path), opened read-only; it reads only through the store interface.  names_new, if
 * not NULL, makes the names table of each load (service names from files);
 * the store adds the host names it keeps.
 */
int rk_web_store_source(struct rk_web_source *src, const char *url,
    struct rk_names *(*names_new)(void *arg), void *names_arg, struct rk_err *err);
/* Free a source's state; NULL callbacks are fine. */
void rk_web_source_close(struct rk_web_source *src);

#endif /* RK_WEB_WEB_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * impact/impact.h - what fails if targets fail, and what targets need:
 * walks over the dependency graph of a model (model/model.h).
 *
 * Impact (SPEC §8, the paper's motivation): the services on the targets
 * fail (depth 0).  Every client of a failed or degraded service is
 * affected one level deeper; a client that offers services of its own
 * degrades them, and their clients are affected in turn, to any depth
 * (or max_depth).  Soft services (syslog, NTP, SNMP traps, ...: a server
 * does not stop when its log server does) affect their clients but do
 * not propagate.  Hosts inside a target are lost with it, never counted
 * as affected.  Each affected item keeps the item that reached it (via),
 * so its chain can be printed: db01:5432 <- app01:8080 <- web01:80 <- 7
 * users.
 *
 * Needs is the reverse walk: the services the targets use, the services
 * their servers use in turn, ..., soft ones not followed further.
 *
 * Both are breadth-first over indexes built once per call (services by
 * host, edges by server and by client: sorted arrays, binary search):
 * O((services + edges) log edges).  Results are arrays owned by the
 * caller (rk_impact_free).
 */
#ifndef RK_IMPACT_IMPACT_H
#define RK_IMPACT_IMPACT_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "names/names.h"
#include "names/sites.h"
#include "util/err.h"

/* What a user names as failed: prefixes (hosts are /32, /128), services, sites. */
#define RK_IMPACT_MAX_TARGETS 256
struct rk_impact_targets {
	struct {
		uint8_t net[RK_ADDR_LEN];
		int bits;
	} nets[RK_IMPACT_MAX_TARGETS];
	size_t n_nets;
	struct rk_ep_key svcs[RK_IMPACT_MAX_TARGETS];
	size_t n_svcs;
	char sites[RK_IMPACT_MAX_TARGETS][RK_SITE_NAME_MAX];
	size_t n_sites;
};

/* Services whose failure does not propagate: overrides of the built-in list. */
#define RK_IMPACT_MAX_OVERRIDES 64
struct rk_impact_opts {
	const struct rk_model *m;        /* the graph; borrowed */
	const struct rk_sites *sites;    /* may be NULL: sites are /24 and /64 networks */
	int max_depth;                   /* 0: unbounded */
	struct { uint8_t proto; uint16_t port; int soft; } overrides[RK_IMPACT_MAX_OVERRIDES];
	size_t n_overrides;              /* --soft / --hard, in order; the last one wins */
};

enum rk_impact_role { RK_IMPACT_USER = 0, RK_IMPACT_SERVER = 1 };

/* A failed (depth 0), degraded (impact) or needed (needs) service. */
struct rk_impact_svc {
	struct rk_ep_key key;
	int depth;
	long via;        /* impact: index in svcs of the service whose failure degraded it
	                  * (-1: failed itself); needs: index in hosts of who needs it */
	int soft;        /* its failure does not propagate */
	uint32_t n_clients;
};

/* A host lost (in a target), affected (impact) or needed (needs, a server). */
struct rk_impact_host {
	uint8_t ip[RK_ADDR_LEN];
	int depth;
	long via;        /* impact: index in svcs through which it was reached (-1: lost);
	                  * needs: index in svcs it serves (-1: a target) */
	enum rk_impact_role role;
	int lost;        /* inside a target */
};

struct rk_impact {
	struct rk_impact_svc *svcs;
	size_t n_svcs;
	struct rk_impact_host *hosts;
	size_t n_hosts;
};

/*
 * Parse one target: an address or prefix, IP:PORT/PROTO ([v6]:PORT/PROTO),
 * @site, or a host name (every address of the model's hosts that names
 * resolves to it).  Adds to t.  0, or <0 with err (unknown name or site,
 * bad syntax, too many targets).
 */
int rk_impact_add_target(struct rk_impact_targets *t, const char *arg, const struct rk_model *m,
    const struct rk_names *names, const struct rk_sites *sites, struct rk_err *err);
/* 1 if proto/port is soft under o (built-in list, then o's overrides). */
int rk_impact_is_soft(const struct rk_impact_opts *o, uint8_t proto, uint16_t port);
/* What fails if t fails.  0, or <0 with err (nothing in the model matches t, out of memory). */
int rk_impact_run(const struct rk_impact_opts *o, const struct rk_impact_targets *t,
    struct rk_impact *out, struct rk_err *err);
/* What t needs, transitively.  0, or <0 with err. */
int rk_impact_needs(const struct rk_impact_opts *o, const struct rk_impact_targets *t,
    struct rk_impact *out, struct rk_err *err);
void rk_impact_free(struct rk_impact *r);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report/impact_out.c - counting and writing an impact or needs result:
 * one writer for `renkei impact --json` (cli/cmd_impact.c) and the web's
 * /api/impact, /api/needs (web/api.c), so the two never drift apart.
 *
 * Counting follows the paper: users are affected hosts that serve
 * nothing, servers the affected hosts that serve something; hosts inside
 * a target are lost, counted per site apart from the affected.  Sites
 * are the --sites file's, else each /24 or /64 network.  The summary owns
 * its site rows (rk_report_impact_summary_free); the result and the
 * sites are borrowed.  Strings go through util/json.h (escaped to ASCII).
 */
#include <stdlib.h>
#include <string.h>

#include "report/impact_out.h"
#include "report/report.h"
#include "util/err.h"
#include "util/json.h"

static struct rk_impact_site_row *
site_row(struct rk_impact_summary *s, const char *name)
{
	struct rk_impact_site_row *v;

	for (size_t i = 0; i < s->n_sites; i++)
		if (strcmp(s->sites[i].name, name) == 0)
			return &s->sites[i];
	if ((v = realloc(s->sites, (s->n_sites + 1) * sizeof(*v))) == NULL)
		return NULL;
	s->sites = v;
	v = &s->sites[s->n_sites++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	return v;
}

static int
cmp_net(const void *x, const void *y)
{
	return memcmp(x, y, RK_ADDR_LEN);
}

/* Count one host into its site row and the totals.  0 or -1. */
static int
count_host(struct rk_impact_summary *s, const struct rk_sites *sites,
    const struct rk_impact_host *h)
{
	char buf[64];
	struct rk_impact_site_row *row = site_row(s, rk_sites_of(sites, h->ip, buf, sizeof(buf)));

	if (row == NULL)
		return -1;
	if (h->lost)
		s->lost++, row->lost++;
	else if (h->role == RK_IMPACT_SERVER)
		s->servers++, row->servers++;
	else
		s->users++, row->users++;
	return 0;
}

/*
 * Users, servers, lost hosts, networks and sites of r into s (OUT; free
 * it with rk_report_impact_summary_free, also after a failure).  r and
 * sites (may be NULL) are borrowed.  0 or -RK_E_NOMEM.
 * O(hosts * sites + hosts log hosts).
 */
int
rk_report_impact_summarise(const struct rk_impact *r, const struct rk_sites *sites,
    struct rk_impact_summary *s)
{
	uint8_t (*nets)[RK_ADDR_LEN] = malloc((r->n_hosts + 1) * RK_ADDR_LEN);

	memset(s, 0, sizeof(*s));
	if (nets == NULL)
		return -RK_E_NOMEM;
	for (size_t i = 0; i < r->n_hosts; i++) {
		const struct rk_impact_host *h = &r->hosts[i];
		int v4 = rk_addr_is_v4(h->ip);
		if (count_host(s, sites, h) < 0)
			return free(nets), -RK_E_NOMEM;
		memcpy(nets[i], h->ip, RK_ADDR_LEN);
		memset(nets[i] + (v4 ? 15 : 8), 0, v4 ? 1 : 8);
	}
	qsort(nets, r->n_hosts, RK_ADDR_LEN, cmp_net);
	for (size_t i = 0; i < r->n_hosts; i++)
		s->networks += i == 0 || memcmp(nets[i], nets[i - 1], RK_ADDR_LEN) != 0;
	free(nets);
	return 0;
}

/* Free s's site rows; s may be zeroed or half-filled.  No-op on NULL. */
void
rk_report_impact_summary_free(struct rk_impact_summary *s)
{
	if (s == NULL)
		return;
	free(s->sites);
	s->sites = NULL;
	s->n_sites = 0;
}

static void
svc_key(struct rk_json *j, const struct rk_ep_key *k)
{
	char pb[16];

	rk_json_kaddr(j, "ip", k->ip);
	rk_json_key(j, "proto");
	rk_json_str(j, rk_report_proto_name(k->proto, pb, sizeof(pb)));
	rk_json_key(j, "port");
	rk_json_u64(j, k->port);
}

static void
json_svc(struct rk_json *j, const struct rk_impact *r, const struct rk_impact_svc *v, int needs)
{
	rk_json_obj_inline(j);
	svc_key(j, &v->key);
	rk_json_key(j, "depth");
	rk_json_u64(j, (uint64_t)v->depth);
	rk_json_key(j, "soft");
	rk_json_bool(j, v->soft);
	rk_json_key(j, "via");
	if (v->via < 0) {
		rk_json_null(j);
	} else if (needs) {
		rk_json_obj_inline(j);
		rk_json_kaddr(j, "host", r->hosts[v->via].ip);
		rk_json_end(j, '}');
	} else {
		rk_json_obj_inline(j);
		svc_key(j, &r->svcs[v->via].key);
		rk_json_end(j, '}');
	}
	rk_json_end(j, '}');
}

static void
json_summary(struct rk_json *j, int needs, const struct rk_impact_summary *s)
{
	rk_json_key(j, "summary");
	rk_json_obj_inline(j);
	rk_json_key(j, needs ? "clients" : "users");
	rk_json_u64(j, s->users);
	rk_json_key(j, "servers");
	rk_json_u64(j, s->servers);
	rk_json_key(j, "networks");
	rk_json_u64(j, s->networks);
	rk_json_key(j, "sites");
	rk_json_u64(j, s->n_sites);
	rk_json_key(j, needs ? "targets" : "lost");
	rk_json_u64(j, s->lost);
	rk_json_end(j, '}');
}

static void
json_hosts(struct rk_json *j, int needs, const struct rk_impact *r, const struct rk_sites *sites)
{
	char buf[64];

	rk_json_key(j, needs ? "needed_hosts" : "affected_hosts");
	rk_json_arr(j);
	for (size_t i = 0; i < r->n_hosts; i++) {
		const struct rk_impact_host *h = &r->hosts[i];
		rk_json_obj_inline(j);
		rk_json_kaddr(j, "ip", h->ip);
		rk_json_key(j, "role");
		rk_json_str(j, h->lost ? (needs ? "target" : "lost") :
		    h->role == RK_IMPACT_SERVER ? "server" : "user");
		rk_json_key(j, "depth");
		rk_json_u64(j, (uint64_t)h->depth);
		rk_json_key(j, "site");
		rk_json_str(j, rk_sites_of(sites, h->ip, buf, sizeof(buf)));
		rk_json_end(j, '}');
	}
	rk_json_end(j, ']');
}

static void
json_sites(struct rk_json *j, int needs, const struct rk_impact_summary *s)
{
	rk_json_key(j, "sites");
	rk_json_arr(j);
	for (size_t i = 0; i < s->n_sites; i++) {
		rk_json_obj_inline(j);
		rk_json_key(j, "name");
		rk_json_str(j, s->sites[i].name);
		rk_json_key(j, needs ? "clients" : "users");
		rk_json_u64(j, s->sites[i].users);
		rk_json_key(j, "servers");
		rk_json_u64(j, s->sites[i].servers);
		rk_json_key(j, needs ? "targets" : "lost");
		rk_json_u64(j, s->sites[i].lost);
		rk_json_end(j, '}');
	}
	rk_json_end(j, ']');
}

/*
 * Write r as one JSON document (README.md, "What breaks if this goes
 * down") to f, with a newline: targets as given, the summary s (from
 * rk_report_impact_summarise over the same r and sites), the services,
 * hosts and per-site rows.  needs: the needs document's names.  All
 * borrowed; O(services + hosts + sites).
 */
void
rk_report_impact_json(FILE *f, int needs, const char *const *targets, size_t n_targets,
    const struct rk_impact *r, const struct rk_impact_summary *s, const struct rk_sites *sites)
{
	struct rk_json j;

	rk_json_init(&j, f);
	rk_json_obj(&j);
	rk_json_key(&j, "targets");
	rk_json_arr_inline(&j);
	for (size_t i = 0; i < n_targets; i++)
		rk_json_str(&j, targets[i]);
	rk_json_end(&j, ']');
	json_summary(&j, needs, s);
	for (int pass = needs ? 1 : 0; pass < 2; pass++) {
		rk_json_key(&j, needs ? "needed_services" : pass == 0 ? "failed_services" :
		    "affected_services");
		rk_json_arr(&j);
		for (size_t i = 0; i < r->n_svcs; i++)
			if (needs || (r->svcs[i].depth == 0) == (pass == 0))
				json_svc(&j, r, &r->svcs[i], needs);
		rk_json_end(&j, ']');
	}
	json_hosts(&j, needs, r, sites);
	json_sites(&j, needs, s);
	rk_json_end(&j, '}');
	fputc('\n', f);
}

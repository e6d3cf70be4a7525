/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/impact.c - "what breaks if this goes down" on the web: /impact and
 * /needs (pages), /api/impact and /api/needs (JSON), over the snapshot's
 * model with impact/impact.h.
 *
 *   targets (query.c) -> rk_impact_add_target each (a bad one: 400 naming
 *   it) -> the walk, behind the gate -> summary (report/impact_out.c)
 *   -> the JSON document of `renkei impact --json`, or the page.
 *
 * The JSON is report/impact_out.c's writer, so the API and the CLI answer
 * the same document.  The page ends with a map of just the affected part
 * (map.c).  The walk is O((services + edges) log edges) and
 * allocates its indexes, so it takes a place at the gate like a map
 * layout (503 when too much runs).  Nothing is cached: results are owned
 * here for the length of the request.  Every name is escaped (html.c,
 * util/json.h); the page has no inline script or style.
 */
#include <stdlib.h>
#include <string.h>

#include "impact/impact.h"
#include "report/impact_out.h"
#include "util/addr.h"
#include "util/human.h"
#include "web/web_int.h"

#define MAX_HOSTS_SHOWN 200

/* The walk of q over p's snapshot into r and s (both freed by the caller). */
static int
walk(struct rk_page *p, const struct rk_web_impact_q *q, struct rk_impact *r,
    struct rk_impact_summary *s, struct rk_err *err)
{
	struct rk_impact_targets *t = calloc(1, sizeof(*t));
	struct rk_impact_opts o = {0};
	int rc = 0;

	if (t == NULL)
		return rk_err_set(err, RK_E_NOMEM, "out of memory");
	o.m = rk_classify_model(p->s->l.c);
	o.sites = p->w->sites;
	o.max_depth = q->depth;
	if (q->n_targets == 0)
		rc = rk_err_set(err, RK_E_INVAL, "target: give at least one (an address, a prefix, "
		    "IP:PORT/PROTO, a host name or @site)");
	for (size_t i = 0; i < q->n_targets && rc == 0; i++)
		if (rk_impact_add_target(t, q->targets[i], o.m, p->s->l.names, o.sites, err) < 0)
			rc = -RK_E_INVAL;
	if (rc == 0 && (rc = rk_web_gate_enter(&p->w->gate, err)) == 0) {
		rc = q->needs ? rk_impact_needs(&o, t, r, err) : rk_impact_run(&o, t, r, err);
		rk_web_gate_leave(&p->w->gate);
		if (rc < 0 && err->code == RK_E_INVAL)
			rc = -RK_E_INVAL;
	}
	if (rc == 0 && rk_report_impact_summarise(r, o.sites, s) < 0)
		rc = rk_err_set(err, RK_E_NOMEM, "out of memory");
	free(t);
	return rc;
}

/*
 * GET /api/impact, /api/needs: the document of `renkei impact --json`
 * (`renkei needs --json`).  0, or <0 with err (-RK_E_INVAL: a bad or
 * unknown target, named in err; -RK_E_BUSY).
 */
int
rk_api_impact(struct rk_page *p, const struct rk_web_impact_q *q, struct rk_err *err)
{
	struct rk_impact r = {0};
	struct rk_impact_summary s = {0};
	int rc = walk(p, q, &r, &s, err);

	if (rc == 0)
		rk_report_impact_json(p->f, q->needs, q->targets, q->n_targets, &r, &s,
		    p->w->sites);
	rk_report_impact_summary_free(&s);
	rk_impact_free(&r);
	return rc;
}

/* ---- the page ---- */

/* The form: targets (space-separated), depth; "if these fail" or "what these need". */
static void
form(struct rk_page *p, const struct rk_web_impact_q *q)
{
	fputs("<form class=\"impact\" action=\"/impact\" method=\"get\"><label>targets "
	    "<input type=\"text\" name=\"target\" size=\"50\" placeholder=\"10.0.0.13 db01 "
	    "10.1.0.0/16 10.0.0.5:5432/tcp @site\" value=\"", p->f);
	for (size_t i = 0; i < q->n_targets; i++) {
		if (i > 0)
			fputc(' ', p->f);
		rk_html_attr(p->f, q->targets[i]);
	}
	fputs("\"></label> <label>depth <input type=\"number\" name=\"depth\" min=\"1\" "
	    "max=\"1000\" placeholder=\"all\" value=\"", p->f);
	if (q->depth > 0)
		fprintf(p->f, "%d", q->depth);
	fputs("\"></label>", p->f);
	if (p->s->since_us)
		fprintf(p->f, "<input type=\"hidden\" name=\"since\" value=\"%llu\">",
		    (unsigned long long)(p->s->since_us / 1000000));
	if (p->s->until_us)
		fprintf(p->f, "<input type=\"hidden\" name=\"until\" value=\"%llu\">",
		    (unsigned long long)(p->s->until_us / 1000000));
	fputs(" <button>If these fail</button> <button formaction=\"/needs\">What these "
	    "need</button></form>\n", p->f);
}

static void
count_row(struct rk_page *p, const char *k, uint64_t v)
{
	fprintf(p->f, "<tr><th>%s</th>", k);
	rk_page_td_count(p, v);
	fputs("</tr>\n", p->f);
}

/* The counts, then one row per site. */
static void
counts(struct rk_page *p, int needs, const struct rk_impact_summary *s)
{
	fputs("<table class=\"kv\" id=\"impact-counts\">\n", p->f);
	count_row(p, needs ? "clients" : "users", s->users);
	count_row(p, "servers", s->servers);
	count_row(p, "networks", s->networks);
	count_row(p, "sites", s->n_sites);
	count_row(p, needs ? "targets" : "lost with the targets", s->lost);
	fputs("</table>\n", p->f);
	fprintf(p->f, "<section><h2>Per site</h2>\n<table class=\"list\" id=\"impact-sites\">"
	    "<thead><tr><th>site</th><th>%s</th><th>servers</th><th>%s</th></tr></thead>"
	    "<tbody>\n", needs ? "clients" : "users", needs ? "targets" : "lost");
	for (size_t i = 0; i < s->n_sites; i++) {
		fputs("<tr><td>", p->f);
		rk_html_text(p->f, s->sites[i].name);
		fputs("</td>", p->f);
		rk_page_td_count(p, s->sites[i].users);
		rk_page_td_count(p, s->sites[i].servers);
		rk_page_td_count(p, s->sites[i].lost);
		fputs("</tr>\n", p->f);
	}
	fputs("</tbody></table></section>\n", p->f);
}

/* Service i and the services that reached it: "db01:5432 &larr; app01:8080 ...". */
static void
chain(struct rk_page *p, const struct rk_impact *r, long i)
{
	for (int n = 0; i >= 0 && n < 64; i = r->svcs[i].via, n++) {
		if (n > 0)
			fputs(" &larr; ", p->f);
		rk_page_svc_at_link(p, &r->svcs[i].key);
	}
}

static void
failed(struct rk_page *p, const struct rk_impact *r)
{
	fputs("<section><h2>Failed services</h2>\n<table class=\"list\" id=\"impact-failed\">"
	    "<thead><tr><th>service</th><th>server</th><th>clients</th><th></th></tr></thead>"
	    "<tbody>\n", p->f);
	for (size_t i = 0; i < r->n_svcs; i++) {
		if (r->svcs[i].depth != 0)
			continue;
		fputs("<tr><td>", p->f);
		rk_page_svc_link(p, &r->svcs[i].key);
		fputs("</td><td>", p->f);
		rk_page_host_link(p, r->svcs[i].key.ip);
		fputs("</td>", p->f);
		rk_page_td_count(p, r->svcs[i].n_clients);
		fprintf(p->f, "<td>%s</td></tr>\n", r->svcs[i].soft ? "soft: not passed on" : "");
	}
	fputs("</tbody></table></section>\n", p->f);
}

/* Affected services (impact) with their chains, or needed services (needs). */
static void
services(struct rk_page *p, int needs, const struct rk_impact *r)
{
	fprintf(p->f, "<section><h2>%s</h2>\n<table class=\"list\" id=\"impact-services\">"
	    "<thead><tr><th>depth</th><th>%s</th><th></th></tr></thead><tbody>\n",
	    needs ? "Needed services" : "Affected services, with the chain that reaches them",
	    needs ? "service (for whom)" : "chain");
	for (size_t i = 0; i < r->n_svcs; i++) {
		const struct rk_impact_svc *v = &r->svcs[i];
		if (!needs && v->depth == 0)
			continue;
		fprintf(p->f, "<tr><td class=\"num\">%d</td><td>", v->depth);
		if (needs) {
			rk_page_svc_at_link(p, &v->key);
			fputs(" (for ", p->f);
			rk_page_host_link(p, r->hosts[v->via].ip);
			fputs(")", p->f);
		} else {
			chain(p, r, (long)i);
		}
		fprintf(p->f, "</td><td>%s</td></tr>\n", v->soft ? (needs ? "soft: not followed" :
		    "soft: not passed on") : "");
	}
	fputs("</tbody></table></section>\n", p->f);
}

/* The affected (needed) hosts, the first MAX_HOSTS_SHOWN, then "... N more". */
static void
hosts(struct rk_page *p, int needs, const struct rk_impact *r)
{
	size_t shown = 0, n = 0;

	fprintf(p->f, "<section><h2>%s hosts</h2>\n<table class=\"list\" id=\"impact-hosts\">"
	    "<thead><tr><th>depth</th><th>role</th><th>host</th><th>%s</th></tr></thead>"
	    "<tbody>\n", needs ? "Needed" : "Affected", needs ? "" : "via");
	for (size_t i = 0; i < r->n_hosts; i++) {
		const struct rk_impact_host *h = &r->hosts[i];
		if (h->lost && !needs)
			continue;
		if (n++ >= MAX_HOSTS_SHOWN)
			continue;
		shown++;
		fprintf(p->f, "<tr><td class=\"num\">%d</td><td>%s</td><td>", h->depth,
		    h->lost ? "target" : h->role == RK_IMPACT_SERVER ? "server" : "user");
		rk_page_host_link(p, h->ip);
		fputs("</td><td>", p->f);
		if (!needs && h->via >= 0)
			rk_page_svc_at_link(p, &r->svcs[h->via].key);
		fputs("</td></tr>\n", p->f);
	}
	fputs("</tbody></table>\n", p->f);
	if (n > shown)
		fprintf(p->f, "<p class=\"more\">... %zu more</p>\n", n - shown);
	fputs("</section>\n", p->f);
}

/*
 * The map of just the affected part (impact only).  A map that cannot be
 * drawn now (the gate is full, Graphviz failed) is a note, not a failed
 * page: the tables above say it all.
 */
static void
affected_map(struct rk_page *p, const struct rk_impact *r)
{
	struct rk_err err = {0};
	size_t len = 0;
	char *svg = rk_web_map_impact_svg(p, r, &len, &err);

	fputs("<section><h2>Map of the affected part</h2>\n", p->f);
	if (svg == NULL) {
		fputs("<p class=\"note\">Not drawn: ", p->f);
		rk_html_text(p->f, err.msg);
		fputs("</p></section>\n", p->f);
		return;
	}
	fputs("<p class=\"legend\">bold: the failed servers; an arrow points to the server "
	    "whose failure reaches the node; client networks count their affected users "
	    "&middot; ", p->f);
	rk_page_map_svg(p, svg, len);
	fputs("</section>\n", p->f);
}

/* The title: "Impact of T1 T2" / "Needs of ...", cut to fit. */
static void
title_of(const struct rk_web_impact_q *q, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "%s", q->needs ? "Needs of" : "Impact of");

	for (size_t i = 0; i < q->n_targets && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, " %s", q->targets[i]);
	if (q->n_targets == 0)
		snprintf(buf, len, "%s", q->needs ? "What this needs" : "What breaks if this fails");
}

/*
 * GET /impact, /needs: the form, and for targets the counts, the per-site
 * table, the failed and affected (needed) services with their chains and
 * the hosts.  0, or <0 with err as rk_api_impact (nothing written then).
 */
int
rk_page_impact(struct rk_page *p, const struct rk_web_impact_q *q, struct rk_err *err)
{
	struct rk_impact r = {0};
	struct rk_impact_summary s = {0};
	char title[160];
	int rc = q->n_targets > 0 ? walk(p, q, &r, &s, err) : 0;

	if (rc == 0) {
		title_of(q, title, sizeof(title));
		rk_page_head(p, title, "impact");
		form(p, q);
		if (q->n_targets > 0) {
			counts(p, q->needs, &s);
			if (!q->needs)
				failed(p, &r);
			services(p, q->needs, &r);
			hosts(p, q->needs, &r);
			if (!q->needs)
				affected_map(p, &r);
		}
		rk_page_foot(p);
	}
	rk_report_impact_summary_free(&s);
	rk_impact_free(&r);
	return rc;
}

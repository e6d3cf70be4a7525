/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/pages.c - the HTML pages (SPEC §3.4, table 1, fig. 10).
 *
 *   overview -> networks -> network -> host -> service -> its clients
 *        \-> hosts (search, sort, pages)     \-> map (filtered)
 *
 * Each page is a function writing one complete document into p->f from
 * the snapshot; the server and the static export call the same functions
 * and differ only in how links are written (routes with the time range,
 * or file names).  Every value goes through rk_html_text/rk_html_attr;
 * no inline script or style anywhere (the Content-Security-Policy forbids
 * them): behaviour lives in assets/renkei.js, looks in assets/renkei.css.
 * Bytes of services and edges follow the report's rule (report.h): "?"
 * for a direction no session showed (a one-way mirror), "&ge;" before a
 * lower bound; hosts' and networks' totals are sums of what was seen.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/addr.h"
#include "util/human.h"
#include "web/web_int.h"

/* ---- links ---- */

static void
file_ip(FILE *f, const uint8_t ip[RK_ADDR_LEN])
{
	char a[RK_ADDR_STRLEN];

	rk_addr_format(ip, a, sizeof(a));
	for (char *c = a; *c != '\0'; c++)
		if (*c == ':')
			*c = '_';
	fputs(a, f);
}

static void
range_qs(struct rk_page *p, int first)
{
	if (p->range[0] != '\0') {
		fputs(first ? "?" : "&amp;", p->f);
		rk_html_attr(p->f, p->range);
	}
}

/* href="..." of a host page. */
static void
href_host(struct rk_page *p, const uint8_t ip[RK_ADDR_LEN])
{
	char a[RK_ADDR_STRLEN];

	fputs(" href=\"", p->f);
	if (p->is_export) {
		fputs("host-", p->f);
		file_ip(p->f, ip);
		fputs(".html", p->f);
	} else {
		fputs("/host?ip=", p->f);
		rk_html_urlenc(p->f, rk_addr_format(ip, a, sizeof(a)));
		range_qs(p, 0);
	}
	fputc('"', p->f);
}

static void
href_svc(struct rk_page *p, const struct rk_ep_key *k)
{
	char a[RK_ADDR_STRLEN], pbuf[16];
	const char *pb = rk_report_proto_name(k->proto, pbuf, sizeof(pbuf));

	fputs(" href=\"", p->f);
	if (p->is_export) {
		fputs("svc-", p->f);
		file_ip(p->f, k->ip);
		fprintf(p->f, "-%s-%u.html", pb, (unsigned)k->port);
	} else {
		fputs("/service?ip=", p->f);
		rk_html_urlenc(p->f, rk_addr_format(k->ip, a, sizeof(a)));
		fprintf(p->f, "&amp;proto=%s&amp;port=%u", pb, (unsigned)k->port);
		range_qs(p, 0);
	}
	fputc('"', p->f);
}

static void
href_net(struct rk_page *p, const uint8_t pfx[RK_ADDR_LEN])
{
	char a[RK_ADDR_STRLEN];

	fputs(" href=\"", p->f);
	if (p->is_export) {
		fputs("net-", p->f);
		file_ip(p->f, pfx);
		fputs(".html", p->f);
	} else {
		fputs("/network?net=", p->f);
		rk_html_urlenc(p->f, rk_addr_format_net(pfx, a, sizeof(a)));
		range_qs(p, 0);
	}
	fputc('"', p->f);
}

/* href of a top-level page: "" (overview), "networks", "hosts", "map". */
static void
href_page(struct rk_page *p, const char *name)
{
	fputs(" href=\"", p->f);
	if (p->is_export) {
		if (name[0] == '\0')
			fputs("index.html", p->f);
		else if (strcmp(name, "hosts") == 0)
			fputs("hosts-1.html", p->f);
		else
			fprintf(p->f, "%s.html", name);
	} else {
		fprintf(p->f, "/%s", name);
		range_qs(p, 1);
	}
	fputc('"', p->f);
}

/* A link to a host: its address, and its name after it when known. */
static void
host_link(struct rk_page *p, const uint8_t ip[RK_ADDR_LEN], int with_name)
{
	char a[RK_ADDR_STRLEN];
	const char *name = rk_web_host_name(p->s, ip);

	fputs("<a class=\"ip\"", p->f);
	href_host(p, ip);
	fputc('>', p->f);
	rk_html_text(p->f, rk_addr_format(ip, a, sizeof(a)));
	fputs("</a>", p->f);
	if (with_name && name != NULL) {
		fputs(" <span class=\"name\">", p->f);
		rk_html_text(p->f, name);
		fputs("</span>", p->f);
	}
}

static void
svc_link(struct rk_page *p, const struct rk_ep_key *k)
{
	char lb[96];

	fputs("<a class=\"svc\"", p->f);
	href_svc(p, k);
	fputc('>', p->f);
	rk_html_text(p->f, rk_web_svc_label(p->s, k, lb, sizeof(lb)));
	fputs("</a>", p->f);
}

static void
net_link(struct rk_page *p, const uint8_t pfx[RK_ADDR_LEN])
{
	char a[RK_ADDR_STRLEN];

	fputs("<a class=\"net\"", p->f);
	href_net(p, pfx);
	fputc('>', p->f);
	rk_html_text(p->f, rk_addr_format_net(pfx, a, sizeof(a)));
	fputs("</a>", p->f);
}

/* ---- cells ---- */

static void
td_count(FILE *f, uint64_t v)
{
	char b[32];

	fprintf(f, "<td class=\"num\">%s</td>", rk_human_count(v, b, sizeof(b)));
}

static void
td_bytes(FILE *f, uint64_t v)
{
	char b[32];

	fprintf(f, "<td class=\"num\" data-v=\"%" PRIu64 "\">%s</td>", v,
	    rk_human_bytes(v, b, sizeof(b)));
}

/* Bytes as the counters know them (rk_report_bound): "?", "&ge;N" or N; data-v as seen. */
static void
td_bytes_b(FILE *f, uint64_t v, enum rk_report_bound bound)
{
	char b[40];

	fprintf(f, "<td class=\"num\" data-v=\"%" PRIu64 "\"%s>%s</td>", v,
	    bound != RK_BOUND_EXACT ? " title=\"some sessions were seen one way only\"" : "",
	    rk_report_bytes(v, bound, "&ge;", b, sizeof(b)));
}

static void
td_svc_bytes(FILE *f, const struct rk_service *s)
{
	td_bytes_b(f, s->bytes_in + s->bytes_out, rk_report_svc_bound(s, RK_REPORT_BOTH));
}

static void
td_edge_bytes(FILE *f, const struct rk_edge *e)
{
	td_bytes_b(f, e->bytes_c2s + e->bytes_s2c, rk_report_edge_bound(e, RK_REPORT_BOTH));
}

static void
td_time(FILE *f, uint64_t ts)
{
	char b[40];

	fprintf(f, "<td class=\"time\">%s</td>", ts ? rk_human_time(ts, b, sizeof(b)) : "-");
}

/* ---- frame ---- */

static void
head(struct rk_page *p, const char *title, const char *cur)
{
	static const char *const nav[][2] = {
		{"", "Overview"}, {"networks", "Networks"}, {"hosts", "Hosts"}, {"map", "Map"},
	};
	const char *as = p->is_export ? "assets/" : "/assets/";

	fprintf(p->f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
	if (p->is_export) /* no server, no header: the same policy as a meta tag */
		fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"" RK_WEB_CSP_META
		    "\">\n", p->f);
	fputs("<title>", p->f);
	rk_html_text(p->f, title);
	fprintf(p->f, " - renkei</title>\n<link rel=\"stylesheet\" href=\"%srenkei.css\">\n"
	    "<script src=\"%srenkei.js\" defer></script>\n</head>\n<body>\n<header><nav>"
	    "<span class=\"brand\">renkei</span>", as, as);
	for (size_t i = 0; i < sizeof(nav) / sizeof(nav[0]); i++) {
		fputs("<a", p->f);
		href_page(p, nav[i][0]);
		if (strcmp(cur, nav[i][0]) == 0)
			fputs(" class=\"cur\"", p->f);
		fprintf(p->f, ">%s</a>", nav[i][1]);
	}
	if (!p->is_export) {
		fputs("<form class=\"search\" action=\"/hosts\" method=\"get\" role=\"search\">"
		    "<input type=\"search\" name=\"q\" placeholder=\"address or name\" "
		    "aria-label=\"search hosts\">", p->f);
		if (p->s->since_us)
			fprintf(p->f, "<input type=\"hidden\" name=\"since\" value=\"%" PRIu64 "\">",
			    p->s->since_us / 1000000);
		if (p->s->until_us)
			fprintf(p->f, "<input type=\"hidden\" name=\"until\" value=\"%" PRIu64 "\">",
			    p->s->until_us / 1000000);
		fputs("<button>Search</button></form>", p->f);
	}
	fputs("</nav></header>\n<main>\n<h1>", p->f);
	rk_html_text(p->f, title);
	fputs("</h1>\n", p->f);
}

static void
foot(struct rk_page *p)
{
	char a[40], b[40];
	const struct rk_pipeline_stats *st = &p->s->l.st;

	fputs("</main>\n<footer>renkei ", p->f);
	rk_html_text(p->f, p->w->version);
	fprintf(p->f, " &middot; data %s .. %s UTC</footer>\n</body>\n</html>\n",
	    st->first_ts ? rk_human_time(st->first_ts, a, sizeof(a)) : "-",
	    st->last_ts ? rk_human_time(st->last_ts, b, sizeof(b)) : "-");
}

/* ---- shared with impact.c ---- */

/* The page's head (title, nav; cur: the nav entry to mark) and its foot. */
void
rk_page_head(struct rk_page *p, const char *title, const char *cur)
{
	head(p, title, cur);
}

void
rk_page_foot(struct rk_page *p)
{
	foot(p);
}

/* A link to a host (with its name after it), a service, a network. */
void
rk_page_host_link(struct rk_page *p, const uint8_t ip[RK_ADDR_LEN])
{
	host_link(p, ip, 1);
}

void
rk_page_svc_link(struct rk_page *p, const struct rk_ep_key *k)
{
	svc_link(p, k);
}

/* A link to service k as "HOST:PORT/PROTO NAME" (HOST: its name, else its address). */
void
rk_page_svc_at_link(struct rk_page *p, const struct rk_ep_key *k)
{
	char a[RK_ADDR_STRLEN], pb[16];
	const char *h = rk_web_host_name(p->s, k->ip);
	const char *sn = p->s->l.names != NULL ? rk_names_service(p->s->l.names, k->proto,
	    k->port) : NULL;

	fputs("<a class=\"svc\"", p->f);
	href_svc(p, k);
	fputc('>', p->f);
	rk_html_text(p->f, h != NULL ? h : rk_addr_format(k->ip, a, sizeof(a)));
	fprintf(p->f, ":%u/%s", (unsigned)k->port, rk_report_proto_name(k->proto, pb, sizeof(pb)));
	if (sn != NULL) {
		fputc(' ', p->f);
		rk_html_text(p->f, sn);
	}
	fputs("</a>", p->f);
}

/* A right-aligned count cell. */
void
rk_page_td_count(struct rk_page *p, uint64_t v)
{
	td_count(p->f, v);
}

/*
 * "If this fails" / "what this needs" links for target (an address, a
 * prefix or IP:PORT/PROTO): server only (the export has no server to
 * walk the graph), so nothing is written there.
 */
static void
impact_links(struct rk_page *p, const char *target)
{
	if (p->is_export)
		return;
	fputs("<p class=\"impact-links\"><a class=\"impact\" href=\"/impact?target=", p->f);
	rk_html_urlenc(p->f, target);
	range_qs(p, 0);
	fputs("\">If this fails</a> &middot; <a class=\"needs\" href=\"/needs?target=", p->f);
	rk_html_urlenc(p->f, target);
	range_qs(p, 0);
	fputs("\">What this needs</a></p>\n", p->f);
}

/* The impact target of service k: "IP:PORT/PROTO", "[V6]:PORT/PROTO". */
static const char *
svc_target(const struct rk_ep_key *k, char *buf, size_t len)
{
	char a[RK_ADDR_STRLEN], pb[16];
	int v4 = rk_addr_is_v4(k->ip);

	rk_addr_format(k->ip, a, sizeof(a));
	snprintf(buf, len, "%s%s%s:%u/%s", v4 ? "" : "[", a, v4 ? "" : "]", (unsigned)k->port,
	    rk_report_proto_name(k->proto, pb, sizeof(pb)));
	return buf;
}

/* A complete error page (404, 400, 500): the message is text. */
void
rk_page_error(struct rk_page *p, int status, const char *msg)
{
	fprintf(p->f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
	    "<title>%d - renkei</title><link rel=\"stylesheet\" href=\"/assets/renkei.css\">"
	    "</head>\n<body><main><h1>%d</h1><p class=\"error\">", status, status);
	rk_html_text(p->f, msg);
	fputs("</p><p><a href=\"/\">Overview</a></p></main></body></html>\n", p->f);
}

/* ---- overview ---- */

static void
svc_rows(struct rk_page *p, struct rk_service *const *v, size_t n, int newest)
{
	fprintf(p->f, "<table class=\"list\"><thead><tr><th>service</th><th>server</th>"
	    "<th>clients</th><th>traffic</th><th>%s</th></tr></thead><tbody>\n",
	    newest ? "first seen" : "last seen");
	for (size_t i = 0; i < n; i++) {
		const struct rk_service *s = v[i];
		fputs("<tr><td>", p->f);
		svc_link(p, &s->key);
		fputs("</td><td>", p->f);
		host_link(p, s->key.ip, 1);
		fputs("</td>", p->f);
		td_count(p->f, s->n_clients);
		td_svc_bytes(p->f, s);
		td_time(p->f, newest ? s->first_ts : s->last_ts);
		fputs("</tr>\n", p->f);
	}
	fputs("</tbody></table>\n", p->f);
}

static void
kv(struct rk_page *p, const char *k, const char *v)
{
	fprintf(p->f, "<tr><th>%s</th><td>", k);
	rk_html_text(p->f, v);
	fputs("</td></tr>\n", p->f);
}

static void
kv_count(struct rk_page *p, const char *k, uint64_t v)
{
	char b[32];

	kv(p, k, rk_human_count(v, b, sizeof(b)));
}

static void
range_form(struct rk_page *p)
{
	char a[40], b[40];
	const struct rk_pipeline_stats *st = &p->s->l.st;

	if (p->is_export)
		return;
	/* datetime-local wants "YYYY-MM-DDTHH:MM"; rk_human_time gives "YYYY-MM-DD HH:MM:SS". */
	a[0] = b[0] = '\0';
	if (p->s->since_us)
		rk_human_time(p->s->since_us, a, sizeof(a));
	if (p->s->until_us)
		rk_human_time(p->s->until_us, b, sizeof(b));
	if (a[0] != '\0') {
		a[10] = 'T';
		a[16] = '\0';
	}
	if (b[0] != '\0') {
		b[10] = 'T';
		b[16] = '\0';
	}
	fputs("<form class=\"range\" action=\"/\" method=\"get\"><label>from (UTC) "
	    "<input type=\"datetime-local\" name=\"since\" value=\"", p->f);
	rk_html_attr(p->f, a);
	fputs("\"></label> <label>until <input type=\"datetime-local\" name=\"until\" value=\"",
	    p->f);
	rk_html_attr(p->f, b);
	fputs("\"></label> <button>Show</button> <a href=\"/\">all data</a>", p->f);
	(void)st;
	fputs("</form>\n", p->f);
}

/* The paper's summary (table 3), top and newest services, newest dependencies. */
int
rk_page_overview(struct rk_page *p)
{
	const struct rk_web_snap *s = p->s;
	const struct rk_pipeline_stats *st = &s->l.st;
	char a[40], b[40], d[40], line[160];
	size_t n;

	head(p, "Overview", "");
	range_form(p);
	fputs("<section><h2>Summary</h2><table class=\"kv\" id=\"summary\">\n", p->f);
	if (st->first_ts) {
		snprintf(line, sizeof(line), "%s .. %s UTC (%s)",
		    rk_human_time(st->first_ts, a, sizeof(a)),
		    rk_human_time(st->last_ts, b, sizeof(b)),
		    rk_human_duration((double)(st->last_ts - st->first_ts) / 1e6, d, sizeof(d)));
		kv(p, "measured", line);
	} else {
		kv(p, "measured", "no data");
	}
	snprintf(line, sizeof(line), "%s in %s packets", rk_human_bytes(st->n_bytes, a, sizeof(a)),
	    rk_human_count(st->n_frames, b, sizeof(b)));
	kv(p, "traffic", line);
	snprintf(line, sizeof(line), "%zu IPv4 /24, %zu IPv6 /64", s->fig.networks_v4,
	    s->fig.networks_v6);
	kv(p, "networks", line);
	kv_count(p, "client hosts", s->fig.client_only_hosts);
	kv_count(p, "server hosts", s->fig.server_hosts);
	kv_count(p, "services", s->m.n_services);
	kv_count(p, "dependencies", s->m.n_edges);
	snprintf(line, sizeof(line), "%s kernel, %s malformed, %s truncated inputs",
	    rk_human_count(st->n_kernel_drops, a, sizeof(a)),
	    rk_human_count(s->fig.malformed, b, sizeof(b)),
	    rk_human_count(st->n_truncated, d, sizeof(d)));
	kv(p, "drops", line);
	fputs("</table></section>\n", p->f);

	n = s->m.n_services < RK_WEB_TOP ? s->m.n_services : RK_WEB_TOP;
	fputs("<section><h2>Top services</h2>\n", p->f);
	svc_rows(p, s->top, n, 0);
	fputs("</section>\n<section><h2>Newest services</h2>\n", p->f);
	svc_rows(p, s->newest, n, 1);
	fputs("</section>\n<section><h2>Newest dependencies</h2><table class=\"list\"><thead><tr>"
	    "<th>client</th><th>service</th><th>server</th><th>traffic</th><th>first seen</th>"
	    "</tr></thead><tbody>\n", p->f);
	for (size_t i = 0; i < s->n_new_edges; i++) {
		const struct rk_edge *e = s->new_edges[i];
		struct rk_ep_key k = {0};
		memcpy(k.ip, e->key.server, RK_ADDR_LEN);
		k.proto = e->key.proto;
		k.port = e->key.port;
		fputs("<tr><td>", p->f);
		host_link(p, e->key.client, 1);
		fputs("</td><td>", p->f);
		svc_link(p, &k);
		fputs("</td><td>", p->f);
		host_link(p, e->key.server, 1);
		fputs("</td>", p->f);
		td_edge_bytes(p->f, e);
		td_time(p->f, e->first_ts);
		fputs("</tr>\n", p->f);
	}
	fputs("</tbody></table></section>\n", p->f);
	foot(p);
	return 0;
}

/* ---- networks ---- */

int
rk_page_networks(struct rk_page *p)
{
	const struct rk_web_snap *s = p->s;

	head(p, "Networks", "networks");
	fprintf(p->f, "<p>%zu networks (IPv4 /24 and IPv6 /64) with %zu hosts.</p>\n",
	    s->n_nets, s->m.n_hosts);
	fputs("<table class=\"list\" id=\"networks\"><thead><tr><th>network</th><th>hosts</th>"
	    "<th>servers</th><th>traffic</th><th>map</th></tr></thead><tbody>\n", p->f);
	for (size_t i = 0; i < s->n_nets; i++) {
		const struct rk_web_net *n = &s->nets[i];
		char a[RK_ADDR_STRLEN];
		fputs("<tr><td>", p->f);
		net_link(p, n->prefix);
		fputs("</td>", p->f);
		td_count(p->f, n->n_hosts);
		td_count(p->f, n->n_servers);
		td_bytes(p->f, n->bytes);
		if (p->is_export) {
			fputs("<td></td></tr>\n", p->f);
			continue;
		}
		fputs("<td><a href=\"/map?net=", p->f);
		rk_html_urlenc(p->f, rk_addr_format_net(n->prefix, a, sizeof(a)));
		range_qs(p, 0);
		fputs("\">map</a></td></tr>\n", p->f);
	}
	fputs("</tbody></table>\n", p->f);
	foot(p);
	return 0;
}

static void
host_rows_head(FILE *f)
{
	fputs("<table class=\"list\" id=\"hosts\"><thead><tr><th>address</th><th>name</th>"
	    "<th>services</th><th>uses</th><th>traffic</th><th>first seen</th><th>last seen</th>"
	    "</tr></thead><tbody>\n", f);
}

static void
host_row(struct rk_page *p, const struct rk_host *h)
{
	fputs("<tr><td>", p->f);
	host_link(p, h->ip, 0);
	fputs("</td><td class=\"name\">", p->f);
	rk_html_text(p->f, rk_web_host_name(p->s, h->ip));
	fputs("</td>", p->f);
	td_count(p->f, h->n_services);
	td_count(p->f, h->n_used);
	td_bytes(p->f, h->bytes_sent + h->bytes_recv);
	td_time(p->f, h->first_ts);
	td_time(p->f, h->last_ts);
	fputs("</tr>\n", p->f);
}

int
rk_page_network(struct rk_page *p, const uint8_t prefix[RK_ADDR_LEN], struct rk_err *err)
{
	const struct rk_web_snap *s = p->s;
	ssize_t i = rk_web_net_find(s, prefix);
	char a[RK_ADDR_STRLEN], title[RK_ADDR_STRLEN + 16];
	const struct rk_web_net *n;

	rk_addr_format_net(prefix, a, sizeof(a));
	if (i < 0) {
		rk_err_set(err, RK_E_INVAL, "no host seen in network %s", a);
		return 1;
	}
	n = &s->nets[i];
	snprintf(title, sizeof(title), "Network %s", a);
	head(p, title, "networks");
	fprintf(p->f, "<p>%zu hosts, %u of them servers. ", n->n_hosts, n->n_servers);
	if (!p->is_export) {
		fputs("<a href=\"/map?net=", p->f);
		rk_html_urlenc(p->f, a);
		range_qs(p, 0);
		fputs("\">What it uses, on the map</a>", p->f);
	}
	fputs("</p>\n", p->f);
	impact_links(p, a);
	host_rows_head(p->f);
	for (size_t j = 0; j < n->n_hosts; j++)
		host_row(p, s->m.hosts[n->first + j]);
	fputs("</tbody></table>\n", p->f);
	foot(p);
	return 0;
}

/* ---- hosts: search, sort, pages ---- */

static const char *const sort_names[RK_HSORT__COUNT] = {
	"ip", "name", "services", "used", "bytes", "first", "last",
};

/* Parse a hosts sort key ("ip", "name", ...).  0 or -RK_E_INVAL. */
int
rk_web_parse_sort(const char *s, int *sort)
{
	for (int i = 0; i < RK_HSORT__COUNT; i++) {
		if (s != NULL && strcmp(s, sort_names[i]) == 0) {
			*sort = i;
			return 0;
		}
	}
	return -RK_E_INVAL;
}

const char *
rk_web_sort_name(int sort)
{
	return sort >= 0 && sort < RK_HSORT__COUNT ? sort_names[sort] : "ip";
}

struct sort_ctx {
	const struct rk_web_snap *s;
	int key;
	bool desc;
};

/* qsort has no context argument: the one thread sorts with this. */
static _Thread_local struct sort_ctx sctx;

static int
cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int
cmp_hosts(const void *x, const void *y)
{
	uint32_t ix = *(const uint32_t *)x, iy = *(const uint32_t *)y;
	const struct rk_host *a = sctx.s->m.hosts[ix], *b = sctx.s->m.hosts[iy];
	int c = 0;

	switch (sctx.key) {
	case RK_HSORT_NAME: {
		const char *na = rk_web_host_name(sctx.s, a->ip), *nb = rk_web_host_name(sctx.s, b->ip);
		/* Hosts without a name come last either way. */
		if (na == NULL || nb == NULL)
			return na == nb ? cmp_u64(ix, iy) : (na == NULL ? 1 : -1);
		c = strcmp(na, nb);
		break;
	}
	case RK_HSORT_SERVICES: c = cmp_u64(a->n_services, b->n_services); break;
	case RK_HSORT_USED: c = cmp_u64(a->n_used, b->n_used); break;
	case RK_HSORT_BYTES:
		c = cmp_u64(a->bytes_sent + a->bytes_recv, b->bytes_sent + b->bytes_recv);
		break;
	case RK_HSORT_FIRST: c = cmp_u64(a->first_ts, b->first_ts); break;
	case RK_HSORT_LAST: c = cmp_u64(a->last_ts, b->last_ts); break;
	default: break;
	}
	if (c == 0)
		c = cmp_u64(ix, iy); /* address order */
	return sctx.desc ? -c : c;
}

static bool
matches(const struct rk_web_snap *s, const struct rk_host *h, const char *q)
{
	char a[RK_ADDR_STRLEN];
	const char *name;

	if (strstr(rk_addr_format(h->ip, a, sizeof(a)), q) != NULL)
		return true;
	name = rk_web_host_name(s, h->ip);
	return name != NULL && strcasestr(name, q) != NULL;
}

/*
 * The hosts matching q, in q's order: OUT *out, a malloc'd array of host
 * indexes (caller frees).  Returns how many; (size_t)-1 if out of memory.
 * O(n log n) for a sort other than by address.
 */
size_t
rk_web_hosts_select(const struct rk_web_snap *s, const struct rk_hosts_q *q, uint32_t **out)
{
	uint32_t *v = malloc((s->m.n_hosts + 1) * sizeof(*v));
	size_t n = 0;

	if (v == NULL)
		return (size_t)-1;
	for (size_t i = 0; i < s->m.n_hosts; i++) {
		const struct rk_host *h = s->m.hosts[i];
		if (q->servers_only && h->n_services == 0)
			continue;
		if (q->q != NULL && q->q[0] != '\0' && !matches(s, h, q->q))
			continue;
		v[n++] = (uint32_t)i;
	}
	if (q->sort != RK_HSORT_IP || q->desc) {
		sctx.s = s;
		sctx.key = q->sort;
		sctx.desc = q->desc;
		qsort(v, n, sizeof(*v), cmp_hosts);
	}
	*out = v;
	return n;
}

/* A link to another hosts page with q's parameters changed. */
static void
hosts_href(struct rk_page *p, const struct rk_hosts_q *q, int sort, bool desc, uint64_t page)
{
	fputs(" href=\"", p->f);
	if (p->is_export) {
		fprintf(p->f, "hosts-%" PRIu64 ".html\"", page);
		return;
	}
	fprintf(p->f, "/hosts?sort=%s&amp;order=%s&amp;page=%" PRIu64, sort_names[sort],
	    desc ? "desc" : "asc", page);
	if (q->per_page != 100)
		fprintf(p->f, "&amp;per_page=%" PRIu64, q->per_page);
	if (q->servers_only)
		fputs("&amp;servers=1", p->f);
	if (q->q != NULL && q->q[0] != '\0') {
		fputs("&amp;q=", p->f);
		rk_html_urlenc(p->f, q->q);
	}
	range_qs(p, 0);
	fputc('"', p->f);
}

int
rk_page_hosts(struct rk_page *p, const struct rk_hosts_q *q)
{
	static const char *const cols[] = {"address", "name", "services", "uses", "traffic",
		"first seen", "last seen"};
	uint32_t *v = NULL;
	size_t n = rk_web_hosts_select(p->s, q, &v), from, to;
	uint64_t n_pages;

	if (n == (size_t)-1)
		return -RK_E_NOMEM;
	n_pages = n == 0 ? 1 : (n + q->per_page - 1) / q->per_page;
	from = (q->page - 1) * q->per_page;
	to = from + q->per_page < n ? from + q->per_page : n;
	head(p, "Hosts", "hosts");
	if (!p->is_export) {
		fputs("<form class=\"filter\" action=\"/hosts\" method=\"get\"><input type=\"search\" "
		    "name=\"q\" placeholder=\"address or name\" value=\"", p->f);
		rk_html_attr(p->f, q->q);
		fprintf(p->f, "\"> <label><input type=\"checkbox\" name=\"servers\" value=\"1\"%s> "
		    "servers only</label> <input type=\"hidden\" name=\"sort\" value=\"%s\">"
		    "<input type=\"hidden\" name=\"order\" value=\"%s\">",
		    q->servers_only ? " checked" : "", sort_names[q->sort], q->desc ? "desc" : "asc");
		if (p->s->since_us)
			fprintf(p->f, "<input type=\"hidden\" name=\"since\" value=\"%" PRIu64 "\">",
			    p->s->since_us / 1000000);
		if (p->s->until_us)
			fprintf(p->f, "<input type=\"hidden\" name=\"until\" value=\"%" PRIu64 "\">",
			    p->s->until_us / 1000000);
		fputs("<button>Filter</button></form>\n", p->f);
	}
	fprintf(p->f, "<p id=\"count\">%zu hosts", n);
	if (n > 0)
		fprintf(p->f, ", %zu-%zu shown", from + 1, to);
	fputs(".</p>\n<table class=\"list\" id=\"hosts\"><thead><tr>", p->f);
	for (int c = 0; c < RK_HSORT__COUNT; c++) {
		bool cur = c == q->sort;
		if (p->is_export) {
			fprintf(p->f, "<th>%s</th>", cols[c]);
			continue;
		}
		fprintf(p->f, "<th%s><a", cur ? (q->desc ? " class=\"desc\"" : " class=\"asc\"") : "");
		hosts_href(p, q, c, cur ? !q->desc : c >= RK_HSORT_SERVICES, 1);
		fprintf(p->f, ">%s</a></th>", cols[c]);
	}
	fputs("</tr></thead><tbody>\n", p->f);
	for (size_t i = from; i < to; i++)
		host_row(p, p->s->m.hosts[v[i]]);
	fputs("</tbody></table>\n<nav class=\"pages\">", p->f);
	if (q->page > 1) {
		fputs("<a rel=\"prev\"", p->f);
		hosts_href(p, q, q->sort, q->desc, q->page - 1);
		fputs(">&larr; previous</a> ", p->f);
	}
	fprintf(p->f, "page %" PRIu64 " of %" PRIu64, q->page, n_pages);
	if (q->page < n_pages) {
		fputs(" <a rel=\"next\"", p->f);
		hosts_href(p, q, q->sort, q->desc, q->page + 1);
		fputs(">next &rarr;</a>", p->f);
	}
	fputs("</nav>\n", p->f);
	free(v);
	foot(p);
	return 0;
}

/* ---- host (table 1) ---- */

static double
confidence(const struct rk_service *s)
{
	return s->n_decisions ? s->conf_sum / s->n_decisions : 0.0;
}

/* The evidence behind a service's decisions, in a <details> (shown on demand). */
static void
evidence(struct rk_page *p, const struct rk_service *s)
{
	const struct rk_endpoint *e = rk_map_find(rk_classify_endpoints(p->s->l.c), &s->key);
	struct rk_score_parts sp;

	fputs("<details class=\"evidence\"><summary>evidence</summary><ul>", p->f);
	for (int r = 0; r < RK_RULE__COUNT; r++)
		if (s->rules[r] > 0)
			fprintf(p->f, "<li>%u sessions decided by rule <b>%s</b></li>", s->rules[r],
			    rk_classify_rule_name((enum rk_role_rule)r));
	if (e != NULL) {
		rk_role_score(e, p->s->l.names, &sp);
		fprintf(p->f, "<li>%u distinct peer addresses, %u distinct peer ports</li>"
		    "<li>SYN+ACK sent in %u sessions, received in %u; SYN received in %u, sent in %u"
		    "</li><li>served %u sessions, was client in %u, refused %u</li>"
		    "<li>began %u request/answer exchanges, answered %u</li>"
		    "<li>server score %.2f (peers %.2f, peer ports %.2f, handshakes %.2f, answered "
		    "%.2f, port %.2f)</li>", e->n_peer_ips, e->n_peer_ports, e->n_synack_sent,
		    e->n_synack_recv, e->n_syn_recv, e->n_syn_sent, e->n_as_server, e->n_as_client,
		    e->n_refused, e->n_opened, e->n_answered, sp.total, sp.fan_ips, sp.fan_ports,
		    sp.handshake, sp.opener, sp.port);
	} else {
		fputs("<li>endpoint evidence not kept for this range</li>", p->f);
	}
	fputs("</ul></details>", p->f);
}

int
rk_page_host(struct rk_page *p, const uint8_t ip[RK_ADDR_LEN], struct rk_err *err)
{
	const struct rk_web_snap *s = p->s;
	ssize_t hi = rk_web_host_find(s, ip);
	char a[RK_ADDR_STRLEN], title[RK_ADDR_STRLEN + 8], pfx[RK_ADDR_LEN];
	const struct rk_host *h;
	size_t first, n;

	rk_addr_format(ip, a, sizeof(a));
	if (hi < 0) {
		rk_err_set(err, RK_E_INVAL, "host %s was not seen in this time range", a);
		return 1;
	}
	h = s->m.hosts[hi];
	snprintf(title, sizeof(title), "Host %s", a);
	head(p, title, "hosts");
	fputs("<table class=\"kv\" id=\"host\"><tr><th>IP address</th><td>", p->f);
	rk_html_text(p->f, a);
	fputs("</td></tr><tr><th>host name</th><td id=\"hostname\">", p->f);
	rk_html_text(p->f, rk_web_host_name(s, ip) ? rk_web_host_name(s, ip) : "-");
	fputs("</td></tr><tr><th>network</th><td>", p->f);
	rk_web_net_of(ip, (uint8_t *)pfx);
	net_link(p, (uint8_t *)pfx);
	fputs("</td></tr>", p->f);
	fprintf(p->f, "<tr><th>traffic</th><td>");
	{
		char b1[32], b2[32];
		fprintf(p->f, "%s sent, %s received</td></tr>",
		    rk_human_bytes(h->bytes_sent, b1, sizeof(b1)),
		    rk_human_bytes(h->bytes_recv, b2, sizeof(b2)));
	}
	{
		char t1[40], t2[40];
		fprintf(p->f, "<tr><th>seen</th><td>%s .. %s UTC</td></tr>",
		    rk_human_time(h->first_ts, t1, sizeof(t1)),
		    rk_human_time(h->last_ts, t2, sizeof(t2)));
	}
	fputs("</table>\n", p->f);
	if (!p->is_export) {
		fputs("<p><a id=\"maplink\" href=\"/map?host=", p->f);
		rk_html_urlenc(p->f, a);
		range_qs(p, 0);
		fputs("\">Show on the map</a></p>\n", p->f);
	}
	impact_links(p, a);

	n = rk_web_svcs_of(s, ip, &first);
	fprintf(p->f, "<section><h2>Services offered (server)</h2>\n");
	if (n == 0) {
		fputs("<p>none</p>\n", p->f);
	} else {
		fputs("<table class=\"list\" id=\"offered\"><thead><tr><th>protocol</th>"
		    "<th>clients</th><th>traffic</th><th>since</th><th>confidence</th></tr></thead>"
		    "<tbody>\n", p->f);
		for (size_t i = first; i < first + n; i++) {
			const struct rk_service *v = s->m.services[i];
			fputs("<tr><td>", p->f);
			svc_link(p, &v->key);
			fputs("</td>", p->f);
			td_count(p->f, v->n_clients);
			td_svc_bytes(p->f, v);
			td_time(p->f, v->first_ts);
			fprintf(p->f, "<td class=\"num\">%.2f ", confidence(v));
			evidence(p, v);
			fputs("</td></tr>\n", p->f);
		}
		fputs("</tbody></table>\n", p->f);
	}
	fputs("</section>\n", p->f);

	n = rk_web_edges_from(s, ip, &first);
	fputs("<section><h2>Services used (client)</h2>\n", p->f);
	if (n == 0) {
		fputs("<p>none</p>\n", p->f);
	} else {
		fputs("<table class=\"list\" id=\"used\"><thead><tr><th>protocol</th>"
		    "<th>server</th><th>traffic</th><th>since</th></tr></thead><tbody>\n", p->f);
		for (size_t i = first; i < first + n; i++) {
			const struct rk_edge *e = s->m.edges[i];
			struct rk_ep_key k = {0};
			memcpy(k.ip, e->key.server, RK_ADDR_LEN);
			k.proto = e->key.proto;
			k.port = e->key.port;
			fputs("<tr><td>", p->f);
			svc_link(p, &k);
			fputs("</td><td>", p->f);
			host_link(p, e->key.server, 1);
			fputs("</td>", p->f);
			td_edge_bytes(p->f, e);
			td_time(p->f, e->first_ts);
			fputs("</tr>\n", p->f);
		}
		fputs("</tbody></table>\n", p->f);
	}
	fputs("</section>\n", p->f);
	foot(p);
	return 0;
}

/* ---- service ---- */

/*
 * Bars of the service's traffic per hour, as inline SVG (no script).  An
 * hour in which a session hid a direction says "&ge;" in its tooltip.
 */
static void
chart(struct rk_page *p, const struct rk_service *v)
{
	const struct rk_map *hours = &p->s->l.hours;
	uint64_t h0 = v->first_ts / 3600000000ull, h1 = v->last_ts / 3600000000ull, max = 0;
	uint64_t n, vals[744];
	uint8_t blind[744];
	int any_blind = 0;
	const double W = 720, H = 120;

	if (hours->n_entries == 0 || h1 < h0) {
		fputs("<p>No hourly traffic in this data.</p>\n", p->f);
		return;
	}
	if (h1 - h0 >= 744)
		h0 = h1 - 743; /* the last 31 days */
	n = h1 - h0 + 1;
	for (uint64_t i = 0; i < n; i++) {
		struct rk_web_hour_key k;
		const struct rk_web_hour *e;
		memset(&k, 0, sizeof(k));
		k.svc = v->key;
		k.hour = h0 + i;
		e = rk_map_find(hours, &k);
		vals[i] = e != NULL ? e->bytes : 0;
		blind[i] = e != NULL && e->has_blind;
		any_blind |= blind[i];
		if (vals[i] > max)
			max = vals[i];
	}
	fprintf(p->f, "<svg class=\"chart\" id=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
	    "role=\"img\" aria-label=\"traffic per hour\">", W, H + 16);
	for (uint64_t i = 0; i < n; i++) {
		double bw = W / (double)n, bh = max ? H * (double)vals[i] / (double)max : 0;
		char b[32], t[40];
		fprintf(p->f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"><title>"
		    "%s: %s</title></rect>", bw * (double)i + 0.5, H - bh, bw > 2 ? bw - 1 : bw,
		    bh, rk_human_time((h0 + i) * 3600000000ull, t, sizeof(t)),
		    rk_report_bytes(vals[i], blind[i] ? RK_BOUND_LOWER : RK_BOUND_EXACT, "&ge;", b,
		    sizeof(b)));
	}
	{
		char t1[40], t2[40], mb[32];
		fprintf(p->f, "<text x=\"0\" y=\"%.0f\">%s</text><text x=\"%.0f\" y=\"%.0f\" "
		    "text-anchor=\"end\">%s</text><text x=\"%.0f\" y=\"10\" text-anchor=\"end\">"
		    "max %s/h</text></svg>\n", H + 14,
		    rk_human_time(h0 * 3600000000ull, t1, sizeof(t1)), W, H + 14,
		    rk_human_time((h1 + 1) * 3600000000ull, t2, sizeof(t2)), W,
		    rk_human_bytes(max, mb, sizeof(mb)));
	}
	if (any_blind)
		fputs("<p class=\"note\" id=\"chart-note\">Some sessions were seen one way only: "
		    "the bars hold the bytes seen, at least.</p>\n", p->f);
}

struct net_agg {
	uint8_t prefix[RK_ADDR_LEN];
	uint32_t n_clients;
	uint64_t bytes;     /* both directions, as seen */
	int has_blind;      /* a client's session hid a direction: bytes is a lower bound */
};

static int
cmp_edge_bytes(const void *x, const void *y)
{
	const struct rk_edge *a = *(const struct rk_edge *const *)x;
	const struct rk_edge *b = *(const struct rk_edge *const *)y;

	return cmp_u64(b->bytes_c2s + b->bytes_s2c, a->bytes_c2s + a->bytes_s2c);
}

#define MAX_CLIENT_ROWS 200

int
rk_page_service(struct rk_page *p, const struct rk_ep_key *k, struct rk_err *err)
{
	const struct rk_web_snap *s = p->s;
	ssize_t si = rk_web_svc_find(s, k);
	char a[RK_ADDR_STRLEN], lb[96], title[RK_ADDR_STRLEN + 120], b1[32], b2[32];
	char tb[RK_ADDR_STRLEN + 24];
	const struct rk_service *v;
	struct net_agg *nets = NULL;
	struct rk_edge **cl = NULL;
	size_t first, n, n_nets = 0;
	int rc = 0;

	rk_addr_format(k->ip, a, sizeof(a));
	if (si < 0) {
		rk_err_set(err, RK_E_INVAL, "no service %s on %s in this time range",
		    rk_web_svc_label(s, k, lb, sizeof(lb)), a);
		return 1;
	}
	v = s->m.services[si];
	snprintf(title, sizeof(title), "Service %s on %s", rk_web_svc_label(s, k, lb, sizeof(lb)),
	    a);
	head(p, title, "hosts");
	fputs("<table class=\"kv\" id=\"service\"><tr><th>server</th><td>", p->f);
	host_link(p, k->ip, 1);
	fprintf(p->f, "</td></tr><tr><th>port</th><td>%s/%u</td></tr>",
	    rk_report_proto_name(k->proto, b1, sizeof(b1)), (unsigned)k->port);
	fprintf(p->f, "<tr><th>clients</th><td>%s</td></tr>",
	    rk_human_count(v->n_clients, b1, sizeof(b1)));
	fprintf(p->f, "<tr><th>sessions</th><td>%s</td></tr>",
	    rk_human_count(v->n_sessions, b1, sizeof(b1)));
	fprintf(p->f, "<tr><th>traffic</th><td id=\"traffic\">%s from clients, %s to clients",
	    rk_report_bytes(v->bytes_in, rk_report_svc_bound(v, RK_REPORT_C2S), "&ge;", b1,
	    sizeof(b1)), rk_report_bytes(v->bytes_out, rk_report_svc_bound(v, RK_REPORT_S2C),
	    "&ge;", b2, sizeof(b2)));
	if (v->n_blind_in + v->n_blind_out > 0)
		fprintf(p->f, " (%s of %s sessions seen one way only: ? never seen, &ge; at least)",
		    rk_human_count((uint64_t)v->n_blind_in + v->n_blind_out, lb, sizeof(lb)),
		    rk_human_count(v->n_sessions, b1, sizeof(b1)));
	fputs("</td></tr>", p->f);
	{
		char t1[40], t2[40];
		fprintf(p->f, "<tr><th>seen</th><td>%s .. %s UTC</td></tr>",
		    rk_human_time(v->first_ts, t1, sizeof(t1)),
		    rk_human_time(v->last_ts, t2, sizeof(t2)));
	}
	fprintf(p->f, "<tr><th>confidence</th><td>%.2f ", confidence(v));
	evidence(p, v);
	fputs("</td></tr></table>\n", p->f);
	if (!p->is_export) {
		fputs("<p><a id=\"maplink\" href=\"/map?service=", p->f);
		rk_html_urlenc(p->f, a);
		fprintf(p->f, "&amp;proto=%s&amp;port=%u", rk_report_proto_name(k->proto, b1,
		    sizeof(b1)), (unsigned)k->port);
		range_qs(p, 0);
		fputs("\">Show on the map</a></p>\n", p->f);
	}
	impact_links(p, svc_target(k, tb, sizeof(tb)));
	fputs("<section><h2>Traffic over time</h2>\n", p->f);
	chart(p, v);
	fputs("</section>\n", p->f);

	/* Clients by network: by_server lists them in address order, so networks are runs. */
	n = rk_web_edges_to(s, k, &first);
	nets = calloc(n + 1, sizeof(*nets));
	cl = malloc((n + 1) * sizeof(*cl));
	if (nets == NULL || cl == NULL) {
		rc = -RK_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rk_edge *e = s->m.by_server[first + i];
		uint8_t pfx[RK_ADDR_LEN];
		rk_web_net_of(e->key.client, pfx);
		if (n_nets == 0 || memcmp(nets[n_nets - 1].prefix, pfx, RK_ADDR_LEN) != 0)
			memcpy(nets[n_nets++].prefix, pfx, RK_ADDR_LEN);
		nets[n_nets - 1].n_clients++;
		nets[n_nets - 1].bytes += e->bytes_c2s + e->bytes_s2c;
		nets[n_nets - 1].has_blind |= e->n_blind_c2s + e->n_blind_s2c > 0;
		cl[i] = s->m.by_server[first + i];
	}
	fprintf(p->f, "<section><h2>Clients by network</h2><p>%zu %s in %zu %s.</p>"
	    "<table class=\"list\" id=\"client-nets\"><thead><tr><th>network</th><th>clients</th>"
	    "<th>traffic</th></tr></thead><tbody>\n", n, rk_plural(n, "client", "clients"),
	    n_nets, rk_plural(n_nets, "network", "networks"));
	for (size_t i = 0; i < n_nets; i++) {
		fputs("<tr><td>", p->f);
		net_link(p, nets[i].prefix);
		fputs("</td>", p->f);
		td_count(p->f, nets[i].n_clients);
		td_bytes_b(p->f, nets[i].bytes, nets[i].has_blind ? RK_BOUND_LOWER :
		    RK_BOUND_EXACT);
		fputs("</tr>\n", p->f);
	}
	fputs("</tbody></table></section>\n", p->f);

	qsort(cl, n, sizeof(*cl), cmp_edge_bytes);
	fprintf(p->f, "<section><h2>Clients</h2><p>%s</p><table class=\"list\" id=\"clients\">"
	    "<thead><tr><th>client</th><th>traffic</th><th>sessions</th><th>first seen</th>"
	    "<th>last seen</th></tr></thead><tbody>\n",
	    n > MAX_CLIENT_ROWS ? "The 200 with the most traffic." : "All of them.");
	for (size_t i = 0; i < n && i < MAX_CLIENT_ROWS; i++) {
		fputs("<tr><td>", p->f);
		host_link(p, cl[i]->key.client, 1);
		fputs("</td>", p->f);
		td_edge_bytes(p->f, cl[i]);
		td_count(p->f, cl[i]->n_sessions);
		td_time(p->f, cl[i]->first_ts);
		td_time(p->f, cl[i]->last_ts);
		fputs("</tr>\n", p->f);
	}
	fputs("</tbody></table></section>\n", p->f);

	/* Downstream: what the server host itself uses. */
	n = rk_web_edges_from(s, k->ip, &first);
	fputs("<section><h2>Depends on (downstream)</h2>\n", p->f);
	if (n == 0)
		fputs("<p>The server uses no other service.</p>\n", p->f);
	else
		fputs("<table class=\"list\" id=\"downstream\"><thead><tr><th>service</th>"
		    "<th>server</th><th>traffic</th></tr></thead><tbody>\n", p->f);
	for (size_t i = first; i < first + n; i++) {
		const struct rk_edge *e = s->m.edges[i];
		struct rk_ep_key dk = {0};
		memcpy(dk.ip, e->key.server, RK_ADDR_LEN);
		dk.proto = e->key.proto;
		dk.port = e->key.port;
		fputs("<tr><td>", p->f);
		svc_link(p, &dk);
		fputs("</td><td>", p->f);
		host_link(p, e->key.server, 1);
		fputs("</td>", p->f);
		td_edge_bytes(p->f, e);
		fputs("</tr>\n", p->f);
	}
	if (n > 0)
		fputs("</tbody></table>\n", p->f);
	fputs("</section>\n", p->f);
	foot(p);
out:
	free(nets);
	free(cl);
	return rc;
}

/* ---- map ---- */

/*
 * The end of a map's legend (how to move around), the zoom buttons the
 * page's script binds, and svg (taken: freed here) in the map's box.
 */
void
rk_page_map_svg(struct rk_page *p, char *svg, size_t len)
{
	fputs("wheel or +/- to zoom, drag to pan, click a node to open it.</p>\n"
	    "<div class=\"zoom\"><button type=\"button\" id=\"zin\">+</button>"
	    "<button type=\"button\" id=\"zout\">&minus;</button>"
	    "<button type=\"button\" id=\"zfit\">fit</button></div>\n"
	    "<div id=\"map\" class=\"map\">", p->f);
	fwrite(svg, 1, len, p->f);
	free(svg);
	fputs("</div>\n", p->f);
}

int
rk_page_map(struct rk_page *p, const struct rk_web_map_filter *mf, struct rk_err *err)
{
	char a[RK_ADDR_STRLEN], pb[16];
	char *svg;
	size_t len;

	svg = rk_web_map_svg(p, mf, &len, err);
	if (svg == NULL)
		return err != NULL && err->code == RK_E_BUSY ? -RK_E_BUSY : -RK_E_NOMEM;
	head(p, "Dependency map", "map");
	if (!p->is_export) {
		fputs("<form class=\"filter\" action=\"/map\" method=\"get\" id=\"mapfilter\">"
		    "<label>network <input name=\"net\" placeholder=\"10.1.2.0/24\" value=\"", p->f);
		if (mf->has_net)
			rk_html_attr(p->f, rk_addr_format_net(mf->net, a, sizeof(a)));
		fputs("\"></label> <label>host <input name=\"host\" placeholder=\"10.0.0.1\" "
		    "value=\"", p->f);
		if (mf->has_host)
			rk_html_attr(p->f, rk_addr_format(mf->host, a, sizeof(a)));
		fputs("\"></label> <label>service <input name=\"service\" placeholder=\"server IP\" "
		    "value=\"", p->f);
		if (mf->has_svc)
			rk_html_attr(p->f, rk_addr_format(mf->svc.ip, a, sizeof(a)));
		fputs("\"></label> <label>proto <input name=\"proto\" size=\"4\" value=\"", p->f);
		if (mf->has_svc)
			rk_html_attr(p->f, rk_report_proto_name(mf->svc.proto, pb, sizeof(pb)));
		fputs("\"></label> <label>port <input name=\"port\" size=\"5\" value=\"", p->f);
		if (mf->has_svc)
			fprintf(p->f, "%u", (unsigned)mf->svc.port);
		fprintf(p->f, "\"></label> <label><input type=\"checkbox\" name=\"infra\" value=\"1\""
		    "%s> infrastructure edges</label>", mf->infra ? " checked" : "");
		if (p->s->since_us)
			fprintf(p->f, "<input type=\"hidden\" name=\"since\" value=\"%" PRIu64 "\">",
			    p->s->since_us / 1000000);
		if (p->s->until_us)
			fprintf(p->f, "<input type=\"hidden\" name=\"until\" value=\"%" PRIu64 "\">",
			    p->s->until_us / 1000000);
		fputs(" <button>Filter</button> <a href=\"/map\">whole map</a></form>\n", p->f);
	}
	fputs("<p class=\"legend\"><span class=\"k front\">server used by clients</span> "
	    "<span class=\"k back\">server used only by servers</span> "
	    "<span class=\"k infra\">infrastructure (used by most servers; edges hidden unless "
	    "asked)</span> <span class=\"k netk\">client network</span> &middot; ", p->f);
	rk_page_map_svg(p, svg, len);
	foot(p);
	return 0;
}

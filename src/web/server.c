/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/server.c - `renkei serve`: libmicrohttpd in front of the pages.
 *
 * HTTP parsing is libmicrohttpd's (no hand-written parser).  It runs a
 * pool of n_threads threads (epoll where the library has it), each
 * answering its own connections, so one slow answer stalls only its
 * thread.  Everything the threads share is in struct rk_web and locked
 * as web_int.h says; expensive work (snapshot builds, map layouts) goes
 * through a gate (gate.c) that answers 503 + Retry-After rather than let
 * it tie up every thread.  Each request:
 *   0. refused before anything else when its target has a NUL (%00: 400),
 *      its Host is not a name of this server (421, DNS rebinding) or its
 *      method is not GET/HEAD (405 + Allow);
 *   1. auth (when configured): bearer token (header, cookie or ?token=)
 *      or basic auth, compared in constant time; a ?token= is moved into
 *      a cookie and the browser sent to the same URL without it (303), so
 *      the secret does not stay in its history;
 *   2. since/until parsed (400 with a message if bad), snapshot fetched;
 *   3. route -> page/API function writing into a memory stream;
 *   4. answer with a strict Content-Security-Policy (no inline script or
 *      style), nosniff, no referrer, no framing, and HSTS under TLS.
 * Connections: at most max_conns_per_ip per client address, and each must
 * complete its headers within header_timeout of connecting or of its last
 * answer (guard.c), which a trickle of bytes cannot extend.
 * Every query parameter is parsed by query.c's checked parsers; a bad one
 * gets a 400 with the reason, never a crash.  The server only reads: the
 * data source opens the database read-only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <graphviz/gvc.h>
#include <microhttpd.h>

#include "util/addr.h"
#include "util/json.h"
#include "web/web_int.h"

#define CSP RK_WEB_CSP_META "; frame-ancestors 'none'"
#define HSTS "max-age=31536000"
#define MAX_HOSTS 40
#define MAX_CONNS 1024u
#define RETRY_AFTER "5"

struct server {
	struct rk_web *w;
	const struct rk_web_opts *o;
	const char *hosts[MAX_HOSTS];   /* accepted Host names (lowercase; borrowed) */
	int n_hosts;
	char listen_host[RK_ADDR_STRLEN + 2]; /* the --listen address as a Host name */
	struct rk_web_conns conns;      /* header deadlines */
	struct rk_web_log log;          /* libmicrohttpd's lines, rate-limited */
};

/* Markers the URI callback leaves in a request's con_cls. */
static char uri_ok, uri_nul;

/* Free a web context (its cached snapshots and Graphviz). */
void
rk_web_free(struct rk_web *w)
{
	if (w == NULL)
		return;
	for (int i = 0; i < RK_WEB_SNAPS; i++)
		rk_web_snap_free(w->snaps[i]);
	if (w->gvc != NULL)
		gvFreeContext(w->gvc);
	rk_web_gate_fini(&w->gate);
	pthread_rwlock_destroy(&w->names_rw);
	pthread_mutex_destroy(&w->gv_mu);
	pthread_mutex_destroy(&w->src_mu);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

/* A context serving src (borrowed).  NULL if out of memory. */
struct rk_web *
rk_web_new(const struct rk_web_source *src, const char *version)
{
	struct rk_web *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	if (rk_web_gate_init(&w->gate, 2, 2, 3000) != 0) {
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_mutex_init(&w->src_mu, NULL);
	pthread_mutex_init(&w->gv_mu, NULL);
	pthread_rwlock_init(&w->names_rw, NULL);
	w->src = *src;
	w->version = version != NULL ? version : "";
	return w;
}

/*
 * Use sites (borrowed for w's life; NULL: every /24 and /64 is a site)
 * for the impact pages' per-site counts and @site targets.
 */
void
rk_web_set_sites(struct rk_web *w, const struct rk_sites *sites)
{
	w->sites = sites;
}

/* Constant-time comparison of two NUL-terminated secrets. */
static int
secret_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i % (lb ? lb : 1)];
	return d == 0;
}

static const char *
arg(struct MHD_Connection *c, const char *k)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
}

static const char *
args_get(void *ctx, const char *k)
{
	return arg(ctx, k);
}

/* The headers of every answer. */
static void
common_headers(const struct server *sv, struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (sv->o->tls_cert != NULL)
		MHD_add_response_header(r, "Strict-Transport-Security", HSTS);
}

/* Answer buf (ours, freed) with headers; extra is NULL or name, value, ..., NULL. */
static enum MHD_Result
send_buf(const struct server *sv, struct MHD_Connection *c, int status, const char *type,
    char *buf, size_t len, const char *const *extra)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (r == NULL) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	common_headers(sv, r);
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	for (; extra != NULL && extra[0] != NULL; extra += 2)
		MHD_add_response_header(r, extra[0], extra[1]);
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
send_static(const struct server *sv, struct MHD_Connection *c, const struct rk_web_asset *a)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(a->len, (void *)a->data,
	    MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", a->type);
	common_headers(sv, r);
	MHD_add_response_header(r, "Cache-Control", "max-age=3600");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* A short text/plain answer (before any page context exists). */
static enum MHD_Result
send_text(const struct server *sv, struct MHD_Connection *c, int status, const char *msg,
    const char *const *extra)
{
	char *buf = strdup(msg);

	if (buf == NULL)
		return MHD_NO;
	return send_buf(sv, c, status, "text/plain; charset=utf-8", buf, strlen(buf), extra);
}

/* An error as HTML or JSON ({"error": msg}); 405 says Allow, 503 Retry-After. */
static enum MHD_Result
send_error(const struct server *sv, struct MHD_Connection *c, struct rk_page *p, int is_api,
    int status, const char *msg)
{
	static const char *const allow[] = {"Allow", "GET, HEAD", NULL};
	static const char *const retry[] = {"Retry-After", RETRY_AFTER, NULL};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return MHD_NO;
	if (is_api) {
		fprintf(f, "{\"error\": ");
		rk_json_escape(f, msg);
		fprintf(f, ", \"status\": %d}\n", status);
	} else {
		p->f = f;
		rk_page_error(p, status, msg);
	}
	fclose(f);
	return send_buf(sv, c, status, is_api ? "application/json" : "text/html; charset=utf-8",
	    buf, len, status == 405 ? allow : status == 503 ? retry : NULL);
}

/* How the request was authorised. */
enum { AUTH_NONE_NEEDED, AUTH_OK, AUTH_BY_QUERY, AUTH_DENIED };

static int
basic_ok(const struct server *sv, struct MHD_Connection *c)
{
	char *pass = NULL, *user = MHD_basic_auth_get_username_password(c, &pass);
	int ok = 0;

	if (user != NULL && pass != NULL) {
		char both[512];
		snprintf(both, sizeof(both), "%s:%s", user, pass);
		ok = secret_eq(both, sv->o->auth_basic);
	}
	if (user != NULL)
		MHD_free(user);
	if (pass != NULL)
		MHD_free(pass);
	return ok;
}

static int
authorised(const struct server *sv, struct MHD_Connection *c)
{
	const struct rk_web_opts *o = sv->o;
	const char *h, *t;

	if (o->auth_token == NULL && o->auth_basic == NULL)
		return AUTH_NONE_NEEDED;
	if (o->auth_token != NULL) {
		h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
		if (h != NULL && strncmp(h, "Bearer ", 7) == 0 && secret_eq(h + 7, o->auth_token))
			return AUTH_OK;
		t = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "renkei_token");
		if (t != NULL && secret_eq(t, o->auth_token))
			return AUTH_OK;
		t = arg(c, "token");
		if (t != NULL && secret_eq(t, o->auth_token))
			return AUTH_BY_QUERY;
	}
	if (o->auth_basic != NULL && basic_ok(sv, c))
		return AUTH_OK;
	return AUTH_DENIED;
}

static enum MHD_Result
deny(const struct server *sv, struct MHD_Connection *c)
{
	static const char msg[] = "authentication required\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
	    MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain");
	common_headers(sv, r);
	if (sv->o->auth_basic != NULL) {
		ret = MHD_queue_basic_auth_fail_response(c, "renkei", r);
	} else {
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"renkei\"");
		ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, r);
	}
	MHD_destroy_response(r);
	return ret;
}

/* Append one query parameter (but the token) to the Location being built. */
static enum MHD_Result
add_param(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	FILE *f = cls;

	(void)kind;
	if (strcmp(key, "token") == 0)
		return MHD_YES;
	fputc('&', f);
	rk_html_urlenc(f, key);
	if (value != NULL) {
		fputc('=', f);
		rk_html_urlenc(f, value);
	}
	return MHD_YES;
}

/*
 * The token came as ?token=: set it as a cookie and send the browser to
 * the same URL without it (303), so it stays in no history or log.
 */
static enum MHD_Result
token_redirect(const struct server *sv, struct MHD_Connection *c, const char *url)
{
	char cookie[600], *q = NULL, *loc;
	size_t qlen = 0, llen;
	FILE *f = open_memstream(&q, &qlen);
	const char *extra[] = {"Set-Cookie", cookie, "Location", NULL, NULL};
	enum MHD_Result ret;

	if (f == NULL)
		return MHD_NO;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_param, f);
	fclose(f);
	snprintf(cookie, sizeof(cookie), "renkei_token=%s; HttpOnly; SameSite=Strict; Path=/%s",
	    sv->o->auth_token, sv->o->tls_cert != NULL ? "; Secure" : "");
	/* q is "&k=v&k=v" (or empty): its first '&' becomes '?'. */
	llen = strlen(url) + qlen + 2;
	if (q == NULL || (loc = malloc(llen)) == NULL) {
		free(q);
		return MHD_NO;
	}
	snprintf(loc, llen, "%s%s%s", url, qlen > 0 ? "?" : "", qlen > 0 ? q + 1 : "");
	free(q);
	extra[3] = loc;
	ret = send_text(sv, c, MHD_HTTP_SEE_OTHER, "authenticated: go on without the token\n",
	    extra);
	free(loc);
	return ret;
}

/* Is the request's Host one of ours: a listed name, or the address it came to? */
static int
host_ok(const struct server *sv, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const union MHD_ConnectionInfo *ci;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[RK_ADDR_STRLEN + 2];
	const char *local = a;

	if (h == NULL)
		return 1; /* HTTP/1.0 (libmicrohttpd requires Host of 1.1): no browser */
	if (rk_web_host_allowed(h, sv->hosts, sv->n_hosts))
		return 1;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL || getsockname(ci->connect_fd, (struct sockaddr *)&ss, &sl) != 0)
		return 0;
	if (ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof(a));
	} else if (ss.ss_family == AF_INET6) {
		a[0] = '[';
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, a + 1, sizeof(a) - 2);
		strcat(a, "]");
	} else {
		return 0;
	}
	return rk_web_host_allowed(h, &local, 1);
}

/* The answer to a Host that is not ours. */
static enum MHD_Result
send_misdirected(const struct server *sv, struct MHD_Connection *c)
{
	char msg[512];
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");

	snprintf(msg, sizeof(msg), "421 misdirected request: this server does not answer to "
	    "the name '%.200s' (a defence against DNS rebinding).  Use the address it listens "
	    "on, or start it with --allow-host NAME.\n", h != NULL ? h : "");
	return send_text(sv, c, MHD_HTTP_MISDIRECTED_REQUEST, msg, NULL);
}

/* Every ?target= of a request, in order (at most RK_WEB_IMPACT_MAX + 1 kept). */
struct target_values {
	const char *v[RK_WEB_IMPACT_MAX + 1];
	size_t n;
};

static enum MHD_Result
add_target(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct target_values *t = cls;

	(void)kind;
	if (strcmp(key, "target") == 0 && value != NULL && t->n < RK_WEB_IMPACT_MAX + 1)
		t->v[t->n++] = value;
	return MHD_YES;
}

/* The impact routes: /impact, /needs, /api/impact, /api/needs.  rc as route's. */
static int
route_impact(struct MHD_Connection *c, const char *url, struct rk_page *p, struct rk_err *err,
    const char **why)
{
	struct target_values tv = {.n = 0};
	struct rk_web_impact_q *q = malloc(sizeof(*q));
	int rc;

	if (q == NULL)
		return rk_err_set(err, RK_E_NOMEM, "out of memory");
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_target, &tv);
	if (tv.n > RK_WEB_IMPACT_MAX) {
		free(q);
		return *why = "target: at most 64 targets", -RK_E_INVAL;
	}
	if (rk_web_query_impact(tv.v, tv.n, arg(c, "depth"), q, why) != 0) {
		free(q);
		return -RK_E_INVAL;
	}
	q->needs = strstr(url, "needs") != NULL;
	rc = strncmp(url, "/api/", 5) == 0 ? rk_api_impact(p, q, err) : rk_page_impact(p, q, err);
	if (rc == -RK_E_INVAL)
		*why = err->msg; /* render's err: names the bad target */
	free(q);
	return rc;
}

/* The map routes: /map, /map.svg, /api/map.  rc as the pages'. */
static int
route_map(struct rk_page *p, const char *url, const struct rk_web_map_filter *mf,
    struct rk_err *err)
{
	size_t n;
	char *svg;

	if (strncmp(url, "/api/", 5) == 0) {
		rk_web_map_json(p, mf);
		return 0;
	}
	if (strcmp(url, "/map") == 0)
		return rk_page_map(p, mf, err);
	if ((svg = rk_web_map_svg(p, mf, &n, err)) == NULL)
		return err->code == RK_E_BUSY ? -RK_E_BUSY : -RK_E_NOMEM;
	fwrite(svg, 1, n, p->f);
	free(svg);
	return 0;
}

/*
 * Render the page of url into p->f: 0, >0 for 404 (err says why), <0 on
 * failure (-RK_E_BUSY: too much work running), or -RK_E_INVAL with *why
 * (a bad parameter: 400).  No page: 404 with *why = NULL and rc 1, err empty.
 */
static int
route(struct MHD_Connection *c, const char *url, struct rk_page *p, struct rk_err *err,
    const char **why)
{
	const struct rk_web_args a = {args_get, c};
	int is_api = strncmp(url, "/api/", 5) == 0;
	const char *v;
	uint8_t ip[RK_ADDR_LEN];

	if (strcmp(url, "/") == 0)
		return rk_page_overview(p);
	if (strcmp(url, "/networks") == 0)
		return rk_page_networks(p);
	if (strcmp(url, "/api/summary") == 0)
		return rk_api_summary(p), 0;
	if (strcmp(url, "/api/networks") == 0)
		return rk_api_networks(p), 0;
	if (strcmp(url, "/network") == 0 || strcmp(url, "/api/network") == 0) {
		if (rk_web_parse_net(arg(c, "net"), ip) != 0)
			return *why = "net: a network like 10.1.2.0/24 or 2001:db8::/64", -RK_E_INVAL;
		return is_api ? rk_api_network(p, ip, err) : rk_page_network(p, ip, err);
	}
	if (strcmp(url, "/hosts") == 0 || strcmp(url, "/api/hosts") == 0) {
		struct rk_hosts_q q;
		if (rk_web_query_hosts(&a, &q, why) != 0)
			return -RK_E_INVAL;
		return is_api ? (rk_api_hosts(p, &q), 0) : rk_page_hosts(p, &q);
	}
	if (strcmp(url, "/host") == 0 || strcmp(url, "/api/host") == 0) {
		if ((v = arg(c, "ip")) == NULL || rk_addr_parse(v, ip) != 0)
			return *why = "ip: an IPv4 or IPv6 address", -RK_E_INVAL;
		return is_api ? rk_api_host(p, ip, err) : rk_page_host(p, ip, err);
	}
	if (strcmp(url, "/service") == 0 || strcmp(url, "/api/service") == 0) {
		struct rk_ep_key k;
		if (rk_web_parse_svc(arg(c, "ip"), arg(c, "proto"), arg(c, "port"), &k) != 0)
			return *why = "ip, proto (tcp, udp or a number) and port (0-65535) are "
			    "needed", -RK_E_INVAL;
		return is_api ? rk_api_service(p, &k, err) : rk_page_service(p, &k, err);
	}
	if (strcmp(url, "/map") == 0 || strcmp(url, "/api/map") == 0 ||
	    strcmp(url, "/map.svg") == 0) {
		struct rk_web_map_filter mf;
		if (rk_web_query_map(&a, &mf, why) != 0)
			return -RK_E_INVAL;
		return route_map(p, url, &mf, err);
	}
	if (strcmp(url, "/impact") == 0 || strcmp(url, "/needs") == 0 ||
	    strcmp(url, "/api/impact") == 0 || strcmp(url, "/api/needs") == 0)
		return route_impact(c, url, p, err, why);
	snprintf(err->msg, sizeof(err->msg), "no such page");
	return 1;
}

/* Is url a page or API route (checked before any data is loaded)? */
static int
is_route(const char *url)
{
	static const char *const routes[] = {"/", "/networks", "/network", "/hosts", "/host",
	    "/service", "/map", "/map.svg", "/api/summary", "/api/networks", "/api/network",
	    "/api/hosts", "/api/host", "/api/service", "/api/map", "/impact", "/needs",
	    "/api/impact", "/api/needs", NULL};

	for (const char *const *r = routes; *r != NULL; r++)
		if (strcmp(url, *r) == 0)
			return 1;
	return 0;
}

static const char *
content_type(const char *url)
{
	if (strncmp(url, "/api/", 5) == 0)
		return "application/json";
	return strcmp(url, "/map.svg") == 0 ? "image/svg+xml" : "text/html; charset=utf-8";
}

/* Render url from p's snapshot and answer it (or its error). */
static enum MHD_Result
render(const struct server *sv, struct MHD_Connection *c, const char *url, struct rk_page *p)
{
	struct rk_err err = {0};
	const char *why = NULL;
	int is_api = strncmp(url, "/api/", 5) == 0, rc;
	char *buf = NULL;
	size_t len = 0;

	if ((p->f = open_memstream(&buf, &len)) == NULL)
		return MHD_NO;
	pthread_rwlock_rdlock(&sv->w->names_rw);
	rc = route(c, url, p, &err, &why);
	pthread_rwlock_unlock(&sv->w->names_rw);
	fclose(p->f);
	if (rc == 0)
		return send_buf(sv, c, 200, content_type(url), buf, len, NULL);
	free(buf);
	if (why != NULL)
		return send_error(sv, c, p, is_api, 400, why);
	if (rc == -RK_E_BUSY)
		return send_error(sv, c, p, is_api, 503, err.msg);
	return send_error(sv, c, p, is_api, rc > 0 ? 404 : 500,
	    err.msg[0] ? err.msg : "internal error");
}

/* Everything after the request's checks and auth: assets, range, snapshot, page. */
static enum MHD_Result
answer(const struct server *sv, struct MHD_Connection *c, const char *url)
{
	const struct rk_web_args a = {args_get, c};
	struct rk_page p = {0};
	struct rk_err err = {0};
	const char *why = NULL;
	uint64_t since, until;
	int is_api = strncmp(url, "/api/", 5) == 0;
	enum MHD_Result ret;

	p.w = sv->w;
	if (strncmp(url, "/assets/", 8) == 0) {
		for (const struct rk_web_asset *as = rk_web_assets; as->name != NULL; as++)
			if (strcmp(url + 8, as->name) == 0)
				return send_static(sv, c, as);
		return send_error(sv, c, &p, 0, 404, "no such file");
	}
	if (!is_route(url))
		return send_error(sv, c, &p, is_api, 404, "no such page");
	if (rk_web_query_range(&a, &since, &until, &why) != 0)
		return send_error(sv, c, &p, is_api, 400, why);
	if (since || until)
		snprintf(p.range, sizeof(p.range), "since=%" PRIu64 "&until=%" PRIu64,
		    since / 1000000, until / 1000000);
	if ((p.s = rk_web_snap_get(sv->w, since, until, &err)) == NULL)
		return send_error(sv, c, &p, is_api, err.code == RK_E_BUSY ? 503 : 500,
		    err.msg[0] ? err.msg : "cannot load data");
	ret = render(sv, c, url, &p);
	rk_web_snap_put(sv->w, p.s);
	return ret;
}

/* The connection's deadline slot (guard.c), or NULL if untracked. */
static struct rk_web_conn *
conn_slot(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct server *sv = cls;
	struct rk_page p = {.w = sv->w};
	int is_api = strncmp(url, "/api/", 5) == 0;

	(void)version;
	(void)upload_data;
	(void)upload_size;
	rk_web_conns_busy(&sv->conns, conn_slot(c), true);
	if (*con_cls == &uri_nul)
		return send_error(sv, c, &p, is_api, 400, "the request has a NUL byte (%00)");
	if (!host_ok(sv, c))
		return send_misdirected(sv, c);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return send_error(sv, c, &p, 1, 405, "only GET");
	switch (authorised(sv, c)) {
	case AUTH_DENIED: return deny(sv, c);
	case AUTH_BY_QUERY: return token_redirect(sv, c, url);
	default: return answer(sv, c, url);
	}
}

/*
 * MHD_OPTION_URI_LOG_CALLBACK: mark a target that holds a NUL, as %00 or
 * as a byte.  libmicrohttpd (0.9.75) cuts the target at either, so
 * "/assets/renkei.js%00.html" would be served as /assets/renkei.js.  It
 * hands us the raw target in place in its request line, where it has put
 * a NUL just before the "HTTP/1.x" version: a target whose first NUL is
 * not followed by "HTTP/" had a NUL byte of its own.
 */
static void *
uri_check(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)c;
	if (rk_web_uri_has_nul(uri) || strncmp(uri + strlen(uri) + 1, "HTTP/", 5) != 0)
		return &uri_nul;
	return &uri_ok;
}

/* MHD_OPTION_NOTIFY_CONNECTION: start and stop a connection's header clock. */
static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct server *sv = cls;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci != NULL ? rk_web_conns_add(&sv->conns, ci->connect_fd) : NULL;
	} else {
		rk_web_conns_del(&sv->conns, *socket_context);
		*socket_context = NULL;
	}
}

/* MHD_OPTION_NOTIFY_COMPLETED: an answer is done; the next headers' clock starts. */
static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server *sv = cls;

	(void)con_cls;
	(void)toe;
	rk_web_conns_busy(&sv->conns, conn_slot(c), false);
}

static char *
slurp(const char *path, struct rk_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int ch;

	if (f == NULL) {
		rk_err_set(err, RK_E_IO, "cannot read %s", path);
		return NULL;
	}
	m = open_memstream(&buf, &len);
	if (m == NULL) {
		fclose(f);
		return NULL;
	}
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, m);
	fclose(f);
	fclose(m);
	return buf;
}

/* "ADDR:PORT" / "[V6]:PORT" into a socket address.  0 or -RK_E_INVAL. */
static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sl, struct rk_err *err)
{
	char host[RK_ADDR_STRLEN + 2];
	const char *colon = strrchr(s, ':');
	uint64_t port;
	size_t hl;

	if (colon == NULL || rk_web_parse_u64(colon + 1, 0, 65535, &port) != 0)
		return rk_err_set(err, RK_E_INVAL, "--listen %s: want ADDR:PORT (127.0.0.1:8080, "
		    "[::1]:8080, localhost:8080)", s);
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return rk_err_set(err, RK_E_INVAL, "--listen %s: want ADDR:PORT", s);
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1"); /* the one name taken: no resolver */
	memset(ss, 0, sizeof(*ss));
	if (strchr(host, ':') == NULL) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return rk_err_set(err, RK_E_INVAL, "--listen %s: '%s' is not an IP address "
			    "(want 127.0.0.1:8080, [::1]:8080, localhost:8080 or 0.0.0.0:8080)", s, host);
		*sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return rk_err_set(err, RK_E_INVAL, "--listen %s: '%s' is not an IPv6 address",
			    s, host);
		*sl = sizeof(*in6);
	}
	return 0;
}

/*
 * Check a --listen value before anything is loaded: 0 with *is_loopback
 * (OUT) set when its address is 127/8 or ::1, or -RK_E_INVAL with err
 * saying what is wrong with it.
 */
int
rk_web_listen_check(const char *listen, int *is_loopback, struct rk_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	if (parse_listen(listen, &ss, &sl, err) != 0)
		return -RK_E_INVAL;
	if (ss.ss_family == AF_INET)
		*is_loopback = (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
	else
		*is_loopback = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr);
	return 0;
}

/*
 * The listening socket, bound by us rather than by libmicrohttpd so a
 * refusal names its reason ("Address already in use") and the port asked
 * for.  OUT: *port, the port bound (the real one when 0 was asked).
 * Returns the socket, or -1 with err set.
 */
static int
listen_socket(const char *what, const struct sockaddr_storage *ss, socklen_t sl,
    unsigned *port, struct rk_err *err)
{
	struct sockaddr_storage got;
	socklen_t gl = sizeof(got);
	int fd, on = 1, e;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rk_err_set(err, RK_E_IO, "--listen %s: %s", what, strerror(errno)), -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ss->ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)ss, sl) != 0 || listen(fd, 256) != 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &gl) != 0) {
		e = errno;
		close(fd);
		rk_err_set(err, RK_E_IO, "cannot listen on %s: %s%s", what, strerror(e),
		    e == EADDRINUSE ? " (another program has that port: pick another with "
		    "--listen ADDR:PORT)" : e == EACCES ? " (ports below 1024 need root or "
		    "CAP_NET_BIND_SERVICE)" : e == EADDRNOTAVAIL ? " (no interface of this "
		    "machine has that address)" : "");
		return -1;
	}
	*port = ntohs(got.ss_family == AF_INET ? ((struct sockaddr_in *)&got)->sin_port :
	    ((struct sockaddr_in6 *)&got)->sin6_port);
	return fd;
}

/* The Host names accepted (besides the address a connection came to). */
static void
host_names(struct server *sv)
{
	const struct rk_web_opts *o = sv->o;
	int n = (int)(strrchr(o->listen, ':') - o->listen); /* parse_listen found it */
	int is_bare_v6 = o->listen[0] != '[' && memchr(o->listen, ':', (size_t)n) != NULL;

	snprintf(sv->listen_host, sizeof(sv->listen_host), "%s%.*s%s", is_bare_v6 ? "[" : "",
	    n, o->listen, is_bare_v6 ? "]" : "");
	for (char *ch = sv->listen_host; *ch != '\0'; ch++)
		if (*ch >= 'A' && *ch <= 'Z')
			*ch = (char)(*ch - 'A' + 'a');
	sv->hosts[sv->n_hosts++] = "localhost";
	sv->hosts[sv->n_hosts++] = "127.0.0.1";
	sv->hosts[sv->n_hosts++] = "[::1]";
	sv->hosts[sv->n_hosts++] = sv->listen_host;
	for (int i = 0; i < o->n_allow_hosts && sv->n_hosts < MAX_HOSTS; i++)
		sv->hosts[sv->n_hosts++] = o->allow_hosts[i];
}

/* Start libmicrohttpd's thread pool on the bound socket fd.  NULL if it would not. */
static struct MHD_Daemon *
start(struct server *sv, int fd, const char *cert, const char *key, int is_v6)
{
	const struct rk_web_opts *o = sv->o;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	unsigned n_threads = o->n_threads ? o->n_threads : 8;
	unsigned per_ip = o->max_conns_per_ip ? o->max_conns_per_ip : 64;
	struct MHD_OptionItem ops[] = {
		{MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)rk_web_log_mhd, &sv->log}, /* first */
		{MHD_OPTION_LISTEN_SOCKET, fd, NULL},
		{MHD_OPTION_THREAD_POOL_SIZE, n_threads, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, MAX_CONNS, NULL},
		{MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL},
		{MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_check, NULL},
		{MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, sv},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, sv},
		{cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)cert},
		{cert != NULL ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, (void *)key},
		{MHD_OPTION_END, 0, NULL},
	};

	flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL :
	    MHD_USE_POLL;
	if (is_v6)
		flags |= MHD_USE_IPv6;
	if (cert != NULL)
		flags |= MHD_USE_TLS;
	return MHD_start_daemon(flags, 0, NULL, NULL, handle, sv, MHD_OPTION_ARRAY, ops,
	    MHD_OPTION_END);
}

/* Serve until *stop, sweeping overdue connections and flushing the log count. */
static void
run(struct server *sv, volatile sig_atomic_t *stop)
{
	while (!*stop) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
		rk_web_conns_sweep(&sv->conns);
		rk_web_log_flush(&sv->log);
	}
}

/* TLS material into *cert, *key (NULL, NULL without TLS).  0 or <0 + err. */
static int
load_tls(const struct rk_web_opts *o, char **cert, char **key, struct rk_err *err)
{
	*cert = *key = NULL;
	if (o->tls_cert == NULL && o->tls_key == NULL)
		return 0;
	if (o->tls_cert == NULL || o->tls_key == NULL)
		return rk_err_set(err, RK_E_INVAL, "TLS needs both --tls-cert and --tls-key");
	if ((*cert = slurp(o->tls_cert, err)) == NULL || (*key = slurp(o->tls_key, err)) == NULL) {
		free(*cert);
		*cert = NULL;
		return -RK_E_IO;
	}
	return 0;
}

/*
 * Serve w over HTTP(S) until *stop is set.  The caller has checked that a
 * non-loopback address comes with auth.  on_listen(arg, port) is called
 * once bound (the port is the real one when 0 was asked).  0 or <0 + err.
 */
int
rk_web_serve(struct rk_web *w, const struct rk_web_opts *o, volatile sig_atomic_t *stop,
    void (*on_listen)(void *arg, unsigned port), void *arg, struct rk_err *err)
{
	struct server sv = {.w = w, .o = o};
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	char *cert = NULL, *key = NULL;
	struct MHD_Daemon *d;
	unsigned port = 0;
	int rc = 0, fd;

	if (parse_listen(o->listen, &ss, &sl, err) != 0)
		return -RK_E_INVAL;
	/* Load the whole range before listening, so no visitor waits for it. */
	{
		struct rk_err werr = {0};
		rk_web_snap_put(w, rk_web_snap_get(w, 0, 0, &werr));
	}
	if ((rc = load_tls(o, &cert, &key, err)) != 0)
		return rc;
	if (o->max_expensive > 0)
		w->gate.max_run = w->gate.max_wait = o->max_expensive;
	if (rk_web_conns_init(&sv.conns, MAX_CONNS, (o->header_timeout ? o->header_timeout :
	    10) * 1000u) != 0) {
		rc = rk_err_set(err, RK_E_NOMEM, "out of memory");
		goto out;
	}
	pthread_mutex_init(&sv.log.mu, NULL);
	if ((fd = listen_socket(o->listen, &ss, sl, &port, err)) < 0) {
		rc = -RK_E_IO;
		goto out_conns;
	}
	host_names(&sv);
	/* The sandbox comes before libmicrohttpd's threads, which inherit it. */
	if (o->confine != NULL && (rc = o->confine(o->confine_arg, err)) < 0) {
		close(fd);
		goto out_conns;
	}
	if ((d = start(&sv, fd, cert, key, ss.ss_family == AF_INET6)) == NULL) {
		close(fd);
		rc = rk_err_set(err, RK_E_IO, "cannot serve on %s%s", o->listen,
		    cert != NULL ? ": the TLS certificate or key is unusable (check --tls-cert "
		    "and --tls-key: PEM files that belong together)" : "");
		goto out_conns;
	}
	if (on_listen != NULL)
		on_listen(arg, port);
	run(&sv, stop);
	MHD_stop_daemon(d); /* closes fd too */
out_conns:
	pthread_mutex_destroy(&sv.log.mu);
	rk_web_conns_fini(&sv.conns);
out:
	free(cert);
	free(key);
	return rc;
}

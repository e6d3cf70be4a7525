/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/server.c - `renkei serve`: libmicrohttpd in front of the pages.
 *
 * HTTP parsing is libmicrohttpd's (no hand-written parser).  It runs one
 * internal polling thread; every request is answered on it, so the page
 * code and the snapshot cache need no lock, and libgvc (not thread-safe)
 * is only ever called from it.  Each request:
 *   1. auth (when configured): bearer token (header, cookie or ?token=)
 *      or basic auth, compared in constant time;
 *   2. since/until parsed (400 with a message if bad), snapshot fetched;
 *   3. route -> page/API function writing into a memory stream;
 *   4. answer with a strict Content-Security-Policy (no inline script or
 *      style), nosniff, no referrer, no framing.
 * Every query parameter is parsed by html.c's checked parsers; a bad one
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

#define CSP "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

struct server {
	struct rk_web *w;
	const struct rk_web_opts *o;
};

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
	free(w);
}

/* A context serving src (borrowed).  NULL if out of memory. */
struct rk_web *
rk_web_new(const struct rk_web_source *src, const char *version)
{
	struct rk_web *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->src = *src;
	w->version = version != NULL ? version : "";
	return w;
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

static enum MHD_Result
send_buf(struct MHD_Connection *c, int status, const char *type, char *buf, size_t len,
    const char *cookie)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (r == NULL) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (cookie != NULL)
		MHD_add_response_header(r, "Set-Cookie", cookie);
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
send_static(struct MHD_Connection *c, const struct rk_web_asset *a)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(a->len, (void *)a->data,
	    MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", a->type);
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Cache-Control", "max-age=3600");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* An error as HTML or JSON ({"error": msg}). */
static enum MHD_Result
send_error(struct MHD_Connection *c, struct rk_page *p, int is_api, int status, const char *msg)
{
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
	return send_buf(c, status, is_api ? "application/json" : "text/html; charset=utf-8", buf,
	    len, NULL);
}

/* 0 if the request may go on; else the reason it may not. */
static int
authorised(struct server *sv, struct MHD_Connection *c, int *set_cookie)
{
	const struct rk_web_opts *o = sv->o;
	const char *h, *t;

	*set_cookie = 0;
	if (o->auth_token == NULL && o->auth_basic == NULL)
		return 0;
	if (o->auth_token != NULL) {
		h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
		if (h != NULL && strncmp(h, "Bearer ", 7) == 0 && secret_eq(h + 7, o->auth_token))
			return 0;
		t = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "renkei_token");
		if (t != NULL && secret_eq(t, o->auth_token))
			return 0;
		t = arg(c, "token");
		if (t != NULL && secret_eq(t, o->auth_token)) {
			*set_cookie = 1;
			return 0;
		}
	}
	if (o->auth_basic != NULL) {
		char *pass = NULL, *user = MHD_basic_auth_get_username_password(c, &pass);
		int ok = 0;
		if (user != NULL && pass != NULL) {
			char both[512];
			snprintf(both, sizeof(both), "%s:%s", user, pass);
			ok = secret_eq(both, o->auth_basic);
		}
		if (user != NULL)
			MHD_free(user);
		if (pass != NULL)
			MHD_free(pass);
		if (ok)
			return 0;
	}
	return -1;
}

static enum MHD_Result
deny(struct server *sv, struct MHD_Connection *c)
{
	static const char msg[] = "authentication required\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
	    MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain");
	if (sv->o->auth_basic != NULL) {
		ret = MHD_queue_basic_auth_fail_response(c, "renkei", r);
	} else {
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"renkei\"");
		ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, r);
	}
	MHD_destroy_response(r);
	return ret;
}

/* The hosts query from ?q=&sort=&order=&page=&per_page=&servers=. */
static int
hosts_query(struct MHD_Connection *c, struct rk_hosts_q *q, const char **why)
{
	const char *v;

	memset(q, 0, sizeof(*q));
	q->q = arg(c, "q");
	q->page = 1;
	q->per_page = 100;
	if (q->q != NULL && strlen(q->q) > 255)
		return *why = "q: at most 255 characters", -1;
	if ((v = arg(c, "sort")) != NULL && rk_web_parse_sort(v, &q->sort) != 0)
		return *why = "sort: one of ip, name, services, used, bytes, first, last", -1;
	if ((v = arg(c, "order")) != NULL) {
		if (strcmp(v, "asc") != 0 && strcmp(v, "desc") != 0)
			return *why = "order: asc or desc", -1;
		q->desc = strcmp(v, "desc") == 0;
	}
	if ((v = arg(c, "page")) != NULL && rk_web_parse_u64(v, 1, 100000000, &q->page) != 0)
		return *why = "page: a number from 1", -1;
	if ((v = arg(c, "per_page")) != NULL &&
	    rk_web_parse_u64(v, 1, 1000, &q->per_page) != 0)
		return *why = "per_page: a number from 1 to 1000", -1;
	if ((v = arg(c, "servers")) != NULL) {
		if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0)
			return *why = "servers: 0 or 1", -1;
		q->servers_only = v[0] == '1';
	}
	return 0;
}

/* The map filter from ?net= | ?host= | ?service=&proto=&port=, &infra=. */
static int
map_filter(struct MHD_Connection *c, struct rk_web_map_filter *mf, const char **why)
{
	const char *net = arg(c, "net"), *host = arg(c, "host"), *svc = arg(c, "service");
	const char *infra = arg(c, "infra");
	int n = 0;

	memset(mf, 0, sizeof(*mf));
	/* An empty field of the filter form means "not set". */
	if (net != NULL && net[0] == '\0')
		net = NULL;
	if (host != NULL && host[0] == '\0')
		host = NULL;
	if (svc != NULL && svc[0] == '\0')
		svc = NULL;
	n = (net != NULL) + (host != NULL) + (svc != NULL);
	if (n > 1)
		return *why = "give one of net, host, service", -1;
	if (net != NULL) {
		if (rk_web_parse_net(net, mf->net) != 0)
			return *why = "net: a network like 10.1.2.0/24 or 2001:db8::/64", -1;
		mf->has_net = true;
	}
	if (host != NULL) {
		if (rk_addr_parse(host, mf->host) != 0)
			return *why = "host: an IPv4 or IPv6 address", -1;
		mf->has_host = true;
	}
	if (svc != NULL) {
		if (rk_web_parse_svc(svc, arg(c, "proto"), arg(c, "port"), &mf->svc) != 0)
			return *why = "service: an address, with proto (tcp, udp) and port", -1;
		mf->has_svc = true;
	}
	if (infra != NULL) {
		if (strcmp(infra, "1") != 0 && strcmp(infra, "0") != 0)
			return *why = "infra: 0 or 1", -1;
		mf->infra = infra[0] == '1';
	}
	return 0;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct server *sv = cls;
	struct rk_page p = {0};
	struct rk_err err = {0};
	const char *v, *why = NULL;
	uint64_t since = 0, until = 0;
	int is_api = strncmp(url, "/api/", 5) == 0, rc = 0, status = 200, set_cookie;
	char *buf = NULL;
	size_t len = 0;
	uint8_t ip[RK_ADDR_LEN];
	FILE *f;

	(void)version;
	(void)upload_data;
	(void)upload_size;
	(void)con_cls;
	p.w = sv->w;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return send_error(c, &p, 1, 405, "only GET");
	if (authorised(sv, c, &set_cookie) != 0)
		return deny(sv, c);
	if (strncmp(url, "/assets/", 8) == 0) {
		for (const struct rk_web_asset *a = rk_web_assets; a->name != NULL; a++)
			if (strcmp(url + 8, a->name) == 0)
				return send_static(c, a);
		return send_error(c, &p, 0, 404, "no such file");
	}
	if ((v = arg(c, "since")) != NULL && v[0] != '\0' && rk_web_parse_time(v, &since) != 0)
		return send_error(c, &p, is_api, 400,
		    "since: Unix seconds or YYYY-MM-DD[THH:MM[:SS]] (UTC)");
	if ((v = arg(c, "until")) != NULL && v[0] != '\0' && rk_web_parse_time(v, &until) != 0)
		return send_error(c, &p, is_api, 400,
		    "until: Unix seconds or YYYY-MM-DD[THH:MM[:SS]] (UTC)");
	if (since != 0 && until != 0 && until <= since)
		return send_error(c, &p, is_api, 400, "until must be after since");
	if (since || until)
		snprintf(p.range, sizeof(p.range), "since=%" PRIu64 "&until=%" PRIu64,
		    since / 1000000, until / 1000000);
	p.s = rk_web_snap_get(sv->w, since, until, &err);
	if (p.s == NULL)
		return send_error(c, &p, is_api, 500, err.msg[0] ? err.msg : "cannot load data");
	f = open_memstream(&buf, &len);
	if (f == NULL)
		return MHD_NO;
	p.f = f;
	if (strcmp(url, "/") == 0) {
		rc = rk_page_overview(&p);
	} else if (strcmp(url, "/networks") == 0) {
		rc = rk_page_networks(&p);
	} else if (strcmp(url, "/network") == 0 || strcmp(url, "/api/network") == 0) {
		if (rk_web_parse_net(arg(c, "net"), ip) != 0)
			why = "net: a network like 10.1.2.0/24 or 2001:db8::/64";
		else
			rc = is_api ? rk_api_network(&p, ip, &err) : rk_page_network(&p, ip, &err);
	} else if (strcmp(url, "/hosts") == 0 || strcmp(url, "/api/hosts") == 0) {
		struct rk_hosts_q q;
		if (hosts_query(c, &q, &why) == 0) {
			if (is_api)
				rk_api_hosts(&p, &q);
			else
				rc = rk_page_hosts(&p, &q);
		}
	} else if (strcmp(url, "/host") == 0 || strcmp(url, "/api/host") == 0) {
		v = arg(c, "ip");
		if (v == NULL || rk_addr_parse(v, ip) != 0)
			why = "ip: an IPv4 or IPv6 address";
		else
			rc = is_api ? rk_api_host(&p, ip, &err) : rk_page_host(&p, ip, &err);
	} else if (strcmp(url, "/service") == 0 || strcmp(url, "/api/service") == 0) {
		struct rk_ep_key k;
		if (rk_web_parse_svc(arg(c, "ip"), arg(c, "proto"), arg(c, "port"), &k) != 0)
			why = "ip, proto (tcp, udp or a number) and port (0-65535) are needed";
		else
			rc = is_api ? rk_api_service(&p, &k, &err) : rk_page_service(&p, &k, &err);
	} else if (strcmp(url, "/map") == 0 || strcmp(url, "/api/map") == 0 ||
	    strcmp(url, "/map.svg") == 0) {
		struct rk_web_map_filter mf;
		if (map_filter(c, &mf, &why) == 0) {
			if (is_api) {
				rk_web_map_json(&p, &mf);
			} else if (url[4] == '.') {
				size_t n;
				const char *svg = rk_web_map_svg(&p, &mf, &n, &err);
				if (svg == NULL)
					rc = -RK_E_NOMEM;
				else
					fwrite(svg, 1, n, f);
			} else {
				rc = rk_page_map(&p, &mf, &err);
			}
		}
	} else if (strcmp(url, "/api/summary") == 0) {
		rk_api_summary(&p);
	} else if (strcmp(url, "/api/networks") == 0) {
		rk_api_networks(&p);
	} else {
		fclose(f);
		free(buf);
		return send_error(c, &p, is_api, 404, "no such page");
	}
	fclose(f);
	if (why != NULL || rc != 0) {
		free(buf);
		if (why != NULL)
			return send_error(c, &p, is_api, 400, why);
		status = rc > 0 ? 404 : 500;
		return send_error(c, &p, is_api, status, err.msg[0] ? err.msg : "internal error");
	}
	{
		char cookie[300];
		if (set_cookie)
			snprintf(cookie, sizeof(cookie), "renkei_token=%s; HttpOnly; SameSite=Strict; "
			    "Path=/%s", arg(c, "token"), sv->o->tls_cert != NULL ? "; Secure" : "");
		return send_buf(c, status,
		    is_api ? "application/json" :
		    strcmp(url, "/map.svg") == 0 ? "image/svg+xml" : "text/html; charset=utf-8",
		    buf, len, set_cookie ? cookie : NULL);
	}
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
	if (bind(fd, (const struct sockaddr *)ss, sl) != 0 || listen(fd, 64) != 0 ||
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

/*
 * Serve w over HTTP(S) until *stop is set.  The caller has checked that a
 * non-loopback address comes with auth.  on_listen(arg, port) is called
 * once bound (the port is the real one when 0 was asked).  0 or <0 + err.
 */
int
rk_web_serve(struct rk_web *w, const struct rk_web_opts *o, volatile sig_atomic_t *stop,
    void (*on_listen)(void *arg, unsigned port), void *arg, struct rk_err *err)
{
	struct server sv = {w, o};
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	char *cert = NULL, *key = NULL;
	struct MHD_Daemon *d;
	unsigned port = 0;
	int rc = 0, fd;

	if (parse_listen(o->listen, &ss, &sl, err) != 0)
		return -RK_E_INVAL;
	/* Load the whole range before listening, so no visitor waits for it. */
	{
		struct rk_err werr = {0};
		(void)rk_web_snap_get(w, 0, 0, &werr);
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (o->tls_cert != NULL || o->tls_key != NULL) {
		if (o->tls_cert == NULL || o->tls_key == NULL)
			return rk_err_set(err, RK_E_INVAL, "TLS needs both --tls-cert and --tls-key");
		if ((cert = slurp(o->tls_cert, err)) == NULL || (key = slurp(o->tls_key, err)) == NULL) {
			free(cert);
			return -RK_E_IO;
		}
		flags |= MHD_USE_TLS;
	}
	if ((fd = listen_socket(o->listen, &ss, sl, &port, err)) < 0) {
		rc = -RK_E_IO;
		goto out;
	}
	/* The sandbox comes before libmicrohttpd's threads, which inherit it. */
	if (o->confine != NULL && (rc = o->confine(o->confine_arg, err)) < 0) {
		close(fd);
		goto out;
	}
	if (cert != NULL)
		d = MHD_start_daemon(flags, 0, NULL, NULL, handle, &sv,
		    MHD_OPTION_LISTEN_SOCKET, fd,
		    MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		    MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
		    MHD_OPTION_END);
	else
		d = MHD_start_daemon(flags, 0, NULL, NULL, handle, &sv,
		    MHD_OPTION_LISTEN_SOCKET, fd,
		    MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		    MHD_OPTION_END);
	if (d == NULL) {
		close(fd);
		rc = rk_err_set(err, RK_E_IO, "cannot serve on %s%s", o->listen,
		    cert != NULL ? ": the TLS certificate or key is unusable (check --tls-cert "
		    "and --tls-key: PEM files that belong together)" : "");
		goto out;
	}
	if (on_listen != NULL)
		on_listen(arg, port);
	while (!*stop) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(d);
out:
	free(cert);
	free(key);
	(void)sl;
	return rc;
}

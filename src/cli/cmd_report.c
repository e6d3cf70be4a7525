/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli/cmd_report.c - "renkei report": the reports of analyze, from the store.
 *
 * Opens the store read-only, loads the buckets of a time range into an
 * empty classifier (rk_store_load) and renders it with the same text and
 * JSON writers as analyze, so a report over the whole store of two
 * captures matches analyze of both captures at once.  --diff loads two
 * ranges into two classifiers and lists the services and dependencies
 * present in one and not in the other: what appeared, what vanished.
 * Times are packet times: ISO 8601 UTC, unix seconds, or relative to the
 * newest packet in the store (-2h).  Exit codes are in cli.h.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "report/report.h"
#include "store/store.h"
#include "util/addr.h"
#include "util/human.h"
#include "util/json.h"
#include "web/web.h"

struct report_args {
	const char *db;              /* --db */
	const char *output;          /* -o, NULL = stdout */
	const char *since, *until;   /* --since, --until (text as given) */
	const char *diff[4];         /* --diff A_SINCE A_UNTIL B_SINCE B_UNTIL */
	int is_diff;                 /* --diff given */
	const char *html;            /* --html DIR: the web pages as files */
	int json;                    /* --json */
	int all_hosts;               /* --all-hosts */
	struct rk_cli_names names;   /* --services, --services-db, --hosts */
	uint8_t (*only)[RK_ADDR_LEN]; /* --host */
	size_t n_only;
};

static void
help(FILE *f)
{
	fprintf(f,
	    "usage: renkei report --db FILE [options]\n"
	    "\n"
	    "The reports of 'renkei analyze', from the store that 'renkei analyze --db'\n"
	    "fills, for any time range; or what changed between two ranges.\n"
	    "\n"
	    "      --db FILE          the store (default renkei.db)\n"
	    "      --since T          from T (inclusive)\n"
	    "      --until T          to T (exclusive)\n"
	    "      --diff A_SINCE A_UNTIL B_SINCE B_UNTIL\n"
	    "                         services and dependencies new in range B, and those\n"
	    "                         of range A that vanished in B ('-' = open end)\n"
	    "      --json             one JSON document (schema: README.md)\n"
	    "      --text             text (the default)\n"
	    "  -o, --output FILE      write to FILE instead of stdout\n"
	    "      --html DIR         write the web report (every page and the map) into\n"
	    "                         DIR, to open from disk, mail or archive\n"
	    "      --host IP          only this host (repeatable)\n"
	    "      --all-hosts        list client-only hosts too (text)\n"
	    RK_CLI_NAMES_HELP
	    "  -h, --help             this text\n"
	    "\n"
	    "T is packet time: 2023-11-14T22:00:00Z, '2023-11-14 22:00' (UTC), 2023-11-14,\n"
	    "unix seconds (1700000000), or relative to the newest packet stored: -30m,\n"
	    "-2h, -7d, -1w.  A range takes every hour (or, once rolled up, day) bucket\n"
	    "it overlaps.\n"
	    "\n"
	    "exit status: 0 ok, 1 usage, 2 the store could not be read\n");
}

/*
 * Parse a time argument into µs of packet time; newest is the newest
 * packet in the store (for relative times).  "-" and "" are open (0).
 * Returns 0 or -1.
 */
static int
parse_time(const char *s, uint64_t newest, uint64_t *out)
{
	struct tm tm;
	char *end;
	unsigned long long v;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	time_t t;

	*out = 0;
	if (s[0] == '\0' || strcmp(s, "-") == 0)
		return 0;
	if (s[0] == '-' && isdigit((unsigned char)s[1])) {
		uint64_t unit;
		errno = 0;
		v = strtoull(s + 1, &end, 10);
		if (errno != 0 || end[0] == '\0' || end[1] != '\0')
			return -1;
		switch (end[0]) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		default: return -1;
		}
		if (v > UINT64_MAX / 1000000 / unit)
			return -1;
		*out = v * unit * 1000000 >= newest ? 1 : newest - v * unit * 1000000;
		return 0;
	}
	if (strspn(s, "0123456789") == strlen(s)) {
		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno != 0 || v > UINT64_MAX / 1000000)
			return -1;
		*out = v * 1000000;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &n) != 2)
			return -1;
		s += 1 + n;
		if (*s == ':') {
			if (sscanf(s + 1, "%2d%n", &sec, &n) != 1)
				return -1;
			s += 1 + n;
		}
	}
	if (*s == 'Z')
		s++;
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    y < 1970)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) < 0)
		return -1;
	*out = (uint64_t)t * 1000000;
	return 0;
}

enum {
	OPT_DB = 256, OPT_HTML, OPT_SINCE, OPT_UNTIL, OPT_DIFF, OPT_JSON, OPT_TEXT, OPT_HOST,
	OPT_ALL_HOSTS,
};

static const struct option long_opts[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"html", required_argument, NULL, OPT_HTML},
	{"since", required_argument, NULL, OPT_SINCE},
	{"until", required_argument, NULL, OPT_UNTIL},
	{"diff", required_argument, NULL, OPT_DIFF},
	{"json", no_argument, NULL, OPT_JSON},
	{"text", no_argument, NULL, OPT_TEXT},
	{"output", required_argument, NULL, 'o'},
	{"host", required_argument, NULL, OPT_HOST},
	{"all-hosts", no_argument, NULL, OPT_ALL_HOSTS},
	RK_CLI_NAMES_LONG_OPTS,
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Parse argv into a; returns 0, 1 for --help, -1 on a usage error (reported). */
static int
parse_args(int argc, char **argv, struct report_args *a)
{
	int c;

	a->db = "renkei.db";
	rk_cli_names_init(&a->names);
	optind = 1;
	/* '+': no permutation, so --diff can take the three words after its argument. */
	while ((c = getopt_long(argc, argv, "+o:h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: a->db = optarg; break;
		case OPT_HTML: a->html = optarg; break;
		case OPT_SINCE: a->since = optarg; break;
		case OPT_UNTIL: a->until = optarg; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_TEXT: a->json = 0; break;
		case 'o': a->output = optarg; break;
		case 'h': return 1;
		case OPT_ALL_HOSTS: a->all_hosts = 1; break;
		case OPT_DIFF:
			if (optind + 3 > argc) {
				rk_cli_error("--diff: want A_SINCE A_UNTIL B_SINCE B_UNTIL");
				return -1;
			}
			a->diff[0] = optarg;
			for (int i = 1; i < 4; i++)
				a->diff[i] = argv[optind++];
			a->is_diff = 1;
			break;
		case OPT_HOST:
			if (rk_cli_add_host(&a->only, &a->n_only, optarg) < 0)
				return -1;
			break;
		default:
			/* The name options, or an error getopt_long reported. */
			if (rk_cli_names_option(&a->names, c, optarg) > 0)
				break;
			return -1;
		}
	}
	if (optind < argc) {
		rk_cli_error("report: unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (a->is_diff && (a->since != NULL || a->until != NULL)) {
		rk_cli_error("--diff names its own ranges: no --since / --until with it");
		return -1;
	}
	return 0;
}

/* Load [since, until) into a new classifier; NULL (reported) on failure. */
static struct rk_classifier *
load(struct rk_store *s, uint64_t since, uint64_t until, struct rk_names *names,
    struct rk_pipeline_stats *st)
{
	struct rk_classifier *c = rk_classify_new(names, 64, 0x726b);
	struct rk_err err = {0};

	memset(st, 0, sizeof(*st));
	if (c == NULL) {
		rk_cli_error("out of memory");
		return NULL;
	}
	if (rk_store_load(s, since, until, c, names, st, &err) < 0) {
		rk_cli_error("%s", err.msg);
		rk_classify_free(c);
		return NULL;
	}
	return c;
}

static int
cmp_ep(const struct rk_ep_key *a, const struct rk_ep_key *b)
{
	int c = memcmp(a->ip, b->ip, RK_ADDR_LEN);

	if (c != 0)
		return c;
	if (a->proto != b->proto)
		return a->proto - b->proto;
	return a->port - b->port;
}

static int
cmp_service(const void *x, const void *y)
{
	return cmp_ep(&(*(const struct rk_service *const *)x)->key,
	    &(*(const struct rk_service *const *)y)->key);
}

static int
cmp_edge(const void *x, const void *y)
{
	const struct rk_edge_key *a = &(*(const struct rk_edge *const *)x)->key;
	const struct rk_edge_key *b = &(*(const struct rk_edge *const *)y)->key;
	int c = memcmp(a->client, b->client, RK_ADDR_LEN);

	if (c != 0)
		return c;
	if ((c = memcmp(a->server, b->server, RK_ADDR_LEN)) != 0)
		return c;
	if (a->proto != b->proto)
		return a->proto - b->proto;
	return a->port - b->port;
}

static int
admits(const struct report_args *a, const uint8_t *ip1, const uint8_t *ip2)
{
	if (a->n_only == 0)
		return 1;
	for (size_t i = 0; i < a->n_only; i++)
		if (memcmp(a->only[i], ip1, RK_ADDR_LEN) == 0 ||
		    (ip2 != NULL && memcmp(a->only[i], ip2, RK_ADDR_LEN) == 0))
			return 1;
	return 0;
}

/* The entries of map `in` missing from map `notin`, admitted by --host, sorted. */
static void **
missing(const struct rk_map *in, const struct rk_map *notin, int is_edge,
    const struct report_args *a, size_t *n)
{
	void **v = malloc((in->n_entries + 1) * sizeof(*v));

	*n = 0;
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < in->n_entries; i++) {
		void *e = rk_map_at(in, i);
		const uint8_t *ip1 = is_edge ? ((struct rk_edge *)e)->key.client :
		    ((struct rk_service *)e)->key.ip;
		const uint8_t *ip2 = is_edge ? ((struct rk_edge *)e)->key.server : NULL;
		if (rk_map_find(notin, e) == NULL && admits(a, ip1, ip2))
			v[(*n)++] = e;
	}
	qsort(v, *n, sizeof(*v), is_edge ? cmp_edge : cmp_service);
	return v;
}

/* "tcp/80 (http)" */
static const char *
svc_label(const struct rk_names *names, uint8_t proto, uint16_t port, char *buf, size_t len)
{
	char pb[16];
	const char *name = rk_names_service(names, proto, port);

	snprintf(buf, len, "%s/%u%s%s%s", rk_report_proto_name(proto, pb, sizeof(pb)), port,
	    name ? " (" : "", name ? name : "", name ? ")" : "");
	return buf;
}

static void
diff_text(FILE *f, const struct rk_names *names, const char *title, void **v, size_t n,
    int is_edge)
{
	char a1[RK_ADDR_STRLEN], a2[RK_ADDR_STRLEN], lb[96];

	fprintf(f, "\n%s: %zu\n", title, n);
	for (size_t i = 0; i < n; i++) {
		if (is_edge) {
			const struct rk_edge *e = v[i];
			const char *cn = rk_names_host(names, e->key.client);
			const char *sn = rk_names_host(names, e->key.server);
			fprintf(f, "  %-16s %-24s -> %-16s %-24s %s\n",
			    rk_addr_format(e->key.client, a1, sizeof(a1)), cn ? cn : "",
			    rk_addr_format(e->key.server, a2, sizeof(a2)), sn ? sn : "",
			    svc_label(names, e->key.proto, e->key.port, lb, sizeof(lb)));
		} else {
			const struct rk_service *s = v[i];
			const char *hn = rk_names_host(names, s->key.ip);
			fprintf(f, "  %-16s %-24s %-24s %5u clients  first %s\n",
			    rk_addr_format(s->key.ip, a1, sizeof(a1)), hn ? hn : "",
			    svc_label(names, s->key.proto, s->key.port, lb, sizeof(lb)),
			    s->n_clients, rk_human_time(s->first_ts, a2, sizeof(a2)));
		}
	}
}

static void
json_time(struct rk_json *j, const char *k, uint64_t ts)
{
	char b[64];

	rk_json_key(j, k);
	if (ts == 0)
		rk_json_null(j);
	else
		rk_json_str(j, rk_human_iso(ts, b, sizeof(b)));
}

static void
diff_json(struct rk_json *j, const struct rk_names *names, const char *key, void **v, size_t n,
    int is_edge)
{
	char a1[RK_ADDR_STRLEN], pb[16];

	rk_json_key(j, key);
	rk_json_arr(j);
	for (size_t i = 0; i < n; i++) {
		const struct rk_ep_key *sk = is_edge ? NULL : &((struct rk_service *)v[i])->key;
		const struct rk_edge *e = is_edge ? v[i] : NULL;
		uint8_t proto = is_edge ? e->key.proto : sk->proto;
		uint16_t port = is_edge ? e->key.port : sk->port;
		const char *name = rk_names_service(names, proto, port);
		rk_json_obj_inline(j);
		if (is_edge) {
			rk_json_kstr(j, "client", rk_addr_format(e->key.client, a1, sizeof(a1)));
			rk_json_kstr(j, "server", rk_addr_format(e->key.server, a1, sizeof(a1)));
		} else {
			rk_json_kstr(j, "ip", rk_addr_format(sk->ip, a1, sizeof(a1)));
		}
		rk_json_kstr(j, "proto", rk_report_proto_name(proto, pb, sizeof(pb)));
		rk_json_ku64(j, "port", port);
		rk_json_key(j, "name");
		if (name != NULL)
			rk_json_str(j, name);
		else
			rk_json_null(j);
		if (is_edge) {
			rk_json_ku64(j, "sessions", e->n_sessions);
			json_time(j, "first", e->first_ts);
			json_time(j, "last", e->last_ts);
		} else {
			const struct rk_service *s = v[i];
			rk_json_ku64(j, "clients", s->n_clients);
			rk_json_ku64(j, "sessions", s->n_sessions);
			json_time(j, "first", s->first_ts);
			json_time(j, "last", s->last_ts);
		}
		rk_json_end(j, '}');
	}
	rk_json_end(j, ']');
}

/* --diff: services and edges of B not in A (new) and of A not in B (vanished). */
static int
run_diff(FILE *out, const struct report_args *a, struct rk_store *s, struct rk_names *names,
    const uint64_t t[4])
{
	struct rk_pipeline_stats st;
	struct rk_classifier *ca = NULL, *cb = NULL;
	void **v[4] = {NULL, NULL, NULL, NULL};
	size_t n[4];
	static const char *const titles[4] = {
		"New services (in B, not in A)", "Vanished services (in A, not in B)",
		"New dependencies (in B, not in A)", "Lost dependencies (in A, not in B)",
	};
	static const char *const keys[4] = {
		"new_services", "vanished_services", "new_edges", "lost_edges",
	};
	char b[4][64];
	int status = RK_EXIT_INPUT;

	if ((ca = load(s, t[0], t[1], names, &st)) == NULL ||
	    (cb = load(s, t[2], t[3], names, &st)) == NULL)
		goto out;
	v[0] = missing(rk_classify_services(cb), rk_classify_services(ca), 0, a, &n[0]);
	v[1] = missing(rk_classify_services(ca), rk_classify_services(cb), 0, a, &n[1]);
	v[2] = missing(rk_classify_edges(cb), rk_classify_edges(ca), 1, a, &n[2]);
	v[3] = missing(rk_classify_edges(ca), rk_classify_edges(cb), 1, a, &n[3]);
	if (v[0] == NULL || v[1] == NULL || v[2] == NULL || v[3] == NULL) {
		rk_cli_error("out of memory");
		goto out;
	}
	for (int i = 0; i < 4; i++) {
		if (t[i] == 0)
			strcpy(b[i], i % 2 ? "end" : "start");
		else
			rk_human_iso(t[i], b[i], sizeof(b[i]));
	}
	if (a->json) {
		struct rk_json j;
		rk_json_init(&j, out);
		rk_json_obj(&j);
		rk_json_key(&j, "renkei");
		rk_json_obj_inline(&j);
		rk_json_kstr(&j, "version", RK_VERSION);
		rk_json_ku64(&j, "schema", 1);
		rk_json_end(&j, '}');
		for (int r = 0; r < 2; r++) {
			rk_json_key(&j, r == 0 ? "a" : "b");
			rk_json_obj_inline(&j);
			json_time(&j, "since", t[2 * r]);
			json_time(&j, "until", t[2 * r + 1]);
			rk_json_end(&j, '}');
		}
		for (int i = 0; i < 4; i++)
			diff_json(&j, names, keys[i], v[i], n[i], i >= 2);
		rk_json_end(&j, '}');
		fputc('\n', out);
	} else {
		fprintf(out, "Changes from A [%s, %s) to B [%s, %s)\n", b[0], b[1], b[2], b[3]);
		for (int i = 0; i < 4; i++)
			diff_text(out, names, titles[i], v[i], n[i], i >= 2);
	}
	status = RK_EXIT_OK;
out:
	for (int i = 0; i < 4; i++)
		free(v[i]);
	rk_classify_free(ca);
	rk_classify_free(cb);
	return status;
}

/* The names of one load of the web source: arg is the struct rk_cli_names. */
static struct rk_names *
names_for_web(void *arg)
{
	return rk_cli_names_load(arg);
}

/* --html DIR: the same pages as renkei serve, as files. */
static int
export_html(struct report_args *a, uint64_t since, uint64_t until)
{
	struct rk_web_source src = {0};
	struct rk_web *w = NULL;
	struct rk_err err = {0};
	int status = RK_EXIT_INPUT;

	if (rk_web_store_source(&src, a->db, names_for_web, &a->names, &err) < 0) {
		rk_cli_error("%s", err.msg);
		return RK_EXIT_INPUT;
	}
	if ((w = rk_web_new(&src, RK_VERSION)) == NULL)
		rk_cli_error("out of memory");
	else if (rk_web_export(w, a->html, since, until, &err) < 0)
		rk_cli_error("%s", err.msg);
	else
		status = RK_EXIT_OK;
	rk_web_free(w);
	rk_web_source_close(&src);
	return status;
}

/*
 * renkei report --db FILE [options]: see help().  Returns the exit status
 * (cli.h).
 */
int
rk_cmd_report(int argc, char **argv)
{
	struct report_args a = {0};
	struct rk_store *s = NULL;
	struct rk_names *names = NULL;
	struct rk_classifier *c = NULL;
	struct rk_pipeline_stats st;
	struct rk_report_opts ro = {0};
	struct rk_err err = {0};
	uint64_t first, last, t[4] = {0, 0, 0, 0};
	FILE *out = stdout;
	int rc = parse_args(argc, argv, &a), status = RK_EXIT_INPUT;

	if (rc != 0) {
		free(a.only);
		return rk_cli_usage(rc, "report", help);
	}
	if ((names = rk_cli_names_load(&a.names)) == NULL)
		goto out;
	if (rk_store_open(&s, a.db, RK_STORE_RDONLY, &err) < 0 ||
	    rk_store_range(s, &first, &last, &err) < 0) {
		rk_cli_error("%s", err.msg);
		goto out;
	}
	(void)first;
	for (int i = 0; i < 4; i++) {
		const char *arg = a.is_diff ? a.diff[i] : (i == 0 ? a.since : a.until);
		if (i >= 2 && !a.is_diff)
			break;
		if (arg != NULL && parse_time(arg, last, &t[i]) < 0) {
			rk_cli_error("'%s' is not a time: want 2023-11-14T22:00:00Z, '2023-11-14 "
			    "22:00', unix seconds or -2h (relative to the newest data)", arg);
			status = RK_EXIT_USAGE;
			goto out;
		}
	}
	if ((out = rk_cli_output_open(a.output)) == NULL) {
		status = RK_EXIT_USAGE;
		goto out;
	}
	if (a.html != NULL) {
		status = export_html(&a, t[0], t[1]);
	} else if (a.is_diff) {
		status = run_diff(out, &a, s, names, t);
	} else {
		if ((c = load(s, t[0], t[1], names, &st)) == NULL)
			goto out;
		ro.names = names;
		ro.only = (const uint8_t(*)[RK_ADDR_LEN])a.only;
		ro.n_only = a.n_only;
		ro.all_hosts = a.all_hosts;
		ro.version = RK_VERSION;
		rc = a.json ? rk_report_json(out, c, &st, &ro) : rk_report_text(out, c, &st, &ro);
		if (rc < 0)
			rk_cli_error("out of memory writing the report");
		else
			status = RK_EXIT_OK;
	}
	status = rk_cli_output_flush(out, status);
out:
	rk_cli_output_close(out);
	rk_classify_free(c);
	rk_store_close(s);
	rk_names_free(names);
	free(a.only);
	return status;
}

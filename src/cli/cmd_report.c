/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli/cmd_report.c - "renkei report": the reports of analyze, from the store.
 *
 * Opens the store read-only, loads the buckets of a time range into an
 * empty classifier (rk_store_load) and renders it with the same text and
 * JSON writers as analyze, so a report over the whole store of two
 * captures matches analyze of both captures at once.  --diff loads two
 * ranges into two classifiers; report/diff.c lists the services and
 * dependencies present in one and not in the other.
 * Times are packet times: ISO 8601 UTC, unix seconds, or relative to the
 * newest packet in the store (-2h).  Exit codes are in cli.h.
 *
 * analyze's --explain and --stats work where the store has the data.  The
 * store keeps the evidence of every endpoint that served in a run (not of
 * clients' ports) and no individual conversation, so --explain shows the
 * evidence summed over the runs overlapping the range, run by run, and in
 * place of the sessions what the aggregates tell (rules, clients); an
 * endpoint without stored evidence is exit 2, never a made-up answer.
 * --stats shows the runs' stored counters; --sessions is refused with
 * the way to get them (analyze the capture).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "report/report.h"
#include "store/store.h"
#include "util/addr.h"
#include "util/human.h"
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
	int explain;                 /* --explain given */
	struct rk_ep_key explain_key; /* its endpoint */
	int stats;                   /* --stats */
	int sessions;                /* --sessions (refused: the store keeps none) */
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
	    "      --explain IP:PORT/PROTO  the evidence and the decision for an endpoint\n"
	    "                         (IPv6: [ADDR]:PORT/PROTO), as stored: its evidence\n"
	    "                         in the runs overlapping the range, the rules that\n"
	    "                         decided its sessions, its clients (text)\n"
	    "      --stats            the stored counters of the runs overlapping the\n"
	    "                         range, as analyze --stats prints them, a line per\n"
	    "                         run, then the report (with --json: the document,\n"
	    "                         which carries the counters, as for analyze)\n"
	    RK_CLI_NAMES_HELP
	    "  -h, --help             this text\n"
	    "\n"
	    "T is packet time: 2023-11-14T22:00:00Z, '2023-11-14 22:00' (UTC), 2023-11-14,\n"
	    "unix seconds (1700000000), or relative to the newest packet stored: -30m,\n"
	    "-2h, -7d, -1w.  A range takes every hour (or, once rolled up, day) bucket\n"
	    "it overlaps.\n"
	    "\n"
	    "What the store does not keep: individual conversations (no --sessions: run\n"
	    "'renkei analyze --sessions --json FILE' on the capture), the evidence of\n"
	    "endpoints that never served (clients' ports: --explain says so and exits 2),\n"
	    "which peers an endpoint had (peer IPs and ports are counts per run: over\n"
	    "several runs --explain shows the largest), and the session table's reused,\n"
	    "expired, capacity and memory counters.\n"
	    "\n"
	    "exit status: 0 ok, 1 usage, 2 the store could not be read, or it has no\n"
	    "evidence for the --explain endpoint\n");
}

/*
 * Parse a time argument into µs of packet time; newest is the newest
 * packet in the store (for relative times).  "-" and "" are open (0).
 * Returns 0 or -1.
 */
static int
parse_time(const char *s, uint64_t newest, uint64_t *out)
{
	char *end;
	unsigned long long v;

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
	return rk_human_parse_time(s, out);
}

/*
 * Each range [t[2i], t[2i+1]) must start before it ends (0 is an open
 * end); an inverted one would print an empty report that looks like a
 * quiet network.  0 or -1 (reported).
 */
static int
check_ranges(const struct report_args *a, const uint64_t t[4])
{
	for (int r = 0; r < (a->is_diff ? 2 : 1); r++) {
		const char *from = a->is_diff ? a->diff[2 * r] : a->since;
		const char *to = a->is_diff ? a->diff[2 * r + 1] : a->until;
		if (t[2 * r] != 0 && t[2 * r + 1] != 0 && t[2 * r] >= t[2 * r + 1]) {
			rk_cli_error("the range '%s' .. '%s' is empty: its start must come "
			    "before its end", from, to);
			return -1;
		}
	}
	return 0;
}

/*
 * A range that misses everything stored is not an error (the report says
 * so: nothing), but the reason is worth a line: what the store holds.
 */
static void
warn_outside(uint64_t since, uint64_t until, uint64_t first, uint64_t last)
{
	char a[32], b[32];

	if (last == 0) {
		rk_cli_error("warning: the store is empty (fill it with renkei analyze --db or "
		    "renkei capture --db)");
		return;
	}
	if ((since != 0 && since > last) || (until != 0 && until <= first))
		rk_cli_error("warning: nothing stored in that range; the store holds %s .. %s UTC",
		    rk_human_time(first, a, sizeof(a)), rk_human_time(last, b, sizeof(b)));
}

enum {
	OPT_DB = 256, OPT_HTML, OPT_SINCE, OPT_UNTIL, OPT_DIFF, OPT_JSON, OPT_TEXT, OPT_HOST,
	OPT_ALL_HOSTS, OPT_EXPLAIN, OPT_STATS, OPT_SESSIONS,
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
	{"explain", required_argument, NULL, OPT_EXPLAIN},
	{"stats", no_argument, NULL, OPT_STATS},
	{"sessions", no_argument, NULL, OPT_SESSIONS},
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
		case OPT_STATS: a->stats = 1; break;
		case OPT_SESSIONS: a->sessions = 1; break;
		case OPT_EXPLAIN:
			if (rk_cli_parse_endpoint(optarg, &a->explain_key) < 0)
				return -1;
			a->explain = 1;
			break;
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
	if ((a->explain || a->stats) && (a->is_diff || a->html != NULL)) {
		rk_cli_error("--%s is a report of one range: not with --diff or --html",
		    a->explain ? "explain" : "stats");
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

/* --diff: load both ranges and write what changed (report/diff.c). */
static int
run_diff(FILE *out, const struct report_args *a, struct rk_store *s, struct rk_names *names,
    const uint64_t t[4])
{
	struct rk_pipeline_stats st;
	struct rk_classifier *ca = NULL, *cb = NULL;
	struct rk_report_opts ro = {0};
	int status = RK_EXIT_INPUT;

	if ((ca = load(s, t[0], t[1], names, &st)) == NULL ||
	    (cb = load(s, t[2], t[3], names, &st)) == NULL)
		goto out;
	ro.names = names;
	ro.only = (const uint8_t(*)[RK_ADDR_LEN])a->only;
	ro.n_only = a->n_only;
	ro.version = RK_VERSION;
	if ((a->json ? rk_report_diff_json(out, ca, cb, t, &ro) :
	    rk_report_diff_text(out, ca, cb, t, &ro)) < 0)
		rk_cli_error("out of memory");
	else
		status = RK_EXIT_OK;
out:
	rk_classify_free(ca);
	rk_classify_free(cb);
	return status;
}

/* Peers --explain lists at most, of each kind (clients, services used). */
#define EXPLAIN_MAX_PEERS 50

/* "10.0.0.1:80/tcp" or "[2001:db8::1]:80/tcp": an endpoint as --explain takes it. */
static const char *
ep_text(const struct rk_ep_key *k, char *buf, size_t len)
{
	char a[RK_ADDR_STRLEN], pb[16];
	const char *proto = rk_report_proto_name(k->proto, pb, sizeof(pb));

	rk_addr_format(k->ip, a, sizeof(a));
	if (strchr(a, ':') != NULL)
		snprintf(buf, len, "[%s]:%u/%s", a, k->port, proto);
	else
		snprintf(buf, len, "%s:%u/%s", a, k->port, proto);
	return buf;
}

/*
 * The services of host ip in c, "tcp/22, tcp/443" (the lowest 8 by
 * protocol and port, then how many more), into buf.  O(services).
 */
static const char *
host_services(const struct rk_classifier *c, const uint8_t ip[RK_ADDR_LEN], char *buf,
    size_t len)
{
	const struct rk_map *svcs = rk_classify_services(c);
	const struct rk_service *v[8];
	size_t n = 0, used = 0, more = 0;
	char pb[16];

	buf[0] = '\0';
	for (size_t i = 0; i < svcs->n_entries; i++) {
		const struct rk_service *s = rk_map_at(svcs, i);
		size_t j;
		if (memcmp(s->key.ip, ip, RK_ADDR_LEN) != 0)
			continue;
		if (n == 8) {
			more++;
			if (cmp_ep(&s->key, &v[7]->key) > 0)
				continue;
			n--;
		}
		/* Insertion into the sorted v: the lowest 8 stay, whatever the map's order. */
		for (j = n++; j > 0 && cmp_ep(&s->key, &v[j - 1]->key) < 0; j--)
			v[j] = v[j - 1];
		v[j] = s;
	}
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s/%u", i ? ", " : "",
		    rk_report_proto_name(v[i]->key.proto, pb, sizeof(pb)), v[i]->key.port);
	if (more > 0 && used < len)
		snprintf(buf + used, len - used, " and %zu more", more);
	return buf;
}

/*
 * --explain of an endpoint the store has no evidence of (a client's port,
 * a typo, outside the range): what the range says of its host, on out,
 * and the cause and the fix on stderr.  Returns RK_EXIT_INPUT.
 */
static int
explain_missing(FILE *out, const struct rk_classifier *c, const struct rk_ep_key *k)
{
	const struct rk_host *h = rk_map_find(rk_classify_hosts(c), k->ip);
	char ep[RK_ADDR_STRLEN + 32], a[RK_ADDR_STRLEN], sv[160];

	ep_text(k, ep, sizeof(ep));
	rk_addr_format(k->ip, a, sizeof(a));
	fprintf(out, "Endpoint %s\n", ep);
	fprintf(out, "  no stored evidence in the range: the store keeps the evidence of the "
	    "endpoints that served in a run, not of clients' ports\n");
	if (h == NULL)
		fprintf(out, "  %s: not seen in the range\n", a);
	else
		fprintf(out, "  %s in the range: offers %u service%s%s%s%s, uses %u\n", a,
		    h->n_services, h->n_services == 1 ? "" : "s", h->n_services ? " (" : "",
		    host_services(c, k->ip, sv, sizeof(sv)), h->n_services ? ")" : "", h->n_used);
	rk_cli_error("no stored evidence for %s; analyze it with renkei analyze --explain %s "
	    "FILE", ep, ep);
	return RK_EXIT_INPUT;
}

/* The stored evidence run by run: what the figures of rk_report_explain sum. */
static void
explain_runs(FILE *out, const struct rk_store_evidence *ev, size_t n)
{
	fprintf(out, "Stored evidence: %zu run%s overlapping the range (whole runs).  The figures "
	    "above are their sums,\nbut distinct peer IPs and ports are counted per run (the "
	    "store keeps no peers): the largest.\n", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  run %-6" PRId64 " sessions %u (as server %u, as client %u), peer IPs "
		    "%u, peer ports %u\n", ev[i].run_id, ev[i].e.n_sessions, ev[i].e.n_as_server,
		    ev[i].e.n_as_client, ev[i].e.n_peer_ips, ev[i].e.n_peer_ports);
}

/*
 * --explain from the store, with c loaded from [t[0], t[1]): the evidence
 * and decision as analyze --explain prints them (rk_report_explain, from
 * the evidence rk_store_load put in c), the runs it came from and, in
 * place of the sessions, the rules that decided and the peers.  Without
 * stored evidence: explain_missing.  Returns the exit status.
 */
static int
explain_stored(FILE *out, struct rk_store *s, const struct rk_classifier *c,
    const struct rk_names *names, const uint64_t t[2], const struct rk_ep_key *k)
{
	struct rk_store_evidence *ev = NULL;
	struct rk_err err = {0};
	size_t n = 0;
	int status = RK_EXIT_INPUT;

	if (rk_store_load_evidence(s, t[0], t[1], k, &ev, &n, &err) < 0) {
		rk_cli_error("%s", err.msg);
		return RK_EXIT_INPUT;
	}
	if (n == 0 || rk_map_find(rk_classify_endpoints(c), k) == NULL) {
		status = explain_missing(out, c, k);
	} else {
		rk_report_explain(out, c, names, k, NULL, 0);
		explain_runs(out, ev, n);
		if (rk_report_explain_aggregates(out, c, names, k, EXPLAIN_MAX_PEERS) < 0)
			rk_cli_error("out of memory writing the report");
		else
			status = RK_EXIT_OK;
	}
	free(ev);
	return status;
}

/*
 * --stats from the store: a line per run overlapping [t[0], t[1]), then
 * their counters (st and c's kind and rule counts, from rk_store_load) as
 * analyze --stats prints them.  Returns 0 or -1 (reported).
 */
static int
stats_stored(FILE *out, struct rk_store *s, const uint64_t t[2],
    const struct rk_pipeline_stats *st, const struct rk_classifier *c)
{
	struct rk_store_run_info *runs = NULL;
	struct rk_err err = {0};
	char b1[64], b2[64], b3[32];
	size_t n = 0;

	if (rk_store_load_runs(s, t[0], t[1], &runs, &n, &err) < 0) {
		rk_cli_error("%s", err.msg);
		return -1;
	}
	fprintf(out, "Runs overlapping the range (the counters below are theirs, whole)\n");
	if (n == 0)
		fprintf(out, "  none with packets in the range\n");
	for (size_t i = 0; i < n; i++) {
		const struct rk_store_run_info *r = &runs[i];
		snprintf(b3, sizeof(b3), "#%" PRId64, r->id);
		fprintf(out, "  %-6s %-4s  %s .. %s UTC %14s packets  %s\n", b3, r->mode,
		    rk_human_time(r->first_ts, b1, sizeof(b1)),
		    rk_human_time(r->last_ts, b2, sizeof(b2)),
		    rk_human_count(r->n_packets, (char[32]){0}, 32), r->source);
	}
	rk_store_runs_free(runs, n);
	rk_report_stats_stored(out, st, c);
	fputc('\n', out);
	return 0;
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
	int status = RK_EXIT_INPUT, n;

	if (rk_web_store_source(&src, a->db, names_for_web, &a->names, &err) < 0) {
		rk_cli_error("%s", err.msg);
		return RK_EXIT_INPUT;
	}
	if ((w = rk_web_new(&src, RK_VERSION)) == NULL) {
		rk_cli_error("out of memory");
	} else if ((n = rk_web_export(w, a->html, since, until, &err)) < 0) {
		rk_cli_error("%s", err.msg);
	} else {
		rk_cli_say_wrote_pages(a->html, n);
		status = RK_EXIT_OK;
	}
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
	if (a.sessions) {
		rk_cli_error("report --sessions: the store keeps no individual conversations; run "
		    "'renkei analyze --sessions --json FILE' on the capture");
		free(a.only);
		return RK_EXIT_USAGE;
	}
	if ((names = rk_cli_names_load(&a.names)) == NULL)
		goto out;
	if (rk_store_open(&s, a.db, RK_STORE_RDONLY, &err) < 0 ||
	    rk_store_range(s, &first, &last, &err) < 0) {
		rk_cli_error("%s", err.msg);
		goto out;
	}
	if (rk_store_notice(s) != NULL)
		rk_cli_error("warning: %s", rk_store_notice(s));
	for (int i = 0; i < 4; i++) {
		const char *arg = a.is_diff ? a.diff[i] : (i == 0 ? a.since : a.until);
		if (i >= 2 && !a.is_diff)
			break;
		if (arg != NULL && parse_time(arg, last, &t[i]) < 0) {
			rk_cli_error("'%s' is not a time (or no such date): want 2023-11-14T22:00:00Z, '2023-11-14 "
			    "22:00', unix seconds or -2h (relative to the newest data)", arg);
			status = RK_EXIT_USAGE;
			goto out;
		}
	}
	if (check_ranges(&a, t) < 0) {
		status = RK_EXIT_USAGE;
		goto out;
	}
	if (!a.is_diff)
		warn_outside(t[0], t[1], first, last);
	if ((out = rk_cli_output_open(a.output)) == NULL) {
		status = RK_EXIT_USAGE;
		goto out;
	}
	if (a.html != NULL) {
		status = export_html(&a, t[0], t[1]);
	} else if (a.is_diff) {
		status = run_diff(out, &a, s, names, t);
	} else if ((c = load(s, t[0], t[1], names, &st)) == NULL) {
		goto out;
	} else if (a.explain) {
		status = explain_stored(out, s, c, names, t, &a.explain_key);
	} else if (a.stats && !a.json && stats_stored(out, s, t, &st, c) < 0) {
		goto out;
	} else {
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

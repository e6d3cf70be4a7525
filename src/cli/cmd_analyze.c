/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli/cmd_analyze.c - "renkei analyze": captures in, report out.
 *
 * Parses options, loads the name tables, runs every input through one
 * pipeline (so several files, e.g. the two mirrors of a redundant pair or
 * consecutive days, become one analysis), then renders the report.  An
 * input that cannot be read is reported and skipped; a truncated input is
 * analysed up to the cut.  Exit codes are in cli.h.
 *
 * With --db the aggregates also go to the long-term store through the
 * library's store sink (store/sink.h): every --flush seconds of packet
 * time and once at the end, one transaction each; the sink keeps the
 * run's totals and hands them back to the classifier at the end, so the
 * report is read from the classifier as without --db.  This file only
 * says what happened.  A flush the store refuses (locked, disk full) is
 * kept in memory and offered again at the next one; if the last one
 * fails, the report is still written and the exit status is 2.
 *
 * On a terminal, a run longer than a second shows a progress line on
 * stderr (progress.c): the pipeline's on_progress hands it, between
 * dispatch batches, the frames so far and how far into its file the
 * reader is; the line is blanked after each file and before any message.
 * Afterwards one line says what was written (-o FILE, --db).  -q silences
 * both; off a terminal the progress hook is not even installed.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "detect/detect.h"
#include "util/human.h"
#include "pipeline/pipeline.h"
#include "report/report.h"
#include "store/sink.h"
#include "store/store.h"
#include "util/addr.h"

struct analyze_args {
	const char *bpf;             /* -f */
	const char *output;          /* -o, NULL = stdout */
	int json;                    /* --json */
	int stats;                   /* --stats */
	int all_hosts;               /* --all-hosts */
	int sessions;                /* --sessions */
	int no_alerts;               /* --no-alerts */
	int threads;                 /* --threads */
	size_t max_sessions;         /* --max-sessions */
	struct rk_cli_names names;   /* --services, --services-db, --hosts, --no-dns, --peek */
	uint8_t (*only)[RK_ADDR_LEN]; /* --host */
	size_t n_only;
	int explain;                 /* --explain given */
	struct rk_ep_key explain_key; /* its endpoint */
	const char *db;              /* --db, NULL = no store */
	uint64_t flush_us;           /* --flush, µs of packet time */
	uint64_t retention_us;       /* --retention, µs */
	int quiet;                   /* -q: no progress line, no "wrote" lines */
	int flush_given;             /* --flush was given */
	int retention_given;         /* --retention was given */
};

/* The store side of a run (--db). */
struct db_ctx {
	struct rk_store *store;         /* owned */
	struct rk_store_run run;        /* this run */
	const struct rk_names *names;   /* borrowed */
	struct rk_store_sink *sink;     /* writes each flush, keeps the totals; owned */
	struct rk_store_sink_stats sst; /* what the sink did, once finished */
	struct rk_progress *progress;   /* the progress line, blanked before a message; borrowed */
};

/* Judged sessions kept for --sessions / --explain. */
struct verdicts {
	struct rk_report_session *v;
	size_t n, max;
	int all;                      /* keep every session (--sessions) */
	const struct rk_ep_key *only; /* else only those touching this endpoint */
	int nomem;
};

static void
help(FILE *f)
{
	fprintf(f,
	    "usage: renkei analyze [options] FILE...\n"
	    "\n"
	    "Read pcap or pcapng captures ('-' reads standard input) and report which hosts\n"
	    "offer which services to how many clients, and who depends on what.\n"
	    "\n"
	    "  -f, --filter EXPR      BPF filter applied to every input\n"
	    "      --json             write one JSON document (schema: README.md)\n"
	    "  -o, --output FILE      write the report to FILE instead of stdout\n"
	    "      --host IP          only this host (repeatable)\n"
	    "      --all-hosts        list client-only hosts too (text report)\n"
	    "      --sessions         add every judged session to the JSON document\n"
	    "      --no-alerts        no attack detection (SYN floods, backscatter, scans,\n"
	    "                         reflection: on by default, README.md)\n"
	    "      --explain IP:PORT/PROTO  print the evidence and the decision for an\n"
	    "                         endpoint (IPv6: [ADDR]:PORT/PROTO)\n"
	    "      --stats            print decoder and session-table counters\n"
	    RK_CLI_NAMES_HELP
	    RK_CLI_PAYLOAD_HELP
	    "      --max-sessions N   live sessions tracked at most (default 1000000)\n"
	    "      --threads N        threads: 1 does everything in one, N > 1 is a reader\n"
	    "                         and N - 1 trackers (default: the cores, at most 8);\n"
	    "                         the report is the same for every N\n"
	    "      --db FILE          also add the results to the store FILE (SQLite;\n"
	    "                         read it with 'renkei report --db FILE')\n"
	    "      --flush SECONDS    write to the store every SECONDS of packet time\n"
	    "                         (default 60; 0 = only at the end)\n"
	    "      --retention DAYS   keep hourly detail DAYS before rolling it up into\n"
	    "                         days (default 30; 0 = every finished hour)\n"
	    "  -q, --quiet            no progress line on a terminal, no 'wrote' lines\n"
	    "  -h, --help             this text\n"
	    "\n"
	    "exit status: 0 ok, 1 usage, 2 an input could not be read, 3 an input was\n"
	    "truncated (the report covers everything before the cut)\n");
}

enum {
	OPT_JSON = 256, OPT_HOST, OPT_ALL_HOSTS, OPT_SESSIONS, OPT_NO_ALERTS, OPT_EXPLAIN, OPT_STATS,
	OPT_MAX_SESSIONS, OPT_THREADS, OPT_DB, OPT_FLUSH, OPT_RETENTION,
};

static const struct option long_opts[] = {
	{"filter", required_argument, NULL, 'f'},
	{"output", required_argument, NULL, 'o'},
	{"json", no_argument, NULL, OPT_JSON},
	{"host", required_argument, NULL, OPT_HOST},
	{"all-hosts", no_argument, NULL, OPT_ALL_HOSTS},
	{"sessions", no_argument, NULL, OPT_SESSIONS},
	{"no-alerts", no_argument, NULL, OPT_NO_ALERTS},
	{"explain", required_argument, NULL, OPT_EXPLAIN},
	{"stats", no_argument, NULL, OPT_STATS},
	RK_CLI_NAMES_LONG_OPTS,
	RK_CLI_PAYLOAD_LONG_OPTS,
	{"max-sessions", required_argument, NULL, OPT_MAX_SESSIONS},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"db", required_argument, NULL, OPT_DB},
	{"flush", required_argument, NULL, OPT_FLUSH},
	{"retention", required_argument, NULL, OPT_RETENTION},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* The cores this process may use, at most 8: the default of --threads. */
static int
default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (n > 8 ? 8 : (int)n);
}

/*
 * --flush and --retention say how to write the store: without --db they
 * would do nothing, so they are refused rather than ignored.  0 or -1
 * (reported).
 */
static int
check_store_options(const struct analyze_args *a)
{
	if (a->db != NULL || (!a->flush_given && !a->retention_given))
		return 0;
	rk_cli_error("%s only applies with --db FILE (the store to write): add --db or drop it",
	    a->flush_given ? "--flush" : "--retention");
	return -1;
}

/* Parse argv into a; returns 0, 1 for --help, -1 on a usage error (reported). */
static int
parse_args(int argc, char **argv, struct analyze_args *a)
{
	int c;
	size_t v;

	a->threads = default_threads();
	a->max_sessions = 1000000;
	rk_cli_names_init(&a->names);
	a->flush_us = 60 * 1000000ull;
	a->retention_us = RK_STORE_RETENTION_US;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:qh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f': a->bpf = optarg; break;
		case 'o': a->output = optarg; break;
		case 'q': a->quiet = 1; break;
		case 'h': return 1;
		case OPT_JSON: a->json = 1; break;
		case OPT_ALL_HOSTS: a->all_hosts = 1; break;
		case OPT_SESSIONS: a->sessions = 1; break;
		case OPT_NO_ALERTS: a->no_alerts = 1; break;
		case OPT_STATS: a->stats = 1; break;
		case OPT_HOST:
			if (rk_cli_add_host(&a->only, &a->n_only, optarg) < 0)
				return -1;
			break;
		case OPT_EXPLAIN:
			if (rk_cli_parse_endpoint(optarg, &a->explain_key) < 0)
				return -1;
			a->explain = 1;
			break;
		case OPT_MAX_SESSIONS:
			if (rk_cli_option_size("--max-sessions", optarg, 16, (size_t)1 << 31,
			    &a->max_sessions) < 0)
				return -1;
			break;
		case OPT_THREADS:
			if (rk_cli_option_size("--threads", optarg, 1, 64, &v) < 0)
				return -1;
			a->threads = (int)v;
			break;
		case OPT_DB: a->db = optarg; break;
		case OPT_FLUSH:
			if (rk_cli_parse_size(optarg, 0, 86400 * 366, &v) < 0) {
				rk_cli_error("--flush: want seconds from 0 to 31622400, got '%s'",
				    optarg);
				return -1;
			}
			a->flush_us = (uint64_t)v * 1000000;
			a->flush_given = 1;
			break;
		case OPT_RETENTION:
			if (rk_cli_parse_size(optarg, 0, 36600, &v) < 0) {
				rk_cli_error("--retention: want days from 0 to 36600, got '%s'",
				    optarg);
				return -1;
			}
			a->retention_us = (uint64_t)v * 86400 * 1000000;
			a->retention_given = 1;
			break;
		default:
			/* The name options, or an error getopt_long reported. */
			if (rk_cli_names_option(&a->names, c, optarg) > 0)
				break;
			return -1;
		}
	}
	if (optind >= argc) {
		rk_cli_error("analyze: no capture file given (use '-' for standard input)");
		return -1;
	}
	return check_store_options(a);
}

static void
keep_verdict(void *user, const struct rk_session *s, const struct rk_verdict *v)
{
	struct verdicts *vs = user;

	if (!vs->all) {
		const struct rk_ep_key *k = vs->only;
		int a = memcmp(s->key.a, k->ip, RK_ADDR_LEN) == 0 && s->key.pa == k->port;
		int b = memcmp(s->key.b, k->ip, RK_ADDR_LEN) == 0 && s->key.pb == k->port;
		if (s->key.proto != k->proto || (!a && !b))
			return;
	}
	if (vs->n == vs->max) {
		size_t m = vs->max ? vs->max * 2 : 1024;
		struct rk_report_session *p = realloc(vs->v, m * sizeof(*p));
		if (p == NULL) {
			vs->nomem = 1;
			return;
		}
		vs->v = p;
		vs->max = m;
	}
	vs->v[vs->n].s = *s;
	vs->v[vs->n].v = *v;
	vs->n++;
}

/* The pipeline's on_progress: how far the file is read, onto the line (user: rk_progress). */
static void
show_progress(void *user, const struct rk_pipeline_progress *pg)
{
	struct rk_progress_sample s = {0};

	s.n_packets = pg->n_frames;
	s.n_bytes = pg->n_bytes;
	s.done = pg->offset;
	s.total = pg->size;
	rk_progress_update(user, &s);
}

/*
 * Run every input, each a part of the progress line pr (blanked after
 * each, before any message); returns the exit status the inputs call for.
 */
static int
run_inputs(struct rk_pipeline *p, int n, char **files, struct rk_progress *pr)
{
	int status = RK_EXIT_OK, n_ok = 0, n_link = 0;

	for (int i = 0; i < n; i++) {
		struct rk_err err = {0};
		int rc;

		rk_progress_part(pr, i + 1, n, strcmp(files[i], "-") ? files[i] : "standard input");
		rc = rk_pipeline_run_file(p, files[i], &err);
		rk_progress_clear(pr);
		if (rc == 0) {
			n_ok++;
		} else if (rc == -RK_E_TRUNC) {
			n_ok++;
			rk_cli_error("warning: %s", err.msg);
			if (status == RK_EXIT_OK)
				status = RK_EXIT_PARTIAL;
		} else if (rc == -RK_E_LINKTYPE) {
			/* Read, but nothing in it could be decoded: not analysed. */
			rk_cli_error("%s", err.msg);
			n_link++;
		} else {
			rk_cli_error("%s", err.msg[0] ? err.msg : files[i]);
			status = RK_EXIT_INPUT;
		}
	}
	if (n_ok == 0)
		return -1;
	return n_link > 0 && status == RK_EXIT_OK ? RK_EXIT_PARTIAL : status;
}

/* Sessions in key order, then by start: the classifier judges them in the order they came. */
static int
cmp_verdict(const void *x, const void *y)
{
	const struct rk_session *a = &((const struct rk_report_session *)x)->s;
	const struct rk_session *b = &((const struct rk_report_session *)y)->s;
	int c = memcmp(&a->key, &b->key, sizeof(a->key));

	if (c != 0)
		return c;
	return (a->first_ts > b->first_ts) - (a->first_ts < b->first_ts);
}

/* Alerts listed at most (more are counted): detect/detect.h. */
#define MAX_ALERTS 256
/*
 * A fixed seed for the detectors' hashes: replay is deterministic (same
 * capture, same distinct-count estimates, same bytes of report).
 */
#define DETECT_SEED 0x72656e6b6569ULL

/* The detectors' alerts into ro (NULL detector: alerts off); -1 if memory is short. */
static int
take_alerts(const struct rk_detect *det, struct rk_report_opts *ro, struct rk_alert **al)
{
	if (det == NULL)
		return 0;
	if ((*al = calloc(MAX_ALERTS, sizeof(**al))) == NULL)
		return -1;
	ro->with_alerts = 1;
	ro->alerts = *al;
	ro->n_alerts_fired = rk_detect_alerts(det, *al, MAX_ALERTS);
	ro->n_alerts = ro->n_alerts_fired < MAX_ALERTS ? ro->n_alerts_fired : MAX_ALERTS;
	return 0;
}

static int
render(FILE *out, const struct analyze_args *a, struct rk_pipeline *p,
    const struct rk_classifier *c, struct rk_names *names, struct verdicts *vs,
    const struct rk_detect *det)
{
	struct rk_pipeline_stats st;
	struct rk_report_opts ro = {0};
	struct rk_alert *al = NULL;
	int rc;

	rk_pipeline_get_stats(p, &st);
	if (vs->n > 1)
		qsort(vs->v, vs->n, sizeof(*vs->v), cmp_verdict);
	ro.names = names;
	ro.only = (const uint8_t(*)[RK_ADDR_LEN])a->only;
	ro.n_only = a->n_only;
	ro.all_hosts = a->all_hosts;
	ro.with_sessions = a->sessions;
	ro.sessions = vs->v;
	ro.n_sessions = vs->n;
	ro.version = RK_VERSION;
	if (a->explain) {
		rk_report_explain(out, c, names, &a->explain_key, vs->v, vs->n);
		return 0;
	}
	if (a->stats && !a->json) {
		rk_report_stats(out, &st, c);
		fputc('\n', out);
	}
	if (take_alerts(det, &ro, &al) < 0)
		return -RK_E_NOMEM;
	rc = a->json ? rk_report_json(out, c, &st, &ro) : rk_report_text(out, c, &st, &ro);
	free(al);
	return rc;
}

/* The store sink's done hook: a refused flush is said (kept in memory unless final). */
static void
flush_done(void *user, int is_final, const struct rk_pipeline_stats *st, int rc,
    const struct rk_err *err)
{
	struct db_ctx *d = user;

	(void)st;
	if (rc >= 0)
		return;
	rk_progress_clear(d->progress);
	rk_cli_error("%s%s", err->msg, is_final ? "" :
	    " (kept in memory; trying again at the next flush)");
}

/* Open the store and record the run; 0 or -1 (reported). */
static int
db_open(struct db_ctx *d, const struct analyze_args *a, int n_files, char **files)
{
	struct rk_err err = {0};
	size_t len = 1;
	char *src;

	for (int i = 0; i < n_files; i++)
		len += strlen(files[i]) + 1;
	if ((src = calloc(1, len)) == NULL) {
		free(src);
		rk_cli_error("out of memory");
		return -1;
	}
	for (int i = 0; i < n_files; i++) {
		if (i > 0)
			strcat(src, ",");
		strcat(src, files[i]);
	}
	d->run.mode = "file";
	d->run.source = src;
	d->run.version = RK_VERSION;
	d->run.started_us = rk_cli_clock_us(CLOCK_REALTIME);
	if (rk_store_open(&d->store, a->db, 0, &err) < 0 ||
	    rk_store_run_begin(d->store, &d->run, &err) < 0) {
		rk_cli_error("%s", err.msg);
		free(src);
		d->run.source = NULL;
		return -1;
	}
	rk_store_set_retention(d->store, a->retention_us);
	return 0;
}

/* The store sink of this run, writing d's store; 0 or -1 (reported). */
static int
db_sink(struct db_ctx *d, struct rk_pipeline_opts *po)
{
	struct rk_store_sink_opts so = {0};

	so.store = d->store;
	so.run = &d->run;
	so.names = d->names;
	so.keep_totals = 1;
	so.done = flush_done;
	so.user = d;
	if (rk_store_sink_new(&d->sink, &so) < 0) {
		rk_cli_error("out of memory");
		return -1;
	}
	po->on_flush = rk_store_sink_flush;
	po->flush_user = d->sink;
	return 0;
}

/* After rk_pipeline_finish: the sink's last flush and the run's totals back in the classifier. */
static void
db_finish(struct db_ctx *d, struct rk_pipeline *p)
{
	rk_store_sink_finish(d->sink, p);
	rk_store_sink_get_stats(d->sink, &d->sst);
	if (d->sst.is_nomem)
		rk_cli_error("warning: out of memory; the report is incomplete (the store "
		    "is not)");
}

/*
 * Say on stderr what the run wrote: the report file of -o (its kind, its
 * size if it is a regular file, and the packets behind it; only if
 * is_written, the whole report reached it) and the flushes --db stored.
 * Nothing for a report on stdout.
 */
static void
tell_written(const struct analyze_args *a, FILE *out, struct rk_pipeline *p,
    const struct db_ctx *d, int is_written)
{
	struct rk_pipeline_stats st;
	char n[32], size[32] = "";
	struct stat sb;

	rk_pipeline_get_stats(p, &st);
	rk_human_count(st.n_frames, n, sizeof(n));
	if (a->output != NULL && is_written) {
		if (fstat(fileno(out), &sb) == 0 && S_ISREG(sb.st_mode)) {
			strcpy(size, ", ");
			rk_progress_format_bytes((uint64_t)sb.st_size, size + 2, sizeof(size) - 2);
		}
		rk_cli_error("wrote %s (%s%s, from %s packets)", a->output,
		    a->explain ? "explanation" : a->json ? "JSON report" : "text report", size, n);
	}
	if (a->db != NULL && d->sst.n_flushes > 0) {
		rk_cli_error("stored %llu flush%s of %s packets in %s (run %lld)",
		    (unsigned long long)d->sst.n_flushes, d->sst.n_flushes == 1 ? "" : "es", n, a->db,
		    (long long)d->run.id);
	}
}

/*
 * renkei analyze [options] FILE...: see help().  Returns the exit status
 * (cli.h).
 */
int
rk_cmd_analyze(int argc, char **argv)
{
	struct analyze_args a = {0};
	struct verdicts vs = {0};
	struct rk_detect *det = NULL;
	struct rk_pipeline_opts po = {0};
	struct rk_pipeline *p = NULL;
	struct rk_names *names = NULL;
	struct rk_err err = {0};
	struct db_ctx db = {0};
	struct rk_progress prog;
	FILE *out = stdout;
	int rc = parse_args(argc, argv, &a), status;

	if (rc != 0) {
		free(a.only);
		return rk_cli_usage(rc, "analyze", help);
	}
	status = RK_EXIT_INPUT;
	if ((names = rk_cli_names_load(&a.names)) == NULL)
		goto out;
	po.max_sessions = a.max_sessions;
	po.n_threads = a.threads;
	po.bpf = a.bpf;
	po.names = names;
	po.learn_dns = a.names.learn_dns;
	po.peek = a.names.peek;
	if (a.db != NULL) {
		db.names = names;
		if (db_open(&db, &a, argc - optind, argv + optind) < 0 || db_sink(&db, &po) < 0)
			goto out;
		po.flush_us = a.flush_us;
	}
	rk_progress_init(&prog, "renkei", a.quiet);
	db.progress = &prog;
	if (rk_progress_is_on(&prog)) {
		po.on_progress = show_progress;
		po.progress_user = &prog;
	}
	if ((p = rk_pipeline_new(&po, &err)) == NULL) {
		rk_cli_error("%s", err.msg);
		goto out;
	}
	vs.all = a.sessions;
	vs.only = &a.explain_key;
	if (a.sessions || a.explain)
		(void)rk_pipeline_add_verdict_sub(p, keep_verdict, &vs);
	if (!a.no_alerts && !a.explain) {
		if ((det = rk_detect_new(NULL, DETECT_SEED)) == NULL ||
		    rk_pipeline_add_verdict_sub(p, rk_detect_verdict, det) < 0) {
			rk_cli_error("out of memory");
			goto out;
		}
	}
	status = run_inputs(p, argc - optind, argv + optind, &prog);
	rk_progress_fini(&prog);
	if (status < 0) {
		status = RK_EXIT_INPUT;
		goto out;
	}
	rk_pipeline_finish(p);
	if (a.db != NULL)
		db_finish(&db, p);
	if (db.sst.is_final_failed)
		status = RK_EXIT_INPUT;
	if (vs.nomem)
		rk_cli_error("warning: out of memory keeping sessions; the list is incomplete");
	if ((out = rk_cli_output_open(a.output)) == NULL) {
		status = RK_EXIT_USAGE;
		goto out;
	}
	if ((rc = render(out, &a, p, rk_pipeline_classifier(p), names, &vs, det)) < 0) {
		rk_cli_error("out of memory writing the report");
		status = RK_EXIT_INPUT;
	}
	status = rk_cli_output_flush(out, status);
	if (!a.quiet)
		tell_written(&a, out, p, &db, rc == 0 && !ferror(out));
out:
	rk_cli_output_close(out);
	rk_pipeline_free(p);
	rk_detect_free(det);
	rk_store_sink_free(db.sink);
	rk_store_close(db.store);
	free((char *)db.run.source);
	rk_names_free(names);
	free(vs.v);
	free(a.only);
	return status;
}

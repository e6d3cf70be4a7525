/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli/cmd_capture.c - "renkei capture": live interfaces in, the store out.
 *
 * Order of events (each step must succeed before the next):
 *
 *   parse options, load names
 *   open every interface            (root or CAP_NET_RAW; capture_live.c)
 *     --threads N > 1: N sockets per interface in one PACKET_FANOUT group
 *   open the store, begin the run   (the SQLite file and WAL stay open)
 *   drop privileges                 (daemon/privsep.c; verified)
 *   the sandbox                     (daemon/sandbox.c: the store's directory,
 *                                    packet sockets only; --no-sandbox: none)
 *   the pipeline, its threads       (after both: every thread is confined
 *                                    and unprivileged)
 *   rk_pipeline_run_live            until SIGINT/SIGTERM or --duration
 *     every --flush seconds: the library's store sink (store/sink.h) -> rk_store_flush (one transaction)
 *     every second: the status line (on a terminal), news of lost or
 *     reopened interfaces, and a drop line when drops grew
 *   final flush, close
 *
 * All interfaces feed one pipeline, so the two mirrors of a redundant
 * switch pair, each seeing one direction, still build single sessions.
 * Drops are counted per interface (the sockets of one interface summed)
 * and stored with every flush.  A store that fails a flush keeps its data
 * in memory (the pipeline offers it again at the next flush).
 *
 * Runs in the foreground; as a service it is started by systemd
 * (dist/renkei.service), never by forking itself.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "daemon/daemon.h"
#include "pipeline/pipeline.h"
#include "store/sink.h"
#include "store/store.h"
#include "util/human.h"

#define MAX_IFACES 16
#define MAX_SOURCES 256

struct capture_args {
	const char *ifaces[MAX_IFACES]; /* -i */
	int n_ifaces;
	const char *bpf;             /* -f */
	int snaplen;                 /* --snaplen */
	int buffer_mb;               /* --buffer */
	int promisc;                 /* not --no-promisc */
	const char *db;              /* --db */
	unsigned flush_s;            /* --flush */
	unsigned idle_s;             /* --idle */
	size_t max_sessions;         /* --max-sessions */
	int threads;                 /* --threads */
	const char *user;            /* --user, NULL = default */
	unsigned duration_s;         /* --duration, 0 = until a signal */
	int status;                  /* 1 on, 0 off, -1 = on if stderr is a terminal */
	int no_sandbox;              /* --no-sandbox */
	struct rk_cli_names names;   /* --services, --services-db, --hosts, --no-dns, --peek */
};

/* One interface: its sockets are srcs[first .. first + n). */
struct iface {
	const char *name;            /* as given with -i */
	int first;                   /* index of its first source */
	int n;                       /* sockets (fanout members) */
	uint64_t last_drops;         /* drops at the last drop line */
};

struct capture_ctx {
	struct capture_args *a;      /* options */
	struct rk_capture *srcs[MAX_SOURCES]; /* owned */
	int n_srcs;
	struct iface ifs[MAX_IFACES];
	struct rk_store *store;      /* owned */
	struct rk_store_run run;     /* the run in the store */
	struct rk_store_sink *sink;  /* writes each flush to the store; owned */
	struct rk_store_iface flush_ifs[MAX_IFACES]; /* the interfaces' counters of a flush */
	struct rk_names *names;      /* owned */
	int is_tty;                  /* the status line is drawn */
	int line_dirty;              /* a status line is on screen */
	uint64_t last_frames;        /* for the rate */
	uint64_t last_mono;          /* µs, CLOCK_MONOTONIC of the last status */
	uint64_t n_flushes;          /* flushes stored */
	uint64_t n_flush_errors;     /* flushes the store refused */
	int last_flush_failed;       /* the latest flush was refused (data still in memory) */
};

static volatile sig_atomic_t stop; /* set by the signal handlers (daemon/signals.c) */

static void
help(FILE *f)
{
	fprintf(f,
	    "usage: renkei capture -i IFACE [-i IFACE...] [options]\n"
	    "\n"
	    "Capture live traffic (a mirror port, a TAP) and add the services, dependencies\n"
	    "and drop counters to the store every --flush seconds.  SIGINT, SIGTERM or\n"
	    "SIGHUP: final flush and exit (a repeat within 2 s is the same stop; a later\n"
	    "one exits at once, without the final flush).  Several -i: one analysis\n"
	    "(e.g. the mirrors of a switch pair).\n"
	    "\n"
	    "  -i, --interface IFACE  capture on IFACE (repeatable, up to %d)\n"
	    "  -f, --filter EXPR      BPF filter, run in the kernel\n"
	    "      --snaplen N        bytes kept per frame (default 256: headers only)\n"
	    "      --buffer MB        kernel ring per socket (default 64)\n"
	    "      --no-promisc       do not put the interfaces into promiscuous mode\n"
	    "      --db FILE          the store (default renkei.db)\n"
	    "      --flush SECONDS    store every SECONDS (default 60)\n"
	    "      --idle SECONDS     fold conversations idle this long (default 300)\n"
	    "      --max-sessions N   live conversations tracked at most (default 1000000)\n"
	    "      --threads N        N > 1: N sockets per interface in a PACKET_FANOUT\n"
	    "                         hash group, each read by its own thread, and\n"
	    "                         N - 1 tracker threads (default 1: one thread)\n"
	    "      --user NAME        user to run as after opening (default: renkei if it\n"
	    "                         exists); CAP_NET_RAW is kept to reopen interfaces\n"
	    "      --duration SECONDS stop after SECONDS\n"
	    "      --status, --no-status  the one-line status (default: on a terminal)\n"
	    RK_CLI_SANDBOX_HELP
	    RK_CLI_NAMES_HELP
	    RK_CLI_PAYLOAD_HELP
	    "  -h, --help             this text\n"
	    "\n"
	    "exit status: 0 ok, 1 usage, 2 an interface or the store could not be used\n",
	    MAX_IFACES);
}

/* Log a line to stderr, first clearing the status line if one is drawn. */
static void __attribute__((format(printf, 2, 3)))
say(struct capture_ctx *x, const char *fmt, ...)
{
	va_list ap;

	if (x->line_dirty) {
		fputs("\r\033[K", stderr);
		x->line_dirty = 0;
	}
	fputs("renkei: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

enum {
	OPT_SNAPLEN = 256, OPT_BUFFER, OPT_NO_PROMISC, OPT_DB, OPT_FLUSH, OPT_IDLE,
	OPT_MAX_SESSIONS, OPT_THREADS, OPT_USER, OPT_DURATION, OPT_STATUS, OPT_NO_STATUS,
	OPT_NO_SANDBOX,
};

static const struct option long_opts[] = {
	{"interface", required_argument, NULL, 'i'},
	{"filter", required_argument, NULL, 'f'},
	{"snaplen", required_argument, NULL, OPT_SNAPLEN},
	{"buffer", required_argument, NULL, OPT_BUFFER},
	{"no-promisc", no_argument, NULL, OPT_NO_PROMISC},
	{"db", required_argument, NULL, OPT_DB},
	{"flush", required_argument, NULL, OPT_FLUSH},
	{"idle", required_argument, NULL, OPT_IDLE},
	{"max-sessions", required_argument, NULL, OPT_MAX_SESSIONS},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"user", required_argument, NULL, OPT_USER},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"status", no_argument, NULL, OPT_STATUS},
	{"no-status", no_argument, NULL, OPT_NO_STATUS},
	{"no-sandbox", no_argument, NULL, OPT_NO_SANDBOX},
	RK_CLI_NAMES_LONG_OPTS,
	RK_CLI_PAYLOAD_LONG_OPTS,
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Parse argv into a; returns 0, 1 for --help, -1 on a usage error (reported). */
static int
parse_args(int argc, char **argv, struct capture_args *a)
{
	size_t v;
	int c;

	a->snaplen = 256;
	a->buffer_mb = 64;
	a->promisc = 1;
	a->db = "renkei.db";
	a->flush_s = 60;
	a->idle_s = 300;
	a->max_sessions = 1000000;
	a->threads = 1;
	a->status = -1;
	rk_cli_names_init(&a->names);
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:f:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (a->n_ifaces == MAX_IFACES) {
				rk_cli_error("at most %d interfaces", MAX_IFACES);
				return -1;
			}
			a->ifaces[a->n_ifaces++] = optarg;
			break;
		case 'f': a->bpf = optarg; break;
		case 'h': return 1;
		case OPT_NO_PROMISC: a->promisc = 0; break;
		case OPT_DB: a->db = optarg; break;
		case OPT_USER: a->user = optarg; break;
		case OPT_STATUS: a->status = 1; break;
		case OPT_NO_STATUS: a->status = 0; break;
		case OPT_NO_SANDBOX: a->no_sandbox = 1; break;
		case OPT_SNAPLEN:
			if (rk_cli_option_size("--snaplen", optarg, 64, 262144, &v) < 0)
				return -1;
			a->snaplen = (int)v;
			break;
		case OPT_BUFFER:
			if (rk_cli_option_size("--buffer", optarg, 1, 4096, &v) < 0)
				return -1;
			a->buffer_mb = (int)v;
			break;
		case OPT_FLUSH:
			if (rk_cli_option_size("--flush", optarg, 1, 86400, &v) < 0)
				return -1;
			a->flush_s = (unsigned)v;
			break;
		case OPT_IDLE:
			if (rk_cli_option_size("--idle", optarg, 1, 7 * 86400, &v) < 0)
				return -1;
			a->idle_s = (unsigned)v;
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
		case OPT_DURATION:
			if (rk_cli_option_size("--duration", optarg, 1, (size_t)100 * 365 * 86400,
			    &v) < 0)
				return -1;
			a->duration_s = (unsigned)v;
			break;
		default:
			/* The name options, or an error getopt_long reported. */
			if (rk_cli_names_option(&a->names, c, optarg) > 0)
				break;
			return -1;
		}
	}
	if (optind < argc) {
		rk_cli_error("capture: unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (a->n_ifaces == 0) {
		rk_cli_error("capture: no interface given (-i IFACE)");
		return -1;
	}
	if (a->n_ifaces * a->threads > MAX_SOURCES) {
		rk_cli_error("capture: at most %d sockets (interfaces x threads)", MAX_SOURCES);
		return -1;
	}
	return 0;
}

/*
 * Open every interface: one socket each, or with --threads N > 1, N
 * sockets in one fanout group (the first creates it, the others join).
 */
static int
open_sources(struct capture_ctx *x)
{
	struct capture_args *a = x->a;
	struct rk_capture_live_opts o = {0};
	struct rk_err err = {0};

	o.bpf = a->bpf;
	o.snaplen = a->snaplen;
	o.buffer_mb = a->buffer_mb;
	o.promisc = a->promisc;
	for (int i = 0; i < a->n_ifaces; i++) {
		struct iface *f = &x->ifs[i];
		f->name = a->ifaces[i];
		f->first = x->n_srcs;
		for (int k = 0; k < a->threads; k++) {
			struct rk_capture *c;
			if (a->threads == 1)
				o.fanout = 0;
			else if (k == 0)
				o.fanout = RK_CAPTURE_FANOUT_NEW;
			else
				o.fanout = rk_capture_fanout_id(x->srcs[f->first]);
			if (rk_capture_open_live(&c, f->name, &o, &err) < 0) {
				rk_cli_error("%s", err.msg);
				return -1;
			}
			x->srcs[x->n_srcs++] = c;
			f->n++;
		}
	}
	return 0;
}

/* The counters of interface f, its sockets summed. */
static void
iface_stats(const struct capture_ctx *x, const struct iface *f, struct rk_capture_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (int k = 0; k < f->n; k++) {
		struct rk_capture_stats s;
		rk_capture_get_stats(x->srcs[f->first + k], &s);
		st->n_frames += s.n_frames;
		st->n_bytes += s.n_bytes;
		st->n_drops += s.n_drops;
		st->n_ifdrops += s.n_ifdrops;
	}
}

/* Log what the sources have to say (lost, reopened) and growing drops. */
static void
report_news(struct capture_ctx *x, int with_drops)
{
	char buf[256];

	for (int i = 0; i < x->n_srcs; i++)
		if (rk_capture_live_news(x->srcs[i], buf, sizeof(buf)))
			say(x, "%s", buf);
	if (!with_drops)
		return;
	for (int i = 0; i < x->a->n_ifaces; i++) {
		struct iface *f = &x->ifs[i];
		struct rk_capture_stats st;
		iface_stats(x, f, &st);
		if (st.n_drops + st.n_ifdrops == f->last_drops)
			continue;
		say(x, "%s: %llu frames received, dropped: %llu by the kernel, %llu by the "
		    "interface", f->name, (unsigned long long)st.n_frames,
		    (unsigned long long)st.n_drops, (unsigned long long)st.n_ifdrops);
		f->last_drops = st.n_drops + st.n_ifdrops;
	}
}

/* Every second from the pipeline: news, and the status line on a terminal. */
static void
on_status(void *user, const struct rk_pipeline_stats *st)
{
	struct capture_ctx *x = user;
	uint64_t now = rk_cli_clock_us(CLOCK_MONOTONIC), drops = 0;
	double rate = 0.0;
	char pk[32], rt[32], ss[32];

	report_news(x, 0);
	if (!x->is_tty)
		return;
	for (int i = 0; i < x->n_srcs; i++) {
		struct rk_capture_stats cs;
		rk_capture_get_stats(x->srcs[i], &cs);
		drops += cs.n_drops + cs.n_ifdrops;
	}
	if (x->last_mono != 0 && now > x->last_mono)
		rate = (double)(st->n_frames - x->last_frames) * 1e6 / (double)(now - x->last_mono);
	x->last_mono = now;
	x->last_frames = st->n_frames;
	rk_human_count(st->n_frames, pk, sizeof(pk));
	rk_human_count((uint64_t)(rate + 0.5), rt, sizeof(rt));
	rk_human_count(st->sess.n_live, ss, sizeof(ss));
	fprintf(stderr, "\r\033[K%s: %s packets, %s pkt/s, %s sessions, %llu evicted, "
	    "%llu drops, %llu flushes", x->run.source, pk, rt, ss,
	    (unsigned long long)st->sess.n_evicted, (unsigned long long)drops,
	    (unsigned long long)x->n_flushes);
	x->line_dirty = 1;
}

/* The store sink's ifaces hook: each interface's counters, and their drops into st. */
static int
flush_ifaces(void *user, struct rk_pipeline_stats *st, const struct rk_store_iface **out)
{
	struct capture_ctx *x = user;
	struct rk_capture_stats cs;

	report_news(x, 1);
	st->n_kernel_drops = 0;
	for (int i = 0; i < x->a->n_ifaces; i++) {
		iface_stats(x, &x->ifs[i], &cs);
		x->flush_ifs[i].name = x->ifs[i].name;
		x->flush_ifs[i].packets = cs.n_frames;
		x->flush_ifs[i].kernel_drops = cs.n_drops;
		x->flush_ifs[i].if_drops = cs.n_ifdrops;
		st->n_kernel_drops += cs.n_drops + cs.n_ifdrops;
	}
	*out = x->flush_ifs;
	return x->a->n_ifaces;
}

/* The store sink's done hook: after each interval (and at the end), say what it did. */
static void
flush_done(void *user, int is_final, const struct rk_pipeline_stats *st, int rc,
    const struct rk_err *err)
{
	struct capture_ctx *x = user;

	if (rc < 0) {
		x->n_flush_errors++;
		x->last_flush_failed = 1;
		say(x, "%s: flush failed (kept in memory, retried at the next flush): %s",
		    x->a->db, err->msg);
		return;
	}
	x->n_flushes++;
	x->last_flush_failed = 0;
	if (is_final || !x->is_tty) {
		say(x, "%s: %s: %llu packets, %llu sessions live, %llu evicted, %llu dropped",
		    x->a->db, is_final ? "final flush" : "flushed",
		    (unsigned long long)st->n_frames, (unsigned long long)st->sess.n_live,
		    (unsigned long long)st->sess.n_evicted,
		    (unsigned long long)st->n_kernel_drops);
	}
}

/* Open the store and record the run; a store we create goes to the capture user. */
static int
open_store(struct capture_ctx *x, char *source, size_t source_len)
{
	struct rk_err err = {0};
	struct stat sb;
	size_t off = 0;

	if (stat(x->a->db, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		rk_cli_error("%s: not a regular file", x->a->db);
		return -1;
	}
	if (rk_store_open(&x->store, x->a->db, 0, &err) < 0) {
		rk_cli_error("%s", err.msg);
		return -1;
	}
	for (int i = 0; i < x->a->n_ifaces && off < source_len; i++)
		off += (size_t)snprintf(source + off, source_len - off, "%s%s", i ? "," : "",
		    x->a->ifaces[i]);
	x->run.mode = "live";
	x->run.source = source;
	x->run.version = RK_VERSION;
	x->run.started_us = rk_cli_clock_us(CLOCK_REALTIME);
	if (rk_store_run_begin(x->store, &x->run, &err) < 0) {
		rk_cli_error("%s: %s", x->a->db, err.msg);
		return -1;
	}
	return 0;
}

/* Give a store file this process created to the user it is about to become. */
static void
chown_store(const char *db, const char *user, int existed)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char path[4096];

	if (existed || user == NULL || geteuid() != 0)
		return;
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", db, sfx[i]);
		(void)rk_privsep_chown(path, user);
	}
}

/*
 * Confine the capture (daemon/sandbox.c): the store's directory and
 * SQLite's temporary one writable, the name files readable, packet
 * sockets only.  After the privilege drop, before the first thread.
 */
static int
confine(const struct capture_args *a)
{
	struct rk_cli_sandbox sb = {0};

	if (rk_cli_sandbox_store(&sb, a->db, 1) < 0 || rk_cli_sandbox_sqlite_tmp(&sb) < 0 ||
	    rk_cli_sandbox_names(&sb, &a->names) < 0)
		return -1;
	return rk_cli_sandbox_apply(&sb, RK_SANDBOX_CAPTURE, a->no_sandbox);
}

/*
 * renkei capture [options]: see help().  Returns the exit status (cli.h).
 */
int
rk_cmd_capture(int argc, char **argv)
{
	struct capture_args a = {0};
	struct capture_ctx x = {0};
	struct rk_pipeline_opts po = {0};
	struct rk_store_sink_opts so = {0};
	struct rk_pipeline *p = NULL;
	struct rk_privsep_result pr;
	struct rk_err err = {0};
	struct rk_pipeline_stats st;
	char source[512], b[5][32];
	const char *user;
	struct stat sb;
	int rc, status = RK_EXIT_INPUT, db_existed;

	rc = parse_args(argc, argv, &a);
	if (rc != 0) {
		return rk_cli_usage(rc, "capture", help);
	}
	x.a = &a;
	x.is_tty = a.status < 0 ? isatty(STDERR_FILENO) : a.status;
	if ((x.names = rk_cli_names_load(&a.names)) == NULL)
		goto out;
	if (rk_signals_init(&stop) < 0) {
		rk_cli_error("cannot install signal handlers");
		goto out;
	}
	if (open_sources(&x) < 0)
		goto out;
	db_existed = stat(a.db, &sb) == 0;
	if (open_store(&x, source, sizeof(source)) < 0)
		goto out;
	po.max_sessions = a.max_sessions;
	po.flush_us = (uint64_t)a.flush_s * 1000000u;
	po.idle_us = (uint64_t)a.idle_s * 1000000u;
	so.store = x.store;
	so.run = &x.run;
	so.names = x.names;
	so.ifaces = flush_ifaces;
	so.done = flush_done;
	so.user = &x;
	if (rk_store_sink_new(&x.sink, &so) < 0) {
		rk_cli_error("out of memory");
		goto out;
	}
	po.on_flush = rk_store_sink_flush;
	po.flush_user = x.sink;
	po.n_threads = a.threads;
	po.n_readers = a.threads; /* one reader per fanout socket: socket k of every interface */
	po.names = x.names;
	po.learn_dns = a.names.learn_dns;
	po.peek = a.names.peek;
	user = a.user;
	if (user == NULL && geteuid() == 0 && rk_privsep_user_exists("renkei"))
		user = "renkei";
	chown_store(a.db, user, db_existed);
	if (rk_privsep_drop(user, &pr, &err) < 0) {
		rk_cli_error("%s", err.msg);
		goto out;
	}
	if (confine(&a) < 0)
		goto out;
	/* The tracker threads start here: after the drop and the sandbox, so they inherit both. */
	if ((p = rk_pipeline_new(&po, &err)) == NULL) {
		rk_cli_error("%s", err.msg);
		goto out;
	}
	if (!pr.did_switch && pr.uid == 0 && a.user != NULL)
		say(&x, "warning: running as root, as --user %s asked: a bug in a decoder would "
		    "own the machine (give an unprivileged user instead)", a.user);
	else if (!pr.did_switch && pr.uid == 0)
		say(&x, "warning: running as root (there is no user 'renkei': create it with "
		    "'useradd --system renkei', or give --user NAME)");
	say(&x, "capturing on %s (%d socket%s, snaplen %d, buffer %d MiB) as %s, "
	    "capabilities %s; store %s, run %lld, flush every %u s", source, x.n_srcs,
	    x.n_srcs == 1 ? "" : "s", a.snaplen, a.buffer_mb, pr.user,
	    pr.caps ? "net_raw,net_admin" : "none", a.db, (long long)x.run.id, a.flush_s);
	if (a.duration_s > 0)
		alarm(a.duration_s);
	rc = rk_pipeline_run_live(p, x.srcs, x.n_srcs, &stop, on_status, &x, &err);
	if (rc < 0)
		say(&x, "capture failed: %s", err.msg);
	rk_pipeline_finish(p);
	rk_store_sink_finish(x.sink, p);
	rk_pipeline_get_stats(p, &st);
	report_news(&x, 1);
	say(&x, "stopped%s: %s packets, %s sessions, %s evicted, %s %s stored, %s failed",
	    stop == SIGALRM ? " (--duration)" : stop ? " by a signal" : "",
	    rk_human_count(st.n_frames, b[0], sizeof(b[0])),
	    rk_human_count(st.sess.n_created, b[1], sizeof(b[1])),
	    rk_human_count(st.sess.n_evicted, b[2], sizeof(b[2])),
	    rk_human_count(x.n_flushes, b[3], sizeof(b[3])), rk_plural(x.n_flushes, "flush",
	    "flushes"), rk_human_count(x.n_flush_errors, b[4], sizeof(b[4])));
	status = rc < 0 || x.last_flush_failed ? RK_EXIT_INPUT : RK_EXIT_OK;
out:
	rk_pipeline_free(p);
	rk_store_sink_free(x.sink);
	rk_store_close(x.store);
	for (int i = 0; i < x.n_srcs; i++)
		rk_capture_free(x.srcs[i]);
	rk_names_free(x.names);
	return status;
}

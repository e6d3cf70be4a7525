/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli/cmd_impact.c - renkei impact / renkei needs: what fails if targets
 * fail, and what targets need (impact/impact.h), from capture files or
 * from the store, as text or JSON.
 *
 * The graph is the model of the analysis: captures are analysed as by
 * renkei analyze, a store is loaded for --since/--until as by renkei
 * report.  Positional arguments are targets, except (without --db) those
 * naming an existing file, which are captures.  Counting and the JSON
 * document are report/impact_out.c's, shared with the web's /api/impact;
 * the text is this file's.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "impact/impact.h"
#include "pipeline/pipeline.h"
#include "report/impact_out.h"
#include "report/report.h"
#include "store/store.h"
#include "util/human.h"

#define MAX_ARGS 256

struct impact_args {
	int needs;                   /* renkei needs */
	const char *db;              /* --db */
	const char *sites_path;      /* --sites */
	const char *since, *until;   /* --since, --until */
	const char *output;          /* -o */
	int json;                    /* --json */
	struct rk_impact_opts o;     /* --depth, --soft, --hard */
	struct rk_cli_names names;
	char *targets[MAX_ARGS];
	int n_targets;
	char *files[MAX_ARGS];
	int n_files;
};

static void
help(FILE *f)
{
	fprintf(f,
	    "usage: renkei impact [options] TARGET... [FILE...]\n"
	    "       renkei needs  [options] TARGET... [FILE...]\n"
	    "\n"
	    "impact: what fails if the targets fail - their services, every service\n"
	    "that depends on them (transitively) and the users and servers affected,\n"
	    "per site.  needs: everything the targets depend on, transitively.\n"
	    "The graph comes from capture FILEs (analysed as by 'renkei analyze') or\n"
	    "from the store (--db).\n"
	    "\n"
	    "TARGET: an address (10.0.0.13), a prefix (10.1.0.0/16), a host name\n"
	    "(db01), a site (@tokyo-dc, or @10.1.2.0/24 without --sites), or one\n"
	    "service (10.0.0.13:5432/tcp, [2001:db8::1]:443/tcp).\n"
	    "\n"
	    "      --db FILE          the store instead of capture files\n"
	    "      --since T, --until T  the store's range (as for renkei report)\n"
	    "      --sites FILE       PREFIX NAME per line (10.1.0.0/16 tokyo-dc); without it\n"
	    "                         a site is a /24 or /64 network\n"
	    "      --depth N          follow dependencies N levels at most (default: all)\n"
	    "      --soft PROTO/PORT  a service whose failure does not propagate (repeatable;\n"
	    "                         built in: syslog, NTP, SNMP, flow export, monitoring agents)\n"
	    "      --hard PROTO/PORT  a built-in soft service that does propagate\n"
	    "      --json             one JSON document (README.md: impact)\n"
	    "  -o, --output FILE      write to FILE\n"
	    RK_CLI_NAMES_HELP
	    "  -h, --help             this text\n"
	    "\n"
	    "exit status: 0 ok, 1 usage (an unknown target), 2 input could not be used\n");
}

enum { OPT_DB = 256, OPT_SITES, OPT_SINCE, OPT_UNTIL, OPT_DEPTH, OPT_SOFT, OPT_HARD, OPT_JSON };

static const struct option long_opts[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"sites", required_argument, NULL, OPT_SITES},
	{"since", required_argument, NULL, OPT_SINCE},
	{"until", required_argument, NULL, OPT_UNTIL},
	{"depth", required_argument, NULL, OPT_DEPTH},
	{"soft", required_argument, NULL, OPT_SOFT},
	{"hard", required_argument, NULL, OPT_HARD},
	{"json", no_argument, NULL, OPT_JSON},
	{"output", required_argument, NULL, 'o'},
	{"help", no_argument, NULL, 'h'},
	RK_CLI_NAMES_LONG_OPTS,
	{NULL, 0, NULL, 0},
};

/* "udp/514" or "514/udp" into an override; 0 or -1 (reported). */
static int
add_override(struct rk_impact_opts *o, const char *arg, int soft)
{
	char proto[8];
	unsigned port;
	int n = 0;

	if (o->n_overrides == RK_IMPACT_MAX_OVERRIDES)
		return rk_cli_error("at most %d --soft/--hard", RK_IMPACT_MAX_OVERRIDES), -1;
	if ((sscanf(arg, "%7[a-z]/%u%n", proto, &port, &n) != 2 &&
	    sscanf(arg, "%u/%7[a-z]%n", &port, proto, &n) != 2) || arg[n] != '\0' || port > 65535 ||
	    (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "sctp") != 0))
		return rk_cli_error("--%s %s: want PROTO/PORT, e.g. udp/514", soft ? "soft" : "hard",
		    arg), -1;
	o->overrides[o->n_overrides].proto = proto[0] == 't' ? 6 : proto[0] == 'u' ? 17 : 132;
	o->overrides[o->n_overrides].port = (uint16_t)port;
	o->overrides[o->n_overrides++].soft = soft;
	return 0;
}

static int
parse_args(struct impact_args *a, int argc, char **argv)
{
	size_t v;
	int c, rc;

	while ((c = getopt_long(argc, argv, "o:h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: a->db = optarg; break;
		case OPT_SITES: a->sites_path = optarg; break;
		case OPT_SINCE: a->since = optarg; break;
		case OPT_UNTIL: a->until = optarg; break;
		case OPT_JSON: a->json = 1; break;
		case 'o': a->output = optarg; break;
		case 'h': return 1;
		case OPT_DEPTH:
			if (rk_cli_option_size("--depth", optarg, 1, 1000, &v) < 0)
				return -1;
			a->o.max_depth = (int)v;
			break;
		case OPT_SOFT:
		case OPT_HARD:
			if (add_override(&a->o, optarg, c == OPT_SOFT) < 0)
				return -1;
			break;
		default:
			if ((rc = rk_cli_names_option(&a->names, c, optarg)) > 0)
				break;
			return -1;
		}
	}
	for (int i = optind; i < argc; i++) {
		struct stat sb;
		int is_file = a->db == NULL && stat(argv[i], &sb) == 0 && S_ISREG(sb.st_mode);
		if ((is_file ? a->n_files : a->n_targets) == MAX_ARGS)
			return rk_cli_error("at most %d targets and %d files", MAX_ARGS, MAX_ARGS), -1;
		if (is_file)
			a->files[a->n_files++] = argv[i];
		else
			a->targets[a->n_targets++] = argv[i];
	}
	if (a->n_targets == 0)
		return rk_cli_error("give at least one TARGET"), -1;
	if (a->db == NULL && a->n_files == 0)
		return rk_cli_error("give capture FILEs or --db FILE (is '%s' a file?)",
		    a->targets[0]), -1;
	if (a->db == NULL && (a->since != NULL || a->until != NULL))
		return rk_cli_error("--since/--until only apply with --db"), -1;
	return 0;
}

/* ---- the graph --------------------------------------------------------- */

/* Analyse the files into a pipeline; *p owns the classifier.  0 or exit status. */
static int
from_files(const struct impact_args *a, struct rk_names *names, struct rk_pipeline **p)
{
	struct rk_pipeline_opts po = {0};
	struct rk_err err = {0};
	int status = RK_EXIT_OK;

	po.max_sessions = 1000000;
	po.names = names;
	po.learn_dns = a->names.learn_dns;
	if ((*p = rk_pipeline_new(&po, &err)) == NULL)
		return rk_cli_error("%s", err.msg), RK_EXIT_INPUT;
	for (int i = 0; i < a->n_files; i++) {
		int rc = rk_pipeline_run_file(*p, a->files[i], &err);
		if (rc == -RK_E_TRUNC) {
			rk_cli_error("warning: %s", err.msg);
			status = RK_EXIT_PARTIAL;
		} else if (rc < 0) {
			return rk_cli_error("%s", err.msg), RK_EXIT_INPUT;
		}
	}
	rk_pipeline_finish(*p);
	return status;
}

/* Load the store's range into a new classifier *c.  0 or an exit status. */
static int
from_store(const struct impact_args *a, struct rk_names *names, struct rk_classifier **c)
{
	struct rk_store *s = NULL;
	struct rk_pipeline_stats st = {0};
	struct rk_err err = {0};
	uint64_t since = 0, until = 0;
	int rc;

	if ((a->since != NULL && rk_human_parse_time(a->since, &since) < 0) ||
	    (a->until != NULL && rk_human_parse_time(a->until, &until) < 0))
		return rk_cli_error("--since/--until: want 2023-11-14T22:00:00Z, '2023-11-14 22:00' or "
		    "unix seconds"), RK_EXIT_USAGE;
	if ((*c = rk_classify_new(names, 64, 0x696d)) == NULL)
		return rk_cli_error("out of memory"), RK_EXIT_INPUT;
	rc = rk_store_open(&s, a->db, RK_STORE_RDONLY, &err);
	if (rc == 0 && rk_store_notice(s) != NULL)
		rk_cli_error("warning: %s", rk_store_notice(s));
	if (rc == 0)
		rc = rk_store_load(s, since, until, *c, names, &st, &err);
	rk_store_close(s);
	if (rc < 0)
		return rk_cli_error("%s", err.msg), RK_EXIT_INPUT;
	return RK_EXIT_OK;
}

/* ---- output ------------------------------------------------------------ */

static const char *
svc_text(char *buf, size_t len, const struct rk_names *names, const struct rk_ep_key *k)
{
	char a[RK_ADDR_STRLEN], pb[16];
	const char *h = names != NULL ? rk_names_host(names, k->ip) : NULL;
	const char *sn = names != NULL ? rk_names_service(names, k->proto, k->port) : NULL;

	rk_addr_format(k->ip, a, sizeof(a));
	snprintf(buf, len, "%s%s%s:%u/%s%s%s%s", h ? h : "", h ? " (" : "", a, k->port,
	    rk_report_proto_name(k->proto, pb, sizeof(pb)), h ? ")" : "", sn ? " " : "", sn ? sn : "");
	return buf;
}

/* "db01:5432 <- app01:8080 <- web01:80" for service i (impact). */
static void
print_chain(FILE *f, const struct rk_impact *r, const struct rk_names *names, long i)
{
	char b[192];
	int n = 0;

	for (; i >= 0 && n < 64; i = r->svcs[i].via, n++)
		fprintf(f, "%s%s", n ? " <- " : "", svc_text(b, sizeof(b), names, &r->svcs[i].key));
}

static void
text_impact(FILE *f, const struct impact_args *a, const struct rk_impact *r,
    const struct rk_impact_summary *s, const struct rk_names *names)
{
	char b[192];
	size_t n_failed = 0;

	fprintf(f, "%s of", a->needs ? "Needs" : "Impact");
	for (int i = 0; i < a->n_targets; i++)
		fprintf(f, " %s", a->targets[i]);
	fprintf(f, "\n");
	if (!a->needs) {
		fprintf(f, "  affected     %" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64 " %s, %zu %s "
		    "(lost with the targets: %" PRIu64 " %s)\n",
		    s->users, rk_plural(s->users, "user", "users"), s->servers,
		    rk_plural(s->servers, "server", "servers"), s->networks,
		    rk_plural(s->networks, "network", "networks"), s->n_sites,
		    rk_plural(s->n_sites, "site", "sites"), s->lost, rk_plural(s->lost, "host", "hosts"));
		for (size_t i = 0; i < r->n_svcs; i++)
			n_failed += r->svcs[i].depth == 0;
		fprintf(f, "\nFailed services (%zu)\n", n_failed);
		for (size_t i = 0; i < r->n_svcs; i++)
			if (r->svcs[i].depth == 0)
				fprintf(f, "  %s  %u %s%s\n", svc_text(b, sizeof(b), names, &r->svcs[i].key),
				    r->svcs[i].n_clients, rk_plural(r->svcs[i].n_clients, "client", "clients"),
				    r->svcs[i].soft ? "  (soft: not passed on)" : "");
		fprintf(f, "\nAffected services (%zu), with the chain that reaches them\n",
		    r->n_svcs - n_failed);
		for (size_t i = 0; i < r->n_svcs; i++) {
			if (r->svcs[i].depth == 0)
				continue;
			fprintf(f, "  depth %d  ", r->svcs[i].depth);
			print_chain(f, r, names, (long)i);
			fprintf(f, "\n");
		}
	} else {
		fprintf(f, "\nNeeded services (%zu), by depth\n", r->n_svcs);
		for (size_t i = 0; i < r->n_svcs; i++)
			fprintf(f, "  depth %d  %s  (for %s)%s\n", r->svcs[i].depth,
			    svc_text(b, sizeof(b), names, &r->svcs[i].key),
			    rk_report_host_text(b + 96, 96, names, r->hosts[r->svcs[i].via].ip),
			    r->svcs[i].soft ? "  soft: not followed" : "");
	}
	fprintf(f, "\n%-32s %8s %8s %8s\n", "site", a->needs ? "clients" : "users", "servers",
	    a->needs ? "targets" : "lost");
	for (size_t i = 0; i < s->n_sites; i++)
		fprintf(f, "%-32s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n", s->sites[i].name,
		    s->sites[i].users, s->sites[i].servers, s->sites[i].lost);
	if (!a->needs) {
		fprintf(f, "\nAffected hosts (%zu)\n", r->n_hosts - (size_t)s->lost);
		for (size_t i = 0; i < r->n_hosts; i++)
			if (!r->hosts[i].lost)
				fprintf(f, "  depth %d  %-6s %s  via %s\n", r->hosts[i].depth,
				    r->hosts[i].role == RK_IMPACT_SERVER ? "server" : "user",
				    rk_report_host_text(b, 96, names, r->hosts[i].ip),
				    svc_text(b + 96, 96, names, &r->svcs[r->hosts[i].via].key));
	}
}

/* ---- the command ------------------------------------------------------- */

static int
walk_and_print(struct impact_args *a, struct rk_classifier *c, struct rk_names *names,
    struct rk_sites *sites)
{
	struct rk_impact_targets *t = calloc(1, sizeof(*t));
	struct rk_impact r = {0};
	struct rk_impact_summary s = {0};
	struct rk_err err = {0};
	FILE *out = NULL;
	int status = RK_EXIT_OK;

	a->o.m = rk_classify_model(c);
	a->o.sites = sites;
	if (t == NULL)
		return rk_cli_error("out of memory"), RK_EXIT_INPUT;
	for (int i = 0; i < a->n_targets && status == RK_EXIT_OK; i++)
		if (rk_impact_add_target(t, a->targets[i], a->o.m, names, sites, &err) < 0)
			status = (rk_cli_error("%s", err.msg), RK_EXIT_USAGE);
	if (status == RK_EXIT_OK &&
	    (a->needs ? rk_impact_needs(&a->o, t, &r, &err) : rk_impact_run(&a->o, t, &r, &err)) < 0)
		status = (rk_cli_error("%s", err.msg), RK_EXIT_USAGE);
	if (status == RK_EXIT_OK && rk_report_impact_summarise(&r, sites, &s) < 0)
		status = (rk_cli_error("out of memory"), RK_EXIT_INPUT);
	if (status == RK_EXIT_OK && (out = rk_cli_output_open(a->output)) == NULL)
		status = RK_EXIT_INPUT;
	if (status == RK_EXIT_OK) {
		if (a->json)
			rk_report_impact_json(out, a->needs, (const char *const *)a->targets,
			    (size_t)a->n_targets, &r, &s, sites);
		else
			text_impact(out, a, &r, &s, names);
		status = rk_cli_output_flush(out, status);
		rk_cli_output_close(out);
	}
	rk_report_impact_summary_free(&s);
	rk_impact_free(&r);
	free(t);
	return status;
}

static int
run(int argc, char **argv, int needs)
{
	struct impact_args a;
	struct rk_names *names = NULL;
	struct rk_sites sites = {0};
	struct rk_pipeline *p = NULL;
	struct rk_classifier *c = NULL;
	struct rk_err err = {0};
	int rc, status;

	memset(&a, 0, sizeof(a));
	a.needs = needs;
	rk_cli_names_init(&a.names);
	if ((rc = parse_args(&a, argc, argv)) != 0)
		return rk_cli_usage(rc, needs ? "needs" : "impact", help);
	if (a.sites_path != NULL && rk_sites_load(&sites, a.sites_path, &err) < 0) {
		rk_cli_error("%s", err.msg);
		rk_sites_free(&sites);
		return RK_EXIT_INPUT;
	}
	if ((names = rk_cli_names_load(&a.names)) == NULL) {
		rk_sites_free(&sites);
		return RK_EXIT_INPUT;
	}
	status = a.db != NULL ? from_store(&a, names, &c) : from_files(&a, names, &p);
	if (p != NULL)
		c = rk_pipeline_classifier(p);
	if (status == RK_EXIT_OK || status == RK_EXIT_PARTIAL) {
		int st = walk_and_print(&a, c, names, &sites);
		status = st != RK_EXIT_OK ? st : status;
	}
	if (p != NULL)
		rk_pipeline_free(p);
	else
		rk_classify_free(c);
	rk_names_free(names);
	rk_sites_free(&sites);
	return status;
}

int
rk_cmd_impact(int argc, char **argv)
{
	return run(argc, argv, 0);
}

int
rk_cmd_needs(int argc, char **argv)
{
	return run(argc, argv, 1);
}

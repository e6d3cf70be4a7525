/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli/cmd_serve.c - "renkei serve": the web report over the store.
 *
 * Opens the store read-only (or, for demos and tests, analyses capture
 * files given with --pcap) and serves the pages and the JSON API of
 * src/web on 127.0.0.1:8080 by default.  Listening on anything but a
 * loopback address requires --auth (and warns when it goes over plain
 * HTTP); --tls-cert/--tls-key turn on HTTPS.  --allow-host adds names the
 * Host header may carry (DNS rebinding defence); --max-conns-per-ip and
 * --header-timeout bound what one client can hold.
 * --export DIR writes the static pages instead of serving (the code path
 * of `renkei report --html DIR`).  SIGINT/SIGTERM stop the server.
 * Serving runs sandboxed (daemon/sandbox.c, role web): once the socket is
 * bound and before libmicrohttpd's threads, the process keeps read-only
 * access to the store's directory, the --pcap, --sites and name files and
 * the system's; it makes no new socket and writes no file.  --no-sandbox
 * turns that off (with a warning); --export is not confined (it writes).
 * Exit codes are in cli.h.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/addr.h"
#include "web/web.h"

#define MAX_FILES 16
#define MAX_ALLOW_HOSTS 32

struct serve_args {
	const char *db;                     /* --db */
	const char *sites;                  /* --sites FILE, may be NULL */
	char *pcaps[MAX_FILES];             /* --pcap */
	int n_pcaps;
	const char *listen;                 /* --listen */
	const char *auth;                   /* --auth FILE */
	const char *tls_cert, *tls_key;     /* --tls-cert, --tls-key */
	const char *export_dir;             /* --export DIR */
	const char *allow_hosts[MAX_ALLOW_HOSTS]; /* --allow-host */
	int n_allow_hosts;
	size_t max_conns_per_ip;            /* --max-conns-per-ip, 0 = default */
	size_t header_timeout;              /* --header-timeout, 0 = default */
	struct rk_cli_names names;          /* --services, --services-db, --hosts */
	int no_sandbox;                     /* --no-sandbox */
	struct rk_cli_sandbox sandbox;      /* the paths kept when confined */
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
help(FILE *f)
{
	fprintf(f,
	    "usage: renkei serve --db FILE [options]\n"
	    "\n"
	    "Serve the web report (overview, networks, hosts, services, dependency map)\n"
	    "and its JSON API (/api/...) from the store, read-only.\n"
	    "\n"
	    "      --db FILE          the store (written by 'renkei analyze --db')\n"
	    "      --pcap FILE        analyse this capture instead of a store (repeatable)\n"
	    "      --listen ADDR:PORT where to listen (default 127.0.0.1:8080; port 0 = any)\n"
	    "      --auth FILE        required off loopback: the file's first line is a token\n"
	    "                         (Authorization: Bearer, or ?token= once) or user:password\n"
	    "                         (basic auth)\n"
	    "      --tls-cert FILE    serve HTTPS with this PEM certificate ...\n"
	    "      --tls-key FILE     ... and this PEM key\n"
	    "      --export DIR       write the static pages into DIR and exit\n"
	    "      --sites FILE       PREFIX NAME per line, for the impact pages' per-site\n"
	    "                         counts and @site targets (default: each /24 or /64)\n"
	    RK_CLI_SANDBOX_HELP
	    "      --allow-host NAME  also answer requests whose Host is NAME (repeatable;\n"
	    "                         by default only localhost, 127.0.0.1, [::1], the\n"
	    "                         --listen address and the address a client connected to)\n"
	    "      --max-conns-per-ip N  connections one client address may hold (default 64)\n"
	    "      --header-timeout S seconds a connection has to send a complete request,\n"
	    "                         from connecting or from its previous answer (default 10)\n"
	    RK_CLI_NAMES_HELP
	    "  -h, --help             this text\n");
}

enum {
	OPT_DB = 256, OPT_PCAP, OPT_LISTEN, OPT_AUTH, OPT_CERT, OPT_KEY, OPT_EXPORT, OPT_NO_SANDBOX,
	OPT_ALLOW_HOST, OPT_PER_IP, OPT_HEADER_TIMEOUT, OPT_SITES,
};

static const struct option long_opts[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"pcap", required_argument, NULL, OPT_PCAP},
	{"listen", required_argument, NULL, OPT_LISTEN},
	{"auth", required_argument, NULL, OPT_AUTH},
	{"tls-cert", required_argument, NULL, OPT_CERT},
	{"tls-key", required_argument, NULL, OPT_KEY},
	{"export", required_argument, NULL, OPT_EXPORT},
	{"no-sandbox", no_argument, NULL, OPT_NO_SANDBOX},
	{"allow-host", required_argument, NULL, OPT_ALLOW_HOST},
	{"max-conns-per-ip", required_argument, NULL, OPT_PER_IP},
	{"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
	{"sites", required_argument, NULL, OPT_SITES},
	RK_CLI_NAMES_LONG_OPTS,
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Add an --allow-host name (lowercased in place: Host is case-insensitive).  0 or -1. */
static int
allow_host(struct serve_args *a, char *name)
{
	if (a->n_allow_hosts == MAX_ALLOW_HOSTS)
		return rk_cli_error("at most %d --allow-host", MAX_ALLOW_HOSTS), -1;
	if (name[0] == '\0' || strlen(name) > 253 || strpbrk(name, " /?#@\\") != NULL)
		return rk_cli_error("--allow-host '%s': want a host name or address, as the "
		    "browser's address bar has it (no port, no path)", name), -1;
	for (char *c = name; *c != '\0'; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	a->allow_hosts[a->n_allow_hosts++] = name;
	return 0;
}

/* Parse argv into a; returns 0, 1 for --help, -1 on a usage error (reported). */
static int
parse_args(int argc, char **argv, struct serve_args *a)
{
	int c, rc;

	a->listen = "127.0.0.1:8080";
	rk_cli_names_init(&a->names);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: a->db = optarg; break;
		case OPT_PCAP:
			if (a->n_pcaps == MAX_FILES)
				return rk_cli_error("at most %d --pcap", MAX_FILES), -1;
			a->pcaps[a->n_pcaps++] = optarg;
			break;
		case OPT_LISTEN: a->listen = optarg; break;
		case OPT_AUTH: a->auth = optarg; break;
		case OPT_CERT: a->tls_cert = optarg; break;
		case OPT_KEY: a->tls_key = optarg; break;
		case OPT_EXPORT: a->export_dir = optarg; break;
		case OPT_SITES: a->sites = optarg; break;
		case OPT_NO_SANDBOX: a->no_sandbox = 1; break;
		case OPT_ALLOW_HOST:
			if (allow_host(a, optarg) != 0)
				return -1;
			break;
		case OPT_PER_IP:
			if (rk_cli_option_size("--max-conns-per-ip", optarg, 1, 1000,
			    &a->max_conns_per_ip) != 0)
				return -1;
			break;
		case OPT_HEADER_TIMEOUT:
			if (rk_cli_option_size("--header-timeout", optarg, 1, 3600,
			    &a->header_timeout) != 0)
				return -1;
			break;
		case RK_CLI_OPT_SERVICES:
		case RK_CLI_OPT_HOSTS:
			/* serve words the limit its own way. */
			if ((c == RK_CLI_OPT_SERVICES ? a->names.n_services : a->names.n_hosts) ==
			    RK_CLI_MAX_NAME_FILES)
				return rk_cli_error("at most %d %s", RK_CLI_MAX_NAME_FILES,
				    c == RK_CLI_OPT_SERVICES ? "--services" : "--hosts"), -1;
			(void)rk_cli_names_option(&a->names, c, optarg);
			break;
		case 'h': return 1;
		default:
			/* --services-db, or an error getopt_long reported. */
			if ((rc = rk_cli_names_option(&a->names, c, optarg)) > 0)
				break;
			return -1;
		}
	}
	if (optind != argc)
		return rk_cli_error("unexpected argument '%s'", argv[optind]), -1;
	if ((a->db == NULL) == (a->n_pcaps == 0))
		return rk_cli_error("give --db FILE (or --pcap FILE...)"), -1;
	if ((a->tls_cert == NULL) != (a->tls_key == NULL))
		return rk_cli_error("--tls-cert and --tls-key go together"), -1;
	return 0;
}

/* The first line of path into buf (the secret); 0 or -1 (reported). */
static int
read_secret(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL) {
		rk_cli_error("--auth %s: %s (the file holds the secret: a token, or user:password)",
		    path, strerror(errno));
		return -1;
	}
	if (fgets(buf, (int)len, f) == NULL) {
		rk_cli_error("--auth %s: %s", path, ferror(f) ? strerror(errno) :
		    "the file is empty: put the secret (a token of 8 characters or more, or "
		    "user:password) on its first line");
		fclose(f);
		return -1;
	}
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (n < 8) {
		rk_cli_error("--auth %s: the secret is shorter than 8 characters", path);
		return -1;
	}
	return 0;
}

/* The names of one load of the web source: arg is the struct rk_cli_names. */
static struct rk_names *
names_new(void *arg)
{
	return rk_cli_names_load_quiet(arg);
}

/*
 * The web's sandbox (rk_web_opts.confine): the store's directory, the
 * captures and the name files read-only.  arg is the struct serve_args.
 */
static int
confine(void *arg, struct rk_err *err)
{
	struct serve_args *a = arg;
	int rc = 0;

	if (a->db != NULL)
		rc |= rk_cli_sandbox_store(&a->sandbox, a->db, 0);
	for (int i = 0; i < a->n_pcaps; i++)
		rc |= rk_cli_sandbox_read(&a->sandbox, a->pcaps[i]);
	rc |= rk_cli_sandbox_names(&a->sandbox, &a->names);
	if (a->sites != NULL)
		rc |= rk_cli_sandbox_read(&a->sandbox, a->sites);
	if (rc != 0 || rk_cli_sandbox_apply(&a->sandbox, RK_SANDBOX_WEB, a->no_sandbox) < 0)
		return rk_err_set(err, RK_E_IO, "not serving unconfined (--no-sandbox to do so)");
	return 0;
}

static void
on_listen(void *arg, unsigned port)
{
	const struct serve_args *a = arg;
	char host[RK_ADDR_STRLEN + 2];
	size_t n = (size_t)(strrchr(a->listen, ':') - a->listen);

	snprintf(host, sizeof(host), "%.*s", (int)n, a->listen);
	printf("renkei: serving %s://%s:%u/\n", a->tls_cert ? "https" : "http", host, port);
	fflush(stdout);
}

int
rk_cmd_serve(int argc, char **argv)
{
	struct serve_args a = {0};
	struct rk_web_source src = {0};
	struct rk_web_opts o = {0};
	struct rk_names *names = NULL;
	struct rk_web *w = NULL;
	struct rk_sites sites = {0};
	struct rk_err err = {0};
	char secret[512];
	int status = RK_EXIT_OK, is_loopback = 0, rc;

	if ((rc = parse_args(argc, argv, &a)) != 0)
		return rk_cli_usage(rc, "serve", help);
	o.listen = a.listen;
	o.tls_cert = a.tls_cert;
	o.tls_key = a.tls_key;
	o.version = RK_VERSION;
	o.confine = confine;
	o.confine_arg = &a;
	o.allow_hosts = a.allow_hosts;
	o.n_allow_hosts = a.n_allow_hosts;
	o.max_conns_per_ip = (unsigned)a.max_conns_per_ip;
	o.header_timeout = (unsigned)a.header_timeout;
	if (a.auth != NULL) {
		if (read_secret(a.auth, secret, sizeof(secret)) != 0)
			return RK_EXIT_USAGE;
		if (strchr(secret, ':') != NULL)
			o.auth_basic = secret;
		else
			o.auth_token = secret;
	}
	if (a.export_dir == NULL && rk_web_listen_check(a.listen, &is_loopback, &err) < 0) {
		rk_cli_error("%s", err.msg);
		return RK_EXIT_USAGE;
	}
	if (a.export_dir == NULL && a.auth == NULL && !is_loopback) {
		rk_cli_error("--listen %s is reachable from other machines: give --auth FILE (and "
		    "--tls-cert/--tls-key), or listen on 127.0.0.1", a.listen);
		return RK_EXIT_USAGE;
	}
	if (a.export_dir == NULL && a.auth != NULL && !is_loopback && a.tls_cert == NULL)
		fprintf(stderr, "renkei: warning: --listen %s without --tls-cert/--tls-key: the "
		    "secret of --auth and every page cross the network in clear text\n", a.listen);
	if (a.sites != NULL && rk_sites_load(&sites, a.sites, &err) < 0) {
		rk_cli_error("%s", err.msg);
		rk_sites_free(&sites);
		return RK_EXIT_INPUT;
	}
	if (a.db != NULL) {
		if (rk_web_store_source(&src, a.db, names_new, &a.names, &err) < 0) {
			rk_cli_error("%s", err.msg);
			rk_sites_free(&sites);
			return RK_EXIT_INPUT;
		}
	} else {
		if ((names = rk_cli_names_load_quiet(&a.names)) == NULL ||
		    rk_web_pcap_source(&src, a.pcaps, a.n_pcaps, names, &err) < 0) {
			rk_cli_error("%s", err.msg[0] ? err.msg : "out of memory");
			rk_names_free(names);
			rk_sites_free(&sites);
			return RK_EXIT_INPUT;
		}
	}
	if ((w = rk_web_new(&src, RK_VERSION)) == NULL) {
		rk_cli_error("out of memory");
		status = RK_EXIT_INPUT;
		goto out;
	}
	rk_web_set_sites(w, a.sites != NULL ? &sites : NULL);
	if (a.export_dir != NULL) {
		int n = rk_web_export(w, a.export_dir, 0, 0, &err);
		if (n < 0) {
			rk_cli_error("%s", err.msg);
			status = RK_EXIT_INPUT;
		} else {
			rk_cli_say_wrote_pages(a.export_dir, n);
		}
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (rk_web_serve(w, &o, &stop, on_listen, &a, &err) < 0) {
		rk_cli_error("%s", err.msg);
		status = RK_EXIT_INPUT;
	}
out:
	rk_web_free(w);
	rk_web_source_close(&src);
	rk_names_free(names);
	rk_sites_free(&sites);
	return status;
}

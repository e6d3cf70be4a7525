/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli/common.c - what the subcommands share: the name options and tables,
 * numeric option values, --host lists, --explain endpoints, usage errors
 * and the -o stream.
 *
 * analyze, capture, report and serve all take --services FILE...,
 * --services-db FILE and --hosts FILE... (analyze and capture also
 * --no-dns).  Each command's getopt loop hands those options to
 * rk_cli_names_option, which records them in a struct rk_cli_names, and
 * rk_cli_names_load builds the names table from it.  The option values
 * given here are constants (RK_CLI_OPT_*), so one switch serves every
 * command.  Messages and exit codes stay the commands' own: the functions
 * here report what they refuse with rk_cli_error and return -1, and the
 * caller picks the exit status.  Nothing here keeps state; strings are
 * borrowed from argv, which outlives every command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify.h"
#include "cli/cli.h"
#include "names/names.h"
#include "util/err.h"

/* The default --services-db: a system without it still works. */
#define DEFAULT_SERVICES_DB "/etc/services"
/* The default --ports-db (Debian's nmap-common): used when there, silently not otherwise. */
#define DEFAULT_PORTS_DB "/usr/share/nmap/nmap-services"

/*
 * Set n to the defaults of the name options: the system services file,
 * no site files, names learned from DNS answers.  n is the caller's; O(1).
 */
void
rk_cli_names_init(struct rk_cli_names *n)
{
	memset(n, 0, sizeof(*n));
	n->services_db = DEFAULT_SERVICES_DB;
	n->ports_db = DEFAULT_PORTS_DB;
	n->learn_dns = 1;
}

/*
 * Record one option from getopt_long in n (OUT): opt is its value, arg
 * its argument (borrowed; argv outlives n).  Returns 1 if opt is one of
 * the name options (RK_CLI_OPT_*), 0 if it is not (n untouched: the
 * caller handles it), or -1 if a 17th --services or --hosts file was
 * given (reported).  O(1).
 */
int
rk_cli_names_option(struct rk_cli_names *n, int opt, const char *arg)
{
	switch (opt) {
	case RK_CLI_OPT_SERVICES_DB:
		n->services_db = arg;
		return 1;
	case RK_CLI_OPT_PORTS_DB:
		n->ports_db = arg;
		return 1;
	case RK_CLI_OPT_NO_DNS:
		n->learn_dns = 0;
		return 1;
	case RK_CLI_OPT_PEEK:
		n->peek = 1;
		return 1;
	case RK_CLI_OPT_SERVICES:
	case RK_CLI_OPT_HOSTS:
		if ((opt == RK_CLI_OPT_SERVICES ? n->n_services : n->n_hosts) >=
		    RK_CLI_MAX_NAME_FILES) {
			rk_cli_error("at most %d --services / --hosts files",
			    RK_CLI_MAX_NAME_FILES);
			return -1;
		}
		if (opt == RK_CLI_OPT_SERVICES)
			n->services[n->n_services++] = arg;
		else
			n->hosts[n->n_hosts++] = arg;
		return 1;
	default:
		return 0;
	}
}

/*
 * Load the files of cn into a new names table: the services database
 * first, then the --services files, then the --hosts files, in the order
 * given (a later file overrides an earlier one).  With is_quiet, a file
 * that fails is skipped and nothing is printed; without, a missing
 * default /etc/services is a warning and any other failure is reported
 * and returns NULL.
 */
static struct rk_names *
names_load(const struct rk_cli_names *cn, int is_quiet)
{
	struct rk_names *n = rk_names_new(1000000);
	struct rk_err err = {0};

	if (n == NULL) {
		if (!is_quiet)
			rk_cli_error("out of memory");
		return NULL;
	}
	if (strcmp(cn->services_db, "none") != 0 &&
	    rk_names_load_services(n, cn->services_db, &err) < 0 && !is_quiet) {
		/* A system without /etc/services still works; a named file must load. */
		if (strcmp(cn->services_db, DEFAULT_SERVICES_DB) != 0)
			goto fail;
		fprintf(stderr, "renkei: warning: %s\n", err.msg);
	}
	for (int i = 0; i < cn->n_services; i++)
		if (rk_names_load_site_services(n, cn->services[i], &err) < 0 && !is_quiet)
			goto fail;
	if (strcmp(cn->ports_db, "none") != 0 && rk_names_load_ports(n, cn->ports_db, &err) < 0 &&
	    !is_quiet && strcmp(cn->ports_db, DEFAULT_PORTS_DB) != 0)
		goto fail; /* a named file must load; nmap's may be absent */
	for (int i = 0; i < cn->n_hosts; i++)
		if (rk_names_load_hosts(n, cn->hosts[i], &err) < 0 && !is_quiet)
			goto fail;
	return n;
fail:
	rk_cli_error("%s", err.msg);
	rk_names_free(n);
	return NULL;
}

/*
 * A new names table (owned by the caller, rk_names_free) with the files
 * of cn (borrowed).  A missing default /etc/services only warns; any
 * other file that cannot be loaded, or no memory, is reported and
 * returns NULL.  Reads every file once.
 */
struct rk_names *
rk_cli_names_load(const struct rk_cli_names *cn)
{
	return names_load(cn, 0);
}

/*
 * As rk_cli_names_load, but for tables built again and again (the web
 * server, one per load): files that cannot be loaded are skipped without
 * a word.  Returns NULL only when out of memory, unreported.
 */
struct rk_names *
rk_cli_names_load_quiet(const struct rk_cli_names *cn)
{
	return names_load(cn, 1);
}

/*
 * Parse s, a decimal number without sign or blanks, into *out (OUT) if
 * it lies in [min, max].  Returns 0, or -1 with *out untouched.
 */
int
rk_cli_parse_size(const char *s, size_t min, size_t max, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max || s[0] == '-')
		return -1;
	*out = (size_t)v;
	return 0;
}

/*
 * rk_cli_parse_size for the argument arg of option name ("--threads"):
 * on failure reports "NAME: want a number from MIN to MAX, got 'ARG'"
 * and returns -1; else 0 with the value in *out (OUT).
 */
int
rk_cli_option_size(const char *name, const char *arg, size_t min, size_t max, size_t *out)
{
	if (rk_cli_parse_size(arg, min, max, out) == 0)
		return 0;
	rk_cli_error("%s: want a number from %zu to %zu, got '%s'", name, min, max, arg);
	return -1;
}

/* "tcp", "udp", "sctp" into *proto; 0 or -1. */
static int
parse_proto(const char *s, uint8_t *proto)
{
	if (strcmp(s, "tcp") == 0)
		*proto = RK_PROTO_TCP;
	else if (strcmp(s, "udp") == 0)
		*proto = RK_PROTO_UDP;
	else if (strcmp(s, "sctp") == 0)
		*proto = RK_PROTO_SCTP;
	else
		return -1;
	return 0;
}

/* rk_cli_parse_endpoint without the report.  0 or -1. */
static int
parse_endpoint(const char *arg, struct rk_ep_key *k)
{
	char buf[128], *slash, *colon, *ip;
	size_t port;

	memset(k, 0, sizeof(*k));
	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	slash = strrchr(buf, '/');
	if (slash == NULL || parse_proto(slash + 1, &k->proto) < 0)
		return -1;
	*slash = '\0';
	colon = strrchr(buf, ':');
	if (colon == NULL || rk_cli_parse_size(colon + 1, 0, 65535, &port) < 0)
		return -1;
	*colon = '\0';
	ip = buf;
	if (ip[0] == '[' && colon > buf && colon[-1] == ']') {
		ip++;
		colon[-1] = '\0';
	}
	if (rk_addr_parse(ip, k->ip) < 0)
		return -1;
	k->port = (uint16_t)port;
	return 0;
}

/*
 * The endpoint of an --explain argument: "IP:PORT/PROTO", IPv6 as
 * "[ADDR]:PORT/PROTO", PROTO tcp, udp or sctp.  OUT: *k (zeroed first).
 * Returns 0, or -1 with "--explain: want IP:PORT/PROTO ..., got 'ARG'"
 * reported.  O(len).
 */
int
rk_cli_parse_endpoint(const char *arg, struct rk_ep_key *k)
{
	if (parse_endpoint(arg, k) == 0)
		return 0;
	rk_cli_error("--explain: want IP:PORT/PROTO (tcp, udp or sctp; IPv6 as "
	    "[ADDR]:PORT/PROTO), got '%s'", arg);
	return -1;
}

/*
 * --host arg: append its address to the array *only (OUT; realloc'd,
 * owned by the caller, free()) of *n_only (OUT) entries.  Returns 0, or
 * -1 with "--host: 'ARG' is not an IP address" reported (also when out
 * of memory); *only stays valid either way.  O(n) for the copy.
 */
int
rk_cli_add_host(uint8_t (**only)[RK_ADDR_LEN], size_t *n_only, const char *arg)
{
	uint8_t (*n)[RK_ADDR_LEN] = realloc(*only, (*n_only + 1) * sizeof(**only));

	if (n == NULL)
		goto bad;
	*only = n;
	if (rk_addr_parse(arg, n[*n_only]) < 0)
		goto bad;
	(*n_only)++;
	return 0;
bad:
	rk_cli_error("--host: '%s' is not an IP address", arg);
	return -1;
}

/*
 * What a command does when its parse_args returned rc != 0: rc > 0
 * (--help) prints the command's help to stdout and returns RK_EXIT_OK;
 * rc < 0 (a usage error, already reported) adds "(try 'renkei CMD
 * --help')" on stderr and returns RK_EXIT_USAGE.
 */
int
rk_cli_usage(int rc, const char *cmd, void (*help)(FILE *))
{
	if (rc > 0) {
		help(stdout);
		return RK_EXIT_OK;
	}
	fprintf(stderr, "(try 'renkei %s --help')\n", cmd);
	return RK_EXIT_USAGE;
}

/*
 * The stream a report goes to: path (-o, created or truncated) or, if
 * path is NULL, stdout.  Returns NULL with "PATH: reason" reported if
 * path cannot be opened.  Give the result to rk_cli_output_close.
 */
FILE *
rk_cli_output_open(const char *path)
{
	FILE *f;

	if (path == NULL)
		return stdout;
	if ((f = fopen(path, "w")) == NULL)
		rk_cli_error("%s: %s", path, strerror(errno));
	return f;
}

/*
 * Push a written report out: returns status unchanged, or RK_EXIT_INPUT
 * with the reason reported if out had or now has a write error (disk
 * full, closed pipe).
 */
int
rk_cli_output_flush(FILE *out, int status)
{
	if (fflush(out) != 0 || ferror(out)) {
		rk_cli_error("writing the report failed: %s", strerror(errno));
		return RK_EXIT_INPUT;
	}
	return status;
}

/* Close a stream of rk_cli_output_open; stdout and NULL are left alone. */
void
rk_cli_output_close(FILE *out)
{
	if (out != stdout && out != NULL)
		fclose(out);
}

/*
 * After an export of the web pages: "renkei: wrote N files to DIR (open
 * DIR/index.html in a browser)" on stderr, so the one thing a person must
 * know next is on the screen.
 */
void
rk_cli_say_wrote_pages(const char *dir, int n_files)
{
	fprintf(stderr, "renkei: wrote %d %s to %s (open %s/index.html in a browser)\n", n_files,
	    n_files == 1 ? "file" : "files", dir, dir);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli/cli.h - the renkei command: one function per subcommand, and the
 * option handling they share (common.c).
 *
 * Only src/cli prints to the terminal and chooses exit codes:
 *   0 success, 1 usage error, 2 input could not be used,
 *   3 report written but some input was truncated (analysed up to the cut).
 */
#ifndef RK_CLI_CLI_H
#define RK_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "daemon/daemon.h"
#include "util/addr.h"

#define RK_EXIT_OK 0
#define RK_EXIT_USAGE 1
#define RK_EXIT_INPUT 2
#define RK_EXIT_PARTIAL 3

#ifndef RK_VERSION
#define RK_VERSION "0.1.0"
#endif

struct rk_names;
struct rk_ep_key;

/* --services and --hosts files a command takes at most (each). */
#define RK_CLI_MAX_NAME_FILES 16

/* getopt_long values of the name options, above every command's own values. */
enum {
	RK_CLI_OPT_SERVICES = 1024,
	RK_CLI_OPT_SERVICES_DB,
	RK_CLI_OPT_HOSTS,
	RK_CLI_OPT_NO_DNS,
	RK_CLI_OPT_PORTS_DB,
	RK_CLI_OPT_PEEK,
};

/* The long_opts entries of --services, --services-db, --hosts and --ports-db, in that order. */
#define RK_CLI_NAMES_LONG_OPTS \
	{"services", required_argument, NULL, RK_CLI_OPT_SERVICES}, \
	{"services-db", required_argument, NULL, RK_CLI_OPT_SERVICES_DB}, \
	{"hosts", required_argument, NULL, RK_CLI_OPT_HOSTS}, \
	{"ports-db", required_argument, NULL, RK_CLI_OPT_PORTS_DB}
/* The long_opts entries of --no-dns and --peek (commands that read packets' payload). */
#define RK_CLI_PAYLOAD_LONG_OPTS \
	{"no-dns", no_argument, NULL, RK_CLI_OPT_NO_DNS}, \
	{"peek", no_argument, NULL, RK_CLI_OPT_PEEK}

/* The help lines of the same options. */
#define RK_CLI_NAMES_HELP \
	"      --services FILE    site service names, services(5) format (repeatable)\n" \
	"      --services-db FILE system service names (default /etc/services; 'none')\n" \
	"      --hosts FILE       host names, hosts(5) format (repeatable)\n" \
	"      --ports-db FILE    how often ports are found open, nmap-services format\n" \
	"                         (default /usr/share/nmap/nmap-services if there; 'none')\n"
#define RK_CLI_PAYLOAD_HELP \
	"      --no-dns           do not learn host names from DNS answers\n" \
	"      --peek             read the first bytes of payloads that only a client or\n" \
	"                         only a server sends (HTTP, TLS, DNS, NTP, SMB, ...) as\n" \
	"                         a vote on who serves: helps one-way and cut captures\n"

/* Where a command's names come from, and what it reads of payloads: its options, as given. */
struct rk_cli_names {
	const char *services_db;     /* --services-db: default /etc/services, "none" = none */
	const char *ports_db;        /* --ports-db: default nmap's, "none" = none */
	const char *services[RK_CLI_MAX_NAME_FILES]; /* --services, borrowed from argv */
	int n_services;              /* entries used in services */
	const char *hosts[RK_CLI_MAX_NAME_FILES];    /* --hosts, borrowed from argv */
	int n_hosts;                 /* entries used in hosts */
	int learn_dns;               /* 1 unless --no-dns */
	int peek;                    /* --peek: payload hints (decode/peek.h) */
};

/*
 * Clock c (CLOCK_MONOTONIC, CLOCK_REALTIME) now, in µs.  Inline: renkei-gen
 * links progress.c without common.c.
 */
static inline uint64_t
rk_cli_clock_us(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int rk_cmd_analyze(int argc, char **argv);
/* renkei capture: live interfaces into the store. */
int rk_cmd_capture(int argc, char **argv);
int rk_cmd_report(int argc, char **argv);
int rk_cmd_serve(int argc, char **argv);
/* renkei impact / renkei needs: what fails if targets fail, what they need. */
int rk_cmd_impact(int argc, char **argv);
int rk_cmd_needs(int argc, char **argv);
/* Print "renkei: " + message to stderr. */
void rk_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Set the defaults: /etc/services, no files, learn from DNS. */
void rk_cli_names_init(struct rk_cli_names *n);
/* Take one getopt_long result: 1 if a name option, 0 if not, -1 (reported). */
int rk_cli_names_option(struct rk_cli_names *n, int opt, const char *arg);
/* A new names table from n; NULL (reported) if a file cannot be loaded. */
struct rk_names *rk_cli_names_load(const struct rk_cli_names *n);
/* The same, ignoring files that cannot be loaded, silent; NULL if out of memory. */
struct rk_names *rk_cli_names_load_quiet(const struct rk_cli_names *n);
/* Parse a decimal number in [min, max]; 0 or -1. */
int rk_cli_parse_size(const char *s, size_t min, size_t max, size_t *out);
/* The same for option name's argument; -1 is reported. */
int rk_cli_option_size(const char *name, const char *arg, size_t min, size_t max,
    size_t *out);
/* Parse --explain's "IP:PORT/PROTO" or "[IPv6]:PORT/PROTO" into k; 0 or -1 (reported). */
int rk_cli_parse_endpoint(const char *arg, struct rk_ep_key *k);
/* Append the address of --host arg to the array *only; 0 or -1 (reported). */
int rk_cli_add_host(uint8_t (**only)[RK_ADDR_LEN], size_t *n_only, const char *arg);
/* After parse_args returned rc != 0: --help or the hint; the exit status. */
int rk_cli_usage(int rc, const char *cmd, void (*help)(FILE *));
/* The report's stream: -o path, or stdout if NULL; NULL (reported) on failure. */
FILE *rk_cli_output_open(const char *path);
/* Flush out: status, or RK_EXIT_INPUT if writing failed (reported). */
int rk_cli_output_flush(FILE *out, int status);
/* "wrote N files to DIR (open DIR/index.html ...)" after an export of the web pages. */
void rk_cli_say_wrote_pages(const char *dir, int n_files);
/* Close out unless it is stdout or NULL. */
void rk_cli_output_close(FILE *out);

/* The paths a command keeps in its sandbox (confine.c); must outlive the apply. */
#define RK_CLI_SANDBOX_DIRS 4
struct rk_cli_sandbox {
	struct rk_sandbox_paths p;            /* what rk_sandbox_apply gets */
	char dirs[RK_CLI_SANDBOX_DIRS][4096]; /* directories computed here */
	int n_dirs;
};
#define RK_CLI_SANDBOX_HELP \
	"      --no-sandbox       run without the Landlock and seccomp sandbox\n" \
	"                         (docs/SANDBOX.md)\n"
/* The store's directory at url (sqlite:PATH or PATH), writable or not.  0 or -1 (reported). */
int rk_cli_sandbox_store(struct rk_cli_sandbox *s, const char *url, int is_write);
/* A file read after confinement.  0 or -1 (reported). */
int rk_cli_sandbox_read(struct rk_cli_sandbox *s, const char *path);
/* The name files of cn, read-only.  0 or -1 (reported). */
int rk_cli_sandbox_names(struct rk_cli_sandbox *s, const struct rk_cli_names *cn);
/* SQLite's temporary directory, writable.  0 or -1 (reported). */
int rk_cli_sandbox_sqlite_tmp(struct rk_cli_sandbox *s);
/* Confine as role unless is_off (warns).  0 or -1 (reported: stop). */
int rk_cli_sandbox_apply(struct rk_cli_sandbox *s, enum rk_sandbox_role role, int is_off);

#endif /* RK_CLI_CLI_H */

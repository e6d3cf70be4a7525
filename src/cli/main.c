/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli/main.c - entry point: picks the subcommand.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: renkei COMMAND [options]\n"
	    "\n"
	    "Map which servers offer which services to whom, from captured traffic.\n"
	    "\n"
	    "commands:\n"
	    "  analyze FILE...   read pcap/pcapng captures ('-' = stdin) and report\n"
	    "                    services and dependencies (renkei analyze --help)\n"
	    "  report --db FILE  the same reports from the store, for any time range, and\n"
	    "                    what changed between two (renkei report --help)\n"
	    "  capture -i IFACE  capture live traffic into the store (renkei capture --help)\n"
	    "  serve             the web report and JSON API (renkei serve --help)\n"
	    "  impact TARGET...  what fails if TARGET fails: services, users, servers, sites\n"
	    "                    (renkei impact --help)\n"
	    "  needs TARGET...   what TARGET depends on, transitively (renkei needs --help)\n"
	    "  version           print the version\n"
	    "  help              this text\n");
}

void
rk_cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("renkei: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return RK_EXIT_USAGE;
	}
	if (strcmp(argv[1], "analyze") == 0)
		return rk_cmd_analyze(argc - 1, argv + 1);
	if (strcmp(argv[1], "capture") == 0)
		return rk_cmd_capture(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return rk_cmd_report(argc - 1, argv + 1);
	if (strcmp(argv[1], "serve") == 0)
		return rk_cmd_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "impact") == 0)
		return rk_cmd_impact(argc - 1, argv + 1);
	if (strcmp(argv[1], "needs") == 0)
		return rk_cmd_needs(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("renkei %s\n", RK_VERSION);
		return RK_EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return RK_EXIT_OK;
	}
	rk_cli_error("unknown command '%s' (try 'renkei help')", argv[1]);
	return RK_EXIT_USAGE;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli/cli.h - the renkei command: one function per subcommand.
 *
 * Only src/cli prints to the terminal and chooses exit codes:
 *   0 success, 1 usage error, 2 input could not be used,
 *   3 report written but some input was truncated (analysed up to the cut).
 */
#ifndef RK_CLI_CLI_H
#define RK_CLI_CLI_H

#define RK_EXIT_OK 0
#define RK_EXIT_USAGE 1
#define RK_EXIT_INPUT 2
#define RK_EXIT_PARTIAL 3

#ifndef RK_VERSION
#define RK_VERSION "0.1.0"
#endif

int rk_cmd_analyze(int argc, char **argv);
/* renkei capture: live interfaces into the store. */
int rk_cmd_capture(int argc, char **argv);
int rk_cmd_report(int argc, char **argv);
int rk_cmd_serve(int argc, char **argv);
/* Print "renkei: " + message to stderr. */
void rk_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* RK_CLI_CLI_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli/confine.c - the commands' side of the sandbox (daemon/sandbox.c):
 * which paths a command's role keeps, and what it says.
 *
 * capture and serve collect their paths into a struct rk_cli_sandbox (the
 * store's directory, the name files, for capture SQLite's temporary
 * directory) and call rk_cli_sandbox_apply at the one point where every
 * descriptor is open and no thread runs yet.  Directory strings computed
 * here live in the struct, so it must outlive the apply call; the
 * options' strings are borrowed from argv.  Messages: "sandbox: Landlock
 * not available; seccomp only" once when the kernel has no Landlock; a
 * warning with --no-sandbox; a failure is an error (the caller exits).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

/* Keep a copy of the directory part of path (".": none); NULL when full. */
static const char *
keep_dir(struct rk_cli_sandbox *s, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (s->n_dirs == RK_CLI_SANDBOX_DIRS)
		return NULL;
	d = s->dirs[s->n_dirs++];
	if (slash == NULL)
		snprintf(d, sizeof(s->dirs[0]), ".");
	else if (slash == path)
		snprintf(d, sizeof(s->dirs[0]), "/");
	else
		snprintf(d, sizeof(s->dirs[0]), "%.*s", (int)(slash - path), path);
	return d;
}

/*
 * The store at url (a bare path or sqlite:PATH): its directory, writable
 * (capture: SQLite makes and removes -wal, -shm and -journal there) or
 * read-only (web).  0 or -1 (reported).
 */
int
rk_cli_sandbox_store(struct rk_cli_sandbox *s, const char *url, int is_write)
{
	const char *d;

	if (strncmp(url, "sqlite:", 7) == 0)
		url += 7;
	if ((d = keep_dir(s, url)) == NULL || rk_sandbox_paths_add(&s->p, is_write, d) < 0) {
		rk_cli_error("sandbox: too many paths");
		return -1;
	}
	return 0;
}

/* A file the role reads after confinement (a name file, a capture): read-only. */
int
rk_cli_sandbox_read(struct rk_cli_sandbox *s, const char *path)
{
	if (strcmp(path, "none") == 0 || strcmp(path, "-") == 0)
		return 0;
	if (rk_sandbox_paths_add(&s->p, 0, path) < 0) {
		rk_cli_error("sandbox: too many paths");
		return -1;
	}
	return 0;
}

/* The name files of cn (reloaded by the web with each new snapshot). */
int
rk_cli_sandbox_names(struct rk_cli_sandbox *s, const struct rk_cli_names *cn)
{
	int rc = rk_cli_sandbox_read(s, cn->services_db) | rk_cli_sandbox_read(s, cn->ports_db);

	for (int i = 0; i < cn->n_services; i++)
		rc |= rk_cli_sandbox_read(s, cn->services[i]);
	for (int i = 0; i < cn->n_hosts; i++)
		rc |= rk_cli_sandbox_read(s, cn->hosts[i]);
	return rc;
}

/*
 * SQLite's directory for temporary files (statement journals that spill,
 * big sorts), the one it picks: $SQLITE_TMPDIR, $TMPDIR, /var/tmp,
 * /usr/tmp, /tmp, the first that is a directory.  Writable for the store's
 * writer.  0 or -1 (reported).
 */
int
rk_cli_sandbox_sqlite_tmp(struct rk_cli_sandbox *s)
{
	const char *dirs[] = {getenv("SQLITE_TMPDIR"), getenv("TMPDIR"), "/var/tmp", "/usr/tmp",
	    "/tmp"};
	struct stat sb;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (dirs[i] == NULL || stat(dirs[i], &sb) != 0 || !S_ISDIR(sb.st_mode))
			continue;
		if (rk_sandbox_paths_add(&s->p, 1, dirs[i]) < 0) {
			rk_cli_error("sandbox: too many paths");
			return -1;
		}
		return 0;
	}
	return 0;
}

/*
 * Confine this process as role with s's paths, unless is_off
 * (--no-sandbox: a warning).  0, or -1 with the reason reported: the
 * caller must stop.
 */
int
rk_cli_sandbox_apply(struct rk_cli_sandbox *s, enum rk_sandbox_role role, int is_off)
{
	struct rk_sandbox_result res;
	struct rk_err err = {0};

	if (is_off) {
		fprintf(stderr, "renkei: warning: --no-sandbox: running without Landlock and "
		    "seccomp\n");
		return 0;
	}
	if (rk_sandbox_apply(role, &s->p, &res, &err) < 0) {
		rk_cli_error("%s", err.msg);
		return -1;
	}
	if (res.landlock_abi == 0)
		fprintf(stderr, "renkei: sandbox: Landlock not available; seccomp only\n");
	return 0;
}

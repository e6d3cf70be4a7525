/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store/store.c - the store's front end: the registry of back ends by URL
 * scheme, and the rk_store_* calls, each one jump through the back end's
 * table of operations (store_be.h).
 *
 *   rk_store_open("sqlite:/var/lib/renkei.db")  -> rk_store_sqlite_ops.open
 *   rk_store_open("/var/lib/renkei.db")         -> the same (a bare path)
 *   rk_store_flush(s, ...)                      -> s->ops->flush(s, ...)
 *
 * A URL has a scheme when it starts with a letter followed by letters,
 * digits, '+', '-' or '.' and then ':' (RFC 3986 §3.1); anything else -
 * "renkei.db", "/x/y.db", "./a:b.db", ":memory:" - is a bare SQLite path.
 * A scheme no back end has registered is an error naming the supported
 * forms, never a file of that name.  Where a new back end goes: its ops
 * in store_<name>.c, one line in `backends` below.  No state of its own:
 * everything is the back end's.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_be.h"

/* The registered back ends; the first one also takes bare paths. */
static const struct rk_store_ops *const backends[] = {
	&rk_store_sqlite_ops,
};
#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))

/* The length of url's scheme (before its ':'), or 0 if it is a bare path. */
static size_t
scheme_len(const char *url)
{
	size_t i = 0;

	if (!isalpha((unsigned char)url[0]))
		return 0;
	while (isalnum((unsigned char)url[i]) || url[i] == '+' || url[i] == '-' || url[i] == '.')
		i++;
	return url[i] == ':' ? i : 0;
}

/* "sqlite:PATH, or a bare path (sqlite)" into buf: the URL forms rk_store_open takes. */
static const char *
schemes(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < N_BACKENDS && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
		    backends[i]->usage);
	if (used < len)
		snprintf(buf + used, len - used, ", or a bare path (%s)", backends[0]->scheme);
	return buf;
}

/*
 * Open the store at url: "scheme:WHERE" with a registered scheme, or a
 * bare path for the first back end (SQLite).  flags: RK_STORE_RDONLY.  An
 * unknown scheme is -RK_E_INVAL with err naming the supported forms; the
 * back end's errors are its own (store_sqlite.c).  OUT: *out, owned by
 * the caller (rk_store_close).  Returns 0 or <0.
 */
int
rk_store_open(struct rk_store **out, const char *url, int flags, struct rk_err *err)
{
	size_t n = scheme_len(url);
	char buf[256];

	*out = NULL;
	if (n == 0)
		return backends[0]->open(out, url, flags, err);
	for (size_t i = 0; i < N_BACKENDS; i++)
		if (strlen(backends[i]->scheme) == n && strncmp(url, backends[i]->scheme, n) == 0)
			return backends[i]->open(out, url + n + 1, flags, err);
	return rk_err_set(err, RK_E_INVAL, "%s: unknown store scheme '%.*s' (supported: %s; "
	    "a file whose name has a colon: ./NAME)", url, (int)n, url, schemes(buf, sizeof(buf)));
}

/* Close; NULL is a no-op. */
void
rk_store_close(struct rk_store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

/* Hour buckets older than retention_us (before the newest packet) roll up. */
void
rk_store_set_retention(struct rk_store *s, uint64_t retention_us)
{
	s->ops->set_retention(s, retention_us);
}

/* Record a new run; OUT: run->id.  0 or <0 with err. */
int
rk_store_run_begin(struct rk_store *s, struct rk_store_run *run, struct rk_err *err)
{
	return s->ops->run_begin(s, run, err);
}

/* Add one interval's aggregates, all or nothing (store.h).  0 or <0 with err. */
int
rk_store_flush(struct rk_store *s, const struct rk_store_run *run, const struct rk_classifier *c,
    const struct rk_names *n, const struct rk_pipeline_stats *st,
    const struct rk_store_iface *ifs, int n_ifs, struct rk_err *err)
{
	return s->ops->flush(s, run, c, n, st, ifs, n_ifs, err);
}

/* Roll every hour bucket older than older_than_us into days.  0 or <0 with err. */
int
rk_store_rollup(struct rk_store *s, uint64_t older_than_us, struct rk_err *err)
{
	return s->ops->rollup(s, older_than_us, err);
}

/* Load [since_us, until_us) into c, n and st (store.h).  0 or <0 with err. */
int
rk_store_load(struct rk_store *s, uint64_t since_us, uint64_t until_us, struct rk_classifier *c,
    struct rk_names *n, struct rk_pipeline_stats *st, struct rk_err *err)
{
	return s->ops->load(s, since_us, until_us, c, n, st, err);
}

/* The stored evidence of k per run.  OUT: *out (free()), *n_out.  0 or <0 with err. */
int
rk_store_load_evidence(struct rk_store *s, uint64_t since_us, uint64_t until_us,
    const struct rk_ep_key *k, struct rk_store_evidence **out, size_t *n_out,
    struct rk_err *err)
{
	return s->ops->load_evidence(s, since_us, until_us, k, out, n_out, err);
}

/* The runs with packets in the range.  OUT: *out (rk_store_runs_free).  0 or <0. */
int
rk_store_load_runs(struct rk_store *s, uint64_t since_us, uint64_t until_us,
    struct rk_store_run_info **out, size_t *n_out, struct rk_err *err)
{
	return s->ops->load_runs(s, since_us, until_us, out, n_out, err);
}

/* Free the n runs of rk_store_load_runs and their strings; NULL is a no-op. */
void
rk_store_runs_free(struct rk_store_run_info *runs, size_t n)
{
	if (runs == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(runs[i].mode);
		free(runs[i].source);
		free(runs[i].version);
	}
	free(runs);
}

/* First and last packet time stored (0, 0 if empty).  0 or <0 with err. */
int
rk_store_range(struct rk_store *s, uint64_t *first_ts, uint64_t *last_ts, struct rk_err *err)
{
	return s->ops->range(s, first_ts, last_ts, err);
}

/*
 * Each service's traffic per hour of [since_us, until_us) (0 = open), to
 * cb (a day bucket spread evenly over its 24 hours, has_blind if a session
 * of it hid a direction).  cb's <0 stops and is returned.  0 or <0.
 */
int
rk_store_service_hours(struct rk_store *s, uint64_t since_us, uint64_t until_us,
    rk_store_hour_cb cb, void *arg, struct rk_err *err)
{
	return s->ops->service_hours(s, since_us, until_us, cb, arg, err);
}

/*
 * OUT: *out, a number that differs whenever the stored data changed since
 * the last call, whoever wrote it (this handle or another process).  Cheap
 * enough to ask per web request.  0 or <0 with err.
 */
int
rk_store_version(struct rk_store *s, uint64_t *out, struct rk_err *err)
{
	return s->ops->version(s, out, err);
}

/* The back end's warning about this handle, or NULL (store.h). */
const char *
rk_store_notice(const struct rk_store *s)
{
	return s != NULL && s->notice[0] != '\0' ? s->notice : NULL;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/source_store.c - the data source over the SQLite store.
 *
 * Opens the store read-only (RK_STORE_RDONLY: the web server never
 * writes) and loads a time range with rk_store_load into a fresh
 * classifier and names table, owned by the snapshot.  The version that
 * invalidates cached snapshots is the modification time and size of the
 * database and of its WAL file: a writer's commit changes one of them,
 * and reading them costs two stat() calls per request, no query.
 * The per-hour traffic of the services (the service page's chart) is the
 * one query of our own, on a second read-only connection, against the
 * service_buckets table (docs/STORE.md); a day bucket is spread evenly
 * over its 24 hours, and each of them is marked if a session of the day
 * hid a direction (blind_*: its bytes are then a lower bound).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "store/store.h"
#include "web/web_int.h"

struct store_src {
	struct rk_store *st; /* read-only */
	char *path;          /* database file */
	struct rk_names *(*names_new)(void *arg); /* names of a load, may be NULL */
	void *names_arg;
};

static const char hours_sql[] =
    "SELECT h.ip, b.proto, b.port, b.span, b.bucket, b.bytes_in + b.bytes_out,"
    " b.blind_in + b.blind_out > 0"
    " FROM service_buckets b JOIN hosts h ON h.id = b.host"
    " WHERE (?1 = 0 OR b.bucket + CASE b.span WHEN 0 THEN 3600 ELSE 86400 END > ?1)"
    " AND (?2 = 0 OR b.bucket < ?2)";

/* Fill the per-hour map of [since, until) from service_buckets.  0 or <0. */
static int
load_hours(const char *path, uint64_t since_us, uint64_t until_us, struct rk_map *hours,
    struct rk_err *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int rc;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, hours_sql, -1, &q, NULL) != SQLITE_OK) {
		rc = rk_err_set(err, RK_E_IO, "%s: %s", path, db ? sqlite3_errmsg(db) : "no memory");
		goto out;
	}
	sqlite3_bind_int64(q, 1, (sqlite3_int64)(since_us / 1000000));
	sqlite3_bind_int64(q, 2, (sqlite3_int64)(until_us / 1000000));
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct rk_web_hour_key k;
		int n_hours = sqlite3_column_int(q, 3) == 0 ? 1 : 24;
		uint64_t first = (uint64_t)sqlite3_column_int64(q, 4) / 3600;
		uint64_t bytes = (uint64_t)sqlite3_column_int64(q, 5);
		int has_blind = sqlite3_column_int(q, 6) != 0;

		if (sqlite3_column_bytes(q, 0) != RK_ADDR_LEN)
			continue;
		memset(&k, 0, sizeof(k));
		memcpy(k.svc.ip, sqlite3_column_blob(q, 0), RK_ADDR_LEN);
		k.svc.proto = (uint8_t)sqlite3_column_int(q, 1);
		k.svc.port = (uint16_t)sqlite3_column_int(q, 2);
		for (int i = 0; i < n_hours; i++) {
			struct rk_web_hour *h;
			k.hour = first + (uint64_t)i;
			if ((h = rk_map_upsert(hours, &k, NULL)) == NULL) {
				rc = rk_err_set(err, RK_E_NOMEM, "out of memory");
				goto out;
			}
			h->bytes += bytes / (uint64_t)n_hours;
			h->has_blind |= (uint8_t)has_blind;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : rk_err_set(err, RK_E_IO, "%s: %s", path, sqlite3_errmsg(db));
out:
	sqlite3_finalize(q);
	sqlite3_close(db);
	return rc;
}

static void
release(struct rk_web_loaded *l)
{
	rk_classify_free(l->c);
	rk_names_free(l->names);
	rk_map_fini(&l->hours);
	memset(l, 0, sizeof(*l));
}

static int
load(void *user, uint64_t since_us, uint64_t until_us, struct rk_web_loaded *out,
    struct rk_err *err)
{
	struct store_src *ss = user;
	int rc;

	memset(out, 0, sizeof(*out));
	rk_map_init(&out->hours, sizeof(struct rk_web_hour_key), sizeof(struct rk_web_hour), 1);
	out->names = ss->names_new != NULL ? ss->names_new(ss->names_arg) : rk_names_new(1u << 20);
	out->c = rk_classify_new(out->names, 1024, 1);
	out->release = release;
	if (out->c == NULL || out->names == NULL) {
		release(out);
		return rk_err_set(err, RK_E_NOMEM, "out of memory");
	}
	rc = rk_store_load(ss->st, since_us, until_us, out->c, out->names, &out->st, err);
	if (rc == 0)
		rc = load_hours(ss->path, since_us, until_us, &out->hours, err);
	if (rc < 0) {
		release(out);
		return rc;
	}
	return 0;
}

static uint64_t
file_version(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return 0;
	return ((uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec) ^
	    ((uint64_t)st.st_size << 1);
}

static uint64_t
version(void *user)
{
	struct store_src *ss = user;
	char wal[4096];

	snprintf(wal, sizeof(wal), "%s-wal", ss->path);
	return file_version(ss->path) * 31 + file_version(wal);
}

static void
store_close(void *user)
{
	struct store_src *ss = user;

	rk_store_close(ss->st);
	free(ss->path);
	free(ss);
}

/* Make src read the store at path (opened read-only now).  0 or <0 with err. */
int
rk_web_store_source(struct rk_web_source *src, const char *path,
    struct rk_names *(*names_new)(void *arg), void *names_arg, struct rk_err *err)
{
	struct store_src *ss = calloc(1, sizeof(*ss));
	int rc;

	if (ss == NULL || (ss->path = strdup(path)) == NULL) {
		free(ss);
		return rk_err_set(err, RK_E_NOMEM, "out of memory");
	}
	ss->names_new = names_new;
	ss->names_arg = names_arg;
	rc = rk_store_open(&ss->st, path, RK_STORE_RDONLY, err);
	if (rc < 0) {
		free(ss->path);
		free(ss);
		return rc;
	}
	src->load = load;
	src->version = version;
	src->close = store_close;
	src->user = ss;
	return 0;
}

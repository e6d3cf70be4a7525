/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store/store_sqlite.c - the long-term store in one SQLite file.
 *
 *   classifier aggregates (one flush interval)        report / web
 *        |  rk_store_flush: BEGIN IMMEDIATE                ^
 *        v  hosts -> ids, services, service_buckets,       | rk_store_load(since, until):
 *           edges (UPSERT: x = x + excluded.x),            | sums of the buckets that
 *           endpoints, run counters, bounded rollup        | overlap, back into a
 *           COMMIT                                         | classifier
 *   [ renkei.db  (WAL) ] -------------------------------------+
 *
 * Where it sits: after classify, before report (SPEC §7).  What it keeps
 * grows with relationships x time buckets, never with packets: an edge is
 * one row per hour it was active, and hour rows older than the retention
 * (measured back from the newest packet in the store, so replaying old
 * captures behaves like live capture) are summed into one row per day.
 * The rollup runs inside the flush transaction and handles at most
 * ROLLUP_HOURS_PER_FLUSH hours per flush, so no flush waits behind a
 * backlog.  The schema and its migrations are in migrate.c.
 *
 * Invariants: a flush is all or nothing (on any error: ROLLBACK, err says
 * "path: reason", the caller keeps its aggregates and offers them again);
 * counters only add, so replaying two captures in either order gives the
 * same sums; first/last seen only widen.  Statements are prepared once
 * (SQLITE_PREPARE_PERSISTENT) and reused for every flush.  The store owns
 * its sqlite3 handle and statements; the classifier and names passed in
 * are borrowed for the call.  Library code: it never prints.
 *
 * The first back end of the store interface (store_be.h): the functions
 * below are the operations of rk_store_sqlite_ops, the table at the end,
 * registered in store.c for "sqlite:PATH" and bare paths; the contract of
 * each is that of the rk_store_* call of the same name.
 *
 * Sessions seen one way only are counted with the rest (blind_* columns,
 * summed like sessions): a report needs them to tell a direction whose
 * bytes were never seen from one that was measured (classify.h).
 *
 * Time: *_ts are µs of packet time.  A bucket is the unix second at which
 * its UTC hour (span 0) or day (span 1) starts; an aggregate goes into the
 * hour of its last_ts within the flush.  A range query takes whole buckets
 * that overlap it, so its resolution is the hour (the day once rolled up).
 */
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/migrate.h"
#include "store/store_be.h"
#include "util/addr.h"
#include "util/map.h"

#define HOUR_S 3600
#define DAY_S 86400
#define SPAN_HOUR 0
#define SPAN_DAY 1
#define BUSY_TIMEOUT_MS 2000
#define ROLLUP_HOURS_PER_FLUSH 24

/* The six rule counter columns, in enum rk_role_rule order. */
#define RULE_COLS "r_handshake, r_synack, r_syn, r_oneway, r_evidence, r_tie"
_Static_assert(RK_RULE__COUNT == 6, "the store has one column per decision rule");

/* Sum the counters of a service row into the existing one. */
#define SVC_ADD \
	" first_ts = min(first_ts, excluded.first_ts), last_ts = max(last_ts, excluded.last_ts)," \
	" sessions = sessions + excluded.sessions, packets = packets + excluded.packets," \
	" bytes_in = bytes_in + excluded.bytes_in, bytes_out = bytes_out + excluded.bytes_out," \
	" conf_sum = conf_sum + excluded.conf_sum, decisions = decisions + excluded.decisions," \
	" r_handshake = r_handshake + excluded.r_handshake," \
	" r_synack = r_synack + excluded.r_synack, r_syn = r_syn + excluded.r_syn," \
	" r_oneway = r_oneway + excluded.r_oneway," \
	" r_evidence = r_evidence + excluded.r_evidence, r_tie = r_tie + excluded.r_tie," \
	" blind_in = blind_in + excluded.blind_in, blind_out = blind_out + excluded.blind_out"
#define SVC_COLS \
	"first_ts, last_ts, sessions, packets, bytes_in, bytes_out, conf_sum, decisions, " \
	RULE_COLS ", blind_in, blind_out"
#define EDGE_ADD \
	" sessions = sessions + excluded.sessions, pkts_c2s = pkts_c2s + excluded.pkts_c2s," \
	" pkts_s2c = pkts_s2c + excluded.pkts_s2c, bytes_c2s = bytes_c2s + excluded.bytes_c2s," \
	" bytes_s2c = bytes_s2c + excluded.bytes_s2c," \
	" first_ts = min(first_ts, excluded.first_ts), last_ts = max(last_ts, excluded.last_ts)," \
	" blind_c2s = blind_c2s + excluded.blind_c2s, blind_s2c = blind_s2c + excluded.blind_s2c"
#define EDGE_COLS \
	"sessions, pkts_c2s, pkts_s2c, bytes_c2s, bytes_s2c, first_ts, last_ts, blind_c2s, " \
	"blind_s2c"

/* The prepared statements, made once at open (writers only). */
enum stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK,
	S_RUN_BEGIN, S_RUN_UPDATE, S_RUN_COUNTER, S_RUN_IFACE,
	S_HOST, S_HOST_ID, S_SERVICE, S_SVC_BUCKET, S_EDGE, S_ENDPOINT,
	S_OLDEST_HOUR, S_ROLL_EDGES, S_DEL_EDGES, S_ROLL_SVC, S_DEL_SVC,
	S__COUNT
};

static const char *const stmt_sql[S__COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_RUN_BEGIN] = "INSERT INTO runs (mode, source, version, started_us) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[S_RUN_UPDATE] = "UPDATE runs SET ended_us = ?2, first_ts = ?3, last_ts = ?4,"
	    " flushes = flushes + 1, files = ?5, truncated = ?6, packets = ?7, bytes = ?8,"
	    " records = ?9, filtered = ?10, malformed = ?11, non_ip = ?12, evicted = ?13,"
	    " kernel_drops = ?14 WHERE id = ?1",
	[S_RUN_COUNTER] = "INSERT INTO run_counters (run_id, name, value) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (run_id, name) DO UPDATE SET value = excluded.value",
	[S_RUN_IFACE] = "INSERT INTO run_ifaces (run_id, name, packets, kernel_drops, if_drops)"
	    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (run_id, name) DO UPDATE SET"
	    " packets = excluded.packets, kernel_drops = excluded.kernel_drops,"
	    " if_drops = excluded.if_drops",
	[S_HOST] = "INSERT INTO hosts (ip, ip_text, name, first_ts, last_ts, bytes_sent,"
	    " bytes_recv) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (ip) DO UPDATE SET"
	    " name = coalesce(excluded.name, name),"
	    " first_ts = min(first_ts, excluded.first_ts),"
	    " last_ts = max(last_ts, excluded.last_ts),"
	    " bytes_sent = bytes_sent + excluded.bytes_sent,"
	    " bytes_recv = bytes_recv + excluded.bytes_recv RETURNING id",
	[S_HOST_ID] = "SELECT id FROM hosts WHERE ip = ?1",
	[S_SERVICE] = "INSERT INTO services (host, proto, port, " SVC_COLS ")"
	    " VALUES (?1, ?2, ?3, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
	    " ?18, ?19, ?20, ?21) ON CONFLICT (host, proto, port) DO UPDATE SET" SVC_ADD,
	[S_SVC_BUCKET] = "INSERT INTO service_buckets (host, proto, port, span, bucket, "
	    SVC_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
	    " ?15, ?16, ?17, ?18, ?19, ?20, ?21) ON CONFLICT (host, proto, port, span, bucket)"
	    " DO UPDATE SET" SVC_ADD,
	[S_EDGE] = "INSERT INTO edges (client, server, proto, port, span, bucket, " EDGE_COLS
	    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
	    " ON CONFLICT (client, server, proto, port, span, bucket) DO UPDATE SET" EDGE_ADD,
	[S_ENDPOINT] = "INSERT INTO endpoints (run_id, host, proto, port, sessions, peer_ips,"
	    " peer_ports, syn_sent, syn_recv, synack_sent, synack_recv, refused, oneway_recv,"
	    " as_server, as_client, bytes_sent, bytes_recv, opened, answered) VALUES (?1, ?2,"
	    " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"
	    " ON CONFLICT (run_id, host, proto, port) DO UPDATE SET"
	    " sessions = excluded.sessions, peer_ips = excluded.peer_ips,"
	    " peer_ports = excluded.peer_ports, syn_sent = excluded.syn_sent,"
	    " syn_recv = excluded.syn_recv, synack_sent = excluded.synack_sent,"
	    " synack_recv = excluded.synack_recv, refused = excluded.refused,"
	    " oneway_recv = excluded.oneway_recv, as_server = excluded.as_server,"
	    " as_client = excluded.as_client, bytes_sent = excluded.bytes_sent,"
	    " bytes_recv = excluded.bytes_recv, opened = excluded.opened,"
	    " answered = excluded.answered",
	[S_OLDEST_HOUR] = "SELECT min(b) FROM (SELECT min(bucket) AS b FROM edges WHERE span = 0"
	    " UNION ALL SELECT min(bucket) FROM service_buckets WHERE span = 0)",
	/* "WHERE" before ON CONFLICT keeps the parser from reading a join's ON. */
	[S_ROLL_EDGES] = "INSERT INTO edges (client, server, proto, port, span, bucket, "
	    EDGE_COLS ") SELECT client, server, proto, port, 1, bucket - bucket % 86400, "
	    EDGE_COLS " FROM edges WHERE span = 0 AND bucket = ?1"
	    " ON CONFLICT (client, server, proto, port, span, bucket) DO UPDATE SET" EDGE_ADD,
	[S_DEL_EDGES] = "DELETE FROM edges WHERE span = 0 AND bucket = ?1",
	[S_ROLL_SVC] = "INSERT INTO service_buckets (host, proto, port, span, bucket, "
	    SVC_COLS ") SELECT host, proto, port, 1, bucket - bucket % 86400, " SVC_COLS
	    " FROM service_buckets WHERE span = 0 AND bucket = ?1"
	    " ON CONFLICT (host, proto, port, span, bucket) DO UPDATE SET" SVC_ADD,
	[S_DEL_SVC] = "DELETE FROM service_buckets WHERE span = 0 AND bucket = ?1",
};

struct sqlite_store {
	struct rk_store base;           /* ops = &rk_store_sqlite_ops; first */
	sqlite3 *db;                    /* owned */
	char *path;                     /* for messages, owned */
	int rdonly;                     /* opened with RK_STORE_RDONLY */
	sqlite3_stmt *st[S__COUNT];     /* prepared once (writers), owned */
	uint64_t retention_us;          /* hour buckets kept this long before rollup */
	uint64_t newest_ts;             /* µs, newest packet time in the store */
	int is_immutable;               /* read as immutable=1 (no WAL index to share) */
	uint64_t n_commits;             /* transactions committed through this handle */
	sqlite3_stmt *q_version;        /* PRAGMA data_version, prepared on first use */
};

/* The SQLite state behind the interface's handle (its first member). */
static struct sqlite_store *
sq(struct rk_store *base)
{
	return (struct sqlite_store *)base;
}

/* Finalize the statements, close the connection, free s; NULL is a no-op. */
static void
free_store(struct sqlite_store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < S__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_finalize(s->q_version);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

/* An address -> hosts.id, for one flush. */
struct host_id {
	uint8_t ip[RK_ADDR_LEN]; /* key */
	int64_t id;              /* hosts.id */
};

/* Fill err with "path: sqlite's message" and return -RK_E_IO. */
static int
db_err(const struct sqlite_store *s, struct rk_err *err)
{
	return rk_err_set(err, RK_E_IO, "%s: %s", s->path, sqlite3_errmsg(s->db));
}

static void
bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	sqlite3_bind_int64(st, i, v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v);
}

static uint64_t
col_u64(sqlite3_stmt *st, int i)
{
	int64_t v = sqlite3_column_int64(st, i);

	return v < 0 ? 0 : (uint64_t)v;
}

/* Step a statement that returns no rows and reset it.  0 or -1. */
static int
step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The UTC hour containing ts (µs), in unix seconds. */
static int64_t
hour_of(uint64_t ts)
{
	int64_t s = (int64_t)(ts / 1000000);

	return s - s % HOUR_S;
}

/* Percent-encode path for a file: URI (RFC 3986 path characters kept). */
static char *
uri_of(const char *path, const char *query)
{
	size_t len = strlen(path), qlen = strlen(query);
	char *u = malloc(len * 3 + qlen + 8), *p;

	if (u == NULL)
		return NULL;
	p = u + sprintf(u, "file:");
	for (const unsigned char *c = (const unsigned char *)path; *c != '\0'; c++) {
		if (*c == '%' || *c == '?' || *c == '#' || *c < 0x21 || *c > 0x7e)
			p += sprintf(p, "%%%02X", *c);
		else
			*p++ = (char)*c;
	}
	memcpy(p, query, qlen + 1);
	return u;
}

/* Check the schema (RDONLY) or create/upgrade it, and set up the connection. */
static int
setup(struct sqlite_store *s, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if (!s->rdonly) {
		if (sqlite3_db_readonly(s->db, "main") == 1)
			return rk_err_set(err, RK_E_IO, "%s: read-only (the store needs write "
			    "access to the file and its directory)", s->path);
		/*
		 * The first read: a file that is not SQLite fails here, clearly.
		 * auto_vacuum only takes on a new file (before its first table):
		 * pages freed by the rollup go back to the file system.
		 */
		if (sqlite3_exec(s->db, "PRAGMA auto_vacuum = INCREMENTAL", NULL, NULL, NULL) !=
		    SQLITE_OK ||
		    sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) !=
		    SQLITE_OK ||
		    sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) !=
		    SQLITE_OK)
			return db_err(s, err);
	}
	if ((rc = rk_store_migrate(s->db, s->path, s->rdonly, err)) < 0)
		return rc;
	if (sqlite3_prepare_v2(s->db, "SELECT max(last_ts) FROM runs", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_err(s, err);
	if (sqlite3_step(st) == SQLITE_ROW)
		s->newest_ts = col_u64(st, 0);
	sqlite3_finalize(st);
	for (int i = 0; !s->rdonly && i < S__COUNT; i++)
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &s->st[i], NULL) != SQLITE_OK)
			return db_err(s, err);
	return 0;
}

/*
 * As immutable=1 the write-ahead log is not read: what a writer has not
 * checkpointed yet (a writer still running, or killed) is not seen.  Say
 * so, with its size, rather than show an older store as if it were all.
 */
static void
note_unread_wal(struct sqlite_store *s)
{
	char wal[4096];
	struct stat sb;

	snprintf(wal, sizeof(wal), "%s-wal", s->path);
	if (stat(wal, &sb) != 0 || sb.st_size == 0)
		return;
	snprintf(s->base.notice, sizeof(s->base.notice), "%s: %lld bytes of recent changes in "
	    "its write-ahead log are not shown: this user cannot write in the store's directory, "
	    "so it reads the main file only (run as the writer, or after it stopped)", s->path,
	    (long long)sb.st_size);
}

/* Open path read-only; retry as immutable=1 where WAL cannot be read in place. */
static int
open_rdonly(struct sqlite_store *s, struct rk_err *err)
{
	struct stat sb;
	char *uri;
	int rc;

	if (stat(s->path, &sb) < 0)
		return rk_err_set(err, RK_E_IO, "%s: %s", s->path, strerror(errno));
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    (rc = setup(s, err)) == 0)
		return 0;
	/*
	 * A WAL store in a directory we cannot write (no -shm to share) cannot
	 * be read normally; immutable=1 reads the main file as it is, which is
	 * complete once the last writer closed (it checkpoints on close).
	 */
	if (s->db != NULL && (sqlite3_extended_errcode(s->db) & 0xff) != SQLITE_CANTOPEN &&
	    (sqlite3_extended_errcode(s->db) & 0xff) != SQLITE_READONLY)
		return err != NULL && err->code != 0 ? -err->code : db_err(s, err);
	sqlite3_close(s->db);
	s->db = NULL;
	if ((uri = uri_of(s->path, "?immutable=1")) == NULL)
		return rk_err_set(err, RK_E_NOMEM, "out of memory");
	rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	s->is_immutable = 1;
	if (rc != SQLITE_OK)
		return db_err(s, err);
	note_unread_wal(s);
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	return setup(s, err);
}

/*
 * What SQLite would only call "unable to open database file" or "disk I/O
 * error", said before it tries: path is a directory or a device, the file
 * a reader wants is absent, or the directory a writer would create it in
 * is.  0, or <0 with err naming the cause and the fix.
 */
static int
check_path(const char *path, int rdonly, struct rk_err *err)
{
	struct stat sb;
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (strcmp(path, ":memory:") == 0)
		return 0;
	if (stat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			return rk_err_set(err, RK_E_INVAL, "%s: is a directory; the store is a "
			    "file (e.g. %s/renkei.db)", path, path);
		if (!S_ISREG(sb.st_mode))
			return rk_err_set(err, RK_E_INVAL, "%s: not a regular file; the store is "
			    "a SQLite file (e.g. /var/lib/renkei/renkei.db)", path);
		return 0;
	}
	if (errno != ENOENT)
		return rk_err_set(err, RK_E_IO, "%s: %s", path, strerror(errno));
	if (rdonly)
		return rk_err_set(err, RK_E_IO, "%s: no such store (make one with 'renkei analyze "
		    "--db %s FILE...' or 'renkei capture --db %s')", path, path, path);
	if (slash == NULL || slash == path)
		return 0;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &sb) < 0)
		return rk_err_set(err, RK_E_IO, "%s: the directory %s %s (create it first: mkdir "
		    "-p %s)", path, dir, errno == ENOENT ? "does not exist" : strerror(errno), dir);
	if (!S_ISDIR(sb.st_mode))
		return rk_err_set(err, RK_E_INVAL, "%s: %s is not a directory", path, dir);
	return 0;
}

/*
 * Open the store at path (":memory:" for a private in-memory store).
 * Without RK_STORE_RDONLY the file is created if absent, switched to WAL
 * and migrated to the current schema; a read-only file, a locked file (after
 * waiting BUSY_TIMEOUT_MS), a file that is not a renkei store or one newer
 * than this binary fail with err saying so ("renkei.db: database is
 * locked").  RK_STORE_RDONLY opens an existing store for reading only
 * (report, web), also in a directory the reader cannot write.
 * OUT: *out, owned by the caller (rk_store_close).  Returns 0 or <0.
 */
static int
sq_open(struct rk_store **out, const char *path, int flags, struct rk_err *err)
{
	struct sqlite_store *s = calloc(1, sizeof(*s));
	int rc = 0;

	*out = NULL;
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		rc = rk_err_set(err, RK_E_NOMEM, "out of memory");
		goto out;
	}
	s->rdonly = (flags & RK_STORE_RDONLY) != 0;
	s->retention_us = RK_STORE_RETENTION_US;
	if ((rc = check_path(path, s->rdonly, err)) < 0)
		goto out;
	if (s->rdonly) {
		rc = open_rdonly(s, err);
	} else if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    NULL) != SQLITE_OK) {
		rc = s->db != NULL ? db_err(s, err) : rk_err_set(err, RK_E_NOMEM, "out of memory");
	} else {
		rc = setup(s, err);
	}
out:
	if (rc < 0) {
		free_store(s);
		return rc;
	}
	s->base.ops = &rk_store_sqlite_ops;
	*out = &s->base;
	return 0;
}

/* Close (a writer's close checkpoints the WAL); NULL is a no-op. */
static void
sq_close(struct rk_store *base)
{
	free_store(sq(base));
}

/*
 * Keep hour buckets for retention_us (of packet time, back from the newest
 * packet stored) before flushes roll them into day buckets; 0 rolls every
 * finished hour up.  O(1).
 */
static void
sq_set_retention(struct rk_store *base, uint64_t retention_us)
{
	struct sqlite_store *s = sq(base);
	s->retention_us = retention_us;
}

/*
 * Record the start of a run (mode, source, version, started_us from run;
 * NULL strings are stored as "").  OUT: run->id.  Returns 0 or <0.
 */
static int
sq_run_begin(struct rk_store *base, struct rk_store_run *run, struct rk_err *err)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = s->st[S_RUN_BEGIN];

	if (s->rdonly)
		return rk_err_set(err, RK_E_INVAL, "%s: opened read-only", s->path);
	sqlite3_bind_text(st, 1, run->mode ? run->mode : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, run->source ? run->source : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, run->version ? run->version : "", -1, SQLITE_TRANSIENT);
	bind_u64(st, 4, run->started_us);
	if (step_done(st) < 0)
		return db_err(s, err);
	run->id = sqlite3_last_insert_rowid(s->db);
	s->n_commits++;
	return 0;
}

/* Upsert one host row from the interval's aggregate; OUT: *id. */
static int
put_host(struct sqlite_store *s, const struct rk_host *h, const struct rk_names *n, int64_t *id)
{
	sqlite3_stmt *st = s->st[S_HOST];
	char text[RK_ADDR_STRLEN];
	const char *name = n != NULL ? rk_names_host(n, h->ip) : NULL;
	int rc;

	sqlite3_bind_blob(st, 1, h->ip, RK_ADDR_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rk_addr_format(h->ip, text, sizeof(text)), -1, SQLITE_STATIC);
	if (name != NULL)
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	bind_u64(st, 4, h->first_ts);
	bind_u64(st, 5, h->last_ts);
	bind_u64(st, 6, h->bytes_sent);
	bind_u64(st, 7, h->bytes_recv);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The hosts.id of ip: this flush's map, else the table.  0 ok, 1 absent, -1 error. */
static int
find_host(struct sqlite_store *s, const struct rk_map *ids, const uint8_t ip[RK_ADDR_LEN],
    int64_t *id)
{
	const struct host_id *h = rk_map_find(ids, ip);
	sqlite3_stmt *st = s->st[S_HOST_ID];
	int rc;

	if (h != NULL) {
		*id = h->id;
		return 0;
	}
	sqlite3_bind_blob(st, 1, ip, RK_ADDR_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : (rc == SQLITE_DONE ? 1 : -1);
}

/* The service row and its hour bucket. */
static int
put_service(struct sqlite_store *s, const struct rk_service *v, int64_t host)
{
	for (int k = 0; k < 2; k++) {
		sqlite3_stmt *st = s->st[k == 0 ? S_SERVICE : S_SVC_BUCKET];
		sqlite3_bind_int64(st, 1, host);
		sqlite3_bind_int(st, 2, v->key.proto);
		sqlite3_bind_int(st, 3, v->key.port);
		sqlite3_bind_int(st, 4, SPAN_HOUR);
		sqlite3_bind_int64(st, 5, hour_of(v->last_ts));
		bind_u64(st, 6, v->first_ts);
		bind_u64(st, 7, v->last_ts);
		bind_u64(st, 8, v->n_sessions);
		bind_u64(st, 9, v->pkts);
		bind_u64(st, 10, v->bytes_in);
		bind_u64(st, 11, v->bytes_out);
		sqlite3_bind_double(st, 12, v->conf_sum);
		bind_u64(st, 13, v->n_decisions);
		for (int r = 0; r < RK_RULE__COUNT; r++)
			bind_u64(st, 14 + r, v->rules[r]);
		bind_u64(st, 20, v->n_blind_in);
		bind_u64(st, 21, v->n_blind_out);
		if (step_done(st) < 0)
			return -1;
	}
	return 0;
}

static int
put_edge(struct sqlite_store *s, const struct rk_edge *e, int64_t client, int64_t server)
{
	sqlite3_stmt *st = s->st[S_EDGE];

	sqlite3_bind_int64(st, 1, client);
	sqlite3_bind_int64(st, 2, server);
	sqlite3_bind_int(st, 3, e->key.proto);
	sqlite3_bind_int(st, 4, e->key.port);
	sqlite3_bind_int(st, 5, SPAN_HOUR);
	sqlite3_bind_int64(st, 6, hour_of(e->last_ts));
	bind_u64(st, 7, e->n_sessions);
	bind_u64(st, 8, e->pkts_c2s);
	bind_u64(st, 9, e->pkts_s2c);
	bind_u64(st, 10, e->bytes_c2s);
	bind_u64(st, 11, e->bytes_s2c);
	bind_u64(st, 12, e->first_ts);
	bind_u64(st, 13, e->last_ts);
	bind_u64(st, 14, e->n_blind_c2s);
	bind_u64(st, 15, e->n_blind_s2c);
	return step_done(st);
}

/* The run's evidence for one endpoint that served (cumulative: replaces). */
static int
put_endpoint(struct sqlite_store *s, int64_t run_id, const struct rk_endpoint *e, int64_t host)
{
	sqlite3_stmt *st = s->st[S_ENDPOINT];
	const uint64_t v[] = {
		e->n_sessions, e->n_peer_ips, e->n_peer_ports, e->n_syn_sent, e->n_syn_recv,
		e->n_synack_sent, e->n_synack_recv, e->n_refused, e->n_oneway_recv,
		e->n_as_server, e->n_as_client, e->bytes_sent, e->bytes_recv, e->n_opened,
		e->n_answered,
	};

	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, host);
	sqlite3_bind_int(st, 3, e->key.proto);
	sqlite3_bind_int(st, 4, e->key.port);
	for (int i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++)
		bind_u64(st, 5 + i, v[i]);
	return step_done(st);
}

static int
put_counter(struct sqlite_store *s, int64_t run_id, const char *pfx, const char *name, uint64_t v)
{
	sqlite3_stmt *st = s->st[S_RUN_COUNTER];
	char key[96];

	snprintf(key, sizeof(key), "%s.%s", pfx, name);
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	bind_u64(st, 3, v);
	return step_done(st);
}

/* The run's row, counters (cumulative: they replace) and interfaces. */
static int
put_run(struct sqlite_store *s, const struct rk_store_run *r, const struct rk_classifier *c,
    const struct rk_pipeline_stats *st, const struct rk_store_iface *ifs, int n_ifs,
    uint64_t now_us)
{
	sqlite3_stmt *q = s->st[S_RUN_UPDATE];
	struct rk_classify_stats cs;
	uint64_t malformed = 0;
	int rc = 0;

	malformed += rk_decode_malformed(st->decode);
	sqlite3_bind_int64(q, 1, r->id);
	bind_u64(q, 2, now_us);
	if (st->first_ts != 0) {
		bind_u64(q, 3, st->first_ts);
		bind_u64(q, 4, st->last_ts);
	} else {
		sqlite3_bind_null(q, 3);
		sqlite3_bind_null(q, 4);
	}
	bind_u64(q, 5, st->n_files);
	bind_u64(q, 6, st->n_truncated);
	bind_u64(q, 7, st->n_frames);
	bind_u64(q, 8, st->n_bytes);
	bind_u64(q, 9, st->n_records);
	bind_u64(q, 10, st->n_filtered);
	bind_u64(q, 11, malformed);
	bind_u64(q, 12, st->decode[RK_DSTAT_NON_IP]);
	bind_u64(q, 13, st->sess.n_evicted);
	bind_u64(q, 14, st->n_kernel_drops);
	if (step_done(q) < 0)
		return -1;
	rk_classify_get_stats(c, &cs);
	for (int i = 0; rc == 0 && i < RK_DSTAT__COUNT; i++)
		if (st->decode[i] != 0)
			rc = put_counter(s, r->id, "decode",
			    rk_decode_stat_name((enum rk_decode_stat)i), st->decode[i]);
	for (int k = 0; rc == 0 && k < RK_SK__COUNT; k++)
		rc = put_counter(s, r->id, "kind", rk_classify_kind_name((enum rk_sess_kind)k),
		    cs.n_kind[k]);
	for (int k = 0; rc == 0 && k < RK_RULE__COUNT; k++)
		rc = put_counter(s, r->id, "rule", rk_classify_rule_name((enum rk_role_rule)k),
		    cs.n_rule[k]);
	if (rc == 0)
		rc = put_counter(s, r->id, "sess", "created", st->sess.n_created);
	if (rc == 0)
		rc = put_counter(s, r->id, "sess", "evicted", st->sess.n_evicted);
	for (int i = 0; rc == 0 && i < n_ifs; i++) {
		q = s->st[S_RUN_IFACE];
		sqlite3_bind_int64(q, 1, r->id);
		sqlite3_bind_text(q, 2, ifs[i].name, -1, SQLITE_STATIC);
		bind_u64(q, 3, ifs[i].packets);
		bind_u64(q, 4, ifs[i].kernel_drops);
		bind_u64(q, 5, ifs[i].if_drops);
		rc = step_done(q);
	}
	return rc;
}

/*
 * Roll the oldest hour buckets that ended at or before cutoff_s into their
 * days, at most max_hours of them.  Inside the caller's transaction.
 * Returns the hours rolled, or -1 on a database error.
 */
static int
roll_hours(struct sqlite_store *s, int64_t cutoff_s, int max_hours)
{
	int n = 0;

	while (n < max_hours) {
		sqlite3_stmt *st = s->st[S_OLDEST_HOUR];
		int64_t b;
		int rc = sqlite3_step(st);
		int none = rc != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL;

		b = none ? 0 : sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return -1;
		if (none || b + HOUR_S > cutoff_s)
			break;
		for (int k = 0; k < 4; k++) {
			static const enum stmt steps[] = {
				S_ROLL_EDGES, S_DEL_EDGES, S_ROLL_SVC, S_DEL_SVC,
			};
			sqlite3_bind_int64(s->st[steps[k]], 1, b);
			if (step_done(s->st[steps[k]]) < 0)
				return -1;
		}
		n++;
	}
	return n;
}

/* ROLLBACK after a failure, keeping sqlite's message of the failure in err. */
static int
abort_txn(struct sqlite_store *s, struct rk_err *err)
{
	int rc = db_err(s, err);

	if (!sqlite3_get_autocommit(s->db))
		(void)step_done(s->st[S_ROLLBACK]);
	return rc;
}

/*
 * Add one interval (see store.h): c's services, edges and hosts are deltas
 * and are summed into their hour buckets; the endpoints that served, the
 * run's counters (st, c's kind/rule counts: cumulative for the run) and
 * ifs replace the run's previous values; names for the hosts come from n
 * (may be NULL).  Then up to ROLLUP_HOURS_PER_FLUSH hours older than the
 * retention are rolled up.  All in one BEGIN IMMEDIATE transaction: on any
 * error it is rolled back, err says "path: reason" (database is locked,
 * database or disk is full, ...) and nothing of this flush is kept, so the
 * caller keeps its aggregates and retries.  Returns 0 or <0.
 * Cost: O(hosts + services + edges + server endpoints) statement steps.
 */
static int
sq_flush(struct rk_store *base, const struct rk_store_run *run, const struct rk_classifier *c,
    const struct rk_names *n, const struct rk_pipeline_stats *st,
    const struct rk_store_iface *ifs, int n_ifs, struct rk_err *err)
{
	struct sqlite_store *s = sq(base);
	const struct rk_map *hosts = rk_classify_hosts(c), *svcs = rk_classify_services(c);
	const struct rk_map *edges = rk_classify_edges(c), *eps = rk_classify_endpoints(c);
	uint64_t newest = st->last_ts > s->newest_ts ? st->last_ts : s->newest_ts;
	struct timespec now;
	struct rk_map ids;
	int64_t a, b;
	int rc = 0, rolled = 0;

	if (s->rdonly)
		return rk_err_set(err, RK_E_INVAL, "%s: opened read-only", s->path);
	rk_map_init(&ids, RK_ADDR_LEN, sizeof(struct host_id), 0x726b);
	clock_gettime(CLOCK_REALTIME, &now);
	if (step_done(s->st[S_BEGIN]) < 0) {
		rc = abort_txn(s, err);
		goto out;
	}
	for (size_t i = 0; i < hosts->n_entries; i++) {
		const struct rk_host *h = rk_map_at(hosts, i);
		struct host_id *hi = rk_map_upsert(&ids, h->ip, NULL);
		if (hi == NULL) {
			rc = rk_err_set(err, RK_E_NOMEM, "out of memory");
			(void)step_done(s->st[S_ROLLBACK]);
			goto out;
		}
		if (put_host(s, h, n, &hi->id) < 0)
			goto fail;
	}
	for (size_t i = 0; i < svcs->n_entries; i++) {
		const struct rk_service *v = rk_map_at(svcs, i);
		if (find_host(s, &ids, v->key.ip, &a) != 0 || put_service(s, v, a) < 0)
			goto fail;
	}
	for (size_t i = 0; i < edges->n_entries; i++) {
		const struct rk_edge *e = rk_map_at(edges, i);
		if (find_host(s, &ids, e->key.client, &a) != 0 ||
		    find_host(s, &ids, e->key.server, &b) != 0 || put_edge(s, e, a, b) < 0)
			goto fail;
	}
	for (size_t i = 0; i < eps->n_entries; i++) {
		const struct rk_endpoint *e = rk_map_at(eps, i);
		int found;
		if (e->n_as_server == 0)
			continue;
		/* It served in this run, so its host was stored by this or an earlier flush. */
		if ((found = find_host(s, &ids, e->key.ip, &a)) < 0 ||
		    (found == 0 && put_endpoint(s, run->id, e, a) < 0))
			goto fail;
	}
	if (put_run(s, run, c, st, ifs, n_ifs,
	    (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000) < 0)
		goto fail;
	if (newest / 1000000 > s->retention_us / 1000000 &&
	    (rolled = roll_hours(s, (int64_t)((newest - s->retention_us) / 1000000),
	    ROLLUP_HOURS_PER_FLUSH)) < 0)
		goto fail;
	if (step_done(s->st[S_COMMIT]) < 0)
		goto fail;
	s->n_commits++;
	s->newest_ts = newest;
	/* Give back the pages the rollup freed; only space is at stake if it fails. */
	if (rolled > 0)
		(void)sqlite3_exec(s->db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
	goto out;
fail:
	rc = abort_txn(s, err);
out:
	rk_map_fini(&ids);
	return rc;
}

/*
 * Roll every hour bucket that ended at or before older_than_us into its
 * day bucket, however many there are, in one transaction.  Returns 0 or
 * <0 with err set (then nothing was rolled up).
 */
static int
sq_rollup(struct rk_store *base, uint64_t older_than_us, struct rk_err *err)
{
	struct sqlite_store *s = sq(base);
	if (s->rdonly)
		return rk_err_set(err, RK_E_INVAL, "%s: opened read-only", s->path);
	if (step_done(s->st[S_BEGIN]) < 0)
		return abort_txn(s, err);
	if (roll_hours(s, (int64_t)(older_than_us / 1000000), INT_MAX) < 0 ||
	    step_done(s->st[S_COMMIT]) < 0)
		return abort_txn(s, err);
	s->n_commits++;
	return 0;
}

/* ---- reading ---- */

/* Bucket overlap with [?1, ?2) in seconds. */
#define IN_RANGE \
	" bucket < ?2 AND bucket + (CASE span WHEN 0 THEN 3600 ELSE 86400 END) > ?1"
/* Runs with packets overlapping [?3, ?4) in µs. */
#define RUNS_IN_RANGE \
	" SELECT id FROM runs WHERE first_ts IS NOT NULL AND first_ts < ?4 AND last_ts >= ?3"

static const char load_services_sql[] =
    "SELECT h.ip, v.proto, v.port, v.f, v.l, v.n, v.p, v.bi, v.bo, v.cs, v.d,"
    " v.r0, v.r1, v.r2, v.r3, v.r4, v.r5, v.xi, v.xo FROM (SELECT host, proto, port,"
    " min(first_ts) f, max(last_ts) l, sum(sessions) n, sum(packets) p, sum(bytes_in) bi,"
    " sum(bytes_out) bo, sum(conf_sum) cs, sum(decisions) d, sum(r_handshake) r0,"
    " sum(r_synack) r1, sum(r_syn) r2, sum(r_oneway) r3, sum(r_evidence) r4, sum(r_tie) r5,"
    " sum(blind_in) xi, sum(blind_out) xo"
    " FROM service_buckets WHERE" IN_RANGE " GROUP BY host, proto, port) v"
    " JOIN hosts h ON h.id = v.host";
static const char load_edges_sql[] =
    "SELECT c.ip, s.ip, e.proto, e.port, e.n, e.pc, e.ps, e.bc, e.bs, e.f, e.l, e.xc, e.xs"
    " FROM (SELECT client, server, proto, port, sum(sessions) n, sum(pkts_c2s) pc,"
    " sum(pkts_s2c) ps, sum(bytes_c2s) bc, sum(bytes_s2c) bs, min(first_ts) f,"
    " max(last_ts) l, sum(blind_c2s) xc, sum(blind_s2c) xs FROM edges WHERE" IN_RANGE
    " GROUP BY client, server, proto, port) e"
    " JOIN hosts c ON c.id = e.client JOIN hosts s ON s.id = e.server";
static const char load_endpoints_sql[] =
    "SELECT h.ip, e.proto, e.port, sum(sessions), max(peer_ips), max(peer_ports),"
    " sum(syn_sent), sum(syn_recv), sum(synack_sent), sum(synack_recv), sum(refused),"
    " sum(oneway_recv), sum(as_server), sum(as_client), sum(e.bytes_sent),"
    " sum(e.bytes_recv), sum(opened), sum(answered)"
    " FROM endpoints e JOIN hosts h ON h.id = e.host"
    " WHERE e.run_id IN (" RUNS_IN_RANGE ")"
    " GROUP BY e.host, e.proto, e.port";
static const char load_runs_sql[] =
    "SELECT count(*), min(first_ts), max(last_ts), sum(files), sum(truncated),"
    " sum(packets), sum(bytes), sum(records), sum(filtered), sum(kernel_drops)"
    " FROM runs WHERE id IN (" RUNS_IN_RANGE ")";
static const char load_counters_sql[] =
    "SELECT name, sum(value) FROM run_counters WHERE run_id IN ("
    RUNS_IN_RANGE ") GROUP BY name";
static const char load_names_sql[] =
    "SELECT ip, name FROM hosts WHERE name IS NOT NULL";
/* One endpoint's evidence (?5 address, ?6 proto, ?7 port), run by run. */
static const char load_evidence_sql[] =
    "SELECT e.run_id, h.ip, e.proto, e.port, e.sessions, e.peer_ips, e.peer_ports,"
    " e.syn_sent, e.syn_recv, e.synack_sent, e.synack_recv, e.refused, e.oneway_recv,"
    " e.as_server, e.as_client, e.bytes_sent, e.bytes_recv, e.opened, e.answered"
    " FROM endpoints e JOIN hosts h ON h.id = e.host"
    " WHERE h.ip = ?5 AND e.proto = ?6 AND e.port = ?7 AND e.run_id IN (" RUNS_IN_RANGE ")"
    " ORDER BY e.run_id";
static const char load_run_rows_sql[] =
    "SELECT id, mode, source, version, first_ts, last_ts, packets, bytes, flushes"
    " FROM runs WHERE id IN (" RUNS_IN_RANGE ") ORDER BY id";

/* The range being loaded and where it goes. */
struct load {
	struct sqlite_store *s;          /* the store */
	struct rk_classifier *c;     /* OUT: aggregates */
	struct rk_names *n;          /* OUT: host names, may be NULL */
	struct rk_pipeline_stats *st; /* OUT: run summary */
	struct rk_classify_stats cs; /* kind / rule counters summed */
	int64_t since_s, until_s;    /* bucket range, seconds */
	uint64_t since_us, until_us; /* run range, µs (until: INT64_MAX = unbounded) */
	const struct rk_ep_key *key; /* the endpoint of load_evidence_sql (?5-?7), or NULL */
	void *rows;                  /* OUT: the rows of a list load, malloc'd (add_row) */
	size_t n_rows, max_rows;     /* rows used, allocated */
	size_t row_size;             /* bytes per row */
};

/* Set up l to load [since_us, until_us) (0 = unbounded) from s; everything else empty. */
static void
load_init(struct load *l, struct sqlite_store *s, uint64_t since_us, uint64_t until_us)
{
	memset(l, 0, sizeof(*l));
	l->s = s;
	l->since_us = since_us;
	l->until_us = until_us != 0 ? until_us : UINT64_MAX;
	if (l->until_us > (uint64_t)INT64_MAX)
		l->until_us = (uint64_t)INT64_MAX;
	l->since_s = (int64_t)(since_us / 1000000);
	l->until_s = (int64_t)((l->until_us + 999999) / 1000000);
}

/* A new zeroed row at the end of l->rows; NULL if out of memory. */
static void *
add_row(struct load *l)
{
	char *row;

	if (l->n_rows == l->max_rows) {
		size_t m = l->max_rows ? 2 * l->max_rows : 8;
		void *p = realloc(l->rows, m * l->row_size);
		if (p == NULL)
			return NULL;
		l->rows = p;
		l->max_rows = m;
	}
	row = (char *)l->rows + l->n_rows++ * l->row_size;
	memset(row, 0, l->row_size);
	return row;
}

/* A 16-byte address column into out; -1 if the column is not one. */
static int
col_addr(sqlite3_stmt *st, int i, uint8_t out[RK_ADDR_LEN])
{
	if (sqlite3_column_bytes(st, i) != RK_ADDR_LEN)
		return -1;
	memcpy(out, sqlite3_column_blob(st, i), RK_ADDR_LEN);
	return 0;
}

static int
row_service(struct load *l, sqlite3_stmt *q)
{
	struct rk_service v;

	memset(&v, 0, sizeof(v));
	if (col_addr(q, 0, v.key.ip) < 0)
		return 1;
	v.key.proto = (uint8_t)sqlite3_column_int(q, 1);
	v.key.port = (uint16_t)sqlite3_column_int(q, 2);
	v.first_ts = col_u64(q, 3);
	v.last_ts = col_u64(q, 4);
	v.n_sessions = col_u64(q, 5);
	v.pkts = col_u64(q, 6);
	v.bytes_in = col_u64(q, 7);
	v.bytes_out = col_u64(q, 8);
	v.conf_sum = sqlite3_column_double(q, 9);
	v.n_decisions = (uint32_t)col_u64(q, 10);
	for (int r = 0; r < RK_RULE__COUNT; r++)
		v.rules[r] = (uint32_t)col_u64(q, 11 + r);
	v.n_blind_in = (uint32_t)col_u64(q, 17);
	v.n_blind_out = (uint32_t)col_u64(q, 18);
	/* n_clients is counted from the edges below: one edge per distinct client. */
	if (rk_model_add_service(rk_classify_model(l->c), &v, NULL) < 0)
		return -RK_E_NOMEM;
	return 0;
}

/* One edge (summed over its buckets): the edge, its service's client count, both hosts. */
static int
row_edge(struct load *l, sqlite3_stmt *q)
{
	struct rk_edge e;

	memset(&e, 0, sizeof(e));
	if (col_addr(q, 0, e.key.client) < 0 || col_addr(q, 1, e.key.server) < 0)
		return 1;
	e.key.proto = (uint8_t)sqlite3_column_int(q, 2);
	e.key.port = (uint16_t)sqlite3_column_int(q, 3);
	e.n_sessions = col_u64(q, 4);
	e.pkts_c2s = col_u64(q, 5);
	e.pkts_s2c = col_u64(q, 6);
	e.bytes_c2s = col_u64(q, 7);
	e.bytes_s2c = col_u64(q, 8);
	e.first_ts = col_u64(q, 9);
	e.last_ts = col_u64(q, 10);
	e.n_blind_c2s = col_u64(q, 11);
	e.n_blind_s2c = col_u64(q, 12);
	/* Its hosts and its service's client count: the model's rules (model.h). */
	return rk_model_add_edge(rk_classify_model(l->c), &e, NULL) < 0 ? -RK_E_NOMEM : 0;
}

/*
 * The columns from i on - address, proto, port, then the counters in the
 * order of the endpoints table - into e (zeroed first).  -1 if the address
 * column is not one.
 */
static int
col_endpoint(sqlite3_stmt *q, int i, struct rk_endpoint *e)
{
	memset(e, 0, sizeof(*e));
	if (col_addr(q, i, e->key.ip) < 0)
		return -1;
	e->key.proto = (uint8_t)sqlite3_column_int(q, i + 1);
	e->key.port = (uint16_t)sqlite3_column_int(q, i + 2);
	e->n_sessions = (uint32_t)col_u64(q, i + 3);
	e->n_peer_ips = (uint32_t)col_u64(q, i + 4);
	e->n_peer_ports = (uint32_t)col_u64(q, i + 5);
	e->n_syn_sent = (uint32_t)col_u64(q, i + 6);
	e->n_syn_recv = (uint32_t)col_u64(q, i + 7);
	e->n_synack_sent = (uint32_t)col_u64(q, i + 8);
	e->n_synack_recv = (uint32_t)col_u64(q, i + 9);
	e->n_refused = (uint32_t)col_u64(q, i + 10);
	e->n_oneway_recv = (uint32_t)col_u64(q, i + 11);
	e->n_as_server = (uint32_t)col_u64(q, i + 12);
	e->n_as_client = (uint32_t)col_u64(q, i + 13);
	e->bytes_sent = col_u64(q, i + 14);
	e->bytes_recv = col_u64(q, i + 15);
	e->n_opened = (uint32_t)col_u64(q, i + 16);
	e->n_answered = (uint32_t)col_u64(q, i + 17);
	return 0;
}

static int
row_endpoint(struct load *l, sqlite3_stmt *q)
{
	struct rk_endpoint e;

	if (col_endpoint(q, 0, &e) < 0)
		return 1;
	return rk_model_merge_endpoint(rk_classify_model(l->c), &e) < 0 ? -RK_E_NOMEM : 0;
}

/* One run's evidence of the endpoint l->key, appended to l->rows. */
static int
row_evidence(struct load *l, sqlite3_stmt *q)
{
	struct rk_store_evidence *ev;
	struct rk_endpoint e;

	if (col_endpoint(q, 1, &e) < 0)
		return 1;
	if ((ev = add_row(l)) == NULL)
		return -RK_E_NOMEM;
	ev->run_id = sqlite3_column_int64(q, 0);
	ev->e = e;
	return 0;
}

/* A copy of text column i ("" if NULL); NULL if out of memory. */
static char *
col_strdup(sqlite3_stmt *q, int i)
{
	const char *t = (const char *)sqlite3_column_text(q, i);

	return strdup(t != NULL ? t : "");
}

/* One run, appended to l->rows. */
static int
row_run_info(struct load *l, sqlite3_stmt *q)
{
	struct rk_store_run_info *r = add_row(l);

	if (r == NULL)
		return -RK_E_NOMEM;
	r->id = sqlite3_column_int64(q, 0);
	r->first_ts = col_u64(q, 4);
	r->last_ts = col_u64(q, 5);
	r->n_packets = col_u64(q, 6);
	r->n_bytes = col_u64(q, 7);
	r->n_flushes = col_u64(q, 8);
	if ((r->mode = col_strdup(q, 1)) == NULL || (r->source = col_strdup(q, 2)) == NULL ||
	    (r->version = col_strdup(q, 3)) == NULL)
		return -RK_E_NOMEM;
	return 0;
}

static int
row_runs(struct load *l, sqlite3_stmt *q)
{
	struct rk_pipeline_stats *st = l->st;
	uint64_t first = col_u64(q, 1), last = col_u64(q, 2);

	if (sqlite3_column_int64(q, 0) == 0)
		return 0;
	/* Whole runs are summed; their time span is clipped to the range asked. */
	st->first_ts = first > l->since_us ? first : l->since_us;
	st->last_ts = last < l->until_us ? last : l->until_us - 1;
	st->n_files += col_u64(q, 3);
	st->n_truncated += col_u64(q, 4);
	st->n_frames += col_u64(q, 5);
	st->n_bytes += col_u64(q, 6);
	st->n_records += col_u64(q, 7);
	st->n_filtered += col_u64(q, 8);
	st->n_kernel_drops += col_u64(q, 9);
	return 0;
}

static int
row_counter(struct load *l, sqlite3_stmt *q)
{
	const char *name = (const char *)sqlite3_column_text(q, 0);
	uint64_t v = col_u64(q, 1);

	if (name == NULL)
		return 1;
	if (strncmp(name, "decode.", 7) == 0) {
		for (int i = 0; i < RK_DSTAT__COUNT; i++)
			if (strcmp(name + 7, rk_decode_stat_name((enum rk_decode_stat)i)) == 0)
				l->st->decode[i] += v;
	} else if (strncmp(name, "kind.", 5) == 0) {
		for (int k = 0; k < RK_SK__COUNT; k++)
			if (strcmp(name + 5, rk_classify_kind_name((enum rk_sess_kind)k)) == 0)
				l->cs.n_kind[k] += v;
	} else if (strncmp(name, "rule.", 5) == 0) {
		for (int k = 0; k < RK_RULE__COUNT; k++)
			if (strcmp(name + 5, rk_classify_rule_name((enum rk_role_rule)k)) == 0)
				l->cs.n_rule[k] += v;
	} else if (strcmp(name, "sess.created") == 0) {
		l->st->sess.n_created += v;
	} else if (strcmp(name, "sess.evicted") == 0) {
		l->st->sess.n_evicted += v;
	}
	return 0; /* a counter this version does not know is skipped */
}

static int
row_name(struct load *l, sqlite3_stmt *q)
{
	uint8_t ip[RK_ADDR_LEN];
	const char *name = (const char *)sqlite3_column_text(q, 1);

	if (l->n == NULL || name == NULL || col_addr(q, 0, ip) < 0)
		return 1;
	return rk_names_add_host(l->n, ip, name, 0) < 0 ? -RK_E_NOMEM : 0;
}

/* Run one load query over the range (unused parameters stay unbound); fn takes
 * each row (<0 stops). */
static int
each_row(struct load *l, const char *sql, int (*fn)(struct load *, sqlite3_stmt *),
    struct rk_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(l->s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return db_err(l->s, err);
	sqlite3_bind_int64(q, 1, l->since_s);
	sqlite3_bind_int64(q, 2, l->until_s);
	bind_u64(q, 3, l->since_us);
	bind_u64(q, 4, l->until_us);
	if (l->key != NULL) {
		sqlite3_bind_blob(q, 5, l->key->ip, RK_ADDR_LEN, SQLITE_STATIC);
		sqlite3_bind_int(q, 6, l->key->proto);
		sqlite3_bind_int(q, 7, l->key->port);
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW)
		if ((rc = fn(l, q)) < 0)
			break;
	if (rc < 0)
		rk_err_set(err, -rc, "out of memory loading %s", l->s->path);
	else if (step != SQLITE_DONE)
		rc = db_err(l->s, err);
	else
		rc = 0;
	sqlite3_finalize(q);
	return rc;
}

/*
 * Load [since_us, until_us) (0 = unbounded on that side) for a report:
 * services, edges (summed over every bucket that overlaps the range, so
 * the resolution is the bucket) and hosts (derived from the edges, as the
 * classifier derives them from sessions) are merged into c, whose maps
 * should be empty; distinct counts (clients per service, services and
 * uses per host) are counted, not summed.  The evidence of the endpoints
 * that served in runs overlapping the range goes into c's endpoints (whole
 * runs; distinct peer IPs and ports: the largest of one run, the store
 * keeping counts, not peers; the other counters summed); the
 * runs' counters are added to st (packets, bytes, decoder, sessions; first
 * and last clipped to the range) and to c's kind/rule counters; stored
 * host names go into n (may be NULL) as learned names.  A transaction
 * makes the reads one snapshot.  Returns 0 or <0 with err set.
 * Cost: O(rows in range) with a GROUP BY.
 */
static int
sq_load(struct rk_store *base, uint64_t since_us, uint64_t until_us, struct rk_classifier *c,
    struct rk_names *n, struct rk_pipeline_stats *st, struct rk_err *err)
{
	struct sqlite_store *s = sq(base);
	struct load l;
	int rc;

	load_init(&l, s, since_us, until_us);
	l.c = c;
	l.n = n;
	l.st = st;
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(s, err);
	if ((rc = each_row(&l, load_services_sql, row_service, err)) == 0 &&
	    (rc = each_row(&l, load_edges_sql, row_edge, err)) == 0 &&
	    (rc = each_row(&l, load_endpoints_sql, row_endpoint, err)) == 0 &&
	    (rc = each_row(&l, load_runs_sql, row_runs, err)) == 0 &&
	    (rc = each_row(&l, load_counters_sql, row_counter, err)) == 0)
		rc = each_row(&l, load_names_sql, row_name, err);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc == 0)
		rk_classify_add_stats(c, &l.cs);
	return rc;
}

/* Run one list query over l's range in a read transaction (one snapshot). */
static int
load_rows(struct load *l, const char *sql, int (*fn)(struct load *, sqlite3_stmt *),
    struct rk_err *err)
{
	int rc;

	if (sqlite3_exec(l->s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(l->s, err);
	rc = each_row(l, sql, fn, err);
	sqlite3_exec(l->s->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/*
 * The evidence of endpoint k (address, proto, port) in each run that
 * overlaps [since_us, until_us) (0 = unbounded) and stored it, by run id:
 * a run stores the evidence of the endpoints that served at least once in
 * it (rk_store_flush), cumulative over the run as of its last flush, so a
 * client's ephemeral port or an endpoint never seen has none (*n_out 0).
 * The runs are whole: their evidence is not cut at the range's ends.
 * Distinct counts (peer IPs, peer ports) are each run's own: the store
 * keeps the counts, not the peers, so rk_store_load merges runs by taking
 * the largest of one run for those and summing the other counters.
 * OUT: *out (malloc'd, the caller frees it; NULL if none), *n_out.
 * Returns 0 or <0 with err set.  O(runs in range), by primary key.
 */
static int
sq_load_evidence(struct rk_store *base, uint64_t since_us, uint64_t until_us,
    const struct rk_ep_key *k, struct rk_store_evidence **out, size_t *n_out,
    struct rk_err *err)
{
	struct sqlite_store *s = sq(base);
	struct load l;
	int rc;

	load_init(&l, s, since_us, until_us);
	l.key = k;
	l.row_size = sizeof(struct rk_store_evidence);
	rc = load_rows(&l, load_evidence_sql, row_evidence, err);
	if (rc < 0) {
		free(l.rows);
		l.rows = NULL;
		l.n_rows = 0;
	}
	*out = l.rows;
	*n_out = l.n_rows;
	return rc;
}

/*
 * The runs with packets in [since_us, until_us) (0 = unbounded), by id:
 * what each run was (mode, source, version) and the packet time and
 * traffic it covers, whole.  OUT: *out (free with rk_store_runs_free;
 * NULL if none), *n_out.  Returns 0 or <0 with err set.  O(runs).
 */
static int
sq_load_runs(struct rk_store *base, uint64_t since_us, uint64_t until_us,
    struct rk_store_run_info **out, size_t *n_out, struct rk_err *err)
{
	struct sqlite_store *s = sq(base);
	struct load l;
	int rc;

	load_init(&l, s, since_us, until_us);
	l.row_size = sizeof(struct rk_store_run_info);
	rc = load_rows(&l, load_run_rows_sql, row_run_info, err);
	if (rc < 0) {
		rk_store_runs_free(l.rows, l.n_rows);
		l.rows = NULL;
		l.n_rows = 0;
	}
	*out = l.rows;
	*n_out = l.n_rows;
	return rc;
}

/*
 * The packet time the store covers: OUT: *first_ts, *last_ts in µs (both 0
 * if no run has packets).  Returns 0 or <0 with err set.  O(runs).
 */
static int
sq_range(struct rk_store *base, uint64_t *first_ts, uint64_t *last_ts, struct rk_err *err)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *q = NULL;
	int rc = 0;

	*first_ts = *last_ts = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT min(first_ts), max(last_ts) FROM runs", -1, &q,
	    NULL) != SQLITE_OK)
		return db_err(s, err);
	if (sqlite3_step(q) == SQLITE_ROW) {
		*first_ts = col_u64(q, 0);
		*last_ts = col_u64(q, 1);
	} else {
		rc = db_err(s, err);
	}
	sqlite3_finalize(q);
	return rc;
}

static const char hours_sql[] =
    "SELECT h.ip, b.proto, b.port, b.span, b.bucket, b.bytes_in + b.bytes_out,"
    " b.blind_in + b.blind_out > 0"
    " FROM service_buckets b JOIN hosts h ON h.id = b.host"
    " WHERE (?1 = 0 OR b.bucket + CASE b.span WHEN 0 THEN 3600 ELSE 86400 END > ?1)"
    " AND (?2 = 0 OR b.bucket < ?2)";

/* Hand one service_buckets row to cb, hour by hour (a day spread evenly).  0 or cb's <0. */
static int
hours_of_row(sqlite3_stmt *q, rk_store_hour_cb cb, void *arg)
{
	struct rk_ep_key k;
	int n_hours = sqlite3_column_int(q, 3) == SPAN_HOUR ? 1 : 24;
	uint64_t first = col_u64(q, 4) / HOUR_S;
	uint64_t bytes = col_u64(q, 5);
	int has_blind = sqlite3_column_int(q, 6) != 0;
	int rc = 0;

	memset(&k, 0, sizeof(k));
	if (col_addr(q, 0, k.ip) < 0)
		return 0;
	k.proto = (uint8_t)sqlite3_column_int(q, 1);
	k.port = (uint16_t)sqlite3_column_int(q, 2);
	for (int i = 0; rc == 0 && i < n_hours; i++)
		rc = cb(arg, &k, first + (uint64_t)i, bytes / (uint64_t)n_hours, has_blind);
	return rc;
}

/*
 * Each service's bytes per hour of [since_us, until_us) (0 = open), from
 * service_buckets, to cb: a day bucket spread evenly over its 24 hours,
 * has_blind if a session of the bucket hid a direction.  One read
 * transaction.  Returns 0, cb's <0, or <0 with err set.  O(buckets).
 */
static int
sq_service_hours(struct rk_store *base, uint64_t since_us, uint64_t until_us,
    rk_store_hour_cb cb, void *arg, struct rk_err *err)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *q = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(s->db, hours_sql, -1, &q, NULL) != SQLITE_OK)
		return db_err(s, err);
	sqlite3_bind_int64(q, 1, (sqlite3_int64)(since_us / 1000000));
	sqlite3_bind_int64(q, 2, (sqlite3_int64)(until_us / 1000000));
	while (rc == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW)
		rc = hours_of_row(q, cb, arg);
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = db_err(s, err);
	sqlite3_finalize(q);
	return rc;
}

/* µs mtime and size of path, mixed (0 if it cannot be read). */
static uint64_t
file_stamp(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return 0;
	return ((uint64_t)sb.st_mtim.tv_sec * 1000000000ull + (uint64_t)sb.st_mtim.tv_nsec) ^
	    ((uint64_t)sb.st_size << 1);
}

/*
 * The change version: PRAGMA data_version, which SQLite changes for this
 * connection whenever another connection (any process) committed, plus
 * this handle's own commits, which data_version does not count.  A store
 * read as immutable=1 (a WAL store in a directory we cannot write) has no
 * shared WAL index to tell it: its version is the main file's mtime and
 * size, which change when a writer checkpoints.  O(1), no table read.
 */
static int
sq_version(struct rk_store *base, uint64_t *out, struct rk_err *err)
{
	struct sqlite_store *s = sq(base);

	*out = 0;
	if (s->is_immutable) {
		*out = file_stamp(s->path);
		return 0;
	}
	if (s->q_version == NULL && sqlite3_prepare_v3(s->db, "PRAGMA data_version", -1,
	    SQLITE_PREPARE_PERSISTENT, &s->q_version, NULL) != SQLITE_OK)
		return db_err(s, err);
	if (sqlite3_step(s->q_version) != SQLITE_ROW) {
		sqlite3_reset(s->q_version);
		return db_err(s, err);
	}
	*out = (col_u64(s->q_version, 0) << 32) + s->n_commits;
	sqlite3_reset(s->q_version);
	return 0;
}

const struct rk_store_ops rk_store_sqlite_ops = {
	.scheme = "sqlite",
	.usage = "sqlite:PATH",
	.open = sq_open,
	.close = sq_close,
	.set_retention = sq_set_retention,
	.run_begin = sq_run_begin,
	.flush = sq_flush,
	.rollup = sq_rollup,
	.load = sq_load,
	.load_evidence = sq_load_evidence,
	.load_runs = sq_load_runs,
	.range = sq_range,
	.service_hours = sq_service_hours,
	.version = sq_version,
};

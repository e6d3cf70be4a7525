/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store/migrate.c - the store's schema and the migrations that build it.
 *
 * The schema version is PRAGMA user_version; PRAGMA application_id marks
 * the file as renkei's, so a foreign SQLite file is refused instead of
 * being filled with our tables.  migrations[i] turns version i into i + 1;
 * each step runs in its own BEGIN IMMEDIATE transaction together with the
 * user_version bump, so a crash leaves the file at a whole version.  A
 * file newer than this binary is refused with the two versions named: an
 * old binary must never write a schema it does not know.
 *
 * Schema 1 (docs/STORE.md explains every column; schema 2 changed only
 * indexes, see schema_v2; 3 and 4 added columns, see schema_v3 and
 * schema_v4):
 *
 *   runs          (id) mode, source, version, started_us, ended_us,
 *                 first_ts, last_ts, flushes, files, truncated, packets,
 *                 bytes, records, filtered, malformed, non_ip, evicted,
 *                 kernel_drops                      - one row per capture run
 *   run_counters  (run_id, name) value              - decoder reasons,
 *                 session kinds, decision rules, session-table counters
 *   run_ifaces    (run_id, name) packets, kernel_drops, if_drops
 *   hosts         (id) ip BLOB(16) UNIQUE, ip_text, name, first_ts, last_ts,
 *                 bytes_sent, bytes_recv
 *   services      (host, proto, port) first_ts, last_ts, sessions, packets,
 *                 bytes_in, bytes_out, conf_sum, decisions, r_<rule> x6
 *   service_buckets (host, proto, port, span, bucket) the same counters
 *                 per time bucket
 *   edges         (client, server, proto, port, span, bucket) sessions,
 *                 pkts_c2s, pkts_s2c, bytes_c2s, bytes_s2c, first_ts, last_ts
 *   endpoints     (run_id, host, proto, port) the evidence of endpoints
 *                 that served at least once (struct rk_endpoint)
 *
 * Addresses are 16-byte BLOBs (IPv4-mapped, util/addr.h) in hosts only;
 * the other tables refer to a host by its integer id.  That is the main
 * design decision for size: an edge row names two hosts, and two varint
 * ids take 2-4 bytes where two BLOBs take 34 (in the row and again in
 * each index), which is most of a bucket row.  Views (edges_v,
 * services_v) show the addresses as text for people using sqlite3.
 * Time: *_ts are µs of packet time; a bucket is the UTC start of its hour
 * (span 0) or day (span 1) in unix seconds.
 */
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>

#include "store/migrate.h"

/* 'rnkI' */
#define APP_ID 0x726e6b49

/*
 * The counters of a service, in services (its whole life) and again in
 * service_buckets (one time bucket): the same columns, so one text.
 */
#define SERVICE_COUNTERS \
    " first_ts INTEGER NOT NULL," \
    " last_ts INTEGER NOT NULL," \
    " sessions INTEGER NOT NULL," \
    " packets INTEGER NOT NULL," \
    " bytes_in INTEGER NOT NULL," \
    " bytes_out INTEGER NOT NULL," \
    " conf_sum REAL NOT NULL," \
    " decisions INTEGER NOT NULL," \
    " r_handshake INTEGER NOT NULL, r_synack INTEGER NOT NULL, r_syn INTEGER NOT NULL," \
    " r_oneway INTEGER NOT NULL, r_evidence INTEGER NOT NULL, r_tie INTEGER NOT NULL,"

static const char schema_v1[] =
    "CREATE TABLE runs ("
    " id INTEGER PRIMARY KEY,"
    " mode TEXT NOT NULL,"
    " source TEXT NOT NULL,"
    " version TEXT NOT NULL,"
    " started_us INTEGER NOT NULL,"
    " ended_us INTEGER,"
    " first_ts INTEGER,"
    " last_ts INTEGER,"
    " flushes INTEGER NOT NULL DEFAULT 0,"
    " files INTEGER NOT NULL DEFAULT 0,"
    " truncated INTEGER NOT NULL DEFAULT 0,"
    " packets INTEGER NOT NULL DEFAULT 0,"
    " bytes INTEGER NOT NULL DEFAULT 0,"
    " records INTEGER NOT NULL DEFAULT 0,"
    " filtered INTEGER NOT NULL DEFAULT 0,"
    " malformed INTEGER NOT NULL DEFAULT 0,"
    " non_ip INTEGER NOT NULL DEFAULT 0,"
    " evicted INTEGER NOT NULL DEFAULT 0,"
    " kernel_drops INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX runs_last ON runs(last_ts);"
    "CREATE TABLE run_counters ("
    " run_id INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " value INTEGER NOT NULL,"
    " PRIMARY KEY (run_id, name)) WITHOUT ROWID;"
    "CREATE TABLE run_ifaces ("
    " run_id INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " packets INTEGER NOT NULL,"
    " kernel_drops INTEGER NOT NULL,"
    " if_drops INTEGER NOT NULL,"
    " PRIMARY KEY (run_id, name)) WITHOUT ROWID;"
    "CREATE TABLE hosts ("
    " id INTEGER PRIMARY KEY,"
    " ip BLOB NOT NULL UNIQUE CHECK (length(ip) = 16),"
    " ip_text TEXT NOT NULL,"
    " name TEXT,"
    " first_ts INTEGER NOT NULL,"
    " last_ts INTEGER NOT NULL,"
    " bytes_sent INTEGER NOT NULL,"
    " bytes_recv INTEGER NOT NULL);"
    "CREATE TABLE services ("
    " host INTEGER NOT NULL,"
    " proto INTEGER NOT NULL,"
    " port INTEGER NOT NULL,"
    SERVICE_COUNTERS
    " PRIMARY KEY (host, proto, port)) WITHOUT ROWID;"
    "CREATE INDEX services_last ON services(last_ts);"
    "CREATE TABLE service_buckets ("
    " host INTEGER NOT NULL,"
    " proto INTEGER NOT NULL,"
    " port INTEGER NOT NULL,"
    " span INTEGER NOT NULL,"
    " bucket INTEGER NOT NULL,"
    SERVICE_COUNTERS
    " PRIMARY KEY (host, proto, port, span, bucket)) WITHOUT ROWID;"
    "CREATE INDEX service_buckets_time ON service_buckets(span, bucket);"
    "CREATE TABLE edges ("
    " client INTEGER NOT NULL,"
    " server INTEGER NOT NULL,"
    " proto INTEGER NOT NULL,"
    " port INTEGER NOT NULL,"
    " span INTEGER NOT NULL,"
    " bucket INTEGER NOT NULL,"
    " sessions INTEGER NOT NULL,"
    " pkts_c2s INTEGER NOT NULL,"
    " pkts_s2c INTEGER NOT NULL,"
    " bytes_c2s INTEGER NOT NULL,"
    " bytes_s2c INTEGER NOT NULL,"
    " first_ts INTEGER NOT NULL,"
    " last_ts INTEGER NOT NULL,"
    " PRIMARY KEY (client, server, proto, port, span, bucket)) WITHOUT ROWID;"
    "CREATE INDEX edges_server ON edges(server, proto, port);"
    "CREATE INDEX edges_time ON edges(span, bucket);"
    "CREATE TABLE endpoints ("
    " run_id INTEGER NOT NULL,"
    " host INTEGER NOT NULL,"
    " proto INTEGER NOT NULL,"
    " port INTEGER NOT NULL,"
    " sessions INTEGER NOT NULL,"
    " peer_ips INTEGER NOT NULL,"
    " peer_ports INTEGER NOT NULL,"
    " syn_sent INTEGER NOT NULL,"
    " syn_recv INTEGER NOT NULL,"
    " synack_sent INTEGER NOT NULL,"
    " synack_recv INTEGER NOT NULL,"
    " refused INTEGER NOT NULL,"
    " oneway_recv INTEGER NOT NULL,"
    " as_server INTEGER NOT NULL,"
    " as_client INTEGER NOT NULL,"
    " bytes_sent INTEGER NOT NULL,"
    " bytes_recv INTEGER NOT NULL,"
    " PRIMARY KEY (run_id, host, proto, port)) WITHOUT ROWID;"
    "CREATE VIEW edges_v AS SELECT c.ip_text AS client, s.ip_text AS server, e.proto,"
    " e.port, CASE e.span WHEN 0 THEN 'hour' ELSE 'day' END AS span,"
    " datetime(e.bucket, 'unixepoch') AS bucket, e.sessions, e.pkts_c2s, e.pkts_s2c,"
    " e.bytes_c2s, e.bytes_s2c, e.first_ts, e.last_ts"
    " FROM edges e JOIN hosts c ON c.id = e.client JOIN hosts s ON s.id = e.server;"
    "CREATE VIEW services_v AS SELECT h.ip_text AS ip, h.name, v.proto, v.port,"
    " v.sessions, v.packets, v.bytes_in, v.bytes_out,"
    " v.conf_sum / max(v.decisions, 1) AS confidence, v.first_ts, v.last_ts"
    " FROM services v JOIN hosts h ON h.id = v.host;";

/*
 * Schema 2: indexes only, the tables are unchanged (docs/STORE.md "Size").
 * edges_server served no query and was a fifth of the file.  The time
 * indexes serve only the rollup, which reads hour rows (span 0): partial
 * indexes on the hour rows keep it a search while the day rows, the bulk
 * of a long history, carry no index entry at all.
 */
static const char schema_v2[] =
    "DROP INDEX edges_server;"
    "DROP INDEX edges_time;"
    "CREATE INDEX edges_hours ON edges(bucket) WHERE span = 0;"
    "DROP INDEX service_buckets_time;"
    "CREATE INDEX service_buckets_hours ON service_buckets(bucket) WHERE span = 0;";

/*
 * Schema 3: two more facts of an endpoint's evidence, the request/answer
 * exchanges it began and answered (rk_role_requester), so that report
 * --explain from the store weighs what analyze weighed.  Rows of older
 * runs read 0 for both: evidence they did not record.
 */
static const char schema_v3[] =
    "ALTER TABLE endpoints ADD COLUMN opened INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE endpoints ADD COLUMN answered INTEGER NOT NULL DEFAULT 0;";

/*
 * Schema 4: the sessions seen one way only (a one-way mirror), whose
 * other direction's bytes are unknown, not zero (classify.h n_blind_*):
 * services and service_buckets count those with no packet from the
 * client (blind_in) or from the server (blind_out) seen, edges those
 * with no packet client -> server (blind_c2s) or server -> client
 * (blind_s2c).  Summed on upsert and rollup like sessions.  Rows written
 * before read 0: their one-way sessions were not told apart, and their
 * bytes are reported as they were before.  The views show the new
 * columns last.
 */
static const char schema_v4[] =
    "ALTER TABLE services ADD COLUMN blind_in INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE services ADD COLUMN blind_out INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE service_buckets ADD COLUMN blind_in INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE service_buckets ADD COLUMN blind_out INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE edges ADD COLUMN blind_c2s INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE edges ADD COLUMN blind_s2c INTEGER NOT NULL DEFAULT 0;"
    "DROP VIEW edges_v;"
    "DROP VIEW services_v;"
    "CREATE VIEW edges_v AS SELECT c.ip_text AS client, s.ip_text AS server, e.proto,"
    " e.port, CASE e.span WHEN 0 THEN 'hour' ELSE 'day' END AS span,"
    " datetime(e.bucket, 'unixepoch') AS bucket, e.sessions, e.pkts_c2s, e.pkts_s2c,"
    " e.bytes_c2s, e.bytes_s2c, e.first_ts, e.last_ts, e.blind_c2s, e.blind_s2c"
    " FROM edges e JOIN hosts c ON c.id = e.client JOIN hosts s ON s.id = e.server;"
    "CREATE VIEW services_v AS SELECT h.ip_text AS ip, h.name, v.proto, v.port,"
    " v.sessions, v.packets, v.bytes_in, v.bytes_out,"
    " v.conf_sum / max(v.decisions, 1) AS confidence, v.first_ts, v.last_ts,"
    " v.blind_in, v.blind_out"
    " FROM services v JOIN hosts h ON h.id = v.host;";

/* migrations[i] takes the schema from version i to version i + 1. */
static const char *const migrations[] = {
	schema_v1,
	schema_v2,
	schema_v3,
	schema_v4,
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

_Static_assert(N_MIGRATIONS == RK_STORE_SCHEMA, "a migration per schema version");

static int
db_err(sqlite3 *db, const char *path, struct rk_err *err)
{
	return rk_err_set(err, RK_E_IO, "%s: %s", path, sqlite3_errmsg(db));
}

/* One integer pragma's value, or <0 with err set. */
static int
pragma_int(sqlite3 *db, const char *path, const char *sql, int *v, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_err(db, path, err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int(st, 0);
		rc = 0;
	} else {
		rc = db_err(db, path, err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Run step (version -> version + 1) in one transaction. */
static int
apply(sqlite3 *db, const char *path, int version, struct rk_err *err)
{
	char sql[128];
	int rc = 0;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, path, err);
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %d",
	    APP_ID, version + 1);
	if (sqlite3_exec(db, migrations[version], NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(db, path, err);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(db, path, err);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
out:
	return rc;
}

/*
 * Bring db (opened from path, for messages) to RK_STORE_SCHEMA.  A read-only
 * store is only checked: it must be at exactly this version.  Refuses a
 * SQLite file that is not a renkei store, and a store newer than this
 * binary.  Returns 0 or <0 with err set ("renkei.db: ...").  O(schema).
 */
int
rk_store_migrate(sqlite3 *db, const char *path, int rdonly, struct rk_err *err)
{
	int version = 0, app = 0, n_tables = 0, rc;

	if ((rc = pragma_int(db, path, "PRAGMA user_version", &version, err)) < 0 ||
	    (rc = pragma_int(db, path, "PRAGMA application_id", &app, err)) < 0 ||
	    (rc = pragma_int(db, path, "SELECT count(*) FROM sqlite_schema", &n_tables,
	    err)) < 0)
		return rc;
	if (app != APP_ID && (app != 0 || version != 0 || n_tables != 0))
		return rk_err_set(err, RK_E_FORMAT,
		    "%s: a SQLite database, but not a renkei store", path);
	if (version > N_MIGRATIONS)
		return rk_err_set(err, RK_E_FORMAT,
		    "%s: written by a newer renkei (store schema %d; this renkei knows up "
		    "to %d): upgrade renkei", path, version, N_MIGRATIONS);
	if (rdonly && version == 0)
		return rk_err_set(err, RK_E_FORMAT, "%s: an empty file, not a renkei store", path);
	if (rdonly && version < N_MIGRATIONS)
		return rk_err_set(err, RK_E_FORMAT,
		    "%s: store schema %d is older than %d; open it once for writing "
		    "(renkei analyze --db) to upgrade it", path, version, N_MIGRATIONS);
	if (version == N_MIGRATIONS)
		return 0;
	for (int v = version; v < N_MIGRATIONS; v++)
		if ((rc = apply(db, path, v, err)) < 0)
			return rc;
	/* An upgraded store gives back the pages of dropped indexes (auto_vacuum). */
	if (version > 0)
		(void)sqlite3_exec(db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
	return 0;
}

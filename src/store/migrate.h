/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store/migrate.h - private to src/store: the schema and its migrations.
 */
#ifndef RK_STORE_MIGRATE_H
#define RK_STORE_MIGRATE_H

#include <sqlite3.h>

#include "store/store.h"

/* Create or upgrade db's schema to RK_STORE_SCHEMA (check only if rdonly). */
int rk_store_migrate(sqlite3 *db, const char *path, int rdonly, struct rk_err *err);

#endif /* RK_STORE_MIGRATE_H */

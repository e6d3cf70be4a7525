/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/source_store.c - the data source over the store, through the store
 * interface only (store.h: any back end, by URL).
 *
 * Opens the store read-only (RK_STORE_RDONLY: the web server never
 * writes) and loads a time range with rk_store_load into a fresh
 * classifier and names table, owned by the snapshot, and the per-hour
 * traffic of the services (the service page's chart) with
 * rk_store_service_hours.  The version that invalidates cached snapshots
 * is rk_store_version, which changes whenever any process committed to
 * the store; the back end makes it cheap (SQLite: PRAGMA data_version,
 * no table read).
 */
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "web/web_int.h"

struct store_src {
	struct rk_store *st; /* read-only */
	struct rk_names *(*names_new)(void *arg); /* names of a load, may be NULL */
	void *names_arg;
	uint64_t n_unknown;  /* versions that could not be read */
};

/* Add one service-hour of the store to the map arg (struct rk_map of rk_web_hour). */
static int
add_hour(void *arg, const struct rk_ep_key *svc, uint64_t hour, uint64_t bytes, int has_blind)
{
	struct rk_web_hour_key k;
	struct rk_web_hour *h;

	memset(&k, 0, sizeof(k));
	k.svc = *svc;
	k.hour = hour;
	if ((h = rk_map_upsert(arg, &k, NULL)) == NULL)
		return -RK_E_NOMEM;
	h->bytes += bytes;
	h->has_blind |= (uint8_t)(has_blind != 0);
	return 0;
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
	if (rc == 0 && (rc = rk_store_service_hours(ss->st, since_us, until_us, add_hour,
	    &out->hours, err)) == -RK_E_NOMEM)
		rk_err_set(err, RK_E_NOMEM, "out of memory");
	if (rc < 0) {
		release(out);
		return rc;
	}
	return 0;
}

/*
 * The store's change version.  If it cannot be read, a value never given
 * before (top bit set, counting), so no cached snapshot is trusted.
 */
static uint64_t
version(void *user)
{
	struct store_src *ss = user;
	uint64_t v;

	if (rk_store_version(ss->st, &v, NULL) == 0 && (v >> 63) == 0)
		return v;
	return (1ull << 63) | ++ss->n_unknown;
}

static void
store_close(void *user)
{
	struct store_src *ss = user;

	rk_store_close(ss->st);
	free(ss);
}

/* Make src read the store at url (opened read-only now).  0 or <0 with err. */
int
rk_web_store_source(struct rk_web_source *src, const char *url,
    struct rk_names *(*names_new)(void *arg), void *names_arg, struct rk_err *err)
{
	struct store_src *ss = calloc(1, sizeof(*ss));
	int rc;

	if (ss == NULL)
		return rk_err_set(err, RK_E_NOMEM, "out of memory");
	ss->names_new = names_new;
	ss->names_arg = names_arg;
	rc = rk_store_open(&ss->st, url, RK_STORE_RDONLY, err);
	if (rc < 0) {
		free(ss);
		return rc;
	}
	src->load = load;
	src->version = version;
	src->close = store_close;
	src->user = ss;
	return 0;
}

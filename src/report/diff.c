/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report/diff.c - what changed between two time ranges (report --diff):
 * the services and dependencies present in one range's aggregates and not
 * in the other's - new in B, vanished from A - as text or one JSON
 * document (schema 1).
 *
 * Input: two classifiers loaded from the store (any back end: a diff is
 * two rk_store_load calls, no operation of its own) and the report
 * options (names, the --host filter: an edge is kept if either end is
 * admitted).  Everything is sorted by key (report/view.h's order), so the
 * same store gives the same bytes.  O(n log n) in the entries of both
 * ranges; the lists are arrays of borrowed pointers into the classifiers.
 */
#include <stdlib.h>
#include <string.h>

#include "report/view.h"
#include "util/addr.h"
#include "util/human.h"
#include "util/json.h"

enum { NEW_SVC, VANISHED_SVC, NEW_EDGE, LOST_EDGE, N_LISTS };

static const char *const titles[N_LISTS] = {
	"New services (in B, not in A)", "Vanished services (in A, not in B)",
	"New dependencies (in B, not in A)", "Lost dependencies (in A, not in B)",
};
static const char *const keys[N_LISTS] = {
	"new_services", "vanished_services", "new_edges", "lost_edges",
};

/* The four lists; each v[i] malloc'd (borrowed entries), n[i] long. */
struct diff {
	void **v[N_LISTS];
	size_t n[N_LISTS];
};

/* The entries of map `in` missing from map `notin`, admitted by o, sorted; NULL if no memory. */
static void **
missing(const struct rk_map *in, const struct rk_map *notin, int is_edge,
    const struct rk_report_opts *o, size_t *n)
{
	void **v = malloc((in->n_entries + 1) * sizeof(*v));

	*n = 0;
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < in->n_entries; i++) {
		void *e = rk_map_at(in, i);
		int is_admitted = is_edge ?
		    rk_report_view_admits(o, ((struct rk_edge *)e)->key.client) ||
		    rk_report_view_admits(o, ((struct rk_edge *)e)->key.server) :
		    rk_report_view_admits(o, ((struct rk_service *)e)->key.ip);
		if (rk_map_find(notin, e) == NULL && is_admitted)
			v[(*n)++] = e;
	}
	qsort(v, *n, sizeof(*v), is_edge ? rk_report_view_cmp_edge : rk_report_view_cmp_service);
	return v;
}

static void
diff_fini(struct diff *d)
{
	for (int i = 0; i < N_LISTS; i++)
		free(d->v[i]);
}

/* Fill d from ranges a and b.  0 or -RK_E_NOMEM (d then freed). */
static int
diff_init(struct diff *d, const struct rk_classifier *a, const struct rk_classifier *b,
    const struct rk_report_opts *o)
{
	d->v[NEW_SVC] = missing(rk_classify_services(b), rk_classify_services(a), 0, o,
	    &d->n[NEW_SVC]);
	d->v[VANISHED_SVC] = missing(rk_classify_services(a), rk_classify_services(b), 0, o,
	    &d->n[VANISHED_SVC]);
	d->v[NEW_EDGE] = missing(rk_classify_edges(b), rk_classify_edges(a), 1, o,
	    &d->n[NEW_EDGE]);
	d->v[LOST_EDGE] = missing(rk_classify_edges(a), rk_classify_edges(b), 1, o,
	    &d->n[LOST_EDGE]);
	for (int i = 0; i < N_LISTS; i++) {
		if (d->v[i] == NULL) {
			diff_fini(d);
			return -RK_E_NOMEM;
		}
	}
	return 0;
}

/* "tcp/80 (http)" */
static const char *
svc_label(const struct rk_names *names, uint8_t proto, uint16_t port, char *buf, size_t len)
{
	char pb[16];
	const char *name = rk_names_service(names, proto, port);

	snprintf(buf, len, "%s/%u%s%s%s", rk_report_proto_name(proto, pb, sizeof(pb)), port,
	    name ? " (" : "", name ? name : "", name ? ")" : "");
	return buf;
}

static void
list_text(FILE *f, const struct rk_names *names, const char *title, void **v, size_t n,
    int is_edge)
{
	char a1[RK_ADDR_STRLEN], a2[RK_ADDR_STRLEN], lb[96];

	fprintf(f, "\n%s: %zu\n", title, n);
	for (size_t i = 0; i < n; i++) {
		if (is_edge) {
			const struct rk_edge *e = v[i];
			const char *cn = rk_names_host(names, e->key.client);
			const char *sn = rk_names_host(names, e->key.server);
			fprintf(f, "  %-16s %-24s -> %-16s %-24s %s\n",
			    rk_addr_format(e->key.client, a1, sizeof(a1)), cn ? cn : "",
			    rk_addr_format(e->key.server, a2, sizeof(a2)), sn ? sn : "",
			    svc_label(names, e->key.proto, e->key.port, lb, sizeof(lb)));
		} else {
			const struct rk_service *s = v[i];
			const char *hn = rk_names_host(names, s->key.ip);
			fprintf(f, "  %-16s %-24s %-24s %5u %-7s  first %s\n",
			    rk_addr_format(s->key.ip, a1, sizeof(a1)), hn ? hn : "",
			    svc_label(names, s->key.proto, s->key.port, lb, sizeof(lb)),
			    s->n_clients, rk_plural(s->n_clients, "client", "clients"),
			    rk_human_time(s->first_ts, a2, sizeof(a2)));
		}
	}
}

/* A service as the diff lists it: what names it, its clients, sessions, first and last. */
static void
service_json(struct rk_json *j, const struct rk_names *names, const struct rk_service *s)
{
	rk_report_json_service_key(j, names, &s->key);
	rk_json_ku64(j, "clients", s->n_clients);
	rk_json_ku64(j, "sessions", s->n_sessions);
	rk_json_ktime(j, "first", s->first_ts);
	rk_json_ktime(j, "last", s->last_ts);
}

/* A dependency as the diff lists it: what names it, its service's name, sessions, times. */
static void
edge_json(struct rk_json *j, const struct rk_names *names, const struct rk_edge *e)
{
	rk_report_json_edge_key(j, e);
	rk_json_kstr_or_null(j, "name", rk_names_service(names, e->key.proto, e->key.port));
	rk_json_ku64(j, "sessions", e->n_sessions);
	rk_json_ktime(j, "first", e->first_ts);
	rk_json_ktime(j, "last", e->last_ts);
}

static void
list_json(struct rk_json *j, const struct rk_names *names, const char *key, void **v, size_t n,
    int is_edge)
{
	rk_json_key(j, key);
	rk_json_arr(j);
	for (size_t i = 0; i < n; i++) {
		rk_json_obj_inline(j);
		if (is_edge)
			edge_json(j, names, v[i]);
		else
			service_json(j, names, v[i]);
		rk_json_end(j, '}');
	}
	rk_json_end(j, ']');
}

/*
 * The changes from range A (aggregates a, [t[0], t[1])) to range B (b,
 * [t[2], t[3])), 0 = open end, as text: a title line, then the four
 * lists.  Returns 0 or -RK_E_NOMEM.
 */
int
rk_report_diff_text(FILE *f, const struct rk_classifier *a, const struct rk_classifier *b,
    const uint64_t t[4], const struct rk_report_opts *o)
{
	struct diff d;
	char ts[4][64];

	if (diff_init(&d, a, b, o) < 0)
		return -RK_E_NOMEM;
	for (int i = 0; i < 4; i++) {
		if (t[i] == 0)
			strcpy(ts[i], i % 2 ? "end" : "start");
		else
			rk_human_iso(t[i], ts[i], sizeof(ts[i]));
	}
	fprintf(f, "Changes from A [%s, %s) to B [%s, %s)\n", ts[0], ts[1], ts[2], ts[3]);
	for (int i = 0; i < N_LISTS; i++)
		list_text(f, o->names, titles[i], d.v[i], d.n[i], i >= NEW_EDGE);
	diff_fini(&d);
	return 0;
}

/* The same as one JSON document (README.md, "--diff").  0 or -RK_E_NOMEM. */
int
rk_report_diff_json(FILE *f, const struct rk_classifier *a, const struct rk_classifier *b,
    const uint64_t t[4], const struct rk_report_opts *o)
{
	struct diff d;
	struct rk_json j;

	if (diff_init(&d, a, b, o) < 0)
		return -RK_E_NOMEM;
	rk_json_init(&j, f);
	rk_report_json_header(&j, o->version, 1);
	for (int r = 0; r < 2; r++) {
		rk_json_key(&j, r == 0 ? "a" : "b");
		rk_json_obj_inline(&j);
		rk_json_ktime(&j, "since", t[2 * r]);
		rk_json_ktime(&j, "until", t[2 * r + 1]);
		rk_json_end(&j, '}');
	}
	for (int i = 0; i < N_LISTS; i++)
		list_json(&j, o->names, keys[i], d.v[i], d.n[i], i >= NEW_EDGE);
	rk_json_end(&j, '}');
	fputc('\n', f);
	diff_fini(&d);
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/source_pcap.c - a data source that analyses capture files.
 *
 * For the demo and the tests (and until a store exists): each load runs
 * the whole pipeline over the files, as `renkei analyze` does, and keeps
 * its classifier.  The time range is not applied (a capture is one range);
 * the per-hour traffic of each service is taken from the judged sessions
 * (bucketed by the hour of their first packet), one-way ones included: an
 * hour with a session that hid a direction is marked, its bytes a lower
 * bound.  Host names learned from
 * DNS go into the caller's names table, which stays the caller's.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/capture.h"
#include "pipeline/pipeline.h"
#include "web/web_int.h"

struct pcap_src {
	char **files;           /* borrowed */
	int n_files;
	struct rk_names *names; /* borrowed */
};

struct loading {
	struct rk_map *hours;  /* being filled */
	int nomem;
};

static void
on_verdict(void *user, const struct rk_session *s, const struct rk_verdict *v)
{
	struct loading *ld = user;
	struct rk_web_hour_key k;
	struct rk_web_hour *h;

	if (v->kind != RK_SK_ESTABLISHED && v->kind != RK_SK_ONEWAY)
		return;
	memset(&k, 0, sizeof(k));
	memcpy(k.svc.ip, v->server_is_b ? s->key.b : s->key.a, RK_ADDR_LEN);
	k.svc.port = v->service_port != 0 ? v->service_port :
	    v->server_is_b ? s->key.pb : s->key.pa;
	k.svc.proto = s->key.proto;
	k.hour = s->first_ts / 3600000000ull;
	h = rk_map_upsert(ld->hours, &k, NULL);
	if (h == NULL) {
		ld->nomem = 1;
		return;
	}
	h->bytes += s->bytes[0] + s->bytes[1];
	h->has_blind |= s->d[RK_DIR_AB].pkts == 0 || s->d[RK_DIR_BA].pkts == 0;
}

static void
release(struct rk_web_loaded *l)
{
	rk_pipeline_free(l->priv);
	rk_map_fini(&l->hours);
	memset(l, 0, sizeof(*l));
}

static int
load(void *user, uint64_t since_us, uint64_t until_us, struct rk_web_loaded *out,
    struct rk_err *err)
{
	struct pcap_src *ps = user;
	struct rk_pipeline_opts po = {0};
	struct rk_pipeline *p;
	struct loading ld;
	int n_ok = 0;

	(void)since_us;
	(void)until_us;
	memset(out, 0, sizeof(*out));
	rk_map_init(&out->hours, sizeof(struct rk_web_hour_key), sizeof(struct rk_web_hour), 1);
	po.max_sessions = 1000000;
	po.n_threads = 1;
	po.names = ps->names;
	po.learn_dns = ps->names != NULL;
	p = rk_pipeline_new(&po, err);
	if (p == NULL) {
		rk_map_fini(&out->hours);
		return -RK_E_NOMEM;
	}
	ld.hours = &out->hours;
	ld.nomem = 0;
	(void)rk_pipeline_add_verdict_sub(p, on_verdict, &ld);
	/* Every file or none: a report that silently left one out would lie. */
	for (int i = 0; i < ps->n_files; i++) {
		int rc = rk_pipeline_run_file(p, ps->files[i], err);
		if (rc != 0 && rc != -RK_E_TRUNC) {
			rk_pipeline_free(p);
			rk_map_fini(&out->hours);
			return rc;
		}
		n_ok++;
	}
	if (n_ok == 0) {
		rk_pipeline_free(p);
		rk_map_fini(&out->hours);
		return rk_err_set(err, RK_E_IO, "no capture to analyse");
	}
	rk_pipeline_finish(p);
	rk_pipeline_del_verdict_sub(p, on_verdict, &ld);
	out->c = rk_pipeline_classifier(p);
	out->names = ps->names;
	rk_pipeline_get_stats(p, &out->st);
	out->priv = p;
	out->release = release;
	return 0;
}

/* The newest mtime of the files: a rewritten capture is analysed again. */
static uint64_t
version(void *user)
{
	struct pcap_src *ps = user;
	uint64_t v = 0;

	for (int i = 0; i < ps->n_files; i++) {
		struct stat st;
		if (stat(ps->files[i], &st) == 0) {
			uint64_t t = (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
			    (uint64_t)st.st_mtim.tv_nsec;
			if (t > v)
				v = t;
		}
	}
	return v;
}

static void
pcap_close(void *user)
{
	free(user);
}

/* Free a source's state (rk_web_source_close after rk_web_free). */
void
rk_web_source_close(struct rk_web_source *src)
{
	if (src != NULL && src->close != NULL)
		src->close(src->user);
	if (src != NULL)
		memset(src, 0, sizeof(*src));
}

/*
 * Check that each file can be read as a capture now, before serving
 * starts: a missing or unreadable file, or one that is no capture, is an
 * error naming it (the pages would otherwise all fail, or silently leave
 * it out).  Standard input cannot be read again for each new version.
 */
static int
check_files(char **files, int n_files, struct rk_err *err)
{
	for (int i = 0; i < n_files; i++) {
		struct rk_capture *c = NULL;
		int rc;

		if (strcmp(files[i], "-") == 0)
			return rk_err_set(err, RK_E_INVAL, "--pcap -: serve reads its captures again "
			    "when they change; give a file, not standard input");
		rc = rk_capture_open_file(&c, files[i], NULL, err);
		rk_capture_free(c);
		if (rc < 0)
			return rc == -RK_E_TRUNC ? -RK_E_FORMAT : rc; /* cut in its header: unreadable */
	}
	return 0;
}

/*
 * Make src read the capture files (borrowed, as are names, for src's
 * life; rk_web_source_close frees the rest).  0, or <0 with err: a file
 * that cannot be read as a capture (check_files), or out of memory.
 */
int
rk_web_pcap_source(struct rk_web_source *src, char **files, int n_files,
    struct rk_names *names, struct rk_err *err)
{
	struct pcap_src *ps;
	int rc;

	if ((rc = check_files(files, n_files, err)) < 0)
		return rc;
	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return rk_err_set(err, RK_E_NOMEM, "out of memory");
	ps->files = files;
	ps->n_files = n_files;
	ps->names = names;
	src->load = load;
	src->version = version;
	src->close = pcap_close;
	src->user = ps;
	src->is_exclusive = 1; /* loads learn DNS names into the shared table */
	return 0;
}

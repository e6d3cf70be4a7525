/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pipeline/pipeline.c - reader, trackers and integrator (see pipeline.h).
 *
 * Threads and rings (n_threads > 1):
 *
 *   reader thread (the caller)       tracker 0 (also the integrator)   tracker i > 0
 *   --------------------------       -------------------------------   -------------
 *   frame -> decode -> rec           batches -> rk_sess_update         batches -> rk_sess_update
 *   rec -> batches[hash % n]         fold -> classifier                fold -> folds[i] ring
 *                                    folds[i] -> classifier
 *
 * The reader only reads and decodes: on two cores, reading and decoding
 * (about half of the work) and counting plus judging (the other half)
 * each get a core.  Each ring has one producer and one consumer; the head
 * is written only by the producer and the tail only by the consumer, with
 * release/acquire ordering, so no lock is taken anywhere.  A producer that
 * finds a ring full waits (spin, then yield); tracker 0 drains the fold
 * rings whenever it has no batch, so a tracker blocked on a full fold ring
 * always makes progress.  Ring slots are allocated once at start-up.
 *
 * The classifier belongs to tracker 0 while the trackers run.  The reader
 * touches it only when every tracker has taken every batch and tracker 0
 * every fold (quiesce(): at a flush and at the end); the acquire loads of
 * those ring positions order tracker 0's writes before the reader's reads,
 * and the next batch the reader publishes orders the reader's writes
 * before tracker 0's.
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/pipeline.h"
#include "util/bytes.h"
#include "util/hash.h"

#define RK_BATCH 256          /* records per batch */
#define RK_RING_BATCHES 64    /* batches in flight per tracker */
#define RK_FOLD_RING 8192     /* folded sessions in flight per tracker */
#define RK_INLINE_BATCH 64    /* records gathered before the table sees them (1 thread) */
#define RK_ENDED_LINGER_US 10000000ULL /* an ended connection stays 10 s for its last ACKs */

/* A batch of records, or (is_tick) the order to run the flush-time pass. */
struct batch {
	uint32_t n;                 /* records used */
	uint32_t is_tick;           /* 1: after the records, run rk_sess_tick at tick_ts */
	uint64_t tick_ts;           /* µs, packet time of the flush */
	struct rk_rec r[RK_BATCH];  /* the records */
};

/* A session handed from a tracker to the integrator, and why. */
struct fold {
	struct rk_session s;        /* copy */
	uint32_t why;               /* enum rk_fold_why */
	uint32_t pad;
};

struct tracker {
	struct rk_pipeline *p;          /* owner */
	struct rk_sess_table *tbl;      /* owned; touched only by this tracker's thread */
	pthread_t th;                   /* the thread (threaded mode) */
	struct batch *batches;          /* RK_RING_BATCHES slots */
	struct fold *folds;             /* RK_FOLD_RING slots */
	uint64_t last_tick;             /* µs, packet time of the previous flush pass */
	_Alignas(64) _Atomic uint64_t in_head; /* written by the reader */
	_Atomic uint64_t stop;          /* reader: no more batches will come */
	_Alignas(64) _Atomic uint64_t in_tail; /* written by the tracker */
	_Atomic uint64_t out_head;      /* written by the tracker */
	_Atomic uint64_t done;          /* tracker: drained and finished */
	_Alignas(64) _Atomic uint64_t out_tail; /* written by the integrator */
};

struct rk_pipeline {
	struct rk_pipeline_opts o;      /* options (names borrowed) */
	struct rk_decoder dec;          /* reader-side decoder state */
	struct rk_classifier *cls;      /* integrator's classifier */
	struct tracker *tr;             /* n_threads trackers */
	int n_tr;                       /* number of trackers */
	int threaded;                   /* 1 if trackers run on their own threads */
	int started;                    /* threads started */
	int finished;                   /* rk_pipeline_finish ran */
	uint64_t seed;                  /* shard hash key */
	uint64_t next_flush;            /* µs, packet time of the next flush; 0 = not yet set */
	struct rk_pipeline_stats st;    /* counters */
};

static void
relax(unsigned *spins)
{
	struct timespec ts = {0, 50000};

	if (++*spins < 64)
		return;
	if (*spins < 1024)
		sched_yield();
	else
		nanosleep(&ts, NULL);
}

/* Inline mode: count the records gathered so far in the one table. */
static void
flush_inline(struct rk_pipeline *p)
{
	struct batch *b = &p->tr[0].batches[0];

	rk_sess_update_batch(p->tr[0].tbl, b->r, b->n);
	b->n = 0;
}

/* Inline mode: a leaving session goes straight to the classifier. */
static void
fold_inline(void *user, const struct rk_session *s, enum rk_fold_why why)
{
	struct tracker *t = user;

	rk_classify_fold(t->p->cls, s, why);
}

/* Threaded mode: a leaving session goes onto this tracker's fold ring. */
static void
fold_ring(void *user, const struct rk_session *s, enum rk_fold_why why)
{
	struct tracker *t = user;
	uint64_t h = atomic_load_explicit(&t->out_head, memory_order_relaxed);
	unsigned spins = 0;

	while (h - atomic_load_explicit(&t->out_tail, memory_order_acquire) >= RK_FOLD_RING)
		relax(&spins);
	t->folds[h % RK_FOLD_RING].s = *s;
	t->folds[h % RK_FOLD_RING].why = why;
	atomic_store_explicit(&t->out_head, h + 1, memory_order_release);
}

/* The flush-time pass over one tracker's table (in the tracker's thread). */
static void
tracker_tick(struct tracker *t, uint64_t now)
{
	const struct rk_pipeline_opts *o = &t->p->o;
	uint64_t idle = o->idle_us && now > o->idle_us ? now - o->idle_us : 0;
	uint64_t ended = o->idle_us && now > RK_ENDED_LINGER_US ? now - RK_ENDED_LINGER_US : 0;

	rk_sess_tick(t->tbl, idle, ended, t->last_tick);
	t->last_tick = now;
}

/* Integrator (tracker 0): fold what the other trackers have handed over.  Returns sessions taken. */
static size_t
drain_folds(struct rk_pipeline *p)
{
	size_t n = 0;

	for (int i = 1; i < p->n_tr; i++) {
		struct tracker *t = &p->tr[i];
		uint64_t tail = atomic_load_explicit(&t->out_tail, memory_order_relaxed);
		uint64_t head = atomic_load_explicit(&t->out_head, memory_order_acquire);
		for (; tail < head; tail++, n++) {
			const struct fold *f = &t->folds[tail % RK_FOLD_RING];
			rk_classify_fold(p->cls, &f->s, (enum rk_fold_why)f->why);
		}
		atomic_store_explicit(&t->out_tail, tail, memory_order_release);
	}
	return n;
}

/* 1 once every other tracker has finished and its folds are all taken (tracker 0's exit). */
static int
others_done(struct rk_pipeline *p)
{
	for (int i = 1; i < p->n_tr; i++) {
		struct tracker *t = &p->tr[i];
		if (!atomic_load_explicit(&t->done, memory_order_acquire) ||
		    atomic_load_explicit(&t->out_tail, memory_order_relaxed) !=
		    atomic_load_explicit(&t->out_head, memory_order_acquire))
			return 0;
	}
	return 1;
}

static void *
tracker_main(void *arg)
{
	struct tracker *t = arg;
	int is_integrator = t == &t->p->tr[0];
	unsigned spins = 0;

	for (;;) {
		uint64_t tail = atomic_load_explicit(&t->in_tail, memory_order_relaxed);
		if (tail < atomic_load_explicit(&t->in_head, memory_order_acquire)) {
			const struct batch *b = &t->batches[tail % RK_RING_BATCHES];
			rk_sess_update_batch(t->tbl, b->r, b->n);
			if (b->is_tick)
				tracker_tick(t, b->tick_ts);
			if (is_integrator)
				drain_folds(t->p);
			atomic_store_explicit(&t->in_tail, tail + 1, memory_order_release);
			spins = 0;
			continue;
		}
		if (atomic_load_explicit(&t->stop, memory_order_acquire) &&
		    tail == atomic_load_explicit(&t->in_head, memory_order_acquire))
			break;
		if (!is_integrator || drain_folds(t->p) == 0)
			relax(&spins);
	}
	rk_sess_drain(t->tbl);
	if (is_integrator) {
		while (!others_done(t->p)) {
			if (drain_folds(t->p) == 0)
				relax(&spins);
		}
	}
	atomic_store_explicit(&t->done, 1, memory_order_release);
	return NULL;
}

/* Publish tracker t's current batch and wait for a free slot for the next. */
static void
publish(struct tracker *t)
{
	uint64_t h = atomic_load_explicit(&t->in_head, memory_order_relaxed) + 1;
	unsigned spins = 0;

	atomic_store_explicit(&t->in_head, h, memory_order_release);
	while (h - atomic_load_explicit(&t->in_tail, memory_order_acquire) >= RK_RING_BATCHES)
		relax(&spins);
	t->batches[h % RK_RING_BATCHES].n = 0;
	t->batches[h % RK_RING_BATCHES].is_tick = 0;
}

/* The batch tracker t is filling (threaded mode). */
static struct batch *
cur_batch(struct tracker *t)
{
	return &t->batches[atomic_load_explicit(&t->in_head, memory_order_relaxed) %
	    RK_RING_BATCHES];
}

/*
 * Wait until every tracker has taken every batch published and tracker 0
 * every fold handed over: then nothing touches the classifier until the
 * next batch is published, and the caller may use it.
 */
static void
quiesce(struct rk_pipeline *p)
{
	unsigned spins = 0;

	for (int i = 0; i < p->n_tr; i++) {
		struct tracker *t = &p->tr[i];
		while (atomic_load_explicit(&t->in_tail, memory_order_acquire) <
		    atomic_load_explicit(&t->in_head, memory_order_acquire))
			relax(&spins);
	}
	/* No tracker has work left, so no fold can be added: wait for tracker 0 to take them. */
	for (int i = 1; i < p->n_tr; i++) {
		struct tracker *t = &p->tr[i];
		while (atomic_load_explicit(&t->out_tail, memory_order_acquire) <
		    atomic_load_explicit(&t->out_head, memory_order_acquire))
			relax(&spins);
	}
}

/* Judge what was folded and offer the aggregates to the flush callback. */
static void
flush_aggregates(struct rk_pipeline *p, int is_final)
{
	rk_classify_flush(p->cls);
	if (p->o.on_flush != NULL && p->o.on_flush(p->o.flush_user, p, is_final) == 0)
		rk_classify_clear(p->cls);
}

/*
 * The periodic flush at packet time now: every tracker expires idle and
 * ended sessions and hands out checkpoints of live ones; then everything
 * folded is judged and offered to on_flush.  The reader waits for the
 * trackers meanwhile: once per flush interval.
 */
static void
tick(struct rk_pipeline *p, uint64_t now)
{
	if (!p->threaded) {
		flush_inline(p);
		tracker_tick(&p->tr[0], now);
	} else {
		for (int i = 0; i < p->n_tr; i++) {
			struct tracker *t = &p->tr[i];
			struct batch *b = cur_batch(t);
			b->is_tick = 1;
			b->tick_ts = now;
			publish(t);
		}
		quiesce(p);
	}
	flush_aggregates(p, 0);
	if (p->o.idle_us != 0 && now > p->o.idle_us)
		rk_classify_prune(p->cls, now - p->o.idle_us);
	while (p->next_flush <= now)
		p->next_flush += p->o.flush_us;
}

static int
start_threads(struct rk_pipeline *p, struct rk_err *err)
{
	for (int i = 0; i < p->n_tr; i++) {
		if (pthread_create(&p->tr[i].th, NULL, tracker_main, &p->tr[i]) != 0) {
			p->n_tr = i; /* only the started ones are joined */
			return rk_err_set(err, RK_E_NOMEM, "cannot start tracker thread %d", i);
		}
	}
	p->started = 1;
	return 0;
}

/*
 * Create a pipeline.  Allocates the session tables (max_sessions split
 * over the trackers), the rings and the classifier up front.  Returns NULL
 * with err set if memory is short or a thread cannot start.
 */
struct rk_pipeline *
rk_pipeline_new(const struct rk_pipeline_opts *o, struct rk_err *err)
{
	struct rk_pipeline *p = calloc(1, sizeof(*p));
	size_t per;

	if (p == NULL) {
		rk_err_set(err, RK_E_NOMEM, "out of memory");
		return NULL;
	}
	p->o = *o;
	/*
	 * n_threads counts every thread: 1 runs everything in the caller; N > 1
	 * is the reader (the caller) plus N - 1 trackers, one core each.
	 */
	p->threaded = o->n_threads > 1;
	p->n_tr = !p->threaded ? 1 : (o->n_threads > 65 ? 64 : o->n_threads - 1);
	p->seed = rk_hash_seed();
	rk_decoder_init(&p->dec);
	per = (o->max_sessions ? o->max_sessions : 1000000) / (size_t)p->n_tr;
	p->cls = rk_classify_new(o->names, 2 * per * (size_t)p->n_tr, p->seed);
	p->tr = calloc((size_t)p->n_tr, sizeof(*p->tr));
	if (p->cls == NULL || p->tr == NULL)
		goto nomem;
	for (int i = 0; i < p->n_tr; i++) {
		struct tracker *t = &p->tr[i];
		t->p = p;
		/* Tracker 0 is the integrator: its sessions go to the classifier directly. */
		t->tbl = rk_sess_table_new(per, p->seed ^ (uint64_t)i,
		    p->threaded && i > 0 ? fold_ring : fold_inline, t);
		t->batches = calloc(p->threaded ? RK_RING_BATCHES : 1, sizeof(struct batch));
		t->folds = p->threaded && i > 0 ? calloc(RK_FOLD_RING, sizeof(struct fold)) : NULL;
		if (t->tbl == NULL || t->batches == NULL || (p->threaded && i > 0 && t->folds == NULL))
			goto nomem;
	}
	if (p->threaded && start_threads(p, err) < 0) {
		rk_pipeline_free(p);
		return NULL;
	}
	return p;
nomem:
	rk_err_set(err, RK_E_NOMEM, "out of memory for %zu sessions", o->max_sessions);
	rk_pipeline_free(p);
	return NULL;
}

/* Learn names from a DNS response carried by r (sent from port 53). */
static void
learn_dns(struct rk_pipeline *p, const struct rk_rec *r, const struct rk_payload *pl)
{
	if (!p->o.learn_dns || p->o.names == NULL || r->sport != 53 || pl->len < 12)
		return;
	if (r->proto == RK_PROTO_UDP)
		(void)rk_names_learn_dns(p->o.names, pl->data, pl->len, 0);
	else if (r->proto == RK_PROTO_TCP)
		(void)rk_names_learn_dns(p->o.names, pl->data, pl->len, 1);
}

/* One frame from the capture: decode, learn names, hand on to its tracker. */
static void
on_frame(void *user, const struct rk_frame *f)
{
	struct rk_pipeline *p = user;
	struct rk_payload pl = {NULL, 0};
	struct rk_rec r;
	struct tracker *t;
	struct batch *b;

	if (p->st.first_ts == 0 || f->ts < p->st.first_ts)
		p->st.first_ts = f->ts;
	if (f->ts > p->st.last_ts)
		p->st.last_ts = f->ts;
	if (p->o.flush_us != 0) {
		if (p->next_flush == 0)
			p->next_flush = f->ts + p->o.flush_us;
		else if (rk_unlikely(f->ts >= p->next_flush))
			tick(p, f->ts);
	}
	if (rk_decode_frame(&p->dec, f->linktype, f->data, f->caplen, f->ts, &r, &pl) !=
	    RK_DECODE_OK)
		return;
	p->st.n_records++;
	learn_dns(p, &r, &pl);
	if (!p->threaded) {
		/* Inline: gather a batch so the table lookups can be prefetched. */
		b = &p->tr[0].batches[0];
		b->r[b->n++] = r;
		if (b->n == RK_INLINE_BATCH)
			flush_inline(p);
		return;
	}
	t = &p->tr[rk_sess_rec_hash(&r, p->seed) % (uint64_t)p->n_tr];
	b = cur_batch(t);
	b->r[b->n++] = r;
	if (b->n == RK_BATCH)
		publish(t);
}

/*
 * Read one capture to its end through the pipeline.  Returns 0, or <0 with
 * err set: -RK_E_TRUNC means the file ended mid-record and everything
 * before the cut was analysed; other codes mean it could not be read.
 */
int
rk_pipeline_run_file(struct rk_pipeline *p, const char *path, struct rk_err *err)
{
	struct rk_capture *c = NULL;
	struct rk_capture_stats cs;
	int rc;

	rc = rk_capture_open_file(&c, path, p->o.bpf, err);
	if (rc < 0)
		return rc;
	p->st.n_files++;
	while ((rc = rk_capture_dispatch(c, 4096, on_frame, p, err)) > 0)
		;
	if (rc == -RK_E_TRUNC)
		p->st.n_truncated++;
	rk_capture_get_stats(c, &cs);
	p->st.n_frames += cs.n_frames;
	p->st.n_bytes += cs.n_bytes;
	p->st.n_filtered += cs.n_filtered;
	p->st.n_kernel_drops += cs.n_drops;
	rk_capture_free(c);
	return rc < 0 ? rc : 0;
}

/* Wall clock in µs (live sources only: files run on packet time). */
static uint64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Sum the live sources' counters on top of what earlier inputs counted. */
static void
live_stats(struct rk_pipeline *p, const struct rk_pipeline_stats *base,
    struct rk_capture **srcs, int n)
{
	p->st.n_frames = base->n_frames;
	p->st.n_bytes = base->n_bytes;
	p->st.n_filtered = base->n_filtered;
	p->st.n_kernel_drops = base->n_kernel_drops;
	for (int i = 0; i < n; i++) {
		struct rk_capture_stats cs;
		rk_capture_get_stats(srcs[i], &cs);
		p->st.n_frames += cs.n_frames;
		p->st.n_bytes += cs.n_bytes;
		p->st.n_filtered += cs.n_filtered;
		p->st.n_kernel_drops += cs.n_drops + cs.n_ifdrops;
	}
}

/*
 * Read live sources until *stop is set or every source has failed (see
 * pipeline.h).  One thread polls every source; frames from all of them go
 * through the same decoder and trackers, so the two halves of a
 * conversation seen on two interfaces meet in one session.  Flushes run
 * on packet time, and on the clock when the link is quiet.
 */
int
rk_pipeline_run_live(struct rk_pipeline *p, struct rk_capture **srcs, int n_srcs,
    volatile sig_atomic_t *stop, rk_pipeline_status_cb status_cb, void *user,
    struct rk_err *err)
{
	struct pollfd pfd[64];
	struct rk_pipeline_stats base = p->st;
	int alive = n_srcs, failed[64] = {0};
	uint64_t next_status = wall_us() + 1000000;

	if (n_srcs < 1 || n_srcs > 64)
		return rk_err_set(err, RK_E_INVAL, "between 1 and 64 interfaces, not %d", n_srcs);
	for (int i = 0; i < n_srcs; i++) {
		pfd[i].fd = rk_capture_fd(srcs[i]);
		pfd[i].events = POLLIN;
	}
	while (!*stop && alive > 0) {
		uint64_t now;
		int got = 0;
		(void)poll(pfd, (nfds_t)n_srcs, 200);
		for (int i = 0; i < n_srcs && !*stop; i++) {
			int rc;
			if (failed[i])
				continue;
			rc = rk_capture_dispatch(srcs[i], 4096, on_frame, p, err);
			if (rc < 0) {
				failed[i] = 1;
				alive--;
			}
			got += rc > 0;
		}
		now = wall_us();
		if (!got && p->o.flush_us != 0) {
			/* A quiet link: let the clock move packet time on. */
			uint64_t t = now > p->st.last_ts ? now : p->st.last_ts;
			if (p->next_flush == 0)
				p->next_flush = t + p->o.flush_us;
			else if (t >= p->next_flush)
				tick(p, t);
		}
		if (now >= next_status) {
			live_stats(p, &base, srcs, n_srcs);
			if (status_cb != NULL) {
				struct rk_pipeline_stats st;
				rk_pipeline_get_stats(p, &st);
				status_cb(user, &st);
			}
			next_status = now + 1000000;
		}
	}
	live_stats(p, &base, srcs, n_srcs);
	return alive > 0 || *stop ? 0 : -RK_E_IO;
}

/*
 * End of input: hand every tracker's sessions to the classifier and judge
 * them.  Joins the tracker threads.  Idempotent.
 */
void
rk_pipeline_finish(struct rk_pipeline *p)
{
	if (p->finished)
		return;
	p->finished = 1;
	if (!p->threaded) {
		flush_inline(p);
		rk_sess_drain(p->tr[0].tbl);
	} else {
		for (int i = 0; i < p->n_tr; i++) {
			struct tracker *t = &p->tr[i];
			if (cur_batch(t)->n > 0)
				publish(t);
			atomic_store_explicit(&t->stop, 1, memory_order_release);
		}
		/* Tracker 0 finishes last, once it has taken every other tracker's folds. */
		for (int i = 0; i < p->n_tr; i++)
			pthread_join(p->tr[i].th, NULL);
		p->started = 0;
	}
	flush_aggregates(p, 1);
}

struct rk_classifier *
rk_pipeline_classifier(struct rk_pipeline *p)
{
	return p->cls;
}

/* Counters of the reader, the decoder and all session tables (summed). */
void
rk_pipeline_get_stats(const struct rk_pipeline *p, struct rk_pipeline_stats *st)
{
	*st = p->st;
	memcpy(st->decode, p->dec.stats, sizeof(st->decode));
	memset(&st->sess, 0, sizeof(st->sess));
	for (int i = 0; i < p->n_tr; i++) {
		struct rk_sess_stats s;
		if (p->tr[i].tbl == NULL)
			continue;
		rk_sess_get_stats(p->tr[i].tbl, &s);
		st->sess.n_packets += s.n_packets;
		st->sess.n_created += s.n_created;
		st->sess.n_evicted += s.n_evicted;
		st->sess.n_reused += s.n_reused;
		st->sess.n_expired += s.n_expired;
		st->sess.n_live += s.n_live;
		st->sess.max_live += s.max_live;
		st->sess.mem_bytes += s.mem_bytes;
	}
}

/* Stop the trackers (if running) and free everything.  NULL is a no-op. */
void
rk_pipeline_free(struct rk_pipeline *p)
{
	if (p == NULL)
		return;
	if (p->started) {
		for (int i = 0; i < p->n_tr; i++)
			atomic_store_explicit(&p->tr[i].stop, 1, memory_order_release);
		for (int i = 0; i < p->n_tr; i++) {
			/* Unblock a tracker waiting on its fold ring, then join it. */
			while (!atomic_load_explicit(&p->tr[i].done, memory_order_acquire))
				atomic_store_explicit(&p->tr[i].out_tail,
				    atomic_load_explicit(&p->tr[i].out_head, memory_order_acquire),
				    memory_order_release);
			pthread_join(p->tr[i].th, NULL);
		}
	}
	for (int i = 0; p->tr != NULL && i < p->n_tr; i++) {
		rk_sess_table_free(p->tr[i].tbl);
		free(p->tr[i].batches);
		free(p->tr[i].folds);
	}
	free(p->tr);
	rk_classify_free(p->cls);
	free(p);
}

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

#include "decode/peek.h"
#include "pipeline/pipeline.h"
#include "util/bytes.h"
#include "util/hash.h"

#define RK_BATCH 256          /* records per batch */
#define RK_RING_BATCHES 64    /* batches in flight per tracker */
#define RK_FOLD_RING 8192     /* folded sessions in flight per tracker */
#define RK_INLINE_BATCH 64    /* records gathered before the table sees them (1 thread) */
#define RK_STAGE 32           /* records a reader decodes before sending them on */
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

/* Batches from one reader to one tracker: a single-producer, single-consumer ring. */
struct inring {
	struct batch *batches;                /* RK_RING_BATCHES slots (1 in inline mode) */
	_Alignas(64) _Atomic uint64_t head;   /* written by the reader */
	_Alignas(64) _Atomic uint64_t tail;   /* written by the tracker */
};

struct tracker {
	struct rk_pipeline *p;          /* owner */
	struct rk_sess_table *tbl;      /* owned; touched only by this tracker's thread */
	pthread_t th;                   /* the thread (threaded mode) */
	struct inring *in;              /* one ring per reader */
	struct fold *folds;             /* RK_FOLD_RING slots */
	uint64_t last_tick;             /* µs, packet time of the previous flush pass */
	_Alignas(64) _Atomic uint64_t stop; /* reader 0: no more batches will come */
	_Atomic uint64_t out_head;      /* written by the tracker */
	_Atomic uint64_t done;          /* tracker: drained and finished */
	_Alignas(64) _Atomic uint64_t out_tail; /* written by the integrator */
};

/*
 * A reader: frames -> decode -> batches.  Reader 0 is the caller's thread
 * and the only one for files; live, with several sockets per interface
 * in a fanout group, reader k runs on its own thread and reads socket k of
 * every interface.  Its counters are written by its thread only (relaxed
 * atomics, so the status line may read them at any time).
 */
struct reader {
	struct rk_pipeline *p;          /* owner */
	int id;                         /* index: its ring in every tracker */
	pthread_t th;                   /* the thread (readers > 0, live) */
	struct rk_decoder dec;          /* its decoder (fragments, counters) */
	struct rk_capture **srcs;       /* live sources it reads (borrowed) */
	int n_srcs;                     /* how many */
	_Atomic uint64_t n_records;     /* frames decoded into records */
	_Atomic uint64_t first_ts;      /* µs, first frame (0 if none) */
	_Atomic uint64_t last_ts;       /* µs, latest frame */
	_Atomic int n_alive;            /* its sources still working */
	_Alignas(64) _Atomic uint64_t ack; /* the last pause it obeyed */
	_Atomic int exited;             /* its thread has left its loop */
	/*
	 * Records are decoded here and copied to their tracker's batch a few
	 * frames later: copying a record just written by the decoder's narrow
	 * stores with wide loads stalls until the stores reach the cache (the
	 * store buffer cannot forward them) - on the reader, the largest stall
	 * perf showed.  By the time a stage is sent on, they have.
	 */
	int n_stage;                    /* records in stage */
	struct rk_rec stage[RK_STAGE];
};

/* A registered fold sink (rk_pipeline_add_fold_sink). */
struct fold_sink {
	rk_sess_fold_cb cb;             /* called on the integrator's thread */
	void *user;                     /* its argument */
};

struct rk_pipeline {
	struct rk_pipeline_opts o;      /* options (names borrowed) */
	struct rk_classifier *cls;      /* integrator's classifier: fold sink 0 */
	struct fold_sink sinks[RK_PIPELINE_MAX_SINKS]; /* where folded sessions go, in order */
	int n_sinks;                    /* sinks[0, n_sinks) are in use */
	struct tracker *tr;             /* n_threads trackers */
	int n_tr;                       /* number of trackers */
	struct reader *rd;              /* n_rd readers; rd[0] is the caller */
	int n_rd;                       /* number of readers */
	int threaded;                   /* 1 if trackers run on their own threads */
	int started;                    /* threads started */
	int finished;                   /* rk_pipeline_finish ran */
	uint64_t seed;                  /* shard hash key */
	const struct rk_capture *cur;   /* the file rk_pipeline_run_file is reading, or NULL:
	                                 * its frames count in rk_pipeline_get_stats */
	uint64_t next_flush;            /* µs, packet time of the next flush; 0 = not yet set */
	struct rk_pipeline_stats st;    /* counters of the inputs (frames, bytes, files) */
	pthread_mutex_t names_lock;     /* DNS learning from several readers */
	_Alignas(64) _Atomic uint64_t pause; /* reader 0: the others stop at this epoch */
	_Atomic uint64_t resume;        /* reader 0: ... and go on once it is reached */
	_Atomic int readers_stop;       /* reader 0: the others leave */
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
	struct batch *b = &p->tr[0].in[0].batches[0];

	rk_sess_update_batch(p->tr[0].tbl, b->r, b->n);
	b->n = 0;
}

/* A session leaving a table goes to every fold sink, in the order they were added. */
static void
deliver(struct rk_pipeline *p, const struct rk_session *s, enum rk_fold_why why)
{
	for (int i = 0; i < p->n_sinks; i++)
		p->sinks[i].cb(p->sinks[i].user, s, why);
}

/* Inline mode: a leaving session goes straight to the sinks. */
static void
fold_inline(void *user, const struct rk_session *s, enum rk_fold_why why)
{
	struct tracker *t = user;

	deliver(t->p, s, why);
}

/* Fold sink 0: the classifier. */
static void
fold_classifier(void *user, const struct rk_session *s, enum rk_fold_why why)
{
	rk_classify_fold(user, s, why);
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
			deliver(p, &f->s, (enum rk_fold_why)f->why);
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

/* Count the batch at the tail of ring q (one is there) and take it off. */
static void
take_batch(struct tracker *t, struct inring *q, uint64_t tail)
{
	const struct batch *b = &q->batches[tail % RK_RING_BATCHES];

	rk_sess_update_batch(t->tbl, b->r, b->n);
	if (b->is_tick) {
		/*
		 * A flush (from reader 0): the other readers are paused and have
		 * published all they had (never a flush); count that first, then
		 * run the pass.
		 */
		for (int r = 1; r < t->p->n_rd; r++) {
			struct inring *o = &t->in[r];
			uint64_t ot;
			while ((ot = atomic_load_explicit(&o->tail, memory_order_relaxed)) <
			    atomic_load_explicit(&o->head, memory_order_acquire))
				take_batch(t, o, ot);
		}
		tracker_tick(t, b->tick_ts);
	}
	atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
}

/* One batch from each reader that has one.  Returns the number taken. */
static int
take_round(struct tracker *t)
{
	int n = 0;

	for (int r = 0; r < t->p->n_rd; r++) {
		struct inring *q = &t->in[r];
		uint64_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
		if (tail < atomic_load_explicit(&q->head, memory_order_acquire)) {
			take_batch(t, q, tail);
			n++;
		}
	}
	return n;
}

/* 1 if no reader has a batch waiting for t. */
static int
rings_empty(struct tracker *t)
{
	for (int r = 0; r < t->p->n_rd; r++)
		if (atomic_load_explicit(&t->in[r].tail, memory_order_relaxed) <
		    atomic_load_explicit(&t->in[r].head, memory_order_acquire))
			return 0;
	return 1;
}

static void *
tracker_main(void *arg)
{
	struct tracker *t = arg;
	int is_integrator = t == &t->p->tr[0];
	unsigned spins = 0;

	for (;;) {
		if (take_round(t) > 0) {
			if (is_integrator)
				drain_folds(t->p);
			spins = 0;
			continue;
		}
		if (atomic_load_explicit(&t->stop, memory_order_acquire) && rings_empty(t))
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

/* Publish the batch ring q is filling and wait for a free slot for the next. */
static void
publish(struct inring *q)
{
	uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed) + 1;
	unsigned spins = 0;

	atomic_store_explicit(&q->head, h, memory_order_release);
	while (h - atomic_load_explicit(&q->tail, memory_order_acquire) >= RK_RING_BATCHES)
		relax(&spins);
	q->batches[h % RK_RING_BATCHES].n = 0;
	q->batches[h % RK_RING_BATCHES].is_tick = 0;
}

/* The batch ring q is filling (threaded mode). */
static struct batch *
cur_batch(struct inring *q)
{
	return &q->batches[atomic_load_explicit(&q->head, memory_order_relaxed) % RK_RING_BATCHES];
}

/* Send reader rd's staged records to the batches of their trackers. */
static void
send_stage(struct reader *rd)
{
	struct rk_pipeline *p = rd->p;

	for (int i = 0; i < rd->n_stage; i++) {
		const struct rk_rec *r = &rd->stage[i];
		struct inring *q = &p->tr[rk_sess_rec_hash(r, p->seed) % (uint64_t)p->n_tr].in[rd->id];
		struct batch *b = cur_batch(q);
		b->r[b->n++] = *r;
		if (b->n == RK_BATCH)
			publish(q);
	}
	rd->n_stage = 0;
}

/* Publish what reader rd has gathered for every tracker. */
static void
publish_partial(struct reader *rd)
{
	send_stage(rd);
	for (int i = 0; i < rd->p->n_tr; i++) {
		struct inring *q = &rd->p->tr[i].in[rd->id];
		if (cur_batch(q)->n > 0)
			publish(q);
	}
}

/*
 * Wait until every tracker has taken every batch published and tracker 0
 * every fold handed over: then nothing touches the classifier until the
 * next batch is published, and the caller may use it.  The other readers
 * must be paused (pause_readers).
 */
static void
quiesce(struct rk_pipeline *p)
{
	unsigned spins = 0;

	for (int i = 0; i < p->n_tr; i++) {
		for (int r = 0; r < p->n_rd; r++) {
			struct inring *q = &p->tr[i].in[r];
			while (atomic_load_explicit(&q->tail, memory_order_acquire) <
			    atomic_load_explicit(&q->head, memory_order_acquire))
				relax(&spins);
		}
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
 * Stop the other readers (live, several sockets per interface) where they
 * are: each publishes what it has gathered and waits.  Reader 0 only.
 */
static void
pause_readers(struct rk_pipeline *p)
{
	uint64_t epoch = atomic_load_explicit(&p->pause, memory_order_relaxed) + 1;
	unsigned spins = 0;

	if (p->n_rd < 2)
		return;
	atomic_store_explicit(&p->pause, epoch, memory_order_release);
	for (int r = 1; r < p->n_rd; r++) {
		struct reader *rd = &p->rd[r];
		while (atomic_load_explicit(&rd->ack, memory_order_acquire) < epoch &&
		    !atomic_load_explicit(&rd->exited, memory_order_acquire))
			relax(&spins);
	}
}

static void
resume_readers(struct rk_pipeline *p)
{
	if (p->n_rd > 1)
		atomic_store_explicit(&p->resume, atomic_load_explicit(&p->pause,
		    memory_order_relaxed), memory_order_release);
}

/*
 * The periodic flush at packet time now: every tracker expires idle and
 * ended sessions and hands out checkpoints of live ones; then everything
 * folded is judged and offered to on_flush.  The readers wait for the
 * trackers meanwhile: once per flush interval.
 */
static void
tick(struct rk_pipeline *p, uint64_t now)
{
	if (!p->threaded) {
		flush_inline(p);
		tracker_tick(&p->tr[0], now);
	} else {
		send_stage(&p->rd[0]);
		pause_readers(p);
		for (int i = 0; i < p->n_tr; i++) {
			struct inring *q = &p->tr[i].in[0];
			struct batch *b = cur_batch(q);
			b->is_tick = 1;
			b->tick_ts = now;
			publish(q);
		}
		quiesce(p);
	}
	flush_aggregates(p, 0);
	if (p->o.idle_us != 0 && now > p->o.idle_us)
		rk_classify_prune(p->cls, now - p->o.idle_us);
	while (p->next_flush <= now)
		p->next_flush += p->o.flush_us;
	if (p->threaded)
		resume_readers(p);
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

/* The rings from every reader to tracker t.  Returns 0 or -1 (out of memory). */
static int
alloc_rings(struct rk_pipeline *p, struct tracker *t)
{
	t->in = calloc((size_t)p->n_rd, sizeof(*t->in));
	if (t->in == NULL)
		return -1;
	for (int r = 0; r < p->n_rd; r++) {
		t->in[r].batches = calloc(p->threaded ? RK_RING_BATCHES : 1, sizeof(struct batch));
		if (t->in[r].batches == NULL)
			return -1;
	}
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
	pthread_mutex_init(&p->names_lock, NULL);
	/*
	 * n_threads counts the trackers' threads and reader 0: 1 runs
	 * everything in the caller; N > 1 is the reader (the caller) plus
	 * N - 1 trackers, one core each.  Live, n_readers > 1 adds readers.
	 */
	p->threaded = o->n_threads > 1;
	p->n_tr = !p->threaded ? 1 : (o->n_threads > 65 ? 64 : o->n_threads - 1);
	p->n_rd = !p->threaded || o->n_readers < 2 ? 1 : (o->n_readers > 64 ? 64 : o->n_readers);
	p->seed = rk_hash_seed();
	per = (o->max_sessions ? o->max_sessions : 1000000) / (size_t)p->n_tr;
	p->cls = rk_classify_new(o->names, 2 * per * (size_t)p->n_tr, p->seed);
	p->tr = calloc((size_t)p->n_tr, sizeof(*p->tr));
	p->rd = calloc((size_t)p->n_rd, sizeof(*p->rd));
	if (p->cls == NULL || p->tr == NULL || p->rd == NULL)
		goto nomem;
	(void)rk_pipeline_add_fold_sink(p, fold_classifier, p->cls);
	for (int r = 0; r < p->n_rd; r++) {
		p->rd[r].p = p;
		p->rd[r].id = r;
		rk_decoder_init(&p->rd[r].dec);
	}
	for (int i = 0; i < p->n_tr; i++) {
		struct tracker *t = &p->tr[i];
		t->p = p;
		/* Tracker 0 is the integrator: its sessions go to the classifier directly. */
		t->tbl = rk_sess_table_new(per, p->seed ^ (uint64_t)i,
		    p->threaded && i > 0 ? fold_ring : fold_inline, t);
		t->folds = p->threaded && i > 0 ? calloc(RK_FOLD_RING, sizeof(struct fold)) : NULL;
		/* Reap ended connections early where the classifier has its own thread. */
		if (t->tbl != NULL)
			rk_sess_set_linger(t->tbl, RK_ENDED_LINGER_US, p->threaded);
		if (t->tbl == NULL || alloc_rings(p, t) < 0 || (p->threaded && i > 0 && t->folds == NULL))
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
	if (!p->o.learn_dns || p->o.names == NULL || r->sport != 53 || pl->len < 12 ||
	    (r->proto != RK_PROTO_UDP && r->proto != RK_PROTO_TCP))
		return;
	/* Several readers (live): one at a time.  A DNS answer, not every packet. */
	if (p->n_rd > 1)
		pthread_mutex_lock(&p->names_lock);
	(void)rk_names_learn_dns(p->o.names, pl->data, pl->len, r->proto == RK_PROTO_TCP);
	if (p->n_rd > 1)
		pthread_mutex_unlock(&p->names_lock);
}

/* A frame's time in the reader's counters (its thread only writes them). */
static inline void
note_time(struct reader *rd, uint64_t ts)
{
	uint64_t first = atomic_load_explicit(&rd->first_ts, memory_order_relaxed);

	if (first == 0 || ts < first)
		atomic_store_explicit(&rd->first_ts, ts, memory_order_relaxed);
	if (ts > atomic_load_explicit(&rd->last_ts, memory_order_relaxed))
		atomic_store_explicit(&rd->last_ts, ts, memory_order_relaxed);
}

/* One frame from the capture: decode, learn names, hand on to its tracker. */
static void
on_frame(void *user, const struct rk_frame *f)
{
	struct reader *rd = user;
	struct rk_pipeline *p = rd->p;
	struct rk_payload pl = {NULL, 0};
	struct rk_rec *r;
	struct batch *b;

	note_time(rd, f->ts);
	/* Reader 0 runs the flushes; the others are paused meanwhile. */
	if (p->o.flush_us != 0 && rd->id == 0) {
		if (p->next_flush == 0)
			p->next_flush = f->ts + p->o.flush_us;
		else if (rk_unlikely(f->ts >= p->next_flush))
			tick(p, f->ts);
	}
	/* Decode in place: into the inline batch, or into the stage. */
	b = &p->tr[0].in[0].batches[0];
	r = p->threaded ? &rd->stage[rd->n_stage] : &b->r[b->n];
	if (rk_decode_frame(&rd->dec, f->linktype, f->data, f->caplen, f->ts, r, &pl) !=
	    RK_DECODE_OK)
		return;
	atomic_store_explicit(&rd->n_records,
	    atomic_load_explicit(&rd->n_records, memory_order_relaxed) + 1, memory_order_relaxed);
	learn_dns(p, r, &pl);
	/* Not the datagram an ICMP error quotes: its sender is the other side. */
	if (p->o.peek && pl.len > 0 && (r->flags & (RK_REC_PAYLOAD | RK_REC_UNREACH)) == RK_REC_PAYLOAD)
		r->flags |= (uint8_t)rk_peek(r->proto, r->sport, r->dport, pl.data, pl.len);
	if (!p->threaded) {
		/* Inline: gather a batch so the table lookups can be prefetched. */
		if (++b->n == RK_INLINE_BATCH)
			flush_inline(p);
	} else if (++rd->n_stage == RK_STAGE) {
		send_stage(rd);
	}
}

/*
 * Tell on_progress how far the file c (opened from path) has been read:
 * between batches only, so the frame loop never sees it.  O(1), at most
 * one lseek (rk_capture_get_position).
 */
static void
report_progress(struct rk_pipeline *p, const struct rk_capture *c, const char *path)
{
	struct rk_pipeline_progress pg;
	struct rk_capture_position pos;
	struct rk_capture_stats cs;

	rk_capture_get_stats(c, &cs);
	rk_capture_get_position(c, &pos);
	pg.path = path;
	pg.n_frames = p->st.n_frames + cs.n_frames;
	pg.n_bytes = p->st.n_bytes + cs.n_bytes;
	pg.offset = pos.offset;
	pg.size = pos.size;
	p->o.on_progress(p->o.progress_user, &pg);
}

/*
 * A file none of whose frames renkei could decode for their link type
 * (n_unsupported of n_frames; a file of headers only counts by its first
 * interface) is no input at all: -RK_E_LINKTYPE with err naming the type,
 * rather than an empty report that looks like a quiet network.  0 if any
 * frame was of a link type renkei decodes.
 */
static int
check_linktype(const struct rk_capture *c, uint64_t n_frames, uint64_t n_unsupported,
    struct rk_err *err)
{
	int lt = rk_capture_linktype(c);
	char name[64];

	if (n_unsupported < n_frames || (n_frames == 0 && (lt < 0 || rk_decode_linktype_ok(lt))))
		return 0;
	return rk_err_set(err, RK_E_LINKTYPE, "%s: link type %s (%d) is not one renkei decodes "
	    "(it reads Ethernet, Linux cooked SLL/SLL2, raw IP, BSD loopback, PPP, Cisco HDLC, "
	    "FDDI, 802.11, NFLOG)", rk_capture_name(c), rk_capture_linktype_name(lt, name,
	    sizeof(name)), lt);
}

/*
 * Read one capture to its end through the pipeline.  Returns 0, or <0 with
 * err set: -RK_E_TRUNC means the file ended mid-record and everything
 * before the cut was analysed; -RK_E_LINKTYPE that it was read but none
 * of its frames is of a link type renkei decodes (check_linktype); other
 * codes mean it could not be read.
 */
int
rk_pipeline_run_file(struct rk_pipeline *p, const char *path, struct rk_err *err)
{
	struct rk_capture *c = NULL;
	struct rk_capture_stats cs;
	uint64_t unsupported;
	int rc;

	rc = rk_capture_open_file(&c, path, p->o.bpf, err);
	if (rc == -RK_E_TRUNC)
		return -RK_E_FORMAT; /* cut in its header: nothing of it can be read */
	if (rc < 0)
		return rc;
	p->st.n_files++;
	unsupported = p->rd[0].dec.stats[RK_DSTAT_LINK_UNSUPPORTED];
	p->cur = c;
	while ((rc = rk_capture_dispatch(c, 4096, on_frame, &p->rd[0], err)) > 0) {
		if (p->o.on_progress != NULL)
			report_progress(p, c, path);
	}
	p->cur = NULL;
	if (rc == -RK_E_TRUNC)
		p->st.n_truncated++;
	rk_capture_get_stats(c, &cs);
	p->st.n_frames += cs.n_frames;
	p->st.n_bytes += cs.n_bytes;
	p->st.n_filtered += cs.n_filtered;
	p->st.n_kernel_drops += cs.n_drops;
	if (rc >= 0)
		rc = check_linktype(c, cs.n_frames,
		    p->rd[0].dec.stats[RK_DSTAT_LINK_UNSUPPORTED] - unsupported, err);
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

/* Packet time: the latest frame any reader has seen. */
static uint64_t
packet_time(const struct rk_pipeline *p)
{
	uint64_t t = 0;

	for (int r = 0; r < p->n_rd; r++) {
		uint64_t v = atomic_load_explicit(&p->rd[r].last_ts, memory_order_relaxed);
		t = v > t ? v : t;
	}
	return t;
}

/* Poll descriptors for a reader's sources. */
static void
watch_sources(const struct reader *rd, struct pollfd *pfd)
{
	for (int i = 0; i < rd->n_srcs; i++) {
		pfd[i].fd = rk_capture_fd(rd->srcs[i]);
		pfd[i].events = POLLIN;
	}
}

/*
 * One pass over a reader's sources: wait up to timeout_ms for any to be
 * ready, then dispatch every working one.  A source that fails is left
 * alone from then on.  Returns the number that handed frames on.
 */
static int
read_sources(struct reader *rd, struct pollfd *pfd, int *failed, int timeout_ms,
    struct rk_err *err)
{
	int got = 0;

	(void)poll(pfd, (nfds_t)rd->n_srcs, timeout_ms);
	for (int i = 0; i < rd->n_srcs; i++) {
		int rc;
		if (failed[i])
			continue;
		rc = rk_capture_dispatch(rd->srcs[i], 4096, on_frame, rd, err);
		if (rc < 0) {
			failed[i] = 1;
			atomic_fetch_sub_explicit(&rd->n_alive, 1, memory_order_relaxed);
		}
		got += rc > 0;
	}
	return got;
}

/* A reader k > 0 (live): read its sources until told to leave, pausing for flushes. */
static void *
reader_main(void *arg)
{
	struct reader *rd = arg;
	struct rk_pipeline *p = rd->p;
	struct pollfd pfd[64];
	int failed[64] = {0};
	struct rk_err err = {0};

	watch_sources(rd, pfd);
	while (!atomic_load_explicit(&p->readers_stop, memory_order_acquire) &&
	    atomic_load_explicit(&rd->n_alive, memory_order_relaxed) > 0) {
		uint64_t want;
		(void)read_sources(rd, pfd, failed, 50, &err);
		want = atomic_load_explicit(&p->pause, memory_order_acquire);
		if (want > atomic_load_explicit(&rd->ack, memory_order_relaxed)) {
			unsigned spins = 0;
			publish_partial(rd);
			atomic_store_explicit(&rd->ack, want, memory_order_release);
			while (atomic_load_explicit(&p->resume, memory_order_acquire) < want &&
			    !atomic_load_explicit(&p->readers_stop, memory_order_acquire))
				relax(&spins);
		}
	}
	publish_partial(rd);
	atomic_store_explicit(&rd->exited, 1, memory_order_release);
	return NULL;
}

/*
 * Give reader k the sources k, k + n, k + 2n, ... and start the threads
 * of readers 1..n-1.  Returns the number of readers started (1 = only the
 * caller's).
 */
static int
start_readers(struct rk_pipeline *p, struct rk_capture **srcs, int n_srcs, struct rk_capture **own)
{
	int n = p->n_rd < n_srcs ? p->n_rd : n_srcs, started = 1;

	for (int r = 0; r < p->n_rd; r++) {
		struct reader *rd = &p->rd[r];
		rd->srcs = own + r * n_srcs;
		rd->n_srcs = 0;
		for (int i = r; r < n && i < n_srcs; i += n)
			rd->srcs[rd->n_srcs++] = srcs[i];
		atomic_store_explicit(&rd->n_alive, rd->n_srcs, memory_order_relaxed);
		atomic_store_explicit(&rd->exited, rd->n_srcs == 0, memory_order_relaxed);
	}
	atomic_store_explicit(&p->readers_stop, 0, memory_order_relaxed);
	for (int r = 1; r < n; r++) {
		if (pthread_create(&p->rd[r].th, NULL, reader_main, &p->rd[r]) != 0) {
			/* Cannot start it: reader 0 reads its sources too (below). */
			atomic_store_explicit(&p->rd[r].exited, 1, memory_order_relaxed);
			break;
		}
		started++;
	}
	return started;
}

/* Sources alive over every reader. */
static int
n_alive(const struct rk_pipeline *p)
{
	int n = 0;

	for (int r = 0; r < p->n_rd; r++)
		n += atomic_load_explicit(&p->rd[r].n_alive, memory_order_relaxed);
	return n;
}

/*
 * Read live sources until *stop is set or every source has failed (see
 * pipeline.h).  The caller's thread is reader 0: it reads its own sources,
 * runs the flushes (on packet time, and on the clock when the link is
 * quiet) and the status; the other readers only read.  Frames from every
 * source go through the same trackers, so the two halves of a
 * conversation seen on two interfaces meet in one session.
 */
int
rk_pipeline_run_live(struct rk_pipeline *p, struct rk_capture **srcs, int n_srcs,
    volatile sig_atomic_t *stop, rk_pipeline_status_cb status_cb, void *user,
    struct rk_err *err)
{
	struct pollfd pfd[64];
	struct rk_capture *own[64 * 64];
	struct rk_pipeline_stats base = p->st;
	int failed[64] = {0}, n_started;
	uint64_t next_status = wall_us() + 1000000;
	struct reader *rd0 = &p->rd[0];

	if (n_srcs < 1 || n_srcs > 64)
		return rk_err_set(err, RK_E_INVAL, "between 1 and 64 interfaces, not %d", n_srcs);
	n_started = start_readers(p, srcs, n_srcs, own);
	if (n_started < p->n_rd && n_started < n_srcs) {
		/* A reader thread could not start: reader 0 reads every source. */
		atomic_store_explicit(&p->readers_stop, 1, memory_order_release);
		for (int r = 1; r < n_started; r++)
			pthread_join(p->rd[r].th, NULL);
		for (int r = 1; r < p->n_rd; r++)
			atomic_store_explicit(&p->rd[r].n_alive, 0, memory_order_relaxed);
		rd0->n_srcs = n_srcs;
		memcpy(rd0->srcs, srcs, (size_t)n_srcs * sizeof(*srcs));
		atomic_store_explicit(&rd0->n_alive, n_srcs, memory_order_relaxed);
		n_started = 1;
	}
	watch_sources(rd0, pfd);
	while (!*stop && n_alive(p) > 0) {
		uint64_t now;
		int got = rd0->n_srcs > 0 ? read_sources(rd0, pfd, failed, 200, err) : 0;
		if (rd0->n_srcs == 0)
			poll(NULL, 0, 200);
		now = wall_us();
		if (!got && p->o.flush_us != 0) {
			/* A quiet link: let the clock move packet time on. */
			uint64_t pt = packet_time(p), t = now > pt ? now : pt;
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
	atomic_store_explicit(&p->readers_stop, 1, memory_order_release);
	for (int r = 1; r < n_started; r++)
		pthread_join(p->rd[r].th, NULL);
	for (int r = 0; r < p->n_rd; r++)
		p->rd[r].srcs = NULL;
	live_stats(p, &base, srcs, n_srcs);
	return n_alive(p) > 0 || *stop ? 0 : -RK_E_IO;
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
		publish_partial(&p->rd[0]);
		for (int i = 0; i < p->n_tr; i++)
			atomic_store_explicit(&p->tr[i].stop, 1, memory_order_release);
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

/*
 * Add a fold sink (see pipeline.h): cb(user, session, why) for every
 * session leaving a table, after the sinks added before it.  Before the
 * first input.  Returns 0 or -RK_E_NOMEM (RK_PIPELINE_MAX_SINKS reached).
 * O(1), no allocation; each fold then costs one indirect call per sink.
 */
int
rk_pipeline_add_fold_sink(struct rk_pipeline *p, rk_sess_fold_cb cb, void *user)
{
	if (p->n_sinks == RK_PIPELINE_MAX_SINKS)
		return -RK_E_NOMEM;
	p->sinks[p->n_sinks].cb = cb;
	p->sinks[p->n_sinks++].user = user;
	return 0;
}

/* Subscribe to the classifier's verdicts (rk_classify_add_verdict_sub). */
int
rk_pipeline_add_verdict_sub(struct rk_pipeline *p, rk_verdict_cb cb, void *user)
{
	return rk_classify_add_verdict_sub(p->cls, cb, user);
}

void
rk_pipeline_del_verdict_sub(struct rk_pipeline *p, rk_verdict_cb cb, void *user)
{
	rk_classify_del_verdict_sub(p->cls, cb, user);
}

/*
 * A finished conversation record from outside (see pipeline.h): a copy is
 * normalised (rk_sess_normalise) and delivered to every fold sink as a
 * session that ended.  Returns 0, or -RK_E_INVAL with several threads.
 * O(sinks), no allocation.
 */
int
rk_pipeline_add_conversation(struct rk_pipeline *p, const struct rk_session *rec)
{
	struct rk_session s = *rec;

	if (p->threaded)
		return -RK_E_INVAL;
	rk_sess_normalise(&s);
	deliver(p, &s, RK_FOLD_IDLE);
	return 0;
}

/* Counters of the reader, the decoder and all session tables (summed). */
void
rk_pipeline_get_stats(const struct rk_pipeline *p, struct rk_pipeline_stats *st)
{
	*st = p->st;
	if (p->cur != NULL) {
		/* Mid-file (a flush): the frames read so far, so a run cut short says them. */
		struct rk_capture_stats cs;

		rk_capture_get_stats(p->cur, &cs);
		st->n_frames += cs.n_frames;
		st->n_bytes += cs.n_bytes;
		st->n_filtered += cs.n_filtered;
	}
	st->n_records = 0;
	st->first_ts = 0;
	st->last_ts = 0;
	memset(st->decode, 0, sizeof(st->decode));
	for (int r = 0; r < p->n_rd; r++) {
		const struct reader *rd = &p->rd[r];
		uint64_t first = atomic_load_explicit(&rd->first_ts, memory_order_relaxed);
		uint64_t last = atomic_load_explicit(&rd->last_ts, memory_order_relaxed);
		st->n_records += atomic_load_explicit(&rd->n_records, memory_order_relaxed);
		if (first != 0 && (st->first_ts == 0 || first < st->first_ts))
			st->first_ts = first;
		st->last_ts = last > st->last_ts ? last : st->last_ts;
		for (int k = 0; k < RK_DSTAT__COUNT; k++)
			st->decode[k] += rd->dec.stats[k];
	}
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
		for (int r = 0; p->tr[i].in != NULL && r < p->n_rd; r++)
			free(p->tr[i].in[r].batches);
		free(p->tr[i].in);
		free(p->tr[i].folds);
	}
	free(p->tr);
	free(p->rd);
	pthread_mutex_destroy(&p->names_lock);
	rk_classify_free(p->cls);
	free(p);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/guard.c - what keeps the server up under abuse: the header deadline
 * of every connection, and a rate limit on libmicrohttpd's log lines.
 *
 * Header deadline (slowloris).  libmicrohttpd's connection timeout is an
 * idle timeout, reset by every byte, so a client trickling one header line
 * every few seconds holds its connection for ever.  Here each connection
 * has a clock started when it connects and restarted when an answer
 * completes; while no request is being answered (is_busy: its headers are
 * complete and the handler has it), the serving loop's sweep shuts down
 * (shutdown(2), never close: the descriptor stays libmicrohttpd's) any
 * connection whose clock passed the deadline, and libmicrohttpd then
 * closes it.  A trickle cannot extend that, and an idle keep-alive
 * connection goes the same way (a browser opens another).
 *
 * Invariants: a slot's fd is the connection's from its STARTED
 * notification to its CLOSED one, so the sweep (under the same mutex)
 * never shuts down a descriptor that was closed and reused; a slot is cut
 * at most once.  The table has a fixed capacity (the server's connection
 * limit); a connection beyond it is simply not tracked.
 *
 * Log limit: at most RK_WEB_LOG_PER_S lines a second; the rest are
 * counted and their number printed once the second is over, so a client
 * cannot fill the log with "incomplete request" lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "web/web_int.h"

#define RK_WEB_LOG_PER_S 5

uint64_t
rk_web_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A table of max connections with this deadline.  0 or -1 (out of memory). */
int
rk_web_conns_init(struct rk_web_conns *t, size_t max, unsigned timeout_ms)
{
	t->v = calloc(max, sizeof(*t->v));
	if (t->v == NULL)
		return -1;
	for (size_t i = 0; i < max; i++)
		t->v[i].fd = -1;
	t->max = max;
	t->timeout_ms = timeout_ms;
	t->n_cut = 0;
	if (pthread_mutex_init(&t->mu, NULL) != 0) {
		free(t->v);
		return -1;
	}
	return 0;
}

void
rk_web_conns_fini(struct rk_web_conns *t)
{
	pthread_mutex_destroy(&t->mu);
	free(t->v);
	t->v = NULL;
}

/* Start tracking fd: its slot, or NULL if the table is full. */
struct rk_web_conn *
rk_web_conns_add(struct rk_web_conns *t, int fd)
{
	struct rk_web_conn *c = NULL;

	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->max && c == NULL; i++)
		if (t->v[i].fd < 0)
			c = &t->v[i];
	if (c != NULL) {
		c->fd = fd;
		c->is_busy = c->is_cut = false;
		c->start_ms = rk_web_now_ms();
	}
	pthread_mutex_unlock(&t->mu);
	return c;
}

/* Stop tracking c (its connection is being closed).  NULL is a no-op. */
void
rk_web_conns_del(struct rk_web_conns *t, struct rk_web_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	c->fd = -1;
	pthread_mutex_unlock(&t->mu);
}

/* A request of c is being answered (busy), or its answer is done (clock restarts). */
void
rk_web_conns_busy(struct rk_web_conns *t, struct rk_web_conn *c, bool is_busy)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	c->is_busy = is_busy;
	if (!is_busy)
		c->start_ms = rk_web_now_ms();
	pthread_mutex_unlock(&t->mu);
}

/* Shut down every idle connection past its deadline; returns how many now. */
size_t
rk_web_conns_sweep(struct rk_web_conns *t)
{
	uint64_t now = rk_web_now_ms();
	size_t n = 0;

	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->max; i++) {
		struct rk_web_conn *c = &t->v[i];
		if (c->fd < 0 || c->is_busy || c->is_cut || now - c->start_ms < t->timeout_ms)
			continue;
		(void)shutdown(c->fd, SHUT_RDWR);
		c->is_cut = true;
		n++;
	}
	t->n_cut += n;
	pthread_mutex_unlock(&t->mu);
	return n;
}

/* Say how many lines were dropped in a second that is over.  Under l->mu. */
static void
log_summary(struct rk_web_log *l, uint64_t now)
{
	if (now - l->window_ms < 1000)
		return;
	if (l->n_dropped > 0)
		fprintf(stderr, "renkei: %llu more web server messages in the last %llu s "
		    "not shown\n", (unsigned long long)l->n_dropped,
		    (unsigned long long)((now - l->window_ms) / 1000));
	l->n_dropped = 0;
	l->n_in_window = 0;
	l->window_ms = now;
}

/* libmicrohttpd's logger (MHD_OPTION_EXTERNAL_LOGGER): cls is the struct rk_web_log. */
void
rk_web_log_mhd(void *cls, const char *fmt, va_list ap)
{
	struct rk_web_log *l = cls;

	pthread_mutex_lock(&l->mu);
	log_summary(l, rk_web_now_ms());
	if (l->n_in_window < RK_WEB_LOG_PER_S) {
		l->n_in_window++;
		fputs("renkei: web: ", stderr);
		vfprintf(stderr, fmt, ap);
	} else {
		l->n_dropped++;
	}
	pthread_mutex_unlock(&l->mu);
}

/* Print the count of dropped lines once their second is over (the serving loop). */
void
rk_web_log_flush(struct rk_web_log *l)
{
	pthread_mutex_lock(&l->mu);
	if (l->n_dropped > 0)
		log_summary(l, rk_web_now_ms());
	pthread_mutex_unlock(&l->mu);
}

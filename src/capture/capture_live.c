/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture/capture_live.c - live interfaces through libpcap.
 *
 * Pipeline position: the first stage, beside capture_file.c (which wraps a
 * struct rk_capture_live in a struct rk_capture, kind SRC_LIVE, so the rest
 * of the pipeline sees one type).  The reader thread polls rk_capture_fd()
 * of every source and dispatches the ready ones (pipeline.c).
 *
 * The handle: pcap_create + TPACKET_V3 memory-mapped ring of buffer_mb MiB
 * (libpcap's default on Linux), a small snap length (headers only), a
 * 100 ms block timeout so a quiet link still hands its frames on within a
 * tenth of a second, the BPF filter in the kernel (pcap_setfilter: frames
 * it rejects never reach us, so n_filtered stays 0), and non-blocking
 * mode: a dispatch never waits.
 *
 * Fanout (SPEC §6, issue 5): libpcap 1.10 has no API for PACKET_FANOUT, so
 * after pcap_activate the option is set on libpcap's own TPACKET socket
 * (pcap_get_selectable_fd).  Mode PACKET_FANOUT_HASH: the kernel hashes
 * each frame with __skb_get_hash_symmetric(), so both directions of a
 * conversation reach the same socket; PACKET_FANOUT_FLAG_DEFRAG first
 * reassembles IP fragments so that a later fragment (no ports) goes where
 * its first went.  The first socket of a group asks the kernel for an
 * unused id (PACKET_FANOUT_FLAG_UNIQUEID) so that two renkei processes
 * never share a group; the others, and every reopen, join that id.  Until
 * a socket has joined, it sees every frame: the few frames queued before
 * the join are discarded, so no frame is counted twice.
 *
 * A lost interface (unplugged, deleted, renamed, driver reset): the read
 * fails; the handle is closed, its drop counters are kept, a note is left
 * for the CLI (rk_capture_live_take_news) and a timerfd fires every
 * retry_s seconds, each time trying to open the interface again.  The
 * session state lives in the pipeline and is untouched; a reopened source
 * simply carries on.  To make this invisible to the poller, rk_capture_fd()
 * is an epoll descriptor, stable for the life of the source, holding the
 * pcap socket while the interface is up and the timerfd while it is not.
 * Reopening needs CAP_NET_RAW: privsep.c keeps it after the uid change.
 *
 * Counters: frames and bytes are counted in the handler; ps_drop and
 * ps_ifdrop come from pcap_stats() (cumulative per handle; those of closed
 * handles are added in), read only when someone asks (one getsockopt).
 *
 * Memory: one allocation at open; libpcap's ring at each (re)open.  Frame
 * bytes belong to the ring and are valid only inside the callback; nothing
 * is allocated or locked per frame.
 *
 * Threads: one reader per source calls dispatch.  Another thread (the
 * pipeline's reader 0, for the status line and the store) may ask for the
 * counters and the news at any time: the frame counters are relaxed
 * atomics with one writer, and a mutex, taken only when the handle is
 * closed or reopened and by those questions, keeps the handle alive under
 * pcap_stats() and the news whole.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_packet.h>
#include <pcap/pcap.h>

#include "capture/capture.h"
#include "capture/pcap_frame.h"

#ifndef PACKET_FANOUT_FLAG_UNIQUEID
#define PACKET_FANOUT_FLAG_UNIQUEID 0x2000 /* Linux >= 4.3 */
#endif

#define LIVE_TIMEOUT_MS 100 /* TPACKET_V3 block retire timeout */
#define LIVE_RETRY_S 5      /* default seconds between reopen attempts */

struct rk_capture_live {
	/* Hot: what every dispatch touches. */
	pcap_t *p;              /* the handle, NULL while the interface is lost */
	rk_capture_cb cb;       /* callback of the running dispatch */
	void *user;             /* its argument */
	int n_handed;           /* frames handed on by the running dispatch */
	int linktype;           /* LINKTYPE_* of the handle */
	bool is_discarding;     /* handler drops frames (queued before a fanout join) */
	_Atomic uint64_t n_frames; /* frames handed on (written by the reader only) */
	_Atomic uint64_t n_bytes;  /* their wire bytes */
	/* Cold, under lock: the handle's life, closed handles' drops, news. */
	pthread_mutex_t lock;
	struct rk_capture_stats st; /* drops of closed handles */
	/* Cold. */
	int epfd;               /* rk_capture_fd(): epoll over pfd or tfd */
	int pfd;                /* pcap_get_selectable_fd of p, -1 while lost */
	int tfd;                /* timerfd, armed while the interface is lost */
	int fanout;             /* group id + 1, 0 = no fanout, -1 = new group */
	uint64_t lost_ts;       /* µs, CLOCK_MONOTONIC, when the handle was lost */
	uint64_t n_reopens;     /* successful reopens */
	struct rk_capture_live_opts o; /* options (bpf points at bpf below) */
	char *bpf;              /* filter text (copy), NULL if none */
	bool has_news;          /* news holds something not yet taken */
	char news[256];         /* the latest note for the CLI */
	char name[64];          /* interface name */
};

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void __attribute__((format(printf, 2, 3)))
note(struct rk_capture_live *lc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lc->news, sizeof(lc->news), fmt, ap);
	va_end(ap);
	lc->has_news = true;
}

static void
handler(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct rk_capture_live *lc = (struct rk_capture_live *)(void *)arg;
	struct rk_frame f;

	if (lc->is_discarding)
		return;
	f = rk_capture_pcap_frame(h, bytes, lc->linktype);
	atomic_store_explicit(&lc->n_frames,
	    atomic_load_explicit(&lc->n_frames, memory_order_relaxed) + 1, memory_order_relaxed);
	atomic_store_explicit(&lc->n_bytes,
	    atomic_load_explicit(&lc->n_bytes, memory_order_relaxed) + h->len, memory_order_relaxed);
	lc->n_handed++;
	lc->cb(lc->user, &f);
}

/* Which rk_errcode and advice a failed pcap_activate() stands for. */
static int
activate_error(struct rk_capture_live *lc, int rc, struct rk_err *err)
{
	const char *why = pcap_geterr(lc->p);

	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return rk_err_set(err, RK_E_IO, "%s: no such interface (%s)", lc->name, why);
	case PCAP_ERROR_PERM_DENIED:
		return rk_err_set(err, RK_E_IO, "%s: permission denied (%s): run as root, or "
		    "give the binary the capabilities: setcap cap_net_raw,cap_net_admin=eip "
		    "renkei", lc->name, why);
	case PCAP_ERROR_IFACE_NOT_UP:
		return rk_err_set(err, RK_E_IO, "%s: interface is down", lc->name);
	default:
		return rk_err_set(err, RK_E_IO, "%s: %s", lc->name,
		    why[0] != '\0' ? why : pcap_statustostr(rc));
	}
}

/*
 * Put the open handle's socket into the fanout group.  A new group takes an
 * id the kernel chooses (UNIQUEID), which is kept for joins and reopens.
 */
static int
join_fanout(struct rk_capture_live *lc, struct rk_err *err)
{
	uint32_t flags = PACKET_FANOUT_FLAG_DEFRAG;
	uint32_t val, id = 0;
	socklen_t len = sizeof(val);

	if (lc->fanout < 0)
		flags |= PACKET_FANOUT_FLAG_UNIQUEID;
	else
		id = (uint32_t)(lc->fanout - 1);
	val = id | ((PACKET_FANOUT_HASH | flags) << 16);
	if (setsockopt(lc->pfd, SOL_PACKET, PACKET_FANOUT, &val, sizeof(val)) < 0) {
		return rk_err_set(err, RK_E_IO, "%s: PACKET_FANOUT (group %u): %s", lc->name,
		    id, strerror(errno));
	}
	if (lc->fanout < 0) {
		if (getsockopt(lc->pfd, SOL_PACKET, PACKET_FANOUT, &val, &len) < 0)
			return rk_err_set(err, RK_E_IO, "%s: PACKET_FANOUT: %s", lc->name,
			    strerror(errno));
		lc->fanout = (int)(val & 0xffffu) + 1;
	}
	/* Frames queued before the join may belong to another member's flows. */
	lc->is_discarding = true;
	while (pcap_dispatch(lc->p, -1, handler, (u_char *)(void *)lc) > 0)
		;
	lc->is_discarding = false;
	return 0;
}

/* Open (or reopen) the handle with lc->o; on failure lc->p stays NULL. */
static int
handle_open(struct rk_capture_live *lc, struct rk_err *err)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	struct epoll_event ev;
	int rc;

	ebuf[0] = '\0';
	lc->p = pcap_create(lc->name, ebuf);
	if (lc->p == NULL)
		return rk_err_set(err, RK_E_IO, "%s: %s", lc->name, ebuf);
	if (pcap_set_snaplen(lc->p, lc->o.snaplen) != 0 ||
	    pcap_set_promisc(lc->p, lc->o.promisc ? 1 : 0) != 0 ||
	    pcap_set_timeout(lc->p, LIVE_TIMEOUT_MS) != 0 ||
	    pcap_set_buffer_size(lc->p, lc->o.buffer_mb << 20) != 0 ||
	    pcap_set_tstamp_precision(lc->p, PCAP_TSTAMP_PRECISION_MICRO) != 0) {
		rc = rk_err_set(err, RK_E_INVAL, "%s: cannot set capture options: %s", lc->name,
		    pcap_geterr(lc->p));
		goto fail;
	}
	rc = pcap_activate(lc->p);
	if (rc < 0) {
		rc = activate_error(lc, rc, err);
		goto fail;
	}
	if (rc > 0)
		note(lc, "%s: warning: %s", lc->name, pcap_statustostr(rc));
	lc->linktype = rk_capture_dlt_to_linktype(pcap_datalink(lc->p));
	if (lc->bpf != NULL) {
		if (pcap_compile(lc->p, &prog, lc->bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			rc = rk_err_set(err, RK_E_FILTER, "bad filter '%s': %s", lc->bpf,
			    pcap_geterr(lc->p));
			goto fail;
		}
		rc = pcap_setfilter(lc->p, &prog);
		pcap_freecode(&prog);
		if (rc != 0) {
			rc = rk_err_set(err, RK_E_FILTER, "%s: cannot set filter: %s", lc->name,
			    pcap_geterr(lc->p));
			goto fail;
		}
	}
	if (pcap_setnonblock(lc->p, 1, ebuf) != 0) {
		rc = rk_err_set(err, RK_E_IO, "%s: %s", lc->name, ebuf);
		goto fail;
	}
	lc->pfd = pcap_get_selectable_fd(lc->p);
	if (lc->pfd < 0) {
		rc = rk_err_set(err, RK_E_IO, "%s: no selectable descriptor", lc->name);
		goto fail;
	}
	if (lc->fanout != 0 && (rc = join_fanout(lc, err)) < 0)
		goto fail;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = lc->pfd;
	if (epoll_ctl(lc->epfd, EPOLL_CTL_ADD, lc->pfd, &ev) < 0) {
		rc = rk_err_set(err, RK_E_IO, "%s: epoll: %s", lc->name, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	pcap_close(lc->p);
	lc->p = NULL;
	lc->pfd = -1;
	return rc;
}

/* Arm (s > 0) or disarm (s == 0) the retry timer. */
static void
arm_retry(struct rk_capture_live *lc, int s)
{
	struct itimerspec it;

	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = s;
	it.it_interval.tv_sec = s;
	(void)timerfd_settime(lc->tfd, 0, &it, NULL);
}

/* Close the handle after a read error: keep its drops, start retrying. */
static void
handle_lost(struct rk_capture_live *lc, const char *why)
{
	struct pcap_stat ps;

	pthread_mutex_lock(&lc->lock);
	if (pcap_stats(lc->p, &ps) == 0) {
		lc->st.n_drops += ps.ps_drop;
		lc->st.n_ifdrops += ps.ps_ifdrop;
	}
	note(lc, "%s: capture lost (%s); reopening every %d s, sessions kept", lc->name, why,
	    lc->o.retry_s);
	(void)epoll_ctl(lc->epfd, EPOLL_CTL_DEL, lc->pfd, NULL);
	pcap_close(lc->p);
	lc->p = NULL;
	lc->pfd = -1;
	lc->lost_ts = mono_us();
	arm_retry(lc, lc->o.retry_s);
	pthread_mutex_unlock(&lc->lock);
}

/*
 * Open interface ifname for live capture with options o (copied; o->bpf
 * copied too).  Fails when the interface cannot be opened now (a source is
 * retried only once it has worked).
 * OUT: *out, the back end (free with rk_capture_live_free).
 * Returns 0; -RK_E_IO (no such interface, permission denied: the message
 * says how to grant it, interface down, ...), -RK_E_FILTER, -RK_E_INVAL,
 * -RK_E_NOMEM.  Cost: one allocation, libpcap's ring, a few syscalls.
 */
int
rk_capture_live_open(struct rk_capture_live **out, const char *ifname,
    const struct rk_capture_live_opts *o, struct rk_err *err)
{
	struct rk_capture_live *lc;
	struct epoll_event ev;
	int rc;

	*out = NULL;
	if (strlen(ifname) >= sizeof(lc->name))
		return rk_err_set(err, RK_E_INVAL, "%s: interface name too long", ifname);
	if (o->snaplen < 64 || o->snaplen > 262144 || o->buffer_mb < 1 || o->buffer_mb > 4096)
		return rk_err_set(err, RK_E_INVAL, "%s: snap length or buffer out of range",
		    ifname);
	lc = calloc(1, sizeof(*lc));
	if (lc == NULL)
		return rk_err_set(err, RK_E_NOMEM, "%s: out of memory", ifname);
	pthread_mutex_init(&lc->lock, NULL);
	snprintf(lc->name, sizeof(lc->name), "%s", ifname);
	lc->o = *o;
	if (lc->o.retry_s <= 0)
		lc->o.retry_s = LIVE_RETRY_S;
	lc->fanout = o->fanout;
	lc->pfd = -1;
	lc->tfd = -1;
	lc->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lc->epfd >= 0)
		lc->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (lc->epfd < 0 || lc->tfd < 0) {
		rc = rk_err_set(err, RK_E_IO, "%s: %s", ifname, strerror(errno));
		goto fail;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = lc->tfd;
	if (epoll_ctl(lc->epfd, EPOLL_CTL_ADD, lc->tfd, &ev) < 0) {
		rc = rk_err_set(err, RK_E_IO, "%s: epoll: %s", ifname, strerror(errno));
		goto fail;
	}
	if (o->bpf != NULL && o->bpf[0] != '\0') {
		lc->bpf = strdup(o->bpf);
		if (lc->bpf == NULL) {
			rc = rk_err_set(err, RK_E_NOMEM, "%s: out of memory", ifname);
			goto fail;
		}
	}
	lc->o.bpf = lc->bpf;
	rc = handle_open(lc, err);
	if (rc < 0)
		goto fail;
	*out = lc;
	return 0;
fail:
	rk_capture_live_free(lc);
	return rc;
}

/* While lost: when the timer has fired, try to reopen.  True if up again. */
static bool
try_reopen(struct rk_capture_live *lc)
{
	struct rk_err err = {0};
	uint64_t n;

	if (read(lc->tfd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return false; /* not yet */
	pthread_mutex_lock(&lc->lock);
	if (handle_open(lc, &err) < 0) {
		pthread_mutex_unlock(&lc->lock);
		return false;
	}
	arm_retry(lc, 0);
	lc->n_reopens++;
	note(lc, "%s: capture reopened after %.0f s", lc->name,
	    (double)(mono_us() - lc->lost_ts) / 1e6);
	pthread_mutex_unlock(&lc->lock);
	return true;
}

/*
 * Hand up to max frames (max <= 0: all that are ready) to cb without
 * waiting; see rk_capture_dispatch().  A read error closes the handle and
 * starts the retries (news says so); it is not returned.
 * Returns frames handed on (>= 0).  Cost: one poll and the ring walk, no
 * allocation; while lost, one read of the timerfd.
 */
int
rk_capture_live_dispatch(struct rk_capture_live *lc, int max, rk_capture_cb cb, void *user,
    struct rk_err *err)
{
	int rc;

	(void)err;
	if (lc->p == NULL && !try_reopen(lc))
		return 0;
	lc->cb = cb;
	lc->user = user;
	lc->n_handed = 0;
	rc = pcap_dispatch(lc->p, max > 0 ? max : -1, handler, (u_char *)(void *)lc);
	if (rc < 0)
		handle_lost(lc, rc == PCAP_ERROR_BREAK ? "interrupted" : pcap_geterr(lc->p));
	return lc->n_handed;
}

/*
 * Copy the counters: frames and bytes handed on, and the kernel (ps_drop)
 * and interface (ps_ifdrop) drops of every handle this source had.  Cost:
 * one pcap_stats() (a getsockopt and a read of the interface counters).
 */
void
rk_capture_live_get_stats(struct rk_capture_live *lc, struct rk_capture_stats *st)
{
	struct pcap_stat ps;

	pthread_mutex_lock(&lc->lock);
	*st = lc->st;
	if (lc->p != NULL && pcap_stats(lc->p, &ps) == 0) {
		st->n_drops += ps.ps_drop;
		st->n_ifdrops += ps.ps_ifdrop;
	}
	pthread_mutex_unlock(&lc->lock);
	st->n_frames = atomic_load_explicit(&lc->n_frames, memory_order_relaxed);
	st->n_bytes = atomic_load_explicit(&lc->n_bytes, memory_order_relaxed);
}

/* LINKTYPE_* of the (last) handle.  O(1). */
int
rk_capture_live_linktype(const struct rk_capture_live *lc)
{
	return lc->linktype;
}

/* The epoll descriptor to poll for POLLIN (stable across reopens).  O(1). */
int
rk_capture_live_fd(const struct rk_capture_live *lc)
{
	return lc->epfd;
}

/* The fanout group id + 1, 0 without fanout.  O(1). */
int
rk_capture_live_fanout_id(const struct rk_capture_live *lc)
{
	return lc->fanout > 0 ? lc->fanout : 0;
}

/* Copy the note left since the last call into buf: 1 if there was one, else 0. */
int
rk_capture_live_take_news(struct rk_capture_live *lc, char *buf, size_t len)
{
	int had;

	pthread_mutex_lock(&lc->lock);
	had = lc->has_news;
	if (had)
		snprintf(buf, len, "%s", lc->news);
	lc->has_news = false;
	pthread_mutex_unlock(&lc->lock);
	return had;
}

/* Close the handle and the descriptors and free the back end; NULL is a no-op. */
void
rk_capture_live_free(struct rk_capture_live *lc)
{
	if (lc == NULL)
		return;
	if (lc->p != NULL)
		pcap_close(lc->p);
	if (lc->tfd >= 0)
		close(lc->tfd);
	if (lc->epfd >= 0)
		close(lc->epfd);
	free(lc->bpf);
	pthread_mutex_destroy(&lc->lock);
	free(lc);
}

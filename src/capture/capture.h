/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture/capture.h - where frames come from.
 *
 * A capture source yields frames (timestamp, captured bytes, original
 * length, link type) in batches through a callback.  Sources:
 * - capture_file.c: our reader for classic pcap (both byte orders, µs
 *   and ns) and pcapng (SHB/IDB/EPB/SPB/OPB, several interfaces, several
 *   sections, per-interface link type and timestamp resolution): the fast
 *   path for files, one large read(2) per window and no copy per packet;
 * - capture_pcap.c: libpcap, for standard input ("-"), for anything our
 *   reader declines;
 * - capture_live.c: live interfaces through libpcap (TPACKET_V3 ring,
 *   kernel BPF, optional PACKET_FANOUT), non-blocking, pollable through
 *   rk_capture_fd(), reopened by itself when the interface comes back.
 * Frame memory belongs to the source and is valid only inside the callback.
 *
 * Errors: a file that is not a capture, a link type we cannot decode and a
 * file that ends mid-record are reported through struct rk_err with the
 * file name and where it stopped.  A truncated file still yields every
 * whole frame before the cut, then -RK_E_TRUNC.
 */
#ifndef RK_CAPTURE_CAPTURE_H
#define RK_CAPTURE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/err.h"

/* One frame, borrowed from the source for the duration of the callback. */
struct rk_frame {
	uint64_t ts;         /* µs since the epoch, from the capture record */
	const uint8_t *data; /* captured bytes */
	uint32_t caplen;     /* bytes in data */
	uint32_t wirelen;    /* length of the frame on the wire */
	int linktype;        /* LINKTYPE_* of the interface the frame came from */
};

typedef void (*rk_capture_cb)(void *user, const struct rk_frame *f);

struct rk_capture;

/* Counters a source keeps about itself. */
struct rk_capture_stats {
	uint64_t n_frames;   /* frames handed to the callback */
	uint64_t n_filtered; /* frames rejected by the BPF filter */
	uint64_t n_bytes;    /* sum of wirelen of the frames handed on */
	uint64_t n_drops;    /* frames the kernel dropped: pcap_stats ps_drop (live only) */
	uint64_t n_ifdrops;  /* frames the interface dropped: ps_ifdrop (live only) */
};

/* Options of a live capture (rk_capture_open_live). */
struct rk_capture_live_opts {
	const char *bpf;     /* kernel filter, may be NULL */
	int snaplen;         /* bytes kept of each frame (headers only: 256) */
	int buffer_mb;       /* kernel ring, MiB */
	int promisc;         /* put the interface into promiscuous mode */
	int fanout;          /* 0: no fanout; RK_CAPTURE_FANOUT_NEW: a new group;
	                        else join group fanout - 1 (see rk_capture_fanout_id) */
	int retry_s;         /* seconds between reopen attempts of a lost interface */
};

#define RK_CAPTURE_FANOUT_NEW (-1) /* rk_capture_live_opts.fanout: start a new group */

/*
 * Open a capture file ("-" = standard input).  bpf may be NULL.  Picks the
 * file reader for regular pcap/pcapng files and libpcap otherwise.
 */
int rk_capture_open_file(struct rk_capture **out, const char *path, const char *bpf,
    struct rk_err *err);
/*
 * Run the file reader over a caller-owned pcap/pcapng image (tests,
 * fuzzing; for a file it runs over windows read from the file).  buf must
 * outlive the capture; name is used in messages.
 */
int rk_capture_open_mem(struct rk_capture **out, const uint8_t *buf, size_t len,
    const char *name, const char *bpf, struct rk_err *err);
/*
 * Read a stdio stream through libpcap (fmemopen in fuzzing, pipes).  fp
 * always passes to the callee: closed on failure or by rk_capture_free().
 */
int rk_capture_open_fp(struct rk_capture **out, FILE *fp, const char *name, const char *bpf,
    struct rk_err *err);
/*
 * Open a live interface (libpcap, memory-mapped ring).  Needs CAP_NET_RAW
 * (and CAP_NET_ADMIN for promiscuous mode / large buffers) at open; the
 * source keeps working after privileges are dropped.  Non-blocking: see
 * rk_capture_dispatch.
 */
int rk_capture_open_live(struct rk_capture **out, const char *ifname,
    const struct rk_capture_live_opts *o, struct rk_err *err);
/* A descriptor to poll(2) for POLLIN before dispatching; -1 for files.  Stable for life. */
int rk_capture_fd(const struct rk_capture *c);
/* The interface or file name the source was opened with (borrowed). */
const char *rk_capture_name(const struct rk_capture *c);
/* PACKET_FANOUT group of a live source plus 1 (the value to pass as .fanout), 0 if none. */
int rk_capture_fanout_id(const struct rk_capture *c);
/*
 * A live source's news since the last call ("eth1: lost (...); reopening
 * every 5 s", "eth1: reopened after 12 s"), copied into buf: 1 if there
 * was news, 0 if not.  Files never have news.
 */
int rk_capture_live_news(struct rk_capture *c, char *buf, size_t len);
/*
 * Hand up to max frames to cb.  Returns the number handed on (>0), 0 at the
 * end of the input, <0 on error (err says what and where; for -RK_E_TRUNC
 * every whole frame before the cut has been handed on).  Live sources never
 * block and never end: 0 means nothing is ready now (also while a lost
 * interface waits to be reopened, which the source does by itself); they
 * return <0 only for what retrying cannot fix.
 */
int rk_capture_dispatch(struct rk_capture *c, int max, rk_capture_cb cb, void *user,
    struct rk_err *err);
void rk_capture_get_stats(const struct rk_capture *c, struct rk_capture_stats *st);

/* How far a source has read its file (rk_capture_get_position), for progress displays. */
struct rk_capture_position {
	uint64_t offset;     /* bytes of the file consumed (gzip: compressed bytes); 0 = unknown */
	uint64_t size;       /* bytes of the file at open; 0 = unknown (pipes, live) */
};

/* The source's position in its file; O(1), at most one lseek: call between batches. */
void rk_capture_get_position(const struct rk_capture *c, struct rk_capture_position *pos);
/* The link type of the first interface (pcapng frames carry their own). */
int rk_capture_linktype(const struct rk_capture *c);
/* linktype's name for messages (libpcap's, or LINKTYPE_N), in buf; returns buf. */
const char *rk_capture_linktype_name(int linktype, char *buf, size_t len);
void rk_capture_free(struct rk_capture *c);
/* A stdio stream of fd's bytes, gunzipped if they are gzip (capture_gzip.c); owns fd. */
FILE *rk_capture_gz_fdopen(int fd);

/*
 * Internal to src/capture/: the libpcap back end (capture_pcap.c), which
 * capture_file.c wraps in a struct rk_capture.  Not for other stages.
 * path names a file ("-" = standard input) unless fp is not NULL.
 */
struct rk_capture_pcap;
int rk_capture_pcap_open(struct rk_capture_pcap **out, const char *path, FILE *fp,
    const char *name, const char *bpf, struct rk_err *err);
int rk_capture_pcap_dispatch(struct rk_capture_pcap *pc, int max, rk_capture_cb cb, void *user,
    struct rk_err *err);
void rk_capture_pcap_get_stats(const struct rk_capture_pcap *pc, struct rk_capture_stats *st);
int rk_capture_pcap_linktype(const struct rk_capture_pcap *pc);
void rk_capture_pcap_free(struct rk_capture_pcap *pc);
/* DLT_* (what libpcap's handles report) to LINKTYPE_* (what our decoders use). */
int rk_capture_dlt_to_linktype(int dlt);
/* Internal to src/capture/: the live back end (capture_live.c). */
struct rk_capture_live;
int rk_capture_live_open(struct rk_capture_live **out, const char *ifname,
    const struct rk_capture_live_opts *o, struct rk_err *err);
int rk_capture_live_dispatch(struct rk_capture_live *lc, int max, rk_capture_cb cb, void *user,
    struct rk_err *err);
void rk_capture_live_get_stats(struct rk_capture_live *lc, struct rk_capture_stats *st);
int rk_capture_live_linktype(const struct rk_capture_live *lc);
int rk_capture_live_fd(const struct rk_capture_live *lc);
int rk_capture_live_fanout_id(const struct rk_capture_live *lc);
int rk_capture_live_take_news(struct rk_capture_live *lc, char *buf, size_t len);
void rk_capture_live_free(struct rk_capture_live *lc);

#endif /* RK_CAPTURE_CAPTURE_H */

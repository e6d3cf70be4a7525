/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture/capture_pcap.c - the libpcap back end.
 *
 * Pipeline position: the first stage (capture), beside capture_file.c.  The
 * file reader in capture_file.c is the fast path for regular pcap and
 * pcapng files; this back end takes everything else:
 *   - standard input ("-") and other non-regular files (pipes, FIFOs);
 *   - files whose first bytes are no magic our file reader knows, so that a
 *     non-capture file gets libpcap's own message ("unknown file format") and
 *     the formats only libpcap reads (modified pcap, old versions) still work;
 *   - stdio streams handed in by the caller (fmemopen in the fuzz target);
 *   - later, live interfaces.
 * capture_file.c wraps a struct rk_capture_pcap in a struct rk_capture, so
 * the rest of the pipeline sees one type.
 *
 * Timestamps are asked of libpcap in microseconds
 * (PCAP_TSTAMP_PRECISION_MICRO), so rk_frame.ts is tv_sec * 10^6 + tv_usec.
 * Link types are reported as LINKTYPE_* values (what a file stores), not as
 * the platform's DLT_* values that pcap_datalink() returns, so both back ends
 * agree.
 *
 * Filtering: the filter is compiled on the real handle (pcap_compile) and run
 * per frame with pcap_offline_filter() in our pcap_dispatch() handler rather
 * than installed with pcap_setfilter(): a savefile gives no pcap_stats(), and
 * only this way can n_filtered be counted, the same as in our file reader.
 * For live capture (later) the kernel filter (pcap_setfilter) is the right
 * tool.
 *
 * Errors: when pcap_dispatch() fails after some frames of the same call were
 * handed on, those frames are returned first and the error is kept ("sticky")
 * and returned by the next call, so a truncated file yields every whole frame
 * and then -RK_E_TRUNC with libpcap's "truncated dump file; tried to read N
 * captured bytes, only got M".
 *
 * Memory: frame bytes belong to libpcap and are valid only inside the
 * callback.  The handle owns the FILE it reads, also one handed in.  Nothing is allocated per
 * frame.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "capture/capture.h"
#include "capture/pcap_frame.h"

struct rk_capture_pcap {
	pcap_t *p;                   /* the libpcap handle (owns its FILE) */
	rk_capture_cb cb;            /* callback of the running dispatch */
	void *user;                  /* its argument */
	int n_handed;                /* frames handed on by the running dispatch */
	int linktype;                /* LINKTYPE_* of the handle */
	bool has_prog;               /* prog holds a compiled filter */
	bool is_eof;                 /* pcap_dispatch() has reported the end */
	int sticky;                  /* 0, or -code of an error not yet returned/replayed */
	struct bpf_program prog;     /* compiled filter, valid when has_prog */
	struct rk_capture_stats st;  /* counters (n_drops stays 0 for files) */
	char msg[PCAP_ERRBUF_SIZE];  /* message of the sticky error */
	char name[128];              /* file name for messages (may be cut short) */
};

/*
 * DLT_* (what libpcap hands us) to LINKTYPE_* (what files and our decoders
 * use).  They differ only for a few historic values; see libpcap's
 * pcap-common.c.  Shared with the live back end (capture_live.c).
 */
int
rk_capture_dlt_to_linktype(int dlt)
{
	switch (dlt) {
	case DLT_ATM_RFC1483:
		return 100;
	case DLT_RAW:
		return 101;
	case DLT_SLIP_BSDOS:
		return 102;
	case DLT_PPP_BSDOS:
		return 103;
	case DLT_ATM_CLIP:
		return 106;
	default:
		return dlt;
	}
}

/* Which rk_errcode a libpcap message stands for. */
static int
classify_msg(const char *msg)
{
	if (strstr(msg, "truncated") != NULL)
		return RK_E_TRUNC;
	if (strstr(msg, "error reading") != NULL)
		return RK_E_IO;
	return RK_E_FORMAT;
}

static void
handler(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct rk_capture_pcap *pc = (struct rk_capture_pcap *)(void *)arg;
	struct rk_frame f;

	if (pc->has_prog && pcap_offline_filter(&pc->prog, h, bytes) == 0) {
		pc->st.n_filtered++;
		return;
	}
	f = rk_capture_pcap_frame(h, bytes, pc->linktype);
	pc->st.n_frames++;
	pc->st.n_bytes += h->len;
	pc->n_handed++;
	pc->cb(pc->user, &f);
}

/*
 * Open a capture through libpcap.  path is a file name ("-" = standard
 * input), used when fp is NULL; otherwise fp is read, and it belongs to
 * this function from the call on (closed on failure, by
 * rk_capture_pcap_free() on success).  name is used in
 * messages.  bpf (may be NULL) is compiled on the handle.
 * OUT: *out, the source (free with rk_capture_pcap_free).
 * Returns 0, -RK_E_FORMAT/-RK_E_TRUNC/-RK_E_IO with libpcap's message when it
 * cannot open the input, -RK_E_FILTER for a filter that does not compile,
 * -RK_E_NOMEM.  Cost: one allocation plus libpcap's own buffers.
 */
int
rk_capture_pcap_open(struct rk_capture_pcap **out, const char *path, FILE *fp,
    const char *name, const char *bpf, struct rk_err *err)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct rk_capture_pcap *pc;
	int rc;

	*out = NULL;
	pc = calloc(1, sizeof(*pc));
	if (pc == NULL) {
		if (fp != NULL)
			fclose(fp);
		return rk_err_set(err, RK_E_NOMEM, "%s: out of memory", name);
	}
	snprintf(pc->name, sizeof(pc->name), "%s", name);
	ebuf[0] = '\0';
	if (fp != NULL) {
		pc->p = pcap_fopen_offline_with_tstamp_precision(fp,
		    PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	} else {
		pc->p = pcap_open_offline_with_tstamp_precision(path,
		    PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	}
	if (pc->p == NULL && strstr(ebuf, "file header bytes, only got 0") != NULL) {
		/* /dev/null, an empty pipe: say so, not libpcap's "truncated". */
		rc = rk_err_set(err, RK_E_FORMAT, "%s: empty input (no capture file header)", name);
		goto fail;
	}
	if (pc->p == NULL) {
		rc = rk_err_set(err, classify_msg(ebuf), "%s: %s", name, ebuf);
		goto fail;
	}
	pc->linktype = rk_capture_dlt_to_linktype(pcap_datalink(pc->p));
	if (bpf != NULL && bpf[0] != '\0') {
		if (pcap_compile(pc->p, &pc->prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			rc = rk_err_set(err, RK_E_FILTER, "bad filter '%s': %s", bpf,
			    pcap_geterr(pc->p));
			goto fail;
		}
		pc->has_prog = true;
	}
	*out = pc;
	return 0;
fail:
	if (pc->p != NULL)
		pcap_close(pc->p); /* closes fp too */
	else if (fp != NULL)
		fclose(fp);
	free(pc);
	return rc;
}

/*
 * Hand up to max frames (max <= 0: all) to cb; see rk_capture_dispatch().
 * Frames the filter rejects are counted and do not count towards max.
 * Returns the number handed on (>0), 0 at the end, <0 with err filled.
 * Cost: libpcap's read (buffered stdio), no allocation.
 */
int
rk_capture_pcap_dispatch(struct rk_capture_pcap *pc, int max, rk_capture_cb cb, void *user,
    struct rk_err *err)
{
	int rc;

	if (pc->sticky != 0)
		return rk_err_set(err, -pc->sticky, "%s", pc->msg);
	if (pc->is_eof)
		return 0;
	pc->cb = cb;
	pc->user = user;
	pc->n_handed = 0;
	for (;;) {
		rc = pcap_dispatch(pc->p, max > 0 ? max : -1, handler, (u_char *)(void *)pc);
		if (rc < 0) {
			snprintf(pc->msg, sizeof(pc->msg), "%s: %s", pc->name,
			    rc == PCAP_ERROR_BREAK ? "interrupted" : pcap_geterr(pc->p));
			pc->sticky = -classify_msg(pc->msg);
			break;
		}
		if (rc == 0) {
			pc->is_eof = true;
			break;
		}
		if (pc->n_handed > 0)
			break;
	}
	if (pc->n_handed > 0)
		return pc->n_handed;
	if (pc->sticky != 0)
		return rk_err_set(err, -pc->sticky, "%s", pc->msg);
	return 0;
}

/* Copy the counters.  O(1). */
void
rk_capture_pcap_get_stats(const struct rk_capture_pcap *pc, struct rk_capture_stats *st)
{
	*st = pc->st;
}

/* LINKTYPE_* of the handle.  O(1). */
int
rk_capture_pcap_linktype(const struct rk_capture_pcap *pc)
{
	return pc->linktype;
}

/* Close the handle (and its FILE) and free the source; NULL is a no-op. */
void
rk_capture_pcap_free(struct rk_capture_pcap *pc)
{
	if (pc == NULL)
		return;
	if (pc->has_prog)
		pcap_freecode(&pc->prog);
	if (pc->p != NULL)
		pcap_close(pc->p);
	free(pc);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture/capture_file.c - the windowed reader for pcap and pcapng
 * files, and the public face of every capture source.
 *
 * Pipeline position: the first stage.  rk_capture_open_file() looks at the
 * file and picks a back end:
 *
 *   "-", pipes, FIFOs ------------------------------> libpcap (capture_pcap.c)
 *   directory, empty file --------------------------> error
 *   regular file, first 4 bytes a pcap/pcapng magic -> file reader (here)
 *   regular file, anything else --------------------> libpcap, which either
 *                                                      reads it or says why not
 *
 * The file reader reads the file in windows (512 KiB, grown for a larger
 * block) with read(2) and walks each window with a cursor; a frame's
 * data pointer points into the window, valid during the callback only.
 * When a record does not fit in what is left of the window, the rest moves
 * to the front and the next bytes are read behind it ("refill"), so a
 * record never straddles two reads.  Measured on a 6 GB capture (10M
 * frames, 2 cores), walking every record: read(2) into a window 0.27 s,
 * mapping the whole file 0.92 s (0.74 s with software prefetch): the
 * kernel's copy streams at memory speed, while a walk over mapped pages
 * misses the cache on every record.  The window is small enough to stay
 * in the L2 cache between the copy and the walk (512 KiB: 0.27 s; 8 MiB:
 * 0.33 s), and the memory used is the window, not the file.  rk_capture_open_mem() runs the same reader over a
 * caller's buffer, without refills (tests, fuzzing).
 *
 * Formats read here:
 *   - classic pcap, version 2.4: magic a1b2c3d4 (µs) or a1b23c4d (ns), in
 *     either byte order; the link type is the low 16 bits of the header's
 *     field (the FCS-length bits above are masked off).  Other versions go
 *     to libpcap, which knows their quirks (swapped length fields).
 *   - pcapng: any number of sections, each in its own byte order; Interface
 *     Description Blocks with their own link type, snap length, if_tsresol
 *     (power of 10 or of 2) and if_tsoffset; Enhanced, Simple (interface 0,
 *     caplen = min(wirelen, snaplen), and as an SPB has no timestamp, that
 *     of the frame before it) and obsolete Packet Blocks; other block types
 *     are skipped.
 *
 * Invariants, checked before any byte is read (every byte is hostile):
 *   - off <= len always; a header is read only after "len - off >= size";
 *   - a pcapng block is used only when its length is >= 12, a multiple of 4,
 *     within the file, and its trailing copy equals the leading one;
 *   - a frame's bytes lie inside its record: caplen <= the space the record
 *     has, and caplen <= the largest snap length of the link type (256 KiB
 *     except for the three types libpcap allows more); else "corrupt record
 *     at offset N" (-RK_E_FORMAT);
 *   - as in libpcap, a caplen above the file's (or interface's) snap length
 *     is reported as the snap length (a snaplen of 0 means 256 KiB), so a
 *     consumer never sees caplen > snaplen.
 *
 * Errors stop the reader.  Frames read before the error in the same
 * dispatch call are handed on and counted first; the error is kept and
 * returned by that call when it handed on nothing, or by the next call
 * otherwise (and again by every call after).  A file cut mid-record
 * therefore yields every whole frame, then -RK_E_TRUNC: "FILE: truncated at
 * byte OFFSET after N frames (record wants X bytes, Y left)".
 *
 * BPF: the filter is compiled once per link type with pcap_open_dead() +
 * pcap_compile() and run per frame with pcap_offline_filter().  The program
 * for the first interface is compiled at open, so a bad filter string fails
 * there (-RK_E_FILTER); programs for further link types of a pcapng file are
 * compiled when their first frame arrives.  When the filter cannot be
 * compiled for such a later link type (e.g. "ip" on a link type libpcap
 * cannot filter), the frames of that link type cannot match it: they are
 * rejected and counted in n_filtered.
 *
 * Position: rk_capture_get_position says how far a file has been read
 * (the cursor's file offset, or for libpcap on a regular file, gzip
 * included, the offset of the descriptor under the stream) against its
 * size at open, so a progress display can show a percentage without
 * touching the frame loop.
 *
 * Ownership: the struct rk_capture owns the window (or borrows the caller's buffer), the
 * interface and program tables and, for the libpcap back end, the pcap
 * handle.  Frame memory is valid only inside the callback.  Allocation
 * happens at open and when an IDB or a new link type appears, never per
 * frame.  A file that another process cuts while it is read ends early
 * (the short read is the end of the input).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "capture/capture.h"
#include "util/bytes.h"
#include "util/human.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u /* classic pcap, µs timestamps */
#define PCAP_MAGIC_NS 0xa1b23c4du /* classic pcap, ns timestamps */
#define PCAP_FILE_HLEN 24u        /* classic file header */
#define PCAP_REC_HLEN 16u         /* classic record header */

#define NG_BT_SHB 0x0a0d0d0au /* Section Header Block (a palindrome) */
#define NG_BT_IDB 1u          /* Interface Description Block */
#define NG_BT_PB 2u           /* Packet Block (obsolete) */
#define NG_BT_SPB 3u          /* Simple Packet Block */
#define NG_BT_EPB 6u          /* Enhanced Packet Block */
#define NG_BOM 0x1a2b3c4du    /* byte-order magic of the SHB */
#define NG_MIN_BLOCK 12u      /* type + length + trailing length */
#define NG_SHB_BODY 16u       /* BOM, major, minor, section length */
#define NG_IDB_BODY 8u        /* link type, reserved, snaplen */
#define NG_EPB_BODY 20u       /* if id, ts high, ts low, caplen, wirelen */
#define NG_SPB_BODY 4u        /* wirelen */
#define NG_OPT_TSRESOL 9u     /* if_tsresol */
#define NG_OPT_TSOFFSET 14u   /* if_tsoffset */
#define NG_MAX_IFS 65536u     /* IDBs per section we accept */
/* A block longer than this that runs past the end is corrupt, not cut. */
#define NG_MAX_BLOCK (256u * 1024 * 1024)

#define MAX_SNAPLEN 262144u /* libpcap's MAXIMUM_SNAPLEN */

enum src_kind {
	SRC_PCAP,    /* classic pcap, file reader */
	SRC_PCAPNG,  /* pcapng, file reader */
	SRC_LIBPCAP, /* libpcap back end (pc) */
	SRC_LIVE,    /* live interface (live, capture_live.c) */
};

enum state {
	ST_READ, /* more to read */
	ST_EOF,  /* the end was reached cleanly */
	ST_ERR,  /* stopped by an error, kept in saved */
	ST_REFILL, /* the next record needs more bytes than the window holds */
};

/* How an interface's timestamp units become µs. */
enum ts_kind {
	TS_US,  /* units are µs: add the offset */
	TS_DIV, /* finer power of 10: divide by scale */
	TS_MUL, /* coarser power of 10: multiply by scale */
	TS_BIN, /* power of 2: 2^-shift seconds */
};

#define FILT_UNRESOLVED (-1) /* ng_if.filt: program not looked up yet */
#define FILT_REJECT (-2)     /* ng_if.filt: filter cannot apply: reject */

/* One pcapng interface of the current section. */
struct ng_if {
	int linktype;      /* LINKTYPE_* from the IDB */
	uint32_t snaplen;  /* snap length, 0 replaced by the link type's maximum */
	uint32_t max_cap;  /* largest sane caplen for the link type */
	int ts_kind;       /* enum ts_kind */
	uint32_t shift;    /* TS_BIN: resolution is 2^-shift s */
	uint64_t scale;    /* TS_DIV / TS_MUL: the power of 10 */
	uint64_t off_us;   /* if_tsoffset in µs (two's complement) */
	int filt;          /* index into filts, or FILT_UNRESOLVED / FILT_REJECT */
};

/* A compiled filter for one link type. */
struct filt {
	int linktype;            /* LINKTYPE_* it was compiled for */
	struct bpf_program prog; /* the program */
};

struct rk_capture {
	/* Hot: the cursor and what every record needs. */
	const uint8_t *buf;  /* the window (heap) or the caller's whole image */
	size_t len;          /* bytes in buf */
	size_t off;          /* offset in buf of the next record or block, <= len */
	size_t base;         /* file offset of buf[0] (for messages) */
	size_t want;         /* ST_REFILL: bytes the next record needs from off */
	bool more;           /* the file may have bytes after the window */
	int kind;            /* enum src_kind */
	int state;           /* enum state */
	bool is_be;          /* current byte order is big-endian */
	bool is_nsec;        /* classic pcap: ns timestamps */
	bool has_filter;     /* a filter was given */
	int linktype;        /* classic: the file's; pcapng: first IDB's, -1 if none */
	uint32_t snaplen;    /* classic: snap length, 0 replaced by max_cap */
	uint32_t max_cap;    /* classic: largest sane caplen */
	uint64_t last_ts;    /* µs, last timestamp seen (for SPBs, which have none) */
	uint64_t n_records;  /* frame records read (handed on or filtered) */
	struct ng_if *ifs;   /* pcapng: interfaces of the current section */
	uint32_t n_ifs;      /* entries used in ifs */
	uint32_t max_ifs;    /* entries allocated in ifs */
	struct filt *filts;  /* compiled programs, one per link type */
	int n_filts;         /* entries in filts */
	struct rk_capture_stats st; /* counters */
	/* Cold: ownership and error state. */
	struct rk_capture_pcap *pc; /* SRC_LIBPCAP: the back end */
	struct rk_capture_live *live; /* SRC_LIVE: the back end */
	int fd;              /* file being read in windows, or -1 */
	size_t cap;          /* bytes allocated in heap */
	uint8_t *heap;       /* the window, or NULL (caller's image) */
	char *bpf;           /* filter text (copy), NULL if none */
	char *name;          /* file name for messages (copy) */
	struct rk_err saved; /* the error that stopped the reader (ST_ERR) */
	uint64_t size;       /* bytes of the file (or image) at open; 0 = unknown */
	int pos_fd;          /* SRC_LIBPCAP on a regular file: the descriptor its stream
	                        reads (owned by the stream), for the position; else -1 */
};

static inline uint16_t
rd16(const uint8_t *p, bool is_be)
{
	return is_be ? rk_be16(p) : rk_le16(p);
}

static inline uint32_t
rd32(const uint8_t *p, bool is_be)
{
	return is_be ? rk_be32(p) : rk_le32(p);
}

static inline uint64_t
rd64(const uint8_t *p, bool is_be)
{
	return is_be ? rk_be64(p) : rk_le64(p);
}

/* The largest caplen libpcap accepts for a link type (max_snaplen_for_dlt). */
static uint32_t
max_caplen(int linktype)
{
	switch (linktype) {
	case 231: /* LINKTYPE_DBUS */
		return 128u * 1024 * 1024;
	case 279: /* LINKTYPE_EBHSCR */
		return 8u * 1024 * 1024;
	case 249: /* LINKTYPE_USBPCAP */
		return 1024u * 1024;
	default:
		return MAX_SNAPLEN;
	}
}

/* A header's snap length as libpcap uses it: 0 or too big means the maximum. */
static uint32_t
adjust_snaplen(int linktype, uint32_t snaplen)
{
	uint32_t max = max_caplen(linktype);

	return snaplen == 0 || snaplen > max ? max : snaplen;
}

/*
 * LINKTYPE_* (files) to the platform's DLT_* (what pcap_open_dead wants);
 * they differ only for a few historic values (libpcap's linktype_to_dlt).
 */
static int
linktype_to_dlt(int linktype)
{
	switch (linktype) {
	case 100:
		return DLT_ATM_RFC1483;
	case 101:
		return DLT_RAW;
	case 102:
		return DLT_SLIP_BSDOS;
	case 103:
		return DLT_PPP_BSDOS;
	case 106:
		return DLT_ATM_CLIP;
	default:
		return linktype;
	}
}

/*
 * Stop the reader with an error; it is returned now or by the next call.
 * A corrupt record or block after good ones (RK_E_FORMAT with records
 * read) ends the file like a cut, RK_E_TRUNC: what came before was handed
 * on and is reported (exit 3), not thrown away with the rest.
 */
static void __attribute__((format(printf, 3, 4)))
stop(struct rk_capture *c, int code, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	c->state = ST_ERR;
	c->saved.code = code;
	va_start(ap, fmt);
	vsnprintf(c->saved.msg, sizeof(c->saved.msg), fmt, ap);
	va_end(ap);
	if (code == RK_E_FORMAT && c->n_records > 0) {
		c->saved.code = RK_E_TRUNC;
		n = strlen(c->saved.msg);
		snprintf(c->saved.msg + n, sizeof(c->saved.msg) - n, "; the %llu %s before it %s analysed",
		    (unsigned long long)c->n_records, rk_plural(c->n_records, "record", "records"),
		    c->n_records == 1 ? "was" : "were");
	}
}

/*
 * The original length of a frame as far as it can be true: at least what
 * was stored of it, at most the longest frame any link carries (the
 * snaplen cap).  A crafted or broken length must not add gigabytes to the
 * traffic totals.
 */
static inline uint32_t
plausible_wirelen(uint32_t stored, uint32_t wirelen)
{
	if (wirelen < stored)
		return stored;
	return wirelen > MAX_SNAPLEN ? MAX_SNAPLEN : wirelen;
}

/* Compile bpf for a link type.  Returns 0 or -RK_E_FILTER with the reason. */
static int
compile(const char *bpf, int linktype, struct bpf_program *prog, struct rk_err *err)
{
	pcap_t *dead;
	int rc = 0;

	dead = pcap_open_dead(linktype_to_dlt(linktype), (int)MAX_SNAPLEN);
	if (dead == NULL)
		return rk_err_set(err, RK_E_NOMEM, "bad filter '%s': out of memory", bpf);
	if (pcap_compile(dead, prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0)
		rc = rk_err_set(err, RK_E_FILTER, "bad filter '%s': %s", bpf, pcap_geterr(dead));
	pcap_close(dead);
	return rc;
}

/*
 * The program for a link type: an index into c->filts, compiling it on
 * first use; FILT_REJECT when the filter cannot be compiled for it, or
 * -RK_E_NOMEM - 16 on allocation failure (distinct from the two sentinels).
 */
static int
filt_find(struct rk_capture *c, int linktype, struct rk_err *err)
{
	struct bpf_program prog;
	struct filt *nf;
	int i;

	for (i = 0; i < c->n_filts; i++) {
		if (c->filts[i].linktype == linktype)
			return i;
	}
	if (compile(c->bpf, linktype, &prog, err) != 0)
		return FILT_REJECT;
	nf = realloc(c->filts, ((size_t)c->n_filts + 1) * sizeof(*nf));
	if (nf == NULL) {
		pcap_freecode(&prog);
		return -RK_E_NOMEM - 16;
	}
	c->filts = nf;
	c->filts[c->n_filts].linktype = linktype;
	c->filts[c->n_filts].prog = prog;
	return c->n_filts++;
}

/* Does the frame pass the program?  (Filter present, program resolved.) */
static inline bool
filt_pass(const struct bpf_program *prog, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = 0;
	h.ts.tv_usec = 0;
	h.caplen = caplen;
	h.len = wirelen;
	return pcap_offline_filter(prog, &h, data) != 0;
}

/*
 * Classic pcap: hand up to max frames on.  The byte order is a constant in
 * each of the two call sites, so the compiler makes one loop per order.
 */
static inline __attribute__((always_inline)) int
pcap_run(struct rk_capture *c, int max, rk_capture_cb cb, void *user, const bool is_be)
{
	const uint8_t *buf = c->buf;
	const struct bpf_program *prog = c->has_filter ? &c->filts[0].prog : NULL;
	size_t len = c->len, off = c->off, left;
	uint32_t sec, frac, caplen, wirelen;
	struct rk_frame f;
	int n = 0;

	f.linktype = c->linktype;
	while (n < max) {
		left = len - off;
		if (rk_unlikely(left < PCAP_REC_HLEN) && c->more) {
			c->state = ST_REFILL;
			c->want = PCAP_REC_HLEN;
			break;
		}
		if (left == 0) {
			c->state = ST_EOF;
			break;
		}
		if (rk_unlikely(left < PCAP_REC_HLEN)) {
			stop(c, RK_E_TRUNC,
			    "%s: truncated at byte %zu after %llu frames "
			    "(record header wants %u bytes, %zu left)",
			    c->name, c->base + off, (unsigned long long)c->n_records, PCAP_REC_HLEN, left);
			break;
		}
		sec = rd32(buf + off, is_be);
		frac = rd32(buf + off + 4, is_be);
		caplen = rd32(buf + off + 8, is_be);
		wirelen = rd32(buf + off + 12, is_be);
		if (rk_unlikely(caplen > c->max_cap)) {
			stop(c, RK_E_FORMAT,
			    "%s: corrupt record at offset %zu (caplen %u > %u)",
			    c->name, c->base + off, caplen, c->max_cap);
			break;
		}
		if (rk_unlikely(caplen > left - PCAP_REC_HLEN) && c->more) {
			c->state = ST_REFILL;
			c->want = PCAP_REC_HLEN + (size_t)caplen;
			break;
		}
		if (rk_unlikely(caplen > left - PCAP_REC_HLEN)) {
			stop(c, RK_E_TRUNC,
			    "%s: truncated at byte %zu after %llu frames "
			    "(record wants %u bytes, %zu left)",
			    c->name, c->base + off, (unsigned long long)c->n_records,
			    PCAP_REC_HLEN + caplen, left);
			break;
		}
		f.data = buf + off + PCAP_REC_HLEN;
		f.caplen = caplen > c->snaplen ? c->snaplen : caplen;
		f.wirelen = wirelen = plausible_wirelen(caplen, wirelen);
		f.ts = (uint64_t)sec * 1000000u + (c->is_nsec ? frac / 1000u : frac);
		off += PCAP_REC_HLEN + (size_t)caplen;
		c->n_records++;
		if (prog != NULL && !filt_pass(prog, f.data, f.caplen, f.wirelen)) {
			c->st.n_filtered++;
			continue;
		}
		c->st.n_frames++;
		c->st.n_bytes += wirelen;
		n++;
		c->off = off;
		cb(user, &f);
	}
	c->off = off;
	return n;
}

/* µs from an interface's timestamp units. */
static inline uint64_t
ng_ts(const struct ng_if *ifp, uint64_t t)
{
	uint64_t mask;

	switch (ifp->ts_kind) {
	case TS_US:
		return t + ifp->off_us;
	case TS_DIV:
		return t / ifp->scale + ifp->off_us;
	case TS_MUL:
		return t * ifp->scale + ifp->off_us;
	default:
		/* 2^-shift s: whole seconds, then the fraction (no overflow). */
		mask = ifp->shift == 0 ? 0 : (UINT64_MAX >> (64 - ifp->shift));
		if (ifp->shift <= 44) {
			return (t >> ifp->shift) * 1000000u +
			    (((t & mask) * 1000000u) >> ifp->shift) + ifp->off_us;
		}
		return (t >> ifp->shift) * 1000000u +
		    ((((t & mask) >> (ifp->shift - 44)) * 1000000u) >> 44) + ifp->off_us;
	}
}

/* Section Header Block body: check the version, forget the interfaces. */
static void
ng_shb(struct rk_capture *c, size_t off, const uint8_t *body, uint32_t body_len)
{
	uint16_t major, minor;

	if (body_len < NG_SHB_BODY) {
		stop(c, RK_E_FORMAT, "%s: corrupt section header at offset %zu (length %u)",
		    c->name, c->base + off, body_len + NG_MIN_BLOCK);
		return;
	}
	/* 1.0 and 1.2 are the versions writers use; libpcap takes only those. */
	major = rd16(body + 4, c->is_be);
	minor = rd16(body + 6, c->is_be);
	if (major != 1 || (minor != 0 && minor != 2)) {
		stop(c, RK_E_FORMAT, "%s: unsupported pcapng version %u.%u at offset %zu",
		    c->name, major, minor, off);
		return;
	}
	c->n_ifs = 0;
}

/* Interface Description Block body: add an interface to the section. */
static void
ng_idb(struct rk_capture *c, size_t off, const uint8_t *body, uint32_t body_len)
{
	const uint8_t *o;
	struct ng_if *ifp, *nifs;
	uint32_t rem, code, olen, padded, n;
	uint8_t tsresol = 6;
	int64_t tsoffset = 0;
	uint64_t p10;
	bool is_be = c->is_be;

	if (body_len < NG_IDB_BODY) {
		stop(c, RK_E_FORMAT, "%s: corrupt interface description at offset %zu",
		    c->name, c->base + off);
		return;
	}
	/* Options (pcapng §3.5): code, length, value padded to 4 bytes. */
	o = body + NG_IDB_BODY;
	rem = body_len - NG_IDB_BODY;
	while (rem >= 4) {
		code = rd16(o, is_be);
		olen = rd16(o + 2, is_be);
		if (code == 0)
			break;
		padded = (olen + 3u) & ~3u;
		if (padded > rem - 4) {
			stop(c, RK_E_FORMAT,
			    "%s: corrupt interface description at offset %zu "
			    "(option %u overruns the block)", c->name, c->base + off, code);
			return;
		}
		if (code == NG_OPT_TSRESOL && olen >= 1)
			tsresol = o[4];
		else if (code == NG_OPT_TSOFFSET && olen >= 8)
			tsoffset = (int64_t)rd64(o + 4, is_be);
		o += 4 + padded;
		rem -= 4 + padded;
	}
	if (c->n_ifs == c->max_ifs) {
		if (c->max_ifs >= NG_MAX_IFS) {
			stop(c, RK_E_FORMAT,
			    "%s: more than %u interfaces in a section at offset %zu",
			    c->name, NG_MAX_IFS, off);
			return;
		}
		n = c->max_ifs == 0 ? 4 : c->max_ifs * 2;
		nifs = realloc(c->ifs, (size_t)n * sizeof(*nifs));
		if (nifs == NULL) {
			stop(c, RK_E_NOMEM, "%s: out of memory", c->name);
			return;
		}
		c->ifs = nifs;
		c->max_ifs = n;
	}
	ifp = &c->ifs[c->n_ifs];
	ifp->linktype = rd16(body, is_be);
	ifp->max_cap = max_caplen(ifp->linktype);
	ifp->snaplen = adjust_snaplen(ifp->linktype, rd32(body + 4, is_be));
	ifp->off_us = (uint64_t)tsoffset * 1000000u;
	ifp->filt = FILT_UNRESOLVED;
	ifp->shift = 0;
	ifp->scale = 1;
	if (tsresol & 0x80) {
		ifp->shift = tsresol & 0x7fu;
		if (ifp->shift > 63) {
			stop(c, RK_E_FORMAT,
			    "%s: unsupported if_tsresol 2^-%u at offset %zu",
			    c->name, ifp->shift, off);
			return;
		}
		ifp->ts_kind = TS_BIN;
	} else {
		if (tsresol > 19) {
			stop(c, RK_E_FORMAT,
			    "%s: unsupported if_tsresol 10^-%u at offset %zu",
			    c->name, tsresol, off);
			return;
		}
		for (p10 = 1, n = tsresol > 6 ? tsresol - 6u : 6u - tsresol; n > 0; n--)
			p10 *= 10;
		ifp->scale = p10;
		ifp->ts_kind = tsresol == 6 ? TS_US : tsresol > 6 ? TS_DIV : TS_MUL;
	}
	c->n_ifs++;
}

/* pcapng: hand up to max frames on. */
static int
ng_run(struct rk_capture *c, int max, rk_capture_cb cb, void *user)
{
	const uint8_t *buf = c->buf, *p, *body;
	size_t len = c->len, off = c->off, left;
	uint32_t type, blen, body_len, ifid, caplen, wirelen, room;
	const struct ng_if *ifp;
	struct rk_frame f;
	uint64_t t;
	int n = 0, fi;

	while (n < max && c->state == ST_READ) {
		left = len - off;
		if (rk_unlikely(left < NG_MIN_BLOCK) && c->more) {
			c->state = ST_REFILL;
			c->want = NG_MIN_BLOCK;
			break;
		}
		if (left == 0) {
			c->state = ST_EOF;
			break;
		}
		if (rk_unlikely(left < NG_MIN_BLOCK)) {
			stop(c, RK_E_TRUNC,
			    "%s: truncated at byte %zu after %llu frames "
			    "(block header wants %u bytes, %zu left)",
			    c->name, c->base + off, (unsigned long long)c->n_records, NG_MIN_BLOCK, left);
			break;
		}
		p = buf + off;
		type = rd32(p, c->is_be);
		if (type == NG_BT_SHB) {
			/* A new section may switch byte order (pcapng §4.1). */
			if (rk_le32(p + 8) == NG_BOM) {
				c->is_be = false;
			} else if (rk_be32(p + 8) == NG_BOM) {
				c->is_be = true;
			} else {
				stop(c, RK_E_FORMAT,
				    "%s: bad byte-order magic in the section header at offset %zu",
				    c->name, c->base + off);
				break;
			}
		}
		blen = rd32(p + 4, c->is_be);
		if (rk_unlikely(blen < NG_MIN_BLOCK || blen % 4 != 0 ||
		    (blen > left && blen > NG_MAX_BLOCK))) {
			stop(c, RK_E_FORMAT, "%s: corrupt block at offset %zu (length %u)",
			    c->name, c->base + off, blen);
			break;
		}
		if (rk_unlikely(blen > left) && c->more) {
			c->state = ST_REFILL;
			c->want = blen;
			break;
		}
		if (rk_unlikely(blen > left)) {
			stop(c, RK_E_TRUNC,
			    "%s: truncated at byte %zu after %llu frames "
			    "(block wants %u bytes, %zu left)",
			    c->name, c->base + off, (unsigned long long)c->n_records, blen, left);
			break;
		}
		if (rk_unlikely(rd32(p + blen - 4, c->is_be) != blen)) {
			stop(c, RK_E_FORMAT,
			    "%s: corrupt block at offset %zu (trailing length %u != %u)",
			    c->name, c->base + off, rd32(p + blen - 4, c->is_be), blen);
			break;
		}
		body = p + 8;
		body_len = blen - NG_MIN_BLOCK;
		switch (type) {
		case NG_BT_EPB:
		case NG_BT_PB:
			if (rk_unlikely(body_len < NG_EPB_BODY)) {
				stop(c, RK_E_FORMAT,
				    "%s: corrupt record at offset %zu (short block)", c->name, c->base + off);
				continue;
			}
			ifid = type == NG_BT_EPB ? rd32(body, c->is_be) : rd16(body, c->is_be);
			t = (uint64_t)rd32(body + 4, c->is_be) << 32 | rd32(body + 8, c->is_be);
			caplen = rd32(body + 12, c->is_be);
			wirelen = rd32(body + 16, c->is_be);
			room = body_len - NG_EPB_BODY;
			f.data = body + NG_EPB_BODY;
			break;
		case NG_BT_SPB:
			if (rk_unlikely(body_len < NG_SPB_BODY)) {
				stop(c, RK_E_FORMAT,
				    "%s: corrupt record at offset %zu (short block)", c->name, c->base + off);
				continue;
			}
			ifid = 0;
			t = 0;
			wirelen = rd32(body, c->is_be);
			caplen = wirelen;
			if (c->n_ifs > 0 && caplen > c->ifs[0].snaplen)
				caplen = c->ifs[0].snaplen;
			room = body_len - NG_SPB_BODY;
			f.data = body + NG_SPB_BODY;
			break;
		case NG_BT_SHB:
			ng_shb(c, c->base + off, body, body_len);
			off += blen;
			continue;
		case NG_BT_IDB:
			ng_idb(c, c->base + off, body, body_len);
			off += blen;
			continue;
		default:
			off += blen;
			continue;
		}
		/* A packet block: its interface, then its length, then its bytes. */
		if (rk_unlikely(ifid >= c->n_ifs)) {
			stop(c, RK_E_FORMAT,
			    "%s: packet block at offset %zu names interface %u, "
			    "but the section describes %u", c->name, c->base + off, ifid, c->n_ifs);
			break;
		}
		ifp = &c->ifs[ifid];
		if (rk_unlikely(caplen > room || caplen > ifp->max_cap)) {
			stop(c, RK_E_FORMAT,
			    "%s: corrupt record at offset %zu (caplen %u, block has room for %u)",
			    c->name, c->base + off, caplen, room);
			break;
		}
		wirelen = plausible_wirelen(caplen, wirelen);
		if (caplen > ifp->snaplen)
			caplen = ifp->snaplen;
		f.caplen = caplen;
		f.wirelen = wirelen;
		f.linktype = ifp->linktype;
		f.ts = type == NG_BT_SPB ? c->last_ts : ng_ts(ifp, t);
		c->last_ts = f.ts;
		off += blen;
		c->n_records++;
		if (c->has_filter) {
			fi = ifp->filt;
			if (fi == FILT_UNRESOLVED) {
				fi = filt_find(c, ifp->linktype, NULL);
				if (fi < FILT_REJECT) {
					stop(c, RK_E_NOMEM, "%s: out of memory", c->name);
					break;
				}
				c->ifs[ifid].filt = fi;
			}
			if (fi < 0 || !filt_pass(&c->filts[fi].prog, f.data, caplen, wirelen)) {
				c->st.n_filtered++;
				continue;
			}
		}
		c->st.n_frames++;
		c->st.n_bytes += wirelen;
		n++;
		c->off = off;
		cb(user, &f);
	}
	c->off = off;
	return n;
}

#define WINDOW_SIZE (512u << 10) /* bytes read at a time from a file */

/*
 * Read the next bytes of the file behind what is left of the window: the
 * unread tail moves to the front, the window grows if the next record is
 * larger than it (up to a pcapng block's maximum), and read(2) fills the
 * rest.  A short read means the end of the file.  Returns 0, or <0 having
 * stopped the reader with the reason.  Between callbacks only: frames
 * handed on before point into the old window contents.
 */
static int
refill(struct rk_capture *c)
{
	size_t keep = c->len - c->off, need = c->want + 4;
	ssize_t r;

	if (keep > 0 && c->off > 0)
		memmove(c->heap, c->heap + c->off, keep);
	c->base += c->off;
	c->off = 0;
	c->len = keep;
	if (need > c->cap) {
		uint8_t *b = realloc(c->heap, need);
		if (b == NULL) {
			stop(c, RK_E_NOMEM, "%s: out of memory for a %zu-byte record at offset %zu",
			    c->name, c->want, c->base);
			return -1;
		}
		c->heap = b;
		c->cap = need;
	}
	c->buf = c->heap;
	for (; c->len < c->cap; c->len += (size_t)r) {
		r = read(c->fd, c->heap + c->len, c->cap - c->len);
		if (r < 0 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r < 0) {
			stop(c, RK_E_IO, "%s: read error at byte %zu: %s", c->name,
			    c->base + c->len, strerror(errno));
			return -1;
		}
		if (r == 0) {
			c->more = false;
			break;
		}
	}
	c->state = ST_READ;
	return 0;
}

/*
 * Hand up to max frames (max <= 0: no limit) to cb, in file order.  Frames
 * the filter rejects are counted in n_filtered and do not count towards max.
 * Returns the number handed on (>0), 0 at the end of the input, <0 on error
 * with err filled (-RK_E_TRUNC: the input ends mid-record and every whole
 * frame before the cut has been handed on; -RK_E_FORMAT: a corrupt record or
 * block; once returned, every later call returns it again).  Frame memory is
 * valid only inside cb.  Cost: O(frames), no allocation; the file reader
 * makes one read(2) per window.
 */
int
rk_capture_dispatch(struct rk_capture *c, int max, rk_capture_cb cb, void *user,
    struct rk_err *err)
{
	int n;

	if (c->kind == SRC_LIBPCAP)
		return rk_capture_pcap_dispatch(c->pc, max, cb, user, err);
	if (c->kind == SRC_LIVE)
		return rk_capture_live_dispatch(c->live, max, cb, user, err);
	if (max <= 0)
		max = INT_MAX;
	n = 0;
	while (n < max && (c->state == ST_READ || c->state == ST_REFILL)) {
		if (c->state == ST_REFILL && refill(c) < 0)
			break;
		if (c->kind == SRC_PCAPNG)
			n += ng_run(c, max - n, cb, user);
		else if (c->is_be)
			n += pcap_run(c, max - n, cb, user, true);
		else
			n += pcap_run(c, max - n, cb, user, false);
	}
	if (n > 0)
		return n;
	if (c->state == ST_ERR)
		return rk_err_set(err, c->saved.code, "%s", c->saved.msg);
	return 0;
}

/*
 * pcapng: the link type of the first IDB before any packet block, -1 when
 * there is none.  Reads ahead without changing the cursor; a problem ends
 * the search (dispatch reports it when it gets there).  The first block is
 * a valid SHB.
 */
static int
ng_first_linktype(const uint8_t *buf, size_t len, bool is_be)
{
	size_t off = 0;
	uint32_t type, blen;

	while (len - off >= NG_MIN_BLOCK) {
		type = rd32(buf + off, is_be);
		if (type == NG_BT_SHB) {
			if (rk_le32(buf + off + 8) == NG_BOM)
				is_be = false;
			else if (rk_be32(buf + off + 8) == NG_BOM)
				is_be = true;
			else
				return -1;
		}
		blen = rd32(buf + off + 4, is_be);
		if (blen < NG_MIN_BLOCK || blen % 4 != 0 || blen > len - off)
			return -1;
		if (type == NG_BT_IDB && blen >= NG_MIN_BLOCK + NG_IDB_BODY)
			return rd16(buf + off + 8, is_be);
		if (type == NG_BT_EPB || type == NG_BT_SPB || type == NG_BT_PB)
			return -1;
		off += blen;
	}
	return -1;
}

/*
 * Read the file header into c.  Returns 0, 1 when the bytes are not a
 * format this reader takes (libpcap may), or <0 with err filled.
 */
static int
parse_header(struct rk_capture *c, struct rk_err *err)
{
	const uint8_t *b = c->buf;
	uint32_t magic, blen;
	uint16_t major, minor;

	if (c->len < 4)
		return 1;
	magic = rk_le32(b);
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS ||
	    rk_be32(b) == PCAP_MAGIC_US || rk_be32(b) == PCAP_MAGIC_NS) {
		c->kind = SRC_PCAP;
		c->is_be = rk_be32(b) == PCAP_MAGIC_US || rk_be32(b) == PCAP_MAGIC_NS;
		c->is_nsec = rd32(b, c->is_be) == PCAP_MAGIC_NS;
		if (c->len < PCAP_FILE_HLEN) {
			return rk_err_set(err, RK_E_TRUNC,
			    "%s: truncated in the pcap file header (wants %u bytes, %zu present)",
			    c->name, PCAP_FILE_HLEN, c->len);
		}
		major = rd16(b + 4, c->is_be);
		minor = rd16(b + 6, c->is_be);
		if (major != 2 || minor != 4)
			return 1; /* older or odd versions: libpcap's business */
		c->linktype = (int)(rd32(b + 20, c->is_be) & 0xffffu);
		c->max_cap = max_caplen(c->linktype);
		c->snaplen = adjust_snaplen(c->linktype, rd32(b + 16, c->is_be));
		c->off = PCAP_FILE_HLEN;
		return 0;
	}
	if (magic != NG_BT_SHB)
		return 1;
	c->kind = SRC_PCAPNG;
	if (c->len < NG_MIN_BLOCK) {
		return rk_err_set(err, RK_E_TRUNC,
		    "%s: truncated in the pcapng section header (wants %u bytes, %zu present)",
		    c->name, NG_MIN_BLOCK, c->len);
	}
	if (rk_le32(b + 8) == NG_BOM)
		c->is_be = false;
	else if (rk_be32(b + 8) == NG_BOM)
		c->is_be = true;
	else
		return rk_err_set(err, RK_E_FORMAT, "%s: bad pcapng byte-order magic", c->name);
	blen = rd32(b + 4, c->is_be);
	if (blen < NG_MIN_BLOCK + NG_SHB_BODY || blen % 4 != 0) {
		return rk_err_set(err, RK_E_FORMAT,
		    "%s: corrupt pcapng section header (length %u)", c->name, blen);
	}
	if (blen > c->len) {
		return rk_err_set(err, RK_E_TRUNC,
		    "%s: truncated in the pcapng section header (wants %u bytes, %zu present)",
		    c->name, blen, c->len);
	}
	c->linktype = ng_first_linktype(b, c->len, c->is_be);
	c->off = 0;
	return 0;
}

/* Allocate a capture with its name and filter text copied. */
static int
cap_new(struct rk_capture **out, const char *name, const char *bpf, struct rk_err *err)
{
	struct rk_capture *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return rk_err_set(err, RK_E_NOMEM, "%s: out of memory", name);
	c->linktype = -1;
	c->fd = -1;
	c->pos_fd = -1;
	c->name = strdup(name);
	if (bpf != NULL && bpf[0] != '\0') {
		c->bpf = strdup(bpf);
		c->has_filter = true;
	}
	if (c->name == NULL || (c->has_filter && c->bpf == NULL)) {
		rk_capture_free(c);
		return rk_err_set(err, RK_E_NOMEM, "%s: out of memory", name);
	}
	*out = c;
	return 0;
}

/*
 * Set the file reader up on c->buf.  Returns 0, 1 (not ours: try libpcap),
 * or <0 with err filled.
 */
static int
mem_setup(struct rk_capture *c, struct rk_err *err)
{
	struct bpf_program prog;
	int rc, fi;

	rc = parse_header(c, err);
	if (rc != 0)
		return rc;
	if (!c->has_filter)
		return 0;
	if (c->linktype < 0) {
		/* No interface yet: check the syntax against Ethernet. */
		rc = compile(c->bpf, 1, &prog, err);
		if (rc == 0)
			pcap_freecode(&prog);
		return rc;
	}
	fi = filt_find(c, c->linktype, err);
	if (fi == FILT_REJECT)
		return -RK_E_FILTER; /* err filled by compile() */
	if (fi < 0)
		return rk_err_set(err, RK_E_NOMEM, "%s: out of memory", c->name);
	return 0;
}

/*
 * Open a pcap or pcapng image held by the caller with the file reader.  buf
 * (len bytes) is borrowed and must stay valid and unchanged until
 * rk_capture_free(); name is copied and used in messages; bpf may be NULL.
 * OUT: *out, the source, or NULL on failure.
 * Returns 0; -RK_E_FORMAT (not pcap 2.4 or pcapng, bad header), -RK_E_TRUNC
 * (cut inside the file header), -RK_E_FILTER, -RK_E_NOMEM.  Cost: O(1) plus
 * a look ahead to the first interface of a pcapng file and the filter
 * compile.
 */
int
rk_capture_open_mem(struct rk_capture **out, const uint8_t *buf, size_t len, const char *name,
    const char *bpf, struct rk_err *err)
{
	struct rk_capture *c;
	int rc;

	*out = NULL;
	rc = cap_new(&c, name, bpf, err);
	if (rc != 0)
		return rc;
	c->buf = buf;
	c->len = len;
	c->size = len;
	rc = mem_setup(c, err);
	if (rc == 1) {
		rc = rk_err_set(err, RK_E_FORMAT, "%s: not a pcap (version 2.4) or pcapng file",
		    name);
	}
	if (rc != 0) {
		rk_capture_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* Wrap a libpcap back end in a struct rk_capture. */
static int
open_libpcap(struct rk_capture **out, const char *path, FILE *fp, const char *name,
    const char *bpf, struct rk_err *err)
{
	struct rk_capture *c;
	int rc;

	rc = cap_new(&c, name, NULL, err);
	if (rc != 0) {
		if (fp != NULL)
			fclose(fp);
		return rc;
	}
	c->kind = SRC_LIBPCAP;
	rc = rk_capture_pcap_open(&c->pc, path, fp, name, bpf, err);
	if (rc != 0) {
		rk_capture_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/*
 * Read a stdio stream through libpcap.  fp passes to the callee in every
 * case (closed on failure, or by rk_capture_free()); name is used in
 * messages; bpf may be NULL.
 * OUT: *out, the source.  Returns 0 or <0 with err filled (libpcap's own
 * message for input it cannot read).
 */
int
rk_capture_open_fp(struct rk_capture **out, FILE *fp, const char *name, const char *bpf,
    struct rk_err *err)
{
	*out = NULL;
	return open_libpcap(out, NULL, fp, name, bpf, err);
}

/*
 * open_libpcap for a stream over descriptor fd (owned by fp): when fd is a
 * regular file, remember it and the file's size, so that
 * rk_capture_get_position can tell how far the stream has read.
 */
static int
open_tracked(struct rk_capture **out, FILE *fp, int fd, const char *name, const char *bpf,
    struct rk_err *err)
{
	struct stat sb;
	int rc = open_libpcap(out, NULL, fp, name, bpf, err);

	if (rc == 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
		(*out)->pos_fd = fd;
		(*out)->size = (uint64_t)sb.st_size;
	}
	return rc;
}

/*
 * Open a capture file; path "-" reads standard input.  A regular file whose
 * first 4 bytes are a pcap or pcapng magic is read in windows by the file
 * reader; anything else (stdin, pipes, other formats) goes to libpcap.
 * bpf (may be NULL) is a filter expression; frames it rejects are counted.
 * OUT: *out, the source (free with rk_capture_free), NULL on failure.
 * Returns 0; -RK_E_IO (cannot open or read), -RK_E_INVAL (a directory),
 * -RK_E_FORMAT ("empty file", not a capture, corrupt header; the message
 * names the file), -RK_E_TRUNC (cut inside the file header), -RK_E_FILTER,
 * -RK_E_NOMEM.  Cost: open, fstat, pread, one 512 KiB read; libpcap
 * gets the open descriptor (fdopen), so a FIFO is opened once.
 */
int
rk_capture_open_file(struct rk_capture **out, const char *path, const char *bpf,
    struct rk_err *err)
{
	struct rk_capture *c = NULL;
	struct stat sb;
	uint8_t head[4];
	FILE *fp;
	uint32_t m;
	size_t size;
	ssize_t r;
	int fd, raw, rc;

	*out = NULL;
	if (strcmp(path, "-") == 0) {
		fd = dup(STDIN_FILENO);
		if (fd < 0 || (fp = rk_capture_gz_fdopen(fd)) == NULL)
			return rk_err_set(err, RK_E_IO, "standard input: %s", strerror(errno));
		return open_tracked(out, fp, fd, "standard input", bpf, err);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rk_err_set(err, RK_E_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0) {
		rc = rk_err_set(err, RK_E_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(sb.st_mode)) {
		rc = rk_err_set(err, RK_E_INVAL, "%s: is a directory, not a capture file", path);
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || (uintmax_t)sb.st_size > SIZE_MAX)
		goto libpcap;
	if (sb.st_size == 0) {
		rc = rk_err_set(err, RK_E_FORMAT, "%s: empty file", path);
		goto out;
	}
	do {
		r = pread(fd, head, sizeof(head), 0);
	} while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof(head))
		goto libpcap;
	m = rk_le32(head);
	if (m != PCAP_MAGIC_US && m != PCAP_MAGIC_NS && rk_be32(head) != PCAP_MAGIC_US &&
	    rk_be32(head) != PCAP_MAGIC_NS && m != NG_BT_SHB)
		goto libpcap;

	rc = cap_new(&c, path, bpf, err);
	if (rc != 0)
		goto out;
	size = (size_t)sb.st_size;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	c->cap = size < WINDOW_SIZE ? size : WINDOW_SIZE;
	c->heap = malloc(c->cap);
	if (c->heap == NULL) {
		rc = rk_err_set(err, RK_E_NOMEM, "%s: out of memory", path);
		goto out;
	}
	c->fd = fd;
	c->size = size;
	fd = -1; /* the capture owns it now */
	c->more = true;
	c->want = 0;
	c->state = ST_REFILL;
	if (refill(c) < 0) {
		rc = rk_err_set(err, c->saved.code, "%s", c->saved.msg);
		goto out;
	}
	rc = mem_setup(c, err);
	if (rc == 1) {
		fd = c->fd; /* back to libpcap, with the descriptor */
		c->fd = -1;
		rk_capture_free(c);
		c = NULL;
		goto libpcap;
	}
	if (rc == 0) {
		*out = c;
		c = NULL;
	}
	goto out;
libpcap:
	/*
	 * Hand libpcap the descriptor already open rather than the path: a
	 * FIFO must not be opened twice, and a file must not change in
	 * between.  The reads above may have moved the offset.
	 */
	(void)lseek(fd, 0, SEEK_SET);
	raw = fd;
	fp = rk_capture_gz_fdopen(fd);
	fd = -1; /* owned by fp now, or closed */
	if (fp == NULL) {
		rc = rk_err_set(err, RK_E_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	return open_tracked(out, fp, raw, path, bpf, err);
out:
	rk_capture_free(c);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Copy the source's counters into st.  O(1). */
void
rk_capture_get_stats(const struct rk_capture *c, struct rk_capture_stats *st)
{
	if (c->kind == SRC_LIBPCAP)
		rk_capture_pcap_get_stats(c->pc, st);
	else if (c->kind == SRC_LIVE)
		rk_capture_live_get_stats(c->live, st);
	else
		*st = c->st;
}

/*
 * How far the source has read its file, for progress displays.  OUT:
 * pos->offset, the bytes of the file consumed so far: for the file reader
 * the start of the next record; for libpcap on a regular file the
 * descriptor's offset (gzip input: compressed bytes, ahead of the frames
 * handed on by at most zlib's and stdio's buffers); pos->size, the file's
 * size at open.  Both 0 when unknown (pipes, standard input from a pipe,
 * live sources).  Cost: O(1); one lseek(2) for libpcap on a file, so call
 * it between batches, never per frame.
 */
void
rk_capture_get_position(const struct rk_capture *c, struct rk_capture_position *pos)
{
	off_t off;

	pos->offset = 0;
	pos->size = c->size;
	if (c->kind == SRC_PCAP || c->kind == SRC_PCAPNG)
		pos->offset = c->base + c->off;
	else if (c->pos_fd >= 0 && (off = lseek(c->pos_fd, 0, SEEK_CUR)) > 0)
		pos->offset = (uint64_t)off;
	if (pos->offset > pos->size)
		pos->offset = pos->size; /* the file grew after open */
}

/*
 * The LINKTYPE_* of the source: the file's for classic pcap and libpcap,
 * the first interface's for pcapng (each frame carries its own), -1 when a
 * pcapng file describes no interface before its first packet.  O(1).
 */
int
rk_capture_linktype(const struct rk_capture *c)
{
	if (c->kind == SRC_LIBPCAP)
		return rk_capture_pcap_linktype(c->pc);
	if (c->kind == SRC_LIVE)
		return rk_capture_live_linktype(c->live);
	return c->linktype;
}

/*
 * The name of LINKTYPE_* value linktype for messages ("ATM_CLIP",
 * "LINKTYPE_147"), written into buf (len bytes, NUL-terminated); returns
 * buf.  libpcap knows the names; a value it does not know gets its number.
 */
const char *
rk_capture_linktype_name(int linktype, char *buf, size_t len)
{
	const char *name = pcap_datalink_val_to_name(linktype_to_dlt(linktype));

	if (name != NULL)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "LINKTYPE_%d", linktype);
	return buf;
}

/*
 * Open a live interface: wraps the live back end (capture_live.c) in a
 * struct rk_capture.  ifname is copied; o is borrowed for the call.
 * OUT: *out, the source.  Returns 0 or <0 with err filled (see
 * rk_capture_live_open).
 */
int
rk_capture_open_live(struct rk_capture **out, const char *ifname,
    const struct rk_capture_live_opts *o, struct rk_err *err)
{
	struct rk_capture *c;
	int rc;

	rc = cap_new(&c, ifname, NULL, err);
	if (rc != 0)
		return rc;
	c->kind = SRC_LIVE;
	rc = rk_capture_live_open(&c->live, ifname, o, err);
	if (rc != 0) {
		rk_capture_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* The descriptor to poll before dispatching a live source; -1 for files.  O(1). */
int
rk_capture_fd(const struct rk_capture *c)
{
	return c->kind == SRC_LIVE ? rk_capture_live_fd(c->live) : -1;
}

/* The name the source was opened with (borrowed, valid until free).  O(1). */
const char *
rk_capture_name(const struct rk_capture *c)
{
	return c->name;
}

/* The fanout group of a live source plus 1, 0 if none.  O(1). */
int
rk_capture_fanout_id(const struct rk_capture *c)
{
	return c->kind == SRC_LIVE ? rk_capture_live_fanout_id(c->live) : 0;
}

/* A live source's news since the last call into buf: 1 if any, else 0. */
int
rk_capture_live_news(struct rk_capture *c, char *buf, size_t len)
{
	return c->kind == SRC_LIVE ? rk_capture_live_take_news(c->live, buf, len) : 0;
}

/* Close the source and free everything it owns; NULL is a no-op. */
void
rk_capture_free(struct rk_capture *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_filts; i++)
		pcap_freecode(&c->filts[i].prog);
	free(c->filts);
	free(c->ifs);
	if (c->fd >= 0)
		close(c->fd);
	free(c->heap);
	rk_capture_pcap_free(c->pc);
	rk_capture_live_free(c->live);
	free(c->bpf);
	free(c->name);
	free(c);
}

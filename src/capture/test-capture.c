/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture/test-capture.c - unit tests for the capture sources.
 *
 * Every capture is built by hand from bytes in this file (no committed
 * captures): classic pcap in both byte orders and resolutions, pcapng with
 * several interfaces, sections, resolutions and block types, and broken
 * images (cut at every byte, bad lengths, garbage).  They are read through
 * rk_capture_open_mem() and, written to a mkdtemp() directory, through
 * rk_capture_open_file(); the libpcap back end is reached with fmemopen(),
 * standard input and files our file reader declines.
 *
 * Invariant checked throughout: a source hands on exactly the whole frames
 * of its input, in order, and then ends cleanly (0) or with one error that
 * every later call repeats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "capture/capture.h"

/* A capture image under construction. */
struct img {
	uint8_t b[4096];     /* bytes */
	size_t n;            /* bytes used */
	bool is_be;          /* write multi-byte fields big-endian */
	size_t ends[32];     /* offset just past each frame record */
	int n_frames;        /* records (frames) written */
	size_t marks[64];    /* offset just past each header, block or record */
	int n_marks;         /* entries in marks */
};

/* Frames seen by the collecting callback. */
struct seen {
	int n;                  /* frames */
	uint64_t ts[32];        /* their timestamps */
	uint32_t caplen[32];    /* their caplens */
	uint32_t wirelen[32];   /* their wirelens */
	int linktype[32];       /* their link types */
	uint8_t first[32];      /* their first byte (0 if caplen is 0) */
};

static char tmpdir[64];

/* Ethernet + IPv4 + TCP SYN, 54 bytes. */
static const uint8_t eth_tcp[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
	0x30, 0x39, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x02, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Ethernet + IPv4 + UDP to port 53, 42 bytes. */
static const uint8_t eth_udp[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x1c, 0x00, 0x02, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x03,
	0xd4, 0x31, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* Raw IPv4 + TCP (LINKTYPE_RAW), 40 bytes. */
static const uint8_t raw_tcp[] = {
	0x45, 0x00, 0x00, 0x28, 0x00, 0x03, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x04, 0x0a, 0x00, 0x00, 0x05,
	0x01, 0xbb, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x12, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void
put8(struct img *im, uint8_t v)
{
	assert_true(im->n < sizeof(im->b));
	im->b[im->n++] = v;
}

static void
put16(struct img *im, uint16_t v)
{
	if (im->is_be) {
		put8(im, (uint8_t)(v >> 8));
		put8(im, (uint8_t)v);
	} else {
		put8(im, (uint8_t)v);
		put8(im, (uint8_t)(v >> 8));
	}
}

static void
put32(struct img *im, uint32_t v)
{
	if (im->is_be) {
		put16(im, (uint16_t)(v >> 16));
		put16(im, (uint16_t)v);
	} else {
		put16(im, (uint16_t)v);
		put16(im, (uint16_t)(v >> 16));
	}
}

static void
put64(struct img *im, uint64_t v)
{
	if (im->is_be) {
		put32(im, (uint32_t)(v >> 32));
		put32(im, (uint32_t)v);
	} else {
		put32(im, (uint32_t)v);
		put32(im, (uint32_t)(v >> 32));
	}
}

static void
put_bytes(struct img *im, const uint8_t *p, size_t len)
{
	assert_true(im->n + len <= sizeof(im->b));
	memcpy(im->b + im->n, p, len);
	im->n += len;
}

/* Note that a header, block or record ends here. */
static void
mark(struct img *im)
{
	assert_true(im->n_marks < 64);
	im->marks[im->n_marks++] = im->n;
}

static void
pad4(struct img *im)
{
	while (im->n % 4 != 0)
		put8(im, 0);
}

/* Classic pcap file header. */
static void
pcap_hdr(struct img *im, bool is_be, uint32_t magic, uint32_t snaplen, uint32_t lt)
{
	memset(im, 0, sizeof(*im));
	im->is_be = is_be;
	put32(im, magic);
	put16(im, 2);
	put16(im, 4);
	put32(im, 0);
	put32(im, 0);
	put32(im, snaplen);
	put32(im, lt);
	mark(im);
}

/* Classic pcap record. */
static void
pcap_rec(struct img *im, uint32_t sec, uint32_t frac, const uint8_t *p, uint32_t caplen,
    uint32_t wirelen)
{
	put32(im, sec);
	put32(im, frac);
	put32(im, caplen);
	put32(im, wirelen);
	put_bytes(im, p, caplen);
	im->ends[im->n_frames++] = im->n;
	mark(im);
}

/* pcapng Section Header Block (appended; image reset when fresh). */
static void
ng_shb(struct img *im, bool is_be, bool fresh)
{
	if (fresh)
		memset(im, 0, sizeof(*im));
	im->is_be = is_be;
	put32(im, 0x0a0d0d0a);
	put32(im, 28);
	put32(im, 0x1a2b3c4d);
	put16(im, 1);
	put16(im, 0);
	put64(im, UINT64_MAX);
	put32(im, 28);
	mark(im);
}

/* pcapng IDB; tsresol < 0 = no option; has_off: add if_tsoffset. */
static void
ng_idb(struct img *im, uint16_t lt, uint32_t snaplen, int tsresol, bool has_off, int64_t off)
{
	uint32_t len = 20 + (tsresol >= 0 ? 8 : 0) + (has_off ? 12 : 0) + 4;

	put32(im, 1);
	put32(im, len);
	put16(im, lt);
	put16(im, 0);
	put32(im, snaplen);
	if (tsresol >= 0) {
		put16(im, 9);
		put16(im, 1);
		put8(im, (uint8_t)tsresol);
		pad4(im);
	}
	if (has_off) {
		put16(im, 14);
		put16(im, 8);
		put64(im, (uint64_t)off);
	}
	put32(im, 0); /* opt_endofopt */
	put32(im, len);
	mark(im);
}

/* pcapng EPB (type 6) or obsolete PB (type 2). */
static void
ng_epb(struct img *im, uint32_t type, uint32_t ifid, uint64_t ts, const uint8_t *p,
    uint32_t caplen, uint32_t wirelen)
{
	uint32_t len = 32 + ((caplen + 3) & ~3u);

	put32(im, type);
	put32(im, len);
	if (type == 2) {
		put16(im, (uint16_t)ifid);
		put16(im, 0);
	} else {
		put32(im, ifid);
	}
	put32(im, (uint32_t)(ts >> 32));
	put32(im, (uint32_t)ts);
	put32(im, caplen);
	put32(im, wirelen);
	put_bytes(im, p, caplen);
	pad4(im);
	put32(im, len);
	im->ends[im->n_frames++] = im->n;
	mark(im);
}

static void
ng_spb(struct img *im, const uint8_t *p, uint32_t len)
{
	uint32_t blen = 16 + ((len + 3) & ~3u);

	put32(im, 3);
	put32(im, blen);
	put32(im, len);
	put_bytes(im, p, len);
	pad4(im);
	put32(im, blen);
	im->ends[im->n_frames++] = im->n;
	mark(im);
}

/* A block of a type nobody knows. */
static void
ng_unknown(struct img *im)
{
	put32(im, 0x0badu);
	put32(im, 20);
	put32(im, 0xdeadbeef);
	put32(im, 0xfeedface);
	put32(im, 20);
	mark(im);
}

static void
collect(void *user, const struct rk_frame *f)
{
	struct seen *s = user;

	if (s->n < 32) {
		s->ts[s->n] = f->ts;
		s->caplen[s->n] = f->caplen;
		s->wirelen[s->n] = f->wirelen;
		s->linktype[s->n] = f->linktype;
		s->first[s->n] = f->caplen > 0 ? f->data[0] : 0;
	}
	s->n++;
}

/* Dispatch until the end or an error, max frames a call; returns the last rc. */
static int
drain(struct rk_capture *c, int max, struct seen *s, struct rk_err *err)
{
	int rc, again;

	memset(s, 0, sizeof(*s));
	while ((rc = rk_capture_dispatch(c, max, collect, s, err)) > 0)
		assert_true(max <= 0 || rc <= max);
	if (rc < 0) {
		/* An error is sticky. */
		again = rk_capture_dispatch(c, max, collect, s, NULL);
		assert_int_equal(again, rc);
	} else {
		assert_int_equal(rk_capture_dispatch(c, max, collect, s, err), 0);
	}
	return rc;
}

static const char *
write_file(const char *name, const uint8_t *p, size_t len)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	if (len > 0)
		assert_int_equal(fwrite(p, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rk-test-capture-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_pcap_le_us(void **state)
{
	struct rk_capture_stats st;
	struct rk_capture *c;
	struct rk_err err = { 0 };
	struct seen s;
	struct img im;

	(void)state;
	pcap_hdr(&im, false, 0xa1b2c3d4, 65535, 1);
	pcap_rec(&im, 1000, 5, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	pcap_rec(&im, 1001, 999999, eth_udp, sizeof(eth_udp), 60);
	assert_int_equal(im.b[0], 0xd4);
	assert_int_equal(rk_capture_open_file(&c, write_file("le.pcap", im.b, im.n), NULL, &err),
	    0);
	assert_int_equal(rk_capture_linktype(c), 1);
	assert_int_equal(drain(c, 64, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ts[0], 1000000005ull);
	assert_int_equal(s.ts[1], 1001999999ull);
	assert_int_equal(s.caplen[0], sizeof(eth_tcp));
	assert_int_equal(s.caplen[1], sizeof(eth_udp));
	assert_int_equal(s.wirelen[1], 60);
	assert_int_equal(s.linktype[0], 1);
	rk_capture_get_stats(c, &st);
	assert_int_equal(st.n_frames, 2);
	assert_int_equal(st.n_bytes, sizeof(eth_tcp) + 60);
	assert_int_equal(st.n_filtered, 0);
	rk_capture_free(c);
}

static void
test_pcap_be_ns(void **state)
{
	struct rk_capture *c;
	struct rk_err err = { 0 };
	struct seen s;
	struct img im;

	(void)state;
	pcap_hdr(&im, true, 0xa1b23c4d, 65535, 101);
	pcap_rec(&im, 7, 123456789, raw_tcp, sizeof(raw_tcp), sizeof(raw_tcp));
	assert_int_equal(im.b[0], 0xa1);
	assert_int_equal(im.b[3], 0x4d);
	assert_int_equal(rk_capture_open_mem(&c, im.b, im.n, "be", NULL, &err), 0);
	assert_int_equal(drain(c, 1, &s, &err), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ts[0], 7123456ull);
	assert_int_equal(s.linktype[0], 101);
	assert_int_equal(s.first[0], 0x45);
	rk_capture_free(c);
}

/* FCS bits are masked off; caplen > snaplen is reported as the snaplen. */
static void
test_pcap_fcs_snaplen(void **state)
{
	struct rk_capture *c;
	struct rk_err err = { 0 };
	struct seen s;
	struct img im;

	(void)state;
	pcap_hdr(&im, false, 0xa1b2c3d4, 20, 0x14000001);
	pcap_rec(&im, 1, 0, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	pcap_rec(&im, 2, 0, eth_udp, 20, sizeof(eth_udp));
	assert_int_equal(rk_capture_open_mem(&c, im.b, im.n, "fcs", NULL, &err), 0);
	assert_int_equal(rk_capture_linktype(c), 1);
	assert_int_equal(drain(c, 0, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.caplen[0], 20);
	assert_int_equal(s.wirelen[0], sizeof(eth_tcp));
	assert_int_equal(s.ts[1], 2000000);
	assert_int_equal(s.caplen[1], 20);
	rk_capture_free(c);
}

/* Snaplen 0 means the maximum; a huge caplen is a corrupt record. */
static void
test_pcap_snaplen0_huge_caplen(void **state)
{
	struct rk_capture *c;
	struct rk_err err = { 0 };
	struct seen s;
	struct img im;

	(void)state;
	pcap_hdr(&im, false, 0xa1b2c3d4, 0, 1);
	pcap_rec(&im, 1, 0, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	put32(&im, 2);
	put32(&im, 0);
	put32(&im, 0x7fffffff);
	put32(&im, 0x7fffffff);
	assert_int_equal(rk_capture_open_mem(&c, im.b, im.n, "huge", NULL, &err), 0);
	/* The frame before the corrupt record is reported: a cut, not a bad file. */
	assert_int_equal(drain(c, 64, &s, &err), -RK_E_TRUNC);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.caplen[0], sizeof(eth_tcp));
	assert_non_null(strstr(err.msg, "huge: corrupt record at offset 94"));
	assert_non_null(strstr(err.msg, "the 1 record before it was analysed"));
	rk_capture_free(c);
}

/* Two interfaces of different link types and resolutions; SPB, PB, unknown. */
static void
build_ng_two_ifs(struct img *im)
{
	ng_shb(im, false, true);
	ng_idb(im, 1, 0, -1, false, 0);
	ng_idb(im, 101, 128, 9, true, 100);
	ng_unknown(im);
	ng_epb(im, 6, 0, 1234567, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	ng_epb(im, 6, 1, 5000000000ull, raw_tcp, sizeof(raw_tcp), sizeof(raw_tcp));
	ng_spb(im, eth_udp, sizeof(eth_udp));
	ng_epb(im, 2, 0, 2000000, eth_udp, sizeof(eth_udp), sizeof(eth_udp));
}

static void
test_pcapng_two_ifs(void **state)
{
	struct rk_capture *c;
	struct rk_err err = { 0 };
	struct seen s;
	struct img im;

	(void)state;
	build_ng_two_ifs(&im);
	assert_int_equal(rk_capture_open_file(&c, write_file("two.pcapng", im.b, im.n), NULL,
	    &err), 0);
	assert_int_equal(rk_capture_linktype(c), 1);
	assert_int_equal(drain(c, 3, &s, &err), 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.linktype[0], 1);
	assert_int_equal(s.ts[0], 1234567);
	assert_int_equal(s.first[0], 0x00);
	assert_int_equal(s.linktype[1], 101);
	assert_int_equal(s.ts[1], 5000000 + 100000000);
	assert_int_equal(s.first[1], 0x45);
	assert_int_equal(s.caplen[1], sizeof(raw_tcp));
	assert_int_equal(s.linktype[2], 1); /* SPB: interface 0 */
	assert_int_equal(s.caplen[2], sizeof(eth_udp));
	assert_int_equal(s.ts[2], s.ts[1]); /* no timestamp: the last one */
	assert_int_equal(s.linktype[3], 1);
	assert_int_equal(s.ts[3], 2000000);
	rk_capture_free(c);
}

/* Big-endian section with a power-of-2 resolution, then a little-endian one. */
static void
test_pcapng_be_pow2_sections(void **state)
{
	struct rk_capture *c;
	struct rk_err err = { 0 };
	struct seen s;
	struct img im;

	(void)state;
	ng_shb(&im, true, true);
	ng_idb(&im, 1, 96, 0x8a, false, 0);
	ng_epb(&im, 6, 0, 2048 + 512, eth_tcp, sizeof(eth_tcp), 1514);
	ng_shb(&im, false, false);
	ng_idb(&im, 101, 0, 3, false, 0);
	ng_epb(&im, 6, 0, 42, raw_tcp, sizeof(raw_tcp), sizeof(raw_tcp));
	assert_int_equal(rk_capture_open_mem(&c, im.b, im.n, "sections", NULL, &err), 0);
	assert_int_equal(rk_capture_linktype(c), 1);
	assert_int_equal(drain(c, 64, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ts[0], 2500000);
	assert_int_equal(s.wirelen[0], 1514);
	assert_int_equal(s.linktype[1], 101);
	assert_int_equal(s.ts[1], 42000);
	rk_capture_free(c);

	/* A new section forgets the interfaces of the one before. */
	ng_epb(&im, 6, 1, 0, raw_tcp, sizeof(raw_tcp), sizeof(raw_tcp));
	assert_int_equal(rk_capture_open_mem(&c, im.b, im.n, "sections", NULL, &err), 0);
	assert_int_equal(drain(c, 64, &s, &err), -RK_E_TRUNC);
	assert_int_equal(s.n, 2);
	assert_non_null(strstr(err.msg, "interface 1"));
	rk_capture_free(c);
}

static void
expect_format(const struct img *im, const char *what)
{
	struct rk_capture *c;
	struct rk_err err = { 0 };
	struct seen s;
	int rc;

	rc = rk_capture_open_mem(&c, im->b, im->n, "bad", NULL, &err);
	if (rc == 0) {
		rc = drain(c, 64, &s, &err);
		rk_capture_free(c);
	}
	assert_int_equal(rc, -RK_E_FORMAT);
	assert_int_equal(err.code, RK_E_FORMAT);
	if (strstr(err.msg, what) == NULL)
		fail_msg("message '%s' lacks '%s'", err.msg, what);
}

static void
test_pcapng_bad_blocks(void **state)
{
	struct img im;
	size_t at;

	(void)state;
	/* Length not a multiple of 4. */
	ng_shb(&im, false, true);
	ng_idb(&im, 1, 0, -1, false, 0);
	at = im.n;
	ng_epb(&im, 6, 0, 1, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	im.b[at + 4] += 1;
	expect_format(&im, "corrupt block");
	/* Trailing length differs. */
	im.b[at + 4] -= 1;
	im.b[im.n - 4] += 4;
	expect_format(&im, "trailing length");
	/* caplen larger than the block. */
	im.b[im.n - 4] -= 4;
	im.b[at + 20] = 200;
	expect_format(&im, "corrupt record");
	/* Block length below 12. */
	ng_shb(&im, false, true);
	put32(&im, 0x0badu);
	put32(&im, 8);
	put32(&im, 8);
	expect_format(&im, "corrupt block");
	/* Bad byte-order magic. */
	ng_shb(&im, false, true);
	im.b[8] = 0;
	expect_format(&im, "byte-order");
	/* Unsupported version. */
	ng_shb(&im, false, true);
	im.b[12] = 2;
	expect_format(&im, "version");
	/* Packet before any interface. */
	ng_shb(&im, false, true);
	ng_spb(&im, eth_udp, sizeof(eth_udp));
	expect_format(&im, "interface 0");
	/* Garbage after a magic. */
	memset(&im, 0x5a, sizeof(im));
	im.b[0] = 0xd4;
	im.b[1] = 0xc3;
	im.b[2] = 0xb2;
	im.b[3] = 0xa1;
	im.n = 100;
	expect_format(&im, "not a pcap");
}

/*
 * Cut img at every offset: the source must hand on exactly the frames whose
 * records end at or before the cut, then end cleanly (cut on a boundary) or
 * with -RK_E_TRUNC; a cut inside the file header fails at open.
 */
static void
cut_everywhere(const struct img *im, size_t hdr_len, bool via_file)
{
	struct rk_capture *c;
	struct rk_err err;
	struct seen s;
	size_t cut;
	int rc, want, i;
	bool on_boundary;

	for (cut = 0; cut <= im->n; cut++) {
		want = 0;
		on_boundary = false;
		for (i = 0; i < im->n_frames; i++) {
			if (im->ends[i] <= cut)
				want++;
		}
		for (i = 0; i < im->n_marks; i++) {
			if (im->marks[i] == cut)
				on_boundary = true;
		}
		memset(&err, 0, sizeof(err));
		if (via_file) {
			rc = rk_capture_open_file(&c, write_file("cut", im->b, cut), NULL, &err);
		} else {
			rc = rk_capture_open_mem(&c, im->b, cut, "cut", NULL, &err);
		}
		if (cut < hdr_len) {
			assert_int_not_equal(rc, 0);
			assert_true(err.msg[0] != '\0');
			if (via_file && cut == 0)
				assert_non_null(strstr(err.msg, "empty file"));
			continue;
		}
		assert_int_equal(rc, 0);
		rc = drain(c, 1, &s, &err);
		rk_capture_free(c);
		assert_int_equal(s.n, want);
		if (on_boundary) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, -RK_E_TRUNC);
			assert_non_null(strstr(err.msg, "truncated at byte"));
		}
	}
}

static void
test_truncation(void **state)
{
	struct img im;

	(void)state;
	pcap_hdr(&im, false, 0xa1b2c3d4, 65535, 1);
	pcap_rec(&im, 1, 0, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	pcap_rec(&im, 2, 0, eth_udp, sizeof(eth_udp), sizeof(eth_udp));
	pcap_rec(&im, 3, 0, eth_udp, 0, 0);
	pcap_rec(&im, 4, 0, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	cut_everywhere(&im, 24, false);
	cut_everywhere(&im, 24, true);

	build_ng_two_ifs(&im);
	cut_everywhere(&im, 28, false);
	cut_everywhere(&im, 28, true);
}

static void
test_truncation_message(void **state)
{
	struct rk_capture *c;
	struct rk_err err = { 0 };
	struct seen s;
	struct img im;

	(void)state;
	pcap_hdr(&im, false, 0xa1b2c3d4, 65535, 1);
	pcap_rec(&im, 1, 0, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	pcap_rec(&im, 2, 0, eth_udp, sizeof(eth_udp), sizeof(eth_udp));
	assert_int_equal(rk_capture_open_mem(&c, im.b, im.n - 2, "t.pcap", NULL, &err), 0);
	assert_int_equal(drain(c, 64, &s, &err), -RK_E_TRUNC);
	assert_int_equal(s.n, 1);
	assert_string_equal(err.msg, "t.pcap: truncated at byte 94 after 1 frames "
	    "(record wants 58 bytes, 56 left)");
	rk_capture_free(c);
}

static void
test_garbage_empty_dir(void **state)
{
	static const uint8_t junk[] = "this is not a capture file, just text\n";
	struct rk_capture *c;
	struct rk_err err = { 0 };
	const char *path;

	(void)state;
	path = write_file("junk.txt", junk, sizeof(junk));
	assert_int_equal(rk_capture_open_file(&c, path, NULL, &err), -RK_E_FORMAT);
	assert_null(c);
	assert_non_null(strstr(err.msg, "unknown file format"));
	assert_non_null(strstr(err.msg, "junk.txt"));

	path = write_file("empty.pcap", junk, 0);
	assert_int_equal(rk_capture_open_file(&c, path, NULL, &err), -RK_E_FORMAT);
	assert_non_null(strstr(err.msg, "empty.pcap: empty file"));

	assert_int_equal(rk_capture_open_file(&c, tmpdir, NULL, &err), -RK_E_INVAL);
	assert_non_null(strstr(err.msg, "directory"));

	assert_int_equal(rk_capture_open_file(&c, "/nonexistent/x.pcap", NULL, &err),
	    -RK_E_IO);
	assert_non_null(strstr(err.msg, "/nonexistent/x.pcap"));

	/* Three bytes: too short for any magic, libpcap says why. */
	path = write_file("short.pcap", (const uint8_t *)"\xd4\xc3\xb2", 3);
	assert_true(rk_capture_open_file(&c, path, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "short.pcap"));
}

static void
test_bpf(void **state)
{
	struct rk_capture_stats st;
	struct rk_capture *c;
	struct rk_err err = { 0 };
	struct seen s;
	struct img im;

	(void)state;
	pcap_hdr(&im, false, 0xa1b2c3d4, 65535, 1);
	pcap_rec(&im, 1, 0, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	pcap_rec(&im, 2, 0, eth_udp, sizeof(eth_udp), sizeof(eth_udp));
	pcap_rec(&im, 3, 0, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	assert_int_equal(rk_capture_open_mem(&c, im.b, im.n, "f", "udp port 53", &err), 0);
	assert_int_equal(drain(c, 1, &s, &err), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ts[0], 2000000);
	rk_capture_get_stats(c, &st);
	assert_int_equal(st.n_frames, 1);
	assert_int_equal(st.n_filtered, 2);
	rk_capture_free(c);

	/* Rejecting everything: the first call already reports the end. */
	assert_int_equal(rk_capture_open_mem(&c, im.b, im.n, "f", "not ip", &err), 0);
	assert_int_equal(rk_capture_dispatch(c, 1, collect, &s, &err), 0);
	rk_capture_get_stats(c, &st);
	assert_int_equal(st.n_filtered, 3);
	assert_int_equal(st.n_frames, 0);
	rk_capture_free(c);

	/* pcapng: one program per link type (Ethernet and raw IP). */
	build_ng_two_ifs(&im);
	assert_int_equal(rk_capture_open_mem(&c, im.b, im.n, "ng", "tcp", &err), 0);
	assert_int_equal(drain(c, 64, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.linktype[0], 1);
	assert_int_equal(s.linktype[1], 101);
	rk_capture_get_stats(c, &st);
	assert_int_equal(st.n_filtered, 2);
	rk_capture_free(c);

	/* The libpcap path filters too. */
	pcap_hdr(&im, false, 0xa1b2c3d4, 65535, 1);
	pcap_rec(&im, 1, 0, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	pcap_rec(&im, 2, 0, eth_udp, sizeof(eth_udp), sizeof(eth_udp));
	assert_int_equal(rk_capture_open_fp(&c, fmemopen(im.b, im.n, "rb"), "mem", "tcp", &err),
	    0);
	assert_int_equal(drain(c, 64, &s, &err), 0);
	assert_int_equal(s.n, 1);
	rk_capture_get_stats(c, &st);
	assert_int_equal(st.n_filtered, 1);
	rk_capture_free(c);
}

static void
test_bad_filter(void **state)
{
	struct rk_capture *c;
	struct rk_err err = { 0 };
	struct img im;

	(void)state;
	pcap_hdr(&im, false, 0xa1b2c3d4, 65535, 1);
	pcap_rec(&im, 1, 0, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	assert_int_equal(rk_capture_open_mem(&c, im.b, im.n, "f", "tcp and and", &err),
	    -RK_E_FILTER);
	assert_null(c);
	assert_non_null(strstr(err.msg, "bad filter 'tcp and and': "));
	assert_true(strlen(err.msg) > strlen("bad filter 'tcp and and': "));
	assert_int_equal(rk_capture_open_file(&c, write_file("f.pcap", im.b, im.n), "port 99999",
	    &err), -RK_E_FILTER);
	assert_non_null(strstr(err.msg, "bad filter 'port 99999'"));
	assert_int_equal(rk_capture_open_fp(&c, fmemopen(im.b, im.n, "rb"), "mem", "frob",
	    &err), -RK_E_FILTER);
	build_ng_two_ifs(&im);
	assert_int_equal(rk_capture_open_mem(&c, im.b, im.n, "f", "tcp[", &err), -RK_E_FILTER);
}

/* libpcap back end: a stream, a truncated stream, a version only it reads. */
static void
test_libpcap(void **state)
{
	struct rk_capture *c;
	struct rk_err err = { 0 };
	struct seen s;
	struct img im;

	(void)state;
	pcap_hdr(&im, true, 0xa1b2c3d4, 65535, 101);
	pcap_rec(&im, 9, 8, raw_tcp, sizeof(raw_tcp), sizeof(raw_tcp));
	pcap_rec(&im, 10, 0, raw_tcp, sizeof(raw_tcp), sizeof(raw_tcp));
	assert_int_equal(rk_capture_open_fp(&c, fmemopen(im.b, im.n, "rb"), "mem", NULL, &err),
	    0);
	assert_int_equal(rk_capture_linktype(c), 101);
	assert_int_equal(drain(c, 1, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ts[0], 9000008);
	assert_int_equal(s.linktype[0], 101);
	assert_int_equal(s.first[0], 0x45);
	rk_capture_free(c);

	assert_int_equal(rk_capture_open_fp(&c, fmemopen(im.b, im.n - 5, "rb"), "mem", NULL,
	    &err), 0);
	assert_int_equal(drain(c, 64, &s, &err), -RK_E_TRUNC);
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(err.msg, "truncated dump file"));
	rk_capture_free(c);

	/* Version 2.2: declined by our file reader, read by libpcap. */
	im.b[7] = 2;
	assert_int_equal(rk_capture_open_file(&c, write_file("v22.pcap", im.b, im.n), NULL, &err),
	    0);
	assert_int_equal(drain(c, 64, &s, &err), 0);
	assert_int_equal(s.n, 2);
	rk_capture_free(c);

	/* Junk through a stream. */
	memset(im.b, 'x', 64);
	assert_int_equal(rk_capture_open_fp(&c, fmemopen(im.b, 64, "rb"), "junk", NULL, &err),
	    -RK_E_FORMAT);
	assert_non_null(strstr(err.msg, "junk: unknown file format"));
}

/* "-" reads standard input through libpcap. */
static void
test_stdin(void **state)
{
	struct rk_capture *c;
	struct rk_err err = { 0 };
	struct seen s;
	struct img im;
	int fd, saved;

	(void)state;
	/* libpcap refuses mixed link types: Ethernet frames only. */
	ng_shb(&im, false, true);
	ng_idb(&im, 1, 0, -1, false, 0);
	ng_epb(&im, 6, 0, 77, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	ng_spb(&im, eth_udp, sizeof(eth_udp));
	fd = open(write_file("stdin.pcapng", im.b, im.n), O_RDONLY);
	assert_true(fd >= 0);
	saved = dup(0);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 0), 0);
	close(fd);
	assert_int_equal(rk_capture_open_file(&c, "-", NULL, &err), 0);
	assert_int_equal(drain(c, 64, &s, &err), 0);
	rk_capture_free(c);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ts[0], 77);
	assert_int_equal(s.linktype[1], 1);
}

/* Write the image gzip-compressed to name in tmpdir; returns the path. */
static const char *
write_gz(const char *name, const uint8_t *p, size_t len)
{
	static char path[256];
	gzFile gz;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	gz = gzopen(path, "wb");
	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, p, (unsigned)len), (int)len);
	assert_int_equal(gzclose(gz), Z_OK);
	return path;
}

/*
 * rk_capture_get_position: the file reader's offset follows the records
 * to the size; libpcap on a gzip file counts compressed bytes up to the
 * file's size; a stream that is no file knows neither.
 */
static void
test_position(void **state)
{
	struct rk_capture_position pos;
	struct rk_capture *c;
	struct rk_err err = { 0 };
	struct stat sb;
	struct seen s;
	struct img im;
	const char *path;

	(void)state;
	pcap_hdr(&im, false, 0xa1b2c3d4, 65535, 1);
	pcap_rec(&im, 1000, 5, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	pcap_rec(&im, 1001, 6, eth_udp, sizeof(eth_udp), 60);
	pcap_rec(&im, 1002, 7, eth_tcp, sizeof(eth_tcp), sizeof(eth_tcp));
	memset(&s, 0, sizeof(s));
	assert_int_equal(rk_capture_open_file(&c, write_file("pos.pcap", im.b, im.n), NULL, &err),
	    0);
	rk_capture_get_position(c, &pos);
	assert_int_equal(pos.size, im.n);
	assert_int_equal(pos.offset, 24);
	assert_int_equal(rk_capture_dispatch(c, 1, collect, &s, &err), 1);
	rk_capture_get_position(c, &pos);
	assert_int_equal(pos.offset, 24 + 16 + sizeof(eth_tcp));
	assert_int_equal(drain(c, 64, &s, &err), 0);
	rk_capture_get_position(c, &pos);
	assert_int_equal(pos.offset, im.n);
	rk_capture_free(c);

	path = write_gz("pos.pcap.gz", im.b, im.n);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(rk_capture_open_file(&c, path, NULL, &err), 0);
	assert_int_equal(drain(c, 64, &s, &err), 0);
	assert_int_equal(s.n, 3);
	rk_capture_get_position(c, &pos);
	assert_int_equal(pos.size, (uint64_t)sb.st_size);
	assert_int_equal(pos.offset, pos.size);
	rk_capture_free(c);

	assert_int_equal(rk_capture_open_fp(&c, fmemopen(im.b, im.n, "rb"), "mem", NULL, &err), 0);
	assert_int_equal(drain(c, 64, &s, &err), 0);
	rk_capture_get_position(c, &pos);
	assert_int_equal(pos.size, 0);
	assert_int_equal(pos.offset, 0);
	rk_capture_free(c);
}

static void
test_free_null(void **state)
{
	(void)state;
	rk_capture_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_le_us),
		cmocka_unit_test(test_pcap_be_ns),
		cmocka_unit_test(test_pcap_fcs_snaplen),
		cmocka_unit_test(test_pcap_snaplen0_huge_caplen),
		cmocka_unit_test(test_pcapng_two_ifs),
		cmocka_unit_test(test_pcapng_be_pow2_sections),
		cmocka_unit_test(test_pcapng_bad_blocks),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_truncation_message),
		cmocka_unit_test(test_garbage_empty_dir),
		cmocka_unit_test(test_bpf),
		cmocka_unit_test(test_bad_filter),
		cmocka_unit_test(test_libpcap),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_position),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}

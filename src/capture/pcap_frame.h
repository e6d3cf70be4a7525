/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture/pcap_frame.h - private to src/capture: the rk_frame of a record
 * libpcap hands to a callback, for the back ends that read through
 * libpcap (capture_pcap.c, capture_live.c).  The frame borrows bytes,
 * which stay libpcap's and are valid only until the next read.
 */
#ifndef RK_CAPTURE_PCAP_FRAME_H
#define RK_CAPTURE_PCAP_FRAME_H

#include <stdint.h>

#include <pcap/pcap.h>

#include "capture/capture.h"

/* The frame of record h (bytes its captured bytes) on a link of type linktype. */
static inline struct rk_frame
rk_capture_pcap_frame(const struct pcap_pkthdr *h, const u_char *bytes, int linktype)
{
	struct rk_frame f;

	f.ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
	f.data = bytes;
	f.caplen = h->caplen;
	f.wirelen = h->len;
	f.linktype = linktype;
	return f;
}

#endif /* RK_CAPTURE_PCAP_FRAME_H */

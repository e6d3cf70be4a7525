/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench/pcap_loop.c - the reference: a bare libpcap read loop.
 *
 * Reads a capture with pcap_next_ex and only counts packets and bytes:
 * what any tool that reads through libpcap pays at least.  renkei's
 * benchmark reports every tool's time as a ratio to this loop.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t n = 0, bytes = 0;
	pcap_t *p;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap-loop FILE\n");
		return 1;
	}
	p = pcap_open_offline(argv[1], errbuf);
	if (p == NULL) {
		fprintf(stderr, "pcap-loop: %s\n", errbuf);
		return 2;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		n++;
		bytes += h->caplen;
	}
	if (rc == -1)
		fprintf(stderr, "pcap-loop: %s\n", pcap_geterr(p));
	printf("%" PRIu64 " packets, %" PRIu64 " bytes\n", n, bytes);
	pcap_close(p);
	return rc == -1 ? 2 : 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify/test-classify.c - the server/client decision on the traps the
 * product promises to get right, with and without handshakes.  Packets go
 * through a real session table into a real classifier; the tests look at
 * the resulting services and edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "classify/classify.h"

struct world {
	struct rk_names *names;
	struct rk_classifier *c;
	struct rk_sess_table *t;
	uint64_t ts;
};

static void
fold(void *user, const struct rk_session *s, enum rk_fold_why why)
{
	rk_classify_fold(user, s, why);
}

static int
setup(void **state)
{
	static struct world w;
	char path[] = "/tmp/rk-test-services-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fprintf(f, "ssh 22/tcp\ndomain 53/udp\nntp 123/udp\nsyslog 514/udp\n"
	    "nfs 2049/tcp\npostgresql 5432/tcp\nhttp 80/tcp\n");
	fclose(f);
	memset(&w, 0, sizeof(w));
	w.names = rk_names_new(1000);
	assert_int_equal(rk_names_load_services(w.names, path, NULL), 0);
	unlink(path);
	w.c = rk_classify_new(w.names, 100000, 1);
	w.t = rk_sess_table_new(10000, 1, fold, w.c);
	w.ts = 1000;
	*state = &w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;

	rk_sess_table_free(w->t);
	rk_classify_free(w->c);
	rk_names_free(w->names);
	return 0;
}

static void
pkt(struct world *w, const char *src, uint16_t sport, const char *dst, uint16_t dport,
    uint8_t proto, uint8_t flags, uint16_t len)
{
	struct rk_rec r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(rk_addr_parse(src, r.src), 0);
	assert_int_equal(rk_addr_parse(dst, r.dst), 0);
	r.sport = sport;
	r.dport = dport;
	r.proto = proto;
	r.flags = flags;
	r.len = len;
	r.ts = w->ts++;
	rk_sess_update(w->t, &r);
}

#define ACK RK_TCP_ACK
#define DATA (RK_TCP_ACK | RK_REC_PAYLOAD)

/* A TCP conversation: handshake (optional), n request/response rounds, FIN. */
static void
tcp_conv(struct world *w, const char *c, uint16_t cp, const char *s, uint16_t sp, int handshake,
    int rounds)
{
	if (handshake) {
		pkt(w, c, cp, s, sp, RK_PROTO_TCP, RK_TCP_SYN, 60);
		pkt(w, s, sp, c, cp, RK_PROTO_TCP, RK_TCP_SYN | ACK, 60);
		pkt(w, c, cp, s, sp, RK_PROTO_TCP, ACK, 52);
	}
	for (int i = 0; i < rounds; i++) {
		pkt(w, c, cp, s, sp, RK_PROTO_TCP, DATA, 200);
		pkt(w, s, sp, c, cp, RK_PROTO_TCP, DATA, 1400);
		pkt(w, c, cp, s, sp, RK_PROTO_TCP, ACK, 52);
	}
}

static void
finish(struct world *w)
{
	rk_sess_drain(w->t);
	rk_classify_flush(w->c);
}

static const struct rk_service *
service(struct world *w, const char *ip, uint8_t proto, uint16_t port)
{
	struct rk_ep_key k;

	memset(&k, 0, sizeof(k));
	assert_int_equal(rk_addr_parse(ip, k.ip), 0);
	k.proto = proto;
	k.port = port;
	return rk_map_find(rk_classify_services(w->c), &k);
}

static const struct rk_edge *
edge(struct world *w, const char *cl, const char *sv, uint8_t proto, uint16_t port)
{
	struct rk_edge_key k;

	memset(&k, 0, sizeof(k));
	assert_int_equal(rk_addr_parse(cl, k.client), 0);
	assert_int_equal(rk_addr_parse(sv, k.server), 0);
	k.proto = proto;
	k.port = port;
	return rk_map_find(rk_classify_edges(w->c), &k);
}

static size_t
n_services(struct world *w)
{
	return rk_classify_services(w->c)->n_entries;
}

static void
test_handshake_decides(void **state)
{
	struct world *w = *state;

	/* A server on a high port, its client on a low one: the SYN+ACK says who serves. */
	tcp_conv(w, "10.0.0.9", 1000, "10.0.0.5", 50020, 1, 2);
	finish(w);
	assert_non_null(service(w, "10.0.0.5", RK_PROTO_TCP, 50020));
	assert_non_null(edge(w, "10.0.0.9", "10.0.0.5", RK_PROTO_TCP, 50020));
	assert_int_equal(n_services(w), 1);
}

static void
test_pool_without_handshake(void **state)
{
	struct world *w = *state;

	/* Six pooled connections opened before the capture; the server has the higher address. */
	for (uint16_t i = 0; i < 6; i++)
		tcp_conv(w, "10.0.0.2", (uint16_t)(40001 + i), "10.0.9.5", 5432, 0, 3);
	finish(w);
	assert_non_null(service(w, "10.0.9.5", RK_PROTO_TCP, 5432));
	assert_non_null(edge(w, "10.0.0.2", "10.0.9.5", RK_PROTO_TCP, 5432));
	assert_int_equal(n_services(w), 1);
}

static void
test_custom_pool_without_handshake(void **state)
{
	struct world *w = *state;

	/* An unnamed high port with clients from low ports, no handshake anywhere. */
	for (uint16_t i = 0; i < 3; i++)
		tcp_conv(w, "10.0.1.7", (uint16_t)(1000 + i), "10.0.0.5", 50020, 0, 2);
	tcp_conv(w, "10.0.1.8", 1000, "10.0.0.5", 50020, 0, 2);
	finish(w);
	assert_non_null(service(w, "10.0.0.5", RK_PROTO_TCP, 50020));
	assert_non_null(edge(w, "10.0.1.7", "10.0.0.5", RK_PROTO_TCP, 50020));
	assert_non_null(edge(w, "10.0.1.8", "10.0.0.5", RK_PROTO_TCP, 50020));
	assert_int_equal(n_services(w), 1);
}

static void
test_lone_ssh_midstream(void **state)
{
	struct world *w = *state;

	tcp_conv(w, "10.0.0.1", 51234, "10.0.0.200", 22, 0, 5);
	finish(w);
	assert_non_null(service(w, "10.0.0.200", RK_PROTO_TCP, 22));
	assert_int_equal(n_services(w), 1);
}

static void
test_subscription_server_talks(void **state)
{
	struct world *w = *state;

	/* Only the server sends data on an unnamed port; the client only ACKs. */
	for (int i = 0; i < 20; i++) {
		pkt(w, "10.0.0.50", 61613, "10.0.0.10", 45000, RK_PROTO_TCP, DATA, 1400);
		pkt(w, "10.0.0.10", 45000, "10.0.0.50", 61613, RK_PROTO_TCP, ACK, 52);
	}
	finish(w);
	assert_non_null(service(w, "10.0.0.50", RK_PROTO_TCP, 61613));
	assert_int_equal(n_services(w), 1);
}

static void
test_small_push_above_linux_ephemeral(void **state)
{
	struct world *w = *state;

	/* Short lines pushed from 61613 (above Linux's ephemeral range) to 41410 (inside it). */
	for (int i = 0; i < 20; i++) {
		pkt(w, "fd77::30", 61613, "fd77::33", 41410, RK_PROTO_TCP, DATA, 100);
		pkt(w, "fd77::33", 41410, "fd77::30", 61613, RK_PROTO_TCP, ACK, 72);
	}
	finish(w);
	assert_non_null(service(w, "fd77::30", RK_PROTO_TCP, 61613));
	assert_int_equal(n_services(w), 1);
}

static void
test_nfs_privileged_client(void **state)
{
	struct world *w = *state;

	tcp_conv(w, "10.0.0.30", 800, "10.0.0.3", 2049, 0, 3);
	finish(w);
	assert_non_null(service(w, "10.0.0.3", RK_PROTO_TCP, 2049));
	assert_int_equal(n_services(w), 1);
}

static void
test_udp_dns_and_syslog(void **state)
{
	struct world *w = *state;

	pkt(w, "10.0.0.9", 53111, "10.0.0.53", 53, RK_PROTO_UDP, RK_REC_PAYLOAD, 60);
	pkt(w, "10.0.0.53", 53, "10.0.0.9", 53111, RK_PROTO_UDP, RK_REC_PAYLOAD, 120);
	/* One syslog message, one way. */
	pkt(w, "10.0.0.9", 41000, "10.0.0.7", 514, RK_PROTO_UDP, RK_REC_PAYLOAD, 100);
	finish(w);
	assert_non_null(service(w, "10.0.0.53", RK_PROTO_UDP, 53));
	assert_non_null(service(w, "10.0.0.7", RK_PROTO_UDP, 514));
	assert_non_null(edge(w, "10.0.0.9", "10.0.0.7", RK_PROTO_UDP, 514));
	assert_int_equal(n_services(w), 2);
}

static void
test_ntp_symmetric_ports(void **state)
{
	struct world *w = *state;
	char c[32];

	/* Five clients talk to one server, all from port 123 to port 123. */
	for (int i = 0; i < 5; i++) {
		snprintf(c, sizeof(c), "10.0.%d.%d", i, 200 - i);
		pkt(w, c, 123, "10.0.0.123", 123, RK_PROTO_UDP, RK_REC_PAYLOAD, 76);
		pkt(w, "10.0.0.123", 123, c, 123, RK_PROTO_UDP, RK_REC_PAYLOAD, 76);
	}
	finish(w);
	assert_non_null(service(w, "10.0.0.123", RK_PROTO_UDP, 123));
	assert_int_equal(n_services(w), 1);
	assert_int_equal(service(w, "10.0.0.123", RK_PROTO_UDP, 123)->n_clients, 5);
}

static void
test_backscatter_and_scan_are_not_services(void **state)
{
	struct world *w = *state;
	char d[32];

	/* Backscatter: SYN+ACKs nobody asked for; the victims answer RST or nothing. */
	for (int i = 0; i < 20; i++) {
		snprintf(d, sizeof(d), "10.1.%d.%d", i, i + 1);
		pkt(w, "198.51.100.7", 80, d, (uint16_t)(30000 + i), RK_PROTO_TCP,
		    RK_TCP_SYN | ACK, 60);
		if (i % 2)
			pkt(w, d, (uint16_t)(30000 + i), "198.51.100.7", 80, RK_PROTO_TCP,
			    RK_TCP_RST, 40);
	}
	/* A SYN scan: closed ports answer RST+ACK; one open port answers SYN+ACK, scanner RSTs. */
	for (uint16_t p = 1; p < 200; p++) {
		pkt(w, "10.9.9.9", 61000, "10.0.0.5", p, RK_PROTO_TCP, RK_TCP_SYN, 44);
		if (p == 80) {
			pkt(w, "10.0.0.5", p, "10.9.9.9", 61000, RK_PROTO_TCP, RK_TCP_SYN | ACK, 44);
			pkt(w, "10.9.9.9", 61000, "10.0.0.5", p, RK_PROTO_TCP, RK_TCP_RST, 40);
		} else {
			pkt(w, "10.0.0.5", p, "10.9.9.9", 61000, RK_PROTO_TCP, RK_TCP_RST | ACK, 40);
		}
	}
	/* The open port has a real client too. */
	tcp_conv(w, "10.0.0.9", 40000, "10.0.0.5", 80, 1, 1);
	/* A UDP probe answered by ICMP port unreachable. */
	pkt(w, "10.9.9.9", 61000, "10.0.0.5", 161, RK_PROTO_UDP, 0, 28);
	pkt(w, "10.0.0.5", 161, "10.9.9.9", 61000, RK_PROTO_UDP, RK_REC_UNREACH, 56);
	finish(w);
	assert_int_equal(n_services(w), 1);
	assert_non_null(service(w, "10.0.0.5", RK_PROTO_TCP, 80));
	assert_int_equal(rk_classify_edges(w->c)->n_entries, 1);
	assert_non_null(edge(w, "10.0.0.9", "10.0.0.5", RK_PROTO_TCP, 80));
}

static void
test_multicast_is_not_a_host(void **state)
{
	struct world *w = *state;

	pkt(w, "10.0.0.9", 5353, "224.0.0.251", 5353, RK_PROTO_UDP, RK_REC_PAYLOAD, 100);
	pkt(w, "10.0.0.8", 5353, "224.0.0.251", 5353, RK_PROTO_UDP, RK_REC_PAYLOAD, 100);
	pkt(w, "fe80::1", 546, "ff02::1:2", 547, RK_PROTO_UDP, RK_REC_PAYLOAD, 100);
	/* NetBIOS to the subnet broadcast, from two hosts of that /24. */
	pkt(w, "192.168.2.16", 137, "192.168.2.255", 137, RK_PROTO_UDP, RK_REC_PAYLOAD, 78);
	pkt(w, "192.168.2.17", 138, "192.168.2.255", 138, RK_PROTO_UDP, RK_REC_PAYLOAD, 200);
	pkt(w, "192.168.2.17", 138, "192.168.2.255", 138, RK_PROTO_UDP, RK_REC_PAYLOAD, 200);
	pkt(w, "192.168.2.17", 138, "192.168.2.255", 138, RK_PROTO_UDP, RK_REC_PAYLOAD, 200);
	finish(w);
	assert_int_equal(n_services(w), 0);
}

static void
test_anonymised_addresses_in_class_d_and_e_are_hosts(void **state)
{
	struct world *w = *state;

	/* Anonymised traces put hosts in 224/4 and 240/4: a handshake proves they are hosts. */
	tcp_conv(w, "237.244.174.255", 3378, "254.228.86.79", 8240, 1, 1);
	finish(w);
	assert_non_null(service(w, "254.228.86.79", RK_PROTO_TCP, 8240));
}

static void
test_ipv6_handshake(void **state)
{
	struct world *w = *state;

	tcp_conv(w, "2001:db8:1::9", 50000, "2001:db8::5", 443, 1, 2);
	finish(w);
	assert_non_null(service(w, "2001:db8::5", RK_PROTO_TCP, 443));
	assert_non_null(edge(w, "2001:db8:1::9", "2001:db8::5", RK_PROTO_TCP, 443));
}

static void
test_flood_keeps_evidence_bounded(void **state)
{
	struct world *w = *state;
	struct rk_classifier *c = rk_classify_new(w->names, 1000, 7);
	struct rk_sess_table *t = rk_sess_table_new(500, 7, fold, c);
	struct rk_classify_stats st;

	rk_classify_free(w->c);
	rk_sess_table_free(w->t);
	w->c = c;
	w->t = t;
	tcp_conv(w, "10.0.0.9", 40000, "10.0.0.5", 80, 1, 2);
	finish(w);
	/* 100,000 spoofed sources each send one SYN to the same port. */
	for (uint32_t i = 0; i < 100000; i++) {
		char src[32];
		snprintf(src, sizeof(src), "%u.%u.%u.%u", 11 + i % 200, (i >> 8) & 255, i & 255,
		    (i * 7) & 255);
		pkt(w, src, (uint16_t)(1024 + i % 60000), "10.0.0.5", 80, RK_PROTO_TCP, RK_TCP_SYN,
		    60);
		assert_true(rk_classify_endpoints(c)->n_entries <= 1001 + 2);
	}
	finish(w);
	rk_classify_get_stats(c, &st);
	assert_true(st.n_pruned > 90000);
	assert_int_equal(st.n_kind[RK_SK_UNANSWERED], 100000);
	assert_non_null(service(w, "10.0.0.5", RK_PROTO_TCP, 80));
	assert_non_null(edge(w, "10.0.0.9", "10.0.0.5", RK_PROTO_TCP, 80));
	assert_int_equal(n_services(w), 1);
}

/* Only one side's packets of tcp_conv (a mirror that carries one direction). */
static void
tcp_one_side(struct world *w, const char *c, uint16_t cp, const char *s, uint16_t sp,
    int handshake, int rounds, int client_side)
{
	if (handshake && client_side) {
		pkt(w, c, cp, s, sp, RK_PROTO_TCP, RK_TCP_SYN, 60);
		pkt(w, c, cp, s, sp, RK_PROTO_TCP, ACK, 52);
	} else if (handshake) {
		pkt(w, s, sp, c, cp, RK_PROTO_TCP, RK_TCP_SYN | ACK, 60);
	}
	for (int i = 0; i < rounds; i++) {
		if (client_side) {
			pkt(w, c, cp, s, sp, RK_PROTO_TCP, DATA, 200);
			pkt(w, c, cp, s, sp, RK_PROTO_TCP, ACK, 52);
		} else {
			pkt(w, s, sp, c, cp, RK_PROTO_TCP, DATA, 1400);
		}
	}
}

static uint64_t
kind_count(struct world *w, enum rk_sess_kind k)
{
	struct rk_classify_stats st;

	rk_classify_get_stats(w->c, &st);
	return st.n_kind[k];
}

static void
test_one_way_mirror_clients_side(void **state)
{
	struct world *w = *state;

	/* SYN, ACK and requests of three clients, nothing of the server. */
	for (uint16_t i = 0; i < 3; i++)
		tcp_one_side(w, "10.0.1.7", (uint16_t)(41000 + i), "10.0.0.5", 8123, i == 0, 3, 1);
	tcp_one_side(w, "10.0.1.8", 52000, "10.0.0.5", 8123, 0, 3, 1);
	finish(w);
	assert_non_null(service(w, "10.0.0.5", RK_PROTO_TCP, 8123));
	assert_non_null(edge(w, "10.0.1.7", "10.0.0.5", RK_PROTO_TCP, 8123));
	assert_non_null(edge(w, "10.0.1.8", "10.0.0.5", RK_PROTO_TCP, 8123));
	assert_int_equal(n_services(w), 1);
	assert_int_equal(kind_count(w, RK_SK_ONEWAY), 4);
}

static void
test_one_way_mirror_servers_side(void **state)
{
	struct world *w = *state;

	/* SYN+ACK then data of the server: a conversation; SYN+ACKs alone stay backscatter. */
	for (uint16_t i = 0; i < 3; i++)
		tcp_one_side(w, "10.0.1.7", (uint16_t)(41000 + i), "10.0.0.5", 8123, 1, 2, 0);
	tcp_one_side(w, "10.0.1.9", 43000, "10.0.0.5", 8123, 0, 4, 0);
	pkt(w, "10.0.0.5", 8123, "192.0.2.1", 5555, RK_PROTO_TCP, RK_TCP_SYN | ACK, 60);
	pkt(w, "10.0.0.5", 8123, "192.0.2.1", 5555, RK_PROTO_TCP, RK_TCP_SYN | ACK, 60);
	finish(w);
	assert_non_null(service(w, "10.0.0.5", RK_PROTO_TCP, 8123));
	assert_non_null(edge(w, "10.0.1.7", "10.0.0.5", RK_PROTO_TCP, 8123));
	assert_non_null(edge(w, "10.0.1.9", "10.0.0.5", RK_PROTO_TCP, 8123));
	assert_null(edge(w, "192.0.2.1", "10.0.0.5", RK_PROTO_TCP, 8123));
	assert_int_equal(n_services(w), 1);
	assert_int_equal(kind_count(w, RK_SK_BACKSCATTER), 1);
}

static void
test_bare_probes_are_not_conversations(void **state)
{
	struct world *w = *state;

	/* An ACK scan retried once, a FIN probe: one-sided and bare, never a service. */
	for (uint16_t port = 20; port < 30; port++) {
		pkt(w, "10.0.0.66", 61000, "10.0.0.5", port, RK_PROTO_TCP, ACK, 40);
		pkt(w, "10.0.0.66", 61000, "10.0.0.5", port, RK_PROTO_TCP, ACK, 40);
		pkt(w, "10.0.0.66", 61001, "10.0.0.5", port, RK_PROTO_TCP, RK_TCP_FIN, 40);
	}
	finish(w);
	assert_int_equal(n_services(w), 0);
	assert_int_equal(kind_count(w, RK_SK_UNANSWERED), 20);
}

/* A datagram exchange: a request after a pause, the answer right away. */
static void
udp_poll(struct world *w, const char *c, uint16_t cp, const char *s, uint16_t sp, int answer_only)
{
	w->ts += 400000; /* the client's pause: its answers come at once */
	if (!answer_only)
		pkt(w, c, cp, s, sp, RK_PROTO_UDP, RK_REC_PAYLOAD, 76);
	pkt(w, s, sp, c, cp, RK_PROTO_UDP, RK_REC_PAYLOAD, 76);
}

static void
test_ntp_client_of_many_servers_cut_midway(void **state)
{
	struct world *w = *state;
	static const char *const srv[] = {"10.0.0.21", "10.0.0.22", "10.0.0.23", "10.0.0.24",
	    "10.0.0.25", "10.0.0.26"};

	/*
	 * One client polls six servers, 123 to 123; the capture began between
	 * a request and its answer, so every conversation starts with the
	 * server's packet.  Who speaks after the pauses is the client.
	 */
	for (int round = 0; round < 4; round++)
		for (int i = 0; i < 6; i++)
			udp_poll(w, "10.0.0.1", 123, srv[i], 123, round == 0);
	finish(w);
	for (int i = 0; i < 6; i++) {
		assert_non_null(service(w, srv[i], RK_PROTO_UDP, 123));
		assert_non_null(edge(w, "10.0.0.1", srv[i], RK_PROTO_UDP, 123));
	}
	assert_null(service(w, "10.0.0.1", RK_PROTO_UDP, 123));
}

static void
test_dns_answers_through_a_one_way_mirror(void **state)
{
	struct world *w = *state;
	char ip[32];

	/* Only the server's answers: from 53 to each client's random port. */
	for (int i = 0; i < 5; i++) {
		snprintf(ip, sizeof(ip), "10.0.2.%d", 10 + i);
		udp_poll(w, ip, (uint16_t)(33000 + 97 * i), "10.0.0.53", 53, 1);
	}
	finish(w);
	assert_non_null(service(w, "10.0.0.53", RK_PROTO_UDP, 53));
	assert_non_null(edge(w, "10.0.2.12", "10.0.0.53", RK_PROTO_UDP, 53));
	assert_int_equal(n_services(w), 1);
}

static void
test_late_answer_refused_by_the_client(void **state)
{
	struct world *w = *state;

	/*
	 * The client's side only (a one-way mirror): requests to a DNS
	 * server, then the ICMP port unreachable the client's kernel sent
	 * when the answer came after it gave up.  The client's port was
	 * closed, not the server's: a conversation, not a refused probe.
	 */
	for (int i = 0; i < 3; i++) {
		w->ts += 400000;
		pkt(w, "10.0.3.7", 34567, "10.0.0.53", 53, RK_PROTO_UDP, RK_REC_PAYLOAD, 70);
	}
	pkt(w, "10.0.3.7", 34567, "10.0.0.53", 53, RK_PROTO_UDP, RK_REC_UNREACH, 98);
	finish(w);
	assert_int_equal(kind_count(w, RK_SK_REFUSED), 0);
	assert_non_null(service(w, "10.0.0.53", RK_PROTO_UDP, 53));
	assert_non_null(edge(w, "10.0.3.7", "10.0.0.53", RK_PROTO_UDP, 53));
}

static void
test_reset_after_the_last_data_is_a_conversation(void **state)
{
	struct world *w = *state;

	/*
	 * A capture that began at the very end of two conversations: the
	 * server's last data and FIN, then the client's resets (its socket
	 * was closed).  A conversation, not a closed port.  A SYN answered by
	 * RST stays a refused probe.
	 */
	pkt(w, "10.0.0.5", 443, "10.0.4.7", 50754, RK_PROTO_TCP, DATA, 79);
	pkt(w, "10.0.0.5", 443, "10.0.4.7", 50754, RK_PROTO_TCP, ACK | RK_TCP_FIN, 52);
	pkt(w, "10.0.4.7", 50754, "10.0.0.5", 443, RK_PROTO_TCP, RK_TCP_RST, 40);
	pkt(w, "10.0.0.6", 25, "10.0.4.8", 56074, RK_PROTO_TCP, DATA | RK_TCP_FIN, 96);
	pkt(w, "10.0.4.8", 56074, "10.0.0.6", 25, RK_PROTO_TCP, RK_TCP_RST, 40);
	pkt(w, "10.0.4.9", 41000, "10.0.0.5", 8443, RK_PROTO_TCP, RK_TCP_SYN, 60);
	pkt(w, "10.0.0.5", 8443, "10.0.4.9", 41000, RK_PROTO_TCP, RK_TCP_RST | ACK, 40);
	finish(w);
	assert_int_equal(kind_count(w, RK_SK_REFUSED), 1);
	assert_non_null(edge(w, "10.0.4.7", "10.0.0.5", RK_PROTO_TCP, 443));
	assert_non_null(edge(w, "10.0.4.8", "10.0.0.6", RK_PROTO_TCP, 25));
	assert_null(service(w, "10.0.0.5", RK_PROTO_TCP, 8443));
}

static void
test_reflection_is_not_a_service(void **state)
{
	struct world *w = *state;
	char ip[32];

	/*
	 * Twelve "DNS servers" answer a victim that never asked, to one port of
	 * its; twelve syslog clients talk 514 to 514 to a real collector.
	 */
	for (int i = 0; i < 12; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", 1 + i);
		for (int k = 0; k < 3; k++)
			pkt(w, ip, 53, "10.0.0.99", 40000, RK_PROTO_UDP, RK_REC_PAYLOAD, 1200);
		snprintf(ip, sizeof(ip), "10.0.3.%d", 1 + i);
		pkt(w, ip, 514, "10.0.0.16", 514, RK_PROTO_UDP, RK_REC_PAYLOAD, 120);
	}
	finish(w);
	assert_null(service(w, "10.0.0.99", RK_PROTO_UDP, 40000));
	assert_null(edge(w, "10.0.0.99", "192.0.2.1", RK_PROTO_UDP, 53));
	assert_int_equal(kind_count(w, RK_SK_REFLECTION), 12);
	assert_non_null(service(w, "10.0.0.16", RK_PROTO_UDP, 514));
	assert_int_equal(n_services(w), 1);
}

static void
test_ftp_active_data_belongs_to_ftp(void **state)
{
	struct world *w = *state;

	/* The control connection, then three transfers the server opens from port 20. */
	tcp_conv(w, "10.0.1.7", 50000, "10.0.0.21", 21, 1, 3);
	for (uint16_t i = 0; i < 3; i++)
		tcp_conv(w, "10.0.0.21", 20, "10.0.1.7", (uint16_t)(50011 + i), 1, 4);
	tcp_conv(w, "10.0.0.21", 20, "10.0.1.7", 50020, 0, 4); /* one seen mid-transfer */
	finish(w);
	assert_non_null(service(w, "10.0.0.21", RK_PROTO_TCP, 21));
	assert_non_null(edge(w, "10.0.1.7", "10.0.0.21", RK_PROTO_TCP, 21));
	assert_int_equal(n_services(w), 1);
	assert_int_equal(service(w, "10.0.0.21", RK_PROTO_TCP, 21)->n_sessions, 5);
}

/*
 * Sessions seen one way only are counted (n_blind_*) where they are
 * counted into their service and edge: the direction they hid is unknown,
 * not zero.  A live one, checkpointed, is counted once; when its other
 * direction shows later it stays counted blind (classify.c count_blind).
 * Merging sums the counts.
 */
static void
test_one_way_sessions_count_blind(void **state)
{
	struct world *w = *state;
	const struct rk_service *v;
	const struct rk_edge *e;
	struct rk_classifier *m;
	struct rk_service vs;
	struct rk_edge es;

	/* Four sessions through a mirror of the clients' side, one seen both ways. */
	for (uint16_t i = 0; i < 3; i++)
		tcp_one_side(w, "10.0.1.7", (uint16_t)(41000 + i), "10.0.0.5", 8123, i == 0, 3, 1);
	tcp_one_side(w, "10.0.1.8", 52000, "10.0.0.5", 8123, 0, 3, 1);
	tcp_conv(w, "10.0.1.9", 53000, "10.0.0.5", 8123, 1, 2);
	/* A live session the mirror shows from the client's side, checkpointed twice. */
	pkt(w, "10.0.1.20", 45000, "10.0.0.6", 9000, RK_PROTO_TCP, RK_TCP_SYN, 60);
	pkt(w, "10.0.1.20", 45000, "10.0.0.6", 9000, RK_PROTO_TCP, ACK, 52);
	pkt(w, "10.0.1.20", 45000, "10.0.0.6", 9000, RK_PROTO_TCP, DATA, 200);
	rk_sess_tick(w->t, 0, 0, 0);
	rk_classify_flush(w->c);
	v = service(w, "10.0.0.6", RK_PROTO_TCP, 9000);
	assert_non_null(v);
	assert_int_equal(v->n_sessions, 1);
	assert_int_equal(v->n_blind_out, 1);
	assert_int_equal(v->n_blind_in, 0);
	pkt(w, "10.0.1.20", 45000, "10.0.0.6", 9000, RK_PROTO_TCP, DATA, 200);
	rk_sess_tick(w->t, 0, 0, 0);
	rk_classify_flush(w->c);
	/* Then the server's side shows after all. */
	pkt(w, "10.0.0.6", 9000, "10.0.1.20", 45000, RK_PROTO_TCP, DATA, 1400);
	finish(w);

	v = service(w, "10.0.0.5", RK_PROTO_TCP, 8123);
	assert_non_null(v);
	assert_int_equal(v->n_sessions, 5);
	assert_int_equal(v->n_blind_out, 4);
	assert_int_equal(v->n_blind_in, 0);
	assert_int_equal(v->bytes_out, 60 + 2 * 1400); /* the two-way session's only */
	e = edge(w, "10.0.1.7", "10.0.0.5", RK_PROTO_TCP, 8123);
	assert_non_null(e);
	assert_int_equal(e->n_sessions, 3);
	assert_int_equal(e->n_blind_s2c, 3);
	assert_int_equal(e->n_blind_c2s, 0);
	assert_int_equal(e->bytes_s2c, 0);
	assert_int_equal(e->pkts_s2c, 0);
	e = edge(w, "10.0.1.9", "10.0.0.5", RK_PROTO_TCP, 8123);
	assert_non_null(e);
	assert_int_equal(e->n_blind_s2c + e->n_blind_c2s, 0);

	v = service(w, "10.0.0.6", RK_PROTO_TCP, 9000);
	assert_non_null(v);
	assert_int_equal(v->n_sessions, 1);
	assert_int_equal(v->n_blind_out, 1);
	assert_int_equal(v->bytes_in, 60 + 52 + 200 + 200);
	assert_int_equal(v->bytes_out, 1400);
	e = edge(w, "10.0.1.20", "10.0.0.6", RK_PROTO_TCP, 9000);
	assert_non_null(e);
	assert_int_equal(e->n_sessions, 1);
	assert_int_equal(e->n_blind_s2c, 1);
	assert_int_equal(e->bytes_s2c, 1400);

	/* Merging (a report from the store) sums the counts. */
	m = rk_classify_new(NULL, 64, 1);
	assert_non_null(m);
	vs = *service(w, "10.0.0.5", RK_PROTO_TCP, 8123);
	vs.n_blind_in = 2;
	es = *edge(w, "10.0.1.7", "10.0.0.5", RK_PROTO_TCP, 8123);
	es.n_blind_c2s = 1;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(rk_model_merge_service(rk_classify_model(m), &vs), 0);
		assert_int_equal(rk_model_merge_edge(rk_classify_model(m), &es), 0);
	}
	v = rk_map_find(rk_classify_services(m), &vs.key);
	assert_int_equal(v->n_blind_in, 4);
	assert_int_equal(v->n_blind_out, 8);
	e = rk_map_find(rk_classify_edges(m), &es.key);
	assert_int_equal(e->n_blind_c2s, 2);
	assert_int_equal(e->n_blind_s2c, 6);
	rk_classify_free(m);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_handshake_decides),
		T(test_pool_without_handshake),
		T(test_custom_pool_without_handshake),
		T(test_lone_ssh_midstream),
		T(test_subscription_server_talks),
		T(test_small_push_above_linux_ephemeral),
		T(test_nfs_privileged_client),
		T(test_udp_dns_and_syslog),
		T(test_ntp_symmetric_ports),
		T(test_backscatter_and_scan_are_not_services),
		T(test_multicast_is_not_a_host),
		T(test_ipv6_handshake),
		T(test_anonymised_addresses_in_class_d_and_e_are_hosts),
		T(test_flood_keeps_evidence_bounded),
		T(test_one_way_mirror_clients_side),
		T(test_one_way_mirror_servers_side),
		T(test_bare_probes_are_not_conversations),
		T(test_ntp_client_of_many_servers_cut_midway),
		T(test_dns_answers_through_a_one_way_mirror),
		T(test_late_answer_refused_by_the_client),
		T(test_reset_after_the_last_data_is_a_conversation),
		T(test_reflection_is_not_a_service),
		T(test_ftp_active_data_belongs_to_ftp),
		T(test_one_way_sessions_count_blind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture/test-capture-live.c - unit tests for live capture (capture_live.c).
 *
 * Needs root (or CAP_NET_RAW + CAP_SYS_ADMIN): the test enters a network
 * namespace of its own (unshare(CLONE_NEWNET)), in which only a loopback
 * exists, brings lo up and makes its own traffic there, so no packet can
 * leave the machine and nothing outside the test sees it.  Without the
 * privileges every test is skipped.
 *
 * What is checked:
 *   - a live source is pollable (rk_capture_fd), non-blocking (dispatch on
 *     an idle link returns 0 at once) and hands on the frames of traffic
 *     made after it opened, with counters and a sane link type;
 *   - PACKET_FANOUT (hash): 4 sockets on lo in one group; 96 TCP
 *     connections and 96 UDP exchanges over IPv4 and IPv6; every
 *     conversation, both directions, must have reached exactly one socket,
 *     and more than one socket must have been used;
 *   - bad options and an unknown interface fail with a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/capture.h"
#include "decode/decode.h"

#define N_SOCKS 4
#define N_FLOWS 96     /* per protocol and address family */
#define MAX_CONVS 1024

/* One conversation, normalised (lower endpoint first), and who saw it. */
struct conv {
	uint8_t a[RK_ADDR_LEN], b[RK_ADDR_LEN]; /* endpoints */
	uint16_t pa, pb;                        /* ports */
	uint8_t proto;                          /* IP protocol */
	unsigned socks;                         /* bit i: socket i saw a frame */
	unsigned dirs;                          /* bit 0: a->b seen, bit 1: b->a */
};

struct seen {
	struct rk_decoder dec;      /* decoder */
	struct conv c[MAX_CONVS];   /* conversations */
	int n;                      /* used */
	int sock;                   /* socket being dispatched */
	uint64_t n_frames;          /* frames handed on */
};

static bool have_netns; /* the private namespace is up */

static int
setup_netns(void **state)
{
	struct ifreq ifr;
	int fd;

	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0)
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		have_netns = ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
	}
	close(fd);
	return 0;
}

static void
on_frame(void *user, const struct rk_frame *f)
{
	struct seen *s = user;
	struct rk_payload pl;
	struct rk_rec r;
	const uint8_t *lo, *hi;
	uint16_t plo, phi;
	unsigned dir;
	int i;

	s->n_frames++;
	if (rk_decode_frame(&s->dec, f->linktype, f->data, f->caplen, f->ts, &r, &pl) !=
	    RK_DECODE_OK || r.sport == 0)
		return;
	if (memcmp(r.src, r.dst, RK_ADDR_LEN) < 0 ||
	    (memcmp(r.src, r.dst, RK_ADDR_LEN) == 0 && r.sport < r.dport)) {
		lo = r.src, plo = r.sport, hi = r.dst, phi = r.dport, dir = 1;
	} else {
		lo = r.dst, plo = r.dport, hi = r.src, phi = r.sport, dir = 2;
	}
	for (i = 0; i < s->n; i++) {
		struct conv *c = &s->c[i];
		if (c->proto == r.proto && c->pa == plo && c->pb == phi &&
		    memcmp(c->a, lo, RK_ADDR_LEN) == 0 && memcmp(c->b, hi, RK_ADDR_LEN) == 0)
			break;
	}
	if (i == s->n) {
		if (s->n == MAX_CONVS)
			return;
		memcpy(s->c[i].a, lo, RK_ADDR_LEN);
		memcpy(s->c[i].b, hi, RK_ADDR_LEN);
		s->c[i].pa = plo;
		s->c[i].pb = phi;
		s->c[i].proto = r.proto;
		s->n++;
	}
	s->c[i].socks |= 1u << s->sock;
	s->c[i].dirs |= dir;
}

/* Dispatch every source until all were quiet for quiet_ms (block timeout is 100 ms). */
static void
drain(struct rk_capture **c, int n, struct seen *s, int quiet_ms)
{
	struct rk_err err;
	int idle = 0;

	while (idle < quiet_ms) {
		struct pollfd pfd[N_SOCKS];
		int got = 0;
		for (int i = 0; i < n; i++) {
			pfd[i].fd = rk_capture_fd(c[i]);
			pfd[i].events = POLLIN;
		}
		(void)poll(pfd, (nfds_t)n, 50);
		for (int i = 0; i < n; i++) {
			s->sock = i;
			got += rk_capture_dispatch(c[i], 512, on_frame, s, &err);
		}
		idle = got > 0 ? 0 : idle + 50;
	}
}

/* One TCP connection (a few bytes each way) or UDP exchange over family af. */
static void
talk(int af, int type, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char buf[64] = "hello";
	int srv, cli, acc = -1, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = in6addr_loopback;
		sl = sizeof(*sin6);
	}
	srv = socket(af, type, 0);
	cli = socket(af, type, 0);
	assert_true(srv >= 0 && cli >= 0);
	(void)setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(srv, (struct sockaddr *)&ss, sl), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(srv, 4), 0);
	assert_int_equal(connect(cli, (struct sockaddr *)&ss, sl), 0);
	if (type == SOCK_STREAM) {
		acc = accept(srv, NULL, NULL);
		assert_true(acc >= 0);
		assert_int_equal(write(cli, buf, 5), 5);
		assert_int_equal(read(acc, buf, sizeof(buf)), 5);
		assert_int_equal(write(acc, buf, 5), 5);
		assert_int_equal(read(cli, buf, sizeof(buf)), 5);
		close(acc);
	} else {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		assert_int_equal(send(cli, buf, 5, 0), 5);
		assert_int_equal(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl),
		    5);
		assert_int_equal(sendto(srv, buf, 5, 0, (struct sockaddr *)&from, fl), 5);
		assert_int_equal(recv(cli, buf, sizeof(buf), 0), 5);
	}
	close(cli);
	close(srv);
}

/* An empty tally of the frames seen; skips the test if there is no network namespace. */
static struct seen *
seen_new(void)
{
	struct seen *s;

	if (!have_netns)
		skip();
	s = calloc(1, sizeof(*s));
	assert_non_null(s);
	rk_decoder_init(&s->dec);
	return s;
}

static struct rk_capture_live_opts
opts(int fanout)
{
	struct rk_capture_live_opts o = {0};

	o.snaplen = 256;
	o.buffer_mb = 4;
	o.fanout = fanout;
	return o;
}

static void
test_live_basic(void **state)
{
	struct rk_capture_live_opts o = opts(0);
	struct rk_capture *c = NULL;
	struct rk_capture_stats st;
	struct rk_err err = {0};
	struct seen *s;

	(void)state;
	s = seen_new();
	assert_int_equal(rk_capture_open_live(&c, "lo", &o, &err), 0);
	assert_true(rk_capture_fd(c) >= 0);
	assert_string_equal(rk_capture_name(c), "lo");
	assert_int_equal(rk_capture_linktype(c), RK_DLT_EN10MB);
	assert_int_equal(rk_capture_fanout_id(c), 0);
	/* Idle: returns at once with nothing. */
	assert_int_equal(rk_capture_dispatch(c, 64, on_frame, s, &err), 0);
	for (int i = 0; i < 8; i++)
		talk(AF_INET, SOCK_STREAM, (uint16_t)(20000 + i));
	drain(&c, 1, s, 300);
	assert_int_equal(s->n, 8);
	for (int i = 0; i < s->n; i++)
		assert_int_equal(s->c[i].dirs, 3);
	rk_capture_get_stats(c, &st);
	assert_true(st.n_frames >= 8 * 8); /* SYN, SYN+ACK, ACK, 2 data, 2 ACK, FINs */
	assert_int_equal(st.n_frames, s->n_frames);
	assert_true(st.n_bytes > st.n_frames * 54);
	assert_int_equal(st.n_drops, 0);
	rk_capture_free(c);
	free(s);
}

static void
test_live_fanout(void **state)
{
	struct rk_capture *c[N_SOCKS] = {0};
	struct rk_err err = {0};
	struct seen *s;
	unsigned used = 0;
	int n_tcp = 0, n_udp = 0;

	(void)state;
	s = seen_new();
	for (int i = 0; i < N_SOCKS; i++) {
		struct rk_capture_live_opts o =
		    opts(i == 0 ? RK_CAPTURE_FANOUT_NEW : rk_capture_fanout_id(c[0]));
		assert_int_equal(rk_capture_open_live(&c[i], "lo", &o, &err), 0);
		assert_true(rk_capture_fanout_id(c[i]) > 0);
		assert_int_equal(rk_capture_fanout_id(c[i]), rk_capture_fanout_id(c[0]));
	}
	for (int i = 0; i < N_FLOWS; i++) {
		talk(i % 2 ? AF_INET6 : AF_INET, SOCK_STREAM, (uint16_t)(21000 + i));
		talk(i % 2 ? AF_INET6 : AF_INET, SOCK_DGRAM, (uint16_t)(22000 + i));
	}
	drain(c, N_SOCKS, s, 300);
	for (int i = 0; i < s->n; i++) {
		const struct conv *v = &s->c[i];
		/* exactly one socket saw the whole conversation, both directions */
		assert_int_equal(v->socks & (v->socks - 1), 0);
		assert_int_equal(v->dirs, 3);
		used |= v->socks;
		n_tcp += v->proto == RK_PROTO_TCP;
		n_udp += v->proto == RK_PROTO_UDP;
	}
	assert_int_equal(n_tcp, N_FLOWS);
	assert_int_equal(n_udp, N_FLOWS);
	assert_true(__builtin_popcount(used) > 1);
	print_message("fanout: %d conversations over %d sockets (mask %#x), each in one socket\n",
	    s->n, N_SOCKS, used);
	for (int i = 0; i < N_SOCKS; i++)
		rk_capture_free(c[i]);
	free(s);
}

static void
test_live_errors(void **state)
{
	struct rk_capture_live_opts o = opts(0);
	struct rk_capture *c = NULL;
	struct rk_err err = {0};

	(void)state;
	if (!have_netns)
		skip();
	assert_int_equal(rk_capture_open_live(&c, "rk-no-such0", &o, &err), -RK_E_IO);
	assert_null(c);
	assert_non_null(strstr(err.msg, "rk-no-such0"));
	o.snaplen = 10;
	assert_int_equal(rk_capture_open_live(&c, "lo", &o, &err), -RK_E_INVAL);
	o = opts(0);
	o.bpf = "tcp port nonsense";
	assert_int_equal(rk_capture_open_live(&c, "lo", &o, &err), -RK_E_FILTER);
	assert_null(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_basic),
		cmocka_unit_test(test_live_fanout),
		cmocka_unit_test(test_live_errors),
	};

	return cmocka_run_group_tests(tests, setup_netns, NULL);
}

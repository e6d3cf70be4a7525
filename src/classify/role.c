/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify/role.c - what a session was, and which side is the server.
 *
 * The paper (fig. 4 (4)) names the evidence and leaves the weights open.
 * We decide in two steps, strongest first:
 *
 * 1. The session's own handshake, when the capture holds it: the side that
 *    sends SYN+ACK is the server (RFC 9293 3.5), confidence ~0.99.  Only a
 *    SYN+ACK seen (SYN missed): its sender.  Only a SYN: its receiver.
 * 2. Otherwise (the capture began mid-conversation, UDP, or a mirror that
 *    carries one direction), each endpoint gets a server score from its
 *    evidence over the whole capture, and the higher score wins:
 *      + 3 * log2(1 + distinct peer IPs)     many clients come to a service
 *      + 2 * log2(1 + distinct peer ports)   clients pick a new port per connection
 *      + 6 if it sent SYN+ACK elsewhere, + 6 if it received a pure SYN
 *      - 6 if it sent a pure SYN elsewhere, - 6 if it received SYN+ACK
 *      + 2 * (log2(1 + exchanges it answered) - log2(1 + exchanges it began))
 *        (rk_role_requester: who speaks after the pauses asks; a client of
 *        many servers has fan-out that looks like fan-in, not this)
 *      + 2 if the port has a service name, + 1 if it is below 1024,
 *      - 1.5 / 1 / 0.5 if it has no name and lies in both / Linux's /
 *        IANA's ephemeral range (clients' kernels pick those)
 *    and, from the session itself when both sides were seen: + 1.5 to the
 *    side that answered (the other asked); in TCP otherwise + 0.25 to the
 *    only side that sent payload (a stream: push, subscription) or to the
 *    side that sent over twice the bytes; with --peek, + 3 for each side
 *    whose payload said its role (decode/peek.h), one-way too.  A client's ephemeral
 *    endpoint has one peer IP and one peer port; a service's endpoint,
 *    given two or more connections, has more, so fan-in dominates as soon
 *    as there is any; the port terms only break ties (a lone ssh session
 *    seen mid-stream).  Equal scores: the lower port is the server.
 *    Confidence is a logistic function of the margin, at most 0.9 for a
 *    conversation seen one way.
 *
 * Seen one way (a mirror of one direction, asymmetric routing): a TCP
 * conversation of which only one side shows, but that side proves the
 * other answered (tcp_one_sided_kind), is a conversation of kind
 * "oneway", judged by the evidence alone: who sent more or spoke first
 * says nothing there.  The same for datagrams to or from a named port.
 *
 * Two exceptions.  Active FTP data connections (from port 20) belong to
 * the ftp service of their server, whose handshake points the wrong way.
 * Reflection (classify.c decides it, it needs every session's evidence):
 * unasked datagrams from one service port of many sources to one host are
 * a flood, not a service of the victim nor a use of the reflectors.
 *
 * What is not a conversation never becomes a service or an edge: a port
 * that answers only RST or ICMP unreachable (closed: scans), a handshake
 * that never completed (half-open scans, SYN floods), SYN+ACKs nobody asked
 * for (backscatter of spoofed floods), bare probes, reflection, and group
 * addresses.
 */
#include <math.h>
#include <string.h>

#include "classify/classify.h"

/* Weights of the endpoint score (see the top of this file). */
#define W_FAN_IPS 3.0
#define W_FAN_PORTS 2.0
#define W_HANDSHAKE 6.0
#define W_NAMED 2.0
#define W_NAMED_EPHEMERAL 0.5
/* A system name where how often the port is found open is known: only "registered". */
#define W_REGISTERED 1.0
#define W_OPEN 1.0
#define OPEN_FREQ_UNIT 1e-4
#define W_PRIVILEGED 1.0
#define W_EPHEMERAL 1.0
#define W_ANSWER 1.5
#define W_OPENER 2.0
#define W_PAIR 2.5
/*
 * Who sent payload, or more of it, is a weak hint: a push stream and an
 * upload look alike, and in a capture cut mid-conversation often only the
 * client's request survives.  It breaks ties, it never beats a port term.
 */
#define W_PAYLOAD 0.25
/*
 * A payload only one side of the protocol sends (--peek): a strong vote,
 * per side that spoke, yet a service with a few clients (fan-in) or a
 * handshake still outweighs one side's word.
 */
#define W_PEEK 3.0
#define ONEWAY_MIN_PKTS 3
#define ONEWAY_MAX_CONF 0.9
#define FTP_DATA_PORT 20
#define FTP_CONTROL_PORT 21

/*
 * 1 if a is a group or unspecified address: IPv4 multicast (224/4),
 * limited broadcast, 0.0.0.0; IPv6 multicast (ff00::/8) and ::.  Subnet
 * broadcasts cannot be told from hosts without the netmask.
 */
int
rk_role_addr_is_group(const uint8_t a[RK_ADDR_LEN])
{
	static const uint8_t zero[RK_ADDR_LEN];

	if (rk_addr_is_v4(a)) {
		uint32_t v = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 |
		    (uint32_t)a[14] << 8 | a[15];
		return (v >> 28) == 0xe || v == 0xffffffffu || v == 0;
	}
	return a[0] == 0xff || memcmp(a, zero, RK_ADDR_LEN) == 0;
}

/*
 * A group address, or x.y.z.255 reached from its own /24: the broadcast of
 * the usual /24 subnet (NetBIOS, DHCP relays).  Callers add "and it never
 * sent anything": a host numbered .255 in a wider subnet does send.
 */
static int
is_group_or_broadcast(const uint8_t a[RK_ADDR_LEN], const uint8_t peer[RK_ADDR_LEN])
{
	if (rk_role_addr_is_group(a))
		return 1;
	return rk_addr_is_v4(a) && rk_addr_is_v4(peer) && a[15] == 255 &&
	    memcmp(a + 12, peer + 12, 3) == 0;
}

/*
 * A conversation with a group or subnet-broadcast address that never sent
 * anything (every multicast and broadcast) or with the unspecified address
 * is not between two hosts.  A "group" address that sends (anonymised traces map hosts
 * into 224/4) is a host after all.
 */
static int
is_group_conversation(const struct rk_session *s)
{
	static const uint8_t zero[RK_ADDR_LEN];
	static const uint8_t zero4[RK_ADDR_LEN] = {[10] = 0xff, [11] = 0xff};

	if (!memcmp(s->key.a, zero, RK_ADDR_LEN) || !memcmp(s->key.a, zero4, RK_ADDR_LEN) ||
	    !memcmp(s->key.b, zero, RK_ADDR_LEN) || !memcmp(s->key.b, zero4, RK_ADDR_LEN))
		return 1;
	return (is_group_or_broadcast(s->key.a, s->key.b) && s->d[RK_DIR_AB].pkts == 0) ||
	    (is_group_or_broadcast(s->key.b, s->key.a) && s->d[RK_DIR_BA].pkts == 0);
}

/* Packets a side sent beyond the handshake and resets: real participation. */
static int64_t
post_handshake(const struct rk_sess_dir *d)
{
	return (int64_t)d->pkts - d->syns - d->synacks - d->rsts;
}

/*
 * A TCP conversation of which only side x was seen.  A mirror that carries
 * one direction shows every conversation so, and the side it shows still
 * proves the other side answered: a SYN+ACK followed by acknowledgements
 * or data (the server's side), a SYN followed by them (the client's side:
 * it acknowledged the SYN+ACK it got), or, mid-stream, payload or a run
 * of acknowledgements (a client receiving a download shows only ACKs).
 * What proves nothing stays noise: SYN+ACKs alone (backscatter of a
 * spoofed flood), SYNs alone (a flood, a scan of a silent address), and
 * one or two bare probes (ACK, FIN, null scans retry once).
 */
static enum rk_sess_kind
tcp_one_sided_kind(const struct rk_sess_dir *x)
{
	int64_t after = post_handshake(x);

	if (x->synacks > 0)
		return after > 0 ? RK_SK_ONEWAY : RK_SK_BACKSCATTER;
	if (x->syns > 0)
		return after > 0 ? RK_SK_ONEWAY : RK_SK_UNANSWERED;
	if (x->data > 0 || after >= ONEWAY_MIN_PKTS)
		return RK_SK_ONEWAY;
	return RK_SK_UNANSWERED;
}

static enum rk_sess_kind
tcp_kind(const struct rk_session *s)
{
	const struct rk_sess_dir *a = &s->d[RK_DIR_AB], *b = &s->d[RK_DIR_BA];
	int64_t pa = post_handshake(a), pb = post_handshake(b);

	if (pa > 0 && pb > 0)
		return RK_SK_ESTABLISHED;
	if (a->pkts == 0 || b->pkts == 0)
		return tcp_one_sided_kind(a->pkts ? a : b);
	/*
	 * Both sides sent something, one only resets: a closed port refusing
	 * a SYN or a probe.  Resets in answer to data (never a SYN) say the
	 * other end had closed: a conversation that ended (or began) beyond
	 * the capture, its server told by the evidence as if seen one way.
	 */
	if (a->pkts == a->rsts || b->pkts == b->rsts) {
		const struct rk_sess_dir *x = a->pkts == a->rsts ? b : a;

		return x->data > 0 && x->syns == 0 && x->pkts > x->rsts ? tcp_one_sided_kind(x) :
		    RK_SK_REFUSED;
	}
	if ((a->synacks > 0 && b->syns == 0 && pb <= 0) || (b->synacks > 0 && a->syns == 0 && pa <= 0))
		return RK_SK_BACKSCATTER;
	return RK_SK_HALFOPEN;
}

/* UDP, SCTP and other protocols with ports but no flags we interpret. */
static enum rk_sess_kind
dgram_kind(const struct rk_session *s, const struct rk_names *names)
{
	const struct rk_sess_dir *a = &s->d[RK_DIR_AB], *b = &s->d[RK_DIR_BA];
	int a_real = a->pkts > a->rsts, b_real = b->pkts > b->rsts;
	const struct rk_sess_dir *x;
	uint16_t dport, sport;

	if (a_real && b_real)
		return RK_SK_ESTABLISHED;
	/*
	 * A closed port answers only with unreachables.  A side that sent
	 * datagrams of its own and then an unreachable is a client whose
	 * answer came after it gave up (or a one-way mirror hid the answer):
	 * its conversation goes on below, judged like any one-way one.
	 */
	if ((a->rsts && !a_real) || (b->rsts && !b_real))
		return RK_SK_REFUSED;
	x = a->pkts ? a : b;
	dport = a->pkts ? s->key.pb : s->key.pa;
	sport = a->pkts ? s->key.pa : s->key.pb;
	/*
	 * Talk to a service (syslog), or a service's answers through a mirror
	 * that carries only the servers' direction: a conversation, whose
	 * server the evidence names.  A lone datagram between two unnamed
	 * ports proves nothing.
	 */
	if (x->pkts >= ONEWAY_MIN_PKTS || rk_names_has_service(names, s->key.proto, dport) ||
	    rk_names_has_service(names, s->key.proto, sport))
		return RK_SK_ONEWAY;
	return RK_SK_UNANSWERED;
}

/*
 * Classify a session by what its counters show (see the top of the file).
 * names may be NULL.  O(1).
 */
enum rk_sess_kind
rk_role_kind(const struct rk_session *s, const struct rk_names *names)
{
	if (is_group_conversation(s))
		return RK_SK_MULTICAST;
	if (s->key.proto == RK_PROTO_TCP)
		return tcp_kind(s);
	if (s->key.proto != RK_PROTO_UDP && s->key.proto != RK_PROTO_SCTP &&
	    s->key.pa == 0 && s->key.pb == 0)
		return RK_SK_NOPORTS;
	if (s->key.proto != RK_PROTO_UDP && s->key.proto != RK_PROTO_SCTP)
		return RK_SK_NOPORTS;
	return dgram_kind(s, names);
}

/*
 * How much a port looks like one a client's kernel picked: 1.5 in the range
 * both Linux (32768-60999) and IANA/Windows/BSD (49152-65535) use, 1 in
 * Linux's alone, 0.5 in IANA's alone, 0 below 32768.
 */
static double
ephemeral_weight(uint16_t port)
{
	int linux_range = port >= 32768 && port <= 60999;
	int iana_range = port >= 49152;

	if (linux_range && iana_range)
		return 1.5;
	if (linux_range)
		return 1.0;
	return iana_range ? 0.5 : 0.0;
}

/*
 * The server score of an endpoint from its evidence over all sessions
 * (weights at the top of the file).  parts (may be NULL) receives the
 * terms.  O(1).
 */
double
rk_role_score(const struct rk_endpoint *e, const struct rk_names *names,
    struct rk_score_parts *parts)
{
	struct rk_score_parts p = {0};
	uint16_t port = e->key.port;
	int named = rk_names_has_service(names, e->key.proto, port);
	int site = rk_names_is_site_service(names, e->key.proto, port);
	double eph = ephemeral_weight(port), freq = rk_names_port_open_freq(names, e->key.proto, port);

	p.fan_ips = W_FAN_IPS * log2(1.0 + e->n_peer_ips);
	p.fan_ports = W_FAN_PORTS * log2(1.0 + e->n_peer_ports);
	p.handshake = W_HANDSHAKE * ((e->n_synack_sent > 0) + (e->n_syn_recv > 0) -
	    (e->n_syn_sent > 0) - (e->n_synack_recv > 0));
	p.opener = W_OPENER * (log2(1.0 + e->n_answered) - log2(1.0 + e->n_opened));
	if (site)
		p.port += W_NAMED;
	else if (named && eph > 0)
		p.port += W_NAMED_EPHEMERAL;
	else if (named)
		p.port += rk_names_has_port_freqs(names) ? W_REGISTERED : W_NAMED;
	if (port < 1024 && port != 0)
		p.port += W_PRIVILEGED;
	if (!site)
		p.port -= W_EPHEMERAL * eph;
	if (freq > 0)
		p.port += W_OPEN * log10(1.0 + freq / OPEN_FREQ_UNIT);
	p.total = p.fan_ips + p.fan_ports + p.handshake + p.opener + p.port;
	if (parts != NULL)
		*parts = p;
	return p.total;
}

static double
confidence(double margin)
{
	double c = 1.0 / (1.0 + exp(-fabs(margin) / 2.0));
	return c > 0.98 ? 0.98 : c;
}

/* The session's own handshake; returns 1 if it decided. */
static int
decide_by_handshake(const struct rk_session *s, struct rk_verdict *v)
{
	const struct rk_sess_dir *a = &s->d[RK_DIR_AB], *b = &s->d[RK_DIR_BA];

	if (s->key.proto != RK_PROTO_TCP)
		return 0;
	if ((a->synacks > 0) != (b->synacks > 0)) {
		v->server_is_b = b->synacks > 0;
		v->rule = (v->server_is_b ? a->syns : b->syns) > 0 ? RK_RULE_HANDSHAKE : RK_RULE_SYNACK;
		v->confidence = v->rule == RK_RULE_HANDSHAKE ? 0.99 : 0.95;
		return 1;
	}
	if (a->synacks == 0 && b->synacks == 0 && (a->syns > 0) != (b->syns > 0)) {
		v->server_is_b = a->syns > 0;
		v->rule = RK_RULE_SYN;
		v->confidence = 0.9;
		return 1;
	}
	return 0;
}

/*
 * Which side asked in a datagram exchange (classify.h).  An answer comes
 * sooner after its question than the next question after the answer:
 * over a conversation the answering side takes more quick turns
 * (session.h), which holds even when the capture began in the middle of
 * it and whatever the round-trip time.  A side that sends no payload asks
 * nothing, so both must have sent some.  With no quick turn either way
 * (one exchange), the first datagram is the question.  Not TCP: measured
 * on real captures cut mid-conversation, TCP servers take their turns
 * late too often (an SMTP server's answer after the mail's body, pushes,
 * slow queries) for the turns to tell who asks.
 */
int
rk_role_requester(const struct rk_session *s)
{
	const struct rk_sess_dir *a = &s->d[RK_DIR_AB], *b = &s->d[RK_DIR_BA];

	if (a->pkts == 0 || b->pkts == 0 || s->key.proto == RK_PROTO_TCP)
		return -1;
	if (a->data > 0 && b->data > 0 && a->quick != b->quick)
		return a->quick < b->quick ? 0 : 1;
	if (a->quick + b->quick > 0)
		return -1;
	return a->marks & RK_SD_OPENED ? 0 : 1;
}

/* +1 if a side's payloads said "server" (--peek), -1 if "client", 0 if neither or both. */
static int
side_said(const struct rk_sess_dir *d)
{
	int c = (d->marks & RK_SD_SAID_CLIENT) != 0, sv = (d->marks & RK_SD_SAID_SERVER) != 0;

	return sv - c;
}

/*
 * What the payloads said, A's side positive: one vote for each side that
 * said what A-as-server makes it say (A a server, B a client), one against
 * for each that said the opposite.
 */
static int
peek_vote(const struct rk_session *s)
{
	return side_said(&s->d[RK_DIR_AB]) - side_said(&s->d[RK_DIR_BA]);
}

/*
 * Session-level hints that add to the endpoint scores (A's side positive).
 * The payload hints (--peek) in any conversation, one-way ones too.
 * UDP: the side that spoke first is the client.  TCP: a side that sends
 * payload while the other only acknowledges is serving a stream (push,
 * subscription, download); otherwise the side sending clearly more bytes
 * is likely answering.  Only decisive when the endpoints tie.
 */
static double
session_hint(const struct rk_session *s, enum rk_sess_kind kind)
{
	const struct rk_sess_dir *a = &s->d[RK_DIR_AB], *b = &s->d[RK_DIR_BA];
	uint64_t ba = s->bytes[RK_DIR_AB], bb = s->bytes[RK_DIR_BA];
	double peek = W_PEEK * peek_vote(s);
	int asker;

	if (kind == RK_SK_ONEWAY)
		return peek; /* one side seen: who spoke first, who sent more say nothing */
	if ((asker = rk_role_requester(s)) >= 0)
		return peek + (asker == 0 ? -W_ANSWER : W_ANSWER);
	if (s->key.proto != RK_PROTO_TCP)
		return peek;
	if (a->data > 0 && b->data == 0)
		return peek + W_PAYLOAD;
	if (b->data > 0 && a->data == 0)
		return peek - W_PAYLOAD;
	if (ba > 2 * bb)
		return peek + W_PAYLOAD;
	if (bb > 2 * ba)
		return peek - W_PAYLOAD;
	return peek;
}

/*
 * An active-mode FTP data connection: TCP between port 20 and a port the
 * client opened for it (1024 and up).  The one classic protocol whose
 * server connects to its client, so the handshake points the wrong way:
 * without this, every transfer would make the client's port a service.
 */
static int
is_ftp_active_data(const struct rk_session *s)
{
	if (s->key.proto != RK_PROTO_TCP || (s->key.pa == FTP_DATA_PORT) == (s->key.pb == FTP_DATA_PORT))
		return 0;
	return (s->key.pa == FTP_DATA_PORT ? s->key.pb : s->key.pa) >= 1024;
}

/*
 * Decide which side of s is the server.  ea/eb are the evidence of A and B
 * (they include s itself).  kind is rk_role_kind(s).  Fills v.  O(1).
 */
void
rk_role_decide(const struct rk_session *s, enum rk_sess_kind kind, const struct rk_endpoint *ea,
    const struct rk_endpoint *eb, double pair_hint, const struct rk_names *names,
    struct rk_verdict *v)
{
	double m;

	memset(v, 0, sizeof(*v));
	v->kind = kind;
	if (is_ftp_active_data(s)) {
		/* The FTP server connects back from port 20: its data belong to ftp. */
		if (!decide_by_handshake(s, v)) {
			v->rule = RK_RULE_EVIDENCE;
			v->confidence = 0.9;
		}
		v->server_is_b = s->key.pb == FTP_DATA_PORT;
		v->service_port = FTP_CONTROL_PORT;
		return;
	}
	if (decide_by_handshake(s, v))
		return;
	m = rk_role_score(ea, names, NULL) - rk_role_score(eb, names, NULL) + session_hint(s, kind) +
	    W_PAIR * pair_hint;
	v->margin = fabs(m);
	if (fabs(m) > 1e-9) {
		v->server_is_b = m < 0;
		v->rule = kind == RK_SK_ONEWAY && s->key.proto != RK_PROTO_TCP ? RK_RULE_ONEWAY :
		    RK_RULE_EVIDENCE;
		v->confidence = confidence(m);
		if (kind == RK_SK_ONEWAY && v->confidence > ONEWAY_MAX_CONF)
			v->confidence = ONEWAY_MAX_CONF; /* half a conversation: never sure */
		return;
	}
	v->rule = RK_RULE_TIE;
	v->server_is_b = s->key.pb < s->key.pa; /* one way: the classifier knows better */
	v->confidence = 0.5;
}

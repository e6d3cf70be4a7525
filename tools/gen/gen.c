/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tools/gen/gen.c - renkei-gen: a deterministic synthetic capture of an
 * enterprise network, with the truth about who serves whom.
 *
 * What it makes: a classic pcap of PCs in client subnets (some on 802.1Q
 * VLANs, some IPv6-only or dual stack) and servers in a server network
 * (web, app, db, mq, dns, ntp, syslog, ldap, smb, nfs, ssh), where
 * servers are clients of other servers (web -> app -> db), plus noise that
 * is no relationship (a SYN scanner, backscatter SYN-ACKs, ARP, ping);
 * and a JSON truth file listing every service and every client->service
 * edge that the capture really contains.
 *
 * Three phases:
 *
 *   1. plan     hosts, addresses, roles, then the edges (client address,
 *               server address, proto, port) with a relative session rate
 *               each, and the persistent connections (db pools, a long
 *               ssh session, push streams) whose handshake lies before
 *               the capture.  The plan uses its own PRNG stream, so it
 *               depends only on --seed/--clients/--servers/--subnets,
 *               never on --packets or --hours.
 *   2. run      a discrete-event simulation: active sessions sit in a
 *               binary min-heap ordered by (time of next packet, launch
 *               id); the earliest one emits exactly one packet and is put
 *               back with its next time.  A launcher starts new sessions:
 *               at the start of every period (--duration, default one
 *               hour; --hours periods) one session for every edge, in a
 *               shuffled order, then sessions of edges drawn by rate.
 *               The launch gap adapts so that the period ends with about
 *               --packets packets per period.
 *   3. truth    edges and services that had packets in the capture.
 *
 * Invariants:
 * - Packets leave in non-decreasing timestamp order (heap order, each
 *   session's own times strictly increasing).
 * - Memory is bounded by the plan plus the active sessions; no packet is
 *   ever stored.
 * - Same arguments, same bytes: one PRNG stream for the plan, one for the
 *   traffic, consumed in event order; no wall clock, no hash randomness.
 *   The progress line on a terminal (src/cli/progress.c, every
 *   PROGRESS_EVERY simulated packets) only reads the run's counters and
 *   the wall clock; nothing it does reaches the files.
 * - --no-handshake runs the identical simulation and only suppresses the
 *   writing of SYN, SYN-ACK and handshake-completing ACK of real
 *   sessions; --packets counts simulated packets, so both variants stop
 *   at the same point and the smaller capture is an exact subset.
 * - The run stops once the packet target is met and every planned edge
 *   has carried data (not handshake) in both directions (client to
 *   server only for one-way syslog), so each truth edge is in both
 *   variants.  Sessions still open at that moment are cut off, as in a
 *   real capture.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/progress.h"
#include "util/human.h"
#include "gen.h"

#define NO_EDGE UINT32_MAX
#define MAX_HOSTS (1u << 20) /* edge keys pack host indexes in 20 bits */
#define PROGRESS_EVERY 8192  /* simulated packets between two looks at the clock */
#define PCAP_FILE_HLEN 24u   /* pcap file header, bytes */
#define PCAP_REC_HLEN 16u    /* pcap record header, bytes */

/* Services: the (proto, port) a server offers and how sessions look. */
enum svc {
	SVC_HTTP,
	SVC_HTTPS,
	SVC_APP,
	SVC_ORDER,
	SVC_MQ,
	SVC_PGSQL,
	SVC_MYSQL,
	SVC_DNS,
	SVC_DNS_TCP,
	SVC_NTP,
	SVC_SYSLOG,
	SVC_LDAP,
	SVC_SMB,
	SVC_NFS,
	SVC_SSH,
	N_SVC
};

/* How the client picks its source port. */
enum cport {
	CP_EPH,  /* OS ephemeral range, new per connection */
	CP_LOW,  /* 1024-4999: legacy clients binding low ports (order-api) */
	CP_PRIV, /* 600-1023: NFS clients on privileged ports */
	CP_SAME, /* the service port itself (NTP 123 <-> 123) */
};

/* Session kinds. */
enum kind {
	K_TCP,    /* TCP request/response (handshake unless persistent) */
	K_UDP_RR, /* UDP request/response: DNS, NTP */
	K_ONEWAY, /* UDP one way: syslog */
	K_SCAN,   /* noise: SYN scan of one server */
	K_BSCAT,  /* noise: backscatter SYN-ACK from outside */
	K_PING,   /* noise: ICMP echo */
	K_ARP,    /* noise: ARP request + reply */
};

struct svc_info {
	const char *name;  /* service name in the truth */
	uint8_t proto;     /* 6 or 17 */
	uint16_t port;     /* server port */
	uint8_t app;       /* enum gen_app of TCP payloads */
	uint8_t cport;     /* enum cport */
	uint8_t kind;      /* enum kind of its sessions */
	uint16_t trans_lo; /* transactions per session, range */
	uint16_t trans_hi;
	uint32_t req_lo;   /* request bytes, range */
	uint32_t req_hi;
	uint32_t resp_lo;  /* response bytes, range (log-uniform) */
	uint32_t resp_hi;
	uint32_t think_lo; /* µs the server takes to answer, range */
	uint32_t think_hi;
	uint32_t gap_lo;   /* µs between a client's transactions, range */
	uint32_t gap_hi;
};

static const struct svc_info svcs[N_SVC] = {
	[SVC_HTTP] = {"http", 6, 80, GEN_APP_HTTP, CP_EPH, K_TCP, 1, 6, 120, 800, 200, 16000,
	    500, 20000, 5000, 2000000},
	[SVC_HTTPS] = {"https", 6, 443, GEN_APP_TLS, CP_EPH, K_TCP, 1, 6, 120, 800, 200, 16000,
	    500, 20000, 5000, 2000000},
	[SVC_APP] = {"http-alt", 6, 8080, GEN_APP_HTTP, CP_EPH, K_TCP, 1, 4, 200, 800, 200, 8000,
	    1000, 50000, 1000, 200000},
	[SVC_ORDER] = {"order-api", 6, 50020, GEN_APP_RAW, CP_LOW, K_TCP, 1, 3, 100, 600, 200,
	    4000, 1000, 30000, 1000, 100000},
	[SVC_MQ] = {"mq", 6, 61616, GEN_APP_RAW, CP_EPH, K_TCP, 1, 8, 100, 1000, 60, 300, 200,
	    2000, 1000, 50000},
	[SVC_PGSQL] = {"postgresql", 6, 5432, GEN_APP_RAW, CP_EPH, K_TCP, 1, 10, 100, 800, 200,
	    12000, 200, 5000, 1000, 50000},
	[SVC_MYSQL] = {"mysql", 6, 3306, GEN_APP_RAW, CP_EPH, K_TCP, 1, 10, 100, 800, 200, 12000,
	    200, 5000, 1000, 50000},
	[SVC_DNS] = {"domain", 17, 53, GEN_APP_RAW, CP_EPH, K_UDP_RR, 1, 2, 0, 0, 0, 0, 200, 2000,
	    1000, 30000},
	[SVC_DNS_TCP] = {"domain", 6, 53, GEN_APP_DNS_TCP, CP_EPH, K_TCP, 1, 1, 0, 0, 0, 0, 500,
	    5000, 0, 0},
	[SVC_NTP] = {"ntp", 17, 123, GEN_APP_RAW, CP_SAME, K_UDP_RR, 1, 1, 48, 48, 48, 48, 100,
	    500, 0, 0},
	[SVC_SYSLOG] = {"syslog", 17, 514, GEN_APP_SYSLOG, CP_EPH, K_ONEWAY, 1, 5, 80, 400, 0, 0,
	    0, 0, 1000, 200000},
	[SVC_LDAP] = {"ldap", 6, 389, GEN_APP_LDAP, CP_EPH, K_TCP, 1, 3, 100, 300, 100, 3000, 300,
	    3000, 1000, 20000},
	[SVC_SMB] = {"microsoft-ds", 6, 445, GEN_APP_RAW, CP_EPH, K_TCP, 2, 10, 100, 500, 200,
	    20000, 300, 5000, 1000, 300000},
	[SVC_NFS] = {"nfs", 6, 2049, GEN_APP_RAW, CP_PRIV, K_TCP, 2, 10, 100, 300, 200, 20000,
	    200, 3000, 1000, 100000},
	[SVC_SSH] = {"ssh", 6, 22, GEN_APP_RAW, CP_EPH, K_TCP, 5, 40, 36, 120, 36, 600, 200, 3000,
	    100000, 2000000},
};

/* Server roles; a small network puts several roles on one server. */
enum role {
	R_WEB,
	R_APP,
	R_MQ,
	R_DB,
	R_DNS,
	R_NTP,
	R_SYSLOG,
	R_LDAP,
	R_SMB,
	R_NFS,
	N_ROLE
};

/* Share of the servers beyond the first of each role. */
static const double role_share[N_ROLE] = {0.22, 0.16, 0.04, 0.12, 0.05, 0.03, 0.03, 0.05,
    0.18, 0.12};
static const char *const role_name[N_ROLE] = {"web", "app", "mq", "db", "dns", "ntp", "log",
    "ldap", "smb", "nfs"};

struct host {
	uint8_t v4[4];       /* IPv4 address, if has_v4 */
	uint8_t v6[16];      /* IPv6 address, if has_v6 */
	uint8_t mac[6];      /* Ethernet address */
	uint16_t vlan;       /* 802.1Q id of its subnet, 0 = untagged */
	uint16_t roles;      /* servers: bit per enum role */
	uint8_t has_v4;      /* has an IPv4 address */
	uint8_t has_v6;      /* has an IPv6 address */
	uint8_t is_windows;  /* ephemeral ports 49152-65535, TTL 128 */
	uint8_t is_server;   /* in the server network */
	uint16_t subnet;     /* clients: index of its subnet */
	uint8_t role_idx;    /* servers: number within its first role (name) */
	char name[24];       /* DNS label: "web03", "pc00017" */
};

struct edge {
	uint32_t client;  /* host index of the client */
	uint32_t server;  /* host index of the server */
	uint8_t is_v6;    /* both ends use their IPv6 addresses */
	uint8_t svc;      /* enum svc (gives proto and port) */
	uint8_t need;     /* data directions that must appear: 1 c->s, 2 s->c */
	uint8_t done;     /* data directions seen so far (simulated) */
	uint8_t written;  /* directions written to the capture (any packet) */
	double weight;    /* relative rate of ordinary sessions; 0 = persistent only */
};

/* Persistent connection kinds. */
enum pkind { P_POOL, P_PUSH, P_SSH };

struct persist {
	uint32_t edge;  /* its edge */
	uint8_t pkind;  /* enum pkind */
};

/* TCP phases, in the order a connection goes through them. */
enum phase {
	PH_SYN,
	PH_SYNACK,
	PH_HSACK,
	PH_REQ,
	PH_SACK,
	PH_RESP,
	PH_CACK,
	PH_FIN1,
	PH_FIN2,
	PH_FIN3,
	PH_RST,
	PH_DONE
};

#define SF_PERSIST 0x01 /* never ends; transactions every interval */
#define SF_PUSH 0x02    /* only the server sends data */
#define SF_RST 0x04     /* ends with a client RST */
#define SF_SCLOSE 0x08  /* the server closes first */
#define SF_V6 0x10      /* IPv6 */

struct sess {
	uint64_t ts;          /* µs: time of the next packet */
	uint64_t id;          /* launch order: ties in the heap */
	struct gen_tmpl t[2]; /* [0] client -> server, [1] server -> client */
	uint32_t edge;        /* edge index, NO_EDGE for noise */
	uint32_t cseq;        /* client's next sequence number */
	uint32_t sseq;        /* server's next sequence number */
	uint32_t msg_len;     /* bytes of the message in flight */
	uint32_t msg_off;     /* bytes of it already sent */
	uint32_t trans_left;  /* transactions (or datagrams, probes) still to do */
	uint32_t interval;    /* µs between transactions (persistent) */
	uint32_t rtt;         /* µs round trip client <-> server */
	uint32_t think;       /* µs the server takes for the current request */
	uint32_t serial;      /* varies payload text */
	uint32_t aux;         /* kind-specific: DNS name host, scan port index, target host */
	uint32_t n_pkts;      /* packets simulated so far */
	uint16_t mss;         /* bytes of payload per full segment */
	uint16_t dns_id;      /* DNS transaction id */
	uint8_t kind;         /* enum kind */
	uint8_t phase;        /* enum phase, or kind-specific step */
	uint8_t svc;          /* enum svc, real sessions */
	uint8_t unacked;      /* server segments the client has not acked */
	uint8_t flags;        /* SF_* */
	uint8_t is_aaaa;      /* DNS: AAAA question */
	struct sess *next_free; /* free list link */
};

/* Whole-run state: the plan, the scheduler, the output, the options. */
struct gen {
	/* options */
	uint64_t seed;         /* --seed */
	uint64_t n_target;     /* --packets per period */
	uint32_t n_clients;    /* --clients */
	uint32_t n_servers;    /* --servers */
	uint32_t n_subnets;    /* --subnets (raised if a /24 would overflow) */
	uint32_t n_periods;    /* --hours */
	uint64_t start_ts;     /* µs, --start-ts */
	uint64_t period;       /* µs, --duration */
	bool no_handshake;     /* --no-handshake */
	bool verbose;          /* -v: a summary on stderr */
	bool quiet;            /* -q: no progress line, no closing "wrote" line */

	/* plan */
	struct gen_rng prng;   /* plan stream */
	struct gen_rng rng;    /* traffic stream */
	struct host *hosts;    /* clients, servers, then the noise hosts */
	uint32_t n_hosts;      /* entries of hosts */
	uint32_t first_server; /* index of the first server */
	uint32_t scanner;      /* index of the scanning host */
	uint32_t outsider;     /* index of the backscatter source */
	uint32_t *by_role[N_ROLE]; /* server host indexes per role */
	uint32_t n_by_role[N_ROLE]; /* entries of by_role[r] */
	uint32_t *v6_by_role[N_ROLE]; /* the same, IPv6-capable only */
	uint32_t n_v6_by_role[N_ROLE]; /* entries of v6_by_role[r] */
	uint32_t *admins;      /* client host indexes of the administrators */
	uint32_t n_admins;     /* entries of admins, >= 1 */
	struct edge *edges;    /* planned edges */
	uint32_t n_edges, max_edges; /* used / allocated entries of edges */
	uint64_t *ekeys;       /* open-addressing set: edge keys */
	uint32_t *eidx;        /* ... and their edge index + 1 (0 = empty slot) */
	uint32_t ekey_mask;    /* slots - 1 (a power of two) */
	struct persist *persists; /* persistent connections */
	uint32_t n_persists, max_persists; /* used / allocated entries of persists */
	double *cum_w;         /* cumulative weights of edges[] */
	uint32_t *pass;        /* edges with weight > 0, pass order */
	uint32_t n_pass;

	/* run */
	struct sess **heap;    /* min-heap on (ts, id) */
	uint32_t n_heap, max_heap; /* used / allocated entries of heap */
	struct sess *free_sess; /* free list */
	uint64_t next_id;      /* next launch id */
	uint64_t launch_ts;    /* µs, next launch */
	uint64_t last_gap;     /* µs, previous launch gap */
	uint32_t period_idx;   /* current period */
	uint32_t pass_pos;     /* next index into pass[] */
	uint64_t sim_pkts;     /* packets simulated (written or suppressed) */
	uint64_t done_pkts;    /* packets of finished ordinary sessions */
	uint64_t n_done;       /* finished ordinary sessions */
	uint32_t pending;      /* edges not yet done */
	double persist_pps;    /* packets/s the persistent sessions make */
	struct gen_out out;    /* the pcap */
	struct rk_progress progress; /* the line on a terminal (stderr) */
	uint64_t progress_at;  /* sim_pkts at which to update it next; UINT64_MAX = off */
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

/* calloc or exit: plan-time allocations only. */
static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fprintf(stderr, "renkei-gen: out of memory\n");
		exit(1);
	}
	return p;
}

/* realloc of n elements of size or exit. */
static void *
xrealloc(void *p, size_t n, size_t size)
{
	p = realloc(p, (n ? n : 1) * size);
	if (!p) {
		fprintf(stderr, "renkei-gen: out of memory\n");
		exit(1);
	}
	return p;
}

/* Log-uniform integer in [lo, hi]: many small, some large (sizes). */
static uint32_t
rng_logu(struct gen_rng *r, uint32_t lo, uint32_t hi)
{
	if (lo >= hi)
		return lo;
	double v = exp(log((double)lo) + gen_rng_unit(r) * (log((double)hi + 1) - log((double)lo)));
	uint32_t x = (uint32_t)v;
	return x < lo ? lo : x > hi ? hi : x;
}

/* 16-byte address of host h in family is_v6 (IPv4-mapped for IPv4). */
static void
addr16(const struct host *h, bool is_v6, uint8_t out[16])
{
	if (is_v6) {
		memcpy(out, h->v6, 16);
	} else {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, h->v4, 4);
	}
}

/* ------------------------------------------------------------------ */
/* Plan: hosts                                                         */

/*
 * Ethernet address of host idx: locally administered 06:72 ("r"), then
 * 0x10 for servers, 0x20 for clients (0xee for the Internet router,
 * 0xfe for subnet gateways), then the index in 24 bits.
 */
static void
set_mac(struct host *h, uint32_t idx)
{
	h->mac[0] = 0x06;
	h->mac[1] = 0x72;
	h->mac[2] = h->is_server ? 0x10 : 0x20;
	h->mac[3] = (uint8_t)(idx >> 16);
	h->mac[4] = (uint8_t)(idx >> 8);
	h->mac[5] = (uint8_t)idx;
}

/* Put a 16-bit group into an IPv6 address at group index g. */
static void
v6_group(uint8_t *a, int g, uint16_t v)
{
	a[2 * g] = (uint8_t)(v >> 8);
	a[2 * g + 1] = (uint8_t)v;
}

/*
 * Clients: client i lives in subnet i * M / C, IPv4 10.(1 + s/250).(s%250).
 * (10 + rank), IPv6 2001:db8:(s+1)::(10 + rank).  Odd subnets are on
 * VLAN 100 + s.  About 10% are IPv6 hosts: half IPv6-only, half dual.
 */
static void
plan_clients(struct gen *g)
{
	uint32_t C = g->n_clients, M = g->n_subnets;
	uint32_t prev_s = UINT32_MAX, rank = 0;

	for (uint32_t i = 0; i < C; i++) {
		struct host *h = &g->hosts[i];
		uint32_t s = (uint32_t)((uint64_t)i * M / C);

		rank = s == prev_s ? rank + 1 : 0;
		prev_s = s;
		h->subnet = (uint16_t)s;
		h->v4[0] = 10;
		h->v4[1] = (uint8_t)(1 + s / 250);
		h->v4[2] = (uint8_t)(s % 250);
		h->v4[3] = (uint8_t)(10 + rank);
		h->v6[0] = 0x20, h->v6[1] = 0x01, h->v6[2] = 0x0d, h->v6[3] = 0xb8;
		v6_group(h->v6, 2, (uint16_t)(s + 1));
		v6_group(h->v6, 7, (uint16_t)(10 + rank));
		h->vlan = (s & 1) ? (uint16_t)(100 + s % 3900) : 0;
		h->is_windows = gen_rng_chance(&g->prng, 0.65);
		double u = gen_rng_unit(&g->prng);
		h->has_v4 = u >= 0.05;
		h->has_v6 = u < 0.10;
		set_mac(h, i + 1);
		snprintf(h->name, sizeof(h->name), "pc%05u", i);
	}
	/* Administrators: about one in 150, always with IPv4. */
	g->n_admins = C / 150 ? C / 150 : 1;
	g->admins = xcalloc(g->n_admins, sizeof(*g->admins));
	for (uint32_t a = 0; a < g->n_admins; a++) {
		uint32_t c = (uint32_t)((uint64_t)a * C / g->n_admins);
		g->admins[a] = c;
		g->hosts[c].has_v4 = 1;
	}
}

/*
 * Servers: server k is 10.0.(k/240).(10 + k%240) and, for web, dns, ntp,
 * syslog and a third of the app servers, 2001:db8::(k + 10).  The first
 * N_ROLE servers take one role each (so every role exists); the rest
 * draw a role by role_share.  With fewer servers than roles, role r goes
 * to server r % S.
 */
static void
plan_servers(struct gen *g)
{
	uint32_t S = g->n_servers;
	uint32_t role_count[N_ROLE] = {0};

	for (uint32_t k = 0; k < S; k++) {
		struct host *h = &g->hosts[g->first_server + k];
		h->is_server = 1;
		h->has_v4 = 1;
		h->v4[0] = 10;
		h->v4[1] = 0;
		h->v4[2] = (uint8_t)(k / 240);
		h->v4[3] = (uint8_t)(10 + k % 240);
		if (S < N_ROLE) {
			for (uint32_t r = k; r < N_ROLE; r += S)
				h->roles |= (uint16_t)(1u << r);
		} else if (k < N_ROLE) {
			h->roles = (uint16_t)(1u << k);
		} else {
			double u = gen_rng_unit(&g->prng), acc = 0;
			uint32_t r = 0;
			for (; r < N_ROLE - 1; r++) {
				acc += role_share[r];
				if (u < acc)
					break;
			}
			h->roles = (uint16_t)(1u << r);
		}
		uint32_t first = 0;
		while (!(h->roles & (1u << first)))
			first++;
		h->role_idx = (uint8_t)(role_count[first] & 0xff);
		snprintf(h->name, sizeof(h->name), "%s%02u", role_name[first],
		    ++role_count[first]);
		bool v6 = (h->roles & (1u << R_WEB | 1u << R_DNS | 1u << R_NTP | 1u << R_SYSLOG)) ||
		    ((h->roles & (1u << R_APP)) && k % 3 == 0);
		h->has_v6 = v6;
		h->v6[0] = 0x20, h->v6[1] = 0x01, h->v6[2] = 0x0d, h->v6[3] = 0xb8;
		v6_group(h->v6, 7, (uint16_t)(k + 10));
		set_mac(h, g->first_server + k + 1);
		for (uint32_t r = 0; r < N_ROLE; r++) {
			if (!(h->roles & (1u << r)))
				continue;
			g->by_role[r][g->n_by_role[r]++] = g->first_server + k;
			if (h->has_v6)
				g->v6_by_role[r][g->n_v6_by_role[r]++] = g->first_server + k;
		}
	}
}

/* The scanner (a guest-network PC) and the outside backscatter source. */
static void
plan_noise_hosts(struct gen *g)
{
	struct host *h = &g->hosts[g->scanner];
	static const uint8_t scan_ip[4] = {192, 168, 77, 66};
	static const uint8_t out_ip[4] = {198, 51, 100, 7};

	memcpy(h->v4, scan_ip, 4);
	h->has_v4 = 1;
	set_mac(h, g->scanner + 1);
	snprintf(h->name, sizeof(h->name), "guest66");
	h = &g->hosts[g->outsider];
	memcpy(h->v4, out_ip, 4);
	h->has_v4 = 1;
	set_mac(h, g->outsider + 1);
	h->mac[2] = 0xee; /* the Internet router */
	snprintf(h->name, sizeof(h->name), "outside");
}

/* ------------------------------------------------------------------ */
/* Plan: edges                                                         */

/* The dedup key of an edge: host indexes (20 bits each), family, service. */
static uint64_t
edge_key(uint32_t c, uint32_t s, bool is_v6, uint8_t svc)
{
	return (uint64_t)c << 40 | (uint64_t)s << 20 | (uint64_t)is_v6 << 8 | svc;
}

/* splitmix64 finaliser: spreads edge keys over the hash table. */
static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Grow the edge key set to hold at least n entries at load <= 1/2. */
static void
ekeys_reserve(struct gen *g, uint32_t n)
{
	if ((uint64_t)n * 2 <= (uint64_t)g->ekey_mask + 1 && g->ekeys)
		return;
	uint32_t cap = 1024;
	while (cap < n * 2)
		cap *= 2;
	uint64_t *keys = xcalloc(cap, sizeof(*keys));
	uint32_t *idx = xcalloc(cap, sizeof(*idx));
	for (uint32_t e = 0; e < g->n_edges; e++) {
		const struct edge *d = &g->edges[e];
		uint64_t k = edge_key(d->client, d->server, d->is_v6, d->svc);
		uint32_t b = (uint32_t)mix64(k) & (cap - 1);
		while (idx[b])
			b = (b + 1) & (cap - 1);
		keys[b] = k;
		idx[b] = e + 1;
	}
	free(g->ekeys);
	free(g->eidx);
	g->ekeys = keys;
	g->eidx = idx;
	g->ekey_mask = cap - 1;
}

/*
 * Add (or find) the edge client -> server/svc over family is_v6 and add
 * weight to its session rate.  Self edges and families a host lacks are
 * refused (returns NO_EDGE).
 */
static uint32_t
edge_add(struct gen *g, uint32_t c, uint32_t s, bool is_v6, uint8_t svc, double weight)
{
	const struct host *hc = &g->hosts[c], *hs = &g->hosts[s];

	if (c == s || (is_v6 ? !(hc->has_v6 && hs->has_v6) : !(hc->has_v4 && hs->has_v4)))
		return NO_EDGE;
	ekeys_reserve(g, g->n_edges + 1);
	uint64_t k = edge_key(c, s, is_v6, svc);
	uint32_t b = (uint32_t)mix64(k) & g->ekey_mask;
	while (g->eidx[b]) {
		if (g->ekeys[b] == k) {
			g->edges[g->eidx[b] - 1].weight += weight;
			return g->eidx[b] - 1;
		}
		b = (b + 1) & g->ekey_mask;
	}
	if (g->n_edges == g->max_edges) {
		g->max_edges = g->max_edges ? g->max_edges * 2 : 4096;
		g->edges = xrealloc(g->edges, g->max_edges, sizeof(*g->edges));
	}
	struct edge *d = &g->edges[g->n_edges];
	memset(d, 0, sizeof(*d));
	d->client = c;
	d->server = s;
	d->is_v6 = is_v6;
	d->svc = svc;
	d->need = svcs[svc].kind == K_ONEWAY ? 1 : 3;
	d->weight = weight;
	g->ekeys[b] = k;
	g->eidx[b] = g->n_edges + 1;
	return g->n_edges++;
}

static void
persist_add(struct gen *g, uint32_t edge, uint8_t pkind)
{
	if (edge == NO_EDGE)
		return;
	if (g->n_persists == g->max_persists) {
		g->max_persists = g->max_persists ? g->max_persists * 2 : 256;
		g->persists = xrealloc(g->persists, g->max_persists, sizeof(*g->persists));
	}
	g->persists[g->n_persists].edge = edge;
	g->persists[g->n_persists].pkind = pkind;
	g->n_persists++;
}

/* A random server of role r (IPv6-capable ones if is_v6); NO_EDGE if none. */
static uint32_t
pick_role(struct gen *g, enum role r, bool is_v6)
{
	uint32_t n = is_v6 ? g->n_v6_by_role[r] : g->n_by_role[r];

	if (!n)
		return NO_EDGE;
	return (is_v6 ? g->v6_by_role[r] : g->by_role[r])[gen_rng_below(&g->prng, n)];
}

/* The edges of one PC over one address family. */
static void
plan_client_family(struct gen *g, uint32_t c, bool is_v6)
{
	struct gen_rng *r = &g->prng;
	const struct host *h = &g->hosts[c];
	uint32_t n, s;

	/* Name service: a primary, sometimes a secondary, rarely TCP. */
	uint32_t nd = is_v6 ? g->n_v6_by_role[R_DNS] : g->n_by_role[R_DNS];
	if (nd) {
		const uint32_t *dl = is_v6 ? g->v6_by_role[R_DNS] : g->by_role[R_DNS];
		edge_add(g, c, dl[c % nd], is_v6, SVC_DNS, 6);
		if (gen_rng_chance(r, 0.25))
			edge_add(g, c, dl[(c + 1) % nd], is_v6, SVC_DNS, 1);
		if (gen_rng_chance(r, 0.03))
			edge_add(g, c, dl[c % nd], is_v6, SVC_DNS_TCP, 0.3);
	}
	if (gen_rng_chance(r, 0.4) && (s = pick_role(g, R_NTP, is_v6)) != NO_EDGE)
		edge_add(g, c, s, is_v6, SVC_NTP, 1);
	/* The web: a few sites, mostly HTTPS. */
	n = is_v6 ? gen_rng_range(r, 1, 3) : gen_rng_range(r, 2, 6);
	for (uint32_t i = 0; i < n; i++) {
		if ((s = pick_role(g, R_WEB, is_v6)) == NO_EDGE)
			break;
		bool tls = gen_rng_chance(r, 0.85);
		if (tls)
			edge_add(g, c, s, is_v6, SVC_HTTPS, 6);
		if (!tls || gen_rng_chance(r, 0.4))
			edge_add(g, c, s, is_v6, SVC_HTTP, 3);
	}
	if (is_v6)
		return; /* the rest of the enterprise is IPv4-only */
	if (gen_rng_chance(r, 0.6) && (s = pick_role(g, R_LDAP, false)) != NO_EDGE)
		edge_add(g, c, s, false, SVC_LDAP, 2);
	if (gen_rng_chance(r, 0.5)) {
		n = gen_rng_range(r, 1, 2);
		for (uint32_t i = 0; i < n; i++)
			if ((s = pick_role(g, R_SMB, false)) != NO_EDGE)
				edge_add(g, c, s, false, SVC_SMB, 3);
	}
	if (!h->is_windows && gen_rng_chance(r, 0.4) &&
	    (s = pick_role(g, R_NFS, false)) != NO_EDGE)
		edge_add(g, c, s, false, SVC_NFS, 3);
	if (gen_rng_chance(r, 0.15) && (s = pick_role(g, R_APP, false)) != NO_EDGE)
		edge_add(g, c, s, false, SVC_APP, 3);
	if (gen_rng_chance(r, 0.06) && (s = pick_role(g, R_APP, false)) != NO_EDGE)
		edge_add(g, c, s, false, SVC_ORDER, 2);
	if (!h->is_windows && gen_rng_chance(r, 0.1) &&
	    (s = pick_role(g, R_SYSLOG, false)) != NO_EDGE)
		edge_add(g, c, s, false, SVC_SYSLOG, 2);
}

/* The edges a server uses as a client: infrastructure and its tier. */
static void
plan_server(struct gen *g, uint32_t s)
{
	struct gen_rng *r = &g->prng;
	const struct host *h = &g->hosts[s];
	uint32_t k = s - g->first_server, n, t;

	if (g->n_by_role[R_DNS]) {
		t = g->by_role[R_DNS][k % g->n_by_role[R_DNS]];
		if (t == s)
			t = g->by_role[R_DNS][(k + 1) % g->n_by_role[R_DNS]];
		edge_add(g, s, t, false, SVC_DNS, 6);
		if (k % 7 == 3)
			edge_add(g, s, t, false, SVC_DNS_TCP, 0.5);
	}
	if ((t = pick_role(g, R_NTP, false)) != NO_EDGE)
		edge_add(g, s, t, false, SVC_NTP, 1);
	if ((t = pick_role(g, R_SYSLOG, false)) != NO_EDGE)
		edge_add(g, s, t, false, SVC_SYSLOG, 4);
	if (h->roles & (1u << R_WEB)) {
		n = gen_rng_range(r, 1, 2);
		for (uint32_t i = 0; i < n; i++) {
			if ((t = pick_role(g, R_APP, false)) == NO_EDGE)
				break;
			edge_add(g, s, t, false, SVC_APP, 25);
			edge_add(g, s, t, false, SVC_ORDER, 25);
		}
	}
	if (h->roles & (1u << R_APP)) {
		n = gen_rng_range(r, 1, 3);
		for (uint32_t i = 0; i < n; i++) {
			if ((t = pick_role(g, R_DB, false)) == NO_EDGE)
				break;
			const struct host *db = &g->hosts[t];
			uint8_t svc = db->role_idx % 2 ? SVC_MYSQL : SVC_PGSQL;
			uint32_t e = edge_add(g, s, t, false, svc, 0);
			/* A connection pool: 4-10 connections opened long ago. */
			uint32_t pool = gen_rng_range(r, 4, 10);
			for (uint32_t j = 0; e != NO_EDGE && j < pool; j++)
				persist_add(g, e, P_POOL);
		}
		if ((t = pick_role(g, R_MQ, false)) != NO_EDGE) {
			uint32_t e = edge_add(g, s, t, false, SVC_MQ, 8);
			n = gen_rng_range(r, 1, 2);
			for (uint32_t j = 0; e != NO_EDGE && j < n; j++)
				persist_add(g, e, P_POOL);
		}
		if ((t = pick_role(g, R_LDAP, false)) != NO_EDGE)
			edge_add(g, s, t, false, SVC_LDAP, 4);
	}
	if ((h->roles & (1u << R_SMB)) && (t = pick_role(g, R_LDAP, false)) != NO_EDGE)
		edge_add(g, s, t, false, SVC_LDAP, 2);
}

/* All edges and persistent connections. */
static void
plan_edges(struct gen *g)
{
	struct gen_rng *r = &g->prng;

	for (uint32_t c = 0; c < g->n_clients; c++) {
		if (g->hosts[c].has_v4)
			plan_client_family(g, c, false);
		if (g->hosts[c].has_v6)
			plan_client_family(g, c, true);
	}
	for (uint32_t k = 0; k < g->n_servers; k++)
		plan_server(g, g->first_server + k);
	/* Administrators log in to servers; the first one never logs out. */
	for (uint32_t a = 0; a < g->n_admins; a++) {
		uint32_t n = gen_rng_range(r, 3, 12);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t s = g->first_server + gen_rng_below(r, g->n_servers);
			edge_add(g, g->admins[a], s, false, SVC_SSH, 0.5);
		}
	}
	persist_add(g, edge_add(g, g->admins[0], g->first_server, false, SVC_SSH, 0), P_SSH);
	/* Push subscribers: the server streams, the client only acks. */
	uint32_t n_push = g->n_clients / 200 ? g->n_clients / 200 : 1;
	for (uint32_t i = 0; i < n_push; i++) {
		uint32_t c = (uint32_t)(((uint64_t)i * g->n_clients + g->n_clients / 2) /
		    n_push) % g->n_clients;
		uint32_t s = pick_role(g, R_WEB, false);
		if (s != NO_EDGE && g->hosts[c].has_v4)
			persist_add(g, edge_add(g, c, s, false, SVC_HTTPS, 0), P_PUSH);
	}
}

/* ------------------------------------------------------------------ */
/* Run: the heap of active sessions                                    */

/* Heap order: earlier next packet first, then earlier launch. */
static bool
sess_before(const struct sess *a, const struct sess *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->id < b->id);
}

/* Move heap[i] down to its place after its time grew. */
static void
heap_sift_down(struct gen *g, uint32_t i)
{
	struct sess **h = g->heap;
	struct sess *s = h[i];
	uint32_t n = g->n_heap;

	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && sess_before(h[c + 1], h[c]))
			c++;
		if (!sess_before(h[c], s))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = s;
}

/* Insert s into the heap (grows the array, rarely). */
static void
heap_push(struct gen *g, struct sess *s)
{
	if (g->n_heap == g->max_heap) {
		g->max_heap = g->max_heap ? g->max_heap * 2 : 1024;
		g->heap = xrealloc(g->heap, g->max_heap, sizeof(*g->heap));
	}
	uint32_t i = g->n_heap++;
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!sess_before(s, g->heap[p]))
			break;
		g->heap[i] = g->heap[p];
		i = p;
	}
	g->heap[i] = s;
}

/* Remove the root (the caller holds it). */
static void
heap_pop(struct gen *g)
{
	g->heap[0] = g->heap[--g->n_heap];
	if (g->n_heap)
		heap_sift_down(g, 0);
}

/* A cleared session of kind k with its launch id; from the free list if possible. */
static struct sess *
sess_new(struct gen *g, uint64_t ts, uint8_t kind)
{
	struct sess *s = g->free_sess;

	if (s)
		g->free_sess = s->next_free;
	else
		s = xcalloc(1, sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->ts = ts;
	s->id = g->next_id++;
	s->kind = kind;
	s->edge = NO_EDGE;
	return s;
}

/* Return s to the free list (sessions are never given back to malloc). */
static void
sess_free(struct gen *g, struct sess *s)
{
	s->next_free = g->free_sess;
	g->free_sess = s;
}

#define SF_DONE 0x20 /* the session has sent its last packet */

/* ------------------------------------------------------------------ */
/* Run: starting sessions                                              */

/* TTL / hop limit of the packets host h sends. */
static uint8_t
host_ttl(const struct host *h)
{
	return h->is_windows ? 128 : 64;
}

/* A port in [lo, hi] that no Wireshark dissector claims (see avoid.c). */
static uint16_t
port_in(struct gen *g, uint32_t lo, uint32_t hi)
{
	uint16_t p;

	do
		p = (uint16_t)gen_rng_range(&g->rng, lo, hi);
	while (gen_port_avoided(p));
	return p;
}

/* Client source port for a new connection. */
static uint16_t
client_port(struct gen *g, const struct host *h, uint8_t style, uint16_t svc_port)
{
	switch (style) {
	case CP_LOW:
		return port_in(g, 1024, 4999);
	case CP_PRIV:
		return port_in(g, 665, 1023);
	case CP_SAME:
		return svc_port;
	default:
		if (h->is_windows)
			return port_in(g, 49152, 65535);
		return port_in(g, 32768, 60999);
	}
}

/* Both direction templates of a session between hosts a (client side) and b. */
static void
sess_templates(struct gen *g, struct sess *s, const struct host *a, const struct host *b,
    bool is_v6, uint8_t proto, uint16_t aport, uint16_t bport)
{
	struct gen_ep ea = {a->mac, is_v6 ? a->v6 : a->v4, aport, host_ttl(a)};
	struct gen_ep eb = {b->mac, is_v6 ? b->v6 : b->v4, bport, host_ttl(b)};
	uint16_t vlan = a->vlan ? a->vlan : b->vlan;
	uint64_t x = gen_rng_next(&g->rng);

	gen_tmpl_init(&s->t[0], &ea, &eb, is_v6, proto, vlan, (uint32_t)x & 0xfffff,
	    (uint16_t)(x >> 20));
	gen_tmpl_init(&s->t[1], &eb, &ea, is_v6, proto, vlan, (uint32_t)(x >> 36) & 0xfffff,
	    (uint16_t)(x >> 48));
}

/* Message lengths of the next request / response of s. */
static void
start_req(struct gen *g, struct sess *s)
{
	const struct svc_info *si = &svcs[s->svc];
	uint32_t min = gen_payload_min_len(si->app, false);

	if (si->app == GEN_APP_DNS_TCP)
		s->msg_len = gen_dns_tcp_query_len("corp.example");
	else
		s->msg_len = gen_rng_range(&g->rng, si->req_lo, si->req_hi);
	if (s->msg_len < min)
		s->msg_len = min;
	s->msg_off = 0;
	s->think = gen_rng_range(&g->rng, si->think_lo, si->think_hi);
	s->serial++;
}

static void
start_resp(struct gen *g, struct sess *s)
{
	const struct svc_info *si = &svcs[s->svc];
	uint32_t min = gen_payload_min_len(si->app, true);

	if (si->app == GEN_APP_DNS_TCP)
		s->msg_len = gen_dns_tcp_query_len("corp.example") +
		    16 * gen_rng_range(&g->rng, 25, 180);
	else if (s->flags & SF_PUSH)
		s->msg_len = rng_logu(&g->rng, 200, 3000);
	else
		s->msg_len = rng_logu(&g->rng, si->resp_lo, si->resp_hi);
	if (s->msg_len < min)
		s->msg_len = min;
	s->msg_off = 0;
}

/* Share of the packets that the persistent connections send. */
#define PERSIST_SHARE 0.05

/* µs between transactions of a persistent connection of kind pk. */
static uint32_t
persist_interval(struct gen *g, uint8_t pk)
{
	static const double ppt[] = {[P_POOL] = 5, [P_PUSH] = 3, [P_SSH] = 3};
	double budget = PERSIST_SHARE * (double)g->n_target / ((double)g->period / 1e6);
	double iv = ppt[pk] * g->n_persists / (budget > 0 ? budget : 1) * 1e6;

	if (iv < 2000)
		iv = 2000;
	if (iv > 4e9)
		iv = 4e9;
	return (uint32_t)iv;
}

/*
 * Start a session of edge e at ts: ordinary (pk < 0) or persistent of
 * kind pk (already established: no handshake, never closes).
 */
static void
start_real(struct gen *g, uint32_t e, int pk, uint64_t ts)
{
	const struct edge *d = &g->edges[e];
	const struct svc_info *si = &svcs[d->svc];
	const struct host *c = &g->hosts[d->client], *sv = &g->hosts[d->server];
	struct gen_rng *r = &g->rng;
	struct sess *s = sess_new(g, ts, si->kind);

	s->edge = e;
	s->svc = d->svc;
	if (d->is_v6)
		s->flags |= SF_V6;
	sess_templates(g, s, c, sv, d->is_v6, si->proto, client_port(g, c, si->cport, si->port),
	    si->port);
	s->rtt = c->is_server ? gen_rng_range(r, 80, 600) : gen_rng_range(r, 300, 3000);
	s->mss = d->is_v6 ? 1440 : 1460;
	s->serial = (uint32_t)gen_rng_next(r);
	s->cseq = (uint32_t)gen_rng_next(r);
	s->sseq = (uint32_t)gen_rng_next(r);
	s->trans_left = gen_rng_range(r, si->trans_lo, si->trans_hi);
	if (si->kind == K_TCP) {
		if (pk >= 0) {
			s->flags |= SF_PERSIST;
			s->interval = persist_interval(g, (uint8_t)pk);
			s->ts += gen_rng_below(r, s->interval < 2000000 ? s->interval : 2000000);
			if (pk == P_PUSH) {
				s->flags |= SF_PUSH;
				start_resp(g, s);
				s->phase = PH_RESP;
			} else {
				start_req(g, s);
				s->phase = PH_REQ;
			}
		} else {
			if (gen_rng_chance(r, 0.04))
				s->flags |= SF_RST;
			else if (gen_rng_chance(r, 0.15))
				s->flags |= SF_SCLOSE;
			s->phase = PH_SYN;
		}
	}
	heap_push(g, s);
}

/* Start a noise session of kind k at ts. */
static void
start_noise(struct gen *g, uint8_t k, uint64_t ts)
{
	struct gen_rng *r = &g->rng;
	struct sess *s = sess_new(g, ts, k);
	uint32_t inside = gen_rng_below(r, g->n_clients + g->n_servers);

	inside = inside < g->n_clients ? inside : g->first_server + (inside - g->n_clients);
	switch (k) {
	case K_SCAN:
		s->aux = 0;
		s->serial = g->first_server + gen_rng_below(r, g->n_servers);
		s->dns_id = port_in(g, 40000, 65000); /* the scanner's source port */
		break;
	case K_BSCAT:
		if (!g->hosts[inside].has_v4)
			inside = g->first_server;
		s->serial = inside;
		sess_templates(g, s, &g->hosts[inside], &g->hosts[g->outsider], false, 6,
		    port_in(g, 1024, 65535), 80);
		break;
	case K_PING: {
		uint32_t a = g->admins[gen_rng_below(r, g->n_admins)];
		uint32_t b = g->first_server + gen_rng_below(r, g->n_servers);
		sess_templates(g, s, &g->hosts[a], &g->hosts[b], false, 1, 0, 0);
		s->trans_left = gen_rng_range(r, 4, 10);
		s->dns_id = (uint16_t)gen_rng_next(r);
		break;
	}
	case K_ARP:
		if (inside >= g->n_clients || !g->hosts[inside].has_v4)
			inside = g->admins[0]; /* an IPv4 PC */
		s->serial = inside;
		break;
	}
	heap_push(g, s);
}

/* ------------------------------------------------------------------ */
/* Run: emitting packets                                               */

/*
 * Account one simulated packet of real session s in direction dir
 * (0 client -> server).  Returns whether it goes into the capture.
 */
static bool
count_pkt(struct gen *g, struct sess *s, int dir, bool is_hs)
{
	g->sim_pkts++;
	s->n_pkts++;
	if (s->edge == NO_EDGE)
		return true;
	struct edge *d = &g->edges[s->edge];
	if (!is_hs && (d->done & d->need) != d->need) {
		d->done |= (uint8_t)(1u << dir);
		if ((d->done & d->need) == d->need)
			g->pending--;
	}
	if (is_hs && g->no_handshake)
		return false;
	d->written |= (uint8_t)(1u << dir);
	return true;
}

/*
 * A TCP segment of real session s in direction dir carrying len bytes
 * of the current message at msg_off.  Sequence numbers are the
 * session's; the caller advances them.
 */
static void
emit_tcp(struct gen *g, struct sess *s, int dir, uint8_t flags, uint32_t len, bool is_hs)
{
	uint8_t opt[8] = {2, 4, (uint8_t)(s->mss >> 8), (uint8_t)s->mss, 1, 1, 4, 2};

	if (!count_pkt(g, s, dir, is_hs)) {
		s->t[dir].ip_id++; /* as if sent: the rest stays byte-identical */
		return;
	}
	uint32_t seq = dir ? s->sseq : s->cseq;
	uint32_t ack = (flags & GEN_TH_ACK) ? (dir ? s->cseq : s->sseq) : 0;
	uint16_t win = dir ? 65160 : 64240;
	uint8_t *p = gen_tcp_begin(&g->out, &s->t[dir], seq, ack, flags, win, opt,
	    (flags & GEN_TH_SYN) ? 8 : 0);
	if (len) {
		const struct host *sv = &g->hosts[g->edges[s->edge].server];
		struct gen_msg m = {
			.app = svcs[s->svc].app,
			.is_resp = dir == 1,
			.len = s->msg_len,
			.serial = s->serial,
			.host = svcs[s->svc].app == GEN_APP_DNS_TCP ? "corp.example" : sv->name,
			.peer = g->hosts[g->edges[s->edge].client].name,
			.ts = s->ts,
		};
		gen_payload(&m, s->msg_off, p, len);
	}
	gen_tcp_end(&g->out, &s->t[dir], s->ts, len);
}

/* A bare TCP segment (noise): explicit seq/ack, no payload. */
static void
emit_bare(struct gen *g, struct sess *s, int dir, uint32_t seq, uint32_t ack, uint8_t flags,
    uint16_t win, bool mss_opt)
{
	static const uint8_t opt[4] = {2, 4, 0x05, 0xb4};

	count_pkt(g, s, dir, false);
	gen_tcp_begin(&g->out, &s->t[dir], seq, ack, flags, win, opt, mss_opt ? 4 : 0);
	gen_tcp_end(&g->out, &s->t[dir], s->ts, 0);
}

/* After the client acked the last segment of a response. */
static void
end_transaction(struct gen *g, struct sess *s)
{
	const struct svc_info *si = &svcs[s->svc];
	struct gen_rng *r = &g->rng;

	if (s->flags & SF_PERSIST) {
		s->ts += s->interval / 2 + gen_rng_below(r, s->interval);
		if (s->flags & SF_PUSH) {
			start_resp(g, s);
			s->phase = PH_RESP;
		} else {
			start_req(g, s);
			s->phase = PH_REQ;
		}
	} else if (--s->trans_left > 0) {
		start_req(g, s);
		s->phase = PH_REQ;
		s->ts += gen_rng_range(r, si->gap_lo, si->gap_hi);
	} else {
		s->phase = (s->flags & SF_RST) ? PH_RST : PH_FIN1;
		s->ts += gen_rng_range(r, 50, 5000);
	}
}

/* One packet of a TCP session; sets its next time or SF_DONE. */
static void
step_tcp(struct gen *g, struct sess *s)
{
	struct gen_rng *r = &g->rng;
	uint32_t half = s->rtt / 2 + 1, seg;
	int closer = (s->flags & SF_SCLOSE) ? 1 : 0;
	bool last;

	switch (s->phase) {
	case PH_SYN:
		emit_tcp(g, s, 0, GEN_TH_SYN, 0, true);
		s->cseq++;
		s->phase = PH_SYNACK;
		s->ts += half;
		break;
	case PH_SYNACK:
		emit_tcp(g, s, 1, GEN_TH_SYN | GEN_TH_ACK, 0, true);
		s->sseq++;
		s->phase = PH_HSACK;
		s->ts += half;
		break;
	case PH_HSACK:
		emit_tcp(g, s, 0, GEN_TH_ACK, 0, true);
		start_req(g, s);
		s->phase = PH_REQ;
		s->ts += gen_rng_range(r, 20, 300);
		break;
	case PH_REQ:
		seg = s->msg_len - s->msg_off < s->mss ? s->msg_len - s->msg_off : s->mss;
		last = s->msg_off + seg == s->msg_len;
		emit_tcp(g, s, 0, GEN_TH_ACK | (last ? GEN_TH_PSH : 0), seg, false);
		s->cseq += seg;
		s->msg_off += seg;
		if (!last) {
			s->ts += gen_rng_range(r, 5, 40);
		} else if (s->think > 40000) {
			s->phase = PH_SACK; /* delayed ACK fires before the answer */
			s->ts += half;
		} else {
			start_resp(g, s);
			s->phase = PH_RESP;
			s->ts += half + s->think;
		}
		break;
	case PH_SACK:
		emit_tcp(g, s, 1, GEN_TH_ACK, 0, false);
		start_resp(g, s);
		s->phase = PH_RESP;
		s->ts += s->think;
		break;
	case PH_RESP:
		seg = s->msg_len - s->msg_off < s->mss ? s->msg_len - s->msg_off : s->mss;
		last = s->msg_off + seg == s->msg_len;
		emit_tcp(g, s, 1, GEN_TH_ACK | (last ? GEN_TH_PSH : 0), seg, false);
		s->sseq += seg;
		s->msg_off += seg;
		s->unacked++;
		if (last) {
			s->phase = PH_CACK;
			s->ts += s->unacked >= 2 ? half : gen_rng_range(r, half, 40000);
		} else {
			if (s->unacked >= 2)
				s->phase = PH_CACK;
			s->ts += gen_rng_range(r, 5, 40);
		}
		break;
	case PH_CACK:
		emit_tcp(g, s, 0, GEN_TH_ACK, 0, false);
		s->unacked = 0;
		if (s->msg_off < s->msg_len) {
			s->phase = PH_RESP;
			s->ts += gen_rng_range(r, 5, 40);
		} else {
			end_transaction(g, s);
		}
		break;
	case PH_FIN1:
		emit_tcp(g, s, closer, GEN_TH_FIN | GEN_TH_ACK, 0, false);
		if (closer)
			s->sseq++;
		else
			s->cseq++;
		s->phase = PH_FIN2;
		s->ts += half;
		break;
	case PH_FIN2:
		emit_tcp(g, s, !closer, GEN_TH_FIN | GEN_TH_ACK, 0, false);
		if (closer)
			s->cseq++;
		else
			s->sseq++;
		s->phase = PH_FIN3;
		s->ts += half;
		break;
	case PH_FIN3:
		emit_tcp(g, s, closer, GEN_TH_ACK, 0, false);
		s->flags |= SF_DONE;
		break;
	case PH_RST:
		emit_tcp(g, s, 0, GEN_TH_RST | GEN_TH_ACK, 0, false);
		s->flags |= SF_DONE;
		break;
	default:
		s->flags |= SF_DONE;
		break;
	}
}

/* Fully qualified DNS name of host h into buf. */
static const char *
fqdn(const struct host *h, char *buf, size_t len)
{
	snprintf(buf, len, "%s.corp.example", h->name);
	return buf;
}

/* One datagram of a UDP request/response or one-way session. */
static void
step_udp(struct gen *g, struct sess *s)
{
	struct gen_rng *r = &g->rng;
	const struct svc_info *si = &svcs[s->svc];
	int dir = s->kind == K_UDP_RR ? s->phase : 0;
	char name[64];
	uint8_t *p;
	size_t len = 0;

	count_pkt(g, s, dir, false);
	p = gen_udp_begin(&g->out, &s->t[dir]);
	if (s->kind == K_ONEWAY) {
		struct gen_msg m = {.app = GEN_APP_SYSLOG,
		    .len = gen_rng_range(r, si->req_lo, si->req_hi),
		    .serial = s->serial++,
		    .peer = g->hosts[g->edges[s->edge].client].name,
		    .ts = s->ts};
		gen_payload(&m, 0, p, m.len);
		len = m.len;
	} else if (s->svc == SVC_NTP) {
		len = gen_ntp(p, dir == 1, s->ts);
	} else if (dir == 0) {
		/* Ask for a server's name: AAAA on IPv6 edges, sometimes on IPv4. */
		s->aux = g->first_server + gen_rng_below(r, g->n_servers);
		s->is_aaaa = (s->flags & SF_V6) || gen_rng_chance(r, 0.2);
		s->dns_id = (uint16_t)gen_rng_next(r);
		len = gen_dns_query(p, s->dns_id, fqdn(&g->hosts[s->aux], name, sizeof(name)),
		    s->is_aaaa);
	} else {
		const struct host *t = &g->hosts[s->aux];
		const uint8_t *a = s->is_aaaa ? (t->has_v6 ? t->v6 : NULL) : t->v4;
		len = gen_dns_response(p, s->dns_id, fqdn(t, name, sizeof(name)), s->is_aaaa, a);
	}
	gen_udp_end(&g->out, &s->t[dir], s->ts, len);

	if (s->kind == K_UDP_RR && s->phase == 0) {
		s->phase = 1;
		s->think = gen_rng_range(r, si->think_lo, si->think_hi);
		s->ts += s->rtt / 2 + 1 + s->think;
	} else if (--s->trans_left > 0) {
		s->phase = 0;
		s->ts += gen_rng_range(r, si->gap_lo, si->gap_hi);
	} else {
		s->flags |= SF_DONE;
	}
}

/* Ports the scanner probes. */
static const uint16_t scan_ports[] = {21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 389,
    443, 445, 465, 587, 993, 995, 1433, 1521, 1723, 2049, 3306, 3389, 5432, 5900, 6379,
    8080, 8443, 9200, 11211, 27017, 50020, 61616};

/* Whether server host h listens on TCP port. */
static bool
server_listens(const struct host *h, uint16_t port)
{
	static const uint16_t role_ports[N_ROLE][3] = {
		[R_WEB] = {80, 443}, [R_APP] = {8080, 50020}, [R_MQ] = {61616},
		[R_DB] = {5432, 3306}, [R_DNS] = {53}, [R_LDAP] = {389}, [R_SMB] = {445, 139},
		[R_NFS] = {2049, 111},
	};

	if (port == 22)
		return true;
	for (int r = 0; r < N_ROLE; r++)
		for (int i = 0; (h->roles & (1u << r)) && i < 3; i++)
			if (role_ports[r][i] == port)
				return true;
	return false;
}

/* One packet of noise. */
static void
step_noise(struct gen *g, struct sess *s)
{
	struct gen_rng *r = &g->rng;

	switch (s->kind) {
	case K_SCAN: {
		const struct host *t = &g->hosts[s->serial];
		uint16_t port = scan_ports[s->aux];
		if (s->phase == 0) {
			sess_templates(g, s, &g->hosts[g->scanner], t, false, 6, s->dns_id, port);
			s->cseq = (uint32_t)gen_rng_next(r);
			emit_bare(g, s, 0, s->cseq, 0, GEN_TH_SYN, 1024, true);
			s->phase = 1;
			s->ts += gen_rng_range(r, 100, 800);
			return;
		}
		if (s->phase == 1 && server_listens(t, port)) {
			/* Open: SYN-ACK, and the scanner resets (half-open scan). */
			emit_bare(g, s, 1, (uint32_t)gen_rng_next(r), s->cseq + 1,
			    GEN_TH_SYN | GEN_TH_ACK, 65160, true);
			s->phase = 2;
			s->ts += gen_rng_range(r, 50, 300);
			return;
		}
		if (s->phase == 1)
			emit_bare(g, s, 1, 0, s->cseq + 1, GEN_TH_RST | GEN_TH_ACK, 0, false);
		else
			emit_bare(g, s, 0, s->cseq + 1, 0, GEN_TH_RST, 0, false);
		s->phase = 0;
		if (++s->aux == sizeof(scan_ports) / sizeof(scan_ports[0]))
			s->flags |= SF_DONE;
		s->ts += gen_rng_range(r, 500, 5000);
		return;
	}
	case K_BSCAT:
		if (s->phase == 0) {
			s->sseq = (uint32_t)gen_rng_next(r);
			s->cseq = (uint32_t)gen_rng_next(r);
			emit_bare(g, s, 1, s->sseq, s->cseq, GEN_TH_SYN | GEN_TH_ACK, 65535, true);
			if (gen_rng_chance(r, 0.6)) {
				s->phase = 1;
				s->ts += gen_rng_range(r, 20, 200);
			} else {
				s->flags |= SF_DONE;
			}
		} else {
			emit_bare(g, s, 0, s->cseq, 0, GEN_TH_RST, 0, false);
			s->flags |= SF_DONE;
		}
		return;
	case K_PING: {
		int dir = s->phase;
		count_pkt(g, s, dir, false);
		uint8_t *p = gen_icmp_begin(&g->out, &s->t[dir]);
		p[0] = dir ? 0 : 8;
		p[1] = 0;
		p[4] = (uint8_t)(s->dns_id >> 8), p[5] = (uint8_t)s->dns_id;
		p[6] = (uint8_t)(s->aux >> 8), p[7] = (uint8_t)s->aux;
		for (int i = 0; i < 56; i++)
			p[8 + i] = (uint8_t)(0x10 + i);
		gen_icmp_end(&g->out, &s->t[dir], s->ts, 64);
		if (dir == 0) {
			s->phase = 1;
			s->ts += gen_rng_range(r, 200, 2000);
		} else {
			s->phase = 0;
			s->aux++;
			if (--s->trans_left == 0)
				s->flags |= SF_DONE;
			s->ts += 1000000;
		}
		return;
	}
	case K_ARP: {
		const struct host *h = &g->hosts[s->serial];
		uint8_t f[64], gw_mac[6] = {0x06, 0x72, 0xfe, 0, (uint8_t)(h->subnet >> 8),
		    (uint8_t)h->subnet};
		uint8_t gw_ip[4] = {h->v4[0], h->v4[1], h->v4[2], 1};
		size_t n = 0;
		bool is_reply = s->phase == 1;
		count_pkt(g, s, s->phase, false);
		memcpy(f, is_reply ? h->mac : (const uint8_t *)"\xff\xff\xff\xff\xff\xff", 6);
		memcpy(f + 6, is_reply ? gw_mac : h->mac, 6);
		n = 12;
		if (h->vlan) {
			f[n++] = 0x81, f[n++] = 0x00;
			f[n++] = (uint8_t)(h->vlan >> 8), f[n++] = (uint8_t)h->vlan;
		}
		static const uint8_t arp_hdr[8] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4};
		memcpy(f + n, arp_hdr, 8);
		n += 8;
		f[n++] = 0, f[n++] = is_reply ? 2 : 1;
		memcpy(f + n, is_reply ? gw_mac : h->mac, 6), n += 6;
		memcpy(f + n, is_reply ? gw_ip : h->v4, 4), n += 4;
		if (is_reply)
			memcpy(f + n, h->mac, 6);
		else
			memset(f + n, 0, 6);
		n += 6;
		memcpy(f + n, is_reply ? h->v4 : gw_ip, 4), n += 4;
		gen_out_frame(&g->out, s->ts, f, n);
		if (is_reply) {
			s->flags |= SF_DONE;
		} else {
			s->phase = 1;
			s->ts += gen_rng_range(r, 100, 1000);
		}
		return;
	}
	}
	s->flags |= SF_DONE;
}

/* Emit the next packet of s and advance it. */
static void
step(struct gen *g, struct sess *s)
{
	switch (s->kind) {
	case K_TCP:
		step_tcp(g, s);
		break;
	case K_UDP_RR:
	case K_ONEWAY:
		step_udp(g, s);
		break;
	default:
		step_noise(g, s);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Run: the launcher and the main loop                                 */

/* Shuffle the pass order (Fisher-Yates) for a new period. */
static void
shuffle_pass(struct gen *g)
{
	for (uint32_t i = g->n_pass; i > 1; i--) {
		uint32_t j = gen_rng_below(&g->rng, i);
		uint32_t t = g->pass[i - 1];
		g->pass[i - 1] = g->pass[j];
		g->pass[j] = t;
	}
	g->pass_pos = 0;
}

/* An edge drawn by weight (binary search in cum_w). */
static uint32_t
pick_edge(struct gen *g)
{
	double x = gen_rng_unit(&g->rng) * g->cum_w[g->n_edges - 1];
	uint32_t lo = 0, hi = g->n_edges - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->cum_w[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * Start one session at launch_ts and schedule the next launch so that
 * the current period ends near its packet target: the remaining budget
 * (minus what the persistent connections will send) divided by the
 * mean packets of a finished session gives the sessions still needed,
 * never fewer than the edges of the pass still to start.  Gaps are
 * exponential around that mean (Poisson arrivals).
 */
static void
launch(struct gen *g)
{
	struct gen_rng *r = &g->rng;
	uint64_t now = g->launch_ts;

	while (g->period_idx + 1 < g->n_periods &&
	    now >= g->start_ts + (uint64_t)(g->period_idx + 1) * g->period) {
		g->period_idx++;
		shuffle_pass(g);
	}
	double u = gen_rng_unit(r);
	if (u < 0.005)
		start_noise(g, K_BSCAT, now);
	else if (u < 0.008)
		start_noise(g, K_ARP, now);
	else if (u < 0.0082)
		start_noise(g, K_PING, now);
	else if (u < 0.0083)
		start_noise(g, K_SCAN, now);
	else if (g->pass_pos < g->n_pass)
		start_real(g, g->pass[g->pass_pos++], -1, now);
	else if (g->cum_w[g->n_edges - 1] > 0)
		start_real(g, pick_edge(g), -1, now);

	double avg = ((double)g->done_pkts + 20.0 * 50) / ((double)g->n_done + 50);
	uint64_t pend = g->start_ts + (uint64_t)(g->period_idx + 1) * g->period;
	double gap = (double)g->last_gap;
	if (pend > now) {
		double rem_t = (double)(pend - now);
		double rem_p = (double)g->n_target * (g->period_idx + 1) - (double)g->sim_pkts -
		    g->persist_pps * rem_t / 1e6;
		double need = rem_p / avg, left = (double)(g->n_pass - g->pass_pos);
		if (need < left)
			need = left;
		if (need < 1)
			need = 1;
		gap = rem_t / need;
	}
	if (gap < 1)
		gap = 1;
	g->last_gap = (uint64_t)gap;
	gap *= -log(1.0 - gen_rng_unit(r));
	g->launch_ts = now + (uint64_t)gap + 1;
}

/* Prepare the run: weights, pass order, persistent connections, noise. */
static void
run_init(struct gen *g)
{
	struct gen_rng *r = &g->rng;
	double acc = 0;

	g->cum_w = xcalloc(g->n_edges, sizeof(*g->cum_w));
	g->pass = xcalloc(g->n_edges, sizeof(*g->pass));
	for (uint32_t e = 0; e < g->n_edges; e++) {
		acc += g->edges[e].weight;
		g->cum_w[e] = acc;
		if (g->edges[e].weight > 0)
			g->pass[g->n_pass++] = e;
	}
	g->pending = g->n_edges;
	shuffle_pass(g);
	g->persist_pps = 0;
	for (uint32_t i = 0; i < g->n_persists; i++) {
		static const double ppt[] = {[P_POOL] = 5, [P_PUSH] = 3, [P_SSH] = 3};
		uint8_t pk = g->persists[i].pkind;
		start_real(g, g->persists[i].edge, pk, g->start_ts);
		g->persist_pps += ppt[pk] / (persist_interval(g, pk) / 1e6);
	}
	/* Noise from the first moments, so that small captures have it too. */
	start_noise(g, K_SCAN, g->start_ts + gen_rng_range(r, 1000, 20000));
	for (int i = 0; i < 3; i++)
		start_noise(g, K_BSCAT, g->start_ts + gen_rng_range(r, 1000, 50000));
	start_noise(g, K_PING, g->start_ts + gen_rng_range(r, 1000, 50000));
	for (int i = 0; i < 2; i++)
		start_noise(g, K_ARP, g->start_ts + gen_rng_range(r, 1000, 50000));
	g->launch_ts = g->start_ts;
}

/*
 * Whether the run is over: the packet target of all periods is met,
 * every edge is done, and the last period has started its whole pass,
 * so that every period holds every relationship even when the edges
 * need more packets than --packets.
 */
static bool
run_over(const struct gen *g)
{
	return g->sim_pkts >= g->n_target * g->n_periods && g->pending == 0 &&
	    g->period_idx + 1 == g->n_periods && g->pass_pos == g->n_pass;
}

/* The bytes of the pcap so far: headers included, buffered bytes too. */
static uint64_t
out_file_bytes(const struct gen *g)
{
	return PCAP_FILE_HLEN + g->out.n_pkts * PCAP_REC_HLEN + g->out.n_bytes;
}

/*
 * Hand the progress line where the run stands (written packets, file
 * bytes, simulated packets of the target); every PROGRESS_EVERY simulated
 * packets, so the clock is read once per batch, never per packet.  The
 * output does not depend on it: it reads the run, never the PRNGs.
 */
static void
show_progress(struct gen *g)
{
	struct rk_progress_sample ps = {0};

	ps.n_packets = g->out.n_pkts;
	ps.max_packets = g->n_target * g->n_periods;
	ps.n_bytes = out_file_bytes(g);
	ps.done = g->sim_pkts;
	ps.total = ps.max_packets;
	rk_progress_update(&g->progress, &ps);
	g->progress_at = g->sim_pkts + PROGRESS_EVERY;
}

/* The main loop: one packet (or one launch) per turn until run_over(). */
static void
run(struct gen *g)
{
	run_init(g);
	while (!run_over(g)) {
		struct sess *s = g->n_heap ? g->heap[0] : NULL;
		if (g->sim_pkts >= g->progress_at)
			show_progress(g);
		if (!s || g->launch_ts <= s->ts) {
			launch(g);
			continue;
		}
		step(g, s);
		if (s->flags & SF_DONE) {
			heap_pop(g);
			if (s->edge != NO_EDGE && !(s->flags & SF_PERSIST)) {
				g->done_pkts += s->n_pkts;
				g->n_done++;
			}
			sess_free(g, s);
		} else {
			heap_sift_down(g, 0);
		}
	}
}

/* Free everything the plan and the run allocated, and g itself. */
static void
gen_free(struct gen *g)
{
	for (uint32_t i = 0; i < g->n_heap; i++)
		free(g->heap[i]);
	while (g->free_sess) {
		struct sess *s = g->free_sess;
		g->free_sess = s->next_free;
		free(s);
	}
	for (int r = 0; r < N_ROLE; r++) {
		free(g->by_role[r]);
		free(g->v6_by_role[r]);
	}
	free(g->heap);
	free(g->pass);
	free(g->cum_w);
	free(g->persists);
	free(g->eidx);
	free(g->ekeys);
	free(g->edges);
	free(g->admins);
	free(g->hosts);
	free(g);
}

/* ------------------------------------------------------------------ */
/* Truth                                                               */

/* One truth row: a service (c unused) or an edge, sortable by memcmp order. */
struct trow {
	uint8_t c[16];   /* client address, IPv4-mapped for IPv4 */
	uint8_t s[16];   /* server address */
	uint8_t proto;   /* 6 or 17 */
	uint16_t port;   /* server port */
	uint8_t svc;     /* enum svc */
};

/* qsort order of edges: client, server, proto, port. */
static int
trow_cmp_edge(const void *pa, const void *pb)
{
	const struct trow *a = pa, *b = pb;
	int d = memcmp(a->c, b->c, 16);

	if (!d)
		d = memcmp(a->s, b->s, 16);
	if (!d)
		d = (int)a->proto - (int)b->proto;
	if (!d)
		d = (int)a->port - (int)b->port;
	return d;
}

/* qsort order of services: server, proto, port. */
static int
trow_cmp_svc(const void *pa, const void *pb)
{
	const struct trow *a = pa, *b = pb;
	int d = memcmp(a->s, b->s, 16);

	if (!d)
		d = (int)a->proto - (int)b->proto;
	if (!d)
		d = (int)a->port - (int)b->port;
	return d;
}

/* Text form of a 16-byte address (dotted quad for mapped IPv4, RFC 5952). */
static const char *
addr_text(const uint8_t a[16], char *buf, size_t len)
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (memcmp(a, pfx, 12) == 0)
		return inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
	return inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

/*
 * Write the truth: every edge that has packets in the capture and every
 * service that those edges reach, sorted by address (IPv4 before IPv6),
 * protocol and port.  OUT: *n_svcs, *n_edges, the services and edges
 * written.  Returns 0 or a negative errno.
 */
static int
write_truth(struct gen *g, const char *path, uint32_t *n_svcs, uint32_t *n_edges)
{
	FILE *fp = fopen(path, "w");
	struct trow *rows;
	uint32_t n = 0, k = 0, n_cli = 0, n_srv = 0;
	uint8_t *seen;
	char a[64], b[64];
	int rc = 0;

	if (!fp)
		return -errno;
	rows = xcalloc(g->n_edges, sizeof(*rows));
	seen = xcalloc(g->n_hosts, 1);
	for (uint32_t e = 0; e < g->n_edges; e++) {
		const struct edge *d = &g->edges[e];
		if (!d->written)
			continue;
		addr16(&g->hosts[d->client], d->is_v6, rows[n].c);
		addr16(&g->hosts[d->server], d->is_v6, rows[n].s);
		rows[n].proto = svcs[d->svc].proto;
		rows[n].port = svcs[d->svc].port;
		rows[n].svc = d->svc;
		n++;
		seen[d->client] = 1;
		seen[d->server] = 1;
	}
	for (uint32_t h = 0; h < g->n_hosts; h++) {
		if (!seen[h])
			continue;
		if (h < g->n_clients)
			n_cli++;
		else
			n_srv++;
	}
	fprintf(fp,
	    "{\"generator\":\"renkei-gen\",\"seed\":%" PRIu64 ",\"packets\":%" PRIu64
	    ",\"bytes\":%" PRIu64 ",\"first_ts\":%" PRIu64 ",\"last_ts\":%" PRIu64 ",\n",
	    g->seed, g->out.n_pkts, g->out.n_bytes, g->out.first_ts, g->out.last_ts);
	qsort(rows, n, sizeof(*rows), trow_cmp_svc);
	fputs("\"services\":[", fp);
	for (uint32_t i = 0; i < n; i++) {
		if (i && trow_cmp_svc(&rows[i - 1], &rows[i]) == 0)
			continue;
		fprintf(fp, "%s\n{\"ip\":\"%s\",\"proto\":\"%s\",\"port\":%u,\"name\":\"%s\"}",
		    k++ ? "," : "", addr_text(rows[i].s, a, sizeof(a)),
		    rows[i].proto == 6 ? "tcp" : "udp", rows[i].port, svcs[rows[i].svc].name);
	}
	fputs("],\n\"edges\":[", fp);
	qsort(rows, n, sizeof(*rows), trow_cmp_edge);
	for (uint32_t i = 0; i < n; i++) {
		fprintf(fp, "%s\n{\"client\":\"%s\",\"server\":\"%s\",\"proto\":\"%s\",\"port\":%u}",
		    i ? "," : "", addr_text(rows[i].c, a, sizeof(a)),
		    addr_text(rows[i].s, b, sizeof(b)), rows[i].proto == 6 ? "tcp" : "udp",
		    rows[i].port);
	}
	fprintf(fp, "],\n\"hosts\":{\"clients\":%u,\"servers\":%u}}\n", n_cli, n_srv);
	*n_svcs = k;
	*n_edges = n;
	if (ferror(fp))
		rc = -EIO;
	if (fclose(fp) != 0 && !rc)
		rc = -errno;
	free(seen);
	free(rows);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */

/* The synopsis, to fp. */
static void
usage(FILE *fp)
{
	fputs("usage: renkei-gen [-o OUT.pcap|-] [--truth TRUTH.json] [--packets N]\n"
	      "                  [--clients N] [--servers N] [--subnets M] [--seed S]\n"
	      "                  [--no-handshake] [--start-ts UNIX] [--duration SECONDS]\n"
	      "                  [--hours H] [-v] [-q]\n",
	    fp);
}

/* Parse an unsigned decimal option value in [min, max] or exit. */
static uint64_t
parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "renkei-gen: bad value for %s: '%s' (%" PRIu64 "..%" PRIu64 ")\n",
		    opt, s, min, max);
		exit(2);
	}
	return v;
}

/*
 * The closing line on stderr: what was written, e.g. "renkei-gen: wrote
 * demo.pcap (200,000 packets, 118 MB) and demo-truth.json (72 services,
 * 2,526 edges)"; truth_path NULL when there is no truth file.
 */
static void
tell_written(const struct gen *g, const char *out_path, const char *truth_path,
    uint32_t n_svcs, uint32_t n_edges)
{
	char a[32], b[32], c[32], d[32];

	fprintf(stderr, "renkei-gen: wrote %s (%s packets, %s)",
	    strcmp(out_path, "-") == 0 ? "standard output" : out_path,
	    rk_human_count(g->out.n_pkts, a, sizeof(a)),
	    rk_progress_format_bytes(out_file_bytes(g), b, sizeof(b)));
	if (truth_path != NULL)
		fprintf(stderr, " and %s (%s services, %s edges)", truth_path,
		    rk_human_count(n_svcs, c, sizeof(c)),
		    rk_human_count(n_edges, d, sizeof(d)));
	fputc('\n', stderr);
}

/*
 * main - parse the options, plan, run, write the truth.  Exit status 0 on
 * success, 1 on an I/O error, 2 on a usage error.
 */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"truth", required_argument, NULL, 't'},
		{"packets", required_argument, NULL, 'n'},
		{"clients", required_argument, NULL, 'c'},
		{"servers", required_argument, NULL, 's'},
		{"subnets", required_argument, NULL, 'm'},
		{"seed", required_argument, NULL, 'S'},
		{"no-handshake", no_argument, NULL, 'N'},
		{"start-ts", required_argument, NULL, 'T'},
		{"duration", required_argument, NULL, 'd'},
		{"hours", required_argument, NULL, 'H'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct gen *g = xcalloc(1, sizeof(*g));
	const char *out_path = "-", *truth_path = NULL;
	uint32_t n_svcs = 0, n_edges = 0;
	int ch, rc;

	g->seed = 1;
	g->n_target = 200000;
	g->n_clients = 400;
	g->n_servers = 40;
	g->n_subnets = 12;
	g->n_periods = 1;
	g->start_ts = 1700000000ULL * 1000000;
	g->period = 3600ULL * 1000000;
	while ((ch = getopt_long(argc, argv, "o:hvq", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out_path = optarg;
			break;
		case 't':
			truth_path = optarg;
			break;
		case 'n':
			g->n_target = parse_u64("--packets", optarg, 1, UINT64_MAX / 1024);
			break;
		case 'c':
			g->n_clients = (uint32_t)parse_u64("--clients", optarg, 1, 500000);
			break;
		case 's':
			g->n_servers = (uint32_t)parse_u64("--servers", optarg, 1, 50000);
			break;
		case 'm':
			g->n_subnets = (uint32_t)parse_u64("--subnets", optarg, 1, 60000);
			break;
		case 'S':
			g->seed = parse_u64("--seed", optarg, 0, UINT64_MAX);
			break;
		case 'N':
			g->no_handshake = true;
			break;
		case 'T':
			g->start_ts = parse_u64("--start-ts", optarg, 0, 4000000000ULL) * 1000000;
			break;
		case 'd':
			g->period = parse_u64("--duration", optarg, 1, 100ULL * 86400) * 1000000;
			break;
		case 'H':
			g->n_periods = (uint32_t)parse_u64("--hours", optarg, 1, 100000);
			break;
		case 'v':
			g->verbose = true;
			break;
		case 'q':
			g->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* A /24 holds at most 240 clients (.10 - .249). */
	if ((g->n_clients + g->n_subnets - 1) / g->n_subnets > 240) {
		uint32_t m = (g->n_clients + 239) / 240;
		fprintf(stderr, "renkei-gen: %u clients need at least %u subnets; using %u\n",
		    g->n_clients, m, m);
		g->n_subnets = m;
	}
	if (g->n_subnets > g->n_clients)
		g->n_subnets = g->n_clients;
	if (strcmp(out_path, "-") == 0 && isatty(1)) {
		fputs("renkei-gen: refusing to write a pcap to a terminal (use -o FILE)\n", stderr);
		return 2;
	}

	gen_payload_init();
	gen_rng_seed(&g->prng, g->seed * 2 + 1);
	gen_rng_seed(&g->rng, g->seed * 2 + 2);
	g->first_server = g->n_clients;
	g->scanner = g->n_clients + g->n_servers;
	g->outsider = g->scanner + 1;
	g->n_hosts = g->outsider + 1;
	g->hosts = xcalloc(g->n_hosts, sizeof(*g->hosts));
	for (int r = 0; r < N_ROLE; r++) {
		g->by_role[r] = xcalloc(g->n_servers, sizeof(uint32_t));
		g->v6_by_role[r] = xcalloc(g->n_servers, sizeof(uint32_t));
	}
	plan_clients(g);
	plan_servers(g);
	plan_noise_hosts(g);
	plan_edges(g);

	if ((rc = gen_out_open(&g->out, out_path)) < 0) {
		fprintf(stderr, "renkei-gen: %s: %s\n", out_path, strerror(-rc));
		gen_free(g);
		return 1;
	}
	rk_progress_init(&g->progress, "renkei-gen", g->quiet);
	g->progress_at = rk_progress_is_on(&g->progress) ? PROGRESS_EVERY : UINT64_MAX;
	run(g);
	rk_progress_fini(&g->progress);
	if ((rc = gen_out_close(&g->out)) < 0) {
		fprintf(stderr, "renkei-gen: %s: %s\n", out_path, strerror(-rc));
		goto out;
	}
	if (g->verbose)
		fprintf(stderr,
		    "renkei-gen: %" PRIu64 " packets written (%" PRIu64 " simulated), %" PRIu64
		    " bytes, %" PRIu64 " sessions launched, %" PRIu64 " finished (%.1f packets"
		    " each), %u edges, %u persistent connections, %u subnets\n",
		    g->out.n_pkts, g->sim_pkts, g->out.n_bytes, g->next_id, g->n_done,
		    g->n_done ? (double)g->done_pkts / (double)g->n_done : 0.0, g->n_edges,
		    g->n_persists, g->n_subnets);
	if (truth_path && (rc = write_truth(g, truth_path, &n_svcs, &n_edges)) < 0)
		fprintf(stderr, "renkei-gen: %s: %s\n", truth_path, strerror(-rc));
	else if (!g->quiet)
		tell_written(g, out_path, truth_path, n_svcs, n_edges);
out:
	gen_free(g);
	return rc < 0 ? 1 : 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names/names.c - the mapping tables: (proto, port) -> service name and
 * address -> host name, filled from services(5) and hosts(5) files and,
 * passively, from DNS answers (the wire parser is in names/dns.c).
 *
 * Where it sits: beside classify.  The report asks it for names; the
 * pipeline feeds it the DNS payloads it sees (port 53, UDP or TCP).  It is
 * not on the per-packet hot path, but it is called for every DNS response,
 * so every lookup and insert is O(1).
 *
 * Memory layout:
 *
 *   pool:      chunks[0] [ "\0" "http\0" "db1.example.com\0" ... ]   64 KiB each
 *              chunks[1] [ ... ]                                    never move
 *   services:  svc[tcp|udp|sctp][65536] -> uint32_t ref into pool (0 = none)
 *   hosts:     open addressing, linear probing, power-of-two slots
 *              { addr[16], ref, src }   src 0 = learned from DNS, k = k-th hosts file
 *
 * A name is referred to by a 32-bit ref = chunk << 16 | offset; ref 0 is
 * the dummy byte at the start of chunk 0 and means "no name".  Chunks are
 * never moved or freed before rk_names_free, so every pointer handed out by
 * rk_names_service() and rk_names_host() stays valid until then (the promise
 * in names.h).  Replacing a name appends the new one; the old bytes stay.
 *
 * Invariants:
 *   - every stored name is 1..RK_NAMES_MAX_LEN bytes of printable ASCII
 *     (0x21..0x7e): other bytes are written as \DDD, '.' inside a DNS label
 *     and '\' as \. and \\ (dig's presentation format, RFC 1035 5.1).  No
 *     control byte, space or NUL ever gets into a name.  Escaping for HTML
 *     or JSON is the report's job.
 *   - names from hosts files win over learned names; a later hosts file
 *     wins over an earlier one; within one file the first name for an
 *     address wins (like gethostbyaddr on /etc/hosts).
 *   - a learned name for an address replaces an older learned one (the
 *     most recent answer wins: DNS changes, the capture should follow).
 *   - at most max_learned addresses carry a learned name.  Beyond that new
 *     addresses are refused and counted (n_dns_refused).  Because the pool
 *     never frees, replacing learned names has its own byte budget
 *     (RK_NAMES_CHURN_PER_NAME * max_learned bytes); once it is spent the
 *     current learned names stay and further changes are refused and
 *     counted.  An answer equal to the stored name costs nothing.  So the
 *     memory is bounded by the cap, whatever the traffic does.
 *   - the host hash is SipHash-2-4 keyed with a random seed taken at
 *     rk_names_new, so crafted answers cannot pile addresses into one
 *     probe run.  The seed changes the layout only, never a result, so
 *     replay stays deterministic.
 *
 * File parsing is lenient, like getservent(3)/gethostent(3): a malformed
 * line (missing field, port out of range, bad address) is skipped and
 * counted in n_file_bad; an unknown protocol in services(5) ("ddp",
 * "dccp") is skipped silently, since it is valid but not ours.  Only a file
 * that cannot be opened or read is an error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "names/names.h"
#include "util/bytes.h"

#define POOL_CHUNK_SIZE 65536u   /* bytes per pool chunk; a ref holds 16 bits of offset */
#define POOL_MAX_CHUNKS 65536u   /* refs are 32 bits: chunk << 16 | offset */
#define HOSTS_MIN_SLOTS 1024u    /* initial host table size, a power of two */
#define N_SVC_PROTOS 3           /* tcp, udp, sctp */

/* One slot of the host table. */
struct host_slot {
	uint8_t addr[RK_ADDR_LEN]; /* the address, IPv4 mapped; valid if ref != 0 */
	uint32_t ref;              /* pool ref of the name; 0 = empty slot */
	uint32_t src;              /* 0 = learned from DNS, k = k-th hosts file loaded */
};

struct rk_names {
	char **chunks;             /* pool chunks, POOL_CHUNK_SIZE bytes each, never moved */
	uint32_t n_chunks;         /* chunks in use */
	uint32_t max_chunks;       /* capacity of the chunks array */
	uint32_t chunk_used;       /* bytes used in the last chunk */

	uint32_t *svc[N_SVC_PROTOS]; /* 65536 refs per protocol, NULL until first load */
	uint8_t *site[N_SVC_PROTOS]; /* 65536 bits per protocol: named by a site file */
	float *open_freq[N_SVC_PROTOS]; /* 65536 per protocol: how often found open */
	int loading_site;          /* the services file being read is a site's */

	struct host_slot *slots;   /* host table, NULL until first insert */
	size_t max_slots;          /* slots allocated, power of two (0 if none) */
	size_t n_slots_used;       /* slots with a name */
	uint32_t n_hosts_files;    /* hosts files loaded so far (the next src) */

	size_t max_learned;        /* cap on addresses with a learned name */
	size_t churn_left;         /* bytes left for replacing learned names */
	uint64_t seed[2];          /* SipHash key for the host table */

	struct rk_names_stats st;  /* counters, see names.h */
};

/* ---- string pool ---- */

/*
 * Copy s[0..len) plus a NUL into the pool.  Returns the ref (never 0) or 0
 * when out of memory.  len <= RK_NAMES_MAX_LEN.
 */
static uint32_t
pool_add(struct rk_names *n, const char *s, size_t len)
{
	uint32_t ref;

	if (n->n_chunks == 0 || n->chunk_used + len + 1 > POOL_CHUNK_SIZE) {
		if (n->n_chunks == POOL_MAX_CHUNKS)
			return 0;
		if (n->n_chunks == n->max_chunks) {
			uint32_t nmax = n->max_chunks ? n->max_chunks * 2 : 8;
			char **nc = realloc(n->chunks, nmax * sizeof(*nc));

			if (nc == NULL)
				return 0;
			n->chunks = nc;
			n->max_chunks = nmax;
		}
		n->chunks[n->n_chunks] = malloc(POOL_CHUNK_SIZE);
		if (n->chunks[n->n_chunks] == NULL)
			return 0;
		n->chunk_used = 0;
		if (n->n_chunks == 0)
			n->chunks[0][n->chunk_used++] = '\0'; /* ref 0 = no name */
		n->n_chunks++;
	}
	ref = (n->n_chunks - 1) << 16 | n->chunk_used;
	memcpy(n->chunks[n->n_chunks - 1] + n->chunk_used, s, len);
	n->chunks[n->n_chunks - 1][n->chunk_used + len] = '\0';
	n->chunk_used += (uint32_t)len + 1;
	return ref;
}

static const char *
pool_str(const struct rk_names *n, uint32_t ref)
{
	return n->chunks[ref >> 16] + (ref & 0xffff);
}

/* ---- printable names ---- */

/*
 * Append the presentation form of s[0..len) to out[0..*olen), where out
 * holds RK_NAMES_MAX_LEN + 1 bytes, and NUL-terminate it.  Bytes outside
 * 0x21..0x7e become \DDD and '\' becomes \\; with RK_NAMES_ESC_LABEL a '.'
 * becomes \. (a dot inside a DNS label is not a separator); with
 * RK_NAMES_ESC_FOLD ASCII letters are lowercased (DNS names are
 * case-insensitive, and 0x20-randomised answers should not make two
 * names).  An escape is never cut: if it does not fit in RK_NAMES_MAX_LEN
 * bytes the text stops before it.  Returns true if all of s fit, false if
 * the text was cut.  O(len), no allocation.
 */
bool
rk_names_escape(char *out, size_t *olen, const uint8_t *s, size_t len, unsigned flags)
{
	bool is_label = (flags & RK_NAMES_ESC_LABEL) != 0;
	bool fold = (flags & RK_NAMES_ESC_FOLD) != 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = s[i];
		char e[4];
		size_t elen;

		if (c == '\\' || (is_label && c == '.')) {
			e[0] = '\\';
			e[1] = (char)c;
			elen = 2;
		} else if (c < 0x21 || c > 0x7e) {
			e[0] = '\\';
			e[1] = (char)('0' + c / 100);
			e[2] = (char)('0' + c / 10 % 10);
			e[3] = (char)('0' + c % 10);
			elen = 4;
		} else {
			e[0] = (char)(fold && c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
			elen = 1;
		}
		if (*olen + elen > RK_NAMES_MAX_LEN) {
			out[*olen] = '\0';
			return false;
		}
		memcpy(out + *olen, e, elen);
		*olen += elen;
	}
	out[*olen] = '\0';
	return true;
}

/* ---- host table ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(v0, v1, v2, v3) \
	do { \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

/* SipHash-2-4 of a 16-byte address under key k (Aumasson and Bernstein, 2012). */
static uint64_t
hash_addr(const uint64_t k[2], const uint8_t a[RK_ADDR_LEN])
{
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ULL, v1 = k[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ULL, v3 = k[1] ^ 0x7465646279746573ULL;
	uint64_t m[3] = {rk_le64(a), rk_le64(a + 8), (uint64_t)RK_ADDR_LEN << 56};

	for (int i = 0; i < 3; i++) {
		v3 ^= m[i];
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m[i];
	}
	v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The slot holding a, or the empty slot where it would go.  Needs max_slots > 0. */
static struct host_slot *
host_slot(const struct rk_names *n, const uint8_t a[RK_ADDR_LEN])
{
	size_t mask = n->max_slots - 1;
	size_t i = (size_t)hash_addr(n->seed, a) & mask;

	/* The load factor stays <= 1/2, so an empty slot always ends the probe. */
	while (n->slots[i].ref != 0 && memcmp(n->slots[i].addr, a, RK_ADDR_LEN) != 0)
		i = (i + 1) & mask;
	return &n->slots[i];
}

/* Make room for one more address: keep the load factor at or below 1/2. */
static int
host_reserve(struct rk_names *n)
{
	struct host_slot *old = n->slots;
	size_t old_max = n->max_slots, nmax;

	if ((n->n_slots_used + 1) * 2 <= n->max_slots)
		return 0;
	nmax = old_max ? old_max * 2 : HOSTS_MIN_SLOTS;
	if (nmax > SIZE_MAX / 2 / sizeof(*old))
		return -RK_E_NOMEM;
	n->slots = calloc(nmax, sizeof(*n->slots));
	if (n->slots == NULL) {
		n->slots = old;
		return -RK_E_NOMEM;
	}
	n->max_slots = nmax;
	for (size_t i = 0; i < old_max; i++) {
		if (old[i].ref != 0)
			*host_slot(n, old[i].addr) = old[i];
	}
	free(old);
	return 0;
}

/* ---- life cycle ---- */

/*
 * Create empty tables.  max_learned caps the number of addresses that may
 * carry a name learned from DNS (0 turns learning off).  Tables are
 * allocated lazily on first use.  Returns NULL when out of memory.  Free
 * with rk_names_free.
 */
struct rk_names *
rk_names_new(size_t max_learned)
{
	struct rk_names *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->max_learned = max_learned;
	n->churn_left = max_learned > SIZE_MAX / RK_NAMES_CHURN_PER_NAME
	    ? SIZE_MAX : max_learned * RK_NAMES_CHURN_PER_NAME;
	if (getrandom(n->seed, sizeof(n->seed), GRND_NONBLOCK) != (ssize_t)sizeof(n->seed)) {
		/* No entropy yet (early boot): ASLR is the best we have left. */
		n->seed[0] = (uint64_t)(uintptr_t)n ^ 0x9e3779b97f4a7c15ULL;
		n->seed[1] = (uint64_t)(uintptr_t)&max_learned;
	}
	return n;
}

/* Free everything; n may be NULL.  All names handed out become invalid. */
void
rk_names_free(struct rk_names *n)
{
	if (n == NULL)
		return;
	for (uint32_t i = 0; i < n->n_chunks; i++)
		free(n->chunks[i]);
	free(n->chunks);
	for (int i = 0; i < N_SVC_PROTOS; i++) {
		free(n->svc[i]);
		free(n->site[i]);
		free(n->open_freq[i]);
	}
	free(n->slots);
	free(n);
}

/* ---- services ---- */

static int
svc_index(uint8_t proto)
{
	switch (proto) {
	case 6:
		return 0;
	case 17:
		return 1;
	case 132:
		return 2;
	default:
		return -1;
	}
}

/*
 * Set the service name of (proto, port), proto 6, 17 or 132, replacing any
 * earlier one.  name is copied (escaped, cut at RK_NAMES_MAX_LEN).  Returns
 * 0, -RK_E_INVAL for another protocol or an empty name, -RK_E_NOMEM.  O(1)
 * after the first call for a protocol, which allocates its 256 KiB array.
 */
/* Note that (protocol index pi, port) was named by a site's file.  0 or -RK_E_NOMEM. */
static int
mark_site(struct rk_names *n, int pi, uint16_t port)
{
	if (n->site[pi] == NULL && (n->site[pi] = calloc(65536 / 8, 1)) == NULL)
		return -RK_E_NOMEM;
	n->site[pi][port >> 3] |= (uint8_t)(1u << (port & 7));
	return 0;
}

int
rk_names_add_service(struct rk_names *n, uint8_t proto, uint16_t port, const char *name)
{
	int pi = svc_index(proto);
	char text[RK_NAMES_MAX_LEN + 1];
	size_t tlen = 0;
	uint32_t ref;

	if (pi < 0 || name[0] == '\0')
		return -RK_E_INVAL;
	if (n->svc[pi] == NULL) {
		n->svc[pi] = calloc(65536, sizeof(uint32_t));
		if (n->svc[pi] == NULL)
			return -RK_E_NOMEM;
	}
	rk_names_escape(text, &tlen, (const uint8_t *)name, strlen(name), 0);
	if (n->svc[pi][port] != 0 && strcmp(pool_str(n, n->svc[pi][port]), text) == 0)
		return 0;
	ref = pool_add(n, text, tlen);
	if (ref == 0)
		return -RK_E_NOMEM;
	if (n->svc[pi][port] == 0)
		n->st.n_services++;
	n->svc[pi][port] = ref;
	if (n->loading_site && mark_site(n, pi, port) < 0)
		return -RK_E_NOMEM;
	return 0;
}

/*
 * The service name of (proto, port), or NULL if none is known (or proto is
 * not TCP, UDP or SCTP).  Borrowed, valid until rk_names_free.  O(1).
 */
const char *
rk_names_service(const struct rk_names *n, uint8_t proto, uint16_t port)
{
	int pi = svc_index(proto);

	if (n == NULL || pi < 0 || n->svc[pi] == NULL || n->svc[pi][port] == 0)
		return NULL;
	return pool_str(n, n->svc[pi][port]);
}

/*
 * 1 if the port has a service name.  Reads only the service tables, which
 * are filled before any analysis starts: safe in a tracker thread while
 * the reader learns host names from DNS.
 */
bool
rk_names_has_service(const struct rk_names *n, uint8_t proto, uint16_t port)
{
	int pi = svc_index(proto);

	return n != NULL && pi >= 0 && n->svc[pi] != NULL && n->svc[pi][port] != 0;
}

/* ---- line reading shared by both file formats ---- */

/*
 * Split line[0..len) into whitespace-separated fields up to '#' (or the
 * end).  Stores at most max fields as NUL-terminated strings in place (the
 * line is modified).  Returns the number of fields found (may exceed max).
 */
static size_t
split_fields(char *line, size_t len, char **f, size_t max)
{
	size_t nf = 0, i = 0;

	for (;;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' ||
		    line[i] == '\n' || line[i] == '\v' || line[i] == '\f'))
			i++;
		if (i >= len || line[i] == '#')
			break;
		if (nf < max)
			f[nf] = line + i;
		nf++;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
		    line[i] != '\n' && line[i] != '\v' && line[i] != '\f' && line[i] != '#')
			i++;
		if (i >= len || line[i] == '#') {
			/* Terminating here would eat the '#'; the line ends anyway. */
			line[i < len ? i : len] = '\0';
			break;
		}
		line[i++] = '\0';
	}
	return nf;
}

typedef int (*line_fn)(struct rk_names *n, char **f, size_t nf);

/*
 * Read path line by line, calling fn on each line's fields.  fn returns 0
 * (used or ignored), 1 (malformed: counted in n_file_bad) or <0 (stop with
 * that error).  Returns 0, -RK_E_IO (with the path and strerror in err), or
 * fn's error.
 */
static int
read_lines(struct rk_names *n, const char *path, line_fn fn, struct rk_err *err)
{
	FILE *fp;
	char *line = NULL, *f[4];
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int rc = 0;

	fp = fopen(path, "r");
	if (fp == NULL)
		return rk_err_set(err, RK_E_IO, "%s: %s", path, strerror(errno));
	errno = 0;
	while ((len = getline(&line, &cap, fp)) >= 0) {
		/* A NUL inside a line ends it for us (the rest is not text). */
		size_t nf = split_fields(line, strnlen(line, (size_t)len), f, 4);

		lineno++;
		if (nf == 0)
			continue;
		rc = fn(n, f, nf < 4 ? nf : 4);
		if (rc < 0) {
			rk_err_set(err, -rc, "%s:%zu: out of memory", path, lineno);
			goto out;
		}
		if (rc > 0)
			n->st.n_file_bad++;
		rc = 0;
	}
	if (ferror(fp)) {
		rc = rk_err_set(err, RK_E_IO, "%s: %s", path, strerror(errno ? errno : EIO));
		goto out;
	}
out:
	free(line);
	fclose(fp);
	return rc;
}

/* Parse a decimal port 0..65535 (1 to 5 digits, nothing else). */
static bool
parse_port(const char *s, size_t len, uint16_t *out)
{
	uint32_t v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

/*
 * Parse a "port/proto" field of a services(5) or nmap-services line into
 * *port and *proto (OUT).  Returns 0 for TCP, UDP and SCTP; otherwise the
 * line function's verdict: 2 for a valid field of another protocol (ddp,
 * dccp: skipped, not ours), 1 if malformed.
 */
static int
parse_port_proto(const char *field, uint16_t *port, uint8_t *proto)
{
	const char *slash = strchr(field, '/');

	if (slash == NULL || !parse_port(field, (size_t)(slash - field), port))
		return 1;
	if (strcmp(slash + 1, "tcp") == 0)
		*proto = 6;
	else if (strcmp(slash + 1, "udp") == 0)
		*proto = 17;
	else if (strcmp(slash + 1, "sctp") == 0)
		*proto = 132;
	else
		return slash[1] != '\0' ? 2 : 1;
	return 0;
}

/* One services(5) line: "name port/proto [aliases...]". */
static int
services_line(struct rk_names *n, char **f, size_t nf)
{
	uint16_t port;
	uint8_t proto;
	int rc;

	if (nf < 2)
		return 1;
	if ((rc = parse_port_proto(f[1], &port, &proto)) != 0)
		return rc == 2 ? 0 : rc;
	return rk_names_add_service(n, proto, port, f[0]);
}

/*
 * Load a services(5) file: "name port/proto [aliases...] [# comment]".
 * TCP, UDP and SCTP entries are used, other protocols skipped; the primary
 * name is used, aliases are not.  Entries override those of earlier loads
 * (so load /etc/services first, then the site's file); within one file the
 * last line for a (proto, port) wins.  Malformed lines are skipped and
 * counted in n_file_bad.  Returns 0, -RK_E_IO if path cannot be read (err
 * says which and why), -RK_E_NOMEM (entries read so far stay).  O(lines).
 */
int
rk_names_load_services(struct rk_names *n, const char *path, struct rk_err *err)
{
	return read_lines(n, path, services_line, err);
}

/*
 * The same for a site's own services file: its names are the site's word
 * that a server listens there (rk_names_is_site_service), worth more than
 * a system name on a port a kernel may as well hand to a client.
 */
int
rk_names_load_site_services(struct rk_names *n, const char *path, struct rk_err *err)
{
	int rc;

	n->loading_site = 1;
	rc = read_lines(n, path, services_line, err);
	n->loading_site = 0;
	return rc;
}

bool
rk_names_is_site_service(const struct rk_names *n, uint8_t proto, uint16_t port)
{
	int pi = svc_index(proto);

	return n != NULL && pi >= 0 && n->site[pi] != NULL &&
	    (n->site[pi][port >> 3] >> (port & 7) & 1);
}

/* One nmap-services line: "name port/proto frequency [# comment]". */
static int
ports_line(struct rk_names *n, char **f, size_t nf)
{
	char *end;
	uint16_t port;
	uint8_t proto;
	double freq;
	int pi, rc;

	if (nf < 3)
		return 1;
	if ((rc = parse_port_proto(f[1], &port, &proto)) != 0)
		return rc == 2 ? 0 : rc;
	pi = svc_index(proto);
	freq = strtod(f[2], &end);
	if (end == f[2] || *end != '\0' || !(freq >= 0.0 && freq <= 1.0))
		return 1;
	if (n->open_freq[pi] == NULL && (n->open_freq[pi] = calloc(65536, sizeof(float))) == NULL)
		return -RK_E_NOMEM;
	n->open_freq[pi][port] = (float)freq;
	return 0;
}

/*
 * Load how often each port is found open, nmap-services(5) format ("http
 * 80/tcp 0.484143"): a measured prior of where servers listen, for the
 * ports no name file knows or names only by registry.  Malformed lines are
 * skipped and counted.  0, -RK_E_IO (err says why), -RK_E_NOMEM.
 */
int
rk_names_load_ports(struct rk_names *n, const char *path, struct rk_err *err)
{
	return read_lines(n, path, ports_line, err);
}

bool
rk_names_has_port_freqs(const struct rk_names *n)
{
	return n != NULL && (n->open_freq[0] != NULL || n->open_freq[1] != NULL ||
	    n->open_freq[2] != NULL);
}

double
rk_names_port_open_freq(const struct rk_names *n, uint8_t proto, uint16_t port)
{
	int pi = svc_index(proto);

	return n != NULL && pi >= 0 && n->open_freq[pi] != NULL ? n->open_freq[pi][port] : 0.0;
}

/* ---- hosts ---- */

/*
 * Put a name for a from hosts file number src (>0) or from DNS (src 0)
 * into the table, following the precedence rules at the top of this file.
 * text is printable already.  Returns 1 if the table now maps a to text
 * from this source, 0 if an earlier entry won, or a refusal counted,
 * -RK_E_NOMEM.
 */
static int
host_put(struct rk_names *n, const uint8_t a[RK_ADDR_LEN], const char *text, size_t tlen,
    uint32_t src)
{
	struct host_slot *s = NULL;
	uint32_t ref;

	if (n->max_slots > 0)
		s = host_slot(n, a);
	if (s != NULL && s->ref != 0) {
		if (s->src == src && src != 0)
			return 0; /* first name in a file wins */
		if (s->src != 0 && src == 0)
			return 0; /* files win over DNS */
		if (strcmp(pool_str(n, s->ref), text) == 0) {
			if (s->src == 0 && src != 0) {
				n->st.n_hosts_dns--;
				n->st.n_hosts_file++;
			}
			s->src = src;
			return 1;
		}
		if (src == 0) {
			if (n->churn_left < tlen + 1) {
				n->st.n_dns_refused++;
				return 0;
			}
			n->churn_left -= tlen + 1;
		}
		if ((ref = pool_add(n, text, tlen)) == 0)
			return -RK_E_NOMEM;
		if (s->src == 0 && src != 0) {
			n->st.n_hosts_dns--;
			n->st.n_hosts_file++;
		}
		s->ref = ref;
		s->src = src;
		return 1;
	}
	if (src == 0 && n->st.n_hosts_dns >= n->max_learned) {
		n->st.n_dns_refused++;
		return 0;
	}
	if (host_reserve(n) < 0)
		return -RK_E_NOMEM;
	if ((ref = pool_add(n, text, tlen)) == 0)
		return -RK_E_NOMEM;
	s = host_slot(n, a);
	memcpy(s->addr, a, RK_ADDR_LEN);
	s->ref = ref;
	s->src = src;
	n->n_slots_used++;
	if (src == 0)
		n->st.n_hosts_dns++;
	else
		n->st.n_hosts_file++;
	return 1;
}

/* One hosts(5) line: "address name [aliases...]". */
static int
hosts_line(struct rk_names *n, char **f, size_t nf)
{
	uint8_t a[RK_ADDR_LEN];
	char text[RK_NAMES_MAX_LEN + 1];
	size_t tlen = 0;
	int rc;

	if (nf < 2 || rk_addr_parse(f[0], a) < 0)
		return 1;
	rk_names_escape(text, &tlen, (const uint8_t *)f[1], strlen(f[1]), 0);
	rc = host_put(n, a, text, tlen, n->n_hosts_files);
	return rc < 0 ? rc : 0;
}

/*
 * Load a hosts(5) file: "address name [aliases...] [# comment]", IPv4 or
 * IPv6 addresses (no zone ids).  The first name of a line is used; if an
 * address appears on several lines, its first line wins.  Names from this
 * file override those of earlier hosts files and those learned from DNS.
 * Malformed lines are skipped and counted in n_file_bad.  Returns 0,
 * -RK_E_IO if path cannot be read (err says which and why), -RK_E_NOMEM.
 * O(lines), amortised O(1) per line.
 */
int
rk_names_load_hosts(struct rk_names *n, const char *path, struct rk_err *err)
{
	n->n_hosts_files++;
	return read_lines(n, path, hosts_line, err);
}

/*
 * Set the host name of address a, as a names source would: from_file
 * makes it behave like a one-line hosts file loaded now (it overrides DNS
 * names and earlier files, later files override it); otherwise it is a
 * learned name (DNS rules: files win, the learned cap applies).  name is
 * kept if it is printable text already (what rk_names_host returns),
 * else escaped and cut at RK_NAMES_MAX_LEN.  Used to bring
 * back the names a store kept.  Returns 1 if a now maps to name, 0 if an
 * existing name won or the cap refused it, -RK_E_NOMEM.  Amortised O(1).
 */
int
rk_names_add_host(struct rk_names *n, const uint8_t a[RK_ADDR_LEN], const char *name,
    int from_file)
{
	char text[RK_NAMES_MAX_LEN + 1];
	size_t tlen = 0, len = strlen(name);
	bool printable = len <= RK_NAMES_MAX_LEN;

	/* Names read back from a store are printable already: keep their escapes. */
	for (size_t i = 0; printable && i < len; i++)
		printable = name[i] >= 0x21 && name[i] <= 0x7e;
	if (printable) {
		memcpy(text, name, len + 1);
		tlen = len;
	} else {
		rk_names_escape(text, &tlen, (const uint8_t *)name, len, 0);
	}
	if (tlen == 0)
		return 0;
	if (from_file)
		n->n_hosts_files++;
	return host_put(n, a, text, tlen, from_file ? n->n_hosts_files : 0);
}

/*
 * The host name of address a, or NULL if none is known.  Borrowed, valid
 * until rk_names_free.  O(1), no allocation.
 */
const char *
rk_names_host(const struct rk_names *n, const uint8_t addr[RK_ADDR_LEN])
{
	const struct host_slot *s;

	if (n == NULL || n->max_slots == 0)
		return NULL;
	s = host_slot(n, addr);
	return s->ref != 0 ? pool_str(n, s->ref) : NULL;
}

/* ---- DNS ---- */

/* What learn_one works on: the table and the answers it took. */
struct learn_ctx {
	struct rk_names *n; /* the table being filled */
	int n_took;         /* answers now reflected in the table */
};

/* The callback of rk_names_dns_parse for rk_names_learn_dns: store one pair. */
static void
learn_one(void *arg, const uint8_t addr[RK_ADDR_LEN], const char *name)
{
	struct learn_ctx *lc = arg;
	static const uint8_t zero[RK_ADDR_LEN];
	uint8_t v4any[RK_ADDR_LEN];
	int rc;

	rk_addr_from_v4(v4any, zero);
	/* 0.0.0.0 and :: are what sinkholes answer; they name nothing. */
	if (memcmp(addr, zero, RK_ADDR_LEN) == 0 || memcmp(addr, v4any, RK_ADDR_LEN) == 0)
		return;
	rc = host_put(lc->n, addr, name, strlen(name), 0);
	if (rc < 0)
		lc->n->st.n_dns_refused++;
	else
		lc->n_took += rc;
}

/*
 * Learn host names from one DNS message seen in the traffic: a UDP payload,
 * or with is_tcp a TCP payload that starts with the 2-byte length prefix
 * (RFC 1035 4.2.2; several messages in one payload are all read, a partial
 * one after complete ones is left alone).  Only successful responses to
 * standard queries are used (QR=1, OPCODE 0, RCODE 0); other messages are
 * ignored and return 0.  A message is used all or nothing: it is parsed
 * completely first (rk_names_dns_parse) and one that does not parse
 * teaches nothing.  Returns the number of answers now reflected in the
 * table (learned, replaced or already known), or <0 (-RK_E_TRUNC,
 * -RK_E_FORMAT) if a message is malformed, counted in n_dns_bad.  msg is
 * borrowed.  O(len); may allocate (table growth).
 */
int
rk_names_learn_dns(struct rk_names *n, const uint8_t *msg, size_t len, int is_tcp)
{
	struct learn_ctx lc = {n, 0};
	size_t off = 0;

	do {
		const uint8_t *m = msg + off;
		size_t mlen = len - off;
		int rc;

		if (is_tcp) {
			if (mlen < 2 || rk_be16(m) > mlen - 2) {
				if (off > 0)
					break;
				n->st.n_dns_bad++;
				return -RK_E_TRUNC;
			}
			mlen = rk_be16(m);
			m += 2;
			off += 2 + mlen;
		} else {
			off = len;
		}
		rc = rk_names_dns_parse(m, mlen, NULL, NULL);
		if (rc < 0) {
			n->st.n_dns_bad++;
			return rc;
		}
		/* Same test as the parser's; here it only decides what is counted. */
		if (!rk_names_dns_is_answer(m, mlen))
			continue;
		n->st.n_dns_parsed++;
		(void)rk_names_dns_parse(m, mlen, learn_one, &lc);
	} while (is_tcp && off < len);
	return lc.n_took;
}

/* Copy the counters into st.  O(1). */
void
rk_names_get_stats(const struct rk_names *n, struct rk_names_stats *st)
{
	*st = n->st;
}

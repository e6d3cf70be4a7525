/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names/names.h - the mapping tables: port -> service name, IP -> host name.
 *
 * Service names come from /etc/services (or the file given) plus the site's
 * own --services FILE in the same format (later files win; the site's
 * names are marked as such).  How often each port is found open comes
 * from nmap's nmap-services, when there (a prior of where servers listen).  Host names
 * come from --hosts FILE (hosts(5) format) and, passively, from the DNS
 * answers seen in the traffic (A, AAAA and PTR records of responses).
 * Names from a file win over names learned from DNS.  Everything here is
 * bounded: names are cut at 255 bytes and the number of learned names is
 * capped (the oldest learned name is not replaced once the cap is hit; a
 * counter says how many were refused).  Names learned from the traffic are
 * strangers' strings: they are stored as bytes and escaped on output.
 */
#ifndef RK_NAMES_NAMES_H
#define RK_NAMES_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/err.h"

/* Longest stored name, in bytes of printable text (without the NUL). */
#define RK_NAMES_MAX_LEN 255
/* Replacing learned names may append this many bytes per max_learned. */
#define RK_NAMES_CHURN_PER_NAME 64
/* rk_names_escape flags. */
#define RK_NAMES_ESC_LABEL 0x1u /* text is one DNS label: '.' is escaped too */
#define RK_NAMES_ESC_FOLD 0x2u  /* lowercase ASCII letters */

struct rk_names;

struct rk_names_stats {
	uint64_t n_services;    /* (proto, port) names loaded */
	uint64_t n_hosts_file;  /* host names from files */
	uint64_t n_hosts_dns;   /* host names learned from DNS answers */
	uint64_t n_dns_parsed;  /* DNS responses parsed */
	uint64_t n_dns_bad;     /* DNS messages that did not parse */
	uint64_t n_dns_refused; /* learned names refused by the cap */
	uint64_t n_file_bad;    /* malformed services/hosts lines skipped */
};

/*
 * Called by rk_names_dns_parse for each address -> name pair of an answer.
 * name is printable text (see rk_names_escape), borrowed for the call.
 */
typedef void (*rk_names_dns_cb)(void *arg, const uint8_t addr[RK_ADDR_LEN], const char *name);

struct rk_names *rk_names_new(size_t max_learned);
void rk_names_free(struct rk_names *n);
/* Load a services(5) file.  Later loads override earlier ones. */
int rk_names_load_services(struct rk_names *n, const char *path, struct rk_err *err);
/* The same, for the site's own file: its ports are the site's servers. */
int rk_names_load_site_services(struct rk_names *n, const char *path, struct rk_err *err);
/* Was (proto, port) named by a site's file? */
bool rk_names_is_site_service(const struct rk_names *n, uint8_t proto, uint16_t port);
/* Load nmap-services(5): how often each port is found open (0..1). */
int rk_names_load_ports(struct rk_names *n, const char *path, struct rk_err *err);
/* Was such a file loaded? */
bool rk_names_has_port_freqs(const struct rk_names *n);
/* That frequency for (proto, port); 0 if unknown or nothing loaded. */
double rk_names_port_open_freq(const struct rk_names *n, uint8_t proto, uint16_t port);
/* Load a hosts(5) file: "IP name [aliases...]"; the first name is used. */
int rk_names_load_hosts(struct rk_names *n, const char *path, struct rk_err *err);
/* Service name for (proto, port), NULL if none.  proto is an IP protocol number. */
const char *rk_names_service(const struct rk_names *n, uint8_t proto, uint16_t port);
/* 1 if the port has a service name (reads only the service tables: thread-safe once loaded). */
bool rk_names_has_service(const struct rk_names *n, uint8_t proto, uint16_t port);
/* Set a host name (from a store); from_file: as a hosts file would.  1, 0 or <0. */
int rk_names_add_host(struct rk_names *n, const uint8_t a[RK_ADDR_LEN], const char *name,
    int from_file);
/* Host name for an address, NULL if none.  Borrowed, valid until rk_names_free. */
const char *rk_names_host(const struct rk_names *n, const uint8_t addr[RK_ADDR_LEN]);
/*
 * Learn names from one DNS message (UDP payload, or TCP payload with the
 * 2-byte length prefix when is_tcp).  Only responses are used.  Returns the
 * number of names learned, or <0 if the message is malformed (counted).
 */
int rk_names_learn_dns(struct rk_names *n, const uint8_t *msg, size_t len, int is_tcp);
void rk_names_get_stats(const struct rk_names *n, struct rk_names_stats *st);
/* Set one service name, as a line of a services file would.  0 or <0. */
int rk_names_add_service(struct rk_names *n, uint8_t proto, uint16_t port, const char *name);
/* Append the printable (\DDD-escaped) form of s to out (RK_NAMES_MAX_LEN + 1 bytes). */
bool rk_names_escape(char *out, size_t *olen, const uint8_t *s, size_t len, unsigned flags);
/* Pure DNS parser: <0 malformed, else the number of pairs passed to cb (may be NULL). */
int rk_names_dns_parse(const uint8_t *msg, size_t len, rk_names_dns_cb cb, void *arg);
/* True if msg is a successful response to a standard query (QR=1, OPCODE 0, RCODE 0). */
bool rk_names_dns_is_answer(const uint8_t *msg, size_t len);

#endif /* RK_NAMES_NAMES_H */

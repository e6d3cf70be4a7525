/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names/sites.h - sites: which site (data centre, office) an address is in.
 *
 * A sites file has one prefix per line, "PREFIX NAME" (10.1.0.0/16
 * tokyo-dc, 2001:db8:1::/48 tokyo-dc), '#' starts a comment; the longest
 * prefix that holds an address names its site.  An address outside every
 * prefix is in the site named by its /24 (IPv4) or /64 (IPv6) network, so
 * a capture without a sites file still groups by network.  Prefixes are
 * kept in the 128-bit space of util/addr.h (IPv4-mapped: an IPv4 /16 is a
 * /112).  Loaded once; lookups are O(prefixes), allocation-free.
 */
#ifndef RK_NAMES_SITES_H
#define RK_NAMES_SITES_H

#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/err.h"

#define RK_SITE_NAME_MAX 64

struct rk_site_prefix {
	uint8_t net[RK_ADDR_LEN];      /* the prefix, host bits zero */
	int bits;                      /* prefix length in the 128-bit space */
	char name[RK_SITE_NAME_MAX];   /* the site */
};

struct rk_sites {
	struct rk_site_prefix *v; /* longest first */
	size_t n;
	size_t cap;
};

/* Parse "ADDR/LEN" or "ADDR" (a host) into net (host bits cleared) and bits (128-bit space). */
int rk_prefix_parse(const char *s, uint8_t net[RK_ADDR_LEN], int *bits);
/* 1 if ip is inside net/bits. */
int rk_prefix_contains(const uint8_t net[RK_ADDR_LEN], int bits, const uint8_t ip[RK_ADDR_LEN]);
/* "10.1.0.0/16", "2001:db8::/48": net/bits as text (the IPv4 length for IPv4). */
char *rk_prefix_format(const uint8_t net[RK_ADDR_LEN], int bits, char *buf, size_t len);

/* Add the prefixes of a sites file; a bad line is an error naming path:line.  0 or <0. */
int rk_sites_load(struct rk_sites *s, const char *path, struct rk_err *err);
/* Add one prefix (tests, and rk_sites_load).  0 or -RK_E_NOMEM. */
int rk_sites_add(struct rk_sites *s, const uint8_t net[RK_ADDR_LEN], int bits, const char *name);
void rk_sites_free(struct rk_sites *s);
/*
 * The site of ip: the name of the longest prefix holding it, or its /24 or
 * /64 network as text (written into buf).  s may be NULL.
 */
const char *rk_sites_of(const struct rk_sites *s, const uint8_t ip[RK_ADDR_LEN], char *buf,
    size_t len);
/* 1 if some prefix of s is named name. */
int rk_sites_has(const struct rk_sites *s, const char *name);

#endif

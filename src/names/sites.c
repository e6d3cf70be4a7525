/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names/sites.c - the sites file and longest-prefix lookup (sites.h).
 *
 * The prefixes are few (a site has a handful, a company hundreds), so they
 * are kept in one array sorted longest first and scanned: the first that
 * holds an address is its longest match.  Lines are read with getline; a
 * line that is not "PREFIX NAME" (after '#' comments and blanks) stops the
 * load with its file and line number, nothing half-read is kept silently.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names/sites.h"

/* Clear the bits of net beyond the first bits. */
static void
mask(uint8_t net[RK_ADDR_LEN], int bits)
{
	for (int i = 0; i < RK_ADDR_LEN; i++) {
		int keep = bits - 8 * i;
		if (keep <= 0)
			net[i] = 0;
		else if (keep < 8)
			net[i] &= (uint8_t)(0xff << (8 - keep));
	}
}

/*
 * Parse "ADDR/LEN" or "ADDR" into net/bits (bits in the 128-bit space:
 * an IPv4 length gains 96).  0, or -RK_E_INVAL.
 */
int
rk_prefix_parse(const char *s, uint8_t net[RK_ADDR_LEN], int *bits)
{
	char addr[RK_ADDR_STRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	char *end;
	long len;

	if (n == 0 || n >= sizeof(addr))
		return -RK_E_INVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (rk_addr_parse(addr, net) < 0)
		return -RK_E_INVAL;
	if (slash == NULL) {
		*bits = 128;
		return 0;
	}
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (errno != 0 || end == slash + 1 || *end != '\0' || len < 0 ||
	    len > (rk_addr_is_v4(net) ? 32 : 128))
		return -RK_E_INVAL;
	*bits = (int)len + (rk_addr_is_v4(net) ? 96 : 0);
	mask(net, *bits);
	return 0;
}

/* 1 if ip is inside net/bits. */
int
rk_prefix_contains(const uint8_t net[RK_ADDR_LEN], int bits, const uint8_t ip[RK_ADDR_LEN])
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(net, ip, (size_t)whole) != 0)
		return 0;
	return rest == 0 || ((net[whole] ^ ip[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* net/bits as text, with the IPv4 length for an IPv4 prefix. */
char *
rk_prefix_format(const uint8_t net[RK_ADDR_LEN], int bits, char *buf, size_t len)
{
	char a[RK_ADDR_STRLEN];
	int v4 = rk_addr_is_v4(net) && bits >= 96;

	snprintf(buf, len, "%s/%d", rk_addr_format(net, a, sizeof(a)), v4 ? bits - 96 : bits);
	return buf;
}

/* Add net/bits named name, keeping v longest first.  0 or -RK_E_NOMEM. */
int
rk_sites_add(struct rk_sites *s, const uint8_t net[RK_ADDR_LEN], int bits, const char *name)
{
	size_t i;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct rk_site_prefix *v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL)
			return -RK_E_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	for (i = s->n; i > 0 && s->v[i - 1].bits < bits; i--)
		s->v[i] = s->v[i - 1];
	memcpy(s->v[i].net, net, RK_ADDR_LEN);
	mask(s->v[i].net, bits);
	s->v[i].bits = bits;
	snprintf(s->v[i].name, sizeof(s->v[i].name), "%s", name);
	s->n++;
	return 0;
}

/* One line of a sites file: 0 (added or blank), or -RK_E_FORMAT / -RK_E_NOMEM. */
static int
load_line(struct rk_sites *s, char *line)
{
	char *hash = strchr(line, '#'), *pfx, *name, *extra, *save = NULL;
	uint8_t net[RK_ADDR_LEN];
	int bits;

	if (hash != NULL)
		*hash = '\0';
	if ((pfx = strtok_r(line, " \t\r\n", &save)) == NULL)
		return 0;
	name = strtok_r(NULL, " \t\r\n", &save);
	extra = strtok_r(NULL, " \t\r\n", &save);
	if (name == NULL || extra != NULL || strlen(name) >= RK_SITE_NAME_MAX ||
	    rk_prefix_parse(pfx, net, &bits) < 0)
		return -RK_E_FORMAT;
	return rk_sites_add(s, net, bits, name);
}

/* Add the prefixes of the sites file path (sites.h).  0, or <0 with err naming path:line. */
int
rk_sites_load(struct rk_sites *s, const char *path, struct rk_err *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int rc = 0;

	if (f == NULL)
		return rk_err_set(err, RK_E_IO, "%s: %s", path, strerror(errno));
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		lineno++;
		rc = load_line(s, line);
	}
	if (rc == -RK_E_FORMAT)
		rk_err_set(err, RK_E_FORMAT, "%s:%u: want 'PREFIX NAME' (e.g. 10.1.0.0/16 tokyo-dc; "
		    "names up to %d characters, no spaces)", path, lineno, RK_SITE_NAME_MAX - 1);
	else if (rc == -RK_E_NOMEM)
		rk_err_set(err, RK_E_NOMEM, "%s: out of memory", path);
	else if (ferror(f))
		rc = rk_err_set(err, RK_E_IO, "%s: read error", path);
	free(line);
	fclose(f);
	return rc;
}

void
rk_sites_free(struct rk_sites *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* The longest prefix's name holding ip, else its /24 or /64 as text in buf. */
const char *
rk_sites_of(const struct rk_sites *s, const uint8_t ip[RK_ADDR_LEN], char *buf, size_t len)
{
	for (size_t i = 0; s != NULL && i < s->n; i++)
		if (rk_prefix_contains(s->v[i].net, s->v[i].bits, ip))
			return s->v[i].name;
	return rk_addr_format_net(ip, buf, len);
}

/* 1 if a prefix of s is named name. */
int
rk_sites_has(const struct rk_sites *s, const char *name)
{
	for (size_t i = 0; s != NULL && i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return 1;
	return 0;
}

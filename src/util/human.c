/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/human.c - formatting for reports (human.h).  No allocation.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/human.h"

char *
rk_human_bytes(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	double d = (double)v;
	int u = -1;

	if (v < 1000) {
		snprintf(buf, len, "%" PRIu64, v);
		return buf;
	}
	while (d >= 1000.0 && u < 5) {
		d /= 1000.0;
		u++;
	}
	if (d < 99.95)
		snprintf(buf, len, "%.1f%c", d, units[u]);
	else
		snprintf(buf, len, "%.0f%c", d, units[u]);
	return buf;
}

char *
rk_human_count(uint64_t v, char *buf, size_t len)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	size_t o = 0;

	for (int i = 0; i < n && o + 1 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o < len ? o : len - 1] = '\0';
	return buf;
}

char *
rk_human_time(uint64_t ts_us, char *buf, size_t len)
{
	time_t t = (time_t)(ts_us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

char *
rk_human_iso(uint64_t ts_us, char *buf, size_t len)
{
	time_t t = (time_t)(ts_us / 1000000);
	struct tm tm;
	char tmp[32];

	gmtime_r(&t, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06" PRIu64 "Z", tmp, ts_us % 1000000);
	return buf;
}

char *
rk_human_duration(double secs, char *buf, size_t len)
{
	uint64_t s = (uint64_t)secs;

	if (secs < 60.0)
		snprintf(buf, len, "%.1fs", secs);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m %02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h %02" PRIu64 "m %02" PRIu64 "s", s / 3600,
		    s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%" PRIu64 "d %02" PRIu64 "h %02" PRIu64 "m", s / 86400,
		    s / 3600 % 24, s / 60 % 60);
	return buf;
}

/* Read exactly n digits at *s into *v, advancing *s.  0 or -1. */
static int
digits(const char **s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*s)++) {
		if (**s < '0' || **s > '9')
			return -1;
		*v = *v * 10 + (**s - '0');
	}
	return 0;
}

/*
 * Parse a UTC time a person typed (human.h).  The date is checked by a
 * round trip through timegm/gmtime_r, so 2023-02-30 or 24:00 never
 * become another day silently.  Years 1970..9999.
 */
int
rk_human_parse_time(const char *s, uint64_t *out_us)
{
	struct tm tm, back;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	time_t t;

	if (s == NULL || s[0] == '\0')
		return -1;
	if (strspn(s, "0123456789") == strlen(s)) {
		if (strlen(s) > 12)
			return -1; /* past year 9999 */
		*out_us = strtoull(s, NULL, 10) * 1000000;
		return 0;
	}
	if (digits(&s, 4, &y) < 0 || *s++ != '-' || digits(&s, 2, &mo) < 0 || *s++ != '-' ||
	    digits(&s, 2, &d) < 0)
		return -1;
	if (*s == 'T' || *s == ' ') {
		s++;
		if (digits(&s, 2, &h) < 0 || *s++ != ':' || digits(&s, 2, &mi) < 0)
			return -1;
		if (*s == ':' && (s++, digits(&s, 2, &sec) < 0))
			return -1;
	}
	if (*s == 'Z')
		s++;
	if (*s != '\0' || y < 1970)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) < 0 || gmtime_r(&t, &back) == NULL || back.tm_year != y - 1900 ||
	    back.tm_mon != mo - 1 || back.tm_mday != d || back.tm_hour != h ||
	    back.tm_min != mi || back.tm_sec != sec)
		return -1;
	*out_us = (uint64_t)t * 1000000;
	return 0;
}

/* The word for n things: one when n is 1, else many (human.h). */
const char *
rk_plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

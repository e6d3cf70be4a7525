/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/human.c - formatting for reports (human.h).  No allocation.
 */
#include <inttypes.h>
#include <stdio.h>
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

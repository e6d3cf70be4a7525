/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/human.h - numbers and times for people: 12.5G, 2023-11-14 22:13:20.
 */
#ifndef RK_UTIL_HUMAN_H
#define RK_UTIL_HUMAN_H

#include <stddef.h>
#include <stdint.h>

/* 1000-based units like the paper's table 1: 975M, 12.5G.  Returns buf. */
char *rk_human_bytes(uint64_t v, char *buf, size_t len);
/* A count with thousands separators: 16,075.  Returns buf. */
char *rk_human_count(uint64_t v, char *buf, size_t len);
/* one or many by n: "1 client", "2 clients".  Returns one of the two. */
const char *rk_plural(uint64_t n, const char *one, const char *many);
/* UTC time of a µs timestamp, "2023-11-14 22:13:20".  Returns buf. */
char *rk_human_time(uint64_t ts_us, char *buf, size_t len);
/* ISO 8601 UTC with µs, "2023-11-14T22:13:20.000000Z".  Returns buf. */
char *rk_human_iso(uint64_t ts_us, char *buf, size_t len);
/* A duration in seconds as "1h 02m 03s" / "4.2s".  Returns buf. */
char *rk_human_duration(double secs, char *buf, size_t len);
/*
 * A UTC time a person typed: unix seconds, 2023-11-14, 2023-11-14T22:13,
 * '2023-11-14 22:13:20', with an optional Z; dates that do not exist
 * (2023-02-30) are refused.  OUT: µs.  0 or -1.
 */
int rk_human_parse_time(const char *s, uint64_t *out_us);

#endif /* RK_UTIL_HUMAN_H */

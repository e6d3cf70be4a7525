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
/* UTC time of a µs timestamp, "2023-11-14 22:13:20".  Returns buf. */
char *rk_human_time(uint64_t ts_us, char *buf, size_t len);
/* ISO 8601 UTC with µs, "2023-11-14T22:13:20.000000Z".  Returns buf. */
char *rk_human_iso(uint64_t ts_us, char *buf, size_t len);
/* A duration in seconds as "1h 02m 03s" / "4.2s".  Returns buf. */
char *rk_human_duration(double secs, char *buf, size_t len);

#endif /* RK_UTIL_HUMAN_H */

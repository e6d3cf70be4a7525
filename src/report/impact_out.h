/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report/impact_out.h - the figures and the JSON document of an impact or
 * needs result (impact/impact.h), shared by `renkei impact --json` and
 * the web's /api/impact and /impact, so both count and write alike.
 */
#ifndef RK_REPORT_IMPACT_OUT_H
#define RK_REPORT_IMPACT_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "impact/impact.h"
#include "names/sites.h"

/* One site's counts (needs: users are clients, lost hosts are targets). */
struct rk_impact_site_row {
	char name[RK_SITE_NAME_MAX]; /* site name, or its /24 or /64 */
	uint64_t users;              /* affected hosts serving nothing */
	uint64_t servers;            /* affected hosts serving something */
	uint64_t lost;               /* hosts inside a target */
};

/* Counts of a result, in total and per site (in order of first host). */
struct rk_impact_summary {
	uint64_t users, servers, lost; /* as the site rows, summed */
	uint64_t networks;             /* distinct /24 and /64 of the hosts */
	struct rk_impact_site_row *sites; /* malloc'd; rk_report_impact_summary_free */
	size_t n_sites;
};

/* Count r per site.  0 or -RK_E_NOMEM. */
int rk_report_impact_summarise(const struct rk_impact *r, const struct rk_sites *sites,
    struct rk_impact_summary *s);
void rk_report_impact_summary_free(struct rk_impact_summary *s);
/* Write r as README's impact (or needs) JSON document. */
void rk_report_impact_json(FILE *f, int needs, const char *const *targets, size_t n_targets,
    const struct rk_impact *r, const struct rk_impact_summary *s, const struct rk_sites *sites);

#endif /* RK_REPORT_IMPACT_OUT_H */

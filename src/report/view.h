/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report/view.h - sorted views of the aggregates (internal to report/).
 */
#ifndef RK_REPORT_VIEW_H
#define RK_REPORT_VIEW_H

#include "report/report.h"

struct rk_report_view {
	struct rk_service **services; /* by (ip, proto, port) */
	struct rk_edge **edges;       /* by (client, server, proto, port) */
	struct rk_edge **by_server;   /* by (server, proto, port, client) */
	struct rk_host **hosts;       /* by ip */
	size_t n_services;
	size_t n_edges;
	size_t n_hosts;
};

int rk_report_view_init(struct rk_report_view *m, const struct rk_classifier *c);
void rk_report_view_fini(struct rk_report_view *m);
int rk_report_view_cmp_service(const void *x, const void *y);
int rk_report_view_cmp_edge(const void *x, const void *y);
int rk_report_view_cmp_edge_by_server(const void *x, const void *y);
/*
 * The summary's figures, computed here once for the text report, the JSON
 * report and the web (rk_report_view_figures).
 */
struct rk_report_figures {
	size_t networks_v4;      /* distinct /24 */
	size_t networks_v6;      /* distinct /64 */
	size_t server_hosts;     /* hosts offering a service */
	size_t client_only_hosts;
	uint64_t malformed;      /* frames dropped as malformed (decode.h) */
	uint64_t blind[2];       /* sessions hiding c2s (0) / s2c (1), over all edges */
};

void rk_report_view_figures(const struct rk_report_view *m, const struct rk_pipeline_stats *st,
    struct rk_report_figures *f);
void rk_report_view_networks(const struct rk_report_view *m, size_t *n_v4, size_t *n_v6);
/* Sessions of all edges seen without their c2s (blind[0]) / s2c (blind[1]) direction. */
void rk_report_view_blind(const struct rk_report_view *m, uint64_t blind[2]);
int rk_report_view_admits(const struct rk_report_opts *o, const uint8_t a[RK_ADDR_LEN]);

#endif /* RK_REPORT_VIEW_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report/model.h - sorted views of the aggregates (internal to report/).
 */
#ifndef RK_REPORT_MODEL_H
#define RK_REPORT_MODEL_H

#include "report/report.h"

struct rk_model {
	struct rk_service **services; /* by (ip, proto, port) */
	struct rk_edge **edges;       /* by (client, server, proto, port) */
	struct rk_edge **by_server;   /* by (server, proto, port, client) */
	struct rk_host **hosts;       /* by ip */
	size_t n_services;
	size_t n_edges;
	size_t n_hosts;
};

int rk_model_init(struct rk_model *m, const struct rk_classifier *c);
void rk_model_fini(struct rk_model *m);
int rk_model_cmp_service(const void *x, const void *y);
int rk_model_cmp_edge(const void *x, const void *y);
int rk_model_cmp_edge_by_server(const void *x, const void *y);
void rk_model_networks(const struct rk_model *m, size_t *n_v4, size_t *n_v6);
/* Sessions of all edges seen without their c2s (blind[0]) / s2c (blind[1]) direction. */
void rk_model_blind(const struct rk_model *m, uint64_t blind[2]);
int rk_model_admits(const struct rk_report_opts *o, const uint8_t a[RK_ADDR_LEN]);

#endif /* RK_REPORT_MODEL_H */

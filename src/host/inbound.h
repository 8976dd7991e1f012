/* inbound.h - http/https inbound endpoints (inbound.c) and the exchange
 * variant they use: a request injected into a given sequence of a given
 * deployment instead of being routed to a proxy or API. */
#ifndef MC_HOST_INBOUND_H
#define MC_HOST_INBOUND_H

#include "config/config.h"
#include "host/host.h"
#include "http/server.h"

typedef struct mc_inject_flow {
    mc_deployment *dep;            /* a reference is taken for the exchange */
    const mc_seq *seq;             /* where the message goes */
    const mc_seq *fault;           /* its fault handler (NULL: the "fault" sequence) */
    const char *label;             /* the artifact label, e.g. "inbound:NAME" */
} mc_inject_flow;

/* As mc_exchange_start, with f's sequence instead of routing. */
mc_code mc_exchange_start_flow(mc_host *h, const mc_inject_flow *f, const mc_host_request *req,
                               mc_http_client *client, mc_exchange_answer_fn answer, void *ud);

typedef struct mc_inbound_set mc_inbound_set;

/* Listen for every inbound endpoint of dep (base: the server options of
 * the traffic port, for the bind address and limits).  An endpoint that
 * cannot listen is logged and left out.  NULL when out of memory. */
mc_inbound_set *mc_inbounds_start(mc_host *h, mc_deployment *dep, const mc_server_options *base);
void mc_inbounds_stop(mc_inbound_set *set, long drain_ms);
/* The port inbound endpoint name listens on, 0 when it does not. */
int mc_inbounds_port(const mc_inbound_set *set, const char *name);

#endif

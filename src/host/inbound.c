/* inbound.c - MI's http and https inbound endpoints: each listens on its
 * own port (inbound.http.port) with mediac's HTTP server and injects every
 * request into its sequence, with its onError sequence as the fault
 * handler; the answer is the flow's, as for a proxy.  The set of one
 * deployment is started and stopped by the scheduler (a reload replaces
 * it).  Access log and metrics label the requests "inbound:NAME". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/stores.h"
#include "host/inbound.h"
#include "host/internal.h"

typedef struct inbound_srv {
    mc_host *h;
    mc_deployment *dep;
    const mc_inbound_def *def;
    mc_server *srv;
    char label[200];
} inbound_srv;

struct mc_inbound_set {
    inbound_srv *items;
    size_t n;
};

static void on_answer(void *ud, mc_exchange *x, const mc_host_answer *a)
{
    mc_server_req *r = ud;
    mc_server_req_set_tag(r, mc_exchange_artifact(x));
    mc_server_respond(r, a->status, a->headers, a->nheaders, a->body, a->body_len);
    mc_exchange_free(x);
}

static void handle(void *ud, mc_server_req *r)
{
    inbound_srv *is = ud;
    size_t nh = 0;
    const mc_http_header *hs = mc_server_req_headers(r, &nh);
    size_t blen = 0;
    const char *body = mc_server_req_body(r, &blen);
    mc_host_request req = {mc_server_req_method(r), mc_server_req_path(r),
                           mc_server_req_query(r), hs, nh, body, blen};
    mc_inject_flow flow = {is->dep, is->def->sequence, is->def->on_error, is->label};
    if (mc_exchange_start_flow(is->h, &flow, &req, mc_server_req_client(r), on_answer, r) !=
        MC_OK)
        mc_server_respond_error(r, 500, "out of memory", NULL);
}

static void on_done(void *ud, mc_server_req *r, int status, double elapsed_ms)
{
    inbound_srv *is = ud;
    const char *tag = mc_server_req_tag(r);
    mc_host_answered(is->h, mc_server_req_method(r), mc_server_req_path(r), status, elapsed_ms,
                     tag ? tag : is->label, NULL);
}

mc_inbound_set *mc_inbounds_start(mc_host *h, mc_deployment *dep, const mc_server_options *base)
{
    const mc_config *cfg = mc_engine_config(mc_deployment_engine(dep));
    mc_inbound_set *set = calloc(1, sizeof *set);
    if (!set)
        return NULL;
    if (!cfg->inbounds.n)
        return set;
    set->items = calloc(cfg->inbounds.n, sizeof *set->items);
    if (!set->items) {
        free(set);
        return NULL;
    }
    for (size_t i = 0; i < cfg->inbounds.n; i++) {
        const mc_inbound_def *d = cfg->inbounds.items[i].item;
        inbound_srv *is = &set->items[set->n];
        *is = (inbound_srv){h, dep, d, NULL, ""};
        snprintf(is->label, sizeof is->label, "inbound:%s", d->name);
        if (d->suspend) {
            mc_log(&h->log, MC_LOG_INFO, "inbound endpoint %s is suspended: not listening",
                   d->name);
            continue;
        }
        mc_server_options so = base ? *base : (mc_server_options){0};
        so.port = d->port;
        so.workers = 1;
        so.tls_cert = d->tls_cert;
        so.tls_key = d->tls_key;
        so.handler = handle;
        so.done = on_done;
        so.userdata = is;
        mc_err err = {0};
        if (!(is->srv = mc_server_start(&so, &err))) {
            mc_log(&h->log, MC_LOG_ERROR, "inbound endpoint %s cannot listen on port %d: %s",
                   d->name, d->port, err.msg);
            continue;
        }
        atomic_fetch_add(&dep->refs, 1);
        set->n++;
        mc_log(&h->log, MC_LOG_INFO, "inbound endpoint %s listening on %s port %d", d->name,
               d->protocol, mc_server_port(is->srv));
    }
    return set;
}

void mc_inbounds_stop(mc_inbound_set *set, long drain_ms)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++) {
        mc_server_stop(set->items[i].srv, drain_ms);
        mc_deployment_release(set->items[i].dep);
    }
    free(set->items);
    free(set);
}

int mc_inbounds_port(const mc_inbound_set *set, const char *name)
{
    for (size_t i = 0; set && i < set->n; i++)
        if (strcmp(set->items[i].def->name, name) == 0)
            return mc_server_port(set->items[i].srv);
    return 0;
}

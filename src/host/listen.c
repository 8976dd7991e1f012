/* listen.c - the host on mediac's own HTTP server (src/http/server.h):
 * each request becomes an exchange whose upstream requests go to the
 * worker's HTTP client; each answer goes to the access log and metrics;
 * the admin port serves the host's admin routes.  A host that has its own
 * server uses mc_exchange_start directly instead. */
#include "host/listen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"
#include "host/scheduler.h"

struct mc_listener {
    mc_host *h;
    mc_server *srv;
    mc_server *https;              /* the HTTPS port beside srv, or NULL */
    mc_admin_server *adm;
    mc_scheduler *sched;
};

/* The server carries one label to the done callback: "ARTIFACT\x1fID"
 * (XML names cannot hold the control character). */
static void on_answer(void *ud, mc_exchange *x, const mc_host_answer *a)
{
    mc_server_req *r = ud;
    const char *id = mc_exchange_activity_id(x);
    char tag[320];
    const char *art = mc_exchange_artifact(x);
    size_t n = mc_fixed_put(tag, sizeof tag, 0, art, strlen(art));
    if (id) {
        n = mc_fixed_put(tag, sizeof tag, n, "\x1f", 1);
        mc_fixed_put(tag, sizeof tag, n, id, strlen(id));
    }
    mc_server_req_set_tag(r, tag);
    mc_server_respond(r, a->status, a->headers, a->nheaders, a->body, a->body_len);
    mc_exchange_free(x);
}

static void handle(void *ud, mc_server_req *r)
{
    mc_host *h = ud;
    mc_host_request req = {
        .method = mc_server_req_method(r), .path = mc_server_req_path(r),
        .query = mc_server_req_query(r),
    };
    req.headers = mc_server_req_headers(r, &req.nheaders);
    req.body = mc_server_req_body(r, &req.body_len);
    if (mc_exchange_start(h, &req, mc_server_req_client(r), on_answer, r) != MC_OK)
        mc_server_respond_error(r, 500, "out of memory", NULL);
}

static void on_answered(void *ud, mc_server_req *r, int status, double ms)
{
    const char *tag = mc_server_req_tag(r);
    const char *sep = strchr(tag, '\x1f');
    char artifact[200];
    mc_fixed_put(artifact, sizeof artifact, 0, tag, sep ? (size_t)(sep - tag) : strlen(tag));
    mc_host_answered(ud, mc_server_req_method(r), mc_server_req_path(r), status, ms, artifact,
                     sep ? sep + 1 : NULL);
}

static int admin(void *ud, const char *method, const char *path, mc_buf *body,
                 const char **ctype)
{
    return mc_host_admin(ud, method, path, body, ctype);
}

static unsigned inflight(void *ud)
{
    const mc_listener *l = ud;
    return mc_server_inflight(l->srv) + (l->https ? mc_server_inflight(l->https) : 0);
}

mc_listener *mc_listener_start(mc_host *h, const mc_listener_options *o, mc_err *err)
{
    mc_listener *l = calloc(1, sizeof *l);
    if (!l) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    l->h = h;
    mc_server_options so = o->server;
    /* A worker's upstream pool may hold as many connections as the server
     * admits requests (--max-concurrent).  With the client's default of 64,
     * messages waiting on a slow upstream queued in curl behind 64
     * connections per worker, whatever the number of clients. */
    mc_http_options client = {
        .max_connections = so.max_concurrent ? (long)so.max_concurrent : 1024,
    };
    so.client = &client;
    so.handler = handle;
    so.done = on_answered;
    so.userdata = h;
    if (so.tls_cert && o->https_port >= 0) {
        /* HTTP and HTTPS side by side, as MI's 8290 and 8253 */
        mc_server_options tls = so;
        tls.port = o->https_port;
        so.tls_cert = so.tls_key = NULL;
        if (!(l->https = mc_server_start(&tls, err))) {
            free(l);
            return NULL;
        }
    }
    l->srv = mc_server_start(&so, err);
    if (!l->srv) {
        mc_server_stop(l->https, 0);
        free(l);
        return NULL;
    }
    mc_host_set_inflight(h, inflight, l);
    l->adm = mc_admin_server_start(so.bind, o->admin_port, admin, h, err);
    if (!l->adm) {
        mc_host_set_inflight(h, NULL, NULL);
        mc_server_stop(l->srv, 0);
        mc_server_stop(l->https, 0);
        free(l);
        return NULL;
    }
    mc_admin_server_set_token(l->adm, o->admin_token);
    /* message processors, tasks and inbound endpoints */
    l->sched = mc_scheduler_start(h, &so, NULL, err);
    if (!l->sched) {
        mc_admin_server_stop(l->adm);
        mc_host_set_inflight(h, NULL, NULL);
        mc_server_stop(l->srv, 0);
        free(l);
        return NULL;
    }
    return l;
}

int mc_listener_port(const mc_listener *l) { return mc_server_port(l->srv); }
int mc_listener_https_port(const mc_listener *l)
{
    return l->https ? mc_server_port(l->https) : -1;
}
int mc_listener_admin_port(const mc_listener *l) { return mc_admin_server_port(l->adm); }
int mc_listener_workers(const mc_listener *l) { return mc_server_workers(l->srv); }
unsigned mc_listener_inflight(const mc_listener *l) { return inflight((void *)l); }

unsigned mc_listener_stop(mc_listener *l, long drain_ms)
{
    if (!l)
        return 0;
    mc_scheduler_stop(l->sched, drain_ms);        /* nothing new is injected */
    mc_server_drain(l->https, drain_ms);          /* both drain at once */
    unsigned cut = mc_server_stop(l->srv, drain_ms) + mc_server_stop(l->https, drain_ms);
    mc_host_set_inflight(l->h, NULL, NULL);
    mc_admin_server_stop(l->adm);
    free(l);
    return cut;
}

/* admin_server.c - the admin port: one worker of mediac's HTTP server
 * (server.h) with limits of its own (MC_ADMIN_*), a Bearer token asked
 * for everything but the probes, and a handler that fills a body. */
#include "http/server.h"

#include <stdlib.h>
#include <string.h>

struct mc_admin_server {
    mc_server *srv;
    mc_admin_handler h;
    void *userdata;
    char *token;                  /* NULL: no token asked */
};

/* A token is asked for everything but the probes; compared in constant time. */
static bool admin_authorized(const mc_admin_server *a, const mc_server_req *r)
{
    const char *path = mc_server_req_path(r);
    if (!a->token || strcmp(path, "/healthz") == 0 || strcmp(path, "/liveness") == 0)
        return true;
    const char *auth = mc_server_req_get_header(r, "Authorization");
    if (!auth || strncmp(auth, "Bearer ", 7) != 0)
        return false;
    const char *got = auth + 7;
    size_t n = strlen(a->token), m = strlen(got);
    unsigned diff = (unsigned)(n ^ m);
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)a->token[i] ^ (unsigned char)(i < m ? got[i] : 0);
    return diff == 0;
}

void mc_admin_server_set_token(mc_admin_server *a, const char *token)
{
    free(a->token);
    a->token = token && *token ? strdup(token) : NULL;
}

static void on_admin(void *ud, mc_server_req *r)
{
    mc_admin_server *a = ud;
    mc_buf body = MC_BUF_INIT;
    const char *ctype = "text/plain; charset=utf-8";
    int status;
    if (!admin_authorized(a, r)) {
        ctype = "application/json";
        mc_buf_puts(&body, "{\"Error\":\"a management token is required: "
                           "Authorization: Bearer TOKEN\"}\n");
        status = 401;
    } else {
        /* the handler gets the target as the client sent it: path?query */
        mc_buf target = MC_BUF_INIT;
        const char *query = mc_server_req_query(r);
        mc_buf_puts(&target, mc_server_req_path(r));
        if (query) {
            mc_buf_putc(&target, '?');
            mc_buf_puts(&target, query);
        }
        status = a->h(a->userdata, mc_server_req_method(r),
                      target.oom ? mc_server_req_path(r) : mc_buf_cstr(&target), &body, &ctype);
        mc_buf_free(&target);
    }
    mc_http_header h = {"Content-Type", ctype};
    if (body.oom)
        mc_server_respond_error(r, 500, "out of memory", NULL);
    else
        mc_server_respond(r, status, &h, 1, body.data ? body.data : "", body.len);
    mc_buf_free(&body);
}

mc_admin_server *mc_admin_server_start(const char *bind_addr, int port,
                                       mc_admin_handler h, void *userdata, mc_err *err)
{
    mc_admin_server *a = calloc(1, sizeof *a);
    if (!a) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    a->h = h;
    a->userdata = userdata;
    mc_http_options client = {.max_connections = 1};
    mc_server_options o = {
        .bind = bind_addr, .port = port, .workers = 1, .max_body = 64u << 10,
        .max_header = 8u << 10, .idle_timeout_s = MC_ADMIN_IDLE_S,
        .request_timeout_ms = MC_ADMIN_IDLE_S * 1000, .max_concurrent = 64,
        .max_connections = MC_ADMIN_MAX_CONNECTIONS, .client = &client,
        .handler = on_admin, .userdata = a,
        .no_http2 = true,          /* the admin port stays HTTP/1.1 (docs/serve.md) */
    };
    a->srv = mc_server_start(&o, err);
    if (!a->srv) {
        free(a);
        return NULL;
    }
    return a;
}

int mc_admin_server_port(const mc_admin_server *a) { return mc_server_port(a->srv); }

void mc_admin_server_stop(mc_admin_server *a)
{
    if (!a)
        return;
    mc_server_stop(a->srv, 0);
    free(a->token);
    free(a);
}

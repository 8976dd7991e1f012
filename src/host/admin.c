/* admin.c - the admin port's routes as a table (method, path prefix ->
 * handler producing status, content type and body).  /healthz and
 * /metrics are built in; other modules (the Management API, a flow
 * viewer) add theirs with mc_host_admin_add. */
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"

static int healthz(void *ud, mc_host *h, const char *method, const char *path, mc_buf *body,
                   const char **ctype)
{
    *ctype = "application/json";
    /* MI's readiness answer (its /healthz), plus the requests in progress */
    mc_buf_printf(body, "{\"version\":\"%s\",\"update_level\":\"0\",\"status\":\"ready\","
                        "\"inflight\":%u}\n", MC_VERSION, mc_host_inflight(h));
    return 200;
}

static int metrics(void *ud, mc_host *h, const char *method, const char *path, mc_buf *body,
                   const char **ctype)
{
    *ctype = "text/plain; version=0.0.4; charset=utf-8";
    mc_host_render_metrics(h, body);
    return 200;
}

mc_code mc_host_admin_add(mc_host *h, const char *method, const char *prefix, mc_admin_fn fn,
                          void *ud)
{
    if (!prefix || prefix[0] != '/' || !fn)
        return MC_EINVAL;
    mc_admin_route *r = realloc(h->admin, (h->nadmin + 1) * sizeof *r);
    if (!r)
        return MC_ENOMEM;
    h->admin = r;
    r = &h->admin[h->nadmin];
    *r = (mc_admin_route){method ? strdup(method) : NULL, strdup(prefix), fn, ud};
    if (!r->prefix || (method && !r->method)) {
        free(r->method);
        free(r->prefix);
        return MC_ENOMEM;
    }
    h->nadmin++;
    return MC_OK;
}

bool mc_host_admin_init(mc_host *h)
{
    return mc_host_admin_add(h, NULL, "/healthz", healthz, NULL) == MC_OK &&
           mc_host_admin_add(h, NULL, "/metrics", metrics, NULL) == MC_OK;
}

void mc_host_admin_free(mc_host *h)
{
    for (size_t i = 0; i < h->nadmin; i++) {
        free(h->admin[i].method);
        free(h->admin[i].prefix);
    }
    free(h->admin);
    h->admin = NULL;
    h->nadmin = 0;
    if (h->manage_free)
        h->manage_free(h->manage_ctx);
    h->manage_ctx = NULL;
}

/* "/a" matches "/a" and "/a/..." but not "/ab"; "/a/" matches "/a/...". */
static bool prefix_matches(const char *prefix, const char *path)
{
    size_t n = strlen(prefix);
    if (strncmp(prefix, path, n) != 0)
        return false;
    return path[n] == '\0' || path[n] == '/' || path[n] == '?' || prefix[n - 1] == '/';
}

int mc_host_admin(mc_host *h, const char *method, const char *path, mc_buf *body,
                  const char **ctype)
{
    const mc_admin_route *best = NULL;
    bool wrong_method = false;
    for (size_t i = 0; i < h->nadmin; i++) {
        const mc_admin_route *r = &h->admin[i];
        if (!prefix_matches(r->prefix, path))
            continue;
        bool method_ok = !r->method || strcmp(r->method, method) == 0 ||
                         (strcmp(r->method, "GET") == 0 && strcmp(method, "HEAD") == 0);
        if (!method_ok) {
            wrong_method = true;
            continue;
        }
        if (!best || strlen(r->prefix) > strlen(best->prefix))
            best = r;
    }
    if (best)
        return best->fn(best->ud, h, method, path, body, ctype);
    *ctype = "application/json";
    if (wrong_method) {
        mc_json_fault(body, "405", "method not allowed on the admin port");
        mc_buf_putc(body, '\n');
        return 405;
    }
    mc_json_fault(body, "404", "no admin route here; try /healthz or /metrics");
    mc_buf_putc(body, '\n');
    return 404;
}

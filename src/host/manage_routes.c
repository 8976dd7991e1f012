/* manage_routes.c - puts the Management API, MI's probes, MI's metrics
 * path and the flow viewer on a host's admin port (mc_host_admin_add):
 * /management/..., /liveness, /metric-service/metrics, /viewer and
 * /viewer/counts, each answered from the current deployment. */
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"
#include "host/management.h"
#include "host/scheduler.h"
#include "host/viewer.h"

typedef struct manage_ctx {
    char *base_url;
} manage_ctx;

static void split_query(const char *path, char *clean, size_t cap, const char **query)
{
    const char *q = strchr(path, '?');
    size_t n = q ? (size_t)(q - path) : strlen(path);
    snprintf(clean, cap, "%.*s", (int)(n < cap ? n : cap - 1), path);
    *query = q ? q + 1 : NULL;
}

static bool processor_active(void *ud, const char *name, bool *active)
{
    mc_host *h = ud;
    return h->sched && mc_scheduler_processor_state(h->sched, name, active);
}

static int management(void *ud, mc_host *h, const char *method, const char *path, mc_buf *body,
                      const char **ctype)
{
    manage_ctx *c = ud;
    char clean[512];
    const char *query;
    split_query(path, clean, sizeof clean, &query);
    mc_deployment *d = mc_host_acquire(h);
    mc_mgmt_ctx mc = {mc_engine_config(d->e), mc_engine_connectors(d->e), c->base_url,
                      processor_active, h};
    int status = mc_management_answer(&mc, clean, query, body, ctype);
    mc_deployment_release(d);
    return status;
}

static int prometheus(void *ud, mc_host *h, const char *method, const char *path, mc_buf *body,
                      const char **ctype)
{
    *ctype = "text/plain; version=0.0.4; charset=utf-8";
    mc_host_render_metrics(h, body);
    return 200;
}

static void counts(void *ud, const char *artifact, double *requests, double *errors)
{
    mc_metrics_artifact_counts(&((mc_host *)ud)->met, artifact, requests, errors);
}

static int viewer(void *ud, mc_host *h, const char *method, const char *path, mc_buf *body,
                  const char **ctype)
{
    char clean[512];
    const char *query;
    split_query(path, clean, sizeof clean, &query);
    mc_deployment *d = mc_host_acquire(h);
    int status = strcmp(clean, "/viewer/counts") == 0 ?
                 mc_viewer_counts(mc_engine_config(d->e), counts, h, body, ctype) :
                 mc_viewer_page(mc_engine_config(d->e), counts, h, body, ctype);
    mc_deployment_release(d);
    return status;
}

static void free_ctx(void *p)
{
    manage_ctx *c = p;
    free(c->base_url);
    free(c);
}

mc_code mc_host_add_management(mc_host *h, const char *base_url)
{
    manage_ctx *c = calloc(1, sizeof *c);
    if (!c || !(c->base_url = strdup(base_url ? base_url : ""))) {
        free(c);
        return MC_ENOMEM;
    }
    h->manage_ctx = c;
    h->manage_free = free_ctx;
    if (mc_host_admin_add(h, "GET", "/management", management, c) != MC_OK ||
        mc_host_admin_add(h, "GET", "/liveness", management, c) != MC_OK ||
        mc_host_admin_add(h, "GET", "/metric-service/metrics", prometheus, c) != MC_OK ||
        mc_host_admin_add(h, "GET", "/viewer", viewer, c) != MC_OK)
        return MC_ENOMEM;
    return MC_OK;
}

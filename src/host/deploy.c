/* deploy.c - the host and its deployments: each load of the paths is a
 * refcounted engine; a request holds a reference to the one it started
 * on, so a reload swaps in a new engine for new requests while messages
 * in flight finish on the old one.  Also the access line (in the one log
 * format of util/log.c, with the request's activity id). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/internal.h"
#include "http/clock.h"
#include "util/number.h"

double mc_host_now(void)
{
    return mc_clock_now_ms() / 1000.0;
}

/* ---- logging ------------------------------------------------------------- */

const mc_logger *mc_host_logger(const mc_host *h) { return &h->log; }

/* The access line: text through the logger (which escapes it), json as a
 * line of fields, each field escaped (the path with secret names' values
 * hidden) before it goes in. */
static void access_log(mc_host *h, const char *activity, const char *method, const char *path,
                       int status, double ms, const char *artifact)
{
    mc_buf b = MC_BUF_INIT;
    if (!h->json_log) {
        mc_buf_printf(&b, "access %s %s %d %.3fms %s", method, path, status, ms, artifact);
        if (!b.oom)
            mc_log_line_id(&h->log, MC_LOG_INFO, activity, b.data, b.len, NULL, 0);
        mc_buf_free(&b);
        return;
    }
    mc_buf named = MC_BUF_INIT;
    mc_buf_puts(&b, "{\"type\":\"access\",\"method\":");
    mc_log_json_string(&b, method, strlen(method));
    mc_buf_puts(&b, ",\"path\":");
    mc_redact_names(&named, path, strlen(path));
    mc_log_json_string(&b, mc_buf_cstr(&named), named.len);
    mc_buf_printf(&b, ",\"status\":%d,\"duration_ms\":%.3f,\"artifact\":", status, ms);
    mc_log_json_string(&b, artifact, strlen(artifact));
    mc_buf_puts(&b, "}");
    if (!b.oom && !named.oom)
        mc_log_fields(&h->log, MC_LOG_INFO, activity, b.data, b.len);
    mc_buf_free(&named);
    mc_buf_free(&b);
}

void mc_host_answered(mc_host *h, const char *method, const char *path, int status,
                      double ms, const char *artifact, const char *activity_id)
{
    const char *a = artifact && *artifact ? artifact : "-";
    char st[21];
    mc_format_int(status, st);
    mc_metrics_observe(&h->met, MC_M_REQ, "artifact", a, "status", st, 0);
    mc_metrics_observe(&h->met, MC_M_LAT, "artifact", a, NULL, NULL, ms / 1000.0);
    if (mc_log_enabled(&h->log, MC_LOG_INFO))
        access_log(h, activity_id, method, path, status, ms, a);
}

/* ---- deployments ---------------------------------------------------------- */

static mc_deployment *deployment_load(mc_host *h)
{
    mc_engine *e = mc_engine_new();
    if (!e)
        return NULL;
    mc_engine_set_log(e, h->log_level, NULL, NULL);
    mc_engine_set_log_format(e, h->json_log ? MC_LOG_JSON : MC_LOG_TEXT);
    mc_code rc = mc_engine_load_paths(e, (const char *const *)h->paths, h->npaths);
    const char *diags = mc_engine_diagnostics(e);
    if (*diags)
        mc_log(&h->log, rc == MC_OK ? MC_LOG_WARN : MC_LOG_ERROR, "%s", diags);
    if (rc == MC_OK && h->loaded)
        h->loaded(h->loaded_ud, e, &h->log);
    mc_deployment *d = rc == MC_OK ? calloc(1, sizeof *d) : NULL;
    if (!d) {
        mc_engine_free(e);
        return NULL;
    }
    d->e = e;
    atomic_init(&d->refs, 1);
    return d;
}

void mc_deployment_release(mc_deployment *d)
{
    if (d && atomic_fetch_sub(&d->refs, 1) == 1) {
        mc_engine_free(d->e);
        free(d);
    }
}

mc_deployment *mc_host_acquire(mc_host *h)
{
    pthread_mutex_lock(&h->lock);
    mc_deployment *d = h->current;
    atomic_fetch_add(&d->refs, 1);
    pthread_mutex_unlock(&h->lock);
    return d;
}

mc_engine *mc_deployment_engine(const mc_deployment *d) { return d->e; }

bool mc_host_reload(mc_host *h)
{
    mc_log(&h->log, MC_LOG_INFO, "SIGHUP: reloading configuration");
    mc_deployment *d = deployment_load(h);
    mc_metrics_reload(&h->met, d != NULL);
    if (!d) {
        mc_log(&h->log, MC_LOG_ERROR, "reload failed: the previous configuration keeps serving");
        return false;
    }
    pthread_mutex_lock(&h->lock);
    mc_deployment *old = h->current;
    h->current = d;
    pthread_mutex_unlock(&h->lock);
    mc_deployment_release(old);
    mc_log(&h->log, MC_LOG_INFO, "reload done: new requests use the new configuration");
    return true;
}

/* ---- the host --------------------------------------------------------------- */

double mc_host_uptime(const mc_host *h) { return mc_host_now() - h->started; }

void mc_host_set_inflight(mc_host *h, unsigned (*fn)(void *), void *ud)
{
    h->inflight = fn;
    h->inflight_ud = ud;
}

unsigned mc_host_inflight(const mc_host *h)
{
    return h->inflight ? h->inflight(h->inflight_ud) : 0;
}

static void host_free_parts(mc_host *h)
{
    mc_host_admin_free(h);
    for (size_t i = 0; i < h->npaths; i++)
        free(h->paths[i]);
    free(h->paths);
    mc_metrics_free(&h->met);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

mc_host *mc_host_new(const mc_host_options *o)
{
    mc_host *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->log_level = o->log_level;
    h->json_log = o->json_log;
    h->loaded = o->loaded;
    h->loaded_ud = o->loaded_ud;
    h->started = mc_host_now();
    mc_logger_init(&h->log);
    h->log.level = o->log_level;
    h->log.format = o->json_log ? MC_LOG_JSON : MC_LOG_TEXT;
    pthread_mutex_init(&h->lock, NULL);
    mc_metrics_init(&h->met);
    h->paths = calloc(o->npaths ? o->npaths : 1, sizeof *h->paths);
    bool ok = h->paths != NULL;
    for (size_t i = 0; ok && i < o->npaths; i++, h->npaths++)
        ok = (h->paths[i] = strdup(o->paths[i])) != NULL;
    if (ok)
        ok = mc_host_admin_init(h);
    if (ok)
        ok = (h->current = deployment_load(h)) != NULL;
    if (!ok) {
        host_free_parts(h);
        return NULL;
    }
    return h;
}

void mc_host_free(mc_host *h)
{
    if (!h)
        return;
    mc_deployment_release(h->current);
    host_free_parts(h);
}

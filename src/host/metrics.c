/* metrics.c - the host's Prometheus metrics: request, fault and upstream
 * counters and histograms by label set, reloads, in-flight and uptime
 * gauges; rendered in text format 0.0.4 for the admin port. */
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"

static const double bucket_le[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS (sizeof bucket_le / sizeof *bucket_le)

struct mc_series {
    struct mc_series *next;
    int kind;
    char *labels;                  /* rendered: artifact="x",status="200" */
    double count, sum;
    unsigned long buckets[NBUCKETS];
};

void mc_metrics_init(mc_metrics *mt)
{
    memset(mt, 0, sizeof *mt);
    pthread_mutex_init(&mt->lock, NULL);
}

void mc_metrics_free(mc_metrics *mt)
{
    for (mc_series *s = mt->head, *n; s; s = n) {
        n = s->next;
        free(s->labels);
        free(s);
    }
    pthread_mutex_destroy(&mt->lock);
}

static void label_value(mc_buf *b, const char *v)
{
    mc_buf_putc(b, '"');
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            mc_buf_putc(b, '\\');
        if (*v == '\n')
            mc_buf_puts(b, "\\n");
        else
            mc_buf_putc(b, *v);
    }
    mc_buf_putc(b, '"');
}

static mc_series *series_get(mc_metrics *mt, int kind, const char *labels)
{
    for (mc_series *s = mt->head; s; s = s->next)
        if (s->kind == kind && strcmp(s->labels, labels) == 0)
            return s;
    mc_series *s = calloc(1, sizeof *s);
    if (!s || !(s->labels = strdup(labels))) {
        free(s);
        return NULL;
    }
    s->kind = kind;
    s->next = mt->head;
    mt->head = s;
    return s;
}

void mc_metrics_observe(mc_metrics *mt, int kind, const char *k1, const char *v1,
                        const char *k2, const char *v2, double value)
{
    mc_buf b = MC_BUF_INIT;
    mc_buf_printf(&b, "%s=", k1);
    label_value(&b, v1);
    if (k2) {
        mc_buf_printf(&b, ",%s=", k2);
        label_value(&b, v2);
    }
    pthread_mutex_lock(&mt->lock);
    mc_series *s = b.oom ? NULL : series_get(mt, kind, mc_buf_cstr(&b));
    if (s) {
        s->count += 1;
        s->sum += value;
        for (size_t i = 0; i < NBUCKETS; i++)
            if (value <= bucket_le[i])
                s->buckets[i]++;
    }
    pthread_mutex_unlock(&mt->lock);
    mc_buf_free(&b);
}

void mc_metrics_reload(mc_metrics *mt, bool ok)
{
    pthread_mutex_lock(&mt->lock);
    if (ok)
        mt->reloads_ok++;
    else
        mt->reloads_failed++;
    pthread_mutex_unlock(&mt->lock);
}

static void render_kind(mc_metrics *mt, mc_buf *b, int kind, const char *name,
                        const char *help, bool histogram)
{
    mc_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                  histogram ? "histogram" : "counter");
    for (mc_series *s = mt->head; s; s = s->next) {
        if (s->kind != kind)
            continue;
        if (!histogram) {
            mc_buf_printf(b, "%s{%s} %.0f\n", name, s->labels, s->count);
            continue;
        }
        for (size_t i = 0; i < NBUCKETS; i++)
            mc_buf_printf(b, "%s_bucket{%s,le=\"%g\"} %lu\n", name, s->labels, bucket_le[i],
                          s->buckets[i]);
        mc_buf_printf(b, "%s_bucket{%s,le=\"+Inf\"} %.0f\n", name, s->labels, s->count);
        mc_buf_printf(b, "%s_sum{%s} %.6f\n%s_count{%s} %.0f\n", name, s->labels, s->sum,
                      name, s->labels, s->count);
    }
}

void mc_host_render_metrics(mc_host *h, mc_buf *b)
{
    mc_metrics *mt = &h->met;
    pthread_mutex_lock(&mt->lock);
    render_kind(mt, b, MC_M_REQ, "mediac_requests_total", "Requests answered, by artifact and status.", false);
    render_kind(mt, b, MC_M_FAULT, "mediac_faults_total", "Messages that ended in an unhandled fault, by artifact.", false);
    render_kind(mt, b, MC_M_LAT, "mediac_request_duration_seconds", "Time from request headers to answer, by artifact.", true);
    render_kind(mt, b, MC_M_UP, "mediac_upstream_requests_total", "Upstream calls, by operation and status (transport faults by fault code).", false);
    render_kind(mt, b, MC_M_UPLAT, "mediac_upstream_duration_seconds", "Upstream call time, by operation.", true);
    mc_buf_printf(b, "# HELP mediac_reloads_total Configuration reloads (SIGHUP) by result.\n"
                     "# TYPE mediac_reloads_total counter\n"
                     "mediac_reloads_total{result=\"ok\"} %lu\n"
                     "mediac_reloads_total{result=\"failed\"} %lu\n",
                  mt->reloads_ok, mt->reloads_failed);
    pthread_mutex_unlock(&mt->lock);
    mc_buf_printf(b, "# HELP mediac_inflight_requests Requests in progress.\n"
                     "# TYPE mediac_inflight_requests gauge\n"
                     "mediac_inflight_requests %u\n", mc_host_inflight(h));
    mc_buf_printf(b, "# HELP mediac_uptime_seconds Seconds since start.\n"
                     "# TYPE mediac_uptime_seconds gauge\n"
                     "mediac_uptime_seconds %.3f\n", mc_host_uptime(h));
}

/* Requests and answers >= 500 of one artifact (for the flow viewer). */
void mc_metrics_artifact_counts(mc_metrics *mt, const char *artifact, double *requests,
                                double *errors)
{
    mc_buf want = MC_BUF_INIT;
    mc_buf_puts(&want, "artifact=");
    label_value(&want, artifact);
    mc_buf_puts(&want, ",status=\"");
    *requests = *errors = 0;
    pthread_mutex_lock(&mt->lock);
    for (mc_series *s = mt->head; s && !want.oom; s = s->next) {
        if (s->kind != MC_M_REQ || strncmp(s->labels, want.data, want.len) != 0)
            continue;
        *requests += s->count;
        if (atoi(s->labels + want.len) >= 500)
            *errors += s->count;
    }
    pthread_mutex_unlock(&mt->lock);
    mc_buf_free(&want);
}

/* metrics.c - the host's Prometheus metrics: request, fault and upstream
 * counters and histograms by label set, reloads, in-flight and uptime
 * gauges; rendered in text format 0.0.4 for the admin port.
 *
 * Per request there is no lock, no allocation and no printf: a label set
 * is written into a stack buffer, found in an append-only list read
 * without a lock (by kind and length before the bytes), and counted with
 * atomics: a counter with one, a histogram with three (its count, its
 * sum and the one bucket the value falls in; the cumulative "le" counts
 * are summed when the metrics are rendered).  Only the first observation
 * of a new label set takes the mutex to add it.
 *
 * Each series keeps its counts in SHARDS cache-line-aligned shards, and a
 * thread counts in its own (the rendering sums them): the workers do not
 * pass one cache line between the cores on every observation (each such
 * transfer cost about as much as a hundred instructions; docs/bench.md,
 * "Session 24"). */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"

static const double bucket_le[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS (sizeof bucket_le / sizeof *bucket_le)

/* One thread's share of a series' counts (threads beyond SHARDS share). */
enum { SHARDS = 8 };
typedef struct shard {
    alignas(64) atomic_ulong count;
    atomic_ullong sum_us;          /* the sum, in microseconds (histograms) */
    atomic_ulong buckets[NBUCKETS]; /* values in (le[i-1], le[i]] (histograms) */
} shard;

struct mc_series {
    struct mc_series *next;        /* immutable once published */
    int kind;
    char *labels;                  /* rendered: artifact="x",status="200" */
    size_t len;                    /* of labels */
    shard shards[SHARDS];
};

/* The calling thread's shard index, given out in turn on first use. */
static unsigned my_shard(void)
{
    static atomic_uint next;
    static _Thread_local int mine = -1;
    if (mine < 0)
        mine = (int)(atomic_fetch_add_explicit(&next, 1, memory_order_relaxed) % SHARDS);
    return (unsigned)mine;
}

/* A series' counts summed over its shards. */
static unsigned long series_count(const mc_series *s)
{
    unsigned long n = 0;
    for (size_t i = 0; i < SHARDS; i++)
        n += atomic_load_explicit(&s->shards[i].count, memory_order_relaxed);
    return n;
}

static unsigned long long series_sum_us(const mc_series *s)
{
    unsigned long long n = 0;
    for (size_t i = 0; i < SHARDS; i++)
        n += atomic_load_explicit(&s->shards[i].sum_us, memory_order_relaxed);
    return n;
}

static unsigned long series_bucket(const mc_series *s, size_t b)
{
    unsigned long n = 0;
    for (size_t i = 0; i < SHARDS; i++)
        n += atomic_load_explicit(&s->shards[i].buckets[b], memory_order_relaxed);
    return n;
}

void mc_metrics_init(mc_metrics *mt)
{
    memset(mt, 0, sizeof *mt);
    pthread_mutex_init(&mt->lock, NULL);
}

void mc_metrics_free(mc_metrics *mt)
{
    for (mc_series *s = atomic_load(&mt->head), *n; s; s = n) {
        n = s->next;
        free(s->labels);
        free(s);
    }
    pthread_mutex_destroy(&mt->lock);
}

/* Append text to the label buffer (a label value quoted: backslash, quote
 * and newline escaped), copying the runs between escapes whole; false when
 * it does not fit. */
static bool put(char *buf, size_t cap, size_t *n, const char *s, bool quote)
{
    for (;;) {
        size_t run = quote ? strcspn(s, "\\\"\n") : strlen(s);
        if (run >= cap - *n)
            return false;
        memcpy(buf + *n, s, run);
        *n += run;
        s += run;
        if (!*s)
            break;
        if (cap - *n <= 2)
            return false;
        buf[(*n)++] = '\\';
        buf[(*n)++] = *s == '\n' ? 'n' : *s;
        s++;
    }
    buf[*n] = '\0';
    return true;
}

/* Append the n bytes of a literal (no escapes); false when they do not fit. */
static bool put_lit(char *buf, size_t cap, size_t *at, const char *lit, size_t n)
{
    if (n >= cap - *at)
        return false;
    memcpy(buf + *at, lit, n);
    *at += n;
    buf[*at] = '\0';
    return true;
}

static bool is_histogram(int kind)
{
    return kind == MC_M_LAT || kind == MC_M_UPLAT;
}

static mc_series *series_find(mc_series *s, int kind, const char *labels, size_t len)
{
    for (; s; s = s->next)
        if (s->kind == kind && s->len == len && memcmp(s->labels, labels, len) == 0)
            return s;
    return NULL;
}

static mc_series *series_get(mc_metrics *mt, int kind, const char *labels, size_t len)
{
    mc_series *s = series_find(atomic_load_explicit(&mt->head, memory_order_acquire), kind,
                               labels, len);
    if (s)
        return s;
    pthread_mutex_lock(&mt->lock);
    s = series_find(atomic_load(&mt->head), kind, labels, len);
    if (!s) {
        s = aligned_alloc(alignof(mc_series), sizeof *s); /* a multiple of it */
        if (s)
            memset(s, 0, sizeof *s);
        if (s && !(s->labels = strdup(labels))) {
            free(s);
            s = NULL;
        }
        if (s) {
            s->kind = kind;
            s->len = len;
            s->next = atomic_load(&mt->head);
            atomic_store_explicit(&mt->head, s, memory_order_release);
        }
    }
    pthread_mutex_unlock(&mt->lock);
    return s;
}

void mc_metrics_observe(mc_metrics *mt, int kind, const char *k1, const char *v1,
                        const char *k2, const char *v2, double value)
{
    char labels[512];
    size_t n = 0;
    if (!put(labels, sizeof labels, &n, k1, false) || !put_lit(labels, sizeof labels, &n, "=\"", 2) ||
        !put(labels, sizeof labels, &n, v1, true) || !put_lit(labels, sizeof labels, &n, "\"", 1))
        return;
    if (k2 && (!put_lit(labels, sizeof labels, &n, ",", 1) ||
               !put(labels, sizeof labels, &n, k2, false) ||
               !put_lit(labels, sizeof labels, &n, "=\"", 2) ||
               !put(labels, sizeof labels, &n, v2, true) ||
               !put_lit(labels, sizeof labels, &n, "\"", 1)))
        return;
    mc_series *s = series_get(mt, kind, labels, n);
    if (!s)
        return;
    shard *sh = &s->shards[my_shard()];
    atomic_fetch_add_explicit(&sh->count, 1, memory_order_relaxed);
    if (!is_histogram(kind))
        return;
    atomic_fetch_add_explicit(&sh->sum_us, (unsigned long long)(value * 1e6 + 0.5),
                              memory_order_relaxed);
    for (size_t i = 0; i < NBUCKETS; i++)
        if (value <= bucket_le[i]) {
            atomic_fetch_add_explicit(&sh->buckets[i], 1, memory_order_relaxed);
            break;
        }
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
    for (mc_series *s = atomic_load(&mt->head); s; s = s->next) {
        if (s->kind != kind)
            continue;
        unsigned long count = series_count(s);
        if (!histogram) {
            mc_buf_printf(b, "%s{%s} %lu\n", name, s->labels, count);
            continue;
        }
        unsigned long below = 0;    /* cumulative, as Prometheus counts */
        for (size_t i = 0; i < NBUCKETS; i++) {
            below += series_bucket(s, i);
            mc_buf_printf(b, "%s_bucket{%s,le=\"%g\"} %lu\n", name, s->labels, bucket_le[i],
                          below);
        }
        mc_buf_printf(b, "%s_bucket{%s,le=\"+Inf\"} %lu\n", name, s->labels, count);
        mc_buf_printf(b, "%s_sum{%s} %.6f\n%s_count{%s} %lu\n", name, s->labels,
                      (double)series_sum_us(s) / 1e6, name, s->labels, count);
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
    char want[512];
    size_t n = 0;
    *requests = *errors = 0;
    if (!put(want, sizeof want, &n, "artifact=\"", false) ||
        !put(want, sizeof want, &n, artifact, true) ||
        !put(want, sizeof want, &n, "\",status=\"", false))
        return;
    for (mc_series *s = atomic_load(&mt->head); s; s = s->next) {
        if (s->kind != MC_M_REQ || strncmp(s->labels, want, n) != 0)
            continue;
        double count = (double)series_count(s);
        *requests += count;
        if (atoi(s->labels + n) >= 500)
            *errors += count;
    }
}

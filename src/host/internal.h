/* internal.h - what the files of the host layer share: the host itself,
 * its metrics registry and its admin route table. */
#ifndef MC_HOST_INTERNAL_H
#define MC_HOST_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "host/host.h"

enum { MC_M_REQ, MC_M_FAULT, MC_M_LAT, MC_M_UP, MC_M_UPLAT, MC_M_KINDS };

typedef struct mc_series mc_series;

typedef struct mc_metrics {
    pthread_mutex_t lock;          /* only to add a new series */
    mc_series *_Atomic head;
    unsigned long reloads_ok, reloads_failed;
} mc_metrics;

typedef struct mc_admin_route {
    char *method;                  /* NULL: any */
    char *prefix;
    mc_admin_fn fn;
    void *ud;
} mc_admin_route;

struct mc_deployment {
    mc_engine *e;
    atomic_int refs;
};

struct mc_host {
    pthread_mutex_t lock;          /* guards current */
    mc_deployment *current;
    char **paths;
    size_t npaths;
    int log_level;
    bool json_log;
    mc_logger log;
    mc_metrics met;
    double started;
    void (*loaded)(void *ud, const mc_engine *e, const mc_logger *log);
    void *loaded_ud;
    unsigned (*inflight)(void *);
    void *inflight_ud;
    mc_admin_route *admin;
    size_t nadmin;
    void *manage_ctx;              /* manage_routes.c's, freed with the host */
    struct mc_scheduler *sched;    /* processors, tasks, inbound endpoints
                                      (scheduler.c), while serving */
    void (*manage_free)(void *);
};

/* Monotonic seconds: the worker's pass time inside a serving loop, else
 * the clock read now (http/clock.h). */
double mc_host_now(void);

void mc_metrics_init(mc_metrics *mt);
void mc_metrics_free(mc_metrics *mt);
/* Count one observation (value in seconds; histograms only use it). */
void mc_metrics_observe(mc_metrics *mt, int kind, const char *k1, const char *v1,
                        const char *k2, const char *v2, double value);
void mc_metrics_reload(mc_metrics *mt, bool ok);
/* Requests and answers with status >= 500 of one artifact label. */
void mc_metrics_artifact_counts(mc_metrics *mt, const char *artifact, double *requests,
                                double *errors);

bool mc_host_admin_init(mc_host *h);
void mc_host_admin_free(mc_host *h);

#endif

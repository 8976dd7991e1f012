/* scheduler.c - the host's background work: message processors (sampling,
 * scheduled forwarding, scheduled failover forwarding) and scheduled tasks
 * (MessageInjector) of the current deployment, on one event-loop thread
 * with timers and its own HTTP client.  The engine never blocks: a message
 * a processor or task injects is driven like an exchange's (its upstream
 * requests go on the loop's client and resume it from their callbacks).
 * A reload retires the old deployment's jobs (their messages in flight
 * finish) and starts the new one's; stopping cuts what is in flight.
 * Semantics follow Synapse's SamplingService, ForwardingService and
 * MessageInjector; see docs/core.md, "Message stores, processors, tasks". */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "config/stores.h"
#include "engine/engine.h"
#include "host/inbound.h"
#include "host/internal.h"
#include "host/scheduler.h"
#include "http/msgio.h"

#define MAX_WAIT_MS 200       /* a reload is noticed within this */

enum { JOB_SAMPLING, JOB_FORWARD, JOB_FAILOVER, JOB_TASK };

typedef struct job {
    struct job *next;
    mc_scheduler *s;
    mc_deployment *dep;            /* reference held while the job lives */
    int kind;
    const mc_processor_def *p;
    const mc_task_def *t;
    long long due;                 /* next run, ms on the monotonic clock */
    unsigned inflight;             /* messages of this job still running */
    int attempts;                  /* forwarding: failed tries of the head */
    long runs;                     /* task: injections made */
    _Atomic bool active;           /* processor: not deactivated */
    bool retired;                  /* its deployment was replaced */
} job;

typedef struct bg_msg {
    job *j;
    mc_message *m;
    mc_stored_msg *stored;         /* forwarding: the copy being forwarded */
    int phase;                     /* PHASE_* */
} bg_msg;

enum { PHASE_RUN, PHASE_FORWARD, PHASE_REPLY, PHASE_FAULT };

typedef struct upstream {
    bg_msg *b;
    uint32_t id;
} upstream;

struct mc_scheduler {
    mc_host *h;
    mc_http_client *client;
    int wake;                      /* eventfd */
    pthread_t thread;
    bool started;
    _Atomic bool stop;
    pthread_mutex_t lock;          /* guards the states read by the Management API */
    job *jobs;
    mc_deployment *dep;            /* the deployment the live jobs belong to */
    mc_inbound_set *inbounds;      /* its inbound endpoints */
    mc_server_options base;        /* the traffic port's options */
    long drain_ms;                 /* for inbound endpoints at stop */
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const mc_logger *logger(job *j) { return mc_engine_logger(mc_deployment_engine(j->dep)); }

static const mc_config *config_of(job *j) { return mc_engine_config(mc_deployment_engine(j->dep)); }

/* ---- driving one message ------------------------------------------------ */

static void drive(bg_msg *b, mc_code rc);
static void finished(bg_msg *b, mc_code rc);

static void on_upstream(void *ud, mc_http_response *resp)
{
    upstream *u = ud;
    bg_msg *b = u->b;
    mc_inbound *in = mc_http_inbound(b->m, resp);
    mc_http_response_free(resp);
    free(resp);
    if (!in || mc_engine_answer(b->m, u->id, in) != MC_OK) {
        drive(b, MC_ENOMEM);
        return;
    }
    drive(b, mc_engine_resume(b->m));
}

static int send_new(bg_msg *b)
{
    mc_message *m = b->m;
    int failed = 0;
    for (mc_pending *p; (p = mc_engine_next_request(m));) {
        upstream *u = mc_arena_alloc(&m->arena, sizeof *u);
        if (!u)
            return -1;
        *u = (upstream){b, p->id};
        mc_http_request req = mc_http_request_of(p->req);
        mc_err err = {0};
        if (b->j->s->stop || mc_http_submit(b->j->s->client, &req, on_upstream, u, &err) != MC_OK) {
            mc_inbound *in = mc_http_inbound_fault(m, MC_FAULT_HTTP_OTHER,
                                                   b->j->s->stop ? "stopping" : err.msg);
            if (!in || mc_engine_answer(m, p->id, in) != MC_OK)
                return -1;
            failed++;
        }
    }
    return failed;
}

static void drive(bg_msg *b, mc_code rc)
{
    while (rc == MC_ESUSPENDED) {
        int failed = send_new(b);
        if (failed < 0) {
            rc = MC_ENOMEM;
            break;
        }
        if (failed == 0)
            return;
        rc = mc_engine_resume(b->m);
    }
    finished(b, rc);
}

static bg_msg *new_bg(job *j, int phase)
{
    bg_msg *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->j = j;
    b->phase = phase;
    if (!(b->m = mc_message_new(mc_deployment_engine(j->dep)))) {
        free(b);
        return NULL;
    }
    j->inflight++;
    return b;
}

static void free_bg(bg_msg *b)
{
    b->j->inflight--;
    mc_stored_msg_free(b->stored);
    mc_message_free(b->m);
    free(b);
}

/* Run seq on b's message (fault handler: the configuration's "fault"). */
static void run_seq(bg_msg *b, const mc_seq *seq)
{
    const mc_config *cfg = config_of(b->j);
    mc_code rc = mc_engine_start(b->m, seq, NULL, cfg->fault_seq);
    drive(b, rc == MC_OK ? mc_engine_run(b->m) : rc);
}

/* Start a fresh message from the stored copy s through seq. */
static void run_stored(job *j, const mc_stored_msg *s, const mc_seq *seq, int phase)
{
    bg_msg *b = new_bg(j, phase);
    if (!b)
        return;
    mc_err err = {0};
    if (mc_stored_msg_restore(s, b->m, &err) != MC_OK) {
        mc_log(logger(j), MC_LOG_ERROR, "message processor %s: stored message %s: %s",
               j->p->name, s->id, err.msg);
        free_bg(b);
        return;
    }
    run_seq(b, seq);
}

/* ---- processors --------------------------------------------------------- */

/* When a processor runs next: its interval from now, or its cron time. */
static long long next_run(const mc_processor_def *p)
{
    if (!p->cron_expr)
        return now_ms() + p->interval_ms;
    time_t now = time(NULL);
    time_t next = mc_cron_next(p->cron_expr, now);
    return next ? now_ms() + (long long)(next - now) * 1000 : -1;
}

static bool status_forwarded(const mc_processor_def *p, int status)
{
    if (status >= 200 && status < 300)
        return true;
    for (size_t i = 0; i < p->nnon_retry; i++)
        if (p->non_retry[i] == status)
            return true;
    return false;
}

static void deactivate(job *j)
{
    pthread_mutex_lock(&j->s->lock);
    j->active = false;
    pthread_mutex_unlock(&j->s->lock);
    mc_log(logger(j), MC_LOG_WARN, "message processor %s deactivated", j->p->name);
}

/* A forwarding attempt ended: the message was delivered (reply sequence),
 * or it is retried after the retry interval, or after max.delivery.attempts
 * it is dropped (max.delivery.drop) or the processor deactivates with the
 * message left at the head of the store. */
static void forward_done(bg_msg *b, mc_code rc)
{
    job *j = b->j;
    const mc_processor_def *p = j->p;
    int status = mc_msg_status(b->m);
    if (rc != MC_EFAULT && rc != MC_ENOMEM && status_forwarded(p, status)) {
        mc_log(logger(j), MC_LOG_INFO, "message processor %s forwarded message %s (HTTP %d)",
               p->name, b->stored->id, status);
        j->attempts = 0;
        j->due = next_run(p);
        if (p->reply_seq) {
            b->phase = PHASE_REPLY;
            mc_stored_msg_free(b->stored);
            b->stored = NULL;
            run_seq(b, p->reply_seq);   /* the response goes on through it */
            return;
        }
        free_bg(b);
        return;
    }
    j->attempts++;
    mc_log(logger(j), MC_LOG_WARN,
           "message processor %s: forwarding message %s failed (%s, attempt %d)", p->name,
           b->stored->id, rc == MC_EFAULT ? "fault" : "HTTP status", j->attempts);
    mc_stored_msg *s = b->stored;
    b->stored = NULL;
    if (p->max_attempts > 0 && j->attempts >= p->max_attempts) {
        j->attempts = 0;
        if (p->drop_on_max) {
            mc_log(logger(j), MC_LOG_WARN,
                   "message processor %s failed to forward message %s %d times: dropped",
                   p->name, s->id, p->max_attempts);
            if (p->fault_seq)
                run_stored(j, s, p->fault_seq, PHASE_FAULT);
            mc_stored_msg_free(s);
            j->due = next_run(p);
        } else {
            mc_msg_store_unshift(p->store->store, s);
            if (p->fault_seq)
                run_stored(j, s, p->fault_seq, PHASE_FAULT);
            if (p->deactivate_seq)
                run_stored(j, s, p->deactivate_seq, PHASE_FAULT);
            deactivate(j);
        }
    } else {
        mc_msg_store_unshift(p->store->store, s);
        j->due = now_ms() + p->retry_interval_ms;
    }
    free_bg(b);
}

static void finished(bg_msg *b, mc_code rc)
{
    if (b->phase == PHASE_FORWARD) {
        forward_done(b, rc);
        return;
    }
    if (rc == MC_EFAULT)
        mc_log(logger(b->j), MC_LOG_WARN, "%s %s: message %s ended in a fault: %s",
               b->j->t ? "task" : "message processor", b->j->t ? b->j->t->name : b->j->p->name,
               b->m->message_id, mc_msg_prop(b->m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE"));
    free_bg(b);
}

static void run_sampling(job *j)
{
    const mc_processor_def *p = j->p;
    j->due = next_run(p);
    while (j->inflight < p->concurrency) {
        mc_stored_msg *s = mc_msg_store_take(p->store->store);
        if (!s)
            break;
        run_stored(j, s, p->sequence, PHASE_RUN);
        mc_stored_msg_free(s);
    }
}

static void run_forwarding(job *j)
{
    const mc_processor_def *p = j->p;
    if (j->inflight)
        return;                         /* one message at a time, in order */
    mc_stored_msg *s = mc_msg_store_take(p->store->store);
    if (!s) {
        j->due = next_run(p);
        return;
    }
    bg_msg *b = new_bg(j, PHASE_FORWARD);
    if (!b) {
        mc_msg_store_unshift(p->store->store, s);
        j->due = next_run(p);
        return;
    }
    b->stored = s;
    mc_err err = {0};
    if (mc_stored_msg_restore(s, b->m, &err) != MC_OK) {
        forward_done(b, MC_EFAULT);
        return;
    }
    j->due = next_run(p);
    run_seq(b, p->forward);
}

static void run_failover(job *j)
{
    const mc_processor_def *p = j->p;
    j->due = next_run(p);
    mc_stored_msg *s = mc_msg_store_take(p->store->store);
    if (!s)
        return;
    /* the target takes ownership; keep the id for the log */
    char id[48];
    snprintf(id, sizeof id, "%s", s->id);
    if (mc_msg_store_put(p->target_store->store, s) == MC_OK) {
        return;
    }
    mc_log(logger(j), MC_LOG_WARN, "message processor %s: store %s refused message %s",
           p->name, p->target_store->name, id);
    deactivate(j);                      /* the message was lost: stop here */
}

/* ---- tasks (MessageInjector) ------------------------------------------ */

static mc_code task_message(const mc_task_def *t, mc_message *m, mc_err *err)
{
    const char *f = t->format;
    if (strcmp(f, "soap11") && strcmp(f, "soap12") && strcmp(f, "pox") && strcmp(f, "get") &&
        strcmp(f, "json")) {
        mc_err_set(err, MC_EINVAL, "incorrect format specified");
        return MC_EINVAL;
    }
    const char *ct = strcmp(f, "json") == 0     ? "application/json"
                     : strcmp(f, "soap11") == 0 ? "text/xml"
                     : strcmp(f, "soap12") == 0 ? "application/soap+xml"
                                                : "application/xml";
    mc_code rc;
    if (strcmp(f, "soap11") == 0 || strcmp(f, "soap12") == 0) {
        char *env = NULL;
        int n = asprintf(&env, "<soapenv:Envelope xmlns:soapenv=\"%s\"><soapenv:Body>%s"
                               "</soapenv:Body></soapenv:Envelope>",
                         strcmp(f, "soap11") == 0 ? MC_SOAP11_NS : MC_SOAP12_NS, t->message);
        if (n < 0)
            return MC_ENOMEM;
        rc = mc_msg_set_payload(m, env, (size_t)n, ct, err);
        free(env);
    } else {
        rc = mc_msg_set_payload(m, t->message, strlen(t->message), ct, err);
    }
    if (rc != MC_OK)
        return rc;
    if (strcmp(f, "get") == 0)
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "HTTP_METHOD", "GET");
    if (t->soap_action)
        mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "SOAPAction", t->soap_action);
    if (t->to)
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "To", t->to);
    return MC_OK;
}

/* The next firing of a cron task on the monotonic clock (-1: never). */
static long long cron_due(const mc_task_def *t)
{
    time_t now = time(NULL);
    time_t next = mc_cron_next(t->cron_expr, now);
    return next ? now_ms() + (long long)(next - now) * 1000 : -1;
}

static void run_task(job *j)
{
    const mc_task_def *t = j->t;
    const mc_config *cfg = config_of(j);
    j->runs++;
    if (t->cron_expr)
        j->due = cron_due(t);
    else
        j->due = (t->count > 0 && j->runs >= t->count) ? -1 : now_ms() + t->interval_ms;
    if (j->due < 0)
        mc_log(logger(j), MC_LOG_INFO, "task %s finished its %ld runs", t->name, t->count);
    bg_msg *b = new_bg(j, PHASE_RUN);
    if (!b)
        return;
    mc_err err = {0};
    if (task_message(t, b->m, &err) != MC_OK) {
        mc_log(logger(j), MC_LOG_ERROR, "task %s: the message cannot be injected as %s: %s",
               t->name, t->format, err.msg);
        free_bg(b);
        return;
    }
    mc_log(logger(j), MC_LOG_DEBUG, "task %s injects message %s (%ld)", t->name,
           b->m->message_id, j->runs);
    if (strcmp(t->inject_to, "proxy") == 0) {
        const mc_proxy *px = t->proxy_name ? mc_config_proxy(cfg, t->proxy_name) : NULL;
        if (!px || !px->in) {
            mc_log(logger(j), MC_LOG_ERROR, "task %s: no proxy named %s", t->name,
                   t->proxy_name);
            free_bg(b);
            return;
        }
        b->m->proxy = px;
        mc_code rc = mc_engine_start(b->m, px->in, px->out, px->fault ? px->fault : cfg->fault_seq);
        drive(b, rc == MC_OK ? mc_engine_run(b->m) : rc);
        return;
    }
    const mc_seq *seq = strcmp(t->inject_to, "main") == 0 ? cfg->main_seq : t->sequence;
    if (!seq) {
        mc_log(logger(j), MC_LOG_ERROR, "task %s: no sequence named %s", t->name,
               strcmp(t->inject_to, "main") == 0 ? "main"
               : t->sequence_name                ? t->sequence_name
                                                 : "(none: sequenceName is missing)");
        free_bg(b);
        return;
    }
    run_seq(b, seq);
}

/* ---- jobs of a deployment ----------------------------------------------- */

static void add_job(mc_scheduler *s, mc_deployment *dep, int kind, const mc_processor_def *p,
                    const mc_task_def *t, long long due)
{
    job *j = calloc(1, sizeof *j);
    if (!j)
        return;
    j->s = s;
    j->dep = dep;
    atomic_fetch_add(&dep->refs, 1);
    j->kind = kind;
    j->p = p;
    j->t = t;
    j->due = due;
    j->active = p ? p->active : true;
    pthread_mutex_lock(&s->lock);
    j->next = s->jobs;
    s->jobs = j;
    pthread_mutex_unlock(&s->lock);
}

static void start_jobs(mc_scheduler *s, mc_deployment *dep)
{
    const mc_config *cfg = mc_engine_config(mc_deployment_engine(dep));
    long long now = now_ms();
    for (size_t i = 0; i < cfg->processors.n; i++) {
        const mc_processor_def *p = cfg->processors.items[i].item;
        if (!p->store || !p->store->store ||
            (p->kind == MC_PROC_FAILOVER && (!p->target_store || !p->target_store->store)) ||
            (p->kind == MC_PROC_SAMPLING && !p->sequence)) {
            mc_log(&s->h->log, MC_LOG_ERROR,
                   "message processor %s not started: its message store%s or sequence is not "
                   "defined", p->name, p->kind == MC_PROC_FAILOVER ? ", target store" : "");
            continue;
        }
        int kind = p->kind == MC_PROC_SAMPLING   ? JOB_SAMPLING
                   : p->kind == MC_PROC_FAILOVER ? JOB_FAILOVER
                                                 : JOB_FORWARD;
        add_job(s, dep, kind, p, NULL, p->cron_expr ? next_run(p) : now + p->interval_ms);
    }
    for (size_t i = 0; i < cfg->tasks.n; i++) {
        const mc_task_def *t = cfg->tasks.items[i].item;
        add_job(s, dep, JOB_TASK, NULL, t, t->cron_expr ? cron_due(t) : now);
    }
}

static void retire_jobs(mc_scheduler *s)
{
    pthread_mutex_lock(&s->lock);
    for (job *j = s->jobs; j; j = j->next)
        j->retired = true;
    pthread_mutex_unlock(&s->lock);
}

/* Free retired jobs whose messages have all finished. */
static void reap_jobs(mc_scheduler *s)
{
    pthread_mutex_lock(&s->lock);
    for (job **pp = &s->jobs; *pp;) {
        job *j = *pp;
        if (j->retired && !j->inflight) {
            *pp = j->next;
            mc_deployment_release(j->dep);
            free(j);
        } else {
            pp = &j->next;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

/* Run what is due; the time until the next job is due (ms, capped). */
static long run_due(mc_scheduler *s)
{
    long long now = now_ms(), next = now + MAX_WAIT_MS;
    for (job *j = s->jobs; j; j = j->next) {
        if (j->retired || !j->active || j->due < 0)
            continue;
        if (j->due <= now) {
            switch (j->kind) {
            case JOB_SAMPLING: run_sampling(j); break;
            case JOB_FORWARD: run_forwarding(j); break;
            case JOB_FAILOVER: run_failover(j); break;
            default: run_task(j); break;
            }
        }
        if (!j->retired && j->active && j->due >= 0 && j->due < next)
            next = j->due;
        now = now_ms();
    }
    long wait = (long)(next - now);
    return wait < 0 ? 0 : wait;
}

static void check_deployment(mc_scheduler *s)
{
    mc_deployment *d = mc_host_acquire(s->h);
    if (d == s->dep) {
        mc_deployment_release(d);
        return;
    }
    retire_jobs(s);
    /* the new endpoints listen before the old ones stop (SO_REUSEPORT):
     * on a reload they join the ports the old ones still hold */
    mc_inbound_set *old = s->inbounds;
    mc_server_options base = s->base;
    base.join_port = old != NULL;
    mc_inbound_set *fresh = mc_inbounds_start(s->h, d, &base);
    pthread_mutex_lock(&s->lock);
    s->inbounds = fresh;
    pthread_mutex_unlock(&s->lock);
    mc_inbounds_stop(old, s->drain_ms);
    if (s->dep)
        mc_deployment_release(s->dep);
    s->dep = d;                          /* keeps the reference */
    start_jobs(s, d);
}

static void *loop(void *arg)
{
    mc_scheduler *s = arg;
    while (!s->stop) {
        check_deployment(s);
        long wait = run_due(s);
        reap_jobs(s);
        mc_http_waitfd w = {s->wake, POLLIN, 0};
        mc_http_wait(s->client, &w, 1, (int)wait);
        if (w.revents & POLLIN) {
            uint64_t v;
            if (read(s->wake, &v, sizeof v) < 0 && errno != EAGAIN)
                break;
        }
        mc_http_run(s->client, 0);
    }
    return NULL;
}

/* ---- start / stop / state ----------------------------------------------- */

mc_scheduler *mc_scheduler_start(mc_host *h, const mc_server_options *base,
                                 const mc_http_options *client, mc_err *err)
{
    mc_scheduler *s = calloc(1, sizeof *s);
    if (!s) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    s->h = h;
    s->base = *base;
    s->base.client = NULL;
    s->drain_ms = 2000;
    pthread_mutex_init(&s->lock, NULL);
    s->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s->client = mc_http_client_new(client);
    if (s->wake < 0 || !s->client) {
        mc_err_set(err, MC_ENOMEM, "cannot start the scheduler: %s", strerror(errno));
        mc_scheduler_stop(s, 0);
        return NULL;
    }
    if (pthread_create(&s->thread, NULL, loop, s) != 0) {
        mc_err_set(err, MC_ENOMEM, "cannot start the scheduler thread");
        mc_scheduler_stop(s, 0);
        return NULL;
    }
    s->started = true;
    h->sched = s;
    return s;
}

void mc_scheduler_stop(mc_scheduler *s, long drain_ms)
{
    if (!s)
        return;
    s->drain_ms = drain_ms;
    if (s->started) {
        s->stop = true;
        uint64_t one = 1;
        if (write(s->wake, &one, sizeof one) < 0) {
            /* the loop notices stop within MAX_WAIT_MS anyway */
        }
        pthread_join(s->thread, NULL);
        s->h->sched = NULL;
    }
    mc_inbounds_stop(s->inbounds, s->drain_ms);
    s->inbounds = NULL;
    /* cut what is in flight: the client's callbacks fire with a fault and
     * the messages end (nothing new is sent once stop is set) */
    retire_jobs(s);
    if (s->client)
        mc_http_client_free(s->client);
    s->client = NULL;
    reap_jobs(s);
    if (s->dep)
        mc_deployment_release(s->dep);
    if (s->wake >= 0)
        close(s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

bool mc_scheduler_processor_state(mc_scheduler *s, const char *name, bool *active)
{
    bool found = false;
    pthread_mutex_lock(&s->lock);
    for (job *j = s->jobs; j; j = j->next)
        if (!j->retired && j->p && strcmp(j->p->name, name) == 0) {
            *active = j->active;
            found = true;
        }
    pthread_mutex_unlock(&s->lock);
    return found;
}

bool mc_scheduler_set_processor(mc_scheduler *s, const char *name, bool active)
{
    bool found = false;
    pthread_mutex_lock(&s->lock);
    for (job *j = s->jobs; j; j = j->next)
        if (!j->retired && j->p && strcmp(j->p->name, name) == 0) {
            j->active = active;
            j->attempts = 0;
            found = true;
        }
    pthread_mutex_unlock(&s->lock);
    if (found) {
        uint64_t one = 1;
        if (write(s->wake, &one, sizeof one) < 0) {
            /* noticed within MAX_WAIT_MS */
        }
    }
    return found;
}

int mc_scheduler_inbound_port(mc_scheduler *s, const char *name)
{
    pthread_mutex_lock(&s->lock);
    int port = mc_inbounds_port(s->inbounds, name);
    pthread_mutex_unlock(&s->lock);
    return port;
}

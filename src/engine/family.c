/* family.c - child messages: the engine's side of the split mediators
 * (iterate, clone, foreach, scatter-gather) and of <aggregate>.
 *
 * The top message (the one the host runs) owns a family: a record for
 * itself and for every child, a queue of records ready to run, the splits
 * and the aggregations ("gathers").  A child is a whole message (own
 * arena, own frames); it runs until it ends or waits: its requests are
 * then mirrored into the top message's pending list, waited for by its
 * record, and the answers the host hands to the top message are passed
 * back to the child, which resumes.  No thread per child: everything runs
 * on the thread that drives the top message, one step at a time, in the
 * order things become ready.  Bounded: at most MC_FAMILY_LIMIT children
 * per top message (each split mediator has a lower limit of its own). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/internal.h"

#define MC_FAMILY_LIMIT 10000

enum cstate { C_READY, C_QUEUED, C_WAITING, C_PARKED, C_DONE };
enum caction { A_START, A_RESUME, A_UNPARK };

static const char child_magic[] = "mc_child";

typedef struct io_map {
    uint32_t top_id, own_id;
    bool capped;                  /* its timeout was cut at the split's deadline */
} io_map;

struct split;
struct gather;

typedef struct mc_child {
    const char *magic;            /* child_magic: a pending waiter that is a child */
    mc_message *msg;
    struct split *split;          /* NULL: the top message, an aggregation's result */
    uint32_t index;
    uint8_t state, action;
    bool resumed;                 /* waited for I/O since it was split */
    bool gather_end;              /* ended at the end of its MC_FRAME_GATHER target */
    io_map *io;
    size_t nio, capio;
} mc_child;

typedef struct split {
    const mc_mediator *med;
    mc_message *origin;
    mc_split_kind kind;
    bool sequential;
    size_t n, next;               /* next: the first child not started */
    mc_child **kids;
    long long deadline;           /* 0: none */
    bool (*condition)(const void *med, mc_message *child);
    struct gather *gather;        /* GATHER */
} split;

typedef struct gather {
    const void *owner;            /* the aggregate mediator, or the split */
    char *key;
    mc_message **msgs;
    uint32_t *idx;
    size_t n, cap;
    int total, min, max;
    long long deadline;
    const void *on_error;         /* handler for onComplete after a timeout */
    bool completed;
    split *sp;                    /* a GATHER split's own gathering */
    mc_message *(*complete)(const void *med, mc_message **msgs, size_t n, mc_message *trigger,
                            const mc_seq **then);
} gather;

typedef struct mc_family {
    mc_message *top;
    mc_child **kids;              /* every record, kids[0] the top's */
    size_t n, cap;
    mc_child **ready;             /* a ring of records to run */
    size_t rhead, rn, rcap;
    split **splits;
    size_t nsplits, capsplits;
    gather **gathers;
    size_t ngathers, capgathers;
    size_t created;               /* children made, for the limit */
    mc_message *answerer;         /* the first message that answered */
    int decision;                 /* 0, DECIDED_ANSWER, DECIDED_FAULT */
} mc_family;

enum { DECIDED_ANSWER = 1, DECIDED_FAULT = 2 };

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 8;
    void *p = realloc(*items, c * size);
    if (!p)
        return false;
    *items = p;
    *cap = c;
    return true;
}

static mc_message *top_of(mc_message *m) { return m->top ? m->top : m; }

/* ---- the family's lifetime ----------------------------------------------- */

void mc_family_free(mc_message *top)
{
    mc_family *f = top->family;
    if (!f)
        return;
    top->family = NULL;
    for (size_t i = 0; i < f->n; i++) {
        mc_child *c = f->kids[i];
        if (c->msg != top)
            mc_msg_free(c->msg);
        free(c->io);
        free(c);
    }
    for (size_t i = 0; i < f->nsplits; i++) {
        free(f->splits[i]->kids);
        free(f->splits[i]);
    }
    for (size_t i = 0; i < f->ngathers; i++) {
        free(f->gathers[i]->msgs);
        free(f->gathers[i]->idx);
        free(f->gathers[i]->key);
        free(f->gathers[i]);
    }
    free(f->kids);
    free(f->ready);
    free(f->splits);
    free(f->gathers);
    free(f);
    top->child = NULL;
}

static void free_hook(void *ud) { mc_family_free(ud); }

static mc_child *add_record(mc_family *f, mc_message *m)
{
    mc_child *c = calloc(1, sizeof *c);
    if (!c || !grow((void **)&f->kids, &f->cap, f->n, sizeof *f->kids)) {
        free(c);
        return NULL;
    }
    c->magic = child_magic;
    c->msg = m;
    c->state = C_DONE;
    m->child = c;
    f->kids[f->n++] = c;
    return c;
}

static mc_family *family_of(mc_message *m)
{
    mc_message *top = top_of(m);
    if (top->family)
        return top->family;
    mc_family *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->top = top;
    top->family = f;
    if (!add_record(f, top) || mc_msg_on_free(top, free_hook, top) != MC_OK) {
        mc_family_free(top);
        return NULL;
    }
    top->child->state = C_READY;      /* it is running now */
    return f;
}

static bool enqueue(mc_family *f, mc_child *c, enum caction a)
{
    if (f->rn == f->rcap) {
        size_t cap = f->rcap ? f->rcap * 2 : 16;
        mc_child **r = malloc(cap * sizeof *r);
        if (!r)
            return false;
        for (size_t i = 0; i < f->rn; i++)
            r[i] = f->ready[(f->rhead + i) % f->rcap];
        free(f->ready);
        f->ready = r;
        f->rhead = 0;
        f->rcap = cap;
    }
    f->ready[(f->rhead + f->rn++) % f->rcap] = c;
    c->state = C_READY;
    c->action = (uint8_t)a;
    return true;
}

static mc_child *dequeue(mc_family *f)
{
    if (!f->rn)
        return NULL;
    mc_child *c = f->ready[f->rhead];
    f->rhead = (f->rhead + 1) % f->rcap;
    f->rn--;
    return c;
}

/* ---- frames for a child --------------------------------------------------- */

static mc_code copy_frames(mc_message *dst, const mc_message *src)
{
    for (uint32_t i = 0; i < src->nframes; i++) {
        const mc_frame *s = &src->frames[i];
        mc_code rc = mc_msg_push_frame(dst, s->seq, s->on_error, s->flags);
        if (rc != MC_OK)
            return rc;
        dst->frames[dst->nframes - 1].pc = s->pc;
        dst->frames[dst->nframes - 1].saved_func = s->saved_func;
    }
    return MC_OK;
}

/* The handler the innermost frame of m would fault to. */
static const void *innermost_handler(const mc_message *m)
{
    for (uint32_t k = m->nframes; k-- > 0;)
        if (m->frames[k].on_error)
            return m->frames[k].on_error;
    return NULL;
}

/* ---- gathering -------------------------------------------------------------- */

static gather *new_gather(mc_family *f, const void *owner, const char *key)
{
    gather *g = calloc(1, sizeof *g);
    if (!g || !grow((void **)&f->gathers, &f->capgathers, f->ngathers, sizeof *f->gathers) ||
        (key && !(g->key = strdup(key)))) {
        free(g);
        return NULL;
    }
    g->owner = owner;
    g->total = g->min = g->max = -1;
    f->gathers[f->ngathers++] = g;
    return g;
}

static bool gather_add(gather *g, mc_message *m, uint32_t index)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 8;
        mc_message **msgs = realloc(g->msgs, cap * sizeof *msgs);
        if (!msgs)
            return false;
        g->msgs = msgs;
        uint32_t *idx = realloc(g->idx, cap * sizeof *idx);
        if (!idx)
            return false;
        g->idx = idx;
        g->cap = cap;
    }
    g->msgs[g->n] = m;
    g->idx[g->n++] = index;
    return true;
}

/* Synapse's Aggregate.isComplete: every message of the split, or the
 * minimum, or the maximum. */
static bool gather_full(const gather *g)
{
    int n = (int)g->n;
    return (g->total > 0 && n >= g->total) || (g->min > 0 && n >= g->min) ||
           (g->max > 0 && n >= g->max);
}

static mc_child *start_result(mc_family *f, mc_message *a, mc_message *trigger, const mc_seq *then,
                              const void *on_error)
{
    mc_child *c = add_record(f, a);
    if (!c)
        return NULL;
    a->top = f->top;
    if ((trigger && copy_frames(a, trigger) != MC_OK) ||
        (then && mc_msg_push_frame(a, then, trigger ? NULL : on_error, 0) != MC_OK))
        return NULL;
    return enqueue(f, c, A_START) ? c : NULL;
}

/* The gathering is complete: hand the collected messages on. */
static mc_code complete(mc_family *f, gather *g, mc_message *trigger)
{
    g->completed = true;
    if (g->sp) {                  /* foreach, scatter-gather: the origin goes on */
        mc_message *o = g->sp->origin;
        o->gathered = g->msgs;
        o->gathered_index = g->idx;
        o->ngathered = g->n;
        return enqueue(f, o->child, A_UNPARK) ? MC_OK : MC_ENOMEM;
    }
    if (g->n == 0) {
        mc_msg_log(f->top, MC_LOG_WARN, "An aggregation of messages timed out with no aggregated "
                   "messages");
        return MC_OK;
    }
    const mc_seq *then = NULL;
    mc_message *a = g->complete(g->owner, g->msgs, g->n, trigger, &then);
    if (!a)
        return trigger ? MC_EFAULT : MC_OK;
    if (!start_result(f, a, trigger, then, g->on_error)) {
        if (!a->child)
            mc_msg_free(a);
        return MC_ENOMEM;
    }
    return MC_OK;
}

mc_code mc_family_gather(mc_message *m, const mc_mediator *med)
{
    mc_gather_req *req = m->gather_req;
    m->gather_req = NULL;
    mc_family *f = req ? family_of(m) : NULL;
    if (!f) {
        mc_msg_set_fault(m, "0", "out of memory", NULL);
        return MC_EFAULT;
    }
    gather *g = NULL;
    for (size_t i = 0; i < f->ngathers && !g; i++)
        if (f->gathers[i]->owner == med && f->gathers[i]->key &&
            strcmp(f->gathers[i]->key, req->key) == 0)
            g = f->gathers[i];
    if (!g) {
        if (!(g = new_gather(f, med, req->key))) {
            mc_msg_set_fault(m, "0", "out of memory", NULL);
            return MC_EFAULT;
        }
        g->total = req->total;
        g->min = req->min;
        g->max = req->max;
        g->complete = req->complete;
        g->on_error = innermost_handler(m);
        long long split_deadline = m->child && m->child->split ? m->child->split->deadline : 0;
        g->deadline = req->timeout_ms > 0 ? now_ms() + req->timeout_ms : 0;
        if (split_deadline && (!g->deadline || split_deadline < g->deadline))
            g->deadline = split_deadline;
    }
    if (g->completed) {
        mc_msg_log(m, MC_LOG_DEBUG, "aggregate: the aggregation %s is complete; message dropped",
                   req->key);
        return MC_FLOW_DONE_CODE;
    }
    if (g->max > 0 && (int)g->n >= g->max)
        return MC_FLOW_DONE_CODE;
    if (!gather_add(g, m, m->child ? m->child->index : 0)) {
        mc_msg_set_fault(m, "0", "out of memory", NULL);
        return MC_EFAULT;
    }
    if (gather_full(g)) {
        mc_code rc = complete(f, g, m);
        if (rc != MC_OK)
            return rc == MC_EFAULT ? MC_EFAULT : (mc_msg_set_fault(m, "0", "out of memory", NULL),
                                                   MC_EFAULT);
    }
    return MC_FLOW_DONE_CODE;
}

/* ---- splitting ---------------------------------------------------------------- */

static void free_children(mc_split_req *req)
{
    for (size_t i = 0; i < req->n; i++)
        mc_msg_free(req->children[i]);
    req->n = 0;
}

mc_code mc_family_split(mc_message *m, const mc_mediator *med)
{
    mc_split_req *req = m->split_req;
    m->split_req = NULL;
    mc_family *f = req ? family_of(m) : NULL;
    split *sp = f ? calloc(1, sizeof *sp) : NULL;
    if (sp && (!grow((void **)&f->splits, &f->capsplits, f->nsplits, sizeof *f->splits) ||
               !(sp->kids = calloc(req->n ? req->n : 1, sizeof *sp->kids)))) {
        free(sp);
        sp = NULL;
    }
    if (!sp) {
        if (req)
            free_children(req);
        mc_msg_set_fault(m, "0", "out of memory", NULL);
        return MC_EFAULT;
    }
    f->splits[f->nsplits++] = sp;
    if (f->created + req->n > MC_FAMILY_LIMIT) {
        free_children(req);
        mc_msg_set_fault(m, "0", "a message may have at most 10000 child messages in all", NULL);
        return MC_EFAULT;
    }
    f->created += req->n;
    *sp = (split){med, m, req->kind, req->sequential, req->n, 0, sp->kids,
                  req->timeout_ms > 0 ? now_ms() + req->timeout_ms : 0, req->condition, NULL};
    if (req->kind == MC_SPLIT_GATHER) {
        if (!(sp->gather = new_gather(f, sp, NULL))) {
            free_children(req);
            mc_msg_set_fault(m, "0", "out of memory", NULL);
            return MC_EFAULT;
        }
        sp->gather->sp = sp;
        sp->gather->total = (int)req->n;
        sp->gather->min = req->min;
        sp->gather->max = req->max;
        sp->gather->deadline = sp->deadline;
    }
    const void *handler = innermost_handler(m);
    bool oom = false;
    for (size_t i = 0; i < req->n; i++) {
        mc_message *cm = req->children[i];
        mc_child *c = oom ? NULL : add_record(f, cm);
        if (!c) {
            mc_msg_free(cm);          /* not in the family: free it here */
            oom = true;
            continue;
        }
        cm->top = f->top;
        c->split = sp;
        c->index = (uint32_t)i;
        sp->kids[i] = c;
        mc_code rc = MC_OK;
        if (req->kind == MC_SPLIT_CONTINUE) {
            rc = copy_frames(cm, m);
            if (rc == MC_OK)
                rc = mc_msg_push_frame(cm, req->targets[i], NULL, MC_FRAME_SPLIT_TARGET);
        } else {
            rc = mc_msg_push_frame(cm, req->targets[i], handler,
                                   req->kind == MC_SPLIT_GATHER ? MC_FRAME_GATHER : 0);
        }
        c->state = C_QUEUED;
        oom |= rc != MC_OK;
    }
    req->n = 0;
    if (oom) {
        mc_msg_set_fault(m, "0", "out of memory", NULL);
        return MC_EFAULT;
    }
    for (size_t i = 0; i < sp->n && (!sp->sequential || i == 0); i++) {
        if (!enqueue(f, sp->kids[i], A_START)) {
            mc_msg_set_fault(m, "0", "out of memory", NULL);
            return MC_EFAULT;
        }
        sp->next = i + 1;
    }
    if (req->kind == MC_SPLIT_GATHER) {
        if (sp->n == 0) {             /* nothing to wait for */
            sp->gather->completed = true;
            m->gathered = NULL;
            m->ngathered = 0;
            return MC_OK;
        }
        m->suspended_at = med;       /* parked until the gathering completes */
        return MC_ESUSPENDED;
    }
    return req->kind == MC_SPLIT_CONTINUE && !req->continue_parent ? MC_FLOW_DONE_CODE : MC_OK;
}

/* ---- running ----------------------------------------------------------------- */

bool mc_family_child_resumed(const mc_message *m) { return m->child && m->child->resumed; }

void mc_family_child_ended(mc_message *m, uint32_t flags)
{
    if (m->child && (flags & MC_FRAME_GATHER))
        m->child->gather_end = true;
}

/* Pass a waiting child's new requests to the top message, its record the
 * waiter; a split's deadline cuts their timeouts. */
static bool mirror(mc_family *f, mc_child *c)
{
    mc_message *m = c->msg;
    long long deadline = c->split ? c->split->deadline : 0;
    for (mc_pending *p; (p = mc_engine_next_request(m));) {
        bool capped = false;
        if (deadline) {
            long long left = deadline - now_ms();
            if (left < 1)
                left = 1;
            if (p->req->timeout_ms <= 0 || p->req->timeout_ms > left) {
                p->req->timeout_ms = left;
                capped = true;
            }
        }
        mc_pending *tp = mc_engine_add_pending(f->top, p->req, c);
        if (!tp || !grow((void **)&c->io, &c->capio, c->nio, sizeof *c->io))
            return false;
        c->io[c->nio++] = (io_map){tp->id, p->id, capped};
    }
    return true;
}

static void split_child_done(mc_family *f, mc_child *c)
{
    split *sp = c->split;
    mc_message *m = c->msg;
    if (sp->gather && c->gather_end && !m->responded && !m->dropped && !m->faulted &&
        !sp->gather->completed && (!sp->condition || sp->condition(sp->med, m))) {
        if (sp->gather->max <= 0 || (int)sp->gather->n < sp->gather->max)
            gather_add(sp->gather, m, c->index);
        if (gather_full(sp->gather))
            complete(f, sp->gather, m);
    }
    if (sp->sequential && sp->next < sp->n)
        enqueue(f, sp->kids[sp->next++], A_START);
}

static void note_result(mc_family *f, mc_child *c, mc_code rc)
{
    mc_message *m = c->msg;
    if (rc == MC_ESUSPENDED) {
        if (m->npending > 0) {
            c->state = C_WAITING;
            if (m != f->top && !mirror(f, c)) {
                mc_msg_log(m, MC_LOG_ERROR, "out of memory passing on a child's requests");
                c->state = C_DONE;
            }
        } else {
            c->state = C_PARKED;
        }
        return;
    }
    c->state = C_DONE;
    if (m->responded && !f->decision) {
        f->decision = DECIDED_ANSWER;
        f->answerer = m;
    } else if (rc == MC_EFAULT && m == f->top && !f->decision) {
        f->decision = DECIDED_FAULT;
    } else if (rc == MC_EFAULT) {
        mc_msg_log(m, MC_LOG_WARN, "a child message ended in a fault nothing handled: %s",
                   mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE") ?
                   mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE") : "fault");
    }
    if (c->split)
        split_child_done(f, c);
}

static void step(mc_family *f, mc_child *c)
{
    mc_message *m = c->msg;
    mc_code rc;
    switch (c->action) {
    case A_RESUME:
        c->resumed = true;
        rc = mc_engine_resume_frames(m);
        break;
    case A_UNPARK:
        rc = mc_engine_unpark(m);
        m->gathered = NULL;
        m->gathered_index = NULL;
        m->ngathered = 0;
        break;
    default:
        rc = mc_engine_run_frames(m);
        break;
    }
    note_result(f, c, rc);
}

static bool is_child(const void *waiter)
{
    return waiter && *(const char *const *)waiter == child_magic;
}

static int by_answer_order(const void *a, const void *b)
{
    uint32_t x = (*(mc_pending *const *)a)->answered, y = (*(mc_pending *const *)b)->answered;
    return (x > y) - (x < y);
}

/* Hand the top message's answered requests to the children that wait for
 * them, in the order the host answered them; queue whoever can go on. */
static void deliver(mc_family *f)
{
    mc_message *top = f->top;
    long long now = now_ms();
    size_t n = 0;
    for (uint32_t i = 0; i < top->npending; i++)
        n += top->pending[i]->answer && is_child(top->pending[i]->waiter);
    mc_pending **due = n ? malloc(n * sizeof *due) : NULL;
    if (n && !due)
        return;                           /* next resume tries again */
    uint32_t k = 0;
    size_t d = 0;
    for (uint32_t i = 0; i < top->npending; i++) {
        mc_pending *p = top->pending[i];
        if (p->answer && is_child(p->waiter))
            due[d++] = p;
        else
            top->pending[k++] = p;
    }
    top->npending = k;
    if (n > 1)
        qsort(due, n, sizeof *due, by_answer_order);
    for (size_t i = 0; i < n; i++) {
        mc_pending *p = due[i];
        mc_child *c = (mc_child *)p->waiter;
        bool cut = false;
        for (size_t j = 0; j < c->nio; j++)
            if (c->io[j].top_id == p->id) {
                mc_engine_answer(c->msg, c->io[j].own_id, p->answer);
                cut = c->io[j].capped && p->answer->fault_code == 101504 && c->split &&
                      now >= c->split->deadline;
                c->io[j] = c->io[--c->nio];
                break;
            }
        if (c->state != C_WAITING || mc_engine_outstanding(c->msg))
            continue;
        if (cut) {            /* cut at the aggregation's timeout: it is gone */
            mc_msg_log(c->msg, MC_LOG_DEBUG, "child message dropped: its request was cut at the "
                       "aggregation's completion timeout");
            c->state = C_DONE;
            if (c->split)
                split_child_done(f, c);
        } else {
            enqueue(f, c, A_RESUME);
        }
    }
    free(due);
    mc_child *tc = top->child;
    if (tc->state == C_WAITING && top->suspended_at &&
        mc_engine_waiter_ready(top, top->suspended_at))
        enqueue(f, tc, A_RESUME);
}

static bool anyone(const mc_family *f, enum cstate st)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->kids[i]->state == st)
            return true;
    return false;
}

/* Run what is ready; complete aggregations whose time is up, and, when
 * nothing can arrive any more, every open one (Synapse would wait for its
 * timeout, or forever). */
static mc_code settle(mc_family *f)
{
    mc_message *top = f->top;
    for (int rounds = 0; rounds < 1000000; rounds++) {
        for (mc_child *c; (c = dequeue(f));)
            step(f, c);
        long long now = now_ms();
        bool progress = false;
        for (size_t i = 0; i < f->ngathers; i++) {
            gather *g = f->gathers[i];
            if (!g->completed && g->deadline && now >= g->deadline) {
                mc_msg_log(top, MC_LOG_WARN, "%s timeout occurred.",
                           g->sp ? "Scatter Gather mediator" : "Aggregate mediator");
                complete(f, g, NULL);
                progress = true;
            }
        }
        if (f->rn || progress)
            continue;
        if (anyone(f, C_WAITING) || anyone(f, C_QUEUED))
            break;
        /* nothing can arrive: complete the first open aggregation */
        for (size_t i = 0; i < f->ngathers && !progress; i++)
            if (!f->gathers[i]->completed) {
                complete(f, f->gathers[i], NULL);
                progress = true;
            }
        if (!progress)
            break;
    }
    if (anyone(f, C_WAITING) || anyone(f, C_READY) || anyone(f, C_QUEUED))
        return MC_ESUSPENDED;
    for (size_t i = 0; i < f->n; i++)      /* parked on nothing: cannot go on */
        if (f->kids[i]->state == C_PARKED) {
            f->kids[i]->state = C_DONE;
            mc_msg_log(f->kids[i]->msg, MC_LOG_ERROR, "a message waited for child messages "
                       "that cannot arrive");
        }
    /* everything has ended: the top message holds the answer */
    if (f->decision == DECIDED_ANSWER && f->answerer != top) {
        mc_msg_adopt_answer(top, f->answerer);
        f->answerer = top;
    }
    if (f->decision == DECIDED_ANSWER) {
        top->faulted = false;
        return MC_OK;
    }
    return top->faulted ? MC_EFAULT : MC_OK;
}

mc_code mc_family_after_run(mc_message *top, mc_code rc)
{
    mc_family *f = top->family;
    note_result(f, top->child, rc);
    return settle(f);
}

mc_code mc_family_resume(mc_message *top)
{
    mc_family *f = top->family;
    deliver(f);
    return settle(f);
}

bool mc_engine_decided(const mc_message *m, mc_code *rc)
{
    const mc_family *f = m->family;
    if (!f || !f->decision)
        return false;
    *rc = f->decision == DECIDED_ANSWER ? MC_OK : MC_EFAULT;
    return true;
}

mc_message *mc_engine_answerer(mc_message *m)
{
    const mc_family *f = m->family;
    return f && f->answerer ? f->answerer : m;
}

long long mc_engine_deadline(const mc_message *m)
{
    const mc_family *f = m->family;
    long long d = 0;
    for (size_t i = 0; f && i < f->ngathers; i++) {
        const gather *g = f->gathers[i];
        if (!g->completed && g->deadline && (!d || g->deadline < d))
            d = g->deadline;
    }
    return d;
}

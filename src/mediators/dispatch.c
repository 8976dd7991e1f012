/* dispatch.c - choosing the leaf endpoint a message goes to and keeping
 * endpoint state, after Synapse's EndpointContext, AddressEndpoint,
 * FailoverEndpoint, LoadbalanceEndpoint and its RoundRobin and
 * WeightedRoundRobin algorithms (see dispatch.h).
 *
 * One deliberate bound beyond Synapse: a leaf that fails with an error
 * that neither suspends it nor times it out stays active, and Synapse's
 * failover would pick it again at once, for ever; here it is not tried
 * again for the same message, and no message tries more than
 * MC_EP_MAX_TRIES leaves. */
#include "mediators/dispatch.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mediators/mediators.h"

#define ANONYMOUS "AnonymousEndpoint"

int64_t mc_ep_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_leaf(const mc_endpoint *ep)
{
    return ep->kind <= MC_EP_WSDL;
}

static bool has_code(const mc_ep_codes *c, int code)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (c->v[i] == code)
            return true;
    return false;
}

const mc_endpoint *mc_ep_resolve(mc_message *m, const mc_endpoint *ep)
{
    for (int hops = 0; ep && hops < 16; hops++) {
        if (ep->kind == MC_EP_INDIRECT) {
            if (!ep->target) {
                /* a key that named nothing at load: Synapse's fault */
                mc_fault(m, "305100", "Couldn't find the endpoint with the key : %s",
                         ep->key ? ep->key : "?");
                return NULL;
            }
            ep = ep->target;
        } else if (ep->kind == MC_EP_DYNAMIC) {
            const char *key;
            size_t n;
            mc_err err;
            mc_err_clear(&err);
            if (mc_expr_string(ep->key_expr, m, &key, &n, &err) != MC_OK) {
                mc_fault(m, "305100", "endpoint key-expression: %s", err.msg);
                return NULL;
            }
            const mc_endpoint *t = m->cfg ? mc_config_endpoint(m->cfg, key) : NULL;
            if (!t) {
                mc_fault(m, "305100", "endpoint '%s' (from key-expression) is not defined", key);
                return NULL;
            }
            ep = t;
        } else {
            return ep;
        }
    }
    mc_fault(m, "305100", "endpoint references loop (more than 16 hops)");
    return NULL;
}

/* ---- state (EndpointContext) ------------------------------------------- */

static void set_active(const mc_endpoint *ep)
{
    mc_ep_state *s = ep->state;
    atomic_store(&s->remaining, ep->retries_before_suspend);
    atomic_store(&s->last_suspend_ms, -1);
    atomic_store(&s->state, MC_EPS_ACTIVE);
}

/* computeNextRetryTimeForSuspended */
static void suspend(const mc_endpoint *ep, int64_t now)
{
    mc_ep_state *s = ep->state;
    long long last = atomic_load(&s->last_suspend_ms);
    long long next = last > 0 ? (long long)((double)last * ep->progression)
                              : (long long)ep->initial_suspend_ms;
    if (next > ep->max_suspend_ms)
        next = ep->max_suspend_ms;
    else if (next < 0)
        next = MC_EP_DEFAULT_SUSPEND_MS;
    atomic_store(&s->last_suspend_ms, next);
    atomic_store(&s->next_retry_ms, now + next);
    atomic_store(&s->state, MC_EPS_SUSPENDED);
}

static void timed_out(const mc_endpoint *ep, int64_t now)
{
    mc_ep_state *s = ep->state;
    int retries = atomic_load(&s->remaining);
    if (retries == -1)
        retries = ep->retries_before_suspend;
    if (retries <= 0) {
        suspend(ep, now);
        return;
    }
    atomic_store(&s->remaining, retries - 1);
    atomic_store(&s->next_retry_ms, now + ep->retry_delay_ms);
    atomic_store(&s->state, MC_EPS_TIMEOUT);
}

static bool is_timeout(const mc_endpoint *ep, int code)
{
    if (ep->timeout_codes.n == 0)
        return code == 101504 || code == 101505;
    return has_code(&ep->timeout_codes, code);
}

static bool is_suspend_fault(const mc_endpoint *ep, int code)
{
    return ep->suspend_codes.n == 0 || has_code(&ep->suspend_codes, code);
}

void mc_ep_state_fault(const mc_endpoint *leaf, int code, int64_t now)
{
    if (is_timeout(leaf, code))
        timed_out(leaf, now);
    else if (is_suspend_fault(leaf, code))
        suspend(leaf, now);
}

const char *mc_ep_state_name(const mc_endpoint *leaf)
{
    switch (atomic_load(&leaf->state->state)) {
    case MC_EPS_TIMEOUT: return "TIMEOUT";
    case MC_EPS_SUSPENDED: return "SUSPENDED";
    default: return "ACTIVE";
    }
}

void mc_ep_succeeded(const mc_endpoint *leaf)
{
    if (leaf && atomic_load(&leaf->state->state) != MC_EPS_ACTIVE)
        set_active(leaf);
}

/* isRetry: may a group send elsewhere after this error? */
static bool retry_allowed(const mc_endpoint *ep, int code)
{
    if (has_code(&ep->retry_disabled, code))
        return false;
    if (ep->retry_enabled.n)
        return has_code(&ep->retry_enabled, code);
    return true;
}

/* ---- choosing ------------------------------------------------------------ */

static bool skipped(const mc_ep_dispatch *d, const mc_endpoint *leaf)
{
    for (uint32_t i = 0; d && i < d->nskip; i++)
        if (d->skip[i] == leaf)
            return true;
    return false;
}

static bool ready_in(mc_message *m, const mc_endpoint *ep, int64_t now,
                     const mc_ep_dispatch *d, int depth)
{
    if (depth > MC_EP_MAX_DEPTH)
        return false;
    if (ep->kind == MC_EP_INDIRECT || ep->kind == MC_EP_DYNAMIC) {
        if (ep->kind == MC_EP_INDIRECT && !ep->target)
            return false;
        ep = mc_ep_resolve(m, ep);
        if (!ep)
            return false;
    }
    if (is_leaf(ep)) {
        if (skipped(d, ep))
            return false;
        return atomic_load(&ep->state->state) == MC_EPS_ACTIVE ||
               now >= atomic_load(&ep->state->next_retry_ms);
    }
    for (uint32_t i = 0; i < ep->nchildren; i++)
        if (ready_in(m, ep->children[i], now, d, depth + 1))
            return true;
    return false;
}

bool mc_ep_ready(mc_message *m, const mc_endpoint *ep, int64_t now)
{
    return ready_in(m, ep, now, NULL, 0);
}

static const char *group_label(const mc_endpoint *g)
{
    return g->kind == MC_EP_FAILOVER ? "Failover" : g->kind == MC_EP_LOADBALANCE
                                                      ? "Loadbalance" : "RecipientList";
}

/* A child of group g to send to, or NULL when none is ready. */
static const mc_endpoint *choose_child(mc_message *m, const mc_ep_dispatch *d,
                                       const mc_endpoint *g, int64_t now)
{
    uint32_t n = g->nchildren;
    if (g->kind == MC_EP_FAILOVER) {
        if (!g->fo_dynamic) {
            unsigned cur = atomic_load(&g->state->cursor) % n;
            if (ready_in(m, g->children[cur], now, d, 1))
                return g->children[cur];
        }
        for (uint32_t i = 0; i < n; i++)
            if (ready_in(m, g->children[i], now, d, 1)) {
                atomic_store(&g->state->cursor, i);
                return g->children[i];
            }
        return NULL;
    }
    if (g->weights) {
        /* WeightedRoundRobin: child i for weights[i] turns in a row; like
         * Synapse it does not ask whether that child is ready */
        unsigned k = atomic_fetch_add(&g->state->cursor, 1u) % g->total_weight;
        for (uint32_t i = 0; i < n; i++) {
            if (k < g->weights[i])
                return g->children[i];
            k -= g->weights[i];
        }
        return g->children[n - 1];
    }
    for (uint32_t tries = 0; tries < n; tries++) {
        unsigned i = atomic_fetch_add(&g->state->cursor, 1u) % n;
        if (ready_in(m, g->children[i], now, d, 1))
            return g->children[i];
    }
    return NULL;
}

/* Descend from node (at path depth `at`) to a leaf, recording the groups
 * on the way.  NULL when a group on the way has no ready child (reported
 * as Synapse's informFailure would, unless an earlier leaf left its
 * error) or a reference does not resolve (fault set). */
static const mc_endpoint *descend(mc_message *m, mc_ep_dispatch *d,
                                  const mc_endpoint *node, uint32_t at, int64_t now)
{
    for (;;) {
        node = mc_ep_resolve(m, node);
        if (!node)
            return NULL;
        d->depth = at;
        if (is_leaf(node))
            return node;
        if (at >= MC_EP_MAX_DEPTH) {
            mc_fault(m, "303000", "endpoint groups nested more than %d deep", MC_EP_MAX_DEPTH);
            return NULL;
        }
        d->path[at++] = node;
        d->depth = at;
        const mc_endpoint *child = choose_child(m, d, node, now);
        if (!child) {
            if (d->tries == 0) {
                char msg[512];
                snprintf(msg, sizeof msg, "%s endpoint : %s - no ready child endpoints",
                         group_label(node), node->name ? node->name : ANONYMOUS);
                mc_msg_set_fault(m, "303000", msg, msg);
            }
            return NULL;
        }
        node = child;
    }
}

static const char *leaf_label(const mc_endpoint *leaf)
{
    switch (leaf->kind) {
    case MC_EP_HTTP: return "Currently, HTTP endpoint : ";
    case MC_EP_DEFAULT: return "Currently , Default endpoint : ";
    case MC_EP_WSDL: return "Currently , WSDL endpoint : ";
    default: return "Currently , Address endpoint : ";
    }
}

bool mc_ep_first(mc_message *m, mc_ep_dispatch *d)
{
    int64_t now = mc_ep_now_ms();
    d->depth = 0;
    d->leaf = descend(m, d, d->root, 0, now);
    if (!d->leaf)
        return false;
    if (d->depth == 0 && !mc_ep_ready(m, d->leaf, now)) {
        /* a leaf with no group above checks its own state */
        char msg[512];
        snprintf(msg, sizeof msg, "%s[ Name : %s ] [ State : %s ]", leaf_label(d->leaf),
                 d->leaf->name ? d->leaf->name : ANONYMOUS, mc_ep_state_name(d->leaf));
        mc_msg_set_fault(m, d->leaf->kind == MC_EP_WSDL ? "303002" : "303001", msg, msg);
        d->leaf = NULL;
        return false;
    }
    d->tries++;
    return true;
}

static void clear_error(mc_message *m)
{
    mc_msg_remove_prop(m, MC_SCOPE_DEFAULT, "ERROR_CODE");
    mc_msg_remove_prop(m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE");
    mc_msg_remove_prop(m, MC_SCOPE_DEFAULT, "ERROR_DETAIL");
    mc_msg_remove_prop(m, MC_SCOPE_DEFAULT, "ERROR_EXCEPTION");
}

bool mc_ep_failed(mc_message *m, mc_ep_dispatch *d, int code)
{
    const mc_endpoint *leaf = d->leaf;
    int64_t now = mc_ep_now_ms();
    d->leaf = NULL;
    if (!leaf)
        return false;
    mc_ep_state_fault(leaf, code, now);
    if (atomic_load(&leaf->state->state) == MC_EPS_ACTIVE && d->nskip < MC_EP_MAX_TRIES)
        d->skip[d->nskip++] = leaf;
    /* onChildEndpointFail, from the nearest group outwards: the nearest
     * asks the failed leaf's retryConfig, the ones above always retry */
    const mc_endpoint *failed = leaf;
    for (uint32_t k = d->depth; k-- > 0;) {
        const mc_endpoint *g = d->path[k];
        bool retries = g->kind == MC_EP_FAILOVER ||
                       (g->kind == MC_EP_LOADBALANCE && g->lb_failover);
        bool allowed = failed == leaf ? retry_allowed(leaf, code) : true;
        failed = g;
        if (!retries || !allowed || d->tries >= MC_EP_MAX_TRIES)
            continue;
        /* keep ERROR_* of the last leaf when nothing else is ready */
        const mc_endpoint *next = descend(m, d, g, k, now);
        if (next) {
            clear_error(m);
            d->leaf = next;
            d->tries++;
            return true;
        }
        if (!mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_CODE"))
            return false; /* a reference did not resolve */
    }
    return false;
}

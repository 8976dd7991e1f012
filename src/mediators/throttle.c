/* throttle.c - <throttle id>, Synapse's throttle mediator with a WS-Policy
 * throttle policy (inline under <policy>, or <policy key> naming a local
 * entry), compiled at load.  Two controls, both per process:
 *   concurrency: MaximumConcurrentAccess messages at once per throttle id;
 *     a message holds its slot until it ends;
 *   rate: per caller (IP address from X-Forwarded-For or the connection,
 *     or domain from X-Forwarded-Host), by the policy entry that matches it
 *     (an address, a range a.b.c.x-a.b.c.y, a.b.c.*, a domain, or "other"
 *     for everyone else, who share one count as in Synapse): MaximumCount
 *     requests per UnitTime ms, then none until ProhibitTimePeriod ms have
 *     passed (or the window ends); IsAllow / Allow / Deny without limits.
 * Accepted messages run <onAccept> (inline or the sequence the attribute
 * names) and go on; rejected ones run <onReject>, or end there.  Without a
 * policy every request is accepted, and a response passes untouched (as
 * Synapse's ThrottleMediator: `<throttle id="A"/>` in an out path).  The
 * counters live with the configuration (a reload starts afresh) and are
 * not shared between mediac processes behind a load balancer. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mediators/mediators.h"

#define THROTTLE_NS "http://www.wso2.org/products/wso2commons/throttle"
#define MAX_COUNTERS 4096           /* caller x artifact counters per id */

typedef enum access { ACCESS_CONTROLLED, ACCESS_ALLOWED, ACCESS_DENIED } access;

typedef struct caller_cfg {
    bool domain;                  /* DOMAIN, else IP */
    const char *id;               /* as written */
    const char *net;              /* range, wildcard: the part before the last dot */
    long long lo, hi;             /* range: bounds of the last number */
    access state;
    long long max_count, unit_ms, prohibit_ms;
} caller_cfg;

typedef struct policy {
    int max_concurrent;           /* 0: no concurrency control */
    caller_cfg *callers;
    size_t n, cap;
} policy;

typedef struct counter {
    struct counter *next;
    const caller_cfg *cfg;
    char *artifact;
    long long window_end, next_access, count;
} counter;

typedef struct throttle_state {
    pthread_mutex_t lock;
    int limit;                    /* concurrency limit (the first policy's) */
    int active;
    counter *counters;
    size_t ncounters;
} throttle_state;

typedef struct throttle_m {
    mc_mediator base;
    const char *id;
    policy pol;
    throttle_state *st;
    const char *policy_key;       /* <policy key>: must resolve */
    bool policy_linked;
    const mc_seq *on_accept, *on_reject;
} throttle_m;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the policy ------------------------------------------------------------ */

static bool is_throttle(xmlNodePtr n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns &&
           strcmp((const char *)n->ns->href, THROTTLE_NS) == 0 &&
           strcmp((const char *)n->name, local) == 0;
}

static char *trimmed_text(mc_arena *a, xmlNodePtr n)
{
    xmlChar *t = xmlNodeGetContent(n);
    const char *s = t ? (const char *)t : "";
    while (isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    char *r = mc_arena_strndup(a, s, len);
    xmlFree(t);
    return r;
}

static bool parse_num(const char *s, long long *out)
{
    char *end;
    long long v = s ? strtoll(s, &end, 10) : -1;
    if (!s || end == s || *end || v < 0)
        return false;
    *out = v;
    return true;
}

typedef struct pctx {
    mc_arena *a;
    mc_err *err;
    policy *p;
} pctx;

static bool fail(pctx *c, const char *fmt, const char *arg)
{
    char what[256];
    snprintf(what, sizeof what, fmt, arg ? arg : "");
    mc_err_set(c->err, MC_EPARSE, "throttle policy: %s", what);
    return false;
}

/* The first element named local (throttle namespace) at or below n. */
static xmlNodePtr find_below(xmlNodePtr n, const char *local)
{
    if (is_throttle(n, local))
        return n;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        xmlNodePtr d = c->type == XML_ELEMENT_NODE ? find_below(c, local) : NULL;
        if (d)
            return d;
    }
    return NULL;
}

/* a.b.c.x-a.b.c.y and a.b.c.* */
static bool parse_range(pctx *c, caller_cfg *cc)
{
    const char *id = cc->id;
    size_t n = strlen(id);
    if (cc->domain || strcmp(id, "other") == 0)
        return true;
    if (n > 2 && strcmp(id + n - 2, ".*") == 0) {
        cc->net = mc_arena_strndup(c->a, id, n - 2);
        cc->lo = 0, cc->hi = 255;
        return cc->net || fail(c, "out of memory", NULL);
    }
    const char *dash = strchr(id, '-');
    if (!dash)
        return true;
    const char *dot = dash;
    while (dot > id && *dot != '.')
        dot--;
    const char *second = strrchr(dash + 1, '.');
    char lo[16] = "";
    size_t ln = (size_t)(dash - dot - 1);
    if (*dot == '.' && ln < sizeof lo)
        memcpy(lo, dot + 1, ln);
    if (*dot != '.' || !second || !parse_num(lo, &cc->lo) || !parse_num(second + 1, &cc->hi) ||
        cc->lo > cc->hi || strncmp(id, dash + 1, (size_t)(dot - id + 1)) != 0)
        return fail(c, "IP range '%s' must be a.b.c.x-a.b.c.y with x <= y", id);
    cc->net = mc_arena_strndup(c->a, id, (size_t)(dot - id));
    return cc->net || fail(c, "out of memory", NULL);
}

/* One caller entry: the element holding throttle:ID and its controls. */
static bool parse_caller(pctx *c, xmlNodePtr group, xmlNodePtr idel)
{
    policy *p = c->p;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 4;
        caller_cfg *cs = mc_arena_alloc(c->a, cap * sizeof *cs);
        if (!cs)
            return fail(c, "out of memory", NULL);
        if (p->n)
            memcpy(cs, p->callers, p->n * sizeof *cs);
        p->callers = cs;
        p->cap = cap;
    }
    caller_cfg *cc = &p->callers[p->n];
    memset(cc, 0, sizeof *cc);
    xmlChar *type = xmlGetNsProp(idel, BAD_CAST "type", BAD_CAST THROTTLE_NS);
    if (!type)
        type = xmlGetProp(idel, BAD_CAST "type");
    bool ok = type && (strcmp((const char *)type, "IP") == 0 || strcmp((const char *)type, "DOMAIN") == 0);
    if (!ok) {
        fail(c, type ? "Unsupported throttle type : %s" : "Type of Throtle in the policy cannot be null",
             (const char *)type);
        xmlFree(type);
        return false;
    }
    cc->domain = strcmp((const char *)type, "DOMAIN") == 0;
    xmlFree(type);
    cc->id = trimmed_text(c->a, idel);
    if (!cc->id || !*cc->id)
        return fail(c, "Value of ID cannot find - invalid configuration", NULL);
    if (!parse_range(c, cc))
        return false;
    xmlNodePtr max = find_below(group, "MaximumCount"), unit = find_below(group, "UnitTime");
    xmlNodePtr prohibit = find_below(group, "ProhibitTimePeriod");
    if (max || unit) {
        const char *mv = trimmed_text(c->a, max ? max : unit), *uv = unit ? trimmed_text(c->a, unit) : NULL;
        if (!max || !unit)
            return fail(c, "Maximum Count and UnitTime are Mandatory in Throttle Policy (ID %s)", cc->id);
        if (!parse_num(mv, &cc->max_count))
            return fail(c, "MaximumCount must be a whole number, got '%s'", mv);
        if (!parse_num(uv, &cc->unit_ms) || cc->unit_ms == 0)
            return fail(c, "Unit Time cannot find - invalid throttle policy configuration (got '%s')", uv);
        if (prohibit) {
            const char *pv = trimmed_text(c->a, prohibit);
            if (pv && *pv && !parse_num(pv, &cc->prohibit_ms))
                return fail(c, "ProhibitTimePeriod must be a whole number, got '%s'", pv);
        }
        cc->state = cc->max_count == 0 ? ACCESS_ALLOWED : ACCESS_CONTROLLED;
    } else if (find_below(group, "IsAllow")) {
        const char *v = trimmed_text(c->a, find_below(group, "IsAllow"));
        if (!v || (strcmp(v, "true") && strcmp(v, "false")))
            return fail(c, "Value for isAllow component is invalid: '%s'", v);
        cc->state = strcmp(v, "true") == 0 ? ACCESS_ALLOWED : ACCESS_DENIED;
    } else if (find_below(group, "Allow")) {
        cc->state = ACCESS_ALLOWED;
    } else if (find_below(group, "Deny")) {
        cc->state = ACCESS_DENIED;
    } else {
        return fail(c, "ID and one of Valid Control policy component are Mandatory in Throttle "
                    "Policy (ID %s)", cc->id);
    }
    p->n++;
    return true;
}

/* Walk the policy: an element with a throttle:ID child is a caller entry;
 * MaximumConcurrentAccess anywhere sets the concurrency limit. */
static bool walk_policy(pctx *c, xmlNodePtr n)
{
    if (is_throttle(n, "MaximumConcurrentAccess")) {
        long long v;
        const char *t = trimmed_text(c->a, n);
        if (!parse_num(t, &v))
            return fail(c, "MaximumConcurrentAccess must be a whole number, got '%s'", t);
        c->p->max_concurrent = (int)(v > 1000000 ? 1000000 : v);
        return true;
    }
    for (xmlNodePtr k = n->children; k; k = k->next)
        if (is_throttle(k, "ID"))
            return parse_caller(c, n, k);
    for (xmlNodePtr k = n->children; k; k = k->next)
        if (k->type == XML_ELEMENT_NODE && !walk_policy(c, k))
            return false;
    return true;
}

static bool compile_policy(mc_arena *a, xmlNodePtr root, policy *p, mc_err *err)
{
    pctx c = {a, err, p};
    if (!root)
        return fail(&c, "the policy is empty", NULL);
    return walk_policy(&c, root);
}

/* ---- state shared by the throttles of one id ----------------------------- */

static void free_state(void *ud)
{
    throttle_state *s = ud;
    for (counter *k = s->counters, *n; k; k = n) {
        n = k->next;
        free(k->artifact);
        free(k);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static void *new_state(void *ud)
{
    (void)ud;
    throttle_state *s = calloc(1, sizeof *s);
    if (s)
        pthread_mutex_init(&s->lock, NULL);
    return s;
}

static bool link_policy(const mc_local_entry *e, void *target, mc_config *cfg, mc_err *err)
{
    throttle_m *t = target;
    if (!e->xml)
        return mc_err_set(err, MC_EPARSE, "local entry '%s' is not a throttle policy (XML)", e->key),
               false;
    if (!compile_policy(&cfg->arena, e->xml, &t->pol, err))
        return false;
    t->policy_linked = true;
    if (t->pol.max_concurrent && !t->st->limit)
        t->st->limit = t->pol.max_concurrent;
    return true;
}

/* ---- compile ----------------------------------------------------------------- */

static bool branch(mc_compiler *cc, xmlNodePtr node, const char *name, const mc_seq **slot)
{
    const char *key = mc_attr(cc, node, name);
    if (key) {
        mc_ref_sequence_msg(cc, node, name, key, slot, name[2] == 'A'
                            ? "Unable to find onAccept sequence with key : %s"
                            : "Unable to find onReject sequence with key : %s");
        return true;
    }
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        if (strcmp((const char *)c->name, name) == 0)
            return (*slot = mc_compile_children(cc, c)) != NULL;
    return true;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"id", "onAccept", "onReject", NULL};
    mc_check_attrs(cc, node, attrs);
    throttle_m *t = mc_new_mediator(cc, node, &mc_med_throttle, sizeof *t);
    if (!t)
        return NULL;
    t->id = mc_attr(cc, node, "id");
    if (!t->id || !*t->id) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<throttle> needs an 'id' (Synapse: \"Idy "
                "attribute must have defined\")");
        return NULL;
    }
    char name[300];
    snprintf(name, sizeof name, "throttle.%s", t->id);
    if (!(t->st = mc_config_state(cc->cfg, name, new_state, NULL, free_state)))
        return NULL;
    xmlNodePtr pol = NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *n = (const char *)c->name;
        if (strcmp(n, "policy") == 0)
            pol = c;
        else if (strcmp(n, "onAccept") != 0 && strcmp(n, "onReject") != 0) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in <throttle> (policy, onAccept or onReject)", n);
            return NULL;
        }
    }
    /* no <policy>, or an empty one: Synapse's ThrottleMediator has neither a
     * concurrency nor an access-rate controller then, and accepts every
     * request (the usual form in an outSequence, where a throttle only ends
     * the request's concurrency slot) */
    const char *key = pol ? mc_attr(cc, pol, "key") : NULL;
    if (key && !*key) {
        mc_diag(cc, pol, "key", MC_DIAG_ERROR, "<policy key> should have a value (Synapse: "
                "\"key attribute should have a value\")");
        return NULL;
    }
    if (!pol || (!key && !mc_first_elem(pol))) {
        /* nothing to compile */
    } else if (key) {
        t->policy_key = key;
        mc_ref_entry_compile(cc, pol, "key", key, link_policy, t);
    } else {
        mc_err err = {0};
        if (!compile_policy(&cc->cfg->arena, mc_first_elem(pol), &t->pol, &err)) {
            mc_diag(cc, pol, NULL, MC_DIAG_ERROR, "%s", err.msg);
            return NULL;
        }
        if (!t->pol.n && !t->pol.max_concurrent)  /* Synapse then throttles nothing */
            mc_diag(cc, pol, NULL, MC_DIAG_WARNING, "the throttle policy has no "
                    "MaximumConcurrentAccess and no throttle:ID entries (namespace %s): "
                    "nothing is throttled", THROTTLE_NS);
        if (t->pol.max_concurrent && !t->st->limit)
            t->st->limit = t->pol.max_concurrent;
    }
    if (!branch(cc, node, "onAccept", &t->on_accept) || !branch(cc, node, "onReject", &t->on_reject))
        return NULL;
    return &t->base;
}

/* ---- run --------------------------------------------------------------------- */

static bool ip_in(const caller_cfg *c, const char *ip)
{
    const char *dot = strrchr(ip, '.');
    long long host;
    if (!c->net || !dot || (size_t)(dot - ip) != strlen(c->net) ||
        strncmp(ip, c->net, (size_t)(dot - ip)) != 0 || !parse_num(dot + 1, &host))
        return false;
    return host >= c->lo && host <= c->hi;
}

/* The policy entry for a caller, as Synapse chooses it: exact, a range or
 * wildcard, then "other". */
static const caller_cfg *entry_for(const policy *p, bool domain, const char *who)
{
    const caller_cfg *other = NULL;
    for (size_t i = 0; i < p->n; i++) {
        const caller_cfg *c = &p->callers[i];
        if (c->domain != domain)
            continue;
        if (strcmp(c->id, "other") == 0)
            other = c;
        else if (strcmp(c->id, who) == 0 || (!domain && ip_in(c, who)))
            return c;
    }
    return other;
}

static bool has_domain_entries(const policy *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->callers[i].domain)
            return true;
    return false;
}

/* One access by the caller matched by c: a fixed window of unit_ms, then
 * the prohibit period (or the rest of the window) once it is used up. */
static bool rate_allows(throttle_state *s, const caller_cfg *c, const char *artifact)
{
    if (c->state != ACCESS_CONTROLLED)
        return c->state == ACCESS_ALLOWED;
    long long now = now_ms();
    pthread_mutex_lock(&s->lock);
    counter *k = s->counters;
    while (k && !(k->cfg == c && strcmp(k->artifact, artifact) == 0))
        k = k->next;
    if (!k && s->ncounters < MAX_COUNTERS && (k = calloc(1, sizeof *k))) {
        if (!(k->artifact = strdup(artifact))) {
            free(k);
            k = NULL;
        } else {
            k->cfg = c;
            k->next = s->counters;
            s->counters = k;
            s->ncounters++;
        }
    }
    bool ok = true;
    if (!k) {
        ok = true;                        /* no room to count: let it through */
    } else if (k->next_access) {
        ok = now >= k->next_access;
        if (ok)
            k->next_access = 0, k->count = 1, k->window_end = now + c->unit_ms;
    } else if (!k->window_end || now >= k->window_end) {
        k->count = 1;
        k->window_end = now + c->unit_ms;
    } else if (k->count < c->max_count) {
        k->count++;
    } else {
        ok = false;
        k->next_access = c->prohibit_ms ? now + c->prohibit_ms : k->window_end;
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}

static void release_slot(void *ud)
{
    throttle_state *s = ud;
    pthread_mutex_lock(&s->lock);
    s->active--;
    pthread_mutex_unlock(&s->lock);
}

static bool take_slot(throttle_state *s)
{
    pthread_mutex_lock(&s->lock);
    bool ok = s->active < s->limit;
    if (ok)
        s->active++;
    pthread_mutex_unlock(&s->lock);
    return ok;
}

static const char *caller_ip(mc_message *m, char *buf, size_t n)
{
    const char *xff = mc_msg_prop(m, MC_SCOPE_TRANSPORT, "X-Forwarded-For");
    if (xff && *xff) {
        while (*xff == ' ')
            xff++;
        size_t len = strcspn(xff, ", ");
        snprintf(buf, n, "%.*s", (int)len, xff);
        return buf;
    }
    return mc_msg_prop(m, MC_SCOPE_AXIS2, "REMOTE_ADDR");
}

static bool rate_check(const throttle_m *t, mc_message *m)
{
    const mc_proxy *proxy = m->proxy;
    const char *artifact = proxy ? proxy->name : mc_msg_prop(m, MC_SCOPE_DEFAULT, "SYNAPSE_REST_API");
    artifact = artifact ? artifact : "";
    if (has_domain_entries(&t->pol)) {
        const char *domain = mc_msg_prop(m, MC_SCOPE_TRANSPORT, "X-Forwarded-Host");
        if (!domain)
            domain = mc_msg_prop(m, MC_SCOPE_AXIS2, "REMOTE_HOST");
        const caller_cfg *c = domain ? entry_for(&t->pol, true, domain) : NULL;
        if (c)
            return rate_allows(t->st, c, artifact);
    }
    char buf[64];
    const char *ip = caller_ip(m, buf, sizeof buf);
    if (!ip)
        return true;                      /* Synapse: caller unknown, access allowed */
    const caller_cfg *c = entry_for(&t->pol, false, ip);
    return c ? rate_allows(t->st, c, artifact) : true;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const throttle_m *t = (const throttle_m *)self;
    if (m->in_out_sequence)
        return MC_FLOW_NEXT;              /* Synapse throttles requests only: a
                                             response goes on untouched */
    if (t->policy_key && !t->policy_linked)
        return mc_fault(m, "0", "Cannot find throttling policy using key : %s", t->policy_key);
    bool slot = false, ok = true;
    if (t->st->limit) {
        ok = slot = take_slot(t->st);
        mc_msg_log(m, MC_LOG_DEBUG, "throttle %s: concurrency %s", t->id,
                   ok ? "allowed" : "denied");
    }
    if (ok && t->pol.n) {
        ok = rate_check(t, m);
        mc_msg_log(m, MC_LOG_DEBUG, "throttle %s: rate %s", t->id, ok ? "allowed" : "denied");
    }
    if (slot && !ok) {
        release_slot(t->st);
    } else if (slot && mc_msg_on_free(m, release_slot, t->st) != MC_OK) {
        release_slot(t->st);
        return mc_fault(m, "0", "out of memory");
    }
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "SYNAPSE_IS_CONCURRENT_ACCESS_ALLOWED", ok ? "true" : "false");
    const mc_seq *next = ok ? t->on_accept : t->on_reject;
    if (!ok && !next)
        return MC_FLOW_STOP;              /* rejected: the flow ends here */
    if (next && next->n && mc_msg_push_frame(m, next, NULL, 0) != MC_OK)
        return mc_fault(m, "0", "sequences nested more than 256 deep");
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_throttle = {"throttle", compile, exec, NULL, false};

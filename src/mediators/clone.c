/* clone.c - <clone>, Synapse's clone mediator: a copy of the whole message
 * for each <target> (or `iterations` copies for the one target, with the
 * property CLONED_ITERATION_INDEX 1..n), each running its target
 * concurrently unless sequential="true" and, after waiting for I/O, the
 * rest of the parent's flow (where <aggregate> collects them).  The parent
 * ends there unless continueParent="true".  At most mc:maxChildren copies
 * (default 1000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediators/split.h"

typedef struct clone_m {
    mc_mediator base;
    const char *id;
    bool continue_parent, sequential;
    const mc_seq **targets;
    size_t ntargets;
    const char *iterations;       /* literal count, or NULL */
    mc_template *dyn_iterations;  /* iterations="{expr}" */
    size_t limit;
} clone_m;

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"id", "continueParent", "sequential", "iterations", NULL};
    mc_check_attrs(cc, node, attrs);
    clone_m *c = mc_new_mediator(cc, node, &mc_med_clone, sizeof *c);
    if (!c || !mc_split_limit(cc, node, &c->limit))
        return NULL;
    c->id = mc_attr(cc, node, "id");
    const char *cp = mc_attr(cc, node, "continueParent"), *sq = mc_attr(cc, node, "sequential");
    c->continue_parent = cp && strcmp(cp, "true") == 0;
    c->sequential = sq && strcmp(sq, "true") == 0;
    size_t n = 0;
    for (xmlNodePtr t = mc_first_elem(node); t; t = mc_next_elem(t)) {
        if (strcmp((const char *)t->name, "target") == 0)
            n++;
        else if (strcmp((const char *)t->name, "description") != 0)
            /* MI's CloneMediatorFactory reads only the <target> children */
            mc_diag(cc, t, NULL, MC_DIAG_WARNING, "<%s> in <clone> is ignored, as MI ignores it "
                    "(only <target>s run)", (const char *)t->name);
    }
    const char *it = mc_attr(cc, node, "iterations");
    if (it && n > 1) {
        mc_diag(cc, node, "iterations", MC_DIAG_ERROR,
                "When iterations attribute is defined only one target is allowed.");
        return NULL;
    }
    if (it && it[0] == '{') {
        if (!(c->dyn_iterations = mc_compile_template(cc, node, "iterations", it)))
            return NULL;
    } else if (it) {
        char *end;
        long v = strtol(it, &end, 10);
        if (end == it || *end || v < 0) {
            mc_diag(cc, node, "iterations", MC_DIAG_ERROR,
                    "iterations must be a whole number or an {expression}, got '%s'", it);
            return NULL;
        }
        c->iterations = it;
    }
    c->targets = mc_alloc(cc, (n ? n : 1) * sizeof *c->targets);
    if (!c->targets)
        return NULL;
    for (xmlNodePtr t = mc_first_elem(node); t; t = mc_next_elem(t))
        if (strcmp((const char *)t->name, "target") == 0 &&
            !mc_split_target(cc, t, &c->targets[c->ntargets++]))
            return NULL;
    return &c->base;
}

/* How many copies: the targets, or `iterations` of the one target. */
static bool copies(const clone_m *c, mc_message *m, size_t *n)
{
    const char *text = c->iterations;
    size_t len;
    mc_err err;
    mc_err_clear(&err);
    if (c->dyn_iterations && mc_template_eval(c->dyn_iterations, m, &text, &len, &err) != MC_OK)
        return false;
    if (!text) {
        *n = c->ntargets;
        return true;
    }
    char *end;
    while (*text == ' ')
        text++;
    long v = strtol(text, &end, 10);
    while (*end == ' ')
        end++;
    if (end == text || *end || v < 0 || c->ntargets == 0)
        return false;
    *n = (size_t)v;
    return true;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const clone_m *c = (const clone_m *)self;
    size_t n;
    if (!copies(c, m, &n))
        return mc_fault(m, "0", "Error while parsing iterations number in clone mediator");
    if (n > c->limit)
        return mc_split_over_limit(m, "clone", n, c->limit);
    mc_split_req *req = mc_split_req_new(m, n);
    if (!req)
        return mc_fault(m, "0", "out of memory");
    bool iterations = c->iterations || c->dyn_iterations;
    for (size_t i = 0; i < n; i++) {
        mc_message *child = mc_msg_clone(m, true);
        char idx[24];
        snprintf(idx, sizeof idx, "%zu", i + 1);
        if (!child || mc_split_mark(child, m, c->id, i, n) != MC_OK ||
            (iterations && mc_msg_set_propz(child, MC_SCOPE_DEFAULT, "CLONED_ITERATION_INDEX",
                                            idx) != MC_OK)) {
            mc_msg_free(child);
            for (size_t j = 0; j < req->n; j++)
                mc_msg_free(req->children[j]);
            return mc_fault(m, "0", "Error cloning the message context");
        }
        req->children[req->n] = child;
        req->targets[req->n++] = c->targets[iterations ? 0 : i];
    }
    req->kind = MC_SPLIT_CONTINUE;
    req->sequential = c->sequential;
    req->continue_parent = c->continue_parent;
    req->timeout_ms = m->cfg ? mc_split_aggregate_timeout(m->cfg, c->id) : 0;
    mc_msg_log(m, MC_LOG_DEBUG, "clone: %zu copies for %s processing", n,
               c->sequential ? "sequential" : "parallel");
    m->split_req = req;
    return MC_FLOW_SPLIT;
}

const mc_mediator_type mc_med_clone = {"clone", compile, exec, NULL, false};

/* scatter_gather.c - MI 4.4's <scatter-gather>: a copy of the message for
 * each <sequence>, run in parallel (or in order with
 * parallel-execution="false"); the message waits, then gathers: each
 * copy's <aggregation expression> value (when its condition is true), in
 * the order they finished, into a JSON array or an XML element
 * (result-enclosing-element), which becomes the payload (target="body")
 * or a variable (target="variable", target-variable).  The gathering
 * completes when every copy has ended, at min-messages / max-messages, or
 * at the aggregation's timeout (milliseconds).  At most mc:maxChildren
 * sequences (default 1000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediators/split.h"

typedef struct sg_m {
    mc_mediator base;
    bool parallel, json, to_body;
    const char *variable, *root_element;
    mc_expr *expr, *condition;
    long long timeout_ms;
    int min, max;
    const mc_seq **seqs;
    size_t nseqs, limit;
} sg_m;

static bool count_attr(mc_compiler *cc, xmlNodePtr node, const char *name, int *out)
{
    *out = -1;
    const char *v = mc_attr(cc, node, name);
    if (!v)
        return true;
    char *end;
    long x = strtol(v, &end, 10);
    if (end == v || *end) {
        mc_diag(cc, node, name, MC_DIAG_ERROR, "'%s' must be a whole number, got '%s'", name, v);
        return false;
    }
    *out = (int)x;
    return true;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"parallel-execution", "target", "target-variable",
                                        "result-content-type", "result-enclosing-element", "id", NULL};
    mc_check_attrs(cc, node, attrs);
    sg_m *g = mc_new_mediator(cc, node, &mc_med_scatter_gather, sizeof *g);
    if (!g || !mc_split_limit(cc, node, &g->limit))
        return NULL;
    const char *pe = mc_attr(cc, node, "parallel-execution");
    g->parallel = !pe || strcmp(pe, "false") != 0;
    const char *type = mc_attr(cc, node, "result-content-type");
    if (!type || !*type) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "The 'result-content-type' attribute is required for "
                "the configuration of a Scatter Gather mediator");
        return NULL;
    }
    if (strcmp(type, "JSON") != 0 && strcmp(type, "XML") != 0) {
        mc_diag(cc, node, "result-content-type", MC_DIAG_ERROR,
                "The 'result-content-type' attribute should be either 'JSON' or 'XML'");
        return NULL;
    }
    g->json = strcmp(type, "JSON") == 0;
    g->root_element = mc_attr(cc, node, "result-enclosing-element");
    if (!g->json && (!g->root_element || !*g->root_element)) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "The 'result-enclosing-element' attribute is required "
                "for the configuration of a Scatter Gather mediator when the 'result-content-type' "
                "is 'XML'");
        return NULL;
    }
    const char *target = mc_attr(cc, node, "target");
    if (!target || !*target) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "The 'target' attribute is required for the "
                "configuration of a Scatter Gather mediator");
        return NULL;
    }
    if (strcasecmp(target, "variable") == 0) {
        g->variable = mc_attr(cc, node, "target-variable");
        if (!g->variable || !*g->variable) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR, "The 'target-variable' attribute is required for "
                    "the configuration of a Scatter Gather mediator when the 'target' is 'variable'");
            return NULL;
        }
    } else if (strcasecmp(target, "body") == 0) {
        g->to_body = true;
    } else {
        mc_diag(cc, node, "target", MC_DIAG_ERROR,
                "The 'target' attribute should be either 'body' or 'variable'");
        return NULL;
    }
    xmlNodePtr agg = NULL;
    size_t n = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "sequence") == 0)
            n++;
        else if (strcmp(cn, "aggregation") == 0 && !agg)
            agg = c;
        else {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in <scatter-gather> (aggregation or sequence)", cn);
            return NULL;
        }
    }
    if (!n) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "A 'sequence' element is required for the "
                "configuration of a Scatter Gather mediator");
        return NULL;
    }
    if (!agg) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "The 'aggregation' element is required for the "
                "configuration of a Scatter Gather mediator");
        return NULL;
    }
    static const char *const aattrs[] = {"expression", "condition", "timeout", "min-messages",
                                         "max-messages", NULL};
    mc_check_attrs(cc, agg, aattrs);
    const char *ex = mc_attr(cc, agg, "expression");
    if (!ex) {
        mc_diag(cc, agg, NULL, MC_DIAG_ERROR, "The 'expression' attribute is required for the "
                "configuration of a Scatter Gather mediator");
        return NULL;
    }
    if (!(g->expr = mc_compile_expr(cc, agg, "expression", ex)))
        return NULL;
    const char *cond = mc_attr(cc, agg, "condition");
    if (cond && !(g->condition = mc_compile_expr(cc, agg, "condition", cond)))
        return NULL;
    const char *t = mc_attr(cc, agg, "timeout");
    if (t) {
        char *end;
        g->timeout_ms = strtoll(t, &end, 10);
        if (end == t || *end || g->timeout_ms < 0) {
            mc_diag(cc, agg, "timeout", MC_DIAG_ERROR,
                    "'timeout' must be a whole number of milliseconds, got '%s'", t);
            return NULL;
        }
    }
    if (!count_attr(cc, agg, "min-messages", &g->min) || !count_attr(cc, agg, "max-messages", &g->max))
        return NULL;
    g->seqs = mc_alloc(cc, n * sizeof *g->seqs);
    if (!g->seqs)
        return NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        if (strcmp((const char *)c->name, "sequence") == 0 &&
            !(g->seqs[g->nseqs++] = mc_compile_children(cc, c)))
            return NULL;
    return &g->base;
}

/* Collect this copy?  (<aggregation condition>: its value must be "true".) */
static bool collect_if(const void *med, mc_message *child)
{
    const sg_m *g = med;
    if (!g->condition)
        return true;
    const char *v;
    size_t n;
    mc_err err;
    mc_err_clear(&err);
    return mc_expr_string(g->condition, child, &v, &n, &err) == MC_OK && n == 4 &&
           strncasecmp(v, "true", 4) == 0;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const sg_m *g = (const sg_m *)self;
    if (g->nseqs > g->limit)
        return mc_split_over_limit(m, "scatter-gather", g->nseqs, g->limit);
    mc_split_req *req = mc_split_req_new(m, g->nseqs);
    if (!req)
        return mc_fault(m, "0", "out of memory");
    for (size_t i = 0; i < g->nseqs; i++) {
        mc_message *child = mc_msg_clone(m, true);
        if (!child) {
            for (size_t j = 0; j < req->n; j++)
                mc_msg_free(req->children[j]);
            return mc_fault(m, "0", "Error cloning the message context");
        }
        req->children[req->n] = child;
        req->targets[req->n++] = g->seqs[i];
    }
    req->kind = MC_SPLIT_GATHER;
    req->sequential = !g->parallel;
    req->timeout_ms = g->timeout_ms;
    req->min = g->min;
    req->max = g->max;
    req->condition = collect_if;
    m->split_req = req;
    return MC_FLOW_SPLIT;
}

/* One copy's value for a JSON result: JSON text as it is, other text as a
 * JSON string. */
static void json_value(const sg_m *g, mc_message *c, mc_buf *out)
{
    const char *v;
    size_t n;
    mc_err err;
    mc_err_clear(&err);
    if (mc_expr_string(g->expr, c, &v, &n, &err) != MC_OK) {
        mc_buf_puts(out, "null");
        return;
    }
    if (n && mc_json_valid(v, n))
        mc_buf_append(out, v, n);
    else
        mc_buf_json_string(out, v, n);
}

static mc_flow resume(const mc_mediator *self, mc_message *m)
{
    const sg_m *g = (const sg_m *)self;
    mc_buf out = MC_BUF_INIT;
    if (g->json) {
        mc_buf_putc(&out, '[');
        for (size_t i = 0; i < m->ngathered; i++) {
            if (i)
                mc_buf_putc(&out, ',');
            json_value(g, m->gathered[i], &out);
        }
        mc_buf_putc(&out, ']');
    } else {
        mc_buf_printf(&out, "<%s>", g->root_element);
        for (size_t i = 0; i < m->ngathered; i++) {
            const char *v;
            size_t n;
            mc_err err;
            mc_err_clear(&err);
            if (mc_expr_xml(g->expr, m->gathered[i], &v, &n, &err) == MC_OK)
                mc_buf_append(&out, v, n);
        }
        mc_buf_printf(&out, "</%s>", g->root_element);
    }
    mc_flow flow = MC_FLOW_NEXT;
    const char *ct = g->json ? "application/json" : "application/xml";
    mc_err err;
    mc_err_clear(&err);
    if (out.oom) {
        flow = mc_fault(m, "0", "out of memory");
    } else if (g->to_body) {
        if (mc_msg_set_payload(m, mc_buf_cstr(&out), out.len, ct, &err) != MC_OK)
            flow = mc_fault(m, "0", "Error aggregating results: %s", err.msg);
        else
            mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "Content-Type", ct);
    } else if (mc_msg_set_var(m, g->variable, mc_buf_cstr(&out), out.len,
                              g->json ? MC_VT_JSON : MC_VT_OM) != MC_OK) {
        flow = mc_fault(m, "0", "out of memory");
    }
    mc_buf_free(&out);
    return flow;
}

const mc_mediator_type mc_med_scatter_gather = {"scatter-gather", compile, exec, resume, false};

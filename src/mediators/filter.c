/* filter.c - <filter>: source+regex or xpath, choosing <then> or <else>
 * (children without <then> are the then branch). */
#include <string.h>

#include "mediators/mediators.h"

typedef struct filter_m {
    mc_mediator base;
    mc_expr *source;
    mc_regex *regex;
    mc_expr *xpath;
    const mc_seq *then_seq, *else_seq;
} filter_m;

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"source", "regex", "xpath", NULL};
    mc_check_attrs(cc, node, attrs);
    filter_m *f = mc_new_mediator(cc, node, &mc_med_filter, sizeof *f);
    if (!f)
        return NULL;
    const char *source = mc_attr(cc, node, "source");
    const char *regex = mc_attr(cc, node, "regex");
    const char *xpath = mc_attr(cc, node, "xpath");
    if (xpath && (source || regex)) {
        mc_diag(cc, node, "xpath", MC_DIAG_ERROR,
                "<filter> takes either 'xpath' or 'source' and 'regex', not both");
        return NULL;
    }
    if (xpath) {
        if (!(f->xpath = mc_compile_expr(cc, node, "xpath", xpath)))
            return NULL;
    } else if (source && regex) {
        f->source = mc_compile_expr(cc, node, "source", source);
        f->regex = mc_compile_regex(cc, node, "regex", regex);
        if (!f->source || !f->regex)
            return NULL;
    } else {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "<filter> needs 'xpath', or 'source' with 'regex'");
        return NULL;
    }
    xmlNodePtr then_el = NULL, else_el = NULL;
    bool plain = false;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "then") == 0 && !then_el)
            then_el = c;
        else if (strcmp(cn, "else") == 0 && !else_el)
            else_el = c;
        else
            plain = true;
    }
    if (plain && (then_el || else_el)) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "<filter> mixes <then>/<else> with other mediators");
        return NULL;
    }
    f->then_seq = plain     ? mc_compile_children(cc, node)
                  : then_el ? mc_compile_children(cc, then_el)
                            : NULL;
    if (else_el)
        f->else_seq = mc_compile_children(cc, else_el);
    return &f->base;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const filter_m *f = (const filter_m *)self;
    bool yes;
    mc_err err;
    mc_err_clear(&err);
    if (f->xpath) {
        if (mc_expr_bool(f->xpath, m, &yes, &err) != MC_OK)
            return mc_fault(m, "0", "filter: %s", err.msg);
    } else {
        const char *v;
        size_t n;
        if (mc_expr_string(f->source, m, &v, &n, &err) != MC_OK)
            return mc_fault(m, "0", "filter: %s", err.msg);
        yes = mc_regex_matches(f->regex, v, n);
    }
    const mc_seq *next = yes ? f->then_seq : f->else_seq;
    if (next && next->n && mc_msg_push_frame(m, next, NULL, 0) != MC_OK)
        return mc_fault(m, "0", "sequences nested too deeply");
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_filter = {"filter", compile, exec, NULL, false};

/* switch.c - <switch source>: the first <case regex> whose regex matches the
 * whole source value runs, else <default>. */
#include <string.h>

#include "mediators/mediators.h"

typedef struct switch_case {
    mc_regex *regex;
    const mc_seq *seq;
} switch_case;

typedef struct switch_m {
    mc_mediator base;
    mc_expr *source;
    switch_case *cases;
    size_t ncases;
    const mc_seq *dflt;
} switch_m;

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"source", NULL};
    mc_check_attrs(cc, node, attrs);
    switch_m *s = mc_new_mediator(cc, node, &mc_med_switch, sizeof *s);
    if (!s)
        return NULL;
    const char *source = mc_attr(cc, node, "source");
    if (!source) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<switch> needs a 'source' attribute");
        return NULL;
    }
    if (!(s->source = mc_compile_expr(cc, node, "source", source)))
        return NULL;
    size_t n = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        n++;
    s->cases = n ? mc_alloc(cc, n * sizeof *s->cases) : NULL;
    bool ok = true;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "case") == 0) {
            const char *regex = mc_attr(cc, c, "regex");
            if (!regex) {
                mc_diag(cc, c, NULL, MC_DIAG_ERROR, "<case> needs a 'regex' attribute");
                ok = false;
                continue;
            }
            switch_case *k = &s->cases[s->ncases];
            k->regex = mc_compile_regex(cc, c, "regex", regex);
            k->seq = mc_compile_children(cc, c);
            if (!k->regex) {
                ok = false;
                continue;
            }
            s->ncases++;
        } else if (strcmp(cn, "default") == 0) {
            if (s->dflt) {
                mc_diag(cc, c, NULL, MC_DIAG_ERROR, "<switch> has more than one <default>");
                ok = false;
            }
            s->dflt = mc_compile_children(cc, c);
        } else {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "unexpected <%s> in <switch> (only <case> and <default>)", cn);
            ok = false;
        }
    }
    return ok ? &s->base : NULL;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const switch_m *s = (const switch_m *)self;
    const char *v;
    size_t n;
    mc_err err;
    mc_err_clear(&err);
    if (mc_expr_string(s->source, m, &v, &n, &err) != MC_OK)
        return mc_fault(m, "0", "switch: %s", err.msg);
    const mc_seq *next = s->dflt;
    for (size_t i = 0; i < s->ncases; i++) {
        if (mc_regex_matches(s->cases[i].regex, v, n)) {
            next = s->cases[i].seq;
            break;
        }
    }
    if (next && next->n && mc_msg_push_frame(m, next, NULL, 0) != MC_OK)
        return mc_fault(m, "0", "sequences nested too deeply");
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_switch = {"switch", compile, exec, NULL, false};

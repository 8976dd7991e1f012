/* sequence.c - <sequence key="name"/>: run a named sequence (a key in
 * braces is an expression evaluated per message), with its onError. */
#include <string.h>

#include "mediators/mediators.h"

typedef struct sequence_m {
    mc_mediator base;
    const mc_seq *target;      /* static key, resolved at link */
    mc_template *dynamic;      /* {expr} key */
} sequence_m;

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"key", NULL};
    mc_check_attrs(cc, node, attrs);
    sequence_m *s = mc_new_mediator(cc, node, &mc_med_sequence, sizeof *s);
    if (!s)
        return NULL;
    const char *key = mc_attr(cc, node, "key");
    if (!key || !*key) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "a <sequence> inside a flow needs a 'key' naming the sequence to run");
        return NULL;
    }
    if (key[0] == '{') {
        if (!(s->dynamic = mc_compile_template(cc, node, "key", key)))
            return NULL;
    } else {
        mc_ref_sequence(cc, node, "key", key, &s->target);
    }
    return &s->base;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const sequence_m *s = (const sequence_m *)self;
    const mc_seq *target = s->target;
    if (s->dynamic) {
        const char *name;
        size_t n;
        mc_err err;
        mc_err_clear(&err);
        if (mc_template_eval(s->dynamic, m, &name, &n, &err) != MC_OK)
            return mc_fault(m, "0", "sequence key: %s", err.msg);
        target = mc_config_sequence(m->cfg, name);
        if (!target)
            return mc_fault(m, "0", "Sequence named %s cannot be found", name);
    }
    if (mc_msg_push_frame(m, target, target->on_error, 0) != MC_OK)
        return mc_fault(m, "0", "sequences nested too deeply (more than 256)");
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_sequence = {"sequence", compile, exec, NULL, false};

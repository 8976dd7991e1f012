/* inout.c - <in> and <out> (Synapse 1.x): run the children only on the
 * request path (in) or only on the response path (out), so one sequence,
 * like MI's stock main, can mediate both directions. */
#include "mediators/mediators.h"

typedef struct inout_m {
    mc_mediator base;
    const mc_seq *body;
    bool on_response;          /* <out> */
} inout_m;

static mc_mediator *compile_any(mc_compiler *cc, xmlNodePtr node, const mc_mediator_type *t)
{
    static const char *const attrs[] = {NULL};
    mc_check_attrs(cc, node, attrs);
    inout_m *io = mc_new_mediator(cc, node, t, sizeof *io);
    if (!io || !(io->body = mc_compile_children(cc, node)))
        return NULL;
    io->on_response = t == &mc_med_out;
    return &io->base;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const inout_m *io = (const inout_m *)self;
    /* the response path: the out sequence a send or loopback led to */
    if (m->in_out_sequence != io->on_response || !io->body->n)
        return MC_FLOW_NEXT;
    if (mc_msg_push_frame(m, io->body, NULL, 0) != MC_OK)
        return mc_fault(m, "0", "sequences nested too deeply");
    return MC_FLOW_NEXT;
}

static mc_mediator *compile_in(mc_compiler *cc, xmlNodePtr node)
{
    return compile_any(cc, node, &mc_med_in);
}
static mc_mediator *compile_out(mc_compiler *cc, xmlNodePtr node)
{
    return compile_any(cc, node, &mc_med_out);
}

const mc_mediator_type mc_med_in = {"in", compile_in, exec, NULL, false};
const mc_mediator_type mc_med_out = {"out", compile_out, exec, NULL, false};

/* respond.c - <respond/>, <drop/> and <loopback/>: the mediators that end
 * the current flow. */
#include "mediators/mediators.h"

static const char *const no_attrs[] = {NULL};

static mc_mediator *compile_respond(mc_compiler *cc, xmlNodePtr node);
static mc_mediator *compile_drop(mc_compiler *cc, xmlNodePtr node);
static mc_mediator *compile_loopback(mc_compiler *cc, xmlNodePtr node);

static mc_flow exec_respond(const mc_mediator *self, mc_message *m)
{
    m->responded = true;
    return MC_FLOW_STOP;
}

static mc_flow exec_drop(const mc_mediator *self, mc_message *m)
{
    m->dropped = true;
    return MC_FLOW_STOP;
}

static mc_flow exec_loopback(const mc_mediator *self, mc_message *m)
{
    /* the interpreter moves on to the out sequence, or answers with the
     * current payload when there is none */
    m->loopback = true;
    return MC_FLOW_STOP;
}

const mc_mediator_type mc_med_respond = {"respond", compile_respond, exec_respond, NULL, true};
const mc_mediator_type mc_med_drop = {"drop", compile_drop, exec_drop, NULL, true};
const mc_mediator_type mc_med_loopback = {"loopback", compile_loopback, exec_loopback, NULL, true};

static mc_mediator *compile_simple(mc_compiler *cc, xmlNodePtr node,
                                   const mc_mediator_type *t)
{
    mc_check_attrs(cc, node, no_attrs);
    if (mc_first_elem(node))
        mc_diag(cc, mc_first_elem(node), NULL, MC_DIAG_WARNING,
                "<%s> takes no child elements; ignored", t->name);
    return mc_new_mediator(cc, node, t, sizeof(mc_mediator));
}

static mc_mediator *compile_respond(mc_compiler *cc, xmlNodePtr node)
{
    return compile_simple(cc, node, &mc_med_respond);
}
static mc_mediator *compile_drop(mc_compiler *cc, xmlNodePtr node)
{
    return compile_simple(cc, node, &mc_med_drop);
}
static mc_mediator *compile_loopback(mc_compiler *cc, xmlNodePtr node)
{
    return compile_simple(cc, node, &mc_med_loopback);
}

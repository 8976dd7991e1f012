/* class.c - <class name="X"/>: a native mediator registered by the host
 * with mc_engine_register_mediator() (the C counterpart of a Synapse class
 * mediator). */
#include <string.h>

#include "config/internal.h"
#include "mediators/mediators.h"

typedef struct class_m {
    mc_mediator base;
    const mc_native *native;
} class_m;

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", NULL};
    mc_check_attrs(cc, node, attrs);
    class_m *c = mc_new_mediator(cc, node, &mc_med_class, sizeof *c);
    if (!c)
        return NULL;
    const char *name = mc_attr(cc, node, "name");
    if (!name || !*name) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<class> needs a 'name' attribute");
        return NULL;
    }
    c->native = mc_table_get(&cc->cfg->natives, name);
    if (!c->native) {
        mc_diag(cc, node, "name", MC_DIAG_ERROR,
                "no native mediator is registered as '%s': mediac cannot run Java "
                "classes; write the mediator in C and register it under this name with "
                "mc_engine_register_mediator() (include/mediac.h)", name);
        return NULL;
    }
    if (mc_first_elem(node))
        mc_diag(cc, mc_first_elem(node), NULL, MC_DIAG_WARNING,
                "<class> properties are not passed to native mediators; ignored");
    return &c->base;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const class_m *c = (const class_m *)self;
    mc_code rc = c->native->fn(m, c->native->userdata);
    if (rc == MC_OK)
        return MC_FLOW_NEXT;
    if (!mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_CODE"))
        mc_msg_set_fault(m, "0", mc_strerror(rc), NULL);
    return MC_FLOW_FAULT;
}

const mc_mediator_type mc_med_class = {"class", compile, exec, NULL, false};

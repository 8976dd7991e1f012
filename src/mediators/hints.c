/* hints.c - mediators that only tell Synapse how to do its work, which
 * mediac does one way always:
 *   <builder> (MI's Builder mediator: which message builder turns the
 *   stream into XML) - mediac parses every payload by its content type
 *   when a mediator needs it, so the builder changes nothing;
 *   <fastXSLT key> (MI's streaming XSLT on the body) - the same transform
 *   as <xslt key>, which is what mediac runs for it. */
#include <string.h>

#include "mediators/mediators.h"

static mc_mediator *compile_builder(mc_compiler *cc, xmlNodePtr node)
{
    mc_check_attrs(cc, node, (const char *const[]){NULL});
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, "messageBuilder") != 0) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "unexpected <%s> in <builder> (only <messageBuilder>)",
                    (const char *)c->name);
            return NULL;
        }
        static const char *const attrs[] = {"contentType", "class", "formatterClass", NULL};
        mc_check_attrs(cc, c, attrs);
    }
    return mc_new_mediator(cc, node, &mc_med_builder, sizeof(mc_mediator));
}

static mc_flow exec_builder(const mc_mediator *self, mc_message *m)
{
    (void)self;
    (void)m;
    return MC_FLOW_NEXT;
}

static mc_mediator *compile_fast_xslt(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"key", NULL};
    mc_check_attrs(cc, node, attrs);
    return mc_med_xslt.compile(cc, node);
}

const mc_mediator_type mc_med_builder = {"builder", compile_builder, exec_builder, NULL, false};
const mc_mediator_type mc_med_fast_xslt = {"fastXSLT", compile_fast_xslt, NULL, NULL, false};

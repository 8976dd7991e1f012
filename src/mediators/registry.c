/* registry.c - the table of built-in mediators: element name -> type. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"
#include "mediators/mediators.h"

static const mc_mediator_type *const builtins[] = {
    &mc_med_property, &mc_med_variable, &mc_med_log, &mc_med_filter,
    &mc_med_switch, &mc_med_payload_factory, &mc_med_header, &mc_med_respond,
    &mc_med_drop, &mc_med_loopback, &mc_med_sequence, &mc_med_send,
    &mc_med_call, &mc_med_class, &mc_med_call_template, &mc_med_in, &mc_med_out,
    &mc_med_xslt, &mc_med_script, &mc_med_validate,
    /* issue 12: the everyday mediators */
    &mc_med_makefault, &mc_med_throw_error, &mc_med_enrich, &mc_med_rewrite, &mc_med_callout,
    &mc_med_builder, &mc_med_fast_xslt,
    /* issue 15: guards, split and join */
    &mc_med_cache, &mc_med_throttle, &mc_med_iterate, &mc_med_clone, &mc_med_aggregate,
    &mc_med_foreach, &mc_med_scatter_gather, &mc_med_datamapper,
    /* issue 12, part C: message stores */
    &mc_med_store,
    /* issue 12 leftovers: routers and the JSON transform */
    &mc_med_conditional_router, &mc_med_router, &mc_med_jsontransform,
};
#define NBUILTINS (sizeof builtins / sizeof *builtins)

const mc_mediator_type *mc_builtin_mediator(const char *name)
{
    for (size_t i = 0; i < NBUILTINS; i++)
        if (strcmp(builtins[i]->name, name) == 0)
            return builtins[i];
    return mc_refused_mediator(name);
}

size_t mc_builtin_names(const char **out, size_t cap)
{
    for (size_t i = 0; i < NBUILTINS && i < cap; i++)
        out[i] = builtins[i]->name;
    return NBUILTINS < cap ? NBUILTINS : cap;
}

const char *mc_builtin_suggest(const char *name)
{
    const char *names[NBUILTINS];
    for (size_t i = 0; i < NBUILTINS; i++)
        names[i] = builtins[i]->name;
    return mc_closest(name, names, NBUILTINS);
}

mc_flow mc_fault(mc_message *m, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mc_msg_set_fault(m, code, msg, NULL);
    return MC_FLOW_FAULT;
}

bool mc_ext_numbers(mc_compiler *cc, xmlNodePtr node, const char *const *names,
                    unsigned long long *values)
{
    bool all_ok = true;
    for (xmlAttrPtr a = node->properties; a; a = a->next) {
        if (!a->ns || strcmp((const char *)a->ns->href, MC_EXT_NS) != 0)
            continue;
        xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
        char *end = NULL;
        unsigned long long n = v ? strtoull((const char *)v, &end, 10) : 0;
        bool ok = v && end && end != (char *)v && *end == '\0' && n > 0 && v[0] != '-';
        size_t i = 0;
        while (names[i] && strcmp(names[i], (const char *)a->name) != 0)
            i++;
        if (ok && names[i]) {
            values[i] = n;
        } else {
            char list[256] = "";
            for (size_t j = 0; names[j]; j++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%smc:%s",
                         j == 0 ? "" : names[j + 1] ? ", " : " or ", names[j]);
            mc_diag(cc, node, (const char *)a->name, MC_DIAG_ERROR,
                    "mc:%s must be %s with a whole number of 1 or more", (const char *)a->name,
                    list);
            all_ok = false;
        }
        xmlFree(v);
    }
    return all_ok;
}

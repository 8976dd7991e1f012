/* mediators.h - the built-in mediators, one file each, and the table that
 * maps element names to them (registry.c). */
#ifndef MC_MEDIATORS_H
#define MC_MEDIATORS_H

#include "config/config.h"

extern const mc_mediator_type mc_med_property;
extern const mc_mediator_type mc_med_variable;
extern const mc_mediator_type mc_med_log;
extern const mc_mediator_type mc_med_filter;
extern const mc_mediator_type mc_med_switch;
extern const mc_mediator_type mc_med_payload_factory;
extern const mc_mediator_type mc_med_header;
extern const mc_mediator_type mc_med_respond;
extern const mc_mediator_type mc_med_drop;
extern const mc_mediator_type mc_med_loopback;
extern const mc_mediator_type mc_med_sequence;
extern const mc_mediator_type mc_med_send;
extern const mc_mediator_type mc_med_call;
extern const mc_mediator_type mc_med_class;
extern const mc_mediator_type mc_med_makefault;
extern const mc_mediator_type mc_med_throw_error;
extern const mc_mediator_type mc_med_enrich;
extern const mc_mediator_type mc_med_jsontransform;
extern const mc_mediator_type mc_med_rewrite;
extern const mc_mediator_type mc_med_callout;
extern const mc_mediator_type mc_med_builder;
extern const mc_mediator_type mc_med_fast_xslt;
extern const mc_mediator_type mc_med_call_template;
extern const mc_mediator_type mc_med_in;
extern const mc_mediator_type mc_med_out;
extern const mc_mediator_type mc_med_xslt;
extern const mc_mediator_type mc_med_script;
extern const mc_mediator_type mc_med_datamapper;
extern const mc_mediator_type mc_med_validate;
extern const mc_mediator_type mc_med_cache;
extern const mc_mediator_type mc_med_throttle;
extern const mc_mediator_type mc_med_iterate;
extern const mc_mediator_type mc_med_clone;
extern const mc_mediator_type mc_med_aggregate;
extern const mc_mediator_type mc_med_foreach;
extern const mc_mediator_type mc_med_scatter_gather;
extern const mc_mediator_type mc_med_store;
extern const mc_mediator_type mc_med_conditional_router;
extern const mc_mediator_type mc_med_router;

/* Built-in mediator by element name, or NULL. */
const mc_mediator_type *mc_builtin_mediator(const char *name);
/* A Java/JDBC mediator mediac refuses at load with the reason (refused.c),
 * or NULL. */
const mc_mediator_type *mc_refused_mediator(const char *name);
/* Closest built-in name to an unknown one, or NULL. */
/* The element names of the built-in mediators, in table order (at most
 * cap); returns how many there are. */
size_t mc_builtin_names(const char **out, size_t cap);
const char *mc_builtin_suggest(const char *name);

/* Native (class) mediators registered by the host. */
typedef struct mc_native {
    const char *name;
    mc_native_fn fn;
    void *userdata;
} mc_native;
/* Natives are kept in cfg->natives (name -> mc_native *). */

/* Is text v[0..n) valid for the mc_vtype type (INTEGER, DOUBLE, JSON...)? */
bool mc_check_typed(const char *v, size_t n, int type, mc_err *err);

/* Inline XML in a configuration undeclares the Synapse default namespace
 * with xmlns=""; a copy of it standing alone needs no such declaration
 * (Axiom writes none).  Removes them from n, its siblings and children. */
void mc_xml_drop_empty_default_ns(xmlNodePtr n);
/* n serialised (no formatting) into arena a; NULL when out of memory. */
const char *mc_xml_node_text(mc_arena *a, xmlNodePtr n, size_t *len);
/* mediac's own whole-number attributes on node (xmlns:mc="MC_EXT_NS", which
 * WSO2 ignores), e.g. mc:instructionBudget: names (NULL-terminated) are
 * the accepted ones and values[i] receives names[i]'s value (left alone
 * when absent).  Any other mc: attribute, or a value that is not a whole
 * number >= 1, is reported; false then. */
bool mc_ext_numbers(mc_compiler *cc, xmlNodePtr node, const char *const *names,
                    unsigned long long *values);

/* The XPath or json-eval expression a call-template passed as "{{expr}}"
 * to the parameter param reads ($func:NAME; its value is the text
 * "{expr}"), or NULL (call_template.c). */
const mc_expr *mc_template_passed_expr(const mc_expr *param, mc_message *m);

/* Shared by mediators: raise a fault with code and formatted message. */
mc_flow mc_fault(mc_message *m, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

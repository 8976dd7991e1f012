/* variable.c - <variable> (WSO2 MI 4.4): set or remove a message variable,
 * read back with get-property('vars'...) style lookups and by connectors'
 * responseVariable. */
#include <string.h>

#include "json/json.h"
#include "mediators/mediators.h"

typedef struct variable_m {
    mc_mediator base;
    const char *name;
    int type;
    bool typed;         /* a type attribute was given */
    bool remove;
    const char *value;
    mc_expr *expr;
} variable_m;

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "value", "expression", "type", "action", NULL};
    mc_check_attrs(cc, node, attrs);
    variable_m *v = mc_new_mediator(cc, node, &mc_med_variable, sizeof *v);
    if (!v)
        return NULL;
    v->name = mc_attr(cc, node, "name");
    if (!v->name || !*v->name) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<variable> needs a 'name' attribute");
        return NULL;
    }
    const char *type = mc_attr(cc, node, "type");
    v->type = mc_vtype_from_name(type);
    v->typed = type != NULL;
    if (v->type < 0) {
        mc_diag(cc, node, "type", MC_DIAG_ERROR,
                "unknown type '%s' (STRING, INTEGER, BOOLEAN, DOUBLE, FLOAT, LONG, SHORT, JSON, OM)",
                type);
        return NULL;
    }
    const char *action = mc_attr(cc, node, "action");
    v->remove = action && strcmp(action, "remove") == 0;
    v->value = mc_attr(cc, node, "value");
    const char *expr = mc_attr(cc, node, "expression");
    if (expr && !(v->expr = mc_compile_expr(cc, node, "expression", expr)))
        return NULL;
    if (!v->remove && !v->value && !v->expr) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "<variable name=\"%s\"> needs 'value' or 'expression'", v->name);
        return NULL;
    }
    mc_err err = {0};
    if (v->value && !mc_check_typed(v->value, strlen(v->value), v->type, &err)) {
        mc_diag(cc, node, "value", MC_DIAG_ERROR, "%s", err.msg);
        return NULL;
    }
    return &v->base;
}

/* Unlink a variable: setting NULL would leave an empty variable behind. */
static void remove_var(mc_message *m, const char *name)
{
    for (mc_prop **pp = &m->vars; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->name, name) == 0) {
            *pp = (*pp)->next;
            return;
        }
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const variable_m *v = (const variable_m *)self;
    if (v->remove) {
        remove_var(m, v->name);
        return MC_FLOW_NEXT;
    }
    const char *s = v->value;
    size_t n = s ? strlen(s) : 0;
    int type = v->type;
    if (v->expr && !v->typed && mc_expr_kind_of(v->expr) == MC_EXPR_SYNAPSE) {
        /* MI 4.4 keeps a Synapse Expression's typed value (objectValueOf) */
        mc_err err;
        mc_err_clear(&err);
        mc_value val;
        if (mc_expr_value(v->expr, m, &val, &err) != MC_OK)
            return mc_fault(m, "0", "variable '%s': %s", v->name, err.msg);
        if (val.kind == MC_V_NULL) {
            remove_var(m, v->name); /* null: the variable is then not defined */
            return MC_FLOW_NEXT;
        }
        if (mc_msg_set_var(m, v->name, val.text, val.len, (mc_vtype)mc_value_vtype(val.kind)) != MC_OK)
            return mc_fault(m, "0", "out of memory");
        return MC_FLOW_NEXT;
    }
    if (v->expr) {
        mc_err err;
        mc_err_clear(&err);
        if (mc_expr_string(v->expr, m, &s, &n, &err) != MC_OK)
            return mc_fault(m, "0", "variable '%s': %s", v->name, err.msg);
        if (!mc_check_typed(s, n, v->type, &err))
            return mc_fault(m, "0", "variable '%s': %s", v->name, err.msg);
    }
    if (mc_msg_set_var(m, v->name, s, n, (mc_vtype)type) != MC_OK)
        return mc_fault(m, "0", "out of memory");
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_variable = {"variable", compile, exec, NULL, false};

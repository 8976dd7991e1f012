/* init.c - connections: <name.init> inline in a flow (v1: its settings
 * are evaluated per message and kept in the message for the operations
 * that follow) and inside a local entry (v2: evaluated by each operation
 * that names it with configKey). */
#include <string.h>

#include "connector/internal.h"

static mc_flow init_exec(const mc_mediator *self, mc_message *m);
static mc_mediator *init_compile(mc_compiler *cc, xmlNodePtr node);

const mc_mediator_type mc_med_connector_init = {"connector.init", init_compile,
                                                init_exec, NULL, false};

/* A literal value as mc_conn_eval would make it for every message, or
 * NULL (empty, or not valid: then each message reports it). */
static const char *fixed_value(mc_compiler *cc, const mc_cparam *p, const mc_template *t)
{
    const char *v = "";
    size_t n = 0;
    mc_err err = {0};
    if (mc_template_eval(t, NULL, &v, &n, &err) != MC_OK)
        return NULL;
    mc_conn_trim(&v, &n);
    if (!n || !mc_cp_check(p->type, v, n, &err))
        return NULL;
    return mc_arena_strndup(&cc->cfg->arena, v, n);
}

/* Compile one <param>value</param> child of an init. */
static bool compile_value(mc_compiler *cc, xmlNodePtr child, const mc_connector *c,
                          mc_template **values, const char **fixed)
{
    const char *name = (const char *)child->name;
    const mc_cparam *p = mc_cparam_find(c->init, c->ninit, name);
    if (!p) {
        const char *near = mc_cparam_suggest(c->init, c->ninit, name);
        mc_diag(cc, child, NULL, MC_DIAG_WARNING,
                "unknown parameter '%s' for %s.init%s%s%s; it is ignored", name, c->name,
                near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        return true;
    }
    size_t i = (size_t)(p - c->init);
    if (values[i])
        mc_diag(cc, child, NULL, MC_DIAG_WARNING,
                "parameter '%s' is given twice; the last one is used", p->name);
    if (p->deprecated)
        mc_diag(cc, child, NULL, MC_DIAG_WARNING, "parameter '%s' is deprecated", p->name);
    const char *text = mc_text_trimmed(cc, child);
    if (!text || !(values[i] = mc_compile_template(cc, child, NULL, text)))
        return false;
    mc_err err = {0};
    if (mc_template_is_literal(values[i]) && *text &&
        !mc_cp_check(p->type, text, strlen(text), &err)) {
        mc_diag(cc, child, NULL, MC_DIAG_ERROR, "%s.init: parameter '%s': %s", c->name,
                p->name, p->secret ? "invalid value" : err.msg);
        return false;
    }
    fixed[i] = mc_template_is_literal(values[i]) ? fixed_value(cc, p, values[i]) : NULL;
    return true;
}

/* v2: usage="connection" parameters that are required must be there. */
static bool check_required(mc_compiler *cc, xmlNodePtr node, const mc_conn *conn)
{
    bool ok = true;
    for (size_t i = 0; i < conn->c->ninit; i++) {
        const mc_cparam *p = &conn->c->init[i];
        if (p->connection_only && p->required && !conn->values[i] && !(p->def && *p->def)) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                    "%s.init: required connection parameter '%s' is missing",
                    conn->c->name, p->name);
            ok = false;
        }
    }
    return ok;
}

mc_conn *mc_conn_compile(mc_compiler *cc, xmlNodePtr node, const mc_connector *c, bool v2)
{
    static const char *const no_attrs[] = {NULL};
    mc_check_attrs(cc, node, no_attrs);
    mc_conn *conn = mc_new_mediator(cc, node, &mc_med_connector_init, sizeof *conn);
    if (!conn)
        return NULL;
    conn->c = c;
    conn->values = mc_alloc(cc, (c->ninit ? c->ninit : 1) * sizeof *conn->values);
    conn->fixed = mc_alloc(cc, (c->ninit ? c->ninit : 1) * sizeof *conn->fixed);
    if (!conn->values || !conn->fixed)
        return NULL;
    bool ok = true;
    for (xmlNodePtr ch = mc_first_elem(node); ch; ch = mc_next_elem(ch))
        ok = compile_value(cc, ch, c, conn->values, conn->fixed) && ok;
    if (v2)
        ok = check_required(cc, node, conn) && ok;
    return ok ? conn : NULL;
}

/* The connector named by "name.init" in the compiler's connector set. */
static const mc_connector *connector_of(mc_compiler *cc, const mc_connectors *cs,
                                        xmlNodePtr node)
{
    const char *el = (const char *)node->name;
    const char *dot = strrchr(el, '.');
    const mc_connector *c = dot ? mc_connector_find(cs, el, (size_t)(dot - el)) : NULL;
    if (!c)
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<%s>: no such connector", el);
    return c;
}

static mc_mediator *init_compile(mc_compiler *cc, xmlNodePtr node)
{
    const mc_connector *c = connector_of(cc, cc->cfg->connector_ctx, node);
    mc_conn *conn = c ? mc_conn_compile(cc, node, c, false) : NULL;
    return conn ? &conn->base : NULL;
}

void *mc_connectors_compile_connection(void *connectors, mc_compiler *cc, xmlNodePtr init)
{
    const mc_connector *c = connector_of(cc, connectors, init);
    return c ? mc_conn_compile(cc, init, c, true) : NULL;
}

/* ---- per-message settings ----------------------------------------------- */

mc_conn_state *mc_conn_eval(const mc_conn *conn, const mc_connector *c, mc_message *m,
                            mc_err *err)
{
    mc_conn_state *st = mc_arena_calloc(&m->arena, sizeof *st);
    const char **values = mc_arena_calloc(&m->arena, (c->ninit ? c->ninit : 1) * sizeof *values);
    if (!st || !values) {
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    st->c = c;
    st->values = values;
    /* written only on failure (then we return): cleared once, not zeroed
     * (528 bytes) for every parameter */
    mc_err e, e2;
    mc_err_clear(&e);
    mc_err_clear(&e2);
    for (size_t i = 0; i < c->ninit; i++) {
        const mc_cparam *p = &c->init[i];
        if (conn && conn->fixed[i]) {    /* a literal: made at compile */
            values[i] = conn->fixed[i];
            if (p->secret)
                mc_msg_add_secret(m, values[i]);
            continue;
        }
        const char *v = "";
        size_t n = 0;
        if (conn && conn->values[i]) {
            if (mc_template_eval(conn->values[i], m, &v, &n, &e) != MC_OK) {
                mc_err_set(err, MC_EINVAL, "%s.init: parameter '%s': %s", c->name, p->name,
                           p->secret ? "cannot be evaluated" : e.msg);
                return NULL;
            }
            mc_conn_trim(&v, &n);
        }
        /* A value that came from the message is checked against its type
         * here (a literal was checked at load): MC_EPARSE marks it as the
         * caller's error, answered with 400 like a bad operation parameter. */
        if (n && !mc_cp_check(p->type, v, n, &e2)) {
            mc_err_set(err, MC_EPARSE, "%s.init: parameter '%s': %s", c->name, p->name,
                       p->secret ? "invalid value" : e2.msg);
            return NULL;
        }
        values[i] = n ? mc_arena_strndup(&m->arena, v, n) : NULL;
        if (p->secret && values[i])
            mc_msg_add_secret(m, values[i]);
    }
    return st;
}

mc_conn_msg *mc_conn_msg_of(mc_message *m)
{
    if (!m->connector_state)
        m->connector_state = mc_arena_calloc(&m->arena, sizeof(mc_conn_msg));
    return m->connector_state;
}

const mc_conn_state *mc_conn_state_get(const mc_message *m, const mc_connector *c)
{
    const mc_conn_msg *cm = m->connector_state;
    for (const mc_conn_state *s = cm ? cm->conns : NULL; s; s = s->next)
        if (s->c == c)
            return s;
    return NULL;
}

const char *mc_conn_setting_given(const mc_conn_state *s, mc_conn_setting which)
{
    const mc_cparam *p = s ? s->c->settings[which] : NULL;
    return p ? s->values[p - s->c->init] : NULL;
}

const char *mc_conn_value(const mc_conn_state *s, const char *name)
{
    const mc_cparam *p = s ? mc_cparam_find(s->c->init, s->c->ninit, name) : NULL;
    if (!p)
        return NULL;
    const char *v = s->values[p - s->c->init];
    return v ? v : p->def && *p->def ? p->def : NULL;
}

static mc_flow init_exec(const mc_mediator *self, mc_message *m)
{
    const mc_conn *conn = (const mc_conn *)self;
    mc_err err;
    mc_err_clear(&err);
    mc_conn_state *st = mc_conn_eval(conn, conn->c, m, &err);
    if (!st) {
        if (err.code == MC_EPARSE)
            return mc_op_param_fault(m, "InvalidParameter", "%s", err.msg);
        mc_msg_set_fault(m, "InvalidConnection", err.msg, NULL);
        return MC_FLOW_FAULT;
    }
    mc_conn_msg *cm = mc_conn_msg_of(m);
    if (!cm) {
        mc_msg_set_fault(m, "0", "out of memory", NULL);
        return MC_FLOW_FAULT;
    }
    st->next = cm->conns;
    cm->conns = st;
    return MC_FLOW_NEXT;
}

/* throw_error.c - MI 4.4 <throwError type errorMessage>: raise an error
 * that goes to the fault sequence, as Synapse's ThrowError does:
 * ERROR_CODE is the type ("ANY" when none is given), ERROR_MESSAGE the
 * message ("Error occurred in the mediation flow" when none is given); a
 * message written "{expression}" is evaluated, "{{...}}" is the literal
 * "{...}". */
#include <string.h>

#include "mediators/mediators.h"

typedef struct throw_m {
    mc_mediator base;
    const char *type;
    const char *message;       /* literal, or NULL */
    mc_expr *expr;             /* {expression}, or NULL */
} throw_m;

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"type", "errorMessage", NULL};
    mc_check_attrs(cc, node, attrs);
    throw_m *t = mc_new_mediator(cc, node, &mc_med_throw_error, sizeof *t);
    if (!t)
        return NULL;
    const char *type = mc_attr(cc, node, "type");
    t->type = type && *type ? type : "ANY";
    const char *msg = mc_attr(cc, node, "errorMessage");
    size_t n = msg ? strlen(msg) : 0;
    if (!msg || !n) {
        t->message = "Error occurred in the mediation flow";
    } else if (n >= 4 && strncmp(msg, "{{", 2) == 0 && strcmp(msg + n - 2, "}}") == 0 &&
               strncmp(msg, "{${", 3) != 0) {
        char *lit = (char *)mc_strdup(cc, msg + 1);   /* escaped: {{x}} is "{x}" */
        if (lit)
            lit[n - 2] = '\0';
        t->message = lit;
    } else if (msg[0] == '{' && msg[n - 1] == '}') {
        char *src = (char *)mc_strdup(cc, msg + 1);
        if (!src)
            return NULL;
        src[n - 2] = '\0';
        if (!(t->expr = mc_compile_expr(cc, node, "errorMessage", src)))
            return NULL;
    } else {
        t->message = msg;
    }
    return &t->base;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const throw_m *t = (const throw_m *)self;
    const char *msg = t->message;
    size_t n;
    mc_err err;
    mc_err_clear(&err);
    if (t->expr && mc_expr_string(t->expr, m, &msg, &n, &err) != MC_OK)
        msg = err.msg;
    mc_msg_set_fault(m, t->type, msg, NULL);
    return MC_FLOW_FAULT;
}

const mc_mediator_type mc_med_throw_error = {"throwError", compile, exec, NULL, true};

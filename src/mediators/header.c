/* header.c - <header>: set or remove a transport header (scope="transport"),
 * or one of the addressing headers kept as message properties in the
 * default scope (To, From, Action, ReplyTo, FaultTo, MessageID). */
#include <string.h>

#include "mediators/mediators.h"
#include "util/codec.h"

typedef struct header_m {
    mc_mediator base;
    const char *name;
    mc_scope scope;
    bool remove;
    const char *value;
    mc_expr *expr;
} header_m;

static bool addressing_header(const char *n)
{
    static const char *const names[] = {"To", "From", "Action", "ReplyTo",
                                        "FaultTo", "MessageID", "RelatesTo"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(n, names[i]) == 0)
            return true;
    return false;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "value", "expression", "scope",
                                        "action", NULL};
    mc_check_attrs(cc, node, attrs);
    header_m *h = mc_new_mediator(cc, node, &mc_med_header, sizeof *h);
    if (!h)
        return NULL;
    h->name = mc_attr(cc, node, "name");
    if (!h->name || !*h->name) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<header> needs a 'name' attribute");
        return NULL;
    }
    const char *scope = mc_attr(cc, node, "scope");
    if (scope && strcmp(scope, "transport") == 0) {
        h->scope = MC_SCOPE_TRANSPORT;
    } else if (!scope || strcmp(scope, "default") == 0) {
        h->scope = MC_SCOPE_DEFAULT;
        const char *local = strchr(h->name, ':');
        local = local ? local + 1 : h->name;
        if (!addressing_header(local)) {
            mc_diag(cc, node, "name", MC_DIAG_ERROR,
                    "SOAP header '%s': only addressing headers (To, From, Action, "
                    "ReplyTo, FaultTo, MessageID, RelatesTo) are supported in the "
                    "default scope; use scope=\"transport\" for HTTP headers",
                    h->name);
            return NULL;
        }
        h->name = local;
    } else {
        mc_diag(cc, node, "scope", MC_DIAG_ERROR,
                "unknown header scope '%s' (default or transport)", scope);
        return NULL;
    }
    const char *action = mc_attr(cc, node, "action");
    h->remove = action && strcmp(action, "remove") == 0;
    if (action && !h->remove && strcmp(action, "set") != 0) {
        mc_diag(cc, node, "action", MC_DIAG_ERROR, "unknown action '%s' (set or remove)", action);
        return NULL;
    }
    h->value = mc_attr(cc, node, "value");
    const char *expr = mc_attr(cc, node, "expression");
    if (expr && !(h->expr = mc_compile_expr(cc, node, "expression", expr)))
        return NULL;
    if (!h->remove && !h->value && !h->expr) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "<header name=\"%s\"> needs 'value' or 'expression'", h->name);
        return NULL;
    }
    return &h->base;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const header_m *h = (const header_m *)self;
    if (h->remove) {
        mc_msg_remove_prop(m, h->scope, h->name);
        return MC_FLOW_NEXT;
    }
    const char *v = h->value;
    size_t n = v ? strlen(v) : 0;
    mc_err err = {0};
    if (h->expr && mc_expr_string(h->expr, m, &v, &n, &err) != MC_OK)
        return mc_fault(m, "0", "header '%s': %s", h->name, err.msg);
    if (!mc_header_value_ok(v, n))
        return mc_fault(m, "0", "header '%s': a header value cannot hold a control "
                        "character (CR, LF, NUL, ...)", h->name);
    if (mc_msg_set_prop(m, h->scope, h->name, v, n, MC_VT_STRING) != MC_OK)
        return mc_fault(m, "0", "out of memory");
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_header = {"header", compile, exec, NULL, false};

/* property.c - <property>: set or remove a property in a scope, from a
 * literal value, an expression or inline XML, with Synapse's types and the
 * optional pattern/group regex extraction.  Transport scope is the set of
 * transport headers.  A name in braces is dynamic, evaluated per message
 * (Synapse's PropertyMediator: name="{$ctx:k}", "{${vars.k}}"). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json/json.h"
#include "mediators/mediators.h"

typedef struct property_m {
    mc_mediator base;
    const char *name;
    mc_template *dyn_name;   /* name="{expr}" */
    int scope;               /* mc_scope */
    int type;                /* mc_vtype */
    bool remove;
    const char *value;       /* literal value */
    size_t value_len;
    mc_expr *expr;
    mc_regex *pattern;
    int group;
} property_m;

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node);
static mc_flow exec(const mc_mediator *self, mc_message *m);

const mc_mediator_type mc_med_property = {"property", compile, exec, NULL, false};

/* Shared with <variable>: parse scope/type/action and the value source. */
static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "value", "expression", "scope",
        "type", "action", "pattern", "group", NULL};
    mc_check_attrs(cc, node, attrs);
    property_m *p = mc_new_mediator(cc, node, &mc_med_property, sizeof *p);
    if (!p)
        return NULL;
    p->name = mc_attr(cc, node, "name");
    if (!p->name || !*p->name) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<property> needs a 'name' attribute");
        return NULL;
    }
    size_t nl = strlen(p->name);
    if (nl > 2 && p->name[0] == '{' && p->name[nl - 1] == '}' && p->name[1] != '{' &&
        !(p->dyn_name = mc_compile_template(cc, node, "name", p->name)))
        return NULL;
    const char *scope = mc_attr(cc, node, "scope");
    p->scope = mc_scope_from_name(scope);
    if (p->scope < 0) {
        mc_diag(cc, node, "scope", MC_DIAG_ERROR,
                "unknown scope '%s' (default, transport, axis2, axis2-client, operation)",
                scope);
        return NULL;
    }
    const char *type = mc_attr(cc, node, "type");
    p->type = mc_vtype_from_name(type);
    if (p->type < 0) {
        mc_diag(cc, node, "type", MC_DIAG_ERROR,
                "unknown type '%s' (STRING, INTEGER, BOOLEAN, DOUBLE, FLOAT, LONG, SHORT, JSON, OM)",
                type);
        return NULL;
    }
    const char *action = mc_attr(cc, node, "action");
    if (action && strcmp(action, "remove") == 0) {
        p->remove = true;
    } else if (action && strcmp(action, "set") != 0) {
        mc_diag(cc, node, "action", MC_DIAG_ERROR,
                "unknown action '%s' (set or remove)", action);
        return NULL;
    }
    const char *value = mc_attr(cc, node, "value");
    const char *expr = mc_attr(cc, node, "expression");
    xmlNodePtr inline_xml = mc_first_elem(node);
    /* as PropertyMediatorFactory: value, else the inline element, else
     * the expression */
    if (value && (expr || inline_xml))
        mc_diag(cc, node, expr ? "expression" : NULL, MC_DIAG_WARNING,
                "<property name=\"%s\"> has 'value' and %s; the value is used (as Synapse)",
                p->name, expr ? "'expression'" : "inline XML");
    else if (expr && inline_xml)
        mc_diag(cc, node, "expression", MC_DIAG_WARNING,
                "<property name=\"%s\"> has inline XML and 'expression'; the XML is used (as Synapse)",
                p->name);
    if (value) {
        p->value = value;
        p->value_len = strlen(value);
    } else if (inline_xml) {
        /* an element child is the value, an XML (OM) one whatever the type */
        xmlNodePtr copy = xmlCopyNode(inline_xml, 1);
        if (!copy)
            return NULL;
        mc_xml_drop_empty_default_ns(copy);
        xmlBufferPtr xb = xmlBufferCreate();
        xmlNodeDump(xb, node->doc, copy, 0, 0);
        p->value = mc_strdup(cc, (const char *)xmlBufferContent(xb));
        p->value_len = strlen(p->value);
        xmlBufferFree(xb);
        xmlFreeNode(copy);
        p->type = MC_VT_OM;
    } else if (expr) {
        p->expr = mc_compile_expr(cc, node, "expression", expr);
        if (!p->expr)
            return NULL;
    } else if (!p->remove) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "<property name=\"%s\"> needs 'value' or 'expression' (or action=\"remove\")",
                p->name);
        return NULL;
    }
    const char *pattern = mc_attr(cc, node, "pattern");
    if (pattern) {
        p->pattern = mc_compile_regex(cc, node, "pattern", pattern);
        if (!p->pattern)
            return NULL;
        const char *group = mc_attr(cc, node, "group");
        p->group = group ? atoi(group) : 0;
        if (p->group < 0 || p->group > mc_regex_groups(p->pattern)) {
            mc_diag(cc, node, "group", MC_DIAG_ERROR,
                    "group %d does not exist in pattern '%s' (%d groups)", p->group,
                    pattern, mc_regex_groups(p->pattern));
            return NULL;
        }
    }
    if (p->value && p->type != MC_VT_STRING && p->type != MC_VT_OM) {
        /* literal typed values are checked now, not at the first message */
        mc_err err = {0};
        if (!mc_check_typed(p->value, p->value_len, p->type, &err)) {
            mc_diag(cc, node, "value", MC_DIAG_ERROR, "%s", err.msg);
            return NULL;
        }
    }
    return &p->base;
}

static const char *const type_names[] = {"STRING", "INTEGER", "LONG", "SHORT",
    "FLOAT", "DOUBLE", "BOOLEAN", "JSON", "OM"};

/* Is text v valid for the type?  (Java parse rules, roughly.) */
bool mc_check_typed(const char *v, size_t n, int type, mc_err *err)
{
    char *end;
    const char *tn = type_names[type];
    errno = 0;
    switch (type) {
    case MC_VT_INTEGER: case MC_VT_LONG: case MC_VT_SHORT: {
        long long x = strtoll(v, &end, 10);
        long long lo = type == MC_VT_SHORT ? -32768 : type == MC_VT_INTEGER ? -2147483648LL : LLONG_MIN;
        long long hi = type == MC_VT_SHORT ? 32767 : type == MC_VT_INTEGER ? 2147483647LL : LLONG_MAX;
        if (!n || *end || errno || x < lo || x > hi)
            return mc_err_set(err, MC_EPARSE, "'%s' is not a valid %s", v, tn), false;
        return true;
    }
    case MC_VT_FLOAT: case MC_VT_DOUBLE:
        strtod(v, &end);
        if (!n || *end)
            return mc_err_set(err, MC_EPARSE, "'%s' is not a valid %s", v, tn), false;
        return true;
    case MC_VT_JSON:
        if (!mc_json_valid(v, n))
            return mc_err_set(err, MC_EPARSE, "'%s' is not valid JSON", v), false;
        return true;
    default:
        return true;
    }
}

/* Normalise a typed value to its canonical text (BOOLEAN: Java's
 * Boolean.parseBoolean). */
static const char *typed_text(mc_message *m, int type, const char *v, size_t *n)
{
    if (type == MC_VT_BOOLEAN) {
        const char *r = *n == 4 && strncasecmp(v, "true", 4) == 0 ? "true" : "false";
        *n = strlen(r);
        return r;
    }
    if (type == MC_VT_JSON) {
        /* a plain string becomes a JSON string */
        if (!mc_json_valid(v, *n)) {
            mc_buf b = MC_BUF_INIT;
            mc_buf_json_string(&b, v, *n);
            const char *r = mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
            *n = b.len;
            mc_buf_free(&b);
            return r;
        }
    }
    return v;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const property_m *p = (const property_m *)self;
    const char *name = p->name;
    if (p->dyn_name) {
        size_t nl;
        mc_err err;
        mc_err_clear(&err);
        if (mc_template_eval(p->dyn_name, m, &name, &nl, &err) != MC_OK)
            return mc_fault(m, "0", "property '%s': %s", p->name,
                            err.msg[0] ? err.msg : "the name could not be evaluated");
    }
    if (p->remove) {
        mc_msg_remove_prop(m, (mc_scope)p->scope, name);
        return MC_FLOW_NEXT;
    }
    const char *v = p->value;
    size_t n = p->value_len;
    if (p->expr) {
        mc_err err;
        mc_err_clear(&err);
        mc_code rc = p->type == MC_VT_OM ? mc_expr_xml(p->expr, m, &v, &n, &err)
                                         : mc_expr_string(p->expr, m, &v, &n, &err);
        if (rc != MC_OK)
            return mc_fault(m, "0", "property '%s': %s", p->name,
                            err.msg[0] ? err.msg : mc_strerror(rc));
    }
    if (p->pattern) {
        const char *g;
        size_t gl;
        if (mc_regex_group(p->pattern, v, n, p->group, &g, &gl)) {
            v = mc_arena_strndup(&m->arena, g, gl);
            n = gl;
        } else {
            v = "";
            n = 0;
        }
    }
    if (p->expr && p->type != MC_VT_STRING && p->type != MC_VT_OM &&
        p->type != MC_VT_BOOLEAN && p->type != MC_VT_JSON) {
        mc_err err;
        mc_err_clear(&err);
        if (!mc_check_typed(v, n, p->type, &err))
            return mc_fault(m, "0", "property '%s': %s", p->name, err.msg);
    }
    v = typed_text(m, p->type, v, &n);
    if (!v || mc_msg_set_prop(m, (mc_scope)p->scope, name, v, n,
                              (mc_vtype)p->type) != MC_OK)
        return mc_fault(m, "0", "out of memory");
    return MC_FLOW_NEXT;
}

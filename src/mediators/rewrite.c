/* rewrite.c - <rewrite>: Synapse's URL rewrite mediator.  The input URL
 * (inProperty, else the To address, else the request URL) is split into
 * fragments as java.net.URI does (scheme, user info, host, port, decoded
 * path, query and fragment); each <rewriterule> whose <condition> holds
 * (Synapse's evaluators: and, or, not, equal, match over the url, a query
 * parameter, a header, a property or an XPath over the message) runs its <action>s (set, append,
 * prepend, replace with a Java regex, remove, remove-query-param) on one
 * fragment or the full URI; the result, rebuilt as URI's multi-argument
 * constructor quotes it, goes to outProperty or becomes the To address. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/uri.h>

#include "mediators/conditions.h"
#include "util/codec.h"

enum { A_SET, A_APPEND, A_PREPEND, A_REPLACE, A_REMOVE, A_REMOVE_QUERY_PARAM };

typedef struct action {
    int type, fragment;
    const char *value;
    mc_expr *xpath;
    mc_regex *regex;
    const char *replacement_regex_src;
    bool resolve;
} action;

typedef struct rule {
    mc_cond *cond;
    action *actions;
    uint32_t nactions;
} rule;

typedef struct rewrite_m {
    mc_mediator base;
    const char *in_property, *out_property;
    rule *rules;
    uint32_t nrules;
} rewrite_m;

/* ---- actions ------------------------------------------------------------------ */

static bool compile_action(mc_compiler *cc, xmlNodePtr e, action *a)
{
    static const char *const attrs[] = {"type", "value", "xpath", "fragment", "regex", "resolve", NULL};
    mc_check_attrs(cc, e, attrs);
    static const char *const types[] = {"set", "append", "prepend", "replace", "remove",
                                        "remove-query-param"};
    const char *type = mc_attr(cc, e, "type");
    a->type = A_SET;
    if (type) {
        a->type = -1;
        for (int i = 0; i < 6; i++)
            if (strcmp(type, types[i]) == 0)
                a->type = i;
        if (a->type < 0) {
            mc_diag(cc, e, "type", MC_DIAG_ERROR,
                    "unknown rewrite action '%s' (set, append, prepend, replace, remove, "
                    "remove-query-param)", type);
            return false;
        }
    }
    const char *fragment = mc_attr(cc, e, "fragment");
    a->fragment = mc_uri_fragment_of(fragment);
    if (a->fragment == INT_MIN) {
        mc_diag(cc, e, "fragment", MC_DIAG_ERROR,
                "unknown URL fragment '%s' (protocol, user, host, port, path, query, ref, full)",
                fragment);
        return false;
    }
    a->value = mc_attr(cc, e, "value");
    const char *xpath = mc_attr(cc, e, "xpath");
    if (!a->value && !xpath && a->type != A_REMOVE) {
        mc_diag(cc, e, NULL, MC_DIAG_ERROR, "a rewrite <action> needs a 'value' or an 'xpath'");
        return false;
    }
    if (xpath && !(a->xpath = mc_compile_expr(cc, e, "xpath", xpath)))
        return false;
    if (a->type == A_REPLACE) {
        const char *re = mc_attr(cc, e, "regex");
        if (!re) {
            mc_diag(cc, e, NULL, MC_DIAG_ERROR, "the replace action needs a 'regex' attribute");
            return false;
        }
        if (!(a->regex = mc_compile_regex(cc, e, "regex", re)))
            return false;
    }
    if (a->type == A_REMOVE_QUERY_PARAM && a->fragment != MC_FRAG_QUERY) {
        mc_diag(cc, e, NULL, MC_DIAG_ERROR,
                "the remove-query-param action is only allowed for the query fragment");
        return false;
    }
    const char *resolve = mc_attr(cc, e, "resolve");
    a->resolve = resolve && strcasecmp(resolve, "true") == 0;
    return true;
}

/* {name} in s replaced by the property name; a missing one empties it all. */
static char *resolve_params(mc_message *m, char *s)
{
    for (char *open = strchr(s, '{'); open; open = strchr(s, '{')) {
        char *close = strchr(open, '}');
        if (!close)
            break;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(close - open - 1), open + 1);
        const char *v = mc_msg_prop(m, MC_SCOPE_DEFAULT, name);
        if (!v || !*v)
            return mc_arena_strdup(&m->arena, "");
        s = mc_arena_printf(&m->arena, "%.*s%s%s", (int)(open - s), s, v, close + 1);
    }
    return s;
}

static mc_flow run_action(mc_message *m, const action *a, mc_uri_frags *fr)
{
    const char *result = a->value;
    if (a->xpath) {
        size_t n;
        mc_err err;
        mc_err_clear(&err);
        if (mc_expr_string(a->xpath, m, &result, &n, &err) != MC_OK)
            return mc_fault(m, "0", "rewrite: %s", err.msg);
    }
    if (a->fragment == MC_FRAG_FULL) {
        mc_uri_frags_set(m, fr, result ? result : "");
        return MC_FLOW_NEXT;
    }
    if (a->fragment == MC_FRAG_PORT) {
        fr->port = result && a->type != A_REMOVE ? atoi(result) : -1;
        return MC_FLOW_NEXT;
    }
    const char *cur = fr->f[a->fragment] ? fr->f[a->fragment] : "";
    char *str = NULL;
    switch (a->type) {
    case A_PREPEND:
    case A_APPEND: {
        if (!result) {
            str = mc_arena_strdup(&m->arena, "");
            break;
        }
        const char *sep = a->fragment == MC_FRAG_QUERY && *cur ? "&" : "";
        str = a->type == A_PREPEND ? mc_arena_printf(&m->arena, "%s%s%s", result, sep, cur)
                                   : mc_arena_printf(&m->arena, "%s%s%s", cur, sep, result);
        break;
    }
    case A_REPLACE: {
        mc_buf b = MC_BUF_INIT;
        if (result && !mc_regex_replace_all(a->regex, cur, strlen(cur), result, &b)) {
            mc_buf_free(&b);
            return mc_fault(m, "0", "rewrite: the replacement '%s' names a group the regex lacks",
                            result);
        }
        str = mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
        mc_buf_free(&b);
        break;
    }
    case A_REMOVE:
        str = NULL;
        break;
    case A_REMOVE_QUERY_PARAM: {
        /* the first parameter starting "NAME=" goes */
        mc_buf b = MC_BUF_INIT;
        bool removed = false;
        size_t rl = result ? strlen(result) : 0;
        for (const char *p = cur; *p;) {
            const char *amp = strchr(p, '&');
            size_t len = amp ? (size_t)(amp - p) : strlen(p);
            if (!removed && result && len > rl && memcmp(p, result, rl) == 0 && p[rl] == '=') {
                removed = true;
            } else {
                if (b.len)
                    mc_buf_putc(&b, '&');
                mc_buf_append(&b, p, len);
            }
            p = amp ? amp + 1 : p + len;
        }
        str = mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
        mc_buf_free(&b);
        break;
    }
    default:
        str = result ? mc_arena_strdup(&m->arena, result) : NULL;
        break;
    }
    if (str && a->resolve)
        str = resolve_params(m, str);
    fr->f[a->fragment] = str;
    return MC_FLOW_NEXT;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"inProperty", "outProperty", NULL};
    mc_check_attrs(cc, node, attrs);
    rewrite_m *r = mc_new_mediator(cc, node, &mc_med_rewrite, sizeof *r);
    if (!r)
        return NULL;
    r->in_property = mc_attr(cc, node, "inProperty");
    r->out_property = mc_attr(cc, node, "outProperty");
    uint32_t n = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        n++;
    r->rules = mc_alloc(cc, (n ? n : 1) * sizeof *r->rules);
    if (!r->rules)
        return NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, "description") == 0)
            continue;
        if (strcmp((const char *)c->name, "rewriterule") != 0) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "unexpected <%s> in <rewrite> (only <rewriterule>)",
                    (const char *)c->name);
            return NULL;
        }
        rule *ru = &r->rules[r->nrules++];
        uint32_t na = 0;
        for (xmlNodePtr a = mc_first_elem(c); a; a = mc_next_elem(a))
            na += strcmp((const char *)a->name, "action") == 0;
        ru->actions = mc_alloc(cc, (na ? na : 1) * sizeof *ru->actions);
        if (!ru->actions)
            return NULL;
        for (xmlNodePtr a = mc_first_elem(c); a; a = mc_next_elem(a)) {
            const char *an = (const char *)a->name;
            if (strcmp(an, "action") == 0) {
                if (!compile_action(cc, a, &ru->actions[ru->nactions++]))
                    return NULL;
            } else if (strcmp(an, "condition") == 0) {
                xmlNodePtr ce = mc_first_elem(a);
                if (ce && !(ru->cond = mc_cond_compile(cc, ce)))
                    return NULL;
            } else {
                mc_diag(cc, a, NULL, MC_DIAG_ERROR,
                        "unexpected <%s> in <rewriterule> (condition, action)", an);
                return NULL;
            }
        }
        if (!ru->nactions) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "a <rewriterule> needs at least one <action>");
            return NULL;
        }
    }
    return &r->base;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const rewrite_m *r = (const rewrite_m *)self;
    const char *in = r->in_property ? mc_msg_prop(m, MC_SCOPE_DEFAULT, r->in_property)
                                    : mc_msg_prop(m, MC_SCOPE_DEFAULT, "To");
    if (!in && !r->in_property)
        in = mc_msg_prop(m, MC_SCOPE_AXIS2, "TransportInURL");
    mc_uri_frags fr;
    mc_uri_frags_set(m, &fr, in);
    for (uint32_t i = 0; i < r->nrules; i++) {
        const rule *ru = &r->rules[i];
        if (ru->cond && !mc_cond_holds(m, ru->cond, &fr))
            continue;
        for (uint32_t k = 0; k < ru->nactions; k++)
            if (run_action(m, &ru->actions[k], &fr) != MC_FLOW_NEXT)
                return MC_FLOW_FAULT;
    }
    const char *out = mc_uri_frags_string(m, &fr);
    if (!out)
        return mc_fault(m, "0", "out of memory");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, r->out_property ? r->out_property : "To", out);
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_rewrite = {"rewrite", compile, exec, NULL, false};

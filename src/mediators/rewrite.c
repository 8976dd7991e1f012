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

#include "mediators/mediators.h"
#include "util/codec.h"

enum { F_FULL = -2, F_PORT = -1, F_PROTOCOL = 0, F_USER, F_HOST, F_PATH, F_QUERY, F_REF, NFRAG };
enum { A_SET, A_APPEND, A_PREPEND, A_REPLACE, A_REMOVE, A_REMOVE_QUERY_PARAM };
enum { E_AND, E_OR, E_NOT, E_EQUAL, E_MATCH };
enum { S_URL, S_PARAM, S_HEADER, S_PROPERTY, S_SOAP };

typedef struct evaluator {
    int kind;
    struct evaluator **kids;
    uint32_t nkids;
    int source_type;
    int url_fragment;          /* url source: F_* or F_FULL */
    const char *source;
    const char *value;
    mc_regex *regex;
    mc_expr *xpath;            /* soap: an XPath over the envelope */
} evaluator;

typedef struct action {
    int type, fragment;
    const char *value;
    mc_expr *xpath;
    mc_regex *regex;
    const char *replacement_regex_src;
    bool resolve;
} action;

typedef struct rule {
    evaluator *cond;
    action *actions;
    uint32_t nactions;
} rule;

typedef struct rewrite_m {
    mc_mediator base;
    const char *in_property, *out_property;
    rule *rules;
    uint32_t nrules;
} rewrite_m;

static const char *const fragment_names[] = {"protocol", "user", "host", "path", "query", "ref"};

static int fragment_of(const char *f)
{
    if (!f || strcmp(f, "full") == 0)
        return F_FULL;
    if (strcmp(f, "port") == 0)
        return F_PORT;
    for (int i = 0; i < NFRAG; i++)
        if (strcmp(f, fragment_names[i]) == 0)
            return i;
    return INT_MIN;
}

/* ---- URI fragments (java.net.URI) ----------------------------------------- */

typedef struct frags {
    char *f[NFRAG];    /* arena strings or NULL */
    int port;          /* -1: none */
} frags;

static void frags_set(mc_message *m, frags *fr, const char *uri)
{
    memset(fr, 0, sizeof *fr);
    fr->port = -1;
    xmlURIPtr u = uri && *uri ? xmlParseURI(uri) : NULL;
    if (!u)
        return;
    char *const src[NFRAG] = {u->scheme, u->user, u->server, u->path, u->query, u->fragment};
    for (int i = 0; i < NFRAG; i++)
        fr->f[i] = src[i] && (i != F_PATH || *src[i]) ? mc_arena_strdup(&m->arena, src[i]) : NULL;
    fr->port = u->port > 0 ? u->port : -1;
    xmlFreeURI(u);
}

/* Quote what URI's multi-argument constructor quotes: everything outside
 * the characters legal in that component, '%' included. */
static void quote(mc_buf *b, const char *s, const char *legal)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                  strchr("-_.!~*'()", *p) || (*p && strchr(legal, *p));
        if (ok) {
            mc_buf_putc(b, (char)*p);
        } else {
            mc_buf_putc(b, '%');
            mc_buf_putc(b, hex[*p >> 4]);
            mc_buf_putc(b, hex[*p & 15]);
        }
    }
}

static const char *frags_string(mc_message *m, const frags *fr)
{
    mc_buf b = MC_BUF_INIT;
    if (fr->f[F_PROTOCOL]) {
        mc_buf_puts(&b, fr->f[F_PROTOCOL]);
        mc_buf_putc(&b, ':');
    }
    if (fr->f[F_HOST]) {
        mc_buf_puts(&b, "//");
        if (fr->f[F_USER]) {
            quote(&b, fr->f[F_USER], ";:&=+$,");
            mc_buf_putc(&b, '@');
        }
        mc_buf_puts(&b, fr->f[F_HOST]);
        if (fr->port >= 0)
            mc_buf_printf(&b, ":%d", fr->port);
    }
    if (fr->f[F_PATH])
        quote(&b, fr->f[F_PATH], ",;:$&+=/@");
    if (fr->f[F_QUERY]) {
        mc_buf_putc(&b, '?');
        quote(&b, fr->f[F_QUERY], ";/?:@&=+$,[]");
    }
    if (fr->f[F_REF]) {
        mc_buf_putc(&b, '#');
        quote(&b, fr->f[F_REF], ";/?:@&=+$,[]");
    }
    const char *r = b.oom ? NULL : mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
    mc_buf_free(&b);
    return r;
}

/* ---- conditions ------------------------------------------------------------- */

static evaluator *compile_eval(mc_compiler *cc, xmlNodePtr e)
{
    evaluator *ev = mc_alloc(cc, sizeof *ev);
    if (!ev)
        return NULL;
    const char *n = (const char *)e->name;
    if (strcmp(n, "and") == 0 || strcmp(n, "or") == 0 || strcmp(n, "not") == 0) {
        ev->kind = n[0] == 'a' ? E_AND : n[0] == 'o' ? E_OR : E_NOT;
        uint32_t k = 0;
        for (xmlNodePtr c = mc_first_elem(e); c; c = mc_next_elem(c))
            k++;
        if (!k || (ev->kind == E_NOT && k != 1)) {
            mc_diag(cc, e, NULL, MC_DIAG_ERROR, "<%s> needs %s", n,
                    ev->kind == E_NOT ? "exactly one condition" : "conditions");
            return NULL;
        }
        ev->kids = mc_alloc(cc, k * sizeof *ev->kids);
        for (xmlNodePtr c = mc_first_elem(e); c && ev->kids; c = mc_next_elem(c))
            if (!(ev->kids[ev->nkids++] = compile_eval(cc, c)))
                return NULL;
        return ev->kids ? ev : NULL;
    }
    if (strcmp(n, "equal") != 0 && strcmp(n, "match") != 0) {
        mc_diag(cc, e, NULL, MC_DIAG_ERROR,
                "unknown condition <%s> (and, or, not, equal, match)", n);
        return NULL;
    }
    static const char *const attrs[] = {"type", "source", "value", "regex", NULL};
    mc_check_attrs(cc, e, attrs);
    ev->kind = n[0] == 'e' ? E_EQUAL : E_MATCH;
    const char *type = mc_attr(cc, e, "type");
    ev->source = mc_attr(cc, e, "source");
    if (!type || strcmp(type, "header") == 0) {
        ev->source_type = S_HEADER;
    } else if (strcmp(type, "param") == 0) {
        ev->source_type = S_PARAM;
    } else if (strcmp(type, "url") == 0) {
        ev->source_type = S_URL;
        ev->url_fragment = F_FULL;
        if (ev->source && (ev->url_fragment = fragment_of(ev->source)) == INT_MIN) {
            mc_diag(cc, e, "source", MC_DIAG_ERROR,
                    "unknown URL fragment '%s' (protocol, user, host, port, path, query, ref)",
                    ev->source);
            return NULL;
        }
    } else if (strcmp(type, "property") == 0) {
        ev->source_type = S_PROPERTY;
    } else if (strcmp(type, "soap") == 0) {
        ev->source_type = S_SOAP;
        if (ev->source && !(ev->xpath = mc_compile_expr(cc, e, "source", ev->source)))
            return NULL;
    } else {
        mc_diag(cc, e, "type", MC_DIAG_ERROR,
                "unknown condition type '%s' (url, param, header, property, soap)", type);
        return NULL;
    }
    if (ev->source_type != S_URL && !ev->source) {
        mc_diag(cc, e, NULL, MC_DIAG_ERROR, "<%s type=\"%s\"> needs a 'source' attribute", n,
                type ? type : "header");
        return NULL;
    }
    if (ev->kind == E_EQUAL) {
        ev->value = mc_attr(cc, e, "value");
        if (!ev->value) {
            mc_diag(cc, e, NULL, MC_DIAG_ERROR, "<equal> needs a 'value' attribute");
            return NULL;
        }
    } else {
        const char *re = mc_attr(cc, e, "regex");
        if (!re) {
            mc_diag(cc, e, NULL, MC_DIAG_ERROR, "<match> needs a 'regex' attribute");
            return NULL;
        }
        if (!(ev->regex = mc_compile_regex(cc, e, "regex", re)))
            return NULL;
    }
    return ev;
}

/* The decoded value of query parameter name in the URL, or NULL. */
static const char *query_param(mc_message *m, const char *url, const char *name)
{
    const char *q = strchr(url, '?');
    size_t nl = strlen(name);
    for (const char *p = q ? q + 1 : NULL; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq && (size_t)(eq - p) == nl && memcmp(p, name, nl) == 0) {
            mc_buf b = MC_BUF_INIT;
            mc_url_decode(&b, eq + 1, len - (size_t)(eq - p) - 1, true);
            const char *r = mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
            mc_buf_free(&b);
            return r;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

static const char *source_text(mc_message *m, const evaluator *ev, const frags *fr)
{
    switch (ev->source_type) {
    case S_URL: {
        if (ev->url_fragment == F_FULL)
            return frags_string(m, fr);
        if (ev->url_fragment == F_PORT)
            return mc_arena_printf(&m->arena, "%d", fr->port);
        return fr->f[ev->url_fragment];
    }
    case S_PARAM:
        return query_param(m, frags_string(m, fr), ev->source);
    case S_HEADER:
        return mc_msg_prop(m, MC_SCOPE_TRANSPORT, ev->source);
    case S_SOAP: {
        const char *v;
        size_t n;
        mc_err err = {0};
        return mc_expr_string(ev->xpath, m, &v, &n, &err) == MC_OK ? v : NULL;
    }
    default:
        return mc_msg_prop(m, MC_SCOPE_DEFAULT, ev->source);
    }
}

static bool holds(mc_message *m, const evaluator *ev, const frags *fr)
{
    switch (ev->kind) {
    case E_AND:
        for (uint32_t i = 0; i < ev->nkids; i++)
            if (!holds(m, ev->kids[i], fr))
                return false;
        return true;
    case E_OR:
        for (uint32_t i = 0; i < ev->nkids; i++)
            if (holds(m, ev->kids[i], fr))
                return true;
        return false;
    case E_NOT:
        return !holds(m, ev->kids[0], fr);
    default: {
        const char *t = source_text(m, ev, fr);
        if (!t)
            return false;
        if (ev->kind == E_EQUAL)
            return strcasecmp(t, ev->value) == 0; /* equalsIgnoreCase */
        return mc_regex_matches(ev->regex, t, strlen(t));
    }
    }
}

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
    a->fragment = fragment_of(fragment);
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
    if (a->type == A_REMOVE_QUERY_PARAM && a->fragment != F_QUERY) {
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

static mc_flow run_action(mc_message *m, const action *a, frags *fr)
{
    const char *result = a->value;
    if (a->xpath) {
        size_t n;
        mc_err err = {0};
        if (mc_expr_string(a->xpath, m, &result, &n, &err) != MC_OK)
            return mc_fault(m, "0", "rewrite: %s", err.msg);
    }
    if (a->fragment == F_FULL) {
        frags_set(m, fr, result ? result : "");
        return MC_FLOW_NEXT;
    }
    if (a->fragment == F_PORT) {
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
        const char *sep = a->fragment == F_QUERY && *cur ? "&" : "";
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
                if (ce && !(ru->cond = compile_eval(cc, ce)))
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
    frags fr;
    frags_set(m, &fr, in);
    for (uint32_t i = 0; i < r->nrules; i++) {
        const rule *ru = &r->rules[i];
        if (ru->cond && !holds(m, ru->cond, &fr))
            continue;
        for (uint32_t k = 0; k < ru->nactions; k++)
            if (run_action(m, &ru->actions[k], &fr) != MC_FLOW_NEXT)
                return MC_FLOW_FAULT;
    }
    const char *out = frags_string(m, &fr);
    if (!out)
        return mc_fault(m, "0", "out of memory");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, r->out_property ? r->out_property : "To", out);
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_rewrite = {"rewrite", compile, exec, NULL, false};

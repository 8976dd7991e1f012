/* conditions.c - Synapse's commons evaluators (and, or, not, equal, match;
 * sources url with a fragment, param, header, property, soap), as
 * org.apache.synapse.commons.evaluators reads and evaluates them, and
 * java.net.URI's split of a URL into fragments (see conditions.h). */
#include "mediators/conditions.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/uri.h>

#include "util/codec.h"

enum { E_AND, E_OR, E_NOT, E_EQUAL, E_MATCH };
enum { S_URL, S_PARAM, S_HEADER, S_PROPERTY, S_SOAP };

struct mc_cond {
    int kind;
    struct mc_cond **kids;
    uint32_t nkids;
    int source_type;
    int url_fragment;          /* url source: F_* or MC_FRAG_FULL */
    const char *source;
    const char *value;
    mc_regex *regex;
    mc_expr *xpath;            /* soap: an XPath over the envelope */
};

static const char *const fragment_names[] = {"protocol", "user", "host", "path", "query", "ref"};

int mc_uri_fragment_of(const char *f)
{
    if (!f || strcmp(f, "full") == 0)
        return MC_FRAG_FULL;
    if (strcmp(f, "port") == 0)
        return MC_FRAG_PORT;
    for (int i = 0; i < MC_NFRAG; i++)
        if (strcmp(f, fragment_names[i]) == 0)
            return i;
    return INT_MIN;
}

/* ---- URI fragments (java.net.URI) ----------------------------------------- */

void mc_uri_frags_set(mc_message *m, mc_uri_frags *fr, const char *uri)
{
    memset(fr, 0, sizeof *fr);
    fr->port = -1;
    xmlURIPtr u = uri && *uri ? xmlParseURI(uri) : NULL;
    if (!u)
        return;
    char *const src[MC_NFRAG] = {u->scheme, u->user, u->server, u->path, u->query, u->fragment};
    for (int i = 0; i < MC_NFRAG; i++)
        fr->f[i] = src[i] && (i != MC_FRAG_PATH || *src[i]) ? mc_arena_strdup(&m->arena, src[i]) : NULL;
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

const char *mc_uri_frags_string(mc_message *m, const mc_uri_frags *fr)
{
    mc_buf b = MC_BUF_INIT;
    if (fr->f[MC_FRAG_PROTOCOL]) {
        mc_buf_puts(&b, fr->f[MC_FRAG_PROTOCOL]);
        mc_buf_putc(&b, ':');
    }
    if (fr->f[MC_FRAG_HOST]) {
        mc_buf_puts(&b, "//");
        if (fr->f[MC_FRAG_USER]) {
            quote(&b, fr->f[MC_FRAG_USER], ";:&=+$,");
            mc_buf_putc(&b, '@');
        }
        mc_buf_puts(&b, fr->f[MC_FRAG_HOST]);
        if (fr->port >= 0)
            mc_buf_printf(&b, ":%d", fr->port);
    }
    if (fr->f[MC_FRAG_PATH])
        quote(&b, fr->f[MC_FRAG_PATH], ",;:$&+=/@");
    if (fr->f[MC_FRAG_QUERY]) {
        mc_buf_putc(&b, '?');
        quote(&b, fr->f[MC_FRAG_QUERY], ";/?:@&=+$,[]");
    }
    if (fr->f[MC_FRAG_REF]) {
        mc_buf_putc(&b, '#');
        quote(&b, fr->f[MC_FRAG_REF], ";/?:@&=+$,[]");
    }
    const char *r = b.oom ? NULL : mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
    mc_buf_free(&b);
    return r;
}

/* ---- conditions ------------------------------------------------------------- */

mc_cond *mc_cond_compile(mc_compiler *cc, xmlNodePtr e)
{
    mc_cond *ev = mc_alloc(cc, sizeof *ev);
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
            if (!(ev->kids[ev->nkids++] = mc_cond_compile(cc, c)))
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
        ev->url_fragment = MC_FRAG_FULL;
        if (ev->source && (ev->url_fragment = mc_uri_fragment_of(ev->source)) == INT_MIN) {
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

static const char *source_text(mc_message *m, const mc_cond *ev, const mc_uri_frags *fr)
{
    switch (ev->source_type) {
    case S_URL: {
        if (ev->url_fragment == MC_FRAG_FULL)
            return mc_uri_frags_string(m, fr);
        if (ev->url_fragment == MC_FRAG_PORT)
            return mc_arena_printf(&m->arena, "%d", fr->port);
        return fr->f[ev->url_fragment];
    }
    case S_PARAM:
        return query_param(m, mc_uri_frags_string(m, fr), ev->source);
    case S_HEADER:
        return mc_msg_prop(m, MC_SCOPE_TRANSPORT, ev->source);
    case S_SOAP: {
        const char *v;
        size_t n;
        mc_err err;
        mc_err_clear(&err);
        return mc_expr_string(ev->xpath, m, &v, &n, &err) == MC_OK ? v : NULL;
    }
    default:
        return mc_msg_prop(m, MC_SCOPE_DEFAULT, ev->source);
    }
}

bool mc_cond_holds(mc_message *m, const mc_cond *ev, const mc_uri_frags *fr)
{
    switch (ev->kind) {
    case E_AND:
        for (uint32_t i = 0; i < ev->nkids; i++)
            if (!mc_cond_holds(m, ev->kids[i], fr))
                return false;
        return true;
    case E_OR:
        for (uint32_t i = 0; i < ev->nkids; i++)
            if (mc_cond_holds(m, ev->kids[i], fr))
                return true;
        return false;
    case E_NOT:
        return !mc_cond_holds(m, ev->kids[0], fr);
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

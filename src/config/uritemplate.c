/* uritemplate.c - API resource matching: uri-template ("/functions/{name}"
 * with optional "?q={q}" query bindings) and url-mapping. */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "util/codec.h"

typedef struct tpl_part {
    const char *lit;   /* literal, or NULL for a variable */
    size_t len;
    const char *var;   /* variable name */
} tpl_part;

typedef struct tpl_query {
    const char *param;
    const char *var;
} tpl_query;

struct mc_uri_template {
    tpl_part *parts;
    size_t nparts;
    tpl_query *query;
    size_t nquery;
    bool tail_wildcard;   /* the last literal ended in '*': any rest matches */
    bool any_query;       /* "?*": a query string must be there, any will do */
};

static bool parse_parts(mc_compiler *cc, xmlNodePtr node, const char *s,
                        size_t n, mc_uri_template *t)
{
    size_t max = 2 * n + 2;
    t->parts = mc_alloc(cc, max * sizeof *t->parts);
    size_t lit = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '}') {
            mc_diag(cc, node, "uri-template", MC_DIAG_ERROR,
                    "unexpected '}' at offset %zu in uri-template '%s'", i, s);
            return false;
        }
        if (s[i] != '{')
            continue;
        const char *close = memchr(s + i, '}', n - i);
        if (!close) {
            mc_diag(cc, node, "uri-template", MC_DIAG_ERROR,
                    "unclosed '{' in uri-template '%s'", s);
            return false;
        }
        size_t vl = (size_t)(close - s) - i - 1;
        if (vl == 0) {
            mc_diag(cc, node, "uri-template", MC_DIAG_ERROR,
                    "empty variable name in uri-template '%s'", s);
            return false;
        }
        if (i > lit)
            t->parts[t->nparts++] = (tpl_part){s + lit, i - lit, NULL};
        if (t->nparts && !t->parts[t->nparts - 1].lit) {
            mc_diag(cc, node, "uri-template", MC_DIAG_ERROR,
                    "two variables without a separator in uri-template '%s'", s);
            return false;
        }
        char *var = mc_alloc(cc, vl + 1);
        memcpy(var, s + i + 1, vl);
        t->parts[t->nparts++] = (tpl_part){NULL, 0, var};
        i = (size_t)(close - s);
        lit = i + 1;
    }
    if (lit < n)
        t->parts[t->nparts++] = (tpl_part){s + lit, n - lit, NULL};
    return true;
}

mc_uri_template *mc_uri_template_compile(mc_compiler *cc, xmlNodePtr node,
                                         const char *src)
{
    if (!src || src[0] != '/') {
        mc_diag(cc, node, "uri-template", MC_DIAG_ERROR,
                "uri-template '%s' must start with '/'", src ? src : "");
        return NULL;
    }
    mc_uri_template *t = mc_alloc(cc, sizeof *t);
    const char *q = strchr(src, '?');
    size_t plen = q ? (size_t)(q - src) : strlen(src);
    if (!parse_parts(cc, node, src, plen, t))
        return NULL;
    /* Synapse's literal wildcard: a template ending in '*' ("/person*",
     * "/view/" followed by '*') matches any rest */
    tpl_part *last = t->nparts ? &t->parts[t->nparts - 1] : NULL;
    if (last && last->lit && last->len && last->lit[last->len - 1] == '*') {
        t->tail_wildcard = true;
        last->len--;
        if (!last->len)
            t->nparts--;
    }
    if (q && strcmp(q, "?*") == 0) {
        t->any_query = true;
    } else if (q) {
        size_t nq = 1;
        for (const char *p = q; *p; p++)
            nq += *p == '&';
        t->query = mc_alloc(cc, nq * sizeof *t->query);
        char *copy = (char *)mc_strdup(cc, q + 1);
        for (char *save = NULL, *kv = strtok_r(copy, "&", &save); kv;
             kv = strtok_r(NULL, "&", &save)) {
            char *eq = strchr(kv, '=');
            size_t vl = eq ? strlen(eq + 1) : 0;
            if (!eq || vl < 3 || eq[1] != '{' || eq[vl] != '}') {
                mc_diag(cc, node, "uri-template", MC_DIAG_ERROR,
                        "query part '%s' of uri-template must be name={var}", kv);
                return NULL;
            }
            *eq = '\0';
            eq[vl] = '\0';
            t->query[t->nquery++] = (tpl_query){kv, eq + 2};
        }
    }
    return t;
}

/* Match parts[i..] against path[0..n); record variables into caps. */
static bool match_from(const mc_uri_template *t, size_t i, const char *path,
                       size_t n, const char **cap, size_t *caplen)
{
    if (i == t->nparts)
        return t->tail_wildcard || n == 0 || (n == 1 && path[0] == '/');
    const tpl_part *p = &t->parts[i];
    if (p->lit) {
        if (n < p->len || memcmp(path, p->lit, p->len) != 0)
            return false;
        return match_from(t, i + 1, path + p->len, n - p->len, cap, caplen);
    }
    /* variable: one or more characters up to '/' (the last part takes the
     * rest of the segment); try the longest first */
    size_t max = 0;
    while (max < n && path[max] != '/')
        max++;
    for (size_t k = max; k >= 1; k--) {
        if (match_from(t, i + 1, path + k, n - k, cap, caplen)) {
            cap[i] = path;
            caplen[i] = k;
            return true;
        }
    }
    return false;
}

static void set_decoded(mc_message *m, const char *prefix, const char *name,
                        const char *v, size_t n)
{
    mc_buf key = MC_BUF_INIT, val = MC_BUF_INIT;
    mc_buf_printf(&key, "%s%s", prefix, name);
    if (!mc_url_decode(&val, v, n, false)) {
        mc_buf_reset(&val);
        mc_buf_append(&val, v, n);
    }
    mc_msg_set_prop(m, MC_SCOPE_DEFAULT, mc_buf_cstr(&key), mc_buf_cstr(&val),
                    val.len, MC_VT_STRING);
    mc_buf_free(&key);
    mc_buf_free(&val);
}

bool mc_uri_template_match(const mc_uri_template *t, const char *path,
                           const char *query, mc_message *m)
{
    const char *cap[64];
    size_t caplen[64];
    if (t->nparts > 64)
        return false;
    if (t->any_query && !query)
        return false;
    if (!match_from(t, 0, path, strlen(path), cap, caplen))
        return false;
    for (size_t i = 0; i < t->nparts; i++)
        if (!t->parts[i].lit)
            set_decoded(m, "uri.var.", t->parts[i].var, cap[i], caplen[i]);
    for (size_t i = 0; i < t->nquery && query; i++) {
        size_t pl = strlen(t->query[i].param);
        for (const char *p = query; p && *p;) {
            const char *amp = strchr(p, '&');
            size_t len = amp ? (size_t)(amp - p) : strlen(p);
            if (len > pl && strncmp(p, t->query[i].param, pl) == 0 && p[pl] == '=')
                set_decoded(m, "uri.var.", t->query[i].var, p + pl + 1, len - pl - 1);
            p = amp ? amp + 1 : NULL;
        }
    }
    return true;
}

bool mc_url_mapping_match(const char *mapping, const char *path)
{
    size_t ml = strlen(mapping), pl = strlen(path);
    if (ml >= 2 && strcmp(mapping + ml - 2, "/*") == 0) {
        size_t base = ml - 2;
        return strncmp(path, mapping, base) == 0 &&
               (pl == base || path[base] == '/' || base == 0);
    }
    if (ml >= 2 && mapping[0] == '*' && mapping[1] == '.') {
        return pl >= ml - 1 && strcmp(path + pl - (ml - 1), mapping + 1) == 0;
    }
    return strcmp(mapping, path) == 0 ||
           (pl == ml + 1 && strncmp(path, mapping, ml) == 0 && path[ml] == '/');
}

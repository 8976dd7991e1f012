/* compiler.c - the services mediators use while compiling: diagnostics
 * with file:line:col, attribute and text access, expression/regex
 * compilation with errors at the right place, child sequences and
 * references resolved at link time. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/internal.h"
#include "mediators/mediators.h"

#define MAX_NESTING 64

void mc_diag_at(mc_config *cfg, const char *file, int line, int col,
                int severity, const char *fmt, ...)
{
    static const char *const sev[] = {"error", "warning", "note"};
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mc_buf_printf(&cfg->diags, "%s:%d:%d: %s: %s\n", file ? file : "<config>",
                  line, col, sev[severity], msg);
    if (severity == MC_DIAG_ERROR)
        cfg->nerrors++;
    else if (severity == MC_DIAG_WARNING)
        cfg->nwarnings++;
}

/* Byte offset of the '<' that starts node's tag, or SIZE_MAX. */
static size_t start_offset(const mc_compiler *cc, xmlNodePtr node)
{
    if (!node || node->type != XML_ELEMENT_NODE || !node->psvi || !cc->text)
        return SIZE_MAX;
    size_t off = (size_t)(uintptr_t)node->psvi - 1;
    if (off > cc->len)
        off = cc->len;
    while (off > 0 && cc->text[off] != '<')
        off--;
    return off;
}

static void offset_pos(const mc_compiler *cc, size_t off, int *line, int *col)
{
    size_t lo = 0, hi = cc->nlines;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (cc->line_starts[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    *line = (int)lo + 1;
    /* column in characters: count UTF-8 lead bytes */
    int c = 1;
    for (size_t i = cc->line_starts[lo]; i < off; i++)
        if (((unsigned char)cc->text[i] & 0xC0) != 0x80)
            c++;
    *col = c;
}

void mc_node_pos(const mc_compiler *cc, xmlNodePtr node, int *line, int *col)
{
    size_t off = start_offset(cc, node);
    if (off == SIZE_MAX || !cc->nlines) {
        *line = node ? (int)xmlGetLineNo(node) : 0;
        *col = 1;
        return;
    }
    offset_pos(cc, off, line, col);
}

/* Position of attribute name within node's start tag. */
static void attr_pos(const mc_compiler *cc, xmlNodePtr node, const char *attr,
                     int *line, int *col)
{
    size_t off = start_offset(cc, node);
    if (off == SIZE_MAX) {
        mc_node_pos(cc, node, line, col);
        return;
    }
    size_t alen = strlen(attr);
    char quote = 0;
    for (size_t i = off + 1; i < cc->len; i++) {
        char ch = cc->text[i];
        if (quote) {
            if (ch == quote)
                quote = 0;
            continue;
        }
        if (ch == '"' || ch == '\'') {
            quote = ch;
            continue;
        }
        if (ch == '>')
            break;
        if ((ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') &&
            i + 1 + alen < cc->len &&
            memcmp(cc->text + i + 1, attr, alen) == 0) {
            size_t j = i + 1 + alen;
            while (j < cc->len && (cc->text[j] == ' ' || cc->text[j] == '\t'))
                j++;
            if (j < cc->len && cc->text[j] == '=') {
                offset_pos(cc, i + 1, line, col);
                return;
            }
        }
    }
    offset_pos(cc, off, line, col);
}

void mc_attr_pos(const mc_compiler *cc, xmlNodePtr node, const char *attr,
                 int *line, int *col)
{
    attr_pos(cc, node, attr, line, col);
}

void mc_diag(mc_compiler *cc, xmlNodePtr node, const char *attr, int severity,
             const char *fmt, ...)
{
    int line, col;
    if (attr)
        attr_pos(cc, node, attr, &line, &col);
    else
        mc_node_pos(cc, node, &line, &col);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mc_diag_at(cc->cfg, cc->file, line, col, severity, "%s", msg);
}

void *mc_alloc(mc_compiler *cc, size_t n)
{
    return mc_arena_calloc(&cc->cfg->arena, n);
}

const char *mc_strdup(mc_compiler *cc, const char *s)
{
    return s ? mc_arena_strdup(&cc->cfg->arena, s) : NULL;
}

const char *mc_attr(mc_compiler *cc, xmlNodePtr node, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(node, BAD_CAST name);
    if (!v)
        return NULL;
    const char *r = mc_strdup(cc, (const char *)v);
    xmlFree(v);
    return r;
}

const char *mc_text(mc_compiler *cc, xmlNodePtr node)
{
    xmlChar *v = xmlNodeGetContent(node);
    const char *r = mc_strdup(cc, v ? (const char *)v : "");
    xmlFree(v);
    return r ? r : "";
}

const char *mc_text_trimmed(mc_compiler *cc, xmlNodePtr node)
{
    return mc_strdup_trimmed(cc, mc_text(cc, node));
}

const char *mc_strdup_trimmed(mc_compiler *cc, const char *t)
{
    while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
        t++;
    size_t n = strlen(t);
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\n' || t[n - 1] == '\r'))
        n--;
    char *r = mc_alloc(cc, n + 1);
    if (r)
        memcpy(r, t, n);
    return r;
}

bool mc_is_synapse(xmlNodePtr node)
{
    return !node->ns || strcmp((const char *)node->ns->href, MC_SYNAPSE_NS) == 0;
}

xmlNodePtr mc_first_elem(xmlNodePtr node)
{
    for (xmlNodePtr n = node ? node->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            return n;
    return NULL;
}

xmlNodePtr mc_next_elem(xmlNodePtr node)
{
    for (xmlNodePtr n = node ? node->next : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            return n;
    return NULL;
}

void mc_check_attrs(mc_compiler *cc, xmlNodePtr node, const char *const *allowed)
{
    size_t na = 0;
    while (allowed[na])
        na++;
    for (xmlAttrPtr a = node->properties; a; a = a->next) {
        const char *an = (const char *)a->name;
        if (a->ns)
            continue; /* namespaced attributes belong to tools */
        bool ok = strcmp(an, "description") == 0;
        for (size_t i = 0; !ok && i < na; i++)
            ok = strcmp(an, allowed[i]) == 0;
        if (ok)
            continue;
        const char *near = mc_closest(an, allowed, na);
        if (near)
            mc_diag(cc, node, an, MC_DIAG_WARNING,
                    "unknown attribute '%s' on <%s>; did you mean '%s'?", an,
                    (const char *)node->name, near);
        else
            mc_diag(cc, node, an, MC_DIAG_WARNING,
                    "unknown attribute '%s' on <%s>", an, (const char *)node->name);
    }
}

/* Namespace bindings in scope at node, for XPath prefixes. */
static size_t ns_in_scope(mc_compiler *cc, xmlNodePtr node, mc_nsbind **out)
{
    xmlNsPtr *list = xmlGetNsList(node->doc, node);
    size_t n = 0;
    if (list)
        while (list[n])
            n++;
    mc_nsbind *b = n ? mc_alloc(cc, n * sizeof *b) : NULL;
    for (size_t i = 0; b && i < n; i++) {
        b[i].prefix = list[i]->prefix ? mc_strdup(cc, (const char *)list[i]->prefix) : NULL;
        b[i].uri = mc_strdup(cc, (const char *)list[i]->href);
    }
    xmlFree(list);
    *out = b;
    return b ? n : 0;
}

static void free_expr(void *p) { mc_expr_free(p); }
static void free_template(void *p) { mc_template_free(p); }
static void free_regex(void *p) { mc_regex_free(p); }

/* ---- expressions: what they may read, and where their errors are -------- */

static const char *env_config(void *ud, const char *name)
{
    return mc_config_value(ud, name);
}

static const char *env_secret(void *ud, const char *alias)
{
    return mc_config_secret(ud, alias);
}

/* At load: the secrets file, else the environment (remembered for the
 * run-time lookup). */
static const char *env_secret_at_load(void *ud, const char *alias)
{
    return mc_config_vault_lookup(ud, alias);
}

/* Registry resources are local entries keyed by their registry key. */
static const char *env_registry(void *ud, const char *key, size_t *len)
{
    const mc_local_entry *e = mc_config_entry(ud, key);
    if (!e || !e->text)
        return NULL;
    *len = e->len;
    return e->text;
}

/* A resource's properties: the resource KEY.properties beside it, as MI's
 * registry keeps them. */
static bool env_registry_property(void *ud, const char *key, const char *name, mc_buf *out)
{
    /* a registry folder loads KEY.properties as the resource's properties;
     * otherwise the properties may be a resource of their own */
    const char *v = mc_config_resource_property(ud, key, name);
    if (v) {
        mc_buf_reset(out);
        mc_buf_puts(out, v);
        return !out->oom;
    }
    size_t n = strlen(key);
    char *pk = malloc(n + sizeof ".properties");
    if (!pk)
        return false;
    memcpy(pk, key, n);
    memcpy(pk + n, ".properties", sizeof ".properties");
    const mc_local_entry *e = mc_config_entry(ud, pk);
    free(pk);
    return e && e->text && mc_properties_value(e->text, e->len, name, out);
}

static void expr_opts(mc_compiler *cc, xmlNodePtr node, mc_expr_env *env, mc_expr_opts *o)
{
    *env = (mc_expr_env){cc->cfg, env_config, env_secret, env_registry,
                         env_registry_property, env_secret_at_load};
    mc_nsbind *ns;
    size_t nns = ns_in_scope(cc, node, &ns);
    *o = (mc_expr_opts){ns, nns, env};
}

/* Decode an XML entity at raw[i] (just past '&') into out; returns the
 * bytes of raw it used, 0 when it is not one. */
static size_t xml_entity(const char *raw, size_t n, char *out, size_t *outlen)
{
    static const struct { const char *name; char c; } named[] = {
        {"lt;", '<'}, {"gt;", '>'}, {"amp;", '&'}, {"quot;", '"'}, {"apos;", '\''}};
    for (size_t k = 0; k < sizeof named / sizeof *named; k++) {
        size_t l = strlen(named[k].name);
        if (l <= n && memcmp(raw, named[k].name, l) == 0) {
            out[0] = named[k].c;
            *outlen = 1;
            return l;
        }
    }
    if (n > 1 && raw[0] == '#') {
        unsigned long cp = 0;
        size_t j = 1;
        bool hex = raw[1] == 'x';
        if (hex)
            j++;
        for (; j < n && raw[j] != ';' && j < 12; j++)
            cp = cp * (hex ? 16 : 10) + (unsigned long)(raw[j] <= '9' ? raw[j] - '0' : (raw[j] | 32) - 'a' + 10);
        if (j < n && raw[j] == ';') {
            mc_buf b = MC_BUF_INIT;
            mc_buf_put_utf8(&b, cp);
            *outlen = b.len < 4 ? b.len : 4;
            memcpy(out, b.data ? b.data : "", *outlen);
            mc_buf_free(&b);
            return j + 1;
        }
    }
    return 0;
}

/* Where byte at-1 of text (an attribute's value or an element's text, as
 * the expression compiler saw it) is in the file.  False when it cannot
 * be found (the caller then reports at the attribute or element). */
static bool text_pos(const mc_compiler *cc, xmlNodePtr node, const char *attr,
                     const char *text, size_t at, int *line, int *col)
{
    size_t off = start_offset(cc, node);
    if (off == SIZE_MAX || !at || !cc->nlines)
        return false;
    const char *f = cc->text;
    size_t i = off, n = cc->len;
    char quote = 0;
    if (attr) {
        /* the attribute's value in the start tag */
        size_t alen = strlen(attr);
        bool found = false;
        for (size_t k = off + 1; k + alen < n && f[k] != '>'; k++) {
            if (f[k] == '"' || f[k] == '\'') {
                char q = f[k++];
                while (k < n && f[k] != q)
                    k++;
                continue;
            }
            if ((f[k - 1] == ' ' || f[k - 1] == '\t' || f[k - 1] == '\n' || f[k - 1] == '\r') &&
                memcmp(f + k, attr, alen) == 0) {
                size_t j = k + alen;
                while (j < n && (f[j] == ' ' || f[j] == '\t'))
                    j++;
                if (j < n && f[j] == '=') {
                    j++;
                    while (j < n && (f[j] == ' ' || f[j] == '\t'))
                        j++;
                    if (j < n && (f[j] == '"' || f[j] == '\'')) {
                        quote = f[j];
                        i = j + 1;
                        found = true;
                    }
                    break;
                }
            }
        }
        if (!found)
            return false;
    } else {
        while (i < n && f[i] != '>') /* past the start tag */
            i++;
        i++;
    }
    /* decode the raw text, remembering where each decoded byte came from */
    size_t cap = 4096, dn = 0;
    char *dec = malloc(cap);
    size_t *map = malloc(cap * sizeof *map);
    bool ok = dec && map;
    while (ok && i < n) {
        if (attr && f[i] == quote)
            break;
        if (!attr && f[i] == '<') {
            if (n - i >= 9 && memcmp(f + i, "<![CDATA[", 9) == 0) {
                i += 9;
                while (ok && i + 2 < n && memcmp(f + i, "]]>", 3) != 0) {
                    if (dn == cap) {
                        ok = false;
                        break;
                    }
                    dec[dn] = f[i];
                    map[dn++] = i++;
                }
                i += 3;
                continue;
            }
            if (n - i >= 2 && f[i + 1] == '/')
                break; /* the end of the element */
            while (i < n && f[i] != '>')
                i++;
            i++;
            continue;
        }
        char ent[4];
        size_t el = 0, used = f[i] == '&' ? xml_entity(f + i + 1, n - i - 1, ent, &el) : 0;
        if (dn + 4 > cap)
            break;
        if (used) {
            for (size_t k = 0; k < el; k++) {
                dec[dn] = ent[k];
                map[dn++] = i;
            }
            i += used + 1;
        } else {
            dec[dn] = f[i];
            map[dn++] = i++;
        }
    }
    size_t tl = strlen(text);
    const char *hit = ok && tl <= dn ? memmem(dec, dn, text, tl) : NULL;
    if (hit && (size_t)(hit - dec) + at - 1 < dn)
        offset_pos(cc, map[(size_t)(hit - dec) + at - 1], line, col);
    free(dec);
    free(map);
    return hit && (size_t)(hit - dec) + at - 1 < dn;
}

static void expr_diag(mc_compiler *cc, xmlNodePtr node, const char *attr, const char *text,
                      const mc_err *err)
{
    int line, col;
    if (text_pos(cc, node, attr, text, err->at, &line, &col))
        mc_diag_at(cc->cfg, cc->file, line, col, MC_DIAG_ERROR, "%s", err->msg);
    else
        mc_diag(cc, node, attr, MC_DIAG_ERROR, "%s", err->msg);
}

mc_expr *mc_compile_expr(mc_compiler *cc, xmlNodePtr node, const char *attr,
                         const char *src)
{
    mc_expr_env env;
    mc_expr_opts o;
    expr_opts(cc, node, &env, &o);
    mc_err err = {0};
    mc_check_vault_aliases(cc, node, attr, src);
    mc_expr *e = mc_expr_compile_opts(src, &o, &err);
    if (!e) {
        expr_diag(cc, node, attr, src, &err);
        return NULL;
    }
    mc_config_own(cc->cfg, e, free_expr);
    return e;
}

mc_expr *mc_compile_expr_quiet(mc_compiler *cc, xmlNodePtr node, const char *src)
{
    mc_expr_env env;
    mc_expr_opts o;
    expr_opts(cc, node, &env, &o);
    mc_err err = {0};
    mc_expr *e = mc_expr_compile_opts(src, &o, &err);
    if (e)
        mc_config_own(cc->cfg, e, free_expr);
    return e;
}

static mc_template *compile_template(mc_compiler *cc, xmlNodePtr node, const char *attr,
                                     const char *text, bool inline_only)
{
    mc_expr_env env;
    mc_expr_opts o;
    expr_opts(cc, node, &env, &o);
    mc_err err = {0};
    mc_check_vault_aliases(cc, node, attr, text);
    mc_template *t = mc_template_compile_opts(text, &o, inline_only, &err);
    if (!t) {
        expr_diag(cc, node, attr, text, &err);
        return NULL;
    }
    mc_config_own(cc->cfg, t, free_template);
    return t;
}

mc_template *mc_compile_template(mc_compiler *cc, xmlNodePtr node,
                                 const char *attr, const char *text)
{
    return compile_template(cc, node, attr, text, false);
}

mc_template *mc_compile_inline_template(mc_compiler *cc, xmlNodePtr node,
                                        const char *attr, const char *text)
{
    return compile_template(cc, node, attr, text, true);
}

mc_regex *mc_compile_regex(mc_compiler *cc, xmlNodePtr node, const char *attr,
                           const char *pattern)
{
    mc_err err = {0};
    mc_regex *re = mc_regex_compile(pattern, &err);
    if (!re) {
        mc_diag(cc, node, attr, MC_DIAG_ERROR, "%s", err.msg);
        return NULL;
    }
    mc_config_own(cc->cfg, re, free_regex);
    return re;
}

void *mc_new_mediator(mc_compiler *cc, xmlNodePtr node,
                      const mc_mediator_type *type, size_t n)
{
    mc_mediator *m = mc_alloc(cc, n);
    if (!m)
        return NULL;
    m->type = type;
    m->file = cc->file;
    mc_node_pos(cc, node, &m->line, &m->col);
    return m;
}

mc_mediator *mc_compile_mediator(mc_compiler *cc, xmlNodePtr node)
{
    const char *name = (const char *)node->name;
    const mc_mediator_type *t =
        cc->cfg->reg.lookup ? cc->cfg->reg.lookup(cc->cfg->reg.ud, name) : NULL;
    /* a Java mediator in its own namespace (WSO2's rule mediator is
     * <rule xmlns="http://wso2.org/carbon/rules">) is refused for what it is */
    if (t && !mc_is_synapse(node) && mc_refused_mediator(name) == t)
        return t->compile(cc, node);
    if (!t || !mc_is_synapse(node)) {
        const char *near = cc->cfg->reg.suggest ? cc->cfg->reg.suggest(cc->cfg->reg.ud, name) : NULL;
        if (near)
            mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                    "unknown mediator <%s>; did you mean <%s>?", name, near);
        else
            mc_diag(cc, node, NULL, MC_DIAG_ERROR, "unknown mediator <%s>", name);
        return NULL;
    }
    if (cc->depth >= MAX_NESTING) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "mediators nested deeper than %d levels", MAX_NESTING);
        return NULL;
    }
    cc->depth++;
    mc_mediator *m = t->compile(cc, node);
    cc->depth--;
    return m;
}

/* <description> may appear anywhere: for tools, not for the engine. */
static bool is_description(xmlNodePtr node)
{
    return strcmp((const char *)node->name, "description") == 0 && mc_is_synapse(node);
}

mc_seq *mc_compile_children(mc_compiler *cc, xmlNodePtr parent)
{
    mc_seq *s = mc_alloc(cc, sizeof *s);
    if (!s)
        return NULL;
    s->file = cc->file;
    mc_node_pos(cc, parent, &s->line, &s->col);
    uint32_t n = 0;
    for (xmlNodePtr c = mc_first_elem(parent); c; c = mc_next_elem(c))
        n++;
    s->items = n ? mc_alloc(cc, n * sizeof *s->items) : NULL;
    bool after_terminal = false;
    for (xmlNodePtr c = mc_first_elem(parent); c; c = mc_next_elem(c)) {
        if (is_description(c))
            continue;
        mc_mediator *m = mc_compile_mediator(cc, c);
        if (!m)
            continue;
        if (after_terminal) {
            mc_diag(cc, c, NULL, MC_DIAG_WARNING,
                    "<%s> can never run: it follows <%s>",
                    (const char *)c->name,
                    s->items[s->n - 1]->type->name);
            after_terminal = false; /* warn once per sequence */
        }
        if (m->type->terminal)
            after_terminal = true;
        s->items[s->n++] = m;
    }
    return s;
}

static struct mc_fixup *add_fixup(mc_compiler *cc, xmlNodePtr node,
                                  const char *attr, int kind, const char *key,
                                  void **slot)
{
    struct mc_fixup *f = mc_alloc(cc, sizeof *f);
    if (!f)
        return NULL;
    f->kind = kind;
    f->key = mc_strdup(cc, key);
    f->slot = slot;
    f->file = cc->file;
    if (attr)
        attr_pos(cc, node, attr, &f->line, &f->col);
    else
        mc_node_pos(cc, node, &f->line, &f->col);
    f->next = cc->cfg->fixups;
    cc->cfg->fixups = f;
    return f;
}

void mc_ref_sequence(mc_compiler *cc, xmlNodePtr node, const char *attr,
                     const char *key, const mc_seq **slot)
{
    mc_ref_sequence_msg(cc, node, attr, key, slot, "Sequence named %s cannot be found");
}

void mc_ref_sequence_msg(mc_compiler *cc, xmlNodePtr node, const char *attr,
                         const char *key, const mc_seq **slot, const char *missing_fmt)
{
    struct mc_fixup *f = add_fixup(cc, node, attr, MC_REF_SEQUENCE, key, (void **)slot);
    if (f)
        f->missing_fmt = missing_fmt;
}

void mc_ref_entry(mc_compiler *cc, xmlNodePtr node, const char *attr,
                  const char *key, const mc_local_entry **slot)
{
    add_fixup(cc, node, attr, MC_REF_ENTRY, key, (void **)slot);
}

void mc_ref_entry_compile(mc_compiler *cc, xmlNodePtr node, const char *attr,
                          const char *key, mc_entry_compile_fn compile,
                          void *target)
{
    struct mc_fixup *f = add_fixup(cc, node, attr, MC_REF_ENTRY, key, NULL);
    if (f) {
        f->compile = compile;
        f->target = target;
    }
}

void mc_ref_endpoint(mc_compiler *cc, xmlNodePtr node, const char *attr,
                     const char *key, const mc_endpoint **slot)
{
    add_fixup(cc, node, attr, MC_REF_ENDPOINT, key, (void **)slot);
}

void mc_ref_template(mc_compiler *cc, xmlNodePtr node, const char *attr,
                     const char *key, const mc_seq_template **slot,
                     mc_link_fn check, void *ud)
{
    struct mc_fixup *f = add_fixup(cc, node, attr, MC_REF_TEMPLATE, key, (void **)slot);
    if (f) {
        f->check = check;
        f->ud = ud;
    }
}

/* compiler.c - the services mediators use while compiling: diagnostics
 * with file:line:col, attribute and text access, expression/regex
 * compilation with errors at the right place, child sequences and
 * references resolved at link time. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/internal.h"

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

mc_expr *mc_compile_expr(mc_compiler *cc, xmlNodePtr node, const char *attr,
                         const char *src)
{
    mc_nsbind *ns;
    size_t nns = ns_in_scope(cc, node, &ns);
    mc_err err = {0};
    mc_check_vault_aliases(cc, node, attr, src);
    mc_expr *e = mc_expr_compile(src, ns, nns, &err);
    if (!e) {
        mc_diag(cc, node, attr, MC_DIAG_ERROR, "%s", err.msg);
        return NULL;
    }
    mc_config_own(cc->cfg, e, free_expr);
    return e;
}

mc_template *mc_compile_template(mc_compiler *cc, xmlNodePtr node,
                                 const char *attr, const char *text)
{
    mc_nsbind *ns;
    size_t nns = ns_in_scope(cc, node, &ns);
    mc_err err = {0};
    mc_check_vault_aliases(cc, node, attr, text);
    mc_template *t = mc_template_compile(text, ns, nns, &err);
    if (!t) {
        mc_diag(cc, node, attr, MC_DIAG_ERROR, "%s", err.msg);
        return NULL;
    }
    mc_config_own(cc->cfg, t, free_template);
    return t;
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

/* datamapper.c - <datamapper config inputSchema outputSchema inputType
 * outputType>: runs the mapping JavaScript WSO2's Data Mapper generates
 * (the .dmc resource) on the same duktape engine as <script>
 * (js_engine.h), the way MI's data-mapper engine does:
 *
 *   - the input becomes a JavaScript object: JSON as it is; XML through the
 *     input schema (names "prefix_local" with the schema's namespace
 *     prefixes, attributes "attr_NAME", an element's own text "_ELEMVAL",
 *     arrays and value types as the schema says, elements it does not name
 *     left out, '-' spelled _EnC0DeCHaRHyPh3n_);
 *   - it is bound to the global input<TITLE> (the input schema's title with
 *     ':' as '_') and DM_PROPERTIES.SCOPE['name'] to the properties the
 *     code names; then map_S_<in>_S_<out>() runs (the classic generated
 *     function), or mapFunction(input) (MI 4.x's TypeScript mappings);
 *   - the result is the new payload: JSON text, or XML rooted at the output
 *     schema's title with its namespaces.
 *
 * CSV payloads are refused at load.  docs/core.md, "datamapper". */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "json/json.h"
#include "mediators/js_engine.h"
#include "mediators/mediators.h"
#include "util/buf.h"

#define DM_HYPHEN "_EnC0DeCHaRHyPh3n_"
#define DM_MAX_DEPTH 256

typedef enum dm_type { DM_JSON, DM_XML } dm_type;

typedef struct dm_ns {
    const char *prefix;
    const char *uri;
} dm_ns;

/* A parsed Data Mapper schema (config-owned). */
typedef struct dm_schema {
    mc_json root;
    const char *title;          /* "ns1:employees" */
    dm_ns *ns;
    size_t nns;
} dm_schema;

/* DM_PROPERTIES.SCOPE['name'] named in the mapping code. */
typedef struct dm_prop_ref {
    const char *scope;
    const char *name;
} dm_prop_ref;

typedef struct dm_code {
    mc_js_code js;
    dm_prop_ref *props;
    size_t nprops;
} dm_code;

typedef struct datamapper_m {
    mc_mediator base;
    const char *config_key;
    dm_code code;
    dm_schema in, out;
    dm_type in_type, out_type;
    bool in_given, out_given;   /* else the schema's inputType/outputType */
    const char *target_var;     /* target="variable" */
    uint64_t budget;
    size_t memory;
} datamapper_m;

/* ---- load ------------------------------------------------------------- */

static bool parse_type(mc_compiler *cc, xmlNodePtr node, const char *attr, dm_type *out)
{
    const char *v = mc_attr(cc, node, attr);
    if (!v || strcasecmp(v, "XML") == 0) {
        *out = DM_XML;
        return true;
    }
    if (strcasecmp(v, "JSON") == 0) {
        *out = DM_JSON;
        return true;
    }
    mc_diag(cc, node, attr, MC_DIAG_ERROR,
            "datamapper %s '%s' is not supported: mediac maps XML and JSON (CSV is not supported)",
            attr, v);
    return false;
}

static const char *entry_text(const mc_local_entry *e, mc_config *cfg)
{
    if (e->text)
        return e->text;
    if (!e->xml)
        return "";
    xmlChar *t = xmlNodeGetContent(e->xml);
    const char *r = mc_arena_strdup(&cfg->arena, t ? (const char *)t : "");
    xmlFree(t);
    return r;
}

static bool compile_schema(const mc_local_entry *e, void *target, mc_config *cfg, mc_err *err)
{
    dm_schema *s = target;
    const char *text = entry_text(e, cfg);
    if (!text)
        return mc_err_set(err, MC_ENOMEM, "out of memory"), false;
    mc_err e2 = {0};
    s->root = mc_json_parse(&cfg->arena, text, strlen(text), &e2);
    if (!s->root || mc_json_type_of(s->root) != MC_JSON_OBJECT) {
        mc_err_set(err, MC_EPARSE, "datamapper schema '%s': %s", e->key,
                   s->root ? "not a JSON object" : e2.msg);
        return false;
    }
    size_t n;
    const char *t = mc_json_str(mc_json_get(s->root, "title", 5), &n);
    if (!t || !n) {
        mc_err_set(err, MC_EPARSE, "datamapper schema '%s' has no \"title\" (the root element's name)",
                   e->key);
        return false;
    }
    s->title = mc_arena_strndup(&cfg->arena, t, n);
    mc_json nss = mc_json_get(s->root, "namespaces", 10);
    size_t cnt = mc_json_count(nss);
    s->ns = cnt ? mc_arena_alloc(&cfg->arena, cnt * sizeof *s->ns) : NULL;
    for (size_t i = 0; i < cnt; i++) {
        size_t pl, ul;
        const char *p = mc_json_str(mc_json_get(mc_json_at(nss, i), "prefix", 6), &pl);
        const char *u = mc_json_str(mc_json_get(mc_json_at(nss, i), "url", 3), &ul);
        if (!p || !u || !pl)
            continue;
        s->ns[s->nns].prefix = mc_arena_strndup(&cfg->arena, p, pl);
        s->ns[s->nns].uri = mc_arena_strndup(&cfg->arena, u, ul);
        s->nns++;
    }
    return s->title && (!cnt || s->ns);
}

static bool ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$';
}

/* The DM_PROPERTIES.SCOPE['name'] references of the code (MI's pattern). */
static void scan_props(const char *src, dm_code *c, mc_config *cfg)
{
    static const char mark[] = "DM_PROPERTIES.";
    size_t cap = 0;
    for (const char *p = strstr(src, mark); p; p = strstr(p + 1, mark)) {
        const char *s = p + sizeof mark - 1, *q = s;
        while (ident_char(*q))
            q++;
        if (q == s || strncmp(q, "['", 2) != 0)
            continue;
        const char *n = q + 2, *e = n;
        while (ident_char(*e) || *e == '-' || *e == '.')
            e++;
        if (e == n || strncmp(e, "']", 2) != 0)
            continue;
        if (c->nprops == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            dm_prop_ref *np = mc_arena_alloc(&cfg->arena, ncap * sizeof *np);
            if (!np)
                return;
            if (cap)
                memcpy(np, c->props, cap * sizeof *np);
            c->props = np;
            cap = ncap;
        }
        c->props[c->nprops].scope = mc_arena_strndup(&cfg->arena, s, (size_t)(q - s));
        c->props[c->nprops].name = mc_arena_strndup(&cfg->arena, n, (size_t)(e - n));
        c->nprops++;
    }
}

static bool compile_config(const mc_local_entry *e, void *target, mc_config *cfg, mc_err *err)
{
    dm_code *c = target;
    const char *src = entry_text(e, cfg);
    if (!src)
        return mc_err_set(err, MC_ENOMEM, "out of memory"), false;
    int line = 0;
    mc_err e2 = {0};
    if (!mc_js_compile(cfg, e->key, src, strlen(src), &c->js, &line, &e2)) {
        mc_err_set(err, MC_EPARSE, "datamapper config '%s': %s", e->key, e2.msg);
        return false;
    }
    scan_props(src, c, cfg);
    return true;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"config", "inputSchema", "outputSchema", "inputType",
                                        "outputType", "xsltStyleSheet", "target",
                                        "targetVariable", "description", NULL};
    mc_check_attrs(cc, node, attrs);
    datamapper_m *d = mc_new_mediator(cc, node, &mc_med_datamapper, sizeof *d);
    if (!d)
        return NULL;
    static const struct {
        const char *attr, *msg;
    } req[] = {
        {"config", "The attribute config is required for the DataMapper mediator"},
        {"inputSchema", "The attribute inputSchema is required for the DataMapper mediator"},
        {"outputSchema", "The outputSchema attribute is required for the DataMapper mediator"},
    };
    const char *keys[3];
    for (size_t i = 0; i < 3; i++) {
        keys[i] = mc_attr(cc, node, req[i].attr);
        if (!keys[i] || !*keys[i]) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR, "%s", req[i].msg);
            return NULL;
        }
        if (keys[i][0] == '{') {
            mc_diag(cc, node, req[i].attr, MC_DIAG_ERROR,
                    "datamapper: a dynamic %s key is not supported (name the resource)",
                    req[i].attr);
            return NULL;
        }
    }
    if (!parse_type(cc, node, "inputType", &d->in_type) ||
        !parse_type(cc, node, "outputType", &d->out_type))
        return NULL;
    d->in_given = mc_attr(cc, node, "inputType") != NULL;
    d->out_given = mc_attr(cc, node, "outputType") != NULL;
    const char *target = mc_attr(cc, node, "target");
    if (target && strcmp(target, "body") != 0 && strcmp(target, "variable") != 0) {
        mc_diag(cc, node, "target", MC_DIAG_ERROR,
                "datamapper target '%s' must be 'body' or 'variable'", target);
        return NULL;
    }
    if (target && strcmp(target, "variable") == 0) {
        d->target_var = mc_attr(cc, node, "targetVariable");
        if (!d->target_var || !*d->target_var) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                    "datamapper target=\"variable\" needs a 'targetVariable'");
            return NULL;
        }
    }
    static const char *const ext[] = {"instructionBudget", "memoryLimit", NULL};
    unsigned long long limits[2] = {0, 0};
    if (!mc_ext_numbers(cc, node, ext, limits))
        return NULL;
    d->budget = limits[0];
    d->memory = (size_t)limits[1];
    d->config_key = keys[0];
    mc_ref_entry_compile(cc, node, "inputSchema", keys[1], compile_schema, &d->in);
    mc_ref_entry_compile(cc, node, "outputSchema", keys[2], compile_schema, &d->out);
    mc_ref_entry_compile(cc, node, "config", keys[0], compile_config, &d->code);
    return &d->base;
}

/* ---- names -------------------------------------------------------------- */

/* MI's field name: ':' and '=' as '_', ',' as _Separat0r_, '-' encoded. */
static void field_name(mc_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == ':' || *s == '=')
            mc_buf_putc(b, '_');
        else if (*s == ',')
            mc_buf_puts(b, "_Separat0r_");
        else if (*s == '-')
            mc_buf_puts(b, DM_HYPHEN);
        else
            mc_buf_putc(b, *s);
    }
}

/* The i-th schema prefix for uri (several prefixes may share one
 * namespace), or NULL past the last. */
static const char *prefix_for(const dm_schema *s, const xmlChar *uri, size_t i)
{
    if (!uri || !*uri)
        return NULL;
    for (size_t k = 0; k < s->nns; k++)
        if (strcmp(s->ns[k].uri, (const char *)uri) == 0 && i-- == 0)
            return s->ns[k].prefix;
    return NULL;
}

/* ---- XML in ------------------------------------------------------------- */

typedef struct dm_in {
    duk_context *ctx;
    const dm_schema *s;
    mc_buf name, field;
    const char *error;
} dm_in;

static mc_json member_schema(mc_json sch, const char *name)
{
    size_t n = strlen(name);
    mc_json v = mc_json_get(mc_json_get(sch, "properties", 10), name, n);
    return v ? v : mc_json_get(mc_json_get(sch, "attributes", 10), name, n);
}

static bool type_is(mc_json sch, const char *t)
{
    size_t n;
    const char *v = mc_json_str(mc_json_get(sch, "type", 4), &n);
    return v && n == strlen(t) && memcmp(v, t, n) == 0;
}

static mc_json array_items(mc_json sch)
{
    mc_json it = mc_json_get(sch, "items", 5);
    return mc_json_type_of(it) == MC_JSON_ARRAY ? mc_json_at(it, 0) : it;
}

static const char *own_text(xmlNodePtr el, mc_buf *b)
{
    mc_buf_reset(b);
    for (xmlNodePtr c = el->children; c; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            mc_buf_puts(b, (const char *)c->content);
    return mc_buf_cstr(b);
}

/* Push text as the schema's type says (MI: Double/Integer/Boolean parse). */
static bool push_typed(dm_in *in, mc_json sch, const char *text)
{
    duk_context *ctx = in->ctx;
    if (type_is(sch, "number") || type_is(sch, "integer")) {
        char *end;
        errno = 0;
        double v = strtod(text, &end);
        while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
            end++;
        if (end == text || *end || errno == ERANGE || !isfinite(v) ||
            (type_is(sch, "integer") && v != floor(v))) {
            in->error = "a value is not the number its schema says";
            return false;
        }
        duk_push_number(ctx, v);
    } else if (type_is(sch, "boolean")) {
        duk_push_boolean(ctx, strcasecmp(text, "true") == 0);
    } else {
        duk_push_string(ctx, text);
    }
    return true;
}

static bool is_nil(xmlNodePtr el)
{
    xmlChar *v = xmlGetNsProp(el, (const xmlChar *)"nil",
                              (const xmlChar *)"http://www.w3.org/2001/XMLSchema-instance");
    bool nil = v && strcmp((const char *)v, "true") == 0;
    xmlFree(v);
    return nil;
}

static bool build_object(dm_in *in, xmlNodePtr el, mc_json sch, int depth);

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

/* Append "prefix:" (p may be NULL: nothing) and text. */
static void put_q(mc_buf *b, const char *p, const char *text)
{
    if (p) {
        mc_buf_puts(b, p);
        mc_buf_putc(b, ':');
    }
    mc_buf_puts(b, text);
}

/* The namespace an xsi:type value's prefix stands for at el. */
static const xmlChar *type_uri(xmlNodePtr el, const xmlChar *xsi_type)
{
    const char *colon = strchr((const char *)xsi_type, ':');
    char pfx[128];
    size_t pl = colon ? (size_t)(colon - (const char *)xsi_type) : 0;
    if (!colon || pl >= sizeof pfx)
        return NULL;
    memcpy(pfx, xsi_type, pl);
    pfx[pl] = 0;
    xmlNsPtr ns = xmlSearchNs(el->doc, el, (const xmlChar *)pfx);
    return ns ? ns->href : NULL;
}

/* One spelling: prefix number i of uri, xsi prefix x, type prefix t. */
static void spell(dm_in *in, const xmlChar *uri, size_t i, const char *local,
                  const xmlChar *xsi_type, size_t x, const xmlChar *turi, size_t t)
{
    mc_buf *b = &in->name;
    mc_buf_reset(b);
    put_q(b, prefix_for(in->s, uri, i), local);
    if (!xsi_type)
        return;
    mc_buf_putc(b, ',');
    put_q(b, prefix_for(in->s, (const xmlChar *)XSI_NS, x), "type=");
    const char *tp = prefix_for(in->s, turi, t);
    if (tp) {
        const char *colon = strchr((const char *)xsi_type, ':');
        put_q(b, tp, colon + 1);
    } else {
        mc_buf_puts(b, (const char *)xsi_type);
    }
}

/* The schema's name for a node in namespace uri named local, with MI's
 * ",X:type=T:local" when xsi_type is given: among the spellings the
 * schema's prefixes allow (several prefixes may name one namespace), the
 * first that sch names; else the first spelling.  In in->name. */
static const char *schema_name(dm_in *in, mc_json sch, const xmlChar *uri, const char *local,
                               xmlNodePtr el, const xmlChar *xsi_type)
{
    const xmlChar *turi = xsi_type ? type_uri(el, xsi_type) : NULL;
    for (size_t i = 0; i == 0 || prefix_for(in->s, uri, i); i++)
        for (size_t x = 0; x == 0 || (xsi_type && prefix_for(in->s, (const xmlChar *)XSI_NS, x)); x++)
            for (size_t t = 0; t == 0 || (xsi_type && prefix_for(in->s, turi, t)); t++) {
                spell(in, uri, i, local, xsi_type, x, turi, t);
                if (member_schema(sch, mc_buf_cstr(&in->name)))
                    return mc_buf_cstr(&in->name);
            }
    spell(in, uri, 0, local, xsi_type, 0, turi, 0);
    return mc_buf_cstr(&in->name);
}

/* An element's schema name; MI adds its xsi:type when the schema maps the
 * XSI namespace. */
static const char *element_name(dm_in *in, mc_json sch, xmlNodePtr el)
{
    const xmlChar *uri = el->ns ? el->ns->href : NULL;
    xmlChar *t = prefix_for(in->s, (const xmlChar *)XSI_NS, 0)
                     ? xmlGetNsProp(el, (const xmlChar *)"type", (const xmlChar *)XSI_NS)
                     : NULL;
    const char *q = schema_name(in, sch, uri, (const char *)el->name, el, t);
    xmlFree(t);
    return q;
}

static const char *field_of(dm_in *in, const char *prefix, const char *q)
{
    mc_buf_reset(&in->field);
    mc_buf_puts(&in->field, prefix);
    field_name(&in->field, q);
    return mc_buf_cstr(&in->field);
}

/* One child element el (schema csch, named q) into the object on top;
 * run: the element before it had the same name (an array continues; else a
 * new one replaces it, as the last of MI's duplicate keys wins). */
static bool add_child(dm_in *in, xmlNodePtr el, const char *q, mc_json csch, int depth,
                      bool run)
{
    duk_context *ctx = in->ctx;
    duk_push_string(ctx, field_of(in, "", q));             /* [obj key] */
    if (type_is(csch, "array")) {
        mc_json items = array_items(csch);
        duk_dup(ctx, -1);
        if (!duk_get_prop(ctx, -3) || !duk_is_array(ctx, -1) || !run) {
            duk_pop(ctx);
            duk_push_array(ctx);
            duk_dup(ctx, -2);
            duk_dup(ctx, -2);
            duk_put_prop(ctx, -5);
        }                                                    /* [obj key arr] */
        bool ok = type_is(items, "object") ? build_object(in, el, items, depth + 1)
                                            : push_typed(in, items, own_text(el, &in->name));
        if (!ok)
            return false;
        duk_put_prop_index(ctx, -2, (duk_uarridx_t)duk_get_length(ctx, -2));
        duk_pop_2(ctx);
        return true;
    }
    if (type_is(csch, "object")) {
        if (!build_object(in, el, csch, depth + 1))
            return false;
    } else if (is_nil(el)) {
        duk_pop(ctx);
        return true;
    } else if (!push_typed(in, csch, own_text(el, &in->name))) {
        return false;
    }
    duk_put_prop(ctx, -3);
    return true;
}

/* Push the object for element el with schema sch. */
static bool build_object(dm_in *in, xmlNodePtr el, mc_json sch, int depth)
{
    duk_context *ctx = in->ctx;
    if (depth > DM_MAX_DEPTH)
        return in->error = "the input nests too deeply", false;
    duk_require_stack(ctx, 8);
    duk_push_object(ctx);
    if (is_nil(el))
        return true;
    mc_json value = mc_json_get(sch, "value", 5);
    if (value) {
        if (!push_typed(in, value, own_text(el, &in->name)))
            return false;
        duk_put_prop_string(ctx, -2, "_ELEMVAL");
    }
    for (xmlAttrPtr a = el->properties; a; a = a->next) {
        const char *q = schema_name(in, sch, a->ns ? a->ns->href : NULL, (const char *)a->name,
                                    el, NULL);
        mc_json asch = member_schema(sch, q);
        xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
        bool ok = push_typed(in, asch, v ? (const char *)v : "");
        xmlFree(v);
        if (!ok)
            return false;
        duk_put_prop_string(ctx, -2, field_of(in, "attr_", q));
    }
    xmlNodePtr prev = NULL;
    for (xmlNodePtr c = el->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *q = element_name(in, sch, c);
        mc_json csch = member_schema(sch, q);
        bool run = prev && xmlStrEqual(prev->name, c->name) &&
                   (prev->ns ? c->ns && xmlStrEqual(prev->ns->href, c->ns->href) : !c->ns);
        prev = c;
        if (!csch)
            continue; /* MI leaves out what its schema does not name */
        if (!add_child(in, c, q, csch, depth, run))
            return false;
    }
    return true;
}

/* ---- XML out ------------------------------------------------------------ */

typedef struct dm_out {
    duk_context *ctx;
    const dm_schema *s;
    xmlDocPtr doc;
    mc_buf name, text;          /* scratch (freed by the caller) */
    const char *error;
} dm_out;

static const char *schema_uri(const dm_schema *s, const char *prefix, size_t n)
{
    for (size_t i = 0; i < s->nns; i++)
        if (strlen(s->ns[i].prefix) == n && memcmp(s->ns[i].prefix, prefix, n) == 0)
            return s->ns[i].uri;
    return NULL;
}

/* The XML name for a result key, as MI's XMLWriter makes it: '-' for
 * _EnC0DeCHaRHyPh3n_; when the part before the first '_' is a schema
 * prefix, the element is in that namespace and named by the rest (up to
 * _Separat0r_, which ends the name in any case).  Attributes (attr=true,
 * "attr_" already removed): "prefix_..._local" is prefix:local. */
static bool out_name(dm_out *o, xmlNodePtr scope, const char *key, bool attr, xmlNsPtr *ns,
                     mc_buf *local)
{
    mc_buf_reset(local);
    for (const char *p = key; *p;) {
        if (strncmp(p, DM_HYPHEN, sizeof DM_HYPHEN - 1) == 0) {
            mc_buf_putc(local, '-');
            p += sizeof DM_HYPHEN - 1;
        } else {
            mc_buf_putc(local, *p++);
        }
    }
    *ns = NULL;
    char *name = (char *)mc_buf_cstr(local);
    char *us = strchr(name, '_');
    const char *uri = us ? schema_uri(o->s, name, (size_t)(us - name)) : NULL;
    if (!attr) {
        char *sep = strstr(name, "_Separat0r_");
        if (sep) {
            *sep = 0;
            local->len = (size_t)(sep - name);
        }
    }
    if (uri) {
        *us = 0;
        *ns = xmlSearchNs(o->doc, scope, (const xmlChar *)name);
        const char *rest = attr ? strrchr(us + 1, '_') : NULL;
        rest = rest ? rest + 1 : us + 1;
        size_t rl = strlen(rest);
        memmove(name, rest, rl + 1);
        local->len = rl;
    }
    if (local->oom || xmlValidateNCName((const xmlChar *)mc_buf_cstr(local), 0) != 0) {
        o->error = "the mapping produced a name that is not an XML name";
        return false;
    }
    return true;
}

/* A number as Java's Double.toString writes it (MI's XML writer does so
 * for the schema's "number" values): "100.0", "5.95", "1.0E7", "1.5E-4". */
static void java_double(mc_buf *b, double d)
{
    if (isnan(d)) {
        mc_buf_puts(b, "NaN");
        return;
    }
    if (isinf(d)) {
        mc_buf_puts(b, d < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (d == 0) {
        mc_buf_puts(b, signbit(d) ? "-0.0" : "0.0");
        return;
    }
    char e[40];
    for (int p = 0; p < 17; p++) { /* shortest digits that read back */
        snprintf(e, sizeof e, "%.*e", p, d);
        if (strtod(e, NULL) == d)
            break;
    }
    /* e: [-]D[.DDD]e[+-]XX */
    char *ep = strchr(e, 'e');
    int exp = atoi(ep + 1);
    *ep = 0;
    char digits[32];
    size_t nd = 0;
    const char *p = e;
    if (*p == '-') {
        mc_buf_putc(b, '-');
        p++;
    }
    for (; *p; p++)
        if (*p != '.')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    double a = fabs(d);
    if (a >= 1e-3 && a < 1e7) {
        if (exp >= 0) {
            for (int i = 0; i <= exp; i++)
                mc_buf_putc(b, (size_t)i < nd ? digits[i] : '0');
            mc_buf_putc(b, '.');
            if ((size_t)exp + 1 >= nd)
                mc_buf_putc(b, '0');
            else
                mc_buf_append(b, digits + exp + 1, nd - (size_t)exp - 1);
        } else {
            mc_buf_puts(b, "0.");
            for (int i = -1; i > exp; i--)
                mc_buf_putc(b, '0');
            mc_buf_append(b, digits, nd);
        }
        return;
    }
    mc_buf_putc(b, digits[0]);
    mc_buf_putc(b, '.');
    if (nd > 1)
        mc_buf_append(b, digits + 1, nd - 1);
    else
        mc_buf_putc(b, '0');
    mc_buf_printf(b, "E%d", exp);
}

/* The text of the scalar at i; sch (may be NULL) is its output schema. */
static void scalar_text(duk_context *ctx, duk_idx_t i, mc_json sch, mc_buf *b)
{
    mc_buf_reset(b);
    if (duk_is_boolean(ctx, i)) {
        mc_buf_puts(b, duk_get_boolean(ctx, i) ? "true" : "false");
        return;
    }
    if (duk_is_number(ctx, i) && type_is(sch, "number")) {
        java_double(b, duk_get_number(ctx, i));
        return;
    }
    duk_dup(ctx, i);
    duk_size_t n;
    const char *s = duk_safe_to_lstring(ctx, -1, &n);
    mc_buf_append(b, s, n);
    duk_pop(ctx);
}

/* The output schema of member key (a result key: "prefix_local...",
 * "attr_..." for attributes) of the element whose schema is sch. */
static mc_json out_member(dm_out *o, mc_json sch, const char *key)
{
    bool attr = strncmp(key, "attr_", 5) == 0;
    mc_json maps[2] = {mc_json_get(sch, "properties", 10), mc_json_get(sch, "attributes", 10)};
    for (int m = attr ? 1 : 0; m < 2; m++) {
        for (size_t i = 0; i < mc_json_count(maps[m]); i++) {
            size_t n;
            const char *k = mc_json_key(maps[m], i, &n);
            mc_buf_reset(&o->text);
            if (m == 1 && attr)
                mc_buf_puts(&o->text, "attr_");
            char tmp[256];
            if (n >= sizeof tmp)
                continue;
            memcpy(tmp, k, n);
            tmp[n] = 0;
            field_name(&o->text, tmp);
            if (strcmp(mc_buf_cstr(&o->text), key) == 0)
                return mc_json_at(maps[m], i);
        }
    }
    return NULL;
}

static bool write_children(dm_out *o, xmlNodePtr el, mc_json sch, int depth);

static bool skip_value(duk_context *ctx, duk_idx_t i)
{
    return duk_is_null_or_undefined(ctx, i) || duk_is_function(ctx, i);
}

/* The value on top, under key (schema sch), as element(s) of parent. */
static bool write_element(dm_out *o, xmlNodePtr parent, const char *key, mc_json sch, int depth)
{
    duk_context *ctx = o->ctx;
    if (depth > DM_MAX_DEPTH)
        return o->error = "the mapping result nests too deeply", false;
    duk_require_stack(ctx, 8);
    if (skip_value(ctx, -1))
        return true;
    if (duk_is_array(ctx, -1)) {
        mc_json items = type_is(sch, "array") ? array_items(sch) : sch;
        duk_size_t n = duk_get_length(ctx, -1);
        for (duk_size_t i = 0; i < n; i++) {
            duk_get_prop_index(ctx, -1, (duk_uarridx_t)i);
            bool ok = write_element(o, parent, key, items, depth + 1);
            duk_pop(ctx);
            if (!ok)
                return false;
        }
        return true;
    }
    xmlNsPtr ns;
    if (!out_name(o, parent, key, false, &ns, &o->name))
        return false;
    /* not xmlNewChild: an element without a prefix is in no namespace */
    xmlNodePtr el = xmlNewDocNode(o->doc, ns, (const xmlChar *)mc_buf_cstr(&o->name), NULL);
    if (el && !xmlAddChild(parent, el)) {
        xmlFreeNode(el);
        el = NULL;
    }
    if (!el)
        return o->error = "out of memory", false;
    if (duk_is_object(ctx, -1))
        return write_children(o, el, sch, depth + 1);
    scalar_text(ctx, -1, sch, &o->text);
    xmlNodeAddContentLen(el, (const xmlChar *)o->text.data, (int)o->text.len);
    return true;
}

/* Attribute key ("attr_" already removed) with the value at index value. */
static bool write_attribute(dm_out *o, xmlNodePtr el, const char *key, duk_idx_t value,
                            mc_json sch)
{
    xmlNsPtr ns;
    if (!out_name(o, el, key, true, &ns, &o->name))
        return false;
    scalar_text(o->ctx, value, sch, &o->text);
    if (!xmlNewNsProp(el, ns, (const xmlChar *)mc_buf_cstr(&o->name),
                      (const xmlChar *)mc_buf_cstr(&o->text)))
        return o->error = "out of memory", false;
    return true;
}

/* The members of the object on top into el (schema sch), as MI's writer
 * orders them: the attributes (keys with "attr_") first, last to first,
 * then the rest in the object's order, _ELEMVAL as text. */
static bool write_children(dm_out *o, xmlNodePtr el, mc_json sch, int depth)
{
    duk_context *ctx = o->ctx;
    duk_idx_t obj = duk_get_top_index(ctx);
    duk_push_array(ctx); /* the attribute keys */
    duk_uarridx_t nattr = 0;
    duk_enum(ctx, obj, DUK_ENUM_OWN_PROPERTIES_ONLY);
    while (duk_next(ctx, -1, 1)) {
        const char *key = duk_get_string(ctx, -2);
        if (strstr(key, "attr_") && !skip_value(ctx, -1) && !duk_is_object(ctx, -1)) {
            duk_dup(ctx, -2);
            duk_put_prop_index(ctx, -5, nattr++);
        }
        duk_pop_2(ctx);
    }
    duk_pop(ctx);
    for (duk_uarridx_t i = nattr; i-- > 0;) {
        duk_get_prop_index(ctx, -1, i);
        duk_get_prop(ctx, obj);     /* obj[key]; key popped */
        duk_get_prop_index(ctx, -2, i);
        const char *key = duk_get_string(ctx, -1);
        const char *at = strstr(key, "attr_");
        mc_json asch = out_member(o, sch, key);
        /* MI removes the first "attr_" */
        duk_push_lstring(ctx, key, (duk_size_t)(at - key));
        duk_push_string(ctx, at + 5);
        duk_concat(ctx, 2);
        bool ok = write_attribute(o, el, duk_get_string(ctx, -1), -3, asch);
        duk_pop_3(ctx);
        if (!ok)
            return false;
    }
    duk_pop(ctx);
    duk_enum(ctx, obj, DUK_ENUM_OWN_PROPERTIES_ONLY);
    while (duk_next(ctx, -1, 1)) {
        const char *key = duk_get_string(ctx, -2);
        bool ok = true;
        if (skip_value(ctx, -1) || (strstr(key, "attr_") && !duk_is_object(ctx, -1)))
            ;
        else if (strcmp(key, "_ELEMVAL") == 0) {
            scalar_text(ctx, -1, mc_json_get(sch, "value", 5), &o->text);
            xmlNodeAddContentLen(el, (const xmlChar *)o->text.data, (int)o->text.len);
        } else {
            ok = write_element(o, el, key, out_member(o, sch, key), depth);
        }
        duk_pop_2(ctx);
        if (!ok)
            return false;
    }
    duk_pop(ctx);
    return true;
}

/* The result on top as a document rooted at the output schema's title. */
static xmlDocPtr result_xml(dm_out *o)
{
    duk_context *ctx = o->ctx;
    if (!duk_is_object(ctx, -1) || duk_is_array(ctx, -1) || duk_is_function(ctx, -1)) {
        o->error = "the mapping function did not return an object";
        return NULL;
    }
    o->doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr root = o->doc ? xmlNewDocNode(o->doc, NULL, (const xmlChar *)"x", NULL) : NULL;
    if (!root) {
        xmlFreeDoc(o->doc);
        o->doc = NULL;
        o->error = "out of memory";
        return NULL;
    }
    xmlDocSetRootElement(o->doc, root);
    for (size_t i = 0; i < o->s->nns; i++)
        xmlNewNs(root, (const xmlChar *)o->s->ns[i].uri, (const xmlChar *)o->s->ns[i].prefix);
    const char *title = o->s->title, *colon = strchr(title, ':');
    if (colon) {
        char prefix[128];
        size_t pl = (size_t)(colon - title);
        if (pl < sizeof prefix) {
            memcpy(prefix, title, pl);
            prefix[pl] = 0;
            xmlSetNs(root, xmlSearchNs(o->doc, root, (const xmlChar *)prefix));
        }
        title = colon + 1;
    }
    if (xmlValidateNCName((const xmlChar *)title, 0) != 0 || !write_children(o, root, o->s->root, 0)) {
        if (!o->error)
            o->error = "the output schema's title is not an XML name";
        xmlFreeDoc(o->doc);
        o->doc = NULL;
        return NULL;
    }
    xmlNodeSetName(root, (const xmlChar *)title);
    return o->doc;
}

/* ---- run ---------------------------------------------------------------- */

static mc_flow dm_fault(mc_message *m, const char *detail)
{
    mc_msg_set_fault(m, "0", "DataMapper mediator : mapping failed", detail);
    return MC_FLOW_FAULT;
}

/* "input" + title, or the mapping function's root name: the part after the
 * last ':' (names only), ':' '=' ',' as '_', '-' encoded. */
static void js_name(mc_buf *b, const char *title, bool last_part)
{
    if (last_part) {
        const char *c = strrchr(title, ':');
        title = c ? c + 1 : title;
    }
    for (const char *p = title; *p; p++) {
        if (*p == ':' || *p == '=' || *p == ',')
            mc_buf_putc(b, '_');
        else if (*p == '-')
            mc_buf_puts(b, DM_HYPHEN);
        else
            mc_buf_putc(b, *p);
    }
}

static mc_scope scope_of(const char *s, bool *known)
{
    *known = true;
    if (strcasecmp(s, "DEFAULT") == 0 || strcasecmp(s, "SYNAPSE") == 0)
        return MC_SCOPE_DEFAULT;
    if (strcasecmp(s, "TRANSPORT") == 0)
        return MC_SCOPE_TRANSPORT;
    if (strcasecmp(s, "AXIS2") == 0 || strcasecmp(s, "AXIS2_CLIENT") == 0 ||
        strcasecmp(s, "AXIS2-CLIENT") == 0)
        return MC_SCOPE_AXIS2;
    if (strcasecmp(s, "OPERATION") == 0)
        return MC_SCOPE_OPERATION;
    if (strcasecmp(s, "FUNC") == 0)
        return MC_SCOPE_FUNC;
    *known = false;
    return MC_SCOPE_DEFAULT;
}

static bool global_function(duk_context *ctx, const char *name)
{
    duk_get_global_string(ctx, name);
    bool f = duk_is_function(ctx, -1);
    duk_pop(ctx);
    return f;
}

/* Replace DM_HYPHEN in JSON text by '-' (MI does so on its output). */
static void unhyphen(mc_buf *b, const char *s, size_t n)
{
    const size_t hl = sizeof DM_HYPHEN - 1;
    for (size_t i = 0; i < n;) {
        if (n - i >= hl && memcmp(s + i, DM_HYPHEN, hl) == 0) {
            mc_buf_putc(b, '-');
            i += hl;
        } else {
            mc_buf_putc(b, s[i++]);
        }
    }
}

typedef struct dm_run {
    const datamapper_m *d;
    mc_message *m;
    dm_in in;
    dm_out out;
    const char *json_in;        /* JSON input text */
    size_t json_len;
    xmlNodePtr xml_in;          /* XML input element */
    const char *input_var;
} dm_run;

static duk_ret_t fail(duk_context *ctx, const char *why)
{
    return duk_error(ctx, DUK_ERR_ERROR, "%s", why);
}

/* Push the input and bind the globals the mapping code reads. */
static duk_ret_t prepare(duk_context *ctx, void *ud)
{
    dm_run *r = ud;
    if (r->d->in_type == DM_JSON) {
        duk_push_lstring(ctx, r->json_in, r->json_len);
        duk_json_decode(ctx, -1);
    } else {
        r->in.ctx = ctx;
        r->in.s = &r->d->in;
        if (!build_object(&r->in, r->xml_in, r->d->in.root, 0))
            return fail(ctx, r->in.error ? r->in.error : "cannot read the XML input");
    }
    duk_push_object(ctx);
    for (size_t i = 0; i < r->d->code.nprops; i++) {
        const dm_prop_ref *p = &r->d->code.props[i];
        bool known;
        mc_scope s = scope_of(p->scope, &known);
        const char *v = known ? mc_msg_prop(r->m, s, p->name) : NULL;
        if (!duk_get_prop_string(ctx, -1, p->scope)) {
            duk_pop(ctx);
            duk_push_object(ctx);
            duk_dup(ctx, -1);
            duk_put_prop_string(ctx, -3, p->scope);
        }
        duk_push_string(ctx, v ? v : "");
        duk_put_prop_string(ctx, -2, p->name);
        duk_pop(ctx);
    }
    duk_put_global_string(ctx, "DM_PROPERTIES");
    duk_push_object(ctx);
    duk_put_global_string(ctx, "exports");
    duk_put_global_string(ctx, r->input_var);
    return 0;
}

/* Call the mapping function: map_S_<in>_S_<out>() when the code defines
 * it, else mapFunction(input) (also as exports.mapFunction). */
static duk_ret_t find_function(duk_context *ctx, void *ud)
{
    const char *fn = ud;
    if (global_function(ctx, fn)) {
        duk_push_string(ctx, fn);
        return 1;
    }
    duk_get_global_string(ctx, "exports");
    duk_get_prop_string(ctx, -1, "mapFunction");
    if (duk_is_function(ctx, -1) && !global_function(ctx, "mapFunction"))
        duk_put_global_string(ctx, "mapFunction");
    if (global_function(ctx, "mapFunction")) {
        duk_push_string(ctx, "mapFunction");
        return 1;
    }
    return fail(ctx, "Could not find mapping JavaScript function.");
}

static duk_ret_t output(duk_context *ctx, void *ud)
{
    dm_run *r = ud;
    if (r->d->out_type == DM_JSON) {
        if (duk_is_undefined(ctx, -1) || duk_is_function(ctx, -1))
            return fail(ctx, "the mapping function returned no value");
        duk_json_encode(ctx, -1);
        return 1;
    }
    r->out.ctx = ctx;
    r->out.s = &r->d->out;
    if (!result_xml(&r->out))
        return fail(ctx, r->out.error ? r->out.error : "cannot write the XML output");
    return 0;
}

static void set_type(mc_message *m, const char *type)
{
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", type);
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "ContentType", type);
}

static bool is_soap_envelope(xmlNodePtr n)
{
    return n && n->ns && strcmp((const char *)n->name, "Envelope") == 0 &&
           (strcmp((const char *)n->ns->href, MC_SOAP11_NS) == 0 ||
            strcmp((const char *)n->ns->href, MC_SOAP12_NS) == 0);
}

/* Put the mapped JSON text (on the stack top) in place. */
static mc_code store_json(const datamapper_m *d, mc_message *m, duk_context *ctx)
{
    duk_size_t n;
    const char *t = duk_get_lstring(ctx, -1, &n);
    mc_buf b = MC_BUF_INIT;
    unhyphen(&b, t ? t : "", t ? n : 0);
    mc_code rc = b.oom ? MC_ENOMEM
                 : d->target_var ? mc_msg_set_var(m, d->target_var, mc_buf_cstr(&b), b.len, MC_VT_JSON)
                                 : mc_msg_set_json(m, mc_buf_cstr(&b), b.len);
    if (rc == MC_OK && !d->target_var)
        set_type(m, "application/json");
    mc_buf_free(&b);
    return rc;
}

static mc_code store_xml(const datamapper_m *d, mc_message *m, xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (d->target_var) {
        xmlBufferPtr xb = xmlBufferCreate();
        if (!xb)
            return MC_ENOMEM;
        xmlNodeDump(xb, doc, root, 0, 0);
        mc_code rc = mc_msg_set_var(m, d->target_var, (const char *)xmlBufferContent(xb),
                                    (size_t)xmlBufferLength(xb), MC_VT_OM);
        xmlBufferFree(xb);
        xmlFreeDoc(doc);
        return rc;
    }
    mc_code rc;
    if (is_soap_envelope(root)) {
        rc = mc_msg_take_envelope(m, doc);
    } else {
        rc = mc_msg_set_xml_node(m, root);
        xmlFreeDoc(doc);
    }
    if (rc == MC_OK)
        set_type(m, "application/xml");
    return rc;
}

static dm_type schema_type(const dm_schema *s, const char *field, dm_type dflt)
{
    size_t n;
    const char *v = mc_json_str(mc_json_get(s->root, field, strlen(field)), &n);
    if (v && n == 4 && strncasecmp(v, "JSON", 4) == 0)
        return DM_JSON;
    if (v && n == 3 && strncasecmp(v, "XML", 3) == 0)
        return DM_XML;
    return dflt;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const datamapper_m *d = (const datamapper_m *)self;
    if (!d->code.js.bytecode || !d->in.root || !d->out.root)
        return dm_fault(m, "the mapping configuration or a schema did not load");
    datamapper_m resolved;
    if (!d->in_given || !d->out_given) {
        /* MI reads the types from the schemas when the mediator omits them */
        resolved = *d;
        if (!d->in_given)
            resolved.in_type = schema_type(&d->in, "inputType", d->in_type);
        if (!d->out_given)
            resolved.out_type = schema_type(&d->out, "outputType", d->out_type);
        d = &resolved;
    }
    dm_run r = {.d = d, .m = m, .in = {.name = MC_BUF_INIT, .field = MC_BUF_INIT},
                .out = {.name = MC_BUF_INIT, .text = MC_BUF_INIT}};
    mc_buf json = MC_BUF_INIT, names = MC_BUF_INIT;
    const char *error = NULL;
    if (d->in_type == DM_JSON) {
        if (m->payload.kind == MC_PL_JSON) {
            r.json_in = m->payload.bytes;
            r.json_len = m->payload.len;
        } else if (mc_msg_payload_root(m)) {
            mc_xml_to_json(&json, mc_msg_payload_root(m));
            r.json_in = mc_buf_cstr(&json);
            r.json_len = json.len;
        }
        if (!r.json_in || !r.json_len)
            error = "the message has no JSON payload";
    } else {
        /* MI reads the whole envelope when the input schema's root is one */
        const char *colon = strchr(d->in.title, ':');
        bool envelope = strcmp(colon ? colon + 1 : d->in.title, "Envelope") == 0;
        xmlDocPtr env = envelope ? mc_msg_envelope(m) : NULL;
        r.xml_in = envelope ? (env ? xmlDocGetRootElement(env) : NULL) : mc_msg_payload_root(m);
        if (!r.xml_in)
            error = "the message has no XML payload";
    }
    /* input<TITLE> and map_S_<in>_S_<out> */
    mc_buf_puts(&names, "input");
    js_name(&names, d->in.title, false);
    mc_buf_putc(&names, 0);
    size_t fn_at = names.len;
    mc_buf_puts(&names, "map_S_");
    js_name(&names, d->in.title, true);
    mc_buf_puts(&names, "_S_");
    const char *oc = strrchr(d->out.title, ':');
    mc_buf_puts(&names, oc ? oc + 1 : d->out.title);
    mc_buf_putc(&names, 0);
    if (names.oom || json.oom)
        error = "out of memory";
    r.input_var = names.data;
    const char *fn = names.data + fn_at;

    mc_js_run *run = error ? NULL : mc_js_begin(m, d->budget, d->memory);
    if (!error && !run)
        error = "cannot create a JavaScript heap";
    mc_err err;
    mc_err_clear(&err);
    xmlDocPtr doc = NULL;
    mc_code rc = MC_OK;
    if (run) {
        duk_context *ctx = mc_js_ctx(run);
        bool ok = duk_safe_call(ctx, prepare, &r, 0, 1) == 0;
        if (!ok)
            mc_err_set(&err, MC_EPARSE, "%s", duk_safe_to_string(ctx, -1));
        duk_pop(ctx);
        if (ok && (ok = mc_js_run_program(run, &d->code.js, &err)))
            duk_pop(ctx);
        if (ok) {
            ok = duk_safe_call(ctx, find_function, (void *)fn, 0, 1) == 0;
            if (!ok) {
                mc_err_set(&err, MC_EPARSE, "%s", duk_safe_to_string(ctx, -1));
                duk_pop(ctx);
            }
        }
        if (ok) {
            bool classic = strcmp(duk_get_string(ctx, -1), fn) == 0;
            duk_pop(ctx);
            if (!classic)
                duk_get_global_string(ctx, r.input_var);
            ok = mc_js_call_global(run, classic ? fn : "mapFunction", classic ? 0 : 1, &err);
        }
        if (ok) {
            ok = duk_safe_call(ctx, output, &r, 1, 1) == 0;
            if (!ok)
                mc_err_set(&err, MC_EPARSE, "%s", duk_safe_to_string(ctx, -1));
            else if (d->out_type == DM_JSON)
                rc = store_json(d, m, ctx);
            doc = r.out.doc;
            r.out.doc = NULL;
            if (!ok && doc) {
                xmlFreeDoc(doc);
                doc = NULL;
            }
        }
        mc_js_end(run);
        if (!ok)
            error = err.msg[0] ? err.msg : "mapping failed";
    }
    if (doc)
        rc = store_xml(d, m, doc);
    if (!error && rc != MC_OK)
        error = "out of memory";
    mc_buf_free(&r.in.name);
    mc_buf_free(&r.in.field);
    mc_buf_free(&r.out.name);
    mc_buf_free(&r.out.text);
    mc_buf_free(&json);
    mc_flow f = error ? dm_fault(m, error) : MC_FLOW_NEXT;
    mc_buf_free(&names);
    return f;
}

const mc_mediator_type mc_med_datamapper = {"datamapper", compile, exec, NULL, false};

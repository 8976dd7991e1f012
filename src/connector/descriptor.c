/* descriptor.c - reads connector descriptors (connector.xml and
 * operations/<op>.xml) into an immutable mc_connectors set, checking them as
 * it goes: a bad descriptor fails the load with "file:line: message". */
#include "connector/descriptor.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "config/internal.h"
#include "connector/shape.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/codec.h"
#include "util/number.h"
#include "aws/timestamp.h"

#define MAX_CONNECTORS 256
#define MAX_OPERATIONS 1024

typedef struct loader {
    mc_arena *a;
    const char *file;
    mc_err *err;
    const mc_connector *c;       /* whose shapes parameters name */
} loader;

typedef enum { PK_INIT, PK_COMMON, PK_OP } param_kind;

/* ---- small helpers ------------------------------------------------------ */

static bool fail(loader *ld, xmlNodePtr node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(loader *ld, xmlNodePtr node, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    long line = node ? xmlGetLineNo(node) : 0;
    if (line > 0)
        mc_err_set(ld->err, MC_ECONFIG, "%s:%ld: %s", ld->file, line, msg);
    else
        mc_err_set(ld->err, MC_ECONFIG, "%s: %s", ld->file, msg);
    return false;
}

static const char *attr(loader *ld, xmlNodePtr node, const char *name)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
    if (!v)
        return NULL;
    const char *r = mc_arena_strdup(ld->a, (const char *)v);
    xmlFree(v);
    return r;
}

static const char *text_of(loader *ld, xmlNodePtr node)
{
    xmlChar *v = xmlNodeGetContent(node);
    const char *r = mc_arena_strdup(ld->a, v ? (const char *)v : "");
    xmlFree(v);
    return r;
}

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

/* Every attribute of node must be one of allowed. */
static bool check_attrs(loader *ld, xmlNodePtr node, const char *const *allowed)
{
    for (xmlAttrPtr at = node->properties; at; at = at->next)
        if (!in_list((const char *)at->name, allowed))
            return fail(ld, node, "unknown attribute '%s' on <%s>",
                        (const char *)at->name, (const char *)node->name);
    return true;
}

static bool is_elem(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static size_t count_elems(xmlNodePtr parent, const char *name)
{
    size_t k = 0;
    for (xmlNodePtr n = parent->children; n; n = n->next)
        k += is_elem(n, name);
    return k;
}

/* Children must be elements from allowed (text and comments are fine). */
static bool check_children(loader *ld, xmlNodePtr node, const char *const *allowed)
{
    for (xmlNodePtr n = node->children; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && !in_list((const char *)n->name, allowed))
            return fail(ld, n, "unexpected element <%s> in <%s>",
                        (const char *)n->name, (const char *)node->name);
    return true;
}

static bool parse_bool(loader *ld, xmlNodePtr node, const char *name, bool *out)
{
    const char *v = attr(ld, node, name);
    if (!v)
        return true;
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
        *out = true;
    else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        *out = false;
    else
        return fail(ld, node, "%s=\"%s\" is not a boolean (true or false)", name, v);
    return true;
}

/* ---- names -------------------------------------------------------------- */

static const char *const type_names[] = {"string", "integer", "long",
    "boolean", "json", "object", "list", "raw", "base64", "double", "timestamp", NULL};
static const char *const in_names[] = {"", "path", "query", "header", "body", "payload",
    "runtime", NULL};
static const char *const kind_names[] = {"string", "integer", "long", "double", "boolean",
    "blob", "timestamp", "list", "map", "structure", NULL};

const char *mc_cp_type_name(mc_cp_type t) { return type_names[t]; }
const char *mc_cp_in_name(mc_cp_in in) { return in_names[in]; }
const char *mc_shape_kind_name(mc_shape_kind k) { return kind_names[k]; }

static int index_of(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return i;
    return -1;
}

/* ---- typed values ------------------------------------------------------- */

static bool check_int(const char *v, size_t n, long long lo, long long hi)
{
    long long x;
    return mc_parse_int64(v, n, &x) && x >= lo && x <= hi;
}

static bool check_json_kind(const char *v, size_t n, int want)
{
    mc_arena a;
    mc_arena_init(&a, 1024);
    mc_json j = mc_json_parse(&a, v, n, NULL);
    mc_json_type t = mc_json_type_of(j);
    bool ok = j && (want < 0 ? (t == MC_JSON_OBJECT || t == MC_JSON_ARRAY)
                             : t == (mc_json_type)want);
    mc_arena_free(&a);
    return ok;
}

/* Standard alphabet, padded, no whitespace (RFC 4648). */
static bool check_base64(const char *v, size_t n)
{
    if (n % 4 != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r')
            return false;
    mc_buf b = MC_BUF_INIT;
    bool ok = mc_base64_decode(&b, v, n);
    mc_buf_free(&b);
    return ok;
}

static bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool mc_cp_comma_item(const char *v, size_t n, size_t *pos, const char **item, size_t *len)
{
    while (*pos <= n) {
        size_t i = *pos, j = i;
        while (j < n && v[j] != ',')
            j++;
        *pos = j + 1;
        const char *it = v + i;
        size_t l = j - i;
        while (l && space(*it))
            it++, l--;
        while (l && space(it[l - 1]))
            l--;
        if (l) {
            *item = it;
            *len = l;
            return true;
        }
    }
    return false;
}

bool mc_cp_check(mc_cp_type t, const char *v, size_t n, mc_err *err)
{
    bool ok = true;
    const char *what = "";
    switch (t) {
    case MC_CPT_INTEGER:
        ok = check_int(v, n, INT32_MIN, INT32_MAX), what = "an integer";
        break;
    case MC_CPT_LONG:
        ok = check_int(v, n, LLONG_MIN, LLONG_MAX), what = "a long integer";
        break;
    case MC_CPT_BOOLEAN:
        ok = (n == 4 && strncasecmp(v, "true", 4) == 0) ||
             (n == 5 && strncasecmp(v, "false", 5) == 0);
        what = "a boolean (true or false)";
        break;
    case MC_CPT_JSON:
        ok = check_json_kind(v, n, -1), what = "a JSON object or array";
        break;
    case MC_CPT_OBJECT:
        ok = check_json_kind(v, n, MC_JSON_OBJECT), what = "a JSON object";
        break;
    case MC_CPT_LIST:
        ok = n == 0 || v[0] != '[' || check_json_kind(v, n, MC_JSON_ARRAY);
        what = "a JSON array or a comma-separated list";
        break;
    case MC_CPT_BASE64:
        ok = check_base64(v, n), what = "valid base64";
        break;
    case MC_CPT_DOUBLE:
        ok = mc_parse_double(v, n, &(double){0}), what = "a number";
        break;
    case MC_CPT_TIMESTAMP: {
        int64_t sec;
        int32_t usec;
        ok = mc_aws_time_parse(v, n, &sec, &usec);
        what = "a timestamp (ISO 8601 or epoch seconds)";
        break;
    }
    default:
        break;
    }
    if (!ok)
        mc_err_set(err, MC_EPARSE, "'%.*s%s' is not %s", (int)(n > 60 ? 60 : n), v,
                   n > 60 ? "..." : "", what);
    return ok;
}

/* ---- parameters --------------------------------------------------------- */

static const char *const *parse_words(loader *ld, const char *v, size_t *n);

static bool parse_aliases(loader *ld, xmlNodePtr node, mc_cparam *p)
{
    const char *v = attr(ld, node, "alias");
    if (!v)
        return true;
    p->aliases = parse_words(ld, v, &p->naliases);
    return p->aliases ? true : fail(ld, node, "out of memory");
}

static bool parse_usage(loader *ld, xmlNodePtr node, mc_cparam *p)
{
    static const char *const origins[] = {"wso2", "aws", "mediac", NULL};
    const char *usage = attr(ld, node, "usage");
    if (usage && strcmp(usage, "connection") != 0 && strcmp(usage, "any") != 0)
        return fail(ld, node, "usage=\"%s\" is not any or connection", usage);
    p->connection_only = usage && strcmp(usage, "connection") == 0;
    const char *origin = attr(ld, node, "origin");
    if (origin && index_of(origin, origins) < 0)
        return fail(ld, node, "origin=\"%s\" is not wso2, aws or mediac", origin);
    p->origin = origin ? origin : "wso2";
    return true;
}

/* Which types may go where. */
static bool type_fits(mc_cp_in in, mc_cp_type t)
{
    switch (in) {
    case MC_CP_BODY:
        return true;     /* raw here is the old spelling of in="payload" */
    case MC_CP_PAYLOAD:
        return t == MC_CPT_RAW || t == MC_CPT_OBJECT;
    case MC_CP_QUERY:
        return t != MC_CPT_JSON && t != MC_CPT_OBJECT && t != MC_CPT_RAW;
    case MC_CP_RUNTIME:
        return t == MC_CPT_STRING || t == MC_CPT_INTEGER || t == MC_CPT_BOOLEAN;
    default:
        return t != MC_CPT_JSON && t != MC_CPT_OBJECT && t != MC_CPT_RAW &&
               t != MC_CPT_LIST;
    }
}

static bool parse_location(loader *ld, xmlNodePtr node, mc_cparam *p)
{
    const char *in = attr(ld, node, "in");
    int i = in ? index_of(in, in_names) : -1;
    if (i <= 0)
        return fail(ld, node, "parameter '%s' needs in=\"path|query|header|body|payload|"
                    "runtime\"%s%s%s", p->name, in ? " (not \"" : "", in ? in : "",
                    in ? "\")" : "");
    p->in = (mc_cp_in)i;
    if (p->in == MC_CP_BODY && p->type == MC_CPT_RAW)
        p->in = MC_CP_PAYLOAD;
    const char *as = attr(ld, node, "as");
    p->as = as && *as ? as : p->name;
    if (p->in != MC_CP_BODY && strchr(p->as, '.'))
        return fail(ld, node, "as=\"%s\": dotted member paths are for body parameters",
                    p->as);
    if (!type_fits(p->in, p->type))
        return fail(ld, node, "type=\"%s\" is not valid for in=\"%s\"",
                    type_names[p->type], in_names[p->in]);
    return true;
}

static const mc_cshape *find_shape(const mc_connector *c, const char *name)
{
    size_t lo = 0, hi = c ? c->nshapes : 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = strcmp(name, c->shapes[mid].name);
        if (r == 0)
            return &c->shapes[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static bool parse_number(loader *ld, xmlNodePtr node, const char *name, bool *has,
                         double *out)
{
    const char *v = attr(ld, node, name);
    if (!v)
        return true;
    char *end;
    errno = 0;
    *out = strtod(v, &end);
    if (!*v || *end || errno)
        return fail(ld, node, "%s=\"%s\" is not a number", name, v);
    *has = true;
    return true;
}

/* Space-separated words of an attribute into an arena list. */
static const char *const *parse_words(loader *ld, const char *v, size_t *n)
{
    const char **list = mc_arena_alloc(ld->a, (strlen(v) / 2 + 2) * sizeof *list);
    char *copy = mc_arena_strdup(ld->a, v), *save = NULL;
    *n = 0;
    if (!list || !copy)
        return NULL;
    for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
        list[(*n)++] = t;
    return list;
}

/* The shape a parameter names (shape="X"), or an inline one from its
 * enum/min/max attributes (runtime parameters). */
static bool parse_param_shape(loader *ld, xmlNodePtr node, mc_cparam *p)
{
    const char *name = attr(ld, node, "shape");
    const char *en = attr(ld, node, "enum");
    bool inline_shape = en || xmlHasProp(node, (const xmlChar *)"min") ||
                        xmlHasProp(node, (const xmlChar *)"max");
    if (name && inline_shape)
        return fail(ld, node, "parameter '%s': shape= or enum/min/max, not both", p->name);
    if (name) {
        p->shape = find_shape(ld->c, name);
        if (!p->shape)
            return fail(ld, node, "parameter '%s': no shape '%s' in shapes.xml", p->name, name);
        return true;
    }
    if (!inline_shape)
        return true;
    mc_cshape *s = mc_arena_calloc(ld->a, sizeof *s);
    if (!s)
        return fail(ld, node, "out of memory");
    s->name = "";
    s->kind = p->type == MC_CPT_INTEGER ? MC_SK_INTEGER
            : p->type == MC_CPT_BOOLEAN ? MC_SK_BOOLEAN : MC_SK_STRING;
    if (en)
        s->enums = parse_words(ld, en, &s->nenums);
    p->shape = s;
    return parse_number(ld, node, "min", &s->has_min, &s->min) &&
           parse_number(ld, node, "max", &s->has_max, &s->max);
}

static bool parse_param(loader *ld, xmlNodePtr node, param_kind kind, mc_cparam *p)
{
    static const char *const init_attrs[] = {"name", "required", "default",
        "description", "alias", "deprecated", "usage", "origin", "type", "secret",
        "wso2Required", NULL};
    static const char *const op_attrs[] = {"name", "required", "default",
        "description", "alias", "deprecated", "usage", "origin", "type", "in", "as",
        "wso2Default", "shape", "enum", "min", "max", "idempotencyToken", NULL};
    if (!check_attrs(ld, node, kind == PK_OP ? op_attrs : init_attrs))
        return false;
    if (kind == PK_COMMON && xmlHasProp(node, (const xmlChar *)"secret"))
        return fail(ld, node, "secret is only for init parameters");
    p->line = (int)xmlGetLineNo(node);
    p->name = attr(ld, node, "name");
    if (!p->name || !*p->name)
        return fail(ld, node, "<param> needs a name");
    p->def = attr(ld, node, "default");
    p->description = attr(ld, node, "description");
    if (!p->description)
        p->description = "";
    const char *type = attr(ld, node, "type");
    int t = type ? index_of(type, type_names) : 0;
    if (t < 0)
        return fail(ld, node, "parameter '%s': unknown type \"%s\"", p->name, type);
    if (kind != PK_OP && t != MC_CPT_STRING && t != MC_CPT_INTEGER && t != MC_CPT_BOOLEAN)
        return fail(ld, node, "parameter '%s': type \"%s\" is not allowed here "
                    "(string, integer or boolean)", p->name, type);
    p->type = (mc_cp_type)t;
    if (!parse_bool(ld, node, "required", &p->required) ||
        !parse_bool(ld, node, "secret", &p->secret) ||
        !parse_bool(ld, node, "deprecated", &p->deprecated) ||
        !parse_bool(ld, node, "idempotencyToken", &p->idempotency_token) ||
        !parse_aliases(ld, node, p) || !parse_usage(ld, node, p))
        return false;
    if (kind == PK_OP && (!parse_location(ld, node, p) || !parse_param_shape(ld, node, p)))
        return false;
    mc_err e = {0};
    if (p->def && *p->def && !mc_cparam_check(p, p->def, strlen(p->def), &e))
        return fail(ld, node, "default of parameter '%s': %s", p->name, e.msg);
    return true;
}

static bool name_clash(const mc_cparam *ps, size_t n, const char *name)
{
    return mc_cparam_find(ps, n, name) != NULL;
}

/* Parse every <param> child of parent into a new array. */
static bool parse_params(loader *ld, xmlNodePtr parent, param_kind kind,
                         const mc_cparam **out, size_t *nout)
{
    size_t n = count_elems(parent, "param"), k = 0;
    mc_cparam *ps = mc_arena_calloc(ld->a, (n ? n : 1) * sizeof *ps);
    if (!ps)
        return fail(ld, parent, "out of memory");
    for (xmlNodePtr c = parent->children; c; c = c->next) {
        if (!is_elem(c, "param"))
            continue;
        mc_cparam *p = &ps[k];
        if (!parse_param(ld, c, kind, p))
            return false;
        if (name_clash(ps, k, p->name))
            return fail(ld, c, "parameter '%s' is declared twice", p->name);
        for (size_t i = 0; i < p->naliases; i++)
            if (name_clash(ps, k, p->aliases[i]))
                return fail(ld, c, "alias '%s' is already a parameter name", p->aliases[i]);
        k++;
    }
    *out = ps;
    *nout = k;
    return true;
}

const char *mc_conn_setting_name(mc_conn_setting s)
{
    static const char *const names[MC_CS_COUNT] = {
        [MC_CS_ACCESS_KEY_ID] = "accessKeyId",   [MC_CS_SECRET_ACCESS_KEY] = "secretAccessKey",
        [MC_CS_SESSION_TOKEN] = "sessionToken", [MC_CS_REGION] = "region",
        [MC_CS_PROFILE] = "profile",            [MC_CS_ENDPOINT] = "endpoint",
    };
    return (unsigned)s < MC_CS_COUNT ? names[s] : NULL;
}

const mc_cparam *mc_cparam_find(const mc_cparam *ps, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ps[i].name, name) == 0)
            return &ps[i];
        for (size_t j = 0; j < ps[i].naliases; j++)
            if (strcmp(ps[i].aliases[j], name) == 0)
                return &ps[i];
    }
    return NULL;
}

const char *mc_cparam_suggest(const mc_cparam *ps, size_t n, const char *name)
{
    const char *best = NULL;
    size_t bd = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = mc_edit_distance(name, ps[i].name);
        if (strcasecmp(name, ps[i].name) == 0)
            d = 1;
        if (d < bd) {
            bd = d;
            best = ps[i].name;
        }
    }
    return best && bd <= strlen(name) / 2 + 1 ? best : NULL;
}

/* ---- operations --------------------------------------------------------- */

static bool parse_success(loader *ld, xmlNodePtr node, mc_coperation *op)
{
    const char *s = attr(ld, node, "success");
    if (!s || !*s)
        return fail(ld, node, "operation '%s' needs success=\"STATUS...\"", op->name);
    int *codes = mc_arena_alloc(ld->a, (strlen(s) / 2 + 1) * sizeof *codes);
    if (!codes)
        return fail(ld, node, "out of memory");
    size_t k = 0;
    for (const char *p = s; *p;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 100 || v > 599 || (*end && *end != ' '))
            return fail(ld, node, "success=\"%s\": expected HTTP statuses 100-599", s);
        codes[k++] = (int)v;
        for (p = end; *p == ' '; p++)
            ;
    }
    op->success = codes;
    op->nsuccess = k;
    return true;
}

static bool parse_result(loader *ld, xmlNodePtr node, mc_cresult *r)
{
    static const char *const attrs[] = {"header", "event", "member", "property", "decode",
        "description", NULL};
    if (!check_attrs(ld, node, attrs))
        return false;
    r->header = attr(ld, node, "header");
    r->event = attr(ld, node, "event");
    r->member = attr(ld, node, "member");
    if (r->event && r->member && !r->header)
        r->header = "";
    if ((r->event != NULL) != (r->member != NULL) || (r->event && *r->header))
        return fail(ld, node, "<result> takes header=, or event= with member=");
    r->property = attr(ld, node, "property");
    r->description = attr(ld, node, "description");
    if (!r->description)
        r->description = "";
    if (!r->header || (!*r->header && !r->event) || !r->property || !*r->property)
        return fail(ld, node, "<result> needs header (or event and member) and property");
    const char *decode = attr(ld, node, "decode");
    if (decode && strcmp(decode, "base64") != 0 && strcmp(decode, "none") != 0)
        return fail(ld, node, "decode=\"%s\" is not none or base64", decode);
    r->base64 = decode && strcmp(decode, "base64") == 0;
    return true;
}

static bool parse_results(loader *ld, xmlNodePtr node, mc_coperation *op)
{
    size_t n = count_elems(node, "result"), k = 0;
    mc_cresult *rs = mc_arena_calloc(ld->a, (n ? n : 1) * sizeof *rs);
    if (!rs)
        return fail(ld, node, "out of memory");
    for (xmlNodePtr c = node->children; c; c = c->next)
        if (is_elem(c, "result") && !parse_result(ld, c, &rs[k++]))
            return false;
    op->results = rs;
    op->nresults = k;
    return true;
}

static bool apply_override(loader *ld, xmlNodePtr node, mc_cparam *common, size_t n)
{
    static const char *const attrs[] = {"name", "required", "default", "description", NULL};
    if (!check_attrs(ld, node, attrs))
        return false;
    const char *name = attr(ld, node, "name");
    mc_cparam *p = NULL;
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(common[i].name, name) == 0)
            p = &common[i];
    if (!p)
        return fail(ld, node, "<override name=\"%s\">: no such common parameter",
                    name ? name : "");
    const char *def = attr(ld, node, "default");
    const char *desc = attr(ld, node, "description");
    mc_err e = {0};
    if (def && *def && !mc_cp_check(p->type, def, strlen(def), &e))
        return fail(ld, node, "default of '%s': %s", name, e.msg);
    if (def)
        p->def = def;
    if (desc)
        p->description = desc;
    return parse_bool(ld, node, "required", &p->required);
}

static bool parse_overrides(loader *ld, xmlNodePtr node, const mc_connector *c,
                            mc_coperation *op)
{
    mc_cparam *common = mc_arena_alloc(ld->a, (c->ncommon ? c->ncommon : 1) * sizeof *common);
    if (!common)
        return fail(ld, node, "out of memory");
    if (c->ncommon)
        memcpy(common, c->common, c->ncommon * sizeof *common);
    for (xmlNodePtr ch = node->children; ch; ch = ch->next)
        if (is_elem(ch, "override") && !apply_override(ld, ch, common, c->ncommon))
            return false;
    op->common = common;
    op->ncommon = c->ncommon;
    return true;
}

/* Each {name} of the path is a path param, and each path param is used;
 * the path is split into op->path_parts. */
static bool check_path(loader *ld, xmlNodePtr node, mc_coperation *op)
{
    const char *p = op->path;
    if (p[0] != '/')
        return fail(ld, node, "path \"%s\" must start with '/'", p);
    size_t nparts = 1;
    for (const char *o = strchr(p, '{'); o; o = strchr(o + 1, '{'))
        nparts++;
    mc_cpath_part *parts = mc_arena_calloc(ld->a, nparts * sizeof *parts);
    if (!parts)
        return fail(ld, node, "out of memory");
    op->path_parts = parts;
    op->npath_parts = nparts;
    const char *text = p;
    for (const char *o = strchr(p, '{'); o; o = strchr(o + 1, '{')) {
        const char *close = strchr(o, '}');

        if (!close)
            return fail(ld, node, "path \"%s\": unclosed '{'", p);
        char name[128];
        size_t nl = (size_t)(close - o - 1);
        if (nl == 0 || nl >= sizeof name)
            return fail(ld, node, "path \"%s\": bad placeholder", p);
        memcpy(name, o + 1, nl);
        name[nl] = '\0';
        const mc_cparam *pp = mc_cparam_find(op->params, op->nparams, name);
        if (!pp || pp->in != MC_CP_PATH || strcmp(pp->name, name) != 0)
            return fail(ld, node, "path placeholder {%s} is not a path parameter", name);
        *parts++ = (mc_cpath_part){text, (size_t)(o - text), pp};
        text = close + 1;
    }
    *parts = (mc_cpath_part){text, strlen(text), NULL};
    for (size_t i = 0; i < op->nparams; i++) {
        const mc_cparam *pp = &op->params[i];
        char ph[140];
        snprintf(ph, sizeof ph, "{%s}", pp->name);
        if (pp->in == MC_CP_PATH && !strstr(p, ph))
            return fail(ld, node, "path parameter '%s' does not appear in path \"%s\"",
                        pp->name, p);
        if (pp->in == MC_CP_PATH && !pp->required && !pp->def)
            return fail(ld, node, "path parameter '%s' must be required or have a default",
                        pp->name);
    }
    return true;
}

/* At most one payload (raw bytes or a JSON object), and no JSON member
 * beside it; body members neither repeat nor nest in one another. */
static bool check_body(loader *ld, xmlNodePtr node, mc_coperation *op)
{
    for (size_t i = 0; i < op->nparams; i++) {
        const mc_cparam *p = &op->params[i];
        if (p->in == MC_CP_PAYLOAD) {
            const mc_cparam *other = op->raw ? op->raw : op->payload;
            if (other)
                return fail(ld, node, "two payload parameters ('%s', '%s')", other->name,
                            p->name);
            if (p->type == MC_CPT_RAW)
                op->raw = p;
            else
                op->payload = p;
        } else if (p->in == MC_CP_BODY) {
            op->has_body_members = true;
        }
    }
    for (size_t i = 0; i < op->nparams; i++)
        for (size_t j = 0; j < op->nparams; j++) {
            const mc_cparam *a = &op->params[i], *b = &op->params[j];
            size_t la = strlen(a->as);
            if (i == j || a->in != MC_CP_BODY || b->in != MC_CP_BODY)
                continue;
            if (strcmp(a->as, b->as) == 0 && i < j)
                return fail(ld, node, "parameters '%s' and '%s' both go to body member %s",
                            a->name, b->name, a->as);
            if (strncmp(a->as, b->as, la) == 0 && b->as[la] == '.')
                return fail(ld, node, "body member %s of '%s' is inside member %s of '%s'",
                            b->as, b->name, a->as, a->name);
        }
    const mc_cparam *pl = op->raw ? op->raw : op->payload;
    if (pl && op->has_body_members)
        return fail(ld, node, "payload parameter '%s' beside JSON body members", pl->name);
    return true;
}

/* The runtime parameters an operation's features need. */
static bool check_runtime(loader *ld, xmlNodePtr node, mc_coperation *op)
{
    for (size_t i = 0; i < op->nparams; i++) {
        const mc_cparam *p = &op->params[i];
        if (p->in != MC_CP_RUNTIME)
            continue;
        size_t rl = op->raw ? strlen(op->raw->name) : 0;
        if (op->raw && strncmp(p->name, op->raw->name, rl) == 0 &&
            strcmp(p->name + rl, "Encoding") == 0)
            op->encoding = p;
        else if (!op->paginate || (strcmp(p->name, "paginate") != 0 &&
                                   strcmp(p->name, "maxPages") != 0))
            return fail(ld, node, "runtime parameter '%s' has no meaning here (known: "
                        "<payload>Encoding, and paginate and maxPages with <paginate>)",
                        p->name);
    }
    if (op->paginate && (!op->paginate->enable || !op->paginate->max_pages))
        return fail(ld, node, "<paginate> needs the runtime parameters paginate and maxPages");
    return true;
}

/* Operation parameters and their aliases must not shadow common ones. */
static bool check_common_clash(loader *ld, xmlNodePtr node, const mc_connector *c,
                               const mc_coperation *op)
{
    for (size_t i = 0; i < op->nparams; i++) {
        const mc_cparam *p = &op->params[i];
        if (name_clash(c->common, c->ncommon, p->name))
            return fail(ld, node, "parameter '%s' is also a common parameter", p->name);
        for (size_t j = 0; j < p->naliases; j++)
            if (name_clash(c->common, c->ncommon, p->aliases[j]))
                return fail(ld, node, "alias '%s' is also a common parameter", p->aliases[j]);
    }
    return true;
}

/* <paginate input="Marker" output="NextMarker" result="Functions"
 * limit="MaxItems"/>: input and limit name query parameters by wire name. */
static bool parse_paginate(loader *ld, xmlNodePtr root, mc_coperation *op)
{
    static const char *const attrs[] = {"input", "output", "result", "limit", NULL};
    xmlNodePtr node = NULL;
    for (xmlNodePtr ch = root->children; ch; ch = ch->next)
        if (is_elem(ch, "paginate")) {
            if (node)
                return fail(ld, ch, "more than one <paginate>");
            node = ch;
        }
    if (!node)
        return true;
    if (!check_attrs(ld, node, attrs))
        return false;
    mc_cpaginate *pg = mc_arena_calloc(ld->a, sizeof *pg);
    const char *input = attr(ld, node, "input");
    pg->output = attr(ld, node, "output");
    pg->result = attr(ld, node, "result");
    if (!input || !pg->output || !pg->result)
        return fail(ld, node, "<paginate> needs input, output and result");
    for (size_t i = 0; i < op->nparams; i++) {
        const mc_cparam *p = &op->params[i];
        if (p->in == MC_CP_QUERY && strcmp(p->as, input) == 0)
            pg->input = p;
        if (p->in == MC_CP_RUNTIME && strcmp(p->name, "paginate") == 0)
            pg->enable = p;
        if (p->in == MC_CP_RUNTIME && strcmp(p->name, "maxPages") == 0)
            pg->max_pages = p;
    }
    if (!pg->input)
        return fail(ld, node, "<paginate input=\"%s\">: no query parameter goes there", input);
    op->paginate = pg;
    return true;
}

/* <require member="Code"/>: the body member must be sent; the parameters
 * that give it are listed in the message when it is not. */
static bool parse_requires(loader *ld, xmlNodePtr root, mc_coperation *op)
{
    static const char *const attrs[] = {"member", NULL};
    size_t n = count_elems(root, "require"), k = 0;
    mc_crequire *rs = mc_arena_calloc(ld->a, (n ? n : 1) * sizeof *rs);
    if (!rs)
        return fail(ld, root, "out of memory");
    for (xmlNodePtr ch = root->children; ch; ch = ch->next) {
        if (!is_elem(ch, "require"))
            continue;
        if (!check_attrs(ld, ch, attrs))
            return false;
        mc_crequire *r = &rs[k++];
        r->member = attr(ld, ch, "member");
        if (!r->member || !*r->member || strchr(r->member, '.'))
            return fail(ld, ch, "<require> needs member=\"TopLevelMember\"");
        mc_buf b = MC_BUF_INIT;
        size_t ml = strlen(r->member);
        for (size_t i = 0; i < op->nparams; i++) {
            const mc_cparam *p = &op->params[i];
            if (p->in == MC_CP_BODY && strncmp(p->as, r->member, ml) == 0 &&
                (p->as[ml] == '\0' || p->as[ml] == '.'))
                mc_buf_printf(&b, "%s%s", b.len ? ", " : "", p->name);
        }
        r->params = b.len ? mc_arena_strdup(ld->a, mc_buf_cstr(&b)) : NULL;
        mc_buf_free(&b);
        if (!r->params)
            return fail(ld, ch, "<require member=\"%s\">: no body parameter gives it",
                        r->member);
    }
    op->requires = rs;
    op->nrequires = k;
    return true;
}

static bool parse_theme(loader *ld, xmlNodePtr root, const mc_connector *c,
                        mc_coperation *op)
{
    const char *theme = attr(ld, root, "theme");
    op->theme = "";
    if (!theme)
        return true;
    for (size_t i = 0; i < c->nthemes; i++)
        if (strcmp(c->themes[i], theme) == 0) {
            op->theme = c->themes[i];
            return true;
        }
    return fail(ld, root, "theme=\"%s\" is not one of the connector's <themes>", theme);
}

/* "/a/{b}?find=X" -> path "/a/{b}", static query "find=X". */
static bool split_path(loader *ld, xmlNodePtr root, mc_coperation *op)
{
    const char *q = strchr(op->path, '?');
    if (!q)
        return true;
    op->static_query = mc_arena_strdup(ld->a, q + 1);
    op->path = mc_arena_strndup(ld->a, op->path, (size_t)(q - op->path));
    if (!op->static_query || !op->path)
        return fail(ld, root, "out of memory");
    if (strpbrk(op->static_query, "{}#"))
        return fail(ld, root, "path query \"%s\" must be fixed text", op->static_query);
    return true;
}

static bool parse_operation_root(loader *ld, xmlNodePtr root, const mc_connector *c,
                                 mc_coperation *op)
{
    static const char *const attrs[] = {"name", "method", "path", "success", "api", "theme",
        "origin", "deprecated", "eventstream", NULL};
    static const char *const kids[] = {"description", "param", "override", "paginate",
        "require", "result", NULL};
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", NULL};
    static const char *const origins[] = {"wso2", "aws", "mediac", NULL};
    if (!is_elem(root, "operation"))
        return fail(ld, root, "root element is <%s>, expected <operation>",
                    (const char *)root->name);
    if (!check_attrs(ld, root, attrs) || !check_children(ld, root, kids))
        return false;
    op->connector = c;
    op->file = ld->file;
    op->name = attr(ld, root, "name");
    op->method = attr(ld, root, "method");
    op->path = attr(ld, root, "path");
    op->api = attr(ld, root, "api");
    op->origin = attr(ld, root, "origin");
    op->eventstream = attr(ld, root, "eventstream");
    if (!op->name || !*op->name || !op->method || !op->path)
        return fail(ld, root, "<operation> needs name, method and path");
    if (strcmp(op->name, "init") == 0)
        return fail(ld, root, "'init' is reserved for the connection");
    if (index_of(op->method, methods) < 0)
        return fail(ld, root, "method=\"%s\" is not an HTTP method", op->method);
    if (op->origin && index_of(op->origin, origins) < 0)
        return fail(ld, root, "origin=\"%s\" is not wso2, aws or mediac", op->origin);
    if (!op->origin)
        op->origin = "wso2";
    if (!op->api)
        op->api = "";
    op->element = mc_arena_printf(ld->a, "%s.%s", c->name, op->name);
    op->description = "";
    for (xmlNodePtr ch = root->children; ch; ch = ch->next)
        if (is_elem(ch, "description"))
            op->description = text_of(ld, ch);
    return parse_bool(ld, root, "deprecated", &op->deprecated) &&
           parse_theme(ld, root, c, op) && split_path(ld, root, op) &&
           parse_success(ld, root, op) &&
           parse_params(ld, root, PK_OP, &op->params, &op->nparams) &&
           check_common_clash(ld, root, c, op) &&
           check_path(ld, root, op) && check_body(ld, root, op) &&
           parse_paginate(ld, root, op) && check_runtime(ld, root, op) &&
           parse_requires(ld, root, op) &&
           parse_overrides(ld, root, c, op) && parse_results(ld, root, op);
}

static xmlDocPtr read_xml(loader *ld)
{
    xmlResetLastError();
    xmlDocPtr doc = xmlReadFile(ld->file, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        char msg[300];
        snprintf(msg, sizeof msg, "%s", e && e->message ? e->message : "cannot read file");
        msg[strcspn(msg, "\n")] = '\0';
        mc_err_set(ld->err, MC_ECONFIG, "%s:%d: %s", ld->file, e ? e->line : 0, msg);
        return NULL;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root || !root->ns || strcmp((const char *)root->ns->href, MC_CONNECTOR_NS) != 0) {
        fail(ld, root, "root element must be in namespace %s", MC_CONNECTOR_NS);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

static bool load_operation(loader *ld, const char *file, const char *stem,
                           const mc_connector *c, mc_coperation *op)
{
    ld->file = mc_arena_strdup(ld->a, file);
    xmlDocPtr doc = read_xml(ld);
    if (!doc)
        return false;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    bool ok = parse_operation_root(ld, root, c, op);
    if (ok && strcmp(op->name, stem) != 0)
        ok = fail(ld, root, "operation '%s' is in a file named %s.xml", op->name, stem);
    xmlFreeDoc(doc);
    return ok;
}

/* ---- folders ------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir whose entries satisfy keep (free with free_names). */
static char **list_dir(const char *dir, size_t *n, bool (*keep)(const char *dir,
                                                                const char *name))
{
    DIR *d = opendir(dir);
    *n = 0;
    if (!d)
        return NULL;
    size_t cap = 16;
    char **names = malloc(cap * sizeof *names);
    struct dirent *de;
    while (names && (de = readdir(d))) {
        if (de->d_name[0] == '.' || !keep(dir, de->d_name))
            continue;
        if (*n == cap) {
            char **nn = realloc(names, 2 * cap * sizeof *names);
            if (!nn)
                break;
            names = nn;
            cap *= 2;
        }
        if (!(names[*n] = strdup(de->d_name)))
            break;
        (*n)++;
    }
    closedir(d);
    if (names)
        qsort(names, *n, sizeof *names, cmp_str);
    return names;
}

static int cmp_op(const void *a, const void *b)
{
    return strcmp(((const mc_coperation *)a)->name, ((const mc_coperation *)b)->name);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static bool is_xml_file(const char *dir, const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".xml") == 0;
}

static bool has_connector_xml(const char *dir, const char *name)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s/connector.xml", dir, name);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool load_operations(loader *ld, const char *dir, mc_connector *c)
{
    char opdir[PATH_MAX];
    snprintf(opdir, sizeof opdir, "%s/operations", dir);
    size_t n;
    char **names = list_dir(opdir, &n, is_xml_file);
    if (n > MAX_OPERATIONS) {
        free_names(names, n);
        return fail(ld, NULL, "more than %d operations", MAX_OPERATIONS);
    }
    mc_coperation *ops = mc_arena_calloc(ld->a, (n ? n : 1) * sizeof *ops);
    bool ok = ops != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        char file[2 * PATH_MAX];
        snprintf(file, sizeof file, "%s/%s", opdir, names[i]);
        names[i][strlen(names[i]) - 4] = '\0';
        ok = load_operation(ld, file, names[i], c, &ops[i]);
    }
    free_names(names, n);
    if (ok)
        qsort(ops, n, sizeof *ops, cmp_op);
    c->ops = ops;
    c->nops = n;
    return ok;
}

/* <themes><theme name="Functions"/>...</themes>: listing order. */
static bool parse_themes(loader *ld, xmlNodePtr node, mc_connector *c)
{
    static const char *const attrs[] = {"name", NULL};
    static const char *const kids[] = {"theme", NULL};
    if (!check_children(ld, node, kids))
        return false;
    size_t n = count_elems(node, "theme"), k = 0;
    const char **themes = mc_arena_calloc(ld->a, (n ? n : 1) * sizeof *themes);
    if (!themes)
        return fail(ld, node, "out of memory");
    for (xmlNodePtr ch = node->children; ch; ch = ch->next) {
        if (!is_elem(ch, "theme"))
            continue;
        if (!check_attrs(ld, ch, attrs))
            return false;
        const char *name = attr(ld, ch, "name");
        if (!name || !*name)
            return fail(ld, ch, "<theme> needs a name");
        for (size_t i = 0; i < k; i++)
            if (strcmp(themes[i], name) == 0)
                return fail(ld, ch, "theme '%s' is listed twice", name);
        themes[k++] = name;
    }
    c->themes = themes;
    c->nthemes = k;
    return true;
}

/* ---- shapes.xml ------------------------------------------------------- */

static bool shape_ref(loader *ld, xmlNodePtr node, const mc_connector *c, const char *attr_name,
                      const mc_cshape **out)
{
    const char *name = attr(ld, node, attr_name);
    if (!name)
        return fail(ld, node, "<%s> needs %s=\"SHAPE\"", (const char *)node->name, attr_name);
    *out = find_shape(c, name);
    return *out ? true : fail(ld, node, "%s=\"%s\": no such shape", attr_name, name);
}

static bool parse_members(loader *ld, xmlNodePtr node, const mc_connector *c, mc_cshape *s)
{
    static const char *const attrs[] = {"name", "shape", "required", NULL};
    static const char *const kids[] = {"member", NULL};
    if (!check_children(ld, node, kids))
        return false;
    size_t n = count_elems(node, "member"), k = 0;
    mc_cmember *ms = mc_arena_calloc(ld->a, (n ? n : 1) * sizeof *ms);
    if (!ms)
        return fail(ld, node, "out of memory");
    for (xmlNodePtr ch = node->children; ch; ch = ch->next) {
        if (!is_elem(ch, "member"))
            continue;
        mc_cmember *m = &ms[k++];
        if (!check_attrs(ld, ch, attrs) || !shape_ref(ld, ch, c, "shape", &m->shape) ||
            !parse_bool(ld, ch, "required", &m->required))
            return false;
        m->name = attr(ld, ch, "name");
        if (!m->name || !*m->name)
            return fail(ld, ch, "<member> needs a name");
    }
    s->members = ms;
    s->nmembers = k;
    return true;
}

/* Second pass: everything but the name (all names exist by now). */
static bool parse_shape(loader *ld, xmlNodePtr node, const mc_connector *c, mc_cshape *s)
{
    static const char *const attrs[] = {"name", "type", "min", "max", "pattern", "enum",
        "member", "key", "value", NULL};
    if (!check_attrs(ld, node, attrs))
        return false;
    const char *type = attr(ld, node, "type");
    int k = type ? index_of(type, kind_names) : -1;
    if (k < 0)
        return fail(ld, node, "shape '%s': type=\"%s\" is not a model type", s->name,
                    type ? type : "");
    s->kind = (mc_shape_kind)k;
    s->pattern = attr(ld, node, "pattern");
    const char *en = attr(ld, node, "enum");
    if (en && !(s->enums = parse_words(ld, en, &s->nenums)))
        return fail(ld, node, "out of memory");
    if (!parse_number(ld, node, "min", &s->has_min, &s->min) ||
        !parse_number(ld, node, "max", &s->has_max, &s->max))
        return false;
    if (s->kind == MC_SK_LIST)
        return shape_ref(ld, node, c, "member", &s->member);
    if (s->kind == MC_SK_MAP)
        return shape_ref(ld, node, c, "key", &s->key) &&
               shape_ref(ld, node, c, "value", &s->value);
    if (s->kind == MC_SK_STRUCTURE)
        return parse_members(ld, node, c, s);
    if (node->children && mc_first_elem(node))
        return fail(ld, node, "shape '%s' of type %s has no members", s->name, type);
    return true;
}

typedef struct shape_node {
    const char *name;
    xmlNodePtr node;
} shape_node;

static int cmp_shape_node(const void *a, const void *b)
{
    return strcmp(((const shape_node *)a)->name, ((const shape_node *)b)->name);
}

/* connector/<name>/shapes.xml, when there is one: names first (sorted, for
 * lookups), then each shape, whose references may point anywhere. */
static bool load_shapes(loader *ld, const char *dir, mc_connector *c)
{
    char file[PATH_MAX];
    struct stat st;
    snprintf(file, sizeof file, "%s/shapes.xml", dir);
    if (stat(file, &st) != 0)
        return true;
    ld->file = mc_arena_strdup(ld->a, file);
    xmlDocPtr doc = read_xml(ld);
    if (!doc)
        return false;
    static const char *const kids[] = {"shape", NULL};
    xmlNodePtr root = xmlDocGetRootElement(doc);
    bool ok = is_elem(root, "shapes")
                  ? check_children(ld, root, kids)
                  : fail(ld, root, "root element is <%s>, expected <shapes>",
                         (const char *)root->name);
    size_t n = ok ? count_elems(root, "shape") : 0, k = 0;
    mc_cshape *shapes = mc_arena_calloc(ld->a, (n ? n : 1) * sizeof *shapes);
    shape_node *nodes = calloc(n ? n : 1, sizeof *nodes);
    ok = ok && shapes && nodes;
    for (xmlNodePtr ch = ok ? root->children : NULL; ok && ch; ch = ch->next) {
        if (!is_elem(ch, "shape"))
            continue;
        nodes[k] = (shape_node){attr(ld, ch, "name"), ch};
        if (!nodes[k].name || !*nodes[k].name)
            ok = fail(ld, ch, "<shape> needs a name");
        k++;
    }
    if (ok)
        qsort(nodes, k, sizeof *nodes, cmp_shape_node);
    for (size_t i = 0; ok && i < k; i++) {
        shapes[i].name = nodes[i].name;
        if (i && strcmp(nodes[i - 1].name, nodes[i].name) == 0)
            ok = fail(ld, nodes[i].node, "shape '%s' is defined twice", nodes[i].name);
    }
    c->shapes = shapes;
    c->nshapes = ok ? k : 0;
    for (size_t i = 0; ok && i < k; i++)
        ok = parse_shape(ld, nodes[i].node, c, &shapes[i]);
    free(nodes);
    xmlFreeDoc(doc);
    return ok;
}

static bool parse_connector_root(loader *ld, xmlNodePtr root, mc_connector *c)
{
    static const char *const attrs[] = {"name", "service", "signingName", "apiVersion",
        "endpoint", "protocol", NULL};
    static const char *const kids[] = {"description", "themes", "init", "common", NULL};
    if (!is_elem(root, "connector"))
        return fail(ld, root, "root element is <%s>, expected <connector>",
                    (const char *)root->name);
    if (!check_attrs(ld, root, attrs) || !check_children(ld, root, kids))
        return false;
    c->file = ld->file;
    c->name = attr(ld, root, "name");
    c->service = attr(ld, root, "service");
    c->signing_name = attr(ld, root, "signingName");
    c->api_version = attr(ld, root, "apiVersion");
    c->endpoint = attr(ld, root, "endpoint");
    if (!c->name || !*c->name || strchr(c->name, '.') || !c->service || !*c->service)
        return fail(ld, root, "<connector> needs a name (without '.') and a service");
    c->init_element = mc_arena_printf(ld->a, "%s.init", c->name);
    if (!c->signing_name || !*c->signing_name)
        c->signing_name = c->service;
    const char *protocol = attr(ld, root, "protocol");
    if (protocol && strcmp(protocol, "rest-json") != 0)
        return fail(ld, root, "protocol=\"%s\" is not supported (rest-json)", protocol);
    c->description = "";
    c->init = c->common = NULL;
    for (xmlNodePtr ch = root->children; ch; ch = ch->next) {
        if (is_elem(ch, "description"))
            c->description = text_of(ld, ch);
        else if (is_elem(ch, "init") && !parse_params(ld, ch, PK_INIT, &c->init, &c->ninit))
            return false;
        else if (is_elem(ch, "common") &&
                 !parse_params(ld, ch, PK_COMMON, &c->common, &c->ncommon))
            return false;
        else if (is_elem(ch, "themes") && !parse_themes(ld, ch, c))
            return false;
    }
    if (!c->init)
        return fail(ld, root, "<connector> needs an <init> element");
    for (int i = 0; i < MC_CS_COUNT; i++)
        c->settings[i] = mc_cparam_find(c->init, c->ninit, mc_conn_setting_name(i));
    return true;
}

static bool load_connector(loader *ld, const char *dir, mc_connector *c)
{
    char file[PATH_MAX];
    snprintf(file, sizeof file, "%s/connector.xml", dir);
    ld->file = mc_arena_strdup(ld->a, file);
    xmlDocPtr doc = read_xml(ld);
    if (!doc)
        return false;
    bool ok = parse_connector_root(ld, xmlDocGetRootElement(doc), c);
    xmlFreeDoc(doc);
    ld->c = c;
    return ok && load_shapes(ld, dir, c) && load_operations(ld, dir, c);
}

/* ---- the set ------------------------------------------------------------ */

typedef struct collect {
    loader ld;
    mc_connector *items;
    size_t n;
    bool any_dir;
} collect;

static bool add_connector(collect *co, const char *dir)
{
    if (co->n == MAX_CONNECTORS)
        return fail(&co->ld, NULL, "more than %d connectors", MAX_CONNECTORS);
    /* loaded in place: operations point back at their connector */
    mc_connector *c = &co->items[co->n];
    if (!load_connector(&co->ld, dir, c))
        return false;
    for (size_t i = 0; i < co->n; i++)
        if (strcmp(co->items[i].name, c->name) == 0) {
            memset(c, 0, sizeof *c); /* an earlier path entry wins */
            return true;
        }
    co->n++;
    return true;
}

static bool scan_entry(collect *co, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return true;
    co->any_dir = true;
    char self[PATH_MAX];
    snprintf(self, sizeof self, "%s/connector.xml", dir);
    if (stat(self, &st) == 0)
        return add_connector(co, dir);
    size_t n;
    char **names = list_dir(dir, &n, has_connector_xml);
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", dir, names[i]);
        ok = add_connector(co, sub);
    }
    free_names(names, n);
    return ok;
}

mc_connectors *mc_connectors_load_from(const char *path_list, mc_err *err)
{
    mc_connectors *cs = calloc(1, sizeof *cs);
    char *list = path_list ? strdup(path_list) : NULL;
    if (!cs || !list) {
        free(cs);
        free(list);
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    mc_arena_init(&cs->arena, 16384);
    collect co = {.ld = {&cs->arena, "", err}};
    co.items = mc_arena_calloc(&cs->arena, MAX_CONNECTORS * sizeof *co.items);
    bool ok = co.items != NULL;
    char *save = NULL;
    for (char *d = strtok_r(list, ":", &save); ok && d; d = strtok_r(NULL, ":", &save))
        ok = scan_entry(&co, d);
    if (ok && !co.any_dir) {
        mc_err_set(err, MC_ENOTFOUND, "no connector folder found in '%s'", path_list);
        ok = false;
    }
    free(list);
    if (!ok) {
        mc_arena_free(&cs->arena);
        free(cs);
        return NULL;
    }
    cs->items = co.items;
    cs->n = co.n;
    return mc_connectors_attach_aws(cs, err);
}

const mc_connector *mc_connector_find(const mc_connectors *cs, const char *name,
                                      size_t len)
{
    for (size_t i = 0; cs && i < cs->n; i++)
        if (strlen(cs->items[i].name) == len && strncmp(cs->items[i].name, name, len) == 0)
            return &cs->items[i];
    return NULL;
}

const mc_coperation *mc_connector_op(const mc_connector *c, const char *name)
{
    size_t lo = 0, hi = c->nops;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = strcmp(name, c->ops[mid].name);
        if (r == 0)
            return &c->ops[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* json_xml.c - the Synapse (staxon-based JsonUtil) JSON <-> XML mapping.
 *
 * JSON -> XML
 *   object at the top  <jsonObject> members </jsonObject>
 *   array at the top   <jsonArray><?xml-multiple jsonElement?>
 *                        <jsonElement>item</jsonElement>... </jsonArray>
 *   scalar at the top  <jsonValue>text</jsonValue>
 *   member "a": v      <a>v</a>
 *   member "a": [..]   <?xml-multiple a?><a>item</a><a>item</a>...
 *                      (the processing instruction is what keeps a one- or
 *                      zero-element array an array on the way back)
 *   nested array item  <a><?xml-multiple jsonElement?><jsonElement>...</a>
 *   null               empty element
 *   keys that are not XML NCNames are escaped: a leading digit gets the
 *   prefix "_JsonReader_PD_", '$' becomes "_JsonReader_PS_", any other
 *   invalid character c becomes "_JsonReader_" + 4 lower-case hex digits
 *   of c (UTF-16 code units), the empty key is "_JsonReader_".
 *
 * XML -> JSON
 *   element with element children -> object (member order: first
 *   occurrence), a name repeated or named by <?xml-multiple name?> -> array,
 *   text-only element -> scalar ("autoPrimitive": a JSON number, true and
 *   false are written as such, other text as a string), empty -> null,
 *   root jsonObject / jsonArray (of jsonElement) / jsonValue unwrapped,
 *   any other root element <r>v</r> -> {"r": v}.  Attributes are ignored;
 *   namespace declarations become "@xmlns" / "@xmlns:p" members.  Text
 *   beside child elements (mixed content) becomes a "$" member. */
#include "json/json.h"
#include "util/codec.h"
#include "util/hash.h"
#include "json/json_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ESC_ID "_JsonReader_"
#define ESC_ID_LEN 12
#define ESC_PD "_JsonReader_PD_"
#define ESC_PD_LEN 15
#define ESC_PS "_JsonReader_PS_"

#define ARRAY_ITEM "jsonElement"

/* ---- names --------------------------------------------------------------- */

/* Decode one UTF-8 sequence at s[i]; returns its length (1 for a bad byte,
 * whose value is then the byte itself). */
static size_t utf8_next(const unsigned char *s, size_t n, size_t i,
                        unsigned long *cp)
{
    unsigned char c = s[i];
    size_t len;
    unsigned long v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2;
        v = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        v = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        v = c & 0x07;
    } else {
        *cp = c;
        return 1;
    }
    if (i + len > n) {
        *cp = c;
        return 1;
    }
    for (size_t k = 1; k < len; k++) {
        if ((s[i + k] & 0xC0) != 0x80) {
            *cp = c;
            return 1;
        }
        v = (v << 6) | (s[i + k] & 0x3F);
    }
    *cp = v;
    return len;
}

static bool name_start_char(unsigned long c)
{
    return (c >= 'A' && c <= 'Z') || c == '_' || (c >= 'a' && c <= 'z') ||
           (c >= 0xC0 && c <= 0xD6) || (c >= 0xD8 && c <= 0xF6) ||
           (c >= 0xF8 && c <= 0x2FF) || (c >= 0x370 && c <= 0x37D) ||
           (c >= 0x37F && c <= 0x1FFF) || (c >= 0x200C && c <= 0x200D) ||
           (c >= 0x2070 && c <= 0x218F) || (c >= 0x2C00 && c <= 0x2FEF) ||
           (c >= 0x3001 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) ||
           (c >= 0xFDF0 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0xEFFFF);
}

static bool name_char(unsigned long c)
{
    return name_start_char(c) || c == '-' || c == '.' ||
           (c >= '0' && c <= '9') || c == 0xB7 ||
           (c >= 0x300 && c <= 0x36F) || (c >= 0x203F && c <= 0x2040);
}

static void put_hex_escape(mc_buf *b, unsigned long unit)
{
    char tmp[ESC_ID_LEN + 8];
    int n = snprintf(tmp, sizeof tmp, ESC_ID "%04lx", unit & 0xFFFF);
    mc_buf_append(b, tmp, (size_t)n);
}

/* The XML element name for JSON key k[0..n) (NUL-terminated in b). */
static const char *escape_name(mc_buf *b, const char *k, size_t n)
{
    mc_buf_reset(b);
    const unsigned char *s = (const unsigned char *)k;
    if (n == 0) {
        mc_buf_puts(b, ESC_ID);
        return mc_buf_cstr(b);
    }
    bool first = true;
    if (s[0] >= '0' && s[0] <= '9') {
        mc_buf_puts(b, ESC_PD);
        first = false;
    }
    for (size_t i = 0; i < n;) {
        unsigned long cp;
        size_t len = utf8_next(s, n, i, &cp);
        if (cp == '$') {
            mc_buf_puts(b, ESC_PS);
        } else if (first ? name_start_char(cp) : name_char(cp)) {
            mc_buf_append(b, s + i, len);
        } else if (cp > 0xFFFF) {
            unsigned long v = cp - 0x10000;
            put_hex_escape(b, 0xD800 + (v >> 10));
            put_hex_escape(b, 0xDC00 + (v & 0x3FF));
        } else {
            put_hex_escape(b, cp);
        }
        first = false;
        i += len;
    }
    return mc_buf_cstr(b);
}


/* "_JsonReader_" and four hex digits at s: the code unit, or -1. */
static long hex_escape_at(const char *s)
{
    if (strncmp(s, ESC_ID, ESC_ID_LEN) != 0)
        return -1;
    long v = 0;
    for (int k = 0; k < 4; k++) {
        int h = mc_hex_value((unsigned char)s[ESC_ID_LEN + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* The JSON key for element name 'name' (reverses escape_name). */
static void unescape_name(mc_buf *b, const char *name)
{
    mc_buf_reset(b);
    if (!strstr(name, ESC_ID)) {          /* nearly every name: as it is */
        mc_buf_puts(b, name);
        return;
    }
    if (strcmp(name, ESC_ID) == 0)
        return;
    size_t i = 0, n = strlen(name);
    if (strncmp(name, ESC_PD, ESC_PD_LEN) == 0)
        i = ESC_PD_LEN;
    while (i < n) {
        if (name[i] == '_' && strncmp(name + i, ESC_ID, ESC_ID_LEN) == 0) {
            if (strncmp(name + i + ESC_ID_LEN, "PS_", 3) == 0) {
                mc_buf_putc(b, '$');
                i += ESC_ID_LEN + 3;
                continue;
            }
            long u = hex_escape_at(name + i);
            if (u >= 0 && !(u >= 0xDC00 && u < 0xE000)) {
                unsigned long cp = (unsigned long)u;
                size_t used = ESC_ID_LEN + 4;
                if (cp >= 0xD800 && cp < 0xDC00) {
                    /* a pair, or (lone surrogate) not an escape at all */
                    long lo = hex_escape_at(name + i + used);
                    if (lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) +
                             ((unsigned long)lo - 0xDC00);
                        used += ESC_ID_LEN + 4;
                    } else {
                        cp = 0;
                    }
                }
                if (cp) {
                    mc_buf_put_utf8(b, cp);
                    i += used;
                    continue;
                }
            }
        }
        mc_buf_putc(b, name[i]);
        i++;
    }
}

/* ---- JSON -> XML ----------------------------------------------------------- */

typedef struct jx {
    xmlDocPtr doc;
    mc_buf name;
    size_t nodes;     /* made so far, against MC_XML_MAX_NODES */
    bool failed;
} jx;

static xmlNodePtr add_child(jx *x, xmlNodePtr parent, xmlNodePtr child)
{
    if (!child || ++x->nodes > MC_XML_MAX_NODES) {
        xmlFreeNode(child);
        x->failed = true;
        return NULL;
    }
    if (!xmlAddChild(parent, child)) {
        xmlFreeNode(child);
        x->failed = true;
        return NULL;
    }
    return child;
}

static void add_text(jx *x, xmlNodePtr el, const char *s, size_t n)
{
    if (n == 0)
        return;
    add_child(x, el, xmlNewDocTextLen(x->doc, BAD_CAST s, (int)n));
}

static void add_members(jx *x, xmlNodePtr el, mc_json obj);
static void add_value(jx *x, xmlNodePtr parent, const char *name, mc_json v);

static void fill(jx *x, xmlNodePtr el, mc_json v)
{
    size_t n;
    const char *t;
    switch (mc_json_type_of(v)) {
    case MC_JSON_OBJECT:
        add_members(x, el, v);
        break;
    case MC_JSON_ARRAY:
        add_value(x, el, ARRAY_ITEM, v);
        break;
    case MC_JSON_STRING:
    case MC_JSON_NUMBER:
        t = mc_json_str(v, &n);
        add_text(x, el, t, n);
        break;
    case MC_JSON_TRUE:
        add_text(x, el, "true", 4);
        break;
    case MC_JSON_FALSE:
        add_text(x, el, "false", 5);
        break;
    default:
        break;
    }
}

static void add_item(jx *x, xmlNodePtr parent, const char *name, mc_json v)
{
    xmlNodePtr el = add_child(x, parent,
                              xmlNewDocNode(x->doc, NULL, BAD_CAST name, NULL));
    if (el)
        fill(x, el, v);
}

/* Member (or array item) 'name' (an XML name already) with value v. */
static void add_value(jx *x, xmlNodePtr parent, const char *name, mc_json v)
{
    if (mc_json_type_of(v) == MC_JSON_ARRAY) {
        add_child(x, parent,
                  xmlNewDocPI(x->doc, BAD_CAST "xml-multiple", BAD_CAST name));
        size_t n = mc_json_count(v);
        for (size_t i = 0; i < n && !x->failed; i++)
            add_item(x, parent, name, mc_json_at(v, i));
    } else {
        add_item(x, parent, name, v);
    }
}

static void add_members(jx *x, xmlNodePtr el, mc_json obj)
{
    size_t count = mc_json_count(obj);
    for (size_t i = 0; i < count && !x->failed; i++) {
        /* the escaped name lives in x->name only until the next member */
        size_t kn;
        const char *k = mc_json_key(obj, i, &kn);
        const char *esc = escape_name(&x->name, k, kn);
        if (x->name.oom) {
            x->failed = true;
            return;
        }
        xmlChar *name = xmlStrdup(BAD_CAST esc);
        if (!name) {
            x->failed = true;
            return;
        }
        add_value(x, el, (const char *)name, mc_json_at(obj, i));
        xmlFree(name);
    }
}

xmlNodePtr mc_json_to_xml(mc_json v, xmlDocPtr doc)
{
    if (!v)
        return NULL;
    jx x = {.doc = doc};
    mc_json_type t = mc_json_type_of(v);
    const char *root = t == MC_JSON_OBJECT ? "jsonObject"
                     : t == MC_JSON_ARRAY ? "jsonArray" : "jsonValue";
    xmlNodePtr el = xmlNewDocNode(doc, NULL, BAD_CAST root, NULL);
    if (!el)
        return NULL;
    if (t == MC_JSON_ARRAY)
        add_value(&x, el, ARRAY_ITEM, v);
    else
        fill(&x, el, v);
    mc_buf_free(&x.name);
    if (x.failed) {
        xmlFreeNode(el);
        return NULL;
    }
    return el;
}

/* ---- XML -> JSON ----------------------------------------------------------- */

typedef struct xj {
    mc_buf *out;
    mc_buf name;
    mc_buf text;
    size_t steps;     /* nodes visited: the work, linear in the tree */
    const mc_xml_json_opts *o;   /* never NULL */
} xj;

static const mc_xml_json_opts default_opts = {.ns_sep = '_'};

/* _JsonReader_N_ (N decimal, a code point) as the character: what MI's
 * synapse.commons.json.buildValidNCNames names stand for. */
static void decode_nc_names(mc_buf *b)
{
    static const char tag[] = "_JsonReader_";
    const size_t tl = sizeof tag - 1;
    if (!b->data || !strstr(mc_buf_cstr(b), tag))
        return;
    mc_buf out = MC_BUF_INIT;
    const char *s = b->data;
    size_t n = b->len;
    for (size_t i = 0; i < n;) {
        if (strncmp(s + i, tag, tl) == 0) {
            size_t j = i + tl;
            unsigned long cp = 0;
            while (j < n && s[j] >= '0' && s[j] <= '9' && cp <= 0x10FFFF)
                cp = cp * 10 + (unsigned long)(s[j++] - '0');
            if (j > i + tl && j < n && s[j] == '_' && cp && cp <= 0x10FFFF &&
                !(cp >= 0xD800 && cp < 0xE000)) {
                mc_buf_put_utf8(&out, cp);
                i = j + 1;
                continue;
            }
        }
        mc_buf_putc(&out, s[i++]);
    }
    mc_buf_reset(b);
    mc_buf_append(b, out.data ? out.data : "", out.len);
    mc_buf_free(&out);
}

static bool is_elem(xmlNodePtr n) { return n->type == XML_ELEMENT_NODE; }

static bool is_text(xmlNodePtr n)
{
    return n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE ||
           n->type == XML_ENTITY_REF_NODE;
}

/* The name a <?xml-multiple name?> instruction marks (NULL if n is not
 * one); *len is its length. */
static const char *multiple_target(xmlNodePtr n, size_t *len)
{
    if (n->type != XML_PI_NODE || !n->name ||
        !xmlStrEqual(n->name, BAD_CAST "xml-multiple"))
        return NULL;
    const char *s = n->content ? (const char *)n->content : "";
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t l = strlen(s);
    while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\n' ||
                 s[l - 1] == '\r'))
        l--;
    *len = l;
    return s;
}

static void append_text(mc_buf *b, xmlNodePtr n)
{
    if (n->type == XML_ENTITY_REF_NODE) {
        xmlChar *t = xmlNodeGetContent(n);
        if (t) {
            mc_buf_puts(b, (const char *)t);
            xmlFree(t);
        }
    } else if (n->content) {
        mc_buf_puts(b, (const char *)n->content);
    }
}

/* Concatenated text children of el, in x->text. */
static void collect_text(xj *x, xmlNodePtr el)
{
    mc_buf_reset(&x->text);
    for (xmlNodePtr c = el->children; c; c = c->next, x->steps++)
        if (is_text(c))
            append_text(&x->text, c);
}

static bool all_ws(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return false;
    return true;
}

static void write_scalar(xj *x, const char *s, size_t n)
{
    const mc_xml_json_opts *o = x->o;
    if (n == 0)
        mc_buf_append(x->out, o->empty_as_string ? "\"\"" : "null", o->empty_as_string ? 2 : 4);
    else if (!o->no_auto_primitive &&
             ((n == 4 && memcmp(s, "true", 4) == 0) ||
              (n == 5 && memcmp(s, "false", 5) == 0) ||
              mc_json_number_text(s, n)) &&
             !(o->keep_string && o->keep_string(o->ud, s, n)))
        mc_buf_append(x->out, s, n);
    else
        mc_buf_json_string(x->out, s, n);
}

static void put_key(xj *x)
{
    if (x->o->nc_names)
        decode_nc_names(&x->name);
    mc_buf_json_string(x->out, x->name.data ? x->name.data : "", x->name.len);
    mc_buf_putc(x->out, ':');
}

static void write_key(xj *x, const char *name)
{
    unescape_name(&x->name, name);
    put_key(x);
}

/* An element's key: its name, after its prefix and the separator when
 * namespaces are preserved. */
static void write_elem_key(xj *x, xmlNodePtr el)
{
    if (!x->o->prefixes || !el->ns || !el->ns->prefix) {
        write_key(x, (const char *)el->name);
        return;
    }
    mc_buf_reset(&x->text);
    mc_buf_printf(&x->text, "%s%c%s", (const char *)el->ns->prefix, x->o->ns_sep,
                  (const char *)el->name);
    unescape_name(&x->name, mc_buf_cstr(&x->text));
    put_key(x);
}

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

/* xsi:nil="true" (or 1), when nil_as_null. */
static bool is_nil(xj *x, xmlNodePtr el)
{
    if (!x->o->nil_as_null)
        return false;
    for (xmlAttrPtr a = el->properties; a; a = a->next)
        if (a->ns && xmlStrEqual(a->ns->href, BAD_CAST XSI_NS) &&
            xmlStrEqual(a->name, BAD_CAST "nil")) {
            xmlChar *v = xmlNodeListGetString(el->doc, a->children, 1);
            bool nil = v && (xmlStrEqual(v, BAD_CAST "true") || xmlStrEqual(v, BAD_CAST "1"));
            xmlFree(v);
            return nil;
        }
    return false;
}

/* "@xmlns..." members for the namespace declarations of el. */
/* Attributes become "@name" members, as Synapse's default JSON mapping
 * writes them; namespace declarations are dropped. */
static bool write_attr_members(xj *x, xmlNodePtr el, bool first)
{
    /* namespace declarations as "@xmlns" members (enableNSDeclarations):
     * "@xmlns" for the default one, "@xmlns" SEP "p" for a prefix */
    for (xmlNsPtr ns = x->o->ns_declarations ? el->nsDef : NULL; ns; ns = ns->next, x->steps++) {
        if (!first)
            mc_buf_putc(x->out, ',');
        first = false;
        mc_buf_reset(&x->name);
        mc_buf_puts(&x->name, "@xmlns");
        if (ns->prefix)
            mc_buf_printf(&x->name, "%c%s", x->o->ns_sep, (const char *)ns->prefix);
        mc_buf_json_string(x->out, x->name.data, x->name.len);
        mc_buf_putc(x->out, ':');
        const char *href = ns->href ? (const char *)ns->href : "";
        mc_buf_json_string(x->out, href, strlen(href));
    }
    for (xmlAttrPtr a = el->properties; a; a = a->next, x->steps++) {
        if (x->o->nil_as_null && a->ns && xmlStrEqual(a->ns->href, BAD_CAST XSI_NS) &&
            xmlStrEqual(a->name, BAD_CAST "nil"))
            continue;
        if (!first)
            mc_buf_putc(x->out, ',');
        first = false;
        mc_buf_reset(&x->name);
        mc_buf_putc(&x->name, '@');
        if (x->o->prefixes && a->ns && a->ns->prefix)
            mc_buf_printf(&x->name, "%s%c", (const char *)a->ns->prefix, x->o->ns_sep);
        mc_buf_puts(&x->name, (const char *)a->name);
        mc_buf_json_string(x->out, x->name.data, x->name.len);
        mc_buf_putc(x->out, ':');
        xmlChar *v = xmlNodeListGetString(el->doc, a->children, 1);
        const char *t = v ? (const char *)v : "";
        mc_buf_json_string(x->out, t, strlen(t));
        xmlFree(v);
    }
    return first;
}

static void write_value(xj *x, xmlNodePtr el);

/* An element marked as an array of jsonElement items (a nested array). */
static bool is_item_array(xj *x, xmlNodePtr el)
{
    bool marked = false;
    for (xmlNodePtr c = el->children; c; c = c->next, x->steps++) {
        size_t l;
        const char *t = multiple_target(c, &l);
        if (t) {
            if (l == strlen(ARRAY_ITEM) && memcmp(t, ARRAY_ITEM, l) == 0)
                marked = true;
            else
                return false;
        } else if (is_elem(c) && !xmlStrEqual(c->name, BAD_CAST ARRAY_ITEM)) {
            return false;
        }
    }
    return marked;
}

static void write_items(xj *x, xmlNodePtr el)
{
    mc_buf_putc(x->out, '[');
    bool first = true;
    for (xmlNodePtr c = el->children; c; c = c->next, x->steps++) {
        if (!is_elem(c))
            continue;
        if (!first)
            mc_buf_putc(x->out, ',');
        first = false;
        write_value(x, c);
    }
    mc_buf_putc(x->out, ']');
}

/* The children of an element grouped by name in one pass, so writing an
 * object is linear in its children whatever their names (comparing each
 * child with its siblings, as before, made 40,000 distinct names take
 * seconds).  A group is the elements of one name, or the target of an
 * <?xml-multiple name?> instruction; next[] chains a group's elements in
 * document order. */
typedef struct group {
    const char *name;
    size_t len;
    uint32_t hash;
    size_t first;      /* first element (index in kids); SIZE_MAX: none */
    size_t last;
    size_t count;      /* elements of this name */
    bool marked;       /* named by <?xml-multiple?> */
    bool done;         /* written */
} group;

typedef struct siblings {
    xmlNodePtr *kids;  /* every child, in order */
    size_t *gid;       /* its group, or SIZE_MAX (text, comment, ...) */
    size_t *next;      /* next element of the same group, or SIZE_MAX */
    group *groups;
    size_t ngroups;
    size_t *slots;     /* hash table of groups (SIZE_MAX: empty) */
    size_t nslots;     /* a power of two, at least twice the children */
    size_t n;          /* children */
} siblings;

static uint32_t name_hash(const char *s, size_t n)
{
    uint32_t h = MC_FNV1A_INIT;
    for (size_t i = 0; i < n; i++)
        h = mc_fnv1a_byte(h, (unsigned char)s[i]);
    return h;
}

/* The group named s[0..n), made when new. */
static size_t group_of(siblings *sb, const char *s, size_t n)
{
    uint32_t h = name_hash(s, n);
    size_t mask = sb->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        size_t g = sb->slots[i];
        if (g == SIZE_MAX) {
            g = sb->ngroups++;
            sb->groups[g] = (group){s, n, h, SIZE_MAX, SIZE_MAX, 0, false, false};
            sb->slots[i] = g;
            return g;
        }
        const group *gr = &sb->groups[g];
        if (gr->hash == h && gr->len == n && memcmp(gr->name, s, n) == 0)
            return g;
    }
}

static bool siblings_build(xj *x, xmlNodePtr el, siblings *sb)
{
    size_t n = 0;
    for (xmlNodePtr c = el->children; c; c = c->next, x->steps++)
        n++;
    size_t nslots = 16;
    while (nslots < 2 * n)
        nslots *= 2;
    memset(sb, 0, sizeof *sb);
    sb->kids = malloc(n * sizeof *sb->kids + 1);
    sb->gid = malloc(n * sizeof *sb->gid + 1);
    sb->next = malloc(n * sizeof *sb->next + 1);
    sb->groups = malloc(n * sizeof *sb->groups + 1);
    sb->slots = malloc(nslots * sizeof *sb->slots);
    if (!sb->kids || !sb->gid || !sb->next || !sb->groups || !sb->slots)
        return false;
    sb->nslots = nslots;
    sb->n = n;
    memset(sb->slots, 0xff, nslots * sizeof *sb->slots);
    size_t i = 0;
    for (xmlNodePtr c = el->children; c; c = c->next, i++, x->steps++) {
        sb->kids[i] = c;
        sb->gid[i] = sb->next[i] = SIZE_MAX;
        size_t l;
        const char *t;
        if (is_elem(c)) {
            size_t g = group_of(sb, (const char *)c->name, strlen((const char *)c->name));
            group *gr = &sb->groups[g];
            if (gr->last != SIZE_MAX)
                sb->next[gr->last] = i;
            else
                gr->first = i;
            gr->last = i;
            gr->count++;
            sb->gid[i] = g;
        } else if ((t = multiple_target(c, &l)) && l) {
            size_t g = group_of(sb, t, l);
            sb->groups[g].marked = true;
            sb->gid[i] = g;
        }
    }
    return true;
}

static void siblings_free(siblings *sb)
{
    free(sb->kids);
    free(sb->gid);
    free(sb->next);
    free(sb->groups);
    free(sb->slots);
}

static void separator(xj *x, bool *first)
{
    if (!*first)
        mc_buf_putc(x->out, ',');
    *first = false;
}

static void write_object(xj *x, xmlNodePtr el)
{
    siblings sb;
    if (!siblings_build(x, el, &sb)) {
        siblings_free(&sb);
        x->out->oom = true;
        return;
    }
    mc_buf_putc(x->out, '{');
    bool first = write_attr_members(x, el, true);
    bool text_done = false;
    for (size_t i = 0; i < sb.n; i++, x->steps++) {
        xmlNodePtr c = sb.kids[i];
        group *g = sb.gid[i] == SIZE_MAX ? NULL : &sb.groups[sb.gid[i]];
        if (g && is_elem(c)) {
            if (g->done)
                continue;
            g->done = true;
            separator(x, &first);
            write_elem_key(x, c);
            if (g->count == 1 && !g->marked) {
                write_value(x, c);
                continue;
            }
            mc_buf_putc(x->out, '[');
            for (size_t k = g->first; k != SIZE_MAX; k = sb.next[k], x->steps++) {
                if (k != g->first)
                    mc_buf_putc(x->out, ',');
                write_value(x, sb.kids[k]);
            }
            mc_buf_putc(x->out, ']');
        } else if (g) {
            /* <?xml-multiple name?> with no element of that name: [] once */
            if (g->count || g->done)
                continue;
            g->done = true;
            separator(x, &first);
            mc_buf_reset(&x->text);
            mc_buf_append(&x->text, g->name, g->len);
            write_key(x, mc_buf_cstr(&x->text));
            mc_buf_append(x->out, "[]", 2);
        } else if (is_text(c) && !text_done) {
            /* all the element's text, once, where it first appears */
            text_done = true;
            collect_text(x, el);
            if (!all_ws(x->text.data ? x->text.data : "", x->text.len)) {
                separator(x, &first);
                mc_buf_append(x->out, "\"$\":", 4);
                write_scalar(x, x->text.data, x->text.len);
            }
        }
    }
    mc_buf_putc(x->out, '}');
    siblings_free(&sb);
}

/* Has el members of its own: attributes (but an xsi:nil read as null) or
 * namespace declarations written as members? */
static bool has_members(xj *x, xmlNodePtr el)
{
    if (x->o->ns_declarations && el->nsDef)
        return true;
    for (xmlAttrPtr a = el->properties; a; a = a->next)
        if (!(x->o->nil_as_null && a->ns && xmlStrEqual(a->ns->href, BAD_CAST XSI_NS) &&
              xmlStrEqual(a->name, BAD_CAST "nil")))
            return true;
    return false;
}

static void write_value(xj *x, xmlNodePtr el)
{
    if (is_nil(x, el)) {
        mc_buf_append(x->out, "null", 4);
        return;
    }
    bool structured = false;
    for (xmlNodePtr c = el->children; c && !structured; c = c->next, x->steps++) {
        size_t l;
        structured = is_elem(c) || multiple_target(c, &l) != NULL;
    }
    if (structured) {
        if (is_item_array(x, el))
            write_items(x, el);
        else
            write_object(x, el);
        return;
    }
    collect_text(x, el);
    if (has_members(x, el)) {
        mc_buf_putc(x->out, '{');
        bool first = write_attr_members(x, el, true);
        if (x->text.len) {
            if (!first)
                mc_buf_putc(x->out, ',');
            mc_buf_append(x->out, "\"$\":", 4);
            /* write_attr_members used x->name only; x->text is intact */
            write_scalar(x, x->text.data, x->text.len);
        }
        mc_buf_putc(x->out, '}');
        return;
    }
    write_scalar(x, x->text.data, x->text.len);
}

/* Every element child is a jsonElement (or there is none). */
static bool only_items(xj *x, xmlNodePtr el)
{
    for (xmlNodePtr c = el->children; c; c = c->next, x->steps++)
        if (is_elem(c) && !xmlStrEqual(c->name, BAD_CAST ARRAY_ITEM))
            return false;
    return true;
}

size_t mc_xml_to_json(mc_buf *out, xmlNodePtr el)
{
    return mc_xml_to_json_opts(out, el, NULL);
}

size_t mc_xml_to_json_opts(mc_buf *out, xmlNodePtr el, const mc_xml_json_opts *o)
{
    if (!out)
        return 0;
    if (!el || el->type != XML_ELEMENT_NODE) {
        mc_buf_append(out, "null", 4);
        return 0;
    }
    xj x = {.out = out, .o = o ? o : &default_opts};
    if (xmlStrEqual(el->name, BAD_CAST "jsonObject")) {
        write_object(&x, el);
    } else if (xmlStrEqual(el->name, BAD_CAST "jsonArray") && only_items(&x, el)) {
        write_items(&x, el);
    } else if (xmlStrEqual(el->name, BAD_CAST "jsonValue")) {
        write_value(&x, el);
    } else {
        mc_buf_putc(out, '{');
        write_elem_key(&x, el);
        write_value(&x, el);
        mc_buf_putc(out, '}');
    }
    mc_buf_free(&x.name);
    mc_buf_free(&x.text);
    return x.steps;
}

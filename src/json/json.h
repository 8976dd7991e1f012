/* json.h - the JSON layer: mediac's own JSON value tree (built from
 * yajl's event parser), JSONPath (json-eval) and the Synapse JSON <-> XML
 * mapping.
 *
 * A tree lives in an arena (the payload's for a message body, the
 * configuration's for load-time JSON) and goes with it: there is no
 * per-node free.  Strings and keys carry their length and may hold NUL
 * bytes; they are NOT NUL-terminated, so always use the length.  Numbers
 * keep their original text, so a payload passes through without
 * reformatting.  Layers outside src/json use only the accessors below. */
#ifndef MC_JSON_H
#define MC_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/error.h"

typedef enum mc_json_type {
    MC_JSON_NULL = 0,
    MC_JSON_FALSE,
    MC_JSON_TRUE,
    MC_JSON_NUMBER,
    MC_JSON_STRING,
    MC_JSON_ARRAY,
    MC_JSON_OBJECT,
} mc_json_type;

/* A value in a tree; NULL stands for "absent" (no such member, no tree). */
typedef const struct mc_json_node *mc_json;

#define MC_JSON_MAX_DEPTH 512
/* The most nodes (elements, attributes, text runs, comments, processing
 * instructions) an XML tree of a message may have: a parsed document
 * (msg/xmlsafe.h) or the XML view of a JSON payload.  libxml2 spends about
 * 130 bytes on an element or a text node and 230 on an attribute, so such
 * a tree stays under ~50 MiB whatever the input. */
#define MC_XML_MAX_NODES 200000
/* Default node limit for a message payload (every value, key and
 * container counts one): 16 bytes a node, so a tree stays under 16 MiB
 * plus its escaped strings. */
#define MC_JSON_MAX_NODES 1000000

/* Parse text[0..len) (need not be NUL-terminated) into arena a.  On
 * failure returns NULL and sets err to a one-line message with the byte
 * offset, e.g. "invalid JSON at offset 12: unexpected character" (MC_EPARSE;
 * MC_ENOMEM when out of memory).  Refused as invalid: nesting deeper than
 * MC_JSON_MAX_DEPTH, bytes that are not strict UTF-8 (overlong forms,
 * surrogates, above U+10FFFF) and escapes (backslash-u) that leave a surrogate
 * unpaired.  Strings and numbers are copied into the arena. */
mc_json mc_json_parse(mc_arena *a, const char *text, size_t len, mc_err *err);

typedef struct mc_json_opts {
    size_t max_nodes;  /* 0: no limit; more nodes fail with MC_ELIMIT */
    bool borrow;       /* strings and numbers without escapes point into
                          text, which must then outlive the tree */
    size_t *arena_bytes; /* when set, gets (at most) the bytes the parse took
                            from the arena, also when it fails: for a
                            caller that keeps a memory budget */
} mc_json_opts;
mc_json mc_json_parse_opts(mc_arena *a, const char *text, size_t len,
                           const mc_json_opts *o, mc_err *err);

/* Check that text is JSON (any value, incl. scalars) by the same rules
 * as mc_json_parse, without building a tree: MC_OK, MC_EPARSE, or
 * MC_ELIMIT when it has more than max_nodes nodes (0: no limit); err
 * (may be NULL) gets the message. */
mc_code mc_json_check(const char *text, size_t len, size_t max_nodes,
                      mc_err *err);
/* mc_json_check(text, len, 0, NULL) == MC_OK */
bool mc_json_valid(const char *text, size_t len);

/* ---- accessors ---------------------------------------------------------- */

/* The type; MC_JSON_NULL for NULL (absent). */
mc_json_type mc_json_type_of(mc_json v);
/* A string's bytes or a number's text, with its length in *len (may be
 * NULL); NULL (and *len 0) for other values.  Not NUL-terminated. */
const char *mc_json_str(mc_json v, size_t *len);
/* Items of an array, members of an object; 0 for anything else. */
size_t mc_json_count(mc_json v);
/* Item i of an array, or the value of member i of an object (in document
 * order); NULL when out of range. */
mc_json mc_json_at(mc_json v, size_t i);
/* Key of member i of an object; NULL when out of range or not an object. */
const char *mc_json_key(mc_json v, size_t i, size_t *len);
/* Member of an object by name[0..n); the last one wins when a key
 * repeats, as in the Java map Jayway reads.  NULL when absent or when v is
 * not an object. */
mc_json mc_json_get(mc_json v, const char *name, size_t n);
/* A number's value: true and *out set when v is a number whose text is an
 * integer that fits a long long. */
bool mc_json_int(mc_json v, long long *out);
/* A number's value as a double (inf when out of range); 0 for others. */
double mc_json_double(mc_json v);

/* ---- output ------------------------------------------------------------- */

/* Compact serialisation; numbers are written with their original text. */
void mc_json_write(mc_buf *out, mc_json v);
/* Text of a scalar as Synapse gives it: a string's characters (unquoted), a
 * number's text, "true"/"false", "null".  For objects and arrays, the
 * compact JSON text. */
void mc_json_text(mc_buf *out, mc_json v);
/* The Synapse error body {"ERROR_CODE":code,"ERROR_MESSAGE":message}, as
 * every generated error answer and `mediac run` print it. */
void mc_json_fault(mc_buf *out, const char *code, const char *message);

/* ---- JSONPath (Jayway semantics, as Synapse's json-eval) -------------- */

typedef struct mc_jsonpath mc_jsonpath;

/* Compile "$.a.b", "$['a']", "$[0]", "$[*]", "$[1:3]", "$..name",
 * "$.a[?(@.k == 'v')]" ...  Errors name the offset, e.g.
 * "bad JSONPath '$.a[': unexpected end at offset 4".  A path without '$'
 * is read as "$." + path (as Jayway does).  Filters: == != < <= > >=
 * =~ /re/flags (PCRE2, whole-string match), === !==, in, nin, size, empty,
 * && || ! ( ), existence [?(@.k)], literals incl. JSON ([..], {..}).
 * Path functions (.length() ...) are not supported. */
mc_jsonpath *mc_jsonpath_compile(const char *src, mc_err *err);
void mc_jsonpath_free(mc_jsonpath *p);
/* A path is definite when it has no "..", wildcard, slice, filter, or
 * multi-index selector, and no multi-name selector except as its last
 * step: there Jayway merges the names into one object
 * ($.a['x','y'] gives {"x":1,"y":2}, the members present), which is a
 * definite result. */
bool mc_jsonpath_is_definite(const mc_jsonpath *p);

/* Evaluate and append the result text to out, per Jayway/Synapse:
 * - definite path selecting a scalar: its text (mc_json_text);
 *   selecting an object/array: its compact JSON text;
 *   selecting nothing: *found = false, nothing appended.
 * - indefinite path: always a JSON array of the matches ("[]" when none),
 *   *found = true. */
void mc_jsonpath_eval(const mc_jsonpath *p, mc_json root, mc_buf *out,
                      bool *found);
/* The matches themselves (pointers into root), up to max; returns the
 * total number of matches.  (A merging multi-name step yields its member
 * values one by one, as there is no merged node in root.) */
size_t mc_jsonpath_select(const mc_jsonpath *p, mc_json root, mc_json *out,
                          size_t max);

/* ---- Synapse JSON <-> XML mapping -------------------------------------
 * JSON object at the top: <jsonObject>; array at the top: <jsonArray> with
 * one <jsonElement> per item; a scalar at the top: <jsonValue>.  Object
 * members become child elements named after the key; an array member "a"
 * becomes <?xml-multiple a?> followed by repeated <a> elements (so an
 * empty or one-element array stays an array on the way back); an array
 * inside an array becomes an element holding <?xml-multiple jsonElement?>
 * and <jsonElement> items; null becomes an empty element; keys that are
 * not XML names are escaped: a leading digit gets the prefix
 * "_JsonReader_PD_", "$" becomes "_JsonReader_PS_", other invalid
 * characters "_JsonReader_" + 4 lower-case hex digits (UTF-16 units), the
 * empty key "_JsonReader_".  The element is created in doc, unlinked;
 * NULL for a NULL value, when out of memory, or when the view would have
 * more than MC_XML_MAX_NODES nodes. */
xmlNodePtr mc_json_to_xml(mc_json v, xmlDocPtr doc);
/* The reverse, for an element: children become members (repeated names an
 * array, <?xml-multiple?> honoured), text becomes a scalar with numbers and
 * booleans recognised ("autoPrimitive"), an empty element null,
 * jsonObject/jsonArray/jsonElement/jsonValue unwrapped, any other element
 * <r>..</r> gives {"r": ..}, escaped key names restored.  Attributes
 * become "@name" string members and namespace declarations are dropped, as
 * in Synapse's default mapping; text beside child elements or attributes
 * becomes a "$" member.  Appends JSON text to
 * out ("null" for a NULL or non-element node).  Linear in the element's
 * subtree: returns the nodes it visited (its work, for tests). */
size_t mc_xml_to_json(mc_buf *out, xmlNodePtr element);

/* Synapse's JSON output properties (MI's <jsontransform> <property>s,
 * JsonUtil.generateJSONOutputFactoryWithOveride); zero is the default
 * mapping above except ns_sep. */
typedef struct mc_xml_json_opts {
    bool no_auto_primitive;   /* ...output.autoPrimitive=false: text stays a string */
    /* ...output.disableAutoPrimitive.regex: text it matches stays a string */
    bool (*keep_string)(const void *ud, const char *s, size_t n);
    const void *ud;
    bool empty_as_string;     /* ...output.emptyXmlElemToEmptyStr: "" not null */
    bool nil_as_null;         /* ...enableXmlNilReadWrite: xsi:nil="true" is null */
    bool ns_declarations;     /* ...output.enableNSDeclarations: "@xmlns" SEP "p" members */
    bool prefixes;            /* ...preserve.namespace: keys "p" SEP "local" */
    char ns_sep;              /* ...output.namespaceSepChar (MI's default '_') */
    bool nc_names;            /* ...buildValidNCNames: _JsonReader_N_ is code point N */
} mc_xml_json_opts;
/* mc_xml_to_json with those properties (o NULL: the default mapping). */
size_t mc_xml_to_json_opts(mc_buf *out, xmlNodePtr element, const mc_xml_json_opts *o);

#endif

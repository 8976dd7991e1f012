/* json.h - the JSON layer: yajl wrappers, JSONPath (json-eval) and the
 * Synapse JSON <-> XML mapping.
 *
 * Values are yajl trees (yajl_val).  Numbers keep their original text
 * (v->u.number.r) so a payload passes through without reformatting. */
#ifndef MC_JSON_H
#define MC_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>
#include <yajl/yajl_tree.h>

#include "util/buf.h"
#include "util/error.h"

typedef yajl_val mc_json;

#define MC_JSON_MAX_DEPTH 512

/* Parse text[0..len) (need not be NUL-terminated).  On failure returns NULL
 * and sets err (MC_EPARSE) to a one-line message with the byte offset, e.g.
 * "invalid JSON at offset 12: unexpected character".  Nesting deeper than
 * MC_JSON_MAX_DEPTH is an error. */
mc_json mc_json_parse(const char *text, size_t len, mc_err *err);
void mc_json_free(mc_json v);

/* Compact serialisation; numbers are written with their original text. */
void mc_json_write(mc_buf *out, mc_json v);
/* Text of a scalar as Synapse gives it: a string's characters (unquoted), a
 * number's text, "true"/"false", "null".  For objects and arrays, the
 * compact JSON text. */
void mc_json_text(mc_buf *out, mc_json v);
/* Cheap check that text is JSON (any value, incl. scalars). */
bool mc_json_valid(const char *text, size_t len);
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
 * NULL for a NULL value or when out of memory. */
xmlNodePtr mc_json_to_xml(mc_json v, xmlDocPtr doc);
/* The reverse, for an element: children become members (repeated names an
 * array, <?xml-multiple?> honoured), text becomes a scalar with numbers and
 * booleans recognised ("autoPrimitive"), an empty element null,
 * jsonObject/jsonArray/jsonElement/jsonValue unwrapped, any other element
 * <r>..</r> gives {"r": ..}, escaped key names restored.  Attributes
 * become "@name" string members and namespace declarations are dropped, as
 * in Synapse's default mapping; text beside child elements or attributes
 * becomes a "$" member.  Appends JSON text to
 * out ("null" for a NULL or non-element node). */
void mc_xml_to_json(mc_buf *out, xmlNodePtr element);

#endif

/* json_internal.h - helpers shared by the files of the JSON layer. */
#ifndef MC_JSON_INTERNAL_H
#define MC_JSON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "json/json.h"

/* strtod in the "C" locale, whatever the process locale is. */
double mc_json_strtod(const char *s, char **end);

/* True when s[0..n) is exactly a JSON number (RFC 8259 grammar). */
bool mc_json_number_text(const char *s, size_t n);

/* Member of an object by name (name[0..n)); the last one wins when a key
 * repeats, as in the Java map Jayway reads.  NULL when absent or when v is
 * not an object. */
mc_json mc_json_member(mc_json v, const char *name, size_t n);

/* Fill a yajl number node from its text (takes ownership of text). */
void mc_json_number_init(mc_json v, char *text, size_t n);

#endif

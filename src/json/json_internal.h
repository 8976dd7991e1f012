/* json_internal.h - the value tree's layout and helpers shared by the
 * files of the JSON layer (other layers use the accessors in json.h). */
#ifndef MC_JSON_INTERNAL_H
#define MC_JSON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json/json.h"

/* 16 bytes.  A container's children are one array of nodes in the arena:
 * an array's items in order; an object's members as key, value pairs (the
 * key a string node), so kids has 2 * len nodes. */
struct mc_json_node {
    uint32_t type;   /* mc_json_type */
    uint32_t len;    /* string bytes, number text bytes, items, members */
    union {
        const char *text;                /* string, number */
        const struct mc_json_node *kids; /* array, object */
    } u;
};

/* strtod in the "C" locale, whatever the process locale is. */
double mc_json_strtod(const char *s, char **end);

/* True when s[0..n) is exactly a JSON number (RFC 8259 grammar). */
bool mc_json_number_text(const char *s, size_t n);

/* Value of number text s[0..n): *d (inf/0 when out of range) and, when
 * the text is an integer that fits, *i with *int_ok set. */
void mc_json_number_value(const char *s, size_t n, double *d, long long *i,
                          bool *int_ok);

#endif

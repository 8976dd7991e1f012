/* h1_text.h - the lexical pieces of HTTP/1 heads that the request parser
 * (h1.c) and the response parser (h1resp.c) share: line splitting,
 * case-insensitive names and comma-separated token lists.  Static inline:
 * they run for every header of every request and answer. */
#ifndef MC_HTTP_H1_TEXT_H
#define MC_HTTP_H1_TEXT_H

#include "http/h1.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

static inline bool mc_h1__is_ws(char c) { return c == ' ' || c == '\t'; }

/* The line at buf[pos..len): its end without CR in *end, the byte after
 * its LF in *next.  False when there is no LF yet. */
static inline bool mc_h1__line(const char *buf, size_t len, size_t pos, size_t *end,
                               size_t *next)
{
    const char *nl = memchr(buf + pos, '\n', len - pos);
    if (!nl)
        return false;
    size_t e = (size_t)(nl - buf);
    *next = e + 1;
    if (e > pos && buf[e - 1] == '\r')
        e--;
    *end = e;
    return true;
}

static inline bool mc_h1__eq_nocase(mc_h1_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && strncasecmp(s.p, lit, n) == 0;
}

/* Does the comma list s hold tok (case-insensitive; empty elements and
 * the white space around elements are passed over)?  With last: is tok
 * its last element? */
static inline bool mc_h1__list_has(mc_h1_str s, const char *tok, bool last)
{
    size_t i = 0;
    bool found = false;
    while (i < s.n) {
        while (i < s.n && (mc_h1__is_ws(s.p[i]) || s.p[i] == ','))
            i++;
        size_t b = i;
        while (i < s.n && s.p[i] != ',')
            i++;
        size_t e = i;
        while (e > b && mc_h1__is_ws(s.p[e - 1]))
            e--;
        if (e == b)
            continue;
        bool eq = mc_h1__eq_nocase((mc_h1_str){s.p + b, e - b}, tok);
        if (last)
            found = eq;
        else if (eq)
            return true;
    }
    return found;
}

#endif

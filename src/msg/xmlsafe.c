/* xmlsafe.c - safe XML parsing on top of libxml2 (see xmlsafe.h). */
#include "msg/xmlsafe.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

static void silent(void *ctx, xmlErrorPtr err) { (void)ctx; (void)err; }

void mc_xml_quiet(void)
{
    xmlSetStructuredErrorFunc(NULL, silent);
}

/* Find "<!DOCTYPE" outside comments/PIs before the root element. */
const char *mc_xml_find_doctype(const char *p, size_t len)
{
    const char *end = p + len;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt || end - lt < 2)
            return NULL;
        if (lt[1] == '?') {              /* processing instruction */
            const char *q = lt + 2;
            while (q + 1 < end && !(q[0] == '?' && q[1] == '>'))
                q++;
            p = q + 2;
        } else if (end - lt >= 4 && memcmp(lt, "<!--", 4) == 0) {
            const char *q = lt + 4;
            while (q + 2 < end && memcmp(q, "-->", 3) != 0)
                q++;
            p = q + 3;
        } else if (lt[1] == '!') {
            return lt;                   /* DOCTYPE or other declaration */
        } else {
            return NULL;                 /* root element reached */
        }
    }
    return NULL;
}

/* Offset just past the first `end` (of length el) at or after i, or len. */
static size_t past(const char *p, size_t len, size_t i, const char *end, size_t el)
{
    const char *f = len - i >= el ? memmem(p + i, len - i, end, el) : NULL;
    return f ? (size_t)(f - p) + el : len;
}

static bool xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t mc_xml_scan_limits(const char *p, size_t len, size_t max_nodes,
                          size_t max_attrs, const char **what)
{
    size_t nodes = 0, i = 0;
#define COUNT_NODE(at)                                                     \
    do {                                                                   \
        if (++nodes > max_nodes) {                                         \
            *what = "nodes";                                               \
            return (at);                                                   \
        }                                                                  \
    } while (0)
    while (i < len) {
        if (p[i] != '<') {                      /* a text run */
            COUNT_NODE(i);
            const char *lt = memchr(p + i, '<', len - i);
            i = lt ? (size_t)(lt - p) : len;
            continue;
        }
        size_t at = i, rest = len - i;
        if (rest >= 4 && memcmp(p + i, "<!--", 4) == 0) {
            COUNT_NODE(at);
            i = past(p, len, i + 4, "-->", 3);
        } else if (rest >= 9 && memcmp(p + i, "<![CDATA[", 9) == 0) {
            COUNT_NODE(at);
            i = past(p, len, i + 9, "]]>", 3);
        } else if (rest >= 2 && p[i + 1] == '?') {
            COUNT_NODE(at);
            i = past(p, len, i + 2, "?>", 2);
        } else if (rest >= 2 && (p[i + 1] == '!' || p[i + 1] == '/')) {
            i = past(p, len, i + 2, ">", 1);
        } else {                                /* a start tag */
            COUNT_NODE(at);
            i++;
            while (i < len && !xml_space(p[i]) && p[i] != '>' && p[i] != '/')
                i++;
            size_t attrs = 0;
            while (i < len) {
                while (i < len && xml_space(p[i]))
                    i++;
                if (i >= len)
                    break;
                if (p[i] == '>') {
                    i++;
                    break;
                }
                if (p[i] == '/' || p[i] == '<') {   /* "/>", or malformed */
                    i++;
                    continue;
                }
                if (++attrs > max_attrs) {
                    *what = "attributes";
                    return at;
                }
                COUNT_NODE(at);
                while (i < len && !xml_space(p[i]) && p[i] != '=' && p[i] != '>' && p[i] != '/')
                    i++;
                while (i < len && xml_space(p[i]))
                    i++;
                if (i < len && p[i] == '=') {
                    i++;
                    while (i < len && xml_space(p[i]))
                        i++;
                    if (i < len && (p[i] == '"' || p[i] == '\'')) {
                        const char *q = memchr(p + i + 1, p[i], len - i - 1);
                        i = q ? (size_t)(q - p) + 1 : len;
                    }
                }
            }
        }
    }
#undef COUNT_NODE
    return len;
}

static void line_col_of(const char *data, const char *at, int *line, int *col)
{
    int l = 1, c = 1;
    for (const char *p = data; p < at; p++) {
        if (*p == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

xmlDocPtr mc_xml_parse(const char *data, size_t len, const char *name,
                       int keep_blanks, mc_xml_error *xe)
{
    if (xe) {
        xe->line = xe->col = 0;
        xe->msg[0] = '\0';
        xe->too_big = false;
    }
    if (len > (size_t)0x7fffffff) {
        if (xe)
            snprintf(xe->msg, sizeof xe->msg, "document too large");
        return NULL;
    }
    const char *dt = mc_xml_find_doctype(data, len);
    if (dt) {
        if (xe) {
            line_col_of(data, dt, &xe->line, &xe->col);
            snprintf(xe->msg, sizeof xe->msg,
                     "DOCTYPE declarations are not allowed (no DTDs or entities)");
        }
        return NULL;
    }
    const char *what = NULL;
    size_t over = mc_xml_scan_limits(data, len, MC_XML_MAX_NODES, MC_XML_MAX_ATTRS, &what);
    if (over < len) {
        if (xe) {
            line_col_of(data, data + over, &xe->line, &xe->col);
            bool nodes = strcmp(what, "nodes") == 0;
            xe->too_big = nodes;
            snprintf(xe->msg, sizeof xe->msg, nodes
                     ? "more than %d nodes (elements, attributes, text) in the document"
                     : "an element with more than %d attributes",
                     nodes ? MC_XML_MAX_NODES : MC_XML_MAX_ATTRS);
        }
        return NULL;
    }
    mc_xml_quiet();
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        if (xe)
            snprintf(xe->msg, sizeof xe->msg, "out of memory");
        return NULL;
    }
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
               XML_PARSE_NOCDATA;
    if (!keep_blanks)
        opts |= XML_PARSE_NOBLANKS;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, data, (int)len, name, NULL, opts);
    if (!doc || !ctxt->wellFormed || doc->intSubset) {
        if (xe) {
            xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
            if (doc && doc->intSubset) {
                snprintf(xe->msg, sizeof xe->msg, "DTDs are not allowed");
            } else if (e && e->message) {
                xe->line = e->line;
                xe->col = e->int2;
                snprintf(xe->msg, sizeof xe->msg, "%s", e->message);
                size_t n = strlen(xe->msg);
                while (n && (xe->msg[n - 1] == '\n' || xe->msg[n - 1] == ' '))
                    xe->msg[--n] = '\0';
            } else {
                snprintf(xe->msg, sizeof xe->msg, "malformed XML");
            }
        }
        if (doc)
            xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        return NULL;
    }
    xmlFreeParserCtxt(ctxt);
    return doc;
}

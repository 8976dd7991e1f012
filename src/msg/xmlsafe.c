/* xmlsafe.c - safe XML parsing on top of libxml2 (see xmlsafe.h). */
#include "msg/xmlsafe.h"

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

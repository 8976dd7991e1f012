/* xml_util.c - small XML helpers the mediators share. */
#include "mediators/mediators.h"

void mc_xml_drop_empty_default_ns(xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        for (xmlNsPtr *d = &n->nsDef; *d;) {
            if (!(*d)->prefix && (!(*d)->href || !*(*d)->href)) {
                xmlNsPtr gone = *d;
                *d = gone->next;
                gone->next = NULL;
                xmlFreeNs(gone);
            } else {
                d = &(*d)->next;
            }
        }
        mc_xml_drop_empty_default_ns(n->children);
    }
}

const char *mc_xml_node_text(mc_arena *a, xmlNodePtr n, size_t *len)
{
    xmlBufferPtr b = xmlBufferCreate();
    if (!b)
        return NULL;
    xmlNodeDump(b, n->doc, n, 0, 0);
    *len = (size_t)xmlBufferLength(b);
    const char *r = mc_arena_strndup(a, (const char *)xmlBufferContent(b), *len);
    xmlBufferFree(b);
    return r;
}

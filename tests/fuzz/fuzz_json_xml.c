/* fuzz_json_xml.c - libFuzzer target: the Synapse JSON <-> XML mapping.
 * A first byte picks the direction.  JSON -> XML -> JSON: the element the
 * mapping builds must map back to valid JSON.  XML -> JSON: any element
 * (parsed without network or entity expansion) must give valid JSON, and
 * the XML limits' pre-scan (mc_xml_scan_limits) must never count fewer
 * nodes than libxml2 builds (else the memory bound does not hold). */
#include <stdio.h>

#include <libxml/parser.h>

#include "fuzz_common.h"
#include "json/json.h"
#include "msg/xmlsafe.h"

static void must_be_json(mc_buf *b, const char *what)
{
    if (!mc_json_valid(mc_buf_cstr(b), b->len)) {
        fprintf(stderr, "%s gave invalid JSON: %s\n", what, mc_buf_cstr(b));
        abort();
    }
}

static void from_json(const char *text, size_t len)
{
    mc_err err = {0};
    mc_arena ar;
    mc_arena_init(&ar, 1024);
    mc_json v = mc_json_parse(&ar, text, len, &err);
    if (!v) {
        mc_arena_free(&ar);
        return;
    }
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr el = doc ? mc_json_to_xml(v, doc) : NULL;
    if (el) {
        xmlDocSetRootElement(doc, el);
        mc_buf out = {0};
        mc_xml_to_json(&out, el);
        must_be_json(&out, "json -> xml -> json");
        mc_buf_free(&out);
    }
    xmlFreeDoc(doc);
    mc_arena_free(&ar);
}

/* Nodes of the tree as the limit counts them: elements, attributes, text,
 * comments, processing instructions. */
static size_t tree_nodes(xmlNodePtr n)
{
    size_t count = 0;
    for (; n; n = n->next) {
        count++;
        if (n->type == XML_ELEMENT_NODE) {
            for (xmlAttrPtr a = n->properties; a; a = a->next)
                count++;
            count += tree_nodes(n->children);
        }
    }
    return count;
}

static void from_xml(const char *text, size_t len)
{
    if (len > (size_t)INT32_MAX)
        return;
    xmlDocPtr doc = xmlReadMemory(text, (int)len, "fuzz.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                  XML_PARSE_NOCDATA);
    if (!doc)
        return;
    size_t built = tree_nodes(doc->children);
    const char *what = NULL;
    /* (a document with a DTD is refused before the scan matters) */
    if (built && !doc->intSubset &&
        mc_xml_scan_limits(text, len, built - 1, SIZE_MAX, &what) == len) {
        fprintf(stderr, "pre-scan counts fewer than %zu nodes\n", built);
        abort();
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (root) {
        mc_buf out = {0};
        mc_xml_to_json(&out, root);
        must_be_json(&out, "xml -> json");
        mc_buf_free(&out);
    }
    xmlFreeDoc(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        from_xml((const char *)data + 1, size - 1);
    else
        from_json((const char *)data + 1, size - 1);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    xmlInitParser();
    return 0;
}

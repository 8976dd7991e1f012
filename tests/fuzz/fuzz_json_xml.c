/* fuzz_json_xml.c - libFuzzer target: the Synapse JSON <-> XML mapping.
 * A first byte picks the direction.  JSON -> XML -> JSON: the element the
 * mapping builds must map back to valid JSON.  XML -> JSON: any element
 * (parsed without network or entity expansion) must give valid JSON. */
#include <stdio.h>

#include <libxml/parser.h>

#include "fuzz_common.h"
#include "json/json.h"

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

static void from_xml(const char *text, size_t len)
{
    if (len > (size_t)INT32_MAX)
        return;
    xmlDocPtr doc = xmlReadMemory(text, (int)len, "fuzz.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return;
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

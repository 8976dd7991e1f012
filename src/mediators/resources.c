/* resources.c - <resource location key> maps and the document loaders that
 * serve them (see resources.h). */
#include "mediators/resources.h"

#include <pthread.h>
#include <string.h>

#include <libxml/parserInternals.h>
#include <libxml/xpath.h>
#include <libxslt/documents.h>

#include "msg/xmlsafe.h"

static _Thread_local const mc_res_map *active;
static _Thread_local bool serving;
static xmlExternalEntityLoader previous_entity_loader;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

void mc_res_compile(mc_compiler *cc, xmlNodePtr parent, mc_res_map *map)
{
    size_t n = 0;
    for (xmlNodePtr c = mc_first_elem(parent); c; c = mc_next_elem(c))
        if (strcmp((const char *)c->name, "resource") == 0)
            n++;
    map->n = 0;
    map->items = n ? mc_alloc(cc, n * sizeof *map->items) : NULL;
    for (xmlNodePtr c = mc_first_elem(parent); c && map->items; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, "resource") != 0)
            continue;
        static const char *const attrs[] = {"location", "key", NULL};
        mc_check_attrs(cc, c, attrs);
        mc_res_item *it = &map->items[map->n];
        it->location = mc_attr(cc, c, "location");
        it->key = mc_attr(cc, c, "key");
        if (!it->location || !it->key) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "<resource> needs 'location' and 'key'");
            continue;
        }
        mc_ref_entry(cc, c, "key", it->key, &it->entry);
        map->n++;
    }
}

xmlDocPtr mc_res_entry_doc(const mc_local_entry *e, mc_err *err)
{
    if (e->xml) {
        xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
        xmlNodePtr root = doc ? xmlDocCopyNode(e->xml, doc, 1) : NULL;
        if (!root) {
            xmlFreeDoc(doc);
            mc_err_set(err, MC_ENOMEM, "out of memory");
            return NULL;
        }
        xmlDocSetRootElement(doc, root);
        return doc;
    }
    const char *text = e->text ? e->text : "";
    mc_xml_error xe = {0};
    xmlDocPtr doc = mc_xml_parse(text, strlen(text), e->key, 0, &xe);
    if (!doc)
        mc_err_set(err, MC_EPARSE, "local entry '%s' is not XML: %s", e->key, xe.msg);
    return doc;
}

xmlNodePtr mc_select_element(const mc_expr *source, mc_message *m, mc_err *err)
{
    xmlXPathObjectPtr r;
    if (mc_expr_xpath_object(source, m, &r, err) != MC_OK)
        return NULL;
    xmlNodePtr n = NULL;
    if (r->type == XPATH_NODESET && r->nodesetval && r->nodesetval->nodeNr > 0)
        n = r->nodesetval->nodeTab[0];
    xmlXPathFreeObject(r);
    if (!n || n->type != XML_ELEMENT_NODE) {
        mc_err_set(err, MC_ENOTFOUND,
                   "The evaluation of the XPath expression %s did not result in an OMNode",
                   mc_expr_source(source));
        return NULL;
    }
    return n;
}

static const mc_res_item *find(const char *uri)
{
    if (!active || !uri)
        return NULL;
    if (strncmp(uri, "./", 2) == 0)
        uri += 2;
    for (size_t i = 0; i < active->n; i++) {
        const char *loc = active->items[i].location;
        if (strncmp(loc, "./", 2) == 0)
            loc += 2;
        if (active->items[i].entry && strcmp(loc, uri) == 0)
            return &active->items[i];
    }
    return NULL;
}

static xmlDocPtr xslt_loader(const xmlChar *uri, xmlDictPtr dict, int options,
                             void *ctxt, xsltLoadType type)
{
    if (!serving)
        return xsltDocDefaultLoader(uri, dict, options, ctxt, type);
    const mc_res_item *it = type == XSLT_LOAD_DOCUMENT ? NULL : find((const char *)uri);
    if (!it)
        return NULL; /* document(), or an import no <resource> maps */
    xmlDocPtr doc = mc_res_entry_doc(it->entry, NULL);
    if (doc)
        doc->URL = xmlStrdup(uri);
    return doc;
}

static xmlParserInputPtr entity_loader(const char *url, const char *id,
                                       xmlParserCtxtPtr ctxt)
{
    if (!serving)
        return previous_entity_loader(url, id, ctxt);
    const mc_res_item *it = find(url);
    if (!it)
        return NULL;
    xmlDocPtr doc = mc_res_entry_doc(it->entry, NULL);
    if (!doc)
        return NULL;
    xmlChar *text = NULL;
    int len = 0;
    xmlDocDumpMemory(doc, &text, &len);
    xmlFreeDoc(doc);
    if (!text)
        return NULL;
    /* the memory buffer copies text (xmlNewStringInputStream would not) */
    xmlParserInputBufferPtr buf =
        xmlParserInputBufferCreateMem((const char *)text, len, XML_CHAR_ENCODING_NONE);
    xmlFree(text);
    xmlParserInputPtr in = buf ? xmlNewIOInputStream(ctxt, buf, XML_CHAR_ENCODING_NONE) : NULL;
    if (buf && !in)
        xmlFreeParserInputBuffer(buf);
    if (in && !in->filename)
        in->filename = (char *)xmlStrdup(BAD_CAST url);
    return in;
}

static void install(void)
{
    previous_entity_loader = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(entity_loader);
    xsltSetLoaderFunc(xslt_loader);
}

void mc_res_begin(const mc_res_map *map)
{
    pthread_once(&install_once, install);
    active = map;
    serving = true;
}

void mc_res_end(void)
{
    active = NULL;
    serving = false;
}

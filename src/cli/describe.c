/* describe.c - `mediac describe`: with no argument, the connectors and the
 * built-in mediators; with a name, one mediator (its attributes and
 * children, read from the installed schemas/synapse.xsd, so a mediator
 * added to the schema is described without code here), one connector or
 * one connector operation; a misspelt name gets a suggestion. */
#include "cli/describe.h"

#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "config/config.h"
#include "util/suggest.h"
#include "connector/connector.h"
#include "mediators/mediators.h"
#include "util/buf.h"
#include "util/datadir.h"

#define EXIT_NOTFOUND 1
#define EXIT_USAGE 2
#define XS_NS "http://www.w3.org/2001/XMLSchema"

/* One line per mediator for the listing (Synapse's and MI's meaning). */
static const struct { const char *name, *summary; } summaries[] = {
    {"property", "set or remove a property of the message, in a scope"},
    {"variable", "set or remove an MI 4.4 variable (${vars.NAME})"},
    {"log", "write a log line: level, category, properties, message"},
    {"filter", "run <then> or <else> by an XPath/JSONPath condition or a regex match"},
    {"switch", "run the first <case> whose regex matches the source, else <default>"},
    {"payloadFactory", "replace the payload from a template with $1.. arguments"},
    {"header", "set or remove a transport or SOAP header"},
    {"respond", "send the current message back to the client and stop"},
    {"drop", "stop the flow without answering (the client gets 202)"},
    {"loopback", "move from the in flow to the out flow"},
    {"sequence", "run a named sequence (key) and come back"},
    {"send", "send the message to an endpoint; the answer runs the out flow"},
    {"call", "call an endpoint and continue with its answer as the message"},
    {"class", "run a native (C) mediator registered through mediac.h"},
    {"enrich", "copy a part of the message (source) into another part (target)"},
    {"makefault", "turn the message into a SOAP or POX fault"},
    {"throwError", "raise an error that the fault sequence handles"},
    {"rewrite", "rewrite the To URL by rules"},
    {"callout", "call an endpoint and wait, with source and target"},
    {"iterate", "split the message and run each part as its own message"},
    {"aggregate", "collect the answers of split messages into one"},
    {"clone", "copy the message to several targets"},
    {"foreach", "run a sequence over each element of a list in the message"},
    {"scatter-gather", "send copies to several sequences and combine the answers"},
    {"xslt", "transform the XML payload with an XSLT stylesheet"},
    {"script", "run a JavaScript function on the message"},
    {"validate", "validate the payload with an XML or JSON schema"},
    {"cache", "answer from a cache of earlier answers"},
    {"throttle", "limit concurrency or request rate"},
    {"datamapper", "map the payload with a WSO2 Data Mapper configuration"},
    {"call-template", "run a sequence template with parameters"},
};

static const char *summary_of(const char *name)
{
    for (size_t i = 0; i < sizeof summaries / sizeof *summaries; i++)
        if (strcmp(summaries[i].name, name) == 0)
            return summaries[i].summary;
    return NULL;
}

static bool is_xs(xmlNodePtr n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns &&
           strcmp((const char *)n->ns->href, XS_NS) == 0 &&
           strcmp((const char *)n->name, local) == 0;
}

static xmlDocPtr load_schema(char *path, size_t cap)
{
    char dir[3072];
    if (!mc_data_dir("MEDIAC_SCHEMA_PATH", "schemas", dir, sizeof dir))
        return NULL;
    snprintf(path, cap, "%s/synapse.xsd", dir);
    return xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
}

/* The top-level xs:element called name that is a mediator, or NULL. */
static xmlNodePtr mediator_element(xmlDocPtr doc, const char *name)
{
    for (xmlNodePtr n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
        if (!is_xs(n, "element"))
            continue;
        xmlChar *nm = xmlGetProp(n, BAD_CAST "name");
        bool hit = nm && strcmp((const char *)nm, name) == 0;
        xmlFree(nm);
        if (hit)
            return n;
    }
    return NULL;
}

static xmlNodePtr simple_type(xmlDocPtr doc, const char *qname)
{
    const char *colon = strchr(qname, ':');
    const char *local = colon ? colon + 1 : qname;
    for (xmlNodePtr n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
        if (!is_xs(n, "simpleType"))
            continue;
        xmlChar *nm = xmlGetProp(n, BAD_CAST "name");
        bool hit = nm && strcmp((const char *)nm, local) == 0;
        xmlFree(nm);
        if (hit)
            return n;
    }
    return NULL;
}

/* "one of a, b, c" for an enumerated type, else the type's name. */
static void type_text(xmlDocPtr doc, const char *type, mc_buf *out)
{
    xmlNodePtr st = type ? simple_type(doc, type) : NULL;
    size_t before = out->len;
    for (xmlNodePtr r = st ? st->children : NULL; r; r = r->next)
        for (xmlNodePtr e = is_xs(r, "restriction") ? r->children : NULL; e; e = e->next) {
            if (!is_xs(e, "enumeration"))
                continue;
            xmlChar *v = xmlGetProp(e, BAD_CAST "value");
            mc_buf_printf(out, "%s%s", out->len == before ? "one of " : ", ", v ? (char *)v : "");
            xmlFree(v);
        }
    if (out->len == before) {
        const char *colon = type ? strchr(type, ':') : NULL;
        mc_buf_puts(out, type ? colon ? colon + 1 : type : "text");
    }
}

/* Walk the element's type: attributes and child elements. */
static void collect(xmlDocPtr doc, xmlNodePtr n, mc_buf *attrs, mc_buf *kids, int depth)
{
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_xs(c, "attribute")) {
            xmlChar *nm = xmlGetProp(c, BAD_CAST "name");
            xmlChar *use = xmlGetProp(c, BAD_CAST "use");
            xmlChar *type = xmlGetProp(c, BAD_CAST "type");
            if (nm && strcmp((char *)nm, "description") != 0) {
                mc_buf_printf(attrs, "  %-14s %-9s ", (char *)nm,
                              use && strcmp((char *)use, "required") == 0 ? "required" :
                              "optional");
                type_text(doc, (char *)type, attrs);
                mc_buf_putc(attrs, '\n');
            }
            xmlFree(nm);
            xmlFree(use);
            xmlFree(type);
        } else if (is_xs(c, "element") && depth == 0) {
            xmlChar *nm = xmlGetProp(c, BAD_CAST "name");
            xmlChar *ref = xmlGetProp(c, BAD_CAST "ref");
            const char *show = nm ? (char *)nm : ref ? (char *)ref : "?";
            const char *colon = strchr(show, ':');
            if (!colon || strcmp(show, "syn:mediator") != 0)
                mc_buf_printf(kids, "%s<%s>", kids->len ? ", " : "", colon ? colon + 1 : show);
            else
                mc_buf_printf(kids, "%smediators", kids->len ? ", " : "");
            xmlFree(nm);
            xmlFree(ref);
        } else if (is_xs(c, "any") && depth == 0) {
            mc_buf_printf(kids, "%sany XML", kids->len ? ", " : "");
        } else if (!is_xs(c, "annotation") && !is_xs(c, "element")) {
            collect(doc, c, attrs, kids, depth);  /* complexType, sequence, choice */
        }
    }
}

static bool describe_mediator(xmlDocPtr doc, const char *name, mc_buf *out)
{
    xmlNodePtr el = mediator_element(doc, name);
    if (!el)
        return false;
    const char *sum = summary_of(name);
    mc_buf_printf(out, "<%s> - %s\n", name, sum ? sum : "mediator");
    mc_buf attrs = MC_BUF_INIT, kids = MC_BUF_INIT;
    collect(doc, el, &attrs, &kids, 0);
    if (attrs.len)
        mc_buf_printf(out, "\nattributes:\n%s", mc_buf_cstr(&attrs));
    else
        mc_buf_puts(out, "\nattributes: none\n");
    if (kids.len)
        mc_buf_printf(out, "\nchildren: %s\n", mc_buf_cstr(&kids));
    mc_buf_puts(out, "\nDocumented in docs/core.md; schema: schemas/synapse.xsd.\n");
    mc_buf_free(&attrs);
    mc_buf_free(&kids);
    return true;
}

static void list_all(const mc_connectors *cs, mc_buf *out)
{
    const char *names[128];
    size_t n = mc_builtin_names(names, 128);
    mc_buf_printf(out, "built-in mediators (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        const char *s = summary_of(names[i]);
        mc_buf_printf(out, "  %-16s %s\n", names[i], s ? s : "");
    }
    mc_buf_printf(out, "\nconnectors (%zu):\n", cs ? cs->n : 0);
    for (size_t i = 0; cs && i < cs->n; i++) {
        const char *d = cs->items[i].description ? cs->items[i].description : "";
        const char *stop = strstr(d, ". ");
        int n_first = stop ? (int)(stop - d) : (int)strlen(d);
        mc_buf_printf(out, "  %-16s %.*s (%zu operations)\n", cs->items[i].name, n_first, d,
                      cs->items[i].nops);
    }
    mc_buf_puts(out, "\nmediac describe NAME describes a mediator, a connector or "
                     "CONNECTOR.OPERATION.\n");
}

/* Closest known name to what: a mediator, a connector or an operation. */
static const char *suggest(const mc_connectors *cs, const char *what)
{
    const char *hit = cs ? mc_connectors_suggest(cs, what) : NULL;
    if (hit)
        return hit;
    const char *names[160];
    size_t n = mc_builtin_names(names, 128);
    for (size_t i = 0; cs && i < cs->n && n < 160; i++)
        names[n++] = cs->items[i].name;
    return mc_closest(what, names, n);
}

const mc_command mc_describe_command = {
    .name = "describe",
    .operands = "[NAME]",
    .summary = "Without NAME: list the built-in mediators and the connectors.  With NAME:\n"
               "describe a mediator (its attributes and children), a connector (its\n"
               "connection parameters and operations) or CONNECTOR.OPERATION (its\n"
               "parameters).",
    .example = "  mediac describe\n  mediac describe filter\n  mediac describe amazonlambda\n"
               "  mediac describe amazonlambda.invoke\n",
};

int mc_cmd_describe(int argc, char **argv)
{
    int first;
    struct mc_toml *file;
    int rc = mc_opts_parse(&mc_describe_command, argc, argv, NULL, &first, &file);
    if (rc != MC_OPTS_CONTINUE)
        return rc;
    if (argc - first > 1) {
        fprintf(stderr, "mediac: describe takes one NAME, got %d\n", argc - first);
        return EXIT_USAGE;
    }
    const char *what = first < argc ? argv[first] : NULL;
    mc_err err = {0};
    mc_connectors *cs = mc_connectors_load(&err);
    if (!cs && (!what || strchr(what, '.'))) {
        fprintf(stderr, "mediac: %s\n", err.msg);
        return EXIT_USAGE;
    }
    mc_buf b = MC_BUF_INIT;
    rc = 0;
    char schema[4096] = "";
    xmlDocPtr doc = NULL;
    if (!what) {
        list_all(cs, &b);
    } else if (cs && mc_connectors_describe(cs, what, &b) == MC_OK) {
        /* a connector or an operation */
    } else if ((doc = load_schema(schema, sizeof schema)) && describe_mediator(doc, what, &b)) {
        /* a mediator */
    } else {
        const char *near = suggest(cs, what);
        if (near)
            fprintf(stderr, "mediac: no mediator, connector or operation named '%s'; "
                            "did you mean '%s'?\n", what, near);
        else
            fprintf(stderr, "mediac: no mediator, connector or operation named '%s' "
                            "(mediac describe lists them)\n", what);
        if (!doc && !strchr(what, '.'))
            fprintf(stderr, "mediac: (the mediator schema was not found%s%s)\n",
                    *schema ? " at " : "", schema);
        rc = EXIT_NOTFOUND;
    }
    if (!rc)
        fputs(mc_buf_cstr(&b), stdout);
    xmlFreeDoc(doc);
    mc_buf_free(&b);
    mc_connectors_free(cs);
    return rc;
}

/* loader.c - read configuration files and folders, parse them safely with
 * start-tag positions recorded for diagnostics, and compile artifacts:
 * sequence, proxy, api, localEntry, endpoint, and <definitions>. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "config/config.h"
#include "config/endpoint.h"
#include "config/internal.h"
#include "config/stores.h"
#include "msg/xmlsafe.h"

#define MAX_CONFIG_FILE (64u * 1024 * 1024)

/* ---- parsing with positions ---------------------------------------------- */

static startElementNsSAX2Func sax2_start;

/* Record where each element's start tag ends (the loader scans back to its
 * '<' when it needs the column). */
static void start_element(void *ctx, const xmlChar *localname,
                          const xmlChar *prefix, const xmlChar *uri, int nns,
                          const xmlChar **ns, int nattrs, int ndefaulted,
                          const xmlChar **attrs)
{
    xmlParserCtxtPtr c = ctx;
    sax2_start(ctx, localname, prefix, uri, nns, ns, nattrs, ndefaulted, attrs);
    if (c->node && c->input) {
        size_t off = (size_t)c->input->consumed +
                     (size_t)(c->input->cur - c->input->base);
        c->node->psvi = (void *)(uintptr_t)(off + 1);
    }
}

static void pos_of(const char *text, const char *at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (const char *p = text; p < at; p++) {
        if (*p == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

/* libxml2 reports errors as it meets them; the first is the useful one
 * (later ones are consequences, like "Premature end of data"). */
typedef struct first_error {
    bool set;
    int line, col;
    char msg[256];
} first_error;

static void keep_first(void *ud, xmlErrorPtr e)
{
    first_error *f = ud;
    if (f->set || !e || e->level < XML_ERR_ERROR || !e->message)
        return;
    f->set = true;
    f->line = e->line;
    f->col = e->int2;
    snprintf(f->msg, sizeof f->msg, "%s", e->message);
    size_t n = strlen(f->msg);
    while (n && (f->msg[n - 1] == '\n' || f->msg[n - 1] == ' '))
        f->msg[--n] = '\0';
}

static xmlDocPtr parse_config(mc_compiler *cc)
{
    if (cc->len > MAX_CONFIG_FILE) {
        mc_diag_at(cc->cfg, cc->file, 1, 1, MC_DIAG_ERROR,
                   "file larger than %u bytes", MAX_CONFIG_FILE);
        return NULL;
    }
    if (cc->len == 0) {
        /* libxml2 makes no parser for empty input: not out of memory */
        mc_diag_at(cc->cfg, cc->file, 1, 1, MC_DIAG_ERROR, "empty document");
        return NULL;
    }
    /* no DTDs, so no entities of any kind (no billion laughs) */
    const char *dt = mc_xml_find_doctype(cc->text, cc->len);
    if (dt) {
        int line, col;
        pos_of(cc->text, dt, &line, &col);
        mc_diag_at(cc->cfg, cc->file, line, col, MC_DIAG_ERROR,
                   "DOCTYPE declarations are not allowed (no DTDs or entities)");
        return NULL;
    }
    mc_xml_quiet();
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(cc->text, (int)cc->len);
    if (!ctxt) {
        mc_diag_at(cc->cfg, cc->file, 1, 1, MC_DIAG_ERROR, "out of memory");
        return NULL;
    }
    if (!sax2_start)
        sax2_start = xmlSAX2StartElementNs;
    ctxt->sax->startElementNs = start_element;
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    first_error first = {0};
    xmlSetStructuredErrorFunc(&first, keep_first);
    xmlParseDocument(ctxt);
    mc_xml_quiet();
    xmlDocPtr doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    if (!ctxt->wellFormed || !doc || doc->intSubset) {
        if (!first.set) {
            xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
            keep_first(&first, e);
        }
        mc_diag_at(cc->cfg, cc->file, first.line ? first.line : 1,
                   first.col ? first.col : 1, MC_DIAG_ERROR, "malformed XML: %s",
                   first.set ? first.msg : "not well-formed");
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    return doc;
}

/* ---- artifacts ------------------------------------------------------------- */

static bool name_taken(mc_compiler *cc, xmlNodePtr node, const char *attr,
                       mc_table *t, const char *what, const char *name)
{
    void *prev = mc_table_get(t, name);
    if (!prev)
        return false;
    mc_diag(cc, node, attr, MC_DIAG_ERROR, "duplicate %s name '%s'", what, name);
    /* where the first one is */
    const char *file = NULL;
    int line = 0, col = 0;
    mc_config *cfg = cc->cfg;
    if (t == &cfg->sequences) {
        const mc_seq *s = prev;
        file = s->file, line = s->line, col = s->col;
    } else if (t == &cfg->proxies) {
        const mc_proxy *p = prev;
        file = p->file, line = p->line, col = p->col;
    } else if (t == &cfg->apis) {
        const mc_api *a = prev;
        file = a->file, line = a->line, col = a->col;
    } else if (t == &cfg->entries) {
        const mc_local_entry *e = prev;
        file = e->file, line = e->line, col = e->col;
    } else if (t == &cfg->endpoints) {
        const mc_endpoint *e = prev;
        file = e->file, line = e->line, col = e->col;
    } else if (t == &cfg->templates) {
        const mc_seq_template *e = prev;
        file = e->file, line = e->line, col = e->col;
    }
    if (file)
        mc_diag_at(cfg, file, line, col, MC_DIAG_NOTE, "previous definition is here");
    return true;
}

static const char *required_attr(mc_compiler *cc, xmlNodePtr node,
                                 const char *attr)
{
    const char *v = mc_attr(cc, node, attr);
    if (!v || !*v) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<%s> needs a '%s' attribute",
                (const char *)node->name, attr);
        return NULL;
    }
    return v;
}

/* The name an artifact is defined under: its registry key when it was
 * compiled from a registry resource, else its name attribute. */
static const char *artifact_name(mc_compiler *cc, xmlNodePtr node)
{
    if (cc->artifact_key && node->parent && node->parent->type == XML_DOCUMENT_NODE)
        return cc->artifact_key;
    return required_attr(cc, node, "name");
}

const char *mc_artifact_name(mc_compiler *cc, xmlNodePtr node)
{
    return artifact_name(cc, node);
}

static void compile_sequence(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "onError", "trace",
                                        "statistics", "key", NULL};
    mc_check_attrs(cc, node, attrs);
    const char *name = artifact_name(cc, node);
    mc_seq *s = mc_compile_children(cc, node);
    if (!name || !s)
        return;
    s->name = name;
    const char *on_error = mc_attr(cc, node, "onError");
    if (on_error && *on_error)
        mc_ref_sequence_msg(cc, node, "onError", on_error, &s->on_error, NULL);
    if (!name_taken(cc, node, "name", &cc->cfg->sequences, "sequence", name))
        mc_table_put(&cc->cfg->sequences, name, s);
}

/* A flow part given inline (<inSequence>...) or by key (attribute, or
 * <inSequence key>); missing_fmt is the runtime fault for a key that names
 * nothing (NULL: the part is simply absent, as for fault sequences). */
static void flow_part(mc_compiler *cc, xmlNodePtr holder, const char *part,
                      const mc_seq **slot, const char *missing_fmt)
{
    const char *key = mc_attr(cc, holder, part);
    if (key && *key)
        mc_ref_sequence_msg(cc, holder, part, key, slot, missing_fmt);
    for (xmlNodePtr c = mc_first_elem(holder); c; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, part) != 0)
            continue;
        if (key && *key) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "<%s> given both inline and by key '%s'", part, key);
            return;
        }
        const char *k = mc_attr(cc, c, "key");
        if (k && *k) {
            mc_ref_sequence_msg(cc, c, "key", k, slot, missing_fmt);
            return;
        }
        mc_seq *s = mc_compile_children(cc, c);
        if (s) {
            const char *on_error = mc_attr(cc, c, "onError");
            if (on_error && *on_error)
                mc_ref_sequence_msg(cc, c, "onError", on_error, &s->on_error, NULL);
            *slot = s;
        }
        return;
    }
}

static xmlNodePtr child_named(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr c = mc_first_elem(parent); c; c = mc_next_elem(c))
        if (strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

/* A pass-through proxy: <target endpoint="key"> or <target><endpoint>.
 * As Synapse does, the message goes to the endpoint when the inSequence
 * (if any) completes; the answer goes through the outSequence, or back to
 * the caller.  Built as the in-sequence followed by a <send> to that
 * endpoint, compiled by the send mediator itself. */
static const mc_seq *pass_through(mc_compiler *cc, xmlNodePtr target, const mc_seq *in,
                                  xmlNodePtr in_by_key)
{
    const char *ep_key = mc_attr(cc, target, "endpoint");
    xmlNodePtr ep = child_named(target, "endpoint");
    if ((!ep_key || !*ep_key) && !ep)
        return in;
    if (ep_key && *ep_key && ep) {
        mc_diag(cc, ep, NULL, MC_DIAG_ERROR,
                "<endpoint> given both inline and by key '%s'", ep_key);
        return in;
    }
    xmlNodePtr send = xmlNewDocNode(target->doc, target->ns, BAD_CAST "send", NULL);
    if (!send)
        return in;
    send->psvi = target->psvi;          /* diagnostics point at <target> */
    xmlAddChild(target, send);
    if (ep) {
        xmlUnlinkNode(ep);
        xmlAddChild(send, ep);
    } else {
        xmlNodePtr ref = xmlNewChild(send, target->ns, BAD_CAST "endpoint", NULL);
        xmlNewProp(ref, BAD_CAST "key", BAD_CAST ep_key);
        ref->psvi = target->psvi;
    }
    mc_mediator *sm = mc_compile_mediator(cc, send);
    mc_mediator *run_in = in_by_key ? mc_compile_mediator(cc, in_by_key) : NULL;
    if (!sm || (in_by_key && !run_in))
        return in;
    uint32_t n = (in && !in_by_key ? in->n : 0) + (run_in ? 1 : 0) + 1;
    mc_seq *s = mc_alloc(cc, sizeof *s);
    s->items = mc_alloc(cc, n * sizeof *s->items);
    s->file = cc->file;
    mc_node_pos(cc, target, &s->line, &s->col);
    if (in && !in_by_key) {
        for (uint32_t i = 0; i < in->n; i++)
            s->items[s->n++] = in->items[i];
        s->on_error = in->on_error;
    }
    if (run_in)
        s->items[s->n++] = run_in;
    s->items[s->n++] = sm;
    return s;
}

/* <target inSequence="key"> or <inSequence key>: the key, else NULL. */
static const char *in_sequence_key(mc_compiler *cc, xmlNodePtr target)
{
    const char *key = mc_attr(cc, target, "inSequence");
    if (key && *key)
        return key;
    xmlNodePtr in = child_named(target, "inSequence");
    key = in ? mc_attr(cc, in, "key") : NULL;
    return key && *key ? key : NULL;
}

static void compile_proxy(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "transports", "statistics",
        "trace", "startOnLoad", "pinnedServers", "serviceGroup", NULL};
    mc_check_attrs(cc, node, attrs);
    const char *name = required_attr(cc, node, "name");
    if (!name)
        return;
    mc_proxy *p = mc_alloc(cc, sizeof *p);
    p->name = name;
    p->file = cc->file;
    mc_node_pos(cc, node, &p->line, &p->col);
    xmlNodePtr target = NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "target") == 0)
            target = c;
        else if (strcmp(cn, "description") && strcmp(cn, "parameter") &&
                 strcmp(cn, "publishWSDL") && strcmp(cn, "policy") &&
                 strcmp(cn, "enableAddressing") && strcmp(cn, "enableSec"))
            mc_diag(cc, c, NULL, MC_DIAG_WARNING,
                    "unknown element <%s> in <proxy>", cn);
    }
    if (!target) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<proxy> '%s' has no <target>", name);
        return;
    }
    static const char *const tattrs[] = {"inSequence", "outSequence", "faultSequence",
                                         "endpoint", NULL};
    mc_check_attrs(cc, target, tattrs);
    for (xmlNodePtr c = mc_first_elem(target); c; c = mc_next_elem(c)) {
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "inSequence") && strcmp(cn, "outSequence") &&
            strcmp(cn, "faultSequence") && strcmp(cn, "endpoint") && strcmp(cn, "description"))
            mc_diag(cc, c, NULL, MC_DIAG_WARNING, "unknown element <%s> in <target>", cn);
    }
    const char *in_key = in_sequence_key(cc, target);
    xmlNodePtr in_ref = NULL;
    if (in_key && (mc_attr(cc, target, "endpoint") || child_named(target, "endpoint"))) {
        /* in by key, then the endpoint: run the in-sequence as a <sequence key> */
        in_ref = xmlNewDocNode(target->doc, target->ns, BAD_CAST "sequence", NULL);
        xmlNewProp(in_ref, BAD_CAST "key", BAD_CAST in_key);
        in_ref->psvi = target->psvi;
        xmlAddChild(target, in_ref);
    } else {
        flow_part(cc, target, "inSequence", &p->in, "Unable to find in-sequence : %s");
    }
    flow_part(cc, target, "outSequence", &p->out, "Unable to find out-sequence : %s");
    flow_part(cc, target, "faultSequence", &p->fault, NULL);
    if (!in_ref && !in_key)
        p->in = pass_through(cc, target, p->in, NULL);
    else if (in_ref)
        p->in = pass_through(cc, target, NULL, in_ref);
    if (!p->in && !in_key) {
        mc_diag(cc, target, NULL, MC_DIAG_WARNING,
                "<proxy> '%s' has no inSequence and no endpoint: it accepts messages "
                "and does nothing with them", name);
        mc_seq *empty = mc_alloc(cc, sizeof *empty);
        empty->file = cc->file;
        mc_node_pos(cc, target, &empty->line, &empty->col);
        p->in = empty;
    }
    if (!name_taken(cc, node, "name", &cc->cfg->proxies, "proxy", name))
        mc_table_put(&cc->cfg->proxies, name, p);
}

static const char *normalise_methods(mc_compiler *cc, xmlNodePtr node,
                                     const char *methods)
{
    static const char *const known[] = {"GET", "POST", "PUT", "DELETE",
        "PATCH", "HEAD", "OPTIONS", NULL};
    char *m = (char *)mc_strdup(cc, methods);
    for (char *p = m; p && *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 32);
    /* check each word */
    char *copy = strdup(m ? m : "");
    for (char *save = NULL, *w = strtok_r(copy, " ,", &save); w;
         w = strtok_r(NULL, " ,", &save)) {
        bool ok = false;
        for (int i = 0; known[i]; i++)
            ok = ok || strcmp(w, known[i]) == 0;
        if (!ok)
            mc_diag(cc, node, "methods", MC_DIAG_ERROR,
                    "unknown HTTP method '%s' in methods", w);
    }
    free(copy);
    return m;
}

static void compile_api(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "context", "hostname", "port",
        "version", "version-type", "statistics", "trace", "publishSwagger", NULL};
    mc_check_attrs(cc, node, attrs);
    const char *name = required_attr(cc, node, "name");
    const char *context = required_attr(cc, node, "context");
    if (!name || !context)
        return;
    if (context[0] != '/')
        mc_diag(cc, node, "context", MC_DIAG_ERROR,
                "API context '%s' must start with '/'", context);
    mc_api *api = mc_alloc(cc, sizeof *api);
    api->name = name;
    api->context = context;
    api->file = cc->file;
    mc_node_pos(cc, node, &api->line, &api->col);
    /* versions as Synapse's strategies: url puts the version after the
     * context (/ctx/1.0.0/...), context replaces {version} in it */
    const char *version = mc_attr(cc, node, "version");
    const char *vtype = mc_attr(cc, node, "version-type");
    const char *key = name;
    if (version && *version && (!vtype || !*vtype)) {
        mc_diag(cc, node, "version", MC_DIAG_ERROR,
                "an API with a version needs version-type=\"url\" or \"context\"");
    } else if (version && *version) {
        api->version = version;
        api->version_type = vtype;
        key = mc_arena_printf(&cc->cfg->arena, "%s:v%s", name, version);
        if (strcmp(api->version_type, "url") == 0) {
            size_t cl = strlen(context);
            api->context = mc_arena_printf(&cc->cfg->arena, "%.*s/%s",
                                           (int)(cl && context[cl - 1] == '/' ? cl - 1 : cl),
                                           context, version);
        } else if (strcmp(api->version_type, "context") == 0) {
            const char *at = strstr(context, "{version}");
            if (!at)
                mc_diag(cc, node, "context", MC_DIAG_ERROR,
                        "version-type=\"context\" needs {version} in the context '%s'", context);
            else
                api->context = mc_arena_printf(&cc->cfg->arena, "%.*s%s%s", (int)(at - context),
                                               context, version, at + 9);
        } else {
            mc_diag(cc, node, "version-type", MC_DIAG_ERROR,
                    "version-type must be url or context, not '%s'", api->version_type);
        }
    } else if (vtype && *vtype) {
        mc_diag(cc, node, "version-type", MC_DIAG_WARNING,
                "version-type without a version is ignored");
    }
    if (!api->version && strstr(context, "{version}"))
        mc_diag(cc, node, "context", MC_DIAG_ERROR,
                "the context '%s' has {version} but the API has no version", context);
    size_t n = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        n += strcmp((const char *)c->name, "resource") == 0;
    api->res = n ? mc_alloc(cc, n * sizeof *api->res) : NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, "resource") != 0) {
            if (strcmp((const char *)c->name, "handlers") != 0 &&
                strcmp((const char *)c->name, "description") != 0)
                mc_diag(cc, c, NULL, MC_DIAG_WARNING,
                        "unknown element <%s> in <api>", (const char *)c->name);
            continue;
        }
        static const char *const rattrs[] = {"methods", "uri-template",
            "url-mapping", "inSequence", "outSequence", "faultSequence",
            "protocol", NULL};
        mc_check_attrs(cc, c, rattrs);
        mc_resource *r = &api->res[api->nres++];
        int col;
        mc_node_pos(cc, c, &r->line, &col);
        const char *methods = mc_attr(cc, c, "methods");
        r->methods = methods && *methods ? normalise_methods(cc, c, methods) : NULL;
        r->uri_template = mc_attr(cc, c, "uri-template");
        r->url_mapping = mc_attr(cc, c, "url-mapping");
        if (r->uri_template && r->url_mapping)
            mc_diag(cc, c, "url-mapping", MC_DIAG_ERROR,
                    "a resource has either uri-template or url-mapping, not both");
        if (r->uri_template)
            r->tpl = mc_uri_template_compile(cc, c, r->uri_template);
        flow_part(cc, c, "inSequence", &r->in, "Specified sequence: %s cannot be found");
        flow_part(cc, c, "outSequence", &r->out, "Specified sequence: %s cannot be found");
        flow_part(cc, c, "faultSequence", &r->fault, NULL);
    }
    if (!name_taken(cc, node, "name", &cc->cfg->apis, "API", key))
        mc_table_put(&cc->cfg->apis, key, api);
}

static void free_node(void *p) { xmlFreeNode(p); }

static bool looks_like_xml(const char *data, size_t len);

/* <localEntry src="file:PATH">: the file's content.  A relative PATH is
 * relative to the Synapse/MI home, which is not known here: it is looked
 * for from the configuration file's folder upwards (the home is an
 * ancestor of the configuration), then from the current folder.  Other
 * URL schemes would need the network at load: refused. */
static bool load_src(mc_compiler *cc, xmlNodePtr node, mc_local_entry *e, const char *src)
{
    if (strncmp(src, "file:", 5) != 0) {
        mc_diag(cc, node, "src", MC_DIAG_ERROR,
                "local entry src '%s': only file: URLs are read (no network at load)", src);
        return false;
    }
    const char *path = src + 5;
    if (strncmp(path, "//", 2) == 0)
        path += 2;
    char *found = NULL;
    struct stat st;
    if (path[0] == '/') {
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            found = strdup(path);
    } else {
        char *dir = strdup(cc->file);
        for (int up = 0; dir && !found && up < 32; up++) {
            char *slash = strrchr(dir, '/');
            if (slash)
                *slash = '\0';
            char *cand = NULL;
            if (asprintf(&cand, "%s/%s", slash ? dir : ".", path) >= 0 &&
                stat(cand, &st) == 0 && S_ISREG(st.st_mode))
                found = cand;
            else
                free(cand);
            if (!slash)
                break;
        }
        free(dir);
        if (!found && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            found = strdup(path);      /* relative to the current folder */
    }
    if (!found) {
        mc_diag(cc, node, "src", MC_DIAG_ERROR,
                "local entry src '%s': no such file (looked from %s upwards)", src, cc->file);
        return false;
    }
    mc_buf b = MC_BUF_INIT;
    bool ok = mc_read_config_file(cc->cfg, found, &b) == MC_OK;
    if (ok) {
        e->text = mc_arena_strndup(&cc->cfg->arena, mc_buf_cstr(&b), b.len);
        e->len = b.len;
        if (looks_like_xml(b.data ? b.data : "", b.len)) {
            xmlDocPtr doc = mc_parse_descriptor(cc->cfg, mc_buf_cstr(&b), b.len, found);
            if (doc && xmlDocGetRootElement(doc)) {
                e->xml = xmlCopyNode(xmlDocGetRootElement(doc), 1);
                mc_config_own(cc->cfg, e->xml, free_node);
            }
            ok = doc != NULL;
            xmlFreeDoc(doc);
        }
    }
    mc_buf_free(&b);
    free(found);
    return ok;
}

static void compile_local_entry(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"key", "src", NULL};
    mc_check_attrs(cc, node, attrs);
    const char *key = required_attr(cc, node, "key");
    if (!key)
        return;
    mc_local_entry *e = mc_alloc(cc, sizeof *e);
    e->key = key;
    e->file = cc->file;
    mc_node_pos(cc, node, &e->line, &e->col);
    xmlNodePtr child = mc_first_elem(node);
    const char *src = mc_attr(cc, node, "src");
    if (src && *src) {
        if (!load_src(cc, node, e, src))
            return;
    } else if (child) {
        const char *cn = (const char *)child->name;
        const char *dot = strchr(cn, '.');
        if (dot && strcmp(dot, ".init") == 0) {
            if (cc->cfg->reg.compile_connection)
                e->connection = cc->cfg->reg.compile_connection(cc->cfg->reg.ud, cc, child);
            else
                mc_diag(cc, child, NULL, MC_DIAG_ERROR, "no connector runtime for <%s>", cn);
        }
        e->xml = xmlCopyNode(child, 1);
        mc_config_own(cc->cfg, e->xml, free_node);
    } else {
        e->text = mc_text(cc, node);
        e->len = e->text ? strlen(e->text) : 0;
    }
    if (!name_taken(cc, node, "key", &cc->cfg->entries, "local entry", key))
        mc_table_put(&cc->cfg->entries, key, e);
}

bool mc_name_taken(mc_compiler *cc, xmlNodePtr node, const char *attr,
                   mc_table *t, const char *what, const char *name)
{
    return name_taken(cc, node, attr, t, what, name);
}

/* <template name onError>: <parameter name isMandatory defaultValue/>s and
 * a <sequence> body; called by <call-template target>.  A template whose
 * body is an <endpoint> is an endpoint template. */
static void compile_template(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "onError", "trace", "statistics", NULL};
    mc_check_attrs(cc, node, attrs);
    xmlNodePtr body = NULL;
    size_t nparams = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "parameter") == 0)
            nparams++;
        else if (strcmp(cn, "sequence") == 0 || strcmp(cn, "endpoint") == 0)
            body = body ? body : c;
        else if (strcmp(cn, "description") != 0)
            mc_diag(cc, c, NULL, MC_DIAG_WARNING, "unknown element <%s> in <template>", cn);
    }
    if (body && strcmp((const char *)body->name, "endpoint") == 0) {
        mc_compile_endpoint_template(cc, node);
        return;
    }
    const char *name = artifact_name(cc, node);
    if (!name)
        return;
    if (!body) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<template> '%s' needs a <sequence> body", name);
        return;
    }
    mc_seq_template *t = mc_alloc(cc, sizeof *t);
    t->name = name;
    t->file = cc->file;
    mc_node_pos(cc, node, &t->line, &t->col);
    t->params = nparams ? mc_alloc(cc, nparams * sizeof *t->params) : NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, "parameter") != 0)
            continue;
        static const char *const pattrs[] = {"name", "isMandatory", "defaultValue", NULL};
        mc_check_attrs(cc, c, pattrs);
        const char *pn = required_attr(cc, c, "name");
        if (!pn)
            continue;
        for (size_t i = 0; i < t->nparams; i++)
            if (strcmp(t->params[i].name, pn) == 0)
                mc_diag(cc, c, "name", MC_DIAG_ERROR,
                        "duplicate parameter '%s' in template '%s'", pn, name);
        const char *mand = mc_attr(cc, c, "isMandatory");
        if (mand && strcmp(mand, "true") != 0 && strcmp(mand, "false") != 0)
            mc_diag(cc, c, "isMandatory", MC_DIAG_ERROR,
                    "isMandatory must be true or false, not '%s'", mand);
        t->params[t->nparams++] = (mc_template_param){
            pn, mc_attr(cc, c, "defaultValue"), mand && strcmp(mand, "true") == 0};
    }
    static const char *const battrs[] = {"name", "onError", "trace", "statistics", NULL};
    mc_check_attrs(cc, body, battrs);
    mc_seq *seq = mc_compile_children(cc, body);
    if (!seq)
        return;
    seq->name = name;
    t->body = seq;
    const char *on_error = mc_attr(cc, node, "onError");
    if (on_error && *on_error)
        mc_ref_sequence_msg(cc, node, "onError", on_error, &t->on_error, NULL);
    if (!name_taken(cc, node, "name", &cc->cfg->templates, "template", name))
        mc_table_put(&cc->cfg->templates, name, t);
}

static bool is_artifact_kind(const char *n)
{
    static const char *const kinds[] = {"definitions", "sequence", "proxy", "api",
        "localEntry", "endpoint", "template", "registry", "taskManager", "task",
        "messageStore", "messageProcessor", "inboundEndpoint", "eventSource",
        "import", "description", "priorityExecutor", "executor"};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(n, kinds[i]) == 0)
            return true;
    return false;
}

static bool is_mediator_name(mc_compiler *cc, const char *n)
{
    return cc->cfg->reg.lookup && cc->cfg->reg.lookup(cc->cfg->reg.ud, n);
}

/* <definitions>: artifacts, and (Synapse 1.x) mediators directly inside,
 * which form the implicit sequence "main". */
static void compile_definitions(mc_compiler *cc, xmlNodePtr node)
{
    uint32_t nmed = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        nmed += !is_artifact_kind((const char *)c->name) &&
                is_mediator_name(cc, (const char *)c->name);
    mc_seq *main_seq = NULL;
    xmlNodePtr first = NULL;
    if (nmed) {
        main_seq = mc_alloc(cc, sizeof *main_seq);
        main_seq->items = mc_alloc(cc, nmed * sizeof *main_seq->items);
        main_seq->name = "main";
        main_seq->file = cc->file;
    }
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "description") == 0 && mc_is_synapse(c))
            continue;
        if (main_seq && !is_artifact_kind(cn) && is_mediator_name(cc, cn) && mc_is_synapse(c)) {
            if (!first) {
                first = c;
                mc_node_pos(cc, c, &main_seq->line, &main_seq->col);
            }
            mc_mediator *m = mc_compile_mediator(cc, c);
            if (m)
                main_seq->items[main_seq->n++] = m;
            continue;
        }
        mc_compile_artifact(cc, c);
    }
    if (main_seq && !name_taken(cc, first, NULL, &cc->cfg->sequences, "sequence", "main"))
        mc_table_put(&cc->cfg->sequences, "main", main_seq);
}

void mc_compile_artifact(mc_compiler *cc, xmlNodePtr node)
{
    const char *n = (const char *)node->name;
    if (!mc_is_synapse(node)) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "<%s> is not in the Synapse namespace (%s)", n, MC_SYNAPSE_NS);
        return;
    }
    if (strcmp(n, "definitions") == 0) {
        compile_definitions(cc, node);
    } else if (strcmp(n, "sequence") == 0) {
        compile_sequence(cc, node);
    } else if (strcmp(n, "proxy") == 0) {
        compile_proxy(cc, node);
    } else if (strcmp(n, "api") == 0) {
        compile_api(cc, node);
    } else if (strcmp(n, "localEntry") == 0) {
        compile_local_entry(cc, node);
    } else if (strcmp(n, "endpoint") == 0) {
        mc_compile_named_endpoint(cc, node);
    } else if (strcmp(n, "template") == 0) {
        compile_template(cc, node);
    } else if (strcmp(n, "messageStore") == 0 || strcmp(n, "messageProcessor") == 0 ||
               strcmp(n, "task") == 0 || strcmp(n, "inboundEndpoint") == 0) {
        mc_compile_mi_artifact(cc, node); /* config/stores.c */
    } else if (strcmp(n, "registry") == 0 || strcmp(n, "taskManager") == 0 ||
               strcmp(n, "eventSource") == 0 || strcmp(n, "import") == 0 ||
               strcmp(n, "priorityExecutor") == 0 || strcmp(n, "executor") == 0) {
        if (strcmp(n, "registry") == 0)
            mc_diag(cc, node, NULL, MC_DIAG_WARNING,
                    "<registry> definitions are ignored: mediac reads registry resources from "
                    "the project, or from --registry DIR");
        else
            mc_diag(cc, node, NULL, MC_DIAG_WARNING,
                    "<%s> artifacts are not supported by mediac; ignored", n);
    } else if (strcmp(n, "datasource") == 0) {
        mc_diag(cc, node, NULL, MC_DIAG_WARNING,
                "<datasource> artifacts are JDBC data sources, which mediac does not run; ignored");
    } else {
        static const char *const kinds[] = {"definitions", "sequence", "proxy",
            "api", "localEntry", "endpoint", "template"};
        const char *near = mc_closest(n, kinds, sizeof kinds / sizeof *kinds);
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "unknown artifact <%s>%s%s%s", n,
                near ? "; did you mean <" : "", near ? near : "", near ? ">?" : "");
    }
}

/* ---- files and folders -------------------------------------------------- */

/* <description> may stand anywhere in a configuration (MI writes one into
 * most artifacts and mediators): kept for tools, ignored by the engine.
 * Drop the Synapse-namespace ones whose parent is configuration structure,
 * before any compile step sees them; keep them where the parent holds data
 * (a payloadFactory format, inline XML of property, enrich, header,
 * makefault or a local entry, a policy) and in connector operations, where
 * <description> can be a parameter. */
static bool holds_data(xmlNodePtr parent)
{
    static const char *const holders[] = {"format", "inline", "detail", "localEntry",
        "property", "header", "source", "policy", "schema", "code", "message", "reason",
        "parameter", "with-param", "entry"};
    const char *n = (const char *)parent->name;
    if (strchr(n, '.') || !mc_is_synapse(parent))
        return true;
    for (size_t i = 0; i < sizeof holders / sizeof *holders; i++)
        if (strcmp(n, holders[i]) == 0)
            return true;
    return false;
}

static void strip_descriptions(xmlNodePtr node, unsigned depth)
{
    if (depth > 256 || holds_data(node))
        return;
    for (xmlNodePtr c = node->children, next; c; c = next) {
        next = c->next;
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, "description") == 0 && mc_is_synapse(c)) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
            continue;
        }
        strip_descriptions(c, depth + 1);
    }
}

/* Parse data as a configuration document and hand its root element to fn
 * with a compiler positioned on the text. */
typedef void (*root_fn)(mc_compiler *cc, xmlNodePtr root, void *ud);

static mc_code with_document(mc_config *cfg, const char *data, size_t len,
                             const char *name, const char *artifact_key,
                             root_fn fn, void *ud)
{
    unsigned before = cfg->nerrors;
    mc_compiler cc = {0};
    cc.cfg = cfg;
    cc.file = mc_arena_strdup(&cfg->arena, name ? name : "<memory>");
    cc.text = data;
    cc.len = len;
    cc.artifact_key = artifact_key;
    size_t nl = 1;
    for (size_t i = 0; i < len; i++)
        nl += data[i] == '\n';
    cc.line_starts = malloc(nl * sizeof *cc.line_starts);
    if (!cc.line_starts)
        return MC_ENOMEM;
    cc.line_starts[0] = 0;
    cc.nlines = 1;
    for (size_t i = 0; i < len; i++)
        if (data[i] == '\n')
            cc.line_starts[cc.nlines++] = i + 1;
    xmlDocPtr doc = parse_config(&cc);
    if (doc) {
        xmlNodePtr root = xmlDocGetRootElement(doc);
        if (root) {
            mc_resolve_parameters(&cc, root);
            strip_descriptions(root, 0);
            fn(&cc, root, ud);
        }
        else
            mc_diag_at(cfg, cc.file, 1, 1, MC_DIAG_ERROR, "empty document");
        xmlFreeDoc(doc);
    }
    free(cc.line_starts);
    return cfg->nerrors > before ? MC_ECONFIG : MC_OK;
}

static void compile_root(mc_compiler *cc, xmlNodePtr root, void *ud)
{
    (void)ud;
    mc_compile_artifact(cc, root);
}

mc_code mc_config_load_memory(mc_config *cfg, const char *data, size_t len,
                              const char *name)
{
    return with_document(cfg, data, len, name, NULL, compile_root, NULL);
}

/* ---- registry resources ------------------------------------------------------ */

static mc_local_entry *new_resource(mc_config *cfg, const char *key, const char *data,
                                    size_t len, const char *file)
{
    mc_local_entry *e = mc_arena_calloc(&cfg->arena, sizeof *e);
    if (!e)
        return NULL;
    e->key = key;
    e->text = mc_arena_strndup(&cfg->arena, data, len);
    e->len = len;
    e->resource = true;
    e->file = mc_arena_strdup(&cfg->arena, file);
    e->line = e->col = 1;
    return e->text && e->file ? e : NULL;
}

static void add_resource(mc_config *cfg, mc_local_entry *e)
{
    const mc_local_entry *prev = mc_table_get(&cfg->entries, e->key);
    if (prev) {
        mc_diag_at(cfg, e->file, 1, 1, MC_DIAG_ERROR, "duplicate registry resource '%s'", e->key);
        mc_diag_at(cfg, prev->file, prev->line, prev->col, MC_DIAG_NOTE,
                   "previous definition is here");
        return;
    }
    if (mc_table_put(&cfg->entries, e->key, e))
        cfg->nresources++;
}

typedef struct resource_doc {
    mc_local_entry *entry;
    bool parsed;
} resource_doc;

/* An XML resource: keep its root element; a sequence, endpoint or template
 * is also compiled as that artifact, named by the registry key. */
/* Where diagnostics and references stood, to take back what a registry
 * artifact's failed compile added. */
typedef struct load_mark {
    size_t diags_len;
    unsigned nerrors, nwarnings;
    struct mc_fixup *fixups;
} load_mark;

static load_mark mark_load(const mc_config *cfg)
{
    return (load_mark){cfg->diags.len, cfg->nerrors, cfg->nwarnings, cfg->fixups};
}

static void roll_back(mc_config *cfg, const load_mark *lm)
{
    cfg->diags.len = lm->diags_len;
    if (cfg->diags.data)
        cfg->diags.data[lm->diags_len] = '\0';
    cfg->nerrors = lm->nerrors;
    cfg->nwarnings = lm->nwarnings;
    cfg->fixups = lm->fixups;
}

/* The message of the first error diagnostic after lm (arena copy). */
static const char *first_error_since(mc_config *cfg, const load_mark *lm)
{
    const char *text = mc_buf_cstr(&cfg->diags) + lm->diags_len;
    const char *e = strstr(text, ": error: ");
    if (!e)
        return "does not compile";
    e += 9;
    const char *nl = strchr(e, '\n');
    return mc_arena_strndup(&cfg->arena, e, nl ? (size_t)(nl - e) : strlen(e));
}

/* Drop what a failed compile put in t under name (it was appended last). */
static void unregister(mc_table *t, const char *name)
{
    if (t->n && strcmp(t->items[t->n - 1].name, name) == 0)
        t->n--;
}

static void resource_root(mc_compiler *cc, xmlNodePtr root, void *ud)
{
    resource_doc *rd = ud;
    mc_config *cfg = cc->cfg;
    rd->parsed = true;
    rd->entry->xml = xmlCopyNode(root, 1);
    mc_config_own(cfg, rd->entry->xml, free_node);
    const char *n = (const char *)root->name;
    if (!mc_is_synapse(root) || (strcmp(n, "sequence") && strcmp(n, "endpoint") &&
                                 strcmp(n, "template")))
        return;
    /* As MI's registry, an artifact resource is only an error when
     * something uses it: compile it now (so dynamic keys find it), but if
     * it does not compile, take its diagnostics back, keep the first error
     * for the references to it (link reports it there) and warn once. */
    load_mark lm = mark_load(cfg);
    unsigned before = mc_config_count(cfg);
    mc_compile_artifact(cc, root);
    if (cfg->nerrors > lm.nerrors) {
        const char *why = first_error_since(cfg, &lm);
        roll_back(cfg, &lm);
        unregister(&cfg->sequences, cc->artifact_key);
        unregister(&cfg->endpoints, cc->artifact_key);
        unregister(&cfg->templates, cc->artifact_key);
        mc_table_put(&cfg->broken, cc->artifact_key, (void *)why);
        mc_diag_at(cfg, cc->file, 1, 1, MC_DIAG_WARNING,
                   "registry <%s> '%s' does not compile (%s); a reference to it is an error", n,
                   cc->artifact_key, why);
        return;
    }
    cfg->nresource_artifacts += mc_config_count(cfg) - before;
}

static bool looks_like_xml(const char *data, size_t len)
{
    size_t i = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    return i < len && data[i] == '<';
}

mc_code mc_config_load_resource(mc_config *cfg, const char *key, const char *data,
                                size_t len, const char *name)
{
    const char *canon = mc_registry_key(&cfg->arena, key);
    if (!canon) {
        mc_diag_at(cfg, name, 0, 0, MC_DIAG_ERROR,
                   "registry key '%s' is not valid (empty, or '..' leaves the registry)", key);
        return MC_ECONFIG;
    }
    if (len > MAX_CONFIG_FILE) {
        mc_diag_at(cfg, name, 1, 1, MC_DIAG_ERROR, "file larger than %u bytes", MAX_CONFIG_FILE);
        return MC_ECONFIG;
    }
    mc_local_entry *e = new_resource(cfg, canon, data, len, name);
    if (!e)
        return MC_ENOMEM;
    mc_code rc = MC_OK;
    if (looks_like_xml(data, len)) {
        /* a resource that does not parse as XML is kept as text: only a
         * mediator that needs it as XML says so, at its reference (MI
         * reads registry resources when they are used) */
        load_mark lm = mark_load(cfg);
        resource_doc rd = {e, false};
        rc = with_document(cfg, data, len, name, canon, resource_root, &rd);
        if (!rd.parsed) {
            roll_back(cfg, &lm);
            rc = MC_OK;
        }
    }
    add_resource(cfg, e);
    return rc;
}

mc_code mc_read_config_file(mc_config *cfg, const char *path, mc_buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        mc_diag_at(cfg, path, 0, 0, MC_DIAG_ERROR, "cannot open: %s", strerror(errno));
        return MC_EIO;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b->len <= MAX_CONFIG_FILE)
        mc_buf_append(b, chunk, n);
    int rerr = ferror(f);
    fclose(f);
    if (rerr || b->oom) {
        mc_diag_at(cfg, path, 0, 0, MC_DIAG_ERROR, "cannot read file");
        return MC_EIO;
    }
    return MC_OK;
}

static mc_code load_file(mc_config *cfg, const char *path)
{
    mc_buf b = MC_BUF_INIT;
    mc_code rc = mc_read_config_file(cfg, path, &b);
    if (rc == MC_OK)
        rc = mc_config_load_memory(cfg, mc_buf_cstr(&b), b.len, path);
    mc_buf_free(&b);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_xml_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".xml") == 0;
}

mc_code mc_list_dir(mc_config *cfg, const char *path, char ***out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    DIR *d = opendir(path);
    if (!d) {
        mc_diag_at(cfg, path, 0, 0, MC_DIAG_ERROR, "cannot open folder: %s", strerror(errno));
        return MC_EIO;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *p);
            if (!p)
                break;
            names = p;
        }
        names[n] = strdup(de->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    if (n) /* names is NULL for an empty folder */
        qsort(names, n, sizeof *names, cmp_str);
    *out = names;
    *nout = n;
    return MC_OK;
}

static mc_code load_dir(mc_config *cfg, const char *path, int depth)
{
    if (depth > 32)
        return MC_OK;
    char **names;
    size_t n;
    mc_code rc = mc_list_dir(cfg, path, &names, &n);
    for (size_t i = 0; i < n; i++) {
        char *full = NULL;
        if (names[i][0] != '.' && asprintf(&full, "%s/%s", path, names[i]) < 0)
            full = NULL;
        struct stat st;
        if (full && stat(full, &st) == 0) {
            mc_code r = MC_OK;
            if (S_ISDIR(st.st_mode))
                r = load_dir(cfg, full, depth + 1);
            else if (S_ISREG(st.st_mode) && has_xml_suffix(names[i]))
                r = load_file(cfg, full);
            if (r != MC_OK && rc == MC_OK)
                rc = r;
        }
        free(full);
        free(names[i]);
    }
    free(names);
    return rc;
}

/* A file, or a folder (recursively, *.xml in sorted order), without
 * looking for project layouts (layout.c does that). */
mc_code mc_config_load_plain(mc_config *cfg, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        mc_diag_at(cfg, path, 0, 0, MC_DIAG_ERROR, "no such file or folder");
        return MC_EIO;
    }
    if (S_ISDIR(st.st_mode)) {
        size_t n = strlen(path);
        char *p = strndup(path, n);
        while (n > 1 && p && p[n - 1] == '/')
            p[--n] = '\0';
        mc_code rc = p ? load_dir(cfg, p, 0) : MC_ENOMEM;
        free(p);
        return rc;
    }
    return load_file(cfg, path);
}

xmlDocPtr mc_parse_descriptor(mc_config *cfg, const char *data, size_t len, const char *name)
{
    mc_compiler cc = {0};
    cc.cfg = cfg;
    cc.file = mc_arena_strdup(&cfg->arena, name ? name : "<memory>");
    cc.text = data;
    cc.len = len;
    return parse_config(&cc);
}

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

static void compile_sequence(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "onError", "trace",
                                        "statistics", "key", NULL};
    mc_check_attrs(cc, node, attrs);
    const char *name = required_attr(cc, node, "name");
    mc_seq *s = mc_compile_children(cc, node);
    if (!name || !s)
        return;
    s->name = name;
    const char *on_error = mc_attr(cc, node, "onError");
    if (on_error && *on_error)
        mc_ref_sequence(cc, node, "onError", on_error, &s->on_error);
    if (!name_taken(cc, node, "name", &cc->cfg->sequences, "sequence", name))
        mc_table_put(&cc->cfg->sequences, name, s);
}

/* A flow part given inline (<inSequence>...) or by key (attribute). */
static void flow_part(mc_compiler *cc, xmlNodePtr holder, const char *part,
                      const mc_seq **slot)
{
    const char *key = mc_attr(cc, holder, part);
    if (key && *key)
        mc_ref_sequence(cc, holder, part, key, slot);
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
            mc_ref_sequence(cc, c, "key", k, slot);
            return;
        }
        mc_seq *s = mc_compile_children(cc, c);
        if (s) {
            const char *on_error = mc_attr(cc, c, "onError");
            if (on_error && *on_error)
                mc_ref_sequence(cc, c, "onError", on_error, &s->on_error);
            *slot = s;
        }
        return;
    }
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
    flow_part(cc, target, "inSequence", &p->in);
    flow_part(cc, target, "outSequence", &p->out);
    flow_part(cc, target, "faultSequence", &p->fault);
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
    size_t n = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        n += strcmp((const char *)c->name, "resource") == 0;
    api->res = n ? mc_alloc(cc, n * sizeof *api->res) : NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, "resource") != 0) {
            if (strcmp((const char *)c->name, "handlers") != 0)
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
        flow_part(cc, c, "inSequence", &r->in);
        flow_part(cc, c, "outSequence", &r->out);
        flow_part(cc, c, "faultSequence", &r->fault);
    }
    if (!name_taken(cc, node, "name", &cc->cfg->apis, "API", name))
        mc_table_put(&cc->cfg->apis, name, api);
}

static void free_node(void *p) { xmlFreeNode(p); }

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
    if (child) {
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
    }
    if (!name_taken(cc, node, "key", &cc->cfg->entries, "local entry", key))
        mc_table_put(&cc->cfg->entries, key, e);
}

bool mc_name_taken(mc_compiler *cc, xmlNodePtr node, const char *attr,
                   mc_table *t, const char *what, const char *name)
{
    return name_taken(cc, node, attr, t, what, name);
}

/* A <template> whose body is an <endpoint> is an endpoint template. */
static bool is_endpoint_template(xmlNodePtr node)
{
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        if (strcmp((const char *)c->name, "endpoint") == 0)
            return true;
    return false;
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
        for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
            mc_compile_artifact(cc, c);
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
    } else if (strcmp(n, "template") == 0 && is_endpoint_template(node)) {
        mc_compile_endpoint_template(cc, node);
    } else if (strcmp(n, "registry") == 0 || strcmp(n, "taskManager") == 0 ||
               strcmp(n, "task") == 0 || strcmp(n, "messageStore") == 0 ||
               strcmp(n, "messageProcessor") == 0 ||
               strcmp(n, "inboundEndpoint") == 0 || strcmp(n, "template") == 0 ||
               strcmp(n, "eventSource") == 0 || strcmp(n, "import") == 0) {
        mc_diag(cc, node, NULL, MC_DIAG_WARNING,
                "<%s> artifacts are not supported by mediac; ignored", n);
    } else {
        static const char *const kinds[] = {"definitions", "sequence", "proxy",
            "api", "localEntry", "endpoint"};
        const char *near = mc_closest(n, kinds, sizeof kinds / sizeof *kinds);
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "unknown artifact <%s>%s%s%s", n,
                near ? "; did you mean <" : "", near ? near : "", near ? ">?" : "");
    }
}

/* ---- files and folders -------------------------------------------------- */

mc_code mc_config_load_memory(mc_config *cfg, const char *data, size_t len,
                              const char *name)
{
    unsigned before = cfg->nerrors;
    mc_compiler cc = {0};
    cc.cfg = cfg;
    cc.file = mc_arena_strdup(&cfg->arena, name ? name : "<memory>");
    cc.text = data;
    cc.len = len;
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
        if (root)
            mc_compile_artifact(&cc, root);
        else
            mc_diag_at(cfg, cc.file, 1, 1, MC_DIAG_ERROR, "empty document");
        xmlFreeDoc(doc);
    }
    free(cc.line_starts);
    return cfg->nerrors > before ? MC_ECONFIG : MC_OK;
}

static mc_code load_file(mc_config *cfg, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        mc_diag_at(cfg, path, 0, 0, MC_DIAG_ERROR, "cannot open: %s", strerror(errno));
        return MC_EIO;
    }
    mc_buf b = MC_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= MAX_CONFIG_FILE)
        mc_buf_append(&b, chunk, n);
    int rerr = ferror(f);
    fclose(f);
    if (rerr || b.oom) {
        mc_buf_free(&b);
        mc_diag_at(cfg, path, 0, 0, MC_DIAG_ERROR, "cannot read file");
        return MC_EIO;
    }
    mc_code rc = mc_config_load_memory(cfg, mc_buf_cstr(&b), b.len, path);
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

static mc_code load_dir(mc_config *cfg, const char *path, int depth)
{
    if (depth > 32)
        return MC_OK;
    DIR *d = opendir(path);
    if (!d) {
        mc_diag_at(cfg, path, 0, 0, MC_DIAG_ERROR, "cannot open folder: %s", strerror(errno));
        return MC_EIO;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
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
    mc_code rc = MC_OK;
    for (size_t i = 0; i < n; i++) {
        char *full = NULL;
        if (asprintf(&full, "%s/%s", path, names[i]) < 0)
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

mc_code mc_config_load_path(mc_config *cfg, const char *path)
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

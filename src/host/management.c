/* management.c - MI's read-only Management API from a loaded
 * configuration (see management.h). */
#include "host/management.h"
#include "config/stores.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>

#include "config/endpoint.h"
#include "config/internal.h"
#include "connector/descriptor.h"
#include "util/codec.h"
#include "util/log.h"

#define MAX_SOURCE_BYTES (16L << 20)

/* ---- helpers ------------------------------------------------------------------ */

bool mc_query_param(const char *query, const char *name, mc_buf *out)
{
    size_t nl = strlen(name);
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t kl = eq ? (size_t)(eq - p) : len;
        if (kl == nl && memcmp(p, name, nl) == 0) {
            mc_buf_reset(out);
            return mc_url_decode(out, eq ? eq + 1 : "", eq ? len - kl - 1 : 0, true) &&
                   !out->oom;
        }
        p = amp ? amp + 1 : NULL;
    }
    return false;
}

static void jstr(mc_buf *b, const char *s)
{
    if (s)
        mc_buf_json_string(b, s, strlen(s));
    else
        mc_buf_puts(b, "null");
}

static void jkey(mc_buf *b, bool *first, const char *key)
{
    if (!*first)
        mc_buf_putc(b, ',');
    *first = false;
    jstr(b, key);
    mc_buf_putc(b, ':');
}

static int not_found(mc_buf *body, const char *what, const char *name)
{
    mc_buf msg = MC_BUF_INIT;
    mc_buf_printf(&msg, "%s not found: ", what);
    mc_buf_puts(&msg, name);
    mc_buf_puts(body, "{\"Error\":");
    jstr(body, mc_buf_cstr(&msg));
    mc_buf_puts(body, "}\n");
    mc_buf_free(&msg);
    return 404;
}

static void list_open(mc_buf *b, size_t n)
{
    mc_buf_printf(b, "{\"count\":%zu,\"list\":[", n);
}

static void list_close(mc_buf *b)
{
    mc_buf_puts(b, "]}\n");
}

/* ---- artifact sources ------------------------------------------------------------ */

static xmlNodePtr find_at_line(xmlNodePtr n, int line, const char *element)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (xmlGetLineNo(n) == line && strcmp((const char *)n->name, element) == 0)
            return n;
        xmlNodePtr hit = find_at_line(n->children, line, element);
        if (hit)
            return hit;
    }
    return NULL;
}

xmlNodePtr mc_artifact_source(const char *file, int line, const char *element, xmlDocPtr *doc)
{
    *doc = NULL;
    struct stat st;
    if (!file || stat(file, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_SOURCE_BYTES)
        return NULL;
    *doc = xmlReadFile(file, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!*doc)
        return NULL;
    xmlNodePtr n = find_at_line(xmlDocGetRootElement(*doc), line, element);
    if (!n) {
        xmlFreeDoc(*doc);
        *doc = NULL;
    }
    return n;
}

static void mask_secrets(xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (mc_is_secret_name((const char *)n->name) && n->children) {
            xmlNodeSetContent(n, BAD_CAST "*****");
            continue;
        }
        for (xmlAttrPtr a = n->properties; a; a = a->next)
            if (mc_is_secret_name((const char *)a->name))
                xmlSetProp(n, a->name, BAD_CAST "*****");
        mask_secrets(n->children);
    }
}

void mc_artifact_xml(xmlNodePtr node, mc_buf *out)
{
    xmlNodePtr copy = xmlCopyNode(node, 1);
    if (!copy)
        return;
    mask_secrets(copy);
    xmlBufferPtr xb = xmlBufferCreate();
    if (xb && xmlNodeDump(xb, node->doc, copy, 0, 0) >= 0)
        mc_buf_append(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
    xmlBufferFree(xb);
    xmlFreeNode(copy);
}

/* "configuration": the definition's XML, or null when it cannot be read. */
static void put_configuration(mc_buf *b, bool *first, const char *file, int line,
                              const char *element)
{
    jkey(b, first, "configuration");
    xmlDocPtr doc;
    xmlNodePtr n = mc_artifact_source(file, line, element, &doc);
    if (!n) {
        mc_buf_puts(b, "null");
        return;
    }
    mc_buf x = MC_BUF_INIT;
    mc_artifact_xml(n, &x);
    mc_buf_json_string(b, x.data ? x.data : "", x.len);
    mc_buf_free(&x);
    xmlFreeDoc(doc);
}

/* ---- artifacts with one shape: a list of summaries, or one in detail ---------- */

typedef struct artifact_kind {
    const char *param;             /* MI's query parameter: "apiName" */
    const char *what;              /* for the 404: "API" */
    size_t table;                  /* offset of the mc_table in mc_config */
    void (*summary)(const mc_mgmt_ctx *c, const void *a, mc_buf *b, bool *first);
    void (*detail)(const mc_mgmt_ctx *c, const void *a, mc_buf *b, bool *first);
} artifact_kind;

static int answer_kind(const mc_mgmt_ctx *c, const artifact_kind *k, const char *query,
                       mc_buf *b)
{
    const mc_table *t = (const mc_table *)((const char *)c->cfg + k->table);
    mc_buf name = MC_BUF_INIT;
    int status = 200;
    if (mc_query_param(query, k->param, &name)) {
        const void *a = mc_table_get(t, mc_buf_cstr(&name));
        if (!a) {
            status = not_found(b, k->what, mc_buf_cstr(&name));
        } else {
            bool first = true;
            mc_buf_putc(b, '{');
            k->summary(c, a, b, &first);
            k->detail(c, a, b, &first);
            mc_buf_puts(b, "}\n");
        }
    } else {
        list_open(b, t->n);
        for (size_t i = 0; i < t->n; i++) {
            bool first = true;
            mc_buf_puts(b, i ? ",{" : "{");
            k->summary(c, t->items[i].item, b, &first);
            mc_buf_putc(b, '}');
        }
        list_close(b);
    }
    mc_buf_free(&name);
    return status;
}

/* ---- APIs -------------------------------------------------------------------------- */

static void api_url(const mc_mgmt_ctx *c, const mc_api *a, mc_buf *b)
{
    mc_buf u = MC_BUF_INIT;
    mc_buf_printf(&u, "%s%s", c->base_url ? c->base_url : "", a->context);
    jstr(b, mc_buf_cstr(&u));
    mc_buf_free(&u);
}

static void api_summary(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_api *a = v;
    jkey(b, first, "name");
    jstr(b, a->name);
    jkey(b, first, "url");
    api_url(c, a, b);
    jkey(b, first, "urlList");
    mc_buf_putc(b, '[');
    api_url(c, a, b);
    mc_buf_putc(b, ']');
    jkey(b, first, "tracing");
    jstr(b, "disabled");
}

static void methods_array(mc_buf *b, const char *methods)
{
    static const char *const all[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD",
                                      "OPTIONS"};
    mc_buf_putc(b, '[');
    if (!methods) {
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
            if (i)
                mc_buf_putc(b, ',');
            jstr(b, all[i]);
        }
    } else {
        bool first = true;
        for (const char *p = methods; *p;) {
            size_t n = strcspn(p, " ");
            if (n) {
                if (!first)
                    mc_buf_putc(b, ',');
                first = false;
                mc_buf_json_string(b, p, n);
            }
            p += n;
            while (*p == ' ')
                p++;
        }
    }
    mc_buf_putc(b, ']');
}

static void api_detail(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_api *a = v;
    jkey(b, first, "version");
    jstr(b, a->version ? a->version : "N/A");
    jkey(b, first, "stats");
    jstr(b, "disabled");
    jkey(b, first, "context");
    jstr(b, a->context);
    jkey(b, first, "resources");
    mc_buf_putc(b, '[');
    for (size_t i = 0; i < a->nres; i++) {
        const mc_resource *r = &a->res[i];
        mc_buf_printf(b, "%s{\"methods\":", i ? "," : "");
        methods_array(b, r->methods);
        mc_buf_puts(b, ",\"url\":");
        jstr(b, r->uri_template ? r->uri_template : r->url_mapping ? r->url_mapping : "N/A");
        mc_buf_putc(b, '}');
    }
    mc_buf_putc(b, ']');
    put_configuration(b, first, a->file, a->line, "api");
}

/* ---- proxies, sequences, endpoints ------------------------------------------------- */

static void proxy_summary(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_proxy *p = v;
    mc_buf u = MC_BUF_INIT;
    jkey(b, first, "name");
    jstr(b, p->name);
    /* mediac serves no WSDL: the service address stands where MI puts them */
    mc_buf_printf(&u, "%s/services/%s?wsdl", c->base_url ? c->base_url : "", p->name);
    jkey(b, first, "wsdl1_1");
    jstr(b, mc_buf_cstr(&u));
    mc_buf_puts(&u, "2");
    jkey(b, first, "wsdl2_0");
    jstr(b, mc_buf_cstr(&u));
    mc_buf_free(&u);
}

static void proxy_detail(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_proxy *p = v;
    jkey(b, first, "stats");
    jstr(b, "disabled");
    jkey(b, first, "tracing");
    jstr(b, "disabled");
    jkey(b, first, "eprs");
    mc_buf u = MC_BUF_INIT;
    mc_buf_printf(&u, "%s/services/%s", c->base_url ? c->base_url : "", p->name);
    mc_buf_putc(b, '[');
    jstr(b, mc_buf_cstr(&u));
    mc_buf_putc(b, ']');
    mc_buf_free(&u);
    jkey(b, first, "isRunning");
    mc_buf_puts(b, "true");
    put_configuration(b, first, p->file, p->line, "proxy");
}

/* The element names of a sequence's mediators (MI's "mediators"). */
static void mediator_types(const mc_seq *s, mc_buf *b)
{
    mc_buf_putc(b, '[');
    for (uint32_t i = 0; s && i < s->n; i++) {
        if (i)
            mc_buf_putc(b, ',');
        jstr(b, s->items[i]->type->name);
    }
    mc_buf_putc(b, ']');
}

static void sequence_summary(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_seq *s = v;
    jkey(b, first, "name");
    jstr(b, s->name);
    jkey(b, first, "container");
    jstr(b, "[ Deployed From Artifact Container: ]");
    jkey(b, first, "stats");
    jstr(b, "disabled");
    jkey(b, first, "tracing");
    jstr(b, "disabled");
}

static void sequence_detail(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_seq *s = v;
    jkey(b, first, "mediators");
    mediator_types(s, b);
    put_configuration(b, first, s->file, s->line, "sequence");
}

static const char *endpoint_type(const mc_endpoint *e)
{
    /* MI names the kind: "address" for <address uri>, "http" for <http>, ... */
    return mc_endpoint_type_name(e);
}

static void endpoint_summary(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_endpoint *e = v;
    jkey(b, first, "name");
    jstr(b, e->name);
    jkey(b, first, "type");
    jstr(b, endpoint_type(e));
    jkey(b, first, "isActive");
    mc_buf_puts(b, "true");
}

static void endpoint_detail(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_endpoint *e = v;
    jkey(b, first, "tracing");
    jstr(b, "disabled");
    jkey(b, first, "uri");
    jstr(b, mc_endpoint_definition(e)->uri);
    put_configuration(b, first, e->file, e->line, "endpoint");
}

static const artifact_kind kind_api = {"apiName", "API", offsetof(mc_config, apis),
                                       api_summary, api_detail};
static const artifact_kind kind_proxy = {"proxyServiceName", "Proxy service",
                                         offsetof(mc_config, proxies), proxy_summary,
                                         proxy_detail};
static const artifact_kind kind_sequence = {"sequenceName", "Sequence",
                                            offsetof(mc_config, sequences), sequence_summary,
                                            sequence_detail};
static const artifact_kind kind_endpoint = {"endpointName", "Endpoint",
                                            offsetof(mc_config, endpoints), endpoint_summary,
                                            endpoint_detail};

static int apis(const mc_mgmt_ctx *c, const char *q, mc_buf *b) { return answer_kind(c, &kind_api, q, b); }
static int proxies(const mc_mgmt_ctx *c, const char *q, mc_buf *b) { return answer_kind(c, &kind_proxy, q, b); }
static int sequences(const mc_mgmt_ctx *c, const char *q, mc_buf *b) { return answer_kind(c, &kind_sequence, q, b); }
static int endpoints(const mc_mgmt_ctx *c, const char *q, mc_buf *b) { return answer_kind(c, &kind_endpoint, q, b); }

/* ---- message stores, processors, tasks, inbound endpoints ------------------------- */

static const char *base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path;
}

static void params_object(mc_buf *b, const mc_param *ps, size_t n)
{
    bool first = true;
    mc_buf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        jkey(b, &first, ps[i].name);
        jstr(b, ps[i].value);
    }
    mc_buf_putc(b, '}');
}

static void store_summary(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_store_def *d = v;
    jkey(b, first, "name");
    jstr(b, d->name);
    jkey(b, first, "type");
    jstr(b, "in-memory-message-store");
    jkey(b, first, "size");
    mc_buf_printf(b, "%zu", d->store ? mc_msg_store_size(d->store) : (size_t)0);
}

static void store_detail(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_store_def *d = v;
    jkey(b, first, "container");
    jstr(b, "[ Deployed From Artifact Container: ]");
    jkey(b, first, "file");
    jstr(b, base_name(d->file));
    jkey(b, first, "properties");
    params_object(b, d->params, d->nparams);
    put_configuration(b, first, d->file, d->line, "messageStore");
}

static const char *processor_type(const mc_processor_def *p)
{
    return p->kind == MC_PROC_SAMPLING ? "Sampling-processor"
           : p->kind == MC_PROC_FAILOVER ? "Failover-scheduled-message-forwarding-processor"
                                         : "Scheduled-message-forwarding-processor";
}

static void processor_summary(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_processor_def *p = v;
    bool active = p->active;
    if (c->processor_active)
        c->processor_active(c->state_ud, p->name, &active);
    jkey(b, first, "name");
    jstr(b, p->name);
    jkey(b, first, "type");
    jstr(b, processor_type(p));
    jkey(b, first, "status");
    jstr(b, active ? "active" : "inactive");
}

static void processor_detail(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_processor_def *p = v;
    jkey(b, first, "artifactContainer");
    jstr(b, "[ Deployed From Artifact Container: ]");
    jkey(b, first, "fileName");
    jstr(b, base_name(p->file));
    jkey(b, first, "parameters");
    params_object(b, p->params, p->nparams);
    jkey(b, first, "messageStore");
    jstr(b, p->store_name);
    put_configuration(b, first, p->file, p->line, "messageProcessor");
}

static void task_summary(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    jkey(b, first, "name");
    jstr(b, ((const mc_task_def *)v)->name);
}

static void task_detail(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_task_def *t = v;
    jkey(b, first, "taskGroup");
    jstr(b, "synapse.simple.quartz");
    jkey(b, first, "implementation");
    jstr(b, t->klass);
    jkey(b, first, "triggerCount");
    mc_buf_printf(b, "\"%ld\"", t->count);
    jkey(b, first, "triggerInterval");
    mc_buf_printf(b, "\"%ld\"", t->interval_ms);
    jkey(b, first, "triggerType");
    jstr(b, "simple");
    jkey(b, first, "properties");
    const char *names[] = {"message", "format", "injectTo", "sequenceName", "proxyName",
                           "soapAction", "to"};
    const char *values[] = {t->message, t->format, t->inject_to, t->sequence_name,
                            t->proxy_name, t->soap_action, t->to};
    bool pf = true;
    mc_buf_putc(b, '{');
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (values[i]) {
            jkey(b, &pf, names[i]);
            jstr(b, values[i]);
        }
    mc_buf_putc(b, '}');
    put_configuration(b, first, t->file, t->line, "task");
}

static void inbound_summary(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_inbound_def *d = v;
    jkey(b, first, "name");
    jstr(b, d->name);
    jkey(b, first, "protocol");
    jstr(b, d->protocol);
    jkey(b, first, "status");
    jstr(b, d->suspend ? "inactive" : "active");
}

static void inbound_detail(const mc_mgmt_ctx *c, const void *v, mc_buf *b, bool *first)
{
    const mc_inbound_def *d = v;
    jkey(b, first, "sequence");
    jstr(b, d->sequence ? d->sequence->name : NULL);
    jkey(b, first, "error");
    jstr(b, d->on_error ? d->on_error->name : NULL);
    jkey(b, first, "stats");
    jstr(b, "disabled");
    jkey(b, first, "tracing");
    jstr(b, "disabled");
    put_configuration(b, first, d->file, d->line, "inboundEndpoint");
    jkey(b, first, "parameters");
    mc_buf_putc(b, '[');
    for (size_t i = 0; i < d->nparams; i++) {
        bool pf = true;
        mc_buf_puts(b, i ? ",{" : "{");
        jkey(b, &pf, "name");
        jstr(b, d->params[i].name);
        jkey(b, &pf, "value");
        jstr(b, d->params[i].value);
        mc_buf_putc(b, '}');
    }
    mc_buf_putc(b, ']');
}

static const artifact_kind kind_store = {"name", "Message store", offsetof(mc_config, stores),
                                         store_summary, store_detail};
static const artifact_kind kind_processor = {"name", "Message processor",
                                             offsetof(mc_config, processors),
                                             processor_summary, processor_detail};
static const artifact_kind kind_task = {"taskName", "Task", offsetof(mc_config, tasks),
                                        task_summary, task_detail};
static const artifact_kind kind_inbound = {"inboundEndpointName", "Inbound endpoint",
                                           offsetof(mc_config, inbounds), inbound_summary,
                                           inbound_detail};

static int stores(const mc_mgmt_ctx *c, const char *q, mc_buf *b) { return answer_kind(c, &kind_store, q, b); }
static int processors(const mc_mgmt_ctx *c, const char *q, mc_buf *b) { return answer_kind(c, &kind_processor, q, b); }
static int tasks(const mc_mgmt_ctx *c, const char *q, mc_buf *b) { return answer_kind(c, &kind_task, q, b); }
static int inbounds(const mc_mgmt_ctx *c, const char *q, mc_buf *b) { return answer_kind(c, &kind_inbound, q, b); }

/* ---- local entries, templates, connectors ---------------------------------------- */

static const char *entry_type(const mc_local_entry *e)
{
    if (e->resource)
        return "Registry Key";
    return e->xml ? "Inline XML" : "Inline Text";
}

static int local_entries(const mc_mgmt_ctx *c, const char *query, mc_buf *b)
{
    const mc_table *t = &c->cfg->entries;
    mc_buf name = MC_BUF_INIT;
    int status = 200;
    if (mc_query_param(query, "name", &name)) {
        const mc_local_entry *e = mc_config_entry(c->cfg, mc_buf_cstr(&name));
        if (!e) {
            status = not_found(b, "Local entry", mc_buf_cstr(&name));
        } else {
            bool first = true;
            mc_buf_putc(b, '{');
            jkey(b, &first, "name");
            jstr(b, e->key);
            jkey(b, &first, "type");
            jstr(b, entry_type(e));
            jkey(b, &first, "value");
            if (e->xml) {
                mc_buf x = MC_BUF_INIT;
                mc_artifact_xml(e->xml, &x);   /* secrets masked */
                mc_buf_json_string(b, x.data ? x.data : "", x.len);
                mc_buf_free(&x);
            } else if (e->text) {
                mc_buf_json_string(b, e->text, e->len ? e->len : strlen(e->text));
            } else {
                mc_buf_puts(b, "null");
            }
            jkey(b, &first, "description");
            jstr(b, "");
            mc_buf_puts(b, "}\n");
        }
    } else {
        list_open(b, t->n);
        for (size_t i = 0; i < t->n; i++) {
            const mc_local_entry *e = t->items[i].item;
            mc_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
            jstr(b, e->key);
            mc_buf_puts(b, ",\"type\":");
            jstr(b, entry_type(e));
            mc_buf_putc(b, '}');
        }
        list_close(b);
    }
    mc_buf_free(&name);
    return status;
}

static void template_detail(const mc_seq_template *tp, mc_buf *b)
{
    bool first = true;
    mc_buf_putc(b, '{');
    jkey(b, &first, "name");
    jstr(b, tp->name);
    jkey(b, &first, "Parameters");
    mc_buf_putc(b, '[');
    for (size_t i = 0; i < tp->nparams; i++) {
        if (i)
            mc_buf_putc(b, ',');
        jstr(b, tp->params[i].name);
    }
    mc_buf_putc(b, ']');
    put_configuration(b, &first, tp->file, tp->line, "template");
    jkey(b, &first, "type");
    jstr(b, "sequence");
    mc_buf_putc(b, '}');
}

static int templates(const mc_mgmt_ctx *c, const char *query, mc_buf *b)
{
    const mc_table *t = &c->cfg->templates;
    mc_buf type = MC_BUF_INIT, name = MC_BUF_INIT;
    int status = 200;
    bool typed = mc_query_param(query, "type", &type);
    bool named = mc_query_param(query, "name", &name);
    if (typed && strcmp(mc_buf_cstr(&type), "sequence") != 0 &&
        strcmp(mc_buf_cstr(&type), "endpoint") != 0) {
        mc_buf msg = MC_BUF_INIT;
        mc_buf_printf(&msg, "Received type %s is not a valid template type", mc_buf_cstr(&type));
        mc_buf_puts(b, "{\"Error\":");
        jstr(b, mc_buf_cstr(&msg));
        mc_buf_puts(b, "}\n");
        mc_buf_free(&msg);
        status = 400;
    } else if (typed && named) {
        const mc_seq_template *tp = strcmp(mc_buf_cstr(&type), "sequence") == 0 ?
                                    mc_table_get(t, mc_buf_cstr(&name)) : NULL;
        if (!tp) {
            status = not_found(b, "Template", mc_buf_cstr(&name));
        } else {
            template_detail(tp, b);
            mc_buf_putc(b, '\n');
        }
    } else if (typed) {
        /* names only, of one type (mediac has no endpoint templates here) */
        bool seq = strcmp(mc_buf_cstr(&type), "sequence") == 0;
        list_open(b, seq ? t->n : 0);
        for (size_t i = 0; seq && i < t->n; i++) {
            mc_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
            jstr(b, ((const mc_seq_template *)t->items[i].item)->name);
            mc_buf_putc(b, '}');
        }
        list_close(b);
    } else {
        list_open(b, t->n);
        for (size_t i = 0; i < t->n; i++) {
            if (i)
                mc_buf_putc(b, ',');
            template_detail(t->items[i].item, b);
        }
        list_close(b);
    }
    mc_buf_free(&type);
    mc_buf_free(&name);
    return status;
}

static void connector_obj(const mc_connector *cn, mc_buf *b)
{
    mc_buf_puts(b, "{\"name\":");
    jstr(b, cn->name);
    mc_buf_puts(b, ",\"package\":");
    jstr(b, "org.wso2.carbon.connector");
    mc_buf_puts(b, ",\"description\":");
    jstr(b, cn->description);
    mc_buf_puts(b, ",\"status\":\"enabled\"}");
}

static int connectors(const mc_mgmt_ctx *c, const char *query, mc_buf *b)
{
    const mc_connectors *cs = c->connectors;
    size_t n = cs ? cs->n : 0;
    mc_buf name = MC_BUF_INIT;
    int status = 200;
    if (mc_query_param(query, "connectorName", &name)) {
        const mc_connector *hit = NULL;
        for (size_t i = 0; i < n && !hit; i++)
            if (strcmp(cs->items[i].name, mc_buf_cstr(&name)) == 0)
                hit = &cs->items[i];
        if (!hit) {
            status = not_found(b, "Connector", mc_buf_cstr(&name));
        } else {
            list_open(b, 1);
            connector_obj(hit, b);
            list_close(b);
        }
    } else {
        list_open(b, n);
        for (size_t i = 0; i < n; i++) {
            if (i)
                mc_buf_putc(b, ',');
            connector_obj(&cs->items[i], b);
        }
        list_close(b);
    }
    mc_buf_free(&name);
    return status;
}

/* ---- dispatch -------------------------------------------------------------------------- */

int mc_management_answer(const mc_mgmt_ctx *c, const char *path, const char *query,
                         mc_buf *body, const char **content_type)
{
    static const struct {
        const char *path;
        int (*fn)(const mc_mgmt_ctx *, const char *, mc_buf *);
    } routes[] = {
        {"/management/apis", apis},
        {"/management/proxy-services", proxies},
        {"/management/sequences", sequences},
        {"/management/endpoints", endpoints},
        {"/management/local-entries", local_entries},
        {"/management/templates", templates},
        {"/management/connectors", connectors},
        {"/management/message-stores", stores},
        {"/management/message-processors", processors},
        {"/management/tasks", tasks},
        {"/management/inbound-endpoints", inbounds},
    };
    *content_type = "application/json";
    size_t pl = strcspn(path, "?");
    while (pl > 1 && path[pl - 1] == '/')
        pl--;
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
        if (strlen(routes[i].path) == pl && strncmp(routes[i].path, path, pl) == 0)
            return routes[i].fn(c, query, body);
    if (pl == 9 && strncmp(path, "/liveness", 9) == 0) {
        mc_buf_puts(body, "{\"server\":\"started\"}\n");
        return 200;
    }
    mc_buf msg = MC_BUF_INIT;
    mc_buf_puts(&msg, "No such resource on the management API: ");
    mc_buf_append(&msg, path, pl);
    mc_buf_puts(body, "{\"Error\":");
    mc_buf_json_string(body, msg.data, msg.len);
    mc_buf_puts(body, "}\n");
    mc_buf_free(&msg);
    return 404;
}

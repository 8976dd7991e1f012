/* viewer.c - the flow viewer page (see viewer.h).  Diagrams are drawn from
 * each artifact's definition, re-read from its file (mc_artifact_source):
 * nested boxes laid out by CSS (a column per flow, a row of columns per
 * branch point). */
#include "host/viewer.h"

#include <string.h>

#include <libxml/tree.h>

#include "config/endpoint.h"
#include "config/internal.h"
#include "host/management.h"

#define MAX_DEPTH 32

typedef struct page {
    const mc_config *cfg;
    mc_buf *b;
} page;

static void esc(mc_buf *b, const char *s)
{
    if (s)
        mc_buf_xml_escape(b, s, strlen(s), true);
}

static void esc_attr_node(mc_buf *b, xmlNodePtr n, const char *attr)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST attr);
    if (v)
        esc(b, (const char *)v);
    xmlFree(v);
}

/* Index of name in a table, or -1. */
static long table_index(const mc_table *t, const char *name)
{
    for (size_t i = 0; name && i < t->n; i++)
        if (strcmp(t->items[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* A link to an artifact by name: <a class="ref" href="#seq-3">name</a>,
 * or a "missing" mark when nothing has that name. */
static void ref_link(page *pg, const mc_table *t, const char *prefix, const char *name)
{
    long i = table_index(t, name);
    if (i < 0) {
        mc_buf_puts(pg->b, "<span class=\"ref missing\" title=\"not deployed\">");
        esc(pg->b, name);
        mc_buf_puts(pg->b, "</span>");
        return;
    }
    mc_buf_printf(pg->b, "<a class=\"ref\" href=\"#%s-%ld\">", prefix, i);
    esc(pg->b, name);
    mc_buf_puts(pg->b, "</a>");
}

static bool is_el(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr child_el(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (is_el(c, name))
            return c;
    return NULL;
}

static char *attr(xmlNodePtr n, const char *name)
{
    return (char *)xmlGetProp(n, BAD_CAST name);
}

static void flow(page *pg, xmlNodePtr first, int depth);

static void branch(page *pg, const char *label, xmlNodePtr label_node, const char *label_attr,
                   xmlNodePtr body, int depth)
{
    mc_buf_puts(pg->b, "<div class=\"branch\"><div class=\"label\">");
    esc(pg->b, label);
    if (label_node && label_attr) {
        xmlChar *v = xmlGetProp(label_node, BAD_CAST label_attr);
        if (v) {
            mc_buf_puts(pg->b, " ");
            esc(pg->b, (const char *)v);
        }
        xmlFree(v);
    }
    mc_buf_puts(pg->b, "</div>");
    flow(pg, body ? body->children : NULL, depth + 1);
    mc_buf_puts(pg->b, "</div>");
}

/* The endpoint of a call/send/callout: a key link or the inline address. */
static void endpoint_target(page *pg, xmlNodePtr med)
{
    xmlNodePtr ep = child_el(med, "endpoint");
    char *key = ep ? attr(ep, "key") : NULL;
    if (key) {
        mc_buf_puts(pg->b, " <span class=\"target\">endpoint ");
        ref_link(pg, &pg->cfg->endpoints, "ep", key);
        mc_buf_puts(pg->b, "</span>");
    } else if (ep) {
        for (xmlNodePtr c = ep->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE)
                continue;
            char *u = attr(c, "uri");
            if (!u)
                u = attr(c, "uri-template");
            if (u) {
                mc_buf_puts(pg->b, " <span class=\"target\">");
                esc(pg->b, (const char *)c->name);
                mc_buf_puts(pg->b, " ");
                esc(pg->b, u);
                mc_buf_puts(pg->b, "</span>");
            }
            xmlFree(u);
        }
    }
    xmlFree(key);
}

/* Split mediators: each target / sequence child is a branch. */
static void split_branches(page *pg, xmlNodePtr med, int depth)
{
    mc_buf_puts(pg->b, "<div class=\"branches\">");
    int n = 0;
    for (xmlNodePtr c = med->children; c; c = c->next) {
        if (!is_el(c, "target") && !is_el(c, "sequence") && !is_el(c, "onComplete"))
            continue;
        char label[32];
        snprintf(label, sizeof label, "%s %d", (const char *)c->name, ++n);
        char *key = attr(c, "sequence");
        if (!key && is_el(c, "sequence"))
            key = attr(c, "key");
        xmlNodePtr inner = is_el(c, "target") ? child_el(c, "sequence") : c;
        if (key) {
            mc_buf_printf(pg->b, "<div class=\"branch\"><div class=\"label\">%s</div>"
                                 "<div class=\"flow\"><div class=\"mediator\" data-mediator=\"sequence\">"
                                 "<span class=\"name\">sequence</span> ", label);
            ref_link(pg, &pg->cfg->sequences, "seq", key);
            mc_buf_puts(pg->b, "</div></div></div>");
        } else if (is_el(c, "target") && child_el(c, "endpoint")) {
            mc_buf_printf(pg->b, "<div class=\"branch\"><div class=\"label\">%s</div>"
                                 "<div class=\"flow\"><div class=\"mediator call\" data-mediator=\"endpoint\">"
                                 "<span class=\"name\">send</span>", label);
            endpoint_target(pg, c);
            mc_buf_puts(pg->b, "</div></div></div>");
        } else {
            branch(pg, label, NULL, NULL, inner, depth);
        }
        xmlFree(key);
    }
    mc_buf_puts(pg->b, "</div>");
}

static void mediator(page *pg, xmlNodePtr m, int depth)
{
    const char *name = (const char *)m->name;
    if (strcmp(name, "description") == 0)
        return;
    bool connector = strchr(name, '.') != NULL;
    bool call = connector || !strcmp(name, "call") || !strcmp(name, "send") ||
                !strcmp(name, "callout");
    mc_buf_printf(pg->b, "<div class=\"mediator%s\" data-mediator=\"", connector ? " call connector" :
                  call ? " call" : "");
    esc(pg->b, name);
    mc_buf_puts(pg->b, "\"><span class=\"name\">");
    esc(pg->b, name);
    mc_buf_puts(pg->b, "</span>");
    if (!strcmp(name, "sequence")) {
        char *key = attr(m, "key");
        mc_buf_puts(pg->b, " ");
        ref_link(pg, &pg->cfg->sequences, "seq", key);
        xmlFree(key);
    } else if (!strcmp(name, "call-template")) {
        char *t = attr(m, "target");
        mc_buf_puts(pg->b, " ");
        ref_link(pg, &pg->cfg->templates, "tpl", t);
        xmlFree(t);
    } else if (connector) {
        char *ck = attr(m, "configKey");
        if (ck) {
            mc_buf_puts(pg->b, " <span class=\"target\">connection ");
            ref_link(pg, &pg->cfg->entries, "le", ck);
            mc_buf_puts(pg->b, "</span>");
        }
        xmlFree(ck);
    } else if (call) {
        endpoint_target(pg, m);
    } else {
        /* one telling attribute, when there is one */
        static const char *const shown[] = {"name", "key", "expression", "source", "xpath",
                                            "regex", "level", "media-type"};
        for (size_t i = 0; i < sizeof shown / sizeof *shown; i++) {
            char *v = attr(m, shown[i]);
            if (v) {
                mc_buf_printf(pg->b, " <span class=\"detail\">%s=", shown[i]);
                esc(pg->b, v);
                mc_buf_puts(pg->b, "</span>");
                xmlFree(v);
                break;
            }
        }
    }
    if (depth < MAX_DEPTH) {
        if (!strcmp(name, "filter")) {
            mc_buf_puts(pg->b, "<div class=\"branches\">");
            branch(pg, "then", NULL, NULL, child_el(m, "then"), depth);
            branch(pg, "else", NULL, NULL, child_el(m, "else"), depth);
            mc_buf_puts(pg->b, "</div>");
        } else if (!strcmp(name, "switch")) {
            mc_buf_puts(pg->b, "<div class=\"branches\">");
            for (xmlNodePtr c = m->children; c; c = c->next)
                if (is_el(c, "case"))
                    branch(pg, "case", c, "regex", c, depth);
            xmlNodePtr d = child_el(m, "default");
            if (d)
                branch(pg, "default", NULL, NULL, d, depth);
            mc_buf_puts(pg->b, "</div>");
        } else if (!strcmp(name, "clone") || !strcmp(name, "iterate") ||
                   !strcmp(name, "foreach") || !strcmp(name, "scatter-gather") ||
                   !strcmp(name, "aggregate")) {
            split_branches(pg, m, depth);
        }
    }
    mc_buf_puts(pg->b, "</div>");
}

static void flow(page *pg, xmlNodePtr first, int depth)
{
    mc_buf_puts(pg->b, "<div class=\"flow\">");
    int n = 0;
    for (xmlNodePtr c = first; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) {
            mediator(pg, c, depth);
            n++;
        }
    if (!n)
        mc_buf_puts(pg->b, "<div class=\"empty\">(no mediators)</div>");
    mc_buf_puts(pg->b, "</div>");
}

/* A named part of a proxy or resource: inline flow or a sequence key. */
static void part(page *pg, xmlNodePtr owner, const char *element)
{
    xmlNodePtr inl = child_el(owner, element);
    char *key = attr(owner, element);
    if (!inl && !key)
        return;
    mc_buf_puts(pg->b, "<div class=\"part\"><div class=\"label\">");
    esc(pg->b, element);
    mc_buf_puts(pg->b, "</div>");
    if (inl) {
        flow(pg, inl->children, 0);
    } else {
        mc_buf_puts(pg->b, "<div class=\"flow\"><div class=\"mediator\" data-mediator=\"sequence\">"
                           "<span class=\"name\">sequence</span> ");
        ref_link(pg, &pg->cfg->sequences, "seq", key);
        mc_buf_puts(pg->b, "</div></div>");
    }
    mc_buf_puts(pg->b, "</div>");
    xmlFree(key);
}

static void unavailable(page *pg)
{
    mc_buf_puts(pg->b, "<div class=\"empty\">(the definition could not be re-read from its "
                       "file)</div>");
}

static void counts_span(page *pg, const char *kind, const char *name)
{
    mc_buf_printf(pg->b, "<span class=\"counts\" data-artifact=\"%s:", kind);
    esc(pg->b, name);
    mc_buf_puts(pg->b, "\">requests <b class=\"req\">0</b>, errors <b class=\"err\">0</b></span>");
}

static void section_head(page *pg, const char *id_prefix, size_t i, const char *kind,
                         const char *name, const char *extra)
{
    mc_buf_printf(pg->b, "<section class=\"artifact %s\" id=\"%s-%zu\" data-name=\"", kind,
                  id_prefix, i);
    esc(pg->b, name);
    mc_buf_printf(pg->b, "\"><h3><span class=\"kind\">%s</span> <span class=\"title\">", kind);
    esc(pg->b, name);
    mc_buf_puts(pg->b, "</span>");
    if (extra) {
        mc_buf_puts(pg->b, " <code>");
        esc(pg->b, extra);
        mc_buf_puts(pg->b, "</code>");
    }
    mc_buf_puts(pg->b, "</h3>");
}

static void draw_api(page *pg, size_t i, const mc_api *a)
{
    section_head(pg, "api", i, "api", a->name, a->context);
    counts_span(pg, "api", a->name);
    xmlDocPtr doc;
    xmlNodePtr n = mc_artifact_source(a->file, a->line, "api", &doc);
    if (!n)
        unavailable(pg);
    for (xmlNodePtr r = n ? n->children : NULL; r; r = r->next) {
        if (!is_el(r, "resource"))
            continue;
        mc_buf_puts(pg->b, "<div class=\"resource\"><h4>");
        esc_attr_node(pg->b, r, "methods");
        mc_buf_puts(pg->b, " ");
        esc_attr_node(pg->b, r, "uri-template");
        esc_attr_node(pg->b, r, "url-mapping");
        mc_buf_puts(pg->b, "</h4>");
        part(pg, r, "inSequence");
        part(pg, r, "outSequence");
        part(pg, r, "faultSequence");
        mc_buf_puts(pg->b, "</div>");
    }
    xmlFreeDoc(doc);
    mc_buf_puts(pg->b, "</section>");
}

static void draw_proxy(page *pg, size_t i, const mc_proxy *p)
{
    section_head(pg, "proxy", i, "proxy", p->name, NULL);
    counts_span(pg, "proxy", p->name);
    xmlDocPtr doc;
    xmlNodePtr n = mc_artifact_source(p->file, p->line, "proxy", &doc);
    xmlNodePtr target = child_el(n, "target");
    if (!n)
        unavailable(pg);
    if (target) {
        part(pg, target, "inSequence");
        part(pg, target, "outSequence");
        part(pg, target, "faultSequence");
        char *ep = attr(target, "endpoint");
        if (ep || child_el(target, "endpoint")) {
            mc_buf_puts(pg->b, "<div class=\"part\"><div class=\"label\">endpoint</div>"
                               "<div class=\"flow\"><div class=\"mediator call\" "
                               "data-mediator=\"endpoint\"><span class=\"name\">send</span>");
            if (ep) {
                mc_buf_puts(pg->b, " <span class=\"target\">endpoint ");
                ref_link(pg, &pg->cfg->endpoints, "ep", ep);
                mc_buf_puts(pg->b, "</span>");
            } else {
                endpoint_target(pg, target);
            }
            mc_buf_puts(pg->b, "</div></div></div>");
        }
        xmlFree(ep);
    }
    xmlFreeDoc(doc);
    mc_buf_puts(pg->b, "</section>");
}

static void draw_sequence(page *pg, size_t i, const mc_seq *s)
{
    section_head(pg, "seq", i, "sequence", s->name, NULL);
    xmlDocPtr doc;
    xmlNodePtr n = mc_artifact_source(s->file, s->line, "sequence", &doc);
    if (n)
        flow(pg, n->children, 0);
    else
        unavailable(pg);
    xmlFreeDoc(doc);
    mc_buf_puts(pg->b, "</section>");
}

static void draw_template(page *pg, size_t i, const mc_seq_template *t)
{
    section_head(pg, "tpl", i, "template", t->name, NULL);
    xmlDocPtr doc;
    xmlNodePtr n = mc_artifact_source(t->file, t->line, "template", &doc);
    xmlNodePtr seq = child_el(n, "sequence");
    if (seq)
        flow(pg, seq->children, 0);
    else
        unavailable(pg);
    xmlFreeDoc(doc);
    mc_buf_puts(pg->b, "</section>");
}

static void index_list(page *pg, const char *title, const mc_table *t, const char *prefix)
{
    mc_buf_printf(pg->b, "<li>%s (%zu)<ul>", title, t->n);
    for (size_t i = 0; i < t->n; i++) {
        mc_buf_printf(pg->b, "<li><a href=\"#%s-%zu\">", prefix, i);
        esc(pg->b, t->items[i].name);
        mc_buf_puts(pg->b, "</a></li>");
    }
    mc_buf_puts(pg->b, "</ul></li>");
}

static const char style[] =
    "body{font:14px/1.4 sans-serif;margin:0;display:flex}"
    "nav{width:16em;padding:1em;background:#f4f4f4;height:100vh;overflow:auto;position:sticky;top:0}"
    "main{padding:1em;flex:1}nav ul{padding-left:1em}"
    ".artifact{border:1px solid #ccc;border-radius:6px;margin:0 0 1.5em;padding:.5em 1em}"
    ".kind{color:#666;font-weight:normal;text-transform:uppercase;font-size:.8em}"
    ".counts{font-size:.9em;color:#333}.counts .err{color:#b00}"
    ".flow{display:flex;flex-direction:column;align-items:flex-start;gap:6px;"
    "border-left:2px solid #89a;padding:4px 0 4px 10px;margin:4px 0}"
    ".mediator{border:1px solid #456;border-radius:4px;background:#eef3ff;padding:3px 8px}"
    ".mediator.call{background:#fff4e0;border-color:#a60}"
    ".mediator.connector{background:#e8ffe8;border-color:#383}"
    ".branches{display:flex;gap:12px;margin-top:4px}"
    ".branch{border:1px dashed #999;border-radius:4px;padding:2px 6px}"
    ".label{font-size:.8em;color:#555}.detail,.target{font-size:.85em;color:#333}"
    ".ref{font-weight:bold}.missing{color:#b00;text-decoration:line-through}"
    ".empty{color:#999;font-style:italic}.part{margin:4px 0}";

/* Counts every 2 s from counts (same origin); textContent only. */
static const char script[] =
    "function refresh(){fetch('/viewer/counts').then(function(r){return r.json()})"
    ".then(function(c){document.querySelectorAll('.counts').forEach(function(s){"
    "var v=c[s.getAttribute('data-artifact')];if(!v)return;"
    "s.querySelector('.req').textContent=v.requests;"
    "s.querySelector('.err').textContent=v.errors;});"
    "document.body.setAttribute('data-refreshed','1');}).catch(function(){});}"
    "refresh();setInterval(refresh,2000);";

int mc_viewer_page(const mc_config *cfg, mc_viewer_counts_fn counts, void *ud, mc_buf *body,
                   const char **content_type)
{
    (void)counts;
    (void)ud;
    page pg = {cfg, body};
    *content_type = "text/html; charset=utf-8";
    mc_buf_printf(body, "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'\">"
                        "<title>mediac flows</title><style>%s</style></head><body><nav>"
                        "<h2>mediac %s</h2><ul>", style, MC_VERSION);
    index_list(&pg, "APIs", &cfg->apis, "api");
    index_list(&pg, "Proxies", &cfg->proxies, "proxy");
    index_list(&pg, "Sequences", &cfg->sequences, "seq");
    index_list(&pg, "Templates", &cfg->templates, "tpl");
    index_list(&pg, "Endpoints", &cfg->endpoints, "ep");
    index_list(&pg, "Local entries", &cfg->entries, "le");
    mc_buf_puts(body, "</ul></nav><main>");
    for (size_t i = 0; i < cfg->apis.n; i++)
        draw_api(&pg, i, cfg->apis.items[i].item);
    for (size_t i = 0; i < cfg->proxies.n; i++)
        draw_proxy(&pg, i, cfg->proxies.items[i].item);
    for (size_t i = 0; i < cfg->sequences.n; i++)
        draw_sequence(&pg, i, cfg->sequences.items[i].item);
    for (size_t i = 0; i < cfg->templates.n; i++)
        draw_template(&pg, i, cfg->templates.items[i].item);
    for (size_t i = 0; i < cfg->endpoints.n; i++) {
        const mc_endpoint *e = cfg->endpoints.items[i].item;
        section_head(&pg, "ep", i, "endpoint", e->name, mc_endpoint_definition(e)->uri);
        mc_buf_puts(body, "</section>");
    }
    for (size_t i = 0; i < cfg->entries.n; i++) {
        const mc_local_entry *e = cfg->entries.items[i].item;
        section_head(&pg, "le", i, "local entry", e->key,
                     e->connection ? "connection" : e->xml ? "XML" : "text");
        mc_buf_puts(body, "</section>");
    }
    mc_buf_printf(body, "</main><script>%s</script></body></html>\n", script);
    return 200;
}

int mc_viewer_counts(const mc_config *cfg, mc_viewer_counts_fn counts, void *ud, mc_buf *body,
                     const char **content_type)
{
    *content_type = "application/json";
    mc_buf_putc(body, '{');
    bool first = true;
    const mc_table *tables[] = {&cfg->apis, &cfg->proxies};
    const char *kinds[] = {"api", "proxy"};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < tables[k]->n; i++) {
            mc_buf label = MC_BUF_INIT;
            mc_buf_printf(&label, "%s:%s", kinds[k], tables[k]->items[i].name);
            double req = 0, err = 0;
            if (counts)
                counts(ud, mc_buf_cstr(&label), &req, &err);
            if (!first)
                mc_buf_putc(body, ',');
            first = false;
            mc_buf_json_string(body, label.data, label.len);
            mc_buf_printf(body, ":{\"requests\":%.0f,\"errors\":%.0f}", req, err);
            mc_buf_free(&label);
        }
    mc_buf_puts(body, "}\n");
    return 200;
}

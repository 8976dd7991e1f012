/* iterate.c - <iterate expression>, Synapse's splitter: each element an
 * XPath selects (or each item of the array a json-eval() path selects)
 * becomes a child message, alone in the Body or, with preservePayload,
 * attached at attachPath to a copy of the rest of the payload; each child
 * runs the <target> (a sequence, or a send to an endpoint), concurrently
 * unless sequential="true", and after waiting for I/O goes on with the
 * rest of the parent's flow (where <aggregate> collects them).  The parent
 * ends there unless continueParent="true".  At most mc:maxChildren children
 * (default 1000). */
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>

#include "mediators/split.h"

typedef struct iterate_m {
    mc_mediator base;
    const char *id;
    bool continue_parent, preserve, sequential;
    mc_expr *expr;
    bool passed;                 /* expr is $func:NAME naming a passed {{expr}} */
    mc_expr *attach;             /* attachPath, or NULL (default "." / "$") */
    const mc_seq *target;
    size_t limit;
} iterate_m;

static bool flag(mc_compiler *cc, xmlNodePtr node, const char *name)
{
    const char *v = mc_attr(cc, node, name);
    return v && strcmp(v, "true") == 0;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"id", "continueParent", "preservePayload", "expression",
                                        "attachPath", "sequential", NULL};
    mc_check_attrs(cc, node, attrs);
    iterate_m *it = mc_new_mediator(cc, node, &mc_med_iterate, sizeof *it);
    if (!it || !mc_split_limit(cc, node, &it->limit))
        return NULL;
    it->id = mc_attr(cc, node, "id");
    it->continue_parent = flag(cc, node, "continueParent");
    it->preserve = flag(cc, node, "preservePayload");
    it->sequential = flag(cc, node, "sequential");
    const char *ex = mc_attr(cc, node, "expression");
    if (!ex) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "XPATH expression is required for an IterateMediator under the \"expression\" "
                "attribute");
        return NULL;
    }
    if (!(it->expr = mc_compile_expr(cc, node, "expression", ex)))
        return NULL;
    mc_expr_kind k = mc_expr_kind_of(it->expr);
    /* a template parameter its caller passed as {{expr}} (MI's iter_func
     * templates), resolved per message (mc_template_passed_expr) */
    it->passed = k == MC_EXPR_PROPERTY && strncmp(mc_strdup_trimmed(cc, ex), "$func:", 6) == 0;
    if (k != MC_EXPR_XPATH && k != MC_EXPR_JSONPATH && !it->passed) {
        mc_diag(cc, node, "expression", MC_DIAG_ERROR,
                "<iterate> expression must be an XPath, json-eval(...) or a $func: parameter a "
                "call-template passes as {{expr}}");
        return NULL;
    }
    const char *ap = mc_attr(cc, node, "attachPath");
    if (ap && !it->preserve) {
        mc_diag(cc, node, "attachPath", MC_DIAG_ERROR,
                "Wrong configuration for the iterate mediator :: if the iterator should not "
                "preserve payload, then attachPath can not be present");
        return NULL;
    }
    if (ap) {
        if (!(it->attach = mc_compile_expr(cc, node, "attachPath", ap)))
            return NULL;
        if ((mc_expr_kind_of(it->attach) == MC_EXPR_JSONPATH) != (k == MC_EXPR_JSONPATH)) {
            mc_diag(cc, node, "attachPath", MC_DIAG_ERROR,
                    "Wrong configuraton for the iterate mediator :: both expression and "
                    "attachPath should be either jsonpath or xpath");
            return NULL;
        }
    }
    xmlNodePtr target = NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, "target") != 0 || target) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "unexpected <%s> in <iterate> (one <target>)",
                    (const char *)c->name);
            return NULL;
        }
        target = c;
    }
    if (!target) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "Target for an iterate mediator is required :: missing target");
        return NULL;
    }
    return mc_split_target(cc, target, &it->target) ? &it->base : NULL;
}

/* ---- XML -------------------------------------------------------------------- */

typedef struct spot {
    xmlNodePtr node, parent, next;
} spot;

/* A copy of the envelope without the matched elements (and, unless the
 * payload is preserved, without anything in the Body). */
static xmlDocPtr base_envelope(const iterate_m *it, xmlDocPtr env, xmlNodePtr *nodes, size_t n)
{
    spot *s = malloc((n ? n : 1) * sizeof *s);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        s[i] = (spot){nodes[i], nodes[i]->parent, nodes[i]->next};
        xmlUnlinkNode(nodes[i]);
    }
    xmlDocPtr base = xmlCopyDoc(env, 1);
    for (size_t i = n; i-- > 0;) {                 /* put them back as they were */
        if (s[i].next)
            xmlAddPrevSibling(s[i].next, s[i].node);
        else
            xmlAddChild(s[i].parent, s[i].node);
    }
    free(s);
    if (base && !it->preserve) {
        xmlNodePtr env_el = xmlDocGetRootElement(base);
        for (xmlNodePtr b = env_el ? env_el->children : NULL; b; b = b->next)
            if (b->type == XML_ELEMENT_NODE && strcmp((const char *)b->name, "Body") == 0) {
                while (b->children) {
                    xmlNodePtr c = b->children;
                    xmlUnlinkNode(c);
                    xmlFreeNode(c);
                }
            }
    }
    return base;
}

static mc_flow attach_fault(const iterate_m *it, mc_message *m)
{
    return mc_fault(m, "0", "Error in attaching the splitted elements :: Unable to get the "
                    "attach path specified by the expression %s",
                    it->attach ? mc_expr_source(it->attach) : ".");
}

/* Put a copy of node into the child (its envelope already set). */
static mc_flow attach_xml(const iterate_m *it, mc_message *child, mc_message *m, xmlNodePtr node)
{
    xmlDocPtr env = mc_msg_envelope(child);
    xmlNodePtr at = NULL;
    if (it->preserve) {
        xmlXPathObjectPtr r = NULL;
        mc_err err;
        mc_err_clear(&err);
        if (it->attach && mc_expr_xpath_object(it->attach, child, &r, &err) == MC_OK && r &&
            r->type == XPATH_NODESET && r->nodesetval && r->nodesetval->nodeNr > 0 &&
            r->nodesetval->nodeTab[0]->type == XML_ELEMENT_NODE)
            at = r->nodesetval->nodeTab[0];
        else if (!it->attach)
            at = xmlDocGetRootElement(env);          /* Synapse's default "." */
        xmlXPathFreeObject(r);
        if (!at)
            return attach_fault(it, m);
    } else {
        at = mc_msg_body(child);
    }
    xmlNodePtr copy = at ? xmlDocCopyNode(node, env, 1) : NULL;
    if (!copy || !xmlAddChild(at, copy)) {
        xmlFreeNode(copy);
        return mc_fault(m, "0", "out of memory");
    }
    xmlReconciliateNs(env, copy);
    return MC_FLOW_NEXT;
}

static mc_flow split_xml(const iterate_m *it, mc_message *m, mc_split_req **reqp)
{
    xmlXPathObjectPtr r = NULL;
    mc_err err;
    mc_err_clear(&err);
    if (mc_expr_xpath_object(it->expr, m, &r, &err) != MC_OK)
        return mc_fault(m, "0", "Error evaluating split XPath expression : %s: %s",
                        mc_expr_source(it->expr), err.msg);
    size_t n = r && r->type == XPATH_NODESET && r->nodesetval ? (size_t)r->nodesetval->nodeNr : 0;
    if (r && r->type != XPATH_NODESET) {
        xmlXPathFreeObject(r);
        return mc_fault(m, "0", "Error splitting message with XPath : %s - result not an OMNode",
                        mc_expr_source(it->expr));
    }
    xmlNodePtr *nodes = n ? r->nodesetval->nodeTab : NULL;
    for (size_t i = 0; i < n; i++)
        if (nodes[i]->type != XML_ELEMENT_NODE) {
            xmlXPathFreeObject(r);
            return mc_fault(m, "0", "Error splitting message with XPath : %s - result not an "
                            "OMNode", mc_expr_source(it->expr));
        }
    if (n > it->limit) {
        xmlXPathFreeObject(r);
        return mc_split_over_limit(m, "iterate", n, it->limit);
    }
    mc_split_req *req = *reqp = mc_split_req_new(m, n);
    xmlDocPtr base = n && req ? base_envelope(it, mc_msg_envelope(m), nodes, n) : NULL;
    mc_flow flow = !req || (n && !base) ? mc_fault(m, "0", "out of memory") : MC_FLOW_NEXT;
    for (size_t i = 0; i < n && flow == MC_FLOW_NEXT; i++) {
        mc_message *child = mc_msg_clone(m, false);
        xmlDocPtr env = child ? xmlCopyDoc(base, 1) : NULL;
        if (!child || !env || mc_msg_take_envelope(child, env) != MC_OK) {
            mc_msg_free(child);
            flow = mc_fault(m, "0", "out of memory");
            break;
        }
        req->children[req->n++] = child;
        flow = attach_xml(it, child, m, nodes[i]);
        if (flow == MC_FLOW_NEXT && mc_split_mark(child, m, it->id, i, n) != MC_OK)
            flow = mc_fault(m, "0", "out of memory");
    }
    if (base)
        xmlFreeDoc(base);
    xmlXPathFreeObject(r);
    return flow;
}

/* ---- JSON ------------------------------------------------------------------- */

static mc_flow split_json(const iterate_m *it, mc_message *m, mc_split_req **reqp)
{
    mc_json root = mc_msg_json(m);
    mc_json *items = NULL;
    size_t n = mc_split_json_items(mc_expr_jsonpath(it->expr), root, m, &items);
    if (n == (size_t)-1)
        return mc_fault(m, "0", "JSON element expressed by the path %s is not a valid JSON "
                        "array that can be iterated", mc_expr_source(it->expr));
    if (n > it->limit)
        return mc_split_over_limit(m, "iterate", n, it->limit);
    mc_split_req *req = *reqp = mc_split_req_new(m, n);
    if (!req)
        return mc_fault(m, "0", "out of memory");
    /* preservePayload: the payload with the iterated array emptied, unless
     * the attach path is the iterated path itself (Synapse) */
    mc_buf rest = MC_BUF_INIT;
    const mc_jsonpath *ap = it->attach ? mc_expr_jsonpath(it->attach) : NULL;
    bool same = it->attach && strcmp(mc_expr_source(it->attach), mc_expr_source(it->expr)) == 0;
    if (it->preserve && root) {
        mc_json arr = NULL;
        if (!same && mc_jsonpath_is_definite(mc_expr_jsonpath(it->expr)))
            mc_jsonpath_select(mc_expr_jsonpath(it->expr), root, &arr, 1);
        mc_split_json_replace(&rest, root, arr ? arr : (mc_json)NULL, "[]", 2);
    }
    mc_flow flow = MC_FLOW_NEXT;
    for (size_t i = 0; i < n && flow == MC_FLOW_NEXT; i++) {
        mc_buf text = MC_BUF_INIT;
        if (it->preserve && ap) {
            mc_buf item = MC_BUF_INIT;
            mc_json_write(&item, items[i]);
            mc_arena a;
            mc_arena_init(&a, 4096);
            mc_json r2 = mc_json_parse(&a, mc_buf_cstr(&rest), rest.len, NULL);
            mc_json at = NULL;
            if (r2)
                mc_jsonpath_select(ap, r2, &at, 1);
            if (!at) {
                mc_arena_free(&a);
                mc_buf_free(&item);
                flow = mc_fault(m, "0", "Error in attaching the splitted elements :: Unable to get "
                                "the attach path specified by the expression %s",
                                mc_expr_source(it->attach));
                break;
            }
            mc_split_json_replace(&text, r2, at, item.data ? item.data : "", item.len);
            mc_arena_free(&a);
            mc_buf_free(&item);
        } else {
            mc_json_write(&text, items[i]);      /* the default attach path "$" */
        }
        mc_message *child = mc_msg_clone(m, false);
        mc_err err;
        mc_err_clear(&err);
        if (!child || text.oom ||
            mc_msg_set_payload(child, mc_buf_cstr(&text), text.len, "application/json", &err) != MC_OK) {
            mc_msg_free(child);
            mc_buf_free(&text);
            flow = mc_fault(m, "0", "out of memory");
            break;
        }
        mc_buf_free(&text);
        req->children[req->n++] = child;
        if (mc_split_mark(child, m, it->id, i, n) != MC_OK)
            flow = mc_fault(m, "0", "out of memory");
    }
    mc_buf_free(&rest);
    return flow;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const iterate_m *it = (const iterate_m *)self;
    iterate_m passed;
    if (it->passed) {
        const mc_expr *e = mc_template_passed_expr(it->expr, m);
        if (!e)
            return mc_fault(m, "0", "iterate: the expression parameter does not hold an XPath or "
                            "json-eval expression passed as {{...}}");
        passed = *it;
        passed.expr = (mc_expr *)e;
        it = &passed;
    }
    mc_split_req *req = NULL;
    mc_flow flow = mc_expr_kind_of(it->expr) == MC_EXPR_JSONPATH ? split_json(it, m, &req)
                                                                 : split_xml(it, m, &req);
    if (flow != MC_FLOW_NEXT) {
        for (size_t i = 0; req && i < req->n; i++)
            mc_msg_free(req->children[i]);
        return flow;
    }
    for (size_t i = 0; i < req->n; i++)
        req->targets[i] = it->target;
    req->kind = MC_SPLIT_CONTINUE;
    req->sequential = it->sequential;
    req->continue_parent = it->continue_parent;
    req->timeout_ms = m->cfg ? mc_split_aggregate_timeout(m->cfg, it->id) : 0;
    mc_msg_log(m, MC_LOG_DEBUG, "iterate: %zu child messages for %s processing", req->n,
               it->sequential ? "sequential" : "parallel");
    m->split_req = req;
    return MC_FLOW_SPLIT;
}

const mc_mediator_type mc_med_iterate = {"iterate", compile, exec, NULL, false};

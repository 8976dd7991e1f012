/* foreach.c - <foreach> in both of its forms.
 *
 * Synapse's (expression="..."): a loop inside the message itself.  Each
 * element the XPath selects (or item of the array a json-eval() path
 * selects) becomes the payload in turn, the <sequence> (inline or
 * sequence="key") runs on the same message (so properties it sets stay),
 * and its result takes the element's place: XML results are added back
 * to the element's parent, JSON results form the new array.  call, send
 * and callout are refused in the sequence, as in Synapse; a pass that ends
 * the flow (drop, respond) ends the loop, and the message goes on after
 * <foreach>.  The loop runs on the frame stack: foreach re-runs itself
 * after each pass (its place kept in a message slot).
 *
 * MI 4.4's (collection="..."): each item becomes a child message that runs
 * the <sequence>, in parallel unless parallel-execution="false" (then in
 * order, with counter-variable); the message waits for all of them, then
 * the collection in the payload is replaced by their results in item
 * order (update-original, the default) or the results go to a variable
 * (target-variable, result-content-type JSON or XML with
 * result-enclosing-element).  continue-without-aggregation="true" lets
 * the message go on at once.  At most mc:maxChildren items (default 1000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>

#include "mediators/split.h"

typedef struct foreach_m {
    mc_mediator base;
    bool v2;
    const char *id;
    mc_expr *expr;                /* expression (v1) or collection (v2) */
    mc_jsonpath *payload_path;    /* v2 ${payload...} as a JSONPath */
    const mc_seq *seq;
    /* v2 */
    bool parallel, detached, update_original, json_result;
    const char *variable, *root_element, *counter;
    size_t limit;
} foreach_m;

static void free_path(void *p) { mc_jsonpath_free(p); }

/* call, send and callout cannot run inside Synapse's foreach. */
static bool forbidden(const mc_seq *s)
{
    for (uint32_t i = 0; s && i < s->n; i++) {
        const char *n = s->items[i]->type->name;
        if (strcmp(n, "call") == 0 || strcmp(n, "send") == 0 || strcmp(n, "callout") == 0)
            return true;
    }
    return false;
}

static mc_mediator *compile_v2(mc_compiler *cc, xmlNodePtr node, foreach_m *f)
{
    static const char *const attrs[] = {"collection", "parallel-execution", "continue-without-aggregation",
                                        "update-original", "target-variable", "result-content-type",
                                        "result-enclosing-element", "counter-variable", "id", NULL};
    mc_check_attrs(cc, node, attrs);
    f->v2 = true;
    const char *pe = mc_attr(cc, node, "parallel-execution");
    f->parallel = !pe || strcmp(pe, "false") != 0;
    const char *cwa = mc_attr(cc, node, "continue-without-aggregation");
    f->detached = cwa && strcmp(cwa, "true") == 0;
    const char *uo = mc_attr(cc, node, "update-original");
    f->update_original = !uo || strcmp(uo, "false") != 0;
    if (!f->detached && !f->update_original) {
        const char *type = mc_attr(cc, node, "result-content-type");
        f->variable = mc_attr(cc, node, "target-variable");
        if (!type || !f->variable) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR, "The 'result-content-type' and 'target-variable' "
                    "attributes are required when the 'update-original' attribute is 'false'");
            return NULL;
        }
        if (strcmp(type, "JSON") != 0 && strcmp(type, "XML") != 0) {
            mc_diag(cc, node, "result-content-type", MC_DIAG_ERROR,
                    "The 'result-content-type' attribute should be either 'JSON' or 'XML'");
            return NULL;
        }
        f->json_result = strcmp(type, "JSON") == 0;
        f->root_element = mc_attr(cc, node, "result-enclosing-element");
        if (!f->json_result && !f->root_element) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR, "The 'result-enclosing-element' attribute is "
                    "required for the configuration of a Foreach mediator when the "
                    "'result-content-type' is 'XML'");
            return NULL;
        }
    }
    f->counter = mc_attr(cc, node, "counter-variable");
    if (f->counter && f->parallel) {
        mc_diag(cc, node, "counter-variable", MC_DIAG_ERROR,
                "The 'counter-variable' attribute is not allowed when parallel-execution is true");
        return NULL;
    }
    const char *col = mc_attr(cc, node, "collection");
    if (!(f->expr = mc_compile_expr(cc, node, "collection", col)))
        return NULL;
    if (mc_expr_kind_of(f->expr) == MC_EXPR_SYNAPSE) {
        size_t n = strlen(col);
        if (strncmp(col, "${payload", 9) != 0 || col[n - 1] != '}') {
            mc_diag(cc, node, "collection", MC_DIAG_ERROR, "a foreach collection must be a path "
                    "in the payload (${payload...}, json-eval(...) or an XPath)");
            return NULL;
        }
        char path[1024];
        snprintf(path, sizeof path, "$%.*s", (int)(n - 10), col + 9);
        mc_err err = {0};
        if (!(f->payload_path = mc_jsonpath_compile(path, &err))) {
            mc_diag(cc, node, "collection", MC_DIAG_ERROR, "%s", err.msg);
            return NULL;
        }
        mc_config_own(cc->cfg, f->payload_path, free_path);
    }
    xmlNodePtr seq = NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        if (strcmp((const char *)c->name, "sequence") == 0 && !seq)
            seq = c;
    if (!seq) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "A 'sequence' element is required for the configuration of a Foreach mediator");
        return NULL;
    }
    return (f->seq = mc_compile_children(cc, seq)) ? &f->base : NULL;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    foreach_m *f = mc_new_mediator(cc, node, &mc_med_foreach, sizeof *f);
    if (!f || !mc_split_limit(cc, node, &f->limit))
        return NULL;
    f->id = mc_attr(cc, node, "id");
    const char *col = mc_attr(cc, node, "collection");
    if (col && *col)
        return compile_v2(cc, node, f);
    static const char *const attrs[] = {"expression", "id", "sequence", "continueLoopOnFailure", NULL};
    mc_check_attrs(cc, node, attrs);
    const char *ex = mc_attr(cc, node, "expression");
    if (!ex) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "XPath/JSONPath expression is required for an "
                "ForEach Mediator under the \"expression\" attribute");
        return NULL;
    }
    if (!(f->expr = mc_compile_expr(cc, node, "expression", ex)))
        return NULL;
    mc_expr_kind k = mc_expr_kind_of(f->expr);
    if (k != MC_EXPR_XPATH && k != MC_EXPR_JSONPATH) {
        mc_diag(cc, node, "expression", MC_DIAG_ERROR,
                "<foreach> expression must be an XPath or json-eval(...)");
        return NULL;
    }
    const char *key = mc_attr(cc, node, "sequence");
    xmlNodePtr seq = NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        if (strcmp((const char *)c->name, "sequence") == 0 && !seq)
            seq = c;
    if (key) {
        mc_ref_sequence(cc, node, "sequence", key, &f->seq);
    } else if (seq) {
        if (!(f->seq = mc_compile_children(cc, seq)))
            return NULL;
        if (forbidden(f->seq)) {
            mc_diag(cc, seq, NULL, MC_DIAG_ERROR, "Sequence cannot contain Call, Send or CallOut "
                    "mediators");
            return NULL;
        }
    } else {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<foreach> needs a <sequence> or sequence=\"key\"");
        return NULL;
    }
    return &f->base;
}

/* ---- Synapse's foreach: a loop in the message --------------------------- */

typedef struct loop {
    bool json;
    size_t i, n, count;
    /* XML */
    xmlDocPtr processing;         /* the message's envelope, elements taken out */
    xmlNodePtr parent;
    xmlNodePtr *nodes;            /* the elements (unlinked, ours) */
    /* JSON */
    const char *root;             /* the payload's JSON text */
    size_t root_len;
    mc_json root_json;            /* parsed in the message arena */
    mc_json target;               /* the iterated array in root_json */
    const char **items;
    size_t *item_len;
    mc_buf results;               /* JSON text of the results, comma separated */
    char *message_type;
} loop;

static void free_loop(void *ud)
{
    loop *l = ud;
    if (l->processing)
        xmlFreeDoc(l->processing);
    for (size_t i = 0; l->nodes && i < l->n; i++)
        if (l->nodes[i])
            xmlFreeNode(l->nodes[i]);
    free(l->nodes);
    mc_buf_free(&l->results);
    free(l->message_type);
    l->processing = NULL;
    l->nodes = NULL;
    l->message_type = NULL;
}

static void set_counter(const foreach_m *f, mc_message *m, size_t count)
{
    char name[300], v[24];
    snprintf(name, sizeof name, "%s%sFOREACH_COUNTER", f->id ? f->id : "", f->id ? "_" : "");
    snprintf(v, sizeof v, "%zu", count);
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, name, v);
}

/* Start the loop; NULL with *flow set when there is nothing to loop over
 * or it failed. */
static loop *loop_start(const foreach_m *f, mc_message *m, mc_flow *flow)
{
    *flow = MC_FLOW_NEXT;
    loop *l = mc_arena_calloc(&m->arena, sizeof *l);
    if (!l || mc_msg_on_free(m, free_loop, l) != MC_OK) {
        *flow = mc_fault(m, "0", "out of memory");
        return NULL;
    }
    const char *mt = mc_msg_prop(m, MC_SCOPE_AXIS2, "messageType");
    l->message_type = mt ? strdup(mt) : NULL;
    if (mc_expr_kind_of(f->expr) == MC_EXPR_JSONPATH) {
        l->json = true;
        size_t len;
        const char *text = mc_msg_payload_bytes(m, &len);
        l->root = text ? mc_arena_strndup(&m->arena, text, len) : NULL;
        l->root_len = len;
        l->root_json = l->root ? mc_json_parse(&m->arena, l->root, len, NULL) : NULL;
        mc_json *items = NULL;
        size_t n = mc_split_json_items(mc_expr_jsonpath(f->expr), l->root_json, m, &items);
        if (n == (size_t)-1) {
            *flow = mc_fault(m, "0", "JSON element expressed by the path %s is not a valid JSON "
                             "array", mc_expr_source(f->expr));
            return NULL;
        }
        if (n == 0) {
            mc_msg_log(m, MC_LOG_INFO, "No elements found for the JSONPath : %s",
                       mc_expr_source(f->expr));
            return NULL;
        }
        if (mc_jsonpath_is_definite(mc_expr_jsonpath(f->expr)))
            mc_jsonpath_select(mc_expr_jsonpath(f->expr), l->root_json, &l->target, 1);
        l->items = mc_arena_alloc(&m->arena, n * sizeof *l->items);
        l->item_len = mc_arena_alloc(&m->arena, n * sizeof *l->item_len);
        if (!l->items || !l->item_len) {
            *flow = mc_fault(m, "0", "out of memory");
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            mc_buf b = MC_BUF_INIT;
            mc_json_write(&b, items[i]);
            l->items[i] = mc_arena_strndup(&m->arena, mc_buf_cstr(&b), b.len);
            l->item_len[i] = b.len;
            mc_buf_free(&b);
        }
        l->n = n;
        return l;
    }
    xmlXPathObjectPtr r = NULL;
    mc_err err;
    mc_err_clear(&err);
    if (mc_expr_xpath_object(f->expr, m, &r, &err) != MC_OK) {
        *flow = mc_fault(m, "0", "Error evaluating foreach XPath %s: %s", mc_expr_source(f->expr),
                         err.msg);
        return NULL;
    }
    size_t n = r && r->type == XPATH_NODESET && r->nodesetval ? (size_t)r->nodesetval->nodeNr : 0;
    if (n == 0) {                         /* nothing matched: go on */
        xmlXPathFreeObject(r);
        return NULL;
    }
    l->nodes = calloc(n, sizeof *l->nodes);
    if (!l->nodes) {
        xmlXPathFreeObject(r);
        *flow = mc_fault(m, "0", "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (r->nodesetval->nodeTab[i]->type != XML_ELEMENT_NODE) {
            xmlXPathFreeObject(r);
            *flow = mc_fault(m, "0", "Error splitting message with XPath : %s - result not an "
                             "OMNode", mc_expr_source(f->expr));
            return NULL;
        }
    l->parent = r->nodesetval->nodeTab[0]->parent;
    for (size_t i = 0; i < n; i++) {
        l->nodes[i] = r->nodesetval->nodeTab[i];
        xmlUnlinkNode(l->nodes[i]);
    }
    l->n = n;
    xmlXPathFreeObject(r);
    l->processing = mc_msg_envelope(m);   /* the loop takes the envelope over */
    m->payload.env = NULL;
    return l;
}

static mc_flow loop_finish(const foreach_m *f, mc_message *m, loop *l)
{
    mc_msg_set_slot(m, f, NULL);
    mc_flow flow = MC_FLOW_NEXT;
    if (l->json) {
        mc_buf arr = MC_BUF_INIT, out = MC_BUF_INIT;
        mc_buf_putc(&arr, '[');
        mc_buf_append(&arr, l->results.data, l->results.len);
        mc_buf_putc(&arr, ']');
        if (!l->target || l->target == l->root_json)
            mc_buf_append(&out, arr.data, arr.len);   /* the whole body was iterated */
        else
            mc_split_json_replace(&out, l->root_json, l->target, arr.data, arr.len);
        mc_err err;
        mc_err_clear(&err);
        if (mc_msg_set_payload(m, mc_buf_cstr(&out), out.len, "application/json", &err) != MC_OK)
            flow = mc_fault(m, "0", "Error updating the json stream after foreach transformation: %s",
                            err.msg);
        mc_buf_free(&arr);
        mc_buf_free(&out);
    } else {
        xmlDocPtr env = l->processing;
        l->processing = NULL;
        if (mc_msg_take_envelope(m, env) != MC_OK)
            flow = mc_fault(m, "0", "Error while setting the envelope to the message context");
    }
    if (l->message_type)
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", l->message_type);
    free_loop(l);
    return flow;
}

/* After a pass: take its result. */
static void loop_collect(mc_message *m, loop *l)
{
    if (l->json) {
        mc_json v = mc_msg_json(m);
        if (l->results.len)
            mc_buf_putc(&l->results, ',');
        if (v)
            mc_json_write(&l->results, v);
        else
            mc_buf_puts(&l->results, "null");
        return;
    }
    xmlNodePtr root = mc_msg_payload_root(m);
    xmlNodePtr copy = root && l->parent ? xmlDocCopyNode(root, l->processing, 1) : NULL;
    if (copy && xmlAddChild(l->parent, copy))
        xmlReconciliateNs(l->processing, copy);
    else
        xmlFreeNode(copy);
}

static mc_flow exec_v1(const foreach_m *f, mc_message *m)
{
    loop *l = mc_msg_slot(m, f);
    if (!l) {
        mc_flow flow;
        if (!(l = loop_start(f, m, &flow)))
            return flow;
        if (mc_msg_set_slot(m, f, l) != MC_OK)
            return mc_fault(m, "0", "out of memory");
        set_counter(f, m, 0);
    } else {
        loop_collect(m, l);
        set_counter(f, m, ++l->count);
        if (m->loop_broken) {             /* the pass ended the flow: end the loop */
            m->loop_broken = false;
            return loop_finish(f, m, l);
        }
    }
    if (l->i == l->n || !f->seq)
        return loop_finish(f, m, l);
    size_t i = l->i++;
    mc_err err;
    mc_err_clear(&err);
    mc_code rc = l->json ? mc_msg_set_payload(m, l->items[i], l->item_len[i], "application/json", &err)
                         : mc_msg_set_xml_node(m, l->nodes[i]);
    if (rc != MC_OK)
        return mc_fault(m, "0", "Error updating the stream with iterater element");
    /* run the sequence, then this mediator again */
    m->frames[m->nframes - 1].pc--;
    if (mc_msg_push_frame(m, f->seq, f->seq->on_error, MC_FRAME_LOOP) != MC_OK)
        return mc_fault(m, "0", "sequences nested more than 256 deep");
    return MC_FLOW_NEXT;
}

/* ---- MI 4.4's foreach: child messages ------------------------------------- */

static mc_flow exec_v2(const foreach_m *f, mc_message *m)
{
    mc_json *items = NULL;
    size_t n = 0;
    xmlXPathObjectPtr r = NULL;
    bool xml = false;
    if (f->payload_path || mc_expr_kind_of(f->expr) == MC_EXPR_JSONPATH) {
        const mc_jsonpath *p = f->payload_path ? f->payload_path : mc_expr_jsonpath(f->expr);
        n = mc_split_json_items(p, mc_msg_json(m), m, &items);
        if (n == (size_t)-1)
            return mc_fault(m, "0", "Expression %s did not resolve to a valid array",
                            mc_expr_source(f->expr));
    } else {
        mc_err err;
        mc_err_clear(&err);
        if (mc_expr_xpath_object(f->expr, m, &r, &err) != MC_OK)
            return mc_fault(m, "0", "Error executing Foreach mediator: %s", err.msg);
        xml = true;
        n = r && r->type == XPATH_NODESET && r->nodesetval ? (size_t)r->nodesetval->nodeNr : 0;
    }
    if (n == 0) {
        xmlXPathFreeObject(r);
        mc_msg_log(m, MC_LOG_INFO, "No elements found for the expression : %s",
                   mc_expr_source(f->expr));
        return MC_FLOW_NEXT;
    }
    if (n > f->limit) {
        xmlXPathFreeObject(r);
        return mc_split_over_limit(m, "foreach", n, f->limit);
    }
    mc_split_req *req = mc_split_req_new(m, n);
    for (size_t i = 0; req && i < n; i++) {
        mc_message *child = mc_msg_clone(m, false);
        mc_code rc = child ? MC_OK : MC_ENOMEM;
        if (rc == MC_OK && xml) {
            const char *mt = mc_msg_prop(m, MC_SCOPE_AXIS2, "messageType");
            char *keep = mt ? strdup(mt) : NULL;
            rc = mc_msg_set_xml_node(child, r->nodesetval->nodeTab[i]);
            if (keep)
                mc_msg_set_propz(child, MC_SCOPE_AXIS2, "messageType", keep);
            free(keep);
        } else if (rc == MC_OK) {
            mc_buf b = MC_BUF_INIT;
            mc_json_write(&b, items[i]);
            mc_err err;
            mc_err_clear(&err);
            rc = mc_msg_set_payload(child, mc_buf_cstr(&b), b.len, "application/json", &err);
            mc_buf_free(&b);
        }
        if (rc == MC_OK && f->counter) {
            char v[24];
            snprintf(v, sizeof v, "%zu", i);
            rc = mc_msg_set_var(child, f->counter, v, strlen(v), MC_VT_INTEGER);
        }
        if (rc != MC_OK) {
            mc_msg_free(child);
            for (size_t j = 0; j < req->n; j++)
                mc_msg_free(req->children[j]);
            xmlXPathFreeObject(r);
            return mc_fault(m, "0", "Error executing Foreach mediator");
        }
        req->children[req->n] = child;
        req->targets[req->n++] = f->seq;
    }
    xmlXPathFreeObject(r);
    if (!req)
        return mc_fault(m, "0", "out of memory");
    req->kind = f->detached ? MC_SPLIT_DETACHED : MC_SPLIT_GATHER;
    req->sequential = !f->parallel;
    m->split_req = req;
    return MC_FLOW_SPLIT;
}

/* The results by item index (NULL where a child gave none). */
static mc_message **by_index(mc_message *m, size_t n)
{
    mc_message **out = mc_arena_calloc(&m->arena, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; out && i < m->ngathered; i++)
        if (m->gathered_index[i] < n)
            out[m->gathered_index[i]] = m->gathered[i];
    return out;
}

static void json_of(mc_message *c, mc_buf *out)
{
    mc_json v = c ? mc_msg_json(c) : NULL;
    if (v)
        mc_json_write(out, v);
    else
        mc_buf_puts(out, "null");
}

static mc_flow resume_v2(const foreach_m *f, mc_message *m)
{
    /* the items again, to know how many there were and where they are */
    mc_json *items = NULL;
    size_t n = 0;
    xmlXPathObjectPtr r = NULL;
    mc_json root = NULL, target = NULL;
    const mc_jsonpath *p = f->payload_path ? f->payload_path : mc_expr_jsonpath(f->expr);
    if (p) {
        root = mc_msg_json(m);
        n = mc_split_json_items(p, root, m, &items);
        if (n == (size_t)-1)
            n = 0;
        if (mc_jsonpath_is_definite(p))
            mc_jsonpath_select(p, root, &target, 1);
    } else {
        mc_err err;
        mc_err_clear(&err);
        if (mc_expr_xpath_object(f->expr, m, &r, &err) == MC_OK && r && r->type == XPATH_NODESET &&
            r->nodesetval)
            n = (size_t)r->nodesetval->nodeNr;
    }
    mc_message **res = by_index(m, n);
    mc_flow flow = MC_FLOW_NEXT;
    if (!res) {
        xmlXPathFreeObject(r);
        return mc_fault(m, "0", "out of memory");
    }
    if (!f->update_original && f->json_result) {
        mc_buf arr = MC_BUF_INIT;
        mc_buf_putc(&arr, '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                mc_buf_putc(&arr, ',');
            json_of(res[i], &arr);
        }
        mc_buf_putc(&arr, ']');
        mc_msg_set_var(m, f->variable, mc_buf_cstr(&arr), arr.len, MC_VT_JSON);
        mc_buf_free(&arr);
    } else if (!f->update_original) {
        mc_buf x = MC_BUF_INIT;
        mc_buf_printf(&x, "<%s>", f->root_element);
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const char *t = res[i] ? mc_msg_payload_bytes(res[i], &len) : NULL;
            if (t && res[i]->payload.kind == MC_PL_XML)
                mc_buf_append(&x, t, len);
        }
        mc_buf_printf(&x, "</%s>", f->root_element);
        mc_msg_set_var(m, f->variable, mc_buf_cstr(&x), x.len, MC_VT_OM);
        mc_buf_free(&x);
    } else if (p) {
        mc_buf arr = MC_BUF_INIT, out = MC_BUF_INIT;
        mc_buf_putc(&arr, '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                mc_buf_putc(&arr, ',');
            json_of(res[i], &arr);
        }
        mc_buf_putc(&arr, ']');
        if (!target || target == root)
            mc_buf_append(&out, arr.data, arr.len);
        else
            mc_split_json_replace(&out, root, target, arr.data, arr.len);
        mc_err err;
        mc_err_clear(&err);
        if (mc_msg_set_payload(m, mc_buf_cstr(&out), out.len, "application/json", &err) != MC_OK)
            flow = mc_fault(m, "0", "Error updating the payload after foreach: %s", err.msg);
        mc_buf_free(&arr);
        mc_buf_free(&out);
    } else {
        xmlDocPtr env = mc_msg_envelope(m);
        for (size_t i = 0; i < n; i++) {
            xmlNodePtr old = r->nodesetval->nodeTab[i];
            xmlNodePtr nw = res[i] ? mc_msg_payload_root(res[i]) : NULL;
            xmlNodePtr copy = nw ? xmlDocCopyNode(nw, env, 1) : NULL;
            if (copy) {
                xmlReplaceNode(old, copy);
                xmlFreeNode(old);
                xmlReconciliateNs(env, copy);
                r->nodesetval->nodeTab[i] = copy;
            }
        }
        if (mc_msg_take_envelope(m, env) != MC_OK)   /* edited in place */
            flow = mc_fault(m, "0", "Error updating the payload after foreach");
    }
    if (r && !p) {
        /* the node set belongs to an envelope the message now owns again */
        xmlXPathFreeNodeSet(r->nodesetval);
        r->nodesetval = NULL;
    }
    xmlXPathFreeObject(r);
    return flow;
}

/* ---- run ------------------------------------------------------------------- */

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const foreach_m *f = (const foreach_m *)self;
    return f->v2 ? exec_v2(f, m) : exec_v1(f, m);
}

static mc_flow resume(const mc_mediator *self, mc_message *m)
{
    const foreach_m *f = (const foreach_m *)self;
    return resume_v2(f, m);
}

const mc_mediator_type mc_med_foreach = {"foreach", compile, exec, resume, false};

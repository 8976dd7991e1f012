/* aggregate.c - <aggregate>, Synapse's aggregator: a child message of an
 * iterate or clone (correlated by the property aggregateCorelation[.id],
 * or by <correlateOn expression>) is collected here and its flow ends; when
 * the aggregation is complete (every message of the split, by its
 * messageSequence property, or <messageCount min max>, or the
 * <completeCondition timeout> in seconds) the collected messages are merged
 * into one and it runs <onComplete> (inline or sequence="key"): XML by
 * the expression (default the first child of the Body) into one Body, JSON
 * (a json-eval() expression) into an array, or with
 * aggregateElementType="child" into one object whose conflicting members
 * become arrays; enclosingElementProperty wraps the result.  A message that
 * arrives after the aggregation completed is dropped, as in Synapse.
 * Aggregations live in the top message (per request, not across
 * requests). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>

#include "mediators/split.h"
#include "msg/xmlsafe.h"

typedef struct count_v {
    long literal;                 /* -1: none */
    mc_template *expr;            /* {expr} */
} count_v;

typedef struct aggregate_m {
    mc_mediator base;
    const char *id;
    mc_expr *correlate;           /* <correlateOn expression>, or NULL */
    long long timeout_ms;
    count_v min, max;
    mc_expr *expr;                /* onComplete expression, or NULL: first Body child */
    bool json;                    /* expr is json-eval() */
    bool passed;                  /* expr is $func:NAME naming a passed expression */
    bool child_type;              /* aggregateElementType="child" */
    const char *enclosing;        /* enclosingElementProperty */
    const mc_seq *on_complete;
    bool has_on_complete;
} aggregate_m;

static bool compile_count(mc_compiler *cc, xmlNodePtr node, const char *attr, count_v *v)
{
    v->literal = -1;
    const char *s = mc_attr(cc, node, attr);
    if (!s)
        return true;
    if (s[0] == '{')
        return (v->expr = mc_compile_template(cc, node, attr, s)) != NULL;
    char *end;
    double d = strtod(s, &end);
    if (end == s || *end) {
        mc_diag(cc, node, attr, MC_DIAG_ERROR, "<messageCount %s> must be a number or an "
                "{expression}, got '%s'", attr, s);
        return false;
    }
    v->literal = (long)d;
    return true;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"id", NULL};
    mc_check_attrs(cc, node, attrs);
    aggregate_m *a = mc_new_mediator(cc, node, &mc_med_aggregate, sizeof *a);
    if (!a)
        return NULL;
    a->id = mc_attr(cc, node, "id");
    a->min.literal = a->max.literal = -1;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *n = (const char *)c->name;
        if (strcmp(n, "correlateOn") == 0) {
            const char *ex = mc_attr(cc, c, "expression");
            if (ex && !(a->correlate = mc_compile_expr(cc, c, "expression", ex)))
                return NULL;
        } else if (strcmp(n, "completeCondition") == 0) {
            const char *t = mc_attr(cc, c, "timeout");
            if (t) {
                char *end;
                long long secs = strtoll(t, &end, 10);
                if (end == t || *end || secs < 0) {
                    mc_diag(cc, c, "timeout", MC_DIAG_ERROR, "<completeCondition timeout> must be "
                            "a whole number of seconds, got '%s'", t);
                    return NULL;
                }
                a->timeout_ms = secs * 1000;
            }
            for (xmlNodePtr mcn = mc_first_elem(c); mcn; mcn = mc_next_elem(mcn))
                if (strcmp((const char *)mcn->name, "messageCount") == 0 &&
                    (!compile_count(cc, mcn, "min", &a->min) || !compile_count(cc, mcn, "max", &a->max)))
                    return NULL;
        } else if (strcmp(n, "onComplete") == 0) {
            static const char *const oattrs[] = {"expression", "sequence", "aggregateElementType",
                                                 "enclosingElementProperty", NULL};
            mc_check_attrs(cc, c, oattrs);
            a->has_on_complete = true;
            const char *ex = mc_attr(cc, c, "expression");
            if (ex && !(a->expr = mc_compile_expr(cc, c, "expression", ex)))
                return NULL;
            a->json = a->expr && mc_expr_kind_of(a->expr) == MC_EXPR_JSONPATH;
            /* a template's parameter holding an expression its caller passed
             * as "{{expr}}" (MI's aggr_func templates) */
            a->passed = a->expr && mc_expr_kind_of(a->expr) == MC_EXPR_PROPERTY &&
                        strncmp(mc_strdup_trimmed(cc, ex), "$func:", 6) == 0;
            if (a->expr && !a->json && !a->passed && mc_expr_kind_of(a->expr) != MC_EXPR_XPATH) {
                mc_diag(cc, c, "expression", MC_DIAG_ERROR,
                        "<onComplete expression> must be an XPath, json-eval(...) or a $func: "
                        "parameter a call-template passes as {{expr}}");
                return NULL;
            }
            const char *type = mc_attr(cc, c, "aggregateElementType");
            if (type && strcmp(type, "root") != 0 && strcmp(type, "child") != 0) {
                mc_diag(cc, c, "aggregateElementType", MC_DIAG_ERROR,
                        "aggregateElementType must be root or child, got '%s'", type);
                return NULL;
            }
            a->child_type = type && strcmp(type, "child") == 0;
            a->enclosing = mc_attr(cc, c, "enclosingElementProperty");
            const char *seq = mc_attr(cc, c, "sequence");
            if (seq)
                mc_ref_sequence(cc, c, "sequence", seq, &a->on_complete);
            else if (mc_first_elem(c)) {
                if (!(a->on_complete = mc_compile_children(cc, c)))
                    return NULL;
            } else {
                /* an empty onComplete drops the aggregated message (Synapse) */
                xmlNodePtr drop = xmlNewChild(c, c->ns, BAD_CAST "drop", NULL);
                const mc_seq *s = drop ? mc_compile_children(cc, c) : NULL;
                if (drop) {
                    xmlUnlinkNode(drop);
                    xmlFreeNode(drop);
                }
                if (!(a->on_complete = s))
                    return NULL;
            }
        } else {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "unexpected <%s> in <aggregate> (correlateOn, "
                    "completeCondition or onComplete)", n);
            return NULL;
        }
    }
    mc_split_note_aggregate(cc, a->id, a->timeout_ms);
    return &a->base;
}

/* ---- merging --------------------------------------------------------------- */

/* The nodes expr selects in m (elements only), or NULL with *n 0. */
static xmlXPathObjectPtr select_nodes(const aggregate_m *a, mc_message *m, size_t *n)
{
    *n = 0;
    xmlXPathObjectPtr r = NULL;
    mc_err err;
    mc_err_clear(&err);
    if (!a->expr) {                       /* the first child of the Body */
        return NULL;
    }
    if (mc_expr_xpath_object(a->expr, m, &r, &err) != MC_OK || !r)
        return NULL;
    if (r->type == XPATH_NODESET && r->nodesetval)
        *n = (size_t)r->nodesetval->nodeNr;
    return r;
}

static void matches(const aggregate_m *a, mc_message *m, xmlNodePtr **nodes, size_t *n,
                    xmlXPathObjectPtr *hold)
{
    *hold = select_nodes(a, m, n);
    if (!a->expr) {
        static _Thread_local xmlNodePtr first;
        first = mc_msg_payload_root(m);
        *nodes = &first;
        *n = first ? 1 : 0;
        return;
    }
    *nodes = *n ? (*hold)->nodesetval->nodeTab : NULL;
}

static bool is_body(xmlNodePtr body, xmlNodePtr n)
{
    return n && body && strcmp((const char *)n->name, (const char *)body->name) == 0 &&
           n->ns && body->ns && strcmp((const char *)n->ns->href, (const char *)body->ns->href) == 0;
}

/* Synapse's EIPUtils.enrichEnvelope for the first message: what the
 * expression selects moves up into the Body, in place of the element it
 * was found in. */
static void enrich_first(const aggregate_m *a, mc_message *agg)
{
    xmlNodePtr *nodes;
    size_t n;
    xmlXPathObjectPtr hold;
    matches(a, agg, &nodes, &n, &hold);
    xmlNodePtr body = mc_msg_body(agg);
    if (n && nodes[0]->type == XML_ELEMENT_NODE && nodes[0]->parent &&
        nodes[0]->parent->type == XML_ELEMENT_NODE && !is_body(body, nodes[0]->parent)) {
        xmlNodePtr top = nodes[0]->parent;
        while (top->parent && !is_body(body, top->parent))
            top = top->parent;
        xmlNodePtr *copy = malloc(n * sizeof *copy);
        if (copy) {
            memcpy(copy, nodes, n * sizeof *copy);
            for (size_t i = 0; i < n; i++)
                if (copy[i]->type == XML_ELEMENT_NODE) {
                    xmlUnlinkNode(copy[i]);
                    xmlAddChild(body, copy[i]);
                }
            free(copy);
            if (top->parent) {
                xmlUnlinkNode(top);
                xmlFreeNode(top);
            }
        }
    }
    xmlXPathFreeObject(hold);
}

/* Append what the expression selects in m to agg's Body. */
static bool enrich_from(const aggregate_m *a, mc_message *agg, mc_message *m)
{
    xmlNodePtr *nodes;
    size_t n;
    xmlXPathObjectPtr hold;
    matches(a, m, &nodes, &n, &hold);
    xmlDocPtr env = mc_msg_envelope(agg);
    xmlNodePtr body = mc_msg_body(agg);
    bool any = false;
    for (size_t i = 0; i < n && body; i++) {
        if (nodes[i]->type != XML_ELEMENT_NODE)
            continue;
        xmlNodePtr c = xmlDocCopyNode(nodes[i], env, 1);
        if (c && xmlAddChild(body, c)) {
            xmlReconciliateNs(env, c);
            any = true;
        } else {
            xmlFreeNode(c);
        }
    }
    xmlXPathFreeObject(hold);
    return any;
}

/* The enclosing element: the property's XML (type OM), parsed. */
static xmlDocPtr enclosing_doc(const aggregate_m *a, mc_message *agg)
{
    const mc_prop *p = mc_msg_get_prop(agg, MC_SCOPE_DEFAULT, a->enclosing);
    if (!p || p->type != MC_VT_OM)
        return NULL;
    mc_xml_error xe = {0};
    return mc_xml_parse(p->value, p->len, NULL, 0, &xe);
}

/* ---- JSON merging: a small mutable tree ------------------------------------ */

typedef struct jm {
    char *key;
    size_t klen;
    int kind;                     /* 0 a value (text), 1 an object, 2 an array */
    char *text;
    size_t tlen;
    struct jm **kids;
    size_t n, cap;
} jm;

static void jm_free(jm *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n; i++)
        jm_free(j->kids[i]);
    free(j->kids);
    free(j->key);
    free(j->text);
    free(j);
}

static bool jm_add(jm *parent, jm *kid)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 4;
        jm **k = realloc(parent->kids, cap * sizeof *k);
        if (!k)
            return false;
        parent->kids = k;
        parent->cap = cap;
    }
    parent->kids[parent->n++] = kid;
    return true;
}

static jm *jm_of(mc_json v)
{
    jm *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    mc_json_type t = mc_json_type_of(v);
    if (t == MC_JSON_OBJECT || t == MC_JSON_ARRAY) {
        j->kind = t == MC_JSON_OBJECT ? 1 : 2;
        for (size_t i = 0; i < mc_json_count(v); i++) {
            jm *k = jm_of(mc_json_at(v, i));
            if (!k || !jm_add(j, k)) {
                jm_free(k);
                jm_free(j);
                return NULL;
            }
            if (t == MC_JSON_OBJECT) {
                size_t kl;
                const char *key = mc_json_key(v, i, &kl);
                if (!(k->key = malloc(kl + 1))) {
                    jm_free(j);
                    return NULL;
                }
                memcpy(k->key, key, kl);
                k->key[kl] = '\0';
                k->klen = kl;
            }
        }
        return j;
    }
    mc_buf b = MC_BUF_INIT;
    mc_json_write(&b, v);
    j->tlen = b.len;
    j->text = b.oom ? NULL : mc_buf_steal(&b);
    if (!j->text) {
        free(j);
        return NULL;
    }
    return j;
}

static jm *jm_member(jm *obj, const char *key, size_t kl)
{
    for (size_t i = 0; i < obj->n; i++)
        if (obj->kids[i]->klen == kl && memcmp(obj->kids[i]->key, key, kl) == 0)
            return obj->kids[i];
    return NULL;
}

/* Synapse's JSONMergeUtils.extendJSONObject with MERGE_INTO_ARRAY; takes
 * right's members. */
static bool jm_merge(jm *left, jm *right)
{
    for (size_t i = 0; i < right->n; i++) {
        jm *r = right->kids[i];
        right->kids[i] = NULL;
        jm *l = jm_member(left, r->key, r->klen);
        if (!l) {
            if (!jm_add(left, r))
                return jm_free(r), false;
        } else if (l->kind == 2 && r->kind == 2) {
            for (size_t k = 0; k < r->n; k++) {
                if (!jm_add(l, r->kids[k]))
                    return false;
                r->kids[k] = NULL;
            }
            r->n = 0;
            jm_free(r);
        } else if (l->kind == 1 && r->kind == 1) {
            bool ok = jm_merge(l, r);
            jm_free(r);
            if (!ok)
                return false;
        } else if (l->kind == 2) {
            free(r->key);
            r->key = NULL;
            r->klen = 0;
            if (!jm_add(l, r))
                return jm_free(r), false;
        } else {                          /* two values: l becomes [l, r] */
            jm *moved = calloc(1, sizeof *moved);
            if (!moved) {
                jm_free(r);
                return false;
            }
            moved->kind = l->kind;
            moved->text = l->text;
            moved->tlen = l->tlen;
            moved->kids = l->kids;
            moved->n = l->n;
            moved->cap = l->cap;
            l->kind = 2;
            l->text = NULL;
            l->tlen = 0;
            l->kids = NULL;
            l->n = l->cap = 0;
            free(r->key);
            r->key = NULL;
            r->klen = 0;
            if (!jm_add(l, moved)) {
                jm_free(moved);
                jm_free(r);
                return false;
            }
            if (!jm_add(l, r)) {
                jm_free(r);
                return false;
            }
        }
        right->kids[i] = NULL;
    }
    return true;
}

static void jm_write(mc_buf *b, const jm *j)
{
    if (j->kind == 0) {
        mc_buf_append(b, j->text, j->tlen);
        return;
    }
    mc_buf_putc(b, j->kind == 1 ? '{' : '[');
    for (size_t i = 0; i < j->n; i++) {
        if (i)
            mc_buf_putc(b, ',');
        if (j->kind == 1) {
            mc_buf_json_string(b, j->kids[i]->key ? j->kids[i]->key : "", j->kids[i]->klen);
            mc_buf_putc(b, ':');
        }
        jm_write(b, j->kids[i]);
    }
    mc_buf_putc(b, j->kind == 1 ? '}' : ']');
}

/* One message's value for the JSON aggregation (EIPUtils.getJSONElement):
 * the matches as an array when several, the match, or null. */
static void json_value(const aggregate_m *a, mc_message *m, mc_buf *out)
{
    mc_json root = mc_msg_json(m);
    const mc_jsonpath *p = mc_expr_jsonpath(a->expr);
    size_t n = root ? mc_jsonpath_select(p, root, NULL, 0) : 0;
    mc_json *all = n ? mc_arena_alloc(&m->arena, n * sizeof *all) : NULL;
    if (all)
        mc_jsonpath_select(p, root, all, n);
    if (!all) {
        mc_buf_puts(out, "null");
        return;
    }
    if (n == 1) {
        mc_json_write(out, all[0]);
        return;
    }
    mc_buf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            mc_buf_putc(out, ',');
        mc_json_write(out, all[i]);
    }
    mc_buf_putc(out, ']');
}

/* The aggregated JSON text; false (fault on trigger) when a value cannot
 * be merged as an object. */
static bool aggregate_json(const aggregate_m *a, mc_message **msgs, size_t n, mc_message *agg,
                           mc_buf *out, mc_message *trigger)
{
    jm *obj = a->child_type ? calloc(1, sizeof *obj) : NULL;
    if (obj)
        obj->kind = 1;
    mc_buf arr = MC_BUF_INIT;
    mc_buf_putc(&arr, '[');
    bool ok = !a->child_type || obj;
    for (size_t i = 0; i < n && ok; i++) {
        mc_buf v = MC_BUF_INIT;
        json_value(a, msgs[i], &v);
        if (!a->child_type) {
            if (i)
                mc_buf_putc(&arr, ',');
            mc_buf_append(&arr, v.data, v.len);
        } else {
            mc_arena tmp;
            mc_arena_init(&tmp, 1024);
            mc_json j = mc_json_parse(&tmp, mc_buf_cstr(&v), v.len, NULL);
            jm *r = mc_json_type_of(j) == MC_JSON_OBJECT ? jm_of(j) : NULL;
            if (!r) {
                if (trigger)
                    mc_msg_set_fault(trigger, "0", "Error merging aggregation results using "
                                     "JSONPath : Invalid JSON object. Could not extend.", NULL);
                ok = false;
            } else {
                ok = jm_merge(obj, r);
                jm_free(r);
            }
            mc_arena_free(&tmp);
        }
        mc_buf_free(&v);
    }
    mc_buf_putc(&arr, ']');
    mc_buf result = MC_BUF_INIT;
    if (ok && a->child_type)
        jm_write(&result, obj);
    else if (ok)
        mc_buf_append(&result, arr.data, arr.len);
    jm_free(obj);
    mc_buf_free(&arr);
    if (ok && a->enclosing) {
        xmlDocPtr d = enclosing_doc(a, agg);
        xmlNodePtr root = d ? xmlDocGetRootElement(d) : NULL;
        if (!root) {
            if (d)
                xmlFreeDoc(d);
            if (trigger)
                mc_msg_set_fault(trigger, "0", "Enclosing Element property: %s not found ", NULL);
            mc_buf_free(&result);
            return false;
        }
        mc_buf_putc(out, '{');
        mc_buf_json_string(out, (const char *)root->name, strlen((const char *)root->name));
        mc_buf_putc(out, ':');
        mc_buf_append(out, result.data, result.len);
        mc_buf_putc(out, '}');
        xmlFreeDoc(d);
    } else if (ok) {
        mc_buf_append(out, result.data, result.len);
    }
    mc_buf_free(&result);
    return ok;
}

static mc_message *complete(const void *med, mc_message **msgs, size_t n, mc_message *trigger,
                            const mc_seq **then)
{
    const aggregate_m *a = med;
    aggregate_m passed;
    if (a->passed) {
        /* the expression the template's caller passed, in the children's
         * func scope (as Synapse evaluates a $func: expression parameter) */
        const mc_expr *e = mc_template_passed_expr(a->expr, msgs[0]);
        if (!e) {
            if (trigger)
                mc_msg_set_fault(trigger, "0", "aggregate: the onComplete expression parameter "
                                 "does not hold an XPath or json-eval expression passed as {{...}}",
                                 NULL);
            return NULL;
        }
        passed = *a;
        passed.expr = (mc_expr *)e;
        passed.json = mc_expr_kind_of(e) == MC_EXPR_JSONPATH;
        a = &passed;
    }
    if (!a->has_on_complete) {
        if (trigger)
            mc_msg_set_fault(trigger, "0", "Unable to find the sequence for the mediation of the "
                             "aggregated message", NULL);
        return NULL;
    }
    mc_message *agg = mc_msg_clone(msgs[0], true);
    if (!agg)
        return NULL;
    bool ok = true;
    if (a->json) {
        mc_buf out = MC_BUF_INIT;
        mc_err err;
        mc_err_clear(&err);
        ok = aggregate_json(a, msgs, n, agg, &out, trigger) &&
             mc_msg_set_payload(agg, mc_buf_cstr(&out), out.len, "application/json", &err) == MC_OK;
        mc_buf_free(&out);
    } else {
        mc_msg_envelope(agg);             /* the XML view becomes the payload */
        xmlDocPtr env = xmlCopyDoc(mc_msg_envelope(agg), 1);
        const char *mt = mc_msg_prop(agg, MC_SCOPE_AXIS2, "messageType");
        char *keep = mt ? strdup(mt) : NULL;
        ok = env && mc_msg_take_envelope(agg, env) == MC_OK;
        if (keep)
            mc_msg_set_propz(agg, MC_SCOPE_AXIS2, "messageType", keep);
        free(keep);
        enrich_first(a, agg);
        for (size_t i = 1; i < n && ok; i++)
            if (!enrich_from(a, agg, msgs[i])) {
                if (trigger)
                    mc_msg_set_fault(trigger, "0", "Error merging aggregation results using XPath "
                                     ": Could not find matching elements to aggregate.", NULL);
                else
                    mc_msg_log(agg, MC_LOG_ERROR, "aggregate: could not find matching elements to "
                               "aggregate");
                ok = false;
            }
        if (ok && a->enclosing) {
            xmlDocPtr d = enclosing_doc(a, agg);
            xmlNodePtr root = d ? xmlDocGetRootElement(d) : NULL;
            xmlDocPtr aenv = mc_msg_envelope(agg);
            xmlNodePtr body = mc_msg_body(agg);
            xmlNodePtr wrap = root ? xmlDocCopyNode(root, aenv, 1) : NULL;
            if (!wrap) {
                if (trigger)
                    mc_msg_set_fault(trigger, "0", "Enclosing Element property: %s not found ",
                                     NULL);
                ok = false;
            } else {
                for (xmlNodePtr c = body->children, next; c; c = next) {
                    next = c->next;
                    if (c->type == XML_ELEMENT_NODE) {
                        xmlUnlinkNode(c);
                        xmlAddChild(wrap, c);
                    }
                }
                xmlAddChild(body, wrap);
                xmlReconciliateNs(aenv, wrap);
            }
            if (d)
                xmlFreeDoc(d);
        }
    }
    if (!ok) {
        mc_msg_free(agg);
        return NULL;
    }
    *then = a->on_complete;
    return agg;
}

/* ---- run --------------------------------------------------------------------- */

static int count_of(const count_v *v, mc_message *m)
{
    if (!v->expr)
        return (int)v->literal;
    const char *s;
    size_t n;
    mc_err err;
    mc_err_clear(&err);
    if (mc_template_eval(v->expr, m, &s, &n, &err) != MC_OK)
        return -1;
    return (int)strtod(s, NULL);
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const aggregate_m *a = (const aggregate_m *)self;
    char name[300];
    const char *key = NULL;
    if (a->correlate) {
        bool hit = false;
        mc_err err;
        mc_err_clear(&err);
        if (mc_expr_bool(a->correlate, m, &hit, &err) != MC_OK)
            return mc_fault(m, "0", "Failed to evaluate correlate expression: %s",
                            mc_expr_source(a->correlate));
        if (!hit)
            return MC_FLOW_NEXT;          /* not for this aggregation */
        key = mc_expr_source(a->correlate);
    } else {
        snprintf(name, sizeof name, "aggregateCorelation%s%s", a->id ? "." : "", a->id ? a->id : "");
        key = mc_msg_prop(m, MC_SCOPE_DEFAULT, name);
        if (!key) {
            mc_msg_log(m, MC_LOG_DEBUG, "Unable to find aggrgation correlation XPath or property");
            return MC_FLOW_NEXT;
        }
    }
    mc_gather_req *req = mc_arena_calloc(&m->arena, sizeof *req);
    if (!req)
        return mc_fault(m, "0", "out of memory");
    snprintf(name, sizeof name, "messageSequence%s%s", a->id ? "." : "", a->id ? a->id : "");
    const char *seq = mc_msg_prop(m, MC_SCOPE_DEFAULT, name);
    const char *slash = seq ? strchr(seq, '/') : NULL;
    req->key = key;
    req->total = slash ? atoi(slash + 1) : -1;
    req->min = count_of(&a->min, m);
    req->max = count_of(&a->max, m);
    req->timeout_ms = a->timeout_ms;
    req->complete = complete;
    m->gather_req = req;
    return MC_FLOW_GATHER;
}

const mc_mediator_type mc_med_aggregate = {"aggregate", compile, exec, NULL, false};

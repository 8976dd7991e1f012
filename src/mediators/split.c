/* split.c - shared pieces of the split and join mediators (split.h). */
#include "mediators/split.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A synthetic element under parent (compiled, then removed). */
static xmlNodePtr synthetic(xmlNodePtr parent, const char *name)
{
    xmlNodePtr n = xmlNewNode(parent->ns, BAD_CAST name);
    if (!n)
        return NULL;
    n->line = parent->line;
    return xmlAddChild(parent, n);
}

bool mc_split_target(mc_compiler *cc, xmlNodePtr target, const mc_seq **slot)
{
    static const char *const attrs[] = {"to", "soapAction", "sequence", "endpoint", NULL};
    mc_check_attrs(cc, target, attrs);
    const char *to = mc_attr(cc, target, "to"), *action = mc_attr(cc, target, "soapAction");
    const char *seq_key = mc_attr(cc, target, "sequence"), *ep_key = mc_attr(cc, target, "endpoint");
    xmlNodePtr seq_el = NULL, ep_el = NULL;
    for (xmlNodePtr c = mc_first_elem(target); c; c = mc_next_elem(c)) {
        const char *n = (const char *)c->name;
        if (strcmp(n, "sequence") == 0 && !seq_el)
            seq_el = c;
        else if (strcmp(n, "endpoint") == 0 && !ep_el)
            ep_el = c;
        else if (strcmp(n, "description") != 0)
            /* MI's TargetFactory reads only <sequence> and <endpoint> and
             * ignores anything else beside them */
            mc_diag(cc, c, NULL, MC_DIAG_WARNING, "<%s> in <target> is ignored, as MI ignores "
                    "it (a target runs its <sequence> or sends to its <endpoint>)", n);
    }
    /* a target with neither a sequence nor an endpoint (<target/>) loads,
     * as MI's TargetFactory takes it: at run time Synapse's Target sets
     * To and SOAPAction and mediates nothing, so the copy ends there */
    bool has_ep = ep_key || ep_el;
    /* Synapse: a sequence wins over an endpoint (the order below) */
    if (!to && !action && seq_el) {
        *slot = mc_compile_children(cc, seq_el);
        return *slot != NULL;
    }
    if (!to && !action && seq_key) {
        mc_ref_sequence(cc, target, "sequence", seq_key, slot);
        return true;
    }
    /* build <sequence> [<header To/Action>] (the sequence's mediators, a
     * reference to it, or <send> to the endpoint) </sequence> and compile it */
    xmlNodePtr wrap = synthetic(target, "sequence");
    bool ok = wrap != NULL;
    if (ok && to) {
        xmlNodePtr h = synthetic(wrap, "header");
        ok = h && xmlNewProp(h, BAD_CAST "name", BAD_CAST "To") && xmlNewProp(h, BAD_CAST "value", BAD_CAST to);
    }
    if (ok && action) {
        xmlNodePtr h = synthetic(wrap, "header");
        ok = h && xmlNewProp(h, BAD_CAST "name", BAD_CAST "Action") &&
             xmlNewProp(h, BAD_CAST "value", BAD_CAST action);
    }
    if (ok && seq_el) {
        for (xmlNodePtr c = seq_el->children; c && ok; c = c->next)
            ok = xmlAddChild(wrap, xmlDocCopyNode(c, target->doc, 1)) != NULL;
    } else if (ok && seq_key) {
        xmlNodePtr s = synthetic(wrap, "sequence");
        ok = s && xmlNewProp(s, BAD_CAST "key", BAD_CAST seq_key);
    } else if (ok && has_ep) {
        xmlNodePtr send = synthetic(wrap, "send");
        if (ep_el)
            ok = send && xmlAddChild(send, xmlDocCopyNode(ep_el, target->doc, 1)) != NULL;
        else {
            xmlNodePtr e = send ? synthetic(send, "endpoint") : NULL;
            ok = e && xmlNewProp(e, BAD_CAST "key", BAD_CAST ep_key);
        }
    }
    if (ok)
        ok = (*slot = mc_compile_children(cc, wrap)) != NULL;
    else
        mc_diag(cc, target, NULL, MC_DIAG_ERROR, "out of memory");
    if (wrap) {
        xmlUnlinkNode(wrap);
        xmlFreeNode(wrap);
    }
    return ok;
}

bool mc_split_limit(mc_compiler *cc, xmlNodePtr node, size_t *limit)
{
    static const char *const ext[] = {"maxChildren", NULL};
    unsigned long long v = MC_SPLIT_DEFAULT_LIMIT;
    if (!mc_ext_numbers(cc, node, ext, &v))
        return false;
    *limit = (size_t)v;
    return true;
}

mc_flow mc_split_over_limit(mc_message *m, const char *who, size_t n, size_t limit)
{
    return mc_fault(m, "0", "%s: %zu child messages exceed the limit of %zu (mc:maxChildren)",
                    who, n, limit);
}

mc_split_req *mc_split_req_new(mc_message *m, size_t n)
{
    mc_split_req *r = mc_arena_calloc(&m->arena, sizeof *r);
    if (!r)
        return NULL;
    r->children = mc_arena_calloc(&m->arena, (n ? n : 1) * sizeof *r->children);
    r->targets = mc_arena_calloc(&m->arena, (n ? n : 1) * sizeof *r->targets);
    r->min = r->max = -1;
    return r->children && r->targets ? r : NULL;
}

mc_code mc_split_mark(mc_message *child, const mc_message *parent, const char *id, size_t i,
                      size_t n)
{
    char name[300], seq[48];
    snprintf(name, sizeof name, "aggregateCorelation%s%s", id ? "." : "", id ? id : "");
    mc_code rc = mc_msg_set_propz(child, MC_SCOPE_DEFAULT, name, parent->message_id);
    snprintf(name, sizeof name, "messageSequence%s%s", id ? "." : "", id ? id : "");
    snprintf(seq, sizeof seq, "%zu/%zu", i, n);
    return rc == MC_OK ? mc_msg_set_propz(child, MC_SCOPE_DEFAULT, name, seq) : rc;
}

typedef struct agg_timeout {
    long long ms;
} agg_timeout;

static void *new_timeout(void *ud)
{
    (void)ud;
    return calloc(1, sizeof(agg_timeout));
}

void mc_split_note_aggregate(mc_compiler *cc, const char *id, long long timeout_ms)
{
    char name[300];
    snprintf(name, sizeof name, "aggregate.timeout.%s", id ? id : "");
    agg_timeout *t = mc_config_state(cc->cfg, name, new_timeout, NULL, free);
    if (t && timeout_ms > 0 && (!t->ms || timeout_ms < t->ms))
        t->ms = timeout_ms;
}

long long mc_split_aggregate_timeout(const mc_config *cfg, const char *id)
{
    char name[300];
    snprintf(name, sizeof name, "aggregate.timeout.%s", id ? id : "");
    const agg_timeout *t = cfg ? mc_config_find_state(cfg, name) : NULL;
    return t ? t->ms : 0;
}

void mc_split_json_replace(mc_buf *out, mc_json v, mc_json target, const char *repl,
                           size_t repl_len)
{
    if (v == target) {
        mc_buf_append(out, repl, repl_len);
        return;
    }
    mc_json_type t = mc_json_type_of(v);
    if (t != MC_JSON_ARRAY && t != MC_JSON_OBJECT) {
        mc_json_write(out, v);
        return;
    }
    mc_buf_putc(out, t == MC_JSON_ARRAY ? '[' : '{');
    for (size_t i = 0; i < mc_json_count(v); i++) {
        if (i)
            mc_buf_putc(out, ',');
        if (t == MC_JSON_OBJECT) {
            size_t kl;
            const char *k = mc_json_key(v, i, &kl);
            mc_buf_json_string(out, k, kl);
            mc_buf_putc(out, ':');
        }
        mc_split_json_replace(out, mc_json_at(v, i), target, repl, repl_len);
    }
    mc_buf_putc(out, t == MC_JSON_ARRAY ? ']' : '}');
}

size_t mc_split_json_items(const mc_jsonpath *p, mc_json root, mc_message *m, mc_json **items)
{
    size_t n = root ? mc_jsonpath_select(p, root, NULL, 0) : 0;
    mc_json *all = mc_arena_alloc(&m->arena, (n ? n : 1) * sizeof *all);
    if (!all)
        return 0;
    mc_jsonpath_select(p, root, all, n);
    if (mc_jsonpath_is_definite(p)) {
        if (n != 1 || mc_json_type_of(all[0]) != MC_JSON_ARRAY)
            return n == 0 ? 0 : (size_t)-1;
        mc_json arr = all[0];
        n = mc_json_count(arr);
        all = mc_arena_alloc(&m->arena, (n ? n : 1) * sizeof *all);
        if (!all)
            return 0;
        for (size_t i = 0; i < n; i++)
            all[i] = mc_json_at(arr, i);
    }
    *items = all;
    return n;
}

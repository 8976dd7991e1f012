/* stores.c - compiles MI's scheduling artifacts: <messageStore> (the
 * in-memory store; JMS, RabbitMQ, JDBC, resequencing and other Java store
 * classes are refused naming what they need), <messageProcessor>
 * (sampling, scheduled forwarding, scheduled failover forwarding),
 * <task> (the MessageInjector; other task classes are Java) and
 * <inboundEndpoint> (http, https; other protocols are refused naming the
 * protocol).  Parameters are read once here; references to sequences,
 * endpoints and stores resolve at link time.  See docs/core.md. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/internal.h"
#include "config/stores.h"

#define STORE_MEM "org.apache.synapse.message.store.impl.memory.InMemoryStore"
#define STORE_MEM_OLD "org.apache.synapse.message.store.InMemoryMessageStore"
#define INJECTOR "org.apache.synapse.startup.tasks.MessageInjector"
#define TASK_NS "http://www.wso2.org/products/wso2commons/tasks"

/* ---- parameters --------------------------------------------------------- */

/* The <parameter name="...">value</parameter> children of node (and of a
 * <parameters> wrapper, as inbound endpoints write them). */
static size_t count_params(xmlNodePtr node)
{
    size_t n = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, "parameters") == 0)
            n += count_params(c);
        else if (strcmp((const char *)c->name, "parameter") == 0)
            n++;
    }
    return n;
}

static void collect_params(mc_compiler *cc, xmlNodePtr node, mc_param *out, size_t *n)
{
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, "parameters") == 0) {
            collect_params(cc, c, out, n);
        } else if (strcmp((const char *)c->name, "parameter") == 0) {
            const char *name = mc_attr(cc, c, "name");
            if (!name || !*name) {
                mc_diag(cc, c, NULL, MC_DIAG_ERROR, "a <parameter> needs a 'name'");
                continue;
            }
            const char *key = mc_attr(cc, c, "key");
            mc_param *p = &out[(*n)++];
            p->name = name;
            p->value = key ? key : mc_text_trimmed(cc, c);
            mc_node_pos(cc, c, &p->line, &p->col);
        }
    }
}

static mc_param *read_params(mc_compiler *cc, xmlNodePtr node, size_t *n)
{
    *n = 0;
    size_t cap = count_params(node);
    mc_param *ps = cap ? mc_alloc(cc, cap * sizeof *ps) : NULL;
    if (ps)
        collect_params(cc, node, ps, n);
    return ps;
}

static const mc_param *find_param(const mc_param *ps, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ps[i].name, name) == 0)
            return &ps[i];
    return NULL;
}

static const char *param_value(const mc_param *ps, size_t n, const char *name)
{
    const mc_param *p = find_param(ps, n, name);
    return p ? p->value : NULL;
}

/* A whole number in [lo, hi] (or the default when absent); reported at
 * the parameter when it is not. */
static long long param_number(mc_compiler *cc, const mc_param *ps, size_t n, const char *name,
                              long long lo, long long hi, long long dflt)
{
    const mc_param *p = find_param(ps, n, name);
    if (!p)
        return dflt;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(p->value, &end, 10);
    if (!*p->value || errno || *end || v < lo || v > hi) {
        mc_diag_at(cc->cfg, cc->file, p->line, p->col, MC_DIAG_ERROR,
                   "parameter '%s' must be a whole number from %lld to %lld, not '%s'", name,
                   lo, hi, p->value);
        return dflt;
    }
    return v;
}

static bool param_bool(mc_compiler *cc, const mc_param *ps, size_t n, const char *name,
                       bool dflt)
{
    const mc_param *p = find_param(ps, n, name);
    if (!p)
        return dflt;
    if (strcasecmp(p->value, "true") == 0)
        return true;
    if (strcasecmp(p->value, "false") == 0)
        return false;
    mc_diag_at(cc->cfg, cc->file, p->line, p->col, MC_DIAG_ERROR,
               "parameter '%s' must be true or false, not '%s'", name, p->value);
    return dflt;
}

/* A sequence named by a parameter, resolved at link time. */
static void param_sequence(mc_compiler *cc, xmlNodePtr node, const mc_param *ps, size_t n,
                           const char *name, const mc_seq **slot)
{
    const mc_param *p = find_param(ps, n, name);
    if (!p || !*p->value)
        return;
    for (xmlNodePtr c = node ? mc_first_elem(node) : NULL; c; c = mc_next_elem(c)) {
        const char *pn = (const char *)xmlGetProp(c, (const xmlChar *)"name");
        bool hit = pn && strcmp(pn, name) == 0;
        xmlFree((void *)pn);
        if (hit && strcmp((const char *)c->name, "parameter") == 0) {
            mc_ref_sequence(cc, c, NULL, p->value, slot);
            return;
        }
    }
    mc_ref_sequence(cc, node, NULL, p->value, slot);
}

static bool put_unique(mc_compiler *cc, xmlNodePtr node, mc_table *t, const char *what,
                       const char *name, void *item)
{
    if (mc_name_taken(cc, node, "name", t, what, name))
        return false;
    mc_table_put(t, name, item);
    return true;
}

/* ---- <messageStore> ----------------------------------------------------- */

/* Store classes mediac refuses, with what each needs. */
static const struct {
    const char *suffix, *needs;
} refused_stores[] = {
    {".JmsStore", "a JMS broker (WSO2 MB, ActiveMQ, ...) reached through Java's JMS client"},
    {".RabbitMQStore", "a RabbitMQ broker reached through its Java client"},
    {".JDBCMessageStore", "a JDBC database"},
    {".ResequenceMessageStore", "a JDBC database (the resequencing store is a JDBC store)"},
};

static void *new_queue(void *ud)
{
    const size_t *bounds = ud;
    return mc_msg_store_new(bounds[0], bounds[1]);
}

static void compile_store(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "class", NULL};
    mc_check_attrs(cc, node, attrs);
    const char *name = mc_artifact_name(cc, node);
    if (!name)
        return;
    const char *klass = mc_attr(cc, node, "class");
    if (klass && *klass && strcmp(klass, STORE_MEM) != 0 && strcmp(klass, STORE_MEM_OLD) != 0) {
        const char *needs = NULL;
        for (size_t i = 0; i < sizeof refused_stores / sizeof *refused_stores; i++) {
            size_t kl = strlen(klass), sl = strlen(refused_stores[i].suffix);
            if (kl > sl && strcmp(klass + kl - sl, refused_stores[i].suffix) == 0)
                needs = refused_stores[i].needs;
        }
        if (needs)
            mc_diag(cc, node, "class", MC_DIAG_ERROR,
                    "message store '%s' (%s) needs %s, which mediac does not run; mediac "
                    "keeps in-memory stores (leave out 'class' or use " STORE_MEM ")",
                    name, klass, needs);
        else
            mc_diag(cc, node, "class", MC_DIAG_ERROR,
                    "message store '%s' uses the Java class %s: mediac cannot run Java code; "
                    "it keeps in-memory stores (leave out 'class' or use " STORE_MEM ")",
                    name, klass);
    }
    mc_store_def *d = mc_alloc(cc, sizeof *d);
    d->name = name;
    if (klass && *klass && strcmp(klass, STORE_MEM) != 0 && strcmp(klass, STORE_MEM_OLD) != 0) {
        /* refused: known by name (references to it are not reported again),
         * with no queue */
        put_unique(cc, node, &cc->cfg->stores, "message store", name, d);
        return;
    }
    d->klass = klass && *klass ? klass : STORE_MEM;
    d->file = cc->file;
    mc_node_pos(cc, node, &d->line, &d->col);
    d->params = read_params(cc, node, &d->nparams);
    size_t bounds[2];
    bounds[0] = (size_t)param_number(cc, d->params, d->nparams, "mediac.store.max.messages", 1,
                                     100000000, MC_STORE_MAX_MESSAGES);
    bounds[1] = (size_t)param_number(cc, d->params, d->nparams, "mediac.store.max.bytes", 1024,
                                     (long long)1 << 40, MC_STORE_MAX_BYTES);
    char key[300];
    snprintf(key, sizeof key, "messageStore:%s", name);
    if (!put_unique(cc, node, &cc->cfg->stores, "message store", name, d))
        return;
    d->store = mc_config_state(cc->cfg, key, new_queue, bounds, mc_msg_store_free);
    if (!d->store)
        mc_diag(cc, node, NULL, MC_DIAG_ERROR, "out of memory");
}

const mc_store_def *mc_config_store(const mc_config *cfg, const char *name)
{
    return mc_table_get(&cfg->stores, name);
}

/* ---- <messageProcessor> ------------------------------------------------- */

static const struct {
    const char *suffix;
    mc_processor_kind kind;
} processor_classes[] = {
    {".SamplingProcessor", MC_PROC_SAMPLING},
    {".FailoverScheduledMessageForwardingProcessor", MC_PROC_FAILOVER},
    {".ScheduledMessageForwardingProcessor", MC_PROC_FORWARDING},
};

static bool processor_kind(const char *klass, mc_processor_kind *kind)
{
    if (strncmp(klass, "org.apache.synapse.message.processor", 36) != 0)
        return false;
    const char *dot = strrchr(klass, '.');
    for (size_t i = 0; dot && i < sizeof processor_classes / sizeof *processor_classes; i++)
        if (strcmp(dot, processor_classes[i].suffix) == 0) {
            *kind = processor_classes[i].kind;
            return true;
        }
    return false;
}

typedef struct store_link {
    const char *name;
    const mc_store_def **slot;
    const char *file;
    int line, col;
    const char *what;
    int severity;
} store_link;

static void link_store(mc_config *cfg, void *arg)
{
    store_link *l = arg;
    *l->slot = mc_config_store(cfg, l->name);
    if (!*l->slot) {
        const char *near = mc_table_closest(&cfg->stores, l->name);
        mc_diag_at(cfg, l->file, l->line, l->col, l->severity,
                   "%s names message store '%s', which is not defined%s%s%s", l->what, l->name,
                   near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    }
}

void mc_ref_store(mc_compiler *cc, xmlNodePtr node, const char *attr, const char *name,
                  const mc_store_def **slot, const char *what, int severity)
{
    store_link *l = mc_alloc(cc, sizeof *l);
    *l = (store_link){name, slot, cc->file, 0, 0, what, severity};
    if (attr)
        mc_attr_pos(cc, node, attr, &l->line, &l->col);
    else
        mc_node_pos(cc, node, &l->line, &l->col);
    mc_config_at_link(cc->cfg, link_store, l);
}

/* The forwarding step: <call><endpoint key="NAME"/></call>, compiled as
 * the call mediator does it (endpoint semantics, timeouts, suspension). */
static const mc_seq *forward_sequence(mc_compiler *cc, xmlNodePtr node, const char *endpoint)
{
    /* no endpoint named: the message's target.endpoint property names it,
     * as in Synapse's ForwardingService */
    xmlNodePtr call = xmlNewDocNode(node->doc, node->ns, (const xmlChar *)"call", NULL);
    if (!call)
        return NULL;
    xmlNodePtr ep = xmlNewChild(call, node->ns, (const xmlChar *)"endpoint", NULL);
    if (!ep) {
        xmlFreeNode(call);
        return NULL;
    }
    if (endpoint)
        xmlNewProp(ep, (const xmlChar *)"key", (const xmlChar *)endpoint);
    else
        xmlNewProp(ep, (const xmlChar *)"key-expression",
                   (const xmlChar *)"get-property('target.endpoint')");
    call->line = ep->line = node->line;
    mc_mediator *m = mc_compile_mediator(cc, call);
    xmlFreeNode(call);
    if (!m)
        return NULL;
    mc_seq *s = mc_alloc(cc, sizeof *s);
    s->items = mc_alloc(cc, sizeof *s->items);
    s->items[0] = m;
    s->n = 1;
    s->file = cc->file;
    mc_node_pos(cc, node, &s->line, &s->col);
    return s;
}

static void read_non_retry(mc_compiler *cc, mc_processor_def *d)
{
    const mc_param *p = find_param(d->params, d->nparams, "non.retry.status.codes");
    if (!p)
        return;
    const char *s = p->value;
    while (*s) {
        while (*s == ',' || isspace((unsigned char)*s))
            s++;
        if (!*s)
            break;
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 100 || v > 599 || (*end && *end != ',' && !isspace((unsigned char)*end))) {
            mc_diag_at(cc->cfg, cc->file, p->line, p->col, MC_DIAG_ERROR,
                       "non.retry.status.codes must be HTTP status codes separated by commas, "
                       "not '%s'", p->value);
            return;
        }
        if (d->nnon_retry == MC_PROC_MAX_NON_RETRY) {
            mc_diag_at(cc->cfg, cc->file, p->line, p->col, MC_DIAG_ERROR,
                       "non.retry.status.codes lists more than %d codes", MC_PROC_MAX_NON_RETRY);
            return;
        }
        d->non_retry[d->nnon_retry++] = (int)v;
        s = end;
    }
}

static void compile_processor(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "class", "messageStore", "targetEndpoint",
                                        NULL};
    mc_check_attrs(cc, node, attrs);
    const char *name = mc_artifact_name(cc, node);
    if (!name)
        return;
    mc_processor_def *d = mc_alloc(cc, sizeof *d);
    d->name = name;
    d->file = cc->file;
    mc_node_pos(cc, node, &d->line, &d->col);
    d->klass = mc_attr(cc, node, "class");
    if (!d->klass || !*d->klass) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "message processor '%s' needs a 'class' (e.g. "
                "org.apache.synapse.message.processor.impl.sampler.SamplingProcessor)", name);
        return;
    }
    if (!processor_kind(d->klass, &d->kind)) {
        mc_diag(cc, node, "class", MC_DIAG_ERROR,
                "message processor '%s' uses the Java class %s: mediac cannot run Java code; "
                "it runs the sampling, scheduled forwarding and scheduled failover forwarding "
                "processors", name, d->klass);
        return;
    }
    d->store_name = mc_attr(cc, node, "messageStore");
    if (!d->store_name || !*d->store_name) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "message processor '%s' needs a 'messageStore' to take messages from", name);
        return;
    }
    mc_ref_store(cc, node, "messageStore", d->store_name, &d->store, "message processor",
                 MC_DIAG_WARNING);
    d->params = read_params(cc, node, &d->nparams);
    const mc_param *ps = d->params;
    size_t n = d->nparams;
    d->interval_ms = (long)param_number(cc, ps, n, "interval", 1, 86400000L * 365, 1000);
    d->concurrency = (unsigned)param_number(cc, ps, n, "concurrency", 1, 1000, 1);
    d->max_attempts = (int)param_number(cc, ps, n, "max.delivery.attempts", -1, 1000000, 4);
    d->retry_interval_ms = (long)param_number(cc, ps, n, "client.retry.interval", 0,
                                              86400000L, 1000);
    d->active = param_bool(cc, ps, n, "is.active", true);
    const char *drop = param_value(ps, n, "max.delivery.drop");
    d->drop_on_max = drop && strcmp(drop, "Enabled") == 0 && d->max_attempts > 0;
    const mc_param *cron = find_param(ps, n, "cron.expression");
    if (cron && *cron->value) {
        char why[200];
        d->cron_expr = mc_alloc(cc, sizeof *d->cron_expr);
        if (!mc_cron_parse(d->cron_expr, cron->value, why, sizeof why))
            mc_diag_at(cc->cfg, cc->file, cron->line, cron->col, MC_DIAG_ERROR,
                       "message processor '%s': cron.expression: %s", name, why);
    }
    read_non_retry(cc, d);
    param_sequence(cc, node, ps, n, "message.processor.reply.sequence", &d->reply_seq);
    param_sequence(cc, node, ps, n, "message.processor.fault.sequence", &d->fault_seq);
    param_sequence(cc, node, ps, n, "message.processor.deactivate.sequence", &d->deactivate_seq);
    if (d->kind == MC_PROC_SAMPLING) {
        const char *seq = param_value(ps, n, "sequence");
        if (!seq || !*seq) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                    "sampling processor '%s' needs a 'sequence' parameter naming the sequence "
                    "that receives the messages", name);
            return;
        }
        param_sequence(cc, node, ps, n, "sequence", &d->sequence);
    } else if (d->kind == MC_PROC_FAILOVER) {
        d->target_store_name = param_value(ps, n, "message.target.store.name");
        if (!d->target_store_name || !*d->target_store_name) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                    "failover forwarding processor '%s' needs a 'message.target.store.name' "
                    "parameter", name);
            return;
        }
        mc_ref_store(cc, node, NULL, d->target_store_name, &d->target_store,
                     "failover forwarding processor", MC_DIAG_WARNING);
    } else {
        d->endpoint_name = mc_attr(cc, node, "targetEndpoint");
        if (!d->endpoint_name || !*d->endpoint_name)
            d->endpoint_name = param_value(ps, n, "target.endpoint");
        if (d->endpoint_name && !*d->endpoint_name)
            d->endpoint_name = NULL;
        if (!(d->forward = forward_sequence(cc, node, d->endpoint_name)))
            return;
    }
    put_unique(cc, node, &cc->cfg->processors, "message processor", name, d);
}

/* ---- <task> ------------------------------------------------------------- */

/* A task property's value: its 'value' attribute, or its inline XML (the
 * first element child, serialised) or text. */
static const char *task_property_value(mc_compiler *cc, xmlNodePtr p)
{
    const char *v = mc_attr(cc, p, "value");
    if (v)
        return v;
    xmlNodePtr el = mc_first_elem(p);
    if (!el)
        return mc_text_trimmed(cc, p);
    xmlBufferPtr b = xmlBufferCreate();
    if (!b)
        return NULL;
    xmlNodeDump(b, p->doc, el, 0, 0);
    const char *s = mc_strdup(cc, (const char *)xmlBufferContent(b));
    xmlBufferFree(b);
    return s;
}

static void compile_task(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "class", "group", "pinnedServers", NULL};
    mc_check_attrs(cc, node, attrs);
    const char *name = mc_artifact_name(cc, node);
    if (!name)
        return;
    mc_task_def *d = mc_alloc(cc, sizeof *d);
    d->name = name;
    d->file = cc->file;
    mc_node_pos(cc, node, &d->line, &d->col);
    d->klass = mc_attr(cc, node, "class");
    if (!d->klass || !*d->klass) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "task '%s' needs a 'class' (mediac runs " INJECTOR ")", name);
        return;
    }
    if (strcmp(d->klass, INJECTOR) != 0) {
        mc_diag(cc, node, "class", MC_DIAG_ERROR,
                "task '%s' runs the Java class %s: mediac cannot run Java code; it runs "
                "the " INJECTOR " task", name, d->klass);
        return;
    }
    d->count = -1;
    d->inject_to = "main";
    d->format = "soap12";
    xmlNodePtr trigger = NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "trigger") == 0) {
            trigger = c;
        } else if (strcmp(cn, "property") == 0) {
            const char *pn = mc_attr(cc, c, "name");
            const char *v = task_property_value(cc, c);
            if (!pn || !v)
                continue;
            if (strcmp(pn, "message") == 0)
                d->message = v;
            else if (strcmp(pn, "format") == 0)
                d->format = v;
            else if (strcmp(pn, "injectTo") == 0)
                d->inject_to = v;
            else if (strcmp(pn, "sequenceName") == 0)
                d->sequence_name = v;
            else if (strcmp(pn, "proxyName") == 0)
                d->proxy_name = v;
            else if (strcmp(pn, "soapAction") == 0)
                d->soap_action = v;
            else if (strcmp(pn, "to") == 0)
                d->to = v;
        }
    }
    if (!trigger) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "task '%s' needs a <trigger interval=\"seconds\"/> (or count, once, cron)",
                name);
        return;
    }
    static const char *const tattrs[] = {"interval", "count", "cron", "once", NULL};
    mc_check_attrs(cc, trigger, tattrs);
    const char *interval = mc_attr(cc, trigger, "interval");
    const char *count = mc_attr(cc, trigger, "count");
    const char *cron = mc_attr(cc, trigger, "cron");
    const char *once = mc_attr(cc, trigger, "once");
    if (cron) {
        char why[200];
        d->cron = cron;
        d->cron_expr = mc_alloc(cc, sizeof *d->cron_expr);
        if (!mc_cron_parse(d->cron_expr, cron, why, sizeof why)) {
            mc_diag(cc, trigger, "cron", MC_DIAG_ERROR, "task '%s': %s", name, why);
            return;
        }
    } else if (once && strcmp(once, "true") == 0) {
        d->count = 1;
        d->interval_ms = 1000;
    } else if (interval) {
        char *end;
        errno = 0;
        long v = strtol(interval, &end, 10);
        if (!*interval || *end || errno || v < 1 || v > 86400L * 365) {
            mc_diag(cc, trigger, "interval", MC_DIAG_ERROR,
                    "trigger interval must be a whole number of seconds from 1, not '%s'",
                    interval);
            return;
        }
        d->interval_ms = v * 1000;
    } else {
        mc_diag(cc, trigger, NULL, MC_DIAG_ERROR,
                "task '%s': the <trigger> needs 'interval' (seconds), 'once' or 'cron'", name);
        return;
    }
    if (count) {
        char *end;
        errno = 0;
        long v = strtol(count, &end, 10);
        if (!*count || *end || errno || v < -1 || v == 0) {
            mc_diag(cc, trigger, "count", MC_DIAG_ERROR,
                    "trigger count must be a whole number from 1 (or -1: forever), not '%s'",
                    count);
            return;
        }
        d->count = v;
    }
    if (!d->message) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "task '%s' needs a 'message' property (the message it injects)", name);
        return;
    }
    static const char *const formats[] = {"soap11", "soap12", "pox", "get", "json", NULL};
    bool fmt_ok = false;
    for (size_t i = 0; formats[i]; i++)
        fmt_ok |= strcmp(d->format, formats[i]) == 0;
    if (!fmt_ok)   /* MI loads it and fails each run: "incorrect format specified" */
        mc_diag(cc, node, NULL, MC_DIAG_WARNING,
                "task '%s': format must be soap11, soap12, pox, get or json, not '%s'; each "
                "run fails", name, d->format);
    if (strcmp(d->inject_to, "sequence") == 0) {
        if (!d->sequence_name || !*d->sequence_name)   /* MI: an error at each run */
            mc_diag(cc, node, NULL, MC_DIAG_WARNING,
                    "task '%s' injects into a sequence and needs a 'sequenceName' property; "
                    "each run fails", name);
        else
            mc_ref_sequence(cc, node, NULL, d->sequence_name, &d->sequence);
    } else if (strcmp(d->inject_to, "proxy") == 0) {
        if (!d->proxy_name || !*d->proxy_name)
            mc_diag(cc, node, NULL, MC_DIAG_WARNING,
                    "task '%s' injects into a proxy and needs a 'proxyName' property; each "
                    "run fails", name);
    } else if (strcmp(d->inject_to, "main") != 0) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "task '%s': injectTo must be sequence, proxy or main, not '%s'", name,
                d->inject_to);
        return;
    }
    put_unique(cc, node, &cc->cfg->tasks, "task", name, d);
}

/* ---- <inboundEndpoint> -------------------------------------------------- */

static void compile_inbound(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"name", "protocol", "class", "sequence", "onError",
                                        "suspend", "statistics", "trace", NULL};
    mc_check_attrs(cc, node, attrs);
    const char *name = mc_artifact_name(cc, node);
    if (!name)
        return;
    mc_inbound_def *d = mc_alloc(cc, sizeof *d);
    d->name = name;
    d->file = cc->file;
    mc_node_pos(cc, node, &d->line, &d->col);
    d->protocol = mc_attr(cc, node, "protocol");
    const char *klass = mc_attr(cc, node, "class");
    if (!d->protocol || !*d->protocol) {
        mc_diag(cc, node, klass ? "class" : NULL, MC_DIAG_ERROR,
                "inbound endpoint '%s'%s%s%s: mediac runs the http and https inbound protocols "
                "only, not custom Java consumers", name, klass ? " uses the Java class " : "",
                klass ? klass : " has no 'protocol'", "");
        return;
    }
    if (strcmp(d->protocol, "http") != 0 && strcmp(d->protocol, "https") != 0) {
        mc_diag(cc, node, "protocol", MC_DIAG_ERROR,
                "inbound endpoint '%s' uses the '%s' protocol, which mediac does not run; "
                "mediac's inbound endpoints are http and https", name, d->protocol);
        return;
    }
    d->params = read_params(cc, node, &d->nparams);
    d->port = (int)param_number(cc, d->params, d->nparams, "inbound.http.port", 1, 65535, 0);
    if (!d->port) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "inbound endpoint '%s' needs an 'inbound.http.port' parameter", name);
        return;
    }
    if (strcmp(d->protocol, "https") == 0) {
        d->tls_cert = param_value(d->params, d->nparams, "mediac.tls.cert");
        d->tls_key = param_value(d->params, d->nparams, "mediac.tls.key");
        if (!d->tls_cert || !d->tls_key) {
            mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                    "https inbound endpoint '%s' needs 'mediac.tls.cert' and 'mediac.tls.key' "
                    "parameters (PEM files; mediac does not read Java keystores)", name);
            return;
        }
    }
    const char *suspend = mc_attr(cc, node, "suspend");
    d->suspend = suspend && strcmp(suspend, "true") == 0;
    const char *seq = mc_attr(cc, node, "sequence");
    if (!seq || !*seq) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "inbound endpoint '%s' needs a 'sequence' that receives its messages", name);
        return;
    }
    mc_ref_sequence(cc, node, "sequence", seq, &d->sequence);
    const char *on_error = mc_attr(cc, node, "onError");
    if (on_error && *on_error)
        mc_ref_sequence(cc, node, "onError", on_error, &d->on_error);
    put_unique(cc, node, &cc->cfg->inbounds, "inbound endpoint", name, d);
}

void mc_compile_mi_artifact(mc_compiler *cc, xmlNodePtr node)
{
    const char *n = (const char *)node->name;
    if (strcmp(n, "messageStore") == 0)
        compile_store(cc, node);
    else if (strcmp(n, "messageProcessor") == 0)
        compile_processor(cc, node);
    else if (strcmp(n, "task") == 0)
        compile_task(cc, node);
    else if (strcmp(n, "inboundEndpoint") == 0)
        compile_inbound(cc, node);
}

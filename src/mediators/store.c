/* store.c - <store messageStore="NAME" sequence="onStore"/>: as Synapse's
 * MessageStoreMediator, run the onStore sequence (when given) on the
 * message, then put a copy of it (payload, properties, headers,
 * variables) into the in-memory store and go on.  messageStore="{expr}"
 * names the store per message.  A store that does not exist, or is full,
 * faults with MI's messages (a full store also sets HTTP_SC 500 and
 * ERROR_DETAIL "Failed to store message."). */
#include <stdio.h>
#include <string.h>

#include "config/stores.h"
#include "expr/expr.h"
#include "mediators/mediators.h"

typedef struct store_m {
    mc_mediator base;
    const char *name;             /* static store name */
    const mc_store_def *store;    /* linked (NULL: not defined) */
    mc_template *dynamic;         /* {expr} store name */
    const mc_seq *on_store;       /* sequence="..." */
    mc_seq steps;                 /* with on_store: [run on_store, commit] */
} store_m;

typedef struct step_m {
    mc_mediator base;
    const store_m *owner;
} step_m;

static mc_flow commit(const store_m *s, mc_message *m)
{
    const mc_store_def *d = s->store;
    if (s->dynamic) {
        const char *name;
        size_t n;
        mc_err err;
        mc_err_clear(&err);
        if (mc_template_eval(s->dynamic, m, &name, &n, &err) != MC_OK)
            return mc_fault(m, "0", "store messageStore: %s", err.msg);
        d = mc_config_store(m->cfg, name);
    }
    if (!d || !d->store)
        return mc_fault(m, "0", "Message Store does not exist.");
    mc_stored_msg *copy = mc_stored_msg_of(m);
    if (!copy || mc_msg_store_put(d->store, copy) != MC_OK) {
        char msg[200];
        snprintf(msg, sizeof msg, "Failed to store message [%s] in store [%s].", m->message_id,
                 d->name);
        mc_msg_set_status(m, 500);
        mc_msg_set_fault(m, "0", msg, "Failed to store message.");
        return MC_FLOW_FAULT;
    }
    mc_msg_log(m, MC_LOG_DEBUG, "stored message %s in message store %s", m->message_id,
               d->name);
    return MC_FLOW_NEXT;
}

static mc_flow exec_run_on_store(const mc_mediator *self, mc_message *m)
{
    const mc_seq *seq = ((const step_m *)self)->owner->on_store;
    if (!seq)
        return MC_FLOW_NEXT; /* the sequence was not found at load (warned) */
    if (mc_msg_push_frame(m, seq, seq->on_error, 0) != MC_OK)
        return mc_fault(m, "0", "sequences nested too deeply (more than 256)");
    return MC_FLOW_NEXT;
}

static mc_flow exec_commit(const mc_mediator *self, mc_message *m)
{
    return commit(((const step_m *)self)->owner, m);
}

static const mc_mediator_type run_on_store = {"store", NULL, exec_run_on_store, NULL, false};
static const mc_mediator_type commit_step = {"store", NULL, exec_commit, NULL, false};

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"messageStore", "sequence", "name", "description",
                                        NULL};
    mc_check_attrs(cc, node, attrs);
    const char *name = mc_attr(cc, node, "messageStore");
    if (!name || !*name) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "<store> needs a 'messageStore' naming the message store");
        return NULL;
    }
    store_m *s = mc_new_mediator(cc, node, &mc_med_store, sizeof *s);
    if (!s)
        return NULL;
    s->name = name;
    size_t len = strlen(name);
    if (name[0] == '{' && name[len - 1] == '}') {
        if (!(s->dynamic = mc_compile_template(cc, node, "messageStore", name)))
            return NULL;
    } else {
        mc_ref_store(cc, node, "messageStore", name, &s->store, "<store>", MC_DIAG_WARNING);
    }
    const char *seq = mc_attr(cc, node, "sequence");
    if (seq && *seq) {
        mc_ref_sequence(cc, node, "sequence", seq, &s->on_store);
        step_m *steps = mc_alloc(cc, 2 * sizeof *steps);
        s->steps.items = mc_alloc(cc, 2 * sizeof *s->steps.items);
        steps[0] = (step_m){{&run_on_store, s->base.file, s->base.line, s->base.col}, s};
        steps[1] = (step_m){{&commit_step, s->base.file, s->base.line, s->base.col}, s};
        s->steps.items[0] = &steps[0].base;
        s->steps.items[1] = &steps[1].base;
        s->steps.n = 2;
        s->steps.file = s->base.file;
        s->steps.line = s->base.line;
        s->steps.col = s->base.col;
    }
    return &s->base;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const store_m *s = (const store_m *)self;
    if (!s->steps.n)
        return commit(s, m);
    if (mc_msg_push_frame(m, &s->steps, NULL, 0) != MC_OK)
        return mc_fault(m, "0", "sequences nested too deeply (more than 256)");
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_store = {"store", compile, exec, NULL, false};

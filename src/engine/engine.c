/* engine.c - the interpreter loop (see engine.h). */
#include "engine/engine.h"

#include <string.h>

static void clear_frames(mc_message *m) { m->nframes = 0; }

mc_code mc_engine_start(mc_message *m, const mc_seq *seq, const mc_seq *out_seq,
                        const mc_seq *fault_seq)
{
    clear_frames(m);
    m->responded = m->dropped = m->faulted = false;
    m->loopback = m->in_out_sequence = false;
    m->out_seq = out_seq;
    m->out = NULL;
    m->in = NULL;
    m->suspended_at = NULL;
    m->steps = 0;
    const mc_seq *handler = seq->on_error ? seq->on_error : fault_seq;
    if (!handler && m->cfg)
        handler = m->cfg->fault_seq != seq ? m->cfg->fault_seq : NULL;
    return mc_msg_push_frame(m, seq, handler, 0);
}

/* Move control to the nearest fault handler.  False when there is none. */
static bool unwind_to_handler(mc_message *m)
{
    for (uint32_t k = m->nframes; k-- > 0;) {
        const mc_seq *handler = m->frames[k].on_error;
        if (!handler)
            continue;
        /* the next handler out, for faults inside this one */
        const void *outer = NULL;
        for (uint32_t j = k; j-- > 0;)
            if (m->frames[j].on_error && m->frames[j].on_error != handler) {
                outer = m->frames[j].on_error;
                break;
            }
        clear_frames(m);
        mc_msg_log(m, MC_LOG_DEBUG, "fault %s: running fault sequence %s",
                   mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_CODE"),
                   handler->name ? handler->name : "(inline)");
        return mc_msg_push_frame(m, handler, outer, MC_FRAME_FAULT_HANDLER) == MC_OK;
    }
    return false;
}

static mc_code fault(mc_message *m)
{
    if (!mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_CODE"))
        mc_msg_set_fault(m, "0", "fault", NULL);
    if (unwind_to_handler(m))
        return MC_OK;
    clear_frames(m);
    m->faulted = true;
    return MC_EFAULT;
}

/* Apply a mediator's answer.  Returns MC_OK to keep running, or the code
 * that ends this run (a pseudo code MC_CODE_COUNT means "flow complete"). */
#define FLOW_DONE MC_CODE_COUNT

static mc_code apply(mc_message *m, const mc_mediator *med, mc_flow flow)
{
    switch (flow) {
    case MC_FLOW_NEXT:
        return MC_OK;
    case MC_FLOW_SUSPEND:
        m->suspended_at = med;
        return MC_ESUSPENDED;
    case MC_FLOW_FAULT:
        return fault(m);
    case MC_FLOW_STOP:
        clear_frames(m);
        if (m->loopback) {
            m->loopback = false;
            const mc_seq *out = m->out_seq;
            if (out && !m->in_out_sequence) {
                m->in_out_sequence = true;
                return mc_msg_push_frame(m, out, out->on_error, 0);
            }
            m->responded = true;
        }
        return FLOW_DONE;
    }
    return MC_EINVAL;
}

mc_code mc_engine_run(mc_message *m)
{
    while (m->nframes > 0) {
        mc_frame *f = &m->frames[m->nframes - 1];
        const mc_seq *seq = f->seq;
        if (f->pc >= seq->n) {
            if (f->flags & MC_FRAME_FUNC_SCOPE)
                m->props[MC_SCOPE_FUNC] = f->saved_func;
            m->nframes--;
            continue;
        }
        const mc_mediator *med = seq->items[f->pc++];
        if (++m->steps > MC_MAX_STEPS) {
            mc_msg_set_fault(m, "0", "flow executed more than 1000000 mediators; stopped", NULL);
            m->faulted = true;
            clear_frames(m);
            return MC_EFAULT;
        }
        mc_code rc = apply(m, med, med->type->exec(med, m));
        if (rc == FLOW_DONE)
            return MC_OK;
        if (rc == MC_ESTATE) {
            mc_msg_set_fault(m, "0", "sequences nested more than 256 deep", NULL);
            rc = fault(m);
        }
        if (rc != MC_OK)
            return rc;
    }
    return MC_OK;
}

mc_code mc_engine_resume(mc_message *m)
{
    const mc_mediator *med = m->suspended_at;
    if (!med || !med->type->resume)
        return MC_ESTATE;
    m->suspended_at = NULL;
    mc_code rc = apply(m, med, med->type->resume(med, m));
    if (rc == FLOW_DONE)
        return MC_OK;
    if (rc != MC_OK)
        return rc;
    return mc_engine_run(m);
}

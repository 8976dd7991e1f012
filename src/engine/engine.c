/* engine.c - the interpreter loop (see engine.h): one message's frames,
 * its pending requests, its faults.  Child messages are family.c's. */
#include "engine/engine.h"

#include <string.h>

#include "engine/internal.h"

static void clear_frames(mc_message *m) { m->nframes = 0; }

mc_code mc_engine_start(mc_message *m, const mc_seq *seq, const mc_seq *out_seq,
                        const mc_seq *fault_seq)
{
    if (m->family)
        mc_family_free(m);
    clear_frames(m);
    m->responded = m->dropped = m->faulted = false;
    m->loopback = m->in_out_sequence = false;
    m->out_seq = out_seq;
    m->out = NULL;
    m->in = NULL;
    m->suspended_at = NULL;
    m->npending = 0;
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

mc_code mc_engine_fault(mc_message *m)
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
 * that ends this run (MC_FLOW_DONE_CODE means "flow complete"). */
static mc_code apply(mc_message *m, const mc_mediator *med, mc_flow flow)
{
    mc_code rc;
    switch (flow) {
    case MC_FLOW_NEXT:
        return MC_OK;
    case MC_FLOW_SUSPEND:
        m->suspended_at = med;
        if (m->out && !mc_engine_add_request(m, m->out, med)) {
            m->suspended_at = NULL;
            mc_msg_set_fault(m, "0", "out of memory", NULL);
            return mc_engine_fault(m);
        }
        if (m->npending == 0) {   /* suspended on nothing: a mediator bug */
            m->suspended_at = NULL;
            mc_msg_set_fault(m, "0", "mediator suspended without a request", NULL);
            return mc_engine_fault(m);
        }
        return MC_ESUSPENDED;
    case MC_FLOW_FAULT:
        return mc_engine_fault(m);
    case MC_FLOW_SPLIT:
    case MC_FLOW_GATHER:
        rc = flow == MC_FLOW_SPLIT ? mc_family_split(m, med) : mc_family_gather(m, med);
        if (rc == MC_FLOW_DONE_CODE)
            clear_frames(m);
        else if (rc == MC_EFAULT)
            return mc_engine_fault(m);
        return rc;
    case MC_FLOW_STOP:
        for (uint32_t k = m->nframes; k-- > 0;)
            if (m->frames[k].flags & MC_FRAME_LOOP) {   /* ends the loop's pass */
                m->nframes = k;
                m->loop_broken = true;
                return MC_OK;
            }
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
        return MC_FLOW_DONE_CODE;
    }
    return MC_EINVAL;
}

/* A child's frame that ends the child (see MC_FRAME_SPLIT_TARGET and
 * MC_FRAME_GATHER): true when the flow ends here. */
static bool ends_child(mc_message *m, const mc_frame *f)
{
    if (f->flags & MC_FRAME_GATHER)
        return true;
    return (f->flags & MC_FRAME_SPLIT_TARGET) && m->child && !mc_family_child_resumed(m);
}

mc_code mc_engine_run_frames(mc_message *m)
{
    while (m->nframes > 0) {
        mc_frame *f = &m->frames[m->nframes - 1];
        const mc_seq *seq = f->seq;
        if (f->pc >= seq->n) {
            if (f->flags & MC_FRAME_FUNC_SCOPE)
                m->props[MC_SCOPE_FUNC] = f->saved_func;
            if (ends_child(m, f)) {
                mc_family_child_ended(m, f->flags);
                clear_frames(m);
                return MC_OK;
            }
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
        if (rc == MC_FLOW_DONE_CODE)
            return MC_OK;
        if (rc == MC_ESTATE) {
            mc_msg_set_fault(m, "0", "sequences nested more than 256 deep", NULL);
            rc = mc_engine_fault(m);
        }
        if (rc != MC_OK)
            return rc;
    }
    return MC_OK;
}

mc_code mc_engine_run(mc_message *m)
{
    mc_code rc = mc_engine_run_frames(m);
    return m->family ? mc_family_after_run(m, rc) : rc;
}

/* ---- pending I/O -------------------------------------------------------- */

mc_pending *mc_engine_add_pending(mc_message *m, mc_outbound *req, const void *waiter)
{
    if (m->npending == m->cappending) {
        uint32_t cap = m->cappending ? m->cappending * 2 : 4;
        mc_pending **list = mc_arena_alloc(&m->arena, cap * sizeof *list);
        if (!list)
            return NULL;
        if (m->npending)
            memcpy(list, m->pending, m->npending * sizeof *list);
        m->pending = list;
        m->cappending = cap;
    }
    mc_pending *p = mc_arena_alloc(&m->arena, sizeof *p);
    if (!p)
        return NULL;
    *p = (mc_pending){.req = req, .waiter = waiter, .id = ++m->next_pending_id};
    m->pending[m->npending++] = p;
    return p;
}

mc_pending *mc_engine_add_request(mc_message *m, mc_outbound *req, const void *waiter)
{
    if (mc_msg_outbound_add_activity_id(m, req) != MC_OK)
        return NULL;
    return mc_engine_add_pending(m, req, waiter);
}

mc_pending *mc_engine_next_request(mc_message *m)
{
    for (uint32_t i = 0; i < m->npending; i++)
        if (!m->pending[i]->taken) {
            m->pending[i]->taken = true;
            return m->pending[i];
        }
    return NULL;
}

mc_code mc_engine_answer(mc_message *m, uint32_t id, mc_inbound *in)
{
    for (uint32_t i = 0; i < m->npending; i++) {
        mc_pending *p = m->pending[i];
        if (p->id != id)
            continue;
        if (p->answer)
            return MC_ESTATE;
        p->answer = in;
        p->answered = ++m->answers_given;
        return MC_OK;
    }
    return MC_ENOTFOUND;
}

size_t mc_engine_outstanding(const mc_message *m)
{
    size_t n = 0;
    for (uint32_t i = 0; i < m->npending; i++)
        n += !m->pending[i]->answer;
    return n;
}

mc_pending *const *mc_engine_answers(const mc_message *m, const void *waiter, size_t *n)
{
    /* a waiter's requests are contiguous: it adds them in one step */
    uint32_t i = 0;
    while (i < m->npending && m->pending[i]->waiter != waiter)
        i++;
    uint32_t j = i;
    while (j < m->npending && m->pending[j]->waiter == waiter)
        j++;
    *n = j - i;
    return j > i ? &m->pending[i] : NULL;
}

bool mc_engine_waiter_ready(const mc_message *m, const void *waiter)
{
    size_t n;
    mc_pending *const *p = mc_engine_answers(m, waiter, &n);
    for (size_t i = 0; i < n; i++)
        if (!p[i]->answer)
            return false;
    return n > 0;
}

/* Forget the waiter's requests once it has consumed its answers. */
static void drop_waiter(mc_message *m, const void *waiter)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->npending; i++)
        if (m->pending[i]->waiter != waiter)
            m->pending[k++] = m->pending[i];
    m->npending = k;
}

static mc_code continue_with(mc_message *m, const mc_mediator *med, mc_flow flow)
{
    mc_code rc = apply(m, med, flow);
    if (rc == MC_FLOW_DONE_CODE)
        return MC_OK;
    if (rc != MC_OK)
        return rc;
    return mc_engine_run_frames(m);
}

mc_code mc_engine_resume_frames(mc_message *m)
{
    const mc_mediator *med = m->suspended_at;
    if (!med || !med->type->resume)
        return MC_ESTATE;
    if (m->in) {                    /* the one-request form: m->in answers it */
        size_t n;
        mc_pending *const *p = mc_engine_answers(m, med, &n);
        if (n == 1 && !p[0]->answer)
            p[0]->answer = m->in;
    }
    if (!mc_engine_waiter_ready(m, med))
        return MC_ESUSPENDED;
    size_t n;
    mc_pending *const *p = mc_engine_answers(m, med, &n);
    m->out = p[0]->req;
    m->in = p[0]->answer;
    m->suspended_at = NULL;
    mc_flow flow = med->type->resume(med, m);
    drop_waiter(m, med);
    m->in = NULL;
    return continue_with(m, med, flow);
}

mc_code mc_engine_unpark(mc_message *m)
{
    const mc_mediator *med = m->suspended_at;
    if (!med || !med->type->resume)
        return MC_ESTATE;
    m->suspended_at = NULL;
    m->in = NULL;
    return continue_with(m, med, med->type->resume(med, m));
}

mc_code mc_engine_resume(mc_message *m)
{
    if (m->family)
        return mc_family_resume(m);
    return mc_engine_resume_frames(m);
}

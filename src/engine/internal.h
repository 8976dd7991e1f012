/* internal.h - what engine.c (one message's frames) and family.c (child
 * messages) share. */
#ifndef MC_ENGINE_INTERNAL_H
#define MC_ENGINE_INTERNAL_H

#include "engine/engine.h"

/* A run's pseudo code for "this message's flow is complete". */
#define MC_FLOW_DONE_CODE MC_CODE_COUNT

/* Run m's frames until its flow ends (MC_OK), it waits (MC_ESUSPENDED) or
 * faults unhandled (MC_EFAULT).  Child messages are not run here. */
mc_code mc_engine_run_frames(mc_message *m);
/* Continue m's suspended mediator with the answers in m's own pending
 * list (all of them present), then its frames. */
mc_code mc_engine_resume_frames(mc_message *m);
/* Continue m's parked mediator (its gathering completed), then its frames. */
mc_code mc_engine_unpark(mc_message *m);
/* Raise the fault set on m: unwind to a handler (MC_OK) or end (MC_EFAULT). */
mc_code mc_engine_fault(mc_message *m);
/* Add req to m's pending list for waiter, without touching the request. */
mc_pending *mc_engine_add_pending(mc_message *m, mc_outbound *req, const void *waiter);

/* family.c: the engine's side of MC_FLOW_SPLIT and MC_FLOW_GATHER, called
 * from a run of m; they return MC_OK (go on), MC_FLOW_DONE_CODE (m's flow
 * ends), MC_ESUSPENDED (m waits for its children) or a fault's code. */
mc_code mc_family_split(mc_message *m, const mc_mediator *med);
mc_code mc_family_gather(mc_message *m, const mc_mediator *med);
/* mc_engine_run / mc_engine_resume of a top message that has children. */
mc_code mc_family_after_run(mc_message *top, mc_code rc);
mc_code mc_family_resume(mc_message *top);
/* Forget the children (mc_engine_start of a message that had some). */
void mc_family_free(mc_message *top);
/* A child: has it waited for I/O since its split?  (A target that ends
 * before ends the child; after, the child goes on with its parent's flow.) */
bool mc_family_child_resumed(const mc_message *m);
/* A child's flow ended at the end of a frame with these MC_FRAME_* flags. */
void mc_family_child_ended(mc_message *m, uint32_t flags);
/* Are all of waiter's requests in m's list answered? */
bool mc_engine_waiter_ready(const mc_message *m, const void *waiter);

#endif

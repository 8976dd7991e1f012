/* engine.h - the interpreter: runs a message through compiled sequences
 * with an explicit frame stack kept in the message, so a mediator can
 * suspend the message for I/O and the host can resume it later.  Faults
 * unwind to the nearest onError / fault sequence. */
#ifndef MC_ENGINE_H
#define MC_ENGINE_H

#include "config/config.h"
#include "msg/msg.h"

/* Upper bound on mediators executed for one message (loop guard). */
#define MC_MAX_STEPS 1000000u

/* Prepare m to run seq.  out_seq runs after loopback/send; fault_seq
 * handles faults that nothing closer handles (may be NULL). */
mc_code mc_engine_start(mc_message *m, const mc_seq *seq, const mc_seq *out_seq,
                        const mc_seq *fault_seq);

/* Run until the flow ends (MC_OK: see m->responded / m->dropped), waits for
 * I/O (MC_ESUSPENDED: m->out holds the request), or ends in an unhandled
 * fault (MC_EFAULT: ERROR_CODE/ERROR_MESSAGE are set). */
mc_code mc_engine_run(mc_message *m);

/* ---- pending I/O ------------------------------------------------------
 *
 * A mediator that needs I/O sets m->out and returns MC_FLOW_SUSPEND (one
 * request), or adds several with mc_engine_add_request() and then returns
 * MC_FLOW_SUSPEND with m->out NULL.  The run then returns MC_ESUSPENDED and
 * the message holds a list of pending requests, each with its own id.
 * The host:
 *   1. takes every new request: mc_engine_next_request() until NULL;
 *   2. sends them, concurrently if it likes;
 *   3. hands each answer back with mc_engine_answer(), in any order;
 *   4. calls mc_engine_resume(), which continues every waiter whose
 *      requests are all answered and returns MC_ESUSPENDED while requests
 *      are still outstanding (new ones may have been added: step 1 again).
 * A host that sends one request at a time may instead store the answer in
 * m->in and call mc_engine_resume().
 * A waiter with one request finds its answer in m->in (and the request in
 * m->out) when its resume runs; a waiter with several reads them from
 * mc_engine_answers().  Child messages (clone/iterate) add their requests
 * to the top-level message's list with themselves as waiter, so one host
 * loop serves every request of a message. */

/* Add a request waited for by waiter (a mediator).  NULL when out of
 * memory.  req must live in the message's arena. */
mc_pending *mc_engine_add_request(mc_message *m, mc_outbound *req, const void *waiter);
/* The next request the host has not taken yet (marked taken), or NULL. */
mc_pending *mc_engine_next_request(mc_message *m);
/* Store the answer of request id.  MC_ENOTFOUND for an unknown id,
 * MC_ESTATE when it was answered already.  in must live in the arena. */
mc_code mc_engine_answer(mc_message *m, uint32_t id, mc_inbound *in);
/* Requests still without an answer. */
size_t mc_engine_outstanding(const mc_message *m);
/* The requests (with their answers) of the waiter being resumed. */
mc_pending *const *mc_engine_answers(const mc_message *m, const void *waiter, size_t *n);

/* Continue every waiter whose requests are all answered (see above). */
mc_code mc_engine_resume(mc_message *m);

/* ---- child messages ---------------------------------------------------
 *
 * iterate, clone, foreach and scatter-gather run child messages inside the
 * message the host runs (the top message), on the same machinery: each
 * child has its own frames and arena; its requests join the top message's
 * pending list, so the host loop above serves them all and hands every
 * answer to the top message; mc_engine_resume continues whichever child it
 * belongs to.  The run returns MC_ESUSPENDED while any child still runs.
 * The caller's answer is the first one given, by the top message or by any
 * child (respond, send back, an aggregation's onComplete); a fault of the
 * top message that nothing handles is an answer too.  When everything has
 * ended, the top message holds that answer (MC_OK with m->responded, or
 * MC_EFAULT).  A host may answer earlier, as soon as mc_engine_decided()
 * says so, and keep driving the message until it ends: children that are
 * still running (a clone's other targets, late answers after an
 * aggregation's timeout) then finish in the background.  An aggregation's
 * completion timeout cuts the requests of the children it waits for, so a
 * host without timers of its own still completes it on time; a host with
 * timers may also resume the message at mc_engine_deadline(). */

/* Has the caller's answer been decided while children still run?  Then *rc
 * is MC_OK (answer with mc_engine_answerer(m)) or MC_EFAULT (m faulted). */
bool mc_engine_decided(const mc_message *m, mc_code *rc);
/* The message whose answer is the caller's: m, or the child that answered. */
mc_message *mc_engine_answerer(mc_message *m);
/* CLOCK_MONOTONIC milliseconds by which an aggregation's timeout falls due
 * (0: none). */
long long mc_engine_deadline(const mc_message *m);

#endif

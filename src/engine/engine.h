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

/* After the host stored the answer in m->in: continue the message. */
mc_code mc_engine_resume(mc_message *m);

#endif

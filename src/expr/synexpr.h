/* synexpr.h - the path subset of WSO2 MI 4.4 Synapse Expressions:
 *   ${payload}, ${payload.a.b[0]}, ${vars.name}, ${vars.name.payload.x},
 *   ${headers.Name}, ${headers["Content-Type"]},
 *   ${properties.name}, ${properties.synapse.name}, ${properties.axis2.name},
 *   ${params.queryParams.q}, ${params.uriParams.id}, ${params.functionParams.p}
 * Operators, functions and conditionals are refused at load with a clear
 * message rather than half-supported. */
#ifndef MC_SYNEXPR_H
#define MC_SYNEXPR_H

#include "json/json.h"
#include "msg/msg.h"
#include "util/buf.h"
#include "util/error.h"

typedef struct mc_synexpr mc_synexpr;

/* src is the whole "${...}" text. */
mc_synexpr *mc_synexpr_compile(const char *src, mc_err *err);
void mc_synexpr_free(mc_synexpr *x);
/* Append the value's text (a scalar's text, JSON text for objects and
 * arrays; nothing when absent). */
void mc_synexpr_eval(const mc_synexpr *x, mc_message *m, mc_buf *out);

#endif

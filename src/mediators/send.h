/* send.h - sending through an endpoint, shared by <call>, <send> and
 * <callout> (call.c): start a request (the leaf chosen by dispatch.c),
 * then, when the host has answered it, learn the outcome — a failure may
 * send again to another leaf of a failover or load-balance group. */
#ifndef MC_MEDIATORS_SEND_H
#define MC_MEDIATORS_SEND_H

#include "config/endpoint.h"
#include "config/config.h"

/* A body of the caller's instead of the message payload (data NULL: the
 * payload, with the other fields still applied). */
typedef struct mc_send_body {
    const char *data;
    size_t len;
    const char *content_type;
    const char *soap_action;   /* SOAPAction header, or NULL */
    bool no_postfix;           /* never append REST_URL_POSTFIX (callout) */
} mc_send_body;

typedef enum mc_send_outcome {
    MC_SENT_OK,       /* m->in holds the answer */
    MC_SENT_AGAIN,    /* sent to another leaf: return MC_FLOW_SUSPEND */
    MC_SENT_FAULT,    /* ERROR_* set: return MC_FLOW_FAULT */
    MC_SENT_DISCARD,  /* responseAction discard: the message ends silently */
} mc_send_outcome;

/* Choose a leaf of ep and set m->out.  MC_FLOW_SUSPEND or MC_FLOW_FAULT. */
mc_flow mc_send_start(mc_message *m, const mc_endpoint *ep, const mc_send_body *body);
/* In the mediator's resume: what became of the request. */
mc_send_outcome mc_send_answered(mc_message *m);
/* Make the answer (m->in) the message's payload, transport headers and
 * HTTP status, as <call> does. */
void mc_send_take_answer(mc_message *m);

#endif

/* msgio.h - the one conversion between a message's requests and answers
 * (mc_outbound, mc_inbound) and the HTTP client's. */
#ifndef MC_HTTP_MSGIO_H
#define MC_HTTP_MSGIO_H

#include "http/client.h"
#include "msg/msg.h"

/* The client request for a message's request (pointing into it). */
mc_http_request mc_http_request_of(const mc_outbound *out);
/* The response (or transport fault) as the message's: the body taken
 * from r (r->body is left empty; the message's arena frees it when the
 * message ends), the headers too when they are one block (lean.c's; r is
 * left without headers), else copied into the arena.  NULL when out of
 * memory. */
mc_inbound *mc_http_inbound(mc_message *m, mc_http_response *r);
/* A transport fault that never reached the wire (e.g. a request the
 * client refused); fault_code 0 means 101500. */
mc_inbound *mc_http_inbound_fault(mc_message *m, int fault_code, const char *error);

#endif

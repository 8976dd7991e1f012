/* scheduler.h - the host's background work (scheduler.c): message
 * processors and scheduled tasks of the current deployment on one
 * event-loop thread with timers; started with the listener, stopped
 * cleanly (what is in flight is cut) before it drains. */
#ifndef MC_HOST_SCHEDULER_H
#define MC_HOST_SCHEDULER_H

#include <stdbool.h>

#include "host/host.h"
#include "http/server.h"

typedef struct mc_scheduler mc_scheduler;

/* Start the loop for h (upstream requests on a client made with client's
 * options, NULL: defaults; inbound endpoints with base's bind address and
 * limits).  NULL with err set on failure. */
mc_scheduler *mc_scheduler_start(mc_host *h, const mc_server_options *base,
                                 const mc_http_options *client, mc_err *err);
/* Stop the loop, cut messages in flight, drain the inbound endpoints for
 * up to drain_ms, release the deployment. */
void mc_scheduler_stop(mc_scheduler *s, long drain_ms);
/* The port inbound endpoint name listens on (0: none). */
int mc_scheduler_inbound_port(mc_scheduler *s, const char *name);
/* A processor of the current deployment: its state (true when found). */
bool mc_scheduler_processor_state(mc_scheduler *s, const char *name, bool *active);
/* Activate or deactivate it (true when found). */
bool mc_scheduler_set_processor(mc_scheduler *s, const char *name, bool active);

#endif

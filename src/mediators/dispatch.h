/* dispatch.h - sending a message through an endpoint tree, as Synapse
 * does: choose a leaf (failover: the first ready child; loadbalance: round
 * robin, weighted or not), keep each endpoint's state (active, timed out,
 * suspended) from the outcome, and after a failure pick another leaf when
 * a failover or load-balance group above allows it.  The request to send
 * and the answer are the caller's (call.c); this file only decides where.
 * Callers keep an mc_ep_dispatch per message (in its arena). */
#ifndef MC_MEDIATORS_DISPATCH_H
#define MC_MEDIATORS_DISPATCH_H

#include <stdint.h>

#include "config/endpoint.h"
#include "msg/msg.h"

#define MC_EP_MAX_DEPTH 16    /* groups nested inside groups */
#define MC_EP_MAX_TRIES 64    /* leaves tried for one message */

typedef struct mc_ep_dispatch {
    const mc_endpoint *root;
    const mc_endpoint *leaf;                  /* where the request goes */
    const mc_endpoint *path[MC_EP_MAX_DEPTH]; /* groups above the leaf */
    uint32_t depth;
    const mc_endpoint *skip[MC_EP_MAX_TRIES]; /* failed but still active */
    uint32_t nskip;
    uint32_t tries;                           /* leaves sent to */
} mc_ep_dispatch;

/* Monotonic clock in ms (the time base of mc_ep_state). */
int64_t mc_ep_now_ms(void);

/* Follow key, template and key-expression references to a definition.
 * NULL with a fault set on m when one does not resolve. */
const mc_endpoint *mc_ep_resolve(mc_message *m, const mc_endpoint *ep);

/* Is ep usable now (a leaf: active, or its suspension/retry delay over;
 * a group: some child is)? */
bool mc_ep_ready(mc_message *m, const mc_endpoint *ep, int64_t now);

/* Choose the first leaf for d->root.  False with ERROR_CODE and
 * ERROR_MESSAGE set on m (303000 none ready in a group, 303001 the root
 * leaf is suspended, ...). */
bool mc_ep_first(mc_message *m, mc_ep_dispatch *d);

/* The leaf answered: mark it active again. */
void mc_ep_succeeded(const mc_endpoint *leaf);

/* The leaf failed with Synapse error code `code` (ERROR_CODE and
 * ERROR_MESSAGE already set on m): update its state, then choose another
 * leaf where a failover or load-balance group allows it.  True with
 * d->leaf set when there is one to send to; false when the failure stands
 * (m's ERROR_* describe it). */
bool mc_ep_failed(mc_message *m, mc_ep_dispatch *d, int code);

/* State transitions, exposed for tests. */
void mc_ep_state_fault(const mc_endpoint *leaf, int code, int64_t now);
const char *mc_ep_state_name(const mc_endpoint *leaf);

#endif

/* upwatch.h - a worker's epoll watching its HTTP client's sockets
 * (client.h's watch mode): registered level-triggered and lazily, so a
 * kept-alive upstream connection costs no epoll_ctl per request. */
#ifndef MC_HTTP_UPWATCH_H
#define MC_HTTP_UPWATCH_H

#include <stdint.h>

#include "http/client.h"

/* epoll data of the worker's own wake-up descriptor, and the tag on the
 * client's sockets (UP_TAG | fd; no user-space pointer has bit 63). */
#define WAKE_TAG ((uint64_t)1)
#define UP_TAG ((uint64_t)1 << 63)

typedef struct mc_upwatch {
    int ep;                        /* the worker's epoll */
    mc_http_client *client;
    struct upsock *ups;            /* by descriptor */
    int nups;
} mc_upwatch;

/* The client's watch callback (mc_http_set_watch(client, this, w)). */
void mc_upwatch_on_watch(void *ud, int fd, int events);
/* An epoll event on the client's socket fd: passes what the client
 * awaits to mc_http_socket_ready, disarms what it no longer does. */
void mc_upwatch_event(mc_upwatch *w, int fd, uint32_t events);
/* After the client is freed (its sockets closed). */
void mc_upwatch_free(mc_upwatch *w);

#endif

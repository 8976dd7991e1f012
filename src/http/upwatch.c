/* upwatch.c - the upstream HTTP client's sockets on a worker's epoll.
 *
 * The worker's epoll set holds, besides the connections (data.ptr = conn), the
 * listening socket (NULL), the wake-up eventfd (WAKE_TAG) and the HTTP
 * client's sockets (UP_TAG | fd).  A client socket is registered
 * level-triggered (curl may leave bytes for a later call) and lazily: what
 * curl stops waiting for stays armed until it actually fires, so a
 * keep-alive connection that goes back to the pool and serves the next
 * request costs no epoll_ctl at all.  Only connection sockets (announced
 * opened, and closed through the client) stay armed that way; any other
 * socket of the client's (libcurl's resolver wake-up pair) is taken out as
 * soon as nothing waits on it, since it may be closed unannounced and its
 * number come back as a new socket. */
#include "http/upwatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

typedef struct upsock {
    bool tracked;                  /* a connection socket: its close is announced */
    bool registered;
    uint8_t armed;                 /* MC_HTTP_WATCH_* bits in the epoll set */
    uint8_t wanted;                /* what the client waits for now */
} upsock;

static uint32_t epoll_bits(int watch)
{
    return ((watch & MC_HTTP_WATCH_IN) ? EPOLLIN : 0u) |
           ((watch & MC_HTTP_WATCH_OUT) ? EPOLLOUT : 0u);
}

/* Register, re-arm or (mask 0) take out a client socket. */
static void upsock_arm(mc_upwatch *w, int fd, upsock *u, uint8_t mask)
{
    struct epoll_event ev = {.events = epoll_bits(mask), .data.u64 = UP_TAG | (uint64_t)fd};
    if (!mask) {
        if (u->registered)
            epoll_ctl(w->ep, EPOLL_CTL_DEL, fd, NULL);  /* fails if closed: fine */
        u->registered = false;
        u->armed = 0;
        return;
    }
    int rc = epoll_ctl(w->ep, u->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
    if (rc != 0 && u->registered && errno == ENOENT)     /* closed behind our back */
        rc = epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev);
    else if (rc != 0 && !u->registered && errno == EEXIST)
        rc = epoll_ctl(w->ep, EPOLL_CTL_MOD, fd, &ev);
    if (rc == 0) {
        u->registered = true;
        u->armed = mask;
    }
}

void mc_upwatch_on_watch(void *ud, int fd, int events)
{
    mc_upwatch *w = ud;
    if (fd < 0)
        return;
    if (fd >= w->nups) {
        if (events & MC_HTTP_WATCH_CLOSED || !events)
            return;                /* never seen */
        int n = w->nups ? w->nups : 64;
        while (n <= fd)
            n *= 2;
        upsock *p = realloc(w->ups, (size_t)n * sizeof *p);
        if (!p)
            return;                /* the transfer times out (504 / 101504) */
        memset(p + w->nups, 0, (size_t)(n - w->nups) * sizeof *p);
        w->ups = p;
        w->nups = n;
    }
    upsock *u = &w->ups[fd];
    if (events & (MC_HTTP_WATCH_CLOSED | MC_HTTP_WATCH_OPENED)) {
        /* closing takes it out of the epoll set; a new socket is in none */
        *u = (upsock){.tracked = (events & MC_HTTP_WATCH_OPENED) != 0};
        return;
    }
    u->wanted = (uint8_t)events;
    if (u->wanted & ~u->armed)
        upsock_arm(w, fd, u, u->wanted);
    else if (!u->wanted && !u->tracked)
        upsock_arm(w, fd, u, 0);   /* may close unannounced: out now */
}

void mc_upwatch_event(mc_upwatch *w, int fd, uint32_t events)
{
    if (fd < 0 || fd >= w->nups || !w->ups[fd].registered)
        return;                    /* closed earlier in this pass */
    upsock *u = &w->ups[fd];
    int got = ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ? MC_HTTP_WATCH_IN : 0) |
              ((events & EPOLLOUT) ? MC_HTTP_WATCH_OUT : 0);
    int pass = got & u->wanted;
    if (u->wanted && events & (EPOLLHUP | EPOLLERR))
        pass |= u->wanted | MC_HTTP_WATCH_ERR;
    if (got & ~u->wanted)
        upsock_arm(w, fd, u, u->wanted);   /* level-triggered: stop what is not awaited */
    if (pass)
        mc_http_socket_ready(w->client, fd, pass);
}

void mc_upwatch_free(mc_upwatch *w)
{
    free(w->ups);
    w->ups = NULL;
    w->nups = 0;
}

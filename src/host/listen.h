/* listen.h - serving a host on mediac's own HTTP server: the traffic
 * port (worker event loops) and the admin port. */
#ifndef MC_HOST_LISTEN_H
#define MC_HOST_LISTEN_H

#include "host/host.h"
#include "http/server.h"

typedef struct mc_listener mc_listener;

typedef struct mc_listener_options {
    mc_server_options server;     /* handler, done, userdata and client are set here */
    int admin_port;               /* 0: a free port */
    int https_port;               /* with server.tls_cert/tls_key: HTTPS on this
                                     port (0: a free one) beside plain HTTP on
                                     server.port, as MI serves 8253 beside 8290;
                                     < 0: server.port itself serves HTTPS */
    const char *admin_token;      /* Bearer token asked on the admin port, or NULL */
} mc_listener_options;

/* Bind both ports and start serving h.  NULL with err set on failure. */
mc_listener *mc_listener_start(mc_host *h, const mc_listener_options *o, mc_err *err);
int mc_listener_port(const mc_listener *l);
/* The HTTPS port beside the HTTP one, or -1 (see https_port). */
int mc_listener_https_port(const mc_listener *l);
int mc_listener_admin_port(const mc_listener *l);
int mc_listener_workers(const mc_listener *l);
unsigned mc_listener_inflight(const mc_listener *l);
/* Drain (see mc_server_stop) and close every port; returns the number of
 * requests cut off by the drain timeout. */
unsigned mc_listener_stop(mc_listener *l, long drain_ms);

#endif

/* tls.h - TLS for the server's listener (OpenSSL): a server context from
 * a certificate chain and a key, and non-blocking reads and writes on a
 * connection's TLS session.  ALPN chooses "h2" when the client offers it
 * and HTTP/2 is on, else "http/1.1". */
#ifndef MC_HTTP_TLS_H
#define MC_HTTP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

typedef struct mc_tls_server mc_tls_server;
typedef struct mc_tls_conn mc_tls_conn;

/* Load the PEM certificate chain and private key (TLS 1.2 and newer);
 * http2: ALPN may choose "h2".  NULL with err set when they do not load
 * or do not match. */
mc_tls_server *mc_tls_server_new(const char *cert_file, const char *key_file, bool http2,
                                 mc_err *err);
void mc_tls_server_free(mc_tls_server *t);

/* A server-side session on a connected non-blocking socket (the handshake
 * happens in the first reads and writes). */
mc_tls_conn *mc_tls_conn_new(mc_tls_server *t, int fd);
void mc_tls_conn_free(mc_tls_conn *c);

/* Like recv()/send(): > 0 bytes, 0 at the end of the stream (recv only),
 * -1 with errno EAGAIN when the socket is not ready (*want_write: it waits
 * to write, for the handshake), -1 with another errno on failure. */
ssize_t mc_tls_recv(mc_tls_conn *c, void *buf, size_t n, bool *want_write);
ssize_t mc_tls_send(mc_tls_conn *c, const void *buf, size_t n, bool *want_read);
/* Send close_notify (best effort, never blocks). */
void mc_tls_shutdown(mc_tls_conn *c);

#endif

/* tls.c - the server's TLS (see tls.h), on OpenSSL's libssl. */
#include "http/tls.h"

#include <errno.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

struct mc_tls_server {
    SSL_CTX *ctx;
};

struct mc_tls_conn {
    SSL *ssl;
};

/* In the server's order of preference (SSL_select_next_proto keeps it) */
static const unsigned char alpn_h2[] = "\x02h2\x08http/1.1";
static const unsigned char alpn_http11[] = "\x08http/1.1";

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned inlen, void *arg)
{
    (void)ssl;
    bool h2 = arg != NULL;
    const unsigned char *ours = h2 ? alpn_h2 : alpn_http11;
    unsigned ourlen = h2 ? sizeof alpn_h2 - 1 : sizeof alpn_http11 - 1;
    unsigned char *sel;
    if (SSL_select_next_proto(&sel, outlen, ours, ourlen, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

static void ssl_error(mc_err *err, const char *what, const char *file)
{
    char buf[200] = "";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    mc_err_set(err, MC_ECONFIG, "%s %s: %s", what, file, *buf ? buf : "failed");
}

mc_tls_server *mc_tls_server_new(const char *cert_file, const char *key_file, bool http2,
                                 mc_err *err)
{
    mc_tls_server *t = calloc(1, sizeof *t);
    if (!t || !(t->ctx = SSL_CTX_new(TLS_server_method()))) {
        free(t);
        mc_err_set(err, MC_ENOMEM, "cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_alpn_select_cb(t->ctx, select_alpn, http2 ? (void *)alpn_h2 : NULL);
    if (SSL_CTX_use_certificate_chain_file(t->ctx, cert_file) != 1) {
        ssl_error(err, "cannot load the TLS certificate", cert_file);
    } else if (SSL_CTX_use_PrivateKey_file(t->ctx, key_file, SSL_FILETYPE_PEM) != 1) {
        if (ERR_GET_REASON(ERR_peek_error()) == X509_R_KEY_VALUES_MISMATCH) {
            ERR_clear_error();
            mc_err_set(err, MC_ECONFIG, "the TLS key %s does not match the certificate %s",
                       key_file, cert_file);
        } else {
            ssl_error(err, "cannot load the TLS key", key_file);
        }
    } else if (SSL_CTX_check_private_key(t->ctx) != 1) {
        ssl_error(err, "the TLS key does not match the certificate in", cert_file);
    } else {
        return t;
    }
    mc_tls_server_free(t);
    return NULL;
}

void mc_tls_server_free(mc_tls_server *t)
{
    if (!t)
        return;
    SSL_CTX_free(t->ctx);
    free(t);
}

mc_tls_conn *mc_tls_conn_new(mc_tls_server *t, int fd)
{
    mc_tls_conn *c = calloc(1, sizeof *c);
    if (!c || !(c->ssl = SSL_new(t->ctx)) || SSL_set_fd(c->ssl, fd) != 1) {
        if (c)
            SSL_free(c->ssl);
        free(c);
        return NULL;
    }
    SSL_set_accept_state(c->ssl);
    return c;
}

void mc_tls_conn_free(mc_tls_conn *c)
{
    if (!c)
        return;
    SSL_free(c->ssl);
    free(c);
}

/* Map an SSL result to the recv()/send() convention. */
static ssize_t result(mc_tls_conn *c, int n, bool *want_other, bool reading)
{
    if (n > 0)
        return n;
    int e = SSL_get_error(c->ssl, n);
    *want_other = false;
    switch (e) {
    case SSL_ERROR_WANT_READ:
        *want_other = !reading;
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_WANT_WRITE:
        *want_other = reading;
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        if (reading && errno == 0)
            return 0;              /* the peer closed without close_notify */
        if (errno == 0)
            errno = ECONNRESET;
        return -1;
    default:
        ERR_clear_error();         /* a handshake or protocol failure */
        errno = EPROTO;
        return -1;
    }
}

ssize_t mc_tls_recv(mc_tls_conn *c, void *buf, size_t n, bool *want_write)
{
    errno = 0;
    int k = SSL_read(c->ssl, buf, n > 0x7fffffff ? 0x7fffffff : (int)n);
    return result(c, k, want_write, true);
}

ssize_t mc_tls_send(mc_tls_conn *c, const void *buf, size_t n, bool *want_read)
{
    errno = 0;
    int k = SSL_write(c->ssl, buf, n > 0x7fffffff ? 0x7fffffff : (int)n);
    return result(c, k, want_read, false);
}

void mc_tls_shutdown(mc_tls_conn *c)
{
    if (SSL_is_init_finished(c->ssl))
        SSL_shutdown(c->ssl);
    ERR_clear_error();
}

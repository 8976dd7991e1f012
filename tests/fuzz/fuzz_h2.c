/* fuzz_h2.c - libFuzzer target for the server's HTTP/2 frame path
 * (src/http/h2.c): the input, after the connection preface, is fed to an
 * HTTP/2 connection in pieces whose sizes come from its first byte; the
 * frames the server writes are dropped (a connection without a socket).
 * The handler answers some requests at once (echoing the body, with the
 * request's headers copied into the answer) and keeps the others, which
 * it answers after the connection is gone, as a flow still running when
 * the client leaves does.  Checks that every request handed over has a
 * method and a path, that its body stays within --max-body, and (under
 * ASan) that nothing is leaked or used after it is freed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/server_internal.h"

#define MAX_KEPT 64

static mc_server_req *kept[MAX_KEPT];
static size_t nkept;
static unsigned answer_mask;
static unsigned seen;

static void handler(void *ud, mc_server_req *r)
{
    (void)ud;
    size_t len, nh;
    const char *body = mc_server_req_body(r, &len);
    const mc_http_header *h = mc_server_req_headers(r, &nh);
    if (!mc_server_req_method(r) || !mc_server_req_path(r) || len > 4096)
        abort();
    for (size_t i = 0; i < nh; i++)
        if (!h[i].name || !h[i].value)
            abort();
    if ((answer_mask >> (seen++ % 8)) & 1 || nkept == MAX_KEPT)
        mc_server_respond(r, 200 + (int)(len % 7), h, nh, body, len);
    else
        kept[nkept++] = r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static mc_server srv;
    static worker w;
    memset(&srv, 0, sizeof srv);
    memset(&w, 0, sizeof w);
    srv.o = (mc_server_options){.max_body = 4096, .max_header = 2048, .idle_timeout_s = 60,
                                .request_timeout_ms = 60000, .max_concurrent = 8,
                                .max_connections = 10, .handler = handler};
    w.s = &srv;
    w.ep = -1;
    conn *c = calloc(1, sizeof *c);
    if (!c)
        return 0;
    c->w = &w;
    c->fd = -1;
    c->state = S_HEAD;
    c->writable = true;
    answer_mask = data[0];
    seen = 0;
    nkept = 0;
    size_t step = (size_t)(data[0] % 61) + 1;
    data++, size--;
    if (!mc_h2_begin(c)) {
        free(c);
        return 0;
    }
    bool ok = mc_h2_feed(c, (const uint8_t *)MC_H2_PREFACE, MC_H2_PREFACE_LEN);
    for (size_t pos = 0; ok && pos < size; pos += step) {
        size_t n = size - pos < step ? size - pos : step;
        ok = mc_h2_feed(c, data + pos, n);
        step = step * 5 % 97 + 1;
    }
    /* a flow that answers after the client left */
    if (c->h2)
        mc_h2_free(c);
    for (size_t i = 0; i < nkept; i++)
        mc_server_respond(kept[i], 200, NULL, 0, "late", 4);
    free(c->in);
    free(c);
    if (atomic_load(&srv.inflight) != 0 || w.pend_head)
        abort();                   /* every admitted request let go of its slot */
    return 0;
}

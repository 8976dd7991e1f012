/* eventstream.c - decoding (and, for tests, encoding) AWS's event-stream
 * framing; CRC32 from zlib. */
#include "connector/eventstream.h"

#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "util/buf.h"

#define PRELUDE 12
#define TRAILER 4
#define MAX_HEADERS_BYTES (128u * 1024)

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t crc(const unsigned char *p, size_t n)
{
    return (uint32_t)crc32(0L, p, (uInt)n);
}

/* Fixed value sizes by type; -1: a 2-byte length follows; -2: unknown. */
static int value_size(unsigned type)
{
    static const int sizes[] = {0, 0, 1, 2, 4, 8, -1, -1, 8, 16};
    return type < sizeof sizes / sizeof sizes[0] ? sizes[type] : -2;
}

static bool name_is(const unsigned char *n, size_t nl, const char *want)
{
    return nl == strlen(want) && memcmp(n, want, nl) == 0;
}

static mc_code parse_headers(const unsigned char *h, size_t hl, mc_event *ev, size_t at,
                             mc_err *err)
{
    size_t i = 0;
    while (i < hl) {
        size_t nl = h[i++];
        if (nl == 0 || i + nl + 1 > hl)
            return mc_err_set(err, MC_EPARSE, "event stream: header name runs past the "
                              "headers at offset %zu", at + i);
        const unsigned char *name = h + i;
        i += nl;
        unsigned type = h[i++];
        int size = value_size(type);
        size_t vl;
        if (size == -2)
            return mc_err_set(err, MC_EPARSE, "event stream: unknown header type %u at "
                              "offset %zu", type, at + i - 1);
        if (size == -1) {
            if (i + 2 > hl)
                return mc_err_set(err, MC_EPARSE, "event stream: header value length past "
                                  "the headers at offset %zu", at + i);
            vl = (size_t)h[i] << 8 | h[i + 1];
            i += 2;
        } else {
            vl = (size_t)size;
        }
        if (i + vl > hl)
            return mc_err_set(err, MC_EPARSE, "event stream: header value past the headers "
                              "at offset %zu", at + i);
        const char *v = (const char *)h + i;
        if (type == 7) {
            if (name_is(name, nl, ":message-type"))
                ev->message_type = v, ev->message_type_len = vl;
            else if (name_is(name, nl, ":event-type") || name_is(name, nl, ":exception-type"))
                ev->event_type = v, ev->event_type_len = vl;
            else if (name_is(name, nl, ":error-code"))
                ev->error_code = v, ev->error_code_len = vl;
            else if (name_is(name, nl, ":error-message"))
                ev->error_message = v, ev->error_message_len = vl;
        }
        i += vl;
    }
    return MC_OK;
}

mc_code mc_eventstream_decode(const char *data, size_t len, mc_event_fn fn, void *ud,
                              mc_err *err)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t at = 0;
    while (at < len) {
        if (len - at < PRELUDE + TRAILER)
            return mc_err_set(err, MC_EPARSE, "event stream: %zu trailing bytes at offset %zu "
                              "are not a message", len - at, at);
        uint32_t total = be32(p + at), hl = be32(p + at + 4);
        if (total < PRELUDE + TRAILER || total > MC_EVENTSTREAM_MAX_MESSAGE ||
            total > len - at)
            return mc_err_set(err, MC_EPARSE, "event stream: message length %u at offset %zu "
                              "is out of bounds", total, at);
        if (hl > MAX_HEADERS_BYTES || hl > total - PRELUDE - TRAILER)
            return mc_err_set(err, MC_EPARSE, "event stream: headers length %u at offset %zu "
                              "is out of bounds", hl, at);
        if (crc(p + at, 8) != be32(p + at + 8))
            return mc_err_set(err, MC_EPARSE, "event stream: prelude CRC mismatch at offset "
                              "%zu", at);
        if (crc(p + at, total - TRAILER) != be32(p + at + total - TRAILER))
            return mc_err_set(err, MC_EPARSE, "event stream: message CRC mismatch at offset "
                              "%zu", at);
        mc_event ev = {0};
        mc_code rc = parse_headers(p + at + PRELUDE, hl, &ev, at + PRELUDE, err);
        if (rc != MC_OK)
            return rc;
        ev.payload = data + at + PRELUDE + hl;
        ev.payload_len = total - PRELUDE - hl - TRAILER;
        if (!fn(ud, &ev))
            return MC_OK;
        at += total;
    }
    return MC_OK;
}

static void put32(mc_buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    mc_buf_append(b, x, 4);
}

void mc_eventstream_encode(mc_buf *out, const char *const *headers, const char *payload,
                           size_t payload_len)
{
    mc_buf h = MC_BUF_INIT;
    for (size_t i = 0; headers && headers[i] && headers[i + 1]; i += 2) {
        size_t nl = strlen(headers[i]), vl = strlen(headers[i + 1]);
        unsigned char meta[3] = {(unsigned char)nl, 7, 0};
        mc_buf_append(&h, meta, 1);
        mc_buf_append(&h, headers[i], nl);
        mc_buf_append(&h, meta + 1, 1);
        unsigned char len2[2] = {(unsigned char)(vl >> 8), (unsigned char)vl};
        mc_buf_append(&h, len2, 2);
        mc_buf_append(&h, headers[i + 1], vl);
    }
    size_t start = out->len;
    uint32_t total = (uint32_t)(PRELUDE + h.len + payload_len + TRAILER);
    put32(out, total);
    put32(out, (uint32_t)h.len);
    put32(out, crc((const unsigned char *)out->data + start, 8));
    mc_buf_append(out, h.data, h.len);
    mc_buf_append(out, payload, payload_len);
    put32(out, crc((const unsigned char *)out->data + start, out->len - start));
    mc_buf_free(&h);
}

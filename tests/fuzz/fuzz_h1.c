/* fuzz_h1.c - libFuzzer target for the server's request framing
 * (src/http/h1.c): the head parser on the whole input under three head
 * limits, then, after a complete head, the chunked decoder over the rest
 * fed in pieces whose sizes come from the input.  Checks that every
 * string the parser returns lies inside the input, that the decoder never
 * reports more data than it consumed, and that a refusal always carries
 * one of the documented statuses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/h1.h"

static void inside(const char *buf, size_t len, mc_h1_str s)
{
    if (s.p && !(s.n == 1 && s.p[0] == '/') && (s.p < buf || s.p + s.n > buf + len))
        abort();
}

static void chunked(char *buf, size_t len, uint8_t seed)
{
    mc_h1_chunked c = {0};
    size_t step = (size_t)(seed % 17) + 1, have = 0, pos = 0;
    char *work = malloc(len + 1);
    if (!work)
        return;
    while (pos < len) {
        size_t n = len - pos < step ? len - pos : step;
        memcpy(work + have, buf + pos, n);
        have += n;
        pos += n;
        size_t used = 0, data = 0;
        const char *msg = NULL;
        mc_h1_result r = mc_h1_chunked_decode(&c, work, have, 256, &used, &data, &msg);
        if (used > have || data > used)
            abort();
        if (r == MC_H1_ERROR && !msg)
            abort();
        if (r != MC_H1_MORE)
            break;
        memmove(work, work + used, have - used);
        have -= used;
        step = step * 3 % 31 + 1;
    }
    free(work);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t limits[] = {64, 1024, 8192};
    static mc_h1_head h;
    const char *buf = (const char *)data;
    for (size_t k = 0; k < 3; k++) {
        size_t used = 0;
        int status = 0;
        const char *msg = NULL;
        mc_h1_result r = mc_h1_parse_head(buf, size, limits[k], &h, &used, &status, &msg);
        if (r == MC_H1_ERROR) {
            if (!msg || (status != 400 && status != 414 && status != 431 && status != 501 &&
                         status != 505))
                abort();
            continue;
        }
        if (r == MC_H1_MORE)
            continue;
        if (used > size || used > limits[k] + limits[k] + 2 || h.nheaders > MC_H1_MAX_HEADERS)
            abort();
        inside(buf, size, h.method);
        inside(buf, size, h.target);
        inside(buf, size, h.path);
        inside(buf, size, h.query);
        for (size_t i = 0; i < h.nheaders; i++) {
            inside(buf, size, h.names[i]);
            inside(buf, size, h.values[i]);
            if (!mc_h1_token(h.names[i].p, h.names[i].n))
                abort();
        }
        if (h.chunked && h.has_length)
            abort();
        if (k == 2 && h.chunked && size > used) {
            char *rest = malloc(size - used);
            if (!rest)
                return 0;
            memcpy(rest, buf + used, size - used);
            chunked(rest, size - used, data[0]);
            free(rest);
        }
    }
    return 0;
}

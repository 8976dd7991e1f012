/* fuzz_h1resp.c - libFuzzer target for the upstream client's response
 * framing (src/http/h1resp.c, then h1.c's chunked decoder as lean.c uses
 * it): the head parser on the whole input under three head limits, as an
 * answer to GET and to HEAD; every field it yields must lie inside the
 * head and their count match nfields; after a complete chunked head the
 * rest is decoded in pieces whose sizes come from the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/h1.h"
#include "http/h1resp.h"

static void check_fields(const mc_h1_resp *r, const char *buf)
{
    size_t pos = 0, n = 0;
    mc_h1_str name, value;
    while (mc_h1_resp_next_field(r, &pos, &name, &value)) {
        if (name.p < buf || name.p + name.n > buf + r->head_len || !name.n)
            abort();
        if (value.p < buf || value.p + value.n > buf + r->head_len)
            abort();
        if (memchr(name.p, ':', name.n) || memchr(value.p, '\n', value.n))
            abort();
        n++;
    }
    if (n != r->nfields || pos > r->fields_len)
        abort();
}

static void dechunk(char *rest, size_t len, uint8_t seed)
{
    mc_h1_chunked c = {0};
    size_t step = (size_t)(seed % 13) + 1, have = 0, pos = 0;
    char *work = malloc(len + 1);
    if (!work)
        return;
    while (pos < len) {
        size_t n = len - pos < step ? len - pos : step;
        memcpy(work + have, rest + pos, n);
        have += n;
        pos += n;
        size_t used = 0, data = 0;
        const char *msg = NULL;
        mc_h1_result r = mc_h1_chunked_decode(&c, work, have, 1024, &used, &data, &msg);
        if (used > have || data > used || (r == MC_H1_ERROR && !msg))
            abort();
        if (r != MC_H1_MORE)
            break;
        memmove(work, work + used, have - used);
        have -= used;
    }
    free(work);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t limits[] = {64, 1024, 102400};
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    for (int i = 0; i < 6; i++) {
        memcpy(buf, data, size);
        buf[size] = '\0';
        mc_h1_resp r;
        const char *why = NULL;
        mc_h1_result res = mc_h1_parse_response(buf, size, limits[i % 3], i >= 3, &r, &why);
        if (res == MC_H1_ERROR && !why)
            abort();
        if (res != MC_H1_DONE)
            continue;
        if (r.head_len > size || r.head_len > limits[i % 3] || r.status < 100 || r.status > 999)
            abort();
        if (r.fields < buf || r.fields + r.fields_len > buf + r.head_len)
            abort();
        if (i >= 3 && r.body != MC_H1_BODY_NONE)
            abort();
        check_fields(&r, buf);
        if (r.body == MC_H1_BODY_CHUNKED && i == 2)
            dechunk(buf + r.head_len, size - r.head_len, size ? data[0] : 0);
    }
    free(buf);
    return 0;
}

/* fuzz_eventstream.c - libFuzzer target: the hand-written readers of AWS
 * formats in the connector layer.  The first byte picks one:
 *   0: an event-stream body (mc_eventstream_decode): every event's fields
 *      must lie inside the input; the same payload re-encoded as one
 *      message must decode to itself;
 *   1: a timestamp (mc_aws_time_parse): a parsed one printed as ISO 8601
 *      must parse again to the same instant;
 *   2: a shape-checked parameter value (mc_cparam_check) against a list of
 *      strings, a map of strings and a structure with a required member. */
#include <stdio.h>

#include "fuzz_common.h"
#include "aws/timestamp.h"
#include "connector/eventstream.h"
#include "connector/shape.h"

static const char *base;
static size_t base_len;

static void inside(const char *p, size_t n)
{
    if (n && (p < base || p + n > base + base_len)) {
        fprintf(stderr, "event field outside the input\n");
        abort();
    }
}

static bool on_event(void *ud, const mc_event *ev)
{
    (void)ud;
    inside(ev->message_type, ev->message_type_len);
    inside(ev->event_type, ev->event_type_len);
    inside(ev->error_code, ev->error_code_len);
    inside(ev->error_message, ev->error_message_len);
    inside(ev->payload, ev->payload_len);
    return true;
}

static bool same_payload(void *ud, const mc_event *ev)
{
    const mc_buf *want = ud;
    if (ev->payload_len != want->len || memcmp(ev->payload, want->data, want->len) != 0 ||
        ev->event_type_len != 12 || memcmp(ev->event_type, "PayloadChunk", 12) != 0) {
        fprintf(stderr, "re-encoded message decodes differently\n");
        abort();
    }
    return true;
}

static void eventstream(const char *d, size_t n)
{
    base = d;
    base_len = n;
    mc_err err = {0};
    mc_eventstream_decode(d, n, on_event, NULL, &err);
    mc_buf payload = MC_BUF_INIT, msg = MC_BUF_INIT;
    mc_buf_append(&payload, d, n > 4096 ? 4096 : n);
    static const char *const hdrs[] = {":message-type", "event", ":event-type", "PayloadChunk",
                                       NULL};
    mc_eventstream_encode(&msg, hdrs, payload.data ? payload.data : "", payload.len);
    if (mc_eventstream_decode(msg.data, msg.len, same_payload, &payload, &err) != MC_OK) {
        fprintf(stderr, "re-encoded message does not decode: %s\n", err.msg);
        abort();
    }
    mc_buf_free(&payload);
    mc_buf_free(&msg);
}

static void timestamp(const char *d, size_t n)
{
    int64_t sec, sec2;
    int32_t usec, usec2;
    if (!mc_aws_time_parse(d, n, &sec, &usec) || sec < 0 || sec > 253402300799LL)
        return;
    mc_buf b = MC_BUF_INIT;
    mc_aws_time_iso8601(&b, sec, usec);
    if (!mc_aws_time_parse(b.data, b.len, &sec2, &usec2) || sec2 != sec || usec2 != usec) {
        fprintf(stderr, "timestamp does not round-trip: %s\n", mc_buf_cstr(&b));
        abort();
    }
    mc_buf_free(&b);
}

static void shapes(const char *d, size_t n)
{
    static const mc_cshape str = {.name = "S", .kind = MC_SK_STRING, .has_min = true, .min = 1,
                                  .has_max = true, .max = 8};
    static const char *const en[] = {"A", "B"};
    static const mc_cshape num = {.name = "N", .kind = MC_SK_INTEGER, .has_min = true, .min = 1,
                                  .has_max = true, .max = 100};
    static const mc_cshape e = {.name = "E", .kind = MC_SK_STRING, .enums = en, .nenums = 2};
    static const mc_cshape list = {.name = "L", .kind = MC_SK_LIST, .member = &str,
                                   .has_max = true, .max = 4};
    static const mc_cshape map = {.name = "M", .kind = MC_SK_MAP, .key = &str, .value = &str};
    static const mc_cmember members[] = {{"Name", &str, true}, {"Size", &num, false},
                                         {"Kind", &e, false}, {"Tags", &map, false},
                                         {"Items", &list, false}};
    static const mc_cshape st = {.name = "T", .kind = MC_SK_STRUCTURE, .members = members,
                                 .nmembers = 5};
    const mc_cparam ps[] = {
        {.name = "l", .type = MC_CPT_LIST, .shape = &list},
        {.name = "m", .type = MC_CPT_OBJECT, .shape = &map},
        {.name = "t", .type = MC_CPT_OBJECT, .shape = &st},
        {.name = "s", .type = MC_CPT_STRING, .shape = &e},
        {.name = "n", .type = MC_CPT_INTEGER, .shape = &num},
    };
    for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) {
        mc_err err = {0};
        if (!mc_cparam_check(&ps[i], d, n, &err) && !err.msg[0]) {
            fprintf(stderr, "a refused value without a message\n");
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *d = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 3) {
    case 0: eventstream(d, n); break;
    case 1: timestamp(d, n); break;
    default: shapes(d, n); break;
    }
    return 0;
}

/* fuzz_json.c - libFuzzer target: JSON payload handling.  The input is a
 * payload; it is parsed, checked with mc_json_valid (the two must agree),
 * written back (the output must parse and write back identically), and
 * set as a message payload and serialised as JSON and as XML, the way the
 * server answers with it. */
#include <stdio.h>

#include "fuzz_common.h"
#include "json/json.h"
#include "msg/msg.h"

static void check_round_trip(mc_arena *ar, mc_json v)
{
    mc_buf a = {0}, b = {0};
    mc_json_write(&a, v);
    mc_err err = {0};
    mc_json again = mc_json_parse(ar, mc_buf_cstr(&a), a.len, &err);
    if (!again) {
        fprintf(stderr, "written JSON does not parse: %s\n", err.msg);
        abort();
    }
    mc_json_write(&b, again);
    if (a.len != b.len || memcmp(mc_buf_cstr(&a), mc_buf_cstr(&b), a.len) != 0) {
        fprintf(stderr, "write(parse(write(v))) != write(v)\n");
        abort();
    }
    mc_buf_free(&a);
    mc_buf_free(&b);
}

static void as_payload(const char *data, size_t size)
{
    mc_message *m = mc_msg_new(NULL, fz_logger());
    if (!m)
        return;
    mc_err err = {0};
    if (mc_msg_set_payload(m, data, size, "application/json", &err) == MC_OK) {
        size_t n;
        mc_msg_payload_bytes(m, &n);
        mc_msg_json(m);
        mc_msg_payload_root(m);
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", "application/xml");
        mc_msg_payload_bytes(m, &n);
    }
    mc_msg_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    mc_err err = {0};
    mc_arena ar;
    mc_arena_init(&ar, 1024);
    mc_json v = mc_json_parse(&ar, text, size, &err);
    bool valid = mc_json_valid(text, size);
    if ((v != NULL) != valid) {
        fprintf(stderr, "parse %s but valid() says %d\n", v ? "ok" : err.msg, valid);
        abort();
    }
    if (v) {
        check_round_trip(&ar, v);
        mc_buf t = {0};
        mc_json_text(&t, v);
        mc_buf_free(&t);
    }
    mc_arena_free(&ar);
    as_payload(text, size);
    return 0;
}

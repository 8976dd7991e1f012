/* shape.c - unit tests of the client-side rules (mc_cparam_check against
 * the shapes of the real amazonlambda descriptors), the timestamp forms,
 * the event-stream framing, and the answer-side features of the runtime:
 * a binary answer kept as bytes (and base64 in a responseVariable), pages
 * merged, an event stream decoded, the standard retry mode resending the
 * same request. */
#include "harness.h"

#include "aws/timestamp.h"
#include "connector/eventstream.h"
#include "connector/shape.h"

static const mc_cparam *param(harness *h, const char *op, const char *name)
{
    const mc_connector *c = mc_connector_find(h->cs, "amazonlambda", 12);
    const mc_coperation *o = mc_connector_op(c, op);
    assert_non_null(o);
    const mc_cparam *p = mc_cparam_find(o->params, o->nparams, name);
    assert_non_null(p);
    return p;
}

static void refused(const mc_cparam *p, const char *v, const char *why)
{
    mc_err err = {0};
    if (mc_cparam_check(p, v, strlen(v), &err))
        fail_msg("%s: '%s' accepted", p->name, v);
    if (!strstr(err.msg, why))
        fail_msg("%s: '%s' lacks '%s'", p->name, err.msg, why);
}

static void accepted(const mc_cparam *p, const char *v)
{
    mc_err err = {0};
    if (!mc_cparam_check(p, v, strlen(v), &err))
        fail_msg("%s: '%s' refused: %s", p->name, v, err.msg);
}

static void test_rules(void **state)
{
    (void)state;
    harness *h = h_new();
    const mc_cparam *mem = param(h, "createFunction", "memorySize");
    refused(mem, "64", "64 is below the minimum 128");
    refused(mem, "99999", "99999 is above the maximum 32768");
    refused(mem, "1.5", "is not an integer");
    accepted(mem, "128");
    const mc_cparam *env = param(h, "createFunction", "environmentVariables");
    refused(env, "{\"STAGE\":3}", "'STAGE': must be a string, not a number");
    refused(env, "{\"STAGE\":null}", "'STAGE': must be a string, not null");
    refused(env, "[\"x\"]", "is not a JSON object");
    accepted(env, "{\"STAGE\":\"prod\",\"EMPTY\":\"\"}");
    const mc_cparam *tags = param(h, "createFunction", "tags");
    refused(tags, "{\"team\":{\"a\":1}}", "'team': must be a string, not an object");
    const mc_cparam *w = param(h, "createAlias", "aliasAdditionalVersionWeights");
    refused(w, "{\"2\":\"0.5\"}", "'2': must be a number, not a string");
    refused(w, "{\"2\":1.5}", "'2': 1.5 is above the maximum 1");
    accepted(w, "{\"2\":0.25}");
    const mc_cparam *layers = param(h, "createFunction", "layers");
    accepted(layers, "arn:aws:lambda:us-east-1:1:layer:a:1, arn:aws:lambda:us-east-1:1:layer:b:2");
    refused(layers, "[1]", "[0]: must be a string, not a number");
    const mc_cparam *arch = param(h, "createFunction", "architectures");
    refused(arch, "[\"x86_64\",\"arm64\"]", "number of items 2 is above the maximum length 1");
    refused(arch, "[\"sparc\"]", "'sparc' is not one of the allowed values: x86_64, arm64");
    const mc_cparam *vpc = param(h, "updateFunctionConfiguration", "vpcConfig");
    refused(vpc, "{\"SubnetIds\":[\"s\"],\"Nope\":1}", "unknown member 'Nope'; the members are "
                                                       "SubnetIds, SecurityGroupIds");
    refused(vpc, "{\"SubnetIds\":\"s\"}", "SubnetIds: must be a JSON array, not a string");
    const mc_cparam *fs = param(h, "createFunction", "fileSystemConfigs");
    refused(fs, "[{\"Arn\":\"arn:x\"}]", "[0]: required member 'LocalMountPath' is missing");
    const mc_cparam *max = param(h, "listFunctions", "maxItems");
    refused(max, "0", "0 is below the minimum 1");
    const mc_cparam *inv = param(h, "invoke", "x-amz-invocation-type");
    refused(inv, "Sometimes", "is not one of the allowed values: Event, RequestResponse, DryRun");
    const mc_cparam *fn = param(h, "invoke", "functionName");
    char longname[300];
    memset(longname, 'f', 257);
    longname[257] = '\0';
    refused(fn, longname, "length 257 is above the maximum length 256");
    accepted(fn, "\xc3\xa9t\xc3\xa9");                  /* characters, not bytes */
    const mc_cparam *when = param(h, "createEventSourceMapping", "startingPositionTimestamp");
    refused(when, "yesterday", "is not a timestamp");
    accepted(when, "2024-05-01T12:00:00+02:00");
    h_free(h);
}

static void test_timestamps(void **state)
{
    (void)state;
    static const struct { const char *in; long long sec; int usec; } ok[] = {
        {"2024-05-01T12:30:00Z", 1714566600, 0},
        {"2024-05-01T14:30:00+02:00", 1714566600, 0},
        {"2024-05-01T12:30:00.250Z", 1714566600, 250000},
        {"2024-05-01", 1714521600, 0},
        {"1714566600", 1714566600, 0},
        {"1714566600.5", 1714566600, 500000},
        {"1970-01-01T00:00:00Z", 0, 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        int64_t s;
        int32_t us;
        assert_true(mc_aws_time_parse(ok[i].in, strlen(ok[i].in), &s, &us));
        assert_int_equal(s, ok[i].sec);
        assert_int_equal(us, ok[i].usec);
    }
    static const char *const bad[] = {"", "2024-13-01", "2024-05-01T25:00:00Z", "soon",
                                      "2024-05-01T12:30:00Zjunk", "1-2-3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t s;
        int32_t us;
        assert_false(mc_aws_time_parse(bad[i], strlen(bad[i]), &s, &us));
    }
    mc_buf b = MC_BUF_INIT;
    mc_aws_time_iso8601(&b, 1714566600, 0);
    assert_string_equal(mc_buf_cstr(&b), "2024-05-01T12:30:00Z");
    mc_buf_reset(&b);
    mc_aws_time_iso8601(&b, 1714566600, 250000);
    assert_string_equal(mc_buf_cstr(&b), "2024-05-01T12:30:00.250000Z");
    mc_buf_free(&b);
}

typedef struct seen {
    char types[8][32];
    char payloads[8][64];
    size_t n;
} seen;

static bool collect(void *ud, const mc_event *ev)
{
    seen *s = ud;
    snprintf(s->types[s->n], 32, "%.*s", (int)ev->event_type_len, ev->event_type);
    snprintf(s->payloads[s->n], 64, "%.*s", (int)ev->payload_len, ev->payload);
    s->n++;
    return true;
}

static void test_eventstream(void **state)
{
    (void)state;
    mc_buf b = MC_BUF_INIT;
    static const char *const chunk[] = {":message-type", "event", ":event-type",
                                        "PayloadChunk", NULL};
    static const char *const done[] = {":message-type", "event", ":event-type",
                                       "InvokeComplete", NULL};
    mc_eventstream_encode(&b, chunk, "hello ", 6);
    mc_eventstream_encode(&b, chunk, "world", 5);
    mc_eventstream_encode(&b, done, "{}", 2);
    seen s = {0};
    mc_err err = {0};
    assert_int_equal(mc_eventstream_decode(b.data, b.len, collect, &s, &err), MC_OK);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.types[2], "InvokeComplete");
    assert_string_equal(s.payloads[0], "hello ");
    assert_string_equal(s.payloads[1], "world");
    /* a flipped payload byte: the message CRC */
    b.data[20] ^= 1;
    memset(&s, 0, sizeof s);
    assert_int_equal(mc_eventstream_decode(b.data, b.len, collect, &s, &err), MC_EPARSE);
    if (!strstr(err.msg, "message CRC mismatch at offset 0"))
        fail_msg("%s", err.msg);
    b.data[20] ^= 1;
    /* truncated: the rest is no message */
    assert_int_equal(mc_eventstream_decode(b.data, b.len - 3, collect, &s, &err), MC_EPARSE);
    /* a length beyond the data */
    b.data[0] = (char)0x7f;
    assert_int_equal(mc_eventstream_decode(b.data, b.len, collect, &s, &err), MC_EPARSE);
    assert_non_null(strstr(err.msg, "out of bounds"));
    mc_buf_free(&b);
}

#define INVOKE INIT_V1 "<amazonlambda.invoke><functionName>f</functionName>" \
                       "<payload>{\"a\":1}</payload></amazonlambda.invoke>"

static void test_binary_answers(void **state)
{
    (void)state;
    harness *h = h_new();
    h_flow(h, INVOKE);
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    static const char bytes[] = "\x89PNG\0\0raw";
    mc_inbound *in = mc_arena_calloc(&h->m->arena, sizeof *in);
    in->status = 200;
    in->body = bytes;
    in->body_len = sizeof bytes - 1;
    h->m->in = in;
    assert_int_equal(mc_engine_resume(h->m), MC_OK);
    size_t n;
    const char *p = mc_msg_payload_bytes(h->m, &n);
    assert_int_equal(n, sizeof bytes - 1);
    assert_memory_equal(p, bytes, n);
    assert_int_equal(h->m->payload.kind, MC_PL_BINARY);
    h_free(h);

    h = h_new();
    h_flow(h, INIT_V1 "<amazonlambda.invoke responseVariable=\"r\"><functionName>f"
                      "</functionName></amazonlambda.invoke>");
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    in = mc_arena_calloc(&h->m->arena, sizeof *in);
    in->status = 200;
    in->body = bytes;
    in->body_len = sizeof bytes - 1;
    h->m->in = in;
    assert_int_equal(mc_engine_resume(h->m), MC_OK);
    const mc_prop *v = mc_msg_get_var(h->m, "r");
    assert_non_null(v);
    assert_non_null(strstr(v->value, "\"payload\":\"iVBORwAAcmF3\""));
    assert_non_null(strstr(v->value, "\"payloadEncoding\":\"base64\""));
    h_free(h);
}

static void test_retry_resends_the_same_request(void **state)
{
    (void)state;
    h_clear_aws_env();
    setenv("AWS_MAX_ATTEMPTS", "3", 1);
    harness *h = h_new_keep_env();
    h_flow(h, INVOKE);
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    const mc_outbound *first = h->m->out;
    static const mc_kv throttled[] = {{"X-Amzn-ErrorType", "TooManyRequestsException"}};
    assert_int_equal(h_answer(h, 429, "{\"message\":\"slow down\"}", throttled, 1), MC_ESUSPENDED);
    assert_ptr_equal(h->m->out, first);             /* the same signed request */
    assert_true(h->m->out->delay_ms >= 0 && h->m->out->delay_ms <= 1000);
    assert_int_equal(h->m->out->max_attempts, 1);   /* the client must not retry too */
    assert_int_equal(h_answer(h, 503, "{}", NULL, 0), MC_ESUSPENDED);
    assert_true(h->m->out->delay_ms <= 2000);
    assert_int_equal(h_answer(h, 503, "{}", NULL, 0), MC_EFAULT);   /* 3 attempts */
    assert_int_equal(mc_msg_status(h->m), 503);
    h_free(h);
    h_clear_aws_env();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_eventstream),
        cmocka_unit_test(test_binary_answers),
        cmocka_unit_test(test_retry_resends_the_same_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

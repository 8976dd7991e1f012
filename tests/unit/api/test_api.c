/* test_api.c - the public non-blocking API of mediac.h, used as a host
 * would use it (only mediac.h is included): start a message, take the
 * requests it waits for, answer them or report a transport failure,
 * resume; and the blocking mc_run_sequence built on the same calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mediac.h"

static const char *flows =
    "<definitions xmlns=\"http://ws.apache.org/ns/synapse\">"
    "<sequence name=\"two\">"
    "  <header name=\"X-Trace\" value=\"t1\" scope=\"transport\"/>"
    "  <call><endpoint><http method=\"post\" uri-template=\"http://127.0.0.1:9/first\"/></endpoint></call>"
    "  <property name=\"first\" expression=\"json-eval($.n)\"/>"
    "  <call><endpoint><address uri=\"http://127.0.0.1:9/second\"/></endpoint></call>"
    "  <property name=\"second\" expression=\"json-eval($.n)\"/>"
    "</sequence>"
    "<sequence name=\"closed\">"
    "  <call><endpoint><address uri=\"http://127.0.0.1:1/x\"/></endpoint></call>"
    "</sequence>"
    "</definitions>";

static int setup(void **state)
{
    mc_engine *e = mc_engine_new();
    assert_int_equal(mc_engine_load_string(e, flows, strlen(flows), "t.xml"), MC_OK);
    mc_engine_set_log(e, MC_LOG_ERROR, NULL, NULL);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    mc_engine_free(*state);
    return 0;
}

static void test_start_answer_resume(void **state)
{
    mc_message *m = mc_message_new(*state);
    mc_message_set_payload(m, "{\"q\":1}", 7, "application/json");
    assert_int_equal(mc_start_sequence(m, "two"), MC_ESUSPENDED);
    assert_int_equal(mc_message_waiting(m), 1);
    mc_request *r = mc_message_next_request(m);
    assert_non_null(r);
    assert_null(mc_message_next_request(m));          /* taken once */
    assert_string_equal(mc_request_method(r), "POST");
    assert_string_equal(mc_request_url(r), "http://127.0.0.1:9/first");
    size_t len;
    const char *body = mc_request_body(r, &len);
    assert_int_equal(len, 7);
    assert_memory_equal(body, "{\"q\":1}", 7);
    int trace = 0;
    for (size_t i = 0; i < mc_request_header_count(r); i++) {
        mc_header h = mc_request_header(r, i);
        trace |= !strcmp(h.name, "X-Trace") && !strcmp(h.value, "t1");
    }
    assert_true(trace);
    assert_true(mc_request_verify_tls(r));
    assert_int_equal(mc_resume(m), MC_ESUSPENDED);     /* nothing answered yet */
    mc_header hs[] = {{"Content-Type", "application/json"}};
    assert_int_equal(mc_request_answer(m, r, 200, hs, 1, "{\"n\":7}", 7), MC_OK);
    assert_int_equal(mc_request_answer(m, r, 200, hs, 1, "{\"n\":8}", 7), MC_ESTATE);
    assert_int_equal(mc_message_waiting(m), 0);
    /* the second call */
    assert_int_equal(mc_resume(m), MC_ESUSPENDED);
    assert_string_equal(mc_message_property(m, "first"), "7");
    mc_request *r2 = mc_message_next_request(m);
    assert_non_null(r2);
    assert_int_not_equal(mc_request_id(r2), mc_request_id(r));
    assert_string_equal(mc_request_url(r2), "http://127.0.0.1:9/second");
    assert_int_equal(mc_request_answer(m, r2, 200, hs, 1, "{\"n\":9}", 7), MC_OK);
    assert_int_equal(mc_resume(m), MC_OK);
    assert_string_equal(mc_message_property(m, "second"), "9");
    assert_int_equal(mc_message_status(m), 200);
    mc_message_free(m);
}

static void test_transport_failure(void **state)
{
    mc_message *m = mc_message_new(*state);
    assert_int_equal(mc_start_sequence(m, "two"), MC_ESUSPENDED);
    mc_request *r = mc_message_next_request(m);
    assert_int_equal(mc_request_fail(m, r, 101504, "timeout after 5 ms"), MC_OK);
    assert_int_equal(mc_resume(m), MC_EFAULT);
    assert_string_equal(mc_message_error_code(m), "101504");
    assert_string_equal(mc_message_error_message(m), "timeout after 5 ms");
    mc_message_free(m);
}

static void test_argument_checks(void **state)
{
    mc_message *m = mc_message_new(*state);
    assert_int_equal(mc_start_sequence(m, "nope"), MC_ENOTFOUND);
    assert_int_equal(mc_start_sequence(NULL, "two"), MC_EINVAL);
    assert_null(mc_message_next_request(m));
    assert_int_equal(mc_resume(m), MC_ESTATE);
    assert_int_equal(mc_resume(NULL), MC_EINVAL);
    mc_message_free(m);
}

static void test_blocking_run_on_top(void **state)
{
    mc_message *m = mc_message_new(*state);
    assert_int_equal(mc_run_sequence(m, "closed"), MC_EFAULT);
    assert_string_equal(mc_message_error_code(m), "101503");
    mc_message_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_answer_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transport_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_argument_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocking_run_on_top, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* response.c - unit tests of response mapping: payload, status and
 * headers, <result> properties, responseVariable / overwriteBody, AWS
 * error mapping with and without a fault handler, transport faults. */
#include "harness.h"

#define INVOKE INIT_V1 "<amazonlambda.invoke><functionName>fn</functionName>" \
                       "<payload>{\"in\":1}</payload></amazonlambda.invoke>"

static const mc_kv invoke_headers[] = {
    {"Content-Type", "application/json"},
    {"X-Amz-Function-Error", "Unhandled"},
    {"X-Amz-Log-Result", "aGVsbG8gbG9n"},  /* "hello log" */
    {"X-Amz-Executed-Version", "$LATEST"},
    {"x-amzn-RequestId", "req-1"},
};
#define NINVOKE (sizeof invoke_headers / sizeof *invoke_headers)

static void test_payload_status_headers_results(void **state)
{
    (void)state;
    harness *h = h_new();
    h_flow(h, "<header name=\"X-Request-Only\" scope=\"transport\" value=\"1\"/>" INVOKE
              "<property name=\"after\" value=\"ran\"/>");
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_int_equal(h_answer(h, 200, "{\"out\":[1,2]}", invoke_headers, NINVOKE), MC_OK);
    assert_string_equal(h_payload(h), "{\"out\":[1,2]}");
    assert_int_equal(mc_msg_status(h->m), 200);
    assert_string_equal(h_prop(h, "after"), "ran");
    assert_string_equal(h_prop(h, "amazonlambda.functionError"), "Unhandled");
    assert_string_equal(h_prop(h, "amazonlambda.logResult"), "hello log");
    assert_string_equal(h_prop(h, "amazonlambda.executedVersion"), "$LATEST");
    assert_string_equal(mc_msg_prop(h->m, MC_SCOPE_TRANSPORT, "x-amzn-requestid"), "req-1");
    assert_null(mc_msg_prop(h->m, MC_SCOPE_TRANSPORT, "X-Request-Only"));
    assert_null(h->m->out);
    assert_false(h->m->fault_response);
    h_free(h);
}

/* <result> headers are found whatever the answer's case; a name that
 * differs in its first byte only ("{" for "X") is another. */
static void test_result_headers_any_case(void **state)
{
    (void)state;
    static const mc_kv mixed[] = {
        {"content-TYPE", "application/json"},
        {"x-amz-FUNCTION-error", "Handled"},
        {"{-Amz-Log-Result", "bm90IG1l"},        /* "not me" */
        {"X-AMZ-EXECUTED-VERSION", "7"},
    };
    harness *h = h_new();
    h_flow(h, INVOKE);
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_int_equal(h_answer(h, 200, "{\"a\":1}", mixed, sizeof mixed / sizeof *mixed),
                     MC_OK);
    assert_string_equal(h_payload(h), "{\"a\":1}");
    assert_string_equal(h_prop(h, "amazonlambda.functionError"), "Handled");
    assert_string_equal(h_prop(h, "amazonlambda.executedVersion"), "7");
    assert_null(h_prop(h, "amazonlambda.logResult"));
    h_free(h);
}

static void test_text_and_empty_bodies(void **state)
{
    (void)state;
    harness *h = h_new();
    h_flow(h, INVOKE);
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_int_equal(h_answer(h, 200, "plain words", NULL, 0), MC_OK);
    assert_string_equal(h_payload(h), "plain words");
    /* headers of an earlier call do not linger as properties */
    assert_null(h_prop(h, "amazonlambda.functionError"));
    h_free(h);

    h = h_new();
    h_flow(h, INIT_V1 "<amazonlambda.deleteFunction><functionName>fn</functionName>"
                      "</amazonlambda.deleteFunction>");
    assert_int_equal(h_run(h, "{\"old\":true}"), MC_ESUSPENDED);
    assert_int_equal(h_answer(h, 204, NULL, NULL, 0), MC_OK);
    assert_string_equal(h_payload(h), "");
    assert_int_equal(mc_msg_status(h->m), 204);
    h_free(h);
}

static void test_response_variable(void **state)
{
    (void)state;
    harness *h = h_new();
    h_flow(h, INIT_V1 "<amazonlambda.getAlias responseVariable=\"alias\">"
                      "<functionName>fn</functionName><aliasName>live</aliasName>"
                      "</amazonlambda.getAlias>");
    assert_int_equal(h_run(h, "{\"keep\":1}"), MC_ESUSPENDED);
    static const mc_kv hs[] = {{"Content-Type", "application/json"}, {"X-Id", "a\"b"}};
    assert_int_equal(h_answer(h, 200, "{\"Name\":\"live\"}", hs, 2), MC_OK);
    const mc_prop *v = mc_msg_get_var(h->m, "alias");
    assert_non_null(v);
    assert_int_equal(v->type, MC_VT_JSON);
    assert_string_equal(v->value, "{\"payload\":{\"Name\":\"live\"},\"headers\":{"
                                  "\"Content-Type\":\"application/json\",\"X-Id\":\"a\\\"b\"},"
                                  "\"attributes\":{\"statusCode\":200}}");
    assert_string_equal(h_payload(h), "{\"keep\":1}");
    assert_int_equal(mc_msg_status(h->m), 0);
    h_free(h);

    /* a 2xx that is not the documented one (moto answers getAlias with 201)
     * is still a success, as for botocore */
    h = h_new();
    h_flow(h, INIT_V1 "<amazonlambda.getAlias><functionName>fn</functionName>"
                      "<aliasName>live</aliasName></amazonlambda.getAlias>");
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_int_equal(h_answer(h, 201, "{\"Name\":\"live\"}", NULL, 0), MC_OK);
    assert_int_equal(mc_msg_status(h->m), 201);
    h_free(h);

    /* overwriteBody (child element, from an expression) replaces the body too;
     * a text answer becomes a JSON string in the variable */
    h = h_new();
    h_flow(h, INIT_V1 "<property name=\"ow\" value=\"true\"/>"
                      "<amazonlambda.getAlias><responseVariable>alias</responseVariable>"
                      "<overwriteBody>{$ctx:ow}</overwriteBody>"
                      "<functionName>fn</functionName><aliasName>live</aliasName>"
                      "</amazonlambda.getAlias>");
    assert_int_equal(h_run(h, "{\"keep\":1}"), MC_ESUSPENDED);
    assert_int_equal(h_answer(h, 200, "not json", NULL, 0), MC_OK);
    v = mc_msg_get_var(h->m, "alias");
    assert_non_null(v);
    assert_string_equal(v->value, "{\"payload\":\"not json\",\"headers\":{},"
                                  "\"attributes\":{\"statusCode\":200}}");
    assert_string_equal(h_payload(h), "not json");
    assert_int_equal(mc_msg_status(h->m), 200);
    h_free(h);

    /* layer operations default overwriteBody to true (descriptor override) */
    h = h_new();
    h_flow(h, INIT_V1 "<amazonlambda.removeLayerVersionPermission responseVariable=\"r\">"
                      "<layerName>l</layerName><layerVersionNumber>1</layerVersionNumber>"
                      "<layerStatementId>s</layerStatementId>"
                      "</amazonlambda.removeLayerVersionPermission>");
    assert_int_equal(h_run(h, "{\"keep\":1}"), MC_ESUSPENDED);
    assert_int_equal(h_answer(h, 204, NULL, NULL, 0), MC_OK);
    assert_non_null(mc_msg_get_var(h->m, "r"));
    assert_int_equal(mc_msg_status(h->m), 204);
    assert_string_equal(h_payload(h), "");
    h_free(h);
}

static const char *const not_found =
    "{\"Type\":\"User\",\"message\":\"Function not found: arn:aws:lambda:fn\"}";

static void test_lambda_error_without_handler(void **state)
{
    (void)state;
    harness *h = h_new();
    h_flow(h, INVOKE "<property name=\"after\" value=\"ran\"/>");
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    static const mc_kv hs[] = {
        {"x-amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/"},
        {"Content-Type", "application/json"}};
    assert_int_equal(h_answer(h, 404, not_found, hs, 2), MC_EFAULT);
    assert_string_equal(h_prop(h, "ERROR_CODE"), "ResourceNotFoundException");
    assert_string_equal(h_prop(h, "ERROR_MESSAGE"), "Function not found: arn:aws:lambda:fn");
    assert_int_equal(mc_msg_status(h->m), 404);
    assert_string_equal(h_payload(h), not_found);
    assert_true(h->m->fault_response);
    assert_null(h_prop(h, "after"));
    h_free(h);

    /* no header: the type comes from the body's __type */
    h = h_new();
    h_flow(h, INVOKE);
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_int_equal(h_answer(h, 400, "{\"__type\":\"com.amazon#InvalidParameterValueException\","
                                      "\"Message\":\"bad value\"}", NULL, 0), MC_EFAULT);
    assert_string_equal(h_prop(h, "ERROR_CODE"), "InvalidParameterValueException");
    assert_string_equal(h_prop(h, "ERROR_MESSAGE"), "bad value");
    h_free(h);

    /* nothing usable: the status is the code */
    h = h_new();
    h_flow(h, INVOKE);
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_int_equal(h_answer(h, 502, "<html>bad gateway</html>", NULL, 0), MC_EFAULT);
    assert_string_equal(h_prop(h, "ERROR_CODE"), "502");
    assert_string_equal(h_prop(h, "ERROR_MESSAGE"), "amazonlambda.invoke: HTTP 502");
    assert_int_equal(mc_msg_status(h->m), 502);
    h_free(h);
}

static void test_lambda_error_runs_fault_handler(void **state)
{
    (void)state;
    harness *h = h_new();
    assert_int_equal(h_load(h,
        "<definitions xmlns=\"http://ws.apache.org/ns/synapse\">"
        "<sequence name=\"onfail\"><property name=\"handled\" expression=\"$ctx:ERROR_CODE\"/>"
        "</sequence>"
        "<sequence name=\"main\" onError=\"onfail\">" INVOKE "</sequence></definitions>"),
        MC_OK);
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    static const mc_kv hs[] = {{"X-Amzn-ErrorType", "TooManyRequestsException"}};
    assert_int_equal(h_answer(h, 429, "{\"message\":\"Rate exceeded\"}", hs, 1), MC_OK);
    assert_string_equal(h_prop(h, "handled"), "TooManyRequestsException");
    h_free(h);
}

static void test_transport_faults(void **state)
{
    (void)state;
    static const int codes[] = {101503, 101504, 101500};
    for (size_t i = 0; i < 3; i++) {
        harness *h = h_new();
        h_flow(h, INVOKE);
        assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
        assert_int_equal(h_transport_fault(h, codes[i], "Connection refused"), MC_EFAULT);
        char want[16];
        snprintf(want, sizeof want, "%d", codes[i]);
        assert_string_equal(h_prop(h, "ERROR_CODE"), want);
        assert_string_equal(h_prop(h, "ERROR_MESSAGE"), "amazonlambda.invoke: Connection refused");
        assert_false(h->m->fault_response);
        assert_null(h->m->out);
        h_free(h);
    }
}

/* The secret key never reaches the log, even at debug level. */
static void test_secrets_not_logged(void **state)
{
    (void)state;
    harness *h = h_new();
    h_flow(h, INVOKE "<log level=\"full\"/>");
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_int_equal(h_answer(h, 200, "{\"echo\":\"" SECRET "\"}", NULL, 0), MC_OK);
    assert_null(strstr(mc_buf_cstr(&h->logged), SECRET));
    h_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_payload_status_headers_results),
        cmocka_unit_test(test_result_headers_any_case),
        cmocka_unit_test(test_text_and_empty_bodies),
        cmocka_unit_test(test_response_variable),
        cmocka_unit_test(test_lambda_error_without_handler),
        cmocka_unit_test(test_lambda_error_runs_fault_handler),
        cmocka_unit_test(test_transport_faults),
        cmocka_unit_test(test_secrets_not_logged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

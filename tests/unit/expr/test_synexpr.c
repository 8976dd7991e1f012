/* test_synexpr.c - the MI 4.4 Synapse Expression paths: payload, vars,
 * headers, properties, params; in templates bare and in braces; and the
 * load-time refusal of what is not a path. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "expr/expr.h"
#include "msg/msg.h"

static mc_message *msg_with_payload(const char *json)
{
    mc_message *m = mc_msg_new(NULL, NULL);
    assert_non_null(m);
    mc_err err = {0};
    assert_int_equal(mc_msg_set_payload(m, json, strlen(json), "application/json", &err), MC_OK);
    return m;
}

static void check(mc_message *m, const char *src, const char *want)
{
    mc_err err = {0};
    mc_expr *e = mc_expr_compile(src, NULL, 0, &err);
    if (!e)
        fail_msg("%s: %s", src, err.msg);
    const char *out;
    size_t n;
    assert_int_equal(mc_expr_string(e, m, &out, &n, &err), MC_OK);
    if (strcmp(out, want) != 0)
        fail_msg("%s gave '%s', wanted '%s'", src, out, want);
    mc_expr_free(e);
}

static void check_template(mc_message *m, const char *text, const char *want)
{
    mc_err err = {0};
    mc_template *t = mc_template_compile(text, NULL, 0, &err);
    if (!t)
        fail_msg("%s: %s", text, err.msg);
    const char *out;
    size_t n;
    assert_int_equal(mc_template_eval(t, m, &out, &n, &err), MC_OK);
    if (strcmp(out, want) != 0)
        fail_msg("%s gave '%s', wanted '%s'", text, out, want);
    mc_template_free(t);
}

static void test_payload_paths(void **state)
{
    (void)state;
    mc_message *m = msg_with_payload("{\"functionName\":\"fn\",\"a\":{\"b\":[1,{\"c\":true}]},\"k y\":\"v\"}");
    check(m, "${payload.functionName}", "fn");
    check(m, "${ payload.a.b[1].c }", "true");
    check(m, "${payload.a.b}", "[1,{\"c\":true}]");
    check(m, "${payload[\"k y\"]}", "v");
    check(m, "${payload.missing}", "");
    check(m, "${payload}", "{\"functionName\":\"fn\",\"a\":{\"b\":[1,{\"c\":true}]},\"k y\":\"v\"}");
    mc_msg_free(m);
}

static void test_vars_headers_properties_params(void **state)
{
    (void)state;
    mc_message *m = msg_with_payload("{}");
    const char *resp = "{\"payload\":{\"Functions\":[{\"FunctionName\":\"f1\"}]},"
                       "\"attributes\":{\"statusCode\":200}}";
    mc_msg_set_var(m, "listed", resp, strlen(resp), MC_VT_JSON);
    mc_msg_set_var(m, "plain", "hello", 5, MC_VT_STRING);
    mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "Content-Type", "application/json");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "region", "eu-west-1");
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "HTTP_SC", "201");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "query.param.limit", "5");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "uri.var.name", "fn-1");
    mc_msg_set_propz(m, MC_SCOPE_FUNC, "functionName", "from-template");
    check(m, "${vars.listed.payload.Functions[0].FunctionName}", "f1");
    check(m, "${vars.listed.attributes.statusCode}", "200");
    check(m, "${vars.plain}", "hello");
    check(m, "${vars.nothing}", "");
    check(m, "${headers[\"Content-Type\"]}", "application/json");
    check(m, "${headers.content-type}", "application/json");
    check(m, "${properties.region}", "eu-west-1");
    check(m, "${props.synapse.region}", "eu-west-1");
    check(m, "${properties.axis2.HTTP_SC}", "201");
    check(m, "${params.queryParams.limit}", "5");
    check(m, "${params.uriParams.name}", "fn-1");
    check(m, "${params.functionParams.functionName}", "from-template");
    mc_msg_free(m);
}

static void test_templates(void **state)
{
    (void)state;
    mc_message *m = msg_with_payload("{\"name\":\"fn\",\"region\":\"us-east-1\"}");
    check_template(m, "{${payload.name}}", "fn");
    check_template(m, "${payload.name}", "fn");
    check_template(m, "arn:aws:lambda:${payload.region}:fn:{${payload.name}}",
                   "arn:aws:lambda:us-east-1:fn:fn");
    mc_msg_free(m);
}

static void test_refused_at_load(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "${payload.a + 1}", "${length(payload.a)}", "${vars}", "${headers}",
        "${configs.x}", "${params.other.x}", "${payload.a == 'x' ? 1 : 2}",
        "${headers.X.y}", "${payload.a[}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mc_err err = {0};
        mc_expr *e = mc_expr_compile(bad[i], NULL, 0, &err);
        if (e)
            fail_msg("%s compiled", bad[i]);
        assert_int_equal(err.code, MC_EPARSE);
    }
    mc_err err = {0};
    assert_null(mc_expr_compile("${payload.a + 1}", NULL, 0, &err));
    assert_string_equal(err.msg,
        "unsupported Synapse expression '${payload.a + 1}': only paths are supported "
        "(mediac supports paths on payload, vars, headers, properties and params)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_payload_paths),
        cmocka_unit_test(test_vars_headers_properties_params),
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_refused_at_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

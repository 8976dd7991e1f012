/* test_expr.c - unit tests for src/expr: json-eval (Jayway semantics:
 * definite paths give scalar/JSON text, indefinite ones always a JSON
 * array), the property fast paths ($ctx: $trp: $axis2: $func: $url:,
 * get-property with every scope incl. system/env), Synapse XPath over the
 * envelope of a JSON payload, the fn: and Synapse functions, special
 * properties (SYSTEM_DATE, MESSAGE_ID, SYSTEM_TIME), boolean and XML
 * values, compile errors, Java date patterns, and regexes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "expr/regex.h"
#include "expr/xpath_env.h"
#include "flow_harness.h"

static const char *doc =
    "{\"functionName\":\"fn1\",\"a\":{\"b\":[{\"k\":\"v\",\"n\":1},{\"k\":\"w\",\"n\":2},"
    "{\"k\":\"v\",\"n\":3}]},\"arr\":[10,20,30,40],\"my key\":\"sp\",\"nul\":null,"
    "\"t\":true,\"q\":\"say \\\"hi\\\"\",\"e\":[]}";

static int setup(void **state)
{
    mc_message *m = th_msg_new();
    mc_err err = {0};
    if (mc_msg_set_payload(m, doc, strlen(doc), "application/json", &err) != MC_OK)
        return -1;
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "x", "X");
    mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "Hdr", "H");
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "ax", "A");
    mc_msg_set_propz(m, MC_SCOPE_OPERATION, "op", "O");
    mc_msg_set_propz(m, MC_SCOPE_FUNC, "f", "F");
    mc_msg_set_propz(m, MC_SCOPE_URL, "u", "U");
    setenv("MC_TEST_ENV_VAR", "envval", 1);
    *state = m;
    return 0;
}

static int teardown(void **state)
{
    mc_msg_free(*state);
    return 0;
}

static void test_json_eval(void **state)
{
    static const th_eval_case c[] = {
        {"json-eval($.functionName)", "fn1"},
        {"json-eval($['functionName'])", "fn1"},
        {"json-eval( $.functionName )", "fn1"},
        {"json-eval($['my key'])", "sp"},
        {"json-eval($.arr[1])", "20"},
        {"json-eval($.arr[-1])", "40"},
        {"json-eval($.t)", "true"},
        {"json-eval($.nul)", "null"},
        {"json-eval($.q)", "say \"hi\""},
        {"json-eval($.a.b[0])", "{\"k\":\"v\",\"n\":1}"},
        {"json-eval($.a.b[1].k)", "w"},
        {"json-eval($.e)", "[]"},
        {"json-eval($.arr)", "[10,20,30,40]"},
        {"json-eval($.nope)", ""},
        {"json-eval($.a.nope.deeper)", ""},
        {"json-eval($.arr[9])", ""},
        /* indefinite: always an array */
        {"json-eval($.arr[*])", "[10,20,30,40]"},
        {"json-eval($.arr[1:3])", "[20,30]"},
        {"json-eval($.arr[:2])", "[10,20]"},
        {"json-eval($..k)", "[\"v\",\"w\",\"v\"]"},
        {"json-eval($..functionName)", "[\"fn1\"]"},
        {"json-eval($.a.b[?(@.k == 'v')])", "[{\"k\":\"v\",\"n\":1},{\"k\":\"v\",\"n\":3}]"},
        {"json-eval($.a.b[?(@.k == 'w')])", "[{\"k\":\"w\",\"n\":2}]"},
        {"json-eval($.a.b[?(@.k == 'w')].n)", "[2]"},
        {"json-eval($.a.b[?(@.k == 'none')])", "[]"},
        {"json-eval($.a.b[*].n)", "[1,2,3]"},
        {"json-eval($..nope)", "[]"},
    };
    th_check_evals(*state, c, sizeof c / sizeof *c);
    mc_err err = {0};
    mc_expr *e = mc_expr_compile("json-eval($.x)", NULL, 0, &err);
    assert_int_equal(mc_expr_kind_of(e), MC_EXPR_JSONPATH);
    assert_string_equal(mc_expr_source(e), "json-eval($.x)");
    mc_expr_free(e);
}

static void test_json_eval_non_json_payload(void **state)
{
    (void)state;
    mc_message *m = th_msg_new();
    mc_err err = {0};
    /* XML payload: json-eval sees its JSON mapping */
    const char *x = "<r><a>1</a><a>2</a><s>txt</s></r>";
    mc_msg_set_payload(m, x, strlen(x), "application/xml", &err);
    assert_string_equal(th_eval(m, "json-eval($.r.s)"), "txt");
    assert_string_equal(th_eval(m, "json-eval($.r.a[1])"), "2");
    /* json-eval($) of a JSON payload (spaces inside the parentheses too):
     * the text as it came, not reformatted; any other path is reformatted */
    const char *j = "{ \"a\" : [1, 2] ,\n \"b\":\"x\" }";
    mc_msg_set_payload(m, j, strlen(j), "application/json", &err);
    assert_string_equal(th_eval(m, "json-eval($)"), j);
    assert_string_equal(th_eval(m, "json-eval(  $ )"), j);
    assert_string_equal(th_eval(m, "json-eval($.a)"), "[1,2]");
    assert_string_equal(th_eval(m, "json-eval($.*)"), "[[1,2],\"x\"]");
    /* text payload: nothing */
    mc_msg_set_payload(m, "plain", 5, "text/plain", &err);
    assert_string_equal(th_eval(m, "json-eval($.a)"), "");
    /* no payload */
    mc_message *e = th_msg_new();
    assert_string_equal(th_eval(e, "json-eval($)"), "");
    mc_msg_free(e);
    mc_msg_free(m);
}

/* Synapse's json-eval also runs on a property ($ctx:p.path), ends in a
 * Jayway function ($.a.length()), and takes inline {expr} pieces
 * (SynapseJsonPath, InlineExpressionUtil; wso2/integration-samples
 * SynapseExpressions/PromotionCheck.xml uses all three). */
static void test_json_eval_synapse_forms(void **state)
{
    mc_message *m = *state;
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "jp", "[{\"k\":\"v\",\"n\":5},{\"k\":\"w\",\"n\":7}]");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "key", "w");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "min", "2");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "idx", "1");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "member", "functionName");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "quote", "v' || @.k == 'w");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "path", "a.b");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "nojson", "plain");
    mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "TJ", "{\"t\":{\"u\":1}}");
    static const th_eval_case c[] = {
        {"json-eval($ctx:jp)", "[{\"k\":\"v\",\"n\":5},{\"k\":\"w\",\"n\":7}]"},
        {"json-eval($ctx:jp.)", "[{\"k\":\"v\",\"n\":5},{\"k\":\"w\",\"n\":7}]"},
        {"json-eval($ctx:jp[1].n)", "7"},
        {"json-eval($ctx:jp[*].k)", "[\"v\",\"w\"]"},
        {"json-eval($ctx:jp.length())", "2"},
        {"json-eval($trp:TJ.t.u)", "1"},
        {"json-eval($ctx:missing.a)", ""},
        {"json-eval($ctx:nojson.a)", ""},
        {"json-eval($ctx:nojson)", "plain"},
        {"json-eval($.arr.length())", "4"},
        {"json-eval($.a.b.length())", "3"},
        {"json-eval($.a.length())", "1"},
        {"json-eval($.arr.min())", "10.0"},
        {"json-eval($.arr.max())", "40.0"},
        {"json-eval($.arr.sum())", "100.0"},
        {"json-eval($.arr.avg())", "25.0"},
        {"json-eval($.a.b[*].n.max())", "3.0"},
        {"json-eval($.arr.first())", "10"},
        {"json-eval($.arr.last())", "40"},
        {"json-eval($.a.b[0].keys())", "[\"k\",\"n\"]"},
        {"json-eval($.a.b[?(@.k == '{$ctx:key}')].n)", "[2]"},
        {"json-eval($.a.b[?(@.k == \"{$ctx:key}\")].n)", "[2]"},
        {"json-eval($.a.b[?(@.n > {$ctx:min})].n)", "[3]"},
        {"json-eval($.a.b[?(@.k == '{get-property('key')}' && @.n >= {$ctx:min})].k)", "[\"w\"]"},
        {"json-eval($.arr[{$ctx:idx}])", "20"},
        {"json-eval($.{$ctx:member})", "fn1"},
        /* MI's DynamicPropertiesJsonEval.xml: the whole path from a property
         * (Jayway reads a path without '$' as "$." + path) */
        {"json-eval({$ctx:member})", "fn1"},
        {"json-eval($.{json-eval($.functionName)})", ""},
        {"json-eval($ctx:jp[?(@.k == '{$ctx:key}')].n.length())", "1"},
        /* data stays data: a quote in a quoted piece is escaped; a bare
         * piece must be a name or a number */
        {"json-eval($.a.b[?(@.k == '{$ctx:quote}')].n)", "[]"},
        {"json-eval($.{$ctx:path})", ""},
        {"json-eval($.arr[{$ctx:missing}])", ""},
    };
    th_check_evals(m, c, sizeof c / sizeof *c);
    /* the inline pieces are compiled at load: a broken one is a load error */
    static const struct { const char *src, *msg; } bad[] = {
        {"json-eval($.a[?(@.k == '{//a[}')])", "inline expression {//a[} in JSONPath"},
        {"json-eval($.a[?(@.k == {nosuch()})])", "inline expression {nosuch()} in JSONPath"},
        {"json-eval($ctx:p[)", "bad JSONPath '$['"},
        /* ']' ends Synapse's inline pattern: this is no inline piece */
        {"json-eval($.arr[{json-eval($.a.b[0].n)}])", "bad JSONPath"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mc_err err = {0};
        mc_expr *e = mc_expr_compile(bad[i].src, NULL, 0, &err);
        if (e)
            fail_msg("'%s' compiled", bad[i].src);
        if (strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
            fail_msg("'%s': got [%s] want [%s...]", bad[i].src, err.msg, bad[i].msg);
    }
}

static void test_properties(void **state)
{
    static const th_eval_case c[] = {
        {"get-property('x')", "X"},
        {"get-property(\"x\")", "X"},
        {"get-property('default','x')", "X"},
        {"get-property('default', 'x')", "X"},
        {"get-property('transport','Hdr')", "H"},
        {"get-property('transport','hdr')", "H"},
        {"get-property('axis2','ax')", "A"},
        {"get-property('axis2-client','ax')", "A"},
        {"get-property('operation','op')", "O"},
        {"get-property('func','f')", "F"},
        {"get-property('system','MC_TEST_ENV_VAR')", "envval"},
        {"get-property('env','MC_TEST_ENV_VAR')", "envval"},
        {"get-property('env','MC_TEST_NOT_SET_ANYWHERE')", ""},
        {"get-property('registry','x')", ""},
        {"get-property('nothing')", ""},
        {"get-property('transport','x')", ""},
        {"$ctx:x", "X"},
        {" $ctx:x ", "X"},
        {"$trp:HDR", "H"},
        {"$axis2:ax", "A"},
        {"$func:f", "F"},
        {"$url:u", "U"},
        {"$ctx:missing", ""},
        /* the same through XPath */
        {"concat($ctx:x, '-', $trp:Hdr, '-', $axis2:ax, '-', $func:f, '-', $url:u)", "X-H-A-F-U"},
        {"concat(get-property('x'), get-property('operation','op'), get-property('env','MC_TEST_ENV_VAR'))", "XOenvval"},
        {"concat('[', $ctx:missing, ']')", "[]"},
    };
    th_check_evals(*state, c, sizeof c / sizeof *c);
    mc_err err = {0};
    mc_expr *e = mc_expr_compile("$ctx:x", NULL, 0, &err);
    assert_int_equal(mc_expr_kind_of(e), MC_EXPR_PROPERTY);
    mc_expr_free(e);
    e = mc_expr_compile("get-property('transport','x')", NULL, 0, &err);
    assert_int_equal(mc_expr_kind_of(e), MC_EXPR_PROPERTY);
    mc_expr_free(e);
}

static void test_xpath_over_json(void **state)
{
    static const th_eval_case c[] = {
        {"$body//functionName", "fn1"},
        {"//jsonObject/functionName", "fn1"},
        {"$body/jsonObject/a/b[2]/k", "w"},
        {"count(//arr)", "4"},
        {"//arr[2]", "20"},
        {"count($body/jsonObject/a/b)", "3"},
        {"sum(//b/n)", "6"},
        {"name($body/*)", "jsonObject"},
        {"local-name(/*)", "Envelope"},
        {"count($header)", "0"},
        {"boolean(//t = 'true')", "true"},
        {"//b[k='w']/n", "2"},
        {"//my_key", ""},
        {"1 + 2", "3"},
        {"'lit'", "lit"},
    };
    th_check_evals(*state, c, sizeof c / sizeof *c);
    mc_err err = {0};
    mc_expr *e = mc_expr_compile("$body//functionName", NULL, 0, &err);
    assert_int_equal(mc_expr_kind_of(e), MC_EXPR_XPATH);
    mc_expr_free(e);
}

static void test_functions(void **state)
{
    static const th_eval_case c[] = {
        {"fn:concat('a', 'b', 'c')", "abc"},
        {"fn:substring('hello', 2, 3)", "ell"},
        {"fn:substring('hello', 2)", "ello"},
        {"fn:substring-before('a-b', '-')", "a"},
        {"fn:substring-after('a-b', '-')", "b"},
        {"fn:string-length('abc')", "3"},
        {"fn:upper-case('ab')", "AB"},
        {"fn:lower-case('AB')", "ab"},
        {"fn:ends-with('abc', 'bc')", "true"},
        {"fn:starts-with('abc', 'x')", "false"},
        {"fn:contains('abc', 'b')", "true"},
        {"fn:normalize-space('  a   b ')", "a b"},
        {"fn:translate('abc', 'ab', 'AB')", "ABc"},
        {"fn:round(2.5)", "3"},
        {"fn:string(12)", "12"},
        {"concat('x', substring('hello', 1, 2))", "xhe"},
        {"base64Encode('hello')", "aGVsbG8="},
        {"base64Encode('')", ""},
        {"base64Decode('aGVsbG8=')", "hello"},
        {"base64Decode(base64Encode('round trip'))", "round trip"},
        {"url-encode('a b&c=d/e')", "a+b%26c%3Dd%2Fe"},
        {"url-decode('a+b%21')", "a b!"},
        {"base64Encode($ctx:x)", "WA=="},
        {"base64Encode(json-eval-is-not-a-function-here)", ""},
    };
    /* the last case is a child-axis path, not a call: empty node-set */
    th_check_evals(*state, c, sizeof c / sizeof *c);
    /* a bad argument is an evaluation error, not a crash */
    mc_err err = {0};
    mc_expr *e = mc_expr_compile("base64Decode('!!')", NULL, 0, &err);
    assert_non_null(e);
    const char *out;
    size_t n;
    assert_int_equal(mc_expr_string(e, *state, &out, &n, &err), MC_EPARSE);
    assert_string_equal(err.msg, "XPath 'base64Decode('!!')' failed: Invalid type");
    mc_expr_free(e);
}

static bool matches(const char *pattern, const char *s)
{
    int ec;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ec, &off, NULL);
    assert_non_null(re);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return rc >= 0;
}

/* Every special name is special; names near them (case, prefix, suffix,
 * same first letter) and ordinary names are not. */
static void test_special_property_names(void **state)
{
    (void)state;
    static const char *const special[] = {"MESSAGE_ID", "SYSTEM_TIME", "SYSTEM_DATE", "To",
        "From", "Action", "ReplyTo", "FaultTo", "OperationName", "MESSAGE_FORMAT", "FAULT"};
    static const char *const plain[] = {"", "T", "TO", "to", "Tox", "To ", "From2", "Fro",
        "FAULTS", "Fault", "FaultTo.", "MESSAGE_I", "MESSAGE_IDX", "MESSAGE_FORMATS", "message_id",
        "SYSTEM_TIM", "SYSTEM_DATES", "SYSTEM", "action", "ACTION", "Actions", "Act", "A",
        "ReplyT", "replyTo", "OperationNam", "operationName", "Z", "secretAccessKey", "region",
        "uri.var.x", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof special / sizeof *special; i++)
        if (!mc_xpath_is_special_property(special[i]))
            fail_msg("%s should be special", special[i]);
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        if (mc_xpath_is_special_property(plain[i]))
            fail_msg("'%s' should not be special", plain[i]);
}

static void test_special_properties(void **state)
{
    mc_message *m = *state;
    const char *d = th_eval(m, "get-property('SYSTEM_DATE', 'yyyy-MM-dd')");
    assert_true(matches("20[0-9]{2}-[01][0-9]-[0-3][0-9]", d));
    char today[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    assert_string_equal(d, today);
    const char *full = th_eval(m, "get-property('SYSTEM_DATE')");
    assert_true(matches("20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3}Z", full));
    const char *hm = th_eval(m, "get-property('SYSTEM_DATE', 'HH:mm', 'UTC')");
    assert_true(matches("[0-2][0-9]:[0-5][0-9]", hm));
    const char *id = th_eval(m, "get-property('MESSAGE_ID')");
    assert_true(matches("urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", id));
    assert_string_equal(id, m->message_id);
    const char *t = th_eval(m, "get-property('SYSTEM_TIME')");
    assert_true(matches("[0-9]{13}", t));
    long long ms = atoll(t);
    long long now_ms = (long long)time(NULL) * 1000;
    assert_true(ms > now_ms - 5000 && ms < now_ms + 5000);
    /* Synapse's MESSAGE_FORMAT: a REST message of any content type is pox */
    assert_string_equal(th_eval(m, "get-property('MESSAGE_FORMAT')"), "pox");
    mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "SOAPAction", "urn:act");
    assert_string_equal(th_eval(m, "get-property('Action')"), "urn:act");
    /* the SOAPAction header's quotes are not the action's (Axis2's ServerWorker) */
    mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "SOAPAction", "\"urn:quoted\"");
    assert_string_equal(th_eval(m, "get-property('Action')"), "urn:quoted");
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "TransportInURL", "/in/url");
    assert_string_equal(th_eval(m, "get-property('To')"), "/in/url");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "To", "http://to");
    assert_string_equal(th_eval(m, "get-property('To')"), "http://to");
    /* an unsupported date pattern letter is an evaluation error */
    mc_err err = {0};
    mc_expr *e = mc_expr_compile("get-property('SYSTEM_DATE', 'yyyy-QQ')", NULL, 0, &err);
    assert_non_null(e);
    const char *out;
    size_t n;
    assert_int_equal(mc_expr_string(e, m, &out, &n, &err), MC_EPARSE);
    mc_expr_free(e);
}

static void test_bool_and_xml(void **state)
{
    mc_message *m = *state;
    static const struct { const char *src; bool want; } c[] = {
        {"json-eval($.functionName)", true},
        {"json-eval($.nope)", false},
        {"json-eval($.t)", true},
        {"json-eval($..nope)", false},
        {"json-eval($.arr[*])", true},
        {"$ctx:x", true},
        {"$ctx:missing", false},
        {"//functionName = 'fn1'", true},
        {"//functionName = 'other'", false},
        {"count(//arr) > 3", true},
        {"//nothing", false},
        {"get-property('x') = 'X'", true},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        mc_err err = {0};
        mc_expr *e = mc_expr_compile(c[i].src, NULL, 0, &err);
        assert_non_null(e);
        bool b = !c[i].want;
        assert_int_equal(mc_expr_bool(e, m, &b, &err), MC_OK);
        if (b != c[i].want)
            fail_msg("%s: boolean %d, want %d", c[i].src, b, c[i].want);
        mc_expr_free(e);
    }
    mc_err err = {0};
    mc_expr *e = mc_expr_compile("$body/jsonObject/a/b[1]", NULL, 0, &err);
    const char *out;
    size_t n;
    assert_int_equal(mc_expr_xml(e, m, &out, &n, &err), MC_OK);
    assert_string_equal(out, "<b><k>v</k><n>1</n></b>");
    mc_expr_free(e);
    e = mc_expr_compile("//b[1]/k/text()", NULL, 0, &err);
    assert_int_equal(mc_expr_xml(e, m, &out, &n, &err), MC_OK);
    assert_string_equal(out, "v");
    mc_expr_free(e);
    e = mc_expr_compile("$ctx:x", NULL, 0, &err);
    assert_int_equal(mc_expr_xml(e, m, &out, &n, &err), MC_OK);
    assert_string_equal(out, "X");
    mc_expr_free(e);
}

static void test_namespaces(void **state)
{
    (void)state;
    mc_message *m = th_msg_new();
    mc_err err = {0};
    const char *x = "<p:r xmlns:p=\"urn:p\"><p:v>7</p:v></p:r>";
    mc_msg_set_payload(m, x, strlen(x), "application/xml", &err);
    mc_nsbind ns[] = {{"q", "urn:p"}, {NULL, "urn:default-ignored"}};
    mc_expr *e = mc_expr_compile("//q:v", ns, 2, &err);
    assert_non_null(e);
    const char *out;
    size_t n;
    assert_int_equal(mc_expr_string(e, m, &out, &n, &err), MC_OK);
    assert_string_equal(out, "7");
    mc_expr_free(e);
    /* a prefix bound to the fn namespace works for fn functions */
    mc_nsbind fns[] = {{"f", "http://www.w3.org/2005/xpath-functions"}};
    e = mc_expr_compile("f:upper-case('x')", fns, 1, &err);
    assert_non_null(e);
    mc_expr_free(e);
    mc_msg_free(m);
}

static void test_compile_errors(void **state)
{
    (void)state;
    static const struct { const char *src, *msg; } c[] = {
        {"", "empty expression"},
        {"   ", "empty expression"},
        {"//a[", "bad XPath '//a[': Invalid expression at offset 4"},
        {"json-eval($.a[)", "bad JSONPath '$.a[': unexpected end at offset 4"},
        /* found by fuzz_expr: trimming " " underflowed the length */
        {"json-eval( )", "bad JSONPath '': empty path at offset 0"},
        {"json-eval()", "bad JSONPath '': empty path at offset 0"},
        {"foo:bar()", "unknown XPath function 'foo:bar' in 'foo:bar()'"},
        {"get-propertyy('x')", "unknown XPath function 'get-propertyy' in 'get-propertyy('x')'; did you mean 'get-property'?"},
        {"concatt('a', 'b')", "unknown XPath function 'concatt' in 'concatt('a', 'b')'; did you mean 'concat'?"},
        {"fn:upper-cas('a')", "unknown XPath function 'fn:upper-cas' in 'fn:upper-cas('a')'; did you mean 'fn:upper-case'?"},
        {"fn:name(.)", "unknown XPath function 'fn:name' in 'fn:name(.)'"},
        {"concat('a', nosuch('b'))", "unknown XPath function 'nosuch' in 'concat('a', nosuch('b'))'"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        mc_err err = {0};
        mc_expr *e = mc_expr_compile(c[i].src, NULL, 0, &err);
        if (e)
            fail_msg("'%s' compiled", c[i].src);
        assert_int_equal(err.code, MC_EPARSE);
        if (strcmp(err.msg, c[i].msg) != 0)
            fail_msg("'%s': got [%s] want [%s]", c[i].src, err.msg, c[i].msg);
        assert_null(strchr(err.msg, '\n'));
    }
    /* names that look like calls but are not */
    static const char *const fine[] = {"//a and //b", "1 div 2", "5 mod 3",
        "//a[text()]", "ancestor::x", "//node()", "'foo(' ", "$ctx:x = 'y(z)'"};
    for (size_t i = 0; i < sizeof fine / sizeof *fine; i++) {
        mc_err err = {0};
        mc_expr *e = mc_expr_compile(fine[i], NULL, 0, &err);
        if (!e)
            fail_msg("'%s' did not compile: %s", fine[i], err.msg);
        mc_expr_free(e);
    }
}

static void test_java_dates(void **state)
{
    (void)state;
    /* 2021-03-04T05:06:07.089Z, a Thursday, day 63 */
    const long long ms = 1614834367089LL;
    static const struct { const char *pat, *want; } c[] = {
        {"yyyy-MM-dd", "2021-03-04"},
        {"yy/M/d", "21/3/4"},
        {"HH:mm:ss.SSS", "05:06:07.089"},
        {"hh a", "05 AM"},
        {"EEE, dd MMM yyyy", "Thu, 04 Mar 2021"},
        {"EEEE MMMM", "Thursday March"},
        {"D", "63"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2021-03-04T05:06:07.089Z"},
        {"Z", "+0000"},
        {"'quoted ''x'''", "quoted 'x'"},
        {"''", "'"},
        {"z", "UTC"},
        {"S", "89"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        mc_buf b = MC_BUF_INIT;
        assert_true(mc_format_java_date(&b, c[i].pat, ms, NULL));
        if (strcmp(mc_buf_cstr(&b), c[i].want) != 0)
            fail_msg("pattern %s: got [%s] want [%s]", c[i].pat, mc_buf_cstr(&b), c[i].want);
        mc_buf_free(&b);
    }
    mc_buf b = MC_BUF_INIT;
    assert_false(mc_format_java_date(&b, "yyyy-QQ", ms, NULL));
    mc_buf_free(&b);
}

static void test_regex(void **state)
{
    (void)state;
    static const struct { const char *re, *s; bool whole; } c[] = {
        {"my.*", "myFn", true},
        {"my", "myFn", false},      /* Java matches(): whole string */
        {"Fn", "myFn", false},
        {"a|b", "a", true},
        {"a|b", "ab", false},
        {"\\d+", "123", true},
        {"\\d+", "12a", false},
        {"(?i)abc", "ABC", true},
        {".*", "", true},
        {"x?", "", true},
        /* literals (no PCRE2 at match time): the whole string, bytes exact */
        {"urn:createFunction", "urn:createFunction", true},
        {"urn:createFunction", "urn:createFunctionX", false},
        {"urn:createFunction", "urn:createFunctio", false},
        {"urn:createFunction", "URN:createFunction", false},
        {"urn:createFunction", "xurn:createFunction", false},
        {"urn:createFunction", "urn:createFunction\n", false},
        {"", "", true},
        {"", "a", false},
        {"caf\xc3\xa9", "caf\xc3\xa9", true},
        {"caf\xc3\xa9", "caf\xc3\x89", false},
        {"a-b/c,d=e", "a-b/c,d=e", true},
        /* escaped punctuation is the character itself */
        {"a\\.b", "a.b", true},
        {"a\\.b", "axb", false},
        {"\\(x\\)\\*", "(x)*", true},
        {"\\\\", "\\", true},
        /* escapes and metacharacters that are not literals stay patterns */
        {"a.b", "axb", true},
        {"a\\db", "a1b", true},
        {"a\\Qx*\\E", "ax*", true},
        {"^ab$", "ab", true},
        {"ab|cd", "cd", true},
        {"a{2}", "aa", true},
        {"a[b]", "ab", true},
        {"\\x41", "A", true},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        mc_err err = {0};
        mc_regex *re = mc_regex_compile(c[i].re, &err);
        assert_non_null(re);
        if (mc_regex_matches(re, c[i].s, strlen(c[i].s)) != c[i].whole)
            fail_msg("regex %s on '%s' want %d", c[i].re, c[i].s, c[i].whole);
        mc_regex_free(re);
    }
    /* a literal's group 0 is the whole subject; it has no other group */
    mc_err err = {0};
    mc_regex *lit = mc_regex_compile("urn:x", &err);
    const char *lg = NULL;
    size_t lgl = 0;
    assert_true(mc_regex_group(lit, "urn:x", 5, 0, &lg, &lgl));
    assert_int_equal(lgl, 5);
    assert_false(mc_regex_group(lit, "urn:x", 5, 1, &lg, &lgl));
    assert_false(mc_regex_matches(lit, "urn:\xff", 5));
    assert_int_equal(mc_regex_groups(lit), 0);
    mc_regex_free(lit);
    mc_regex *re = mc_regex_compile("arn:aws:lambda:([a-z0-9-]+):(\\d+):(x)?.*", &err);
    assert_int_equal(mc_regex_groups(re), 3);
    const char *g;
    size_t gl;
    const char *arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
    assert_true(mc_regex_group(re, arn, strlen(arn), 1, &g, &gl));
    assert_int_equal(gl, 9);
    assert_memory_equal(g, "us-east-1", 9);
    assert_true(mc_regex_group(re, arn, strlen(arn), 2, &g, &gl));
    assert_memory_equal(g, "123456789012", gl);
    assert_true(mc_regex_group(re, arn, strlen(arn), 0, &g, &gl));
    assert_int_equal(gl, strlen(arn));
    assert_false(mc_regex_group(re, arn, strlen(arn), 3, &g, &gl)); /* unset group */
    assert_false(mc_regex_group(re, "nope", 4, 1, &g, &gl));
    mc_regex_free(re);
    assert_null(mc_regex_compile("([", &err));
    assert_string_equal(err.msg, "bad regex '([': missing terminating ] for character class at offset 2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_json_eval, setup, teardown),
        cmocka_unit_test(test_json_eval_non_json_payload),
        cmocka_unit_test_setup_teardown(test_json_eval_synapse_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_properties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xpath_over_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_functions, setup, teardown),
        cmocka_unit_test(test_special_property_names),
        cmocka_unit_test_setup_teardown(test_special_properties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bool_and_xml, setup, teardown),
        cmocka_unit_test(test_namespaces),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_java_dates),
        cmocka_unit_test(test_regex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_mediators.c - unit tests for every built-in mediator, each driven
 * through a compiled flow: property (value/expression, scopes, types,
 * remove, pattern/group), variable, log (levels, categories, child
 * properties, secret redaction), filter, switch, payloadFactory (json, xml,
 * text, $n arguments, escapes), header, respond, drop, loopback, sequence
 * (static and dynamic key), call/send (suspend, resume, transport faults)
 * and class (native mediators). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/internal.h"
#include "flow_harness.h"

#define SEQ(name, body) "<sequence name=\"" name "\">" body "</sequence>\n"

static const char *payload_json = "{\"functionName\":\"myFn\",\"count\":3,\"obj\":{\"a\":1},"
    "\"arr\":[1,2],\"s\":\"q\\\"uote\",\"secretAccessKey\":\"SEKRIT-1\",\"flag\":true}";

static void test_property(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions>\n"
        SEQ("p",
            "<property name=\"lit\" value=\"v1\"/>"
            "<property name=\"ex\" expression=\"json-eval($.functionName)\"/>"
            "<property name=\"trp\" value=\"t\" scope=\"transport\"/>"
            "<property name=\"ax\" value=\"a\" scope=\"axis2\"/>"
            "<property name=\"axc\" value=\"c\" scope=\"axis2-client\"/>"
            "<property name=\"op\" value=\"o\" scope=\"operation\"/>"
            "<property name=\"def\" value=\"d\" scope=\"default\"/>"
            "<property name=\"i\" expression=\"json-eval($.count)\" type=\"INTEGER\"/>"
            "<property name=\"l\" value=\"9223372036854775807\" type=\"LONG\"/>"
            "<property name=\"d\" value=\"1.5e3\" type=\"DOUBLE\"/>"
            "<property name=\"b1\" value=\"TRUE\" type=\"BOOLEAN\"/>"
            "<property name=\"b2\" value=\"yes\" type=\"BOOLEAN\"/>"
            "<property name=\"b3\" expression=\"json-eval($.flag)\" type=\"BOOLEAN\"/>"
            "<property name=\"j1\" expression=\"json-eval($.obj)\" type=\"JSON\"/>"
            "<property name=\"j2\" expression=\"$ctx:lit\" type=\"JSON\"/>"
            "<property name=\"om\" type=\"OM\"><x xmlns=\"\"><y>1</y></x></property>"
            "<property name=\"om2x\"><z xmlns=\"\"><w>2</w></z></property>"
            "<property name=\"om2\" expression=\"$body/jsonObject/obj\" type=\"OM\"/>"
            "<property name=\"re\" value=\"arn:aws:lambda:us-east-1:123:function:f\" pattern=\"arn:aws:lambda:([^:]+):(\\d+):.*\" group=\"2\"/>"
            "<property name=\"re0\" value=\"abc\" pattern=\"a(b)c\"/>"
            "<property name=\"nomatch\" value=\"xyz\" pattern=\"a(b)c\" group=\"1\"/>"
            "<property name=\"gone\" value=\"1\"/>"
            "<property name=\"gone\" action=\"remove\"/>"
            "<property name=\"trp\" scope=\"transport\" action=\"remove\"/>"
            "<property name=\"ax\" scope=\"axis2\" action=\"set\" value=\"a2\"/>"
            /* dynamic names (PropertyMediatorFactory: name="{...}") */
            "<variable name=\"k\" value=\"dynv\"/>"
            "<property name=\"{${vars.k}}\" value=\"1\"/>"
            "<property name=\"{$ctx:lit}\" value=\"2\" scope=\"axis2\"/>"
            "<property name=\"{json-eval($.functionName)}\" expression=\"${1 + 2}\"/>"
            "<property name=\"dropme\" value=\"x\"/><property name=\"drop\" value=\"dropme\"/>"
            "<property name=\"{get-property('drop')}\" action=\"remove\"/>")
        SEQ("badint", "<property name=\"n\" value=\"abc\"/><property name=\"i\" expression=\"$ctx:n\" type=\"INTEGER\"/>")
        "</definitions>");
    assert_int_equal(th_run(f, "p", payload_json), MC_OK);
    mc_message *m = f->m;
    static const struct { mc_scope s; const char *n, *v; } want[] = {
        {MC_SCOPE_DEFAULT, "lit", "v1"}, {MC_SCOPE_DEFAULT, "ex", "myFn"},
        {MC_SCOPE_AXIS2, "ax", "a2"}, {MC_SCOPE_AXIS2, "axc", "c"},
        {MC_SCOPE_OPERATION, "op", "o"}, {MC_SCOPE_DEFAULT, "def", "d"},
        {MC_SCOPE_DEFAULT, "i", "3"}, {MC_SCOPE_DEFAULT, "l", "9223372036854775807"},
        {MC_SCOPE_DEFAULT, "d", "1.5e3"}, {MC_SCOPE_DEFAULT, "b1", "true"},
        {MC_SCOPE_DEFAULT, "b2", "false"}, {MC_SCOPE_DEFAULT, "b3", "true"},
        {MC_SCOPE_DEFAULT, "j1", "{\"a\":1}"}, {MC_SCOPE_DEFAULT, "j2", "\"v1\""},
        {MC_SCOPE_DEFAULT, "om", "<x><y>1</y></x>"}, /* no xmlns="", as Axiom writes it */
        {MC_SCOPE_DEFAULT, "om2x", "<z><w>2</w></z>"}, /* inline XML without type="OM" */
        {MC_SCOPE_DEFAULT, "om2", "<obj><a>1</a></obj>"},
        {MC_SCOPE_DEFAULT, "re", "123"}, {MC_SCOPE_DEFAULT, "re0", "abc"},
        {MC_SCOPE_DEFAULT, "nomatch", ""},
        {MC_SCOPE_DEFAULT, "dynv", "1"}, {MC_SCOPE_AXIS2, "v1", "2"},
        {MC_SCOPE_DEFAULT, "myFn", "3"},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const char *v = mc_msg_prop(m, want[i].s, want[i].n);
        if (!v || strcmp(v, want[i].v) != 0)
            fail_msg("property %s (%s) = %s, want %s", want[i].n, mc_scope_name(want[i].s),
                     v ? v : "(unset)", want[i].v);
    }
    assert_int_equal(mc_msg_get_prop(m, MC_SCOPE_DEFAULT, "i")->type, MC_VT_INTEGER);
    assert_int_equal(mc_msg_get_prop(m, MC_SCOPE_DEFAULT, "j1")->type, MC_VT_JSON);
    assert_int_equal(mc_msg_get_prop(m, MC_SCOPE_DEFAULT, "om")->type, MC_VT_OM);
    assert_null(mc_msg_prop(m, MC_SCOPE_DEFAULT, "gone"));
    assert_null(mc_msg_prop(m, MC_SCOPE_DEFAULT, "dropme"));
    assert_null(mc_msg_prop(m, MC_SCOPE_DEFAULT, "{${vars.k}}"));
    assert_null(mc_msg_prop(m, MC_SCOPE_TRANSPORT, "trp"));
    assert_null(mc_msg_prop(m, MC_SCOPE_DEFAULT, "ax")); /* scoped, not default */
    /* a typed expression that does not convert is a fault */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "badint", NULL), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "property 'i': 'abc' is not a valid INTEGER");
    th_flow_free(f);
    /* load-time checks */
    static const th_diag_case bad[] = {
        {SEQ("x", "<property value=\"1\"/>"), "t.xml:1:20: error: <property> needs a 'name' attribute\n"},
        {SEQ("x", "<property name=\"a\" value=\"1\" scope=\"registry\"/>"),
         "t.xml:1:49: error: unknown scope 'registry' (default, transport, axis2, axis2-client, operation)\n"},
        {SEQ("x", "<property name=\"a\" value=\"1\" type=\"XML\"/>"),
         "t.xml:1:49: error: unknown type 'XML' (STRING, INTEGER, BOOLEAN, DOUBLE, FLOAT, LONG, SHORT, JSON, OM)\n"},
        {SEQ("x", "<property name=\"a\" value=\"x\" type=\"INTEGER\"/>"),
         "t.xml:1:39: error: 'x' is not a valid INTEGER\n"},
        {SEQ("x", "<property name=\"a\" value=\"2147483648\" type=\"INTEGER\"/>"),
         "t.xml:1:39: error: '2147483648' is not a valid INTEGER\n"},
        {SEQ("x", "<property name=\"a\" value=\"{bad\" type=\"JSON\"/>"),
         "t.xml:1:39: error: '{bad' is not valid JSON\n"},
        {SEQ("x", "<property name=\"a\"/>"),
         "t.xml:1:20: error: <property name=\"a\"> needs 'value' or 'expression' (or action=\"remove\")\n"},
        {SEQ("x", "<property name=\"a\" value=\"1\" expression=\"$ctx:b\"/>"),
         "t.xml:1:49: warning: <property name=\"a\"> has 'value' and 'expression'; the value is used (as Synapse)\n"},
        {SEQ("x", "<property name=\"a\" value=\"1\" action=\"del\"/>"),
         "t.xml:1:49: error: unknown action 'del' (set or remove)\n"},
        {SEQ("x", "<property name=\"a\" value=\"1\" pattern=\"(a)\" group=\"2\"/>"),
         "t.xml:1:63: error: group 2 does not exist in pattern '(a)' (1 groups)\n"},
    };
    th_check_diags(bad, sizeof bad / sizeof *bad);
}

static void test_variable(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions>\n"
        SEQ("v", "<variable name=\"a\" value=\"1\" type=\"INTEGER\"/>"
                 "<variable name=\"b\" expression=\"json-eval($.functionName)\"/>"
                 "<variable name=\"c\" value=\"x\"/><variable name=\"c\" action=\"remove\"/>"
                 "<property name=\"fromvar\" expression=\"$ctx:a\"/>")
        "</definitions>");
    assert_int_equal(th_run(f, "v", payload_json), MC_OK);
    assert_string_equal(mc_msg_get_var(f->m, "a")->value, "1");
    assert_int_equal(mc_msg_get_var(f->m, "a")->type, MC_VT_INTEGER);
    assert_string_equal(mc_msg_get_var(f->m, "b")->value, "myFn");
    assert_null(th_prop(f, "a")); /* variables are not properties */
    th_flow_free(f);
    char *d = th_diags(SEQ("x", "<variable name=\"n\" value=\"z\" type=\"DOUBLE\"/>"));
    assert_string_equal(d, "t.xml:1:39: error: 'z' is not a valid DOUBLE\n");
    free(d);
}

/* After action="remove" a variable no longer exists. */
static void test_variable_remove(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(SEQ("v", "<variable name=\"c\" value=\"x\"/><variable name=\"c\" action=\"remove\"/>"));
    assert_int_equal(th_run(f, "v", NULL), MC_OK);
    assert_null(mc_msg_get_var(f->m, "c"));
    th_flow_free(f);
}

static void test_log(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions>\n"
        SEQ("simple", "<log/>")
        SEQ("custom", "<log level=\"custom\" separator=\" | \"><property name=\"fn\" expression=\"json-eval($.functionName)\"/>"
                      "<property name=\"lit\" value=\"L\"/></log>")
        /* an absent property read alone is null in MI (SynapseXPath.stringValueOf
         * returns null, LogMediator appends it); inside a larger expression or
         * a path that selects nothing it is "" */
        SEQ("absent", "<log level=\"custom\"><property name=\"a\" expression=\"get-property('nope')\"/>"
                      "<property name=\"b\" expression=\"$ctx:nope\"/><property name=\"c\" expression=\"$trp:nope\"/>"
                      "<property name=\"d\" expression=\"concat('x', get-property('nope'))\"/>"
                      "<property name=\"e\" expression=\"//nope\"/><property name=\"f\" expression=\"$ctx:here\"/></log>")
        SEQ("headers", "<log level=\"headers\"/>")
        SEQ("full", "<log level=\"full\"><property name=\"k\" expression=\"json-eval($.secretAccessKey)\"/></log>")
        SEQ("secret", "<property name=\"secretAccessKey\" value=\"PROP-SECRET\"/>"
                      "<log level=\"custom\"><property name=\"x\" expression=\"$ctx:secretAccessKey\"/>"
                      "<property name=\"y\" expression=\"json-eval($.secretAccessKey)\"/>"
                      "<property name=\"Authorization\" expression=\"$trp:Authorization\"/></log>")
        SEQ("cats", "<log level=\"custom\" category=\"DEBUG\"><property name=\"c\" value=\"debug\"/></log>"
                    "<log level=\"custom\" category=\"TRACE\"><property name=\"c\" value=\"trace\"/></log>"
                    "<log level=\"custom\" category=\"WARN\"><property name=\"c\" value=\"warn\"/></log>"
                    "<log level=\"custom\" category=\"error\"><property name=\"c\" value=\"error\"/></log>"
                    "<log level=\"custom\" category=\"FATAL\"><property name=\"c\" value=\"fatal\"/></log>")
        SEQ("msg", "<log level=\"custom\"><message>fn=${payload.functionName} {literal}\\t${length(payload.functionName) + 1}</message></log>")
        /* MI 4.4 (LogMediatorFactory/LogMediator): no level and a message is
         * the message alone; the message comes first at every level;
         * logMessageID starts a custom line; logFullPayload is full */
        SEQ("mi44", "<log category=\"INFO\" logMessageID=\"false\" logFullPayload=\"false\"><message>fn=${payload.functionName}</message></log>"
                    "<log category=\"INFO\" logMessageID=\"true\"><message>m</message><property name=\"p\" value=\"1\"/></log>"
                    "<log level=\"simple\"><message>first</message><property name=\"p\" value=\"1\"/></log>"
                    "<log level=\"custom\"><message>${payload.nope}</message><property name=\"p\" value=\"1\"/></log>")
        SEQ("mi44full", "<log logFullPayload=\"true\"><message>m</message></log>")
        "</definitions>");
    f->lg.level = MC_LOG_INFO; /* engine debug lines stay out of the capture */
    mc_msg_set_propz(f->m, MC_SCOPE_TRANSPORT, "Authorization", "AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=abcdef");
    mc_msg_set_propz(f->m, MC_SCOPE_TRANSPORT, "X-Custom", "cv");
    assert_int_equal(th_run(f, "simple", payload_json), MC_OK);
    char want[512];
    snprintf(want, sizeof want, "To: , MessageID: %s, Direction: request\n", f->m->message_id);
    assert_string_equal(th_logs(f), want);
    mc_buf_reset(&f->logs);
    assert_int_equal(th_run(f, "custom", NULL), MC_OK);
    assert_string_equal(th_logs(f), "fn = myFn | lit = L\n");
    mc_buf_reset(&f->logs);
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "here", "");
    assert_int_equal(th_run(f, "absent", NULL), MC_OK);
    assert_string_equal(th_logs(f), "a = null, b = null, c = null, d = x, e = , f = \n");
    mc_buf_reset(&f->logs);
    assert_int_equal(th_run(f, "headers", NULL), MC_OK);
    assert_non_null(strstr(th_logs(f), "X-Custom = cv"));
    assert_non_null(strstr(th_logs(f), "Authorization = ****"));
    mc_buf_reset(&f->logs);
    assert_int_equal(th_run(f, "full", NULL), MC_OK);
    const char *full = th_logs(f);
    assert_non_null(strstr(full, "Payload: {\"functionName\":\"myFn\""));
    assert_non_null(strstr(full, "\"secretAccessKey\":\"****\""));
    assert_non_null(strstr(full, "k = ****"));
    mc_buf_reset(&f->logs);
    assert_int_equal(th_run(f, "secret", NULL), MC_OK);
    assert_string_equal(th_logs(f), "x = ****, y = ****, Authorization = ****\n");
    mc_buf_reset(&f->logs);
    /* categories against the logger level */
    f->lg.level = MC_LOG_WARN;
    assert_int_equal(th_run(f, "cats", NULL), MC_OK);
    assert_string_equal(th_logs(f), "c = warn\nc = error\nc = fatal\n");
    mc_buf_reset(&f->logs);
    f->lg.level = MC_LOG_DEBUG;
    assert_int_equal(th_run(f, "cats", NULL), MC_OK);
    assert_non_null(strstr(th_logs(f), "c = debug\nc = trace\nc = warn\n"));
    mc_buf_reset(&f->logs);
    f->lg.level = MC_LOG_INFO;
    assert_int_equal(th_run(f, "msg", NULL), MC_OK);
    /* MI 4.4: only ${...} is evaluated in a message; \t and \n become tab and newline */
    assert_string_equal(th_logs(f), "fn=myFn {literal}\t5\n");
    mc_buf_reset(&f->logs);
    assert_int_equal(th_run(f, "mi44", NULL), MC_OK);
    snprintf(want, sizeof want,
             "fn=myFn\nMessageID: %s, m, p = 1\nfirst, To: , MessageID: %s, Direction: request, p = 1\n"
             "Error evaluating expression: payload.nope cause : No results for path: $['nope']\np = 1\n",
             f->m->message_id, f->m->message_id);
    assert_string_equal(th_logs(f), want);
    mc_buf_reset(&f->logs);
    assert_int_equal(th_run(f, "mi44full", NULL), MC_OK);
    snprintf(want, sizeof want, "m, To: , MessageID: %s, Direction: request, ", f->m->message_id);
    if (strncmp(th_logs(f), want, strlen(want)) != 0 || !strstr(th_logs(f), ", Payload: {\"functionName\""))
        fail_msg("got [%s]", th_logs(f));
    /* no secret anywhere in everything logged by every sequence */
    static const char *const seqs[] = {"simple", "custom", "headers", "full", "secret", "msg"};
    mc_buf_reset(&f->logs);
    f->lg.level = MC_LOG_DEBUG;
    for (size_t i = 0; i < sizeof seqs / sizeof *seqs; i++)
        assert_int_equal(th_run(f, seqs[i], NULL), MC_OK);
    assert_null(strstr(th_logs(f), "SEKRIT"));
    assert_null(strstr(th_logs(f), "PROP-SECRET"));
    assert_null(strstr(th_logs(f), "Signature=abcdef"));
    th_flow_free(f);
    char *d = th_diags(SEQ("x", "<log level=\"loud\"/>"));
    assert_string_equal(d, "t.xml:1:25: error: unknown log level 'loud' (simple, headers, full, custom)\n");
    free(d);
    d = th_diags(SEQ("x", "<log category=\"NOTICE\"/>"));
    assert_string_equal(d, "t.xml:1:25: error: unknown log category 'NOTICE' (TRACE, DEBUG, INFO, WARN, ERROR, FATAL)\n");
    free(d);
}

static void test_filter_switch(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions>\n"
        SEQ("f1", "<filter source=\"json-eval($.functionName)\" regex=\"my.*\">"
                  "<then><property name=\"b\" value=\"then\"/></then><else><property name=\"b\" value=\"else\"/></else></filter>")
        SEQ("f2", "<filter source=\"json-eval($.functionName)\" regex=\"my\">"
                  "<then><property name=\"b\" value=\"then\"/></then><else><property name=\"b\" value=\"else\"/></else></filter>")
        SEQ("f3", "<filter xpath=\"//count &gt; 2\"><property name=\"b\" value=\"plain-then\"/></filter>"
                  "<filter xpath=\"//count &gt; 5\"><then><property name=\"c\" value=\"no\"/></then></filter>"
                  "<property name=\"after\" value=\"yes\"/>")
        SEQ("sw", "<switch source=\"json-eval($.functionName)\">"
                  "<case regex=\"my\"><property name=\"sw\" value=\"partial\"/></case>"
                  "<case regex=\"my.*\"><property name=\"sw\" value=\"first\"/></case>"
                  "<case regex=\"myFn\"><property name=\"sw\" value=\"second\"/></case>"
                  "<default><property name=\"sw\" value=\"default\"/></default></switch>"
                  "<switch source=\"$ctx:none\"><case regex=\"x\"><property name=\"sw2\" value=\"x\"/></case>"
                  "<default><property name=\"sw2\" value=\"default\"/></default></switch>"
                  "<switch source=\"$ctx:none\"><case regex=\"x\"><property name=\"sw3\" value=\"x\"/></case></switch>"
                  "<switch source=\"$ctx:none\"><case regex=\"\"><property name=\"sw4\" value=\"empty\"/></case></switch>")
        "</definitions>");
    assert_int_equal(th_run(f, "f1", payload_json), MC_OK);
    assert_string_equal(th_prop(f, "b"), "then");
    assert_int_equal(th_run(f, "f2", NULL), MC_OK);
    assert_string_equal(th_prop(f, "b"), "else");
    assert_int_equal(th_run(f, "f3", NULL), MC_OK);
    assert_string_equal(th_prop(f, "b"), "plain-then");
    assert_null(th_prop(f, "c"));
    assert_string_equal(th_prop(f, "after"), "yes");
    assert_int_equal(th_run(f, "sw", NULL), MC_OK);
    assert_string_equal(th_prop(f, "sw"), "first");
    assert_string_equal(th_prop(f, "sw2"), "default");
    assert_null(th_prop(f, "sw3"));
    assert_string_equal(th_prop(f, "sw4"), "empty");
    th_flow_free(f);
    static const th_diag_case bad[] = {
        {SEQ("x", "<filter source=\"$ctx:a\"/>"), "t.xml:1:20: error: <filter> needs 'xpath', or 'source' with 'regex'\n"},
        {SEQ("x", "<filter xpath=\"1\" regex=\"a\"/>"), "t.xml:1:28: error: <filter> takes either 'xpath' or 'source' and 'regex', not both\n"},
        {SEQ("x", "<switch/>"), "t.xml:1:20: error: <switch> needs a 'source' attribute\n"},
        {SEQ("x", "<switch source=\"$ctx:a\"><case/></switch>"), "t.xml:1:44: error: <case> needs a 'regex' attribute\n"},
        {SEQ("x", "<switch source=\"$ctx:a\"><other/></switch>"), "t.xml:1:44: error: unexpected <other> in <switch> (only <case> and <default>)\n"},
    };
    th_check_diags(bad, sizeof bad / sizeof *bad);
}

/* payloadFactory as MI's TemplateProcessor: evaluator="json" is JSONPath,
 * argument types by evaluator, the format's namespaces as Axiom writes
 * them, json-eval($) as the payload came. */
static void test_payload_factory_mi(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions xmlns=\"http://ws.apache.org/ns/synapse\">\n"
        SEQ("jp", "<payloadFactory media-type=\"json\"><format>{\"t\":\"$1\",\"u\":\"$2\",\"l\":$3,\"o\":\"$4\","
                  "\"x\":\"$5\",\"e\":\"$6\"}</format><args>"
                  "<arg expression=\"$.tags[0].text\" evaluator=\"json\"/>"
                  "<arg evaluator=\"json\" expression=\"json-eval($.user.name)\"/>"
                  "<arg evaluator=\"json\" expression=\"$.tags\"/>"
                  "<arg evaluator=\"json\" expression=\"$.user\"/>"
                  "<arg expression=\"$ctx:brackets\"/>"
                  "<arg expression=\"json-eval($.user)\"/></args></payloadFactory>")
        SEQ("raw", "<payloadFactory media-type=\"text\"><format>\n  $1\n</format><args>"
                   "<arg evaluator=\"json\" expression=\"json-eval($)\"/></args></payloadFactory>")
        SEQ("ns", "<payloadFactory media-type=\"xml\"><format>\n"
                  "  <m:order xmlns:m=\"urn:m\">\n    <m:who>$1</m:who>\n    <items>$2</items>\n"
                  "    <plain xmlns=\"\"><v>$3</v></plain>\n  </m:order>\n</format><args>"
                  "<arg evaluator=\"json\" expression=\"$.user.name\"/>"
                  "<arg expression=\"//tags/text\"/>"
                  "<arg evaluator=\"json\" expression=\"$.user\"/></args></payloadFactory>")
        SEQ("xj", "<payloadFactory media-type=\"json\"><format>{\"who\":$1,\"n\":\"$2\"}</format><args>"
                  "<arg expression=\"//user\"/><arg expression=\"//user/name\"/></args></payloadFactory>")
        "</definitions>");
    static const char in[] = "{ \"tags\": [{\"text\":\"wso2\"},{\"text\":\"c&d\"}],\n"
                             "  \"user\": {\"name\": \"Ann \\\"A\\\"\"} }";
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "brackets", "[]");
    assert_int_equal(th_run(f, "jp", in), MC_OK);
    assert_string_equal(th_payload(f),
        "{\"t\":\"wso2\",\"u\":\"Ann \\\"A\\\"\",\"l\":[{\"text\":\"wso2\"},{\"text\":\"c&d\"}],"
        "\"o\":{\"name\":\"Ann \\\"A\\\"\"},\"x\":\"[]\",\"e\":\"{\\\"name\\\":\\\"Ann \\\\\\\"A\\\\\\\"\\\"}\"}");
    /* json-eval($) is the payload's text as it came; the result trimmed */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "raw", in), MC_OK);
    assert_string_equal(th_payload(f), in);
    /* prefixes and the Synapse namespace declared where used, indentation
     * gone, several nodes inserted, text escaped, JSON made XML */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "ns", in), MC_OK);
    assert_string_equal(th_payload(f),
        "<m:order xmlns:m=\"urn:m\"><m:who>Ann \"A\"</m:who><items xmlns=\"http://ws.apache.org/ns/synapse\">"
        "<text>wso2</text><text>c&amp;d</text></items><plain><v><name>Ann \"A\"</name></v></plain>"
        "</m:order>");
    /* an XPath argument that is XML becomes JSON */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "xj", in), MC_OK);
    assert_string_equal(th_payload(f), "{\"who\":{\"user\":{\"name\":\"Ann \\\"A\\\"\"}},\"n\":\"Ann \\\"A\\\"\"}");
    th_flow_free(f);
}

/* <format key>: a local entry (or registry resource) is the format, an
 * element as its XML, text as it is, compiled when the config links. */
static void test_payload_factory_format_key(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions xmlns=\"http://ws.apache.org/ns/synapse\">\n"
        "<localEntry key=\"fmtx\"><r xmlns=\"\">\n  <a>$1</a>\n</r></localEntry>\n"
        "<localEntry key=\"fmtj\">{\"a\":\"$1\",\"n\":$2}</localEntry>\n"
        SEQ("kx", "<payloadFactory media-type=\"xml\"><format key=\"fmtx\"/><args><arg value=\"v&amp;w\"/>"
                  "</args></payloadFactory>")
        SEQ("kj", "<payloadFactory media-type=\"json\"><format key=\"fmtj\"/><args>"
                  "<arg evaluator=\"json\" expression=\"$.s\"/><arg evaluator=\"json\" expression=\"$.o\"/>"
                  "</args></payloadFactory>")
        "</definitions>");
    assert_int_equal(th_run(f, "kx", NULL), MC_OK);
    assert_string_equal(th_payload(f), "<r><a>v&amp;w</a></r>");
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "kj", "{\"s\":\"x\\\"y\",\"o\":{\"k\":[1]}}"), MC_OK);
    assert_string_equal(th_payload(f), "{\"a\":\"x\\\"y\",\"n\":{\"k\":[1]}}");
    th_flow_free(f);
    /* a format that names an argument not given fails at the entry */
    char *d = th_diags("<definitions xmlns=\"http://ws.apache.org/ns/synapse\">"
                       "<localEntry key=\"f2\">{\"a\":$2}</localEntry>"
                       SEQ("x", "<payloadFactory media-type=\"json\"><format key=\"f2\"/><args>"
                                "<arg value=\"1\"/></args></payloadFactory>") "</definitions>");
    assert_non_null(strstr(d, "error: $2 in the payloadFactory format 'f2' has no argument (1 <arg> given)"));
    assert_non_null(strstr(d, "payloadFactory format 'f2': see above"));
    free(d);
    /* a key that names nothing: a warning, and MI's fault when it runs */
    f = th_flow_new("<definitions xmlns=\"http://ws.apache.org/ns/synapse\">\n"
        SEQ("km", "<payloadFactory media-type=\"json\"><format key=\"nowhere\"/></payloadFactory>")
        "</definitions>");
    assert_int_equal(th_run(f, "km", "{}"), MC_EFAULT);
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE"), "Key nowhere not found ");
    th_flow_free(f);
}

static void test_payload_factory(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions>\n"
        SEQ("pj", "<payloadFactory media-type=\"json\"><format>{\"name\":\"$1\",\"n\":$2,\"obj\":\"$3\",\"arr\":$4,"
                  "\"s\":\"$5\",\"cost\":\"\\$5\",\"bare\":$6,\"lit\":\"$7\",\"flag\":$8,\"q\":$5}</format><args>"
                  "<arg expression=\"json-eval($.functionName)\"/><arg expression=\"json-eval($.count)\"/>"
                  "<arg expression=\"json-eval($.obj)\" evaluator=\"json\"/><arg expression=\"json-eval($.arr)\"/>"
                  "<arg expression=\"json-eval($.s)\"/><arg value=\"plain text\"/>"
                  "<arg value=\"{&quot;a&quot;:1}\" literal=\"true\"/><arg expression=\"json-eval($.flag)\"/></args></payloadFactory>")
        SEQ("px", "<payloadFactory media-type=\"xml\"><format><r xmlns=\"\"><a>$1</a><b>$2</b><c>\\$1</c></r></format><args>"
                  "<arg value=\"x&lt;y&amp;z\"/><arg expression=\"$body/jsonObject/obj\" evaluator=\"xml\"/></args></payloadFactory>")
        SEQ("pt", "<payloadFactory media-type=\"text\"><format>Hello $1, you owe \\$$2 ($10)</format><args>"
                  "<arg value=\"Bob\"/><arg value=\"5\"/><arg value=\"3\"/><arg value=\"4\"/><arg value=\"5\"/>"
                  "<arg value=\"6\"/><arg value=\"7\"/><arg value=\"8\"/><arg value=\"9\"/><arg value=\"ten\"/></args></payloadFactory>")
        SEQ("pbad", "<payloadFactory media-type=\"json\"><format>{\"a\":$1}</format><args><arg value=\"x\" literal=\"true\"/></args></payloadFactory>"
                    "<payloadFactory media-type=\"json\"><format>{\"a\": $1 $1}</format><args><arg value=\"1\"/></args></payloadFactory>")
        SEQ("pfromxml", "<payloadFactory media-type=\"json\"><format>{\"v\":\"$1\"}</format><args><arg expression=\"//s\"/></args></payloadFactory>")
        /* placeholders inside a longer string are escaped in place */
        SEQ("pinstr", "<payloadFactory media-type=\"json\"><format>{\"g\":\"$1, $2!\",\"e\":\"a\\\"$1\\\"b\"}</format>"
                      "<args><arg value=\"Hi\"/><arg expression=\"json-eval($.s)\"/></args></payloadFactory>")
        "</definitions>");
    assert_int_equal(th_run(f, "pj", payload_json), MC_OK);
    assert_string_equal(th_payload(f),
        "{\"name\":\"myFn\",\"n\":3,\"obj\":{\"a\":1},\"arr\":[1,2],\"s\":\"q\\\"uote\",\"cost\":\"$5\","
        /* a value argument is XML-escaped whatever the media type, as MI's
         * TemplateProcessor.getArgValues does */
        "\"bare\":\"plain text\",\"lit\":\"{&quot;a&quot;:1}\",\"flag\":true,\"q\":\"q\\\"uote\"}");
    assert_string_equal(mc_msg_content_type(f->m), "application/json");
    assert_int_equal(th_run(f, "px", payload_json), MC_OK);
    /* xmlns="" with no default namespace to undo is not written (Axiom) */
    assert_string_equal(th_payload(f), "<r><a>x&lt;y&amp;z</a><b><obj><a>1</a></obj></b><c>$1</c></r>");
    assert_string_equal(mc_msg_content_type(f->m), "application/xml");
    assert_int_equal(th_run(f, "pt", NULL), MC_OK);
    assert_string_equal(th_payload(f), "Hello Bob, you owe $5 (ten)");
    assert_string_equal(mc_msg_content_type(f->m), "text/plain");
    /* the XML payload set above is seen by the next factory */
    mc_err err = {0};
    assert_int_equal(mc_msg_set_payload(f->m, "<d><s>from xml</s></d>", 22, "application/xml", &err), MC_OK);
    assert_int_equal(th_run(f, "pfromxml", NULL), MC_OK);
    assert_string_equal(th_payload(f), "{\"v\":\"from xml\"}");
    assert_int_equal(th_run(f, "pinstr", payload_json), MC_OK);
    assert_string_equal(th_payload(f), "{\"g\":\"Hi, q\\\"uote!\",\"e\":\"a\\\"Hi\\\"b\"}");
    assert_int_equal(th_run(f, "pbad", "{}"), MC_EFAULT);
    assert_int_equal(strncmp(th_prop(f, "ERROR_MESSAGE"), "payloadFactory produced invalid JSON: ", 38), 0);
    th_flow_free(f);
    char *d = th_diags(SEQ("x", "<payloadFactory media-type=\"yaml\"><format/></payloadFactory>"));
    assert_string_equal(d, "t.xml:1:36: error: unknown media-type 'yaml' (json, xml, text)\n");
    free(d);
    d = th_diags(SEQ("x", "<payloadFactory/>"));
    assert_string_equal(d, "t.xml:1:20: error: <payloadFactory> needs a <format>\n");
    free(d);
    d = th_diags(SEQ("x", "<payloadFactory><format>$0</format></payloadFactory>"));
    assert_string_equal(d, "t.xml:1:36: error: $0 in the payloadFactory format has no argument (0 <arg> given)\n");
    free(d);
}

static void test_header(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions>\n"
        SEQ("h", "<header name=\"X-Fn\" scope=\"transport\" expression=\"json-eval($.functionName)\"/>"
                 "<header name=\"X-Lit\" scope=\"transport\" value=\"v\"/>"
                 "<header name=\"x-old\" scope=\"transport\" action=\"remove\"/>"
                 "<header name=\"To\" value=\"http://example.invalid/to\"/>"
                 "<header name=\"Action\" value=\"urn:act\"/>")
        SEQ("crlf", "<header name=\"X-Bad\" scope=\"transport\" expression=\"$ctx:evil\"/>")
        "</definitions>");
    mc_msg_set_propz(f->m, MC_SCOPE_TRANSPORT, "X-Old", "gone");
    assert_int_equal(th_run(f, "h", payload_json), MC_OK);
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "x-fn"), "myFn");
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "X-Lit"), "v");
    assert_null(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "X-Old"));
    assert_string_equal(th_prop(f, "To"), "http://example.invalid/to");
    assert_string_equal(th_prop(f, "Action"), "urn:act");
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "evil", "a\r\nInjected: 1");
    assert_int_equal(th_run(f, "crlf", NULL), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"),
                        "header 'X-Bad': a header value cannot hold a control character (CR, LF, NUL, ...)");
    assert_null(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "X-Bad"));
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "evil", "only\nLF");
    assert_int_equal(th_run(f, "crlf", NULL), MC_EFAULT);
    /* a NUL is refused like CR and LF: the value is not cut at it */
    mc_msg_set_prop(f->m, MC_SCOPE_DEFAULT, "evil", "a\0b", 3, MC_VT_STRING);
    assert_int_equal(th_run(f, "crlf", NULL), MC_EFAULT);
    assert_null(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "X-Bad"));
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "evil", "tab\tis fine");
    assert_int_equal(th_run(f, "crlf", NULL), MC_OK);
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "X-Bad"), "tab\tis fine");
    th_flow_free(f);
    /* SOAP header blocks: set, remove, an OM value, inline elements */
    f = th_flow_new("<definitions>\n"
        SEQ("soap", "<header xmlns:m=\"urn:m\" name=\"m:ticket\" value=\"T-1\"/>"
                    "<header xmlns:m=\"urn:m\" name=\"m:gone\" value=\"x\"/>"
                    "<header xmlns:m=\"urn:m\" name=\"m:gone\" action=\"remove\"/>"
                    "<header xmlns:m=\"urn:m\" name=\"m:xml\" type=\"OM\" value=\"&lt;a&gt;1&lt;/a&gt;\"/>"
                    "<header><s:sec xmlns:s=\"urn:s\" xmlns=\"\"><user>u</user></s:sec></header>"
                    "<property xmlns:m=\"urn:m\" name=\"t\" expression=\"$header/m:ticket\"/>")
        "</definitions>");
    mc_msg_set_payload(f->m, "<r/>", 4, "application/xml", NULL);
    assert_int_equal(th_run(f, "soap", NULL), MC_OK);
    assert_string_equal(th_prop(f, "t"), "T-1");
    xmlBufferPtr xb = xmlBufferCreate();
    xmlDocPtr env = mc_msg_envelope(f->m);
    xmlNodeDump(xb, env, xmlDocGetRootElement(env), 0, 0);
    assert_string_equal((const char *)xmlBufferContent(xb),
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Header>"
        "<m:ticket xmlns:m=\"urn:m\">T-1</m:ticket><m:xml xmlns:m=\"urn:m\"><a>1</a></m:xml>"
        "<s:sec xmlns:s=\"urn:s\"><user>u</user></s:sec></soapenv:Header><soapenv:Body><r/></soapenv:Body>"
        "</soapenv:Envelope>");
    xmlBufferFree(xb);
    th_flow_free(f);
    static const th_diag_case bad[] = {
        {SEQ("x", "<header name=\"X-Custom\" value=\"1\"/>"),
         "t.xml:1:28: error: Invalid SOAP header: X-Custom specified at the header mediator. All SOAP "
         "headers must be namespace qualified (prefix:name); use scope=\"transport\" for an HTTP header\n"},
        {SEQ("x", "<header name=\"wsa:Action\" value=\"1\"/>"),
         "t.xml:1:28: error: Invalid namespace prefix 'wsa' in name attribute\n"},
        {SEQ("x", "<header value=\"1\"/>"),
         "t.xml:1:20: error: <header> needs a 'name' attribute (or inline SOAP header elements)\n"},
    };
    th_check_diags(bad, sizeof bad / sizeof *bad);
}

static void test_respond_drop_loopback(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions>\n"
        SEQ("r", "<property name=\"a\" value=\"1\"/><respond/>")
        SEQ("d", "<drop/>")
        SEQ("lb", "<property name=\"in\" value=\"1\"/><loopback/>")
        SEQ("out", "<property name=\"out\" value=\"1\"/><payloadFactory media-type=\"json\"><format>{\"out\":true}</format></payloadFactory>")
        SEQ("nested", "<filter xpath=\"true()\"><then><respond/></then></filter><property name=\"after\" value=\"1\"/>")
        "</definitions>");
    assert_int_equal(th_run(f, "r", "{}"), MC_OK);
    assert_true(f->m->responded);
    assert_false(f->m->dropped);
    assert_string_equal(th_prop(f, "a"), "1");
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "d", "{}"), MC_OK);
    assert_true(f->m->dropped);
    assert_false(f->m->responded);
    /* loopback without an out sequence answers with the current payload */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "lb", "{\"x\":1}"), MC_OK);
    assert_true(f->m->responded);
    assert_string_equal(th_payload(f), "{\"x\":1}");
    assert_null(th_prop(f, "out"));
    /* with one it runs the out sequence */
    th_flow_reset_msg(f);
    mc_msg_set_payload(f->m, "{}", 2, "application/json", NULL);
    assert_int_equal(th_run3(f, "lb", "out", NULL), MC_OK);
    assert_string_equal(th_prop(f, "in"), "1");
    assert_string_equal(th_prop(f, "out"), "1");
    assert_true(f->m->in_out_sequence);
    assert_string_equal(th_payload(f), "{\"out\":true}");
    /* respond inside a nested branch ends the whole flow */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "nested", NULL), MC_OK);
    assert_true(f->m->responded);
    assert_null(th_prop(f, "after"));
    assert_int_equal(f->m->nframes, 0);
    th_flow_free(f);
}

static void test_sequence_ref(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions>\n"
        SEQ("main", "<sequence key=\"sub\"/><property name=\"back\" value=\"1\"/>"
                    "<property name=\"which\" value=\"dyn\"/><sequence key=\"{$ctx:which}\"/>"
                    "<sequence key=\"{fn:concat('d', 'yn')}\"/>")
        SEQ("sub", "<property name=\"sub\" value=\"ran\"/>")
        SEQ("dyn", "<property name=\"dyncount\" expression=\"fn:concat($ctx:dyncount, 'x')\"/>")
        SEQ("missing", "<sequence key=\"{$ctx:nope}\"/>")
        "</definitions>");
    assert_int_equal(th_run(f, "main", NULL), MC_OK);
    assert_string_equal(th_prop(f, "sub"), "ran");
    assert_string_equal(th_prop(f, "back"), "1");
    assert_string_equal(th_prop(f, "dyncount"), "xx");
    assert_int_equal(th_run(f, "missing", NULL), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "Sequence named  cannot be found");
    th_flow_free(f);
    char *d = th_diags(SEQ("x", "<sequence/>"));
    assert_string_equal(d, "t.xml:1:20: error: a <sequence> inside a flow needs a 'key' naming the sequence to run\n");
    free(d);
}

static void test_call_send(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions>\n"
        "<endpoint name=\"EP\"><http method=\"put\" uri-template=\"http://127.0.0.1:9/f/{uri.var.name}\"/></endpoint>\n"
        SEQ("c", "<header name=\"X-Up\" scope=\"transport\" value=\"u\"/>"
                 "<call><endpoint><address uri=\"http://127.0.0.1:9/invoke\"/></endpoint></call>"
                 "<property name=\"got\" expression=\"json-eval($.answer)\"/>"
                 "<property name=\"st\" expression=\"$axis2:HTTP_SC\"/>")
        SEQ("ck", "<property name=\"uri.var.name\" value=\"a b/c\"/><call><endpoint key=\"EP\"/></call>")
        SEQ("s", "<send><endpoint><address uri=\"http://127.0.0.1:9/s\"/></endpoint></send>")
        SEQ("out", "<property name=\"outran\" value=\"1\"/>")
        SEQ("s0", "<send/><property name=\"never\" value=\"1\"/>")
        SEQ("f0", "<call><endpoint><address uri=\"http://127.0.0.1:9/f0\"/></endpoint></call>"
                  "<property name=\"got\" value=\"x\"/>")
        SEQ("f1", "<call><endpoint><address uri=\"http://127.0.0.1:9/f1\"/></endpoint></call>"
                  "<property name=\"got\" value=\"x\"/>")
        "</definitions>");
    mc_msg_set_propz(f->m, MC_SCOPE_TRANSPORT, "Host", "dropped");
    assert_int_equal(th_run(f, "c", "{\"q\":1}"), MC_ESUSPENDED);
    mc_outbound *out = f->m->out;
    assert_non_null(out);
    assert_string_equal(out->method, "POST");
    assert_string_equal(out->url, "http://127.0.0.1:9/invoke");
    assert_false(out->idempotent);
    assert_string_equal(out->body, "{\"q\":1}");
    assert_int_equal(out->body_len, 7);
    bool up = false, ct = false, host = false;
    for (size_t i = 0; i < out->nheaders; i++) {
        up |= strcmp(out->headers[i].name, "X-Up") == 0 && strcmp(out->headers[i].value, "u") == 0;
        ct |= strcmp(out->headers[i].name, "Content-Type") == 0 && strcmp(out->headers[i].value, "application/json") == 0;
        host |= strcmp(out->headers[i].name, "Host") == 0;
    }
    assert_true(up);
    assert_true(ct);
    assert_false(host);
    mc_kv hdrs[] = {{"Content-Type", "application/json"}, {"X-Amzn-RequestId", "r-1"}};
    mc_inbound in = {200, "{\"answer\":42}", 13, hdrs, 2, 0, NULL};
    f->m->in = &in;
    assert_int_equal(mc_engine_resume(f->m), MC_OK);
    assert_string_equal(th_prop(f, "got"), "42");
    assert_string_equal(th_prop(f, "st"), "200");
    assert_int_equal(mc_msg_status(f->m), 200);
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "x-amzn-requestid"), "r-1");
    assert_null(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "X-Up")); /* response headers replace request's */
    assert_null(f->m->out);
    /* resume when nothing waits */
    assert_int_equal(mc_engine_resume(f->m), MC_ESTATE);
    /* endpoint by key: method from the endpoint, URI variables encoded */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "ck", "{}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->method, "PUT");
    assert_true(f->m->out->idempotent);
    assert_string_equal(f->m->out->url, "http://127.0.0.1:9/f/a%20b%2Fc");
    /* GET has no body */
    th_flow_reset_msg(f);
    mc_msg_set_propz(f->m, MC_SCOPE_AXIS2, "HTTP_METHOD", "GET");
    assert_int_equal(th_run(f, "c", "{}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->method, "GET");
    assert_null(f->m->out->body);
    /* transport faults become ERROR_CODE (each endpoint fails once: a
     * failed endpoint is suspended, see test_endpoints.c) */
    static const int codes[] = {101503, 101504};
    for (size_t i = 0; i < 2; i++) {
        th_flow_reset_msg(f);
        assert_int_equal(th_run(f, i ? "f1" : "f0", "{}"), MC_ESUSPENDED);
        mc_inbound fail = {0, NULL, 0, NULL, 0, codes[i], i ? "read timed out" : "connection refused"};
        f->m->in = &fail;
        assert_int_equal(mc_engine_resume(f->m), MC_EFAULT);
        char code[16];
        snprintf(code, sizeof code, "%d", codes[i]);
        assert_string_equal(th_prop(f, "ERROR_CODE"), code);
        assert_string_equal(th_prop(f, "ERROR_MESSAGE"), i ? "read timed out" : "connection refused");
        assert_null(th_prop(f, "got"));
    }
    /* a non-JSON answer is kept as bytes */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "c", "{}"), MC_ESUSPENDED);
    mc_kv th[] = {{"Content-Type", "application/json"}};
    mc_inbound broken = {502, "not json", 8, th, 1, 0, NULL};
    f->m->in = &broken;
    assert_int_equal(mc_engine_resume(f->m), MC_OK);
    assert_int_equal(mc_msg_status(f->m), 502);
    assert_string_equal(th_payload(f), "not json");
    /* send: the answer goes to the out sequence */
    th_flow_reset_msg(f);
    mc_msg_set_payload(f->m, "{}", 2, "application/json", NULL);
    assert_int_equal(th_run3(f, "s", "out", NULL), MC_ESUSPENDED);
    mc_inbound ok = {201, "{\"r\":1}", 7, hdrs, 1, 0, NULL};
    f->m->in = &ok;
    assert_int_equal(mc_engine_resume(f->m), MC_OK);
    assert_string_equal(th_prop(f, "outran"), "1");
    assert_string_equal(th_payload(f), "{\"r\":1}");
    /* send without out sequence answers the caller */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "s", "{}"), MC_ESUSPENDED);
    f->m->in = &ok;
    assert_int_equal(mc_engine_resume(f->m), MC_OK);
    assert_true(f->m->responded);
    /* <send/> answers at once */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "s0", "{}"), MC_OK);
    assert_true(f->m->responded);
    assert_null(th_prop(f, "never"));
    th_flow_free(f);
    /* <call/> without an endpoint goes to the To address, as Synapse's
     * CallMediator with no endpoint; without one it faults */
    char *d = th_diags(SEQ("x", "<call/>"));
    assert_string_equal(d, "");
    free(d);
    f = th_flow_new("<definitions>\n"
        SEQ("c0", "<call/><property name=\"after\" value=\"1\"/>")
        SEQ("cto", "<header name=\"To\" value=\"http://h/to\"/><call/>")
        "</definitions>");
    assert_int_equal(th_run(f, "c0", "{}"), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_CODE"), "303001");
    assert_null(th_prop(f, "after"));
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "cto", "{}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->url, "http://h/to");
    th_flow_free(f);
}

/* MI 4's <call> <source>/<target> (Synapse's CallMediator): what is sent,
 * where the answer goes, and what the message keeps. */
static void test_call_source_target(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions xmlns=\"http://ws.apache.org/ns/synapse\">\n"
        SEQ("inl", "<call><endpoint><address uri=\"http://127.0.0.1:9/a\"/></endpoint>"
                   "<source type=\"inline\" contentType=\"application/json\">{\"n\":\"{$ctx:n}\"}</source>"
                   "<target type=\"property\">r</target></call><property name=\"after\" value=\"1\"/>")
        SEQ("cus", "<call><endpoint><address uri=\"http://127.0.0.1:9/b\"/></endpoint>"
                   "<source>json-eval($.inner)</source></call>")
        SEQ("prop", "<property name=\"p\" value=\"plain text\"/>"
                    "<call><endpoint><address uri=\"http://127.0.0.1:9/c\"/></endpoint>"
                    "<source type=\"property\" contentType=\"text/plain\">p</source>"
                    "<target type=\"variable\">v</target></call>")
        SEQ("tgt", "<call><endpoint><address uri=\"http://127.0.0.1:9/d\"/></endpoint>"
                   "<target type=\"property\">r</target></call>")
        SEQ("bodysrc", "<call><endpoint><address uri=\"http://127.0.0.1:9/e\"/></endpoint>"
                       "<source type=\"body\"/><target type=\"property\">r</target></call>")
        SEQ("dynvar", "<call><endpoint><address uri=\"http://127.0.0.1:9/f\"/></endpoint>"
                      "<target type=\"variable\">{json-eval($.name)}</target></call>")
        SEQ("dynctx", "<call><endpoint><address uri=\"http://127.0.0.1:9/g\"/></endpoint>"
                      "<target type=\"variable\">{$ctx:vname}</target></call>")
        SEQ("dynsyn", "<call><endpoint><address uri=\"http://127.0.0.1:9/h\"/></endpoint>"
                      "<target type=\"variable\">{${payload.name}}</target></call>")
        SEQ("escvar", "<call><endpoint><address uri=\"http://127.0.0.1:9/i\"/></endpoint>"
                      "<target type=\"variable\">{{lit}}</target></call>")
        SEQ("litprop", "<call><endpoint><address uri=\"http://127.0.0.1:9/j\"/></endpoint>"
                       "<target type=\"property\">{$ctx:x}</target></call>")
        "</definitions>");
    mc_kv jh[] = {{"Content-Type", "application/json"}, {"X-From", "upstream"}};
    mc_inbound ans = {201, "{\"answer\":42}", 13, jh, 2, 0, NULL};

    /* inline source with a property target: the source is sent, the answer
     * goes to the property, the message keeps its body and headers */
    mc_msg_set_propz(f->m, MC_SCOPE_TRANSPORT, "X-Mine", "kept");
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "n", "7");
    assert_int_equal(th_run(f, "inl", "{\"orig\":true}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->body, "{\"n\":\"7\"}");
    f->m->in = &ans;
    assert_int_equal(mc_engine_resume(f->m), MC_OK);
    assert_string_equal(th_payload(f), "{\"orig\":true}");
    assert_string_equal(th_prop(f, "r"), "{\"answer\":42}");
    assert_string_equal(th_prop(f, "after"), "1");
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "X-Mine"), "kept");
    assert_null(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "X-From"));
    assert_int_equal(mc_msg_status(f->m), 201);           /* the answer's, as MI */

    /* an expression source alone: what it selects is sent, the answer
     * becomes the message as a plain call's does */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "cus", "{\"inner\":[1,{\"x\":2}],\"rest\":0}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->body, "[1,{\"x\":2}]");
    f->m->in = &ans;
    assert_int_equal(mc_engine_resume(f->m), MC_OK);
    assert_string_equal(th_payload(f), "{\"answer\":42}");

    /* a property source with its contentType, a variable target */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "prop", "{\"k\":1}"), MC_ESUSPENDED);
    assert_non_null(strstr(f->m->out->body, "plain text"));
    bool text_ct = false;
    for (size_t i = 0; i < f->m->out->nheaders; i++)
        text_ct |= strcmp(f->m->out->headers[i].name, "Content-Type") == 0 &&
                   strncmp(f->m->out->headers[i].value, "text/plain", 10) == 0;
    assert_true(text_ct);
    f->m->in = &ans;
    assert_int_equal(mc_engine_resume(f->m), MC_OK);
    assert_string_equal(th_payload(f), "{\"k\":1}");
    assert_string_equal(mc_msg_content_type(f->m), "application/json");
    const mc_prop *v = mc_msg_get_var(f->m, "v");
    assert_non_null(v);
    assert_non_null(strstr(v->value, "42"));

    /* a target alone: the body is sent and kept */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "tgt", "{\"same\":1}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->body, "{\"same\":1}");
    f->m->in = &ans;
    assert_int_equal(mc_engine_resume(f->m), MC_OK);
    assert_string_equal(th_payload(f), "{\"same\":1}");
    assert_string_equal(th_prop(f, "r"), "{\"answer\":42}");

    /* source type body with a property target: MI keeps nothing (its
     * isSourceAvailable is false), the answer is the body and the property */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "bodysrc", "{\"b\":1}"), MC_ESUSPENDED);
    f->m->in = &ans;
    assert_int_equal(mc_engine_resume(f->m), MC_OK);
    assert_string_equal(th_payload(f), "{\"answer\":42}");
    assert_string_equal(th_prop(f, "r"), "{\"answer\":42}");

    /* a variable target named by {expr} (XPath, json-eval or a Synapse
     * Expression): the name is evaluated for each message once the answer
     * arrived, as MI's Target.insert runs on the response context (a
     * payload path reads the answer); "{{lit}}" names the variable "{lit}";
     * a property target's text is the literal name, braces and all */
    static const struct { const char *seq, *answer, *ctx, *var; } names[] = {
        {"dynvar", "{\"name\":\"first\",\"answer\":42}", NULL, "first"},
        {"dynvar", "{\"name\":\"second\",\"answer\":42}", NULL, "second"},
        {"dynctx", "{\"answer\":42}", "third", "third"},
        {"dynsyn", "{\"name\":\"fourth\",\"answer\":42}", NULL, "fourth"},
        {"escvar", "{\"answer\":42}", NULL, "{lit}"},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        th_flow_reset_msg(f);
        if (names[i].ctx)
            mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "vname", names[i].ctx);
        assert_int_equal(th_run(f, names[i].seq, "{\"mine\":1}"), MC_ESUSPENDED);
        mc_inbound named = {200, names[i].answer, strlen(names[i].answer), jh, 2, 0, NULL};
        f->m->in = &named;
        assert_int_equal(mc_engine_resume(f->m), MC_OK);
        assert_string_equal(th_payload(f), "{\"mine\":1}");
        const mc_prop *got = mc_msg_get_var(f->m, names[i].var);
        if (!got)
            fail_msg("%s: no variable '%s'", names[i].seq, names[i].var);
        assert_non_null(strstr(got->value, "42"));
        assert_null(mc_msg_get_var(f->m, i == 0 ? "second" : "first"));
    }
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "litprop", "{}"), MC_ESUSPENDED);
    f->m->in = &ans;
    assert_int_equal(mc_engine_resume(f->m), MC_OK);
    assert_string_equal(th_prop(f, "{$ctx:x}"), "{\"answer\":42}");

    /* a call that fails with a copy held for the target: the fault, and
     * the copy goes with the message (ASan: no leak) */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "tgt", "{}"), MC_ESUSPENDED);
    mc_inbound fail = {0, NULL, 0, NULL, 0, 101503, "connection refused"};
    f->m->in = &fail;
    assert_int_equal(mc_engine_resume(f->m), MC_EFAULT);
    assert_null(th_prop(f, "r"));
    th_flow_free(f);

    /* load errors name what is wrong */
#define CALL(x) SEQ("x", "<call><endpoint><address uri=\"http://h/\"/></endpoint>" x "</call>")
    static const th_diag_case bad[] = {
        {CALL("<source type=\"property\"/>"), "~<source type=\"property\"> in <call> needs a name as its text"},
        {CALL("<source>  </source>"), "~<source type=\"custom\"> in <call> needs an expression as its text"},
        {CALL("<source type=\"json\">x</source>"), "~unknown source type 'json' in <call>"},
        {CALL("<target type=\"header\">x</target>"), "~Un-expected type : header"},
        {CALL("<target type=\"variable\">{1 +}</target>"), "~1 +"},
        {CALL("<source type=\"inline\"/>"), "~needs inline XML, JSON or text"},
    };
#undef CALL
    th_check_diags(bad, sizeof bad / sizeof *bad);
}

/* MI's <jsontransform> with JSON output properties: the payload's XML
 * becomes JSON written with them; messageType is left as it was. */
static void test_jsontransform(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions xmlns=\"http://ws.apache.org/ns/synapse\">\n"
        SEQ("ap", "<jsontransform><property name=\"synapse.commons.json.output.autoPrimitive\" "
                  "value=\"false\"/></jsontransform>")
        SEQ("rx", "<jsontransform><property name=\"synapse.commons.json.output.disableAutoPrimitive.regex\" "
                  "value=\"[0-9]+e[0-9]+\"/><property name=\"synapse.commons.json.output.emptyXmlElemToEmptyStr\" "
                  "value=\"true\"/></jsontransform>")
        "</definitions>");
    mc_msg_set_payload(f->m, "<jsonObject><f>12345</f><p>7.5</p></jsonObject>", 47, "application/xml", NULL);
    assert_int_equal(th_run(f, "ap", NULL), MC_OK);
    assert_int_equal(f->m->payload.kind, MC_PL_JSON);
    assert_string_equal(f->m->payload.bytes, "{\"f\":\"12345\",\"p\":\"7.5\"}");
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_AXIS2, "messageType"), "application/xml");
    /* a JSON payload goes through its XML view */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "rx", "{\"a\":{\"n\":\"25e1\",\"m\":3,\"e\":null}}"), MC_OK);
    assert_string_equal(th_payload(f), "{\"a\":{\"n\":\"25e1\",\"m\":3,\"e\":\"\"}}");
    th_flow_free(f);

#define JT(x) SEQ("x", x)
    static const th_diag_case bad[] = {
        {JT("<jsontransform/>"), "~should contain either a schema or custom properties"},
        {JT("<jsontransform><property name=\"x\"/></jsontransform>"), "~needs a 'name' and a 'value'"},
        {JT("<jsontransform><property name=\"synapse.commons.json.output.namespaceSepChar\" value=\"ab\"/>"
            "</jsontransform>"), "~namespaceSepChar is one character"},
        {JT("<jsontransform><property name=\"synapse.commons.json.output.disableAutoPrimitive.regex\" "
            "value=\"(\"/></jsontransform>"), "~error:"},
        {JT("<jsontransform schema=\"s\"><property name=\"a\" value=\"b\"/></jsontransform>"),
         "~<jsontransform schema> (MI's JSON schema-driven type correction) is not supported"},
        {JT("<jsontransform><property name=\"synapse.commons.json.output.xmloutMultiplePI\" value=\"true\"/>"
            "</jsontransform>"), "~warning: 'synapse.commons.json.output.xmloutMultiplePI' changes nothing"},
    };
#undef JT
    th_check_diags(bad, sizeof bad / sizeof *bad);
}

static int native_calls;

static mc_code native_ok(mc_message *m, void *ud)
{
    native_calls++;
    mc_msg_set_propz((mc_message *)m, MC_SCOPE_DEFAULT, "native", ud);
    return MC_OK;
}

static mc_code native_fault(mc_message *m, void *ud)
{
    (void)ud;
    mc_msg_set_fault((mc_message *)m, "4242", "native said no", NULL);
    return MC_EFAULT;
}

static mc_code native_plain_error(mc_message *m, void *ud)
{
    (void)m;
    (void)ud;
    return MC_EINVAL;
}

static void test_class(void **state)
{
    (void)state;
    mc_config *cfg = th_config_new();
    static mc_native n1 = {"Ok", native_ok, "from-native"};
    static mc_native n2 = {"Fails", native_fault, NULL};
    static mc_native n3 = {"Plain", native_plain_error, NULL};
    assert_true(mc_table_put(&cfg->natives, n1.name, &n1));
    assert_true(mc_table_put(&cfg->natives, n2.name, &n2));
    assert_true(mc_table_put(&cfg->natives, n3.name, &n3));
    assert_int_equal(th_config_load(cfg, "<definitions>"
        SEQ("a", "<class name=\"Ok\"/><class name=\"Ok\"/>")
        SEQ("b", "<class name=\"Fails\"/><property name=\"after\" value=\"1\"/>")
        SEQ("c", "<class name=\"Plain\"/>")
        "</definitions>"), MC_OK);
    th_flow *f = th_flow_with(cfg);
    native_calls = 0;
    assert_int_equal(th_run(f, "a", NULL), MC_OK);
    assert_int_equal(native_calls, 2);
    assert_string_equal(th_prop(f, "native"), "from-native");
    assert_int_equal(th_run(f, "b", NULL), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_CODE"), "4242");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "native said no");
    assert_null(th_prop(f, "after"));
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "c", NULL), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "invalid argument");
    th_flow_free(f);
    char *d = th_diags(SEQ("x", "<class name=\"Nope\"/>"));
    assert_string_equal(d, "t.xml:1:27: error: no native mediator is registered as 'Nope': mediac cannot run Java classes; write the mediator in C and register it under this name with mc_engine_register_mediator() (include/mediac.h)\n");
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_property),
        cmocka_unit_test(test_variable),
        cmocka_unit_test(test_variable_remove),
        cmocka_unit_test(test_log),
        cmocka_unit_test(test_filter_switch),
        cmocka_unit_test(test_payload_factory),
        cmocka_unit_test(test_payload_factory_mi),
        cmocka_unit_test(test_payload_factory_format_key),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_respond_drop_loopback),
        cmocka_unit_test(test_sequence_ref),
        cmocka_unit_test(test_call_send),
        cmocka_unit_test(test_call_source_target),
        cmocka_unit_test(test_jsontransform),
        cmocka_unit_test(test_class),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

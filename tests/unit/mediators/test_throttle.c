/* test_throttle.c - unit tests for <throttle>: the concurrency limit (a
 * message holds its slot until it is freed), the rate policy per caller
 * (exact address, range, wildcard, "other" shared by everyone else, IsAllow
 * false, the prohibit period, a new window), X-Forwarded-For, onAccept and
 * onReject inline and by key, a policy from a local entry, both policy
 * forms (ExactlyOne / Control), and the diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "flow_harness.h"

#define NS "xmlns:wsp=\"http://schemas.xmlsoap.org/ws/2004/09/policy\" " \
           "xmlns:throttle=\"http://www.wso2.org/products/wso2commons/throttle\""
/* Synapse's older form: wsp:All with an ID and an ExactlyOne of limits */
#define CALLER(id, max, unit, prohibit)                                                     \
    "<wsp:All><throttle:ID throttle:type=\"IP\">" id "</throttle:ID><wsp:ExactlyOne><wsp:All>" \
    "<throttle:MaximumCount>" max "</throttle:MaximumCount><throttle:UnitTime>" unit           \
    "</throttle:UnitTime><throttle:ProhibitTimePeriod wsp:Optional=\"true\">" prohibit          \
    "</throttle:ProhibitTimePeriod></wsp:All><throttle:IsAllow>true</throttle:IsAllow>"        \
    "</wsp:ExactlyOne></wsp:All>"
#define SEQ(name, body) "<sequence name=\"" name "\">" body "</sequence>\n"
#define MARKS "<onAccept><property name=\"verdict\" value=\"accept\"/></onAccept>" \
              "<onReject><property name=\"verdict\" value=\"reject\"/><drop/></onReject>"

static const char *config =
    "<definitions " NS ">\n"
    "<localEntry key=\"conc\"><wsp:Policy><throttle:MediatorThrottleAssertion>"
    "<throttle:MaximumConcurrentAccess>2</throttle:MaximumConcurrentAccess>"
    "</throttle:MediatorThrottleAssertion></wsp:Policy></localEntry>\n"
    SEQ("conc", "<throttle id=\"c\"><policy key=\"conc\"/>" MARKS "</throttle>"
                "<property name=\"after\" value=\"1\"/>")
    SEQ("rate", "<throttle id=\"r\"><policy><wsp:Policy><throttle:ThrottleAssertion>"
                CALLER("other", "2", "60000", "")
                CALLER("10.1.1.10-10.1.1.20", "1", "60000", "")
                CALLER("10.2.2.*", "1", "60000", "")
                "<wsp:All><throttle:ID throttle:type=\"IP\">10.9.9.9</throttle:ID>"
                "<wsp:ExactlyOne><throttle:IsAllow>false</throttle:IsAllow></wsp:ExactlyOne></wsp:All>"
                "</throttle:ThrottleAssertion></wsp:Policy></policy>" MARKS "</throttle>")
    /* MI's newer form: nested wsp:Policy with throttle:Control */
    SEQ("prohibit", "<throttle id=\"p\" onAccept=\"accepted\" onReject=\"rejected\"><policy>"
                    "<wsp:Policy><throttle:MediatorThrottleAssertion><wsp:Policy>"
                    "<throttle:ID throttle:type=\"IP\">other</throttle:ID><wsp:Policy><throttle:Control>"
                    "<wsp:Policy><throttle:MaximumCount>1</throttle:MaximumCount>"
                    "<throttle:UnitTime>60000</throttle:UnitTime>"
                    "<throttle:ProhibitTimePeriod>1000</throttle:ProhibitTimePeriod></wsp:Policy>"
                    "</throttle:Control></wsp:Policy></wsp:Policy>"
                    "</throttle:MediatorThrottleAssertion></wsp:Policy></policy></throttle>")
    SEQ("window", "<throttle id=\"w\"><policy><wsp:Policy>" CALLER("other", "1", "1000", "")
                  "</wsp:Policy></policy></throttle><property name=\"after\" value=\"1\"/>")
    SEQ("accepted", "<property name=\"verdict\" value=\"accept\"/>")
    SEQ("rejected", "<property name=\"verdict\" value=\"reject\"/>")
    "</definitions>";

static mc_message *start(th_flow *f, const char *seq, const char *ip, const char *xff)
{
    mc_message *m = mc_msg_new(f->cfg, &f->lg);
    assert_non_null(m);
    if (ip)
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "REMOTE_ADDR", ip);
    if (xff)
        mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "X-Forwarded-For", xff);
    assert_int_equal(mc_engine_start(m, mc_config_sequence(f->cfg, seq), NULL, NULL), MC_OK);
    assert_int_equal(mc_engine_run(m), MC_OK);
    return m;
}

/* Run one message to the end and free it; the verdict it got. */
static const char *verdict(th_flow *f, const char *seq, const char *ip, const char *xff)
{
    static char v[16];
    mc_message *m = start(f, seq, ip, xff);
    const char *p = mc_msg_prop(m, MC_SCOPE_DEFAULT, "verdict");
    snprintf(v, sizeof v, "%s", p ? p : (mc_msg_prop(m, MC_SCOPE_DEFAULT, "after") ? "on" : "stop"));
    mc_msg_free(m);
    return v;
}

static void test_concurrency(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    mc_message *a = start(f, "conc", "1.1.1.1", NULL), *b = start(f, "conc", "1.1.1.1", NULL);
    assert_string_equal(mc_msg_prop(a, MC_SCOPE_DEFAULT, "verdict"), "accept");
    assert_string_equal(mc_msg_prop(a, MC_SCOPE_DEFAULT, "after"), "1");
    assert_string_equal(mc_msg_prop(b, MC_SCOPE_DEFAULT, "verdict"), "accept");
    mc_message *c = start(f, "conc", "1.1.1.1", NULL);
    assert_string_equal(mc_msg_prop(c, MC_SCOPE_DEFAULT, "verdict"), "reject");
    assert_string_equal(mc_msg_prop(c, MC_SCOPE_DEFAULT, "SYNAPSE_IS_CONCURRENT_ACCESS_ALLOWED"),
                        "false");
    assert_true(c->dropped);
    assert_null(mc_msg_prop(c, MC_SCOPE_DEFAULT, "after"));
    mc_msg_free(c);                       /* a rejected message held no slot */
    assert_string_equal(verdict(f, "conc", NULL, NULL), "reject");
    mc_msg_free(a);                       /* a slot comes free when a message ends */
    mc_message *d = start(f, "conc", NULL, NULL);
    assert_string_equal(mc_msg_prop(d, MC_SCOPE_DEFAULT, "verdict"), "accept");
    mc_msg_free(b);
    mc_msg_free(d);
    th_flow_free(f);
}

static void test_rate_by_caller(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    /* "other": everyone not listed shares one count of 2 */
    assert_string_equal(verdict(f, "rate", "192.0.2.1", NULL), "accept");
    assert_string_equal(verdict(f, "rate", "192.0.2.2", NULL), "accept");
    assert_string_equal(verdict(f, "rate", "192.0.2.3", NULL), "reject");
    /* a range has its own count */
    assert_string_equal(verdict(f, "rate", "10.1.1.15", NULL), "accept");
    assert_string_equal(verdict(f, "rate", "10.1.1.10", NULL), "reject");
    assert_string_equal(verdict(f, "rate", "10.1.1.21", NULL), "reject");   /* other again */
    /* a wildcard too */
    assert_string_equal(verdict(f, "rate", "10.2.2.200", NULL), "accept");
    assert_string_equal(verdict(f, "rate", "10.2.2.1", NULL), "reject");
    /* IsAllow false: never */
    assert_string_equal(verdict(f, "rate", "10.9.9.9", NULL), "reject");
    /* X-Forwarded-For names the caller (its first address) */
    th_flow *g = th_flow_new(config);
    assert_string_equal(verdict(g, "rate", "192.0.2.1", "10.9.9.9, 192.0.2.1"), "reject");
    /* no address at all: Synapse lets it through */
    assert_string_equal(verdict(g, "rate", NULL, NULL), "accept");
    th_flow_free(g);
    th_flow_free(f);
}

static void test_time(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    assert_string_equal(verdict(f, "prohibit", "192.0.2.1", NULL), "accept");
    assert_string_equal(verdict(f, "prohibit", "192.0.2.1", NULL), "reject");
    assert_string_equal(verdict(f, "window", "192.0.2.1", NULL), "on");
    assert_string_equal(verdict(f, "window", "192.0.2.1", NULL), "stop");   /* no onReject */
    usleep(1200 * 1000);                  /* past the 1 s prohibit period and window */
    assert_string_equal(verdict(f, "prohibit", "192.0.2.1", NULL), "accept");
    assert_string_equal(verdict(f, "window", "192.0.2.1", NULL), "on");
    th_flow_free(f);
}

/* References that name nothing are load warnings; a message reaching them
 * faults with Synapse's words. */
static void test_missing_references(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions " NS ">"
        SEQ("nokey", "<throttle id=\"k\"><policy key=\"gone\"/></throttle>")
        SEQ("noseq", "<throttle id=\"s\" onReject=\"gone\"><policy><wsp:Policy>"
                     "<wsp:All><throttle:ID throttle:type=\"IP\">other</throttle:ID>"
                     "<throttle:IsAllow>false</throttle:IsAllow></wsp:All></wsp:Policy></policy></throttle>")
        "</definitions>");
    assert_int_equal(th_run(f, "nokey", "{}"), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "Cannot find throttling policy using key : gone");
    th_flow_reset_msg(f);
    mc_msg_set_propz(f->m, MC_SCOPE_AXIS2, "REMOTE_ADDR", "192.0.2.1");
    assert_int_equal(th_run(f, "noseq", "{}"), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "Unable to find onReject sequence with key : gone");
    th_flow_free(f);
}

/* No <policy> (or an empty one): Synapse's ThrottleMediator has no
 * controller and accepts every request, running onAccept; on the response
 * path (MI's `<throttle id="A"/>` in an outSequence) it does nothing. */
static void test_without_policy(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions>"
        SEQ("bare", "<throttle id=\"a\"/><property name=\"after\" value=\"1\"/>")
        SEQ("marks", "<throttle id=\"b\">" MARKS "</throttle>")
        SEQ("empty", "<throttle id=\"c\"><policy/>" MARKS "</throttle>")
        "</definitions>");
    for (int i = 0; i < 5; i++) {
        assert_string_equal(verdict(f, "bare", "192.0.2.1", NULL), "on");
        assert_string_equal(verdict(f, "marks", "192.0.2.1", NULL), "accept");
        assert_string_equal(verdict(f, "empty", NULL, NULL), "accept");
    }
    mc_message *m = mc_msg_new(f->cfg, &f->lg);
    assert_non_null(m);
    assert_int_equal(mc_engine_start(m, mc_config_sequence(f->cfg, "marks"), NULL, NULL), MC_OK);
    m->in_out_sequence = true;            /* a response: neither branch runs */
    assert_int_equal(mc_engine_run(m), MC_OK);
    assert_null(mc_msg_prop(m, MC_SCOPE_DEFAULT, "verdict"));
    assert_null(mc_msg_prop(m, MC_SCOPE_DEFAULT, "SYNAPSE_IS_CONCURRENT_ACCESS_ALLOWED"));
    assert_false(m->dropped);
    mc_msg_free(m);
    th_flow_free(f);
}

static void test_diagnostics(void **state)
{
    (void)state;
    static const th_diag_case cases[] = {
        {SEQ("s", "<throttle><policy/></throttle>"), "~error: <throttle> needs an 'id'"},
        {SEQ("s", "<throttle id=\"a\"><policy key=\"\"/></throttle>"),
         "~error: <policy key> should have a value"},
        {"<sequence name=\"s\" " NS "><throttle id=\"a\"><policy><wsp:Policy><wsp:All>"
         "<throttle:ID throttle:type=\"ROLE\">x</throttle:ID></wsp:All></wsp:Policy></policy>"
         "</throttle></sequence>",
         "~error: throttle policy: Unsupported throttle type : ROLE"},
        {"<sequence name=\"s\" " NS "><throttle id=\"a\"><policy><wsp:Policy><wsp:All>"
         "<throttle:ID throttle:type=\"IP\">other</throttle:ID><throttle:MaximumCount>3"
         "</throttle:MaximumCount></wsp:All></wsp:Policy></policy></throttle></sequence>",
         "~error: throttle policy: Maximum Count and UnitTime are Mandatory in Throttle Policy (ID other)"},
        {"<sequence name=\"s\" " NS "><throttle id=\"a\"><policy><wsp:Policy><wsp:All>"
         "<throttle:ID throttle:type=\"IP\">other</throttle:ID><throttle:IsAllow>maybe"
         "</throttle:IsAllow></wsp:All></wsp:Policy></policy></throttle></sequence>",
         "~error: throttle policy: Value for isAllow component is invalid: 'maybe'"},
        {"<sequence name=\"s\" " NS "><throttle id=\"a\"><policy><wsp:Policy><wsp:All>"
         "<throttle:ID throttle:type=\"IP\">10.0.0.9-10.0.0.2</throttle:ID><throttle:IsAllow>true"
         "</throttle:IsAllow></wsp:All></wsp:Policy></policy></throttle></sequence>",
         "~error: throttle policy: IP range '10.0.0.9-10.0.0.2' must be a.b.c.x-a.b.c.y with x <= y"},
        {SEQ("s", "<throttle id=\"a\" onReject=\"nope\"><policy key=\"nope2\"/></throttle>"),
         "t.xml:1:61: warning: unknown local entry 'nope2'\nt.xml:1:37: warning: unknown sequence 'nope'\n"},
        {"<sequence name=\"s\" xmlns:wsp=\"http://schemas.xmlsoap.org/ws/2004/09/policy\" "
         "xmlns:throttle=\"http://www.wso2.org/products/google/throttle\"><throttle id=\"a\"><policy>"
         "<wsp:Policy><throttle:MaximumConcurrentAccess>1</throttle:MaximumConcurrentAccess></wsp:Policy>"
         "</policy></throttle></sequence>",
         "~warning: the throttle policy has no MaximumConcurrentAccess and no throttle:ID entries"},
        {"<definitions><localEntry key=\"k\">text</localEntry>"
         SEQ("s", "<throttle id=\"a\"><policy key=\"k\"/></throttle>") "</definitions>",
         "~error: local entry 'k' is not a throttle policy (XML)"},
    };
    th_check_diags(cases, sizeof cases / sizeof *cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrency),
        cmocka_unit_test(test_rate_by_caller),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_missing_references),
        cmocka_unit_test(test_without_policy),
        cmocka_unit_test(test_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

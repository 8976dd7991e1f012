/* test_split.c - child messages driven through the engine directly, with
 * the test as the host: it takes every request the top message waits for
 * and answers it from a fake upstream (named so: a function of the request
 * body, answered in the order the test chooses, which a real server could
 * not be made to do reliably).  iterate and clone with aggregate over XML
 * and JSON, answers in reverse order, a clone target that answers the
 * caller while another still waits (the answer is decided early), an
 * aggregation that times out (the late child's request is cut at the
 * timeout), a child whose call fails, the limit of children, sequential
 * children, a target that ends without I/O and targets with nothing in
 * them (<target/>). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "flow_harness.h"

#define SEQ(name, body) "<sequence name=\"" name "\">" body "</sequence>\n"
#define EP "<endpoint><address uri=\"http://upstream.test/echo\"/></endpoint>"

static const char *config =
    "<definitions xmlns=\"http://ws.apache.org/ns/synapse\">\n"
    /* MI's aggr_func templates: the aggregate's expression is a parameter
     * its caller passes as {{expr}} (Synapse passes the expression itself),
     * its prefix declared only on <with-param> */
    "<template name=\"aggr\"><parameter name=\"aggr_expr\"/><sequence><aggregate>"
    "<onComplete expression=\"$func:aggr_expr\"><respond/></onComplete></aggregate></sequence></template>\n"
    "<template name=\"iter\"><parameter name=\"it_expr\"/><sequence><iterate expression=\"$func:it_expr\">"
    "<target><sequence><call>" EP "</call><call-template target=\"aggr\"><with-param xmlns:q=\"urn:q\" "
    "name=\"aggr_expr\" value=\"{{//q:r}}\"/></call-template></sequence></target></iterate></sequence></template>\n"
    SEQ("passed_iter", "<call-template target=\"iter\"><with-param name=\"it_expr\" value=\"{{//item}}\"/>"
                       "</call-template>")
    SEQ("passed", "<iterate expression=\"//item\"><target><sequence><call>" EP "</call>"
                  "<call-template target=\"aggr\"><with-param xmlns:q=\"urn:q\" name=\"aggr_expr\" "
                  "value=\"{{//q:r}}\"/></call-template></sequence></target></iterate>")

    SEQ("xml", "<property name=\"wrap\" scope=\"default\" type=\"OM\"><e:all xmlns:e=\"urn:e\"/></property>"
               "<iterate expression=\"//item\"><target><sequence><call>" EP "</call></sequence>"
               "</target></iterate>"
               "<aggregate><onComplete expression=\"//r\" enclosingElementProperty=\"wrap\">"
               "<respond/></onComplete></aggregate>")
    SEQ("json", "<iterate expression=\"json-eval($.items)\"><target><sequence><call>" EP "</call>"
                "</sequence></target></iterate>"
                "<aggregate><onComplete expression=\"json-eval($)\"><respond/></onComplete></aggregate>")
    SEQ("clone", "<clone><target><sequence><payloadFactory media-type=\"json\"><format>{\"first\":1}"
                 "</format><args/></payloadFactory><respond/></sequence></target>"
                 "<target><sequence><call>" EP "</call><property name=\"late\" value=\"1\"/>"
                 "</sequence></target></clone>")
    SEQ("timeout", "<iterate id=\"t\" expression=\"json-eval($.items)\"><target><sequence><call>" EP
                   "</call></sequence></target></iterate>"
                   "<aggregate id=\"t\"><completeCondition timeout=\"1\"/>"
                   "<onComplete expression=\"json-eval($)\"><respond/></onComplete></aggregate>")
    SEQ("limit", "<iterate xmlns:mc=\"http://mediac.dev/ns/config\" mc:maxChildren=\"2\" "
                 "expression=\"json-eval($.items)\"><target><sequence><call>" EP "</call>"
                 "</sequence></target></iterate>")
    SEQ("seq", "<iterate sequential=\"true\" expression=\"json-eval($.items)\"><target><sequence>"
               "<call>" EP "</call></sequence></target></iterate>"
               "<aggregate><onComplete expression=\"json-eval($)\"><respond/></onComplete></aggregate>")
    SEQ("noio", "<iterate expression=\"json-eval($.items)\" continueParent=\"true\"><target><sequence>"
                "<log level=\"custom\"><property name=\"child\" expression=\"json-eval($)\"/></log>"
                "</sequence></target></iterate>"
                "<aggregate><onComplete expression=\"json-eval($)\"><respond/></onComplete></aggregate>"
                "<property name=\"parent\" value=\"went on\"/>")
    /* MI's TargetFactory takes a target with neither a sequence nor an
     * endpoint; Synapse's Target then sets To / SOAPAction and mediates
     * nothing: each copy ends where it starts */
    SEQ("empty", "<clone continueParent=\"true\"><target/><target to=\"http://other.test/x\" "
                 "soapAction=\"urn:a\"/><target><description>d</description></target></clone>"
                 "<iterate expression=\"json-eval($.items)\" continueParent=\"true\"><target/>"
                 "</iterate><property name=\"after\" value=\"went on\"/>")
    SEQ("fe1", "<foreach expression=\"//item\"><sequence><payloadFactory media-type=\"xml\"><format>"
               "<p:done xmlns:p=\"urn:p\">$1</p:done></format><args><arg expression=\"//n\"/></args>"
               "</payloadFactory></sequence></foreach><property name=\"after\" value=\"1\"/>")
    SEQ("fe1json", "<foreach id=\"f\" expression=\"json-eval($.items)\"><sequence><filter source=\"json-eval($.n)\" "
                   "regex=\"3\"><then><drop/></then></filter><payloadFactory media-type=\"json\"><format>"
                   "{\"v\":$1}</format><args><arg expression=\"json-eval($.n)\"/></args>"
                   "</payloadFactory></sequence></foreach><property name=\"after\" value=\"1\"/>")
    SEQ("fe2", "<foreach collection=\"${payload.items}\"><sequence><call>" EP "</call></sequence>"
               "</foreach><property name=\"after\" value=\"1\"/>")
    SEQ("fe2var", "<foreach collection=\"${payload.items}\" parallel-execution=\"false\" "
                  "counter-variable=\"i\" update-original=\"false\" result-content-type=\"JSON\" "
                  "target-variable=\"out\"><sequence><payloadFactory media-type=\"json\"><format>"
                  "{\"i\":$1}</format><args><arg expression=\"${vars.i}\"/></args></payloadFactory>"
                  "</sequence></foreach>")
    SEQ("sg", "<scatter-gather target=\"body\" result-content-type=\"JSON\"><aggregation "
              "expression=\"${payload}\"/><sequence><call>" EP "</call></sequence><sequence>"
              "<payloadFactory media-type=\"json\"><format>{\"local\":true}</format><args/>"
              "</payloadFactory></sequence></scatter-gather><property name=\"after\" value=\"1\"/>")
    SEQ("sgtimeout", "<scatter-gather target=\"variable\" target-variable=\"r\" "
                     "result-content-type=\"XML\" result-enclosing-element=\"all\"><aggregation "
                     "expression=\"//echo\" timeout=\"800\"/><sequence><call>" EP "</call></sequence>"
                     "<sequence><call>" EP "</call></sequence></scatter-gather>")
    "</definitions>";

/* The fake upstream: answers {"echo": BODY} for JSON, <echo>BODY</echo>
 * for XML (or fails when the body says "fail"). */
static mc_inbound *fake_answer(mc_message *top, const mc_outbound *out)
{
    mc_inbound *in = mc_arena_calloc(&top->arena, sizeof *in);
    if (out->body && strstr(out->body, "fail")) {
        in->fault_code = 101503;
        in->error = "Connection refused";
        return in;
    }
    bool xml = out->body_len && out->body[0] == '<';
    char *body = mc_arena_printf(&top->arena, xml ? "<echo>%.*s</echo>" : "{\"echo\":%.*s}",
                                 (int)out->body_len, out->body);
    in->status = 200;
    in->body = body;
    in->body_len = strlen(body);
    mc_kv *h = mc_arena_calloc(&top->arena, sizeof *h);
    h->name = "Content-Type";
    h->value = xml ? "application/xml" : "application/json";
    in->headers = h;
    in->nheaders = 1;
    return in;
}

typedef struct host {
    int rounds;
    size_t most_at_once;          /* requests outstanding at one time */
    bool decided_early;           /* the answer was decided while still running */
    long long timeouts[16];       /* timeout_ms of the requests, in the order taken */
    size_t ntimeouts;
    size_t hold;                  /* leave this many unanswered for hold_rounds */
    int hold_rounds;
    int sleep_ms_before_held;     /* then sleep, and fail them as timed out */
} host;

/* Drive the top message like a host: take every request, answer them in
 * reverse order (holding some back when asked), resume. */
static mc_code drive(th_flow *f, host *h, mc_code rc)
{
    mc_message *m = f->m;
    mc_pending *held[16];
    size_t nheld = 0;
    while (rc == MC_ESUSPENDED && h->rounds++ < 100) {
        mc_code d;
        if (mc_engine_decided(m, &d))
            h->decided_early = true;
        mc_pending *taken[64];
        size_t n = 0;
        for (mc_pending *p; (p = mc_engine_next_request(m)) && n < 64;) {
            taken[n++] = p;
            if (h->ntimeouts < 16)
                h->timeouts[h->ntimeouts++] = p->req->timeout_ms;
        }
        size_t waiting = mc_engine_outstanding(m);
        if (waiting > h->most_at_once)
            h->most_at_once = waiting;
        while (h->hold && n) {
            held[nheld++] = taken[--n];
            h->hold--;
        }
        if (n == 0 && nheld && --h->hold_rounds <= 0) {
            if (h->sleep_ms_before_held)
                usleep((useconds_t)h->sleep_ms_before_held * 1000);
            for (size_t i = 0; i < nheld; i++) {
                mc_inbound *in = mc_arena_calloc(&m->arena, sizeof *in);
                in->fault_code = 101504;
                in->error = "Read timeout";
                assert_int_equal(mc_engine_answer(m, held[i]->id, in), MC_OK);
            }
            nheld = 0;
        }
        for (size_t i = n; i-- > 0;)
            assert_int_equal(mc_engine_answer(m, taken[i]->id, fake_answer(m, taken[i]->req)), MC_OK);
        rc = mc_engine_resume(m);
    }
    return rc;
}

static mc_code run(th_flow *f, const char *seq, const char *payload, const char *ctype, host *h)
{
    th_flow_reset_msg(f);
    mc_err err = {0};
    assert_int_equal(mc_msg_set_payload(f->m, payload, strlen(payload), ctype, &err), MC_OK);
    mc_code rc = mc_engine_start(f->m, mc_config_sequence(f->cfg, seq), NULL, NULL);
    assert_int_equal(rc, MC_OK);
    return drive(f, h, mc_engine_run(f->m));
}

static void test_iterate_xml(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    host h = {0};
    mc_code rc = run(f, "xml", "<order><item><r>a</r></item><item><r>b</r></item><item><r>c</r>"
                                "</item></order>", "application/xml", &h);
    assert_int_equal(rc, MC_OK);
    assert_true(f->m->responded);
    assert_int_equal(h.most_at_once, 3);           /* the three calls were concurrent */
    /* each call echoed its child's payload; the aggregation takes r from
     * each answer, in the order they arrived (reversed), and encloses them */
    assert_string_equal(th_payload(f), "<e:all xmlns:e=\"urn:e\"><r>c</r><r>b</r><r>a</r></e:all>");
    th_flow_free(f);
}

/* The message's SOAP Body (all its children) ends with tail. */
static void assert_body_ends(th_flow *f, const char *tail)
{
    xmlBufferPtr b = xmlBufferCreate();
    xmlNodeDump(b, mc_msg_envelope(f->m), mc_msg_body(f->m), 0, 0);
    const char *out = (const char *)xmlBufferContent(b);
    size_t n = strlen(out), t = strlen(tail);
    if (n < t || strcmp(out + n - t, tail) != 0)
        fail_msg("got %s", out);
    xmlBufferFree(b);
}

static void test_passed_expression(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    host h = {0};
    mc_code rc = run(f, "passed", "<order><item><q:r xmlns:q=\"urn:q\">a</q:r></item><item>"
                                   "<q:r xmlns:q=\"urn:q\">b</q:r></item></order>", "application/xml", &h);
    assert_int_equal(rc, MC_OK);
    assert_true(f->m->responded);
    /* Synapse's merge without an enclosing element: every match beside the
     * first in the Body (answers arrive reversed) */
    assert_body_ends(f, ">b</q:r><q:r xmlns:q=\"urn:q\">a</q:r></soapenv:Body>");
    th_flow_free(f);
}

static void test_passed_iterate_expression(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    host h = {0};
    mc_code rc = run(f, "passed_iter", "<order><item><q:r xmlns:q=\"urn:q\">a</q:r></item><item>"
                                        "<q:r xmlns:q=\"urn:q\">b</q:r></item></order>", "application/xml", &h);
    assert_int_equal(rc, MC_OK);
    assert_true(f->m->responded);
    assert_int_equal(h.most_at_once, 2);           /* one child per //item */
    assert_body_ends(f, ">b</q:r><q:r xmlns:q=\"urn:q\">a</q:r></soapenv:Body>");
    th_flow_free(f);
}

static void test_iterate_json(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    host h = {0};
    mc_code rc = run(f, "json", "{\"items\":[{\"n\":1},{\"n\":2}],\"other\":true}",
                     "application/json", &h);
    assert_int_equal(rc, MC_OK);
    assert_string_equal(th_payload(f), "[{\"echo\":{\"n\":2}},{\"echo\":{\"n\":1}}]");
    assert_int_equal(h.most_at_once, 2);
    th_flow_free(f);
}

static void test_clone_answers_early(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    host h = {0};
    mc_code rc = run(f, "clone", "{\"x\":1}", "application/json", &h);
    assert_int_equal(rc, MC_OK);
    assert_true(h.decided_early);                  /* while the second target still waited */
    assert_true(f->m->responded);
    assert_string_equal(th_payload(f), "{\"first\":1}");
    assert_ptr_equal(mc_engine_answerer(f->m), f->m);   /* adopted into the top message */
    th_flow_free(f);
}

static void test_aggregate_timeout(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    /* one of three requests never answers in time: the aggregation
     * completes at its 1 s timeout with the other two */
    host h = {.hold = 1, .hold_rounds = 1, .sleep_ms_before_held = 1100};
    mc_code rc = run(f, "timeout", "{\"items\":[1,2,3]}", "application/json", &h);
    assert_int_equal(rc, MC_OK);
    assert_string_equal(th_payload(f), "[{\"echo\":2},{\"echo\":1}]");
    for (size_t i = 0; i < h.ntimeouts; i++)        /* every request was cut at the timeout */
        assert_true(h.timeouts[i] > 0 && h.timeouts[i] <= 1000);
    assert_non_null(strstr(th_logs(f), "Aggregate mediator timeout occurred."));
    th_flow_free(f);
}

static void test_child_fault_and_limits(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    host h = {0};
    /* the second child's call fails and nothing handles it: the
     * aggregation completes with the others once nothing more can come */
    mc_code rc = run(f, "json", "{\"items\":[\"ok\",\"fail\",\"ok2\"]}", "application/json", &h);
    assert_int_equal(rc, MC_OK);
    assert_string_equal(th_payload(f), "[{\"echo\":\"ok2\"},{\"echo\":\"ok\"}]");
    assert_non_null(strstr(th_logs(f), "a child message ended in a fault nothing handled"));

    host h2 = {0};
    rc = run(f, "limit", "{\"items\":[1,2,3]}", "application/json", &h2);
    assert_int_equal(rc, MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"),
                        "iterate: 3 child messages exceed the limit of 2 (mc:maxChildren)");
    th_flow_free(f);
}

static void test_sequential(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    host h = {0};
    mc_code rc = run(f, "seq", "{\"items\":[1,2,3]}", "application/json", &h);
    assert_int_equal(rc, MC_OK);
    assert_int_equal(h.most_at_once, 1);           /* one child at a time */
    assert_string_equal(th_payload(f), "[{\"echo\":1},{\"echo\":2},{\"echo\":3}]");
    th_flow_free(f);
}

static void test_target_without_io(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    host h = {0};
    /* Synapse: a child whose target never waits ends with it; it does not
     * go on to the aggregate.  The parent (continueParent) does, passes
     * it (no correlation property) and goes on. */
    mc_code rc = run(f, "noio", "{\"items\":[1,2]}", "application/json", &h);
    assert_int_equal(rc, MC_OK);
    assert_false(f->m->responded);
    assert_string_equal(th_prop(f, "parent"), "went on");
    assert_non_null(strstr(th_logs(f), "child = 1"));
    assert_non_null(strstr(th_logs(f), "child = 2"));
    assert_int_equal(h.rounds, 0);
    th_flow_free(f);
}

static void test_empty_targets(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    host h = {0};
    /* the copies end at once: nothing is sent or answered, the parent
     * goes on with its message as it was */
    mc_code rc = run(f, "empty", "{\"items\":[1,2,3]}", "application/json", &h);
    assert_int_equal(rc, MC_OK);
    assert_int_equal(h.rounds, 0);
    assert_false(f->m->responded);
    assert_string_equal(th_prop(f, "after"), "went on");
    assert_string_equal(th_payload(f), "{\"items\":[1,2,3]}");
    th_flow_free(f);
}

static void test_foreach_synapse(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    host h = {0};
    mc_code rc = run(f, "fe1", "<order><item><n>1</n></item><x/><item><n>2</n></item></order>",
                     "application/xml", &h);
    assert_int_equal(rc, MC_OK);
    assert_string_equal(th_prop(f, "after"), "1");
    assert_string_equal(th_payload(f), "<order><x/><p:done xmlns:p=\"urn:p\">1</p:done><p:done xmlns:p=\"urn:p\">2</p:done></order>");
    assert_string_equal(th_prop(f, "FOREACH_COUNTER"), "2");
    /* JSON; a pass that drops ends the loop, the message goes on */
    rc = run(f, "fe1json", "{\"items\":[{\"n\":1},{\"n\":2},{\"n\":3},{\"n\":4}],\"k\":0}",
             "application/json", &h);
    assert_int_equal(rc, MC_OK);
    assert_string_equal(th_prop(f, "after"), "1");
    assert_string_equal(th_payload(f), "{\"items\":[{\"v\":1},{\"v\":2},{\"n\":3}],\"k\":0}");
    assert_string_equal(th_prop(f, "f_FOREACH_COUNTER"), "3");
    assert_int_equal(h.rounds, 0);
    th_flow_free(f);
    char *d = th_diags("<sequence name=\"s\"><foreach expression=\"//a\"><sequence><call>" EP
                       "</call></sequence></foreach></sequence>");
    assert_non_null(strstr(d, "error: Sequence cannot contain Call, Send or CallOut mediators"));
    free(d);
}

static void test_foreach_mi44(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    host h = {0};
    /* parallel children; the collection is replaced in item order, whatever
     * the order of the answers */
    mc_code rc = run(f, "fe2", "{\"items\":[\"a\",\"b\",\"c\"],\"k\":1}", "application/json", &h);
    assert_int_equal(rc, MC_OK);
    assert_int_equal(h.most_at_once, 3);
    assert_string_equal(th_prop(f, "after"), "1");
    assert_string_equal(th_payload(f),
                        "{\"items\":[{\"echo\":\"a\"},{\"echo\":\"b\"},{\"echo\":\"c\"}],\"k\":1}");
    host h2 = {0};
    rc = run(f, "fe2var", "{\"items\":[5,6]}", "application/json", &h2);
    assert_int_equal(rc, MC_OK);
    const mc_prop *v = mc_msg_get_var(f->m, "out");
    assert_non_null(v);
    assert_string_equal(v->value, "[{\"i\":0},{\"i\":1}]");
    assert_string_equal(th_payload(f), "{\"items\":[5,6]}");   /* untouched */
    th_flow_free(f);
}

static void test_scatter_gather(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    host h = {0};
    mc_code rc = run(f, "sg", "{\"q\":1}", "application/json", &h);
    assert_int_equal(rc, MC_OK);
    assert_string_equal(th_prop(f, "after"), "1");
    /* the local sequence finished first */
    assert_string_equal(th_payload(f), "[{\"local\":true},{\"echo\":{\"q\":1}}]");
    /* a copy that does not answer within 800 ms is left out */
    host h2 = {.hold = 1, .hold_rounds = 1, .sleep_ms_before_held = 900};
    rc = run(f, "sgtimeout", "<q>1</q>", "application/xml", &h2);
    assert_int_equal(rc, MC_OK);
    const mc_prop *v = mc_msg_get_var(f->m, "r");
    assert_non_null(v);
    assert_string_equal(v->value, "<all><echo><q>1</q></echo></all>");
    assert_non_null(strstr(th_logs(f), "Scatter Gather mediator timeout occurred."));
    th_flow_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iterate_xml),
        cmocka_unit_test(test_passed_expression),
        cmocka_unit_test(test_passed_iterate_expression),
        cmocka_unit_test(test_iterate_json),
        cmocka_unit_test(test_clone_answers_early),
        cmocka_unit_test(test_aggregate_timeout),
        cmocka_unit_test(test_child_fault_and_limits),
        cmocka_unit_test(test_sequential),
        cmocka_unit_test(test_target_without_io),
        cmocka_unit_test(test_empty_targets),
        cmocka_unit_test(test_foreach_synapse),
        cmocka_unit_test(test_foreach_mi44),
        cmocka_unit_test(test_scatter_gather),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

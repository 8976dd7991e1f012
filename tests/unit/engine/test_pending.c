/* test_pending.c - the engine's pending-request list (engine.h): a test
 * mediator (a test hook: no built-in mediator sends two requests yet)
 * waits on two requests at once; the host takes both, answers them in
 * reverse order, and the mediator resumes only once both are answered;
 * then it waits on a third, taken after the resume.  Also the one-request
 * form (m->in), unknown and repeated answers, and a mediator that
 * suspends on nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "engine/engine.h"
#include "msg/msg.h"

static mc_outbound *request(mc_message *m, const char *url)
{
    mc_outbound *o = mc_arena_calloc(&m->arena, sizeof *o);
    o->method = "GET";
    o->url = mc_arena_strdup(&m->arena, url);
    return o;
}

/* exec: wait on /a and /b.  resume: first round joins both answers and
 * waits on /c; second round stores /c's answer. */
static mc_flow fan_exec(const mc_mediator *self, mc_message *m)
{
    mc_engine_add_request(m, request(m, "http://h/a"), self);
    mc_engine_add_request(m, request(m, "http://h/b"), self);
    return MC_FLOW_SUSPEND;
}

static mc_flow fan_resume(const mc_mediator *self, mc_message *m)
{
    size_t n;
    mc_pending *const *p = mc_engine_answers(m, self, &n);
    if (n == 2) {
        char joined[64];
        snprintf(joined, sizeof joined, "%s+%s", p[0]->answer->body, p[1]->answer->body);
        mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "joined", joined);
        m->out = request(m, "http://h/c");
        return MC_FLOW_SUSPEND;
    }
    assert_int_equal(n, 1);
    assert_ptr_equal(m->in, p[0]->answer);
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "third", m->in->body);
    m->out = NULL;
    return MC_FLOW_NEXT;
}

static mc_flow lazy_exec(const mc_mediator *self, mc_message *m)
{
    m->out = NULL;
    return MC_FLOW_SUSPEND;
}

static const mc_mediator_type fan_type = {"fan", NULL, fan_exec, fan_resume, false};
static const mc_mediator_type lazy_type = {"lazy", NULL, lazy_exec, fan_resume, false};

static mc_inbound *answer(mc_message *m, const char *body)
{
    mc_inbound *in = mc_arena_calloc(&m->arena, sizeof *in);
    in->status = 200;
    in->body = body;
    in->body_len = strlen(body);
    return in;
}

static mc_code run_one(const mc_mediator_type *t, mc_message *m, mc_mediator *med,
                       mc_seq *seq, mc_mediator **items)
{
    *med = (mc_mediator){t, "test.xml", 1, 1};
    items[0] = med;
    *seq = (mc_seq){.name = "s", .items = items, .n = 1};
    assert_int_equal(mc_engine_start(m, seq, NULL, NULL), MC_OK);
    return mc_engine_run(m);
}

static void test_two_requests_at_once(void **state)
{
    mc_logger lg;
    mc_logger_init(&lg);
    mc_message *m = mc_msg_new(NULL, &lg);
    mc_mediator med;
    mc_mediator *items[1];
    mc_seq seq;
    assert_int_equal(run_one(&fan_type, m, &med, &seq, items), MC_ESUSPENDED);
    assert_int_equal(mc_engine_outstanding(m), 2);
    mc_pending *a = mc_engine_next_request(m), *b = mc_engine_next_request(m);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(mc_engine_next_request(m));
    assert_string_equal(a->req->url, "http://h/a");
    assert_string_equal(b->req->url, "http://h/b");
    assert_int_not_equal(a->id, b->id);
    /* b answers first: the mediator still waits for a */
    assert_int_equal(mc_engine_answer(m, b->id, answer(m, "B")), MC_OK);
    assert_int_equal(mc_engine_answer(m, b->id, answer(m, "B")), MC_ESTATE);
    assert_int_equal(mc_engine_answer(m, 999, answer(m, "X")), MC_ENOTFOUND);
    assert_int_equal(mc_engine_resume(m), MC_ESUSPENDED);
    assert_null(mc_msg_prop(m, MC_SCOPE_DEFAULT, "joined"));
    assert_int_equal(mc_engine_outstanding(m), 1);
    assert_int_equal(mc_engine_answer(m, a->id, answer(m, "A")), MC_OK);
    /* both answered: it resumes, joins in its own order, waits on /c */
    assert_int_equal(mc_engine_resume(m), MC_ESUSPENDED);
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "joined"), "A+B");
    mc_pending *c = mc_engine_next_request(m);
    assert_non_null(c);
    assert_string_equal(c->req->url, "http://h/c");
    assert_int_equal(mc_engine_outstanding(m), 1);
    assert_int_equal(mc_engine_answer(m, c->id, answer(m, "C")), MC_OK);
    assert_int_equal(mc_engine_resume(m), MC_OK);
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "third"), "C");
    assert_int_equal(mc_engine_outstanding(m), 0);
    assert_int_equal(mc_engine_resume(m), MC_ESTATE);  /* nothing waits */
    mc_msg_free(m);
}

static void test_one_request_through_m_in(void **state)
{
    mc_logger lg;
    mc_logger_init(&lg);
    mc_message *m = mc_msg_new(NULL, &lg);
    mc_mediator med;
    mc_mediator *items[1];
    mc_seq seq;
    assert_int_equal(run_one(&fan_type, m, &med, &seq, items), MC_ESUSPENDED);
    mc_pending *a = mc_engine_next_request(m), *b = mc_engine_next_request(m);
    mc_engine_answer(m, a->id, answer(m, "1"));
    mc_engine_answer(m, b->id, answer(m, "2"));
    assert_int_equal(mc_engine_resume(m), MC_ESUSPENDED);
    /* the third request is answered the old way */
    m->in = answer(m, "three");
    assert_int_equal(mc_engine_resume(m), MC_OK);
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "third"), "three");
    mc_msg_free(m);
}

static void test_suspend_on_nothing_is_a_fault(void **state)
{
    mc_logger lg;
    mc_logger_init(&lg);
    lg.level = MC_LOG_ERROR;
    mc_message *m = mc_msg_new(NULL, &lg);
    mc_mediator med;
    mc_mediator *items[1];
    mc_seq seq;
    assert_int_equal(run_one(&lazy_type, m, &med, &seq, items), MC_EFAULT);
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE"),
                        "mediator suspended without a request");
    mc_msg_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_requests_at_once),
        cmocka_unit_test(test_one_request_through_m_in),
        cmocka_unit_test(test_suspend_on_nothing_is_a_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

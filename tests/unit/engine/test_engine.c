/* test_engine.c - unit tests for the interpreter (src/engine): running to
 * the end, onError of a named sequence, a proxy-style fault sequence given
 * to mc_engine_start, the global "fault" sequence, nested sequences
 * unwinding to the nearest handler, a fault inside a fault handler going
 * to the outer one, unhandled faults (MC_EFAULT with ERROR_CODE and
 * ERROR_MESSAGE), the 256-deep nesting guard, the step guard, and
 * restarting a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow_harness.h"

#define SEQ(name, body) "<sequence name=\"" name "\">" body "</sequence>\n"
#define SEQE(name, onerr, body) "<sequence name=\"" name "\" onError=\"" onerr "\">" body "</sequence>\n"
/* a fault: INTEGER conversion of a non-number */
#define BOOM(tag) "<property name=\"bad\" value=\"" tag "\"/><property name=\"i\" expression=\"$ctx:bad\" type=\"INTEGER\"/>"

static const char *flows =
    "<definitions>\n"
    SEQ("plain", "<property name=\"a\" value=\"1\"/><property name=\"b\" value=\"2\"/>")
    SEQE("withErr", "handler", "<property name=\"before\" value=\"1\"/>" BOOM("x") "<property name=\"after\" value=\"1\"/>")
    SEQ("handler", "<property name=\"handled\" expression=\"fn:concat($ctx:handled, 'h')\"/>"
                   "<property name=\"seenCode\" expression=\"$ctx:ERROR_CODE\"/>"
                   "<property name=\"seenMsg\" expression=\"get-property('ERROR_MESSAGE')\"/>")
    SEQ("unhandled", BOOM("y") "<property name=\"after\" value=\"1\"/>")
    SEQE("outer", "outerHandler", "<sequence key=\"middle\"/><property name=\"outerAfter\" value=\"1\"/>")
    SEQ("middle", "<sequence key=\"inner\"/><property name=\"middleAfter\" value=\"1\"/>")
    SEQ("inner", BOOM("z"))
    SEQE("outer2", "outerHandler", "<sequence key=\"middle2\"/>")
    SEQE("middle2", "middleHandler", "<sequence key=\"inner\"/>")
    SEQ("middleHandler", "<property name=\"middleHandled\" value=\"1\"/>" BOOM("again") "<property name=\"mhAfter\" value=\"1\"/>")
    SEQ("outerHandler", "<property name=\"outerHandled\" value=\"1\"/>"
                        "<property name=\"ohMsg\" expression=\"$ctx:ERROR_MESSAGE\"/>")
    SEQE("selfErr", "selfErrHandler", BOOM("one"))
    SEQ("selfErrHandler", "<property name=\"h1\" value=\"1\"/>" BOOM("two"))
    SEQ("rec", "<property name=\"depth\" expression=\"fn:concat($ctx:depth, '.')\"/><sequence key=\"rec\"/>")
    SEQE("recGuarded", "handler", "<sequence key=\"rec\"/>")
    SEQ("proxyIn", "<property name=\"in\" value=\"1\"/>" BOOM("p"))
    SEQ("proxyFault", "<property name=\"proxyFault\" value=\"1\"/><respond/>")
    SEQ("fanout0", "<sequence key=\"fanout1\"/><sequence key=\"fanout1\"/><sequence key=\"fanout1\"/><sequence key=\"fanout1\"/><sequence key=\"fanout1\"/><sequence key=\"fanout1\"/><sequence key=\"fanout1\"/><sequence key=\"fanout1\"/><sequence key=\"fanout1\"/><sequence key=\"fanout1\"/>")
    SEQ("fanout1", "<sequence key=\"fanout2\"/><sequence key=\"fanout2\"/><sequence key=\"fanout2\"/><sequence key=\"fanout2\"/><sequence key=\"fanout2\"/><sequence key=\"fanout2\"/><sequence key=\"fanout2\"/><sequence key=\"fanout2\"/><sequence key=\"fanout2\"/><sequence key=\"fanout2\"/>")
    SEQ("fanout2", "<sequence key=\"fanout3\"/><sequence key=\"fanout3\"/><sequence key=\"fanout3\"/><sequence key=\"fanout3\"/><sequence key=\"fanout3\"/><sequence key=\"fanout3\"/><sequence key=\"fanout3\"/><sequence key=\"fanout3\"/><sequence key=\"fanout3\"/><sequence key=\"fanout3\"/>")
    SEQ("fanout3", "<sequence key=\"fanout4\"/><sequence key=\"fanout4\"/><sequence key=\"fanout4\"/><sequence key=\"fanout4\"/><sequence key=\"fanout4\"/><sequence key=\"fanout4\"/><sequence key=\"fanout4\"/><sequence key=\"fanout4\"/><sequence key=\"fanout4\"/><sequence key=\"fanout4\"/>")
    SEQ("fanout4", "<sequence key=\"fanout5\"/><sequence key=\"fanout5\"/><sequence key=\"fanout5\"/><sequence key=\"fanout5\"/><sequence key=\"fanout5\"/><sequence key=\"fanout5\"/><sequence key=\"fanout5\"/><sequence key=\"fanout5\"/><sequence key=\"fanout5\"/><sequence key=\"fanout5\"/>")
    SEQ("fanout5", "<sequence key=\"leaf\"/><sequence key=\"leaf\"/><sequence key=\"leaf\"/><sequence key=\"leaf\"/><sequence key=\"leaf\"/><sequence key=\"leaf\"/><sequence key=\"leaf\"/><sequence key=\"leaf\"/><sequence key=\"leaf\"/><sequence key=\"leaf\"/>")
    SEQ("leaf", "")
    "</definitions>";

static int setup(void **state)
{
    *state = th_flow_new(flows);
    ((th_flow *)*state)->lg.level = MC_LOG_INFO;
    return 0;
}

static int teardown(void **state)
{
    th_flow_free(*state);
    return 0;
}

static void test_plain_run(void **state)
{
    th_flow *f = *state;
    assert_int_equal(th_run(f, "plain", NULL), MC_OK);
    assert_string_equal(th_prop(f, "b"), "2");
    assert_int_equal(f->m->nframes, 0);
    assert_int_equal(f->m->steps, 2);
    assert_false(f->m->faulted);
    assert_false(f->m->responded); /* ran to the end without respond */
    /* running again restarts cleanly */
    assert_int_equal(th_run(f, "plain", NULL), MC_OK);
    assert_int_equal(f->m->steps, 2);
}

static void test_on_error(void **state)
{
    th_flow *f = *state;
    assert_int_equal(th_run(f, "withErr", NULL), MC_OK);
    assert_string_equal(th_prop(f, "before"), "1");
    assert_null(th_prop(f, "after"));
    assert_string_equal(th_prop(f, "handled"), "h");
    assert_string_equal(th_prop(f, "seenCode"), "0");
    assert_string_equal(th_prop(f, "seenMsg"), "property 'i': 'x' is not a valid INTEGER");
    assert_false(f->m->faulted);
}

static void test_unhandled(void **state)
{
    th_flow *f = *state;
    assert_int_equal(th_run(f, "unhandled", NULL), MC_EFAULT);
    assert_true(f->m->faulted);
    assert_null(th_prop(f, "after"));
    assert_string_equal(th_prop(f, "ERROR_CODE"), "0");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "property 'i': 'y' is not a valid INTEGER");
    assert_int_equal(f->m->nframes, 0);
}

static void test_proxy_fault_sequence(void **state)
{
    th_flow *f = *state;
    mc_msg_set_payload(f->m, "{}", 2, "application/json", NULL);
    assert_int_equal(th_run3(f, "proxyIn", NULL, "proxyFault"), MC_OK);
    assert_string_equal(th_prop(f, "in"), "1");
    assert_string_equal(th_prop(f, "proxyFault"), "1");
    assert_true(f->m->responded);
    /* a sequence's own onError wins over the fault sequence given */
    th_flow_reset_msg(f);
    assert_int_equal(th_run3(f, "withErr", NULL, "proxyFault"), MC_OK);
    assert_string_equal(th_prop(f, "handled"), "h");
    assert_null(th_prop(f, "proxyFault"));
}

static void test_nested_unwinding(void **state)
{
    th_flow *f = *state;
    assert_int_equal(th_run(f, "outer", NULL), MC_OK);
    assert_string_equal(th_prop(f, "outerHandled"), "1");
    assert_string_equal(th_prop(f, "ohMsg"), "property 'i': 'z' is not a valid INTEGER");
    assert_null(th_prop(f, "middleAfter"));
    assert_null(th_prop(f, "outerAfter"));
    /* the nearest handler runs first; its own fault goes to the outer one */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "outer2", NULL), MC_OK);
    assert_string_equal(th_prop(f, "middleHandled"), "1");
    assert_null(th_prop(f, "mhAfter"));
    assert_string_equal(th_prop(f, "outerHandled"), "1");
    assert_string_equal(th_prop(f, "ohMsg"), "property 'i': 'again' is not a valid INTEGER");
}

static void test_fault_in_only_handler(void **state)
{
    th_flow *f = *state;
    assert_int_equal(th_run(f, "selfErr", NULL), MC_EFAULT);
    assert_string_equal(th_prop(f, "h1"), "1");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "property 'i': 'two' is not a valid INTEGER");
    assert_true(f->m->faulted);
}

static void test_global_fault_sequence(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions>"
        SEQ("main", BOOM("g"))
        SEQ("fault", "<property name=\"global\" expression=\"$ctx:ERROR_MESSAGE\"/>" BOOM("inFault"))
        "</definitions>");
    assert_int_equal(th_run(f, "main", NULL), MC_EFAULT);
    assert_string_equal(th_prop(f, "global"), "property 'i': 'g' is not a valid INTEGER");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "property 'i': 'inFault' is not a valid INTEGER");
    /* the fault sequence itself run as the flow has no handler */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "fault", NULL), MC_EFAULT);
    assert_string_equal(th_prop(f, "global"), ""); /* no fault before it */
    th_flow_free(f);
}

static void test_depth_guard(void **state)
{
    th_flow *f = *state;
    assert_int_equal(th_run(f, "rec", NULL), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "sequences nested too deeply (more than 256)");
    assert_int_equal(strlen(th_prop(f, "depth")), 256);
    assert_int_equal(f->m->nframes, 0);
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "recGuarded", NULL), MC_OK);
    assert_string_equal(th_prop(f, "seenMsg"), "sequences nested too deeply (more than 256)");
}

static void test_step_guard(void **state)
{
    th_flow *f = *state;
    /* 10 + 100 + ... + 10^6 sequence mediators: more than MC_MAX_STEPS */
    assert_int_equal(th_run(f, "fanout0", NULL), MC_EFAULT);
    assert_true(f->m->faulted);
    assert_int_equal(f->m->steps, MC_MAX_STEPS + 1);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "flow executed more than 1000000 mediators; stopped");
    assert_int_equal(f->m->nframes, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_on_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unhandled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_fault_sequence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_unwinding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_in_only_handler, setup, teardown),
        cmocka_unit_test(test_global_fault_sequence),
        cmocka_unit_test_setup_teardown(test_depth_guard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_guard, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

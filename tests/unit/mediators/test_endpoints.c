/* test_endpoints.c - unit tests for endpoints (config/endpoint.c,
 * mediators/dispatch.c, mediators/call.c): every kind compiled and its
 * diagnostics, endpoint templates, the Synapse state machine (timeout,
 * suspension, progression), failover and load balancing with retries on
 * another leaf, endpoint properties, the REST_URL_POSTFIX rules, default
 * and WSDL endpoints, responseAction discard and FORCE_ERROR_ON_SOAP_FAULT.
 * Requests are answered by hand: a URL listed as dead fails with the
 * given code, any other answers 200. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/endpoint.h"
#include "flow_harness.h"
#include "mediators/dispatch.h"
#include "../test_tmpdir.h"

#define SEQ(name, body) "<sequence name=\"" name "\">" body "</sequence>\n"
#define DEFS(body) "<definitions xmlns=\"http://ws.apache.org/ns/synapse\">\n" body "</definitions>"

/* Run seq; answer each request: URLs containing a `dead` entry fail with
 * `code`, others get 200 {"from":URL}.  Returns the URLs tried, space
 * separated, then " => " and the run's result (OK, FAULT <code>, DROPPED). */
static const char *drive(th_flow *f, const char *seq, const char *const *dead, int code)
{
    static char trace[2048];
    trace[0] = '\0';
    th_flow_reset_msg(f);
    mc_msg_set_propz(f->m, MC_SCOPE_AXIS2, "HTTP_METHOD", "POST");
    mc_code rc = th_run(f, seq, "{\"q\":1}");
    int guard = 0;
    while (rc == MC_ESUSPENDED && guard++ < 100) {
        mc_outbound *out = f->m->out;
        assert_non_null(out);
        strcat(trace, out->url);
        strcat(trace, " ");
        bool fails = false;
        for (size_t i = 0; dead && dead[i]; i++)
            fails = fails || strstr(out->url, dead[i]) != NULL;
        /* each answer in the message's arena, as a host makes them */
        char body[512];
        snprintf(body, sizeof body, "{\"from\":\"%s\"}", out->url);
        static mc_kv hdrs[] = {{"Content-Type", "application/json"}};
        mc_inbound *in = mc_arena_calloc(&f->m->arena, sizeof *in);
        *in = (mc_inbound){200, mc_arena_strdup(&f->m->arena, body), strlen(body), hdrs, 1, 0, NULL};
        if (fails)
            *in = (mc_inbound){0, NULL, 0, NULL, 0, code, "connection refused"};
        f->m->in = in;
        rc = mc_engine_resume(f->m);
    }
    if (rc == MC_OK && f->m->dropped)
        strcat(trace, "=> DROPPED");
    else if (rc == MC_OK)
        strcat(trace, "=> OK");
    else {
        strcat(trace, "=> FAULT ");
        strcat(trace, th_prop(f, "ERROR_CODE") ? th_prop(f, "ERROR_CODE") : "?");
    }
    return trace;
}

static const mc_endpoint *named_ep(th_flow *f, const char *name)
{
    const mc_endpoint *ep = mc_config_endpoint(f->cfg, name);
    assert_non_null(ep);
    while (ep->kind == MC_EP_INDIRECT)
        ep = ep->target;
    return ep;
}

/* ---- compiling ------------------------------------------------------------ */

static void test_definition_fields(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        "<endpoint name=\"A\"><address uri=\"http://h/a\" format=\"soap12\">"
        "<timeout><duration>2500</duration><responseAction>fault</responseAction></timeout>"
        "<markForSuspension><errorCodes>101504, 101505</errorCodes>"
        "<retriesBeforeSuspension>3</retriesBeforeSuspension><retryDelay>10</retryDelay></markForSuspension>"
        "<suspendOnFailure><errorCodes>101503</errorCodes><initialDuration>1000</initialDuration>"
        "<progressionFactor>2</progressionFactor><maximumDuration>5000</maximumDuration></suspendOnFailure>"
        "<retryConfig><disabledErrorCodes>101507</disabledErrorCodes></retryConfig>"
        "</address><property name=\"p1\" value=\"v1\"/><property name=\"p2\" value=\"v2\" scope=\"transport\"/></endpoint>\n"
        "<endpoint name=\"H\"><http method=\"put\" uri-template=\"http://h/{uri.var.x}\"/></endpoint>\n"
        "<endpoint name=\"D\"><default format=\"pox\"><suspendDurationOnFailure>7</suspendDurationOnFailure></default></endpoint>\n"
        "<endpoint name=\"LB\"><loadbalance algorithm=\"org.apache.synapse.endpoints.algorithms.WeightedRoundRobin\">"
        "<endpoint key=\"A\"><property name=\"loadbalance.weight\" value=\"3\"/></endpoint>"
        "<endpoint><address uri=\"http://h/b\"/></endpoint></loadbalance></endpoint>\n"
        "<endpoint name=\"FO\"><failover dynamic=\"false\"><endpoint key=\"A\"/><endpoint key=\"H\"/></failover></endpoint>\n"
        "<endpoint name=\"RL\"><recipientlist><endpoint key=\"A\"/><endpoint key=\"D\"/></recipientlist></endpoint>\n"));
    const mc_endpoint *a = named_ep(f, "A");
    assert_int_equal(a->kind, MC_EP_ADDRESS);
    assert_string_equal(a->uri, "http://h/a");
    assert_int_equal(a->format, MC_EPF_SOAP12);
    assert_int_equal(a->timeout_ms, 2500);
    assert_int_equal(a->timeout_action, MC_EPT_FAULT);
    assert_int_equal(a->timeout_codes.n, 2);
    assert_int_equal(a->timeout_codes.v[1], 101505);
    assert_int_equal(a->retries_before_suspend, 3);
    assert_int_equal(a->retry_delay_ms, 10);
    assert_int_equal(a->suspend_codes.n, 1);
    assert_int_equal(a->initial_suspend_ms, 1000);
    assert_true(a->progression == 2.0);
    assert_int_equal(a->max_suspend_ms, 5000);
    assert_int_equal(a->retry_disabled.v[0], 101507);
    assert_int_equal(a->nprops, 2);
    assert_int_equal(a->props[1].scope, MC_SCOPE_TRANSPORT);
    const mc_endpoint *h = named_ep(f, "H");
    assert_int_equal(h->kind, MC_EP_HTTP);
    assert_string_equal(h->method, "PUT");
    const mc_endpoint *d = named_ep(f, "D");
    assert_int_equal(d->kind, MC_EP_DEFAULT);
    assert_int_equal(d->format, MC_EPF_POX);
    assert_int_equal(d->initial_suspend_ms, 7000);
    const mc_endpoint *lb = named_ep(f, "LB");
    assert_int_equal(lb->kind, MC_EP_LOADBALANCE);
    assert_int_equal(lb->nchildren, 2);
    assert_non_null(lb->weights);
    assert_int_equal(lb->weights[0], 3);
    assert_int_equal(lb->total_weight, 4);
    assert_true(lb->lb_failover);
    const mc_endpoint *fo = named_ep(f, "FO");
    assert_int_equal(fo->kind, MC_EP_FAILOVER);
    assert_false(fo->fo_dynamic);
    assert_int_equal(named_ep(f, "RL")->kind, MC_EP_RECIPIENTLIST);
    th_flow_free(f);
}

static void test_diagnostics(void **state)
{
    (void)state;
    static const th_diag_case c[] = {
        {DEFS("<endpoint name=\"e\"/>\n"),
         "t.xml:2:1: error: <endpoint> needs a type: <address>, <http>, <default>, <wsdl>, "
         "<loadbalance>, <failover> or <recipientlist> (or a 'key' or 'template')\n"},
        {DEFS("<endpoint name=\"e\"><failover/></endpoint>\n"),
         "t.xml:2:20: error: <failover> needs at least one child <endpoint>\n"},
        {DEFS("<endpoint name=\"e\"><loadbalance></loadbalance></endpoint>\n"),
         "t.xml:2:20: error: <loadbalance> needs at least one child <endpoint>\n"},
        {DEFS("<endpoint name=\"e\"><recipientlist/></endpoint>\n"),
         "t.xml:2:20: error: <recipientlist> needs at least one child <endpoint>\n"},
        {DEFS("<endpoint name=\"e\"><adress uri=\"http://x\"/></endpoint>\n"),
         "t.xml:2:20: error: unknown endpoint type <adress>; did you mean <address>?\n"},
        {DEFS("<endpoint name=\"e\"><address uri=\"http://x\"/><default/></endpoint>\n"),
         "t.xml:2:45: error: an <endpoint> has one type: <address> and <default> given\n"},
        {DEFS("<endpoint name=\"e\"><address/></endpoint>\n"),
         "t.xml:2:20: error: <address> needs a 'uri' attribute\n"},
        {DEFS("<endpoint name=\"e\"><http method=\"fetch\" uri-template=\"http://x\"/></endpoint>\n"),
         "t.xml:2:26: error: unknown HTTP method 'fetch' (get, post, put, delete, patch, head, options)\n"},
        {DEFS("<endpoint name=\"e\"><address uri=\"jms:/Queue?transport.jms.ConnectionFactory=x\"/></endpoint>\n"),
         "t.xml:2:29: error: endpoint URI uses the 'jms' transport; mediac sends over HTTP and HTTPS only\n"},
        {DEFS("<endpoint name=\"e\"><address uri=\"vfs:file:///tmp/out\"/></endpoint>\n"),
         "t.xml:2:29: error: endpoint URI uses the 'vfs' transport; mediac sends over HTTP and HTTPS only\n"},
        {DEFS("<endpoint name=\"e\"><address uri=\"mailto:a@example.com\"/></endpoint>\n"),
         "t.xml:2:29: error: endpoint URI uses the 'mailto' transport; mediac sends over HTTP and HTTPS only\n"},
        {DEFS("<endpoint name=\"e\"><address uri=\"rabbitmq:/q?rabbitmq.server.host.name=h\"/></endpoint>\n"),
         "t.xml:2:29: error: endpoint URI uses the 'rabbitmq' transport; mediac sends over HTTP and HTTPS only\n"},
        {DEFS("<endpoint name=\"e\"><http uri-template=\"ws://h:9/chat\"/></endpoint>\n"),
         "t.xml:2:26: error: endpoint URI uses the 'ws' transport; mediac sends over HTTP and HTTPS only\n"},
        {DEFS(SEQ("s", "<call><endpoint><address uri=\"WSS://h/x\"/></endpoint></call>")),
         "t.xml:2:45: error: endpoint URI uses the 'wss' transport; mediac sends over HTTP and HTTPS only\n"},
        {DEFS("<endpoint name=\"e\"><class name=\"org.x.MyEndpoint\"/></endpoint>\n"),
         "t.xml:2:20: error: <class> endpoint: class endpoints run Java code, which mediac cannot do\n"},
        {DEFS("<endpoint name=\"e\"><failover><member hostName=\"h\" httpPort=\"1\"/></failover></endpoint>\n"),
         "t.xml:2:30: error: <member> (cluster members) is not supported; list the members as "
         "<endpoint><address uri=\"...\"/></endpoint>\n"},
        {DEFS("<endpoint name=\"e\"><loadbalance algorithm=\"com.x.Sticky\"><endpoint><default/></endpoint></loadbalance></endpoint>\n"),
         "t.xml:2:33: error: load-balance algorithm 'com.x.Sticky' is not supported (RoundRobin, "
         "WeightedRoundRobin); mediac cannot load Java classes\n"},
        {DEFS("<endpoint name=\"e\"><address uri=\"http://x\"><suspendOnFailure><errorCodes>101503,x</errorCodes>"
              "</suspendOnFailure></address></endpoint>\n"),
         "t.xml:2:62: error: <errorCodes>: error codes are numbers separated by commas, not '101503,x'\n"},
        {DEFS("<endpoint name=\"e\"><address uri=\"http://x\"><timeout><duration>soon</duration></timeout></address></endpoint>\n"),
         "t.xml:2:53: error: <duration> must be a whole number >= 0, not 'soon'\n"},
        {DEFS("<endpoint name=\"e\"><address uri=\"http://x\"><timeout><responseAction>retry</responseAction></timeout></address></endpoint>\n"),
         "t.xml:2:53: error: unknown responseAction 'retry' (fault or discard)\n"},
        {DEFS("<endpoint name=\"e\"><address uri=\"http://x\"><enableSec policy=\"p\"/></address></endpoint>\n"),
         "t.xml:2:44: error: <enableSec>: WS-Security and WS-ReliableMessaging are not supported by mediac\n"},
        {DEFS("<endpoint name=\"e\"><address uri=\"http://x\"><timeot/></address></endpoint>\n"),
         "t.xml:2:44: error: unexpected <timeot> in <address>; did you mean <timeout>?\n"},
        {DEFS("<endpoint name=\"e\"><wsdl uri=\"http://h/x.wsdl\" service=\"S\" port=\"P\"/></endpoint>\n"),
         "t.xml:2:26: error: WSDL 'http://h/x.wsdl': mediac reads WSDLs from local files only (no network "
         "at load); save it next to the configuration and use uri=\"file:NAME.wsdl\"\n"},
        {DEFS("<endpoint name=\"e\"><failover><endpoint><address uri=\"http://x\"/></endpoint>"
              "<endpoint><loadbalance><endpoint key=\"nope\"/></loadbalance></endpoint></failover></endpoint>\n"),
         "t.xml:2:109: warning: unknown endpoint 'nope'\n"},
        {DEFS("<endpoint name=\"e\" key=\"a\" template=\"t\"/>\n"),
         "t.xml:2:1: error: <endpoint> takes one of 'key', 'key-expression' and 'template'\n"},
        {DEFS("<endpoint name=\"e\"><address uri=\"http://x\"><authentication><oauth/></authentication></address></endpoint>\n"),
         "t.xml:2:60: error: endpoint authentication: only <basicAuth> is supported (OAuth is not)\n"},
        {DEFS(SEQ("s", "<call><endpoint xmlns:mc=\"http://mediac.dev/ns/config\" mc:tlsVerify=\"false\">"
                       "<address uri=\"https://x\"/></endpoint></call>")),
         "t.xml:2:26: error: mc:tlsVerify is only allowed on a named <endpoint> artifact\n"},
        /* any float, as Synapse parses it (MI's own configs use -1) */
        {DEFS("<endpoint name=\"e\"><address uri=\"http://x\"><suspendOnFailure>"
              "<progressionFactor>-1</progressionFactor></suspendOnFailure></address></endpoint>\n"), ""},
        {DEFS("<endpoint name=\"e\"><address uri=\"http://x\"><suspendOnFailure>"
              "<progressionFactor>fast</progressionFactor></suspendOnFailure></address></endpoint>\n"),
         "~error: The suspend duration progression factor should be specified as a valid float : fast\n"},
    };
    th_check_diags(c, sizeof c / sizeof *c);
}

static void test_templates(void **state)
{
    (void)state;
    /* the use comes before the template (another file in a project) */
    th_flow *f = th_flow_new(DEFS(
        "<endpoint name=\"E1\" template=\"T\" uri=\"http://h/one\"><parameter name=\"to\" value=\"1500\"/></endpoint>\n"
        SEQ("s", "<call><endpoint template=\"T\" uri=\"http://h/inline\"><parameter name=\"to\" value=\"9\"/></endpoint></call>")
        "<template name=\"T\"><parameter name=\"to\"/><endpoint name=\"$name\">"
        "<address uri=\"$uri\"><timeout><duration>$to</duration></timeout></address></endpoint></template>\n"));
    const mc_endpoint *e1 = named_ep(f, "E1");
    assert_int_equal(e1->kind, MC_EP_ADDRESS);
    assert_string_equal(e1->uri, "http://h/one");
    assert_string_equal(e1->name, "E1");
    assert_int_equal(e1->timeout_ms, 1500);
    assert_string_equal(drive(f, "s", NULL, 0), "http://h/inline => OK");
    assert_int_equal(f->m->out ? 0 : 1, 1);
    th_flow_free(f);
    static const th_diag_case c[] = {
        {DEFS("<endpoint name=\"E\" template=\"Nope\" uri=\"http://h\"/>\n"),
         "t.xml:2:20: warning: unknown endpoint template 'Nope'\n"},
        {DEFS("<template name=\"T\"><parameter name=\"to\"/><endpoint><address uri=\"$uri\">"
              "<timeout><duration>$to</duration></timeout></address></endpoint></template>\n"
              "<endpoint name=\"E\" template=\"T\" uri=\"http://h\"><parameter name=\"tx\" value=\"1\"/></endpoint>\n"),
         "t.xml:3:1: warning: endpoint template 'T' has no parameter 'tx'; ignored\n"
         "t.xml:3:1: error: endpoint template 'T' needs parameter 'to' (give <parameter name=\"to\" value=\"...\"/>)\n"},
        {DEFS("<template name=\"T\"><endpoint><address uri=\"$uri\"><timeot/></address></endpoint></template>\n"
              "<endpoint name=\"E\" template=\"T\" uri=\"http://h\"/>\n"),
         "t.xml:2:50: error: unexpected <timeot> in <address>; did you mean <timeout>?\n"
         "t.xml:3:1: note: in endpoint template 'T' used here\n"},
        {DEFS("<template name=\"T\"><endpoint template=\"T\" uri=\"$uri\"/></template>\n"
              "<endpoint name=\"E\" template=\"T\" uri=\"http://h\"/>\n"),
         "t.xml:2:30: error: endpoint templates nested more than 16 deep (does 'T' use itself?)\n"},
    };
    th_check_diags(c, sizeof c / sizeof *c);
    /* a template that is not loaded faults when a message gets there */
    th_flow *g = th_flow_new(DEFS("<endpoint name=\"E\" template=\"Nope\" uri=\"http://h\"/>\n"
                                  SEQ("s", "<call><endpoint key=\"E\"/></call>")));
    assert_int_equal(th_run(g, "s", "{}"), MC_EFAULT);
    assert_string_equal(th_prop(g, "ERROR_MESSAGE"), "Couldn't find the endpoint with the key : Nope");
    th_flow_free(g);
}

/* ---- state ------------------------------------------------------------------ */

static void test_state_machine(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        "<endpoint name=\"A\"><address uri=\"http://h/a\">"
        "<markForSuspension><errorCodes>101504</errorCodes><retriesBeforeSuspension>2</retriesBeforeSuspension>"
        "<retryDelay>100</retryDelay></markForSuspension>"
        "<suspendOnFailure><errorCodes>101503</errorCodes><initialDuration>1000</initialDuration>"
        "<progressionFactor>3</progressionFactor><maximumDuration>5000</maximumDuration></suspendOnFailure>"
        "</address></endpoint>\n"
        "<endpoint name=\"B\"><address uri=\"http://h/b\"/></endpoint>\n"));
    const mc_endpoint *a = named_ep(f, "A"), *b = named_ep(f, "B");
    mc_message *m = f->m;
    int64_t t = 1000000;
    /* a timeout code: TIMEOUT with retries left, usable after retryDelay */
    mc_ep_state_fault(a, 101504, t);
    assert_string_equal(mc_ep_state_name(a), "TIMEOUT");
    assert_false(mc_ep_ready(m, a, t + 99));
    assert_true(mc_ep_ready(m, a, t + 100));
    mc_ep_state_fault(a, 101504, t);
    assert_string_equal(mc_ep_state_name(a), "TIMEOUT");
    mc_ep_state_fault(a, 101504, t); /* retries used up: suspended */
    assert_string_equal(mc_ep_state_name(a), "SUSPENDED");
    assert_false(mc_ep_ready(m, a, t + 999));
    assert_true(mc_ep_ready(m, a, t + 1000));
    /* suspended again: initial x progression, capped at the maximum */
    mc_ep_state_fault(a, 101503, t);
    assert_false(mc_ep_ready(m, a, t + 2999));
    assert_true(mc_ep_ready(m, a, t + 3000));
    mc_ep_state_fault(a, 101503, t);
    assert_false(mc_ep_ready(m, a, t + 4999));
    assert_true(mc_ep_ready(m, a, t + 5000));
    /* an error in neither list leaves it as it is */
    mc_ep_succeeded(a);
    assert_string_equal(mc_ep_state_name(a), "ACTIVE");
    mc_ep_state_fault(a, 101500, t);
    assert_string_equal(mc_ep_state_name(a), "ACTIVE");
    /* success resets the progression */
    mc_ep_state_fault(a, 101503, t);
    mc_ep_succeeded(a);
    mc_ep_state_fault(a, 101503, t);
    assert_true(mc_ep_ready(m, a, t + 1000));
    /* defaults: any error suspends for 30 s; a timeout with no retries too */
    mc_ep_state_fault(b, 101500, t);
    assert_string_equal(mc_ep_state_name(b), "SUSPENDED");
    assert_false(mc_ep_ready(m, b, t + 29999));
    assert_true(mc_ep_ready(m, b, t + 30000));
    mc_ep_succeeded(b);
    mc_ep_state_fault(b, 101504, t);
    assert_string_equal(mc_ep_state_name(b), "SUSPENDED");
    th_flow_free(f);
}

/* A suspended root leaf answers 303001 without sending. */
static void test_suspended_leaf(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        "<endpoint name=\"A\"><address uri=\"http://h/a\"/></endpoint>\n"
        SEQ("s", "<call><endpoint key=\"A\"/></call>")
        SEQ("anon", "<call><endpoint><http uri-template=\"http://h/x\"/></endpoint></call>")));
    static const char *const dead[] = {"h/a", "h/x", NULL};
    assert_string_equal(drive(f, "s", dead, 101503), "http://h/a => FAULT 101503");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "connection refused");
    assert_string_equal(drive(f, "s", dead, 101503), "=> FAULT 303001");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"),
                        "Currently , Address endpoint : [ Name : A ] [ State : SUSPENDED ]");
    assert_string_equal(drive(f, "anon", dead, 101503), "http://h/x => FAULT 101503");
    assert_string_equal(drive(f, "anon", dead, 101503), "=> FAULT 303001");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"),
                        "Currently, HTTP endpoint : [ Name : AnonymousEndpoint ] [ State : SUSPENDED ]");
    /* once the suspension is over it is tried again, and success makes it active */
    atomic_store(&named_ep(f, "A")->state->next_retry_ms, 0);
    assert_string_equal(drive(f, "s", NULL, 0), "http://h/a => OK");
    assert_string_equal(mc_ep_state_name(named_ep(f, "A")), "ACTIVE");
    th_flow_free(f);
}

/* ---- groups ----------------------------------------------------------------- */

static void test_failover(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        "<endpoint name=\"FO\"><failover>"
        "<endpoint name=\"P\"><address uri=\"http://h/primary\"/></endpoint>"
        "<endpoint name=\"S\"><address uri=\"http://h/secondary\"/></endpoint>"
        "<endpoint name=\"T\"><address uri=\"http://h/tertiary\"/></endpoint>"
        "</failover></endpoint>\n"
        "<endpoint name=\"ONE\"><failover><endpoint><address uri=\"http://h/only\">"
        "<markForSuspension><errorCodes>101503</errorCodes><retriesBeforeSuspension>2</retriesBeforeSuspension>"
        "</markForSuspension></address></endpoint></failover></endpoint>\n"
        "<endpoint name=\"NR\"><failover><endpoint><address uri=\"http://h/nr1\">"
        "<retryConfig><disabledErrorCodes>101503</disabledErrorCodes></retryConfig></address></endpoint>"
        "<endpoint><address uri=\"http://h/nr2\"/></endpoint></failover></endpoint>\n"
        "<endpoint name=\"KEEP\"><failover><endpoint><address uri=\"http://h/k1\"><suspendOnFailure>"
        "<errorCodes>101504</errorCodes></suspendOnFailure></address></endpoint>"
        "<endpoint><address uri=\"http://h/k2\"/></endpoint></failover></endpoint>\n"
        SEQ("fo", "<call><endpoint key=\"FO\"/></call><property name=\"from\" expression=\"json-eval($.from)\"/>")
        SEQ("one", "<call><endpoint key=\"ONE\"/></call>")
        SEQ("nr", "<call><endpoint key=\"NR\"/></call>")
        SEQ("keep", "<call><endpoint key=\"KEEP\"/></call>")));
    /* all well: always the first */
    assert_string_equal(drive(f, "fo", NULL, 0), "http://h/primary => OK");
    assert_string_equal(drive(f, "fo", NULL, 0), "http://h/primary => OK");
    /* the primary fails: the same message goes on to the secondary, and
     * the primary, now suspended, is skipped by the next messages */
    static const char *const p_dead[] = {"primary", NULL};
    assert_string_equal(drive(f, "fo", p_dead, 101503),
                        "http://h/primary http://h/secondary => OK");
    assert_string_equal(th_prop(f, "from"), "http://h/secondary");
    assert_null(th_prop(f, "ERROR_CODE"));
    assert_string_equal(drive(f, "fo", NULL, 0), "http://h/secondary => OK");
    /* everything fails: the last leaf's error stands */
    static const char *const all_dead[] = {"h/", NULL};
    assert_string_equal(drive(f, "fo", all_dead, 101504),
                        "http://h/secondary http://h/tertiary => FAULT 101504");
    /* nothing ready at all: 303000 without sending */
    assert_string_equal(drive(f, "fo", all_dead, 101504), "=> FAULT 303000");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "Failover endpoint : FO - no ready child endpoints");
    /* the primary back: used first again */
    atomic_store(&named_ep(f, "FO")->children[0]->state->next_retry_ms, 0);
    assert_string_equal(drive(f, "fo", NULL, 0), "http://h/primary => OK");
    /* one endpoint with retries before suspension: retried in place */
    static const char *const only[] = {"only", NULL};
    assert_string_equal(drive(f, "one", only, 101503),
                        "http://h/only http://h/only http://h/only => FAULT 101503");
    /* retry disabled for the error: no failover */
    static const char *const nr[] = {"nr1", NULL};
    assert_string_equal(drive(f, "nr", nr, 101503), "http://h/nr1 => FAULT 101503");
    /* an error that does not suspend: the leaf stays active, the message
     * moves on and is not sent to it twice */
    static const char *const k[] = {"k1", NULL};
    assert_string_equal(drive(f, "keep", k, 101503), "http://h/k1 http://h/k2 => OK");
    assert_string_equal(drive(f, "keep", k, 101503), "http://h/k1 http://h/k2 => OK");
    static const char *const kk[] = {"k1", "k2", NULL};
    assert_string_equal(drive(f, "keep", kk, 101504),
                        "http://h/k1 http://h/k2 => FAULT 101504");
    th_flow_free(f);
}

static void test_loadbalance(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        "<endpoint name=\"RR\"><loadbalance algorithm=\"org.apache.synapse.endpoints.algorithms.RoundRobin\">"
        "<endpoint><address uri=\"http://h/1\"/></endpoint><endpoint><address uri=\"http://h/2\"/></endpoint>"
        "<endpoint><address uri=\"http://h/3\"/></endpoint></loadbalance></endpoint>\n"
        "<endpoint name=\"W\"><loadbalance algorithm=\"org.apache.synapse.endpoints.algorithms.WeightedRoundRobin\">"
        "<endpoint><address uri=\"http://h/w1\"/><property name=\"loadbalance.weight\" value=\"2\"/></endpoint>"
        "<endpoint><address uri=\"http://h/w2\"/><property name=\"loadbalance.weight\" value=\"1\"/></endpoint>"
        "</loadbalance></endpoint>\n"
        "<endpoint name=\"NF\"><loadbalance failover=\"false\">"
        "<endpoint><address uri=\"http://h/n1\"/></endpoint><endpoint><address uri=\"http://h/n2\"/></endpoint>"
        "</loadbalance></endpoint>\n"
        SEQ("rr", "<call><endpoint key=\"RR\"/></call>")
        SEQ("w", "<call><endpoint key=\"W\"/></call>")
        SEQ("nf", "<call><endpoint key=\"NF\"/></call>")));
    char got[512] = "";
    for (int i = 0; i < 4; i++) {
        strcat(got, drive(f, "rr", NULL, 0));
        strcat(got, "; ");
    }
    assert_string_equal(got, "http://h/1 => OK; http://h/2 => OK; http://h/3 => OK; http://h/1 => OK; ");
    /* a failing member: the message goes to the next, and the member is
     * left out until its suspension ends */
    static const char *const two[] = {"h/2", NULL};
    assert_string_equal(drive(f, "rr", two, 101503), "http://h/2 http://h/3 => OK");
    got[0] = '\0';
    for (int i = 0; i < 3; i++) {
        strcat(got, drive(f, "rr", two, 101503));
        strcat(got, "; ");
    }
    assert_string_equal(got, "http://h/1 => OK; http://h/3 => OK; http://h/1 => OK; ");
    /* weighted: 2, then 1 */
    got[0] = '\0';
    for (int i = 0; i < 6; i++) {
        strcat(got, drive(f, "w", NULL, 0));
        strcat(got, "; ");
    }
    assert_string_equal(got, "http://h/w1 => OK; http://h/w1 => OK; http://h/w2 => OK; "
                             "http://h/w1 => OK; http://h/w1 => OK; http://h/w2 => OK; ");
    /* failover="false": the error goes to the fault handler */
    static const char *const n1[] = {"n1", NULL};
    assert_string_equal(drive(f, "nf", n1, 101503), "http://h/n1 => FAULT 101503");
    th_flow_free(f);
}

/* ---- requests ----------------------------------------------------------------- */

static void test_request_building(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        "<endpoint name=\"P\"><address uri=\"http://h/svc\"/>"
        "<property name=\"epProp\" expression=\"json-eval($.q)\"/>"
        "<property name=\"X-From-Ep\" value=\"yes\" scope=\"transport\"/></endpoint>\n"
        "<endpoint name=\"S\"><address uri=\"http://h/soap\" format=\"soap11\"/></endpoint>\n"
        "<endpoint name=\"H\"><http uri-template=\"http://h/t/{uri.var.id}\" method=\"get\"/></endpoint>\n"
        "<endpoint name=\"B\"><http uri-template=\"http://h/auth\"><authentication><basicAuth>"
        "<username>user</username><password>{$ctx:pw}</password></basicAuth></authentication></http></endpoint>\n"
        "<endpoint name=\"T\"><address uri=\"http://h/slow\"><timeout><duration>{$ctx:to}</duration></timeout></address></endpoint>\n"
        SEQ("p", "<call><endpoint key=\"P\"/></call>")
        SEQ("s", "<call><endpoint key=\"S\"/></call>")
        SEQ("h", "<call><endpoint key=\"H\"/></call>")
        SEQ("b", "<property name=\"pw\" value=\"s3cret\"/><call><endpoint key=\"B\"/></call>")
        SEQ("t", "<property name=\"to\" value=\"1234\"/><call><endpoint key=\"T\"/></call>")
        SEQ("d", "<header name=\"To\" value=\"http://other/x\"/><call><endpoint><default/></endpoint></call>")
        SEQ("d0", "<call><endpoint><default/></endpoint></call>")));
    static const struct { const char *post, *want; } cases[] = {
        {"/a/b", "http://h/svc/a/b"}, {"?x=1", "http://h/svc?x=1"}, {"a", "http://h/svc/a"},
        {"", "http://h/svc"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        th_flow_reset_msg(f);
        mc_msg_set_propz(f->m, MC_SCOPE_AXIS2, "REST_URL_POSTFIX", cases[i].post);
        assert_int_equal(th_run(f, "p", "{\"q\":7}"), MC_ESUSPENDED);
        assert_string_equal(f->m->out->url, cases[i].want);
    }
    assert_string_equal(th_prop(f, "epProp"), "7");
    bool ep_header = false;
    for (size_t i = 0; i < f->m->out->nheaders; i++)
        ep_header |= strcmp(f->m->out->headers[i].name, "X-From-Ep") == 0;
    assert_true(ep_header);
    /* a SOAP request, or a soap11 endpoint: no postfix; <http>: never */
    th_flow_reset_msg(f);
    mc_msg_set_propz(f->m, MC_SCOPE_AXIS2, "REST_URL_POSTFIX", "/a");
    mc_msg_set_propz(f->m, MC_SCOPE_TRANSPORT, "Content-Type", "text/xml");
    mc_msg_set_propz(f->m, MC_SCOPE_TRANSPORT, "SOAPAction", "urn:x");
    assert_int_equal(th_run(f, "p", "{}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->url, "http://h/svc");
    th_flow_reset_msg(f);
    mc_msg_set_propz(f->m, MC_SCOPE_AXIS2, "REST_URL_POSTFIX", "/a");
    assert_int_equal(th_run(f, "s", "{}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->url, "http://h/soap");
    th_flow_reset_msg(f);
    mc_msg_set_propz(f->m, MC_SCOPE_AXIS2, "REST_URL_POSTFIX", "/a");
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "uri.var.id", "7 8");
    assert_int_equal(th_run(f, "h", "{}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->url, "http://h/t/7%208");
    assert_string_equal(f->m->out->method, "GET");
    /* basic auth from the endpoint, its password a secret */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "b", "{}"), MC_ESUSPENDED);
    const char *auth = NULL;
    for (size_t i = 0; i < f->m->out->nheaders; i++)
        if (strcmp(f->m->out->headers[i].name, "Authorization") == 0)
            auth = f->m->out->headers[i].value;
    assert_non_null(auth);
    assert_string_equal(auth, "Basic dXNlcjpzM2NyZXQ="); /* base64("user:s3cret") */
    bool secret = false;
    for (size_t i = 0; i < f->m->nsecrets; i++)
        secret |= strcmp(f->m->secrets[i], "s3cret") == 0;
    assert_true(secret);
    /* timeout from an expression */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "t", "{}"), MC_ESUSPENDED);
    assert_int_equal(f->m->out->timeout_ms, 1234);
    /* default endpoint: the To address */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "d", "{}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->url, "http://other/x");
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "d0", "{}"), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_CODE"), "303001");
    th_flow_free(f);
}

static void test_discard_and_soap_fault(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        "<endpoint name=\"D\"><address uri=\"http://h/d\"><timeout><duration>10</duration>"
        "<responseAction>discard</responseAction></timeout></address></endpoint>\n"
        "<endpoint name=\"F\"><failover><endpoint><address uri=\"http://h/f1\"/></endpoint>"
        "<endpoint><address uri=\"http://h/f2\"/></endpoint></failover></endpoint>\n"
        SEQ("d", "<call><endpoint key=\"D\"/></call><property name=\"after\" value=\"1\"/>")
        SEQ("f", "<property name=\"FORCE_ERROR_ON_SOAP_FAULT\" value=\"true\"/><call><endpoint key=\"F\"/></call>")));
    static const char *const d[] = {"h/d", NULL};
    assert_string_equal(drive(f, "d", d, 101504), "http://h/d => DROPPED");
    assert_null(th_prop(f, "after"));
    /* a SOAP fault answer counts as a failure when asked */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "f", "{}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->url, "http://h/f1");
    static const char fault[] = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
        "<soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>x</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>";
    mc_kv hx[] = {{"Content-Type", "text/xml"}};
    mc_inbound in = {500, fault, sizeof fault - 1, hx, 1, 0, NULL};
    f->m->in = &in;
    assert_int_equal(mc_engine_resume(f->m), MC_ESUSPENDED);
    assert_string_equal(f->m->out->url, "http://h/f2");
    th_flow_free(f);
}

static void test_wsdl(void **state)
{
    (void)state;
    char path[256];
    int fd = mc_test_tmpfile(path, sizeof path, "wsdl");
    assert_true(fd >= 0);
    static const char wsdl[] =
        "<wsdl:definitions xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\" "
        "xmlns:soap=\"http://schemas.xmlsoap.org/wsdl/soap/\" xmlns:soap12=\"http://schemas.xmlsoap.org/wsdl/soap12/\" "
        "xmlns:http=\"http://schemas.xmlsoap.org/wsdl/http/\" xmlns:tns=\"urn:t\" targetNamespace=\"urn:t\">"
        "<wsdl:binding name=\"HttpB\" type=\"tns:PT\"><http:binding verb=\"GET\"/></wsdl:binding>"
        "<wsdl:service name=\"Quote\">"
        "<wsdl:port name=\"Soap11\" binding=\"tns:B11\"><soap:address location=\"http://backend:9000/soap11\"/></wsdl:port>"
        "<wsdl:port name=\"Soap12\" binding=\"tns:B12\"><soap12:address location=\"http://backend:9000/soap12\"/></wsdl:port>"
        "<wsdl:port name=\"Http\" binding=\"tns:HttpB\"><http:address location=\"http://backend:9000/http\"/></wsdl:port>"
        "</wsdl:service></wsdl:definitions>";
    assert_int_equal(write(fd, wsdl, sizeof wsdl - 1), (ssize_t)(sizeof wsdl - 1));
    close(fd);
    char xml[2048];
    snprintf(xml, sizeof xml, DEFS(
        "<endpoint name=\"W11\"><wsdl uri=\"file:%s\" service=\"Quote\" port=\"Soap11\"/></endpoint>\n"
        "<endpoint name=\"W12\"><wsdl uri=\"%s\" service=\"Quote\" port=\"Soap12\"/></endpoint>\n"
        "<endpoint name=\"WH\"><wsdl uri=\"file://%s\" service=\"Quote\" port=\"Http\"/></endpoint>\n"
        "<endpoint name=\"WI\"><wsdl service=\"S\" port=\"P\"><wsdl:definitions "
        "xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\" xmlns:soap=\"http://schemas.xmlsoap.org/wsdl/soap/\">"
        "<wsdl:service name=\"S\"><wsdl:port name=\"P\"><soap:address location=\"http://inline/x\"/>"
        "</wsdl:port></wsdl:service></wsdl:definitions></wsdl></endpoint>\n"), path, path, path);
    th_flow *f = th_flow_new(xml);
    assert_string_equal(named_ep(f, "W11")->uri, "http://backend:9000/soap11");
    assert_int_equal(named_ep(f, "W11")->format, MC_EPF_SOAP11);
    assert_int_equal(named_ep(f, "W12")->format, MC_EPF_SOAP12);
    assert_string_equal(named_ep(f, "WH")->uri, "http://backend:9000/http");
    assert_int_equal(named_ep(f, "WH")->format, MC_EPF_GET);
    assert_string_equal(named_ep(f, "WI")->uri, "http://inline/x");
    th_flow_free(f);
    snprintf(xml, sizeof xml, DEFS(
        "<endpoint name=\"A\"><wsdl uri=\"file:%s\" service=\"Nope\" port=\"Soap11\"/></endpoint>\n"
        "<endpoint name=\"B\"><wsdl uri=\"file:%s\" service=\"Quote\" port=\"Nope\"/></endpoint>\n"
        "<endpoint name=\"C\"><wsdl uri=\"file:/nonexistent/x.wsdl\" service=\"S\" port=\"P\"/></endpoint>\n"),
        path, path);
    char *d = th_diags(xml);
    assert_string_equal(d,
        "t.xml:2:57: error: WSDL has no service 'Nope'\n"
        "t.xml:3:73: error: WSDL service 'Quote' has no port 'Nope'\n"
        "t.xml:4:26: error: cannot read WSDL 'file:/nonexistent/x.wsdl': No such file or directory\n");
    free(d);
    unlink(path);
}

static void test_recipient_list(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        "<endpoint name=\"RL\"><recipientlist><endpoint><address uri=\"http://h/r1\"/></endpoint>"
        "<endpoint><address uri=\"http://h/r2\"/></endpoint><endpoint><address uri=\"http://h/r3\"/></endpoint>"
        "</recipientlist></endpoint>\n"
        SEQ("rl", "<call><endpoint key=\"RL\"/></call><property name=\"from\" expression=\"json-eval($.from)\"/>")
        SEQ("dyn", "<property name=\"EP_LIST\" value=\"http://h/d1, http://h/d2\"/>"
                   "<send><endpoint><recipientlist><endpoints value=\"{get-property('EP_LIST')}\" max-cache=\"20\"/>"
                   "</recipientlist></endpoint></send>")));
    assert_string_equal(drive(f, "rl", NULL, 0), "http://h/r1 http://h/r2 http://h/r3 => OK");
    assert_string_equal(th_prop(f, "from"), "http://h/r1");
    /* a failing recipient does not stop the others; it is then suspended */
    static const char *const r1[] = {"r1", NULL};
    assert_string_equal(drive(f, "rl", r1, 101503), "http://h/r1 http://h/r2 http://h/r3 => OK");
    assert_string_equal(th_prop(f, "from"), "http://h/r2");
    assert_null(th_prop(f, "ERROR_CODE"));
    assert_string_equal(drive(f, "rl", NULL, 0), "http://h/r2 http://h/r3 => OK");
    static const char *const all[] = {"h/r", NULL};
    assert_string_equal(drive(f, "rl", all, 101504), "http://h/r2 http://h/r3 => FAULT 101504");
    assert_string_equal(drive(f, "rl", all, 101504), "=> FAULT 303000");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "Recipient List endpoint : RL - no ready child endpoints");
    assert_string_equal(drive(f, "dyn", NULL, 0), "http://h/d1 http://h/d2 => OK");
    th_flow_free(f);
}

/* <send/> goes to a To address the flow set; it answers the caller otherwise */
static void test_implicit_send(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        SEQ("to", "<header name=\"To\" value=\"http://h/rewritten?x=1\"/><send/>")
        SEQ("anon", "<header name=\"To\" value=\"http://www.w3.org/2005/08/addressing/anonymous\"/><send/>")
        SEQ("plain", "<send/>")
        SEQ("first", "<send><endpoint><address uri=\"http://h/first\"/></endpoint></send>")
        SEQ("out", "<header name=\"To\" value=\"http://h/x\"/><send/>")));
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "to", "{}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->url, "http://h/rewritten?x=1");
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "anon", "{}"), MC_OK);
    assert_true(f->m->responded);
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "plain", "{}"), MC_OK);
    assert_true(f->m->responded);
    /* in the out sequence <send/> always answers */
    th_flow_reset_msg(f);
    mc_msg_set_payload(f->m, "{}", 2, "application/json", NULL);
    assert_int_equal(th_run3(f, "first", "out", NULL), MC_ESUSPENDED);
    mc_kv hdrs[] = {{"Content-Type", "application/json"}};
    mc_inbound ok = {200, "{\"r\":1}", 7, hdrs, 1, 0, NULL};
    f->m->in = &ok;
    assert_int_equal(mc_engine_resume(f->m), MC_OK);
    assert_true(f->m->responded);
    assert_string_equal(th_payload(f), "{\"r\":1}");
    th_flow_free(f);
}

static void test_key_expression(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(DEFS(
        "<endpoint name=\"blue\"><address uri=\"http://h/blue\"/></endpoint>\n"
        "<endpoint name=\"green\"><address uri=\"http://h/green\"/></endpoint>\n"
        SEQ("k", "<property name=\"which\" expression=\"json-eval($.which)\"/>"
                 "<call><endpoint key-expression=\"$ctx:which\"/></call>")
        SEQ("missing", "<call><endpoint key=\"nowhere\"/></call>")));
    /* a key that names nothing loads with a warning and faults as Synapse does */
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "missing", "{}"), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_CODE"), "305100");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "Couldn't find the endpoint with the key : nowhere");
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "k", "{\"which\":\"green\"}"), MC_ESUSPENDED);
    assert_string_equal(f->m->out->url, "http://h/green");
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "k", "{\"which\":\"red\"}"), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_CODE"), "305100");
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "endpoint 'red' (from key-expression) is not defined");
    th_flow_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_definition_fields),
        cmocka_unit_test(test_diagnostics),
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_state_machine),
        cmocka_unit_test(test_suspended_leaf),
        cmocka_unit_test(test_failover),
        cmocka_unit_test(test_loadbalance),
        cmocka_unit_test(test_request_building),
        cmocka_unit_test(test_discard_and_soap_fault),
        cmocka_unit_test(test_wsdl),
        cmocka_unit_test(test_recipient_list),
        cmocka_unit_test(test_implicit_send),
        cmocka_unit_test(test_key_expression),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_store.c - unit tests for <messageStore> and <store>: the message
 * copy (payload, properties of each scope, headers, variables) restored
 * into a fresh message; FIFO order; the onStore sequence runs on the
 * message before it is copied; a {expr} store name; the bound (a full
 * store faults with MI's messages, HTTP_SC 500 and ERROR_DETAIL); a store
 * that does not exist; and the load diagnostics of stores, processors,
 * tasks and inbound endpoints, exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/stores.h"
#include "flow_harness.h"

#define SEQ(name, body) "<sequence name=\"" name "\">" body "</sequence>\n"

static const char *config =
    "<definitions>\n"
    "<messageStore name=\"S\"/>\n"
    "<messageStore name=\"small\" class=\"org.apache.synapse.message.store.impl.memory.InMemoryStore\">"
    "<parameter name=\"mediac.store.max.messages\">2</parameter></messageStore>\n"
    SEQ("plain", "<property name=\"p\" expression=\"$ctx:n\"/>"
                 "<header name=\"X-Trace\" scope=\"transport\" value=\"t1\"/>"
                 "<property name=\"ax\" value=\"a1\" scope=\"axis2\"/>"
                 "<variable name=\"v\" value=\"var1\"/>"
                 "<store messageStore=\"S\"/><property name=\"after\" value=\"1\"/>")
    SEQ("onstore", "<store messageStore=\"S\" sequence=\"mark\"/><property name=\"after\" value=\"1\"/>")
    SEQ("mark", "<property name=\"marked\" value=\"yes\"/>")
    SEQ("dynamic", "<store messageStore=\"{$ctx:which}\"/>")
    SEQ("bounded", "<store messageStore=\"small\"/>")
    SEQ("absent", "<store messageStore=\"gone\"/>")
    "</definitions>";

static mc_msg_store *queue_of(th_flow *f, const char *name)
{
    const mc_store_def *d = mc_config_store(f->cfg, name);
    assert_non_null(d);
    assert_non_null(d->store);
    return d->store;
}

/* Restore the head of the store into a fresh message of the flow. */
static mc_message *take(th_flow *f, const char *store)
{
    mc_stored_msg *s = mc_msg_store_take(queue_of(f, store));
    assert_non_null(s);
    mc_message *m = mc_msg_new(f->cfg, &f->lg);
    assert_non_null(m);
    mc_err err = {0};
    assert_int_equal(mc_stored_msg_restore(s, m, &err), MC_OK);
    mc_stored_msg_free(s);
    return m;
}

static void test_copy_and_order(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    for (int i = 1; i <= 3; i++) {
        th_flow_reset_msg(f);
        char n[8], json[32];
        snprintf(n, sizeof n, "%d", i);
        snprintf(json, sizeof json, "{\"n\":%d}", i);
        mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "n", n);
        assert_int_equal(th_run(f, "plain", json), MC_OK);
        assert_string_equal(th_prop(f, "after"), "1");   /* the flow goes on */
    }
    assert_int_equal(mc_msg_store_size(queue_of(f, "S")), 3);
    for (int i = 1; i <= 3; i++) {
        mc_message *m = take(f, "S");
        char n[8], json[32];
        snprintf(n, sizeof n, "%d", i);
        snprintf(json, sizeof json, "{\"n\":%d}", i);
        size_t len;
        const char *body = mc_msg_payload_bytes(m, &len);
        assert_string_equal(body, json);
        assert_string_equal(mc_msg_content_type(m), "application/json");
        assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "p"), n);
        assert_string_equal(mc_msg_prop(m, MC_SCOPE_TRANSPORT, "X-Trace"), "t1");
        assert_string_equal(mc_msg_prop(m, MC_SCOPE_AXIS2, "ax"), "a1");
        assert_string_equal(mc_msg_get_var(m, "v")->value, "var1");
        assert_null(mc_msg_prop(m, MC_SCOPE_DEFAULT, "after")); /* copied at <store> */
        mc_msg_free(m);
    }
    assert_int_equal(mc_msg_store_size(queue_of(f, "S")), 0);
    assert_null(mc_msg_store_take(queue_of(f, "S")));
    th_flow_free(f);
}

static void test_on_store_sequence(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    assert_int_equal(th_run(f, "onstore", "{\"a\":1}"), MC_OK);
    assert_string_equal(th_prop(f, "marked"), "yes");    /* ran on the message */
    assert_string_equal(th_prop(f, "after"), "1");
    mc_message *m = take(f, "S");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "marked"), "yes");
    mc_msg_free(m);
    th_flow_free(f);
}

static void test_dynamic_name(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "which", "small");
    assert_int_equal(th_run(f, "dynamic", "{\"d\":1}"), MC_OK);
    assert_int_equal(mc_msg_store_size(queue_of(f, "small")), 1);
    assert_int_equal(mc_msg_store_size(queue_of(f, "S")), 0);
    th_flow_reset_msg(f);
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "which", "nothing");
    assert_int_equal(th_run(f, "dynamic", "{\"d\":2}"), MC_EFAULT);
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE"),
                        "Message Store does not exist.");
    th_flow_free(f);
}

static void test_full_store(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    for (int i = 0; i < 2; i++) {
        th_flow_reset_msg(f);
        assert_int_equal(th_run(f, "bounded", "{\"b\":1}"), MC_OK);
    }
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "bounded", "{\"b\":3}"), MC_EFAULT);
    char want[160];
    snprintf(want, sizeof want, "Failed to store message [%s] in store [small].",
             f->m->message_id);
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE"), want);
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_DEFAULT, "ERROR_CODE"), "0");
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_DEFAULT, "ERROR_DETAIL"),
                        "Failed to store message.");
    assert_int_equal(mc_msg_status(f->m), 500);
    mc_msg_store *q = queue_of(f, "small");
    assert_int_equal(mc_msg_store_size(q), 2);
    assert_int_equal(q->refused, 1);
    /* taken out, there is room again; put back at the head, it comes first */
    mc_stored_msg *s = mc_msg_store_take(q);
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "bounded", "{\"b\":4}"), MC_OK);
    mc_msg_store_unshift(q, s);
    assert_int_equal(mc_msg_store_size(q), 3);
    mc_message *m = take(f, "small");
    size_t len;
    assert_string_equal(mc_msg_payload_bytes(m, &len), "{\"b\":1}");
    mc_msg_free(m);
    th_flow_free(f);
}

static void test_absent_store(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    assert_int_equal(th_run(f, "absent", "{}"), MC_EFAULT);
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE"),
                        "Message Store does not exist.");
    th_flow_free(f);
}

static void test_diagnostics(void **state)
{
    (void)state;
    static const th_diag_case cases[] = {
        {"<definitions><messageStore name=\"j\" class=\"org.apache.synapse.message.store.impl.jms.JmsStore\"/>"
         "</definitions>",
         "t.xml:1:37: error: message store 'j' (org.apache.synapse.message.store.impl.jms.JmsStore) "
         "needs a JMS broker (WSO2 MB, ActiveMQ, ...) reached through Java's JMS client, which "
         "mediac does not run; mediac keeps in-memory stores (leave out 'class' or use "
         "org.apache.synapse.message.store.impl.memory.InMemoryStore)\n"},
        {"<messageStore name=\"r\" class=\"org.apache.synapse.message.store.impl.rabbitmq.RabbitMQStore\"/>",
         "~'r' (org.apache.synapse.message.store.impl.rabbitmq.RabbitMQStore) needs a RabbitMQ broker"},
        {"<messageStore name=\"d\" class=\"org.apache.synapse.message.store.impl.jdbc.JDBCMessageStore\"/>",
         "~needs a JDBC database, which mediac does not run"},
        {"<messageStore name=\"q\" class=\"org.apache.synapse.message.store.impl.resequencer.ResequenceMessageStore\"/>",
         "~needs a JDBC database (the resequencing store is a JDBC store)"},
        {"<messageStore name=\"c\" class=\"com.acme.Store\"/>",
         "t.xml:1:24: error: message store 'c' uses the Java class com.acme.Store: mediac cannot "
         "run Java code; it keeps in-memory stores (leave out 'class' or use "
         "org.apache.synapse.message.store.impl.memory.InMemoryStore)\n"},
        {"<messageStore name=\"m\"><parameter name=\"mediac.store.max.messages\">0</parameter></messageStore>",
         "t.xml:1:24: error: parameter 'mediac.store.max.messages' must be a whole number from 1 "
         "to 100000000, not '0'\n"},
        {"<definitions><messageStore name=\"a\"/><messageStore name=\"a\"/></definitions>",
         "~error: duplicate message store name 'a'"},
        {SEQ("s", "<store/>"), "t.xml:1:20: error: <store> needs a 'messageStore' naming the message store\n"},
        {"<definitions><messageStore name=\"abc\"/>" SEQ("s", "<store messageStore=\"abd\"/>") "</definitions>",
         "t.xml:1:66: warning: <store> names message store 'abd', which is not defined; did you "
         "mean 'abc'?\n"},
        {"<definitions><messageStore name=\"S\"/>" SEQ("s", "<store messageStore=\"S\" sequence=\"nope\"/>")
         "</definitions>",
         "t.xml:1:81: warning: unknown sequence 'nope'\n"},
    };
    th_check_diags(cases, sizeof cases / sizeof *cases);
}

#define FWD "org.apache.synapse.message.processor.impl.forwarder.ScheduledMessageForwardingProcessor"
#define SAMPLER "org.apache.synapse.message.processor.impl.sampler.SamplingProcessor"
#define INJECTOR "org.apache.synapse.startup.tasks.MessageInjector"
#define P(n, v) "<parameter name=\"" n "\">" v "</parameter>"

static void test_processor_task_inbound_diagnostics(void **state)
{
    (void)state;
    static const th_diag_case cases[] = {
        /* clean: each kind as MI writes it */
        {"<definitions><messageStore name=\"s\"/><endpoint name=\"e\"><address uri=\"http://127.0.0.1:1/\"/></endpoint>"
         SEQ("q", "<log/>")
         "<messageProcessor name=\"f\" class=\"" FWD "\" messageStore=\"s\" targetEndpoint=\"e\">"
         P("interval", "1000") P("client.retry.interval", "500") P("max.delivery.attempts", "4")
         P("max.delivery.drop", "Disabled") P("non.retry.status.codes", "400,401")
         P("message.processor.reply.sequence", "q") P("is.active", "true") P("member.count", "1")
         "</messageProcessor>"
         "<messageProcessor name=\"m\" class=\"org.apache.synapse.message.processors.sampler.SamplingProcessor\" messageStore=\"s\">"
         P("sequence", "q") P("concurrency", "2") "</messageProcessor>"
         "<task name=\"t\" class=\"" INJECTOR "\" group=\"synapse.simple.quartz\"><trigger interval=\"5\" count=\"2\"/>"
         "<property xmlns:task=\"http://www.wso2.org/products/wso2commons/tasks\" name=\"message\"><a xmlns=\"\">1</a></property>"
         "<property xmlns:task=\"http://www.wso2.org/products/wso2commons/tasks\" name=\"sequenceName\" value=\"q\"/></task>"
         "<inboundEndpoint name=\"i\" protocol=\"http\" sequence=\"q\" onError=\"q\" suspend=\"false\">"
         "<parameters>" P("inbound.http.port", "8285") "</parameters></inboundEndpoint>"
         "</definitions>", ""},
        {"<messageProcessor name=\"p\" class=\"com.acme.Proc\" messageStore=\"s\"/>",
         "~error: message processor 'p' uses the Java class com.acme.Proc: mediac cannot run Java code"},
        {"<messageProcessor name=\"p\" class=\"" SAMPLER "\">" P("sequence", "q") "</messageProcessor>",
         "~error: message processor 'p' needs a 'messageStore' to take messages from"},
        {"<messageProcessor name=\"p\" class=\"" SAMPLER "\" messageStore=\"nope\">" P("sequence", "q")
         "</messageProcessor>",
         "~warning: message processor names message store 'nope', which is not defined"},
        {"<definitions><messageStore name=\"s\"/><messageProcessor name=\"p\" class=\"" SAMPLER
         "\" messageStore=\"s\"/></definitions>",
         "~error: sampling processor 'p' needs a 'sequence' parameter"},
        /* no targetEndpoint: the message's target.endpoint property names it */
        {"<definitions><messageStore name=\"s\"/><messageProcessor name=\"p\" class=\"" FWD
         "\" messageStore=\"s\"/></definitions>", ""},
        {"<definitions><messageStore name=\"s\"/><messageProcessor name=\"p\" class=\"" FWD
         "\" messageStore=\"s\" targetEndpoint=\"e\">" P("interval", "soon")
         P("non.retry.status.codes", "400,abc") "</messageProcessor></definitions>",
         "~error: parameter 'interval' must be a whole number from 1 to"},
        {"<definitions><messageStore name=\"s\"/><messageProcessor name=\"p\" class=\"" FWD
         "\" messageStore=\"s\" targetEndpoint=\"e\">" P("non.retry.status.codes", "400,abc")
         "</messageProcessor></definitions>",
         "~error: non.retry.status.codes must be HTTP status codes separated by commas, not '400,abc'"},
        {"<definitions><messageStore name=\"s\"/><messageProcessor name=\"p\" class=\"" FWD
         "\" messageStore=\"s\" targetEndpoint=\"e\"/></definitions>",
         "~warning: unknown endpoint 'e'"},
        {"<definitions><messageStore name=\"s\"/><messageProcessor name=\"p\" class=\"" FWD
         "\" messageStore=\"s\" targetEndpoint=\"e\">" P("cron.expression", "0 0 * * * *")
         "</messageProcessor><endpoint name=\"e\"><address uri=\"http://127.0.0.1:1/\"/></endpoint></definitions>",
         "t.xml:1:197: error: message processor 'p': cron.expression: exactly one of day-of-month "
         "and day-of-week must be '?'\n"},
        {"<task name=\"t\" class=\"com.acme.Job\"><trigger interval=\"1\"/></task>",
         "~error: task 't' runs the Java class com.acme.Job: mediac cannot run Java code"},
        {"<task name=\"t\" class=\"" INJECTOR "\"><trigger cron=\"0 * * * * *\"/></task>",
         "~error: task 't': exactly one of day-of-month and day-of-week must be '?'"},
        {"<task name=\"t\" class=\"" INJECTOR "\"><trigger interval=\"0\"/></task>",
         "~error: trigger interval must be a whole number of seconds from 1, not '0'"},
        {"<task name=\"t\" class=\"" INJECTOR "\"><trigger interval=\"1\"/></task>",
         "~error: task 't' needs a 'message' property"},
        {"<task name=\"t\" class=\"" INJECTOR "\"><trigger interval=\"1\"/>"
         "<property name=\"message\" value=\"{}\"/><property name=\"injectTo\" value=\"sequence\"/></task>",
         "~warning: task 't' injects into a sequence and needs a 'sequenceName' property; each run fails"},
        {"<task name=\"t\" class=\"" INJECTOR "\"><trigger interval=\"1\"/>"
         "<property name=\"message\" value=\"x\"/><property name=\"format\" value=\"text/xml\"/></task>",
         "~warning: task 't': format must be soap11, soap12, pox, get or json, not 'text/xml'; each run fails"},
        {"<task name=\"t\"><trigger interval=\"1\"/></task>",
         "~error: task 't' needs a 'class' (mediac runs org.apache.synapse.startup.tasks.MessageInjector)"},
        {"<inboundEndpoint name=\"j\" protocol=\"jms\" sequence=\"q\"/>",
         "~error: inbound endpoint 'j' uses the 'jms' protocol, which mediac does not run"},
        {"<inboundEndpoint name=\"k\" class=\"org.wso2.carbon.inbound.kafka.KafkaMessageConsumer\" sequence=\"q\"/>",
         "~uses the Java class org.wso2.carbon.inbound.kafka.KafkaMessageConsumer: mediac runs the http and https"},
        {"<inboundEndpoint name=\"h\" protocol=\"http\" sequence=\"q\"/>",
         "~error: inbound endpoint 'h' needs an 'inbound.http.port' parameter"},
        {"<inboundEndpoint name=\"h\" protocol=\"https\" sequence=\"q\"><parameters>"
         P("inbound.http.port", "8443") "</parameters></inboundEndpoint>",
         "~needs 'mediac.tls.cert' and 'mediac.tls.key' parameters"},
    };
    th_check_diags(cases, sizeof cases / sizeof *cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_and_order),
        cmocka_unit_test(test_on_store_sequence),
        cmocka_unit_test(test_dynamic_name),
        cmocka_unit_test(test_full_store),
        cmocka_unit_test(test_absent_store),
        cmocka_unit_test(test_diagnostics),
        cmocka_unit_test(test_processor_task_inbound_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_manage_stores.c - the Management API's MI shapes for message
 * stores, message processors, tasks and inbound endpoints: the lists
 * (count, list of summaries with MI's type names, the store's size and a
 * processor's status, from the serving state when there is one), one
 * artifact in detail by MI's query parameter, and MI's 404. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/stores.h"
#include "host/management.h"
#include "mediac.h"

static const char *flows =
    "<definitions xmlns=\"http://ws.apache.org/ns/synapse\">"
    "<messageStore name=\"S\"><parameter name=\"mediac.store.max.messages\">5</parameter></messageStore>"
    "<sequence name=\"q\"><store messageStore=\"S\"/></sequence>"
    "<endpoint name=\"e\"><address uri=\"http://127.0.0.1:9/\"/></endpoint>"
    "<messageProcessor name=\"F\" class=\"org.apache.synapse.message.processor.impl.forwarder."
    "ScheduledMessageForwardingProcessor\" messageStore=\"S\" targetEndpoint=\"e\">"
    "<parameter name=\"interval\">1000</parameter></messageProcessor>"
    "<messageProcessor name=\"M\" class=\"org.apache.synapse.message.processor.impl.sampler."
    "SamplingProcessor\" messageStore=\"S\"><parameter name=\"sequence\">q</parameter>"
    "<parameter name=\"is.active\">false</parameter></messageProcessor>"
    "<task name=\"T\" class=\"org.apache.synapse.startup.tasks.MessageInjector\">"
    "<trigger interval=\"5\" count=\"2\"/><property name=\"message\" value=\"{}\"/>"
    "<property name=\"format\" value=\"json\"/><property name=\"injectTo\" value=\"sequence\"/>"
    "<property name=\"sequenceName\" value=\"q\"/></task>"
    "<inboundEndpoint name=\"I\" protocol=\"http\" sequence=\"q\" onError=\"q\"><parameters>"
    "<parameter name=\"inbound.http.port\">8285</parameter></parameters></inboundEndpoint>"
    "</definitions>";

static bool all_inactive(void *ud, const char *name, bool *active)
{
    (void)ud;
    (void)name;
    *active = false;
    return true;
}

static void test_shapes(void **state)
{
    (void)state;
    mc_engine *e = mc_engine_new();
    mc_engine_set_log(e, MC_LOG_ERROR, NULL, NULL);
    assert_int_equal(mc_engine_load_string(e, flows, strlen(flows), "f.xml"), MC_OK);
    mc_mgmt_ctx c = {mc_engine_config(e), NULL, "http://h:1", NULL, NULL};
    /* one message in the store */
    mc_message *m = mc_message_new(e);
    assert_int_equal(mc_message_set_payload(m, "{\"a\":1}", 7, "application/json"), MC_OK);
    assert_int_equal(mc_run_sequence(m, "q"), MC_OK);
    mc_message_free(m);
    mc_buf b = MC_BUF_INIT;
    const char *ct;
    assert_int_equal(mc_management_answer(&c, "/management/message-stores", NULL, &b, &ct), 200);
    assert_string_equal(mc_buf_cstr(&b), "{\"count\":1,\"list\":[{\"name\":\"S\",\"type\":"
                        "\"in-memory-message-store\",\"size\":1}]}\n");
    b.len = 0;
    assert_int_equal(mc_management_answer(&c, "/management/message-stores", "name=S", &b, &ct), 200);
    assert_non_null(strstr(mc_buf_cstr(&b), "\"properties\":{\"mediac.store.max.messages\":\"5\"}"));
    b.len = 0;
    assert_int_equal(mc_management_answer(&c, "/management/message-processors", NULL, &b, &ct),
                     200);
    assert_string_equal(mc_buf_cstr(&b),
                        "{\"count\":2,\"list\":[{\"name\":\"F\",\"type\":\"Scheduled-message-"
                        "forwarding-processor\",\"status\":\"active\"},{\"name\":\"M\",\"type\":"
                        "\"Sampling-processor\",\"status\":\"inactive\"}]}\n");
    b.len = 0;
    c.processor_active = all_inactive;
    assert_int_equal(mc_management_answer(&c, "/management/message-processors", "name=F", &b,
                                          &ct), 200);
    assert_non_null(strstr(mc_buf_cstr(&b), "\"status\":\"inactive\""));
    assert_non_null(strstr(mc_buf_cstr(&b), "\"parameters\":{\"interval\":\"1000\"},"
                                            "\"messageStore\":\"S\""));
    b.len = 0;
    assert_int_equal(mc_management_answer(&c, "/management/tasks", NULL, &b, &ct), 200);
    assert_string_equal(mc_buf_cstr(&b), "{\"count\":1,\"list\":[{\"name\":\"T\"}]}\n");
    b.len = 0;
    assert_int_equal(mc_management_answer(&c, "/management/tasks", "taskName=T", &b, &ct), 200);
    assert_non_null(strstr(mc_buf_cstr(&b),
                           "\"implementation\":\"org.apache.synapse.startup.tasks.MessageInjector\","
                           "\"triggerCount\":\"2\",\"triggerInterval\":\"5000\",\"triggerType\":"
                           "\"simple\",\"properties\":{\"message\":\"{}\",\"format\":\"json\","
                           "\"injectTo\":\"sequence\",\"sequenceName\":\"q\"}"));
    b.len = 0;
    assert_int_equal(mc_management_answer(&c, "/management/inbound-endpoints", NULL, &b, &ct), 200);
    assert_string_equal(mc_buf_cstr(&b), "{\"count\":1,\"list\":[{\"name\":\"I\",\"protocol\":"
                        "\"http\",\"status\":\"active\"}]}\n");
    b.len = 0;
    assert_int_equal(mc_management_answer(&c, "/management/inbound-endpoints",
                                          "inboundEndpointName=I", &b, &ct), 200);
    assert_non_null(strstr(mc_buf_cstr(&b), "\"sequence\":\"q\",\"error\":\"q\""));
    assert_non_null(strstr(mc_buf_cstr(&b), "\"parameters\":[{\"name\":\"inbound.http.port\","
                                            "\"value\":\"8285\"}]"));
    b.len = 0;
    assert_int_equal(mc_management_answer(&c, "/management/tasks", "taskName=X", &b, &ct), 404);
    assert_string_equal(mc_buf_cstr(&b), "{\"Error\":\"Task not found: X\"}\n");
    mc_buf_free(&b);
    mc_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

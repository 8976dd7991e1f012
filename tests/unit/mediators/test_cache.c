/* test_cache.c - unit tests for <cache>: a finder that misses lets the flow
 * go on and the collector stores the response; the next equal request is
 * answered from the cache (payload, status, headers) and the flow ends;
 * what the key is made of (method, URL, included or excluded headers,
 * payload); timeout, maxSize (least recently used out first), maxMessageSize,
 * responseCodes and methods; onCacheHit; both syntaxes; the diagnostics. */
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
/* The stand-in for a backend call: the response depends on $ctx:n. */
#define BACKEND(extra)                                                                   \
    "<payloadFactory media-type=\"json\"><format>{\"fresh\":\"$1\"}</format>"             \
    "<args><arg expression=\"$ctx:n\"/></args></payloadFactory>"                         \
    "<property name=\"HTTP_SC\" expression=\"$ctx:code\" scope=\"axis2\"/>"              \
    "<header name=\"X-Up\" scope=\"transport\" value=\"1\"/>" extra

static const char *config =
    "<definitions>\n"
    SEQ("basic", "<cache collector=\"false\" timeout=\"60\"><implementation maxSize=\"2\"/></cache>"
                 BACKEND("") "<cache collector=\"true\"/><property name=\"after\" value=\"1\"/>")
    SEQ("short", "<cache id=\"short\" collector=\"false\" timeout=\"1\"/>"
                 BACKEND("") "<cache collector=\"true\"/>")
    SEQ("http", "<cache id=\"h\" collector=\"false\"><protocol type=\"HTTP\"><methods>GET</methods>"
                "<headersToIncludeInHash>X-Key</headersToIncludeInHash>"
                "<responseCodes>2\\d\\d</responseCodes><includeAgeHeader>true</includeAgeHeader>"
                "</protocol></cache>" BACKEND("") "<cache collector=\"true\"/>")
    SEQ("excl", "<cache id=\"x\" collector=\"false\"><protocol type=\"HTTP\">"
                "<headersToExcludeInHash>*</headersToExcludeInHash></protocol></cache>"
                BACKEND("") "<cache collector=\"true\"/>")
    SEQ("small", "<cache id=\"s\" collector=\"false\" maxMessageSize=\"10\"/>"
                 BACKEND("") "<cache collector=\"true\"/>")
    SEQ("hit", "<cache id=\"o\" collector=\"false\"><onCacheHit><property name=\"hit\" value=\"yes\"/>"
               "</onCacheHit></cache>" BACKEND("") "<cache collector=\"true\"/>"
               "<property name=\"after\" value=\"1\"/>")
    SEQ("old", "<cache id=\"old\" scope=\"per-host\" collector=\"false\" "
               "hashGenerator=\"org.wso2.caching.digest.DOMHASHGenerator\" timeout=\"20\" "
               "maxMessageSize=\"10000\"><implementation type=\"memory\" maxSize=\"100\"/></cache>"
               BACKEND("") "<cache id=\"old\" scope=\"per-host\" collector=\"true\"/>")
    SEQ("lonely", "<cache collector=\"true\"/><property name=\"after\" value=\"1\"/>")
    "</definitions>";

typedef struct req {
    const char *payload, *method, *url, *n, *code;
    const char *hname, *hvalue;
} req;

static mc_code run(th_flow *f, const char *seq, req r)
{
    th_flow_reset_msg(f);
    mc_message *m = f->m;
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "n", r.n ? r.n : "1");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "code", r.code ? r.code : "200");
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "HTTP_METHOD", r.method ? r.method : "POST");
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "TransportInURL", r.url ? r.url : "/x");
    if (r.hname)
        mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, r.hname, r.hvalue);
    return th_run(f, seq, r.payload ? r.payload : "{\"q\":1}");
}

/* Did the run come from the cache?  (Then the backend's $ctx:n is not in
 * the answer, and the flow ended at the finder.) */
static bool from_cache(th_flow *f, const char *fresh)
{
    char want[64];
    snprintf(want, sizeof want, "{\"fresh\":\"%s\"}", fresh);
    return strcmp(th_payload(f), want) == 0 && f->m->responded && !th_prop(f, "after");
}

static void test_store_and_hit(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    assert_int_equal(run(f, "basic", (req){.n = "1", .code = "201"}), MC_OK);
    assert_string_equal(th_payload(f), "{\"fresh\":\"1\"}");
    assert_string_equal(th_prop(f, "after"), "1");
    assert_int_equal(strlen(th_prop(f, "requestHash")), 64);

    assert_int_equal(run(f, "basic", (req){.n = "2"}), MC_OK);
    assert_true(from_cache(f, "1"));
    assert_int_equal(mc_msg_status(f->m), 201);
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "X-Up"), "1");
    assert_string_equal(mc_msg_content_type(f->m), "application/json");

    /* another payload, URL or method is another key */
    assert_int_equal(run(f, "basic", (req){.payload = "{\"q\":2}", .n = "3"}), MC_OK);
    assert_false(from_cache(f, "1"));
    assert_int_equal(run(f, "basic", (req){.url = "/y", .n = "4"}), MC_OK);
    assert_false(from_cache(f, "1"));
    /* maxSize 2: {"q":1} at /x was least recently used and is gone */
    assert_int_equal(run(f, "basic", (req){.n = "5"}), MC_OK);
    assert_false(from_cache(f, "1"));
    assert_string_equal(th_payload(f), "{\"fresh\":\"5\"}");
    assert_int_equal(run(f, "basic", (req){.url = "/y", .n = "6"}), MC_OK);
    assert_true(from_cache(f, "4"));
    /* a header is part of the key by default */
    assert_int_equal(run(f, "basic", (req){.url = "/y", .n = "7", .hname = "X-A", .hvalue = "a"}),
                     MC_OK);
    assert_false(from_cache(f, "4"));
    th_flow_free(f);
}

static void test_timeout(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    assert_int_equal(run(f, "short", (req){.n = "1"}), MC_OK);
    assert_int_equal(run(f, "short", (req){.n = "2"}), MC_OK);
    assert_true(from_cache(f, "1"));
    usleep(1200 * 1000);                   /* past the 1 s timeout */
    assert_int_equal(run(f, "short", (req){.n = "3"}), MC_OK);
    assert_string_equal(th_payload(f), "{\"fresh\":\"3\"}");
    th_flow_free(f);
}

static void test_protocol_rules(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    /* methods GET only: a POST is never stored */
    assert_int_equal(run(f, "http", (req){.n = "1"}), MC_OK);
    assert_int_equal(run(f, "http", (req){.n = "2"}), MC_OK);
    assert_string_equal(th_payload(f), "{\"fresh\":\"2\"}");
    /* GET: only X-Key is in the key, the payload is not */
    assert_int_equal(run(f, "http", (req){.method = "GET", .n = "3", .hname = "X-Key",
                                          .hvalue = "k"}), MC_OK);
    assert_int_equal(run(f, "http", (req){.method = "GET", .payload = "{\"other\":1}", .n = "4",
                                          .hname = "X-Key", .hvalue = "k"}), MC_OK);
    assert_true(from_cache(f, "3"));
    assert_string_equal(mc_msg_prop(f->m, MC_SCOPE_TRANSPORT, "Age"), "0");
    assert_int_equal(run(f, "http", (req){.method = "GET", .n = "5", .hname = "X-Key",
                                          .hvalue = "other"}), MC_OK);
    assert_false(from_cache(f, "3"));
    /* responseCodes 2\d\d: a 500 is not stored */
    assert_int_equal(run(f, "http", (req){.method = "GET", .url = "/e", .n = "6", .code = "500"}),
                     MC_OK);
    assert_int_equal(run(f, "http", (req){.method = "GET", .url = "/e", .n = "7"}), MC_OK);
    assert_string_equal(th_payload(f), "{\"fresh\":\"7\"}");
    /* headersToExcludeInHash "*": headers never matter */
    assert_int_equal(run(f, "excl", (req){.n = "8", .hname = "X-A", .hvalue = "1"}), MC_OK);
    assert_int_equal(run(f, "excl", (req){.n = "9", .hname = "X-A", .hvalue = "2"}), MC_OK);
    assert_true(from_cache(f, "8"));
    /* maxMessageSize 10: the 14-byte answer is not stored */
    assert_int_equal(run(f, "small", (req){.n = "1"}), MC_OK);
    assert_int_equal(run(f, "small", (req){.n = "2"}), MC_OK);
    assert_string_equal(th_payload(f), "{\"fresh\":\"2\"}");
    th_flow_free(f);
}

static void test_on_cache_hit_and_old_syntax(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(config);
    assert_int_equal(run(f, "hit", (req){.n = "1"}), MC_OK);
    assert_null(th_prop(f, "hit"));
    assert_int_equal(run(f, "hit", (req){.n = "2"}), MC_OK);
    assert_string_equal(th_prop(f, "hit"), "yes");
    assert_null(th_prop(f, "after"));     /* the flow ended after onCacheHit */
    assert_string_equal(th_payload(f), "{\"fresh\":\"1\"}");
    assert_false(f->m->responded);        /* onCacheHit did not respond */

    /* DOMHASHGenerator: the payload alone is the key */
    assert_int_equal(run(f, "old", (req){.n = "1", .url = "/a"}), MC_OK);
    assert_int_equal(run(f, "old", (req){.n = "2", .url = "/b", .method = "PUT"}), MC_OK);
    assert_true(from_cache(f, "1"));

    /* a collector with no finder before it lets the message pass */
    assert_int_equal(run(f, "lonely", (req){0}), MC_OK);
    assert_string_equal(th_prop(f, "after"), "1");
    assert_non_null(strstr(th_logs(f), "without a valid mapping to the request hash"));
    th_flow_free(f);
}

static void test_diagnostics(void **state)
{
    (void)state;
    static const th_diag_case cases[] = {
        {SEQ("s", "<cache/>"), "t.xml:1:20: error: The collector attribute must be specified\n"},
        {SEQ("s", "<cache collector=\"yes\"/>"),
         "t.xml:1:27: error: The value for collector has to be either true or false\n"},
        {SEQ("s", "<cache collector=\"false\" hashGenerator=\"com.acme.MyHash\"/>"),
         "~error: hashGenerator 'com.acme.MyHash' is a Java class: mediac runs no Java code"},
        {SEQ("s", "<cache collector=\"false\"><implementation type=\"disk\"/></cache>"),
         "~error: <implementation type> must be memory (mediac keeps its cache in memory, per process)"},
        {SEQ("s", "<cache collector=\"false\"><protocol type=\"HTTP\"><methods>GET,FETCH</methods>"
                  "</protocol></cache>"),
         "~error: Unexpected method type: FETCH"},
        {SEQ("s", "<cache collector=\"false\" timeout=\"soon\"/>"),
         "~error: <cache> 'timeout' must be a whole number (0 or more), got 'soon'"},
        {SEQ("s", "<cache collector=\"false\"><protocol type=\"JMS\"/></cache>"),
         "~error: <protocol type> must be HTTP, got 'JMS'"},
        {SEQ("s", "<cache collector=\"false\"><onCacheHit sequence=\"nope\"/></cache>"),
         "~warning: unknown sequence 'nope'"},
        {SEQ("s", "<cache collector=\"false\"><bogus/></cache>"),
         "~error: unexpected <bogus> in <cache> (protocol, implementation or onCacheHit)"},
        {SEQ("s", "<cache collector=\"false\" xmlns:mc=\"http://mediac.dev/ns/config\">"
                  "<implementation mc:maxBytes=\"0\"/></cache>"),
         "~error: mc:maxBytes must be mc:maxBytes with a whole number of 1 or more"},
    };
    th_check_diags(cases, sizeof cases / sizeof *cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_and_hit),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_protocol_rules),
        cmocka_unit_test(test_on_cache_hit_and_old_syntax),
        cmocka_unit_test(test_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

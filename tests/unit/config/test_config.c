/* test_config.c - unit tests for src/config: every artifact kind
 * (sequence, proxy with inline and key-referenced parts, api with
 * uri-template and url-mapping resources, localEntry text and XML,
 * endpoints address/http), <definitions> and no-namespace documents,
 * duplicate names, unknown references with did-you-mean, warnings, every
 * load-time error with its exact text and line:col, folder loading, and
 * uri-template / url-mapping matching. */
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
#include "../test_tmpdir.h"

#define SYN "xmlns=\"http://ws.apache.org/ns/synapse\""

static void expect_diags(const char *xml, const char *want)
{
    char *d = th_diags(xml);
    if (strcmp(d, want) != 0)
        fail_msg("diagnostics:\n%s\nwanted:\n%s", d, want);
    free(d);
}

static void test_artifacts(void **state)
{
    (void)state;
    const char *xml =
        "<definitions " SYN ">\n"
        "<sequence name=\"s1\"><log/></sequence>\n"
        "<sequence name=\"err\"><drop/></sequence>\n"
        "<sequence name=\"fault\"><drop/></sequence>\n"
        "<proxy name=\"P1\" transports=\"http\"><target>\n"
        "  <inSequence><property name=\"a\" value=\"1\"/></inSequence>\n"
        "  <outSequence><respond/></outSequence>\n"
        "  <faultSequence><drop/></faultSequence>\n"
        "</target></proxy>\n"
        "<proxy name=\"P2\"><target inSequence=\"s1\" outSequence=\"s1\" faultSequence=\"err\"/></proxy>\n"
        "<proxy name=\"P3\"><target><inSequence key=\"s1\"/></target></proxy>\n"
        "<api name=\"A\" context=\"/lambda\">\n"
        "  <resource methods=\"get post\" uri-template=\"/functions/{name}?q={q}\" inSequence=\"s1\"/>\n"
        "  <resource url-mapping=\"/files/*\"><inSequence><respond/></inSequence></resource>\n"
        "</api>\n"
        "<localEntry key=\"txt\">plain value</localEntry>\n"
        "<localEntry key=\"xml\"><cfg><a>1</a></cfg></localEntry>\n"
        "<endpoint name=\"E1\"><address uri=\"http://127.0.0.1:9/x\"><timeout><duration>1500</duration></timeout></address></endpoint>\n"
        "<endpoint name=\"E2\"><http method=\"put\" uri-template=\"http://127.0.0.1:9/{uri.var.id}\"/></endpoint>\n"
        "</definitions>\n";
    mc_config *cfg = th_config_new();
    assert_int_equal(th_config_load(cfg, xml), MC_OK);
    assert_string_equal(mc_buf_cstr(&cfg->diags), "");
    const mc_seq *s1 = mc_config_sequence(cfg, "s1");
    assert_non_null(s1);
    assert_string_equal(s1->name, "s1");
    assert_int_equal(s1->n, 1);
    assert_string_equal(s1->items[0]->type->name, "log");
    assert_int_equal(s1->items[0]->line, 2);
    assert_int_equal(s1->items[0]->col, 21);
    assert_ptr_equal(cfg->fault_seq, mc_config_sequence(cfg, "fault"));
    assert_null(cfg->main_seq);
    const mc_proxy *p1 = mc_config_proxy(cfg, "P1");
    assert_non_null(p1);
    assert_int_equal(p1->in->n, 1);
    assert_string_equal(p1->out->items[0]->type->name, "respond");
    assert_string_equal(p1->fault->items[0]->type->name, "drop");
    assert_int_equal(p1->line, 5);
    const mc_proxy *p2 = mc_config_proxy(cfg, "P2");
    assert_ptr_equal(p2->in, s1);
    assert_ptr_equal(p2->out, s1);
    assert_ptr_equal(p2->fault, mc_config_sequence(cfg, "err"));
    assert_ptr_equal(mc_config_proxy(cfg, "P3")->in, s1);
    assert_null(mc_config_proxy(cfg, "P3")->out);
    const mc_api *api = mc_config_api(cfg, "A");
    assert_non_null(api);
    assert_string_equal(api->context, "/lambda");
    assert_int_equal(api->nres, 2);
    assert_string_equal(api->res[0].methods, "GET POST");
    assert_non_null(api->res[0].tpl);
    assert_ptr_equal(api->res[0].in, s1);
    assert_null(api->res[1].methods);
    assert_string_equal(api->res[1].url_mapping, "/files/*");
    assert_string_equal(api->res[1].in->items[0]->type->name, "respond");
    const mc_local_entry *txt = mc_config_entry(cfg, "txt");
    assert_string_equal(txt->text, "plain value");
    assert_null(txt->xml);
    const mc_local_entry *xe = mc_config_entry(cfg, "xml");
    assert_null(xe->text);
    assert_string_equal((const char *)xe->xml->name, "cfg");
    const mc_endpoint *e1 = mc_config_endpoint(cfg, "E1");
    assert_string_equal(e1->uri, "http://127.0.0.1:9/x");
    assert_null(e1->method);
    assert_int_equal(e1->timeout_ms, 1500);
    const mc_endpoint *e2 = mc_config_endpoint(cfg, "E2");
    assert_string_equal(e2->method, "PUT");
    assert_string_equal(e2->uri, "http://127.0.0.1:9/{uri.var.id}");
    assert_null(mc_config_sequence(cfg, "nope"));
    assert_null(mc_config_proxy(cfg, "s1"));
    assert_null(mc_config_entry(cfg, NULL));
    mc_config_free(cfg);
}

static void test_single_and_no_namespace(void **state)
{
    (void)state;
    mc_config *cfg = th_config_new();
    assert_int_equal(th_config_load(cfg, "<sequence name=\"main\"><respond/></sequence>"), MC_OK);
    assert_non_null(cfg->main_seq);
    const char *le = "<localEntry " SYN " key=\"k\">v</localEntry>";
    assert_int_equal(mc_config_load_memory(cfg, le, strlen(le), "b.xml"), MC_OK);
    assert_int_equal(mc_config_link(cfg), MC_OK);
    assert_string_equal(mc_config_entry(cfg, "k")->text, "v");
    mc_config_free(cfg);
    /* an empty sequence is fine */
    cfg = th_config_new();
    assert_int_equal(th_config_load(cfg, "<sequence name=\"e\"/>"), MC_OK);
    assert_int_equal(mc_config_sequence(cfg, "e")->n, 0);
    mc_config_free(cfg);
}

static void test_errors_with_positions(void **state)
{
    (void)state;
    static const struct { const char *xml, *diags; } c[] = {
        {"<sequence name=\"x\"><log>\n</sequence>",
         "t.xml:2:12: error: malformed XML: Opening and ending tag mismatch: log line 1 and sequence\n"},
        {"<sequence name=\"x\">\n  <proprety name=\"a\" value=\"1\"/>\n</sequence>",
         "t.xml:2:3: error: unknown mediator <proprety>; did you mean <property>?\n"},
        {"<sequence name=\"x\">\n  <zzzzzzzz/>\n</sequence>",
         "t.xml:2:3: error: unknown mediator <zzzzzzzz>\n"},
        {"<sequence name=\"main\">\n  <sequence key=\"mian\"/>\n</sequence>",
         "t.xml:2:13: warning: unknown sequence 'mian'; did you mean 'main'?\n"},
        {"<sequence name=\"main\">\n  <sequence key=\"completely-else\"/>\n</sequence>",
         "t.xml:2:13: warning: unknown sequence 'completely-else'\n"},
        {"<sequence name=\"m\" onError=\"nope\"/>",
         "t.xml:1:20: warning: unknown sequence 'nope'\n"},
        {"<sequence name=\"x\">\n  <property name=\"y\" expression=\"//a[\" />\n</sequence>",
         "t.xml:2:22: error: bad XPath '//a[': Invalid expression at offset 4\n"},
        {"<sequence name=\"x\">\n  <property name=\"z\" expression=\"json-eval($.a[)\"/>\n</sequence>",
         "t.xml:2:22: error: bad JSONPath '$.a[': unexpected end at offset 4\n"},
        {"<sequence name=\"x\">\n  <filter source=\"$ctx:x\" regex=\"([\"><then/></filter>\n</sequence>",
         "t.xml:2:27: error: bad regex '([': missing terminating ] for character class at offset 2\n"},
        {"<sequence name=\"x\">\n  <payloadFactory media-type=\"json\"><format>{\"a\":\"$2\"}</format><args><arg value=\"1\"/></args></payloadFactory>\n</sequence>",
         "t.xml:2:37: error: $2 in the payloadFactory format has no argument (1 <arg> given)\n"},
        {"<sequence name=\"x\">\n  <payloadFactory><format>$1</format></payloadFactory>\n</sequence>",
         "t.xml:2:19: error: $1 in the payloadFactory format has no argument (0 <arg> given)\n"},
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\n<sequence name=\"x\"><log/></sequence>",
         "t.xml:2:1: error: DOCTYPE declarations are not allowed (no DTDs or entities)\n"},
        {"<sequence name=\"x\">\n  <log lvl=\"full\"/>\n</sequence>",
         "t.xml:2:8: warning: unknown attribute 'lvl' on <log>; did you mean 'level'?\n"},
        {"<sequence name=\"x\"><respond/>\n  <log/></sequence>",
         "t.xml:2:3: warning: <log> can never run: it follows <respond>\n"},
        {"<definitions><sequence name=\"d\"/>\n<sequence name=\"d\"/></definitions>",
         "t.xml:2:11: error: duplicate sequence name 'd'\n"
         "t.xml:1:14: note: previous definition is here\n"},
        {"<definitions><seqence name=\"q\"/></definitions>",
         "t.xml:1:14: error: unknown artifact <seqence>; did you mean <sequence>?\n"},
        {"<sequence xmlns=\"urn:other\" name=\"x\"/>",
         "t.xml:1:1: error: <sequence> is not in the Synapse namespace (http://ws.apache.org/ns/synapse)\n"},
        {"<sequence><log/></sequence>",
         "t.xml:1:1: error: <sequence> needs a 'name' attribute\n"},
        {"<proxy name=\"p\"><target><inSequence key=\"nope\"/></target></proxy>",
         "t.xml:1:37: warning: unknown sequence 'nope'\n"},
        {"<proxy name=\"p\"/>",
         "t.xml:1:1: error: <proxy> 'p' has no <target>\n"},
        {"<api name=\"a\" context=\"x\"><resource methods=\"GETT\" uri-template=\"/a/{b\"/></api>",
         "t.xml:1:15: error: API context 'x' must start with '/'\n"
         "t.xml:1:37: error: unknown HTTP method 'GETT' in methods\n"
         "t.xml:1:52: error: unclosed '{' in uri-template '/a/{b'\n"},
        {"<definitions><sequence name=\"x\"><call><endpoint key=\"Ep\"/></call></sequence><endpoint name=\"EP\"><address uri=\"http://h\"/></endpoint></definitions>",
         "t.xml:1:49: warning: unknown endpoint 'Ep'; did you mean 'EP'?\n"},
        {"", "t.xml:1:1: error: empty document\n"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++)
        expect_diags(c[i].xml, c[i].diags);
}

static void test_error_counts(void **state)
{
    (void)state;
    mc_config *cfg = th_config_new();
    const char *xml = "<sequence name=\"x\"><log lvl=\"1\"/><proprety/></sequence>";
    assert_int_equal(th_config_load(cfg, xml), MC_ECONFIG);
    assert_int_equal(cfg->nerrors, 1);
    assert_int_equal(cfg->nwarnings, 1);
    mc_config_free(cfg);
    cfg = th_config_new();
    assert_int_equal(th_config_load(cfg, "<sequence name=\"w\"><log lvl=\"1\"/></sequence>"), MC_OK);
    assert_int_equal(cfg->nerrors, 0);
    assert_int_equal(cfg->nwarnings, 1);
    mc_config_free(cfg);
}

static void test_folder(void **state)
{
    (void)state;
    const char *root = getenv("MC_SOURCE_ROOT");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/config_folder/", root ? root : ".");
    mc_config *cfg = th_config_new();
    assert_int_equal(mc_config_load_path(cfg, path), MC_OK);
    assert_int_equal(mc_config_link(cfg), MC_OK);
    assert_string_equal(mc_buf_cstr(&cfg->diags), "");
    /* recursive, only *.xml, hidden files skipped, sorted by name */
    assert_int_equal(cfg->sequences.n, 2);
    assert_string_equal(cfg->sequences.items[0].name, "main");
    assert_string_equal(cfg->sequences.items[1].name, "fromSub");
    assert_non_null(mc_config_entry(cfg, "first"));
    assert_null(mc_config_sequence(cfg, "hidden"));
    assert_string_equal(cfg->entries.items[0].name, "first");
    th_flow *f = th_flow_with(cfg);
    assert_int_equal(th_run(f, "main", NULL), MC_OK);
    assert_string_equal(th_prop(f, "order"), "subb");
    th_flow_free(f);
    /* missing path */
    cfg = th_config_new();
    assert_int_equal(mc_config_load_path(cfg, "/nonexistent/mediac/x.xml"), MC_EIO);
    assert_string_equal(mc_buf_cstr(&cfg->diags), "/nonexistent/mediac/x.xml:0:0: error: no such file or folder\n");
    mc_config_free(cfg);
    /* a file path */
    snprintf(path, sizeof path, "%s/tests/data/config_folder/a_first.xml", root ? root : ".");
    cfg = th_config_new();
    assert_int_equal(mc_config_load_path(cfg, path), MC_OK);
    assert_int_equal(cfg->entries.n, 1);
    mc_config_free(cfg);
}

static void test_empty_folder(void **state)
{
    (void)state;
    char tmpl[256];
    char *dir = mc_test_tmpdir(tmpl, sizeof tmpl, "cfg-empty");
    assert_non_null(dir);
    mc_config *cfg = th_config_new();
    assert_int_equal(mc_config_load_path(cfg, dir), MC_OK);
    assert_int_equal(mc_config_link(cfg), MC_OK);
    assert_int_equal(cfg->sequences.n, 0);
    mc_config_free(cfg);
    rmdir(dir);
}

static const mc_uri_template *tpl_of(mc_config *cfg, const char *api, size_t i)
{
    const mc_api *a = mc_config_api(cfg, api);
    assert_non_null(a);
    assert_true(i < a->nres);
    assert_non_null(a->res[i].tpl);
    return a->res[i].tpl;
}

static void test_uri_templates(void **state)
{
    (void)state;
    mc_config *cfg = th_config_new();
    const char *xml =
        "<api name=\"A\" context=\"/c\">"
        "<resource uri-template=\"/functions/{name}/invocations\"/>"
        "<resource uri-template=\"/functions/{name}?qualifier={q}&amp;limit={lim}\"/>"
        "<resource uri-template=\"/v/{a}.{b}\"/>"
        "<resource uri-template=\"/\"/>"
        "</api>";
    assert_int_equal(th_config_load(cfg, xml), MC_OK);
    mc_message *m = mc_msg_new(cfg, NULL);
    static const struct { size_t res; const char *path, *query; bool ok; const char *var, *val; } c[] = {
        {0, "/functions/f1/invocations", NULL, true, "uri.var.name", "f1"},
        {0, "/functions/my%20fn/invocations", NULL, true, "uri.var.name", "my fn"},
        {0, "/functions/a%2Fb/invocations", NULL, true, "uri.var.name", "a/b"},
        {0, "/functions/f1/invocations/", NULL, true, "uri.var.name", "f1"},
        {0, "/functions//invocations", NULL, false, NULL, NULL},
        {0, "/functions/a/b/invocations", NULL, false, NULL, NULL},
        {0, "/functions/f1", NULL, false, NULL, NULL},
        {0, "/functions/f1/invocationsX", NULL, false, NULL, NULL},
        {1, "/functions/f2", "qualifier=v%201&limit=5", true, "uri.var.q", "v 1"},
        {1, "/functions/f2", "limit=5&qualifier=x", true, "uri.var.lim", "5"},
        {1, "/functions/f2", NULL, true, "uri.var.name", "f2"},
        {2, "/v/x.y", NULL, true, "uri.var.b", "y"},
        {2, "/v/x.y.z", NULL, true, "uri.var.a", "x.y"},
        {3, "/", NULL, true, NULL, NULL},
        {3, "/x", NULL, false, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        mc_msg_clear_scope(m, MC_SCOPE_DEFAULT);
        bool ok = mc_uri_template_match(tpl_of(cfg, "A", c[i].res), c[i].path, c[i].query, m);
        if (ok != c[i].ok)
            fail_msg("template %zu on %s: match %d, want %d", c[i].res, c[i].path, ok, c[i].ok);
        if (c[i].var) {
            const char *v = mc_msg_prop(m, MC_SCOPE_DEFAULT, c[i].var);
            if (!v || strcmp(v, c[i].val) != 0)
                fail_msg("%s on %s: %s = %s, want %s", c[i].var, c[i].path, c[i].var, v ? v : "(unset)", c[i].val);
        }
    }
    /* a query parameter that is absent leaves its variable unset */
    mc_msg_clear_scope(m, MC_SCOPE_DEFAULT);
    assert_true(mc_uri_template_match(tpl_of(cfg, "A", 1), "/functions/f", "other=1", m));
    assert_null(mc_msg_prop(m, MC_SCOPE_DEFAULT, "uri.var.q"));
    mc_msg_free(m);
    mc_config_free(cfg);
    expect_diags("<api name=\"B\" context=\"/b\"><resource uri-template=\"/a/{x}{y}\"/></api>",
                 "t.xml:1:38: error: two variables without a separator in uri-template '/a/{x}{y}'\n");
    expect_diags("<api name=\"B\" context=\"/b\"><resource uri-template=\"a\"/></api>",
                 "t.xml:1:38: error: uri-template 'a' must start with '/'\n");
    expect_diags("<api name=\"B\" context=\"/b\"><resource uri-template=\"/a?q=x\"/></api>",
                 "t.xml:1:38: error: query part 'q=x' of uri-template must be name={var}\n");
}

static void test_url_mapping(void **state)
{
    (void)state;
    static const struct { const char *map, *path; bool ok; } c[] = {
        {"/x", "/x", true},
        {"/x", "/x/", true},
        {"/x", "/xy", false},
        {"/x", "/x/y", false},
        {"/x/*", "/x", true},
        {"/x/*", "/x/", true},
        {"/x/*", "/x/a/b", true},
        {"/x/*", "/xa", false},
        {"/*", "/anything/at/all", true},
        {"*.jsp", "/a/b.jsp", true},
        {"*.jsp", "/a/b.jspx", false},
        {"*.jsp", ".jsp", true},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++)
        if (mc_url_mapping_match(c[i].map, c[i].path) != c[i].ok)
            fail_msg("url-mapping %s on %s: want %d", c[i].map, c[i].path, c[i].ok);
}

static void test_values_and_secrets(void **state)
{
    (void)state;
    mc_config *cfg = mc_config_new(NULL);
    assert_non_null(cfg);
    assert_null(mc_config_value(cfg, "url"));
    assert_int_equal(mc_config_set_value(cfg, "url", "http://a"), MC_OK);
    assert_int_equal(mc_config_set_value(cfg, "url", "http://b"), MC_OK);
    assert_string_equal(mc_config_value(cfg, "url"), "http://b");
    assert_int_equal(mc_config_set_secret(cfg, "db.pw", "s3cret"), MC_OK);
    assert_string_equal(mc_config_secret(cfg, "db.pw"), "s3cret");
    assert_null(mc_config_secret(cfg, "url"));     /* separate maps */
    assert_null(mc_config_value(cfg, "db.pw"));
    assert_int_equal(mc_config_set_value(cfg, NULL, "x"), MC_EINVAL);
    mc_config_free(cfg);
}

/* A registry resource's properties (RESOURCE.properties): Java properties
 * text, as ${registry(key).property(name)} reads it. */
static void test_resource_properties(void **state)
{
    (void)state;
    const char *text = "# comment\n! also a comment\nowner = hello world\n"
                       "long: a\\\n    b\nesc=tab\\there\nowner=last wins\nempty=\n";
    mc_buf b = MC_BUF_INIT;
    assert_true(mc_properties_value(text, strlen(text), "owner", &b));
    assert_string_equal(mc_buf_cstr(&b), "last wins");
    assert_true(mc_properties_value(text, strlen(text), "long", &b));
    assert_string_equal(mc_buf_cstr(&b), "ab");
    assert_true(mc_properties_value(text, strlen(text), "esc", &b));
    assert_string_equal(mc_buf_cstr(&b), "tab\there");
    assert_true(mc_properties_value(text, strlen(text), "empty", &b));
    assert_int_equal(b.len, 0);
    assert_false(mc_properties_value(text, strlen(text), "nope", &b));
    assert_false(mc_properties_value("", 0, "owner", &b));
    mc_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_artifacts),
        cmocka_unit_test(test_single_and_no_namespace),
        cmocka_unit_test(test_errors_with_positions),
        cmocka_unit_test(test_error_counts),
        cmocka_unit_test(test_folder),
        cmocka_unit_test(test_empty_folder),
        cmocka_unit_test(test_uri_templates),
        cmocka_unit_test(test_url_mapping),
        cmocka_unit_test(test_values_and_secrets),
        cmocka_unit_test(test_resource_properties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_projects.c - unit tests for what real WSO2 projects need from the
 * config layer: registry keys and resources (folders, callbacks for
 * mediators that compile a resource at load), references that name
 * nothing (load warning, MI's fault when a message reaches them),
 * sequence templates and call-template, <in>/<out>, mediators directly
 * inside <definitions>, pass-through proxies, API versions, values and
 * secrets ($SYSTEM:, $FILE:, ${configs.}, wso2:vault-lookup), and project
 * layouts (MI project, Integration Studio workspace, MI server folder,
 * .car archives built here with libzip). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zip.h>

#include "config/endpoint.h"
#include "config/internal.h"
#include "flow_harness.h"
#include "../test_tmpdir.h"

#define SYN "xmlns=\"http://ws.apache.org/ns/synapse\""

static char *data_path(const char *rel)
{
    const char *root = getenv("MC_SOURCE_ROOT");
    char *p = NULL;
    assert_true(asprintf(&p, "%s/tests/data/projects/%s", root ? root : "..", rel) > 0);
    return p;
}

static void expect_diags(const char *xml, const char *want)
{
    char *d = th_diags(xml);
    if (strcmp(d, want) != 0)
        fail_msg("diagnostics:\n%s\nwanted:\n%s", d, want);
    free(d);
}

static void expect_diag_has(const char *xml, const char *want)
{
    char *d = th_diags(xml);
    if (!strstr(d, want) || !strstr(d, ": error: "))
        fail_msg("diagnostics:\n%s\nwanted an error with:\n%s", d, want);
    free(d);
}

/* ---- registry keys ------------------------------------------------------- */

static void test_registry_keys(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } c[] = {
        {"conf:/a/b.xsl", "conf:/a/b.xsl"},
        {"conf:a/b.xsl", "conf:/a/b.xsl"},
        {"gov:/x", "gov:/x"},
        {"gov://x//y/./z", "gov:/x/y/z"},
        {"  plain/key.xml ", "gov:/plain/key.xml"},
        {"seq", "gov:/seq"},
        {"resources:json/a.json", "gov:/mi-resources/json/a.json"},
        {"/_system/config/xslt/t.xsl", "conf:/xslt/t.xsl"},
        {"/_system/governance/w.wsdl", "gov:/w.wsdl"},
        {"local:/l", "local:/l"},
        {"conf:/a/../../etc/passwd", NULL},
        {"gov:/..", NULL},
        {"conf:", NULL},
        {"", NULL},
    };
    mc_arena a;
    mc_arena_init(&a, 1024);
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        const char *got = mc_registry_key(&a, c[i].in);
        if (!c[i].out)
            assert_null(got);
        else if (!got || strcmp(got, c[i].out) != 0)
            fail_msg("key '%s': got '%s', want '%s'", c[i].in, got ? got : "(null)", c[i].out);
    }
    mc_arena_free(&a);
}

/* ---- registry resources and the callback mechanism ------------------------- */

typedef struct seen {
    const mc_local_entry *res;
    int calls;
} seen;

/* A mediator type that compiles a resource at load, as xslt or script do:
 * the test's stand-in for them, through mc_ref_entry_compile. */
static seen last_seen;
static const mc_mediator_type res_type;

static bool on_resource(const mc_local_entry *res, void *target, mc_config *cfg, mc_err *err)
{
    (void)cfg;
    seen *s = target;
    s->res = res;
    s->calls++;
    if (res->xml && strcmp((const char *)res->xml->name, "stylesheet") != 0) {
        snprintf(err->msg, sizeof err->msg, "not a stylesheet: <%s>", (const char *)res->xml->name);
        return false;
    }
    return true;
}

static mc_mediator *res_compile(mc_compiler *cc, xmlNodePtr node)
{
    mc_mediator *m = mc_new_mediator(cc, node, &res_type, sizeof *m);
    mc_ref_entry_compile(cc, node, "key", mc_attr(cc, node, "key"), on_resource, &last_seen);
    return m;
}
static const mc_mediator_type res_type = {"useres", res_compile, NULL, NULL, false};

static const mc_mediator_type *lookup_with_res(void *ud, const char *n)
{
    (void)ud;
    return strcmp(n, "useres") == 0 ? &res_type : mc_builtin_mediator(n);
}

static void test_registry_folder(void **state)
{
    (void)state;
    mc_registry reg = {lookup_with_res, NULL, NULL, NULL};
    mc_config *cfg = mc_config_new(&reg);
    char *dir = data_path("mi-project/src/main/wso2mi/resources/registry");
    assert_int_equal(mc_config_load_registry(cfg, dir), MC_OK);
    assert_int_equal(cfg->nresources, 2);
    const mc_local_entry *x = mc_config_entry(cfg, "conf:/xslt/id.xsl");
    assert_non_null(x);
    assert_true(x->resource);
    assert_non_null(x->xml);
    assert_string_equal((const char *)x->xml->name, "stylesheet");
    assert_non_null(strstr(x->text, "xsl:copy-of"));
    /* the same resource by every key form */
    assert_ptr_equal(mc_config_entry(cfg, "conf:xslt/id.xsl"), x);
    assert_ptr_equal(mc_config_entry(cfg, "/_system/config/xslt/id.xsl"), x);
    /* a <sequence> resource is a sequence named by its key; a plain key is
     * the governance registry's */
    const mc_seq *audit = mc_config_sequence(cfg, "gov:/seq/audit.xml");
    assert_non_null(audit);
    assert_string_equal(audit->name, "gov:/seq/audit.xml");
    assert_ptr_equal(mc_config_sequence(cfg, "seq/audit.xml"), audit);
    const char *xml = "<sequence " SYN " name=\"s\">\n"
                      "  <useres key=\"conf:/xslt/id.xsl\"/>\n"
                      "  <sequence key=\"seq/audit.xml\"/>\n"
                      "</sequence>";
    memset(&last_seen, 0, sizeof last_seen);
    assert_int_equal(mc_config_load_memory(cfg, xml, strlen(xml), "s.xml"), MC_OK);
    assert_int_equal(mc_config_link(cfg), MC_OK);
    assert_string_equal(mc_buf_cstr(&cfg->diags), "");
    assert_int_equal(last_seen.calls, 1);
    assert_ptr_equal(last_seen.res, x);
    /* a compile failure is reported at the reference */
    const char *bad = "<sequence " SYN " name=\"t\">\n"
                      "  <useres key=\"gov:/seq/audit.xml\"/>\n"
                      "</sequence>";
    assert_int_equal(mc_config_load_memory(cfg, bad, strlen(bad), "t.xml"), MC_OK);
    assert_int_equal(mc_config_link(cfg), MC_ECONFIG);
    assert_string_equal(mc_buf_cstr(&cfg->diags), "t.xml:2:11: error: not a stylesheet: <sequence>\n");
    mc_config_free(cfg);
    free(dir);
}

static void test_registry_misses(void **state)
{
    (void)state;
    /* with a registry loaded, a registry key that names nothing is an error */
    mc_registry reg = {lookup_with_res, NULL, NULL, NULL};
    mc_config *cfg = mc_config_new(&reg);
    char *dir = data_path("mi-project/src/main/wso2mi/resources/registry");
    assert_int_equal(mc_config_load_registry(cfg, dir), MC_OK);
    const char *xml = "<sequence " SYN " name=\"s\">\n"
                      "  <useres key=\"conf:/xslt/missing.xsl\"/>\n"
                      "</sequence>";
    memset(&last_seen, 0, sizeof last_seen);
    mc_config_load_memory(cfg, xml, strlen(xml), "s.xml");
    assert_int_equal(mc_config_link(cfg), MC_ECONFIG);
    assert_string_equal(mc_buf_cstr(&cfg->diags),
        "s.xml:2:11: error: registry key 'conf:/xslt/missing.xsl' resolves to nothing in the "
        "loaded registry\n");
    assert_int_equal(last_seen.calls, 0);
    mc_config_free(cfg);
    free(dir);
    /* without one it is a warning saying how to give one */
    expect_diags("<sequence " SYN " name=\"s\"><sequence key=\"gov:/a.xml\"/></sequence>",
                 "t.xml:1:70: warning: unknown sequence 'gov:/a.xml' (no registry loaded: use "
                 "--registry DIR)\n");
    /* a registry folder that is not there, and a key that leaves it */
    cfg = th_config_new();
    assert_int_equal(mc_config_load_registry(cfg, "/nonexistent/reg"), MC_EIO);
    assert_string_equal(mc_buf_cstr(&cfg->diags),
                        "/nonexistent/reg:0:0: error: registry folder: No such file or directory\n");
    mc_buf_reset(&cfg->diags);
    assert_int_equal(mc_config_load_resource(cfg, "conf:/../x", "a", 1, "x"), MC_ECONFIG);
    assert_string_equal(mc_buf_cstr(&cfg->diags),
        "x:0:0: error: registry key 'conf:/../x' is not valid (empty, or '..' leaves the "
        "registry)\n");
    mc_config_free(cfg);
}

static void write_file(const char *dir, const char *rel, const char *text)
{
    char path[512], sub[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
        snprintf(sub, sizeof sub, "%.*s", (int)(p - path), path);
        mkdir(sub, 0700);
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_registry_roots(void **state)
{
    (void)state;
    char dir[256];
    assert_non_null(mc_test_tmpdir(dir, sizeof dir, "reg"));
    /* an MI server's roots win over a stray gov/ beside them; a resource
     * that is not well-formed XML stays a text resource, no error */
    write_file(dir, "governance/x.txt", "server");
    write_file(dir, "gov/x.txt", "project");
    write_file(dir, "config/bad.xml", "<a><b></a>");
    write_file(dir, "local/l.txt", "local");
    /* properties, as MI keeps them: RESOURCE.properties, COLLECTION/COLLECTION.properties */
    write_file(dir, "governance/x.txt.properties", "owner=me\nstage = dev\n");
    write_file(dir, "governance/coll/coll.properties", "kind=folder\n");
    write_file(dir, "governance/coll/plain.properties", "not=metadata\n");
    mc_config *cfg = th_config_new();
    assert_int_equal(mc_config_load_registry(cfg, dir), MC_OK);
    assert_string_equal(mc_buf_cstr(&cfg->diags), "");
    assert_string_equal(mc_config_resource_property(cfg, "gov:/x.txt", "owner"), "me");
    assert_string_equal(mc_config_resource_property(cfg, "/_system/governance/x.txt", "stage"), "dev");
    assert_string_equal(mc_config_resource_property(cfg, "gov:/coll", "kind"), "folder");
    assert_null(mc_config_resource_property(cfg, "gov:/x.txt", "nope"));
    assert_null(mc_config_entry(cfg, "gov:/x.txt.properties"));
    assert_null(mc_config_entry(cfg, "gov:/coll/coll.properties"));
    assert_non_null(mc_config_entry(cfg, "gov:/coll/plain.properties"));
    assert_string_equal(mc_config_entry(cfg, "gov:/x.txt")->text, "server");
    const mc_local_entry *bad = mc_config_entry(cfg, "conf:/bad.xml");
    assert_non_null(bad);
    assert_null(bad->xml);
    assert_string_equal(bad->text, "<a><b></a>");
    assert_string_equal(mc_config_entry(cfg, "local:/l.txt")->text, "local");
    mc_config_free(cfg);
    /* a registry sequence that does not compile: a warning while nothing
     * uses it, an error at a reference to it */
    write_file(dir, "governance/seq/broken.xml",
               "<sequence " SYN "><log/><nosuchmediator/><property name=\"p\"/></sequence>");
    char want[1024];
    cfg = th_config_new();
    assert_int_equal(mc_config_load_registry(cfg, dir), MC_OK);
    assert_int_equal(mc_config_link(cfg), MC_OK);
    snprintf(want, sizeof want,
             "%s/governance/seq/broken.xml:1:1: warning: registry <sequence> 'gov:/seq/broken.xml' "
             "does not compile (unknown mediator <nosuchmediator>); a reference to it is an error\n",
             dir);
    assert_string_equal(mc_buf_cstr(&cfg->diags), want);
    assert_null(mc_config_sequence(cfg, "gov:/seq/broken.xml"));
    const char *use = "<sequence " SYN " name=\"u\"><sequence key=\"seq/broken.xml\"/></sequence>";
    assert_int_equal(mc_config_load_memory(cfg, use, strlen(use), "u.xml"), MC_OK);
    assert_int_equal(mc_config_link(cfg), MC_ECONFIG);
    assert_non_null(strstr(mc_buf_cstr(&cfg->diags),
                           "u.xml:1:70: error: registry resource 'seq/broken.xml' does not compile: "
                           "unknown mediator <nosuchmediator>\n"));
    mc_config_free(cfg);
    /* a plain folder is the governance root */
    char plain[256];
    assert_non_null(mc_test_tmpdir(plain, sizeof plain, "plain"));
    write_file(plain, "sequence/s.xml", "<sequence " SYN "><log/></sequence>");
    cfg = th_config_new();
    assert_int_equal(mc_config_load_registry(cfg, plain), MC_OK);
    assert_non_null(mc_config_sequence(cfg, "sequence/s.xml"));
    mc_config_free(cfg);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, plain);
    assert_int_equal(system(cmd), 0);
}

static void test_local_entry_src(void **state)
{
    (void)state;
    char home[256];
    assert_non_null(mc_test_tmpdir(home, sizeof home, "home"));
    write_file(home, "repository/res/t.xsl",
               "<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"/>");
    write_file(home, "repository/res/s.js", "function f(mc) {}");
    char conf[512];
    snprintf(conf, sizeof conf, "%s/conf/flows/x.xml", home);
    write_file(home, "conf/flows/x.xml",
               "<definitions " SYN ">\n"
               "<localEntry key=\"xsl\" src=\"file:repository/res/t.xsl\"/>\n"
               "<localEntry key=\"js\" src=\"file:repository/res/s.js\"/>\n"
               "</definitions>");
    mc_config *cfg = th_config_new();
    assert_int_equal(mc_config_load_path(cfg, conf), MC_OK);
    const mc_local_entry *x = mc_config_entry(cfg, "xsl");
    assert_non_null(x->xml);
    assert_string_equal((const char *)x->xml->name, "stylesheet");
    assert_string_equal(mc_config_entry(cfg, "js")->text, "function f(mc) {}");
    assert_null(mc_config_entry(cfg, "js")->xml);
    mc_config_free(cfg);
    char want[1024];
    expect_diags("<localEntry " SYN " key=\"k\" src=\"http://example.com/t.xsl\"/>",
                 "t.xml:1:61: error: local entry src 'http://example.com/t.xsl': only file: URLs "
                 "are read (no network at load)\n");
    snprintf(want, sizeof want,
             "t.xml:1:61: error: local entry src 'file:no/such.xsl': no such file (looked from "
             "t.xml upwards)\n");
    expect_diags("<localEntry " SYN " key=\"k\" src=\"file:no/such.xsl\"/>", want);
    snprintf(conf, sizeof conf, "rm -rf %s", home);
    assert_int_equal(system(conf), 0);
}

/* ---- references that name nothing ---------------------------------------------- */

static void test_missing_references_fault_at_run_time(void **state)
{
    (void)state;
    mc_config *cfg = th_config_new();
    const char *xml =
        "<definitions " SYN ">\n"
        "<sequence name=\"a\"><sequence key=\"nowhere\"/></sequence>\n"
        "<sequence name=\"b\"><call><endpoint key=\"noep\"/></call></sequence>\n"
        "<sequence name=\"c\"><call-template target=\"notpl\"/></sequence>\n"
        "<proxy name=\"P\"><target inSequence=\"noin\"/></proxy>\n"
        "</definitions>";
    assert_int_equal(th_config_load(cfg, xml), MC_OK);
    assert_string_equal(mc_buf_cstr(&cfg->diags),
                        "t.xml:2:30: warning: unknown sequence 'nowhere'\n"
                        "t.xml:3:36: warning: unknown endpoint 'noep'\n"
                        "t.xml:4:35: warning: unknown sequence template 'notpl'\n"
                        "t.xml:5:25: warning: unknown sequence 'noin'\n");
    th_flow *f = th_flow_with(cfg);
    static const struct { const char *seq, *code, *msg; } c[] = {
        {"a", "0", "Sequence named nowhere cannot be found"},
        {"b", "305100", "Couldn't find the endpoint with the key : noep"},
        {"c", "0", "Sequence template notpl cannot be found"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        th_flow_reset_msg(f);
        assert_int_equal(th_run(f, c[i].seq, "{}"), MC_EFAULT);
        assert_string_equal(th_prop(f, "ERROR_CODE"), c[i].code);
        assert_string_equal(th_prop(f, "ERROR_MESSAGE"), c[i].msg);
    }
    th_flow_reset_msg(f);
    const mc_proxy *p = mc_config_proxy(cfg, "P");
    assert_int_equal(mc_engine_start(f->m, p->in, p->out, p->fault), MC_OK);
    assert_int_equal(mc_engine_run(f->m), MC_EFAULT);
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "Unable to find in-sequence : noin");
    th_flow_free(f);
}

/* ---- templates ------------------------------------------------------------------- */

static const char *templates_xml =
    "<definitions " SYN ">\n"
    "<template name=\"T\"><parameter name=\"a\" isMandatory=\"true\"/>"
    "<parameter name=\"b\" defaultValue=\"dflt\"/><parameter name=\"c\"/>"
    "<description>ignored</description>"
    "<sequence>"
    "<property name=\"seen\" expression=\"fn:concat($func:a, '|', get-property('func', 'b'), '|', $func:c)\"/>"
    "<call-template target=\"Inner\"><with-param name=\"x\" value=\"{fn:concat($func:a, '!')}\"/></call-template>"
    "<property name=\"after\" expression=\"$func:a\"/>"
    "</sequence></template>\n"
    "<template name=\"Inner\"><parameter name=\"x\"/><sequence>"
    "<property name=\"inner\" expression=\"fn:concat($func:x, '/', $func:a)\"/>"
    "</sequence></template>\n"
    "<sequence name=\"main\">"
    "<property name=\"v\" value=\"from-ctx\"/>"
    "<call-template target=\"T\"><with-param name=\"a\" value=\"{$ctx:v}\"/>"
    "<with-param name=\"c\" value=\"{{literal}}\"/></call-template>"
    "<property name=\"outside\" expression=\"$func:a\"/>"
    "</sequence>\n"
    "<sequence name=\"lit\"><call-template target=\"T\"><with-param name=\"a\" value=\"plain {x} text\"/>"
    "<with-param name=\"b\" value=\"given\"/></call-template></sequence>\n"
    "</definitions>";

static void test_call_template(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(templates_xml);
    assert_int_equal(th_run(f, "main", "{}"), MC_OK);
    /* expression value, default, escaped literal */
    assert_string_equal(th_prop(f, "seen"), "from-ctx|dflt|{literal}");
    /* a nested template sees only its own parameters; the outer ones come
     * back when it ends, and none are left after the call */
    assert_string_equal(th_prop(f, "inner"), "from-ctx!/");
    assert_string_equal(th_prop(f, "after"), "from-ctx");
    assert_string_equal(th_prop(f, "outside"), "");
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "lit", "{}"), MC_OK);
    assert_string_equal(th_prop(f, "seen"), "plain {x} text|given|");
    th_flow_free(f);
}

static void test_call_template_errors(void **state)
{
    (void)state;
    const char *tpl = "<template name=\"T\"><parameter name=\"need\" isMandatory=\"true\"/>"
                      "<parameter name=\"opt\"/><sequence><log/></sequence></template>\n";
    char xml[1024];
    snprintf(xml, sizeof xml,
             "<definitions " SYN ">\n%s"
             "<sequence name=\"s\"><call-template target=\"T\">\n"
             "  <with-param name=\"nede\" value=\"1\"/><with-param name=\"opt\" value=\"2\"/>\n"
             "</call-template></sequence>\n</definitions>", tpl);
    expect_diags(xml,
                 "t.xml:4:3: error: template 'T' has no parameter 'nede'; did you mean 'need'?\n"
                 "t.xml:3:35: error: call-template: mandatory parameter 'need' of template 'T' "
                 "is not given\n");
    expect_diags("<sequence " SYN " name=\"s\"><call-template/></sequence>",
                 "t.xml:1:60: error: <call-template> needs a 'target' naming the sequence template\n");
    expect_diags("<sequence " SYN " name=\"s\"><call-template target=\"T\">"
                 "<with-param name=\"a\" value=\"{//a[}\"/></call-template></sequence>",
                 "t.xml:1:114: error: unclosed '{' at offset 0 in '{//a[}'\n");
    expect_diags("<template " SYN " name=\"T\"><parameter name=\"p\"/><parameter name=\"p\"/></template>",
                 "t.xml:1:1: error: <template> 'T' needs a <sequence> body\n");
    expect_diags("<template " SYN " name=\"T\"><parameter name=\"p\" isMandatory=\"yes\"/><sequence/></template>",
                 "t.xml:1:80: error: isMandatory must be true or false, not 'yes'\n");
}

/* get-property('registry', KEY) and 'KEY/@NAME' in XPath (MI's
 * PropertyIntegrationRegistryValuesTestCase), ${registry(KEY).property(NAME)}
 * in Synapse Expressions; local entries are not the registry. */
static void test_registry_in_expressions(void **state)
{
    (void)state;
    char dir[256];
    assert_non_null(mc_test_tmpdir(dir, sizeof dir, "regx"));
    write_file(dir, "config/custom/t.txt", "the text");
    write_file(dir, "config/custom/t.txt.properties", "resourceName=Config Reg Test String\n");
    write_file(dir, "governance/g.txt.properties", "owner=gov owner\n");
    write_file(dir, "governance/g.txt", "g");
    mc_config *cfg = th_config_new();
    assert_int_equal(mc_config_load_registry(cfg, dir), MC_OK);
    assert_int_equal(th_config_load(cfg,
        "<definitions " SYN "><localEntry key=\"le\">local</localEntry>"
        "<sequence name=\"s\">"
        "<property name=\"a\" expression=\"get-property('registry', 'conf:/custom/t.txt/@resourceName')\"/>"
        "<property name=\"b\" expression=\"get-property('registry', 'conf:/custom/t.txt')\"/>"
        "<property name=\"c\" expression=\"get-property('registry', 'gov:/g.txt/@owner')\"/>"
        "<property name=\"d\" expression=\"concat('[', get-property('registry', 'gov:/g.txt/@nope'), ']')\"/>"
        "<property name=\"e\" expression=\"concat('[', get-property('registry', 'le'), ']')\"/>"
        "<property name=\"f\" expression=\"${registry('conf:/custom/t.txt').property('resourceName')}\"/>"
        "</sequence></definitions>"), MC_OK);
    assert_string_equal(mc_buf_cstr(&cfg->diags), "");
    th_flow *f = th_flow_with(cfg);
    assert_int_equal(th_run(f, "s", "{}"), MC_OK);
    assert_string_equal(th_prop(f, "a"), "Config Reg Test String");
    assert_string_equal(th_prop(f, "b"), "the text");
    assert_string_equal(th_prop(f, "c"), "gov owner");
    assert_string_equal(th_prop(f, "d"), "[]");
    assert_string_equal(th_prop(f, "e"), "[]");
    assert_string_equal(th_prop(f, "f"), "Config Reg Test String");
    /* an inline text local entry has its length (it was 0) */
    const mc_local_entry *le = mc_config_entry(f->cfg, "le");
    assert_string_equal(le->text, "local");
    assert_int_equal(le->len, 5);
    th_flow_free(f);
}

/* payloadFactory <format key>: a registry resource (XML) or a local entry
 * (JSON text), read at link, so the entry may come after its use
 * (MI's PayloadFactoryWithDynamicKeyTestCase, ESBJAVA registry formats). */
static void test_payload_format_key(void **state)
{
    (void)state;
    char dir[256];
    assert_non_null(mc_test_tmpdir(dir, sizeof dir, "regfmt"));
    write_file(dir, "config/payloadFactory/in.xml",
               "<ns:getSimpleQuote xmlns:ns=\"http://services.samples\">"
               "<ns:symbol>$1</ns:symbol></ns:getSimpleQuote>");
    mc_config *cfg = th_config_new();
    assert_int_equal(mc_config_load_registry(cfg, dir), MC_OK);
    assert_int_equal(th_config_load(cfg,
        "<definitions " SYN ">"
        "<sequence name=\"x\"><payloadFactory media-type=\"xml\">"
        "<format key=\"conf:/payloadFactory/in.xml\"/><args><arg value=\"IBM &amp; co\"/></args>"
        "</payloadFactory></sequence>"
        "<sequence name=\"j\"><payloadFactory media-type=\"json\"><format key=\"fmt\"/>"
        "<args><arg expression=\"json-eval($.a)\"/></args></payloadFactory></sequence>"
        "<localEntry key=\"fmt\">  {\"got\":\"$1\"}</localEntry>"
        "</definitions>"), MC_OK);
    assert_string_equal(mc_buf_cstr(&cfg->diags), "");
    th_flow *f = th_flow_with(cfg);
    assert_int_equal(th_run(f, "x", "{}"), MC_OK);
    assert_non_null(strstr(th_payload(f), "<ns:getSimpleQuote xmlns:ns=\"http://services.samples\">"
                                          "<ns:symbol>IBM &amp; co</ns:symbol></ns:getSimpleQuote>"));
    th_flow_reset_msg(f);
    assert_int_equal(th_run(f, "j", "{\"a\":\"b\"}"), MC_OK);
    assert_string_equal(th_payload(f), "{\"got\":\"b\"}");
    th_flow_free(f);

    /* a key that names nothing: a warning, and MI's kind of fault when a
     * message gets there; a format with a placeholder it has no <arg> for,
     * or a ${...} expression, is an error at the reference */
    cfg = th_config_new();
    assert_int_equal(th_config_load(cfg,
        "<sequence " SYN " name=\"m\"><payloadFactory media-type=\"json\">"
        "<format key=\"nope\"/><args/></payloadFactory></sequence>"), MC_OK);
    assert_string_equal(mc_buf_cstr(&cfg->diags), "t.xml:1:102: warning: unknown local entry 'nope'\n");
    f = th_flow_with(cfg);
    assert_int_equal(th_run(f, "m", "{}"), MC_EFAULT);
    /* MI's PayloadFactoryMediator: handleException("Key " + key + " not found ") */
    assert_string_equal(th_prop(f, "ERROR_MESSAGE"), "Key nope not found ");
    th_flow_free(f);
    expect_diag_has("<definitions " SYN "><localEntry key=\"f\">{\"a\":\"$2\"}</localEntry>"
                 "<sequence name=\"m\"><payloadFactory media-type=\"json\"><format key=\"f\"/>"
                 "<args><arg value=\"1\"/></args></payloadFactory></sequence></definitions>",
                 "$2 in the payloadFactory format 'f' has no argument (1 <arg> given)");
    expect_diag_has("<sequence " SYN " name=\"m\"><payloadFactory media-type=\"json\">"
                 "<format key=\"{$ctx:k}\"/><args/></payloadFactory></sequence>",
                 "a format chosen per message");
    /* MI 4.4 ${...} in a keyed format works as inline (MI's template
     * processor compiles the format's expressions when it loads it) */
    cfg = th_config_new();
    assert_int_equal(th_config_load(cfg,
        "<definitions " SYN "><localEntry key=\"f\">{\"a\":${payload.x}}</localEntry>"
        "<sequence name=\"m\"><payloadFactory media-type=\"json\"><format key=\"f\"/>"
        "<args/></payloadFactory></sequence></definitions>"), MC_OK);
    assert_string_equal(mc_buf_cstr(&cfg->diags), "");
    f = th_flow_with(cfg);
    assert_int_equal(th_run(f, "m", "{\"x\":[1]}"), MC_OK);
    assert_string_equal(th_payload(f), "{\"a\":[1]}");
    th_flow_free(f);
}

/* ---- structure ------------------------------------------------------------------ */

static void test_in_out(void **state)
{
    (void)state;
    th_flow *f = th_flow_new(
        "<definitions " SYN ">\n"
        "<sequence name=\"main\"><in><property name=\"dir\" value=\"in\"/><loopback/></in>"
        "<out><property name=\"dir2\" value=\"out\"/><description>x</description></out></sequence>\n"
        "</definitions>");
    const mc_seq *main_seq = mc_config_sequence(f->cfg, "main");
    assert_int_equal(mc_engine_start(f->m, main_seq, main_seq, NULL), MC_OK);
    assert_int_equal(mc_engine_run(f->m), MC_OK);
    assert_string_equal(th_prop(f, "dir"), "in");
    assert_string_equal(th_prop(f, "dir2"), "out");
    th_flow_free(f);
}

static void test_description_anywhere_and_system_in_xpath(void **state)
{
    (void)state;
    setenv("MC_TEST_XPATH_ENV", "from-env", 1);
    th_flow *f = th_flow_new(
        "<definitions " SYN ">\n"
        "<description>top</description>\n"
        "<api name=\"A\" context=\"/a\"><description>api</description>"
        "<resource url-mapping=\"/*\"><description>res</description><inSequence>"
        "<description>in</description><log/></inSequence></resource></api>\n"
        "<proxy name=\"P\"><description>p</description><target><description>t</description>"
        "<inSequence><filter xpath=\"true()\"><then><description>d</description>"
        "<property name=\"x\" expression=\"$SYSTEM:MC_TEST_XPATH_ENV\"/></then></filter>"
        "</inSequence></target></proxy>\n"
        "<endpoint name=\"E\"><description>e</description><address uri=\"http://127.0.0.1:9/\"/></endpoint>\n"
        "</definitions>");
    assert_string_equal(mc_buf_cstr(&f->cfg->diags), "");
    /* inside mediators that take only certain children, too; but not where
     * the parent holds data (a payloadFactory format) */
    expect_diags("<definitions " SYN ">\n"
        "<sequence name=\"a\"><switch source=\"$ctx:x\"><description>d</description>"
        "<case regex=\"1\"><log/></case></switch></sequence>\n"
        "<sequence name=\"b\"><send><description>d</description><endpoint>"
        "<address uri=\"http://127.0.0.1:9/\"/></endpoint></send></sequence>\n"
        "<sequence name=\"c\"><filter xpath=\"true()\"><description>d</description>"
        "<then><log/></then></filter></sequence>\n"
        "<sequence name=\"e\"><log><description>d</description><property name=\"a\" value=\"b\"/>"
        "</log></sequence>\n"
        "<localEntry key=\"le\"><description>kept</description></localEntry>\n"
        "</definitions>", "");
    mc_config *cfg = th_config_new();
    assert_int_equal(th_config_load(cfg, "<definitions " SYN "><localEntry key=\"le\">"
                                         "<description>kept</description></localEntry></definitions>"),
                     MC_OK);
    assert_string_equal((const char *)mc_config_entry(cfg, "le")->xml->name, "description");
    mc_config_free(cfg);
    const mc_proxy *p = mc_config_proxy(f->cfg, "P");
    assert_int_equal(mc_engine_start(f->m, p->in, p->out, p->fault), MC_OK);
    assert_int_equal(mc_engine_run(f->m), MC_OK);
    assert_string_equal(th_prop(f, "x"), "from-env");
    unsetenv("MC_TEST_XPATH_ENV");
    th_flow_free(f);
}

static void test_definitions_main(void **state)
{
    (void)state;
    th_flow *f = th_flow_new("<definitions " SYN ">\n"
                             "<description>top</description>\n"
                             "<property name=\"a\" value=\"1\"/>\n"
                             "<sequence name=\"other\"/>\n"
                             "<property name=\"b\" value=\"2\"/>\n"
                             "</definitions>");
    const mc_seq *m = mc_config_sequence(f->cfg, "main");
    assert_non_null(m);
    assert_int_equal(m->n, 2);
    assert_int_equal(m->line, 3);
    assert_int_equal(th_run(f, "main", "{}"), MC_OK);
    assert_string_equal(th_prop(f, "b"), "2");
    th_flow_free(f);
    expect_diags("<definitions " SYN ">\n<sequence name=\"main\"/>\n<log/>\n</definitions>",
                 "t.xml:3:1: error: duplicate sequence name 'main'\n"
                 "t.xml:2:1: note: previous definition is here\n");
}

static void test_pass_through_proxies(void **state)
{
    (void)state;
    mc_config *cfg = th_config_new();
    const char *xml =
        "<definitions " SYN ">\n"
        "<endpoint name=\"EP\"><address uri=\"http://127.0.0.1:9/ep\"/></endpoint>\n"
        "<proxy name=\"ByKey\"><target endpoint=\"EP\"/></proxy>\n"
        "<proxy name=\"Inline\"><target><endpoint><address uri=\"http://127.0.0.1:9/in\"/></endpoint>"
        "<outSequence><respond/></outSequence></target></proxy>\n"
        "<proxy name=\"InThenEP\"><target endpoint=\"EP\"><inSequence><property name=\"x\" value=\"1\"/>"
        "</inSequence></target></proxy>\n"
        "<sequence name=\"pre\"><property name=\"y\" value=\"1\"/></sequence>\n"
        "<proxy name=\"KeyInThenEP\"><target inSequence=\"pre\" endpoint=\"EP\"/></proxy>\n"
        "<proxy name=\"Empty\"><target/></proxy>\n"
        "</definitions>";
    assert_int_equal(th_config_load(cfg, xml), MC_OK);
    assert_string_equal(mc_buf_cstr(&cfg->diags),
        "t.xml:8:21: warning: <proxy> 'Empty' has no inSequence and no endpoint: it accepts "
        "messages and does nothing with them\n");
    static const struct { const char *proxy, *items, *url; } c[] = {
        {"ByKey", "send", "http://127.0.0.1:9/ep"},
        {"Inline", "send", "http://127.0.0.1:9/in"},
        {"InThenEP", "property send", "http://127.0.0.1:9/ep"},
        {"KeyInThenEP", "sequence send", "http://127.0.0.1:9/ep"},
    };
    th_flow *f = th_flow_with(cfg);
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        const mc_proxy *p = mc_config_proxy(cfg, c[i].proxy);
        char names[128] = "";
        for (uint32_t k = 0; k < p->in->n; k++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", k ? " " : "",
                     p->in->items[k]->type->name);
        assert_string_equal(names, c[i].items);
        /* the message goes out to the endpoint after the in-sequence */
        th_flow_reset_msg(f);
        mc_msg_set_payload(f->m, "{}", 2, "application/json", NULL);
        assert_int_equal(mc_engine_start(f->m, p->in, p->out, p->fault), MC_OK);
        assert_int_equal(mc_engine_run(f->m), MC_ESUSPENDED);
        assert_string_equal(f->m->out->url, c[i].url);
    }
    assert_int_equal(mc_config_proxy(cfg, "Empty")->in->n, 0);
    th_flow_free(f);
}

static void test_api_versions(void **state)
{
    (void)state;
    mc_config *cfg = th_config_new();
    const char *xml =
        "<definitions " SYN ">\n"
        "<api name=\"A\" context=\"/a\" version=\"1.0.0\" version-type=\"url\"><resource url-mapping=\"/*\"/></api>\n"
        "<api name=\"A\" context=\"/a\" version=\"2.0.0\" version-type=\"url\"><resource url-mapping=\"/*\"/></api>\n"
        "<api name=\"C\" context=\"/c/{version}/x\" version=\"v3\" version-type=\"context\"><resource url-mapping=\"/*\"/></api>\n"
        "</definitions>";
    assert_int_equal(th_config_load(cfg, xml), MC_OK);
    assert_string_equal(mc_config_api(cfg, "A:v1.0.0")->context, "/a/1.0.0");
    assert_string_equal(mc_config_api(cfg, "A:v2.0.0")->context, "/a/2.0.0");
    assert_string_equal(mc_config_api(cfg, "C:vv3")->context, "/c/v3/x");
    assert_string_equal(mc_config_api(cfg, "C:vv3")->version_type, "context");
    mc_config_free(cfg);
    expect_diags("<api " SYN " name=\"A\" context=\"/a\" version=\"1\"><resource/></api>",
                 "t.xml:1:68: error: an API with a version needs version-type=\"url\" or \"context\"\n");
    expect_diags("<api " SYN " name=\"A\" context=\"/a\" version=\"1\" version-type=\"context\"><resource/></api>",
                 "t.xml:1:55: error: version-type=\"context\" needs {version} in the context '/a'\n");
    expect_diags("<api " SYN " name=\"A\" context=\"/a/{version}\"><resource/></api>",
                 "t.xml:1:55: error: the context '/a/{version}' has {version} but the API has no version\n");
}

static void test_uri_template_wildcards(void **state)
{
    (void)state;
    mc_config *cfg = th_config_new();
    const char *xml = "<api " SYN " name=\"W\" context=\"/w\">"
                      "<resource uri-template=\"/order/{id}/item/{n}?*\"/>"
                      "<resource uri-template=\"/person*\"/>"
                      "<resource uri-template=\"/view/*\"/></api>";
    assert_int_equal(th_config_load(cfg, xml), MC_OK);
    const mc_api *api = mc_config_api(cfg, "W");
    mc_message *m = mc_msg_new(cfg, NULL);
    static const struct { size_t res; const char *path, *query; bool ok; } c[] = {
        {0, "/order/1/item/2", "message_id=41ec", true},
        {0, "/order/1/item/2", "", true},
        {0, "/order/1/item/2", NULL, false},   /* Synapse needs the '?' */
        {1, "/person", NULL, true},
        {1, "/persons/7", "a=b", true},
        {1, "/per", NULL, false},
        {2, "/view/a/b", NULL, true},
        {2, "/view", NULL, false},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        bool ok = mc_uri_template_match(api->res[c[i].res].tpl, c[i].path, c[i].query, m);
        if (ok != c[i].ok)
            fail_msg("case %zu: %s?%s on resource %zu: %d", i, c[i].path,
                     c[i].query ? c[i].query : "(none)", c[i].res, ok);
    }
    assert_true(mc_uri_template_match(api->res[0].tpl, "/order/5/item/6", "x=1", m));
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "uri.var.id"), "5");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "uri.var.n"), "6");
    mc_msg_free(m);
    mc_config_free(cfg);
}

/* ---- values and secrets -------------------------------------------------------------- */

static void test_values_files(void **state)
{
    (void)state;
    mc_config *cfg = th_config_new();
    const char props[] =
        "# comment\n! also a comment\n"
        "plain=value\n"
        "  spaced : with colon  \n"
        "esc=tab\\there\\u00e9\n"
        "multi=one \\\n    two\n"
        "key\\=with=equals\n"
        "empty=\n";
    assert_int_equal(mc_config_parse_values(cfg, "file.properties", props, sizeof props - 1,
                                            false), MC_OK);
    assert_string_equal(mc_config_value(cfg, "plain"), "value");
    assert_string_equal(mc_config_value(cfg, "spaced"), "with colon  ");
    assert_string_equal(mc_config_value(cfg, "esc"), "tab\there\xc3\xa9");
    assert_string_equal(mc_config_value(cfg, "multi"), "one two");
    assert_string_equal(mc_config_value(cfg, "key=with"), "equals");
    assert_string_equal(mc_config_value(cfg, "empty"), "");
    const char env[] = "export A=1\nB=\"two words\"\nC='x\\ny'\nD = spaced \n#c\nbroken line\n";
    assert_int_equal(mc_config_parse_values(cfg, "proj/.env", env, sizeof env - 1, false),
                     MC_ECONFIG);
    assert_string_equal(mc_config_value(cfg, "A"), "1");
    assert_string_equal(mc_config_value(cfg, "B"), "two words");
    assert_string_equal(mc_config_value(cfg, "C"), "x\\ny");
    assert_string_equal(mc_config_value(cfg, "D"), "spaced");
    assert_string_equal(mc_buf_cstr(&cfg->diags), "proj/.env:6:1: error: expected NAME=VALUE\n");
    /* the environment wins over the file */
    setenv("MC_TEST_OVERRIDE", "from-env", 1);
    const char over[] = "MC_TEST_OVERRIDE=from-file\n";
    mc_config_parse_values(cfg, "f.properties", over, sizeof over - 1, false);
    assert_string_equal(mc_config_value(cfg, "MC_TEST_OVERRIDE"), "from-env");
    /* secrets: [x] is plain text x */
    const char secrets[] = "db_password=[s3cr3t]\nraw=as-is\n";
    assert_int_equal(mc_config_parse_values(cfg, "secrets.properties", secrets,
                                            sizeof secrets - 1, true), MC_OK);
    assert_string_equal(mc_config_secret(cfg, "db_password"), "s3cr3t");
    assert_string_equal(mc_config_secret(cfg, "raw"), "as-is");
    unsetenv("MC_TEST_OVERRIDE");
    mc_config_free(cfg);
}

static void test_deployment_parameters(void **state)
{
    (void)state;
    setenv("MC_TEST_URL", "http://127.0.0.1:9/from-env", 1);
    mc_config *cfg = th_config_new();
    mc_config_set_value(cfg, "port", "8290");
    mc_config_set_value(cfg, "name", "cfg-name");
    const char *xml =
        "<definitions " SYN ">\n"
        "<endpoint name=\"E\"><address uri=\"$SYSTEM:MC_TEST_URL\"/></endpoint>\n"
        "<sequence name=\"s\">\n"
        "  <property name=\"p\" value=\" $FILE:port \"/>\n"
        "  <property name=\"n\" value=\"${configs.name}\"/>\n"
        "  <property name=\"kept\" value=\"$SYSTEM:MC_TEST_URL/suffix\"/>\n"
        "</sequence>\n"
        "</definitions>";
    assert_int_equal(th_config_load(cfg, xml), MC_OK);
    assert_string_equal(mc_buf_cstr(&cfg->diags), "");
    assert_string_equal(mc_config_endpoint(cfg, "E")->uri, "http://127.0.0.1:9/from-env");
    th_flow *f = th_flow_with(cfg);
    assert_int_equal(th_run(f, "s", "{}"), MC_OK);
    assert_string_equal(th_prop(f, "p"), "8290");
    assert_string_equal(th_prop(f, "n"), "cfg-name");
    assert_string_equal(th_prop(f, "kept"), "$SYSTEM:MC_TEST_URL/suffix");
    th_flow_free(f);
    unsetenv("MC_TEST_URL");
    unsetenv("MC_TEST_NOT_SET");
    expect_diags("<endpoint " SYN " name=\"E\">\n  <address uri=\"$SYSTEM:MC_TEST_NOT_SET\"/>\n</endpoint>",
                 "t.xml:2:12: error: $SYSTEM:MC_TEST_NOT_SET: environment variable "
                 "'MC_TEST_NOT_SET' is not set\n");
    expect_diags("<sequence " SYN " name=\"s\"><log><property name=\"x\" value=\"${configs.nope}\"/>"
                 "</log></sequence>",
                 "t.xml:1:84: error: ${configs.nope}: no value for 'nope' (set the environment "
                 "variable or give it in the config-values file)\n");
    expect_diags("<localEntry " SYN " key=\"k\">\n $FILE:nope </localEntry>",
                 "t.xml:1:1: error: $FILE:nope: no value 'nope' in the config-values file "
                 "(--config-values FILE)\n");
}

static void capture(void *ud, int level, const char *line)
{
    (void)level;
    mc_buf_puts(ud, line);
    mc_buf_putc(ud, '\n');
}

static void test_vault_lookup(void **state)
{
    (void)state;
    mc_config *cfg = th_config_new();
    mc_config_set_secret(cfg, "api_key", "Sup3rS3cret");
    setenv("MC_TEST_ENV_SECRET", "env-secret-value", 1);
    const char *xml =
        "<sequence " SYN " name=\"s\">\n"
        "  <property name=\"k\" expression=\"wso2:vault-lookup('api_key')\"/>\n"
        "  <property name=\"e\" expression=\"wso2:vault-lookup('MC_TEST_ENV_SECRET', 'ENV', 'false')\"/>\n"
        "  <log level=\"custom\"><property name=\"shown\" expression=\"$ctx:k\"/></log>\n"
        "  <property name=\"dyn\" expression=\"wso2:vault-lookup($ctx:which)\"/>\n"
        "</sequence>";
    assert_int_equal(th_config_load(cfg, xml), MC_OK);
    unsetenv("MC_TEST_ENV_SECRET");   /* resolved at load, not per message */
    th_flow *f = th_flow_with(cfg);
    mc_buf logs = MC_BUF_INIT;
    f->lg.sink = capture;
    f->lg.userdata = &logs;
    mc_msg_set_propz(f->m, MC_SCOPE_DEFAULT, "which", "api_key");
    assert_int_equal(th_run(f, "s", "{}"), MC_OK);
    assert_string_equal(th_prop(f, "k"), "Sup3rS3cret");
    assert_string_equal(th_prop(f, "e"), "env-secret-value");
    assert_string_equal(th_prop(f, "dyn"), "Sup3rS3cret");
    assert_non_null(strstr(mc_buf_cstr(&logs), "shown = ****"));
    assert_null(strstr(mc_buf_cstr(&logs), "Sup3rS3cret"));
    mc_buf_free(&logs);
    th_flow_free(f);
    expect_diags("<sequence " SYN " name=\"s\">\n"
                 "  <property name=\"k\" expression=\"wso2:vault-lookup('no_such_alias')\"/>\n"
                 "</sequence>",
                 "t.xml:2:22: error: vault alias 'no_such_alias' not found (not in the secrets "
                 "file, --secrets FILE, nor an environment variable)\n");
}

/* ---- layouts ------------------------------------------------------------------------- */

static const char *sources_of(mc_config *cfg, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (const mc_source *s = cfg->sources; s; s = s->next) {
        const char *base = strrchr(s->path, '/');
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s=%s:%u+%u", buf[0] ? " " : "",
                 base ? base + 1 : s->path, s->layout, s->artifacts, s->resources);
    }
    return buf;
}

static void test_layouts(void **state)
{
    (void)state;
    static const struct { const char *dir, *source; } c[] = {
        {"mi-project", "mi-project=MI project:3+3"},
        {"studio", "studio=Integration Studio workspace:2+1"},
        {"mi-server", "mi-server=MI server:3+1"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        mc_config *cfg = th_config_new();
        char *dir = data_path(c[i].dir);
        mc_code rc = mc_config_load_path(cfg, dir);
        mc_code lrc = mc_config_link(cfg);
        if (rc != MC_OK || lrc != MC_OK)
            fail_msg("%s: %s", c[i].dir, mc_buf_cstr(&cfg->diags));
        char buf[256];
        assert_string_equal(sources_of(cfg, buf, sizeof buf), c[i].source);
        free(dir);
        mc_config_free(cfg);
    }
    /* the MI project: values from .env, unit tests not deployed, resources
     * under gov:/mi-resources */
    mc_config *cfg = th_config_new();
    char *dir = data_path("mi-project");
    mc_config_load_path(cfg, dir);
    mc_config_link(cfg);
    assert_string_equal(mc_config_value(cfg, "greeting"), "hello from .env");
    assert_non_null(mc_config_entry(cfg, "resources:json/data.json"));
    assert_null(mc_config_entry(cfg, "gov:/mi-resources/metadata/Hello_metadata.yaml"));
    th_flow *f = th_flow_with(cfg);
    assert_int_equal(th_run(f, "Greet", "{}"), MC_OK);
    assert_string_equal(th_payload(f), "{\"said\":\"hello from .env\"}");
    th_flow_free(f);
    free(dir);
    /* nothing to load is a warning */
    char tmp[256];
    assert_non_null(mc_test_tmpdir(tmp, sizeof tmp, "empty"));
    cfg = th_config_new();
    assert_int_equal(mc_config_load_path(cfg, tmp), MC_OK);
    char want[400];
    snprintf(want, sizeof want,
             "%s:0:0: warning: nothing to load: no Synapse artifacts found in this folder\n", tmp);
    assert_string_equal(mc_buf_cstr(&cfg->diags), want);
    mc_config_free(cfg);
    rmdir(tmp);
}

/* A .car built here: (name, bytes) entries. */
static char *make_car(const char *const *entries, size_t n)
{
    char *path = malloc(256);
    assert_non_null(path);
    int fd = mc_test_tmpfile(path, 256, "car");
    assert_true(fd >= 0);
    close(fd);
    int err;
    zip_t *z = zip_open(path, ZIP_TRUNCATE, &err);
    assert_non_null(z);
    for (size_t i = 0; i < n; i += 2) {
        zip_source_t *src = zip_source_buffer(z, entries[i + 1], strlen(entries[i + 1]), 0);
        assert_true(zip_file_add(z, entries[i], src, ZIP_FL_OVERWRITE) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
    return path;
}

static void test_car(void **state)
{
    (void)state;
    const char *const entries[] = {
        "artifacts.xml",
        "<artifacts><artifact name=\"App\" version=\"1.0.0\" type=\"carbon/application\">"
        "<dependency artifact=\"Seq\" version=\"1.0.0\" include=\"true\"/>"
        "<dependency artifact=\"Res\" version=\"1.0.0\"/>"
        "<dependency artifact=\"Skipped\" version=\"1.0.0\" include=\"false\"/>"
        "<dependency artifact=\"Lib\" version=\"1.0.0\"/>"
        "</artifact></artifacts>",
        "Seq_1.0.0/artifact.xml",
        "<artifact name=\"Seq\" version=\"1.0.0\" type=\"synapse/sequence\"><file>Seq-1.0.0.xml</file></artifact>",
        "Seq_1.0.0/Seq-1.0.0.xml",
        "<sequence " SYN " name=\"Seq\"><sequence key=\"conf:/car/sub.xml\"/></sequence>",
        "Res_1.0.0/artifact.xml",
        "<artifact name=\"Res\" version=\"1.0.0\" type=\"registry/resource\"><file>registry-info.xml</file></artifact>",
        "Res_1.0.0/registry-info.xml",
        "<resources><item><file>sub.xml</file><path>/_system/config/car</path></item></resources>",
        "Res_1.0.0/resources/sub.xml",
        "<sequence " SYN "><property name=\"from\" value=\"car\"/></sequence>",
        "Lib_1.0.0/artifact.xml",
        "<artifact name=\"Lib\" version=\"1.0.0\" type=\"lib/synapse/mediator\"><file>Lib.jar</file></artifact>",
    };
    char *car = make_car(entries, sizeof entries / sizeof *entries);
    mc_config *cfg = th_config_new();
    assert_int_equal(mc_config_load_path(cfg, car), MC_OK);
    assert_int_equal(mc_config_link(cfg), MC_OK);
    char want[512];
    snprintf(want, sizeof want,
             "%s:0:0: warning: Lib is a Java library (lib/synapse/mediator): mediac cannot run "
             "Java code; register a native mediator through mediac.h instead; ignored\n", car);
    assert_string_equal(mc_buf_cstr(&cfg->diags), want);
    char buf[256];
    const char *base = strrchr(car, '/') + 1;
    snprintf(want, sizeof want, "%s=Carbon application:1+1", base);
    assert_string_equal(sources_of(cfg, buf, sizeof buf), want);
    th_flow *f = th_flow_with(cfg);
    assert_int_equal(th_run(f, "Seq", "{}"), MC_OK);
    assert_string_equal(th_prop(f, "from"), "car");
    th_flow_free(f);
    unlink(car);
    free(car);
    /* a .car without artifacts.xml, and one whose dependency is missing:
     * errors, and nothing of it is usable */
    const char *const bad1[] = {"x/artifact.xml", "<artifact/>"};
    car = make_car(bad1, 2);
    cfg = th_config_new();
    assert_int_equal(mc_config_load_path(cfg, car), MC_ECONFIG);
    snprintf(want, sizeof want,
             "%s:0:0: error: not a Carbon application (.car): no artifacts.xml at the top of "
             "the archive\n", car);
    assert_string_equal(mc_buf_cstr(&cfg->diags), want);
    mc_config_free(cfg);
    unlink(car);
    free(car);
    const char *const bad2[] = {
        "artifacts.xml",
        "<artifacts><artifact name=\"A\" version=\"1\" type=\"carbon/application\">"
        "<dependency artifact=\"Gone\" version=\"1\"/></artifact></artifacts>"};
    car = make_car(bad2, 2);
    cfg = th_config_new();
    assert_int_equal(mc_config_load_path(cfg, car), MC_ECONFIG);
    snprintf(want, sizeof want, "%s:0:0: error: Gone_1/artifact.xml is missing from the archive\n",
             car);
    assert_string_equal(mc_buf_cstr(&cfg->diags), want);
    mc_config_free(cfg);
    unlink(car);
    free(car);
    /* not a zip at all */
    char path[256];
    int fd = mc_test_tmpfile(path, sizeof path, "notzip");
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "hello", 5), 5);
    close(fd);
    char carpath[300];
    snprintf(carpath, sizeof carpath, "%s.car", path);
    assert_int_equal(rename(path, carpath), 0);
    cfg = th_config_new();
    assert_int_equal(mc_config_load_path(cfg, carpath), MC_ECONFIG);
    snprintf(want, sizeof want, "%s:0:0: error: not a Carbon application (.car): not a zip "
             "archive\n", carpath);
    assert_string_equal(mc_buf_cstr(&cfg->diags), want);
    mc_config_free(cfg);
    unlink(carpath);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_keys),
        cmocka_unit_test(test_registry_folder),
        cmocka_unit_test(test_registry_misses),
        cmocka_unit_test(test_registry_roots),
        cmocka_unit_test(test_registry_in_expressions),
        cmocka_unit_test(test_payload_format_key),
        cmocka_unit_test(test_local_entry_src),
        cmocka_unit_test(test_missing_references_fault_at_run_time),
        cmocka_unit_test(test_call_template),
        cmocka_unit_test(test_call_template_errors),
        cmocka_unit_test(test_in_out),
        cmocka_unit_test(test_definitions_main),
        cmocka_unit_test(test_description_anywhere_and_system_in_xpath),
        cmocka_unit_test(test_pass_through_proxies),
        cmocka_unit_test(test_api_versions),
        cmocka_unit_test(test_uri_template_wildcards),
        cmocka_unit_test(test_values_files),
        cmocka_unit_test(test_deployment_parameters),
        cmocka_unit_test(test_vault_lookup),
        cmocka_unit_test(test_layouts),
        cmocka_unit_test(test_car),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_synexpr.c - the table-driven test of MI 4.4 Synapse Expressions.
 *
 * Each row of synexpr_cases.tsv (read from $MC_SOURCE_ROOT) is:
 *   context  expression  type  expected  source
 * context names the message the expression runs on: payload p0..p4 and
 * variables v0..v4 as in MI's own test fixture (TestUtils.java of
 * wso2-synapse), e.g. "p2v1"; every message also carries the transport
 * headers, properties, parameters and configs of the fixture below
 * (HeaderAndPropertyAccessTest.java).  type is the value's type (int, long,
 * double, big, string, bool, null, json, xml), "re" (the string value must
 * match the POSIX extended regex in expected), "error" (a runtime error as
 * MI has one: MI gives "" and logs; expected is a substring of MI's
 * message or empty), or "compile" (refused at load with a diagnostic
 * containing expected; MI accepts some of these and gives "" at run
 * time: mediac reports what it can know at load).  source cites where the
 * expectation comes from.  The test also checks that ${...} around the
 * expression gives the same string through mc_expr_string. */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "expr/expr.h"
#include "expr/synexpr.h"
#include "msg/msg.h"

static const char *const payloads[] = {
    NULL,
    "{\"name\":\"John\",\"age\":30,\"cars\":[ \"Ford\", \"BMW\", \"Fiat\", \"Honda\", "
    "\"Lexus\", \"KIA\" ],\"index\":1,\"string\":\" Hello World \", \"null\" : null }",
    "{\n  \"store\": {\n    \"book\": [\n      {\n        \"category\": \"reference\",\n"
    "        \"author\": \"Nigel Rees\",\n        \"title\": \"Sayings of the Century\",\n"
    "        \"price\": 8.95\n      },\n      {\n        \"category\": \"fiction\",\n"
    "        \"author\": \"Herman Melville\",\n        \"title\": \"Moby Dick\",\n"
    "        \"isbn\": \"0-553-21311-3\",\n        \"price\": 8.99\n      },\n      {\n"
    "        \"category\": \"fiction\",\n        \"author\": \"J.R.R. Tolkien\",\n"
    "        \"title\": \"The Lord of the Rings\",\n        \"isbn\": \"0-395-19395-8\",\n"
    "        \"price\": 22.99\n      },\n      {\n        \"category\": \"fiction\",\n"
    "        \"author\": \"Harper Lee\",\n        \"title\": \"To Kill a Mockingbird\",\n"
    "        \"price\": 10.99\n      },\n      {\n        \"category\": \"fiction\",\n"
    "        \"author\": \"George Orwell\",\n        \"title\": \"Animal Farm\",\n"
    "        \"price\": 7.99\n      },\n      {\n        \"category\": \"biography\",\n"
    "        \"author\": \"Anne Frank\",\n        \"title\": \"The Diary of a Young Girl\",\n"
    "        \"price\": 6.99\n      }\n    ],\n    \"bicycle\": {\n      \"color\": \"red\",\n"
    "      \"price\": 19.95\n    }\n  },\n  \"expensive\": 10,\n"
    "  \"selectedCategory\": \"biography\"\n}\n",
    "[\"When\",\"my\",\"time\",\"comes\",\"Forget\",\"the\",\"wrong\",\"that\",\"I've\",\"done\"]",
    "{\n    \"payload\" : {\n        \"vars\" : {\n            \"configs\" : {\n"
    "                \"payload\" : {\n                    \"iop\" : 4\n                },\n"
    "                \"zxc\": 3\n            },\n            \"pqr\": 2\n        },\n"
    "        \"abc\" : 1\n    }\n}",
    /* p5: XML (mediac's own rows) */
    "<root><customer_name>John&lt;</customer_name><pet><type>cat</type>"
    "<name>emily</name></pet><path>true</path><n>3</n><n>4</n></root>",
    /* p6: numbers and odd values (mediac's own rows) */
    "{\"i\":7,\"neg\":-2147483648,\"l\":3000000000,\"d\":2.5,\"e\":1e2,\"f\":1.50,"
    "\"big\":12345678901234567890123,\"prec\":0.1234567890123456789,\"z\":0,"
    "\"q\":\"\\\"quoted\\\"\",\"arr\":[3,1,2],\"objs\":[{\"k\":\"a\",\"v\":1},{\"k\":\"b\",\"v\":2}],"
    "\"ws\":\"a b\",\"t\":true,\"emptyArr\":[],\"emptyObj\":{},\"nested\":{\"x-y\":{\"true\":5}},"
    "\"uni\":\"Grüße\",\"key\":\"k\",\"idx\":2,\"dbl\":1.0}",
};

static void set_var(mc_message *m, const char *name, const char *v, mc_vtype t)
{
    assert_int_equal(mc_msg_set_var(m, name, v, strlen(v), t), MC_OK);
}

static void vars1(mc_message *m)
{
    set_var(m, "name", "John", MC_VT_STRING);
    set_var(m, "age", "30", MC_VT_INTEGER);
    set_var(m, "cars", "[\"Ford\",\"BMW\",\"Fiat\",\"Honda\",\"Lexus\",\"KIA\"]", MC_VT_JSON);
    set_var(m, "index", "1", MC_VT_STRING);
    set_var(m, "num1", "10", MC_VT_INTEGER);
    set_var(m, "num2", "5", MC_VT_INTEGER);
    set_var(m, "num3", "-2.5", MC_VT_DOUBLE);
    set_var(m, "num4", "-2.0", MC_VT_DOUBLE);
    set_var(m, "encoded", "V1NPMk1J", MC_VT_STRING);
    set_var(m, "empty", "", MC_VT_STRING);
}

static void vars2(mc_message *m)
{
    set_var(m, "json1", payloads[1], MC_VT_STRING);
    set_var(m, "json2", payloads[2], MC_VT_STRING);
    set_var(m, "json3", "[1,2,3,\"abc\"]", MC_VT_STRING);
    set_var(m, "payload", payloads[4], MC_VT_STRING);
    set_var(m, "vars", payloads[4], MC_VT_STRING);
}

static void vars3(mc_message *m)
{
    /* a connector's response variable: headers, attributes, payload */
    char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"headers\":{\"Content-Type\":\"application/json\",\"Content-Length\":\"101\"},"
             "\"attributes\":{\"statusCode\":201},\"payload\":%s}",
             payloads[2]);
    set_var(m, "fileRead_1", buf, MC_VT_JSON);
}

static void vars4(mc_message *m)
{
    set_var(m, "personVar",
            "{\"payload\":\"<person><name>John</name><age>30</age><address><city>Colombo</city>"
            "<country>Sri Lanka</country></address></person>\",\"headers\":{},\"attributes\":{}}",
            MC_VT_JSON);
    set_var(m, "orderVar",
            "{\"payload\":\"<order id=\\\"ORD-001\\\"><item quantity=\\\"3\\\"><name>Widget</name>"
            "<price>9.99</price></item></order>\"}",
            MC_VT_JSON);
    set_var(m, "nsVar",
            "{\"payload\":\"<ns:employee xmlns:ns=\\\"http://example.com\\\"><ns:name>Jane</ns:name>"
            "<ns:department>Engineering</ns:department></ns:employee>\"}",
            MC_VT_JSON);
    set_var(m, "plainXmlVar", "<root><value>42</value></root>", MC_VT_OM);
}

static const char *config_value(void *ud, const char *name)
{
    (void)ud;
    if (strcmp(name, "port") == 0) return "8290";
    if (strcmp(name, "host") == 0) return "localhost";
    if (strcmp(name, "rate") == 0) return "0.5";
    return NULL;
}

static const char *secret(void *ud, const char *alias)
{
    (void)ud;
    return strcmp(alias, "dbpass") == 0 ? "s3cr3t" : NULL;
}

static const char *registry(void *ud, const char *key, size_t *len)
{
    (void)ud;
    const char *v = NULL;
    if (strcmp(key, "gov:/config/student.json") == 0)
        v = "{\"student\":{\"name\":\"John\",\"age\":21}}";
    else if (strcmp(key, "conf:/text.txt") == 0)
        v = "hello registry";
    else if (strcmp(key, "gov:/data.xml") == 0)
        v = "<data><v>1</v></data>";
    if (v)
        *len = strlen(v);
    return v;
}

static bool registry_property(void *ud, const char *key, const char *name, mc_buf *out)
{
    (void)ud;
    if (strcmp(key, "conf:/text.txt") != 0 || strcmp(name, "owner") != 0)
        return false;
    mc_buf_puts(out, "hello world");
    return true;
}

static const mc_expr_env env = {NULL, config_value, secret, registry, registry_property, NULL};

static const mc_nsbind ns[] = {{"ns", "http://example.com"}};

static mc_message *message(const char *ctx)
{
    mc_message *m = mc_msg_new(NULL, NULL);
    assert_non_null(m);
    const char *p = strchr(ctx, 'p'), *v = strchr(ctx, 'v');
    int pi = p ? p[1] - '0' : 0, vi = v ? v[1] - '0' : 0;
    if (pi > 0) {
        mc_err err = {0};
        const char *ct = payloads[pi][0] == '<' ? "application/xml" : "application/json";
        assert_int_equal(mc_msg_set_payload(m, payloads[pi], strlen(payloads[pi]), ct, &err),
                         MC_OK);
    }
    switch (vi) {
    case 1: vars1(m); break;
    case 2: vars2(m); break;
    case 3: vars3(m); break;
    case 4: vars4(m); break;
    default: break;
    }
    static const char *const headers[][2] = {
        {"test", "Hello World"}, {"toUpper", "HELLO WORLD"}, {"te st", "HELLO"},
        {"numerical", "400"}, {"price", "10"}, {"payload", "Hello World"}};
    for (size_t i = 0; i < sizeof headers / sizeof *headers; i++)
        mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, headers[i][0], headers[i][1]);
    static const char *const axis2[][2] = {
        {"test", "Sic Mundus"}, {"test2", "Creatus Est"}, {"empty", "Thus the world was created"},
        {"category", "biography"}, {"payload", "Hello"}, {"HTTP_SC", "201"}};
    for (size_t i = 0; i < sizeof axis2 / sizeof *axis2; i++)
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, axis2[i][0], axis2[i][1]);
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "phrase", "Now I Am Become Death, the Destroyer of Worlds");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "selected book", "Animal Farm");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "empty", "");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "query.param.qparam1", "zxc");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "uri.var.pathParam1", "abc");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "uri.var.id", "42");
    mc_msg_set_propz(m, MC_SCOPE_FUNC, "funcParam1", "hello");
    return m;
}

static const char *const kinds[] = {"null", "bool", "int", "long", "double", "big",
                                    "string", "json", "xml"};

typedef struct stats {
    int rows, failed;
} stats;

static void run_row(stats *st, int line, char **f)
{
    const char *ctx = f[0], *src = f[1], *type = f[2], *want = f[3];
    mc_expr_opts o = {ns, 1, &env};
    mc_err err = {0};
    mc_synexpr *x = mc_synexpr_compile(src, strlen(src), &o, &err);
    char got[600];
    bool ok;
    if (strcmp(type, "compile") == 0) {
        ok = !x && strstr(err.msg, want) != NULL && err.at > 0;
        snprintf(got, sizeof got, "%s (at %zu)", x ? "compiled" : err.msg, err.at);
    } else if (!x) {
        ok = false;
        snprintf(got, sizeof got, "compile error: %s", err.msg);
    } else {
        mc_message *m = message(ctx);
        mc_value v;
        mc_err ev = {0};
        mc_code rc = mc_synexpr_eval(x, m, false, &v, &ev);
        if (strcmp(type, "error") == 0) {
            ok = rc == MC_EINVAL && strstr(ev.msg, want) != NULL;
            snprintf(got, sizeof got, "%s: %s", rc == MC_OK ? kinds[v.kind] : "error",
                     rc == MC_OK ? v.text : ev.msg);
        } else if (rc != MC_OK) {
            ok = false;
            snprintf(got, sizeof got, "runtime error: %s", ev.msg);
        } else if (strcmp(type, "re") == 0) {
            regex_t re;
            char anchored[600];
            snprintf(anchored, sizeof anchored, "^(%s)$", want);
            ok = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) == 0 &&
                 regexec(&re, v.text, 0, NULL, 0) == 0;
            regfree(&re);
            snprintf(got, sizeof got, "%s: %s", kinds[v.kind], v.text);
        } else {
            ok = strcmp(kinds[v.kind], type) == 0 && strlen(want) == v.len &&
                 memcmp(want, v.text, v.len) == 0;
            snprintf(got, sizeof got, "%s: %.*s", kinds[v.kind], (int)v.len, v.text);
        }
        /* the same through the ${...} form the configuration uses */
        if (ok && strcmp(type, "error") != 0) {
            char wrapped[4200];
            snprintf(wrapped, sizeof wrapped, "${%s}", src);
            mc_expr *e = mc_expr_compile_opts(wrapped, &o, &err);
            const char *s;
            size_t n;
            ok = e && mc_expr_string(e, m, &s, &n, &err) == MC_OK && n == v.len &&
                 memcmp(s, v.text, n) == 0;
            if (!ok)
                snprintf(got, sizeof got, "${} form differs: %s", e ? "value" : err.msg);
            mc_expr_free(e);
        }
        mc_msg_free(m);
    }
    mc_synexpr_free(x);
    st->rows++;
    if (!ok) {
        st->failed++;
        print_error("synexpr_cases.tsv:%d: %s  [%s]\n    want %s: %s\n    got  %s\n", line, src,
                    ctx, type, want, got);
    }
}

static void test_table(void **state)
{
    (void)state;
    const char *root = getenv("MC_SOURCE_ROOT");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/unit/expr/synexpr_cases.tsv", root ? root : ".");
    FILE *fp = fopen(path, "r");
    if (!fp)
        fail_msg("cannot open %s", path);
    char line[8192];
    int lineno = 0;
    stats st = {0, 0};
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!n || line[0] == '#')
            continue;
        char *f[5] = {0};
        char *p = line;
        int k = 0;
        for (; k < 5 && p; k++) {
            f[k] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        if (k < 5 || !f[4][0])
            fail_msg("synexpr_cases.tsv:%d: needs 5 tab-separated fields with a source", lineno);
        run_row(&st, lineno, f);
    }
    fclose(fp);
    print_message("synexpr_cases.tsv: %d rows, %d failed\n", st.rows, st.failed);
    assert_true(st.rows >= 300);
    assert_int_equal(st.failed, 0);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* descriptor.c - unit tests of descriptor loading: the amazonlambda
 * descriptors against WSO2's operation/parameter table, errors with
 * file:line for bad descriptors, the search path, lookup, suggestions and
 * the human description. */
#include <sys/stat.h>
#include <unistd.h>

#include "../test_tmpdir.h"
#include "harness.h"
#include "json/json.h"

static mc_connectors *load_default(void)
{
    mc_err err = {0};
    mc_connectors *cs = mc_connectors_load(&err);
    if (!cs)
        fail_msg("%s", err.msg);
    return cs;
}

static const mc_connector *lambda(const mc_connectors *cs)
{
    const mc_connector *c = mc_connector_find(cs, "amazonlambda", strlen("amazonlambda"));
    assert_non_null(c);
    return c;
}

static void test_amazonlambda_operations(void **state)
{
    (void)state;
    static const char *const ops[] = {"addLayerVersionPermission", "addPermission",
        "createAlias", "createFunction", "deleteAlias", "deleteFunction",
        "getAccountSettings", "getAlias", "getFunction", "getFunctionConfiguration",
        "invoke", "listFunctions", "removeLayerVersionPermission", "removePermission",
        "updateAlias"};
    mc_connectors *cs = load_default();
    const mc_connector *c = lambda(cs);
    /* the whole Lambda API (botocore's model), WSO2's 15 under their names */
    assert_int_equal(c->nops, 85);
    size_t wso2 = 0;
    for (size_t i = 0; i < c->nops; i++) {
        assert_ptr_equal(c->ops[i].connector, c);
        assert_true(c->ops[i].nsuccess > 0);
        assert_true(*c->ops[i].api && *c->ops[i].theme);
        wso2 += strcmp(c->ops[i].origin, "wso2") == 0;
    }
    assert_int_equal(wso2, 15);
    /* each path, split at load, gives back the path with its placeholders */
    for (size_t i = 0; i < c->nops; i++) {
        const mc_coperation *op = &c->ops[i];
        mc_buf b = MC_BUF_INIT;
        assert_true(op->npath_parts >= 1);
        for (size_t k = 0; k < op->npath_parts; k++) {
            const mc_cpath_part *part = &op->path_parts[k];
            mc_buf_append(&b, part->text, part->len);
            assert_true((part->param == NULL) == (k + 1 == op->npath_parts));
            if (part->param) {
                assert_int_equal(part->param->in, MC_CP_PATH);
                mc_buf_printf(&b, "{%s}", part->param->name);
            }
        }
        assert_string_equal(mc_buf_cstr(&b), op->path);
        mc_buf_free(&b);
    }
    for (size_t i = 0; i < 15; i++) {
        const mc_coperation *op = mc_connector_op(c, ops[i]);
        if (!op)
            fail_msg("operation %s is missing", ops[i]);
        assert_string_equal(op->origin, "wso2");
    }
    static const char *const more[] = {"publishVersion", "createEventSourceMapping",
        "putFunctionConcurrency", "createFunctionUrlConfig", "tagResource",
        "invokeWithResponseStream", "getLayerVersionByArn"};
    for (size_t i = 0; i < sizeof more / sizeof *more; i++)
        if (!mc_connector_op(c, more[i]))
            fail_msg("operation %s is missing", more[i]);
    const mc_coperation *byarn = mc_connector_op(c, "getLayerVersionByArn");
    assert_string_equal(byarn->path, "/2018-10-31/layers");
    assert_string_equal(byarn->static_query, "find=LayerVersion");
    const mc_coperation *lf = mc_connector_op(c, "listFunctions");
    assert_non_null(lf->paginate);
    assert_string_equal(lf->paginate->input->name, "marker");
    assert_string_equal(lf->paginate->output, "NextMarker");
    assert_string_equal(lf->paginate->result, "Functions");
    const mc_coperation *cf = mc_connector_op(c, "createFunction");
    assert_int_equal(cf->nrequires, 1);
    assert_string_equal(cf->requires[0].member, "Code");
    const mc_cparam *mem = mc_cparam_find(cf->params, cf->nparams, "memorySize");
    assert_non_null(mem->shape);
    assert_true(mem->shape->has_min && mem->shape->min == 128);
    assert_true(c->nshapes > 100);
    assert_string_equal(c->signing_name, "lambda");
    assert_string_equal(c->service, "lambda");
    const mc_cparam *secret = mc_cparam_find(c->init, c->ninit, "secretAccessKey");
    assert_non_null(secret);
    assert_true(secret->secret);
    const mc_coperation *inv = mc_connector_op(c, "invoke");
    assert_non_null(inv->raw);
    assert_string_equal(inv->raw->name, "payload");
    assert_non_null(inv->encoding);
    assert_int_equal(inv->nresults, 4);
    mc_connectors_free(cs);
}

static mc_arena meta_arena;

static mc_json member(mc_json obj, const char *key)
{
    return mc_json_get(obj, key, strlen(key));
}

/* A string member as a C string (copied), or NULL. */
static const char *member_str(mc_json obj, const char *key)
{
    mc_json v = member(obj, key);
    size_t n;
    const char *t = mc_json_type_of(v) == MC_JSON_STRING ? mc_json_str(v, &n) : NULL;
    return t ? mc_arena_strndup(&meta_arena, t, n) : NULL;
}

/* Every parameter WSO2's connector documents must be accepted. */
static void check_wso2_op(const mc_connector *c, mc_json op)
{
    const char *name = member_str(op, "name");
    mc_json params = member(op, "params");
    if (!name || mc_json_type_of(params) != MC_JSON_ARRAY)
        return;
    bool init = strcmp(name, "init") == 0;
    const mc_coperation *o = init ? NULL : mc_connector_op(c, name);
    if (!init && !o)
        fail_msg("WSO2 operation %s is missing", name);
    for (size_t i = 0; i < mc_json_count(params); i++) {
        const char *pn = member_str(mc_json_at(params, i), "name");
        assert_non_null(pn);
        bool known = init ? mc_cparam_find(c->init, c->ninit, pn) != NULL
                          : mc_cparam_find(o->params, o->nparams, pn) ||
                                mc_cparam_find(o->common, o->ncommon, pn);
        if (!known)
            fail_msg("WSO2 parameter %s of %s is unknown", pn, name);
    }
}

static void test_wso2_parameter_names(void **state)
{
    (void)state;
    const char *shared = getenv("MC_SHARED_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/testdata/wso2-amazonlambda/connector-meta.json",
             shared ? shared : "../shared");
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "SKIPPED: %s not found\n", path);
        skip();
    }
    mc_buf b = MC_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        mc_buf_append(&b, chunk, n);
    fclose(f);
    mc_arena_init(&meta_arena, 4096);
    mc_json meta = mc_json_parse(&meta_arena, b.data, b.len, NULL);
    mc_buf_free(&b);
    assert_non_null(meta);
    mc_connectors *cs = load_default();
    const mc_connector *c = lambda(cs);
    mc_json releases = member(meta, "releases");
    assert_non_null(releases);
    size_t checked = 0;
    for (size_t r = 0; r < mc_json_count(releases); r++) {
        mc_json ops = member(mc_json_at(releases, r), "operations");
        for (size_t i = 0; i < mc_json_count(ops); i++, checked++)
            check_wso2_op(c, mc_json_at(ops, i));
        mc_json conns = member(mc_json_at(releases, r), "connections");
        for (size_t i = 0; i < mc_json_count(conns); i++) {
            mc_json ps = member(mc_json_at(conns, i), "params");
            for (size_t k = 0; k < mc_json_count(ps); k++) {
                const char *pn = member_str(mc_json_at(ps, k), "name");
                if (!pn || !mc_cparam_find(c->init, c->ninit, pn))
                    fail_msg("WSO2 connection parameter %s is unknown", pn ? pn : "(none)");
            }
        }
    }
    assert_true(checked >= 15);
    mc_arena_free(&meta_arena);
    mc_connectors_free(cs);
}

/* ---- bad descriptors ---------------------------------------------------- */

static char tmpdir[64];

static void write_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
    assert_int_equal(system(cmd), 0);
    *slash = '/';
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void rm_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
}

#define CONNECTOR_XML                                                            \
    "<?xml version=\"1.0\"?>\n"                                                   \
    "<connector xmlns=\"http://mediac.dev/ns/connector\" name=\"demo\"\n"         \
    "  service=\"demo\" signingName=\"demo\" apiVersion=\"2020-01-01\"\n"         \
    "  endpoint=\"https://demo.{region}.example.com\">\n"                          \
    "  <description>d</description>\n"                                           \
    "  <init><param name=\"region\" description=\"r\"/></init>\n"                 \
    "  <common><param name=\"responseVariable\" description=\"v\"/></common>\n"    \
    "</connector>\n"

static void expect_error(const char *op_xml, const char *want)
{
    assert_non_null(mc_test_tmpdir(tmpdir, sizeof tmpdir, "conn-test"));
    write_file("demo/connector.xml", CONNECTOR_XML);
    write_file("demo/operations/op.xml", op_xml);
    mc_err err = {0};
    mc_connectors *cs = mc_connectors_load_from(tmpdir, &err);
    if (cs)
        fail_msg("loaded, expected: %s", want);
    assert_int_equal(err.code, MC_ECONFIG);
    if (!strstr(err.msg, want))
        fail_msg("error '%s' lacks '%s'", err.msg, want);
    rm_tmpdir();
}

#define OP_HEAD "<operation xmlns=\"http://mediac.dev/ns/connector\" name=\"op\" "

static void test_bad_descriptors(void **state)
{
    (void)state;
    expect_error(OP_HEAD "method=\"GET\" path=\"/x\" success=\"200\">\n"
                 "<description>d</description>\n<param name=\"a\" in=\"query\" requried=\"true\""
                 " description=\"x\"/>\n</operation>",
                 "operations/op.xml:3: unknown attribute 'requried' on <param>");
    expect_error(OP_HEAD "method=\"GET\" path=\"/x/{b}\" success=\"200\">\n"
                 "<param name=\"a\" in=\"path\" required=\"true\"/>\n</operation>",
                 "op.xml:1: path placeholder {b} is not a path parameter");
    expect_error(OP_HEAD "method=\"FETCH\" path=\"/x\" success=\"200\"/>",
                 "op.xml:1: method=\"FETCH\" is not an HTTP method");
    expect_error(OP_HEAD "method=\"GET\" path=\"/x\" success=\"200\">\n\n"
                 "<param name=\"n\" in=\"query\" type=\"integer\" default=\"ten\"/></operation>",
                 "op.xml:3: default of parameter 'n': 'ten' is not an integer");
    expect_error(OP_HEAD "method=\"POST\" path=\"/x\" success=\"200\">\n"
                 "<param name=\"a\" in=\"body\" as=\"A.B\"/>\n"
                 "<param name=\"b\" in=\"body\" as=\"A\"/></operation>",
                 "body member A.B of 'a' is inside member A of 'b'");
    expect_error(OP_HEAD "method=\"POST\" path=\"/x\" success=\"200\">\n"
                 "<param name=\"a\" in=\"body\" type=\"raw\"/>\n"
                 "<param name=\"b\" in=\"body\"/></operation>",
                 "payload parameter 'a' beside JSON body members");
    expect_error(OP_HEAD "method=\"GET\" path=\"/x\" success=\"200\">\n"
                 "<param name=\"responseVariable\" in=\"query\"/></operation>",
                 "parameter 'responseVariable' is also a common parameter");
    expect_error(OP_HEAD "method=\"GET\" path=\"/x\" success=\"200\">\n"
                 "<param name=\"a\" in=\"query\" type=\"object\"/></operation>",
                 "type=\"object\" is not valid for in=\"query\"");
    expect_error("<operation xmlns=\"http://mediac.dev/ns/connector\" name=\"other\" "
                 "method=\"GET\" path=\"/x\" success=\"200\"/>",
                 "operation 'other' is in a file named op.xml");
    expect_error("<operation xmlns=\"http://mediac.dev/ns/connector\" name=\"op\"\n"
                 "  method=\"GET\" path=\"/x\" success=\"200\">\n<param name=\"a\"</operation>",
                 "op.xml:3: ");
    expect_error("<operation name=\"op\" method=\"GET\" path=\"/x\" success=\"200\"/>",
                 "root element must be in namespace http://mediac.dev/ns/connector");
}

static void test_search_path(void **state)
{
    (void)state;
    mc_err err = {0};
    assert_null(mc_connectors_load_from("/nonexistent/a:/nonexistent/b", &err));
    assert_int_equal(err.code, MC_ENOTFOUND);

    /* the first folder holding a connector name wins; a connector folder
     * itself may be listed */
    assert_non_null(mc_test_tmpdir(tmpdir, sizeof tmpdir, "conn-test"));
    write_file("demo/connector.xml", CONNECTOR_XML);
    write_file("demo/operations/op.xml", OP_HEAD "method=\"GET\" path=\"/x\" success=\"200\"/>");
    const char *src = getenv("MEDIAC_CONNECTOR_PATH");
    assert_non_null(src);
    char list[1024];
    snprintf(list, sizeof list, "/nonexistent:%s/demo:%s", tmpdir, src);
    mc_connectors *cs = mc_connectors_load_from(list, &err);
    if (!cs)
        fail_msg("%s", err.msg);
    assert_int_equal(cs->n, 2);
    const mc_connector *demo = mc_connector_find(cs, "demo", 4);
    assert_non_null(demo);
    assert_int_equal(demo->nops, 1);
    assert_non_null(mc_connector_find(cs, "amazonlambda", 12));
    mc_connectors_free(cs);
    rm_tmpdir();
}

/* The AWS settings' init parameters are found once at load, by name or
 * alias, as mc_cparam_find finds them; a connector without one has NULL. */
static void test_settings_resolved(void **state)
{
    (void)state;
    mc_connectors *cs = load_default();
    const mc_connector *c = lambda(cs);
    for (int i = 0; i < MC_CS_COUNT; i++) {
        const char *name = mc_conn_setting_name(i);
        assert_non_null(name);
        assert_non_null(c->settings[i]);
        assert_ptr_equal(c->settings[i], mc_cparam_find(c->init, c->ninit, name));
        assert_string_equal(c->settings[i]->name, name);
    }
    assert_null(mc_conn_setting_name(MC_CS_COUNT));
    mc_connectors_free(cs);

    assert_non_null(mc_test_tmpdir(tmpdir, sizeof tmpdir, "conn-test"));
    write_file("demo/connector.xml",
               "<?xml version=\"1.0\"?>\n"
               "<connector xmlns=\"http://mediac.dev/ns/connector\" name=\"demo\"\n"
               "  service=\"demo\">\n"
               "  <init><param name=\"awsRegion\" alias=\"region\" description=\"r\"/>\n"
               "  <param name=\"accessKeyId\" description=\"a\"/></init>\n"
               "</connector>\n");
    write_file("demo/operations/op.xml", OP_HEAD "method=\"GET\" path=\"/x\" success=\"200\">"
               "<description>d</description></operation>");
    mc_err err = {0};
    cs = mc_connectors_load_from(tmpdir, &err);
    if (!cs)
        fail_msg("%s", err.msg);
    c = mc_connector_find(cs, "demo", 4);
    assert_non_null(c);
    assert_string_equal(c->settings[MC_CS_REGION]->name, "awsRegion");
    assert_string_equal(c->settings[MC_CS_ACCESS_KEY_ID]->name, "accessKeyId");
    assert_null(c->settings[MC_CS_SECRET_ACCESS_KEY]);
    assert_null(c->settings[MC_CS_SESSION_TOKEN]);
    assert_null(c->settings[MC_CS_PROFILE]);
    assert_null(c->settings[MC_CS_ENDPOINT]);
    mc_connectors_free(cs);
    rm_tmpdir();
}

static void test_lookup_and_suggest(void **state)
{
    (void)state;
    mc_connectors *cs = load_default();
    assert_ptr_equal(mc_connectors_lookup(cs, "amazonlambda.invoke"), &mc_med_connector_op);
    assert_ptr_equal(mc_connectors_lookup(cs, "amazonlambda.init"), &mc_med_connector_init);
    assert_null(mc_connectors_lookup(cs, "amazonlambda.nope"));
    assert_null(mc_connectors_lookup(cs, "nope.invoke"));
    assert_null(mc_connectors_lookup(cs, "invoke"));
    assert_string_equal(mc_connectors_suggest(cs, "amazonlambda.invok"), "amazonlambda.invoke");
    assert_string_equal(mc_connectors_suggest(cs, "amazonlambda.getfunction"),
                        "amazonlambda.getFunction");
    assert_string_equal(mc_connectors_suggest(cs, "amazonLambda.init"), "amazonlambda.init");
    assert_null(mc_connectors_suggest(cs, "xyz.abc"));
    mc_connectors_free(cs);
}

static void test_describe(void **state)
{
    (void)state;
    mc_connectors *cs = load_default();
    mc_buf b = MC_BUF_INIT;
    assert_int_equal(mc_connectors_describe(cs, "amazonlambda", &b), MC_OK);
    const char *s = mc_buf_cstr(&b);
    assert_non_null(strstr(s, "operations (85, by theme"));
    assert_non_null(strstr(s, "  invoke "));
    assert_non_null(strstr(s, "Invoke a Lambda function"));
    /* the chain supplies credentials: not required */
    assert_non_null(strstr(s, "secretAccessKey\n    optional; string; secret"));
    assert_non_null(strstr(s, "accessKeyId\n    optional; string"));
    /* themes in the connector's order, the WSO2 operations marked */
    const char *fn = strstr(s, "\n Functions:\n"), *inv = strstr(s, "\n Invocation:\n");
    const char *lay = strstr(s, "\n Layers:\n"), *dur = strstr(s, "\n Durable executions:\n");
    assert_true(fn && inv && lay && dur && fn < inv && inv < lay && lay < dur);
    assert_non_null(strstr(inv, "  invokeWithResponseStream "));
    assert_true(strstr(s, "  publishVersion ") > strstr(s, "\n Versions and aliases:\n"));
    assert_non_null(strstr(s, "[WSO2]"));
    mc_buf_reset(&b);
    assert_int_equal(mc_connectors_describe(cs, "amazonlambda.invoke", &b), MC_OK);
    s = mc_buf_cstr(&b);
    assert_non_null(strstr(s, "POST /{apiVersionInvoke}/functions/{functionName}/invocations"));
    assert_non_null(strstr(s, "AWS API: Invoke (WSO2 connector operation); theme: Invocation"));
    assert_non_null(strstr(s, "  functionName\n    required; path; string; length 1 to 256\n"));
    assert_non_null(strstr(s, "  apiVersionInvoke\n    optional, default 2015-03-31; path"));
    assert_non_null(strstr(s, "  qualifier\n    optional; query Qualifier; string; length 1 to"));
    assert_non_null(strstr(s, "header X-Amz-Invocation-Type; string; one of Event, "
                              "RequestResponse, DryRun"));
    assert_non_null(strstr(s, "  payload\n    optional; the request body; raw\n"));
    assert_non_null(strstr(s, "  payloadEncoding\n    optional, default text; not sent"));
    assert_non_null(strstr(s, "X-Amz-Log-Result -> amazonlambda.logResult (base64-decoded)"));
    mc_buf_reset(&b);
    mc_buf_reset(&b);
    assert_int_equal(mc_connectors_describe(cs, "amazonlambda.listFunctions", &b), MC_OK);
    s = mc_buf_cstr(&b);
    assert_non_null(strstr(s, "  maxItems\n    optional; query MaxItems; integer; 1 to 10000\n"));
    assert_non_null(strstr(s, "paginated: NextMarker -> marker, items in Functions"));
    mc_buf_reset(&b);
    assert_int_equal(mc_connectors_describe(cs, "amazonlambda.createFunction", &b), MC_OK);
    s = mc_buf_cstr(&b);
    assert_non_null(strstr(s, "requires body member Code: give one of s3Bucket, s3Key"));
    assert_non_null(strstr(s, "  memorySize\n    optional; body MemorySize; integer; 128 to 32768\n"));
    assert_non_null(strstr(s, "  environmentVariables\n    optional; body Environment.Variables; "
                              "object; values: string"));
    mc_buf_reset(&b);
    assert_int_equal(mc_connectors_describe(cs, "amazonlambda.nope", &b), MC_ENOTFOUND);
    assert_int_equal(mc_connectors_describe(cs, "nope", &b), MC_ENOTFOUND);
    assert_int_equal(mc_connectors_describe(cs, "", &b), MC_OK);
    assert_non_null(strstr(mc_buf_cstr(&b), "amazonlambda - "));
    mc_buf_free(&b);
    mc_connectors_free(cs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amazonlambda_operations),
        cmocka_unit_test(test_wso2_parameter_names),
        cmocka_unit_test(test_bad_descriptors),
        cmocka_unit_test(test_search_path),
        cmocka_unit_test(test_settings_resolved),
        cmocka_unit_test(test_lookup_and_suggest),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

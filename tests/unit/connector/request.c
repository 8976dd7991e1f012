/* request.c - unit tests of request building: every amazonlambda operation
 * against its expected method, URL, headers and body; empty optional
 * parameters, the 400 rule, typed values, escaping, connections (v1 inline
 * init, v2 configKey, environment), missing credentials and secrets. */
#include "harness.h"

typedef struct op_case {
    const char *xml;        /* the operation element */
    const char *method;
    const char *path;       /* URL after the endpoint */
    const char *body;       /* NULL: no body */
    const char *content_type;
    bool idempotent;
} op_case;

static const op_case cases[] = {
    {"<amazonlambda.addLayerVersionPermission><layerName>my-layer</layerName>"
     "<layerVersionNumber>3</layerVersionNumber><layerStatementId>s1</layerStatementId>"
     "<layerPrincipal>*</layerPrincipal><layerRevisionId>r1</layerRevisionId>"
     "<layerOrganizationId>o-1</layerOrganizationId></amazonlambda.addLayerVersionPermission>",
     "POST", "/2018-10-31/layers/my-layer/versions/3/policy?RevisionId=r1",
     "{\"StatementId\":\"s1\",\"Principal\":\"*\",\"Action\":\"lambda:GetLayerVersion\","
     "\"OrganizationId\":\"o-1\"}", "application/json", false},
    {"<amazonlambda.addPermission><functionName>f</functionName>"
     "<permissionAction>lambda:InvokeFunction</permissionAction>"
     "<permissionStatementId>s1</permissionStatementId>"
     "<permissionPrincipal>s3.amazonaws.com</permissionPrincipal>"
     "<sourceArn>arn:aws:s3:::b</sourceArn><permissionQualifier>1</permissionQualifier>"
     "<sourceAccount></sourceAccount><eventSourceAccount>x</eventSourceAccount>"
     "</amazonlambda.addPermission>",
     "POST", "/2015-03-31/functions/f/policy?Qualifier=1",
     "{\"Action\":\"lambda:InvokeFunction\",\"StatementId\":\"s1\","
     "\"Principal\":\"s3.amazonaws.com\",\"SourceArn\":\"arn:aws:s3:::b\"}",
     "application/json", false},
    {"<amazonlambda.createAlias><functionName>f</functionName><aliasName>live</aliasName>"
     "<functionVersion>1</functionVersion><createAliasDescription>d</createAliasDescription>"
     "<aliasAdditionalVersionWeights>{\"2\":0.5}</aliasAdditionalVersionWeights>"
     "</amazonlambda.createAlias>",
     "POST", "/2015-03-31/functions/f/aliases",
     "{\"Name\":\"live\",\"FunctionVersion\":\"1\",\"Description\":\"d\","
     "\"RoutingConfig\":{\"AdditionalVersionWeights\":{\"2\":0.5}}}", "application/json",
     false},
    {"<amazonlambda.createFunction><functionName>f</functionName>"
     "<handler>index.handler</handler><role>arn:aws:iam::123456789012:role/r</role>"
     "<s3Bucket>bkt</s3Bucket><s3Key>k</s3Key></amazonlambda.createFunction>",
     "POST", "/2015-03-31/functions",
     "{\"FunctionName\":\"f\",\"Handler\":\"index.handler\","
     "\"Role\":\"arn:aws:iam::123456789012:role/r\",\"Runtime\":\"python3.9\","
     "\"Code\":{\"S3Bucket\":\"bkt\",\"S3Key\":\"k\"},\"TracingConfig\":{\"Mode\":\"PassThrough\"}}",
     "application/json", false},
    {"<amazonlambda.deleteAlias><functionName>f</functionName><aliasName>live</aliasName>"
     "</amazonlambda.deleteAlias>",
     "DELETE", "/2015-03-31/functions/f/aliases/live", NULL, NULL, true},
    {"<amazonlambda.deleteFunction><functionName>f</functionName>"
     "<deleteFunctionQualifier>2</deleteFunctionQualifier></amazonlambda.deleteFunction>",
     "DELETE", "/2015-03-31/functions/f?Qualifier=2", NULL, NULL, true},
    {"<amazonlambda.getAccountSettings/>", "GET", "/2016-08-19/account-settings", NULL, NULL,
     true},
    {"<amazonlambda.getAlias><functionName>f</functionName><aliasName>live</aliasName>"
     "</amazonlambda.getAlias>",
     "GET", "/2015-03-31/functions/f/aliases/live", NULL, NULL, true},
    {"<amazonlambda.getFunction><functionName>f</functionName><qualifier>1</qualifier>"
     "</amazonlambda.getFunction>",
     "GET", "/2015-03-31/functions/f?Qualifier=1", NULL, NULL, true},
    {"<amazonlambda.getFunctionConfiguration><functionName>f</functionName>"
     "<qualifier>$LATEST</qualifier></amazonlambda.getFunctionConfiguration>",
     "GET", "/2015-03-31/functions/f/configuration?Qualifier=%24LATEST", NULL, NULL, true},
    {"<amazonlambda.invoke><functionName>my-fn</functionName><qualifier>$LATEST</qualifier>"
     "<payload>{\"a\":1}</payload></amazonlambda.invoke>",
     "POST", "/2015-03-31/functions/my-fn/invocations?Qualifier=%24LATEST", "{\"a\":1}",
     NULL, false},
    {"<amazonlambda.listFunctions><functionVersionToBeListed>ALL</functionVersionToBeListed>"
     "<maxItems>10</maxItems><marker>m1</marker><masterRegion>us-east-1</masterRegion>"
     "</amazonlambda.listFunctions>",
     "GET", "/2015-03-31/functions?FunctionVersion=ALL&MaxItems=10&Marker=m1&"
     "MasterRegion=us-east-1", NULL, NULL, true},
    {"<amazonlambda.removeLayerVersionPermission><layerName>my-layer</layerName>"
     "<layerVersionNumber>3</layerVersionNumber><layerStatementId>s1</layerStatementId>"
     "<layerRevisionId>r1</layerRevisionId></amazonlambda.removeLayerVersionPermission>",
     "DELETE", "/2018-10-31/layers/my-layer/versions/3/policy/s1?RevisionId=r1", NULL, NULL,
     true},
    {"<amazonlambda.removePermission><functionName>f</functionName>"
     "<permissionStatementId>s1</permissionStatementId>"
     "<permissionQualifier>1</permissionQualifier>"
     "<permissionRevisionId>r2</permissionRevisionId></amazonlambda.removePermission>",
     "DELETE", "/2015-03-31/functions/f/policy/s1?Qualifier=1&RevisionId=r2", NULL, NULL,
     true},
    {"<amazonlambda.updateAlias><functionName>f</functionName><aliasName>live</aliasName>"
     "<functionVersion>2</functionVersion><updatedAliasDescription>new</updatedAliasDescription>"
     "<aliasRevisionId>r3</aliasRevisionId></amazonlambda.updateAlias>",
     "PUT", "/2015-03-31/functions/f/aliases/live",
     "{\"FunctionVersion\":\"2\",\"Description\":\"new\",\"RevisionId\":\"r3\"}",
     "application/json", true},
};

static void check_case(const op_case *c)
{
    harness *h = h_new();
    char *flow = NULL;
    assert_true(asprintf(&flow, "%s%s", INIT_V1, c->xml) > 0);
    h_flow(h, flow);
    free(flow);
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    const mc_outbound *o = h->m->out;
    assert_non_null(o);
    assert_string_equal(o->method, c->method);
    char url[512];
    snprintf(url, sizeof url, "%s%s", ENDPOINT, c->path);
    assert_string_equal(o->url, url);
    if (c->body) {
        assert_string_equal(h_body(h), c->body);
        assert_int_equal(o->body_len, strlen(c->body));
    } else {
        assert_int_equal(o->body_len, 0);
    }
    const char *ct = h_out_header(h, "Content-Type");
    if (c->content_type)
        assert_string_equal(ct, c->content_type);
    else
        assert_null(ct);
    assert_int_equal(o->idempotent, c->idempotent);
    assert_string_equal(h_out_header(h, "Host"), "127.0.0.1:9");
    assert_null(h_out_header(h, "X-Amz-Security-Token"));
    assert_non_null(strstr(o->label, "amazonlambda."));
    h_check_signed(h, "/us-east-1/lambda/aws4_request");
    h_free(h);
}

static void test_every_operation(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_case(&cases[i]);
}

static void test_every_operation_is_covered(void **state)
{
    (void)state;
    harness *h = h_new();
    const mc_connector *c = mc_connector_find(h->cs, "amazonlambda", 12);
    assert_non_null(c);
    /* the WSO2 operations; every other one is compared with botocore's
     * serializer by tests/e2e/test_lambda_wire.py */
    for (size_t i = 0; i < c->nops; i++) {
        if (strcmp(c->ops[i].origin, "wso2") != 0)
            continue;
        bool found = false;
        for (size_t j = 0; j < sizeof cases / sizeof *cases && !found; j++) {
            char open[96];
            snprintf(open, sizeof open, "<%s>", c->ops[i].element);
            char empty[96];
            snprintf(empty, sizeof empty, "<%s/>", c->ops[i].element);
            found = strstr(cases[j].xml, open) || strstr(cases[j].xml, empty);
        }
        if (!found)
            fail_msg("no request case for %s", c->ops[i].element);
    }
    h_free(h);
}

/* Invoke: headers with defaults, label, body passed byte for byte. */
static void test_invoke_headers_and_raw_bodies(void **state)
{
    (void)state;
    static const char *const payloads[] = {"[1,2,3]", "\"just a string\"", "42",
        "hello, not JSON", "{\"nested\":{\"a\":[true,null]}}"};
    for (size_t i = 0; i < sizeof payloads / sizeof *payloads; i++) {
        harness *h = h_new();
        h_flow(h, INIT_V1 "<amazonlambda.invoke><functionName>fn</functionName>"
                  "<payload>{$ctx:body}</payload>"
                  "<x-amz-log-type>Tail</x-amz-log-type></amazonlambda.invoke>");
        const mc_seq *seq = mc_config_sequence(h->cfg, "main");
        h->m = mc_msg_new(h->cfg, &h->log);
        mc_msg_set_propz(h->m, MC_SCOPE_DEFAULT, "body", payloads[i]);
        assert_int_equal(mc_engine_start(h->m, seq, NULL, NULL), MC_OK);
        h->rc = mc_engine_run(h->m);
        assert_int_equal(h->rc, MC_ESUSPENDED);
        assert_string_equal(h_body(h), payloads[i]);
        assert_string_equal(h->m->out->label, "amazonlambda.invoke");
        assert_string_equal(h_out_header(h, "X-Amz-Invocation-Type"), "RequestResponse");
        assert_string_equal(h_out_header(h, "X-Amz-Log-Type"), "Tail");
        assert_null(h_out_header(h, "X-Amz-Client-Context"));
        assert_null(h_out_header(h, "Content-Type"));
        assert_string_equal(h->m->out->url, ENDPOINT "/2015-03-31/functions/fn/invocations");
        h_free(h);
    }
}

/* Names with '"' and '/' stay one path segment; the body escapes them. */
static void test_escaping(void **state)
{
    (void)state;
    harness *h = h_new();
    h_flow(h, INIT_V1
           "<amazonlambda.getAlias><functionName>{$ctx:fn}</functionName>"
           "<aliasName>{$ctx:alias}</aliasName></amazonlambda.getAlias>");
    h->m = mc_msg_new(h->cfg, &h->log);
    mc_msg_set_propz(h->m, MC_SCOPE_DEFAULT, "fn", "a\"b/c?d=1");
    mc_msg_set_propz(h->m, MC_SCOPE_DEFAULT, "alias", "../x y");
    assert_int_equal(mc_engine_start(h->m, mc_config_sequence(h->cfg, "main"), NULL, NULL),
                     MC_OK);
    assert_int_equal(mc_engine_run(h->m), MC_ESUSPENDED);
    assert_string_equal(h->m->out->url,
                        ENDPOINT "/2015-03-31/functions/a%22b%2Fc%3Fd%3D1/aliases/..%2Fx%20y");
    h_free(h);

    h = h_new();
    h_flow(h, INIT_V1
           "<property name=\"d\" value=\"say &quot;hi&quot; \\ / &lt;ok&gt;\"/>"
           "<amazonlambda.createAlias><functionName>f</functionName><aliasName>a</aliasName>"
           "<createAliasDescription>{$ctx:d}</createAliasDescription>"
           "</amazonlambda.createAlias>");
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_string_equal(h_body(h), "{\"Name\":\"a\",\"FunctionVersion\":\"$LATEST\","
                                   "\"Description\":\"say \\\"hi\\\" \\\\ / <ok>\"}");
    h_free(h);
}

/* Empty optional parameters are left out: no empty query, no "". */
static void test_empty_optionals_omitted(void **state)
{
    (void)state;
    harness *h = h_new();
    h_flow(h, INIT_V1
           "<amazonlambda.createAlias><functionName>f</functionName><aliasName>a</aliasName>"
           "<functionVersion>{$ctx:nothing}</functionVersion>"
           "<createAliasDescription>{$ctx:nothing}</createAliasDescription>"
           "<aliasAdditionalVersionWeights>  </aliasAdditionalVersionWeights>"
           "</amazonlambda.createAlias>");
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_string_equal(h_body(h), "{\"Name\":\"a\",\"FunctionVersion\":\"$LATEST\"}");
    h_free(h);

    h = h_new();
    h_flow(h, INIT_V1
           "<amazonlambda.listFunctions><apiVersionListFunctions>{$ctx:v}</apiVersionListFunctions>"
           "<maxItems>{$ctx:nothing}</maxItems><marker></marker>"
           "<masterRegion>{$ctx:nothing}</masterRegion></amazonlambda.listFunctions>");
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_string_equal(h->m->out->url, ENDPOINT "/2015-03-31/functions");
    h_free(h);

    /* a PUT whose optional members are all empty sends an empty object */
    h = h_new();
    h_flow(h, INIT_V1
           "<amazonlambda.updateAlias><functionName>f</functionName><aliasName>a</aliasName>"
           "<updatedAliasDescription>{$ctx:nothing}</updatedAliasDescription>"
           "</amazonlambda.updateAlias>");
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_string_equal(h_body(h), "{}");
    h_free(h);
}

/* Required but empty at run time: a 400 answer, nothing is sent. */
static void test_required_empty_is_400(void **state)
{
    (void)state;
    harness *h = h_new();
    h_flow(h, INIT_V1
           "<amazonlambda.createAlias><functionName>f</functionName>"
           "<aliasName>{$ctx:missing}</aliasName></amazonlambda.createAlias>");
    assert_int_equal(h_run(h, NULL), MC_EFAULT);
    assert_null(h->m->out);
    const char *msg = "amazonlambda.createAlias: required parameter 'aliasName' is empty";
    assert_string_equal(h_prop(h, "ERROR_CODE"), "MissingParameter");
    assert_string_equal(h_prop(h, "ERROR_MESSAGE"), msg);
    assert_int_equal(mc_msg_status(h->m), 400);
    assert_true(h->m->fault_response);
    char want[200];
    snprintf(want, sizeof want, "{\"error\":\"%s\"}", msg);
    assert_string_equal(h_payload(h), want);
    h_free(h);

    /* a path parameter too: the request shape never degrades */
    h = h_new();
    h_flow(h, INIT_V1 "<amazonlambda.getFunction><functionName>{$ctx:none}</functionName>"
                      "</amazonlambda.getFunction>");
    assert_int_equal(h_run(h, NULL), MC_EFAULT);
    assert_null(h->m->out);
    assert_string_equal(h_prop(h, "ERROR_MESSAGE"),
                        "amazonlambda.getFunction: required parameter 'functionName' is empty");
    h_free(h);
}

/* createFunction: numbers, booleans, objects, lists (JSON or comma), base64. */
static void test_typed_values(void **state)
{
    (void)state;
    harness *h = h_new();
    h_flow(h, INIT_V1
           "<amazonlambda.createFunction><functionName>f</functionName>"
           "<handler>h</handler><role>r</role><runtime>python3.12</runtime>"
           "<zipFile>UEsDBAo=</zipFile><memorySize> 256 </memorySize><timeout>+30</timeout>"
           "<publish>TRUE</publish>"
           "<environmentVariables>{\"A\":\"1\",\"B\":\"x y\"}</environmentVariables>"
           "<layers>[\"arn:l:1\",\"arn:l:2\"]</layers><tags>{\"team\":\"x\"}</tags>"
           "<securityGroupIds>sg-1, sg-2 ,</securityGroupIds><subnetIds>subnet-1</subnetIds>"
           "<targetArn>arn:sqs</targetArn><mode>Active</mode></amazonlambda.createFunction>");
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_string_equal(h_body(h),
        "{\"FunctionName\":\"f\",\"Handler\":\"h\",\"Role\":\"r\",\"Runtime\":\"python3.12\","
        "\"Code\":{\"ZipFile\":\"UEsDBAo=\"},\"MemorySize\":256,\"Timeout\":30,"
        "\"Publish\":true,\"Environment\":{\"Variables\":{\"A\":\"1\",\"B\":\"x y\"}},"
        "\"Layers\":[\"arn:l:1\",\"arn:l:2\"],\"Tags\":{\"team\":\"x\"},"
        "\"VpcConfig\":{\"SecurityGroupIds\":[\"sg-1\",\"sg-2\"],\"SubnetIds\":[\"subnet-1\"]},"
        "\"DeadLetterConfig\":{\"TargetArn\":\"arn:sqs\"},\"TracingConfig\":{\"Mode\":\"Active\"}}");
    h_free(h);
}

/* Typed values from expressions are checked per message: 400 on bad ones. */
static void test_bad_typed_value_is_400(void **state)
{
    (void)state;
    static const struct { const char *param, *value, *what; } bad[] = {
        {"memorySize", "abc", "'abc' is not an integer"},
        {"publish", "yes", "'yes' is not a boolean (true or false)"},
        {"environmentVariables", "[1]", "'[1]' is not a JSON object"},
        {"layers", "[\"a\",", "'[\"a\",' is not a JSON array or a comma-separated list"},
        {"zipFile", "not base64!", "'not base64!' is not valid base64"},
        {"zipFile", "UEsD BAo=", "'UEsD BAo=' is not valid base64"},
        {"zipFile", "UEsDBAo", "'UEsDBAo' is not valid base64"},
        {"timeout", "99999999999", "'99999999999' is not an integer"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        harness *h = h_new();
        char *flow = NULL;
        assert_true(asprintf(&flow,
            INIT_V1 "<amazonlambda.createFunction><functionName>f</functionName>"
            "<handler>h</handler><role>r</role><%s>{$ctx:v}</%s>"
            "</amazonlambda.createFunction>", bad[i].param, bad[i].param) > 0);
        h_flow(h, flow);
        free(flow);
        h->m = mc_msg_new(h->cfg, &h->log);
        mc_msg_set_propz(h->m, MC_SCOPE_DEFAULT, "v", bad[i].value);
        assert_int_equal(mc_engine_start(h->m, mc_config_sequence(h->cfg, "main"), NULL, NULL),
                         MC_OK);
        assert_int_equal(mc_engine_run(h->m), MC_EFAULT);
        assert_null(h->m->out);
        char want[300];
        snprintf(want, sizeof want, "amazonlambda.createFunction: parameter '%s': %s",
                 bad[i].param, bad[i].what);
        assert_string_equal(h_prop(h, "ERROR_MESSAGE"), want);
        assert_string_equal(h_prop(h, "ERROR_CODE"), "InvalidParameter");
        assert_int_equal(mc_msg_status(h->m), 400);
        assert_true(h->m->fault_response);
        h_free(h);
    }
}

/* Load-time checks: literal typed values, required params, unknown names. */
static void test_load_diagnostics(void **state)
{
    (void)state;
    harness *h = h_new();
    assert_int_equal(h_load(h,
        "<sequence xmlns=\"http://ws.apache.org/ns/synapse\" name=\"main\">"
        "<amazonlambda.createFunction><functionName>f</functionName><handler>h</handler>"
        "<role>r</role><memorySize>abc</memorySize></amazonlambda.createFunction>"
        "</sequence>"), MC_ECONFIG);
    assert_non_null(strstr(h_diags(h), "test.xml:1:"));
    assert_non_null(strstr(h_diags(h),
        "error: amazonlambda.createFunction: parameter 'memorySize': 'abc' is not an integer"));
    h_free(h);

    h = h_new();
    assert_int_equal(h_load(h,
        "<sequence xmlns=\"http://ws.apache.org/ns/synapse\" name=\"main\">"
        "<amazonlambda.createAlias><functionName>f</functionName></amazonlambda.createAlias>"
        "</sequence>"), MC_ECONFIG);
    assert_non_null(strstr(h_diags(h),
        "error: amazonlambda.createAlias: required parameter 'aliasName' is missing"));
    h_free(h);

    /* WSO2's own test proxy passes eventSourceAccount: a warning, not an error */
    h = h_new();
    assert_int_equal(h_load(h,
        "<sequence xmlns=\"http://ws.apache.org/ns/synapse\" name=\"main\">"
        "<amazonlambda.init><accesKeyId>x</accesKeyId></amazonlambda.init>"
        "<amazonlambda.addPermission><functionName>f</functionName>"
        "<permissionAction>a</permissionAction><permissionStatementId>s</permissionStatementId>"
        "<permissionPrincipal>p</permissionPrincipal><eventSourceAccount>1</eventSourceAccount>"
        "<functionname>x</functionname></amazonlambda.addPermission></sequence>"), MC_OK);
    const char *d = h_diags(h);
    assert_non_null(strstr(d, "warning: unknown parameter 'eventSourceAccount' for "
                              "amazonlambda.addPermission"));
    assert_non_null(strstr(d, "warning: unknown parameter 'functionname' for "
                              "amazonlambda.addPermission; did you mean 'functionName'?"));
    assert_non_null(strstr(d, "warning: unknown parameter 'accesKeyId' for amazonlambda.init; "
                              "did you mean 'accessKeyId'?"));
    h_free(h);

    /* a mistyped operation gets a suggestion */
    h = h_new();
    assert_int_equal(h_load(h,
        "<sequence xmlns=\"http://ws.apache.org/ns/synapse\" name=\"main\">"
        "<amazonlambda.invok><functionName>f</functionName></amazonlambda.invok></sequence>"),
        MC_ECONFIG);
    assert_non_null(strstr(h_diags(h), "did you mean <amazonlambda.invoke>?"));
    h_free(h);
}

static const char *const v2_entry =
    "<localEntry xmlns=\"http://ws.apache.org/ns/synapse\" key=\"LAMBDA_CONN\">"
    "<amazonlambda.init><connectionType>amazonLambda</connectionType>"
    "<name>LAMBDA_CONN</name><region>eu-west-1</region>"
    "<accessKeyId>" AKID "</accessKeyId><secretAccessKey>" SECRET "</secretAccessKey>"
    "<sessionToken>" TOKEN "</sessionToken>"
    "<endpoint>http://127.0.0.1:4566/base</endpoint></amazonlambda.init></localEntry>";

/* v2: configKey names a local entry connection, evaluated per call. */
static void test_configkey_connection(void **state)
{
    (void)state;
    harness *h = h_new();
    assert_int_equal(mc_config_load_memory(h->cfg, v2_entry, strlen(v2_entry), "conn.xml"),
                     MC_OK);
    h_flow(h, "<amazonlambda.getFunction configKey=\"LAMBDA_CONN\">"
              "<functionName>f</functionName><responseVariable>r</responseVariable>"
              "</amazonlambda.getFunction>");
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_string_equal(h->m->out->url, "http://127.0.0.1:4566/base/2015-03-31/functions/f");
    assert_string_equal(h_out_header(h, "Host"), "127.0.0.1:4566");
    assert_string_equal(h_out_header(h, "X-Amz-Security-Token"), TOKEN);
    h_check_signed(h, "/eu-west-1/lambda/aws4_request");
    /* the secrets of the connection are registered with the message */
    bool secret = false, token = false;
    for (size_t i = 0; i < h->m->nsecrets; i++) {
        secret |= strcmp(h->m->secrets[i], SECRET) == 0;
        token |= strcmp(h->m->secrets[i], TOKEN) == 0;
    }
    assert_true(secret && token);
    assert_null(strstr(mc_buf_cstr(&h->logged), SECRET));
    h_free(h);

    /* configKey as a child element; a missing entry is a link warning (as
     * Synapse resolves references when a message reaches them) */
    h = h_new();
    assert_int_equal(h_load(h,
        "<sequence xmlns=\"http://ws.apache.org/ns/synapse\" name=\"main\">"
        "<amazonlambda.getFunction><configKey>NOPE</configKey><functionName>f</functionName>"
        "<responseVariable>r</responseVariable></amazonlambda.getFunction></sequence>"),
        MC_OK);
    assert_non_null(strstr(h_diags(h), "warning: unknown local entry 'NOPE'"));
    h_free(h);

    /* with a connection, responseVariable is required (usage="connection") */
    h = h_new();
    assert_int_equal(mc_config_load_memory(h->cfg, v2_entry, strlen(v2_entry), "conn.xml"),
                     MC_OK);
    assert_int_equal(h_load(h,
        "<sequence xmlns=\"http://ws.apache.org/ns/synapse\" name=\"main\">"
        "<amazonlambda.getFunction configKey=\"LAMBDA_CONN\"><functionName>f</functionName>"
        "</amazonlambda.getFunction></sequence>"), MC_ECONFIG);
    assert_non_null(strstr(h_diags(h), "required parameter 'responseVariable' is missing"));
    h_free(h);
}

/* v1 init: settings from expressions, kept in the message; secrets. */
static void test_inline_init_from_properties(void **state)
{
    (void)state;
    harness *h = h_new();
    h_flow(h,
        "<property name=\"accessKeyId\" expression=\"json-eval($.accessKeyId)\"/>"
        "<property name=\"secretAccessKey\" expression=\"json-eval($.secretAccessKey)\"/>"
        "<property name=\"region\" expression=\"json-eval($.region)\"/>"
        "<amazonlambda.init><secretAccessKey>{$ctx:secretAccessKey}</secretAccessKey>"
        "<accessKeyId>{$ctx:accessKeyId}</accessKeyId><region>{$ctx:region}</region>"
        "<sessionToken>{json-eval($.token)}</sessionToken>"
        "<blocking>{$ctx:blocking}</blocking><endpoint>" ENDPOINT "</endpoint>"
        "</amazonlambda.init>"
        "<amazonlambda.getAccountSettings/>");
    assert_int_equal(h_run(h, "{\"accessKeyId\":\"" AKID "\",\"secretAccessKey\":\"" SECRET
                              "\",\"region\":\"ap-south-1\",\"token\":\"" TOKEN "\"}"),
                     MC_ESUSPENDED);
    h_check_signed(h, "/ap-south-1/lambda/aws4_request");
    assert_string_equal(h_out_header(h, "X-Amz-Security-Token"), TOKEN);
    bool secret = false;
    for (size_t i = 0; i < h->m->nsecrets; i++)
        secret |= strcmp(h->m->secrets[i], SECRET) == 0;
    assert_true(secret);
    h_free(h);
}

/* Literal init values are made once at compile (trimmed as a message's
 * are); each message still sees them, secrets registered for redaction,
 * and a message-given value beside them is evaluated per message. */
static void test_literal_init_values(void **state)
{
    (void)state;
    harness *h = h_new();
    h_flow(h,
        "<amazonlambda.init><accessKeyId>\n  " AKID " \t</accessKeyId>"
        "<secretAccessKey> " SECRET "\n</secretAccessKey>"
        "<region>{json-eval($.region)}</region><blocking> false </blocking>"
        "<endpoint>" ENDPOINT "</endpoint></amazonlambda.init>"
        "<amazonlambda.getAccountSettings/>");
    assert_int_equal(h_run(h, "{\"region\":\"eu-west-3\"}"), MC_ESUSPENDED);
    h_check_signed(h, "/eu-west-3/lambda/aws4_request");
    const char *auth = h_out_header(h, "Authorization");
    assert_non_null(strstr(auth, "Credential=" AKID "/"));
    bool secret = false;
    for (size_t i = 0; i < h->m->nsecrets; i++)
        secret |= strcmp(h->m->secrets[i], SECRET) == 0;
    assert_true(secret);
    h_free(h);
}

/* No init, no environment, no profile: a fault naming the operation. */
static void test_no_credentials(void **state)
{
    (void)state;
    harness *h = h_new();
    h_flow(h, "<amazonlambda.getFunction><functionName>f</functionName>"
              "</amazonlambda.getFunction>");
    assert_int_equal(h_run(h, NULL), MC_EFAULT);
    assert_null(h->m->out);
    assert_string_equal(h_prop(h, "ERROR_CODE"), "MissingCredentials");
    const char *msg = h_prop(h, "ERROR_MESSAGE");
    assert_non_null(strstr(msg, "amazonlambda.getFunction: "));
    assert_non_null(strstr(msg, "credentials"));
    assert_false(h->m->fault_response);
    h_free(h);
}

/* Credentials, region and endpoint from the environment (no init). */
static void test_environment_connection(void **state)
{
    (void)state;
    /* the environment is read when the connectors load, not per request */
    h_clear_aws_env();
    setenv("AWS_ACCESS_KEY_ID", AKID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("AWS_REGION", "us-west-2", 1);
    setenv("AWS_ENDPOINT_URL_LAMBDA", "http://localhost:5000", 1);
    harness *h = h_new_keep_env();
    h_flow(h, "<amazonlambda.listFunctions/>");
    h_clear_aws_env();               /* changes after the load change nothing */
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_string_equal(h->m->out->url, "http://localhost:5000/2015-03-31/functions");
    h_check_signed(h, "/us-west-2/lambda/aws4_request");
    h_free(h);
    /* without an endpoint: the descriptor's https://lambda.{region}.amazonaws.com */
    setenv("AWS_ACCESS_KEY_ID", AKID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    h = h_new_keep_env();
    h_flow(h, "<amazonlambda.listFunctions/>");
    assert_int_equal(h_run(h, NULL), MC_ESUSPENDED);
    assert_string_equal(h->m->out->url, "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions");
    assert_string_equal(h_out_header(h, "Host"), "lambda.us-east-1.amazonaws.com");
    h_clear_aws_env();
    h_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_operation),
        cmocka_unit_test(test_every_operation_is_covered),
        cmocka_unit_test(test_invoke_headers_and_raw_bodies),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_empty_optionals_omitted),
        cmocka_unit_test(test_required_empty_is_400),
        cmocka_unit_test(test_typed_values),
        cmocka_unit_test(test_bad_typed_value_is_400),
        cmocka_unit_test(test_load_diagnostics),
        cmocka_unit_test(test_configkey_connection),
        cmocka_unit_test(test_inline_init_from_properties),
        cmocka_unit_test(test_literal_init_values),
        cmocka_unit_test(test_no_credentials),
        cmocka_unit_test(test_environment_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

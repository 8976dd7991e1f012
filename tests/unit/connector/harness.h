/* harness.h - shared by the connector unit tests: loads the real
 * descriptors (MEDIAC_CONNECTOR_PATH), compiles a flow held in a string with
 * the built-in mediators plus the connector runtime, runs a message until
 * it suspends, and answers it with a canned response.  AWS settings from
 * the environment and ~/.aws are cleared so only the flow's count. */
#ifndef MC_TEST_CONNECTOR_HARNESS_H
#define MC_TEST_CONNECTOR_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "config/config.h"
#include "connector/connector.h"
#include "engine/engine.h"
#include "mediators/mediators.h"
#include "msg/msg.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "FQoGZXIvYXdzEXAMPLETOKEN"
#define ENDPOINT "http://127.0.0.1:9"

/* A v1 init with fixed test credentials and a loopback endpoint. */
#define INIT_V1                                                   \
    "<amazonlambda.init>"                                         \
    "<accessKeyId>" AKID "</accessKeyId>"                         \
    "<secretAccessKey>" SECRET "</secretAccessKey>"               \
    "<region>us-east-1</region><blocking>false</blocking>"        \
    "<endpoint>" ENDPOINT "</endpoint>"                           \
    "</amazonlambda.init>"

typedef struct harness {
    mc_connectors *cs;
    mc_config *cfg;
    mc_logger log;
    mc_buf logged;       /* every log line, to check for secrets */
    mc_message *m;
    mc_code load_rc;
    mc_code rc;          /* of the last run/resume */
} harness;

static inline const mc_mediator_type *h_lookup(void *ud, const char *name)
{
    const mc_mediator_type *t = mc_builtin_mediator(name);
    return t ? t : mc_connectors_lookup(ud, name);
}

static inline const char *h_suggest(void *ud, const char *name)
{
    return strchr(name, '.') ? mc_connectors_suggest(ud, name) : mc_builtin_suggest(name);
}

static inline void h_sink(void *ud, int level, const char *line)
{
    (void)level;
    mc_buf *b = ud;
    mc_buf_puts(b, line);
    mc_buf_putc(b, '\n');
}

/* No AWS setting but the test's: no keys, files, container or instance
 * metadata; one attempt per request unless a test asks for retries (the
 * environment is read when the connectors load: set it before h_new). */
static inline void h_clear_aws_env(void)
{
    static const char *const vars[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA",
        "AWS_RETRY_MODE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_ENDPOINT_URL_STS", NULL};
    for (size_t i = 0; vars[i]; i++)
        unsetenv(vars[i]);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/mediac-test/credentials", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/mediac-test/config", 1);
    setenv("HOME", "/nonexistent/mediac-test", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_MAX_ATTEMPTS", "1", 1);
}

/* A harness loaded with the environment as the test left it. */
static inline harness *h_new_keep_env(void)
{
    harness *h = calloc(1, sizeof *h);
    assert_non_null(h);
    mc_err err = {0};
    h->cs = mc_connectors_load(&err);
    if (!h->cs)
        fail_msg("loading connectors: %s", err.msg);
    mc_registry reg = {h_lookup, h->cs, mc_connectors_compile_connection, h_suggest};
    h->cfg = mc_config_new(&reg);
    assert_non_null(h->cfg);
    h->cfg->connector_ctx = h->cs;
    mc_logger_init(&h->log);
    h->log.level = MC_LOG_DEBUG;
    h->log.sink = h_sink;
    h->log.userdata = &h->logged;
    return h;
}

static inline harness *h_new(void)
{
    h_clear_aws_env();
    return h_new_keep_env();
}

static inline void h_free(harness *h)
{
    if (!h)
        return;
    mc_msg_free(h->m);
    mc_config_free(h->cfg);
    mc_connectors_free(h->cs);
    mc_buf_free(&h->logged);
    free(h);
}

/* Load artifacts (a <sequence name="main"> and friends) and link. */
static inline mc_code h_load(harness *h, const char *xml)
{
    h->load_rc = mc_config_load_memory(h->cfg, xml, strlen(xml), "test.xml");
    if (h->load_rc == MC_OK)
        h->load_rc = mc_config_link(h->cfg);
    return h->load_rc;
}

static inline const char *h_diags(harness *h) { return mc_buf_cstr(&h->cfg->diags); }

/* Load "<sequence name=main>body</sequence>"; fail the test on error. */
static inline void h_flow(harness *h, const char *body)
{
    char *xml = NULL;
    int n = asprintf(&xml,
                     "<sequence xmlns=\"http://ws.apache.org/ns/synapse\" name=\"main\">"
                     "%s</sequence>", body);
    assert_true(n > 0);
    mc_code rc = h_load(h, xml);
    free(xml);
    if (rc != MC_OK)
        fail_msg("flow did not load: %s", h_diags(h));
}

/* Run the sequence "main" on a new message with payload (JSON or NULL). */
static inline mc_code h_run(harness *h, const char *json_payload)
{
    const mc_seq *seq = mc_config_sequence(h->cfg, "main");
    assert_non_null(seq);
    mc_msg_free(h->m);
    h->m = mc_msg_new(h->cfg, &h->log);
    assert_non_null(h->m);
    if (json_payload)
        assert_int_equal(mc_msg_set_payload(h->m, json_payload, strlen(json_payload),
                                            "application/json", NULL), MC_OK);
    assert_int_equal(mc_engine_start(h->m, seq, NULL, NULL), MC_OK);
    h->rc = mc_engine_run(h->m);
    if (h->rc == MC_EFAULT && getenv("MC_TEST_VERBOSE"))
        fprintf(stderr, "fault %s: %s\n", mc_msg_prop(h->m, MC_SCOPE_DEFAULT, "ERROR_CODE"),
                mc_msg_prop(h->m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE"));
    return h->rc;
}

/* Answer the suspended request and continue the flow. */
static inline mc_code h_answer(harness *h, int status, const char *body, const mc_kv *headers,
                        size_t nheaders)
{
    assert_int_equal(h->rc, MC_ESUSPENDED);
    mc_inbound *in = mc_arena_calloc(&h->m->arena, sizeof *in);
    in->status = status;
    in->body = body ? body : "";
    in->body_len = body ? strlen(body) : 0;
    in->headers = (mc_kv *)headers;
    in->nheaders = nheaders;
    h->m->in = in;
    h->rc = mc_engine_resume(h->m);
    return h->rc;
}

static inline mc_code h_transport_fault(harness *h, int code, const char *text)
{
    assert_int_equal(h->rc, MC_ESUSPENDED);
    mc_inbound *in = mc_arena_calloc(&h->m->arena, sizeof *in);
    in->fault_code = code;
    in->error = text;
    h->m->in = in;
    h->rc = mc_engine_resume(h->m);
    return h->rc;
}

static inline const char *h_out_header(const harness *h, const char *name)
{
    const mc_outbound *o = h->m->out;
    for (size_t i = 0; o && i < o->nheaders; i++)
        if (strcasecmp(o->headers[i].name, name) == 0)
            return o->headers[i].value;
    return NULL;
}

static inline const char *h_prop(const harness *h, const char *name)
{
    return mc_msg_prop(h->m, MC_SCOPE_DEFAULT, name);
}

static inline const char *h_payload(harness *h)
{
    size_t n;
    const char *p = mc_msg_payload_bytes(h->m, &n);
    return p ? p : "";
}

/* The request body as a NUL-terminated string. */
static inline const char *h_body(const harness *h)
{
    const mc_outbound *o = h->m->out;
    assert_non_null(o);
    return o->body ? o->body : "";
}

/* Authorization is present and shaped like a SigV4 header for the scope. */
static inline void h_check_signed(const harness *h, const char *scope)
{
    const char *auth = h_out_header(h, "Authorization");
    assert_non_null(auth);
    char want[160];
    snprintf(want, sizeof want, "AWS4-HMAC-SHA256 Credential=%s/", AKID);
    assert_memory_equal(auth, want, strlen(want));
    assert_non_null(strstr(auth, scope));
    assert_non_null(strstr(auth, "SignedHeaders="));
    assert_non_null(strstr(auth, "host;"));
    assert_non_null(strstr(auth, ";x-amz-date"));
    const char *sig = strstr(auth, "Signature=");
    assert_non_null(sig);
    assert_int_equal(strspn(sig + 10, "0123456789abcdef"), 64);
    assert_int_equal(strlen(sig + 10), 64);
    const char *date = h_out_header(h, "X-Amz-Date");
    assert_non_null(date);
    assert_int_equal(strlen(date), 16);
    assert_int_equal(date[8], 'T');
}

#endif

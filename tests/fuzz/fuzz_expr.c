/* fuzz_expr.c - libFuzzer target: the expression compiler and evaluator.
 * Input: one line of expression text, then the payload.  The line is
 * compiled as an expression (Synapse XPath, json-eval JSONPath, $ctx:,
 * get-property) and as a {..} template; whatever compiles is evaluated as
 * string, boolean and XML against a message whose payload is the rest of
 * the input (XML when it starts with '<', else JSON, else text). */
#include "fuzz_common.h"
#include "engine/engine.h"
#include "expr/expr.h"
#include "msg/msg.h"

static const mc_nsbind ns[] = {
    {"ns", "http://example.org/ns"},
    {"soapenv", "http://schemas.xmlsoap.org/soap/envelope/"},
    {"syn", "http://ws.apache.org/ns/synapse"},
};

static mc_message *new_message(const char *payload, size_t len)
{
    mc_message *m = mc_msg_new(NULL, fz_logger());
    if (!m)
        return NULL;
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "name", "Ada");
    mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "Content-Type", "application/json");
    mc_msg_set_var(m, "v", "{\"a\":[1,2]}", 11, MC_VT_JSON);
    const char *ct = len && payload[0] == '<' ? "application/xml" : "application/json";
    if (mc_msg_set_payload(m, payload, len, ct, NULL) != MC_OK)
        mc_msg_set_text(m, payload, len);
    return m;
}

static void eval_expr(const mc_expr *e, const char *payload, size_t len)
{
    mc_message *m = new_message(payload, len);
    if (!m)
        return;
    const char *out;
    size_t n;
    bool b;
    mc_err err = {0};
    mc_expr_string(e, m, &out, &n, &err);
    mc_expr_bool(e, m, &b, &err);
    mc_expr_xml(e, m, &out, &n, &err);
    mc_msg_free(m);
}

static void eval_template(const mc_template *t, const char *payload, size_t len)
{
    mc_message *m = new_message(payload, len);
    if (!m)
        return;
    const char *out;
    size_t n;
    mc_err err = {0};
    mc_template_eval(t, m, &out, &n, &err);
    mc_msg_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    char *src = fz_take(&p, end, '\n', NULL);
    size_t plen;
    char *payload = fz_take(&p, end, '\0', &plen);
    if (!src || !payload)
        goto out;
    mc_err err = {0};
    mc_expr *e = mc_expr_compile(src, ns, sizeof ns / sizeof ns[0], &err);
    if (e) {
        mc_expr_kind_of(e);
        mc_expr_source(e);
        eval_expr(e, payload, plen);
        mc_expr_free(e);
    }
    mc_err terr = {0};
    mc_template *t = mc_template_compile(src, ns, sizeof ns / sizeof ns[0], &terr);
    if (t) {
        mc_template_is_literal(t);
        eval_template(t, payload, plen);
        mc_template_free(t);
    }
out:
    free(src);
    free(payload);
    return 0;
}

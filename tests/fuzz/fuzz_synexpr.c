/* fuzz_synexpr.c - libFuzzer target: the Synapse Expression lexer, parser
 * and static checks (synexpr_parse.c), and what compiles evaluated in both
 * modes (synexpr_eval.c, functions.c, javanum.c, javatime.c).
 * Input: one line of expression text (the inside of ${...}), then the
 * payload: XML when it starts with '<', else JSON, else text.  The message
 * also has typed variables, headers, properties, configs, a secret and a
 * registry resource, so every root and function can be reached. */
#include "fuzz_common.h"
#include "expr/expr.h"
#include "expr/synexpr.h"
#include "msg/msg.h"

static const char *config_value(void *ud, const char *name)
{
    (void)ud;
    return strcmp(name, "port") == 0 ? "8290" : strcmp(name, "host") == 0 ? "h" : NULL;
}

static const char *secret(void *ud, const char *alias)
{
    (void)ud;
    return strcmp(alias, "pw") == 0 ? "s3cr3t" : NULL;
}

static const char *registry(void *ud, const char *key, size_t *len)
{
    (void)ud;
    if (strcmp(key, "gov:/a.json") != 0)
        return NULL;
    *len = 19;
    return "{\"a\":[1,2,{\"b\":3}]}";
}

static const mc_expr_env env = {NULL, config_value, secret, registry, NULL, secret};
static const mc_nsbind ns[] = {{"ns", "http://example.org/ns"}};

static void var(mc_message *m, const char *name, const char *v, mc_vtype t)
{
    mc_msg_set_var(m, name, v, strlen(v), t);
}

static mc_message *new_message(const char *payload, size_t len)
{
    mc_message *m = mc_msg_new(NULL, fz_logger());
    if (!m)
        return NULL;
    var(m, "s", "text", MC_VT_STRING);
    var(m, "i", "42", MC_VT_INTEGER);
    var(m, "d", "-2.5", MC_VT_DOUBLE);
    var(m, "b", "true", MC_VT_BOOLEAN);
    var(m, "j", "{\"a\":[1,\"x\",{\"k\":null}]}", MC_VT_JSON);
    var(m, "x", "<r><v>1</v></r>", MC_VT_OM);
    var(m, "resp", "{\"payload\":\"<p><n>1</n></p>\"}", MC_VT_JSON);
    mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "Content-Type", "application/json");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "p", "7");
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "HTTP_SC", "200");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "query.param.q", "v");
    mc_msg_set_propz(m, MC_SCOPE_FUNC, "f", "fv");
    const char *ct = len && payload[0] == '<' ? "application/xml" : "application/json";
    if (mc_msg_set_payload(m, payload, len, ct, NULL) != MC_OK)
        mc_msg_set_text(m, payload, len);
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    size_t slen;
    char *src = fz_take(&p, end, '\n', &slen);
    size_t plen;
    char *payload = fz_take(&p, end, '\0', &plen);
    if (!src || !payload)
        goto out;
    mc_expr_opts o = {ns, 1, &env};
    mc_err err = {0};
    mc_synexpr *x = mc_synexpr_compile(src, slen, &o, &err);
    if (!x) {
        /* every refusal says where */
        if (err.at > slen + 1)
            abort();
        goto out;
    }
    for (int mode = 0; mode < 2; mode++) {
        mc_message *m = new_message(payload, plen);
        if (!m)
            break;
        mc_value v;
        mc_err ev = {0};
        if (mc_synexpr_eval(x, m, mode == 1, &v, &ev) == MC_OK && v.len) {
            /* touch the text so a bad pointer shows up under ASan */
            volatile char last = v.text[v.len - 1];
            (void)last;
        }
        mc_msg_free(m);
    }
    mc_synexpr_free(x);
out:
    free(src);
    free(payload);
    return 0;
}

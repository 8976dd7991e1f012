/* fuzz_connector_response.c - libFuzzer target: the connector runtime's
 * handling of an HTTP response.  Flows calling amazonlambda operations
 * (payload, responseVariable, fault handler, log level="full") are loaded
 * once; each input picks a flow and gives the answer to the suspended
 * request:
 *   byte 0      flow
 *   bytes 1-2   status (big-endian, mod 600)
 *   then        "Name: value" header lines up to an empty line
 *   then        the body.
 * Besides "no crash, no leak", every log line is checked for the secret
 * key, which must never appear. */
#include <stdio.h>

#include "fuzz_common.h"
#include "engine/engine.h"
#include "msg/msg.h"

#define SECRET "fuzzSecretKey0123456789abcdefFUZZSECRET"
#define INIT "<amazonlambda.init><accessKeyId>AKIDFUZZ</accessKeyId>"                  \
             "<secretAccessKey>" SECRET "</secretAccessKey><region>us-east-1</region>"  \
             "<endpoint>http://127.0.0.1:9</endpoint></amazonlambda.init>"
#define SEQ(name, attrs, body) "<sequence name=\"" name "\" " attrs ">" body "</sequence>"

static const char flows_xml[] =
    "<definitions xmlns=\"http://ws.apache.org/ns/synapse\">"
    SEQ("invoke", "", INIT "<amazonlambda.invoke><functionName>fn</functionName>"
        "<payload>{\"in\":1}</payload></amazonlambda.invoke><log level=\"full\"/>")
    SEQ("variable", "", INIT "<amazonlambda.getAlias responseVariable=\"r\">"
        "<functionName>fn</functionName><aliasName>a</aliasName></amazonlambda.getAlias>"
        "<log level=\"custom\"><property name=\"r\" expression=\"$ctx:r\"/></log>")
    SEQ("handled", "onError=\"onerr\"", INIT "<amazonlambda.listFunctions/>")
    SEQ("onerr", "", "<log level=\"full\"/><property name=\"c\" expression=\"get-property('ERROR_CODE')\"/>")
    SEQ("overwrite", "", INIT "<amazonlambda.getFunction><functionName>fn</functionName>"
        "<responseVariable>v</responseVariable><overwriteBody>true</overwriteBody>"
        "</amazonlambda.getFunction><log level=\"full\"/>")
    "</definitions>";

static const char *const flow_names[] = {"invoke", "variable", "handled", "overwrite"};

static void secret_check_sink(void *ud, int level, const char *line)
{
    (void)ud; (void)level;
    if (strstr(line, SECRET)) {
        fprintf(stderr, "secret in a log line: %s\n", line);
        abort();
    }
}

static mc_config *flows(void)
{
    static mc_config *cfg;
    if (!cfg) {
        cfg = fz_config();
        if (!cfg || mc_config_load_memory(cfg, flows_xml, sizeof flows_xml - 1, "flows.xml")
                        != MC_OK || mc_config_link(cfg) != MC_OK) {
            fprintf(stderr, "fuzz flows do not load: %s\n",
                    cfg ? mc_buf_cstr(&cfg->diags) : "no memory");
            abort();
        }
    }
    return cfg;
}

/* Header lines "Name: value" from [*p, end) until an empty line. */
static size_t parse_headers(mc_message *m, const uint8_t **p, const uint8_t *end, mc_kv **out)
{
    size_t n = 0;
    mc_kv *hs = mc_arena_calloc(&m->arena, 64 * sizeof *hs);
    while (*p < end) {
        size_t len;
        char *line = fz_take(p, end, '\n', &len);
        if (!line || len == 0) {
            free(line);
            break;
        }
        char *colon = strchr(line, ':');
        if (colon && hs && n < 64) {
            *colon = '\0';
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            hs[n].name = mc_arena_strdup(&m->arena, line);
            hs[n].value = mc_arena_strdup(&m->arena, v);
            n++;
        }
        free(line);
    }
    *out = hs;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    mc_config *cfg = flows();
    static mc_logger lg;
    mc_logger_init(&lg);
    lg.level = MC_LOG_DEBUG;
    lg.sink = secret_check_sink;
    const mc_seq *seq = mc_config_sequence(cfg, flow_names[data[0] % 4]);
    mc_message *m = mc_msg_new(cfg, &lg);
    if (!m)
        return 0;
    mc_msg_set_payload(m, "{\"keep\":1}", 10, "application/json", NULL);
    if (mc_engine_start(m, seq, NULL, NULL) != MC_OK || mc_engine_run(m) != MC_ESUSPENDED) {
        fprintf(stderr, "flow did not reach its request\n");
        abort();
    }
    const uint8_t *p = data + 3, *end = data + size;
    mc_inbound *in = mc_arena_calloc(&m->arena, sizeof *in);
    in->status = ((data[1] << 8) | data[2]) % 600;
    in->nheaders = parse_headers(m, &p, end, &in->headers);
    in->body_len = (size_t)(end - p);
    char *body = mc_arena_alloc(&m->arena, in->body_len + 1);
    memcpy(body, p, in->body_len);
    body[in->body_len] = '\0';
    in->body = body;
    if (in->status == 0) {
        in->fault_code = 101500;
        in->error = "fuzzed transport fault";
    }
    m->in = in;
    mc_engine_resume(m);
    size_t n;
    mc_msg_payload_bytes(m, &n);
    mc_msg_free(m);
    return 0;
}

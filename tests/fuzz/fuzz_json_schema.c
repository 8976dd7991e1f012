/* fuzz_json_schema.c - libFuzzer target: the hand-written draft-04 JSON
 * Schema validator (src/mediators/json_schema.c).  Input: a schema, a
 * 0x01 byte, an instance.  Oracles: no crash, leak or sanitizer error; the
 * schema compiles or says why; validating with and without the report
 * gives the same answer, and a failure always has a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "mediators/json_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    size_t sl, il;
    char *schema = fz_take(&p, end, 0x01, &sl);
    char *inst = fz_take(&p, end, 0x01, &il);
    mc_err err = {0};
    mc_json_schema *s = schema ? mc_json_schema_compile(schema, sl, &err) : NULL;
    if (!s && schema && !err.msg[0])
        abort();                           /* a refusal must say why */
    mc_arena a;
    mc_arena_init(&a, 1024);
    mc_json v = s && inst ? mc_json_parse(&a, inst, il, NULL) : NULL;
    if (v) {
        mc_buf msg = MC_BUF_INIT, detail = MC_BUF_INIT;
        bool loud = mc_json_schema_validate(s, v, &msg, &detail);
        bool quiet = mc_json_schema_validate(s, v, NULL, NULL);
        if (loud != quiet || (!loud && (msg.len == 0 || detail.len == 0)))
            abort();
        mc_buf_free(&msg);
        mc_buf_free(&detail);
    }
    mc_arena_free(&a);
    mc_json_schema_free(s);
    free(schema);
    free(inst);
    return 0;
}

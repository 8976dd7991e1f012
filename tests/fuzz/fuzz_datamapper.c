/* fuzz_datamapper.c - libFuzzer target: <datamapper>'s hand-written parts
 * (src/mediators/datamapper.c): an XML payload read through a Data Mapper
 * schema into JavaScript, and the result written back as XML through the
 * same schema (the mapping is mapFunction(i) { return i; }).  Input: a
 * schema (JSON), a 0x01 byte, an XML payload.  Oracles: no crash, leak or
 * sanitizer error; a configuration that does not load says why; a mapping
 * that faults says why in ERROR_DETAIL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "fuzz_common.h"
#include "msg/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    size_t sl, xl;
    char *schema = fz_take(&p, end, 0x01, &sl);
    char *xml = fz_take(&p, end, 0x01, &xl);
    if (!schema || !xml) {
        free(schema);
        free(xml);
        return 0;
    }
    mc_buf conf = MC_BUF_INIT;
    mc_buf_puts(&conf, "<definitions xmlns=\"http://ws.apache.org/ns/synapse\"><localEntry key=\"s\">");
    mc_buf_xml_escape(&conf, schema, sl, false);
    mc_buf_puts(&conf, "</localEntry><localEntry key=\"m\">function mapFunction(i) { return i; }"
                       "</localEntry><sequence name=\"dm\"><datamapper config=\"m\" inputSchema=\"s\""
                       " outputSchema=\"s\" inputType=\"XML\" outputType=\"XML\"/></sequence>"
                       "</definitions>");
    mc_config *cfg = fz_config();
    if (cfg && mc_config_load_memory(cfg, conf.data, conf.len, "fuzz.xml") == MC_OK &&
        mc_config_link(cfg) == MC_OK) {
        mc_message *m = mc_msg_new(cfg, fz_logger());
        mc_err err = {0};
        if (m && mc_msg_set_payload(m, xml, xl, "application/xml", &err) == MC_OK &&
            mc_engine_start(m, mc_config_sequence(cfg, "dm"), NULL, NULL) == MC_OK) {
            mc_code rc = mc_engine_run(m);
            const char *detail = mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_DETAIL");
            if (rc == MC_EFAULT && (!detail || !*detail))
                abort();                   /* a mapping fault says why */
        }
        mc_msg_free(m);
    } else if (cfg && cfg->diags.len == 0) {
        abort();                           /* a refusal must say why */
    }
    mc_config_free(cfg);
    mc_buf_free(&conf);
    free(schema);
    free(xml);
    return 0;
}

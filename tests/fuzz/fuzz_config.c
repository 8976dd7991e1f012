/* fuzz_config.c - libFuzzer target: the configuration loader.  The input
 * is one artifact file (XML); it is loaded with every built-in mediator and
 * the connector runtime, then linked.  Any outcome is fine except a crash,
 * a sanitizer report or a leak; a failed load must explain itself. */
#include <stdio.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mc_config *cfg = fz_config();
    if (!cfg)
        return 0;
    mc_code rc = mc_config_load_memory(cfg, (const char *)data, size, "fuzz.xml");
    if (rc == MC_OK)
        rc = mc_config_link(cfg);
    if (rc != MC_OK && cfg->nerrors == 0) {
        fprintf(stderr, "load failed (%d) without a diagnostic\n", (int)rc);
        abort();
    }
    mc_config_free(cfg);
    return 0;
}

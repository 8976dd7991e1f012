/* fuzz_values.c - libFuzzer target: the hand-written readers of project
 * values (values.c: Java-properties and .env config-values files, secrets
 * files, config.properties declarations) and registry keys (registry.c).
 * The input is read in every mode; any outcome is fine except a crash, a
 * sanitizer report or a leak, and a refused file must say why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static void parse(const uint8_t *data, size_t size, const char *name, int mode)
{
    mc_config *cfg = fz_config();
    if (!cfg)
        return;
    mc_code rc = mode == 2 ? mc_config_parse_declarations(cfg, name, (const char *)data, size)
                           : mc_config_parse_values(cfg, name, (const char *)data, size, mode == 1);
    if (rc != MC_OK && cfg->nerrors == 0) {
        fprintf(stderr, "%s refused (%d) without a diagnostic\n", name, (int)rc);
        abort();
    }
    mc_config_free(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse(data, size, "fuzz.properties", 0);
    parse(data, size, "fuzz.env", 0);
    parse(data, size, "secrets.properties", 1);
    parse(data, size, "config.properties", 2);
    char *key = malloc(size + 1);
    if (!key)
        return 0;
    memcpy(key, data, size);
    key[size] = '\0';
    mc_arena a;
    mc_arena_init(&a, 4096);
    const char *canon = mc_registry_key(&a, key);
    if (canon && (strstr(canon, "/../") || strncmp(canon + strcspn(canon, ":"), ":/", 2) != 0)) {
        fprintf(stderr, "registry key '%s' became '%s'\n", key, canon);
        abort();
    }
    mc_arena_free(&a);
    free(key);
    return 0;
}

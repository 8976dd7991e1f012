/* fuzz_toml.c - libFuzzer target: the deployment.toml reader
 * (src/util/toml.c).  Any input either parses or is refused with a
 * "NAME:LINE:COL: message" error; a parse yields keys within the limits,
 * strings whose stated length matches their bytes, and arrays of one type. */
#include <stdio.h>

#include "fuzz_common.h"
#include "util/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mc_err err = {0};
    mc_toml *t = mc_toml_parse((const char *)data, size, "f.toml", &err);
    if (!t) {
        if (strncmp(err.msg, "f.toml:", 7) != 0) {
            fprintf(stderr, "error without a position: %s\n", err.msg);
            abort();
        }
        return 0;
    }
    if (t->n > MC_TOML_MAX_ENTRIES)
        abort();
    for (size_t i = 0; i < t->n; i++) {
        const mc_toml_entry *e = &t->entries[i];
        if (strlen(e->key) > MC_TOML_MAX_KEY || e->line < 1 || e->col < 1)
            abort();
        const mc_toml_value *v = &e->v;
        if (v->type == MC_TOML_STRING && v->str[v->len] != '\0')
            abort();
        for (size_t j = 0; v->type == MC_TOML_ARRAY && j < v->n; j++)
            if (v->items[j].type != v->items[0].type)
                abort();
        for (size_t j = 0; j < i; j++)
            if (strcmp(t->entries[j].key, e->key) == 0)
                abort();                      /* duplicates are refused */
    }
    mc_toml_free(t);
    return 0;
}

/* internal.h - config layer internals shared by its files. */
#ifndef MC_CONFIG_INTERNAL_H
#define MC_CONFIG_INTERNAL_H

#include "config/config.h"

enum { MC_REF_SEQUENCE, MC_REF_ENTRY, MC_REF_ENDPOINT };

struct mc_fixup {
    struct mc_fixup *next;
    int kind;
    const char *key;
    void **slot;
    mc_entry_compile_fn compile;   /* MC_REF_ENTRY: compile at link */
    void *target;
    const char *file;
    int line, col;
};

void *mc_table_get(const mc_table *t, const char *name);
bool mc_table_put(mc_table *t, const char *name, void *item);
size_t mc_edit_distance(const char *a, const char *b);
/* Closest name in t within a small edit distance, or NULL. */
const char *mc_table_closest(const mc_table *t, const char *name);
/* Closest candidate within a small edit distance, or NULL. */
const char *mc_closest(const char *name, const char *const *cands, size_t n);
void mc_diag_at(mc_config *cfg, const char *file, int line, int col,
                int severity, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Report a duplicate name in t (with a note at the first definition). */
bool mc_name_taken(mc_compiler *cc, xmlNodePtr node, const char *attr,
                   mc_table *t, const char *what, const char *name);
/* Compile one artifact element (sequence, proxy, api, localEntry,
 * endpoint) or a <definitions> holding several. */
void mc_compile_artifact(mc_compiler *cc, xmlNodePtr node);

#endif

/* internal.h - config layer internals shared by its files. */
#ifndef MC_CONFIG_INTERNAL_H
#define MC_CONFIG_INTERNAL_H

#include "config/config.h"
#include "util/suggest.h"

enum { MC_REF_SEQUENCE, MC_REF_ENTRY, MC_REF_ENDPOINT, MC_REF_TEMPLATE };

struct mc_fixup {
    struct mc_fixup *next;
    int kind;
    const char *key;
    void **slot;
    const char *missing_fmt;   /* MC_REF_SEQUENCE: runtime fault message */
    mc_link_fn check;          /* called with what was found */
    void *ud;
    mc_entry_compile_fn compile;   /* MC_REF_ENTRY: compile at link */
    void *target;
    const char *file;
    int line, col;
};

void *mc_table_get(const mc_table *t, const char *name);
bool mc_table_put(mc_table *t, const char *name, void *item);
/* Closest name in t within a small edit distance, or NULL. */
const char *mc_table_closest(const mc_table *t, const char *name);
/* An artifact's name: its 'name' attribute (reported when missing), or the
 * registry key it was loaded from. */
const char *mc_artifact_name(mc_compiler *cc, xmlNodePtr node);
/* Report a duplicate name in t (with a note at the first definition). */
bool mc_name_taken(mc_compiler *cc, xmlNodePtr node, const char *attr,
                   mc_table *t, const char *what, const char *name);
/* Table lookup with the registry as fallback for keys not defined
 * locally (see mc_registry_key). */
void *mc_config_lookup(const mc_config *cfg, const mc_table *t, const char *key);
/* Read a configuration file (bounded) into b; reports and returns MC_EIO. */
mc_code mc_read_config_file(mc_config *cfg, const char *path, mc_buf *b);
/* Sorted names of a folder's entries (malloc'd; caller frees each and the
 * array); reports and returns MC_EIO when it cannot be read. */
mc_code mc_list_dir(mc_config *cfg, const char *dir, char ***names, size_t *n);
/* A file or folder (recursively, *.xml, sorted) with no layout detection. */
mc_code mc_config_load_plain(mc_config *cfg, const char *path);
/* Parse a descriptor (artifacts.xml, artifact.xml, registry-info.xml) with
 * the loader's safe parser; NULL after reporting. */
xmlDocPtr mc_parse_descriptor(mc_config *cfg, const char *data, size_t len, const char *name);
/* Java-properties lines of data through fn (values.c). */
typedef void (*pair_fn)(mc_config *cfg, const char *file, int line, const char *name,
                        const char *value, void *ud);
mc_code mc_parse_properties(mc_config *cfg, const char *name, const char *data, size_t len,
                            pair_fn fn, void *ud);
/* Every file under dir as a registry resource keyed key_prefix/relative. */
mc_code mc_registry_walk(mc_config *cfg, const char *dir, const char *key_prefix);
/* The <item><file/><path/></item> (and <collection><directory/><path/>)
 * elements below root: fn(key "path/file", file, is_collection). */
typedef mc_code (*mc_item_fn)(mc_config *cfg, const char *key, const char *file,
                              bool collection, void *ud);
mc_code mc_registry_items(mc_config *cfg, xmlNodePtr root, const char *where,
                          mc_item_fn fn, void *ud);
/* A .car (Carbon application) archive: artifacts.xml decides what deploys. */
mc_code mc_config_load_car(mc_config *cfg, const char *path);
/* Replace whole-value $SYSTEM:NAME, $FILE:NAME and ${configs.NAME} in the
 * attributes and texts of a parsed file (not in expression attributes),
 * reporting the ones that resolve to nothing. */
void mc_resolve_parameters(mc_compiler *cc, xmlNodePtr root);
/* Report vault-lookup('alias') calls in src whose alias has no secret. */
void mc_check_vault_aliases(mc_compiler *cc, xmlNodePtr node, const char *attr,
                            const char *src);
/* Compile one artifact element (sequence, proxy, api, localEntry,
 * endpoint) or a <definitions> holding several. */
void mc_compile_artifact(mc_compiler *cc, xmlNodePtr node);

#endif

/* registry.c - registry resources: files found under a registry folder (an
 * MI project's resources/registry, an MI server's registry/, a folder given
 * with --registry, an Integration Studio registry project, a .car's
 * registry-info.xml items) become local entries keyed by their canonical
 * registry key ("conf:/a/b.xsl", "gov:/a/b.xml").  A resource whose root is
 * a <sequence>, <endpoint> or <template> is also compiled as that artifact,
 * named by its key, the way Synapse fetches such artifacts by key. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config.h"
#include "config/internal.h"

#define MAX_REGISTRY_DEPTH 32

/* ---- keys ----------------------------------------------------------------- */

static const struct {
    const char *prefix;      /* as written in a key */
    const char *canonical;   /* canonical prefix */
    const char *below;       /* path prepended below the root */
} key_forms[] = {
    {"conf:", "conf:/", ""},
    {"gov:", "gov:/", ""},
    {"local:", "local:/", ""},
    {"resources:", "gov:/", "mi-resources/"},
    {"/_system/config", "conf:/", ""},
    {"/_system/governance", "gov:/", ""},
    {"/_system/local", "local:/", ""},
};

/* Canonical form of key into out; false when it has no path or leaves the
 * registry. */
static bool canonical_key(const char *key, mc_buf *out)
{
    while (*key == ' ' || *key == '\t' || *key == '\n' || *key == '\r')
        key++;
    const char *canonical = "gov:/", *below = "", *path = key;
    for (size_t i = 0; i < sizeof key_forms / sizeof *key_forms; i++) {
        size_t n = strlen(key_forms[i].prefix);
        if (strncmp(key, key_forms[i].prefix, n) == 0 &&
            (key_forms[i].prefix[0] != '/' || key[n] == '/' || key[n] == '\0')) {
            canonical = key_forms[i].canonical;
            below = key_forms[i].below;
            path = key + n;
            break;
        }
    }
    /* normalise the path: no empty or "." segments; ".." would leave the
     * registry (MI refuses such keys) */
    mc_buf_puts(out, canonical);
    mc_buf_puts(out, below);
    size_t base = out->len;
    bool ok = true;
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 1 && p[0] == '.') {
            /* skip */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            ok = false;
            break;
        } else if (n) {
            if (out->len > base && out->data[out->len - 1] != '/')
                mc_buf_putc(out, '/');
            mc_buf_append(out, p, n);
        }
        p += n;
    }
    while (out->len > base && (out->data[out->len - 1] == ' ' ||
                               out->data[out->len - 1] == '\n' ||
                               out->data[out->len - 1] == '\t'))
        out->data[--out->len] = '\0';
    return ok && !out->oom && out->len > base;
}

const char *mc_registry_key(mc_arena *a, const char *key)
{
    if (!key)
        return NULL;
    mc_buf b = MC_BUF_INIT;
    const char *r = canonical_key(key, &b) ? mc_arena_strndup(a, b.data, b.len) : NULL;
    mc_buf_free(&b);
    return r;
}

/* ---- lookups with the registry as fallback -------------------------------- */

void *mc_config_lookup(const mc_config *cfg, const mc_table *t, const char *key)
{
    void *item = mc_table_get(t, key);
    if (item || !key || !cfg->nresources)
        return item;
    /* a key the local definitions do not hold: the registry (MI resolves
     * plain keys against the governance registry) */
    mc_buf b = MC_BUF_INIT;
    if (canonical_key(key, &b) && strcmp(b.data, key) != 0)
        item = mc_table_get(t, b.data);
    mc_buf_free(&b);
    return item;
}

/* ---- loading ---------------------------------------------------------------- */

static bool is_hidden_or_meta(const char *name)
{
    size_t n = strlen(name);
    return name[0] == '.' || (n > 5 && strcmp(name + n - 5, ".meta") == 0);
}

mc_code mc_config_load_resource_file(mc_config *cfg, const char *key, const char *path)
{
    mc_buf b = MC_BUF_INIT;
    mc_code rc = mc_read_config_file(cfg, path, &b);
    if (rc == MC_OK)
        rc = mc_config_load_resource(cfg, key, mc_buf_cstr(&b), b.len, path);
    mc_buf_free(&b);
    return rc;
}

/* ---- resource properties -------------------------------------------------- */

typedef struct prop_ctx {
    const char *key;           /* canonical key of the resource or collection */
} prop_ctx;

static void put_resource_property(mc_config *cfg, const char *file, int line, const char *name,
                                  const char *value, void *ud)
{
    (void)file, (void)line;
    const prop_ctx *pc = ud;
    char *k = mc_arena_printf(&cfg->arena, "%s@%s", pc->key, name);
    char *v = mc_arena_strdup(&cfg->arena, value);
    if (k && v)
        mc_table_put(&cfg->resource_props, k, v);
}

/* MI keeps a resource's properties in RESOURCE.properties beside it, and a
 * collection's in COLLECTION/COLLECTION.properties: load them as such
 * (not as resources).  True when the file was such a properties file. */
static bool load_properties_file(mc_config *cfg, const char *dir, const char *name,
                                 const char *full, const char *key_prefix)
{
    static const char suffix[] = ".properties";
    size_t n = strlen(name), sl = sizeof suffix - 1;
    if (n <= sl || strcmp(name + n - sl, suffix) != 0)
        return false;
    char *target = strndup(name, n - sl);
    char *sibling = NULL;
    const char *dbase = strrchr(dir, '/');
    dbase = dbase ? dbase + 1 : dir;
    struct stat st;
    bool of_file = target && asprintf(&sibling, "%s/%s", dir, target) >= 0 &&
                   stat(sibling, &st) == 0 && S_ISREG(st.st_mode);
    bool of_collection = target && strcmp(target, dbase) == 0;
    mc_buf key = MC_BUF_INIT;
    if (of_file)
        mc_buf_printf(&key, "%s%s%s", key_prefix,
                      key_prefix[strlen(key_prefix) - 1] == '/' ? "" : "/", target);
    else if (of_collection)
        mc_buf_puts(&key, key_prefix);
    bool done = false;
    if ((of_file || of_collection) && !key.oom) {
        prop_ctx pc = {mc_registry_key(&cfg->arena, mc_buf_cstr(&key))};
        mc_buf b = MC_BUF_INIT;
        if (pc.key && mc_read_config_file(cfg, full, &b) == MC_OK)
            mc_parse_properties(cfg, full, mc_buf_cstr(&b), b.len, put_resource_property, &pc);
        mc_buf_free(&b);
        done = true;
    }
    mc_buf_free(&key);
    free(sibling);
    free(target);
    return done;
}

const char *mc_config_resource_property(const mc_config *cfg, const char *key, const char *name)
{
    mc_buf b = MC_BUF_INIT;
    const char *v = NULL;
    if (canonical_key(key, &b)) {
        mc_buf_printf(&b, "@%s", name);
        v = b.oom ? NULL : mc_table_get(&cfg->resource_props, b.data);
    }
    mc_buf_free(&b);
    return v;
}

/* get-property('registry', KEY) in XPath: KEY/@NAME is the resource's
 * property NAME, else the resource's text (MI reads the registry only,
 * not local entries). */
const char *mc_config_registry_lookup(const mc_config *cfg, const char *key, size_t *len)
{
    *len = 0;
    if (!cfg || !key)
        return NULL;
    const char *at = strstr(key, "/@");
    const char *v = NULL;
    if (at && at[2]) {
        char *res = strndup(key, (size_t)(at - key));
        v = res ? mc_config_resource_property(cfg, res, at + 2) : NULL;
        free(res);
        *len = v ? strlen(v) : 0;
        return v;
    }
    const mc_local_entry *e = mc_config_entry(cfg, key);
    if (!e || !e->resource || !e->text)
        return NULL;
    *len = e->len;
    return e->text;
}

static mc_code walk(mc_config *cfg, const char *dir, const char *key_prefix, int depth)
{
    if (depth > MAX_REGISTRY_DEPTH)
        return MC_OK;
    char **names = NULL;
    size_t n = 0;
    mc_code rc = mc_list_dir(cfg, dir, &names, &n);
    for (size_t i = 0; i < n; i++) {
        char *full = NULL, *key = NULL;
        struct stat st;
        if (!is_hidden_or_meta(names[i]) &&
            asprintf(&full, "%s/%s", dir, names[i]) >= 0 &&
            asprintf(&key, "%s%s%s", key_prefix,
                     key_prefix[strlen(key_prefix) - 1] == '/' ? "" : "/", names[i]) >= 0 &&
            stat(full, &st) == 0) {
            mc_code r = MC_OK;
            if (S_ISDIR(st.st_mode))
                r = walk(cfg, full, key, depth + 1);
            else if (S_ISREG(st.st_mode) &&
                     !load_properties_file(cfg, dir, names[i], full, key_prefix))
                r = mc_config_load_resource_file(cfg, key, full);
            if (r != MC_OK && rc == MC_OK)
                rc = r;
        }
        free(full);
        free(key);
        free(names[i]);
    }
    free(names);
    return rc;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

mc_code mc_registry_walk(mc_config *cfg, const char *dir, const char *key_prefix)
{
    return walk(cfg, dir, key_prefix, 0);
}

mc_code mc_config_load_registry(mc_config *cfg, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        mc_diag_at(cfg, dir, 0, 0, MC_DIAG_ERROR, "registry folder: %s", strerror(errno));
        return MC_EIO;
    }
    if (!S_ISDIR(st.st_mode)) {
        mc_diag_at(cfg, dir, 0, 0, MC_DIAG_ERROR, "registry folder: not a folder");
        return MC_EIO;
    }
    /* an MI server's registry (config/, governance/, local/: the roots MI's
     * registry reads), else an MI project's (conf/, gov/); any other
     * folder is the root plain keys resolve against (like Synapse's
     * SimpleURLRegistry), i.e. the governance one */
    static const struct { const char *sub, *prefix; } server[] = {
        {"config", "conf:/"}, {"governance", "gov:/"}, {"local", "local:/"},
    }, project[] = {
        {"conf", "conf:/"}, {"gov", "gov:/"},
    };
    bool is_server = false;
    for (size_t i = 0; i < sizeof server / sizeof *server; i++) {
        char *sub = NULL;
        if (asprintf(&sub, "%s/%s", dir, server[i].sub) < 0)
            return MC_ENOMEM;
        is_server = is_server || is_dir(sub);
        free(sub);
    }
    size_t nroots = is_server ? sizeof server / sizeof *server : sizeof project / sizeof *project;
    bool mapped = false;
    mc_code rc = MC_OK;
    for (size_t i = 0; i < nroots; i++) {
        const char *name = is_server ? server[i].sub : project[i].sub;
        const char *prefix = is_server ? server[i].prefix : project[i].prefix;
        char *sub = NULL;
        if (asprintf(&sub, "%s/%s", dir, name) < 0)
            return MC_ENOMEM;
        if (is_dir(sub)) {
            mapped = true;
            mc_code r = walk(cfg, sub, prefix, 0);
            if (r != MC_OK && rc == MC_OK)
                rc = r;
        }
        free(sub);
    }
    if (!mapped)
        rc = walk(cfg, dir, "gov:/", 0);
    cfg->nregistries++;
    return rc;
}

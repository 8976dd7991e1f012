/* layout.c - what a path given to validate, run or serve holds, and loading
 * it the way WSO2 deploys it:
 *  - an MI (VS Code) project root: src/main/wso2mi/artifacts/, the registry
 *    resources (resources/registry/conf|gov, other resources/ folders as
 *    gov:/mi-resources/), resources/conf/config.properties and .env for
 *    ${configs.x}; pom.xml, src/test and unit tests are not deployed;
 *  - an Integration Studio project (src/main/synapse-config/), or a
 *    workspace of them (a pom.xml beside config and registry projects; a
 *    registry project's artifact.xml maps its files to registry paths);
 *  - an MI server folder: repository/deployment/server/synapse-configs/
 *    default/, registry/, conf/file.properties and the .car files in
 *    repository/deployment/server/carbonapps/;
 *  - a .car archive (car.c); any other folder or file as it is.
 * Each input is recorded with how many artifacts it gave (mc_source); an
 * input that gives none is a warning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config.h"
#include "config/internal.h"

static bool exists(const char *dir, const char *sub, int want_dir)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, sub) < 0)
        return false;
    struct stat st;
    bool ok = stat(p, &st) == 0 && (want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
    free(p);
    return ok;
}

static char *join(const char *a, const char *b)
{
    char *p = NULL;
    return asprintf(&p, "%s/%s", a, b) < 0 ? NULL : p;
}

static mc_code first_error(mc_code a, mc_code b) { return a != MC_OK ? a : b; }

/* ---- registry items (Integration Studio registry projects, .car) --------- */

static const char *child_text(xmlNodePtr parent, const char *name, char *buf, size_t cap)
{
    for (xmlNodePtr c = parent->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, name) != 0)
            continue;
        xmlChar *t = xmlNodeGetContent(c);
        snprintf(buf, cap, "%s", t ? (const char *)t : "");
        xmlFree(t);
        char *s = buf;
        while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
            s++;
        size_t n = strlen(s);
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' || s[n - 1] == '\r'))
            s[--n] = '\0';
        return s;
    }
    return NULL;
}

mc_code mc_registry_items(mc_config *cfg, xmlNodePtr root, const char *where,
                          mc_item_fn fn, void *ud)
{
    mc_code rc = MC_OK;
    for (xmlNodePtr c = root ? root->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "artifact") == 0 || strcmp(cn, "resources") == 0) {
            rc = first_error(rc, mc_registry_items(cfg, c, where, fn, ud));
            continue;
        }
        if (strcmp(cn, "item") != 0 && strcmp(cn, "collection") != 0)
            continue;
        char fbuf[1024], pbuf[1024];
        bool item = strcmp(cn, "item") == 0;
        const char *file = child_text(c, item ? "file" : "directory", fbuf, sizeof fbuf);
        const char *path = child_text(c, "path", pbuf, sizeof pbuf);
        if (!file || !*file || !path || !*path) {
            mc_diag_at(cfg, where, (int)xmlGetLineNo(c), 1, MC_DIAG_ERROR,
                       "registry <%s> needs <%s> and <path>", cn, item ? "file" : "directory");
            rc = first_error(rc, MC_ECONFIG);
            continue;
        }
        char *key = NULL;
        if (asprintf(&key, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/",
                     item ? file : "") < 0)
            return MC_ENOMEM;
        if (!item && key[strlen(key) - 1] == '/')
            key[strlen(key) - 1] = '\0';
        rc = first_error(rc, fn(cfg, key, file, !item, ud));
        free(key);
    }
    return rc;
}

/* A registry project folder: its files, placed by artifact.xml. */
static mc_code folder_item(mc_config *cfg, const char *key, const char *file, bool collection,
                           void *ud)
{
    const char *dir = ud;
    char *full = join(dir, file);
    if (!full)
        return MC_ENOMEM;
    mc_code rc;
    if (strstr(file, "..")) {
        mc_diag_at(cfg, dir, 0, 0, MC_DIAG_ERROR, "registry item '%s' leaves its project", file);
        rc = MC_ECONFIG;
    } else if (collection) {
        rc = mc_registry_walk(cfg, full, key);
    } else {
        rc = mc_config_load_resource_file(cfg, key, full);
    }
    free(full);
    return rc;
}

/* artifact.xml of an Integration Studio registry project, or false when
 * the folder is not one. */
static bool is_registry_project(mc_config *cfg, const char *dir, xmlDocPtr *doc_out)
{
    *doc_out = NULL;
    if (!exists(dir, "artifact.xml", 0))
        return false;
    char *path = join(dir, "artifact.xml");
    mc_buf b = MC_BUF_INIT;
    bool yes = false;
    if (path && mc_read_config_file(cfg, path, &b) == MC_OK &&
        strstr(mc_buf_cstr(&b), "registry/resource")) {
        *doc_out = mc_parse_descriptor(cfg, mc_buf_cstr(&b), b.len, path);
        yes = *doc_out != NULL;
    }
    mc_buf_free(&b);
    free(path);
    return yes;
}

static mc_code load_registry_project(mc_config *cfg, const char *dir, xmlDocPtr doc)
{
    char *where = join(dir, "artifact.xml");
    mc_code rc = mc_registry_items(cfg, xmlDocGetRootElement(doc), where, folder_item,
                                   (void *)dir);
    cfg->nregistries++;
    free(where);
    xmlFreeDoc(doc);
    return rc;
}

/* ---- layouts ------------------------------------------------------------- */

typedef enum {
    LAYOUT_FILE, LAYOUT_CAR, LAYOUT_FOLDER, LAYOUT_MI_PROJECT, LAYOUT_STUDIO_PROJECT,
    LAYOUT_STUDIO_REGISTRY, LAYOUT_STUDIO_WORKSPACE, LAYOUT_MI_SERVER,
} layout;

static const char *const layout_names[] = {
    "file", "Carbon application", "folder", "MI project", "Integration Studio project",
    "Integration Studio registry project", "Integration Studio workspace", "MI server",
};

static bool is_car_file(const char *path)
{
    size_t n = strlen(path);
    if (n > 4 && strcmp(path + n - 4, ".car") == 0)
        return true;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    unsigned char magic[4] = {0};
    size_t got = fread(magic, 1, 4, f);
    fclose(f);
    return got == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

#define MI_ARTIFACTS "src/main/wso2mi/artifacts"
#define MI_RESOURCES "src/main/wso2mi/resources"
#define STUDIO_CONFIG "src/main/synapse-config"
#define SERVER_CONFIG "repository/deployment/server/synapse-configs/default"
#define SERVER_CARS "repository/deployment/server/carbonapps"

static bool is_project(mc_config *cfg, const char *dir)
{
    xmlDocPtr doc;
    if (exists(dir, MI_ARTIFACTS, 1) || exists(dir, STUDIO_CONFIG, 1))
        return true;
    bool reg = is_registry_project(cfg, dir, &doc);
    xmlFreeDoc(doc);
    return reg;
}

static layout detect(mc_config *cfg, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return is_car_file(path) ? LAYOUT_CAR : LAYOUT_FILE;
    if (exists(path, MI_ARTIFACTS, 1))
        return LAYOUT_MI_PROJECT;
    if (exists(path, STUDIO_CONFIG, 1))
        return LAYOUT_STUDIO_PROJECT;
    if (exists(path, SERVER_CONFIG, 1))
        return LAYOUT_MI_SERVER;
    xmlDocPtr doc;
    if (is_registry_project(cfg, path, &doc)) {
        xmlFreeDoc(doc);
        return LAYOUT_STUDIO_REGISTRY;
    }
    if (exists(path, "pom.xml", 0)) {
        char **names;
        size_t n;
        bool any = false;
        if (mc_list_dir(cfg, path, &names, &n) == MC_OK) {
            for (size_t i = 0; i < n; i++) {
                char *sub = names[i][0] != '.' ? join(path, names[i]) : NULL;
                if (sub && !any && exists(path, names[i], 1))
                    any = is_project(cfg, sub);
                free(sub);
                free(names[i]);
            }
            free(names);
        }
        if (any)
            return LAYOUT_STUDIO_WORKSPACE;
    }
    return LAYOUT_FOLDER;
}

/* Other folders of an MI project's resources/ are gov:/mi-resources/. */
static mc_code load_mi_resources(mc_config *cfg, const char *res)
{
    static const char *const skip[] = {"registry", "conf", "metadata", "api-definitions",
                                       "connectors", "artifact.xml"};
    char **names;
    size_t n;
    mc_code rc = mc_list_dir(cfg, res, &names, &n);
    for (size_t i = 0; i < n; i++) {
        bool skipped = names[i][0] == '.';
        for (size_t k = 0; k < sizeof skip / sizeof *skip; k++)
            skipped = skipped || strcmp(names[i], skip[k]) == 0;
        char *full = skipped ? NULL : join(res, names[i]);
        struct stat st;
        if (full && stat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
            char *key = NULL;
            if (asprintf(&key, "gov:/mi-resources/%s", names[i]) >= 0)
                rc = first_error(rc, mc_registry_walk(cfg, full, key));
            free(key);
        }
        free(full);
        free(names[i]);
    }
    free(names);
    return rc;
}

static mc_code load_if(mc_config *cfg, const char *dir, const char *sub, int kind)
{
    if (!exists(dir, sub, kind != 2))
        return MC_OK;
    char *p = join(dir, sub);
    if (!p)
        return MC_ENOMEM;
    mc_code rc = MC_OK;
    switch (kind) {
    case 0: rc = mc_config_load_plain(cfg, p); break;
    case 1: rc = mc_config_load_registry(cfg, p); break;
    case 2: rc = mc_config_load_values(cfg, p); break;
    }
    free(p);
    return rc;
}

static mc_code load_mi_project(mc_config *cfg, const char *dir)
{
    /* values first: artifacts resolve ${configs.x} and $FILE:x at load */
    mc_code rc = load_if(cfg, dir, ".env", 2);
    if (exists(dir, MI_RESOURCES "/conf/config.properties", 0)) {
        char *p = join(dir, MI_RESOURCES "/conf/config.properties");
        rc = first_error(rc, p ? mc_config_declare_values(cfg, p) : MC_ENOMEM);
        free(p);
    }
    if (exists(dir, MI_RESOURCES "/registry", 1))
        rc = first_error(rc, load_if(cfg, dir, MI_RESOURCES "/registry", 1));
    if (exists(dir, MI_RESOURCES, 1)) {
        char *p = join(dir, MI_RESOURCES);
        rc = first_error(rc, p ? load_mi_resources(cfg, p) : MC_ENOMEM);
        free(p);
    }
    return first_error(rc, load_if(cfg, dir, MI_ARTIFACTS, 0));
}

static mc_code load_mi_server(mc_config *cfg, const char *dir)
{
    mc_code rc = load_if(cfg, dir, "conf/file.properties", 2);
    rc = first_error(rc, load_if(cfg, dir, "registry", 1));
    rc = first_error(rc, load_if(cfg, dir, SERVER_CONFIG, 0));
    if (!exists(dir, SERVER_CARS, 1))
        return rc;
    char *cars = join(dir, SERVER_CARS);
    char **names;
    size_t n;
    if (cars && mc_list_dir(cfg, cars, &names, &n) == MC_OK) {
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(names[i]);
            char *p = l > 4 && strcmp(names[i] + l - 4, ".car") == 0 ? join(cars, names[i]) : NULL;
            if (p)
                rc = first_error(rc, mc_config_load_car(cfg, p));
            free(p);
            free(names[i]);
        }
        free(names);
    }
    free(cars);
    return rc;
}

static mc_code load_layout(mc_config *cfg, const char *path, layout kind);

static mc_code load_workspace(mc_config *cfg, const char *dir)
{
    char **names;
    size_t n;
    mc_code rc = mc_list_dir(cfg, dir, &names, &n);
    for (size_t i = 0; i < n; i++) {
        char *sub = names[i][0] != '.' && exists(dir, names[i], 1) ? join(dir, names[i]) : NULL;
        if (sub && is_project(cfg, sub))
            rc = first_error(rc, load_layout(cfg, sub, detect(cfg, sub)));
        free(sub);
        free(names[i]);
    }
    free(names);
    return rc;
}

static mc_code load_layout(mc_config *cfg, const char *path, layout kind)
{
    xmlDocPtr doc;
    switch (kind) {
    case LAYOUT_CAR: return mc_config_load_car(cfg, path);
    case LAYOUT_MI_PROJECT: return load_mi_project(cfg, path);
    case LAYOUT_STUDIO_PROJECT: return load_if(cfg, path, STUDIO_CONFIG, 0);
    case LAYOUT_STUDIO_REGISTRY:
        return is_registry_project(cfg, path, &doc) ? load_registry_project(cfg, path, doc)
                                                    : MC_EIO;
    case LAYOUT_STUDIO_WORKSPACE: return load_workspace(cfg, path);
    case LAYOUT_MI_SERVER: return load_mi_server(cfg, path);
    default: return mc_config_load_plain(cfg, path);
    }
}

/* Each entry of a ':'-separated list through fn. */
static mc_code each_listed(mc_config *cfg, const char *list, mc_code (*fn)(mc_config *,
                                                                        const char *))
{
    mc_code rc = MC_OK;
    char *copy = list ? strdup(list) : NULL;
    for (char *save = NULL, *t = copy ? strtok_r(copy, ":", &save) : NULL; t;
         t = strtok_r(NULL, ":", &save))
        rc = first_error(rc, fn(cfg, t));
    free(copy);
    return rc;
}

static mc_code load_registry_noted(mc_config *cfg, const char *dir)
{
    unsigned before = cfg->nresources;
    mc_code rc = mc_config_load_registry(cfg, dir);
    mc_config_note_source(cfg, dir, "registry", 0, cfg->nresources - before);
    return rc;
}

/* The project options of `mediac run|validate|serve` (--config-values,
 * --secrets, --registry), passed as MEDIAC_CONFIG_VALUES, MEDIAC_SECRETS
 * and MEDIAC_REGISTRY (lists separated by ':'), applied once before the
 * first path loads: values and secrets first, as artifacts use them. */
static mc_code apply_options(mc_config *cfg)
{
    cfg->options_applied = true;
    mc_code rc = each_listed(cfg, getenv("MEDIAC_CONFIG_VALUES"), mc_config_load_values);
    rc = first_error(rc, each_listed(cfg, getenv("MEDIAC_SECRETS"), mc_config_load_secrets));
    return first_error(rc, each_listed(cfg, getenv("MEDIAC_REGISTRY"), load_registry_noted));
}

mc_code mc_config_load_path(mc_config *cfg, const char *path)
{
    mc_code opts = cfg->options_applied ? MC_OK : apply_options(cfg);
    struct stat st;
    if (stat(path, &st) != 0) {
        mc_diag_at(cfg, path, 0, 0, MC_DIAG_ERROR, "no such file or folder");
        return MC_EIO;
    }
    size_t n = strlen(path);
    char *p = strndup(path, n);
    if (!p)
        return MC_ENOMEM;
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    unsigned before = mc_config_count(cfg) - cfg->nresource_artifacts;
    unsigned res_before = cfg->nresources;
    unsigned errs = cfg->nerrors;
    layout kind = detect(cfg, p);
    mc_code rc = load_layout(cfg, p, kind);
    unsigned resources = cfg->nresources - res_before;
    unsigned artifacts = mc_config_count(cfg) - cfg->nresource_artifacts - before - resources;
    mc_config_note_source(cfg, p, layout_names[kind], artifacts, resources);
    if (!artifacts && !resources && cfg->nerrors == errs)
        mc_diag_at(cfg, p, 0, 0, MC_DIAG_WARNING,
                   "nothing to load: no Synapse artifacts found in this %s",
                   layout_names[kind]);
    free(p);
    return first_error(opts, rc);
}

/* car.c - Carbon application archives (.car): a zip whose artifacts.xml
 * names the artifacts that deploy (<dependency artifact version
 * include>); each is a folder NAME_VERSION/ with an artifact.xml giving
 * its type and file.  Synapse artifacts are compiled like files, registry
 * resources (registry-info.xml items) become registry entries, a
 * config/property artifact declares ${configs.x} names.  Java libraries,
 * data services and unknown types are warnings.  Read with libzip (Debian's
 * libzip4): only the zip format, sizes known before reading. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "config/config.h"
#include "config/internal.h"

#define MAX_CAR_ENTRIES 10000
#define MAX_CAR_ENTRY (64u * 1024 * 1024)
#define MAX_CAR_TOTAL (256u * 1024 * 1024)

typedef struct car {
    mc_config *cfg;
    zip_t *zip;
    const char *path;
    size_t total;              /* bytes read so far */
} car;

/* The bytes of entry name into b; false (reported when `required`) when
 * absent or too large. */
static bool read_entry(car *c, const char *name, mc_buf *b, bool required)
{
    zip_int64_t idx = zip_name_locate(c->zip, name, 0);
    if (idx < 0) {
        if (required)
            mc_diag_at(c->cfg, c->path, 0, 0, MC_DIAG_ERROR, "%s is missing from the archive",
                       name);
        return false;
    }
    zip_stat_t st;
    if (zip_stat_index(c->zip, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
        mc_diag_at(c->cfg, c->path, 0, 0, MC_DIAG_ERROR, "cannot read %s: %s", name,
                   zip_strerror(c->zip));
        return false;
    }
    if (st.size > MAX_CAR_ENTRY || c->total + st.size > MAX_CAR_TOTAL) {
        mc_diag_at(c->cfg, c->path, 0, 0, MC_DIAG_ERROR,
                   "%s is too large (%llu bytes; limits %u per file, %u per archive)", name,
                   (unsigned long long)st.size, MAX_CAR_ENTRY, MAX_CAR_TOTAL);
        return false;
    }
    zip_file_t *f = zip_fopen_index(c->zip, (zip_uint64_t)idx, 0);
    if (!f) {
        mc_diag_at(c->cfg, c->path, 0, 0, MC_DIAG_ERROR, "cannot read %s: %s", name,
                   zip_strerror(c->zip));
        return false;
    }
    char chunk[65536];
    zip_int64_t n;
    while ((n = zip_fread(f, chunk, sizeof chunk)) > 0 && b->len <= st.size)
        mc_buf_append(b, chunk, (size_t)n);
    bool ok = n == 0 && b->len == st.size && !b->oom;
    zip_fclose(f);
    if (!ok)
        mc_diag_at(c->cfg, c->path, 0, 0, MC_DIAG_ERROR, "cannot read %s: corrupt entry", name);
    c->total += b->len;
    return ok;
}

static char *entry_name(car *c, const char *name)
{
    char *p = NULL;
    return asprintf(&p, "%s!/%s", c->path, name) < 0 ? NULL : p;
}

static xmlDocPtr read_descriptor(car *c, const char *name)
{
    mc_buf b = MC_BUF_INIT;
    xmlDocPtr doc = NULL;
    if (read_entry(c, name, &b, true)) {
        char *where = entry_name(c, name);
        doc = mc_parse_descriptor(c->cfg, mc_buf_cstr(&b), b.len, where ? where : name);
        free(where);
    }
    mc_buf_free(&b);
    return doc;
}

static const char *attr(xmlNodePtr n, const char *name, char *buf, size_t cap)
{
    xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
    if (!v)
        return NULL;
    snprintf(buf, cap, "%s", (const char *)v);
    xmlFree(v);
    return buf;
}

static const char *file_of(xmlNodePtr artifact, char *buf, size_t cap)
{
    for (xmlNodePtr c = artifact->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "file") == 0) {
            xmlChar *t = xmlNodeGetContent(c);
            snprintf(buf, cap, "%s", t ? (const char *)t : "");
            xmlFree(t);
            char *s = buf;
            while (*s == ' ' || *s == '\n' || *s == '\t')
                s++;
            size_t n = strlen(s);
            while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t'))
                s[--n] = '\0';
            return *s ? s : NULL;
        }
    }
    return NULL;
}

typedef struct item_ctx {
    car *c;
    const char *folder;
} item_ctx;

static mc_code car_item(mc_config *cfg, const char *key, const char *file, bool collection,
                        void *ud)
{
    item_ctx *ic = ud;
    if (collection) {
        mc_diag_at(cfg, ic->c->path, 0, 0, MC_DIAG_WARNING,
                   "registry collection '%s' in %s is not supported; ignored", key, ic->folder);
        return MC_OK;
    }
    char *name = NULL;
    if (asprintf(&name, "%s/resources/%s", ic->folder, file) < 0)
        return MC_ENOMEM;
    mc_buf b = MC_BUF_INIT;
    mc_code rc = MC_ECONFIG;
    if (read_entry(ic->c, name, &b, true)) {
        char *where = entry_name(ic->c, name);
        rc = mc_config_load_resource(cfg, key, mc_buf_cstr(&b), b.len, where ? where : name);
        free(where);
    }
    mc_buf_free(&b);
    free(name);
    return rc;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* One dependency of the application: its folder's artifact.xml. */
static mc_code deploy(car *c, const char *name, const char *version)
{
    char folder[600], dname[700], buf[600], tbuf[128];
    snprintf(folder, sizeof folder, "%s_%s", name, version);
    snprintf(dname, sizeof dname, "%s/artifact.xml", folder);
    xmlDocPtr doc = read_descriptor(c, dname);
    if (!doc)
        return MC_ECONFIG;
    xmlNodePtr a = xmlDocGetRootElement(doc);
    const char *type = attr(a, "type", tbuf, sizeof tbuf);
    const char *file = file_of(a, buf, sizeof buf);
    mc_code rc = MC_OK;
    if (!type || !file) {
        mc_diag_at(c->cfg, c->path, 0, 0, MC_DIAG_ERROR,
                   "%s needs a type attribute and a <file>", dname);
        rc = MC_ECONFIG;
    } else if (starts(type, "synapse/") && strcmp(type, "synapse/lib") != 0) {
        char ename[1300];
        snprintf(ename, sizeof ename, "%s/%s", folder, file);
        mc_buf b = MC_BUF_INIT;
        if (read_entry(c, ename, &b, true)) {
            char *where = entry_name(c, ename);
            rc = mc_config_load_memory(c->cfg, mc_buf_cstr(&b), b.len, where ? where : ename);
            free(where);
        } else {
            rc = MC_ECONFIG;
        }
        mc_buf_free(&b);
    } else if (strcmp(type, "registry/resource") == 0) {
        char ename[1300];
        snprintf(ename, sizeof ename, "%s/%s", folder, file);
        xmlDocPtr info = read_descriptor(c, ename);
        c->cfg->nregistries++;
        if (info) {
            item_ctx ic = {c, folder};
            char *where = entry_name(c, ename);
            rc = mc_registry_items(c->cfg, xmlDocGetRootElement(info), where ? where : ename,
                                   car_item, &ic);
            free(where);
            xmlFreeDoc(info);
        } else {
            rc = MC_ECONFIG;
        }
    } else if (strcmp(type, "config/property") == 0) {
        char ename[1300];
        snprintf(ename, sizeof ename, "%s/%s", folder, file);
        mc_buf b = MC_BUF_INIT;
        if (read_entry(c, ename, &b, true)) {
            char *where = entry_name(c, ename);
            rc = mc_config_parse_declarations(c->cfg, where ? where : ename, mc_buf_cstr(&b),
                                              b.len);
            free(where);
        }
        mc_buf_free(&b);
    } else if (starts(type, "lib/") || strcmp(type, "bundle") == 0) {
        mc_diag_at(c->cfg, c->path, 0, 0, MC_DIAG_WARNING,
                   "%s is a Java library (%s): mediac cannot run Java code; register a "
                   "native mediator through mediac.h instead; ignored", name, type);
    } else if (strcmp(type, "synapse/lib") == 0) {
        mc_diag_at(c->cfg, c->path, 0, 0, MC_DIAG_WARNING,
                   "%s is a connector library: mediac uses its own connector descriptors "
                   "(mediac describe); ignored", name);
    } else if (starts(type, "service/") || starts(type, "datasource/")) {
        mc_diag_at(c->cfg, c->path, 0, 0, MC_DIAG_WARNING,
                   "%s is a data service or data source (%s): mediac does not run JDBC; ignored",
                   name, type);
    } else {
        mc_diag_at(c->cfg, c->path, 0, 0, MC_DIAG_WARNING,
                   "%s has artifact type '%s', which mediac does not deploy; ignored", name, type);
    }
    xmlFreeDoc(doc);
    return rc;
}

static mc_code deploy_application(car *c, xmlNodePtr app)
{
    mc_code rc = MC_OK;
    char nbuf[256], vbuf[64], ibuf[16];
    for (xmlNodePtr d = app->children; d; d = d->next) {
        if (d->type != XML_ELEMENT_NODE || strcmp((const char *)d->name, "dependency") != 0)
            continue;
        const char *name = attr(d, "artifact", nbuf, sizeof nbuf);
        const char *version = attr(d, "version", vbuf, sizeof vbuf);
        const char *include = attr(d, "include", ibuf, sizeof ibuf);
        if (include && strcmp(include, "false") == 0)
            continue;
        if (!name || !version || strchr(name, '/') || strstr(name, "..")) {
            mc_diag_at(c->cfg, c->path, (int)xmlGetLineNo(d), 0, MC_DIAG_ERROR,
                       "artifacts.xml: a <dependency> needs artifact and version attributes");
            rc = MC_ECONFIG;
            continue;
        }
        mc_code r = deploy(c, name, version);
        if (rc == MC_OK)
            rc = r;
    }
    return rc;
}

mc_code mc_config_load_car(mc_config *cfg, const char *path)
{
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!z) {
        zip_error_t e;
        zip_error_init_with_code(&e, zerr);
        mc_diag_at(cfg, path, 0, 0, MC_DIAG_ERROR, "not a Carbon application (.car): %s",
                   zerr == ZIP_ER_NOZIP ? "not a zip archive" : zip_error_strerror(&e));
        zip_error_fini(&e);
        return MC_ECONFIG;
    }
    car c = {cfg, z, path, 0};
    mc_code rc = MC_OK;
    if (zip_get_num_entries(z, 0) > MAX_CAR_ENTRIES) {
        mc_diag_at(cfg, path, 0, 0, MC_DIAG_ERROR, "more than %d entries in the archive",
                   MAX_CAR_ENTRIES);
        rc = MC_ECONFIG;
    } else if (zip_name_locate(z, "artifacts.xml", 0) < 0) {
        mc_diag_at(cfg, path, 0, 0, MC_DIAG_ERROR,
                   "not a Carbon application (.car): no artifacts.xml at the top of the archive");
        rc = MC_ECONFIG;
    } else {
        xmlDocPtr doc = read_descriptor(&c, "artifacts.xml");
        xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
        bool any = false;
        for (xmlNodePtr a = root ? root->children : NULL; a; a = a->next) {
            char tbuf[64];
            const char *type = a->type == XML_ELEMENT_NODE ? attr(a, "type", tbuf, sizeof tbuf)
                                                            : NULL;
            if (type && strcmp(type, "carbon/application") == 0) {
                any = true;
                mc_code r = deploy_application(&c, a);
                if (rc == MC_OK)
                    rc = r;
            }
        }
        if (doc && !any) {
            mc_diag_at(cfg, path, 0, 0, MC_DIAG_ERROR,
                       "artifacts.xml has no <artifact type=\"carbon/application\">");
            rc = MC_ECONFIG;
        } else if (!doc) {
            rc = MC_ECONFIG;
        }
        xmlFreeDoc(doc);
    }
    zip_discard(z);
    return rc;
}

/* credentials.c - the AWS credential chain (connection, environment,
 * shared credentials file, config file) and region lookup.  Profile files
 * are read with a small INI reader that follows Python configparser, as
 * botocore does: '=' or ':' separates a key from its value, keys are
 * case-insensitive, '#' and ';' start comment lines, indented lines
 * continue the previous value (nested settings, ignored here). */
#include "aws/credentials.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define NO_CREDS_HINT                                                        \
    "set accessKeyId/secretAccessKey in the connection, "                    \
    "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a profile in "              \
    "~/.aws/credentials"

enum { K_ACCESS, K_SECRET, K_TOKEN, K_LEGACY_TOKEN, K_REGION, K_COUNT };
static const char *const profile_keys[K_COUNT] = {
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token",
    "aws_security_token", "region",
};

/* Values found for one profile section of one file. */
typedef struct profile_values {
    bool file_found;
    bool section_found;
    char *v[K_COUNT];
} profile_values;

static bool given(const char *s) { return s && *s; }

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return given(v) ? v : NULL;
}

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static void profile_values_free(profile_values *pv)
{
    for (int i = 0; i < K_COUNT; i++)
        wipe_free(pv->v[i]);
    memset(pv, 0, sizeof *pv);
}

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Does section header text (inside the brackets) name the profile?  In
 * the config file a profile is "[profile NAME]", the default "[default]"
 * (botocore also takes "[profile default]"). */
static bool section_matches(const char *sec, const char *profile,
                            bool config_file)
{
    if (!config_file)
        return strcmp(sec, profile) == 0;
    if (strcmp(profile, "default") == 0 && strcmp(sec, "default") == 0)
        return true;
    if (strncmp(sec, "profile", 7) != 0 || !isspace((unsigned char)sec[7]))
        return false;
    const char *name = sec + 7;
    while (isspace((unsigned char)*name))
        name++;
    return strcmp(name, profile) == 0;
}

static void take_key(profile_values *pv, char *line)
{
    char *sep = strpbrk(line, "=:");
    if (!sep)
        return;
    *sep = '\0';
    char *key = trim(line);
    for (char *k = key; *k; k++)
        *k = (char)tolower((unsigned char)*k);
    char *value = trim(sep + 1);
    for (int i = 0; i < K_COUNT; i++) {
        if (strcmp(key, profile_keys[i]) == 0) {
            char *copy = strdup(value);
            if (copy) {
                wipe_free(pv->v[i]);
                pv->v[i] = copy;
            }
        }
    }
}

/* Read the profile's keys from an INI file; a missing file is not an
 * error (pv->file_found stays false). */
static void read_profile(const char *path, const char *profile,
                         bool config_file, profile_values *pv)
{
    memset(pv, 0, sizeof *pv);
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return;
    pv->file_found = true;
    char *line = NULL;
    size_t cap = 0;
    bool in_section = false;
    while (getline(&line, &cap, f) >= 0) {
        if (line[0] == ' ' || line[0] == '\t')
            continue;               /* continuation of a (nested) value */
        char *t = trim(line);
        if (*t == '\0' || *t == '#' || *t == ';')
            continue;
        if (*t == '[') {
            char *end = strchr(t, ']');
            if (end) {
                *end = '\0';
                in_section = section_matches(trim(t + 1), profile,
                                             config_file);
                pv->section_found |= in_section;
            }
            continue;
        }
        if (in_section)
            take_key(pv, t);
    }
    if (line) {
        OPENSSL_cleanse(line, cap);
        free(line);
    }
    fclose(f);
}

/* Expand a leading "~/" with $HOME into out. */
static const char *file_path(const char *var, const char *dflt, char *out,
                             size_t outsz)
{
    const char *p = env(var);
    if (!p)
        p = dflt;
    if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
        const char *home = env("HOME");
        if (!home)
            return NULL;
        snprintf(out, outsz, "%s%s", home, p + 1);
    } else {
        snprintf(out, outsz, "%s", p);
    }
    return out;
}

static const char *profile_name(const mc_aws_settings *x)
{
    if (x && given(x->profile))
        return x->profile;
    const char *p = env("AWS_PROFILE");
    if (!p)
        p = env("AWS_DEFAULT_PROFILE");
    return p ? p : "default";
}

static mc_code set_creds(mc_aws_credentials *out, const char *ak,
                         const char *sk, const char *token, mc_err *err)
{
    out->access_key_id = strdup(ak);
    out->secret_access_key = strdup(sk);
    out->session_token = given(token) ? strdup(token) : NULL;
    if (!out->access_key_id || !out->secret_access_key ||
        (given(token) && !out->session_token)) {
        mc_aws_credentials_clear(out);
        return mc_err_set(err, MC_ENOMEM, "out of memory");
    }
    return MC_OK;
}

static mc_code from_pair(const char *what, const char *ak_name,
                         const char *sk_name, const char *ak, const char *sk,
                         const char *token, mc_aws_credentials *out,
                         mc_err *err)
{
    if (!given(ak))
        return mc_err_set(err, MC_ECONFIG,
                          "AWS credentials in %s: %s is set but %s is not",
                          what, sk_name, ak_name);
    if (!given(sk))
        return mc_err_set(err, MC_ECONFIG,
                          "AWS credentials in %s: %s is set but %s is not",
                          what, ak_name, sk_name);
    snprintf(out->source, sizeof out->source, "%s", what);
    return set_creds(out, ak, sk, token, err);
}

/* Steps 3 and 4: one profile file.  Returns MC_ENOTFOUND when the file or
 * section holds no keys. */
static mc_code from_file(const char *path, const char *profile,
                         bool config_file, mc_aws_credentials *out,
                         mc_err *err)
{
    profile_values pv;
    read_profile(path, profile, config_file, &pv);
    mc_code rc = MC_ENOTFOUND;
    if (pv.v[K_ACCESS] || pv.v[K_SECRET]) {
        char what[192];
        snprintf(what, sizeof what, "profile %s in %s", profile, path);
        const char *token =
            pv.v[K_TOKEN] ? pv.v[K_TOKEN] : pv.v[K_LEGACY_TOKEN];
        rc = from_pair(what, "aws_access_key_id", "aws_secret_access_key",
                       pv.v[K_ACCESS], pv.v[K_SECRET], token, out, err);
    }
    profile_values_free(&pv);
    return rc;
}

mc_code mc_aws_credentials_resolve(const mc_aws_settings *x,
                                   mc_aws_credentials *out, mc_err *err)
{
    memset(out, 0, sizeof *out);
    if (x && (given(x->access_key_id) || given(x->secret_access_key)))
        return from_pair("the connection", "accessKeyId", "secretAccessKey",
                         x->access_key_id, x->secret_access_key,
                         x->session_token, out, err);

    const char *ak = env("AWS_ACCESS_KEY_ID");
    const char *sk = env("AWS_SECRET_ACCESS_KEY");
    if (ak || sk) {
        const char *token = env("AWS_SESSION_TOKEN");
        if (!token)
            token = env("AWS_SECURITY_TOKEN");
        return from_pair("environment", "AWS_ACCESS_KEY_ID",
                         "AWS_SECRET_ACCESS_KEY", ak, sk, token, out, err);
    }

    const char *profile = profile_name(x);
    char cpath[1024], fpath[1024];
    const char *cred_file = file_path("AWS_SHARED_CREDENTIALS_FILE",
                                      "~/.aws/credentials", cpath,
                                      sizeof cpath);
    mc_code rc = from_file(cred_file, profile, false, out, err);
    if (rc != MC_ENOTFOUND)
        return rc;
    const char *cfg_file =
        file_path("AWS_CONFIG_FILE", "~/.aws/config", fpath, sizeof fpath);
    rc = from_file(cfg_file, profile, true, out, err);
    if (rc != MC_ENOTFOUND)
        return rc;
    if (strcmp(profile, "default") != 0)
        return mc_err_set(err, MC_ECONFIG,
                          "no AWS credentials: profile %s has no keys in "
                          "%s or %s; " NO_CREDS_HINT,
                          profile, cred_file ? cred_file : "~/.aws/credentials",
                          cfg_file ? cfg_file : "~/.aws/config");
    return mc_err_set(err, MC_ECONFIG, "no AWS credentials: " NO_CREDS_HINT);
}

void mc_aws_credentials_clear(mc_aws_credentials *c)
{
    if (!c)
        return;
    wipe_free(c->access_key_id);
    wipe_free(c->secret_access_key);
    wipe_free(c->session_token);
    memset(c, 0, sizeof *c);
}

static mc_code put_region(const char *v, const char *src, char *out,
                          size_t outsz, char *source, size_t sourcesz,
                          mc_err *err)
{
    if (strlen(v) >= outsz)
        return mc_err_set(err, MC_ECONFIG, "AWS region from %s is too long",
                          src);
    for (const char *c = v; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '-'))
            return mc_err_set(err, MC_ECONFIG,
                              "AWS region \"%s\" from %s is not a region name",
                              v, src);
    strcpy(out, v);
    if (source && sourcesz)
        snprintf(source, sourcesz, "%s", src);
    return MC_OK;
}

mc_code mc_aws_region_resolve(const mc_aws_settings *x, char *out,
                              size_t outsz, char *source, size_t sourcesz,
                              mc_err *err)
{
    if (x && given(x->region))
        return put_region(x->region, "the connection", out, outsz, source,
                          sourcesz, err);
    static const char *const vars[] = {"AWS_REGION", "AWS_DEFAULT_REGION"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = env(vars[i]);
        if (v)
            return put_region(v, vars[i], out, outsz, source, sourcesz, err);
    }
    const char *profile = profile_name(x);
    char fpath[1024];
    const char *cfg_file =
        file_path("AWS_CONFIG_FILE", "~/.aws/config", fpath, sizeof fpath);
    profile_values pv;
    read_profile(cfg_file, profile, true, &pv);
    mc_code rc;
    if (given(pv.v[K_REGION])) {
        char src[192];
        snprintf(src, sizeof src, "profile %s in %s", profile, cfg_file);
        rc = put_region(pv.v[K_REGION], src, out, outsz, source, sourcesz,
                        err);
    } else {
        rc = mc_err_set(err, MC_ECONFIG,
                        "no AWS region: set region in the connection, "
                        "AWS_REGION or AWS_DEFAULT_REGION, or region in "
                        "profile %s of ~/.aws/config",
                        profile);
    }
    profile_values_free(&pv);
    return rc;
}

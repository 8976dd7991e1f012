/* credentials.c - the AWS credential chain (connection, environment,
 * assume-role and web identity, shared files, credential_process,
 * container, instance metadata; see credentials.h) and region lookup.
 * Profile files are read with a small INI reader that follows Python
 * configparser, as botocore does: '=' or ':' separates a key from its
 * value, keys are case-insensitive, '#' and ';' start comment lines,
 * indented lines continue the previous value (nested settings, ignored
 * here). */
#include "aws/credentials.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aws/providers.h"

#define MAX_ROLE_DEPTH 4
#define MAX_PROFILE_KEYS 64

/* The keys of one profile section of one file. */
typedef struct profile {
    bool file_found;
    bool section_found;
    char *keys[MAX_PROFILE_KEYS];
    char *values[MAX_PROFILE_KEYS];
    size_t n;
    char path[1024];
} profile;

static bool given(const char *s) { return s && *s; }

static const char *env(const mc_aws_settings *x, const char *name)
{
    return mc_aws_env_get(x ? x->env : NULL, name);
}

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static void profile_free(profile *pv)
{
    for (size_t i = 0; i < pv->n; i++) {
        free(pv->keys[i]);
        wipe_free(pv->values[i]);
    }
    memset(pv, 0, sizeof *pv);
}

static const char *pget(const profile *pv, const char *key)
{
    for (size_t i = pv->n; i-- > 0;)          /* the last one wins */
        if (strcmp(pv->keys[i], key) == 0)
            return given(pv->values[i]) ? pv->values[i] : NULL;
    return NULL;
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
static bool section_matches(const char *sec, const char *name, bool config_file)
{
    if (!config_file)
        return strcmp(sec, name) == 0;
    if (strcmp(name, "default") == 0 && strcmp(sec, "default") == 0)
        return true;
    if (strncmp(sec, "profile", 7) != 0 || !isspace((unsigned char)sec[7]))
        return false;
    const char *p = sec + 7;
    while (isspace((unsigned char)*p))
        p++;
    return strcmp(p, name) == 0;
}

static void take_key(profile *pv, char *line)
{
    char *sep = strpbrk(line, "=:");
    if (!sep || pv->n == MAX_PROFILE_KEYS)
        return;
    *sep = '\0';
    char *key = trim(line);
    for (char *k = key; *k; k++)
        *k = (char)tolower((unsigned char)*k);
    char *k = strdup(key), *v = strdup(trim(sep + 1));
    if (!k || !v) {
        free(k);
        wipe_free(v);
        return;
    }
    pv->keys[pv->n] = k;
    pv->values[pv->n++] = v;
}

/* Read the profile's keys from an INI file; a missing file is not an
 * error (pv->file_found stays false). */
static void read_profile(const char *path, const char *name, bool config_file, profile *pv)
{
    memset(pv, 0, sizeof *pv);
    snprintf(pv->path, sizeof pv->path, "%s", path ? path : "");
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
                in_section = section_matches(trim(t + 1), name, config_file);
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
static const char *file_path(const mc_aws_settings *x, const char *var, const char *dflt,
                             char *out, size_t outsz)
{
    const char *p = env(x, var);
    if (!p)
        p = dflt;
    if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
        const char *home = env(x, "HOME");
        if (!home)
            return NULL;
        snprintf(out, outsz, "%s%s", home, p + 1);
    } else {
        snprintf(out, outsz, "%s", p);
    }
    return out;
}

static void read_config(const mc_aws_settings *x, const char *name, profile *pv)
{
    char path[1024];
    read_profile(file_path(x, "AWS_CONFIG_FILE", "~/.aws/config", path, sizeof path), name,
                 true, pv);
}

static void read_credentials_file(const mc_aws_settings *x, const char *name, profile *pv)
{
    char path[1024];
    read_profile(file_path(x, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", path,
                           sizeof path), name, false, pv);
}

const char *mc_aws_profile_name(const mc_aws_settings *x)
{
    if (x && given(x->profile))
        return x->profile;
    const char *p = env(x, "AWS_PROFILE");
    if (!p)
        p = env(x, "AWS_DEFAULT_PROFILE");
    return p ? p : "default";
}

bool mc_aws_profile_setting(const mc_aws_settings *x, const char *key, char *out, size_t outsz)
{
    profile pv;
    read_config(x, mc_aws_profile_name(x), &pv);
    const char *v = pget(&pv, key);
    if (v)
        snprintf(out, outsz, "%s", v);
    profile_free(&pv);
    return v != NULL;
}

/* ---- credentials values --------------------------------------------------- */

static mc_code set_creds(mc_aws_credentials *out, const char *ak, const char *sk,
                         const char *token, mc_err *err)
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

mc_code mc_aws_credentials_copy(mc_aws_credentials *dst, const mc_aws_credentials *src)
{
    memset(dst, 0, sizeof *dst);
    mc_code rc = set_creds(dst, src->access_key_id, src->secret_access_key,
                           src->session_token, NULL);
    dst->expires = src->expires;
    memcpy(dst->source, src->source, sizeof dst->source);
    return rc;
}

mc_code mc_aws_credentials_copy_into(mc_aws_credentials *dst, const mc_aws_credentials *src,
                                     char *room, size_t cap)
{
    const char *part[3] = {src->access_key_id, src->secret_access_key,
                           given(src->session_token) ? src->session_token : NULL};
    size_t len[3], need = 0;
    for (int i = 0; i < 3; i++) {
        len[i] = part[i] ? strlen(part[i]) : 0;
        need += part[i] ? len[i] + 1 : 0;
    }
    if (!room || !part[0] || !part[1] || need > cap)
        return mc_aws_credentials_copy(dst, src);
    memset(dst, 0, sizeof *dst);
    char **field[3] = {&dst->access_key_id, &dst->secret_access_key, &dst->session_token};
    size_t at = 0;
    for (int i = 0; i < 3; i++) {
        if (!part[i])
            continue;
        memcpy(room + at, part[i], len[i] + 1);
        *field[i] = room + at;
        at += len[i] + 1;
    }
    dst->room = room;
    dst->room_used = at;
    dst->expires = src->expires;
    memcpy(dst->source, src->source, sizeof dst->source);
    return MC_OK;
}

void mc_aws_credentials_clear(mc_aws_credentials *c)
{
    if (!c)
        return;
    if (c->room) {
        OPENSSL_cleanse(c->room, c->room_used);
        memset(c, 0, sizeof *c);
        return;
    }
    if (c->borrowed) {
        memset(c, 0, sizeof *c);
        return;
    }
    wipe_free(c->access_key_id);
    wipe_free(c->secret_access_key);
    wipe_free(c->session_token);
    memset(c, 0, sizeof *c);
}

/* Keys given as a pair (the connection, the environment, a profile):
 * copied, or borrowed (not copied) when borrow. */
static mc_code from_pair(const char *what, const char *ak_name, const char *sk_name,
                         const char *ak, const char *sk, const char *token, bool borrow,
                         mc_aws_credentials *out, mc_err *err)
{
    if (!given(ak))
        return mc_err_set(err, MC_ECONFIG, "AWS credentials in %s: %s is set but %s is not",
                          what, sk_name, ak_name);
    if (!given(sk))
        return mc_err_set(err, MC_ECONFIG, "AWS credentials in %s: %s is set but %s is not",
                          what, ak_name, sk_name);
    size_t n = strlen(what);
    n = n < sizeof out->source ? n : sizeof out->source - 1;
    memcpy(out->source, what, n);
    out->source[n] = '\0';
    if (!borrow)
        return set_creds(out, ak, sk, token, err);
    out->access_key_id = (char *)ak;
    out->secret_access_key = (char *)sk;
    out->session_token = given(token) ? (char *)token : NULL;
    out->borrowed = true;
    return MC_OK;
}

/* Keys of a profile section: MC_ENOTFOUND when it holds none. */
static mc_code from_profile_keys(const profile *pv, const char *name, mc_buf *tried,
                                 mc_aws_credentials *out, mc_err *err)
{
    const char *ak = pget(pv, "aws_access_key_id"), *sk = pget(pv, "aws_secret_access_key");
    if (ak || sk) {
        char what[192];
        snprintf(what, sizeof what, "profile %s in %.150s", name, pv->path);
        const char *token = pget(pv, "aws_session_token");
        if (!token)
            token = pget(pv, "aws_security_token");
        return from_pair(what, "aws_access_key_id", "aws_secret_access_key", ak, sk, token, false,
                         out, err);
    }
    mc_buf_printf(tried, "; %s (%s)", pv->path,
                  !pv->file_found ? "no such file"
                  : !pv->section_found ? "no such profile" : "no keys in the profile");
    return MC_ENOTFOUND;
}

/* ---- the chain ------------------------------------------------------------ */

typedef struct chain {
    const mc_aws_settings *x;
    mc_buf tried;                /* "; source (why not)" ... */
    int depth;                   /* assume-role nesting */
} chain;

static mc_code resolve_profile(chain *ch, const char *name, bool allow_env,
                               mc_aws_credentials *out, mc_err *err);

static mc_code from_environment(chain *ch, mc_aws_credentials *out, mc_err *err)
{
    const char *ak = env(ch->x, "AWS_ACCESS_KEY_ID");
    const char *sk = env(ch->x, "AWS_SECRET_ACCESS_KEY");
    if (!ak && !sk) {
        mc_buf_puts(&ch->tried, "; environment (AWS_ACCESS_KEY_ID not set)");
        return MC_ENOTFOUND;
    }
    const char *token = env(ch->x, "AWS_SESSION_TOKEN");
    if (!token)
        token = env(ch->x, "AWS_SECURITY_TOKEN");
    return from_pair("environment", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", ak, sk,
                     token, false, out, err);
}

static const char *region_for_sts(const chain *ch, const profile *cfg, char *buf, size_t n)
{
    if (mc_aws_region_resolve(ch->x, buf, n, NULL, 0, NULL) == MC_OK)
        return buf;
    const char *r = cfg ? pget(cfg, "region") : NULL;
    return r;
}

/* credential_source = Environment | EcsContainer | Ec2InstanceMetadata */
static mc_code from_credential_source(chain *ch, const char *source, mc_aws_credentials *out,
                                      mc_err *err)
{
    mc_buf ignored = MC_BUF_INIT;
    mc_code rc;
    if (strcmp(source, "Environment") == 0)
        rc = from_environment(ch, out, err);
    else if (strcmp(source, "EcsContainer") == 0)
        rc = mc_aws_container_credentials(ch->x, &ignored, out, err);
    else if (strcmp(source, "Ec2InstanceMetadata") == 0)
        rc = mc_aws_imds_credentials(ch->x, &ignored, out, err);
    else
        rc = mc_err_set(err, MC_ECONFIG, "credential_source = %s is not Environment, "
                        "EcsContainer or Ec2InstanceMetadata", source);
    if (rc == MC_ENOTFOUND)
        rc = mc_err_set(err, MC_ECONFIG, "credential_source = %s gave no credentials (%s)",
                        source, ignored.len > 2 ? mc_buf_cstr(&ignored) + 2 : "not set");
    mc_buf_free(&ignored);
    return rc;
}

/* Source 3: role_arn with source_profile or credential_source. */
static mc_code assume_role(chain *ch, const char *name, const profile *cfg,
                           mc_aws_credentials *out, mc_err *err)
{
    const char *role_arn = pget(cfg, "role_arn");
    const char *src_profile = pget(cfg, "source_profile");
    const char *src_cred = pget(cfg, "credential_source");
    if (!src_profile && !src_cred)
        return MC_ENOTFOUND;         /* maybe a web identity profile */
    if (src_profile && src_cred)
        return mc_err_set(err, MC_ECONFIG, "profile %s has both source_profile and "
                          "credential_source", name);
    if (ch->depth >= MAX_ROLE_DEPTH)
        return mc_err_set(err, MC_ECONFIG, "profile %s: roles chained more than %d deep "
                          "(a source_profile loop?)", name, MAX_ROLE_DEPTH);
    mc_aws_credentials source = {0};
    mc_code rc;
    ch->depth++;
    if (src_profile) {
        /* a profile that is its own source uses its static keys */
        if (strcmp(src_profile, name) == 0) {
            profile pv;
            read_credentials_file(ch->x, name, &pv);
            rc = from_profile_keys(&pv, name, &ch->tried, &source, err);
            profile_free(&pv);
            if (rc == MC_ENOTFOUND) {
                rc = from_profile_keys(cfg, name, &ch->tried, &source, err);
                if (rc == MC_ENOTFOUND)
                    rc = mc_err_set(err, MC_ECONFIG, "profile %s is its own source_profile "
                                    "but has no keys", name);
            }
        } else {
            rc = resolve_profile(ch, src_profile, false, &source, err);
            if (rc == MC_ENOTFOUND)
                rc = mc_err_set(err, MC_ECONFIG, "source_profile %s of profile %s has no "
                                "credentials", src_profile, name);
        }
    } else {
        rc = from_credential_source(ch, src_cred, &source, err);
    }
    ch->depth--;
    if (rc != MC_OK)
        return rc;
    char region[64];
    mc_aws_role role = {
        .role_arn = role_arn, .session_name = pget(cfg, "role_session_name"),
        .external_id = pget(cfg, "external_id"), .duration = pget(cfg, "duration_seconds"),
        .region = region_for_sts(ch, cfg, region, sizeof region),
    };
    rc = mc_aws_sts_assume_role(ch->x, &source, &role, out, err);
    mc_aws_credentials_clear(&source);
    if (rc == MC_OK)
        snprintf(out->source, sizeof out->source, "assume role %.80s (profile %.60s)",
                 role_arn, name);
    return rc;
}

/* Source 4: web identity from the environment or the profile. */
static mc_code web_identity(chain *ch, const char *name, const profile *cfg, bool allow_env,
                            mc_aws_credentials *out, mc_err *err)
{
    const char *token_file = allow_env ? env(ch->x, "AWS_WEB_IDENTITY_TOKEN_FILE") : NULL;
    const char *role_arn = allow_env ? env(ch->x, "AWS_ROLE_ARN") : NULL;
    const char *session = allow_env ? env(ch->x, "AWS_ROLE_SESSION_NAME") : NULL;
    const char *where = "AWS_WEB_IDENTITY_TOKEN_FILE";
    if (!token_file && cfg) {
        token_file = pget(cfg, "web_identity_token_file");
        role_arn = pget(cfg, "role_arn");
        session = pget(cfg, "role_session_name");
        where = "web_identity_token_file";
    }
    if (!token_file) {
        mc_buf_puts(&ch->tried, "; web identity (AWS_WEB_IDENTITY_TOKEN_FILE not set)");
        return MC_ENOTFOUND;
    }
    if (!role_arn)
        return mc_err_set(err, MC_ECONFIG, "web identity: %s is set but %s is not", where,
                          strcmp(where, "AWS_WEB_IDENTITY_TOKEN_FILE") == 0 ? "AWS_ROLE_ARN"
                                                                           : "role_arn");
    char region[64];
    mc_aws_role role = {.role_arn = role_arn, .session_name = session,
                        .region = region_for_sts(ch, cfg, region, sizeof region)};
    mc_code rc = mc_aws_sts_web_identity(ch->x, &role, token_file, out, err);
    if (rc == MC_OK)
        snprintf(out->source, sizeof out->source, "web identity, role %.120s", role_arn);
    return rc;
}

/* Sources 3 to 7 for one profile (also a source_profile). */
static mc_code resolve_profile(chain *ch, const char *name, bool allow_env,
                               mc_aws_credentials *out, mc_err *err)
{
    profile cfg, cred;
    read_config(ch->x, name, &cfg);
    mc_code rc = MC_ENOTFOUND;
    if (pget(&cfg, "role_arn"))
        rc = assume_role(ch, name, &cfg, out, err);
    if (rc == MC_ENOTFOUND)
        rc = web_identity(ch, name, &cfg, allow_env, out, err);
    if (rc == MC_ENOTFOUND) {
        read_credentials_file(ch->x, name, &cred);
        rc = from_profile_keys(&cred, name, &ch->tried, out, err);
        profile_free(&cred);
    }
    if (rc == MC_ENOTFOUND && pget(&cfg, "credential_process")) {
        rc = mc_aws_process_credentials(pget(&cfg, "credential_process"), name, out, err);
    } else if (rc == MC_ENOTFOUND) {
        mc_buf_printf(&ch->tried, "; credential_process (not in profile %s)", name);
    }
    if (rc == MC_ENOTFOUND)
        rc = from_profile_keys(&cfg, name, &ch->tried, out, err);
    profile_free(&cfg);
    return rc;
}

static mc_code resolve(const mc_aws_settings *x, bool borrow, mc_aws_credentials *out,
                       mc_err *err);

mc_code mc_aws_credentials_resolve(const mc_aws_settings *x, mc_aws_credentials *out,
                                   mc_err *err)
{
    return resolve(x, false, out, err);
}

mc_code mc_aws_credentials_view(const mc_aws_settings *x, mc_aws_credentials *out,
                                mc_err *err)
{
    return resolve(x, true, out, err);
}

static mc_code resolve(const mc_aws_settings *x, bool borrow, mc_aws_credentials *out,
                       mc_err *err)
{
    memset(out, 0, sizeof *out);
    if (x && (given(x->access_key_id) || given(x->secret_access_key)))
        return from_pair("the connection", "accessKeyId", "secretAccessKey",
                         x->access_key_id, x->secret_access_key, x->session_token, borrow,
                         out, err);
    chain ch = {.x = x, .tried = MC_BUF_INIT};
    mc_buf_puts(&ch.tried, "; the connection (no accessKeyId)");
    const char *name = mc_aws_profile_name(x);
    /* botocore: a profile named explicitly outranks the environment keys */
    bool explicit_profile = x && given(x->profile);
    mc_code rc = MC_ENOTFOUND;
    if (!explicit_profile)
        rc = from_environment(&ch, out, err);
    if (rc == MC_ENOTFOUND)
        rc = resolve_profile(&ch, name, !explicit_profile, out, err);
    if (rc == MC_ENOTFOUND)
        rc = mc_aws_container_credentials(x, &ch.tried, out, err);
    if (rc == MC_ENOTFOUND)
        rc = mc_aws_imds_credentials(x, &ch.tried, out, err);
    if (rc == MC_ENOTFOUND)
        mc_err_set(err, MC_ECONFIG, "no AWS credentials (profile %s); tried %s", name,
                   ch.tried.len > 2 ? mc_buf_cstr(&ch.tried) + 2 : "nothing");
    mc_buf_free(&ch.tried);
    return rc == MC_ENOTFOUND ? MC_ECONFIG : rc;
}

/* ---- region --------------------------------------------------------------- */

static mc_code put_region(const char *v, const char *src, char *out, size_t outsz,
                          char *source, size_t sourcesz, mc_err *err)
{
    if (strlen(v) >= outsz)
        return mc_err_set(err, MC_ECONFIG, "AWS region from %s is too long", src);
    for (const char *c = v; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '-'))
            return mc_err_set(err, MC_ECONFIG, "AWS region \"%s\" from %s is not a region name",
                              v, src);
    strcpy(out, v);
    if (source && sourcesz)
        snprintf(source, sourcesz, "%s", src);
    return MC_OK;
}

mc_code mc_aws_region_resolve(const mc_aws_settings *x, char *out, size_t outsz,
                              char *source, size_t sourcesz, mc_err *err)
{
    if (x && given(x->region))
        return put_region(x->region, "the connection", out, outsz, source, sourcesz, err);
    static const char *const vars[] = {"AWS_REGION", "AWS_DEFAULT_REGION"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = env(x, vars[i]);
        if (v)
            return put_region(v, vars[i], out, outsz, source, sourcesz, err);
    }
    const char *name = mc_aws_profile_name(x);
    profile pv;
    read_config(x, name, &pv);
    mc_code rc;
    const char *r = pget(&pv, "region");
    if (r) {
        char src[192];
        snprintf(src, sizeof src, "profile %s in %.150s", name, pv.path);
        rc = put_region(r, src, out, outsz, source, sourcesz, err);
    } else {
        rc = mc_err_set(err, MC_ECONFIG,
                        "no AWS region: set region in the connection, AWS_REGION or "
                        "AWS_DEFAULT_REGION, or region in profile %s of ~/.aws/config",
                        name);
    }
    profile_free(&pv);
    return rc;
}

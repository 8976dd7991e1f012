/* context.c - the AWS state of a loaded configuration: environment
 * snapshot, credentials cache (one entry per profile, refreshed before
 * expiry), retry policy.  One mutex guards the cache; the chain itself
 * runs outside it, one refresh per entry at a time. */
#include "aws/context.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ENTRIES 16

typedef struct entry {
    char profile[128];           /* "" for the default chain */
    bool used;
    bool have;                   /* creds holds an answer */
    bool refreshing;
    mc_aws_credentials creds;
    time_t failed_at;            /* last failure, for MC_AWS_FAILURE_TTL_S */
    mc_err failure;
} entry;

typedef struct region_entry {
    char profile[128];
    char region[64];             /* "" with failure set */
    mc_err failure;
} region_entry;

typedef struct endpoint_entry {
    char key[600];               /* explicit url | service | region */
    mc_aws_endpoint ep;
} endpoint_entry;

struct mc_aws_context {
    mc_aws_env *env;
    mc_aws_context_opts o;
    mc_aws_retry retry;
    pthread_mutex_t lock;
    pthread_cond_t done;         /* a refresh finished */
    entry entries[MAX_ENTRIES];
    unsigned long runs;
    region_entry regions[MAX_ENTRIES];
    size_t nregions;
    endpoint_entry endpoints[MAX_ENTRIES];
    atomic_size_t nendpoints;    /* entries below it are final: read without the lock */
};

mc_aws_context *mc_aws_context_new(const mc_aws_context_opts *o)
{
    mc_aws_context *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->env = mc_aws_env_capture();
    if (!c->env) {
        free(c);
        return NULL;
    }
    if (o)
        c->o = *o;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->done, NULL);
    mc_aws_settings x = {0};
    mc_aws_context_settings(c, &x);
    mc_aws_retry_init(&c->retry, &x);
    return c;
}

void mc_aws_context_free(mc_aws_context *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < MAX_ENTRIES; i++)
        mc_aws_credentials_clear(&c->entries[i].creds);
    mc_aws_retry_destroy(&c->retry);
    pthread_cond_destroy(&c->done);
    pthread_mutex_destroy(&c->lock);
    mc_aws_env_free(c->env);
    free(c);
}

void mc_aws_context_settings(const mc_aws_context *c, mc_aws_settings *x)
{
    x->env = c->env;
    x->fetch = c->o.fetch;
    x->fetch_ud = c->o.fetch_ud;
    x->container_base = c->o.container_base;
}

mc_aws_retry *mc_aws_context_retry(mc_aws_context *c) { return &c->retry; }

unsigned long mc_aws_context_chain_runs(const mc_aws_context *c)
{
    pthread_mutex_lock((pthread_mutex_t *)&c->lock);
    unsigned long n = c->runs;
    pthread_mutex_unlock((pthread_mutex_t *)&c->lock);
    return n;
}

/* The entry of a profile (under the lock); NULL when the table is full. */
static entry *find_entry(mc_aws_context *c, const char *profile)
{
    entry *free_slot = NULL;
    for (size_t i = 0; i < MAX_ENTRIES; i++) {
        entry *e = &c->entries[i];
        if (e->used && strcmp(e->profile, profile) == 0)
            return e;
        if (!e->used && !free_slot)
            free_slot = e;
    }
    if (free_slot) {
        free_slot->used = true;
        snprintf(free_slot->profile, sizeof free_slot->profile, "%s", profile);
    }
    return free_slot;
}

/* Run the chain for e outside the lock; store the answer under it. */
static void refresh(mc_aws_context *c, entry *e, const mc_aws_settings *x)
{
    e->refreshing = true;
    c->runs++;
    pthread_mutex_unlock(&c->lock);
    mc_aws_settings s = *x;
    mc_aws_context_settings(c, &s);
    mc_aws_credentials fresh;
    mc_err err = {0};
    mc_code rc = mc_aws_credentials_resolve(&s, &fresh, &err);
    pthread_mutex_lock(&c->lock);
    if (rc == MC_OK) {
        mc_aws_credentials_clear(&e->creds);
        e->creds = fresh;
        e->have = true;
        e->failed_at = 0;
    } else {
        e->failure = err;
        if (!e->failure.code)
            e->failure.code = rc;
        e->failed_at = time(NULL);
    }
    e->refreshing = false;
    pthread_cond_broadcast(&c->done);
}

static mc_code copy_out(const entry *e, mc_aws_credentials *out, char *room, size_t cap,
                        mc_err *err)
{
    mc_code rc = mc_aws_credentials_copy_into(out, &e->creds, room, cap);
    return rc == MC_OK ? MC_OK : mc_err_set(err, rc, "out of memory");
}

mc_code mc_aws_context_credentials(mc_aws_context *c, const mc_aws_settings *x,
                                   mc_aws_credentials *out, mc_err *err)
{
    return mc_aws_context_credentials_in(c, x, out, NULL, 0, err);
}

mc_code mc_aws_context_credentials_in(mc_aws_context *c, const mc_aws_settings *x,
                                      mc_aws_credentials *out, char *room, size_t cap,
                                      mc_err *err)
{
    memset(out, 0, sizeof *out);
    bool explicit_keys = x && ((x->access_key_id && *x->access_key_id) ||
                               (x->secret_access_key && *x->secret_access_key));
    if (explicit_keys)   /* borrowed from x: no copy per request */
        return mc_aws_credentials_view(x, out, err);
    const char *profile = x && x->profile ? x->profile : "";
    pthread_mutex_lock(&c->lock);
    entry *e = find_entry(c, profile);
    mc_code rc = MC_OK;
    if (!e) {
        pthread_mutex_unlock(&c->lock);
        return mc_err_set(err, MC_ELIMIT, "more than %d AWS profiles in use", MAX_ENTRIES);
    }
    for (;;) {
        time_t now = time(NULL);
        if (e->have) {
            long left = e->creds.expires ? (long)(e->creds.expires - now) : 0x7fffffffL;
            if (left > MC_AWS_ADVISORY_REFRESH_S)
                break;
            if (left > MC_AWS_MANDATORY_REFRESH_S) {
                if (!e->refreshing)
                    refresh(c, e, x);   /* a failure keeps the current keys */
                break;
            }
        } else if (e->failed_at && now - e->failed_at < MC_AWS_FAILURE_TTL_S) {
            *err = e->failure;
            rc = e->failure.code ? e->failure.code : MC_ECONFIG;
            break;
        }
        if (e->refreshing) {
            pthread_cond_wait(&c->done, &c->lock);
            continue;
        }
        refresh(c, e, x);
        if (e->have && (!e->creds.expires || e->creds.expires > time(NULL)))
            break;
        *err = e->failure;
        rc = e->failure.code ? e->failure.code : MC_ECONFIG;
        if (e->have) {
            char why[200];
            snprintf(why, sizeof why, "%.199s", e->failure.msg);
            snprintf(err->msg, sizeof err->msg, "AWS credentials from %.150s expired and "
                     "could not be refreshed: %s", e->creds.source, why);
        }
        break;
    }
    if (rc == MC_OK)
        rc = copy_out(e, out, room, cap, err);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

mc_code mc_aws_context_region(mc_aws_context *c, const mc_aws_settings *x, char *out,
                              size_t outsz, mc_err *err)
{
    if (x && x->region && *x->region)
        return mc_aws_region_resolve(x, out, outsz, NULL, 0, err);
    const char *profile = x && x->profile ? x->profile : "";
    pthread_mutex_lock(&c->lock);
    region_entry *r = NULL;
    for (size_t i = 0; i < c->nregions && !r; i++)
        if (strcmp(c->regions[i].profile, profile) == 0)
            r = &c->regions[i];
    if (!r && c->nregions < MAX_ENTRIES) {
        r = &c->regions[c->nregions++];
        snprintf(r->profile, sizeof r->profile, "%s", profile);
        mc_aws_settings s = x ? *x : (mc_aws_settings){0};
        mc_aws_context_settings(c, &s);
        if (mc_aws_region_resolve(&s, r->region, sizeof r->region, NULL, 0, &r->failure) !=
            MC_OK)
            r->region[0] = '\0';
    }
    mc_code rc;
    if (!r) {
        pthread_mutex_unlock(&c->lock);
        mc_aws_settings s = x ? *x : (mc_aws_settings){0};
        mc_aws_context_settings(c, &s);
        return mc_aws_region_resolve(&s, out, outsz, NULL, 0, err);
    }
    if (r->region[0] && strlen(r->region) < outsz) {
        strcpy(out, r->region);
        rc = MC_OK;
    } else {
        if (err)
            *err = r->failure;
        rc = r->failure.code ? r->failure.code : MC_ECONFIG;
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

/* "url|service|region" into key[cap] (the per-request path: no printf);
 * false when it does not fit (such an endpoint is not cached: a cut key
 * could name another endpoint). */
static bool endpoint_key(char *key, size_t cap, const char *url, const char *service,
                         const char *region)
{
    const char *part[3] = {url ? url : "", service ? service : "", region ? region : ""};
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        size_t len = strlen(part[i]);
        if (n + (i > 0) + len >= cap)
            return false;
        if (i)
            key[n++] = '|';
        memcpy(key + n, part[i], len);
        n += len;
    }
    key[n] = '\0';
    return true;
}

mc_code mc_aws_context_endpoint(mc_aws_context *c, const char *explicit_url,
                                const char *service, const char *region,
                                mc_aws_endpoint *out, mc_err *err)
{
    char key[600];
    if (!endpoint_key(key, sizeof key, explicit_url, service, region))
        return mc_aws_endpoint_resolve(c->env, explicit_url, service, region, out, err);
    /* the cache only grows, an entry written before the count that shows
     * it: a lookup takes no lock (no cache line written per request) */
    size_t n = atomic_load_explicit(&c->nendpoints, memory_order_acquire);
    for (size_t i = 0; i < n; i++)
        if (strcmp(c->endpoints[i].key, key) == 0) {
            *out = c->endpoints[i].ep;
            return MC_OK;
        }
    mc_code rc = mc_aws_endpoint_resolve(c->env, explicit_url, service, region, out, err);
    if (rc != MC_OK)
        return rc;
    pthread_mutex_lock(&c->lock);
    n = atomic_load_explicit(&c->nendpoints, memory_order_relaxed);
    bool known = false;
    for (size_t i = 0; i < n && !known; i++)
        known = strcmp(c->endpoints[i].key, key) == 0;
    if (!known && n < MAX_ENTRIES) {
        snprintf(c->endpoints[n].key, sizeof key, "%s", key);
        c->endpoints[n].ep = *out;
        atomic_store_explicit(&c->nendpoints, n + 1, memory_order_release);
    }
    pthread_mutex_unlock(&c->lock);
    return MC_OK;
}

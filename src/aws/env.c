/* env.c - a snapshot of the AWS_* environment variables and HOME. */
#include "aws/env.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

extern char **environ;

struct mc_aws_env {
    char **vars;        /* "NAME=value" copies */
    size_t n;
};

static bool wanted(const char *kv)
{
    return strncmp(kv, "AWS_", 4) == 0 || strncmp(kv, "HOME=", 5) == 0;
}

mc_aws_env *mc_aws_env_capture(void)
{
    mc_aws_env *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    size_t n = 0;
    for (char **p = environ; p && *p; p++)
        n += wanted(*p);
    e->vars = calloc(n ? n : 1, sizeof *e->vars);
    if (!e->vars) {
        free(e);
        return NULL;
    }
    for (char **p = environ; p && *p && e->n < n; p++) {
        if (!wanted(*p))
            continue;
        if (!(e->vars[e->n] = strdup(*p))) {
            mc_aws_env_free(e);
            return NULL;
        }
        e->n++;
    }
    return e;
}

void mc_aws_env_free(mc_aws_env *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++) {
        OPENSSL_cleanse(e->vars[i], strlen(e->vars[i]));
        free(e->vars[i]);
    }
    free(e->vars);
    free(e);
}

const char *mc_aws_env_get(const mc_aws_env *e, const char *name)
{
    const char *v = NULL;
    if (!e) {
        v = getenv(name);
    } else {
        size_t nl = strlen(name);
        for (size_t i = 0; i < e->n && !v; i++)
            if (strncmp(e->vars[i], name, nl) == 0 && e->vars[i][nl] == '=')
                v = e->vars[i] + nl + 1;
    }
    return v && *v ? v : NULL;
}

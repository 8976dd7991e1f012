/* fuzz_common.h - shared by the libFuzzer targets: a silent logger, the
 * registry of built-in mediators plus the connector runtime (descriptors
 * loaded once per process), and helpers that cut a fuzz input into parts. */
#ifndef MC_FUZZ_COMMON_H
#define MC_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "connector/connector.h"
#include "mediators/mediators.h"
#include "util/log.h"

static inline void fz_sink(void *ud, int level, const char *line)
{
    (void)ud; (void)level;
    /* touch the line so a bad pointer shows up under ASan */
    volatile size_t n = strlen(line);
    (void)n;
}

/* A logger that formats everything (debug) and prints nothing. */
static inline mc_logger *fz_logger(void)
{
    static mc_logger lg;
    static int ready;
    if (!ready) {
        mc_logger_init(&lg);
        lg.level = MC_LOG_DEBUG;
        lg.sink = fz_sink;
        ready = 1;
    }
    return &lg;
}

static inline const mc_mediator_type *fz_lookup(void *ud, const char *name)
{
    const mc_mediator_type *t = mc_builtin_mediator(name);
    return t || !ud ? t : mc_connectors_lookup(ud, name);
}

static inline const char *fz_suggest(void *ud, const char *name)
{
    return strchr(name, '.') && ud ? mc_connectors_suggest(ud, name) : mc_builtin_suggest(name);
}

/* The connector descriptors, loaded once (kept for the process's life). */
static inline mc_connectors *fz_connectors(void)
{
    static mc_connectors *cs;
    static int tried;
    if (!tried) {
        tried = 1;
        /* the fuzz targets never talk to AWS: keep the host's settings out */
        unsetenv("AWS_ACCESS_KEY_ID");
        unsetenv("AWS_SECRET_ACCESS_KEY");
        unsetenv("AWS_SESSION_TOKEN");
        unsetenv("AWS_PROFILE");
        setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/mediac-fuzz/credentials", 1);
        setenv("AWS_CONFIG_FILE", "/nonexistent/mediac-fuzz/config", 1);
        mc_err err = {0};
        cs = mc_connectors_load(&err);
    }
    return cs;
}

/* A fresh configuration with the full registry. */
static inline mc_config *fz_config(void)
{
    mc_connectors *cs = fz_connectors();
    mc_registry reg = {fz_lookup, cs, cs ? mc_connectors_compile_connection : NULL,
                       fz_suggest};
    mc_config *cfg = mc_config_new(&reg);
    if (cfg)
        cfg->connector_ctx = cs;
    return cfg;
}

/* Split [*p, end) at the next byte sep: returns a malloc'd NUL-terminated
 * copy of the part before it and moves *p past the separator (to end when
 * there is none). */
static inline char *fz_take(const uint8_t **p, const uint8_t *end, uint8_t sep, size_t *len)
{
    const uint8_t *s = *p;
    const uint8_t *e = memchr(s, sep, (size_t)(end - s));
    size_t n = e ? (size_t)(e - s) : (size_t)(end - s);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    memcpy(out, s, n);
    out[n] = '\0';
    *p = e ? e + 1 : end;
    if (len)
        *len = n;
    return out;
}

#endif

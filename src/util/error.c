/* error.c - error values and mc_strerror. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const names[MC_CODE_COUNT] = {
    [MC_OK] = "success",
    [MC_ENOMEM] = "out of memory",
    [MC_EINVAL] = "invalid argument",
    [MC_ECONFIG] = "configuration error",
    [MC_ENOTFOUND] = "not found",
    [MC_EFAULT] = "unhandled fault",
    [MC_EIO] = "input/output error",
    [MC_EPARSE] = "parse error",
    [MC_ESUSPENDED] = "message suspended",
    [MC_ESTATE] = "invalid state",
    [MC_ELIMIT] = "limit exceeded",
};

const char *mc_strerror(mc_code code)
{
    if ((unsigned)code >= MC_CODE_COUNT)
        return "unknown error";
    return names[code];
}

mc_code mc_err_set(mc_err *e, mc_code code, const char *fmt, ...)
{
    if (e) {
        e->code = code;
        e->at = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void mc_err_clear(mc_err *e)
{
    if (e) {
        e->code = MC_OK;
        e->msg[0] = '\0';
        e->at = 0;
    }
}

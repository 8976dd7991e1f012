/* error.h - error values.
 *
 * Library functions return an mc_code and, when they fail, fill an mc_err
 * with a message and (for configuration errors) the place it refers to. */
#ifndef MC_ERROR_H
#define MC_ERROR_H

#include <stddef.h>

#include "mediac.h"

typedef struct mc_err {
    mc_code code;
    char msg[512];
    /* Where in the text being compiled the error is: 1 + its byte offset,
     * 0 when unknown.  mc_err_set clears it; compilers set it after. */
    size_t at;
} mc_err;

/* Fill e (may be NULL) and return code, so "return mc_err_set(...)" works. */
mc_code mc_err_set(mc_err *e, mc_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mc_err_clear(mc_err *e);

#endif

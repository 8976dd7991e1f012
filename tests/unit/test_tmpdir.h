/* test_tmpdir.h - a fresh private directory for a unit test: mkdtemp()
 * under $TMPDIR (or /tmp), named after the test; the caller removes it. */
#ifndef MC_TEST_TMPDIR_H
#define MC_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* buf receives "<tmp>/mc-<name>-" and mkdtemp's six random characters;
 * buf on success, NULL when it does not fit or mkdtemp fails. */
static inline char *mc_test_tmpdir(char *buf, size_t cap, const char *name)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    int n = snprintf(buf, cap, "%s/mc-%s-", base, name);
    if (n < 0 || (size_t)n + 7 > cap)
        return NULL;
    memset(buf + n, 'X', 6);   /* the suffix mkdtemp replaces */
    buf[n + 6] = '\0';
    return mkdtemp(buf);
}

#endif

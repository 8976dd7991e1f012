/* test_tmpdir.h - a fresh private directory or file for a unit test:
 * mkdtemp()/mkstemp() under $TMPDIR (or /tmp), named after the test; the
 * caller removes it. */
#ifndef MC_TEST_TMPDIR_H
#define MC_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* buf receives "<tmp>/mc-<name>-" followed by the six characters that
 * mkdtemp()/mkstemp() replace; false when it does not fit */
static inline int mc_test_tmpname(char *buf, size_t cap, const char *name)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    int n = snprintf(buf, cap, "%s/mc-%s-", base, name);
    if (n < 0 || (size_t)n + 7 > cap)
        return 0;
    memset(buf + n, 'X', 6);
    buf[n + 6] = '\0';
    return 1;
}

/* a new directory: buf receives its path; buf, or NULL when it does not
 * fit or mkdtemp fails */
static inline char *mc_test_tmpdir(char *buf, size_t cap, const char *name)
{
    return mc_test_tmpname(buf, cap, name) ? mkdtemp(buf) : NULL;
}

/* the same for a file: buf receives its path; an open descriptor, or -1 */
static inline int mc_test_tmpfile(char *buf, size_t cap, const char *name)
{
    return mc_test_tmpname(buf, cap, name) ? mkstemp(buf) : -1;
}

#endif

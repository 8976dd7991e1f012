/* datadir.c - locate installed data relative to the running libmediac
 * (see datadir.h). */
#include "util/datadir.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Set by meson: the install prefix's data folder (PREFIX/share/mediac),
 * the library folder relative to the prefix, the build tree and the
 * source tree. */
#ifndef MC_INSTALL_DATA_DIR
#define MC_INSTALL_DATA_DIR "/usr/local/share/mediac"
#endif
#ifndef MC_INSTALL_LIB_TO_DATA
#define MC_INSTALL_LIB_TO_DATA "../share/mediac"
#endif
#ifndef MC_INSTALL_BIN_TO_DATA
#define MC_INSTALL_BIN_TO_DATA "../share/mediac"
#endif

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Folder of the shared object (or executable) that holds this function. */
static bool own_dir(char *out, size_t cap)
{
    Dl_info info;
    if (!dladdr((void *)own_dir, &info) || !info.dli_fname)
        return false;
    char real[PATH_MAX];
    if (!realpath(info.dli_fname, real))
        return false;
    char *slash = strrchr(real, '/');
    if (!slash)
        return false;
    *slash = '\0';
    return (size_t)snprintf(out, cap, "%s", real) < cap;
}

/* Is dir the build tree or inside it? */
static bool in_build_tree(const char *dir)
{
#ifdef MC_BUILD_ROOT
    char root[PATH_MAX];
    if (!realpath(MC_BUILD_ROOT, root))
        return false;
    size_t n = strlen(root);
    return strncmp(dir, root, n) == 0 && (dir[n] == '/' || dir[n] == '\0');
#else
    (void)dir;
    return false;
#endif
}

bool mc_data_dir(const char *env_var, const char *sub, char *out, size_t cap)
{
    const char *env = env_var ? getenv(env_var) : NULL;
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return true;
    }
    char here[PATH_MAX];
    bool located = own_dir(here, sizeof here);
#ifdef MC_SOURCE_ROOT
    /* a program or library of a build tree: its data is the source tree's */
    if (located && in_build_tree(here)) {
        snprintf(out, cap, "%s/%s", MC_SOURCE_ROOT, sub);
        if (is_dir(out))
            return true;
    }
#endif
    /* installed: this code is in PREFIX/LIBDIR/libmediac.so or in
     * PREFIX/BINDIR/mediac */
    static const char *const rel[] = {MC_INSTALL_LIB_TO_DATA, MC_INSTALL_BIN_TO_DATA};
    for (size_t i = 0; located && i < sizeof rel / sizeof *rel; i++) {
        snprintf(out, cap, "%s%s%s/%s", rel[i][0] == '/' ? "" : here,
                 rel[i][0] == '/' ? "" : "/", rel[i], sub);
        if (is_dir(out))
            return true;
    }
    snprintf(out, cap, "%s/%s", MC_INSTALL_DATA_DIR, sub);
    return is_dir(out);
}

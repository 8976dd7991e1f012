/* datadir.h - where mediac's installed data (connector descriptors, XML
 * schemas) is found.
 *
 * In this order: the environment variable the caller names (a colon-
 * separated list, used as given); when the running code (libmediac.so or
 * the mediac program, found with dladdr) is inside the build tree, the
 * source tree; else the share/mediac folder of the installation that holds
 * it (relative to its libdir or bindir, so an install into any prefix or
 * DESTDIR works and a build tree never shadows it); else the compiled-in
 * install prefix. */
#ifndef MC_DATADIR_H
#define MC_DATADIR_H

#include <stdbool.h>
#include <stddef.h>

/* Fill out with the folder for sub ("connector", "schemas"); false when
 * none exists (out then holds the install path, for messages). */
bool mc_data_dir(const char *env_var, const char *sub, char *out, size_t cap);

#endif

/* suggest.h - "did you mean" for names: edit distance and the closest
 * candidate, shared by the loader, the mediators and the expression
 * compiler. */
#ifndef MC_SUGGEST_H
#define MC_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance (99 for names longer than 64 bytes). */
size_t mc_edit_distance(const char *a, const char *b);
/* Closest candidate within a small edit distance (a third of the name's
 * length, plus one), or NULL; never the name itself. */
const char *mc_closest(const char *name, const char *const *cands, size_t n);

#endif

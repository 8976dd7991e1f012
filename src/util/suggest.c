/* suggest.c - edit distance and closest-name suggestions (suggest.h). */
#include "util/suggest.h"

#include <string.h>

size_t mc_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = prev + cost;
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

const char *mc_closest(const char *name, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bd = (size_t)-1, limit = strlen(name) / 3 + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = mc_edit_distance(name, cands[i]);
        if (d < bd) {
            bd = d;
            best = cands[i];
        }
    }
    return bd <= limit && bd > 0 ? best : NULL;
}

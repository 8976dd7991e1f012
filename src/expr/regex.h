/* regex.h - Java-compatible regular expressions (PCRE2), compiled at load.
 *
 * Synapse evaluates filter/switch/property regexes with Java's
 * Matcher.matches(): the whole string must match.  PCRE2 gives the same
 * syntax (\d, (?i), lazy quantifiers, ...). */
#ifndef MC_REGEX_H
#define MC_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

typedef struct mc_regex mc_regex;

mc_regex *mc_regex_compile(const char *pattern, mc_err *err);
/* An ECMAScript (ECMA 262) pattern, as JSON Schema's "pattern" and
 * "patternProperties" use: \uHHHH escapes, '$' only at the very end. */
mc_regex *mc_regex_compile_ecma(const char *pattern, mc_err *err);
void mc_regex_free(mc_regex *re);
/* Whole-string match (Java matches()). */
bool mc_regex_matches(const mc_regex *re, const char *s, size_t n);
/* Whole-string match and capture group g (0 = all); out and outlen point
 * into s.  False when no match or the group did not take part. */
bool mc_regex_group(const mc_regex *re, const char *s, size_t n, int g,
                    const char **out, size_t *outlen);
int mc_regex_groups(const mc_regex *re);
/* Java's String.replaceAll(regex, replacement): every match in s[0..n)
 * replaced; in the replacement $N is group N and a backslash takes the
 * next character literally.  The result is appended to out; false when
 * the replacement names a group the regex lacks (Java throws then). */
struct mc_buf;
bool mc_regex_replace_all(const mc_regex *re, const char *s, size_t n,
                          const char *replacement, struct mc_buf *out);
/* A match anywhere in s (JavaScript's RegExp.test, Java's find()). */
bool mc_regex_search(const mc_regex *re, const char *s, size_t n);

/* An XPath 2.0 (F&O) regex with flags from "smix"; what PCRE2 cannot match
 * as Saxon does is refused with the reason. */
mc_regex *mc_regex_compile_xpath(const char *pattern, const char *flags, mc_err *err);
/* The same, from the calling thread's cache of the last 16 (pattern,
 * flags): the regex is the cache's, valid until this thread's next call. */
const mc_regex *mc_regex_xpath_cached(const char *pattern, const char *flags, mc_err *err);
bool mc_regex_matches_empty(const mc_regex *re);
/* The first match at or after from: [*start, *end). */
bool mc_regex_find(const mc_regex *re, const char *s, size_t n, size_t from,
                   size_t *start, size_t *end);
/* fn:replace's replacement rules ($N, \$ and \\ only). */
bool mc_regex_xpath_replacement_ok(const char *rep);
/* fn:replace: false when the replacement is invalid. */
bool mc_regex_replace_xpath(const mc_regex *re, const char *s, size_t n,
                            const char *rep, struct mc_buf *out);

#endif

/* synexpr.h - WSO2 MI 4.4 Synapse Expressions: the text inside ${...},
 * compiled once (synexpr_parse.c) to a typed tree and evaluated per message
 * (synexpr_eval.c) on typed values, with one function table (functions.c)
 * shared with the XPath extension functions.  docs/expressions.md has the
 * language, the functions and the type rules. */
#ifndef MC_SYNEXPR_H
#define MC_SYNEXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "expr/expr.h"
#include "msg/msg.h"
#include "util/error.h"

typedef struct mc_synexpr mc_synexpr;

/* Compile src[0..n) (the inside of ${...}).  On a syntax error or a type
 * error knowable at load, returns NULL with err (MC_EPARSE) saying what is
 * wrong and err->at pointing into src.  o may be NULL. */
mc_synexpr *mc_synexpr_compile(const char *src, size_t n, const mc_expr_opts *o,
                               mc_err *err);
void mc_synexpr_free(mc_synexpr *x);
const char *mc_synexpr_source(const mc_synexpr *x);

/* Evaluate.  object_mode is MI's objectValueOf (xpath() gives XML rather
 * than its string value).  A runtime error as MI has one (a missing
 * variable, an operation on the wrong types, a path with no result) returns
 * MC_EINVAL with MI's message in err and a null value; MC_ENOMEM when
 * memory runs out.  Texts live in the message arena. */
mc_code mc_synexpr_eval(const mc_synexpr *x, mc_message *m, bool object_mode,
                        mc_value *out, mc_err *err);

#endif

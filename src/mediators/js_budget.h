/* js_budget.h - the instruction budget of the script mediator.
 *
 * Debian's duktape is built without an interrupt hook, so the budget is put
 * into the script's source when it is compiled: every loop test becomes
 * `MC_JS_TICK() && (test)` (a `for (;;)` test becomes `MC_JS_TICK()`) and
 * every `function` body starts with `MC_JS_TICK();`.  The tick function
 * counts and throws once the budget is spent, so a runaway loop or an
 * unbounded recursion ends in a fault.  Insertions never add a newline, so
 * line numbers in errors stay those of the original script.  The lexer
 * follows ES5.1 (what duktape 2.7 compiles): comments, strings, regular
 * expression literals (told from division by the previous token) and
 * brackets. */
#ifndef MC_JS_BUDGET_H
#define MC_JS_BUDGET_H

#include <stddef.h>

#include "util/buf.h"

#define MC_JS_TICK "__mc_tick"

/* Append the instrumented form of src[0..len) to out.  Text the lexer
 * cannot follow (an unterminated string, comment or regex) is copied as it
 * is from there on: the engine's compiler reports it. */
void mc_js_instrument(const char *src, size_t len, mc_buf *out);

#endif

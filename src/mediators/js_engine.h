/* js_engine.h - JavaScript for the script and datamapper mediators, on
 * duktape (Debian's duktape-dev; docs/core.md says why).
 *
 * Code is compiled once at load: instrumented with the instruction budget
 * (js_budget.h), compiled, and kept as duktape bytecode in the config.
 * Each message runs in a fresh heap of its own (nothing leaks from one
 * message into the next) whose allocator enforces a memory cap; `eval` and
 * the Function constructor are removed, so no code escapes the budget. */
#ifndef MC_JS_ENGINE_H
#define MC_JS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <duktape.h>

#include "config/config.h"

#define MC_JS_DEFAULT_BUDGET 5000000ull        /* loop tests + calls */
#define MC_JS_DEFAULT_MEMORY (32u << 20)       /* bytes per message */

typedef struct mc_js_code {
    const char *name;           /* for messages: key or "inline" */
    const unsigned char *bytecode;
    size_t len;
} mc_js_code;

/* Compile src (instrumented) into cfg-owned bytecode.  On a syntax error
 * returns false with err ("SyntaxError: ... (line N)") and *line set to the
 * script line (0 when unknown). */
bool mc_js_compile(mc_config *cfg, const char *name, const char *src, size_t len,
                   mc_js_code *out, int *line, mc_err *err);

typedef struct mc_js_run mc_js_run;

/* A fresh heap for message m with the limits given (0: defaults). */
mc_js_run *mc_js_begin(mc_message *m, uint64_t budget, size_t memory);
duk_context *mc_js_ctx(mc_js_run *r);
mc_message *mc_js_message(duk_context *ctx);
/* Run code as a program; on success its completion value is pushed.
 * false with err on an exception, an exhausted budget or memory cap. */
bool mc_js_run_program(mc_js_run *r, const mc_js_code *code, mc_err *err);
/* Call global function fn with the value on the stack top as argument
 * (popped); the result is pushed.  false with err (also when fn is not a
 * function). */
bool mc_js_call_global(mc_js_run *r, const char *fn, int nargs, mc_err *err);
void mc_js_end(mc_js_run *r);

#endif

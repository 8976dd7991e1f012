/* toml.h - a reader for the subset of TOML that mediac's deployment.toml
 * uses (no C TOML library is packaged in Debian 12).
 *
 * Supported: comments; [table] and [dotted.table] headers; key = value with
 * bare, quoted and dotted keys; basic strings ("..." with the TOML escapes
 * \b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX), literal strings ('...');
 * decimal integers (sign, '_' between digits); true/false; arrays of those
 * on one or more lines (trailing comma allowed).  Everything else TOML has
 * (floats, dates, multi-line strings, inline tables, [[arrays of tables]])
 * is refused with its name and position, as are duplicate keys and tables.
 *
 * The result is a flat list of entries keyed by their full dotted path
 * ("server.port"), each with the line and column of its key, so the caller
 * can check keys and types against its own table and name the line. */
#ifndef MC_TOML_H
#define MC_TOML_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/error.h"

#define MC_TOML_MAX_BYTES (1u << 20)   /* larger files are refused */
#define MC_TOML_MAX_ENTRIES 4096
#define MC_TOML_MAX_ARRAY 1024         /* items in one array */
#define MC_TOML_MAX_KEY 256            /* bytes in a full dotted key */

typedef enum mc_toml_type {
    MC_TOML_STRING,
    MC_TOML_INT,
    MC_TOML_BOOL,
    MC_TOML_ARRAY,
} mc_toml_type;

typedef struct mc_toml_value {
    mc_toml_type type;
    const char *str;                 /* STRING: NUL-terminated copy */
    size_t len;                      /* STRING: bytes (may hold NUL) */
    long long num;                   /* INT */
    bool yes;                        /* BOOL */
    struct mc_toml_value *items;     /* ARRAY */
    size_t n;
} mc_toml_value;

typedef struct mc_toml_entry {
    const char *key;                 /* "server.port" */
    mc_toml_value v;
    int line, col;                   /* of the key, 1-based */
} mc_toml_entry;

typedef struct mc_toml {
    mc_arena arena;
    mc_toml_entry *entries;
    size_t n;
} mc_toml;

/* Parse text; on error return NULL with err->msg "NAME:LINE:COL: message"
 * (NAME is the file name given). */
mc_toml *mc_toml_parse(const char *text, size_t len, const char *name, mc_err *err);
/* Read and parse a file (the errors name it). */
mc_toml *mc_toml_load(const char *path, mc_err *err);
void mc_toml_free(mc_toml *t);

const char *mc_toml_type_name(mc_toml_type t);

#endif

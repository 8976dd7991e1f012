/* options.h - command-line options and deployment.toml keys as data.
 *
 * A command is a table of rows, one per setting: its flag, its key in the
 * configuration file (if any), its type and range, the field it sets, its
 * default as shown by --help, and its help text.  One parser reads the
 * rows from argv and from a `--config FILE` (src/util/toml.c), so a setting
 * has one name, one check and one error wording everywhere:
 *   mediac: --workers: needs a number >= 1, got '0'
 *   deploy.toml:3:1: server.workers: needs a number >= 1, got 0
 * --help is generated from the same rows.  Precedence: built-in defaults,
 * then a preset row (e.g. server.defaults = "mi"), then the file, then the
 * flags. */
#ifndef MC_CLI_OPTIONS_H
#define MC_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/error.h"

struct mc_toml;

typedef enum mc_opt_type {
    MC_OPT_STR,      /* const char * (points into argv or the file's copy) */
    MC_OPT_INT,      /* int */
    MC_OPT_UINT,     /* unsigned */
    MC_OPT_LONG,     /* long */
    MC_OPT_SIZE,     /* size_t; accepts K, M, G suffixes (KiB, MiB, GiB) */
    MC_OPT_FLAG,     /* bool, set by the flag alone; true/false in the file */
    MC_OPT_CHOICE,   /* int: index of the argument in choices[] */
    MC_OPT_LIST,     /* repeatable; each value is passed to add() */
} mc_opt_type;

typedef struct mc_opt {
    const char *flag;              /* "max-body" for --max-body */
    const char *key;               /* "limits.max_body" in the file; NULL: flag only */
    mc_opt_type type;
    size_t offset;                 /* of the field in the caller's struct */
    long long min, max;            /* numbers (max 0: no upper bound) */
    const char *const *choices;    /* CHOICE: NULL-terminated */
    const char *arg;               /* "N", "ADDR", "FILE" in --help */
    const char *def;               /* the default as --help shows it; NULL: none */
    const char *help;
    const char *range_why;         /* why the range, e.g. "a TCP port" */
    /* LIST: add one value; false after printing why it is refused. */
    bool (*add)(void *dst, const char *flag, const char *value);
    /* CHOICE rows that preset other fields (server.defaults = "mi"): run
     * before the other rows of the same source. */
    void (*preset)(void *dst, int choice);
} mc_opt;

typedef struct mc_command {
    const char *name;              /* "serve" */
    const char *operands;          /* "PATH..." */
    const char *summary;           /* one sentence */
    const mc_opt *opts;
    size_t nopts;
    size_t min_operands;
    const char *details;           /* more text after the options, or NULL */
    const char *example;           /* one or more example lines */
} mc_command;

#define MC_OPTS_CONTINUE (-1)

/* Parse argv (argv[0] is the command name) into dst.  Handles --help/-h,
 * --flag VALUE, --flag=VALUE, -- and `--config FILE` when the table has a
 * "config" row.  Returns MC_OPTS_CONTINUE with *first set to the index of
 * the first operand, 0 after printing help, 2 after a usage error (printed
 * on stderr, naming the flag or file:line).  String settings from the file
 * point into *file, which the caller frees (mc_toml_free) when done. */
int mc_opts_parse(const mc_command *cmd, int argc, char **argv, void *dst, int *first,
                  struct mc_toml **file);

/* Apply a configuration file to dst (what --config does); on error the
 * message names the file, line and column. */
bool mc_opts_apply_file(const mc_command *cmd, const char *path, void *dst,
                        struct mc_toml **file, mc_err *err);

/* The --help text of a command. */
void mc_opts_help(const mc_command *cmd, FILE *f);

/* The man page of a command (troff, man(7) macros). */
void mc_opts_man(const mc_command *cmd, const char *version, FILE *f);

/* One row by flag name, or NULL. */
const mc_opt *mc_opts_find(const mc_command *cmd, const char *flag);

#endif

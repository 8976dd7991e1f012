/* validate.c - `mediac validate [--format text|json] [--werror] PATH...`.
 *
 * Loads every PATH with one link step, exactly as `run` and `serve` do, so
 * everything the loader checks is checked (XML, unknown mediators and
 * attributes, expressions, regexes, references, duplicates, connector
 * operations and parameters, typed literals, resource templates,
 * unreachable mediators), and no message is run.
 *
 * Text output is the loader's diagnostics, one per line,
 *     file:line:col: error|warning|note: message
 * followed by a summary line "N errors, N warnings".  JSON output is one
 * document:
 *     {"diagnostics":[{"file","line","column","severity","message",
 *                      "suggestion"?, "notes":[{file,line,column,message}]?}],
 *      "errors":N,"warnings":N}
 * where a trailing "; did you mean X?" of a message is given separately as
 * "suggestion" (X without its quotes or angle brackets) and note lines are
 * attached to the diagnostic they follow. */
#include "cli/validate.h"

#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "cli/options.h"
#include "cli/project.h"
#include "mediac.h"
#include "util/buf.h"

#define EXIT_ERRORS 1
#define EXIT_USAGE 2

/* One parsed diagnostic line; pointers into a private copy of the line. */
typedef struct diag {
    const char *file, *severity, *message, *suggestion;
    size_t message_len;
    int line, col;
} diag;

static const char *const severities[] = {"error", "warning", "note"};

/* Split "file:line:col: severity: message" (line is NUL-terminated and is
 * modified).  False when the line does not have that shape. */
static bool parse_line(char *line, diag *d)
{
    char *mark = NULL;
    const char *sev = NULL;
    for (size_t i = 0; i < sizeof severities / sizeof *severities; i++) {
        char pat[16];
        snprintf(pat, sizeof pat, ": %s: ", severities[i]);
        char *p = strstr(line, pat);
        if (p && (!mark || p < mark)) {
            mark = p;
            sev = severities[i];
        }
    }
    if (!mark)
        return false;
    *mark = '\0';
    d->severity = sev;
    d->message = mark + strlen(sev) + 4;
    d->message_len = strlen(d->message);
    d->suggestion = NULL;
    d->line = d->col = 0;
    char *c2 = strrchr(line, ':');
    if (c2) {
        d->col = atoi(c2 + 1);
        *c2 = '\0';
        char *c1 = strrchr(line, ':');
        if (c1) {
            d->line = atoi(c1 + 1);
            *c1 = '\0';
        }
    }
    d->file = line;
    /* "...; did you mean 'x'?" -> message "...", suggestion "x" */
    static const char dym[] = "; did you mean ";
    char *s = strstr((char *)d->message, dym);
    size_t ml = d->message_len;
    if (s && ml > 0 && d->message[ml - 1] == '?') {
        char *sug = s + sizeof dym - 1;
        char *end = (char *)d->message + ml - 1; /* the '?' */
        if (end - sug >= 2 && ((*sug == '\'' && end[-1] == '\'') ||
                               (*sug == '<' && end[-1] == '>'))) {
            sug++;
            end--;
        }
        *end = '\0';
        d->suggestion = sug;
        d->message_len = (size_t)(s - d->message);
    }
    return true;
}

static void json_pos(mc_buf *b, const diag *d)
{
    mc_buf_puts(b, "{\"file\":");
    mc_buf_json_string(b, d->file, strlen(d->file));
    mc_buf_printf(b, ",\"line\":%d,\"column\":%d", d->line, d->col);
}

/* The diagnostics text as one JSON document. */
static void diags_json(const char *diags, unsigned nerrors, unsigned nwarnings, mc_buf *b)
{
    mc_buf_puts(b, "{\"diagnostics\":[");
    bool first = true, open = false, notes = false;
    for (const char *line = diags; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char *copy = strndup(line, len);
        diag d;
        if (copy && parse_line(copy, &d)) {
            bool is_note = strcmp(d.severity, "note") == 0;
            if (is_note && open) {
                /* attach to the diagnostic it follows */
                mc_buf_puts(b, notes ? "," : ",\"notes\":[");
                notes = true;
                json_pos(b, &d);
                mc_buf_puts(b, ",\"message\":");
                mc_buf_json_string(b, d.message, d.message_len);
                mc_buf_putc(b, '}');
            } else {
                if (open)
                    mc_buf_puts(b, notes ? "]}" : "}");
                mc_buf_puts(b, first ? "" : ",");
                first = false;
                json_pos(b, &d);
                mc_buf_puts(b, ",\"severity\":");
                mc_buf_json_string(b, d.severity, strlen(d.severity));
                mc_buf_puts(b, ",\"message\":");
                mc_buf_json_string(b, d.message, d.message_len);
                if (d.suggestion) {
                    mc_buf_puts(b, ",\"suggestion\":");
                    mc_buf_json_string(b, d.suggestion, strlen(d.suggestion));
                }
                open = true;
                notes = false;
            }
        }
        free(copy);
        line = nl ? nl + 1 : line + len;
    }
    if (open)
        mc_buf_puts(b, notes ? "]}" : "}");
    mc_buf_printf(b, "],\"errors\":%u,\"warnings\":%u}\n", nerrors, nwarnings);
}

/* diags_json's document with "sources" added before its closing brace. */
static void add_sources_json(const mc_config *cfg, mc_buf *b)
{
    if (b->len < 2 || b->data[b->len - 2] != '}')
        return;
    b->len -= 2;
    mc_buf_puts(b, ",\"sources\":");
    mc_cli_sources_json(cfg, b);
    mc_buf_puts(b, "}\n");
}

/* Load paths as one deployment and print what validate prints; label
 * (for --each) adds "path" to the JSON document.  Returns the exit code. */
static int validate_paths(const char *const *paths, size_t n, bool json, bool werror,
                          const char *label)
{
    mc_engine *e = mc_engine_new();
    if (!e) {
        fprintf(stderr, "mediac: out of memory\n");
        return EXIT_USAGE;
    }
    mc_engine_set_log(e, MC_LOG_WARN, NULL, NULL);
    mc_engine_load_paths(e, paths, n);
    const mc_config *cfg = mc_engine_config(e);
    const char *diags = mc_engine_diagnostics(e);
    unsigned ne = cfg->nerrors, nw = cfg->nwarnings;
    if (json) {
        mc_buf b = MC_BUF_INIT;
        if (label) {
            mc_buf_puts(&b, "{\"path\":");
            mc_buf_json_string(&b, label, strlen(label));
            mc_buf_putc(&b, ',');
        }
        size_t start = b.len;
        diags_json(diags, ne, nw, &b);
        add_sources_json(cfg, &b);
        if (label && b.len > start && b.data[start] == '{') {
            /* splice: drop the document's own opening brace */
            memmove(b.data + start, b.data + start + 1, b.len - start - 1);
            b.len--;
            b.data[b.len] = '\0';
        }
        fputs(b.oom ? "{\"error\":\"out of memory\"}\n" : mc_buf_cstr(&b), stdout);
        mc_buf_free(&b);
    } else {
        fputs(diags, stdout);
        printf("%u error%s, %u warning%s\n", ne, ne == 1 ? "" : "s", nw, nw == 1 ? "" : "s");
        mc_buf b = MC_BUF_INIT;
        mc_cli_sources_text(cfg, &b);
        fputs(mc_buf_cstr(&b), stderr);
        mc_buf_free(&b);
    }
    int rc = ne || (werror && nw) ? EXIT_ERRORS : 0;
    mc_engine_free(e);
    return rc;
}

typedef struct validate_opts {
    int format;                    /* 0 text, 1 json */
    bool werror, each;
} validate_opts;

static const char *const formats[] = {"text", "json", NULL};

static const mc_opt validate_rows[] = {
    {"format", NULL, MC_OPT_CHOICE, offsetof(validate_opts, format), .choices = formats,
     .arg = "FORMAT", .def = "text",
     .help = "text: file:line:col: severity: message and a summary; json: one document"},
    {"werror", NULL, MC_OPT_FLAG, offsetof(validate_opts, werror),
     .help = "warnings count as errors for the exit status"},
    {"each", NULL, MC_OPT_FLAG, offsetof(validate_opts, each),
     .help = "check every PATH on its own (a separate deployment each): one JSON document "
             "per line, with \"path\""},
};

const mc_command mc_validate_command = {
    .name = "validate",
    .operands = "PATH...",
    .summary = "Load configuration files the way run and serve do, without running a\n"
               "message, and report every mistake like a compiler.\n"
               "Exit status: 0 clean, 1 errors (or warnings with --werror), 2 usage.",
    .opts = validate_rows,
    .nopts = sizeof validate_rows / sizeof *validate_rows,
    .min_operands = 1,
    .details = "What was loaded from where goes to stderr (text) or \"sources\" (json).\n"
               MC_CLI_PROJECT_USAGE,
    .example = "  mediac validate flows/\n  mediac validate --format json --werror project/\n",
};

int mc_cmd_validate(int argc, char **argv)
{
    validate_opts o = {0};
    int optind;
    struct mc_toml *file;
    int prc = mc_opts_parse(&mc_validate_command, argc, argv, &o, &optind, &file);
    if (prc != MC_OPTS_CONTINUE)
        return prc;
    bool json = o.format == 1, werror = o.werror, each = o.each;
    if (each) {
        /* every PATH its own deployment: one JSON document per line */
        int rc = 0;
        for (int i = optind; i < argc; i++) {
            int r = validate_paths((const char *const *)argv + i, 1, true, werror, argv[i]);
            if (r > rc)
                rc = r;
        }
        return rc;
    }
    return validate_paths((const char *const *)argv + optind, (size_t)(argc - optind), json,
                          werror, NULL);
}

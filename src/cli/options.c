/* options.c - one parser for command-line flags and deployment.toml keys,
 * driven by the rows of a command (see options.h). */
#include "cli/options.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/suggest.h"
#include "util/buf.h"
#include "util/toml.h"

#define EXIT_USAGE 2

const mc_opt *mc_opts_find(const mc_command *cmd, const char *flag)
{
    for (size_t i = 0; i < cmd->nopts; i++)
        if (strcmp(cmd->opts[i].flag, flag) == 0)
            return &cmd->opts[i];
    return NULL;
}

static const mc_opt *find_key(const mc_command *cmd, const char *key)
{
    for (size_t i = 0; i < cmd->nopts; i++)
        if (cmd->opts[i].key && strcmp(cmd->opts[i].key, key) == 0)
            return &cmd->opts[i];
    return NULL;
}

static void *field(void *dst, const mc_opt *o)
{
    return (char *)dst + o->offset;
}

/* Why a number is refused: "needs a number >= 1" when it is below the
 * minimum, "needs a number <= 65535" above the maximum, the whole range when
 * it is not a number; then the row's reason, e.g. "(a TCP port)". */
enum { R_NAN, R_LOW, R_HIGH };

static void range_text(const mc_opt *o, int what, mc_buf *b)
{
    if (what == R_HIGH && !o->max)
        mc_buf_puts(b, "is too large");
    else if (what == R_HIGH)
        mc_buf_printf(b, "needs a number <= %lld", o->max);
    else if (what == R_NAN && o->max)
        mc_buf_printf(b, "needs a number from %lld to %lld", o->min, o->max);
    else
        mc_buf_printf(b, "needs a number >= %lld", o->min);
    if (o->type == MC_OPT_SIZE)
        mc_buf_puts(b, " (bytes; K, M, G suffixes)");
    if (o->range_why)
        mc_buf_printf(b, " (%s)", o->range_why);
}

static int range_fault(const mc_opt *o, long long v)
{
    return v < o->min ? R_LOW : R_HIGH;
}

static void choices_text(const mc_opt *o, mc_buf *b)
{
    for (size_t i = 0; o->choices[i]; i++)
        mc_buf_printf(b, "%s%s", i ? ", " : "", o->choices[i]);
}

/* Parse a number for o from text; false with the reason in why. */
static bool parse_number(const mc_opt *o, const char *s, long long *out, mc_buf *why)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    bool ok = end != s && !errno && (*s == '-' || *s == '+' || (*s >= '0' && *s <= '9'));
    if (ok && o->type == MC_OPT_SIZE && *end) {
        long long mul = 0;
        switch (*end) {
        case 'k': case 'K': mul = 1024; break;
        case 'm': case 'M': mul = 1024 * 1024; break;
        case 'g': case 'G': mul = 1024LL * 1024 * 1024; break;
        }
        if (mul && (end[1] == '\0' || ((end[1] == 'i' || end[1] == 'B') && end[2] == '\0') ||
                    (end[1] == 'i' && end[2] == 'B' && end[3] == '\0'))) {
            if (v > INT64_MAX / mul || v < INT64_MIN / mul)
                ok = false;
            v *= mul;
            end += strlen(end);
        }
    }
    if (!ok || *end) {
        range_text(o, errno == ERANGE ? (*s == '-' ? R_LOW : R_HIGH) : R_NAN, why);
        return false;
    }
    if (v < o->min || (o->max && v > o->max)) {
        range_text(o, range_fault(o, v), why);
        return false;
    }
    *out = v;
    return true;
}

static bool store_number(const mc_opt *o, void *dst, long long v, mc_buf *why)
{
    void *f = field(dst, o);
    /* the field's own width bounds the value too */
    long long hi = o->type == MC_OPT_INT ? INT32_MAX : o->type == MC_OPT_UINT ? UINT32_MAX :
                   INT64_MAX;
    if (v > hi) {
        range_text(o, R_HIGH, why);
        return false;
    }
    switch (o->type) {
    case MC_OPT_INT: *(int *)f = (int)v; break;
    case MC_OPT_UINT: *(unsigned *)f = (unsigned)v; break;
    case MC_OPT_LONG: *(long *)f = (long)v; break;
    case MC_OPT_SIZE: *(size_t *)f = (size_t)v; break;
    default: break;
    }
    return true;
}

static bool is_number_type(mc_opt_type t)
{
    return t == MC_OPT_INT || t == MC_OPT_UINT || t == MC_OPT_LONG || t == MC_OPT_SIZE;
}

/* Set o from a text value (a flag's argument, or a file string). */
static bool set_text(const mc_opt *o, void *dst, const char *flag, const char *s, mc_buf *why)
{
    if (is_number_type(o->type)) {
        long long v;
        return parse_number(o, s, &v, why) && store_number(o, dst, v, why);
    }
    switch (o->type) {
    case MC_OPT_STR:
        if (!*s) {
            mc_buf_puts(why, "needs a non-empty value");
            return false;
        }
        *(const char **)field(dst, o) = s;
        return true;
    case MC_OPT_CHOICE:
        for (int i = 0; o->choices[i]; i++)
            if (strcmp(o->choices[i], s) == 0) {
                *(int *)field(dst, o) = i;
                if (o->preset)
                    o->preset(dst, i);
                return true;
            }
        mc_buf_puts(why, "needs one of ");
        choices_text(o, why);
        return false;
    case MC_OPT_LIST:
        if (o->add(dst, flag, s))
            return true;
        why->len = 0;
        mc_buf_puts(why, "");
        return false;
    case MC_OPT_FLAG:
        *(bool *)field(dst, o) = true;
        return true;
    default:
        return false;
    }
}

/* ---- the configuration file ------------------------------------------------ */

static const char *toml_type_wanted(const mc_opt *o)
{
    switch (o->type) {
    case MC_OPT_STR: case MC_OPT_CHOICE: return "a string";
    case MC_OPT_FLAG: return "true or false";
    case MC_OPT_LIST: return "a string or an array of strings";
    case MC_OPT_SIZE: return "an integer (bytes) or a string such as \"10M\"";
    default: return "an integer";
    }
}

static bool apply_entry(const mc_command *cmd, const mc_opt *o, const mc_toml_entry *e,
                        const char *path, void *dst, mc_err *err)
{
    mc_buf why = MC_BUF_INIT;
    bool ok = false;
    const mc_toml_value *v = &e->v;
    bool type_ok = (is_number_type(o->type) && v->type == MC_TOML_INT) ||
                   (o->type == MC_OPT_SIZE && v->type == MC_TOML_STRING) ||
                   ((o->type == MC_OPT_STR || o->type == MC_OPT_CHOICE) &&
                    v->type == MC_TOML_STRING) ||
                   (o->type == MC_OPT_FLAG && v->type == MC_TOML_BOOL) ||
                   (o->type == MC_OPT_LIST && v->type == MC_TOML_STRING) ||
                   (o->type == MC_OPT_LIST && v->type == MC_TOML_ARRAY &&
                    (!v->n || v->items[0].type == MC_TOML_STRING));
    if (!type_ok) {
        mc_err_set(err, MC_ECONFIG, "%s:%d:%d: %s: needs %s, got %s %s", path, e->line, e->col,
                   e->key, toml_type_wanted(o),
                   v->type == MC_TOML_INT || v->type == MC_TOML_ARRAY ? "an" : "a",
                   v->type == MC_TOML_ARRAY && v->n ? "array of other values" :
                   mc_toml_type_name(v->type));
        return false;
    }
    if (v->type == MC_TOML_STRING && strlen(v->str) != v->len) {
        mc_err_set(err, MC_ECONFIG, "%s:%d:%d: %s: a NUL byte is not allowed here", path,
                   e->line, e->col, e->key);
        return false;
    }
    if (is_number_type(o->type) && v->type == MC_TOML_INT) {
        long long n = v->num;
        ok = n >= o->min && (!o->max || n <= o->max);
        if (!ok)
            range_text(o, range_fault(o, n), &why);
        ok = ok && store_number(o, dst, n, &why);
        if (!ok) {
            mc_err_set(err, MC_ECONFIG, "%s:%d:%d: %s: %s, got %lld", path, e->line, e->col,
                       e->key, mc_buf_cstr(&why), n);
            mc_buf_free(&why);
            return false;
        }
    } else if (o->type == MC_OPT_FLAG) {
        *(bool *)field(dst, o) = v->yes;
        ok = true;
    } else if (o->type == MC_OPT_LIST && v->type == MC_TOML_ARRAY) {
        ok = true;
        for (size_t i = 0; ok && i < v->n; i++)
            ok = set_text(o, dst, e->key, v->items[i].str, &why);
    } else {
        ok = set_text(o, dst, e->key, v->str, &why);
    }
    if (!ok)
        mc_err_set(err, MC_ECONFIG, "%s:%d:%d: %s: %s, got '%s'", path, e->line, e->col, e->key,
                   mc_buf_cstr(&why), v->type == MC_TOML_STRING ? v->str : "");
    (void)cmd;
    mc_buf_free(&why);
    return ok;
}

static void unknown_key(const mc_command *cmd, const mc_toml_entry *e, const char *path,
                        mc_err *err)
{
    const char *keys[64];
    size_t n = 0;
    for (size_t i = 0; i < cmd->nopts && n < 64; i++)
        if (cmd->opts[i].key)
            keys[n++] = cmd->opts[i].key;
    const char *near = mc_closest(e->key, keys, n);
    if (near)
        mc_err_set(err, MC_ECONFIG, "%s:%d:%d: unknown key '%s'; did you mean '%s'?", path,
                   e->line, e->col, e->key, near);
    else
        mc_err_set(err, MC_ECONFIG, "%s:%d:%d: unknown key '%s' (mediac serve --help lists "
                   "the keys)", path, e->line, e->col, e->key);
}

bool mc_opts_apply_file(const mc_command *cmd, const char *path, void *dst,
                        struct mc_toml **file, mc_err *err)
{
    *file = NULL;
    mc_toml *t = mc_toml_load(path, err);
    if (!t)
        return false;
    bool ok = true;
    /* unknown keys first, so a typo is reported whatever else is wrong */
    for (size_t i = 0; ok && i < t->n; i++)
        if (!find_key(cmd, t->entries[i].key)) {
            unknown_key(cmd, &t->entries[i], path, err);
            ok = false;
        }
    for (int pass = 0; ok && pass < 2; pass++)
        for (size_t i = 0; ok && i < t->n; i++) {
            const mc_opt *o = find_key(cmd, t->entries[i].key);
            if (!!o->preset == (pass == 0))
                ok = apply_entry(cmd, o, &t->entries[i], path, dst, err);
        }
    if (!ok) {
        mc_toml_free(t);
        return false;
    }
    *file = t;
    return true;
}

/* ---- argv --------------------------------------------------------------------- */

static void usage_error(const mc_command *cmd, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "mediac: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n(mediac %s --help shows the options)\n", cmd->name);
}

static const mc_opt *lookup_flag(const mc_command *cmd, const char *arg, size_t n)
{
    for (size_t i = 0; i < cmd->nopts; i++)
        if (strlen(cmd->opts[i].flag) == n && strncmp(cmd->opts[i].flag, arg, n) == 0)
            return &cmd->opts[i];
    return NULL;
}

static void unknown_flag(const mc_command *cmd, const char *arg)
{
    const char *flags[64];
    size_t n = 0;
    for (size_t i = 0; i < cmd->nopts && n < 63; i++)
        flags[n++] = cmd->opts[i].flag;
    flags[n++] = "help";
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
    const char *near = mc_closest(name, flags, n);
    if (near) {
        char sugg[140];
        snprintf(sugg, sizeof sugg, "--%s", near);
        usage_error(cmd, "unknown option '--%s'; did you mean '%s'?", name, sugg);
    } else {
        usage_error(cmd, "unknown option '%s'%s", arg, "");
    }
}

/* One pass over argv.  config_only: just find --config / --help. */
static int scan(const mc_command *cmd, int argc, char **argv, void *dst, int *first,
                bool presets_only, const char **config)
{
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            mc_opts_help(cmd, stdout);
            return 0;
        }
        if (a[0] != '-' || a[1] == '\0')
            break;                                  /* first operand */
        if (a[1] != '-') {
            usage_error(cmd, "unknown option '%s'%s", a, "");
            return EXIT_USAGE;
        }
        size_t n = strcspn(a + 2, "=");
        const mc_opt *o = lookup_flag(cmd, a + 2, n);
        if (!o) {
            unknown_flag(cmd, a);
            return EXIT_USAGE;
        }
        const char *val = a[2 + n] == '=' ? a + 3 + n : NULL;
        if (o->type == MC_OPT_FLAG) {
            if (val) {
                usage_error(cmd, "--%s takes no value, got '%s'", o->flag, val);
                return EXIT_USAGE;
            }
        } else if (!val) {
            if (i + 1 >= argc) {
                usage_error(cmd, "--%s: needs a value (%s)", o->flag, o->arg ? o->arg : "VALUE");
                return EXIT_USAGE;
            }
            val = argv[++i];
        }
        if (strcmp(o->flag, "config") == 0) {
            if (config)
                *config = val;
            continue;
        }
        if (presets_only != !!o->preset)
            continue;
        mc_buf why = MC_BUF_INIT;
        if (!set_text(o, dst, o->flag, val ? val : "", &why)) {
            if (why.len)
                fprintf(stderr, "mediac: --%s: %s, got '%s'\n", o->flag, mc_buf_cstr(&why), val);
            mc_buf_free(&why);
            return EXIT_USAGE;
        }
        mc_buf_free(&why);
    }
    if (!presets_only && argc - i < (int)cmd->min_operands) {
        fprintf(stderr, "mediac: %s needs %s\nusage: mediac %s [OPTIONS] %s\n", cmd->name,
                cmd->operands, cmd->name, cmd->operands);
        return EXIT_USAGE;
    }
    *first = i;
    return MC_OPTS_CONTINUE;
}

int mc_opts_parse(const mc_command *cmd, int argc, char **argv, void *dst, int *first,
                  struct mc_toml **file)
{
    const char *config = NULL;
    *file = NULL;
    /* presets given as flags, then the file, then the other flags */
    int rc = scan(cmd, argc, argv, dst, first, true, &config);
    if (rc != MC_OPTS_CONTINUE)
        return rc;
    if (config) {
        mc_err err = {0};
        if (!mc_opts_apply_file(cmd, config, dst, file, &err)) {
            fprintf(stderr, "mediac: %s\n", err.msg);
            return EXIT_USAGE;
        }
    }
    rc = scan(cmd, argc, argv, dst, first, false, NULL);
    if (rc != MC_OPTS_CONTINUE) {
        mc_toml_free(*file);
        *file = NULL;
    }
    return rc;
}

/* ---- help ----------------------------------------------------------------------- */

void mc_opts_help(const mc_command *cmd, FILE *f)
{
    fprintf(f, "usage: mediac %s%s %s\n\n%s\n", cmd->name, cmd->nopts ? " [OPTIONS]" : "",
            cmd->operands, cmd->summary);
    if (cmd->nopts)
        fputs("\noptions:\n", f);
    for (size_t i = 0; i < cmd->nopts; i++) {
        const mc_opt *o = &cmd->opts[i];
        char head[80];
        snprintf(head, sizeof head, "--%s%s%s", o->flag, o->type == MC_OPT_FLAG ? "" : " ",
                 o->type == MC_OPT_FLAG ? "" : o->arg ? o->arg : "VALUE");
        fprintf(f, "  %-26s %s", head, o->help);
        mc_buf extra = MC_BUF_INIT;
        if (o->type == MC_OPT_CHOICE) {
            mc_buf_puts(&extra, "one of ");
            choices_text(o, &extra);
        }
        if (o->def)
            mc_buf_printf(&extra, "%sdefault: %s", extra.len ? "; " : "", o->def);
        if (o->key)
            mc_buf_printf(&extra, "%sfile: %s", extra.len ? "; " : "", o->key);
        if (extra.len)
            fprintf(f, "\n  %-26s (%s)", "", mc_buf_cstr(&extra));
        mc_buf_free(&extra);
        fputc('\n', f);
    }
    fprintf(f, "  %-26s %s\n", "--help", "show this help and exit");
    if (cmd->details)
        fprintf(f, "\n%s", cmd->details);
    if (cmd->example)
        fprintf(f, "\nexample:\n%s", cmd->example);
}

/* ---- man pages ------------------------------------------------------------------ */

/* Text for troff: backslashes doubled, a leading '.' or '\'' escaped. */
static void man_text(FILE *f, const char *s)
{
    bool bol = true;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", f);
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
        bol = *s == '\n';
    }
}

void mc_opts_man(const mc_command *cmd, const char *version, FILE *f)
{
    fprintf(f, ".TH MEDIAC\\-%s 1 \"\" \"mediac %s\" \"mediac manual\"\n", cmd->name,
            version);
    fprintf(f, ".SH NAME\nmediac\\-%s \\- ", cmd->name);
    const char *nl = strchr(cmd->summary, '.');
    fprintf(f, "%.*s\n", nl ? (int)(nl - cmd->summary) : (int)strlen(cmd->summary),
            cmd->summary);
    fprintf(f, ".SH SYNOPSIS\n.B mediac %s\n%s", cmd->name, cmd->nopts ? "[\\fIOPTIONS\\fR] " : "");
    man_text(f, cmd->operands);
    fputs("\n.SH DESCRIPTION\n", f);
    man_text(f, cmd->summary);
    fputs("\n", f);
    if (cmd->nopts)
        fputs(".SH OPTIONS\n", f);
    for (size_t i = 0; i < cmd->nopts; i++) {
        const mc_opt *o = &cmd->opts[i];
        fprintf(f, ".TP\n.B \\-\\-");
        man_text(f, o->flag);
        if (o->type != MC_OPT_FLAG) {
            fputs(" \\fI", f);
            man_text(f, o->arg ? o->arg : "VALUE");
            fputs("\\fR", f);
        }
        fputc('\n', f);
        man_text(f, o->help);
        fputs(".\n", f);
        if (o->type == MC_OPT_CHOICE) {
            mc_buf b = MC_BUF_INIT;
            choices_text(o, &b);
            fputs("One of: ", f);
            man_text(f, mc_buf_cstr(&b));
            fputs(".\n", f);
            mc_buf_free(&b);
        }
        if (is_number_type(o->type)) {
            mc_buf b = MC_BUF_INIT;
            range_text(o, R_NAN, &b);
            fputs("It ", f);
            man_text(f, mc_buf_cstr(&b));
            fputs(".\n", f);
            mc_buf_free(&b);
        }
        if (o->def) {
            fputs("Default: ", f);
            man_text(f, o->def);
            fputs(".\n", f);
        }
        if (o->key) {
            fputs("In the configuration file: \\fB", f);
            man_text(f, o->key);
            fputs("\\fR.\n", f);
        }
    }
    if (cmd->details) {
        fputs(".SH NOTES\n.nf\n", f);
        man_text(f, cmd->details);
        fputs(".fi\n", f);
    }
    if (cmd->example) {
        fputs(".SH EXAMPLES\n.nf\n", f);
        man_text(f, cmd->example);
        fputs(".fi\n", f);
    }
    fputs(".SH SEE ALSO\n\\fBmediac\\fR(1), docs/operations.md\n", f);
}

/* values.c - configuration values and secrets, filled before artifacts
 * load:
 *  - a config-values file (MI's conf/file.properties, a VS Code project's
 *    .env): NAME=VALUE lines, the values of MI 4.4 ${configs.NAME} and of
 *    $FILE:NAME; an environment variable of the same name wins, as MI's
 *    ConfigDeployer reads the environment first;
 *  - a project's declared names (resources/conf/config.properties,
 *    "NAME:TYPE" lines): each is taken from the environment when set;
 *  - a secrets file: ALIAS=VALUE lines (a value in brackets, "[x]", is the
 *    plain text the way MI's cipher-text.properties marks it), the secrets
 *    wso2:vault-lookup('ALIAS') returns;
 * and, while files are compiled, the whole-value parameters Synapse
 * resolves at deployment ($SYSTEM:NAME, $FILE:NAME, ${configs.NAME}).
 * Secret values are never printed: diagnostics name the alias only. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/internal.h"

#define MAX_VALUE_LINE (1024 * 1024)

/* ---- properties-style files --------------------------------------------- */

typedef enum { FMT_PROPERTIES, FMT_DOTENV } file_format;

/* Decode a Java-properties value (escapes \t \n \r \f \\ \uXXXX) into b. */
static void unescape(mc_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != '\\' || i + 1 == n) {
            mc_buf_putc(b, c);
            continue;
        }
        c = s[++i];
        switch (c) {
        case 't': mc_buf_putc(b, '\t'); break;
        case 'n': mc_buf_putc(b, '\n'); break;
        case 'r': mc_buf_putc(b, '\r'); break;
        case 'f': mc_buf_putc(b, '\f'); break;
        case 'u': {
            unsigned cp = 0;
            size_t k = 0;
            for (; k < 4 && i + 1 + k < n && isxdigit((unsigned char)s[i + 1 + k]); k++) {
                char h = s[i + 1 + k];
                cp = cp * 16 + (unsigned)(isdigit((unsigned char)h) ? h - '0' : (tolower(h) - 'a' + 10));
            }
            if (k < 4) {              /* not an escape: keep it as written */
                mc_buf_puts(b, "\\u");
                break;
            }
            i += 4;
            if (cp < 0x80) {
                mc_buf_putc(b, (char)cp);
            } else if (cp < 0x800) {
                mc_buf_putc(b, (char)(0xC0 | (cp >> 6)));
                mc_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
            } else {
                mc_buf_putc(b, (char)(0xE0 | (cp >> 12)));
                mc_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
                mc_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
            }
            break;
        }
        default: mc_buf_putc(b, c); break;
        }
    }
}


static bool blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

/* One logical line (continuations joined for properties) into out. */
static size_t logical_line(const char *s, size_t n, size_t i, file_format fmt, mc_buf *out,
                           int *lines)
{
    *lines = 0;
    for (;;) {
        size_t start = i;
        while (i < n && s[i] != '\n' && s[i] != '\r')
            i++;
        size_t end = i;
        if (i < n && s[i] == '\r')
            i++;
        if (i < n && s[i] == '\n')
            i++;
        ++*lines;
        /* an odd number of trailing backslashes continues the line */
        size_t bs = 0;
        while (end - bs > start && s[end - bs - 1] == '\\')
            bs++;
        if (fmt == FMT_PROPERTIES && bs % 2 == 1 && i < n) {
            mc_buf_append(out, s + start, end - start - 1);
            while (i < n && blank(s[i]))
                i++;
            continue;
        }
        mc_buf_append(out, s + start, end - start);
        return i;
    }
}

static mc_code parse_pairs(mc_config *cfg, const char *file, const char *s, size_t n,
                           file_format fmt, pair_fn fn, void *ud)
{
    unsigned before = cfg ? cfg->nerrors : 0; /* no cfg: a quiet parse */
    int line = 1;
    for (size_t i = 0; i < n;) {
        mc_buf l = MC_BUF_INIT;
        int used;
        i = logical_line(s, n, i, fmt, &l, &used);
        int at = line;
        line += used;
        const char *p = mc_buf_cstr(&l);
        size_t len = l.len;
        size_t k = 0;
        while (k < len && blank(p[k]))
            k++;
        if (k == len || p[k] == '#' || (fmt == FMT_PROPERTIES && p[k] == '!')) {
            mc_buf_free(&l);
            continue;
        }
        if (l.len > MAX_VALUE_LINE) {
            if (cfg)
                mc_diag_at(cfg, file, at, 1, MC_DIAG_ERROR, "line longer than %d bytes",
                           MAX_VALUE_LINE);
            mc_buf_free(&l);
            break;
        }
        if (fmt == FMT_DOTENV && len - k > 7 && strncmp(p + k, "export", 6) == 0 &&
            blank(p[k + 6]))
            for (k += 6; k < len && blank(p[k]);)
                k++;
        /* the name ends at an unescaped '=', ':' (properties) or blank */
        size_t ks = k;
        while (k < len && p[k] != '=' && (fmt == FMT_DOTENV || p[k] != ':') && !blank(p[k])) {
            if (p[k] == '\\' && k + 1 < len)
                k++;
            k++;
        }
        size_t ke = k;
        while (k < len && blank(p[k]))
            k++;
        if (k < len && (p[k] == '=' || (fmt == FMT_PROPERTIES && p[k] == ':'))) {
            k++;
            while (k < len && blank(p[k]))
                k++;
        } else if (fmt == FMT_DOTENV) {
            if (cfg)
                mc_diag_at(cfg, file, at, (int)ks + 1, MC_DIAG_ERROR,
                           "expected NAME=VALUE");
            mc_buf_free(&l);
            continue;
        }
        mc_buf name = MC_BUF_INIT, value = MC_BUF_INIT;
        unescape(&name, p + ks, ke - ks);
        size_t ve = len;
        if (fmt == FMT_DOTENV) {
            while (ve > k && blank(p[ve - 1]))
                ve--;
            if (ve - k >= 2 && (p[k] == '"' || p[k] == '\'') && p[ve - 1] == p[k]) {
                if (p[k] == '"')
                    unescape(&value, p + k + 1, ve - k - 2);
                else
                    mc_buf_append(&value, p + k + 1, ve - k - 2);
            } else {
                mc_buf_append(&value, p + k, ve - k);
            }
        } else {
            unescape(&value, p + k, ve - k);
        }
        if (name.len == 0 && cfg)
            mc_diag_at(cfg, file, at, (int)ks + 1, MC_DIAG_ERROR, "empty name");
        else if (!name.oom && !value.oom)
            fn(cfg, file, at, mc_buf_cstr(&name), mc_buf_cstr(&value), ud);
        mc_buf_free(&name);
        mc_buf_free(&value);
        mc_buf_free(&l);
    }
    return cfg && cfg->nerrors > before ? MC_ECONFIG : MC_OK;
}

/* ---- a registry resource's properties -------------------------------------- */

typedef struct find_property {
    const char *name;
    mc_buf *out;
    bool found;
} find_property;

static void match_property(mc_config *cfg, const char *file, int line, const char *name,
                           const char *value, void *ud)
{
    (void)cfg, (void)file, (void)line;
    find_property *f = ud;
    if (strcmp(name, f->name) == 0) {   /* the last one wins, as java.util.Properties */
        mc_buf_reset(f->out);
        mc_buf_puts(f->out, value);
        f->found = true;
    }
}

bool mc_properties_value(const char *text, size_t len, const char *name, mc_buf *out)
{
    find_property f = {name, out, false};
    parse_pairs(NULL, NULL, text, len, FMT_PROPERTIES, match_property, &f);
    return f.found && !out->oom;
}

mc_code mc_parse_properties(mc_config *cfg, const char *name, const char *data, size_t len,
                            pair_fn fn, void *ud)
{
    return parse_pairs(cfg, name, data, len, FMT_PROPERTIES, fn, ud);
}

static bool is_dotenv(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    return strcmp(base, ".env") == 0 || (n > 4 && strcmp(base + n - 4, ".env") == 0);
}

static mc_code load_pairs(mc_config *cfg, const char *path, pair_fn fn, void *ud)
{
    mc_buf b = MC_BUF_INIT;
    mc_code rc = mc_read_config_file(cfg, path, &b);
    if (rc == MC_OK)
        rc = parse_pairs(cfg, path, mc_buf_cstr(&b), b.len,
                         is_dotenv(path) ? FMT_DOTENV : FMT_PROPERTIES, fn, ud);
    mc_buf_free(&b);
    return rc;
}

/* ---- config values -------------------------------------------------------- */

static void put_value(mc_config *cfg, const char *file, int line, const char *name,
                      const char *value, void *ud)
{
    (void)file, (void)line, (void)ud;
    const char *env = getenv(name);
    mc_config_set_value(cfg, name, env ? env : value);
}

mc_code mc_config_load_values(mc_config *cfg, const char *path)
{
    return load_pairs(cfg, path, put_value, NULL);
}

static void declare_value(mc_config *cfg, const char *file, int line, const char *name,
                          const char *type, void *ud)
{
    (void)file, (void)line, (void)type, (void)ud;
    const char *env = getenv(name);
    if (env)
        mc_config_set_value(cfg, name, env);
}

mc_code mc_config_declare_values(mc_config *cfg, const char *path)
{
    return load_pairs(cfg, path, declare_value, NULL);
}

/* ---- secrets ------------------------------------------------------------------ */

static void put_secret(mc_config *cfg, const char *file, int line, const char *alias,
                       const char *value, void *ud)
{
    (void)file, (void)line, (void)ud;
    size_t n = strlen(value);
    if (n >= 2 && value[0] == '[' && value[n - 1] == ']') {
        char *plain = strndup(value + 1, n - 2);
        if (plain)
            mc_config_set_secret(cfg, alias, plain);
        free(plain);
        return;
    }
    mc_config_set_secret(cfg, alias, value);
}

mc_code mc_config_load_secrets(mc_config *cfg, const char *path)
{
    return load_pairs(cfg, path, put_secret, NULL);
}

mc_code mc_config_parse_values(mc_config *cfg, const char *name, const char *data, size_t len,
                               bool secrets)
{
    return parse_pairs(cfg, name, data, len, is_dotenv(name) ? FMT_DOTENV : FMT_PROPERTIES,
                       secrets ? put_secret : put_value, NULL);
}

mc_code mc_config_parse_declarations(mc_config *cfg, const char *name, const char *data,
                                     size_t len)
{
    return parse_pairs(cfg, name, data, len, FMT_PROPERTIES, declare_value, NULL);
}

const char *mc_config_vault_lookup(mc_config *cfg, const char *alias)
{
    const char *v = mc_config_secret(cfg, alias);
    if (!v && (v = getenv(alias)) && mc_config_set_secret(cfg, alias, v) == MC_OK)
        v = mc_config_secret(cfg, alias);
    return v;
}

/* ---- parameters resolved at deployment ------------------------------------- */

/* "$SYSTEM:NAME", "$FILE:NAME" or "${configs.NAME}" as the whole of s (after
 * trimming): the kind and the name; 0 when s is none of them. */
enum { PARAM_NONE, PARAM_SYSTEM, PARAM_FILE, PARAM_CONFIGS };

static bool name_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

static int parameter_of(const char *s, const char **name, size_t *nlen)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    int kind = PARAM_NONE;
    const char *p = NULL;
    if (strncmp(s, "$SYSTEM:", 8) == 0)
        kind = PARAM_SYSTEM, p = s + 8;
    else if (strncmp(s, "$FILE:", 6) == 0)
        kind = PARAM_FILE, p = s + 6;
    else if (strncmp(s, "${configs.", 10) == 0)
        kind = PARAM_CONFIGS, p = s + 10;
    if (!kind)
        return PARAM_NONE;
    size_t n = 0;
    while (name_char(p[n]))
        n++;
    const char *rest = p + n;
    if (kind == PARAM_CONFIGS) {
        if (*rest != '}')
            return PARAM_NONE;
        rest++;
    }
    while (*rest == ' ' || *rest == '\t' || *rest == '\n' || *rest == '\r')
        rest++;
    if (!n || *rest)
        return PARAM_NONE;   /* not the whole value: left as written */
    *name = p;
    *nlen = n;
    return kind;
}

/* Attributes whose value is an expression: ${configs.x} there is the
 * expression language's, and $SYSTEM:X an XPath variable (the
 * environment), evaluated per message. */
static bool expression_attr(const char *name)
{
    return strcmp(name, "expression") == 0 || strcmp(name, "xpath") == 0 ||
           strcmp(name, "source") == 0;
}

/* The value of one parameter, or NULL after reporting. */
static const char *resolve_parameter(mc_compiler *cc, xmlNodePtr node, const char *attr,
                                     int kind, const char *name, size_t n)
{
    char key[256];
    if (n >= sizeof key) {
        mc_diag(cc, node, attr, MC_DIAG_ERROR, "parameter name longer than %zu bytes",
                sizeof key - 1);
        return NULL;
    }
    memcpy(key, name, n);
    key[n] = '\0';
    const char *v = NULL;
    switch (kind) {
    case PARAM_SYSTEM:
        if (!(v = getenv(key)))
            mc_diag(cc, node, attr, MC_DIAG_ERROR,
                    "$SYSTEM:%s: environment variable '%s' is not set", key, key);
        break;
    case PARAM_FILE:
        if (!(v = mc_config_value(cc->cfg, key)))
            mc_diag(cc, node, attr, MC_DIAG_ERROR,
                    "$FILE:%s: no value '%s' in the config-values file (--config-values FILE)",
                    key, key);
        break;
    default:
        if (!(v = mc_config_value(cc->cfg, key)))
            mc_diag(cc, node, attr, MC_DIAG_ERROR,
                    "${configs.%s}: no value for '%s' (set the environment variable or "
                    "give it in the config-values file)", key, key);
        break;
    }
    return v;
}

static void resolve_tree(mc_compiler *cc, xmlNodePtr node, unsigned depth)
{
    if (depth > 256)
        return;
    for (xmlAttrPtr a = node->properties; a; a = a->next) {
        if (!a->children || a->children->type != XML_TEXT_NODE || a->children->next)
            continue;
        const char *name;
        size_t n;
        int kind = parameter_of((const char *)a->children->content, &name, &n);
        if (!kind || expression_attr((const char *)a->name))
            continue;
        const char *v = resolve_parameter(cc, node, (const char *)a->name, kind, name, n);
        if (v)
            xmlNodeSetContent(a->children, BAD_CAST v);
    }
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            resolve_tree(cc, c, depth + 1);
        } else if (c->type == XML_TEXT_NODE && c->content) {
            const char *name;
            size_t n;
            int kind = parameter_of((const char *)c->content, &name, &n);
            if (!kind)
                continue;
            const char *v = resolve_parameter(cc, node, NULL, kind, name, n);
            if (v)
                xmlNodeSetContent(c, BAD_CAST v);
        }
    }
}

void mc_resolve_parameters(mc_compiler *cc, xmlNodePtr root)
{
    resolve_tree(cc, root, 0);
}

/* ---- vault-lookup in expressions -------------------------------------------- */

void mc_check_vault_aliases(mc_compiler *cc, xmlNodePtr node, const char *attr,
                            const char *src)
{
    static const char fn[] = "vault-lookup(";
    for (const char *p = src; (p = strstr(p, fn)); ) {
        p += sizeof fn - 1;
        while (*p == ' ')
            p++;
        char q = *p;
        if (q != '\'' && q != '"')
            continue;                  /* an expression: checked at run time */
        const char *end = strchr(p + 1, q);
        if (!end)
            break;
        char alias[256];
        size_t n = (size_t)(end - p - 1);
        if (n == 0 || n >= sizeof alias) {
            p = end;
            continue;
        }
        memcpy(alias, p + 1, n);
        alias[n] = '\0';
        if (!mc_config_vault_lookup(cc->cfg, alias))
            mc_diag(cc, node, attr, MC_DIAG_ERROR,
                    "vault alias '%s' not found (not in the secrets file, --secrets FILE, "
                    "nor an environment variable)", alias);
        p = end;
    }
}

/* project.c - the project options and the load summary (project.h). */
#include "cli/project.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *flag;
    const char *env;
} project_opts[] = {
    {"--registry", "MEDIAC_REGISTRY"},
    {"--secrets", "MEDIAC_SECRETS"},
    {"--config-values", "MEDIAC_CONFIG_VALUES"},
};

static void append_env(const char *name, const char *value)
{
    const char *old = getenv(name);
    if (!old || !*old) {
        setenv(name, value, 1);
        return;
    }
    mc_buf b = MC_BUF_INIT;
    mc_buf_printf(&b, "%s:%s", old, value);
    if (!b.oom)
        setenv(name, mc_buf_cstr(&b), 1);
    mc_buf_free(&b);
}

bool mc_cli_project_add(const char *flag, const char *value)
{
    for (size_t k = 0; k < sizeof project_opts / sizeof *project_opts; k++)
        if (strcmp(project_opts[k].flag + 2, flag) == 0) {
            append_env(project_opts[k].env, value);
            return true;
        }
    return false;
}

int mc_cli_project_options(int argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                argv[out++] = argv[i++];
            break;
        }
        bool taken = false;
        for (size_t k = 0; k < sizeof project_opts / sizeof *project_opts && !taken; k++) {
            size_t fl = strlen(project_opts[k].flag);
            if (strncmp(a, project_opts[k].flag, fl) != 0 || (a[fl] && a[fl] != '='))
                continue;
            const char *v = a[fl] == '=' ? a + fl + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || !*v) {
                fprintf(stderr, "mediac: %s needs a value\n", project_opts[k].flag);
                return -1;
            }
            append_env(project_opts[k].env, v);
            taken = true;
        }
        if (!taken)
            argv[out++] = argv[i];
    }
    argv[out] = NULL;
    return out;
}

static size_t count_sources(const mc_config *cfg, const mc_source **list, size_t max)
{
    size_t n = 0;
    for (const mc_source *s = cfg->sources; s && n < max; s = s->next)
        list[n++] = s;
    return n;
}

void mc_cli_sources_text(const mc_config *cfg, mc_buf *out)
{
    const mc_source *list[256];
    size_t n = count_sources(cfg, list, 256);
    for (size_t i = n; i-- > 0;) {
        const mc_source *s = list[i];
        mc_buf_printf(out, "mediac: loaded %u artifact%s", s->artifacts,
                      s->artifacts == 1 ? "" : "s");
        if (s->resources)
            mc_buf_printf(out, " and %u registry resource%s", s->resources,
                          s->resources == 1 ? "" : "s");
        mc_buf_printf(out, " from %s (%s)\n", s->path, s->layout);
    }
}

void mc_cli_sources_json(const mc_config *cfg, mc_buf *out)
{
    const mc_source *list[256];
    size_t n = count_sources(cfg, list, 256);
    mc_buf_putc(out, '[');
    for (size_t i = n; i-- > 0;) {
        const mc_source *s = list[i];
        mc_buf_puts(out, "{\"path\":");
        mc_buf_json_string(out, s->path, strlen(s->path));
        mc_buf_puts(out, ",\"layout\":");
        mc_buf_json_string(out, s->layout, strlen(s->layout));
        mc_buf_printf(out, ",\"artifacts\":%u,\"resources\":%u}%s", s->artifacts, s->resources,
                      i ? "," : "");
    }
    mc_buf_putc(out, ']');
}

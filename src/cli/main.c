/* main.c - the mediac command: run, validate, describe (serve lands with
 * the server).  Exit codes: 0 success, 1 the flow faulted / validation
 * found errors, 2 usage or configuration errors. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_internal.h"
#include "cli/project.h"
#include "json/json.h"
#include "cli/serve.h"
#include "cli/validate.h"
#include "mediac.h"
#include "util/buf.h"

#define EXIT_FAULT 1
#define EXIT_USAGE 2

static void usage(FILE *f)
{
    fputs("usage: mediac COMMAND [OPTIONS] PATH...\n"
          "\n"
          "commands:\n"
          "  run       run one message through a sequence or proxy\n"
          "  validate  check configuration files without running them\n"
          "  describe  describe a connector or one of its operations\n"
          "  serve     host every proxy and API over HTTP (see docs/serve.md)\n"
          "  version   print the version\n"
          "\n"
          "mediac run [--sequence NAME | --proxy NAME] [--payload FILE|-]\n"
          "           [--content-type TYPE] [--property NAME=VALUE]...\n"
          "           [--header NAME=VALUE]... [--status] [--repeat N]\n"
          "           [--log-level error|warn|info|debug] PATH...\n"
          "mediac validate [--format text|json] [--werror] PATH...\n"
          "mediac describe CONNECTOR[.OPERATION]\n"
          "\n"
          "PATH: Synapse XML files or folders, an MI project, an Integration Studio\n"
          "project, an MI server folder, or a .car archive.\n"
          MC_CLI_PROJECT_USAGE, f);
}

static int parse_level(const char *s)
{
    if (!strcasecmp(s, "error")) return MC_LOG_ERROR;
    if (!strcasecmp(s, "warn")) return MC_LOG_WARN;
    if (!strcasecmp(s, "info")) return MC_LOG_INFO;
    if (!strcasecmp(s, "debug")) return MC_LOG_DEBUG;
    return -1;
}

static bool read_all(FILE *f, mc_buf *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        mc_buf_append(b, chunk, n);
    return !ferror(f) && !b->oom;
}

static bool read_payload(const char *path, mc_buf *b)
{
    if (strcmp(path, "-") == 0)
        return read_all(stdin, b);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "mediac: cannot open payload %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = read_all(f, b);
    fclose(f);
    if (!ok)
        fprintf(stderr, "mediac: cannot read payload %s\n", path);
    return ok;
}

typedef struct kv_list {
    char **items;
    size_t n;
} kv_list;

static bool add_kv(kv_list *l, char *arg, const char *what)
{
    if (!strchr(arg, '=')) {
        fprintf(stderr, "mediac: --%s needs NAME=VALUE, got '%s'\n", what, arg);
        return false;
    }
    char **p = realloc(l->items, (l->n + 1) * sizeof *p);
    if (!p)
        return false;
    l->items = p;
    l->items[l->n++] = arg;
    return true;
}

static void print_fault_json(mc_message *m)
{
    mc_buf b = MC_BUF_INIT;
    mc_json_fault(&b, mc_message_error_code(m), mc_message_error_message(m));
    mc_buf_putc(&b, '\n');
    fputs(mc_buf_cstr(&b), stderr);
    mc_buf_free(&b);
}

/* The sequence to run when none is named: the only one, or "main". */
static const char *default_sequence(const mc_config *cfg)
{
    if (cfg->sequences.n == 1)
        return cfg->sequences.items[0].name;
    if (mc_config_sequence(cfg, "main"))
        return "main";
    return NULL;
}

static int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"sequence", required_argument, 0, 's'},
        {"proxy", required_argument, 0, 'p'},
        {"payload", required_argument, 0, 'd'},
        {"content-type", required_argument, 0, 't'},
        {"property", required_argument, 0, 'P'},
        {"header", required_argument, 0, 'H'},
        {"status", no_argument, 0, 'S'},
        {"repeat", required_argument, 0, 'r'},
        {"log-level", required_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *sequence = NULL, *proxy = NULL, *payload_path = NULL;
    const char *ctype = NULL;
    kv_list props = {0}, headers = {0};
    bool show_status = false;
    long repeat = 1;
    int level = MC_LOG_INFO, c, rc = EXIT_USAGE;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': sequence = optarg; break;
        case 'p': proxy = optarg; break;
        case 'd': payload_path = optarg; break;
        case 't': ctype = optarg; break;
        case 'P': if (!add_kv(&props, optarg, "property")) goto out; break;
        case 'H': if (!add_kv(&headers, optarg, "header")) goto out; break;
        case 'S': show_status = true; break;
        case 'r':
            repeat = strtol(optarg, NULL, 10);
            if (repeat < 1) {
                fprintf(stderr, "mediac: --repeat needs a positive number\n");
                goto out;
            }
            break;
        case 'l':
            if ((level = parse_level(optarg)) < 0) {
                fprintf(stderr, "mediac: unknown log level '%s'\n", optarg);
                goto out;
            }
            break;
        case 'h': usage(stdout); rc = 0; goto out;
        default: usage(stderr); goto out;
        }
    }
    if (sequence && proxy) {
        fprintf(stderr, "mediac: give --sequence or --proxy, not both\n");
        goto out;
    }
    if (optind >= argc) {
        fprintf(stderr, "mediac: run needs at least one PATH\n");
        usage(stderr);
        goto out;
    }
    mc_buf payload = MC_BUF_INIT;
    if (payload_path && !read_payload(payload_path, &payload)) {
        mc_buf_free(&payload);
        goto out;
    }
    mc_engine *e = mc_engine_new();
    if (!e) {
        mc_buf_free(&payload);
        goto out;
    }
    mc_engine_set_log(e, level, NULL, NULL);
    mc_code lrc = mc_engine_load_paths(e, (const char *const *)argv + optind,
                                       (size_t)(argc - optind));
    fputs(mc_engine_diagnostics(e), stderr);
    mc_buf sources = MC_BUF_INIT;
    mc_cli_sources_text(mc_engine_config(e), &sources);
    fputs(mc_buf_cstr(&sources), stderr);
    mc_buf_free(&sources);
    if (lrc != MC_OK) {
        fprintf(stderr, "mediac: configuration failed to load\n");
        goto done;
    }
    if (!sequence && !proxy) {
        sequence = default_sequence(mc_engine_config(e));
        if (!sequence) {
            fprintf(stderr, "mediac: more than one sequence and none named 'main': "
                            "use --sequence NAME or --proxy NAME\n");
            goto done;
        }
    }
    for (long i = 0; i < repeat; i++) {
        mc_message *m = mc_message_new(e);
        if (!m)
            goto done;
        mc_code prc = payload_path ? mc_message_set_payload(m, payload.data ? payload.data : "",
                                                            payload.len, ctype)
                                   : MC_OK;
        if (prc != MC_OK) {
            fprintf(stderr, "mediac: %s\n", mc_message_error_message(m));
            mc_message_free(m);
            rc = EXIT_USAGE;
            goto done;
        }
        for (size_t k = 0; k < props.n; k++) {
            char *eq = strchr(props.items[k], '=');
            *eq = '\0';
            mc_message_set_property(m, props.items[k], eq + 1);
            *eq = '=';
        }
        for (size_t k = 0; k < headers.n; k++) {
            char *eq = strchr(headers.items[k], '=');
            *eq = '\0';
            mc_message_set_header(m, headers.items[k], eq + 1);
            *eq = '=';
        }
        mc_code r = proxy ? mc_run_proxy(m, proxy) : mc_run_sequence(m, sequence);
        bool last = i == repeat - 1;
        if (r == MC_ENOTFOUND) {
            fprintf(stderr, "mediac: no %s named '%s'\n", proxy ? "proxy" : "sequence",
                    proxy ? proxy : sequence);
            mc_message_free(m);
            rc = EXIT_USAGE;
            goto done;
        }
        if (last) {
            if (r == MC_OK) {
                size_t n;
                const char *out = mc_message_payload(m, &n);
                fwrite(out, 1, n, stdout);
                if (n && out[n - 1] != '\n')
                    fputc('\n', stdout);
                rc = 0;
            } else if (r == MC_EFAULT) {
                print_fault_json(m);
                rc = EXIT_FAULT;
            } else {
                fprintf(stderr, "mediac: %s\n", mc_strerror(r));
                rc = EXIT_FAULT;
            }
            if (show_status)
                fprintf(stderr, "status: %d\n", mc_message_status(m));
        }
        mc_message_free(m);
    }
done:
    mc_engine_free(e);
    mc_buf_free(&payload);
out:
    free(props.items);
    free(headers.items);
    return rc;
}

static int cmd_describe(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mediac describe CONNECTOR[.OPERATION]\n");
        return EXIT_USAGE;
    }
    mc_err err = {0};
    mc_connectors *cs = mc_connectors_load(&err);
    if (!cs) {
        fprintf(stderr, "mediac: %s\n", err.msg);
        return EXIT_USAGE;
    }
    mc_buf b = MC_BUF_INIT;
    mc_code rc = mc_connectors_describe(cs, argv[1], &b);
    if (rc == MC_OK)
        fputs(mc_buf_cstr(&b), stdout);
    else
        fprintf(stderr, "mediac: no connector or operation named '%s'\n", argv[1]);
    mc_buf_free(&b);
    mc_connectors_free(cs);
    return rc == MC_OK ? 0 : EXIT_FAULT;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    argc = mc_cli_project_options(argc, argv);
    if (argc < 0)
        return EXIT_USAGE;
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "validate") == 0)
        return mc_cmd_validate(argc - 1, argv + 1);
    if (strcmp(cmd, "describe") == 0)
        return cmd_describe(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return mc_cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("mediac %s\n", MC_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "mediac: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}

/* main.c - the mediac command: run, validate, describe, serve, version.
 * Each subcommand's flags are rows (src/cli/options.h), so every one
 * answers --help with its options, defaults and an example, and every
 * error names its flag.  Exit codes: 0 success, 1 the flow faulted /
 * validation found errors, 2 usage or configuration errors. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_internal.h"
#include "cli/describe.h"
#include "cli/options.h"
#include "cli/project.h"
#include "json/json.h"
#include "cli/serve.h"
#include "host/host.h"
#include "util/suggest.h"
#include "cli/validate.h"
#include "mediac.h"
#include "util/buf.h"
#include "util/log.h"

#define EXIT_FAULT 1
#define EXIT_USAGE 2

static void usage(FILE *f)
{
    fputs("usage: mediac COMMAND [OPTIONS] [PATH...]\n"
          "\n"
          "commands:\n"
          "  run       run one message through a sequence, proxy or API resource\n"
          "  serve     deploy every proxy and API and answer HTTP\n"
          "  validate  check configuration files without running them\n"
          "  describe  list or describe mediators, connectors and operations\n"
          "  version   print the version\n"
          "\n"
          "mediac COMMAND --help shows a command's options, defaults and an example;\n"
          "man mediac-COMMAND has the same and more.\n"
          "\n"
          "PATH: Synapse XML files or folders, an MI project, an Integration Studio\n"
          "project, an MI server folder, or a .car archive.\n"
          MC_CLI_PROJECT_USAGE, f);
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

static bool add_kv(kv_list *l, const char *arg, const char *what)
{
    if (!strchr(arg, '=') || arg[0] == '=') {
        fprintf(stderr, "mediac: --%s: needs NAME=VALUE, got '%s'\n", what, arg);
        return false;
    }
    char **p = realloc(l->items, (l->n + 1) * sizeof *p);
    if (!p)
        return false;
    l->items = p;
    l->items[l->n++] = (char *)arg;
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

typedef struct run_opts {
    const char *sequence, *proxy, *payload, *ctype;
    const char *api, *method, *path;
    kv_list props, headers;
    bool status;
    long repeat;
    int log_level;
    int log_format;
} run_opts;

static bool add_property(void *dst, const char *flag, const char *v)
{
    return add_kv(&((run_opts *)dst)->props, v, "property");
}

static bool add_header(void *dst, const char *flag, const char *v)
{
    return add_kv(&((run_opts *)dst)->headers, v, "header");
}

/* --api NAME --method M --path P: route as serve does (the resource whose
 * uri-template or url-mapping matches, by method), build the message with
 * the one inbound conversion of the host layer, run it.  MC_ENOTFOUND /
 * MC_EINVAL after printing why nothing ran. */
static mc_code run_api(mc_message *m, const run_opts *o, const kv_list *headers,
                       const mc_buf *payload)
{
    const mc_config *cfg = m->cfg;
    const mc_api *a = mc_config_api(cfg, o->api);
    if (!a) {
        const char *names[256];
        size_t n = 0;
        for (size_t i = 0; i < cfg->apis.n && n < 256; i++)
            names[n++] = cfg->apis.items[i].name;
        const char *near = mc_closest(o->api, names, n);
        fprintf(stderr, "mediac: no API named '%s'%s%s%s\n", o->api, near ? "; did you mean '" : "",
                near ? near : "", near ? "'?" : "");
        return MC_ENOTFOUND;
    }
    const char *method = o->method ? o->method : "GET";
    const char *given = o->path ? o->path : "";
    mc_buf path = MC_BUF_INIT;
    size_t cl = strlen(a->context);
    while (cl > 1 && a->context[cl - 1] == '/')
        cl--;
    bool whole = strncmp(given, a->context, cl) == 0 && (given[cl] == '\0' || given[cl] == '/' ||
                                                         given[cl] == '?');
    if (!whole)
        mc_buf_append(&path, a->context, cl);
    if (!whole && *given && *given != '/' && *given != '?')
        mc_buf_putc(&path, '/');
    mc_buf_puts(&path, given);
    char *full = mc_buf_steal(&path);
    if (!full)
        return MC_ENOMEM;
    char *q = strchr(full, '?');
    if (q)
        *q++ = '\0';
    mc_route rt;
    mc_route_result st = mc_host_route(cfg, full, method, q, m, &rt);
    mc_code rc = MC_OK;
    if (st != MC_ROUTE_OK || rt.api != a) {
        fprintf(stderr, "mediac: %s %s%s%s: %s\n", method, full, q ? "?" : "", q ? q : "",
                st == MC_ROUTE_METHOD ? "no resource of the API allows this method" :
                "no resource of the API matches this path");
        if (st == MC_ROUTE_METHOD)
            fprintf(stderr, "mediac: allowed: %s\n", rt.allow);
        rc = MC_EINVAL;
    }
    mc_http_header *hs = rc == MC_OK ? calloc(headers->n + 2, sizeof *hs) : NULL;
    size_t nh = 0;
    if (rc == MC_OK && !hs)
        rc = MC_ENOMEM;
    for (size_t i = 0; rc == MC_OK && i < headers->n; i++) {
        char *eq = strchr(headers->items[i], '=');
        *eq = '\0';
        hs[nh++] = (mc_http_header){headers->items[i], eq + 1};
    }
    if (rc == MC_OK && o->ctype)
        hs[nh++] = (mc_http_header){"Content-Type", o->ctype};
    if (rc == MC_OK) {
        mc_host_request req = {.method = method, .path = full, .query = q, .headers = hs,
                               .nheaders = nh, .body = payload ? payload->data : NULL,
                               .body_len = payload ? payload->len : 0};
        mc_err err = {0};
        rc = mc_host_request_to_message(m, &req, &rt, &err);
        if (rc != MC_OK) {
            fprintf(stderr, "mediac: %s\n", err.msg);
            rc = MC_EINVAL;
        } else {
            rc = mc_run_flow(m, rt.res->in, rt.res->out, rt.res->fault);
        }
    }
    for (size_t i = 0; i < headers->n && i < nh; i++)   /* give back the '=' of NAME=VALUE */
        ((char *)hs[i].value)[-1] = '=';
    free(hs);
    free(full);
    return rc;
}

static const char *const run_levels[] = {"error", "warn", "info", "debug", NULL};
static const char *const run_formats[] = {"text", "json", NULL};

#define RO(f) offsetof(run_opts, f)
static const mc_opt run_rows[] = {
    {"sequence", NULL, MC_OPT_STR, RO(sequence), .arg = "NAME",
     .def = "the only sequence, or main", .help = "run this sequence"},
    {"proxy", NULL, MC_OPT_STR, RO(proxy), .arg = "NAME",
     .help = "run this proxy's in sequence (and out/fault as it directs)"},
    {"api", NULL, MC_OPT_STR, RO(api), .arg = "NAME",
     .help = "run the resource of this API that --method and --path select"},
    {"method", NULL, MC_OPT_STR, RO(method), .arg = "M", .def = "GET",
     .help = "the HTTP method for --api"},
    {"path", NULL, MC_OPT_STR, RO(path), .arg = "P", .def = "the API's context",
     .help = "the request path for --api, with ?query; relative to the context or whole"},
    {"payload", NULL, MC_OPT_STR, RO(payload), .arg = "FILE",
     .def = "no payload", .help = "the message body; - reads standard input"},
    {"content-type", NULL, MC_OPT_STR, RO(ctype), .arg = "TYPE",
     .def = "guessed from the payload", .help = "how to parse the payload"},
    {"property", NULL, MC_OPT_LIST, 0, .arg = "NAME=VALUE", .add = add_property,
     .help = "set a default-scope property (repeatable)"},
    {"header", NULL, MC_OPT_LIST, 0, .arg = "NAME=VALUE", .add = add_header,
     .help = "set a transport header (repeatable)"},
    {"status", NULL, MC_OPT_FLAG, RO(status),
     .help = "print the answer's HTTP status on stderr"},
    {"repeat", NULL, MC_OPT_LONG, RO(repeat), 1, 0, .arg = "N", .def = "1",
     .help = "run N messages (the last one's answer is printed)"},
    {"log-level", NULL, MC_OPT_CHOICE, RO(log_level), .choices = run_levels,
     .arg = "LEVEL", .def = "info", .help = "lines above this level are not written"},
    {"log-format", NULL, MC_OPT_CHOICE, RO(log_format), .choices = run_formats,
     .arg = "FORMAT", .def = "text", .help = "log line format (the same as serve's)"},
};

static const mc_command run_command = {
    .name = "run",
    .operands = "PATH...",
    .summary = "Load the configuration under PATH, run one message through a sequence or\n"
               "a proxy, print the answer's payload on stdout and log lines on stderr.\n"
               "Exit status: 0 answered, 1 the flow faulted, 2 usage or configuration.",
    .opts = run_rows,
    .nopts = sizeof run_rows / sizeof *run_rows,
    .min_operands = 1,
    .details = MC_CLI_PROJECT_USAGE,
    .example = "  mediac run --sequence main --payload event.json flows/\n"
               "  mediac run --api Pets --method GET --path '/pets/42?verbose=1' flows/\n"
               "  echo '{\"a\":1}' | mediac run --proxy Echo --payload - --status flows/\n",
};

static int cmd_run(int argc, char **argv)
{
    run_opts o = {.repeat = 1, .log_level = MC_LOG_INFO};
    int optind, rc = EXIT_USAGE;
    struct mc_toml *file;
    int orc = mc_opts_parse(&run_command, argc, argv, &o, &optind, &file);
    const char *sequence = o.sequence, *proxy = o.proxy, *payload_path = o.payload;
    const char *ctype = o.ctype;
    kv_list props = o.props, headers = o.headers;
    bool show_status = o.status;
    long repeat = o.repeat;
    int level = o.log_level;
    if (orc != MC_OPTS_CONTINUE) {
        rc = orc;
        goto out;
    }
    if (!!sequence + !!proxy + !!o.api > 1) {
        fprintf(stderr, "mediac: give one of --sequence, --proxy and --api\n");
        goto out;
    }
    if ((o.method || o.path) && !o.api) {
        fprintf(stderr, "mediac: --%s needs --api NAME\n", o.method ? "method" : "path");
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
    mc_engine_set_log_format(e, o.log_format == 1 ? MC_LOG_JSON : MC_LOG_TEXT);
    mc_code lrc = mc_engine_load_paths(e, (const char *const *)argv + optind,
                                       (size_t)(argc - optind));
    /* diagnostics and what was loaded are log lines, as in serve */
    const char *diags = mc_engine_diagnostics(e);
    if (*diags)
        mc_log(mc_engine_logger(e), lrc == MC_OK ? MC_LOG_WARN : MC_LOG_ERROR, "%s", diags);
    mc_buf sources = MC_BUF_INIT;
    mc_cli_sources_text(mc_engine_config(e), &sources);
    if (sources.len)
        mc_log(mc_engine_logger(e), MC_LOG_INFO, "%.*s", (int)sources.len - 1, sources.data);
    mc_buf_free(&sources);
    if (lrc != MC_OK) {
        fprintf(stderr, "mediac: configuration failed to load\n");
        goto done;
    }
    const mc_config *loaded = mc_engine_config(e);
    if (loaded->processors.n || loaded->tasks.n || loaded->inbounds.n)
        mc_log(mc_engine_logger(e), MC_LOG_WARN,
               "%zu message processor(s), %zu task(s), %zu inbound endpoint(s) loaded: message "
               "processors, tasks and inbound endpoints run only under `mediac serve`; "
               "`mediac run` does not start them", loaded->processors.n, loaded->tasks.n,
               loaded->inbounds.n);
    if (!sequence && !proxy && !o.api) {
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
        /* the correlation id: --header activityid=ID, else a new one */
        mc_msg_set_activity_id(m, mc_msg_prop(m, MC_SCOPE_TRANSPORT, MC_ACTIVITY_ID_HEADER));
        mc_code r;
        if (o.api) {
            r = run_api(m, &o, &headers, payload_path ? &payload : NULL);
            if (r == MC_ENOTFOUND || r == MC_EINVAL) {
                mc_message_free(m);
                rc = EXIT_USAGE;
                goto done;
            }
        } else {
            r = proxy ? mc_run_proxy(m, proxy) : mc_run_sequence(m, sequence);
        }
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
            if (show_status) {
                /* what MI would answer: HTTP_SC, else 200 after respond,
                 * 202 when nothing answered, 500 for a fault */
                mc_host_request none = {.method = "POST", .path = "/"};
                mc_host_answer ans;
                mc_host_message_to_answer(m, r, &none, &ans);
                fprintf(stderr, "status: %d\n", ans.status);
            }
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

/* mediac(1): the overview page; the subcommands' pages come from their
 * option rows (mc_opts_man). */
static void man_overview(FILE *f)
{
    fprintf(f, ".TH MEDIAC 1 \"\" \"mediac %s\" \"mediac manual\"\n"
            ".SH NAME\nmediac \\- a Synapse / WSO2 Micro Integrator compatible mediation runtime\n"
            ".SH SYNOPSIS\n.B mediac\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIPATH\\fR...]\n"
            ".SH DESCRIPTION\nmediac loads Apache Synapse / WSO2 MI XML flows (proxies, APIs,\n"
            "sequences, templates, local entries), compiles them once and runs messages\n"
            "through them.\n"
            ".SH COMMANDS\n"
            ".TP\n.B run\nrun one message through a sequence or proxy; see \\fBmediac\\-run\\fR(1)\n"
            ".TP\n.B serve\ndeploy every proxy and API and answer HTTP; see \\fBmediac\\-serve\\fR(1)\n"
            ".TP\n.B validate\ncheck configuration files; see \\fBmediac\\-validate\\fR(1)\n"
            ".TP\n.B describe\nlist or describe mediators and connectors; see \\fBmediac\\-describe\\fR(1)\n"
            ".TP\n.B version\nprint the version\n"
            ".SH ENVIRONMENT\n"
            ".TP\n.B MEDIAC_CONNECTOR_PATH\nconnector descriptor folders (colon-separated) instead of the installed ones\n"
            ".TP\n.B MEDIAC_SCHEMA_PATH\nthe folder of synapse.xsd instead of the installed one\n"
            ".TP\n.B AWS_*\nthe standard AWS credential chain, region and endpoint settings\n"
            ".SH FILES\n"
            ".TP\n.I PREFIX/share/mediac/connector\nconnector descriptors\n"
            ".TP\n.I PREFIX/share/mediac/schemas\nXML schemas of the configuration language\n"
            ".TP\n.I deployment.toml\nsettings of \\fBmediac serve \\-\\-config\\fR\n"
            ".SH EXIT STATUS\n0 success; 1 the flow faulted or validation found errors;\n"
            "2 usage or configuration errors.\n"
            ".SH SEE ALSO\n\\fBmediac\\-run\\fR(1), \\fBmediac\\-serve\\fR(1),\n"
            "\\fBmediac\\-validate\\fR(1), \\fBmediac\\-describe\\fR(1)\n", MC_VERSION);
}

/* `mediac --man [COMMAND]`: a man page on stdout (the build installs them). */
static int print_man(const char *cmd)
{
    const mc_command *c = !cmd ? NULL : !strcmp(cmd, "run") ? &run_command :
                          !strcmp(cmd, "serve") ? &mc_serve_command :
                          !strcmp(cmd, "validate") ? &mc_validate_command :
                          !strcmp(cmd, "describe") ? &mc_describe_command : NULL;
    if (cmd && !c) {
        fprintf(stderr, "mediac: --man: no command '%s'\n", cmd);
        return EXIT_USAGE;
    }
    if (c)
        mc_opts_man(c, MC_VERSION, stdout);
    else
        man_overview(stdout);
    return 0;
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
        return mc_cmd_describe(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return mc_cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
            puts("usage: mediac version\n\nPrint the version of mediac.\n\nexample:\n"
                 "  mediac version");
            return 0;
        }
        printf("mediac %s\n", MC_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--man") == 0)
        return print_man(argc > 2 ? argv[2] : NULL);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "mediac: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}

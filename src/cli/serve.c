/* serve.c - `mediac serve`: parses the flags, serves the paths through the
 * host layer (src/host/) on mediac's HTTP server, takes the signals
 * (SIGHUP reloads, SIGTERM/SIGINT drain and stop) and prints the
 * listening line.  Everything a host needs lives in src/host/; see
 * docs/serve.md. */
#include "cli/project.h"
#include "cli/serve.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "host/listen.h"

#define EXIT_USAGE 2

const char mc_serve_usage[] =
    "mediac serve [--bind ADDR] [--port N] [--admin-port N] [--workers N]\n"
    "             [--max-body BYTES] [--max-header BYTES] [--max-concurrent N]\n"
    "             [--request-timeout MS] [--idle-timeout S] [--drain-timeout S]\n"
    "             [--tls-cert FILE --tls-key FILE]\n"
    "             [--log-format text|json] [--log-level LEVEL] PATH...\n";

/* ---- the command ------------------------------------------------------------------- */

typedef struct serve_opts {
    mc_listener_options l;
    long drain_ms;
    int log_level;
    bool json_log;
} serve_opts;

static bool parse_num(const char *s, const char *flag, long min, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min) {
        fprintf(stderr, "mediac: %s needs a number >= %ld, got '%s'\n", flag, min, s);
        return false;
    }
    *out = v;
    return true;
}

static int parse_level(const char *s)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (!strcasecmp(s, names[i]))
            return i;
    return -1;
}

/* Returns -1 to go on, else an exit code. */
static int parse_opts(int argc, char **argv, serve_opts *o)
{
    static const struct option opts[] = {
        {"bind", required_argument, 0, 'b'}, {"port", required_argument, 0, 'p'},
        {"admin-port", required_argument, 0, 'a'}, {"workers", required_argument, 0, 'w'},
        {"max-body", required_argument, 0, 'B'}, {"max-header", required_argument, 0, 'H'},
        {"max-concurrent", required_argument, 0, 'c'},
        {"request-timeout", required_argument, 0, 't'},
        {"idle-timeout", required_argument, 0, 'i'}, {"drain-timeout", required_argument, 0, 'd'},
        {"log-format", required_argument, 0, 'f'}, {"log-level", required_argument, 0, 'l'},
        {"tls-cert", required_argument, 0, 'C'}, {"tls-key", required_argument, 0, 'K'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    int c;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const char *flag = argv[optind - 1];
        switch (c) {
        case 'b': o->l.server.bind = optarg; break;
        case 'p': if (!parse_num(optarg, flag, 0, &v) || v > 65535) return EXIT_USAGE; o->l.server.port = (int)v; break;
        case 'a': if (!parse_num(optarg, flag, 0, &v) || v > 65535) return EXIT_USAGE; o->l.admin_port = (int)v; break;
        case 'w': if (!parse_num(optarg, flag, 1, &v) || v > 256) return EXIT_USAGE; o->l.server.workers = (int)v; break;
        case 'B': if (!parse_num(optarg, flag, 1, &v)) return EXIT_USAGE; o->l.server.max_body = (size_t)v; break;
        case 'H': if (!parse_num(optarg, flag, 1024, &v)) return EXIT_USAGE; o->l.server.max_header = (size_t)v; break;
        case 'c': if (!parse_num(optarg, flag, 1, &v)) return EXIT_USAGE; o->l.server.max_concurrent = (unsigned)v; break;
        case 't': if (!parse_num(optarg, flag, 1, &v)) return EXIT_USAGE; o->l.server.request_timeout_ms = v; break;
        case 'i': if (!parse_num(optarg, flag, 1, &v)) return EXIT_USAGE; o->l.server.idle_timeout_s = (unsigned)v; break;
        case 'd': if (!parse_num(optarg, flag, 0, &v)) return EXIT_USAGE; o->drain_ms = v * 1000; break;
        case 'f':
            if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
                fprintf(stderr, "mediac: unknown log format '%s' (text, json)\n", optarg);
                return EXIT_USAGE;
            }
            o->json_log = strcmp(optarg, "json") == 0;
            break;
        case 'l':
            if ((o->log_level = parse_level(optarg)) < 0) {
                fprintf(stderr, "mediac: unknown log level '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'C': o->l.server.tls_cert = optarg; break;
        case 'K': o->l.server.tls_key = optarg; break;
        case 'h': fputs(mc_serve_usage, stdout); return 0;
        default: fputs(mc_serve_usage, stderr); return EXIT_USAGE;
        }
    }
    if (!o->l.server.tls_cert != !o->l.server.tls_key) {
        fprintf(stderr, "mediac: --tls-cert and --tls-key go together\n");
        return EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "mediac: serve needs at least one PATH\n%s", mc_serve_usage);
        return EXIT_USAGE;
    }
    return -1;
}

/* After each load: where the artifacts came from. */
static void log_sources(void *ud, const mc_engine *e, const mc_logger *log)
{
    mc_buf sources = MC_BUF_INIT;
    mc_cli_sources_text(mc_engine_config(e), &sources);
    if (sources.len)
        mc_log(log, MC_LOG_INFO, "%.*s", (int)sources.len - 1, sources.data);
    mc_buf_free(&sources);
}

/* Wait for signals: SIGHUP reloads, SIGTERM/SIGINT return. */
static void wait_signals(mc_host *h, const sigset_t *set)
{
    for (;;) {
        int sig = sigwaitinfo(set, NULL);
        if (sig == SIGHUP)
            mc_host_reload(h);
        else if (sig == SIGTERM || sig == SIGINT)
            return;
    }
}

static int serve(mc_host *h, serve_opts *o, const sigset_t *set)
{
    mc_err err = {0};
    mc_listener *l = mc_listener_start(h, &o->l, &err);
    if (!l) {
        fprintf(stderr, "mediac: %s\n", err.msg);
        return EXIT_USAGE;
    }
    const char *bind = o->l.server.bind ? o->l.server.bind : "127.0.0.1";
    fprintf(stderr, "listening on %s:%d admin %s:%d workers %d%s\n", bind,
            mc_listener_port(l), bind, mc_listener_admin_port(l), mc_listener_workers(l),
            o->l.server.tls_cert ? " tls" : "");
    fflush(stderr);
    wait_signals(h, set);
    const mc_logger *log = mc_host_logger(h);
    mc_log(log, MC_LOG_INFO, "SIGTERM: draining %u request(s), up to %ld ms",
           mc_listener_inflight(l), o->drain_ms);
    unsigned cut = mc_listener_stop(l, o->drain_ms);
    mc_log(log, MC_LOG_INFO, "stopped (%u request(s) cut off by the drain timeout)", cut);
    return 0;
}

int mc_cmd_serve(int argc, char **argv)
{
    serve_opts o = {.drain_ms = 10000, .log_level = MC_LOG_INFO};
    int rc = parse_opts(argc, argv, &o);
    if (rc >= 0)
        return rc;
    /* every thread inherits the mask; the main thread takes the signals */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    mc_host_options ho = {.paths = (const char *const *)argv + optind,
                          .npaths = (size_t)(argc - optind), .log_level = o.log_level,
                          .json_log = o.json_log, .loaded = log_sources};
    mc_host *h = mc_host_new(&ho);
    if (!h) {
        fprintf(stderr, "mediac: configuration failed to load\n");
        return EXIT_USAGE;
    }
    rc = serve(h, &o, &set);
    mc_host_free(h);
    return rc;
}

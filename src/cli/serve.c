/* serve.c - `mediac serve`: parses the flags, serves the paths through the
 * host layer (src/host/) on mediac's HTTP server, takes the signals
 * (SIGHUP reloads, SIGTERM/SIGINT drain and stop) and prints the
 * listening line.  Its flags and deployment.toml keys are the rows of
 * serve_rows (src/cli/options.h).  Everything a host needs lives in src/host/; see
 * docs/serve.md. */
#include "cli/project.h"
#include "cli/serve.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/options.h"
#include "util/mem.h"
#include "host/listen.h"
#include "util/toml.h"

#define EXIT_USAGE 2

/* ---- the command ------------------------------------------------------------------- */

typedef struct serve_opts {
    mc_listener_options l;
    long drain_s;
    int log_level;
    int log_format;                /* index in log_formats */
    int defaults;                  /* index in port_defaults */
    const char *config;
    const char *token_file;        /* management token */
} serve_opts;

/* deployment.toml's registry.path, secrets.file and config_values.file add
 * to what --registry, --secrets and --config-values gave (src/cli/project.c
 * takes those flags before the rows are read). */
static bool add_project(void *dst, const char *key, const char *value)
{
    const char *flag = !strcmp(key, "registry.path") ? "registry" :
                       !strcmp(key, "secrets.file") ? "secrets" : "config-values";
    return mc_cli_project_add(flag, value);
}

static const char *const log_levels[] = {"error", "warn", "info", "debug", NULL};
static const char *const log_formats[] = {"text", "json", NULL};
static const char *const port_defaults[] = {"mediac", "mi", NULL};

/* server.defaults = "mi": WSO2 MI's ports (HTTP 8290, HTTPS 8253 when a
 * certificate is given, management 9164); the file's and the flags' own
 * port settings still win. */
static void preset_ports(void *dst, int choice)
{
    serve_opts *o = dst;
    o->l.server.port = choice == 1 ? 8290 : 0;
    o->l.admin_port = choice == 1 ? 9164 : 0;
    o->l.https_port = choice == 1 ? 8253 : -1;
}

#define SO(f) offsetof(serve_opts, f)
#define PORT_WHY "TCP ports go from 0 to 65535; 0 picks a free one"
/* Every setting of `mediac serve`: a flag, a deployment.toml key, a type
 * and range, a default and its help (src/cli/options.h).  New settings are
 * new rows. */
static const mc_opt serve_rows[] = {
    {"config", NULL, MC_OPT_STR, SO(config), .arg = "FILE",
     .help = "read settings from a deployment.toml-style file; flags override it"},
    {"defaults", "server.defaults", MC_OPT_CHOICE, SO(defaults), .choices = port_defaults,
     .preset = preset_ports, .arg = "SET", .def = "mediac",
     .help = "port defaults: mediac (free ports) or mi (8290, management 9164)"},
    {"bind", "server.bind", MC_OPT_STR, SO(l.server.bind), .arg = "ADDR", .def = "127.0.0.1",
     .help = "IPv4 or IPv6 literal to listen on (traffic and management ports)"},
    {"port", "server.port", MC_OPT_INT, SO(l.server.port), 0, 65535, .arg = "N", .def = "0",
     .range_why = PORT_WHY, .help = "HTTP traffic port"},
    {"admin-port", "management.port", MC_OPT_INT, SO(l.admin_port), 0, 65535, .arg = "N",
     .def = "0", .range_why = PORT_WHY,
     .help = "management port: health, metrics, Management API, flow viewer"},
    {"workers", "server.workers", MC_OPT_INT, SO(l.server.workers), 1, 256, .arg = "N",
     .def = "online CPUs", .help = "event-loop threads"},
    {"max-body", "limits.max_body", MC_OPT_SIZE, SO(l.server.max_body), 1, 0, .arg = "BYTES",
     .def = "10M", .help = "larger request bodies get 413"},
    {"max-header", "limits.max_header", MC_OPT_SIZE, SO(l.server.max_header), 1024, 0,
     .arg = "BYTES", .def = "8K", .help = "larger request headers get 431"},
    {"max-concurrent", "limits.max_concurrent", MC_OPT_UINT, SO(l.server.max_concurrent), 1, 0,
     .arg = "N", .def = "1024", .help = "requests in progress over all workers; more get 503"},
    {"request-timeout", "limits.request_timeout", MC_OPT_LONG, SO(l.server.request_timeout_ms),
     1, 0, .arg = "MS", .def = "60000",
     .help = "a request not received by then gets 408, one not answered by then 504"},
    {"idle-timeout", "limits.idle_timeout", MC_OPT_UINT, SO(l.server.idle_timeout_s), 1, 0,
     .arg = "S", .def = "60", .help = "idle keep-alive connections are closed after this"},
    {"tls-cert", "server.tls_cert", MC_OPT_STR, SO(l.server.tls_cert), .arg = "FILE",
     .help = "PEM certificate chain: the traffic port serves HTTPS (with --tls-key)"},
    {"tls-key", "server.tls_key", MC_OPT_STR, SO(l.server.tls_key), .arg = "FILE",
     .help = "PEM private key of --tls-cert"},
    {"https-port", "server.https_port", MC_OPT_INT, SO(l.https_port), 0, 65535, .arg = "N",
     .def = "none (8253 with --defaults mi)", .range_why = PORT_WHY,
     .help = "with --tls-cert: HTTPS on this port and plain HTTP on --port, as MI's "
             "8253 beside 8290; without it --port itself serves HTTPS"},
    {"no-http2", "server.no_http2", MC_OPT_FLAG, SO(l.server.no_http2),
     .help = "HTTP/1.1 only on the traffic ports (no h2 by ALPN, no h2c prior knowledge)"},
    {"shared-listener", "server.shared_listener", MC_OPT_FLAG, SO(l.server.shared_listener),
     .help = "one listening socket for all workers, each woken alone (EPOLLEXCLUSIVE, as "
             "nginx), instead of one SO_REUSEPORT socket a worker"},
    {"drain-timeout", "limits.drain_timeout", MC_OPT_LONG, SO(drain_s), 0, 86400, .arg = "S",
     .def = "10", .help = "how long SIGTERM waits for requests in flight"},
    {"admin-token-file", "management.token_file", MC_OPT_STR, SO(token_file), .arg = "FILE",
     .def = "none (required when --bind is not a loopback address)",
     .help = "a file whose first line is the Bearer token the management port asks for"},
    {"log-format", "log.format", MC_OPT_CHOICE, SO(log_format), .choices = log_formats,
     .arg = "FORMAT", .def = "text", .help = "log line format"},
    {"log-level", "log.level", MC_OPT_CHOICE, SO(log_level), .choices = log_levels,
     .arg = "LEVEL", .def = "info", .help = "lines above this level are not written"},
    {"registry", "registry.path", MC_OPT_LIST, 0, .arg = "DIR", .add = add_project,
     .help = "registry resources (conf:/, gov:/ and plain keys); repeatable"},
    {"secrets", "secrets.file", MC_OPT_LIST, 0, .arg = "FILE", .add = add_project,
     .help = "ALIAS=VALUE lines for wso2:vault-lookup('ALIAS'); repeatable"},
    {"config-values", "config_values.file", MC_OPT_LIST, 0, .arg = "FILE", .add = add_project,
     .help = "NAME=VALUE lines for ${configs.NAME}; repeatable"},
};

const mc_command mc_serve_command = {
    .name = "serve",
    .operands = "PATH...",
    .summary = "Deploy every proxy and API found under PATH (files, folders, projects) and\n"
               "answer HTTP.  SIGHUP reloads, SIGTERM drains and stops.  See docs/serve.md\n"
               "and docs/operations.md.",
    .opts = serve_rows,
    .nopts = sizeof serve_rows / sizeof *serve_rows,
    .min_operands = 1,
    .example = "  mediac serve --port 8290 --admin-port 9164 --workers 4 flows/\n"
               "  mediac serve --config /etc/mediac/deployment.toml /srv/mediac/flows\n",
};

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

static bool is_loopback(const char *addr)
{
    return !addr || !strncmp(addr, "127.", 4) || !strcmp(addr, "::1") ||
           !strcmp(addr, "localhost");
}

/* The management token: the first line of the file, at least 16 bytes. */
static bool read_token(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "mediac: --admin-token-file: cannot open %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = fgets(out, (int)cap, f) != NULL;
    fclose(f);
    out[ok ? strcspn(out, "\r\n") : 0] = '\0';
    if (strlen(out) < 16) {
        fprintf(stderr, "mediac: --admin-token-file: %s needs a token of at least 16 "
                        "characters on its first line\n", path);
        return false;
    }
    return true;
}

static int serve(mc_host *h, serve_opts *o, const sigset_t *set)
{
    mc_err err = {0};
    char token[512] = "";
    if (o->token_file && !read_token(o->token_file, token, sizeof token))
        return EXIT_USAGE;
    if (!*token && !is_loopback(o->l.server.bind)) {
        fprintf(stderr, "mediac: --bind %s puts the management port (Management API, "
                        "viewer, metrics) off this host: give --admin-token-file FILE "
                        "(management.token_file)\n", o->l.server.bind);
        return EXIT_USAGE;
    }
    o->l.admin_token = *token ? token : NULL;
    mc_mem_server_setup();   /* big blocks go back to the kernel when freed */
    mc_listener *l = mc_listener_start(h, &o->l, &err);
    if (!l) {
        fprintf(stderr, "mediac: %s\n", err.msg);
        return EXIT_USAGE;
    }
    const char *bind = o->l.server.bind ? o->l.server.bind : "127.0.0.1";
    char base[300];
    snprintf(base, sizeof base, strchr(bind, ':') ? "http://[%s]:%d" : "http://%s:%d", bind,
             mc_listener_port(l));
    if (mc_host_add_management(h, base) != MC_OK) {
        mc_listener_stop(l, 0);
        fprintf(stderr, "mediac: out of memory\n");
        return EXIT_USAGE;
    }
    /* at every log level: scripts and tests wait for this line */
    mc_logger always = *mc_host_logger(h);
    always.level = MC_LOG_DEBUG;
    int https = mc_listener_https_port(l);
    if (https >= 0)
        mc_log(&always, MC_LOG_INFO, "listening on %s:%d admin %s:%d workers %d https %s:%d",
               bind, mc_listener_port(l), bind, mc_listener_admin_port(l),
               mc_listener_workers(l), bind, https);
    else
        mc_log(&always, MC_LOG_INFO, "listening on %s:%d admin %s:%d workers %d%s", bind,
               mc_listener_port(l), bind, mc_listener_admin_port(l), mc_listener_workers(l),
               o->l.server.tls_cert ? " tls" : "");
    wait_signals(h, set);
    const mc_logger *log = mc_host_logger(h);
    mc_log(log, MC_LOG_INFO, "SIGTERM: draining %u request(s), up to %ld s",
           mc_listener_inflight(l), o->drain_s);
    unsigned cut = mc_listener_stop(l, o->drain_s * 1000);
    mc_log(log, MC_LOG_INFO, "stopped (%u request(s) cut off by the drain timeout)", cut);
    return 0;
}

int mc_cmd_serve(int argc, char **argv)
{
    serve_opts o = {.drain_s = 10, .log_level = MC_LOG_INFO, .l.https_port = -1};
    int optind;
    struct mc_toml *file;
    int rc = mc_opts_parse(&mc_serve_command, argc, argv, &o, &optind, &file);
    if (rc != MC_OPTS_CONTINUE)
        return rc;
    if (!o.l.server.tls_cert != !o.l.server.tls_key) {
        fprintf(stderr, "mediac: --tls-cert and --tls-key go together\n");
        mc_toml_free(file);
        return EXIT_USAGE;
    }
    /* MI's 8253 is only there with a certificate; a port asked for is */
    if (o.l.https_port >= 0 && !o.l.server.tls_cert && o.defaults != 1) {
        fprintf(stderr, "mediac: --https-port (server.https_port) needs --tls-cert and "
                        "--tls-key (server.tls_cert, server.tls_key)\n");
        mc_toml_free(file);
        return EXIT_USAGE;
    }
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
                          .json_log = o.log_format == 1, .loaded = log_sources};
    mc_host *h = mc_host_new(&ho);
    if (!h) {
        fprintf(stderr, "mediac: configuration failed to load\n");
        mc_toml_free(file);
        return EXIT_USAGE;
    }
    rc = serve(h, &o, &set);
    mc_host_free(h);
    mc_toml_free(file);
    return rc;
}

/* fault_server_harness.h - start and stop tests/unit/http/fault_server.py.
 *
 * Header-only (static functions) so the unit test and the benchmark share
 * it.  start_server() forks/execs python3 (MC_PYTHON overrides), reads the
 * port from the child's stdout into srv_port, and registers stop_server()
 * with atexit.  If this process dies without stopping it, the server still
 * goes: PR_SET_PDEATHSIG sends it SIGTERM, it exits on EOF of the stdin pipe
 * we hold, and it stops itself after --max-seconds. */
#ifndef MC_TEST_FAULT_SERVER_HARNESS_H
#define MC_TEST_FAULT_SERVER_HARNESS_H

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct fault_server {
    pid_t pid;
    int port;
    int stdin_fd;      /* write end of the server's stdin; EOF stops it */
} fault_server;

#define FAULT_SERVERS_MAX 4
static fault_server *fault_servers[FAULT_SERVERS_MAX];

static void fault_server_stop(fault_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        for (int i = 0; i < 50; i++) {  /* up to 5 s, then SIGKILL */
            if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
                s->pid = -1;
                break;
            }
            usleep(100000);
        }
        if (s->pid > 0) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
            s->pid = -1;
        }
    }
    if (s->stdin_fd >= 0) {
        close(s->stdin_fd);
        s->stdin_fd = -1;
    }
    for (int i = 0; i < FAULT_SERVERS_MAX; i++)
        if (fault_servers[i] == s)
            fault_servers[i] = NULL;
}

static void fault_servers_stop_all(void)
{
    for (int i = 0; i < FAULT_SERVERS_MAX; i++)
        if (fault_servers[i])
            fault_server_stop(fault_servers[i]);
}

static void fault_server_script(char *out, size_t n)
{
    const char *root = getenv("MC_SOURCE_ROOT");
    if (root && *root) {
        snprintf(out, n, "%s/tests/unit/http/fault_server.py", root);
        return;
    }
    /* __FILE__ is the path meson compiled us from */
    snprintf(out, n, "%s", __FILE__);
    char *slash = strrchr(out, '/');
    if (slash)
        snprintf(slash + 1, n - (size_t)(slash + 1 - out), "fault_server.py");
    else
        snprintf(out, n, "fault_server.py");
}

/* Start the server with extra arguments (NULL-terminated list, may be
 * NULL).  Returns 0 and fills *s, or -1. */
static int fault_server_start(fault_server *s, const char *const *extra)
{
    static int registered;
    s->pid = -1;
    s->port = 0;
    s->stdin_fd = -1;
    int slot = -1;
    for (int i = 0; i < FAULT_SERVERS_MAX && slot < 0; i++)
        if (!fault_servers[i])
            slot = i;
    if (slot < 0)
        return -1;

    char script[4096];
    fault_server_script(script, sizeof script);
    const char *py = getenv("MC_PYTHON");
    if (!py || !*py)
        py = "python3";
    const char *argv[16] = {py, script, "--max-seconds", "300"};
    int argc = 4;
    for (int i = 0; extra && extra[i] && argc < 15; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;

    /* close-on-exec, so a second server does not inherit the first one's
     * stdin pipe (which would keep it from seeing EOF) */
    int out[2], in[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(in, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(out[0]);
        close(out[1]);
        close(in[0]);
        close(in[1]);
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(1);           /* the parent is already gone */
        dup2(in[0], 0);         /* dup2 clears close-on-exec */
        dup2(out[1], 1);
        execvp(py, (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    s->pid = pid;
    s->stdin_fd = in[1];
    fault_servers[slot] = s;
    if (!registered) {
        atexit(fault_servers_stop_all);
        registered = 1;
    }

    char line[64];
    size_t len = 0;
    struct pollfd pfd = {.fd = out[0], .events = POLLIN};
    while (len < sizeof line - 1) {
        if (poll(&pfd, 1, 15000) <= 0)
            break;
        ssize_t k = read(out[0], line + len, 1);
        if (k <= 0)
            break;
        if (line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    close(out[0]);
    s->port = atoi(line);
    if (s->port <= 0) {
        fprintf(stderr, "fault server (%s %s) did not start\n", py, script);
        fault_server_stop(s);
        return -1;
    }
    return 0;
}

/* The one plain-HTTP server most tests use. */
static fault_server main_server = {-1, 0, -1};
#define srv_port (main_server.port)

static int start_server(void) { return fault_server_start(&main_server, NULL); }
static void stop_server(void) { fault_server_stop(&main_server); }

#endif

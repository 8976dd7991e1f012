/* host.c - the client-side benchmark host for bench/run: drives Lambda
 * invoke calls through libmediac (mediac.h only) and reports calls per
 * second and CPU seconds per 1,000 calls.
 *
 * One engine holds a small flow (amazonlambda.init + amazonlambda.invoke +
 * respond); THREADS threads share it, each running its share of CALLS
 * messages one after another with mc_run_sequence, so THREADS = 1 is the
 * sequential case and THREADS > 1 keeps THREADS calls in flight.
 * Credentials, region and endpoint come from the environment
 * (AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL_LAMBDA, ...), as for any host.
 *
 *   bench_host THREADS CALLS
 *
 * Prints one line of key=value pairs; exits 1 when any call did not
 * answer 200 with the stand-in's body. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <mediac.h>

static const char FLOW[] =
    "<sequence xmlns=\"http://ws.apache.org/ns/synapse\" name=\"benchInvoke\">\n"
    "  <property name=\"event\" expression=\"json-eval($)\"/>\n"
    "  <amazonlambda.init>\n"
    "    <region>us-east-1</region>\n"
    "  </amazonlambda.init>\n"
    "  <amazonlambda.invoke>\n"
    "    <functionName>bench-fn</functionName>\n"
    "    <payload>{$ctx:event}</payload>\n"
    "  </amazonlambda.invoke>\n"
    "  <respond/>\n"
    "</sequence>\n";

static const char EVENT[] = "{\"hello\":\"bench\",\"n\":42}";

typedef struct worker {
    const mc_engine *engine;
    long calls;
    long errors;
    char first_error[256];
} worker;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* One invoke; false (with a note in w) when it did not succeed. */
static int invoke_once(worker *w)
{
    mc_message *m = mc_message_new(w->engine);
    if (!m)
        return 0;
    mc_message_set_payload(m, EVENT, sizeof EVENT - 1, "application/json");
    mc_code rc = mc_run_sequence(m, "benchInvoke");
    int ok = 0;
    if (rc == MC_OK) {
        size_t n;
        const char *out = mc_message_payload(m, &n);
        int st = mc_message_status(m);
        ok = (st == 0 || st == 200) && out && n >= 11 && memcmp(out, "{\"ok\":true}", 11) == 0;
        if (!ok && !w->first_error[0])
            snprintf(w->first_error, sizeof w->first_error, "status %d body %.*s",
                     st, (int)(n > 120 ? 120 : n), out ? out : "");
    } else if (!w->first_error[0]) {
        const char *code = mc_message_error_code(m), *msg = mc_message_error_message(m);
        snprintf(w->first_error, sizeof w->first_error, "%s: %s %s", mc_strerror(rc),
                 code ? code : "", msg ? msg : "");
    }
    mc_message_free(m);
    return ok;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    for (long i = 0; i < w->calls; i++)
        if (!invoke_once(w))
            w->errors++;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_host THREADS CALLS\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    long calls = atol(argv[2]);
    if (threads < 1 || threads > 1024 || calls < threads) {
        fprintf(stderr, "bench_host: need 1 <= THREADS <= 1024 and CALLS >= THREADS\n");
        return 2;
    }
    mc_engine *e = mc_engine_new();
    if (!e || mc_engine_load_string(e, FLOW, sizeof FLOW - 1, "bench-invoke.xml") != MC_OK) {
        fprintf(stderr, "bench_host: the flow did not load:\n%s", e ? mc_engine_diagnostics(e) : "");
        return 2;
    }
    mc_engine_set_log(e, MC_LOG_ERROR, NULL, NULL);

    /* Warm-up: one call opens the first pooled connection and checks the
     * stand-in answers as expected before anything is timed. */
    worker warm = {.engine = e, .calls = 1};
    run_worker(&warm);
    if (warm.errors) {
        fprintf(stderr, "bench_host: warm-up call failed: %s\n", warm.first_error);
        mc_engine_free(e);
        return 1;
    }

    worker *ws = calloc((size_t)threads, sizeof *ws);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    if (!ws || !tids)
        return 2;
    for (int i = 0; i < threads; i++) {
        ws[i].engine = e;
        ws[i].calls = calls / threads + (i < calls % threads ? 1 : 0);
    }
    double c0 = cpu_seconds(), t0 = now();
    for (int i = 0; i < threads; i++)
        pthread_create(&tids[i], NULL, run_worker, &ws[i]);
    long errors = 0;
    const char *first = NULL;
    for (int i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        errors += ws[i].errors;
        if (!first && ws[i].first_error[0])
            first = ws[i].first_error;
    }
    double wall = now() - t0, cpu = cpu_seconds() - c0;
    printf("client=mediac threads=%d calls=%ld errors=%ld seconds=%.4f calls_per_s=%.1f "
           "cpu_s_per_1000=%.4f\n", threads, calls, errors, wall, (double)calls / wall,
           cpu * 1000.0 / (double)calls);
    if (first)
        fprintf(stderr, "bench_host: first error: %s\n", first);
    free(ws);
    free(tids);
    mc_engine_free(e);
    return errors ? 1 : 0;
}

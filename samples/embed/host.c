/* host.c - a small ESB-style host embedding libmediac through mediac.h.
 *
 * It registers a native mediator ("com.example.Stamp"), loads its flow from
 * a string (a host may keep flows anywhere), and runs the same sequence
 * from several threads at once on one shared engine, printing each
 * thread's answer.
 *
 *   host THREADS
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mediac.h>

/* A native (class) mediator stamps the message, then a payloadFactory
 * answers with what it saw. */
static const char FLOW[] =
    "<sequence xmlns=\"http://ws.apache.org/ns/synapse\" name=\"stamp\">\n"
    "  <class name=\"com.example.Stamp\"/>\n"
    "  <payloadFactory media-type=\"json\">\n"
    "    <format>{\"n\": $1, \"stamp\": \"$2\"}</format>\n"
    "    <args>\n"
    "      <arg evaluator=\"json\" expression=\"json-eval($.n)\"/>\n"
    "      <arg expression=\"$ctx:stamp\"/>\n"
    "    </args>\n"
    "  </payloadFactory>\n"
    "  <respond/>\n"
    "</sequence>\n";

typedef struct job {
    const mc_engine *engine;
    const char *sequence;
    int id;
    int rc;
    char answer[512];
} job;

/* Native mediator: copies a header into a property, as a class mediator
 * would; faults when the header is missing. */
static mc_code stamp(mc_message *m, void *userdata)
{
    const char *prefix = userdata;
    const char *caller = mc_message_header(m, "X-Caller");
    if (!caller)
        return mc_message_fault(m, "STAMP_MISSING", "no X-Caller header");
    char value[128];
    snprintf(value, sizeof value, "%s%s", prefix, caller);
    return mc_message_set_property(m, "stamp", value);
}

static void *run_job(void *arg)
{
    job *j = arg;
    mc_message *m = mc_message_new(j->engine);
    if (!m) {
        j->rc = MC_ENOMEM;
        return NULL;
    }
    char payload[64], caller[32];
    snprintf(payload, sizeof payload, "{\"n\":%d}", j->id);
    snprintf(caller, sizeof caller, "thread-%d", j->id);
    mc_message_set_payload(m, payload, strlen(payload), "application/json");
    mc_message_set_header(m, "X-Caller", caller);
    j->rc = mc_run_sequence(m, j->sequence);
    if (j->rc == MC_OK) {
        size_t n;
        const char *out = mc_message_payload(m, &n);
        snprintf(j->answer, sizeof j->answer, "%.*s", (int)n, out);
    } else {
        snprintf(j->answer, sizeof j->answer, "%s: %s",
                 mc_message_error_code(m) ? mc_message_error_code(m) : "?",
                 mc_message_error_message(m) ? mc_message_error_message(m) : mc_strerror(j->rc));
    }
    mc_message_free(m);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: host THREADS\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    if (threads < 1 || threads > 64)
        return 2;
    mc_engine *e = mc_engine_new();
    if (!e || mc_engine_register_mediator(e, "com.example.Stamp", stamp, "from ") != MC_OK)
        return 2;
    if (mc_engine_load_string(e, FLOW, sizeof FLOW - 1, "stamp.xml") != MC_OK) {
        fprintf(stderr, "%s", mc_engine_diagnostics(e));
        mc_engine_free(e);
        return 2;
    }
    pthread_t tid[64];
    job jobs[64];
    for (int i = 0; i < threads; i++) {
        jobs[i] = (job){e, "stamp", i, 0, ""};
        pthread_create(&tid[i], NULL, run_job, &jobs[i]);
    }
    int failures = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        printf("%d %s %s\n", i, jobs[i].rc == MC_OK ? "ok" : "fault", jobs[i].answer);
        failures += jobs[i].rc != MC_OK;
    }
    mc_engine_free(e);
    return failures ? 1 : 0;
}

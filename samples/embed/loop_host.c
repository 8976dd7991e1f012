/* loop_host.c - a host with its own event loop, on libmediac's
 * non-blocking API: it starts COUNT messages at once on one thread, sends
 * the requests they wait for with its own HTTP client (libcurl's multi
 * interface here; any client would do), hands each answer back and
 * resumes the message, and prints each message's outcome.  No thread per
 * message and none blocked: the loop waits in curl_multi_poll.
 *
 *   loop_host FLOWS SEQUENCE COUNT
 *
 * Each message starts with the payload {"i": N}.  Output, one line per
 * message in the order they finish:  N STATUS PAYLOAD  (or N fault CODE).
 * Exit status 0 when every message completed without a fault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <mediac.h>

typedef struct job {
    int n;
    mc_message *m;
    int waiting;                  /* requests in flight */
    int done;
} job;

/* One request in flight: its answer is collected here. */
typedef struct transfer {
    job *j;
    mc_request *r;
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    size_t len;
    mc_header hs[64];
    char *hstore[64];
    size_t nh;
} transfer;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    transfer *t = ud;
    char *b = realloc(t->body, t->len + size * n + 1);
    if (!b)
        return 0;
    memcpy(b + t->len, p, size * n);
    t->body = b;
    t->len += size * n;
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    transfer *t = ud;
    size_t len = size * n;
    char *colon = memchr(p, ':', len);
    if (!colon || t->nh == 64)
        return len;       /* the status line, or too many */
    char *line = strndup(p, len);
    if (!line)
        return 0;
    line[colon - p] = '\0';
    char *v = line + (colon - p) + 1;
    v += strspn(v, " \t");
    v[strcspn(v, "\r\n")] = '\0';
    t->hstore[t->nh] = line;
    t->hs[t->nh++] = (mc_header){line, v};
    return len;
}

static void send_request(CURLM *multi, job *j, mc_request *r)
{
    transfer *t = calloc(1, sizeof *t);
    t->j = j;
    t->r = r;
    t->easy = curl_easy_init();
    curl_easy_setopt(t->easy, CURLOPT_URL, mc_request_url(r));
    curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, mc_request_method(r));
    size_t len;
    const char *body = mc_request_body(r, &len);
    if (body) {
        curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    for (size_t i = 0; i < mc_request_header_count(r); i++) {
        mc_header h = mc_request_header(r, i);
        char line[1024];
        snprintf(line, sizeof line, "%s: %s", h.name, h.value);
        t->headers = curl_slist_append(t->headers, line);
    }
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
    if (mc_request_timeout_ms(r) > 0)
        curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, mc_request_timeout_ms(r));
    if (!mc_request_verify_tls(r)) {
        curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(t->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
    curl_multi_add_handle(multi, t->easy);
    j->waiting++;
}

/* Send everything the message waits for; report it when it has ended. */
static int step(CURLM *multi, job *j, mc_code rc)
{
    if (rc == MC_ESUSPENDED) {
        for (mc_request *r; (r = mc_message_next_request(j->m));)
            send_request(multi, j, r);
        return 0;
    }
    j->done = 1;
    if (rc != MC_OK) {
        const char *code = mc_message_error_code(j->m);
        printf("%d fault %s\n", j->n, code ? code : mc_strerror(rc));
        return 1;
    }
    size_t len;
    const char *out = mc_message_payload(j->m, &len);
    printf("%d %d %.*s\n", j->n, mc_message_status(j->m), (int)len, out ? out : "");
    return 0;
}

static void free_transfer(CURLM *multi, transfer *t)
{
    curl_multi_remove_handle(multi, t->easy);
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    for (size_t i = 0; i < t->nh; i++)
        free(t->hstore[i]);
    free(t->body);
    free(t);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: loop_host FLOWS SEQUENCE COUNT\n");
        return 2;
    }
    int count = atoi(argv[3]);
    mc_engine *e = mc_engine_new();
    if (mc_engine_load_path(e, argv[1]) != MC_OK) {
        fprintf(stderr, "%s", mc_engine_diagnostics(e));
        mc_engine_free(e);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    job *jobs = calloc((size_t)count, sizeof *jobs);
    int faults = 0, finished = 0;
    for (int i = 0; i < count; i++) {
        jobs[i].n = i;
        jobs[i].m = mc_message_new(e);
        char payload[32];
        int n = snprintf(payload, sizeof payload, "{\"i\":%d}", i);
        mc_message_set_payload(jobs[i].m, payload, (size_t)n, "application/json");
        faults += step(multi, &jobs[i], mc_start_sequence(jobs[i].m, argv[2]));
        finished += jobs[i].done;
    }
    while (finished < count) {
        int running;
        curl_multi_perform(multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            transfer *t;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
            job *j = t->j;
            if (msg->data.result == CURLE_OK) {
                long status = 0;
                curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
                mc_request_answer(j->m, t->r, (int)status, t->hs, t->nh, t->body, t->len);
            } else {
                int code = msg->data.result == CURLE_OPERATION_TIMEDOUT ? 101504
                         : msg->data.result == CURLE_COULDNT_CONNECT ? 101503 : 101500;
                mc_request_fail(j->m, t->r, code, curl_easy_strerror(msg->data.result));
            }
            free_transfer(multi, t);
            j->waiting--;
            faults += step(multi, j, mc_resume(j->m));
            finished += j->done;
        }
        if (finished < count)
            curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    for (int i = 0; i < count; i++)
        mc_message_free(jobs[i].m);
    free(jobs);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    mc_engine_free(e);
    return faults ? 1 : 0;
}

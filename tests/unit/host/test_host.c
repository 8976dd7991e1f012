/* test_host.c - the host layer (src/host) without a server: routing
 * (proxies, longest API context, uri-template variables, 404, 405 with
 * Allow), the exchange's answers (respond, 202, fault JSON, a connector
 * style fault response, 400 for a malformed body, HTTP_SC outside 200-599,
 * hop-by-hop and echoed request headers left out), an upstream request
 * sent on a real HTTP client to a closed port (101503), reload keeping the
 * old configuration on error, and the admin route table. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/host.h"
#include "host/internal.h"
#include "../test_tmpdir.h"

static const char *flows =
    "<definitions xmlns=\"http://ws.apache.org/ns/synapse\">\n"
    "<proxy name=\"Echo\"><target><inSequence>"
    "  <property name=\"X-Flow\" value=\"set\" scope=\"transport\"/>"
    "  <property name=\"Connection\" value=\"upgrade\" scope=\"transport\"/>"
    "  <respond/></inSequence></target></proxy>\n"
    "<proxy name=\"Quiet\"><target><inSequence><drop/></inSequence></target></proxy>\n"
    "<proxy name=\"Boom\"><target><inSequence>"
    "  <property name=\"bad\" value=\"x\"/><property name=\"i\" expression=\"$ctx:bad\" type=\"INTEGER\"/>"
    "</inSequence></target></proxy>\n"
    "<proxy name=\"Status\"><target><inSequence>"
    "  <property name=\"HTTP_SC\" expression=\"json-eval($.sc)\" scope=\"axis2\"/><respond/>"
    "</inSequence></target></proxy>\n"
    "<proxy name=\"Closed\"><target><inSequence>"
    "  <call><endpoint><address uri=\"http://127.0.0.1:1/x\"/></endpoint></call><respond/>"
    "</inSequence></target></proxy>\n"
    "<api name=\"Pets\" context=\"/pets\">"
    "  <resource methods=\"GET\" uri-template=\"/{id}\"><inSequence>"
    "    <payloadFactory media-type=\"json\"><format>{\"id\":\"$1\"}</format>"
    "    <args><arg expression=\"get-property('uri.var.id')\"/></args></payloadFactory><respond/>"
    "  </inSequence></resource>"
    "  <resource methods=\"POST PUT\" uri-template=\"/{id}\"><inSequence><respond/></inSequence></resource>"
    "</api>\n"
    "<api name=\"PetsAdmin\" context=\"/pets/admin\">"
    "  <resource url-mapping=\"/*\"><inSequence><respond/></inSequence></resource></api>\n"
    "</definitions>\n";

typedef struct fixture {
    char dir[64];
    char file[96];
    mc_host *h;
    mc_http_client *client;
} fixture;

static void write_flows(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(mc_test_tmpdir(fx->dir, sizeof fx->dir, "host"));
    snprintf(fx->file, sizeof fx->file, "%s/flows.xml", fx->dir);
    write_flows(fx->file, flows);
    const char *paths[] = {fx->dir};
    mc_host_options o = {.paths = paths, .npaths = 1, .log_level = MC_LOG_ERROR};
    fx->h = mc_host_new(&o);
    assert_non_null(fx->h);
    fx->client = mc_http_client_new(&(mc_http_options){.max_attempts = 1});
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    mc_http_client_free(fx->client);
    mc_host_free(fx->h);
    unlink(fx->file);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

/* ---- exchanges ------------------------------------------------------------ */

typedef struct got {
    int calls;
    int status;
    char body[512];
    char ctype[64];
    char artifact[64];
    char headers[512];             /* "Name: value\n"... */
} got;

static void on_answer(void *ud, mc_exchange *x, const mc_host_answer *a)
{
    got *g = ud;
    g->calls++;
    g->status = a->status;
    snprintf(g->body, sizeof g->body, "%.*s", (int)a->body_len, a->body ? a->body : "");
    snprintf(g->artifact, sizeof g->artifact, "%s", mc_exchange_artifact(x));
    g->headers[0] = g->ctype[0] = '\0';
    for (size_t i = 0; i < a->nheaders; i++) {
        size_t n = strlen(g->headers);
        snprintf(g->headers + n, sizeof g->headers - n, "%s: %s\n", a->headers[i].name,
                 a->headers[i].value);
        if (!strcmp(a->headers[i].name, "Content-Type"))
            snprintf(g->ctype, sizeof g->ctype, "%s", a->headers[i].value);
    }
    mc_exchange_free(x);
}

static got exchange(fixture *fx, const char *method, const char *path, const char *query,
                    const char *body, const char *ctype)
{
    mc_http_header hs[3] = {{"Content-Type", ctype}, {"X-Req", "r1"}, {"Host", "h"}};
    size_t nh = ctype ? 3 : 2;
    mc_host_request req = {method, path, query, ctype ? hs : hs + 1, nh,
                           body, body ? strlen(body) : 0};
    got g = {0};
    assert_int_equal(mc_exchange_start(fx->h, &req, fx->client, on_answer, &g), MC_OK);
    for (int i = 0; i < 200 && !g.calls; i++)
        mc_http_run(fx->client, 50);
    assert_int_equal(g.calls, 1);
    return g;
}

static void test_respond_and_headers(void **state)
{
    got g = exchange(*state, "POST", "/services/Echo", NULL, "{\"a\":1}", "application/json");
    assert_int_equal(g.status, 200);
    assert_string_equal(g.body, "{\"a\":1}");
    assert_string_equal(g.ctype, "application/json");
    assert_string_equal(g.artifact, "proxy:Echo");
    assert_non_null(strstr(g.headers, "X-Flow: set\n"));
    assert_null(strstr(g.headers, "X-Req"));      /* the request's own, unchanged */
    assert_null(strstr(g.headers, "Connection")); /* hop-by-hop */
    assert_null(strstr(g.headers, "Host"));
}

static void test_api_route_and_template_variables(void **state)
{
    got g = exchange(*state, "GET", "/pets/42", "verbose=yes", NULL, NULL);
    assert_int_equal(g.status, 200);
    assert_string_equal(g.body, "{\"id\":\"42\"}");
    assert_string_equal(g.artifact, "api:Pets");
    g = exchange(*state, "GET", "/pets/admin/x", NULL, NULL, NULL);
    assert_string_equal(g.artifact, "api:PetsAdmin");   /* the longest context */
}

static void test_not_found_and_method_not_allowed(void **state)
{
    got g = exchange(*state, "GET", "/nowhere", NULL, NULL, NULL);
    assert_int_equal(g.status, 404);
    assert_string_equal(g.body, "{\"ERROR_CODE\":\"404\",\"ERROR_MESSAGE\":\"no proxy or API resource at /nowhere\"}");
    assert_string_equal(g.artifact, "-");
    g = exchange(*state, "DELETE", "/pets/1", NULL, NULL, NULL);
    assert_int_equal(g.status, 405);
    assert_non_null(strstr(g.headers, "Allow: GET POST PUT\n"));
    g = exchange(*state, "GET", "/services/Nope", NULL, NULL, NULL);
    assert_int_equal(g.status, 404);
}

static void test_no_answer_fault_and_bad_body(void **state)
{
    got g = exchange(*state, "POST", "/services/Quiet", NULL, NULL, NULL);
    assert_int_equal(g.status, 202);
    assert_string_equal(g.body, "");
    g = exchange(*state, "POST", "/services/Boom", NULL, NULL, NULL);
    assert_int_equal(g.status, 500);
    assert_string_equal(g.body, "{\"ERROR_CODE\":\"0\",\"ERROR_MESSAGE\":\"property 'i': 'x' is not a valid INTEGER\"}");
    assert_string_equal(g.ctype, "application/json");
    g = exchange(*state, "POST", "/services/Echo", NULL, "{\"a\":", "application/json");
    assert_int_equal(g.status, 400);
    assert_non_null(strstr(g.body, "\"ERROR_CODE\":\"400\""));
}

static void test_status_outside_200_599_is_500(void **state)
{
    got g = exchange(*state, "POST", "/services/Status", NULL, "{\"sc\":201}", "application/json");
    assert_int_equal(g.status, 201);
    static const char *const bad[] = {"{\"sc\":100}", "{\"sc\":199}", "{\"sc\":600}",
                                      "{\"sc\":1000}"};
    for (size_t i = 0; i < 4; i++) {
        g = exchange(*state, "POST", "/services/Status", NULL, bad[i], "application/json");
        assert_int_equal(g.status, 500);
        assert_non_null(strstr(g.body, "HTTP_SC to a value that is not an HTTP status"));
    }
}

static void test_upstream_on_the_client(void **state)
{
    got g = exchange(*state, "POST", "/services/Closed", NULL, "{}", "application/json");
    assert_int_equal(g.status, 500);
    assert_non_null(strstr(g.body, "\"ERROR_CODE\":\"101503\""));
    mc_buf b = MC_BUF_INIT;
    mc_host_render_metrics(((fixture *)*state)->h, &b);
    assert_non_null(strstr(mc_buf_cstr(&b),
        "mediac_upstream_requests_total{operation=\"http://127.0.0.1:1/x\",status=\"101503\"} 1"));
    assert_non_null(strstr(mc_buf_cstr(&b), "mediac_faults_total{artifact=\"proxy:Closed\"} 1"));
    mc_buf_free(&b);
}

static void test_route_directly(void **state)
{
    fixture *fx = *state;
    mc_deployment *d = mc_host_acquire(fx->h);
    mc_message *m = mc_message_new(mc_deployment_engine(d));
    mc_route rt;
    assert_int_equal(mc_host_route(mc_engine_config(mc_deployment_engine(d)), "/services/Echo/a/b",
                                   "GET", NULL, m, &rt), MC_ROUTE_OK);
    assert_string_equal(rt.sub, "/a/b");
    char art[32];
    mc_route_artifact(&rt, art, sizeof art);
    assert_string_equal(art, "proxy:Echo");
    assert_int_equal(mc_host_route(mc_engine_config(mc_deployment_engine(d)), "/pets",
                                   "GET", NULL, m, &rt), MC_ROUTE_NOTFOUND);
    mc_message_free(m);
    mc_deployment_release(d);
}

static void test_reload_keeps_old_on_error(void **state)
{
    fixture *fx = *state;
    write_flows(fx->file, "<definitions xmlns=\"http://ws.apache.org/ns/synapse\">"
                "<proxy name=\"Echo\"><target><inSequence><drop/></inSequence></target></proxy>"
                "</definitions>");
    assert_true(mc_host_reload(fx->h));
    got g = exchange(fx, "POST", "/services/Echo", NULL, NULL, NULL);
    assert_int_equal(g.status, 202);
    write_flows(fx->file, "<definitions><proxy name=");
    assert_false(mc_host_reload(fx->h));
    g = exchange(fx, "POST", "/services/Echo", NULL, NULL, NULL);
    assert_int_equal(g.status, 202);
    mc_buf b = MC_BUF_INIT;
    mc_host_render_metrics(fx->h, &b);
    assert_non_null(strstr(mc_buf_cstr(&b), "mediac_reloads_total{result=\"ok\"} 1\n"));
    assert_non_null(strstr(mc_buf_cstr(&b), "mediac_reloads_total{result=\"failed\"} 1\n"));
    mc_buf_free(&b);
}

/* ---- admin routes ------------------------------------------------------------ */

static int flows_route(void *ud, mc_host *h, const char *method, const char *path, mc_buf *body,
                       const char **ctype)
{
    *ctype = "text/plain";
    mc_buf_printf(body, "%s %s %s", (const char *)ud, method, path);
    return 200;
}

static unsigned three(void *ud) { return 3; }

static void test_admin_table(void **state)
{
    fixture *fx = *state;
    mc_host_set_inflight(fx->h, three, NULL);
    mc_buf b = MC_BUF_INIT;
    const char *ct = NULL;
    assert_int_equal(mc_host_admin(fx->h, "GET", "/healthz", &b, &ct), 200);
    assert_string_equal(mc_buf_cstr(&b), "{\"version\":\"" MC_VERSION "\",\"update_level\":\"0\",\"status\":\"ready\",\"inflight\":3}\n");
    mc_buf_reset(&b);
    assert_int_equal(mc_host_admin(fx->h, "GET", "/management/apis", &b, &ct), 404);
    assert_int_equal(mc_host_admin_add(fx->h, NULL, "/management", flows_route, "any"), MC_OK);
    assert_int_equal(mc_host_admin_add(fx->h, "GET", "/management/apis", flows_route, "get"), MC_OK);
    assert_int_equal(mc_host_admin_add(fx->h, "GET", "no-slash", flows_route, NULL), MC_EINVAL);
    mc_buf_reset(&b);
    assert_int_equal(mc_host_admin(fx->h, "GET", "/management/apis/Pets", &b, &ct), 200);
    assert_string_equal(mc_buf_cstr(&b), "get GET /management/apis/Pets");  /* longest prefix */
    assert_string_equal(ct, "text/plain");
    mc_buf_reset(&b);
    assert_int_equal(mc_host_admin(fx->h, "POST", "/management/apis", &b, &ct), 200);
    assert_string_equal(mc_buf_cstr(&b), "any POST /management/apis");      /* method decides */
    mc_buf_reset(&b);
    assert_int_equal(mc_host_admin(fx->h, "GET", "/managementx", &b, &ct), 404);
    mc_buf_reset(&b);
    mc_host_render_metrics(fx->h, &b);
    assert_non_null(strstr(mc_buf_cstr(&b), "mediac_inflight_requests 3\n"));
    mc_buf_free(&b);
}

/* Every one of the n texts in want appears in text; the first missing one
 * fails the test, shown with the whole text. */
static void assert_all_in(const char *text, const char *const *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strstr(text, want[i]))
            fail_msg("missing:\n%s\nin:\n%s", want[i], text);
}

/* A histogram renders cumulative buckets (a value on a bound counts in
 * it), its sum and count; a counter renders its count; label sets that
 * differ only in length or kind are different series. */
static void test_metric_histogram_and_counters(void **state)
{
    fixture *fx = *state;
    mc_metrics *mt = &fx->h->met;
    const double v[] = {0.003, 0.02, 0.05, 0.7, 20};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        mc_metrics_observe(mt, MC_M_LAT, "artifact", "t:hist", NULL, NULL, v[i]);
    mc_metrics_observe(mt, MC_M_REQ, "artifact", "t:hist", "status", "200", 0);
    mc_metrics_observe(mt, MC_M_REQ, "artifact", "t:hist", "status", "200", 0);
    mc_metrics_observe(mt, MC_M_REQ, "artifact", "t:his", "status", "200", 0);
    mc_metrics_observe(mt, MC_M_FAULT, "artifact", "t:hist", NULL, NULL, 0);
    mc_buf b = MC_BUF_INIT;
    mc_host_render_metrics(fx->h, &b);
    const char *t = mc_buf_cstr(&b);
    static const char *const want[] = {
        "mediac_request_duration_seconds_bucket{artifact=\"t:hist\",le=\"0.005\"} 1\n"
        "mediac_request_duration_seconds_bucket{artifact=\"t:hist\",le=\"0.01\"} 1\n"
        "mediac_request_duration_seconds_bucket{artifact=\"t:hist\",le=\"0.025\"} 2\n"
        "mediac_request_duration_seconds_bucket{artifact=\"t:hist\",le=\"0.05\"} 3\n"
        "mediac_request_duration_seconds_bucket{artifact=\"t:hist\",le=\"0.1\"} 3\n"
        "mediac_request_duration_seconds_bucket{artifact=\"t:hist\",le=\"0.25\"} 3\n"
        "mediac_request_duration_seconds_bucket{artifact=\"t:hist\",le=\"0.5\"} 3\n"
        "mediac_request_duration_seconds_bucket{artifact=\"t:hist\",le=\"1\"} 4\n"
        "mediac_request_duration_seconds_bucket{artifact=\"t:hist\",le=\"2.5\"} 4\n"
        "mediac_request_duration_seconds_bucket{artifact=\"t:hist\",le=\"5\"} 4\n"
        "mediac_request_duration_seconds_bucket{artifact=\"t:hist\",le=\"10\"} 4\n"
        "mediac_request_duration_seconds_bucket{artifact=\"t:hist\",le=\"+Inf\"} 5\n"
        "mediac_request_duration_seconds_sum{artifact=\"t:hist\"} 20.773000\n"
        "mediac_request_duration_seconds_count{artifact=\"t:hist\"} 5\n",
        "mediac_requests_total{artifact=\"t:hist\",status=\"200\"} 2\n",
        "mediac_requests_total{artifact=\"t:his\",status=\"200\"} 1\n",
        "mediac_faults_total{artifact=\"t:hist\"} 1\n",
    };
    assert_all_in(t, want, sizeof want / sizeof *want);
    mc_buf_free(&b);
}

/* Threads count in shards of their own and the rendering sums them: ten
 * threads (more than the shards, so some share one) observing the same
 * series at once lose no observation, in counters and in histograms. */
typedef struct observer {
    mc_metrics *mt;
    int n;
} observer;

static void *observe_many(void *arg)
{
    observer *o = arg;
    for (int i = 0; i < o->n; i++) {
        mc_metrics_observe(o->mt, MC_M_REQ, "artifact", "t:threads", "status", "200", 0);
        mc_metrics_observe(o->mt, MC_M_LAT, "artifact", "t:threads", NULL, NULL,
                           i % 2 ? 0.002 : 0.2);
    }
    return NULL;
}

static void test_metric_threads_sum(void **state)
{
    fixture *fx = *state;
    enum { THREADS = 10, EACH = 2000 };
    pthread_t t[THREADS];
    observer o = {&fx->h->met, EACH};
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, observe_many, &o), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    mc_buf b = MC_BUF_INIT;
    mc_host_render_metrics(fx->h, &b);
    const char *text = mc_buf_cstr(&b);
    static const char *const want[] = {
        "mediac_requests_total{artifact=\"t:threads\",status=\"200\"} 20000\n",
        "mediac_request_duration_seconds_bucket{artifact=\"t:threads\",le=\"0.005\"} 10000\n",
        "mediac_request_duration_seconds_bucket{artifact=\"t:threads\",le=\"0.25\"} 20000\n",
        "mediac_request_duration_seconds_sum{artifact=\"t:threads\"} 2020.000000\n",
        "mediac_request_duration_seconds_count{artifact=\"t:threads\"} 20000\n",
    };
    assert_all_in(text, want, sizeof want / sizeof *want);
    double requests, errors;
    mc_metrics_artifact_counts(&fx->h->met, "t:threads", &requests, &errors);
    assert_true(requests == 20000 && errors == 0);
    mc_buf_free(&b);
}

/* Label values are escaped (backslash, quote, newline) into one series per
 * label set; a label set over the 512-byte buffer is not counted. */
static void test_metric_labels(void **state)
{
    (void)state;
    mc_metrics mt;
    mc_metrics_init(&mt);
    const char *art = "proxy:a\"b\\c\nd";
    mc_metrics_observe(&mt, MC_M_REQ, "artifact", art, "status", "200", 0);
    mc_metrics_observe(&mt, MC_M_REQ, "artifact", art, "status", "503", 0);
    mc_metrics_observe(&mt, MC_M_REQ, "artifact", art, "status", "200", 0);
    mc_metrics_observe(&mt, MC_M_REQ, "artifact", "proxy:a", "status", "200", 0);
    double req, err;
    mc_metrics_artifact_counts(&mt, art, &req, &err);
    assert_true(req == 3 && err == 1);
    mc_metrics_artifact_counts(&mt, "proxy:a", &req, &err);
    assert_true(req == 1 && err == 0);
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mc_metrics_observe(&mt, MC_M_REQ, "artifact", big, "status", "200", 0);
    big[505] = '\0';   /* artifact="x...",status="200" no longer fits either */
    mc_metrics_observe(&mt, MC_M_REQ, "artifact", big, "status", "200", 0);
    mc_metrics_artifact_counts(&mt, big, &req, &err);
    assert_true(req == 0);
    big[400] = '\0';
    mc_metrics_observe(&mt, MC_M_REQ, "artifact", big, "status", "200", 0);
    mc_metrics_artifact_counts(&mt, big, &req, &err);
    assert_true(req == 1);
    mc_metrics_free(&mt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_respond_and_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metric_histogram_and_counters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metric_threads_sum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_route_and_template_variables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found_and_method_not_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_answer_fault_and_bad_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_outside_200_599_is_500, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upstream_on_the_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_directly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_keeps_old_on_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_table, setup, teardown),
        cmocka_unit_test(test_metric_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

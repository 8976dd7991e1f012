/* test_management.c - unit tests for src/host/management.c and viewer.c
 * on a configuration loaded from a temporary folder, without any server:
 * MI's list and detail shapes, query parameters (decoded), 404 JSON for
 * unknown artifacts and paths, masked secrets, and the viewer page (every
 * artifact, escaped names, branches, call boxes, reference links) and its
 * counts document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/management.h"
#include "host/viewer.h"
#include "../test_tmpdir.h"

static const char *flows =
    "<definitions xmlns=\"http://ws.apache.org/ns/synapse\">\n"
    "<api name=\"Pets\" context=\"/pets\"><resource methods=\"GET POST\" uri-template=\"/{id}\">\n"
    "  <inSequence><filter source=\"$ctx:a\" regex=\"x\"><then><sequence key=\"s&amp;1\"/></then>\n"
    "  <else><call><endpoint key=\"Back\"/></call></else></filter><respond/></inSequence>\n"
    "</resource></api>\n"
    "<sequence name=\"s&amp;1\"><log/></sequence>\n"
    "<sequence name=\"&lt;script&gt;x&lt;/script&gt;\"><drop/></sequence>\n"
    "<endpoint name=\"Back\"><address uri=\"http://127.0.0.1:9/\"/></endpoint>\n"
    "<localEntry key=\"pw\"><conf><password>hunter2hunter2</password><user>u</user></conf></localEntry>\n"
    "<localEntry key=\"txt\">hello</localEntry>\n"
    "<proxy name=\"P\"><target><inSequence><respond/></inSequence></target></proxy>\n"
    "</definitions>\n";

typedef struct fixture {
    char dir[64];
    mc_engine *e;
    mc_mgmt_ctx c;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(mc_test_tmpdir(f->dir, sizeof f->dir, "mgmt"));
    char path[128];
    snprintf(path, sizeof path, "%s/flows.xml", f->dir);
    FILE *fp = fopen(path, "w");
    fputs(flows, fp);
    fclose(fp);
    f->e = mc_engine_new();
    mc_engine_set_log(f->e, MC_LOG_ERROR, NULL, NULL);
    const char *paths[] = {f->dir};
    assert_int_equal(mc_engine_load_paths(f->e, paths, 1), MC_OK);
    f->c = (mc_mgmt_ctx){mc_engine_config(f->e), mc_engine_connectors(f->e), "http://h:1", NULL, NULL};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/flows.xml", f->dir);
    unlink(path);
    rmdir(f->dir);
    mc_engine_free(f->e);
    free(f);
    return 0;
}

static int answer(fixture *f, const char *path, const char *query, mc_buf *b)
{
    const char *ct = NULL;
    b->len = 0;
    int st = mc_management_answer(&f->c, path, query, b, &ct);
    assert_string_equal(ct, "application/json");
    return st;
}

static void test_lists(void **state)
{
    fixture *f = *state;
    mc_buf b = MC_BUF_INIT;
    assert_int_equal(answer(f, "/management/apis", NULL, &b), 200);
    assert_string_equal(mc_buf_cstr(&b), "{\"count\":1,\"list\":[{\"name\":\"Pets\",\"url\":"
                        "\"http://h:1/pets\",\"urlList\":[\"http://h:1/pets\"],\"tracing\":"
                        "\"disabled\"}]}\n");
    assert_int_equal(answer(f, "/management/sequences/", NULL, &b), 200);
    assert_non_null(strstr(mc_buf_cstr(&b), "\"count\":2"));
    assert_int_equal(answer(f, "/management/endpoints", NULL, &b), 200);
    assert_string_equal(mc_buf_cstr(&b), "{\"count\":1,\"list\":[{\"name\":\"Back\",\"type\":"
                        "\"address\",\"isActive\":true}]}\n");
    assert_int_equal(answer(f, "/management/local-entries", NULL, &b), 200);
    assert_string_equal(mc_buf_cstr(&b), "{\"count\":2,\"list\":[{\"name\":\"pw\",\"type\":"
                        "\"Inline XML\"},{\"name\":\"txt\",\"type\":\"Inline Text\"}]}\n");
    assert_int_equal(answer(f, "/management/templates", "type=sequence", &b), 200);
    assert_string_equal(mc_buf_cstr(&b), "{\"count\":0,\"list\":[]}\n");
    assert_int_equal(answer(f, "/management/templates", "type=bogus", &b), 400);
    assert_int_equal(answer(f, "/liveness", NULL, &b), 200);
    assert_string_equal(mc_buf_cstr(&b), "{\"server\":\"started\"}\n");
    mc_buf_free(&b);
}

static void test_details_and_404(void **state)
{
    fixture *f = *state;
    mc_buf b = MC_BUF_INIT;
    assert_int_equal(answer(f, "/management/apis", "x=1&apiName=Pets", &b), 200);
    assert_non_null(strstr(mc_buf_cstr(&b), "\"resources\":[{\"methods\":[\"GET\",\"POST\"],"
                                            "\"url\":\"/{id}\"}]"));
    assert_non_null(strstr(mc_buf_cstr(&b), "\"configuration\":\"<api xmlns="));
    assert_int_equal(answer(f, "/management/sequences", "sequenceName=s%261", &b), 200);
    assert_non_null(strstr(mc_buf_cstr(&b), "\"mediators\":[\"log\"]"));
    assert_int_equal(answer(f, "/management/local-entries", "name=pw", &b), 200);
    assert_null(strstr(mc_buf_cstr(&b), "hunter2"));
    assert_non_null(strstr(mc_buf_cstr(&b), "<password>*****</password>"));
    assert_int_equal(answer(f, "/management/local-entries", "name=txt", &b), 200);
    assert_non_null(strstr(mc_buf_cstr(&b), "\"value\":\"hello\""));
    assert_int_equal(answer(f, "/management/apis", "apiName=%3Cx%3E", &b), 404);
    assert_string_equal(mc_buf_cstr(&b), "{\"Error\":\"API not found: <x>\"}\n");
    assert_int_equal(answer(f, "/management/proxy-services", "proxyServiceName=Q", &b), 404);
    assert_int_equal(answer(f, "/management/endpoints", "endpointName=Q", &b), 404);
    assert_int_equal(answer(f, "/management/connectors", "connectorName=Q", &b), 404);
    assert_int_equal(answer(f, "/management/bogus", NULL, &b), 404);
    assert_string_equal(mc_buf_cstr(&b),
                        "{\"Error\":\"No such resource on the management API: /management/bogus\"}\n");
    mc_buf_free(&b);
}

static void counts(void *ud, const char *artifact, double *req, double *err)
{
    *req = strcmp(artifact, "api:Pets") == 0 ? 7 : 0;
    *err = strcmp(artifact, "api:Pets") == 0 ? 2 : 0;
}

static void test_viewer(void **state)
{
    fixture *f = *state;
    mc_buf b = MC_BUF_INIT;
    const char *ct;
    assert_int_equal(mc_viewer_page(f->c.cfg, counts, NULL, &b, &ct), 200);
    assert_string_equal(ct, "text/html; charset=utf-8");
    const char *p = mc_buf_cstr(&b);
    assert_null(strstr(p, "<script>x"));                      /* escaped */
    assert_non_null(strstr(p, "&lt;script&gt;x&lt;/script&gt;"));
    assert_non_null(strstr(p, "data-name=\"s&amp;1\""));
    assert_non_null(strstr(p, "<div class=\"label\">then</div>"));
    assert_non_null(strstr(p, "<div class=\"label\">else</div>"));
    assert_non_null(strstr(p, "data-mediator=\"call\"><span class=\"name\">call</span> "
                              "<span class=\"target\">endpoint <a class=\"ref\" href=\"#ep-0\">"
                              "Back</a>"));
    assert_non_null(strstr(p, "<a class=\"ref\" href=\"#seq-"));
    assert_null(strstr(p, "src="));                           /* nothing loaded */
    b.len = 0;
    assert_int_equal(mc_viewer_counts(f->c.cfg, counts, NULL, &b, &ct), 200);
    assert_string_equal(mc_buf_cstr(&b), "{\"api:Pets\":{\"requests\":7,\"errors\":2},"
                                         "\"proxy:P\":{\"requests\":0,\"errors\":0}}\n");
    mc_buf_free(&b);
}

static void test_query_param(void **state)
{
    (void)state;
    mc_buf b = MC_BUF_INIT;
    assert_true(mc_query_param("a=1&apiName=x%20y+z", "apiName", &b));
    assert_string_equal(mc_buf_cstr(&b), "x y z");
    assert_false(mc_query_param("apiNameX=1", "apiName", &b));
    assert_true(mc_query_param("apiName", "apiName", &b));
    assert_string_equal(mc_buf_cstr(&b), "");
    assert_false(mc_query_param(NULL, "apiName", &b));
    mc_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_details_and_404, setup, teardown),
        cmocka_unit_test_setup_teardown(test_viewer, setup, teardown),
        cmocka_unit_test(test_query_param),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

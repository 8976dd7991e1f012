/* chain.c - unit tests of the credential sources that need HTTP or a
 * process, and of the context's cache.  HTTP goes to a FAKE fetch of the
 * test's own (canned answers by URL, every request recorded): STS XML,
 * the container endpoint, IMDSv2; credential_process runs a real shell
 * script.  The cache: one chain run for many calls, the refresh windows
 * (15 minutes: refresh, keep using; 10 minutes: wait), expired keys that
 * cannot be refreshed, failures remembered for a few seconds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws/context.h"
#include "aws/providers.h"
#include "../test_tmpdir.h"

/* ---- the FAKE fetch ---------------------------------------------------- */

typedef struct fake_answer {
    const char *url_part;        /* answers URLs containing this */
    int status;
    char body[2048];
} fake_answer;

static struct {
    fake_answer answers[8];
    size_t n;
    char urls[32][512];
    char bodies[32][1024];
    char auth[32][512];
    size_t calls;
    bool refuse;                 /* connection refused, always */
} fake;

static void fake_reset(void) { memset(&fake, 0, sizeof fake); }

static void fake_add(const char *part, int status, const char *body)
{
    fake.answers[fake.n].url_part = part;
    fake.answers[fake.n].status = status;
    snprintf(fake.answers[fake.n].body, sizeof fake.answers[fake.n].body, "%s", body);
    fake.n++;
}

static mc_code fake_fetch(void *ud, const mc_aws_fetch_req *req, int *status, mc_buf *body,
                          mc_err *err)
{
    (void)ud;
    size_t k = fake.calls++ % 32;
    snprintf(fake.urls[k], sizeof fake.urls[k], "%s %s", req->method, req->url);
    snprintf(fake.bodies[k], sizeof fake.bodies[k], "%.*s", (int)req->body_len,
             req->body ? req->body : "");
    fake.auth[k][0] = '\0';
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcmp(req->headers[2 * i], "Authorization") == 0 ||
            strcmp(req->headers[2 * i], "X-aws-ec2-metadata-token") == 0)
            snprintf(fake.auth[k], sizeof fake.auth[k], "%s", req->headers[2 * i + 1]);
    if (fake.refuse)
        return mc_err_set(err, MC_EIO, "connection refused: 127.0.0.1:1");
    for (size_t i = fake.n; i-- > 0;)
        if (strstr(req->url, fake.answers[i].url_part)) {
            *status = fake.answers[i].status;
            mc_buf_puts(body, fake.answers[i].body);
            return MC_OK;
        }
    *status = 404;
    return MC_OK;
}

/* ---- environment ------------------------------------------------------- */

static char home[256];

static void write_home_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", home, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    extern char **environ;
    for (;;) {                   /* every AWS_* variable goes */
        char *gone = NULL;
        for (char **e = environ; e && *e && !gone; e++)
            if (strncmp(*e, "AWS_", 4) == 0)
                gone = *e;
        if (!gone)
            break;
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(gone, "="), gone);
        unsetenv(name);
    }
    if (!mc_test_tmpdir(home, sizeof home, "chain-home"))
        return -1;
    char dir[300];
    snprintf(dir, sizeof dir, "%s/.aws", home);
    mkdir(dir, 0700);
    setenv("HOME", home, 1);
    fake_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *iso_in(long seconds)
{
    static char buf[4][32];
    static int k;
    time_t t = time(NULL) + seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    char *b = buf[k++ % 4];
    strftime(b, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return b;
}

static void container_answer(const char *key, long expires_in)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"secret-%s\","
             "\"Token\":\"token-%s\",\"Expiration\":\"%s\"}", key, key, key, iso_in(expires_in));
    fake_add("/creds", 200, body);
}

static mc_aws_context *context(void)
{
    mc_aws_context_opts o = {.fetch = fake_fetch, .container_base = "http://127.0.0.1:9"};
    mc_aws_context *c = mc_aws_context_new(&o);
    assert_non_null(c);
    return c;
}

static void get(mc_aws_context *c, const char *want_key)
{
    mc_aws_credentials cr;
    mc_err err = {0};
    mc_aws_settings x = {0};
    if (mc_aws_context_credentials(c, &x, &cr, &err) != MC_OK)
        fail_msg("no credentials: %s", err.msg);
    assert_string_equal(cr.access_key_id, want_key);
    mc_aws_credentials_clear(&cr);
}

/* ---- the cache ----------------------------------------------------------- */

static void test_cache_and_refresh_windows(void **state)
{
    (void)state;
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds", 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer tok", 1);
    mc_aws_context *c = context();
    container_answer("AKIDONE", 3600);
    for (int i = 0; i < 5; i++)
        get(c, "AKIDONE");
    assert_int_equal(fake.calls, 1);
    assert_string_equal(fake.urls[0], "GET http://127.0.0.1:9/creds");
    assert_string_equal(fake.auth[0], "Bearer tok");
    mc_aws_context_free(c);

    /* inside the advisory window (15 min): the next caller refreshes */
    fake_reset();
    c = context();
    container_answer("AKIDSOON", 12 * 60);
    get(c, "AKIDSOON");
    container_answer("AKIDNEW", 3600);
    get(c, "AKIDNEW");
    get(c, "AKIDNEW");
    assert_int_equal(fake.calls, 2);
    assert_int_equal(mc_aws_context_chain_runs(c), 2);
    mc_aws_context_free(c);

    /* advisory refresh fails: the current keys stay in use */
    fake_reset();
    c = context();
    container_answer("AKIDSOON", 12 * 60);
    get(c, "AKIDSOON");
    fake_add("/creds", 500, "{}");
    get(c, "AKIDSOON");
    mc_aws_context_free(c);

    /* expired and the refresh fails: an error, no stale keys */
    fake_reset();
    c = context();
    container_answer("AKIDOLD", -60);
    mc_aws_credentials cr;
    mc_err err = {0};
    mc_aws_settings x = {0};
    assert_int_not_equal(mc_aws_context_credentials(c, &x, &cr, &err), MC_OK);
    assert_non_null(strstr(err.msg, "container credentials"));
    mc_aws_context_free(c);
    unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
}

static void test_failure_remembered_and_sources_listed(void **state)
{
    (void)state;
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1", 1);
    fake.refuse = true;
    mc_aws_context *c = context();
    mc_aws_credentials cr;
    mc_err err = {0};
    mc_aws_settings x = {0};
    assert_int_equal(mc_aws_context_credentials(c, &x, &cr, &err), MC_ECONFIG);
    assert_non_null(strstr(err.msg, "no AWS credentials (profile default); tried "));
    assert_non_null(strstr(err.msg, "EC2 instance metadata (http://127.0.0.1:1: "
                                    "connection refused"));
    assert_int_equal(mc_aws_context_credentials(c, &x, &cr, &err), MC_ECONFIG);
    assert_int_equal(mc_aws_context_chain_runs(c), 1);    /* remembered */
    /* explicit keys never touch the cache */
    mc_aws_settings keys = {.access_key_id = "AKIDFLOW", .secret_access_key = "flow-secret"};
    assert_int_equal(mc_aws_context_credentials(c, &keys, &cr, &err), MC_OK);
    assert_string_equal(cr.source, "the connection");
    mc_aws_credentials_clear(&cr);
    mc_aws_context_free(c);
    unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
}

/* ---- STS ------------------------------------------------------------------ */

#define STS_OK(key)                                                                  \
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"      \
    "<AssumeRoleResult><Credentials><AccessKeyId>" key "</AccessKeyId>"             \
    "<SecretAccessKey>sts-secret</SecretAccessKey><SessionToken>sts-token"          \
    "</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"    \
    "</AssumeRoleResult></AssumeRoleResponse>"

static void test_web_identity(void **state)
{
    (void)state;
    write_home_file("token", "the-web-token\n");
    char tok[300];
    snprintf(tok, sizeof tok, "%s/token", home);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tok, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web", 1);
    setenv("AWS_REGION", "eu-west-1", 1);
    fake_add("sts.", 200, STS_OK("AKIDWEB"));
    mc_aws_context *c = context();
    get(c, "AKIDWEB");
    assert_string_equal(fake.urls[0], "POST https://sts.eu-west-1.amazonaws.com/");
    assert_non_null(strstr(fake.bodies[0], "Action=AssumeRoleWithWebIdentity"));
    assert_non_null(strstr(fake.bodies[0], "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb"));
    assert_non_null(strstr(fake.bodies[0], "WebIdentityToken=the-web-token"));
    assert_string_equal(fake.auth[0], "");                /* unsigned */
    mc_aws_context_free(c);

    /* STS refuses: its code and message, never the token */
    fake_reset();
    fake_add("sts.", 403, "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                          "<Message>Not authorized to perform sts:AssumeRoleWithWebIdentity"
                          "</Message></Error></ErrorResponse>");
    mc_aws_credentials cr;
    mc_err err = {0};
    mc_aws_settings x = {.fetch = fake_fetch};
    assert_int_equal(mc_aws_credentials_resolve(&x, &cr, &err), MC_ECONFIG);
    assert_non_null(strstr(err.msg, "STS AssumeRoleWithWebIdentity answered 403 AccessDenied: "
                                    "Not authorized"));
    assert_null(strstr(err.msg, "the-web-token"));
    /* a role without a token file, the reverse */
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token", 1);
    assert_int_equal(mc_aws_credentials_resolve(&x, &cr, &err), MC_ECONFIG);
    assert_non_null(strstr(err.msg, "web identity token: cannot read /nonexistent/token"));
    unsetenv("AWS_ROLE_ARN");
    assert_int_equal(mc_aws_credentials_resolve(&x, &cr, &err), MC_ECONFIG);
    assert_non_null(strstr(err.msg, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not"));
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_REGION");
}

static void test_assume_role_profiles(void **state)
{
    (void)state;
    write_home_file(".aws/config",
                    "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n"
                    "source_profile = base\nexternal_id = ext-1\nregion = us-west-2\n"
                    "[profile loop1]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop2\n"
                    "[profile loop2]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = loop1\n"
                    "[profile fromenv]\nrole_arn = arn:aws:iam::1:role/e\n"
                    "credential_source = Environment\n");
    write_home_file(".aws/credentials",
                    "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");
    fake_add("sts.", 200, STS_OK("AKIDDEV"));
    mc_aws_credentials cr;
    mc_err err = {0};
    mc_aws_settings x = {.profile = "dev", .fetch = fake_fetch};
    assert_int_equal(mc_aws_credentials_resolve(&x, &cr, &err), MC_OK);
    assert_string_equal(cr.access_key_id, "AKIDDEV");
    assert_string_equal(cr.session_token, "sts-token");
    assert_true(cr.expires > 4000000000LL);
    assert_non_null(strstr(cr.source, "assume role arn:aws:iam::123456789012:role/dev"));
    mc_aws_credentials_clear(&cr);
    assert_string_equal(fake.urls[0], "POST https://sts.us-west-2.amazonaws.com/");
    assert_non_null(strstr(fake.bodies[0], "Action=AssumeRole&"));
    assert_non_null(strstr(fake.bodies[0], "ExternalId=ext-1"));
    assert_non_null(strstr(fake.auth[0], "Credential=AKIDBASE/"));
    assert_non_null(strstr(fake.auth[0], "/us-west-2/sts/aws4_request"));
    /* a loop of source profiles */
    x.profile = "loop1";
    assert_int_equal(mc_aws_credentials_resolve(&x, &cr, &err), MC_ECONFIG);
    assert_non_null(strstr(err.msg, "chained more than 4 deep"));
    /* credential_source = Environment */
    setenv("AWS_ACCESS_KEY_ID", "AKIDENVSRC", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-src-secret", 1);
    fake_reset();
    fake_add("sts.", 200, STS_OK("AKIDFROMENV"));
    x.profile = "fromenv";
    assert_int_equal(mc_aws_credentials_resolve(&x, &cr, &err), MC_OK);
    assert_string_equal(cr.access_key_id, "AKIDFROMENV");
    assert_non_null(strstr(fake.auth[0], "Credential=AKIDENVSRC/"));
    mc_aws_credentials_clear(&cr);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
}

/* ---- instance metadata ------------------------------------------------------ */

static void test_imds(void **state)
{
    (void)state;
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/", 1);
    fake_add("/latest/api/token", 200, "imds-token");
    fake_add("/security-credentials/", 200, "the-role\n");
    char body[512];
    snprintf(body, sizeof body, "{\"Code\":\"Success\",\"AccessKeyId\":\"AKIDEC2\","
             "\"SecretAccessKey\":\"ec2-secret\",\"Token\":\"ec2-token\",\"Expiration\":\"%s\"}",
             iso_in(6 * 3600));
    fake_add("/security-credentials/the-role", 200, body);
    mc_aws_credentials cr;
    mc_err err = {0};
    mc_aws_settings x = {.fetch = fake_fetch};
    assert_int_equal(mc_aws_credentials_resolve(&x, &cr, &err), MC_OK);
    assert_string_equal(cr.access_key_id, "AKIDEC2");
    assert_string_equal(cr.source, "EC2 instance metadata (role the-role)");
    mc_aws_credentials_clear(&cr);
    assert_string_equal(fake.urls[0], "PUT http://127.0.0.1:9/latest/api/token");
    assert_string_equal(fake.urls[1],
                        "GET http://127.0.0.1:9/latest/meta-data/iam/security-credentials/");
    assert_string_equal(fake.auth[1], "imds-token");
    assert_string_equal(fake.auth[2], "imds-token");
    /* the token call refused with 405: IMDSv1, as botocore; unless disabled */
    fake_reset();
    fake_add("/latest/api/token", 405, "");
    fake_add("/security-credentials/", 200, "the-role");
    fake_add("/security-credentials/the-role", 200, body);
    assert_int_equal(mc_aws_credentials_resolve(&x, &cr, &err), MC_OK);
    assert_string_equal(fake.auth[1], "");
    mc_aws_credentials_clear(&cr);
    setenv("AWS_EC2_METADATA_V1_DISABLED", "true", 1);
    assert_int_equal(mc_aws_credentials_resolve(&x, &cr, &err), MC_ECONFIG);
    assert_non_null(strstr(err.msg, "the token call answered HTTP 405"));
    unsetenv("AWS_EC2_METADATA_V1_DISABLED");
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    fake_reset();
    assert_int_equal(mc_aws_credentials_resolve(&x, &cr, &err), MC_ECONFIG);
    assert_int_equal(fake.calls, 0);
    unsetenv("AWS_EC2_METADATA_DISABLED");
    unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
}

/* ---- credential_process ------------------------------------------------------ */

static void process_profile(const char *script)
{
    write_home_file("helper.sh", script);
    char path[300], cfg[700];
    snprintf(path, sizeof path, "%s/helper.sh", home);
    chmod(path, 0700);
    snprintf(cfg, sizeof cfg, "[default]\ncredential_process = /bin/sh '%s' \"an arg\"\n", path);
    write_home_file(".aws/config", cfg);
}

static void test_credential_process(void **state)
{
    (void)state;
    process_profile("[ \"$1\" = 'an arg' ] || exit 3\n"
                    "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
                    "\"SecretAccessKey\": \"proc-secret\", \"SessionToken\": \"proc-token\", "
                    "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\n");
    mc_aws_credentials cr;
    mc_err err = {0};
    assert_int_equal(mc_aws_credentials_resolve(NULL, &cr, &err), MC_OK);
    assert_string_equal(cr.access_key_id, "AKIDPROC");
    assert_string_equal(cr.session_token, "proc-token");
    assert_string_equal(cr.source, "credential_process of profile default");
    mc_aws_credentials_clear(&cr);
    process_profile("exit 7\n");
    assert_int_equal(mc_aws_credentials_resolve(NULL, &cr, &err), MC_ECONFIG);
    assert_non_null(strstr(err.msg, "exited with status 7"));
    process_profile("echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s\"}'\n");
    assert_int_equal(mc_aws_credentials_resolve(NULL, &cr, &err), MC_ECONFIG);
    assert_non_null(strstr(err.msg, "\"Version\": 1"));
    process_profile("echo '{\"Version\": 1, \"AccessKeyId\": \"A\"}'\n");
    assert_int_equal(mc_aws_credentials_resolve(NULL, &cr, &err), MC_EPARSE);
    assert_non_null(strstr(err.msg, "no AccessKeyId and SecretAccessKey"));
    write_home_file(".aws/config", "[default]\ncredential_process = /bin/sh 'unbalanced\n");
    assert_int_equal(mc_aws_credentials_resolve(NULL, &cr, &err), MC_ECONFIG);
    assert_non_null(strstr(err.msg, "cannot split the command"));
}

/* Region and endpoint are resolved once per context: a later change to
 * the config file or the environment does not reach requests. */
static void test_region_and_endpoint_kept(void **state)
{
    (void)state;
    write_home_file(".aws/config", "[default]\nregion = eu-north-1\n");
    setenv("AWS_ENDPOINT_URL_LAMBDA", "http://127.0.0.1:4566", 1);
    mc_aws_context *c = context();
    write_home_file(".aws/config", "[default]\nregion = ap-south-1\n");
    setenv("AWS_ENDPOINT_URL_LAMBDA", "http://127.0.0.1:9999", 1);
    char region[64];
    mc_err err = {0};
    mc_aws_settings x = {0};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(mc_aws_context_region(c, &x, region, sizeof region, &err), MC_OK);
        assert_string_equal(region, "ap-south-1");    /* read once, at first use */
        write_home_file(".aws/config", "[default]\nregion = us-west-1\n");
    }
    mc_aws_endpoint ep;
    assert_int_equal(mc_aws_context_endpoint(c, NULL, "lambda", region, &ep, &err), MC_OK);
    assert_string_equal(ep.url, "http://127.0.0.1:4566");     /* the environment at load */
    assert_int_equal(mc_aws_context_endpoint(c, NULL, "lambda", region, &ep, &err), MC_OK);
    assert_string_equal(ep.source, "AWS_ENDPOINT_URL_LAMBDA");
    mc_aws_settings own = {.region = "sa-east-1"};
    assert_int_equal(mc_aws_context_region(c, &own, region, sizeof region, &err), MC_OK);
    assert_string_equal(region, "sa-east-1");
    mc_aws_context_free(c);
    unsetenv("AWS_ENDPOINT_URL_LAMBDA");
}

/* Explicit endpoints are kept by their whole URL: two long URLs that
 * differ only past the cache key's length are two endpoints (a cut key
 * once gave the second the first one's base path). */
static void test_long_endpoints_not_confused(void **state)
{
    (void)state;
    mc_aws_context *c = context();
    /* http:// + four 60-letter labels + "/" + 400 letters: 651 bytes */
    char a[700], b[700];
    size_t n = 0;
    n += (size_t)sprintf(a, "http://");
    for (int l = 0; l < 4; l++) {
        memset(a + n, 'h', 60);
        n += 60;
        a[n++] = l < 3 ? '.' : '/';
    }
    memset(a + n, 'p', 400);
    n += 400;
    a[n] = '\0';
    memcpy(b, a, sizeof b);
    a[n - 1] = 'a';
    b[n - 1] = 'b';
    mc_aws_endpoint ep;
    mc_err err = {0};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(mc_aws_context_endpoint(c, a, "lambda", "us-east-1", &ep, &err),
                         MC_OK);
        assert_string_equal(ep.url, a);
        assert_int_equal(mc_aws_context_endpoint(c, b, "lambda", "us-east-1", &ep, &err),
                         MC_OK);
        assert_string_equal(ep.url, b);
    }
    /* short ones are cached and answered the same */
    const char *s = "http://127.0.0.1:4566/short";
    for (int i = 0; i < 2; i++) {
        assert_int_equal(mc_aws_context_endpoint(c, s, "lambda", "us-east-1", &ep, &err),
                         MC_OK);
        assert_string_equal(ep.url, s);
        assert_string_equal(ep.source, "the connection");
    }
    mc_aws_context_free(c);
}

/* Cached keys copied into the caller's room: no heap, the same keys, the
 * room wiped by clear; keys that do not fit go to the heap as before. */
static void test_credentials_into_room(void **state)
{
    (void)state;
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds", 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer tok", 1);
    mc_aws_context *c = context();
    container_answer("AKIDROOM", 3600);
    mc_aws_settings x = {0};
    mc_err err = {0};
    char room[256];
    memset(room, 'x', sizeof room);
    mc_aws_credentials cr;
    assert_int_equal(mc_aws_context_credentials_in(c, &x, &cr, room, sizeof room, &err),
                     MC_OK);
    assert_string_equal(cr.access_key_id, "AKIDROOM");
    assert_string_equal(cr.secret_access_key, "secret-AKIDROOM");
    assert_string_equal(cr.session_token, "token-AKIDROOM");
    assert_true(cr.access_key_id >= room && cr.session_token < room + sizeof room);
    size_t used = cr.room_used;
    assert_int_equal(used, sizeof "AKIDROOM" + sizeof "secret-AKIDROOM" +
                           sizeof "token-AKIDROOM");
    mc_aws_credentials_clear(&cr);
    for (size_t i = 0; i < used; i++)
        assert_int_equal(room[i], 0);
    assert_int_equal(room[used], 'x');
    assert_null(cr.access_key_id);

    /* too small a room: a heap copy (freed and wiped by clear; ASan checks) */
    assert_int_equal(mc_aws_context_credentials_in(c, &x, &cr, room, 8, &err), MC_OK);
    assert_string_equal(cr.session_token, "token-AKIDROOM");
    assert_true(cr.access_key_id < room || cr.access_key_id >= room + sizeof room);
    assert_null(cr.room);
    mc_aws_credentials_clear(&cr);
    assert_int_equal(mc_aws_context_chain_runs(c), 1);
    mc_aws_context_free(c);
    unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cache_and_refresh_windows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_remembered_and_sources_listed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_web_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assume_role_profiles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_imds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credential_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_and_endpoint_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_endpoints_not_confused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credentials_into_room, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

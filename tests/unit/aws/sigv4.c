/* sigv4.c - unit tests of the SigV4 signer's API: URI encoding, the
 * Lambda double encoding, S3 paths, query and header canonicalisation,
 * signer-owned headers, payload hash options, the signing-key cache and
 * input errors.  AWS's own suite is in sigv4_suite.c; random requests
 * against botocore in test_sigv4_botocore.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#include "aws/sigv4.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "FwoGZXIvYXdzEXAMPLETOKEN=="
#define EMPTY_SHA256 \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define T_20240229 1709251198 /* 2024-02-29T23:59:58Z */

static mc_sigv4_params params(unsigned flags)
{
    return (mc_sigv4_params){
        .access_key_id = "AKIDEXAMPLE", .secret_access_key = SECRET,
        .region = "us-east-1", .service = "lambda", .when = T_20240229,
        .flags = flags,
    };
}

/* Sign and return line i (0-based) of the canonical request. */
static char *creq_line(mc_sigv4_signer *s, const mc_sigv4_request *r,
                       const mc_sigv4_params *p, int i)
{
    mc_sigv4_result out;
    mc_err err;
    assert_int_equal(mc_sigv4_sign(s, r, p, &out, &err), MC_OK);
    const char *c = mc_sigv4_canonical_request(s);
    for (; i > 0; i--) {
        c = strchr(c, '\n');
        assert_non_null(c);
        c++;
    }
    const char *e = strchr(c, '\n');
    return strndup(c, e ? (size_t)(e - c) : strlen(c));
}

static void test_uri_encode(void **state)
{
    (void)state;
    mc_buf b = MC_BUF_INIT;
    mc_aws_uri_encode(&b, "my-fn:$LATEST", 13, false);
    assert_string_equal(mc_buf_cstr(&b), "my-fn%3A%24LATEST");
    mc_buf_reset(&b);
    mc_aws_uri_encode(&b, "a b/caf\xc3\xa9~-._+", 14, false);
    assert_string_equal(mc_buf_cstr(&b), "a%20b%2Fcaf%C3%A9~-._%2B");
    mc_buf_reset(&b);
    mc_aws_uri_encode(&b, "dir/a b", 7, true);
    assert_string_equal(mc_buf_cstr(&b), "dir/a%20b");
    mc_buf_reset(&b);
    mc_aws_uri_encode(&b, "100%", 4, false);
    assert_string_equal(mc_buf_cstr(&b), "100%25");
    mc_buf_free(&b);
}

static void test_lambda_path_double_encoded(void **state)
{
    (void)state;
    mc_sigv4_signer *s = mc_sigv4_signer_new();
    mc_sigv4_request r = {
        .method = "post", .host = "lambda.us-east-1.amazonaws.com",
        .path = "/2015-03-31/functions/my-fn%3A%24LATEST/invocations",
    };
    mc_sigv4_params p = params(mc_sigv4_service_flags("lambda"));
    char *l0 = creq_line(s, &r, &p, 0), *l1 = creq_line(s, &r, &p, 1);
    assert_string_equal(l0, "POST");
    assert_string_equal(
        l1, "/2015-03-31/functions/my-fn%253A%2524LATEST/invocations");
    free(l0);
    free(l1);
    /* A raw ':' on the wire is encoded once: the same server-side path. */
    r.path = "/2015-03-31/functions/my-fn:prod/a%20b/./x/../";
    l1 = creq_line(s, &r, &p, 1);
    assert_string_equal(l1, "/2015-03-31/functions/my-fn%3Aprod/a%2520b/");
    free(l1);
    r.path = NULL;
    l1 = creq_line(s, &r, &p, 1);
    assert_string_equal(l1, "/");
    free(l1);
    mc_sigv4_signer_free(s);
}

static void test_s3_path_as_sent(void **state)
{
    (void)state;
    assert_int_equal(mc_sigv4_service_flags("s3"), 0);
    mc_sigv4_signer *s = mc_sigv4_signer_new();
    mc_sigv4_request r = {.method = "GET", .host = "b.s3.amazonaws.com",
                          .path = "/a%20b//./c"};
    mc_sigv4_params p = params(mc_sigv4_service_flags("s3"));
    p.service = "s3";
    char *l1 = creq_line(s, &r, &p, 1);
    assert_string_equal(l1, "/a%20b//./c");
    free(l1);
    mc_sigv4_signer_free(s);
}

static void test_query_canonical(void **state)
{
    (void)state;
    mc_sigv4_signer *s = mc_sigv4_signer_new();
    mc_sigv4_request r = {
        .method = "GET", .host = "h",
        .query = "b=2&a=z&a=%3a&empty=&bare&sp=a%20b&plus=a+b&raw=x:y/z"
                 "&Zed=1&%7Euser=%7e",
    };
    mc_sigv4_params p = params(MC_SIGV4_ENCODE_PATH);
    char *l2 = creq_line(s, &r, &p, 2);
    assert_string_equal(l2, "Zed=1&a=%3A&a=z&b=2&bare=&empty=&plus=a%2Bb&"
                            "raw=x%3Ay%2Fz&sp=a%20b&~user=~");
    free(l2);
    /* Key order before value order: "a" sorts before "a-", though "a=z"
     * would sort after "a-=b" as one string. */
    r.query = "a-=b&a=z";
    l2 = creq_line(s, &r, &p, 2);
    assert_string_equal(l2, "a=z&a-=b");
    free(l2);
    r.query = "";
    l2 = creq_line(s, &r, &p, 2);
    assert_string_equal(l2, "");
    free(l2);
    mc_sigv4_signer_free(s);
}

static void test_headers_canonical(void **state)
{
    (void)state;
    mc_sigv4_signer *s = mc_sigv4_signer_new();
    const mc_sigv4_header h[] = {
        {"X-Amz-Invocation-Type", "  Request\t\tResponse  "},
        {"My-Header", "b"},
        {"Authorization", "stale"},
        {"X-Amz-Date", "19990101T000000Z"},
        {"Host", "other.example.com"},
        {"User-Agent", "curl/8"},
        {"my-header", "a   a"},
        {"Empty", "   "},
    };
    mc_sigv4_request r = {.method = "GET", .host = "Lambda.example:8443",
                          .headers = h, .nheaders = 8};
    mc_sigv4_params p = params(MC_SIGV4_ENCODE_PATH);
    p.session_token = TOKEN;
    mc_sigv4_result out;
    mc_err err;
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_OK);
    assert_string_equal(mc_sigv4_canonical_request(s),
                        "GET\n/\n\n"
                        "empty:\n"
                        "host:Lambda.example:8443\n"
                        "my-header:b,a a\n"
                        "x-amz-date:20240229T235958Z\n"
                        "x-amz-invocation-type:Request Response\n"
                        "x-amz-security-token:" TOKEN "\n\n"
                        "empty;host;my-header;x-amz-date;"
                        "x-amz-invocation-type;x-amz-security-token\n"
                        EMPTY_SHA256);
    assert_int_equal(out.nheaders, 3);
    assert_string_equal(out.headers[0].name, "Authorization");
    assert_ptr_equal(out.headers[0].value, out.authorization);
    assert_string_equal(out.headers[1].name, "X-Amz-Date");
    assert_string_equal(out.headers[1].value, "20240229T235958Z");
    assert_string_equal(out.headers[2].name, "X-Amz-Security-Token");
    assert_string_equal(out.headers[2].value, TOKEN);
    char want[512];
    snprintf(want, sizeof want,
             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240229/us-east-1/"
             "lambda/aws4_request, SignedHeaders=empty;host;my-header;"
             "x-amz-date;x-amz-invocation-type;x-amz-security-token, "
             "Signature=%s", out.signature);
    assert_string_equal(out.authorization, want);
    const char *sts = mc_sigv4_string_to_sign(s);
    const char *head = "AWS4-HMAC-SHA256\n20240229T235958Z\n"
                       "20240229/us-east-1/lambda/aws4_request\n";
    assert_int_equal(strncmp(sts, head, strlen(head)), 0);
    assert_int_equal(strlen(sts), strlen(head) + 64);
    mc_sigv4_signer_free(s);
}

static void test_payload_options(void **state)
{
    (void)state;
    mc_sigv4_signer *s = mc_sigv4_signer_new();
    mc_sigv4_request r = {.method = "PUT", .host = "h", .path = "/k",
                          .body = "hello", .body_len = 5};
    mc_sigv4_params p = params(MC_SIGV4_CONTENT_SHA256);
    const mc_sigv4_header h[] = {{"x-amz-content-sha256", "bogus"}};
    r.headers = h;
    r.nheaders = 1;
    mc_sigv4_result out;
    mc_err err;
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_OK);
    const char *hello =
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    assert_string_equal(out.content_sha256, hello);
    assert_int_equal(out.nheaders, 3);
    assert_string_equal(out.headers[2].name, "X-Amz-Content-Sha256");
    assert_string_equal(out.headers[2].value, hello);
    assert_non_null(strstr(mc_sigv4_canonical_request(s),
                           "\nx-amz-content-sha256:2cf24dba"));
    assert_null(strstr(mc_sigv4_canonical_request(s), "bogus"));

    /* A precomputed hash gives the same signature without the body. */
    char sig[65];
    strcpy(sig, out.signature);
    r.body = NULL;
    r.body_len = 0;
    r.body_sha256 = hello;
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_OK);
    assert_string_equal(out.signature, sig);

    r.body_sha256 = "UNSIGNED-PAYLOAD";
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_OK);
    assert_string_equal(out.content_sha256, "UNSIGNED-PAYLOAD");
    assert_string_not_equal(out.signature, sig);

    r.body_sha256 = "2CF24DBA";
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_EINVAL);
    assert_non_null(strstr(err.msg, "body_sha256"));
    mc_sigv4_signer_free(s);
}

static void test_unsigned_token(void **state)
{
    (void)state;
    mc_sigv4_signer *s = mc_sigv4_signer_new();
    mc_sigv4_request r = {.method = "POST", .host = "h"};
    mc_sigv4_params p = params(MC_SIGV4_UNSIGNED_TOKEN);
    p.session_token = TOKEN;
    mc_sigv4_result out;
    mc_err err;
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_OK);
    assert_null(strstr(mc_sigv4_canonical_request(s), "x-amz-security-token"));
    assert_int_equal(out.nheaders, 3);
    assert_string_equal(out.headers[2].value, TOKEN);
    mc_sigv4_signer_free(s);
}

static void test_key_cache(void **state)
{
    (void)state;
    mc_sigv4_signer *s = mc_sigv4_signer_new();
    mc_sigv4_request r = {.method = "GET", .host = "h"};
    mc_sigv4_params p = params(MC_SIGV4_ENCODE_PATH);
    mc_sigv4_result out;
    mc_err err;
    for (int i = 0; i < 5; i++)
        assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_OK);
    assert_int_equal(mc_sigv4_key_derivations(s), 1);
    char first[65];
    strcpy(first, out.signature);

    p.when -= 3600;                      /* same day: still cached */
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_OK);
    assert_int_equal(mc_sigv4_key_derivations(s), 1);
    p.when += 3600 + 2;                  /* 00:00:00 next day: new key */
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_OK);
    assert_int_equal(mc_sigv4_key_derivations(s), 2);
    p.region = "eu-west-1";
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_OK);
    p.service = "sts";
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_OK);
    p.secret_access_key = "another-secret";
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_OK);
    assert_int_equal(mc_sigv4_key_derivations(s), 5);

    /* Back to the first tuple: the signature matches a fresh signer's. */
    p = params(MC_SIGV4_ENCODE_PATH);
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_OK);
    assert_string_equal(out.signature, first);
    mc_sigv4_signer_free(s);
}

/* The thread's signer: one per thread, kept between calls, so a thread
 * derives a key once however many messages it signs for (each message once
 * borrowed a signer from a pool of eight, so at 64 messages in flight most
 * signed with a fresh signer and derived the key again). */
static void *other_thread_signer(void *arg)
{
    (void)arg;
    return mc_sigv4_thread_signer();
}

static void test_thread_signer(void **state)
{
    (void)state;
    mc_sigv4_signer *s = mc_sigv4_thread_signer();
    assert_non_null(s);
    assert_ptr_equal(mc_sigv4_thread_signer(), s);
    mc_sigv4_request r = {.method = "GET", .host = "h"};
    mc_sigv4_params p = params(MC_SIGV4_ENCODE_PATH);
    unsigned long before = mc_sigv4_key_derivations(s);
    for (int i = 0; i < 64; i++) {
        mc_sigv4_result out;
        mc_err err;
        assert_int_equal(mc_sigv4_sign(mc_sigv4_thread_signer(), &r, &p, &out, &err), MC_OK);
    }
    assert_true(mc_sigv4_key_derivations(s) - before <= 1);

    /* another thread has its own (freed when it ends: LeakSanitizer in the
     * sanitizer build says so) */
    pthread_t t;
    void *theirs = NULL;
    assert_int_equal(pthread_create(&t, NULL, other_thread_signer, NULL), 0);
    assert_int_equal(pthread_join(t, &theirs), 0);
    assert_non_null(theirs);
    assert_ptr_not_equal(theirs, s);
}

/* One signer reused over times, keys and long secrets (not cached) gives
 * what a fresh signer gives: the cached date text and prepared HMAC
 * states never leak from one signature into the next. */
static void test_reused_signer_matches_fresh(void **state)
{
    (void)state;
    char long_secret[201];
    memset(long_secret, 'k', 200);
    long_secret[200] = '\0';
    const char *secrets[] = {SECRET, long_secret, "another-secret", SECRET};
    const time_t whens[] = {T_20240229, T_20240229, T_20240229 + 1, T_20240229 + 2,
                            T_20240229 - 86400, T_20240229 + 2};
    mc_sigv4_signer *s = mc_sigv4_signer_new();
    mc_sigv4_request r = {.method = "POST", .host = "h", .path = "/p", .body = "{}",
                          .body_len = 2};
    unsigned long long_derived = 0;
    for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
        unsigned long before = mc_sigv4_key_derivations(s);
        for (size_t j = 0; j < sizeof whens / sizeof *whens; j++) {
            mc_sigv4_params p = params(MC_SIGV4_ENCODE_PATH);
            p.secret_access_key = secrets[i];
            p.when = whens[j];
            mc_sigv4_result a, b;
            mc_err err;
            assert_int_equal(mc_sigv4_sign(s, &r, &p, &a, &err), MC_OK);
            mc_sigv4_signer *fresh = mc_sigv4_signer_new();
            assert_int_equal(mc_sigv4_sign(fresh, &r, &p, &b, &err), MC_OK);
            assert_string_equal(a.amz_date, b.amz_date);
            assert_string_equal(a.signature, b.signature);
            assert_string_equal(a.authorization, b.authorization);
            mc_sigv4_signer_free(fresh);
        }
        if (secrets[i] == long_secret)
            long_derived = mc_sigv4_key_derivations(s) - before;
    }
    /* the long secret is never cached: derived on each of its signatures */
    assert_int_equal(long_derived, sizeof whens / sizeof *whens);
    mc_sigv4_signer_free(s);
}

static void test_input_errors(void **state)
{
    (void)state;
    mc_sigv4_signer *s = mc_sigv4_signer_new();
    mc_sigv4_request r = {.method = "GET", .host = "h", .path = "no-slash"};
    mc_sigv4_params p = params(MC_SIGV4_ENCODE_PATH);
    mc_sigv4_result out;
    mc_err err;
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_EINVAL);
    assert_non_null(strstr(err.msg, "path"));
    r.path = "/";
    r.host = "";
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_EINVAL);
    r.host = "h";
    p.region = NULL;
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_EINVAL);
    p = params(MC_SIGV4_ENCODE_PATH);
    p.access_key_id = "";
    assert_int_equal(mc_sigv4_sign(s, &r, &p, &out, &err), MC_EINVAL);
    assert_null(strstr(err.msg, SECRET));
    assert_string_equal(mc_sigv4_canonical_request(s), "");
    mc_sigv4_signer_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_encode),
        cmocka_unit_test(test_lambda_path_double_encoded),
        cmocka_unit_test(test_s3_path_as_sent),
        cmocka_unit_test(test_query_canonical),
        cmocka_unit_test(test_headers_canonical),
        cmocka_unit_test(test_payload_options),
        cmocka_unit_test(test_unsigned_token),
        cmocka_unit_test(test_key_cache),
        cmocka_unit_test(test_thread_signer),
        cmocka_unit_test(test_reused_signer_matches_fresh),
        cmocka_unit_test(test_input_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* endpoint.c - unit tests of endpoint resolution (connection value,
 * AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, default) and URL parsing
 * into scheme, host, port, Host header value and base path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/endpoint.h"

static int clean_env(void **state)
{
    (void)state;
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_LAMBDA");
    unsetenv("AWS_ENDPOINT_URL_SECRETS_MANAGER");
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    return 0;
}

static void test_default(void **state)
{
    (void)state;
    mc_aws_endpoint ep;
    mc_err err;
    assert_int_equal(
        mc_aws_endpoint_resolve(NULL, NULL, "lambda", "eu-west-3", &ep, &err),
        MC_OK);
    assert_string_equal(ep.url, "https://lambda.eu-west-3.amazonaws.com");
    assert_string_equal(ep.scheme, "https");
    assert_string_equal(ep.host, "lambda.eu-west-3.amazonaws.com");
    assert_string_equal(ep.host_header, "lambda.eu-west-3.amazonaws.com");
    assert_int_equal(ep.port, 443);
    assert_true(ep.default_port);
    assert_string_equal(ep.base_path, "");
    assert_string_equal(ep.source, "default");
    assert_int_equal(
        mc_aws_endpoint_resolve(NULL, "", "lambda", "cn-north-1", &ep, &err), MC_OK);
    assert_string_equal(ep.url, "https://lambda.cn-north-1.amazonaws.com.cn");
    assert_int_equal(mc_aws_endpoint_resolve(NULL, NULL, "lambda", NULL, &ep, &err),
                     MC_ECONFIG);
    assert_non_null(strstr(err.msg, "no AWS region"));
}

static void test_precedence(void **state)
{
    (void)state;
    mc_aws_endpoint ep;
    mc_err err;
    setenv("AWS_ENDPOINT_URL", "http://global.local:4566", 1);
    assert_int_equal(
        mc_aws_endpoint_resolve(NULL, NULL, "lambda", "us-east-1", &ep, &err), MC_OK);
    assert_string_equal(ep.host_header, "global.local:4566");
    assert_string_equal(ep.source, "AWS_ENDPOINT_URL");

    setenv("AWS_ENDPOINT_URL_LAMBDA", "http://lambda.local:9001/", 1);
    assert_int_equal(
        mc_aws_endpoint_resolve(NULL, NULL, "lambda", "us-east-1", &ep, &err), MC_OK);
    assert_string_equal(ep.host_header, "lambda.local:9001");
    assert_string_equal(ep.source, "AWS_ENDPOINT_URL_LAMBDA");

    /* Service ids with spaces or '-' map to '_'. */
    setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://sm.local:1", 1);
    assert_int_equal(mc_aws_endpoint_resolve(NULL, NULL, "secrets-manager",
                                             "us-east-1", &ep, &err),
                     MC_OK);
    assert_string_equal(ep.host_header, "sm.local:1");

    assert_int_equal(mc_aws_endpoint_resolve(NULL, "https://conn.example/api",
                                             "lambda", "us-east-1", &ep, &err),
                     MC_OK);
    assert_string_equal(ep.host_header, "conn.example");
    assert_string_equal(ep.base_path, "/api");
    assert_string_equal(ep.source, "the connection");

    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    assert_int_equal(
        mc_aws_endpoint_resolve(NULL, NULL, "lambda", "us-east-1", &ep, &err), MC_OK);
    assert_string_equal(ep.source, "default");

    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    setenv("AWS_ENDPOINT_URL_LAMBDA", "ftp://nope", 1);
    assert_int_equal(
        mc_aws_endpoint_resolve(NULL, NULL, "lambda", "us-east-1", &ep, &err),
        MC_ECONFIG);
    assert_non_null(strstr(err.msg, "(from AWS_ENDPOINT_URL_LAMBDA)"));
}

static void test_parse(void **state)
{
    (void)state;
    mc_aws_endpoint ep;
    mc_err err;
    assert_int_equal(
        mc_aws_endpoint_parse("HTTPS://Lambda.Example.COM:443/base//", &ep,
                              &err),
        MC_OK);
    assert_string_equal(ep.scheme, "https");
    assert_string_equal(ep.host_header, "lambda.example.com");
    assert_string_equal(ep.base_path, "/base");
    assert_string_equal(ep.url, "https://lambda.example.com/base");

    assert_int_equal(mc_aws_endpoint_parse("http://127.0.0.1:80", &ep, &err),
                     MC_OK);
    assert_string_equal(ep.host_header, "127.0.0.1");
    assert_int_equal(mc_aws_endpoint_parse("https://h:80", &ep, &err), MC_OK);
    assert_string_equal(ep.host_header, "h:80");
    assert_false(ep.default_port);
    assert_int_equal(ep.port, 80);

    assert_int_equal(mc_aws_endpoint_parse("http://[::1]:8080/p", &ep, &err),
                     MC_OK);
    assert_string_equal(ep.host, "[::1]");
    assert_string_equal(ep.host_header, "[::1]:8080");
    assert_string_equal(ep.base_path, "/p");
}

static void test_parse_errors(void **state)
{
    (void)state;
    mc_aws_endpoint ep;
    mc_err err;
    const char *bad[] = {
        "lambda.us-east-1.amazonaws.com", "ftp://h", "http://", "http://:80",
        "http://h:0", "http://h:65536", "http://h:8x", "http://h/?a=b",
        "http://h/#f", "http://h h/", "http://[::1", "http://h/a b",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(mc_aws_endpoint_parse(bad[i], &ep, &err), MC_ECONFIG);
        assert_true(err.msg[0] != '\0');
    }
    /* User info is refused without echoing it. */
    assert_int_equal(
        mc_aws_endpoint_parse("https://user:s3cr3t@h/", &ep, &err), MC_ECONFIG);
    assert_null(strstr(err.msg, "s3cr3t"));
    assert_int_equal(mc_aws_endpoint_parse("ftp://user:s3cr3t@h", &ep, &err),
                     MC_ECONFIG);
    assert_null(strstr(err.msg, "s3cr3t"));
    assert_int_equal(mc_aws_endpoint_parse("user:s3cr3t@h:1", &ep, &err),
                     MC_ECONFIG);
    assert_null(strstr(err.msg, "s3cr3t"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, clean_env, clean_env)
    const struct CMUnitTest tests[] = {
        T(test_default),
        T(test_precedence),
        T(test_parse),
        T(test_parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

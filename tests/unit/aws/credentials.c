/* credentials.c - unit tests of the AWS credential chain and region lookup:
 * connection values, environment, shared credentials file, config file,
 * profile selection, precedence, partial sources and error messages (which
 * must never contain a secret).  Each test runs in a fresh temporary HOME
 * with every AWS_* variable unset (setenv/unsetenv in this process). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/credentials.h"
#include "../test_tmpdir.h"

#define SECRET_ENV "envSECRETenvSECRETenvSECRETenvSECRET0000"
#define SECRET_FILE "fileSECRETfileSECRETfileSECRETfileSECRET"
#define SECRET_CFG "cfgSECRETcfgSECRETcfgSECRETcfgSECRET0000"

static const char *const aws_vars[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
};

static char home[256];

static void write_file(const char *rel, const char *text)
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
    if (!mc_test_tmpdir(home, sizeof home, "aws-home"))
        return -1;
    char dir[300];
    snprintf(dir, sizeof dir, "%s/.aws", home);
    mkdir(dir, 0700);
    setenv("HOME", home, 1);
    for (size_t i = 0; i < sizeof aws_vars / sizeof aws_vars[0]; i++)
        unsetenv(aws_vars[i]);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[512];
    const char *files[] = {".aws/credentials", ".aws/config", "alt-creds",
                           "alt-config"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", home, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/.aws", home);
    rmdir(path);
    rmdir(home);
    return 0;
}

static void write_standard_files(void)
{
    write_file(".aws/credentials",
               "# shared credentials\n"
               "[default]\n"
               "aws_access_key_id = AKIDFILEDEFAULT\n"
               "aws_secret_access_key = " SECRET_FILE "\n"
               "\n"
               "[dev]\n"
               "AWS_Access_Key_Id: AKIDFILEDEV\n"
               "aws_secret_access_key=" SECRET_FILE "\n"
               "aws_session_token = TOKENFILEDEV\n"
               "s3 =\n"
               "    aws_access_key_id = NESTED_NOT_A_KEY\n");
    write_file(".aws/config",
               "[default]\n"
               "region = eu-west-1\n"
               "[profile dev]\n"
               "region = ap-south-1\n"
               "[profile cfgonly]\n"
               "; comment\n"
               "aws_access_key_id = AKIDCFGONLY\n"
               "aws_secret_access_key = " SECRET_CFG "\n"
               "aws_session_token = TOKENCFG\n"
               "region = sa-east-1\n"
               "[profile half]\n"
               "aws_access_key_id = AKIDHALF\n");
}

static void test_explicit_wins(void **state)
{
    (void)state;
    write_standard_files();
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET_ENV, 1);
    mc_aws_settings x = {.access_key_id = "AKIDCONN",
                         .secret_access_key = "connSecret",
                         .session_token = "connToken"};
    mc_aws_credentials c;
    mc_err err;
    assert_int_equal(mc_aws_credentials_resolve(&x, &c, &err), MC_OK);
    assert_string_equal(c.access_key_id, "AKIDCONN");
    assert_string_equal(c.secret_access_key, "connSecret");
    assert_string_equal(c.session_token, "connToken");
    assert_string_equal(c.source, "the connection");
    mc_aws_credentials_clear(&c);
    assert_null(c.access_key_id);
    assert_null(c.secret_access_key);
}

/* The per-request view borrows the connection's keys (no copy) and its
 * clear leaves the caller's strings alone; without explicit keys it is the
 * chain, copied, as resolve. */
static void test_explicit_view_borrows(void **state)
{
    (void)state;
    write_standard_files();
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET_ENV, 1);
    char ak[] = "AKIDCONN", sk[] = "connSecret";
    mc_aws_settings x = {.access_key_id = ak, .secret_access_key = sk};
    mc_aws_credentials c;
    mc_err err;
    assert_int_equal(mc_aws_credentials_view(&x, &c, &err), MC_OK);
    assert_ptr_equal(c.access_key_id, ak);
    assert_ptr_equal(c.secret_access_key, sk);
    assert_null(c.session_token);
    assert_true(c.borrowed);
    assert_string_equal(c.source, "the connection");
    mc_aws_credentials_clear(&c);
    assert_null(c.secret_access_key);
    assert_string_equal(sk, "connSecret");          /* not wiped */
    mc_aws_settings none = {0};
    assert_int_equal(mc_aws_credentials_view(&none, &c, &err), MC_OK);
    assert_false(c.borrowed);
    assert_string_equal(c.access_key_id, "AKIDENV");
    mc_aws_credentials_clear(&c);
    x.access_key_id = NULL;                            /* half a pair: the same error */
    assert_int_equal(mc_aws_credentials_view(&x, &c, &err), MC_ECONFIG);
    assert_string_equal(err.msg, "AWS credentials in the connection: "
                                 "secretAccessKey is set but accessKeyId is not");
}

static void test_explicit_partial_is_error(void **state)
{
    (void)state;
    mc_aws_settings x = {.secret_access_key = "connSecretValue"};
    mc_aws_credentials c;
    mc_err err;
    assert_int_equal(mc_aws_credentials_resolve(&x, &c, &err), MC_ECONFIG);
    assert_string_equal(err.msg, "AWS credentials in the connection: "
                                 "secretAccessKey is set but accessKeyId "
                                 "is not");
    assert_null(strstr(err.msg, "connSecretValue"));
}

static void test_environment(void **state)
{
    (void)state;
    write_standard_files();
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET_ENV, 1);
    setenv("AWS_SESSION_TOKEN", "TOKENENV", 1);
    mc_aws_settings x = {.region = "us-east-1"};   /* no keys given */
    mc_aws_credentials c;
    mc_err err;
    assert_int_equal(mc_aws_credentials_resolve(&x, &c, &err), MC_OK);
    assert_string_equal(c.access_key_id, "AKIDENV");
    assert_string_equal(c.secret_access_key, SECRET_ENV);
    assert_string_equal(c.session_token, "TOKENENV");
    assert_string_equal(c.source, "environment");
    mc_aws_credentials_clear(&c);

    unsetenv("AWS_SESSION_TOKEN");
    assert_int_equal(mc_aws_credentials_resolve(NULL, &c, &err), MC_OK);
    assert_null(c.session_token);
    mc_aws_credentials_clear(&c);
}

static void test_environment_partial(void **state)
{
    (void)state;
    write_standard_files();
    setenv("AWS_SECRET_ACCESS_KEY", SECRET_ENV, 1);
    mc_aws_credentials c;
    mc_err err;
    assert_int_equal(mc_aws_credentials_resolve(NULL, &c, &err), MC_ECONFIG);
    assert_non_null(strstr(err.msg, "AWS_ACCESS_KEY_ID is not"));
    assert_null(strstr(err.msg, SECRET_ENV));
}

static void test_shared_file_default_and_profile(void **state)
{
    (void)state;
    write_standard_files();
    mc_aws_credentials c;
    mc_err err;
    assert_int_equal(mc_aws_credentials_resolve(NULL, &c, &err), MC_OK);
    assert_string_equal(c.access_key_id, "AKIDFILEDEFAULT");
    assert_string_equal(c.secret_access_key, SECRET_FILE);
    assert_null(c.session_token);
    char want[512];
    snprintf(want, sizeof want, "profile default in %s/.aws/credentials",
             home);
    assert_string_equal(c.source, want);
    mc_aws_credentials_clear(&c);

    setenv("AWS_PROFILE", "dev", 1);
    assert_int_equal(mc_aws_credentials_resolve(NULL, &c, &err), MC_OK);
    assert_string_equal(c.access_key_id, "AKIDFILEDEV");
    assert_string_equal(c.session_token, "TOKENFILEDEV");
    mc_aws_credentials_clear(&c);

    /* The connection's profile beats AWS_PROFILE. */
    mc_aws_settings x = {.profile = "default"};
    assert_int_equal(mc_aws_credentials_resolve(&x, &c, &err), MC_OK);
    assert_string_equal(c.access_key_id, "AKIDFILEDEFAULT");
    mc_aws_credentials_clear(&c);
}

static void test_config_file_profile(void **state)
{
    (void)state;
    write_standard_files();
    setenv("AWS_PROFILE", "cfgonly", 1);
    mc_aws_credentials c;
    mc_err err;
    assert_int_equal(mc_aws_credentials_resolve(NULL, &c, &err), MC_OK);
    assert_string_equal(c.access_key_id, "AKIDCFGONLY");
    assert_string_equal(c.secret_access_key, SECRET_CFG);
    assert_string_equal(c.session_token, "TOKENCFG");
    assert_non_null(strstr(c.source, "/.aws/config"));
    mc_aws_credentials_clear(&c);

    setenv("AWS_PROFILE", "half", 1);
    assert_int_equal(mc_aws_credentials_resolve(NULL, &c, &err), MC_ECONFIG);
    assert_non_null(strstr(err.msg, "profile half"));
    assert_non_null(strstr(err.msg, "aws_secret_access_key is not"));
}

static void test_file_locations_from_env(void **state)
{
    (void)state;
    write_file("alt-creds", "[default]\naws_access_key_id=AKIDALT\n"
                            "aws_secret_access_key=altsecret\n");
    write_file("alt-config", "[profile p]\nregion=ca-central-1\n");
    char path[512];
    snprintf(path, sizeof path, "%s/alt-creds", home);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    setenv("AWS_CONFIG_FILE", "~/alt-config", 1);
    mc_aws_credentials c;
    mc_err err;
    assert_int_equal(mc_aws_credentials_resolve(NULL, &c, &err), MC_OK);
    assert_string_equal(c.access_key_id, "AKIDALT");
    mc_aws_credentials_clear(&c);
    mc_aws_settings x = {.profile = "p"};
    char region[32], src[192];
    assert_int_equal(mc_aws_region_resolve(&x, region, sizeof region, src,
                                           sizeof src, &err),
                     MC_OK);
    assert_string_equal(region, "ca-central-1");
}

static void test_no_credentials(void **state)
{
    (void)state;
    mc_aws_credentials c;
    mc_err err;
    assert_int_equal(mc_aws_credentials_resolve(NULL, &c, &err), MC_ECONFIG);
    /* every source tried, and why it gave nothing */
    static const char *const tried[] = {
        "no AWS credentials (profile default); tried the connection (no accessKeyId); "
        "environment (AWS_ACCESS_KEY_ID not set); web identity "
        "(AWS_WEB_IDENTITY_TOKEN_FILE not set); ",
        "/.aws/credentials (no such file); credential_process (not in profile default); ",
        "/.aws/config (no such file); container credentials "
        "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI not set); "
        "EC2 instance metadata (no HTTP client)",
    };
    for (size_t i = 0; i < 3; i++)
        if (!strstr(err.msg, tried[i]))
            fail_msg("'%s' lacks '%s'", err.msg, tried[i]);
    write_standard_files();
    setenv("AWS_PROFILE", "nosuch", 1);
    assert_int_equal(mc_aws_credentials_resolve(NULL, &c, &err), MC_ECONFIG);
    assert_non_null(strstr(err.msg, "no AWS credentials (profile nosuch)"));
    assert_non_null(strstr(err.msg, "/.aws/credentials (no such profile)"));
    assert_null(strstr(err.msg, SECRET_FILE));
    assert_null(strstr(err.msg, SECRET_CFG));
}

static void test_region_precedence(void **state)
{
    (void)state;
    write_standard_files();
    char region[32], src[192];
    mc_err err;
    assert_int_equal(mc_aws_region_resolve(NULL, region, sizeof region, src,
                                           sizeof src, &err),
                     MC_OK);
    assert_string_equal(region, "eu-west-1");          /* [default] */
    setenv("AWS_PROFILE", "dev", 1);
    assert_int_equal(mc_aws_region_resolve(NULL, region, sizeof region, src,
                                           sizeof src, &err),
                     MC_OK);
    assert_string_equal(region, "ap-south-1");         /* [profile dev] */
    setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
    assert_int_equal(mc_aws_region_resolve(NULL, region, sizeof region, src,
                                           sizeof src, &err),
                     MC_OK);
    assert_string_equal(region, "us-west-1");
    assert_string_equal(src, "AWS_DEFAULT_REGION");
    setenv("AWS_REGION", "us-west-2", 1);
    assert_int_equal(mc_aws_region_resolve(NULL, region, sizeof region, src,
                                           sizeof src, &err),
                     MC_OK);
    assert_string_equal(region, "us-west-2");
    mc_aws_settings x = {.region = "eu-central-1"};
    assert_int_equal(mc_aws_region_resolve(&x, region, sizeof region, src,
                                           sizeof src, &err),
                     MC_OK);
    assert_string_equal(region, "eu-central-1");
    assert_string_equal(src, "the connection");
    x.region = "us-east-1/evil";
    assert_int_equal(mc_aws_region_resolve(&x, region, sizeof region, src,
                                           sizeof src, &err),
                     MC_ECONFIG);
}

static void test_no_region(void **state)
{
    (void)state;
    char region[32];
    mc_err err;
    assert_int_equal(mc_aws_region_resolve(NULL, region, sizeof region, NULL,
                                           0, &err),
                     MC_ECONFIG);
    assert_non_null(strstr(err.msg, "no AWS region"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_explicit_wins),
        T(test_explicit_partial_is_error),
        T(test_explicit_view_borrows),
        T(test_environment),
        T(test_environment_partial),
        T(test_shared_file_default_and_profile),
        T(test_config_file_profile),
        T(test_file_locations_from_env),
        T(test_no_credentials),
        T(test_region_precedence),
        T(test_no_region),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

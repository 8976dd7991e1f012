/* fuzz_sigv4.c - libFuzzer target: SigV4 canonicalisation.  The input is
 * a request written as lines: method, host, path, query, then headers
 * "name:value" up to an empty line, then the body.  It is signed with each
 * set of service flags (normalised + encoded path, S3 raw path, content
 * SHA-256, unsigned token); the canonical request and string to sign must
 * not contain the secret, and the Authorization value must have the
 * documented shape.  mc_aws_uri_encode runs on the path too. */
#include <stdio.h>

#include "fuzz_common.h"
#include "aws/sigv4.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYFUZZSECRET"
#define TOKEN "FUZZTOKENFQoGZXIvYXdzEXAMPLE"

/* The secret may only show up in the output if the input itself held it. */
static bool input_has_secret;

static void check(mc_sigv4_signer *s, const mc_sigv4_result *r)
{
    const char *cr = mc_sigv4_canonical_request(s), *sts = mc_sigv4_string_to_sign(s);
    if (!input_has_secret && (strstr(cr, SECRET) || strstr(sts, SECRET) || strstr(r->authorization, SECRET))) {
        fprintf(stderr, "the secret appears in the signing output\n");
        abort();
    }
    if (strncmp(r->authorization, "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/", 37) != 0 ||
        strlen(r->signature) != 64) {
        fprintf(stderr, "unexpected Authorization: %s\n", r->authorization);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    input_has_secret = memmem(data, size, "FUZZSECRET", 10) != NULL;
    char *method = fz_take(&p, end, '\n', NULL);
    char *host = fz_take(&p, end, '\n', NULL);
    size_t path_len;
    char *path = fz_take(&p, end, '\n', &path_len);
    char *query = fz_take(&p, end, '\n', NULL);
    mc_sigv4_header hs[16];
    char *lines[16];
    size_t nh = 0;
    while (p < end && nh < 16) {
        size_t len;
        char *line = fz_take(&p, end, '\n', &len);
        if (!line || len == 0) {
            free(line);
            break;
        }
        char *colon = strchr(line, ':');
        lines[nh] = line;
        hs[nh].name = line;
        hs[nh].value = "";
        if (colon) {
            *colon = '\0';
            hs[nh].value = colon + 1;
        }
        nh++;
    }
    mc_sigv4_signer *s = mc_sigv4_signer_new();
    if (s && method && host && path && query) {
        mc_sigv4_request req = {method, host, path, *query ? query : NULL, hs, nh,
                                p, (size_t)(end - p), NULL};
        static const unsigned flag_sets[] = {
            MC_SIGV4_NORMALIZE_PATH | MC_SIGV4_ENCODE_PATH, 0,
            MC_SIGV4_CONTENT_SHA256, MC_SIGV4_UNSIGNED_TOKEN | MC_SIGV4_ENCODE_PATH};
        for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++) {
            mc_sigv4_params prm = {"AKIDFUZZ", SECRET, i % 2 ? TOKEN : NULL, "us-east-1",
                                   i == 1 ? "s3" : "lambda", 1440938160, flag_sets[i]};
            mc_sigv4_result r;
            mc_err err = {0};
            if (mc_sigv4_sign(s, &req, &prm, &r, &err) == MC_OK)
                check(s, &r);
        }
        mc_sigv4_service_flags(host);
        mc_buf enc = {0};
        mc_aws_uri_encode(&enc, path, path_len, true);
        mc_aws_uri_encode(&enc, path, path_len, false);
        mc_buf_free(&enc);
    }
    mc_sigv4_signer_free(s);
    for (size_t i = 0; i < nh; i++)
        free(lines[i]);
    free(method);
    free(host);
    free(path);
    free(query);
    return 0;
}

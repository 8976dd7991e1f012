/* bench_sign.c - SigV4 signing throughput of mediac's signer on a typical
 * Lambda Invoke request (qualified function name, query, three headers,
 * session token, 256-byte JSON body hashed on every call).  Prints
 * signatures per second and the OpenSSL heap allocations per signature
 * (counted with CRYPTO_set_mem_functions) after warm-up.
 *
 * Usage: bench_sign [seconds]   (default 2) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "aws/sigv4.h"

static unsigned long openssl_allocs;

static void *count_malloc(size_t n, const char *file, int line)
{
    (void)file; (void)line;
    openssl_allocs++;
    return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file; (void)line;
    openssl_allocs++;
    return realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
    (void)file; (void)line;
    free(p);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    if (seconds <= 0)
        seconds = 2.0;

    char body[257];
    memset(body, ' ', 256);
    memcpy(body, "{\"orderId\":\"A-1029\",\"items\":[1,2,3],\"note\":\"", 44);
    body[254] = '"';
    body[255] = '}';
    body[256] = '\0';
    const mc_sigv4_header headers[] = {
        {"Content-Type", "application/json"},
        {"X-Amz-Invocation-Type", "RequestResponse"},
        {"X-Amz-Log-Type", "None"},
    };
    mc_sigv4_request req = {
        .method = "POST",
        .host = "lambda.us-east-1.amazonaws.com",
        .path = "/2015-03-31/functions/order-handler%3Aprod/invocations",
        .query = "Qualifier=prod",
        .headers = headers, .nheaders = 3,
        .body = body, .body_len = 256,
    };
    mc_sigv4_params p = {
        .access_key_id = "ASIAEXAMPLEKEYID0001",
        .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        .session_token = "FwoGZXIvYXdzEBYaDExampleSessionTokenValue0123456789",
        .region = "us-east-1", .service = "lambda",
        .when = 1700000000,
        .flags = mc_sigv4_service_flags("lambda"),
    };
    mc_sigv4_signer *s = mc_sigv4_signer_new();
    if (!s)
        return 1;
    mc_sigv4_result out;
    mc_err err;
    for (int i = 0; i < 1000; i++) {          /* warm-up: buffers, key */
        if (mc_sigv4_sign(s, &req, &p, &out, &err) != MC_OK) {
            fprintf(stderr, "sign failed: %s\n", err.msg);
            return 1;
        }
    }
    unsigned long allocs0 = openssl_allocs;
    unsigned long n = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 1000; i++)
            mc_sigv4_sign(s, &req, &p, &out, &err);
        n += 1000;
        t = now() - t0;
    } while (t < seconds);
    double rate = (double)n / t;
    printf("mediac signatures/s: %.0f\n", rate);
    printf("mediac ns/signature: %.0f\n", 1e9 / rate);
    printf("mediac OpenSSL allocations/signature: %.2f\n",
           (double)(openssl_allocs - allocs0) / (double)n);
    printf("signature: %s\n", out.signature);
    mc_sigv4_signer_free(s);
    return 0;
}

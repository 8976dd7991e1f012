/* sigv4_tool.c - signs requests read from stdin, for the differential test
 * against botocore (test_sigv4_botocore.py).
 *
 * One request per line, tab-separated fields; every field but the plain
 * ones (region, service, time, method, host) is hex so that any byte can
 * pass:
 *   access_key_hex secret_hex token_hex region service unix_time flags
 *   method host path_hex query_hex body_hex [name_hex value_hex]...
 * An empty hex field is the empty string; query_hex "-" means no query and
 * token_hex "-" no token; flags is "default" (the service's flags) or a
 * number.  One line out per request:
 *   signature TAB authorization TAB canonical_request_hex
 * or "ERROR message". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"

#define MAX_FIELDS 512

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode hex in place; returns decoded length or -1. */
static long unhex(char *s)
{
    size_t n = strlen(s);
    if (n % 2)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexv(s[2 * i]), lo = hexv(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        s[i] = (char)(hi << 4 | lo);
    }
    s[n / 2] = '\0';
    return (long)(n / 2);
}

static void print_hex(const char *s)
{
    for (; *s; s++)
        printf("%02x", (unsigned char)*s);
}

static int sign_line(mc_sigv4_signer *s, char *line)
{
    char *f[MAX_FIELDS];
    size_t n = 0;
    for (char *tok = strtok(line, "\t"); tok && n < MAX_FIELDS;
         tok = strtok(NULL, "\t"))
        f[n++] = tok;
    if (n < 12 || (n - 12) % 2) {
        printf("ERROR bad line (%zu fields)\n", n);
        return 1;
    }
    /* strtok drops empty fields, so empty hex values are sent as "=". */
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i], "=") == 0)
            f[i][0] = '\0';
    bool no_token = strcmp(f[2], "-") == 0, no_query = strcmp(f[10], "-") == 0;
    long body_len = unhex(f[11]);
    if (unhex(f[0]) < 0 || unhex(f[1]) < 0 || (!no_token && unhex(f[2]) < 0) ||
        unhex(f[9]) < 0 || (!no_query && unhex(f[10]) < 0) || body_len < 0) {
        printf("ERROR bad hex\n");
        return 1;
    }
    mc_sigv4_header headers[(MAX_FIELDS - 12) / 2];
    size_t nh = 0;
    for (size_t i = 12; i + 1 < n; i += 2) {
        if (unhex(f[i]) < 0 || unhex(f[i + 1]) < 0) {
            printf("ERROR bad header hex\n");
            return 1;
        }
        headers[nh++] = (mc_sigv4_header){f[i], f[i + 1]};
    }
    mc_sigv4_request req = {
        .method = f[7], .host = f[8], .path = f[9],
        .query = no_query ? NULL : f[10], .headers = headers, .nheaders = nh,
        .body = f[11], .body_len = (size_t)body_len,
    };
    mc_sigv4_params p = {
        .access_key_id = f[0], .secret_access_key = f[1],
        .session_token = no_token ? NULL : f[2], .region = f[3],
        .service = f[4], .when = (time_t)strtoll(f[5], NULL, 10),
        .flags = strcmp(f[6], "default") == 0 ? mc_sigv4_service_flags(f[4])
                                              : (unsigned)atoi(f[6]),
    };
    mc_sigv4_result out;
    mc_err err;
    if (mc_sigv4_sign(s, &req, &p, &out, &err) != MC_OK) {
        printf("ERROR %s\n", err.msg);
        return 1;
    }
    printf("%s\t%s\t", out.signature, out.authorization);
    print_hex(mc_sigv4_canonical_request(s));
    putchar('\n');
    return 0;
}

int main(void)
{
    mc_sigv4_signer *s = mc_sigv4_signer_new();
    if (!s)
        return 2;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int bad = 0;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        bad |= sign_line(s, line);
        fflush(stdout);
    }
    free(line);
    mc_sigv4_signer_free(s);
    return bad;
}

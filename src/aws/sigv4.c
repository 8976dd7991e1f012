/* sigv4.c - AWS Signature Version 4: canonical request, string to sign,
 * signing-key cache and the Authorization header.  See sigv4.h for the
 * rules on paths, queries and headers. */
#include "aws/sigv4.h"
#include "util/codec.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* OpenSSL 3.0's EVP layer allocates a new digest context on every
 * EVP_DigestInit_ex(); the SHA256_* functions run the same implementation
 * (SHA-NI/AVX assembly) with the state on the stack, so a signature costs
 * no heap allocation.  Builds of OpenSSL without the deprecated API use
 * EVP instead. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#if !defined(OPENSSL_NO_DEPRECATED_3_0)
#define USE_SHA256_API 1
#endif

#define ALGORITHM "AWS4-HMAC-SHA256"
#define UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define KEY_SLOTS 4
#define SLOT_SECRET_MAX 128
#define SLOT_NAME_MAX 64

/* A signing key ready for HMAC: with the SHA-256 API, the hash states
 * after the key's inner and outer pad blocks, so an HMAC costs the
 * message's blocks and one more (RFC 2104's precomputation); as secret as
 * the key itself. */
typedef struct mac_key {
#ifdef USE_SHA256_API
    SHA256_CTX inner, outer;
#else
    unsigned char key[32];
#endif
} mac_key;

/* One cached signing key: HMAC chain of (secret, date, region, service). */
typedef struct key_slot {
    bool used;
    char secret[SLOT_SECRET_MAX + 1];
    char date[9];              /* YYYYMMDD */
    char region[SLOT_NAME_MAX + 1];
    char service[SLOT_NAME_MAX + 1];
    mac_key key;
} key_slot;

/* A header or query pair as offsets into a scratch buffer. */
typedef struct span_pair {
    uint32_t name_off, name_len;
    uint32_t value_off, value_len;
} span_pair;

struct mc_sigv4_signer {
#ifndef USE_SHA256_API
    EVP_MD *sha256;
    EVP_MD_CTX *md;
#endif
    key_slot slots[KEY_SLOTS];
    unsigned next_slot;
    unsigned long derivations; /* signing keys derived (cache misses) */
    mc_buf creq;        /* canonical request */
    mc_buf sts;         /* string to sign */
    mc_buf auth;        /* Authorization value */
    mc_buf hscratch;    /* lower-cased header names and folded values */
    mc_buf qscratch;    /* canonically encoded query names and values */
    span_pair *pairs;   /* headers, then reused for query pairs */
    size_t pairs_cap;
    bool valid;         /* creq/sts hold the last successful signing */
    time_t date_when;   /* the signing time date_text was formatted for */
    char date_text[17]; /* "" until the first signature */
};

static const char hexdig[] = "0123456789ABCDEF";

/* RFC 3986 unreserved characters. */
static const uint8_t unreserved[256] = {
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1,
};

/* ---- encoding helpers ------------------------------------------------ */

void mc_aws_uri_encode(mc_buf *out, const char *s, size_t n, bool keep_slash)
{
    if (!mc_buf_reserve(out, n * 3))
        return;
    char *d = out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved[c] || (keep_slash && c == '/')) {
            *d++ = (char)c;
        } else {
            *d++ = '%';
            *d++ = hexdig[c >> 4];
            *d++ = hexdig[c & 15];
        }
    }
    out->len = (size_t)(d - out->data);
    out->data[out->len] = '\0';
}


/* Append s[0..n) percent-decoded then canonically re-encoded. */
static void query_component(mc_buf *out, const char *s, size_t n)
{
    if (!mc_buf_reserve(out, n * 3))
        return;
    char *d = out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n) {
            int hi = mc_hex_value((unsigned char)s[i + 1]);
            int lo = mc_hex_value((unsigned char)s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                c = (unsigned char)(hi << 4 | lo);
                i += 2;
            }
        }
        if (unreserved[c]) {
            *d++ = (char)c;
        } else {
            *d++ = '%';
            *d++ = hexdig[c >> 4];
            *d++ = hexdig[c & 15];
        }
    }
    out->len = (size_t)(d - out->data);
    out->data[out->len] = '\0';
}

/* "00" "01" ... "ff": two hex digits per byte in one 16-bit copy. */
static const char hexpairs[513] =
    "000102030405060708090a0b0c0d0e0f"
    "101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f"
    "303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f"
    "505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f"
    "707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f"
    "909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
    "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
    "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
    "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static void hex_lower(char *dst, const unsigned char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        memcpy(dst + 2 * i, hexpairs + 2 * src[i], 2);
    dst[2 * n] = '\0';
}

/* ---- hashing ----------------------------------------------------------- */

/* SHA-256 of a then b.  secret: the state held key material (HMAC pads),
 * so it is wiped; hashes of public text (body, canonical request) are not. */
static bool sha256_2(mc_sigv4_signer *s, const void *a, size_t an,
                     const void *b, size_t bn, unsigned char out[32], bool secret)
{
#ifdef USE_SHA256_API
    (void)s;
    SHA256_CTX c;
    bool ok = SHA256_Init(&c) == 1 && SHA256_Update(&c, a, an) == 1 &&
              (bn == 0 || SHA256_Update(&c, b, bn) == 1) &&
              SHA256_Final(out, &c) == 1;
    if (secret)
        OPENSSL_cleanse(&c, sizeof c);
    return ok;
#else
    (void)secret;
    unsigned int len = 0;
    return EVP_DigestInit_ex(s->md, s->sha256, NULL) == 1 &&
           EVP_DigestUpdate(s->md, a, an) == 1 &&
           (bn == 0 || EVP_DigestUpdate(s->md, b, bn) == 1) &&
           EVP_DigestFinal_ex(s->md, out, &len) == 1 && len == 32;
#endif
}

static bool hmac_sha256(mc_sigv4_signer *s, const void *key, size_t klen,
                        const void *msg, size_t mlen, unsigned char out[32])
{
    unsigned char k[64] = {0}, pad[64], inner[32];
    if (klen > sizeof k) {
        if (!sha256_2(s, key, klen, NULL, 0, k, true))
            return false;
    } else {
        memcpy(k, key, klen);
    }
    for (size_t i = 0; i < sizeof pad; i++)
        pad[i] = k[i] ^ 0x36;
    bool ok = sha256_2(s, pad, sizeof pad, msg, mlen, inner, true);
    for (size_t i = 0; ok && i < sizeof pad; i++)
        pad[i] = k[i] ^ 0x5c;
    ok = ok && sha256_2(s, pad, sizeof pad, inner, sizeof inner, out, true);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
    return ok;
}

/* Prepare the 32-byte signing key for mac_sign. */
static bool mac_key_set(mac_key *mk, const unsigned char key[32])
{
#ifdef USE_SHA256_API
    unsigned char pad[64];
    memset(pad, 0x36, sizeof pad);
    for (size_t i = 0; i < 32; i++)
        pad[i] ^= key[i];
    bool ok = SHA256_Init(&mk->inner) == 1 && SHA256_Update(&mk->inner, pad, 64) == 1;
    memset(pad, 0x5c, sizeof pad);
    for (size_t i = 0; i < 32; i++)
        pad[i] ^= key[i];
    ok = ok && SHA256_Init(&mk->outer) == 1 && SHA256_Update(&mk->outer, pad, 64) == 1;
    OPENSSL_cleanse(pad, sizeof pad);
    return ok;
#else
    memcpy(mk->key, key, 32);
    return true;
#endif
}

/* HMAC-SHA256(key, msg) from a prepared key.  The copies of its states
 * are wiped: until SHA256_Final they are as secret as the key. */
static bool mac_sign(mc_sigv4_signer *s, const mac_key *mk, const void *msg,
                     size_t mlen, unsigned char out[32])
{
#ifdef USE_SHA256_API
    (void)s;
    unsigned char inner[32];
    SHA256_CTX c = mk->inner;
    bool ok = SHA256_Update(&c, msg, mlen) == 1 && SHA256_Final(inner, &c) == 1;
    c = mk->outer;
    ok = ok && SHA256_Update(&c, inner, 32) == 1 && SHA256_Final(out, &c) == 1;
    OPENSSL_cleanse(&c, sizeof c);
    return ok;
#else
    return hmac_sha256(s, mk->key, 32, msg, mlen, out);
#endif
}

/* ---- signer ------------------------------------------------------------ */

mc_sigv4_signer *mc_sigv4_signer_new(void)
{
    mc_sigv4_signer *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
#ifndef USE_SHA256_API
    s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    s->md = EVP_MD_CTX_new();
    if (!s->sha256 || !s->md) {
        mc_sigv4_signer_free(s);
        return NULL;
    }
#endif
    return s;
}

void mc_sigv4_signer_free(mc_sigv4_signer *s)
{
    if (!s)
        return;
#ifndef USE_SHA256_API
    EVP_MD_CTX_free(s->md);
    EVP_MD_free(s->sha256);
#endif
    OPENSSL_cleanse(s->slots, sizeof s->slots);
    mc_buf_free(&s->creq);
    mc_buf_free(&s->sts);
    if (s->auth.data)
        OPENSSL_cleanse(s->auth.data, s->auth.cap);
    mc_buf_free(&s->auth);
    mc_buf_free(&s->hscratch);
    mc_buf_free(&s->qscratch);
    free(s->pairs);
    free(s);
}

/* ---- the thread's signer ------------------------------------------------ */

static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;
static bool thread_ok;

static void thread_signer_free(void *s)
{
    mc_sigv4_signer_free(s);
}

/* The key's destructor runs when a thread ends, not for the thread that
 * calls exit (usually the main one): its signer is freed here. */
static void thread_signer_at_exit(void)
{
    mc_sigv4_signer *s = pthread_getspecific(thread_key);
    if (s) {
        pthread_setspecific(thread_key, NULL);
        mc_sigv4_signer_free(s);
    }
}

static void thread_init(void)
{
    thread_ok = pthread_key_create(&thread_key, thread_signer_free) == 0 &&
                atexit(thread_signer_at_exit) == 0;
}

mc_sigv4_signer *mc_sigv4_thread_signer(void)
{
    pthread_once(&thread_once, thread_init);
    if (!thread_ok)
        return NULL;
    mc_sigv4_signer *s = pthread_getspecific(thread_key);
    if (!s && (s = mc_sigv4_signer_new()) && pthread_setspecific(thread_key, s) != 0) {
        mc_sigv4_signer_free(s);
        s = NULL;
    }
    return s;
}

unsigned mc_sigv4_service_flags(const char *service)
{
    if (service && (strcmp(service, "s3") == 0 ||
                    strcmp(service, "s3-outposts") == 0 ||
                    strcmp(service, "s3express") == 0))
        return 0;
    return MC_SIGV4_NORMALIZE_PATH | MC_SIGV4_ENCODE_PATH;
}

const char *mc_sigv4_canonical_request(const mc_sigv4_signer *s)
{
    return s->valid && s->creq.data ? s->creq.data : "";
}

const char *mc_sigv4_string_to_sign(const mc_sigv4_signer *s)
{
    return s->valid && s->sts.data ? s->sts.data : "";
}

unsigned long mc_sigv4_key_derivations(const mc_sigv4_signer *s)
{
    return s->derivations;
}

static bool grow_pairs(mc_sigv4_signer *s, size_t need)
{
    if (need <= s->pairs_cap)
        return true;
    size_t cap = s->pairs_cap ? s->pairs_cap * 2 : 16;
    while (cap < need)
        cap *= 2;
    span_pair *p = realloc(s->pairs, cap * sizeof *p);
    if (!p)
        return false;
    s->pairs = p;
    s->pairs_cap = cap;
    return true;
}

/* Signing key for (secret, date, region, service), prepared for mac_sign:
 * the cached slot's, or derived into *tmp (and cached when it fits). */
static const mac_key *signing_key(mc_sigv4_signer *s, const mc_sigv4_params *p,
                                  const char *date, mac_key *tmp)
{
    size_t sl = strlen(p->secret_access_key);
    bool cacheable = sl <= SLOT_SECRET_MAX &&
                     strlen(p->region) <= SLOT_NAME_MAX &&
                     strlen(p->service) <= SLOT_NAME_MAX;
    if (cacheable) {
        for (unsigned i = 0; i < KEY_SLOTS; i++) {
            const key_slot *k = &s->slots[i];
            if (k->used && memcmp(k->date, date, 8) == 0 &&
                strcmp(k->region, p->region) == 0 &&
                strcmp(k->service, p->service) == 0 &&
                strcmp(k->secret, p->secret_access_key) == 0)
                return &k->key;
        }
    }
    s->derivations++;
    mc_buf kb = MC_BUF_INIT;
    mc_buf_puts(&kb, "AWS4");
    mc_buf_append(&kb, p->secret_access_key, sl);
    unsigned char a[32], b[32];
    bool ok = !kb.oom &&
              hmac_sha256(s, kb.data, kb.len, date, 8, a) &&
              hmac_sha256(s, a, 32, p->region, strlen(p->region), b) &&
              hmac_sha256(s, b, 32, p->service, strlen(p->service), a) &&
              hmac_sha256(s, a, 32, "aws4_request", 12, b) &&
              mac_key_set(tmp, b);
    if (kb.data)
        OPENSSL_cleanse(kb.data, kb.cap);
    mc_buf_free(&kb);
    OPENSSL_cleanse(a, sizeof a);
    OPENSSL_cleanse(b, sizeof b);
    if (!ok) {
        OPENSSL_cleanse(tmp, sizeof *tmp);
        return NULL;
    }
    if (!cacheable)
        return tmp;
    key_slot *k = &s->slots[s->next_slot++ % KEY_SLOTS];
    OPENSSL_cleanse(k, sizeof *k);
    k->used = true;
    memcpy(k->secret, p->secret_access_key, sl + 1);
    memcpy(k->date, date, 8);
    k->date[8] = '\0';
    strcpy(k->region, p->region);
    strcpy(k->service, p->service);
    k->key = *tmp;
    OPENSSL_cleanse(tmp, sizeof *tmp);
    return &k->key;
}

static void format_amz_date(time_t when, char out[17])
{
    struct tm tm;
    gmtime_r(&when, &tm);
    int y = tm.tm_year + 1900;
    int v[6] = {y, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                tm.tm_sec};
    char *d = out;
    d[0] = (char)('0' + y / 1000 % 10);
    d[1] = (char)('0' + y / 100 % 10);
    d[2] = (char)('0' + y / 10 % 10);
    d[3] = (char)('0' + y % 10);
    d += 4;
    for (int i = 1; i < 6; i++) {
        if (i == 3)
            *d++ = 'T';
        *d++ = (char)('0' + v[i] / 10);
        *d++ = (char)('0' + v[i] % 10);
    }
    *d++ = 'Z';
    *d = '\0';
}

/* ---- canonical URI ----------------------------------------------------- */

static void put_segment(mc_buf *b, const char *seg, size_t n, bool encode)
{
    if (encode)
        mc_aws_uri_encode(b, seg, n, false);
    else
        mc_buf_append(b, seg, n);
}

/* RFC 3986 5.2.4 plus "//" collapsing, as botocore's remove_dot_segments,
 * appending each kept segment (encoded when asked). */
static void normalized_path(mc_buf *b, const char *path, size_t n,
                            bool encode)
{
    size_t start = b->len;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && path[j] != '/')
            j++;
        size_t sl = j - i;
        const char *seg = path + i;
        if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
            size_t k = b->len;
            while (k > start && b->data[k - 1] != '/')
                k--;
            if (k > start)
                b->len = k - 1;     /* drop "/segment" */
        } else if (sl > 0 && !(sl == 1 && seg[0] == '.')) {
            mc_buf_putc(b, '/');
            put_segment(b, seg, sl, encode);
        }
        i = j + 1;
    }
    if (b->len == start)
        mc_buf_putc(b, '/');
    else if (path[n - 1] == '/')
        mc_buf_putc(b, '/');
    if (!b->oom)
        b->data[b->len] = '\0';
}

static void canonical_uri(mc_buf *b, const char *path, unsigned flags)
{
    size_t n = path ? strlen(path) : 0;
    if (n == 0) {
        mc_buf_putc(b, '/');
        return;
    }
    bool encode = (flags & MC_SIGV4_ENCODE_PATH) != 0;
    if (flags & MC_SIGV4_NORMALIZE_PATH)
        normalized_path(b, path, n, encode);
    else if (encode)
        mc_aws_uri_encode(b, path, n, true);
    else
        mc_buf_append(b, path, n);
}

/* ---- canonical query --------------------------------------------------- */

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

static int cmp_query(const char *base, const span_pair *x, const span_pair *y)
{
    int c = cmp_bytes(base + x->name_off, x->name_len, base + y->name_off,
                      y->name_len);
    if (c)
        return c;
    return cmp_bytes(base + x->value_off, x->value_len, base + y->value_off,
                     y->value_len);
}

/* Stable insertion sort; inputs are short. */
static void sort_pairs(span_pair *v, size_t n, const char *base, bool by_value)
{
    for (size_t i = 1; i < n; i++) {
        span_pair t = v[i];
        size_t j = i;
        while (j > 0) {
            const span_pair *u = &v[j - 1];
            int c = by_value ? cmp_query(base, u, &t)
                             : cmp_bytes(base + u->name_off, u->name_len,
                                         base + t.name_off, t.name_len);
            if (c <= 0)
                break;
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
}

static bool canonical_query(mc_sigv4_signer *s, const char *q)
{
    mc_buf *b = &s->creq;
    if (!q || !*q)
        return true;
    mc_buf *qs = &s->qscratch;
    mc_buf_reset(qs);
    size_t np = 0;
    const char *p = q;
    for (;;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t kl = eq ? (size_t)(eq - p) : len;
        if (!grow_pairs(s, np + 1))
            return false;
        span_pair *sp = &s->pairs[np++];
        sp->name_off = (uint32_t)qs->len;
        query_component(qs, p, kl);
        sp->name_len = (uint32_t)(qs->len - sp->name_off);
        sp->value_off = (uint32_t)qs->len;
        if (eq)
            query_component(qs, eq + 1, len - kl - 1);
        sp->value_len = (uint32_t)(qs->len - sp->value_off);
        if (!amp)
            break;
        p = amp + 1;
    }
    if (qs->oom)
        return false;
    sort_pairs(s->pairs, np, qs->data, true);
    for (size_t i = 0; i < np; i++) {
        const span_pair *sp = &s->pairs[i];
        if (i)
            mc_buf_putc(b, '&');
        mc_buf_append(b, qs->data + sp->name_off, sp->name_len);
        mc_buf_putc(b, '=');
        mc_buf_append(b, qs->data + sp->value_off, sp->value_len);
    }
    return !b->oom;
}

/* ---- canonical headers ------------------------------------------------- */

static bool is_space(unsigned char c)
{
    /* Python's str.split() whitespace within ASCII, as botocore folds. */
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Headers the signer sets itself, or never signs (as botocore). */
static bool skipped_header(const char *lname, size_t n, unsigned flags)
{
    static const char *const names[] = {
        "host", "authorization", "x-amz-date", "x-amz-security-token",
        "expect", "transfer-encoding", "user-agent", "x-amzn-trace-id",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && memcmp(names[i], lname, n) == 0)
            return true;
    return (flags & MC_SIGV4_CONTENT_SHA256) && n == 20 &&
           memcmp(lname, "x-amz-content-sha256", 20) == 0;
}

/* Add one header to the scratch list: lower-cased name, folded value. */
static bool add_header(mc_sigv4_signer *s, size_t *np, const char *name,
                       size_t nl, const char *value, int skip_flags)
{
    mc_buf *h = &s->hscratch;
    if (!grow_pairs(s, *np + 1) || !mc_buf_reserve(h, nl))
        return false;
    span_pair *sp = &s->pairs[*np];
    sp->name_off = (uint32_t)h->len;
    for (size_t i = 0; i < nl; i++) {
        char c = name[i];
        h->data[h->len++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    sp->name_len = (uint32_t)nl;
    if (skip_flags >= 0 &&
        skipped_header(h->data + sp->name_off, nl, (unsigned)skip_flags)) {
        h->len = sp->name_off;
        return true;
    }
    size_t vl = value ? strlen(value) : 0;
    if (!mc_buf_reserve(h, vl))
        return false;
    sp->value_off = (uint32_t)h->len;
    /* the usual value has no byte <= ' ' (every folded byte is one): copy
     * that leading run as it is, then fold the rest */
    size_t i = 0;
    while (i < vl && (unsigned char)value[i] > ' ') {
        h->data[h->len++] = value[i];
        i++;
    }
    bool pending_space = false;
    for (; i < vl; i++) {
        unsigned char c = (unsigned char)value[i];
        if (is_space(c)) {
            pending_space = h->len > sp->value_off;
            continue;
        }
        if (pending_space) {
            h->data[h->len++] = ' ';
            pending_space = false;
        }
        h->data[h->len++] = (char)c;
    }
    sp->value_len = (uint32_t)(h->len - sp->value_off);
    (*np)++;
    return true;
}

static bool collect_headers(mc_sigv4_signer *s, const mc_sigv4_request *req,
                            const mc_sigv4_params *p, const char *amz_date,
                            const char *payload, size_t *np)
{
    mc_buf_reset(&s->hscratch);
    *np = 0;
    for (size_t i = 0; i < req->nheaders; i++) {
        const char *name = req->headers[i].name;
        if (!add_header(s, np, name, strlen(name), req->headers[i].value,
                        (int)p->flags))
            return false;
    }
    bool token = p->session_token && *p->session_token &&
                 !(p->flags & MC_SIGV4_UNSIGNED_TOKEN);
    return add_header(s, np, "host", 4, req->host, -1) &&
           add_header(s, np, "x-amz-date", 10, amz_date, -1) &&
           (!token || add_header(s, np, "x-amz-security-token", 20,
                                 p->session_token, -1)) &&
           (!(p->flags & MC_SIGV4_CONTENT_SHA256) ||
            add_header(s, np, "x-amz-content-sha256", 20, payload, -1));
}

/* Append canonical headers, the blank line and the signed header list;
 * *signed_off/len locate the list inside creq. */
static void emit_headers(mc_sigv4_signer *s, size_t n, size_t *signed_off,
                         size_t *signed_len)
{
    mc_buf *b = &s->creq;
    const char *h = s->hscratch.data;
    sort_pairs(s->pairs, n, h, false);
    for (size_t i = 0; i < n; i++) {
        const span_pair *sp = &s->pairs[i];
        bool same = i > 0 && cmp_bytes(h + sp->name_off, sp->name_len,
                                       h + s->pairs[i - 1].name_off,
                                       s->pairs[i - 1].name_len) == 0;
        if (same) {
            mc_buf_putc(b, ',');
        } else {
            if (i)
                mc_buf_putc(b, '\n');
            mc_buf_append(b, h + sp->name_off, sp->name_len);
            mc_buf_putc(b, ':');
        }
        mc_buf_append(b, h + sp->value_off, sp->value_len);
    }
    mc_buf_append(b, "\n\n", 2);
    *signed_off = b->len;
    for (size_t i = 0; i < n; i++) {
        const span_pair *sp = &s->pairs[i];
        if (i > 0 && cmp_bytes(h + sp->name_off, sp->name_len,
                               h + s->pairs[i - 1].name_off,
                               s->pairs[i - 1].name_len) == 0)
            continue;
        if (b->len > *signed_off)
            mc_buf_putc(b, ';');
        mc_buf_append(b, h + sp->name_off, sp->name_len);
    }
    *signed_len = b->len - *signed_off;
}

/* ---- signing ----------------------------------------------------------- */

static bool valid_payload_hash(const char *h)
{
    if (strcmp(h, UNSIGNED_PAYLOAD) == 0)
        return true;
    size_t i = 0;
    for (; h[i]; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
            return false;
    return i == 64;
}

static mc_code check_input(const mc_sigv4_request *req,
                           const mc_sigv4_params *p, mc_err *err)
{
    if (!req || !p)
        return mc_err_set(err, MC_EINVAL, "sigv4: no request or parameters");
    if (!req->method || !*req->method)
        return mc_err_set(err, MC_EINVAL, "sigv4: no HTTP method");
    if (!req->host || !*req->host)
        return mc_err_set(err, MC_EINVAL, "sigv4: no host");
    if (req->path && *req->path && req->path[0] != '/')
        return mc_err_set(err, MC_EINVAL,
                          "sigv4: path must start with '/'");
    if (!p->access_key_id || !*p->access_key_id || !p->secret_access_key ||
        !*p->secret_access_key)
        return mc_err_set(err, MC_EINVAL, "sigv4: no AWS credentials");
    if (!p->region || !*p->region)
        return mc_err_set(err, MC_EINVAL, "sigv4: no region");
    if (!p->service || !*p->service)
        return mc_err_set(err, MC_EINVAL, "sigv4: no service name");
    for (size_t i = 0; i < req->nheaders; i++)
        if (!req->headers[i].name || !*req->headers[i].name)
            return mc_err_set(err, MC_EINVAL, "sigv4: header %zu has no name",
                              i);
    if (req->body_sha256 && !valid_payload_hash(req->body_sha256))
        return mc_err_set(err, MC_EINVAL,
                          "sigv4: body_sha256 must be 64 lower-case hex "
                          "digits or UNSIGNED-PAYLOAD");
    if (!req->body && req->body_len)
        return mc_err_set(err, MC_EINVAL, "sigv4: body_len without body");
    return MC_OK;
}

static void put_scope(mc_buf *b, const char *amz_date,
                      const mc_sigv4_params *p)
{
    mc_buf_append(b, amz_date, 8);
    mc_buf_putc(b, '/');
    mc_buf_puts(b, p->region);
    mc_buf_putc(b, '/');
    mc_buf_puts(b, p->service);
    mc_buf_puts(b, "/aws4_request");
}

static void put_method(mc_buf *b, const char *m)
{
    size_t n = strlen(m);
    if (!mc_buf_reserve(b, n + 1))
        return;
    for (size_t i = 0; i < n; i++) {
        char c = m[i];
        b->data[b->len++] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
    }
    b->data[b->len++] = '\n';
}

static void fill_result(mc_sigv4_signer *s, const mc_sigv4_params *p,
                        mc_sigv4_result *out)
{
    size_t n = 0;
    out->authorization = s->auth.data;
    out->headers[n++] = (mc_sigv4_header){"Authorization", s->auth.data};
    out->headers[n++] = (mc_sigv4_header){"X-Amz-Date", out->amz_date};
    if (p->session_token && *p->session_token)
        out->headers[n++] =
            (mc_sigv4_header){"X-Amz-Security-Token", p->session_token};
    if (p->flags & MC_SIGV4_CONTENT_SHA256)
        out->headers[n++] =
            (mc_sigv4_header){"X-Amz-Content-Sha256", out->content_sha256};
    out->nheaders = n;
}

mc_code mc_sigv4_sign(mc_sigv4_signer *s, const mc_sigv4_request *req,
                      const mc_sigv4_params *p, mc_sigv4_result *out,
                      mc_err *err)
{
    mc_code rc = check_input(req, p, err);
    if (rc != MC_OK)
        return rc;
    s->valid = false;
    memset(out, 0, sizeof *out);
    if (!s->date_text[0] || s->date_when != p->when) {
        format_amz_date(p->when, s->date_text);
        s->date_when = p->when;
    }
    memcpy(out->amz_date, s->date_text, sizeof out->amz_date);

    unsigned char hash[32];
    if (req->body_sha256) {
        strcpy(out->content_sha256, req->body_sha256);
    } else {
        if (!sha256_2(s, req->body ? req->body : "", req->body_len, NULL, 0,
                      hash, false))
            return mc_err_set(err, MC_ENOMEM, "sigv4: SHA-256 failed");
        hex_lower(out->content_sha256, hash, 32);
    }

    mc_buf *b = &s->creq;
    mc_buf_reset(b);
    put_method(b, req->method);
    canonical_uri(b, req->path, p->flags);
    mc_buf_putc(b, '\n');
    if (!canonical_query(s, req->query))
        return mc_err_set(err, MC_ENOMEM, "sigv4: out of memory");
    mc_buf_putc(b, '\n');
    size_t nh, signed_off, signed_len;
    if (!collect_headers(s, req, p, out->amz_date, out->content_sha256, &nh))
        return mc_err_set(err, MC_ENOMEM, "sigv4: out of memory");
    emit_headers(s, nh, &signed_off, &signed_len);
    mc_buf_putc(b, '\n');
    mc_buf_puts(b, out->content_sha256);
    if (b->oom || !sha256_2(s, b->data, b->len, NULL, 0, hash, false))
        return mc_err_set(err, MC_ENOMEM, "sigv4: out of memory");

    char hexhash[65];
    hex_lower(hexhash, hash, 32);
    mc_buf *t = &s->sts;
    mc_buf_reset(t);
    mc_buf_puts(t, ALGORITHM "\n");
    mc_buf_append(t, out->amz_date, 16);
    mc_buf_putc(t, '\n');
    put_scope(t, out->amz_date, p);
    mc_buf_putc(t, '\n');
    mc_buf_append(t, hexhash, 64);

    mac_key tmp;
    unsigned char sig[32];
    const mac_key *key = t->oom ? NULL : signing_key(s, p, out->amz_date, &tmp);
    bool ok = key && mac_sign(s, key, t->data, t->len, sig);
    if (key == &tmp)
        OPENSSL_cleanse(&tmp, sizeof tmp);
    if (!ok)
        return mc_err_set(err, MC_ENOMEM, "sigv4: HMAC-SHA256 failed");
    hex_lower(out->signature, sig, 32);

    mc_buf *a = &s->auth;
    mc_buf_reset(a);
    mc_buf_puts(a, ALGORITHM " Credential=");
    mc_buf_puts(a, p->access_key_id);
    mc_buf_putc(a, '/');
    put_scope(a, out->amz_date, p);
    mc_buf_puts(a, ", SignedHeaders=");
    mc_buf_append(a, b->data + signed_off, signed_len);
    mc_buf_puts(a, ", Signature=");
    mc_buf_append(a, out->signature, 64);
    if (a->oom)
        return mc_err_set(err, MC_ENOMEM, "sigv4: out of memory");
    fill_result(s, p, out);
    s->valid = true;
    return MC_OK;
}

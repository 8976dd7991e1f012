/* test_resolve.c - the lean client's host-name cache (src/http/resolve.c)
 * with the real getaddrinfo: localhost (in every /etc/hosts), numeric
 * names (answered without the network) and a name the resolver library
 * refuses without asking any server ("bad name").  The resolver thread is
 * awaited on its condition, never by sleeping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <cmocka.h>

#include "http/client_internal.h"
#include "http/resolve.h"

/* Is the IPv4 address v4 (network order) among r's?  (localhost may
 * have ::1 too, before it, as Debian's /etc/hosts lists it.) */
static bool has_v4(const mc_resolve_addrs *r, uint32_t v4)
{
    for (unsigned i = 0; i < r->n; i++)
        if (r->a[i].family == AF_INET && memcmp(r->a[i].bytes, &v4, 4) == 0)
            return true;
    return false;
}

static int setup(void **state)
{
    (void)state;
    mc_resolve_acquire();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mc_resolve_release();                  /* the cache starts empty again */
    return 0;
}

/* A miss answers false at once and schedules one resolution; once it has
 * settled the name answers its address, case-insensitively. */
static void test_miss_then_hit(void **state)
{
    (void)state;
    mc_resolve_stats s0 = mc_resolve_get_stats();
    mc_resolve_addrs a = {0};
    assert_false(mc_resolve_lookup("localhost", mc_http__now_ms(), &a));
    assert_true(mc_resolve_wait_settled("localhost", 10000));
    assert_true(mc_resolve_lookup("localhost", mc_http__now_ms(), &a));
    assert_true(has_v4(&a, htonl(INADDR_LOOPBACK)));
    memset(&a, 0, sizeof a);
    assert_true(mc_resolve_lookup("LocalHost", mc_http__now_ms(), &a));
    assert_true(has_v4(&a, htonl(INADDR_LOOPBACK)));
    mc_resolve_stats s = mc_resolve_get_stats();
    assert_int_equal(s.misses - s0.misses, 1);
    assert_int_equal(s.hits - s0.hits, 2);
    assert_int_equal(s.resolved - s0.resolved, 1);
    assert_int_equal(s.names, 1);
}

/* A fresh answer says until when it may be reused; a stale one says
 * "ask again" (0).  IPv6 addresses are kept as such: the numeric name
 * "::1" resolves without the network to the one AF_INET6 address. */
static void test_fresh_until_and_ipv6(void **state)
{
    (void)state;
    mc_resolve_addrs a = {0};
    assert_false(mc_resolve_lookup("::1", mc_http__now_ms(), &a));
    assert_true(mc_resolve_wait_settled("::1", 10000));
    uint64_t now = mc_http__now_ms();
    assert_true(mc_resolve_lookup("::1", now, &a));
    assert_int_equal(a.n, 1);
    assert_int_equal(a.a[0].family, AF_INET6);
    static const unsigned char loop6[16] = {[15] = 1};
    assert_memory_equal(a.a[0].bytes, loop6, 16);
    assert_true(a.fresh_until > now && a.fresh_until <= now + MC_RESOLVE_TTL_MS);
    assert_true(mc_resolve_lookup("::1", now + MC_RESOLVE_TTL_MS + 1, &a));
    assert_int_equal(a.fresh_until, 0);
}

/* A fake resolver (names that no real resolver here gives): every
 * address it answers is kept in its order, up to MC_RESOLVE_MAX_ADDRS. */
static void fake_many(const char *name, mc_resolve_addrs *out)
{
    (void)name;
    out->n = MC_RESOLVE_MAX_ADDRS + 2;     /* more than fit: cut */
    for (unsigned i = 0; i < MC_RESOLVE_MAX_ADDRS; i++) {
        out->a[i].family = i % 2 ? AF_INET6 : AF_INET;
        memset(out->a[i].bytes, 0, 16);
        out->a[i].bytes[3] = (unsigned char)(i + 1);
    }
}

static void test_every_address_in_order(void **state)
{
    (void)state;
    mc_resolve__set_resolver(fake_many);
    mc_resolve_addrs a = {0};
    assert_false(mc_resolve_lookup("many.example", mc_http__now_ms(), &a));
    assert_true(mc_resolve_wait_settled("many.example", 10000));
    assert_true(mc_resolve_lookup("many.example", mc_http__now_ms(), &a));
    mc_resolve__set_resolver(NULL);
    assert_int_equal(a.n, MC_RESOLVE_MAX_ADDRS);
    for (unsigned i = 0; i < MC_RESOLVE_MAX_ADDRS; i++) {
        assert_int_equal(a.a[i].family, i % 2 ? AF_INET6 : AF_INET);
        assert_int_equal(a.a[i].bytes[3], i + 1);
    }
}

/* Past its TTL an entry is still answered (stale-while-revalidate) and
 * one refresh runs; after it the same moment is fresh again. */
static void test_stale_served_and_refreshed(void **state)
{
    (void)state;
    mc_resolve_addrs a = {0};
    assert_false(mc_resolve_lookup("localhost", mc_http__now_ms(), &a));
    assert_true(mc_resolve_wait_settled("localhost", 10000));
    uint64_t t = mc_http__now_ms();        /* the entry expires by t + TTL */
    while (mc_http__now_ms() <= t)         /* so the refresh's expiry is later */
        ;
    mc_resolve_stats s0 = mc_resolve_get_stats();
    uint64_t later = t + MC_RESOLVE_TTL_MS;
    assert_true(mc_resolve_lookup("localhost", later, &a));
    assert_true(has_v4(&a, htonl(INADDR_LOOPBACK)));
    mc_resolve_stats s1 = mc_resolve_get_stats();
    assert_int_equal(s1.stale - s0.stale, 1);
    assert_true(mc_resolve_wait_settled("localhost", 10000));
    mc_resolve_stats s2 = mc_resolve_get_stats();
    assert_int_equal(s2.resolved - s0.resolved, 1);
    assert_true(mc_resolve_lookup("localhost", later, &a));
    mc_resolve_stats s3 = mc_resolve_get_stats();
    assert_int_equal(s3.hits - s2.hits, 1);    /* fresh again */
    assert_int_equal(s3.stale - s2.stale, 0);
}

/* A failed resolution is remembered for the negative TTL (no new
 * resolution, still false), then asked again. */
static void test_negative_caching(void **state)
{
    (void)state;
    const char *bad = "bad name";
    mc_resolve_addrs a = {0};
    mc_resolve_stats s0 = mc_resolve_get_stats();
    assert_false(mc_resolve_lookup(bad, mc_http__now_ms(), &a));
    assert_true(mc_resolve_wait_settled(bad, 10000));
    uint64_t t = mc_http__now_ms();
    for (int i = 0; i < 3; i++)
        assert_false(mc_resolve_lookup(bad, t, &a));
    assert_true(mc_resolve_wait_settled(bad, 10000));
    mc_resolve_stats s1 = mc_resolve_get_stats();
    assert_int_equal(s1.failed - s0.failed, 1);
    assert_int_equal(s1.negative - s0.negative, 3);
    assert_int_equal(s1.resolved - s0.resolved, 0);
    /* after the negative TTL: one more try */
    assert_false(mc_resolve_lookup(bad, t + MC_RESOLVE_NEGATIVE_TTL_MS + 1, &a));
    assert_true(mc_resolve_wait_settled(bad, 10000));
    mc_resolve_stats s2 = mc_resolve_get_stats();
    assert_int_equal(s2.failed - s1.failed, 1);
}

/* More names than the cache holds: it keeps MC_RESOLVE_MAX_NAMES, the
 * oldest pushed out.  Names too long are never cached. */
static void test_bounded_size(void **state)
{
    (void)state;
    char name[32];
    mc_resolve_addrs a = {0};
    int total = MC_RESOLVE_MAX_NAMES + 44;
    for (int i = 0; i < total; i++) {
        snprintf(name, sizeof name, "127.0.%d.%d", i / 200, i % 200 + 1);
        assert_false(mc_resolve_lookup(name, mc_http__now_ms(), &a));
        assert_true(mc_resolve_wait_settled(name, 10000));
    }
    mc_resolve_stats s = mc_resolve_get_stats();
    assert_int_equal(s.names, MC_RESOLVE_MAX_NAMES);
    assert_true(s.evicted >= 44);
    assert_true(mc_resolve_lookup(name, mc_http__now_ms(), &a));   /* the newest */
    assert_true(has_v4(&a, inet_addr(name)));
    assert_false(mc_resolve_lookup("127.0.0.1", mc_http__now_ms(), &a));  /* the oldest: gone */

    char longname[MC_RESOLVE_MAX_NAME + 8];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    mc_resolve_stats s0 = mc_resolve_get_stats();
    assert_false(mc_resolve_lookup(longname, mc_http__now_ms(), &a));
    mc_resolve_stats s1 = mc_resolve_get_stats();
    assert_int_equal(s1.misses, s0.misses);    /* not even counted */
}

/* The last release while resolutions are queued and running: the thread
 * stops and is joined, the queue bounded (the rest dropped), every name
 * forgotten; a new user starts afresh. */
static void test_teardown_in_flight(void **state)
{
    (void)state;
    char name[32];
    mc_resolve_addrs a = {0};
    mc_resolve_stats s0 = mc_resolve_get_stats();
    for (int i = 0; i < 2 * MC_RESOLVE_MAX_QUEUE; i++) {
        snprintf(name, sizeof name, "10.1.%d.%d", i / 200, i % 200 + 1);
        assert_false(mc_resolve_lookup(name, mc_http__now_ms(), &a));
    }
    assert_false(mc_resolve_lookup("localhost", mc_http__now_ms(), &a));
    mc_resolve_stats s1 = mc_resolve_get_stats();
    assert_int_equal(s1.misses - s0.misses, 2 * MC_RESOLVE_MAX_QUEUE + 1);
    mc_resolve_release();
    mc_resolve_stats s2 = mc_resolve_get_stats();
    assert_int_equal(s2.names, 0);
    mc_resolve_acquire();                  /* teardown's release balances it */
    assert_false(mc_resolve_lookup("localhost", mc_http__now_ms(), &a));
    assert_true(mc_resolve_wait_settled("localhost", 10000));
    assert_true(mc_resolve_lookup("localhost", mc_http__now_ms(), &a));
}

/* Lookups from several threads (a serve worker each) while resolutions
 * and refreshes run: every answer is a name's own address. */
enum { LOOKERS = 4, ROUNDS = 3000 };

static void *looker(void *arg)
{
    long seed = (long)(intptr_t)arg, wrong = 0;
    char name[32];
    for (int i = 0; i < ROUNDS; i++) {
        int n = (int)((seed * 7 + i) % 8);
        snprintf(name, sizeof name, "127.0.9.%d", n + 1);
        mc_resolve_addrs a = {0};
        uint64_t now = mc_http__now_ms() + (i % 50 == 0 ? MC_RESOLVE_TTL_MS : 0);
        if (mc_resolve_lookup(i % 3 ? name : "localhost", now, &a) &&
            !has_v4(&a, i % 3 ? inet_addr(name) : htonl(INADDR_LOOPBACK)))
            wrong++;
    }
    return (void *)(intptr_t)wrong;
}

static void test_threads_share_the_cache(void **state)
{
    (void)state;
    mc_resolve_addrs a;
    assert_false(mc_resolve_lookup("localhost", mc_http__now_ms(), &a));
    assert_true(mc_resolve_wait_settled("localhost", 10000));
    pthread_t t[LOOKERS];
    for (long i = 0; i < LOOKERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, looker, (void *)(intptr_t)i), 0);
    long wrong = 0;
    for (int i = 0; i < LOOKERS; i++) {
        void *w;
        pthread_join(t[i], &w);
        wrong += (long)(intptr_t)w;
    }
    assert_int_equal(wrong, 0);
    mc_resolve_stats s = mc_resolve_get_stats();
    assert_true(s.hits + s.stale > 0);
    assert_true(s.names <= 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_miss_then_hit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_served_and_refreshed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fresh_until_and_ipv6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_address_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_negative_caching, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_teardown_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_share_the_cache, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* resolve.h - the lean client's host-name cache (internal to src/http):
 * process-wide, shared by every client and worker thread, filled by one
 * background resolver thread so that nothing on an event loop ever waits
 * on DNS.  A lookup answers at once: a fresh entry gives its addresses
 * (IPv4 and IPv6, up to MC_RESOLVE_MAX_ADDRS in getaddrinfo's order, which
 * the lean client tries one after the other as curl does); an entry past
 * its TTL still gives them (stale-while-revalidate)
 * and schedules one refresh; a miss or a cached failure answers "no"
 * (the caller sends that request through libcurl) and a miss schedules a
 * resolution.  TTL 30 s and negative TTL 10 s, the JVM's defaults
 * (docs/http.md).  At most MC_RESOLVE_MAX_NAMES names (the oldest
 * evicted), MC_RESOLVE_MAX_QUEUE resolutions waiting. */
#ifndef MC_HTTP_RESOLVE_H
#define MC_HTTP_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MC_RESOLVE_MAX_NAMES 256
#define MC_RESOLVE_MAX_QUEUE 64
#define MC_RESOLVE_MAX_NAME 63              /* longer names are never cached */
#define MC_RESOLVE_TTL_MS 30000             /* networkaddress.cache.ttl */
#define MC_RESOLVE_NEGATIVE_TTL_MS 10000    /* networkaddress.cache.negative.ttl */
#define MC_RESOLVE_MAX_ADDRS 4              /* addresses kept per name */

/* One address of a name: AF_INET (4 bytes used) or AF_INET6 (16). */
typedef struct mc_resolve_addr {
    int family;
    unsigned char bytes[16];               /* network order */
} mc_resolve_addr;

/* A name's addresses, in the order to try them. */
typedef struct mc_resolve_addrs {
    unsigned n;
    mc_resolve_addr a[MC_RESOLVE_MAX_ADDRS];
    uint64_t fresh_until;                  /* ms: a caller may reuse this
                                              answer without asking again
                                              until then (0: ask next time) */
} mc_resolve_addrs;

/* Every user (a lean client) holds a reference; the last release stops
 * and joins the resolver thread (started lazily by the first lookup that
 * needs it) and forgets every name. */
void mc_resolve_acquire(void);
void mc_resolve_release(void);

/* host's addresses into *out: true when cached, fresh or stale; false
 * sends the request elsewhere.  now is mc_http__now_ms().  No
 * allocation, no system call but a futex. */
bool mc_resolve_lookup(const char *host, uint64_t now, mc_resolve_addrs *out);

typedef struct mc_resolve_stats {
    uint64_t hits, stale, misses, negative;  /* lookups by answer */
    uint64_t resolved, failed;               /* background resolutions */
    uint64_t evicted, dropped;               /* names pushed out; queue full */
    size_t names;                            /* cached now */
} mc_resolve_stats;

/* For tests and benchmarks. */
mc_resolve_stats mc_resolve_get_stats(void);
/* Waits until no resolution of host is queued or running (max_ms at
 * most): true when settled. */
bool mc_resolve_wait_settled(const char *host, long max_ms);

/* Tests only: the resolver thread asks fn instead of getaddrinfo (NULL:
 * getaddrinfo again).  fn fills out (n == 0: the name does not resolve).
 * For names no real resolver here can give, such as one whose first
 * address is dead; a test names its fn as the fake it is. */
typedef void (*mc_resolve_fn)(const char *name, mc_resolve_addrs *out);
void mc_resolve__set_resolver(mc_resolve_fn fn);

#endif

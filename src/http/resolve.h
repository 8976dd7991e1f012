/* resolve.h - the lean client's host-name cache (internal to src/http):
 * process-wide, shared by every client and worker thread, filled by one
 * background resolver thread so that nothing on an event loop ever waits
 * on DNS.  A lookup answers at once: a fresh entry gives its IPv4
 * address; an entry past its TTL still gives it (stale-while-revalidate)
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

/* Every user (a lean client) holds a reference; the last release stops
 * and joins the resolver thread (started lazily by the first lookup that
 * needs it) and forgets every name. */
void mc_resolve_acquire(void);
void mc_resolve_release(void);

/* host's IPv4 address (network order) into *addr4: true when cached,
 * fresh or stale; false sends the request elsewhere.  now is
 * mc_http__now_ms().  No allocation, no system call but a futex. */
bool mc_resolve_lookup(const char *host, uint64_t now, uint32_t *addr4);

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

#endif

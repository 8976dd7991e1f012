/* resolve.c - the lean client's host-name cache (see resolve.h): a fixed
 * table of names under one mutex (no allocation anywhere), a bounded ring
 * of names to resolve, and one resolver thread calling getaddrinfo
 * (AF_UNSPEC, SOCK_STREAM: IPv4 and IPv6, in its order) outside the lock. */
#include "http/resolve.h"
#include "util/hash.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "http/client_internal.h"

typedef struct entry {
    char name[MC_RESOLVE_MAX_NAME + 1];    /* lower case; "" when free */
    uint32_t hash;
    mc_resolve_addrs addrs;                /* when ok */
    bool ok;                               /* false: pending or failed */
    bool busy;                             /* a resolution queued or running */
    uint64_t expires;                      /* ms; 0: never resolved */
    uint64_t born;                         /* insertion order, for eviction */
} entry;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t work;                   /* the queue has a name, or stop */
    pthread_cond_t settled;                /* a resolution ended */
    pthread_t thread;
    bool started, stopping;
    unsigned refs;
    entry names[MC_RESOLVE_MAX_NAMES];
    char queue[MC_RESOLVE_MAX_QUEUE][MC_RESOLVE_MAX_NAME + 1];
    size_t qhead, qlen;
    uint64_t born;
    mc_resolve_stats st;
    mc_resolve_fn fake;                    /* tests: instead of getaddrinfo */
} R = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .work = PTHREAD_COND_INITIALIZER,
       .settled = PTHREAD_COND_INITIALIZER};

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* fork: the child has no resolver thread; it starts again on demand */
static void before_fork(void) { pthread_mutex_lock(&R.mu); }
static void after_fork_parent(void) { pthread_mutex_unlock(&R.mu); }
static void after_fork_child(void)
{
    pthread_mutex_init(&R.mu, NULL);
    pthread_cond_init(&R.work, NULL);
    pthread_cond_init(&R.settled, NULL);
    R.started = R.stopping = false;
    R.qhead = R.qlen = 0;
    for (size_t i = 0; i < MC_RESOLVE_MAX_NAMES; i++)
        R.names[i].busy = false;
}
static void register_atfork(void)
{
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

/* FNV-1a over the lower-cased name; its length into *len (0: too long) */
static uint32_t name_hash(const char *host, size_t *len)
{
    uint32_t h = MC_FNV1A_INIT;
    size_t n = 0;
    for (; host[n]; n++) {
        if (n >= MC_RESOLVE_MAX_NAME) {
            *len = 0;
            return 0;
        }
        h = mc_fnv1a_byte(h, mc_ascii_lower((unsigned char)host[n]));
    }
    *len = n;
    return h;
}

static entry *find(const char *host, uint32_t hash)
{
    for (size_t i = 0; i < MC_RESOLVE_MAX_NAMES; i++) {
        entry *e = &R.names[i];
        if (e->hash == hash && e->name[0] && strcasecmp(e->name, host) == 0)
            return e;
    }
    return NULL;
}

/* A free slot, or the oldest name's */
static entry *slot_for_new(void)
{
    entry *old = &R.names[0];
    for (size_t i = 0; i < MC_RESOLVE_MAX_NAMES; i++) {
        entry *e = &R.names[i];
        if (!e->name[0])
            return e;
        if (e->born < old->born)
            old = e;
    }
    R.st.evicted++;
    return old;
}

static void *resolver_main(void *arg);

/* Queue e's name for the thread (started here the first time); under mu. */
static void schedule(entry *e)
{
    if (R.stopping || R.qlen == MC_RESOLVE_MAX_QUEUE) {
        R.st.dropped++;                    /* a later lookup asks again */
        return;
    }
    if (!R.started) {
        if (pthread_create(&R.thread, NULL, resolver_main, NULL) != 0) {
            R.st.dropped++;
            return;
        }
        R.started = true;
    }
    memcpy(R.queue[(R.qhead + R.qlen) % MC_RESOLVE_MAX_QUEUE], e->name, sizeof e->name);
    R.qlen++;
    e->busy = true;
    pthread_cond_signal(&R.work);
}

bool mc_resolve_lookup(const char *host, uint64_t now, mc_resolve_addrs *out)
{
    size_t len;
    uint32_t hash = name_hash(host, &len);
    if (len == 0)
        return false;
    pthread_mutex_lock(&R.mu);
    bool found = false;
    entry *e = find(host, hash);
    if (!e) {
        e = slot_for_new();
        memset(e, 0, sizeof *e);
        for (size_t i = 0; i < len; i++)
            e->name[i] = (char)mc_ascii_lower((unsigned char)host[i]);
        e->hash = hash;
        e->born = ++R.born;
        R.st.misses++;
        schedule(e);
    } else if (e->ok) {
        *out = e->addrs;
        found = true;
        if (now < e->expires) {
            R.st.hits++;
            out->fresh_until = e->expires;
        } else {
            out->fresh_until = 0;
            R.st.stale++;
            if (!e->busy)
                schedule(e);
        }
    } else {
        if (e->expires) {
            R.st.negative++;               /* failed, or pending again */
        } else {
            R.st.misses++;                 /* never answered yet */
        }
        if (!e->busy && now >= e->expires)
            schedule(e);
    }
    pthread_mutex_unlock(&R.mu);
    return found;
}

/* name's addresses from getaddrinfo, in its order, each once */
static void ask_getaddrinfo(const char *name, mc_resolve_addrs *out)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    out->n = 0;
    if (getaddrinfo(name, NULL, &hints, &res) != 0)
        res = NULL;
    for (const struct addrinfo *ai = res; ai && out->n < MC_RESOLVE_MAX_ADDRS; ai = ai->ai_next) {
        mc_resolve_addr a = {.family = ai->ai_family};
        if (ai->ai_family == AF_INET)
            memcpy(a.bytes, &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr, 4);
        else if (ai->ai_family == AF_INET6)
            memcpy(a.bytes, &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr,
                   16);
        else
            continue;
        bool seen = false;
        for (unsigned i = 0; i < out->n; i++)
            seen |= memcmp(&out->a[i], &a, sizeof a) == 0;
        if (!seen)
            out->a[out->n++] = a;
    }
    if (res)
        freeaddrinfo(res);
}

void mc_resolve__set_resolver(mc_resolve_fn fn)
{
    pthread_mutex_lock(&R.mu);
    R.fake = fn;
    pthread_mutex_unlock(&R.mu);
}

static void *resolver_main(void *arg)
{
    (void)arg;
    char name[MC_RESOLVE_MAX_NAME + 1];
    pthread_mutex_lock(&R.mu);
    for (;;) {
        while (!R.stopping && R.qlen == 0)
            pthread_cond_wait(&R.work, &R.mu);
        if (R.stopping)
            break;
        memcpy(name, R.queue[R.qhead], sizeof name);
        R.qhead = (R.qhead + 1) % MC_RESOLVE_MAX_QUEUE;
        R.qlen--;
        mc_resolve_fn fake = R.fake;
        pthread_mutex_unlock(&R.mu);

        mc_resolve_addrs addrs = {0};
        if (fake)
            fake(name, &addrs);
        else
            ask_getaddrinfo(name, &addrs);
        if (addrs.n > MC_RESOLVE_MAX_ADDRS)
            addrs.n = MC_RESOLVE_MAX_ADDRS;
        bool ok = addrs.n > 0;

        pthread_mutex_lock(&R.mu);
        size_t len;
        entry *e = find(name, name_hash(name, &len));
        if (e) {                           /* else evicted meanwhile */
            uint64_t now = mc_http__now_ms();
            if (ok) {
                e->ok = true;
                e->addrs = addrs;
                e->expires = now + MC_RESOLVE_TTL_MS;
            } else {
                /* failed (a refresh too): to libcurl, which reports the
                 * failure itself, until the negative TTL ends */
                e->ok = false;
                e->expires = now + MC_RESOLVE_NEGATIVE_TTL_MS;
            }
            e->busy = false;
        }
        if (ok)
            R.st.resolved++;
        else
            R.st.failed++;
        pthread_cond_broadcast(&R.settled);
    }
    pthread_mutex_unlock(&R.mu);
    return NULL;
}

void mc_resolve_acquire(void)
{
    pthread_once(&atfork_once, register_atfork);
    pthread_mutex_lock(&R.mu);
    R.refs++;
    pthread_mutex_unlock(&R.mu);
}

void mc_resolve_release(void)
{
    pthread_mutex_lock(&R.mu);
    if (R.refs == 0 || --R.refs > 0) {
        pthread_mutex_unlock(&R.mu);
        return;
    }
    bool started = R.started;
    R.stopping = true;
    pthread_cond_broadcast(&R.work);
    pthread_mutex_unlock(&R.mu);
    if (started)
        pthread_join(R.thread, NULL);      /* waits for a getaddrinfo running */
    pthread_mutex_lock(&R.mu);
    R.started = R.stopping = false;
    R.qhead = R.qlen = 0;
    memset(R.names, 0, sizeof R.names);
    pthread_cond_broadcast(&R.settled);
    pthread_mutex_unlock(&R.mu);
}

mc_resolve_stats mc_resolve_get_stats(void)
{
    pthread_mutex_lock(&R.mu);
    mc_resolve_stats s = R.st;
    s.names = 0;
    for (size_t i = 0; i < MC_RESOLVE_MAX_NAMES; i++)
        if (R.names[i].name[0])
            s.names++;
    pthread_mutex_unlock(&R.mu);
    return s;
}

bool mc_resolve_wait_settled(const char *host, long max_ms)
{
    size_t len;
    uint32_t hash = name_hash(host, &len);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += max_ms / 1000;
    until.tv_nsec += (max_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&R.mu);
    int rc = 0;
    entry *e;
    while ((e = find(host, hash)) && e->busy && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&R.settled, &R.mu, &until);
    bool settled = !(e && e->busy);
    pthread_mutex_unlock(&R.mu);
    return settled;
}

/* test_upwatch.c - the worker's epoll watching its HTTP client's sockets
 * (src/http/upwatch.c), on a real epoll and real sockets: a connection
 * socket stays registered while it idles in the pool (no epoll_ctl per
 * request) and is forgotten when announced closed; a socket that is not a
 * connection (libcurl's resolver wake-up pair) is taken out as soon as
 * nothing waits on it, so when it is closed and its number comes straight
 * back as a connection socket, that socket's events arrive.  (Without that,
 * every request after a name lookup hung on its connect.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/upwatch.h"

static bool in_set(int ep, int fd)
{
    struct epoll_event ev = {.events = EPOLLIN};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
        return false;
    }
    return errno == EEXIST;
}

static void test_pool_socket_stays_armed(void **state)
{
    (void)state;
    mc_upwatch w = {.ep = epoll_create1(EPOLL_CLOEXEC)};
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(s >= 0);
    mc_upwatch_on_watch(&w, s, MC_HTTP_WATCH_OPENED);
    assert_false(in_set(w.ep, s));
    mc_upwatch_on_watch(&w, s, MC_HTTP_WATCH_IN);
    assert_true(in_set(w.ep, s));
    mc_upwatch_on_watch(&w, s, 0);            /* back in the pool: left armed */
    assert_true(in_set(w.ep, s));
    mc_upwatch_on_watch(&w, s, MC_HTTP_WATCH_CLOSED);
    close(s);
    assert_false(in_set(w.ep, s));
    close(w.ep);
    mc_upwatch_free(&w);
}

static void test_resolver_pair_number_reused(void **state)
{
    (void)state;
    mc_upwatch w = {.ep = epoll_create1(EPOLL_CLOEXEC)};
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    int fd = sv[0] < sv[1] ? sv[0] : sv[1];
    mc_upwatch_on_watch(&w, fd, MC_HTTP_WATCH_IN);    /* the lookup's wake-up */
    assert_true(in_set(w.ep, fd));
    close(sv[0]);                                     /* libcurl closes it itself... */
    close(sv[1]);
    mc_upwatch_on_watch(&w, fd, 0);                   /* ...then says it waits no more */
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (s != fd)
        skip();                                       /* the number did not come back */
    mc_upwatch_on_watch(&w, s, MC_HTTP_WATCH_OPENED); /* the connection's socket */
    mc_upwatch_on_watch(&w, s, MC_HTTP_WATCH_OUT);
    struct epoll_event ev;
    /* an unconnected TCP socket reports EPOLLOUT|EPOLLHUP at once */
    assert_int_equal(epoll_wait(w.ep, &ev, 1, 0), 1);
    assert_true(ev.data.u64 == (UP_TAG | (uint64_t)s));
    close(s);
    close(w.ep);
    mc_upwatch_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_socket_stays_armed),
        cmocka_unit_test(test_resolver_pair_number_reused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

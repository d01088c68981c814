/* tnx_port_posix.c - socket hooks over POSIX: getaddrinfo, a non-blocking
 * TCP socket, and poll() for every deadline.
 *
 * Clock:   clock_gettime(CLOCK_MONOTONIC), cut to uint32 milliseconds.
 * Entropy: getrandom() on glibc 2.25+, else reads /dev/urandom (and so
 *          does -DTNX_POSIX_NO_GETRANDOM, which the tests use to check it).
 * SIGPIPE: send uses MSG_NOSIGNAL, or SO_NOSIGPIPE where that is missing,
 *          so a peer that closed never kills the process.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE             /* glibc, musl: MSG_NOSIGNAL, getrandom */
#define _DARWIN_C_SOURCE            /* macOS: SO_NOSIGPIPE */

#include "tnx_port_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 25) && \
    !defined(TNX_POSIX_NO_GETRANDOM)
#include <sys/random.h>
#define POSIX_HAVE_GETRANDOM 1
#endif
#ifndef MSG_NOSIGNAL
#ifndef SO_NOSIGPIPE
#error "neither MSG_NOSIGNAL nor SO_NOSIGPIPE: a closed peer would SIGPIPE"
#endif
#define MSG_NOSIGNAL 0
#endif

static uint32_t posix_now(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u +
                      (uint64_t)ts.tv_nsec / 1000000u);
}

/* Waits until fd is ready for `events` or timeout_ms have passed since
 * start.  Polls at least once, so a timeout of 0 means "ready right now?". */
static int wait_fd(int fd, short events, uint32_t start, uint32_t timeout_ms)
{
    for (;;) {
        uint32_t spent = posix_now(NULL) - start;
        uint32_t left = spent < timeout_ms ? timeout_ms - spent : 0;
        struct pollfd pfd;
        int rc;

        pfd.fd = fd;
        pfd.events = events;
        pfd.revents = 0;
        rc = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (rc > 0)
            return TNX_IO_OK;   /* errors too: the next call reports them */
        if (rc < 0 && errno != EINTR)
            return TNX_IO_ERROR;
        if (rc == 0 && left == 0)
            return TNX_IO_TIMEOUT;
    }
}

static void posix_close(void *ctx)
{
    tnx_posix *px = (tnx_posix *)ctx;
    if (px->fd >= 0)
        close(px->fd);
    px->fd = -1;
}

/* RFC 6761 6.4: names under "invalid" never resolve and libraries should
 * say so at once.  glibc asks the DNS server instead, and when offline it
 * waits out resolv.conf's timeouts. */
static int is_invalid_name(const char *host)
{
    size_t n = strlen(host);
    if (n > 0 && host[n - 1] == '.')
        n--;
    if (n < 7 || (n > 7 && host[n - 8] != '.'))
        return 0;
    return strncasecmp(host + n - 7, "invalid", 7) == 0;
}

/* One address: 0 and the socket in *fd, or a TNX_IO_ code. */
static int connect_one(const struct addrinfo *ai, uint32_t start,
                       uint32_t timeout_ms, int *fd)
{
    int s, rc, err = 0, one = 1;
    socklen_t len = sizeof err;

    s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (s < 0)
        return TNX_IO_ERROR;
    (void)fcntl(s, F_SETFD, FD_CLOEXEC);
    if (fcntl(s, F_SETFL, O_NONBLOCK) != 0)
        err = errno;
    else if (connect(s, ai->ai_addr, ai->ai_addrlen) != 0)
        err = errno;
    if (err == EINPROGRESS || err == EINTR) {
        rc = wait_fd(s, POLLOUT, start, timeout_ms);
        if (rc != TNX_IO_OK) {
            close(s);
            return rc;
        }
        err = 0;
        if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
    }
    if (err != 0) {
        close(s);
        if (err == ECONNREFUSED)
            return TNX_IO_REFUSED;
        return err == ETIMEDOUT ? TNX_IO_TIMEOUT : TNX_IO_ERROR;
    }
    (void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#ifdef SO_NOSIGPIPE
    (void)setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    *fd = s;
    return TNX_IO_OK;
}

/* Tries every address in the order getaddrinfo gives (IPv6 and IPv4) until
 * one connects or the deadline passes; otherwise the last failure. */
static int posix_connect(void *ctx, const char *host, uint16_t port,
                         uint32_t timeout_ms)
{
    tnx_posix *px = (tnx_posix *)ctx;
    uint32_t start = posix_now(NULL);
    struct addrinfo hints, *list, *ai;
    char service[8];
    int rc = TNX_IO_NO_HOST;

    posix_close(px);
    if (is_invalid_name(host))
        return TNX_IO_NO_HOST;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(service, sizeof service, "%u", (unsigned)port);
    if (getaddrinfo(host, service, &hints, &list) != 0)
        return TNX_IO_NO_HOST;      /* EAI_NONAME, EAI_AGAIN, EAI_FAIL, ... */

    for (ai = list; ai != NULL; ai = ai->ai_next) {
        rc = connect_one(ai, start, timeout_ms, &px->fd);
        if (rc == TNX_IO_OK || rc == TNX_IO_TIMEOUT)
            break;
    }
    freeaddrinfo(list);
    return rc;
}

/* send (sbuf) or recv (rbuf): try at once; poll only when it would block. */
static int posix_io(tnx_posix *px, const uint8_t *sbuf, uint8_t *rbuf,
                    size_t len, uint32_t timeout_ms)
{
    uint32_t start = posix_now(NULL);

    if (px->fd < 0 || len == 0)
        return TNX_IO_ERROR;
    if (len > INT_MAX)
        len = INT_MAX;
    for (;;) {
        ssize_t n = sbuf ? send(px->fd, sbuf, len, MSG_NOSIGNAL)
                         : recv(px->fd, rbuf, len, 0);
        int rc;

        if (n > 0)
            return (int)n;
        if (n == 0)
            return TNX_IO_CLOSED;   /* recv only: send of len > 0 is > 0 */
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return TNX_IO_ERROR;    /* ECONNRESET, EPIPE, ETIMEDOUT, ... */
        rc = wait_fd(px->fd, sbuf ? POLLOUT : POLLIN, start, timeout_ms);
        if (rc != TNX_IO_OK)
            return rc;
    }
}

static int posix_send(void *ctx, const uint8_t *buf, size_t len,
                      uint32_t timeout_ms)
{
    return posix_io((tnx_posix *)ctx, buf, NULL, len, timeout_ms);
}

static int posix_recv(void *ctx, uint8_t *buf, size_t len,
                      uint32_t timeout_ms)
{
    return posix_io((tnx_posix *)ctx, NULL, buf, len, timeout_ms);
}

static int posix_entropy(void *ctx, uint8_t *buf, size_t len)
{
    size_t got = 0;
    (void)ctx;
#ifdef POSIX_HAVE_GETRANDOM
    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n > 0)
            got += (size_t)n;
        else if (n == 0 || errno != EINTR)
            break;                  /* e.g. ENOSYS: try the device */
    }
    if (got == len)
        return 0;
#endif
    {
        int fd = open("/dev/urandom", O_RDONLY);
        if (fd < 0)
            return -1;
        while (got < len) {
            ssize_t n = read(fd, buf + got, len - got);
            if (n > 0)
                got += (size_t)n;
            else if (n == 0 || errno != EINTR)
                break;
        }
        close(fd);
    }
    return got == len ? 0 : -1;
}

/* Between retries only.  nanosleep returns early on a signal: sleep what
 * is left, so a wait is never cut short by SIGCHLD and the like. */
static void posix_sleep(void *ctx, uint32_t ms)
{
    struct timespec ts, rest;
    (void)ctx;
    ts.tv_sec = (time_t)(ms / 1000u);
    ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
    while (nanosleep(&ts, &rest) != 0 && errno == EINTR)
        ts = rest;
}

void tnx_posix_port(tnx_port *p, tnx_posix *ctx)
{
    ctx->fd = -1;
    p->connect = posix_connect;
    p->send = posix_send;
    p->recv = posix_recv;
    p->close = posix_close;
    p->now_ms = posix_now;
    p->entropy = posix_entropy;
    p->ctx = ctx;
    p->sleep = posix_sleep;
}

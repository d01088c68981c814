/* tnx_port_zephyr.c - socket hooks over Zephyr's zsock_* API: a
 * non-blocking socket and zsock_poll for every deadline.
 *
 * Clock:   k_uptime_get_32(), milliseconds since boot (wraps at 2^32).
 * Entropy: sys_csrand_get(), Zephyr's cryptographically secure generator
 *          seeded from the entropy driver.
 * Names:   zsock_getaddrinfo; it waits up to CONFIG_NET_SOCKETS_DNS_TIMEOUT
 *          whatever timeout_ms is.  IP literals need no DNS.
 * TLS:     built with TNX_NO_TLS, a port may instead open the socket with
 *          IPPROTO_TLS_1_2 and TLS_SEC_TAG_LIST (Zephyr's TLS sockets, or
 *          a modem's offload); this one opens plain TCP.
 */
#include "tnx_port_zephyr.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/net/socket.h>
#include <zephyr/posix/fcntl.h>
#include <zephyr/random/random.h>

static uint32_t zs_now(void *ctx)
{
    (void)ctx;
    return k_uptime_get_32();
}

static int zs_fail(tnx_zephyr *z, int rc)
{
    z->last_error = errno;
    return rc;
}

/* Waits until fd can be written (out) or read, or timeout_ms have passed
 * since start.  Polls at least once, so 0 means "ready right now?". */
static int wait_fd(int fd, int out, uint32_t start, uint32_t timeout_ms)
{
    for (;;) {
        uint32_t spent = zs_now(NULL) - start;
        uint32_t left = spent < timeout_ms ? timeout_ms - spent : 0;
        struct zsock_pollfd pfd;
        int rc;

        pfd.fd = fd;
        pfd.events = out ? ZSOCK_POLLOUT : ZSOCK_POLLIN;
        pfd.revents = 0;
        rc = zsock_poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (rc > 0)
            return TNX_IO_OK;   /* errors too: the next call reports them */
        if (rc < 0 && errno != EINTR)
            return TNX_IO_ERROR;
        if (rc == 0 && left == 0)
            return TNX_IO_TIMEOUT;
    }
}

static void zs_close(void *ctx)
{
    tnx_zephyr *z = (tnx_zephyr *)ctx;
    if (z->fd >= 0)
        (void)zsock_close(z->fd);
    z->fd = -1;
}

/* RFC 6761 6.4: names under "invalid" never resolve, so no DNS query. */
static int is_invalid_name(const char *host)
{
    static const char tld[] = "invalid";
    size_t n = strlen(host), i;

    if (n > 0 && host[n - 1] == '.')
        n--;
    if (n < 7 || (n > 7 && host[n - 8] != '.'))
        return 0;
    for (i = 0; i < 7; i++)
        if ((host[n - 7 + i] | 0x20) != tld[i])
            return 0;
    return 1;
}

/* One address: TNX_IO_OK with the socket in z->fd, or a TNX_IO_ code. */
static int connect_one(tnx_zephyr *z, const struct zsock_addrinfo *ai,
                       uint32_t start, uint32_t timeout_ms)
{
    int s, rc, err = 0, one = 1;
    socklen_t len = sizeof err;

    s = zsock_socket(ai->ai_family, SOCK_STREAM, IPPROTO_TCP);
    if (s < 0)
        return zs_fail(z, TNX_IO_ERROR);
    if (zsock_fcntl(s, F_SETFL, O_NONBLOCK) != 0)
        err = errno;
    else if (zsock_connect(s, ai->ai_addr, ai->ai_addrlen) != 0)
        err = errno;
    if (err == EINPROGRESS) {
        rc = wait_fd(s, 1, start, timeout_ms);
        if (rc != TNX_IO_OK) {
            z->last_error = rc == TNX_IO_TIMEOUT ? ETIMEDOUT : errno;
            (void)zsock_close(s);
            return rc;
        }
        err = 0;
        if (zsock_getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
    }
    if (err != 0) {
        z->last_error = err;
        (void)zsock_close(s);
        if (err == ECONNREFUSED)
            return TNX_IO_REFUSED;
        return err == ETIMEDOUT ? TNX_IO_TIMEOUT : TNX_IO_ERROR;
    }
    (void)zsock_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    z->fd = s;
    return TNX_IO_OK;
}

/* Every address zsock_getaddrinfo gives until one connects or the
 * deadline passes; otherwise the last failure. */
static int zs_connect(void *ctx, const char *host, uint16_t port,
                      uint32_t timeout_ms)
{
    tnx_zephyr *z = (tnx_zephyr *)ctx;
    uint32_t start = zs_now(NULL);
    struct zsock_addrinfo hints, *list = NULL, *ai;
    char service[8];
    int rc;

    zs_close(z);
    z->last_error = 0;
    if (is_invalid_name(host))
        return TNX_IO_NO_HOST;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(service, sizeof service, "%u", (unsigned)port);
    rc = zsock_getaddrinfo(host, service, &hints, &list);
    if (rc != 0 || list == NULL) {
        z->last_error = rc;             /* a DNS_EAI_ code */
        return TNX_IO_NO_HOST;
    }
    rc = TNX_IO_NO_HOST;
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        rc = connect_one(z, ai, start, timeout_ms);
        if (rc == TNX_IO_OK || rc == TNX_IO_TIMEOUT)
            break;
    }
    zsock_freeaddrinfo(list);
    return rc;
}

/* send (sbuf) or recv (rbuf): try at once; wait only when it would block.
 * A second would-block after the deadline ends it. */
static int zs_io(tnx_zephyr *z, const uint8_t *sbuf, uint8_t *rbuf,
                 size_t len, uint32_t timeout_ms)
{
    uint32_t start = zs_now(NULL);
    int waited = 0;

    if (z->fd < 0 || len == 0)
        return TNX_IO_ERROR;
    if (len > INT_MAX)
        len = INT_MAX;
    for (;;) {
        ssize_t n = sbuf ? zsock_send(z->fd, sbuf, len, 0)
                         : zsock_recv(z->fd, rbuf, len, 0);
        int rc;

        if (n > 0)
            return (int)n;
        if (n == 0)
            return TNX_IO_CLOSED;   /* recv only: send of len > 0 is > 0 */
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return zs_fail(z, TNX_IO_ERROR);    /* ECONNRESET, ... */
        if (waited && zs_now(NULL) - start >= timeout_ms)
            return TNX_IO_TIMEOUT;
        rc = wait_fd(z->fd, sbuf != NULL, start, timeout_ms);
        if (rc != TNX_IO_OK)
            return rc == TNX_IO_ERROR ? zs_fail(z, rc) : rc;
        waited = 1;
    }
}

static int zs_send(void *ctx, const uint8_t *buf, size_t len,
                   uint32_t timeout_ms)
{
    return zs_io((tnx_zephyr *)ctx, buf, NULL, len, timeout_ms);
}

static int zs_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    return zs_io((tnx_zephyr *)ctx, NULL, buf, len, timeout_ms);
}

static int zs_entropy(void *ctx, uint8_t *buf, size_t len)
{
    tnx_zephyr *z = (tnx_zephyr *)ctx;
    int rc = sys_csrand_get(buf, len);

    if (rc != 0)
        z->last_error = rc;
    return rc == 0 ? 0 : -1;
}

void tnx_zephyr_port(tnx_port *p, tnx_zephyr *ctx)
{
    ctx->fd = -1;
    ctx->last_error = 0;
    p->connect = zs_connect;
    p->send = zs_send;
    p->recv = zs_recv;
    p->close = zs_close;
    p->now_ms = zs_now;
    p->entropy = zs_entropy;
    /* NULL: retries that must wait are not made.  Point it at a wrapper
     * of k_msleep to have them (not compiled here: unverified). */
    p->sleep = NULL;
    p->ctx = ctx;
}

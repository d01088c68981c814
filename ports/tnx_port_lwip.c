/* tnx_port_lwip.c - socket hooks over lwIP's sockets API: non-blocking
 * lwip_* sockets, and lwip_poll (or lwip_select where LWIP_SOCKET_POLL is
 * off) for every deadline, so that neither LWIP_SO_RCVTIMEO nor
 * LWIP_SO_SNDTIMEO is needed.
 *
 * Clock:   lwIP's sys_now(), the millisecond clock every lwIP port provides
 *          for the stack's own timers.
 * Entropy: none in lwIP; the trng function given to tnx_lwip_port.
 * Names:   lwip_getaddrinfo when LWIP_DNS=1.  It waits as long as lwIP's
 *          DNS retries take (DNS_MAX_RETRIES), whatever timeout_ms is, and
 *          gives one address.  With LWIP_DNS=0 only IP literals connect.
 * Threads: call the hooks from any task but lwIP's tcpip thread.
 */
#include "tnx_port_lwip.h"

#include <limits.h>
#include <string.h>

#include "lwip/opt.h"
#include "lwip/def.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"
#if LWIP_DNS
#include "lwip/netdb.h"
#endif

#if NO_SYS || !LWIP_SOCKET
#error "tnx_port_lwip.c needs lwIP's sockets API (NO_SYS=0, LWIP_SOCKET=1)"
#endif

static uint32_t lw_now(void *ctx)
{
    (void)ctx;
    return (uint32_t)sys_now();
}

/* Keeps errno for the application's logs; returns rc. */
static int lw_fail(tnx_lwip *lw, int rc)
{
    lw->last_error = errno;
    return rc;
}

/* Waits until fd can be written (out) or read, or timeout_ms have passed
 * since start.  Waits at least once, so 0 means "ready right now?". */
static int wait_fd(int fd, int out, uint32_t start, uint32_t timeout_ms)
{
    for (;;) {
        uint32_t spent = lw_now(NULL) - start;
        uint32_t left = spent < timeout_ms ? timeout_ms - spent : 0;
        int rc;
#if LWIP_SOCKET_POLL
        struct pollfd pfd;

        pfd.fd = fd;
        pfd.events = out ? POLLOUT : POLLIN;
        pfd.revents = 0;
        rc = lwip_poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
#else
        fd_set set;
        struct timeval tv;

        FD_ZERO(&set);
        FD_SET(fd, &set);
        tv.tv_sec = (long)(left / 1000u);
        tv.tv_usec = (long)(left % 1000u) * 1000;
        rc = lwip_select(fd + 1, out ? NULL : &set, out ? &set : NULL, NULL,
                         &tv);
#endif
        if (rc > 0)
            return TNX_IO_OK;   /* errors too: the next call reports them */
        if (rc < 0 && errno != EINTR)
            return TNX_IO_ERROR;
        if (rc == 0 && left == 0)
            return TNX_IO_TIMEOUT;
    }
}

static void lw_close(void *ctx)
{
    tnx_lwip *lw = (tnx_lwip *)ctx;
    if (lw->fd >= 0)
        (void)lwip_close(lw->fd);
    lw->fd = -1;
    lw->eof = 0;
}

/* One address: TNX_IO_OK with the socket in lw->fd, or a TNX_IO_ code. */
static int connect_one(tnx_lwip *lw, const struct sockaddr *sa,
                       socklen_t salen, uint32_t start, uint32_t timeout_ms)
{
    int s, rc, err = 0, one = 1;
    socklen_t len = sizeof err;

    s = lwip_socket(sa->sa_family, SOCK_STREAM, IPPROTO_TCP);
    if (s < 0)
        return lw_fail(lw, TNX_IO_ERROR);
    if (lwip_fcntl(s, F_SETFL, O_NONBLOCK) != 0)
        err = errno;
    else if (lwip_connect(s, sa, salen) != 0)
        err = errno;
    if (err == EINPROGRESS) {
        rc = wait_fd(s, 1, start, timeout_ms);
        if (rc != TNX_IO_OK) {
            lw->last_error = rc == TNX_IO_TIMEOUT ? ETIMEDOUT : errno;
            (void)lwip_close(s);
            return rc;
        }
        err = 0;
        if (lwip_getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
    }
    if (err != 0) {
        lw->last_error = err;
        (void)lwip_close(s);
        /* lwIP reports the RST that answers a SYN as ECONNRESET. */
        if (err == ECONNREFUSED || err == ECONNRESET)
            return TNX_IO_REFUSED;
        return err == ETIMEDOUT ? TNX_IO_TIMEOUT : TNX_IO_ERROR;
    }
#ifdef TCP_NODELAY
    (void)lwip_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#endif
    (void)one;
    lw->fd = s;
    return TNX_IO_OK;
}

#if LWIP_DNS
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

/* Every address lwip_getaddrinfo gives, until one connects or the
 * deadline passes; otherwise the last failure. */
static int lw_connect(void *ctx, const char *host, uint16_t port,
                      uint32_t timeout_ms)
{
    tnx_lwip *lw = (tnx_lwip *)ctx;
    uint32_t start = lw_now(NULL);
    struct addrinfo hints, *list = NULL, *ai;
    int rc = TNX_IO_NO_HOST;

    lw_close(lw);
    lw->last_error = 0;
    if (is_invalid_name(host))
        return TNX_IO_NO_HOST;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = lwip_getaddrinfo(host, NULL, &hints, &list);
    if (rc != 0 || list == NULL) {
        lw->last_error = rc;            /* an EAI_ code */
        return TNX_IO_NO_HOST;
    }
    rc = TNX_IO_NO_HOST;
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET)
            ((struct sockaddr_in *)(void *)ai->ai_addr)->sin_port =
                lwip_htons(port);
#if LWIP_IPV6
        else if (ai->ai_family == AF_INET6)
            ((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_port =
                lwip_htons(port);
#endif
        else
            continue;
        rc = connect_one(lw, ai->ai_addr, ai->ai_addrlen, start, timeout_ms);
        if (rc == TNX_IO_OK || rc == TNX_IO_TIMEOUT)
            break;
    }
    lwip_freeaddrinfo(list);
    return rc;
}
#else
/* No DNS in this lwIP: an IPv6 or IPv4 literal, or TNX_IO_NO_HOST. */
static int lw_connect(void *ctx, const char *host, uint16_t port,
                      uint32_t timeout_ms)
{
    tnx_lwip *lw = (tnx_lwip *)ctx;
    uint32_t start = lw_now(NULL);
    struct sockaddr_storage ss;
    struct sockaddr *sa = (struct sockaddr *)(void *)&ss;

    lw_close(lw);
    lw->last_error = 0;
    memset(&ss, 0, sizeof ss);
#if LWIP_IPV6
    {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)&ss;
        if (lwip_inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
            a6->sin6_family = AF_INET6;
            a6->sin6_port = lwip_htons(port);
            return connect_one(lw, sa, sizeof *a6, start, timeout_ms);
        }
    }
#endif
#if LWIP_IPV4
    {
        struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)&ss;
        if (lwip_inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
            a4->sin_family = AF_INET;
            a4->sin_port = lwip_htons(port);
            return connect_one(lw, sa, sizeof *a4, start, timeout_ms);
        }
    }
#endif
    (void)sa;
    return TNX_IO_NO_HOST;          /* a name, ".invalid" ones included */
}
#endif

/* send (sbuf) or recv (rbuf): try at once; wait only when it would block.
 * A second would-block after the deadline ends it (a socket that polls
 * ready but has nothing must not spin past timeout_ms). */
static int lw_io(tnx_lwip *lw, const uint8_t *sbuf, uint8_t *rbuf,
                 size_t len, uint32_t timeout_ms)
{
    uint32_t start = lw_now(NULL);
    int waited = 0;

    if (lw->fd < 0 || len == 0)
        return TNX_IO_ERROR;
    if (!sbuf && lw->eof)
        return TNX_IO_CLOSED;
    if (len > INT_MAX)
        len = INT_MAX;
    for (;;) {
        ssize_t n = sbuf ? lwip_send(lw->fd, sbuf, len, 0)
                         : lwip_recv(lw->fd, rbuf, len, 0);
        int rc;

        if (n > 0)
            return (int)n;
        if (n == 0) {
            lw->eof = 1;            /* recv only: send of len > 0 is > 0 */
            return TNX_IO_CLOSED;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return lw_fail(lw, TNX_IO_ERROR);   /* ECONNRESET, ENOTCONN */
        if (waited && lw_now(NULL) - start >= timeout_ms)
            return TNX_IO_TIMEOUT;
        rc = wait_fd(lw->fd, sbuf != NULL, start, timeout_ms);
        if (rc != TNX_IO_OK)
            return rc == TNX_IO_ERROR ? lw_fail(lw, rc) : rc;
        waited = 1;
    }
}

static int lw_send(void *ctx, const uint8_t *buf, size_t len,
                   uint32_t timeout_ms)
{
    return lw_io((tnx_lwip *)ctx, buf, NULL, len, timeout_ms);
}

static int lw_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    return lw_io((tnx_lwip *)ctx, NULL, buf, len, timeout_ms);
}

static int lw_entropy(void *ctx, uint8_t *buf, size_t len)
{
    tnx_lwip *lw = (tnx_lwip *)ctx;
    return lw->trng(buf, len) == 0 ? 0 : -1;
}

void tnx_lwip_port(tnx_port *p, tnx_lwip *ctx,
                   int (*trng)(uint8_t *buf, size_t len))
{
    ctx->fd = -1;
    ctx->eof = 0;
    ctx->last_error = 0;
    ctx->trng = trng;
    p->connect = lw_connect;
    p->send = lw_send;
    p->recv = lw_recv;
    p->close = lw_close;
    p->now_ms = lw_now;
    p->entropy = trng ? lw_entropy : NULL;
    /* lwIP has no portable sleep: retries that must wait are not made
     * unless the application sets p->sleep to its RTOS's delay. */
    p->sleep = NULL;
    p->ctx = ctx;
}

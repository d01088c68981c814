/* tnx_port_freertos.c - socket hooks over FreeRTOS+TCP: blocking
 * FreeRTOS_* sockets whose FREERTOS_SO_RCVTIMEO and FREERTOS_SO_SNDTIMEO
 * are set to what is left of the deadline before every call.
 *
 * Clock:   xTaskGetTickCount(), turned into milliseconds in ctx so that
 *          it wraps at 2^32 ms whatever configTICK_RATE_HZ and the tick
 *          width are (call now_ms at least once per tick-counter wrap).
 * Entropy: xApplicationGetRandomNumber(), the application's TRNG hook.
 * Names:   FreeRTOS_getaddrinfo, IPv4 (A records); an IPv6 literal
 *          connects over IPv6 when ipconfigUSE_IPv6 is on.  A lookup
 *          blocks up to ipconfigDNS_RECEIVE_BLOCK_TIME_TICKS for each of
 *          ipconfigDNS_REQUEST_ATTEMPTS, whatever timeout_ms is.
 * Results: FreeRTOS_recv returns 0 on a timeout, not on a close; a close
 *          and a reset both return -pdFREERTOS_ERRNO_ENOTCONN, and the
 *          TCP state tells them apart (eCLOSED after a RST, eCLOSE_WAIT
 *          once the stack has answered the peer's FIN).
 */
#include "tnx_port_freertos.h"

#include <limits.h>
#include <string.h>

#include "FreeRTOS.h"
#include "task.h"
#include "FreeRTOS_IP.h"
#include "FreeRTOS_Sockets.h"
#include "FreeRTOS_DNS.h"

static uint32_t fr_now(void *ctx)
{
    tnx_freertos *f = (tnx_freertos *)ctx;
    TickType_t tick = xTaskGetTickCount();
    uint64_t ms = (uint64_t)(TickType_t)(tick - (TickType_t)f->last_tick) *
                  1000u + f->ms_rest;

    f->last_tick = (uint64_t)tick;
    f->ms += (uint32_t)(ms / configTICK_RATE_HZ);
    f->ms_rest = (uint32_t)(ms % configTICK_RATE_HZ);
    return f->ms;
}

/* Ticks that cover at least ms milliseconds: rounded up, plus one for the
 * tick already under way; below portMAX_DELAY, which means "forever". */
static TickType_t ticks_for(uint32_t ms)
{
    uint64_t t = ((uint64_t)ms * configTICK_RATE_HZ + 999u) / 1000u + 1u;
    return t >= (uint64_t)portMAX_DELAY ? portMAX_DELAY - 1u : (TickType_t)t;
}

static uint32_t left_of(tnx_freertos *f, uint32_t start, uint32_t timeout)
{
    uint32_t spent = fr_now(f) - start;
    return spent < timeout ? timeout - spent : 0;
}

static void set_timeout(Socket_t s, int32_t option, uint32_t ms)
{
    TickType_t ticks = ms ? ticks_for(ms) : 0;
    (void)FreeRTOS_setsockopt(s, 0, option, &ticks, sizeof ticks);
}

static void fr_close(void *ctx)
{
    tnx_freertos *f = (tnx_freertos *)ctx;
    if (f->sock != NULL)
        (void)FreeRTOS_closesocket((Socket_t)f->sock);
    f->sock = NULL;
    f->eof = 0;
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

/* One address: TNX_IO_OK with the socket in f->sock, or a TNX_IO_ code.
 * FreeRTOS_connect waits up to the socket's receive timeout. */
static int connect_one(tnx_freertos *f, struct freertos_sockaddr *addr,
                       uint32_t left)
{
    Socket_t s;
    BaseType_t rc, state;

    s = FreeRTOS_socket(addr->sin_family, FREERTOS_SOCK_STREAM,
                        FREERTOS_IPPROTO_TCP);
    if (s == FREERTOS_INVALID_SOCKET) {
        f->last_error = pdFREERTOS_ERRNO_ENOMEM;
        return TNX_IO_ERROR;
    }
    set_timeout(s, FREERTOS_SO_RCVTIMEO, left);
    rc = FreeRTOS_connect(s, addr, sizeof *addr);
    if (rc == 0) {
        f->sock = s;
        return TNX_IO_OK;
    }
    f->last_error = (int)-rc;
    state = FreeRTOS_connstatus(s);
    (void)FreeRTOS_closesocket(s);
    if (rc == -pdFREERTOS_ERRNO_ETIMEDOUT ||
        rc == -pdFREERTOS_ERRNO_EWOULDBLOCK)
        return TNX_IO_TIMEOUT;
    /* A RST to the SYN leaves eCLOSED; giving up after the SYN retries
     * leaves eCLOSE_WAIT. */
    if (rc == -pdFREERTOS_ERRNO_ENOTCONN && state == (BaseType_t)eCLOSED)
        return TNX_IO_REFUSED;
    return TNX_IO_ERROR;
}

/* An IPv6 literal, or the IPv4 addresses of a name or literal, in order,
 * until one connects or the deadline passes. */
static int fr_connect(void *ctx, const char *host, uint16_t port,
                      uint32_t timeout_ms)
{
    tnx_freertos *f = (tnx_freertos *)ctx;
    uint32_t start = fr_now(f);
    struct freertos_addrinfo hints, *list = NULL, *ai;
    BaseType_t found;
    int rc = TNX_IO_NO_HOST;

    fr_close(f);
    f->last_error = 0;
    if (is_invalid_name(host))
        return TNX_IO_NO_HOST;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = FREERTOS_AF_INET;
#if ipconfigUSE_IPv6 != 0
    if (strchr(host, ':') != NULL)
        hints.ai_family = FREERTOS_AF_INET6;
#endif
    found = FreeRTOS_getaddrinfo(host, NULL, &hints, &list);
    if (found != 0 || list == NULL) {
        f->last_error = (int)-found;
        return TNX_IO_NO_HOST;
    }
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        ai->ai_addr->sin_port = FreeRTOS_htons(port);
        rc = connect_one(f, ai->ai_addr, left_of(f, start, timeout_ms));
        if (rc == TNX_IO_OK || rc == TNX_IO_TIMEOUT)
            break;
    }
    FreeRTOS_freeaddrinfo(list);
    return rc;
}

/* FreeRTOS_send queues what fits before its timeout: a part is returned,
 * nothing queued is -ENOSPC.  Waits again while timeout_ms is not over. */
static int fr_send(void *ctx, const uint8_t *buf, size_t len,
                   uint32_t timeout_ms)
{
    tnx_freertos *f = (tnx_freertos *)ctx;
    uint32_t start = fr_now(f), left = timeout_ms;

    if (f->sock == NULL || len == 0)
        return TNX_IO_ERROR;
    if (len > INT_MAX)
        len = INT_MAX;
    for (;;) {
        BaseType_t n;

        set_timeout((Socket_t)f->sock, FREERTOS_SO_SNDTIMEO, left);
        n = FreeRTOS_send((Socket_t)f->sock, buf, len, 0);
        if (n > 0)
            return (int)n;
        if (n != 0 && n != -pdFREERTOS_ERRNO_ENOSPC) {
            f->last_error = (int)-n;        /* ENOTCONN: closed or reset */
            return TNX_IO_ERROR;
        }
        left = left_of(f, start, timeout_ms);
        if (left == 0)
            return TNX_IO_TIMEOUT;
    }
}

static int fr_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    tnx_freertos *f = (tnx_freertos *)ctx;
    uint32_t start = fr_now(f), left = timeout_ms;

    if (f->sock == NULL || len == 0)
        return TNX_IO_ERROR;
    if (f->eof)
        return TNX_IO_CLOSED;
    if (len > INT_MAX)
        len = INT_MAX;
    for (;;) {
        BaseType_t n;

        set_timeout((Socket_t)f->sock, FREERTOS_SO_RCVTIMEO, left);
        n = FreeRTOS_recv((Socket_t)f->sock, buf, len, 0);
        if (n > 0)
            return (int)n;
        if (n == -pdFREERTOS_ERRNO_ENOTCONN) {
            BaseType_t state = FreeRTOS_connstatus((Socket_t)f->sock);
            if (state == (BaseType_t)eCLOSED) {
                f->last_error = pdFREERTOS_ERRNO_ENOTCONN;
                return TNX_IO_ERROR;        /* a RST */
            }
            f->eof = 1;
            return TNX_IO_CLOSED;
        }
        if (n != 0 && n != -pdFREERTOS_ERRNO_EINTR &&
            n != -pdFREERTOS_ERRNO_EWOULDBLOCK) {
            f->last_error = (int)-n;        /* ENOMEM, EINVAL */
            return TNX_IO_ERROR;
        }
        left = left_of(f, start, timeout_ms);
        if (left == 0)
            return TNX_IO_TIMEOUT;          /* 0 is FreeRTOS's timeout */
    }
}

static int fr_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    while (len > 0) {
        uint32_t word;
        size_t n = len < sizeof word ? len : sizeof word;

        if (xApplicationGetRandomNumber(&word) != pdTRUE)
            return -1;
        memcpy(buf, &word, n);
        buf += n;
        len -= n;
    }
    return 0;
}

void tnx_freertos_port(tnx_port *p, tnx_freertos *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->last_tick = (uint64_t)xTaskGetTickCount();
    p->connect = fr_connect;
    p->send = fr_send;
    p->recv = fr_recv;
    p->close = fr_close;
    p->now_ms = fr_now;
    p->entropy = fr_entropy;
    /* NULL: retries that must wait are not made.  Point it at a wrapper
     * of vTaskDelay to have them (not compiled here: unverified). */
    p->sleep = NULL;
    p->ctx = ctx;
}

/* tnx_port_win.c - socket hooks over Winsock 2: getaddrinfo, a
 * non-blocking socket, and select() for every deadline.  select, not
 * WSAPoll: WSAPoll does not report a refused connect on Windows before
 * 10 2004.
 *
 * Clock:   QueryPerformanceCounter, in uint32 milliseconds.
 * Entropy: BCryptGenRandom with the system's preferred generator.
 * Names:   getaddrinfo blocks as long as the DNS client takes, whatever
 *          timeout_ms is.
 */
#define WIN32_LEAN_AND_MEAN
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0600         /* Vista: BCryptGenRandom */
#endif

#include "tnx_port_win.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <bcrypt.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* QueryPerformanceCounter, not GetTickCount64: that one moves in steps of
 * 10-16 ms, so 50 ms can read as 47. */
static uint32_t win_now(void *ctx)
{
    LARGE_INTEGER count, freq;
    uint64_t c, f;

    (void)ctx;
    if (!QueryPerformanceFrequency(&freq) || !QueryPerformanceCounter(&count))
        return 0;               /* never fails on XP and later */
    c = (uint64_t)count.QuadPart;
    f = (uint64_t)freq.QuadPart;
    return (uint32_t)(c / f * 1000u + c % f * 1000u / f);
}

static int win_fail(tnx_win *w, int rc)
{
    w->last_error = WSAGetLastError();
    return rc;
}

/* Waits until s can be written (out) or read, or timeout_ms have passed
 * since start.  A failed connect shows in the exception set. */
static int wait_sock(SOCKET s, int out, uint32_t start, uint32_t timeout_ms)
{
    for (;;) {
        uint32_t spent = win_now(NULL) - start;
        uint32_t left = spent < timeout_ms ? timeout_ms - spent : 0;
        fd_set set, err;
        struct timeval tv;
        int rc;

        FD_ZERO(&set);
        FD_ZERO(&err);
        FD_SET(s, &set);
        FD_SET(s, &err);
        tv.tv_sec = (long)(left / 1000u);
        tv.tv_usec = (long)(left % 1000u) * 1000;
        rc = select(0, out ? NULL : &set, out ? &set : NULL, &err, &tv);
        if (rc > 0)
            return TNX_IO_OK;   /* errors too: the next call reports them */
        if (rc < 0)
            return TNX_IO_ERROR;
        if (left == 0)
            return TNX_IO_TIMEOUT;
    }
}

static void win_close(void *ctx)
{
    tnx_win *w = (tnx_win *)ctx;
    if ((SOCKET)w->sock != INVALID_SOCKET)
        (void)closesocket((SOCKET)w->sock);
    w->sock = (uintptr_t)INVALID_SOCKET;
}

/* RFC 6761 6.4: names under "invalid" never resolve, so no DNS query. */
static int is_invalid_name(const char *host)
{
    size_t n = strlen(host);
    if (n > 0 && host[n - 1] == '.')
        n--;
    if (n < 7 || (n > 7 && host[n - 8] != '.'))
        return 0;
    return _strnicmp(host + n - 7, "invalid", 7) == 0;
}

/* One address: TNX_IO_OK with the socket in w->sock, or a TNX_IO_ code. */
static int connect_one(tnx_win *w, const struct addrinfo *ai, uint32_t start,
                       uint32_t timeout_ms)
{
    u_long on = 1;
    BOOL nodelay = TRUE;
    int rc, err = 0, len = (int)sizeof err;
    SOCKET s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);

    if (s == INVALID_SOCKET)
        return win_fail(w, TNX_IO_ERROR);
    if (ioctlsocket(s, (long)FIONBIO, &on) != 0)
        err = WSAGetLastError();
    else if (connect(s, ai->ai_addr, (int)ai->ai_addrlen) != 0)
        err = WSAGetLastError();
    if (err == WSAEWOULDBLOCK) {
        rc = wait_sock(s, 1, start, timeout_ms);
        if (rc != TNX_IO_OK) {
            w->last_error = rc == TNX_IO_TIMEOUT ? WSAETIMEDOUT
                                                 : WSAGetLastError();
            closesocket(s);
            return rc;
        }
        err = 0;
        if (getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&err, &len) != 0)
            err = WSAGetLastError();
    }
    if (err != 0) {
        w->last_error = err;
        closesocket(s);
        if (err == WSAECONNREFUSED)
            return TNX_IO_REFUSED;
        return err == WSAETIMEDOUT ? TNX_IO_TIMEOUT : TNX_IO_ERROR;
    }
    (void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&nodelay,
                     (int)sizeof nodelay);
    w->sock = (uintptr_t)s;
    return TNX_IO_OK;
}

/* Every address getaddrinfo gives (IPv6 and IPv4) until one connects or
 * the deadline passes; otherwise the last failure. */
static int win_connect(void *ctx, const char *host, uint16_t port,
                       uint32_t timeout_ms)
{
    tnx_win *w = (tnx_win *)ctx;
    uint32_t start = win_now(NULL);
    struct addrinfo hints, *list, *ai;
    char service[8];
    int rc = TNX_IO_NO_HOST;

    win_close(w);
    w->last_error = 0;
    if (is_invalid_name(host))
        return TNX_IO_NO_HOST;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV;
    sprintf(service, "%u", (unsigned)port);
    rc = getaddrinfo(host, service, &hints, &list);
    if (rc != 0) {
        w->last_error = rc;         /* a WSA error: WSAHOST_NOT_FOUND */
        return TNX_IO_NO_HOST;
    }
    rc = TNX_IO_NO_HOST;
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        rc = connect_one(w, ai, start, timeout_ms);
        if (rc == TNX_IO_OK || rc == TNX_IO_TIMEOUT)
            break;
    }
    freeaddrinfo(list);
    return rc;
}

/* send (sbuf) or recv (rbuf): try at once; wait only when it would block.
 * A second would-block after the deadline ends it. */
static int win_io(tnx_win *w, const uint8_t *sbuf, uint8_t *rbuf,
                  size_t len, uint32_t timeout_ms)
{
    SOCKET s = (SOCKET)w->sock;
    uint32_t start = win_now(NULL);
    int waited = 0;

    if (s == INVALID_SOCKET || len == 0)
        return TNX_IO_ERROR;
    if (len > INT_MAX)
        len = INT_MAX;
    for (;;) {
        int n = sbuf ? send(s, (const char *)sbuf, (int)len, 0)
                     : recv(s, (char *)rbuf, (int)len, 0);
        int rc;

        if (n > 0)
            return n;
        if (n == 0)
            return TNX_IO_CLOSED;   /* recv only: send of len > 0 is > 0 */
        if (WSAGetLastError() != WSAEWOULDBLOCK)
            return win_fail(w, TNX_IO_ERROR);   /* WSAECONNRESET, ... */
        if (waited && win_now(NULL) - start >= timeout_ms)
            return TNX_IO_TIMEOUT;
        rc = wait_sock(s, sbuf != NULL, start, timeout_ms);
        if (rc != TNX_IO_OK)
            return rc == TNX_IO_ERROR ? win_fail(w, rc) : rc;
        waited = 1;
    }
}

static int win_send(void *ctx, const uint8_t *buf, size_t len,
                    uint32_t timeout_ms)
{
    return win_io((tnx_win *)ctx, buf, NULL, len, timeout_ms);
}

static int win_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    return win_io((tnx_win *)ctx, NULL, buf, len, timeout_ms);
}

static int win_entropy(void *ctx, uint8_t *buf, size_t len)
{
    tnx_win *w = (tnx_win *)ctx;

    while (len > 0) {
        ULONG n = len > ULONG_MAX ? ULONG_MAX : (ULONG)len;
        NTSTATUS st = BCryptGenRandom(NULL, buf, n,
                                      BCRYPT_USE_SYSTEM_PREFERRED_RNG);
        if (st < 0) {                   /* not NT_SUCCESS */
            w->last_error = (int)st;
            return -1;
        }
        buf += n;
        len -= n;
    }
    return 0;
}

/* Retry waits: Sleep() gives up the thread for at least ms. */
static void win_sleep(void *ctx, uint32_t ms)
{
    (void)ctx;
    Sleep((DWORD)ms);
}

int tnx_win_port(tnx_port *p, tnx_win *ctx)
{
    WSADATA wsa;
    int rc = WSAStartup(MAKEWORD(2, 2), &wsa);

    ctx->sock = (uintptr_t)INVALID_SOCKET;
    ctx->last_error = rc;
    p->connect = win_connect;
    p->send = win_send;
    p->recv = win_recv;
    p->close = win_close;
    p->now_ms = win_now;
    p->entropy = win_entropy;
    p->sleep = win_sleep;
    p->ctx = ctx;
    return rc;
}

void tnx_win_port_done(tnx_win *ctx)
{
    win_close(ctx);
    (void)WSACleanup();
}

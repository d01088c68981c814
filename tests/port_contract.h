/* port_contract.h - checks that a tnx_port keeps the contract of the socket
 * hooks (telnyx_porting.h, "Socket hooks"; ports/README.md).
 *
 * In exactly one C file, before any other include:
 *
 *     #define _POSIX_C_SOURCE 200809L
 *     #define PORT_CONTRACT_IMPLEMENTATION
 *     #include "port_contract.h"
 *
 *     pc_tally t = {0, 0};
 *     pc_run_basics(&t, "myport", &port, 1);
 *     pc_run_sockets(&t, "myport", &port);
 *     return pc_summary(&t);
 *
 * pc_run_sockets needs a port that reaches this machine's loopback: the
 * checks start their own servers on 127.0.0.1 and ::1 (ephemeral ports,
 * plain POSIX calls, one thread) and aim at nothing else.  One line per
 * check: "ok - name" or "FAIL - name: detail"; "skip - name: why" when the
 * machine cannot set the check up (not counted).
 *
 * Optional checks, off unless the machine is set up for them (see
 * tests/run_port_contract.sh):
 *   PC_DUAL_NAME=name  a name that resolves to exactly ::1 and 127.0.0.1:
 *                      connect must try the second address when the first
 *                      refuses.
 *   a network namespace with only "lo": a DNS lookup fails at once, so
 *   connect's getaddrinfo failure path is checked without any traffic.
 */
#ifndef PORT_CONTRACT_H
#define PORT_CONTRACT_H

#include "telnyx_porting.h"

typedef struct pc_tally {
    unsigned passed, failed;
} pc_tally;

/* Prints "ok - tag: name" or "FAIL - tag: name: <detail>"; counts it.
 * Returns ok. */
int pc_check(pc_tally *t, int ok, const char *tag, const char *name,
             const char *detail_fmt, ...);
void pc_skip(const char *tag, const char *name, const char *why);
/* Prints "N passed, M failed"; returns the exit status (0: all passed). */
int pc_summary(const pc_tally *t);

/* Any port: clock, entropy, close.  real_clock: the clock also has to keep
 * time across a 50 ms sleep (not for a fake clock). */
void pc_run_basics(pc_tally *t, const char *tag, const tnx_port *p,
                   int real_clock);
/* A port that reaches this machine's loopback, over real sockets. */
void pc_run_sockets(pc_tally *t, const char *tag, const tnx_port *p);

#endif /* PORT_CONTRACT_H */

/* ======================================================================== */
#ifdef PORT_CONTRACT_IMPLEMENTATION

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
/* Winsock: the same calls, with a SOCKET where POSIX has an int (a SOCKET
 * fits in one: Windows keeps handles to 32 bits), char buffers and int
 * sizes.  INVALID_SOCKET becomes -1. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

static int pc__win_nonblock(int fd)
{
    u_long on = 1;
    return ioctlsocket((SOCKET)fd, (long)FIONBIO, &on);
}
#define PC_SOCKET(d, t, p) ((int)socket((d), (t), (p)))
#define PC_SETSOCKOPT(s, l, o, v, n) \
    setsockopt((SOCKET)(s), (l), (o), (const char *)(v), (int)(n))
#define PC_BIND(s, a, n) bind((SOCKET)(s), (a), (int)(n))
#define PC_LISTEN(s, b) listen((SOCKET)(s), (b))
#define PC_GETSOCKNAME(s, a, n) getsockname((SOCKET)(s), (a), (n))
#define PC_ACCEPT(s, a, n) ((int)accept((SOCKET)(s), (a), (n)))
#define PC_CONNECT(s, a, n) connect((SOCKET)(s), (a), (int)(n))
#define PC_SEND(s, b, n, f) \
    send((SOCKET)(s), (const char *)(b), (int)(n), (f))
#define PC_RECV(s, b, n, f) recv((SOCKET)(s), (char *)(b), (int)(n), (f))
#define PC_CLOSE(s) closesocket((SOCKET)(s))
#define PC_POLL(f, n, t) WSAPoll((f), (ULONG)(n), (t))
#define PC_NONBLOCK(s) pc__win_nonblock(s)
#define PC_SOCK(fd) ((SOCKET)(fd))
#else
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#endif

#ifndef PC_SOCK
#define PC_SOCK(fd) (fd)        /* an int as the stack's pollfd.fd */
#endif

/* The checks' own servers use the host's sockets.  A stack with sockets of
 * its own (lwIP's unix port runs one in this process) names its calls here
 * before the include, so that servers and port share one network. */
#ifndef PC_SOCKET
#define PC_SOCKET socket
#define PC_SETSOCKOPT setsockopt
#define PC_BIND bind
#define PC_LISTEN listen
#define PC_GETSOCKNAME getsockname
#define PC_ACCEPT accept
#define PC_CONNECT connect
#define PC_SEND send
#define PC_RECV recv
#define PC_CLOSE close
#define PC_POLL poll
#define PC_NONBLOCK(fd) fcntl((fd), F_SETFL, O_NONBLOCK)
#endif
/* PC_SILENT_ADDR: an address whose SYNs get no answer on that network, for
 * the mid-connect timeout (else a listener with a full accept queue).
 * PC_ISOLATED: 1 when no lookup the port makes can leave this machine. */
#ifndef PC_ISOLATED
#define PC_ISOLATED 0
#endif
/* PC_RESET_SKIP: why the peer's resets cannot be made here (a string), or
 * NULL. */
#ifndef PC_RESET_SKIP
#define PC_RESET_SKIP NULL
#endif

/* Generous: the checks prove that a hook returns, not how fast. */
#define PC_SLACK_MS 5000u

int pc_check(pc_tally *t, int ok, const char *tag, const char *name,
             const char *detail_fmt, ...)
{
    va_list ap;

    if (ok) {
        printf("ok - %s: %s\n", tag, name);
        t->passed++;
        return 1;
    }
    printf("FAIL - %s: %s: ", tag, name);
    va_start(ap, detail_fmt);
    vprintf(detail_fmt, ap);
    va_end(ap);
    printf("\n");
    t->failed++;
    return 0;
}

void pc_skip(const char *tag, const char *name, const char *why)
{
    printf("skip - %s: %s: %s\n", tag, name, why);
}

int pc_summary(const pc_tally *t)
{
    printf("%u passed, %u failed\n", t->passed, t->failed);
    return t->failed == 0 && t->passed > 0 ? 0 : 1;
}

/* The test's own clock, independent of the port's. */
#ifdef _WIN32
static uint32_t pc__ms(void)
{
    return (uint32_t)GetTickCount64();
}

static void pc__sleep(int ms)
{
    Sleep((DWORD)ms);
}
#else
static uint32_t pc__ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u +
                      (uint64_t)ts.tv_nsec / 1000000u);
}

static void pc__sleep(int ms)
{
    (void)poll(NULL, 0, ms);     /* a sleep, on the host */
}
#endif

/* Bytes that differ at every offset a buffer could be cut or reordered. */
static uint8_t pc__pattern(size_t i)
{
    return (uint8_t)((i * 7u) ^ (i >> 9) ^ (i >> 17));
}

/* ---- basics --------------------------------------------------------- */

static void pc__check_clock(pc_tally *t, const char *tag, const tnx_port *p,
                            int real_clock)
{
    uint32_t first = p->now_ms(p->ctx), prev = first, now, i;
    uint32_t backwards = 0;

    for (i = 0; i < 10000; i++) {
        now = p->now_ms(p->ctx);
        if ((int32_t)(now - prev) < 0)
            backwards++;
        prev = now;
    }
    pc_check(t, backwards == 0, tag, "clock never goes backwards",
             "%u of 10000 readings went back", backwards);
    if (!real_clock)
        return;
    first = p->now_ms(p->ctx);
    pc__sleep(50);
    now = p->now_ms(p->ctx) - first;
    pc_check(t, now >= 50 && now < 50 + PC_SLACK_MS, tag,
             "clock keeps time across a 50 ms sleep", "%u ms passed", now);
}

static void pc__check_entropy(pc_tally *t, const char *tag, const tnx_port *p)
{
    uint8_t a[64], b[64], big[4096];
    size_t i, same = 0;
    int rc1, rc2, rc3;

    if (!p->entropy) {
        pc_skip(tag, "entropy", "the port has none (TNX_NO_TLS builds only)");
        return;
    }
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    rc1 = p->entropy(p->ctx, a, sizeof a);
    rc2 = p->entropy(p->ctx, b, sizeof b);
    rc3 = p->entropy(p->ctx, big, sizeof big);
    for (i = 1; i < sizeof a; i++)
        same += a[i] == a[0];
    pc_check(t, rc1 == 0 && rc2 == 0 && rc3 == 0, tag, "entropy returns 0",
             "returned %d, %d, %d", rc1, rc2, rc3);
    pc_check(t, same < sizeof a - 1, tag, "entropy bytes are not all equal",
             "all 64 bytes are 0x%02x", a[0]);
    pc_check(t, memcmp(a, b, sizeof a) != 0, tag,
             "entropy differs between calls", "two calls gave the same bytes");
}

static void pc__check_close(pc_tally *t, const char *tag, const tnx_port *p)
{
    uint8_t byte = 'x';
    int s, r;

    p->close(p->ctx);           /* before any connect */
    p->close(p->ctx);           /* and twice */
    s = p->send(p->ctx, &byte, 1, 0);
    r = p->recv(p->ctx, &byte, 1, 0);
    pc_check(t, s < 0 && r < 0, tag,
             "close twice is safe; send/recv unconnected fail",
             "send returned %d, recv %d", s, r);
}

/* The optional sleep hook: NULL, or a wait of at least ms by now_ms.  The
 * tests fill the tnx_port with garbage before the port's setup function,
 * so a setup that forgets the hook crashes here instead of in a retry. */
static void pc__check_sleep(pc_tally *t, const char *tag, const tnx_port *p)
{
    uint32_t t0, dt;
    if (!p->sleep) {
        pc_check(t, 1, tag, "sleep hook is NULL (retries that wait are off)",
                 "%s", "");
        return;
    }
    t0 = p->now_ms(p->ctx);
    p->sleep(p->ctx, 30);
    dt = p->now_ms(p->ctx) - t0;
    pc_check(t, dt >= 30, tag, "sleep(30) waits at least 30 ms by now_ms",
             "it waited %u ms", (unsigned)dt);
}

void pc_run_basics(pc_tally *t, const char *tag, const tnx_port *p,
                   int real_clock)
{
    pc__check_clock(t, tag, p, real_clock);
    pc__check_entropy(t, tag, p);
    pc__check_close(t, tag, p);
    pc__check_sleep(t, tag, p);
}

/* ---- loopback servers ----------------------------------------------- */

/* A listening socket on 127.0.0.1 or ::1, port `want` or an ephemeral
 * one.  rcvbuf > 0 shrinks the receive buffer of accepted sockets. */
static int pc__listen(int family, uint16_t want, int backlog, int rcvbuf,
                      uint16_t *port)
{
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    struct sockaddr *sa;
    socklen_t len;
    int fd, one = 1;

    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    a4.sin_family = AF_INET;
    a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a4.sin_port = htons(want);
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_loopback;
    a6.sin6_port = htons(want);
    sa = family == AF_INET6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4;
    len = family == AF_INET6 ? sizeof a6 : sizeof a4;

    fd = PC_SOCKET(family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (family == AF_INET6)
        (void)PC_SETSOCKOPT(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
                            sizeof one);
    if (rcvbuf > 0)
        (void)PC_SETSOCKOPT(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
                            sizeof rcvbuf);
    if (PC_BIND(fd, sa, len) != 0 || PC_LISTEN(fd, backlog) != 0 ||
        PC_GETSOCKNAME(fd, sa, &len) != 0) {
        PC_CLOSE(fd);
        return -1;
    }
    *port = ntohs(family == AF_INET6 ? a6.sin6_port : a4.sin_port);
    return fd;
}

/* Waits up to timeout_ms for fd to be readable; 1 if it is. */
static int pc__readable(int fd, int timeout_ms)
{
    struct pollfd pfd;
    pfd.fd = PC_SOCK(fd);
    pfd.events = POLLIN;
    pfd.revents = 0;
    return PC_POLL(&pfd, 1, timeout_ms) > 0;
}

static int pc__accept(int lfd)
{
    return pc__readable(lfd, 2000) ? PC_ACCEPT(lfd, NULL, NULL) : -1;
}

/* One read of up to cap bytes, waiting up to timeout_ms; 0 if none. */
static size_t pc__read(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
    long n;
    if (!pc__readable(fd, timeout_ms))
        return 0;
    n = (long)PC_RECV(fd, buf, cap, 0);
    return n > 0 ? (size_t)n : 0;
}

/* Reads from the port until `want` bytes, TNX_IO_CLOSED or an error, each
 * recv asking for at most `step`.  Returns the last recv result. */
static int pc__recv_all(const tnx_port *p, uint8_t *buf, size_t want,
                        size_t step, size_t *got)
{
    int n = TNX_IO_ERROR, i;

    *got = 0;
    for (i = 0; i < 1000 && *got < want; i++) {
        size_t ask = want - *got < step ? want - *got : step;
        n = p->recv(p->ctx, buf + *got, ask, 2000);
        if (n <= 0 || (size_t)n > ask)
            return n;
        *got += (size_t)n;
    }
    return n;
}

/* A connection from the port to a server of ours. */
typedef struct pc__conn {
    int lfd, fd;
    uint16_t port;
} pc__conn;

static void pc__drop(const tnx_port *p, pc__conn *c)
{
    p->close(p->ctx);
    if (c->fd >= 0)
        PC_CLOSE(c->fd);
    if (c->lfd >= 0)
        PC_CLOSE(c->lfd);
    c->fd = c->lfd = -1;
}

/* Listens, connects the port, accepts.  On failure reports it under
 * `name` and returns 0. */
static int pc__open(pc_tally *t, const char *tag, const char *name,
                    const tnx_port *p, int family, int rcvbuf, pc__conn *c)
{
    const char *host = family == AF_INET6 ? "::1" : "127.0.0.1";
    int rc;

    c->fd = -1;
    c->lfd = pc__listen(family, 0, 4, rcvbuf, &c->port);
    if (c->lfd < 0)
        return pc_check(t, 0, tag, name, "cannot listen on %s", host);
    rc = p->connect(p->ctx, host, c->port, 2000);
    if (rc == TNX_IO_OK)
        c->fd = pc__accept(c->lfd);
    if (rc != TNX_IO_OK || c->fd < 0) {
        pc__drop(p, c);
        return pc_check(t, 0, tag, name, "connect to %s returned %d", host,
                        rc);
    }
    return 1;
}

/* Both ways over one connection: 4 bytes out, 4 bytes back. */
static int pc__ping(const tnx_port *p, pc__conn *c)
{
    uint8_t buf[8];
    size_t got;

    if (p->send(p->ctx, (const uint8_t *)"ping", 4, 2000) != 4 ||
        pc__read(c->fd, buf, sizeof buf, 2000) != 4 ||
        memcmp(buf, "ping", 4) != 0 || PC_SEND(c->fd, "pong", 4, 0) != 4)
        return 0;
    return pc__recv_all(p, buf, 4, 4, &got) > 0 && got == 4 &&
           memcmp(buf, "pong", 4) == 0;
}

static void pc__check_connect(pc_tally *t, const char *tag, const tnx_port *p,
                              int family, const char *name)
{
    pc__conn c;
    int again;

    if (family == AF_INET6) {
        int fd = pc__listen(AF_INET6, 0, 1, 0, &c.port);
        if (fd < 0) {
            pc_skip(tag, name, "this machine has no IPv6 loopback");
            return;
        }
        PC_CLOSE(fd);
    }
    if (!pc__open(t, tag, name, p, family, 0, &c))
        return;
    again = pc__ping(p, &c);
    pc__drop(p, &c);
    pc_check(t, again, tag, name, "bytes did not go both ways");
}

/* PC_DUAL_NAME resolves to ::1 and 127.0.0.1 (checked here, so nothing
 * leaves the machine).  A server listens on one of them: whichever address
 * getaddrinfo puts first, one of the two rounds starts with a refusal. */
static void pc__check_dual(pc_tally *t, const char *tag, const tnx_port *p)
{
    static const char name[] = "connect tries the next address after a refusal";
    const char *dual = getenv("PC_DUAL_NAME");
    struct addrinfo hints, *list = NULL, *ai;
    int v4 = 0, v6 = 0, foreign = 0, round, ok = 1, last = 0;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    if (!dual || getaddrinfo(dual, "1", &hints, &list) != 0) {
        pc_skip(tag, name, "PC_DUAL_NAME unset or does not resolve");
        return;
    }
    for (ai = list; ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET &&
            ((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr ==
                htonl(INADDR_LOOPBACK))
            v4++;
        else if (ai->ai_family == AF_INET6 &&
                 IN6_IS_ADDR_LOOPBACK(
                     &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr))
            v6++;
        else
            foreign++;
    }
    freeaddrinfo(list);
    if (!v4 || !v6 || foreign) {
        pc_skip(tag, name, "PC_DUAL_NAME is not exactly ::1 and 127.0.0.1");
        return;
    }
    for (round = 0; round < 2 && ok; round++) {
        int family = round ? AF_INET6 : AF_INET, fd = -1, rc;
        uint16_t port = 0, unused;
        int tries;

        /* A port free on both families, so the other one refuses. */
        for (tries = 0; tries < 20 && fd < 0; tries++) {
            int other = family == AF_INET ? AF_INET6 : AF_INET;
            int probe = pc__listen(other, 0, 1, 0, &port);
            if (probe < 0)
                break;
            PC_CLOSE(probe);
            fd = pc__listen(family, port, 4, 0, &unused);
        }
        rc = fd < 0 ? TNX_IO_ERROR : p->connect(p->ctx, dual, port, 2000);
        if (rc == TNX_IO_OK) {
            int s = pc__accept(fd);     /* it reached our listener */
            if (s < 0)
                rc = TNX_IO_ERROR;
            else
                PC_CLOSE(s);
        }
        p->close(p->ctx);
        if (fd >= 0)
            PC_CLOSE(fd);
        ok = rc == TNX_IO_OK;
        last = rc;
    }
    pc_check(t, ok, tag, name, "server on %s only: connect returned %d",
             round == 1 ? "127.0.0.1" : "::1", last);
}

static void pc__check_recv_small(pc_tally *t, const char *tag,
                                 const tnx_port *p)
{
    static const char name[] = "recv returns what has arrived, len 1 too";
    uint8_t buf[64];
    pc__conn c;
    int one, rest;

    if (!pc__open(t, tag, name, p, AF_INET, 0, &c))
        return;
    (void)PC_SEND(c.fd, "hello world", 11, 0);
    pc__sleep(20);              /* let all 11 bytes arrive */
    one = p->recv(p->ctx, buf, 1, 2000);
    rest = p->recv(p->ctx, buf + 1, sizeof buf - 1, 2000);
    pc__drop(p, &c);
    pc_check(t, one == 1 && rest == 10 && memcmp(buf, "hello world", 11) == 0,
             tag, name, "recv gave %d then %d bytes", one, rest);
}

static void pc__check_peer_close(pc_tally *t, const char *tag,
                                 const tnx_port *p)
{
    static const char name[] = "data, then TNX_IO_CLOSED, and it stays";
    uint8_t buf[16];
    size_t got = 0;
    pc__conn c;
    int last, again;

    if (!pc__open(t, tag, name, p, AF_INET, 0, &c))
        return;
    (void)PC_SEND(c.fd, "bye", 3, 0);
    PC_CLOSE(c.fd);
    c.fd = -1;
    last = pc__recv_all(p, buf, sizeof buf, 2, &got);
    again = p->recv(p->ctx, buf, sizeof buf, 2000);
    pc__drop(p, &c);
    pc_check(t, got == 3 && memcmp(buf, "bye", 3) == 0 &&
             last == TNX_IO_CLOSED && again == TNX_IO_CLOSED, tag, name,
             "got %u bytes, then %d, then %d", (unsigned)got, last, again);
}

/* The peer resets while recv waits (early), or before recv is called. */
static void pc__check_reset(pc_tally *t, const char *tag, const tnx_port *p,
                            int early)
{
    const char *name = early ? "a reset while recv waits is TNX_IO_ERROR"
                             : "a reset before recv is TNX_IO_ERROR";
    struct linger lg;
    uint8_t buf[16];
    pc__conn c;
    int rc;

    if (PC_RESET_SKIP != NULL) {
        pc_skip(tag, name, PC_RESET_SKIP);
        return;
    }
    if (!pc__open(t, tag, name, p, AF_INET, 0, &c))
        return;
    /* Either makes close send RST, not FIN: Linux resets on linger 0,
     * lwIP only when received data is left unread. */
    lg.l_onoff = 1;
    lg.l_linger = 0;
    (void)PC_SETSOCKOPT(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    (void)p->send(p->ctx, (const uint8_t *)"unread", 6, 2000);
    (void)pc__readable(c.fd, 2000);
    PC_CLOSE(c.fd);
    c.fd = -1;
    if (!early)
        pc__sleep(100);         /* the RST is there before recv */
    rc = p->recv(p->ctx, buf, sizeof buf, 2000);
    pc__drop(p, &c);
    pc_check(t, rc == TNX_IO_ERROR, tag, name, "recv returned %d", rc);
}

/* Without MSG_NOSIGNAL (or SO_NOSIGPIPE) the process dies here. */
static void pc__check_send_closed(pc_tally *t, const char *tag,
                                  const tnx_port *p)
{
    static const char name[] =
        "send to a closed peer: TNX_IO_ERROR, no SIGPIPE";
    static uint8_t junk[16384];
    pc__conn c;
    int rc = 0, i;

    if (!pc__open(t, tag, name, p, AF_INET, 0, &c))
        return;
    PC_CLOSE(c.fd);
    c.fd = -1;
    for (i = 0; i < 50; i++) {
        rc = p->send(p->ctx, junk, sizeof junk, 2000);
        if (rc <= 0)
            break;
        pc__sleep(10);          /* the RST for the first write comes back */
    }
    pc__drop(p, &c);
    pc_check(t, rc == TNX_IO_ERROR, tag, name, "send returned %d (round %d)",
             rc, i);
}

static void pc__check_recv_timeout(pc_tally *t, const char *tag,
                                   const tnx_port *p)
{
    static const char name[] = "recv from a silent peer times out";
    uint8_t buf[16];
    uint32_t start, spent;
    pc__conn c;
    int rc, rc0;

    if (!pc__open(t, tag, name, p, AF_INET, 0, &c))
        return;
    rc0 = p->recv(p->ctx, buf, sizeof buf, 0);
    start = p->now_ms(p->ctx);
    rc = p->recv(p->ctx, buf, sizeof buf, 300);
    spent = p->now_ms(p->ctx) - start;
    pc__drop(p, &c);
    pc_check(t, rc0 == TNX_IO_TIMEOUT, tag,
             "recv with timeout 0 and nothing there: TNX_IO_TIMEOUT",
             "returned %d", rc0);
    pc_check(t, rc == TNX_IO_TIMEOUT && spent >= 300 &&
             spent < 300 + PC_SLACK_MS, tag, name,
             "returned %d after %u ms (timeout 300)", rc, spent);
}

/* 8 MiB to a reader with a small buffer: send must stop with a timeout
 * while the reader sleeps, then deliver every byte in order, in parts.
 * 8 MiB because Linux lets a loopback socket buffer up to 4 MiB
 * (tcp_wmem), so 1 MiB can go in one send. */
static void pc__check_send_big(pc_tally *t, const char *tag,
                               const tnx_port *p)
{
    enum { TOTAL = 8 << 20 };
    static uint8_t out[TOTAL], in[65536];
    size_t sent = 0, got = 0, i;
    unsigned partial = 0, wrong = 0, turn;
    uint32_t t0 = pc__ms();
    int rc = 0, bad = 0;
    pc__conn c;

    for (i = 0; i < TOTAL; i++)
        out[i] = pc__pattern(i);
    if (!pc__open(t, tag, "send 8 MiB to a slow reader", p, AF_INET, 4096,
                  &c))
        return;

    for (turn = 0; turn < 1000 && sent < TOTAL; turn++) {
        rc = p->send(p->ctx, out + sent, TOTAL - sent, 200);
        if (rc <= 0)
            break;
        sent += (size_t)rc;
    }
    pc_check(t, rc == TNX_IO_TIMEOUT && sent > 0 && sent < TOTAL, tag,
             "send to a peer that does not read times out",
             "last send returned %d after %u bytes", rc, (unsigned)sent);

    for (turn = 0; turn < 100000 && got < TOTAL && !bad; turn++) {
        size_t n;
        if (pc__ms() - t0 > 30000)
            break;
        if (sent < TOTAL) {
            rc = p->send(p->ctx, out + sent, TOTAL - sent, 20);
            if (rc > 0 && (size_t)rc < TOTAL - sent)
                partial++;
            if (rc > 0 && (size_t)rc <= TOTAL - sent)
                sent += (size_t)rc;
            else if (rc != TNX_IO_TIMEOUT)
                bad = 1;
        }
        n = pc__read(c.fd, in, sizeof in, 20);
        for (i = 0; i < n && got + i < TOTAL; i++)
            wrong += in[i] != pc__pattern(got + i);
        got += n;
    }
    pc__drop(p, &c);
    pc_check(t, !bad && got == TOTAL && sent == TOTAL && wrong == 0, tag,
             "8 MiB arrive whole and in order",
             "sent %u, got %u, %u wrong, last send %d", (unsigned)sent,
             (unsigned)got, wrong, rc);
    pc_check(t, partial > 0, tag, "send takes part of a large buffer",
             "every send took all it was given");
}

static void pc__check_refused(pc_tally *t, const char *tag,
                              const tnx_port *p)
{
    uint16_t port = 0;
    int fd = pc__listen(AF_INET, 0, 1, 0, &port), rc;

    if (fd < 0) {
        pc_check(t, 0, tag, "connect to a closed port", "cannot listen");
        return;
    }
    PC_CLOSE(fd);               /* now nothing listens on `port` */
    rc = p->connect(p->ctx, "127.0.0.1", port, 2000);
    p->close(p->ctx);
    pc_check(t, rc == TNX_IO_REFUSED, tag,
             "connect to a closed port: TNX_IO_REFUSED", "returned %d", rc);
}

static void pc__check_no_host(pc_tally *t, const char *tag, const tnx_port *p,
                              const char *host, const char *name)
{
    uint32_t start = pc__ms(), spent;
    int rc = p->connect(p->ctx, host, 443, 2000);

    spent = pc__ms() - start;
    p->close(p->ctx);
    pc_check(t, rc == TNX_IO_NO_HOST && spent < 2000 + PC_SLACK_MS, tag, name,
             "returned %d after %u ms", rc, spent);
}

/* 1 if every interface is a loopback: then no DNS query can leave. */
#ifdef _WIN32
static int pc__only_loopback(void)
{
    return 0;                   /* not looked for */
}
#else
static int pc__only_loopback(void)
{
    struct if_nameindex *ifs = if_nameindex(), *i;
    int only = ifs != NULL;

    for (i = ifs; i && i->if_index != 0; i++)
        only = only && strcmp(i->if_name, "lo") == 0;
    if (ifs)
        if_freenameindex(ifs);
    return only;
}
#endif

static void pc__connect_timeout_to(pc_tally *t, const char *tag,
                                   const tnx_port *p, const char *host,
                                   uint16_t port)
{
    uint32_t start = p->now_ms(p->ctx), spent;
    int rc = p->connect(p->ctx, host, port, 300);

    spent = p->now_ms(p->ctx) - start;
    p->close(p->ctx);
    pc_check(t, rc == TNX_IO_TIMEOUT && spent >= 300 &&
             spent < 300 + PC_SLACK_MS, tag,
             "connect that gets no answer times out",
             "%s: returned %d after %u ms (timeout 300)", host, rc, spent);
}

#ifdef PC_SILENT_ADDR
/* The network drops SYNs to PC_SILENT_ADDR. */
static void pc__check_connect_timeout(pc_tally *t, const char *tag,
                                      const tnx_port *p)
{
    pc__connect_timeout_to(t, tag, p, PC_SILENT_ADDR, 443);
}
#else
/* A listener whose accept queue is full and that never accepts: Linux then
 * drops further SYNs, so a connect hangs until its deadline. */
static void pc__check_connect_timeout(pc_tally *t, const char *tag,
                                      const tnx_port *p)
{
    int fill[16], n = 0, lfd, i, stalled = 0;
    uint16_t port = 0;

    lfd = pc__listen(AF_INET, 0, 0, 0, &port);
    if (lfd < 0) {
        pc_check(t, 0, tag, "connect that gets no answer times out",
                 "cannot listen");
        return;
    }
    while (n < 16 && !stalled) {
        struct sockaddr_in a;
        struct pollfd pfd;

        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        fill[n] = PC_SOCKET(AF_INET, SOCK_STREAM, 0);
        if (fill[n] < 0)
            break;
        (void)PC_NONBLOCK(fill[n]);
        (void)PC_CONNECT(fill[n], (struct sockaddr *)&a, sizeof a);
        pfd.fd = PC_SOCK(fill[n++]);
        pfd.events = POLLOUT;
        pfd.revents = 0;
        stalled = PC_POLL(&pfd, 1, 200) == 0;
    }
    if (stalled)
        pc__connect_timeout_to(t, tag, p, "127.0.0.1", port);
    else
        pc_skip(tag, "connect that gets no answer times out",
                "could not fill a listener's accept queue");
    for (i = 0; i < n; i++)
        PC_CLOSE(fill[i]);
    PC_CLOSE(lfd);
}
#endif

void pc_run_sockets(pc_tally *t, const char *tag, const tnx_port *p)
{
    pc__check_connect(t, tag, p, AF_INET, "connect to 127.0.0.1");
    pc__check_connect(t, tag, p, AF_INET6, "connect to ::1");
    pc__check_dual(t, tag, p);
    pc__check_recv_small(t, tag, p);
    pc__check_peer_close(t, tag, p);
    pc__check_reset(t, tag, p, 1);
    pc__check_reset(t, tag, p, 0);
    pc__check_send_closed(t, tag, p);
    pc__check_recv_timeout(t, tag, p);
    pc__check_send_big(t, tag, p);
    pc__check_refused(t, tag, p);
    pc__check_no_host(t, tag, p, "no-such-host.invalid",
                      "a name under .invalid: TNX_IO_NO_HOST");
    if (PC_ISOLATED || pc__only_loopback())
        pc__check_no_host(t, tag, p, "no-such-host.test",
                          "a lookup the resolver fails: TNX_IO_NO_HOST");
    else
        pc_skip(tag, "a lookup the resolver fails",
                "a DNS query could leave this machine; run it in a network "
                "namespace (tests/run_port_contract.sh)");
    pc__check_connect_timeout(t, tag, p);
}

#endif /* PORT_CONTRACT_IMPLEMENTATION */

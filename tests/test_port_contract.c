/* test_port_contract.c - runs the POSIX port through the whole contract
 * (tests/port_contract.h, real loopback servers) and the in-memory port
 * through the parts a scripted peer can play.  Prints one line per check
 * and "N passed, M failed"; exits 1 on any failure. */
#define _POSIX_C_SOURCE 200809L
#define PORT_CONTRACT_IMPLEMENTATION
#include "port_contract.h"

#include "ports/tnx_port_mem.h"
#include "ports/tnx_port_posix.h"

#define TAG "mem"
#define CHECK(ok, name, ...) pc_check(t, (ok), TAG, (name), __VA_ARGS__)

static size_t recv_text(const tnx_port *p, char *buf, size_t cap, int *last)
{
    size_t got = 0;
    int i;

    for (i = 0; i < 100 && got + 1 < cap; i++) {
        *last = p->recv(p->ctx, (uint8_t *)buf + got, cap - 1 - got, 1000);
        if (*last <= 0)
            break;
        got += (size_t)*last;
    }
    buf[got] = '\0';
    return got;
}

static void mem_connect(pc_tally *t)
{
    static const char long_host[] =
        "a-host-name-that-is-longer-than-the-sixty-three-bytes-of-host.test";
    tnx_mem m;
    tnx_port p;
    int rc, refused, no_host;

    tnx_mem_port(&p, &m);
    rc = p.connect(p.ctx, "host.test", 8443, 1000);
    CHECK(rc == TNX_IO_OK && strcmp(m.host, "host.test") == 0 &&
          m.port == 8443 && m.connected == 1 && m.connects == 1,
          "connect records host and port", "rc %d host '%s' port %u", rc,
          m.host, (unsigned)m.port);

    rc = p.connect(p.ctx, long_host, 1, 1000);
    CHECK(rc == TNX_IO_OK && strlen(m.host) == TNX_HOST_MAX - 1 &&
          strncmp(m.host, long_host, TNX_HOST_MAX - 1) == 0,
          "a long host is cut to TNX_HOST_MAX - 1 bytes", "kept %u bytes",
          (unsigned)strlen(m.host));

    m.connect_result = TNX_IO_REFUSED;
    refused = p.connect(p.ctx, "host.test", 1, 1000);
    m.connect_result = TNX_IO_NO_HOST;
    no_host = p.connect(p.ctx, "host.test", 1, 1000);
    CHECK(refused == TNX_IO_REFUSED && no_host == TNX_IO_NO_HOST &&
          m.connected == 0, "connect fails as scripted",
          "returned %d and %d, connected %u", refused, no_host,
          (unsigned)m.connected);

    m.connect_result = TNX_IO_TIMEOUT;
    m.now = 1000;
    rc = p.connect(p.ctx, "host.test", 1, 1500);
    CHECK(rc == TNX_IO_TIMEOUT && m.now == 2500,
          "connect timeout moves the clock by timeout_ms",
          "returned %d, clock %u", rc, m.now);
}

static void mem_recv(pc_tally *t)
{
    static const tnx_mem_step by_one[] = {
        TNX_MEM_DATA("abc", 3, 1), TNX_MEM_CLOSE
    };
    static const tnx_mem_step parts[] = { TNX_MEM_DATA("hello", 5, 0) };
    static const tnx_mem_step stall[] = {
        TNX_MEM_TIMEOUT, TNX_MEM_DATA("", 0, 0), TNX_MEM_DATA("x", 1, 0)
    };
    static const tnx_mem_step reset[] = {
        TNX_MEM_DATA("12345", 5, 0), TNX_MEM_ERROR
    };
    uint8_t buf[16];
    int r[5];
    tnx_mem m;
    tnx_port p;

    tnx_mem_port(&p, &m);
    tnx_mem_script(&m, by_one, 2);
    p.connect(p.ctx, "host.test", 1, 0);
    r[0] = p.recv(p.ctx, buf, sizeof buf, 0);
    r[1] = p.recv(p.ctx, buf + 1, sizeof buf, 0);
    r[2] = p.recv(p.ctx, buf + 2, sizeof buf, 0);
    r[3] = p.recv(p.ctx, buf + 3, sizeof buf, 0);
    r[4] = p.recv(p.ctx, buf + 3, sizeof buf, 0);
    CHECK(r[0] == 1 && r[1] == 1 && r[2] == 1 && memcmp(buf, "abc", 3) == 0 &&
          r[3] == TNX_IO_CLOSED && r[4] == TNX_IO_CLOSED,
          "chunk 1: a byte per recv, then TNX_IO_CLOSED that stays",
          "got %d %d %d %d %d", r[0], r[1], r[2], r[3], r[4]);

    tnx_mem_script(&m, parts, 1);
    m.now = 0;
    r[0] = p.recv(p.ctx, buf, 2, 0);
    r[1] = p.recv(p.ctx, buf + 2, sizeof buf - 2, 0);
    r[2] = p.recv(p.ctx, buf, sizeof buf, 250);
    CHECK(r[0] == 2 && r[1] == 3 && memcmp(buf, "hello", 5) == 0 &&
          r[2] == TNX_IO_TIMEOUT && m.now == 250,
          "recv takes at most len; a finished script is a silent peer",
          "got %d %d %d, clock %u", r[0], r[1], r[2], m.now);

    tnx_mem_script(&m, stall, 3);
    m.now = 0;
    r[0] = p.recv(p.ctx, buf, sizeof buf, 700);
    r[1] = p.recv(p.ctx, buf, sizeof buf, 700);
    CHECK(r[0] == TNX_IO_TIMEOUT && m.now == 700 && r[1] == 1 &&
          buf[0] == 'x', "one scripted timeout, then data (empty skipped)",
          "got %d %d, clock %u", r[0], r[1], m.now);

    tnx_mem_script(&m, reset, 2);
    r[0] = p.recv(p.ctx, buf, sizeof buf, 0);
    r[1] = p.recv(p.ctx, buf, sizeof buf, 0);
    CHECK(r[0] == 5 && r[1] == TNX_IO_ERROR, "error at byte offset 5",
          "got %d %d", r[0], r[1]);
}

static void mem_reconnect(pc_tally *t)
{
    static const tnx_mem_step two[] = {
        TNX_MEM_DATA("first", 5, 0), TNX_MEM_CLOSE,
        TNX_MEM_DATA("second", 6, 0), TNX_MEM_CLOSE
    };
    char a[16], b[16];
    int last_a = 0, last_b = 0;
    tnx_mem m;
    tnx_port p;

    tnx_mem_port(&p, &m);
    tnx_mem_script(&m, two, 4);
    p.connect(p.ctx, "host.test", 1, 0);
    recv_text(&p, a, sizeof a, &last_a);
    p.close(p.ctx);
    p.connect(p.ctx, "host.test", 1, 0);
    recv_text(&p, b, sizeof b, &last_b);
    CHECK(strcmp(a, "first") == 0 && last_a == TNX_IO_CLOSED &&
          strcmp(b, "second") == 0 && last_b == TNX_IO_CLOSED &&
          m.closes == 1, "a new connection goes on after the close step",
          "got '%s' (%d) and '%s' (%d)", a, last_a, b, last_b);
}

static void mem_send(pc_tally *t)
{
    static const char req[] = "POST /v2/x HTTP/1.1\r\n";
    uint8_t sent[64];
    int r[3], i, n = 0;
    tnx_mem m;
    tnx_port p;

    tnx_mem_port(&p, &m);
    m.send_chunk = 3;
    m.sent = sent;
    m.sent_cap = sizeof sent;
    p.connect(p.ctx, "host.test", 1, 0);
    r[0] = p.send(p.ctx, (const uint8_t *)req, sizeof req - 1, 0);
    for (i = 0; i < 100 && m.sent_len < sizeof req - 1; i++, n++)
        if (p.send(p.ctx, (const uint8_t *)req + m.sent_len,
                   sizeof req - 1 - m.sent_len, 0) <= 0)
            break;
    CHECK(r[0] == 3 && m.sent_len == sizeof req - 1 && n == 6 &&
          memcmp(sent, req, sizeof req - 1) == 0,
          "send takes 3 bytes a call and records them exactly",
          "first send %d, %u bytes in %d more calls", r[0],
          (unsigned)m.sent_len, n);

    tnx_mem_port(&p, &m);
    m.send_fail_at = 5;
    p.connect(p.ctx, "host.test", 1, 0);
    r[0] = p.send(p.ctx, (const uint8_t *)"abcdefgh", 8, 0);
    r[1] = p.send(p.ctx, (const uint8_t *)"fgh", 3, 0);
    CHECK(r[0] == 5 && r[1] == TNX_IO_ERROR && m.sent_len == 5,
          "send fails after 5 bytes", "got %d %d", r[0], r[1]);

    tnx_mem_port(&p, &m);
    m.sent = sent;
    m.sent_cap = 4;
    p.connect(p.ctx, "host.test", 1, 0);
    r[0] = p.send(p.ctx, (const uint8_t *)"abcdef", 6, 0);
    r[1] = p.send(p.ctx, (const uint8_t *)"ef", 2, 0);
    p.close(p.ctx);
    r[2] = p.send(p.ctx, (const uint8_t *)"ef", 2, 0);
    CHECK(r[0] == 4 && r[1] == TNX_IO_ERROR && r[2] == TNX_IO_ERROR,
          "a full record buffer, then a closed port, fail the send",
          "got %d %d %d", r[0], r[1], r[2]);
}

static void mem_clock_entropy(pc_tally *t)
{
    uint8_t buf[4];
    uint32_t a, b;
    int rc, bad;
    tnx_mem m;
    tnx_port p;

    tnx_mem_port(&p, &m);
    m.tick = 10;
    a = p.now_ms(p.ctx);
    p.connect(p.ctx, "host.test", 1, 0);
    b = p.now_ms(p.ctx);
    CHECK(a == 10 && b == 30, "the clock moves by tick at every hook call",
          "read %u then %u", a, b);

    rc = p.entropy(p.ctx, buf, sizeof buf);
    CHECK(rc == 0 && buf[0] == 0 && buf[1] == 1 && buf[2] == 2 && buf[3] == 3,
          "entropy is the counter 0, 1, 2, 3 (NOT for real use)",
          "rc %d, bytes %u %u %u %u", rc, buf[0], buf[1], buf[2], buf[3]);
    m.entropy_result = -1;
    bad = p.entropy(p.ctx, buf, sizeof buf);
    CHECK(bad == -1, "entropy fails as scripted", "returned %d", bad);
}

/* ---- pipe mode ------------------------------------------------------ */

/* The server end of the pipe: echoes what it reads, upper-cased, 3 bytes
 * at a time, and counts its turns. */
typedef struct echo {
    tnx_port port;
    tnx_mem mem;
    uint8_t pending[3];
    int n_pending, turns;
} echo;

static void echo_step(void *ctx)
{
    echo *e = (echo *)ctx;
    tnx_port *p = &e->port;
    int i, n;

    e->turns++;
    if (e->n_pending == 0) {
        n = p->recv(p->ctx, e->pending, sizeof e->pending, 0);
        e->n_pending = n > 0 ? n : 0;
        for (i = 0; i < e->n_pending; i++)
            if (e->pending[i] >= 'a' && e->pending[i] <= 'z')
                e->pending[i] = (uint8_t)(e->pending[i] - 'a' + 'A');
    }
    if (e->n_pending > 0) {
        n = p->send(p->ctx, e->pending, (size_t)e->n_pending, 0);
        if (n > 0) {
            memmove(e->pending, e->pending + n, (size_t)(e->n_pending - n));
            e->n_pending -= n;
        }
    }
}

static void mem_pipe(pc_tally *t)
{
    static const char msg[] = "hello, pipe";
    uint8_t ring_c[4], ring_s[5], back[16];
    size_t sent = 0, got = 0;
    unsigned partial = 0;
    int i, n, closed, after;
    tnx_mem cm;
    tnx_port cp;
    echo e;

    tnx_mem_port(&cp, &cm);
    tnx_mem_port(&e.port, &e.mem);
    tnx_mem_pipe(&cm, ring_c, sizeof ring_c, &e.mem, ring_s, sizeof ring_s);
    cm.pump = echo_step;
    cm.pump_ctx = &e;
    e.n_pending = e.turns = 0;
    cp.connect(cp.ctx, "host.test", 1, 0);

    for (i = 0; i < 200 && got < sizeof msg - 1; i++) {
        if (sent < sizeof msg - 1) {
            n = cp.send(cp.ctx, (const uint8_t *)msg + sent,
                        sizeof msg - 1 - sent, 0);
            if (n > 0 && (size_t)n < sizeof msg - 1 - sent)
                partial++;
            sent += n > 0 ? (size_t)n : 0;
        }
        n = cp.recv(cp.ctx, back + got, sizeof back - got, 0);
        got += n > 0 ? (size_t)n : 0;
    }
    CHECK(got == sizeof msg - 1 && memcmp(back, "HELLO, PIPE", got) == 0 &&
          partial > 0 && e.turns > 0,
          "pipe: bytes cross both ways through 4- and 5-byte rings",
          "got %u bytes, %u partial sends, %d pump turns", (unsigned)got,
          partial, e.turns);

    cm.now = 0;
    n = cp.recv(cp.ctx, back, sizeof back, 400);
    CHECK(n == TNX_IO_TIMEOUT && cm.now == 400,
          "pipe: nothing to read after the pump: timeout, clock + 400",
          "returned %d, clock %u", n, cm.now);

    (void)e.port.send(e.port.ctx, (const uint8_t *)"end", 3, 0);
    e.port.close(e.port.ctx);
    n = cp.recv(cp.ctx, back, sizeof back, 0);
    closed = cp.recv(cp.ctx, back + 3, sizeof back, 0);
    after = cp.send(cp.ctx, (const uint8_t *)"x", 1, 0);
    CHECK(n == 3 && memcmp(back, "end", 3) == 0 && closed == TNX_IO_CLOSED &&
          after == TNX_IO_ERROR,
          "pipe: the peer's close reads as TNX_IO_CLOSED after its data",
          "got %d, then %d, send %d", n, closed, after);
}

/* ---- POSIX specifics ------------------------------------------------ */

/* glibc refuses "" before any query (checked with strace): a way to reach
 * the getaddrinfo failure path with no network at all. */
static void posix_empty_name(pc_tally *t, const tnx_port *p)
{
    int rc = p->connect(p->ctx, "", 443, 1000);
    p->close(p->ctx);
    pc_check(t, rc == TNX_IO_NO_HOST, "posix",
             "a name getaddrinfo rejects (empty): TNX_IO_NO_HOST",
             "returned %d", rc);
}

int main(void)
{
    pc_tally tally = { 0, 0 }, *t = &tally;
    tnx_posix sock;
    tnx_port posix, memp;
    tnx_mem m;

    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(&posix, 0xAB, sizeof posix); /* setup must set every hook */
    tnx_posix_port(&posix, &sock);
    pc_run_basics(t, "posix", &posix, 1);
    pc_run_sockets(t, "posix", &posix);
    posix_empty_name(t, &posix);

    memset(&memp, 0xAB, sizeof memp);
    tnx_mem_port(&memp, &m);
    m.tick = 1;
    pc_run_basics(t, TAG, &memp, 0);
    mem_connect(t);
    mem_recv(t);
    mem_reconnect(t);
    mem_send(t);
    mem_clock_entropy(t);
    mem_pipe(t);
    return pc_summary(t);
}

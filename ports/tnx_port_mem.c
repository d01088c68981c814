/* tnx_port_mem.c - the in-memory port: see tnx_port_mem.h.  Plain C99, no
 * heap, no system calls. */
#include "tnx_port_mem.h"

#include <limits.h>
#include <string.h>

/* Every hook starts here: the fake clock moves by `tick` per call. */
static tnx_mem *mem_enter(void *ctx)
{
    tnx_mem *m = (tnx_mem *)ctx;
    m->now += m->tick;
    return m;
}

/* A hook that would block: as if it had waited its whole timeout. */
static int mem_timeout(tnx_mem *m, uint32_t timeout_ms)
{
    m->now += timeout_ms;
    return TNX_IO_TIMEOUT;
}

static int mem_connect(void *ctx, const char *host, uint16_t port,
                       uint32_t timeout_ms)
{
    tnx_mem *m = mem_enter(ctx);
    size_t n = strlen(host);

    m->connects++;
    if (n >= sizeof m->host)
        n = sizeof m->host - 1;
    memcpy(m->host, host, n);
    m->host[n] = '\0';
    m->port = port;
    m->connected = 0;
    if (m->connect_result == TNX_IO_TIMEOUT)
        return mem_timeout(m, timeout_ms);
    if (m->connect_result != TNX_IO_OK)
        return m->connect_result;
    /* A new connection starts after the script's close, if it is there. */
    if (m->step < m->n_steps && m->steps[m->step].op == TNX_MEM_OP_CLOSE)
        m->step++;
    m->connected = 1;
    m->heard = 0;
    m->closed = 0;
    return TNX_IO_OK;
}

/* Calls the pump until `ready` or TNX_MEM_PUMP_MAX calls; returns ready. */
static int mem_pump(tnx_mem *m, size_t (*ready)(const tnx_mem *))
{
    int i;
    for (i = 0; i < TNX_MEM_PUMP_MAX && m->pump && !ready(m); i++)
        m->pump(m->pump_ctx);
    return ready(m) != 0;
}

static size_t pipe_readable(const tnx_mem *m)
{
    return m->peer->ring_len;
}

static size_t pipe_writable(const tnx_mem *m)
{
    return m->ring_cap - m->ring_len;
}

static int pipe_recv(tnx_mem *m, uint8_t *buf, size_t len,
                     uint32_t timeout_ms)
{
    tnx_mem *p = m->peer;
    size_t i;

    if (!p->ring_len && !p->closed && !mem_pump(m, pipe_readable))
        return p->closed ? TNX_IO_CLOSED : mem_timeout(m, timeout_ms);
    if (!p->ring_len)
        return TNX_IO_CLOSED;
    if (len > p->ring_len)
        len = p->ring_len;
    for (i = 0; i < len; i++)
        buf[i] = p->ring[(p->ring_head + i) % p->ring_cap];
    p->ring_head = (p->ring_head + len) % p->ring_cap;
    p->ring_len -= len;
    return (int)len;
}

static int script_recv(tnx_mem *m, uint8_t *buf, size_t len,
                       uint32_t timeout_ms)
{
    const tnx_mem_step *s;
    size_t left;

    /* Skip empty data steps, so that recv never returns 0. */
    while (m->step < m->n_steps && m->steps[m->step].op == TNX_MEM_OP_DATA &&
           m->step_off == m->steps[m->step].len) {
        m->step++;
        m->step_off = 0;
    }
    if (m->step == m->n_steps)
        return mem_timeout(m, timeout_ms);      /* a silent peer */

    s = &m->steps[m->step];
    switch (s->op) {
    case TNX_MEM_OP_CLOSE:
        return TNX_IO_CLOSED;                   /* until the next connect */
    case TNX_MEM_OP_ERROR:
        m->step++;
        return TNX_IO_ERROR;
    case TNX_MEM_OP_TIMEOUT:
        m->step++;
        return mem_timeout(m, timeout_ms);
    case TNX_MEM_OP_DATA:
        break;
    }
    if (m->step_off == 0 && m->answer_after_request) {
        if (!m->heard)
            return mem_timeout(m, timeout_ms);  /* no request yet */
        m->heard = 0;
    }
    left = s->len - m->step_off;
    if (len > left)
        len = left;
    if (s->chunk && len > s->chunk)
        len = s->chunk;
    memcpy(buf, (const uint8_t *)s->data + m->step_off, len);
    m->step_off += len;
    return (int)len;
}

static int mem_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    tnx_mem *m = mem_enter(ctx);

    m->recvs++;
    if (!m->connected || len == 0)
        return TNX_IO_ERROR;
    if (len > INT_MAX)
        len = INT_MAX;
    if (m->peer)
        return pipe_recv(m, buf, len, timeout_ms);
    return script_recv(m, buf, len, timeout_ms);
}

static int mem_send(void *ctx, const uint8_t *buf, size_t len,
                    uint32_t timeout_ms)
{
    tnx_mem *m = mem_enter(ctx);
    size_t i;

    m->sends++;
    if (!m->connected || len == 0 || m->sent_len >= m->send_fail_at)
        return TNX_IO_ERROR;
    if (m->sent && m->sent_len >= m->sent_cap)
        return TNX_IO_ERROR;            /* the test's buffer is too small */
    if (m->peer && m->peer->closed)
        return TNX_IO_ERROR;            /* like EPIPE */
    if (m->peer && !m->ring_cap)
        return TNX_IO_ERROR;
    if (m->peer && !pipe_writable(m) && !mem_pump(m, pipe_writable))
        return mem_timeout(m, timeout_ms);

    if (len > INT_MAX)
        len = INT_MAX;
    if (m->send_chunk && len > m->send_chunk)
        len = m->send_chunk;
    if (len > m->send_fail_at - m->sent_len)
        len = m->send_fail_at - m->sent_len;
    if (m->sent && len > m->sent_cap - m->sent_len)
        len = m->sent_cap - m->sent_len;
    if (m->peer && len > pipe_writable(m))
        len = pipe_writable(m);

    if (m->sent)
        memcpy(m->sent + m->sent_len, buf, len);
    for (i = 0; m->peer && i < len; i++)
        m->ring[(m->ring_head + m->ring_len + i) % m->ring_cap] = buf[i];
    if (m->peer)
        m->ring_len += len;
    m->sent_len += len;
    m->heard = 1;
    return (int)len;
}

static void mem_close(void *ctx)
{
    tnx_mem *m = mem_enter(ctx);
    m->closes++;
    m->connected = 0;
    m->closed = 1;
}

static uint32_t mem_now(void *ctx)
{
    return mem_enter(ctx)->now;
}

/* Counter bytes: predictable on purpose, so runs repeat exactly. */
static int mem_entropy(void *ctx, uint8_t *buf, size_t len)
{
    tnx_mem *m = mem_enter(ctx);
    size_t i;

    if (m->entropy_result != 0)
        return m->entropy_result;
    for (i = 0; i < len; i++)
        buf[i] = m->counter++;
    return 0;
}

/* Sleeping is moving the fake clock: tests of retry waits run at once. */
static void mem_sleep(void *ctx, uint32_t ms)
{
    tnx_mem *m = mem_enter(ctx);
    m->sleeps++;
    m->slept_ms += ms;
    m->now += ms;
}

void tnx_mem_port(tnx_port *p, tnx_mem *m)
{
    memset(m, 0, sizeof *m);
    m->connect_result = TNX_IO_OK;
    m->send_fail_at = TNX_MEM_NEVER;
    p->connect = mem_connect;
    p->send = mem_send;
    p->recv = mem_recv;
    p->close = mem_close;
    p->now_ms = mem_now;
    p->entropy = mem_entropy;
    p->ctx = m;
    p->sleep = mem_sleep;
}

void tnx_mem_script(tnx_mem *m, const tnx_mem_step *steps, size_t n)
{
    m->steps = steps;
    m->n_steps = n;
    m->step = 0;
    m->step_off = 0;
}

void tnx_mem_pipe(tnx_mem *a, uint8_t *a_ring, size_t a_cap,
                  tnx_mem *b, uint8_t *b_ring, size_t b_cap)
{
    a->peer = b;
    a->ring = a_ring;
    a->ring_cap = a_cap;
    a->ring_head = a->ring_len = 0;
    b->peer = a;
    b->ring = b_ring;
    b->ring_cap = b_cap;
    b->ring_head = b->ring_len = 0;
    /* The server end never calls connect: it starts connected. */
    a->connected = b->connected = 1;
    a->closed = b->closed = 0;
}

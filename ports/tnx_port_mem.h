/* tnx_port_mem.h - a port with no network: the peer is a script, or a
 * second tnx_mem at the other end of an in-memory pipe.  For tests, and the
 * smallest example of a port.
 *
 * NOT FOR REAL USE: its clock is a counter and its "entropy" is the bytes
 * 0, 1, 2, ... so any key made from it is public.
 *
 * Scripted peer (unit tests):
 *
 *     static const char answer[] = "HTTP/1.1 200 OK\r\n...";
 *     tnx_mem_step steps[] = {
 *         TNX_MEM_DATA(answer, sizeof answer - 1, 1),  // 1 byte per recv
 *         TNX_MEM_CLOSE
 *     };
 *     uint8_t sent[4096];
 *     tnx_mem m;  tnx_port port;
 *     tnx_mem_port(&port, &m);
 *     tnx_mem_script(&m, steps, 2);
 *     m.sent = sent;  m.sent_cap = sizeof sent;  // what the client wrote
 *
 * Pipe (a client and e.g. an mbedTLS server in one thread): give each side
 * a ring buffer for the bytes it writes, and the client a pump that runs one
 * step of the server whenever the client would block:
 *
 *     tnx_mem_pipe(&cli, cli_ring, sizeof cli_ring,
 *                  &srv, srv_ring, sizeof srv_ring);
 *     cli.pump = run_server_step;  cli.pump_ctx = &server;
 *
 * A hook that cannot go on returns TNX_IO_TIMEOUT and moves the clock
 * forward by its timeout_ms, as if it had waited that long.
 */
#ifndef TNX_PORT_MEM_H
#define TNX_PORT_MEM_H

#include "telnyx_porting.h"

/* What the scripted peer does next. */
enum tnx_mem_op {
    TNX_MEM_OP_DATA,      /* deliver len bytes, at most `chunk` per recv */
    TNX_MEM_OP_CLOSE,     /* close: recv returns TNX_IO_CLOSED from now on */
    TNX_MEM_OP_ERROR,     /* one recv returns TNX_IO_ERROR (a reset) */
    TNX_MEM_OP_TIMEOUT    /* one recv returns TNX_IO_TIMEOUT */
};

typedef struct tnx_mem_step {
    enum tnx_mem_op op;
    const void *data;     /* DATA: the bytes, borrowed */
    size_t len;
    size_t chunk;         /* DATA: most bytes one recv gets; 0 = no limit */
} tnx_mem_step;

#define TNX_MEM_DATA(p, n, k) { TNX_MEM_OP_DATA, (p), (n), (k) }
#define TNX_MEM_CLOSE         { TNX_MEM_OP_CLOSE, NULL, 0, 0 }
#define TNX_MEM_ERROR         { TNX_MEM_OP_ERROR, NULL, 0, 0 }
#define TNX_MEM_TIMEOUT       { TNX_MEM_OP_TIMEOUT, NULL, 0, 0 }

/* send_fail_at when sends never fail. */
#define TNX_MEM_NEVER ((size_t)-1)
/* Most pump calls one blocked hook makes before it gives up. */
#define TNX_MEM_PUMP_MAX 8

typedef struct tnx_mem {
    /* connect */
    int connect_result;       /* what connect returns (TNX_IO_OK) */
    char host[TNX_HOST_MAX];  /* the last connect's host, cut to fit */
    uint16_t port;            /* and port */

    /* recv: the scripted peer; a finished script is a silent peer */
    const tnx_mem_step *steps;
    size_t n_steps, step;     /* the step that recv is at */
    size_t step_off;          /* bytes of that step already delivered */

    /* send */
    size_t send_chunk;        /* most bytes one send takes; 0 = no limit */
    size_t send_fail_at;      /* TNX_IO_ERROR once this many bytes are
                                 sent (TNX_MEM_NEVER) */
    uint8_t *sent;            /* records what was sent; NULL = don't */
    size_t sent_cap;          /* send fails with TNX_IO_ERROR when full */
    size_t sent_len;          /* bytes sent, over all connections */

    /* clock and "entropy" */
    uint32_t now;             /* what now_ms returns; tests may set it */
    uint32_t tick;            /* added at every hook call (0) */
    uint8_t counter;          /* next "entropy" byte */
    int entropy_result;       /* what entropy returns (0) */

    /* pipe mode: bytes this side wrote that the peer has not read */
    struct tnx_mem *peer;     /* the other end, or NULL when scripted */
    uint8_t *ring;
    size_t ring_cap, ring_head, ring_len;
    void (*pump)(void *pump_ctx); /* let the peer run; NULL = never */
    void *pump_ctx;

    /* what happened */
    uint8_t connected;        /* connect succeeded and no close since */
    uint8_t closed;           /* this side closed (the pipe peer sees it) */
    unsigned connects, closes, recvs, sends;    /* hook calls */

    /* 1: a scripted DATA step starts only once the client has sent bytes
     * since the last one started, as a server answers a request; a recv
     * before that is a timeout.  0 (default): data is there at once. */
    uint8_t answer_after_request;
    uint8_t heard;            /* bytes sent since the last DATA step began */
    unsigned sleeps;          /* sleep calls; each moves `now` by its ms */
    uint32_t slept_ms;        /* their total */
} tnx_mem;

/* Zeroes m, sets the defaults above and points p at m's hooks. */
void tnx_mem_port(tnx_port *p, tnx_mem *m);
/* Gives the scripted peer its steps (borrowed) and starts at the first. */
void tnx_mem_script(tnx_mem *m, const tnx_mem_step *steps, size_t n);
/* Joins two tnx_mem (each set up by tnx_mem_port) back to back.  a_ring
 * holds what a wrote and b has not yet read, b_ring the other way; a full
 * ring makes send partial, then a timeout. */
void tnx_mem_pipe(tnx_mem *a, uint8_t *a_ring, size_t a_cap,
                  tnx_mem *b, uint8_t *b_ring, size_t b_cap);

#endif /* TNX_PORT_MEM_H */

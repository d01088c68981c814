/* mem_fixture.h - one client over the scripted in-memory port, plain HTTP
 * (the including file defines TNX_NO_TLS and the implementation first).
 * Shared by the HTTP framing, byte-cut and retry tests. */
#ifndef MEM_FIXTURE_H
#define MEM_FIXTURE_H
#include <stdio.h>
#include <string.h>
#include "tnx_port_mem.h"

#define MF_STEPS 24

typedef struct mem_fixture {
    tnx_mem mem;
    tnx_port port;
    tnx_client client;
    tnx_action_requirement ar;
    tnx_error err;
    uint8_t sent[16384];
    tnx_mem_step steps[MF_STEPS];
    size_t n_steps;
} mem_fixture;

static mem_fixture F;

static const char mf_ok_body[] =
    "{\"data\":{\"id\":\"AR1\",\"record_type\":\"porting_action_requirement\","
    "\"porting_order_id\":\"PO1\",\"requirement_type_id\":\"RT\","
    "\"action_type\":\"au_id_verification\",\"action_url\":null,"
    "\"status\":\"pending\",\"cancel_reason\":null,"
    "\"created_at\":\"2018-02-02T22:25:27.521Z\","
    "\"updated_at\":\"2018-02-02T22:25:27.521Z\"}}";

/* A client of http://api.test/v2 with a 5 s deadline; the clock moves 1 ms
 * per hook call.  Change F.client.cfg afterwards for other settings. */
static inline void mf_setup(void)
{
    tnx_config cfg = tnx_config_default();
    tnx_error e;
    memset(&F, 0, sizeof F);
    tnx_mem_port(&F.port, &F.mem);
    F.mem.sent = F.sent;
    F.mem.sent_cap = sizeof F.sent;
    F.mem.tick = 1;
    F.mem.answer_after_request = 1; /* as a server: no answer before asked */
    cfg.base_url = "http://api.test/v2";
    cfg.api_key = "KEY123";
    cfg.port = &F.port;
    cfg.timeout_ms = 5000;
    if (tnx_client_init(&F.client, &cfg, &e) != TNX_OK)
        printf("mf_setup: %s\n", tnx_status_name(e.status));
}

static inline void mf_step(enum tnx_mem_op op, const void *data, size_t len,
                    size_t chunk)
{
    tnx_mem_step *s;
    if (F.n_steps == MF_STEPS) return;
    s = &F.steps[F.n_steps++];
    s->op = op;
    s->data = data;
    s->len = len;
    s->chunk = chunk;
    tnx_mem_script(&F.mem, F.steps, F.n_steps);
}

/* The peer sends text (borrowed: it must outlive the call), `chunk` bytes
 * per recv at most (0: as much as asked). */
static inline void mf_data(const char *text, size_t chunk)
{
    mf_step(TNX_MEM_OP_DATA, text, strlen(text), chunk);
}

static inline void mf_close(void) { mf_step(TNX_MEM_OP_CLOSE, NULL, 0, 0); }
static inline void mf_reset(void) { mf_step(TNX_MEM_OP_ERROR, NULL, 0, 0); }

static inline tnx_status mf_call(void)
{
    tnx_params p;
    p.first_name = "John";
    p.last_name = "Doe";
    return tnx_initiate(&F.client, "PO1", "AR1", &p, &F.ar, &F.err);
}

static inline tnx_status mf_call_ex(const tnx_call_opts *o)
{
    tnx_params p;
    p.first_name = "John";
    p.last_name = "Doe";
    return tnx_initiate_ex(&F.client, "PO1", "AR1", &p, o, &F.ar, &F.err);
}

/* A 200 answer with the body above, Content-Length, and extra header
 * lines (each ending in CRLF) before it. */
static inline char *mf_ok(char *out, const char *extra)
{
    sprintf(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "%sContent-Length: %u\r\n\r\n%s", extra,
            (unsigned)strlen(mf_ok_body), mf_ok_body);
    return out;
}

/* How many times `needle` occurs in what the client sent: requests. */
static inline unsigned mf_sent_count(const char *needle)
{
    unsigned n = 0;
    size_t k = strlen(needle), i;
    for (i = 0; i + k <= F.mem.sent_len; i++)
        if (memcmp(F.sent + i, needle, k) == 0) n++;
    return n;
}
#endif

/* fuzz_http.c - libFuzzer target: whatever bytes a server sends, through
 * the response parser and the JSON reader behind it, over the scripted
 * in-memory port (plain HTTP, so every byte reaches the parser).
 *
 * Input: the server's byte stream, then the server closes.  An input that
 * starts with a byte below 0x20 (no answer does) takes it as settings:
 * bits 0-3 the most bytes per recv (0: as many as asked), bit 4 a second
 * call on the same client (keep-alive: the parser must start clean).  So
 * the corpus of whole answers seeds it as it is.
 *
 * Checks, beyond the sanitizers: the status is one of the enum's; every
 * string handed back is terminated inside its field; the attempts stay
 * within max_attempts plus the one reconnect; nothing is left connected
 * after a failure other than an API answer.
 *
 *   make fuzz                      # FUZZ_SECONDS (60) from the corpus
 *   build/fuzz_http -dict=tests/fuzz/http.dict DIR tests/corpus/http */
#define TNX_NO_TLS
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_port_mem.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(x) do { if (!(x)) abort(); } while (0)

static void check_str(const char *s, size_t cap)
{
    MUST(memchr(s, 0, cap) != NULL);
}

static void check(tnx_status st, const tnx_client *c,
                  const tnx_action_requirement *ar, const tnx_error *e)
{
    unsigned i;
    MUST((unsigned)st < (unsigned)TNX_STATUS_COUNT);
    MUST(e->status == st);
    MUST(e->attempts >= 1 && e->attempts <= 4);
    check_str(e->request_id, sizeof e->request_id);
    for (i = 0; i < TNX_ERRORS_MAX && i < e->count; i++) {
        check_str(e->errors[i].code, sizeof e->errors[i].code);
        check_str(e->errors[i].title, sizeof e->errors[i].title);
        check_str(e->errors[i].detail, sizeof e->errors[i].detail);
        check_str(e->errors[i].pointer, sizeof e->errors[i].pointer);
    }
    check_str(ar->id, sizeof ar->id);
    check_str(ar->status_raw, sizeof ar->status_raw);
    check_str(ar->action_url, sizeof ar->action_url);
    check_str(ar->cancel_reason, sizeof ar->cancel_reason);
    if (st != TNX_OK && st != TNX_E_API) MUST(!c->connected);
    if (st == TNX_OK) MUST(e->http_status >= 200 && e->http_status < 300);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tnx_client c;
    tnx_config cfg = tnx_config_default();
    tnx_mem_step steps[2];
    tnx_action_requirement ar;
    tnx_params who = { "John", "Doe" };
    tnx_error e;
    tnx_mem m;
    tnx_port p;
    int calls, i;

    uint8_t set = size > 0 && data[0] < 0x20 ? data[0] : 0;

    if (set) {
        data++;
        size--;
    }
    tnx_mem_port(&p, &m);
    m.tick = 1;
    steps[0].op = TNX_MEM_OP_DATA;
    steps[0].data = data;
    steps[0].len = size;
    steps[0].chunk = set & 0x0F;
    steps[1].op = TNX_MEM_OP_CLOSE;
    steps[1].data = NULL;
    steps[1].len = steps[1].chunk = 0;
    tnx_mem_script(&m, steps, 2);
    calls = set & 0x10 ? 2 : 1;

    cfg.base_url = "http://api.test/v2";
    cfg.api_key = "FUZZKEY";
    cfg.port = &p;
    cfg.timeout_ms = 20000;
    cfg.body_max = 1u << 16;
    cfg.backoff_ms = 10;
    if (tnx_client_init(&c, &cfg, &e) != TNX_OK) abort();
    for (i = 0; i < calls; i++) {
        tnx_status st = tnx_initiate(&c, "PO-1", "AR-1", &who, &ar, &e);
        check(st, &c, &ar, &e);
    }
    tnx_client_free(&c);
    return 0;
}

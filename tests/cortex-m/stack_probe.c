/* stack_probe.c - checks the static stack bounds of the public functions
 * against the stack they really use on the target.
 *
 * The image links the library object that `make size` measured (built with
 * TNX_NO_TLS, so no mbedTLS frame hides in the figures) and the in-memory
 * port compiled the same way; stack_bounds.h holds their worst cases as
 * scripts/stack-report.awk computed them from -fcallgraph-info=su, port
 * hooks included.  Each function is run after the stack is painted again,
 * and the bytes it used are read back.  A call must not use more than its
 * bound plus LIBC_SLACK: the C library's string functions (memcpy, strlen,
 * ...) are the only frames the bound does not see.
 *
 * The calls follow the normal path: a client set up, an initiate answered
 * with 200 through a chunked body, the reader fed a response byte by byte,
 * the writer writing an action requirement.  Exit status 0 when every call
 * stays within its bound and every result is as expected. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "telnyx_porting.h"
#include "tnx_port_mem.h"

#include "cm_support.h"
#include "stack_bounds.h"

/* newlib's string functions on Cortex-M use at most a few saved
 * registers; generous, and still far below the library's own frames. */
#define LIBC_SLACK 64u

static int passes, failures;

static void check(int ok, const char *what, long got)
{
    if (ok) {
        passes++;
    } else {
        failures++;
        printf("FAIL: %s (got %ld)\n", what, got);
    }
}

/* Compares one measured call with its bound and prints both. */
static void bound(const char *name, size_t used, unsigned limit)
{
    char what[96];

    printf("stack: %-30s painted %4u B, static bound %4u B\n", name,
           (unsigned)used, limit);
    printf("footprint: painted_%s=%u\n", name, (unsigned)used);
    snprintf(what, sizeof what, "%s within its static bound + %u", name,
             LIBC_SLACK);
    check(used <= limit + LIBC_SLACK, what, (long)used);
}

#define MEASURE(name, call)                                          \
    do {                                                             \
        uintptr_t top_;                                              \
        stack_repaint();                                             \
        top_ = stack_pointer();                                      \
        call;                                                        \
        bound(#name, stack_depth_from(top_), TNX_STACK_##name);      \
    } while (0)

static const char answer[] =
    "HTTP/1.1 100 Continue\r\n\r\n"
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    "X-Request-Id: rq-9\r\nTransfer-Encoding: chunked\r\n\r\n"
    "3c;ext=1\r\n"
    "{\"data\":{\"id\":\"AR1\",\"record_type\":\"porting_action_requiremen\r\n"
    "A4\r\n"
    "t\",\"porting_order_id\":\"PO1\",\"requirement_type_id\":\"RT\","
    "\"action_type\":\"au_id_verification\",\"action_url\":null,"
    "\"status\":\"pending\",\"cancel_reason\":null,\"created_at\":\"c\"\r\n"
    "13\r\n,\"updated_at\":\"u\"}}\r\n"
    "0\r\nX-Trailer: 1\r\n\r\n";

static const char body[] =
    "{\"errors\":[{\"code\":\"10032\",\"title\":\"Missing\",\"detail\":"
    "\"first_name is required\",\"source\":{\"pointer\":\"/params\"},"
    "\"meta\":{\"retryable\":false}}],\"data\":{\"id\":\"\\ud83d\\ude00\"}}";

static tnx_mem mem;
static tnx_port port;
static tnx_client client;
static tnx_action_requirement ar;
static tnx_error err;
static tnx_reader reader;

int main(void)
{
    static const tnx_mem_step steps[] = {
        TNX_MEM_DATA(answer, sizeof answer - 1, 7), TNX_MEM_CLOSE
    };
    static uint8_t sent[1024];
    tnx_config cfg;
    tnx_params who = { "John", "Doe" };
    tnx_writer w;
    tnx_buf_sink sink;
    char out[1024];
    tnx_status st = TNX_OK;
    size_t i, worst = 0;

    printf("stack_probe: telnyx_porting.h %s, TNX_NO_TLS\n", TNX_VERSION);
    tnx_mem_port(&port, &mem);
    tnx_mem_script(&mem, steps, 2);
    mem.sent = sent;
    mem.sent_cap = sizeof sent;

    MEASURE(tnx_config_default, cfg = tnx_config_default());
    cfg.base_url = "http://api.test/v2";
    cfg.api_key = "KEY";
    cfg.port = &port;
    MEASURE(tnx_client_init, st = tnx_client_init(&client, &cfg, &err));
    check(st == TNX_OK, "tnx_client_init", (long)st);
    MEASURE(tnx_initiate,
            st = tnx_initiate(&client, "PO1", "AR1", &who, &ar, &err));
    check(st == TNX_OK, "tnx_initiate", (long)st);
    check(strcmp(ar.record_type, "porting_action_requirement") == 0,
          "record_type across two chunks", 0);
    check(ar.status == TNX_AR_PENDING && ar.present == 0x3FF &&
          strcmp(ar.updated_at, "u") == 0 && strcmp(err.request_id, "rq-9")
          == 0, "every field mapped", (long)ar.present);
    MEASURE(tnx_client_free, tnx_client_free(&client));
    check(mem.closes == 1, "closed once", (long)mem.closes);

    MEASURE(tnx_reader_response, tnx_reader_response(&reader, &ar, &err));
    /* One byte per call: the worst of them counts. */
    for (i = 0; i + 1 < sizeof body && st == TNX_OK; i++) {
        uintptr_t top;
        size_t used;
        stack_repaint();
        top = stack_pointer();
        st = tnx_reader_feed(&reader, body + i, 1);
        used = stack_depth_from(top);
        if (used > worst) {
            worst = used;
        }
    }
    bound("tnx_reader_feed", worst, TNX_STACK_tnx_reader_feed);
    MEASURE(tnx_reader_end, st = tnx_reader_end(&reader));
    check(st == TNX_OK && err.count == 1 && err.errors[0].retryable == 0 &&
          strcmp(err.errors[0].pointer, "/params") == 0 &&
          strcmp(ar.id, "\xf0\x9f\x98\x80") == 0, "errors body read",
          (long)st);

    MEASURE(tnx_writer_init, tnx_writer_init(&w, tnx_sink_buf, &sink));
    sink.buf = out;
    sink.cap = sizeof out;
    sink.len = 0;
    MEASURE(tnx_write_action_requirement,
            st = tnx_write_action_requirement(&w, &ar));
    check(st == TNX_OK && strncmp(out, "{\"id\":\"\xf0\x9f\x98\x80\",", 12)
          == 0, "action requirement written", (long)st);

    printf("%d passed, %d failed\n", passes, failures);
    return failures == 0 ? 0 : 1;
}

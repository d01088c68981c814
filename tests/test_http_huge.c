/* test_http_huge.c - a 1 GiB answer of fields nobody asked for, read in
 * constant memory, with Content-Length and chunked; and the body cap that
 * stops such an answer early.
 *
 * A port of its own makes the bytes up as recv asks for them, so nothing
 * of the gigabyte is ever stored.  Built -O2 without sanitizers (they would
 * make it minutes); the library has no allocator to watch anyway, and the
 * process's peak RSS is compared before and after. */
#define _POSIX_C_SOURCE 200809L
#define TNX_NO_TLS
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_test.h"

#include <sys/resource.h>
#include <time.h>

#define GIB ((uint64_t)1 << 30)
#define CHUNK 4096u  /* data bytes per chunk in the chunked answer */

/* The body: PREFIX, spaces to make the length exact, UNIT repeated, SUFFIX.
 * UNIT has unknown keys, decoy "data" and "id" keys, nesting, escapes. */
static const char PREFIX[] = "{\"pad\":[";
static const char UNIT[] =
    "{\"id\":\"decoy\",\"k\":\"v\\u00e9\\\"x\\n\",\"n\":[1,-2.5e-3,0,"
    "{\"data\":{\"id\":null,\"status\":[true,false]}}],\"t\":true},";
static const char SUFFIX[] =
    "0],\"data\":{\"id\":\"AR-HUGE\",\"status\":\"pending\"}}";

typedef struct synth {
    char head[160];
    size_t head_len;
    uint64_t body_len, spaces, units_end;  /* body layout */
    int chunked;
    uint64_t stream_len, pos;              /* what recv has given */
} synth;

/* Up to max bytes of the body from offset off, in one piece. */
static size_t body_run(const synth *s, uint64_t off, uint8_t *dst,
                       size_t max)
{
    const uint64_t p = sizeof PREFIX - 1, u = sizeof UNIT - 1;
    const char *src;
    uint64_t left;
    if (off < p) {
        src = PREFIX + off;
        left = p - off;
    } else if (off < p + s->spaces) {
        left = p + s->spaces - off;
        if (left > max) left = max;
        memset(dst, ' ', (size_t)left);
        return (size_t)left;
    } else if (off < s->units_end) {
        uint64_t r = (off - p - s->spaces) % u;
        src = UNIT + r;
        left = u - r;
    } else {
        src = SUFFIX + (off - s->units_end);
        left = s->body_len - off;
    }
    if (left > max) left = max;
    memcpy(dst, src, (size_t)left);
    return (size_t)left;
}

/* Up to max bytes of the whole answer from the current position. */
static size_t stream_run(synth *s, uint8_t *dst, size_t max)
{
    uint64_t off = s->pos, per, r, k;
    if (off < s->head_len) {
        k = s->head_len - off;
        if (k > max) k = max;
        memcpy(dst, s->head + off, (size_t)k);
        return (size_t)k;
    }
    off -= s->head_len;
    if (!s->chunked) return body_run(s, off, dst, max);
    /* "1000\r\n" + 4096 bytes + "\r\n" per chunk, then "0\r\n\r\n". */
    per = 6 + CHUNK + 2;
    if (off >= s->body_len / CHUNK * per) {
        static const char last[] = "0\r\n\r\n";
        k = sizeof last - 1 - (off - s->body_len / CHUNK * per);
        if (k > max) k = max;
        memcpy(dst, last + (sizeof last - 1 - k), (size_t)k);
        return (size_t)k;
    }
    r = off % per;
    if (r < 6) {
        static const char size_line[] = "1000\r\n";
        k = 6 - r;
        if (k > max) k = max;
        memcpy(dst, size_line + r, (size_t)k);
        return (size_t)k;
    }
    if (r < 6 + CHUNK) {
        k = 6 + CHUNK - r;
        if (k > max) k = max;
        return body_run(s, off / per * CHUNK + (r - 6), dst, (size_t)k);
    }
    k = per - r;
    if (k > max) k = max;
    memcpy(dst, &"\r\n"[r - 6 - CHUNK], (size_t)k);
    return (size_t)k;
}

static int s_connect(void *ctx, const char *host, uint16_t port, uint32_t t)
{
    (void)ctx; (void)host; (void)port; (void)t;
    return TNX_IO_OK;
}

static int s_send(void *ctx, const uint8_t *b, size_t n, uint32_t t)
{
    (void)ctx; (void)b; (void)t;
    return n > INT_MAX ? INT_MAX : (int)n;
}

static int s_recv(void *ctx, uint8_t *b, size_t n, uint32_t t)
{
    synth *s = (synth *)ctx;
    size_t got = 0;
    (void)t;
    if (s->pos == s->stream_len) return TNX_IO_CLOSED;
    while (got < n && s->pos < s->stream_len) {
        size_t k = stream_run(s, b + got, n - got);
        got += k;
        s->pos += k;
    }
    return (int)got;
}

static void s_close(void *ctx) { (void)ctx; }
static uint32_t s_now(void *ctx) { (void)ctx; return 0; }

static void synth_init(synth *s, uint64_t body_len, int chunked)
{
    const uint64_t fixed = sizeof PREFIX - 1 + sizeof SUFFIX - 1;
    const uint64_t u = sizeof UNIT - 1;
    memset(s, 0, sizeof *s);
    s->body_len = body_len;
    s->spaces = (body_len - fixed) % u;
    s->units_end = sizeof PREFIX - 1 + s->spaces + (body_len - fixed) / u * u;
    s->chunked = chunked;
    if (chunked)
        s->head_len = (size_t)sprintf(s->head, "HTTP/1.1 200 OK\r\n"
                                      "Transfer-Encoding: chunked\r\n\r\n");
    else
        s->head_len = (size_t)sprintf(s->head, "HTTP/1.1 200 OK\r\n"
                                      "Content-Length: %llu\r\n\r\n",
                                      (unsigned long long)body_len);
    s->stream_len = s->head_len + (chunked ? body_len / CHUNK * (CHUNK + 8)
                                             + 5 : body_len);
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static tnx_client client;

static tnx_status call(synth *s, uint32_t body_max, tnx_action_requirement *ar,
                       tnx_error *err)
{
    tnx_config cfg = tnx_config_default();
    tnx_port port;
    tnx_params p;
    tnx_status st;
    memset(&port, 0, sizeof port);
    port.connect = s_connect;
    port.send = s_send;
    port.recv = s_recv;
    port.close = s_close;
    port.now_ms = s_now;
    port.ctx = s;
    cfg.base_url = "http://api.test/v2";
    cfg.api_key = "K";
    cfg.port = &port;
    cfg.body_max = body_max;
    p.first_name = "J";
    p.last_name = "D";
    st = tnx_client_init(&client, &cfg, err);
    if (st == TNX_OK) st = tnx_initiate(&client, "PO", "AR", &p, ar, err);
    tnx_client_free(&client);
    return st;
}

TEST(a_1_gib_body_of_unknown_fields_in_constant_memory)
{
    static synth s;
    tnx_action_requirement ar;
    tnx_error err;
    int chunked;
    for (chunked = 0; chunked < 2; chunked++) {
        long rss0 = peak_rss_kb(), rss1;
        double t0 = seconds(), t;
        synth_init(&s, GIB, chunked);
        CHECK_INT(call(&s, 0, &ar, &err), TNX_OK);
        t = seconds() - t0;
        rss1 = peak_rss_kb();
        CHECK_STR(ar.id, "AR-HUGE");
        CHECK_INT(ar.status, TNX_AR_PENDING);
        CHECK_INT(client.http.body_seen, GIB);
        CHECK_INT(s.pos, s.stream_len);
        /* Peak RSS may grow by pages the process touches anyway, not by
         * anything in proportion to the body. */
        TT_REPORT(rss1 - rss0 < 512, "peak RSS grew by %ld KB", rss1 - rss0);
        printf("  %s: 1 GiB in %.2f s (%.0f MB/s), peak RSS %ld -> %ld KB,"
               " client %zu bytes\n", chunked ? "chunked" : "content-length",
               t, (double)GIB / 1e6 / t, rss0, rss1, sizeof client);
    }
}

TEST(the_body_cap_stops_a_huge_body_early)
{
    static synth s;
    tnx_action_requirement ar;
    tnx_error err;
    synth_init(&s, GIB, 0);
    CHECK_INT(call(&s, 1u << 20, &ar, &err), TNX_E_BODY_LARGE);
    CHECK_STR(err.where, "body");
    /* It read no further than the cap and one buffer. */
    CHECK(s.pos <= s.head_len + (1u << 20) + TNX_IO_BUF_SIZE);
    CHECK(s.pos > s.head_len + (1u << 20));
    synth_init(&s, GIB, 1);
    CHECK_INT(call(&s, 1u << 20, &ar, &err), TNX_E_BODY_LARGE);
    CHECK(s.pos <= s.head_len + (1u << 20) / CHUNK * (CHUNK + 8) +
                       2 * TNX_IO_BUF_SIZE);
}

int main(void)
{
    RUN(a_1_gib_body_of_unknown_fields_in_constant_memory);
    RUN(the_body_cap_stops_a_huge_body_early);
    return tt_summary();
}

/* initiate_e2e.c - the whole client on the target: tnx_client_init and
 * tnx_initiate with TLS against an mbedTLS server in the same image, the
 * two talking through the in-memory port's pipe (ports/tnx_port_mem.h).
 *
 * What it proves, each with an exact check:
 *   1. tnx_client_init parses the project's test CA (tests/certs, ECDSA
 *      P-256) and seeds the random generator from the port;
 *   2. the first tnx_initiate runs a full TLS 1.2 handshake, verifying the
 *      server's certificate for "localhost", sends the request (request
 *      line, Host, Authorization and body checked byte for byte by the
 *      server) and maps every field of the 200 answer exactly;
 *   3. a second tnx_initiate reuses the kept-alive connection (one connect
 *      in all) and maps its answer exactly;
 *   4. tnx_client_free sends close_notify, and every byte mbedTLS took from
 *      the heap is given back.
 * What it measures, printed as "footprint:" lines for scripts/footprint.sh:
 * the client's peak heap (mbedTLS's, as the library never allocates), its
 * heap while connected, and the stack each call used, painted and read
 * back.  The server runs on a stack of its own (run_on_stack), so its
 * frames do not count as the client's.
 *
 * The port's entropy is a counter and the server's an xorshift: test only.
 * Exit status 0 when every check passes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform.h"
#include "mbedtls/ssl.h"
#include "mbedtls/version.h"
#include "mbedtls/x509_crt.h"

#include "telnyx_porting.h"
#include "tnx_port_mem.h"

#include "cm_support.h"
#include "heap_meter.h"
#include "project_certs.h"

#define OWNER_CLIENT 1u
#define OWNER_SERVER 2u

#define API_KEY "KEY0123456789"

static int passes, failures;

static void check(int ok, const char *what, long got)
{
    if (ok) {
        passes++;
        return;
    }
    failures++;
    if (got < 0) {
        printf("FAIL: %s (got -0x%04lx)\n", what, (unsigned long)-got);
    } else {
        printf("FAIL: %s (got %ld)\n", what, got);
    }
}

static void check_str(const char *got, const char *want, const char *what)
{
    if (strcmp(got, want) == 0) {
        passes++;
        return;
    }
    failures++;
    printf("FAIL: %s: \"%s\", want \"%s\"\n", what, got, want);
}

/* ---- The server: mbedTLS over the other end of the pipe ---- */

typedef struct server {
    tnx_port port;
    tnx_mem mem;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt crt;
    mbedtls_pk_context key;
    uint32_t seed;
    int handshake;            /* last handshake result; 0 once done */
    char req[1024];           /* the request being read */
    size_t req_len;
    char answer[1024];        /* the answer being written */
    size_t answer_len, answer_off;
    char last_req[1024];      /* the last whole request, for the checks */
    unsigned requests;
    const char *body;         /* JSON of the next answer */
} server;

static server srv;

/* NOT RANDOM: a fixed xorshift sequence so that runs repeat exactly. */
static int srv_entropy(void *ctx, unsigned char *buf, size_t len)
{
    uint32_t *s = ctx;
    size_t i;

    for (i = 0; i < len; i++) {
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        buf[i] = (unsigned char)(*s >> 24);
    }
    return 0;
}

/* The server polls: its hooks never wait (timeout 0). */
static int srv_send(void *ctx, const unsigned char *buf, size_t len)
{
    server *s = ctx;
    int n = s->port.send(s->port.ctx, buf, len, 0);

    if (n > 0) {
        return n;
    }
    return n == TNX_IO_TIMEOUT ? MBEDTLS_ERR_SSL_WANT_WRITE
                               : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

static int srv_recv(void *ctx, unsigned char *buf, size_t len)
{
    server *s = ctx;
    int n = s->port.recv(s->port.ctx, buf, len, 0);

    if (n > 0) {
        return n;
    }
    if (n == TNX_IO_TIMEOUT) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    return n == TNX_IO_CLOSED ? MBEDTLS_ERR_SSL_CONN_EOF
                              : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

static int server_setup(server *s)
{
    static const unsigned char pers[] = "tnx-cm-e2e-server";
    int ret;

    mbedtls_ssl_init(&s->ssl);
    mbedtls_ssl_config_init(&s->conf);
    mbedtls_ctr_drbg_init(&s->drbg);
    mbedtls_x509_crt_init(&s->crt);
    mbedtls_pk_init(&s->key);
    s->seed = 0x89abcdefu;
    s->handshake = MBEDTLS_ERR_SSL_WANT_READ;

    ret = mbedtls_ctr_drbg_seed(&s->drbg, srv_entropy, &s->seed, pers,
                                sizeof pers - 1);
    if (ret == 0) {
        ret = mbedtls_x509_crt_parse(&s->crt, tc_server_pem,
                                     tc_server_pem_len);
    }
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    if (ret == 0) {
        ret = mbedtls_pk_parse_key(&s->key, tc_server_key, tc_server_key_len,
                                   NULL, 0, mbedtls_ctr_drbg_random,
                                   &s->drbg);
    }
#else
    if (ret == 0) {
        ret = mbedtls_pk_parse_key(&s->key, tc_server_key, tc_server_key_len,
                                   NULL, 0);
    }
#endif
    if (ret == 0) {
        ret = mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
                                          MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT);
    }
    mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
    if (ret == 0) {
        ret = mbedtls_ssl_conf_own_cert(&s->conf, &s->crt, &s->key);
    }
    if (ret == 0) {
        ret = mbedtls_ssl_setup(&s->ssl, &s->conf);
    }
    mbedtls_ssl_set_bio(&s->ssl, s, srv_send, srv_recv, NULL);
    return ret;
}

static void server_free(server *s)
{
    mbedtls_ssl_free(&s->ssl);
    mbedtls_ssl_config_free(&s->conf);
    mbedtls_ctr_drbg_free(&s->drbg);
    mbedtls_x509_crt_free(&s->crt);
    mbedtls_pk_free(&s->key);
}

/* Bytes of a whole request at the start of req (head and Content-Length
 * body), or 0 while it is incomplete. */
static size_t request_length(const char *req, size_t n)
{
    static const char cl[] = "\r\nContent-Length: ";
    const char *end = NULL, *p;
    size_t i, head, body = 0;

    for (i = 0; i + 4 <= n; i++) {
        if (memcmp(req + i, "\r\n\r\n", 4) == 0) {
            end = req + i;
            break;
        }
    }
    if (end == NULL) {
        return 0;
    }
    head = (size_t)(end - req) + 4;
    for (p = req; p + sizeof cl - 1 <= end; p++) {
        if (memcmp(p, cl, sizeof cl - 1) == 0) {
            for (p += sizeof cl - 1; *p >= '0' && *p <= '9'; p++) {
                body = body * 10 + (size_t)(*p - '0');
            }
            break;
        }
    }
    return head + body <= n ? head + body : 0;
}

static void server_answer(server *s)
{
    int n = snprintf(s->answer, sizeof s->answer,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "x-request-id: rq-%u\r\nContent-Length: %u\r\n\r\n%s",
                     s->requests, (unsigned)strlen(s->body), s->body);

    s->answer_len = n > 0 ? (size_t)n : 0;
    s->answer_off = 0;
}

/* One turn of the server, run whenever the client would wait. */
static void server_step(void *ctx)
{
    server *s = ctx;
    size_t whole;
    int n;

    if (s->handshake != 0) {
        s->handshake = mbedtls_ssl_handshake(&s->ssl);
        return;
    }
    if (s->answer_off < s->answer_len) {
        n = mbedtls_ssl_write(&s->ssl, (const unsigned char *)s->answer +
                              s->answer_off, s->answer_len - s->answer_off);
        if (n > 0) {
            s->answer_off += (size_t)n;
        }
        return;
    }
    n = mbedtls_ssl_read(&s->ssl, (unsigned char *)s->req + s->req_len,
                         sizeof s->req - 1 - s->req_len);
    if (n <= 0) {
        return;
    }
    s->req_len += (size_t)n;
    whole = request_length(s->req, s->req_len);
    if (whole == 0) {
        return;
    }
    memcpy(s->last_req, s->req, whole);
    s->last_req[whole] = 0;
    memmove(s->req, s->req + whole, s->req_len - whole);
    s->req_len -= whole;
    s->requests++;
    server_answer(s);
    server_step(s);
}

/* ---- The server's own stack ---- */

static uint64_t server_stack[8192 / sizeof(uint64_t)];

/* Calls fn(arg) with the stack pointer at the top of server_stack, and
 * restores it after.  r4 keeps the old one: the callee saves it. */
static void run_on_stack(void (*fn)(void *), void *arg)
{
    uint32_t top = (uint32_t)(uintptr_t)(server_stack +
                   sizeof server_stack / sizeof server_stack[0]);

    __asm__ volatile("mov r4, sp\n\t"
                     "mov sp, %2\n\t"
                     "mov r0, %1\n\t"
                     "blx %0\n\t"
                     "mov sp, r4"
                     :
                     : "r"(fn), "r"(arg), "r"(top)
                     : "r0", "r1", "r2", "r3", "r4", "r12", "lr", "cc",
                       "memory");
}

static void pump(void *ctx)
{
    heap_meter_owner(OWNER_SERVER);
    run_on_stack(server_step, ctx);
    heap_meter_owner(OWNER_CLIENT);
}

/* ---- The client ---- */

static tnx_port cli_port;
static tnx_mem cli_mem;
static uint8_t ring_c[1024], ring_s[1024];   /* small: partial writes */
static tnx_client client;
static tnx_action_requirement ar;
static tnx_error err;

static const char body1[] =
    "{\"data\":{\"id\":\"AR-456\","
    "\"record_type\":\"porting_action_requirement\","
    "\"porting_order_id\":\"PO-123\","
    "\"requirement_type_id\":\"53970723-fbff-4f46-a975-f62be6c1a585\","
    "\"action_type\":\"au_id_verification\","
    "\"action_url\":\"https://example.com/action/AR-456\","
    "\"status\":\"pending\",\"cancel_reason\":null,"
    "\"created_at\":\"2018-02-02T22:25:27.521Z\","
    "\"updated_at\":\"2018-02-02T22:25:27.522Z\",\"extra\":[1,{\"a\":2}]}}";

static const char body2[] =
    "{\"data\":{\"id\":\"AR-789\","
    "\"record_type\":\"porting_action_requirement\","
    "\"porting_order_id\":\"PO 1/2\",\"requirement_type_id\":\"RT\","
    "\"action_type\":\"au_id_verification\",\"action_url\":null,"
    "\"status\":\"cancelled\",\"cancel_reason\":\"M\\u00fcller moved\","
    "\"created_at\":\"2019-01-01T00:00:00Z\","
    "\"updated_at\":\"2019-01-02T00:00:00Z\"}}";

typedef struct usage {
    size_t init, first, second, free_;
} usage;

static void check_request(const char *line, const char *body)
{
    char want[256];
    const char *head_end = strstr(srv.last_req, "\r\n\r\n");

    snprintf(want, sizeof want, "%s\r\nHost: localhost\r\n", line);
    check(strncmp(srv.last_req, want, strlen(want)) == 0,
          "request line and Host as sent", (long)srv.requests);
    check(strstr(srv.last_req, "\r\nAuthorization: Bearer " API_KEY "\r\n") !=
          NULL, "Authorization header as sent", (long)srv.requests);
    check(head_end != NULL && strcmp(head_end + 4, body) == 0,
          "request body as sent", (long)srv.requests);
}

static void run(usage *u)
{
    tnx_config cfg = tnx_config_default();
    tnx_params who = { "John", "Doe" };
    tnx_params who2 = { "J\xc3\xbcrgen", "M\xc3\xbcller" };
    tnx_status st;
    uintptr_t top;

    tnx_mem_port(&cli_port, &cli_mem);
    tnx_mem_port(&srv.port, &srv.mem);
    heap_meter_owner(OWNER_SERVER);
    check(server_setup(&srv) == 0, "server set up", 0);
    tnx_mem_pipe(&cli_mem, ring_c, sizeof ring_c, &srv.mem, ring_s,
                 sizeof ring_s);
    cli_mem.pump = pump;
    cli_mem.pump_ctx = &srv;

    cfg.base_url = "https://localhost/v2";
    cfg.api_key = API_KEY;
    cfg.ca = tc_ca_pem;
    cfg.ca_len = tc_ca_pem_len;
    cfg.port = &cli_port;

    heap_meter_owner(OWNER_CLIENT);
    heap_meter_reset_peaks();
    stack_repaint();
    top = stack_pointer();
    st = tnx_client_init(&client, &cfg, &err);
    u->init = stack_depth_from(top);
    check(st == TNX_OK, "tnx_client_init", (long)st);
    if (st != TNX_OK) {
        return;
    }

    srv.body = body1;
    stack_repaint();
    top = stack_pointer();
    st = tnx_initiate(&client, "PO-123", "AR-456", &who, &ar, &err);
    u->first = stack_depth_from(top);
    check(st == TNX_OK, "first tnx_initiate (handshake)", (long)st);
    if (st != TNX_OK) {
        printf("where %s, lib_code -0x%04x, cert_flags 0x%lx\n",
               err.where ? err.where : "-", (unsigned)-err.lib_code,
               (unsigned long)err.cert_flags);
        return;
    }
    check(srv.handshake == 0, "server handshake done", srv.handshake);
    check(strcmp(mbedtls_ssl_get_ciphersuite(&client.ssl),
                 "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256") == 0,
          "suite ECDHE-ECDSA-AES-128-GCM-SHA256", 0);
    check(mbedtls_ssl_get_verify_result(&client.ssl) == 0,
          "server certificate verified", 0);
    check_request("POST /v2/porting_orders/PO-123/action_requirements/"
                  "AR-456/initiate HTTP/1.1",
                  "{\"params\":{\"first_name\":\"John\","
                  "\"last_name\":\"Doe\"}}");
    check_str(ar.id, "AR-456", "id");
    check_str(ar.record_type, "porting_action_requirement", "record_type");
    check_str(ar.porting_order_id, "PO-123", "porting_order_id");
    check_str(ar.requirement_type_id, "53970723-fbff-4f46-a975-f62be6c1a585",
              "requirement_type_id");
    check_str(ar.action_type, "au_id_verification", "action_type");
    check_str(ar.action_url, "https://example.com/action/AR-456",
              "action_url");
    check_str(ar.status_raw, "pending", "status_raw");
    check(ar.status == TNX_AR_PENDING, "status is PENDING", (long)ar.status);
    check_str(ar.cancel_reason, "", "cancel_reason");
    check_str(ar.created_at, "2018-02-02T22:25:27.521Z", "created_at");
    check_str(ar.updated_at, "2018-02-02T22:25:27.522Z", "updated_at");
    check(ar.present == 0x3FF, "all ten fields present", ar.present);
    check(ar.is_null == 1u << TNX_F_CANCEL_REASON, "cancel_reason is null",
          ar.is_null);
    check(ar.truncated == 0, "nothing truncated", ar.truncated);
    check(err.http_status == 200, "http_status 200", err.http_status);
    check_str(err.request_id, "rq-1", "x-request-id kept");
    printf("footprint: heap_connected=%u\n",
           (unsigned)heap_meter_get()->live[OWNER_CLIENT]);

    srv.body = body2;
    stack_repaint();
    top = stack_pointer();
    st = tnx_initiate(&client, "PO 1/2", "AR-789", &who2, &ar, &err);
    u->second = stack_depth_from(top);
    check(st == TNX_OK, "second tnx_initiate (kept alive)", (long)st);
    check(cli_mem.connects == 1, "one connection for both calls",
          (long)cli_mem.connects);
    check(srv.requests == 2, "server answered two requests",
          (long)srv.requests);
    check_request("POST /v2/porting_orders/PO%201%2F2/action_requirements/"
                  "AR-789/initiate HTTP/1.1",
                  "{\"params\":{\"first_name\":\"J\xc3\xbcrgen\","
                  "\"last_name\":\"M\xc3\xbcller\"}}");
    check_str(ar.id, "AR-789", "second: id");
    check_str(ar.porting_order_id, "PO 1/2", "second: porting_order_id");
    check_str(ar.action_url, "", "second: action_url");
    check(ar.status == TNX_AR_CANCELLED, "second: status is CANCELLED",
          (long)ar.status);
    check_str(ar.cancel_reason, "M\xc3\xbcller moved",
              "second: cancel_reason decoded from \\u00fc");
    check_str(ar.updated_at, "2019-01-02T00:00:00Z", "second: updated_at");
    check(ar.present == 0x3FF, "second: all fields present", ar.present);
    check(ar.is_null == 1u << TNX_F_ACTION_URL, "second: action_url null",
          ar.is_null);
    check_str(err.request_id, "rq-2", "second: x-request-id");
}

int main(void)
{
    const heap_meter_stats *hs = heap_meter_get();
    usage u = { 0, 0, 0, 0 };
    uintptr_t top;

    printf("initiate_e2e: telnyx_porting.h %s, mbedTLS %s\n", TNX_VERSION,
           MBEDTLS_VERSION_STRING);
    mbedtls_platform_set_calloc_free(heap_meter_calloc, heap_meter_free);

    run(&u);

    heap_meter_owner(OWNER_CLIENT);
    stack_repaint();
    top = stack_pointer();
    tnx_client_free(&client);
    u.free_ = stack_depth_from(top);
    check(cli_mem.closes == 1, "tnx_client_free closes the connection",
          (long)cli_mem.closes);
    check(hs->live[OWNER_CLIENT] == 0, "client heap all freed",
          (long)hs->live[OWNER_CLIENT]);

    /* close_notify reached the server. */
    heap_meter_owner(OWNER_SERVER);
    {
        unsigned char b[16];
        int r = mbedtls_ssl_read(&srv.ssl, b, sizeof b);
        check(r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY,
              "server sees close_notify", r);
    }
    server_free(&srv);
    check(hs->live_all == 0, "all heap freed", (long)hs->live_all);
    check(hs->failures == 0, "no allocation failed", (long)hs->failures);

    printf("footprint: heap_peak=%u\n", (unsigned)hs->peak[OWNER_CLIENT]);
    printf("footprint: stack_init=%u stack_initiate_handshake=%u "
           "stack_initiate_kept=%u stack_free=%u\n", (unsigned)u.init,
           (unsigned)u.first, (unsigned)u.second, (unsigned)u.free_);
    printf("%d passed, %d failed\n", passes, failures);
    return failures == 0 ? 0 : 1;
}

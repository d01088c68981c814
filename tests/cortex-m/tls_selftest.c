/* tls_selftest.c - a full TLS 1.2 handshake on the target: an mbedTLS
 * client and an mbedTLS server in one image, talking through two in-memory
 * rings, with the small config of mbedtls_config_cm4.h.
 *
 * What it proves, each with an exact check:
 *   1. the handshake completes on both sides with the expected suite, the
 *      client having verified the server's chain and host name;
 *   2. application data crosses both ways intact, then close_notify ends
 *      the session;
 *   3. a client that expects another host name refuses the same server
 *      (verification is really on, not a formality);
 *   4. every byte mbedTLS allocated is freed again;
 *   5. built with TNX_CM_TIME_DATE: certificates are accepted at the
 *      host's time and refused, with the exact flag, as expired in 2037
 *      and as not yet valid in 1970.
 * What it measures: peak heap of the client and of the server (each
 * allocation is charged to the side that made it), and stack depth.
 *
 * The certificates come from test_certs.h, generated at build time from
 * PEM files (ca.pem, server.pem, server.key) by scripts/pem2c.sh.
 * Exit status 0 when all checks pass, 1 otherwise. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform.h"
#include "mbedtls/ssl.h"
#include "mbedtls/version.h"
#include "mbedtls/x509_crt.h"

#include "cm_support.h"
#include "heap_meter.h"
#include "test_certs.h"

#define OWNER_OTHER  0u
#define OWNER_CLIENT 1u
#define OWNER_SERVER 2u

/* Bounds the handshake loop: a TLS 1.2 handshake over these rings takes
 * well under 20 rounds; a stuck one ends the test instead of qemu. */
#define MAX_ROUNDS 200

#define EXPECTED_SUITE "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"

/* ---- In-memory transport: one ring per direction ---- */

#define RING_SIZE 8192u

typedef struct ring {
    uint8_t buf[RING_SIZE];
    size_t head, len;    /* next byte to read; bytes held */
} ring;

typedef struct pipe_end {
    ring *in, *out;
} pipe_end;

static ring to_server, to_client;

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    ring *r = ((pipe_end *)ctx)->out;
    size_t n = 0;

    if (r->len == RING_SIZE) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    while (n < len && r->len < RING_SIZE) {
        r->buf[(r->head + r->len) % RING_SIZE] = buf[n++];
        r->len++;
    }
    return (int)n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    ring *r = ((pipe_end *)ctx)->in;
    size_t n = 0;

    if (r->len == 0) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    while (n < len && r->len > 0) {
        buf[n++] = r->buf[r->head];
        r->head = (r->head + 1) % RING_SIZE;
        r->len--;
    }
    return (int)n;
}

/* ---- Test-only entropy ---- */

/* NOT RANDOM.  A fixed xorshift sequence, so that runs repeat exactly; a
 * device seeds CTR_DRBG from its hardware RNG through the port's hook. */
static int test_entropy(void *ctx, unsigned char *buf, size_t len)
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

/* ---- One TLS endpoint ---- */

typedef struct side {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_ctr_drbg_context drbg;
    uint32_t seed;
    pipe_end pipe;
    int done;            /* handshake finished */
    int ret;             /* last mbedtls_ssl_handshake result */
} side;

static mbedtls_x509_crt ca_crt, srv_crt;
static mbedtls_pk_context srv_key;
static side cli, srv;
static int passes, failures;

static void check(int ok, const char *what, long got)
{
    if (ok) {
        passes++;
    } else {
        if (got < 0) {
            printf("FAIL: %s (got -0x%04lx)\n", what, (unsigned long)-got);
        } else {
            printf("FAIL: %s (got %ld)\n", what, got);
        }
        failures++;
    }
}

static int side_setup(side *s, int endpoint, uint32_t seed)
{
    static const unsigned char pers[] = "tnx-cm-selftest";
    int ret;

    mbedtls_ssl_init(&s->ssl);
    mbedtls_ssl_config_init(&s->conf);
    mbedtls_ctr_drbg_init(&s->drbg);
    s->seed = seed;
    s->done = 0;
    s->ret = 0;

    ret = mbedtls_ctr_drbg_seed(&s->drbg, test_entropy, &s->seed, pers,
                                sizeof pers - 1);
    if (ret != 0) {
        return ret;
    }
    ret = mbedtls_ssl_config_defaults(&s->conf, endpoint,
                                      MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) {
        return ret;
    }
    mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
    return 0;
}

static int pair_setup(const char *hostname)
{
    int ret;

    memset(&to_server, 0, sizeof to_server);
    memset(&to_client, 0, sizeof to_client);

    heap_meter_owner(OWNER_CLIENT);
    ret = side_setup(&cli, MBEDTLS_SSL_IS_CLIENT, 0x1234567u);
    if (ret != 0) {
        return ret;
    }
    mbedtls_ssl_conf_authmode(&cli.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&cli.conf, &ca_crt, NULL);
    ret = mbedtls_ssl_setup(&cli.ssl, &cli.conf);
    if (ret != 0) {
        return ret;
    }
    ret = mbedtls_ssl_set_hostname(&cli.ssl, hostname);
    if (ret != 0) {
        return ret;
    }
    cli.pipe.in = &to_client;
    cli.pipe.out = &to_server;
    mbedtls_ssl_set_bio(&cli.ssl, &cli.pipe, bio_send, bio_recv, NULL);

    heap_meter_owner(OWNER_SERVER);
    ret = side_setup(&srv, MBEDTLS_SSL_IS_SERVER, 0x89abcdefu);
    if (ret != 0) {
        return ret;
    }
    ret = mbedtls_ssl_conf_own_cert(&srv.conf, &srv_crt, &srv_key);
    if (ret != 0) {
        return ret;
    }
    ret = mbedtls_ssl_setup(&srv.ssl, &srv.conf);
    if (ret != 0) {
        return ret;
    }
    srv.pipe.in = &to_server;
    srv.pipe.out = &to_client;
    mbedtls_ssl_set_bio(&srv.ssl, &srv.pipe, bio_send, bio_recv, NULL);
    return 0;
}

static void side_free(side *s)
{
    mbedtls_ssl_free(&s->ssl);
    mbedtls_ssl_config_free(&s->conf);
    mbedtls_ctr_drbg_free(&s->drbg);
}

static int is_wait(int ret)
{
    return ret == MBEDTLS_ERR_SSL_WANT_READ ||
           ret == MBEDTLS_ERR_SSL_WANT_WRITE;
}

static void step(side *s, unsigned owner)
{
    if (s->done || (s->ret != 0 && !is_wait(s->ret))) {
        return;
    }
    heap_meter_owner(owner);
    s->ret = mbedtls_ssl_handshake(&s->ssl);
    s->done = s->ret == 0;
}

/* Runs both handshakes in turns until both end or one fails; returns the
 * number of rounds. */
static int handshake_pair(void)
{
    int round;

    for (round = 1; round <= MAX_ROUNDS; round++) {
        step(&cli, OWNER_CLIENT);
        step(&srv, OWNER_SERVER);
        if (cli.done && srv.done) {
            return round;
        }
        if (!cli.done && !is_wait(cli.ret)) {
            return round;    /* the client gave up: the caller checks why */
        }
        if (!srv.done && !is_wait(srv.ret)) {
            return round;
        }
    }
    return round;
}

/* ---- The checks ---- */

static void test_handshake_and_data(void)
{
    static const char request[] = "GET /ping HTTP/1.1\r\n"
                                  "Host: localhost\r\n\r\n";
    static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n"
                                 "\r\npong";
    unsigned char buf[128];
    const heap_meter_stats *st = heap_meter_get();
    int ret, rounds;

    ret = pair_setup("localhost");
    check(ret == 0, "pair_setup(localhost)", ret);
    if (ret != 0) {
        return;
    }

    rounds = handshake_pair();
    check(cli.ret == 0, "client handshake", cli.ret);
    check(srv.ret == 0, "server handshake", srv.ret);
    check(rounds <= 20, "handshake rounds <= 20", rounds);
    if (cli.ret != 0 || srv.ret != 0) {
        side_free(&cli);
        side_free(&srv);
        return;
    }
    check(mbedtls_ssl_get_verify_result(&cli.ssl) == 0,
          "client verify flags", (long)mbedtls_ssl_get_verify_result(&cli.ssl));
    check(strcmp(mbedtls_ssl_get_ciphersuite(&cli.ssl), EXPECTED_SUITE) == 0,
          "ciphersuite is " EXPECTED_SUITE, 0);
    printf("handshake: %d rounds, %s, %s\n", rounds,
           mbedtls_ssl_get_version(&cli.ssl),
           mbedtls_ssl_get_ciphersuite(&cli.ssl));
    printf("heap while connected: client %u B, server %u B\n",
           (unsigned)st->live[OWNER_CLIENT], (unsigned)st->live[OWNER_SERVER]);

    /* Client to server. */
    heap_meter_owner(OWNER_CLIENT);
    ret = mbedtls_ssl_write(&cli.ssl, (const unsigned char *)request,
                            sizeof request - 1);
    check(ret == (int)(sizeof request - 1), "client write", ret);
    heap_meter_owner(OWNER_SERVER);
    ret = mbedtls_ssl_read(&srv.ssl, buf, sizeof buf);
    check(ret == (int)(sizeof request - 1) &&
          memcmp(buf, request, sizeof request - 1) == 0,
          "server reads the request intact", ret);

    /* Server to client. */
    ret = mbedtls_ssl_write(&srv.ssl, (const unsigned char *)answer,
                            sizeof answer - 1);
    check(ret == (int)(sizeof answer - 1), "server write", ret);
    heap_meter_owner(OWNER_CLIENT);
    ret = mbedtls_ssl_read(&cli.ssl, buf, sizeof buf);
    check(ret == (int)(sizeof answer - 1) &&
          memcmp(buf, answer, sizeof answer - 1) == 0,
          "client reads the answer intact", ret);

    /* The client closes; the server sees close_notify. */
    ret = mbedtls_ssl_close_notify(&cli.ssl);
    check(ret == 0, "client close_notify", ret);
    heap_meter_owner(OWNER_SERVER);
    ret = mbedtls_ssl_read(&srv.ssl, buf, sizeof buf);
    check(ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY,
          "server sees close_notify", ret);

    side_free(&cli);
    side_free(&srv);
}

static void test_wrong_host_refused(void)
{
    uint32_t flags;
    int ret;

    ret = pair_setup("api.example.invalid");
    check(ret == 0, "pair_setup(other host)", ret);
    if (ret != 0) {
        return;
    }
    (void)handshake_pair();
    flags = mbedtls_ssl_get_verify_result(&cli.ssl);
    check(cli.ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED,
          "wrong host: handshake fails with CERT_VERIFY_FAILED", cli.ret);
    check(flags == MBEDTLS_X509_BADCERT_CN_MISMATCH,
          "wrong host: verify flags are exactly CN_MISMATCH", (long)flags);
    check(!srv.done, "wrong host: server does not finish", srv.done);
    side_free(&cli);
    side_free(&srv);
}

#if defined(MBEDTLS_HAVE_TIME_DATE)
/* Built with TNX_CM_TIME_DATE: the validity dates are checked against the
 * clock mbedTLS is given, and this test moves that clock. */
static mbedtls_time_t fake_now;

static mbedtls_time_t fake_time(mbedtls_time_t *t)
{
    if (t != NULL) {
        *t = fake_now;
    }
    return fake_now;
}

static void handshake_at(mbedtls_time_t when, uint32_t want, const char *what)
{
    uint32_t flags;
    int ret;

    fake_now = when;
    ret = pair_setup("localhost");
    check(ret == 0, what, ret);
    if (ret != 0) {
        return;
    }
    (void)handshake_pair();
    flags = mbedtls_ssl_get_verify_result(&cli.ssl);
    if (want == 0) {
        check(cli.ret == 0 && flags == 0, what, cli.ret);
    } else {
        check(cli.ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, what, cli.ret);
        check(flags == want, what, (long)flags);
    }
    side_free(&cli);
    side_free(&srv);
}

static void test_certificate_dates(void)
{
    mbedtls_platform_set_time(fake_time);
    /* The test certificates were made at build time, valid for years. */
    handshake_at((mbedtls_time_t)cm_host_time(), 0,
                 "dates: accepted at the host's time");
    /* 2037-01-01: after notAfter, and still below 2^31 for any time_t. */
    handshake_at((mbedtls_time_t)2114380800L, MBEDTLS_X509_BADCERT_EXPIRED,
                 "dates: refused as expired in 2037");
    /* 1970-01-02: what a device without a clock would believe. */
    handshake_at((mbedtls_time_t)86400L, MBEDTLS_X509_BADCERT_FUTURE,
                 "dates: refused as not yet valid in 1970");
}
#endif

static int load_credentials(void)
{
    int ret;

    mbedtls_x509_crt_init(&ca_crt);
    mbedtls_x509_crt_init(&srv_crt);
    mbedtls_pk_init(&srv_key);

    /* The parsed CA stays with the client for its whole life. */
    heap_meter_owner(OWNER_CLIENT);
    ret = mbedtls_x509_crt_parse(&ca_crt, tc_ca_pem, tc_ca_pem_len);
    check(ret == 0, "parse ca.pem", ret);

    heap_meter_owner(OWNER_SERVER);
    ret = mbedtls_x509_crt_parse(&srv_crt, tc_server_pem, tc_server_pem_len);
    check(ret == 0, "parse server.pem", ret);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    {
        /* 3.x wants an RNG for blinding while it checks the key pair. */
        mbedtls_ctr_drbg_context drbg;
        uint32_t seed = 0x5eed5eedu;

        mbedtls_ctr_drbg_init(&drbg);
        ret = mbedtls_ctr_drbg_seed(&drbg, test_entropy, &seed, NULL, 0);
        if (ret == 0) {
            ret = mbedtls_pk_parse_key(&srv_key, tc_server_key,
                                       tc_server_key_len, NULL, 0,
                                       mbedtls_ctr_drbg_random, &drbg);
        }
        mbedtls_ctr_drbg_free(&drbg);
    }
#else
    ret = mbedtls_pk_parse_key(&srv_key, tc_server_key, tc_server_key_len,
                               NULL, 0);
#endif
    check(ret == 0, "parse server.key", ret);
    return failures == 0;
}

int main(void)
{
    const heap_meter_stats *st = heap_meter_get();

    printf("tls_selftest: mbedTLS %s\n", MBEDTLS_VERSION_STRING);
    mbedtls_platform_set_calloc_free(heap_meter_calloc, heap_meter_free);

    if (load_credentials()) {
        test_handshake_and_data();
        printf("peak heap: client %u B, server %u B, both %u B, "
               "arena %u B\n",
               (unsigned)st->peak[OWNER_CLIENT],
               (unsigned)st->peak[OWNER_SERVER], (unsigned)st->peak_all,
               (unsigned)st->arena_peak);
        test_wrong_host_refused();
#if defined(MBEDTLS_HAVE_TIME_DATE)
        test_certificate_dates();
#endif
    }

    heap_meter_owner(OWNER_OTHER);
    mbedtls_x509_crt_free(&ca_crt);
    mbedtls_x509_crt_free(&srv_crt);
    mbedtls_pk_free(&srv_key);
    check(st->live_all == 0, "all heap freed", (long)st->live_all);
    check(st->failures == 0, "no allocation failed", (long)st->failures);

    printf("stack: %u of %u B used; %lu allocations\n",
           (unsigned)stack_high_water(), (unsigned)stack_size(),
           st->allocs);
    printf("%d passed, %d failed\n", passes, failures);
    return failures == 0 ? 0 : 1;
}

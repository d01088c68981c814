/* tls_client_probe.c - a TLS client image built with the client-only
 * config (TNX_CM_CLIENT_ONLY), so that its map file shows how much flash
 * mbedTLS takes in a device that uses it the way the library does: parse a
 * CA, seed CTR_DRBG, set up a client, handshake, write, read.
 *
 * It also runs: with no server behind it, the handshake must send one
 * well-formed TLS 1.2 ClientHello naming the host (SNI) and then wait for
 * an answer (WANT_READ), and a later read must wait too.
 * Exit status 0 when those checks pass. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/platform.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

#include "cm_support.h"
#include "heap_meter.h"
#include "test_certs.h"

static uint8_t sent[2048];
static size_t sent_len;
static int passes, failures;

static int probe_send(void *ctx, const unsigned char *buf, size_t len)
{
    size_t room = sizeof sent - sent_len;

    (void)ctx;
    if (len > room) {
        len = room;
    }
    if (len == 0) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    memcpy(sent + sent_len, buf, len);
    sent_len += len;
    return (int)len;
}

static int probe_recv(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return MBEDTLS_ERR_SSL_WANT_READ;
}

/* NOT RANDOM: a fixed sequence for a repeatable test; a device seeds from
 * its hardware RNG. */
static int test_entropy(void *ctx, unsigned char *buf, size_t len)
{
    uint32_t *s = ctx;
    size_t i;

    for (i = 0; i < len; i++) {
        *s = *s * 1103515245u + 12345u;
        buf[i] = (unsigned char)(*s >> 16);
    }
    return 0;
}

static void check(int ok, const char *what, long got)
{
    if (ok) {
        passes++;
    } else {
        printf("FAIL: %s (got %ld)\n", what, got);
        failures++;
    }
}

/* True if the ClientHello bytes hold "localhost" (the SNI extension). */
static int has_host(const uint8_t *p, size_t n)
{
    static const char host[] = "localhost";
    size_t i;

    for (i = 0; i + sizeof host - 1 <= n; i++) {
        if (memcmp(p + i, host, sizeof host - 1) == 0) {
            return 1;
        }
    }
    return 0;
}

int main(void)
{
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca;
    uint32_t seed = 42;
    unsigned char buf[64];
    const heap_meter_stats *st = heap_meter_get();
    int ret;

    mbedtls_platform_set_calloc_free(heap_meter_calloc, heap_meter_free);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&ca);

    ret = mbedtls_x509_crt_parse(&ca, tc_ca_pem, tc_ca_pem_len);
    check(ret == 0, "parse ca.pem", ret);
    ret = mbedtls_ctr_drbg_seed(&drbg, test_entropy, &seed, NULL, 0);
    check(ret == 0, "seed CTR_DRBG", ret);
    ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
                                      MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT);
    check(ret == 0, "config defaults", ret);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    ret = mbedtls_ssl_setup(&ssl, &conf);
    check(ret == 0, "ssl setup", ret);
    ret = mbedtls_ssl_set_hostname(&ssl, "localhost");
    check(ret == 0, "set hostname", ret);
    mbedtls_ssl_set_bio(&ssl, NULL, probe_send, probe_recv, NULL);

    ret = mbedtls_ssl_handshake(&ssl);
    check(ret == MBEDTLS_ERR_SSL_WANT_READ, "handshake waits for the server",
          ret);
    /* Record header: handshake (22), version 3.3 (TLS 1.2), then the
     * handshake header: type client_hello (1). */
    check(sent_len > 9 && sent[0] == 22 && sent[1] == 3 && sent[2] == 3 &&
          sent[5] == 1, "one TLS 1.2 ClientHello record", (long)sent_len);
    check(sent_len == 5u + (((size_t)sent[3] << 8) | sent[4]),
          "exactly one record was sent", (long)sent_len);
    check(has_host(sent, sent_len), "ClientHello names localhost (SNI)", 0);
    ret = mbedtls_ssl_read(&ssl, buf, sizeof buf);
    check(ret == MBEDTLS_ERR_SSL_WANT_READ, "read waits too", ret);
    if (ret == 0) {
        /* Never taken; keeps the write path in the image for the size. */
        ret = mbedtls_ssl_write(&ssl, buf, sizeof buf);
    }
    printf("client probe: ClientHello %u B, heap peak %u B\n",
           (unsigned)sent_len, (unsigned)st->peak_all);

    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_x509_crt_free(&ca);
    check(st->live_all == 0, "all heap freed", (long)st->live_all);
    printf("stack: %u B used\n", (unsigned)stack_high_water());
    printf("%d passed, %d failed\n", passes, failures);
    return failures == 0 ? 0 : 1;
}

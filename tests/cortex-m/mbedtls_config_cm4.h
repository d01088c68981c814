/* mbedtls_config_cm4.h - a small mbedTLS configuration for microcontrollers
 * (Cortex-M0+ to M4), used as MBEDTLS_CONFIG_FILE for both mbedTLS 2.28 and
 * 3.6.  It holds what a TLS 1.2 client of one HTTPS API needs, and nothing
 * else:
 *
 *   - TLS 1.2 only, ECDHE-ECDSA key exchange on P-256, AES-GCM records
 *     (128 and 256), SHA-256 and SHA-384 (CAs often sign with SHA-384);
 *   - X.509 certificate parsing and chain verification, PEM input;
 *   - CTR_DRBG seeded by the caller's entropy function (the client library
 *     seeds it from the port's entropy hook), so no entropy module and no
 *     platform entropy: a microcontroller has no /dev/urandom;
 *   - no file system, no sockets (the port does I/O), no timing module,
 *     no debug strings, no error strings.
 *
 * Switches (define on the compiler command line):
 *
 *   TNX_CM_CLIENT_ONLY   leave the TLS server out.  A device needs no
 *                        server; the test image that runs client and server
 *                        in one program does.  ssl_tls.c links the server
 *                        state machine in whenever it is compiled, so this
 *                        is what makes a client image smaller.
 *   TNX_CM_TIME_DATE     check certificate validity dates.  Off by default:
 *                        without MBEDTLS_HAVE_TIME_DATE mbedTLS does not
 *                        look at notBefore/notAfter at all, so an EXPIRED
 *                        or not-yet-valid certificate is accepted (the
 *                        signature chain and host name are still checked).
 *                        On needs a wall clock: time() and gmtime_r() from
 *                        the C library, i.e. an RTC set from the network
 *                        (SNTP) or at manufacture.  A device that boots at
 *                        1970 with this on refuses every certificate as
 *                        not yet valid - the reason it is off here.
 *   TNX_CM_IN_LEN        bytes of plaintext in one received record (4096).
 *   TNX_CM_OUT_LEN       the same for sent records (4096).
 *
 * About TNX_CM_IN_LEN: TLS lets a server send records of up to 16384
 * bytes.  The client asks for smaller ones with the max_fragment_length
 * extension (MBEDTLS_SSL_MAX_FRAGMENT_LENGTH, then
 * mbedtls_ssl_conf_max_frag_len), but many servers ignore it; a server that
 * sends a longer record makes the handshake or a read fail.  So 4096 is
 * right for the in-image test and for servers known to honour the
 * extension; against an arbitrary server use 16384, which costs 12 KB more
 * heap while a connection is open.
 *
 * About the server's certificate type: this config can verify only ECDSA
 * P-256 signatures.  A server whose chain is RSA needs
 * MBEDTLS_RSA_C, MBEDTLS_PKCS1_V15 (and V21 for RSA-PSS),
 * MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED, and MBEDTLS_MPI_MAX_SIZE 512.
 */
#ifndef TNX_MBEDTLS_CONFIG_CM4_H
#define TNX_MBEDTLS_CONFIG_CM4_H

/* mbedTLS 2.28.3's ctr_drbg.c, oid.c and ssl_msg.c use INT_MAX without
 * including <limits.h>; the default config gets it in through modules that
 * this one leaves out (net_sockets, timing, the file system). */
#include <limits.h>

/* ---- System ---- */

/* Assembly multiply-accumulate for bignums: Thumb-2 (UMAAL) on M3/M4 and a
 * Thumb-1 version on M0+; several times faster ECDHE/ECDSA. */
#define MBEDTLS_HAVE_ASM

#if defined(TNX_CM_TIME_DATE)
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
/* The clock is a function pointer, set with mbedtls_platform_set_time()
 * once the device knows the time (SNTP, RTC); until then it is the C
 * library's time().  gmtime_r() still comes from the C library. */
#define MBEDTLS_PLATFORM_TIME_ALT
/* 3.6 wants a millisecond clock with HAVE_TIME and has none for newlib;
 * only TLS 1.3 and session tickets use it, both off here, so this switch
 * only stops platform_util.c from looking for clock_gettime(). */
#define MBEDTLS_PLATFORM_MS_TIME_ALT
#endif

/* mbedtls_calloc/free are function pointers that the application (or the
 * test's counting allocator) sets with mbedtls_platform_set_calloc_free;
 * they default to the C library's calloc and free. */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_NO_PLATFORM_ENTROPY

/* ---- Symmetric crypto and hashes ---- */

#define MBEDTLS_AES_C
/* The AES tables in flash (const) instead of built in RAM at first use,
 * and one table instead of four: 8 KB less flash, 6 KB less RAM. */
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C          /* 2.28: SHA-384 lives in the SHA-512 code */
#define MBEDTLS_SHA384_C          /* 3.6: SHA-384 has its own switch */
#define MBEDTLS_SHA256_SMALLER    /* loops, not unrolled: less flash */
#define MBEDTLS_SHA512_SMALLER
#define MBEDTLS_CTR_DRBG_C

/* ---- Public key ---- */

#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM    /* fast reduction modulo the P-256 prime */
/* Small precomputation windows: a little slower, far less RAM. */
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
/* Largest bignum in bytes: P-256 needs 32; 48 leaves room for P-384. */
#define MBEDTLS_MPI_MAX_SIZE 48
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C      /* ECDSA signatures are DER-encoded */
#define MBEDTLS_OID_C

/* ---- Certificates ---- */

#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C

/* ---- TLS ---- */

#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#if !defined(TNX_CM_CLIENT_ONLY)
#define MBEDTLS_SSL_SRV_C
#endif
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION   /* shared hosts need SNI */
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
/* The peer's certificate is dropped after the handshake (its verify
 * result is kept): several KB of heap less while connected. */
#undef MBEDTLS_SSL_KEEP_PEER_CERTIFICATE

#if !defined(TNX_CM_IN_LEN)
#define TNX_CM_IN_LEN 4096
#endif
#if !defined(TNX_CM_OUT_LEN)
#define TNX_CM_OUT_LEN 4096
#endif
#define MBEDTLS_SSL_IN_CONTENT_LEN TNX_CM_IN_LEN
#define MBEDTLS_SSL_OUT_CONTENT_LEN TNX_CM_OUT_LEN

/* The suites offered, best first; the list mbedTLS builds otherwise has
 * every suite the config allows, in a table in flash and in ClientHello. */
#define MBEDTLS_SSL_CIPHERSUITES \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384

#endif /* TNX_MBEDTLS_CONFIG_CM4_H */

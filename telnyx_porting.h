/* telnyx_porting.h - v0.1.0 - initiate a Telnyx porting-order action
 * requirement over HTTPS, in memory fixed at compile time.  MIT licence.
 *
 * One operation of the Telnyx v2 API, for devices:
 *
 *   POST /v2/porting_orders/{porting_order_id}/action_requirements/{id}/initiate
 *   {"params":{"first_name":"...","last_name":"..."}}
 *
 * The header holds a small HTTP/1.1 client over mbedTLS, a streaming JSON
 * writer and a streaming JSON reader for the operation's schemas.  The library
 * never calls an allocator (mbedTLS keeps its own), never recurses, and reads
 * a response of any size in constant memory.  Sockets, the clock and entropy
 * come from a port: a table of six hooks and an optional seventh, sleep
 * (see ports/ and "Socket hooks").
 *
 * DO THIS in exactly one C file:
 *
 *     #define TELNYX_PORTING_IMPLEMENTATION
 *     #include "telnyx_porting.h"
 *
 *     tnx_client c;   // caller's memory: ~2 KB on a 32-bit MCU, 3-4 KB
 *                     // on a 64-bit host, mbedTLS's contexts included
 *     tnx_config cfg = tnx_config_default();
 *     cfg.api_key = key;  cfg.ca = ca_pem;  cfg.ca_len = ca_pem_len + 1;
 *     cfg.port = &my_port;              // from ports/, or your own
 *     tnx_params who = { "John", "Doe" };
 *     tnx_action_requirement ar;  tnx_error err;
 *     if (tnx_client_init(&c, &cfg, &err) == TNX_OK &&
 *         tnx_initiate(&c, "PO-ID", "AR-ID", &who, &ar, &err) == TNX_OK) ...
 *     tnx_client_free(&c);
 *
 * CONFIGURATION (define before the include; each has a default)
 *
 *   TELNYX_PORTING_IMPLEMENTATION  compile the implementation here
 *   TNX_STATIC             make every function static (one-file builds)
 *   TNX_NO_TLS             no mbedTLS: plain HTTP, or a port that does TLS
 *                          itself (modem TLS offload)
 *   TNX_ASSERT(x)          assert used inside the library   (assert.h's)
 *   TNX_NO_LOG             compile logging out (saves ~1.4 KB flash)
 *   TNX_NO_STATUS_TEXT     tnx_status_text gives the status name, not a
 *                          sentence (saves ~1 KB flash)
 *   TNX_IO_BUF_SIZE        bytes of the one I/O buffer          (256)
 *   TNX_LINE_MAX           bytes of an HTTP header line kept   (128)
 *   TNX_HOST_MAX           bytes of the host name, NUL incl.    (64)
 *   TNX_PATH_MAX           bytes of the base path, NUL incl.    (32)
 *   TNX_ID_MAX             bytes of id, porting_order_id,
 *                          requirement_type_id, NUL incl.       (48)
 *   TNX_TEXT_MAX           bytes of record_type, action_type,
 *                          status, created_at, updated_at       (40)
 *   TNX_URL_MAX            bytes of action_url                  (256)
 *   TNX_REASON_MAX         bytes of cancel_reason               (128)
 *   TNX_NAME_MAX           bytes of a name read by tnx_reader_params (128)
 *   TNX_ERRORS_MAX         errors[] entries kept; the rest counted (2)
 *   TNX_ERR_CODE_MAX, TNX_ERR_TITLE_MAX, TNX_ERR_DETAIL_MAX,
 *   TNX_ERR_POINTER_MAX, TNX_ERR_URL_MAX
 *                          sizes of an error's strings
 *                          (16, 64, 160, 48, 80)
 *   TNX_REQUEST_ID_MAX     bytes of x-request-id kept           (48)
 *   TNX_JSON_DEPTH_MAX     deepest JSON nesting accepted, one bit
 *                          of state a level (1..65535)          (32)
 *   TNX_JSON_KEY_MAX       bytes of a JSON key kept to compare,
 *                          at least 20 (the longest field name) (24)
 *   TNX_BODY_MAX_DEFAULT   response body cap in bytes, 0 = none (1 MiB)
 *   TNX_LOG_LINE_MAX       bytes of a log line, NUL incl.; longer lines
 *                          are cut and end in "..." (160, at least 16)
 *
 * KNOWN LIMITS (and what to do about them)
 *
 *   - Mapped strings longer than their field are cut at a UTF-8 boundary and
 *     flagged in `truncated` (a bit per field); raise the size macro.
 *   - An embedded \u0000 ends a mapped C string; the field is flagged too.
 *   - JSON nested deeper than TNX_JSON_DEPTH_MAX is refused (TNX_E_DEPTH),
 *     inside skipped values too; raise the macro if a server needs more.
 *   - A repeated key (RFC 8259 allows it) is applied in order: the last
 *     value of a field wins, a repeated object fills the same fields, a
 *     repeated `errors` array adds entries.  Nothing reports the repeat.
 *   - A field of the wrong type stops the reader at once (TNX_E_SCHEMA),
 *     so the rest of that body is not checked; tnx_reader_json checks the
 *     grammar of a whole body.
 *   - One request at a time per tnx_client; use one client per thread.
 *   - A server that closes a kept connection just after an answer, without
 *     Connection: close, can make the next call fail with TNX_E_CLOSED (the
 *     request left; it is not re-sent unless retry_unsafe is set).
 *   - Retry-After as an HTTP-date needs the answer's Date header to become
 *     a wait; without it the backoff applies.
 *   - mbedTLS allocates its own record buffers (MBEDTLS_PLATFORM_MEMORY and
 *     MBEDTLS_SSL_IN/OUT_CONTENT_LEN bound them), and the kept TLS session:
 *     its ticket and a copy of the server certificate (less without
 *     MBEDTLS_SSL_KEEP_PEER_CERTIFICATE; none with tls_no_resumption).
 *   - TLS 1.3 tickets are only used with MBEDTLS_HAVE_TIME (ticket age);
 *     without it a reconnection makes a full handshake.
 *   - Flash: about 19 KB on Cortex-M4 at -Os (16 KB with TNX_NO_LOG and
 *     TNX_NO_STATUS_TEXT), plus mbedTLS's ~52 KB; `make size` shows where
 *     it goes.  The validating JSON reader, HTTP-date parsing and retries
 *     are most of it.
 *
 * SECURITY (README.md, "TLS and security", has the whole list)
 *
 *   - Certificates are always verified; only insecure_skip_tls_verify == 1
 *     turns that off.  TLS 1.2 at least; 1.3 where mbedTLS has it.
 *   - Path parameters: every byte but A-Z a-z 0-9 - . _ ~ is
 *     percent-encoded; "", "." and ".." are refused (TNX_E_PATH_PARAM).
 *   - The API key must be printable ASCII without spaces (TNX_E_API_KEY);
 *     it is never logged ("<redacted>"), never put in an error, and wiped
 *     from the I/O buffer (mbedtls_platform_zeroize) after each request.
 *
 * Prefixes: tnx_ and TNX_ are public; tnx__ and TNX__ are private.
 */
#ifndef TELNYX_PORTING_H
#define TELNYX_PORTING_H

#include <stddef.h>
#include <stdint.h>

#define TNX_VERSION "0.1.0"

#if defined(TNX_STATIC) && (defined(__GNUC__) || defined(__clang__))
#define TNX_DEF static __attribute__((unused))
#elif defined(TNX_STATIC)
#define TNX_DEF static
#else
#define TNX_DEF extern
#endif

#ifndef TNX_IO_BUF_SIZE
#define TNX_IO_BUF_SIZE 256
#endif
#ifndef TNX_LINE_MAX
#define TNX_LINE_MAX 128
#endif
#ifndef TNX_HOST_MAX
#define TNX_HOST_MAX 64
#endif
#ifndef TNX_PATH_MAX
#define TNX_PATH_MAX 32
#endif
#ifndef TNX_ID_MAX
#define TNX_ID_MAX 48
#endif
#ifndef TNX_TEXT_MAX
#define TNX_TEXT_MAX 40
#endif
#ifndef TNX_URL_MAX
#define TNX_URL_MAX 256
#endif
#ifndef TNX_REASON_MAX
#define TNX_REASON_MAX 128
#endif
#ifndef TNX_NAME_MAX
#define TNX_NAME_MAX 128
#endif
#ifndef TNX_ERRORS_MAX
#define TNX_ERRORS_MAX 2
#endif
#ifndef TNX_ERR_CODE_MAX
#define TNX_ERR_CODE_MAX 16
#endif
#ifndef TNX_ERR_TITLE_MAX
#define TNX_ERR_TITLE_MAX 64
#endif
#ifndef TNX_ERR_DETAIL_MAX
#define TNX_ERR_DETAIL_MAX 160
#endif
#ifndef TNX_ERR_POINTER_MAX
#define TNX_ERR_POINTER_MAX 48
#endif
#ifndef TNX_ERR_URL_MAX
#define TNX_ERR_URL_MAX 80
#endif
#ifndef TNX_REQUEST_ID_MAX
#define TNX_REQUEST_ID_MAX 48
#endif
#ifndef TNX_JSON_DEPTH_MAX
#define TNX_JSON_DEPTH_MAX 32
#endif
#ifndef TNX_JSON_KEY_MAX
#define TNX_JSON_KEY_MAX 24
#endif
#ifndef TNX_BODY_MAX_DEFAULT
#define TNX_BODY_MAX_DEFAULT (1024UL * 1024UL)
#endif
#ifndef TNX_LOG_LINE_MAX
#define TNX_LOG_LINE_MAX 160
#endif
#if TNX_LOG_LINE_MAX < 16
#error "TNX_LOG_LINE_MAX must be at least 16"
#endif

#ifndef TNX_NO_TLS
#include <mbedtls/ssl.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/x509_crt.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* Status codes                                                             */
/* ======================================================================== */

/* One list makes the enum and the messages, so no code lacks its words. */
#define TNX_STATUS_LIST(X) \
    X(TNX_OK,           "ok") \
    X(TNX_E_ARG,        "invalid argument or configuration") \
    X(TNX_E_URL,        "base URL is not http(s)://host[:port][/path]") \
    X(TNX_E_PATH_PARAM, "path parameter is empty, '.' or '..'") \
    X(TNX_E_API_KEY,    "API key is empty or has a non-printable character") \
    X(TNX_E_PARAMS,     "params are missing a name or are not valid UTF-8") \
    X(TNX_E_DNS,        "host name did not resolve") \
    X(TNX_E_CONNECT,    "could not connect (refused or unreachable)") \
    X(TNX_E_TIMEOUT,    "deadline passed before the call completed") \
    X(TNX_E_IO,         "socket error while sending or receiving") \
    X(TNX_E_CLOSED,     "connection closed before the response ended") \
    X(TNX_E_ENTROPY,    "entropy source failed") \
    X(TNX_E_CA,         "CA certificate could not be parsed (PEM or DER)") \
    X(TNX_E_TLS,        "TLS handshake or record layer failed") \
    X(TNX_E_CERT,       "server certificate was refused") \
    X(TNX_E_HTTP,       "malformed HTTP response") \
    X(TNX_E_HEADER,     "a needed HTTP header is longer than TNX_LINE_MAX") \
    X(TNX_E_BODY_LARGE, "response body is larger than the configured cap") \
    X(TNX_E_JSON,       "malformed JSON in the response body") \
    X(TNX_E_DEPTH,      "JSON nested deeper than TNX_JSON_DEPTH_MAX") \
    X(TNX_E_SCHEMA,     "JSON field missing or of the wrong type") \
    X(TNX_E_API,        "API answered with an error status") \
    X(TNX_E_UTF8,       "string to write is not valid UTF-8") \
    X(TNX_E_PORT,       "socket port broke the hook contract")

#define TNX__ENUM(name, text) name,
typedef enum tnx_status { TNX_STATUS_LIST(TNX__ENUM) TNX_STATUS_COUNT } tnx_status;
#undef TNX__ENUM

/* "TNX_E_TIMEOUT" for TNX_E_TIMEOUT; "?" for a value outside the enum. */
TNX_DEF const char *tnx_status_name(tnx_status s);
/* A sentence a person can act on, e.g. "host name did not resolve". */
TNX_DEF const char *tnx_status_text(tnx_status s);

/* ======================================================================== */
/* Socket hooks: the port interface                                         */
/* ======================================================================== */

/* Results of the I/O hooks.  send and recv return a count of bytes (> 0) or
 * one of these; none of them is 0, and a hook that returns 0 breaks the
 * contract (the library reports TNX_E_PORT). connect returns TNX_IO_OK. */
enum tnx_io {
    TNX_IO_OK       =  0,  /* connect: connected */
    TNX_IO_TIMEOUT  = -1,  /* nothing done before timeout_ms (or would block) */
    TNX_IO_CLOSED   = -2,  /* recv: the peer closed (end of stream); sticks */
    TNX_IO_ERROR    = -3,  /* anything else: reset, unreachable, ... */
    TNX_IO_NO_HOST  = -4,  /* connect: the name did not resolve */
    TNX_IO_REFUSED  = -5   /* connect: nothing listens there */
};

/* A port: six functions, an optional sleep, and the context pointer handed
 * to each of them.
 *
 * The contract (ports/README.md walks through it; tests/port_contract.h
 * checks it):
 * - connect: resolve `host` (a name or an IP literal) and open a TCP
 *   connection to `port`, giving up after `timeout_ms`.  Tries every address
 *   the name resolves to, IPv6 and IPv4, moving on after a refusal.  Closes
 *   any socket a previous connect left in ctx first, then keeps the new one
 *   there.  Names under ".invalid" never resolve (RFC 6761).  Resolution is
 *   bounded by timeout_ms only where the platform allows it (getaddrinfo
 *   is not): say in the port what bounds it.
 * - send: write 1..len bytes; a partial write is fine, the library loops.
 *   Blocks at most timeout_ms, then returns TNX_IO_TIMEOUT.
 * - recv: read 1..len bytes that have arrived, without waiting to fill len;
 *   blocks at most timeout_ms.  Returns TNX_IO_CLOSED once the peer has
 *   closed and all data is read, and again at every later call.  A stack's
 *   "0 bytes" needs care: BSD recv's 0 is the peer's close, FreeRTOS+TCP's
 *   FreeRTOS_recv 0 is a timeout.
 * - close: release the socket without blocking; safe twice or before
 *   connect.  send and recv on a closed port return TNX_IO_ERROR.
 * - now_ms: a monotonic millisecond clock, not the wall clock; it may wrap
 *   at 2^32 (the library only subtracts), and never goes back otherwise.
 * - entropy: fill buf with len bytes from a real entropy source (a TRNG,
 *   getrandom, BCryptGenRandom: it seeds the TLS random generator); return
 *   0, or -1 on failure.  May be NULL when built with TNX_NO_TLS.
 * Deadlines: timeout_ms is what is left of the call's deadline, never more
 * than the caller configured.  TNX_IO_TIMEOUT means that timeout_ms has
 * passed by the port's own now_ms, never earlier; with 0 it means "would
 * block" and comes at once.  A hook that retries (EINTR, early wake-ups)
 * waits what is left, not timeout_ms again.
 * Sizes: len is at least 1 and never exceeds INT_MAX.
 * Blocking: connect, send and recv may block, each up to timeout_ms; close,
 * now_ms and entropy do not.  On a stack with no thread of its own (lwIP
 * with NO_SYS=1, a bare-metal loop) the blocking hooks must drive the stack
 * (poll the interface, run its timers) while they wait: nothing else will.
 * Threads: one client's hooks are called from one thread at a time; give
 * each client its own ctx.
 * TLS offload: built with TNX_NO_TLS the library sends plain HTTP through
 * these hooks, so a port behind an https:// URL does TLS itself (a modem,
 * Zephyr's TLS sockets); connect's port is then 443 unless the URL says. */
typedef struct tnx_port {
    int (*connect)(void *ctx, const char *host, uint16_t port,
                   uint32_t timeout_ms);
    int (*send)(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms);
    int (*recv)(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms);
    void (*close)(void *ctx);
    uint32_t (*now_ms)(void *ctx);
    int (*entropy)(void *ctx, uint8_t *buf, size_t len);
    void *ctx;
    /* Optional, may be NULL: block for about ms milliseconds.  Used only to
     * wait between retry attempts; with NULL, a retry that needs a wait is
     * not made (the call returns the last attempt's result). */
    void (*sleep)(void *ctx, uint32_t ms);
} tnx_port;

/* ======================================================================== */
/* Results: the action requirement and errors                               */
/* ======================================================================== */

/* Fields of PortingActionRequirement; also bit numbers in the masks below. */
typedef enum tnx_field {
    TNX_F_ID, TNX_F_RECORD_TYPE, TNX_F_PORTING_ORDER_ID,
    TNX_F_REQUIREMENT_TYPE_ID, TNX_F_ACTION_TYPE, TNX_F_ACTION_URL,
    TNX_F_STATUS, TNX_F_CANCEL_REASON, TNX_F_CREATED_AT, TNX_F_UPDATED_AT,
    TNX_F_COUNT
} tnx_field;

/* `status` values.  UNKNOWN keeps the API's text in status_raw; so do the
 * others.  ABSENT: the response had no status field. */
typedef enum tnx_ar_status {
    TNX_AR_ABSENT, TNX_AR_UNKNOWN, TNX_AR_CREATED, TNX_AR_PENDING,
    TNX_AR_COMPLETED, TNX_AR_CANCELLED, TNX_AR_FAILED
} tnx_ar_status;

/* The `data` of a 200 answer.  Every string is NUL-terminated UTF-8.
 * A field absent from the answer has its bit clear in `present`; a JSON null
 * (only action_url and cancel_reason may be null) sets its bit in `is_null`
 * and leaves the string empty; "" has present set and is_null clear. */
typedef struct tnx_action_requirement {
    char id[TNX_ID_MAX];
    char record_type[TNX_TEXT_MAX];
    char porting_order_id[TNX_ID_MAX];
    char requirement_type_id[TNX_ID_MAX];
    char action_type[TNX_TEXT_MAX];
    char action_url[TNX_URL_MAX];
    char status_raw[TNX_TEXT_MAX];
    char cancel_reason[TNX_REASON_MAX];
    char created_at[TNX_TEXT_MAX];
    char updated_at[TNX_TEXT_MAX];
    tnx_ar_status status;
    uint16_t present;    /* 1 << tnx_field: the key was in the answer */
    uint16_t is_null;    /* 1 << tnx_field: its value was null */
    uint16_t truncated;  /* 1 << tnx_field: the value did not fit */
} tnx_action_requirement;

/* Strings of an errors[] entry; also bit numbers in its `truncated`. */
typedef enum tnx_err_field {
    TNX_EF_CODE, TNX_EF_TITLE, TNX_EF_DETAIL, TNX_EF_POINTER, TNX_EF_URL
} tnx_err_field;

/* One entry of a Telnyx `errors` array; absent strings are empty. */
typedef struct tnx_api_error {
    char code[TNX_ERR_CODE_MAX];        /* a string, e.g. "10015" */
    char title[TNX_ERR_TITLE_MAX];
    char detail[TNX_ERR_DETAIL_MAX];
    char pointer[TNX_ERR_POINTER_MAX];  /* source.pointer, e.g. "/params" */
    char url[TNX_ERR_URL_MAX];          /* meta.url: the error's page */
    int8_t retryable;                   /* meta.retryable: 1, 0, -1 absent */
    uint8_t truncated;                  /* 1 << tnx_err_field: it was cut */
} tnx_api_error;

/* Why a call failed.  Filled by every call that takes it; all fields are
 * zero/empty where they do not apply. */
typedef struct tnx_error {
    tnx_status status;        /* same as the call's return value */
    int http_status;          /* status of the last answer, 0 if none */
    char request_id[TNX_REQUEST_ID_MAX];  /* x-request-id of the answer */
    unsigned count;           /* entries in the errors array (all of them) */
    tnx_api_error errors[TNX_ERRORS_MAX]; /* the first TNX_ERRORS_MAX */
    const char *where;        /* field or stage, e.g. "data.status" */
    long offset;              /* byte offset in the body of a JSON error */
    int lib_code;             /* mbedTLS error code or port result, or 0 */
    uint32_t cert_flags;      /* mbedTLS verify flags for TNX_E_CERT */
    /* Set by tnx_initiate on success too, from the last attempt's answer. */
    int32_t ratelimit_limit;      /* x-ratelimit-limit; -1: absent or */
    int32_t ratelimit_remaining;  /* x-ratelimit-remaining  not a number */
    int32_t ratelimit_reset;      /* x-ratelimit-reset   (as sent) */
    unsigned attempts;        /* requests tried, the first one included */
    const char *retry_stop;   /* why no other attempt followed the last
                                 failed one; NULL on success */
    uint32_t retry_after_ms;  /* the wait the last answer asked for, 0 if
                                 none (Retry-After, retry-after-ms) */
} tnx_error;

/* Set in tnx_error.cert_flags, beside mbedTLS's MBEDTLS_X509_BADCERT_*
 * bits, when the refused server certificate signed itself. */
#define TNX_CERT_SELF_SIGNED 0x80000000u

/* Words for the first problem in cert_flags, e.g. "certificate has
 * expired" or "certificate does not name this host". */
TNX_DEF const char *tnx_cert_problem(uint32_t flags);

/* ======================================================================== */
/* Client                                                                   */
/* ======================================================================== */

/* Log levels; the hook gets one line per event, never a secret. */
enum tnx_log_level { TNX_LOG_ERROR = 1, TNX_LOG_WARN, TNX_LOG_INFO, TNX_LOG_DEBUG };
typedef void (*tnx_log_fn)(void *ctx, int level, const char *line);

typedef struct tnx_config {
    /* Where to send: a base URL "https://api.telnyx.com/v2" (the default),
     * or, when base_url is NULL, host + port + base_path. */
    const char *base_url;
    const char *host;
    uint16_t port_number;     /* 0: 443 for https, 80 for http */
    const char *base_path;    /* e.g. "/v2" */
    const char *api_key;      /* printable ASCII; borrowed, not copied */
    /* Trusted CA certificates: PEM (len counts the final NUL) or DER. */
    const unsigned char *ca;
    size_t ca_len;
    /* Verification is on.  Setting this to 1 accepts ANY certificate, so any
     * machine on the path can read the API key: tests only, never shipped. */
    int insecure_skip_tls_verify;
    const tnx_port *port;     /* borrowed; must outlive the client */
    uint32_t connect_timeout_ms; /* each TCP connect (10000) */
    uint32_t timeout_ms;      /* whole call, retries included (30000) */
    uint32_t body_max;        /* response body cap, 0 = none */
    tnx_log_fn log;           /* NULL: no logging (the default) */
    void *log_ctx;
    int log_level;            /* highest level passed to log */
    /* 0 (default): a reconnection offers the TLS session of the last
     * handshake (a ticket or session id, whichever the server gave), which
     * skips the certificate and most of the key exchange.  1: a full
     * handshake every time. */
    int tls_no_resumption;
    /* Handshake and retries (see tnx_initiate_ex); 0 means the default. */
    uint32_t tls_timeout_ms;  /* each TLS handshake (10000) */
    uint8_t max_attempts;     /* per call, the first included (3); 1: none */
    uint8_t retry_unsafe;     /* 1: also re-send a request that may have
                                 been processed (0: never) */
    uint32_t backoff_ms;      /* first retry wait, before jitter (500) */
    uint32_t backoff_max_ms;  /* longest backoff wait (8000) */
    uint32_t retry_after_max_ms; /* longest wait a server may ask (60000) */
} tnx_config;

/* The defaults above, with base_url set to the Telnyx API. */
TNX_DEF tnx_config tnx_config_default(void);

/* The params of the initiate request (AUIdVerificationParams). */
typedef struct tnx_params {
    const char *first_name;   /* UTF-8, NUL-terminated */
    const char *last_name;
} tnx_params;

/* Private states, public only so that their size is known. */
struct tnx__map;
typedef struct tnx__json {
    uint8_t state, esc_n, utf8_need, utf8_lo, utf8_hi, u8_n;
    uint8_t u8[4];            /* a UTF-8 character cut by a chunk boundary */
    uint8_t is_key, key_long, trunc;
    uint8_t in_obj;           /* the innermost container is an object */
    uint8_t skip;             /* 1: no events until the value at skip_depth
                                 ends (for ever without a map) */
    uint16_t depth, skip_depth, hex, surrogate;
    uint8_t stack[(TNX_JSON_DEPTH_MAX + 7) / 8]; /* 1 bit a level: object */
    const char *lit;          /* the rest of true, false or null */
    char key[TNX_JSON_KEY_MAX]; /* a key cut by a chunk boundary */
    const char *key_s;        /* the last key: in key, or in the chunk */
    size_t key_len;
    char *dst;                /* where string bytes go; NULL to drop them */
    size_t dst_cap, dst_len;
    char *aim;                /* the mapper's field for the next value if
                                 it is a string, or NULL */
    size_t aim_cap;
    long offset;
    struct tnx__map *map;     /* gets the events; NULL: grammar only */
} tnx__json;

typedef struct tnx__map {
    const void *schema;       /* table of nodes */
    void *base;               /* the struct being filled */
    void *base2;              /* second target (tnx_error for a response) */
    uint8_t node, pending;    /* current container; node of the next value */
    uint8_t hint;             /* node the next key is compared with first */
    unsigned item;            /* 1-based index in an array of objects */
    uint32_t entered;         /* 1 << node: nodes met in the document */
    const char *where;        /* the field of a schema error */
} tnx__map;

/* A push reader of one JSON body into a schema, usable on its own. */
typedef struct tnx_reader {
    tnx__json js;
    tnx__map map;
    tnx_status status;
} tnx_reader;

typedef struct tnx__http {
    uint8_t state, chunked, has_length, keep_alive, line_long, version_1_0;
    uint16_t line_len;
    int status;
    uint64_t length;          /* Content-Length, or bytes left in a chunk */
    uint64_t body_seen;
    char line[TNX_LINE_MAX + 1]; /* + 1: the CR before its LF */
    uint8_t should_retry;     /* x-should-retry: 0 absent, 1 true, 2 false */
    uint8_t retry_hint;       /* which of the headers below came */
    uint32_t retry_ms;        /* retry-after-ms */
    uint32_t retry_secs_ms;   /* Retry-After in seconds, as ms */
    int64_t retry_at, date;   /* Retry-After and Date as HTTP-dates */
} tnx__http;

typedef struct tnx_client {
    tnx_config cfg;
    char host[TNX_HOST_MAX];
    char base_path[TNX_PATH_MAX];
    uint16_t port_number;
    uint8_t https, connected, eof_clean, body_bad;
    int io_result;            /* the port's result behind a TLS failure */
    uint32_t deadline;        /* now_ms value the current call must end by */
    tnx_error *err;           /* of the call under way */
#ifndef TNX_NO_TLS
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_ctr_drbg_context drbg;
    uint8_t tls_ready;
#endif
    tnx__http http;
    tnx_reader reader;
    size_t out_len;
    uint8_t buf[TNX_IO_BUF_SIZE];
#ifndef TNX_NO_TLS
    mbedtls_ssl_session session; /* the last session, to resume */
    uint8_t session_saved;    /* session holds one */
    uint8_t tls_verified;     /* a certificate was checked this handshake */
    uint8_t tls_self_signed;  /* ... and it had signed itself */
    uint8_t tls_resumed;      /* the last handshake resumed a session */
#endif
    uint8_t attempt;          /* attempt of the call under way, from 1 */
    uint32_t call_start;      /* now_ms at the start of the call */
    uint8_t sent_all;         /* this attempt's request went out whole */
    uint32_t connect_ms, tls_ms; /* this call's connect, handshake limits */
    uint8_t probe;            /* 1: reads must not wait (tnx__still_open) */
} tnx_client;

/* Sets the client up: parses the base URL, the CA, seeds the TLS random
 * generator from port->entropy.  Makes no connection.  cfg is copied; the
 * strings and the port it points to are borrowed.  On failure err says why
 * and the client needs no tnx_client_free (calling it is harmless). */
TNX_DEF tnx_status tnx_client_init(tnx_client *c, const tnx_config *cfg,
                                   tnx_error *err);

/* Initiates action requirement `id` of porting order `porting_order_id`.
 * Both ids are percent-encoded into the path (all but A-Z a-z 0-9 - . _ ~);
 * "", "." and ".." are refused.  On TNX_OK *out holds the answer's `data`.
 * On TNX_E_API err->http_status and err->errors hold the Telnyx errors; on
 * any other failure err->status, err->where and err->lib_code say why.
 * out and err may not be NULL.  The connection is kept for the next call
 * when the server allows it.  Same as tnx_initiate_ex with opts NULL. */
TNX_DEF tnx_status tnx_initiate(tnx_client *c, const char *porting_order_id,
                                const char *id, const tnx_params *params,
                                tnx_action_requirement *out, tnx_error *err);

/* What one call may change of the client's configuration; 0 (or NULL for
 * the whole struct) keeps the client's value. */
typedef struct tnx_call_opts {
    uint32_t timeout_ms;          /* the whole call, retries included */
    uint32_t connect_timeout_ms;  /* each TCP connect */
    uint32_t tls_timeout_ms;      /* each TLS handshake */
    uint8_t max_attempts;         /* 1: no retry */
    int8_t retry_unsafe;          /* 1: yes, -1: no */
} tnx_call_opts;

/* tnx_initiate with per-call deadlines and retries.
 *
 * Retries.  This POST is not idempotent, so by default the client re-sends
 * it only when the server cannot have acted on it: after a connection
 * failure before the request was sent whole (DNS, refused, reset, connect
 * or handshake timeout), after 429, and after 503 with Retry-After or
 * retry-after-ms.  A timeout or a lost connection after sending, and 500,
 * 502, 503 without a wait, 504 and 409, end the call unless retry_unsafe
 * is set.  An answer's `x-should-retry: true|false` overrides all of this.
 *
 * Kept connections.  Servers close idle connections, so before a request
 * goes on a kept one a read that does not wait checks it is still open;
 * if it is not, or if sending on it fails, the request goes on a new
 * connection at once, whatever the settings (not counted in max_attempts).
 * One closed after the request went out whole is a failure after sending.
 *
 * Waits.  The wait the server asks for (retry-after-ms, else Retry-After
 * in seconds or as an HTTP-date against the answer's Date) is kept exactly;
 * one above retry_after_max_ms ends the call instead.  Otherwise the wait
 * is backoff_ms doubled per retry up to backoff_max_ms, of which the upper
 * half is random (port->entropy).  A wait that would pass the call's
 * deadline ends the call; a port without a sleep hook makes no retry that
 * needs a wait.  err->attempts counts the requests, err->retry_stop says
 * why the last failure was not retried. */
TNX_DEF tnx_status tnx_initiate_ex(tnx_client *c, const char *porting_order_id,
                                   const char *id, const tnx_params *params,
                                   const tnx_call_opts *opts,
                                   tnx_action_requirement *out,
                                   tnx_error *err);

/* Closes the connection and releases what mbedTLS allocated. */
TNX_DEF void tnx_client_free(tnx_client *c);

/* ---- the JSON reader on its own (tests, --params, other transports) ---- */

/* The reader checks the whole document against RFC 8259 as it streams,
 * inside skipped values too, in constant memory, whatever the chunking.
 * A value of the wrong type for its field stops it at once with
 * TNX_E_SCHEMA (tnx_reader_where names the field), even when the document
 * would have turned out malformed later; tnx_reader_json checks the
 * grammar alone.  Unknown keys are skipped.  A repeated key is applied in
 * order: the last value of a field wins, a repeated object fills the same
 * fields, a repeated `errors` array adds its entries. */

/* A reader of a response body: `data` into ar, `errors` into err (its
 * count and errors[]; the other members are left alone). */
TNX_DEF void tnx_reader_response(tnx_reader *r, tnx_action_requirement *ar,
                                 tnx_error *err);
/* Storage for params read from JSON. */
typedef struct tnx_params_buf {
    char first_name[TNX_NAME_MAX];
    char last_name[TNX_NAME_MAX];
    uint8_t present;          /* bit 0: first_name, bit 1: last_name */
    uint8_t truncated;        /* same bits */
} tnx_params_buf;
/* A reader of a request body {"params":{...}} into pb. */
TNX_DEF void tnx_reader_params(tnx_reader *r, tnx_params_buf *pb);
/* A reader that maps nothing: it only says whether the document is JSON
 * (any top-level value; TNX_E_JSON or TNX_E_DEPTH if not). */
TNX_DEF void tnx_reader_json(tnx_reader *r);
/* Feeds len bytes (any split, 1 byte too); returns TNX_OK or the first
 * error (TNX_E_JSON, TNX_E_DEPTH, TNX_E_SCHEMA), which sticks. */
TNX_DEF tnx_status tnx_reader_feed(tnx_reader *r, const void *buf, size_t len);
/* Ends the document: TNX_E_JSON if it is not complete. */
TNX_DEF tnx_status tnx_reader_end(tnx_reader *r);
/* Offset of the byte at fault (the body's length when it ended too soon;
 * the value's first byte for TNX_E_SCHEMA), and the field of a schema
 * error, e.g. "data.status" (NULL for other errors). */
TNX_DEF long tnx_reader_offset(const tnx_reader *r);
TNX_DEF const char *tnx_reader_where(const tnx_reader *r);

/* ---- the JSON writer ---- */

/* Where written bytes go: take all len bytes (1 or more) and return 0, or
 * return a tnx_status to stop the writer with (any other non-zero value
 * stops it with TNX_E_IO). */
typedef int (*tnx_sink_fn)(void *ctx, const char *bytes, size_t len);

/* A streaming writer: no buffer of its own, so the output may be any size.
 * The bytes are the same whatever piece_max is; strings are checked whole
 * before any of their bytes go out. */
typedef struct tnx_writer {
    tnx_sink_fn sink;
    void *ctx;
    size_t piece_max;         /* 0, or the most bytes one sink call gets
                                 (a small FIFO, a modem's send command) */
    size_t count;             /* bytes written so far */
    tnx_status status;        /* first error; later writes do nothing */
    uint8_t need_comma;
} tnx_writer;

/* Sets w up with piece_max 0; set w->piece_max after it if need be. */
TNX_DEF void tnx_writer_init(tnx_writer *w, tnx_sink_fn sink, void *ctx);
/* {"params":{"first_name":...,"last_name":...}}; TNX_E_PARAMS when a name
 * is NULL, TNX_E_UTF8 when one is not valid UTF-8.  Strings escape ", \
 * and every control character below 0x20. */
TNX_DEF tnx_status tnx_write_params(tnx_writer *w, const tnx_params *p);
/* The fields of ar as one object in the API's order: each present field,
 * null where is_null; an absent field is left out, so reading the output
 * gives ar back (truncated aside: a cut string is written as it was kept,
 * and reads back whole). */
TNX_DEF tnx_status tnx_write_action_requirement(tnx_writer *w,
                                               const tnx_action_requirement *ar);
/* A sink that fills a buffer {char *buf; size_t cap, len;} and fails when
 * full (the text is kept NUL-terminated). */
typedef struct tnx_buf_sink { char *buf; size_t cap, len; } tnx_buf_sink;
TNX_DEF int tnx_sink_buf(void *ctx, const char *bytes, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* TELNYX_PORTING_H */

#if defined(TELNYX_PORTING_IMPLEMENTATION) && !defined(TNX__IMPLEMENTED)
#define TNX__IMPLEMENTED

#include <string.h>
#include <limits.h>

#ifndef TNX_ASSERT
#include <assert.h>
#define TNX_ASSERT(x) assert(x)
#endif

#ifndef TNX_NO_TLS
#include <mbedtls/version.h>
#include <mbedtls/platform_util.h>
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif
#define tnx__wipe(p, n) mbedtls_platform_zeroize((p), (n))
#else
/* Without mbedTLS: a volatile pointer keeps the compiler from dropping it. */
static void tnx__wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n--) *v++ = 0;
}
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* Status names                                                             */
/* ======================================================================== */

#define TNX__NAME(name, text) #name,
#define TNX__TEXT(name, text) text,
static const char *const tnx__status_names[] = { TNX_STATUS_LIST(TNX__NAME) };
#ifndef TNX_NO_STATUS_TEXT
static const char *const tnx__status_texts[] = { TNX_STATUS_LIST(TNX__TEXT) };
#endif
#undef TNX__NAME
#undef TNX__TEXT

TNX_DEF const char *tnx_status_name(tnx_status s)
{
    if ((unsigned)s >= (unsigned)TNX_STATUS_COUNT) return "?";
    return tnx__status_names[s];
}

TNX_DEF const char *tnx_status_text(tnx_status s)
{
#ifdef TNX_NO_STATUS_TEXT
    return tnx_status_name(s); /* the sentences cost about 1 KB of flash */
#else
    if ((unsigned)s >= (unsigned)TNX_STATUS_COUNT) return "unknown status";
    return tnx__status_texts[s];
#endif
}

/* ======================================================================== */
/* Small helpers                                                            */
/* ======================================================================== */

static char tnx__lower(char ch)
{
    return (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
}

/* A hex digit's value (chunk sizes, \uXXXX escapes), or -1. */
static int tnx__hexval(uint8_t ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    ch = (uint8_t)(ch | 0x20);
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    return -1;
}

/* Case-insensitive equality of s[0..n) and the lower-case NUL-terminated w. */
static int tnx__ieq(const char *s, size_t n, const char *w)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (w[i] == 0 || tnx__lower(s[i]) != w[i]) return 0;
    return w[n] == 0;
}

/* Copies at most cap-1 bytes and terminates; returns 1 when s did not fit. */
static int tnx__copy(char *dst, size_t cap, const char *s, size_t n)
{
    int cut = n >= cap;
    if (cut) n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
    return cut;
}

/* Decimal text of v into out (at least 21 bytes); returns its length. */
static size_t tnx__utoa(uint64_t v, char *out)
{
    char tmp[21];
    size_t n = 0, i;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    out[n] = 0;
    return n;
}

/* UTF-8 lead byte b: how many continuation bytes follow and the range the
 * first of them must lie in (this excludes overlong forms, encoded surrogates
 * and code points above U+10FFFF).  Returns 0 for ASCII, -1 for a byte that
 * cannot start a sequence. */
static int tnx__utf8_lead(uint8_t b, uint8_t *lo, uint8_t *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (b < 0x80) return 0;
    if (b < 0xC2) return -1;
    if (b < 0xE0) return 1;
    if (b == 0xE0) *lo = 0xA0;
    if (b == 0xED) *hi = 0x9F;
    if (b < 0xF0) return 2;
    if (b == 0xF0) *lo = 0x90;
    if (b == 0xF4) *hi = 0x8F;
    if (b < 0xF5) return 3;
    return -1;
}

/* Length of the longest prefix of s[0..n) that ends on a whole UTF-8
 * character; used to cut a truncated string cleanly. */
static size_t tnx__utf8_whole(const char *s, size_t n)
{
    size_t i = n, k = 0;
    uint8_t lo, hi;
    while (i > 0 && k < 3 && ((uint8_t)s[i - 1] & 0xC0) == 0x80) {
        i--;
        k++;
    }
    if (i == 0) return 0;
    if (tnx__utf8_lead((uint8_t)s[i - 1], &lo, &hi) == (int)k) return n;
    return i - 1;
}

/* ======================================================================== */
/* Logging                                                                  */
/* ======================================================================== */

/* A log line under construction.  What does not fit is cut and the line
 * ends in "..."; control bytes become '?' so that no text from the network
 * (a request id) can forge a line or drive a terminal. */
/* Log lines are built in a buffer on the stack: kept out of line so the
 * buffer is only there while a line is being written, not under every
 * caller's frame. */
#if defined(__GNUC__) || defined(__clang__)
#define TNX__NOINLINE __attribute__((noinline))
#else
#define TNX__NOINLINE
#endif

typedef struct tnx__line {
    char b[TNX_LOG_LINE_MAX];
    size_t n;
    uint8_t cut;
} tnx__line;

static void tnx__line_add(tnx__line *l, const char *s, size_t k)
{
    size_t i, room = sizeof l->b - 1 - l->n;
    if (k > room) {
        k = room;
        l->cut = 1;
    }
    for (i = 0; i < k; i++) {
        uint8_t b = (uint8_t)s[i];
        l->b[l->n++] = (char)(b < 0x20 || b == 0x7F ? '?' : b);
    }
}

static void tnx__line_str(tnx__line *l, const char *s)
{
    tnx__line_add(l, s, strlen(s));
}

static void tnx__line_num(tnx__line *l, uint64_t v)
{
    char t[21];
    tnx__line_add(l, t, tnx__utoa(v, t));
}

static int tnx__logs(const tnx_config *cfg, int level)
{
#ifdef TNX_NO_LOG
    (void)cfg;
    (void)level;
    return 0; /* every log call folds away, its strings with it */
#else
    return cfg->log && level <= cfg->log_level;
#endif
}

static void tnx__line_emit(const tnx_config *cfg, int level, tnx__line *l)
{
    if (l->cut) memcpy(l->b + l->n - 3, "...", 3);
    l->b[l->n] = 0;
    cfg->log(cfg->log_ctx, level, l->b);
}

/* One line "what detail number" (num < 0: none).  Callers pass no secret,
 * ever: the API key has no way into any log function. */
TNX__NOINLINE
static void tnx__log(const tnx_config *cfg, int level, const char *what,
                     const char *detail, long num)
{
    tnx__line l;
    if (!tnx__logs(cfg, level)) return;
    l.n = 0;
    l.cut = 0;
    tnx__line_str(&l, what);
    if (detail && *detail) {
        tnx__line_str(&l, " ");
        tnx__line_str(&l, detail);
    }
    if (num >= 0) {
        tnx__line_str(&l, " ");
        tnx__line_num(&l, (uint64_t)num);
    }
    tnx__line_emit(cfg, level, &l);
}

/* "answer 200, request id ID, attempt 1, 41 ms": one line per answer. */
TNX__NOINLINE
static void tnx__log_answer(const tnx_client *c, const tnx_error *err)
{
    tnx__line l;
    if (!tnx__logs(&c->cfg, TNX_LOG_INFO)) return;
    l.n = 0;
    l.cut = 0;
    tnx__line_str(&l, "answer ");
    tnx__line_num(&l, (uint64_t)c->http.status);
    tnx__line_str(&l, ", request id ");
    tnx__line_str(&l, err->request_id[0] ? err->request_id : "-");
    tnx__line_str(&l, ", attempt ");
    tnx__line_num(&l, c->attempt);
    tnx__line_str(&l, ", ");
    tnx__line_num(&l, (uint32_t)(c->cfg.port->now_ms(c->cfg.port->ctx) -
                                 c->call_start));
    tnx__line_str(&l, " ms");
    tnx__line_emit(&c->cfg, TNX_LOG_INFO, &l);
}

/* ======================================================================== */
/* Socket hooks and deadlines                                               */
/* ======================================================================== */

static uint32_t tnx__now(const tnx_client *c)
{
    return c->cfg.port->now_ms(c->cfg.port->ctx);
}

/* Milliseconds left until deadline d; 0 once it has passed.  Subtraction
 * of wrapping 32-bit clocks is exact while calls last under 24 days. */
static uint32_t tnx__left_until(const tnx_client *c, uint32_t d)
{
    int32_t left = (int32_t)(d - tnx__now(c));
    return left > 0 ? (uint32_t)left : 0;
}

static uint32_t tnx__left(const tnx_client *c)
{
    return tnx__left_until(c, c->deadline);
}

static tnx_status tnx__fail(tnx_error *err, tnx_status s, const char *where,
                            int lib_code)
{
    err->status = s;
    if (where) err->where = where;
    if (lib_code) err->lib_code = lib_code;
    return s;
}

static tnx_status tnx__io_status(int r)
{
    switch (r) {
    case TNX_IO_TIMEOUT: return TNX_E_TIMEOUT;
    case TNX_IO_CLOSED: return TNX_E_CLOSED;
    case TNX_IO_ERROR: return TNX_E_IO;
    case TNX_IO_NO_HOST: return TNX_E_DNS;
    case TNX_IO_REFUSED: return TNX_E_CONNECT;
    default: return TNX_E_PORT;
    }
}

static void tnx__disconnect(tnx_client *c)
{
    if (c->connected) {
#ifndef TNX_NO_TLS
        if (c->https) mbedtls_ssl_close_notify(&c->ssl);
#endif
        c->cfg.port->close(c->cfg.port->ctx);
    }
    c->connected = 0;
}

/* ======================================================================== */
/* TLS over mbedTLS                                                         */
/* ======================================================================== */

#ifndef TNX_NO_TLS
/* mbedTLS passes a negative bio result through unchanged; this one says
 * "the port failed", and the port's own result is kept in c->io_result. */
#define TNX__BIO_FAIL (-0x004E)

static int tnx__bio_send(void *ctx, const unsigned char *b, size_t n)
{
    tnx_client *c = (tnx_client *)ctx;
    uint32_t left = tnx__left(c);
    int r;
    if (left == 0) return MBEDTLS_ERR_SSL_TIMEOUT;
    if (n > INT_MAX) n = INT_MAX;
    r = c->cfg.port->send(c->cfg.port->ctx, b, n, left);
    if (r > 0 && (size_t)r <= n) return r;
    if (r == TNX_IO_TIMEOUT) return MBEDTLS_ERR_SSL_WANT_WRITE;
    c->io_result = r; /* 0 or too large: tnx__io_status says TNX_E_PORT */
    return TNX__BIO_FAIL;
}

static int tnx__bio_recv(void *ctx, unsigned char *b, size_t n)
{
    tnx_client *c = (tnx_client *)ctx;
    uint32_t left = c->probe ? 0 : tnx__left(c);
    int r;
    if (left == 0 && !c->probe) return MBEDTLS_ERR_SSL_TIMEOUT;
    if (n > INT_MAX) n = INT_MAX;
    r = c->cfg.port->recv(c->cfg.port->ctx, b, n, left);
    if (r > 0 && (size_t)r <= n) return r;
    if (r == TNX_IO_TIMEOUT) return MBEDTLS_ERR_SSL_WANT_READ;
    if (r == TNX_IO_CLOSED) return 0; /* mbedTLS: EOF without close_notify */
    c->io_result = r; /* 0 or too large: tnx__io_status says TNX_E_PORT */
    return TNX__BIO_FAIL;
}

static int tnx__entropy(void *ctx, unsigned char *out, size_t n)
{
    const tnx_port *p = ((tnx_client *)ctx)->cfg.port;
    if (!p->entropy || p->entropy(p->ctx, out, n) != 0)
        return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    return 0;
}

/* mbedTLS 2 and 3 name the "no common version" error differently. */
#if defined(MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
#define TNX__ERR_VERSION MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION
#else
#define TNX__ERR_VERSION MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION
#endif

/* Maps an mbedTLS result of a handshake, read or write to a status. */
static tnx_status tnx__tls_status(tnx_client *c, int ret, tnx_error *err,
                                  const char *where)
{
    if (ret == MBEDTLS_ERR_SSL_TIMEOUT)
        return tnx__fail(err, TNX_E_TIMEOUT, where, 0);
    if (ret == TNX__BIO_FAIL)
        return tnx__fail(err, tnx__io_status(c->io_result), where,
                         c->io_result);
    if (ret == MBEDTLS_ERR_SSL_CONN_EOF)
        return tnx__fail(err, TNX_E_CLOSED, where, ret);
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        err->cert_flags = mbedtls_ssl_get_verify_result(&c->ssl);
        if (c->tls_self_signed) err->cert_flags |= TNX_CERT_SELF_SIGNED;
        return tnx__fail(err, TNX_E_CERT, where, ret);
    }
    if (ret == TNX__ERR_VERSION)
        return tnx__fail(err, TNX_E_TLS, "server offers no TLS 1.2 or "
                         "newer", ret);
    return tnx__fail(err, TNX_E_TLS, where, ret);
}

TNX_DEF const char *tnx_cert_problem(uint32_t f)
{
    if (f & MBEDTLS_X509_BADCERT_EXPIRED) return "certificate has expired";
    if (f & MBEDTLS_X509_BADCERT_FUTURE) return "certificate is not valid yet";
    if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH)
        return "certificate does not name this host";
    if ((f & MBEDTLS_X509_BADCERT_NOT_TRUSTED) && (f & TNX_CERT_SELF_SIGNED))
        return "certificate is self-signed, not from a trusted CA";
    if (f & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        return "certificate is not signed by a trusted CA";
    if (f & MBEDTLS_X509_BADCERT_REVOKED) return "certificate is revoked";
    if (f & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
             MBEDTLS_X509_BADCERT_BAD_KEY))
        return "certificate uses a weak or unsupported algorithm or key";
    if (f) return "certificate failed verification";
    return "no certificate problem recorded";
}

/* mbedTLS calls this for each certificate of the server's chain, leaf last
 * (depth 0), in a full handshake only: a resumed one shows no certificate.
 * The verdict stays mbedTLS's (flags untouched). */
static int tnx__tls_vrfy(void *ctx, mbedtls_x509_crt *crt, int depth,
                         uint32_t *flags)
{
    tnx_client *c = (tnx_client *)ctx;
    (void)flags;
    c->tls_verified = 1;
    if (depth == 0)
        c->tls_self_signed = (uint8_t)(crt->issuer_raw.len ==
                                           crt->subject_raw.len &&
                                       memcmp(crt->issuer_raw.p,
                                              crt->subject_raw.p,
                                              crt->issuer_raw.len) == 0);
    return 0;
}

/* ---- Session resumption ----
 * The session of the last handshake is kept in c->session (mbedTLS
 * allocates its ticket and peer certificate) and offered on the next
 * connection.  TLS 1.2 hands it over in the handshake; TLS 1.3 in a
 * NewSessionTicket after it, which tnx__rx catches. */

static void tnx__tls_drop_session(tnx_client *c)
{
    mbedtls_ssl_session_free(&c->session);
    mbedtls_ssl_session_init(&c->session);
    c->session_saved = 0;
}

static void tnx__tls_save_session(tnx_client *c)
{
    if (c->cfg.tls_no_resumption) return;
    /* The copy replaces the old one; mbedTLS 3 exports a session once. */
    if (mbedtls_ssl_get_session(&c->ssl, &c->session) == 0)
        c->session_saved = 1;
    else
        tnx__tls_drop_session(c);
}

static tnx_status tnx__tls_init(tnx_client *c, tnx_error *err)
{
    static const char pers[] = "telnyx_porting.h";
    const tnx_config *cfg = &c->cfg;
    int ret;

    mbedtls_ssl_init(&c->ssl);
    mbedtls_ssl_config_init(&c->conf);
    mbedtls_x509_crt_init(&c->ca);
    mbedtls_ctr_drbg_init(&c->drbg);
    mbedtls_ssl_session_init(&c->session);
    c->tls_ready = 1;
    /* Only 0 and 1: stray memory must not turn verification off. */
    if (cfg->insecure_skip_tls_verify != 0 &&
        cfg->insecure_skip_tls_verify != 1)
        return tnx__fail(err, TNX_E_ARG, "insecure_skip_tls_verify", 0);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
    /* mbedTLS 3 computes TLS 1.3 (and more) through PSA. */
    if (psa_crypto_init() != PSA_SUCCESS)
        return tnx__fail(err, TNX_E_ENTROPY, "psa_crypto_init", 0);
#endif
    ret = mbedtls_ctr_drbg_seed(&c->drbg, tnx__entropy, c,
                                (const unsigned char *)pers, sizeof pers - 1);
    if (ret != 0) return tnx__fail(err, TNX_E_ENTROPY, "entropy", ret);

    if (cfg->ca && cfg->ca_len) {
        /* DER starts with a SEQUENCE (0x30); anything else must be PEM,
         * which mbedTLS reads only when len counts the final NUL. */
        if (cfg->ca[0] != 0x30 && cfg->ca[cfg->ca_len - 1] != 0)
            return tnx__fail(err, TNX_E_CA, "ca_len must count the PEM's "
                             "final NUL", 0);
        ret = mbedtls_x509_crt_parse(&c->ca, cfg->ca, cfg->ca_len);
        /* > 0: some certificates of a bundle were skipped; fine if any
         * parsed (system bundles carry a few mbedTLS cannot read). */
        if (ret < 0 || c->ca.version == 0)
            return tnx__fail(err, TNX_E_CA, "ca", ret);
    } else if (!cfg->insecure_skip_tls_verify) {
        return tnx__fail(err, TNX_E_CA, "no CA configured", 0);
    }

    ret = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
                                      MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) return tnx__fail(err, TNX_E_TLS, "ssl config", ret);
    mbedtls_ssl_conf_authmode(&c->conf, cfg->insecure_skip_tls_verify
                                            ? MBEDTLS_SSL_VERIFY_NONE
                                            : MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
    mbedtls_ssl_conf_verify(&c->conf, tnx__tls_vrfy, c);
    mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_min_tls_version(&c->conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
    mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
#endif
    /* The maximum is the library's: TLS 1.3 where it is built in.  No
     * max_fragment_length is ever configured, so the ClientHello never
     * carries that extension (mbedTLS 3.6 fails a TLS 1.3 handshake with
     * it).  Tickets: asked for unless resumption is off; TLS 1.3 ones are
     * signalled by mbedtls_ssl_read so that tnx__rx can keep them. */
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
    mbedtls_ssl_conf_session_tickets(&c->conf, cfg->tls_no_resumption
                                     ? MBEDTLS_SSL_SESSION_TICKETS_DISABLED
                                     : MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
#if defined(MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED)
    if (!cfg->tls_no_resumption)
        mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
            &c->conf, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#endif
#endif
    ret = mbedtls_ssl_setup(&c->ssl, &c->conf);
    if (ret != 0) return tnx__fail(err, TNX_E_TLS, "ssl setup", ret);
    /* SNI, and the name the certificate must carry.  Always set: mbedTLS
     * 3.6 refuses to verify a certificate without it. */
    ret = mbedtls_ssl_set_hostname(&c->ssl, c->host);
    if (ret != 0) return tnx__fail(err, TNX_E_TLS, "ssl hostname", ret);
    mbedtls_ssl_set_bio(&c->ssl, c, tnx__bio_send, tnx__bio_recv, NULL);
    return TNX_OK;
}

/* "tls TLSv1.3, resumed, 3 ms": one line per handshake. */
TNX__NOINLINE
static void tnx__tls_log(const tnx_client *c, uint32_t ms)
{
    tnx__line l;
    if (!tnx__logs(&c->cfg, TNX_LOG_INFO)) return;
    l.n = 0;
    l.cut = 0;
    tnx__line_str(&l, "tls ");
    tnx__line_str(&l, mbedtls_ssl_get_version(&c->ssl));
    tnx__line_str(&l, c->cfg.insecure_skip_tls_verify ? ", NOT VERIFIED"
                      : c->tls_resumed ? ", resumed" : ", full handshake");
    tnx__line_str(&l, ", ");
    tnx__line_num(&l, ms);
    tnx__line_str(&l, " ms");
    tnx__line_emit(&c->cfg, TNX_LOG_INFO, &l);
}

static tnx_status tnx__tls_handshake(tnx_client *c, tnx_error *err)
{
    uint32_t start = tnx__now(c);
    int ret;
    ret = mbedtls_ssl_session_reset(&c->ssl);
    if (ret != 0) return tnx__fail(err, TNX_E_TLS, "ssl reset", ret);
    c->tls_verified = 0;
    c->tls_self_signed = 0;
    c->tls_resumed = 0;
    /* The server may refuse the session and do a full handshake. */
    if (c->session_saved && mbedtls_ssl_set_session(&c->ssl, &c->session))
        tnx__tls_drop_session(c);
    for (;;) {
        ret = mbedtls_ssl_handshake(&c->ssl);
        if (ret == 0) break;
        if (ret != MBEDTLS_ERR_SSL_WANT_READ &&
            ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
            tnx_status st = tnx__tls_status(c, ret, err, "tls handshake");
            tnx__tls_drop_session(c); /* never offer it again */
            /* Logged here, not in tnx__tls_status: that one sits under
             * every send, and the log line's buffer would deepen it. */
            if (st == TNX_E_CERT)
                tnx__log(&c->cfg, TNX_LOG_ERROR, "tls certificate refused:",
                         tnx_cert_problem(err->cert_flags), -1);
            return st;
        }
        if (tnx__left(c) == 0) {
            tnx__tls_drop_session(c);
            return tnx__fail(err, TNX_E_TIMEOUT, "tls handshake", 0);
        }
    }
    /* Without verification no certificate is looked at either way. */
    c->tls_resumed = (uint8_t)(!c->cfg.insecure_skip_tls_verify &&
                               !c->tls_verified);
#if MBEDTLS_VERSION_NUMBER >= 0x03020000 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
    /* A TLS 1.3 session is worth keeping only with its ticket. */
    if (mbedtls_ssl_get_version_number(&c->ssl) != MBEDTLS_SSL_VERSION_TLS1_3)
#endif
        tnx__tls_save_session(c);
    tnx__tls_log(c, tnx__now(c) - start);
    return TNX_OK;
}
#else
TNX_DEF const char *tnx_cert_problem(uint32_t f)
{
    return f ? "certificate failed verification" : "no certificate problem";
}
#endif /* TNX_NO_TLS */

/* Brings c->deadline forward to `limit` ms from now when that is sooner;
 * returns the call's deadline, to be put back afterwards. */
static uint32_t tnx__limit(tnx_client *c, uint32_t limit)
{
    uint32_t call_deadline = c->deadline;
    if (tnx__left(c) > limit) c->deadline = tnx__now(c) + limit;
    return call_deadline;
}

/* Opens the connection: TCP within c->connect_ms, then TLS within
 * c->tls_ms, neither past the call's deadline. */
static tnx_status tnx__connect(tnx_client *c, tnx_error *err)
{
    uint32_t call_deadline, left;
    tnx_status s = TNX_OK;
    int r;

    if (tnx__left(c) == 0) return tnx__fail(err, TNX_E_TIMEOUT, "connect", 0);
    call_deadline = tnx__limit(c, c->connect_ms);
    left = tnx__left(c);
    tnx__log(&c->cfg, TNX_LOG_INFO, "connect", c->host, c->port_number);
    r = left ? c->cfg.port->connect(c->cfg.port->ctx, c->host,
                                    c->port_number, left)
             : TNX_IO_TIMEOUT;
    c->deadline = call_deadline;
    if (r != TNX_IO_OK) {
        s = tnx__io_status(r);
        if (s == TNX_E_CLOSED || s == TNX_E_IO) s = TNX_E_CONNECT;
        return tnx__fail(err, s, "connect", r);
    }
    c->connected = 1;
#ifndef TNX_NO_TLS
    if (c->https) {
        call_deadline = tnx__limit(c, c->tls_ms);
        s = tnx__tls_handshake(c, err);
        c->deadline = call_deadline;
    }
#endif
    if (s != TNX_OK) tnx__disconnect(c);
    return s;
}

/* Sends all n bytes of b, through TLS when it is on. */
static tnx_status tnx__tx(tnx_client *c, const uint8_t *b, size_t n,
                          tnx_error *err)
{
    while (n > 0) {
        int r;
        size_t chunk = n > INT_MAX ? INT_MAX : n;
#ifndef TNX_NO_TLS
        if (c->https) {
            r = mbedtls_ssl_write(&c->ssl, b, chunk);
            if (r == MBEDTLS_ERR_SSL_WANT_READ ||
                r == MBEDTLS_ERR_SSL_WANT_WRITE) {
                /* mbedTLS wants the same buffer and length again. */
                if (tnx__left(c) == 0)
                    return tnx__fail(err, TNX_E_TIMEOUT, "send", 0);
                continue;
            }
            if (r < 0) return tnx__tls_status(c, r, err, "send");
        } else
#endif
        {
            uint32_t left = tnx__left(c);
            if (left == 0) return tnx__fail(err, TNX_E_TIMEOUT, "send", 0);
            r = c->cfg.port->send(c->cfg.port->ctx, b, chunk, left);
            if (r == TNX_IO_TIMEOUT) continue;
            if (r <= 0 || (size_t)r > chunk) {
                return tnx__fail(err, tnx__io_status(r), "send", r);
            }
        }
        b += r;
        n -= (size_t)r;
    }
    return TNX_OK;
}

/* Receives up to n bytes into b.  *got is 0 at the end of the stream;
 * c->eof_clean then says whether it was a proper end (TLS close_notify, or a
 * plain TCP close when there is no TLS). */
static tnx_status tnx__rx(tnx_client *c, uint8_t *b, size_t n, size_t *got,
                          tnx_error *err)
{
    int r;
    *got = 0;
    if (n > INT_MAX) n = INT_MAX;
    for (;;) {
#ifndef TNX_NO_TLS
        if (c->https) {
            r = mbedtls_ssl_read(&c->ssl, b, n);
            if (r > 0) break;
            if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
                c->eof_clean = 1;
                return TNX_OK;
            }
            /* 0: a TCP close with no close_notify; the framing decides. */
            if (r == 0 || r == MBEDTLS_ERR_SSL_CONN_EOF) {
                c->eof_clean = 0;
                return TNX_OK;
            }
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
            /* TLS 1.3: a ticket for the next connection; keep it. */
            if (r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
                tnx__tls_save_session(c);
                r = MBEDTLS_ERR_SSL_WANT_READ;
            }
#endif
            if (r == MBEDTLS_ERR_SSL_WANT_READ ||
                r == MBEDTLS_ERR_SSL_WANT_WRITE) {
                if (tnx__left(c) == 0)
                    return tnx__fail(err, TNX_E_TIMEOUT, "receive", 0);
                continue;
            }
            return tnx__tls_status(c, r, err, "receive");
        }
#endif
        {
            uint32_t left = tnx__left(c);
            if (left == 0) return tnx__fail(err, TNX_E_TIMEOUT, "receive", 0);
            r = c->cfg.port->recv(c->cfg.port->ctx, b, n, left);
            if (r > 0 && (size_t)r <= n) break;
            if (r == TNX_IO_TIMEOUT) continue;
            if (r == TNX_IO_CLOSED) {
                c->eof_clean = 1;
                return TNX_OK;
            }
            return tnx__fail(err, tnx__io_status(r), "receive", r);
        }
    }
    *got = (size_t)r;
    return TNX_OK;
}

/* ======================================================================== */
/* HTTP/1.1 request writer                                                  */
/* ======================================================================== */

/* Request bytes gather in c->buf and go out whenever it fills. */
static tnx_status tnx__out(tnx_client *c, const char *s, size_t n,
                           tnx_error *err)
{
    while (n > 0) {
        size_t room = sizeof c->buf - c->out_len;
        size_t k = n < room ? n : room;
        memcpy(c->buf + c->out_len, s, k);
        c->out_len += k;
        s += k;
        n -= k;
        if (c->out_len == sizeof c->buf) {
            tnx_status st = tnx__tx(c, c->buf, c->out_len, err);
            c->out_len = 0;
            if (st != TNX_OK) return st;
        }
    }
    return TNX_OK;
}

static tnx_status tnx__outs(tnx_client *c, const char *s, tnx_error *err)
{
    return tnx__out(c, s, strlen(s), err);
}

/* Byte b of a path segment as it goes on the wire: itself when it is one
 * of A-Z a-z 0-9 - . _ ~ (returns 1), else %XX (returns 3).  So no id can
 * add a segment, a query or a fragment ('/', '?', '#'), start an escape of
 * its own ('%'), end the request line (space) or add a header (CR, LF);
 * bytes >= 0x80 (UTF-8) are encoded one by one. */
static size_t tnx__seg_byte(uint8_t b, char e[3])
{
    static const char hex[] = "0123456789ABCDEF";
    if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
        (b >= '0' && b <= '9') || b == '-' || b == '.' || b == '_' ||
        b == '~') {
        e[0] = (char)b;
        return 1;
    }
    e[0] = '%';
    e[1] = hex[b >> 4];
    e[2] = hex[b & 15];
    return 3;
}

static tnx_status tnx__out_segment(tnx_client *c, const char *s,
                                   tnx_error *err)
{
    tnx_status st = TNX_OK;
    for (; *s && st == TNX_OK; s++) {
        char e[3];
        st = tnx__out(c, e, tnx__seg_byte((uint8_t)*s, e), err);
    }
    return st;
}

/* "", "." and ".." stay themselves once encoded, and would name the
 * collection or climb out of it: refused (TNX_E_PATH_PARAM). */
static int tnx__bad_segment(const char *s)
{
    return !s || !*s || !strcmp(s, ".") || !strcmp(s, "..");
}

/* The key goes into a header line: printable ASCII only, no space. */
static int tnx__bad_key(const char *k)
{
    if (!k || !*k) return 1;
    for (; *k; k++)
        if ((uint8_t)*k < 0x21 || (uint8_t)*k > 0x7E) return 1;
    return 0;
}

/* The request line as sent (INFO) and its headers (DEBUG), the API key
 * replaced by "<redacted>": the key itself is never read here. */
TNX__NOINLINE
static void tnx__log_request(const tnx_client *c, const char *po,
                             const char *id, size_t body_len)
{
    const char *const seg[2] = { po, id };
    static const char *const before[2] = { "/porting_orders/",
                                           "/action_requirements/" };
    tnx__line l;
    const char *p;
    char e[3];
    int i;
    if (!tnx__logs(&c->cfg, TNX_LOG_INFO)) return;
    l.n = 0;
    l.cut = 0;
    tnx__line_str(&l, "request POST ");
    tnx__line_str(&l, c->base_path);
    for (i = 0; i < 2; i++) {
        tnx__line_str(&l, before[i]);
        for (p = seg[i]; *p; p++)
            tnx__line_add(&l, e, tnx__seg_byte((uint8_t)*p, e));
    }
    tnx__line_str(&l, "/initiate");
    tnx__line_emit(&c->cfg, TNX_LOG_INFO, &l);
    if (!tnx__logs(&c->cfg, TNX_LOG_DEBUG)) return;
    l.n = 0;
    l.cut = 0;
    tnx__line_str(&l, "request headers: Host ");
    tnx__line_str(&l, c->host);
    tnx__line_str(&l, ", Authorization Bearer <redacted>, Content-Length ");
    tnx__line_num(&l, body_len);
    tnx__line_emit(&c->cfg, TNX_LOG_DEBUG, &l);
}

/* The request line and headers; the body follows through the JSON writer. */
static tnx_status tnx__out_head(tnx_client *c, const char *po, const char *id,
                                size_t body_len, tnx_error *err)
{
    char num[24];
    tnx_status st;
    c->out_len = 0;
    st = tnx__outs(c, "POST ", err);
    if (!st) st = tnx__outs(c, c->base_path, err);
    if (!st) st = tnx__outs(c, "/porting_orders/", err);
    if (!st) st = tnx__out_segment(c, po, err);
    if (!st) st = tnx__outs(c, "/action_requirements/", err);
    if (!st) st = tnx__out_segment(c, id, err);
    if (!st) st = tnx__outs(c, "/initiate HTTP/1.1\r\nHost: ", err);
    if (!st && strchr(c->host, ':')) st = tnx__outs(c, "[", err);
    if (!st) st = tnx__outs(c, c->host, err);
    if (!st && strchr(c->host, ':')) st = tnx__outs(c, "]", err);
    if (!st && c->port_number != (c->https ? 443 : 80)) {
        num[0] = ':';
        tnx__utoa(c->port_number, num + 1);
        st = tnx__outs(c, num, err);
    }
    if (!st) st = tnx__outs(c, "\r\nAuthorization: Bearer ", err);
    if (!st) st = tnx__outs(c, c->cfg.api_key, err);
    if (!st)
        st = tnx__outs(c, "\r\nContent-Type: application/json"
                          "\r\nAccept: application/json"
                          "\r\nUser-Agent: telnyx_porting.h/" TNX_VERSION
                          "\r\nContent-Length: ", err);
    tnx__utoa(body_len, num);
    if (!st) st = tnx__outs(c, num, err);
    if (!st) st = tnx__outs(c, "\r\n\r\n", err);
    return st;
}

/* ======================================================================== */
/* HTTP/1.1 response parser                                                 */
/* ======================================================================== */

/* The parser's states; lines (status, headers, chunk sizes, trailers) are
 * gathered into http.line, bodies pass straight through to the reader. */
enum tnx__http_state {
    TNX__H_STATUS,      /* status line */
    TNX__H_HEADER,      /* a header line, or the empty line ending them */
    TNX__H_BODY_LEN,    /* body of Content-Length bytes */
    TNX__H_BODY_EOF,    /* body that ends when the connection closes */
    TNX__H_CHUNK_SIZE,  /* chunk-size [; ext] line */
    TNX__H_CHUNK_DATA,  /* chunk data */
    TNX__H_CHUNK_END,   /* the CRLF after chunk data */
    TNX__H_TRAILER,     /* trailer lines after the last chunk */
    TNX__H_DONE
};

/* tnx__http.should_retry */
#define TNX__SR_TRUE 1
#define TNX__SR_FALSE 2

static void tnx__http_reset(tnx__http *h)
{
    memset(h, 0, sizeof *h);
    h->state = TNX__H_STATUS;
}

static tnx_status tnx__body(tnx_client *c, const uint8_t *b, size_t n,
                            tnx_error *err);

/* Value of a header line, whitespace trimmed. */
static void tnx__http_value(const char *v, size_t n, const char **out,
                            size_t *out_n)
{
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
    *out = v;
    *out_n = n;
}

/* Does the comma-separated list v contain the lower-case token t? */
static int tnx__has_token(const char *v, size_t n, const char *t)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i, k;
        const char *tok;
        while (j < n && v[j] != ',') j++;
        tnx__http_value(v + i, j - i, &tok, &k);
        if (tnx__ieq(tok, k, t)) return 1;
        i = j + 1;
    }
    return 0;
}

/* Digits only, no sign or space, at most max: 1 and the value in *out. */
static int tnx__http_num(const char *v, size_t n, uint64_t max,
                         uint64_t *out)
{
    uint64_t x = 0;
    size_t i;
    if (n == 0) return 0;
    for (i = 0; i < n; i++) {
        uint64_t d = (uint64_t)(v[i] - '0');
        if (v[i] < '0' || v[i] > '9' || x > (max - d) / 10) return 0;
        x = x * 10 + d;
    }
    *out = x;
    return 1;
}

static int tnx__http_digits(const char *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (v[i] < '0' || v[i] > '9') return 0;
    return n > 0;
}

/* A count in ms from digits of unit ms: more than 49 days saturates. */
static uint32_t tnx__http_ms(const char *v, size_t n, uint32_t unit)
{
    uint64_t x;
    if (!tnx__http_num(v, n, UINT32_MAX / unit, &x)) return UINT32_MAX;
    return (uint32_t)x * unit;
}

/* Seconds since 1970 of an HTTP-date in any of the three forms that RFC
 * 9110 (5.6.7) makes a recipient accept:
 *     Sun, 06 Nov 1994 08:49:37 GMT    IMF-fixdate
 *     Sunday, 06-Nov-94 08:49:37 GMT   RFC 850 (two-digit year)
 *     Sun Nov  6 08:49:37 1994         asctime
 * In each the day comes before the year; words other than a month (the
 * weekday, GMT) are passed over.  Returns 0 when it is none of them. */
static int tnx__http_date(const char *s, size_t n, int64_t *out)
{
    static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    static const uint16_t before[12] = { 0, 31, 59, 90, 120, 151, 181, 212,
                                         243, 273, 304, 334 };
    long num[2] = { 0, 0 }, hms = -1, y, m = -1;
    int nums = 0;
    size_t i = 0;

    while (i < n) {
        size_t j = i, k;
        while (j < n && s[j] != ' ' && s[j] != '-' && s[j] != ',') j++;
        if (j - i == 8 && s[i + 2] == ':' && s[i + 5] == ':') {
            long h = 0;
            for (k = 0; k < 8; k++) {
                if (k == 2 || k == 5) continue;
                if (s[i + k] < '0' || s[i + k] > '9') return 0;
                h = h * 10 + (s[i + k] - '0');
            }
            if (h / 10000 > 23 || h / 100 % 100 > 59 || h % 100 > 60)
                return 0;
            hms = h / 10000 * 3600 + h / 100 % 100 * 60 + h % 100;
        } else if (j - i >= 1 && j - i <= 4 && tnx__http_digits(s + i, j - i)) {
            uint64_t x = 0;
            if (nums == 2 || !tnx__http_num(s + i, j - i, 9999, &x)) return 0;
            num[nums++] = (long)x;
        } else if (j - i == 3) {
            for (k = 0; k < 12; k++)
                if (tnx__lower(s[i]) == months[k * 3] &&
                    tnx__lower(s[i + 1]) == months[k * 3 + 1] &&
                    tnx__lower(s[i + 2]) == months[k * 3 + 2])
                    m = (long)k;
        }
        i = j + 1;
    }
    if (nums != 2 || m < 0 || hms < 0 || num[0] < 1 || num[0] > 31)
        return 0;
    y = num[1];
    if (y < 100) y += y < 70 ? 2000 : 1900; /* RFC 850's two digits */
    if (y < 1970) return 0;
    /* Days before 1 January of y since 1970, leap days included. */
    *out = (int64_t)(y - 1970) * 365 + (y - 1969) / 4 - (y - 1901) / 100 +
           (y - 1601) / 400;
    *out += before[m] + (m > 1 && y % 4 == 0 && (y % 100 || y % 400 == 0));
    *out = (*out + num[0] - 1) * 86400 + hms;
    return 1;
}

/* The response headers the client reads.  The first three frame the body:
 * when one of them is longer than TNX_LINE_MAX the answer cannot be read
 * safely (TNX_E_HEADER).  The others are advice: too long, they are
 * dropped, except x-request-id, which is kept cut to its field. */
enum tnx__http_name {
    TNX__HN_LENGTH, TNX__HN_CODING, TNX__HN_CONNECTION, TNX__HN_REQUEST_ID,
    TNX__HN_RL_LIMIT, TNX__HN_RL_REMAINING, TNX__HN_RL_RESET,
    TNX__HN_RETRY_AFTER, TNX__HN_RETRY_AFTER_MS, TNX__HN_DATE,
    TNX__HN_SHOULD_RETRY, TNX__HN_COUNT
};
static const char *const tnx__http_names[TNX__HN_COUNT] = {
    "content-length", "transfer-encoding", "connection", "x-request-id",
    "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
    "retry-after", "retry-after-ms", "date", "x-should-retry"
};

/* retry_hint bits: which of the waiting headers came. */
#define TNX__RH_MS   1u  /* retry-after-ms (wins over Retry-After) */
#define TNX__RH_SECS 2u  /* Retry-After: seconds */
#define TNX__RH_AT   4u  /* Retry-After: an HTTP-date */
#define TNX__RH_DATE 8u  /* Date, needed to turn an HTTP-date into a wait */

/* x-ratelimit-* as a number; -1 when it is not digits or above 2^31-1. */
static int32_t tnx__http_ratelimit(const char *v, size_t n)
{
    uint64_t x;
    return tnx__http_num(v, n, INT32_MAX, &x) ? (int32_t)x : -1;
}

/* One header line: the framing headers and those that reach the caller. */
static tnx_status tnx__http_header(tnx_client *c, tnx_error *err)
{
    tnx__http *h = &c->http;
    const char *line = h->line, *v;
    size_t n = h->line_len, name_n = 0, vn;
    unsigned id;
    uint64_t x;

    if (line[0] == ' ' || line[0] == '\t')
        return tnx__fail(err, TNX_E_HTTP, "obsolete header folding", 0);
    while (name_n < n && line[name_n] != ':') {
        char ch = line[name_n++];
        if (ch <= ' ' || ch == 0x7F)
            return tnx__fail(err, TNX_E_HTTP, "header name", 0);
    }
    /* A name longer than the line buffer is none of those we read. */
    if (name_n == n && h->line_long) return TNX_OK;
    if (name_n == 0 || name_n == n)
        return tnx__fail(err, TNX_E_HTTP, "header line", 0);
    for (id = 0; id < TNX__HN_COUNT; id++)
        if (tnx__ieq(line, name_n, tnx__http_names[id])) break;
    if (id == TNX__HN_COUNT) return TNX_OK;
    if (h->line_long && id <= TNX__HN_CONNECTION)
        return tnx__fail(err, TNX_E_HEADER, tnx__http_names[id], 0);
    if (h->line_long && id != TNX__HN_REQUEST_ID) return TNX_OK;
    tnx__http_value(line + name_n + 1, n - name_n - 1, &v, &vn);

    switch (id) {
    case TNX__HN_LENGTH:
        if (!tnx__http_num(v, vn, UINT64_MAX, &x))
            return tnx__fail(err, TNX_E_HTTP, "content-length", 0);
        if (h->has_length && h->length != x)
            return tnx__fail(err, TNX_E_HTTP, "content-length twice", 0);
        h->has_length = 1;
        h->length = x;
        break;
    case TNX__HN_CODING:
        /* We never ask for a coding, so only plain "chunked" is valid. */
        if (h->chunked || !tnx__ieq(v, vn, "chunked"))
            return tnx__fail(err, TNX_E_HTTP,
                             "transfer-encoding other than chunked", 0);
        h->chunked = 1;
        break;
    case TNX__HN_CONNECTION:
        if (tnx__has_token(v, vn, "close")) h->keep_alive = 0;
        else if (tnx__has_token(v, vn, "keep-alive")) h->keep_alive = 1;
        break;
    case TNX__HN_REQUEST_ID:
        tnx__copy(err->request_id, sizeof err->request_id, v, vn);
        break;
    case TNX__HN_RL_LIMIT:
        err->ratelimit_limit = tnx__http_ratelimit(v, vn);
        break;
    case TNX__HN_RL_REMAINING:
        err->ratelimit_remaining = tnx__http_ratelimit(v, vn);
        break;
    case TNX__HN_RL_RESET:
        err->ratelimit_reset = tnx__http_ratelimit(v, vn);
        break;
    case TNX__HN_RETRY_AFTER:
        if (tnx__http_digits(v, vn)) {
            h->retry_secs_ms = tnx__http_ms(v, vn, 1000);
            h->retry_hint |= TNX__RH_SECS;
        } else if (tnx__http_date(v, vn, &h->retry_at)) {
            h->retry_hint |= TNX__RH_AT;
        }
        break;
    case TNX__HN_RETRY_AFTER_MS:
        if (tnx__http_digits(v, vn)) {
            h->retry_ms = tnx__http_ms(v, vn, 1);
            h->retry_hint |= TNX__RH_MS;
        }
        break;
    case TNX__HN_DATE:
        if (tnx__http_date(v, vn, &h->date)) h->retry_hint |= TNX__RH_DATE;
        break;
    default: /* TNX__HN_SHOULD_RETRY */
        if (tnx__ieq(v, vn, "true")) h->should_retry = TNX__SR_TRUE;
        else if (tnx__ieq(v, vn, "false")) h->should_retry = TNX__SR_FALSE;
        break;
    }
    return TNX_OK;
}

/* The status line starts a response: what the caller learns of an answer
 * is of this one only (a 1xx answer's headers do not leak into the next). */
static tnx_status tnx__http_status_line(tnx__http *h, tnx_error *err)
{
    const char *l = h->line;
    if (h->line_len < 12 || memcmp(l, "HTTP/1.", 7) != 0 ||
        (l[7] != '0' && l[7] != '1') || l[8] != ' ' ||
        (h->line_len > 12 && l[12] != ' ') ||
        l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' ||
        l[11] < '0' || l[11] > '9')
        return tnx__fail(err, TNX_E_HTTP, "status line", 0);
    h->version_1_0 = l[7] == '0';
    h->keep_alive = !h->version_1_0;
    h->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
    err->http_status = h->status;
    err->request_id[0] = 0;
    err->ratelimit_limit = -1;
    err->ratelimit_remaining = -1;
    err->ratelimit_reset = -1;
    return TNX_OK;
}

/* The empty line after the headers: choose how the body is framed. */
static tnx_status tnx__http_headers_done(tnx__http *h, tnx_error *err)
{
    if (h->status < 200) {
        if (h->status == 101)
            return tnx__fail(err, TNX_E_HTTP, "101 switching protocols", 0);
        tnx__http_reset(h); /* interim answer: the real one follows */
        return TNX_OK;
    }
    if (h->status == 204 || h->status == 304) {
        h->state = TNX__H_DONE;
    } else if (h->chunked) {
        if (h->has_length) h->keep_alive = 0; /* chunked wins; be wary */
        h->state = TNX__H_CHUNK_SIZE;
    } else if (h->has_length) {
        h->state = h->length ? TNX__H_BODY_LEN : TNX__H_DONE;
    } else {
        h->keep_alive = 0;
        h->state = TNX__H_BODY_EOF;
    }
    return TNX_OK;
}

static tnx_status tnx__http_chunk_size(tnx__http *h, tnx_error *err)
{
    uint64_t size = 0;
    size_t i = 0;
    int d;
    for (; i < h->line_len; i++) {
        if ((d = tnx__hexval((uint8_t)h->line[i])) < 0) break;
        if (size > UINT64_MAX >> 4)
            return tnx__fail(err, TNX_E_HTTP, "chunk size", 0);
        size = size * 16 + (uint64_t)d;
    }
    /* A size whose digits run past what was kept cannot be trusted. */
    if (i == 0 || (h->line_long && i == h->line_len))
        return tnx__fail(err, TNX_E_HTTP, "chunk size", 0);
    while (i < h->line_len && (h->line[i] == ' ' || h->line[i] == '\t')) i++;
    if (i < h->line_len && h->line[i] != ';')
        return tnx__fail(err, TNX_E_HTTP, "chunk size", 0);
    h->length = size;
    h->state = size ? TNX__H_CHUNK_DATA : TNX__H_TRAILER;
    return TNX_OK;
}

/* A whole line (CR LF removed) is in h->line, perhaps cut (line_long). */
static tnx_status tnx__http_line(tnx_client *c, tnx_error *err)
{
    tnx__http *h = &c->http;
    if (memchr(h->line, '\r', h->line_len))
        return tnx__fail(err, TNX_E_HTTP, "bare CR", 0);
    switch (h->state) {
    case TNX__H_STATUS:
        if (h->line_len == 0 && !h->line_long) return TNX_OK;
        h->state = TNX__H_HEADER;
        return tnx__http_status_line(h, err);
    case TNX__H_HEADER:
        if (h->line_len == 0 && !h->line_long)
            return tnx__http_headers_done(h, err);
        return tnx__http_header(c, err);
    case TNX__H_CHUNK_SIZE:
        return tnx__http_chunk_size(h, err);
    case TNX__H_CHUNK_END:
        if (h->line_len != 0 || h->line_long)
            return tnx__fail(err, TNX_E_HTTP, "chunk end", 0);
        h->state = TNX__H_CHUNK_SIZE;
        return TNX_OK;
    case TNX__H_TRAILER:
        if (h->line_len == 0 && !h->line_long) h->state = TNX__H_DONE;
        return TNX_OK;
    default:
        return tnx__fail(err, TNX_E_HTTP, "parser state", 0);
    }
}

/* Feeds n response bytes; stops at the end of the response. */
static tnx_status tnx__http_feed(tnx_client *c, const uint8_t *b, size_t n,
                                 tnx_error *err)
{
    tnx__http *h = &c->http;
    tnx_status st = TNX_OK;
    while (n > 0 && st == TNX_OK && h->state != TNX__H_DONE) {
        size_t k;
        switch (h->state) {
        case TNX__H_BODY_LEN:
        case TNX__H_CHUNK_DATA:
            k = n < h->length ? n : (size_t)h->length;
            st = tnx__body(c, b, k, err);
            h->length -= k;
            if (h->length == 0)
                h->state = h->state == TNX__H_BODY_LEN ? TNX__H_DONE
                                                       : TNX__H_CHUNK_END;
            break;
        case TNX__H_BODY_EOF:
            k = n;
            st = tnx__body(c, b, k, err);
            break;
        default: {
            /* Gather a line; keep its start when it is longer than line. */
            const uint8_t *lf = (const uint8_t *)memchr(b, '\n', n);
            size_t take = lf ? (size_t)(lf - b) : n;
            size_t room = sizeof h->line - 1 - h->line_len;
            k = lf ? take + 1 : take;
            if (take > room) {
                h->line_long = 1;
                take = room;
            }
            memcpy(h->line + h->line_len, b, take);
            h->line_len = (uint16_t)(h->line_len + take);
            if (lf) {
                if (h->line_len && h->line[h->line_len - 1] == '\r')
                    h->line_len--;
                h->line[h->line_len] = 0;
                st = tnx__http_line(c, err);
                h->line_len = 0;
                h->line_long = 0;
            }
            break;
        }
        }
        b += k;
        n -= k;
    }
    if (n > 0 && st == TNX_OK) h->keep_alive = 0; /* bytes beyond the answer */
    return st;
}

/* ======================================================================== */
/* JSON writer                                                              */
/* ======================================================================== */

TNX_DEF void tnx_writer_init(tnx_writer *w, tnx_sink_fn sink, void *ctx)
{
    memset(w, 0, sizeof *w);
    w->sink = sink;
    w->ctx = ctx;
}

TNX_DEF int tnx_sink_buf(void *ctx, const char *bytes, size_t len)
{
    tnx_buf_sink *b = (tnx_buf_sink *)ctx;
    if (b->cap == 0 || len > b->cap - 1 - b->len) return TNX_E_ARG;
    memcpy(b->buf + b->len, bytes, len);
    b->len += len;
    b->buf[b->len] = 0;
    return 0;
}

/* Hands n bytes to the sink, in pieces of at most piece_max. */
static void tnx__w(tnx_writer *w, const char *s, size_t n)
{
    while (w->status == TNX_OK && n > 0) {
        size_t k = w->piece_max && n > w->piece_max ? w->piece_max : n;
        int r = w->sink(w->ctx, s, k);
        if (r != 0) {
            w->status = r > 0 && r < TNX_STATUS_COUNT ? (tnx_status)r
                                                      : TNX_E_IO;
            return;
        }
        w->count += k;
        s += k;
        n -= k;
    }
}

/* Is the NUL-terminated s valid UTF-8?  A sequence cut by the NUL is not;
 * nothing past the NUL is read. */
static int tnx__utf8_valid(const uint8_t *p)
{
    uint8_t lo, hi;
    int need;
    while (*p) {
        need = tnx__utf8_lead(*p++, &lo, &hi);
        if (need < 0) return 0;
        if (need == 0) continue;
        if (*p < lo || *p > hi) return 0;
        for (p++; --need > 0; p++)
            if ((*p & 0xC0) != 0x80) return 0;
    }
    return 1;
}

/* A JSON string: runs of plain bytes go to the sink in one piece; ", \ and
 * C0 controls are escaped; invalid UTF-8 stops the writer (TNX_E_UTF8)
 * before any of the string is written. */
static void tnx__w_str(tnx_writer *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = (const uint8_t *)s, *run;

    if (!tnx__utf8_valid(p)) {
        if (w->status == TNX_OK) w->status = TNX_E_UTF8;
        return;
    }

    tnx__w(w, "\"", 1);
    for (run = p; *p; p++) {
        char e[6] = { '\\', 'u', '0', '0', 0, 0 };
        size_t en = 2;
        if (*p >= 0x20 && *p != '"' && *p != '\\') continue;
        tnx__w(w, (const char *)run, (size_t)(p - run));
        switch (*p) {
        case '"': e[1] = '"'; break;
        case '\\': e[1] = '\\'; break;
        case '\b': e[1] = 'b'; break;
        case '\f': e[1] = 'f'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        default:
            e[4] = hex[*p >> 4];
            e[5] = hex[*p & 15];
            en = 6;
        }
        tnx__w(w, e, en);
        run = p + 1;
    }
    tnx__w(w, (const char *)run, (size_t)(p - run));
    tnx__w(w, "\"", 1);
}

/* "key": or ,"key": inside an object the caller opened. */
static void tnx__w_key(tnx_writer *w, const char *key)
{
    if (w->need_comma) tnx__w(w, ",", 1);
    w->need_comma = 1;
    tnx__w_str(w, key);
    tnx__w(w, ":", 1);
}

TNX_DEF tnx_status tnx_write_params(tnx_writer *w, const tnx_params *p)
{
    if (!p || !p->first_name || !p->last_name) {
        if (w->status == TNX_OK) w->status = TNX_E_PARAMS;
        return w->status;
    }
    tnx__w(w, "{\"params\":{", 11);
    w->need_comma = 0;
    tnx__w_key(w, "first_name");
    tnx__w_str(w, p->first_name);
    tnx__w_key(w, "last_name");
    tnx__w_str(w, p->last_name);
    tnx__w(w, "}}", 2);
    return w->status;
}

/* ======================================================================== */
/* JSON reader: a push parser                                               */
/* ======================================================================== */

/* What the reader tells the schema mapper (see "Schemas"), by direct
 * calls: the start of a value, of which kind; a key (js->key_s, key_len;
 * key_long when longer than TNX_JSON_KEY_MAX - 1); the end of a string
 * value (js->dst holds it, js->trunc if cut); the end of a container.
 * At a key the mapper may aim the next value at its field (js->aim): if
 * it is a string, nothing need be told at its start.
 * Nothing is told from inside a value the mapper chose to skip
 * (tnx__js_skip_next), however deep it goes. */
enum tnx__json_event {
    TNX__EV_OBJ, TNX__EV_ARR,
    TNX__EV_STR,      /* a string value starts: the mapper may set js->dst */
    TNX__EV_NUM, TNX__EV_TRUE, TNX__EV_FALSE, TNX__EV_NULL
};
static tnx_status tnx__map_value(struct tnx__map *m, int ev, tnx__json *js);
static void tnx__map_key(struct tnx__map *m, tnx__json *js);
static void tnx__map_string_end(struct tnx__map *m, tnx__json *js);
static void tnx__map_close(struct tnx__map *m);

/* Structure states come first: whitespace may stand between their bytes.
 * From TNX__J_STR on, the reader is inside a token and every byte counts.
 * One switch in tnx__js_feed runs them all. */
enum tnx__json_state {
    TNX__J_VALUE,      /* a value must come */
    TNX__J_ARR_FIRST,  /* after '[': a value or ']' */
    TNX__J_OBJ_FIRST,  /* after '{': a key or '}' */
    TNX__J_KEY,        /* after ',' in an object: a key */
    TNX__J_COLON,
    TNX__J_AFTER,      /* after a value: ',' or the closing bracket */
    TNX__J_DONE,       /* the top-level value ended: whitespace only */
    TNX__J_STR,        /* inside a string, key or value */
    TNX__J_ESC,        /* after a backslash */
    TNX__J_HEX,        /* in \uXXXX, esc_n digits read */
    TNX__J_SUR_BS,     /* after a high surrogate: '\' must follow */
    TNX__J_SUR_U,      /* ... then 'u' */
    TNX__J_UTF8,       /* inside a multi-byte UTF-8 character */
    TNX__J_LIT,        /* inside true, false or null */
    TNX__J_MINUS, TNX__J_ZERO, TNX__J_INT, TNX__J_DOT, TNX__J_FRAC,
    TNX__J_EXP_MARK, TNX__J_EXP_SIGN, TNX__J_EXP,
    TNX__J_ERROR
};

#if TNX_JSON_DEPTH_MAX < 1 || TNX_JSON_DEPTH_MAX > 65535
#error "TNX_JSON_DEPTH_MAX must be 1 to 65535"
#endif
#if TNX_JSON_KEY_MAX < 20
#error "TNX_JSON_KEY_MAX must hold requirement_type_id: at least 20"
#endif

#define TNX__ONES UINT64_C(0x0101010101010101)
#define TNX__P16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x

/* 1 for a byte that stands for itself in a string: printable ASCII but the
 * quote and the backslash.  Bytes from 0x80 are UTF-8, checked apart. */
static const uint8_t tnx__js_plain_tab[256] = {
    TNX__P16(0), TNX__P16(0),
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    TNX__P16(1), TNX__P16(1),
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    TNX__P16(1), TNX__P16(1),
    TNX__P16(0), TNX__P16(0), TNX__P16(0), TNX__P16(0),
    TNX__P16(0), TNX__P16(0), TNX__P16(0), TNX__P16(0)
};

/* Where a little-endian compiler can count trailing zeros, the first
 * flagged byte of a word is found without a loop. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TNX__FIRST_FLAGGED(m) ((unsigned)__builtin_ctzll(m) >> 3)
#endif

/* The first byte from p on that is not plain text.  Eight bytes are tested
 * at once: a byte's top bit in m is set by a control (b - 0x20 wraps), a
 * quote or a backslash (b ^ c - 1 wraps), and by any byte >= 0x80 (which is
 * not plain either, whatever else the subtractions do to it).  A plain byte
 * sets no bit and lends no borrow, and borrows only run upwards, so the
 * lowest bit set is the first byte that is not plain. */
static const uint8_t *tnx__js_plain(const uint8_t *p, const uint8_t *end)
{
    while (end - p >= 8) {
        uint64_t v, m;
        memcpy(&v, p, 8);
        m = (v | (v - TNX__ONES * 0x20) |
             ((v ^ (TNX__ONES * '"')) - TNX__ONES) |
             ((v ^ (TNX__ONES * '\\')) - TNX__ONES)) & (TNX__ONES * 0x80);
        if (m) {
#ifdef TNX__FIRST_FLAGGED
            return p + TNX__FIRST_FLAGGED(m);
#else
            break;
#endif
        }
        p += 8;
    }
    while (p < end && tnx__js_plain_tab[*p]) p++;
    return p;
}

static int tnx__js_ws(uint8_t ch)
{
    /* ' ', '\t', '\n', '\r' as bits 32, 9, 10, 13 */
    return ch <= ' ' && ((UINT64_C(0x100002600) >> ch) & 1);
}

/* Indentation goes eight spaces at a time. */
static const uint8_t *tnx__js_skip_ws(const uint8_t *p, const uint8_t *end)
{
    uint64_t v;
    while (end - p >= 8) {
        memcpy(&v, p, 8);
        if (v != TNX__ONES * ' ') break;
        p += 8;
    }
    while (p < end && tnx__js_ws(*p)) p++;
    return p;
}

/* Without a map the whole document is one skipped value: skip turns off
 * when it has ended, and then no value can come. */
static void tnx__js_init(tnx__json *js, struct tnx__map *map)
{
    memset(js, 0, sizeof *js);
    js->state = TNX__J_VALUE;
    js->map = map;
    js->skip = map == NULL;
}

/* Nothing is told while the mapper skips a value, nor without a mapper. */
static int tnx__js_quiet(const tnx__json *js)
{
    return js->skip;
}

static tnx_status tnx__js_emit(tnx__json *js, int ev)
{
    if (tnx__js_quiet(js)) return TNX_OK;
    return tnx__map_value(js->map, ev, js);
}

/* For the schema, at a key event: the value that follows is checked to the
 * last byte but hands out no event and no string. */
static void tnx__js_skip_next(tnx__json *js)
{
    js->skip = 1;
    js->skip_depth = js->depth;
}

/* Appends decoded string bytes, keeping the text NUL-terminated; once a
 * string is cut, the rest of it is dropped. */
static void tnx__js_put(tnx__json *js, const uint8_t *s, size_t n)
{
    size_t room;
    if (!js->dst || js->trunc) return;
    room = js->dst_cap - 1 - js->dst_len;
    if (n > room) {
        n = room;
        js->trunc = 1;
    }
    memcpy(js->dst + js->dst_len, s, n);
    js->dst_len += n;
    js->dst[js->dst_len] = 0;
}

/* Appends code point cp as UTF-8; U+0000 cannot live in a C string, so it
 * ends the kept text and marks the string cut. */
static void tnx__js_put_cp(tnx__json *js, uint32_t cp)
{
    uint8_t u[4];
    size_t n;
    if (cp == 0) {
        js->trunc = 1;
        return;
    }
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xC0 | (cp >> 6));
        u[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xE0 | (cp >> 12));
        u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xF0 | (cp >> 18));
        u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    tnx__js_put(js, u, n);
}

/* A value has ended: what may follow depends on the enclosing container,
 * and a skipped value that ends here turns events back on. */
static void tnx__js_after_value(tnx__json *js)
{
    js->state = js->depth ? TNX__J_AFTER : TNX__J_DONE;
    if (js->skip && js->depth == js->skip_depth) js->skip = 0;
}

static tnx_status tnx__js_open(tnx__json *js, int is_obj)
{
    unsigned d = js->depth;
    uint8_t bit = (uint8_t)(1u << (d & 7));
    if (d >= TNX_JSON_DEPTH_MAX) return TNX_E_DEPTH;
    if (is_obj) js->stack[d >> 3] = (uint8_t)(js->stack[d >> 3] | bit);
    else js->stack[d >> 3] = (uint8_t)(js->stack[d >> 3] & ~bit);
    js->depth++;
    js->in_obj = (uint8_t)is_obj;
    js->state = is_obj ? TNX__J_OBJ_FIRST : TNX__J_ARR_FIRST;
    return tnx__js_emit(js, is_obj ? TNX__EV_OBJ : TNX__EV_ARR);
}

static void tnx__js_close(tnx__json *js)
{
    int quiet = tnx__js_quiet(js); /* as the opening was */
    unsigned d = --js->depth;
    js->in_obj = d && ((js->stack[(d - 1) >> 3] >> ((d - 1) & 7)) & 1);
    tnx__js_after_value(js);
    if (!quiet) tnx__map_close(js->map);
}

/* A string starts; a value's mapper may then aim js->dst at its field,
 * a key goes to js->key when it has to be copied at all. */
static tnx_status tnx__js_string_start(tnx__json *js, int is_key)
{
    js->is_key = (uint8_t)is_key;
    js->trunc = 0;
    js->dst = NULL;
    js->dst_len = 0;
    js->state = TNX__J_STR;
    if (!is_key && js->aim) { /* a string where the mapper wants one */
        js->dst = js->aim;
        js->dst_cap = js->aim_cap;
        js->aim = NULL;
        return TNX_OK;
    }
    if (!is_key) return tnx__js_emit(js, TNX__EV_STR);
    if (!tnx__js_quiet(js)) {
        js->dst = js->key;
        js->dst_cap = sizeof js->key;
        js->key[0] = 0;
    }
    return TNX_OK;
}

/* Hands the mapper a key: where it lies (s, n) when it came whole in one
 * chunk without an escape, otherwise the copy in js->key. */
static void tnx__js_key(tnx__json *js, const uint8_t *s, size_t n)
{
    if (s) {
        js->key_s = (const char *)s;
        js->key_len = n;
        js->key_long = n >= sizeof js->key;
    } else {
        js->key_s = js->key;
        js->key_len = js->dst_len;
        js->key_long = js->trunc;
    }
    tnx__map_key(js->map, js);
}

/* A string was cut inside a character: drop what of it was kept. */
static void tnx__js_trim(tnx__json *js)
{
    size_t whole = tnx__utf8_whole(js->dst, js->dst_len);
    memset(js->dst + whole, 0, js->dst_len - whole);
    js->dst_len = whole;
}

/* The closing quote of a string nobody keeps (most are): only the state
 * moves.  Small, so that the hot loop has it inline. */
static void tnx__js_string_end_quiet(tnx__json *js)
{
    if (js->is_key) js->state = TNX__J_COLON;
    else tnx__js_after_value(js);
}

/* The closing quote of a key or value the mapper is told about. */
static void tnx__js_string_end(tnx__json *js, const uint8_t *s, size_t n)
{
    if (tnx__js_quiet(js)) {
        tnx__js_string_end_quiet(js);
        return;
    }
    if (js->dst && js->trunc) tnx__js_trim(js);
    if (js->is_key) {
        js->state = TNX__J_COLON;
        tnx__js_key(js, s, n);
        return;
    }
    tnx__js_after_value(js);
    tnx__map_string_end(js->map, js);
}

/* The first byte of a value. */
static tnx_status tnx__js_value(tnx__json *js, uint8_t ch)
{
    switch (ch) {
    case '{': return tnx__js_open(js, 1);
    case '[': return tnx__js_open(js, 0);
    case '"': return tnx__js_string_start(js, 0);
    case 't': js->lit = "rue"; js->state = TNX__J_LIT;
        return tnx__js_emit(js, TNX__EV_TRUE);
    case 'f': js->lit = "alse"; js->state = TNX__J_LIT;
        return tnx__js_emit(js, TNX__EV_FALSE);
    case 'n': js->lit = "ull"; js->state = TNX__J_LIT;
        return tnx__js_emit(js, TNX__EV_NULL);
    case '-': js->state = TNX__J_MINUS; return tnx__js_emit(js, TNX__EV_NUM);
    case '0': js->state = TNX__J_ZERO; return tnx__js_emit(js, TNX__EV_NUM);
    default:
        if (ch >= '1' && ch <= '9') {
            js->state = TNX__J_INT;
            return tnx__js_emit(js, TNX__EV_NUM);
        }
        return TNX_E_JSON;
    }
}

/* The value of four hex digits at p, or -1. */
static long tnx__js_hex4(const uint8_t *p)
{
    int a = tnx__hexval(p[0]), b = tnx__hexval(p[1]);
    int c = tnx__hexval(p[2]), d = tnx__hexval(p[3]);
    if ((a | b | c | d) < 0) return -1;
    return ((long)a << 12) | (b << 8) | (c << 4) | d;
}

/* The byte a one-letter escape stands for, or 0 for an unknown escape. */
static uint8_t tnx__js_unescape(uint8_t ch)
{
    switch (ch) {
    case '"': case '\\': case '/': return ch;
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return 0;
    }
}

/* Four hex digits of \uXXXX are in js->hex. */
static tnx_status tnx__js_unicode(tnx__json *js)
{
    uint32_t cp = js->hex;
    js->state = TNX__J_STR;
    if (js->surrogate) {
        if (cp < 0xDC00 || cp > 0xDFFF) return TNX_E_JSON;
        cp = 0x10000 + (((uint32_t)js->surrogate - 0xD800) << 10) +
             (cp - 0xDC00);
        js->surrogate = 0;
    } else if (cp >= 0xD800 && cp <= 0xDBFF) {
        js->surrogate = (uint16_t)cp;
        js->state = TNX__J_SUR_BS;
        return TNX_OK;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return TNX_E_JSON; /* a low surrogate alone */
    }
    tnx__js_put_cp(js, cp);
    return TNX_OK;
}

/* A whole, valid escape at p (p[0] is the backslash) is decoded and its
 * length returned: 2, 6, or 12 for a surrogate pair.  0 leaves it to the
 * byte states: cut by the end of the chunk, or wrong. */
static size_t tnx__js_escape_at(tnx__json *js, const uint8_t *p,
                                const uint8_t *end)
{
    long hi, lo;
    uint8_t out;
    if (end - p < 2) return 0;
    if (p[1] != 'u') {
        out = tnx__js_unescape(p[1]);
        if (!out) return 0;
        tnx__js_put(js, &out, 1);
        return 2;
    }
    if (end - p < 6 || (hi = tnx__js_hex4(p + 2)) < 0) return 0;
    if (hi < 0xD800 || hi > 0xDFFF) {
        tnx__js_put_cp(js, (uint32_t)hi);
        return 6;
    }
    if (hi > 0xDBFF || end - p < 12 || p[6] != '\\' || p[7] != 'u') return 0;
    lo = tnx__js_hex4(p + 8);
    if (lo < 0xDC00 || lo > 0xDFFF) return 0;
    tnx__js_put_cp(js, (uint32_t)(0x10000 + ((hi - 0xD800) << 10) +
                                  (lo - 0xDC00)));
    return 12;
}

/* Length of the whole, valid UTF-8 character at p (2 to 4 bytes), or 0
 * when it is invalid or goes past end. */
static size_t tnx__utf8_at(const uint8_t *p, const uint8_t *end)
{
    uint8_t lo, hi;
    int need = tnx__utf8_lead(p[0], &lo, &hi);
    if (need <= 0 || end - p <= need) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    if (need >= 2 && (p[2] & 0xC0) != 0x80) return 0;
    if (need == 3 && (p[3] & 0xC0) != 0x80) return 0;
    return (size_t)need + 1;
}

/* One string byte the slow way.  These states keep all that a chunk
 * boundary can cut (an escape, its hex digits, a pending high surrogate,
 * part of a UTF-8 character), and they find where an error is.  A UTF-8
 * character reaches the string only once it is whole. */
static tnx_status tnx__js_string_byte(tnx__json *js, uint8_t ch)
{
    int need, d;
    switch (js->state) {
    case TNX__J_STR: /* a byte the fast path left: never the quote */
        TNX_ASSERT(ch != '"');
        if (ch == '\\') {
            js->state = TNX__J_ESC;
            return TNX_OK;
        }
        if (ch < 0x20) return TNX_E_JSON;
        need = tnx__utf8_lead(ch, &js->utf8_lo, &js->utf8_hi);
        if (need < 0) return TNX_E_JSON;
        js->u8[0] = ch;
        js->u8_n = 1;
        if (need == 0) {
            tnx__js_put(js, js->u8, 1);
            return TNX_OK;
        }
        js->utf8_need = (uint8_t)need;
        js->state = TNX__J_UTF8;
        return TNX_OK;
    case TNX__J_UTF8:
        if (ch < js->utf8_lo || ch > js->utf8_hi) return TNX_E_JSON;
        js->u8[js->u8_n++] = ch;
        js->utf8_lo = 0x80;
        js->utf8_hi = 0xBF;
        if (--js->utf8_need == 0) {
            tnx__js_put(js, js->u8, js->u8_n);
            js->state = TNX__J_STR;
        }
        return TNX_OK;
    case TNX__J_ESC:
        if (ch == 'u') {
            js->hex = 0;
            js->esc_n = 0;
            js->state = TNX__J_HEX;
            return TNX_OK;
        }
        ch = tnx__js_unescape(ch);
        if (!ch) return TNX_E_JSON;
        tnx__js_put(js, &ch, 1);
        js->state = TNX__J_STR;
        return TNX_OK;
    case TNX__J_HEX:
        d = tnx__hexval(ch);
        if (d < 0) return TNX_E_JSON;
        js->hex = (uint16_t)(js->hex * 16 + d);
        if (++js->esc_n == 4) return tnx__js_unicode(js);
        return TNX_OK;
    case TNX__J_SUR_BS:
        if (ch != '\\') return TNX_E_JSON;
        js->state = TNX__J_SUR_U;
        return TNX_OK;
    default: /* TNX__J_SUR_U */
        if (ch != 'u') return TNX_E_JSON;
        js->hex = 0;
        js->esc_n = 0;
        js->state = TNX__J_HEX;
        return TNX_OK;
    }
}

/* Inside a string, the fast way: plain runs, whole UTF-8 characters and
 * whole escapes are taken in one go and copied a run at a time; a byte it
 * cannot take whole goes to tnx__js_string_byte.
 *
 * Compact JSON puts the next string right after this one: `":"` after a
 * key, `","` after a value.  That step of structure is taken here too, a
 * round through the feed loop saved; anything else goes back to it. */
static tnx_status tnx__js_string(tnx__json *js, const uint8_t **pp,
                                 const uint8_t *end)
{
    const uint8_t *p = *pp, *run = p;
    tnx_status st = TNX_OK;
    size_t k;

    for (;;) {
        p = tnx__js_plain(p, end);
        if (p == end) {
            if (js->dst && p > run) tnx__js_put(js, run, (size_t)(p - run));
            break;
        }
        if (*p >= 0x80 && (k = tnx__utf8_at(p, end)) != 0) {
            p += k; /* the character stays in the run */
            continue;
        }
        if (*p != '"') {
            if (js->dst && p > run) tnx__js_put(js, run, (size_t)(p - run));
            if (*p == '\\' && (k = tnx__js_escape_at(js, p, end)) != 0) {
                p += k;
                run = p;
                continue;
            }
            st = tnx__js_string_byte(js, *p);
            if (st == TNX_OK) p++;
            *pp = p;
            return st;
        }
        if (tnx__js_quiet(js)) {
            tnx__js_string_end_quiet(js);
        } else {
            if (js->is_key && js->dst_len == 0 && !js->trunc) {
                k = (size_t)(p - run); /* a key whole here: no copy */
            } else {
                if (js->dst && p > run)
                    tnx__js_put(js, run, (size_t)(p - run));
                run = NULL;
                k = 0;
            }
            tnx__js_string_end(js, run, k);
        }
        p++;
        if (end - p < 2 || p[1] != '"') break;
        if (js->state == TNX__J_COLON && p[0] == ':')
            st = tnx__js_string_start(js, 0);
        else if (js->state == TNX__J_AFTER && p[0] == ',')
            st = tnx__js_string_start(js, js->in_obj);
        else
            break;
        p++; /* at the quote: where an error is, if the schema refused */
        if (st != TNX_OK) break;
        run = ++p;
    }
    *pp = p;
    return st;
}

static tnx_status tnx__js_literal(tnx__json *js, const uint8_t **pp,
                                  const uint8_t *end)
{
    const uint8_t *p = *pp;
    tnx_status st = TNX_OK;
    while (p < end && *js->lit) {
        if (*p != (uint8_t)*js->lit) {
            st = TNX_E_JSON;
            break;
        }
        p++;
        js->lit++;
    }
    if (st == TNX_OK && *js->lit == 0) tnx__js_after_value(js);
    *pp = p;
    return st;
}

/* Number grammar: state after ch, or TNX__J_ERROR when ch cannot continue
 * the number (the caller then ends the number if it may end here). */
static uint8_t tnx__js_num_next(uint8_t state, uint8_t ch)
{
    int digit = ch >= '0' && ch <= '9';
    int e = ch == 'e' || ch == 'E';
    switch (state) {
    case TNX__J_MINUS:
        if (ch == '0') return TNX__J_ZERO;
        return digit ? TNX__J_INT : TNX__J_ERROR;
    case TNX__J_ZERO:
        if (ch == '.') return TNX__J_DOT;
        return e ? TNX__J_EXP_MARK : TNX__J_ERROR;
    case TNX__J_INT:
        if (digit) return TNX__J_INT;
        if (ch == '.') return TNX__J_DOT;
        return e ? TNX__J_EXP_MARK : TNX__J_ERROR;
    case TNX__J_DOT:
        return digit ? TNX__J_FRAC : TNX__J_ERROR;
    case TNX__J_FRAC:
        if (digit) return TNX__J_FRAC;
        return e ? TNX__J_EXP_MARK : TNX__J_ERROR;
    case TNX__J_EXP_MARK:
        if (ch == '+' || ch == '-') return TNX__J_EXP_SIGN;
        return digit ? TNX__J_EXP : TNX__J_ERROR;
    case TNX__J_EXP_SIGN:
    case TNX__J_EXP:
        return digit ? TNX__J_EXP : TNX__J_ERROR;
    default:
        return TNX__J_ERROR;
    }
}

static int tnx__js_num_may_end(uint8_t state)
{
    return state == TNX__J_ZERO || state == TNX__J_INT ||
           state == TNX__J_FRAC || state == TNX__J_EXP;
}

/* A number is only checked, never converted: a huge exponent or a
 * thousand digits cost nothing and cannot overflow.  Digit runs go in a
 * tight loop; the byte after the number is looked at again as structure. */
static tnx_status tnx__js_number(tnx__json *js, const uint8_t **pp,
                                 const uint8_t *end)
{
    const uint8_t *p = *pp;
    uint8_t s = js->state, next;
    tnx_status st = TNX_OK;

    for (;;) {
        if (s == TNX__J_INT || s == TNX__J_FRAC || s == TNX__J_EXP)
            while (p < end && (uint8_t)(*p - '0') < 10) p++;
        if (p == end) break;
        next = tnx__js_num_next(s, *p);
        if (next == TNX__J_ERROR) {
            if (!tnx__js_num_may_end(s)) st = TNX_E_JSON;
            break;
        }
        s = next;
        p++;
    }
    js->state = s;
    if (p < end && st == TNX_OK) tnx__js_after_value(js);
    *pp = p;
    return st;
}

/* Feeds n bytes.  Every state survives the end of a chunk, so the document
 * may be cut anywhere, and the fast paths take only what is whole and
 * valid, so any cut gives the same result.  Returns TNX_OK or the error,
 * which sticks; js->offset then is the offset of the byte at fault. */
static tnx_status tnx__js_feed(tnx__json *js, const uint8_t *p, size_t n)
{
    const uint8_t *start = p, *end = p + n;
    tnx_status st = TNX_OK;

    if (js->state == TNX__J_ERROR) return TNX_E_JSON;
    while (p < end && st == TNX_OK) {
        uint8_t ch = *p;
        switch (js->state) {
        case TNX__J_STR:
            st = tnx__js_string(js, &p, end);
            continue;
        case TNX__J_COLON:
            if (ch != ':') break;
            js->state = TNX__J_VALUE;
            p++;
            continue;
        case TNX__J_AFTER:
            if (ch == ',') {
                js->state = js->in_obj ? TNX__J_KEY : TNX__J_VALUE;
                p++;
                continue;
            }
            if (ch != (js->in_obj ? '}' : ']')) break;
            tnx__js_close(js);
            p++;
            continue;
        case TNX__J_OBJ_FIRST:
            if (ch == '}') {
                tnx__js_close(js);
                p++;
                continue;
            }
            /* fall through */
        case TNX__J_KEY:
            if (ch != '"') break;
            tnx__js_string_start(js, 1);
            p++;
            continue;
        case TNX__J_ARR_FIRST:
            if (ch == ']') {
                tnx__js_close(js);
                p++;
                continue;
            }
            /* fall through */
        case TNX__J_VALUE:
            if (tnx__js_ws(ch)) break;
            st = tnx__js_value(js, ch);
            if (st == TNX_OK) p++;
            continue;
        case TNX__J_DONE:
            break;
        case TNX__J_LIT:
            st = tnx__js_literal(js, &p, end);
            continue;
        case TNX__J_MINUS: case TNX__J_ZERO: case TNX__J_INT: case TNX__J_DOT:
        case TNX__J_FRAC: case TNX__J_EXP_MARK: case TNX__J_EXP_SIGN:
        case TNX__J_EXP:
            st = tnx__js_number(js, &p, end);
            continue;
        default: /* the byte states of a string */
            st = tnx__js_string_byte(js, ch);
            if (st == TNX_OK) p++;
            continue;
        }
        /* A structure state met a byte it did not expect: whitespace may
         * stand anywhere between tokens, anything else is an error. */
        if (!tnx__js_ws(ch)) {
            st = TNX_E_JSON;
            break;
        }
        p = tnx__js_skip_ws(p + 1, end);
    }
    if (st != TNX_OK) {
        js->state = TNX__J_ERROR;
        js->offset += (long)(p - start);
        return st;
    }
    js->offset += (long)n;
    return TNX_OK;
}

static tnx_status tnx__js_end(tnx__json *js)
{
    if (js->state == TNX__J_ERROR) return TNX_E_JSON;
    if (js->depth == 0 && tnx__js_num_may_end(js->state))
        js->state = TNX__J_DONE;
    if (js->state == TNX__J_DONE) return TNX_OK;
    js->state = TNX__J_ERROR;
    return TNX_E_JSON;
}

/* ======================================================================== */
/* Schemas: JSON fields into C structs                                      */
/* ======================================================================== */

/* A schema is a table of nodes; each names its key, its parent and what it
 * holds.  The mapper follows the reader's events through it; a key the
 * table does not name has its value skipped by the reader itself (checked,
 * never handed out), at any depth.
 *
 * A repeated key is applied in document order, like any other: a later
 * scalar replaces the earlier one with its present/null/truncated bits
 * (the last value wins), a repeated object fills the same fields again (so
 * fields of both remain), a repeated `errors` array adds its entries. */
enum tnx__kind {
    TNX__K_ROOT,      /* the top-level object */
    TNX__K_OBJ,       /* an object */
    TNX__K_ARR,       /* an array of objects; its child is the item */
    TNX__K_ITEM,      /* one object of that array */
    TNX__K_STR,       /* a string */
    TNX__K_STR_NULL,  /* a string or null */
    TNX__K_STATUS,    /* the status string, also decoded to an enum */
    TNX__K_BOOL
};
enum tnx__target { TNX__T_NONE, TNX__T_AR, TNX__T_ITEM, TNX__T_PARAMS };
#define TNX__NONE 0xFF

typedef struct tnx__node {
    const char *key;
    const char *path;   /* how errors name it */
    uint8_t key_len, parent, kind, target, bit;
    uint8_t first, count; /* a container's children: count nodes from first */
    uint16_t off, cap;
    uint32_t lens;      /* a container's children: bit (key length % 32) of
                           each, so most unknown keys need no compare */
} tnx__node;

typedef struct tnx__schema {
    const tnx__node *nodes;
    uint8_t count;
} tnx__schema;

#define TNX__L(key) (1ul << ((sizeof key - 1) & 31))
#define TNX__BOX(key, path, parent, kind, first, count, lens) \
    { key, path, (uint8_t)(sizeof key - 1), parent, kind, TNX__T_NONE, 0, \
      first, count, 0, 0, (uint32_t)(lens) }
#define TNX__AR(key, kind, bit, member) \
    { #key, "data." #key, (uint8_t)(sizeof #key - 1), 1, kind, TNX__T_AR, \
      bit, 0, 0, (uint16_t)offsetof(tnx_action_requirement, member), \
      (uint16_t)sizeof(((tnx_action_requirement *)0)->member), 0 }
#define TNX__ITEM(key, path, parent, kind, bit, member) \
    { key, path, (uint8_t)(sizeof key - 1), parent, kind, TNX__T_ITEM, \
      bit, 0, 0, (uint16_t)offsetof(tnx_api_error, member), \
      (uint16_t)sizeof(((tnx_api_error *)0)->member), 0 }

/* Children of a node are neighbours, so a key is looked for among them
 * only.  Node 1 is `data`: tnx_initiate checks that it was there.  The
 * ten fields follow the API's order, which is also the order keys are
 * tried in first. */
static const tnx__node tnx__response_nodes[] = {
    TNX__BOX("", "top-level value", TNX__NONE, TNX__K_ROOT, 1, 2,
             TNX__L("data") | TNX__L("errors")),
    TNX__BOX("data", "data", 0, TNX__K_OBJ, 3, 10,
             TNX__L("id") | TNX__L("record_type") |
             TNX__L("porting_order_id") | TNX__L("requirement_type_id") |
             TNX__L("action_type") | TNX__L("action_url") |
             TNX__L("status") | TNX__L("cancel_reason") |
             TNX__L("created_at") | TNX__L("updated_at")),
    TNX__BOX("errors", "errors", 0, TNX__K_ARR, 13, 1, 0),
    TNX__AR(id, TNX__K_STR, TNX_F_ID, id),
    TNX__AR(record_type, TNX__K_STR, TNX_F_RECORD_TYPE, record_type),
    TNX__AR(porting_order_id, TNX__K_STR, TNX_F_PORTING_ORDER_ID,
            porting_order_id),
    TNX__AR(requirement_type_id, TNX__K_STR, TNX_F_REQUIREMENT_TYPE_ID,
            requirement_type_id),
    TNX__AR(action_type, TNX__K_STR, TNX_F_ACTION_TYPE, action_type),
    TNX__AR(action_url, TNX__K_STR_NULL, TNX_F_ACTION_URL, action_url),
    TNX__AR(status, TNX__K_STATUS, TNX_F_STATUS, status_raw),
    TNX__AR(cancel_reason, TNX__K_STR_NULL, TNX_F_CANCEL_REASON,
            cancel_reason),
    TNX__AR(created_at, TNX__K_STR, TNX_F_CREATED_AT, created_at),
    TNX__AR(updated_at, TNX__K_STR, TNX_F_UPDATED_AT, updated_at),
    TNX__BOX("", "errors[]", 2, TNX__K_ITEM, 14, 5,
             TNX__L("code") | TNX__L("title") | TNX__L("detail") |
             TNX__L("source") | TNX__L("meta")),
    TNX__ITEM("code", "errors[].code", 13, TNX__K_STR, TNX_EF_CODE, code),
    TNX__ITEM("title", "errors[].title", 13, TNX__K_STR, TNX_EF_TITLE,
              title),
    TNX__ITEM("detail", "errors[].detail", 13, TNX__K_STR, TNX_EF_DETAIL,
              detail),
    TNX__BOX("source", "errors[].source", 13, TNX__K_OBJ, 19, 1,
             TNX__L("pointer")),
    TNX__BOX("meta", "errors[].meta", 13, TNX__K_OBJ, 20, 2,
             TNX__L("url") | TNX__L("retryable")),
    TNX__ITEM("pointer", "errors[].source.pointer", 17, TNX__K_STR,
              TNX_EF_POINTER, pointer),
    TNX__ITEM("url", "errors[].meta.url", 18, TNX__K_STR, TNX_EF_URL, url),
    TNX__ITEM("retryable", "errors[].meta.retryable", 18, TNX__K_BOOL, 0,
              retryable),
};
#define TNX__NODE_DATA 1
#define TNX__NODE_FIELDS 3  /* the first of the ten, in tnx_field order */

#define TNX__PARAM(key, bit, member) \
    { #key, "params." #key, (uint8_t)(sizeof #key - 1), 1, TNX__K_STR, \
      TNX__T_PARAMS, bit, 0, 0, (uint16_t)offsetof(tnx_params_buf, member), \
      (uint16_t)sizeof(((tnx_params_buf *)0)->member), 0 }

static const tnx__node tnx__params_nodes[] = {
    TNX__BOX("", "top-level value", TNX__NONE, TNX__K_ROOT, 1, 1,
             TNX__L("params")),
    TNX__BOX("params", "params", 0, TNX__K_OBJ, 2, 2,
             TNX__L("first_name") | TNX__L("last_name")),
    TNX__PARAM(first_name, 0, first_name),
    TNX__PARAM(last_name, 1, last_name),
};

#define TNX__COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* map.entered keeps a bit per node. */
typedef char tnx__nodes_fit_32[TNX__COUNT(tnx__response_nodes) <= 32 ? 1 : -1];

static const tnx__schema tnx__response_schema = {
    tnx__response_nodes, (uint8_t)TNX__COUNT(tnx__response_nodes)
};
static const tnx__schema tnx__params_schema = {
    tnx__params_nodes, (uint8_t)TNX__COUNT(tnx__params_nodes)
};

static const tnx__node *tnx__map_nodes(const tnx__map *m)
{
    return ((const tnx__schema *)m->schema)->nodes;
}

/* The child of the current object whose key is js->key, or TNX__NONE.
 * The search starts after the last match: fields that come in the schema's
 * order are found at the first comparison. */
static uint8_t tnx__map_find(tnx__map *m, const tnx__json *js)
{
    const tnx__node *nodes = tnx__map_nodes(m), *box = &nodes[m->node];
    unsigned first = box->first, stop = first + box->count, i = m->hint, k;
    if (js->key_long || !((box->lens >> (js->key_len & 31)) & 1))
        return TNX__NONE;
    if (i < first || i >= stop) i = first;
    for (k = 0; k < box->count; k++) {
        const tnx__node *nd = &nodes[i];
        if (nd->key_len == js->key_len &&
            memcmp(nd->key, js->key_s, js->key_len) == 0) {
            m->hint = (uint8_t)(i + 1);
            return (uint8_t)i;
        }
        if (++i == stop) i = first;
    }
    return TNX__NONE;
}

/* Start of the struct a node writes into, or NULL (errors beyond the kept
 * ones are counted, not stored). */
static uint8_t *tnx__map_base(const tnx__map *m, const tnx__node *nd)
{
    if (nd->target == TNX__T_ITEM) {
        tnx_error *e = (tnx_error *)m->base2;
        if (m->item == 0 || m->item > TNX_ERRORS_MAX) return NULL;
        return (uint8_t *)&e->errors[m->item - 1];
    }
    return (uint8_t *)m->base;
}

/* Records what happened to a field: present, null, cut.  Each value sets
 * its bits afresh, so with a repeated key the last one tells. */
static void tnx__map_mark(const tnx__map *m, const tnx__node *nd, int null,
                          int cut)
{
    uint16_t bit = (uint16_t)(1u << nd->bit);
    if (nd->target == TNX__T_AR) {
        tnx_action_requirement *ar = (tnx_action_requirement *)m->base;
        ar->present |= bit;
        ar->is_null = (uint16_t)((ar->is_null & ~bit) | (null ? bit : 0));
        ar->truncated = (uint16_t)((ar->truncated & ~bit) | (cut ? bit : 0));
    } else if (nd->target == TNX__T_PARAMS) {
        tnx_params_buf *pb = (tnx_params_buf *)m->base;
        pb->present = (uint8_t)(pb->present | bit);
        if (cut) pb->truncated = (uint8_t)(pb->truncated | bit);
        else pb->truncated = (uint8_t)(pb->truncated & ~bit);
    } else if (nd->target == TNX__T_ITEM) {
        tnx_api_error *e = (tnx_api_error *)tnx__map_base(m, nd);
        if (!e) return;
        if (cut) e->truncated = (uint8_t)(e->truncated | bit);
        else e->truncated = (uint8_t)(e->truncated & ~bit);
    }
}

static tnx_ar_status tnx__status_of(const char *s)
{
    static const char *const names[] = {
        "created", "pending", "completed", "cancelled", "failed"
    };
    int i;
    for (i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0)
            return (tnx_ar_status)(TNX_AR_CREATED + i);
    return TNX_AR_UNKNOWN;
}

/* A field gets a new value: with a repeated key, no byte of the earlier
 * one stays. */
static void tnx__map_clear(uint8_t *field)
{
    if (*field) memset(field, 0, strlen((const char *)field));
}

/* A value starts that the mapper was not ready for: the root, an item of
 * the array, or a key's value that is not a string.  Check its type,
 * enter a container, aim a string at its field. */
static tnx_status tnx__map_value(tnx__map *m, int ev, tnx__json *js)
{
    static const uint8_t accepts[] = {
        1 << TNX__EV_OBJ, 1 << TNX__EV_OBJ, 1 << TNX__EV_ARR,
        1 << TNX__EV_OBJ, 1 << TNX__EV_STR,
        1 << TNX__EV_STR | 1 << TNX__EV_NULL, 1 << TNX__EV_STR,
        1 << TNX__EV_TRUE | 1 << TNX__EV_FALSE
    }; /* by tnx__kind */
    const tnx__node *nodes = tnx__map_nodes(m), *nd;
    uint8_t t = m->pending, *base;

    js->aim = NULL;
    if (t == TNX__NONE) return TNX_OK; /* cannot happen: unknown keys skip */
    nd = &nodes[t];
    if (!((accepts[nd->kind] >> ev) & 1)) {
        m->where = nd->path;
        return TNX_E_SCHEMA;
    }
    m->entered |= (uint32_t)1 << t;
    if (ev == TNX__EV_OBJ || ev == TNX__EV_ARR) {
        m->node = t;
        m->pending = nd->kind == TNX__K_ARR ? nd->first : TNX__NONE;
        if (nd->kind == TNX__K_ITEM) {
            tnx_error *e = (tnx_error *)m->base2;
            e->count++;
            m->item = e->count;
            if (m->item <= TNX_ERRORS_MAX)
                e->errors[m->item - 1].retryable = -1;
        }
        return TNX_OK;
    }
    base = tnx__map_base(m, nd);
    if (!base) return TNX_OK;
    if (nd->kind == TNX__K_BOOL) {
        base[nd->off] = ev == TNX__EV_TRUE;
        return TNX_OK;
    }
    tnx__map_clear(base + nd->off);
    if (ev == TNX__EV_NULL) {
        tnx__map_mark(m, nd, 1, 0);
        return TNX_OK;
    }
    js->dst = (char *)base + nd->off;
    js->dst_cap = nd->cap;
    return TNX_OK;
}

/* A key of the current object: a field of the schema, or a value the
 * reader is to skip. */
static void tnx__map_key(tnx__map *m, tnx__json *js)
{
    const tnx__node *nd;
    uint8_t t = tnx__map_find(m, js), *base;
    m->pending = t;
    js->aim = NULL;
    if (t == TNX__NONE) {
        tnx__js_skip_next(js);
        return;
    }
    nd = &tnx__map_nodes(m)[t];
    if (nd->kind < TNX__K_STR || nd->kind > TNX__K_STATUS) return;
    base = tnx__map_base(m, nd);
    if (!base) return;
    tnx__map_clear(base + nd->off);
    m->entered |= (uint32_t)1 << t;
    js->aim = (char *)base + nd->off;
    js->aim_cap = nd->cap;
}

static void tnx__map_string_end(tnx__map *m, tnx__json *js)
{
    const tnx__node *nd;
    if (!js->dst) return; /* in an error beyond the kept ones */
    nd = &tnx__map_nodes(m)[m->pending];
    tnx__map_mark(m, nd, 0, js->trunc);
    if (nd->kind == TNX__K_STATUS)
        ((tnx_action_requirement *)m->base)->status = tnx__status_of(js->dst);
}

/* Back in the parent; in an array, the next value is an item again. */
static void tnx__map_close(tnx__map *m)
{
    const tnx__node *nodes = tnx__map_nodes(m);
    m->node = nodes[m->node].parent;
    if (m->node != TNX__NONE && nodes[m->node].kind == TNX__K_ARR)
        m->pending = nodes[m->node].first;
}

static void tnx__reader_init(tnx_reader *r, const tnx__schema *s, void *base,
                             void *base2)
{
    memset(r, 0, sizeof *r);
    r->map.schema = s;
    r->map.base = base;
    r->map.base2 = base2;
    r->map.node = TNX__NONE;
    r->map.pending = 0; /* the top-level value is the root */
    tnx__js_init(&r->js, s ? &r->map : NULL);
}

TNX_DEF void tnx_reader_response(tnx_reader *r, tnx_action_requirement *ar,
                                 tnx_error *err)
{
    memset(ar, 0, sizeof *ar);
    memset(err->errors, 0, sizeof err->errors);
    err->count = 0;
    tnx__reader_init(r, &tnx__response_schema, ar, err);
}

TNX_DEF void tnx_reader_params(tnx_reader *r, tnx_params_buf *pb)
{
    memset(pb, 0, sizeof *pb);
    tnx__reader_init(r, &tnx__params_schema, pb, NULL);
}

TNX_DEF void tnx_reader_json(tnx_reader *r)
{
    tnx__reader_init(r, NULL, NULL, NULL);
}

TNX_DEF tnx_status tnx_reader_feed(tnx_reader *r, const void *buf, size_t len)
{
    if (r->status == TNX_OK)
        r->status = tnx__js_feed(&r->js, (const uint8_t *)buf, len);
    return r->status;
}

TNX_DEF tnx_status tnx_reader_end(tnx_reader *r)
{
    if (r->status == TNX_OK) r->status = tnx__js_end(&r->js);
    return r->status;
}

TNX_DEF long tnx_reader_offset(const tnx_reader *r) { return r->js.offset; }

TNX_DEF const char *tnx_reader_where(const tnx_reader *r)
{
    return r->map.where;
}

/* The fields, in the order of the API's schema, named by the same table
 * the reader maps them with. */
TNX_DEF tnx_status tnx_write_action_requirement(tnx_writer *w,
                                               const tnx_action_requirement *ar)
{
    const tnx__node *nd = &tnx__response_nodes[TNX__NODE_FIELDS];
    int i;
    tnx__w(w, "{", 1);
    w->need_comma = 0;
    for (i = 0; i < TNX_F_COUNT; i++, nd++) {
        uint16_t bit = (uint16_t)(1u << i);
        if (!(ar->present & bit)) continue;
        tnx__w_key(w, nd->key);
        if (ar->is_null & bit) tnx__w(w, "null", 4);
        else tnx__w_str(w, (const char *)ar + nd->off);
    }
    tnx__w(w, "}", 1);
    return w->status;
}

/* ======================================================================== */
/* The client call                                                          */
/* ======================================================================== */

TNX_DEF tnx_config tnx_config_default(void)
{
    tnx_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = "https://api.telnyx.com/v2";
    cfg.connect_timeout_ms = 10000;
    cfg.timeout_ms = 30000;
    cfg.body_max = TNX_BODY_MAX_DEFAULT;
    cfg.log_level = TNX_LOG_INFO;
    cfg.tls_timeout_ms = 10000;
    cfg.max_attempts = 3;
    cfg.backoff_ms = 500;
    cfg.backoff_max_ms = 8000;
    cfg.retry_after_max_ms = 60000;
    return cfg;
}

static int tnx__host_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_';
}

/* The base path: "" or "/..." of visible ASCII without ? or #, so it can
 * neither end the request line nor start a query; trailing '/' dropped. */
static tnx_status tnx__set_path(tnx_client *c, const char *p)
{
    size_t i, n = strlen(p);
    while (n && p[n - 1] == '/') n--;
    if (n >= sizeof c->base_path || (n && p[0] != '/')) return TNX_E_URL;
    for (i = 0; i < n; i++)
        if ((uint8_t)p[i] <= 0x20 || (uint8_t)p[i] >= 0x7F || p[i] == '?' ||
            p[i] == '#')
            return TNX_E_URL;
    memcpy(c->base_path, p, n);
    c->base_path[n] = 0;
    return TNX_OK;
}

/* http(s)://host[:port][/path] or http(s)://[v6]:port/path. */
static tnx_status tnx__parse_url(tnx_client *c, const char *url,
                                 const char **why)
{
    const char *p = url, *h, *he;
    size_t i, n;
    unsigned long port = 0;

    if (strncmp(p, "https://", 8) == 0) {
        c->https = 1;
        p += 8;
    } else if (strncmp(p, "http://", 7) == 0) {
#ifndef TNX_NO_TLS
        *why = "base_url: http:// is refused (the API key would travel "
               "in clear text); build with TNX_NO_TLS for plain HTTP";
        return TNX_E_URL;
#else
        p += 7;
#endif
    } else {
        return TNX_E_URL;
    }
    if (*p == '[') {
        h = ++p;
        he = strchr(h, ']');
        if (!he) return TNX_E_URL;
        for (i = 0; h + i < he; i++)
            if (!tnx__host_char(h[i]) && h[i] != ':') return TNX_E_URL;
        p = he + 1;
    } else {
        h = p;
        while (tnx__host_char(*p)) p++;
        he = p;
    }
    n = (size_t)(he - h);
    if (n == 0 || n >= sizeof c->host) {
        *why = "base_url: host empty or longer than TNX_HOST_MAX - 1";
        return TNX_E_URL;
    }
    memcpy(c->host, h, n);
    c->host[n] = 0;
    if (*p == ':') {
        for (p++, i = 0; *p >= '0' && *p <= '9' && i < 6; p++, i++)
            port = port * 10 + (unsigned long)(*p - '0');
        if (i == 0 || port == 0 || port > 65535) {
            *why = "base_url: port is not 1..65535";
            return TNX_E_URL;
        }
    }
    c->port_number = (uint16_t)(port ? port : (c->https ? 443 : 80));
    if (*p && *p != '/') return TNX_E_URL;
    *why = "base_url: path longer than TNX_PATH_MAX - 1, or has a "
           "space, control byte, ? or #";
    return tnx__set_path(c, p);
}

static tnx_status tnx__parse_target(tnx_client *c, tnx_error *err)
{
    const tnx_config *cfg = &c->cfg;
    size_t n;
    if (cfg->base_url) {
        const char *why = "base_url";
        return tnx__parse_url(c, cfg->base_url, &why) == TNX_OK
                   ? TNX_OK
                   : tnx__fail(err, TNX_E_URL, why, 0);
    }
#ifndef TNX_NO_TLS
    c->https = 1;
#endif
    if (!cfg->host || !*cfg->host || strlen(cfg->host) >= sizeof c->host)
        return tnx__fail(err, TNX_E_URL, "host", 0);
    for (n = 0; cfg->host[n]; n++)
        if (!tnx__host_char(cfg->host[n]) && cfg->host[n] != ':')
            return tnx__fail(err, TNX_E_URL, "host", 0);
    strcpy(c->host, cfg->host);
    c->port_number = cfg->port_number ? cfg->port_number
                                      : (uint16_t)(c->https ? 443 : 80);
    if (tnx__set_path(c, cfg->base_path ? cfg->base_path : "") != TNX_OK)
        return tnx__fail(err, TNX_E_URL, "base_path", 0);
    return TNX_OK;
}

/* Deadlines live on a wrapping 32-bit clock: half its range at most. */
static uint32_t tnx__clamp_ms(uint32_t ms)
{
    return ms > 0x7FFFFFF0UL ? (uint32_t)0x7FFFFFF0UL : ms;
}

static tnx_status tnx__client_setup(tnx_client *c, const tnx_config *cfg,
                                    tnx_error *err)
{
    const tnx_port *p = cfg ? cfg->port : NULL;
    tnx_status st;
    if (!p || !p->connect || !p->send || !p->recv || !p->close || !p->now_ms)
        return tnx__fail(err, TNX_E_ARG, "port", 0);
    c->cfg = *cfg;
    if (!c->cfg.timeout_ms) c->cfg.timeout_ms = 30000;
    if (!c->cfg.connect_timeout_ms) c->cfg.connect_timeout_ms = 10000;
    /* Deadlines are compared on a wrapping 32-bit clock: keep them under
     * half its range (24 days). */
    c->cfg.timeout_ms = tnx__clamp_ms(c->cfg.timeout_ms);
    c->cfg.connect_timeout_ms = tnx__clamp_ms(c->cfg.connect_timeout_ms);
    if (!c->cfg.tls_timeout_ms) c->cfg.tls_timeout_ms = 10000;
    if (!c->cfg.max_attempts) c->cfg.max_attempts = 3;
    if (!c->cfg.backoff_ms) c->cfg.backoff_ms = 500;
    if (!c->cfg.backoff_max_ms) c->cfg.backoff_max_ms = 8000;
    if (!c->cfg.retry_after_max_ms) c->cfg.retry_after_max_ms = 60000;
    c->cfg.tls_timeout_ms = tnx__clamp_ms(c->cfg.tls_timeout_ms);
    if (tnx__bad_key(cfg->api_key))
        return tnx__fail(err, TNX_E_API_KEY, "api_key", 0);
    st = tnx__parse_target(c, err);
    if (st != TNX_OK) return st;
#ifndef TNX_NO_TLS
    if (c->https) {
        if (cfg->insecure_skip_tls_verify)
            tnx__log(cfg, TNX_LOG_WARN,
                     "TLS verification is OFF: anyone on the path can "
                     "read", "the API key", -1);
        st = tnx__tls_init(c, err);
    }
#endif
    return st;
}

TNX_DEF tnx_status tnx_client_init(tnx_client *c, const tnx_config *cfg,
                                   tnx_error *err)
{
    tnx_status st;
    memset(c, 0, sizeof *c);
    memset(err, 0, sizeof *err);
    st = tnx__client_setup(c, cfg, err);
    if (st != TNX_OK) tnx_client_free(c); /* leaves it refusing calls */
    return st;
}

TNX_DEF void tnx_client_free(tnx_client *c)
{
    if (!c) return;
    if (c->cfg.port) tnx__disconnect(c);
#ifndef TNX_NO_TLS
    if (c->tls_ready) {
        mbedtls_ssl_free(&c->ssl);
        mbedtls_ssl_config_free(&c->conf);
        mbedtls_x509_crt_free(&c->ca);
        mbedtls_ctr_drbg_free(&c->drbg);
        tnx__tls_drop_session(c);
        c->tls_ready = 0;
    }
#endif
    tnx__wipe(c->buf, sizeof c->buf);
    c->cfg.port = NULL; /* tnx_initiate now answers TNX_E_ARG */
}

static int tnx__count_sink(void *ctx, const char *bytes, size_t len)
{
    (void)ctx;
    (void)bytes;
    (void)len;
    return 0;
}

static int tnx__request_sink(void *ctx, const char *bytes, size_t len)
{
    tnx_client *c = (tnx_client *)ctx;
    return (int)tnx__out(c, bytes, len, c->err);
}

/* Body bytes of the answer go to the JSON reader as they arrive. */
static tnx_status tnx__body(tnx_client *c, const uint8_t *b, size_t n,
                            tnx_error *err)
{
    tnx__http *h = &c->http;
    tnx_status st;
    h->body_seen += n;
    if (c->cfg.body_max && h->body_seen > c->cfg.body_max)
        return tnx__fail(err, TNX_E_BODY_LARGE, "body", 0);
    if (c->body_bad) return TNX_OK;
    st = tnx_reader_feed(&c->reader, b, n);
    if (st == TNX_OK) return TNX_OK;
    if (h->status >= 200 && h->status < 300) {
        err->offset = tnx_reader_offset(&c->reader);
        return tnx__fail(err, st, tnx_reader_where(&c->reader)
                                      ? tnx_reader_where(&c->reader)
                                      : "response body", 0);
    }
    /* An error page that is not Telnyx JSON: keep the status, trust none
     * of the entries read before the fault. */
    c->body_bad = 1;
    err->count = 0;
    memset(err->errors, 0, sizeof err->errors);
    return TNX_OK;
}

/* Before a request goes on a kept connection: is it still open and in
 * step?  One read that does not wait tells: nothing to read means yes; a
 * close, a reset or an alert means gone; and a byte already there (a stale
 * or repeated answer, a server's "408 idle" notice) means out of step.  In
 * the last two cases the request goes on a new connection, never having
 * been sent on this one, and the stray byte is dropped with it. */
static int tnx__still_open(tnx_client *c)
{
    uint8_t stray;
    int r, i;
    for (i = 0; i < 4; i++) {
#ifndef TNX_NO_TLS
        if (c->https) {
            c->probe = 1;
            r = mbedtls_ssl_read(&c->ssl, &stray, 1);
            c->probe = 0;
            if (r == MBEDTLS_ERR_SSL_WANT_READ) return 1;
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
            if (r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) continue;
#endif
        } else
#endif
        {
            r = c->cfg.port->recv(c->cfg.port->ctx, &stray, 1, 0);
            if (r == TNX_IO_TIMEOUT) return 1;
        }
        return 0;
    }
    return 1;
}

/* One request and its answer on an open connection.  *answered turns 1 at
 * the first byte of the answer. */
static tnx_status tnx__exchange(tnx_client *c, const char *po, const char *id,
                                const tnx_params *params, size_t body_len,
                                tnx_action_requirement *out, tnx_error *err,
                                int *answered)
{
    tnx_writer w;
    tnx_status st;
    size_t got;

    c->err = err;
    tnx_reader_response(&c->reader, out, err);
    c->body_bad = 0;
    tnx__log_request(c, po, id, body_len);
    st = tnx__out_head(c, po, id, body_len, err);
    if (st == TNX_OK) {
        tnx_writer_init(&w, tnx__request_sink, c);
        st = tnx_write_params(&w, params);
    }
    if (st == TNX_OK) st = tnx__tx(c, c->buf, c->out_len, err);
    tnx__wipe(c->buf, sizeof c->buf); /* the API key passed through here */
    c->out_len = 0;
    if (st != TNX_OK) return st;
    c->sent_all = 1; /* from here on the server may act on the request */

    while (c->http.state != TNX__H_DONE) {
        st = tnx__rx(c, c->buf, sizeof c->buf, &got, err);
        if (st != TNX_OK) return st;
        if (got == 0) {
            if (c->http.state == TNX__H_BODY_EOF && c->eof_clean) break;
            return tnx__fail(err, TNX_E_CLOSED, *answered ? "response"
                                                          : "no response", 0);
        }
        *answered = 1;
        st = tnx__http_feed(c, c->buf, got, err);
        if (st != TNX_OK) return st;
    }
    if (!c->http.keep_alive) tnx__disconnect(c);
    tnx__log_answer(c, err);

    if (c->http.status < 200 || c->http.status > 299) {
        if (!c->body_bad && tnx_reader_end(&c->reader) != TNX_OK) {
            err->count = 0;
            memset(err->errors, 0, sizeof err->errors);
        }
        return tnx__fail(err, TNX_E_API, "http status", 0);
    }
    st = tnx_reader_end(&c->reader);
    if (st != TNX_OK) {
        err->offset = tnx_reader_offset(&c->reader);
        return tnx__fail(err, st, "response body", 0);
    }
    if (!(c->reader.map.entered & (1u << TNX__NODE_DATA)))
        return tnx__fail(err, TNX_E_SCHEMA, "data", 0);
    if (out->truncated)
        tnx__log(&c->cfg, TNX_LOG_WARN, "fields cut to fit, mask", NULL,
                 out->truncated);
    return TNX_OK;
}

/* Why the failed attempt may not be made again, or NULL when it may.  The
 * server's x-should-retry wins; then the rule is: re-send only what the
 * server cannot have acted on, unless the caller allows more. */
static const char *tnx__retry_refusal(const tnx_client *c, tnx_status st,
                                      int unsafe)
{
    const tnx__http *h = &c->http;
    int head = h->state > TNX__H_HEADER, s = h->status;
    int transport = st == TNX_E_DNS || st == TNX_E_CONNECT ||
                    st == TNX_E_TIMEOUT || st == TNX_E_IO ||
                    st == TNX_E_CLOSED;

    if (st != TNX_E_API && !transport) return "not a retryable failure";
    if (head && h->should_retry == TNX__SR_FALSE)
        return "the server said x-should-retry: false";
    if (head && h->should_retry == TNX__SR_TRUE) return NULL;
    if (transport) {
        if (!c->sent_all || unsafe) return NULL;
        return "the request was sent and may have been processed";
    }
    if (s == 429 || (s == 503 && (h->retry_hint & ~TNX__RH_DATE))) return NULL;
    if (s == 500 || s == 502 || s == 503 || s == 504 || s == 409)
        return unsafe ? NULL : "the answer says it may have been processed";
    return "the answer is final";
}

/* The wait the answer asked for, in ms; 0 with *asked 0 when it did not
 * ask (or gave an HTTP-date without a Date to measure it against). */
static uint32_t tnx__asked_wait(const tnx__http *h, int *asked)
{
    int64_t d;
    *asked = 1;
    if (h->retry_hint & TNX__RH_MS) return h->retry_ms;
    if (h->retry_hint & TNX__RH_SECS) return h->retry_secs_ms;
    if ((h->retry_hint & TNX__RH_AT) && (h->retry_hint & TNX__RH_DATE)) {
        d = h->retry_at - h->date;
        if (d <= 0) return 0;
        return d >= (int64_t)(UINT32_MAX / 1000) ? UINT32_MAX
                                                 : (uint32_t)d * 1000;
    }
    *asked = 0;
    return 0;
}

/* Backoff before retry number n (1, 2, ...): backoff_ms doubled n - 1
 * times, at most backoff_max_ms; its upper half drawn at random so that
 * many devices failing together do not come back together. */
static uint32_t tnx__backoff(const tnx_client *c, unsigned n)
{
    const tnx_port *p = c->cfg.port;
    uint32_t d = c->cfg.backoff_ms, half;
    uint8_t r[4];
    while (--n > 0 && d < c->cfg.backoff_max_ms)
        d = d > UINT32_MAX / 2 ? UINT32_MAX : d * 2;
    if (d > c->cfg.backoff_max_ms) d = c->cfg.backoff_max_ms;
    half = d / 2;
    if (!p->entropy || p->entropy(p->ctx, r, sizeof r) != 0) return d;
    return d - half + (((uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 |
                        (uint32_t)r[2] << 8 | r[3]) % (half + 1));
}

/* After failed attempt number n: NULL and the wait before the next one,
 * or why there is none. */
static const char *tnx__retry_plan(tnx_client *c, tnx_status st, unsigned n,
                                   unsigned max, int unsafe, uint32_t *wait)
{
    const char *why = tnx__retry_refusal(c, st, unsafe);
    int asked;
    *wait = tnx__asked_wait(&c->http, &asked);
    if (why) return why;
    if (n >= max) return "max_attempts reached";
    if (asked && *wait > c->cfg.retry_after_max_ms)
        return "the server asked for a wait above retry_after_max_ms";
    if (!asked) *wait = tnx__backoff(c, n);
    if (*wait >= tnx__left(c)) return "the wait would pass the deadline";
    if (*wait > 0 && !c->cfg.port->sleep) return "the port cannot sleep";
    return NULL;
}

/* Forgets what a failed attempt left in err, but not the count. */
static void tnx__attempt_reset(tnx_error *err)
{
    unsigned attempts = err->attempts;
    memset(err, 0, sizeof *err);
    err->attempts = attempts + 1;
    err->ratelimit_limit = -1;
    err->ratelimit_remaining = -1;
    err->ratelimit_reset = -1;
}

TNX_DEF tnx_status tnx_initiate(tnx_client *c, const char *porting_order_id,
                                const char *id, const tnx_params *params,
                                tnx_action_requirement *out, tnx_error *err)
{
    return tnx_initiate_ex(c, porting_order_id, id, params, NULL, out, err);
}

TNX_DEF tnx_status tnx_initiate_ex(tnx_client *c, const char *porting_order_id,
                                   const char *id, const tnx_params *params,
                                   const tnx_call_opts *opts,
                                   tnx_action_requirement *out,
                                   tnx_error *err)
{
    static const tnx_call_opts none = { 0, 0, 0, 0, 0 };
    tnx_writer w;
    tnx_status st = TNX_OK;
    const char *stop = NULL;
    unsigned tries = 0, max;
    int unsafe, reconnected = 0;

    TNX_ASSERT(c && out && err);
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    if (!c->cfg.port) return tnx__fail(err, TNX_E_ARG, "client", 0);
    if (tnx__bad_segment(porting_order_id))
        return tnx__fail(err, TNX_E_PATH_PARAM, "porting_order_id", 0);
    if (tnx__bad_segment(id)) return tnx__fail(err, TNX_E_PATH_PARAM, "id", 0);

    /* A first pass that only counts gives Content-Length. */
    tnx_writer_init(&w, tnx__count_sink, NULL);
    if (tnx_write_params(&w, params) != TNX_OK)
        return tnx__fail(err, w.status, "params", 0);

    if (!opts) opts = &none;
    c->connect_ms = tnx__clamp_ms(opts->connect_timeout_ms
                                      ? opts->connect_timeout_ms
                                      : c->cfg.connect_timeout_ms);
    c->tls_ms = tnx__clamp_ms(opts->tls_timeout_ms ? opts->tls_timeout_ms
                                                   : c->cfg.tls_timeout_ms);
    max = opts->max_attempts ? opts->max_attempts : c->cfg.max_attempts;
    unsafe = opts->retry_unsafe ? opts->retry_unsafe > 0
                                : c->cfg.retry_unsafe != 0;
    c->call_start = tnx__now(c);
    c->deadline = c->call_start +
                  tnx__clamp_ms(opts->timeout_ms ? opts->timeout_ms
                                                 : c->cfg.timeout_ms);
    for (;;) {
        int reused, answered = 0;
        uint32_t wait;
        tnx__attempt_reset(err);
        tries++;
        c->attempt = (uint8_t)tries;
        tnx__http_reset(&c->http);
        c->sent_all = 0;
        if (c->connected && !tnx__still_open(c)) {
            tnx__log(&c->cfg, TNX_LOG_INFO, "kept connection closed or out "
                     "of step; reconnecting", NULL, -1);
            tnx__disconnect(c);
        }
        reused = c->connected;
        st = c->connected ? TNX_OK : tnx__connect(c, err);
        if (st == TNX_OK)
            st = tnx__exchange(c, porting_order_id, id, params, w.count, out,
                               err, &answered);
        if (st == TNX_OK) break;
        if (st != TNX_E_API) tnx__disconnect(c);
        /* A kept connection that failed before the request was out: once
         * more, afresh, at once. */
        if (reused && !c->sent_all && !reconnected &&
            (st == TNX_E_CLOSED || st == TNX_E_IO)) {
            tnx__log(&c->cfg, TNX_LOG_INFO, "kept connection failed; "
                     "reconnecting", NULL, -1);
            reconnected = 1;
            tries--;
            err->attempts--; /* that request never went out */
            continue;
        }
        if (c->http.state > TNX__H_HEADER) {
            int asked;
            err->retry_after_ms = tnx__asked_wait(&c->http, &asked);
        }
        stop = tnx__retry_plan(c, st, tries, max, unsafe, &wait);
        if (stop) break;
        tnx__log(&c->cfg, TNX_LOG_INFO, tnx_status_name(st),
                 "retry; waiting ms", (long)wait);
        if (wait > 0) c->cfg.port->sleep(c->cfg.port->ctx, wait);
    }
    err->retry_stop = stop;
    if (st != TNX_OK)
        tnx__log(&c->cfg, TNX_LOG_ERROR, tnx_status_name(st), err->where,
                 err->http_status ? err->http_status : -1);
    return st;
}

#ifdef __cplusplus
}
#endif
#endif /* TELNYX_PORTING_IMPLEMENTATION */

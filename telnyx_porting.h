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
 * come from a port: a table of six hooks (see ports/ and "Socket hooks").
 *
 * DO THIS in exactly one C file:
 *
 *     #define TELNYX_PORTING_IMPLEMENTATION
 *     #include "telnyx_porting.h"
 *
 *     tnx_client c;                     // caller's memory; about 2 KB + mbedTLS
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
 *   TNX_IO_BUF_SIZE        bytes of the one I/O buffer          (512)
 *   TNX_LINE_MAX           bytes of an HTTP header line kept   (128)
 *   TNX_HOST_MAX           bytes of the host name, NUL incl.    (64)
 *   TNX_PATH_MAX           bytes of the base path, NUL incl.    (32)
 *   TNX_ID_MAX             bytes of id, porting_order_id,
 *                          requirement_type_id, NUL incl.       (48)
 *   TNX_TEXT_MAX           bytes of record_type, action_type,
 *                          status, created_at, updated_at       (40)
 *   TNX_URL_MAX            bytes of action_url                  (256)
 *   TNX_REASON_MAX         bytes of cancel_reason               (128)
 *   TNX_NAME_MAX           bytes of a name read by tnx_params_parse (128)
 *   TNX_ERRORS_MAX         errors[] entries kept; the rest counted (2)
 *   TNX_ERR_CODE_MAX, TNX_ERR_TITLE_MAX, TNX_ERR_DETAIL_MAX,
 *   TNX_ERR_POINTER_MAX    sizes of an error's strings  (16, 64, 160, 48)
 *   TNX_REQUEST_ID_MAX     bytes of x-request-id kept           (48)
 *   TNX_JSON_DEPTH_MAX     deepest JSON nesting accepted        (32)
 *   TNX_JSON_KEY_MAX       longest JSON key compared, in bytes  (24)
 *   TNX_BODY_MAX_DEFAULT   response body cap in bytes, 0 = none (1 MiB)
 *
 * KNOWN LIMITS (and what to do about them)
 *
 *   - Mapped strings longer than their field are cut at a UTF-8 boundary and
 *     flagged in `truncated` (a bit per field); raise the size macro.
 *   - An embedded \u0000 ends a mapped C string; the field is flagged too.
 *   - One request at a time per tnx_client; use one client per thread.
 *   - mbedTLS allocates its own record buffers (MBEDTLS_PLATFORM_MEMORY and
 *     MBEDTLS_SSL_IN/OUT_CONTENT_LEN bound them).
 *
 * Prefixes: tnx_ and TNX_ are public; tnx__ and TNX__ are private.
 */
#ifndef TELNYX_PORTING_H
#define TELNYX_PORTING_H

#include <stddef.h>
#include <stdint.h>

#define TNX_VERSION "0.1.0"

#ifdef TNX_STATIC
#define TNX_DEF static
#else
#define TNX_DEF extern
#endif

#ifndef TNX_IO_BUF_SIZE
#define TNX_IO_BUF_SIZE 512
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
    TNX_IO_CLOSED   = -2,  /* recv: the peer closed its side (end of stream) */
    TNX_IO_ERROR    = -3,  /* anything else: reset, unreachable, ... */
    TNX_IO_NO_HOST  = -4,  /* connect: the name did not resolve */
    TNX_IO_REFUSED  = -5   /* connect: nothing listens there */
};

/* A port: six functions and the context pointer handed to each of them.
 *
 * The contract (ports/README.md walks through it):
 * - connect: resolve `host` (a name or an IP literal) and open a TCP
 *   connection to `port`, giving up after `timeout_ms`.  Tries every address
 *   the name resolves to, IPv6 and IPv4.  Keeps the socket in ctx.
 * - send: write 1..len bytes; a partial write is fine, the library loops.
 *   Blocks at most timeout_ms, then returns TNX_IO_TIMEOUT.
 * - recv: read 1..len bytes that have arrived; blocks at most timeout_ms.
 *   Returns TNX_IO_CLOSED once the peer has closed and all data is read.
 * - close: release the socket; safe to call twice or before connect.
 * - now_ms: a monotonic millisecond clock; it may wrap at 2^32 (the library
 *   only subtracts), and must never go backwards otherwise.
 * - entropy: fill buf with len bytes from a real entropy source (seeds the
 *   TLS random generator and retry jitter); return 0, or -1 on failure.
 *   May be NULL when built with TNX_NO_TLS.
 * timeout_ms is what is left of the call's deadline, never more than the
 * caller configured.  Hooks are called from one thread at a time per client.
 * len never exceeds INT_MAX. */
typedef struct tnx_port {
    int (*connect)(void *ctx, const char *host, uint16_t port,
                   uint32_t timeout_ms);
    int (*send)(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms);
    int (*recv)(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms);
    void (*close)(void *ctx);
    uint32_t (*now_ms)(void *ctx);
    int (*entropy)(void *ctx, uint8_t *buf, size_t len);
    void *ctx;
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

/* One entry of a Telnyx `errors` array. */
typedef struct tnx_api_error {
    char code[TNX_ERR_CODE_MAX];        /* a string, e.g. "10015" */
    char title[TNX_ERR_TITLE_MAX];
    char detail[TNX_ERR_DETAIL_MAX];
    char pointer[TNX_ERR_POINTER_MAX];  /* source.pointer, e.g. "/params" */
    uint8_t truncated;                  /* 1: some string above was cut */
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
} tnx_error;

/* Words for the first problem in mbedTLS certificate verify flags, e.g.
 * "certificate has expired" or "host name does not match". */
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
    uint32_t connect_timeout_ms; /* TCP connect + TLS handshake (10000) */
    uint32_t timeout_ms;      /* whole call, connect included (30000) */
    uint32_t body_max;        /* response body cap, 0 = none */
    tnx_log_fn log;           /* NULL: no logging (the default) */
    void *log_ctx;
    int log_level;            /* highest level passed to log */
} tnx_config;

/* The defaults above, with base_url set to the Telnyx API. */
TNX_DEF tnx_config tnx_config_default(void);

/* The params of the initiate request (AUIdVerificationParams). */
typedef struct tnx_params {
    const char *first_name;   /* UTF-8, NUL-terminated */
    const char *last_name;
} tnx_params;

/* Private states, public only so that their size is known. */
typedef struct tnx__json {
    uint8_t state, after_lit, esc_n, utf8_need, utf8_lo, utf8_hi;
    uint8_t is_key, key_long, trunc;
    uint16_t depth;
    uint32_t hex, surrogate;
    uint8_t stack[(TNX_JSON_DEPTH_MAX + 7) / 8];
    const char *lit;
    char key[TNX_JSON_KEY_MAX];
    size_t key_len;
    char *dst;                /* where string bytes go; NULL to drop them */
    size_t dst_cap, dst_len;
    long offset;
    int (*event)(void *user, int ev, struct tnx__json *js);
    void *user;
} tnx__json;

typedef struct tnx__map {
    const void *schema;       /* table of nodes */
    void *base;               /* the struct being filled */
    void *base2;              /* second target (tnx_error for a response) */
    uint8_t node, pending, skip_key;
    uint16_t skip_depth;
    unsigned item;            /* index in an array of objects */
    uint16_t seen;            /* fields of the current object seen */
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
    char line[TNX_LINE_MAX];
} tnx__http;

typedef struct tnx_client {
    tnx_config cfg;
    char host[TNX_HOST_MAX];
    char base_path[TNX_PATH_MAX];
    uint16_t port_number;
    uint8_t https, connected;
    uint32_t deadline;        /* now_ms value the current call must end by */
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
 * when the server allows it. */
TNX_DEF tnx_status tnx_initiate(tnx_client *c, const char *porting_order_id,
                                const char *id, const tnx_params *params,
                                tnx_action_requirement *out, tnx_error *err);

/* Closes the connection and releases what mbedTLS allocated. */
TNX_DEF void tnx_client_free(tnx_client *c);

/* ---- the JSON reader on its own (tests, --params, other transports) ---- */

/* A reader of a response body: `data` into ar, `errors` into err. */
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
/* Feeds len bytes (any split, 1 byte too); returns TNX_OK or the first
 * error, which sticks. */
TNX_DEF tnx_status tnx_reader_feed(tnx_reader *r, const void *buf, size_t len);
/* Ends the document: TNX_E_JSON if it is not complete. */
TNX_DEF tnx_status tnx_reader_end(tnx_reader *r);
/* Byte offset of the reader's error, and the field of a schema error. */
TNX_DEF long tnx_reader_offset(const tnx_reader *r);
TNX_DEF const char *tnx_reader_where(const tnx_reader *r);

/* ---- the JSON writer ---- */

/* Where written bytes go: return 0, or non-zero to stop the writer. */
typedef int (*tnx_sink_fn)(void *ctx, const char *bytes, size_t len);

typedef struct tnx_writer {
    tnx_sink_fn sink;
    void *ctx;
    size_t count;             /* bytes written so far */
    tnx_status status;        /* first error; later writes do nothing */
    uint8_t need_comma;
} tnx_writer;

TNX_DEF void tnx_writer_init(tnx_writer *w, tnx_sink_fn sink, void *ctx);
/* {"params":{"first_name":...,"last_name":...}} */
TNX_DEF tnx_status tnx_write_params(tnx_writer *w, const tnx_params *p);
/* The ten fields of ar as one object, null where null or absent. */
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

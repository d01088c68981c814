/* mock_server.c - a stand-in for the one Telnyx API operation that
 * telnyx_porting.h calls, so the library can be tested on this machine:
 *
 *   POST /v2/porting_orders/{po}/action_requirements/{id}/initiate
 *
 * Serves HTTPS (mbedTLS, server side) or plain HTTP on a loopback address
 * only, one connection at a time, several requests per connection.  It
 * checks what the client sends as strictly as it can, so a test learns of a
 * client bug, and it can misbehave on request so a test can watch the client
 * cope.  It always stops by itself (--idle-timeout-ms, --max-requests).
 *
 * OPTIONS (tests/mock/README.md has the same list)
 *
 *   --port N            TCP port, 0 = pick a free one (0)
 *   --port-file F       write the bound port and a newline to F once
 *                       listening (written to a temp file, then renamed)
 *   --bind ADDR         127.0.0.1 (default), another 127.x.y.z, or ::1
 *   --cert F --key F    PEM server certificate and key
 *                       (tests/certs/server.pem, tests/certs/server.key)
 *   --plain             plain HTTP, no TLS
 *   --api-key K         the only accepted bearer token (test-key-123)
 *   --record F          append the raw bytes of every request (head and
 *                       body, exactly as received) to F
 *   --max-requests N    exit 0 after answering N requests (0 = no limit)
 *   --idle-timeout-ms N exit 0 after N ms without accepting, reading or
 *                       writing anything (20000)
 *   --tls-max V         highest TLS version served: 1.0, 1.1 (mbedTLS 2.x
 *                       only), 1.2, 1.3 (3.x only); default: the library's
 *   --resume M          session resumption offered: none, ids (a session
 *                       cache), tickets, or both (both)
 *
 * CHECKS, in this order; the first that fails answers
 *
 *   HTTP framing, strictly: CRLF line ends, no empty line before the request
 *   line, "METHOD SP /target SP HTTP/1.1" (other versions 505), header
 *   syntax (no obs-fold), one Host, at most one Authorization, Content-Type
 *   and Content-Length.  Transfer-Encoding in a request gets 411 (400 with
 *   Content-Length too): the client under test always knows its length.
 *   Head > 16 KiB 431, body > 1 MiB 413.  These close the connection.
 *   Then, keeping it open:
 *     path not /v2/porting_orders/{po}/action_requirements/{id}/initiate
 *       (query ignored, segments non-empty)                               404
 *     bad %-escape, or a segment that is not UTF-8 once decoded           400
 *     {id} is "mock-..." but names no known mode (see MODES)              404
 *     method not POST                                   405, Allow: POST
 *     Authorization missing, or not "Bearer <api-key>"  401, WWW-Authenticate
 *     Content-Type not application/json (parameters allowed)              415
 *     body not JSON (strict RFC 8259, UTF-8, no lone surrogate,
 *       depth <= 64)                                          400, pointer /
 *     body not an object                                      422, pointer /
 *     params missing, repeated or not an object         422, pointer /params
 *     first_name / last_name missing, repeated, not a string or "" 422,
 *       pointers /params/first_name, /params/last_name (both if both)
 *   else 200 with the ten PortingActionRequirement fields in "data";
 *   action_url is https://example.com/action/ + the {id} segment as sent.
 *   "Expect: 100-continue" gets its interim answer.
 *
 * ERROR CODES.  The body is {"errors":[{"code","title","detail","source":
 * {"pointer"},"meta":{"url"}}]}, "source" only where a body field is to
 * blame.  10009 is Telnyx's code for a failed authentication; every other
 * code in g_ekinds below is this mock's own pick, not from Telnyx's list.
 *
 * MODES.  When the decoded {id} starts with "mock-", the rest is a list of
 * modes joined by "+", e.g. mock-huge-64+chunked.  A mode of each kind at
 * most.  Content modes replace the answer of a request that passed every
 * check; delivery modes apply to whatever answer the request earned, errors
 * included (except the framing errors above and a bad mode name).
 *
 *   content   nulls           action_url null, cancel_reason ""
 *             unknown-status  status "on_hold_new"
 *             badjson         200, body {"data":{"id":"x",}
 *             429             429, Retry-After: 1, errors body
 *             503             503, retry-after-ms: 200, errors body
 *             500             500, errors body
 *             errors-N        422 with N errors entries (1..1000)
 *             huge-N          200, body of N KiB less < 140 bytes (1..65536):
 *                             {"pad":[...],"data":{...}}, the pad made of
 *                             strings with escapes and UTF-8, numbers,
 *                             nested objects and arrays, and decoy "data"
 *                             and "id" keys below the top level; streamed
 *   framing   chunked         chunked body, a chunk every 7 bytes, each
 *                             chunk with the extension ";ext=1", then the
 *                             trailer "X-Trailer: yes"
 *             eof             no Content-Length, no chunks: the body ends
 *                             when the server closes (with close_notify)
 *             truncated       Content-Length 100 more than the body sent,
 *                             then close (with close_notify)
 *   pacing    bytewise        one byte per write (a TLS record each)
 *             slow, slow-N    one byte every 50 ms, or N ms (0..1000);
 *                             cut like reset after 120 s
 *             stall           read the request, answer nothing; wait until
 *                             the client closes or the idle timeout ends
 *                             the server
 *             reset-N         send the first N bytes of the answer, then
 *                             close the TCP connection without TLS
 *                             close_notify (0..2^30)
 *   other     close           "Connection: close", close after the answer
 *
 * Stdout: one line per request, "mock: POST /v2/... -> 200", never a header
 * value; "-> - (stall)", "-> 200 (reset after N bytes)", "(client went
 * away)" where they apply, "mock: - - -> 400" when there was no request line
 * to show.  Stderr: errors and the reason for exiting.  Exit status 0 after
 * the idle timeout or --max-requests, 2 for bad options or files.
 *
 * Build: see tests/mock/README.md.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

#define HEAD_MAX (16u * 1024u)      /* request line + headers, bytes */
#define BODY_MAX (1024u * 1024u)    /* request body, bytes */
#define JSON_DEPTH_MAX 64           /* bounds the parser's recursion */
#define CHUNK_LEN 7                 /* odd, so boundaries land in tokens */
#define TRUNCATED_EXTRA 100         /* bytes promised but never sent */
#define OUT_BUF_LEN 16384
#define LINGER_MS 200               /* drain time before close(), see there */
#define SLOW_BUDGET_MS 120000       /* a slow answer is cut after this */

/* ======================================================================== */
/* Options                                                                  */
/* ======================================================================== */

static struct options {
    unsigned port;
    const char *port_file;
    const char *bind;
    const char *cert;
    const char *key;
    int plain;
    const char *api_key;
    const char *record;
    unsigned long max_requests;
    long idle_ms;
    int tls_max;        /* minor version: 1 = TLS 1.0 ... 4 = 1.3; 0 any */
    int resume_ids, resume_tickets;
} g_opt = {
    0, NULL, "127.0.0.1", "tests/certs/server.pem", "tests/certs/server.key",
    0, "test-key-123", NULL, 0, 20000, 0, 1, 1
};

static void usage(void)
{
    fprintf(stderr,
        "usage: mock_server [--port N] [--port-file F] [--bind ADDR]\n"
        "         [--cert F --key F | --plain] [--api-key K] [--record F]\n"
        "         [--max-requests N] [--idle-timeout-ms N]\n"
        "         [--tls-max 1.0|1.1|1.2|1.3] [--resume none|ids|tickets|both]\n");
    exit(2);
}

static unsigned long parse_num(const char *opt, const char *s,
                               unsigned long max)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v > max) {
        fprintf(stderr, "mock: %s wants a number 0..%lu, not '%s'\n",
                opt, max, s);
        exit(2);
    }
    return v;
}

/* "1.0".."1.3" -> 1..4, refusing what this mbedTLS cannot serve. */
static int parse_tls_version(const char *v)
{
    static const char *const names[] = { "1.0", "1.1", "1.2", "1.3" };
    int i;

    for (i = 0; i < 4; i++)
        if (strcmp(v, names[i]) == 0)
            break;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    if (i < 2)          /* 3.x dropped TLS 1.0 and 1.1 */
        i = 4;
#endif
#if !defined(MBEDTLS_SSL_PROTO_TLS1_3)
    if (i == 3)
        i = 4;
#endif
    if (i == 4) {
        fprintf(stderr, "mock: this mbedTLS (%s) cannot serve --tls-max "
                "'%s'\n", MBEDTLS_VERSION_STRING, v);
        exit(2);
    }
    return i + 1;
}

static void parse_resume(const char *v)
{
    int ids = strcmp(v, "ids") == 0, tickets = strcmp(v, "tickets") == 0;
    int both = strcmp(v, "both") == 0;

    if (!ids && !tickets && !both && strcmp(v, "none") != 0) {
        fprintf(stderr, "mock: --resume takes none, ids, tickets or both\n");
        exit(2);
    }
    g_opt.resume_ids = ids || both;
    g_opt.resume_tickets = tickets || both;
}

static void parse_options(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(o, "--plain") == 0) {
            g_opt.plain = 1;
            continue;
        }
        if (v == NULL)
            usage();
        i++;
        if (strcmp(o, "--port") == 0)
            g_opt.port = (unsigned)parse_num(o, v, 65535);
        else if (strcmp(o, "--port-file") == 0)
            g_opt.port_file = v;
        else if (strcmp(o, "--bind") == 0)
            g_opt.bind = v;
        else if (strcmp(o, "--cert") == 0)
            g_opt.cert = v;
        else if (strcmp(o, "--key") == 0)
            g_opt.key = v;
        else if (strcmp(o, "--api-key") == 0)
            g_opt.api_key = v;
        else if (strcmp(o, "--record") == 0)
            g_opt.record = v;
        else if (strcmp(o, "--max-requests") == 0)
            g_opt.max_requests = parse_num(o, v, ULONG_MAX);
        else if (strcmp(o, "--idle-timeout-ms") == 0)
            /* 0 would never time out; a day is beyond any test */
            g_opt.idle_ms = (long)parse_num(o, v, 86400000UL);
        else if (strcmp(o, "--tls-max") == 0)
            g_opt.tls_max = parse_tls_version(v);
        else if (strcmp(o, "--resume") == 0)
            parse_resume(v);
        else
            usage();
    }
    if (g_opt.idle_ms == 0) {
        fprintf(stderr, "mock: --idle-timeout-ms must be at least 1\n");
        exit(2);
    }
}

/* ======================================================================== */
/* Idle clock: every accept, read and write counts as activity              */
/* ======================================================================== */

static long long g_last_activity;
static int g_idle_expired;     /* set once; the server then exits */

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void touch(void)
{
    g_last_activity = now_ms();
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts;

    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Waits until fd is ready for `events`: 1 ready, 0 idle time is up (the
 * server is to exit), -1 error.  Bounded by the idle timeout, since nothing
 * inside the loop counts as activity. */
static int wait_fd(int fd, short events)
{
    for (;;) {
        struct pollfd p;
        long long left = g_opt.idle_ms - (now_ms() - g_last_activity);
        int r;

        if (left <= 0) {
            g_idle_expired = 1;
            return 0;
        }
        p.fd = fd;
        p.events = events;
        p.revents = 0;
        r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
        if (r > 0)
            return 1;  /* POLLERR and POLLHUP too: the next call says */
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

/* ======================================================================== */
/* String builder and JSON string escape                                    */
/* ======================================================================== */

typedef struct sb {
    char *p;
    size_t n, cap;
} sb;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL) {
        /* A mock that cannot allocate cannot answer honestly: stop loud. */
        fprintf(stderr, "mock: out of memory\n");
        exit(3);
    }
    return q;
}

static void sb_add(sb *b, const void *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;

        while (cap < b->n + n + 1)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_puts(sb *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void sb_printf(sb *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        fprintf(stderr, "mock: internal: formatted text too long\n");
        exit(3);
    }
    sb_add(b, tmp, (size_t)n);
}

static void sb_free(sb *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* Appends s as a JSON string, quotes included.  s is UTF-8 (the callers
 * check), so bytes >= 0x80 pass through unchanged. */
static void sb_json(sb *b, const char *s, size_t n)
{
    size_t i;

    sb_add(b, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *e = NULL;

        switch (c) {
        case '"':  e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '\b': e = "\\b"; break;
        case '\f': e = "\\f"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        default: break;
        }
        if (e != NULL)
            sb_puts(b, e);
        else if (c < 0x20)
            sb_printf(b, "\\u%04x", (unsigned)c);
        else
            sb_add(b, &s[i], 1);
    }
    sb_add(b, "\"", 1);
}

static void sb_json_z(sb *b, const char *s)
{
    sb_json(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if there is none:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t n, i;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (left < n || p[1] < lo || p[1] > hi)
        return 0;
    for (i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

static int utf8_valid(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t k = utf8_seq((const unsigned char *)s + i, n - i);

        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

/* ======================================================================== */
/* JSON reader: a strict RFC 8259 parser into a small tree                  */
/* ======================================================================== */

typedef enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ }
    jtype;

typedef struct jnode {
    jtype t;
    char *s;               /* J_STR: decoded bytes, NUL-terminated */
    size_t n;
    char *key;             /* member of an object: its decoded name */
    size_t kn;
    struct jnode *kid;     /* J_ARR, J_OBJ: first element or member */
    struct jnode *next;    /* next sibling */
} jnode;

typedef struct jparser {
    const unsigned char *start, *p, *end;
    const char *err;       /* first error, static text */
    size_t err_at;         /* its byte offset */
} jparser;

static void jfree(jnode *n)
{
    while (n != NULL) {
        jnode *next = n->next;

        jfree(n->kid);     /* depth is bounded by JSON_DEPTH_MAX */
        free(n->s);
        free(n->key);
        free(n);
        n = next;
    }
}

static void *jfail(jparser *j, const char *why)
{
    if (j->err == NULL) {
        j->err = why;
        j->err_at = (size_t)(j->p - j->start);
    }
    return NULL;
}

static int jerr(jparser *j, const char *why)
{
    jfail(j, why);
    return -1;
}

static void jws(jparser *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
                             *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits after "\u"; -1 if they are not there. */
static long jhex4(jparser *j)
{
    long v = 0;
    int i;

    if (j->end - j->p < 4)
        return -1;
    for (i = 0; i < 4; i++) {
        int h = hexval(j->p[i]);

        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    j->p += 4;
    return v;
}

static void put_utf8(sb *b, unsigned long cp)
{
    unsigned char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | (cp >> 6));
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | (cp >> 12));
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | (cp >> 18));
        u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sb_add(b, u, n);
}

/* After a backslash: one escape into b.  0 ok, -1 error. */
static int jescape(jparser *j, sb *b)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *e;
    long cp, lo;

    if (j->p >= j->end)
        return jerr(j, "unterminated string");
    e = strchr(from, *j->p);
    if (*j->p != 'u') {
        if (e == NULL || *j->p == '\0')
            return jerr(j, "unknown escape");
        sb_add(b, &to[e - from], 1);
        j->p++;
        return 0;
    }
    j->p++;
    if ((cp = jhex4(j)) < 0)
        return jerr(j, "bad \\u escape");
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return jerr(j, "lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
            return jerr(j, "lone high surrogate");
        j->p += 2;
        lo = jhex4(j);
        if (lo < 0xDC00 || lo > 0xDFFF)
            return jerr(j, "lone high surrogate");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    put_utf8(b, (unsigned long)cp);
    return 0;
}

/* A string at j->p (on the opening quote) into a new NUL-terminated buffer
 * *out of *n bytes.  0 ok, -1 error. */
static int jstring(jparser *j, char **out, size_t *n)
{
    sb b = { NULL, 0, 0 };

    j->p++;
    sb_add(&b, "", 0);
    for (;;) {
        unsigned char c;
        size_t k;

        if (j->p >= j->end) {
            jfail(j, "unterminated string");
            break;
        }
        c = *j->p;
        if (c == '"') {
            j->p++;
            *out = b.p;
            *n = b.n;
            return 0;
        }
        if (c == '\\') {
            j->p++;
            if (jescape(j, &b) != 0)
                break;
            continue;
        }
        if (c < 0x20) {
            jfail(j, "control character in string");
            break;
        }
        k = utf8_seq(j->p, (size_t)(j->end - j->p));
        if (k == 0) {
            jfail(j, "invalid UTF-8");
            break;
        }
        sb_add(&b, j->p, k);
        j->p += k;
    }
    sb_free(&b);
    return -1;
}

static int jdigits(jparser *j)
{
    const unsigned char *s = j->p;

    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > s;
}

/* -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)? */
static int jnumber(jparser *j)
{
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (!jdigits(j))
        return jerr(j, "bad number");
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!jdigits(j))
            return jerr(j, "bad number");
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!jdigits(j))
            return jerr(j, "bad number");
    }
    return 0;
}

static int jliteral(jparser *j, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return jerr(j, "unexpected character");
    j->p += n;
    return 0;
}

static jnode *jvalue(jparser *j, int depth);

/* The elements or members after '[' or '{', up to the closing bracket. */
static jnode *jcontainer(jparser *j, jnode *n, int depth)
{
    int is_obj = n->t == J_OBJ;
    char close = is_obj ? '}' : ']';
    jnode **tail = &n->kid;

    j->p++;
    jws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return n;
    }
    for (;;) {
        char *key = NULL;
        size_t kn = 0;
        jnode *kid;

        jws(j);
        if (is_obj) {
            if (j->p >= j->end || *j->p != '"')
                return jfail(j, "expected a member name");
            if (jstring(j, &key, &kn) != 0)
                return NULL;
            jws(j);
            if (j->p >= j->end || *j->p != ':') {
                free(key);
                return jfail(j, "expected ':'");
            }
            j->p++;
        }
        kid = jvalue(j, depth + 1);
        if (kid == NULL) {
            free(key);
            return NULL;
        }
        kid->key = key;
        kid->kn = kn;
        *tail = kid;
        tail = &kid->next;
        jws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return n;
        }
        return jfail(j, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static jnode *jvalue(jparser *j, int depth)
{
    jnode *n;
    int rc = 0;

    jws(j);
    if (j->p >= j->end)
        return jfail(j, "unexpected end of body");
    if (depth > JSON_DEPTH_MAX)
        return jfail(j, "nested too deep");
    n = xrealloc(NULL, sizeof *n);
    memset(n, 0, sizeof *n);
    switch (*j->p) {
    case '{': n->t = J_OBJ; break;
    case '[': n->t = J_ARR; break;
    case '"': n->t = J_STR; rc = jstring(j, &n->s, &n->n); break;
    case 't': n->t = J_TRUE; rc = jliteral(j, "true"); break;
    case 'f': n->t = J_FALSE; rc = jliteral(j, "false"); break;
    case 'n': n->t = J_NULL; rc = jliteral(j, "null"); break;
    default: n->t = J_NUM; rc = jnumber(j); break;
    }
    if (rc == 0 && (n->t == J_OBJ || n->t == J_ARR) &&
        jcontainer(j, n, depth) == NULL)
        rc = -1;
    if (rc != 0) {
        jfree(n);
        return NULL;
    }
    return n;
}

/* The whole body as one JSON text; NULL with j->err set on error. */
static jnode *jparse(jparser *j, const char *body, size_t len)
{
    jnode *root;

    j->start = j->p = (const unsigned char *)body;
    j->end = j->p + len;
    j->err = NULL;
    j->err_at = 0;
    root = jvalue(j, 1);
    if (root == NULL)
        return NULL;
    jws(j);
    if (j->p != j->end) {
        jfree(root);
        return jfail(j, "data after the JSON value");
    }
    return root;
}

/* The member named key of object o, and how many members have that name. */
static jnode *jget(const jnode *o, const char *key, int *count)
{
    jnode *k, *found = NULL;
    size_t kn = strlen(key);

    *count = 0;
    for (k = o->kid; k != NULL; k = k->next) {
        if (k->kn == kn && memcmp(k->key, key, kn) == 0) {
            if (found == NULL)
                found = k;
            (*count)++;
        }
    }
    return found;
}

/* ======================================================================== */
/* Connections: plain TCP or TLS over the same two socket functions         */
/* ======================================================================== */

enum { IO_ERR = -1, IO_IDLE = -2 };

typedef struct conn {
    int fd;
    int tls;
    mbedtls_ssl_context ssl;
} conn;

static struct tls_state {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt cert;
    mbedtls_pk_context key;
    mbedtls_ssl_config conf;
    mbedtls_ssl_cache_context cache;
    mbedtls_ssl_ticket_context ticket;
} g_tls;

static void tls_perror(const char *what, int rc)
{
    char msg[160];

    mbedtls_strerror(rc, msg, sizeof msg);
    fprintf(stderr, "mock: %s: -0x%04x %s\n", what, (unsigned)-rc, msg);
}

/* >0 bytes, 0 end of stream, IO_ERR, IO_IDLE */
static int raw_recv(conn *c, unsigned char *buf, size_t len)
{
    if (len > INT_MAX)
        len = INT_MAX;
    for (;;) {
        ssize_t n;
        int w = wait_fd(c->fd, POLLIN);

        if (w <= 0)
            return w == 0 ? IO_IDLE : IO_ERR;
        n = recv(c->fd, buf, len, 0);
        if (n > 0) {
            touch();
            return (int)n;
        }
        if (n == 0)
            return 0;
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return IO_ERR;
    }
}

/* >0 bytes, IO_ERR, IO_IDLE (a client that stops reading ends here) */
static int raw_send(conn *c, const unsigned char *buf, size_t len)
{
    if (len > INT_MAX)
        len = INT_MAX;
    for (;;) {
        ssize_t n;
        int w = wait_fd(c->fd, POLLOUT);

        if (w <= 0)
            return w == 0 ? IO_IDLE : IO_ERR;
        /* MSG_NOSIGNAL: a client that went away must not kill the mock */
        n = send(c->fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) {
            touch();
            return (int)n;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
            errno != EINTR)
            return IO_ERR;
    }
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    int r = raw_send(ctx, buf, len);

    if (r == IO_IDLE)
        return MBEDTLS_ERR_SSL_TIMEOUT;
    return r == IO_ERR ? MBEDTLS_ERR_NET_SEND_FAILED : r;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    int r = raw_recv(ctx, buf, len);

    if (r == IO_IDLE)
        return MBEDTLS_ERR_SSL_TIMEOUT;
    return r == IO_ERR ? MBEDTLS_ERR_NET_RECV_FAILED : r;
}

/* >0 bytes, 0 the client closed (or sent close_notify), IO_ERR, IO_IDLE */
static int conn_read(conn *c, unsigned char *buf, size_t len)
{
    int r;

    if (!c->tls)
        return raw_recv(c, buf, len);
    r = mbedtls_ssl_read(&c->ssl, buf, len);
    if (r > 0)
        return r;
    if (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
        r == MBEDTLS_ERR_SSL_CONN_EOF)
        return 0;
    if (g_idle_expired)
        return IO_IDLE;
    tls_perror("TLS read", r);
    return IO_ERR;
}

/* 0 all written, IO_ERR, IO_IDLE */
static int conn_write(conn *c, const void *data, size_t len)
{
    const unsigned char *p = data;

    while (len > 0) {
        int r = c->tls ? mbedtls_ssl_write(&c->ssl, p, len)
                       : raw_send(c, p, len);

        if (r <= 0) {
            if (g_idle_expired)
                return IO_IDLE;
            if (c->tls)
                tls_perror("TLS write", r);
            else
                fprintf(stderr, "mock: write: %s\n", strerror(errno));
            return IO_ERR;
        }
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

/* clean: send close_notify first.  Either way the socket is shut for
 * writing and then drained for a moment, because close() with unread input
 * sends a TCP reset, which can destroy the answer before the client reads
 * it. */
static void conn_close(conn *c, int clean)
{
    long long until;
    unsigned char junk[512];

    if (c->tls && clean && !g_idle_expired)
        mbedtls_ssl_close_notify(&c->ssl);
    shutdown(c->fd, SHUT_WR);
    until = now_ms() + LINGER_MS;
    while (now_ms() < until) {
        struct pollfd p;
        long long left = until - now_ms();

        p.fd = c->fd;
        p.events = POLLIN;
        p.revents = 0;
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        if (recv(c->fd, junk, sizeof junk, 0) <= 0)
            break;
    }
    close(c->fd);
    if (c->tls)
        mbedtls_ssl_free(&c->ssl);
}

/* mbedTLS 3 wants a random generator to parse and check keys. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define MOCK_RNG , mbedtls_ctr_drbg_random, &g_tls.drbg
#else
#define MOCK_RNG
#endif

/* --tls-max: the highest version the server agrees to. */
static void tls_limit_version(void)
{
    if (g_opt.tls_max == 0)
        return;
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_max_tls_version(&g_tls.conf, g_opt.tls_max == 4
                                     ? MBEDTLS_SSL_VERSION_TLS1_3
                                     : MBEDTLS_SSL_VERSION_TLS1_2);
#else
    /* 2.x: TLS 1.0 is minor version 1, 1.1 is 2, 1.2 is 3 */
    mbedtls_ssl_conf_max_version(&g_tls.conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 g_opt.tls_max);
    mbedtls_ssl_conf_min_version(&g_tls.conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_1);
#endif
}

/* --resume: a session cache (TLS 1.2 session ids) and session tickets
 * (TLS 1.2 RFC 5077 tickets, TLS 1.3 resumption PSKs), as servers do. */
static int tls_resumption(void)
{
    int rc = 0;

    if (g_opt.resume_ids)
        mbedtls_ssl_conf_session_cache(&g_tls.conf, &g_tls.cache,
                                       mbedtls_ssl_cache_get,
                                       mbedtls_ssl_cache_set);
    if (g_opt.resume_tickets) {
        rc = mbedtls_ssl_ticket_setup(&g_tls.ticket, mbedtls_ctr_drbg_random,
                                      &g_tls.drbg, MBEDTLS_CIPHER_AES_256_GCM,
                                      3600);
        if (rc == 0)
            mbedtls_ssl_conf_session_tickets_cb(&g_tls.conf,
                                                mbedtls_ssl_ticket_write,
                                                mbedtls_ssl_ticket_parse,
                                                &g_tls.ticket);
    }
    return rc;
}

static void tls_setup(void)
{
    static const char pers[] = "telnyx mock server";
    int rc = 0;

    mbedtls_entropy_init(&g_tls.entropy);
    mbedtls_ctr_drbg_init(&g_tls.drbg);
    mbedtls_x509_crt_init(&g_tls.cert);
    mbedtls_pk_init(&g_tls.key);
    mbedtls_ssl_config_init(&g_tls.conf);
    mbedtls_ssl_cache_init(&g_tls.cache);
    mbedtls_ssl_ticket_init(&g_tls.ticket);

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
    if (psa_crypto_init() != PSA_SUCCESS) {
        fprintf(stderr, "mock: psa_crypto_init failed\n");
        exit(2);
    }
#endif
    rc = mbedtls_ctr_drbg_seed(&g_tls.drbg, mbedtls_entropy_func,
                               &g_tls.entropy,
                               (const unsigned char *)pers, sizeof pers - 1);
    if (rc == 0 && (rc = mbedtls_x509_crt_parse_file(&g_tls.cert,
                                                     g_opt.cert)) != 0)
        fprintf(stderr, "mock: cannot load certificate %s\n", g_opt.cert);
    if (rc == 0 && (rc = mbedtls_pk_parse_keyfile(&g_tls.key, g_opt.key,
                                                  NULL MOCK_RNG)) != 0)
        fprintf(stderr, "mock: cannot load key %s\n", g_opt.key);
    if (rc == 0 && (rc = mbedtls_pk_check_pair(&g_tls.cert.pk,
                                               &g_tls.key MOCK_RNG)) != 0)
        fprintf(stderr, "mock: %s is not the key of %s\n",
                g_opt.key, g_opt.cert);
    if (rc == 0)
        rc = mbedtls_ssl_config_defaults(&g_tls.conf, MBEDTLS_SSL_IS_SERVER,
                                         MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc == 0) {
        mbedtls_ssl_conf_rng(&g_tls.conf, mbedtls_ctr_drbg_random,
                             &g_tls.drbg);
        rc = mbedtls_ssl_conf_own_cert(&g_tls.conf, &g_tls.cert, &g_tls.key);
    }
    if (rc == 0) {
        tls_limit_version();
        rc = tls_resumption();
    }
    if (rc != 0) {
        tls_perror("TLS setup", rc);
        exit(2);
    }
}

static void tls_teardown(void)
{
    mbedtls_ssl_ticket_free(&g_tls.ticket);
    mbedtls_ssl_cache_free(&g_tls.cache);
    mbedtls_ssl_config_free(&g_tls.conf);
    mbedtls_pk_free(&g_tls.key);
    mbedtls_x509_crt_free(&g_tls.cert);
    mbedtls_ctr_drbg_free(&g_tls.drbg);
    mbedtls_entropy_free(&g_tls.entropy);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
    mbedtls_psa_crypto_free();
#endif
}

/* 0 ready to serve; -1 the connection is closed already. */
static int conn_start(conn *c, int fd)
{
    int rc;

    c->fd = fd;
    c->tls = !g_opt.plain;
    if (!c->tls)
        return 0;
    mbedtls_ssl_init(&c->ssl);
    rc = mbedtls_ssl_setup(&c->ssl, &g_tls.conf);
    if (rc == 0) {
        mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
        rc = mbedtls_ssl_handshake(&c->ssl);
    }
    if (rc != 0) {
        /* A client that refuses our certificate ends up here: expected in
         * the TLS tests, so it is one line and the server goes on. */
        if (!g_idle_expired)
            tls_perror("TLS handshake failed", rc);
        conn_close(c, 0);
        return -1;
    }
    return 0;
}

/* ======================================================================== */
/* Modes: how the {id} "mock-..." shapes the answer                         */
/* ======================================================================== */

typedef enum content {
    CT_NORMAL, CT_NULLS, CT_UNKNOWN_STATUS, CT_BADJSON, CT_429, CT_503,
    CT_500, CT_ERRORS, CT_HUGE, CT_CONTROL
} content;
typedef enum framing { FR_LENGTH, FR_CHUNKED, FR_EOF, FR_TRUNCATED } framing;
typedef enum pacing {
    PACE_NORMAL, PACE_BYTEWISE, PACE_SLOW, PACE_STALL, PACE_RESET
} pacing;
enum slot { SLOT_CONTENT, SLOT_FRAMING, SLOT_PACING, SLOT_CLOSE, SLOT_COUNT };
enum arg { ARG_NONE, ARG_OPTIONAL, ARG_REQUIRED };

typedef struct plan {
    int value[SLOT_COUNT];         /* content, framing, pacing, close */
    unsigned long n[SLOT_COUNT];   /* the mode's number, where it has one */
} plan;

static const struct mode {
    const char *name;
    enum slot slot;
    int value;
    enum arg arg;
    unsigned long min, max, dflt;
} g_modes[] = {
    { "nulls",          SLOT_CONTENT, CT_NULLS,          ARG_NONE, 0, 0, 0 },
    { "unknown-status", SLOT_CONTENT, CT_UNKNOWN_STATUS, ARG_NONE, 0, 0, 0 },
    { "badjson",        SLOT_CONTENT, CT_BADJSON,        ARG_NONE, 0, 0, 0 },
    { "429",            SLOT_CONTENT, CT_429,            ARG_NONE, 0, 0, 0 },
    { "503",            SLOT_CONTENT, CT_503,            ARG_NONE, 0, 0, 0 },
    { "500",            SLOT_CONTENT, CT_500,            ARG_NONE, 0, 0, 0 },
    { "control-text",   SLOT_CONTENT, CT_CONTROL,        ARG_NONE, 0, 0, 0 },
    { "errors",  SLOT_CONTENT, CT_ERRORS, ARG_REQUIRED, 1, 1000, 0 },
    { "huge",    SLOT_CONTENT, CT_HUGE,   ARG_REQUIRED, 1, 65536, 0 },
    { "chunked",   SLOT_FRAMING, FR_CHUNKED,   ARG_NONE, 0, 0, 0 },
    { "eof",       SLOT_FRAMING, FR_EOF,       ARG_NONE, 0, 0, 0 },
    { "truncated", SLOT_FRAMING, FR_TRUNCATED, ARG_NONE, 0, 0, 0 },
    { "bytewise", SLOT_PACING, PACE_BYTEWISE, ARG_NONE, 0, 0, 0 },
    { "slow",     SLOT_PACING, PACE_SLOW,     ARG_OPTIONAL, 0, 1000, 50 },
    { "stall",    SLOT_PACING, PACE_STALL,    ARG_NONE, 0, 0, 0 },
    { "reset",    SLOT_PACING, PACE_RESET,    ARG_REQUIRED, 0, 1UL << 30, 0 },
    { "close",    SLOT_CLOSE,  1,             ARG_NONE, 0, 0, 0 },
};

/* One mode word (e.g. "reset-120") into p.  0 ok; -1 with why filled. */
static int mode_word(plan *p, int seen[SLOT_COUNT], const char *w,
                     size_t wn, char *why, size_t why_len)
{
    size_t i;

    for (i = 0; i < sizeof g_modes / sizeof g_modes[0]; i++) {
        const struct mode *m = &g_modes[i];
        size_t mn = strlen(m->name), k;
        unsigned long v = m->dflt;

        if (wn < mn || memcmp(w, m->name, mn) != 0)
            continue;
        if (wn > mn) {
            /* "-digits" after the name; anything else is not this mode */
            if (m->arg == ARG_NONE || w[mn] != '-' || wn == mn + 1 ||
                wn - mn - 1 > 10)
                continue;
            for (v = 0, k = mn + 1; k < wn && w[k] >= '0' && w[k] <= '9'; k++)
                v = v * 10 + (unsigned long)(w[k] - '0');
            if (k != wn)
                continue;
            if (v < m->min || v > m->max) {
                snprintf(why, why_len, "mock mode %s takes %lu..%lu",
                         m->name, m->min, m->max);
                return -1;
            }
        } else if (m->arg == ARG_REQUIRED) {
            snprintf(why, why_len, "mock mode %s needs -N", m->name);
            return -1;
        }
        if (seen[m->slot]) {
            snprintf(why, why_len, "two mock modes of one kind (%s)",
                     m->name);
            return -1;
        }
        seen[m->slot] = 1;
        p->value[m->slot] = m->value;
        p->n[m->slot] = v;
        return 0;
    }
    snprintf(why, why_len, "unknown mock mode '%.*s'",
             (int)(wn > 40 ? 40 : wn), w);
    return -1;
}

/* The plan for a decoded {id}: all defaults unless it starts "mock-".
 * 0 ok; -1 with why filled. */
static int mode_parse(plan *p, const char *id, size_t n, char *why,
                      size_t why_len)
{
    int seen[SLOT_COUNT] = { 0 };
    size_t i, start;

    memset(p, 0, sizeof *p);
    if (n < 5 || memcmp(id, "mock-", 5) != 0)
        return 0;
    for (start = i = 5; i <= n; i++) {
        if (i < n && id[i] != '+')
            continue;
        if (mode_word(p, seen, id + start, i - start, why, why_len) != 0)
            return -1;
        start = i + 1;
    }
    return 0;
}

/* ======================================================================== */
/* Output: framing (Content-Length, chunks) and pacing (bytewise, reset)    */
/* ======================================================================== */

typedef struct output {
    conn *c;
    const plan *p;
    unsigned char buf[OUT_BUF_LEN];
    size_t n;
    unsigned char chunk[CHUNK_LEN];
    size_t cn;
    unsigned long long wire;   /* bytes handed to the connection */
    int failed;                /* a write failed: drop the rest */
    int cut;                   /* reset-N reached N: drop the rest */
    long long started;         /* now_ms() when the answer began */
} output;

static void wire_flush(output *o)
{
    if (o->n > 0 && !o->failed && conn_write(o->c, o->buf, o->n) != 0)
        o->failed = 1;
    o->n = 0;
}

static void wire_put(output *o, const void *data, size_t len)
{
    const unsigned char *d = data;
    pacing pace = (pacing)o->p->value[SLOT_PACING];
    size_t i;

    if (o->failed || o->cut)
        return;
    if (pace == PACE_RESET) {
        unsigned long long left = o->p->n[SLOT_PACING] - o->wire;

        if (len >= left) {
            len = (size_t)left;
            o->cut = 1;
        }
    }
    if (pace == PACE_BYTEWISE || pace == PACE_SLOW) {
        for (i = 0; i < len && !o->failed && !o->cut; i++) {
            if (pace == PACE_SLOW) {
                sleep_ms((unsigned)o->p->n[SLOT_PACING]);
                /* writes count as activity, so without this budget
                 * huge-65536+slow-1000 would outlive any test */
                if (now_ms() - o->started > SLOW_BUDGET_MS) {
                    fprintf(stderr, "mock: slow answer over its %d s "
                            "budget, cut\n", SLOW_BUDGET_MS / 1000);
                    o->cut = 1;
                    break;
                }
            }
            if (conn_write(o->c, d + i, 1) != 0)
                o->failed = 1;
        }
        o->wire += len;
        return;
    }
    o->wire += len;
    while (len > 0) {
        size_t k = sizeof o->buf - o->n;

        if (k > len)
            k = len;
        memcpy(o->buf + o->n, d, k);
        o->n += k;
        d += k;
        len -= k;
        if (o->n == sizeof o->buf)
            wire_flush(o);
    }
    if (o->cut)
        wire_flush(o);
}

static void chunk_emit(output *o)
{
    char size[32];

    snprintf(size, sizeof size, "%lx;ext=1\r\n", (unsigned long)o->cn);
    wire_put(o, size, strlen(size));
    wire_put(o, o->chunk, o->cn);
    wire_put(o, "\r\n", 2);
    o->cn = 0;
}

static void body_put(output *o, const void *data, size_t len)
{
    const unsigned char *d = data;

    if (o->p->value[SLOT_FRAMING] != FR_CHUNKED) {
        wire_put(o, d, len);
        return;
    }
    while (len > 0) {
        size_t k = CHUNK_LEN - o->cn;

        if (k > len)
            k = len;
        memcpy(o->chunk + o->cn, d, k);
        o->cn += k;
        d += k;
        len -= k;
        if (o->cn == CHUNK_LEN)
            chunk_emit(o);
    }
}

static void body_end(output *o)
{
    static const char last[] = "0;ext=1\r\nX-Trailer: yes\r\n\r\n";

    if (o->p->value[SLOT_FRAMING] == FR_CHUNKED) {
        if (o->cn > 0)
            chunk_emit(o);
        wire_put(o, last, sizeof last - 1);
    }
    wire_flush(o);
}

/* ======================================================================== */
/* Answers: bodies, errors, the huge padding                                */
/* ======================================================================== */

/* The mock's error kinds.  10009 is Telnyx's code for a failed
 * authentication; the other codes are this mock's own picks. */
typedef enum ekind {
    E_MALFORMED, E_JSON, E_AUTH, E_NOT_FOUND, E_METHOD, E_LENGTH,
    E_TOO_LARGE, E_MEDIA, E_MISSING, E_INVALID, E_RATE, E_HEADERS,
    E_INTERNAL, E_UNAVAILABLE, E_VERSION
} ekind;

static const struct ekind_info {
    int status;
    const char *code, *title;
} g_ekinds[] = {
    [E_MALFORMED]   = { 400, "10016", "Malformed request" },
    [E_JSON]        = { 400, "10015", "Invalid JSON" },
    [E_AUTH]        = { 401, "10009", "Authentication failed" },
    [E_NOT_FOUND]   = { 404, "10005", "Resource not found" },
    [E_METHOD]      = { 405, "10006", "Method not allowed" },
    [E_LENGTH]      = { 411, "10008", "Length required" },
    [E_TOO_LARGE]   = { 413, "10012", "Request too large" },
    [E_MEDIA]       = { 415, "10007", "Unsupported media type" },
    [E_MISSING]     = { 422, "10032", "Missing required parameter" },
    [E_INVALID]     = { 422, "10033", "Invalid parameter" },
    [E_RATE]        = { 429, "10011", "Too many requests" },
    [E_HEADERS]     = { 431, "10013", "Request headers too large" },
    [E_INTERNAL]    = { 500, "10001", "Internal server error" },
    [E_UNAVAILABLE] = { 503, "10010", "Service unavailable" },
    [E_VERSION]     = { 505, "10014", "HTTP version not supported" },
};

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default:  return "Unknown";
    }
}

/* One entry of an errors array; pointer NULL leaves out "source". */
typedef struct apierr {
    ekind kind;
    char detail[160];
    const char *pointer;
} apierr;

static void errors_body(sb *b, const apierr *e, size_t n)
{
    size_t i;

    sb_puts(b, "{\"errors\":[");
    for (i = 0; i < n; i++) {
        const struct ekind_info *k = &g_ekinds[e[i].kind];

        sb_puts(b, i ? ",{\"code\":" : "{\"code\":");
        sb_json_z(b, k->code);
        sb_puts(b, ",\"title\":");
        sb_json_z(b, k->title);
        sb_puts(b, ",\"detail\":");
        sb_json_z(b, e[i].detail);
        if (e[i].pointer != NULL) {
            sb_puts(b, ",\"source\":{\"pointer\":");
            sb_json_z(b, e[i].pointer);
            sb_puts(b, "}");
        }
        sb_printf(b, ",\"meta\":{\"url\":\"https://developers.telnyx.com"
                  "/docs/overview/errors/%s\"}}", k->code);
    }
    sb_puts(b, "]}");
}

/* What the request is about: the path's two ids. */
typedef struct target_ids {
    char *po, *id;        /* percent-decoded, NUL-terminated */
    size_t po_n, id_n;
    const char *id_raw;   /* the {id} segment as sent */
    size_t id_raw_n;
} target_ids;

static void data_object(sb *b, const target_ids *t, content ct)
{
    static const char stamp[] = "\"2018-02-02T22:25:27.521Z\"";

    sb_puts(b, "{\"id\":");
    sb_json(b, t->id, t->id_n);
    sb_puts(b, ",\"record_type\":\"porting_action_requirement\""
               ",\"porting_order_id\":");
    sb_json(b, t->po, t->po_n);
    sb_puts(b, ",\"requirement_type_id\":"
               "\"53970723-fbff-4f46-a975-f62be6c1a585\""
               ",\"action_type\":\"au_id_verification\",\"action_url\":");
    if (ct == CT_NULLS) {
        sb_puts(b, "null");
    } else {
        /* the raw segment keeps the URL valid whatever the id holds */
        sb url = { NULL, 0, 0 };

        sb_puts(&url, "https://example.com/action/");
        sb_add(&url, t->id_raw, t->id_raw_n);
        sb_json(b, url.p, url.n);
        sb_free(&url);
    }
    sb_puts(b, ",\"status\":");
    sb_puts(b, ct == CT_UNKNOWN_STATUS ? "\"on_hold_new\"" : "\"pending\"");
    sb_puts(b, ",\"cancel_reason\":");
    sb_puts(b, ct == CT_NULLS ? "\"\"" : "null");
    sb_printf(b, ",\"created_at\":%s,\"updated_at\":%s}", stamp, stamp);
}

/* Pieces of the huge body's "pad" array, used in turn.  Each is one JSON
 * value; together they hold what a reader must skip without tripping:
 * every escape, raw and escaped UTF-8 (a surrogate pair, an escaped NUL),
 * numbers of every shape, nesting, and "data"/"id" keys below the top. */
static const char *const g_pad[] = {
    "\"ascii with \\\"quotes\\\", a back\\\\slash, a \\/ solidus and "
    "\\b\\f\\n\\r\\t escapes\"",
    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 and escaped \\u00e9 "
    "\\u20AC \\ud83d\\ude00 \\u0000 nul \\u001f\"",
    "[0,-0,1,-1,3.14159,-2.5e-3,6.02E+23,1e400,-0.0e0,"
    "123456789012345678901234567890,0.000001]",
    "{\"id\":\"decoy-id\",\"data\":{\"id\":\"decoy\",\"status\":\"failed\"},"
    "\"errors\":[{\"code\":\"1\"}],\"n\":{\"a\":{\"b\":{\"c\":[[[[{\"e\":"
    "null}]]]]}}}}",
    "{\"t\":true,\"f\":false,\"n\":null,\"o\":{},\"a\":[], \"ws\" :\r\n\t"
    "[ 1 , 2 ] ,\"key \\\"esc\\\"\\t\":\"v\",\"\\u0064\\u0061\\u0074"
    "\\u0061\":{\"id\":\"escaped-key decoy\"}}",
};
#define PAD_COUNT (sizeof g_pad / sizeof g_pad[0])

/* A body: head, then `pads` pieces of g_pad joined by commas, then tail.
 * Only the huge mode has pads; it is never held in memory whole. */
typedef struct answer_body {
    sb head, tail;
    size_t pads;
} answer_body;

static size_t pad_len(size_t i)
{
    return strlen(g_pad[i % PAD_COUNT]) + (i > 0 ? 1u : 0u);
}

static size_t body_len(const answer_body *b)
{
    size_t len = b->head.n + b->tail.n, i;

    for (i = 0; i < b->pads; i++)
        len += pad_len(i);
    return len;
}

static void body_write(output *o, const answer_body *b)
{
    size_t i;

    body_put(o, b->head.p, b->head.n);
    for (i = 0; i < b->pads && !o->failed && !o->cut; i++) {
        if (i > 0)
            body_put(o, ",", 1);
        body_put(o, g_pad[i % PAD_COUNT], strlen(g_pad[i % PAD_COUNT]));
    }
    body_put(o, b->tail.p, b->tail.n);
}

static void huge_body(answer_body *b, const target_ids *t, unsigned long kib)
{
    size_t target = (size_t)kib * 1024, len;

    sb_puts(&b->head, "{\"pad\":[");
    sb_puts(&b->tail, "],\"data\":");
    data_object(&b->tail, t, CT_NORMAL);
    sb_puts(&b->tail, "}");
    len = b->head.n + b->tail.n;
    while (len + pad_len(b->pads) <= target)
        len += pad_len(b->pads++);
}

/* ======================================================================== */
/* Request ids                                                              */
/* ======================================================================== */

static unsigned long long g_seed;
static unsigned long g_count;     /* requests answered so far */

static unsigned long long splitmix64(void)
{
    unsigned long long z = (g_seed += 0x9E3779B97F4A7C15ULL);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Shaped like a version 4 UUID; the low 32 bits count requests, so two
 * answers of one run never share an id. */
static void request_id(char out_id[37])
{
    unsigned long long a = splitmix64(), b = splitmix64();

    snprintf(out_id, 37, "%08lx-%04lx-4%03lx-%04lx-%04lx%08lx",
             (unsigned long)(a >> 32), (unsigned long)((a >> 16) & 0xFFFF),
             (unsigned long)(a & 0xFFF),
             (unsigned long)(0x8000 | (b & 0x3FFF)),
             (unsigned long)((b >> 16) & 0xFFFF),
             (unsigned long)(g_count & 0xFFFFFFFFUL));
}

/* ======================================================================== */
/* Sending an answer                                                        */
/* ======================================================================== */

typedef struct answer {
    int status;
    sb extra;            /* extra header lines, CRLF-terminated */
    answer_body body;
    plan plan;           /* how to deliver it */
    int announce_close;  /* say "Connection: close" */
    int close;           /* close after sending */
} answer;

static void answer_free(answer *a)
{
    sb_free(&a->extra);
    sb_free(&a->body.head);
    sb_free(&a->body.tail);
}

static void answer_errors(answer *a, const apierr *e, size_t n)
{
    a->status = g_ekinds[e[0].kind].status;
    errors_body(&a->body.head, e, n);
}

static void answer_error(answer *a, ekind kind, const char *pointer,
                         const char *detail)
{
    apierr e;

    e.kind = kind;
    e.pointer = pointer;
    snprintf(e.detail, sizeof e.detail, "%s", detail);
    answer_errors(a, &e, 1);
}

/* Writes the whole answer.  0 sent, 1 cut short on purpose (reset-N),
 * -1 the connection failed. */
static int answer_send(conn *c, answer *a)
{
    output *o = xrealloc(NULL, sizeof *o);
    framing fr = (framing)a->plan.value[SLOT_FRAMING];
    sb head = { NULL, 0, 0 };
    char rid[37];
    size_t len = body_len(&a->body);
    int rc;

    memset(o, 0, sizeof *o);
    o->c = c;
    o->p = &a->plan;
    o->started = now_ms();
    request_id(rid);
    sb_printf(&head, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n",
              a->status, reason_phrase(a->status));
    if (fr == FR_LENGTH || fr == FR_TRUNCATED)
        sb_printf(&head, "Content-Length: %lu\r\n", (unsigned long)len +
                  (fr == FR_TRUNCATED ? TRUNCATED_EXTRA : 0UL));
    else if (fr == FR_CHUNKED)
        sb_puts(&head, "Transfer-Encoding: chunked\r\nTrailer: X-Trailer\r\n");
    sb_printf(&head, "x-request-id: %s\r\n", rid);
    if (a->extra.n > 0)
        sb_add(&head, a->extra.p, a->extra.n);
    if (a->announce_close)
        sb_puts(&head, "Connection: close\r\n");
    sb_puts(&head, "\r\n");

    wire_put(o, head.p, head.n);
    body_write(o, &a->body);
    body_end(o);
    rc = o->failed ? -1 : o->cut ? 1 : 0;
    sb_free(&head);
    free(o);
    return rc;
}

/* ======================================================================== */
/* HTTP request: head parsing                                               */
/* ======================================================================== */

typedef struct str {
    const char *p;
    size_t n;
} str;

typedef struct request {
    str method, target;
    str host, auth, ctype, clen, expect;
    int n_host, n_auth, n_ctype, n_clen, n_te;
    int close;               /* the client said Connection: close */
    size_t content_length;
} request;

static int ieq(str s, const char *lit)
{
    size_t i, n = strlen(lit);

    if (s.n != n)
        return 0;
    for (i = 0; i < n; i++) {
        int a = (unsigned char)s.p[i], b = (unsigned char)lit[i];

        if (a >= 'A' && a <= 'Z')
            a += 'a' - 'A';
        if (b >= 'A' && b <= 'Z')
            b += 'a' - 'A';
        if (a != b)
            return 0;
    }
    return 1;
}

static int is_tchar(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
                                                          c) != NULL);
}

/* Offset just past the blank line ending the head, or 0 if it is not in
 * the first `limit` bytes of buf. */
static size_t head_end(const unsigned char *buf, size_t len, size_t limit)
{
    size_t i;

    if (len > limit)
        len = limit;
    for (i = 3; i < len; i++)
        if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' &&
            buf[i - 3] == '\r')
            return i + 1;
    return 0;
}

/* Connection: a comma list of tokens; only "close" matters here. */
static void parse_connection(request *r, str v)
{
    size_t i = 0;

    while (i < v.n) {
        str t;

        while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t' || v.p[i] == ','))
            i++;
        t.p = v.p + i;
        while (i < v.n && v.p[i] != ',' && v.p[i] != ' ' && v.p[i] != '\t')
            i++;
        t.n = (size_t)(v.p + i - t.p);
        if (ieq(t, "close"))
            r->close = 1;
    }
}

/* One "name: value" line (no CRLF).  0 ok, -1 malformed. */
static int parse_header(request *r, const char *s, size_t n)
{
    str name, v;
    size_t i = 0;

    while (i < n && is_tchar((unsigned char)s[i]))
        i++;
    if (i == 0 || i >= n || s[i] != ':')
        return -1;   /* also catches obs-fold and space before the colon */
    name.p = s;
    name.n = i;
    for (i++; i < n && (s[i] == ' ' || s[i] == '\t'); i++) {
    }
    while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    v.p = s + i;
    v.n = n - i;

    if (ieq(name, "host")) {
        r->host = v;
        r->n_host++;
    } else if (ieq(name, "authorization")) {
        r->auth = v;
        r->n_auth++;
    } else if (ieq(name, "content-type")) {
        r->ctype = v;
        r->n_ctype++;
    } else if (ieq(name, "content-length")) {
        r->clen = v;
        r->n_clen++;
    } else if (ieq(name, "transfer-encoding")) {
        r->n_te++;
    } else if (ieq(name, "connection")) {
        parse_connection(r, v);
    } else if (ieq(name, "expect")) {
        r->expect = v;
    }
    return 0;
}

/* The request line "METHOD SP target SP HTTP/1.1".  0 ok, else a kind. */
static int parse_request_line(request *r, const char *s, size_t n,
                              ekind *kind, const char **why)
{
    const char *sp1 = memchr(s, ' ', n), *sp2;
    size_t i;

    *kind = E_MALFORMED;
    *why = "malformed request line";
    if (sp1 == NULL)
        return -1;
    sp2 = memchr(sp1 + 1, ' ', (size_t)(s + n - sp1 - 1));
    if (sp2 == NULL)
        return -1;
    r->method.p = s;
    r->method.n = (size_t)(sp1 - s);
    r->target.p = sp1 + 1;
    r->target.n = (size_t)(sp2 - sp1 - 1);
    for (i = 0; i < r->method.n; i++)
        if (!is_tchar((unsigned char)s[i]))
            return -1;
    if (r->method.n == 0 || r->target.n == 0 || r->target.p[0] != '/')
        return -1;
    for (i = 0; i < r->target.n; i++) {
        unsigned char c = (unsigned char)r->target.p[i];

        if (c < 0x21 || c > 0x7E || c == '#')
            return -1;
    }
    n = (size_t)(s + n - sp2 - 1);
    s = sp2 + 1;
    if (n != 8 || memcmp(s, "HTTP/", 5) != 0 || s[5] < '0' || s[5] > '9' ||
        s[6] != '.' || s[7] < '0' || s[7] > '9')
        return -1;
    if (memcmp(s, "HTTP/1.1", 8) != 0) {
        *kind = E_VERSION;
        *why = "only HTTP/1.1 is served";
        return -1;
    }
    return 0;
}

/* The head (request line, headers, blank line) of len bytes.  Framing
 * errors are answered with `kind` and the connection closed.  0 ok. */
static int parse_head(request *r, const char *h, size_t len, ekind *kind,
                      const char **why)
{
    size_t i, line = 0;
    int first = 1;
    unsigned long long cl = 0;

    memset(r, 0, sizeof *r);
    *kind = E_MALFORMED;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)h[i];

        if ((c == '\r' && (i + 1 >= len || h[i + 1] != '\n')) ||
            (c == '\n' && (i == 0 || h[i - 1] != '\r'))) {
            *why = "a line does not end in CRLF";
            return -1;
        }
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F) {
            *why = "control character in the head";
            return -1;
        }
    }
    for (i = 0; i + 1 < len; i++) {
        if (h[i] != '\r')
            continue;
        if (first) {
            if (parse_request_line(r, h, i, kind, why) != 0)
                return -1;
            first = 0;
        } else if (i > line && parse_header(r, h + line, i - line) != 0) {
            *why = "malformed header line";
            return -1;
        }
        line = i + 2;
    }

    *why = "duplicate Host, Authorization, Content-Type or Content-Length";
    if (r->n_host > 1 || r->n_auth > 1 || r->n_ctype > 1 || r->n_clen > 1)
        return -1;
    *why = "Host header is missing";
    if (r->n_host == 0)
        return -1;
    if (r->n_te > 0) {
        /* No request body framed by chunks is accepted: the client under
         * test always knows its body's length. */
        *kind = r->n_clen ? E_MALFORMED : E_LENGTH;
        *why = r->n_clen ? "both Transfer-Encoding and Content-Length"
                         : "Transfer-Encoding is not accepted; send "
                           "Content-Length";
        return -1;
    }
    *why = "Content-Length is not a decimal number";
    if (r->n_clen && r->clen.n == 0)
        return -1;
    for (i = 0; i < r->clen.n; i++) {
        if (r->clen.p[i] < '0' || r->clen.p[i] > '9')
            return -1;
        if (cl <= BODY_MAX)
            cl = cl * 10 + (unsigned long long)(r->clen.p[i] - '0');
    }
    if (cl > BODY_MAX) {
        *kind = E_TOO_LARGE;
        *why = "body is larger than 1 MiB";
        return -1;
    }
    r->content_length = (size_t)cl;
    return 0;
}

/* ======================================================================== */
/* The operation: route, checks, the answer                                 */
/* ======================================================================== */

/* Percent-decodes s into a new NUL-terminated buffer.  0 ok, -1 bad escape
 * or not UTF-8 once decoded. */
static int pct_decode(const char *s, size_t n, char **out, size_t *out_n)
{
    char *d = xrealloc(NULL, n + 1);
    size_t i, k = 0;

    for (i = 0; i < n; i++) {
        if (s[i] != '%') {
            d[k++] = s[i];
            continue;
        }
        if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
            free(d);
            return -1;
        }
        d[k++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
        i += 2;
    }
    d[k] = '\0';
    if (!utf8_valid(d, k)) {
        free(d);
        return -1;
    }
    *out = d;
    *out_n = k;
    return 0;
}

/* Splits the path (query dropped) into the two ids.  1 it is the
 * operation's path, 0 it is not. */
static int route(str target, str *po, str *id)
{
    static const char *const fixed[7] = {
        "", "v2", "porting_orders", NULL, "action_requirements", NULL,
        "initiate"
    };
    str seg[7];
    const char *p = target.p, *end = target.p + target.n, *q;
    int n = 0;

    q = memchr(p, '?', target.n);
    if (q != NULL)
        end = q;
    for (;;) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *stop = slash ? slash : end;

        if (n == 7)
            return 0;
        seg[n].p = p;
        seg[n].n = (size_t)(stop - p);
        n++;
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    if (n != 7)
        return 0;
    for (n = 0; n < 7; n++) {
        if (fixed[n] == NULL ? seg[n].n == 0
                             : (seg[n].n != strlen(fixed[n]) ||
                                memcmp(seg[n].p, fixed[n], seg[n].n) != 0))
            return 0;
    }
    *po = seg[3];
    *id = seg[5];
    return 1;
}

static int auth_ok(const request *r)
{
    const char *p = r->auth.p;
    size_t n = r->auth.n, i = 6, kn = strlen(g_opt.api_key);
    str scheme;

    scheme.p = p;
    scheme.n = 6;
    if (n < 8 || !ieq(scheme, "bearer") || p[6] != ' ')
        return 0;
    while (i < n && p[i] == ' ')
        i++;
    return n - i == kn && memcmp(p + i, g_opt.api_key, kn) == 0;
}

/* application/json, any case, optionally followed by ";parameters". */
static int json_media_type(str v)
{
    size_t n = 0;
    str t;

    while (n < v.n && v.p[n] != ';' && v.p[n] != ' ' && v.p[n] != '\t')
        n++;
    t.p = v.p;
    t.n = n;
    if (!ieq(t, "application/json"))
        return 0;
    while (n < v.n && (v.p[n] == ' ' || v.p[n] == '\t'))
        n++;
    return n == v.n || v.p[n] == ';';
}

/* One name inside params; adds an entry to e[] when it is wrong. */
static void check_name(const jnode *params, const char *name,
                       const char *pointer, apierr *e, size_t *ne)
{
    int count;
    jnode *v = jget(params, name, &count);
    const char *what = NULL;
    ekind kind = E_INVALID;

    if (v == NULL) {
        kind = E_MISSING;
        what = "is required";
    } else if (count > 1) {
        what = "is given more than once";
    } else if (v->t != J_STR) {
        what = "must be a string";
    } else if (v->n == 0) {
        what = "must not be empty";
    }
    if (what == NULL)
        return;
    e[*ne].kind = kind;
    e[*ne].pointer = pointer;
    snprintf(e[*ne].detail, sizeof e[*ne].detail, "%s %s", name, what);
    (*ne)++;
}

/* The body checks: 0 fine, else a is an error answer. */
static int check_body(answer *a, const char *body, size_t len)
{
    jparser j;
    jnode *root = jparse(&j, body, len), *params;
    apierr e[2];
    size_t ne = 0;
    int count;
    char why[160];

    if (root == NULL) {
        snprintf(why, sizeof why, "body is not valid JSON: %s at byte %lu",
                 j.err, (unsigned long)j.err_at);
        answer_error(a, E_JSON, "/", why);
        return -1;
    }
    if (root->t != J_OBJ) {
        answer_error(a, E_INVALID, "/", "body must be a JSON object");
    } else if ((params = jget(root, "params", &count)) == NULL) {
        answer_error(a, E_MISSING, "/params", "params is required");
    } else if (count > 1) {
        answer_error(a, E_INVALID, "/params", "params is given more than once");
    } else if (params->t != J_OBJ) {
        answer_error(a, E_INVALID, "/params", "params must be an object");
    } else {
        check_name(params, "first_name", "/params/first_name", e, &ne);
        check_name(params, "last_name", "/params/last_name", e, &ne);
        if (ne > 0)
            answer_errors(a, e, ne);
    }
    jfree(root);
    return a->status != 0 ? -1 : 0;
}

static void content_answer(answer *a, const target_ids *t)
{
    content ct = (content)a->plan.value[SLOT_CONTENT];
    sb *b = &a->body.head;
    apierr *e;
    size_t i, n;

    switch (ct) {
    case CT_429:
        sb_puts(&a->extra, "Retry-After: 1\r\n");
        answer_error(a, E_RATE, NULL, "too many requests; retry in 1 s");
        return;
    case CT_503:
        sb_puts(&a->extra, "retry-after-ms: 200\r\n");
        answer_error(a, E_UNAVAILABLE, NULL, "try again in 200 ms");
        return;
    case CT_500:
        answer_error(a, E_INTERNAL, NULL, "the mock was asked to fail");
        return;
    case CT_CONTROL:
        /* A hostile server's text: a line break and terminal escapes,
         * JSON-escaped on the wire, raw again once a client decodes it. */
        answer_error(a, E_INVALID, "/params\x1b]0;title\x07",
                     "one\nFAKE: all good\x1b[2J");
        return;
    case CT_ERRORS:
        n = a->plan.n[SLOT_CONTENT];
        e = xrealloc(NULL, n * sizeof *e);
        for (i = 0; i < n; i++) {
            e[i].kind = E_INVALID;
            e[i].pointer = "/params";
            snprintf(e[i].detail, sizeof e[i].detail,
                     "mock error %lu of %lu", (unsigned long)i + 1,
                     (unsigned long)n);
        }
        answer_errors(a, e, n);
        free(e);
        return;
    case CT_BADJSON:
        a->status = 200;
        sb_puts(b, "{\"data\":{\"id\":\"x\",}");
        return;
    case CT_HUGE:
        a->status = 200;
        huge_body(&a->body, t, a->plan.n[SLOT_CONTENT]);
        return;
    case CT_NORMAL:
    case CT_NULLS:
    case CT_UNKNOWN_STATUS:
        a->status = 200;
        sb_puts(b, "{\"data\":");
        data_object(b, t, ct);
        sb_puts(b, "}");
        return;
    }
}

/* Decides the answer to one complete, well-framed request. */
static void handle(answer *a, const request *r, const char *body)
{
    target_ids t;
    str po, id;
    char why[160];

    memset(&t, 0, sizeof t);
    if (!route(r->target, &po, &id)) {
        answer_error(a, E_NOT_FOUND, NULL, "no such path");
        return;
    }
    if (pct_decode(po.p, po.n, &t.po, &t.po_n) != 0 ||
        pct_decode(id.p, id.n, &t.id, &t.id_n) != 0) {
        answer_error(a, E_MALFORMED, NULL,
                     "path segment has a bad %-escape or is not UTF-8");
        goto done;
    }
    t.id_raw = id.p;
    t.id_raw_n = id.n;
    if (mode_parse(&a->plan, t.id, t.id_n, why, sizeof why) != 0) {
        memset(&a->plan, 0, sizeof a->plan);
        answer_error(a, E_NOT_FOUND, NULL, why);
        goto done;
    }
    if (!ieq(r->method, "POST")) {
        sb_puts(&a->extra, "Allow: POST\r\n");
        answer_error(a, E_METHOD, NULL, "only POST is allowed here");
    } else if (r->n_auth == 0 || !auth_ok(r)) {
        sb_puts(&a->extra, "WWW-Authenticate: Bearer\r\n");
        answer_error(a, E_AUTH, NULL, r->n_auth == 0
                     ? "Authorization header is missing"
                     : "the API key in Authorization is not valid");
    } else if (r->n_ctype == 0 || !json_media_type(r->ctype)) {
        answer_error(a, E_MEDIA, NULL, "Content-Type must be "
                     "application/json");
    } else if (check_body(a, body, r->content_length) == 0) {
        content_answer(a, &t);
    }
done:
    free(t.po);
    free(t.id);
}

/* ======================================================================== */
/* Serving a connection                                                     */
/* ======================================================================== */

static void record(const unsigned char *data, size_t len)
{
    FILE *f;

    if (g_opt.record == NULL)
        return;
    f = fopen(g_opt.record, "ab");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        fprintf(stderr, "mock: cannot append to %s\n", g_opt.record);
}

static void log_line(const request *r, int status, const char *note)
{
    if (r != NULL && r->method.n > 0)
        printf("mock: %.*s %.*s -> ", (int)r->method.n, r->method.p,
               (int)r->target.n, r->target.p);
    else
        printf("mock: - - -> ");
    if (status > 0)
        printf("%d", status);
    else
        printf("-");
    printf("%s\n", note);
    fflush(stdout);
}

/* Reads and throws away input until the client closes or time is up. */
static void stall(conn *c)
{
    unsigned char junk[1024];

    while (conn_read(c, junk, sizeof junk) > 0) {
    }
}

typedef struct inbuf {
    unsigned char *p;
    size_t len, cap;
} inbuf;

/* Reads until `want` bytes are buffered.  1 done, else the conn_read
 * result that stopped it (0 closed, IO_ERR, IO_IDLE). */
static int fill(conn *c, inbuf *in, size_t want)
{
    if (want + 4096 > in->cap) {
        in->cap = want + 4096;
        in->p = xrealloc(in->p, in->cap);
    }
    while (in->len < want) {
        int r = conn_read(c, in->p + in->len, in->cap - in->len);

        if (r <= 0)
            return r;
        in->len += (size_t)r;
    }
    return 1;
}

/* What to do with the connection after one request. */
enum conn_next { NEXT_REQUEST, CLOSE_CLEAN, CLOSE_ABRUPT, SERVER_EXIT };

static enum conn_next read_failed(int rc, const char *where, size_t got)
{
    if (rc == IO_IDLE)
        return SERVER_EXIT;
    if (rc == 0 && got > 0)
        fprintf(stderr, "mock: client closed mid-%s\n", where);
    return CLOSE_ABRUPT;
}

/* Answers a request whose framing is in doubt, and hangs up. */
static enum conn_next framing_error(conn *c, answer *a, const request *r)
{
    int sent;

    a->announce_close = a->close = 1;
    sent = answer_send(c, a);
    log_line(r, a->status, "");
    answer_free(a);
    g_count++;
    return sent == 0 ? CLOSE_CLEAN : CLOSE_ABRUPT;
}

/* One request from `in`: reads it whole, answers it. */
static enum conn_next serve_one(conn *c, inbuf *in)
{
    size_t he, need;
    request r;
    answer a;
    ekind kind;
    const char *why;
    int rc, sent, pace;
    char note[64] = "";

    while ((he = head_end(in->p, in->len, HEAD_MAX)) == 0 &&
           in->len < HEAD_MAX) {
        rc = fill(c, in, in->len + 1);
        if (rc != 1)
            return read_failed(rc, "head", in->len);
    }

    memset(&a, 0, sizeof a);
    memset(&r, 0, sizeof r);
    if (he == 0) {
        answer_error(&a, E_HEADERS, NULL, "request head is over 16 KiB");
        return framing_error(c, &a, NULL);
    }
    if (parse_head(&r, (const char *)in->p, he, &kind, &why) != 0) {
        record(in->p, he);
        answer_error(&a, kind, NULL, why);
        return framing_error(c, &a, &r);
    }

    need = he + r.content_length;
    if (in->len < need && ieq(r.expect, "100-continue")) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

        if (conn_write(c, cont, sizeof cont - 1) != 0)
            return g_idle_expired ? SERVER_EXIT : CLOSE_ABRUPT;
    }
    rc = fill(c, in, need);
    if (rc != 1)
        return read_failed(rc, "body", 1);
    record(in->p, need);
    handle(&a, &r, (const char *)in->p + he);
    g_count++;

    pace = a.plan.value[SLOT_PACING];
    if (pace == PACE_STALL) {
        log_line(&r, 0, " (stall)");
        answer_free(&a);
        stall(c);
        return g_idle_expired ? SERVER_EXIT : CLOSE_ABRUPT;
    }

    a.close = r.close || a.plan.value[SLOT_CLOSE] ||
              a.plan.value[SLOT_FRAMING] == FR_EOF ||
              a.plan.value[SLOT_FRAMING] == FR_TRUNCATED ||
              pace == PACE_RESET ||
              (g_opt.max_requests && g_count >= g_opt.max_requests);
    /* reset-N sends the bytes of the ordinary answer, which does not say
     * it will close */
    a.announce_close = a.close && pace != PACE_RESET;
    sent = answer_send(c, &a);
    if (pace == PACE_RESET)
        snprintf(note, sizeof note, " (reset after %lu bytes)",
                 a.plan.n[SLOT_PACING]);
    else if (sent < 0)
        snprintf(note, sizeof note, " (client went away)");
    else if (sent > 0)
        snprintf(note, sizeof note, " (slow answer cut)");
    log_line(&r, a.status, note);
    answer_free(&a);

    memmove(in->p, in->p + need, in->len - need);
    in->len -= need;
    if (g_idle_expired)
        return SERVER_EXIT;
    if (sent != 0 || pace == PACE_RESET)
        return CLOSE_ABRUPT;
    return a.close ? CLOSE_CLEAN : NEXT_REQUEST;
}

/* Serves requests on c until it closes, then closes it.  Returns 1 if the
 * server is to exit (idle time up or --max-requests reached). */
static int serve_conn(conn *c)
{
    inbuf in = { NULL, 0, 0 };
    enum conn_next next;

    in.cap = HEAD_MAX + 4096;
    in.p = xrealloc(NULL, in.cap);
    do
        next = serve_one(c, &in);
    while (next == NEXT_REQUEST);
    free(in.p);
    conn_close(c, next == CLOSE_CLEAN);
    return next == SERVER_EXIT ||
           (g_opt.max_requests && g_count >= g_opt.max_requests);
}

/* ======================================================================== */
/* Listening                                                                */
/* ======================================================================== */

static void write_port_file(unsigned port)
{
    char tmp[4096];
    FILE *f;

    if (g_opt.port_file == NULL)
        return;
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", g_opt.port_file, (long)getpid());
    f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 ||
        rename(tmp, g_opt.port_file) != 0) {
        fprintf(stderr, "mock: cannot write %s\n", g_opt.port_file);
        exit(2);
    }
}

/* Binds the loopback address asked for; refuses any other address, so
 * the mock can never be reached from off this machine. */
static int listen_socket(unsigned *port)
{
    struct addrinfo hints, *ai = NULL;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char ports[8];
    int fd, one = 1, loopback;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    snprintf(ports, sizeof ports, "%u", g_opt.port);
    if (getaddrinfo(g_opt.bind, ports, &hints, &ai) != 0 || ai == NULL) {
        fprintf(stderr, "mock: --bind wants an IP address, not '%s'\n",
                g_opt.bind);
        exit(2);
    }
    if (ai->ai_family == AF_INET)
        loopback = ntohl(((struct sockaddr_in *)(void *)ai->ai_addr)
                         ->sin_addr.s_addr) >> 24 == 127;
    else
        loopback = ai->ai_family == AF_INET6 &&
                   IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)
                                          (void *)ai->ai_addr)->sin6_addr);
    if (!loopback) {
        fprintf(stderr, "mock: %s is not a loopback address\n", g_opt.bind);
        exit(2);
    }
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (ai->ai_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        fprintf(stderr, "mock: cannot listen on %s port %u: %s\n",
                g_opt.bind, g_opt.port, strerror(errno));
        exit(2);
    }
    freeaddrinfo(ai);
    *port = ntohs(ss.ss_family == AF_INET
                  ? ((struct sockaddr_in *)(void *)&ss)->sin_port
                  : ((struct sockaddr_in6 *)(void *)&ss)->sin6_port);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

int main(int argc, char **argv)
{
    unsigned port;
    int lfd, done = 0;

    parse_options(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    g_seed = (unsigned long long)time(NULL) * 1000003ULL ^
             (unsigned long long)getpid();
    if (!g_opt.plain)
        tls_setup();
    lfd = listen_socket(&port);
    write_port_file(port);
    fprintf(stderr, "mock: listening on %s port %u (%s)\n", g_opt.bind, port,
            g_opt.plain ? "plain HTTP" : "TLS");
    touch();

    while (!done) {
        conn c;
        int fd, one = 1, w = wait_fd(lfd, POLLIN);

        if (w <= 0)
            break;
        fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;   /* EAGAIN, or a client gone before accept */
        touch();
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        /* small writes (bytewise, slow) must leave at once, not coalesce */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (conn_start(&c, fd) != 0)
            continue;
        done = serve_conn(&c);
    }
    if (g_idle_expired)
        fprintf(stderr, "mock: idle for %ld ms, exiting\n", g_opt.idle_ms);
    else if (done)
        fprintf(stderr, "mock: served %lu requests, exiting\n", g_count);
    close(lfd);
    if (!g_opt.plain)
        tls_teardown();
    return g_idle_expired || done ? 0 : 1;
}

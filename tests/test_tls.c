/* test_tls.c - the TLS layer against the mock server over loopback, and
 * the ClientHello through the mem port: the version negotiated, session
 * resumption, refused certificates (library and CLI, exit 3, exact words),
 * servers below TLS 1.2, the insecure mode, and the CA's PEM length.
 * Passes against mbedTLS 2.28 and 3.6 (make test, make test-mbedtls3);
 * where the two differ the expected value is chosen by the build's
 * mbedTLS.  Run from the top of the tree. */
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_port_posix.h"
#include "tnx_port_mem.h"
#include "tnx_test.h"
#include "tnx_e2e.h"

#define KEY "tls-key-3c1d"

/* TLS 1.3 is negotiated when this mbedTLS has it, for the mock is built
 * with the same one. */
#if MBEDTLS_VERSION_NUMBER >= 0x03020000 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
#define BEST "TLSv1.3"
#else
#define BEST "TLSv1.2"
#endif

typedef struct client {
    tnx_posix sock;
    tnx_port port;
    tnx_client c;
    tnx_action_requirement ar;
    tnx_error err;
    char url[96];
} client;

static client K;

/* A client of mock m trusting tests/certs/ca.pem, logging to e2e_log. */
static tnx_status open_client(const e2e_mock *m, int no_resumption)
{
    static char ca[4096];
    tnx_config cfg = tnx_config_default();
    size_t n;
    n = e2e_read("tests/certs/ca.pem", ca, sizeof ca);
    snprintf(K.url, sizeof K.url, "https://localhost:%u/v2", m->port);
    tnx_posix_port(&K.port, &K.sock);
    cfg.base_url = K.url;
    cfg.api_key = KEY;
    cfg.ca = (const unsigned char *)ca;
    cfg.ca_len = n + 1;
    cfg.port = &K.port;
    cfg.timeout_ms = 10000;
    cfg.log = e2e_log;
    cfg.log_level = TNX_LOG_DEBUG;
    cfg.tls_no_resumption = no_resumption;
    e2e_log_clear();
    return tnx_client_init(&K.c, &cfg, &K.err);
}

static tnx_status call(const char *id)
{
    tnx_params p = { "John", "Doe" };
    return tnx_initiate(&K.c, "PO1", id, &p, &K.ar, &K.err);
}

/* The "tls ..." log lines so far, joined by '|'. */
static const char *tls_lines(void)
{
    static char out[512];
    const char *p = e2e_log_buf;
    size_t n = 0;
    out[0] = 0;
    while ((p = strstr(p, "] tls ")) != NULL) {
        const char *end = strchr(p, '\n');
        size_t k = end ? (size_t)(end - p - 2) : strlen(p + 2);
        if (n + k + 2 > sizeof out) break;
        if (n) out[n++] = '|';
        memcpy(out + n, p + 2, k);
        n += k;
        out[n] = 0;
        p += 2;
    }
    return out;
}

/* "tls TLSv1.3, full handshake, 4 ms" -> "tls TLSv1.3, full handshake"
 * for each line: the times vary. */
static const char *tls_kinds(void)
{
    static char out[512];
    const char *in = tls_lines();
    size_t n = 0;
    while (*in && n + 1 < sizeof out) {
        const char *bar = strchr(in, '|');
        const char *end = bar ? bar : in + strlen(in);
        const char *comma = end;
        while (comma > in && *comma != ',') comma--;
        if (n) out[n++] = '|';
        while (in < comma && n + 1 < sizeof out) out[n++] = *in++;
        in = bar ? bar + 1 : end;
    }
    out[n] = 0;
    return out;
}

TEST(tls13_is_negotiated_when_both_ends_allow_it)
{
    static const char *const max12[] = { "--tls-max", "1.2", NULL };
    e2e_mock m;
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    CHECK_INT(open_client(&m, 0), TNX_OK);
    CHECK_INT(call("AR1"), TNX_OK);
    CHECK_STR(K.ar.id, "AR1");
    CHECK_STR(tls_kinds(), "tls " BEST ", full handshake");
    tnx_client_free(&K.c);
    e2e_mock_stop(&m);

    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, max12));
    CHECK_INT(open_client(&m, 0), TNX_OK);
    CHECK_INT(call("AR1"), TNX_OK);
    CHECK_STR(tls_kinds(), "tls TLSv1.2, full handshake");
    tnx_client_free(&K.c);
    e2e_mock_stop(&m);
}

/* Three calls, each on a new connection (the mock closes after each
 * answer): the first handshake is full, the next two resume or not. */
static void three_connections(const char *const *mock_opts, int no_resumption,
                              const char *want_kinds, int want_saved)
{
    e2e_mock m;
    int i;
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, mock_opts));
    CHECK_INT(open_client(&m, no_resumption), TNX_OK);
    for (i = 0; i < 3; i++) {
        CHECK_INT(call("mock-close"), TNX_OK);
        CHECK_STR(K.ar.id, "mock-close");
        CHECK_INT(K.c.connected, 0);
    }
    CHECK_STR(tls_kinds(), want_kinds);
    CHECK_INT(K.c.session_saved, want_saved);
    tnx_client_free(&K.c);
    CHECK_INT(K.c.session_saved, 0);
    e2e_mock_stop(&m);
}

#define FULL(v) "tls " v ", full handshake"
#define RESUMED(v) "tls " v ", resumed"

TEST(reconnections_resume_the_session_by_ticket_or_id)
{
    static const char *const tickets12[] = { "--tls-max", "1.2", "--resume",
                                             "tickets", NULL };
    static const char *const ids12[] = { "--tls-max", "1.2", "--resume",
                                         "ids", NULL };
    static const char *const tickets[] = { "--resume", "tickets", NULL };
    /* The mock's default: a session cache and tickets. */
    three_connections(NULL, 0, FULL(BEST) "|" RESUMED(BEST) "|"
                      RESUMED(BEST), 1);
    three_connections(tickets12, 0, FULL("TLSv1.2") "|" RESUMED("TLSv1.2")
                      "|" RESUMED("TLSv1.2"), 1);
    three_connections(ids12, 0, FULL("TLSv1.2") "|" RESUMED("TLSv1.2") "|"
                      RESUMED("TLSv1.2"), 1);
    three_connections(tickets, 0, FULL(BEST) "|" RESUMED(BEST) "|"
                      RESUMED(BEST), 1);
}

TEST(no_resumption_without_the_server_or_when_switched_off)
{
    static const char *const none[] = { "--resume", "none", NULL };
    static const char *const ids[] = { "--resume", "ids", NULL };
    three_connections(none, 0, FULL(BEST) "|" FULL(BEST) "|" FULL(BEST),
                      /* TLS 1.2 keeps a session id the server forgot */
                      !strcmp(BEST, "TLSv1.2"));
    three_connections(NULL, 1, FULL(BEST) "|" FULL(BEST) "|" FULL(BEST), 0);
    /* TLS 1.3 resumes by ticket only. */
    if (!strcmp(BEST, "TLSv1.3"))
        three_connections(ids, 0, FULL(BEST) "|" FULL(BEST) "|" FULL(BEST),
                          0);
    else
        three_connections(ids, 0, FULL(BEST) "|" RESUMED(BEST) "|"
                          RESUMED(BEST), 1);
}

/* A server that restarts with new ticket keys and a bad certificate on
 * the same port: the old session buys nothing, the certificate is checked
 * and refused. */
TEST(a_session_never_skips_checking_a_new_server)
{
    char port[8];
    const char *same_port[3];
    e2e_mock m;
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    CHECK_INT(open_client(&m, 0), TNX_OK);
    CHECK_INT(call("mock-close"), TNX_OK);
    CHECK_INT(K.c.session_saved, 1);
    e2e_mock_stop(&m);
    snprintf(port, sizeof port, "%u", m.port);
    same_port[0] = "--port";
    same_port[1] = port;
    same_port[2] = NULL;
    CHECK(e2e_mock_start(&m, NULL, "expired", KEY, same_port));
    CHECK_INT(call("AR1"), TNX_E_CERT);
    CHECK_STR(tnx_cert_problem(K.err.cert_flags), "certificate has expired");
    CHECK_INT(K.c.session_saved, 0);
    tnx_client_free(&K.c);
    e2e_mock_stop(&m);
    CHECK_STR(e2e_slurp(m.record, NULL), "");
}

/* ---- The ClientHello, read from the mem port ---- */

typedef struct hello {
    unsigned version;          /* legacy_version */
    int has_mfl, has_ticket;   /* max_fragment_length, session_ticket */
    char sni[64];
    unsigned versions[8];      /* supported_versions */
    size_t n_versions;
} hello;

static unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

/* Parses a ClientHello record; 0 when it is not one. */
static int parse_hello(const uint8_t *b, size_t n, hello *h)
{
    size_t i, end;
    memset(h, 0, sizeof *h);
    if (n < 5 + 4 + 2 + 32 + 1 || b[0] != 22 || b[5] != 1) return 0;
    h->version = be16(b + 9);
    i = 9 + 2 + 32;
    i += 1 + b[i];                         /* session id */
    if (i + 2 > n) return 0;
    i += 2 + be16(b + i);                  /* cipher suites */
    if (i + 1 > n) return 0;
    i += 1 + b[i];                         /* compression methods */
    if (i + 2 > n) return 0;
    end = i + 2 + be16(b + i);
    if (end > n) return 0;
    for (i += 2; i + 4 <= end; i += 4 + be16(b + i + 2)) {
        unsigned type = be16(b + i), len = be16(b + i + 2);
        const uint8_t *d = b + i + 4;
        if (type == 1) h->has_mfl = 1;
        if (type == 35) h->has_ticket = 1;
        if (type == 0 && len >= 5 && d[2] == 0 && be16(d + 3) < sizeof h->sni)
            memcpy(h->sni, d + 5, be16(d + 3));
        if (type == 43) {
            size_t k;
            for (k = 0; k + 1 < d[0] && h->n_versions < 8; k += 2)
                h->versions[h->n_versions++] = be16(d + 1 + k);
        }
    }
    return 1;
}

/* The client's first flight, to a peer that resets the connection. */
static int client_hello(int no_resumption, hello *h)
{
    static const tnx_mem_step reset[] = { TNX_MEM_ERROR };
    static uint8_t sent[4096];
    tnx_config cfg = tnx_config_default();
    tnx_mem mem;
    tnx_port port;
    tnx_error e;
    static tnx_client c;
    static size_t ca_len;
    char *pem = e2e_slurp("tests/certs/ca.pem", &ca_len);
    tnx_params p = { "J", "D" };
    tnx_action_requirement ar;
    int ok;
    tnx_mem_port(&port, &mem);
    tnx_mem_script(&mem, reset, 1);
    mem.sent = sent;
    mem.sent_cap = sizeof sent;
    mem.tick = 1;
    cfg.base_url = "https://localhost/v2";
    cfg.api_key = KEY;
    cfg.ca = (const unsigned char *)pem;
    cfg.ca_len = ca_len + 1;
    cfg.port = &port;
    cfg.tls_no_resumption = no_resumption;
    cfg.max_attempts = 1; /* one ClientHello: no retry after the reset */
    if (tnx_client_init(&c, &cfg, &e) != TNX_OK) return 0;
    CHECK_INT(tnx_initiate(&c, "PO", "AR", &p, &ar, &e), TNX_E_IO);
    CHECK_STR(e.where, "tls handshake");
    ok = parse_hello(sent, mem.sent_len, h);
    tnx_client_free(&c);
    return ok;
}

TEST(client_hello_names_the_host_and_has_no_max_fragment_length)
{
    hello h;
    CHECK(client_hello(0, &h));
    CHECK_INT(h.version, 0x0303);
    CHECK_STR(h.sni, "localhost");
    CHECK_INT(h.has_mfl, 0);
    CHECK_INT(h.has_ticket, 1);
    if (!strcmp(BEST, "TLSv1.3")) {
        /* 1.3 and 1.2, nothing older */
        CHECK_INT(h.n_versions, 2);
        CHECK_INT(h.versions[0], 0x0304);
        CHECK_INT(h.versions[1], 0x0303);
    } else {
        CHECK_INT(h.n_versions, 0);
    }
    CHECK(client_hello(1, &h));
    CHECK_INT(h.has_ticket, 0);
    CHECK_INT(h.has_mfl, 0);
}

/* ---- Refusals ---- */

/* The CLI against a mock; returns its exit status. */
static int cli_against(const e2e_mock *m, const char *ca_file,
                       const char *extra)
{
    char url[64];
    const char *args[16];
    int n = 0;
    snprintf(url, sizeof url, "https://localhost:%u/v2", m->port);
    args[n++] = "--base-url";
    args[n++] = url;
    if (ca_file) {
        args[n++] = "--ca-file";
        args[n++] = ca_file;
    }
    args[n++] = "--porting-order-id";
    args[n++] = "PO1";
    args[n++] = "--id";
    args[n++] = "AR1";
    args[n++] = "--first-name";
    args[n++] = "J";
    args[n++] = "--last-name";
    args[n++] = "D";
    if (extra) args[n++] = extra;
    args[n] = NULL;
    return e2e_cli(KEY, args);
}

TEST(each_bad_certificate_is_refused_by_the_cli_with_exit_3)
{
    const e2e_bad_cert *cases = e2e_bad_certs;
    size_t i;
    for (i = 0; i < E2E_BAD_CERTS; i++) {
        char want[200];
        e2e_mock m;
        CHECK(e2e_mock_start(&m, NULL, cases[i].cert, KEY, NULL));
        CHECK_INT(cli_against(&m, cases[i].ca, NULL), 3);
        snprintf(want, sizeof want, "initiate: TLS: server certificate was "
                 "refused: %s\n", cases[i].words);
        CHECK_STR(e2e_err(), want);
        CHECK_STR(e2e_out(), "");
        e2e_mock_stop(&m);
        CHECK_STR(e2e_slurp(m.record, NULL), "");   /* nothing was sent */
    }
}

TEST(the_refusal_is_logged_with_its_reason)
{
    e2e_mock m;
    CHECK(e2e_mock_start(&m, NULL, "wronghost", KEY, NULL));
    CHECK_INT(open_client(&m, 0), TNX_OK);
    CHECK_INT(call("AR1"), TNX_E_CERT);
    CHECK(strstr(e2e_log_buf, "[1] tls certificate refused: certificate "
                 "does not name this host\n") != NULL);
    CHECK_INT(K.c.connected, 0);
    tnx_client_free(&K.c);
    e2e_mock_stop(&m);
}

/* mbedTLS 3 cannot serve TLS 1.0 or 1.1 at all, so the 3.6 run is handed
 * the 2.28 mock in TNX_MOCK_OLD_TLS (make test-mbedtls3 does). */
TEST(servers_below_tls_1_2_are_refused)
{
    static const char *const versions[] = { "1.1", "1.0" };
    const char *mock = getenv("TNX_MOCK_OLD_TLS");
    size_t i;
    for (i = 0; i < 2; i++) {
        const char *opts[] = { "--tls-max", versions[i], NULL };
        e2e_mock m;
        if (!e2e_mock_start(&m, mock, NULL, KEY, opts)) {
            TT_REPORT(0, "the mock cannot serve TLS %s: set TNX_MOCK_OLD_TLS"
                      " to a mock built with mbedTLS 2", versions[i]);
            continue;
        }
        CHECK_INT(open_client(&m, 0), TNX_OK);
        CHECK_INT(call("AR1"), TNX_E_TLS);
        CHECK_STR(K.err.where, "server offers no TLS 1.2 or newer");
        CHECK_INT(K.err.lib_code, -0x6E80);
        tnx_client_free(&K.c);
        CHECK_INT(cli_against(&m, "tests/certs/ca.pem", NULL), 3);
        CHECK_STR(e2e_err(), "initiate: TLS handshake or record layer failed "
                  "(server offers no TLS 1.2 or newer) [mbedTLS -0x6e80]\n");
        e2e_mock_stop(&m);
        CHECK_STR(e2e_slurp(m.record, NULL), "");
    }
}

/* ---- Verification cannot be switched off by accident ---- */

TEST(verification_is_on_unless_asked_off_by_name)
{
    tnx_config cfg = tnx_config_default();
    tnx_posix sock;
    tnx_port port;
    tnx_error e;
    static tnx_client c;
    CHECK_INT(cfg.insecure_skip_tls_verify, 0);
    tnx_posix_port(&port, &sock);
    cfg.base_url = "https://localhost:1/v2";
    cfg.api_key = KEY;
    cfg.port = &port;
    /* No CA: refused, not "trust anything". */
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_E_CA);
    CHECK_STR(e.where, "no CA configured");
    /* Only 1 switches it off: stray memory does not. */
    cfg.insecure_skip_tls_verify = 2;
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_E_ARG);
    CHECK_STR(e.where, "insecure_skip_tls_verify");
    cfg.insecure_skip_tls_verify = -1;
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_E_ARG);
    cfg.insecure_skip_tls_verify = 1;
    cfg.log = e2e_log;
    cfg.log_level = TNX_LOG_WARN;
    e2e_log_clear();
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_OK);
    CHECK_STR(e2e_log_buf, "[2] TLS verification is OFF: anyone on the path "
              "can read the API key\n");
    tnx_client_free(&c);
}

TEST(insecure_cli_warns_on_every_run)
{
    static const char warning[] = "initiate: WARNING: TLS certificate "
        "verification is OFF; anyone on the path can read the API key\n";
    e2e_mock m;
    int run;
    CHECK(e2e_mock_start(&m, NULL, "selfsigned", KEY, NULL));
    for (run = 0; run < 2; run++) {
        CHECK_INT(cli_against(&m, NULL, "--insecure-skip-tls-verify"), 0);
        CHECK_STR(e2e_err(), warning);
        CHECK(strncmp(e2e_out(), "{\"id\":\"AR1\",", 12) == 0);
    }
    /* Without the flag the same server is refused. */
    CHECK_INT(cli_against(&m, "tests/certs/ca.pem", NULL), 3);
    e2e_mock_stop(&m);
}

/* ---- The CA's length ---- */

TEST(pem_ca_length_must_count_the_final_nul)
{
    static char pem[4096];
    static uint8_t der[2048];
    tnx_config cfg = tnx_config_default();
    tnx_posix sock;
    tnx_port port;
    tnx_error e;
    static tnx_client c;
    size_t pem_len, der_len;
    e2e_mock m;
    pem_len = e2e_read("tests/certs/ca.pem", pem, sizeof pem);
    der_len = e2e_read("tests/certs/ca.der", (char *)der, sizeof der);
    CHECK(der_len > 100 && der_len < sizeof der);
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    tnx_posix_port(&port, &sock);
    snprintf(K.url, sizeof K.url, "https://localhost:%u/v2", m.port);
    cfg.base_url = K.url;
    cfg.api_key = KEY;
    cfg.port = &port;
    cfg.ca = (const unsigned char *)pem;
    cfg.ca_len = pem_len;           /* the NUL left out */
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_E_CA);
    CHECK_STR(e.where, "ca_len must count the PEM's final NUL");
    CHECK_INT(e.lib_code, 0);
    cfg.ca_len = pem_len + 1;
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_OK);
    tnx_client_free(&c);
    /* DER has no NUL to count: its exact length. */
    cfg.ca = der;
    cfg.ca_len = der_len;
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_OK);
    {
        tnx_params p = { "J", "D" };
        tnx_action_requirement ar;
        CHECK_INT(tnx_initiate(&c, "PO", "AR", &p, &ar, &e), TNX_OK);
        CHECK_STR(ar.id, "AR");
    }
    tnx_client_free(&c);
    e2e_mock_stop(&m);
}

int main(int argc, char **argv)
{
    if (!e2e_init(argc, argv)) return 1;
    RUN(tls13_is_negotiated_when_both_ends_allow_it);
    RUN(reconnections_resume_the_session_by_ticket_or_id);
    RUN(no_resumption_without_the_server_or_when_switched_off);
    RUN(a_session_never_skips_checking_a_new_server);
    RUN(client_hello_names_the_host_and_has_no_max_fragment_length);
    RUN(each_bad_certificate_is_refused_by_the_cli_with_exit_3);
    RUN(the_refusal_is_logged_with_its_reason);
    RUN(servers_below_tls_1_2_are_refused);
    RUN(verification_is_on_unless_asked_off_by_name);
    RUN(insecure_cli_warns_on_every_run);
    RUN(pem_ca_length_must_count_the_final_nul);
    e2e_cleanup();
    return tt_summary();
}

/* bench_tls.c - what the client's TLS handshake costs, full or resumed.
 *
 *   bench_tls full|resumed N [MOCK-OPTION...]
 *
 * Starts the mock built next to it (session cache and tickets on) and
 * makes N calls on one client; the mock closes after each answer, so each
 * call connects again.  The span measured is from the "connect" log line
 * to the "tls" one: TCP connect plus TLS handshake.  The first call is
 * left out (in "resumed" mode it has no session to offer yet); every other
 * handshake must be of the kind asked for, or the bench fails.
 *
 * Prints one line: "MODE N-1 median_us mean_us MBEDTLS_VERSION TLS_VERSION".
 * MOCK-OPTIONs (at most 8) go to the mock, e.g. --tls-max 1.2.  Under
 *   valgrind --tool=callgrind --collect-atstart=no
 * only the measured spans are collected, so callgrind's total divided by
 * N-1 is the client's instructions per handshake (the mock runs natively:
 * valgrind does not follow the exec).  Run from the top of the tree. */
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_port_posix.h"
#include "tnx_e2e.h"

#include <valgrind/callgrind.h>

#define KEY "bench-key-1"
#define MAX_CALLS 1000

static struct {
    int measuring, in_span, wrong_kind;
    const char *want;           /* ", resumed," or ", full handshake," */
    char version[16];           /* TLSv1.x, from the "tls" line */
    struct timespec start;
    double us[MAX_CALLS];
    int n;
} B;

static double since_us(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) * 1e6 +
           (double)(b.tv_nsec - a->tv_nsec) / 1e3;
}

static void hook(void *ctx, int level, const char *line)
{
    (void)ctx;
    (void)level;
    if (!strncmp(line, "connect ", 8) && B.measuring) {
        B.in_span = 1;
        CALLGRIND_TOGGLE_COLLECT;
        clock_gettime(CLOCK_MONOTONIC, &B.start);
    } else if (!strncmp(line, "tls ", 4) && B.in_span) {
        double us = since_us(&B.start);
        CALLGRIND_TOGGLE_COLLECT;
        B.in_span = 0;
        if (!strstr(line, B.want)) {
            fprintf(stderr, "bench_tls: not the handshake asked for: %s\n",
                    line);
            B.wrong_kind = 1;
        }
        if (B.n < MAX_CALLS) B.us[B.n++] = us;
        snprintf(B.version, sizeof B.version, "%.*s",
                 (int)strcspn(line + 4, ","), line + 4);
    }
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static char ca[4096], url[64];
    static tnx_client c;
    tnx_config cfg = tnx_config_default();
    tnx_params who = { "John", "Doe" };
    tnx_action_requirement ar;
    tnx_error err;
    tnx_posix sock;
    tnx_port port;
    e2e_mock m;
    double sum = 0;
    int n, i, resumed;

    if (argc < 3 || argc > 11 ||
        (strcmp(argv[1], "full") && strcmp(argv[1], "resumed")) ||
        (n = atoi(argv[2])) < 2 || n > MAX_CALLS) {
        fprintf(stderr, "usage: bench_tls full|resumed N (2..%d) "
                "[MOCK-OPTION...]\n", MAX_CALLS);
        return 2;
    }
    resumed = !strcmp(argv[1], "resumed");
    B.want = resumed ? ", resumed," : ", full handshake,";
    /* argv[argc] is NULL: the mock options are a NULL-ended list. */
    if (!e2e_init(argc, argv) ||
        !e2e_mock_start(&m, NULL, NULL, KEY, (const char *const *)argv + 3)) {
        fprintf(stderr, "bench_tls: the mock did not start\n");
        return 1;
    }
    snprintf(url, sizeof url, "https://localhost:%u/v2", m.port);
    tnx_posix_port(&port, &sock);
    cfg.base_url = url;
    cfg.api_key = KEY;
    cfg.ca_len = e2e_read("tests/certs/ca.pem", ca, sizeof ca) + 1;
    cfg.ca = (const unsigned char *)ca;
    cfg.port = &port;
    cfg.timeout_ms = 60000;      /* valgrind is slow */
    cfg.connect_timeout_ms = 60000;
    cfg.log = hook;
    cfg.log_level = TNX_LOG_INFO;
    cfg.tls_no_resumption = !resumed;
    if (tnx_client_init(&c, &cfg, &err) != TNX_OK) {
        fprintf(stderr, "bench_tls: init: %s\n", tnx_status_text(err.status));
        return 1;
    }
    for (i = 0; i < n; i++) {
        B.measuring = i > 0;
        if (tnx_initiate(&c, "PO", "mock-close", &who, &ar, &err) != TNX_OK) {
            fprintf(stderr, "bench_tls: call %d: %s\n", i,
                    tnx_status_text(err.status));
            break;
        }
    }
    tnx_client_free(&c);
    e2e_mock_stop(&m);
    e2e_cleanup();
    if (i < n || B.wrong_kind || B.n != n - 1) return 1;
    for (i = 0; i < B.n; i++) sum += B.us[i];
    qsort(B.us, (size_t)B.n, sizeof B.us[0], cmp);
    printf("%s %d %.0f %.0f %s %s\n", argv[1], B.n, B.us[B.n / 2],
           sum / B.n, MBEDTLS_VERSION_STRING, B.version);
    return 0;
}

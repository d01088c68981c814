/* bench_initiate.c - the client against the mock Telnyx server over TLS on
 * localhost, for `make bench` (scripts/bench.sh).  Run from the top of the
 * tree: it starts the mock_server built next to it (build/) on a free port
 * and stops it at the end.
 *
 *   bench_initiate once        one client: tnx_client_init, two
 *                              tnx_initiate (the second on the kept
 *                              connection), tnx_client_free (callgrind
 *                              counts the phases by function name)
 *   bench_initiate rate N SEC  up to N calls, at most SEC seconds, on one
 *                              kept-alive connection; then the same with a
 *                              new client (and so a new TLS connection)
 *                              per call; prints calls per second of each
 *
 * Exit status 0 when every call returned TNX_OK. */
#include "telnyx_porting.h"
#include "tnx_port_posix.h"

#include "tnx_e2e.h"

#define KEY "bench-key-5a4b3c"

static e2e_mock mock;
static char ca[8192];
static size_t ca_len;
static char url[128];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Stops the mock, if it runs, and removes the temp dir. */
static void mock_stop(void)
{
    e2e_mock_stop(&mock);
    e2e_cleanup();
}

typedef struct bench_client {
    tnx_posix sock;
    tnx_port port;
    tnx_client client;
    tnx_action_requirement ar;
    tnx_error err;
} bench_client;

static bench_client bc;

static tnx_status client_init(void)
{
    tnx_config cfg = tnx_config_default();
    tnx_posix_port(&bc.port, &bc.sock);
    cfg.base_url = url;
    cfg.api_key = KEY;
    cfg.ca = (const unsigned char *)ca;
    cfg.ca_len = ca_len + 1;
    cfg.port = &bc.port;
    cfg.timeout_ms = 10000;
    return tnx_client_init(&bc.client, &cfg, &bc.err);
}

static tnx_status initiate(void)
{
    static const tnx_params who = { "John", "Doe" };
    tnx_status st = tnx_initiate(&bc.client, "PO-1", "AR-1", &who, &bc.ar,
                                 &bc.err);
    if (st == TNX_OK && strcmp(bc.ar.id, "AR-1") != 0) st = TNX_E_SCHEMA;
    return st;
}

static int fail(const char *what, tnx_status st)
{
    fprintf(stderr, "bench: %s: %s (%s)\n", what, tnx_status_name(st),
            bc.err.where ? bc.err.where : "-");
    return 1;
}

/* Calls per second of up to n calls within sec seconds; *done = calls. */
static int rate(int fresh, long n, double sec, long *done, double *per_s)
{
    double t0 = now_s(), t = t0;
    tnx_status st = TNX_OK;
    long i;
    if (!fresh && (st = client_init()) != TNX_OK) return fail("init", st);
    for (i = 0; i < n && t - t0 < sec; i++) {
        if (fresh && (st = client_init()) != TNX_OK) break;
        st = initiate();
        if (fresh) tnx_client_free(&bc.client);
        if (st != TNX_OK) break;
        t = now_s();
    }
    if (!fresh) tnx_client_free(&bc.client);
    if (st != TNX_OK) return fail(fresh ? "new client" : "kept alive", st);
    *done = i;
    *per_s = (double)i / (t - t0);
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 0;
    tnx_status st;

    if (argc < 2 || (strcmp(argv[1], "once") != 0 &&
                     (strcmp(argv[1], "rate") != 0 || argc != 4))) {
        fprintf(stderr, "usage: %s once | rate N SECONDS\n", argv[0]);
        return 2;
    }
    ca_len = e2e_read("tests/certs/ca.pem", ca, sizeof ca);
    /* The mock exits by itself after 20 s without traffic, should we not
     * stop it. */
    if (!e2e_init(argc, argv) || !e2e_mock_start(&mock, NULL, NULL, KEY,
                                                 NULL)) {
        fprintf(stderr, "bench: the mock did not start\n");
        mock_stop();
        return 1;
    }
    snprintf(url, sizeof url, "https://localhost:%u/v2", mock.port);

    if (strcmp(argv[1], "once") == 0) {
        st = client_init();
        if (st == TNX_OK) st = initiate();
        if (st == TNX_OK) st = initiate();
        tnx_client_free(&bc.client);
        if (st != TNX_OK) rc = fail("initiate", st);
    } else {
        long n = atol(argv[2]), k1 = 0, k2 = 0;
        double sec = atof(argv[3]), r1 = 0, r2 = 0;
        rc = rate(0, n, sec, &k1, &r1);
        if (rc == 0) rc = rate(1, n, sec, &k2, &r2);
        if (rc == 0) {
            printf("bench: one kept-alive connection: %ld calls, %.0f/s\n",
                   k1, r1);
            printf("bench: a new client per call:     %ld calls, %.0f/s\n",
                   k2, r2);
            printf("bench: keep-alive is %.1f times as fast\n", r1 / r2);
        }
    }
    mock_stop();
    return rc;
}

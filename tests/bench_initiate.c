/* bench_initiate.c - the client against the mock Telnyx server over TLS on
 * localhost, for `make bench` (scripts/bench.sh).  Run from the top of the
 * tree: it starts build/mock_server on a free port and stops it at the end.
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

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEY "bench-key-5a4b3c"

static char tmpdir[] = "/tmp/tnx-bench-XXXXXX";
static char portfile[256];
static pid_t mock_pid;
static char ca[8192];
static size_t ca_len;
static char url[128];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

/* Reads at most cap-1 bytes of path; returns the count. */
static size_t slurp(const char *path, char *buf, size_t cap)
{
    size_t n = 0;
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        ssize_t r;
        while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0)
            n += (size_t)r;
        close(fd);
    }
    buf[n] = 0;
    return n;
}

/* Starts the mock on a free port; waits 5 s at most for its port file.
 * It exits by itself after 20 s without traffic, should we not stop it. */
static unsigned mock_start(void)
{
    char text[32];
    int i;
    snprintf(portfile, sizeof portfile, "%s/port", tmpdir);
    mock_pid = fork();
    if (mock_pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl("build/mock_server", "mock_server", "--port", "0",
              "--port-file", portfile, "--api-key", KEY, "--cert",
              "tests/certs/server.pem", "--key", "tests/certs/server.key",
              "--idle-timeout-ms", "20000", (char *)NULL);
        _exit(127);
    }
    for (i = 0; i < 500; i++) {
        size_t n = slurp(portfile, text, sizeof text);
        if (n > 0 && text[n - 1] == '\n') return (unsigned)atoi(text);
        sleep_ms(10);
    }
    return 0;
}

static void mock_stop(void)
{
    int st;
    if (mock_pid <= 0) return;
    kill(mock_pid, SIGTERM);
    waitpid(mock_pid, &st, 0);
    mock_pid = 0;
    unlink(portfile);
    rmdir(tmpdir);
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
    unsigned port;
    int rc = 0;
    tnx_status st;

    if (argc < 2 || (strcmp(argv[1], "once") != 0 &&
                     (strcmp(argv[1], "rate") != 0 || argc != 4))) {
        fprintf(stderr, "usage: %s once | rate N SECONDS\n", argv[0]);
        return 2;
    }
    ca_len = slurp("tests/certs/ca.pem", ca, sizeof ca);
    if (!mkdtemp(tmpdir) || (port = mock_start()) == 0) {
        fprintf(stderr, "bench: the mock did not start\n");
        mock_stop();
        return 1;
    }
    snprintf(url, sizeof url, "https://localhost:%u/v2", port);

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

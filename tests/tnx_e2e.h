/* tnx_e2e.h - helpers for tests that run the mock server and the CLI as
 * child processes: start and stop the mock, run build/initiate with its
 * output captured, read files, keep log lines.  For programs built with
 * _POSIX_C_SOURCE=200809L and run from the top of the tree.
 *
 * The mock and the CLI are taken from the directory the test binary was
 * built into (argv[0]'s), so build/mbedtls3/test_x runs the 3.6 ones. */
#ifndef TNX_E2E_H
#define TNX_E2E_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char e2e_tmp[] = "/tmp/tnx-e2e-XXXXXX";
static char e2e_bin[200] = "build";

typedef struct e2e_mock {
    pid_t pid;
    unsigned port;
    char record[256];   /* the raw bytes of every request (--record) */
    char log[256];      /* its stdout: a line per request, "-> status" */
} e2e_mock;

/* Each certificate the client must refuse: the mock serves tests/certs/
 * CERT.pem, the client trusts CA, and tnx_cert_problem gives WORDS. */
typedef struct e2e_bad_cert { const char *cert, *ca, *words; } e2e_bad_cert;
#define E2E_BAD_CERTS 5
static const e2e_bad_cert e2e_bad_certs[E2E_BAD_CERTS] = {
    { "expired", "tests/certs/ca.pem", "certificate has expired" },
    { "wronghost", "tests/certs/ca.pem",
      "certificate does not name this host" },
    { "selfsigned", "tests/certs/ca.pem",
      "certificate is self-signed, not from a trusted CA" },
    { "untrusted", "tests/certs/ca.pem",
      "certificate is not signed by a trusted CA" },
    { "server", "tests/certs/other-ca.pem",
      "certificate is not signed by a trusted CA" },
};

static inline void e2e_sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

/* tmp/name into out. */
static inline const char *e2e_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", e2e_tmp, name);
    return out;
}

/* The file at path into buf (at most cap - 1 bytes), NUL-terminated;
 * returns the length, 0 for a missing file. */
static inline size_t e2e_read(const char *path, char *buf, size_t cap)
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

/* The whole file in a static buffer (64 KiB at most), overwritten by the
 * next call. */
static inline char *e2e_slurp(const char *path, size_t *len)
{
    static char buf[1 << 16];
    size_t n = e2e_read(path, buf, sizeof buf);
    if (len) *len = n;
    return buf;
}

/* Starts `mock` (NULL: the mock built next to this test) serving cert
 * tests/certs/NAME.pem (NULL: server), accepting `key`, recording requests,
 * with up to 8 more options from `extra` (NULL-terminated, or NULL; a
 * repeated option overrides).  Its stdout goes to tmp/mock.log, emptied
 * here, and its stderr to tmp/mock.err (kept across runs, for failures).
 * Waits for the port file, 5 s at most; returns 1 when it listens. */
static inline int e2e_mock_start(e2e_mock *m, const char *mock,
                                 const char *cert, const char *key,
                                 const char *const *extra)
{
    char portfile[256], certp[128], keyp[128], bin[256], errp[256];
    const char *argv[32];
    int i, n = 0;
    memset(m, 0, sizeof *m);
    e2e_path(portfile, sizeof portfile, "port");
    e2e_path(m->record, sizeof m->record, "record");
    e2e_path(m->log, sizeof m->log, "mock.log");
    unlink(portfile);
    unlink(m->record);
    snprintf(certp, sizeof certp, "tests/certs/%s.pem", cert ? cert : "server");
    snprintf(keyp, sizeof keyp, "tests/certs/%s.key", cert ? cert : "server");
    snprintf(bin, sizeof bin, "%s/mock_server", e2e_bin);
    argv[n++] = mock ? mock : bin;
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--port-file";
    argv[n++] = portfile;
    argv[n++] = "--api-key";
    argv[n++] = key;
    argv[n++] = "--record";
    argv[n++] = m->record;
    argv[n++] = "--cert";
    argv[n++] = certp;
    argv[n++] = "--key";
    argv[n++] = keyp;
    argv[n++] = "--idle-timeout-ms";
    argv[n++] = "20000";
    for (i = 0; extra && extra[i] && i < 8; i++) argv[n++] = extra[i];
    argv[n] = NULL;
    e2e_path(errp, sizeof errp, "mock.err");
    m->pid = fork();
    if (m->pid == 0) {
        int o = open(m->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
        int e = open(errp, O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(o, 1);
        dup2(e, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (i = 0; i < 500; i++) {
        size_t len;
        char *t = e2e_slurp(portfile, &len);
        int st;
        if (len > 0 && t[len - 1] == '\n') {
            m->port = (unsigned)atoi(t);
            return m->port > 0;
        }
        if (waitpid(m->pid, &st, WNOHANG) == m->pid) {
            m->pid = 0;     /* it refused its options */
            return 0;
        }
        e2e_sleep_ms(10);
    }
    return 0;
}

static inline void e2e_mock_stop(e2e_mock *m)
{
    int st;
    if (m->pid <= 0) return;
    kill(m->pid, SIGTERM);
    waitpid(m->pid, &st, 0);
    m->pid = 0;
}

/* Runs the CLI with TELNYX_API_KEY = key_env (NULL: unset) and `args`;
 * returns its exit status; stdout and stderr land in tmp/out, tmp/err. */
static inline int e2e_cli(const char *key_env, const char *const *args)
{
    const char *argv[40];
    char out[256], errp[256], bin[256];
    pid_t pid;
    int st, i = 0, n = 0;
    snprintf(bin, sizeof bin, "%s/initiate", e2e_bin);
    argv[n++] = bin;
    while (args[i] && n < 38) argv[n++] = args[i++];
    argv[n] = NULL;
    e2e_path(out, sizeof out, "out");
    e2e_path(errp, sizeof errp, "err");
    pid = fork();
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(o, 1);
        dup2(e, 2);
        if (key_env) setenv("TELNYX_API_KEY", key_env, 1);
        else unsetenv("TELNYX_API_KEY");
        unsetenv("TELNYX_BASE_URL");
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Copies of the CLI's last stdout and stderr. */
static char e2e_out_buf[8192], e2e_err_buf[8192];
static inline const char *e2e_out(void)
{
    char p[256];
    e2e_read(e2e_path(p, sizeof p, "out"), e2e_out_buf, sizeof e2e_out_buf);
    return e2e_out_buf;
}

static inline const char *e2e_err(void)
{
    char p[256];
    e2e_read(e2e_path(p, sizeof p, "err"), e2e_err_buf, sizeof e2e_err_buf);
    return e2e_err_buf;
}

/* A log hook that keeps every line the library logs, "[level] line\n"
 * each, in order; e2e_log_clear() empties it. */
static char e2e_log_buf[1 << 15];
static size_t e2e_log_len;

static inline void e2e_log(void *ctx, int level, const char *line)
{
    int n;
    (void)ctx;
    n = snprintf(e2e_log_buf + e2e_log_len,
                 sizeof e2e_log_buf - e2e_log_len, "[%d] %s\n", level, line);
    if (n > 0 && (size_t)n < sizeof e2e_log_buf - e2e_log_len)
        e2e_log_len += (size_t)n;
}

static inline void e2e_log_clear(void)
{
    e2e_log_len = 0;
    e2e_log_buf[0] = 0;
}

/* Sets the binary directory from argv[0] and makes the temp dir. */
static inline int e2e_init(int argc, char **argv)
{
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    if (slash && (size_t)(slash - argv[0]) < sizeof e2e_bin)
        snprintf(e2e_bin, sizeof e2e_bin, "%.*s", (int)(slash - argv[0]),
                 argv[0]);
    signal(SIGPIPE, SIG_IGN);
    return mkdtemp(e2e_tmp) != NULL;
}

static inline void e2e_cleanup(void)
{
    static const char *const files[] = { "port", "record", "out", "err",
                                         "mock.log", "mock.err" };
    char p[256];
    size_t i;
    for (i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(e2e_path(p, sizeof p, files[i]));
    rmdir(e2e_tmp);
}

#endif

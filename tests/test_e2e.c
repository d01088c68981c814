/* test_e2e.c - the client and the CLI against the mock Telnyx server over
 * real TLS on localhost: answers, error answers, the exact request bytes,
 * refused certificates, exit codes, and no trace of the API key.
 * Run from the top of the tree (it starts the mock_server and initiate
 * built next to it). */
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_port_posix.h"
#include "tnx_test.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <time.h>

#define KEY "e2e-key-9f8e7d"

static char tmpdir[] = "/tmp/tnx-e2e-XXXXXX";
/* The directory this test was built into (build/, build/mbedtls3/): the
 * mock and the CLI come from the same build, so from the same mbedTLS. */
static char bindir[200] = "build";
static char mock_bin[256], cli_bin[256];

typedef struct mock {
    pid_t pid;
    unsigned port;
    char record[256];
} mock;

static void sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

static char *slurp(const char *path, size_t *len)
{
    static char buf[1 << 16];
    size_t n = 0;
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        ssize_t r;
        while (n < sizeof buf - 1 &&
               (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
            n += (size_t)r;
        close(fd);
    }
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

/* Starts the mock with cert `cert` (NULL: the good one); waits for its
 * port file, 5 s at most. */
static int mock_start(mock *m, const char *cert)
{
    char portfile[256], certp[128], keyp[128];
    int i;
    memset(m, 0, sizeof *m);
    snprintf(portfile, sizeof portfile, "%s/port", tmpdir);
    snprintf(m->record, sizeof m->record, "%s/record", tmpdir);
    unlink(portfile);
    unlink(m->record);
    snprintf(certp, sizeof certp, "tests/certs/%s.pem", cert ? cert : "server");
    snprintf(keyp, sizeof keyp, "tests/certs/%s.key", cert ? cert : "server");
    m->pid = fork();
    if (m->pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        execl(mock_bin, "mock_server", "--port", "0",
              "--port-file", portfile, "--api-key", KEY, "--record",
              m->record, "--cert", certp, "--key", keyp,
              "--idle-timeout-ms", "20000", (char *)NULL);
        _exit(127);
    }
    for (i = 0; i < 500; i++) {
        size_t n;
        char *t = slurp(portfile, &n);
        if (n > 0 && t[n - 1] == '\n') {
            m->port = (unsigned)atoi(t);
            return m->port > 0;
        }
        sleep_ms(10);
    }
    return 0;
}

static void mock_stop(mock *m)
{
    int st;
    if (m->pid <= 0) return;
    kill(m->pid, SIGTERM);
    waitpid(m->pid, &st, 0);
    m->pid = 0;
}

typedef struct run {
    tnx_posix sock;
    tnx_port port;
    tnx_client client;
    tnx_action_requirement ar;
    tnx_error err;
    unsigned char *ca;
} run;

static run R;

static tnx_status call(const mock *m, const char *ca_file, const char *key,
                       const char *base_path, const char *po, const char *id,
                       const char *first, const char *last)
{
    tnx_config cfg = tnx_config_default();
    char url[128];
    size_t ca_len;
    char *ca = slurp(ca_file, &ca_len);
    tnx_params p;
    tnx_status st;
    snprintf(url, sizeof url, "https://localhost:%u%s", m->port, base_path);
    tnx_posix_port(&R.port, &R.sock);
    cfg.base_url = url;
    cfg.api_key = key;
    cfg.ca = (const unsigned char *)ca;
    cfg.ca_len = ca_len + 1;
    cfg.port = &R.port;
    cfg.timeout_ms = 10000;
    p.first_name = first;
    p.last_name = last;
    st = tnx_client_init(&R.client, &cfg, &R.err);
    if (st == TNX_OK) st = tnx_initiate(&R.client, po, id, &p, &R.ar, &R.err);
    tnx_client_free(&R.client);
    return st;
}

TEST(initiate_over_tls_maps_the_mock_answer)
{
    mock m;
    CHECK(mock_start(&m, NULL));
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO-123", "AR-456",
                   "John", "Doe"), TNX_OK);
    CHECK_STR(R.ar.id, "AR-456");
    CHECK_STR(R.ar.porting_order_id, "PO-123");
    CHECK_STR(R.ar.record_type, "porting_action_requirement");
    CHECK_STR(R.ar.requirement_type_id, "53970723-fbff-4f46-a975-f62be6c1a585");
    CHECK_STR(R.ar.action_type, "au_id_verification");
    CHECK_STR(R.ar.action_url, "https://example.com/action/AR-456");
    CHECK_INT(R.ar.status, TNX_AR_PENDING);
    CHECK_INT(R.ar.present, 0x3FF);
    CHECK_INT(R.ar.is_null, 1 << TNX_F_CANCEL_REASON);
    CHECK_STR(R.ar.created_at, "2018-02-02T22:25:27.521Z");
    mock_stop(&m);
}

TEST(the_request_on_the_wire_is_exact)
{
    mock m;
    char want[1024];
    CHECK(mock_start(&m, NULL));
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1", "AR1",
                   "John", "Doe"), TNX_OK);
    snprintf(want, sizeof want,
             "POST /v2/porting_orders/PO1/action_requirements/AR1/initiate "
             "HTTP/1.1\r\nHost: localhost:%u\r\n"
             "Authorization: Bearer " KEY "\r\n"
             "Content-Type: application/json\r\nAccept: application/json\r\n"
             "User-Agent: telnyx_porting.h/" TNX_VERSION "\r\n"
             "Content-Length: 50\r\n\r\n"
             "{\"params\":{\"first_name\":\"John\",\"last_name\":\"Doe\"}}",
             m.port);
    mock_stop(&m);
    CHECK_STR(slurp(m.record, NULL), want);
}

TEST(wrong_key_gets_401_with_errors)
{
    mock m;
    CHECK(mock_start(&m, NULL));
    CHECK_INT(call(&m, "tests/certs/ca.pem", "wrong-key", "/v2", "PO1", "AR1",
                   "John", "Doe"), TNX_E_API);
    CHECK_INT(R.err.http_status, 401);
    CHECK(R.err.count >= 1);
    CHECK_STR(R.err.errors[0].code, "10009");
    CHECK(R.err.request_id[0] != 0);
    mock_stop(&m);
}

TEST(empty_name_gets_422_naming_the_field)
{
    mock m;
    CHECK(mock_start(&m, NULL));
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1", "AR1", "",
                   "Doe"), TNX_E_API);
    CHECK_INT(R.err.http_status, 422);
    CHECK_STR(R.err.errors[0].pointer, "/params/first_name");
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1", "AR1", "John",
                   ""), TNX_E_API);
    CHECK_STR(R.err.errors[0].pointer, "/params/last_name");
    mock_stop(&m);
}

TEST(unknown_path_gets_404)
{
    mock m;
    CHECK(mock_start(&m, NULL));
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v3", "PO1", "AR1", "J",
                   "D"), TNX_E_API);
    CHECK_INT(R.err.http_status, 404);
    CHECK(R.err.count >= 1);
    mock_stop(&m);
}

TEST(chunked_and_bytewise_answers_over_tls)
{
    mock m;
    CHECK(mock_start(&m, NULL));
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1",
                   "mock-chunked", "J", "D"), TNX_OK);
    CHECK_STR(R.ar.id, "mock-chunked");
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1",
                   "mock-bytewise", "J", "D"), TNX_OK);
    CHECK_STR(R.ar.id, "mock-bytewise");
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1", "mock-eof",
                   "J", "D"), TNX_OK);
    CHECK_STR(R.ar.id, "mock-eof");
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1",
                   "mock-truncated", "J", "D"), TNX_E_CLOSED);
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1",
                   "mock-badjson", "J", "D"), TNX_E_JSON);
    mock_stop(&m);
}

/* Each certificate the client must refuse, and the words it gives. */
TEST(bad_certificates_are_refused_by_name)
{
    static const struct { const char *cert, *ca, *words; } cases[] = {
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
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mock m;
        CHECK(mock_start(&m, cases[i].cert));
        CHECK_INT(call(&m, cases[i].ca, KEY, "/v2", "PO1", "AR1", "J", "D"),
                  TNX_E_CERT);
        CHECK_STR(tnx_cert_problem(R.err.cert_flags), cases[i].words);
        mock_stop(&m);
        CHECK_STR(slurp(m.record, NULL), ""); /* nothing was sent */
    }
}

/* Runs the CLI; returns its exit status; its stdout and stderr land in
 * tmpdir/out and tmpdir/err. */
static int cli(const char *key_env, const char *const *args)
{
    const char *argv[32];
    char out[256], errp[256];
    pid_t pid;
    int st, i = 0, n = 0;
    argv[n++] = cli_bin;
    while (args[i] && n < 30) argv[n++] = args[i++];
    argv[n] = NULL;
    snprintf(out, sizeof out, "%s/out", tmpdir);
    snprintf(errp, sizeof errp, "%s/err", tmpdir);
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

static const char *out_text(void)
{
    char p[256];
    snprintf(p, sizeof p, "%s/out", tmpdir);
    return slurp(p, NULL);
}

static char err_copy[4096];
static const char *err_text(void)
{
    char p[256];
    snprintf(p, sizeof p, "%s/err", tmpdir);
    snprintf(err_copy, sizeof err_copy, "%s", slurp(p, NULL));
    return err_copy;
}

/* The last line of stderr: the one naming the cause (--verbose logs come
 * before it). */
static const char *err_last(void)
{
    const char *t = err_text();
    size_t n = strlen(t);
    if (n && t[n - 1] == '\n') n--;
    while (n && t[n - 1] != '\n') n--;
    return t + n;
}

TEST(cli_prints_the_answer_and_exit_codes_say_why)
{
    mock m;
    char url[64];
    const char *ok[] = { "--base-url", url, "--ca-file", "tests/certs/ca.pem",
                         "--porting-order-id", "PO-1", "--id", "AR-2",
                         "--first-name", "John", "--last-name", "Doe",
                         "--verbose", NULL };
    const char *params[] = { "--base-url", url, "--ca-file",
                             "tests/certs/ca.pem", "--porting-order-id", "P",
                             "--id", "mock-500", "--params",
                             "{\"params\":{\"first_name\":\"J\","
                             "\"last_name\":\"D\"}}", NULL };
    const char *bad_ca[] = { "--base-url", url, "--ca-file",
                             "tests/certs/other-ca.pem", "--porting-order-id",
                             "P", "--id", "A", "--first-name", "J",
                             "--last-name", "D", NULL };
    const char *bad_json[] = { "--base-url", url, "--ca-file",
                               "tests/certs/ca.pem", "--porting-order-id",
                               "P", "--id", "mock-badjson", "--first-name",
                               "J", "--last-name", "D", NULL };
    const char *usage[] = { "--id", "A", NULL };
    CHECK(mock_start(&m, NULL));
    snprintf(url, sizeof url, "https://localhost:%u/v2", m.port);

    CHECK_INT(cli(KEY, ok), 0);
    CHECK_STR(out_text(),
              "{\"id\":\"AR-2\",\"record_type\":\"porting_action_requirement\","
              "\"porting_order_id\":\"PO-1\",\"requirement_type_id\":"
              "\"53970723-fbff-4f46-a975-f62be6c1a585\",\"action_type\":"
              "\"au_id_verification\",\"action_url\":"
              "\"https://example.com/action/AR-2\",\"status\":\"pending\","
              "\"cancel_reason\":null,\"created_at\":"
              "\"2018-02-02T22:25:27.521Z\",\"updated_at\":"
              "\"2018-02-02T22:25:27.521Z\"}\n");
    CHECK(strstr(err_text(), KEY) == NULL);

    CHECK_INT(cli("wrong-key-55", ok), 4);
    CHECK(strncmp(err_last(), "initiate: HTTP 401: 10009 ", 26) == 0);
    CHECK(strstr(err_text(), "wrong-key-55") == NULL);
    CHECK(strstr(err_text(), "[request id ") != NULL);

    CHECK_INT(cli(KEY, params), 5);
    CHECK(strncmp(err_text(), "initiate: HTTP 500", 18) == 0);
    CHECK_INT(cli(KEY, bad_ca), 3);
    CHECK_STR(err_text(), "initiate: TLS: server certificate was refused: "
                          "certificate is not signed by a trusted CA\n");
    CHECK_INT(cli(KEY, bad_json), 6);
    CHECK(strncmp(err_text(), "initiate: malformed JSON in the response body",
                  45) == 0);
    CHECK_INT(cli(KEY, usage), 2);
    CHECK_INT(cli(NULL, ok), 2);
    mock_stop(&m);
    /* Nobody listens there any more. */
    CHECK_INT(cli(KEY, ok), 3);
    CHECK(strncmp(err_last(), "initiate: could not connect", 27) == 0);
}

TEST(base_url_errors_say_what_is_wrong)
{
    tnx_config cfg = tnx_config_default();
    tnx_error e;
    tnx_posix_port(&R.port, &R.sock);
    cfg.port = &R.port;
    cfg.api_key = KEY;
    cfg.ca = (const unsigned char *)"x";
    cfg.ca_len = 2;
    cfg.base_url = "http://localhost/v2";
    CHECK_INT(tnx_client_init(&R.client, &cfg, &e), TNX_E_URL);
    CHECK(strncmp(e.where, "base_url: http:// is refused", 28) == 0);
    cfg.base_url = "https://localhost/a-base-path-far-longer-than-32-bytes";
    CHECK_INT(tnx_client_init(&R.client, &cfg, &e), TNX_E_URL);
    CHECK(strncmp(e.where, "base_url: path longer than TNX_PATH_MAX", 39) == 0);
    cfg.base_url = "https://localhost:0/v2";
    CHECK_INT(tnx_client_init(&R.client, &cfg, &e), TNX_E_URL);
    CHECK_STR(e.where, "base_url: port is not 1..65535");
}

int main(int argc, char **argv)
{
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    if (slash && (size_t)(slash - argv[0]) < sizeof bindir)
        snprintf(bindir, sizeof bindir, "%.*s", (int)(slash - argv[0]),
                 argv[0]);
    snprintf(mock_bin, sizeof mock_bin, "%s/mock_server", bindir);
    snprintf(cli_bin, sizeof cli_bin, "%s/initiate", bindir);
    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(tmpdir)) return 1;
    RUN(initiate_over_tls_maps_the_mock_answer);
    RUN(base_url_errors_say_what_is_wrong);
    RUN(the_request_on_the_wire_is_exact);
    RUN(wrong_key_gets_401_with_errors);
    RUN(empty_name_gets_422_naming_the_field);
    RUN(unknown_path_gets_404);
    RUN(chunked_and_bytewise_answers_over_tls);
    RUN(bad_certificates_are_refused_by_name);
    RUN(cli_prints_the_answer_and_exit_codes_say_why);
    {
        static const char *const files[] = { "port", "record", "out", "err" };
        char p[256];
        size_t i;
        for (i = 0; i < 4; i++) {
            snprintf(p, sizeof p, "%s/%s", tmpdir, files[i]);
            unlink(p);
        }
        rmdir(tmpdir);
    }
    return tt_summary();
}

/* test_inject.c - nothing a caller passes can change the request's path or
 * headers: every byte of a path parameter that is not A-Z a-z 0-9 - . _ ~
 * is percent-encoded, "", "." and ".." are refused, an API key with a
 * non-printable byte is refused, names are escaped in the body; and the log
 * lines: the request as sent, Authorization redacted, control bytes from
 * the server neutralised.  Plain HTTP over the mem port (TNX_NO_TLS), so
 * the bytes on the wire are the bytes checked. */
#define TNX_NO_TLS
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_port_mem.h"
#include "tnx_test.h"

#include <stdio.h>

static const char ok_answer[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    "X-Request-Id: req-7\r\nContent-Length: 19\r\n\r\n"
    "{\"data\":{\"id\":\"A\"}}";

typedef struct fixture {
    tnx_mem mem;
    tnx_port port;
    tnx_client client;
    tnx_action_requirement ar;
    tnx_error err;
    uint8_t sent[4096];
    tnx_mem_step steps[4];
    char log[4096];
    size_t log_len;
} fixture;

static fixture fx;

static void log_line(void *ctx, int level, const char *line)
{
    int n;
    (void)ctx;
    n = snprintf(fx.log + fx.log_len, sizeof fx.log - fx.log_len, "[%d] %s\n",
                 level, line);
    if (n > 0 && (size_t)n < sizeof fx.log - fx.log_len)
        fx.log_len += (size_t)n;
}

/* A client of http://api.test/v2 whose peer answers `answer` (NULL:
 * ok_answer) and closes; the clock stands still (tick 0). */
static void setup(const char *answer)
{
    tnx_config cfg = tnx_config_default();
    tnx_error e;
    memset(&fx, 0, sizeof fx);
    tnx_mem_port(&fx.port, &fx.mem);
    fx.mem.sent = fx.sent;
    fx.mem.sent_cap = sizeof fx.sent - 1;
    if (!answer) answer = ok_answer;
    fx.steps[0].op = TNX_MEM_OP_DATA;
    fx.steps[0].data = answer;
    fx.steps[0].len = strlen(answer);
    fx.steps[1].op = TNX_MEM_OP_CLOSE;
    tnx_mem_script(&fx.mem, fx.steps, 2);
    cfg.base_url = "http://api.test/v2";
    cfg.api_key = "KEY123";
    cfg.port = &fx.port;
    cfg.log = log_line;
    cfg.log_level = TNX_LOG_DEBUG;
    CHECK_INT(tnx_client_init(&fx.client, &cfg, &e), TNX_OK);
}

static tnx_status call(const char *po, const char *id, const char *first,
                       const char *last)
{
    tnx_params p;
    p.first_name = first;
    p.last_name = last;
    return tnx_initiate(&fx.client, po, id, &p, &fx.ar, &fx.err);
}

/* The first line sent, without its CRLF. */
static const char *request_line(void)
{
    static char line[1024];
    const char *crlf;
    fx.sent[fx.mem.sent_len] = 0;
    crlf = strstr((const char *)fx.sent, "\r\n");
    snprintf(line, sizeof line, "%.*s",
             crlf ? (int)(crlf - (const char *)fx.sent) : 0,
             (const char *)fx.sent);
    return line;
}

/* Lines of the head: the request line and six headers, 7 when nothing
 * was injected. */
static int head_lines(void)
{
    const char *p = (const char *)fx.sent, *end;
    int n = 0;
    fx.sent[fx.mem.sent_len] = 0;
    end = strstr(p, "\r\n\r\n");
    for (; end && (p = strstr(p, "\r\n")) != NULL && p <= end; p += 2) n++;
    return n;
}

static const struct { const char *in, *out; } cases[] = {
    { "a/b", "a%2Fb" },
    { "a?b", "a%3Fb" },
    { "a#b", "a%23b" },
    { "a%2Fb", "a%252Fb" },
    { "a b", "a%20b" },
    { "a\rb", "a%0Db" },
    { "a\nb", "a%0Ab" },
    { "a\r\nHost: evil", "a%0D%0AHost%3A%20evil" },
    { "\x01\x1f\x7f\t", "%01%1F%7F%09" },
    { "caf\xc3\xa9", "caf%C3%A9" },             /* UTF-8 */
    { "\xff\xfe", "%FF%FE" },                   /* not UTF-8 */
    { "../x", "..%2Fx" },
    { "...", "..." },                           /* a name, not a step */
    { ".x", ".x" },
    { "A-z_0.9~", "A-z_0.9~" },
};

TEST(every_unsafe_byte_in_a_path_parameter_is_percent_encoded)
{
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[256];
        setup(NULL);
        CHECK_INT(call(cases[i].in, "AR", "J", "D"), TNX_OK);
        snprintf(want, sizeof want, "POST /v2/porting_orders/%s/"
                 "action_requirements/AR/initiate HTTP/1.1", cases[i].out);
        CHECK_STR(request_line(), want);
        CHECK_INT(head_lines(), 7);
        tnx_client_free(&fx.client);

        setup(NULL);
        CHECK_INT(call("PO", cases[i].in, "J", "D"), TNX_OK);
        snprintf(want, sizeof want, "POST /v2/porting_orders/PO/"
                 "action_requirements/%s/initiate HTTP/1.1", cases[i].out);
        CHECK_STR(request_line(), want);
        CHECK_INT(head_lines(), 7);
        tnx_client_free(&fx.client);
    }
}

TEST(empty_dot_and_dotdot_parameters_are_refused_before_connecting)
{
    static const char *const bad[] = { "", ".", ".." };
    size_t i;
    for (i = 0; i < 3; i++) {
        setup(NULL);
        CHECK_INT(call(bad[i], "AR", "J", "D"), TNX_E_PATH_PARAM);
        CHECK_STR(fx.err.where, "porting_order_id");
        CHECK_INT(call("PO", bad[i], "J", "D"), TNX_E_PATH_PARAM);
        CHECK_STR(fx.err.where, "id");
        CHECK_INT(fx.mem.connects, 0);
        CHECK_INT(fx.mem.sent_len, 0);
        tnx_client_free(&fx.client);
    }
    setup(NULL);
    CHECK_INT(call(NULL, "AR", "J", "D"), TNX_E_PATH_PARAM);
    CHECK_INT(call("PO", NULL, "J", "D"), TNX_E_PATH_PARAM);
    CHECK_INT(fx.mem.connects, 0);
    tnx_client_free(&fx.client);
}

TEST(api_keys_with_non_printable_bytes_are_refused)
{
    static const char *const bad[] = {
        "", "key\r", "key\n", "key\r\nX-Evil: 1", "k\tey", "k ey", "key\x7f",
        "key\x01", "key\x1b[0m", "k\xc3\xa9y", "key\x80",
    };
    tnx_config cfg = tnx_config_default();
    tnx_mem mem;
    tnx_port port;
    tnx_client c;
    tnx_error e;
    size_t i;
    tnx_mem_port(&port, &mem);
    cfg.base_url = "http://api.test/v2";
    cfg.port = &port;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg.api_key = bad[i];
        if (tnx_client_init(&c, &cfg, &e) != TNX_E_API_KEY)
            TT_REPORT(0, "key %zu was not refused", i);
        else
            CHECK_STR(e.where, "api_key");
    }
    cfg.api_key = NULL;
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_E_API_KEY);
    /* Every other printable byte is fine (tokens are base64-like). */
    cfg.api_key = "KEY0123456789abcdef_-.~+/=!\"#$%&'()*,:;<>?@[\\]^`{|}";
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_OK);
    tnx_client_free(&c);
    CHECK_INT(mem.connects, 0);
}

TEST(names_with_quotes_backslashes_and_controls_are_escaped)
{
    const char *body;
    setup(NULL);
    CHECK_INT(call("PO", "AR", "Jo\"hn\\", "a\x01\b\f\n\r\t\x1f\x7f\xc3\xa9"),
              TNX_OK);
    fx.sent[fx.mem.sent_len] = 0;
    body = strstr((const char *)fx.sent, "\r\n\r\n");
    CHECK(body != NULL);
    if (body)
        CHECK_STR(body + 4, "{\"params\":{\"first_name\":\"Jo\\\"hn\\\\\","
                  "\"last_name\":\"a\\u0001\\b\\f\\n\\r\\t\\u001f\x7f\xc3\xa9\""
                  "}}");
    CHECK(strstr((const char *)fx.sent, "Content-Length: 77\r\n") != NULL);
    tnx_client_free(&fx.client);
}

/* ---- Log lines ---- */

TEST(the_log_shows_the_request_as_sent_with_the_key_redacted)
{
    setup(NULL);
    CHECK_INT(call("P O", "a/b", "J", "D"), TNX_OK);
    CHECK_STR(fx.log,
              "[3] connect api.test 80\n"
              "[3] request POST /v2/porting_orders/P%20O/action_requirements/"
              "a%2Fb/initiate\n"
              "[4] request headers: Host api.test, Authorization Bearer "
              "<redacted>, Content-Length 45\n"
              "[3] answer 200, request id req-7, attempt 1, 0 ms\n");
    CHECK(strstr(fx.log, "KEY123") == NULL);
    tnx_client_free(&fx.client);
}

TEST(the_log_counts_attempts)
{
    /* A 503 that asks for a wait is retried by default: the answer that
     * ends the call is the second attempt's. */
    static const char busy[] =
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
        "Content-Length: 0\r\nConnection: close\r\n\r\n";
    setup(NULL);
    fx.steps[0].op = TNX_MEM_OP_DATA;
    fx.steps[0].data = busy;
    fx.steps[0].len = strlen(busy);
    /* The client closes after the 503 (Connection: close) and reads the
     * next step on its new connection. */
    fx.steps[1].op = TNX_MEM_OP_DATA;
    fx.steps[1].data = ok_answer;
    fx.steps[1].len = strlen(ok_answer);
    fx.steps[2].op = TNX_MEM_OP_CLOSE;
    tnx_mem_script(&fx.mem, fx.steps, 3);
    CHECK_INT(call("PO", "AR", "J", "D"), TNX_OK);
    CHECK_INT(fx.mem.connects, 2);
    CHECK_INT(fx.err.attempts, 2);
    CHECK(strstr(fx.log, "[3] answer 503, request id -, attempt 1, ") != NULL);
    CHECK(strstr(fx.log, "[3] TNX_E_API retry; waiting ms 1000\n") != NULL);
    CHECK(strstr(fx.log, "[3] answer 200, request id req-7, attempt 2, "
                 "1000 ms\n") != NULL);
    tnx_client_free(&fx.client);
}

TEST(control_bytes_from_the_server_cannot_forge_log_lines)
{
    static const char evil[] =
        "HTTP/1.1 200 OK\r\nX-Request-Id: r\x1b[2J\x07\tx\x7f\r\n"
        "Content-Length: 19\r\n\r\n{\"data\":{\"id\":\"A\"}}";
    setup(evil);
    CHECK_INT(call("PO", "AR", "J", "D"), TNX_OK);
    CHECK(strstr(fx.log, "[3] answer 200, request id r?[2J??x?, attempt 1, "
                 "0 ms\n") != NULL);
    tnx_client_free(&fx.client);
}

TEST(a_long_log_line_is_cut_with_dots)
{
    static char id[301];
    const char *line, *end;
    memset(id, 'x', 300);
    setup(NULL);
    CHECK_INT(call("PO", id, "J", "D"), TNX_OK);
    line = strstr(fx.log, "[3] request POST ");
    CHECK(line != NULL);
    if (!line) return;
    line += 4;
    end = strchr(line, '\n');
    CHECK_INT(end - line, TNX_LOG_LINE_MAX - 1);
    CHECK(strncmp(end - 4, "x...", 4) == 0);
    tnx_client_free(&fx.client);
}

int main(void)
{
    RUN(every_unsafe_byte_in_a_path_parameter_is_percent_encoded);
    RUN(empty_dot_and_dotdot_parameters_are_refused_before_connecting);
    RUN(api_keys_with_non_printable_bytes_are_refused);
    RUN(names_with_quotes_backslashes_and_controls_are_escaped);
    RUN(the_log_shows_the_request_as_sent_with_the_key_redacted);
    RUN(the_log_counts_attempts);
    RUN(control_bytes_from_the_server_cannot_forge_log_lines);
    RUN(a_long_log_line_is_cut_with_dots);
    return tt_summary();
}

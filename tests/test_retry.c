/* test_retry.c - when tnx_initiate re-sends the POST and how long it waits
 * first, over the scripted in-memory port (its sleep moves its clock, so
 * every wait is exact and instant).  Safe by default: only what the server
 * cannot have acted on is re-sent. */
#define TNX_NO_TLS
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_test.h"
#include "mem_fixture.h"

static char A[6][1024];

/* An answer with `status`, extra header lines and an empty JSON body. */
static const char *answer(int i, const char *status, const char *headers)
{
    sprintf(A[i], "HTTP/1.1 %s\r\n%sContent-Length: 2\r\n\r\n{}", status,
            headers);
    return A[i];
}

/* The request went out `n` times. */
static unsigned requests(void) { return mf_sent_count("POST /v2/"); }

TEST(connection_failures_before_sending_are_retried_with_backoff)
{
    mf_setup();
    F.mem.connect_result = TNX_IO_REFUSED;
    CHECK_INT(mf_call(), TNX_E_CONNECT);
    CHECK_INT(F.err.attempts, 3);
    CHECK_INT(F.mem.connects, 3);
    CHECK_STR(F.err.retry_stop, "max_attempts reached");
    /* 500 then 1000 ms, each with its upper half random: the mem port's
     * entropy is the counter 0, 1, 2, ... so the draw is known. */
    CHECK_INT(F.mem.sleeps, 2);
    CHECK_INT(F.mem.slept_ms, 288 + 981);
    tnx_client_free(&F.client);

    /* Reset while sending: nothing reached the server whole. */
    mf_setup();
    F.mem.send_fail_at = 10;
    CHECK_INT(mf_call(), TNX_E_IO);
    CHECK_STR(F.err.where, "send");
    CHECK_INT(F.err.attempts, 3);
    tnx_client_free(&F.client);
}

TEST(backoff_doubles_up_to_its_cap_without_jitter_when_entropy_fails)
{
    mf_setup();
    F.mem.connect_result = TNX_IO_NO_HOST;
    F.mem.entropy_result = -1;
    F.client.cfg.backoff_ms = 100;
    F.client.cfg.backoff_max_ms = 300;
    F.client.cfg.max_attempts = 6;
    CHECK_INT(mf_call(), TNX_E_DNS);
    CHECK_INT(F.err.attempts, 6);
    CHECK_INT(F.mem.sleeps, 5);
    CHECK_INT(F.mem.slept_ms, 100 + 200 + 300 + 300 + 300);
    tnx_client_free(&F.client);
}

TEST(answer_429_is_retried_after_the_wait_it_asks_for)
{
    char ok[1024];
    mf_setup();
    mf_data(answer(0, "429 Too Many Requests", "Retry-After: 2\r\n"), 0);
    mf_data(mf_ok(ok, "X-Request-Id: second\r\n"), 0);
    CHECK_INT(mf_call(), TNX_OK);
    CHECK_STR(F.ar.id, "AR1");
    CHECK_INT(F.err.attempts, 2);
    CHECK_INT(F.mem.slept_ms, 2000);
    CHECK_STR(F.err.request_id, "second");
    CHECK(F.err.retry_stop == NULL);
    CHECK_INT(requests(), 2);
    CHECK_INT(F.mem.connects, 1); /* the 429 kept the connection */
    tnx_client_free(&F.client);

    /* Without a wait asked for: the backoff. */
    mf_setup();
    F.mem.entropy_result = -1;
    mf_data(answer(0, "429 Too Many Requests", ""), 0);
    mf_data(ok, 0);
    CHECK_INT(mf_call(), TNX_OK);
    CHECK_INT(F.mem.slept_ms, 500);
    tnx_client_free(&F.client);
}

TEST(answer_503_is_retried_only_with_a_wait)
{
    char ok[1024];
    mf_setup();
    mf_data(answer(0, "503 Unavailable", "retry-after-ms: 200\r\n"), 0);
    mf_data(answer(1, "503 Unavailable", "Retry-After: 1\r\n"), 0);
    mf_data(mf_ok(ok, ""), 0);
    CHECK_INT(mf_call(), TNX_OK);
    CHECK_INT(F.err.attempts, 3);
    CHECK_INT(F.mem.slept_ms, 1200);
    tnx_client_free(&F.client);

    mf_setup();
    mf_data(answer(0, "503 Unavailable", ""), 0);
    mf_data(ok, 0);
    CHECK_INT(mf_call(), TNX_E_API);
    CHECK_INT(F.err.http_status, 503);
    CHECK_INT(F.err.attempts, 1);
    CHECK_STR(F.err.retry_stop, "the answer says it may have been processed");
    CHECK_INT(requests(), 1);
    tnx_client_free(&F.client);
}

TEST(answers_that_may_mean_done_are_not_re_sent_unless_allowed)
{
    static const char *const st[] = { "500 Internal", "502 Bad Gateway",
                                      "504 Gateway Timeout", "409 Conflict" };
    char ok[1024];
    size_t i;
    mf_ok(ok, "");
    for (i = 0; i < 4; i++) {
        mf_setup();
        mf_data(answer(0, st[i], ""), 0);
        mf_data(ok, 0);
        CHECK_INT(mf_call(), TNX_E_API);
        CHECK_INT(F.err.attempts, 1);
        CHECK_STR(F.err.retry_stop,
                  "the answer says it may have been processed");
        CHECK_INT(requests(), 1);
        tnx_client_free(&F.client);

        /* The caller opts in, for the client ... */
        mf_setup();
        F.client.cfg.retry_unsafe = 1;
        mf_data(answer(0, st[i], ""), 0);
        mf_data(ok, 0);
        CHECK_INT(mf_call(), TNX_OK);
        CHECK_INT(F.err.attempts, 2);
        tnx_client_free(&F.client);
    }
    /* ... or for one call, either way. */
    {
        tnx_call_opts o;
        memset(&o, 0, sizeof o);
        o.retry_unsafe = 1;
        mf_setup();
        mf_data(answer(0, "500 Internal", ""), 0);
        mf_data(ok, 0);
        CHECK_INT(mf_call_ex(&o), TNX_OK);
        CHECK_INT(F.err.attempts, 2);
        tnx_client_free(&F.client);
        o.retry_unsafe = -1;
        mf_setup();
        F.client.cfg.retry_unsafe = 1;
        mf_data(answer(0, "500 Internal", ""), 0);
        mf_data(ok, 0);
        CHECK_INT(mf_call_ex(&o), TNX_E_API);
        CHECK_INT(F.err.attempts, 1);
        tnx_client_free(&F.client);
    }
}

TEST(failures_after_sending_are_not_re_sent_unless_allowed)
{
    char ok[1024];
    /* A silent server: the deadline passes after the request went out. */
    mf_setup();
    CHECK_INT(mf_call(), TNX_E_TIMEOUT);
    CHECK_STR(F.err.where, "receive");
    CHECK_INT(F.err.attempts, 1);
    CHECK_STR(F.err.retry_stop,
              "the request was sent and may have been processed");
    tnx_client_free(&F.client);

    /* A reset before any answer on a new connection, and one mid-answer. */
    mf_setup();
    mf_reset();
    mf_data(mf_ok(ok, ""), 0);
    CHECK_INT(mf_call(), TNX_E_IO);
    CHECK_INT(F.err.attempts, 1);
    CHECK_INT(requests(), 1);
    tnx_client_free(&F.client);
    mf_setup();
    mf_data("HTTP/1.1 200 OK\r\nContent-Le", 0);
    mf_reset();
    mf_data(ok, 0);
    CHECK_INT(mf_call(), TNX_E_IO);
    CHECK_INT(F.err.attempts, 1);
    tnx_client_free(&F.client);

    /* Opted in: both resets are retried, then the answer comes. */
    mf_setup();
    F.client.cfg.retry_unsafe = 1;
    mf_reset();
    mf_data("HTTP/1.1 200 OK\r\nContent-Le", 0);
    mf_reset();
    mf_data(ok, 0);
    CHECK_INT(mf_call(), TNX_OK);
    CHECK_INT(F.err.attempts, 3);
    CHECK_INT(requests(), 3);
    tnx_client_free(&F.client);
}

TEST(x_should_retry_overrides_the_rule_both_ways)
{
    char ok[1024];
    mf_setup();
    mf_data(answer(0, "500 Internal", "x-should-retry: true\r\n"), 0);
    mf_data(mf_ok(ok, ""), 0);
    CHECK_INT(mf_call(), TNX_OK);
    CHECK_INT(F.err.attempts, 2);
    tnx_client_free(&F.client);

    mf_setup();
    mf_data(answer(0, "429 Too Many", "X-Should-Retry: FALSE\r\n"
                                      "Retry-After: 1\r\n"), 0);
    mf_data(ok, 0);
    CHECK_INT(mf_call(), TNX_E_API);
    CHECK_INT(F.err.attempts, 1);
    CHECK_STR(F.err.retry_stop, "the server said x-should-retry: false");
    CHECK_INT(F.err.retry_after_ms, 1000);
    tnx_client_free(&F.client);
}

TEST(waits_past_the_cap_or_the_deadline_end_the_call)
{
    char ok[1024];
    mf_ok(ok, "");
    mf_setup();
    F.client.cfg.retry_after_max_ms = 3000;
    mf_data(answer(0, "429 Too Many", "Retry-After: 4\r\n"), 0);
    mf_data(ok, 0);
    CHECK_INT(mf_call(), TNX_E_API);
    CHECK_INT(F.err.attempts, 1);
    CHECK_STR(F.err.retry_stop,
              "the server asked for a wait above retry_after_max_ms");
    CHECK_INT(F.err.retry_after_ms, 4000);
    CHECK_INT(F.mem.sleeps, 0);
    tnx_client_free(&F.client);

    mf_setup(); /* 5 s deadline */
    mf_data(answer(0, "429 Too Many", "retry-after-ms: 5000\r\n"), 0);
    mf_data(ok, 0);
    CHECK_INT(mf_call(), TNX_E_API);
    CHECK_STR(F.err.retry_stop, "the wait would pass the deadline");
    CHECK_INT(F.mem.sleeps, 0);
    tnx_client_free(&F.client);
}

TEST(a_port_without_sleep_retries_only_what_needs_no_wait)
{
    char ok[1024];
    mf_ok(ok, "");
    mf_setup();
    F.port.sleep = NULL;
    mf_data(answer(0, "429 Too Many", "Retry-After: 1\r\n"), 0);
    mf_data(ok, 0);
    CHECK_INT(mf_call(), TNX_E_API);
    CHECK_STR(F.err.retry_stop, "the port cannot sleep");
    tnx_client_free(&F.client);

    mf_setup();
    F.port.sleep = NULL;
    mf_data(answer(0, "429 Too Many", "Retry-After: 0\r\n"), 0);
    mf_data(ok, 0);
    CHECK_INT(mf_call(), TNX_OK);
    CHECK_INT(F.err.attempts, 2);
    tnx_client_free(&F.client);
}

TEST(max_attempts_per_client_and_per_call)
{
    tnx_call_opts o;
    char ok[1024];
    mf_ok(ok, "");
    mf_setup();
    F.client.cfg.max_attempts = 1;
    mf_data(answer(0, "429 Too Many", "Retry-After: 0\r\n"), 0);
    mf_data(ok, 0);
    CHECK_INT(mf_call(), TNX_E_API);
    CHECK_STR(F.err.retry_stop, "max_attempts reached");
    tnx_client_free(&F.client);

    memset(&o, 0, sizeof o);
    o.max_attempts = 2;
    mf_setup();
    mf_data(answer(0, "429 Too Many", "Retry-After: 0\r\n"), 0);
    mf_data(answer(1, "429 Too Many", "Retry-After: 0\r\n"), 0);
    mf_data(ok, 0);
    CHECK_INT(mf_call_ex(&o), TNX_E_API);
    CHECK_INT(F.err.attempts, 2);
    CHECK_INT(requests(), 2);
    tnx_client_free(&F.client);
}

TEST(a_closed_kept_connection_is_reopened_at_once_and_counted)
{
    char ok[1024];
    mf_setup();
    F.client.cfg.max_attempts = 1;
    mf_data(mf_ok(ok, ""), 0);
    mf_close();
    mf_data(ok, 0);
    CHECK_INT(mf_call(), TNX_OK);
    CHECK_INT(F.client.connected, 1);
    CHECK_INT(mf_call(), TNX_OK);
    CHECK_INT(F.err.attempts, 1);
    CHECK_INT(F.mem.connects, 2);
    CHECK_INT(F.mem.sleeps, 0);
    /* Found closed before sending: the request went out once per call. */
    CHECK_INT(requests(), 2);
    tnx_client_free(&F.client);

    /* Sending on it fails: the request goes again on a new connection, at
     * once, and that is not one of max_attempts. */
    mf_setup();
    F.client.cfg.max_attempts = 1;
    mf_data(ok, 0);
    CHECK_INT(mf_call(), TNX_OK);
    F.mem.send_fail_at = F.mem.sent_len + 5;
    CHECK_INT(mf_call(), TNX_E_IO);
    /* The failed send on the kept connection is free, as the log says:
     * only the try on the new connection counts. */
    CHECK_INT(F.err.attempts, 1);
    CHECK_INT(F.mem.connects, 2);
    CHECK_INT(F.mem.sleeps, 0);
    tnx_client_free(&F.client);

    /* Closed after the request went out whole: not sent again. */
    mf_setup();
    mf_data(ok, 0);
    mf_step(TNX_MEM_OP_TIMEOUT, NULL, 0, 0); /* open when checked */
    mf_close();
    mf_data(ok, 0);
    CHECK_INT(mf_call(), TNX_OK);
    CHECK_INT(mf_call(), TNX_E_CLOSED);
    CHECK_STR(F.err.where, "no response");
    CHECK_INT(F.err.attempts, 1);
    CHECK_STR(F.err.retry_stop,
              "the request was sent and may have been processed");
    CHECK_INT(requests(), 2);
    tnx_client_free(&F.client);
}

TEST(per_call_deadlines_override_the_client)
{
    tnx_call_opts o;
    uint32_t t0;
    memset(&o, 0, sizeof o);
    o.timeout_ms = 300;
    mf_setup();
    t0 = F.mem.now;
    CHECK_INT(mf_call_ex(&o), TNX_E_TIMEOUT);
    CHECK(F.mem.now - t0 >= 300 && F.mem.now - t0 < 400);
    tnx_client_free(&F.client);

    /* Each connect is cut at 100 ms; the call goes on, within 1 s. */
    memset(&o, 0, sizeof o);
    o.connect_timeout_ms = 100;
    o.timeout_ms = 1000;
    mf_setup();
    F.client.cfg.backoff_ms = 10;
    F.mem.connect_result = TNX_IO_TIMEOUT;
    t0 = F.mem.now;
    CHECK_INT(mf_call_ex(&o), TNX_E_TIMEOUT);
    CHECK_STR(F.err.where, "connect");
    CHECK_INT(F.err.attempts, 3);
    CHECK(F.mem.now - t0 >= 300 && F.mem.now - t0 < 400);
    tnx_client_free(&F.client);
}

int main(void)
{
    RUN(connection_failures_before_sending_are_retried_with_backoff);
    RUN(backoff_doubles_up_to_its_cap_without_jitter_when_entropy_fails);
    RUN(answer_429_is_retried_after_the_wait_it_asks_for);
    RUN(answer_503_is_retried_only_with_a_wait);
    RUN(answers_that_may_mean_done_are_not_re_sent_unless_allowed);
    RUN(failures_after_sending_are_not_re_sent_unless_allowed);
    RUN(x_should_retry_overrides_the_rule_both_ways);
    RUN(waits_past_the_cap_or_the_deadline_end_the_call);
    RUN(a_port_without_sleep_retries_only_what_needs_no_wait);
    RUN(max_attempts_per_client_and_per_call);
    RUN(a_closed_kept_connection_is_reopened_at_once_and_counted);
    RUN(per_call_deadlines_override_the_client);
    return tt_summary();
}

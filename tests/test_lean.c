/* test_lean.c - the flash-saving build: TNX_NO_LOG and TNX_NO_STATUS_TEXT.
 * Status texts become the status names, and a log hook is never called,
 * while the call itself still works (plain HTTP over the in-memory port). */
#define TNX_NO_TLS
#define TNX_NO_LOG
#define TNX_NO_STATUS_TEXT
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_port_mem.h"
#include "tnx_test.h"

static int log_calls;

static void count_log(void *ctx, int level, const char *line)
{
    (void)ctx;
    (void)level;
    (void)line;
    log_calls++;
}

TEST(status_text_is_the_name)
{
    CHECK_STR(tnx_status_text(TNX_E_DNS), "TNX_E_DNS");
    CHECK_STR(tnx_status_text(TNX_OK), "TNX_OK");
    CHECK_STR(tnx_status_text((tnx_status)999), "?");
}

TEST(no_log_line_reaches_the_hook_and_the_call_works)
{
    static const char answer[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\n"
        "{\"data\":{\"id\":\"A\"}}";
    static const tnx_mem_step steps[] = {
        TNX_MEM_DATA(answer, sizeof answer - 1, 7), TNX_MEM_CLOSE
    };
    tnx_config cfg = tnx_config_default();
    tnx_params who = { "John", "Doe" };
    static tnx_client c;
    tnx_action_requirement ar;
    tnx_error e;
    tnx_mem m;
    tnx_port p;
    tnx_mem_port(&p, &m);
    tnx_mem_script(&m, steps, 2);
    cfg.base_url = "http://api.test/v2";
    cfg.api_key = "k";
    cfg.port = &p;
    cfg.log = count_log;
    cfg.log_level = TNX_LOG_DEBUG;
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_OK);
    CHECK_INT(tnx_initiate(&c, "P", "A", &who, &ar, &e), TNX_OK);
    CHECK_STR(ar.id, "A");
    CHECK_INT(log_calls, 0);
    tnx_client_free(&c);
}

int main(void)
{
    RUN(status_text_is_the_name);
    RUN(no_log_line_reaches_the_hook_and_the_call_works);
    return tt_summary();
}

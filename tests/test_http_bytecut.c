/* test_http_bytecut.c - the result never depends on how the bytes are cut.
 *
 * Each answer in tests/corpus/http (recorded from the mock, see the README
 * there, plus a few written by hand) is replayed through the scripted
 * in-memory port whole, one byte per recv, and split in two at every byte
 * boundary: the outcome must be the same each time, and the expected one.
 * Then the connection is reset, and closed, at every byte offset: the
 * call must end with the error that says so, the request sent once, and
 * every connection it opened closed again.  Run from the top of the tree. */
#define TNX_NO_TLS
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_test.h"
#include "mem_fixture.h"

#include <stdlib.h>

typedef struct corpus_case {
    const char *file;
    const char *want;     /* the outcome, as outcome() writes it */
} corpus_case;

/* ar.id, status_raw and the masks say enough of the action requirement;
 * the other fields are checked elsewhere (the mapping is not HTTP's). */
static const corpus_case cases[] = {
    { "ok_content_length",
      "TNX_OK 200 rid=a650b119-7186-4ec2-a1e6-03b000000001 rl=-1/-1/-1 "
      "wait=0 n=0 kept=1 id=AR-1 status=pending present=3ff null=80" },
    { "ok_chunk_ext_and_trailer",
      "TNX_OK 200 rid=3cc4653a-f5f6-461a-a65f-cec400000002 rl=-1/-1/-1 "
      "wait=0 n=0 kept=1 id=mock-chunked status=pending present=3ff "
      "null=80" },
    { "ok_close_delimited",
      "TNX_OK 200 rid=f0f2ad98-ea05-4908-bcb5-b47c00000003 rl=-1/-1/-1 "
      "wait=0 n=0 kept=0 id=mock-eof status=pending present=3ff null=80" },
    { "ok_nulls",
      "TNX_OK 200 rid=6a006b9f-e732-41c7-b1ce-679300000004 rl=-1/-1/-1 "
      "wait=0 n=0 kept=1 id=mock-nulls status=pending present=3ff "
      "null=20" },
    { "ok_unknown_status",
      "TNX_OK 200 rid=1c61a310-a6bd-43f6-8b8d-1ba000000005 rl=-1/-1/-1 "
      "wait=0 n=0 kept=1 id=mock-unknown-status status=on_hold_new "
      "present=3ff null=80" },
    { "ok_huge_2k_decoys",
      "TNX_OK 200 rid=0a05b046-686e-40c6-8f17-be5d00000006 rl=-1/-1/-1 "
      "wait=0 n=0 kept=1 id=mock-huge-2 status=pending present=3ff "
      "null=80" },
    { "ok_huge_chunked_decoys",
      "TNX_OK 200 rid=86ba23cc-7e04-4e87-a4d9-e6d100000007 rl=-1/-1/-1 "
      "wait=0 n=0 kept=1 id=mock-huge-3+chunked status=pending "
      "present=3ff null=80" },
    { "ok_interim_100_and_103",
      "TNX_OK 200 rid=from-200 rl=-1/-1/-1 wait=0 n=0 kept=1 id=AR-100 "
      "status=created present=41 null=0" },
    { "ok_http10_no_reason",
      "TNX_OK 200 rid= rl=-1/-1/-1 wait=0 n=0 kept=0 id=AR-10 "
      "status=completed present=41 null=0" },
    { "ok_long_unknown_headers",
      "TNX_OK 200 rid= rl=-1/-1/-1 wait=0 n=0 kept=1 id=AR-L status= "
      "present=a1 null=80" },
    { "ok_length_and_chunked_chunked_wins",
      "TNX_OK 200 rid= rl=-1/-1/-1 wait=0 n=0 kept=0 id=AR-B status= "
      "present=1 null=0" },
    { "api_429_retry_after",
      "TNX_E_API 429 rid=8914065e-d83e-4aff-971c-b3e500000008 rl=-1/-1/-1 "
      "wait=1000 n=1 e0=10011 kept=1" },
    { "api_429_http_date_and_rate_limits",
      "TNX_E_API 429 rid=rl-1 rl=60/0/3 wait=3000 n=1 e0=10011 kept=1" },
    { "api_503_retry_after_ms",
      "TNX_E_API 503 rid=23df0636-349b-422f-870f-c09400000009 rl=-1/-1/-1 "
      "wait=200 n=1 e0=10010 kept=1" },
    { "api_500",
      "TNX_E_API 500 rid=0dc936f4-5a65-4134-9647-95160000000a rl=-1/-1/-1 "
      "wait=0 n=1 e0=10001 kept=1" },
    { "api_422_three_errors_chunked",
      "TNX_E_API 422 rid=70290415-4aa8-4c1d-bfa1-bf9f0000000b rl=-1/-1/-1 "
      "wait=0 n=3 e0=10033 kept=1" },
    { "api_401_wrong_key",
      "TNX_E_API 401 rid=e86e6b36-c838-4e96-994d-5d650000000c rl=-1/-1/-1 "
      "wait=0 n=1 e0=10009 kept=1" },
    { "api_422_empty_first_name",
      "TNX_E_API 422 rid=f2c07767-c6e7-4022-8ee1-75040000000d rl=-1/-1/-1 "
      "wait=0 n=1 e0=10033 kept=1" },
    { "bad_json_200",
      "TNX_E_JSON 200 rid=f8fcd8d7-f1f5-4f60-8750-05780000000e rl=-1/-1/-1 "
      "wait=0 n=0 kept=0 at=18" },
};

static char text[16384];
static size_t text_len;

static int load(const char *name)
{
    char path[256];
    FILE *f;
    snprintf(path, sizeof path, "tests/corpus/http/%s.http", name);
    f = fopen(path, "rb");
    if (!f) return 0;
    text_len = fread(text, 1, sizeof text, f);
    fclose(f);
    return text_len > 0 && text_len < sizeof text;
}

/* What a call gave, in one line. */
static void outcome(tnx_status st, char *out, size_t cap)
{
    const tnx_error *e = &F.err;
    int n = snprintf(out, cap, "%s %d rid=%s rl=%d/%d/%d wait=%lu n=%u",
                     tnx_status_name(st), e->http_status, e->request_id,
                     (int)e->ratelimit_limit, (int)e->ratelimit_remaining,
                     (int)e->ratelimit_reset, (unsigned long)e->retry_after_ms,
                     e->count);
    size_t k = n > 0 ? (size_t)n : 0;
    if (e->count && k < cap)
        k += (size_t)snprintf(out + k, cap - k, " e0=%s", e->errors[0].code);
    if (k < cap)
        k += (size_t)snprintf(out + k, cap - k, " kept=%d",
                              F.client.connected);
    if (st == TNX_OK && k < cap)
        k += (size_t)snprintf(out + k, cap - k,
                              " id=%s status=%s present=%x null=%x",
                              F.ar.id, F.ar.status_raw, F.ar.present,
                              F.ar.is_null);
    if (st == TNX_E_JSON && k < cap)
        snprintf(out + k, cap - k, " at=%ld", e->offset);
}

/* One run: the answer as the steps give it, then the peer closes.  No
 * retry, so that the answer alone decides. */
static void run(size_t cut, size_t chunk, char *out, size_t cap)
{
    tnx_status st;
    mf_setup();
    F.mem.answer_after_request = 0; /* answers come cut in several steps */
    F.mem.tick = 0; /* 8 KB one byte per recv must not pass the deadline */
    F.client.cfg.max_attempts = 1;
    if (cut) mf_step(TNX_MEM_OP_DATA, text, cut, chunk);
    mf_step(TNX_MEM_OP_DATA, text + cut, text_len - cut, chunk);
    mf_close();
    st = mf_call();
    outcome(st, out, cap);
    tnx_client_free(&F.client);
}

TEST(every_answer_gives_the_same_outcome_however_it_is_cut)
{
    char whole[512], got[512];
    size_t i, k;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t same = 0;
        if (!load(cases[i].file)) {
            TT_REPORT(0, "cannot read %s", cases[i].file);
            continue;
        }
        run(0, 0, whole, sizeof whole);
        TT_REPORT(strcmp(whole, cases[i].want) == 0, "%s:\n    got  %s\n"
                  "    want %s", cases[i].file, whole, cases[i].want);
        run(0, 1, got, sizeof got);
        TT_REPORT(strcmp(got, whole) == 0, "%s byte by byte: %s",
                  cases[i].file, got);
        for (k = 1; k < text_len; k++) {
            run(k, 0, got, sizeof got);
            if (strcmp(got, whole) != 0) {
                TT_REPORT(0, "%s cut at %zu: %s", cases[i].file, k, got);
                break;
            }
            same++;
        }
        CHECK_INT(same, text_len - 1);
    }
}

/* Where the head of the loaded answer ends (after its last CRLF CRLF
 * before the body, 1xx heads included). */
static size_t head_end(void)
{
    size_t k, end = 0;
    for (k = 0; k + 4 <= text_len; k++)
        if (memcmp(text + k, "\r\n\r\n", 4) == 0) {
            end = k + 4;
            if (text_len - end > 4 && memcmp(text + end, "HTTP/", 5) != 0)
                break;
        }
    return end;
}

/* After the first `cut` bytes the peer resets (or closes): the call fails
 * cleanly, the request went out once, and nothing is left open. */
static int cut_off(size_t cut, int reset, tnx_status want, const char *where)
{
    tnx_status st;
    int ok;
    mf_setup(); /* default retries: they must not re-send this POST */
    F.mem.answer_after_request = 0; /* answers come cut in several steps */
    /* Always a data step first, empty or not: a close step at the start
     * of a script is the mem port's "closed before this connection". */
    mf_step(TNX_MEM_OP_DATA, text, cut, 0);
    mf_step(reset ? TNX_MEM_OP_ERROR : TNX_MEM_OP_CLOSE, NULL, 0, 0);
    st = mf_call();
    ok = st == want && F.err.where && strcmp(F.err.where, where) == 0 &&
         F.err.attempts == 1 && mf_sent_count("POST ") == 1 &&
         !F.client.connected && F.mem.closes >= F.mem.connects &&
         !F.mem.connected;
    if (!ok)
        printf("  cut at %zu (%s): %s at %s, %u attempts, %u requests, "
               "connected %d/%d\n", cut, reset ? "reset" : "close",
               tnx_status_name(st), F.err.where ? F.err.where : "-",
               F.err.attempts, mf_sent_count("POST "), F.client.connected,
               F.mem.connected);
    tnx_client_free(&F.client);
    return ok;
}

TEST(a_reset_or_close_at_every_offset_is_a_clean_error)
{
    size_t i, k;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t clean = 0, head;
        int eof_framed = strcmp(cases[i].file, "ok_close_delimited") == 0;
        if (!load(cases[i].file)) continue;
        head = head_end();
        for (k = 0; k < text_len; k++) {
            const char *where = k ? "response" : "no response";
            tnx_status want = TNX_E_CLOSED;
            clean += (size_t)cut_off(k, 1, TNX_E_IO, "receive");
            /* A close ends a close-delimited body: too early, its JSON
             * is cut. */
            if (eof_framed && k >= head) {
                want = TNX_E_JSON;
                where = "response body";
            }
            clean += (size_t)cut_off(k, 0, want, where);
        }
        TT_REPORT(clean == 2 * text_len, "%s: %zu of %zu cuts clean",
                  cases[i].file, clean, 2 * text_len);
    }
}

int main(void)
{
    RUN(every_answer_gives_the_same_outcome_however_it_is_cut);
    RUN(a_reset_or_close_at_every_offset_is_a_clean_error);
    return tt_summary();
}

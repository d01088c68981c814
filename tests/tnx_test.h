/* A minimal test harness: each CHECK is one counted assertion; a binary
 * ends with the line "N passed, M failed" and exits non-zero on failure. */
#ifndef TNX_TEST_H
#define TNX_TEST_H
#include <stdio.h>
#include <string.h>

static int tt_passed, tt_failed;
static const char *tt_name = "?";

#define TEST(name) static void name(void)
#define RUN(name) \
    do { \
        int before_ = tt_failed; \
        tt_name = #name; \
        name(); \
        printf("%s - %s\n", tt_failed == before_ ? "ok" : "FAIL", #name); \
    } while (0)

#define TT_REPORT(ok, ...) \
    do { \
        if (ok) { \
            tt_passed++; \
        } else { \
            tt_failed++; \
            printf("  %s:%d: %s: ", __FILE__, __LINE__, tt_name); \
            printf(__VA_ARGS__); \
            printf("\n"); \
        } \
    } while (0)

#define CHECK(cond) TT_REPORT((cond), "%s", #cond)
#define CHECK_INT(got, want) \
    do { \
        long long g_ = (long long)(got), w_ = (long long)(want); \
        TT_REPORT(g_ == w_, "%s == %lld, want %lld", #got, g_, w_); \
    } while (0)
#define CHECK_STR(got, want) \
    do { \
        const char *g_ = (got), *w_ = (want); \
        TT_REPORT(g_ && w_ && strcmp(g_, w_) == 0, "%s == \"%s\", want \"%s\"", \
                  #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    } while (0)

static int tt_summary(void)
{
    printf("%d passed, %d failed\n", tt_passed, tt_failed);
    return tt_failed ? 1 : 0;
}
#endif

/* heap_meter.c - see heap_meter.h. */
#include "heap_meter.h"

#include <stdint.h>
#include <string.h>

/* A block: this header, then the caller's bytes.  Blocks tile the arena
 * from its start up to `top`; above `top` nothing was ever handed out. */
typedef struct hm_block {
    uint32_t size;       /* of the block, header included; multiple of 8 */
    uint16_t in_use;
    uint16_t owner;
    uint32_t asked;      /* bytes the caller asked for */
    uint32_t pad;        /* keeps the payload 8-byte aligned */
} hm_block;

#define HM_HDR ((uint32_t)sizeof(hm_block))
#define HM_MIN_SPLIT (HM_HDR + 16u)

static union {
    uint64_t align;      /* the payloads need 8-byte alignment */
    uint8_t bytes[HEAP_METER_ARENA];
} hm_arena;
static uint32_t hm_top;
static unsigned hm_current;
static heap_meter_stats hm_stats;

static hm_block *hm_at(uint32_t off)
{
    return (hm_block *)(void *)&hm_arena.bytes[off];
}

/* Joins runs of free blocks and gives a free tail back to the virgin
 * space.  One pass over the blocks; the tests have at most a few hundred. */
static void hm_coalesce(void)
{
    uint32_t off = 0, last_off = 0;

    while (off < hm_top) {
        hm_block *b = hm_at(off);

        while (!b->in_use && off + b->size < hm_top &&
               !hm_at(off + b->size)->in_use) {
            b->size += hm_at(off + b->size)->size;
        }
        last_off = off;
        off += b->size;
    }
    if (hm_top > 0 && !hm_at(last_off)->in_use) {
        hm_top = last_off;
    }
}

static hm_block *hm_find(uint32_t need)
{
    uint32_t off = 0;

    while (off < hm_top) {
        hm_block *b = hm_at(off);

        if (!b->in_use && b->size >= need) {
            if (b->size - need >= HM_MIN_SPLIT) {
                hm_block *rest = hm_at(off + need);

                rest->size = b->size - need;
                rest->in_use = 0;
                b->size = need;
            }
            return b;
        }
        off += b->size;
    }
    if (need > HEAP_METER_ARENA - hm_top) {
        return NULL;
    }
    {
        hm_block *b = hm_at(hm_top);

        b->size = need;
        hm_top += need;
        if (hm_top > hm_stats.arena_peak) {
            hm_stats.arena_peak = hm_top;
        }
        return b;
    }
}

void *heap_meter_calloc(size_t n, size_t size)
{
    hm_block *b;
    size_t asked;
    uint32_t need;

    if (n != 0 && size > (SIZE_MAX / n)) {
        hm_stats.failures++;
        return NULL;
    }
    asked = n * size;
    if (asked > HEAP_METER_ARENA - HM_HDR) {
        hm_stats.failures++;
        return NULL;
    }
    need = ((uint32_t)asked + HM_HDR + 7u) & ~7u;
    b = hm_find(need);
    if (b == NULL) {
        hm_stats.failures++;
        return NULL;
    }
    b->in_use = 1;
    b->owner = (uint16_t)hm_current;
    b->asked = (uint32_t)asked;
    memset(b + 1, 0, asked);

    hm_stats.allocs++;
    hm_stats.live[hm_current] += asked;
    if (hm_stats.live[hm_current] > hm_stats.peak[hm_current]) {
        hm_stats.peak[hm_current] = hm_stats.live[hm_current];
    }
    hm_stats.live_all += asked;
    if (hm_stats.live_all > hm_stats.peak_all) {
        hm_stats.peak_all = hm_stats.live_all;
    }
    return b + 1;
}

void heap_meter_free(void *p)
{
    hm_block *b;

    if (p == NULL) {
        return;
    }
    b = (hm_block *)p - 1;
    hm_stats.frees++;
    hm_stats.live[b->owner] -= b->asked;
    hm_stats.live_all -= b->asked;
    b->in_use = 0;
    hm_coalesce();
}

void heap_meter_owner(unsigned owner)
{
    hm_current = owner < HEAP_METER_OWNERS ? owner : 0;
}

void heap_meter_reset_peaks(void)
{
    unsigned i;

    for (i = 0; i < HEAP_METER_OWNERS; i++) {
        hm_stats.peak[i] = hm_stats.live[i];
    }
    hm_stats.peak_all = hm_stats.live_all;
    hm_stats.arena_peak = hm_top;
}

const heap_meter_stats *heap_meter_get(void)
{
    return &hm_stats;
}

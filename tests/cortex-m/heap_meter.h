/* heap_meter.h - a counting allocator over a static arena, for measuring
 * how much heap mbedTLS (or anything else) needs on the target.
 *
 * Each allocation is charged to the "owner" current at the time (set with
 * heap_meter_owner), so a test that runs a TLS client and server in one
 * program can tell the client's peak from the server's.  The arena is
 * first-fit with a header per block, like the small allocators devices
 * use, so arena_peak shows fragmentation too. */
#ifndef HEAP_METER_H
#define HEAP_METER_H

#include <stddef.h>

#define HEAP_METER_OWNERS 3    /* owner numbers 0..2 */

typedef struct heap_meter_stats {
    size_t live[HEAP_METER_OWNERS];   /* bytes asked for and not freed */
    size_t peak[HEAP_METER_OWNERS];   /* highest `live` seen */
    size_t live_all, peak_all;        /* the same over all owners */
    size_t arena_peak;                /* highest arena byte used, headers
                                         and holes included */
    unsigned long allocs, frees, failures;
} heap_meter_stats;

/* Bytes of the arena; set at build time with -DHEAP_METER_ARENA=N. */
#ifndef HEAP_METER_ARENA
#define HEAP_METER_ARENA (96u * 1024u)
#endif

void *heap_meter_calloc(size_t n, size_t size);
void heap_meter_free(void *p);
/* Charges later allocations to `owner` (0..HEAP_METER_OWNERS-1). */
void heap_meter_owner(unsigned owner);
/* Forgets the peaks (not the live counts): to measure one phase. */
void heap_meter_reset_peaks(void);
const heap_meter_stats *heap_meter_get(void);

#endif

/* hello.c - proves the test-image plumbing: stdio reaches the host through
 * semihosting, the stack is painted, and the status main returns becomes
 * qemu's exit status.
 *
 * Built twice: as is it returns 0; with -DHELLO_STATUS=3 it returns 3, and
 * the test expects qemu to exit with 3 (a lost status would read 0). */
#include <stdio.h>

#include "cm_support.h"

#ifndef HELLO_STATUS
#define HELLO_STATUS 0
#endif

int main(void)
{
    size_t used = stack_high_water();

    printf("hello from Cortex-M: stack %u of %u bytes used, exiting %d\n",
           (unsigned)used, (unsigned)stack_size(), HELLO_STATUS);
    /* The scan must see some use (this frame) and not the whole stack. */
    if (used == 0 || used >= stack_size()) {
        printf("FAIL: stack_high_water() = %u\n", (unsigned)used);
        return 1;
    }
    return HELLO_STATUS;
}

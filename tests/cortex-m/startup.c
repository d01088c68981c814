/* startup.c - reset, vector table and exit for test images that run under
 * qemu-system-arm -M mps2-an386 (Cortex-M4) with semihosting.
 *
 * Why our own: newlib's rdimon crt0 is written for boards where a debugger
 * loads the program and asks the host for the heap and stack, and
 * nosys.specs has no console at all.  Here the reset handler does what a
 * real device's does (copy .data, zero .bss, enable the FPU), paints the
 * stack so stack_high_water() can measure it, and exit() ends qemu through
 * semihosting with the program's status, so qemu's exit status is the
 * verdict of the test.
 *
 * Works on Cortex-M0+ too (no FPU there; the v6-M instruction set).
 */
#include <stdint.h>
#include <stdlib.h>

#include "cm_support.h"

/* From mps2-an386.ld. */
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_limit[], __stack_top[];

int main(void);
void reset_handler(void);
void fault_handler(void);
void _exit(int status);
/* newlib's librdimon: opens stdin/stdout/stderr on the semihosting host. */
void initialise_monitor_handles(void);

/* Semihosting operations (ARM "Semihosting for AArch32 and AArch64"). */
#define SH_SYS_WRITE0        0x04u
#define SH_SYS_TIME          0x11u
#define SH_SYS_EXIT          0x18u
#define SH_SYS_EXIT_EXTENDED 0x20u
#define SH_APP_EXIT          0x20026u  /* ADP_Stopped_ApplicationExit */

static uint32_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;

    /* BKPT 0xAB is the M-profile semihosting trap; "memory" because the
     * host reads the block r1 points to. */
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void cm_puts_raw(const char *s)
{
    semihost(SH_SYS_WRITE0, s);
}

uint32_t cm_host_time(void)
{
    return semihost(SH_SYS_TIME, 0);
}

/* Replaces librdimon's _exit, which passes the status only when it has
 * probed the host's semihosting features first.  SYS_EXIT_EXTENDED carries
 * the status on 32-bit ARM; qemu turns it into its own exit status.  The
 * plain SYS_EXIT after it is for a host that lacks the extension: it can
 * only tell success (status 0) from failure. */
void _exit(int status)
{
    uint32_t block[2];

    block[0] = SH_APP_EXIT;
    block[1] = (uint32_t)status;
    semihost(SH_SYS_EXIT_EXTENDED, block);
    semihost(SH_SYS_EXIT, (const void *)(uintptr_t)(status == 0 ?
             SH_APP_EXIT : 0x20023u /* ADP_Stopped_RunTimeErrorUnknown */));
    for (;;) {
    }
}

/* newlib's exit() runs __libc_fini_array, which ends by calling _fini;
 * that comes from crti.o, left out with the rest of the start files. */
void _fini(void);
void _fini(void)
{
}

/* Any fault ends the test as a failure with a status no test uses. */
void fault_handler(void)
{
    cm_puts_raw("FAULT: hard fault or unhandled exception\n");
    _exit(CM_EXIT_FAULT);
}

static uint32_t current_sp(void)
{
    uint32_t sp;

    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Fill the stack below the current frame with a pattern; the reset
 * handler's own few words are above the margin. */
static void paint_stack(void)
{
    uint32_t *p = __stack_limit;
    uint32_t *end = (uint32_t *)(uintptr_t)(current_sp() - 64u);

    while (p < end) {
        *p++ = CM_STACK_PAINT;
    }
}

size_t stack_high_water(void)
{
    const uint32_t *p = __stack_limit;

    /* The deepest point the stack reached is the lowest word that no
     * longer holds the pattern (a pushed word equal to it fools this by
     * at most a few words, which is within what we measure for). */
    while (p < __stack_top && *p == CM_STACK_PAINT) {
        p++;
    }
    return (size_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

size_t stack_size(void)
{
    return (size_t)((uintptr_t)__stack_top - (uintptr_t)__stack_limit);
}

/* Paints everything below this function's frame again, so that one call
 * can be measured on its own; the 16 bytes just below stay unpainted, the
 * resolution of stack_depth_from(). */
__attribute__((noinline)) void stack_repaint(void)
{
    uint32_t *p = __stack_limit;
    uint32_t *end = (uint32_t *)(uintptr_t)(current_sp() - 16u);

    while (p < end) {
        *p++ = CM_STACK_PAINT;
    }
}

/* A leaf that pushes nothing: the caller's stack pointer. */
__attribute__((noinline)) uintptr_t stack_pointer(void)
{
    return current_sp();
}

size_t stack_depth_from(uintptr_t top)
{
    const uint32_t *p = __stack_limit;

    while (p < __stack_top && *p == CM_STACK_PAINT) {
        p++;
    }
    return (uintptr_t)p < top ? (size_t)(top - (uintptr_t)p) : 0;
}

void reset_handler(void)
{
    uint32_t *src = __data_load;
    uint32_t *dst = __data_start;

    while (dst < __data_end) {
        *dst++ = *src++;
    }
    for (dst = __bss_start; dst < __bss_end; dst++) {
        *dst = 0;
    }

#if defined(__ARM_FP)
    /* Full access to CP10 and CP11 before the first FPU instruction;
     * code built with -mfloat-abi=hard faults without it. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif

    paint_stack();
    initialise_monitor_handles();
    exit(main());
}

/* Cortex-M vector table: the initial stack pointer, then 15 system
 * handlers.  The test images enable no device interrupts.  A struct, so
 * that the stack address needs no cast to a function pointer. */
typedef void (*cm_handler)(void);

struct cm_vector_table {
    uint32_t *initial_sp;
    cm_handler handler[15];
};

__attribute__((section(".vectors"), used))
const struct cm_vector_table cm_vectors = {
    __stack_top,
    {
        reset_handler,
        fault_handler,  /* NMI */
        fault_handler,  /* HardFault */
        fault_handler,  /* MemManage */
        fault_handler,  /* BusFault */
        fault_handler,  /* UsageFault */
        0, 0, 0, 0,
        fault_handler,  /* SVCall */
        fault_handler,  /* DebugMon */
        0,
        fault_handler,  /* PendSV */
        fault_handler   /* SysTick */
    }
};

/* cm_support.h - what startup.c offers the Cortex-M test images. */
#ifndef CM_SUPPORT_H
#define CM_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/* Word the stack is painted with at reset. */
#define CM_STACK_PAINT 0xA5C3A5C3u

/* Exit status of an image that took a fault; no test returns it. */
#define CM_EXIT_FAULT 99

/* Deepest stack use since reset, in bytes (painted-stack scan). */
size_t stack_high_water(void);
/* Bytes reserved for the stack by the linker script. */
size_t stack_size(void);
/* One call measured on its own:
 *     stack_repaint(); top = stack_pointer(); f(); used = stack_depth_from(top);
 * gives the bytes f used below the caller's frame (at least 16 are shown). */
void stack_repaint(void);
uintptr_t stack_pointer(void);
size_t stack_depth_from(uintptr_t top);
/* Writes a NUL-terminated string to the host without stdio. */
void cm_puts_raw(const char *s);
/* The host's clock, seconds since 1970 (semihosting SYS_TIME). */
uint32_t cm_host_time(void);

#endif

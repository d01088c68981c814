/* tnx_port_freertos.h - the socket hooks over FreeRTOS+TCP (v4 API:
 * FreeRTOS_* sockets, FreeRTOS_getaddrinfo).
 *
 *     tnx_freertos sock;
 *     tnx_port port;
 *     tnx_freertos_port(&port, &sock);     // fills the six hooks
 *     cfg.port = &port;
 *
 * Build ports/tnx_port_freertos.c with the rest of the program, with the
 * FreeRTOSConfig.h and FreeRTOSIPConfig.h of the application.  One
 * tnx_freertos holds one connection and its clock; give each client its
 * own, and call the hooks from a task, never from the IP task.
 */
#ifndef TNX_PORT_FREERTOS_H
#define TNX_PORT_FREERTOS_H

#include "telnyx_porting.h"

typedef struct tnx_freertos {
    void *sock;               /* the connected Socket_t, or NULL */
    int eof;                  /* recv saw the peer's close */
    int last_error;           /* pdFREERTOS_ERRNO_ code behind the last
                                 failure, 0 if none: for your logs */
    uint32_t ms;              /* now_ms: milliseconds so far, */
    uint32_t ms_rest;         /* the part of a millisecond left over, */
    uint64_t last_tick;       /* and the tick count it was read at */
} tnx_freertos;

/* Points p's hooks and p->ctx at ctx, not connected.  Entropy comes from
 * xApplicationGetRandomNumber(), which every FreeRTOS+TCP application
 * provides already: it must read a hardware TRNG, not rand().  ctx must
 * outlive p. */
void tnx_freertos_port(tnx_port *p, tnx_freertos *ctx);

#endif /* TNX_PORT_FREERTOS_H */

/* tnx_port_lwip.h - the socket hooks over lwIP's sockets API (lwip_*
 * names), for any RTOS that runs lwIP with NO_SYS=0 and LWIP_SOCKET=1.
 *
 *     static int trng(uint8_t *buf, size_t len);   // your board's TRNG
 *     tnx_lwip sock;
 *     tnx_port port;
 *     tnx_lwip_port(&port, &sock, trng);           // fills the six hooks
 *     cfg.port = &port;
 *
 * Build ports/tnx_port_lwip.c with the rest of the program, against the
 * same lwipopts.h as lwIP itself.  One tnx_lwip holds one connection; give
 * each client its own.  lwIP with NO_SYS=1 has no sockets: write a port on
 * its raw API that runs the stack inside the blocking hooks.
 */
#ifndef TNX_PORT_LWIP_H
#define TNX_PORT_LWIP_H

#include "telnyx_porting.h"

typedef struct tnx_lwip {
    int fd;                   /* the connected lwIP socket, or -1 */
    int eof;                  /* recv saw the peer's close (lwIP returns 0
                                 once, then fails with ENOTCONN) */
    int last_error;           /* errno behind the last failure, 0 if none:
                                 for your logs, the library does not read it */
    int (*trng)(uint8_t *buf, size_t len);  /* entropy: 0 ok, -1 failed */
} tnx_lwip;

/* Sets ctx->fd to -1 and points p's hooks and p->ctx at ctx.  lwIP has no
 * entropy source of its own: `trng` fills a buffer from the hardware's
 * (NULL only in TNX_NO_TLS builds; p->entropy is then NULL).  The clock is
 * lwIP's sys_now().  ctx must outlive p. */
void tnx_lwip_port(tnx_port *p, tnx_lwip *ctx,
                   int (*trng)(uint8_t *buf, size_t len));

#endif /* TNX_PORT_LWIP_H */

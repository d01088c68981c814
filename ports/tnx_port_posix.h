/* tnx_port_posix.h - the socket hooks for POSIX systems (Linux, BSD, macOS).
 *
 *     tnx_posix sock;
 *     tnx_port port;
 *     tnx_posix_port(&port, &sock);     // fills the six hooks
 *     cfg.port = &port;
 *
 * Build ports/tnx_port_posix.c with the rest of the program.  One tnx_posix
 * holds one connection; give each client its own.
 */
#ifndef TNX_PORT_POSIX_H
#define TNX_PORT_POSIX_H

#include "telnyx_porting.h"

typedef struct tnx_posix {
    int fd;                   /* the connected socket, or -1 */
} tnx_posix;

/* Sets ctx->fd to -1 and points p's hooks and p->ctx at ctx.  ctx must
 * outlive p. */
void tnx_posix_port(tnx_port *p, tnx_posix *ctx);

#endif /* TNX_PORT_POSIX_H */

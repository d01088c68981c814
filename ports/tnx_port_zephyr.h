/* tnx_port_zephyr.h - the socket hooks for Zephyr (zsock_* sockets).
 *
 *     tnx_zephyr sock;
 *     tnx_port port;
 *     tnx_zephyr_port(&port, &sock);       // fills the six hooks
 *     cfg.port = &port;
 *
 * Build ports/tnx_port_zephyr.c in your application (target_sources).
 * Needs CONFIG_NETWORKING, CONFIG_NET_SOCKETS, CONFIG_NET_TCP, and for
 * names CONFIG_DNS_RESOLVER; entropy needs a CSPRNG (an entropy driver,
 * CONFIG_CSPRNG_ENABLED).  One tnx_zephyr holds one connection; give each
 * client its own.
 */
#ifndef TNX_PORT_ZEPHYR_H
#define TNX_PORT_ZEPHYR_H

#include "telnyx_porting.h"

typedef struct tnx_zephyr {
    int fd;                   /* the connected socket, or -1 */
    int last_error;           /* errno (or a DNS_EAI_ code, or
                                 sys_csrand_get's) behind the last failure,
                                 0 if none: for your logs */
} tnx_zephyr;

/* Sets ctx->fd to -1 and points p's hooks and p->ctx at ctx.  ctx must
 * outlive p. */
void tnx_zephyr_port(tnx_port *p, tnx_zephyr *ctx);

#endif /* TNX_PORT_ZEPHYR_H */

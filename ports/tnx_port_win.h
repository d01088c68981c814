/* tnx_port_win.h - the socket hooks for Windows (Winsock 2, Vista and
 * later).
 *
 *     tnx_win sock;
 *     tnx_port port;
 *     if (tnx_win_port(&port, &sock) != 0) ...   // WSAStartup failed
 *     cfg.port = &port;
 *     ...
 *     tnx_win_port_done(&sock);                  // closes, WSACleanup
 *
 * Build ports/tnx_port_win.c with the rest of the program and link
 * ws2_32 and bcrypt.  One tnx_win holds one connection; give each client
 * its own.
 */
#ifndef TNX_PORT_WIN_H
#define TNX_PORT_WIN_H

#include "telnyx_porting.h"

typedef struct tnx_win {
    uintptr_t sock;           /* the connected SOCKET, or INVALID_SOCKET */
    int last_error;           /* WSAGetLastError() (or an NTSTATUS from
                                 BCryptGenRandom) behind the last failure,
                                 0 if none: for your logs */
} tnx_win;

/* Starts Winsock 2.2 (WSAStartup) and points p's hooks and p->ctx at ctx,
 * not connected.  Returns 0, or WSAStartup's error (p is then unusable).
 * ctx must outlive p. */
int tnx_win_port(tnx_port *p, tnx_win *ctx);
/* Closes the socket and balances the WSAStartup of tnx_win_port. */
void tnx_win_port_done(tnx_win *ctx);

#endif /* TNX_PORT_WIN_H */

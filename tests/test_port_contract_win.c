/* test_port_contract_win.c - the Windows port through the whole contract
 * (tests/port_contract.h; servers on Winsock, 127.0.0.1 and ::1), and the
 * library linked with it.  Built with mingw-w64 by `make windows`, without
 * TLS (Debian has no mbedTLS for mingw); runs on Windows or under wine. */
#define _WIN32_WINNT 0x0600         /* WSAPoll, GetTickCount64 */
#define TELNYX_PORTING_IMPLEMENTATION
#define PORT_CONTRACT_IMPLEMENTATION
static const char *under_wine(void);
#define PC_RESET_SKIP under_wine()
#include "port_contract.h"

#include "ports/tnx_port_win.h"

/* Under wine 8 a closesocket with linger 0 and unread data reaches the
 * port as a plain close (recv 0) in most runs, so the reset checks would
 * test wine, not the port. */
static const char *under_wine(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    if (nt && GetProcAddress(nt, "wine_get_version"))
        return "under wine the peer's reset mostly arrives as a close";
    return NULL;
}

/* The library's client over this port: a port where nothing listens is
 * TNX_E_CONNECT, with the port's TNX_IO_REFUSED in lib_code. */
static void library_refused(pc_tally *t, const tnx_port *p)
{
    uint16_t port = 0;
    int fd = pc__listen(AF_INET, 0, 1, 0, &port);
    char url[40];
    tnx_config cfg = tnx_config_default();
    tnx_params who = { "John", "Doe" };
    tnx_action_requirement ar;
    tnx_client c;
    tnx_error err;
    tnx_status st = TNX_E_ARG;

    if (fd >= 0)
        PC_CLOSE(fd);               /* now nothing listens on `port` */
    sprintf(url, "http://127.0.0.1:%u/v2", (unsigned)port);
    cfg.base_url = url;
    cfg.api_key = "KEY";
    cfg.port = p;
    cfg.timeout_ms = 5000;
    if (fd >= 0 && tnx_client_init(&c, &cfg, &err) == TNX_OK) {
        st = tnx_initiate(&c, "PO", "AR", &who, &ar, &err);
        tnx_client_free(&c);
    }
    pc_check(t, st == TNX_E_CONNECT && err.lib_code == TNX_IO_REFUSED,
             "windows", "tnx_initiate to a closed port: TNX_E_CONNECT",
             "returned %s, lib_code %d", tnx_status_name(st), err.lib_code);
}

int main(void)
{
    pc_tally tally = { 0, 0 };
    tnx_win sock;
    tnx_port port;
    int rc;

    setvbuf(stdout, NULL, _IONBF, 0);
    memset(&port, 0xAB, sizeof port); /* setup must set every hook */
    rc = tnx_win_port(&port, &sock);
    if (rc != 0) {
        printf("WSAStartup failed: %d\n", rc);
        return 1;
    }
    pc_run_basics(&tally, "windows", &port, 1);
    pc_run_sockets(&tally, "windows", &port);
    library_refused(&tally, &port);
    tnx_win_port_done(&sock);
    return pc_summary(&tally);
}

/* test_port_contract_lwip.c - the lwIP port through the whole contract, on
 * the host.
 *
 * Debian's liblwip-dev is lwIP 2.1.3's unix port (NO_SYS=0): its tcpip
 * thread runs a complete TCP/IP stack inside this process.  This file gives
 * it one interface, "lo", that only loops packets back to itself (127.0.0.1
 * and ::1; the library is built with LWIP_NETIF_LOOPBACK and without a
 * loopback interface of its own).  The contract's servers then listen and
 * accept with lwip_* calls too, so port and servers meet on lwIP's network;
 * no packet reaches the kernel, no tap device is needed.
 *
 * That lwIP accepts 127.0.0.1 but no other 127.x address and does not
 * forward loopback packets, so a SYN to 127.0.0.2 is dropped: the
 * mid-connect timeout check aims there.  It is built with LWIP_DNS=0, so
 * the port connects to IP literals only and no lookup can leave.
 */
#define _POSIX_C_SOURCE 200809L

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"

#define PC_SOCKET lwip_socket
#define PC_SETSOCKOPT lwip_setsockopt
#define PC_BIND lwip_bind
#define PC_LISTEN lwip_listen
#define PC_GETSOCKNAME lwip_getsockname
#define PC_ACCEPT lwip_accept
#define PC_CONNECT lwip_connect
#define PC_SEND lwip_send
#define PC_RECV lwip_recv
#define PC_CLOSE lwip_close
#define PC_POLL lwip_poll
#define PC_NONBLOCK(fd) lwip_fcntl((fd), F_SETFL, O_NONBLOCK)
#define PC_SILENT_ADDR "127.0.0.2"
#define PC_ISOLATED 1
#define PORT_CONTRACT_IMPLEMENTATION
#include "port_contract.h"

#include "ports/tnx_port_lwip.h"

static struct netif lo;

/* Packets to anywhere but this interface's own addresses: dropped. */
static err_t lo_output4(struct netif *n, struct pbuf *p, const ip4_addr_t *a)
{
    (void)n;
    (void)p;
    (void)a;
    return ERR_OK;
}

static err_t lo_output6(struct netif *n, struct pbuf *p, const ip6_addr_t *a)
{
    (void)n;
    (void)p;
    (void)a;
    return ERR_OK;
}

static err_t lo_init(struct netif *n)
{
    n->name[0] = 'l';
    n->name[1] = 'o';
    n->mtu = 1500;
    n->output = lo_output4;
    n->output_ip6 = lo_output6;
    return ERR_OK;
}

/* Runs in the tcpip thread, which owns the netif list. */
static void lo_up(void *arg)
{
    ip4_addr_t addr, mask, gw;
    ip6_addr_t a6;
    s8_t index = -1;

    IP4_ADDR(&addr, 127, 0, 0, 1);
    IP4_ADDR(&mask, 255, 0, 0, 0);
    ip4_addr_set_zero(&gw);
    netif_add(&lo, &addr, &mask, &gw, NULL, lo_init, tcpip_input);
    IP6_ADDR(&a6, 0, 0, 0, PP_HTONL(1));
    if (netif_add_ip6_address(&lo, &a6, &index) == ERR_OK)
        netif_ip6_addr_set_state(&lo, index, IP6_ADDR_VALID);
    netif_set_default(&lo);
    netif_set_link_up(&lo);
    netif_set_up(&lo);
    sys_sem_signal((sys_sem_t *)arg);
}

/* The test's stand-in for a board's TRNG. */
static int host_trng(uint8_t *buf, size_t len)
{
    size_t got = 0;
    int fd = open("/dev/urandom", O_RDONLY);

    while (fd >= 0 && got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (fd >= 0)
        close(fd);
    return got == len ? 0 : -1;
}

/* Names never resolve without LWIP_DNS; an address in no interface
 * cannot be reached. */
static void lwip_specifics(pc_tally *t, const tnx_port *p)
{
    int name = p->connect(p->ctx, "localhost", 443, 1000);
    int junk = p->connect(p->ctx, "127.0.0.1.5", 443, 1000);

    p->close(p->ctx);
    pc_check(t, name == TNX_IO_NO_HOST && junk == TNX_IO_NO_HOST, "lwip",
             "LWIP_DNS=0: a name or a malformed literal is TNX_IO_NO_HOST",
             "returned %d and %d", name, junk);
}

int main(void)
{
    pc_tally tally = { 0, 0 };
    sys_sem_t ready;
    tnx_lwip sock;
    tnx_port port;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (sys_sem_new(&ready, 0) != ERR_OK)
        return 1;
    tcpip_init(lo_up, &ready);
    if (sys_arch_sem_wait(&ready, 5000) == SYS_ARCH_TIMEOUT) {
        printf("lwIP did not start\n");
        return 1;
    }
    sys_sem_free(&ready);
    memset(&port, 0xAB, sizeof port); /* setup must set every hook */
    tnx_lwip_port(&port, &sock, host_trng);
    pc_run_basics(&tally, "lwip", &port, 1);
    pc_run_sockets(&tally, "lwip", &port);
    lwip_specifics(&tally, &port);
    return pc_summary(&tally);
}

/* tnx_port_esp.c - ESP-IDF: lwIP's sockets through ports/tnx_port_lwip.c,
 * with ESP-IDF's own clock and random source.
 *
 * Clock:   esp_timer_get_time(), microseconds since boot in 64 bits, cut
 *          to uint32 milliseconds.
 * Entropy: esp_fill_random(), the RNG peripheral, fed by RF noise while
 *          Wi-Fi or Bluetooth runs (see tnx_port_esp.h).
 * Sockets, names, threads: as tnx_port_lwip.c (ESP-IDF builds lwIP with
 *          LWIP_DNS, select and poll).
 */
#include "tnx_port_esp.h"

#include "esp_random.h"
#include "esp_timer.h"

static uint32_t esp_now(void *ctx)
{
    (void)ctx;
    return (uint32_t)((uint64_t)esp_timer_get_time() / 1000u);
}

static int esp_trng(uint8_t *buf, size_t len)
{
    esp_fill_random(buf, len);
    return 0;
}

void tnx_esp_port(tnx_port *p, tnx_lwip *ctx)
{
    tnx_lwip_port(p, ctx, esp_trng);
    p->now_ms = esp_now;
}

/* tnx_port_esp.h - the socket hooks for ESP-IDF: the lwIP port
 * (ports/tnx_port_lwip.c) with ESP-IDF's clock and hardware random source.
 *
 *     tnx_lwip sock;
 *     tnx_port port;
 *     tnx_esp_port(&port, &sock);          // fills the six hooks
 *     cfg.port = &port;
 *
 * Build ports/tnx_port_esp.c and ports/tnx_port_lwip.c in your component
 * (REQUIRES lwip esp_timer esp_hw_support).
 */
#ifndef TNX_PORT_ESP_H
#define TNX_PORT_ESP_H

#include "tnx_port_lwip.h"

/* tnx_lwip_port with now_ms from esp_timer_get_time() and entropy from
 * esp_fill_random().  That is a true random source only while Wi-Fi or
 * Bluetooth runs (or after bootloader_random_enable()): connect the
 * network before the first tnx_client_init.  ctx must outlive p. */
void tnx_esp_port(tnx_port *p, tnx_lwip *ctx);

#endif /* TNX_PORT_ESP_H */

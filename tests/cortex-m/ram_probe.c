/* ram_probe.c - the sizes of the library's RAM, as the target's compiler
 * lays it out, without running anything: each array below is as large as
 * one struct or member, and `nm -S` on the object reads them back
 * (scripts/footprint.sh prints them).  Compiled with the flags and the
 * TNX_* / mbedTLS configuration being measured; never linked. */
#include "telnyx_porting.h"

#define RAM_OF(type, member) sizeof(((type *)0)->member)

/* What one client holds for its whole life. */
char ram_client[sizeof(tnx_client)];
char ram_client_cfg[RAM_OF(tnx_client, cfg)];
char ram_client_host[RAM_OF(tnx_client, host)];
char ram_client_base_path[RAM_OF(tnx_client, base_path)];
char ram_client_http[RAM_OF(tnx_client, http)];
char ram_client_http_line[RAM_OF(tnx__http, line)];
char ram_client_reader[RAM_OF(tnx_client, reader)];
char ram_client_reader_js[RAM_OF(tnx_reader, js)];
char ram_client_reader_map[RAM_OF(tnx_reader, map)];
char ram_client_buf[RAM_OF(tnx_client, buf)];
#ifndef TNX_NO_TLS
/* mbedTLS's own contexts, embedded in tnx_client. */
char ram_client_ssl[RAM_OF(tnx_client, ssl)];
char ram_client_conf[RAM_OF(tnx_client, conf)];
char ram_client_ca[RAM_OF(tnx_client, ca)];
char ram_client_drbg[RAM_OF(tnx_client, drbg)];
#endif

/* What the caller passes to each tnx_initiate. */
char ram_action_requirement[sizeof(tnx_action_requirement)];
char ram_error[sizeof(tnx_error)];
char ram_params[sizeof(tnx_params)];

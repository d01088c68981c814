/* link_probe.c - a firmware that makes the library's one call, for its
 * map file: what tnx_config_default, tnx_client_init, tnx_initiate and
 * tnx_client_free pull in at link time with --gc-sections (the library,
 * mbedTLS, the C library), as opposed to the whole object `make size`
 * measures.  The in-memory port stands in for the device's own.  Linked,
 * never run. */
#include "telnyx_porting.h"
#include "tnx_port_mem.h"

static tnx_mem mem;
static tnx_port port;
static tnx_client client;
static tnx_action_requirement ar;
static tnx_error err;

int main(void)
{
    tnx_config cfg = tnx_config_default();
    tnx_params who = { "John", "Doe" };
    tnx_status st;

    tnx_mem_port(&port, &mem);
    cfg.api_key = "KEY";
    cfg.port = &port;
    st = tnx_client_init(&client, &cfg, &err);
    if (st == TNX_OK)
        st = tnx_initiate(&client, "PO", "AR", &who, &ar, &err);
    tnx_client_free(&client);
    return (int)st;
}

/* initiate - a command-line client for the one operation of telnyx_porting.h
 *
 *   initiate --porting-order-id PO --id AR --first-name John --last-name Doe
 *            [--params JSON] [--base-url URL] [--ca-file PEM]
 *            [--api-key KEY] [--timeout-ms N] [--verbose]
 *
 * Exit status: 0 done, 2 usage, 3 connection/TLS/timeout, 4 the API answered
 * 4xx, 5 the API answered 5xx, 6 malformed or unexpected answer, 1 other.
 */
#define _POSIX_C_SOURCE 200809L
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_port_posix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

static const char usage[] =
    "usage: initiate --porting-order-id PO --id AR --first-name NAME "
    "--last-name NAME\n"
    "                [--params JSON] [--base-url URL] [--ca-file PEM]\n"
    "                [--api-key KEY] [--timeout-ms N] [--verbose]\n"
    "                [--insecure-skip-tls-verify]\n"
    "  API key: --api-key or TELNYX_API_KEY; base URL: --base-url or\n"
    "  TELNYX_BASE_URL (default https://api.telnyx.com/v2); CA: --ca-file,\n"
    "  else SSL_CERT_FILE, else /etc/ssl/certs/ca-certificates.crt\n";

static int fail_usage(const char *why)
{
    fprintf(stderr, "initiate: %s\n%s", why, usage);
    return 2;
}

static int fail_usage_arg(const char *why, const char *arg)
{
    fprintf(stderr, "initiate: %s %s\n%s", why, arg, usage);
    return 2;
}

/* Whole file, NUL-terminated (PEM wants the NUL counted), or NULL. */
static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 &&
        (buf = (unsigned char *)malloc((size_t)n + 1)) != NULL) {
        if (fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = 0;
            *len = (size_t)n + 1;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static void log_line(void *ctx, int level, const char *line)
{
    static const char *const names[] = { "?", "error", "warn", "info",
                                         "debug" };
    (void)ctx;
    fprintf(stderr, "initiate: [%s] %s\n",
            names[level >= 1 && level <= 4 ? level : 0], line);
}

static int stdout_sink(void *ctx, const char *bytes, size_t len)
{
    (void)ctx;
    return fwrite(bytes, 1, len, stdout) == len ? 0 : TNX_E_IO;
}

static int exit_code(tnx_status st, int http_status)
{
    switch (st) {
    case TNX_OK: return 0;
    case TNX_E_ARG: case TNX_E_URL: case TNX_E_PATH_PARAM:
    case TNX_E_API_KEY: case TNX_E_PARAMS: case TNX_E_UTF8:
        return 2;
    case TNX_E_DNS: case TNX_E_CONNECT: case TNX_E_TIMEOUT: case TNX_E_IO:
    case TNX_E_CLOSED: case TNX_E_ENTROPY: case TNX_E_CA: case TNX_E_TLS:
    case TNX_E_CERT:
        return 3;
    case TNX_E_API:
        if (http_status >= 400 && http_status < 500) return 4;
        if (http_status >= 500 && http_status < 600) return 5;
        return 6;
    case TNX_E_HTTP: case TNX_E_HEADER: case TNX_E_BODY_LARGE:
    case TNX_E_JSON: case TNX_E_DEPTH: case TNX_E_SCHEMA:
        return 6;
    default:
        return 1;
    }
}

/* Server text with its control bytes shown as \xNN, so an answer cannot
 * add lines or terminal escapes to ours. */
static void put_clean(const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch == 0x7F) fprintf(stderr, "\\x%02x", ch);
        else fputc(ch, stderr);
    }
}

/* One line on stderr that names the cause. */
static void report(const tnx_error *e)
{
    if (e->status == TNX_E_API) {
        fprintf(stderr, "initiate: HTTP %d", e->http_status);
        if (e->count > 0) {
            const tnx_api_error *a = &e->errors[0];
            fputs(": ", stderr);
            put_clean(a->code);
            fputc(' ', stderr);
            put_clean(a->title);
            if (a->detail[0]) {
                fputs(": ", stderr);
                put_clean(a->detail);
            }
            if (a->pointer[0]) {
                fputs(" (at ", stderr);
                put_clean(a->pointer);
                fputc(')', stderr);
            }
            if (e->count > 1) fprintf(stderr, " (+%u more)", e->count - 1);
        } else {
            fprintf(stderr, " (the body held no Telnyx errors)");
        }
    } else if (e->status == TNX_E_CERT) {
        fprintf(stderr, "initiate: TLS: %s: %s", tnx_status_text(e->status),
                tnx_cert_problem(e->cert_flags));
    } else {
        fprintf(stderr, "initiate: %s", tnx_status_text(e->status));
        if (e->where && strcmp(e->where, "response body") != 0)
            fprintf(stderr, " (%s)", e->where);
        if (e->status == TNX_E_JSON || e->status == TNX_E_SCHEMA)
            fprintf(stderr, " at body byte %ld", e->offset);
        if ((e->status == TNX_E_TLS || e->status == TNX_E_CA ||
             e->status == TNX_E_ENTROPY) && e->lib_code < 0)
            fprintf(stderr, " [mbedTLS -0x%04x]", (unsigned)-e->lib_code);
        if (e->http_status) fprintf(stderr, " [HTTP %d]", e->http_status);
    }
    if (e->request_id[0]) {
        fputs(" [request id ", stderr);
        put_clean(e->request_id);
        fputc(']', stderr);
    }
    if (e->attempts > 1)
        fprintf(stderr, " [%u attempts; %s]", e->attempts,
                e->retry_stop ? e->retry_stop : "-");
    fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
    const char *po = NULL, *id = NULL, *first = NULL, *last = NULL;
    const char *params_json = NULL, *ca_file = NULL, *timeout = NULL;
    tnx_config cfg = tnx_config_default();
    tnx_params_buf pb;
    tnx_params who;
    tnx_posix sock;
    tnx_port port;
    static tnx_client client;
    tnx_action_requirement ar;
    tnx_error err;
    tnx_writer w;
    tnx_status st;
    unsigned char *ca = NULL;
    int i, verbose = 0;

    cfg.api_key = getenv("TELNYX_API_KEY");
    if (getenv("TELNYX_BASE_URL")) cfg.base_url = getenv("TELNYX_BASE_URL");
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], **dst = NULL;
        if (!strcmp(a, "--verbose")) { verbose = 1; continue; }
        if (!strcmp(a, "--insecure-skip-tls-verify")) {
            cfg.insecure_skip_tls_verify = 1;
            continue;
        }
        if (!strcmp(a, "--help")) { fputs(usage, stdout); return 0; }
        if (!strcmp(a, "--porting-order-id")) dst = &po;
        else if (!strcmp(a, "--id")) dst = &id;
        else if (!strcmp(a, "--first-name")) dst = &first;
        else if (!strcmp(a, "--last-name")) dst = &last;
        else if (!strcmp(a, "--params")) dst = &params_json;
        else if (!strcmp(a, "--base-url")) dst = &cfg.base_url;
        else if (!strcmp(a, "--ca-file")) dst = &ca_file;
        else if (!strcmp(a, "--api-key")) dst = &cfg.api_key;
        else if (!strcmp(a, "--timeout-ms")) dst = &timeout;
        else return fail_usage_arg("unknown option", a);
        if (++i >= argc) return fail_usage_arg("no value after", a);
        *dst = argv[i];
    }
    if (!po || !id) return fail_usage("--porting-order-id and --id are needed");
    memset(&pb, 0, sizeof pb);
    if (params_json) {
        tnx_reader r;
        tnx_reader_params(&r, &pb);
        tnx_reader_feed(&r, params_json, strlen(params_json));
        if (tnx_reader_end(&r) != TNX_OK || pb.truncated)
            return fail_usage("--params is not {\"params\":{\"first_name\":"
                              "\"...\",\"last_name\":\"...\"}}");
    }
    who.first_name = first ? first : (pb.present & 1) ? pb.first_name : NULL;
    who.last_name = last ? last : (pb.present & 2) ? pb.last_name : NULL;
    if (!who.first_name || !who.last_name)
        return fail_usage("a first and a last name are needed");
    if (!cfg.api_key || !*cfg.api_key)
        return fail_usage("no API key: --api-key or TELNYX_API_KEY");
    if (timeout) {
        char *end;
        unsigned long t = strtoul(timeout, &end, 10);
        if (*end || t == 0 || t > 600000)
            return fail_usage("--timeout-ms takes 1..600000");
        cfg.timeout_ms = (uint32_t)t;
        if (cfg.connect_timeout_ms > t) cfg.connect_timeout_ms = (uint32_t)t;
        if (cfg.tls_timeout_ms > t) cfg.tls_timeout_ms = (uint32_t)t;
    }
    if (cfg.insecure_skip_tls_verify)
        fprintf(stderr, "initiate: WARNING: TLS certificate verification is "
                        "OFF; anyone on the path can read the API key\n");
    if (!ca_file) ca_file = getenv("SSL_CERT_FILE");
    if (!ca_file) ca_file = "/etc/ssl/certs/ca-certificates.crt";
    if (!cfg.insecure_skip_tls_verify) {
        ca = read_file(ca_file, &cfg.ca_len);
        if (!ca) {
            fprintf(stderr, "initiate: cannot read CA file %s: %s\n",
                    ca_file, strerror(errno));
            return 3;
        }
        cfg.ca = ca;
    }
    if (verbose) {
        cfg.log = log_line;
        cfg.log_level = TNX_LOG_DEBUG;
    }
    tnx_posix_port(&port, &sock);
    cfg.port = &port;

    st = tnx_client_init(&client, &cfg, &err);
    if (st == TNX_OK) st = tnx_initiate(&client, po, id, &who, &ar, &err);
    tnx_client_free(&client);
    free(ca);
    if (st != TNX_OK) {
        report(&err);
        return exit_code(st, err.http_status);
    }
    /* The CLI always prints all ten fields: one the answer lacked is null
     * (the library's writer would leave it out). */
    ar.is_null = (uint16_t)(ar.is_null | (~ar.present & 0x3FFu));
    ar.present = 0x3FF;
    tnx_writer_init(&w, stdout_sink, NULL);
    tnx_write_action_requirement(&w, &ar);
    fputc('\n', stdout);
    if (ar.truncated)
        fprintf(stderr, "initiate: warning: some fields were longer than "
                        "their buffers and were cut (mask 0x%x)\n",
                (unsigned)ar.truncated);
    if (w.status != TNX_OK || fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "initiate: could not write the result to stdout\n");
        return 1;
    }
    return 0;
}

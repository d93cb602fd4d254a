/* Fuzzes the DTLS server (src/rtc/dtls.c) with what an attacker can send
 * before and during a handshake: each input is one datagram for a fresh
 * server object, delivered twice (networks duplicate datagrams), with the
 * timers run in between. Whatever arrives, the object must not crash,
 * leak, or queue a datagram larger than its MTU. */
#include "core/error.h"
#include "rtc/dtls.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Key generation is far slower than one run: one identity for all. */
static aula_dtls_identity *identity;

static void drain(aula_dtls *d)
{
    uint8_t buf[AULA_DTLS_DEFAULT_MTU];
    size_t len;
    int r;
    while ((r = aula_dtls_poll_transmit(d, buf, sizeof buf, &len)) != 0)
        if (r != 1 || len > sizeof buf)
            abort();
    aula_dtls_event ev;
    while (aula_dtls_poll_event(d, &ev))
        if (ev.type == AULA_DTLS_EVENT_FAILED && !ev.reason)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!identity && aula_dtls_identity_create(&identity) != 0)
        abort();
    uint64_t now = 1000;
    aula_dtls *d = aula_dtls_create(identity, AULA_DTLS_ROLE_SERVER, NULL, now);
    int r = aula_dtls_handle_input(d, now, data, size);
    if (r != 0 && r != AULA_EPROTO)
        abort();
    drain(d);
    uint64_t at = now;
    if (aula_dtls_next_timeout(d, &at)) {
        if (at < now)
            abort();
        aula_dtls_handle_timeout(d, at);
        drain(d);
    }
    aula_dtls_handle_input(d, at, data, size);
    drain(d);
    aula_dtls_destroy(d);
    return 0;
}

/* Fuzzes the AES-GCM SRTP receiver and sender (src/rtc/srtp_gcm.c). An
 * input is a sequence of packets for one fresh receiver and one fresh
 * sender of the same master key (the peer's): each is an op byte, a
 * big-endian 16-bit length and that many bytes (fewer at the end).
 *  - op & 3 == 0 or 1: the bytes are an inbound SRTP or SRTCP packet and
 *    go to unprotect (a failure must leave the length alone, a success
 *    must shrink it by the trailer);
 *  - op & 3 == 2 or 3: the bytes are a plain RTP or RTCP packet; when its
 *    header fits the sender protects a copy (the trailer is appended
 *    exactly), the copy with one byte flipped must not unprotect, the copy
 *    itself gives back the packet when it unprotects, and never twice.
 * Every inbound packet is also tried as the other kind, so the bytes meet
 * both parsers. The sender and receiver keep their rollover counters and
 * replay windows across the packets of an input. */
#include "core/error.h"
#include "rtc/srtp_gcm.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RTCP_TRAILER (AULA__SRTP_GCM_TAG_LEN + 4)

/* Unprotects a heap copy of exactly n bytes (so an overrun shows); returns
 * the result and, on success, the copy in *out. */
static int unprotect(aula__srtp_gcm_rx *rx, bool rtcp, const uint8_t *p, size_t n, uint8_t **out,
                     size_t *out_len)
{
    uint8_t *b = malloc(n ? n : 1);
    if (!b)
        abort();
    if (n)
        memcpy(b, p, n);
    size_t len = n;
    int err = rtcp ? aula__srtp_gcm_rx_unprotect_rtcp(rx, b, &len)
                   : aula__srtp_gcm_rx_unprotect(rx, b, &len);
    if (err == 0) {
        if (len != n - (rtcp ? RTCP_TRAILER : AULA__SRTP_GCM_TAG_LEN))
            abort();
    } else if (err != AULA_EPROTO || len != n) {
        abort();
    }
    if (err == 0 && out) {
        *out = b;
        *out_len = len;
    } else {
        free(b);
    }
    return err;
}

/* Whether p[0..n) is an RTP packet whose header (CSRCs, extension) fits. */
static bool rtp_header_fits(const uint8_t *p, size_t n)
{
    if (n < 12 || (p[0] >> 6) != 2)
        return false;
    size_t hdr = 12 + 4u * (p[0] & 0x0f);
    if (p[0] & 0x10) {
        if (hdr + 4 > n)
            return false;
        hdr += 4 + 4u * ((size_t)p[hdr + 2] << 8 | p[hdr + 3]);
    }
    return hdr <= n;
}

static void protect(aula__srtp_gcm_tx *tx, aula__srtp_gcm_rx *rx, bool rtcp, const uint8_t *p,
                    size_t n)
{
    size_t trailer = rtcp ? RTCP_TRAILER : AULA__SRTP_GCM_TAG_LEN;
    bool fits = rtcp ? n >= 8 : rtp_header_fits(p, n);
    /* Exactly the room the caller guarantees. */
    uint8_t *b = malloc(n + trailer);
    if (!b)
        abort();
    if (n)
        memcpy(b, p, n);
    size_t len = n;
    int err =
        rtcp ? aula__srtp_gcm_tx_protect_rtcp(tx, b, &len) : aula__srtp_gcm_tx_protect(tx, b, &len);
    if (!fits) {
        if (err != AULA_EINVAL || len != n)
            abort();
        free(b);
        return;
    }
    if (err != 0 || len != n + trailer)
        abort();

    /* A flipped byte never authenticates, and does not spoil the real one. */
    size_t at = (n * 131u + p[n / 2]) % len;
    b[at] ^= 0x20;
    if (unprotect(rx, rtcp, b, len, NULL, NULL) == 0)
        abort();
    b[at] ^= 0x20;

    uint8_t *out;
    size_t out_len;
    if (unprotect(rx, rtcp, b, len, &out, &out_len) == 0) {
        if (out_len != n || memcmp(out, p, n) != 0)
            abort();
        free(out);
        /* A replay. */
        if (unprotect(rx, rtcp, b, len, NULL, NULL) == 0)
            abort();
    }
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t master[AULA__SRTP_GCM_KEY_LEN + AULA__SRTP_GCM_SALT_LEN] = {
        0x03, 0x20, 0x3d, 0x5a, 0x77, 0x94, 0xb1, 0xce, 0xeb, 0x08, 0x25, 0x42, 0x5f, 0x7c,
        0x99, 0xb6, 0xd3, 0xf0, 0x0d, 0x2a, 0x47, 0x64, 0x81, 0x9e, 0xbb, 0xd8, 0xf5, 0x12,
    };
    aula__srtp_gcm_rx *rx;
    aula__srtp_gcm_tx *tx;
    if (aula__srtp_gcm_rx_create(master, master + AULA__SRTP_GCM_KEY_LEN, &rx) != 0 ||
        aula__srtp_gcm_tx_create(master, master + AULA__SRTP_GCM_KEY_LEN, &tx) != 0)
        abort();
    size_t off = 0;
    while (off < size) {
        uint8_t op = data[off++];
        size_t n = 0;
        if (size - off >= 2) {
            n = (size_t)data[off] << 8 | data[off + 1];
            off += 2;
        }
        if (n > size - off)
            n = size - off;
        const uint8_t *p = data + off;
        off += n;
        switch (op & 3) {
        case 0:
        case 1:
            unprotect(rx, op & 1, p, n, NULL, NULL);
            unprotect(rx, !(op & 1), p, n, NULL, NULL);
            break;
        default:
            protect(tx, rx, op & 1, p, n);
            break;
        }
    }
    aula__srtp_gcm_tx_destroy(tx);
    aula__srtp_gcm_rx_destroy(rx);
    return 0;
}

/* Fuzzes the RTP header parser and extension walker: whatever bytes arrive,
 * a parsed header describes a layout inside the packet, every extension
 * element lies inside the extension block, and the in-place rewrites change
 * exactly the fields they name. */
#include "rtc/rtp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_extensions(const uint8_t *pkt, const aula_rtp_header *h)
{
    size_t cur = 0;
    aula_rtp_ext e;
    while (aula_rtp_ext_next(pkt, h, &cur, &e) == 0) {
        if (e.offset < h->ext_offset || e.offset + e.len > h->ext_offset + h->ext_len)
            abort();
        aula_rtp_ext f;
        if (aula_rtp_ext_find(pkt, h, e.id, &f) != 0 || f.offset > e.offset)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aula_rtp_header h;
    (void)aula_rtp_is_rtcp(data, size);
    if (aula_rtp_parse(data, size, &h) != 0)
        return 0;
    if (h.version != 2 || h.payload_offset + h.payload_len + h.padding_len != size)
        abort();
    if (h.extension && h.ext_offset + h.ext_len > h.payload_offset)
        abort();
    check_extensions(data, &h);
    bool voice;
    uint8_t level;
    uint16_t osn;
    (void)aula_rtp_audio_level(data, &h, 1, &voice, &level);
    if (aula_rtp_rtx_osn(data, &h, &osn) == 0 && h.payload_len < 2)
        abort();

    /* Rewrite a copy and parse it again: only the named fields change. */
    uint8_t *copy = malloc(size);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    aula_rtp_set_ssrc(copy, ~h.ssrc);
    aula_rtp_set_seq(copy, (uint16_t)(h.seq + 1));
    aula_rtp_set_timestamp(copy, h.timestamp + 90000);
    aula_rtp_set_payload_type(copy, (uint8_t)(h.payload_type ^ 1));
    aula_rtp_ext e;
    if (aula_rtp_ext_find(copy, &h, 1, &e) == 0) {
        uint8_t val[256];
        memcpy(val, copy + e.offset, e.len);
        if (aula_rtp_ext_rewrite(copy, &h, 1, val, e.len) != 0)
            abort();
    }
    aula_rtp_header g;
    if (aula_rtp_parse(copy, size, &g) != 0)
        abort();
    if (g.ssrc != (uint32_t)~h.ssrc || g.seq != (uint16_t)(h.seq + 1) ||
        g.timestamp != h.timestamp + 90000 || g.payload_type != (h.payload_type ^ 1) ||
        g.marker != h.marker || g.payload_offset != h.payload_offset ||
        g.payload_len != h.payload_len || memcmp(copy + 12, data + 12, size - 12) != 0)
        abort();
    free(copy);
    return 0;
}

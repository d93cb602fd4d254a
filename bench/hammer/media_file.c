#include "media_file.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"

#include <stdio.h>
#include <string.h>

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void push(hm_frame **v, size_t *n, size_t *cap, const uint8_t *data, uint32_t len, bool key)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        *v = aula_realloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = (hm_frame){data, len, key};
}

int hm_ivf_parse(const uint8_t *buf, size_t len, hm_frame **frames, size_t *n)
{
    *frames = NULL;
    *n = 0;
    if (len < 32 || memcmp(buf, "DKIF", 4) != 0)
        return AULA_EPROTO;
    size_t hdr = (size_t)buf[6] | (size_t)buf[7] << 8;
    if (hdr < 32 || hdr > len)
        return AULA_EPROTO;
    size_t cap = 0;
    size_t pos = hdr;
    while (pos + 12 <= len) {
        uint32_t sz = le32(buf + pos);
        if (sz == 0 || sz > len - pos - 12)
            return *n ? 0 : AULA_EPROTO;
        const uint8_t *f = buf + pos + 12;
        /* RFC 6386 section 9.1: bit 0 of the frame tag is 0 for key frames. */
        push(frames, n, &cap, f, sz, (f[0] & 1) == 0);
        pos += 12 + sz;
    }
    return *n ? 0 : AULA_EPROTO;
}

int hm_ogg_opus_parse(const uint8_t *buf, size_t len, hm_frame **frames, size_t *n)
{
    *frames = NULL;
    *n = 0;
    size_t cap = 0, pos = 0, packets = 0;
    while (pos + 27 <= len) {
        if (memcmp(buf + pos, "OggS", 4) != 0)
            return AULA_EPROTO;
        size_t nseg = buf[pos + 26];
        if (pos + 27 + nseg > len)
            return AULA_EPROTO;
        const uint8_t *lacing = buf + pos + 27;
        size_t body = pos + 27 + nseg;
        size_t start = body, plen = 0;
        for (size_t i = 0; i < nseg; i++) {
            plen += lacing[i];
            if (lacing[i] == 255)
                continue; /* the packet goes on in the next segment */
            if (start + plen > len)
                return AULA_EPROTO;
            /* Packets 0 and 1 are OpusHead and OpusTags (RFC 7845 section 3). */
            if (packets++ >= 2 && plen > 0)
                push(frames, n, &cap, buf + start, (uint32_t)plen, true);
            start += plen;
            plen = 0;
        }
        for (size_t i = 0; i < nseg; i++)
            body += lacing[i];
        pos = body;
    }
    return *n ? 0 : AULA_EPROTO;
}

int hm_media_load(hm_media *m, const char *path, bool video)
{
    memset(m, 0, sizeof *m);
    FILE *f = fopen(path, "rb");
    if (!f) {
        AULA_LOG_ERROR("hammer", "cannot open media", "path=%s", path);
        return AULA_EIO;
    }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    m->file = aula_malloc(sz > 0 ? (size_t)sz : 1);
    m->file_len = sz > 0 && fread(m->file, 1, (size_t)sz, f) == (size_t)sz ? (size_t)sz : 0;
    fclose(f);
    int err = video ? hm_ivf_parse(m->file, m->file_len, &m->frames, &m->n)
                    : hm_ogg_opus_parse(m->file, m->file_len, &m->frames, &m->n);
    if (err) {
        AULA_LOG_ERROR("hammer", "bad media file", "path=%s err=%s", path, aula_strerror(err));
        hm_media_deinit(m);
    }
    return err;
}

void hm_media_deinit(hm_media *m)
{
    aula_free(m->frames);
    aula_free(m->file);
    memset(m, 0, sizeof *m);
}

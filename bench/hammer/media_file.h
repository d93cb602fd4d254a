/* Pre-encoded media for the load generator: VP8 frames from an IVF file
 * and Opus packets from an Ogg file, both written by ffmpeg (see
 * scripts/bench.sh). The whole file is read into memory once and frames
 * point into it, so replaying them costs no I/O.
 *
 * Thread: a loaded hm_media is read-only and may be shared. */
#ifndef AULA_BENCH_MEDIA_FILE_H
#define AULA_BENCH_MEDIA_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hm_frame {
    const uint8_t *data; /* borrowed from the hm_media's file buffer */
    uint32_t len;
    bool key; /* VP8 key frame (RFC 6386 section 9.1: P bit clear) */
} hm_frame;

typedef struct hm_media {
    uint8_t *file; /* owned: the whole file */
    size_t file_len;
    hm_frame *frames; /* owned */
    size_t n;
} hm_media;

/* Parses an IVF file held in buf[0..len) (32-byte "DKIF" header, then
 * frames with a 12-byte header: 32-bit little-endian size, 64-bit pts).
 * Frames borrow from buf. Returns 0, or AULA_EPROTO for a bad header or a
 * frame running past the end (the frames before it are kept if any). */
int hm_ivf_parse(const uint8_t *buf, size_t len, hm_frame **frames, size_t *n);

/* Parses an Ogg Opus file (RFC 3533 pages, RFC 7845 packets) in
 * buf[0..len): returns the audio packets, without OpusHead and OpusTags.
 * Packets spanning pages are not supported (Opus packets from ffmpeg are
 * far below 255 * 255 bytes and never span). Returns 0 or AULA_EPROTO. */
int hm_ogg_opus_parse(const uint8_t *buf, size_t len, hm_frame **frames, size_t *n);

/* Loads a file and parses it with hm_ivf_parse (video) or
 * hm_ogg_opus_parse (audio). Returns 0, AULA_EIO when it cannot be read, or
 * the parser's error; logs which. */
int hm_media_load(hm_media *m, const char *path, bool video);

void hm_media_deinit(hm_media *m);

#endif

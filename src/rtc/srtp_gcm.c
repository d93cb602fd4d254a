#include "rtc/srtp_gcm.h"

#include "core/alloc.h"
#include "core/byteorder.h"
#include "core/error.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <string.h>

#define SEQ_MEDIAN (1u << 15)
#define SEQ_MAX (1u << 16)

/* The sender's packet index of one SSRC (RFC 3711 section 3.3.1): the
 * rollover counter in the high bits, the highest sequence number sent. */
typedef struct tx_stream {
    uint32_t ssrc;
    uint64_t index;
} tx_stream;

/* The SRTCP index of one sending SSRC (RFC 3711 section 3.4): the last
 * one used; libsrtp2 starts at 1. */
typedef struct tx_rtcp_stream {
    uint32_t ssrc;
    uint32_t index;
} tx_rtcp_stream;

/* One session key and salt, for RTP or for RTCP. */
typedef struct gcm_key {
    EVP_CIPHER_CTX *ctx; /* owned: AES-128-GCM with the session key set */
    uint8_t salt[AULA__SRTP_GCM_SALT_LEN];
} gcm_key;

struct aula__srtp_gcm_tx {
    gcm_key rtp, rtcp;
    tx_stream *streams; /* owned */
    size_t n, cap;
    tx_rtcp_stream *rtcp_streams; /* owned */
    size_t rtcp_n, rtcp_cap;
};

#define RX_WINDOW 1024 /* packets, as aula's libsrtp2 sessions had */
#define RX_WORDS (RX_WINDOW / 64)
#define RTCP_WINDOW 128 /* libsrtp2's fixed SRTCP replay window */

/* What a receiver remembers of one SSRC, as libsrtp2's cloned stream:
 * the highest RTP packet index and which of the RX_WINDOW before it
 * arrived (bit k of rtp_seen: index - k), and the SRTCP window (bit j of
 * rtcp_seen: rtcp_start + j). */
typedef struct rx_stream {
    uint32_t ssrc;
    uint64_t rtp_index;
    uint64_t rtp_seen[RX_WORDS];
    uint32_t rtcp_start;
    uint64_t rtcp_seen[2];
} rx_stream;

struct aula__srtp_gcm_rx {
    gcm_key rtp, rtcp;
    rx_stream *streams; /* owned */
    size_t n, cap;
};

/* RFC 3711 section 4.3.1: the AES-CM PRF. Key stream for label, with the
 * master salt as the 112-bit IV base (RFC 7714 section 11: a 96-bit salt
 * is padded with zeros, as libsrtp2 does) and the label at byte 7. */
static int kdf(const uint8_t key[16], const uint8_t salt[12], uint8_t label, uint8_t *out,
               size_t len)
{
    uint8_t iv[16] = {0};
    memcpy(iv, salt, 12);
    iv[7] ^= label;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    uint8_t zeros[32] = {0};
    int n = 0;
    int ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv) == 1 &&
             len <= sizeof zeros && EVP_EncryptUpdate(c, out, &n, zeros, (int)len) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : AULA_EIO;
}

/* Derives one session key and salt (labels: 0x00 and 0x02 for SRTP, 0x03
 * and 0x05 for SRTCP) and presets a context to encrypt or decrypt. */
static int key_init(gcm_key *k, const uint8_t *key, const uint8_t *salt, uint8_t key_label,
                    uint8_t salt_label, bool encrypt)
{
    uint8_t session_key[16];
    int err = kdf(key, salt, key_label, session_key, sizeof session_key);
    if (!err)
        err = kdf(key, salt, salt_label, k->salt, sizeof k->salt);
    k->ctx = err ? NULL : EVP_CIPHER_CTX_new();
    if (!k->ctx ||
        EVP_CipherInit_ex(k->ctx, EVP_aes_128_gcm(), NULL, session_key, NULL, encrypt ? 1 : 0) != 1)
        err = AULA_EIO;
    OPENSSL_cleanse(session_key, sizeof session_key);
    return err;
}

static void key_deinit(gcm_key *k)
{
    EVP_CIPHER_CTX_free(k->ctx);
    OPENSSL_cleanse(k->salt, sizeof k->salt);
}

int aula__srtp_gcm_tx_create(const uint8_t key[AULA__SRTP_GCM_KEY_LEN],
                             const uint8_t salt[AULA__SRTP_GCM_SALT_LEN], aula__srtp_gcm_tx **out)
{
    *out = NULL;
    aula__srtp_gcm_tx *g = aula_calloc(1, sizeof *g);
    int err = key_init(&g->rtp, key, salt, 0x00, 0x02, true);
    if (!err)
        err = key_init(&g->rtcp, key, salt, 0x03, 0x05, true);
    if (err) {
        aula__srtp_gcm_tx_destroy(g);
        return err;
    }
    *out = g;
    return 0;
}

void aula__srtp_gcm_tx_destroy(aula__srtp_gcm_tx *g)
{
    if (!g)
        return;
    key_deinit(&g->rtp);
    key_deinit(&g->rtcp);
    aula_free(g->streams);
    aula_free(g->rtcp_streams);
    aula_free(g);
}

static tx_stream *stream_of(aula__srtp_gcm_tx *g, uint32_t ssrc)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->streams[i].ssrc == ssrc)
            return &g->streams[i];
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 4;
        g->streams = aula_realloc(g->streams, g->cap * sizeof *g->streams);
    }
    g->streams[g->n] = (tx_stream){.ssrc = ssrc, .index = 0};
    return &g->streams[g->n++];
}

/* The index of sequence number seq estimated from the highest index seen,
 * as libsrtp2's srtp_rdbx_estimate_index does (so both agree on every
 * rollover counter); *delta is how far beyond that highest index it is. */
static uint64_t estimate_index(uint64_t highest, uint16_t seq, int64_t *delta_out)
{
    uint64_t guess;
    int64_t delta;
    if (highest <= SEQ_MEDIAN) {
        guess = seq;
        delta = (int64_t)seq - (int64_t)(uint16_t)highest;
    } else {
        uint32_t roc = (uint32_t)(highest >> 16);
        uint32_t local = (uint16_t)highest;
        if (local < SEQ_MEDIAN) {
            if (seq - local > SEQ_MEDIAN && seq > local) {
                roc--;
                delta = (int64_t)seq - local - SEQ_MAX;
            } else {
                delta = (int64_t)seq - local;
            }
        } else if (local - SEQ_MEDIAN > seq) {
            roc++;
            delta = (int64_t)seq - local + SEQ_MAX;
        } else {
            delta = (int64_t)seq - local;
        }
        guess = (uint64_t)roc << 16 | seq;
    }
    *delta_out = delta;
    return guess;
}

/* The sender's index of seq, and the highest index moved forward. */
static uint64_t packet_index(tx_stream *st, uint16_t seq)
{
    int64_t delta;
    uint64_t guess = estimate_index(st->index, seq, &delta);
    if (delta > 0)
        st->index = guess;
    return guess;
}

/* The length of the RTP header (with CSRCs and extension) of buf[0..n),
 * or 0 when it does not fit. */
static size_t rtp_header_len(const uint8_t *buf, size_t n)
{
    if (n < 12)
        return 0;
    size_t hdr = 12 + 4u * (buf[0] & 0x0f);
    if (buf[0] & 0x10) {
        if (hdr + 4 > n)
            return 0;
        hdr += 4 + 4u * aula_get_u16be(buf + hdr + 2);
    }
    return hdr > n ? 0 : hdr;
}

/* RFC 7714 section 8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt. */
static void rtp_iv(uint8_t iv[12], const uint8_t *salt, uint32_t ssrc, uint64_t index)
{
    memset(iv, 0, 12);
    aula_put_u32be(iv + 2, ssrc);
    aula_put_u32be(iv + 6, (uint32_t)(index >> 16));
    aula_put_u16be(iv + 10, (uint16_t)index);
    for (size_t i = 0; i < 12; i++)
        iv[i] ^= salt[i];
}

/* RFC 7714 section 9.1: IV = (0x0000 || SSRC || 0x0000 || 0 || SRTCP
 * index) XOR salt. */
static void rtcp_iv(uint8_t iv[12], const uint8_t *salt, uint32_t ssrc, uint32_t index)
{
    memset(iv, 0, 12);
    aula_put_u32be(iv + 2, ssrc);
    aula_put_u32be(iv + 8, index & 0x7fffffffu);
    for (size_t i = 0; i < 12; i++)
        iv[i] ^= salt[i];
}

int aula__srtp_gcm_tx_protect(aula__srtp_gcm_tx *g, uint8_t *buf, size_t *len)
{
    size_t n = *len;
    size_t hdr = rtp_header_len(buf, n);
    if (hdr == 0 || (buf[0] >> 6) != 2)
        return AULA_EINVAL;
    uint16_t seq = aula_get_u16be(buf + 2);
    uint32_t ssrc = aula_get_u32be(buf + 8);
    uint64_t index = packet_index(stream_of(g, ssrc), seq);
    uint8_t iv[12];
    rtp_iv(iv, g->rtp.salt, ssrc, index);
    EVP_CIPHER_CTX *c = g->rtp.ctx;
    int out = 0;
    int ok = EVP_EncryptInit_ex(c, NULL, NULL, NULL, iv) == 1 &&
             EVP_EncryptUpdate(c, NULL, &out, buf, (int)hdr) == 1 &&
             (n == hdr || EVP_EncryptUpdate(c, buf + hdr, &out, buf + hdr, (int)(n - hdr)) == 1) &&
             EVP_EncryptFinal_ex(c, buf + n, &out) == 1 &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, AULA__SRTP_GCM_TAG_LEN, buf + n) == 1;
    if (!ok)
        return AULA_EIO;
    *len = n + AULA__SRTP_GCM_TAG_LEN;
    return 0;
}

static tx_rtcp_stream *rtcp_stream_of(aula__srtp_gcm_tx *g, uint32_t ssrc)
{
    for (size_t i = 0; i < g->rtcp_n; i++)
        if (g->rtcp_streams[i].ssrc == ssrc)
            return &g->rtcp_streams[i];
    if (g->rtcp_n == g->rtcp_cap) {
        g->rtcp_cap = g->rtcp_cap ? g->rtcp_cap * 2 : 4;
        g->rtcp_streams = aula_realloc(g->rtcp_streams, g->rtcp_cap * sizeof *g->rtcp_streams);
    }
    g->rtcp_streams[g->rtcp_n] = (tx_rtcp_stream){.ssrc = ssrc, .index = 0};
    return &g->rtcp_streams[g->rtcp_n++];
}

int aula__srtp_gcm_tx_protect_rtcp(aula__srtp_gcm_tx *g, uint8_t *buf, size_t *len)
{
    size_t n = *len;
    if (n < 8)
        return AULA_EINVAL;
    tx_rtcp_stream *st = rtcp_stream_of(g, aula_get_u32be(buf + 4));
    if (st->index >= 0x7fffffffu)
        return AULA_EPROTO; /* libsrtp2: key expired */
    st->index++;
    /* RFC 7714 section 9: header and sender SSRC, the encrypted rest, the
     * tag, then the E flag and the index; the AAD is the first 8 bytes
     * and the E flag with the index. */
    uint8_t trailer[4];
    aula_put_u32be(trailer, 0x80000000u | st->index);
    uint8_t iv[12];
    rtcp_iv(iv, g->rtcp.salt, st->ssrc, st->index);
    EVP_CIPHER_CTX *c = g->rtcp.ctx;
    int out = 0;
    int ok = EVP_EncryptInit_ex(c, NULL, NULL, NULL, iv) == 1 &&
             EVP_EncryptUpdate(c, NULL, &out, buf, 8) == 1 &&
             EVP_EncryptUpdate(c, NULL, &out, trailer, 4) == 1 &&
             (n == 8 || EVP_EncryptUpdate(c, buf + 8, &out, buf + 8, (int)(n - 8)) == 1) &&
             EVP_EncryptFinal_ex(c, buf + n, &out) == 1 &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, AULA__SRTP_GCM_TAG_LEN, buf + n) == 1;
    if (!ok)
        return AULA_EIO;
    memcpy(buf + n + AULA__SRTP_GCM_TAG_LEN, trailer, 4);
    *len = n + AULA__SRTP_GCM_TAG_LEN + 4;
    return 0;
}

/* ---- receiver ----------------------------------------------------------- */

int aula__srtp_gcm_rx_create(const uint8_t key[AULA__SRTP_GCM_KEY_LEN],
                             const uint8_t salt[AULA__SRTP_GCM_SALT_LEN], aula__srtp_gcm_rx **out)
{
    *out = NULL;
    aula__srtp_gcm_rx *g = aula_calloc(1, sizeof *g);
    int err = key_init(&g->rtp, key, salt, 0x00, 0x02, false);
    if (!err)
        err = key_init(&g->rtcp, key, salt, 0x03, 0x05, false);
    if (err) {
        aula__srtp_gcm_rx_destroy(g);
        return err;
    }
    *out = g;
    return 0;
}

void aula__srtp_gcm_rx_destroy(aula__srtp_gcm_rx *g)
{
    if (!g)
        return;
    key_deinit(&g->rtp);
    key_deinit(&g->rtcp);
    aula_free(g->streams);
    aula_free(g);
}

static rx_stream *rx_find(aula__srtp_gcm_rx *g, uint32_t ssrc)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->streams[i].ssrc == ssrc)
            return &g->streams[i];
    return NULL;
}

/* A stream is remembered only once a packet of its SSRC authenticated,
 * as libsrtp2 clones its template only then. */
static rx_stream *rx_add(aula__srtp_gcm_rx *g, uint32_t ssrc)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 2;
        g->streams = aula_realloc(g->streams, g->cap * sizeof *g->streams);
    }
    rx_stream *st = &g->streams[g->n++];
    memset(st, 0, sizeof *st);
    st->ssrc = ssrc;
    return st;
}

static bool bit_get(const uint64_t *w, size_t k)
{
    return (w[k / 64] >> (k % 64)) & 1u;
}

static void bit_set(uint64_t *w, size_t k)
{
    w[k / 64] |= (uint64_t)1 << (k % 64);
}

/* Moves every bit up by n: bit k becomes bit k + n; those past the end go. */
static void bits_shift_up(uint64_t *w, size_t words, uint64_t n)
{
    if (n >= 64 * words) {
        memset(w, 0, words * sizeof *w);
        return;
    }
    size_t ws = (size_t)(n / 64), bs = (size_t)(n % 64);
    for (size_t i = words; i-- > 0;) {
        uint64_t v = i >= ws ? w[i - ws] << bs : 0;
        if (bs && i >= ws + 1)
            v |= w[i - ws - 1] >> (64 - bs);
        w[i] = v;
    }
}

/* Moves every bit down by n: bit j + n becomes bit j. */
static void bits_shift_down(uint64_t *w, size_t words, uint64_t n)
{
    if (n >= 64 * words) {
        memset(w, 0, words * sizeof *w);
        return;
    }
    size_t ws = (size_t)(n / 64), bs = (size_t)(n % 64);
    for (size_t i = 0; i < words; i++) {
        uint64_t v = i + ws < words ? w[i + ws] >> bs : 0;
        if (bs && i + ws + 1 < words)
            v |= w[i + ws + 1] << (64 - bs);
        w[i] = v;
    }
}

/* GCM-decrypts buf[from..n) in place, the last 16 bytes being the tag,
 * after aad (two parts). Returns true when it authenticates. */
static bool gcm_open(EVP_CIPHER_CTX *c, const uint8_t iv[12], const uint8_t *aad1, size_t aad1_len,
                     const uint8_t *aad2, size_t aad2_len, uint8_t *data, size_t data_len,
                     uint8_t *tag)
{
    int out = 0;
    return EVP_DecryptInit_ex(c, NULL, NULL, NULL, iv) == 1 &&
           EVP_DecryptUpdate(c, NULL, &out, aad1, (int)aad1_len) == 1 &&
           (aad2_len == 0 || EVP_DecryptUpdate(c, NULL, &out, aad2, (int)aad2_len) == 1) &&
           (data_len == 0 || EVP_DecryptUpdate(c, data, &out, data, (int)data_len) == 1) &&
           EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, AULA__SRTP_GCM_TAG_LEN, tag) == 1 &&
           EVP_DecryptFinal_ex(c, data + data_len, &out) == 1;
}

int aula__srtp_gcm_rx_unprotect(aula__srtp_gcm_rx *g, uint8_t *buf, size_t *len)
{
    size_t n = *len;
    size_t hdr = rtp_header_len(buf, n);
    if (hdr == 0 || n - hdr < AULA__SRTP_GCM_TAG_LEN)
        return AULA_EPROTO;
    uint16_t seq = aula_get_u16be(buf + 2);
    uint32_t ssrc = aula_get_u32be(buf + 8);
    /* A stream not seen yet starts at index 0 with nothing received, as
     * libsrtp2's fresh clone does: its first packet counts at face value. */
    rx_stream *st = rx_find(g, ssrc);
    int64_t delta;
    uint64_t index = estimate_index(st ? st->rtp_index : 0, seq, &delta);
    /* RFC 3711 section 3.3.2: too old, or seen already. */
    if (st && delta <= 0 && (-delta >= RX_WINDOW || bit_get(st->rtp_seen, (size_t)-delta)))
        return AULA_EPROTO;
    uint8_t iv[12];
    rtp_iv(iv, g->rtp.salt, ssrc, index);
    size_t body = n - hdr - AULA__SRTP_GCM_TAG_LEN;
    uint8_t tag[AULA__SRTP_GCM_TAG_LEN];
    memcpy(tag, buf + hdr + body, sizeof tag);
    if (!gcm_open(g->rtp.ctx, iv, buf, hdr, NULL, 0, buf + hdr, body, tag))
        return AULA_EPROTO;
    if (!st)
        st = rx_add(g, ssrc);
    /* libsrtp2's srtp_rdbx_add_index. */
    if (delta > 0) {
        bits_shift_up(st->rtp_seen, RX_WORDS, (uint64_t)delta);
        bit_set(st->rtp_seen, 0);
        st->rtp_index += (uint64_t)delta;
    } else {
        bit_set(st->rtp_seen, (size_t)-delta);
    }
    *len = n - AULA__SRTP_GCM_TAG_LEN;
    return 0;
}

int aula__srtp_gcm_rx_unprotect_rtcp(aula__srtp_gcm_rx *g, uint8_t *buf, size_t *len)
{
    size_t n = *len;
    if (n < 8 + AULA__SRTP_GCM_TAG_LEN + 4)
        return AULA_EPROTO;
    uint32_t ssrc = aula_get_u32be(buf + 4);
    const uint8_t *trailer = buf + n - 4;
    uint32_t e_index = aula_get_u32be(trailer);
    uint32_t index = e_index & 0x7fffffffu;
    bool encrypted = e_index & 0x80000000u;
    rx_stream *st = rx_find(g, ssrc);
    /* libsrtp2's srtp_rdb_check: a 128-packet window. */
    if (st && index < st->rtcp_start + (uint64_t)RTCP_WINDOW) {
        if (index < st->rtcp_start || bit_get(st->rtcp_seen, index - st->rtcp_start))
            return AULA_EPROTO;
    }
    uint8_t iv[12];
    rtcp_iv(iv, g->rtcp.salt, ssrc, index);
    size_t body = n - 8 - AULA__SRTP_GCM_TAG_LEN - 4;
    uint8_t *tag = buf + 8 + body;
    bool ok = encrypted ? gcm_open(g->rtcp.ctx, iv, buf, 8, trailer, 4, buf + 8, body, tag)
                        /* RFC 7714 section 9.3: unencrypted, all of it is AAD
                         * (no data: a valid pointer, as NULL + 0 is UB in C). */
                        : gcm_open(g->rtcp.ctx, iv, buf, 8 + body, trailer, 4, tag, 0, tag);
    if (!ok)
        return AULA_EPROTO;
    if (!st)
        st = rx_add(g, ssrc);
    /* libsrtp2's srtp_rdb_add_index. */
    uint32_t d = index - st->rtcp_start;
    if (d < RTCP_WINDOW) {
        bit_set(st->rtcp_seen, d);
    } else {
        d -= RTCP_WINDOW - 1;
        bits_shift_down(st->rtcp_seen, 2, d);
        bit_set(st->rtcp_seen, RTCP_WINDOW - 1);
        st->rtcp_start += d;
    }
    *len = n - AULA__SRTP_GCM_TAG_LEN - 4;
    return 0;
}

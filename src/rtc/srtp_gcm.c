#include "rtc/srtp_gcm.h"

#include "core/alloc.h"
#include "core/byteorder.h"
#include "core/error.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#define SEQ_MEDIAN (1u << 15)
#define SEQ_MAX (1u << 16)

/* The sender's packet index of one SSRC (RFC 3711 section 3.3.1): the
 * rollover counter in the high bits, the highest sequence number sent. */
typedef struct tx_stream {
    uint32_t ssrc;
    uint64_t index;
} tx_stream;

struct aula__srtp_gcm_tx {
    EVP_CIPHER_CTX *ctx; /* owned: AES-128-GCM with the session key set */
    uint8_t salt[AULA__SRTP_GCM_SALT_LEN];
    tx_stream *streams; /* owned */
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

int aula__srtp_gcm_tx_create(const uint8_t key[AULA__SRTP_GCM_KEY_LEN],
                             const uint8_t salt[AULA__SRTP_GCM_SALT_LEN], aula__srtp_gcm_tx **out)
{
    *out = NULL;
    aula__srtp_gcm_tx *g = aula_calloc(1, sizeof *g);
    uint8_t session_key[16];
    /* Labels 0x00 and 0x02: SRTP encryption key and salt. */
    int err = kdf(key, salt, 0x00, session_key, sizeof session_key);
    if (!err)
        err = kdf(key, salt, 0x02, g->salt, sizeof g->salt);
    g->ctx = err ? NULL : EVP_CIPHER_CTX_new();
    if (!g->ctx || EVP_EncryptInit_ex(g->ctx, EVP_aes_128_gcm(), NULL, session_key, NULL) != 1)
        err = AULA_EIO;
    OPENSSL_cleanse(session_key, sizeof session_key);
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
    EVP_CIPHER_CTX_free(g->ctx);
    OPENSSL_cleanse(g->salt, sizeof g->salt);
    aula_free(g->streams);
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

/* The index of sequence number seq, estimated from the highest index sent
 * as libsrtp2's srtp_rdbx_estimate_index does (so both agree on every
 * rollover counter), and the highest index moved forward. */
static uint64_t packet_index(tx_stream *st, uint16_t seq)
{
    uint64_t guess;
    int64_t delta;
    if (st->index <= SEQ_MEDIAN) {
        guess = seq;
        delta = (int64_t)seq - (int64_t)(uint16_t)st->index;
    } else {
        uint32_t roc = (uint32_t)(st->index >> 16);
        uint32_t local = (uint16_t)st->index;
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
    if (delta > 0)
        st->index = guess;
    return guess;
}

int aula__srtp_gcm_tx_protect(aula__srtp_gcm_tx *g, uint8_t *buf, size_t *len)
{
    size_t n = *len;
    if (n < 12 || (buf[0] >> 6) != 2)
        return AULA_EINVAL;
    size_t hdr = 12 + 4u * (buf[0] & 0x0f);
    if (buf[0] & 0x10) {
        if (hdr + 4 > n)
            return AULA_EINVAL;
        hdr += 4 + 4u * aula_get_u16be(buf + hdr + 2);
    }
    if (hdr > n)
        return AULA_EINVAL;
    uint16_t seq = aula_get_u16be(buf + 2);
    uint32_t ssrc = aula_get_u32be(buf + 8);
    uint64_t index = packet_index(stream_of(g, ssrc), seq);
    /* RFC 7714 section 8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt. */
    uint8_t iv[12] = {0};
    aula_put_u32be(iv + 2, ssrc);
    aula_put_u32be(iv + 6, (uint32_t)(index >> 16));
    aula_put_u16be(iv + 10, seq);
    for (size_t i = 0; i < sizeof iv; i++)
        iv[i] ^= g->salt[i];
    int out = 0;
    int ok =
        EVP_EncryptInit_ex(g->ctx, NULL, NULL, NULL, iv) == 1 &&
        EVP_EncryptUpdate(g->ctx, NULL, &out, buf, (int)hdr) == 1 &&
        (n == hdr || EVP_EncryptUpdate(g->ctx, buf + hdr, &out, buf + hdr, (int)(n - hdr)) == 1) &&
        EVP_EncryptFinal_ex(g->ctx, buf + n, &out) == 1 &&
        EVP_CIPHER_CTX_ctrl(g->ctx, EVP_CTRL_GCM_GET_TAG, AULA__SRTP_GCM_TAG_LEN, buf + n) == 1;
    if (!ok)
        return AULA_EIO;
    *len = n + AULA__SRTP_GCM_TAG_LEN;
    return 0;
}

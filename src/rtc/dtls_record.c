#include "rtc/dtls_record.h"

#include "core/error.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>
#include <openssl/ssl.h>
#include <string.h>

#define EXPLICIT_NONCE 8 /* RFC 5288 section 3: GCMNonce.nonce_explicit */
#define TAG 16
#define SEQ_MASK ((1ull << 48) - 1)

static uint64_t get_u48(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 6; i++)
        v = v << 8 | p[i];
    return v;
}

bool aula__dtls_rec_next(const uint8_t *dgram, size_t len, size_t *off, aula__dtls_rec_view *v)
{
    if (*off >= len || len - *off < AULA_DTLS_REC_HEADER)
        return false;
    const uint8_t *p = dgram + *off;
    size_t body = (size_t)p[11] << 8 | p[12];
    if (len - *off - AULA_DTLS_REC_HEADER < body)
        return false;
    v->type = p[0];
    v->version = (uint16_t)(p[1] << 8 | p[2]);
    v->epoch = (uint16_t)(p[3] << 8 | p[4]);
    v->seq = get_u48(p + 5);
    v->rec = p;
    v->rec_len = AULA_DTLS_REC_HEADER + body;
    *off += v->rec_len;
    return true;
}

int aula__dtls_rec_from_ssl(aula__dtls_rec *r, SSL *ssl, bool server)
{
    memset(r, 0, sizeof *r);
    const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
    int nid = c ? SSL_CIPHER_get_cipher_nid(c) : NID_undef;
    size_t kl = nid == NID_aes_128_gcm ? 16 : nid == NID_aes_256_gcm ? 32 : 0;
    const EVP_MD *md = c ? SSL_CIPHER_get_handshake_digest(c) : NULL;
    SSL_SESSION *sess = SSL_get_session(ssl);
    if (kl == 0 || !md || !sess || SSL_version(ssl) != DTLS1_2_VERSION)
        return AULA_EINVAL;

    uint8_t master[SSL_MAX_MASTER_KEY_LENGTH];
    size_t ml = SSL_SESSION_get_master_key(sess, master, sizeof master);
    /* RFC 5246 section 6.3: the seed is the label, then server_random,
     * then client_random (the other way round from the master secret). */
    static const char label[] = "key expansion";
    uint8_t seed[sizeof label - 1 + 2 * SSL3_RANDOM_SIZE];
    memcpy(seed, label, sizeof label - 1);
    bool ok =
        ml > 0 &&
        SSL_get_server_random(ssl, seed + sizeof label - 1, SSL3_RANDOM_SIZE) == SSL3_RANDOM_SIZE &&
        SSL_get_client_random(ssl, seed + sizeof label - 1 + SSL3_RANDOM_SIZE, SSL3_RANDOM_SIZE) ==
            SSL3_RANDOM_SIZE;

    /* AEAD suites have no MAC keys: client_write_key, server_write_key,
     * client_write_IV, server_write_IV (4-byte salts for GCM). */
    uint8_t block[2 * 32 + 2 * 4];
    size_t need = 2 * kl + 8;
    EVP_KDF *kdf = ok ? EVP_KDF_fetch(NULL, "TLS1-PRF", NULL) : NULL;
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (kctx) {
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md),
                                             0),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, master, ml),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof seed),
            OSSL_PARAM_construct_end(),
        };
        ok = EVP_KDF_derive(kctx, block, need, params) == 1;
    } else {
        ok = false;
    }
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    OPENSSL_cleanse(master, sizeof master);
    if (!ok) {
        OPENSSL_cleanse(block, sizeof block);
        return AULA_EIO;
    }
    const uint8_t *ck = block, *sk = block + kl, *civ = block + 2 * kl, *siv = civ + 4;
    r->key_len = kl;
    memcpy(r->read_key, server ? ck : sk, kl);
    memcpy(r->write_key, server ? sk : ck, kl);
    memcpy(r->read_salt, server ? civ : siv, 4);
    memcpy(r->write_salt, server ? siv : civ, 4);
    OPENSSL_cleanse(block, sizeof block);
    /* The handshake ends with ChangeCipherSpec: the epoch after the first. */
    r->epoch = 1;
    return 0;
}

void aula__dtls_rec_note_sent(aula__dtls_rec *r, const uint8_t *dgram, size_t len)
{
    size_t off = 0;
    aula__dtls_rec_view v;
    while (aula__dtls_rec_next(dgram, len, &off, &v))
        if (v.epoch == r->epoch && v.seq >= r->write_seq)
            r->write_seq = (v.seq + 1) & SEQ_MASK;
}

/* RFC 5246 section 6.2.3.3 with RFC 6347 section 4.1.2.1: the additional
 * data is epoch + sequence number, type, version and plaintext length. */
static void make_aad(uint8_t aad[13], const uint8_t *hdr, size_t pt_len)
{
    memcpy(aad, hdr + 3, 8);
    aad[8] = hdr[0];
    aad[9] = hdr[1];
    aad[10] = hdr[2];
    aad[11] = (uint8_t)(pt_len >> 8);
    aad[12] = (uint8_t)pt_len;
}

static const EVP_CIPHER *gcm(size_t key_len)
{
    return key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
}

int aula__dtls_rec_open(const aula__dtls_rec *r, const aula__dtls_rec_view *v, uint8_t *out,
                        size_t cap, size_t *out_len)
{
    size_t body = v->rec_len - AULA_DTLS_REC_HEADER;
    if (v->epoch != r->epoch || body < EXPLICIT_NONCE + TAG)
        return AULA_EPROTO;
    size_t n = body - EXPLICIT_NONCE - TAG;
    if (n > cap)
        return AULA_ETOOBIG;
    const uint8_t *frag = v->rec + AULA_DTLS_REC_HEADER;
    uint8_t nonce[12], aad[13];
    memcpy(nonce, r->read_salt, 4);
    memcpy(nonce + 4, frag, EXPLICIT_NONCE);
    make_aad(aad, v->rec, n);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    bool ok = ctx && EVP_DecryptInit_ex(ctx, gcm(r->key_len), NULL, r->read_key, nonce) == 1 &&
              EVP_DecryptUpdate(ctx, NULL, &len, aad, sizeof aad) == 1 &&
              EVP_DecryptUpdate(ctx, out, &len, frag + EXPLICIT_NONCE, (int)n) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG,
                                  (void *)(frag + EXPLICIT_NONCE + n)) == 1 &&
              EVP_DecryptFinal_ex(ctx, out + len, &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        OPENSSL_cleanse(out, n);
        return AULA_EPROTO;
    }
    *out_len = n;
    return 0;
}

int aula__dtls_rec_seal(aula__dtls_rec *r, uint8_t type, const uint8_t *pt, size_t n, uint8_t *out,
                        size_t cap, size_t *out_len)
{
    size_t body = EXPLICIT_NONCE + n + TAG;
    if (body > 0xffff || cap < AULA_DTLS_REC_HEADER + body)
        return AULA_ETOOBIG;
    uint64_t seq = r->write_seq;
    out[0] = type;
    out[1] = 0xfe; /* DTLS 1.2 (RFC 6347 section 4.1) */
    out[2] = 0xfd;
    out[3] = (uint8_t)(r->epoch >> 8);
    out[4] = (uint8_t)r->epoch;
    for (int i = 0; i < 6; i++)
        out[5 + i] = (uint8_t)(seq >> (8 * (5 - i)));
    out[11] = (uint8_t)(body >> 8);
    out[12] = (uint8_t)body;
    /* Like OpenSSL, the explicit nonce is the record's epoch and sequence
     * number: unique per key, which is all GCM asks of it. */
    uint8_t *frag = out + AULA_DTLS_REC_HEADER;
    memcpy(frag, out + 3, EXPLICIT_NONCE);
    uint8_t nonce[12], aad[13];
    memcpy(nonce, r->write_salt, 4);
    memcpy(nonce + 4, frag, EXPLICIT_NONCE);
    make_aad(aad, out, n);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    bool ok = ctx && EVP_EncryptInit_ex(ctx, gcm(r->key_len), NULL, r->write_key, nonce) == 1 &&
              EVP_EncryptUpdate(ctx, NULL, &len, aad, sizeof aad) == 1 &&
              EVP_EncryptUpdate(ctx, frag + EXPLICIT_NONCE, &len, pt, (int)n) == 1 &&
              EVP_EncryptFinal_ex(ctx, frag + EXPLICIT_NONCE + len, &fin) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG, frag + EXPLICIT_NONCE + n) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return AULA_EIO;
    r->write_seq = (seq + 1) & SEQ_MASK;
    *out_len = AULA_DTLS_REC_HEADER + body;
    return 0;
}

void aula__dtls_rec_wipe(aula__dtls_rec *r)
{
    OPENSSL_cleanse(r, sizeof *r);
}

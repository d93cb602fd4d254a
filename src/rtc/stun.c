/* STUN message parsing and building for ICE-lite; see stun.h.
 *
 * Every read from a packet goes through the bounds-checked reader below, so
 * a hostile length can only make a read fail, never run past the buffer.
 * Section numbers refer to RFC 8489 unless another RFC is named. */
#include "rtc/stun.h"

#include "core/byteorder.h"
#include "core/error.h"

#include <assert.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* FINGERPRINT is the CRC-32 XORed with this, so that a STUN message cannot
 * be mistaken for another protocol carrying a CRC-32 (section 14.7). */
#define FINGERPRINT_XOR 0x5354554eu
#define HMAC_SHA1_SIZE 20
#define ATTR_HEADER_SIZE 4
#define INTEGRITY_ATTR_SIZE (ATTR_HEADER_SIZE + HMAC_SHA1_SIZE)
#define FINGERPRINT_ATTR_SIZE (ATTR_HEADER_SIZE + 4)
/* Longest ERROR-CODE reason phrase (section 14.8). */
#define MAX_REASON 763

/* ---- bounds-checked reader ---- */

typedef struct reader {
    const uint8_t *p;
    size_t len;
    size_t pos;
} reader;

static bool rd_bytes(reader *r, size_t n, const uint8_t **out)
{
    if (r->len - r->pos < n)
        return false;
    *out = r->p + r->pos;
    r->pos += n;
    return true;
}

static bool rd_u16be(reader *r, uint16_t *v)
{
    const uint8_t *b;
    if (!rd_bytes(r, 2, &b))
        return false;
    *v = (uint16_t)(b[0] << 8 | b[1]);
    return true;
}

/* ---- checksums ---- */

uint32_t aula_stun_crc32(const uint8_t *buf, size_t len)
{
    /* Reflected polynomial 0xEDB88320, four bits at a time: a 16-entry
     * table is small enough to read and fast enough for STUN's sizes. */
    static const uint32_t table[16] = {
        0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
        0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
        0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
    };
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        crc ^= buf[i];
        crc = (crc >> 4) ^ table[crc & 15];
        crc = (crc >> 4) ^ table[crc & 15];
    }
    return ~crc;
}

/* HMAC-SHA1 of a then b, keyed by key. Two pieces because the header that
 * is authenticated carries a patched length (section 14.5). */
static int hmac_sha1(const char *key, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                     uint8_t out[HMAC_SHA1_SIZE])
{
    int rc = AULA_EIO;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    if (!ctx)
        goto out;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA1", 0),
        OSSL_PARAM_construct_end(),
    };
    size_t outl = 0;
    if (EVP_MAC_init(ctx, (const unsigned char *)key, strlen(key), params) != 1 ||
        EVP_MAC_update(ctx, a, alen) != 1 || EVP_MAC_update(ctx, b, blen) != 1 ||
        EVP_MAC_final(ctx, out, &outl, HMAC_SHA1_SIZE) != 1 || outl != HMAC_SHA1_SIZE)
        goto out;
    rc = 0;
out:
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return rc;
}

/* ---- parsing ---- */

bool aula_stun_is_stun(const uint8_t *buf, size_t len)
{
    /* RFC 7983 section 7: STUN's first byte is 0..3 (the top two bits of
     * the message type are zero, section 5). */
    return len >= AULA_STUN_HEADER_SIZE && buf[0] <= 3 &&
           aula_get_u32be(buf + 4) == AULA_STUN_MAGIC_COOKIE;
}

/* Decodes an XOR-MAPPED-ADDRESS value (section 14.2). */
static int decode_xor_address(aula_stun_msg *msg, const uint8_t *v, size_t len)
{
    /* Byte 0 is reserved and ignored; byte 1 is the family. */
    if (len < 4)
        return AULA_EPROTO;
    uint16_t port = (uint16_t)((v[2] << 8 | v[3]) ^ (AULA_STUN_MAGIC_COOKIE >> 16));
    memset(&msg->xor_mapped, 0, sizeof(msg->xor_mapped));
    if (v[1] == 0x01 && len == 8) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&msg->xor_mapped;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        uint32_t a = aula_get_u32be(v + 4) ^ AULA_STUN_MAGIC_COOKIE;
        sin->sin_addr.s_addr = htonl(a);
    } else if (v[1] == 0x02 && len == 20) {
        /* IPv6: XOR with the magic cookie followed by the transaction id. */
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&msg->xor_mapped;
        uint8_t mask[16];
        aula_put_u32be(mask, AULA_STUN_MAGIC_COOKIE);
        memcpy(mask + 4, msg->txid, AULA_STUN_TXID_SIZE);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        for (int i = 0; i < 16; i++)
            sin6->sin6_addr.s6_addr[i] = v[4 + i] ^ mask[i];
    } else {
        return AULA_EPROTO;
    }
    msg->has_xor_mapped = true;
    return 0;
}

/* Decodes ERROR-CODE (section 14.8): 21 reserved bits, a 3-bit class
 * (hundreds) and an 8-bit number (0..99), then the reason phrase. */
static int decode_error_code(aula_stun_msg *msg, const uint8_t *v, size_t len)
{
    if (len < 4 || len > 4 + MAX_REASON)
        return AULA_EPROTO;
    int cls = v[2] & 7;
    int number = v[3];
    if (cls < 3 || cls > 6 || number > 99)
        return AULA_EPROTO;
    msg->error_code = cls * 100 + number;
    msg->error_reason = (const char *)v + 4;
    msg->error_reason_len = len - 4;
    return 0;
}

static void note_unknown(aula_stun_msg *msg, uint16_t type)
{
    /* Section 14: 0x0000-0x7FFF are comprehension-required; the rest may be
     * ignored when not understood. */
    if (type >= 0x8000 || msg->n_unknown == AULA_STUN_MAX_UNKNOWN)
        return;
    msg->unknown[msg->n_unknown++] = type;
}

/* Decodes one attribute before MESSAGE-INTEGRITY. Only the first occurrence
 * of each attribute is processed (section 14). */
static int decode_attr(aula_stun_msg *msg, uint16_t type, const uint8_t *v, size_t len)
{
    switch (type) {
    case AULA_STUN_ATTR_USERNAME: /* section 14.3 */
        if (len > AULA_STUN_MAX_USERNAME)
            return AULA_EPROTO;
        if (!msg->username) {
            msg->username = (const char *)v;
            msg->username_len = len;
        }
        return 0;
    case AULA_STUN_ATTR_SOFTWARE: /* section 14.14 */
        if (!msg->software) {
            msg->software = (const char *)v;
            msg->software_len = len;
        }
        return 0;
    case AULA_STUN_ATTR_PRIORITY: /* RFC 8445 section 7.1.1 */
        if (len != 4)
            return AULA_EPROTO;
        if (!msg->has_priority) {
            msg->has_priority = true;
            msg->priority = aula_get_u32be(v);
        }
        return 0;
    case AULA_STUN_ATTR_USE_CANDIDATE: /* RFC 8445 section 7.1.2, no value */
        if (len != 0)
            return AULA_EPROTO;
        msg->use_candidate = true;
        return 0;
    case AULA_STUN_ATTR_ICE_CONTROLLING: /* RFC 8445 section 7.1.3 */
    case AULA_STUN_ATTR_ICE_CONTROLLED:
        if (len != 8)
            return AULA_EPROTO;
        if (!msg->ice_controlling && !msg->ice_controlled)
            msg->tie_breaker = aula_get_u64be(v);
        if (type == AULA_STUN_ATTR_ICE_CONTROLLING)
            msg->ice_controlling = true;
        else
            msg->ice_controlled = true;
        return 0;
    case AULA_STUN_ATTR_XOR_MAPPED_ADDRESS:
        return msg->has_xor_mapped ? 0 : decode_xor_address(msg, v, len);
    case AULA_STUN_ATTR_ERROR_CODE:
        return msg->error_code ? 0 : decode_error_code(msg, v, len);
    case AULA_STUN_ATTR_MAPPED_ADDRESS:
    case AULA_STUN_ATTR_UNKNOWN_ATTRIBUTES:
        /* Understood but of no use to ICE-lite. */
        return 0;
    default:
        note_unknown(msg, type);
        return 0;
    }
}

/* Checks the 20-byte header (section 5) and fills the header fields. */
static int parse_header(aula_stun_msg *msg, const uint8_t *buf, size_t len)
{
    if (len < AULA_STUN_HEADER_SIZE)
        return AULA_EPROTO;
    uint16_t type = (uint16_t)(buf[0] << 8 | buf[1]);
    size_t body = (size_t)(buf[2] << 8 | buf[3]);
    /* The top two bits are zero, the length counts the attributes only, is
     * a multiple of 4 (attributes are padded), and one datagram carries
     * exactly one message. */
    if ((type & 0xC000) || body % 4 || body != len - AULA_STUN_HEADER_SIZE ||
        aula_get_u32be(buf + 4) != AULA_STUN_MAGIC_COOKIE)
        return AULA_EPROTO;
    msg->data = buf;
    msg->len = len;
    msg->type = type;
    /* Section 5: the class bits C1 (0x0100) and C0 (0x0010) are
     * interleaved with the 12 method bits. */
    msg->cls = (uint8_t)((type >> 7 & 2) | (type >> 4 & 1));
    msg->method = (uint16_t)((type & 0x000F) | (type & 0x00E0) >> 1 | (type & 0x3E00) >> 2);
    msg->txid = buf + 8;
    return 0;
}

int aula_stun_parse(aula_stun_msg *msg, const uint8_t *buf, size_t len)
{
    assert(msg && (buf || len == 0));
    memset(msg, 0, sizeof(*msg));
    int rc = parse_header(msg, buf, len);
    if (rc)
        return rc;

    reader r = {buf, len, AULA_STUN_HEADER_SIZE};
    while (r.pos < len) {
        /* Section 14.7: FINGERPRINT, when present, is the last attribute. */
        if (msg->fingerprint_off)
            return AULA_EPROTO;
        size_t off = r.pos;
        uint16_t type, alen;
        const uint8_t *value, *pad;
        /* Section 14: type, length, value, then padding to a multiple of
         * 4 whose content is ignored; none of it may run past the end. */
        if (!rd_u16be(&r, &type) || !rd_u16be(&r, &alen) || !rd_bytes(&r, alen, &value) ||
            !rd_bytes(&r, (4 - alen % 4) % 4, &pad))
            return AULA_EPROTO;
        if (type == AULA_STUN_ATTR_FINGERPRINT) {
            if (alen != 4)
                return AULA_EPROTO;
            msg->fingerprint_off = off;
            continue;
        }
        /* Section 14.5: attributes after MESSAGE-INTEGRITY, except
         * FINGERPRINT, are ignored. */
        if (msg->integrity_off)
            continue;
        if (type == AULA_STUN_ATTR_MESSAGE_INTEGRITY) {
            if (alen != HMAC_SHA1_SIZE)
                return AULA_EPROTO;
            msg->integrity_off = off;
            continue;
        }
        rc = decode_attr(msg, type, value, alen);
        if (rc)
            return rc;
    }
    return 0;
}

int aula_stun_peek_username(const uint8_t *buf, size_t len, const char **username,
                            size_t *username_len)
{
    assert(username && username_len);
    /* A full parse costs one walk over a few attributes and no allocation;
     * sharing it keeps "well-formed" meaning the same thing everywhere. */
    aula_stun_msg msg;
    if (aula_stun_parse(&msg, buf, len) != 0 || msg.type != AULA_STUN_BINDING_REQUEST)
        return AULA_EPROTO;
    if (!msg.username)
        return AULA_ENOENT;
    *username = msg.username;
    *username_len = msg.username_len;
    return 0;
}

int aula_stun_split_username(const char *username, size_t len, size_t *first_len)
{
    assert(first_len && (username || len == 0));
    const char *colon = len ? memchr(username, ':', len) : NULL;
    if (!colon || colon == username || colon == username + len - 1)
        return AULA_EPROTO;
    *first_len = (size_t)(colon - username);
    return 0;
}

int aula_stun_check_integrity(const aula_stun_msg *msg, const char *password)
{
    assert(msg && password);
    if (!msg->integrity_off)
        return AULA_ENOENT;
    if (!password[0])
        return AULA_EINVAL;
    /* Section 14.5: the HMAC covers the message up to MESSAGE-INTEGRITY,
     * with the header's length field counting up to the end of
     * MESSAGE-INTEGRITY (so a FINGERPRINT after it is left out). */
    uint8_t hdr[AULA_STUN_HEADER_SIZE];
    memcpy(hdr, msg->data, sizeof(hdr));
    aula_put_u16be(hdr + 2,
                   (uint16_t)(msg->integrity_off + INTEGRITY_ATTR_SIZE - AULA_STUN_HEADER_SIZE));
    uint8_t mac[HMAC_SHA1_SIZE];
    int rc = hmac_sha1(password, hdr, sizeof(hdr), msg->data + AULA_STUN_HEADER_SIZE,
                       msg->integrity_off - AULA_STUN_HEADER_SIZE, mac);
    if (rc)
        return rc;
    const uint8_t *got = msg->data + msg->integrity_off + ATTR_HEADER_SIZE;
    return CRYPTO_memcmp(mac, got, HMAC_SHA1_SIZE) == 0 ? 0 : AULA_EPERM;
}

int aula_stun_check_fingerprint(const aula_stun_msg *msg)
{
    assert(msg);
    if (!msg->fingerprint_off)
        return AULA_ENOENT;
    /* Section 14.7: CRC-32 of everything before the attribute; FINGERPRINT
     * is last, so the header's length is already the right one. */
    uint32_t want = aula_stun_crc32(msg->data, msg->fingerprint_off) ^ FINGERPRINT_XOR;
    uint32_t got = aula_get_u32be(msg->data + msg->fingerprint_off + ATTR_HEADER_SIZE);
    return want == got ? 0 : AULA_EPROTO;
}

/* ---- building ---- */

static void set_length(aula_stun_writer *w, size_t body)
{
    aula_put_u16be(w->buf + 2, (uint16_t)body);
}

static int fail(aula_stun_writer *w, int err)
{
    if (!w->err)
        w->err = err;
    return w->err;
}

void aula_stun_writer_init(aula_stun_writer *w, uint8_t *buf, size_t cap, uint16_t type,
                           const uint8_t *txid)
{
    assert(w && txid && (buf || cap == 0));
    *w = (aula_stun_writer){.buf = buf, .cap = cap};
    if (cap < AULA_STUN_HEADER_SIZE) {
        w->err = AULA_ETOOBIG;
        return;
    }
    /* Section 5: type, length (fixed up as attributes are added), magic
     * cookie, transaction id. */
    aula_put_u16be(buf, type);
    aula_put_u32be(buf + 4, AULA_STUN_MAGIC_COOKIE);
    memcpy(buf + 8, txid, AULA_STUN_TXID_SIZE);
    w->len = AULA_STUN_HEADER_SIZE;
    set_length(w, 0);
}

/* Reserves an attribute of value length len (plus padding) and returns a
 * pointer to its value, or NULL with the error recorded. */
static uint8_t *reserve_attr(aula_stun_writer *w, uint16_t type, size_t len)
{
    if (w->err)
        return NULL;
    if (len > 0xFFFF) {
        fail(w, AULA_EINVAL);
        return NULL;
    }
    size_t padded = (len + 3) & ~(size_t)3;
    size_t need = ATTR_HEADER_SIZE + padded;
    /* The message length field is 16 bits (section 5). */
    if (w->cap - w->len < need || w->len - AULA_STUN_HEADER_SIZE + need > 0xFFFF) {
        fail(w, AULA_ETOOBIG);
        return NULL;
    }
    uint8_t *p = w->buf + w->len;
    aula_put_u16be(p, type);
    aula_put_u16be(p + 2, (uint16_t)len);
    memset(p + ATTR_HEADER_SIZE + len, 0, padded - len);
    w->len += need;
    set_length(w, w->len - AULA_STUN_HEADER_SIZE);
    return p + ATTR_HEADER_SIZE;
}

int aula_stun_writer_add(aula_stun_writer *w, uint16_t type, const void *value, size_t len)
{
    assert(w && (value || len == 0));
    uint8_t *p = reserve_attr(w, type, len);
    if (!p)
        return w->err;
    if (len)
        memcpy(p, value, len);
    return 0;
}

int aula_stun_writer_add_u32(aula_stun_writer *w, uint16_t type, uint32_t value)
{
    uint8_t b[4];
    aula_put_u32be(b, value);
    return aula_stun_writer_add(w, type, b, sizeof(b));
}

int aula_stun_writer_add_u64(aula_stun_writer *w, uint16_t type, uint64_t value)
{
    uint8_t b[8];
    aula_put_u32be(b, (uint32_t)(value >> 32));
    aula_put_u32be(b + 4, (uint32_t)value);
    return aula_stun_writer_add(w, type, b, sizeof(b));
}

int aula_stun_writer_add_xor_address(aula_stun_writer *w, const struct sockaddr *addr)
{
    assert(w && addr);
    /* Section 14.2: reserved byte, family, port XOR the cookie's top 16
     * bits, address XOR the cookie (IPv4) or cookie + transaction id (IPv6). */
    uint8_t v[20] = {0};
    size_t len;
    uint16_t port;
    if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
        v[1] = 0x01;
        port = ntohs(sin->sin_port);
        aula_put_u32be(v + 4, ntohl(sin->sin_addr.s_addr) ^ AULA_STUN_MAGIC_COOKIE);
        len = 8;
    } else if (addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
        v[1] = 0x02;
        port = ntohs(sin6->sin6_port);
        /* The header (cookie and transaction id) is already in the buffer
         * when the writer has not failed; bytes 4..19 are the mask. */
        if (w->err)
            return w->err;
        for (int i = 0; i < 16; i++)
            v[4 + i] = sin6->sin6_addr.s6_addr[i] ^ w->buf[4 + i];
        len = 20;
    } else {
        return fail(w, AULA_EINVAL);
    }
    aula_put_u16be(v + 2, port ^ (uint16_t)(AULA_STUN_MAGIC_COOKIE >> 16));
    return aula_stun_writer_add(w, AULA_STUN_ATTR_XOR_MAPPED_ADDRESS, v, len);
}

static const char *reason_phrase(int code)
{
    switch (code) {
    case 300:
        return "Try Alternate";
    case AULA_STUN_ERR_BAD_REQUEST:
        return "Bad Request";
    case AULA_STUN_ERR_UNAUTHORIZED:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case AULA_STUN_ERR_UNKNOWN_ATTRIBUTE:
        return "Unknown Attribute";
    case 438:
        return "Stale Nonce";
    case AULA_STUN_ERR_ROLE_CONFLICT:
        return "Role Conflict";
    case AULA_STUN_ERR_SERVER_ERROR:
        return "Server Error";
    default:
        return "Error";
    }
}

int aula_stun_writer_add_error(aula_stun_writer *w, int code, const char *reason)
{
    assert(w);
    if (code < 300 || code > 699)
        return fail(w, AULA_EINVAL);
    if (!reason)
        reason = reason_phrase(code);
    size_t rlen = strlen(reason);
    if (rlen > MAX_REASON)
        return fail(w, AULA_EINVAL);
    uint8_t *p = reserve_attr(w, AULA_STUN_ATTR_ERROR_CODE, 4 + rlen);
    if (!p)
        return w->err;
    /* Section 14.8: 21 reserved zero bits, class, number. */
    p[0] = 0;
    p[1] = 0;
    p[2] = (uint8_t)(code / 100);
    p[3] = (uint8_t)(code % 100);
    memcpy(p + 4, reason, rlen);
    return 0;
}

int aula_stun_writer_add_integrity(aula_stun_writer *w, const char *password)
{
    assert(w && password);
    if (w->err)
        return w->err;
    if (!password[0])
        return fail(w, AULA_EINVAL);
    if (w->cap - w->len < INTEGRITY_ATTR_SIZE)
        return fail(w, AULA_ETOOBIG);
    /* Section 14.5: the length field must already count this attribute
     * when the HMAC is computed over everything before it. */
    size_t off = w->len;
    set_length(w, off + INTEGRITY_ATTR_SIZE - AULA_STUN_HEADER_SIZE);
    uint8_t mac[HMAC_SHA1_SIZE];
    int rc = hmac_sha1(password, w->buf, AULA_STUN_HEADER_SIZE, w->buf + AULA_STUN_HEADER_SIZE,
                       off - AULA_STUN_HEADER_SIZE, mac);
    if (rc) {
        set_length(w, off - AULA_STUN_HEADER_SIZE);
        return fail(w, rc);
    }
    uint8_t *p = reserve_attr(w, AULA_STUN_ATTR_MESSAGE_INTEGRITY, HMAC_SHA1_SIZE);
    if (!p) /* only the 16-bit length limit can still refuse it */
        return w->err;
    memcpy(p, mac, HMAC_SHA1_SIZE);
    return 0;
}

int aula_stun_writer_add_fingerprint(aula_stun_writer *w)
{
    assert(w);
    if (w->err)
        return w->err;
    if (w->cap - w->len < FINGERPRINT_ATTR_SIZE)
        return fail(w, AULA_ETOOBIG);
    /* Section 14.7: the CRC covers the header with the final length. */
    size_t off = w->len;
    set_length(w, off + FINGERPRINT_ATTR_SIZE - AULA_STUN_HEADER_SIZE);
    uint32_t crc = aula_stun_crc32(w->buf, off) ^ FINGERPRINT_XOR;
    return aula_stun_writer_add_u32(w, AULA_STUN_ATTR_FINGERPRINT, crc);
}

int aula_stun_writer_finish(const aula_stun_writer *w, size_t *out_len)
{
    assert(w && out_len);
    if (w->err)
        return w->err;
    *out_len = w->len;
    return 0;
}

int aula_stun_build_binding_success(uint8_t *buf, size_t cap, size_t *out_len, const uint8_t *txid,
                                    const struct sockaddr *from, const char *password)
{
    aula_stun_writer w;
    aula_stun_writer_init(&w, buf, cap, AULA_STUN_BINDING_SUCCESS, txid);
    aula_stun_writer_add_xor_address(&w, from);
    aula_stun_writer_add_integrity(&w, password);
    aula_stun_writer_add_fingerprint(&w);
    return aula_stun_writer_finish(&w, out_len);
}

int aula_stun_build_binding_error(uint8_t *buf, size_t cap, size_t *out_len, const uint8_t *txid,
                                  int code, const uint16_t *unknown, size_t n_unknown,
                                  const char *password)
{
    assert(n_unknown <= AULA_STUN_MAX_UNKNOWN && (unknown || n_unknown == 0));
    aula_stun_writer w;
    aula_stun_writer_init(&w, buf, cap, AULA_STUN_BINDING_ERROR, txid);
    aula_stun_writer_add_error(&w, code, NULL);
    if (n_unknown) {
        /* Section 14.9: a list of 16-bit attribute types. */
        uint8_t v[2 * AULA_STUN_MAX_UNKNOWN];
        for (size_t i = 0; i < n_unknown; i++)
            aula_put_u16be(v + 2 * i, unknown[i]);
        aula_stun_writer_add(&w, AULA_STUN_ATTR_UNKNOWN_ATTRIBUTES, v, 2 * n_unknown);
    }
    if (password)
        aula_stun_writer_add_integrity(&w, password);
    aula_stun_writer_add_fingerprint(&w);
    return aula_stun_writer_finish(&w, out_len);
}

int aula_stun_build_binding_request(uint8_t *buf, size_t cap, size_t *out_len,
                                    const aula_stun_request *req)
{
    assert(req && req->txid && req->username && req->password);
    size_t ulen = strlen(req->username);
    if (ulen > AULA_STUN_MAX_USERNAME)
        return AULA_EINVAL;
    /* RFC 8445 section 7.1: USERNAME, PRIORITY, the role with its
     * tie-breaker, USE-CANDIDATE when nominating, then integrity. */
    aula_stun_writer w;
    aula_stun_writer_init(&w, buf, cap, AULA_STUN_BINDING_REQUEST, req->txid);
    aula_stun_writer_add(&w, AULA_STUN_ATTR_USERNAME, req->username, ulen);
    aula_stun_writer_add_u32(&w, AULA_STUN_ATTR_PRIORITY, req->priority);
    aula_stun_writer_add_u64(
        &w, req->controlling ? AULA_STUN_ATTR_ICE_CONTROLLING : AULA_STUN_ATTR_ICE_CONTROLLED,
        req->tie_breaker);
    if (req->use_candidate)
        aula_stun_writer_add(&w, AULA_STUN_ATTR_USE_CANDIDATE, NULL, 0);
    aula_stun_writer_add_integrity(&w, req->password);
    aula_stun_writer_add_fingerprint(&w);
    return aula_stun_writer_finish(&w, out_len);
}

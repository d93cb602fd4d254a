/* Tests for STUN parsing and building (src/rtc/stun.c): the RFC 5769 test
 * vectors parsed, verified and rebuilt byte for byte, then malformed input
 * (truncation, overruns, bad lengths, wrong cookie), integrity and
 * fingerprint failures, unknown attributes, and round trips through the
 * builders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "core/error.h"
#include "rtc/stun.h"

static const char PASSWORD[] = "VOkJxbRl1RmTxUk/WvJxBt";

static const uint8_t TXID[12] = {
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
};

/* RFC 5769 section 2.1: sample request. */
static const uint8_t REQ[] = {
    0x00, 0x01, 0x00, 0x58, /* Request type and message length */
    0x21, 0x12, 0xa4, 0x42, /* Magic cookie */
    0xb7, 0xe7, 0xa7, 0x01, /* Transaction ID */
    0xbc, 0x34, 0xd6, 0x86, /* */
    0xfa, 0x87, 0xdf, 0xae, /* */
    0x80, 0x22, 0x00, 0x10, /* SOFTWARE attribute header */
    0x53, 0x54, 0x55, 0x4e, /* "STUN test client" */
    0x20, 0x74, 0x65, 0x73, /* */
    0x74, 0x20, 0x63, 0x6c, /* */
    0x69, 0x65, 0x6e, 0x74, /* */
    0x00, 0x24, 0x00, 0x04, /* PRIORITY attribute header */
    0x6e, 0x00, 0x01, 0xff, /* ICE priority value */
    0x80, 0x29, 0x00, 0x08, /* ICE-CONTROLLED attribute header */
    0x93, 0x2f, 0xf9, 0xb1, /* Pseudo-random tie breaker... */
    0x51, 0x26, 0x3b, 0x36, /* ...for ICE control */
    0x00, 0x06, 0x00, 0x09, /* USERNAME attribute header */
    0x65, 0x76, 0x74, 0x6a, /* "evtj:h6vY" and padding (3 bytes) */
    0x3a, 0x68, 0x36, 0x76, /* */
    0x59, 0x20, 0x20, 0x20, /* */
    0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY attribute header */
    0x9a, 0xea, 0xa7, 0x0c, /* HMAC-SHA1 */
    0xbf, 0xd8, 0xcb, 0x56, /* */
    0x78, 0x1e, 0xf2, 0xb5, /* */
    0xb2, 0xd3, 0xf2, 0x49, /* */
    0xc1, 0xb5, 0x71, 0xa2, /* */
    0x80, 0x28, 0x00, 0x04, /* FINGERPRINT attribute header */
    0xe5, 0x7a, 0x3b, 0xcf, /* CRC32 fingerprint */
};

/* RFC 5769 section 2.2: sample IPv4 response. */
static const uint8_t RESP4[] = {
    0x01, 0x01, 0x00, 0x3c, /* Response type and message length */
    0x21, 0x12, 0xa4, 0x42, /* Magic cookie */
    0xb7, 0xe7, 0xa7, 0x01, /* Transaction ID */
    0xbc, 0x34, 0xd6, 0x86, /* */
    0xfa, 0x87, 0xdf, 0xae, /* */
    0x80, 0x22, 0x00, 0x0b, /* SOFTWARE attribute header */
    0x74, 0x65, 0x73, 0x74, /* "test vector" and padding */
    0x20, 0x76, 0x65, 0x63, /* */
    0x74, 0x6f, 0x72, 0x20, /* */
    0x00, 0x20, 0x00, 0x08, /* XOR-MAPPED-ADDRESS attribute header */
    0x00, 0x01, 0xa1, 0x47, /* Address family (IPv4) and xor'd mapped port */
    0xe1, 0x12, 0xa6, 0x43, /* Xor'd mapped IPv4 address */
    0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY attribute header */
    0x2b, 0x91, 0xf5, 0x99, /* HMAC-SHA1 */
    0xfd, 0x9e, 0x90, 0xc3, /* */
    0x8c, 0x74, 0x89, 0xf9, /* */
    0x2a, 0xf9, 0xba, 0x53, /* */
    0xf0, 0x6b, 0xe7, 0xd7, /* */
    0x80, 0x28, 0x00, 0x04, /* FINGERPRINT attribute header */
    0xc0, 0x7d, 0x4c, 0x96, /* CRC32 fingerprint */
};

/* RFC 5769 section 2.3: sample IPv6 response. */
static const uint8_t RESP6[] = {
    0x01, 0x01, 0x00, 0x48, /* Response type and message length */
    0x21, 0x12, 0xa4, 0x42, /* Magic cookie */
    0xb7, 0xe7, 0xa7, 0x01, /* Transaction ID */
    0xbc, 0x34, 0xd6, 0x86, /* */
    0xfa, 0x87, 0xdf, 0xae, /* */
    0x80, 0x22, 0x00, 0x0b, /* SOFTWARE attribute header */
    0x74, 0x65, 0x73, 0x74, /* "test vector" and padding */
    0x20, 0x76, 0x65, 0x63, /* */
    0x74, 0x6f, 0x72, 0x20, /* */
    0x00, 0x20, 0x00, 0x14, /* XOR-MAPPED-ADDRESS attribute header */
    0x00, 0x02, 0xa1, 0x47, /* Address family (IPv6) and xor'd mapped port */
    0x01, 0x13, 0xa9, 0xfa, /* Xor'd mapped IPv6 address */
    0xa5, 0xd3, 0xf1, 0x79, /* */
    0xbc, 0x25, 0xf4, 0xb5, /* */
    0xbe, 0xd2, 0xb9, 0xd9, /* */
    0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY attribute header */
    0xa3, 0x82, 0x95, 0x4e, /* HMAC-SHA1 */
    0x4b, 0xe6, 0x7b, 0xf1, /* */
    0x17, 0x84, 0xc9, 0x7c, /* */
    0x82, 0x92, 0xc2, 0x75, /* */
    0xbf, 0xe3, 0xed, 0x41, /* */
    0x80, 0x28, 0x00, 0x04, /* FINGERPRINT attribute header */
    0xc8, 0xfb, 0x0b, 0x4c, /* CRC32 fingerprint */
};

static struct sockaddr_in addr4(void)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(32853)};
    assert_int_equal(inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr), 1);
    return sin;
}

static struct sockaddr_in6 addr6(void)
{
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(32853)};
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677", &sin6.sin6_addr),
                     1);
    return sin6;
}

static void assert_str_n(const char *got, size_t got_len, const char *want)
{
    assert_non_null(got);
    assert_int_equal(got_len, strlen(want));
    assert_memory_equal(got, want, got_len);
}

/* ---- RFC 5769 vectors ---- */

static void test_crc32(void **state)
{
    (void)state;
    assert_int_equal(aula_stun_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
    assert_int_equal(aula_stun_crc32(NULL, 0), 0);
}

static void test_rfc5769_request(void **state)
{
    (void)state;
    aula_stun_msg m;
    assert_true(aula_stun_is_stun(REQ, sizeof(REQ)));
    assert_int_equal(aula_stun_parse(&m, REQ, sizeof(REQ)), 0);
    assert_int_equal(m.type, AULA_STUN_BINDING_REQUEST);
    assert_int_equal(m.method, 1);
    assert_int_equal(m.cls, 0);
    assert_memory_equal(m.txid, TXID, 12);
    assert_str_n(m.software, m.software_len, "STUN test client");
    assert_str_n(m.username, m.username_len, "evtj:h6vY");
    assert_true(m.has_priority);
    assert_int_equal(m.priority, 0x6e0001ffu);
    assert_true(m.ice_controlled);
    assert_false(m.ice_controlling);
    assert_false(m.use_candidate);
    assert_true(m.tie_breaker == 0x932ff9b151263b36ull);
    assert_int_equal(m.n_unknown, 0);
    assert_int_equal(m.integrity_off, 76);
    assert_int_equal(m.fingerprint_off, 100);
    assert_int_equal(aula_stun_check_integrity(&m, PASSWORD), 0);
    assert_int_equal(aula_stun_check_fingerprint(&m), 0);

    const char *u;
    size_t ulen, first;
    assert_int_equal(aula_stun_peek_username(REQ, sizeof(REQ), &u, &ulen), 0);
    assert_str_n(u, ulen, "evtj:h6vY");
    assert_int_equal(aula_stun_split_username(u, ulen, &first), 0);
    assert_int_equal(first, 4);
    assert_memory_equal(u + first + 1, "h6vY", 4);
}

static void test_rfc5769_responses(void **state)
{
    (void)state;
    aula_stun_msg m;
    struct sockaddr_in want4 = addr4();
    assert_int_equal(aula_stun_parse(&m, RESP4, sizeof(RESP4)), 0);
    assert_int_equal(m.type, AULA_STUN_BINDING_SUCCESS);
    assert_int_equal(m.cls, 2);
    assert_str_n(m.software, m.software_len, "test vector");
    assert_true(m.has_xor_mapped);
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&m.xor_mapped;
    assert_int_equal(sin->sin_family, AF_INET);
    assert_int_equal(sin->sin_port, want4.sin_port);
    assert_int_equal(sin->sin_addr.s_addr, want4.sin_addr.s_addr);
    assert_int_equal(aula_stun_check_integrity(&m, PASSWORD), 0);
    assert_int_equal(aula_stun_check_fingerprint(&m), 0);
    /* A response is not a request: the packet path must not accept it. */
    const char *u;
    size_t ulen;
    assert_int_equal(aula_stun_peek_username(RESP4, sizeof(RESP4), &u, &ulen), AULA_EPROTO);

    struct sockaddr_in6 want6 = addr6();
    assert_int_equal(aula_stun_parse(&m, RESP6, sizeof(RESP6)), 0);
    assert_true(m.has_xor_mapped);
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&m.xor_mapped;
    assert_int_equal(sin6->sin6_family, AF_INET6);
    assert_int_equal(sin6->sin6_port, want6.sin6_port);
    assert_memory_equal(&sin6->sin6_addr, &want6.sin6_addr, 16);
    assert_int_equal(aula_stun_check_integrity(&m, PASSWORD), 0);
    assert_int_equal(aula_stun_check_fingerprint(&m), 0);
}

/* Adds an attribute the way RFC 5769 does: padding made of spaces rather
 * than zeros (the receiver must ignore padding, so both are valid). */
static void add_space_padded(aula_stun_writer *w, uint16_t type, const char *s)
{
    size_t len = strlen(s);
    assert_int_equal(aula_stun_writer_add(w, type, s, len), 0);
    for (size_t i = len; i % 4; i++)
        w->buf[w->len - 4 + i % 4] = 0x20;
}

/* Rebuilding the vectors with the writer gives the same bytes, HMAC and
 * CRC included. */
static void test_rfc5769_build_exact(void **state)
{
    (void)state;
    uint8_t buf[128];
    size_t len;
    aula_stun_writer w;

    aula_stun_writer_init(&w, buf, sizeof(buf), AULA_STUN_BINDING_REQUEST, TXID);
    add_space_padded(&w, AULA_STUN_ATTR_SOFTWARE, "STUN test client");
    aula_stun_writer_add_u32(&w, AULA_STUN_ATTR_PRIORITY, 0x6e0001ffu);
    aula_stun_writer_add_u64(&w, AULA_STUN_ATTR_ICE_CONTROLLED, 0x932ff9b151263b36ull);
    add_space_padded(&w, AULA_STUN_ATTR_USERNAME, "evtj:h6vY");
    aula_stun_writer_add_integrity(&w, PASSWORD);
    aula_stun_writer_add_fingerprint(&w);
    assert_int_equal(aula_stun_writer_finish(&w, &len), 0);
    assert_int_equal(len, sizeof(REQ));
    assert_memory_equal(buf, REQ, len);

    struct sockaddr_in a4 = addr4();
    aula_stun_writer_init(&w, buf, sizeof(buf), AULA_STUN_BINDING_SUCCESS, TXID);
    add_space_padded(&w, AULA_STUN_ATTR_SOFTWARE, "test vector");
    aula_stun_writer_add_xor_address(&w, (const struct sockaddr *)&a4);
    aula_stun_writer_add_integrity(&w, PASSWORD);
    aula_stun_writer_add_fingerprint(&w);
    assert_int_equal(aula_stun_writer_finish(&w, &len), 0);
    assert_int_equal(len, sizeof(RESP4));
    assert_memory_equal(buf, RESP4, len);

    struct sockaddr_in6 a6 = addr6();
    aula_stun_writer_init(&w, buf, sizeof(buf), AULA_STUN_BINDING_SUCCESS, TXID);
    add_space_padded(&w, AULA_STUN_ATTR_SOFTWARE, "test vector");
    aula_stun_writer_add_xor_address(&w, (const struct sockaddr *)&a6);
    aula_stun_writer_add_integrity(&w, PASSWORD);
    aula_stun_writer_add_fingerprint(&w);
    assert_int_equal(aula_stun_writer_finish(&w, &len), 0);
    assert_int_equal(len, sizeof(RESP6));
    assert_memory_equal(buf, RESP6, len);
}

/* The server's own success responses (no SOFTWARE): same header and
 * XOR-MAPPED-ADDRESS bytes as the vectors, and they verify. */
static void test_build_success(void **state)
{
    (void)state;
    uint8_t buf[128];
    size_t len;
    aula_stun_msg m;

    struct sockaddr_in a4 = addr4();
    assert_int_equal(aula_stun_build_binding_success(buf, sizeof(buf), &len, TXID,
                                                     (const struct sockaddr *)&a4, PASSWORD),
                     0);
    assert_int_equal(len, 20 + 12 + 24 + 8);
    static const uint8_t hdr[] = {0x01, 0x01, 0x00, 0x2c};
    assert_memory_equal(buf, hdr, 4);
    assert_memory_equal(buf + 4, RESP4 + 4, 16);
    assert_memory_equal(buf + 20, RESP4 + 36, 12);
    assert_int_equal(aula_stun_parse(&m, buf, len), 0);
    assert_int_equal(aula_stun_check_integrity(&m, PASSWORD), 0);
    assert_int_equal(aula_stun_check_fingerprint(&m), 0);

    struct sockaddr_in6 a6 = addr6();
    assert_int_equal(aula_stun_build_binding_success(buf, sizeof(buf), &len, TXID,
                                                     (const struct sockaddr *)&a6, PASSWORD),
                     0);
    assert_int_equal(len, 20 + 24 + 24 + 8);
    assert_memory_equal(buf + 4, RESP6 + 4, 16);
    assert_memory_equal(buf + 20, RESP6 + 36, 24);
    assert_int_equal(aula_stun_parse(&m, buf, len), 0);
    assert_int_equal(aula_stun_check_integrity(&m, PASSWORD), 0);
    assert_int_equal(aula_stun_check_fingerprint(&m), 0);
    const struct sockaddr_in6 *got = (const struct sockaddr_in6 *)&m.xor_mapped;
    assert_memory_equal(&got->sin6_addr, &a6.sin6_addr, 16);
    assert_int_equal(got->sin6_port, a6.sin6_port);

    struct sockaddr bad = {.sa_family = AF_UNIX};
    assert_int_equal(aula_stun_build_binding_success(buf, sizeof(buf), &len, TXID, &bad, PASSWORD),
                     AULA_EINVAL);
    assert_int_equal(
        aula_stun_build_binding_success(buf, sizeof(buf), &len, TXID, (struct sockaddr *)&a4, ""),
        AULA_EINVAL);
}

/* ---- failures ---- */

static void test_wrong_password(void **state)
{
    (void)state;
    aula_stun_msg m;
    assert_int_equal(aula_stun_parse(&m, REQ, sizeof(REQ)), 0);
    assert_int_equal(aula_stun_check_integrity(&m, "VOkJxbRl1RmTxUk/WvJxBu"), AULA_EPERM);
    assert_int_equal(aula_stun_check_integrity(&m, "x"), AULA_EPERM);
    assert_int_equal(aula_stun_check_integrity(&m, ""), AULA_EINVAL);
}

static void test_flipped_bits(void **state)
{
    (void)state;
    uint8_t b[sizeof(REQ)];
    aula_stun_msg m;

    /* A bit flipped inside USERNAME breaks both checks. */
    memcpy(b, REQ, sizeof(b));
    b[65] ^= 0x01;
    assert_int_equal(aula_stun_parse(&m, b, sizeof(b)), 0);
    assert_int_equal(aula_stun_check_fingerprint(&m), AULA_EPROTO);
    assert_int_equal(aula_stun_check_integrity(&m, PASSWORD), AULA_EPERM);

    /* A bit flipped in the FINGERPRINT value itself. */
    memcpy(b, REQ, sizeof(b));
    b[sizeof(b) - 1] ^= 0x80;
    assert_int_equal(aula_stun_parse(&m, b, sizeof(b)), 0);
    assert_int_equal(aula_stun_check_fingerprint(&m), AULA_EPROTO);
    assert_int_equal(aula_stun_check_integrity(&m, PASSWORD), 0);

    /* A bit flipped in the HMAC. */
    memcpy(b, REQ, sizeof(b));
    b[85] ^= 0x10;
    assert_int_equal(aula_stun_parse(&m, b, sizeof(b)), 0);
    assert_int_equal(aula_stun_check_integrity(&m, PASSWORD), AULA_EPERM);
}

static void test_missing_integrity_and_fingerprint(void **state)
{
    (void)state;
    /* The vector cut after USERNAME, with the length fixed up. */
    uint8_t b[76];
    memcpy(b, REQ, sizeof(b));
    b[3] = 76 - 20;
    aula_stun_msg m;
    assert_int_equal(aula_stun_parse(&m, b, sizeof(b)), 0);
    assert_int_equal(aula_stun_check_integrity(&m, PASSWORD), AULA_ENOENT);
    assert_int_equal(aula_stun_check_fingerprint(&m), AULA_ENOENT);
}

static void test_truncated(void **state)
{
    (void)state;
    aula_stun_msg m;
    /* Every proper prefix is rejected: too short for a header, or shorter
     * than its length field says. */
    for (size_t n = 0; n < sizeof(REQ); n++)
        assert_int_equal(aula_stun_parse(&m, REQ, n), AULA_EPROTO);
    assert_false(aula_stun_is_stun(REQ, 19));
    /* Trailing bytes after the message are rejected too. */
    uint8_t b[sizeof(REQ) + 4] = {0};
    memcpy(b, REQ, sizeof(REQ));
    assert_int_equal(aula_stun_parse(&m, b, sizeof(b)), AULA_EPROTO);
}

static void test_length_not_multiple_of_4(void **state)
{
    (void)state;
    uint8_t b[sizeof(REQ)];
    memcpy(b, REQ, sizeof(b));
    b[3] = 0x57; /* 87 */
    aula_stun_msg m;
    assert_int_equal(aula_stun_parse(&m, b, sizeof(b) - 1), AULA_EPROTO);
    b[3] = 0x5a; /* 90, and the datagram has 2 bytes more */
    uint8_t c[sizeof(REQ) + 2] = {0};
    memcpy(c, b, sizeof(b));
    assert_int_equal(aula_stun_parse(&m, c, sizeof(c)), AULA_EPROTO);
}

static void test_attribute_overrun(void **state)
{
    (void)state;
    aula_stun_msg m;
    uint8_t b[sizeof(REQ)];
    /* SOFTWARE claims more bytes than the whole message holds. */
    memcpy(b, REQ, sizeof(b));
    b[22] = 0x01;
    b[23] = 0x00;
    assert_int_equal(aula_stun_parse(&m, b, sizeof(b)), AULA_EPROTO);

    /* A 12-byte body holding one attribute: its value may use the 8 bytes
     * after its header, padding included, but not one more. */
    uint8_t c[] = {0x00, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42, 1,  2,    3,
                   4,    5,    6,    7,    8,    9,    10,   11,   12, 0x80, 0x22,
                   0x00, 0x05, 'a',  'b',  'c',  'd',  'e',  0,    0,  0};
    assert_int_equal(aula_stun_parse(&m, c, sizeof(c)), 0);
    assert_str_n(m.software, m.software_len, "abcde");
    c[23] = 8;
    assert_int_equal(aula_stun_parse(&m, c, sizeof(c)), 0);
    assert_int_equal(m.software_len, 8);
    c[23] = 9;
    assert_int_equal(aula_stun_parse(&m, c, sizeof(c)), AULA_EPROTO);

    /* A zero-length attribute ends the body exactly; length 1 would run
     * past it. */
    uint8_t d[] = {0x00, 0x01, 0x00, 0x04, 0x21, 0x12, 0xa4, 0x42, 1,    2,    3, 4,
                   5,    6,    7,    8,    9,    10,   11,   12,   0x80, 0x22, 0, 0};
    assert_int_equal(aula_stun_parse(&m, d, sizeof(d)), 0);
    d[23] = 1;
    assert_int_equal(aula_stun_parse(&m, d, sizeof(d)), AULA_EPROTO);
}

static void test_padding(void **state)
{
    (void)state;
    /* USERNAME of 5 bytes, then 3 bytes of (non-zero) padding, then
     * PRIORITY: the padding is skipped and its content ignored. */
    uint8_t b[] = {0x00, 0x01, 0x00, 0x14, 0x21, 0x12, 0xa4, 0x42, 1,    2,    3,    4,   5,   6,
                   7,    8,    9,    10,   11,   12,   0x00, 0x06, 0x00, 5,    'a',  ':', 'b', 'c',
                   'd',  0xff, 0xee, 0xdd, 0x00, 0x24, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04};
    aula_stun_msg m;
    assert_int_equal(aula_stun_parse(&m, b, sizeof(b)), 0);
    assert_str_n(m.username, m.username_len, "a:bcd");
    assert_true(m.has_priority);
    assert_int_equal(m.priority, 0x01020304u);
    size_t first;
    assert_int_equal(aula_stun_split_username(m.username, m.username_len, &first), 0);
    assert_int_equal(first, 1);
    assert_int_equal(aula_stun_split_username("abc", 3, &first), AULA_EPROTO);
    assert_int_equal(aula_stun_split_username(":abc", 4, &first), AULA_EPROTO);
    assert_int_equal(aula_stun_split_username("abc:", 4, &first), AULA_EPROTO);
    assert_int_equal(aula_stun_split_username("", 0, &first), AULA_EPROTO);
}

static void test_not_stun(void **state)
{
    (void)state;
    aula_stun_msg m;
    uint8_t b[sizeof(REQ)];
    /* RFC 7983: 20..63 is DTLS, 128..191 RTP/RTCP. */
    memcpy(b, REQ, sizeof(b));
    const char *u;
    size_t ulen;
    b[0] = 0x16;
    assert_false(aula_stun_is_stun(b, sizeof(b)));
    assert_int_equal(aula_stun_peek_username(b, sizeof(b), &u, &ulen), AULA_EPROTO);
    /* RFC 8489 section 5 alone only needs the top two bits clear, so the
     * parser reads this as an (unknown) method; the demux and the packet
     * path refuse it. */
    assert_int_equal(aula_stun_parse(&m, b, sizeof(b)), 0);
    assert_int_not_equal(m.type, AULA_STUN_BINDING_REQUEST);
    b[0] = 0x80;
    assert_false(aula_stun_is_stun(b, sizeof(b)));
    assert_int_equal(aula_stun_parse(&m, b, sizeof(b)), AULA_EPROTO);
    /* Wrong magic cookie (an RFC 3489 message). */
    memcpy(b, REQ, sizeof(b));
    b[7] ^= 1;
    assert_false(aula_stun_is_stun(b, sizeof(b)));
    assert_int_equal(aula_stun_parse(&m, b, sizeof(b)), AULA_EPROTO);
    assert_int_equal(aula_stun_peek_username(b, sizeof(b), &u, &ulen), AULA_EPROTO);
}

static void test_unknown_attributes(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t len;
    aula_stun_writer w;
    aula_stun_writer_init(&w, buf, sizeof(buf), AULA_STUN_BINDING_REQUEST, TXID);
    aula_stun_writer_add(&w, AULA_STUN_ATTR_USERNAME, "a:b", 3);
    aula_stun_writer_add(&w, 0x7777, "x", 1);                    /* comprehension-required */
    aula_stun_writer_add(&w, 0xC001, "y", 1);                    /* comprehension-optional */
    aula_stun_writer_add(&w, 0x001C, "z", 1);                    /* MI-SHA256: not supported */
    aula_stun_writer_add(&w, AULA_STUN_ATTR_USERNAME, "c:d", 3); /* second one ignored */
    aula_stun_writer_add_integrity(&w, "pw");
    aula_stun_writer_add(&w, 0x7000, "q", 1); /* after MI: ignored */
    aula_stun_writer_add_fingerprint(&w);
    assert_int_equal(aula_stun_writer_finish(&w, &len), 0);

    aula_stun_msg m;
    assert_int_equal(aula_stun_parse(&m, buf, len), 0);
    assert_int_equal(m.n_unknown, 2);
    assert_int_equal(m.unknown[0], 0x7777);
    assert_int_equal(m.unknown[1], 0x001C);
    assert_str_n(m.username, m.username_len, "a:b");
    assert_int_equal(aula_stun_check_integrity(&m, "pw"), 0);
    assert_int_equal(aula_stun_check_fingerprint(&m), 0);

    /* The 420 answer lists them and verifies. */
    assert_int_equal(aula_stun_build_binding_error(buf, sizeof(buf), &len, m.txid,
                                                   AULA_STUN_ERR_UNKNOWN_ATTRIBUTE, m.unknown,
                                                   m.n_unknown, "pw"),
                     0);
    aula_stun_msg e;
    assert_int_equal(aula_stun_parse(&e, buf, len), 0);
    assert_int_equal(e.type, AULA_STUN_BINDING_ERROR);
    assert_int_equal(e.cls, 3);
    assert_int_equal(e.error_code, 420);
    assert_str_n(e.error_reason, e.error_reason_len, "Unknown Attribute");
    assert_int_equal(aula_stun_check_integrity(&e, "pw"), 0);
    assert_int_equal(aula_stun_check_fingerprint(&e), 0);
    /* UNKNOWN-ATTRIBUTES sits after ERROR-CODE (4 + 4 + 17 + 3 padding). */
    static const uint8_t ua[] = {0x00, 0x0A, 0x00, 0x04, 0x77, 0x77, 0x00, 0x1C};
    assert_memory_equal(buf + 20 + 28, ua, sizeof(ua));
}

static void test_attribute_after_fingerprint(void **state)
{
    (void)state;
    uint8_t buf[128];
    size_t len;
    aula_stun_writer w;
    aula_stun_writer_init(&w, buf, sizeof(buf), AULA_STUN_BINDING_REQUEST, TXID);
    aula_stun_writer_add_fingerprint(&w);
    aula_stun_writer_add(&w, AULA_STUN_ATTR_USERNAME, "a:b", 3);
    assert_int_equal(aula_stun_writer_finish(&w, &len), 0);
    aula_stun_msg m;
    assert_int_equal(aula_stun_parse(&m, buf, len), AULA_EPROTO);
}

static void test_bad_attribute_sizes(void **state)
{
    (void)state;
    static const struct {
        uint16_t type;
        size_t len;
    } cases[] = {
        {AULA_STUN_ATTR_PRIORITY, 3},
        {AULA_STUN_ATTR_USE_CANDIDATE, 4},
        {AULA_STUN_ATTR_ICE_CONTROLLING, 4},
        {AULA_STUN_ATTR_ICE_CONTROLLED, 12},
        {AULA_STUN_ATTR_MESSAGE_INTEGRITY, 16},
        {AULA_STUN_ATTR_FINGERPRINT, 8},
        {AULA_STUN_ATTR_XOR_MAPPED_ADDRESS, 20},
        {AULA_STUN_ATTR_ERROR_CODE, 2},
        {AULA_STUN_ATTR_USERNAME, 514},
    };
    uint8_t zeros[600] = {0};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[700];
        size_t len;
        aula_stun_writer w;
        aula_stun_writer_init(&w, buf, sizeof(buf), AULA_STUN_BINDING_REQUEST, TXID);
        aula_stun_writer_add(&w, cases[i].type, zeros, cases[i].len);
        assert_int_equal(aula_stun_writer_finish(&w, &len), 0);
        aula_stun_msg m;
        assert_int_equal(aula_stun_parse(&m, buf, len), AULA_EPROTO);
    }
}

/* ---- builders ---- */

static void test_request_round_trip(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t len;
    aula_stun_request req = {
        .txid = TXID,
        .username = "srvufrag:cliufrag",
        .password = "the-server-password-1234",
        .priority = 0x7e7f00ffu,
        .controlling = true,
        .tie_breaker = 0x0123456789abcdefull,
        .use_candidate = true,
    };
    assert_int_equal(aula_stun_build_binding_request(buf, sizeof(buf), &len, &req), 0);
    assert_true(aula_stun_is_stun(buf, len));

    const char *u;
    size_t ulen;
    assert_int_equal(aula_stun_peek_username(buf, len, &u, &ulen), 0);
    assert_str_n(u, ulen, "srvufrag:cliufrag");

    aula_stun_msg m;
    assert_int_equal(aula_stun_parse(&m, buf, len), 0);
    assert_int_equal(m.type, AULA_STUN_BINDING_REQUEST);
    assert_memory_equal(m.txid, TXID, 12);
    assert_true(m.has_priority);
    assert_int_equal(m.priority, 0x7e7f00ffu);
    assert_true(m.ice_controlling);
    assert_false(m.ice_controlled);
    assert_true(m.tie_breaker == 0x0123456789abcdefull);
    assert_true(m.use_candidate);
    assert_int_equal(m.n_unknown, 0);
    assert_int_equal(aula_stun_check_integrity(&m, "the-server-password-1234"), 0);
    assert_int_equal(aula_stun_check_integrity(&m, "the-server-password-1235"), AULA_EPERM);
    assert_int_equal(aula_stun_check_fingerprint(&m), 0);

    /* Controlled, not nominating. */
    req.controlling = false;
    req.use_candidate = false;
    assert_int_equal(aula_stun_build_binding_request(buf, sizeof(buf), &len, &req), 0);
    assert_int_equal(aula_stun_parse(&m, buf, len), 0);
    assert_true(m.ice_controlled);
    assert_false(m.ice_controlling);
    assert_false(m.use_candidate);

    /* No USERNAME: peek says so. */
    aula_stun_writer w;
    aula_stun_writer_init(&w, buf, sizeof(buf), AULA_STUN_BINDING_REQUEST, TXID);
    aula_stun_writer_add_fingerprint(&w);
    assert_int_equal(aula_stun_writer_finish(&w, &len), 0);
    assert_int_equal(aula_stun_peek_username(buf, len, &u, &ulen), AULA_ENOENT);
}

static void test_error_responses(void **state)
{
    (void)state;
    uint8_t buf[128];
    size_t len;
    aula_stun_msg m;
    /* 401 carries no MESSAGE-INTEGRITY: the request's credentials failed. */
    assert_int_equal(aula_stun_build_binding_error(buf, sizeof(buf), &len, TXID,
                                                   AULA_STUN_ERR_UNAUTHORIZED, NULL, 0, NULL),
                     0);
    assert_int_equal(aula_stun_parse(&m, buf, len), 0);
    assert_int_equal(m.error_code, 401);
    assert_str_n(m.error_reason, m.error_reason_len, "Unauthorized");
    assert_int_equal(m.integrity_off, 0);
    assert_int_equal(aula_stun_check_fingerprint(&m), 0);

    assert_int_equal(aula_stun_build_binding_error(buf, sizeof(buf), &len, TXID,
                                                   AULA_STUN_ERR_BAD_REQUEST, NULL, 0, NULL),
                     0);
    assert_int_equal(aula_stun_parse(&m, buf, len), 0);
    assert_int_equal(m.error_code, 400);
    assert_str_n(m.error_reason, m.error_reason_len, "Bad Request");

    assert_int_equal(aula_stun_build_binding_error(buf, sizeof(buf), &len, TXID,
                                                   AULA_STUN_ERR_ROLE_CONFLICT, NULL, 0, PASSWORD),
                     0);
    assert_int_equal(aula_stun_parse(&m, buf, len), 0);
    assert_int_equal(m.error_code, 487);
    assert_str_n(m.error_reason, m.error_reason_len, "Role Conflict");
    assert_int_equal(aula_stun_check_integrity(&m, PASSWORD), 0);
    assert_int_equal(aula_stun_check_fingerprint(&m), 0);

    assert_int_equal(
        aula_stun_build_binding_error(buf, sizeof(buf), &len, TXID, 200, NULL, 0, NULL),
        AULA_EINVAL);
}

static void test_too_small_buffer(void **state)
{
    (void)state;
    uint8_t buf[128];
    size_t len, full;
    struct sockaddr_in6 a6 = addr6();
    const struct sockaddr *sa = (const struct sockaddr *)&a6;
    assert_int_equal(aula_stun_build_binding_success(buf, sizeof(buf), &full, TXID, sa, PASSWORD),
                     0);
    /* Every smaller capacity fails cleanly, and never writes past it
     * (ASan would catch a write into the canary region otherwise: the
     * bytes beyond cap are checked by hand). */
    for (size_t cap = 0; cap < full; cap++) {
        memset(buf, 0xAA, sizeof(buf));
        assert_int_equal(aula_stun_build_binding_success(buf, cap, &len, TXID, sa, PASSWORD),
                         AULA_ETOOBIG);
        for (size_t i = cap; i < sizeof(buf); i++)
            assert_int_equal(buf[i], 0xAA);
    }
    assert_int_equal(aula_stun_build_binding_success(buf, full, &len, TXID, sa, PASSWORD), 0);
    assert_int_equal(len, full);

    aula_stun_request req = {.txid = TXID, .username = "a:b", .password = "p", .priority = 1};
    assert_int_equal(aula_stun_build_binding_request(buf, 40, &len, &req), AULA_ETOOBIG);

    /* Sticky: after a failure, later adds report the same error. */
    aula_stun_writer w;
    aula_stun_writer_init(&w, buf, 24, AULA_STUN_BINDING_REQUEST, TXID);
    assert_int_equal(aula_stun_writer_add_u32(&w, AULA_STUN_ATTR_PRIORITY, 1), AULA_ETOOBIG);
    assert_int_equal(aula_stun_writer_add(&w, AULA_STUN_ATTR_USE_CANDIDATE, NULL, 0), AULA_ETOOBIG);
    assert_int_equal(aula_stun_writer_finish(&w, &len), AULA_ETOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32),
        cmocka_unit_test(test_rfc5769_request),
        cmocka_unit_test(test_rfc5769_responses),
        cmocka_unit_test(test_rfc5769_build_exact),
        cmocka_unit_test(test_build_success),
        cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_flipped_bits),
        cmocka_unit_test(test_missing_integrity_and_fingerprint),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_length_not_multiple_of_4),
        cmocka_unit_test(test_attribute_overrun),
        cmocka_unit_test(test_padding),
        cmocka_unit_test(test_not_stun),
        cmocka_unit_test(test_unknown_attributes),
        cmocka_unit_test(test_attribute_after_fingerprint),
        cmocka_unit_test(test_bad_attribute_sizes),
        cmocka_unit_test(test_request_round_trip),
        cmocka_unit_test(test_error_responses),
        cmocka_unit_test(test_too_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

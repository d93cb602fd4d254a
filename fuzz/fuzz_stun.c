/* libFuzzer target for the STUN parser and builders (src/rtc/stun.c).
 *
 * The input is one datagram. Whatever the parser accepts is checked against
 * its contract (every borrowed pointer inside the datagram, offsets in
 * range, only documented return codes, peek agreeing with parse), then
 * answered the way the packet path would (a success response with the
 * decoded address, a 420 with the unknown attributes) and the answers are
 * parsed and verified again. Seeds in fuzz/corpus/stun/ include the RFC 5769
 * messages, whose password is the one below, so the integrity check also
 * takes its success branch. */
#include "core/error.h"
#include "rtc/stun.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static const char PASSWORD[] = "VOkJxbRl1RmTxUk/WvJxBt";

static bool inside(const void *p, size_t n, const uint8_t *data, size_t size)
{
    const uint8_t *b = p;
    return b >= data && n <= size && b - data <= (ptrdiff_t)(size - n);
}

static void check_view(const aula_stun_msg *m, const uint8_t *data, size_t size)
{
    CHECK(m->data == data && m->len == size && size >= AULA_STUN_HEADER_SIZE);
    CHECK(m->txid == data + 8);
    if (m->username)
        CHECK(inside(m->username, m->username_len, data, size) &&
              m->username_len <= AULA_STUN_MAX_USERNAME);
    if (m->software)
        CHECK(inside(m->software, m->software_len, data, size));
    if (m->error_code)
        CHECK(m->error_code >= 300 && m->error_code <= 699 &&
              inside(m->error_reason, m->error_reason_len, data, size));
    if (m->integrity_off)
        CHECK(m->integrity_off >= AULA_STUN_HEADER_SIZE && m->integrity_off + 24 <= size);
    if (m->fingerprint_off)
        CHECK(m->fingerprint_off + 8 == size && m->fingerprint_off > m->integrity_off);
    CHECK(m->n_unknown <= AULA_STUN_MAX_UNKNOWN);
    for (size_t i = 0; i < m->n_unknown; i++)
        CHECK(m->unknown[i] < 0x8000);
    if (m->has_xor_mapped)
        CHECK(m->xor_mapped.ss_family == AF_INET || m->xor_mapped.ss_family == AF_INET6);
}

/* Answers like the worker would and checks that the answer verifies. */
static void check_answers(const aula_stun_msg *m)
{
    uint8_t out[256];
    size_t len;
    aula_stun_msg r;

    if (m->has_xor_mapped) {
        CHECK(aula_stun_build_binding_success(out, sizeof(out), &len, m->txid,
                                              (const struct sockaddr *)&m->xor_mapped,
                                              PASSWORD) == 0);
        CHECK(aula_stun_parse(&r, out, len) == 0);
        CHECK(r.has_xor_mapped && r.xor_mapped.ss_family == m->xor_mapped.ss_family);
        size_t alen = r.xor_mapped.ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                                        : sizeof(struct sockaddr_in6);
        CHECK(memcmp(&r.xor_mapped, &m->xor_mapped, alen) == 0);
        CHECK(aula_stun_check_integrity(&r, PASSWORD) == 0);
        CHECK(aula_stun_check_fingerprint(&r) == 0);
    }

    CHECK(aula_stun_build_binding_error(out, sizeof(out), &len, m->txid,
                                        AULA_STUN_ERR_UNKNOWN_ATTRIBUTE, m->unknown, m->n_unknown,
                                        PASSWORD) == 0);
    CHECK(aula_stun_parse(&r, out, len) == 0);
    CHECK(r.error_code == 420 && r.n_unknown == 0 && memcmp(r.txid, m->txid, 12) == 0);
    CHECK(aula_stun_check_integrity(&r, PASSWORD) == 0);
    CHECK(aula_stun_check_fingerprint(&r) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aula_stun_msg m;
    int rc = aula_stun_parse(&m, data, size);
    const char *u = NULL;
    size_t ulen = 0;
    int prc = aula_stun_peek_username(data, size, &u, &ulen);
    if (rc != 0) {
        CHECK(rc == AULA_EPROTO && prc == AULA_EPROTO);
        return 0;
    }
    check_view(&m, data, size);
    if (data[0] <= 3)
        CHECK(aula_stun_is_stun(data, size));

    /* peek agrees with parse. */
    if (m.type != AULA_STUN_BINDING_REQUEST)
        CHECK(prc == AULA_EPROTO);
    else if (!m.username)
        CHECK(prc == AULA_ENOENT);
    else
        CHECK(prc == 0 && u == m.username && ulen == m.username_len);

    if (m.username) {
        size_t first;
        if (aula_stun_split_username(m.username, m.username_len, &first) == 0)
            CHECK(first > 0 && first + 1 < m.username_len && m.username[first] == ':');
    }

    rc = aula_stun_check_integrity(&m, PASSWORD);
    CHECK(rc == 0 || rc == AULA_EPERM || (rc == AULA_ENOENT && !m.integrity_off));
    rc = aula_stun_check_fingerprint(&m);
    CHECK(rc == 0 || rc == AULA_EPROTO || (rc == AULA_ENOENT && !m.fingerprint_off));

    check_answers(&m);
    return 0;
}

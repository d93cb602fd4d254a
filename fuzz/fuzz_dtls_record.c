/* Fuzzes the DTLS record layer that replaces OpenSSL after the handshake
 * (src/rtc/dtls_record.c). Each input is one datagram from the peer; for
 * the AES-128-GCM and AES-256-GCM suites, with fixed keys:
 *  - every record aula__dtls_rec_next finds must lie inside the datagram,
 *    and opening it (into dtls.c's 32-byte alert buffer and into a large
 *    one) must stay in bounds and report a consistent length;
 *  - each record's body, sealed by the peer as plaintext of the record's
 *    type, must open to the same bytes, fail to open once any byte of it
 *    is flipped, and not fit into a buffer one byte short;
 *  - noting the datagram as sent keeps the sequence number at 48 bits. */
#include "core/error.h"
#include "rtc/dtls_record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEQ_MASK ((1ull << 48) - 1)
#define OVERHEAD (AULA_DTLS_REC_HEADER + 8 + 16) /* header, explicit nonce, tag */

/* Our side and the peer's, for the key length kl: each reads what the
 * other writes. */
static void make_pair(size_t kl, aula__dtls_rec *ours, aula__dtls_rec *peer)
{
    memset(ours, 0, sizeof *ours);
    ours->key_len = kl;
    for (size_t i = 0; i < kl; i++) {
        ours->read_key[i] = (uint8_t)(i * 7 + 1);
        ours->write_key[i] = (uint8_t)(i * 13 + 5);
    }
    for (size_t i = 0; i < 4; i++) {
        ours->read_salt[i] = (uint8_t)(0xa0 + i);
        ours->write_salt[i] = (uint8_t)(0xb0 + i);
    }
    ours->epoch = 1;
    *peer = *ours;
    memcpy(peer->read_key, ours->write_key, sizeof peer->read_key);
    memcpy(peer->write_key, ours->read_key, sizeof peer->write_key);
    memcpy(peer->read_salt, ours->write_salt, sizeof peer->read_salt);
    memcpy(peer->write_salt, ours->read_salt, sizeof peer->write_salt);
}

/* Opens v, as dtls.c does, into exactly cap bytes of heap so that any
 * overrun shows. */
static int open_into(const aula__dtls_rec *r, const aula__dtls_rec_view *v, size_t cap,
                     uint8_t **out, size_t *out_len)
{
    *out = malloc(cap ? cap : 1);
    if (!*out)
        abort();
    size_t n = SIZE_MAX;
    int err = aula__dtls_rec_open(r, v, *out, cap, &n);
    if (err == 0) {
        if (v->rec_len < OVERHEAD || n != v->rec_len - OVERHEAD || n > cap)
            abort();
        *out_len = n;
    } else if (err != AULA_EPROTO && err != AULA_ETOOBIG) {
        abort();
    }
    return err;
}

/* The peer seals pt as a record of type; we open it. */
static void round_trip(const aula__dtls_rec *ours, aula__dtls_rec *peer, uint8_t type,
                       const uint8_t *pt, size_t n)
{
    size_t cap = OVERHEAD + n, len;
    uint8_t *rec = malloc(cap);
    if (!rec)
        abort();
    /* One byte short: refused, nothing written past the end. */
    uint64_t seq = peer->write_seq;
    if (aula__dtls_rec_seal(peer, type, pt, n, rec, cap - 1, &len) != AULA_ETOOBIG ||
        peer->write_seq != seq)
        abort();
    int err = aula__dtls_rec_seal(peer, type, pt, n, rec, cap, &len);
    if (n > 0xffff - 8 - 16) {
        if (err != AULA_ETOOBIG)
            abort();
        free(rec);
        return;
    }
    if (err != 0 || len != cap || peer->write_seq != ((seq + 1) & SEQ_MASK))
        abort();

    size_t off = 0, got = 0;
    aula__dtls_rec_view v;
    uint8_t *out;
    if (!aula__dtls_rec_next(rec, len, &off, &v) || off != len || v.type != type ||
        v.epoch != ours->epoch || v.seq != seq || v.version != 0xfefd)
        abort();
    if (open_into(ours, &v, n, &out, &got) != 0 || got != n || (n && memcmp(out, pt, n) != 0))
        abort();
    free(out);
    if (n > 0) {
        if (open_into(ours, &v, n - 1, &out, &got) != AULA_ETOOBIG)
            abort();
        free(out);
    }
    /* Tampering anywhere but the length (which makes another record) is
     * caught; flip a byte chosen by the content. */
    size_t at = (n ? pt[0] * 131u + n : seq) % len;
    if (at == 11 || at == 12)
        at = 0;
    rec[at] ^= 0x01;
    off = 0;
    if (aula__dtls_rec_next(rec, len, &off, &v)) {
        if (open_into(ours, &v, n, &out, &got) == 0)
            abort();
        free(out);
    }
    free(rec);
}

static void one_suite(size_t kl, const uint8_t *data, size_t size)
{
    aula__dtls_rec ours, peer;
    make_pair(kl, &ours, &peer);
    size_t off = 0, prev = 0;
    aula__dtls_rec_view v;
    while (aula__dtls_rec_next(data, size, &off, &v)) {
        if (v.rec != data + prev || v.rec_len < AULA_DTLS_REC_HEADER || off != prev + v.rec_len ||
            off > size || v.seq > SEQ_MASK)
            abort();
        prev = off;
        uint8_t *out;
        size_t n;
        /* What dtls.c does with an alert, then with room for anything. */
        open_into(&ours, &v, 32, &out, &n);
        free(out);
        open_into(&ours, &v, v.rec_len, &out, &n);
        free(out);
        /* Our own records do not open with our read keys. */
        open_into(&peer, &v, v.rec_len, &out, &n);
        free(out);
        /* The same record as authentic input. */
        round_trip(&ours, &peer, v.type, v.rec + AULA_DTLS_REC_HEADER,
                   v.rec_len - AULA_DTLS_REC_HEADER);
    }
    if (off != prev)
        abort();
    /* A datagram of ours: the next sequence number moves past its records. */
    aula__dtls_rec_note_sent(&ours, data, size);
    if (ours.write_seq > SEQ_MASK)
        abort();
    aula__dtls_rec_wipe(&ours);
    aula__dtls_rec_wipe(&peer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one_suite(16, data, size);
    one_suite(32, data, size);
    return 0;
}

#include "rtc/dtls.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "rtc/dtls_record.h"

#include <assert.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Browsers (Chrome, Firefox, Safari) all offer these; the key is ECDSA,
 * so only ECDSA suites can be chosen. */
static const char cipher_list[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                                  "ECDHE-ECDSA-CHACHA20-POLY1305";
/* RFC 5764 section 4.1.2 and RFC 7714 section 14.2, GCM preferred. */
static const char srtp_profiles[] = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
/* RFC 5764 section 4.2. */
static const char exporter_label[] = "EXTRACTOR-dtls_srtp";

#define FINGERPRINT_BYTES 32
#define MAX_RETRANSMIT_MS 60000
/* The transmit queue only ever holds a flight or two; a caller that does
 * not drain it loses the excess rather than growing memory. */
#define MAX_QUEUED 64
#define MAX_EVENTS 4
/* After the handshake, our last flight is re-sent at most this often when
 * the peer retransmits its own (it did not get our Finished). */
#define RESEND_MIN_MS 100

typedef struct dgram {
    uint8_t *data; /* owned */
    size_t len;
} dgram;

typedef struct dgram_list {
    dgram *v; /* owned, with every data in it */
    size_t head, n, cap;
} dgram_list;

struct aula_dtls_identity {
    EVP_PKEY *key;        /* owned */
    X509 *cert;           /* owned */
    SSL_CTX *ctx;         /* owned */
    BIO_METHOD *bio_meth; /* owned: the datagram BIO every transport uses */
    char fingerprint[AULA_DTLS_FINGERPRINT_SIZE];
};

struct aula_dtls {
    aula_dtls_identity *id; /* borrowed: outlives us */
    /* Owned; owns the BIO. NULL once the handshake is over and rec holds
     * what is left of the connection (see shed_ssl). */
    SSL *ssl;
    aula_dtls_state state;
    aula_dtls_role role;
    aula__dtls_rec rec; /* the established epoch's keys, once ssl is NULL */
    uint64_t resend_at; /* no re-sent final flight before this */

    /* The datagram being fed, visible to the BIO's read for one call. */
    const uint8_t *in;
    size_t in_len;

    dgram_list txq;    /* datagrams to send, oldest first */
    dgram_list flight; /* our last handshake flight, for retransmission */
    bool flight_open;  /* writes extend the flight instead of replacing it */
    bool wrote;        /* the current call wrote a new flight */

    uint64_t handshake_deadline;
    uint32_t rto_initial, rto;
    bool rtx_armed;
    uint64_t rtx_at;

    bool expect_fp;
    char expected_fp[AULA_DTLS_FINGERPRINT_SIZE];

    aula_dtls_event events[MAX_EVENTS];
    size_t ev_head, ev_n;
    char reason[160];
};

/* ---- helpers ---------------------------------------------------------- */

static void dgram_list_push(dgram_list *l, const void *data, size_t len)
{
    if (l->head > 0 && l->head == l->n) {
        l->head = 0;
        l->n = 0;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = aula_realloc(l->v, l->cap * sizeof *l->v);
    }
    uint8_t *copy = aula_malloc(len ? len : 1);
    memcpy(copy, data, len);
    l->v[l->n++] = (dgram){copy, len};
}

static void dgram_list_clear(dgram_list *l)
{
    for (size_t i = l->head; i < l->n; i++)
        aula_free(l->v[i].data);
    l->head = 0;
    l->n = 0;
}

static void dgram_list_free(dgram_list *l)
{
    dgram_list_clear(l);
    aula_free(l->v);
    l->v = NULL;
    l->cap = 0;
}

static void format_fingerprint(const unsigned char *md, char out[AULA_DTLS_FINGERPRINT_SIZE])
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < FINGERPRINT_BYTES; i++) {
        out[3 * i] = hex[md[i] >> 4];
        out[3 * i + 1] = hex[md[i] & 0xf];
        out[3 * i + 2] = i + 1 < FINGERPRINT_BYTES ? ':' : '\0';
    }
}

static int cert_fingerprint(const X509 *cert, char out[AULA_DTLS_FINGERPRINT_SIZE])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!X509_digest(cert, EVP_sha256(), md, &n) || n != FINGERPRINT_BYTES)
        return AULA_EIO;
    format_fingerprint(md, out);
    return 0;
}

/* The oldest queued OpenSSL error is the root cause; the rest only say
 * where it surfaced. Clears the queue. */
static const char *ssl_error_reason(char *buf, size_t n)
{
    unsigned long e = ERR_get_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    snprintf(buf, n, "%s", r ? r : "unknown error");
    ERR_clear_error();
    return buf;
}

/* ---- the datagram BIO ------------------------------------------------- */

/* OpenSSL's DTLS code writes exactly one datagram per BIO_write and reads
 * one per BIO_read, as with a UDP socket. A memory BIO would glue the
 * records of a flight together; this BIO keeps the boundaries instead:
 * writes are queued one datagram each, reads hand over the datagram that
 * aula_dtls_handle_input is feeding, once. */
static int bio_write(BIO *b, const char *data, int len)
{
    aula_dtls *d = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (len <= 0)
        return 0;
    if (d->state == AULA_DTLS_STATE_HANDSHAKING) {
        /* Everything written in answer to one input is one flight. */
        if (!d->flight_open) {
            dgram_list_clear(&d->flight);
            d->flight_open = true;
            d->wrote = true;
        }
        dgram_list_push(&d->flight, data, (size_t)len);
    }
    if (d->txq.n - d->txq.head < MAX_QUEUED)
        dgram_list_push(&d->txq, data, (size_t)len);
    return len;
}

static int bio_read(BIO *b, char *out, int cap)
{
    aula_dtls *d = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (!d->in) {
        BIO_set_retry_read(b);
        return -1;
    }
    /* Like recv() on a datagram socket: a datagram larger than the
     * buffer is truncated, and it is consumed either way. */
    size_t n = d->in_len < (size_t)cap ? d->in_len : (size_t)cap;
    memcpy(out, d->in, n);
    d->in = NULL;
    d->in_len = 0;
    return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    /* The MTU is set explicitly (SSL_OP_NO_QUERY_MTU), and sending and
     * timers are the caller's: everything else is answered "no". */
    default:
        return 0;
    }
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int bio_destroy(BIO *b)
{
    BIO_set_data(b, NULL);
    return 1;
}

static BIO_METHOD *make_bio_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "aula-dtls-dgram");
    if (!m)
        return NULL;
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    BIO_meth_set_destroy(m, bio_destroy);
    return m;
}

/* ---- identity --------------------------------------------------------- */

/* The peer's certificate is self-signed like ours; it is authenticated
 * by comparing its fingerprint with the one in the signalled SDP (RFC
 * 8122 section 5), not by a chain. */
static int accept_any_cert(int preverify_ok, X509_STORE_CTX *store)
{
    (void)preverify_ok;
    (void)store;
    return 1;
}

static X509 *make_certificate(EVP_PKEY *key)
{
    X509 *x = X509_new();
    BIGNUM *serial = BN_new();
    X509_NAME *name = X509_NAME_new();
    bool ok = x && serial && name && X509_set_version(x, X509_VERSION_3) &&
              BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
              BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) &&
              /* From yesterday: peers with a clock a little behind. */
              X509_gmtime_adj(X509_getm_notBefore(x), -24L * 3600) &&
              X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600) &&
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"aula",
                                         -1, -1, 0) &&
              X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
              X509_set_pubkey(x, key) && X509_sign(x, key, EVP_sha256()) > 0;
    BN_free(serial);
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static SSL_CTX *make_ctx(EVP_PKEY *key, X509 *cert)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any_cert);
    bool ok = SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1 &&
              SSL_CTX_check_private_key(ctx) == 1 &&
              SSL_CTX_set_cipher_list(ctx, cipher_list) == 1 &&
              SSL_CTX_set1_groups_list(ctx, "X25519:P-256") == 1 &&
              /* This one returns 0 on success. */
              SSL_CTX_set_tlsext_use_srtp(ctx, srtp_profiles) == 0;
    if (!ok) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int aula_dtls_identity_create(aula_dtls_identity **out)
{
    *out = NULL;
    ERR_clear_error();
    aula_dtls_identity *id = aula_calloc(1, sizeof *id);
    const char *step = "EC P-256 key";
    id->key = EVP_EC_gen("P-256");
    if (!id->key)
        goto fail;
    step = "certificate";
    id->cert = make_certificate(id->key);
    if (!id->cert || cert_fingerprint(id->cert, id->fingerprint) != 0)
        goto fail;
    step = "SSL_CTX";
    id->ctx = make_ctx(id->key, id->cert);
    if (!id->ctx)
        goto fail;
    step = "BIO method";
    id->bio_meth = make_bio_method();
    if (!id->bio_meth)
        goto fail;
    *out = id;
    return 0;

fail:;
    char why[128];
    AULA_LOG_ERROR("dtls", "identity failed", "step=\"%s\" reason=\"%s\"", step,
                   ssl_error_reason(why, sizeof why));
    aula_dtls_identity_destroy(id);
    return AULA_EIO;
}

void aula_dtls_identity_destroy(aula_dtls_identity *id)
{
    if (!id)
        return;
    SSL_CTX_free(id->ctx);
    X509_free(id->cert);
    EVP_PKEY_free(id->key);
    if (id->bio_meth)
        BIO_meth_free(id->bio_meth);
    aula_free(id);
}

const char *aula_dtls_identity_fingerprint(const aula_dtls_identity *id)
{
    return id->fingerprint;
}

const struct x509_st *aula_dtls_identity_certificate(const aula_dtls_identity *id)
{
    return id->cert;
}

/* ---- transport -------------------------------------------------------- */

/* OpenSSL 3.0 times DTLS retransmissions with gettimeofday and offers no
 * way to pass in another clock, which would break the rule that protocol
 * objects only see the time they are given (and make virtual-time tests
 * impossible). So its own timer is pushed out of reach and this object
 * keeps the retransmission timer, re-sending the datagrams of our last
 * flight verbatim when it fires (RFC 6347 section 4.2.4). A verbatim copy
 * is what the network would deliver for a lost datagram; if the original
 * did arrive, the peer drops the copy as a replay. Our last flight, which
 * ends the handshake, is re-sent when the client retransmits its own: by
 * handle_sealed once the SSL object is gone (shed_ssl), else by OpenSSL. */
static unsigned int openssl_timer_cb(SSL *ssl, unsigned int previous_us)
{
    (void)ssl;
    (void)previous_us;
    return 600u * 1000u * 1000u; /* ten minutes: beyond any handshake deadline */
}

static void push_event(aula_dtls *d, const aula_dtls_event *ev)
{
    assert(d->ev_n < MAX_EVENTS); /* CONNECTED once, then one final event */
    d->events[(d->ev_head + d->ev_n) % MAX_EVENTS] = *ev;
    d->ev_n++;
}

static void fail(aula_dtls *d, const char *reason)
{
    if (d->state == AULA_DTLS_STATE_FAILED || d->state == AULA_DTLS_STATE_CLOSED)
        return;
    d->state = AULA_DTLS_STATE_FAILED;
    /* Refused after OpenSSL finished (fingerprint, SRTP profile): say
     * goodbye so the peer does not wait for its connection timeout. */
    if (d->ssl && SSL_is_init_finished(d->ssl)) {
        SSL_shutdown(d->ssl);
        ERR_clear_error();
    }
    d->rtx_armed = false;
    dgram_list_free(&d->flight);
    snprintf(d->reason, sizeof d->reason, "%s", reason);
    aula_dtls_event ev = {.type = AULA_DTLS_EVENT_FAILED, .reason = d->reason};
    push_event(d, &ev);
}

static int on_ssl_result(aula_dtls *d, int ret);
static void update_timer(aula_dtls *d, uint64_t now_ms);

aula_dtls *aula_dtls_create(aula_dtls_identity *id, aula_dtls_role role,
                            const aula_dtls_options *opts, uint64_t now_ms)
{
    aula_dtls_options o = opts ? *opts : (aula_dtls_options){0};
    aula_dtls *d = aula_calloc(1, sizeof *d);
    d->id = id;
    d->role = role;
    d->state = AULA_DTLS_STATE_HANDSHAKING;
    d->handshake_deadline =
        now_ms +
        (o.handshake_timeout_ms ? o.handshake_timeout_ms : AULA_DTLS_DEFAULT_HANDSHAKE_TIMEOUT_MS);
    d->rto_initial =
        o.retransmit_initial_ms ? o.retransmit_initial_ms : AULA_DTLS_DEFAULT_RETRANSMIT_MS;
    d->rto = d->rto_initial;

    d->ssl = SSL_new(id->ctx);
    BIO *bio = d->ssl ? BIO_new(id->bio_meth) : NULL;
    if (!bio) {
        /* Only out of memory gets here, which aula treats as fatal. */
        AULA_LOG_ERROR("dtls", "SSL_new failed", "reason=\"out of memory\"");
        abort();
    }
    BIO_set_data(bio, d);
    SSL_set_bio(d->ssl, bio, bio); /* one reference, owned by the SSL */
    DTLS_set_timer_cb(d->ssl, openssl_timer_cb);
    size_t mtu = o.mtu ? o.mtu : AULA_DTLS_DEFAULT_MTU;
    if (!SSL_set_mtu(d->ssl, (long)mtu))
        AULA_LOG_WARN("dtls", "mtu refused, using OpenSSL's minimum", "mtu=%zu", mtu);
    if (role == AULA_DTLS_ROLE_SERVER) {
        SSL_set_accept_state(d->ssl);
        return d;
    }
    /* The client speaks first: its ClientHello is the first flight. */
    SSL_set_connect_state(d->ssl);
    ERR_clear_error();
    int r = SSL_do_handshake(d->ssl);
    if (r != 1)
        on_ssl_result(d, r);
    update_timer(d, now_ms);
    return d;
}

void aula_dtls_destroy(aula_dtls *d)
{
    if (!d)
        return;
    SSL_free(d->ssl);
    dgram_list_free(&d->txq);
    dgram_list_free(&d->flight);
    OPENSSL_cleanse(d->events, sizeof d->events);
    aula__dtls_rec_wipe(&d->rec);
    aula_free(d);
}

int aula_dtls_expect_fingerprint(aula_dtls *d, const char *fp)
{
    if (strlen(fp) != AULA_DTLS_FINGERPRINT_SIZE - 1)
        return AULA_EINVAL;
    for (size_t i = 0; i < AULA_DTLS_FINGERPRINT_SIZE - 1; i++) {
        char c = fp[i];
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (i % 3 == 2 ? c != ':' : !hex)
            return AULA_EINVAL;
    }
    memcpy(d->expected_fp, fp, AULA_DTLS_FINGERPRINT_SIZE);
    d->expect_fp = true;
    return 0;
}

/* The handshake is over: trade the SSL object (tens of KiB for the
 * transport's whole life) for the epoch's keys and, on the server, a copy
 * of our last flight. The server's flight (ChangeCipherSpec, Finished)
 * ends the handshake; if it is lost, the client retransmits its own last
 * flight and expects ours again (RFC 6347 section 4.2.4), which is all
 * OpenSSL would still have done for us, besides alerts. The client's last
 * flight is answered by the server's Finished, so a client needs no copy.
 * Suites other than AES-GCM keep the SSL object. */
static void shed_ssl(aula_dtls *d)
{
    if (aula__dtls_rec_from_ssl(&d->rec, d->ssl, d->role == AULA_DTLS_ROLE_SERVER) != 0) {
        ERR_clear_error();
        dgram_list_free(&d->flight); /* OpenSSL re-sends it itself */
        return;
    }
    for (size_t i = d->flight.head; i < d->flight.n; i++)
        aula__dtls_rec_note_sent(&d->rec, d->flight.v[i].data, d->flight.v[i].len);
    if (d->rec.write_seq == 0) {
        /* Our Finished is not in the flight: keep OpenSSL to be safe. */
        aula__dtls_rec_wipe(&d->rec);
        dgram_list_free(&d->flight);
        return;
    }
    SSL_free(d->ssl);
    d->ssl = NULL;
    if (d->role == AULA_DTLS_ROLE_CLIENT)
        dgram_list_free(&d->flight);
}

/* Queues close_notify (RFC 5246 section 7.2.1) sealed with the epoch's
 * keys, for a connection whose SSL object is gone. */
static void queue_close_notify(aula_dtls *d)
{
    static const uint8_t close_notify[2] = {1 /* warning */, 0 /* close_notify */};
    uint8_t out[64];
    size_t len;
    if (aula__dtls_rec_seal(&d->rec, AULA_DTLS_REC_CT_ALERT, close_notify, sizeof close_notify, out,
                            sizeof out, &len) == 0 &&
        d->txq.n - d->txq.head < MAX_QUEUED)
        dgram_list_push(&d->txq, out, len);
}

/* Input after shed_ssl: the peer's alerts, and its last flight again when
 * it did not get ours. Application data (a data channel's SCTP) is not
 * used yet and is discarded, as are records that do not authenticate. */
static int handle_sealed(aula_dtls *d, uint64_t now_ms, const uint8_t *data, size_t len)
{
    size_t off = 0;
    aula__dtls_rec_view v;
    bool peer_flight = false;
    while (d->state == AULA_DTLS_STATE_CONNECTED && aula__dtls_rec_next(data, len, &off, &v)) {
        if (v.type == AULA_DTLS_REC_CT_HANDSHAKE || v.type == AULA_DTLS_REC_CT_CCS) {
            peer_flight = true;
            continue;
        }
        uint8_t alert[32];
        size_t n;
        if (v.type != AULA_DTLS_REC_CT_ALERT ||
            aula__dtls_rec_open(&d->rec, &v, alert, sizeof alert, &n) != 0 || n != 2)
            continue;
        if (alert[1] == 0) {
            /* close_notify: answer it and stop, as OpenSSL did. */
            queue_close_notify(d);
            d->state = AULA_DTLS_STATE_CLOSED;
            aula_dtls_event ev = {.type = AULA_DTLS_EVENT_CLOSED};
            push_event(d, &ev);
        } else if (alert[0] == 2) {
            char reason[160];
            snprintf(reason, sizeof reason, "dtls error: peer sent fatal alert: %s",
                     SSL_alert_desc_string_long(alert[1]));
            fail(d, reason);
            return AULA_EPROTO;
        }
    }
    if (peer_flight && d->role == AULA_DTLS_ROLE_SERVER && now_ms >= d->resend_at) {
        for (size_t i = d->flight.head; i < d->flight.n; i++)
            if (d->txq.n - d->txq.head < MAX_QUEUED)
                dgram_list_push(&d->txq, d->flight.v[i].data, d->flight.v[i].len);
        d->resend_at = now_ms + RESEND_MIN_MS;
    }
    return 0;
}

/* The handshake just completed: check the peer and export the SRTP keys. */
static void on_handshake_done(aula_dtls *d)
{
    aula_dtls_event ev = {.type = AULA_DTLS_EVENT_CONNECTED};
    const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
    if (!p || (p->id != AULA_SRTP_AEAD_AES_128_GCM && p->id != AULA_SRTP_AES128_CM_SHA1_80)) {
        fail(d, "no common SRTP protection profile (use_srtp)");
        return;
    }
    ev.profile = (aula_srtp_profile)p->id;
    X509 *peer = SSL_get0_peer_certificate(d->ssl);
    if (!peer || cert_fingerprint(peer, ev.remote_fingerprint) != 0) {
        fail(d, "peer sent no usable certificate");
        return;
    }
    if (d->expect_fp && strcasecmp(d->expected_fp, ev.remote_fingerprint) != 0) {
        fail(d, "peer certificate does not match the SDP fingerprint");
        return;
    }
    /* RFC 5764 section 4.2: client key, server key, client salt, server
     * salt, back to back. */
    size_t kl, sl;
    aula_srtp_profile_lengths(ev.profile, &kl, &sl);
    uint8_t material[2 * (AULA_SRTP_MAX_KEY_LEN + AULA_SRTP_MAX_SALT_LEN)];
    if (SSL_export_keying_material(d->ssl, material, 2 * (kl + sl), exporter_label,
                                   sizeof exporter_label - 1, NULL, 0, 0) != 1) {
        char why[128];
        fail(d, ssl_error_reason(why, sizeof why));
        return;
    }
    ev.keys.key_len = kl;
    ev.keys.salt_len = sl;
    memcpy(ev.keys.client_key, material, kl);
    memcpy(ev.keys.server_key, material + kl, kl);
    memcpy(ev.keys.client_salt, material + 2 * kl, sl);
    memcpy(ev.keys.server_salt, material + 2 * kl + sl, sl);
    OPENSSL_cleanse(material, sizeof material);

    d->state = AULA_DTLS_STATE_CONNECTED;
    d->rtx_armed = false;
    push_event(d, &ev);
    OPENSSL_cleanse(&ev, sizeof ev);
    shed_ssl(d);
}

/* Turns an SSL_get_error result into our state. Returns 0 or AULA_EPROTO. */
static int on_ssl_result(aula_dtls *d, int ret)
{
    int e = SSL_get_error(d->ssl, ret);
    char why[128], reason[160];
    switch (e) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        ERR_clear_error();
        return 0;
    case SSL_ERROR_ZERO_RETURN: {
        /* close_notify (RFC 5246 section 7.2.1): answer it and stop. */
        SSL_shutdown(d->ssl);
        ERR_clear_error();
        d->state = AULA_DTLS_STATE_CLOSED;
        aula_dtls_event ev = {.type = AULA_DTLS_EVENT_CLOSED};
        push_event(d, &ev);
        return 0;
    }
    case SSL_ERROR_SSL:
        snprintf(reason, sizeof reason, "%s: %s",
                 d->state == AULA_DTLS_STATE_HANDSHAKING ? "handshake failed" : "dtls error",
                 ssl_error_reason(why, sizeof why));
        fail(d, reason);
        return AULA_EPROTO;
    default:
        snprintf(reason, sizeof reason, "dtls error %d", e);
        ERR_clear_error();
        fail(d, reason);
        return AULA_EPROTO;
    }
}

/* Reads what the connection holds. Application data (a data channel's
 * SCTP) is not used yet and is discarded. */
static int drain_records(aula_dtls *d)
{
    uint8_t buf[2048];
    for (;;) {
        int n = SSL_read(d->ssl, buf, sizeof buf);
        if (n <= 0)
            return on_ssl_result(d, n);
    }
}

/* Arms or disarms the retransmission timer after OpenSSL ran. */
static void update_timer(aula_dtls *d, uint64_t now_ms)
{
    if (d->state != AULA_DTLS_STATE_HANDSHAKING) {
        d->rtx_armed = false;
        return;
    }
    /* DTLSv1_get_timeout says whether OpenSSL waits for the peer's next
     * flight; the deadline is ours (see openssl_timer_cb). */
    struct timeval tv;
    if (DTLSv1_get_timeout(d->ssl, &tv) != 1) {
        d->rtx_armed = false;
    } else if (d->wrote) {
        d->rto = d->rto_initial;
        d->rtx_armed = true;
        d->rtx_at = now_ms + d->rto;
    }
}

int aula_dtls_handle_input(aula_dtls *d, uint64_t now_ms, const uint8_t *data, size_t len)
{
    if (d->state == AULA_DTLS_STATE_FAILED || d->state == AULA_DTLS_STATE_CLOSED)
        return AULA_ECLOSED;
    if (d->state == AULA_DTLS_STATE_HANDSHAKING && now_ms >= d->handshake_deadline) {
        fail(d, "handshake timed out");
        return AULA_EPROTO;
    }
    if (len == 0)
        return 0;
    if (!d->ssl)
        return handle_sealed(d, now_ms, data, len);
    d->in = data;
    d->in_len = len;
    d->flight_open = false;
    d->wrote = false;
    ERR_clear_error();
    int err = 0;
    if (d->state == AULA_DTLS_STATE_HANDSHAKING) {
        int r = SSL_do_handshake(d->ssl);
        if (r == 1)
            on_handshake_done(d);
        else
            err = on_ssl_result(d, r);
    }
    if (d->state == AULA_DTLS_STATE_CONNECTED && d->ssl)
        err = drain_records(d);
    d->in = NULL;
    d->in_len = 0;
    update_timer(d, now_ms);
    return d->state == AULA_DTLS_STATE_FAILED ? AULA_EPROTO : err;
}

int aula_dtls_poll_transmit(aula_dtls *d, uint8_t *buf, size_t cap, size_t *len)
{
    dgram_list *q = &d->txq;
    if (q->head == q->n)
        return 0;
    dgram g = q->v[q->head++];
    int ret = 1;
    if (g.len > cap) {
        ret = AULA_ETOOBIG;
    } else {
        memcpy(buf, g.data, g.len);
        *len = g.len;
    }
    aula_free(g.data);
    if (q->head == q->n)
        q->head = q->n = 0;
    return ret;
}

bool aula_dtls_poll_event(aula_dtls *d, aula_dtls_event *ev)
{
    if (d->ev_n == 0)
        return false;
    aula_dtls_event *src = &d->events[d->ev_head];
    *ev = *src;
    OPENSSL_cleanse(src, sizeof *src);
    d->ev_head = (d->ev_head + 1) % MAX_EVENTS;
    d->ev_n--;
    return true;
}

bool aula_dtls_next_timeout(const aula_dtls *d, uint64_t *at_ms)
{
    if (d->state != AULA_DTLS_STATE_HANDSHAKING)
        return false;
    *at_ms = d->handshake_deadline;
    if (d->rtx_armed && d->rtx_at < *at_ms)
        *at_ms = d->rtx_at;
    return true;
}

int aula_dtls_handle_timeout(aula_dtls *d, uint64_t now_ms)
{
    if (d->state != AULA_DTLS_STATE_HANDSHAKING)
        return 0;
    if (now_ms >= d->handshake_deadline) {
        fail(d, "handshake timed out");
        return AULA_ETIMEDOUT;
    }
    if (!d->rtx_armed || now_ms < d->rtx_at)
        return 0;
    for (size_t i = d->flight.head; i < d->flight.n; i++)
        if (d->txq.n - d->txq.head < MAX_QUEUED)
            dgram_list_push(&d->txq, d->flight.v[i].data, d->flight.v[i].len);
    d->rto = d->rto * 2 < MAX_RETRANSMIT_MS ? d->rto * 2 : MAX_RETRANSMIT_MS;
    d->rtx_at = now_ms + d->rto;
    return 0;
}

void aula_dtls_close(aula_dtls *d)
{
    if (d->state == AULA_DTLS_STATE_CONNECTED && !d->ssl) {
        queue_close_notify(d);
    } else if (d->state == AULA_DTLS_STATE_CONNECTED) {
        ERR_clear_error();
        SSL_shutdown(d->ssl);
        ERR_clear_error();
    }
    if (d->state != AULA_DTLS_STATE_FAILED)
        d->state = AULA_DTLS_STATE_CLOSED;
    d->rtx_armed = false;
}

aula_dtls_state aula_dtls_get_state(const aula_dtls *d)
{
    return d->state;
}

bool aula_dtls_holds_ssl(const aula_dtls *d)
{
    return d->ssl != NULL;
}

#include "sfu/transport.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "rtc/rtp.h"
#include "rtc/srtp.h"
#include "rtc/stun.h"
#include "sfu/drop.h"

#include <openssl/crypto.h>
#include <string.h>

#define DEFAULT_CONSENT_MS 30000
#define DEFAULT_HANDSHAKE_MS 30000
#define DTLS_OUT_CAP 1500
#define STUN_OUT_CAP 512

typedef enum tstate {
    TS_NEW,        /* no address selected yet */
    TS_CONNECTING, /* ICE selected an address; DTLS under way */
    TS_CONNECTED,
    TS_DONE, /* FAILED or CLOSED: final */
} tstate;

struct aula_transport {
    uint64_t id;
    uint64_t room_key;
    char ufrag[AULA_MEDIA_UFRAG_MAX + 1];
    char pwd[AULA_MEDIA_PWD_MAX + 1];
    aula_media_extensions ext;
    tstate state;
    aula_dtls *dtls; /* owned */
    aula_srtp *srtp; /* owned; NULL until DTLS completed */
    struct sockaddr_storage selected;
    uint64_t deadline_ms; /* handshake deadline while not connected */
    uint64_t last_rx_ms;  /* last valid STUN or SRTP from the peer */
    uint32_t consent_ms;
    aula_transport_cb cb;
    void *ud;
};

bool aula_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
    if (a->sa_family != b->sa_family)
        return false;
    if (a->sa_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->sa_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
    }
    return false;
}

static size_t sockaddr_size(const struct sockaddr *a)
{
    return a->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

aula_transport *aula_transport_create(const aula_media_transport_create *cfg,
                                      aula_dtls_identity *id, const aula_transport_options *opts,
                                      uint64_t now_ms, const aula_transport_cb *cb, void *ud)
{
    aula_transport *t = aula_calloc(1, sizeof *t);
    t->id = cfg->transport_id;
    t->room_key = cfg->room_key;
    memcpy(t->ufrag, cfg->ufrag, sizeof t->ufrag);
    t->ufrag[sizeof t->ufrag - 1] = '\0';
    memcpy(t->pwd, cfg->pwd, sizeof t->pwd);
    t->pwd[sizeof t->pwd - 1] = '\0';
    t->ext = cfg->ext;
    t->cb = *cb;
    t->ud = ud;
    uint32_t hs =
        opts && opts->handshake_timeout_ms ? opts->handshake_timeout_ms : DEFAULT_HANDSHAKE_MS;
    t->consent_ms =
        opts && opts->consent_timeout_ms ? opts->consent_timeout_ms : DEFAULT_CONSENT_MS;
    t->deadline_ms = now_ms + hs;
    t->last_rx_ms = now_ms;
    aula_dtls_options dopts = {.handshake_timeout_ms = hs};
    t->dtls = aula_dtls_create(id, AULA_DTLS_ROLE_SERVER, &dopts, now_ms);
    if (cfg->remote_fingerprint[0] &&
        aula_dtls_expect_fingerprint(t->dtls, cfg->remote_fingerprint) != 0) {
        /* The handshake can then never be trusted: fail it at once. */
        AULA_LOG_WARN("transport", "bad remote fingerprint", "transport=%llu",
                      (unsigned long long)t->id);
        t->deadline_ms = now_ms;
    }
    return t;
}

void aula_transport_destroy(aula_transport *t)
{
    if (!t)
        return;
    aula_dtls_destroy(t->dtls);
    aula_srtp_destroy(t->srtp);
    OPENSSL_cleanse(t->pwd, sizeof t->pwd);
    aula_free(t);
}

uint64_t aula_transport_id(const aula_transport *t)
{
    return t->id;
}

uint64_t aula_transport_room_key(const aula_transport *t)
{
    return t->room_key;
}

const char *aula_transport_ufrag(const aula_transport *t)
{
    return t->ufrag;
}

const aula_media_extensions *aula_transport_extensions(const aula_transport *t)
{
    return &t->ext;
}

bool aula_transport_is_connected(const aula_transport *t)
{
    return t->state == TS_CONNECTED;
}

const struct sockaddr *aula_transport_selected(const aula_transport *t)
{
    return t->state == TS_NEW ? NULL : (const struct sockaddr *)&t->selected;
}

static void finish(aula_transport *t, aula_media_transport_state st, const char *reason)
{
    if (t->state == TS_DONE)
        return;
    t->state = TS_DONE;
    AULA_LOG_INFO("transport", st == AULA_MEDIA_TS_FAILED ? "failed" : "closed",
                  "transport=%llu reason=%s", (unsigned long long)t->id, reason);
    t->cb.state(t->ud, t, st, reason);
}

static void on_dtls_connected(aula_transport *t, aula_dtls_event *ev)
{
    int rc = aula_srtp_create(ev->profile, &ev->keys, AULA_SRTP_ROLE_SERVER, &t->srtp);
    OPENSSL_cleanse(&ev->keys, sizeof ev->keys);
    if (rc != 0) {
        finish(t, AULA_MEDIA_TS_FAILED, "srtp setup failed");
        return;
    }
    t->state = TS_CONNECTED;
    AULA_LOG_INFO("transport", "connected", "transport=%llu profile=%s", (unsigned long long)t->id,
                  aula_srtp_profile_name(ev->profile));
    t->cb.state(t->ud, t, AULA_MEDIA_TS_CONNECTED, NULL);
}

/* Sends what DTLS queued, then acts on its events. */
static void flush_dtls(aula_transport *t)
{
    uint8_t out[DTLS_OUT_CAP];
    size_t len;
    while (aula_dtls_poll_transmit(t->dtls, out, sizeof out, &len) == 1) {
        if (t->state != TS_NEW)
            t->cb.send(t->ud, t, (const struct sockaddr *)&t->selected, out, len);
    }
    aula_dtls_event ev;
    while (t->state != TS_DONE && aula_dtls_poll_event(t->dtls, &ev)) {
        if (ev.type == AULA_DTLS_EVENT_CONNECTED)
            on_dtls_connected(t, &ev);
        else if (ev.type == AULA_DTLS_EVENT_FAILED)
            finish(t, AULA_MEDIA_TS_FAILED, ev.reason ? ev.reason : "dtls failed");
        else
            finish(t, AULA_MEDIA_TS_CLOSED, "close_notify");
    }
}

/* RFC 8445 section 7.3: USERNAME is "<our ufrag>:<their ufrag>". */
static bool username_is_ours(const aula_transport *t, const aula_stun_msg *m)
{
    size_t first;
    if (!m->username || aula_stun_split_username(m->username, m->username_len, &first) != 0)
        return false;
    return first == strlen(t->ufrag) && memcmp(m->username, t->ufrag, first) == 0;
}

static void answer(aula_transport *t, const struct sockaddr *to, const aula_stun_msg *m)
{
    uint8_t out[STUN_OUT_CAP];
    size_t len;
    int rc;
    if (m->n_unknown > 0) /* RFC 8489 section 6.3.1.1 */
        rc = aula_stun_build_binding_error(out, sizeof out, &len, m->txid,
                                           AULA_STUN_ERR_UNKNOWN_ATTRIBUTE, m->unknown,
                                           m->n_unknown, t->pwd);
    else
        rc = aula_stun_build_binding_success(out, sizeof out, &len, m->txid, to, t->pwd);
    if (rc == 0)
        t->cb.send(t->ud, t, to, out, len);
}

int aula_transport_handle_stun(aula_transport *t, uint64_t now_ms, const struct sockaddr *from,
                               const uint8_t *buf, size_t len, bool *selected_changed)
{
    *selected_changed = false;
    aula_stun_msg m;
    if (aula_stun_parse(&m, buf, len) != 0)
        return AULA_DROP_STUN_MALFORMED;
    if (m.type != AULA_STUN_BINDING_REQUEST)
        return AULA_DROP_STUN_UNEXPECTED;
    /* RFC 8445 section 7.3: FINGERPRINT and integrity are mandatory. */
    if (aula_stun_check_fingerprint(&m) != 0)
        return AULA_DROP_STUN_MALFORMED;
    if (!username_is_ours(t, &m) || aula_stun_check_integrity(&m, t->pwd) != 0)
        return AULA_DROP_STUN_BAD_CREDENTIALS;
    if (t->state == TS_DONE)
        return AULA_DROP_TRANSPORT_NOT_READY;
    if (from->sa_family != AF_INET && from->sa_family != AF_INET6)
        return AULA_DROP_STUN_UNEXPECTED;

    answer(t, from, &m);
    if (m.n_unknown > 0)
        return AULA_DROP_NONE;
    t->last_rx_ms = now_ms; /* RFC 7675 section 5.1: consent refreshed */
    bool first = t->state == TS_NEW;
    if (first || (m.use_candidate && !aula_sockaddr_equal(from, (struct sockaddr *)&t->selected))) {
        memset(&t->selected, 0, sizeof t->selected);
        memcpy(&t->selected, from, sockaddr_size(from));
        if (first)
            t->state = TS_CONNECTING;
        *selected_changed = true;
    }
    return AULA_DROP_NONE;
}

int aula_transport_handle_dtls(aula_transport *t, uint64_t now_ms, const uint8_t *buf, size_t len)
{
    if (t->state == TS_DONE || t->state == TS_NEW)
        return AULA_DROP_TRANSPORT_NOT_READY;
    aula_dtls_handle_input(t->dtls, now_ms, buf, len);
    flush_dtls(t);
    return AULA_DROP_NONE;
}

int aula_transport_unprotect(aula_transport *t, uint64_t now_ms, uint8_t *buf, size_t *len,
                             bool *is_rtcp)
{
    if (t->state != TS_CONNECTED)
        return AULA_DROP_TRANSPORT_NOT_READY;
    *is_rtcp = aula_rtp_is_rtcp(buf, *len); /* RFC 5761 section 4 */
    int rc = *is_rtcp ? aula_srtp_unprotect_rtcp(t->srtp, buf, len)
                      : aula_srtp_unprotect_rtp(t->srtp, buf, len);
    if (rc != 0)
        return AULA_DROP_SRTP_AUTH_FAILED;
    t->last_rx_ms = now_ms;
    return AULA_DROP_NONE;
}

static int send_protected(aula_transport *t, uint8_t *buf, size_t len, size_t cap, bool rtcp)
{
    if (t->state != TS_CONNECTED)
        return AULA_ECLOSED;
    int rc = rtcp ? aula_srtp_protect_rtcp(t->srtp, buf, &len, cap)
                  : aula_srtp_protect_rtp(t->srtp, buf, &len, cap);
    if (rc != 0)
        return rc;
    t->cb.send(t->ud, t, (const struct sockaddr *)&t->selected, buf, len);
    return 0;
}

int aula_transport_send_rtp(aula_transport *t, uint8_t *buf, size_t len, size_t cap)
{
    return send_protected(t, buf, len, cap, false);
}

int aula_transport_send_rtcp(aula_transport *t, uint8_t *buf, size_t len, size_t cap)
{
    return send_protected(t, buf, len, cap, true);
}

bool aula_transport_next_timeout(const aula_transport *t, uint64_t *at_ms)
{
    if (t->state == TS_DONE)
        return false;
    if (t->state == TS_CONNECTED) {
        *at_ms = t->last_rx_ms + t->consent_ms;
        return true;
    }
    uint64_t at = t->deadline_ms, d;
    if (t->state == TS_CONNECTING && aula_dtls_next_timeout(t->dtls, &d) && d < at)
        at = d;
    *at_ms = at;
    return true;
}

void aula_transport_handle_timeout(aula_transport *t, uint64_t now_ms)
{
    if (t->state == TS_DONE)
        return;
    if (t->state == TS_CONNECTED) {
        if (now_ms >= t->last_rx_ms + t->consent_ms)
            finish(t, AULA_MEDIA_TS_CLOSED, "consent expired");
        return;
    }
    if (now_ms >= t->deadline_ms) {
        finish(t, AULA_MEDIA_TS_FAILED,
               t->state == TS_NEW ? "no ICE connectivity" : "handshake timeout");
        return;
    }
    if (t->state == TS_CONNECTING) {
        aula_dtls_handle_timeout(t->dtls, now_ms);
        flush_dtls(t);
    }
}

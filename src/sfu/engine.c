#include "sfu/engine.h"

#include "core/alloc.h"
#include "core/log.h"
#include "rtc/stun.h"
#include "sfu/router.h"
#include "sfu/speaker.h"
#include "sfu/transport.h"

#include <stdio.h>
#include <string.h>

#define ADDR_BUCKETS 256 /* a power of two */

typedef struct room {
    aula_router *router; /* owned */
    unsigned transports; /* the room goes when the last transport does */
    struct room *next;
} room;

/* The engine's record of one transport: its registry links. */
typedef struct entry {
    aula_media_engine *e; /* borrowed: the parent */
    aula_transport *t;    /* owned */
    room *room;           /* borrowed */
    bool in_addr_map;
    struct sockaddr_storage addr; /* the key it is filed under in by_addr */
    struct entry *next;           /* all transports */
    struct entry *addr_next;      /* by_addr bucket chain */
} entry;

struct aula_media_engine {
    aula_dtls_identity *identity; /* borrowed */
    aula_media_engine_cb cb;
    void *ud;
    aula_transport_options topts;
    entry *entries; /* owned; by id and by ufrag are list walks (control path, STUN) */
    entry *by_addr[ADDR_BUCKETS];
    room *rooms; /* owned */
    uint32_t count;
    /* No later than the earliest deadline of any transport (UINT64_MAX:
     * none): see "time" below. */
    uint64_t transports_due_ms;
};

aula_media_engine *aula_media_engine_create(const aula_dtls_identity *identity,
                                            const aula_media_engine_cb *cb, void *ud)
{
    aula_media_engine *e = aula_calloc(1, sizeof *e);
    /* The identity is shared read-only; aula_dtls_create only reads it. */
    e->identity = (aula_dtls_identity *)identity;
    e->cb = *cb;
    e->ud = ud;
    e->transports_due_ms = UINT64_MAX;
    return e;
}

void aula_media_engine_set_timeouts(aula_media_engine *e, uint32_t consent_ms,
                                    uint32_t handshake_ms)
{
    e->topts.consent_timeout_ms = consent_ms;
    e->topts.handshake_timeout_ms = handshake_ms;
}

uint32_t aula_media_engine_transport_count(const aula_media_engine *e)
{
    return e->count;
}

void aula_media_engine_loss_stats(const aula_media_engine *e, aula_router_stats *out)
{
    memset(out, 0, sizeof *out);
    for (const room *r = e->rooms; r; r = r->next) {
        aula_router_stats s;
        aula_router_get_stats(r->router, &s);
        out->rtx_served += s.rtx_served;
        out->rtx_missed += s.rtx_missed;
        out->rtx_recovered += s.rtx_recovered;
        out->nacked += s.nacked;
        out->rr_sent += s.rr_sent;
    }
}

/* ---- registries ----------------------------------------------------------- */

static uint32_t addr_hash(const struct sockaddr *a)
{
    const uint8_t *p;
    size_t n;
    uint16_t port;
    if (a->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const void *)a;
        p = (const uint8_t *)&s->sin6_addr;
        n = sizeof s->sin6_addr;
        port = s->sin6_port;
    } else {
        const struct sockaddr_in *s = (const void *)a;
        p = (const uint8_t *)&s->sin_addr;
        n = sizeof s->sin_addr;
        port = s->sin_port;
    }
    uint32_t h = 2166136261u ^ port; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return (h ^ (h >> 16)) & (ADDR_BUCKETS - 1);
}

static entry *find_by_addr(const aula_media_engine *e, const struct sockaddr *a)
{
    if (a->sa_family != AF_INET && a->sa_family != AF_INET6)
        return NULL;
    for (entry *x = e->by_addr[addr_hash(a)]; x; x = x->addr_next)
        if (aula_sockaddr_equal((const struct sockaddr *)&x->addr, a))
            return x;
    return NULL;
}

static void addr_unlink(aula_media_engine *e, entry *x)
{
    if (!x->in_addr_map)
        return;
    entry **pp = &e->by_addr[addr_hash((const struct sockaddr *)&x->addr)];
    while (*pp != x)
        pp = &(*pp)->addr_next;
    *pp = x->addr_next;
    x->in_addr_map = false;
}

/* Files x under its transport's selected address. Another transport that
 * held the same address loses it (the peer moved it, RFC 8445 8.1.1). */
static void addr_relink(aula_media_engine *e, entry *x)
{
    const struct sockaddr *a = aula_transport_selected(x->t);
    addr_unlink(e, x);
    entry *old = find_by_addr(e, a);
    if (old)
        addr_unlink(e, old);
    memset(&x->addr, 0, sizeof x->addr);
    memcpy(&x->addr, a,
           a->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
    uint32_t b = addr_hash(a);
    x->addr_next = e->by_addr[b];
    e->by_addr[b] = x;
    x->in_addr_map = true;
}

static entry *find_by_id(const aula_media_engine *e, uint64_t id)
{
    for (entry *x = e->entries; x; x = x->next)
        if (aula_transport_id(x->t) == id)
            return x;
    return NULL;
}

static entry *find_by_ufrag(const aula_media_engine *e, const char *ufrag, size_t len)
{
    for (entry *x = e->entries; x; x = x->next) {
        const char *u = aula_transport_ufrag(x->t);
        if (strlen(u) == len && memcmp(u, ufrag, len) == 0)
            return x;
    }
    return NULL;
}

static room *find_room(const aula_media_engine *e, uint64_t key)
{
    for (room *r = e->rooms; r; r = r->next)
        if (aula_router_room_key(r->router) == key)
            return r;
    return NULL;
}

/* ---- transports ----------------------------------------------------------- */

/* t's deadline may have moved earlier (it is new, or a STUN or DTLS
 * datagram moved its handshake on): the engine's earliest follows. */
static void note_deadline(aula_media_engine *e, const aula_transport *t)
{
    uint64_t at;
    if (aula_transport_next_timeout(t, &at) && at < e->transports_due_ms)
        e->transports_due_ms = at;
}

static void on_transport_send(void *ud, aula_transport *t, const struct sockaddr *to,
                              const uint8_t *buf, size_t len)
{
    entry *x = ud;
    (void)t;
    x->e->cb.send(x->e->ud, to, buf, len);
}

static void on_transport_state(void *ud, aula_transport *t, aula_media_transport_state st,
                               const char *reason)
{
    entry *x = ud;
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_MEDIA_TRANSPORT_STATE;
    m.u.transport_report.transport_id = aula_transport_id(t);
    m.u.transport_report.state = st;
    if (reason)
        snprintf(m.u.transport_report.reason, sizeof m.u.transport_report.reason, "%s", reason);
    x->e->cb.report(x->e->ud, &m);
}

static void transport_create(aula_media_engine *e, uint64_t now_ms,
                             const aula_media_transport_create *c)
{
    size_t ulen = strnlen(c->ufrag, sizeof c->ufrag);
    if (!e->identity || ulen == 0 || c->pwd[0] == '\0' || find_by_id(e, c->transport_id) ||
        find_by_ufrag(e, c->ufrag, ulen)) {
        AULA_LOG_WARN("engine", "transport refused", "transport=%llu",
                      (unsigned long long)c->transport_id);
        return;
    }
    room *r = find_room(e, c->room_key);
    if (!r) {
        r = aula_calloc(1, sizeof *r);
        r->router = aula_router_create(c->room_key);
        r->next = e->rooms;
        e->rooms = r;
    }
    entry *x = aula_calloc(1, sizeof *x);
    static const aula_transport_cb tcb = {on_transport_send, on_transport_state};
    x->e = e;
    x->room = r;
    x->t = aula_transport_create(c, e->identity, &e->topts, now_ms, &tcb, x);
    x->next = e->entries;
    e->entries = x;
    note_deadline(e, x->t);
    r->transports++;
    e->count++;
    AULA_LOG_DEBUG("engine", "transport created", "transport=%llu room=%llu",
                   (unsigned long long)c->transport_id, (unsigned long long)c->room_key);
}

static void transport_close(aula_media_engine *e, uint64_t id)
{
    entry **pp = &e->entries;
    while (*pp && aula_transport_id((*pp)->t) != id)
        pp = &(*pp)->next;
    entry *x = *pp;
    if (!x)
        return;
    *pp = x->next;
    addr_unlink(e, x);
    room *r = x->room;
    aula_router_transport_gone(r->router, x->t);
    aula_transport_destroy(x->t);
    aula_free(x);
    e->count--;
    if (--r->transports == 0) {
        room **rp = &e->rooms;
        while (*rp != r)
            rp = &(*rp)->next;
        *rp = r->next;
        aula_router_destroy(r->router);
        aula_free(r);
    }
}

void aula_media_engine_destroy(aula_media_engine *e)
{
    if (!e)
        return;
    while (e->entries)
        transport_close(e, aula_transport_id(e->entries->t));
    aula_free(e);
}

/* ---- commands ------------------------------------------------------------- */

/* Producer and consumer ids are unique per process: the room holding one is
 * found by asking each router (commands are rare; rooms per worker few). */
static int each_router(aula_media_engine *e, int (*fn)(aula_router *, uint64_t), uint64_t id)
{
    for (room *r = e->rooms; r; r = r->next)
        if (fn(r->router, id) == 0)
            return 0;
    return -1;
}

static int pause_fn(aula_router *r, uint64_t id)
{
    return aula_router_producer_pause(r, id, true);
}

static int resume_fn(aula_router *r, uint64_t id)
{
    return aula_router_producer_pause(r, id, false);
}

static void handle_msg2(aula_media_engine *e, uint64_t now_ms, const aula_media_msg *m)
{
    int rc = -1;
    entry *x;
    switch (m->type) {
    case AULA_MEDIA_PRODUCER_ADD:
        x = find_by_id(e, m->u.producer_add.transport_id);
        if (x)
            rc = aula_router_producer_add(x->room->router, &m->u.producer_add, x->t);
        break;
    case AULA_MEDIA_PRODUCER_REBIND:
        x = find_by_id(e, m->u.producer_rebind.transport_id);
        if (x)
            rc = aula_router_producer_rebind(x->room->router, &m->u.producer_rebind, x->t, now_ms);
        break;
    case AULA_MEDIA_CONSUMER_ADD:
        x = find_by_id(e, m->u.consumer_add.transport_id);
        if (x)
            rc = aula_router_consumer_add(x->room->router, &m->u.consumer_add, x->t, now_ms);
        break;
    case AULA_MEDIA_PRODUCER_CLOSE:
        rc = each_router(e, aula_router_producer_close, m->u.target.id);
        break;
    case AULA_MEDIA_PRODUCER_PAUSE:
        rc = each_router(e, m->u.target.paused ? pause_fn : resume_fn, m->u.target.id);
        break;
    case AULA_MEDIA_CONSUMER_CLOSE:
        rc = each_router(e, aula_router_consumer_close, m->u.target.id);
        break;
    case AULA_MEDIA_KEYFRAME_REQUEST:
        for (room *r = e->rooms; r && rc != 0; r = r->next)
            rc = aula_router_keyframe_request(r->router, m->u.target.id, now_ms);
        break;
    case AULA_MEDIA_CONSUMER_SET_PREFERRED:
        for (room *r = e->rooms; r && rc != 0; r = r->next)
            rc = aula_router_consumer_set_preferred(r->router, m->u.target.id, m->u.target.layer,
                                                    now_ms);
        break;
    default:
        break;
    }
    if (rc != 0)
        AULA_LOG_WARN("engine", "media command ignored", "type=%d", (int)m->type);
}

void aula_media_engine_handle_msg(aula_media_engine *e, uint64_t now_ms, const aula_media_msg *m)
{
    if (m->type == AULA_MEDIA_TRANSPORT_CREATE)
        transport_create(e, now_ms, &m->u.transport_create);
    else if (m->type == AULA_MEDIA_TRANSPORT_CLOSE)
        transport_close(e, m->u.target.id);
    else
        handle_msg2(e, now_ms, m);
}

/* ---- datagrams ------------------------------------------------------------ */

/* STUN is routed by USERNAME, not by address: that is how a new address
 * (or a moved one) reaches its transport, and the transport verifies the
 * credentials before the address is filed anywhere. */
static int on_stun(aula_media_engine *e, uint64_t now_ms, const struct sockaddr *from,
                   const uint8_t *buf, size_t len)
{
    const char *user;
    size_t ulen, first;
    int rc = aula_stun_peek_username(buf, len, &user, &ulen);
    if (rc != 0)
        return find_by_addr(e, from) ? AULA_DROP_STUN_UNEXPECTED : AULA_DROP_STUN_NO_TRANSPORT;
    if (aula_stun_split_username(user, ulen, &first) != 0)
        return AULA_DROP_STUN_BAD_CREDENTIALS;
    entry *x = find_by_ufrag(e, user, first);
    if (!x)
        return AULA_DROP_STUN_NO_TRANSPORT;
    bool changed = false;
    rc = aula_transport_handle_stun(x->t, now_ms, from, buf, len, &changed);
    if (changed)
        addr_relink(e, x);
    note_deadline(e, x->t);
    return rc;
}

static int on_srtp(aula_media_engine *e, entry *x, uint64_t now_ms, uint8_t *buf, size_t len)
{
    bool rtcp = false;
    int rc = aula_transport_unprotect(x->t, now_ms, buf, &len, &rtcp);
    if (rc != AULA_DROP_NONE)
        return rc;
    (void)e;
    if (rtcp)
        return aula_router_on_rtcp(x->room->router, x->t, now_ms, buf, len);
    return aula_router_on_rtp(x->room->router, x->t, now_ms, buf, len);
}

int aula_media_engine_handle_datagram(aula_media_engine *e, uint64_t now_ms,
                                      const struct sockaddr *from, uint8_t *buf, size_t len)
{
    if (len == 0)
        return AULA_DROP_UNKNOWN_PROTOCOL;
    uint8_t b = buf[0];
    /* RFC 7983 section 7. */
    if (b <= 3)
        return on_stun(e, now_ms, from, buf, len);
    entry *x;
    if (b >= 20 && b <= 63) {
        x = find_by_addr(e, from);
        if (!x)
            return AULA_DROP_DTLS_UNKNOWN_ADDR;
        int rc = aula_transport_handle_dtls(x->t, now_ms, buf, len);
        note_deadline(e, x->t);
        if (rc == AULA_DROP_NONE && aula_transport_is_connected(x->t))
            aula_router_transport_connected(x->room->router, x->t, now_ms);
        return rc;
    }
    if (b >= 128 && b <= 191) {
        x = find_by_addr(e, from);
        if (!x)
            return AULA_DROP_RTP_UNKNOWN_ADDR;
        return on_srtp(e, x, now_ms, buf, len);
    }
    return AULA_DROP_UNKNOWN_PROTOCOL;
}

/* ---- time ----------------------------------------------------------------- */

/* The worker asks for the next deadline after every batch of datagrams,
 * so the transports' deadlines are not walked then: transports_due_ms is
 * kept no later than the earliest. Of what a connected transport does on
 * the media path, nothing moves its deadline earlier (consent only moves
 * later with each packet received); what can (a new transport, STUN and
 * DTLS datagrams) lowers it with note_deadline(). A deadline that moved
 * later makes the timer fire early; the walk in handle_timeout then finds
 * the true earliest. Producers and speakers are walked: a few per room. */
bool aula_media_engine_next_timeout(const aula_media_engine *e, uint64_t *at_ms)
{
    bool any = e->transports_due_ms != UINT64_MAX;
    uint64_t at;
    if (any)
        *at_ms = e->transports_due_ms;
    for (const room *r = e->rooms; r; r = r->next)
        if (aula_router_next_timeout(r->router, &at) && (!any || at < *at_ms)) {
            *at_ms = at;
            any = true;
        }
    for (const room *r = e->rooms; r; r = r->next)
        if (aula_speaker_next_timeout(aula_router_speaker(r->router), &at) &&
            (!any || at < *at_ms)) {
            *at_ms = at;
            any = true;
        }
    return any;
}

/* AULA_MEDIA_ACTIVE_SPEAKER when the room's loudest voice changed. */
static void speaker_timeout(aula_media_engine *e, room *r, uint64_t now_ms)
{
    uint64_t producer_id;
    if (!aula_speaker_handle_timeout(aula_router_speaker(r->router), now_ms, &producer_id))
        return;
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_MEDIA_ACTIVE_SPEAKER;
    m.u.active_speaker.room_key = aula_router_room_key(r->router);
    m.u.active_speaker.producer_id = producer_id;
    e->cb.report(e->ud, &m);
}

void aula_media_engine_handle_timeout(aula_media_engine *e, uint64_t now_ms)
{
    if (now_ms >= e->transports_due_ms) {
        e->transports_due_ms = UINT64_MAX;
        for (entry *x = e->entries; x; x = x->next) {
            aula_transport_handle_timeout(x->t, now_ms);
            note_deadline(e, x->t);
        }
    }
    for (room *r = e->rooms; r; r = r->next)
        aula_router_handle_timeout(r->router, now_ms);
    for (room *r = e->rooms; r; r = r->next)
        speaker_timeout(e, r, now_ms);
}

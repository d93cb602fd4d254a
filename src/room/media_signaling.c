#include "room/media_signaling.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/random.h"
#include "room/media_sdp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct aula_media_sig {
    aula_media_sig_config cfg; /* strings owned */
    aula_sdp_fingerprint fp;   /* ours, decoded */
    aula_media_peer *peers;    /* borrowed: each is owned by its session */
    uint64_t next_id;
};

static uint64_t new_id(aula_media_sig *ms)
{
    return ++ms->next_id;
}

static uint32_t random_u32(void)
{
    char hex[9];
    uint32_t v = 0;
    while (v == 0) {
        aula_random_hex(hex, 4);
        v = (uint32_t)strtoul(hex, NULL, 16);
    }
    return v;
}

/* FNV-1a over the room id: rooms spread over the workers by it. */
static uint64_t room_key_of(const char *id)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *id; id++)
        h = (h ^ (uint8_t)*id) * 1099511628211ULL;
    return h;
}

static int parse_fingerprint(const char *s, aula_sdp_fingerprint *fp)
{
    memset(fp, 0, sizeof *fp);
    fp->alg = "sha-256";
    while (*s && fp->len < AULA_SDP_MAX_FINGERPRINT) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1)
            return -1;
        fp->bytes[fp->len++] = (uint8_t)v;
        s += 2;
        if (*s == ':')
            s++;
        else if (*s)
            return -1;
    }
    return fp->len == 32 ? 0 : -1;
}

aula_media_sig *aula_media_sig_create(const aula_media_sig_config *cfg)
{
    aula_sdp_fingerprint fp;
    if (cfg->n_workers == 0 || !cfg->fingerprint || parse_fingerprint(cfg->fingerprint, &fp) != 0)
        return NULL;
    aula_media_sig *ms = aula_calloc(1, sizeof *ms);
    ms->cfg = *cfg;
    ms->cfg.media_host = aula_strdup(cfg->media_host);
    ms->cfg.fingerprint = aula_strdup(cfg->fingerprint);
    ms->fp = fp;
    return ms;
}

void aula_media_sig_destroy(aula_media_sig *ms)
{
    if (!ms)
        return;
    if (ms->peers)
        AULA_LOG_ERROR("media", "peers still alive at destroy", "first=%s",
                       aula_participant_id(ms->peers->p));
    aula_free((char *)ms->cfg.media_host);
    aula_free((char *)ms->cfg.fingerprint);
    aula_free(ms);
}

const aula_sdp_fingerprint *aula__media_sig_fingerprint(const aula_media_sig *ms)
{
    return &ms->fp;
}

/* ---- helpers ---------------------------------------------------------- */

static void send_msg(aula_media_peer *peer, const aula_media_msg *m)
{
    peer->ms->cfg.send(peer->ms->cfg.ud, peer->worker, m);
}

static void send_target(aula_media_peer *peer, aula_media_msg_type type, uint64_t id, int paused)
{
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.u.target.id = id;
    m.u.target.paused = paused;
    send_msg(peer, &m);
}

static void new_credentials(aula_media_peer *peer, char *ufrag, char *pwd)
{
    aula_random_hex(ufrag, 8); /* 16 ice-chars */
    aula_random_hex(pwd, 16);  /* 32 ice-chars */
    (void)peer;
}

static int same_room(const aula_media_peer *a, const aula_media_peer *b)
{
    return aula_participant_room(a->p) == aula_participant_room(b->p);
}

/* Camera and microphone tracks of a kind (screen shares not counted). */
static int has_kind(const aula_media_peer *peer, aula_media_kind kind)
{
    for (size_t i = 0; i < peer->n_producers; i++)
        if (peer->producers[i].kind == kind && !peer->producers[i].screen)
            return 1;
    return 0;
}

static const aula_media_producer *screen_producer(const aula_media_peer *peer)
{
    for (size_t i = 0; i < peer->n_producers; i++)
        if (peer->producers[i].screen)
            return &peer->producers[i];
    return NULL;
}

/* The msid stream and track a producer has in receive offers. */
static void msid_of(const aula_media_peer *q, const aula_media_producer *pr, char *stream,
                    size_t stream_len, char *track, size_t track_len)
{
    snprintf(stream, stream_len, "%s%s", aula_participant_id(q->p), pr->screen ? "-screen" : "");
    snprintf(track, track_len, "%s-%llu",
             pr->screen                     ? "screen"
             : pr->kind == AULA_MEDIA_AUDIO ? "audio"
                                            : "video",
             (unsigned long long)pr->id);
}

/* room.active_speaker's params for the person speaking; a new reference. */
static json_t *speaker_json(const aula_media_peer *peer)
{
    return json_pack("{s:{s:s,s:s}}", "participant", "id", aula_participant_id(peer->p), "name",
                     aula_participant_name(peer->p));
}

static json_t *media_state_json(const aula_media_peer *peer)
{
    json_t *st =
        json_pack("{s:s,s:b,s:b}", "participant", aula_participant_id(peer->p), "audio",
                  has_kind(peer, AULA_MEDIA_AUDIO) && !peer->paused[AULA_MEDIA_AUDIO], "video",
                  has_kind(peer, AULA_MEDIA_VIDEO) && !peer->paused[AULA_MEDIA_VIDEO]);
    json_object_set_new(st, "audio_muted_by_host",
                        json_boolean(aula_participant_host_muted(peer->p, AULA_TRACK_AUDIO, NULL)));
    json_object_set_new(st, "video_muted_by_host",
                        json_boolean(aula_participant_host_muted(peer->p, AULA_TRACK_VIDEO, NULL)));
    const aula_media_producer *sc = screen_producer(peer);
    json_object_set_new(st, "screen", json_boolean(sc != NULL));
    if (sc) {
        aula_media_slot tmp;
        msid_of(peer, sc, tmp.stream, sizeof tmp.stream, tmp.track, sizeof tmp.track);
        json_object_set_new(st, "screen_stream", json_string(tmp.stream));
        json_object_set_new(st, "screen_track", json_string(tmp.track));
    }
    return st;
}

/* Tells every other peer in the room to ask for a new offer. */
static void renegotiate_others(aula_media_peer *peer)
{
    for (aula_media_peer *q = peer->ms->peers; q; q = q->next)
        if (q != peer && same_room(q, peer))
            aula_participant_notify(q->p, "media.renegotiate", json_object());
}

/* Closes every consumer of producer_id in other peers; their slots become
 * DEAD and turn into port-0 sections at the next offer. */
static void drop_consumers_of(aula_media_sig *ms, uint64_t producer_id)
{
    for (aula_media_peer *q = ms->peers; q; q = q->next)
        for (size_t i = 0; i < q->n_slots; i++) {
            aula_media_slot *sl = &q->slots[i];
            if (sl->producer_id != producer_id ||
                (sl->state != AULA_SLOT_ACTIVE && sl->state != AULA_SLOT_OFFERED))
                continue;
            if (sl->state == AULA_SLOT_ACTIVE)
                send_target(q, AULA_MEDIA_CONSUMER_CLOSE, sl->consumer_id, 0);
            sl->state = AULA_SLOT_DEAD;
        }
}

/* Closes the publish transport and its producers (and everyone's consumers
 * of them). Returns 1 when something was published. */
static int close_publish(aula_media_peer *peer)
{
    if (!peer->pub_transport)
        return 0;
    for (size_t i = 0; i < peer->n_producers; i++) {
        drop_consumers_of(peer->ms, peer->producers[i].id);
        send_target(peer, AULA_MEDIA_PRODUCER_CLOSE, peer->producers[i].id, 0);
    }
    send_target(peer, AULA_MEDIA_TRANSPORT_CLOSE, peer->pub_transport, 0);
    int had = peer->n_producers > 0;
    peer->pub_transport = 0;
    peer->n_producers = 0;
    peer->pub_remote_ufrag[0] = '\0';
    return had;
}

/* Closes the producer at index i (and everyone's consumers of it). */
static void close_producer(aula_media_peer *peer, size_t i)
{
    drop_consumers_of(peer->ms, peer->producers[i].id);
    send_target(peer, AULA_MEDIA_PRODUCER_CLOSE, peer->producers[i].id, 0);
    memmove(&peer->producers[i], &peer->producers[i + 1],
            (peer->n_producers - i - 1) * sizeof peer->producers[0]);
    peer->n_producers--;
}

/* Does offer come from the peer connection the publish transport serves
 * (same ICE ufrag and DTLS fingerprint, so no ICE restart, no new DTLS)? */
static int same_publish_connection(const aula_media_peer *peer, const aula_sdp *offer,
                                   const aula_sdp_fingerprint *fp)
{
    const char *u = offer->n_media ? offer->media[0].ice_ufrag : NULL;
    return peer->pub_transport && u && peer->pub_remote_ufrag[0] &&
           !strcmp(u, peer->pub_remote_ufrag) && fp->len == peer->pub_remote_fp.len &&
           !memcmp(fp->bytes, peer->pub_remote_fp.bytes, fp->len);
}

/* Marks the plan's tracks whose m-section's mid is listed in screens (the
 * k-th track comes from the k-th accepted section). Returns -1 when screens
 * is not an array of strings or names a non-video track. */
static int mark_screens(const aula_sdp *offer, const aula_media_publish_plan *plan,
                        const json_t *screens, int *screen)
{
    memset(screen, 0, sizeof(int) * AULA_MEDIA_MAX_PRODUCERS);
    if (!screens)
        return 0;
    if (!json_is_array(screens))
        return -1;
    size_t j;
    json_t *v;
    json_array_foreach(screens, j, v) if (!json_is_string(v)) return -1;
    size_t k = 0;
    for (size_t i = 0; i < offer->n_media && k < plan->n_tracks; i++) {
        if (!plan->sections[i].accepted)
            continue;
        json_array_foreach(screens, j, v) if (!strcmp(json_string_value(v), offer->media[i].mid))
        {
            if (plan->tracks[k].kind != AULA_MEDIA_VIDEO)
                return -1;
            screen[k] = 1;
        }
        k++;
    }
    return 0;
}

static void close_receive(aula_media_peer *peer)
{
    for (size_t i = 0; i < peer->n_slots; i++)
        if (peer->slots[i].state == AULA_SLOT_ACTIVE)
            send_target(peer, AULA_MEDIA_CONSUMER_CLOSE, peer->slots[i].consumer_id, 0);
    if (peer->recv_created)
        send_target(peer, AULA_MEDIA_TRANSPORT_CLOSE, peer->recv_transport, 0);
    peer->recv_created = 0;
}

static aula_sdp_candidate our_candidate(const aula_media_peer *peer)
{
    const aula_media_sig_config *c = &peer->ms->cfg;
    const char *host = c->media_host;
    if (!host || !*host || !strcmp(host, "0.0.0.0"))
        host = "127.0.0.1";
    return (aula_sdp_candidate){
        .foundation = "1",
        .component = 1,
        .transport = "udp",
        .priority = 2130706431u,
        .address = host,
        .port = (uint16_t)c->worker_port(c->ud, peer->worker),
        .type = "host",
    };
}

static int get_sdp(json_t *params, aula_sdp **out, aula_rpc_error *err)
{
    json_t *v = params ? json_object_get(params, "sdp") : NULL;
    if (!json_is_string(v)) {
        aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "sdp: expected a string");
        return -1;
    }
    char why[160] = "";
    if (aula_sdp_parse(json_string_value(v), json_string_length(v), out, why, sizeof why) != 0) {
        aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "sdp: %s", why);
        return -1;
    }
    return 0;
}

static void fingerprint_text(const aula_sdp_fingerprint *fp, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < fp->len && o + 4 <= size; i++)
        o += (size_t)snprintf(out + o, size - o, "%s%02X", i ? ":" : "", fp->bytes[i]);
}

/* ---- peers ------------------------------------------------------------ */

aula_media_peer *aula_media_peer_create(aula_media_sig *ms, aula_participant *p)
{
    aula_media_peer *peer = aula_calloc(1, sizeof *peer);
    peer->ms = ms;
    peer->p = p;
    peer->room_key = room_key_of(aula_room_id(aula_participant_room(p)));
    peer->worker = (size_t)(peer->room_key % ms->cfg.n_workers);
    peer->recv_transport = new_id(ms);
    new_credentials(peer, peer->recv_ufrag, peer->recv_pwd);
    peer->session_id = random_u32();
    /* A host's mute outlives the connection it was made on. */
    peer->paused[AULA_MEDIA_AUDIO] = aula_participant_host_muted(p, AULA_TRACK_AUDIO, NULL);
    peer->paused[AULA_MEDIA_VIDEO] = aula_participant_host_muted(p, AULA_TRACK_VIDEO, NULL);
    peer->next = ms->peers;
    if (ms->peers)
        ms->peers->prev = peer;
    ms->peers = peer;
    return peer;
}

void aula_media_peer_destroy(aula_media_peer *peer)
{
    if (!peer)
        return;
    aula_media_sig *ms = peer->ms;
    close_receive(peer);
    int had = close_publish(peer);
    if (peer->prev)
        peer->prev->next = peer->next;
    else
        ms->peers = peer->next;
    if (peer->next)
        peer->next->prev = peer->prev;
    /* Unlinked first, so the notification skips it. */
    if (had)
        renegotiate_others(peer);
    aula_free(peer);
}

/* ---- media.publish ---------------------------------------------------- */

static int update_producers(aula_media_peer *peer, const aula_media_publish_plan *plan,
                            const int *screen);
static int create_publish(aula_media_peer *peer, const aula_media_publish_plan *plan,
                          const int *screen);
static int restart_publish(aula_media_peer *peer, const aula_media_publish_plan *plan,
                           const int *screen);

json_t *aula_media_publish(aula_media_peer *peer, json_t *params, aula_rpc_error *err)
{
    aula_sdp *offer = NULL;
    if (get_sdp(params, &offer, err) != 0)
        return NULL;
    aula_media_publish_plan plan;
    char why[200] = "";
    if (aula_media_plan_publish(offer, &plan, why, sizeof why) != 0) {
        aula_sdp_free(offer);
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "sdp: %s", why);
    }
    int screen[AULA_MEDIA_MAX_PRODUCERS];
    if (mark_screens(offer, &plan, params ? json_object_get(params, "screen") : NULL, screen) !=
        0) {
        aula_sdp_free(offer);
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS,
                             "screen: expected an array of the mids of video sections");
    }
    /* A new offer replaces whatever was published before. From the same
     * peer connection (a renegotiation) the transport stays and so do the
     * producers whose SSRC is unchanged: their viewers see no hiccup. From
     * a new one (the publisher restarted) the transport is replaced, but
     * the producers move over to it (restart_publish). */
    int keep = same_publish_connection(peer, offer, &plan.remote_fp);
    int restart = !keep && peer->pub_transport && peer->n_producers > 0;
    int changed = 0;
    if (!keep) {
        if (!restart)
            changed = close_publish(peer);
        new_credentials(peer, peer->pub_ufrag, peer->pub_pwd);
        const char *u = offer->media[0].ice_ufrag;
        snprintf(peer->pub_remote_ufrag, sizeof peer->pub_remote_ufrag, "%s",
                 u && strlen(u) < sizeof peer->pub_remote_ufrag ? u : "");
        peer->pub_remote_fp = plan.remote_fp;
        peer->pub_remote_fp.alg = NULL; /* points into the offer */
    }
    aula_sdp_candidate cand = our_candidate(peer);
    aula_buf answer;
    aula_buf_init(&answer);
    int rc = aula_media_write_answer(offer, &plan, peer->session_id, ++peer->version,
                                     peer->pub_ufrag, peer->pub_pwd, &peer->ms->fp, &cand, &answer);
    aula_sdp_free(offer);
    if (rc != 0) {
        aula_buf_deinit(&answer);
        if (restart)
            changed = close_publish(peer);
        if (changed)
            renegotiate_others(peer);
        return aula_rpc_fail(err, AULA_RPC_INTERNAL_ERROR, "could not write the answer");
    }
    if (keep)
        changed = update_producers(peer, &plan, screen);
    else if (restart)
        changed = restart_publish(peer, &plan, screen);
    else
        changed |= create_publish(peer, &plan, screen);
    AULA_LOG_DEBUG("media", "publishing", "participant=%s transport=%llu tracks=%zu kept=%d",
                   aula_participant_id(peer->p), (unsigned long long)peer->pub_transport,
                   peer->n_producers, keep);
    if (changed)
        renegotiate_others(peer);
    aula_room_notify(aula_participant_room(peer->p), "participant.media", media_state_json(peer),
                     NULL);
    json_t *res = json_pack("{s:s}", "sdp", answer.data ? answer.data : "");
    aula_buf_deinit(&answer);
    return res;
}

static void add_producer(aula_media_peer *peer, const aula_media_producer_add *track, int screen)
{
    if (peer->n_producers >= AULA_MEDIA_MAX_PRODUCERS)
        return;
    aula_media_producer_add pa = *track;
    pa.producer_id = new_id(peer->ms);
    pa.transport_id = peer->pub_transport;
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_MEDIA_PRODUCER_ADD;
    m.u.producer_add = pa;
    send_msg(peer, &m);
    peer->producers[peer->n_producers++] = (aula_media_producer){.id = pa.producer_id,
                                                                 .kind = pa.kind,
                                                                 .codec = pa.codec,
                                                                 .ssrc = pa.ssrc,
                                                                 .screen = screen,
                                                                 .n_layers = pa.n_layers};
    snprintf(peer->producers[peer->n_producers - 1].mid, sizeof peer->producers[0].mid, "%s",
             pa.n_layers ? pa.mid : "");
    if (!screen && peer->paused[pa.kind])
        send_target(peer, AULA_MEDIA_PRODUCER_PAUSE, pa.producer_id, 1);
}

/* A renegotiation of the publish connection: closes the producers whose
 * track is gone (or changed), adds the new ones. Returns 1 when anything
 * changed. */
static int update_producers(aula_media_peer *peer, const aula_media_publish_plan *plan,
                            const int *screen)
{
    int changed = 0;
    int kept[AULA_MEDIA_MAX_PRODUCERS] = {0};
    for (size_t i = 0; i < peer->n_producers;) {
        const aula_media_producer *pr = &peer->producers[i];
        size_t k = 0;
        while (
            k < plan->n_tracks &&
            !(plan->tracks[k].ssrc == pr->ssrc && plan->tracks[k].kind == pr->kind &&
              plan->tracks[k].codec == pr->codec &&
              (pr->ssrc || (plan->tracks[k].n_layers && !strcmp(plan->tracks[k].mid, pr->mid))) &&
              screen[k] == pr->screen && !kept[k]))
            k++;
        if (k < plan->n_tracks) {
            kept[k] = 1;
            i++;
        } else {
            close_producer(peer, i);
            changed = 1;
        }
    }
    for (size_t k = 0; k < plan->n_tracks; k++)
        if (!kept[k]) {
            add_producer(peer, &plan->tracks[k], screen[k]);
            changed = 1;
        }
    return changed;
}

/* Asks the worker for a new publish transport for the plan's connection. */
static void create_publish_transport(aula_media_peer *peer, const aula_media_publish_plan *plan)
{
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_MEDIA_TRANSPORT_CREATE;
    aula_media_transport_create *tc = &m.u.transport_create;
    peer->pub_transport = tc->transport_id = new_id(peer->ms);
    tc->room_key = peer->room_key;
    tc->direction = AULA_MEDIA_PUBLISH;
    snprintf(tc->ufrag, sizeof tc->ufrag, "%s", peer->pub_ufrag);
    snprintf(tc->pwd, sizeof tc->pwd, "%s", peer->pub_pwd);
    fingerprint_text(&plan->remote_fp, tc->remote_fingerprint, sizeof tc->remote_fingerprint);
    tc->ext = plan->ext;
    send_msg(peer, &m);
}

/* A new publish transport and its producers. Returns 1. */
static int create_publish(aula_media_peer *peer, const aula_media_publish_plan *plan,
                          const int *screen)
{
    create_publish_transport(peer, plan);
    for (size_t k = 0; k < plan->n_tracks; k++)
        add_producer(peer, &plan->tracks[k], screen[k]);
    return 1;
}

/* The first old producer (not taken yet) that track can take over: same
 * kind, role (camera or screen), codec and simulcast layer count. A codec
 * change replaces the producer, since the viewers negotiated the codec. */
static int rebind_match(const aula_media_producer *old, size_t n_old, const int *taken,
                        const aula_media_producer_add *track, int screen)
{
    for (size_t i = 0; i < n_old; i++)
        if (!taken[i] && old[i].kind == track->kind && old[i].screen == screen &&
            old[i].codec == track->codec && old[i].n_layers == track->n_layers)
            return (int)i;
    return -1;
}

/* The publisher restarted (an offer from a new peer connection): a new
 * transport, to which each old producer moves (AULA_MEDIA_PRODUCER_REBIND)
 * when a new track matches it (rebind_match, in order), so its viewers keep
 * their consumers, SSRCs and payload types and need no renegotiation. Old
 * producers without a match close, unmatched tracks become new producers.
 * The old transport closes last, after the producers left it. Returns 1
 * when a track appeared or went. */
static int restart_publish(aula_media_peer *peer, const aula_media_publish_plan *plan,
                           const int *screen)
{
    uint64_t old_transport = peer->pub_transport;
    aula_media_producer old[AULA_MEDIA_MAX_PRODUCERS];
    size_t n_old = peer->n_producers;
    int taken[AULA_MEDIA_MAX_PRODUCERS] = {0};
    int changed = 0;
    memcpy(old, peer->producers, n_old * sizeof old[0]);
    peer->n_producers = 0;
    create_publish_transport(peer, plan);
    for (size_t k = 0; k < plan->n_tracks; k++) {
        int i = rebind_match(old, n_old, taken, &plan->tracks[k], screen[k]);
        if (i < 0) {
            add_producer(peer, &plan->tracks[k], screen[k]);
            changed = 1;
            continue;
        }
        taken[i] = 1;
        aula_media_msg m;
        memset(&m, 0, sizeof m);
        m.type = AULA_MEDIA_PRODUCER_REBIND;
        m.u.producer_rebind = plan->tracks[k];
        m.u.producer_rebind.producer_id = old[i].id;
        m.u.producer_rebind.transport_id = peer->pub_transport;
        send_msg(peer, &m);
        aula_media_producer *pr = &peer->producers[peer->n_producers++];
        *pr = old[i];
        pr->ssrc = plan->tracks[k].ssrc;
        snprintf(pr->mid, sizeof pr->mid, "%s", pr->n_layers ? plan->tracks[k].mid : "");
    }
    for (size_t i = 0; i < n_old; i++)
        if (!taken[i]) {
            drop_consumers_of(peer->ms, old[i].id);
            send_target(peer, AULA_MEDIA_PRODUCER_CLOSE, old[i].id, 0);
            changed = 1;
        }
    send_target(peer, AULA_MEDIA_TRANSPORT_CLOSE, old_transport, 0);
    return changed;
}

/* ---- media.subscribe / media.answer ----------------------------------- */

static int slot_has_producer(const aula_media_peer *peer, uint64_t producer_id)
{
    for (size_t i = 0; i < peer->n_slots; i++) {
        const aula_media_slot *sl = &peer->slots[i];
        if (sl->producer_id == producer_id &&
            (sl->state == AULA_SLOT_ACTIVE || sl->state == AULA_SLOT_OFFERED))
            return 1;
    }
    return 0;
}

/* A free slot of this kind (a recycled m-section gets a new mid, as JSEP
 * §5.2.2 asks), or a new one at the end; NULL when the offer is full. */
static aula_media_slot *take_slot(aula_media_peer *peer, aula_media_kind kind)
{
    aula_media_slot *sl = NULL;
    for (size_t i = 0; i < peer->n_slots && !sl; i++)
        if (peer->slots[i].state == AULA_SLOT_FREE && peer->slots[i].kind == kind)
            sl = &peer->slots[i];
    if (!sl && peer->n_slots < AULA_MEDIA_MAX_SLOTS)
        sl = &peer->slots[peer->n_slots++];
    if (!sl)
        return NULL;
    memset(sl, 0, sizeof *sl);
    sl->kind = kind;
    snprintf(sl->mid, sizeof sl->mid, "%u", peer->next_mid++);
    return sl;
}

static void add_consumers_for(aula_media_peer *peer, const aula_media_peer *q)
{
    for (size_t j = 0; j < q->n_producers; j++) {
        const aula_media_producer *pr = &q->producers[j];
        if (slot_has_producer(peer, pr->id))
            continue;
        aula_media_slot *sl = take_slot(peer, pr->kind);
        if (!sl) {
            AULA_LOG_WARN("media", "too many consumers, track not offered", "participant=%s",
                          aula_participant_id(peer->p));
            return;
        }
        sl->state = AULA_SLOT_OFFERED;
        sl->producer_id = pr->id;
        sl->codec = pr->codec;
        sl->ssrc = random_u32();
        msid_of(q, pr, sl->stream, sizeof sl->stream, sl->track, sizeof sl->track);
    }
}

json_t *aula_media_subscribe(aula_media_peer *peer, json_t *params, aula_rpc_error *err)
{
    (void)params;
    for (size_t i = 0; i < peer->n_slots; i++)
        if (peer->slots[i].state == AULA_SLOT_DEAD)
            peer->slots[i].state = AULA_SLOT_CLOSING;
    json_t *states = json_array();
    for (aula_media_peer *q = peer->ms->peers; q; q = q->next) {
        if (q == peer || !same_room(q, peer))
            continue;
        add_consumers_for(peer, q);
        json_array_append_new(states, media_state_json(q));
        if (q->speaking) /* a newcomer learns who speaks now */
            aula_participant_notify(peer->p, "room.active_speaker", speaker_json(q));
    }
    size_t live = 0;
    for (size_t i = 0; i < peer->n_slots; i++)
        live +=
            peer->slots[i].state == AULA_SLOT_OFFERED || peer->slots[i].state == AULA_SLOT_ACTIVE;
    if (live == 0 && peer->recv_created) {
        /* Every section is about to be rejected: the browser drops its
         * transport, so the next one is a new transport with new keys. */
        close_receive(peer);
        peer->recv_transport = new_id(peer->ms);
        new_credentials(peer, peer->recv_ufrag, peer->recv_pwd);
    }
    if (peer->n_slots == 0) {
        peer->offer_pending = 0;
        return json_pack("{s:n,s:o}", "sdp", "participants", states);
    }
    aula_sdp_candidate cand = our_candidate(peer);
    aula_buf offer;
    aula_buf_init(&offer);
    if (aula_media_write_offer(peer, &cand, &offer) != 0) {
        aula_buf_deinit(&offer);
        json_decref(states);
        return aula_rpc_fail(err, AULA_RPC_INTERNAL_ERROR, "could not write the offer");
    }
    peer->offer_pending = 1;
    json_t *res = json_pack("{s:s,s:o}", "sdp", offer.data, "participants", states);
    aula_buf_deinit(&offer);
    return res;
}

/* The ICE ufrag of the answer's first accepted section (the one whose
 * fingerprint aula_media_check_answer returned), or "". */
static const char *answer_ufrag(const aula_sdp *ans)
{
    for (size_t i = 0; i < ans->n_media; i++)
        if (ans->media[i].port != 0)
            return ans->media[i].ice_ufrag ? ans->media[i].ice_ufrag : "";
    return "";
}

/* Does an answer with this ufrag and fingerprint come from the peer
 * connection recv_transport serves? The browser never restarts ICE or DTLS
 * in an answer to aula's offer, so other ones mean a new peer connection. */
static int same_receive_connection(const aula_media_peer *peer, const char *ufrag,
                                   const aula_sdp_fingerprint *fp)
{
    /* A longer ufrag than we keep is compared by the part kept. */
    return !strncmp(ufrag, peer->recv_remote_ufrag, sizeof peer->recv_remote_ufrag - 1) &&
           fp->len == peer->recv_remote_fp.len &&
           !memcmp(fp->bytes, peer->recv_remote_fp.bytes, fp->len);
}

/* A new peer connection answered (the page restarted its media on the same
 * WebSocket): the old transport's ICE, DTLS and SRTP belong to the closed
 * connection, so it and its consumers close, and a new transport takes its
 * place. It keeps aula's ICE credentials, which the answered offer carried.
 * The live sections go back to OFFERED: the answer decides again which of
 * them get a consumer, on the new transport. */
static void replace_receive_transport(aula_media_peer *peer)
{
    AULA_LOG_INFO("media", "new receive connection", "participant=%s transport=%llu",
                  aula_participant_id(peer->p), (unsigned long long)peer->recv_transport);
    close_receive(peer);
    for (size_t i = 0; i < peer->n_slots; i++)
        if (peer->slots[i].state == AULA_SLOT_ACTIVE)
            peer->slots[i].state = AULA_SLOT_OFFERED;
    peer->recv_transport = new_id(peer->ms);
}

static void create_receive_transport(aula_media_peer *peer, const aula_sdp_fingerprint *fp,
                                     const char *ufrag)
{
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_MEDIA_TRANSPORT_CREATE;
    aula_media_transport_create *tc = &m.u.transport_create;
    tc->transport_id = peer->recv_transport;
    tc->room_key = peer->room_key;
    tc->direction = AULA_MEDIA_RECEIVE;
    snprintf(tc->ufrag, sizeof tc->ufrag, "%s", peer->recv_ufrag);
    snprintf(tc->pwd, sizeof tc->pwd, "%s", peer->recv_pwd);
    fingerprint_text(fp, tc->remote_fingerprint, sizeof tc->remote_fingerprint);
    send_msg(peer, &m);
    peer->recv_created = 1;
    snprintf(peer->recv_remote_ufrag, sizeof peer->recv_remote_ufrag, "%s", ufrag);
    peer->recv_remote_fp = *fp;
    peer->recv_remote_fp.alg = NULL; /* points into the answer */
}

static void send_preferred(aula_media_peer *peer, const aula_media_slot *sl)
{
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_MEDIA_CONSUMER_SET_PREFERRED;
    m.u.target.id = sl->consumer_id;
    m.u.target.layer = sl->pref_layer - 1;
    send_msg(peer, &m);
}

static void add_consumer(aula_media_peer *peer, aula_media_slot *sl)
{
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_MEDIA_CONSUMER_ADD;
    sl->consumer_id = new_id(peer->ms);
    m.u.consumer_add = (aula_media_consumer_add){
        .consumer_id = sl->consumer_id,
        .transport_id = peer->recv_transport,
        .producer_id = sl->producer_id,
        .ssrc = sl->ssrc,
        .payload_type = sl->kind == AULA_MEDIA_AUDIO         ? AULA_MEDIA_PT_OPUS
                        : sl->codec == AULA_MEDIA_CODEC_H264 ? AULA_MEDIA_PT_H264
                                                             : AULA_MEDIA_PT_VP8,
    };
    send_msg(peer, &m);
    sl->state = AULA_SLOT_ACTIVE;
    if (sl->kind == AULA_MEDIA_VIDEO)
        send_target(peer, AULA_MEDIA_KEYFRAME_REQUEST, sl->producer_id, 0);
    if (sl->pref_layer)
        send_preferred(peer, sl);
}

json_t *aula_media_answer(aula_media_peer *peer, json_t *params, aula_rpc_error *err)
{
    if (!peer->offer_pending)
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS,
                             "no offer is waiting for an answer: call media.subscribe first");
    aula_sdp *ans = NULL;
    if (get_sdp(params, &ans, err) != 0)
        return NULL;
    char why[200] = "";
    const aula_sdp_fingerprint *fp = NULL;
    if (aula_media_check_answer(peer, ans, &fp, why, sizeof why) != 0) {
        aula_sdp_free(ans);
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "sdp: %s", why);
    }
    const char *ufrag = answer_ufrag(ans);
    if (fp && peer->recv_created && !same_receive_connection(peer, ufrag, fp))
        replace_receive_transport(peer);
    if (fp && !peer->recv_created)
        create_receive_transport(peer, fp, ufrag);
    for (size_t i = 0; i < peer->n_slots; i++) {
        aula_media_slot *sl = &peer->slots[i];
        int accepted = ans->media[i].port != 0 && ans->media[i].dir != AULA_SDP_INACTIVE;
        if (sl->state == AULA_SLOT_OFFERED && accepted)
            add_consumer(peer, sl);
        else if (sl->state == AULA_SLOT_OFFERED || sl->state == AULA_SLOT_CLOSING)
            sl->state = AULA_SLOT_FREE;
        else if (sl->state == AULA_SLOT_ACTIVE && !accepted) {
            send_target(peer, AULA_MEDIA_CONSUMER_CLOSE, sl->consumer_id, 0);
            sl->state = AULA_SLOT_FREE;
        }
    }
    aula_sdp_free(ans);
    peer->offer_pending = 0;
    return json_object();
}

/* ---- media.setPreferredLayer ------------------------------------------ */

/* The viewer wants at most layer of the camera video of participant: each
 * slot showing it remembers that (a consumer added later gets it too), and
 * the active ones tell the worker at once. */
json_t *aula_media_set_preferred_layer(aula_media_peer *peer, json_t *params, aula_rpc_error *err)
{
    json_t *who = params ? json_object_get(params, "participant") : NULL;
    json_t *l = params ? json_object_get(params, "layer") : NULL;
    if (!json_is_string(who))
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "participant: expected a string");
    if (!json_is_integer(l) || json_integer_value(l) < 0 ||
        json_integer_value(l) >= AULA_MEDIA_MAX_LAYERS)
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "layer: expected 0, 1 or 2");
    int layer = (int)json_integer_value(l);
    const aula_media_peer *pub = NULL;
    for (const aula_media_peer *q = peer->ms->peers; q && !pub; q = q->next)
        if (same_room(q, peer) && !strcmp(aula_participant_id(q->p), json_string_value(who)))
            pub = q;
    if (!pub)
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "participant: not in this room");
    for (size_t i = 0; i < pub->n_producers; i++) {
        const aula_media_producer *pr = &pub->producers[i];
        if (pr->kind != AULA_MEDIA_VIDEO || pr->screen)
            continue;
        for (size_t k = 0; k < peer->n_slots; k++) {
            aula_media_slot *sl = &peer->slots[k];
            if (sl->producer_id != pr->id)
                continue;
            sl->pref_layer = layer + 1;
            if (sl->state == AULA_SLOT_ACTIVE)
                send_preferred(peer, sl);
        }
    }
    return json_pack("{s:s,s:i}", "participant", json_string_value(who), "layer", layer);
}

/* ---- media.pause ------------------------------------------------------ */

/* Pauses or resumes the camera or microphone producers of peer and tells
 * the room the new media state. */
static json_t *set_paused(aula_media_peer *peer, aula_media_kind kind, int paused)
{
    peer->paused[kind] = paused;
    for (size_t i = 0; i < peer->n_producers; i++)
        if (peer->producers[i].kind == kind && !peer->producers[i].screen)
            send_target(peer, AULA_MEDIA_PRODUCER_PAUSE, peer->producers[i].id, paused);
    json_t *state = media_state_json(peer);
    aula_room_notify(aula_participant_room(peer->p), "participant.media", json_incref(state), NULL);
    return state;
}

json_t *aula_media_pause(aula_media_peer *peer, json_t *params, aula_rpc_error *err)
{
    json_t *k = params ? json_object_get(params, "kind") : NULL;
    json_t *p = params ? json_object_get(params, "paused") : NULL;
    const char *ks = json_is_string(k) ? json_string_value(k) : "";
    aula_media_kind kind;
    if (!strcmp(ks, "audio"))
        kind = AULA_MEDIA_AUDIO;
    else if (!strcmp(ks, "video"))
        kind = AULA_MEDIA_VIDEO;
    else
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "kind: expected \"audio\" or \"video\"");
    if (!json_is_boolean(p))
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "paused: expected true or false");
    int paused = json_is_true(p);
    aula_track track = kind == AULA_MEDIA_AUDIO ? AULA_TRACK_AUDIO : AULA_TRACK_VIDEO;
    int allowed = 0;
    if (!paused && aula_participant_host_muted(peer->p, track, &allowed)) {
        if (!allowed)
            return aula_rpc_fail(err, AULA_RPC_FORBIDDEN,
                                 track == AULA_TRACK_AUDIO
                                     ? "a host has muted your microphone; raise your hand to "
                                       "ask to speak"
                                     : "a host has turned off your camera; raise your hand to "
                                       "ask to turn it on");
        aula_participant_clear_host_mute(peer->p, track);
    }
    return set_paused(peer, kind, paused);
}

void aula_media_force_pause(aula_media_peer *peer, aula_track track)
{
    aula_media_kind kind = track == AULA_TRACK_AUDIO ? AULA_MEDIA_AUDIO : AULA_MEDIA_VIDEO;
    json_decref(set_paused(peer, kind, 1));
}

/* ---- worker reports --------------------------------------------------- */

/* The worker heard a new loudest voice in a room (producer 0: nobody).
 * The room is told once per change of person: a repeated report, or a
 * person's other audio producer, is no change. */
static void on_active_speaker(aula_media_sig *ms, const aula_media_active_speaker *a)
{
    aula_media_peer *owner = NULL;
    for (aula_media_peer *peer = ms->peers; peer && a->producer_id; peer = peer->next)
        for (size_t i = 0; i < peer->n_producers; i++)
            if (peer->room_key == a->room_key && peer->producers[i].id == a->producer_id)
                owner = peer;
    if (a->producer_id && (!owner || owner->speaking))
        return; /* gone meanwhile, or no change */
    aula_room *room = owner ? aula_participant_room(owner->p) : NULL;
    for (aula_media_peer *peer = ms->peers; peer; peer = peer->next) {
        if (peer->room_key != a->room_key || !peer->speaking)
            continue;
        if (!room)
            room = aula_participant_room(peer->p);
        if (aula_participant_room(peer->p) == room)
            peer->speaking = 0;
    }
    if (!room)
        return; /* nobody was speaking, and nobody is */
    if (owner)
        owner->speaking = 1;
    AULA_LOG_DEBUG("media", "active speaker", "room=%s participant=%s", aula_room_id(room),
                   owner ? aula_participant_id(owner->p) : "-");
    aula_room_notify(room, "room.active_speaker",
                     owner ? speaker_json(owner) : json_pack("{s:n}", "participant"), NULL);
}

void aula_media_sig_on_report(aula_media_sig *ms, const aula_media_msg *m)
{
    if (m->type == AULA_MEDIA_ACTIVE_SPEAKER)
        on_active_speaker(ms, &m->u.active_speaker);
    if (m->type != AULA_MEDIA_TRANSPORT_STATE)
        return;
    const aula_media_transport_report *r = &m->u.transport_report;
    for (aula_media_peer *peer = ms->peers; peer; peer = peer->next) {
        int publish = peer->pub_transport == r->transport_id;
        if (!publish && !(peer->recv_created && peer->recv_transport == r->transport_id))
            continue;
        AULA_LOG_INFO("media", "transport state", "participant=%s transport=%llu state=%d",
                      aula_participant_id(peer->p), (unsigned long long)r->transport_id,
                      (int)r->state);
        if (r->state == AULA_MEDIA_TS_FAILED || r->state == AULA_MEDIA_TS_CLOSED) {
            char reason[AULA_MEDIA_REASON_MAX];
            snprintf(reason, sizeof reason, "%s",
                     r->reason[0]                       ? r->reason
                     : r->state == AULA_MEDIA_TS_FAILED ? "failed"
                                                        : "closed");
            aula_participant_notify(peer->p, "media.failed",
                                    json_pack("{s:s,s:s}", "transport",
                                              publish ? "publish" : "receive", "reason", reason));
        }
        return;
    }
}

void aula_media_unpublish(aula_media_peer *peer)
{
    if (!close_publish(peer))
        return;
    renegotiate_others(peer);
    aula_room_notify(aula_participant_room(peer->p), "participant.media", media_state_json(peer),
                     NULL);
}

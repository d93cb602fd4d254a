/* Media signaling: the JSON-RPC methods that set up a participant's audio
 * and video (media.publish, media.subscribe, media.answer, media.pause; see
 * docs/protocol.md) and the commands they send to the media worker that
 * hosts the room (sfu/media.h).
 *
 * Each participant gets an aula_media_peer with up to two transports: a
 * PUBLISH transport negotiated from the browser's offer, and a RECEIVE
 * transport for which aula writes the offers (one sendonly m-section per
 * consumer, i.e. per track another participant publishes). When producers
 * come or go, every other peer in the room is told media.renegotiate and
 * asks for a new offer itself, so offers never cross (no glare).
 *
 * Ownership: aula_media_sig -> aula_media_peer (the signaling session holds
 * the pointer and destroys the peer before its participant leaves).
 * Thread: the control thread. */
#ifndef AULA_ROOM_MEDIA_SIGNALING_H
#define AULA_ROOM_MEDIA_SIGNALING_H

#include "http/jsonrpc.h"
#include "room/room.h"
#include "sfu/media.h"

#include <jansson.h>
#include <stddef.h>

typedef struct aula_media_sig aula_media_sig;
typedef struct aula_media_peer aula_media_peer;

typedef struct aula_media_sig_config {
    const char *media_host;  /* copied: the address in aula's candidates */
    const char *fingerprint; /* copied: "AB:CD:..." sha-256 of our certificate */
    size_t n_workers;        /* > 0 */
    /* Sends m to worker number `worker` (< n_workers). */
    void (*send)(void *ud, size_t worker, const aula_media_msg *m);
    /* The UDP port worker number `worker` is bound to. */
    int (*worker_port)(void *ud, size_t worker);
    void *ud;
} aula_media_sig_config;

/* Returns a new registry, or NULL when cfg is unusable (no workers, a
 * fingerprint that is not colon-separated hex). */
aula_media_sig *aula_media_sig_create(const aula_media_sig_config *cfg);
/* Every peer must be destroyed first. NULL is a no-op. */
void aula_media_sig_destroy(aula_media_sig *ms);

/* The peer of participant p (borrowed; p must outlive the peer). */
aula_media_peer *aula_media_peer_create(aula_media_sig *ms, aula_participant *p);
/* Closes the peer's transports, producers and consumers on the worker and
 * the consumers other peers had of its producers (those peers are told
 * media.renegotiate). Call before the participant leaves. NULL is a no-op. */
void aula_media_peer_destroy(aula_media_peer *peer);

/* The methods, with the conventions of aula_rpc_method_fn. */
json_t *aula_media_publish(aula_media_peer *peer, json_t *params, aula_rpc_error *err);
json_t *aula_media_subscribe(aula_media_peer *peer, json_t *params, aula_rpc_error *err);
json_t *aula_media_answer(aula_media_peer *peer, json_t *params, aula_rpc_error *err);
json_t *aula_media_pause(aula_media_peer *peer, json_t *params, aula_rpc_error *err);
/* media.pause refuses to resume a track a host muted (aula_participant_
 * host_muted) unless the host allowed it (-32006); resuming an allowed one
 * ends the host mute. */

/* A host muted peer's microphone or camera: its producers of that kind
 * pause on the worker (and the ones it publishes later start paused), and
 * the room gets participant.media. */
void aula_media_force_pause(aula_media_peer *peer, aula_track track);

/* Closes peer's publish transport and producers (the others' consumers of
 * them go and they are told media.renegotiate; the room gets
 * participant.media). Its receive side stays. For a webinar presenter a
 * host took off the stage. */
void aula_media_unpublish(aula_media_peer *peer);

/* media.setPreferredLayer {participant, layer}: the highest simulcast layer
 * of that participant's camera the caller wants (docs/protocol.md). */
json_t *aula_media_set_preferred_layer(aula_media_peer *peer, json_t *params, aula_rpc_error *err);

/* A report from a worker (TRANSPORT_STATE, ACTIVE_SPEAKER). */
void aula_media_sig_on_report(aula_media_sig *ms, const aula_media_msg *m);

#endif

/* The sessions behind signaling, shared by the files that implement its
 * methods (signaling.c, signaling_join.c, signaling_host.c,
 * signaling_webinar.c). Nothing else
 * includes this. Thread: the control thread. */
#ifndef AULA_ROOM_SIGNALING_INTERNAL_H
#define AULA_ROOM_SIGNALING_INTERNAL_H

#include "auth/join_token.h"
#include "http/jsonrpc.h"
#include "room/lobby.h"
#include "room/signaling.h"

typedef struct aula__webinar_sig aula__webinar_sig;

/* A simple token bucket: burst at once, then one more every refill_ms. */
typedef struct aula__bucket {
    double tokens;
    uint64_t refill_at;
} aula__bucket;

typedef struct aula__session {
    aula_signaling *sig;           /* borrowed: owns the session */
    aula_ws_conn *conn;            /* weak: cleared by on_ws_closed */
    aula_participant *participant; /* owned through the room; NULL before join */
    aula_waiter *waiter;           /* owned through the room's lobby; NULL unless waiting */
    aula_media_peer *media;        /* owned; NULL until the first media.* call */
    /* Who this session is: from its join token, or made up for a join
     * without one (then role participant and no expiry). */
    aula_join_claims who;
    int64_t token_exp_ms; /* expiry of the session's newest token; 0: none */
    aula__bucket chat, reactions;
    /* A close asked for while the session's own request runs: done after
     * the response is sent (room.end by a host ends its own connection
     * too, after telling it the result). */
    int close_code;
    char close_reason[64];
    struct aula__session *prev, *next;
} aula__session;

struct aula_signaling {
    uv_loop_t *loop;   /* borrowed */
    aula_rooms *rooms; /* borrowed */
    aula_signaling_config cfg;
    aula__session *sessions; /* owned */
    size_t n_sessions;
    uint64_t chat_total;
    aula__session *current;       /* the session whose message is being handled */
    void (*all_closed)(void *ud); /* set by aula_signaling_close_all */
    void *all_closed_ud;
    aula__webinar_sig *webinar; /* owned: signaling_webinar.c's flush timer */
};

/* Closes the session's connection with code and reason (after the current
 * response when it is the session being served). */
void aula__session_close(aula__session *s, int code, const char *reason);

/* The sinks a session gives the room and the lobby. */
extern const aula_participant_sink aula__session_sink;
extern const aula_waiter_sink aula__waiter_sink;

/* Issues a token for the session's person with role and admitted, now;
 * *out (aula_free) and *exp_ms. Updates the session's expiry. Returns 0,
 * or -1 with err filled in (no signer). */
int aula__session_token(aula__session *s, aula_role role, int admitted, char **out, int64_t *exp_ms,
                        aula_rpc_error *err);

/* The joined session's participant, after checking its token has not
 * expired; NULL with err filled in. */
aula_participant *aula__session_joined(aula__session *s, aula_rpc_error *err);

/* Token bucket check with the chat limits of the config: 1 when allowed. */
int aula__bucket_take(aula__session *s, aula__bucket *b);

/* A page of chat as seen by viewer, oldest first, in *messages. Returns 0,
 * or -1 with err filled in. */
int aula__chat_page_json(aula_store *store, const char *room_id, int64_t before, size_t limit,
                         const aula_participant *viewer, json_t **messages, int *has_more,
                         aula_rpc_error *err);

/* Reads the string parameter key, cleaned by the text rules (text.h).
 * Returns 0, or -1 with err filled in. */
int aula__clean_param(json_t *params, const char *key, size_t max_chars, char **out,
                      aula_rpc_error *err);

/* params["participant"] as a participant id string (no NUL inside), or
 * NULL with err filled in (invalid params). Points into params. */
const char *aula__participant_param(json_t *params, aula_rpc_error *err);

/* params[key] as 0/1; dflt when absent (dflt < 0: required), or -1 with
 * err filled in (invalid params). */
int aula__bool_param(json_t *params, const char *key, int dflt, aula_rpc_error *err);

/* A room logic return code (host_controls.h, webinar.h, qa.h, polls.h) as
 * a method's result. On 0 returns res (taken; NULL gives {}). Otherwise
 * drops res and returns NULL with err filled in from why: AULA_EPERM and
 * AULA_EEXIST are forbidden, AULA_EAGAIN rate limited, AULA_EINVAL and
 * AULA_ENOENT invalid params, anything else a store failure ("try again"
 * when why is empty). */
json_t *aula__rpc_outcome(int rc, json_t *res, const char *why, aula_rpc_error *err);

/* The methods of signaling_join.c and signaling_host.c. */
json_t *aula__m_room_join(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_token_refresh(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_host_mute(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_host_remove(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_host_set_role(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_room_lock(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_room_set_lobby(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_room_end(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_lobby_admit(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_lobby_decline(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_hand_raise(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_hand_lower(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_reaction_send(void *ctx, json_t *params, aula_rpc_error *err);

/* signaling_webinar.c: the flush timer of webinar.h (created with the
 * signaling; destroy closes its handle, freed once the loop runs) and the
 * webinar methods. */
aula__webinar_sig *aula__webinar_sig_create(aula_signaling *sig);
void aula__webinar_sig_destroy(aula__webinar_sig *ws);
json_t *aula__m_room_set_chat_mode(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_stage_invite(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_stage_remove(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_qa_ask(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_qa_upvote(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_qa_answer(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_qa_hide(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_qa_list(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_poll_create(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_poll_open(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_poll_close(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_poll_show_results(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_poll_vote(void *ctx, json_t *params, aula_rpc_error *err);
json_t *aula__m_poll_list(void *ctx, json_t *params, aula_rpc_error *err);

#endif

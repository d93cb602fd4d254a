#include "room/signaling.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "http/jsonrpc.h"
#include "http/websocket.h"
#include "room/signaling_internal.h"
#include "room/text.h"
#include "room/webinar.h"

#include <stdio.h>
#include <string.h>

#define HISTORY_DEFAULT 50
#define HISTORY_MAX 100

typedef aula__session session;

aula_signaling *aula_signaling_create(uv_loop_t *loop, aula_rooms *rooms,
                                      const aula_signaling_config *cfg)
{
    aula_signaling *sig = aula_calloc(1, sizeof *sig);
    sig->loop = loop;
    sig->rooms = rooms;
    sig->cfg = *cfg;
    if (!sig->cfg.chat_burst)
        sig->cfg.chat_burst = 10;
    if (!sig->cfg.chat_refill_ms)
        sig->cfg.chat_refill_ms = 1000;
    sig->webinar = aula__webinar_sig_create(sig);
    return sig;
}

void aula_signaling_destroy(aula_signaling *sig)
{
    if (!sig)
        return;
    if (sig->n_sessions)
        AULA_LOG_ERROR("signaling", "sessions still open at destroy", "sessions=%zu",
                       sig->n_sessions);
    aula__webinar_sig_destroy(sig->webinar);
    aula_free(sig);
}

size_t aula_signaling_sessions(const aula_signaling *sig)
{
    return sig->n_sessions;
}

uint64_t aula_signaling_chat_total(const aula_signaling *sig)
{
    return sig->chat_total;
}

/* ---- helpers ---------------------------------------------------------- */

static json_t *chat_json(const char *participant_id, const char *name, const char *text,
                         int to_hosts, int64_t seq, int64_t ts_ms)
{
    return json_pack("{s:I,s:{s:s,s:s},s:s,s:s,s:I}", "seq", (json_int_t)seq, "from", "id",
                     participant_id, "name", name, "text", text, "to",
                     to_hosts ? "hosts" : "everyone", "ts", (json_int_t)ts_ms);
}

int aula__clean_param(json_t *params, const char *key, size_t max_chars, char **out,
                      aula_rpc_error *err)
{
    json_t *v = params ? json_object_get(params, key) : NULL;
    if (!json_is_string(v)) {
        aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "%s: expected a string", key);
        return -1;
    }
    char why[96];
    if (aula_text_clean(json_string_value(v), json_string_length(v), max_chars, out, why,
                        sizeof why) != 0) {
        aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "%s %s", key, why);
        return -1;
    }
    return 0;
}

const char *aula__participant_param(json_t *params, aula_rpc_error *err)
{
    json_t *v = params ? json_object_get(params, "participant") : NULL;
    if (!json_is_string(v) || json_string_length(v) != strlen(json_string_value(v))) {
        aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "participant: expected a participant id");
        return NULL;
    }
    return json_string_value(v);
}

int aula__bool_param(json_t *params, const char *key, int dflt, aula_rpc_error *err)
{
    json_t *v = params ? json_object_get(params, key) : NULL;
    if (!v && dflt >= 0)
        return dflt;
    if (!json_is_boolean(v)) {
        aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "%s: expected true or false", key);
        return -1;
    }
    return json_is_true(v);
}

json_t *aula__rpc_outcome(int rc, json_t *res, const char *why, aula_rpc_error *err)
{
    if (rc == 0)
        return res ? res : json_object();
    json_decref(res);
    switch (rc) {
    case AULA_EPERM:
    case AULA_EEXIST:
        return aula_rpc_fail(err, AULA_RPC_FORBIDDEN, "%s", why);
    case AULA_EAGAIN:
        return aula_rpc_fail(err, AULA_RPC_RATE_LIMITED, "%s", why);
    case AULA_EINVAL:
    case AULA_ENOENT:
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "%s", why);
    default:
        return aula_rpc_fail(err, AULA_RPC_STORE_FAILED, "%s", why[0] ? why : "try again");
    }
}

int aula__chat_page_json(aula_store *store, const char *room_id, int64_t before, size_t limit,
                         const aula_participant *viewer, json_t **messages, int *has_more,
                         aula_rpc_error *err)
{
    /* One extra line tells whether an older page exists. */
    aula_chat_rec *recs = NULL;
    size_t n = 0;
    if (aula_store_chat_page(store, room_id, before, limit + 1, aula_participant_id(viewer),
                             aula_participant_is_host(viewer), &recs, &n) != 0) {
        aula_rpc_fail(err, AULA_RPC_STORE_FAILED, "could not read the chat history");
        return -1;
    }
    *has_more = n > limit;
    size_t first = *has_more ? 1 : 0;
    *messages = json_array();
    for (size_t i = first; i < n; i++)
        json_array_append_new(*messages,
                              chat_json(recs[i].participant_id, recs[i].name, recs[i].text,
                                        recs[i].to_hosts, recs[i].seq, recs[i].ts_ms));
    aula_chat_recs_free(recs, n);
    return 0;
}

int aula__bucket_take(aula__session *s, aula__bucket *b)
{
    const aula_signaling_config *cfg = &s->sig->cfg;
    uint64_t now = uv_now(s->sig->loop);
    if (b->refill_at == 0) {
        b->tokens = cfg->chat_burst;
        b->refill_at = now;
    }
    double gained = (double)(now - b->refill_at) / cfg->chat_refill_ms;
    b->refill_at = now;
    b->tokens += gained;
    if (b->tokens > cfg->chat_burst)
        b->tokens = cfg->chat_burst;
    if (b->tokens < 1.0)
        return 0;
    b->tokens -= 1.0;
    return 1;
}

aula_participant *aula__session_joined(aula__session *s, aula_rpc_error *err)
{
    if (!s->participant) {
        aula_rpc_fail(err, AULA_RPC_NOT_JOINED, "not in a room: call room.join first");
        return NULL;
    }
    if (s->token_exp_ms && aula_wall_ms() >= s->token_exp_ms) {
        aula_rpc_fail(err, AULA_RPC_BAD_TOKEN, "the join token has expired: join again");
        return NULL;
    }
    return s->participant;
}

int aula__session_token(aula__session *s, aula_role role, int admitted, char **out, int64_t *exp_ms,
                        aula_rpc_error *err)
{
    if (!s->sig->cfg.signer) {
        aula_rpc_fail(err, AULA_RPC_INTERNAL_ERROR, "join tokens are not available on this server");
        return -1;
    }
    aula_join_claims c = s->who;
    c.role = role;
    c.admitted = admitted;
    if (aula_join_token_issue(s->sig->cfg.signer, &c, aula_wall_ms(), out) != 0) {
        aula_rpc_fail(err, AULA_RPC_INTERNAL_ERROR, "could not make a join token");
        return -1;
    }
    s->who.iat_s = c.iat_s;
    s->who.exp_s = c.exp_s;
    s->token_exp_ms = c.exp_s * 1000;
    *exp_ms = s->token_exp_ms;
    return 0;
}

void aula__session_close(aula__session *s, int code, const char *reason)
{
    if (!s->conn)
        return;
    if (s == s->sig->current) {
        s->close_code = code;
        snprintf(s->close_reason, sizeof s->close_reason, "%s", reason);
        return;
    }
    aula_ws_conn_close(s->conn, (uint16_t)code, reason);
}

/* ---- sinks ------------------------------------------------------------ */

static void deliver_to_session(void *ud, const char *text, size_t len)
{
    session *s = ud;
    if (s->conn)
        aula_ws_conn_send_text(s->conn, text, len);
}

/* The media peer of a joined session, created on first use; NULL when this
 * server has no media. */
static aula_media_peer *ensure_media(session *s)
{
    if (!s->media && s->sig->cfg.media)
        s->media = aula_media_peer_create(s->sig->cfg.media, s->participant);
    return s->media;
}

static void session_force_pause(void *ud, aula_track track)
{
    session *s = ud;
    aula_media_peer *peer = ensure_media(s);
    if (peer)
        aula_media_force_pause(peer, track);
}

/* Media first: the peer borrows the participant, which goes next. */
static void session_detach(void *ud, int code, const char *reason)
{
    session *s = ud;
    aula_media_peer_destroy(s->media);
    s->media = NULL;
    s->participant = NULL;
    aula__session_close(s, code, reason);
}

static void session_role_changed(void *ud)
{
    session *s = ud;
    aula_participant *p = s->participant;
    json_t *params =
        json_pack("{s:{s:s,s:s,s:s}}", "participant", "id", aula_participant_id(p), "name",
                  aula_participant_name(p), "role", aula_role_name(aula_participant_role(p)));
    char *token = NULL;
    int64_t exp = 0;
    aula_rpc_error ignored;
    if (aula__session_token(s, aula_participant_role(p), 1, &token, &exp, &ignored) == 0) {
        json_object_set_new(params, "token", json_string(token));
        json_object_set_new(params, "expires", json_integer(exp));
        aula_free(token);
    }
    aula_participant_notify(p, "participant.role", params);
    /* Off the stage of a webinar: whatever it published stops now. */
    if (s->media && !aula_webinar_may_publish(p))
        aula_media_unpublish(s->media);
}

const aula_participant_sink aula__session_sink = {
    .deliver = deliver_to_session,
    .force_pause = session_force_pause,
    .detach = session_detach,
    .role_changed = session_role_changed,
};

static void waiter_admitted(void *ud)
{
    session *s = ud;
    s->waiter = NULL;
    json_t *params = json_object();
    char *token = NULL;
    int64_t exp = 0;
    aula_rpc_error ignored;
    if (aula__session_token(s, AULA_ROLE_PARTICIPANT, 1, &token, &exp, &ignored) == 0) {
        json_object_set_new(params, "token", json_string(token));
        json_object_set_new(params, "expires", json_integer(exp));
        aula_free(token);
    }
    char *text = aula_rpc_notification("lobby.admitted", params);
    deliver_to_session(s, text, strlen(text));
    aula_free(text);
}

static void waiter_detach(void *ud, int code, const char *reason)
{
    session *s = ud;
    s->waiter = NULL;
    aula__session_close(s, code, reason);
}

const aula_waiter_sink aula__waiter_sink = {
    .deliver = deliver_to_session,
    .admitted = waiter_admitted,
    .detach = waiter_detach,
};

/* ---- methods ---------------------------------------------------------- */

/* Leaves the room: media first (the others' consumers of our tracks go),
 * then the participant. */
static void leave_room(session *s)
{
    aula_media_peer_destroy(s->media);
    s->media = NULL;
    aula_participant *p = s->participant;
    s->participant = NULL;
    aula_participant_leave(p, aula_wall_ms());
}

static json_t *m_room_leave(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    (void)params;
    if (s->waiter) {
        aula_waiter *w = s->waiter;
        s->waiter = NULL;
        aula_waiter_leave(w);
        return json_object();
    }
    if (!s->participant)
        return aula_rpc_fail(err, AULA_RPC_NOT_JOINED, "not in a room: call room.join first");
    leave_room(s);
    return json_object();
}

/* The media peer of a joined session, created on first use; NULL with err
 * filled in. */
static aula_media_peer *media_peer(session *s, aula_rpc_error *err)
{
    if (!s->participant) {
        aula_rpc_fail(err, AULA_RPC_NOT_JOINED, "not in a room: call room.join first");
        return NULL;
    }
    if (!ensure_media(s)) {
        aula_rpc_fail(err, AULA_RPC_INTERNAL_ERROR, "media is not available on this server");
        return NULL;
    }
    return s->media;
}

static json_t *m_media_publish(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    if (s->participant && !aula_webinar_may_publish(s->participant))
        return aula_rpc_fail(err, AULA_RPC_FORBIDDEN,
                             "attendees cannot publish; a host can bring you on stage");
    aula_media_peer *peer = media_peer(ctx, err);
    return peer ? aula_media_publish(peer, params, err) : NULL;
}

static json_t *m_media_subscribe(void *ctx, json_t *params, aula_rpc_error *err)
{
    aula_media_peer *peer = media_peer(ctx, err);
    return peer ? aula_media_subscribe(peer, params, err) : NULL;
}

static json_t *m_media_answer(void *ctx, json_t *params, aula_rpc_error *err)
{
    aula_media_peer *peer = media_peer(ctx, err);
    return peer ? aula_media_answer(peer, params, err) : NULL;
}

static json_t *m_media_pause(void *ctx, json_t *params, aula_rpc_error *err)
{
    aula_media_peer *peer = media_peer(ctx, err);
    return peer ? aula_media_pause(peer, params, err) : NULL;
}

static json_t *m_media_set_preferred_layer(void *ctx, json_t *params, aula_rpc_error *err)
{
    aula_media_peer *peer = media_peer(ctx, err);
    return peer ? aula_media_set_preferred_layer(peer, params, err) : NULL;
}

/* chat.send's `to`: 0 everyone (the default), 1 hosts; -1 with err. */
static int chat_to(json_t *params, aula_rpc_error *err)
{
    json_t *v = params ? json_object_get(params, "to") : NULL;
    if (!v || (json_is_string(v) && !strcmp(json_string_value(v), "everyone")))
        return 0;
    if (json_is_string(v) && !strcmp(json_string_value(v), "hosts"))
        return 1;
    aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "to: expected \"everyone\" or \"hosts\"");
    return -1;
}

static json_t *m_chat_send(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    if (!s->participant)
        return aula_rpc_fail(err, AULA_RPC_NOT_JOINED, "not in a room: call room.join first");
    int to_hosts = chat_to(params, err);
    if (to_hosts < 0)
        return NULL;
    char *text = NULL;
    if (aula__clean_param(params, "text", AULA_CHAT_MAX_CHARS, &text, err) != 0)
        return NULL;
    if (!aula__bucket_take(s, &s->chat)) {
        aula_free(text);
        return aula_rpc_fail(err, AULA_RPC_RATE_LIMITED,
                             "too many messages: wait a moment and send again");
    }
    aula_participant *p = s->participant;
    aula_room *r = aula_participant_room(p);
    char why[96] = "";
    if (aula_webinar_chat_route(p, &to_hosts, why, sizeof why) != 0) {
        aula_free(text);
        return aula_rpc_fail(err, AULA_RPC_FORBIDDEN, "%s", why);
    }
    int64_t now = aula_wall_ms();
    int64_t seq = 0;
    /* Stored before anyone hears of it: an acknowledged line survives. */
    if (aula_store_chat_append(aula_room_store(r), aula_room_id(r), aula_participant_id(p),
                               aula_participant_name(p), text, to_hosts, now, &seq) != 0) {
        aula_free(text);
        return aula_rpc_fail(err, AULA_RPC_STORE_FAILED, "the message was not stored, try again");
    }
    s->sig->chat_total++;
    json_t *msg =
        chat_json(aula_participant_id(p), aula_participant_name(p), text, to_hosts, seq, now);
    aula_free(text);
    if (to_hosts)
        aula_room_notify_hosts(r, "chat.message", json_incref(msg), p);
    else
        aula_room_notify(r, "chat.message", json_incref(msg), p);
    return msg;
}

static json_t *m_chat_history(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    if (!s->participant)
        return aula_rpc_fail(err, AULA_RPC_NOT_JOINED, "not in a room: call room.join first");
    json_int_t before = 0, limit = HISTORY_DEFAULT;
    json_t *b = params ? json_object_get(params, "before") : NULL;
    json_t *l = params ? json_object_get(params, "limit") : NULL;
    if (b && (!json_is_integer(b) || json_integer_value(b) < 1))
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "before: expected a positive integer");
    if (l &&
        (!json_is_integer(l) || json_integer_value(l) < 1 || json_integer_value(l) > HISTORY_MAX))
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS,
                             "limit: expected an integer from 1 to %d", HISTORY_MAX);
    if (b)
        before = json_integer_value(b);
    if (l)
        limit = json_integer_value(l);
    aula_room *r = aula_participant_room(s->participant);
    json_t *messages = NULL;
    int has_more = 0;
    if (aula__chat_page_json(aula_room_store(r), aula_room_id(r), before, (size_t)limit,
                             s->participant, &messages, &has_more, err) != 0)
        return NULL;
    return json_pack("{s:o,s:b}", "messages", messages, "has_more", has_more);
}

static const aula_rpc_method methods[] = {
    {"room.join", aula__m_room_join},
    {"room.leave", m_room_leave},
    {"token.refresh", aula__m_token_refresh},
    {"chat.send", m_chat_send},
    {"chat.history", m_chat_history},
    {"media.publish", m_media_publish},
    {"media.subscribe", m_media_subscribe},
    {"media.answer", m_media_answer},
    {"media.pause", m_media_pause},
    {"media.setPreferredLayer", m_media_set_preferred_layer},
    {"host.mute", aula__m_host_mute},
    {"host.remove", aula__m_host_remove},
    {"host.setRole", aula__m_host_set_role},
    {"room.lock", aula__m_room_lock},
    {"room.setLobby", aula__m_room_set_lobby},
    {"room.end", aula__m_room_end},
    {"lobby.admit", aula__m_lobby_admit},
    {"lobby.decline", aula__m_lobby_decline},
    {"hand.raise", aula__m_hand_raise},
    {"hand.lower", aula__m_hand_lower},
    {"reaction.send", aula__m_reaction_send},
    /* webinars (signaling_webinar.c) */
    {"room.setChatMode", aula__m_room_set_chat_mode},
    {"stage.invite", aula__m_stage_invite},
    {"stage.remove", aula__m_stage_remove},
    {"qa.ask", aula__m_qa_ask},
    {"qa.upvote", aula__m_qa_upvote},
    {"qa.answer", aula__m_qa_answer},
    {"qa.hide", aula__m_qa_hide},
    {"qa.list", aula__m_qa_list},
    {"poll.create", aula__m_poll_create},
    {"poll.open", aula__m_poll_open},
    {"poll.close", aula__m_poll_close},
    {"poll.showResults", aula__m_poll_show_results},
    {"poll.vote", aula__m_poll_vote},
    {"poll.list", aula__m_poll_list},
};

/* ---- connection glue -------------------------------------------------- */

static void on_ws_text(void *ud, aula_ws_conn *c, const char *data, size_t len)
{
    session *s = ud;
    s->sig->current = s;
    char *reply = aula_rpc_handle(methods, sizeof methods / sizeof methods[0], s, data, len);
    s->sig->current = NULL;
    if (reply) {
        aula_ws_conn_send_text(c, reply, strlen(reply));
        aula_free(reply);
    }
    if (s->close_code) {
        int code = s->close_code;
        s->close_code = 0;
        aula_ws_conn_close(c, (uint16_t)code, s->close_reason);
    }
}

static void on_ws_closed(void *ud, aula_ws_conn *c)
{
    session *s = ud;
    (void)c;
    s->conn = NULL;
    if (s->participant)
        leave_room(s);
    if (s->waiter) {
        aula_waiter *w = s->waiter;
        s->waiter = NULL;
        aula_waiter_leave(w);
    }
    aula_signaling *sig = s->sig;
    if (s->prev)
        s->prev->next = s->next;
    else
        sig->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    sig->n_sessions--;
    aula_free(s);
    if (sig->n_sessions == 0 && sig->all_closed) {
        void (*done)(void *) = sig->all_closed;
        sig->all_closed = NULL;
        done(sig->all_closed_ud);
    }
}

void aula_signaling_accept(aula_signaling *sig, aula_http_request *req)
{
    static const aula_ws_conn_cb cb = {on_ws_text, on_ws_closed};
    session *s = aula_calloc(1, sizeof *s);
    s->sig = sig;
    if (aula_ws_conn_accept(req, sig->loop, &sig->cfg.ws, &cb, s, &s->conn) != 0) {
        aula_free(s);
        return;
    }
    s->next = sig->sessions;
    if (sig->sessions)
        sig->sessions->prev = s;
    sig->sessions = s;
    sig->n_sessions++;
}

void aula_signaling_close_all(aula_signaling *sig, void (*done)(void *ud), void *ud)
{
    if (sig->n_sessions == 0) {
        done(ud);
        return;
    }
    sig->all_closed = done;
    sig->all_closed_ud = ud;
    for (session *s = sig->sessions; s; s = s->next)
        if (s->conn)
            aula_ws_conn_close(s->conn, AULA_WS_CLOSE_GOING_AWAY, "server shutting down");
}

#include "room/signaling.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "http/jsonrpc.h"
#include "http/websocket.h"
#include "room/text.h"

#include <string.h>

#define HISTORY_DEFAULT 50
#define HISTORY_MAX 100

typedef struct session {
    aula_signaling *sig;           /* borrowed: owns the session */
    aula_ws_conn *conn;            /* weak: cleared by on_ws_closed */
    aula_participant *participant; /* owned through the room; NULL before join */
    aula_media_peer *media;        /* owned; NULL until the first media.* call */
    double chat_tokens;
    uint64_t chat_refill_at;
    struct session *prev, *next;
} session;

struct aula_signaling {
    uv_loop_t *loop;   /* borrowed */
    aula_rooms *rooms; /* borrowed */
    aula_signaling_config cfg;
    session *sessions; /* owned */
    size_t n_sessions;
    uint64_t chat_total;
    void (*all_closed)(void *ud); /* set by aula_signaling_close_all */
    void *all_closed_ud;
};

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
    return sig;
}

void aula_signaling_destroy(aula_signaling *sig)
{
    if (!sig)
        return;
    if (sig->n_sessions)
        AULA_LOG_ERROR("signaling", "sessions still open at destroy", "sessions=%zu",
                       sig->n_sessions);
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
                         int64_t seq, int64_t ts_ms)
{
    return json_pack("{s:I,s:{s:s,s:s},s:s,s:I}", "seq", (json_int_t)seq, "from", "id",
                     participant_id, "name", name, "text", text, "ts", (json_int_t)ts_ms);
}

/* Reads the string parameter `key`, cleaned by the text rules. Returns 0,
 * or -1 with err filled in. */
static int clean_param(json_t *params, const char *key, size_t max_chars, char **out,
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

/* A page of chat as a JSON array, oldest first. Returns 0, or -1 with err
 * filled in. */
static int chat_page_json(aula_store *store, const char *room_id, int64_t before, size_t limit,
                          json_t **messages, int *has_more, aula_rpc_error *err)
{
    /* One extra line tells whether an older page exists. */
    aula_chat_rec *recs = NULL;
    size_t n = 0;
    if (aula_store_chat_page(store, room_id, before, limit + 1, NULL, 1, &recs, &n) != 0) {
        aula_rpc_fail(err, AULA_RPC_STORE_FAILED, "could not read the chat history");
        return -1;
    }
    *has_more = n > limit;
    size_t first = *has_more ? 1 : 0;
    *messages = json_array();
    for (size_t i = first; i < n; i++)
        json_array_append_new(*messages, chat_json(recs[i].participant_id, recs[i].name,
                                                   recs[i].text, recs[i].seq, recs[i].ts_ms));
    aula_chat_recs_free(recs, n);
    return 0;
}

static void deliver_to_session(void *ud, const char *text, size_t len)
{
    session *s = ud;
    if (s->conn)
        aula_ws_conn_send_text(s->conn, text, len);
}

/* ---- methods ---------------------------------------------------------- */

static json_t *m_room_join(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    if (s->participant)
        return aula_rpc_fail(err, AULA_RPC_ALREADY_JOINED,
                             "already in a room: one connection is one participant");
    json_t *room_v = params ? json_object_get(params, "room") : NULL;
    if (!json_is_string(room_v))
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "room: expected a room id string");
    const char *room_id = json_string_value(room_v);
    if (json_string_length(room_v) != strlen(room_id) || !aula_room_id_valid(room_id))
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS,
                             "room: not a room id (they look like abc-defg-hjk)");
    char *name = NULL;
    if (clean_param(params, "name", AULA_NAME_MAX_CHARS, &name, err) != 0)
        return NULL;

    static const aula_participant_sink sink = {deliver_to_session};
    aula_participant *p = NULL;
    int rc = aula_rooms_join(s->sig->rooms, room_id, name, &sink, s, aula_wall_ms(), &p);
    aula_free(name);
    if (rc == AULA_ENOENT)
        return aula_rpc_fail(err, AULA_RPC_ROOM_NOT_FOUND, "room not found");
    if (rc != 0)
        return aula_rpc_fail(err, AULA_RPC_STORE_FAILED, "could not join the room, try again");
    s->participant = p;

    aula_room *r = aula_participant_room(p);
    json_t *chat = NULL;
    int has_more = 0;
    aula_rpc_error history_err;
    if (chat_page_json(aula_room_store(r), aula_room_id(r), 0, HISTORY_DEFAULT, &chat, &has_more,
                       &history_err) != 0) {
        /* The join stands; the page can fetch the history again. */
        chat = json_array();
        has_more = 1;
    }
    AULA_LOG_DEBUG("signaling", "joined", "room=%s participant=%s", aula_room_id(r),
                   aula_participant_id(p));
    return json_pack("{s:o,s:{s:s,s:s},s:o,s:o,s:b}", "participant", aula_participant_json(p),
                     "room", "id", aula_room_id(r), "title", aula_room_title(r), "participants",
                     aula_room_participants_json(r), "chat", chat, "chat_has_more", has_more);
}

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
    if (!s->sig->cfg.media) {
        aula_rpc_fail(err, AULA_RPC_INTERNAL_ERROR, "media is not available on this server");
        return NULL;
    }
    if (!s->media)
        s->media = aula_media_peer_create(s->sig->cfg.media, s->participant);
    return s->media;
}

static json_t *m_media_publish(void *ctx, json_t *params, aula_rpc_error *err)
{
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

/* Token bucket: chat_burst lines at once, one more every chat_refill_ms. */
static int chat_allowed(session *s)
{
    const aula_signaling_config *cfg = &s->sig->cfg;
    uint64_t now = uv_now(s->sig->loop);
    if (s->chat_refill_at == 0) {
        s->chat_tokens = cfg->chat_burst;
        s->chat_refill_at = now;
    }
    double gained = (double)(now - s->chat_refill_at) / cfg->chat_refill_ms;
    s->chat_refill_at = now;
    s->chat_tokens += gained;
    if (s->chat_tokens > cfg->chat_burst)
        s->chat_tokens = cfg->chat_burst;
    if (s->chat_tokens < 1.0)
        return 0;
    s->chat_tokens -= 1.0;
    return 1;
}

static json_t *m_chat_send(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    if (!s->participant)
        return aula_rpc_fail(err, AULA_RPC_NOT_JOINED, "not in a room: call room.join first");
    char *text = NULL;
    if (clean_param(params, "text", AULA_CHAT_MAX_CHARS, &text, err) != 0)
        return NULL;
    if (!chat_allowed(s)) {
        aula_free(text);
        return aula_rpc_fail(err, AULA_RPC_RATE_LIMITED,
                             "too many messages: wait a moment and send again");
    }
    aula_participant *p = s->participant;
    aula_room *r = aula_participant_room(p);
    int64_t now = aula_wall_ms();
    int64_t seq = 0;
    /* Stored before anyone hears of it: an acknowledged line survives. */
    if (aula_store_chat_append(aula_room_store(r), aula_room_id(r), aula_participant_id(p),
                               aula_participant_name(p), text, 0, now, &seq) != 0) {
        aula_free(text);
        return aula_rpc_fail(err, AULA_RPC_STORE_FAILED, "the message was not stored, try again");
    }
    s->sig->chat_total++;
    json_t *msg = chat_json(aula_participant_id(p), aula_participant_name(p), text, seq, now);
    aula_free(text);
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
    if (chat_page_json(aula_room_store(r), aula_room_id(r), before, (size_t)limit, &messages,
                       &has_more, err) != 0)
        return NULL;
    return json_pack("{s:o,s:b}", "messages", messages, "has_more", has_more);
}

static const aula_rpc_method methods[] = {
    {"room.join", m_room_join},
    {"room.leave", m_room_leave},
    {"chat.send", m_chat_send},
    {"chat.history", m_chat_history},
    {"media.publish", m_media_publish},
    {"media.subscribe", m_media_subscribe},
    {"media.answer", m_media_answer},
    {"media.pause", m_media_pause},
    {"media.setPreferredLayer", m_media_set_preferred_layer},
};

/* ---- connection glue -------------------------------------------------- */

static void on_ws_text(void *ud, aula_ws_conn *c, const char *data, size_t len)
{
    session *s = ud;
    char *reply = aula_rpc_handle(methods, sizeof methods / sizeof methods[0], s, data, len);
    if (reply) {
        aula_ws_conn_send_text(c, reply, strlen(reply));
        aula_free(reply);
    }
}

static void on_ws_closed(void *ud, aula_ws_conn *c)
{
    session *s = ud;
    (void)c;
    s->conn = NULL;
    if (s->participant)
        leave_room(s);
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

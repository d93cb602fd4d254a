/* The Janus videoroom plugin's signaling (Janus 1.x WebSocket transport,
 * subprotocol "janus-protocol") for one simulated participant: a session,
 * a publisher handle that joins and publishes our offer, and a subscriber
 * handle that joins with the feeds to watch, answers Janus's offer and
 * starts. Janus runs with ice_lite so the same controlling ICE agent as
 * against aula works. */
#include "hammer.h"

#include "core/alloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEPALIVE_MS 15000

/* What the pending request of a client was, carried in its transaction. */
enum {
    T_CREATE = 1,
    T_ATTACH_PUB,
    T_ATTACH_SUB,
    T_JOIN_PUB,
    T_PUBLISH,
    T_JOIN_SUB,
    T_START,
    T_ROOM,
    T_KEEPALIVE
};

static void send_janus(hm_client *c, json_t *msg, int t)
{
    char tx[16];
    snprintf(tx, sizeof tx, "t%d", t);
    json_object_set_new(msg, "transaction", json_string(tx));
    if (c->session)
        json_object_set_new(msg, "session_id", json_integer((json_int_t)c->session));
    char *text = json_dumps(msg, JSON_COMPACT);
    hm_ws_send(c->ws, text, strlen(text));
    free(text);
    json_decref(msg);
}

static void send_message(hm_client *c, uint64_t handle, json_t *body, json_t *jsep, int t)
{
    json_t *m = json_pack("{s:s, s:I, s:o}", "janus", "message", "handle_id", (json_int_t)handle,
                          "body", body);
    if (jsep)
        json_object_set_new(m, "jsep", jsep);
    send_janus(c, m, t);
}

static void attach(hm_client *c, int t)
{
    send_janus(c, json_pack("{s:s, s:s}", "janus", "attach", "plugin", "janus.plugin.videoroom"),
               t);
}

static json_int_t room_id(hm_client *c)
{
    return (json_int_t)atoll(c->h->opt.room);
}

static void join_subscriber(hm_client *c)
{
    hammer *h = c->h;
    json_t *streams = json_array();
    for (int i = 0; i < h->opt.publishers && (size_t)i < h->n_clients; i++) {
        hm_client *p = h->clients[i];
        if (p != c && p->feed)
            json_array_append_new(streams, json_pack("{s:I}", "feed", (json_int_t)p->feed));
    }
    send_message(c, c->sub_handle,
                 json_pack("{s:s, s:s, s:I, s:o}", "request", "join", "ptype", "subscriber", "room",
                           room_id(c), "streams", streams),
                 NULL, T_JOIN_SUB);
}

void hm_sig_janus_subscribe(hm_client *c)
{
    c->want_sub = true;
    if (c->session && !c->sub_handle && !c->sub_inflight) {
        c->sub_inflight = true;
        attach(c, T_ATTACH_SUB);
    }
}

static void on_success(hm_client *c, int t, json_t *j)
{
    json_int_t id = json_integer_value(json_object_get(json_object_get(j, "data"), "id"));
    switch (t) {
    case T_CREATE:
        c->session = (uint64_t)id;
        if (c == c->h->prep)
            attach(c, T_ATTACH_PUB);
        else if (c->publishes)
            attach(c, T_ATTACH_PUB);
        else if (c->want_sub)
            hm_sig_janus_subscribe(c);
        break;
    case T_ATTACH_PUB:
        c->pub_handle = (uint64_t)id;
        if (c == c->h->prep) {
            send_message(c, c->pub_handle,
                         json_pack("{s:s, s:I, s:i, s:i, s:i, s:s, s:s, s:b}", "request", "create",
                                   "room", room_id(c), "publishers", 100, "bitrate", 0, "fir_freq",
                                   0, "audiocodec", "opus", "videocodec", "vp8", "notify_joining",
                                   0),
                         NULL, T_ROOM);
            break;
        }
        char name[32];
        snprintf(name, sizeof name, "hammer %d", c->idx);
        send_message(c, c->pub_handle,
                     json_pack("{s:s, s:s, s:I, s:s}", "request", "join", "ptype", "publisher",
                               "room", room_id(c), "display", name),
                     NULL, T_JOIN_PUB);
        break;
    case T_ATTACH_SUB:
        c->sub_handle = (uint64_t)id;
        join_subscriber(c);
        break;
    case T_ROOM: {
        json_t *data = json_object_get(json_object_get(j, "plugindata"), "data");
        json_int_t code = json_integer_value(json_object_get(data, "error_code"));
        /* 427: the room exists already, which is as good. */
        c->h->prep_done(c->h, code == 0 || code == 427 ? 0 : 1);
        break;
    }
    default:
        break;
    }
}

static void on_event(hm_client *c, json_t *j)
{
    json_t *data = json_object_get(json_object_get(j, "plugindata"), "data");
    const char *vr = json_string_value(json_object_get(data, "videoroom"));
    json_t *jsep = json_object_get(j, "jsep");
    const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
    uint64_t sender = (uint64_t)json_integer_value(json_object_get(j, "sender"));
    if (json_object_get(data, "error")) {
        hm_client_fail(c, json_string_value(json_object_get(data, "error")));
        return;
    }
    if (sender == c->pub_handle && vr && strcmp(vr, "joined") == 0) {
        c->feed = (uint64_t)json_integer_value(json_object_get(data, "id"));
        char *offer = hm_client_publish_offer(c);
        if (!offer) {
            hm_client_fail(c, "no publish offer");
            return;
        }
        send_message(c, c->pub_handle,
                     json_pack("{s:s, s:b, s:b}", "request", "publish", "audio", 1, "video", 1),
                     json_pack("{s:s, s:s, s:b}", "type", "offer", "sdp", offer, "trickle", 0),
                     T_PUBLISH);
        aula_free(offer);
    } else if (sender == c->pub_handle && sdp) {
        if (hm_client_publish_answer(c, sdp) != 0)
            hm_client_fail(c, "bad publish answer");
    } else if (sender == c->sub_handle && sdp && !c->subscribed) {
        char *answer = hm_client_subscribe(c, sdp);
        if (!answer) {
            hm_client_fail(c, "cannot answer the receive offer");
            return;
        }
        send_message(c, c->sub_handle, json_pack("{s:s}", "request", "start"),
                     json_pack("{s:s, s:s, s:b}", "type", "answer", "sdp", answer, "trickle", 0),
                     T_START);
        aula_free(answer);
    }
}

static void on_message(void *ud, const char *msg, size_t len)
{
    hm_client *c = ud;
    if (c->h->debug)
        fprintf(stderr, "janus -> %d: %.*s\n", c->idx, (int)len, msg);
    json_t *j = json_loadb(msg, len, 0, NULL);
    if (!j)
        return;
    const char *kind = json_string_value(json_object_get(j, "janus"));
    const char *tx = json_string_value(json_object_get(j, "transaction"));
    int t = tx && tx[0] == 't' ? atoi(tx + 1) : 0;
    if (!kind) {
    } else if (strcmp(kind, "success") == 0) {
        on_success(c, t, j);
    } else if (strcmp(kind, "error") == 0) {
        const char *why = json_string_value(json_object_get(json_object_get(j, "error"), "reason"));
        if (c == c->h->prep)
            c->h->prep_done(c->h, 1);
        else
            hm_client_fail(c, why ? why : "janus error");
    } else if (strcmp(kind, "event") == 0) {
        on_event(c, j);
    } else if (strcmp(kind, "hangup") == 0) {
        hm_client_fail(c, "janus hung up");
    }
    json_decref(j);
}

static void on_open(void *ud)
{
    hm_client *c = ud;
    send_janus(c, json_pack("{s:s}", "janus", "create"), T_CREATE);
}

static void on_close(void *ud, const char *why)
{
    hm_client *c = ud;
    if (c == c->h->prep && !c->session)
        c->h->prep_done(c->h, 1);
    hm_client_fail(c, why);
}

static void connect_ws(hm_client *c)
{
    static const hm_ws_callbacks cb = {on_open, on_message, on_close};
    c->ws = hm_ws_connect(c->h->loop, c->h->opt.ip, c->h->opt.port, "/", "janus-protocol", &cb, c);
}

void hm_sig_janus_start(hm_client *c)
{
    c->join_start_ns = uv_hrtime();
    c->want_sub = c->watches && !c->publishes;
    connect_ws(c);
}

void hm_sig_janus_tick(hm_client *c, uint64_t now_ms)
{
    if (!c->session || c->failed)
        return;
    if (!c->last_keepalive_ms)
        c->last_keepalive_ms = now_ms;
    if (now_ms - c->last_keepalive_ms >= KEEPALIVE_MS) {
        c->last_keepalive_ms = now_ms;
        send_janus(c, json_pack("{s:s}", "janus", "keepalive"), T_KEEPALIVE);
    }
}

void hm_sig_janus_prepare(hammer *h, void (*done)(hammer *h, int err))
{
    /* A participant of its own that only creates the room and then stays
     * connected (its session keeps nothing else alive). */
    h->prep = hm_client_create(h, -1, false, false);
    h->prep_done = done;
    connect_ws(h->prep);
}

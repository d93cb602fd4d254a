/* aula's signaling (docs/protocol.md) for one simulated participant:
 * room.join, then media.publish with our offer and/or media.subscribe and
 * media.answer with our answer. */
#include "hammer.h"

#include "core/alloc.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

enum { ID_JOIN = 1, ID_PUBLISH, ID_SUBSCRIBE, ID_ANSWER };

static void send_request(hm_client *c, int id, const char *method, json_t *params)
{
    json_t *req = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", id, "method", method,
                            "params", params ? params : json_object());
    char *text = json_dumps(req, JSON_COMPACT);
    hm_ws_send(c->ws, text, strlen(text));
    free(text);
    json_decref(req);
}

void hm_sig_aula_subscribe(hm_client *c)
{
    c->want_sub = true;
    if (c->joined && !c->subscribed && !c->sub_inflight) {
        c->sub_inflight = true;
        send_request(c, ID_SUBSCRIBE, "media.subscribe", NULL);
    }
}

static void on_open(void *ud)
{
    hm_client *c = ud;
    hammer *h = c->h;
    if ((size_t)c->idx < h->n_tokens) {
        /* An event's room (the webinar scenario): the token says who we
         * are, host or attendee. */
        send_request(c, ID_JOIN, "room.join", json_pack("{s:s}", "token", h->tokens[c->idx]));
        return;
    }
    char name[32];
    snprintf(name, sizeof name, "hammer %d", c->idx);
    send_request(c, ID_JOIN, "room.join",
                 json_pack("{s:s, s:s}", "room", h->opt.room, "name", name));
}

static void on_result(hm_client *c, int id, json_t *result)
{
    const char *sdp = json_string_value(json_object_get(result, "sdp"));
    switch (id) {
    case ID_JOIN:
        c->joined = true;
        if (c->publishes) {
            char *offer = hm_client_publish_offer(c);
            if (!offer) {
                hm_client_fail(c, "no publish offer");
                return;
            }
            send_request(c, ID_PUBLISH, "media.publish", json_pack("{s:s}", "sdp", offer));
            aula_free(offer);
        }
        if (c->want_sub) {
            c->want_sub = false; /* set again by hm_sig_aula_subscribe */
            hm_sig_aula_subscribe(c);
        }
        break;
    case ID_PUBLISH:
        if (!sdp || hm_client_publish_answer(c, sdp) != 0)
            hm_client_fail(c, "bad publish answer");
        break;
    case ID_SUBSCRIBE: {
        c->sub_inflight = false;
        if (!sdp)
            return; /* nothing published yet: media.renegotiate will come */
        char *answer = hm_client_subscribe(c, sdp);
        if (!answer) {
            hm_client_fail(c, "cannot answer the receive offer");
            return;
        }
        send_request(c, ID_ANSWER, "media.answer", json_pack("{s:s}", "sdp", answer));
        aula_free(answer);
        break;
    }
    default:
        break;
    }
}

static void on_message(void *ud, const char *msg, size_t len)
{
    hm_client *c = ud;
    /* Every join in a big room is announced to everyone (N squared
     * messages in a ramp; in a webinar, to the host only): skip the
     * notifications the hammer ignores without parsing them, so that the
     * generator is not the bottleneck. */
    if (memmem(msg, len, "\"method\"", 8) && !memmem(msg, len, "media.renegotiate", 17))
        return;
    json_t *j = json_loadb(msg, len, 0, NULL);
    if (!j)
        return;
    json_t *id = json_object_get(j, "id");
    const char *method = json_string_value(json_object_get(j, "method"));
    if (json_is_integer(id)) {
        json_t *err = json_object_get(j, "error");
        if (err) {
            const char *m = json_string_value(json_object_get(err, "message"));
            hm_client_fail(c, m ? m : "signaling error");
        } else {
            on_result(c, (int)json_integer_value(id), json_object_get(j, "result"));
        }
    } else if (method && strcmp(method, "media.renegotiate") == 0 && c->want_sub) {
        hm_sig_aula_subscribe(c);
    }
    json_decref(j);
}

static void on_close(void *ud, const char *why)
{
    hm_client_fail(ud, why);
}

void hm_sig_aula_start(hm_client *c)
{
    static const hm_ws_callbacks cb = {on_open, on_message, on_close};
    c->join_start_ns = uv_hrtime();
    c->want_sub = c->watches && !c->publishes;
    c->ws = hm_ws_connect(c->h->loop, c->h->opt.ip, c->h->opt.port, "/ws", NULL, &cb, c);
}

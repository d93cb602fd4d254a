#include "room/webinar.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "http/jsonrpc.h"
#include "room/room_internal.h"
#include "room/webinar_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const mode_names[] = {"everyone", "hosts", "off"};

const char *aula_chat_mode_name(aula_chat_mode m)
{
    return (unsigned)m < 3 ? mode_names[m] : "everyone";
}

int aula_chat_mode_parse(const char *s, aula_chat_mode *out)
{
    for (int i = 0; s && i < 3; i++)
        if (!strcmp(s, mode_names[i])) {
            *out = (aula_chat_mode)i;
            return 0;
        }
    return AULA_EINVAL;
}

int aula__webinar_fail(int code, char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return code;
}

aula_webinar *aula__webinar_create(const char *kind, const char *chat_mode)
{
    aula_webinar *w = aula_calloc(1, sizeof *w);
    w->is_webinar = kind && !strcmp(kind, "webinar");
    if (aula_chat_mode_parse(chat_mode, &w->chat_mode) != 0)
        w->chat_mode = AULA_CHAT_EVERYONE;
    return w;
}

void aula__webinar_destroy(aula_webinar *w)
{
    if (!w)
        return;
    aula_free(w->tallies);
    aula_free(w->voted_questions);
    aula_free(w);
}

aula_role aula__webinar_entry_role(const aula_room *r, const char *participant_id, aula_role role)
{
    const aula_webinar *w = r->webinar;
    if (!w->is_webinar)
        return role;
    if (role == AULA_ROLE_PARTICIPANT)
        return AULA_ROLE_ATTENDEE;
    if (role != AULA_ROLE_PRESENTER)
        return role;
    /* Taken off stage since the token was made: stays in the audience
     * (and so when the store cannot say). */
    int off = 1;
    aula_store_stage_is_off(aula_room_store(r), r->id, participant_id, &off);
    return off ? AULA_ROLE_ATTENDEE : role;
}

static int is_attendee(const aula_room *r, const aula_participant *p)
{
    return r->webinar->is_webinar && p->role == AULA_ROLE_ATTENDEE;
}

/* The attendee count changed: tell everyone, at most once a second. */
static void count_changed(aula_room *r, int64_t now_ms)
{
    aula_webinar *w = r->webinar;
    if (w->attendees_pending)
        return; /* a wakeup is already asked for */
    w->attendees_pending = 1;
    aula__room_wakeup(r, w->attendees_next > now_ms ? w->attendees_next : now_ms);
}

void aula__webinar_announce(aula_room *r, aula_participant *p, const char *method, json_t *params,
                            int joined, int64_t now_ms)
{
    if (!is_attendee(r, p)) {
        aula_room_notify(r, method, params, joined ? p : NULL);
        return;
    }
    aula_webinar *w = r->webinar;
    if (joined)
        w->attendees++;
    else if (w->attendees > 0)
        w->attendees--;
    aula_room_notify_hosts(r, method, params, joined ? p : NULL);
    count_changed(r, now_ms);
}

void aula__webinar_notify_about(aula_room *r, const aula_participant *p, const char *method,
                                json_t *params)
{
    if (is_attendee(r, p))
        aula_room_notify_hosts(r, method, params, p);
    else
        aula_room_notify(r, method, params, p);
}

void aula_webinar_notify_reaction(aula_participant *p, json_t *params)
{
    aula_room *r = p->room;
    if (!is_attendee(r, p)) {
        aula_room_notify(r, "reaction", params, NULL);
        return;
    }
    /* One text for the stage; the audience is skipped without a send. */
    char *text = aula_rpc_notification("reaction", params);
    size_t len = strlen(text);
    for (aula_participant *q = r->first; q; q = q->next)
        if (q == p || q->role != AULA_ROLE_ATTENDEE)
            q->sink.deliver(q->sink_ud, text, len);
    aula_free(text);
}

int aula_room_is_webinar(const aula_room *r)
{
    return r->webinar->is_webinar;
}

aula_chat_mode aula_room_chat_mode(const aula_room *r)
{
    return r->webinar->chat_mode;
}

size_t aula_room_attendees(const aula_room *r)
{
    return r->webinar->attendees;
}

json_t *aula_webinar_participants_json(const aula_room *r, const aula_participant *viewer)
{
    if (!is_attendee(r, viewer))
        return aula_room_participants_json(r);
    /* Hosts and presenters are few; attendees are skipped without
     * building anything for them. */
    json_t *arr = json_array();
    for (aula_participant *p = r->first; p; p = p->next)
        if (p->role != AULA_ROLE_ATTENDEE)
            json_array_append_new(arr, aula_participant_full_json(p));
    return arr;
}

void aula_webinar_join_extras(const aula_room *r, const aula_participant *viewer, json_t *res)
{
    const aula_webinar *w = r->webinar;
    json_object_set_new(res, "kind", json_string(w->is_webinar ? "webinar" : "meeting"));
    json_object_set_new(res, "chat_mode", json_string(aula_chat_mode_name(w->chat_mode)));
    if (!w->is_webinar)
        return;
    json_object_set_new(res, "attendees", json_integer((json_int_t)w->attendees));
    json_object_set_new(res, "on_stage", json_boolean(viewer->role != AULA_ROLE_ATTENDEE));
}

int aula_webinar_may_publish(const aula_participant *p)
{
    return !p->room->webinar->is_webinar || aula_role_may_publish(p->role);
}

int aula_webinar_chat_route(const aula_participant *p, int *to_hosts, char *why, size_t whylen)
{
    if (aula_participant_is_host(p))
        return 0;
    switch (p->room->webinar->chat_mode) {
    case AULA_CHAT_OFF:
        return aula__webinar_fail(AULA_EPERM, why, whylen, "chat is off");
    case AULA_CHAT_HOSTS:
        *to_hosts = 1;
        return 0;
    default:
        return 0;
    }
}

int aula_webinar_set_chat_mode(aula_participant *host, aula_chat_mode mode, char *why,
                               size_t whylen)
{
    if (!aula_participant_is_host(host))
        return aula__webinar_fail(AULA_EPERM, why, whylen, "only hosts can change the chat");
    aula_room *r = host->room;
    int rc = aula_store_room_set_chat_mode(aula_room_store(r), r->id, aula_chat_mode_name(mode));
    if (rc != 0)
        return aula__webinar_fail(rc == AULA_ENOENT ? AULA_ENOENT : AULA_ESTORE, why, whylen,
                                  "could not save the chat mode, try again");
    r->webinar->chat_mode = mode;
    AULA_LOG_INFO("room", "chat mode", "room=%s mode=%s", r->id, aula_chat_mode_name(mode));
    aula_room_notify(r, "room.chat_mode", json_pack("{s:s}", "mode", aula_chat_mode_name(mode)),
                     NULL);
    return 0;
}

int aula_webinar_stage(aula_participant *host, const char *target_id, int on, int64_t now_ms,
                       char *why, size_t whylen)
{
    aula_room *r = host->room;
    if (!aula_participant_is_host(host))
        return aula__webinar_fail(AULA_EPERM, why, whylen, "only hosts can change who is on stage");
    if (!r->webinar->is_webinar)
        return aula__webinar_fail(AULA_EINVAL, why, whylen,
                                  "the stage is for webinars: in a meeting everyone may speak");
    aula_participant *t = aula_room_find(r, target_id);
    if (!t)
        return aula__webinar_fail(AULA_ENOENT, why, whylen, "no such participant in the room");
    if (aula_participant_is_host(t))
        return aula__webinar_fail(AULA_EINVAL, why, whylen, "hosts are always on stage");
    int on_stage = t->role != AULA_ROLE_ATTENDEE;
    if (on_stage == on)
        return aula__webinar_fail(AULA_EINVAL, why, whylen,
                                  on ? "already on stage" : "not on stage");
    if (aula_store_stage_set_off(aula_room_store(r), r->id, t->id, !on, now_ms) != 0)
        return aula__webinar_fail(AULA_ESTORE, why, whylen,
                                  "could not save who is on stage, try again");
    aula_webinar *w = r->webinar;
    t->role = on ? AULA_ROLE_PRESENTER : AULA_ROLE_ATTENDEE;
    if (on && w->attendees > 0)
        w->attendees--;
    else if (!on)
        w->attendees++;
    count_changed(r, now_ms);
    AULA_LOG_INFO("room", on ? "on stage" : "off stage", "room=%s participant=%s", r->id, t->id);
    /* The target first: on removal its media stops before the others hear
     * it left the stage. */
    if (t->sink.role_changed)
        t->sink.role_changed(t->sink_ud);
    aula_room_notify(
        r, "participant.stage",
        json_pack("{s:o,s:b}", "participant", aula_participant_full_json(t), "on_stage", on), NULL);
    return 0;
}

void aula__results_changed(aula_room *r, int64_t now_ms)
{
    aula_webinar *w = r->webinar;
    if (w->results_pending)
        return;
    w->results_pending = 1;
    aula__room_wakeup(r, w->results_next > now_ms ? w->results_next : now_ms);
}

int64_t aula_webinar_flush(aula_room *r, int64_t now_ms)
{
    aula_webinar *w = r->webinar;
    int64_t next = 0;
    if (w->attendees_pending) {
        if (now_ms >= w->attendees_next) {
            w->attendees_pending = 0;
            /* Recount: role changes outside the stage (a host making an
             * attendee co-host) also move people in or out. */
            size_t n = 0;
            for (aula_participant *p = r->first; p; p = p->next)
                n += p->role == AULA_ROLE_ATTENDEE;
            w->attendees = n;
            if (n != w->attendees_told || w->attendees_next == 0) {
                w->attendees_told = n;
                w->attendees_next = now_ms + AULA_WEBINAR_COUNT_EVERY_MS;
                aula_room_notify(r, "room.attendees", json_pack("{s:I}", "count", (json_int_t)n),
                                 NULL);
            }
        } else {
            next = w->attendees_next;
        }
    }
    if (w->results_pending) {
        if (now_ms >= w->results_next) {
            w->results_pending = 0;
            w->results_next = now_ms + AULA_WEBINAR_RESULTS_EVERY_MS;
            aula__polls_flush(r);
            aula__qa_flush(r);
        } else if (!next || w->results_next < next) {
            next = w->results_next;
        }
    }
    return next;
}

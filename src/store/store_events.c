/* Backend-independent half of events and registrations: helpers and
 * dispatchers. */
#include "store/store_events.h"

#include "core/alloc.h"
#include "core/error.h"

#include <assert.h>
#include <string.h>

void aula_event_rec_deinit(aula_event_rec *r)
{
    if (!r)
        return;
    char **s[] = {&r->id,           &r->room_id, &r->owner_id, &r->title,         &r->description,
                  &r->time_zone,    &r->type,    &r->access,   &r->password_hash, &r->welcome_text,
                  &r->presenter_key};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        aula_free(*s[i]);
    memset(r, 0, sizeof *r);
}

void aula_event_recs_free(aula_event_rec *recs, size_t n)
{
    if (!recs)
        return;
    for (size_t i = 0; i < n; i++)
        aula_event_rec_deinit(&recs[i]);
    aula_free(recs);
}

void aula_registration_rec_deinit(aula_registration_rec *r)
{
    if (!r)
        return;
    aula_free(r->id);
    aula_free(r->event_id);
    aula_free(r->name);
    aula_free(r->email);
    aula_free(r->lang);
    aula_free(r->join_key);
    memset(r, 0, sizeof *r);
}

void aula_registration_recs_free(aula_registration_rec *recs, size_t n)
{
    if (!recs)
        return;
    for (size_t i = 0; i < n; i++)
        aula_registration_rec_deinit(&recs[i]);
    aula_free(recs);
}

static const aula_store_event_ops *ops(aula_store *s)
{
    assert(s && s->ops);
    return s->ops->events;
}

int aula_store_event_create(aula_store *s, const aula_room_rec *room, const aula_event_rec *ev)
{
    assert(room && room->id && ev && ev->id && ev->room_id && ev->owner_id && ev->title &&
           ev->description && ev->time_zone && ev->type && ev->access && ev->welcome_text &&
           ev->presenter_key && strcmp(room->id, ev->room_id) == 0);
    return ops(s) ? ops(s)->create(s, room, ev) : AULA_ESTORE;
}

int aula_store_event_get(aula_store *s, const char *id, aula_event_rec *out)
{
    assert(id && out);
    memset(out, 0, sizeof *out);
    return ops(s) ? ops(s)->get(s, id, out) : AULA_ESTORE;
}

int aula_store_events_list(aula_store *s, const char *owner_id, aula_event_when when,
                           int64_t now_ms, aula_event_rec **out, size_t *n)
{
    assert(owner_id && out && n);
    *out = NULL;
    *n = 0;
    return ops(s) ? ops(s)->list(s, owner_id, when, now_ms, out, n) : AULA_ESTORE;
}

int aula_store_event_update(aula_store *s, const aula_event_rec *ev)
{
    assert(ev && ev->id && ev->title && ev->description && ev->time_zone && ev->type &&
           ev->access && ev->welcome_text);
    return ops(s) ? ops(s)->update(s, ev) : AULA_ESTORE;
}

int aula_store_event_cancel(aula_store *s, const char *id, int64_t now_ms)
{
    assert(id && now_ms > 0);
    return ops(s) ? ops(s)->cancel(s, id, now_ms) : AULA_ESTORE;
}

int aula_store_events_reminder_due(aula_store *s, int64_t now_ms, int64_t before_ms,
                                   aula_event_rec **out, size_t *n)
{
    assert(out && n);
    *out = NULL;
    *n = 0;
    return ops(s) ? ops(s)->reminder_due(s, now_ms, before_ms, out, n) : AULA_ESTORE;
}

int aula_store_event_reminder_sent(aula_store *s, const char *id, int64_t now_ms)
{
    assert(id);
    return ops(s) ? ops(s)->reminder_sent(s, id, now_ms) : AULA_ESTORE;
}

int aula_store_registration_add(aula_store *s, const aula_registration_rec *r)
{
    assert(r && r->id && r->event_id && r->name && r->email && r->lang && r->join_key);
    return ops(s) ? ops(s)->reg_add(s, r) : AULA_ESTORE;
}

int aula_store_registration_by_email(aula_store *s, const char *event_id, const char *email,
                                     aula_registration_rec *out)
{
    assert(event_id && email && out);
    memset(out, 0, sizeof *out);
    return ops(s) ? ops(s)->reg_by_email(s, event_id, email, out) : AULA_ESTORE;
}

int aula_store_registration_by_key(aula_store *s, const char *event_id, const char *key,
                                   aula_registration_rec *out)
{
    assert(event_id && key && out);
    memset(out, 0, sizeof *out);
    return ops(s) ? ops(s)->reg_by_key(s, event_id, key, out) : AULA_ESTORE;
}

int aula_store_registrations_list(aula_store *s, const char *event_id, aula_registration_rec **out,
                                  size_t *n)
{
    assert(event_id && out && n);
    *out = NULL;
    *n = 0;
    return ops(s) ? ops(s)->reg_list(s, event_id, out, n) : AULA_ESTORE;
}

int aula_store_registrations_count(aula_store *s, const char *event_id, int64_t *out)
{
    assert(event_id && out);
    *out = 0;
    return ops(s) ? ops(s)->reg_count(s, event_id, out) : AULA_ESTORE;
}

int aula_store_registration_mailed(aula_store *s, const char *id, int64_t now_ms)
{
    assert(id);
    return ops(s) ? ops(s)->reg_mailed(s, id, now_ms) : AULA_ESTORE;
}

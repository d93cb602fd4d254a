/* Backend-independent half of the store: record helpers and the dispatchers
 * that check their arguments and forward to s->ops. A backend sees only
 * validated arguments, so the checks live here once. */
#include "store/store.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"

void aula_room_rec_deinit(aula_room_rec *r)
{
    if (!r)
        return;
    aula_free(r->id);
    aula_free(r->title);
    aula_free(r->owner_id);
    aula_free(r->host_key);
    aula_free(r->password_hash);
    aula_free(r->kind);
    aula_free(r->chat_mode);
    aula_free(r->event_id);
    memset(r, 0, sizeof *r);
}

void aula_room_recs_free(aula_room_rec *recs, size_t n)
{
    if (!recs)
        return;
    for (size_t i = 0; i < n; i++)
        aula_room_rec_deinit(&recs[i]);
    aula_free(recs);
}

void aula_user_rec_deinit(aula_user_rec *u)
{
    if (!u)
        return;
    aula_free(u->id);
    aula_free(u->email);
    aula_free(u->name);
    aula_free(u->password_hash);
    memset(u, 0, sizeof *u);
}

void aula_session_rec_deinit(aula_session_rec *r)
{
    if (!r)
        return;
    aula_free(r->token_hash);
    aula_free(r->user_id);
    aula_free(r->csrf);
    memset(r, 0, sizeof *r);
}

/* E-mail addresses are compared without regard to ASCII case: people type
 * "Anna@School.pl" one day and "anna@school.pl" the next. */
static char *email_lower(const char *email)
{
    char *e = aula_strdup(email);
    for (char *p = e; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return e;
}

void aula_chat_recs_free(aula_chat_rec *recs, size_t n)
{
    if (!recs)
        return;
    for (size_t i = 0; i < n; i++) {
        aula_free(recs[i].participant_id);
        aula_free(recs[i].name);
        aula_free(recs[i].text);
    }
    aula_free(recs);
}

void aula_store_close(aula_store *s)
{
    if (!s)
        return;
    assert(s->ops && s->ops->close);
    s->ops->close(s);
}

int aula_store_schema_version(aula_store *s, int *out)
{
    assert(s && s->ops && out);
    return s->ops->schema_version(s, out);
}

int aula_store_room_create(aula_store *s, const aula_room_rec *rec)
{
    assert(s && s->ops && rec && rec->id);
    /* A room without a title is common ("New meeting"); store it as "" so
     * every backend and every reader sees a string. */
    aula_room_rec r = *rec;
    r.title = rec->title ? rec->title : "";
    r.lobby = rec->lobby ? 1 : 0;
    r.locked = rec->locked ? 1 : 0;
    return s->ops->room_create(s, &r);
}

int aula_store_room_get(aula_store *s, const char *id, aula_room_rec *out)
{
    assert(s && s->ops && id && out);
    memset(out, 0, sizeof *out);
    return s->ops->room_get(s, id, out);
}

int aula_store_room_count(aula_store *s, int64_t *out)
{
    assert(s && s->ops && out);
    return s->ops->room_count(s, out);
}

int aula_store_room_set_flags(aula_store *s, const char *id, int lobby, int locked)
{
    assert(s && s->ops && id);
    return s->ops->room_set_flags(s, id, lobby < 0 ? -1 : lobby != 0,
                                  locked < 0 ? -1 : locked != 0);
}

int aula_store_rooms_by_owner(aula_store *s, const char *owner_id, aula_room_rec **out, size_t *n)
{
    assert(s && s->ops && owner_id && out && n);
    *out = NULL;
    *n = 0;
    return s->ops->rooms_by_owner(s, owner_id, out, n);
}

int aula_store_participant_add(aula_store *s, const char *room_id, const char *participant_id,
                               const char *name, int64_t now_ms)
{
    assert(s && s->ops && room_id && participant_id && name);
    return s->ops->participant_add(s, room_id, participant_id, name, now_ms);
}

int aula_store_participant_left(aula_store *s, const char *participant_id, int64_t now_ms)
{
    assert(s && s->ops && participant_id);
    return s->ops->participant_left(s, participant_id, now_ms);
}

int aula_store_participant_seen(aula_store *s, const char *room_id, const char *participant_id)
{
    assert(s && s->ops && room_id && participant_id);
    return s->ops->participant_seen(s, room_id, participant_id);
}

int aula_store_chat_append(aula_store *s, const char *room_id, const char *participant_id,
                           const char *name, const char *text, int to_hosts, int64_t now_ms,
                           int64_t *out_seq)
{
    assert(s && s->ops && room_id && participant_id && name && text && out_seq);
    return s->ops->chat_append(s, room_id, participant_id, name, text, to_hosts ? 1 : 0, now_ms,
                               out_seq);
}

int aula_store_chat_page(aula_store *s, const char *room_id, int64_t before_seq, size_t limit,
                         const char *viewer_id, int viewer_is_host, aula_chat_rec **out,
                         size_t *n_out)
{
    assert(s && s->ops && room_id && out && n_out);
    *out = NULL;
    *n_out = 0;
    if (limit == 0)
        return 0;
    return s->ops->chat_page(s, room_id, before_seq, limit, viewer_id, viewer_is_host ? 1 : 0, out,
                             n_out);
}

int aula_store_user_create(aula_store *s, const aula_user_rec *u)
{
    assert(s && s->ops && u && u->id && u->email && u->name && u->password_hash);
    aula_user_rec copy = *u;
    copy.email = email_lower(u->email);
    int rc = s->ops->user_create(s, &copy);
    aula_free(copy.email);
    return rc;
}

int aula_store_user_by_email(aula_store *s, const char *email, aula_user_rec *out)
{
    assert(s && s->ops && email && out);
    memset(out, 0, sizeof *out);
    char *e = email_lower(email);
    int rc = s->ops->user_by_email(s, e, out);
    aula_free(e);
    return rc;
}

int aula_store_user_get(aula_store *s, const char *id, aula_user_rec *out)
{
    assert(s && s->ops && id && out);
    memset(out, 0, sizeof *out);
    return s->ops->user_get(s, id, out);
}

int aula_store_session_create(aula_store *s, const char *token_hash, const char *user_id,
                              const char *csrf, int64_t now_ms, int64_t expires_ms)
{
    assert(s && s->ops && token_hash && user_id && csrf);
    return s->ops->session_create(s, token_hash, user_id, csrf, now_ms, expires_ms);
}

int aula_store_session_get(aula_store *s, const char *token_hash, int64_t now_ms,
                           aula_session_rec *out)
{
    assert(s && s->ops && token_hash && out);
    memset(out, 0, sizeof *out);
    return s->ops->session_get(s, token_hash, now_ms, out);
}

int aula_store_session_delete(aula_store *s, const char *token_hash)
{
    assert(s && s->ops && token_hash);
    return s->ops->session_delete(s, token_hash);
}

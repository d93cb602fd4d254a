/* Backend-independent half of the store: record helpers and the dispatchers
 * that check their arguments and forward to s->ops. A backend sees only
 * validated arguments, so the checks live here once. */
#include "store/store.h"

#include <assert.h>

#include "core/alloc.h"

void aula_room_rec_deinit(aula_room_rec *r)
{
    if (!r)
        return;
    aula_free(r->id);
    aula_free(r->title);
    r->id = NULL;
    r->title = NULL;
    r->created_ms = 0;
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

int aula_store_room_create(aula_store *s, const char *id, const char *title, int64_t now_ms)
{
    assert(s && s->ops && id);
    /* A room without a title is common ("New meeting"); store it as "" so
     * every backend and every reader sees a string. */
    return s->ops->room_create(s, id, title ? title : "", now_ms);
}

int aula_store_room_get(aula_store *s, const char *id, aula_room_rec *out)
{
    assert(s && s->ops && id && out);
    return s->ops->room_get(s, id, out);
}

int aula_store_room_count(aula_store *s, int64_t *out)
{
    assert(s && s->ops && out);
    return s->ops->room_count(s, out);
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

int aula_store_chat_append(aula_store *s, const char *room_id, const char *participant_id,
                           const char *name, const char *text, int64_t now_ms, int64_t *out_seq)
{
    assert(s && s->ops && room_id && participant_id && name && text && out_seq);
    return s->ops->chat_append(s, room_id, participant_id, name, text, now_ms, out_seq);
}

int aula_store_chat_page(aula_store *s, const char *room_id, int64_t before_seq, size_t limit,
                         aula_chat_rec **out, size_t *n_out)
{
    assert(s && s->ops && room_id && out && n_out);
    *out = NULL;
    *n_out = 0;
    if (limit == 0)
        return 0;
    return s->ops->chat_page(s, room_id, before_seq, limit, out, n_out);
}

/* Backend-independent half of the file records: helpers and dispatchers. */
#include "store/store_files.h"

#include "core/alloc.h"
#include "core/error.h"

#include <assert.h>
#include <string.h>

void aula_file_rec_deinit(aula_file_rec *r)
{
    if (!r)
        return;
    aula_free(r->id);
    aula_free(r->room_id);
    aula_free(r->name);
    aula_free(r->type);
    aula_free(r->sha256);
    aula_free(r->uploader_id);
    aula_free(r->uploader_name);
    memset(r, 0, sizeof *r);
}

void aula_file_recs_free(aula_file_rec *recs, size_t n)
{
    if (!recs)
        return;
    for (size_t i = 0; i < n; i++)
        aula_file_rec_deinit(&recs[i]);
    aula_free(recs);
}

static const aula_store_file_ops *ops(aula_store *s)
{
    assert(s && s->ops);
    return s->ops->files;
}

int aula_store_file_add(aula_store *s, const aula_file_rec *r)
{
    assert(r && r->id && r->room_id && r->name && r->type && r->sha256 && r->uploader_id &&
           r->uploader_name && r->size >= 0);
    return ops(s) ? ops(s)->add(s, r) : AULA_ESTORE;
}

int aula_store_files_list(aula_store *s, const char *room_id, aula_file_rec **out, size_t *n)
{
    assert(room_id && out && n);
    *out = NULL;
    *n = 0;
    return ops(s) ? ops(s)->list(s, room_id, out, n) : AULA_ESTORE;
}

int aula_store_file_get(aula_store *s, const char *room_id, const char *id, aula_file_rec *out)
{
    assert(room_id && id && out);
    memset(out, 0, sizeof *out);
    return ops(s) ? ops(s)->get(s, room_id, id, out) : AULA_ESTORE;
}

int aula_store_file_delete(aula_store *s, const char *room_id, const char *id, char sha256_out[65],
                           int *blob_unused)
{
    assert(room_id && id && sha256_out && blob_unused);
    sha256_out[0] = '\0';
    *blob_unused = 0;
    return ops(s) ? ops(s)->del(s, room_id, id, sha256_out, blob_unused) : AULA_ESTORE;
}

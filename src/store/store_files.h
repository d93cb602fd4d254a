/* The store's file records: slides and handouts uploaded to a room. The
 * bytes live outside the database, in the data folder by content hash
 * (src/files/blob.h); a row says which room holds which blob under which
 * name. Several rows may share one blob (the same file uploaded twice).
 *
 * Contracts as in store.h: 0 or negative AULA_E*, durable when a write
 * returns. Thread: the store's thread. */
#ifndef AULA_STORE_STORE_FILES_H
#define AULA_STORE_STORE_FILES_H

#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct aula_file_rec {
    char *id;            /* owned; 16 hex characters */
    char *room_id;       /* owned */
    char *name;          /* owned; the cleaned original name */
    char *type;          /* owned; the MIME type found by content */
    char *sha256;        /* owned; 64 lowercase hex characters */
    char *uploader_id;   /* owned; the participant id of the uploader */
    char *uploader_name; /* owned */
    int64_t size;
    int64_t created_ms;
} aula_file_rec;

void aula_file_rec_deinit(aula_file_rec *r);
void aula_file_recs_free(aula_file_rec *recs, size_t n);

/* A backend's file operations (aula_store_ops.files); NULL when the backend
 * keeps no files, and every call below is then AULA_ESTORE. */
typedef struct aula_store_file_ops {
    int (*add)(aula_store *s, const aula_file_rec *r);
    int (*list)(aula_store *s, const char *room_id, aula_file_rec **out, size_t *n);
    int (*get)(aula_store *s, const char *room_id, const char *id, aula_file_rec *out);
    int (*del)(aula_store *s, const char *room_id, const char *id, char sha256_out[65],
               int *blob_unused);
} aula_store_file_ops;

/* Records a file; every field must be set. AULA_ENOENT if the room does
 * not exist, AULA_EEXIST if the id is taken. */
int aula_store_file_add(aula_store *s, const aula_file_rec *r);

/* The files of a room, oldest first. *out is NULL when *n is 0; free with
 * aula_file_recs_free. An unknown room gives an empty list. */
int aula_store_files_list(aula_store *s, const char *room_id, aula_file_rec **out, size_t *n);

/* One file of a room (free with aula_file_rec_deinit); AULA_ENOENT when
 * the room has no file with that id. */
int aula_store_file_get(aula_store *s, const char *room_id, const char *id, aula_file_rec *out);

/* Deletes a file's row. Writes its sha256 to sha256_out and sets
 * *blob_unused to 1 when no other row refers to the same blob any more, so
 * the caller can remove the bytes. AULA_ENOENT when there is no such row. */
int aula_store_file_delete(aula_store *s, const char *room_id, const char *id, char sha256_out[65],
                           int *blob_unused);

#endif

/* The store: everything aula keeps across restarts.
 *
 * Room logic talks only to this interface. A backend (SQLite today,
 * PostgreSQL later) implements struct aula_store_ops; the functions below
 * dispatch to it. Every write returns only after the data is durable (for
 * SQLite: committed and synced to the WAL, synchronous=FULL), so callers
 * may acknowledge to users as soon as a call returns 0.
 *
 * Errors: AULA_ENOENT for a missing row, AULA_EEXIST for a duplicate id,
 * AULA_ESTORE for anything the backend reports (logged with its message).
 * Thread: one store object is used by one thread (the control plane). */
#ifndef AULA_STORE_STORE_H
#define AULA_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

typedef struct aula_store aula_store;

typedef struct aula_room_rec {
    char *id;    /* owned */
    char *title; /* owned */
    int64_t created_ms;
} aula_room_rec;

typedef struct aula_chat_rec {
    int64_t seq;          /* increases within a room, in the order lines were stored */
    char *participant_id; /* owned */
    char *name;           /* owned: the sender's name when it was sent */
    char *text;           /* owned */
    int64_t ts_ms;
} aula_chat_rec;

void aula_room_rec_deinit(aula_room_rec *r);
void aula_chat_recs_free(aula_chat_rec *recs, size_t n);

/* Backend operations; see the matching aula_store_* function for each
 * contract. */
typedef struct aula_store_ops {
    const char *name;
    void (*close)(aula_store *s);
    int (*schema_version)(aula_store *s, int *out);
    int (*room_create)(aula_store *s, const char *id, const char *title, int64_t now_ms);
    int (*room_get)(aula_store *s, const char *id, aula_room_rec *out);
    int (*room_count)(aula_store *s, int64_t *out);
    int (*participant_add)(aula_store *s, const char *room_id, const char *participant_id,
                           const char *name, int64_t now_ms);
    int (*participant_left)(aula_store *s, const char *participant_id, int64_t now_ms);
    int (*chat_append)(aula_store *s, const char *room_id, const char *participant_id,
                       const char *name, const char *text, int64_t now_ms, int64_t *out_seq);
    int (*chat_page)(aula_store *s, const char *room_id, int64_t before_seq, size_t limit,
                     aula_chat_rec **out, size_t *n_out);
} aula_store_ops;

/* Every backend object starts with this, so the dispatchers can find ops. */
struct aula_store {
    const aula_store_ops *ops;
};

/* Opens (creating if needed) the SQLite database at path, in WAL mode with
 * synchronous=FULL, foreign keys on and a 5 s busy timeout, and applies
 * pending migrations in order, each in its own transaction, recording it in
 * schema_migrations. The directory must exist (the caller creates the data
 * dir). A database whose schema is newer than this binary knows is refused.
 * Returns 0 and sets *out (close with aula_store_close), or AULA_ESTORE with
 * *out NULL (details logged). */
int aula_store_sqlite_open(const char *path, aula_store **out);

/* Flushes and closes (WAL checkpoint for SQLite). NULL is a no-op. */
void aula_store_close(aula_store *s);

/* The highest migration number applied. */
int aula_store_schema_version(aula_store *s, int *out);

/* Creates a room; AULA_EEXIST if the id is taken. A NULL title is stored
 * as "". */
int aula_store_room_create(aula_store *s, const char *id, const char *title, int64_t now_ms);
/* Fills *out (free with aula_room_rec_deinit) or returns AULA_ENOENT. */
int aula_store_room_get(aula_store *s, const char *id, aula_room_rec *out);
int aula_store_room_count(aula_store *s, int64_t *out);

/* Records that a participant joined (AULA_ENOENT if the room does not
 * exist, AULA_EEXIST if the participant id is taken) and, later, that it
 * left (AULA_ENOENT for an unknown id; a repeated call keeps the first
 * time). */
int aula_store_participant_add(aula_store *s, const char *room_id, const char *participant_id,
                               const char *name, int64_t now_ms);
int aula_store_participant_left(aula_store *s, const char *participant_id, int64_t now_ms);

/* Stores one chat line durably and returns its seq: 1 for a room's first
 * line, then +1, never reused. AULA_ENOENT if the room does not exist (no
 * seq is used up). The sender need not have a participant row. */
int aula_store_chat_append(aula_store *s, const char *room_id, const char *participant_id,
                           const char *name, const char *text, int64_t now_ms, int64_t *out_seq);

/* Up to limit lines of a room with seq < before_seq (before_seq <= 0: the
 * newest), returned oldest first. *out is NULL when *n_out is 0; free with
 * aula_chat_recs_free. A room without lines, an unknown room and limit 0
 * all give an empty result. To know whether older lines exist, ask for
 * limit + 1 lines. */
int aula_store_chat_page(aula_store *s, const char *room_id, int64_t before_seq, size_t limit,
                         aula_chat_rec **out, size_t *n_out);

#endif

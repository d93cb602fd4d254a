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
    char *owner_id;      /* owned; NULL: made without an account */
    char *host_key;      /* owned; secret; NULL for rooms from before host keys */
    char *password_hash; /* owned; argon2id encoded; NULL: no password */
    int lobby;           /* 0/1: joiners wait until a host admits them */
    int locked;          /* 0/1: no new participants */
    /* ---- issue 5 (migration 4, by the events engineer) ---- */
    char *kind;      /* owned; "meeting" or "webinar"; NULL on create: "meeting" */
    char *chat_mode; /* owned; "everyone", "hosts" or "off"; NULL on create: "everyone" */
    char *event_id;  /* owned; the event the room was made for, NULL for none */
} aula_room_rec;

typedef struct aula_chat_rec {
    int64_t seq;          /* increases within a room, in the order lines were stored */
    char *participant_id; /* owned */
    char *name;           /* owned: the sender's name when it was sent */
    char *text;           /* owned */
    int64_t ts_ms;
    int to_hosts; /* 0/1: meant for hosts (and the sender) only */
} aula_chat_rec;

/* A host account. email is stored lower-cased (ASCII letters). */
typedef struct aula_user_rec {
    char *id;            /* owned */
    char *email;         /* owned */
    char *name;          /* owned */
    char *password_hash; /* owned: argon2id encoded */
    int64_t created_ms;
} aula_user_rec;

/* A login session; the cookie value itself is never stored, only its hash. */
typedef struct aula_session_rec {
    char *token_hash; /* owned: hex SHA-256 of the cookie value */
    char *user_id;    /* owned */
    char *csrf;       /* owned */
    int64_t created_ms;
    int64_t expires_ms;
} aula_session_rec;

void aula_room_rec_deinit(aula_room_rec *r);
/* Frees n records and the array (NULL is a no-op). */
void aula_room_recs_free(aula_room_rec *recs, size_t n);
void aula_chat_recs_free(aula_chat_rec *recs, size_t n);
void aula_user_rec_deinit(aula_user_rec *u);
void aula_session_rec_deinit(aula_session_rec *r);

/* Backend operations; see the matching aula_store_* function for each
 * contract. */
typedef struct aula_store_ops {
    const char *name;
    void (*close)(aula_store *s);
    int (*schema_version)(aula_store *s, int *out);
    int (*room_create)(aula_store *s, const aula_room_rec *rec);
    int (*room_get)(aula_store *s, const char *id, aula_room_rec *out);
    int (*room_count)(aula_store *s, int64_t *out);
    int (*room_set_flags)(aula_store *s, const char *id, int lobby, int locked);
    int (*rooms_by_owner)(aula_store *s, const char *owner_id, aula_room_rec **out, size_t *n);
    int (*participant_add)(aula_store *s, const char *room_id, const char *participant_id,
                           const char *name, int64_t now_ms);
    int (*participant_left)(aula_store *s, const char *participant_id, int64_t now_ms);
    int (*participant_seen)(aula_store *s, const char *room_id, const char *participant_id);
    int (*chat_append)(aula_store *s, const char *room_id, const char *participant_id,
                       const char *name, const char *text, int to_hosts, int64_t now_ms,
                       int64_t *out_seq);
    int (*chat_page)(aula_store *s, const char *room_id, int64_t before_seq, size_t limit,
                     const char *viewer_id, int viewer_is_host, aula_chat_rec **out, size_t *n_out);
    int (*user_create)(aula_store *s, const aula_user_rec *u);
    int (*user_by_email)(aula_store *s, const char *email, aula_user_rec *out);
    int (*user_get)(aula_store *s, const char *id, aula_user_rec *out);
    int (*session_create)(aula_store *s, const char *token_hash, const char *user_id,
                          const char *csrf, int64_t now_ms, int64_t expires_ms);
    int (*session_get)(aula_store *s, const char *token_hash, int64_t now_ms,
                       aula_session_rec *out);
    int (*session_delete)(aula_store *s, const char *token_hash);
    /* ---- files (src/store/store_files.h), by the files engineer ---- */
    const struct aula_store_file_ops *files;
    /* ---- webinars (src/store/store_webinar.h), by the webinar engineer ---- */
    const struct aula_store_webinar_ops *webinar;
    /* ---- events (src/store/store_events.h), by the events engineer ---- */
    const struct aula_store_event_ops *events;
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

/* Creates a room from rec: id (required), title (NULL stored as ""),
 * created_ms, owner_id (NULL or an existing user: AULA_ENOENT otherwise),
 * host_key, password_hash (NULL: none), lobby and locked (0/1), kind and
 * chat_mode (NULL: the defaults), event_id (NULL: none).
 * AULA_EEXIST if the id is taken. */
int aula_store_room_create(aula_store *s, const aula_room_rec *rec);
/* Fills *out (free with aula_room_rec_deinit) or returns AULA_ENOENT. */
int aula_store_room_get(aula_store *s, const char *id, aula_room_rec *out);
int aula_store_room_count(aula_store *s, int64_t *out);
/* Sets a room's lobby and locked flags; -1 leaves a flag unchanged, any
 * other value is stored as 0/1. AULA_ENOENT for an unknown room. */
int aula_store_room_set_flags(aula_store *s, const char *id, int lobby, int locked);
/* The rooms owner_id owns, newest first. *out is NULL when *n is 0; free
 * with aula_room_recs_free. An unknown owner gives an empty result. */
int aula_store_rooms_by_owner(aula_store *s, const char *owner_id, aula_room_rec **out, size_t *n);

/* Records that a participant joined, as an upsert: a new id is inserted;
 * the same id in the same room again (a rejoin after a reconnection)
 * clears its leave time and takes the new name, keeping the first join
 * time. AULA_ENOENT if the room does not exist, AULA_EEXIST if the id
 * belongs to another room. */
int aula_store_participant_add(aula_store *s, const char *room_id, const char *participant_id,
                               const char *name, int64_t now_ms);
/* Records that a participant left (AULA_ENOENT for an unknown id; a
 * repeated call keeps the first time). */
int aula_store_participant_left(aula_store *s, const char *participant_id, int64_t now_ms);
/* Returns 0 if participant_id has joined room_id before (whether or not it
 * is there now), AULA_ENOENT if not. Lets a locked room take back its own
 * people after a restart. */
int aula_store_participant_seen(aula_store *s, const char *room_id, const char *participant_id);

/* Stores one chat line durably and returns its seq: 1 for a room's first
 * line, then +1, never reused. to_hosts (0/1) marks a line for hosts only.
 * AULA_ENOENT if the room does not exist (no seq is used up). The sender
 * need not have a participant row. */
int aula_store_chat_append(aula_store *s, const char *room_id, const char *participant_id,
                           const char *name, const char *text, int to_hosts, int64_t now_ms,
                           int64_t *out_seq);

/* Up to limit lines of a room with seq < before_seq (before_seq <= 0: the
 * newest) that the viewer may see, returned oldest first: a host
 * (viewer_is_host != 0) sees every line; anyone else sees the public lines
 * plus the to_hosts lines they sent themselves (viewer_id, may be NULL for
 * none). *out is NULL when *n_out is 0; free with aula_chat_recs_free. A
 * room without lines, an unknown room and limit 0 all give an empty result.
 * To know whether older lines exist, ask for limit + 1 lines. */
int aula_store_chat_page(aula_store *s, const char *room_id, int64_t before_seq, size_t limit,
                         const char *viewer_id, int viewer_is_host, aula_chat_rec **out,
                         size_t *n_out);

/* Creates a host account from u (every field required; the e-mail is
 * lower-cased before it is stored). AULA_EEXIST if the e-mail (compared
 * lower-cased) or the id is taken. */
int aula_store_user_create(aula_store *s, const aula_user_rec *u);
/* Finds an account by e-mail (compared lower-cased) or by id. Fills *out
 * (free with aula_user_rec_deinit) or returns AULA_ENOENT. */
int aula_store_user_by_email(aula_store *s, const char *email, aula_user_rec *out);
int aula_store_user_get(aula_store *s, const char *id, aula_user_rec *out);

/* Stores a login session. token_hash is the hex SHA-256 of the cookie value
 * (the value itself is never stored). AULA_ENOENT for an unknown user,
 * AULA_EEXIST for a duplicate hash. Expired sessions of the same user are
 * deleted on the way. */
int aula_store_session_create(aula_store *s, const char *token_hash, const char *user_id,
                              const char *csrf, int64_t now_ms, int64_t expires_ms);
/* Fills *out (free with aula_session_rec_deinit) when the session exists and
 * expires_ms > now_ms; AULA_ENOENT otherwise. */
int aula_store_session_get(aula_store *s, const char *token_hash, int64_t now_ms,
                           aula_session_rec *out);
/* Deletes a session; deleting a missing one is not an error. */
int aula_store_session_delete(aula_store *s, const char *token_hash);

#endif

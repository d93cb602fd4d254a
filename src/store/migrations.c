#include "store/migrations.h"

/* Notes on the first schema:
 *
 * - Ids are TEXT chosen by the room logic. "NOT NULL" is spelled out on
 *   primary keys because SQLite, unlike PostgreSQL, would otherwise accept
 *   NULL there.
 * - rooms.last_chat_seq is the per-room chat counter. chat_append bumps it
 *   and inserts the line in one transaction, so seq values are dense and
 *   never reused, even if old lines are deleted some day.
 * - chat_messages.participant_id has no foreign key on purpose: a chat line
 *   carries the sender's id and name as they were when it was sent, and
 *   storing it must not depend on the join record having been written.
 * - The primary key (room_id, seq) is the index chat paging walks, and it
 *   also serves the foreign key on room_id. participants gets its own index
 *   on room_id for the same foreign key and for "who was in this room". */
/* Notes on migration 2 (host accounts, room access, private chat lines):
 *
 * - users.email is stored lower-cased by the store layer, so the UNIQUE
 *   constraint is the "e-mail taken" check.
 * - sessions keep the SHA-256 of the cookie value, never the value: a copy
 *   of the database does not let anyone log in.
 * - rooms.owner_id is NULL for quick meetings made without an account;
 *   host_key is NULL only for rooms created before this migration.
 * - rooms_owner serves "my rooms, newest first". */
static const aula_store_migration migrations[] = {
    {
        1,
        "rooms, participants, chat_messages",
        "CREATE TABLE rooms (\n"
        "    id TEXT NOT NULL PRIMARY KEY,\n"
        "    title TEXT NOT NULL,\n"
        "    created_ms BIGINT NOT NULL,\n"
        "    last_chat_seq BIGINT NOT NULL DEFAULT 0\n"
        ");\n"
        "CREATE TABLE participants (\n"
        "    id TEXT NOT NULL PRIMARY KEY,\n"
        "    room_id TEXT NOT NULL REFERENCES rooms (id),\n"
        "    name TEXT NOT NULL,\n"
        "    joined_ms BIGINT NOT NULL,\n"
        "    left_ms BIGINT\n"
        ");\n"
        "CREATE INDEX participants_room_id ON participants (room_id);\n"
        "CREATE TABLE chat_messages (\n"
        "    room_id TEXT NOT NULL REFERENCES rooms (id),\n"
        "    seq BIGINT NOT NULL,\n"
        "    participant_id TEXT NOT NULL,\n"
        "    name TEXT NOT NULL,\n"
        "    text TEXT NOT NULL,\n"
        "    ts_ms BIGINT NOT NULL,\n"
        "    PRIMARY KEY (room_id, seq)\n"
        ");\n",
    },
    {
        2,
        "users, sessions, room access fields, hosts-only chat",
        "CREATE TABLE users (\n"
        "    id TEXT NOT NULL PRIMARY KEY,\n"
        "    email TEXT NOT NULL UNIQUE,\n"
        "    name TEXT NOT NULL,\n"
        "    password_hash TEXT NOT NULL,\n"
        "    created_ms BIGINT NOT NULL\n"
        ");\n"
        "CREATE TABLE sessions (\n"
        "    token_hash TEXT NOT NULL PRIMARY KEY,\n"
        "    user_id TEXT NOT NULL REFERENCES users (id),\n"
        "    csrf TEXT NOT NULL,\n"
        "    created_ms BIGINT NOT NULL,\n"
        "    expires_ms BIGINT NOT NULL\n"
        ");\n"
        "CREATE INDEX sessions_user_id ON sessions (user_id);\n"
        "ALTER TABLE rooms ADD COLUMN owner_id TEXT REFERENCES users (id);\n"
        "ALTER TABLE rooms ADD COLUMN host_key TEXT;\n"
        "ALTER TABLE rooms ADD COLUMN password_hash TEXT;\n"
        "ALTER TABLE rooms ADD COLUMN lobby INTEGER NOT NULL DEFAULT 0;\n"
        "ALTER TABLE rooms ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;\n"
        "CREATE INDEX rooms_owner ON rooms (owner_id, created_ms);\n"
        "ALTER TABLE chat_messages ADD COLUMN to_hosts INTEGER NOT NULL DEFAULT 0;\n",
    },
    /* Files (by the files engineer): one row per upload; the bytes live in
     * <data_dir>/files by sha256, shared by rows with the same content.
     * The index on sha256 answers "is this blob still used" on delete. */
    {
        3,
        "files",
        "CREATE TABLE files (\n"
        "    id TEXT NOT NULL PRIMARY KEY,\n"
        "    room_id TEXT NOT NULL REFERENCES rooms (id),\n"
        "    name TEXT NOT NULL,\n"
        "    type TEXT NOT NULL,\n"
        "    sha256 TEXT NOT NULL,\n"
        "    uploader_id TEXT NOT NULL,\n"
        "    uploader_name TEXT NOT NULL,\n"
        "    size BIGINT NOT NULL,\n"
        "    created_ms BIGINT NOT NULL\n"
        ");\n"
        "CREATE INDEX files_room_id ON files (room_id, created_ms);\n"
        "CREATE INDEX files_sha256 ON files (sha256);\n",
    },
    /* Events (by the events engineer): a scheduled meeting or webinar and
     * the room made with it. rooms.event_id has no foreign key: the room
     * is written first, in the same transaction as its event, and
     * events.room_id already ties the two. cancelled_ms and
     * reminder_sent_ms are NULL until that happens; the reminder query
     * walks events_due. registrations.email is lower-cased by the caller,
     * so UNIQUE (event_id, email) is the "already registered" check, and
     * registrations.id doubles as the registrant's participant id. */
    {
        4,
        "events, registrations, room kind and chat mode",
        "ALTER TABLE rooms ADD COLUMN kind TEXT NOT NULL DEFAULT 'meeting';\n"
        "ALTER TABLE rooms ADD COLUMN chat_mode TEXT NOT NULL DEFAULT 'everyone';\n"
        "ALTER TABLE rooms ADD COLUMN event_id TEXT;\n"
        "CREATE TABLE events (\n"
        "    id TEXT NOT NULL PRIMARY KEY,\n"
        "    room_id TEXT NOT NULL REFERENCES rooms (id),\n"
        "    owner_id TEXT NOT NULL REFERENCES users (id),\n"
        "    title TEXT NOT NULL,\n"
        "    description TEXT NOT NULL,\n"
        "    starts_ms BIGINT NOT NULL,\n"
        "    time_zone TEXT NOT NULL,\n"
        "    duration_min INTEGER NOT NULL,\n"
        "    type TEXT NOT NULL,\n"
        "    access TEXT NOT NULL,\n"
        "    password_hash TEXT,\n"
        "    welcome_text TEXT NOT NULL,\n"
        "    presenter_key TEXT NOT NULL,\n"
        "    cancelled_ms BIGINT,\n"
        "    reminder_sent_ms BIGINT,\n"
        "    created_ms BIGINT NOT NULL,\n"
        "    sequence INTEGER NOT NULL DEFAULT 0\n"
        ");\n"
        "CREATE INDEX events_owner ON events (owner_id, starts_ms);\n"
        "CREATE INDEX events_due ON events (starts_ms) WHERE cancelled_ms IS NULL AND "
        "reminder_sent_ms IS NULL;\n"
        "CREATE TABLE registrations (\n"
        "    id TEXT NOT NULL PRIMARY KEY,\n"
        "    event_id TEXT NOT NULL REFERENCES events (id),\n"
        "    name TEXT NOT NULL,\n"
        "    email TEXT NOT NULL,\n"
        "    lang TEXT NOT NULL DEFAULT 'en',\n"
        "    consent_ms BIGINT NOT NULL,\n"
        "    join_key TEXT NOT NULL,\n"
        "    created_ms BIGINT NOT NULL,\n"
        "    UNIQUE (event_id, email)\n"
        ");\n"
        "CREATE INDEX registrations_key ON registrations (event_id, join_key);\n",
    },
    /* Webinars (by the webinar engineer): Q&A and polls. Ids are chosen
     * as MAX(id) + 1 by the store inside the inserting transaction. The
     * primary keys of question_votes and poll_votes are the "once per
     * participant" rules; questions.votes is kept in the same transaction
     * as its vote row. poll_votes.choices is a bit set of choice indices
     * (at most 10 choices). questions_asker serves the per-minute limit. */
    {
        5,
        "questions, question_votes, polls, poll_choices, poll_votes",
        "CREATE TABLE questions (\n"
        "    id BIGINT NOT NULL PRIMARY KEY,\n"
        "    room_id TEXT NOT NULL REFERENCES rooms (id),\n"
        "    participant_id TEXT NOT NULL,\n"
        "    name TEXT NOT NULL,\n"
        "    text TEXT NOT NULL,\n"
        "    ts_ms BIGINT NOT NULL,\n"
        "    votes BIGINT NOT NULL DEFAULT 0,\n"
        "    answered INTEGER NOT NULL DEFAULT 0,\n"
        "    answer_text TEXT,\n"
        "    answer_live INTEGER NOT NULL DEFAULT 0,\n"
        "    answer_by_id TEXT,\n"
        "    answer_by_name TEXT,\n"
        "    hidden INTEGER NOT NULL DEFAULT 0\n"
        ");\n"
        "CREATE INDEX questions_room ON questions (room_id, id);\n"
        "CREATE INDEX questions_asker ON questions (room_id, participant_id, ts_ms);\n"
        "CREATE TABLE question_votes (\n"
        "    question_id BIGINT NOT NULL REFERENCES questions (id),\n"
        "    participant_id TEXT NOT NULL,\n"
        "    ts_ms BIGINT NOT NULL,\n"
        "    PRIMARY KEY (question_id, participant_id)\n"
        ");\n"
        "CREATE TABLE polls (\n"
        "    id BIGINT NOT NULL PRIMARY KEY,\n"
        "    room_id TEXT NOT NULL REFERENCES rooms (id),\n"
        "    question TEXT NOT NULL,\n"
        "    multiple INTEGER NOT NULL,\n"
        "    state INTEGER NOT NULL DEFAULT 0,\n"
        "    show_results INTEGER NOT NULL DEFAULT 0,\n"
        "    created_ms BIGINT NOT NULL\n"
        ");\n"
        "CREATE INDEX polls_room ON polls (room_id, id);\n"
        "CREATE TABLE poll_choices (\n"
        "    poll_id BIGINT NOT NULL REFERENCES polls (id),\n"
        "    idx INTEGER NOT NULL,\n"
        "    text TEXT NOT NULL,\n"
        "    PRIMARY KEY (poll_id, idx)\n"
        ");\n"
        "CREATE TABLE poll_votes (\n"
        "    poll_id BIGINT NOT NULL REFERENCES polls (id),\n"
        "    participant_id TEXT NOT NULL,\n"
        "    choices BIGINT NOT NULL,\n"
        "    ts_ms BIGINT NOT NULL,\n"
        "    PRIMARY KEY (poll_id, participant_id)\n"
        ");\n",
    },
    /* Events (by the events engineer): when the personal link was last
     * e-mailed again on a repeated registration, so that repeating it
     * cannot flood someone's mailbox (NULL: never re-sent). */
    {
        6,
        "registrations.mailed_ms",
        "ALTER TABLE registrations ADD COLUMN mailed_ms BIGINT;\n",
    },
    /* Webinars: who a host took off stage, so that the presenter join
     * token they still hold (valid up to join_token_ttl) does not put them
     * back on stage after a restart, or after the room was unloaded. */
    {
        7,
        "stage_off",
        "CREATE TABLE stage_off (\n"
        "    room_id TEXT NOT NULL REFERENCES rooms (id),\n"
        "    participant_id TEXT NOT NULL,\n"
        "    at_ms BIGINT NOT NULL,\n"
        "    PRIMARY KEY (room_id, participant_id)\n"
        ");\n",
    },
};

const aula_store_migration *aula_store_migrations(size_t *n)
{
    *n = sizeof migrations / sizeof migrations[0];
    return migrations;
}

int aula_store_schema_latest(void)
{
    return migrations[sizeof migrations / sizeof migrations[0] - 1].version;
}

const char *aula_store_migrations_table_sql(void)
{
    return "CREATE TABLE IF NOT EXISTS schema_migrations (\n"
           "    version INTEGER NOT NULL PRIMARY KEY,\n"
           "    applied_ms BIGINT NOT NULL\n"
           ");\n";
}

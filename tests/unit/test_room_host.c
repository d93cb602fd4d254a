/* Room logic behind host controls, without sockets: roles and what each
 * may do, mutes, removal, ending, the lobby, raised hands, hosts-only
 * notifications and a reconnection taking over a live participant. Sinks
 * record what a session would have been told or asked to do; the store is
 * a real SQLite database in a temporary folder. */
#include "core/error.h"
#include "room/hands.h"
#include "room/host_controls.h"
#include "room/lobby.h"
#include "room/room.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define ROOM "abc-defg-hjk"

/* What one session saw. */
typedef struct inbox {
    char texts[32][512];
    int n;
    int paused[2];
    int detach_code;
    int role_changed;
    int admitted;
    aula_participant *p; /* cleared when detached */
} inbox;

static void deliver(void *ud, const char *text, size_t len)
{
    inbox *in = ud;
    if (in->n < 32)
        snprintf(in->texts[in->n++], sizeof in->texts[0], "%.*s", (int)len, text);
}

static void force_pause(void *ud, aula_track t)
{
    ((inbox *)ud)->paused[t]++;
}

static void detach(void *ud, int code, const char *reason)
{
    inbox *in = ud;
    (void)reason;
    in->detach_code = code;
    in->p = NULL;
}

static void role_changed(void *ud)
{
    ((inbox *)ud)->role_changed++;
}

static void admitted(void *ud)
{
    ((inbox *)ud)->admitted++;
}

static const aula_participant_sink sink = {deliver, force_pause, detach, role_changed};
static const aula_waiter_sink wsink = {deliver, admitted, detach};

/* How many notifications of method in has, and the last one. */
static int got(const inbox *in, const char *method, const char **last)
{
    char needle[64];
    snprintf(needle, sizeof needle, "\"method\": \"%s\"", method);
    char needle2[64];
    snprintf(needle2, sizeof needle2, "\"method\":\"%s\"", method);
    int n = 0;
    for (int i = 0; i < in->n; i++)
        if (strstr(in->texts[i], needle) || strstr(in->texts[i], needle2)) {
            n++;
            if (last)
                *last = in->texts[i];
        }
    return n;
}

typedef struct fixture {
    char dir[64];
    char path[128];
    aula_store *store;
    aula_rooms *rooms;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/aula-room-host-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/aula.db", f->dir);
    assert_int_equal(aula_store_sqlite_open(f->path, &f->store), 0);
    assert_int_equal(aula_store_room_create(
                         f->store, &(aula_room_rec){.id = ROOM, .title = "Class", .created_ms = 1}),
                     0);
    f->rooms = aula_rooms_create(f->store);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    aula_rooms_destroy(f->rooms);
    aula_store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static aula_participant *enter(fixture *f, const char *id, const char *name, aula_role role,
                               inbox *in)
{
    aula_entry e = {.participant_id = id, .name = name, .role = role};
    assert_int_equal(aula_rooms_enter(f->rooms, ROOM, &e, &sink, in, 10, &in->p, NULL), 0);
    return in->p;
}

static aula_actor actor(const aula_participant *p)
{
    return (aula_actor){aula_participant_role(p), aula_participant_id(p)};
}

static void participants_cannot_use_host_controls(void **state)
{
    fixture *f = *state;
    inbox h = {0}, a = {0}, b = {0};
    aula_participant *host = enter(f, "00000000000000a1", "Teacher", AULA_ROLE_HOST, &h);
    aula_participant *pa = enter(f, "00000000000000b1", "Ala", AULA_ROLE_PARTICIPANT, &a);
    enter(f, "00000000000000c1", "Bartek", AULA_ROLE_PARTICIPANT, &b);
    aula_actor as_a = actor(pa);
    char why[128];

    assert_int_equal(aula_host_mute(f->rooms, ROOM, &as_a, "00000000000000c1", AULA_TRACK_AUDIO, 0,
                                    why, sizeof why),
                     AULA_EPERM);
    assert_string_equal(why, "only hosts can mute others");
    assert_int_equal(aula_host_remove(f->rooms, ROOM, &as_a, "00000000000000c1", why, sizeof why),
                     AULA_EPERM);
    assert_string_equal(why, "only hosts can remove participants");
    assert_int_equal(aula_host_lock(f->rooms, ROOM, &as_a, 1, why, sizeof why), AULA_EPERM);
    assert_int_equal(aula_host_end(f->rooms, ROOM, &as_a, why, sizeof why), AULA_EPERM);
    assert_int_equal(aula_host_set_role(f->rooms, ROOM, &as_a, "00000000000000c1", AULA_ROLE_COHOST,
                                        why, sizeof why),
                     AULA_EPERM);
    assert_int_equal(aula_host_set_lobby(f->rooms, ROOM, &as_a, 1, why, sizeof why), AULA_EPERM);
    /* Nothing happened to anyone. */
    assert_int_equal(b.paused[AULA_TRACK_AUDIO], 0);
    assert_int_equal(b.detach_code, 0);
    assert_int_equal(aula_room_size(aula_participant_room(host)), 3);

    /* A cohost may use host controls but may not make cohosts, nor act on
     * the host. */
    aula_actor as_h = actor(host);
    assert_int_equal(aula_host_set_role(f->rooms, ROOM, &as_h, "00000000000000b1", AULA_ROLE_COHOST,
                                        why, sizeof why),
                     0);
    assert_int_equal(aula_participant_role(pa), AULA_ROLE_COHOST);
    assert_int_equal(a.role_changed, 1);
    assert_int_equal(got(&b, "participant.role", NULL), 1);
    assert_int_equal(got(&a, "participant.role", NULL), 0); /* its own copy comes from its sink */
    as_a = actor(pa);
    assert_int_equal(aula_host_set_role(f->rooms, ROOM, &as_a, "00000000000000c1", AULA_ROLE_COHOST,
                                        why, sizeof why),
                     AULA_EPERM);
    assert_int_equal(aula_host_remove(f->rooms, ROOM, &as_a, "00000000000000a1", why, sizeof why),
                     AULA_EPERM);
    assert_string_equal(why, "a co-host cannot remove a host");
    assert_int_equal(aula_host_mute(f->rooms, ROOM, &as_a, "00000000000000c1", AULA_TRACK_VIDEO, 0,
                                    why, sizeof why),
                     0);
    assert_int_equal(b.paused[AULA_TRACK_VIDEO], 1);
    /* Unknown target. */
    assert_int_equal(aula_host_mute(f->rooms, ROOM, &as_h, "ffffffffffffffff", AULA_TRACK_AUDIO, 0,
                                    why, sizeof why),
                     AULA_ENOENT);
    /* The host's role cannot be changed, and only to cohost/participant. */
    assert_int_equal(aula_host_set_role(f->rooms, ROOM, &as_h, "00000000000000a1",
                                        AULA_ROLE_PARTICIPANT, why, sizeof why),
                     AULA_EINVAL);
    assert_int_equal(aula_host_set_role(f->rooms, ROOM, &as_h, "00000000000000c1", AULA_ROLE_HOST,
                                        why, sizeof why),
                     AULA_EINVAL);

    aula_participant_leave(b.p, 20);
    aula_participant_leave(pa, 20);
    aula_participant_leave(host, 20);
    assert_int_equal(aula_rooms_live(f->rooms), 0);
}

static void mute_and_allow_unmute(void **state)
{
    fixture *f = *state;
    inbox h = {0}, a = {0};
    aula_participant *host = enter(f, "00000000000000a1", "Teacher", AULA_ROLE_HOST, &h);
    aula_participant *pa = enter(f, "00000000000000b1", "Ala", AULA_ROLE_PARTICIPANT, &a);
    aula_actor as_h = actor(host);
    char why[128];
    const char *last = NULL;

    assert_int_equal(aula_host_mute(f->rooms, ROOM, &as_h, aula_participant_id(pa),
                                    AULA_TRACK_AUDIO, 0, why, sizeof why),
                     0);
    assert_int_equal(a.paused[AULA_TRACK_AUDIO], 1);
    assert_int_equal(got(&a, "host.muted", &last), 1);
    assert_non_null(strstr(last, "\"allow_unmute\":false"));
    assert_non_null(strstr(last, "\"Teacher\""));
    int allow = -1;
    assert_true(aula_participant_host_muted(pa, AULA_TRACK_AUDIO, &allow));
    assert_int_equal(allow, 0);
    assert_false(aula_participant_host_muted(pa, AULA_TRACK_VIDEO, NULL));

    json_t *me = aula_participant_full_json(pa);
    assert_true(json_is_true(json_object_get(me, "audio_muted_by_host")));
    assert_true(json_is_false(json_object_get(me, "video_muted_by_host")));
    json_decref(me);

    /* Muting again with allow_unmute only allows; no second pause. */
    assert_int_equal(aula_host_mute(f->rooms, ROOM, &as_h, aula_participant_id(pa),
                                    AULA_TRACK_AUDIO, 1, why, sizeof why),
                     0);
    assert_int_equal(a.paused[AULA_TRACK_AUDIO], 1);
    assert_int_equal(got(&a, "host.unmute_allowed", &last), 1);
    assert_non_null(strstr(last, "\"audio\""));
    assert_true(aula_participant_host_muted(pa, AULA_TRACK_AUDIO, &allow));
    assert_int_equal(allow, 1);
    /* Unmuting itself ends the host mute. */
    aula_participant_clear_host_mute(pa, AULA_TRACK_AUDIO);
    assert_false(aula_participant_host_muted(pa, AULA_TRACK_AUDIO, NULL));

    aula_participant_leave(pa, 20);
    aula_participant_leave(host, 20);
}

static void remove_and_end(void **state)
{
    fixture *f = *state;
    inbox h = {0}, a = {0}, b = {0}, w = {0};
    aula_participant *host = enter(f, "00000000000000a1", "Teacher", AULA_ROLE_HOST, &h);
    enter(f, "00000000000000b1", "Ala", AULA_ROLE_PARTICIPANT, &a);
    enter(f, "00000000000000c1", "Bartek", AULA_ROLE_PARTICIPANT, &b);
    aula_actor as_h = actor(host);
    char why[128];

    assert_int_equal(aula_host_remove(f->rooms, ROOM, &as_h, "00000000000000a1", why, sizeof why),
                     AULA_EINVAL); /* not oneself */
    assert_int_equal(aula_host_remove(f->rooms, ROOM, &as_h, "00000000000000b1", why, sizeof why),
                     0);
    assert_int_equal(got(&a, "room.removed", NULL), 1);
    assert_int_equal(a.detach_code, AULA_CLOSE_REMOVED);
    assert_null(a.p);
    assert_int_equal(got(&b, "participant.left", NULL), 1);
    assert_int_equal(got(&h, "participant.left", NULL), 1);
    aula_room *r = aula_participant_room(host);
    assert_int_equal(aula_room_size(r), 2);
    /* The removed id may not come back while the room is live. */
    assert_int_equal(aula_room_admission(r, "00000000000000b1", AULA_ROLE_PARTICIPANT, 1),
                     AULA_ADMIT_REMOVED);
    inbox again = {0};
    aula_entry e = {"00000000000000b1", "Ala", AULA_ROLE_PARTICIPANT};
    assert_int_equal(aula_rooms_enter(f->rooms, ROOM, &e, &sink, &again, 30, &again.p, NULL),
                     AULA_EPERM);

    /* Someone waits in the lobby when the meeting ends. */
    assert_int_equal(aula_host_set_lobby(f->rooms, ROOM, &as_h, 1, why, sizeof why), 0);
    assert_non_null(aula_lobby_wait(r, "00000000000000d1", "Celina", &wsink, &w, 40));

    assert_int_equal(aula_host_end(f->rooms, ROOM, &as_h, why, sizeof why), 0);
    assert_int_equal(got(&h, "room.ended", NULL), 1);
    assert_int_equal(got(&b, "room.ended", NULL), 1);
    assert_int_equal(got(&w, "room.ended", NULL), 1);
    assert_int_equal(h.detach_code, AULA_CLOSE_ENDED);
    assert_int_equal(b.detach_code, AULA_CLOSE_ENDED);
    assert_int_equal(w.detach_code, AULA_CLOSE_ENDED);
    assert_int_equal(aula_rooms_live(f->rooms), 0);
    assert_int_equal(aula_rooms_participants(f->rooms), 0);
    /* Ending a room nobody is in says so. */
    assert_int_equal(aula_host_end(f->rooms, ROOM, &as_h, why, sizeof why), AULA_ENOENT);
}

static void lobby_admit_and_decline(void **state)
{
    fixture *f = *state;
    inbox h = {0}, w1 = {0}, w2 = {0};
    char why[128];
    aula_actor rest_host = {AULA_ROLE_HOST, NULL};
    /* The flag is stored even when nobody is in the room. */
    assert_int_equal(aula_host_set_lobby(f->rooms, ROOM, &rest_host, 1, why, sizeof why), 0);
    aula_room_rec rec;
    assert_int_equal(aula_store_room_get(f->store, ROOM, &rec), 0);
    assert_int_equal(rec.lobby, 1);
    aula_room_rec_deinit(&rec);

    aula_room *r = NULL;
    assert_int_equal(aula_rooms_load(f->rooms, ROOM, &r), 0);
    assert_int_equal(aula_room_admission(r, "00000000000000b1", AULA_ROLE_PARTICIPANT, 0),
                     AULA_ADMIT_WAIT);
    assert_int_equal(aula_room_admission(r, "00000000000000b1", AULA_ROLE_PARTICIPANT, 1),
                     AULA_ADMIT_ENTER);
    assert_int_equal(aula_room_admission(r, "00000000000000a1", AULA_ROLE_HOST, 0),
                     AULA_ADMIT_ENTER);
    /* Waiting before any host is there keeps the room live. */
    aula_lobby_wait(r, "00000000000000b1", "Ala", &wsink, &w1, 5);
    assert_int_equal(aula_rooms_live(f->rooms), 1);

    aula_participant *host = enter(f, "00000000000000a1", "Teacher", AULA_ROLE_HOST, &h);
    aula_lobby_wait(r, "00000000000000c1", "Bartek", &wsink, &w2, 6);
    assert_int_equal(got(&h, "lobby.waiting", NULL), 1); /* Bartek came after the host */
    json_t *list = aula_lobby_json(r);
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "name")), "Ala");
    json_decref(list);

    aula_actor as_h = actor(host);
    assert_int_equal(aula_host_admit(f->rooms, ROOM, &as_h, "00000000000000b1", 1, why, sizeof why),
                     0);
    assert_int_equal(w1.admitted, 1);
    assert_int_equal(w1.detach_code, 0);
    assert_int_equal(aula_host_admit(f->rooms, ROOM, &as_h, "00000000000000c1", 0, why, sizeof why),
                     0);
    assert_int_equal(w2.admitted, 0);
    assert_int_equal(got(&w2, "lobby.declined", NULL), 1);
    assert_int_equal(w2.detach_code, AULA_CLOSE_REMOVED);
    assert_int_equal(got(&h, "lobby.left", NULL), 2);
    assert_int_equal(aula_lobby_size(r), 0);
    assert_int_equal(aula_host_admit(f->rooms, ROOM, &as_h, "00000000000000c1", 1, why, sizeof why),
                     AULA_ENOENT);

    /* A participant cannot let people in. */
    inbox a = {0};
    aula_participant *pa = enter(f, "00000000000000b1", "Ala", AULA_ROLE_PARTICIPANT, &a);
    aula_actor as_a = actor(pa);
    assert_int_equal(aula_host_admit(f->rooms, ROOM, &as_a, "00000000000000c1", 1, why, sizeof why),
                     AULA_EPERM);

    /* Someone who was in the room passes the lobby (and the lock) next
     * time, a newcomer is stopped by the lock. */
    aula_participant_leave(pa, 50);
    assert_int_equal(aula_room_admission(r, "00000000000000b1", AULA_ROLE_PARTICIPANT, 0),
                     AULA_ADMIT_ENTER);
    assert_int_equal(aula_host_lock(f->rooms, ROOM, &as_h, 1, why, sizeof why), 0);
    assert_int_equal(got(&h, "room.locked", NULL), 1);
    assert_int_equal(aula_room_admission(r, "00000000000000b1", AULA_ROLE_PARTICIPANT, 1),
                     AULA_ADMIT_ENTER);
    assert_int_equal(aula_room_admission(r, "00000000000000e1", AULA_ROLE_PARTICIPANT, 1),
                     AULA_ADMIT_LOCKED);
    assert_int_equal(aula_room_admission(r, NULL, AULA_ROLE_PARTICIPANT, 1), AULA_ADMIT_LOCKED);

    /* Turning the lobby off lets everyone waiting in. */
    inbox w3 = {0};
    aula_lobby_wait(r, "00000000000000f1", "Dorota", &wsink, &w3, 60);
    assert_int_equal(aula_host_set_lobby(f->rooms, ROOM, &as_h, 0, why, sizeof why), 0);
    assert_int_equal(w3.admitted, 1);
    assert_int_equal(got(&h, "room.lobby", NULL), 1);
    aula_participant_leave(host, 70);
    assert_int_equal(aula_rooms_live(f->rooms), 0);
}

static void waiter_gives_up(void **state)
{
    fixture *f = *state;
    inbox h = {0}, w = {0};
    aula_actor rest_host = {AULA_ROLE_HOST, NULL};
    char why[128];
    assert_int_equal(aula_host_set_lobby(f->rooms, ROOM, &rest_host, 1, why, sizeof why), 0);
    aula_participant *host = enter(f, "00000000000000a1", "Teacher", AULA_ROLE_HOST, &h);
    aula_room *r = aula_participant_room(host);
    aula_waiter *wt = aula_lobby_wait(r, "00000000000000b1", "Ala", &wsink, &w, 5);
    /* The same person again (a reconnection) replaces the first wait. */
    inbox w_again = {0};
    assert_ptr_equal(aula_lobby_wait(r, "00000000000000b1", "Ala", &wsink, &w_again, 6), wt);
    assert_int_equal(w.detach_code, AULA_CLOSE_REPLACED);
    assert_int_equal(got(&h, "lobby.waiting", NULL), 1);
    aula_waiter_leave(wt);
    assert_int_equal(got(&h, "lobby.left", NULL), 1);
    aula_participant_leave(host, 7);
}

static void hands_in_raise_order(void **state)
{
    fixture *f = *state;
    inbox h = {0}, a = {0}, b = {0};
    aula_participant *host = enter(f, "00000000000000a1", "Teacher", AULA_ROLE_HOST, &h);
    aula_participant *pa = enter(f, "00000000000000b1", "Ala", AULA_ROLE_PARTICIPANT, &a);
    aula_participant *pb = enter(f, "00000000000000c1", "Bartek", AULA_ROLE_PARTICIPANT, &b);
    aula_room *r = aula_participant_room(host);

    assert_int_equal(aula_hand_raise(pb, 100), 0);
    assert_int_equal(aula_hand_raise(pa, 200), 0);
    assert_int_equal(aula_hand_raise(pb, 300), 1); /* already up: keeps its place */
    assert_int_equal(got(&h, "hand.changed", NULL), 2);
    assert_int_equal(aula_hand_place(pb), 1);
    assert_int_equal(aula_hand_place(pa), 2);
    assert_int_equal(aula_hand_place(host), 0);
    json_t *hands = aula_room_hands_json(r, NULL);
    assert_int_equal(json_array_size(hands), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(hands, 0), "name")),
                        "Bartek");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(hands, 0), "since")), 100);
    assert_string_equal(json_string_value(json_object_get(json_array_get(hands, 1), "name")),
                        "Ala");
    json_decref(hands);

    /* A participant cannot lower someone else's hand; a host can. */
    char why[128];
    aula_actor as_a = actor(pa), as_h = actor(host);
    assert_int_equal(
        aula_host_lower_hand(f->rooms, ROOM, &as_a, "00000000000000c1", why, sizeof why),
        AULA_EPERM);
    assert_int_equal(
        aula_host_lower_hand(f->rooms, ROOM, &as_h, "00000000000000c1", why, sizeof why), 0);
    assert_int_equal(aula_hand_place(pa), 1);
    /* Raised again, Bartek goes to the end of the queue. */
    aula_hand_raise(pb, 400);
    assert_int_equal(aula_hand_place(pb), 2);
    /* A participant leaving with the hand up leaves the queue. */
    int before = got(&h, "hand.changed", NULL);
    aula_participant_leave(pa, 500);
    assert_int_equal(got(&h, "hand.changed", NULL), before + 1);
    assert_int_equal(aula_hand_place(pb), 1);
    assert_int_equal(aula_hand_lower(pb), 0);
    assert_int_equal(aula_hand_lower(pb), 1);
    aula_participant_leave(pb, 600);
    aula_participant_leave(host, 600);
}

static void hosts_only_notifications(void **state)
{
    fixture *f = *state;
    inbox h = {0}, c = {0}, a = {0}, b = {0};
    aula_participant *host = enter(f, "00000000000000a1", "Teacher", AULA_ROLE_HOST, &h);
    aula_participant *co = enter(f, "00000000000000d1", "Helper", AULA_ROLE_COHOST, &c);
    aula_participant *pa = enter(f, "00000000000000b1", "Ala", AULA_ROLE_PARTICIPANT, &a);
    aula_participant *pb = enter(f, "00000000000000c1", "Bartek", AULA_ROLE_PARTICIPANT, &b);
    aula_room_notify_hosts(aula_participant_room(pa), "chat.message",
                           json_pack("{s:s,s:s}", "text", "a question", "to", "hosts"), pa);
    assert_int_equal(got(&h, "chat.message", NULL), 1);
    assert_int_equal(got(&c, "chat.message", NULL), 1);
    assert_int_equal(got(&a, "chat.message", NULL), 0); /* the sender has its result */
    assert_int_equal(got(&b, "chat.message", NULL), 0);
    assert_true(aula_participant_is_host(co));
    assert_false(aula_participant_is_host(pb));
    aula_participant_leave(pb, 1);
    aula_participant_leave(pa, 1);
    aula_participant_leave(co, 1);
    aula_participant_leave(host, 1);
}

static void rejoin_replaces_the_old_connection(void **state)
{
    fixture *f = *state;
    inbox h = {0}, old = {0}, fresh = {0};
    aula_participant *host = enter(f, "00000000000000a1", "Teacher", AULA_ROLE_HOST, &h);
    aula_participant *pa = enter(f, "00000000000000b1", "Ala", AULA_ROLE_PARTICIPANT, &old);
    aula_hand_raise(pa, 5);
    char why[128];
    aula_actor as_h = actor(host);
    assert_int_equal(aula_host_mute(f->rooms, ROOM, &as_h, "00000000000000b1", AULA_TRACK_AUDIO, 0,
                                    why, sizeof why),
                     0);
    int joined_before = got(&h, "participant.joined", NULL);

    aula_entry e = {"00000000000000b1", "Ala K.", AULA_ROLE_PARTICIPANT};
    aula_participant *again = NULL;
    int replaced = 0;
    assert_int_equal(aula_rooms_enter(f->rooms, ROOM, &e, &sink, &fresh, 20, &again, &replaced), 0);
    assert_int_equal(replaced, 1);
    assert_ptr_equal(again, pa); /* the same participant, kept */
    assert_int_equal(old.detach_code, AULA_CLOSE_REPLACED);
    assert_string_equal(aula_participant_name(again), "Ala K.");
    assert_int_equal(aula_room_size(aula_participant_room(host)), 2);
    /* The others saw no leave nor join, only the media state. */
    assert_int_equal(got(&h, "participant.left", NULL), 0);
    assert_int_equal(got(&h, "participant.joined", NULL), joined_before);
    assert_int_equal(got(&h, "participant.media", NULL), 1);
    /* Hand and host mute stay with the participant. */
    assert_int_equal(aula_hand_place(again), 1);
    assert_true(aula_participant_host_muted(again, AULA_TRACK_AUDIO, NULL));
    /* From now on the new sink hears the room. */
    aula_room_notify(aula_participant_room(host), "chat.message", json_pack("{s:s}", "text", "x"),
                     host);
    assert_int_equal(got(&fresh, "chat.message", NULL), 1);
    assert_int_equal(got(&old, "chat.message", NULL), 0);

    /* After the room went idle (a restart), the same id comes back as the
     * same participant id: the store keeps one row. */
    aula_participant_leave(again, 30);
    aula_participant_leave(host, 30);
    assert_int_equal(aula_store_participant_seen(f->store, ROOM, "00000000000000b1"), 0);
    inbox later = {0};
    aula_participant *back = enter(f, "00000000000000b1", "Ala", AULA_ROLE_PARTICIPANT, &later);
    assert_string_equal(aula_participant_id(back), "00000000000000b1");
    aula_participant_leave(back, 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(participants_cannot_use_host_controls, setup, teardown),
        cmocka_unit_test_setup_teardown(mute_and_allow_unmute, setup, teardown),
        cmocka_unit_test_setup_teardown(remove_and_end, setup, teardown),
        cmocka_unit_test_setup_teardown(lobby_admit_and_decline, setup, teardown),
        cmocka_unit_test_setup_teardown(waiter_gives_up, setup, teardown),
        cmocka_unit_test_setup_teardown(hands_in_raise_order, setup, teardown),
        cmocka_unit_test_setup_teardown(hosts_only_notifications, setup, teardown),
        cmocka_unit_test_setup_teardown(rejoin_replaces_the_old_connection, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

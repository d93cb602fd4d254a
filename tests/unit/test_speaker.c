/* Active speaker detection (sfu/speaker) in virtual time: synthetic RFC 6464
 * levels every 20 ms per producer, the timer driven as the engine does;
 * then through the whole engine (router hook, timer, ACTIVE_SPEAKER report)
 * with the in-memory peers of media_test_peer.h. */
#include "sfu/speaker.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <srtp2/srtp.h>

#include "core/error.h"
#include "rtc/dtls.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "rtc/srtp.h"
#include "rtc/stun.h"
#include "sfu/engine.h"

#include "dtls_test_client.h"
/* The shared peer helpers are all static; this program uses a few. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "media_test_peer.h"

#define A 11
#define B 22
#define C 33
#define NONE (-1) /* no packet: paused or not sending */

typedef struct sim {
    aula_speaker *s;
    uint64_t now;
    int changes;         /* reports seen */
    uint64_t reported;   /* the last reported producer id */
    uint64_t changed_at; /* when it was reported */
} sim;

static void sim_init(sim *m)
{
    memset(m, 0, sizeof *m);
    m->now = 1000;
    m->s = aula_speaker_create();
    aula_speaker_add(m->s, A);
    aula_speaker_add(m->s, B);
}

static void tick(sim *m)
{
    uint64_t at, id = 99;
    if (aula_speaker_next_timeout(m->s, &at) && at <= m->now &&
        aula_speaker_handle_timeout(m->s, m->now, &id)) {
        assert_int_not_equal(id, 99);
        m->changes++;
        m->reported = id;
        m->changed_at = m->now;
    }
}

/* Runs for ms with producer A at level la and B at lb (NONE: silent link). */
static void run(sim *m, uint64_t ms, int la, int lb)
{
    for (uint64_t end = m->now + ms; m->now < end; m->now += 10) {
        if (m->now % 20 == 0) {
            if (la != NONE)
                aula_speaker_on_level(m->s, A, (uint8_t)la);
            if (lb != NONE)
                aula_speaker_on_level(m->s, B, (uint8_t)lb);
        }
        tick(m);
    }
}

static void louder_producer_wins_after_hold_time(void **state)
{
    (void)state;
    sim m;
    sim_init(&m);
    run(&m, 2000, 30, 127); /* A speaks, B is quiet */
    assert_int_equal(m.changes, 1);
    assert_int_equal(m.reported, A);
    assert_int_equal(aula_speaker_active(m.s), A);

    uint64_t start = m.now;
    run(&m, 3000, 90, 10); /* B is much louder from now on */
    assert_int_equal(m.changes, 2);
    assert_int_equal(m.reported, B);
    /* Not before the hold time, and not much later than a few intervals. */
    assert_true(m.changed_at - start >= AULA_SPEAKER_HOLD_MS);
    assert_true(m.changed_at - start <= AULA_SPEAKER_HOLD_MS + 4 * AULA_SPEAKER_INTERVAL_MS);
    aula_speaker_destroy(m.s);
}

static void brief_blip_does_not_switch(void **state)
{
    (void)state;
    sim m;
    sim_init(&m);
    run(&m, 2000, 70, 127); /* A talks at a moderate level */
    assert_int_equal(aula_speaker_active(m.s), A);
    for (int i = 0; i < 5; i++) {
        run(&m, 250, 70, 0); /* B: a short very loud blip */
        run(&m, 2000, 70, 127);
    }
    run(&m, 150, 70, 0); /* a shorter one */
    run(&m, 2000, 70, 127);
    assert_int_equal(m.changes, 1);
    assert_int_equal(aula_speaker_active(m.s), A);

    /* Equal loudness, under the margin: no flapping either. */
    run(&m, 5000, 50, 50);
    assert_int_equal(m.changes, 1);
    aula_speaker_destroy(m.s);
}

static void silence_keeps_last_speaker(void **state)
{
    (void)state;
    sim m;
    sim_init(&m);
    run(&m, 5000, 127, 127); /* everybody silent: no speaker at all */
    assert_int_equal(m.changes, 0);
    assert_int_equal(aula_speaker_active(m.s), 0);

    run(&m, 2000, 127, 40);
    assert_int_equal(m.reported, B);
    run(&m, 10000, 127, 127);   /* silence */
    run(&m, 10000, NONE, NONE); /* nothing sent at all (paused) */
    assert_int_equal(m.changes, 1);
    assert_int_equal(aula_speaker_active(m.s), B);

    /* The speaker muted (no packets): the other one takes over. */
    run(&m, 2000, 40, NONE);
    assert_int_equal(m.changes, 2);
    assert_int_equal(m.reported, A);
    aula_speaker_destroy(m.s);
}

static void removed_producer_is_forgotten(void **state)
{
    (void)state;
    sim m;
    sim_init(&m);
    aula_speaker_add(m.s, C);
    aula_speaker_add(m.s, C); /* a duplicate is ignored */
    run(&m, 2000, 127, 20);
    assert_int_equal(m.reported, B);

    aula_speaker_remove(m.s, B);
    aula_speaker_remove(m.s, B); /* twice is harmless */
    run(&m, 300, 127, 20);       /* B's packets now are ignored */
    assert_int_equal(m.changes, 2);
    assert_int_equal(m.reported, 0); /* "nobody" is reported once */
    run(&m, 3000, 127, 20);
    assert_int_equal(m.changes, 2);

    run(&m, 2000, 60, 20);
    assert_int_equal(m.changes, 3);
    assert_int_equal(m.reported, A);

    /* Removing everyone stops the timer once "nobody" was reported. */
    aula_speaker_remove(m.s, A);
    aula_speaker_remove(m.s, C);
    uint64_t at;
    assert_true(aula_speaker_next_timeout(m.s, &at));
    run(&m, 300, NONE, NONE);
    assert_int_equal(m.changes, 4);
    assert_int_equal(m.reported, 0);
    assert_false(aula_speaker_next_timeout(m.s, &at));
    aula_speaker_on_level(m.s, A, 0); /* unknown: ignored */
    aula_speaker_destroy(m.s);
}

static void timer_is_paced(void **state)
{
    (void)state;
    aula_speaker *s = aula_speaker_create();
    uint64_t at, id;
    assert_false(aula_speaker_next_timeout(s, &at)); /* no audio: no timer */
    aula_speaker_add(s, A);
    assert_true(aula_speaker_next_timeout(s, &at));
    assert_int_equal(at, 0); /* due at once: that starts the first interval */
    assert_false(aula_speaker_handle_timeout(s, 5000, &id));
    assert_true(aula_speaker_next_timeout(s, &at));
    assert_int_equal(at, 5000 + AULA_SPEAKER_INTERVAL_MS);
    /* Early calls (another timer fired) do nothing. */
    aula_speaker_on_level(s, A, 0);
    assert_false(aula_speaker_handle_timeout(s, 5100, &id));
    assert_true(aula_speaker_next_timeout(s, &at));
    assert_int_equal(at, 5000 + AULA_SPEAKER_INTERVAL_MS);
    aula_speaker_destroy(s);
    aula_speaker_destroy(NULL);
}

/* ---- through the engine --------------------------------------------------- */

#define LEVEL_EXT_ID 1

/* An Opus-like packet with the RFC 6464 element (one-byte form, RFC 8285
 * section 4.2): V=1 and the level. */
static size_t make_audio(uint8_t *b, uint32_t ssrc, uint16_t seq, uint8_t level)
{
    uint32_t ts = 960u * seq;
    const uint8_t hdr[20] = {0x90,
                             111,
                             (uint8_t)(seq >> 8),
                             (uint8_t)seq,
                             (uint8_t)(ts >> 24),
                             (uint8_t)(ts >> 16),
                             (uint8_t)(ts >> 8),
                             (uint8_t)ts,
                             (uint8_t)(ssrc >> 24),
                             (uint8_t)(ssrc >> 16),
                             (uint8_t)(ssrc >> 8),
                             (uint8_t)ssrc,
                             0xbe,
                             0xde,
                             0x00,
                             0x01,
                             LEVEL_EXT_ID << 4,
                             (uint8_t)(0x80 | level),
                             0,
                             0};
    memcpy(b, hdr, sizeof hdr);
    memset(b + sizeof hdr, 0x5a, 40);
    return sizeof hdr + 40;
}

static void add_audio(aula_media_engine *e, uint64_t id, uint32_t ssrc)
{
    producer_add(e, &(aula_media_producer_add){.producer_id = id,
                                               .transport_id = 1,
                                               .kind = AULA_MEDIA_AUDIO,
                                               .ssrc = ssrc,
                                               .payload_type = 111,
                                               .clock_rate = 48000});
}

/* ms of audio from both producers (NONE: not sent), timers run; returns
 * the producer id of the last ACTIVE_SPEAKER report, or -1 when none. */
static int64_t talk(aula_media_engine *e, peer *pub, uint64_t ms, int l10, int l11)
{
    static uint16_t seq = 100;
    int64_t got = -1;
    uint8_t pkt[DGRAM_CAP];
    for (uint64_t end = now + ms; now < end; now += 20) {
        seq++;
        if (l10 != NONE)
            peer_send(e, pub, pkt, make_audio(pkt, 1111, seq, (uint8_t)l10), false);
        if (l11 != NONE)
            peer_send(e, pub, pkt, make_audio(pkt, 1112, seq, (uint8_t)l11), false);
        run_timers(e);
        net_n = 0; /* receiver reports and the like: not looked at here */
        for (size_t i = 0; i < reports_n; i++) {
            if (reports[i].type != AULA_MEDIA_ACTIVE_SPEAKER)
                continue;
            assert_int_equal(reports[i].u.active_speaker.room_key, 77);
            got = (int64_t)reports[i].u.active_speaker.producer_id;
        }
        reports_n = 0;
    }
    return got;
}

static void engine_reports_active_speaker(void **state)
{
    (void)state;
    reset();
    aula_media_engine *e = aula_media_engine_create(identity, &engine_cb, NULL);
    peer pub;
    peer_init(&pub, 1, 40001, "pubufrag");
    /* The audio level extension negotiated. */
    aula_media_extensions ext = {.audio_level = LEVEL_EXT_ID};
    peer_connect_ext(e, &pub, AULA_MEDIA_PUBLISH, &ext);
    add_audio(e, 10, 1111);
    add_audio(e, 11, 1112);
    reset();

    /* 10 talks, 11 is quiet: one report naming 10, then no more. */
    assert_int_equal(talk(e, &pub, 2000, 30, 127), 10);
    assert_int_equal(talk(e, &pub, 2000, 30, 127), -1);
    /* 10 is paused (muted): its packets are dropped before the level is
     * read, so 11 takes over although 10 keeps sending loud packets. */
    send_cmd(e, AULA_MEDIA_PRODUCER_PAUSE, 10, 1);
    assert_int_equal(talk(e, &pub, 2000, 0, 60), 11);
    /* The speaker's producer goes: "nobody" is reported. */
    send_cmd(e, AULA_MEDIA_PRODUCER_CLOSE, 11, 0);
    assert_int_equal(talk(e, &pub, 500, NONE, NONE), 0);

    send_cmd(e, AULA_MEDIA_TRANSPORT_CLOSE, 1, 0);
    aula_media_engine_destroy(e);
    peer_free(&pub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(louder_producer_wins_after_hold_time),
        cmocka_unit_test(brief_blip_does_not_switch),
        cmocka_unit_test(silence_keeps_last_speaker),
        cmocka_unit_test(removed_producer_is_forgotten),
        cmocka_unit_test(timer_is_paced),
        cmocka_unit_test(engine_reports_active_speaker),
    };
    return cmocka_run_group_tests(tests, peer_group_setup, peer_group_teardown);
}

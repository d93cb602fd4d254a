/* Active speaker detection for one room on a media worker, sans-IO: the
 * router feeds it the RFC 6464 audio level of every forwarded audio packet,
 * the engine's timer evaluates it every AULA_SPEAKER_INTERVAL_MS and asks
 * whether the active speaker changed.
 *
 * Loudness: per producer, the mean of (127 - level) over one interval
 * (0 when no packet arrived, as for a paused producer), smoothed across
 * intervals by an exponential moving average (alpha 1/2, a time constant of
 * about 350 ms). A producer below AULA_SPEAKER_MIN_LOUDNESS is silent.
 *
 * Decision, with hysteresis: the loudest non-silent producer becomes the
 * active speaker once it has been louder than the current one by
 * AULA_SPEAKER_MARGIN for AULA_SPEAKER_HOLD_MS in a row (with no current
 * speaker, louder than silence). When everyone is silent, the last speaker
 * stays. When the active speaker's producer is removed there is none, and
 * that change is reported too (producer id 0).
 *
 * Per packet: a list walk over the room's audio producers and two
 * additions; nothing is allocated. aula_speaker_add() grows the table on
 * the control path.
 *
 * Thread: the worker's (one per router). */
#ifndef AULA_SFU_SPEAKER_H
#define AULA_SFU_SPEAKER_H

#include <stdbool.h>
#include <stdint.h>

#define AULA_SPEAKER_INTERVAL_MS 250
#define AULA_SPEAKER_HOLD_MS 500
/* Loudness is 0..127 (127 - level in -dBov, averaged). */
#define AULA_SPEAKER_MARGIN 3.0f
#define AULA_SPEAKER_MIN_LOUDNESS 1.0f

typedef struct aula_speaker aula_speaker;

/* Never NULL. */
aula_speaker *aula_speaker_create(void);

/* NULL is allowed. */
void aula_speaker_destroy(aula_speaker *s);

/* Starts tracking audio producer id (0 is reserved). A duplicate is
 * ignored. May allocate (control path). */
void aula_speaker_add(aula_speaker *s, uint64_t producer_id);

/* Forgets producer id. When it was the active speaker, the next
 * aula_speaker_handle_timeout() reports "none" (0). Unknown ids are
 * ignored. */
void aula_speaker_remove(aula_speaker *s, uint64_t producer_id);

/* One audio packet of producer id carried level (RFC 6464 section 3:
 * -dBov, 0 loudest, 127 silence; larger values are clamped). Unknown ids
 * are ignored. The hot path: no allocation. */
void aula_speaker_on_level(aula_speaker *s, uint64_t producer_id, uint8_t level);

/* When aula_speaker_handle_timeout() is due: false when there is nothing
 * to evaluate (no audio producer and no pending report). */
bool aula_speaker_next_timeout(const aula_speaker *s, uint64_t *at_ms);

/* Evaluates the interval that ended when due (a no-op before). Returns
 * true when the active speaker changed, with the new producer id in
 * *producer_id (0: none). */
bool aula_speaker_handle_timeout(aula_speaker *s, uint64_t now_ms, uint64_t *producer_id);

/* The current active speaker's producer id, 0 when none. */
uint64_t aula_speaker_active(const aula_speaker *s);

#endif

#include "sfu/speaker.h"

#include "core/alloc.h"

#include <assert.h>
#include <string.h>

typedef struct track {
    uint64_t id;
    uint32_t sum;   /* of (127 - level) over the current interval */
    uint32_t count; /* packets in the current interval */
    float loudness; /* smoothed, 0..127 */
} track;

struct aula_speaker {
    track *tracks; /* owned; n used of cap */
    size_t n, cap;
    uint64_t active;     /* producer id, 0: none */
    uint64_t challenger; /* producer id louder than active, 0: none */
    uint64_t challenger_since_ms;
    bool report_pending; /* active changed outside a timeout (removal) */
    bool started;        /* next_tick_ms is set */
    uint64_t next_tick_ms;
};

aula_speaker *aula_speaker_create(void)
{
    return aula_calloc(1, sizeof(aula_speaker));
}

void aula_speaker_destroy(aula_speaker *s)
{
    if (!s)
        return;
    aula_free(s->tracks);
    aula_free(s);
}

static track *find(const aula_speaker *s, uint64_t id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->tracks[i].id == id)
            return &s->tracks[i];
    return NULL;
}

void aula_speaker_add(aula_speaker *s, uint64_t producer_id)
{
    assert(producer_id != 0);
    if (find(s, producer_id))
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        track *t = aula_calloc(cap, sizeof *t);
        if (s->n)
            memcpy(t, s->tracks, s->n * sizeof *t);
        aula_free(s->tracks);
        s->tracks = t;
        s->cap = cap;
    }
    memset(&s->tracks[s->n], 0, sizeof s->tracks[s->n]);
    s->tracks[s->n++].id = producer_id;
}

void aula_speaker_remove(aula_speaker *s, uint64_t producer_id)
{
    track *t = find(s, producer_id);
    if (!t)
        return;
    *t = s->tracks[--s->n];
    if (s->challenger == producer_id)
        s->challenger = 0;
    if (s->active == producer_id) {
        s->active = 0;
        s->report_pending = true;
    }
    if (s->n == 0 && !s->report_pending)
        s->started = false;
}

void aula_speaker_on_level(aula_speaker *s, uint64_t producer_id, uint8_t level)
{
    track *t = find(s, producer_id);
    if (!t)
        return;
    t->sum += 127u - (level > 127 ? 127u : level);
    t->count++;
}

bool aula_speaker_next_timeout(const aula_speaker *s, uint64_t *at_ms)
{
    if (s->n == 0 && !s->report_pending)
        return false;
    /* Not started yet: due at once, the first call fixes the schedule. */
    *at_ms = s->started ? s->next_tick_ms : 0;
    return true;
}

uint64_t aula_speaker_active(const aula_speaker *s)
{
    return s->active;
}

/* Closes the interval of every track: its mean goes into the average. */
static void smooth(aula_speaker *s)
{
    for (size_t i = 0; i < s->n; i++) {
        track *t = &s->tracks[i];
        float mean = t->count ? (float)t->sum / (float)t->count : 0.0f;
        t->loudness = 0.5f * t->loudness + 0.5f * mean;
        t->sum = 0;
        t->count = 0;
    }
}

static const track *loudest(const aula_speaker *s)
{
    const track *best = NULL;
    for (size_t i = 0; i < s->n; i++) {
        const track *t = &s->tracks[i];
        if (t->loudness >= AULA_SPEAKER_MIN_LOUDNESS && (!best || t->loudness > best->loudness))
            best = t;
    }
    return best;
}

/* Returns true when the active speaker changed. */
static bool decide(aula_speaker *s, uint64_t now_ms)
{
    const track *top = loudest(s);
    if (!top || top->id == s->active) {
        s->challenger = 0; /* silence, or the speaker is still the loudest */
        return false;
    }
    const track *cur = s->active ? find(s, s->active) : NULL;
    float floor = cur ? cur->loudness : 0.0f;
    if (top->loudness < floor + AULA_SPEAKER_MARGIN) {
        s->challenger = 0;
        return false;
    }
    if (s->challenger != top->id) {
        s->challenger = top->id;
        s->challenger_since_ms = now_ms;
        return false;
    }
    if (now_ms - s->challenger_since_ms < AULA_SPEAKER_HOLD_MS)
        return false;
    s->active = top->id;
    s->challenger = 0;
    return true;
}

bool aula_speaker_handle_timeout(aula_speaker *s, uint64_t now_ms, uint64_t *producer_id)
{
    if (s->started && now_ms < s->next_tick_ms)
        return false;
    if (!s->started) {
        /* The first call opens the first interval: nothing to evaluate. */
        s->started = true;
        s->next_tick_ms = now_ms + AULA_SPEAKER_INTERVAL_MS;
        for (size_t i = 0; i < s->n; i++)
            s->tracks[i].sum = s->tracks[i].count = 0;
        if (!s->report_pending)
            return false;
    } else {
        s->next_tick_ms = now_ms + AULA_SPEAKER_INTERVAL_MS;
        smooth(s);
    }
    bool changed = decide(s, now_ms) || s->report_pending;
    s->report_pending = false;
    if (s->n == 0)
        s->started = false; /* no timer until a producer comes */
    if (changed)
        *producer_id = s->active;
    return changed;
}

#include "sfu/ssrc_index.h"

#include "core/alloc.h"

#include <stdbool.h>

struct aula_ssrc_slot {
    const void *owner; /* NULL: the slot is free */
    uint32_t ssrc;
    void *value;
};

#define FIRST_CAP 16

static size_t home_of(const aula_ssrc_index *ix, const void *owner, uint32_t ssrc)
{
    /* Fibonacci hashing of both halves of the key: SSRCs are random but
     * owners are heap pointers, aligned and close together. */
    uint64_t h = (uint64_t)(uintptr_t)owner * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)ssrc * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 32;
    return (size_t)h & (ix->cap - 1);
}

static bool same(const aula_ssrc_slot *s, const void *owner, uint32_t ssrc)
{
    return s->owner == owner && s->ssrc == ssrc;
}

/* The slot holding the key, or the free slot where it would go. */
static aula_ssrc_slot *probe(const aula_ssrc_index *ix, const void *owner, uint32_t ssrc)
{
    size_t i = home_of(ix, owner, ssrc);
    while (ix->slots[i].owner && !same(&ix->slots[i], owner, ssrc))
        i = (i + 1) & (ix->cap - 1);
    return &ix->slots[i];
}

static void grow(aula_ssrc_index *ix)
{
    aula_ssrc_slot *old = ix->slots;
    size_t old_cap = ix->cap;
    ix->cap = old_cap ? old_cap * 2 : FIRST_CAP;
    ix->slots = aula_calloc(ix->cap, sizeof *ix->slots);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].owner)
            *probe(ix, old[i].owner, old[i].ssrc) = old[i];
    aula_free(old);
}

void aula_ssrc_index_free(aula_ssrc_index *ix)
{
    aula_free(ix->slots);
    *ix = (aula_ssrc_index){0};
}

void aula_ssrc_index_put(aula_ssrc_index *ix, const void *owner, uint32_t ssrc, void *value)
{
    if ((ix->len + 1) * 4 > ix->cap * 3)
        grow(ix);
    aula_ssrc_slot *s = probe(ix, owner, ssrc);
    if (!s->owner)
        ix->len++;
    *s = (aula_ssrc_slot){owner, ssrc, value};
}

void *aula_ssrc_index_get(const aula_ssrc_index *ix, const void *owner, uint32_t ssrc)
{
    if (!ix->cap)
        return NULL;
    return probe(ix, owner, ssrc)->value; /* a free slot's value is NULL */
}

void aula_ssrc_index_remove(aula_ssrc_index *ix, const void *owner, uint32_t ssrc,
                            const void *value)
{
    if (!ix->cap)
        return;
    aula_ssrc_slot *s = probe(ix, owner, ssrc);
    if (!s->owner || s->value != value)
        return;
    size_t mask = ix->cap - 1, hole = (size_t)(s - ix->slots);
    ix->len--;
    /* Backward shift: an entry after the hole moves into it unless its
     * home lies cyclically in (hole, its position]. */
    for (size_t j = (hole + 1) & mask; ix->slots[j].owner; j = (j + 1) & mask) {
        size_t home = home_of(ix, ix->slots[j].owner, ix->slots[j].ssrc);
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            ix->slots[hole] = ix->slots[j];
            hole = j;
        }
    }
    ix->slots[hole] = (aula_ssrc_slot){0};
}

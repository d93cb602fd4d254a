/* An index from (transport, SSRC) to what the router keeps for it: how a
 * viewer's RTCP (receiver reports, NACKs, PLIs, which name the SSRC aula
 * sends it) finds its consumer in constant time. A webinar's router holds
 * thousands of consumers and each viewer reports about once a second: a
 * list walk per report made that quadratic in the audience.
 *
 * Open addressing with linear probing; removal shifts the entries after a
 * hole back, so there are no tombstones and lookups stay short however
 * many viewers came and went. The table doubles when three quarters full
 * and is never shrunk (it is freed with the router).
 *
 * Keys are compared by value: the owner pointer is never dereferenced.
 * Thread: the worker's (no locking). */
#ifndef AULA_SFU_SSRC_INDEX_H
#define AULA_SFU_SSRC_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct aula_ssrc_slot aula_ssrc_slot;

typedef struct aula_ssrc_index {
    aula_ssrc_slot *slots; /* owned; NULL until the first put */
    size_t cap;            /* a power of two, or 0 */
    size_t len;
} aula_ssrc_index;

/* An index starts zeroed ({0}); free releases its table. */
void aula_ssrc_index_free(aula_ssrc_index *ix);

/* Maps (owner, ssrc) to value, replacing what it mapped to. value must
 * not be NULL. */
void aula_ssrc_index_put(aula_ssrc_index *ix, const void *owner, uint32_t ssrc, void *value);

/* What (owner, ssrc) maps to, or NULL. */
void *aula_ssrc_index_get(const aula_ssrc_index *ix, const void *owner, uint32_t ssrc);

/* Removes (owner, ssrc) if it maps to value (a later put for the same key
 * replaced an entry whose owner is now being removed: that one stays). */
void aula_ssrc_index_remove(aula_ssrc_index *ix, const void *owner, uint32_t ssrc,
                            const void *value);

#endif

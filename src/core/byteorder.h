/* Big-endian (network order) loads and stores on byte pointers, for wire
 * formats. The caller has already checked that the bytes are in bounds;
 * bounds-checked readers build on these. Thread: any; pure. */
#ifndef AULA_CORE_BYTEORDER_H
#define AULA_CORE_BYTEORDER_H

#include <stdint.h>

static inline uint16_t aula_get_u16be(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t aula_get_u24be(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t aula_get_u32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t aula_get_u64be(const uint8_t *p)
{
    return (uint64_t)aula_get_u32be(p) << 32 | aula_get_u32be(p + 4);
}

static inline void aula_put_u16be(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void aula_put_u32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif

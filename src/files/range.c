#include "files/range.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* 1*DIGIT into *out; false on no digits or overflow. */
static bool read_u64(const char **pp, uint64_t *out)
{
    const char *p = *pp;
    uint64_t v = 0;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *pp = p;
    *out = v;
    return true;
}

aula_range_result aula_range_parse(const char *value, uint64_t size, uint64_t *first,
                                   uint64_t *last)
{
    if (!value)
        return AULA_RANGE_NONE;
    const char *p = skip_ows(value);
    /* byte-ranges-specifier = "bytes=" byte-range-set (section 2.1) */
    if (strncasecmp(p, "bytes=", 6) != 0)
        return AULA_RANGE_NONE;
    p = skip_ows(p + 6);
    if (strchr(p, ','))
        return AULA_RANGE_NONE;
    uint64_t a = 0, b = 0;
    bool suffix = *p == '-';
    if (suffix) {
        p++;
        if (!read_u64(&p, &b))
            return AULA_RANGE_NONE;
    } else {
        if (!read_u64(&p, &a) || *p++ != '-')
            return AULA_RANGE_NONE;
        bool has_last = *p >= '0' && *p <= '9';
        if (has_last && !read_u64(&p, &b))
            return AULA_RANGE_NONE;
        if (has_last && b < a)
            return AULA_RANGE_NONE; /* invalid: ignored (section 2.1) */
        if (!has_last)
            b = UINT64_MAX;
    }
    if (*skip_ows(p) != '\0')
        return AULA_RANGE_NONE;
    if (suffix) {
        if (b == 0 || size == 0)
            return AULA_RANGE_UNSATISFIABLE;
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return AULA_RANGE_PARTIAL;
    }
    if (a >= size)
        return AULA_RANGE_UNSATISFIABLE;
    *first = a;
    *last = b >= size ? size - 1 : b;
    return AULA_RANGE_PARTIAL;
}

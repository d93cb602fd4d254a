/* The Range request header (RFC 7233), for one byte range at a time.
 * Sans-IO: a header value and a size in, a decision out. Thread: any. */
#ifndef AULA_FILES_RANGE_H
#define AULA_FILES_RANGE_H

#include <stdint.h>

typedef enum aula_range_result {
    AULA_RANGE_NONE = 0,          /* no usable Range: answer 200 with everything */
    AULA_RANGE_PARTIAL = 1,       /* answer 206 with bytes first..last */
    AULA_RANGE_UNSATISFIABLE = 2, /* answer 416 with Content-Range: bytes * / size */
} aula_range_result;

/* Decides how to answer "Range: <value>" for a representation of size
 * bytes. value NULL means no header. Section 3.1: a unit other than
 * "bytes" or a value that does not parse is ignored (NONE). Several ranges
 * are answered whole (NONE), which section 4.1 allows, rather than as
 * multipart/byteranges. A last-byte-pos beyond the end is cut to the end;
 * a suffix range longer than the file is the whole file (section 2.1).
 * A first-byte-pos at or past the end, or a suffix of length 0, is
 * UNSATISFIABLE. *first and *last (inclusive) are set for PARTIAL. */
aula_range_result aula_range_parse(const char *value, uint64_t size, uint64_t *first,
                                   uint64_t *last);

#endif

/* Fuzzes content sniffing (src/files/sniff.c): whatever bytes an upload
 * holds, the sniffer answers a kind without reading outside them, and the
 * answer does not depend on how the data is read (whole, or through the
 * callback in odd-sized pieces). */
#include "files/sniff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct src {
    const uint8_t *data;
    size_t len;
} src;

/* Reads from the exact-size heap copy, so ASan catches any read past the
 * end of the data. */
static int read_at(void *ud, uint64_t off, void *buf, size_t len, size_t *got)
{
    const src *s = ud;
    size_t n = off >= s->len ? 0 : s->len - (size_t)off;
    if (n > len)
        n = len;
    if (n)
        memcpy(buf, s->data + off, n);
    *got = n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (size)
        memcpy(copy, data, size);
    aula_file_kind a = aula_sniff_buffer(copy, size);
    src s = {copy, size};
    int b = aula_sniff(read_at, &s, size);
    if (a < AULA_FILE_UNKNOWN || a >= AULA_FILE_KIND_COUNT_ || b != (int)a)
        abort();
    /* A known kind always has a type and a label. */
    if (!aula_file_kind_mime(a)[0] || !aula_file_kind_label(a)[0])
        abort();
    aula_sniff_prefix_plausible(copy, size < 8 ? size : 8);
    free(copy);
    return 0;
}

/* Fuzzes content sniffing (src/files/sniff.c): whatever bytes an upload
 * holds, the sniffer answers a kind without reading outside them (it reads
 * an exact-size heap copy, so ASan catches a read past the end), and every
 * kind it answers has a media type and a label. */
#include "files/sniff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (size)
        memcpy(copy, data, size);
    aula_file_kind k = aula_sniff_buffer(copy, size);
    if (k < AULA_FILE_UNKNOWN || k >= AULA_FILE_KIND_COUNT_)
        abort();
    if (!aula_file_kind_mime(k)[0] || !aula_file_kind_label(k)[0])
        abort();
    aula_sniff_prefix_plausible(copy, size < 8 ? size : 8);
    free(copy);
    return 0;
}

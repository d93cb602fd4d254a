/* Fuzzes the validation of names and chat lines: whatever bytes arrive,
 * aula_text_clean either refuses them or returns a copy that is valid
 * UTF-8, trimmed, without control characters. */
#include "core/alloc.h"
#include "http/websocket.h"
#include "room/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *out = NULL;
    char why[96];
    if (aula_text_clean((const char *)data, size, AULA_NAME_MAX_CHARS, &out, why, sizeof why) ==
        0) {
        size_t n = strlen(out);
        if (n == 0 || n > size || !aula_utf8_valid(out, n) || out[0] == ' ' || out[n - 1] == ' ')
            abort();
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
                abort();
        aula_free(out);
    }
    return 0;
}

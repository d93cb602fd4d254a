/* Fuzzes the time parsers of events: the input, split at its first NUL,
 * is an ISO 8601 start time (typed by a host, over the network) and a TZif
 * file (read from the tz database; fuzzed because a broken or hostile file
 * must not crash aula). Checks: a parsed time round-trips through the
 * zone arithmetic without overflow; a parsed zone answers offsets within
 * +-26 hours for any instant, and local_to_utc moves a time by at most that. */
#include "event/event_time.h"

#include "core/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t slen = nul ? (size_t)(nul - data) : size;
    char *s = aula_strndup((const char *)data, slen);
    aula_iso_time t;
    int iso_ok = aula_iso_time_parse(s, &t) == 0;
    if (iso_ok && (t.offset_s < -18 * 3600 || t.offset_s > 18 * 3600 || t.local_s < 0))
        abort();
    aula_free(s);

    aula_tz *tz = NULL;
    const uint8_t *file = nul ? nul + 1 : data + size;
    size_t flen = (size_t)(data + size - file);
    if (aula_tz_parse(file, flen, &tz) != 0)
        return 0;
    const int64_t probes[] = {-2000000000LL,         0, 1000000000LL, 1900000000LL, 4102444800LL,
                              iso_ok ? t.local_s : 1};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        int32_t off = aula_tz_offset_at(tz, probes[i], NULL, 0);
        if (off < -26 * 3600 || off > 26 * 3600) /* the parser keeps offsets in range */
            abort();
        int64_t u = aula_tz_local_to_utc(tz, probes[i]);
        if (u - probes[i] > 200000 || probes[i] - u > 200000)
            abort();
        char local[32], offs[16], words[160];
        aula_time_local(tz, probes[i] * 1000, local, sizeof local, offs, sizeof offs);
        aula_time_words(tz, probes[i] * 1000, "pl", words, sizeof words);
    }
    aula_tz_destroy(tz);
    return 0;
}

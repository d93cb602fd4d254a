/* Wall-clock time for timestamps people see (chat times, creation dates).
 * Durations and timers use the loop's monotonic clock (uv_now) instead.
 * Thread: any. */
#ifndef AULA_CORE_CLOCK_H
#define AULA_CORE_CLOCK_H

#include <stdint.h>

/* Milliseconds since the Unix epoch. */
int64_t aula_wall_ms(void);

#endif

/* Time for events: IANA time zones without touching the process-wide TZ,
 * ISO 8601 start times, and an event's status at a given moment.
 *
 * Why not localtime_r: it follows the TZ environment variable, and setting
 * TZ (setenv + tzset) is not thread-safe while the media workers run on
 * their own threads. Instead a small reader parses the compiled tz database
 * (TZif files, RFC 8536: versions 1 to 4) from /usr/share/zoneinfo,
 * including the POSIX TZ rule in the footer that covers times after the
 * last listed transition (slim files list none in the future at all).
 *
 * Everything here is sans-IO except aula_tz_load, which reads one file.
 * Thread: any (a loaded aula_tz is immutable). */
#ifndef AULA_EVENT_EVENT_TIME_H
#define AULA_EVENT_EVENT_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Where the tz database lives on Debian and most systems. */
#define AULA_ZONEINFO_DIR "/usr/share/zoneinfo"

/* Longest time zone name accepted ("America/Argentina/ComodRivadavia" is 32). */
#define AULA_TZ_NAME_MAX 64

typedef struct aula_tz aula_tz;

/* 1 when name looks like an IANA zone name: 1..AULA_TZ_NAME_MAX characters
 * of letters, digits, '/', '_', '+', '-', not starting with '/' or '-',
 * without "." anywhere (so no path can climb out of the zoneinfo folder). */
int aula_tz_name_valid(const char *name);

/* Parses a TZif file held in data (len bytes). Returns 0 and *out (free
 * with aula_tz_destroy), or AULA_EINVAL when the data is not a TZif file
 * this reader understands. */
int aula_tz_parse(const void *data, size_t len, aula_tz **out);

/* Reads dir/name and parses it. AULA_EINVAL for a bad name or file,
 * AULA_ENOENT when there is no such zone. "UTC" always works, even
 * without the database. */
int aula_tz_load(const char *dir, const char *name, aula_tz **out);

void aula_tz_destroy(aula_tz *tz);

/* The offset from UTC (seconds east, e.g. 3600 for CET) in force at the
 * instant utc_s (seconds since the epoch). abbr (may be NULL, size >= 8)
 * gets the abbreviation ("CET", "CEST", "+03"). */
int32_t aula_tz_offset_at(const aula_tz *tz, int64_t utc_s, char *abbr, size_t abbrlen);

/* The instant (seconds since the epoch) of the wall-clock time local_s
 * (seconds since the epoch as if the zone were UTC). For a time that occurs
 * twice (autumn), the first; for one that never occurs (the spring gap), the
 * time the same distance after the change (02:30 in a 02:00->03:00 gap
 * gives 03:30 summer time). */
int64_t aula_tz_local_to_utc(const aula_tz *tz, int64_t local_s);

/* A parsed ISO 8601 date-time: "YYYY-MM-DDTHH:MM[:SS[.fff]]" then
 * optionally "Z", "+HH:MM", "-HH:MM", "+HHMM" or "+HH". A space may stand
 * for the "T". */
typedef struct aula_iso_time {
    int64_t local_s; /* the wall-clock time as seconds since the epoch */
    int has_offset;  /* an offset or Z was given */
    int32_t offset_s;
} aula_iso_time;

/* Parses s (years 1970..9999, real calendar dates, offsets within +-18 h).
 * Returns 0 or AULA_EINVAL. */
int aula_iso_time_parse(const char *s, aula_iso_time *out);

/* Writes ms as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out (size >= 21). */
void aula_time_iso_utc(int64_t ms, char *out, size_t len);

/* Writes the wall-clock time of utc_ms in tz as "YYYY-MM-DDTHH:MM" into
 * local (size >= 17) and its offset as "+01:00" into offset (size >= 7). */
void aula_time_local(const aula_tz *tz, int64_t utc_ms, char *local, size_t locallen, char *offset,
                     size_t offsetlen);

/* Writes utc_ms in words for an e-mail, in English ("Tuesday, 1 December
 * 2026, 18:00 CET") or, with lang "pl", in Polish ("wtorek, 1 grudnia
 * 2026, 18:00 CET"). */
void aula_time_words(const aula_tz *tz, int64_t utc_ms, const char *lang, char *out, size_t len);

/* Days since 1970-01-01 of a civil date (proleptic Gregorian), and back. */
int64_t aula_days_from_civil(int64_t y, unsigned m, unsigned d);
void aula_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

typedef enum aula_event_status {
    AULA_EVENT_SCHEDULED = 0, /* not started yet */
    AULA_EVENT_LIVE = 1,      /* between start and end */
    AULA_EVENT_ENDED = 2,     /* start + duration has passed */
    AULA_EVENT_CANCELLED = 3, /* cancelled by its host (wins over the rest) */
} aula_event_status;

/* Attendees may enter this long before the start. */
#define AULA_EVENT_DOORS_OPEN_MS (15LL * 60 * 1000)

/* The status at now_ms of an event starting at starts_ms, lasting
 * duration_min minutes, cancelled at cancelled_ms (0: not cancelled). */
aula_event_status aula_event_status_at(int64_t starts_ms, int64_t duration_min,
                                       int64_t cancelled_ms, int64_t now_ms);

/* "scheduled", "live", "ended" or "cancelled". */
const char *aula_event_status_name(aula_event_status st);

/* 1 when an attendee may enter at now_ms: not cancelled, from
 * AULA_EVENT_DOORS_OPEN_MS before the start until the end. */
int aula_event_doors_open(int64_t starts_ms, int64_t duration_min, int64_t cancelled_ms,
                          int64_t now_ms);

#endif

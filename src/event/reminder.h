/* Reminders before an event: a timer on the control loop finds the events
 * starting within reminder_before and e-mails each registrant once. The
 * event's reminder_sent_ms, stored before the e-mails are queued, makes it
 * once across restarts too (a crash in between loses that reminder rather
 * than sending it twice).
 * Thread: the control thread. */
#ifndef AULA_EVENT_REMINDER_H
#define AULA_EVENT_REMINDER_H

#include "event/event_api.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct aula_event_reminder aula_event_reminder;

/* How often the timer looks: a tenth of reminder_before, between 1 s and
 * 1 min. */
int64_t aula_event_reminder_period_ms(int64_t reminder_before_ms);

/* One pass at now_ms: marks each due event and queues its e-mails. With
 * e-mail off, due events are marked too (nothing to send later). *events
 * and *mails (may be NULL) get what was done. Returns 0 or AULA_ESTORE. */
int aula_event_reminders_run(const aula_event_api *api, int64_t now_ms, size_t *events,
                             size_t *mails);

/* Starts the timer on loop (api borrowed, must outlive the reminder). */
aula_event_reminder *aula_event_reminder_start(uv_loop_t *loop, const aula_event_api *api);

/* Stops the timer; the object is freed once libuv has closed it. NULL is a
 * no-op. */
void aula_event_reminder_stop(aula_event_reminder *r);

#endif

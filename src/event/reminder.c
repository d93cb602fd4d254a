/* The reminder timer. */
#include "event/reminder.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "event/event_internal.h"

#include <stdio.h>

struct aula_event_reminder {
    uv_timer_t timer;
    const aula_event_api *api; /* borrowed */
};

int64_t aula_event_reminder_period_ms(int64_t reminder_before_ms)
{
    int64_t p = reminder_before_ms / 10;
    return p < 1000 ? 1000 : p > 60000 ? 60000 : p;
}

int aula_event_reminders_run(const aula_event_api *api, int64_t now_ms, size_t *events,
                             size_t *mails)
{
    aula_event_rec *due = NULL;
    size_t n = 0, sent = 0, done = 0;
    int rc = aula_store_events_reminder_due(api->store, now_ms, api->reminder_before_ms, &due, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = aula_store_event_reminder_sent(api->store, due[i].id, now_ms);
        if (rc != 0)
            break;
        done++;
        size_t k = aula__event_mail_registrants(api, &due[i], AULA_EVENT_MAIL_REMINDER, now_ms);
        sent += k;
        AULA_LOG_INFO("event", "reminders queued", "event=%s mails=%zu", due[i].id, k);
    }
    aula_event_recs_free(due, n);
    if (events)
        *events = done;
    if (mails)
        *mails = sent;
    return rc == 0 ? 0 : AULA_ESTORE;
}

static void on_timer(uv_timer_t *t)
{
    aula_event_reminder *r = t->data;
    aula_event_reminders_run(r->api, aula_wall_ms(), NULL, NULL);
}

aula_event_reminder *aula_event_reminder_start(uv_loop_t *loop, const aula_event_api *api)
{
    aula_event_reminder *r = aula_calloc(1, sizeof *r);
    r->api = api;
    uv_timer_init(loop, &r->timer);
    r->timer.data = r;
    uint64_t period = (uint64_t)aula_event_reminder_period_ms(api->reminder_before_ms);
    uv_timer_start(&r->timer, on_timer, period, period);
    if (aula_event_api_mail_on(api) && !(api->public_url && *api->public_url))
        AULA_LOG_WARN("event",
                      "public_url is not set: links in e-mails use the address aula "
                      "listens on, which people elsewhere may not reach",
                      "reminder_before_ms=%lld", (long long)api->reminder_before_ms);
    return r;
}

static void on_closed(uv_handle_t *h)
{
    aula_free(h->data);
}

void aula_event_reminder_stop(aula_event_reminder *r)
{
    if (!r)
        return;
    uv_timer_stop(&r->timer);
    uv_close((uv_handle_t *)&r->timer, on_closed);
}

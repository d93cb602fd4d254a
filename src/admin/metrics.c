#include "admin/metrics.h"

#include "core/alloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct series {
    const char *route; /* static */
    int status;
    uint64_t count;
} series;

struct aula_http_metrics {
    series *s; /* owned */
    size_t n, cap;
};

aula_http_metrics *aula_http_metrics_create(void)
{
    return aula_calloc(1, sizeof(aula_http_metrics));
}

void aula_http_metrics_destroy(aula_http_metrics *m)
{
    if (!m)
        return;
    aula_free(m->s);
    aula_free(m);
}

void aula_http_metrics_count(aula_http_metrics *m, const char *route, int status)
{
    /* Routes and statuses are few: a linear scan beats a hash here. */
    for (size_t i = 0; i < m->n; i++) {
        if (m->s[i].status == status && strcmp(m->s[i].route, route) == 0) {
            m->s[i].count++;
            return;
        }
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 32;
        m->s = aula_realloc(m->s, m->cap * sizeof *m->s);
    }
    m->s[m->n++] = (series){route, status, 1};
}

static void family(aula_buf *out, const char *name, const char *type, const char *help)
{
    aula_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* utime + stime from /proc/self/stat (fields 14 and 15, in clock ticks). */
static double process_cpu_seconds(void)
{
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f)
        return 0;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may hold spaces and parentheses: skip past the last ')'. */
    char *p = strrchr(buf, ')');
    unsigned long utime = 0, stime = 0;
    if (!p ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return 0;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double process_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long size = 0, resident = 0;
    int ok = fscanf(f, "%lu %lu", &size, &resident) == 2;
    fclose(f);
    return ok ? (double)resident * (double)sysconf(_SC_PAGESIZE) : 0;
}

static void render_workers(const aula_node_status *st, aula_buf *out)
{
    family(out, "aula_media_workers", "gauge", "Media worker threads running.");
    aula_buf_printf(out, "aula_media_workers %zu\n", st->n_workers);
    family(out, "aula_media_worker_pong_age_seconds", "gauge",
           "Seconds since the worker last answered a ping.");
    for (size_t i = 0; i < st->n_workers; i++) {
        const aula_worker_status *w = &st->workers[i];
        if (w->answered)
            aula_buf_printf(out, "aula_media_worker_pong_age_seconds{worker=\"%d\"} %.3f\n", w->id,
                            (double)w->pong_age_ms / 1000.0);
    }
    family(out, "aula_media_worker_busy_ratio", "gauge",
           "Fraction of time the worker loop was busy, between its last two pongs.");
    for (size_t i = 0; i < st->n_workers; i++)
        aula_buf_printf(out, "aula_media_worker_busy_ratio{worker=\"%d\"} %.4f\n",
                        st->workers[i].id, st->workers[i].load.busy);
    family(out, "aula_media_udp_received_total", "counter", "UDP datagrams received.");
    for (size_t i = 0; i < st->n_workers; i++)
        aula_buf_printf(out, "aula_media_udp_received_total{worker=\"%d\"} %llu\n",
                        st->workers[i].id, (unsigned long long)st->workers[i].load.rx_datagrams);
    family(out, "aula_media_udp_sent_total", "counter", "UDP datagrams handed to the kernel.");
    for (size_t i = 0; i < st->n_workers; i++)
        aula_buf_printf(out, "aula_media_udp_sent_total{worker=\"%d\"} %llu\n", st->workers[i].id,
                        (unsigned long long)st->workers[i].load.tx_datagrams);
    family(out, "aula_media_udp_batches_total", "counter",
           "recvmmsg and sendmmsg calls that moved at least one datagram.");
    for (size_t i = 0; i < st->n_workers; i++) {
        aula_buf_printf(out, "aula_media_udp_batches_total{worker=\"%d\",dir=\"recv\"} %llu\n",
                        st->workers[i].id, (unsigned long long)st->workers[i].load.rx_batches);
        aula_buf_printf(out, "aula_media_udp_batches_total{worker=\"%d\",dir=\"send\"} %llu\n",
                        st->workers[i].id, (unsigned long long)st->workers[i].load.tx_batches);
    }
    family(out, "aula_media_udp_dropped_total", "counter",
           "UDP datagrams dropped before any allocation, by reason.");
    for (size_t i = 0; i < st->n_workers; i++)
        for (int r = 0; r < AULA_DROP_N; r++)
            aula_buf_printf(out, "aula_media_udp_dropped_total{worker=\"%d\",reason=\"%s\"} %llu\n",
                            st->workers[i].id, aula_worker_drop_label(r),
                            (unsigned long long)st->workers[i].load.dropped[r]);
}

static void render_mail(const aula_mailer_stats *ms, aula_buf *out)
{
    family(out, "aula_mail_sent_total", "counter", "E-mails an SMTP server took.");
    aula_buf_printf(out, "aula_mail_sent_total %llu\n", (unsigned long long)ms->sent);
    family(out, "aula_mail_failed_total", "counter",
           "E-mails given up on: refused for good, or retries used up.");
    aula_buf_printf(out, "aula_mail_failed_total %llu\n", (unsigned long long)ms->failed);
    family(out, "aula_mail_dropped_total", "counter",
           "E-mails dropped because the queue was full.");
    aula_buf_printf(out, "aula_mail_dropped_total %llu\n", (unsigned long long)ms->dropped);
    family(out, "aula_mail_retries_total", "counter",
           "Delivery attempts repeated after a temporary failure.");
    aula_buf_printf(out, "aula_mail_retries_total %llu\n", (unsigned long long)ms->retried);
    family(out, "aula_mail_queued", "gauge", "E-mails waiting or being delivered.");
    aula_buf_printf(out, "aula_mail_queued %zu\n", ms->queued);
}

void aula_metrics_render(const aula_http_metrics *m, const aula_node_status *st, aula_buf *out)
{
    family(out, "aula_http_requests_total", "counter",
           "HTTP requests answered, by route and status.");
    for (size_t i = 0; i < m->n; i++)
        aula_buf_printf(out, "aula_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                        m->s[i].route, m->s[i].status, (unsigned long long)m->s[i].count);
    family(out, "aula_http_connections_open", "gauge",
           "Open HTTP connections, WebSockets included.");
    aula_buf_printf(out, "aula_http_connections_open %zu\n", st->http_connections);
    family(out, "aula_websockets_open", "gauge", "Open signaling WebSockets.");
    aula_buf_printf(out, "aula_websockets_open %zu\n", st->websockets);
    family(out, "aula_rooms_active", "gauge", "Rooms with at least one participant.");
    aula_buf_printf(out, "aula_rooms_active %zu\n", st->rooms_live);
    if (st->rooms_stored >= 0) {
        family(out, "aula_rooms_stored", "gauge", "Rooms kept in the store.");
        aula_buf_printf(out, "aula_rooms_stored %lld\n", (long long)st->rooms_stored);
    }
    family(out, "aula_participants", "gauge", "Participants in rooms.");
    aula_buf_printf(out, "aula_participants %zu\n", st->participants);
    family(out, "aula_chat_messages_total", "counter", "Chat lines stored since start.");
    aula_buf_printf(out, "aula_chat_messages_total %llu\n", (unsigned long long)st->chat_messages);
    family(out, "aula_password_checks_total", "counter",
           "Room and event password checks, by how they were answered.");
    aula_buf_printf(out, "aula_password_checks_total{how=\"argon2id\"} %llu\n",
                    (unsigned long long)st->password_argon2);
    aula_buf_printf(out, "aula_password_checks_total{how=\"remembered\"} %llu\n",
                    (unsigned long long)st->password_remembered);
    render_workers(st, out);
    if (st->mail)
        render_mail(st->mail, out);
    family(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent.");
    aula_buf_printf(out, "process_cpu_seconds_total %.2f\n", process_cpu_seconds());
    family(out, "process_resident_memory_bytes", "gauge", "Resident memory size.");
    aula_buf_printf(out, "process_resident_memory_bytes %.0f\n", process_rss_bytes());
    family(out, "process_start_time_seconds", "gauge", "Start time since the Unix epoch.");
    aula_buf_printf(out, "process_start_time_seconds %.3f\n", st->start_time);
}

int aula_health_render(const aula_node_status *st, aula_buf *out)
{
    int healthy = st->store_ok;
    aula_buf_append_str(out, "{\"workers\":[");
    for (size_t i = 0; i < st->n_workers; i++) {
        const aula_worker_status *w = &st->workers[i];
        int ok = w->answered && w->pong_age_ms <= AULA_WORKER_HEALTHY_MS;
        healthy = healthy && ok;
        aula_buf_printf(out, "%s{\"id\":%d,\"port\":%d,\"ok\":%s,\"busy\":%.4f", i ? "," : "",
                        w->id, w->port, ok ? "true" : "false", w->load.busy);
        if (w->answered)
            aula_buf_printf(out, ",\"last_pong_ms\":%llu", (unsigned long long)w->pong_age_ms);
        aula_buf_append_str(out, "}");
    }
    aula_buf_printf(out, "],\"store\":%s,\"status\":\"%s\"}", st->store_ok ? "true" : "false",
                    healthy && st->n_workers > 0 ? "ok" : "degraded");
    return healthy && st->n_workers > 0 ? 200 : 503;
}

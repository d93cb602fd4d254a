/* aula-hammer: joins one room of aula (or Janus) as publishers and
 * viewers, ramps up, measures for a fixed window and prints one JSON line
 * of results. scripts/bench.sh runs it for each row of the table.
 *
 *   aula-hammer --server aula --port 8080 --room abc-defg-hjk --viewers 500
 *               --video v.ivf --audio a.ogg --server-pid 1234
 *
 * With --tokens FILE (aula), each participant joins with its line's join
 * token (room.join {token}): scripts/bench.sh gets them from an event's
 * join route, so that the webinar scenario is a real webinar. */
#include "hammer.h"

#include "core/alloc.h"
#include "core/log.h"

#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define PACE_MS 2
#define VIEWER_TICK_MS 20
#define JOIN_TIMEOUT_MS 20000

typedef enum phase { PH_PREPARE, PH_PUBLISH, PH_VIEWERS, PH_SETTLE, PH_MEASURE } phase;

typedef struct run {
    hammer h;
    phase ph;
    uv_timer_t pace, tick;
    uv_check_t yield; /* gives the viewers' NAPI thread its turn */
    uint64_t phase_ms, viewers_started_ms;
    int started; /* viewers started */
    double srv_cpu0, self_cpu0, rx_cpu0;
    long rss_base_kib;
    hm_peer_totals tot0;
    uint64_t nack0, rtx0;
    int exit_code;
} run;

/* ---- /proc ---- */

static double cpu_seconds(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* Fields 14 and 15 (utime, stime) follow the ")" that ends comm. */
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long rss_kib(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &v) == 1)
            break;
    if (f)
        fclose(f);
    return v;
}

/* ---- signaling dispatch ---- */

void hm_sig_start(hm_client *c)
{
    if (c->h->opt.server == HM_SERVER_JANUS)
        hm_sig_janus_start(c);
    else
        hm_sig_aula_start(c);
}

void hm_sig_subscribe(hm_client *c)
{
    if (c->h->opt.server == HM_SERVER_JANUS)
        hm_sig_janus_subscribe(c);
    else
        hm_sig_aula_subscribe(c);
}

void hm_sig_tick(hm_client *c, uint64_t now_ms)
{
    if (c->h->opt.server == HM_SERVER_JANUS)
        hm_sig_janus_tick(c, now_ms);
}

/* ---- the run ---- */

static void report(run *r, uint64_t now_ms)
{
    hammer *h = &r->h;
    double secs = (double)(now_ms - r->phase_ms) / 1000.0;
    uint64_t expected = 0, unique = 0, recovered = 0;
    double jitter_ms = 0;
    size_t jn = 0;
    int failed = 0, receiving = 0;
    for (size_t i = 0; i < h->n_clients; i++) {
        hm_client *c = h->clients[i];
        failed += c->failed;
        if (!c->watches)
            continue;
        receiving += c->first_media_ns != 0;
        for (size_t k = 0; k < c->n_rx; k++) {
            hm_rx_stream *s = &c->rx[k].s;
            uint64_t e = hm_rx_expected(s);
            expected += e;
            unique += s->unique < e ? s->unique : e;
            recovered += s->retransmits;
            if (c->rx[k].video && s->started) {
                jitter_ms += (double)(s->jitter_q4 >> 4) / 90.0;
                jn++;
            }
        }
    }
    int pid = h->opt.server_pid;
    double srv_cores = pid ? (cpu_seconds(pid) - r->srv_cpu0) / secs : 0;
    double self_cores = (cpu_seconds(getpid()) - r->self_cpu0) / secs;
    int rx_pid = h->opt.receive_pid;
    double rx_cores = rx_pid ? (cpu_seconds(rx_pid) - r->rx_cpu0) / secs : 0;
    long rss = pid ? rss_kib(pid) : 0;
    int viewers = h->opt.meeting ? h->opt.publishers : h->opt.viewers;
    double pps = (double)(h->totals.rx_packets - r->tot0.rx_packets) / secs;
    /* A viewer that never got media counts as losing everything it should
     * have got: as many packets as the average receiving viewer. */
    if (receiving > 0 && receiving < viewers)
        expected += expected / (uint64_t)receiving * (uint64_t)(viewers - receiving);
    double loss = expected ? 100.0 * (double)(expected - unique) / (double)expected : 100.0;
    printf("{\"server\":\"%s\",\"scenario\":\"%s\",\"publishers\":%d,\"viewers\":%d,"
           "\"receiving\":%d,\"failed\":%d,\"seconds\":%.1f,\"pps_out\":%.0f,"
           "\"server_cores\":%.3f,\"viewers_per_core\":%.0f,\"rss_kib\":%ld,"
           "\"rss_base_kib\":%ld,\"kib_per_viewer\":%.1f,\"loss_pct\":%.3f,"
           "\"recovered\":%llu,\"nacks\":%llu,\"delay_p50_us\":%llu,\"delay_p99_us\":%llu,"
           "\"join_p50_ms\":%llu,\"join_p99_ms\":%llu,\"jitter_ms\":%.2f,"
           "\"hammer_cores\":%.3f,\"receive_cores\":%.3f,\"tx_fail\":%llu,\"decrypt_fail\":%llu}\n",
           h->opt.server == HM_SERVER_JANUS ? "janus" : "aula",
           h->opt.meeting ? "meeting" : "webinar", h->opt.publishers, viewers, receiving, failed,
           secs, pps, srv_cores, srv_cores > 0 ? receiving / srv_cores : 0, rss, r->rss_base_kib,
           viewers ? (double)(rss - r->rss_base_kib) / viewers : 0, loss,
           (unsigned long long)recovered, (unsigned long long)(h->nack_sent - r->nack0),
           (unsigned long long)hm_hist_quantile(&h->delay_us, 0.5),
           (unsigned long long)hm_hist_quantile(&h->delay_us, 0.99),
           (unsigned long long)hm_hist_quantile(&h->join_ms, 0.5),
           (unsigned long long)hm_hist_quantile(&h->join_ms, 0.99), jn ? jitter_ms / jn : 0,
           self_cores, rx_cores, (unsigned long long)(h->totals.tx_fail - r->tot0.tx_fail),
           (unsigned long long)(h->totals.rx_decrypt_fail - r->tot0.rx_decrypt_fail));
    fflush(stdout);
}

static void set_phase(run *r, phase ph, uint64_t now_ms)
{
    r->ph = ph;
    r->phase_ms = now_ms;
}

static void start_measuring(run *r, uint64_t now_ms)
{
    hammer *h = &r->h;
    for (size_t i = 0; i < h->n_clients; i++)
        hm_client_restart_stats(h->clients[i]);
    hm_hist_reset(&h->delay_us);
    h->measuring = true;
    r->tot0 = h->totals;
    r->nack0 = h->nack_sent;
    r->rtx0 = h->nack_rtx;
    r->srv_cpu0 = h->opt.server_pid ? cpu_seconds(h->opt.server_pid) : 0;
    r->self_cpu0 = cpu_seconds(getpid());
    r->rx_cpu0 = h->opt.receive_pid ? cpu_seconds(h->opt.receive_pid) : 0;
    set_phase(r, PH_MEASURE, now_ms);
    fprintf(stderr, "hammer: measuring for %d s\n", h->opt.duration_s);
}

static void on_pace(uv_timer_t *t)
{
    run *r = t->data;
    hammer *h = &r->h;
    uint64_t now_ms = uv_now(h->loop), now_ns = uv_hrtime();
    for (int i = 0; i < h->opt.publishers && (size_t)i < h->n_clients; i++)
        hm_client_tick(h->clients[i], now_ms, now_ns);
}

/* Counts how many clients of [from, to) are done: receiving or failed. */
static int ready(hammer *h, size_t from, size_t to, bool need_media)
{
    int n = 0;
    for (size_t i = from; i < to && i < h->n_clients; i++) {
        hm_client *c = h->clients[i];
        n += c->failed || (need_media ? c->first_media_ns != 0 : c->published);
    }
    return n;
}

/* After every turn of the loop. In scripts/bench.sh the viewers' network
 * interface delivers datagrams in a NAPI kernel thread on this CPU at this
 * process's real-time priority: it runs only when the loop blocks or
 * yields. A loop that never blocks (a generator overloaded by its own
 * viewers' retries) would starve it, receive nothing, and retry more;
 * with a yield per turn the "wire" keeps moving. When nothing else is
 * runnable, sched_yield returns at once. */
static void on_loop_turn(uv_check_t *c)
{
    (void)c;
    sched_yield();
}

static void on_tick(uv_timer_t *t)
{
    run *r = t->data;
    hammer *h = &r->h;
    uint64_t now_ms = uv_now(h->loop), now_ns = uv_hrtime();
    size_t P = (size_t)h->opt.publishers;
    for (size_t i = 0; i < h->n_clients; i++) {
        if (i >= P)
            hm_client_tick(h->clients[i], now_ms, now_ns);
        hm_sig_tick(h->clients[i], now_ms);
    }
    if (h->prep)
        hm_sig_tick(h->prep, now_ms);
    switch (r->ph) {
    case PH_PREPARE:
        break;
    case PH_PUBLISH:
        if (ready(h, 0, P, false) < (int)P)
            break;
        fprintf(stderr, "hammer: %zu publishers up\n", P);
        r->rss_base_kib = h->opt.server_pid ? rss_kib(h->opt.server_pid) : 0;
        for (size_t i = 0; h->opt.meeting && i < P; i++)
            hm_sig_subscribe(h->clients[i]);
        set_phase(r, PH_VIEWERS, now_ms);
        break;
    case PH_VIEWERS: {
        int total = h->opt.viewers;
        int due = (int)((now_ms - r->phase_ms) * (uint64_t)h->opt.ramp_per_s / 1000u) + 1;
        for (; r->started < total && r->started < due; r->started++) {
            hm_client *c = hm_client_create(h, (int)h->n_clients, false, true);
            h->clients[h->n_clients++] = c;
            hm_sig_start(c);
        }
        size_t watchers_from = h->opt.meeting ? 0 : P;
        int want = (int)(h->n_clients - watchers_from);
        if (r->started == total &&
            (ready(h, watchers_from, h->n_clients, true) == want ||
             now_ms - r->phase_ms >
                 JOIN_TIMEOUT_MS + (uint64_t)total * 1000u / h->opt.ramp_per_s)) {
            fprintf(stderr, "hammer: %d of %d watching\n",
                    ready(h, watchers_from, h->n_clients, true), want);
            set_phase(r, PH_SETTLE, now_ms);
        }
        break;
    }
    case PH_SETTLE:
        if (now_ms - r->phase_ms >= (uint64_t)h->opt.settle_ms)
            start_measuring(r, now_ms);
        break;
    case PH_MEASURE:
        if (now_ms - r->phase_ms >= (uint64_t)h->opt.duration_s * 1000u) {
            report(r, now_ms);
            uv_stop(h->loop);
        }
        break;
    }
}

static void start_publishers(hammer *h, int err)
{
    run *r = (run *)h;
    if (err) {
        fprintf(stderr, "hammer: preparing the server failed\n");
        r->exit_code = 1;
        uv_stop(h->loop);
        return;
    }
    for (int i = 0; i < h->opt.publishers; i++) {
        hm_client *c = hm_client_create(h, i, true, h->opt.meeting);
        h->clients[h->n_clients++] = c;
        hm_sig_start(c);
    }
    set_phase(r, PH_PUBLISH, uv_now(h->loop));
}

/* Reads the join tokens of --tokens, one per line (empty lines skipped):
 * line 1 for client 0 (the publisher), and so on. Returns 0, or -1 when
 * the file cannot be read. */
static int load_tokens(hammer *h, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "hammer: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 0;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t n;
    while ((n = getline(&line, &line_cap, f)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        if (h->n_tokens == cap) {
            cap = cap ? cap * 2 : 64;
            h->tokens = aula_realloc(h->tokens, cap * sizeof *h->tokens);
        }
        h->tokens[h->n_tokens++] = aula_strdup(line);
    }
    free(line);
    fclose(f);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: aula-hammer [--server aula|janus] [--ip 127.0.0.1] [--port N]\n"
                    "  [--bind-ip IP] [--room ID] [--video F.ivf] [--audio F.ogg]\n"
                    "  [--viewers N] [--meeting N] [--ramp N/s] [--duration S] [--settle MS]\n"
                    "  [--server-pid PID] [--receive-pid PID] [--tokens FILE]\n");
}

static int parse_options(int argc, char **argv, hm_options *o)
{
    *o = (hm_options){.server = HM_SERVER_AULA,
                      .ip = "127.0.0.1",
                      .port = 8080,
                      .bind_ip = NULL,
                      .room = "1234",
                      .video_path = "bench/.cache/video.ivf",
                      .audio_path = "bench/.cache/audio.ogg",
                      .publishers = 1,
                      .viewers = 10,
                      .ramp_per_s = 500,
                      .duration_s = 30,
                      .settle_ms = 2000};
    static const struct option opts[] = {{"server", 1, 0, 's'},      {"ip", 1, 0, 'i'},
                                         {"port", 1, 0, 'p'},        {"bind-ip", 1, 0, 'b'},
                                         {"room", 1, 0, 'r'},        {"video", 1, 0, 'v'},
                                         {"audio", 1, 0, 'a'},       {"viewers", 1, 0, 'n'},
                                         {"meeting", 1, 0, 'm'},     {"ramp", 1, 0, 'R'},
                                         {"duration", 1, 0, 'd'},    {"settle", 1, 0, 'S'},
                                         {"server-pid", 1, 0, 'P'},  {"tokens", 1, 0, 't'},
                                         {"receive-pid", 1, 0, 'x'}, {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 's':
            o->server = strcmp(optarg, "janus") == 0 ? HM_SERVER_JANUS : HM_SERVER_AULA;
            break;
        case 'i':
            o->ip = optarg;
            break;
        case 'p':
            o->port = atoi(optarg);
            break;
        case 'b':
            o->bind_ip = optarg;
            break;
        case 'r':
            o->room = optarg;
            break;
        case 'v':
            o->video_path = optarg;
            break;
        case 'a':
            o->audio_path = optarg;
            break;
        case 'n':
            o->viewers = atoi(optarg);
            break;
        case 'm':
            o->meeting = true;
            o->publishers = atoi(optarg);
            o->viewers = 0;
            break;
        case 'R':
            o->ramp_per_s = atoi(optarg);
            break;
        case 'd':
            o->duration_s = atoi(optarg);
            break;
        case 'S':
            o->settle_ms = atoi(optarg);
            break;
        case 'P':
            o->server_pid = atoi(optarg);
            break;
        case 't':
            o->tokens_path = optarg;
            break;
        case 'x':
            o->receive_pid = atoi(optarg);
            break;
        default:
            usage();
            return -1;
        }
    }
    if (!o->bind_ip)
        o->bind_ip = o->ip;
    if (o->publishers < 1 || o->viewers < 0 || o->ramp_per_s < 1 || o->duration_s < 1) {
        usage();
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static run r;
    hammer *h = &r.h;
    if (parse_options(argc, argv, &h->opt) != 0)
        return 2;
    aula_log_level = AULA_LOG_LEVEL_WARN;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    srand((unsigned)(uv_hrtime() ^ (uint64_t)getpid()));
    if (hm_media_load(&h->video, h->opt.video_path, true) != 0 ||
        hm_media_load(&h->audio, h->opt.audio_path, false) != 0 ||
        aula_dtls_identity_create(&h->identity) != 0)
        return 1;
    if (h->opt.tokens_path && load_tokens(h, h->opt.tokens_path) != 0)
        return 1;
    h->loop = uv_default_loop();
    h->debug = getenv("HAMMER_DEBUG") != NULL;
    /* 10 µs buckets up to 10 s (a saturated server queues for seconds),
     * 1 ms buckets up to 20 s. */
    hm_hist_init(&h->delay_us, 10, 1000000);
    hm_hist_init(&h->join_ms, 1, 20000);
    h->clients = aula_calloc((size_t)(h->opt.publishers + h->opt.viewers), sizeof *h->clients);
    uv_timer_init(h->loop, &r.pace);
    uv_timer_init(h->loop, &r.tick);
    r.pace.data = r.tick.data = &r;
    uv_timer_start(&r.pace, on_pace, PACE_MS, PACE_MS);
    uv_timer_start(&r.tick, on_tick, VIEWER_TICK_MS, VIEWER_TICK_MS);
    uv_check_init(h->loop, &r.yield);
    uv_check_start(&r.yield, on_loop_turn);
    uv_unref((uv_handle_t *)&r.yield);
    set_phase(&r, PH_PREPARE, uv_now(h->loop));
    if (h->opt.server == HM_SERVER_JANUS)
        hm_sig_janus_prepare(h, start_publishers);
    else
        start_publishers(h, 0);
    uv_run(h->loop, UV_RUN_DEFAULT);
    /* Exiting closes every socket; the servers see the participants go. */
    return r.exit_code;
}

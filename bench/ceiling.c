/* aula-ceiling: this machine's limit for forwarding on one core, the
 * per-packet work an SFU cannot avoid: copy a 1,200-byte RTP packet,
 * SRTP-protect it with AEAD_AES_128_GCM, and send it to loopback in
 * batches of 64 with sendmmsg. A thread on another CPU drains the sink
 * socket so the kernel does the full receive path, as it would for a
 * viewer; with --sinks N the packets go round-robin to N sockets, as an SFU
 * sends to N viewers (each one a socket to wake). With --sink-netns the
 * sinks are opened in another network namespace (scripts/bench.sh gives
 * the viewers' one, over a veth pair whose receive side runs on the sink's
 * CPU), at --sink-ip, and the packets leave from --send-ip. Prints one
 * JSON line: {"pps_per_core": N, ...}.
 *
 *   aula-ceiling [--seconds S] [--sink-cpu N] [--sinks N] [--only srtp|send]
 *                [--sink-netns /run/netns/NAME --sink-ip IP --send-ip IP]
 *   (pin it with taskset) */
#include "rtc/srtp.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PKT 1200
#define BATCH 64

#define MAX_SINKS 4096

typedef struct sink {
    int fd[MAX_SINKS];
    struct sockaddr_in addr[MAX_SINKS];
    int n;
    int cpu;
    atomic_bool stop;
    uint64_t received;
} sink;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *drain(void *arg)
{
    sink *s = arg;
    static uint8_t bufs[BATCH][2048];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){bufs[i], sizeof bufs[i]};
        msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
    }
    int ep = epoll_create1(0);
    for (int i = 0; i < s->n; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = s->fd[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, s->fd[i], &ev);
    }
    struct epoll_event ready[64];
    while (!atomic_load(&s->stop)) {
        int k = epoll_wait(ep, ready, 64, 100);
        for (int i = 0; i < k; i++) {
            int n;
            while ((n = recvmmsg(ready[i].data.fd, msgs, BATCH, MSG_DONTWAIT, NULL)) > 0)
                s->received += (uint64_t)n;
        }
    }
    close(ep);
    return NULL;
}

static int udp_socket(struct sockaddr_in *addr, const char *ip, int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    addr->sin_family = AF_INET;
    addr->sin_port = 0;
    if (inet_pton(AF_INET, ip, &addr->sin_addr) != 1) {
        fprintf(stderr, "aula-ceiling: not an IPv4 address: %s\n", ip);
        return -1;
    }
    socklen_t len = sizeof *addr;
    if (fd < 0 || bind(fd, (struct sockaddr *)addr, len) != 0 ||
        getsockname(fd, (struct sockaddr *)addr, &len) != 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    return fd;
}

int main(int argc, char **argv)
{
    double seconds = 2;
    int sink_cpu = -1, sinks = 1;
    bool do_srtp = true, do_send = true;
    const char *sink_netns = NULL, *sink_ip = "127.0.0.1", *send_ip = "127.0.0.1";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--sink-cpu") == 0)
            sink_cpu = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--sinks") == 0)
            sinks = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--sink-netns") == 0)
            sink_netns = argv[i + 1];
        else if (strcmp(argv[i], "--sink-ip") == 0)
            sink_ip = argv[i + 1];
        else if (strcmp(argv[i], "--send-ip") == 0)
            send_ip = argv[i + 1];
        else if (strcmp(argv[i], "--only") == 0) {
            /* Measures one half of the work: "srtp" or "send". */
            do_srtp = strcmp(argv[i + 1], "send") != 0;
            do_send = strcmp(argv[i + 1], "srtp") != 0;
        }
    }
    aula_srtp_keys keys = {.key_len = 16, .salt_len = 12};
    for (size_t i = 0; i < 16; i++)
        keys.server_key[i] = keys.client_key[i] = (uint8_t)(i * 7 + 1);
    aula_srtp *srtp;
    if (aula_srtp_create(AULA_SRTP_AEAD_AES_128_GCM, &keys, AULA_SRTP_ROLE_SERVER, &srtp) != 0)
        return 1;
    static sink s;
    s.cpu = sink_cpu;
    s.n = sinks < 1 ? 1 : sinks > MAX_SINKS ? MAX_SINKS : sinks;
    /* The sinks' sockets belong to the namespace this thread is in when
     * it opens them; then it comes back to send from its own. */
    int home = sink_netns ? open("/proc/self/ns/net", O_RDONLY) : -1;
    if (sink_netns) {
        int ns = open(sink_netns, O_RDONLY);
        if (home < 0 || ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
            perror(sink_netns);
            return 1;
        }
        close(ns);
    }
    for (int i = 0; i < s.n; i++)
        if ((s.fd[i] = udp_socket(&s.addr[i], sink_ip, 1 << 20)) < 0)
            return 1;
    if (sink_netns && setns(home, CLONE_NEWNET) != 0)
        return 1;
    if (home >= 0)
        close(home);
    struct sockaddr_in from;
    int out = udp_socket(&from, send_ip, 1 << 20);
    if (out < 0)
        return 1;
    unsigned next_sink = 0;
    pthread_t th;
    /* The drainer gets its CPU before it starts: under SCHED_FIFO it could
     * not run on the sender's CPU to move itself. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (s.cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(s.cpu, &set);
        pthread_attr_setaffinity_np(&attr, sizeof set, &set);
    }
    pthread_create(&th, &attr, drain, &s);
    pthread_attr_destroy(&attr);

    uint8_t original[PKT];
    memset(original, 0x5a, sizeof original);
    original[0] = 0x80;
    original[1] = 96;
    static uint8_t bufs[BATCH][PKT + AULA_SRTP_MAX_TRAILER];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    uint64_t sent = 0, refused = 0;
    uint16_t seq = 0;
    double t0 = now_s(), c0 = cpu_s();
    while (now_s() - t0 < seconds) {
        for (int i = 0; i < BATCH; i++) {
            /* The copy and the header rewrite every forwarded packet gets. */
            memcpy(bufs[i], original, PKT);
            bufs[i][2] = (uint8_t)(seq >> 8);
            bufs[i][3] = (uint8_t)seq;
            bufs[i][11] = (uint8_t)(i & 7); /* eight SSRCs: eight streams */
            seq++;
            size_t len = PKT;
            if (do_srtp)
                aula_srtp_protect_rtp(srtp, bufs[i], &len, sizeof bufs[i]);
            iov[i] = (struct iovec){bufs[i], len};
            msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &s.addr[next_sink],
                                                   .msg_namelen = sizeof s.addr[0],
                                                   .msg_iov = &iov[i],
                                                   .msg_iovlen = 1}};
            next_sink = (next_sink + 1) % (unsigned)s.n; /* viewer after viewer */
        }
        int n = do_send ? sendmmsg(out, msgs, BATCH, 0) : BATCH;
        sent += n > 0 ? (uint64_t)n : 0;
        refused += n < BATCH ? (uint64_t)(BATCH - (n > 0 ? n : 0)) : 0;
    }
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    atomic_store(&s.stop, true);
    pthread_join(th, NULL);
    const char *work = !do_send ? "copy+srtp" : !do_srtp ? "copy+sendmmsg" : "copy+srtp+sendmmsg";
    printf("{\"sinks\":%d,\"work\":\"%s\",\"profile\":\"AEAD_AES_128_GCM\",\"packet_bytes\":%d,"
           "\"pps_per_core\":%.0f,\"sent\":%llu,\"refused\":%llu,\"received\":%llu,\"cpu\":%.2f,"
           "\"wall\":%.2f}\n",
           s.n, work, PKT, (double)sent / cpu, (unsigned long long)sent,
           (unsigned long long)refused, (unsigned long long)s.received, cpu, wall);
    aula_srtp_destroy(srtp);
    return 0;
}

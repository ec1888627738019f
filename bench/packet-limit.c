/* hoinghi-packet-limit: what the hub's packets alone cost this machine.
 *
 * The floor for the hub's "everything else": one process that sends the
 * program's packets to N rooms and receives N rooms' return packets on one
 * socket, with sendmmsg/recvmmsg and nothing else (no RTP parsing, no
 * statistics, no GLib main loop). The rooms are a second process that
 * drains the program and sends the return packets, so the hub side's CPU
 * time is the kernel's and libc's cost of those packet rates.
 *
 * Plain libc on purpose: anything more would be part of what is measured.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sendmmsg, recvmmsg */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VIDEO_PAYLOAD 1200 /* bytes of an H.264 RTP packet at the MTU budget */
#define AUDIO_PAYLOAD 172  /* Opus 20 ms at ~64 kbit/s plus the RTP header */
#define AUDIO_PPS 50       /* one Opus packet each 20 ms */
#define TICK_US 5000       /* pacing step of both sides */
#define BATCH 1024

typedef struct {
  int rooms;
  int seconds;
  int program_kbps;
  int return_kbps;
  const char *json_path;
} Options;

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu_s (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static int
udp_socket (struct sockaddr_in *bound)
{
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int size = 4 * 1024 * 1024;
  socklen_t len = sizeof *bound;

  if (fd < 0)
    return -1;
  setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  memset (bound, 0, sizeof *bound);
  bound->sin_family = AF_INET;
  bound->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  bound->sin_port = 0; /* a free port */
  if (bind (fd, (struct sockaddr *) bound, sizeof *bound) < 0 ||
      getsockname (fd, (struct sockaddr *) bound, &len) < 0) {
    close (fd);
    return -1;
  }
  return fd;
}

/* Packets per second of a leg: video at kbps in VIDEO_PAYLOAD packets,
 * plus the audio. */
static int
leg_pps (int kbps)
{
  return (int) ((kbps * 1000.0 / 8.0) / VIDEO_PAYLOAD + 0.5) + AUDIO_PPS;
}

typedef struct {
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  char buf[BATCH][VIDEO_PAYLOAD];
} Batch;

static void
batch_init (Batch *b)
{
  memset (b, 0, sizeof *b);
  for (int i = 0; i < BATCH; i++) {
    b->iov[i].iov_base = b->buf[i];
    b->iov[i].iov_len = VIDEO_PAYLOAD;
    b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
    b->msgs[i].msg_hdr.msg_iovlen = 1;
  }
}

/* Sends n packets (mixed sizes) to dest[0..ndest) round robin; returns how
 * many the kernel took. */
static long
send_batch (int fd, Batch *b, struct sockaddr_in *dest, int ndest, long n, long *seq)
{
  long sent = 0;

  while (n > 0) {
    int k = n > BATCH ? BATCH : (int) n;
    int r;

    for (int i = 0; i < k; i++) {
      long s = (*seq)++;
      b->iov[i].iov_len = (s % 4 == 3) ? AUDIO_PAYLOAD : VIDEO_PAYLOAD;
      b->msgs[i].msg_hdr.msg_name = &dest[s % ndest];
      b->msgs[i].msg_hdr.msg_namelen = sizeof dest[0];
    }
    r = sendmmsg (fd, b->msgs, k, 0);
    if (r <= 0)
      break; /* the socket's buffer is full: counted as not sent */
    sent += r;
    n -= r;
  }
  return sent;
}

static long
drain (int fd, Batch *b)
{
  long got = 0;

  for (;;) {
    int r;

    for (int i = 0; i < BATCH; i++) {
      b->iov[i].iov_len = VIDEO_PAYLOAD;
      b->msgs[i].msg_hdr.msg_name = NULL;
    }
    r = recvmmsg (fd, b->msgs, BATCH, MSG_DONTWAIT, NULL);
    if (r <= 0)
      break;
    got += r;
  }
  return got;
}

/* The rooms: drain the program on each room's socket, send each room's
 * return packets to the hub. Runs until killed; reports its counts on
 * the pipe when told to stop by SIGTERM. */
static volatile sig_atomic_t stop_rooms;

static void
on_term (int sig)
{
  (void) sig;
  stop_rooms = 1;
}

static void
run_rooms (const Options *o, int *fds, struct sockaddr_in *hub, int report)
{
  static Batch b;
  struct pollfd *pfd = calloc (o->rooms, sizeof *pfd);
  double pps = (double) leg_pps (o->return_kbps) * o->rooms;
  double start = now_s ();
  long seq = 0, sent = 0, got = 0;

  batch_init (&b);
  signal (SIGTERM, on_term);
  for (int i = 0; i < o->rooms; i++) {
    pfd[i].fd = fds[i];
    pfd[i].events = POLLIN;
  }
  while (!stop_rooms) {
    long due = (long) ((now_s () - start) * pps) - seq;
    /* Each room sends from its own socket so the hub sees N sources. */
    for (long i = 0; i < due; i++) {
      int room = (int) (seq % o->rooms);
      char pkt[VIDEO_PAYLOAD] = { 0 };
      size_t len = (seq % 4 == 3) ? AUDIO_PAYLOAD : VIDEO_PAYLOAD;
      seq++;
      if (sendto (fds[room], pkt, len, 0, (struct sockaddr *) hub, sizeof *hub) > 0)
        sent++;
    }
    if (poll (pfd, o->rooms, TICK_US / 1000) > 0)
      for (int i = 0; i < o->rooms; i++)
        if (pfd[i].revents & POLLIN)
          got += drain (fds[i], &b);
  }
  dprintf (report, "%ld %ld\n", sent, got);
  free (pfd);
}

static void
usage (void)
{
  fprintf (stderr, "usage: hoinghi-packet-limit [--rooms N] [--seconds S]\n"
                   "         [--program-kbps K] [--return-kbps K] [--json FILE]\n");
}

int
main (int argc, char **argv)
{
  Options o = { 147, 10, 1500, 600, NULL };
  struct sockaddr_in hub, *dest;
  int hub_fd, *room_fds, report[2], rc = 0;
  pid_t rooms;
  static Batch b;

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (v == NULL) {
      usage ();
      return 2;
    }
    if (strcmp (a, "--rooms") == 0)
      o.rooms = atoi (v);
    else if (strcmp (a, "--seconds") == 0)
      o.seconds = atoi (v);
    else if (strcmp (a, "--program-kbps") == 0)
      o.program_kbps = atoi (v);
    else if (strcmp (a, "--return-kbps") == 0)
      o.return_kbps = atoi (v);
    else if (strcmp (a, "--json") == 0)
      o.json_path = v;
    else {
      usage ();
      return 2;
    }
    i++;
  }
  if (o.rooms < 1 || o.seconds < 1 || o.program_kbps < 1 || o.return_kbps < 1) {
    fprintf (stderr, "hoinghi-packet-limit: every figure must be >= 1\n");
    return 2;
  }

  hub_fd = udp_socket (&hub);
  room_fds = calloc (o.rooms, sizeof *room_fds);
  dest = calloc (o.rooms, sizeof *dest);
  if (room_fds == NULL || dest == NULL) {
    fprintf (stderr, "hoinghi-packet-limit: no memory for %d rooms\n", o.rooms);
    rc = 1;
    goto out;
  }
  for (int i = 0; i < o.rooms; i++) {
    room_fds[i] = udp_socket (&dest[i]);
    if (room_fds[i] < 0) {
      fprintf (stderr, "hoinghi-packet-limit: room socket %d: %s\n", i, strerror (errno));
      rc = 1;
      goto out;
    }
  }
  if (hub_fd < 0 || pipe (report) < 0) {
    fprintf (stderr, "hoinghi-packet-limit: hub socket: %s\n", strerror (errno));
    rc = 1;
    goto out;
  }

  rooms = fork ();
  if (rooms == 0) {
    close (report[0]);
    run_rooms (&o, room_fds, &hub, report[1]);
    _exit (0);
  }
  close (report[1]);
  for (int i = 0; i < o.rooms; i++)
    close (room_fds[i]);

  batch_init (&b);
  {
    double out_pps = (double) leg_pps (o.program_kbps) * o.rooms;
    double start = now_s (), cpu0 = cpu_s (), end = start + o.seconds;
    long seq = 0, sent = 0, got = 0, room_sent = 0, room_got = 0;
    struct pollfd pfd = { .fd = hub_fd, .events = POLLIN };
    double elapsed, cpu, in_pps;
    FILE *rep;

    while (now_s () < end) {
      long due = (long) ((now_s () - start) * out_pps) - seq;
      if (due > 0)
        sent += send_batch (hub_fd, &b, dest, o.rooms, due, &seq);
      if (poll (&pfd, 1, TICK_US / 1000) > 0)
        got += drain (hub_fd, &b);
    }
    elapsed = now_s () - start;
    cpu = cpu_s () - cpu0;

    kill (rooms, SIGTERM);
    rep = fdopen (report[0], "r");
    if (rep == NULL || fscanf (rep, "%ld %ld", &room_sent, &room_got) != 2)
      fprintf (stderr, "hoinghi-packet-limit: no report from the rooms\n");
    waitpid (rooms, NULL, 0);
    if (rep != NULL)
      fclose (rep);
    in_pps = got / elapsed;

    printf ("packet limit, %d rooms, %.1f s (program %d kbit/s, return %d "
            "kbit/s per room)\n",
            o.rooms, elapsed, o.program_kbps, o.return_kbps);
    printf ("  %-34s %10.1f\n", "hub CPU (% of one core)", 100.0 * cpu / elapsed);
    printf ("  %-34s %10.0f (%d per room)\n", "program pkt/s sent", sent / elapsed,
            leg_pps (o.program_kbps));
    printf ("  %-34s %10.0f (%d per room)\n", "return pkt/s received", in_pps,
            leg_pps (o.return_kbps));
    printf ("  %-34s %10.2f\n", "program loss at the rooms (%)",
            sent ? 100.0 * (sent - room_got) / sent : 0.0);
    printf ("  %-34s %10.2f\n", "return loss at the hub (%)",
            room_sent ? 100.0 * (room_sent - got) / room_sent : 0.0);
    printf ("  %-34s %10.2f\n", "CPU µs per packet (both ways)", 1e6 * cpu / (sent + got));
    if (o.json_path) {
      FILE *j = fopen (o.json_path, "w");
      if (j == NULL) {
        fprintf (stderr, "hoinghi-packet-limit: %s: %s\n", o.json_path, strerror (errno));
        rc = 1;
        goto out;
      }
      fprintf (j,
               "{\"rooms\": %d, \"seconds\": %.2f, \"program_kbps\": %d, "
               "\"return_kbps\": %d, \"hub_cpu_pct\": %.2f, "
               "\"program_pps\": %.0f, \"return_pps\": %.0f, "
               "\"program_sent\": %ld, \"program_received\": %ld, "
               "\"return_sent\": %ld, \"return_received\": %ld}\n",
               o.rooms, elapsed, o.program_kbps, o.return_kbps, 100.0 * cpu / elapsed,
               sent / elapsed, in_pps, sent, room_got, room_sent, got);
      fclose (j);
    }
    /* The one failure: packets that do not flow at all (a broken socket
     * set-up), so a smoke run in the test suite means something. */
    if (sent == 0 || got == 0 || room_got == 0) {
      fprintf (stderr,
               "hoinghi-packet-limit: no packets flowed (program "
               "%ld sent, %ld received; return %ld received)\n",
               sent, room_got, got);
      rc = 1;
    }
  }
out:
  free (room_fds);
  free (dest);
  return rc;
}

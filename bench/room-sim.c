/* hoinghi-room-sim: many rooms in one process, for the province benchmark.
 *
 * Each simulated room does what a room PC does, as seen from the hub: it
 * opens its own control channel (HnControlClient, the endpoint's own code:
 * hello with the proof of the site's token and its four ports and two
 * SSRCs; plain ws, as the hub of the benchmark runs with insecure=true
 * because these rooms send and receive plain RTP), and while
 * the hub has it joined to a meeting it sends a return feed (640x360 H.264
 * at about 600 kbit/s and Opus) from its own sockets, answers the program
 * with RTCP receiver reports (loss and jitter measured on what it really
 * receives, LSR/DLSR echoed for the round trip), sends sender reports about
 * its own streams, and counts what it receives. It does not decode: a room
 * PC's decoding is not the hub's cost.
 *
 * Cheap enough to leave the hub its core: the feed is encoded once, at
 * start-up, into RTP packets in memory (two clips, a red and a green room
 * picture, so that a floor switch between rooms of different clips shows
 * in the program; plus one Opus clip) and replayed by every room with its
 * own SSRC, sequence numbers and timestamps. The packet's payload is never
 * copied: each datagram is a 12-byte header of the room's own and the
 * clip's payload, gathered by sendmmsg. All of it runs in one thread
 * (GIO adds its worker, "gmain"), on one GLib main loop: a 10 ms tick
 * sends what is due (a video frame's packets at once, as an encoder
 * would) and drains every socket that epoll says is readable, with the
 * kernel's receive timestamps (SO_TIMESTAMPNS), so the batching does not
 * show in the jitter.
 *
 * Keyframe requests (the control channel's keyframe, RTCP PLI or FIR) are
 * answered by jumping to the clip's next IDR on the next frame: like a
 * real encoder with a forced keyframe the IDR goes out at once, while the
 * clip keeps the rooms' usual GOP of two seconds, so the hub decodes the
 * usual bit rate. A jump forward in the clip is invisible to a decoder:
 * nothing after an IDR refers to what came before.
 *
 * A few rooms (--watch) can decode the program they receive, from the
 * moment "watch on" is read on stdin: each prints a line when the colour
 * of the program's upper-left quarter changes, with the monotonic time,
 * which is how the benchmark times a floor switch. The other commands on
 * stdin: "stop SITE" / "resume SITE" (the room's media stops, its control
 * channel stays, as when a room's link breaks), "drop SITE" / "return SITE"
 * (the room PC goes away, channel and media, and comes back, as after a
 * reboot), "stats" (one JSON line of counters) and "quit". Its output on
 * stdout is one JSON object per line.
 *
 * Usage: hoinghi-room-sim --hub HOST:PORT --tokens FILE [--watch N]
 *   FILE: one "SITE TOKEN" per line, one room each (hoinghictl token SITE)
 */

#define G_LOG_DOMAIN "hoinghi-room-sim"

#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hn-control-client.h"
#include "hn-error.h"

#define SIM_TICK_MS 10
#define SIM_MAX_LAG_US (100 * G_TIME_SPAN_MILLISECOND)
#define SIM_BATCH 64
#define SIM_RTCP_INTERVAL_US (2 * G_USEC_PER_SEC)
#define SIM_CLIP_SECONDS 6
#define SIM_GOP_SECONDS 2
#define SIM_VIDEO_PT 96
#define SIM_AUDIO_PT 111
#define SIM_AUDIO_FRAME_US 20000
#define SIM_MAX_DATAGRAM 2048
#define RTP_HEADER 12

enum { SOCK_VIDEO_RTP, SOCK_VIDEO_RTCP, SOCK_AUDIO_RTP, SOCK_AUDIO_RTCP, N_SOCKS };
enum { STREAM_VIDEO, STREAM_AUDIO, N_STREAMS };

typedef struct {
  guint8 *payload; /* after the clip's RTP header */
  gsize len;
  gboolean marker;
} ClipPacket;

typedef struct {
  guint first; /* index into packets */
  guint n;
  gboolean idr;
} ClipFrame;

typedef struct {
  GArray *packets; /* ClipPacket */
  GArray *frames;  /* ClipFrame */
  guint64 bytes;
} Clip;

/* What a room measures of one program stream (RFC 3550, A.1 and A.8) */
typedef struct {
  gboolean have;
  guint32 ssrc;
  guint16 max_seq;
  guint32 cycles;
  guint32 base_seq;
  guint64 received;
  guint64 bytes;
  guint32 expected_prior;
  guint64 received_prior;
  gint64 arrival_base_us; /* the first packet's arrival */
  gint64 transit;
  gdouble jitter; /* clock-rate units */
  guint32 lsr;    /* middle 32 bits of the last SR's NTP time */
  gint64 lsr_arrival_us;
} RecvStream;

typedef struct _Sim Sim;

typedef struct {
  Sim *sim;
  guint index;
  gchar *site;
  HnControlClient *client;
  int fds[N_SOCKS];
  guint ports[N_SOCKS];
  guint32 ssrc[N_STREAMS];
  const Clip *video_clip;
  gboolean green; /* which clip: for the watchers' colour */

  /* sending, while joined */
  gboolean joined;
  gboolean stopped; /* "stop SITE": media paused, channel kept */
  struct sockaddr_in hub_rtp;
  struct sockaddr_in hub_rtcp;
  struct sockaddr_in program_rtcp[N_STREAMS];
  gint64 start_us;
  guint64 frames_sent; /* video frames since the start */
  guint64 audio_sent;  /* audio packets since the start */
  guint clip_frame;
  guint audio_pos;
  gboolean force_idr;
  guint16 seq[N_STREAMS];
  guint32 ts_base[N_STREAMS];
  guint32 last_ts[N_STREAMS];
  guint64 packets_sent[N_STREAMS];
  guint64 octets_sent[N_STREAMS];
  gint64 next_rtcp_us;

  /* receiving */
  RecvStream recv[N_STREAMS];
  guint64 rtcp_received;
  guint64 keyframe_requests;

  /* watching (decoding the program) */
  GstElement *watch;
  GstElement *watch_src;
  gint last_rgb[3];
} Room;

struct _Sim {
  gchar *hub_host;
  guint hub_port;
  struct in_addr hub_addr;
  GPtrArray *rooms; /* Room */
  Clip video[2];
  Clip audio;
  guint framerate;
  int epfd;
  guint tick_id;
  guint stdin_id;
  GString *stdin_pending; /* a command line not ended yet */
  guint n_watch;
  gboolean watching;
  GMainLoop *loop;
  /* scratch for sendmmsg/recvmmsg */
  struct mmsghdr msgs[SIM_BATCH];
  struct iovec iov[SIM_BATCH][2];
  guint8 headers[SIM_BATCH][RTP_HEADER];
  guint8 rbuf[SIM_BATCH][SIM_MAX_DATAGRAM];
  guint8 cbuf[SIM_BATCH][CMSG_SPACE (sizeof (struct timespec))];
  guint64 send_errors;
};

/* --- the clips, encoded once ------------------------------------------ */

static void
clip_init (Clip *clip)
{
  clip->packets = g_array_new (FALSE, TRUE, sizeof (ClipPacket));
  clip->frames = g_array_new (FALSE, TRUE, sizeof (ClipFrame));
}

static void
clip_clear (Clip *clip)
{
  for (guint i = 0; clip->packets != NULL && i < clip->packets->len; i++)
    g_free (g_array_index (clip->packets, ClipPacket, i).payload);
  g_clear_pointer (&clip->packets, g_array_unref);
  g_clear_pointer (&clip->frames, g_array_unref);
}

/* H.264 over RTP (RFC 6184): is this packet part of an IDR access unit's
 * start (SPS 7, the IDR slice 5, alone, in a STAP-A 24 or a FU-A 28)? */
static gboolean
h264_starts_idr (const guint8 *p, gsize len)
{
  guint type;

  if (len < 1)
    return FALSE;
  type = p[0] & 0x1f;
  if (type == 24) {
    for (gsize o = 1; o + 3 <= len;) {
      gsize n = (p[o] << 8) | p[o + 1];
      guint t = p[o + 2] & 0x1f;

      if (t == 5 || t == 7)
        return TRUE;
      o += 2 + n;
    }
    return FALSE;
  }
  if (type == 28 && len >= 2) /* FU-A: the start of a fragmented NAL */
    return (p[1] & 0x80) && (p[1] & 0x1f) == 5;
  return type == 5 || type == 7;
}

/* Runs @description (ending in "appsink name=out") to EOS and keeps every
 * RTP packet, grouped into frames by timestamp. */
static gboolean
clip_encode (Clip *clip, const gchar *description, gboolean video, GError **error)
{
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  guint32 last_ts = 0;
  gboolean first = TRUE;

  clip_init (clip);
  pipeline = gst_parse_launch (description, error);
  if (pipeline == NULL) {
    g_prefix_error (error, "cannot build the clip's encoder: ");
    return FALSE;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, "cannot start the clip's encoder");
    return FALSE;
  }
  for (;;) {
    g_autoptr (GstSample) sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
    GstMapInfo map;
    GstBuffer *buffer;
    ClipPacket packet;
    ClipFrame *current;
    guint32 ts;

    if (sample == NULL)
      break;
    buffer = gst_sample_get_buffer (sample);
    if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
      continue;
    /* the payloaders here make RTP without CSRCs or extensions */
    if (map.size <= RTP_HEADER || (map.data[0] & 0x1f) != 0) {
      gst_buffer_unmap (buffer, &map);
      continue;
    }
    ts = GUINT32_FROM_BE (*(guint32 *) (map.data + 4));
    packet.payload = g_memdup2 (map.data + RTP_HEADER, map.size - RTP_HEADER);
    packet.len = map.size - RTP_HEADER;
    packet.marker = (map.data[1] & 0x80) != 0;
    clip->bytes += map.size;
    if (first || ts != last_ts || !video) {
      ClipFrame frame = { clip->packets->len, 0, FALSE };

      g_array_append_val (clip->frames, frame);
      first = FALSE;
      last_ts = ts;
    }
    current = &g_array_index (clip->frames, ClipFrame, clip->frames->len - 1);
    current->n++;
    /* SPS, PPS and the IDR slice may come in any packet of the frame */
    if (video && h264_starts_idr (packet.payload, packet.len))
      current->idr = TRUE;
    g_array_append_val (clip->packets, packet);
    gst_buffer_unmap (buffer, &map);
  }
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (msg != NULL) {
    g_autoptr (GError) gerror = NULL;

    gst_message_parse_error (msg, &gerror, NULL);
    g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, "the clip's encoder failed: %s",
                 gerror->message);
    return FALSE;
  }
  if (clip->frames->len == 0 || (video && !g_array_index (clip->frames, ClipFrame, 0).idr)) {
    g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE,
                 "the clip's encoder made no packets, or no IDR first");
    return FALSE;
  }
  return TRUE;
}

/* A room's picture: a flat colour (what the watchers look for) with a
 * quarter of noise, so the encoder spends about the configured bit rate,
 * as it would on a camera picture. */
static gboolean
sim_encode_clips (Sim *sim, guint width, guint height, guint kbps, GError **error)
{
  static const guint32 colours[2] = { 0xffd02020, 0xff20a040 };
  guint frames = SIM_CLIP_SECONDS * sim->framerate;

  for (guint i = 0; i < 2; i++) {
    g_autofree gchar *desc = g_strdup_printf (
        "compositor name=mix background=black sink_1::xpos=%u sink_1::ypos=%u "
        "! video/x-raw,format=I420,width=%u,height=%u "
        "! x264enc tune=zerolatency speed-preset=ultrafast bitrate=%u key-int-max=%u aud=false "
        "! rtph264pay pt=%d mtu=1200 config-interval=-1 "
        "! appsink name=out sync=false max-buffers=0 "
        "videotestsrc num-buffers=%u pattern=solid-color foreground-color=%u "
        "! video/x-raw,width=%u,height=%u,framerate=%u/1 ! mix.sink_0 "
        "videotestsrc num-buffers=%u pattern=snow "
        "! video/x-raw,width=%u,height=%u,framerate=%u/1 ! "
        "mix.sink_1",
        width / 2, height / 2, width, height, kbps, SIM_GOP_SECONDS * sim->framerate, SIM_VIDEO_PT,
        frames, colours[i], width, height, sim->framerate, frames, width / 2, height / 2,
        sim->framerate);

    if (!clip_encode (&sim->video[i], desc, TRUE, error))
      return FALSE;
  }
  {
    g_autofree gchar *desc = g_strdup_printf (
        "audiotestsrc num-buffers=%u samplesperbuffer=960 wave=sine freq=660 ! "
        "audio/x-raw,rate=48000,channels=1 ! opusenc bitrate=32000 frame-size=20 ! "
        "rtpopuspay pt=%d ! appsink name=out sync=false max-buffers=0",
        SIM_CLIP_SECONDS * 50, SIM_AUDIO_PT);

    if (!clip_encode (&sim->audio, desc, FALSE, error))
      return FALSE;
  }
  return TRUE;
}

/* --- sockets ------------------------------------------------------------ */

static int
sim_udp_socket (guint *port, GError **error)
{
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int size = 256 * 1024, on = 1;
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;

  if (fd < 0) {
    g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, "socket: %s", g_strerror (errno));
    return -1;
  }
  setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt (fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 ||
      getsockname (fd, (struct sockaddr *) &addr, &len) < 0) {
    g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, "bind: %s", g_strerror (errno));
    close (fd);
    return -1;
  }
  *port = ntohs (addr.sin_port);
  return fd;
}

static void
sim_set_addr (Sim *sim, struct sockaddr_in *addr, guint port)
{
  memset (addr, 0, sizeof *addr);
  addr->sin_family = AF_INET;
  addr->sin_addr = sim->hub_addr;
  addr->sin_port = htons (port);
}

/* --- RTCP --------------------------------------------------------------- */

static guint64
ntp_now (void)
{
  gint64 us = g_get_real_time ();
  guint64 secs = us / G_USEC_PER_SEC + G_GUINT64_CONSTANT (2208988800);
  guint64 frac = ((guint64) (us % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;

  return (secs << 32) | frac;
}

static guint8 *
put32 (guint8 *p, guint32 v)
{
  *(guint32 *) p = GUINT32_TO_BE (v);
  return p + 4;
}

/* SDES with the room's CNAME, padded to 32 bits; returns the end */
static guint8 *
rtcp_put_sdes (guint8 *p, Room *room, guint32 ssrc)
{
  gsize cname = strlen (room->site);
  gsize items = 2 + cname + 1; /* type, length, text, END */
  gsize words = (4 + items + 3) / 4;
  guint8 *start = p;

  p[0] = 0x81;
  p[1] = 202;
  *(guint16 *) (p + 2) = GUINT16_TO_BE (words);
  p = put32 (p + 4, ssrc);
  *p++ = 1;
  *p++ = cname;
  memcpy (p, room->site, cname);
  p += cname;
  while ((gsize) (p - start) < 4 * (words + 1))
    *p++ = 0;
  return p;
}

/* One compound packet per stream: an SR about what the room sends when it
 * sends (else an RR), with one report block about the program stream it
 * receives, and the SDES. */
static gsize
rtcp_build (Room *room, guint s, guint8 *buf)
{
  RecvStream *r = &room->recv[s];
  gboolean sender = room->joined && !room->stopped && room->packets_sent[s] > 0;
  guint8 *p = buf;
  guint8 *len_at;

  p[0] = 0x80 | (r->have ? 1 : 0);
  p[1] = sender ? 200 : 201;
  len_at = p + 2;
  p = put32 (p + 4, room->ssrc[s]);
  if (sender) {
    guint64 ntp = ntp_now ();

    p = put32 (p, ntp >> 32);
    p = put32 (p, ntp & 0xffffffff);
    p = put32 (p, room->last_ts[s]);
    p = put32 (p, room->packets_sent[s]);
    p = put32 (p, room->octets_sent[s]);
  }
  if (r->have) {
    guint32 ext_max = r->cycles + r->max_seq;
    guint32 expected = ext_max - r->base_seq + 1;
    gint64 lost = (gint64) expected - (gint64) r->received;
    guint32 expected_interval = expected - r->expected_prior;
    gint64 received_interval = r->received - r->received_prior;
    gint64 lost_interval = expected_interval - received_interval;
    guint fraction = expected_interval == 0 || lost_interval <= 0
                         ? 0
                         : (guint) ((lost_interval << 8) / expected_interval);
    guint32 dlsr = 0;

    r->expected_prior = expected;
    r->received_prior = r->received;
    lost = CLAMP (lost, -0x800000, 0x7fffff);
    if (r->lsr != 0)
      dlsr = (guint32) (((g_get_real_time () - r->lsr_arrival_us) << 16) / G_USEC_PER_SEC);
    p = put32 (p, r->ssrc);
    p = put32 (p, (MIN (fraction, 255u) << 24) | ((guint32) lost & 0xffffff));
    p = put32 (p, ext_max);
    p = put32 (p, (guint32) r->jitter);
    p = put32 (p, r->lsr);
    p = put32 (p, dlsr);
  }
  *(guint16 *) len_at = GUINT16_TO_BE ((p - buf) / 4 - 1);
  p = rtcp_put_sdes (p, room, room->ssrc[s]);
  return p - buf;
}

static void
room_send_rtcp (Room *room)
{
  guint8 buf[256];

  for (guint s = 0; s < N_STREAMS; s++) {
    gsize len = rtcp_build (room, s, buf);
    int fd = room->fds[s == STREAM_VIDEO ? SOCK_VIDEO_RTCP : SOCK_AUDIO_RTCP];

    /* the report about the program to the program's session; the same
     * compound (an SR while sending) also reaches the return leg's session */
    if (sendto (fd, buf, len, 0, (struct sockaddr *) &room->program_rtcp[s],
                sizeof room->program_rtcp[s]) < 0 ||
        sendto (fd, buf, len, 0, (struct sockaddr *) &room->hub_rtcp, sizeof room->hub_rtcp) < 0)
      room->sim->send_errors++;
  }
}

/* SRs from the program (LSR for the round trip) and PLI/FIR about the
 * room's own video from the return leg's session */
static void
room_read_rtcp (Room *room, const guint8 *p, gsize len, gint64 arrival_us)
{
  room->rtcp_received++;
  while (len >= 8) {
    guint pt = p[1];
    gsize plen = 4 * ((gsize) GUINT16_FROM_BE (*(guint16 *) (p + 2)) + 1);
    guint fmt = p[0] & 0x1f;

    if ((p[0] >> 6) != 2 || plen > len)
      return;
    if (pt == 200 && plen >= 28) {
      guint32 ssrc = GUINT32_FROM_BE (*(guint32 *) (p + 4));

      for (guint s = 0; s < N_STREAMS; s++) {
        RecvStream *r = &room->recv[s];

        if (r->have && r->ssrc == ssrc) {
          r->lsr = (GUINT32_FROM_BE (*(guint32 *) (p + 8)) << 16) |
                   (GUINT32_FROM_BE (*(guint32 *) (p + 12)) >> 16);
          r->lsr_arrival_us = arrival_us;
        }
      }
    } else if ((pt == 206 && (fmt == 1 || fmt == 4)) && plen >= 12) {
      room->force_idr = TRUE;
      room->keyframe_requests++;
    }
    p += plen;
    len -= plen;
  }
}

/* RFC 3550 A.1 (without the probation) and A.8 */
static void
recv_update (RecvStream *r, const guint8 *p, gsize len, gint64 arrival_us, guint clock_rate)
{
  guint16 seq = GUINT16_FROM_BE (*(guint16 *) (p + 2));
  guint32 ts = GUINT32_FROM_BE (*(guint32 *) (p + 4));
  guint32 ssrc = GUINT32_FROM_BE (*(guint32 *) (p + 8));
  gint64 arrival, transit;
  guint16 delta;

  if (!r->have || r->ssrc != ssrc) {
    /* a new program (a rebuilt one comes with a new SSRC) */
    memset (r, 0, sizeof *r);
    r->have = TRUE;
    r->ssrc = ssrc;
    r->base_seq = seq;
    r->max_seq = seq;
    r->arrival_base_us = arrival_us;
  }
  /* from the first packet on: the wall clock in µs times 90000 would not
   * fit in 64 bits */
  arrival = (arrival_us - r->arrival_base_us) * clock_rate / G_USEC_PER_SEC;
  transit = arrival - (gint64) ts;
  if (r->received == 0)
    r->transit = transit;
  delta = seq - r->max_seq;
  if (delta < 0x8000) {
    if (seq < r->max_seq)
      r->cycles += 0x10000;
    r->max_seq = seq;
  }
  r->received++;
  r->bytes += len;
  if (r->received > 1) {
    /* the timestamps wrap at 2^32: the difference is taken in 32 bits */
    gint32 d = (gint32) ((guint32) transit - (guint32) r->transit);

    r->jitter += ((gdouble) ABS (d) - r->jitter) / 16.0;
  }
  r->transit = transit;
}

/* --- watching the program ---------------------------------------------- */

static GstFlowReturn
room_watch_sample_cb (GstAppSink *sink, gpointer user_data)
{
  Room *room = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  gint64 now = g_get_monotonic_time ();
  GstMapInfo map;
  guint sums[3] = { 0 };
  guint n = 0;
  gint diff = 0;

  if (sample == NULL)
    return GST_FLOW_EOS;
  if (!gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ))
    return GST_FLOW_OK;
  /* 32x18 RGB, packed (width 32 is a multiple of 4: no row padding) */
  for (guint y = 0; y < 9; y++) {
    for (guint x = 0; x < 16; x++) {
      for (guint c = 0; c < 3; c++)
        sums[c] += map.data[(y * 32 + x) * 3 + c];
      n++;
    }
  }
  gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
  for (guint c = 0; c < 3; c++) {
    gint v = sums[c] / n;

    diff += ABS (v - room->last_rgb[c]);
    sums[c] = v;
  }
  if (diff > 60) {
    for (guint c = 0; c < 3; c++)
      room->last_rgb[c] = sums[c];
    /* stdio locks the stream: lines from the streaming threads stay whole */
    printf ("{\"event\": \"colour\", \"site\": \"%s\", \"rgb\": [%u, %u, %u], \"t-us\": "
            "%" G_GINT64_FORMAT "}\n",
            room->site, sums[0], sums[1], sums[2], now);
    fflush (stdout);
  }
  return GST_FLOW_OK;
}

static gboolean
room_watch_start (Room *room, GError **error)
{
  GstAppSinkCallbacks callbacks = { 0 };
  g_autoptr (GstElement) sink = NULL;

  room->watch = gst_parse_launch (
      "appsrc name=src is-live=true do-timestamp=true format=time "
      "caps=application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96 ! "
      "rtph264depay ! avdec_h264 ! videoconvert ! videoscale ! "
      "video/x-raw,format=RGB,width=32,height=18 ! appsink name=out sync=false",
      error);
  if (room->watch == NULL)
    return FALSE;
  room->watch_src = gst_bin_get_by_name (GST_BIN (room->watch), "src");
  sink = gst_bin_get_by_name (GST_BIN (room->watch), "out");
  callbacks.new_sample = room_watch_sample_cb;
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, room, NULL);
  room->last_rgb[0] = room->last_rgb[1] = room->last_rgb[2] = -1000;
  if (gst_element_set_state (room->watch, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, "cannot start the program's decoder");
    return FALSE;
  }
  return TRUE;
}

static void
room_watch_stop (Room *room)
{
  if (room->watch == NULL)
    return;
  gst_element_set_state (room->watch, GST_STATE_NULL);
  g_clear_object (&room->watch_src);
  g_clear_object (&room->watch);
}

/* --- receiving ---------------------------------------------------------- */

static void
sim_drain (Sim *sim, Room *room, guint sock)
{
  for (;;) {
    int n;

    for (guint i = 0; i < SIM_BATCH; i++) {
      struct msghdr *h = &sim->msgs[i].msg_hdr;

      sim->iov[i][0].iov_base = sim->rbuf[i];
      sim->iov[i][0].iov_len = SIM_MAX_DATAGRAM;
      memset (h, 0, sizeof *h);
      h->msg_iov = sim->iov[i];
      h->msg_iovlen = 1;
      h->msg_control = sim->cbuf[i];
      h->msg_controllen = sizeof sim->cbuf[i];
    }
    n = recvmmsg (room->fds[sock], sim->msgs, SIM_BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0)
      return;
    for (int i = 0; i < n; i++) {
      struct msghdr *h = &sim->msgs[i].msg_hdr;
      gsize len = sim->msgs[i].msg_len;
      const guint8 *p = sim->rbuf[i];
      gint64 arrival_us = g_get_real_time ();

      for (struct cmsghdr *c = CMSG_FIRSTHDR (h); c != NULL; c = CMSG_NXTHDR (h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
          struct timespec ts;

          memcpy (&ts, CMSG_DATA (c), sizeof ts);
          arrival_us = (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
        }
      }
      if (sock == SOCK_VIDEO_RTCP || sock == SOCK_AUDIO_RTCP) {
        room_read_rtcp (room, p, len, arrival_us);
        continue;
      }
      if (len < RTP_HEADER || (p[0] >> 6) != 2)
        continue;
      if (sock == SOCK_VIDEO_RTP) {
        recv_update (&room->recv[STREAM_VIDEO], p, len, arrival_us, 90000);
        if (room->watch_src != NULL)
          gst_app_src_push_buffer (GST_APP_SRC (room->watch_src), gst_buffer_new_memdup (p, len));
      } else {
        recv_update (&room->recv[STREAM_AUDIO], p, len, arrival_us, 48000);
      }
    }
    if (n < SIM_BATCH)
      return;
  }
}

/* --- sending ------------------------------------------------------------ */

static void
sim_flush (Sim *sim, int fd, guint n)
{
  guint done = 0;

  while (done < n) {
    int r = sendmmsg (fd, sim->msgs + done, n - done, MSG_DONTWAIT);

    if (r <= 0) {
      sim->send_errors += n - done;
      return;
    }
    done += r;
  }
}

static void
sim_queue (Sim *sim,
           guint *n,
           Room *room,
           guint s,
           const ClipPacket *packet,
           guint32 ts,
           struct sockaddr_in *to)
{
  guint8 *h = sim->headers[*n];
  struct msghdr *m = &sim->msgs[*n].msg_hdr;

  h[0] = 0x80;
  h[1] = (packet->marker ? 0x80 : 0) | (s == STREAM_VIDEO ? SIM_VIDEO_PT : SIM_AUDIO_PT);
  *(guint16 *) (h + 2) = GUINT16_TO_BE (room->seq[s]);
  *(guint32 *) (h + 4) = GUINT32_TO_BE (ts);
  *(guint32 *) (h + 8) = GUINT32_TO_BE (room->ssrc[s]);
  room->seq[s]++;
  room->last_ts[s] = ts;
  room->packets_sent[s]++;
  room->octets_sent[s] += packet->len;
  sim->iov[*n][0].iov_base = h;
  sim->iov[*n][0].iov_len = RTP_HEADER;
  sim->iov[*n][1].iov_base = packet->payload;
  sim->iov[*n][1].iov_len = packet->len;
  memset (m, 0, sizeof *m);
  m->msg_name = to;
  m->msg_namelen = sizeof *to;
  m->msg_iov = sim->iov[*n];
  m->msg_iovlen = 2;
  (*n)++;
}

static void
room_send_due (Sim *sim, Room *room, gint64 now)
{
  const Clip *v = room->video_clip;
  guint n = 0;
  gint64 lag =
      now - (room->start_us + (gint64) (room->frames_sent * G_USEC_PER_SEC / sim->framerate));

  /* a simulator starved of CPU does not send the frames it missed in one
   * burst (a camera's encoder would not have made them): it goes on
   * later, as if the network had delayed it */
  if (lag > SIM_MAX_LAG_US)
    room->start_us += lag;

  /* video: a frame's packets at once, at the frame's time */
  while (room->start_us + (gint64) (room->frames_sent * G_USEC_PER_SEC / sim->framerate) <= now) {
    const ClipFrame *f;
    guint32 ts =
        room->ts_base[STREAM_VIDEO] + (guint32) (room->frames_sent * 90000 / sim->framerate);

    if (room->force_idr) {
      /* the clip's next IDR, now */
      guint i = room->clip_frame;

      while (!g_array_index (v->frames, ClipFrame, i).idr)
        i = (i + 1) % v->frames->len;
      room->clip_frame = i;
      room->force_idr = FALSE;
    }
    f = &g_array_index (v->frames, ClipFrame, room->clip_frame);
    if (n + f->n > SIM_BATCH) {
      sim_flush (sim, room->fds[SOCK_VIDEO_RTP], n);
      n = 0;
    }
    for (guint i = 0; i < f->n && n < SIM_BATCH; i++)
      sim_queue (sim, &n, room, STREAM_VIDEO, &g_array_index (v->packets, ClipPacket, f->first + i),
                 ts, &room->hub_rtp);
    room->frames_sent++;
    room->clip_frame = (room->clip_frame + 1) % v->frames->len;
  }
  sim_flush (sim, room->fds[SOCK_VIDEO_RTP], n);

  n = 0;
  while (room->start_us + (gint64) room->audio_sent * SIM_AUDIO_FRAME_US <= now && n < SIM_BATCH) {
    guint32 ts = room->ts_base[STREAM_AUDIO] + (guint32) (room->audio_sent * 960);

    sim_queue (sim, &n, room, STREAM_AUDIO,
               &g_array_index (sim->audio.packets, ClipPacket, room->audio_pos), ts,
               &room->hub_rtp);
    room->audio_sent++;
    room->audio_pos = (room->audio_pos + 1) % sim->audio.packets->len;
  }
  sim_flush (sim, room->fds[SOCK_AUDIO_RTP], n);
}

static gboolean
sim_tick_cb (gpointer user_data)
{
  Sim *sim = user_data;
  struct epoll_event events[256];
  gint64 now = g_get_monotonic_time ();
  int n;

  do {
    n = epoll_wait (sim->epfd, events, G_N_ELEMENTS (events), 0);
    for (int i = 0; i < n; i++) {
      guint32 id = events[i].data.u32;

      sim_drain (sim, sim->rooms->pdata[id / N_SOCKS], id % N_SOCKS);
    }
  } while (n == G_N_ELEMENTS (events));

  for (guint i = 0; i < sim->rooms->len; i++) {
    Room *room = sim->rooms->pdata[i];

    if (!room->joined || room->stopped)
      continue;
    room_send_due (sim, room, now);
    if (now >= room->next_rtcp_us) {
      room_send_rtcp (room);
      room->next_rtcp_us = now + SIM_RTCP_INTERVAL_US;
    }
  }
  return G_SOURCE_CONTINUE;
}

/* --- the control channel ------------------------------------------------ */

static void
room_start_media (Room *room)
{
  /* each room at its own phase, as independent encoders would be */
  room->start_us = g_get_monotonic_time () + g_random_int_range (0, G_USEC_PER_SEC / 25);
  room->frames_sent = 0;
  room->audio_sent = 0;
  room->force_idr = TRUE;
  room->next_rtcp_us = room->start_us + g_random_int_range (0, SIM_RTCP_INTERVAL_US);
}

static void
room_message_cb (HnControlClient *client, JsonNode *message, gpointer user_data)
{
  Room *room = user_data;
  HnControlJoinMedia join;

  switch (hn_control_message_peek_type (message)) {
  case HN_CONTROL_MESSAGE_JOIN:
    hn_control_message_get_join_media (message, &join);
    sim_set_addr (room->sim, &room->hub_rtp, join.hub_rtp_port);
    sim_set_addr (room->sim, &room->hub_rtcp, join.hub_rtcp_port);
    sim_set_addr (room->sim, &room->program_rtcp[STREAM_VIDEO], join.program_video_rtcp_port);
    sim_set_addr (room->sim, &room->program_rtcp[STREAM_AUDIO], join.program_audio_rtcp_port);
    room->joined = TRUE;
    room_start_media (room);
    break;
  case HN_CONTROL_MESSAGE_LEAVE:
    room->joined = FALSE;
    break;
  case HN_CONTROL_MESSAGE_KEYFRAME:
    room->force_idr = TRUE;
    room->keyframe_requests++;
    break;
  default:
    break;
  }
}

static void
room_disconnected_cb (HnControlClient *client, gpointer user_data)
{
  Room *room = user_data;

  room->joined = FALSE;
}

/* what a room PC reports every few seconds; the hub shows it */
static gboolean
sim_stats_cb (gpointer user_data)
{
  Sim *sim = user_data;

  for (guint i = 0; i < sim->rooms->len; i++) {
    Room *room = sim->rooms->pdata[i];
    g_autoptr (JsonObject) stats = NULL;
    g_autoptr (JsonNode) message = NULL;

    if (!room->joined || !hn_control_client_is_connected (room->client))
      continue;
    stats = json_object_new ();
    json_object_set_int_member (stats, "packets-received",
                                room->recv[STREAM_VIDEO].received +
                                    room->recv[STREAM_AUDIO].received);
    message = hn_control_message_new_stats (stats);
    hn_control_client_send (room->client, message, NULL);
  }
  return G_SOURCE_CONTINUE;
}

static Room *
room_new (Sim *sim, guint index, const gchar *site, const gchar *token, GError **error)
{
  g_autofree Room *room = g_new0 (Room, 1);
  HnControlHelloMedia hello = { 0 };

  room->sim = sim;
  room->index = index;
  for (guint s = 0; s < N_SOCKS; s++)
    room->fds[s] = -1;
  for (guint s = 0; s < N_SOCKS; s++) {
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = index * N_SOCKS + s };

    room->fds[s] = sim_udp_socket (&room->ports[s], error);
    if (room->fds[s] < 0)
      return NULL;
    epoll_ctl (sim->epfd, EPOLL_CTL_ADD, room->fds[s], &ev);
  }
  room->site = g_strdup (site);
  room->green = index % 2 == 1;
  room->video_clip = &sim->video[room->green ? 1 : 0];
  do {
    room->ssrc[STREAM_VIDEO] = g_random_int ();
    room->ssrc[STREAM_AUDIO] = g_random_int ();
  } while (room->ssrc[STREAM_VIDEO] == room->ssrc[STREAM_AUDIO]);
  for (guint s = 0; s < N_STREAMS; s++) {
    room->seq[s] = g_random_int ();
    room->ts_base[s] = g_random_int ();
  }
  room->clip_frame = g_random_int_range (0, room->video_clip->frames->len);
  room->audio_pos = g_random_int_range (0, sim->audio.packets->len);

  hello.video_rtp_port = room->ports[SOCK_VIDEO_RTP];
  hello.video_rtcp_port = room->ports[SOCK_VIDEO_RTCP];
  hello.audio_rtp_port = room->ports[SOCK_AUDIO_RTP];
  hello.audio_rtcp_port = room->ports[SOCK_AUDIO_RTCP];
  hello.video_ssrc = room->ssrc[STREAM_VIDEO];
  hello.audio_ssrc = room->ssrc[STREAM_AUDIO];
  room->client = hn_control_client_new (sim->hub_host, sim->hub_port, site, token);
  /* the rooms replay plain RTP: a hub with insecure=true (the lab mode) */
  hn_control_client_set_insecure (room->client);
  hn_control_client_set_hello_media (room->client, &hello);
  g_signal_connect (room->client, "message", G_CALLBACK (room_message_cb), room);
  g_signal_connect (room->client, "disconnected", G_CALLBACK (room_disconnected_cb), room);
  return g_steal_pointer (&room);
}

static void
room_free (Room *room)
{
  room_watch_stop (room);
  if (room->client != NULL)
    hn_control_client_stop (room->client);
  g_clear_object (&room->client);
  for (guint s = 0; s < N_SOCKS; s++) {
    if (room->fds[s] >= 0)
      close (room->fds[s]);
  }
  g_free (room->site);
  g_free (room);
}

/* --- stdin commands ----------------------------------------------------- */

static Room *
sim_find_room (Sim *sim, const gchar *site)
{
  for (guint i = 0; i < sim->rooms->len; i++) {
    Room *room = sim->rooms->pdata[i];

    if (g_str_equal (room->site, site))
      return room;
  }
  return NULL;
}

static void
sim_print_stats (Sim *sim)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *text = NULL;
  guint64 sent[N_STREAMS] = { 0 }, received[N_STREAMS] = { 0 }, bytes = 0, rtcp = 0, keyframes = 0;
  guint connected = 0, joined = 0, receiving = 0;
  gdouble worst_jitter_ms = 0, worst_loss_pct = 0;

  for (guint i = 0; i < sim->rooms->len; i++) {
    Room *room = sim->rooms->pdata[i];

    connected += hn_control_client_is_connected (room->client);
    joined += room->joined;
    receiving += room->recv[STREAM_VIDEO].received > 0 && room->recv[STREAM_AUDIO].received > 0;
    rtcp += room->rtcp_received;
    keyframes += room->keyframe_requests;
    for (guint s = 0; s < N_STREAMS; s++) {
      RecvStream *r = &room->recv[s];

      sent[s] += room->packets_sent[s];
      received[s] += r->received;
      bytes += r->bytes;
      if (r->have) {
        guint32 expected = r->cycles + r->max_seq - r->base_seq + 1;
        gdouble loss = expected > r->received ? 100.0 * (expected - r->received) / expected : 0;

        worst_loss_pct = MAX (worst_loss_pct, loss);
        worst_jitter_ms =
            MAX (worst_jitter_ms, r->jitter * 1000.0 / (s == STREAM_VIDEO ? 90000 : 48000));
      }
    }
  }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, "stats");
  json_builder_set_member_name (b, "t-us");
  json_builder_add_int_value (b, g_get_monotonic_time ());
  json_builder_set_member_name (b, "rooms");
  json_builder_add_int_value (b, sim->rooms->len);
  json_builder_set_member_name (b, "connected");
  json_builder_add_int_value (b, connected);
  json_builder_set_member_name (b, "joined");
  json_builder_add_int_value (b, joined);
  json_builder_set_member_name (b, "receiving");
  json_builder_add_int_value (b, receiving);
  json_builder_set_member_name (b, "video-sent");
  json_builder_add_int_value (b, sent[STREAM_VIDEO]);
  json_builder_set_member_name (b, "audio-sent");
  json_builder_add_int_value (b, sent[STREAM_AUDIO]);
  json_builder_set_member_name (b, "video-received");
  json_builder_add_int_value (b, received[STREAM_VIDEO]);
  json_builder_set_member_name (b, "audio-received");
  json_builder_add_int_value (b, received[STREAM_AUDIO]);
  json_builder_set_member_name (b, "bytes-received");
  json_builder_add_int_value (b, bytes);
  json_builder_set_member_name (b, "rtcp-received");
  json_builder_add_int_value (b, rtcp);
  json_builder_set_member_name (b, "keyframe-requests");
  json_builder_add_int_value (b, keyframes);
  json_builder_set_member_name (b, "send-errors");
  json_builder_add_int_value (b, sim->send_errors);
  json_builder_set_member_name (b, "worst-loss-pct");
  json_builder_add_double_value (b, worst_loss_pct);
  json_builder_set_member_name (b, "worst-jitter-ms");
  json_builder_add_double_value (b, worst_jitter_ms);
  json_builder_set_member_name (b, "clip-kbps");
  json_builder_add_double_value (b, sim->video[0].bytes * 8.0 / SIM_CLIP_SECONDS / 1000.0);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
  fflush (stdout);
}

static void
sim_command (Sim *sim, const gchar *line)
{
  g_auto (GStrv) words = g_strsplit (line, " ", 2);
  Room *room = words[0] != NULL && words[1] != NULL ? sim_find_room (sim, words[1]) : NULL;

  if (g_str_equal (line, "stats")) {
    sim_print_stats (sim);
  } else if (g_str_equal (line, "quit")) {
    g_main_loop_quit (sim->loop);
  } else if (g_str_equal (line, "watch on") || g_str_equal (line, "watch off")) {
    gboolean on = g_str_equal (line, "watch on");

    for (guint i = 0; i < sim->n_watch && i < sim->rooms->len; i++) {
      g_autoptr (GError) error = NULL;
      Room *r = sim->rooms->pdata[i];

      if (on && r->watch == NULL && !room_watch_start (r, &error))
        g_warning ("%s: %s", r->site, error->message);
      else if (!on)
        room_watch_stop (r);
    }
  } else if (room != NULL && g_str_equal (words[0], "stop")) {
    room->stopped = TRUE;
  } else if (room != NULL && g_str_equal (words[0], "resume")) {
    room->stopped = FALSE;
    if (room->joined)
      room_start_media (room);
  } else if (room != NULL && g_str_equal (words[0], "drop")) {
    /* the room PC goes away: its channel closes, its media stops */
    hn_control_client_stop (room->client);
    room->joined = FALSE;
  } else if (room != NULL && g_str_equal (words[0], "return")) {
    /* and comes back: it connects, says hello and is joined again */
    hn_control_client_start (room->client);
  } else {
    g_warning ("unknown command '%s', ignoring", line);
    return;
  }
  printf ("{\"event\": \"done\", \"command\": \"%s\", \"t-us\": %" G_GINT64_FORMAT "}\n", line,
          g_get_monotonic_time ());
  fflush (stdout);
}

static gboolean
sim_stdin_cb (gint fd, GIOCondition condition, gpointer user_data)
{
  Sim *sim = user_data;
  GString *pending = sim->stdin_pending;
  gchar buf[4096];
  gssize n = read (fd, buf, sizeof buf);
  gchar *nl;

  if (n <= 0) {
    /* the benchmark went away: so do the rooms */
    sim->stdin_id = 0;
    g_main_loop_quit (sim->loop);
    return G_SOURCE_REMOVE;
  }
  g_string_append_len (pending, buf, n);
  while ((nl = strchr (pending->str, '\n')) != NULL) {
    g_autofree gchar *line = g_strndup (pending->str, nl - pending->str);

    g_string_erase (pending, 0, nl - pending->str + 1);
    g_strstrip (line);
    if (*line != '\0')
      sim_command (sim, line);
  }
  return G_SOURCE_CONTINUE;
}

/* --- main --------------------------------------------------------------- */

static gboolean
sim_load_rooms (Sim *sim, const gchar *path, GError **error)
{
  g_autofree gchar *contents = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return FALSE;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_auto (GStrv) words = g_strsplit (g_strstrip (lines[i]), " ", 2);
    Room *room;

    if (words[0] == NULL || *words[0] == '\0')
      continue;
    if (words[1] == NULL) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "%s: line %u: SITE TOKEN expected",
                   path, i + 1);
      return FALSE;
    }
    room = room_new (sim, sim->rooms->len, words[0], g_strstrip (words[1]), error);
    if (room == NULL)
      return FALSE;
    g_ptr_array_add (sim->rooms, room);
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree gchar *hub = NULL;
  g_autofree gchar *tokens = NULL;
  g_autofree gchar *video_size = NULL;
  gint watch = 2, kbps = 600, framerate = 25;
  guint width = 640, height = 360;
  GOptionEntry entries[] = {
    { "hub", 0, 0, G_OPTION_ARG_STRING, &hub, "the hub's control channel", "HOST:PORT" },
    { "tokens", 0, 0, G_OPTION_ARG_FILENAME, &tokens, "one 'SITE TOKEN' per line", "FILE" },
    { "watch", 0, 0, G_OPTION_ARG_INT, &watch, "rooms that decode on 'watch on' (2)", "N" },
    { "video-size", 0, 0, G_OPTION_ARG_STRING, &video_size, "of the return feed (640x360)", "WxH" },
    { "video-framerate", 0, 0, G_OPTION_ARG_INT, &framerate, "(25)", "FPS" },
    { "video-bitrate", 0, 0, G_OPTION_ARG_INT, &kbps, "kbit/s (600)", "K" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- many rooms in one process");
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnectable) address = NULL;
  Sim sim = { 0 };
  guint stats_id;
  gint64 t0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error) || hub == NULL || tokens == NULL) {
    g_printerr ("hoinghi-room-sim: %s\n",
                error != NULL ? error->message : "--hub and --tokens are required");
    return 2;
  }
  if (video_size != NULL && sscanf (video_size, "%ux%u", &width, &height) != 2) {
    g_printerr ("hoinghi-room-sim: --video-size WxH\n");
    return 2;
  }
  address = g_network_address_parse (hub, 0, &error);
  if (address == NULL) {
    g_printerr ("hoinghi-room-sim: --hub: %s\n", error->message);
    return 2;
  }
  sim.hub_host = g_strdup (g_network_address_get_hostname (G_NETWORK_ADDRESS (address)));
  sim.hub_port = g_network_address_get_port (G_NETWORK_ADDRESS (address));
  if (inet_pton (AF_INET, sim.hub_host, &sim.hub_addr) != 1) {
    g_printerr ("hoinghi-room-sim: --hub: an IPv4 address is needed\n");
    return 2;
  }
  sim.framerate = CLAMP (framerate, 1, 60);
  sim.n_watch = MAX (watch, 0);

  t0 = g_get_monotonic_time ();
  if (!sim_encode_clips (&sim, width, height, kbps, &error)) {
    g_printerr ("hoinghi-room-sim: %s\n", error->message);
    return 1;
  }
  sim.epfd = epoll_create1 (EPOLL_CLOEXEC);
  sim.rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) room_free);
  if (!sim_load_rooms (&sim, tokens, &error)) {
    g_printerr ("hoinghi-room-sim: %s\n", error->message);
    return 1;
  }
  printf (
      "{\"event\": \"ready\", \"rooms\": %u, \"clip-kbps\": %.0f, \"clip-ms\": %" G_GINT64_FORMAT
      "}\n",
      sim.rooms->len, sim.video[0].bytes * 8.0 / SIM_CLIP_SECONDS / 1000.0,
      (g_get_monotonic_time () - t0) / 1000);
  fflush (stdout);

  sim.loop = g_main_loop_new (NULL, FALSE);
  for (guint i = 0; i < sim.rooms->len; i++)
    hn_control_client_start (((Room *) sim.rooms->pdata[i])->client);
  sim.tick_id = g_timeout_add (SIM_TICK_MS, sim_tick_cb, &sim);
  sim.stdin_pending = g_string_new (NULL);
  sim.stdin_id = g_unix_fd_add (0, G_IO_IN | G_IO_HUP, sim_stdin_cb, &sim);
  stats_id = g_timeout_add_seconds (2, sim_stats_cb, &sim);
  g_main_loop_run (sim.loop);

  g_source_remove (stats_id);
  g_source_remove (sim.tick_id);
  g_clear_handle_id (&sim.stdin_id, g_source_remove);
  g_ptr_array_unref (sim.rooms);
  close (sim.epfd);
  g_string_free (sim.stdin_pending, TRUE);
  for (guint i = 0; i < 2; i++)
    clip_clear (&sim.video[i]);
  clip_clear (&sim.audio);
  g_main_loop_unref (sim.loop);
  g_free (sim.hub_host);
  return 0;
}

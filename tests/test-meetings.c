/* Integration: a real hub and four real room endpoints, separate
 * processes on 127.0.0.1, in a meeting, as in production: the control
 * channel is wss to a certificate (made at test time) that the rooms pin. Each room sends its own
 * colour and tone; what the rooms decode (the mean colour of a 4×4 grid of the picture, the
 * strongest frequency of the sound) says what the program shows. Pictures are 160×120 at 15 fps so
 * that a 2-core machine runs it.
 *
 * Conditions are awaited with a deadline (the time they took is printed),
 * never with a fixed sleep. */

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <signal.h>

#include "hn-test-utils.h"

typedef struct {
  const gchar *id;
  guint32 color;
  guint tone;
  guint8 rgb[3];
} Room;

/* red, green, blue and yellow rooms with their own tones; the hub's chair
 * test source is slate blue (0x203080) at 330 Hz */
static const Room rooms[] = {
  { "tt-tam-dao", 0xff0000, 440, { 255, 0, 0 } },
  { "tt-hop-chau", 0x00ff00, 880, { 0, 255, 0 } },
  { "xa-dao-tru", 0x0000ff, 1320, { 0, 0, 255 } },
  { "xa-yen-duong", 0xffff00, 660, { 255, 255, 0 } },
};
#define N_ROOMS G_N_ELEMENTS (rooms)
static const guint8 chair_rgb[3] = { 0x20, 0x30, 0x80 };

typedef struct {
  gchar *dir; /* the sites file and the hub's certificate */
  gchar *fingerprint;
  HnTestDaemon *hub;
  HnTestDaemon *ep[N_ROOMS];
  gchar *token_file[N_ROOMS];
  guint control_port;
  guint media_port;
  guint media_rtcp_port;
} Fixture;

typedef gboolean (*Predicate) (Fixture *f, gpointer data);

typedef struct {
  Fixture *f;
  Predicate pred;
  gpointer data;
} Check;

static gboolean
check_cb (gpointer data)
{
  Check *c = data;

  return c->pred (c->f, c->data);
}

/* Checks @pred until it holds or @timeout_ms passes; returns the time it
 * took in ms, or -1 after printing what every room saw. */
static gint64
wait_for (Fixture *f, Predicate pred, gpointer data, guint timeout_ms)
{
  Check c = { f, pred, data };
  /* the bounds hold in the normal build; ASan's run is slower (×3) */
  gint64 ms = hn_test_wait (check_cb, &c, timeout_ms * hn_test_slowdown ());

  if (ms < 0) {
    for (guint i = 0; i < N_ROOMS; i++)
      hn_test_endpoint_dump (f->ep[i], rooms[i].id);
  }
  return ms;
}

static JsonObject *
endpoint_state (Fixture *f, guint i, JsonNode **node)
{
  *node = hn_test_ctl_json (f->ep[i]->socket, "endpoint", NULL);
  return *node != NULL ? json_node_get_object (*node) : NULL;
}

static gint64
frames_of (Fixture *f, guint i)
{
  g_autoptr (JsonNode) node = NULL;
  JsonObject *o = endpoint_state (f, i, &node);

  if (o == NULL)
    return -1;
  return json_object_get_int_member (json_object_get_object_member (o, "playout"),
                                     "frames-decoded");
}

static gboolean
color_near (JsonArray *cell, const guint8 rgb[3], gint tolerance)
{
  for (guint c = 0; c < 3; c++) {
    gint v = json_array_get_int_element (cell, c);

    if (ABS (v - (gint) rgb[c]) > tolerance)
      return FALSE;
  }
  return TRUE;
}

/* The colour of cell (col,row) of the 4×4 grid a room reports */
static JsonArray *
cell_of (JsonObject *o, guint col, guint row)
{
  JsonNode *grid = json_object_get_member (json_object_get_object_member (o, "playout"), "grid");

  /* no picture analysed yet (a new stream): null */
  if (grid == NULL || !JSON_NODE_HOLDS_ARRAY (grid))
    return NULL;
  return json_array_get_array_element (json_node_get_array (grid), row * 4 + col);
}

typedef struct {
  guint observer;
  const guint8 *rgb[4]; /* expected colour of the four quadrants (or all if [1] NULL) */
  guint tone;           /* 0: do not check */
  guint not_tone;       /* 0: do not check */
} Expect;

static gboolean
tone_near (gdouble hz, guint tone)
{
  return ABS (hz - tone) <= tone * 0.1;
}

static gboolean
sees (Fixture *f, gpointer data)
{
  Expect *e = data;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *o = endpoint_state (f, e->observer, &node);
  JsonObject *audio;

  if (o == NULL || json_object_get_int_member (json_object_get_object_member (o, "playout"),
                                               "frames-decoded") == 0)
    return FALSE;
  for (guint row = 0; row < 4; row++) {
    for (guint col = 0; col < 4; col++) {
      guint quadrant = (row / 2) * 2 + col / 2;
      const guint8 *rgb = e->rgb[1] == NULL ? e->rgb[0] : e->rgb[quadrant];

      if (rgb != NULL &&
          (cell_of (o, col, row) == NULL || !color_near (cell_of (o, col, row), rgb, 60)))
        return FALSE;
    }
  }
  audio = json_object_get_object_member (json_object_get_object_member (o, "playout"), "audio");
  if (e->tone != 0 && !tone_near (json_object_get_double_member (audio, "peak-hz"), e->tone))
    return FALSE;
  if (e->not_tone != 0 && tone_near (json_object_get_double_member (audio, "peak-hz"), e->not_tone))
    return FALSE;
  return TRUE;
}

static gboolean
all_decoding (Fixture *f, gpointer data)
{
  for (guint i = 0; i < N_ROOMS; i++) {
    if (f->ep[i] != NULL && frames_of (f, i) <= 0)
      return FALSE;
  }
  return TRUE;
}

static gboolean
hub_sees_online (Fixture *f, gpointer data)
{
  g_autoptr (JsonNode) node = hn_test_ctl_json (f->hub->socket, "status", NULL);

  return node != NULL && json_object_get_int_member (json_node_get_object (node), "sites-online") ==
                             GPOINTER_TO_INT (data);
}

static HnTestDaemon *
start_endpoint (Fixture *f, guint i)
{
  g_autofree gchar *color = g_strdup_printf ("0x%06x", rooms[i].color);
  g_autofree gchar *tone = g_strdup_printf ("%u", rooms[i].tone);
  const gchar *args[] = { "--test-color", color, "--test-tone", tone, NULL };

  return hn_test_endpoint_start (f->control_port, rooms[i].id, f->token_file[i], f->fingerprint,
                                 args);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree gchar *source =
      g_test_build_filename (G_TEST_DIST, "data", "sites-meeting.conf", NULL);
  g_autofree gchar *config = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) status = NULL;
  JsonObject *o;

  f->dir = hn_test_tmpdir_new ();
  config = hn_test_write_secure_config (f->dir, source, &f->fingerprint);
  f->hub = hn_test_daemon_start (config, NULL, &error);
  g_assert_no_error (error);
  status = hn_test_ctl_json (f->hub->socket, "status", NULL);
  g_assert_nonnull (status);
  o = json_node_get_object (status);
  f->control_port = json_object_get_int_member (o, "control-port");
  f->media_port = json_object_get_int_member (o, "media-port");
  /* the hub shows the fingerprint rooms must pin */
  g_assert_cmpstr (json_object_get_string_member (o, "control-fingerprint"), ==, f->fingerprint);
  g_assert_cmpuint (f->control_port, >, 0);
  g_assert_cmpuint (f->media_port, >, 0);

  for (guint i = 0; i < N_ROOMS; i++) {
    g_autoptr (JsonNode) token = hn_test_ctl_json (f->hub->socket, "token", rooms[i].id, NULL);
    g_autofree gchar *name = g_strdup_printf ("%s.token", rooms[i].id);

    g_assert_nonnull (token);
    f->token_file[i] = hn_test_write_file (
        f->hub->dir, name, json_object_get_string_member (json_node_get_object (token), "token"));
    f->ep[i] = start_endpoint (f, i);
  }
  /* TLS handshakes take seconds each under ASan */
  g_assert_cmpint (
      wait_for (f, hub_sees_online, GINT_TO_POINTER (N_ROOMS), 10000 * hn_test_slowdown ()), >=, 0);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < N_ROOMS; i++) {
    g_clear_pointer (&f->ep[i], hn_test_daemon_free);
    g_free (f->token_file[i]);
  }
  g_clear_pointer (&f->hub, hn_test_daemon_free);
  hn_test_tmpdir_remove (f->dir);
  g_free (f->dir);
  g_free (f->fingerprint);
}

static void
start_meeting (Fixture *f, const gchar *extra, const gchar *extra_value)
{
  hn_test_ctl_ok (f->hub->socket, "meeting", "start", "m", "--sites",
                  "tt-tam-dao,tt-hop-chau,xa-dao-tru,xa-yen-duong", "--title", "Giao ban", extra,
                  extra_value, NULL);
}

static void
test_meeting_floor_layout_mute (Fixture *f, gconstpointer data)
{
  Expect e = { 0 };
  gint64 ms;

  /* 1. every room decodes the program within 5 s of meeting start */
  start_meeting (f, NULL, NULL);
  ms = wait_for (f, all_decoding, NULL, 5000);
  g_test_message ("all rooms decoding %" G_GINT64_FORMAT " ms after meeting start", ms);
  g_assert_cmpint (ms, >=, 0);

  /* nobody has the floor: the chair's picture */
  e.observer = 0;
  e.rgb[0] = chair_rgb;
  e.tone = 330;
  g_assert_cmpint (wait_for (f, sees, &e, 3000), >=, 0);

  /* 2. floor to the green room: the others see green within 2 s and hear
   * its 880 Hz above the chair */
  hn_test_ctl_ok (f->hub->socket, "floor", "m", "tt-hop-chau", NULL);
  for (guint i = 0; i < N_ROOMS; i++) {
    if (i == 1)
      continue;
    e.observer = i;
    e.rgb[0] = rooms[1].rgb;
    e.tone = 880;
    ms = wait_for (f, sees, &e, 2000);
    g_test_message ("%s sees %s %" G_GINT64_FORMAT " ms after the floor change", rooms[i].id,
                    rooms[1].id, ms);
    g_assert_cmpint (ms, >=, 0);
  }

  /* 3a. pip: the floor holder full frame, the chair's inset at the bottom
   * right (104,76 52×40 of 160×120), which covers most of cell (3,3) */
  hn_test_ctl_ok (f->hub->socket, "layout", "m", "pip", NULL);
  {
    gboolean ok = FALSE;
    gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

    while (!ok && g_get_monotonic_time () < deadline) {
      g_autoptr (JsonNode) node = NULL;
      JsonObject *o = endpoint_state (f, 0, &node);
      JsonArray *inset = o != NULL ? cell_of (o, 3, 3) : NULL;

      ok = o != NULL && color_near (cell_of (o, 0, 0), rooms[1].rgb, 60) &&
           json_array_get_int_element (inset, 2) > 70 &&
           json_array_get_int_element (inset, 1) < 150;
      if (!ok)
        g_usleep (50 * 1000);
    }
    g_assert_true (ok);
  }

  /* 3b. grid: the floor holder top left, then the others in order:
   * red top right, blue bottom left, yellow bottom right */
  hn_test_ctl_ok (f->hub->socket, "layout", "m", "grid", NULL);
  e.observer = 0;
  e.rgb[0] = rooms[1].rgb;
  e.rgb[1] = rooms[0].rgb;
  e.rgb[2] = rooms[2].rgb;
  e.rgb[3] = rooms[3].rgb;
  e.tone = 0;
  ms = wait_for (f, sees, &e, 3000);
  g_test_message ("grid shown %" G_GINT64_FORMAT " ms after the layout change", ms);
  g_assert_cmpint (ms, >=, 0);

  /* 4. muting the green room takes its tone out of the mix */
  hn_test_ctl_ok (f->hub->socket, "layout", "m", "single", NULL);
  hn_test_ctl_ok (f->hub->socket, "mute", "m", "tt-hop-chau", NULL);
  memset (&e, 0, sizeof e);
  e.observer = 2;
  e.rgb[0] = rooms[1].rgb;
  e.not_tone = 880;
  e.tone = 330;
  ms = wait_for (f, sees, &e, 2000);
  g_test_message ("tone gone %" G_GINT64_FORMAT " ms after mute", ms);
  g_assert_cmpint (ms, >=, 0);
}

static gboolean
leg_joined (Fixture *f, gpointer data)
{
  return hn_test_participant_joined (f->hub->socket, "m", data);
}

/* every room still up decoded at least 30 frames more than @data */
static gboolean
decoded_more (Fixture *f, gpointer data)
{
  gint64 *before = data;

  for (guint i = 0; i < N_ROOMS; i++) {
    if (f->ep[i] != NULL && frames_of (f, i) < before[i] + 30)
      return FALSE;
  }
  return TRUE;
}

static void
send_garbage (guint port, guint count)
{
  g_autoptr (GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, 0, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (lo, port);

  g_assert_nonnull (sock);
  for (guint i = 0; i < count; i++) {
    guint8 buf[1400];
    gsize len = g_random_int_range (1, sizeof buf);

    for (gsize j = 0; j < len; j++)
      buf[j] = g_random_int_range (0, 256);
    /* a third look like RTP v2, some of them truncated */
    if (i % 3 == 0)
      buf[0] = 0x80;
    g_socket_send_to (sock, to, (const gchar *) buf, i % 3 == 0 ? MIN (len, 13) : len, NULL, NULL);
  }
}

static void
test_meeting_isolation (Fixture *f, gconstpointer data)
{
  gint64 before[N_ROOMS] = { 0 };
  gint64 ms;

  start_meeting (f, NULL, NULL);
  g_assert_cmpint (wait_for (f, all_decoding, NULL, 5000), >=, 0);

  /* 5. a room killed outright does not disturb the others */
  g_subprocess_force_exit (f->ep[3]->proc);
  g_subprocess_wait (f->ep[3]->proc, NULL, NULL);
  g_clear_pointer (&f->ep[3], hn_test_daemon_free);
  g_assert_cmpint (wait_for (f, hub_sees_online, GINT_TO_POINTER (3), 15000), >=, 0);
  /* the others go on decoding at full rate: 30 frames at 15 fps take 2 s;
   * a stall of the program would make it take longer than 3 s */
  for (guint i = 0; i < 3; i++)
    before[i] = frames_of (f, i);
  ms = wait_for (f, decoded_more, before, 3000);
  g_test_message (
      "the other rooms decoded 30 more frames in %" G_GINT64_FORMAT " ms after one died", ms);
  g_assert_cmpint (ms, >=, 0);
  /* it comes back by itself when restarted */
  f->ep[3] = start_endpoint (f, 3);
  ms = wait_for (f, leg_joined, (gpointer) rooms[3].id, 10000);
  g_test_message ("restarted room rejoined after %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpint (ms, >=, 0);
  g_assert_cmpint (wait_for (f, all_decoding, NULL, 5000), >=, 0);

  /* 6. garbage and truncated datagrams at the hub's media port */
  for (guint i = 0; i < N_ROOMS; i++)
    before[i] = frames_of (f, i);
  send_garbage (f->media_port, 3000);
  send_garbage (f->media_port + 1, 300);
  {
    Expect e = { 0 };

    /* the meeting goes on: the floor still moves and shows */
    hn_test_ctl_ok (f->hub->socket, "floor", "m", "xa-dao-tru", NULL);
    e.observer = 0;
    e.rgb[0] = rooms[2].rgb;
    g_assert_cmpint (wait_for (f, sees, &e, 3000), >=, 0);
  }
  ms = wait_for (f, decoded_more, before, 3000);
  g_test_message ("every room decoded 30 more frames %" G_GINT64_FORMAT " ms after the garbage",
                  ms);
  g_assert_cmpint (ms, >=, 0);
  for (guint i = 0; i < N_ROOMS; i++)
    g_assert_true (leg_joined (f, (gpointer) rooms[i].id));
}

/* 7. a central feed given as a URI: the test plays the central
 * government's encoder, sending MPEG-TS (H.264 + Opus) over UDP in a
 * colour and tone no room has */
static void
test_meeting_central_feed (Fixture *f, gconstpointer data)
{
  static const guint8 magenta[3] = { 255, 0, 255 };
  guint port = hn_test_free_port_block (G_SOCKET_TYPE_DATAGRAM, 4);
  g_autofree gchar *uri = g_strdup_printf ("udp://127.0.0.1:%u", port);
  g_autofree gchar *desc = g_strdup_printf (
      "videotestsrc is-live=true pattern=solid-color foreground-color=0xffff00ff ! "
      "video/x-raw,width=160,height=120,framerate=15/1 ! x264enc tune=zerolatency "
      "speed-preset=ultrafast key-int-max=15 bitrate=300 ! mpegtsmux name=mux alignment=7 ! "
      "udpsink host=127.0.0.1 port=%u sync=false "
      "audiotestsrc is-live=true wave=sine freq=1760 volume=0.6 ! audioconvert ! opusenc ! mux.",
      port);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) central = NULL;
  Expect e = { 0 };
  gint64 ms;

  gst_init (NULL, NULL);
  central = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gst_element_set_state (central, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);

  start_meeting (f, "--source", uri);
  for (guint i = 0; i < N_ROOMS; i++) {
    e.observer = i;
    e.rgb[0] = magenta;
    e.tone = 1760;
    ms = wait_for (f, sees, &e, 8000);
    g_test_message ("%s sees the central feed %" G_GINT64_FORMAT " ms after meeting start",
                    rooms[i].id, ms);
    g_assert_cmpint (ms, >=, 0);
  }
  gst_element_set_state (central, GST_STATE_NULL);
}

/* 8. the program's SDP is read by an RTP receiver that is not hoinghi:
 * ffprobe finds H.264 and Opus streams in what the hub sends */
static void
test_meeting_sdp (Fixture *f, gconstpointer data)
{
  g_autofree gchar *ffprobe = g_find_program_in_path ("ffprobe");
  guint port = hn_test_free_port_block (G_SOCKET_TYPE_DATAGRAM, 4);
  g_autofree gchar *monitor = g_strdup_printf ("127.0.0.1:%u", port);
  g_autofree gchar *sdp = NULL;
  g_autofree gchar *sdp_file = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  gint64 deadline;

  if (ffprobe == NULL) {
    g_test_skip ("ffprobe is not installed (./go installs ffmpeg)");
    return;
  }
  start_meeting (f, "--monitor", monitor);
  g_assert_cmpint (wait_for (f, all_decoding, NULL, 5000), >=, 0);
  /* the SDP carries the H.264 parameter sets, known once the first frame
   * is encoded; until then the hub answers 503 */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (sdp == NULL && g_get_monotonic_time () < deadline) {
    g_clear_pointer (&sdp, g_free);
    if (hn_test_run_ctl (f->hub->socket, &sdp, NULL, "sdp", "m", NULL) != 0) {
      g_clear_pointer (&sdp, g_free);
      g_usleep (50 * 1000);
    }
  }
  g_assert_nonnull (sdp);
  g_test_message ("%s", sdp);
  g_assert_nonnull (strstr (sdp, "m=video"));
  g_assert_nonnull (strstr (sdp, "H264/90000"));
  g_assert_nonnull (strstr (sdp, "m=audio"));
  g_assert_nonnull (strstr (sdp, "OPUS/48000"));
  /* the rooms get SRTP (this meeting runs as in production), the monitor
   * plain RTP: its SDP names no key */
  g_assert_nonnull (strstr (sdp, "RTP/AVP"));
  g_assert_null (strstr (sdp, "SAVP"));
  g_assert_null (strstr (sdp, "crypto"));
  sdp_file = hn_test_write_file (f->hub->dir, "program.sdp", sdp);

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                           ffprobe, "-v", "error", "-protocol_whitelist", "file,udp,rtp",
                           "-rw_timeout", "5000000", "-show_entries", "stream=codec_name", "-of",
                           "csv=p=0", sdp_file, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("ffprobe: %s %s", out, err);
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  g_assert_nonnull (strstr (out, "h264"));
  g_assert_nonnull (strstr (out, "opus"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/hn/meetings/floor-layout-mute", test_meeting_floor_layout_mute);
  ADD ("/hn/meetings/isolation", test_meeting_isolation);
  ADD ("/hn/meetings/central-feed", test_meeting_central_feed);
  ADD ("/hn/meetings/sdp", test_meeting_sdp);
#undef ADD

  return g_test_run ();
}

/* Integration: the links are secure by default. A real hub with a
 * certificate made at test time (wss, SRTP), a real room endpoint that
 * watches the program, and the test itself playing a second room (its own
 * HnControlClient and UDP sockets, so it holds what a room holds: its
 * token, its keys, the packets that reach it) and a third party that
 * captures and injects packets.
 *
 * - a room with a wrong secret is refused and never joins;
 * - what reaches a room's media port is SRTP: it does not decode as plain
 *   RTP, and decodes with the meeting's key;
 * - RTP injected with a room's SSRC does not reach the program, whether
 *   from another address (spoofed) or from the room's own address without
 *   the room's key (unauthenticated); with the room's key it does, which
 *   shows the test could fail.
 *
 * Conditions are awaited with a deadline, never with a fixed sleep; "it
 * does not show" is checked after the watching room decoded 30 more
 * frames. */

#include <gio/gunixsocketaddress.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "hn-control-client.h"
#include "hn-test-utils.h"

#define WATCHER "tt-tam-dao"
#define FAKE "xa-dao-tru"
#define WRONG "xa-yen-duong"

static const guint8 magenta[3] = { 255, 0, 255 };

typedef struct {
  gchar *dir;
  gchar *fingerprint;
  HnTestDaemon *hub;
  HnTestDaemon *watcher;
  guint control_port;
  guint media_port;
  /* the test's own room */
  HnControlClient *client;
  GSocket *sockets[4]; /* video RTP, video RTCP, audio RTP, audio RTCP */
  HnControlHelloMedia hello;
  gboolean joined;
  HnControlJoinMedia join;
} Fixture;

/* --- waiting, with the main context running (the test's own room) --- */

typedef gboolean (*Predicate) (Fixture *f, gpointer data);

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static gint64
wait_for (Fixture *f, Predicate pred, gpointer data, guint timeout_ms)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64) timeout_ms * 1000;
  /* the pace of re-checking, not a synchronisation */
  guint wake = g_timeout_add (50, wake_cb, NULL);

  while (!pred (f, data)) {
    if (g_get_monotonic_time () > deadline) {
      g_source_remove (wake);
      return -1;
    }
    g_main_context_iteration (NULL, TRUE);
  }
  g_source_remove (wake);
  return (g_get_monotonic_time () - start) / 1000;
}

/* --- the watching room, through hoinghictl --- */

static JsonObject *
watcher_playout (Fixture *f, JsonNode **node)
{
  *node = hn_test_ctl_json (f->watcher->socket, "endpoint", NULL);
  return *node != NULL ? json_object_get_object_member (json_node_get_object (*node), "playout")
                       : NULL;
}

static gint64
watcher_frames (Fixture *f)
{
  g_autoptr (JsonNode) node = NULL;
  JsonObject *p = watcher_playout (f, &node);

  return p != NULL ? json_object_get_int_member (p, "frames-decoded") : -1;
}

/* whether the watching room sees a picture of @rgb all over */
static gboolean
watcher_sees (Fixture *f, gpointer data)
{
  const guint8 *rgb = data;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *p = watcher_playout (f, &node);
  JsonArray *grid;

  if (p == NULL || json_object_get_int_member (p, "frames-decoded") == 0)
    return FALSE;
  grid = json_object_get_array_member (p, "grid");
  for (guint i = 0; i < json_array_get_length (grid); i++) {
    JsonArray *cell = json_array_get_array_element (grid, i);

    for (guint c = 0; c < 3; c++) {
      if (ABS ((gint) json_array_get_int_element (cell, c) - (gint) rgb[c]) > 60)
        return FALSE;
    }
  }
  return TRUE;
}

static gboolean
watcher_decoded_since (Fixture *f, gpointer data)
{
  return watcher_frames (f) >= *(gint64 *) data + 30;
}

static gboolean
participant_joined (Fixture *f, gpointer data)
{
  return hn_test_participant_joined (f->hub->socket, "m", data);
}

static gboolean
watcher_decoding (Fixture *f, gpointer data)
{
  return watcher_frames (f) > 0;
}

static gboolean
fake_joined (Fixture *f, gpointer data)
{
  return f->joined;
}

/* --- the hub's /metrics, over its socket --- */

static gdouble
hub_metric (Fixture *f, const gchar *sample)
{
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (f->hub->socket);
  g_autoptr (SoupSession) session =
      soup_session_new_with_options ("remote-connectable", address, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", "http://localhost/metrics");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);
  g_autofree gchar *text = NULL;
  g_autofree gchar *needle = g_strconcat ("\n", sample, " ", NULL);
  const gchar *at;

  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  at = strstr (text, needle);
  g_assert_nonnull (at);
  return g_ascii_strtod (at + strlen (needle), NULL);
}

/* --- the test's own room --- */

static void
fake_message_cb (HnControlClient *client, JsonNode *message, Fixture *f)
{
  if (hn_control_message_peek_type (message) != HN_CONTROL_MESSAGE_JOIN)
    return;
  hn_control_message_get_join_media (message, &f->join);
  f->joined = TRUE;
}

static gchar *
site_token (Fixture *f, const gchar *site)
{
  g_autoptr (JsonNode) token = hn_test_ctl_json (f->hub->socket, "token", site, NULL);

  g_assert_nonnull (token);
  return g_strdup (json_object_get_string_member (json_node_get_object (token), "token"));
}

static void
fake_room_start (Fixture *f)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autofree gchar *token = site_token (f, FAKE);
  guint ports[4];

  for (guint i = 0; i < 4; i++) {
    g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
    g_autoptr (GSocketAddress) bound = NULL;
    g_autoptr (GError) error = NULL;

    f->sockets[i] = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, 0, &error);
    g_assert_no_error (error);
    g_socket_bind (f->sockets[i], any, FALSE, &error);
    g_assert_no_error (error);
    bound = g_socket_get_local_address (f->sockets[i], &error);
    g_assert_no_error (error);
    ports[i] = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  }
  f->hello.video_rtp_port = ports[0];
  f->hello.video_rtcp_port = ports[1];
  f->hello.audio_rtp_port = ports[2];
  f->hello.audio_rtcp_port = ports[3];
  f->hello.video_ssrc = 0x5ec0de01;
  f->hello.audio_ssrc = 0x5ec0de02;
  f->client = hn_control_client_new ("127.0.0.1", f->control_port, FAKE, token);
  hn_control_client_set_tls (f->client, f->fingerprint, NULL);
  hn_control_client_set_hello_media (f->client, &f->hello);
  g_signal_connect (f->client, "message", G_CALLBACK (fake_message_cb), f);
  hn_control_client_start (f->client);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree gchar *source =
      g_test_build_filename (G_TEST_DIST, "data", "sites-meeting.conf", NULL);
  g_autofree gchar *config = NULL;
  g_autofree gchar *token = NULL;
  g_autofree gchar *token_file = NULL;
  g_autoptr (JsonNode) status = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *args[] = { "--test-color", "0x00ff00", NULL };

  gst_init (NULL, NULL);
  f->dir = hn_test_tmpdir_new ();
  config = hn_test_write_secure_config (f->dir, source, &f->fingerprint);
  f->hub = hn_test_daemon_start (config, NULL, &error);
  g_assert_no_error (error);
  status = hn_test_ctl_json (f->hub->socket, "status", NULL);
  f->control_port = json_object_get_int_member (json_node_get_object (status), "control-port");
  f->media_port = json_object_get_int_member (json_node_get_object (status), "media-port");
  token = site_token (f, WATCHER);
  token_file = hn_test_write_file (f->dir, "watcher.token", token);
  f->watcher = hn_test_endpoint_start (f->control_port, WATCHER, token_file, f->fingerprint, args);
  fake_room_start (f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->client != NULL) {
    hn_control_client_stop (f->client);
    g_signal_handlers_disconnect_by_data (f->client, f);
  }
  g_clear_object (&f->client);
  for (guint i = 0; i < 4; i++)
    g_clear_object (&f->sockets[i]);
  g_clear_pointer (&f->watcher, hn_test_daemon_free);
  g_clear_pointer (&f->hub, hn_test_daemon_free);
  hn_test_tmpdir_remove (f->dir);
  g_free (f->dir);
  g_free (f->fingerprint);
}

static void
start_meeting (Fixture *f)
{
  hn_test_ctl_ok (f->hub->socket, "meeting", "start", "m", "--sites", WATCHER "," FAKE "," WRONG,
                  "--title", "secure", NULL);
  g_assert_cmpint (wait_for (f, fake_joined, NULL, 10000), >=, 0);
  g_assert_cmpint (wait_for (f, watcher_decoding, NULL, 10000), >=, 0);
}

/* --- a room with a wrong secret --- */

static gboolean
hub_online_count (Fixture *f, gpointer data)
{
  g_autoptr (JsonNode) node = hn_test_ctl_json (f->hub->socket, "status", NULL);

  return node != NULL && json_object_get_int_member (json_node_get_object (node), "sites-online") ==
                             GPOINTER_TO_INT (data);
}

static void
test_wrong_secret (Fixture *f, gconstpointer data)
{
  /* the right token of another site, and one of the right form but wrong */
  g_autofree gchar *other = site_token (f, WATCHER);
  g_autofree gchar *wrong_file = hn_test_write_file (f->dir, "wrong.token", other);
  g_autoptr (HnTestDaemon) wrong = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *new_token = NULL;
  g_autofree gchar *out = NULL;
  gint64 before;

  wrong = hn_test_endpoint_start (f->control_port, WRONG, wrong_file, f->fingerprint, NULL);
  start_meeting (f);
  g_assert_cmpint (wait_for (f, participant_joined, (gpointer) WATCHER, 10000), >=, 0);
  g_assert_true (participant_joined (f, (gpointer) FAKE));
  /* while the watcher decodes 30 frames, the wrong room stays out */
  before = watcher_frames (f);
  g_assert_cmpint (wait_for (f, watcher_decoded_since, &before, 10000), >=, 0);
  g_assert_false (participant_joined (f, (gpointer) WRONG));
  g_assert_true (hub_online_count (f, GINT_TO_POINTER (2)));
  node = hn_test_ctl_json (wrong->socket, "endpoint", NULL);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (node), "connected"));
  g_assert_false (json_object_get_boolean_member (json_node_get_object (node), "sending"));

  /* rotate-secret: the watcher's token stops working at once; its
   * connection is closed and it cannot come back with the old one */
  g_assert_cmpint (
      hn_test_run_ctl (f->hub->socket, &out, NULL, "site", "rotate-secret", WATCHER, NULL), ==, 0);
  new_token = g_strstrip (g_steal_pointer (&out));
  g_assert_cmpuint (strlen (new_token), ==, 64);
  g_assert_cmpstr (new_token, !=, other);
  g_assert_cmpint (wait_for (f, hub_online_count, GINT_TO_POINTER (1), 10000), >=, 0);
  g_assert_false (participant_joined (f, (gpointer) WATCHER));
}

/* --- what a third party captures at a room's media port --- */

typedef struct {
  GMainLoop *loop;
  guint frames;
} Decoded;

static gboolean
decode_bus_cb (GstBus *bus, GstMessage *message, gpointer user_data)
{
  Decoded *d = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS ||
      GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    g_main_loop_quit (d->loop);
  return G_SOURCE_CONTINUE;
}

static void
decode_handoff_cb (GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer user_data)
{
  Decoded *d = user_data;

  d->frames++;
}

/* How many pictures the H.264 in @packets decodes to, read as plain RTP
 * or, with @key, as SRTP under it (srtpdec takes a key from its caps for
 * the SSRC they name) */
static guint
decode_frames (GPtrArray *packets, guint32 ssrc, const guint8 *key)
{
  g_autofree gchar *hex = NULL;
  g_autofree gchar *desc = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) src = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GError) error = NULL;
  Decoded d = { 0 };
  guint watch;

  if (key != NULL) {
    GString *h = g_string_new (NULL);

    for (guint i = 0; i < HN_CONTROL_SRTP_KEY_SIZE; i++)
      g_string_append_printf (h, "%02x", key[i]);
    hex = g_string_free (h, FALSE);
    desc = g_strdup_printf (
        "appsrc name=src format=time caps=\"application/x-srtp,media=(string)video,"
        "clock-rate=(int)90000,encoding-name=(string)H264,payload=(int)96,ssrc=(uint)%u,"
        "srtp-key=(buffer)%s,srtp-cipher=(string)aes-128-icm,srtp-auth=(string)hmac-sha1-80,"
        "srtcp-cipher=(string)aes-128-icm,srtcp-auth=(string)hmac-sha1-80\" ! srtpdec ! "
        "rtph264depay ! avdec_h264 ! fakesink name=sink signal-handoffs=true sync=false",
        ssrc, hex);
  } else {
    desc = g_strdup ("appsrc name=src format=time caps=\"application/x-rtp,media=(string)video,"
                     "clock-rate=(int)90000,encoding-name=(string)H264,payload=(int)96\" ! "
                     "rtph264depay ! avdec_h264 ! fakesink name=sink signal-handoffs=true "
                     "sync=false");
  }
  pipeline = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_signal_connect (sink, "handoff", G_CALLBACK (decode_handoff_cb), &d);
  d.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (pipeline);
  watch = gst_bus_add_watch (bus, decode_bus_cb, &d);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (guint i = 0; i < packets->len; i++) {
    GBytes *bytes = packets->pdata[i];
    GstBuffer *buffer = gst_buffer_new_wrapped_bytes (bytes);

    GST_BUFFER_PTS (buffer) = i * GST_MSECOND;
    gst_app_src_push_buffer (GST_APP_SRC (src), buffer);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  g_main_loop_run (d.loop);
  g_source_remove (watch);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_main_loop_unref (d.loop);
  return d.frames;
}

static void
test_capture (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) packets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gint64 deadline;
  guint32 ssrc = 0;
  guint plain, keyed;

  start_meeting (f);
  g_assert_true (f->join.srtp);

  /* 150 packets of the program's video, 10 s of it at most */
  g_socket_set_timeout (f->sockets[0], 1);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (packets->len < 150 && g_get_monotonic_time () < deadline) {
    guint8 buf[2048];
    gssize n = g_socket_receive (f->sockets[0], (gchar *) buf, sizeof buf, NULL, NULL);

    if (n < 12)
      continue;
    /* the header is plain: RTP version 2, one SSRC */
    g_assert_cmpuint (buf[0] >> 6, ==, 2);
    if (ssrc == 0)
      ssrc = GST_READ_UINT32_BE (buf + 8);
    g_assert_cmpuint (GST_READ_UINT32_BE (buf + 8), ==, ssrc);
    g_ptr_array_add (packets, g_bytes_new (buf, n));
  }
  g_assert_cmpuint (packets->len, ==, 150);

  plain = decode_frames (packets, ssrc, NULL);
  keyed = decode_frames (packets, ssrc, f->join.program_key);
  g_test_message ("150 captured packets: %u pictures as plain RTP, %u with the meeting's key",
                  plain, keyed);
  g_assert_cmpuint (plain, ==, 0);
  g_assert_cmpuint (keyed, >, 0);
  /* the SDP a third-party player gets carries no key */
  {
    g_autofree gchar *out = NULL;
    gint status =
        hn_test_run_ctl (f->hub->socket, &out, NULL, "--json", "meeting", "show", "m", NULL);
    g_autofree gchar *b64 = g_base64_encode (f->join.program_key, HN_CONTROL_SRTP_KEY_SIZE);

    g_assert_cmpint (status, ==, 0);
    g_assert_null (strstr (out, b64));
  }
}

/* --- RTP injected with a room's SSRC --- */

static GstElement *
injector_start (Fixture *f, const gchar *from, const guint8 *key)
{
  g_autofree gchar *desc = NULL;
  g_autofree gchar *srtp = NULL;
  g_autoptr (GError) error = NULL;
  GstElement *pipeline;

  if (key != NULL) {
    GString *h = g_string_new ("srtpenc key=");

    for (guint i = 0; i < HN_CONTROL_SRTP_KEY_SIZE; i++)
      g_string_append_printf (h, "%02x", key[i]);
    g_string_append (h, " ! ");
    srtp = g_string_free (h, FALSE);
  }
  desc = g_strdup_printf (
      "videotestsrc is-live=true pattern=solid-color foreground-color=0xffff00ff ! "
      "video/x-raw,width=160,height=120,framerate=15/1 ! x264enc tune=zerolatency "
      "speed-preset=ultrafast key-int-max=15 bitrate=300 ! rtph264pay pt=96 ssrc=%u "
      "config-interval=-1 ! %sudpsink host=127.0.0.1 port=%u bind-address=%s sync=false",
      f->hello.video_ssrc, srtp != NULL ? srtp : "", f->media_port, from);
  pipeline = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  return pipeline;
}

static void
injector_stop (GstElement *pipeline)
{
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

static void
test_injection (Fixture *f, gconstpointer data)
{
  static const guint8 black[3] = { 0, 0, 0 };
  GstElement *injector;
  gint64 before;
  gint64 ms;

  start_meeting (f);
  /* the test's room has the floor and sends nothing: the program shows
   * black where its picture would be */
  hn_test_ctl_ok (f->hub->socket, "floor", "m", FAKE, NULL);
  g_assert_cmpint (wait_for (f, watcher_sees, (gpointer) black, 5000), >=, 0);

  /* 1. from another address (127.0.0.2): dropped as spoofed */
  injector = injector_start (f, "127.0.0.2", NULL);
  before = watcher_frames (f);
  g_assert_cmpint (wait_for (f, watcher_decoded_since, &before, 10000), >=, 0);
  g_assert_false (watcher_sees (f, (gpointer) magenta));
  g_assert_true (watcher_sees (f, (gpointer) black));
  injector_stop (injector);
  g_assert_cmpfloat (hub_metric (f, "hoinghi_return_packets_total{result=\"spoofed\"}"), >, 0);

  /* 2. from the room's own address, plain RTP (or under another key):
   * fails SRTP authentication */
  injector = injector_start (f, "127.0.0.1", NULL);
  before = watcher_frames (f);
  g_assert_cmpint (wait_for (f, watcher_decoded_since, &before, 10000), >=, 0);
  g_assert_false (watcher_sees (f, (gpointer) magenta));
  injector_stop (injector);
  g_assert_cmpfloat (hub_metric (f, "hoinghi_return_packets_total{result=\"unauthenticated\"}"), >,
                     0);

  /* 3. with the room's own key: shown, so the checks above could fail */
  injector = injector_start (f, "127.0.0.1", f->join.return_key);
  ms = wait_for (f, watcher_sees, (gpointer) magenta, 10000);
  g_test_message ("the room's own SRTP shown after %" G_GINT64_FORMAT " ms", ms);
  injector_stop (injector);
  g_assert_cmpint (ms, >=, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/hn/secure/wrong-secret", test_wrong_secret);
  ADD ("/hn/secure/capture", test_capture);
  ADD ("/hn/secure/injection", test_injection);
#undef ADD

  return g_test_run ();
}

/* Integration: a hub under attack keeps its meeting. A real hub and two
 * real rooms are in a meeting; then, all at once, from the test process:
 * - 200 connections to the control channel's port and 100 to the remote
 *   API's that send half a request and stop (slowloris);
 * - 100 WebSocket connections that complete the upgrade and never say
 *   hello, and 20 that send garbage frames or an oversized message;
 * - random and malformed datagrams at the hub's RTP and RTCP media ports,
 *   thousands a second;
 * - an endpoint claiming to be a room that is in the meeting, with another
 *   room's token.
 * Meanwhile the API answers within 1 s, both rooms go on decoding at full
 * rate and see a floor change, the impostor is refused and the real room
 * keeps its place. Afterwards the hub closes every connection that never
 * made a request or never said hello: its open files go back to where
 * they were. */

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "hn-test-utils.h"

#define TOKEN "hostile-test-token-0123456789abcdef"

static const struct {
  const gchar *id;
  const gchar *color;
  guint8 rgb[3];
} rooms[] = {
  { "tt-tam-dao", "0xff0000", { 255, 0, 0 } },
  { "tt-hop-chau", "0x00ff00", { 0, 255, 0 } },
};
#define N_ROOMS G_N_ELEMENTS (rooms)

typedef struct {
  gchar *dir;
  HnTestDaemon *hub;
  HnTestDaemon *ep[N_ROOMS];
  gchar *token_file[N_ROOMS];
  guint control_port;
  guint media_port;
  guint api_port;
} Fixture;

static guint
hub_open_files (Fixture *f)
{
  g_autofree gchar *path =
      g_strdup_printf ("/proc/%s/fd", g_subprocess_get_identifier (f->hub->proc));
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

typedef struct {
  Fixture *f;
  guint room; /* the colour every room must see */
  gint64 frames[N_ROOMS];
} Sees;

static gboolean
all_see (gpointer data)
{
  Sees *s = data;

  for (guint i = 0; i < N_ROOMS; i++) {
    if (hn_test_endpoint_frames (s->f->ep[i]->socket) < s->frames[i] ||
        !hn_test_endpoint_sees (s->f->ep[i]->socket, rooms[s->room].rgb, 60))
      return FALSE;
  }
  return TRUE;
}

/* every room sees @room's colour, having decoded @more frames more */
static gint64
wait_all_see (Fixture *f, guint room, gint64 more, guint timeout_ms)
{
  Sees s = { f, room, { 0 } };

  for (guint i = 0; i < N_ROOMS; i++)
    s.frames[i] = hn_test_endpoint_frames (f->ep[i]->socket) + more;
  return hn_test_wait (all_see, &s, timeout_ms);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree gchar *source =
      g_test_build_filename (G_TEST_DIST, "data", "sites-meeting.conf", NULL);
  g_autofree gchar *contents = NULL;
  g_autofree gchar *config = NULL;
  g_autofree gchar *token = NULL;
  g_autofree gchar *api = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) status = NULL;
  JsonObject *o;

  f->dir = hn_test_tmpdir_new ();
  g_file_get_contents (source, &contents, NULL, &error);
  g_assert_no_error (error);
  config = hn_test_write_file (f->dir, "sites.conf", contents);
  token = hn_test_write_file (f->dir, "api.token", TOKEN "\n");
  g_assert_cmpint (g_chmod (token, 0600), ==, 0);
  api = g_strdup_printf ("[api]\nlisten=127.0.0.1:0\ntoken-file=%s\n", token);
  g_free (hn_test_write_file (f->dir, "sites.conf.d/50-api.conf", api));
  f->hub = hn_test_daemon_start (config, NULL, &error);
  g_assert_no_error (error);
  status = hn_test_ctl_json (f->hub->socket, "status", NULL);
  o = json_node_get_object (status);
  f->control_port = json_object_get_int_member (o, "control-port");
  f->media_port = json_object_get_int_member (o, "media-port");
  f->api_port = json_object_get_int_member (o, "api-port");
  for (guint i = 0; i < N_ROOMS; i++) {
    g_autoptr (JsonNode) t = hn_test_ctl_json (f->hub->socket, "token", rooms[i].id, NULL);
    g_autofree gchar *name = g_strdup_printf ("%s.token", rooms[i].id);
    const gchar *args[] = { "--test-color", rooms[i].color, NULL };

    f->token_file[i] = hn_test_write_file (
        f->dir, name, json_object_get_string_member (json_node_get_object (t), "token"));
    f->ep[i] = hn_test_endpoint_start (f->control_port, rooms[i].id, f->token_file[i], NULL, args);
  }
  hn_test_ctl_ok (f->hub->socket, "meeting", "start", "m", "--sites", "tt-tam-dao,tt-hop-chau",
                  NULL);
  hn_test_ctl_ok (f->hub->socket, "floor", "m", rooms[1].id, NULL);
  g_assert_cmpint (wait_all_see (f, 1, 1, 15000), >=, 0);
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
}

static GSocketConnection *
connect_tcp (guint port)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  GSocketConnection *c = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);

  g_assert_no_error (error);
  return c;
}

static void
send_text (GSocketConnection *c, const gchar *text)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (c)), text, strlen (text),
                             NULL, NULL, &error);
  g_assert_no_error (error);
}

/* half a request: the request line and one header, never the blank line */
static GSocketConnection *
slowloris (guint port, const gchar *path)
{
  GSocketConnection *c = connect_tcp (port);
  g_autofree gchar *text = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", path);

  send_text (c, text);
  return c;
}

/* a complete WebSocket upgrade; returns once the hub answered 101 */
static GSocketConnection *
websocket (guint port)
{
  GSocketConnection *c = connect_tcp (port);
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (c));
  g_autoptr (GString) answer = g_string_new (NULL);
  g_autoptr (GError) error = NULL;

  send_text (c, "GET /api/v1/control HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n");
  while (!g_str_has_suffix (answer->str, "\r\n\r\n")) {
    gchar ch;

    g_assert_cmpint (g_input_stream_read (in, &ch, 1, NULL, &error), ==, 1);
    g_string_append_c (answer, ch);
  }
  g_assert_true (g_str_has_prefix (answer->str, "HTTP/1.1 101"));
  return c;
}

/* a client frame (masked, as RFC 6455 requires) with @length bytes of
 * garbage, claiming to be text */
static void
send_frame (GSocketConnection *c, gsize length)
{
  g_autoptr (GByteArray) frame = g_byte_array_new ();
  guint8 head[14] = { 0x81 };
  gsize n = 2;

  if (length < 126) {
    head[1] = 0x80 | length;
  } else {
    head[1] = 0x80 | 127;
    for (guint i = 0; i < 8; i++)
      head[2 + i] = (length >> (56 - 8 * i)) & 0xff;
    n = 10;
  }
  memset (head + n, 0x5a, 4); /* the mask */
  g_byte_array_append (frame, head, n + 4);
  for (gsize i = 0; i < length; i++) {
    guint8 b = g_random_int_range (0, 256);

    g_byte_array_append (frame, &b, 1);
  }
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (c)), frame->data,
                             frame->len, NULL, NULL, NULL);
}

typedef struct {
  guint port;
  gint stop;
  guint sent;
} Flood;

/* random datagrams at the media ports, a third of them with an RTP
 * version, some truncated, some RTCP-looking */
static gpointer
flood_thread (gpointer data)
{
  Flood *flood = data;
  g_autoptr (GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, 0, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) rtp = g_inet_socket_address_new (lo, flood->port);
  g_autoptr (GSocketAddress) rtcp = g_inet_socket_address_new (lo, flood->port + 1);

  while (!g_atomic_int_get (&flood->stop)) {
    for (guint i = 0; i < 50; i++) {
      guint8 buf[1400];
      gsize len = g_random_int_range (1, sizeof buf);

      for (gsize j = 0; j < len; j++)
        buf[j] = g_random_int_range (0, 256);
      if (i % 3 == 0)
        buf[0] = 0x80;
      if (i % 5 == 0) {
        buf[0] = 0x81;
        buf[1] = 200 + i % 5;
      }
      g_socket_send_to (sock, i % 4 == 0 ? rtcp : rtp, (const gchar *) buf,
                        i % 7 == 0 ? MIN (len, 11) : len, NULL, NULL);
      flood->sent++;
    }
    g_usleep (10000); /* pacing: about 5000 datagrams a second */
  }
  return NULL;
}

/* the longest of @n API calls over the control socket, in ms */
static gint64
api_latency (Fixture *f, guint n)
{
  gint64 worst = 0;

  for (guint i = 0; i < n; i++) {
    gint64 start = g_get_monotonic_time ();
    g_autoptr (JsonNode) status = hn_test_ctl_json (f->hub->socket, "status", NULL);

    g_assert_nonnull (status);
    worst = MAX (worst, (g_get_monotonic_time () - start) / 1000);
  }
  return worst;
}

/* the packets the hub received on @site's return leg (video), -1 if none */
static gint64
leg_packets (Fixture *f, const gchar *site)
{
  g_autoptr (JsonNode) node = hn_test_ctl_json (f->hub->socket, "meeting", "show", "m", NULL);
  JsonArray *participants =
      json_object_get_array_member (json_node_get_object (node), "participants");

  for (guint i = 0; i < json_array_get_length (participants); i++) {
    JsonObject *p = json_array_get_object_element (participants, i);
    JsonObject *video;

    if (!g_str_equal (json_object_get_string_member (p, "id"), site))
      continue;
    video = json_object_get_object_member (json_object_get_object_member (p, "media"), "video");
    return json_object_get_int_member_with_default (video, "packets", -1);
  }
  return -1;
}

typedef struct {
  Fixture *f;
  guint at_most;
} FilesCheck;

static gboolean
files_back (gpointer data)
{
  FilesCheck *c = data;

  return hub_open_files (c->f) <= c->at_most;
}

static gboolean
impostor_refused (gpointer data)
{
  HnTestDaemon *impostor = data;
  g_autoptr (JsonNode) node = hn_test_ctl_json (impostor->socket, "endpoint", NULL);
  JsonObject *o = node != NULL ? json_node_get_object (node) : NULL;

  return o != NULL && !json_object_get_boolean_member (o, "connected") &&
         json_object_get_string_member_with_default (o, "last-error", NULL) != NULL;
}

static void
test_hostile_everything_at_once (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GThread) thread = NULL;
  g_autoptr (HnTestDaemon) impostor = NULL;
  gint64 leg_before;
  Flood flood = { f->media_port, 0, 0 };
  const gchar *impostor_args[] = { "--test-color", "0x0000ff", NULL };
  FilesCheck check = { f, 0 };
  guint baseline = hub_open_files (f);
  gint64 worst, ms;

  leg_before = leg_packets (f, rooms[1].id);
  g_assert_cmpint (leg_before, >, 0);
  thread = g_thread_new ("flood", flood_thread, &flood);
  for (guint i = 0; i < 200; i++)
    g_ptr_array_add (held, slowloris (f->control_port, "/api/v1/control"));
  for (guint i = 0; i < 100; i++)
    g_ptr_array_add (held, slowloris (f->api_port, "/api/v1/status"));
  for (guint i = 0; i < 100; i++)
    g_ptr_array_add (held, websocket (f->control_port));
  for (guint i = 0; i < 20; i++) {
    GSocketConnection *c = websocket (f->control_port);

    /* garbage instead of a hello, or 1 MiB where 64 KiB is the limit */
    send_frame (c, i % 2 == 0 ? 200 : 1024 * 1024);
    g_ptr_array_add (held, c);
  }
  /* a room that says it is tt-hop-chau, with tt-tam-dao's token */
  impostor =
      hn_test_endpoint_start (f->control_port, rooms[1].id, f->token_file[0], NULL, impostor_args);
  g_test_message ("holding %u connections; hub has %u open files (%u before)", held->len,
                  hub_open_files (f), baseline);
  g_assert_cmpuint (hub_open_files (f), >=, baseline + 300);

  /* the hub answers, and the meeting goes on at full rate (30 frames at
   * 15 fps take 2 s) and follows the floor */
  worst = api_latency (f, 10);
  g_test_message ("API under attack: slowest of 10 status calls %" G_GINT64_FORMAT " ms", worst);
  g_assert_cmpint (worst, <, 1000);
  ms = wait_all_see (f, 1, 30, 3000);
  g_test_message ("both rooms decoded 30 more frames in %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpint (ms, >=, 0);
  hn_test_ctl_ok (f->hub->socket, "floor", "m", rooms[0].id, NULL);
  ms = wait_all_see (f, 0, 1, 3000);
  g_test_message ("floor change seen by both rooms in %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpint (ms, >=, 0);

  /* the impostor is refused; the real room keeps its place */
  g_assert_cmpint (hn_test_wait (impostor_refused, impostor, 10000), >=, 0);
  {
    g_autoptr (JsonNode) node = hn_test_ctl_json (f->ep[1]->socket, "endpoint", NULL);

    g_assert_true (json_object_get_boolean_member (json_node_get_object (node), "connected"));
  }
  /* its return leg was never replaced: the counter only grew */
  g_assert_cmpint (leg_packets (f, rooms[1].id), >, leg_before);
  g_assert_cmpint (wait_all_see (f, 0, 15, 3000), >=, 0);

  g_atomic_int_set (&flood.stop, 1);
  g_thread_join (g_steal_pointer (&thread));
  g_test_message ("%u datagrams sent at the media ports", flood.sent);
  g_assert_cmpint (api_latency (f, 3), <, 1000);

  /* the hub lets go of what never made a request or never said hello
   * (10 s each), while the test still holds its ends open */
  check.at_most = baseline + 8;
  ms = hn_test_wait (files_back, &check, 20000);
  g_test_message ("hub back to %u open files (%u before the attack) after %" G_GINT64_FORMAT " ms",
                  hub_open_files (f), baseline, ms);
  g_assert_cmpint (ms, >=, 0);
  g_assert_cmpint (wait_all_see (f, 0, 15, 3000), >=, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/hn/hostile/everything-at-once", Fixture, NULL, fixture_setup,
              test_hostile_everything_at_once, fixture_teardown);
  return g_test_run ();
}

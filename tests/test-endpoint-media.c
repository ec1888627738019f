/* Integration test of a room's media: two rooms in this process, A (red,
 * 440 Hz) and B (green, 880 Hz), see and hear each other through a
 * stand-in for the hub's one return port: a udpsrc and an rtpssrcdemux
 * that forward each SSRC to the other room's program ports, which also
 * checks that a room's video and audio arrive on one port and can be told
 * apart by the SSRCs the room announces. The stand-in counts the keyframes
 * of each video SSRC, to see force_keyframe() and an RTCP PLI work.
 *
 * Everything waits on the main context (the rooms' bus watches, and the
 * stand-in's wake-ups) with a deadline. */

#include <string.h>

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <json-glib/json-glib.h>

#include "hn-endpoint-media.h"
#include "hn-error.h"
#include "hn-media.h"
#include "hn-test-utils.h"

#define WIDTH 160
#define HEIGHT 120
#define FRAMERATE 15
/* x264enc key-int-max is twice the frame rate: a keyframe every 2 s */
#define NATURAL_KEYFRAME_TICKS (2 * 90000)

static const HnEndpointFormat test_format = {
  .width = WIDTH,
  .height = HEIGHT,
  .framerate = FRAMERATE,
  .video_bitrate = 200,
  .audio_bitrate = 32,
};

/* one SSRC the stand-in forwards */
typedef struct {
  guint32 ssrc;
  guint port;
  gboolean video;
  GstElement *sink;
  /* guarded by the relay's lock */
  guint64 packets;
  guint keyframes;
  guint32 last_keyframe_ts;
  guint32 keyframe_interval; /* RTP ticks between the last two keyframes */
  gint64 last_keyframe_usec;
} Route;

typedef struct {
  GstElement *pipeline;
  GSocket *socket;
  guint port;
  Route routes[4];
  guint n_routes;
  GMutex lock;
  guint unknown_ssrcs;
} Relay;

static gboolean
rtp_payload_is_idr (const guint8 *p, guint size)
{
  guint type;

  if (size < 2)
    return FALSE;
  type = p[0] & 0x1f;
  if (type == 5)
    return TRUE;
  /* FU-A: the first fragment of an IDR slice */
  if (type == 28)
    return (p[1] & 0x80) != 0 && (p[1] & 0x1f) == 5;
  /* STAP-A: any aggregated unit */
  if (type == 24) {
    for (guint offset = 1; offset + 3 <= size;) {
      guint nal_size = (p[offset] << 8) | p[offset + 1];

      if ((p[offset + 2] & 0x1f) == 5)
        return TRUE;
      offset += 2 + nal_size;
    }
  }
  return FALSE;
}

static Route *
relay_lookup (Relay *relay, guint32 ssrc)
{
  for (guint i = 0; i < relay->n_routes; i++) {
    if (relay->routes[i].ssrc == ssrc)
      return &relay->routes[i];
  }
  return NULL;
}

static GstPadProbeReturn
relay_probe_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Relay *relay = g_object_get_data (G_OBJECT (pad), "relay");
  Route *route = user_data;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gboolean idr = FALSE;
  guint32 ts = 0;

  if (gst_rtp_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), GST_MAP_READ, &rtp)) {
    idr = route->video && rtp_payload_is_idr (gst_rtp_buffer_get_payload (&rtp),
                                              gst_rtp_buffer_get_payload_len (&rtp));
    ts = gst_rtp_buffer_get_timestamp (&rtp);
    gst_rtp_buffer_unmap (&rtp);
  }
  g_mutex_lock (&relay->lock);
  route->packets++;
  /* a keyframe is an access unit (one RTP timestamp) with an IDR slice */
  if (idr && (route->keyframes == 0 || ts != route->last_keyframe_ts)) {
    route->keyframe_interval = route->keyframes > 0 ? ts - route->last_keyframe_ts : 0;
    route->keyframes++;
    route->last_keyframe_ts = ts;
    route->last_keyframe_usec = g_get_monotonic_time ();
  }
  g_mutex_unlock (&relay->lock);
  if (idr)
    g_main_context_wakeup (NULL);
  return GST_PAD_PROBE_OK;
}

static void
relay_new_ssrc_pad_cb (GstElement *demux, guint ssrc, GstPad *pad, gpointer user_data)
{
  Relay *relay = user_data;
  Route *route = relay_lookup (relay, ssrc);
  g_autoptr (GstPad) sink = NULL;

  if (route == NULL) {
    g_mutex_lock (&relay->lock);
    relay->unknown_ssrcs++;
    g_mutex_unlock (&relay->lock);
    return;
  }
  sink = gst_element_get_static_pad (route->sink, "sink");
  g_object_set_data (G_OBJECT (pad), "relay", relay);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, relay_probe_cb, route, NULL);
  g_assert_cmpint (gst_pad_link (pad, sink), ==, GST_PAD_LINK_OK);
}

static Relay *
relay_new (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) local = NULL;
  Relay *relay = g_new0 (Relay, 1);
  GstElement *src, *demux;

  g_mutex_init (&relay->lock);
  relay->socket =
      g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (relay->socket, address, FALSE, &error);
  g_assert_no_error (error);
  local = g_socket_get_local_address (relay->socket, &error);
  g_assert_no_error (error);
  relay->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  relay->pipeline = gst_pipeline_new ("hub-stand-in");
  src = gst_element_factory_make ("udpsrc", NULL);
  demux = gst_element_factory_make ("rtpssrcdemux", NULL);
  g_assert_nonnull (src);
  g_assert_nonnull (demux);
  g_object_set (src, "socket", relay->socket, "close-socket", FALSE, "caps",
                gst_caps_new_empty_simple ("application/x-rtp"), NULL);
  gst_bin_add_many (GST_BIN (relay->pipeline), src, demux, NULL);
  g_assert_true (gst_element_link_pads (src, "src", demux, "sink"));
  g_signal_connect (demux, "new-ssrc-pad", G_CALLBACK (relay_new_ssrc_pad_cb), relay);
  return relay;
}

/* Forwards @ssrc to 127.0.0.1:@port; all routes are added before start */
static void
relay_add_route (Relay *relay, guint32 ssrc, gboolean video, guint port)
{
  Route *route = &relay->routes[relay->n_routes++];

  g_assert_cmpuint (relay->n_routes, <=, G_N_ELEMENTS (relay->routes));
  route->ssrc = ssrc;
  route->video = video;
  route->port = port;
  route->sink = gst_element_factory_make ("udpsink", NULL);
  g_object_set (route->sink, "host", "127.0.0.1", "port", (gint) port, "sync", FALSE, "async",
                FALSE, NULL);
  gst_bin_add (GST_BIN (relay->pipeline), route->sink);
}

static void
relay_start (Relay *relay)
{
  g_assert_cmpint (gst_element_set_state (relay->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
}

static void
relay_get (Relay *relay, guint32 ssrc, Route *copy)
{
  Route *route = relay_lookup (relay, ssrc);

  g_assert_nonnull (route);
  g_mutex_lock (&relay->lock);
  *copy = *route;
  g_mutex_unlock (&relay->lock);
}

static void
relay_free (Relay *relay)
{
  gst_element_set_state (relay->pipeline, GST_STATE_NULL);
  gst_object_unref (relay->pipeline);
  g_socket_close (relay->socket, NULL);
  g_object_unref (relay->socket);
  g_mutex_clear (&relay->lock);
  g_free (relay);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Relay, relay_free)

static gboolean
tick_cb (gpointer data)
{
  guint *id = data;

  *id = 0;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @condition holds or @timeout_ms pass;
 * the rooms' bus watches and the stand-in wake it up, and a tick every
 * 50 ms re-checks figures that streaming threads update. */
static gboolean
wait_for (gboolean (*condition) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!condition (data)) {
    guint tick;

    if (g_get_monotonic_time () >= deadline)
      return FALSE;
    tick = g_timeout_add (50, tick_cb, &tick);
    g_main_context_iteration (NULL, TRUE);
    g_clear_handle_id (&tick, g_source_remove);
  }
  return TRUE;
}

static gint64
member_int (JsonObject *o, const gchar *name)
{
  JsonNode *node = json_object_get_member (o, name);

  return node == NULL || JSON_NODE_HOLDS_NULL (node) ? -1 : json_node_get_int (node);
}

static gdouble
member_double (JsonObject *o, const gchar *name, gdouble fallback)
{
  JsonNode *node = json_object_get_member (o, name);

  return node == NULL || JSON_NODE_HOLDS_NULL (node) ? fallback : json_node_get_double (node);
}

static gchar *
playout_to_string (HnEndpointMedia *media)
{
  g_autoptr (JsonNode) node = hn_endpoint_media_get_playout (media);

  return json_to_string (node, FALSE);
}

/* What a room should be playing */
typedef struct {
  HnEndpointMedia *media;
  guint32 color;
  guint tone;
  gint64 min_frames;
} Expect;

static gboolean
grid_is (JsonObject *o, guint32 color)
{
  JsonNode *node = json_object_get_member (o, "grid");
  JsonArray *grid;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return FALSE;
  grid = json_node_get_array (node);
  g_assert_cmpuint (json_array_get_length (grid), ==, 16);
  for (guint i = 0; i < 16; i++) {
    JsonArray *rgb = json_array_get_array_element (grid, i);

    for (guint c = 0; c < 3; c++) {
      gint64 value = json_array_get_int_element (rgb, c);
      gboolean on = ((color >> (16 - 8 * c)) & 0xff) != 0;

      if (on ? value <= 180 : value >= 60)
        return FALSE;
    }
  }
  return TRUE;
}

static gboolean
plays (gpointer data)
{
  Expect *e = data;
  g_autoptr (JsonNode) node = hn_endpoint_media_get_playout (e->media);
  JsonObject *o = json_node_get_object (node);
  JsonObject *audio = json_object_get_object_member (o, "audio");
  gdouble hz = member_double (audio, "peak-hz", -1);

  return member_int (o, "frames-decoded") >= e->min_frames && member_int (o, "width") == WIDTH &&
         member_int (o, "height") == HEIGHT && grid_is (o, e->color) && hz >= e->tone * 0.9 &&
         hz <= e->tone * 1.1;
}

static void
assert_plays (HnEndpointMedia *media, guint32 color, guint tone, gint64 min_frames, guint timeout)
{
  Expect e = { media, color, tone, min_frames };

  if (!wait_for (plays, &e, timeout)) {
    g_autofree gchar *playout = playout_to_string (media);

    g_test_message ("expected %06x and %u Hz, plays: %s", color, tone, playout);
    g_assert_not_reached ();
  }
}

static gint64
get_frames (HnEndpointMedia *media)
{
  g_autoptr (JsonNode) node = hn_endpoint_media_get_playout (media);

  return member_int (json_node_get_object (node), "frames-decoded");
}

static gdouble
get_level (HnEndpointMedia *media)
{
  g_autoptr (JsonNode) node = hn_endpoint_media_get_playout (media);
  JsonObject *audio = json_object_get_object_member (json_node_get_object (node), "audio");

  return member_double (audio, "level-db", G_MAXDOUBLE);
}

typedef struct {
  HnEndpointMedia *media;
  gdouble below;
  gdouble above;
} LevelWait;

static gboolean
level_between (gpointer data)
{
  LevelWait *w = data;
  gdouble level = get_level (w->media);

  return level != G_MAXDOUBLE && level < w->below && level > w->above;
}

typedef struct {
  HnEndpointMedia *media;
  gint64 min_age_ms;
} AgeWait;

static gboolean
frames_stopped (gpointer data)
{
  AgeWait *w = data;
  g_autoptr (JsonNode) node = hn_endpoint_media_get_playout (w->media);

  return member_int (json_node_get_object (node), "last-frame-age-ms") >= w->min_age_ms;
}

typedef struct {
  Relay *relay;
  guint32 ssrc;
  guint after;          /* wait for more keyframes than this */
  guint32 min_interval; /* and one at least this long after the previous */
} KeyframeWait;

static gboolean
keyframe_seen (gpointer data)
{
  KeyframeWait *w = data;
  Route route;

  relay_get (w->relay, w->ssrc, &route);
  if (route.keyframes <= w->after)
    return FALSE;
  if (route.keyframe_interval < w->min_interval) {
    /* not the kind we wait for: wait for the next */
    w->after = route.keyframes;
    return FALSE;
  }
  return TRUE;
}

/* Waits for a keyframe of @ssrc that came a whole natural interval after
 * the one before it, so that what follows cannot be a late natural one */
static void
wait_natural_keyframe (Relay *relay, guint32 ssrc, Route *out)
{
  KeyframeWait w = { relay, ssrc, 0, NATURAL_KEYFRAME_TICKS - 3000 };

  relay_get (relay, ssrc, out);
  w.after = out->keyframes;
  g_assert_true (wait_for (keyframe_seen, &w, 3 * 2000));
  relay_get (relay, ssrc, out);
  /* x264enc key-int-max = 2 × framerate: exactly 30 frames apart */
  g_assert_cmpuint (out->keyframe_interval, ==, NATURAL_KEYFRAME_TICKS);
}

/* Waits for the next keyframe of @ssrc after @before and returns how many
 * RTP ticks after @before it came */
static guint32
wait_next_keyframe (Relay *relay, guint32 ssrc, const Route *before, gint64 asked_usec)
{
  KeyframeWait w = { relay, ssrc, before->keyframes, 0 };
  Route after;

  g_assert_true (wait_for (keyframe_seen, &w, 3000));
  relay_get (relay, ssrc, &after);
  g_test_message ("keyframe %u ms after asking, %u ms (media time) after the previous",
                  (guint) ((after.last_keyframe_usec - asked_usec) / 1000),
                  (after.last_keyframe_ts - before->last_keyframe_ts) / 90);
  return after.last_keyframe_ts - before->last_keyframe_ts;
}

/* Stands in for the hub's program RTCP port, for one room's video session:
 * what arrives must come from the room's video RTCP port (symmetric RTP)
 * and carry only the room's video SSRC, with reports about the program. */
typedef struct {
  GSocket *socket;
  guint port;
  GSource *source;
  guint from_port;
  guint32 sender;
  guint32 reported;
  guint packets;
  guint strangers; /* from another port, invalid, or with another SSRC */
  gboolean report_seen;
} RtcpWatch;

static void
rtcp_watch_parse (RtcpWatch *w, GstBuffer *buffer)
{
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;

  if (!gst_rtcp_buffer_validate (buffer)) {
    w->strangers++;
    return;
  }
  gst_rtcp_buffer_map (buffer, GST_MAP_READ, &rtcp);
  for (gboolean more = gst_rtcp_buffer_get_first_packet (&rtcp, &packet); more;
       more = gst_rtcp_packet_move_to_next (&packet)) {
    guint32 ssrc;

    if (gst_rtcp_packet_get_type (&packet) == GST_RTCP_TYPE_SR)
      gst_rtcp_packet_sr_get_sender_info (&packet, &ssrc, NULL, NULL, NULL, NULL);
    else if (gst_rtcp_packet_get_type (&packet) == GST_RTCP_TYPE_RR)
      ssrc = gst_rtcp_packet_rr_get_ssrc (&packet);
    else
      continue;
    if (ssrc != w->sender)
      w->strangers++;
    for (guint i = 0; i < gst_rtcp_packet_get_rb_count (&packet); i++) {
      guint32 about;

      gst_rtcp_packet_get_rb (&packet, i, &about, NULL, NULL, NULL, NULL, NULL, NULL);
      if (about == w->reported)
        w->report_seen = TRUE;
    }
  }
  gst_rtcp_buffer_unmap (&rtcp);
}

static gboolean
rtcp_watch_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  RtcpWatch *w = user_data;
  guint8 data[2048];

  for (;;) {
    g_autoptr (GSocketAddress) from = NULL;
    g_autoptr (GstBuffer) buffer = NULL;
    gssize n = g_socket_receive_from (socket, &from, (gchar *) data, sizeof data, NULL, NULL);

    if (n <= 0)
      break;
    w->packets++;
    if (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from)) != w->from_port) {
      w->strangers++;
      continue;
    }
    buffer = gst_rtcp_buffer_new_copy_data (data, n);
    rtcp_watch_parse (w, buffer);
  }
  return G_SOURCE_CONTINUE;
}

static RtcpWatch *
rtcp_watch_new (guint from_port, guint32 sender, guint32 reported)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) local = NULL;
  RtcpWatch *w = g_new0 (RtcpWatch, 1);

  w->from_port = from_port;
  w->sender = sender;
  w->reported = reported;
  w->socket =
      g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (w->socket, address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (w->socket, FALSE);
  local = g_socket_get_local_address (w->socket, &error);
  g_assert_no_error (error);
  w->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  w->source = g_socket_create_source (w->socket, G_IO_IN, NULL);
  g_source_set_callback (w->source, G_SOURCE_FUNC (rtcp_watch_cb), w, NULL);
  g_source_attach (w->source, NULL);
  return w;
}

static gboolean
rtcp_watch_has_report (gpointer data)
{
  RtcpWatch *w = data;

  return w->report_seen;
}

static void
rtcp_watch_free (RtcpWatch *w)
{
  g_source_destroy (w->source);
  g_source_unref (w->source);
  g_socket_close (w->socket, NULL);
  g_object_unref (w->socket);
  g_free (w);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RtcpWatch, rtcp_watch_free)

static void
send_pli (guint port, guint32 sender_ssrc, guint32 media_ssrc)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket =
      g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (loopback, port);
  g_autoptr (GstBuffer) buffer = gst_rtcp_buffer_new (1400);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;
  GstMapInfo map;

  g_assert_no_error (error);
  /* a compound packet starts with a report */
  g_assert_true (gst_rtcp_buffer_map (buffer, GST_MAP_READWRITE, &rtcp));
  g_assert_true (gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_RR, &packet));
  gst_rtcp_packet_rr_set_ssrc (&packet, sender_ssrc);
  g_assert_true (gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_PSFB, &packet));
  gst_rtcp_packet_fb_set_type (&packet, GST_RTCP_PSFB_TYPE_PLI);
  gst_rtcp_packet_fb_set_sender_ssrc (&packet, sender_ssrc);
  gst_rtcp_packet_fb_set_media_ssrc (&packet, media_ssrc);
  gst_rtcp_buffer_unmap (&rtcp);

  g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_READ));
  g_socket_send_to (socket, to, (const gchar *) map.data, map.size, NULL, &error);
  gst_buffer_unmap (buffer, &map);
  g_assert_no_error (error);
}

static void
error_cb (HnEndpointMedia *media, GError *error, gpointer user_data)
{
  g_test_message ("media error: %s", error->message);
  g_test_fail ();
}

static HnEndpointMedia *
room_new (guint32 color, guint tone)
{
  g_autoptr (GError) error = NULL;
  HnEndpointMediaConfig config = {
    .source = "test",
    .test_color = color,
    .test_tone = tone,
    .sink = "none",
    .bind_address = "127.0.0.1",
  };
  HnEndpointMedia *media = hn_endpoint_media_new (&config, &error);

  g_assert_no_error (error);
  g_assert_nonnull (media);
  g_signal_connect (media, "error", G_CALLBACK (error_cb), NULL);
  return media;
}

static void
test_endpoint_media_play (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnEndpointMedia) a = room_new (0xff0000, 440);
  g_autoptr (HnEndpointMedia) b = room_new (0x00ff00, 880);
  g_autoptr (Relay) relay = relay_new ();
  g_autoptr (RtcpWatch) rtcp = NULL;
  guint a_ports[4], b_ports[4];
  guint32 a_video = hn_endpoint_media_get_video_ssrc (a);
  g_autofree gchar *playout = NULL;
  Route before;
  gint64 start, frames;
  gdouble level;

  hn_endpoint_media_get_ports (a, &a_ports[0], &a_ports[1], &a_ports[2], &a_ports[3]);
  hn_endpoint_media_get_ports (b, &b_ports[0], &b_ports[1], &b_ports[2], &b_ports[3]);
  relay_add_route (relay, a_video, TRUE, b_ports[0]);
  relay_add_route (relay, hn_endpoint_media_get_audio_ssrc (a), FALSE, b_ports[2]);
  relay_add_route (relay, hn_endpoint_media_get_video_ssrc (b), TRUE, a_ports[0]);
  relay_add_route (relay, hn_endpoint_media_get_audio_ssrc (b), FALSE, a_ports[2]);
  relay_start (relay);

  /* each room's RTCP goes to the other, as a room's goes to the hub,
   * except A's video RTCP, which the test reads */
  rtcp = rtcp_watch_new (a_ports[1], a_video, hn_endpoint_media_get_video_ssrc (b));
  start = g_get_monotonic_time ();
  hn_endpoint_media_start_sending (a, "127.0.0.1", relay->port, rtcp->port, b_ports[3],
                                   &test_format, &error);
  g_assert_no_error (error);
  hn_endpoint_media_start_sending (b, "127.0.0.1", relay->port, a_ports[1], a_ports[3],
                                   &test_format, &error);
  g_assert_no_error (error);
  g_assert_true (hn_endpoint_media_is_sending (a));

  assert_plays (b, 0xff0000, 440, 5, 10000);
  g_test_message ("B sees red and hears 440 Hz %u ms after A started sending",
                  (guint) ((g_get_monotonic_time () - start) / 1000));
  playout = playout_to_string (b);
  g_test_message ("B plays %s", playout);
  assert_plays (a, 0x00ff00, 880, 5, 10000);
  g_test_message ("A sees green and hears 880 Hz %u ms after B started sending",
                  (guint) ((g_get_monotonic_time () - start) / 1000));

  /* A reports on what it receives, from its video RTCP port, with the
   * SSRC it announced */
  g_assert_true (wait_for (rtcp_watch_has_report, rtcp, 10000));
  g_test_message ("A's first report on B's video %u ms after A started sending, %u packets",
                  (guint) ((g_get_monotonic_time () - start) / 1000), rtcp->packets);
  g_assert_cmpuint (rtcp->strangers, ==, 0);

  /* a keyframe asked for by the hub over the control channel, then by an
   * RTCP PLI to the room's video RTCP port: each comes long before the
   * next natural one */
  wait_natural_keyframe (relay, a_video, &before);
  start = g_get_monotonic_time ();
  hn_endpoint_media_force_keyframe (a);
  g_assert_cmpuint (wait_next_keyframe (relay, a_video, &before, start), <, 90000);
  wait_natural_keyframe (relay, a_video, &before);
  start = g_get_monotonic_time ();
  send_pli (a_ports[1], 0x12345678, a_video);
  g_assert_cmpuint (wait_next_keyframe (relay, a_video, &before, start), <, 90000);

  /* muting A silences what B hears; unmuting brings the tone back */
  level = get_level (b);
  g_test_message ("B hears A at %.1f dB", level);
  start = g_get_monotonic_time ();
  hn_endpoint_media_set_muted (a, TRUE);
  g_assert_true (
      wait_for (level_between, &(LevelWait){ b, MIN (level - 30, -60), -G_MAXDOUBLE }, 3000));
  g_test_message ("B hears %.1f dB %u ms after A muted", get_level (b),
                  (guint) ((g_get_monotonic_time () - start) / 1000));
  hn_endpoint_media_set_muted (a, FALSE);
  g_assert_true (wait_for (level_between, &(LevelWait){ b, level + 3, level - 3 }, 3000));
  assert_plays (b, 0xff0000, 440, 0, 3000);

  /* A leaves: B's picture stops, while A goes on playing B */
  hn_endpoint_media_stop_sending (a);
  g_assert_false (hn_endpoint_media_is_sending (a));
  g_assert_true (wait_for (frames_stopped, &(AgeWait){ b, 1000 }, 5000));
  frames = get_frames (b);
  assert_plays (a, 0x00ff00, 880, get_frames (a) + FRAMERATE, 5000);
  g_assert_cmpint (get_frames (b), ==, frames);

  /* and joins again */
  start = g_get_monotonic_time ();
  hn_endpoint_media_start_sending (a, "127.0.0.1", relay->port, rtcp->port, b_ports[3],
                                   &test_format, &error);
  g_assert_no_error (error);
  assert_plays (b, 0xff0000, 440, frames + FRAMERATE, 10000);
  g_test_message ("B sees A again %u ms after A started sending again",
                  (guint) ((g_get_monotonic_time () - start) / 1000));

  /* nothing but the four announced SSRCs reached the hub's port */
  g_mutex_lock (&relay->lock);
  g_assert_cmpuint (relay->unknown_ssrcs, ==, 0);
  g_mutex_unlock (&relay->lock);
  g_assert_cmpuint (rtcp->strangers, ==, 0);

  hn_endpoint_media_stop_sending (a);
  hn_endpoint_media_stop_sending (b);
}

/* The program's SSRC changes when the hub rebuilds it: the room follows
 * once the old one has gone quiet, but a second sender on the same port
 * does not push a flowing program aside */
static void
test_endpoint_media_program_switch (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnEndpointMedia) a = room_new (0xff0000, 440);
  g_autoptr (HnEndpointMedia) b = room_new (0x00ff00, 880);
  g_autoptr (HnEndpointMedia) c = room_new (0x0000ff, 660);
  g_autoptr (Relay) relay = relay_new ();
  guint b_ports[4];
  gint64 start;

  hn_endpoint_media_get_ports (b, &b_ports[0], &b_ports[1], &b_ports[2], &b_ports[3]);
  relay_add_route (relay, hn_endpoint_media_get_video_ssrc (a), TRUE, b_ports[0]);
  relay_add_route (relay, hn_endpoint_media_get_audio_ssrc (a), FALSE, b_ports[2]);
  relay_add_route (relay, hn_endpoint_media_get_video_ssrc (c), TRUE, b_ports[0]);
  relay_add_route (relay, hn_endpoint_media_get_audio_ssrc (c), FALSE, b_ports[2]);
  relay_start (relay);

  hn_endpoint_media_start_sending (a, "127.0.0.1", relay->port, b_ports[1], b_ports[3],
                                   &test_format, &error);
  g_assert_no_error (error);
  assert_plays (b, 0xff0000, 440, 5, 10000);
  hn_endpoint_media_start_sending (c, "127.0.0.1", relay->port, b_ports[1], b_ports[3],
                                   &test_format, &error);
  g_assert_no_error (error);
  /* two seconds of both: B stays with A */
  assert_plays (b, 0xff0000, 440, get_frames (b) + 2 * FRAMERATE, 5000);

  start = g_get_monotonic_time ();
  hn_endpoint_media_stop_sending (a);
  assert_plays (b, 0x0000ff, 660, 0, 10000);
  g_test_message ("B plays C %u ms after A stopped",
                  (guint) ((g_get_monotonic_time () - start) / 1000));

  start = g_get_monotonic_time ();
  hn_endpoint_media_stop_sending (c);
  hn_endpoint_media_start_sending (a, "127.0.0.1", relay->port, b_ports[1], b_ports[3],
                                   &test_format, &error);
  g_assert_no_error (error);
  assert_plays (b, 0xff0000, 440, 0, 10000);
  g_test_message ("B plays A %u ms after C stopped and A started again",
                  (guint) ((g_get_monotonic_time () - start) / 1000));
  hn_endpoint_media_stop_sending (a);
}

static void
test_endpoint_media_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnEndpointMedia) a = room_new (0xff0000, 440);
  g_autoptr (HnEndpointMedia) other = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *o, *audio;
  HnEndpointFormat format = test_format;
  HnEndpointMediaConfig config = { .source = "test", .sink = "none", .bind_address = "127.0.0.1" };
  guint ports[4];

  hn_endpoint_media_get_ports (a, &ports[0], &ports[1], &ports[2], &ports[3]);
  for (guint i = 0; i < 4; i++) {
    g_assert_cmpuint (ports[i], >, 0);
    for (guint j = 0; j < i; j++)
      g_assert_cmpuint (ports[i], !=, ports[j]);
  }
  g_assert_cmpuint (hn_endpoint_media_get_video_ssrc (a), !=, 0);
  g_assert_cmpuint (hn_endpoint_media_get_audio_ssrc (a), !=, 0);
  g_assert_cmpuint (hn_endpoint_media_get_video_ssrc (a), !=, hn_endpoint_media_get_audio_ssrc (a));

  /* nothing played yet */
  node = hn_endpoint_media_get_playout (a);
  o = json_node_get_object (node);
  g_assert_cmpint (member_int (o, "frames-decoded"), ==, 0);
  g_assert_cmpint (member_int (o, "width"), ==, -1);
  g_assert_cmpint (member_int (o, "last-frame-age-ms"), ==, -1);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (o, "grid")));
  audio = json_object_get_object_member (o, "audio");
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (audio, "peak-hz")));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (audio, "level-db")));

  /* a port another room holds */
  config.audio_rtcp_port = ports[2];
  other = hn_endpoint_media_new (&config, &error);
  g_assert_error (error, HN_ERROR, HN_ERROR_FAILED);
  g_assert_null (other);
  g_assert_true (strstr (error->message, "audio-rtcp") != NULL);
  g_clear_error (&error);

  config.audio_rtcp_port = 0;
  config.source = "webcam";
  other = hn_endpoint_media_new (&config, &error);
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
  g_assert_null (other);
  g_clear_error (&error);

  config.source = "test";
  config.bind_address = "localhost";
  other = hn_endpoint_media_new (&config, &error);
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
  g_assert_null (other);
  g_clear_error (&error);

  /* what the hub asks is checked; nothing starts on a bad request */
  format.width = 0;
  g_assert_false (
      hn_endpoint_media_start_sending (a, "127.0.0.1", 5000, 5001, 5003, &format, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (
      hn_endpoint_media_start_sending (a, "127.0.0.1", 0, 5001, 5003, &test_format, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* the room's sockets are IPv4 */
  g_assert_false (
      hn_endpoint_media_start_sending (a, "::1", 5000, 5001, 5003, &test_format, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (hn_endpoint_media_is_sending (a));

  /* a camera room whose camera is missing: start_sending() says so, and
   * the room goes on playing */
  if (!g_file_test ("/dev/video0", G_FILE_TEST_EXISTS)) {
    g_autoptr (HnEndpointMedia) camera = NULL;

    config.source = "camera";
    config.bind_address = "127.0.0.1";
    camera = hn_endpoint_media_new (&config, &error);
    g_assert_no_error (error);
    g_signal_connect (camera, "error", G_CALLBACK (error_cb), NULL);
    g_assert_false (hn_endpoint_media_start_sending (camera, "127.0.0.1", 5000, 5001, 5003,
                                                     &test_format, &error));
    g_assert_error (error, HN_ERROR, HN_ERROR_FAILED);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
    g_assert_false (hn_endpoint_media_is_sending (camera));
    /* the bus watch sees nothing of the removed branch */
    while (g_main_context_iteration (NULL, FALSE))
      ;
  } else {
    g_test_message ("a camera is present; not testing a missing one");
  }

  /* muting is remembered while not sending */
  hn_endpoint_media_set_muted (a, TRUE);
  g_assert_true (hn_endpoint_media_get_muted (a));
  hn_endpoint_media_force_keyframe (a);
}

/* A late joiner under SRTP: the program has wrapped its sequence numbers
 * (rollover counter 1) before the room gets the key. With the rollover
 * counter of the join, the room decodes; with 0, it would decode nothing,
 * which shows the counter is what makes a late join work. */
typedef struct {
  GstElement *srtpenc;
  guint32 ssrc;
  gint packets; /* atomic, after the srtpenc */
} LateSender;

static GstPadProbeReturn
late_count_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  LateSender *s = user_data;

  g_atomic_int_inc (&s->packets);
  return GST_PAD_PROBE_OK;
}

static gboolean
late_wrapped (gpointer data)
{
  LateSender *s = data;
  g_autoptr (GstStructure) stats = NULL;
  const GValue *streams;

  g_object_get (s->srtpenc, "stats", &stats, NULL);
  streams = gst_structure_get_value (stats, "streams");
  for (guint i = 0; streams != NULL && i < gst_value_array_get_size (streams); i++) {
    const GstStructure *one = gst_value_get_structure (gst_value_array_get_value (streams, i));
    guint ssrc = 0, roc = 0;

    if (gst_structure_get_uint (one, "ssrc", &ssrc) && ssrc == s->ssrc &&
        gst_structure_get_uint (one, "roc", &roc) && roc >= 1)
      return TRUE;
  }
  return FALSE;
}

typedef struct {
  LateSender *sender;
  gint until;
} LateCount;

static gboolean
late_sent (gpointer data)
{
  LateCount *c = data;

  return g_atomic_int_get (&c->sender->packets) >= c->until;
}

static gboolean
late_decoding (gpointer data)
{
  return get_frames (data) > 0;
}

static void
test_endpoint_media_srtp_late_join (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnEndpointMedia) room = NULL;
  g_autoptr (GstElement) sender = NULL;
  g_autoptr (GstPad) out = NULL;
  g_autofree gchar *desc = NULL;
  GString *hex = g_string_new (NULL);
  guint8 key[HN_MEDIA_SRTP_KEY_SIZE];
  guint8 send_key[HN_MEDIA_SRTP_KEY_SIZE];
  LateSender s = { 0 };
  LateCount c;
  guint ports[4];
  HnEndpointMediaConfig config = {
    .source = "test",
    .sink = "none",
    .bind_address = "127.0.0.1",
    .srtp = TRUE,
  };

  for (guint i = 0; i < sizeof key; i++) {
    key[i] = (guint8) (7 * i + 1);
    send_key[i] = (guint8) (255 - i);
    g_string_append_printf (hex, "%02x", key[i]);
  }
  room = hn_endpoint_media_new (&config, &error);
  g_assert_no_error (error);
  g_signal_connect (room, "error", G_CALLBACK (error_cb), NULL);
  hn_endpoint_media_get_ports (room, &ports[0], &ports[1], &ports[2], &ports[3]);

  /* small packets from just below the wrap: the sender's rollover
   * counter is 1 within a second */
  s.ssrc = 0x1a7e1a7e;
  desc = g_strdup_printf (
      "videotestsrc is-live=true pattern=solid-color foreground-color=0xffff00ff ! "
      "video/x-raw,width=%u,height=%u,framerate=%u/1 ! x264enc tune=zerolatency "
      "speed-preset=ultrafast key-int-max=%u bitrate=300 ! rtph264pay name=pay pt=96 ssrc=%u "
      "seqnum-offset=65400 mtu=200 config-interval=-1 ! srtpenc name=enc key=%s ! "
      "udpsink host=127.0.0.1 port=%u sync=false",
      WIDTH, HEIGHT, FRAMERATE, FRAMERATE, s.ssrc, hex->str, ports[0]);
  g_string_free (hex, TRUE);
  sender = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  s.srtpenc = gst_bin_get_by_name (GST_BIN (sender), "enc");
  /* made when gst_parse_launch() linked the payloader to rtp_sink_0 */
  out = gst_element_get_static_pad (s.srtpenc, "rtp_src_0");
  g_assert_nonnull (out);
  g_assert_cmpint (gst_element_set_state (sender, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
  g_assert_true (wait_for (late_wrapped, &s, 10000));
  gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, late_count_cb, &s, NULL);

  /* the key with the wrong counter: 300 packets (a few keyframes) and
   * not one picture */
  hn_endpoint_media_set_keys (room, key, 0, 0, send_key);
  c.sender = &s;
  c.until = g_atomic_int_get (&s.packets) + 300;
  g_assert_true (wait_for (late_sent, &c, 20000));
  g_assert_cmpint (get_frames (room), ==, 0);

  /* the counter of the join: pictures */
  hn_endpoint_media_set_keys (room, key, 1, 0, send_key);
  g_assert_true (wait_for (late_decoding, room, 10000));
  g_test_message ("late joiner decodes with rollover counter 1: %" G_GINT64_FORMAT " frames",
                  get_frames (room));
  gst_element_set_state (sender, GST_STATE_NULL);
  gst_object_unref (s.srtpenc);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;

  g_test_init (&argc, &argv, NULL);
  hn_media_init (&error);
  g_assert_no_error (error);
  g_test_add_func ("/hn/endpoint-media/errors", test_endpoint_media_errors);
  g_test_add_func ("/hn/endpoint-media/play", test_endpoint_media_play);
  g_test_add_func ("/hn/endpoint-media/program-switch", test_endpoint_media_program_switch);
  g_test_add_func ("/hn/endpoint-media/srtp-late-join", test_endpoint_media_srtp_late_join);
  return g_test_run ();
}

/* HnReturnReceiver: every room's return feed (its camera and microphone),
 * received by the hub on one UDP port for all rooms and all meetings.
 *
 * Why one port: one rtpbin per room costs about a core and ~590 threads
 * for 147 rooms; one udpsrc + one rtpsession + one rtpssrcdemux carries
 * the same packets on three threads. The path of a packet is:
 *
 *   udpsrc ─probe─▶ [srtpdec] ─▶ rtpsession ─probe─▶ rtpssrcdemux ─▶ decode branch ─▶
 * intervideosink
 *
 * 1. The first probe keeps only RTP from a room that joined: a packet
 *    that is not RTP (hn_rtp_header_parse()), an SSRC no room announced,
 *    or a room's SSRC from another address than the room's own is dropped
 *    and counted.
 *    It also counts each leg's packets and stamps its last arrival, which
 *    is what "down within 2 s" is measured on.
 * 1b. With SRTP (the hub's default), one srtpdec decrypts and
 *    authenticates every leg: its "request-key" asks, once per SSRC, for
 *    the key of the leg that announced it, which the hub gave that room
 *    alone when it joined. A packet under another key (a room forging
 *    another's SSRC from its own address) fails authentication and is
 *    dropped there; the SRTP header is plain, so the first probe works on
 *    SRTP as on RTP.
 * 2. rtpsession keeps the RFC 3550 statistics of every leg (loss, jitter),
 *    sends receiver reports, and turns a decoder's keyframe request into an
 *    RTCP PLI for that room (AVPF).
 * 3. The second probe lets through only the legs that are seen or heard in
 *    a program; rtpssrcdemux therefore makes pads, and the hub builds a
 *    jitter buffer and a decoder, only for those few legs. Every other
 *    leg costs one hash lookup per packet.
 *
 * A decode branch that fails (a corrupt stream, a decoder error) is torn
 * down and rebuilt alone; nothing else in the pipeline notices. If the
 * shared part fails (the socket's thread stops on a flow error), the whole
 * pipeline is restarted from READY, which keeps both sockets bound: the
 * rooms go on sending to the same port and are received again (after 1 s,
 * then 2, 4 … up to 30 s while it keeps failing). */

#define G_LOG_DOMAIN "hoinghi-legs"

#include "hn-return-receiver.h"

#include <gio/gio.h>
#include <gst/net/gstnetaddressmeta.h>
#include <gst/rtp/rtp.h>
#include <gst/video/video.h>

#include "hn-error.h"
#include "hn-media.h"
#include "hn-rtp-header.h"

GST_DEBUG_CATEGORY_STATIC (hn_legs_debug);
#define GST_CAT_DEFAULT hn_legs_debug

#define HN_LEG_REBUILD_MS 1000
#define HN_RECEIVER_RESTART_MS 1000
#define HN_RECEIVER_RESTART_MAX_MS 30000
/* a restart that ran this long without failing starts the delays over */
#define HN_RECEIVER_STABLE_US (60 * G_USEC_PER_SEC)

typedef struct _HnLeg HnLeg;

typedef struct {
  HnLeg *leg;
  HnLegStream stream;
  guint32 ssrc;
  guint rtcp_port;
  /* under the receiver's lock: written by the streaming thread */
  guint64 packets;
  guint64 bytes;
  gint64 last_packet_us;
  gboolean routed;
  /* main thread only */
  gchar *channel;
  GstElement *branch;
  guint rebuild_id;
} HnLegStreamState;

struct _HnLeg {
  HnReturnReceiver *receiver; /* unowned */
  gchar *site_id;
  gchar *host;
  GInetAddress *inet;
  GBytes *srtp_key; /* nullable: plain RTP */
  HnLegStreamState streams[HN_LEG_N_STREAMS];
};

struct _HnReturnReceiver {
  GObject parent_instance;

  GstElement *pipeline;
  GstElement *udpsrc;
  GstElement *srtpdec; /* NULL: plain RTP */
  GstElement *rtcp_src;
  GstElement *session;
  GstElement *rtcp_sink;
  GstElement *demux;
  GstPad *session_src; /* recv_rtp_src */
  guint rtp_port;
  guint rtcp_port;
  guint bus_watch_id;
  guint restart_id;
  guint restart_delay_ms;
  gint64 restarted_us; /* monotonic, 0 = never */
  guint restarts;

  GMutex lock;
  GHashTable *by_ssrc;       /* guint32 -> HnLegStreamState, under lock */
  HnReturnCounters counters; /* under lock */
  GHashTable *legs;          /* site id -> HnLeg, main thread */
};

G_DEFINE_FINAL_TYPE (HnReturnReceiver, hn_return_receiver, G_TYPE_OBJECT)

enum { SIGNAL_LEG_ERROR, N_SIGNALS };

static guint signals[N_SIGNALS];

static const gchar *const stream_names[] = { "video", "audio" };

static void hn_leg_unroute (HnLegStreamState *st);

static void
hn_leg_free (HnLeg *leg)
{
  for (guint i = 0; i < HN_LEG_N_STREAMS; i++) {
    hn_leg_unroute (&leg->streams[i]);
    g_clear_handle_id (&leg->streams[i].rebuild_id, g_source_remove);
    g_free (leg->streams[i].channel);
  }
  g_clear_object (&leg->inet);
  g_clear_pointer (&leg->srtp_key, g_bytes_unref);
  g_free (leg->site_id);
  g_free (leg->host);
  g_free (leg);
}

static void
hn_return_receiver_dispose (GObject *object)
{
  HnReturnReceiver *self = HN_RETURN_RECEIVER (object);

  g_clear_handle_id (&self->bus_watch_id, g_source_remove);
  g_clear_handle_id (&self->restart_id, g_source_remove);
  if (self->pipeline != NULL)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
  g_clear_pointer (&self->legs, g_hash_table_unref);
  g_clear_object (&self->session_src);
  g_clear_object (&self->pipeline);

  G_OBJECT_CLASS (hn_return_receiver_parent_class)->dispose (object);
}

static void
hn_return_receiver_finalize (GObject *object)
{
  HnReturnReceiver *self = HN_RETURN_RECEIVER (object);

  g_hash_table_unref (self->by_ssrc);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (hn_return_receiver_parent_class)->finalize (object);
}

static void
hn_return_receiver_class_init (HnReturnReceiverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hn_return_receiver_dispose;
  object_class->finalize = hn_return_receiver_finalize;

  /**
   * HnReturnReceiver::leg-error:
   * @site_id: the room
   * @error: what failed
   *
   * A room's decode branch failed; it is rebuilt after a second.
   */
  signals[SIGNAL_LEG_ERROR] =
      g_signal_new ("leg-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_ERROR);

  GST_DEBUG_CATEGORY_INIT (hn_legs_debug, "hn-legs", 0, "hoinghi return legs");
}

static void
hn_return_receiver_init (HnReturnReceiver *self)
{
  g_mutex_init (&self->lock);
  self->by_ssrc = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->legs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) hn_leg_free);
}

/* --- the packet path (streaming thread) --- */

static GstPadProbeReturn
hn_return_receiver_filter_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  HnReturnReceiver *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstNetAddressMeta *meta;
  HnLegStreamState *st;
  GstMapInfo map;
  HnRtpHeader rtp;
  gboolean accept = FALSE;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_PAD_PROBE_DROP;
  if (!hn_rtp_header_parse (&rtp, map.data, map.size)) {
    gst_buffer_unmap (buffer, &map);
    g_mutex_lock (&self->lock);
    self->counters.malformed++;
    g_mutex_unlock (&self->lock);
    return GST_PAD_PROBE_DROP;
  }
  meta = gst_buffer_get_net_address_meta (buffer);

  g_mutex_lock (&self->lock);
  st = g_hash_table_lookup (self->by_ssrc, GUINT_TO_POINTER (rtp.ssrc));
  if (st == NULL) {
    self->counters.unknown++;
  } else if (meta == NULL || !G_IS_INET_SOCKET_ADDRESS (meta->addr) ||
             !g_inet_address_equal (
                 g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (meta->addr)),
                 st->leg->inet)) {
    self->counters.spoofed++;
  } else {
    self->counters.accepted++;
    st->packets++;
    st->bytes += map.size;
    st->last_packet_us = g_get_monotonic_time ();
    accept = TRUE;
  }
  g_mutex_unlock (&self->lock);
  gst_buffer_unmap (buffer, &map);
  return accept ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

/* srtpdec, once per SSRC (streaming thread): the key of the leg that
 * announced it, or nothing, which drops the packet */
static GstCaps *
hn_return_receiver_request_key_cb (GstElement *srtpdec, guint ssrc, gpointer user_data)
{
  HnReturnReceiver *self = user_data;
  HnLegStreamState *st;
  GstCaps *caps = NULL;

  g_mutex_lock (&self->lock);
  st = g_hash_table_lookup (self->by_ssrc, GUINT_TO_POINTER (ssrc));
  if (st != NULL && st->leg->srtp_key != NULL)
    caps = hn_media_srtp_caps (st->leg->srtp_key, 0);
  g_mutex_unlock (&self->lock);
  return caps;
}

static GstPadProbeReturn
hn_return_receiver_routed_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  HnReturnReceiver *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  HnLegStreamState *st;
  guint32 ssrc;
  gboolean routed;

  if (gst_buffer_extract (buffer, 8, &ssrc, 4) != 4)
    return GST_PAD_PROBE_DROP;
  ssrc = GUINT32_FROM_BE (ssrc);
  g_mutex_lock (&self->lock);
  st = g_hash_table_lookup (self->by_ssrc, GUINT_TO_POINTER (ssrc));
  routed = st != NULL && st->routed;
  g_mutex_unlock (&self->lock);
  return routed ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

/* On every pad of the demuxer: a buffer for a pad that has no decoder
 * (yet, or any more: a room that left while its packets were on their
 * way) is dropped here. Pushed, it would return not-linked up to the
 * socket's udpsrc, which then stops for every room (seen in bench/soak:
 * "streaming stopped, reason not-linked" after 50 s of rooms coming and
 * going, and no return feed received after it). */
static GstPadProbeReturn
hn_return_receiver_unlinked_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  return gst_pad_is_linked (pad) ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

static void
hn_return_receiver_new_ssrc_pad_cb (GstElement *demux, guint ssrc, GstPad *pad, gpointer user_data)
{
  HnReturnReceiver *self = user_data;
  HnLegStreamState *st;
  g_autoptr (GstElement) branch = NULL;
  g_autoptr (GstPad) sink = NULL;
  g_autofree gchar *name = gst_pad_get_name (pad);

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     hn_return_receiver_unlinked_cb, NULL, NULL);
  if (!g_str_has_prefix (name, "src_"))
    return;
  g_mutex_lock (&self->lock);
  st = g_hash_table_lookup (self->by_ssrc, GUINT_TO_POINTER (ssrc));
  if (st != NULL && st->routed && st->branch != NULL)
    branch = gst_object_ref (st->branch);
  g_mutex_unlock (&self->lock);
  if (branch == NULL)
    return;
  sink = gst_element_get_static_pad (branch, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    GST_WARNING_OBJECT (demux, "cannot link SSRC %08x to its decoder", ssrc);
}

static GstCaps *
hn_return_receiver_pt_map_cb (GstElement *session, guint pt, gpointer user_data)
{
  if (pt == 96)
    return gst_caps_from_string ("application/x-rtp,media=video,clock-rate=90000,"
                                 "encoding-name=H264,payload=96");
  if (pt == 111)
    return gst_caps_from_string ("application/x-rtp,media=audio,clock-rate=48000,"
                                 "encoding-name=OPUS,payload=111");
  return NULL;
}

/* --- decode branches (main thread) --- */

static GstElement *
hn_leg_make_branch (HnLegStreamState *st, GError **error)
{
  g_autofree gchar *desc = NULL;
  GstElement *bin;

  /* one port carries both media, so the caps a depayloader needs are
   * set here, per branch; the sink is not async: a branch added to the
   * running pipeline must not send it back to PAUSED to preroll */
  if (st->stream == HN_LEG_VIDEO)
    desc = g_strdup_printf (
        "capssetter caps=\"application/x-rtp,media=(string)video,clock-rate=(int)90000,"
        "encoding-name=(string)H264,payload=(int)96\" ! "
        "rtpjitterbuffer latency=100 ! rtph264depay request-keyframe=true ! "
        "avdec_h264 max-threads=1 ! videoconvert ! "
        "video/x-raw,format=I420 ! intervideosink channel=\"%s\" sync=false async=false",
        st->channel);
  else
    desc = g_strdup_printf (
        "capssetter caps=\"application/x-rtp,media=(string)audio,clock-rate=(int)48000,"
        "encoding-name=(string)OPUS,payload=(int)111\" ! "
        "rtpjitterbuffer latency=100 ! rtpopusdepay ! opusdec plc=true ! audioconvert ! "
        "audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! "
        "interaudiosink channel=\"%s\" sync=false async=false",
        st->channel);
  bin = gst_parse_bin_from_description (desc, TRUE, error);
  if (bin == NULL) {
    hn_error_convert (error);
    return NULL;
  }
  {
    /* unique in the pipeline, and readable in a debug graph */
    g_autofree gchar *name = g_strdup_printf ("%s-%s", st->leg->site_id, stream_names[st->stream]);

    gst_object_set_name (GST_OBJECT (bin), name);
  }
  return bin;
}

static void
hn_leg_unroute (HnLegStreamState *st)
{
  HnReturnReceiver *self = st->leg->receiver;
  g_autoptr (GstElement) branch = NULL;

  g_mutex_lock (&self->lock);
  st->routed = FALSE;
  branch = g_steal_pointer (&st->branch);
  g_mutex_unlock (&self->lock);
  if (branch == NULL)
    return;
  /* no packet of this SSRC passes the second probe any more: drop its
   * pad, then the branch */
  g_signal_emit_by_name (self->demux, "clear-ssrc", st->ssrc);
  gst_element_set_state (branch, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self->pipeline), branch);
}

static gboolean
hn_leg_build (HnLegStreamState *st, GError **error)
{
  HnReturnReceiver *self = st->leg->receiver;
  GstElement *branch = hn_leg_make_branch (st, error);

  if (branch == NULL)
    return FALSE;
  if (!gst_bin_add (GST_BIN (self->pipeline), branch)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "the %s decoder of %s is there already",
                 stream_names[st->stream], st->leg->site_id);
    return FALSE;
  }
  if (!gst_element_sync_state_with_parent (branch)) {
    gst_bin_remove (GST_BIN (self->pipeline), branch);
    g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot start the %s decoder of %s",
                 stream_names[st->stream], st->leg->site_id);
    return FALSE;
  }
  g_mutex_lock (&self->lock);
  st->branch = gst_object_ref (branch);
  st->routed = TRUE;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
hn_leg_rebuild_cb (gpointer user_data)
{
  HnLegStreamState *st = user_data;
  g_autoptr (GError) error = NULL;

  st->rebuild_id = 0;
  if (st->channel == NULL)
    return G_SOURCE_REMOVE;
  if (!hn_leg_build (st, &error)) {
    g_warning ("leg %s %s: %s, ignoring", st->leg->site_id, stream_names[st->stream],
               error->message);
    return G_SOURCE_REMOVE;
  }
  if (st->stream == HN_LEG_VIDEO)
    hn_return_receiver_request_keyframe (st->leg->receiver, st->leg->site_id);
  return G_SOURCE_REMOVE;
}

static HnLegStreamState *
hn_return_receiver_find_branch (HnReturnReceiver *self, GstObject *element)
{
  GHashTableIter iter;
  HnLeg *leg;

  g_hash_table_iter_init (&iter, self->legs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &leg)) {
    for (guint i = 0; i < HN_LEG_N_STREAMS; i++) {
      GstElement *branch = leg->streams[i].branch;

      if (branch != NULL && (element == GST_OBJECT (branch) ||
                             gst_object_has_as_ancestor (element, GST_OBJECT (branch))))
        return &leg->streams[i];
    }
  }
  return NULL;
}

static void hn_return_receiver_schedule_restart (HnReturnReceiver *self);

static gboolean
hn_return_receiver_restart_cb (gpointer user_data)
{
  HnReturnReceiver *self = user_data;
  GHashTableIter iter;
  HnLeg *leg;

  self->restart_id = 0;
  self->restarts++;
  self->restarted_us = g_get_monotonic_time ();
  /* READY, not NULL: udpsrc closes its socket only in NULL */
  gst_element_set_state (self->pipeline, GST_STATE_READY);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    hn_return_receiver_schedule_restart (self);
    g_warning ("return receiver: restart %u failed; trying again in %u ms", self->restarts,
               self->restart_delay_ms);
    return G_SOURCE_REMOVE;
  }
  g_message ("return receiver restarted (restart %u): rooms' feeds are received again",
             self->restarts);
  /* the decoders start over: a whole picture at once */
  g_hash_table_iter_init (&iter, self->legs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &leg)) {
    if (leg->streams[HN_LEG_VIDEO].branch != NULL)
      hn_return_receiver_request_keyframe (self, leg->site_id);
  }
  return G_SOURCE_REMOVE;
}

static void
hn_return_receiver_schedule_restart (HnReturnReceiver *self)
{
  if (self->restart_id != 0)
    return;
  if (self->restart_delay_ms == 0 ||
      (self->restarted_us != 0 &&
       g_get_monotonic_time () - self->restarted_us >= HN_RECEIVER_STABLE_US))
    self->restart_delay_ms = HN_RECEIVER_RESTART_MS;
  else
    self->restart_delay_ms = MIN (self->restart_delay_ms * 2, HN_RECEIVER_RESTART_MAX_MS);
  self->restart_id = g_timeout_add (self->restart_delay_ms, hn_return_receiver_restart_cb, self);
  g_source_set_name_by_id (self->restart_id, "[hoinghi] return receiver restart");
}

static gboolean
hn_return_receiver_bus_cb (GstBus *bus, GstMessage *message, gpointer user_data)
{
  HnReturnReceiver *self = user_data;

  switch (GST_MESSAGE_TYPE (message)) {
  case GST_MESSAGE_ERROR: {
    g_autoptr (GError) error = NULL;
    g_autofree gchar *debug = NULL;
    HnLegStreamState *st;

    gst_message_parse_error (message, &error, &debug);
    st = hn_return_receiver_find_branch (self, GST_MESSAGE_SRC (message));
    if (st == NULL) {
      /* the shared part failed: no room's feed is received until it is
       * restarted */
      if (self->restart_id != 0) {
        /* the same failure seen by another element: already said */
        g_debug ("return receiver failed at %s too: %s",
                 GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message);
        break;
      }
      hn_return_receiver_schedule_restart (self);
      g_warning ("return receiver failed at %s: %s (%s); no room's feed is received; "
                 "restarting it in %u ms",
                 GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message, debug,
                 self->restart_delay_ms);
      break;
    }
    g_warning ("leg %s %s: %s; rebuilding its decoder", st->leg->site_id, stream_names[st->stream],
               error->message);
    g_signal_emit (self, signals[SIGNAL_LEG_ERROR], 0, st->leg->site_id, error);
    hn_leg_unroute (st);
    if (st->rebuild_id == 0) {
      st->rebuild_id = g_timeout_add (HN_LEG_REBUILD_MS, hn_leg_rebuild_cb, st);
      g_source_set_name_by_id (st->rebuild_id, "[hoinghi] leg rebuild");
    }
    break;
  }
  case GST_MESSAGE_LATENCY:
    gst_bin_recalculate_latency (GST_BIN (self->pipeline));
    break;
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
hn_return_receiver_bind (
    GstElement *udpsrc, const gchar *address, guint port, guint *bound, GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) local = NULL;

  g_object_set (udpsrc, "address", address, "port", port, "reuse", FALSE, NULL);
  if (gst_element_set_state (udpsrc, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, "cannot bind UDP port %u on %s", port,
                 address);
    return FALSE;
  }
  g_object_get (udpsrc, "used-socket", &socket, NULL);
  local = g_socket_get_local_address (socket, error);
  if (local == NULL) {
    hn_error_convert (error);
    return FALSE;
  }
  *bound = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return TRUE;
}

/**
 * hn_return_receiver_new:
 * @address: where to listen, e.g. "0.0.0.0"
 * @rtp_port: the port every room sends its RTP to; 0 = any free port
 * @rtcp_port: the port the hub's RTCP goes out from; 0 = any free port
 * @srtp: whether the rooms send SRTP (each leg's key is given with
 *   hn_return_receiver_add_leg()) rather than plain RTP
 */
HnReturnReceiver *
hn_return_receiver_new (
    const gchar *address, guint rtp_port, guint rtcp_port, gboolean srtp, GError **error)
{
  g_autoptr (HnReturnReceiver) self = g_object_new (HN_TYPE_RETURN_RECEIVER, NULL);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GstPad) sinkpad = NULL;
  g_autoptr (GstPad) rtcp_src = NULL;
  g_autoptr (GstPad) demux_sink = NULL;
  g_autoptr (GSocket) rtcp_socket = NULL;
  g_autoptr (GstCaps) caps =
      gst_caps_new_empty_simple (srtp ? "application/x-srtp" : "application/x-rtp");
  GstElement *elements[5];

  self->pipeline = gst_pipeline_new ("return-legs");
  gst_object_ref_sink (self->pipeline);
  elements[0] = self->udpsrc = gst_element_factory_make ("udpsrc", "rtp");
  elements[1] = self->rtcp_src = gst_element_factory_make ("udpsrc", "rtcp");
  elements[2] = self->session = gst_element_factory_make ("rtpsession", NULL);
  elements[3] = self->rtcp_sink = gst_element_factory_make ("multiudpsink", NULL);
  elements[4] = self->demux = gst_element_factory_make ("rtpssrcdemux", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (elements); i++) {
    if (elements[i] == NULL) {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_NOT_SUPPORTED,
                           "an RTP element is missing (gstreamer1.0-plugins-good)");
      return NULL;
    }
    gst_bin_add (GST_BIN (self->pipeline), elements[i]);
  }

  if (srtp) {
    self->srtpdec = gst_element_factory_make ("srtpdec", NULL);
    if (self->srtpdec == NULL) {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_NOT_SUPPORTED,
                           "srtpdec is missing (gstreamer1.0-plugins-bad)");
      return NULL;
    }
    gst_bin_add (GST_BIN (self->pipeline), self->srtpdec);
    g_signal_connect (self->srtpdec, "request-key", G_CALLBACK (hn_return_receiver_request_key_cb),
                      self);
  }

  /* a big receive buffer: 147 rooms' bursts land on one socket */
  g_object_set (self->udpsrc, "caps", caps, "buffer-size", 4 * 1024 * 1024,
                "retrieve-sender-address", TRUE, NULL);
  if (!hn_return_receiver_bind (self->udpsrc, address, rtp_port, &self->rtp_port, error) ||
      !hn_return_receiver_bind (self->rtcp_src, address, rtcp_port, &self->rtcp_port, error))
    return NULL;
  g_object_get (self->rtcp_src, "used-socket", &rtcp_socket, NULL);
  g_object_set (self->rtcp_sink, "socket", rtcp_socket, "close-socket", FALSE, "sync", FALSE,
                "async", FALSE, NULL);
  g_object_set (self->session, "rtp-profile", 3 /* GST_RTP_PROFILE_AVPF */, NULL);
  g_signal_connect (self->session, "request-pt-map", G_CALLBACK (hn_return_receiver_pt_map_cb),
                    NULL);
  g_signal_connect (self->demux, "new-ssrc-pad", G_CALLBACK (hn_return_receiver_new_ssrc_pad_cb),
                    self);

  pad = gst_element_get_static_pad (self->udpsrc, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, hn_return_receiver_filter_cb, self, NULL);
  sinkpad = gst_element_request_pad_simple (self->session, "recv_rtp_sink");
  if (self->srtpdec != NULL) {
    g_autoptr (GstPad) dec_sink = gst_element_get_static_pad (self->srtpdec, "rtp_sink");
    g_autoptr (GstPad) dec_src = gst_element_get_static_pad (self->srtpdec, "rtp_src");

    if (gst_pad_link (pad, dec_sink) != GST_PAD_LINK_OK ||
        gst_pad_link (dec_src, sinkpad) != GST_PAD_LINK_OK) {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link the SRTP decoder");
      return NULL;
    }
  } else if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link the RTP socket");
    return NULL;
  }
  self->session_src = gst_element_get_static_pad (self->session, "recv_rtp_src");
  demux_sink = gst_element_get_static_pad (self->demux, "sink");
  if (self->session_src == NULL ||
      gst_pad_link (self->session_src, demux_sink) != GST_PAD_LINK_OK) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link the demultiplexer");
    return NULL;
  }
  gst_pad_add_probe (self->session_src, GST_PAD_PROBE_TYPE_BUFFER, hn_return_receiver_routed_cb,
                     self, NULL);
  g_clear_object (&pad);
  g_clear_object (&sinkpad);
  pad = gst_element_get_static_pad (self->rtcp_src, "src");
  sinkpad = gst_element_request_pad_simple (self->session, "recv_rtcp_sink");
  rtcp_src = gst_element_request_pad_simple (self->session, "send_rtcp_src");
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK ||
      !gst_element_link_pads (self->session, "send_rtcp_src", self->rtcp_sink, "sink")) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link the RTCP path");
    return NULL;
  }

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_watch_id = gst_bus_add_watch (bus, hn_return_receiver_bus_cb, self);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INTERNAL, "the return receiver does not start");
    return NULL;
  }
  return g_steal_pointer (&self);
}

void
hn_return_receiver_get_ports (HnReturnReceiver *self, guint *rtp_port, guint *rtcp_port)
{
  g_return_if_fail (HN_IS_RETURN_RECEIVER (self));

  if (rtp_port != NULL)
    *rtp_port = self->rtp_port;
  if (rtcp_port != NULL)
    *rtcp_port = self->rtcp_port;
}

/**
 * hn_return_receiver_add_leg:
 * @host: the room's address: media from any other is dropped
 * @srtp_key: (nullable): the leg's own SRTP key (HN_MEDIA_SRTP_KEY_SIZE
 *   bytes), required when the receiver was made for SRTP
 *
 * Accepts the room's two streams from now on (not decoded until routed).
 */
gboolean
hn_return_receiver_add_leg (HnReturnReceiver *self,
                            const gchar *site_id,
                            const gchar *host,
                            guint32 video_ssrc,
                            guint32 audio_ssrc,
                            guint video_rtcp_port,
                            guint audio_rtcp_port,
                            GBytes *srtp_key,
                            GError **error)
{
  g_autoptr (GInetAddress) inet = NULL;
  guint32 ssrcs[HN_LEG_N_STREAMS] = { video_ssrc, audio_ssrc };
  guint ports[HN_LEG_N_STREAMS] = { video_rtcp_port, audio_rtcp_port };
  HnLeg *leg;

  g_return_val_if_fail (HN_IS_RETURN_RECEIVER (self), FALSE);
  g_return_val_if_fail (site_id != NULL && host != NULL, FALSE);
  g_return_val_if_fail ((self->srtpdec != NULL) == (srtp_key != NULL), FALSE);
  g_return_val_if_fail (srtp_key == NULL || g_bytes_get_size (srtp_key) == HN_MEDIA_SRTP_KEY_SIZE,
                        FALSE);

  if (g_hash_table_contains (self->legs, site_id)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "%s already has a return leg",
                 site_id);
    return FALSE;
  }
  inet = g_inet_address_new_from_string (host);
  if (inet == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "%s: '%s' is not an address", site_id,
                 host);
    return FALSE;
  }
  if (video_ssrc == audio_ssrc) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "%s announced the same SSRC %08x for video and audio", site_id, video_ssrc);
    return FALSE;
  }
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < HN_LEG_N_STREAMS; i++) {
    HnLegStreamState *other = g_hash_table_lookup (self->by_ssrc, GUINT_TO_POINTER (ssrcs[i]));

    if (other != NULL) {
      g_mutex_unlock (&self->lock);
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "%s announced SSRC %08x, which %s already uses", site_id, ssrcs[i],
                   other->leg->site_id);
      return FALSE;
    }
  }
  leg = g_new0 (HnLeg, 1);
  leg->receiver = self;
  leg->site_id = g_strdup (site_id);
  leg->host = g_strdup (host);
  leg->inet = g_steal_pointer (&inet);
  leg->srtp_key = srtp_key != NULL ? g_bytes_ref (srtp_key) : NULL;
  for (guint i = 0; i < HN_LEG_N_STREAMS; i++) {
    leg->streams[i].leg = leg;
    leg->streams[i].stream = i;
    leg->streams[i].ssrc = ssrcs[i];
    leg->streams[i].rtcp_port = ports[i];
    g_hash_table_insert (self->by_ssrc, GUINT_TO_POINTER (ssrcs[i]), &leg->streams[i]);
  }
  g_mutex_unlock (&self->lock);
  g_hash_table_insert (self->legs, leg->site_id, leg);

  for (guint i = 0; i < HN_LEG_N_STREAMS; i++) {
    if (ports[i] != 0)
      g_signal_emit_by_name (self->rtcp_sink, "add", host, (gint) ports[i]);
  }
  return TRUE;
}

/**
 * hn_return_receiver_remove_leg:
 *
 * Forgets a room: its packets are dropped from now on, its decoders go.
 */
void
hn_return_receiver_remove_leg (HnReturnReceiver *self, const gchar *site_id)
{
  HnLeg *leg;

  g_return_if_fail (HN_IS_RETURN_RECEIVER (self));

  leg = g_hash_table_lookup (self->legs, site_id);
  if (leg == NULL)
    return;
  for (guint i = 0; i < HN_LEG_N_STREAMS; i++) {
    hn_leg_unroute (&leg->streams[i]);
    if (leg->streams[i].rtcp_port != 0)
      g_signal_emit_by_name (self->rtcp_sink, "remove", leg->host,
                             (gint) leg->streams[i].rtcp_port);
  }
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < HN_LEG_N_STREAMS; i++)
    g_hash_table_remove (self->by_ssrc, GUINT_TO_POINTER (leg->streams[i].ssrc));
  g_mutex_unlock (&self->lock);
  /* the room's next leg (a new join) comes with a new key */
  for (guint i = 0; i < HN_LEG_N_STREAMS && self->srtpdec != NULL; i++)
    g_signal_emit_by_name (self->srtpdec, "remove-key", leg->streams[i].ssrc);
  g_hash_table_remove (self->legs, site_id);
}

gboolean
hn_return_receiver_has_leg (HnReturnReceiver *self, const gchar *site_id)
{
  g_return_val_if_fail (HN_IS_RETURN_RECEIVER (self), FALSE);
  return g_hash_table_contains (self->legs, site_id);
}

/**
 * hn_return_receiver_route:
 * @channel: (nullable): the intervideosink/interaudiosink channel to decode
 *   the stream into, or %NULL to stop decoding it
 *
 * Decodes one of a room's streams into a program's slot, or stops.
 */
gboolean
hn_return_receiver_route (HnReturnReceiver *self,
                          const gchar *site_id,
                          HnLegStream stream,
                          const gchar *channel,
                          GError **error)
{
  HnLegStreamState *st;
  HnLeg *leg;

  g_return_val_if_fail (HN_IS_RETURN_RECEIVER (self), FALSE);
  g_return_val_if_fail (stream < HN_LEG_N_STREAMS, FALSE);

  leg = g_hash_table_lookup (self->legs, site_id);
  if (leg == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, "%s has no return leg", site_id);
    return FALSE;
  }
  st = &leg->streams[stream];
  if (g_strcmp0 (st->channel, channel) == 0 &&
      (channel == NULL || st->branch != NULL || st->rebuild_id != 0))
    return TRUE;
  hn_leg_unroute (st);
  g_clear_handle_id (&st->rebuild_id, g_source_remove);
  g_free (st->channel);
  st->channel = g_strdup (channel);
  if (channel == NULL)
    return TRUE;
  if (!hn_leg_build (st, error))
    return FALSE;
  if (stream == HN_LEG_VIDEO)
    hn_return_receiver_request_keyframe (self, site_id);
  return TRUE;
}

/**
 * hn_return_receiver_request_keyframe:
 *
 * Asks the room for a keyframe with an RTCP PLI, so a picture that has
 * just come on screen is whole at once.
 */
void
hn_return_receiver_request_keyframe (HnReturnReceiver *self, const gchar *site_id)
{
  HnLeg *leg;
  GstEvent *event;

  g_return_if_fail (HN_IS_RETURN_RECEIVER (self));

  leg = g_hash_table_lookup (self->legs, site_id);
  if (leg == NULL)
    return;
  event = gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0);
  gst_structure_set (gst_event_writable_structure (event), "ssrc", G_TYPE_UINT,
                     leg->streams[HN_LEG_VIDEO].ssrc, NULL);
  gst_pad_send_event (self->session_src, event);
}

static void
hn_return_receiver_session_stats (HnReturnReceiver *self, guint32 ssrc, HnLegStreamStats *out)
{
  g_autoptr (GObject) session = NULL;
  GObject *source = NULL;
  g_autoptr (GstStructure) stats = NULL;
  guint jitter = 0;
  gint lost = 0;
  guint clock_rate = 0;

  g_object_get (self->session, "internal-session", &session, NULL);
  if (session == NULL)
    return;
  g_signal_emit_by_name (session, "get-source-by-ssrc", ssrc, &source);
  if (source == NULL)
    return;
  g_object_get (source, "stats", &stats, NULL);
  g_object_unref (source);
  if (stats == NULL)
    return;
  gst_structure_get_uint (stats, "jitter", &jitter);
  gst_structure_get_int (stats, "packets-lost", &lost);
  gst_structure_get_int (stats, "clock-rate", (gint *) &clock_rate);
  out->packets_lost = lost;
  /* rtpsession keeps jitter in clock-rate units */
  out->jitter_ms = clock_rate > 0 ? jitter * 1000.0 / clock_rate : 0.0;
}

/**
 * hn_return_receiver_get_stats:
 *
 * Returns: %FALSE when @site_id has no leg
 */
gboolean
hn_return_receiver_get_stats (HnReturnReceiver *self,
                              const gchar *site_id,
                              HnLegStream stream,
                              HnLegStreamStats *stats)
{
  HnLegStreamState *st;
  HnLeg *leg;

  g_return_val_if_fail (HN_IS_RETURN_RECEIVER (self), FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  leg = g_hash_table_lookup (self->legs, site_id);
  if (leg == NULL)
    return FALSE;
  st = &leg->streams[stream];
  memset (stats, 0, sizeof *stats);
  g_mutex_lock (&self->lock);
  stats->packets = st->packets;
  stats->bytes = st->bytes;
  stats->last_packet_us = st->last_packet_us;
  stats->decoded = st->routed;
  g_mutex_unlock (&self->lock);
  hn_return_receiver_session_stats (self, st->ssrc, stats);
  return TRUE;
}

void
hn_return_receiver_get_counters (HnReturnReceiver *self, HnReturnCounters *counters)
{
  g_return_if_fail (HN_IS_RETURN_RECEIVER (self));

  g_mutex_lock (&self->lock);
  *counters = self->counters;
  g_mutex_unlock (&self->lock);
  counters->restarts = self->restarts;
  counters->unauthenticated = 0;
  if (self->srtpdec != NULL) {
    g_autoptr (GstStructure) stats = NULL;
    guint dropped = 0;

    g_object_get (self->srtpdec, "stats", &stats, NULL);
    /* a guint in GStreamer 1.22 */
    if (stats != NULL && gst_structure_get_uint (stats, "recv-drop-count", &dropped)) {
      counters->unauthenticated = dropped;
      /* what srtpdec dropped had passed the first probe */
      counters->accepted -= MIN (dropped, counters->accepted);
    }
  }
}

/**
 * hn_return_receiver_get_pipeline:
 *
 * For diagnostics (GST_DEBUG_BIN_TO_DOT_FILE()) and tests.
 *
 * Returns: (transfer none): the pipeline
 */
GstElement *
hn_return_receiver_get_pipeline (HnReturnReceiver *self)
{
  g_return_val_if_fail (HN_IS_RETURN_RECEIVER (self), NULL);
  return self->pipeline;
}

/**
 * hn_return_receiver_get_n_decoded:
 *
 * Returns: how many streams are decoded now, of all rooms
 */
guint
hn_return_receiver_get_n_decoded (HnReturnReceiver *self)
{
  GHashTableIter iter;
  HnLeg *leg;
  guint n = 0;

  g_return_val_if_fail (HN_IS_RETURN_RECEIVER (self), 0);

  g_hash_table_iter_init (&iter, self->legs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &leg)) {
    for (guint i = 0; i < HN_LEG_N_STREAMS; i++)
      n += leg->streams[i].branch != NULL;
  }
  return n;
}

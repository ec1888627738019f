/* HnEndpointMedia: the media of a room PC. One pipeline and one rtpbin
 * (session 0 video, session 1 audio) do three things:
 *
 * - play the program the hub sends (H.264 PT 96, Opus PT 111), always,
 *   whether or not the room is in a meeting, and show it when the room
 *   has a screen;
 * - while the room is in a meeting, send its camera and microphone to the
 *   hub's one return port, with SSRCs fixed at construction and announced
 *   in the control channel's hello, so the hub tells rooms apart by SSRC;
 * - measure what it plays (mean colours of a 4×4 grid, the strongest tone
 *   and its level), so operators and tests see what the room sees and
 *   hears.
 *
 * The four UDP sockets are bound here, once, and shared by the udpsrc that
 * receives on a port and the multiudpsink that sends from it (symmetric
 * RTP): the hub answers to the address and port it sees, which is what
 * crosses a NAT. The sending branch is a bin of its own, added and removed
 * while the receiving side keeps playing; nothing is encoded while the
 * room is in no meeting.
 *
 * With SRTP (a room that trusts its hub by certificate), an srtpdec on each
 * program port decrypts with the meeting's key (and the rollover counters
 * of a late join), and one srtpenc after rtpbin encrypts what the room
 * sends with the key the hub gave this room alone; both keys arrive with
 * each join over the TLS control channel. RTCP stays plain. */

#define G_LOG_DOMAIN "hoinghi-endpoint"

#include "hn-endpoint-media.h"

#include <stdio.h>

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/audio/audio.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "hn-error.h"
#include "hn-media.h"

GST_DEBUG_CATEGORY_STATIC (hn_endpoint_debug);
#define GST_CAT_DEFAULT hn_endpoint_debug

#define HN_ENDPOINT_VIDEO_PT 96
#define HN_ENDPOINT_AUDIO_PT 111
#define HN_ENDPOINT_LATENCY_MS 100
#define HN_ENDPOINT_GRID 4
#define HN_ENDPOINT_CELLS (HN_ENDPOINT_GRID * HN_ENDPOINT_GRID)
/* the analysed picture: small enough to cost nothing, big enough that
 * every grid cell averages a few dozen pixels */
#define HN_ENDPOINT_ANALYSIS_WIDTH 64
#define HN_ENDPOINT_ANALYSIS_HEIGHT 48
#define HN_ENDPOINT_BANDS 256
#define HN_ENDPOINT_THRESHOLD_DB (-80)
/* how long the program's stream may be silent before another SSRC of the
 * same session takes its place */
#define HN_ENDPOINT_TAKEOVER_USEC (1 * G_USEC_PER_SEC)

enum { PORT_VIDEO_RTP, PORT_VIDEO_RTCP, PORT_AUDIO_RTP, PORT_AUDIO_RTCP, N_PORTS };

static const gchar *const port_names[N_PORTS] = { "video-rtp", "video-rtcp", "audio-rtp",
                                                  "audio-rtcp" };

struct _HnEndpointMedia {
  GObject parent_instance;

  gchar *source;
  gdouble netsim_loss[2]; /* [0] send, [1] receive */
  guint netsim_delay[2];
  guint32 test_color;
  guint test_tone;
  gboolean show;

  GSocket *sockets[N_PORTS];
  guint ports[N_PORTS];
  guint32 video_ssrc;
  guint32 audio_ssrc;

  GstElement *pipeline;
  GstElement *rtpbin;
  GstElement *srcs[N_PORTS];  /* udpsrc on sockets[i] */
  GstElement *sinks[N_PORTS]; /* multiudpsink, each sending from sockets[i] */
  GstPad *send_rtp_sinks[2];  /* rtpbin's, one per session */
  GstElement *payloaders[2];  /* H.264, Opus */
  gboolean srtp;
  GstElement *srtpdecs[2]; /* on the program's video and audio, with srtp */
  GstElement *srtpenc;     /* on what the room sends, with srtp */
  GBytes *send_key;        /* the room's own key in this meeting */
  GstElement *video_depay;
  GstElement *audio_depay;
  GstElement *selectors[2]; /* input-selector before each depayloader */
  GstElement *spectrum;
  GSource *bus_source;

  /* the sending branch, only while in a meeting */
  GstElement *sender;
  GstElement *encoder; /* borrowed from sender */
  GstElement *volume;  /* borrowed from sender */
  gboolean muted;

  /* what the room plays; written by streaming threads (video) and the bus
   * watch (audio), read by hn_endpoint_media_get_playout() */
  GMutex lock;
  gint64 selected_usec[2]; /* last buffer of each session's selected SSRC */
  guint64 frames_decoded;
  guint width;
  guint height;
  gint64 last_frame_usec; /* 0: no frame yet */
  gboolean have_grid;
  guint8 grid[HN_ENDPOINT_CELLS][3];
  gint64 last_spectrum_usec; /* 0: no spectrum yet */
  gdouble peak_hz;           /* < 0: silence */
  gdouble level_db;
  GBytes *program_key; /* under lock: read by srtpdec's "request-key" */
  guint32 program_roc[2];
};

G_DEFINE_FINAL_TYPE (HnEndpointMedia, hn_endpoint_media, G_TYPE_OBJECT)

enum { SIGNAL_ERROR, N_SIGNALS };

static guint signals[N_SIGNALS];

static void
hn_endpoint_media_dispose (GObject *object)
{
  HnEndpointMedia *self = HN_ENDPOINT_MEDIA (object);

  if (self->bus_source != NULL) {
    g_source_destroy (self->bus_source);
    g_clear_pointer (&self->bus_source, g_source_unref);
  }
  /* stops every streaming thread, so no probe or callback runs after */
  if (self->pipeline != NULL)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
  if (self->rtpbin != NULL)
    g_signal_handlers_disconnect_by_data (self->rtpbin, self);
  if (self->sender != NULL)
    gst_element_set_state (self->sender, GST_STATE_NULL);
  self->encoder = NULL;
  self->volume = NULL;
  g_clear_object (&self->sender);
  for (guint i = 0; i < G_N_ELEMENTS (self->send_rtp_sinks); i++)
    g_clear_object (&self->send_rtp_sinks[i]);
  g_clear_object (&self->pipeline);
  for (guint i = 0; i < N_PORTS; i++) {
    if (self->sockets[i] != NULL)
      g_socket_close (self->sockets[i], NULL);
    g_clear_object (&self->sockets[i]);
  }

  G_OBJECT_CLASS (hn_endpoint_media_parent_class)->dispose (object);
}

static void
hn_endpoint_media_finalize (GObject *object)
{
  HnEndpointMedia *self = HN_ENDPOINT_MEDIA (object);

  g_free (self->source);
  g_clear_pointer (&self->program_key, g_bytes_unref);
  g_clear_pointer (&self->send_key, g_bytes_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (hn_endpoint_media_parent_class)->finalize (object);
}

static void
hn_endpoint_media_class_init (HnEndpointMediaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hn_endpoint_media_dispose;
  object_class->finalize = hn_endpoint_media_finalize;

  /**
   * HnEndpointMedia::error:
   * @error: what failed
   *
   * The pipeline failed while running; the owner decides whether to
   * rebuild it (the room shows nothing and sends nothing until then).
   */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  GST_DEBUG_CATEGORY_INIT (hn_endpoint_debug, "hn-endpoint", 0, "hoinghi room media");
}

static void
hn_endpoint_media_init (HnEndpointMedia *self)
{
  g_mutex_init (&self->lock);
  self->peak_hz = -1;
  self->level_db = HN_ENDPOINT_THRESHOLD_DB;
}

/* Creates an element and adds it to @bin, which owns it. */
static GstElement *
hn_endpoint_add (GstElement *bin, const gchar *factory, const gchar *name, GError **error)
{
  GstElement *e = gst_element_factory_make (factory, name);

  if (e == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_SUPPORTED, "GStreamer element %s is not installed",
                 factory);
    return NULL;
  }
  gst_bin_add (GST_BIN (bin), e);
  return e;
}

static gboolean
hn_endpoint_link_many (GError **error, GstElement *first, ...)
{
  GstElement *prev = first;
  GstElement *next;
  va_list args;
  gboolean ok = TRUE;

  va_start (args, first);
  while (ok && (next = va_arg (args, GstElement *)) != NULL) {
    if (!gst_element_link (prev, next)) {
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link %s to %s",
                   GST_ELEMENT_NAME (prev), GST_ELEMENT_NAME (next));
      ok = FALSE;
    }
    prev = next;
  }
  va_end (args);
  return ok;
}

static gboolean
hn_endpoint_link_pads (GstPad *src, GstPad *sink, const gchar *what, GError **error)
{
  if (src == NULL || sink == NULL || gst_pad_link (src, sink) != GST_PAD_LINK_OK) {
    g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link %s", what);
    return FALSE;
  }
  return TRUE;
}

static GstElement *
hn_endpoint_add_capsfilter (GstElement *bin, const gchar *name, GstCaps *caps, GError **error)
{
  g_autoptr (GstCaps) owned = caps;
  GstElement *filter = hn_endpoint_add (bin, "capsfilter", name, error);

  if (filter != NULL)
    g_object_set (filter, "caps", owned, NULL);
  return filter;
}

static GSocket *
hn_endpoint_bind (GInetAddress *address, guint port, guint *bound, GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) want = g_inet_socket_address_new (address, port);
  g_autoptr (GSocketAddress) local = NULL;

  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;
  /* no SO_REUSEADDR: on UDP it would let two rooms share a port */
  if (!g_socket_bind (socket, want, FALSE, error))
    return NULL;
  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    return NULL;
  *bound = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return g_steal_pointer (&socket);
}

static guint32
hn_endpoint_random_ssrc (guint32 other)
{
  guint32 ssrc;

  do
    ssrc = g_random_int ();
  while (ssrc == 0 || ssrc == other);
  return ssrc;
}

/* Counts decoded frames and notes the picture size. */
static GstPadProbeReturn
hn_endpoint_decoded_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  HnEndpointMedia *self = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    g_mutex_lock (&self->lock);
    self->frames_decoded++;
    self->last_frame_usec = g_get_monotonic_time ();
    g_mutex_unlock (&self->lock);
  } else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_CAPS) {
    GstCaps *caps = NULL;
    GstVideoInfo vinfo;

    gst_event_parse_caps (GST_PAD_PROBE_INFO_EVENT (info), &caps);
    if (gst_video_info_from_caps (&vinfo, caps)) {
      g_mutex_lock (&self->lock);
      self->width = GST_VIDEO_INFO_WIDTH (&vinfo);
      self->height = GST_VIDEO_INFO_HEIGHT (&vinfo);
      g_mutex_unlock (&self->lock);
    }
  }
  return GST_PAD_PROBE_OK;
}

/* The mean colour of each cell of the small RGB picture. */
static GstFlowReturn
hn_endpoint_analyse_cb (GstAppSink *sink, gpointer user_data)
{
  HnEndpointMedia *self = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  guint64 sums[HN_ENDPOINT_CELLS][3] = { { 0 } };
  guint64 counts[HN_ENDPOINT_CELLS] = { 0 };
  GstVideoInfo vinfo;
  GstVideoFrame frame;
  guint width, height, stride;
  const guint8 *data;

  if (sample == NULL)
    return GST_FLOW_EOS;
  if (!gst_video_info_from_caps (&vinfo, gst_sample_get_caps (sample)) ||
      !gst_video_frame_map (&frame, &vinfo, gst_sample_get_buffer (sample), GST_MAP_READ))
    return GST_FLOW_OK;

  width = GST_VIDEO_FRAME_WIDTH (&frame);
  height = GST_VIDEO_FRAME_HEIGHT (&frame);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  data = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
  for (guint y = 0; y < height; y++) {
    const guint8 *row = data + (gsize) y * stride;
    guint cy = y * HN_ENDPOINT_GRID / height;

    for (guint x = 0; x < width; x++) {
      guint cell = cy * HN_ENDPOINT_GRID + x * HN_ENDPOINT_GRID / width;

      for (guint c = 0; c < 3; c++)
        sums[cell][c] += row[x * 3 + c];
      counts[cell]++;
    }
  }
  gst_video_frame_unmap (&frame);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < HN_ENDPOINT_CELLS; i++) {
    for (guint c = 0; c < 3; c++)
      self->grid[i][c] = counts[i] > 0 ? (sums[i][c] + counts[i] / 2) / counts[i] : 0;
  }
  self->have_grid = TRUE;
  g_mutex_unlock (&self->lock);
  return GST_FLOW_OK;
}

/* Every buffer of an SSRC on its way to the selector: the selected one
 * notes that it is alive; another takes over when the selected one has
 * been silent for a while (a rebuilt program on the hub comes with a new
 * SSRC). A stray sender cannot push the program aside while it flows. */
static GstPadProbeReturn
hn_endpoint_program_buffer_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  HnEndpointMedia *self = user_data;
  g_autoptr (GstElement) selector = gst_pad_get_parent_element (pad);
  g_autoptr (GstPad) active = NULL;
  guint s = selector == self->selectors[0] ? 0 : 1;
  gint64 now = g_get_monotonic_time ();
  gboolean take = FALSE;

  if (selector == NULL)
    return GST_PAD_PROBE_OK;
  g_object_get (selector, "active-pad", &active, NULL);
  g_mutex_lock (&self->lock);
  if (active == pad) {
    self->selected_usec[s] = now;
  } else if (active == NULL || now - self->selected_usec[s] > HN_ENDPOINT_TAKEOVER_USEC) {
    self->selected_usec[s] = now;
    take = TRUE;
  }
  g_mutex_unlock (&self->lock);
  if (take) {
    GST_INFO_OBJECT (pad, "now playing this stream");
    g_object_set (selector, "active-pad", pad, NULL);
  }
  return GST_PAD_PROBE_OK;
}

/* rtpbin has a pad per session, SSRC and payload type; each goes to the
 * session's selector, so a second SSRC never finds its pad unlinked (which
 * would stop the session's socket) */
static void
hn_endpoint_pad_added_cb (GstElement *rtpbin, GstPad *pad, gpointer user_data)
{
  HnEndpointMedia *self = user_data;
  g_autofree gchar *name = gst_pad_get_name (pad);
  g_autoptr (GstPad) sink = NULL;
  guint session, ssrc, pt;

  if (sscanf (name, "recv_rtp_src_%u_%u_%u", &session, &ssrc, &pt) != 3 || session > 1)
    return;
  if (pt != (session == 0 ? HN_ENDPOINT_VIDEO_PT : HN_ENDPOINT_AUDIO_PT)) {
    GST_INFO_OBJECT (rtpbin, "not playing %s, unexpected payload", name);
    return;
  }
  sink = gst_element_request_pad_simple (self->selectors[session], "sink_%u");
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     hn_endpoint_program_buffer_cb, self, NULL);
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK) {
    GST_WARNING_OBJECT (rtpbin, "cannot link %s to its selector", name);
    gst_element_release_request_pad (self->selectors[session], sink);
    return;
  }
  g_object_set_data_full (G_OBJECT (pad), "hn-selector-pad", g_steal_pointer (&sink),
                          gst_object_unref);
  GST_INFO_OBJECT (rtpbin, "receiving %s (ssrc %08x)", name, ssrc);
}

/* an SSRC timed out or said BYE */
static void
hn_endpoint_pad_removed_cb (GstElement *rtpbin, GstPad *pad, gpointer user_data)
{
  GstPad *sink = g_object_get_data (G_OBJECT (pad), "hn-selector-pad");
  g_autoptr (GstElement) selector = NULL;

  if (sink == NULL)
    return;
  selector = gst_pad_get_parent_element (sink);
  if (selector != NULL)
    gst_element_release_request_pad (selector, sink);
  g_object_set_data (G_OBJECT (pad), "hn-selector-pad", NULL);
}

static void
hn_endpoint_handle_spectrum (HnEndpointMedia *self, const GstStructure *s)
{
  const GValue *magnitudes = gst_structure_get_value (s, "magnitude");
  g_autoptr (GstPad) pad = gst_element_get_static_pad (self->spectrum, "sink");
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstAudioInfo ainfo;
  guint n, best = 0;
  gfloat best_db = -G_MAXFLOAT;
  gdouble peak_hz = -1;

  if (magnitudes == NULL || !GST_VALUE_HOLDS_LIST (magnitudes) || caps == NULL ||
      !gst_audio_info_from_caps (&ainfo, caps))
    return;
  n = gst_value_list_get_size (magnitudes);
  if (n < 3)
    return;
  for (guint i = 0; i < n; i++) {
    gfloat db = g_value_get_float (gst_value_list_get_value (magnitudes, i));

    if (db > best_db) {
      best_db = db;
      best = i;
    }
  }

  if (best_db > HN_ENDPOINT_THRESHOLD_DB) {
    /* the spectrum's FFT has 2 × bands − 2 points, so band i is centred
     * on i × rate / (2 × bands − 2); a parabola through the peak and its
     * neighbours places a tone between two bands */
    gdouble offset = 0;

    if (best > 0 && best < n - 1) {
      gdouble a = g_value_get_float (gst_value_list_get_value (magnitudes, best - 1));
      gdouble c = g_value_get_float (gst_value_list_get_value (magnitudes, best + 1));
      gdouble denominator = a - 2 * best_db + c;

      if (denominator < 0)
        offset = CLAMP (0.5 * (a - c) / denominator, -0.5, 0.5);
    }
    peak_hz = (best + offset) * GST_AUDIO_INFO_RATE (&ainfo) / (2.0 * n - 2);
  }

  g_mutex_lock (&self->lock);
  self->peak_hz = peak_hz;
  self->level_db = best_db;
  self->last_spectrum_usec = g_get_monotonic_time ();
  g_mutex_unlock (&self->lock);
}

static gboolean
hn_endpoint_bus_cb (GstBus *bus, GstMessage *message, gpointer user_data)
{
  HnEndpointMedia *self = user_data;
  GstObject *src = GST_MESSAGE_SRC (message);

  switch (GST_MESSAGE_TYPE (message)) {
  case GST_MESSAGE_ERROR: {
    g_autoptr (GError) error = NULL;
    g_autofree gchar *debug = NULL;
    g_autoptr (HnEndpointMedia) keep = NULL;

    gst_message_parse_error (message, &error, &debug);
    /* an element of a sending branch that has since been removed */
    if (!gst_object_has_as_ancestor (src, GST_OBJECT (self->pipeline))) {
      GST_INFO_OBJECT (src, "error after removal, ignoring: %s", error->message);
      break;
    }
    GST_WARNING_OBJECT (src, "%s (%s)", error->message, debug != NULL ? debug : "");
    hn_error_convert (&error);
    g_prefix_error (&error, "%s: ", GST_OBJECT_NAME (src));
    /* the owner may drop its last reference from the handler */
    keep = g_object_ref (self);
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
    break;
  }
  case GST_MESSAGE_WARNING: {
    g_autoptr (GError) warning = NULL;

    gst_message_parse_warning (message, &warning, NULL);
    g_message ("%s: %s, ignoring", GST_OBJECT_NAME (src), warning->message);
    break;
  }
  case GST_MESSAGE_ELEMENT:
    if (src == GST_OBJECT (self->spectrum) &&
        gst_structure_has_name (gst_message_get_structure (message), "spectrum"))
      hn_endpoint_handle_spectrum (self, gst_message_get_structure (message));
    break;
  case GST_MESSAGE_LATENCY:
    /* a branch was added or removed */
    gst_bin_recalculate_latency (GST_BIN (self->pipeline));
    break;
  case GST_MESSAGE_STATE_CHANGED:
    if (src == GST_OBJECT (self->pipeline)) {
      GstState old_state, new_state;

      gst_message_parse_state_changed (message, &old_state, &new_state, NULL);
      GST_DEBUG_OBJECT (self->pipeline, "%s → %s", gst_element_state_get_name (old_state),
                        gst_element_state_get_name (new_state));
    }
    break;
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}

/* A udpsrc on one of our sockets, and a multiudpsink sending from it. */
static gboolean
hn_endpoint_add_port (HnEndpointMedia *self, guint port, GError **error)
{
  g_autofree gchar *src_name = g_strdup_printf ("%s-src", port_names[port]);
  g_autofree gchar *sink_name = g_strdup_printf ("%s-sink", port_names[port]);
  g_autoptr (GstCaps) caps = NULL;

  self->srcs[port] = hn_endpoint_add (self->pipeline, "udpsrc", src_name, error);
  if (self->srcs[port] == NULL)
    return FALSE;
  self->sinks[port] = hn_endpoint_add (self->pipeline, "multiudpsink", sink_name, error);
  if (self->sinks[port] == NULL)
    return FALSE;

  switch (port) {
  case PORT_VIDEO_RTP:
    caps = gst_caps_new_simple (self->srtp ? "application/x-srtp" : "application/x-rtp", "media",
                                G_TYPE_STRING, "video", "clock-rate", G_TYPE_INT, 90000,
                                "encoding-name", G_TYPE_STRING, "H264", "payload", G_TYPE_INT,
                                HN_ENDPOINT_VIDEO_PT, NULL);
    break;
  case PORT_AUDIO_RTP:
    caps = gst_caps_new_simple (self->srtp ? "application/x-srtp" : "application/x-rtp", "media",
                                G_TYPE_STRING, "audio", "clock-rate", G_TYPE_INT, 48000,
                                "encoding-name", G_TYPE_STRING, "OPUS", "payload", G_TYPE_INT,
                                HN_ENDPOINT_AUDIO_PT, NULL);
    break;
  default:
    caps = gst_caps_new_empty_simple ("application/x-rtcp");
    break;
  }
  g_object_set (self->srcs[port], "socket", self->sockets[port], "close-socket", FALSE, "caps",
                caps, NULL);
  g_object_set (self->sinks[port], "socket", self->sockets[port], "close-socket", FALSE, "sync",
                FALSE, "async", FALSE, NULL);
  return TRUE;
}

/* Links an RTP path, through a netsim when the lab settings ask for loss
 * or delay on it (@way: 0 send, 1 receive, 2 send but delay only). */
static gboolean
hn_endpoint_link_rtp (HnEndpointMedia *self,
                      GstElement *src,
                      const gchar *src_pad,
                      GstElement *sink,
                      const gchar *sink_pad,
                      guint way,
                      GError **error)
{
  GstElement *netsim;
  gdouble loss = way == 2 ? 0.0 : self->netsim_loss[way];

  way = way == 2 ? 0 : way;
  if (loss <= 0 && self->netsim_delay[way] == 0) {
    if (!gst_element_link_pads (src, src_pad, sink, sink_pad)) {
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link %s to %s",
                   GST_ELEMENT_NAME (src), GST_ELEMENT_NAME (sink));
      return FALSE;
    }
    return TRUE;
  }
  netsim = hn_endpoint_add (self->pipeline, "netsim", NULL, error);
  if (netsim == NULL)
    return FALSE;
  g_object_set (netsim, "drop-probability", (gfloat) (loss / 100.0), NULL);
  if (self->netsim_delay[way] > 0)
    g_object_set (netsim, "delay-probability", 1.0f, "min-delay", (gint) self->netsim_delay[way],
                  "max-delay", (gint) self->netsim_delay[way], NULL);
  if (!gst_element_link_pads (src, src_pad, netsim, "sink") ||
      !gst_element_link_pads (netsim, "src", sink, sink_pad)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link the netsim of %s",
                 GST_ELEMENT_NAME (src));
    return FALSE;
  }
  g_message ("lab setting: %s %s with %.1f%% loss and %u ms delay",
             way == 0 ? "sending" : "receiving", src_pad, loss, self->netsim_delay[way]);
  return TRUE;
}

/* srtpdec, once per SSRC of the program (streaming thread): the meeting's
 * key, or nothing (no meeting yet), which drops the packet */
static GstCaps *
hn_endpoint_request_key (HnEndpointMedia *self, guint session)
{
  GstCaps *caps = NULL;

  g_mutex_lock (&self->lock);
  if (self->program_key != NULL)
    caps = hn_media_srtp_caps (self->program_key, self->program_roc[session]);
  g_mutex_unlock (&self->lock);
  return caps;
}

static GstCaps *
hn_endpoint_request_video_key_cb (GstElement *srtpdec, guint ssrc, gpointer user_data)
{
  return hn_endpoint_request_key (user_data, 0);
}

static GstCaps *
hn_endpoint_request_audio_key_cb (GstElement *srtpdec, guint ssrc, gpointer user_data)
{
  return hn_endpoint_request_key (user_data, 1);
}

static gboolean
hn_endpoint_build_rtpbin (HnEndpointMedia *self, GError **error)
{
  GstElement *video_pay, *audio_pay;

  self->rtpbin = hn_endpoint_add (self->pipeline, "rtpbin", "rtpbin", error);
  if (self->rtpbin == NULL)
    return FALSE;
  /* AVPF: the hub's PLI/FIR for our video, and our depayloader's keyframe
   * requests for the program, go out at once rather than with the next
   * regular report */
  g_object_set (self->rtpbin, "latency", HN_ENDPOINT_LATENCY_MS, "autoremove", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (self->rtpbin), "rtp-profile", "avpf");
  g_signal_connect (self->rtpbin, "pad-added", G_CALLBACK (hn_endpoint_pad_added_cb), self);
  g_signal_connect (self->rtpbin, "pad-removed", G_CALLBACK (hn_endpoint_pad_removed_cb), self);

  /* the payloaders stay while sending branches come and go, so a room
   * that leaves and joins again continues its sequence numbers and
   * timestamps under the same SSRC */
  video_pay = self->payloaders[0] =
      hn_endpoint_add (self->pipeline, "rtph264pay", "video-payloader", error);
  if (video_pay == NULL)
    return FALSE;
  audio_pay = self->payloaders[1] =
      hn_endpoint_add (self->pipeline, "rtpopuspay", "audio-payloader", error);
  if (audio_pay == NULL)
    return FALSE;
  g_object_set (video_pay, "pt", HN_ENDPOINT_VIDEO_PT, "ssrc", self->video_ssrc, "config-interval",
                -1, NULL);
  if (self->srtp) {
    g_autoptr (GBytes) placeholder = NULL;

    self->srtpenc = hn_endpoint_add (self->pipeline, "srtpenc", "srtpenc", error);
    if (self->srtpenc == NULL)
      return FALSE;
    /* srtpenc wants a key to start; nothing is sent before a join brings
     * the real one, and this one is random and never told to anyone */
    placeholder = hn_media_random_key (error);
    if (placeholder == NULL)
      return FALSE;
    hn_media_srtpenc_set_key (self->srtpenc, placeholder);
  }
  g_object_set (audio_pay, "pt", HN_ENDPOINT_AUDIO_PT, "ssrc", self->audio_ssrc, NULL);

  for (guint s = 0; s < 2; s++) {
    guint rtp = s == 0 ? PORT_VIDEO_RTP : PORT_AUDIO_RTP;
    guint rtcp = s == 0 ? PORT_VIDEO_RTCP : PORT_AUDIO_RTCP;
    GstElement *pay = s == 0 ? video_pay : audio_pay;
    g_autofree gchar *recv_rtp = g_strdup_printf ("recv_rtp_sink_%u", s);
    g_autofree gchar *recv_rtcp = g_strdup_printf ("recv_rtcp_sink_%u", s);
    g_autofree gchar *send_rtp = g_strdup_printf ("send_rtp_sink_%u", s);
    g_autofree gchar *send_rtp_src = g_strdup_printf ("send_rtp_src_%u", s);
    g_autofree gchar *send_rtcp = g_strdup_printf ("send_rtcp_src_%u", s);
    g_autoptr (GstPad) pay_src = gst_element_get_static_pad (pay, "src");
    g_autoptr (GObject) session = NULL;

    self->send_rtp_sinks[s] = gst_element_request_pad_simple (self->rtpbin, send_rtp);
    if (!hn_endpoint_link_pads (pay_src, self->send_rtp_sinks[s], "a payloader to rtpbin", error))
      return FALSE;
    if (self->srtp) {
      g_autofree gchar *enc_sink = g_strdup_printf ("rtp_sink_%u", s);
      g_autofree gchar *enc_src = g_strdup_printf ("rtp_src_%u", s);

      self->srtpdecs[s] = hn_endpoint_add (self->pipeline, "srtpdec", NULL, error);
      if (self->srtpdecs[s] == NULL)
        return FALSE;
      g_signal_connect (
          self->srtpdecs[s], "request-key",
          G_CALLBACK (s == 0 ? hn_endpoint_request_video_key_cb : hn_endpoint_request_audio_key_cb),
          self);
      /* srtpenc makes rtp_src_N when rtp_sink_N is asked for */
      if (!gst_element_link_pads (self->srcs[rtp], "src", self->srtpdecs[s], "rtp_sink") ||
          !hn_endpoint_link_rtp (self, self->srtpdecs[s], "rtp_src", self->rtpbin, recv_rtp, 1,
                                 error) ||
          !gst_element_link_pads (self->rtpbin, send_rtp_src, self->srtpenc, enc_sink) ||
          !hn_endpoint_link_rtp (self, self->srtpenc, enc_src, self->sinks[rtp], "sink", 0,
                                 error)) {
        if (error != NULL && *error == NULL)
          g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link the %s session's SRTP",
                       s == 0 ? "video" : "audio");
        return FALSE;
      }
    } else if (!hn_endpoint_link_rtp (self, self->srcs[rtp], "src", self->rtpbin, recv_rtp, 1,
                                      error) ||
               !hn_endpoint_link_rtp (self, self->rtpbin, send_rtp_src, self->sinks[rtp], "sink", 0,
                                      error)) {
      return FALSE;
    }
    /* RTCP goes through the same lab delay as RTP (never the loss), so a
     * delay shows in the round-trip time the hub measures */
    if (!hn_endpoint_link_rtp (self, self->rtpbin, send_rtcp, self->sinks[rtcp], "sink", 2, error))
      return FALSE;
    if (!gst_element_link_pads (self->srcs[rtcp], "src", self->rtpbin, recv_rtcp)) {
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link the %s session's sockets",
                   s == 0 ? "video" : "audio");
      return FALSE;
    }

    /* receiver reports about the program carry the SSRC the room sends
     * with (announced in its hello), even before it sends, so the hub
     * knows whose reports they are */
    g_signal_emit_by_name (self->rtpbin, "get-internal-session", s, &session);
    if (session != NULL)
      g_object_set (session, "internal-ssrc", s == 0 ? self->video_ssrc : self->audio_ssrc, NULL);
  }
  return TRUE;
}

/* A tee after the decoder: one leaky branch to analyse, one to show. */
static gboolean
hn_endpoint_build_video_playout (HnEndpointMedia *self, GError **error)
{
  GstElement *dec, *tee, *queue, *scale, *convert, *filter, *analysis;
  g_autoptr (GstPad) dec_src = NULL;
  GstAppSinkCallbacks callbacks = { .new_sample = hn_endpoint_analyse_cb };

  if ((self->selectors[0] =
           hn_endpoint_add (self->pipeline, "input-selector", "video-select", error)) == NULL ||
      (self->video_depay =
           hn_endpoint_add (self->pipeline, "rtph264depay", "video-depay", error)) == NULL ||
      (dec = hn_endpoint_add (self->pipeline, "avdec_h264", "video-decoder", error)) == NULL ||
      (tee = hn_endpoint_add (self->pipeline, "tee", "video-tee", error)) == NULL ||
      (queue = hn_endpoint_add (self->pipeline, "queue", "video-analysis-queue", error)) == NULL ||
      (scale = hn_endpoint_add (self->pipeline, "videoscale", "video-analysis-scale", error)) ==
          NULL ||
      (convert = hn_endpoint_add (self->pipeline, "videoconvert", "video-analysis-convert",
                                  error)) == NULL ||
      (filter = hn_endpoint_add_capsfilter (
           self->pipeline, "video-analysis-caps",
           gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGB", "width", G_TYPE_INT,
                                HN_ENDPOINT_ANALYSIS_WIDTH, "height", G_TYPE_INT,
                                HN_ENDPOINT_ANALYSIS_HEIGHT, NULL),
           error)) == NULL ||
      (analysis = hn_endpoint_add (self->pipeline, "appsink", "video-analysis", error)) == NULL)
    return FALSE;

  /* inactive streams are dropped at once, not held back to the
   * selected one's pace */
  g_object_set (self->selectors[0], "sync-streams", FALSE, NULL);
  g_object_set (self->video_depay, "request-keyframe", TRUE, NULL);
  g_object_set (dec, "max-threads", 1, NULL);
  /* analysing must never hold the decoder back: keep the newest frame */
  g_object_set (queue, "max-size-buffers", 1, "max-size-bytes", 0, "max-size-time", (guint64) 0,
                NULL);
  gst_util_set_object_arg (G_OBJECT (queue), "leaky", "downstream");
  g_object_set (analysis, "sync", FALSE, "async", FALSE, "max-buffers", 1, "drop", TRUE,
                "enable-last-sample", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (analysis), &callbacks, self, NULL);

  /* scale before converting, so a large program is converted small */
  if (!hn_endpoint_link_many (error, self->selectors[0], self->video_depay, dec, tee, queue, scale,
                              convert, filter, analysis, NULL))
    return FALSE;

  dec_src = gst_element_get_static_pad (dec, "src");
  gst_pad_add_probe (dec_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                     hn_endpoint_decoded_cb, self, NULL);

  if (self->show) {
    GstElement *show_queue, *show_convert, *sink;

    if ((show_queue = hn_endpoint_add (self->pipeline, "queue", "video-show-queue", error)) ==
            NULL ||
        (show_convert = hn_endpoint_add (self->pipeline, "videoconvert", "video-show-convert",
                                         error)) == NULL ||
        (sink = hn_endpoint_add (self->pipeline, "autovideosink", "video-show", error)) == NULL)
      return FALSE;
    g_object_set (sink, "sync", FALSE, NULL);
    if (!hn_endpoint_link_many (error, tee, show_queue, show_convert, sink, NULL))
      return FALSE;
  }
  return TRUE;
}

static gboolean
hn_endpoint_build_audio_playout (HnEndpointMedia *self, GError **error)
{
  GstElement *dec, *tee, *queue, *convert, *sink;

  if ((self->selectors[1] =
           hn_endpoint_add (self->pipeline, "input-selector", "audio-select", error)) == NULL ||
      (self->audio_depay =
           hn_endpoint_add (self->pipeline, "rtpopusdepay", "audio-depay", error)) == NULL ||
      (dec = hn_endpoint_add (self->pipeline, "opusdec", "audio-decoder", error)) == NULL ||
      (tee = hn_endpoint_add (self->pipeline, "tee", "audio-tee", error)) == NULL ||
      (queue = hn_endpoint_add (self->pipeline, "queue", "audio-analysis-queue", error)) == NULL ||
      (convert = hn_endpoint_add (self->pipeline, "audioconvert", "audio-analysis-convert",
                                  error)) == NULL ||
      (self->spectrum = hn_endpoint_add (self->pipeline, "spectrum", "audio-spectrum", error)) ==
          NULL ||
      (sink = hn_endpoint_add (self->pipeline, "fakesink", "audio-analysis", error)) == NULL)
    return FALSE;

  g_object_set (self->selectors[1], "sync-streams", FALSE, NULL);
  g_object_set (self->spectrum, "bands", HN_ENDPOINT_BANDS, "interval", 100 * GST_MSECOND,
                "threshold", HN_ENDPOINT_THRESHOLD_DB, "post-messages", TRUE, "message-magnitude",
                TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (queue), "leaky", "downstream");
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  if (!hn_endpoint_link_many (error, self->selectors[1], self->audio_depay, dec, tee, queue,
                              convert, self->spectrum, sink, NULL))
    return FALSE;

  if (self->show) {
    GstElement *show_queue, *show_convert, *show_resample, *show_sink;

    if ((show_queue = hn_endpoint_add (self->pipeline, "queue", "audio-show-queue", error)) ==
            NULL ||
        (show_convert = hn_endpoint_add (self->pipeline, "audioconvert", "audio-show-convert",
                                         error)) == NULL ||
        (show_resample = hn_endpoint_add (self->pipeline, "audioresample", "audio-show-resample",
                                          error)) == NULL ||
        (show_sink = hn_endpoint_add (self->pipeline, "autoaudiosink", "audio-show", error)) ==
            NULL)
      return FALSE;
    g_object_set (show_sink, "sync", FALSE, NULL);
    if (!hn_endpoint_link_many (error, tee, show_queue, show_convert, show_resample, show_sink,
                                NULL))
      return FALSE;
  }
  return TRUE;
}

/* Turns the error a pipeline posted into ours. */
static void
hn_endpoint_propagate_bus_error (GstBus *bus, const gchar *what, GError **error)
{
  g_autoptr (GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  g_autoptr (GError) posted = NULL;

  if (message == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "cannot start %s", what);
    return;
  }
  gst_message_parse_error (message, &posted, NULL);
  hn_error_convert (&posted);
  g_prefix_error (&posted, "cannot start %s: %s: ", what, GST_OBJECT_NAME (message->src));
  g_propagate_error (error, g_steal_pointer (&posted));
}

/**
 * hn_endpoint_media_new:
 *
 * Binds the room's four ports and starts playing whatever program arrives
 * on them.
 *
 * Returns: (transfer full): the room's media, playing
 */
HnEndpointMedia *
hn_endpoint_media_new (const HnEndpointMediaConfig *config, GError **error)
{
  g_autoptr (HnEndpointMedia) self = NULL;
  g_autoptr (GInetAddress) bind_address = NULL;
  g_autoptr (GstBus) bus = NULL;
  const gchar *source;
  const gchar *sink;
  guint wanted[N_PORTS];

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  wanted[PORT_VIDEO_RTP] = config->video_rtp_port;
  wanted[PORT_VIDEO_RTCP] = config->video_rtcp_port;
  wanted[PORT_AUDIO_RTP] = config->audio_rtp_port;
  wanted[PORT_AUDIO_RTCP] = config->audio_rtcp_port;

  source = config->source != NULL ? config->source : "test";
  sink = config->sink != NULL ? config->sink : "auto";
  if (!g_str_equal (source, "test") && !g_str_equal (source, "camera")) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown media source '%s'; expected test or camera", source);
    return NULL;
  }
  if (!g_str_equal (sink, "auto") && !g_str_equal (sink, "none")) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown media sink '%s'; expected auto or none", sink);
    return NULL;
  }
  if (config->bind_address != NULL) {
    bind_address = g_inet_address_new_from_string (config->bind_address);
    if (bind_address == NULL) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "'%s' is not an IP address to bind to", config->bind_address);
      return NULL;
    }
  } else {
    bind_address = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  }

  self = g_object_new (HN_TYPE_ENDPOINT_MEDIA, NULL);
  self->source = g_strdup (source);
  self->netsim_loss[0] = CLAMP (config->netsim_send_loss, 0.0, 100.0);
  self->netsim_delay[0] = config->netsim_send_delay;
  self->netsim_loss[1] = CLAMP (config->netsim_receive_loss, 0.0, 100.0);
  self->netsim_delay[1] = config->netsim_receive_delay;
  self->test_color = config->test_color & 0xffffff;
  self->test_tone = config->test_tone != 0 ? config->test_tone : 440;
  self->show = g_str_equal (sink, "auto");
  self->srtp = config->srtp;
  self->video_ssrc = hn_endpoint_random_ssrc (0);
  self->audio_ssrc = hn_endpoint_random_ssrc (self->video_ssrc);

  for (guint i = 0; i < N_PORTS; i++) {
    if (wanted[i] > G_MAXUINT16) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "%s port %u is out of range",
                   port_names[i], wanted[i]);
      return NULL;
    }
    self->sockets[i] = hn_endpoint_bind (bind_address, wanted[i], &self->ports[i], error);
    if (self->sockets[i] == NULL) {
      hn_error_convert (error);
      g_prefix_error (error, "cannot bind the %s port %u: ", port_names[i], wanted[i]);
      return NULL;
    }
  }

  self->pipeline = gst_object_ref_sink (gst_pipeline_new ("room-media"));
  for (guint i = 0; i < N_PORTS; i++) {
    if (!hn_endpoint_add_port (self, i, error))
      return NULL;
  }
  if (!hn_endpoint_build_rtpbin (self, error) || !hn_endpoint_build_video_playout (self, error) ||
      !hn_endpoint_build_audio_playout (self, error))
    return NULL;

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    hn_endpoint_propagate_bus_error (bus, "the room's media", error);
    return NULL;
  }
  self->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_source, G_SOURCE_FUNC (hn_endpoint_bus_cb), self, NULL);
  g_source_attach (self->bus_source, g_main_context_get_thread_default ());

  GST_INFO_OBJECT (
      self->pipeline, "room media on ports %u/%u (video) %u/%u (audio), ssrc %08x/%08x",
      self->ports[PORT_VIDEO_RTP], self->ports[PORT_VIDEO_RTCP], self->ports[PORT_AUDIO_RTP],
      self->ports[PORT_AUDIO_RTCP], self->video_ssrc, self->audio_ssrc);
  return g_steal_pointer (&self);
}

/**
 * hn_endpoint_media_get_ports:
 *
 * The ports the room receives on (the program's RTP, the hub's RTCP) and
 * sends from.
 */
void
hn_endpoint_media_get_ports (
    HnEndpointMedia *self, guint *video_rtp, guint *video_rtcp, guint *audio_rtp, guint *audio_rtcp)
{
  g_return_if_fail (HN_IS_ENDPOINT_MEDIA (self));

  if (video_rtp != NULL)
    *video_rtp = self->ports[PORT_VIDEO_RTP];
  if (video_rtcp != NULL)
    *video_rtcp = self->ports[PORT_VIDEO_RTCP];
  if (audio_rtp != NULL)
    *audio_rtp = self->ports[PORT_AUDIO_RTP];
  if (audio_rtcp != NULL)
    *audio_rtcp = self->ports[PORT_AUDIO_RTCP];
}

guint32
hn_endpoint_media_get_video_ssrc (HnEndpointMedia *self)
{
  g_return_val_if_fail (HN_IS_ENDPOINT_MEDIA (self), 0);
  return self->video_ssrc;
}

guint32
hn_endpoint_media_get_audio_ssrc (HnEndpointMedia *self)
{
  g_return_val_if_fail (HN_IS_ENDPOINT_MEDIA (self), 0);
  return self->audio_ssrc;
}

/* The hub's address in the family of our sockets. Host names are looked
 * up synchronously: the control channel has just reached the same host,
 * so the answer is cached. */
static gchar *
hn_endpoint_resolve (HnEndpointMedia *self, const gchar *host, GError **error)
{
  GSocketFamily family = g_socket_get_family (self->sockets[0]);
  const gchar *family_name = family == G_SOCKET_FAMILY_IPV6 ? "IPv6" : "IPv4";
  g_autoptr (GInetAddress) literal = g_inet_address_new_from_string (host);
  g_autoptr (GResolver) resolver = NULL;
  g_autolist (GInetAddress) addresses = NULL;

  if (literal != NULL) {
    if (g_inet_address_get_family (literal) != family) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "hub address %s is not %s, as the room's sockets are", host, family_name);
      return NULL;
    }
    return g_inet_address_to_string (literal);
  }
  resolver = g_resolver_get_default ();
  addresses = g_resolver_lookup_by_name (resolver, host, NULL, error);
  if (addresses == NULL) {
    hn_error_convert (error);
    g_prefix_error (error, "cannot resolve the hub %s: ", host);
    return NULL;
  }
  for (GList *l = addresses; l != NULL; l = l->next) {
    if (g_inet_address_get_family (l->data) == family)
      return g_inet_address_to_string (l->data);
  }
  g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, "the hub %s has no %s address", host,
               family_name);
  return NULL;
}

/* Capture → scale/convert to the asked format → encode; the bin's "video"
 * and "audio" pads give H.264 and Opus. */
static GstElement *
hn_endpoint_build_sender (HnEndpointMedia *self, const HnEndpointFormat *format, GError **error)
{
  g_autoptr (GstElement) bin = gst_object_ref_sink (gst_bin_new ("sender"));
  gboolean test = g_str_equal (self->source, "test");
  GstElement *vsrc, *vconvert, *vscale, *vrate, *vcaps, *venc, *hcaps;
  GstElement *asrc, *aconvert, *aresample, *acaps, *volume, *aenc;
  g_autoptr (GstPad) video_src = NULL;
  g_autoptr (GstPad) audio_src = NULL;

  if ((vsrc = hn_endpoint_add (bin, test ? "videotestsrc" : "v4l2src", "video-capture", error)) ==
          NULL ||
      (vconvert = hn_endpoint_add (bin, "videoconvert", NULL, error)) == NULL ||
      (vscale = hn_endpoint_add (bin, "videoscale", NULL, error)) == NULL ||
      (vrate = hn_endpoint_add (bin, "videorate", NULL, error)) == NULL ||
      (vcaps = hn_endpoint_add_capsfilter (
           bin, "video-format",
           gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                                (gint) format->width, "height", G_TYPE_INT, (gint) format->height,
                                "framerate", GST_TYPE_FRACTION, (gint) format->framerate, 1,
                                "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL),
           error)) == NULL ||
      (venc = hn_endpoint_add (bin, "x264enc", "video-encoder", error)) == NULL ||
      (hcaps = hn_endpoint_add_capsfilter (bin, "video-profile",
                                           gst_caps_new_simple ("video/x-h264", "profile",
                                                                G_TYPE_STRING,
                                                                "constrained-baseline", NULL),
                                           error)) == NULL ||
      (asrc = hn_endpoint_add (bin, test ? "audiotestsrc" : "autoaudiosrc", "audio-capture",
                               error)) == NULL ||
      (aconvert = hn_endpoint_add (bin, "audioconvert", NULL, error)) == NULL ||
      (aresample = hn_endpoint_add (bin, "audioresample", NULL, error)) == NULL ||
      (acaps =
           hn_endpoint_add_capsfilter (bin, "audio-format",
                                       gst_caps_new_simple ("audio/x-raw", "rate", G_TYPE_INT,
                                                            48000, "channels", G_TYPE_INT, 1, NULL),
                                       error)) == NULL ||
      (volume = hn_endpoint_add (bin, "volume", "microphone", error)) == NULL ||
      (aenc = hn_endpoint_add (bin, "opusenc", "audio-encoder", error)) == NULL)
    return NULL;

  if (test) {
    gst_util_set_object_arg (G_OBJECT (vsrc), "pattern", "solid-color");
    g_object_set (vsrc, "is-live", TRUE, "foreground-color", 0xff000000 | self->test_color, NULL);
    g_object_set (asrc, "is-live", TRUE, "freq", (gdouble) self->test_tone, "volume", 0.5, NULL);
    gst_util_set_object_arg (G_OBJECT (asrc), "wave", "sine");
  }
  gst_util_set_object_arg (G_OBJECT (venc), "tune", "zerolatency");
  gst_util_set_object_arg (G_OBJECT (venc), "speed-preset", "ultrafast");
  /* no access unit delimiters: rtph264pay would send each as a packet of
   * its own, one a frame, which the hub receives and counts for nothing */
  g_object_set (venc, "key-int-max", 2 * format->framerate, "bitrate", format->video_bitrate,
                "threads", 1, "aud", FALSE, NULL);
  g_object_set (aenc, "bitrate", (gint) (format->audio_bitrate * 1000), NULL);
  g_object_set (volume, "mute", self->muted, NULL);

  if (!hn_endpoint_link_many (error, vsrc, vconvert, vscale, vrate, vcaps, venc, hcaps, NULL) ||
      !hn_endpoint_link_many (error, asrc, aconvert, aresample, acaps, volume, aenc, NULL))
    return NULL;

  video_src = gst_element_get_static_pad (hcaps, "src");
  audio_src = gst_element_get_static_pad (aenc, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("video", video_src));
  gst_element_add_pad (bin, gst_ghost_pad_new ("audio", audio_src));
  return g_steal_pointer (&bin);
}

static gboolean
hn_endpoint_check_format (const HnEndpointFormat *format, GError **error)
{
  if (format->width < 16 || format->width > 4096 || format->height < 16 || format->height > 4096 ||
      format->width % 2 != 0 || format->height % 2 != 0) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "cannot send %ux%u pictures; width and height must be even, from 16 to 4096",
                 format->width, format->height);
    return FALSE;
  }
  if (format->framerate < 1 || format->framerate > 60) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "cannot send %u frames per second; from 1 to 60", format->framerate);
    return FALSE;
  }
  if (format->video_bitrate < 16 || format->video_bitrate > 20000) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "cannot send video at %u kbit/s; from 16 to 20000", format->video_bitrate);
    return FALSE;
  }
  if (format->audio_bitrate < 6 || format->audio_bitrate > 510) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "cannot send audio at %u kbit/s; from 6 to 510", format->audio_bitrate);
    return FALSE;
  }
  return TRUE;
}

/**
 * hn_endpoint_media_start_sending:
 * @hub_host: the hub's address (or a name, looked up synchronously)
 * @hub_rtp_port: where the hub receives every room's video and audio
 * @program_video_rtcp_port: the hub's RTCP port of the meeting's video
 * @program_audio_rtcp_port: the hub's RTCP port of the meeting's audio
 * @format: what the hub asks the room to send
 *
 * Starts capturing, encoding and sending the room to the hub; RTCP of
 * both sessions (reports about the program, and about what the room
 * sends) goes to the program's RTCP ports. A branch already sending is
 * replaced, so a new format is applied by calling this again.
 */
gboolean
hn_endpoint_media_start_sending (HnEndpointMedia *self,
                                 const gchar *hub_host,
                                 guint hub_rtp_port,
                                 guint program_video_rtcp_port,
                                 guint program_audio_rtcp_port,
                                 const HnEndpointFormat *format,
                                 GError **error)
{
  g_autofree gchar *hub = NULL;
  g_autoptr (GstElement) sender = NULL;
  g_autoptr (GstBus) bus = NULL;
  const guint hub_ports[N_PORTS] = { hub_rtp_port, program_video_rtcp_port, hub_rtp_port,
                                     program_audio_rtcp_port };

  g_return_val_if_fail (HN_IS_ENDPOINT_MEDIA (self), FALSE);
  g_return_val_if_fail (hub_host != NULL, FALSE);
  g_return_val_if_fail (format != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < N_PORTS; i++) {
    if (hub_ports[i] == 0 || hub_ports[i] > G_MAXUINT16) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "hub port %u is out of range",
                   hub_ports[i]);
      return FALSE;
    }
  }
  if (!hn_endpoint_check_format (format, error))
    return FALSE;
  if (self->srtp && self->send_key == NULL) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                         "no SRTP key to send with (hn_endpoint_media_set_keys())");
    return FALSE;
  }
  hub = hn_endpoint_resolve (self, hub_host, error);
  if (hub == NULL)
    return FALSE;

  /* the old branch goes first: a camera opens only once */
  hn_endpoint_media_stop_sending (self);
  sender = hn_endpoint_build_sender (self, format, error);
  if (sender == NULL)
    return FALSE;

  /* open the capture devices on a bus of our own, so a missing camera is
   * this call's error rather than the running pipeline's */
  bus = gst_bus_new ();
  gst_element_set_bus (sender, bus);
  if (gst_element_set_state (sender, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
    hn_endpoint_propagate_bus_error (bus, "the room's capture", error);
    gst_element_set_state (sender, GST_STATE_NULL);
    return FALSE;
  }
  gst_element_set_bus (sender, NULL);

  for (guint i = 0; i < N_PORTS; i++)
    g_signal_emit_by_name (self->sinks[i], "add", hub, (gint) hub_ports[i]);

  gst_bin_add (GST_BIN (self->pipeline), sender);
  self->sender = g_steal_pointer (&sender);
  /* borrowed: the sender bin holds them */
  self->encoder = gst_bin_get_by_name (GST_BIN (self->sender), "video-encoder");
  gst_object_unref (self->encoder);
  self->volume = gst_bin_get_by_name (GST_BIN (self->sender), "microphone");
  gst_object_unref (self->volume);

  if (!gst_element_link_pads (self->sender, "video", self->payloaders[0], "sink") ||
      !gst_element_link_pads (self->sender, "audio", self->payloaders[1], "sink") ||
      !gst_element_sync_state_with_parent (self->sender)) {
    hn_endpoint_media_stop_sending (self);
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "cannot start sending to the hub %s", hub);
    return FALSE;
  }
  g_debug ("sending %ux%u at %u fps to %s:%u", format->width, format->height, format->framerate,
           hub, hub_rtp_port);
  return TRUE;
}

/**
 * hn_endpoint_media_set_keys:
 * @program_key: HN_MEDIA_SRTP_KEY_SIZE bytes: the meeting's program key
 * @video_roc: the rollover counter of the program's video now
 * @audio_roc: and of its audio
 * @send_key: HN_MEDIA_SRTP_KEY_SIZE bytes: this room's own key for what it
 *   sends
 *
 * For a room made with srtp: the keys of a meeting it joins, before
 * hn_endpoint_media_start_sending(). The program's streams are looked up
 * again under the new key.
 */
void
hn_endpoint_media_set_keys (HnEndpointMedia *self,
                            const guint8 *program_key,
                            guint32 video_roc,
                            guint32 audio_roc,
                            const guint8 *send_key)
{
  GBytes *old;

  g_return_if_fail (HN_IS_ENDPOINT_MEDIA (self));
  g_return_if_fail (self->srtp);
  g_return_if_fail (program_key != NULL && send_key != NULL);

  g_mutex_lock (&self->lock);
  old = self->program_key;
  self->program_key = g_bytes_new (program_key, HN_MEDIA_SRTP_KEY_SIZE);
  self->program_roc[0] = video_roc;
  self->program_roc[1] = audio_roc;
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&old, g_bytes_unref);
  for (guint s = 0; s < 2; s++)
    g_signal_emit_by_name (self->srtpdecs[s], "clear-keys");
  g_clear_pointer (&self->send_key, g_bytes_unref);
  self->send_key = g_bytes_new (send_key, HN_MEDIA_SRTP_KEY_SIZE);
  /* a new key, a new SRTP session from the next packet on */
  hn_media_srtpenc_set_key (self->srtpenc, self->send_key);
}

/**
 * hn_endpoint_media_stop_sending:
 *
 * Stops capturing and sending; the room goes on playing the program.
 */
void
hn_endpoint_media_stop_sending (HnEndpointMedia *self)
{
  g_return_if_fail (HN_IS_ENDPOINT_MEDIA (self));

  if (self->sender == NULL)
    return;
  self->encoder = NULL;
  self->volume = NULL;
  /* stopping first stops the capture threads, so nothing is pushed into
   * the payloaders while the branch is unlinked */
  gst_element_set_state (self->sender, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self->pipeline), self->sender);
  g_clear_object (&self->sender);
  for (guint i = 0; i < N_PORTS; i++)
    g_signal_emit_by_name (self->sinks[i], "clear");
  g_debug ("stopped sending");
}

gboolean
hn_endpoint_media_is_sending (HnEndpointMedia *self)
{
  g_return_val_if_fail (HN_IS_ENDPOINT_MEDIA (self), FALSE);
  return self->sender != NULL;
}

/**
 * hn_endpoint_media_force_keyframe:
 *
 * Makes the encoder send a keyframe now, as the hub asks when the room
 * takes the floor; does nothing when the room is not sending. (An RTCP
 * PLI or FIR from the hub has the same effect through rtpbin.)
 */
void
hn_endpoint_media_force_keyframe (HnEndpointMedia *self)
{
  g_autoptr (GstPad) pad = NULL;

  g_return_if_fail (HN_IS_ENDPOINT_MEDIA (self));

  if (self->encoder == NULL)
    return;
  pad = gst_element_get_static_pad (self->encoder, "src");
  gst_pad_send_event (pad,
                      gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
}

/**
 * hn_endpoint_media_set_muted:
 *
 * Silences the room's microphone; it goes on sending (silence), so the
 * hub's view of the link does not change. Kept across start_sending().
 */
void
hn_endpoint_media_set_muted (HnEndpointMedia *self, gboolean muted)
{
  g_return_if_fail (HN_IS_ENDPOINT_MEDIA (self));

  self->muted = !!muted;
  if (self->volume != NULL)
    g_object_set (self->volume, "mute", self->muted, NULL);
}

gboolean
hn_endpoint_media_get_muted (HnEndpointMedia *self)
{
  g_return_val_if_fail (HN_IS_ENDPOINT_MEDIA (self), FALSE);
  return self->muted;
}

/**
 * hn_endpoint_media_get_playout:
 *
 * What the room plays: {"frames-decoded", "width", "height",
 * "last-frame-age-ms", "grid": 16 × [r, g, b] (4×4 cells, row by row),
 * "audio": {"peak-hz", "level-db", "age-ms"}}; values not known yet are
 * null, and "peak-hz" is null in silence.
 */
JsonNode *
hn_endpoint_media_get_playout (HnEndpointMedia *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GMutexLocker) locker = NULL;
  gint64 now = g_get_monotonic_time ();

  g_return_val_if_fail (HN_IS_ENDPOINT_MEDIA (self), NULL);

  locker = g_mutex_locker_new (&self->lock);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "frames-decoded");
  json_builder_add_int_value (b, self->frames_decoded);
  json_builder_set_member_name (b, "width");
  if (self->width > 0)
    json_builder_add_int_value (b, self->width);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "height");
  if (self->height > 0)
    json_builder_add_int_value (b, self->height);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "last-frame-age-ms");
  if (self->last_frame_usec > 0)
    json_builder_add_int_value (b, (now - self->last_frame_usec) / 1000);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "grid");
  if (self->have_grid) {
    json_builder_begin_array (b);
    for (guint i = 0; i < HN_ENDPOINT_CELLS; i++) {
      json_builder_begin_array (b);
      for (guint c = 0; c < 3; c++)
        json_builder_add_int_value (b, self->grid[i][c]);
      json_builder_end_array (b);
    }
    json_builder_end_array (b);
  } else {
    json_builder_add_null_value (b);
  }

  json_builder_set_member_name (b, "audio");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "peak-hz");
  if (self->last_spectrum_usec > 0 && self->peak_hz >= 0)
    json_builder_add_double_value (b, self->peak_hz);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "level-db");
  if (self->last_spectrum_usec > 0)
    json_builder_add_double_value (b, self->level_db);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "age-ms");
  if (self->last_spectrum_usec > 0)
    json_builder_add_int_value (b, (now - self->last_spectrum_usec) / 1000);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* HnProgram: one meeting's program, the picture and sound every room of
 * the meeting receives. The chair and up to four rooms are composed by
 * compositor and audiomixer, encoded once (x264enc, opusenc), packetised
 * once, and sent to every room by one multiudpsink per stream, which uses
 * sendmmsg: adding a room adds a destination, never an element, encoder or
 * thread.
 *
 * The inputs are intervideosrc/interaudiosrc "slots" whose channels the
 * chair feed (HnFeed) and the decoded return legs (HnReturnReceiver) write
 * to. The program's own pipeline therefore never changes while the
 * meeting runs: a room taking the floor, a leg that dies, or a central
 * feed that drops only changes what a slot shows (the last picture, then
 * black after a second), and the encoder keeps its steady rhythm.
 *
 * Each stream has an rtpsession: it sends RTCP sender reports to the rooms
 * and receives their receiver reports on a socket of its own (its port is
 * told to the rooms when they join), which give the hub→room loss, jitter
 * and round-trip time.
 *
 * With a key (the hub's default), what goes to the rooms is SRTP: one
 * srtpenc per stream between the session and the fan-out, so encryption
 * too is done once for all rooms. The key and the SSRCs are the meeting's
 * own, fresh each time a meeting starts, so no keystream is ever used
 * twice. A tee before the srtpenc feeds a second multiudpsink for the
 * monitor output, which stays plain RTP: it goes only where the operator
 * sends it, for a standard player that knows no key. RTCP stays plain
 * (reports, not pictures or sound). */

#define G_LOG_DOMAIN "hoinghi-program"

#include "hn-program.h"

#include <gio/gio.h>
#include <gst/sdp/sdp.h>

#include "hn-error.h"
#include "hn-media.h"

GST_DEBUG_CATEGORY_STATIC (hn_program_debug);
#define GST_CAT_DEFAULT hn_program_debug

typedef struct {
  gchar *host;
  gboolean monitor; /* on the plain monitor sinks */
  guint video_rtp_port;
  guint video_rtcp_port;
  guint audio_rtp_port;
  guint audio_rtcp_port;
} HnProgramDestination;

/* one stream (video or audio): encoder output to the network */
typedef struct {
  GstElement *payloader;
  GstElement *session;
  GstElement *srtpenc;      /* NULL: plain RTP to the rooms */
  GstElement *rtp_sink;     /* multiudpsink, RTP (or SRTP) to every room */
  GstElement *monitor_sink; /* multiudpsink, plain RTP to the monitor */
  GstElement *rtcp_sink;    /* multiudpsink, RTCP from the RTCP socket */
  GstElement *rtcp_src;     /* udpsrc, receiver reports from the rooms */
  guint rtcp_port;
  guint32 ssrc;
} HnProgramStream;

struct _HnProgram {
  GObject parent_instance;

  HnProgramConfig config;
  gchar *name;
  gchar *chair_video_channel;
  gchar *chair_audio_channel;
  gchar *slot_video_channel[HN_PROGRAM_SLOTS];
  gchar *slot_audio_channel[HN_PROGRAM_SLOTS];

  GstElement *pipeline;
  GstPad *video_pads[HN_PROGRAM_SLOTS + 1]; /* compositor sink pads; [0] is the chair */
  GstPad *audio_pads[HN_PROGRAM_SLOTS + 1]; /* audiomixer sink pads */
  HnProgramStream video;
  HnProgramStream audio;
  GHashTable *destinations; /* name -> HnProgramDestination */
  guint bus_watch_id;
  gint frames_encoded; /* atomic */
};

G_DEFINE_FINAL_TYPE (HnProgram, hn_program, G_TYPE_OBJECT)

enum { SIGNAL_ERROR, N_SIGNALS };

static guint signals[N_SIGNALS];

static void
hn_program_destination_free (HnProgramDestination *d)
{
  g_free (d->host);
  g_free (d);
}

static void
hn_program_dispose (GObject *object)
{
  HnProgram *self = HN_PROGRAM (object);

  g_clear_handle_id (&self->bus_watch_id, g_source_remove);
  if (self->pipeline != NULL)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
  for (guint i = 0; i <= HN_PROGRAM_SLOTS; i++) {
    g_clear_object (&self->video_pads[i]);
    g_clear_object (&self->audio_pads[i]);
  }
  g_clear_object (&self->pipeline);
  g_clear_pointer (&self->destinations, g_hash_table_unref);

  G_OBJECT_CLASS (hn_program_parent_class)->dispose (object);
}

static void
hn_program_finalize (GObject *object)
{
  HnProgram *self = HN_PROGRAM (object);

  g_free (self->name);
  g_free (self->chair_video_channel);
  g_free (self->chair_audio_channel);
  for (guint i = 0; i < HN_PROGRAM_SLOTS; i++) {
    g_free (self->slot_video_channel[i]);
    g_free (self->slot_audio_channel[i]);
  }
  g_free ((gchar *) self->config.bind_address);
  g_clear_pointer (&self->config.srtp_key, g_bytes_unref);

  G_OBJECT_CLASS (hn_program_parent_class)->finalize (object);
}

static void
hn_program_class_init (HnProgramClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hn_program_dispose;
  object_class->finalize = hn_program_finalize;

  /**
   * HnProgram::error:
   * @error: what failed
   *
   * The program's pipeline failed; the owner decides what to do (the
   * meeting's rooms lose the program until it is rebuilt).
   */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  GST_DEBUG_CATEGORY_INIT (hn_program_debug, "hn-program", 0, "hoinghi meeting program");
}

static void
hn_program_init (HnProgram *self)
{
  self->destinations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) hn_program_destination_free);
}

static GstElement *
hn_program_make (HnProgram *self, const gchar *factory, const gchar *name, GError **error)
{
  GstElement *e = gst_element_factory_make (factory, name);

  if (e == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_SUPPORTED, "GStreamer element %s is not installed",
                 factory);
    return NULL;
  }
  gst_bin_add (GST_BIN (self->pipeline), e);
  return e;
}

static guint32
hn_program_random_ssrc (void)
{
  guint32 ssrc;

  /* a fresh SSRC every time a meeting starts; never 0 */
  do
    ssrc = g_random_int ();
  while (ssrc == 0);
  return ssrc;
}

static GstPadProbeReturn
hn_program_count_frames_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  HnProgram *self = user_data;

  g_atomic_int_inc (&self->frames_encoded);
  return GST_PAD_PROBE_OK;
}

static gboolean
hn_program_link (GstPad *src, GstPad *sink, const gchar *what, GError **error)
{
  if (src == NULL || sink == NULL || gst_pad_link (src, sink) != GST_PAD_LINK_OK) {
    g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link %s", what);
    return FALSE;
  }
  return TRUE;
}

/* Adds the chair's and the slots' live inter sources to a mixer and keeps
 * the mixer's pads, whose properties make the layout. */
static gboolean
hn_program_add_inputs (
    HnProgram *self, gboolean video, GstElement *mixer, GstPad **pads, GError **error)
{
  for (guint i = 0; i <= HN_PROGRAM_SLOTS; i++) {
    const gchar *channel =
        i == 0 ? (video ? self->chair_video_channel : self->chair_audio_channel)
               : (video ? self->slot_video_channel[i - 1] : self->slot_audio_channel[i - 1]);
    GstElement *src =
        hn_program_make (self, video ? "intervideosrc" : "interaudiosrc", NULL, error);
    GstElement *filter;
    g_autoptr (GstCaps) caps = NULL;
    g_autoptr (GstPad) srcpad = NULL;

    if (src == NULL)
      return FALSE;
    filter = hn_program_make (self, "capsfilter", NULL, error);
    if (filter == NULL)
      return FALSE;
    g_object_set (src, "channel", channel, NULL);
    if (video)
      caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420", "framerate",
                                  GST_TYPE_FRACTION, self->config.framerate, 1, NULL);
    else
      caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "rate",
                                  G_TYPE_INT, 48000, "channels", G_TYPE_INT, 2, NULL);
    g_object_set (filter, "caps", caps, NULL);
    if (!gst_element_link (src, filter)) {
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link a %s input",
                   video ? "video" : "audio");
      return FALSE;
    }
    pads[i] = gst_element_request_pad_simple (mixer, "sink_%u");
    srcpad = gst_element_get_static_pad (filter, "src");
    if (!hn_program_link (srcpad, pads[i], video ? "a video input" : "an audio input", error))
      return FALSE;
  }
  return TRUE;
}

/* payloader → rtpsession → tee → [srtpenc] → multiudpsink, the tee's
 * other branch to the monitor's multiudpsink, with the RTCP socket */
static gboolean
hn_program_add_stream (HnProgram *self,
                       HnProgramStream *st,
                       GstElement *encoder_tail,
                       const gchar *payloader,
                       guint pt,
                       GError **error)
{
  g_autoptr (GstPad) send_rtp_sink = NULL;
  g_autoptr (GstPad) send_rtp_src = NULL;
  g_autoptr (GstPad) send_rtcp_src = NULL;
  g_autoptr (GstPad) recv_rtcp_sink = NULL;
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  GstElement *tee;
  GstElement *to_rooms;

  st->payloader = hn_program_make (self, payloader, NULL, error);
  st->session = hn_program_make (self, "rtpsession", NULL, error);
  tee = hn_program_make (self, "tee", NULL, error);
  st->rtp_sink = hn_program_make (self, "multiudpsink", NULL, error);
  st->monitor_sink = hn_program_make (self, "multiudpsink", NULL, error);
  if (self->config.srtp_key != NULL) {
    st->srtpenc = hn_program_make (self, "srtpenc", NULL, error);
    if (st->srtpenc == NULL)
      return FALSE;
    hn_media_srtpenc_set_key (st->srtpenc, self->config.srtp_key);
  }
  if (tee == NULL || st->monitor_sink == NULL)
    return FALSE;
  st->rtcp_sink = hn_program_make (self, "multiudpsink", NULL, error);
  st->rtcp_src = hn_program_make (self, "udpsrc", NULL, error);
  if (st->payloader == NULL || st->session == NULL || st->rtp_sink == NULL ||
      st->rtcp_sink == NULL || st->rtcp_src == NULL)
    return FALSE;

  st->ssrc = hn_program_random_ssrc ();
  g_object_set (st->payloader, "pt", pt, "ssrc", st->ssrc, NULL);
  if (g_str_equal (payloader, "rtph264pay"))
    g_object_set (st->payloader, "config-interval", -1, NULL);
  /* AVPF: the rooms' PLI/FIR reach the encoder at once */
  g_object_set (st->session, "rtp-profile", 3 /* GST_RTP_PROFILE_AVPF */, NULL);
  g_object_set (st->rtp_sink, "sync", FALSE, "async", FALSE, "send-duplicates", FALSE, NULL);
  g_object_set (st->monitor_sink, "sync", FALSE, "async", FALSE, "send-duplicates", FALSE, NULL);
  /* the rooms' branch never waits for a monitor that nobody set */
  g_object_set (tee, "allow-not-linked", TRUE, NULL);
  g_object_set (st->rtcp_sink, "sync", FALSE, "async", FALSE, "send-duplicates", FALSE, NULL);
  g_object_set (st->rtcp_src, "address", self->config.bind_address, "port", 0, NULL);

  /* bind the RTCP socket now, to know its port and to send from it */
  if (gst_element_set_state (st->rtcp_src, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, "cannot bind an RTCP socket on %s",
                 self->config.bind_address);
    return FALSE;
  }
  g_object_get (st->rtcp_src, "used-socket", &socket, NULL);
  local = g_socket_get_local_address (socket, error);
  if (local == NULL) {
    hn_error_convert (error);
    return FALSE;
  }
  st->rtcp_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_object_set (st->rtcp_sink, "socket", socket, "close-socket", FALSE, NULL);

  if (!gst_element_link (encoder_tail, st->payloader)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link %s", payloader);
    return FALSE;
  }
  send_rtp_sink = gst_element_request_pad_simple (st->session, "send_rtp_sink");
  pad = gst_element_get_static_pad (st->payloader, "src");
  if (!hn_program_link (pad, send_rtp_sink, "the payloader to its session", error))
    return FALSE;
  g_clear_object (&pad);
  send_rtp_src = gst_element_get_static_pad (st->session, "send_rtp_src");
  pad = gst_element_get_static_pad (tee, "sink");
  if (!hn_program_link (send_rtp_src, pad, "the session to its tee", error))
    return FALSE;
  g_clear_object (&pad);
  /* srtpenc makes its rtp_src_0 when its rtp_sink_0 is asked for */
  to_rooms = st->srtpenc != NULL ? st->srtpenc : st->rtp_sink;
  if (!gst_element_link_pads (tee, "src_%u", to_rooms,
                              st->srtpenc != NULL ? "rtp_sink_0" : "sink") ||
      (st->srtpenc != NULL &&
       !gst_element_link_pads (st->srtpenc, "rtp_src_0", st->rtp_sink, "sink")) ||
      !gst_element_link_pads (tee, "src_%u", st->monitor_sink, "sink")) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link the fan-out");
    return FALSE;
  }
  send_rtcp_src = gst_element_request_pad_simple (st->session, "send_rtcp_src");
  pad = gst_element_get_static_pad (st->rtcp_sink, "sink");
  if (!hn_program_link (send_rtcp_src, pad, "the session's RTCP output", error))
    return FALSE;
  g_clear_object (&pad);
  recv_rtcp_sink = gst_element_request_pad_simple (st->session, "recv_rtcp_sink");
  pad = gst_element_get_static_pad (st->rtcp_src, "src");
  return hn_program_link (pad, recv_rtcp_sink, "the RTCP socket to its session", error);
}

static gboolean
hn_program_bus_cb (GstBus *bus, GstMessage *message, gpointer user_data)
{
  HnProgram *self = user_data;

  switch (GST_MESSAGE_TYPE (message)) {
  case GST_MESSAGE_ERROR: {
    g_autoptr (GError) error = NULL;
    g_autofree gchar *debug = NULL;

    gst_message_parse_error (message, &error, &debug);
    GST_ERROR_OBJECT (self->pipeline, "%s (%s)", error->message, debug);
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
    break;
  }
  case GST_MESSAGE_WARNING: {
    g_autoptr (GError) error = NULL;

    gst_message_parse_warning (message, &error, NULL);
    GST_WARNING_OBJECT (GST_MESSAGE_SRC (message), "%s", error->message);
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

/**
 * hn_program_new:
 *
 * Builds and starts the program of a meeting: it runs from now on,
 * showing black and silence until the chair feed and the rooms' legs
 * write to its channels, and sends to nobody until destinations are
 * added.
 */
HnProgram *
hn_program_new (const HnProgramConfig *config, GError **error)
{
  g_autoptr (HnProgram) self = NULL;
  g_autoptr (GstCaps) vcaps = NULL;
  g_autoptr (GstCaps) acaps = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstPad) encoded = NULL;
  GstElement *compositor, *vfilter, *vqueue, *x264, *h264caps;
  GstElement *mixer, *afilter, *aqueue, *opus;

  g_return_val_if_fail (config != NULL && config->name != NULL, NULL);
  g_return_val_if_fail (config->width > 0 && config->height > 0 && config->framerate > 0, NULL);

  self = g_object_new (HN_TYPE_PROGRAM, NULL);
  self->config = *config;
  self->config.bind_address =
      g_strdup (config->bind_address != NULL ? config->bind_address : "0.0.0.0");
  self->config.name = self->name = g_strdup (config->name);
  self->config.srtp_key = config->srtp_key != NULL ? g_bytes_ref (config->srtp_key) : NULL;
  self->chair_video_channel = g_strdup_printf ("hn/%s/chair/v", config->name);
  self->chair_audio_channel = g_strdup_printf ("hn/%s/chair/a", config->name);
  for (guint i = 0; i < HN_PROGRAM_SLOTS; i++) {
    self->slot_video_channel[i] = g_strdup_printf ("hn/%s/slot%u/v", config->name, i);
    self->slot_audio_channel[i] = g_strdup_printf ("hn/%s/slot%u/a", config->name, i);
  }

  self->pipeline = gst_pipeline_new (config->name);
  gst_object_ref_sink (self->pipeline);

  /* video: inputs → compositor → I420 → encode once */
  compositor = hn_program_make (self, "compositor", NULL, error);
  vfilter = hn_program_make (self, "capsfilter", NULL, error);
  vqueue = hn_program_make (self, "queue", NULL, error);
  x264 = hn_program_make (self, "x264enc", NULL, error);
  h264caps = hn_program_make (self, "capsfilter", NULL, error);
  if (compositor == NULL || vfilter == NULL || vqueue == NULL || x264 == NULL || h264caps == NULL)
    return NULL;
  /* every input is a live inter source that always produces (black or
   * silence when nothing writes to it), so no input can stall the mix;
   * "ignore-inactive-pads" is not wanted: in 1.22 it takes inputs that have
   * produced nothing yet for ended ones and ends the program */
  g_object_set (compositor, "background", 1 /* black */, NULL);
  gst_util_set_object_arg (G_OBJECT (compositor), "start-time-selection", "first");
  vcaps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                               config->width, "height", G_TYPE_INT, config->height, "framerate",
                               GST_TYPE_FRACTION, config->framerate, 1, "pixel-aspect-ratio",
                               GST_TYPE_FRACTION, 1, 1, NULL);
  g_object_set (vfilter, "caps", vcaps, NULL);
  /* never queue up late frames in front of the encoder */
  g_object_set (vqueue, "max-size-buffers", 2, "max-size-time", (guint64) 0, "max-size-bytes", 0,
                "leaky", 2 /* downstream */, NULL);
  gst_util_set_object_arg (G_OBJECT (x264), "tune", "zerolatency");
  gst_util_set_object_arg (G_OBJECT (x264), "speed-preset", "ultrafast");
  /* no access unit delimiters: RTP marks the end of a frame itself, and
   * rtph264pay would send each AUD as a packet of its own, one per frame
   * to every room (12% of the program's packets at 147 rooms) */
  g_object_set (x264, "bitrate", config->video_bitrate, "key-int-max", config->framerate * 2, "aud",
                FALSE, NULL);
  {
    g_autoptr (GstCaps) h264 = gst_caps_from_string ("video/x-h264,profile=constrained-baseline");

    g_object_set (h264caps, "caps", h264, NULL);
  }
  if (!hn_program_add_inputs (self, TRUE, compositor, self->video_pads, error))
    return NULL;
  if (!gst_element_link_many (compositor, vfilter, vqueue, x264, h264caps, NULL)) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link the video encoder");
    return NULL;
  }
  encoded = gst_element_get_static_pad (x264, "src");
  gst_pad_add_probe (encoded, GST_PAD_PROBE_TYPE_BUFFER, hn_program_count_frames_cb, self, NULL);
  if (!hn_program_add_stream (self, &self->video, h264caps, "rtph264pay", 96, error))
    return NULL;

  /* audio: inputs → audiomixer → encode once */
  mixer = hn_program_make (self, "audiomixer", NULL, error);
  afilter = hn_program_make (self, "capsfilter", NULL, error);
  aqueue = hn_program_make (self, "queue", NULL, error);
  opus = hn_program_make (self, "opusenc", NULL, error);
  if (mixer == NULL || afilter == NULL || aqueue == NULL || opus == NULL)
    return NULL;
  gst_util_set_object_arg (G_OBJECT (mixer), "start-time-selection", "first");
  acaps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "rate", G_TYPE_INT,
                               48000, "channels", G_TYPE_INT, 2, NULL);
  g_object_set (afilter, "caps", acaps, NULL);
  g_object_set (aqueue, "max-size-time", (guint64) 200 * GST_MSECOND, "max-size-buffers", 0,
                "max-size-bytes", 0, "leaky", 2, NULL);
  g_object_set (opus, "bitrate", config->audio_bitrate * 1000, NULL);
  if (!hn_program_add_inputs (self, FALSE, mixer, self->audio_pads, error))
    return NULL;
  if (!gst_element_link_many (mixer, afilter, aqueue, opus, NULL)) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link the audio encoder");
    return NULL;
  }
  if (!hn_program_add_stream (self, &self->audio, opus, "rtpopuspay", 111, error))
    return NULL;

  hn_program_hide_all (self);

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_watch_id = gst_bus_add_watch (bus, hn_program_bus_cb, self);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "the program of %s does not start",
                 config->name);
    return NULL;
  }
  return g_steal_pointer (&self);
}

const gchar *
hn_program_get_chair_video_channel (HnProgram *self)
{
  g_return_val_if_fail (HN_IS_PROGRAM (self), NULL);
  return self->chair_video_channel;
}

const gchar *
hn_program_get_chair_audio_channel (HnProgram *self)
{
  g_return_val_if_fail (HN_IS_PROGRAM (self), NULL);
  return self->chair_audio_channel;
}

const gchar *
hn_program_get_slot_video_channel (HnProgram *self, guint slot)
{
  g_return_val_if_fail (HN_IS_PROGRAM (self), NULL);
  g_return_val_if_fail (slot < HN_PROGRAM_SLOTS, NULL);
  return self->slot_video_channel[slot];
}

const gchar *
hn_program_get_slot_audio_channel (HnProgram *self, guint slot)
{
  g_return_val_if_fail (HN_IS_PROGRAM (self), NULL);
  g_return_val_if_fail (slot < HN_PROGRAM_SLOTS, NULL);
  return self->slot_audio_channel[slot];
}

/**
 * hn_program_get_rtcp_ports:
 *
 * The ports where the rooms send their receiver reports about the
 * program's video and audio.
 */
void
hn_program_get_rtcp_ports (HnProgram *self, guint *video, guint *audio)
{
  g_return_if_fail (HN_IS_PROGRAM (self));

  if (video != NULL)
    *video = self->video.rtcp_port;
  if (audio != NULL)
    *audio = self->audio.rtcp_port;
}

guint32
hn_program_get_video_ssrc (HnProgram *self)
{
  g_return_val_if_fail (HN_IS_PROGRAM (self), 0);
  return self->video.ssrc;
}

guint32
hn_program_get_audio_ssrc (HnProgram *self)
{
  g_return_val_if_fail (HN_IS_PROGRAM (self), 0);
  return self->audio.ssrc;
}

/* The rollover counter srtpenc keeps for @st's SSRC (0 before the first
 * packet) */
static guint32
hn_program_stream_get_roc (HnProgramStream *st)
{
  g_autoptr (GstStructure) stats = NULL;
  const GValue *streams;
  guint roc = 0;

  if (st->srtpenc == NULL)
    return 0;
  g_object_get (st->srtpenc, "stats", &stats, NULL);
  streams = stats != NULL ? gst_structure_get_value (stats, "streams") : NULL;
  if (streams == NULL || !GST_VALUE_HOLDS_ARRAY (streams))
    return 0;
  for (guint i = 0; i < gst_value_array_get_size (streams); i++) {
    const GValue *v = gst_value_array_get_value (streams, i);
    const GstStructure *one = GST_VALUE_HOLDS_STRUCTURE (v) ? gst_value_get_structure (v) : NULL;
    guint ssrc = 0;

    if (one != NULL && gst_structure_get_uint (one, "ssrc", &ssrc) && ssrc == st->ssrc)
      gst_structure_get_uint (one, "roc", &roc);
  }
  return roc;
}

/**
 * hn_program_get_srtp_key:
 * @key: (out caller-allocates): HN_MEDIA_SRTP_KEY_SIZE bytes
 *
 * Copies the program's SRTP key, for a room that joins; a plain program
 * has none (all zero).
 */
void
hn_program_get_srtp_key (HnProgram *self, guint8 *key)
{
  g_return_if_fail (HN_IS_PROGRAM (self));

  memset (key, 0, HN_MEDIA_SRTP_KEY_SIZE);
  if (self->config.srtp_key != NULL)
    memcpy (key, g_bytes_get_data (self->config.srtp_key, NULL), HN_MEDIA_SRTP_KEY_SIZE);
}

/**
 * hn_program_get_srtp_rocs:
 * @video: (out): the rollover counter of the video stream
 * @audio: (out): and of the audio stream
 *
 * What a room that joins now needs besides the key to decrypt the
 * program from its first packet on (both 0 for a plain program).
 */
void
hn_program_get_srtp_rocs (HnProgram *self, guint32 *video, guint32 *audio)
{
  g_return_if_fail (HN_IS_PROGRAM (self));

  *video = hn_program_stream_get_roc (&self->video);
  *audio = hn_program_stream_get_roc (&self->audio);
}

/**
 * hn_program_hide_all:
 *
 * Hides every input and silences every slot; the layout is then set again
 * with hn_program_set_cell() and hn_program_set_slot_audible().
 */
void
hn_program_hide_all (HnProgram *self)
{
  g_return_if_fail (HN_IS_PROGRAM (self));

  for (guint i = 0; i <= HN_PROGRAM_SLOTS; i++) {
    g_object_set (self->video_pads[i], "alpha", 0.0, NULL);
    /* the chair is always heard */
    g_object_set (self->audio_pads[i], "mute", i != 0, NULL);
  }
}

/**
 * hn_program_set_cell:
 * @slot: a slot, or %HN_PROGRAM_CHAIR
 *
 * Shows @slot (or the chair) in the given rectangle of the picture.
 */
void
hn_program_set_cell (
    HnProgram *self, gint slot, gint x, gint y, gint width, gint height, guint zorder)
{
  GstPad *pad;

  g_return_if_fail (HN_IS_PROGRAM (self));
  g_return_if_fail (slot >= HN_PROGRAM_CHAIR && slot < HN_PROGRAM_SLOTS);

  pad = self->video_pads[slot + 1];
  GST_DEBUG_OBJECT (pad, "slot %d at %d,%d %dx%d, zorder %u", slot, x, y, width, height, zorder);
  g_object_set (pad, "xpos", x, "ypos", y, "width", width, "height", height, "zorder", zorder,
                "alpha", 1.0, NULL);
}

void
hn_program_set_slot_audible (HnProgram *self, guint slot, gboolean audible)
{
  g_return_if_fail (HN_IS_PROGRAM (self));
  g_return_if_fail (slot < HN_PROGRAM_SLOTS);

  g_object_set (self->audio_pads[slot + 1], "mute", !audible, NULL);
}

static void
hn_program_sink_add (GstElement *sink, const gchar *host, guint port)
{
  g_signal_emit_by_name (sink, "add", host, (gint) port);
}

static void
hn_program_sink_remove (GstElement *sink, const gchar *host, guint port)
{
  g_signal_emit_by_name (sink, "remove", host, (gint) port);
}

/**
 * hn_program_add_monitor:
 * @video_port: where the video goes (RTCP is not sent)
 * @audio_port: where the audio goes
 *
 * Sends the program, as plain RTP whether or not the rooms get SRTP, to a
 * third-party player at @host (see hn_program_get_sdp()). It counts as the
 * destination "monitor".
 */
gboolean
hn_program_add_monitor (
    HnProgram *self, const gchar *host, guint video_port, guint audio_port, GError **error)
{
  HnProgramDestination *d;

  g_return_val_if_fail (HN_IS_PROGRAM (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  if (g_hash_table_contains (self->destinations, HN_PROGRAM_MONITOR)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "%s has a monitor output already",
                 self->name);
    return FALSE;
  }
  d = g_new0 (HnProgramDestination, 1);
  d->host = g_strdup (host);
  d->monitor = TRUE;
  d->video_rtp_port = video_port;
  d->audio_rtp_port = audio_port;
  g_hash_table_insert (self->destinations, g_strdup (HN_PROGRAM_MONITOR), d);
  hn_program_sink_add (self->video.monitor_sink, host, video_port);
  hn_program_sink_add (self->audio.monitor_sink, host, audio_port);
  return TRUE;
}

/**
 * hn_program_add_destination:
 * @name: a name for the destination (a site id, or "monitor")
 *
 * Sends the program to one more room: RTP to its video and audio RTP
 * ports, sender reports to its RTCP ports.
 */
gboolean
hn_program_add_destination (HnProgram *self,
                            const gchar *name,
                            const gchar *host,
                            guint video_rtp_port,
                            guint video_rtcp_port,
                            guint audio_rtp_port,
                            guint audio_rtcp_port,
                            GError **error)
{
  HnProgramDestination *d;

  g_return_val_if_fail (HN_IS_PROGRAM (self), FALSE);
  g_return_val_if_fail (name != NULL && host != NULL, FALSE);

  if (g_hash_table_contains (self->destinations, name)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "%s already receives the program of %s", name, self->name);
    return FALSE;
  }
  d = g_new0 (HnProgramDestination, 1);
  d->host = g_strdup (host);
  d->video_rtp_port = video_rtp_port;
  d->video_rtcp_port = video_rtcp_port;
  d->audio_rtp_port = audio_rtp_port;
  d->audio_rtcp_port = audio_rtcp_port;
  g_hash_table_insert (self->destinations, g_strdup (name), d);

  hn_program_sink_add (self->video.rtp_sink, host, video_rtp_port);
  hn_program_sink_add (self->audio.rtp_sink, host, audio_rtp_port);
  if (video_rtcp_port != 0)
    hn_program_sink_add (self->video.rtcp_sink, host, video_rtcp_port);
  if (audio_rtcp_port != 0)
    hn_program_sink_add (self->audio.rtcp_sink, host, audio_rtcp_port);
  return TRUE;
}

void
hn_program_remove_destination (HnProgram *self, const gchar *name)
{
  HnProgramDestination *d;

  g_return_if_fail (HN_IS_PROGRAM (self));

  d = g_hash_table_lookup (self->destinations, name);
  if (d == NULL)
    return;
  hn_program_sink_remove (d->monitor ? self->video.monitor_sink : self->video.rtp_sink, d->host,
                          d->video_rtp_port);
  hn_program_sink_remove (d->monitor ? self->audio.monitor_sink : self->audio.rtp_sink, d->host,
                          d->audio_rtp_port);
  if (d->video_rtcp_port != 0)
    hn_program_sink_remove (self->video.rtcp_sink, d->host, d->video_rtcp_port);
  if (d->audio_rtcp_port != 0)
    hn_program_sink_remove (self->audio.rtcp_sink, d->host, d->audio_rtcp_port);
  g_hash_table_remove (self->destinations, name);
}

guint
hn_program_get_n_destinations (HnProgram *self)
{
  g_return_val_if_fail (HN_IS_PROGRAM (self), 0);
  return g_hash_table_size (self->destinations);
}

guint64
hn_program_get_frames_encoded (HnProgram *self)
{
  g_return_val_if_fail (HN_IS_PROGRAM (self), 0);
  return (guint) g_atomic_int_get (&self->frames_encoded);
}

/**
 * hn_program_get_report:
 * @reporter_ssrc: the SSRC the room reports with (the one it announced for
 *   the stream in its hello)
 *
 * The room's last receiver report about the program. rtpsession keeps it
 * on the reporting room's source: rb-fractionlost (1/256), rb-jitter (in
 * clock-rate units) and rb-round-trip (1/65536 s, meaningful only once
 * the room echoed one of our sender reports, rb-lsr != 0).
 *
 * Returns: %FALSE when the room has not reported yet
 */
gboolean
hn_program_get_report (HnProgram *self,
                       gboolean video,
                       guint32 reporter_ssrc,
                       HnProgramReport *report)
{
  HnProgramStream *st;
  g_autoptr (GObject) session = NULL;
  g_autoptr (GstStructure) stats = NULL;
  GObject *source = NULL;
  gboolean have_rb = FALSE;
  guint fraction = 0, jitter = 0, rtt = 0, lsr = 0;
  gdouble clock_rate = video ? 90000.0 : 48000.0;

  g_return_val_if_fail (HN_IS_PROGRAM (self), FALSE);
  g_return_val_if_fail (report != NULL, FALSE);

  st = video ? &self->video : &self->audio;
  g_object_get (st->session, "internal-session", &session, NULL);
  if (session == NULL)
    return FALSE;
  g_signal_emit_by_name (session, "get-source-by-ssrc", reporter_ssrc, &source);
  if (source == NULL)
    return FALSE;
  g_object_get (source, "stats", &stats, NULL);
  g_object_unref (source);
  if (stats == NULL || !gst_structure_get_boolean (stats, "have-rb", &have_rb) || !have_rb)
    return FALSE;
  gst_structure_get_uint (stats, "rb-fractionlost", &fraction);
  gst_structure_get_uint (stats, "rb-jitter", &jitter);
  gst_structure_get_uint (stats, "rb-round-trip", &rtt);
  gst_structure_get_uint (stats, "rb-lsr", &lsr);
  gst_structure_get_uint (stats, "rb-exthighestseq", &report->highest_seq);
  gst_structure_get_int (stats, "rb-packetslost", &report->packets_lost);
  report->loss_pct = fraction * 100.0 / 256.0;
  report->jitter_ms = jitter * 1000.0 / clock_rate;
  report->rtt_ms = lsr != 0 ? rtt * 1000.0 / 65536.0 : -1.0;
  return TRUE;
}

static gboolean
hn_program_add_sdp_media (
    GstSDPMessage *sdp, GstElement *payloader, const gchar *host, guint port, GError **error)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (payloader, "src");
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstSDPMedia *media = NULL;

  if (caps == NULL) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAVAILABLE,
                         "the program has not produced its first packets yet; try again");
    return FALSE;
  }
  gst_sdp_media_new (&media);
  if (gst_sdp_media_set_media_from_caps (caps, media) != GST_SDP_OK) {
    gst_sdp_media_free (media);
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot describe the program");
    return FALSE;
  }
  gst_sdp_media_set_port_info (media, port, 1);
  gst_sdp_media_set_proto (media, "RTP/AVP");
  gst_sdp_media_add_connection (media, "IN", strchr (host, ':') != NULL ? "IP6" : "IP4", host, 0,
                                0);
  gst_sdp_message_add_media (sdp, media);
  gst_sdp_media_free (media);
  return TRUE;
}

/**
 * hn_program_get_sdp:
 *
 * Returns: an SDP that lets a standard RTP player (ffplay, VLC) receive the
 *   program sent to @host on @video_port and @audio_port
 */
gchar *
hn_program_get_sdp (
    HnProgram *self, const gchar *host, guint video_port, guint audio_port, GError **error)
{
  g_autoptr (GstSDPMessage) sdp = NULL;
  g_autofree gchar *session_id = NULL;
  const gchar *family = strchr (host, ':') != NULL ? "IP6" : "IP4";

  g_return_val_if_fail (HN_IS_PROGRAM (self), NULL);

  gst_sdp_message_new (&sdp);
  session_id = g_strdup_printf ("%u", self->video.ssrc);
  gst_sdp_message_set_version (sdp, "0");
  gst_sdp_message_set_origin (sdp, "-", session_id, "1", "IN", family, host);
  gst_sdp_message_set_session_name (sdp, self->name);
  gst_sdp_message_set_connection (sdp, "IN", family, host, 0, 0);
  gst_sdp_message_add_time (sdp, "0", "0", NULL);
  if (!hn_program_add_sdp_media (sdp, self->video.payloader, host, video_port, error) ||
      !hn_program_add_sdp_media (sdp, self->audio.payloader, host, audio_port, error))
    return NULL;
  return gst_sdp_message_as_text (sdp);
}

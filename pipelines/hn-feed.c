/* HnFeed: the chair's source of a meeting — the hub's test pattern, its
 * camera, or a central feed given as a URI (srt://, rtsp://, udp://,
 * file://) — decoded in a pipeline of its own and handed to the meeting's
 * program through intervideosink/interaudiosink.
 *
 * Keeping the feed apart from the program means a central feed that drops
 * (a lost SRT link, a restarted encoder upstream) never stalls or stops
 * the program: the program keeps sending the last picture, then black, and
 * the feed is rebuilt on its own, with a growing delay, for as long as the
 * meeting runs. */

#define G_LOG_DOMAIN "hoinghi-feed"

#include "hn-feed.h"

#include <gst/gst.h>

#include "hn-error.h"

GST_DEBUG_CATEGORY_STATIC (hn_feed_debug);
#define GST_CAT_DEFAULT hn_feed_debug

/* the chair's test pattern: a slate blue picture and a 330 Hz tone, so a
 * test (or an operator) can tell the chair from every room */
#define HN_FEED_TEST_COLOR 0xff203080
#define HN_FEED_TEST_TONE 330.0

#define HN_FEED_RETRY_MIN_MS 500
#define HN_FEED_RETRY_MAX_MS 30000

struct _HnFeed {
  GObject parent_instance;

  gchar *source;
  gchar *video_channel;
  gchar *audio_channel;
  guint width;
  guint height;
  guint framerate;

  GstElement *pipeline;
  guint bus_watch_id;
  guint retry_id;
  guint retry_ms;
  guint restarts;
  gboolean running;
};

G_DEFINE_FINAL_TYPE (HnFeed, hn_feed, G_TYPE_OBJECT)

static gboolean hn_feed_build (HnFeed *self, GError **error);

static void
hn_feed_teardown (HnFeed *self)
{
  g_clear_handle_id (&self->bus_watch_id, g_source_remove);
  if (self->pipeline != NULL) {
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
    g_clear_object (&self->pipeline);
  }
}

static void
hn_feed_dispose (GObject *object)
{
  HnFeed *self = HN_FEED (object);

  g_clear_handle_id (&self->retry_id, g_source_remove);
  hn_feed_teardown (self);

  G_OBJECT_CLASS (hn_feed_parent_class)->dispose (object);
}

static void
hn_feed_finalize (GObject *object)
{
  HnFeed *self = HN_FEED (object);

  g_free (self->source);
  g_free (self->video_channel);
  g_free (self->audio_channel);

  G_OBJECT_CLASS (hn_feed_parent_class)->finalize (object);
}

static void
hn_feed_class_init (HnFeedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hn_feed_dispose;
  object_class->finalize = hn_feed_finalize;

  GST_DEBUG_CATEGORY_INIT (hn_feed_debug, "hn-feed", 0, "hoinghi chair feed");
}

static void
hn_feed_init (HnFeed *self)
{
  self->retry_ms = HN_FEED_RETRY_MIN_MS;
}

/**
 * hn_feed_source_is_valid:
 * @source: "test", "camera", or a URI
 *
 * Checks the form of a chair source, without opening it.
 */
gboolean
hn_feed_source_is_valid (const gchar *source, GError **error)
{
  g_autofree gchar *scheme = NULL;

  if (source == NULL || *source == '\0') {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "empty source");
    return FALSE;
  }
  if (g_str_equal (source, "test") || g_str_equal (source, "camera"))
    return TRUE;
  scheme = g_uri_parse_scheme (source);
  if (scheme == NULL || !gst_uri_is_valid (source)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "source '%s' is neither 'test', 'camera' nor a URI such as srt://HOST:PORT, "
                 "rtsp://HOST/PATH or udp://HOST:PORT",
                 source);
    return FALSE;
  }
  if (!gst_uri_protocol_is_supported (GST_URI_SRC, scheme)) {
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_SUPPORTED,
                 "source '%s': no GStreamer element reads %s:// URIs on this hub", source, scheme);
    return FALSE;
  }
  return TRUE;
}

HnFeed *
hn_feed_new (const gchar *source,
             const gchar *video_channel,
             const gchar *audio_channel,
             guint width,
             guint height,
             guint framerate,
             GError **error)
{
  HnFeed *self;

  g_return_val_if_fail (video_channel != NULL, NULL);
  g_return_val_if_fail (audio_channel != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0 && framerate > 0, NULL);

  if (!hn_feed_source_is_valid (source, error))
    return NULL;

  self = g_object_new (HN_TYPE_FEED, NULL);
  self->source = g_strdup (source);
  self->video_channel = g_strdup (video_channel);
  self->audio_channel = g_strdup (audio_channel);
  self->width = width;
  self->height = height;
  self->framerate = framerate;
  return self;
}

/* The video and audio tails every source ends in: normalised to the
 * program's format, then handed over through the inter elements. */
static GstElement *
hn_feed_make_tail (HnFeed *self, gboolean video, GError **error)
{
  g_autofree gchar *desc = NULL;
  GstElement *bin;

  if (video)
    desc = g_strdup_printf ("queue max-size-buffers=3 leaky=downstream ! videoconvert ! "
                            "videoscale ! videorate ! "
                            "video/x-raw,format=I420,width=%u,height=%u,framerate=%u/1,"
                            "pixel-aspect-ratio=1/1 ! intervideosink channel=\"%s\" sync=false",
                            self->width, self->height, self->framerate, self->video_channel);
  else
    desc = g_strdup_printf ("queue max-size-time=200000000 leaky=downstream ! audioconvert ! "
                            "audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! "
                            "interaudiosink channel=\"%s\" sync=false",
                            self->audio_channel);
  bin = gst_parse_bin_from_description (desc, TRUE, error);
  if (bin == NULL)
    hn_error_convert (error);
  return bin;
}

static void
hn_feed_pad_added_cb (GstElement *decodebin, GstPad *pad, gpointer user_data)
{
  HnFeed *self = user_data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  g_autoptr (GError) error = NULL;
  const gchar *name;
  GstElement *tail;
  g_autoptr (GstPad) sink = NULL;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  if (!g_str_has_prefix (name, "video/") && !g_str_has_prefix (name, "audio/"))
    return;

  tail = hn_feed_make_tail (self, g_str_has_prefix (name, "video/"), &error);
  if (tail == NULL) {
    GST_ERROR_OBJECT (decodebin, "cannot build the feed's tail: %s", error->message);
    return;
  }
  gst_bin_add (GST_BIN (self->pipeline), tail);
  sink = gst_element_get_static_pad (tail, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    GST_WARNING_OBJECT (decodebin, "cannot link %s pad of the feed", name);
  gst_element_sync_state_with_parent (tail);
}

static void hn_feed_schedule_retry (HnFeed *self);

static gboolean
hn_feed_bus_cb (GstBus *bus, GstMessage *message, gpointer user_data)
{
  HnFeed *self = user_data;

  switch (GST_MESSAGE_TYPE (message)) {
  case GST_MESSAGE_ERROR: {
    g_autoptr (GError) error = NULL;
    g_autofree gchar *debug = NULL;

    gst_message_parse_error (message, &error, &debug);
    g_warning ("feed %s: %s; rebuilding in %u ms", self->source, error->message, self->retry_ms);
    GST_DEBUG ("%s", debug);
    hn_feed_schedule_retry (self);
    break;
  }
  case GST_MESSAGE_EOS:
    g_message ("feed %s ended; restarting in %u ms", self->source, self->retry_ms);
    hn_feed_schedule_retry (self);
    break;
  case GST_MESSAGE_STATE_CHANGED:
    if (GST_MESSAGE_SRC (message) == GST_OBJECT (self->pipeline)) {
      GstState state;

      gst_message_parse_state_changed (message, NULL, &state, NULL);
      if (state == GST_STATE_PLAYING)
        self->retry_ms = HN_FEED_RETRY_MIN_MS;
    }
    break;
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
hn_feed_retry_cb (gpointer user_data)
{
  HnFeed *self = user_data;
  g_autoptr (GError) error = NULL;

  self->retry_id = 0;
  self->restarts++;
  if (!hn_feed_build (self, &error)) {
    g_warning ("feed %s: %s; retrying in %u ms", self->source, error->message, self->retry_ms);
    hn_feed_schedule_retry (self);
  }
  return G_SOURCE_REMOVE;
}

static void
hn_feed_schedule_retry (HnFeed *self)
{
  if (!self->running || self->retry_id != 0)
    return;
  /* the pipeline is not torn down from its own bus callback's caller
   * chain but from the main loop, once */
  hn_feed_teardown (self);
  self->retry_id = g_timeout_add (self->retry_ms, hn_feed_retry_cb, self);
  g_source_set_name_by_id (self->retry_id, "[hoinghi] feed retry");
  self->retry_ms = MIN (self->retry_ms * 2, HN_FEED_RETRY_MAX_MS);
}

static gboolean
hn_feed_build (HnFeed *self, GError **error)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new ("feed");
  g_autoptr (GstBus) bus = NULL;

  if (g_str_equal (self->source, "test") || g_str_equal (self->source, "camera")) {
    gboolean test = g_str_equal (self->source, "test");
    g_autofree gchar *vdesc = NULL;
    g_autofree gchar *adesc = NULL;
    GstElement *vsrc, *asrc, *vtail, *atail;

    if (test) {
      vdesc = g_strdup_printf ("videotestsrc is-live=true pattern=solid-color "
                               "foreground-color=%u",
                               (guint) HN_FEED_TEST_COLOR);
      adesc = g_strdup_printf ("audiotestsrc is-live=true wave=sine freq=%g volume=0.4",
                               HN_FEED_TEST_TONE);
    } else {
      vdesc = g_strdup ("v4l2src");
      adesc = g_strdup ("autoaudiosrc");
    }
    vsrc = gst_parse_bin_from_description (vdesc, TRUE, error);
    if (vsrc == NULL) {
      hn_error_convert (error);
      return FALSE;
    }
    gst_bin_add (GST_BIN (pipeline), vsrc);
    asrc = gst_parse_bin_from_description (adesc, TRUE, error);
    if (asrc == NULL) {
      hn_error_convert (error);
      return FALSE;
    }
    gst_bin_add (GST_BIN (pipeline), asrc);
    vtail = hn_feed_make_tail (self, TRUE, error);
    if (vtail == NULL)
      return FALSE;
    gst_bin_add (GST_BIN (pipeline), vtail);
    atail = hn_feed_make_tail (self, FALSE, error);
    if (atail == NULL)
      return FALSE;
    gst_bin_add (GST_BIN (pipeline), atail);
    if (!gst_element_link (vsrc, vtail) || !gst_element_link (asrc, atail)) {
      g_set_error (error, HN_ERROR, HN_ERROR_INTERNAL, "cannot link the %s source", self->source);
      return FALSE;
    }
  } else {
    GstElement *decodebin = gst_element_factory_make ("uridecodebin", NULL);

    if (decodebin == NULL) {
      g_set_error_literal (error, HN_ERROR, HN_ERROR_NOT_SUPPORTED,
                           "uridecodebin is missing (gstreamer1.0-plugins-base)");
      return FALSE;
    }
    g_object_set (decodebin, "uri", self->source, NULL);
    g_signal_connect (decodebin, "pad-added", G_CALLBACK (hn_feed_pad_added_cb), self);
    gst_bin_add (GST_BIN (pipeline), decodebin);
  }

  bus = gst_pipeline_get_bus (GST_PIPELINE (pipeline));
  self->pipeline = g_steal_pointer (&pipeline);
  self->bus_watch_id = gst_bus_add_watch (bus, hn_feed_bus_cb, self);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, "cannot start source %s", self->source);
    hn_feed_teardown (self);
    return FALSE;
  }
  return TRUE;
}

/**
 * hn_feed_start:
 *
 * Starts the feed. A source that fails later (or at once, such as a
 * central feed that is not up yet) is retried without end until
 * hn_feed_stop(); only a source that can never work is an error here.
 */
gboolean
hn_feed_start (HnFeed *self, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (HN_IS_FEED (self), FALSE);

  if (self->running)
    return TRUE;
  self->running = TRUE;
  if (!hn_feed_build (self, &local_error)) {
    if (g_error_matches (local_error, HN_ERROR, HN_ERROR_NOT_SUPPORTED)) {
      self->running = FALSE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
    g_warning ("feed %s: %s; retrying in %u ms", self->source, local_error->message,
               self->retry_ms);
    hn_feed_schedule_retry (self);
  }
  return TRUE;
}

void
hn_feed_stop (HnFeed *self)
{
  g_return_if_fail (HN_IS_FEED (self));

  self->running = FALSE;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  hn_feed_teardown (self);
}

const gchar *
hn_feed_get_source (HnFeed *self)
{
  g_return_val_if_fail (HN_IS_FEED (self), NULL);
  return self->source;
}

gboolean
hn_feed_is_playing (HnFeed *self)
{
  GstState state = GST_STATE_NULL;

  g_return_val_if_fail (HN_IS_FEED (self), FALSE);

  if (self->pipeline == NULL)
    return FALSE;
  gst_element_get_state (self->pipeline, &state, NULL, 0);
  return state == GST_STATE_PLAYING;
}

/**
 * hn_feed_get_restarts:
 *
 * Returns: how often the feed was rebuilt after a failure
 */
guint
hn_feed_get_restarts (HnFeed *self)
{
  g_return_val_if_fail (HN_IS_FEED (self), 0);
  return self->restarts;
}

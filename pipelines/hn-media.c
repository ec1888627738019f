/* The media library's entry: GStreamer set-up and the check that every
 * element the hub's pipelines are built from is installed, so a missing
 * plugin package is named at start-up rather than when a meeting starts.
 * The pipelines themselves (program, fan-out, return legs) build on this. */

#define G_LOG_DOMAIN "hoinghi-media"

#include "hn-media.h"

#include <gst/gst.h>

#include "hn-error.h"

/* element, Debian package that ships it */
static const struct {
  const gchar *element;
  const gchar *package;
} required_elements[] = {
  { "compositor", "gstreamer1.0-plugins-base" },
  { "audiomixer", "gstreamer1.0-plugins-base" },
  { "videotestsrc", "gstreamer1.0-plugins-base" },
  { "audiotestsrc", "gstreamer1.0-plugins-base" },
  { "opusenc", "gstreamer1.0-plugins-base" },
  { "opusdec", "gstreamer1.0-plugins-base" },
  { "x264enc", "gstreamer1.0-plugins-ugly" },
  { "avdec_h264", "gstreamer1.0-libav" },
  { "rtph264pay", "gstreamer1.0-plugins-good" },
  { "rtph264depay", "gstreamer1.0-plugins-good" },
  { "rtpopuspay", "gstreamer1.0-plugins-good" },
  { "rtpopusdepay", "gstreamer1.0-plugins-good" },
  { "rtpbin", "gstreamer1.0-plugins-good" },
  { "rtpsession", "gstreamer1.0-plugins-good" },
  { "rtpssrcdemux", "gstreamer1.0-plugins-good" },
  { "rtpjitterbuffer", "gstreamer1.0-plugins-good" },
  { "udpsrc", "gstreamer1.0-plugins-good" },
  { "multiudpsink", "gstreamer1.0-plugins-good" },
  { "netsim", "gstreamer1.0-plugins-bad" },
};

/**
 * hn_media_init:
 *
 * Initialises GStreamer; safe to call more than once.
 */
gboolean
hn_media_init (GError **error)
{
  if (!gst_init_check (NULL, NULL, error)) {
    hn_error_convert (error);
    g_prefix_error (error, "cannot initialise GStreamer: ");
    return FALSE;
  }
  return TRUE;
}

/**
 * hn_media_get_version:
 *
 * Returns: the running GStreamer's version, e.g. "1.22.0"
 */
gchar *
hn_media_get_version (void)
{
  guint major, minor, micro, nano;

  gst_version (&major, &minor, &micro, &nano);
  return g_strdup_printf ("%u.%u.%u", major, minor, micro);
}

/**
 * hn_media_find_missing_elements:
 *
 * Returns: (transfer full): "element (package)" for each element the
 *   pipelines need that is not installed; empty when all are there
 */
GStrv
hn_media_find_missing_elements (void)
{
  g_autoptr (GStrvBuilder) missing = g_strv_builder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (required_elements); i++) {
    g_autoptr (GstElementFactory) f = gst_element_factory_find (required_elements[i].element);

    if (f == NULL) {
      g_autofree gchar *item =
          g_strdup_printf ("%s (%s)", required_elements[i].element, required_elements[i].package);

      g_strv_builder_add (missing, item);
    }
  }
  return g_strv_builder_end (missing);
}

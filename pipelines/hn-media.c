/* The media library's entry: GStreamer set-up and the check that every
 * element the hub's pipelines are built from is installed, so a missing
 * plugin package is named at start-up rather than when a meeting starts.
 * The pipelines themselves (program, fan-out, return legs) build on this. */

#define G_LOG_DOMAIN "hoinghi-media"

#include "hn-media.h"

#include <errno.h>
#include <gst/gst.h>
#include <sys/random.h>

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
  { "srtpenc", "gstreamer1.0-plugins-bad" },
  { "srtpdec", "gstreamer1.0-plugins-bad" },
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

/**
 * hn_media_srtp_caps:
 * @key: HN_MEDIA_SRTP_KEY_SIZE bytes: the master key and salt
 * @roc: the rollover counter of the stream where the receiver starts
 *   (0 from its first packet; more for a room that joins late)
 *
 * Returns: (transfer full): what srtpdec's "request-key" answers for a
 *   stream under @key (AES_CM_128_HMAC_SHA1_80)
 */
GstCaps *
hn_media_srtp_caps (GBytes *key, guint32 roc)
{
  g_autoptr (GstBuffer) buffer = NULL;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (g_bytes_get_size (key) == HN_MEDIA_SRTP_KEY_SIZE, NULL);

  buffer = gst_buffer_new_wrapped_bytes (key);
  return gst_caps_new_simple (
      "application/x-srtp", "srtp-key", GST_TYPE_BUFFER, buffer, "srtp-cipher", G_TYPE_STRING,
      "aes-128-icm", "srtp-auth", G_TYPE_STRING, "hmac-sha1-80", "srtcp-cipher", G_TYPE_STRING,
      "aes-128-icm", "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80", "roc", G_TYPE_UINT, roc, NULL);
}

/**
 * hn_media_srtpenc_set_key:
 *
 * Gives @srtpenc (AES_CM_128_HMAC_SHA1_80, its defaults) the master key
 * and salt @key; it starts a new SRTP session with it at its next packet.
 */
void
hn_media_srtpenc_set_key (GstElement *srtpenc, GBytes *key)
{
  g_autoptr (GstBuffer) buffer = NULL;

  g_return_if_fail (GST_IS_ELEMENT (srtpenc));
  g_return_if_fail (key != NULL && g_bytes_get_size (key) == HN_MEDIA_SRTP_KEY_SIZE);

  buffer = gst_buffer_new_wrapped_bytes (key);
  g_object_set (srtpenc, "key", buffer, NULL);
}

/**
 * hn_media_random_key:
 *
 * Returns: (transfer full): HN_MEDIA_SRTP_KEY_SIZE bytes from getrandom(2),
 *   or %NULL with @error set
 */
GBytes *
hn_media_random_key (GError **error)
{
  guint8 key[HN_MEDIA_SRTP_KEY_SIZE];
  gsize got = 0;
  GBytes *bytes;

  while (got < sizeof key) {
    ssize_t n = getrandom (key + got, sizeof key - got, 0);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;

      g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "cannot make an SRTP key: %s",
                   g_strerror (saved_errno));
      return NULL;
    }
    got += n;
  }
  bytes = g_bytes_new (key, sizeof key);
  explicit_bzero (key, sizeof key);
  return bytes;
}

/* Fuzz target: a datagram at the hub's return-leg RTP port, as the first
 * pad probe of HnReturnReceiver reads it (hn_rtp_header_parse). Besides
 * not crashing, it must agree with gst_rtp_buffer_map(), which rtpsession
 * uses next: a packet refused here would have been refused there, and one
 * accepted here has the same header there (differential check). */

#include <gst/rtp/rtp.h>

#include "hn-fuzz.h"
#include "hn-rtp-header.h"

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static gboolean gst_ready;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  g_autoptr (GstBuffer) buffer = NULL;
  HnRtpHeader header;
  gboolean ours, theirs;

  hn_fuzz_init ();
  if (!gst_ready) {
    gst_init (NULL, NULL);
    gst_ready = TRUE;
  }

  ours = hn_rtp_header_parse (&header, data, size);

  /* gst_buffer_new_memdup() refuses an empty buffer (udpsrc never makes one) */
  buffer = size > 0 ? gst_buffer_new_memdup (data, size) : gst_buffer_new ();
  theirs = gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp);
  if (ours != theirs) {
    g_printerr ("hn_rtp_header_parse says %s, gst_rtp_buffer_map says %s\n",
                ours ? "RTP" : "not RTP", theirs ? "RTP" : "not RTP");
    g_assert_not_reached ();
  }
  if (!ours)
    return 0;

  g_assert_cmpuint (header.ssrc, ==, gst_rtp_buffer_get_ssrc (&rtp));
  g_assert_cmpuint (header.seq, ==, gst_rtp_buffer_get_seq (&rtp));
  g_assert_cmpuint (header.timestamp, ==, gst_rtp_buffer_get_timestamp (&rtp));
  g_assert_cmpuint (header.payload_type, ==, gst_rtp_buffer_get_payload_type (&rtp));
  g_assert_cmpint (header.marker, ==, gst_rtp_buffer_get_marker (&rtp));
  g_assert_cmpuint (header.csrc_count, ==, gst_rtp_buffer_get_csrc_count (&rtp));
  g_assert_cmpuint (header.header_len, ==, gst_rtp_buffer_get_header_len (&rtp));
  g_assert_cmpuint (header.payload_len, ==, gst_rtp_buffer_get_payload_len (&rtp));
  g_assert_cmpuint (header.header_len + header.payload_len + header.padding_len, ==, size);
  gst_rtp_buffer_unmap (&rtp);
  return 0;
}

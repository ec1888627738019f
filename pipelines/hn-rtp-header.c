/* HnRtpHeader: the one place the hub reads RTP bytes itself.
 *
 * Every datagram at the return-leg port comes from the network, so it is
 * checked here before anything else looks at it: version 2, not RTCP, and
 * a header (CSRCs, extension) and padding that fit in the datagram. The rules are
 * gst_rtp_buffer_map()'s, so what this refuses is exactly what rtpsession
 * would have dropped later, but counted as malformed and without taking
 * the session's lock. Plain code on a byte array, so the fuzzer
 * (tests/fuzz/fuzz-rtp-header.c) reaches it without a pipeline. */

#define G_LOG_DOMAIN "hoinghi-legs"

#include "hn-rtp-header.h"

#include <string.h>

#define RTP_FIXED_HEADER_LEN 12
#define RTP_VERSION 2

/**
 * hn_rtp_header_parse:
 * @header: (out caller-allocates): the header, filled only on success
 * @data: (array length=size): one datagram
 *
 * Returns: %FALSE when @data is not an RTP packet (too short, another
 *   version, RTCP, or a header or padding longer than the datagram)
 */
gboolean
hn_rtp_header_parse (HnRtpHeader *header, const guint8 *data, gsize size)
{
  gsize header_len;
  guint8 padding = 0;

  g_return_val_if_fail (header != NULL, FALSE);
  g_return_val_if_fail (data != NULL || size == 0, FALSE);

  if (size < RTP_FIXED_HEADER_LEN || (data[0] >> 6) != RTP_VERSION)
    return FALSE;
  /* marker and payload type 72..76 are RTCP's packet types 200..204
   * (RFC 5761 4): RTCP sent to the RTP port */
  if (data[1] >= 200 && data[1] <= 204)
    return FALSE;
  header_len = RTP_FIXED_HEADER_LEN + (data[0] & 0x0f) * 4;
  if (size < header_len)
    return FALSE;
  if (data[0] & 0x10) {
    /* the extension's own 4-byte header, then its length in 32-bit words */
    if (size - header_len < 4)
      return FALSE;
    header_len += 4 + (gsize) (data[header_len + 2] << 8 | data[header_len + 3]) * 4;
    if (size < header_len)
      return FALSE;
  }
  if (data[0] & 0x20)
    padding = data[size - 1];
  if (size - header_len < padding)
    return FALSE;

  memset (header, 0, sizeof *header);
  header->marker = (data[1] & 0x80) != 0;
  header->payload_type = data[1] & 0x7f;
  header->seq = (guint16) (data[2] << 8 | data[3]);
  header->timestamp = (guint32) data[4] << 24 | (guint32) data[5] << 16 | (guint32) data[6] << 8 |
                      (guint32) data[7];
  header->ssrc = (guint32) data[8] << 24 | (guint32) data[9] << 16 | (guint32) data[10] << 8 |
                 (guint32) data[11];
  header->csrc_count = data[0] & 0x0f;
  header->header_len = header_len;
  header->padding_len = padding;
  header->payload_len = size - header_len - padding;
  return TRUE;
}

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * HnRtpHeader:
 * @payload_type: 0..127
 * @marker: the M bit
 * @seq: the sequence number
 * @timestamp: the RTP timestamp
 * @ssrc: the sender's SSRC
 * @csrc_count: 0..15
 * @header_len: bytes of fixed header, CSRCs and header extension
 * @payload_len: bytes between the header and the padding
 * @padding_len: bytes of padding at the end (the last byte's value)
 *
 * The fixed header of one RTP packet (RFC 3550 5.1), read by
 * hn_rtp_header_parse() from a datagram as it came off the wire.
 */
typedef struct {
  guint8 payload_type;
  gboolean marker;
  guint16 seq;
  guint32 timestamp;
  guint32 ssrc;
  guint csrc_count;
  gsize header_len;
  gsize payload_len;
  guint8 padding_len;
} HnRtpHeader;

gboolean hn_rtp_header_parse (HnRtpHeader *header, const guint8 *data, gsize size);

G_END_DECLS

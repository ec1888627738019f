/* Unit tests of hn_rtp_header_parse(), the check every datagram at the
 * hub's return-leg port goes through: what it accepts, each way a packet
 * can be malformed, and RTCP sent to the RTP port. The fuzz target
 * (tests/fuzz/fuzz-rtp-header.c) checks it against gst_rtp_buffer_map()
 * on random input; these pin the cases by hand. */

#include <string.h>

#include "hn-rtp-header.h"

/* V=2, PT 96 with the marker, seq 0x1234, ts 0x01020304, SSRC 0x1a2b3c4d */
static const guint8 plain[] = { 0x80, 0xe0, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04,
                                0x1a, 0x2b, 0x3c, 0x4d, 0xaa, 0xbb, 0xcc };

static void
test_plain (void)
{
  HnRtpHeader h;

  g_assert_true (hn_rtp_header_parse (&h, plain, sizeof plain));
  g_assert_cmpuint (h.payload_type, ==, 96);
  g_assert_true (h.marker);
  g_assert_cmpuint (h.seq, ==, 0x1234);
  g_assert_cmpuint (h.timestamp, ==, 0x01020304);
  g_assert_cmpuint (h.ssrc, ==, 0x1a2b3c4d);
  g_assert_cmpuint (h.csrc_count, ==, 0);
  g_assert_cmpuint (h.header_len, ==, 12);
  g_assert_cmpuint (h.payload_len, ==, 3);
  g_assert_cmpuint (h.padding_len, ==, 0);

  /* a header alone is a packet with an empty payload */
  g_assert_true (hn_rtp_header_parse (&h, plain, 12));
  g_assert_cmpuint (h.payload_len, ==, 0);
}

static void
test_short_or_other_version (void)
{
  guint8 p[sizeof plain];
  HnRtpHeader h;

  g_assert_false (hn_rtp_header_parse (&h, NULL, 0));
  g_assert_false (hn_rtp_header_parse (&h, plain, 11));
  for (guint v = 0; v < 4; v++) {
    memcpy (p, plain, sizeof p);
    p[0] = (p[0] & 0x3f) | v << 6;
    g_assert_cmpint (hn_rtp_header_parse (&h, p, sizeof p), ==, v == 2);
  }
}

static void
test_rtcp (void)
{
  guint8 p[sizeof plain];
  HnRtpHeader h;

  /* SR, RR, SDES, BYE, APP: marker + PT 72..76 */
  memcpy (p, plain, sizeof p);
  for (guint pt = 199; pt <= 205; pt++) {
    p[1] = pt;
    g_assert_cmpint (hn_rtp_header_parse (&h, p, sizeof p), ==, pt < 200 || pt > 204);
  }
  /* PT 72 without the marker is a dynamic payload type like any other */
  p[1] = 72;
  g_assert_true (hn_rtp_header_parse (&h, p, sizeof p));
}

static void
test_csrcs (void)
{
  guint8 p[12 + 2 * 4 + 1] = { 0 };
  HnRtpHeader h;

  memcpy (p, plain, 12);
  p[0] = 0x82;
  g_assert_true (hn_rtp_header_parse (&h, p, sizeof p));
  g_assert_cmpuint (h.csrc_count, ==, 2);
  g_assert_cmpuint (h.header_len, ==, 20);
  g_assert_cmpuint (h.payload_len, ==, 1);
  /* fifteen CSRCs do not fit */
  p[0] = 0x8f;
  g_assert_false (hn_rtp_header_parse (&h, p, sizeof p));
}

static void
test_extension (void)
{
  /* X, then 0xBEDE and a length of 1 word */
  guint8 p[12 + 4 + 4 + 2] = { 0 };
  HnRtpHeader h;

  memcpy (p, plain, 12);
  p[0] = 0x90;
  p[12] = 0xbe;
  p[13] = 0xde;
  p[15] = 1;
  g_assert_true (hn_rtp_header_parse (&h, p, sizeof p));
  g_assert_cmpuint (h.header_len, ==, 20);
  g_assert_cmpuint (h.payload_len, ==, 2);
  /* the extension's length runs past the datagram */
  p[15] = 2;
  g_assert_false (hn_rtp_header_parse (&h, p, sizeof p));
  /* no room for the extension's own header */
  g_assert_false (hn_rtp_header_parse (&h, p, 14));
  /* a length of 0xffff words is read unsigned, not wrapped */
  p[14] = 0xff;
  p[15] = 0xff;
  g_assert_false (hn_rtp_header_parse (&h, p, sizeof p));
}

static void
test_padding (void)
{
  guint8 p[12 + 4] = { 0 };
  HnRtpHeader h;

  memcpy (p, plain, 12);
  p[0] = 0xa0;
  p[15] = 3;
  g_assert_true (hn_rtp_header_parse (&h, p, sizeof p));
  g_assert_cmpuint (h.padding_len, ==, 3);
  g_assert_cmpuint (h.payload_len, ==, 1);
  /* padding may fill the whole payload */
  p[15] = 4;
  g_assert_true (hn_rtp_header_parse (&h, p, sizeof p));
  g_assert_cmpuint (h.payload_len, ==, 0);
  /* but not reach into the header */
  p[15] = 5;
  g_assert_false (hn_rtp_header_parse (&h, p, sizeof p));
  /* a header alone with P set: its last byte is the count */
  p[11] = 0;
  g_assert_true (hn_rtp_header_parse (&h, p, 12));
  p[11] = 1;
  g_assert_false (hn_rtp_header_parse (&h, p, 12));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hn/rtp-header/plain", test_plain);
  g_test_add_func ("/hn/rtp-header/short-or-other-version", test_short_or_other_version);
  g_test_add_func ("/hn/rtp-header/rtcp", test_rtcp);
  g_test_add_func ("/hn/rtp-header/csrcs", test_csrcs);
  g_test_add_func ("/hn/rtp-header/extension", test_extension);
  g_test_add_func ("/hn/rtp-header/padding", test_padding);
  return g_test_run ();
}

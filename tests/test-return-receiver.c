/* The hub's return receiver: one socket for every room's feed. A room's
 * packets are counted and decoded when the room is shown; and when the
 * shared part fails — its socket's thread stopping on a flow error, as
 * "streaming stopped, reason not-linked" did in bench/soak after rooms had
 * come and gone for 50 s, after which no room's feed was received until
 * the hub restarted — it is restarted on its own, on the same port, and
 * every room is received again. */

#include <gst/gst.h>

#include "hn-media.h"
#include "hn-return-receiver.h"
#include "hn-test-utils.h"

#define ROOM_A "xa-dao-tru"
#define ROOM_B "xa-yen-duong"
#define SSRC_A 0x1111
#define SSRC_B 0x2222

typedef struct {
  HnReturnReceiver *receiver;
  GstElement *senders;
} Fixture;

/* two rooms' cameras, 160x120 at 15 fps, each its own SSRC, from
 * 127.0.0.1 to the receiver's port */
static GstElement *
senders_new (guint port)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) desc = g_string_new (NULL);
  const guint32 ssrcs[] = { SSRC_A, SSRC_B };
  GstElement *pipeline;

  for (guint i = 0; i < G_N_ELEMENTS (ssrcs); i++)
    g_string_append_printf (
        desc,
        "videotestsrc is-live=true pattern=%s ! "
        "video/x-raw,width=160,height=120,framerate=15/1 ! "
        "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 bitrate=150 ! "
        "rtph264pay pt=96 ssrc=%u config-interval=-1 ! "
        "udpsink host=127.0.0.1 port=%u sync=false async=false ",
        i == 0 ? "red" : "blue", ssrcs[i], port);
  pipeline = gst_parse_launch (desc->str, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  return pipeline;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint rtp_port = 0;

  hn_media_init (&error);
  g_assert_no_error (error);
  f->receiver = hn_return_receiver_new ("127.0.0.1", 0, 0, FALSE, &error);
  g_assert_no_error (error);
  hn_return_receiver_get_ports (f->receiver, &rtp_port, NULL);
  g_assert_cmpuint (rtp_port, >, 0);
  /* RTCP goes back to ports nothing listens on: harmless on loopback */
  g_assert_true (hn_return_receiver_add_leg (f->receiver, ROOM_A, "127.0.0.1", SSRC_A, SSRC_A + 1,
                                             9, 9, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (hn_return_receiver_add_leg (f->receiver, ROOM_B, "127.0.0.1", SSRC_B, SSRC_B + 1,
                                             9, 9, NULL, &error));
  g_assert_no_error (error);
  f->senders = senders_new (rtp_port);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->senders != NULL)
    gst_element_set_state (f->senders, GST_STATE_NULL);
  g_clear_object (&f->senders);
  g_clear_object (&f->receiver);
}

typedef struct {
  HnReturnReceiver *receiver;
  const gchar *site;
  guint64 packets; /* more than this */
  gboolean decoded;
} Grows;

static gboolean
grows (gpointer data)
{
  Grows *g = data;
  HnLegStreamStats st;

  if (!hn_return_receiver_get_stats (g->receiver, g->site, HN_LEG_VIDEO, &st))
    return FALSE;
  return st.packets > g->packets && (!g->decoded || st.decoded);
}

static guint64
packets_of (Fixture *f, const gchar *site)
{
  HnLegStreamStats st;

  g_assert_true (hn_return_receiver_get_stats (f->receiver, site, HN_LEG_VIDEO, &st));
  return st.packets;
}

/* a packet from both rooms, and some more; then both shown */
static void
wait_both_received (Fixture *f)
{
  Grows a = { f->receiver, ROOM_A, 30, FALSE };
  Grows b = { f->receiver, ROOM_B, 30, FALSE };
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (hn_test_wait_loop (grows, &a, 10000 * hn_test_slowdown ()), >=, 0);
  g_assert_cmpint (hn_test_wait_loop (grows, &b, 10000 * hn_test_slowdown ()), >=, 0);
  g_assert_true (
      hn_return_receiver_route (f->receiver, ROOM_A, HN_LEG_VIDEO, "test-room-a", &error));
  g_assert_no_error (error);
  g_assert_true (
      hn_return_receiver_route (f->receiver, ROOM_B, HN_LEG_VIDEO, "test-room-b", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hn_return_receiver_get_n_decoded (f->receiver), ==, 2);
}

static void
test_receives (Fixture *f, gconstpointer data)
{
  HnReturnCounters c;

  wait_both_received (f);
  hn_return_receiver_get_counters (f->receiver, &c);
  g_assert_cmpuint (c.accepted, >, 60);
  g_assert_cmpuint (c.spoofed, ==, 0);
  g_assert_cmpuint (c.restarts, ==, 0);
}

/* once: a flow error where rtpsession hands a packet to the demuxer, as
 * an unlinked demuxer pad gave; it goes up to the socket's udpsrc, which
 * stops and posts the error */
static GstPadProbeReturn
fail_once_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  gint *done = user_data;

  if (!g_atomic_int_compare_and_exchange (done, 0, 1))
    return GST_PAD_PROBE_OK;
  /* handled: the probe owns the buffer */
  gst_buffer_unref (GST_PAD_PROBE_INFO_BUFFER (info));
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = GST_FLOW_NOT_LINKED;
  return GST_PAD_PROBE_HANDLED;
}

static gboolean
restarted (gpointer data)
{
  HnReturnCounters c;

  hn_return_receiver_get_counters (data, &c);
  return c.restarts > 0;
}

static void
test_restarts_after_failure (Fixture *f, gconstpointer data)
{
  GstElement *pipeline;
  g_autoptr (GstElement) demux = NULL;
  g_autoptr (GstPad) sink = NULL;
  HnReturnCounters c;
  guint64 a, b;
  gint64 stalled_us;
  gint done = 0;
  gulong probe;

  wait_both_received (f);
  pipeline = hn_return_receiver_get_pipeline (f->receiver);
  /* the demuxer is the element whose sink rtpsession feeds */
  {
    g_autoptr (GstIterator) it = gst_bin_iterate_elements (GST_BIN (pipeline));
    GValue item = G_VALUE_INIT;

    while (demux == NULL && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
      GstElement *e = g_value_get_object (&item);

      if (g_str_equal (GST_OBJECT_NAME (gst_element_get_factory (e)), "rtpssrcdemux"))
        demux = g_object_ref (e);
      g_value_reset (&item);
    }
    g_value_unset (&item);
  }
  g_assert_nonnull (demux);
  sink = gst_element_get_static_pad (demux, "sink");
  /* the failure is said, with where and why */
  g_test_expect_message ("hoinghi-legs", G_LOG_LEVEL_WARNING,
                         "return receiver failed at rtp: *not-linked*restarting it in 1000 ms");
  stalled_us = g_get_monotonic_time ();
  probe = gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, fail_once_cb, &done, NULL);
  g_assert_cmpint (hn_test_wait_loop (restarted, f->receiver, 5000 * hn_test_slowdown ()), >=, 0);
  g_test_assert_expected_messages ();
  a = packets_of (f, ROOM_A);
  b = packets_of (f, ROOM_B);

  /* and both rooms are received and decoded again, on the same port */
  {
    Grows ga = { f->receiver, ROOM_A, a + 15, TRUE };
    Grows gb = { f->receiver, ROOM_B, b + 15, TRUE };

    g_assert_cmpint (hn_test_wait_loop (grows, &ga, 10000 * hn_test_slowdown ()), >=, 0);
    g_assert_cmpint (hn_test_wait_loop (grows, &gb, 10000 * hn_test_slowdown ()), >=, 0);
  }
  g_test_message ("received again %" G_GINT64_FORMAT " ms after the failure",
                  (g_get_monotonic_time () - stalled_us) / 1000);
  hn_return_receiver_get_counters (f->receiver, &c);
  g_assert_cmpuint (c.restarts, ==, 1);
  gst_pad_remove_probe (sink, probe);
  g_assert_cmpuint (hn_return_receiver_get_n_decoded (f->receiver), ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add ("/hn/return-receiver/receives", Fixture, NULL, fixture_setup, test_receives,
              fixture_teardown);
  g_test_add ("/hn/return-receiver/restarts-after-failure", Fixture, NULL, fixture_setup,
              test_restarts_after_failure, fixture_teardown);
  return g_test_run ();
}

/* Fuzz target: one control-channel message as the hub and an endpoint
 * read it off the WebSocket (hn_control_message_parse), then every getter
 * its type allows, as hn-control-server.c, hn-hub.c and hn-endpoint.c call
 * them. A message that passes must keep the promises of
 * hn-control-message.h (ports 1..65535, two SSRCs, the join's ranges, a
 * short flat stats object) and survive a round trip through its text
 * (under the same 64 KiB limit: json-glib writes some numbers longer than
 * they came, 0.1 as 0.10000000000000001). */

#include <string.h>

#include "hn-control-message.h"
#include "hn-fuzz.h"

static void
check_port (guint port)
{
  g_assert_cmpuint (port, >=, 1);
  g_assert_cmpuint (port, <=, 65535);
}

static void
read_message (JsonNode *message, HnControlMessageType type)
{
  HnControlHelloMedia hello;
  HnControlJoinMedia join;

  g_assert_cmpint (hn_control_message_peek_type (message), ==, type);
  switch (type) {
  case HN_CONTROL_MESSAGE_HELLO:
    g_assert (hn_control_message_get_site (message) != NULL);
    /* a proof (hoinghi-control-2) or a token (-1), never both */
    g_assert ((hn_control_message_get_token (message) != NULL) !=
              (hn_control_message_get_proof (message) != NULL));
    g_assert (hn_control_message_get_version (message) != NULL);
    hn_control_message_get_hello_media (message, &hello);
    check_port (hello.video_rtp_port);
    check_port (hello.video_rtcp_port);
    check_port (hello.audio_rtp_port);
    check_port (hello.audio_rtcp_port);
    g_assert_cmpuint (hello.video_ssrc, !=, hello.audio_ssrc);
    break;
  case HN_CONTROL_MESSAGE_STATS:
    g_assert (hn_control_message_get_stats (message) != NULL);
    g_assert_cmpuint (json_object_get_size (hn_control_message_get_stats (message)), <=,
                      HN_CONTROL_MAX_COUNTERS);
    break;
  case HN_CONTROL_MESSAGE_CHALLENGE:
    g_assert (hn_control_message_get_nonce (message) != NULL);
    break;
  case HN_CONTROL_MESSAGE_WELCOME:
    g_assert (hn_control_message_get_site (message) != NULL);
    g_assert (hn_control_message_get_version (message) != NULL);
    break;
  case HN_CONTROL_MESSAGE_JOIN:
    g_assert (hn_control_message_get_meeting (message) != NULL);
    hn_control_message_get_title (message);
    hn_control_message_get_join_media (message, &join);
    check_port (join.hub_rtp_port);
    check_port (join.hub_rtcp_port);
    check_port (join.program_video_rtcp_port);
    check_port (join.program_audio_rtcp_port);
    g_assert_cmpuint (join.video_width, >=, 16);
    g_assert_cmpuint (join.video_width, <=, 3840);
    g_assert_cmpuint (join.video_width % 2, ==, 0);
    g_assert_cmpuint (join.video_height, >=, 16);
    g_assert_cmpuint (join.video_height, <=, 2160);
    g_assert_cmpuint (join.video_height % 2, ==, 0);
    g_assert_cmpuint (join.video_framerate, >=, 1);
    g_assert_cmpuint (join.video_framerate, <=, 60);
    g_assert_cmpuint (join.video_bitrate, >=, 64);
    g_assert_cmpuint (join.video_bitrate, <=, 20000);
    g_assert_cmpuint (join.audio_bitrate, >=, 6);
    g_assert_cmpuint (join.audio_bitrate, <=, 510);
    /* keys or none: all zero without "srtp" */
    if (!join.srtp) {
      for (guint i = 0; i < HN_CONTROL_SRTP_KEY_SIZE; i++)
        g_assert_cmpuint (join.program_key[i] | join.return_key[i], ==, 0);
    }
    break;
  case HN_CONTROL_MESSAGE_LEAVE:
    g_assert (hn_control_message_get_meeting (message) != NULL);
    break;
  case HN_CONTROL_MESSAGE_FLOOR:
    g_assert (hn_control_message_get_meeting (message) != NULL);
    hn_control_message_get_site (message);
    break;
  case HN_CONTROL_MESSAGE_MUTE:
    g_assert (hn_control_message_get_meeting (message) != NULL);
    hn_control_message_get_muted (message);
    break;
  case HN_CONTROL_MESSAGE_FLOOR_REQUEST:
  case HN_CONTROL_MESSAGE_FLOOR_CANCEL:
  case HN_CONTROL_MESSAGE_KEYFRAME:
    break;
  case HN_CONTROL_MESSAGE_LAST:
  default:
    g_assert_not_reached ();
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (JsonNode) message = NULL;
  g_autoptr (JsonNode) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = NULL;
  HnControlMessageType type = HN_CONTROL_MESSAGE_LAST;
  HnControlMessageType type_again = HN_CONTROL_MESSAGE_LAST;

  hn_fuzz_init ();
  message = hn_control_message_parse ((const gchar *) data, size, &type, &error);
  hn_fuzz_check_result (message != NULL, error, "hn_control_message_parse");
  if (message == NULL)
    return 0;
  g_assert_cmpint (type, <, HN_CONTROL_MESSAGE_LAST);
  read_message (message, type);

  text = hn_control_message_to_string (message);
  again = hn_control_message_parse (text, strlen (text), &type_again, &error);
  g_assert_no_error (error);
  g_assert_cmpint (type_again, ==, type);
  read_message (again, type_again);
  return 0;
}

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * HnEndpointMediaConfig:
 * @source: "test" (a solid colour and a tone) or "camera" (v4l2src and
 *   autoaudiosrc); %NULL for "test"
 * @test_color: 0xRRGGBB, for source "test"
 * @test_tone: Hz, for source "test"; 0 for 440
 * @sink: "auto" (show and play the program) or "none" (headless rooms,
 *   tests); %NULL for "auto"
 * @video_rtp_port: where the program's video arrives; 0 for any free port
 * @video_rtcp_port: RTCP of the video session; 0 for any free port
 * @audio_rtp_port: where the program's audio arrives; 0 for any free port
 * @audio_rtcp_port: RTCP of the audio session; 0 for any free port
 * @bind_address: (nullable): the local address of the four ports; %NULL
 *   for any IPv4 address
 * @netsim_send_loss: lab aid: % of the room's RTP dropped on the way out
 * @netsim_send_delay: lab aid: ms added to the room's RTP on the way out
 * @netsim_receive_loss: lab aid: % of the program's RTP dropped on arrival
 * @netsim_receive_delay: lab aid: ms added to the program's RTP on arrival
 *
 * What a room's media is built from; copied by hn_endpoint_media_new().
 */
typedef struct {
  const gchar *source;
  guint32 test_color;
  guint test_tone;
  const gchar *sink;
  guint video_rtp_port;
  guint video_rtcp_port;
  guint audio_rtp_port;
  guint audio_rtcp_port;
  const gchar *bind_address;
  /* lab and test aid: a GStreamer netsim on the RTP the room sends
   * (site→hub) or receives (hub→site); 0 = none. Loss in %, delay in ms */
  gdouble netsim_send_loss;
  guint netsim_send_delay;
  gdouble netsim_receive_loss;
  guint netsim_receive_delay;
  /* the program arrives, and the room sends, as SRTP (keys from
   * hn_endpoint_media_set_keys()); FALSE: plain RTP */
  gboolean srtp;
} HnEndpointMediaConfig;

/**
 * HnEndpointFormat:
 *
 * What the hub asks a room to send.
 */
typedef struct {
  guint width;
  guint height;
  guint framerate;     /* frames per second */
  guint video_bitrate; /* kbit/s */
  guint audio_bitrate; /* kbit/s */
} HnEndpointFormat;

#define HN_TYPE_ENDPOINT_MEDIA (hn_endpoint_media_get_type ())
G_DECLARE_FINAL_TYPE (HnEndpointMedia, hn_endpoint_media, HN, ENDPOINT_MEDIA, GObject)

HnEndpointMedia *hn_endpoint_media_new (const HnEndpointMediaConfig *config,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

void hn_endpoint_media_get_ports (HnEndpointMedia *self,
                                  guint *video_rtp,
                                  guint *video_rtcp,
                                  guint *audio_rtp,
                                  guint *audio_rtcp);
guint32 hn_endpoint_media_get_video_ssrc (HnEndpointMedia *self);
guint32 hn_endpoint_media_get_audio_ssrc (HnEndpointMedia *self);

gboolean hn_endpoint_media_start_sending (HnEndpointMedia *self,
                                          const gchar *hub_host,
                                          guint hub_rtp_port,
                                          guint program_video_rtcp_port,
                                          guint program_audio_rtcp_port,
                                          const HnEndpointFormat *format,
                                          GError **error);
void hn_endpoint_media_set_keys (HnEndpointMedia *self,
                                 const guint8 *program_key,
                                 guint32 video_roc,
                                 guint32 audio_roc,
                                 const guint8 *send_key);
void hn_endpoint_media_stop_sending (HnEndpointMedia *self);
gboolean hn_endpoint_media_is_sending (HnEndpointMedia *self);
void hn_endpoint_media_force_keyframe (HnEndpointMedia *self);
void hn_endpoint_media_set_muted (HnEndpointMedia *self, gboolean muted);
gboolean hn_endpoint_media_get_muted (HnEndpointMedia *self);

JsonNode *hn_endpoint_media_get_playout (HnEndpointMedia *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

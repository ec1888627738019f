#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum { HN_LEG_VIDEO, HN_LEG_AUDIO, HN_LEG_N_STREAMS } HnLegStream;

/**
 * HnLegStreamStats:
 * @packets: RTP packets accepted from the room
 * @bytes: their payload bytes
 * @last_packet_us: monotonic time of the last one, 0 if none yet
 * @jitter_ms: RFC 3550 interarrival jitter, from the hub's rtpsession
 * @packets_lost: RFC 3550 cumulative loss, from the hub's rtpsession
 * @decoded: whether the stream is decoded now (visible or audible)
 */
typedef struct {
  guint64 packets;
  guint64 bytes;
  gint64 last_packet_us;
  gdouble jitter_ms;
  gint64 packets_lost;
  gboolean decoded;
} HnLegStreamStats;

typedef struct {
  guint64 accepted;
  guint64 malformed;       /* not RTP (hn_rtp_header_parse()), RTCP included */
  guint64 unknown;         /* an SSRC no joined room announced */
  guint64 spoofed;         /* a joined room's SSRC from another address */
  guint64 unauthenticated; /* SRTP that failed authentication (another
                            * key, tampered with, replayed) */
  guint64 restarts;        /* times the receiver was restarted after its
                            * shared part failed */
} HnReturnCounters;

#define HN_TYPE_RETURN_RECEIVER (hn_return_receiver_get_type ())
G_DECLARE_FINAL_TYPE (HnReturnReceiver, hn_return_receiver, HN, RETURN_RECEIVER, GObject)

HnReturnReceiver *hn_return_receiver_new (const gchar *address,
                                          guint rtp_port,
                                          guint rtcp_port,
                                          gboolean srtp,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

void hn_return_receiver_get_ports (HnReturnReceiver *self, guint *rtp_port, guint *rtcp_port);

gboolean hn_return_receiver_add_leg (HnReturnReceiver *self,
                                     const gchar *site_id,
                                     const gchar *host,
                                     guint32 video_ssrc,
                                     guint32 audio_ssrc,
                                     guint video_rtcp_port,
                                     guint audio_rtcp_port,
                                     GBytes *srtp_key,
                                     GError **error);
void hn_return_receiver_remove_leg (HnReturnReceiver *self, const gchar *site_id);
gboolean hn_return_receiver_has_leg (HnReturnReceiver *self, const gchar *site_id);

gboolean hn_return_receiver_route (HnReturnReceiver *self,
                                   const gchar *site_id,
                                   HnLegStream stream,
                                   const gchar *channel,
                                   GError **error);
void hn_return_receiver_request_keyframe (HnReturnReceiver *self, const gchar *site_id);
gboolean hn_return_receiver_get_stats (HnReturnReceiver *self,
                                       const gchar *site_id,
                                       HnLegStream stream,
                                       HnLegStreamStats *stats);
void hn_return_receiver_get_counters (HnReturnReceiver *self, HnReturnCounters *counters);
guint hn_return_receiver_get_n_decoded (HnReturnReceiver *self);
GstElement *hn_return_receiver_get_pipeline (HnReturnReceiver *self);

G_END_DECLS

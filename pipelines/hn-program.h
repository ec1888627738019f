#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Slots a program composes besides the chair: the grid's four cells */
#define HN_PROGRAM_SLOTS 4
/* The chair's position in hn_program_set_cell() */
#define HN_PROGRAM_CHAIR (-1)

typedef struct {
  const gchar *name; /* the meeting id, for channel and element names */
  guint width;
  guint height;
  guint framerate;
  guint video_bitrate; /* kbit/s */
  guint audio_bitrate; /* kbit/s */
  const gchar *bind_address;
  GBytes *srtp_key; /* nullable: plain RTP; else HN_MEDIA_SRTP_KEY_SIZE bytes */
} HnProgramConfig;

/* The destination name of the monitor output (hn_program_add_monitor()) */
#define HN_PROGRAM_MONITOR "monitor"

#define HN_TYPE_PROGRAM (hn_program_get_type ())
G_DECLARE_FINAL_TYPE (HnProgram, hn_program, HN, PROGRAM, GObject)

HnProgram *hn_program_new (const HnProgramConfig *config, GError **error) G_GNUC_WARN_UNUSED_RESULT;

const gchar *hn_program_get_chair_video_channel (HnProgram *self);
const gchar *hn_program_get_chair_audio_channel (HnProgram *self);
const gchar *hn_program_get_slot_video_channel (HnProgram *self, guint slot);
const gchar *hn_program_get_slot_audio_channel (HnProgram *self, guint slot);
void hn_program_get_rtcp_ports (HnProgram *self, guint *video, guint *audio);
guint32 hn_program_get_video_ssrc (HnProgram *self);
guint32 hn_program_get_audio_ssrc (HnProgram *self);

void hn_program_hide_all (HnProgram *self);
void hn_program_set_cell (
    HnProgram *self, gint slot, gint x, gint y, gint width, gint height, guint zorder);
void hn_program_set_slot_audible (HnProgram *self, guint slot, gboolean audible);

gboolean hn_program_add_destination (HnProgram *self,
                                     const gchar *name,
                                     const gchar *host,
                                     guint video_rtp_port,
                                     guint video_rtcp_port,
                                     guint audio_rtp_port,
                                     guint audio_rtcp_port,
                                     GError **error);
gboolean hn_program_add_monitor (
    HnProgram *self, const gchar *host, guint video_port, guint audio_port, GError **error);
void hn_program_remove_destination (HnProgram *self, const gchar *name);
void hn_program_get_srtp_key (HnProgram *self, guint8 *key);
void hn_program_get_srtp_rocs (HnProgram *self, guint32 *video, guint32 *audio);
guint hn_program_get_n_destinations (HnProgram *self);

gchar *hn_program_get_sdp (HnProgram *self,
                           const gchar *host,
                           guint video_port,
                           guint audio_port,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;
guint64 hn_program_get_frames_encoded (HnProgram *self);

/**
 * HnProgramReport:
 *
 * What a room last reported about the program it receives (its RTCP
 * receiver report), in one stream; negative values are unknown.
 */
typedef struct {
  gdouble loss_pct;
  gdouble jitter_ms;
  gdouble rtt_ms;
  guint32 highest_seq; /* extended highest sequence number received */
  gint32 packets_lost; /* cumulative, as the room counts them */
} HnProgramReport;

gboolean hn_program_get_report (HnProgram *self,
                                gboolean video,
                                guint32 reporter_ssrc,
                                HnProgramReport *report);

G_END_DECLS

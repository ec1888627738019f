#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "hn-config.h"
#include "hn-link-health.h"
#include "hn-meeting.h"
#include "hn-meetings-config.h"
#include "hn-return-receiver.h"

G_BEGIN_DECLS

/**
 * HnMeetingRequest:
 * @id: the meeting's id (same rules as a site id)
 * @title: (nullable): shown to operators; defaults to @id
 * @sites: a site selector: "all", "tier:commune", "district:huyen-tam-dao",
 *   "a,b,c", "!id" exclusions (see hn_site_selector_resolve())
 * @source: (nullable): the chair: "test" (default), "camera" or a URI
 * @layout: (nullable): "single" (default), "pip" or "grid"
 * @monitor: (nullable): "HOST:PORT": also send the program there (video
 *   RTP on PORT, audio RTP on PORT+2), for a player using program.sdp
 */
typedef struct {
  const gchar *id;
  const gchar *title;
  const gchar *sites;
  const gchar *source;
  const gchar *layout;
  const gchar *monitor;
} HnMeetingRequest;

#define HN_TYPE_HUB (hn_hub_get_type ())
G_DECLARE_FINAL_TYPE (HnHub, hn_hub, HN, HUB, GObject)

HnHub *hn_hub_new (HnConfig *config,
                   const gchar *state_dir,
                   GError **error) G_GNUC_WARN_UNUSED_RESULT;
void hn_hub_close (HnHub *self);

void hn_hub_set_config (HnHub *self, HnConfig *config);
HnConfig *hn_hub_get_config (HnHub *self);
guint hn_hub_get_control_port (HnHub *self);
void hn_hub_get_media_ports (HnHub *self, guint *rtp_port, guint *rtcp_port);
void hn_hub_get_return_counters (HnHub *self, HnReturnCounters *counters);
gchar *hn_hub_rotate_site_secret (HnHub *self,
                                  const gchar *site_id,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
const gchar *hn_hub_get_control_fingerprint (HnHub *self);
gchar *hn_hub_get_site_token (HnHub *self,
                              const gchar *site_id,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean hn_hub_is_site_online (HnHub *self, const gchar *site_id);
guint hn_hub_count_online (HnHub *self);
gchar *hn_hub_describe (HnHub *self) G_GNUC_WARN_UNUSED_RESULT;

HnMeeting *hn_hub_start_meeting (HnHub *self, const HnMeetingRequest *request, GError **error);
guint hn_hub_resume_meetings (HnHub *self);
gboolean hn_hub_stop_meeting (HnHub *self, const gchar *meeting_id, GError **error);
HnMeeting *hn_hub_get_meeting (HnHub *self, const gchar *meeting_id, GError **error);
GPtrArray *hn_hub_list_meetings (HnHub *self) G_GNUC_WARN_UNUSED_RESULT;
gboolean hn_hub_add_site (HnHub *self,
                          const gchar *meeting_id,
                          const gchar *site_id,
                          GError **error);
gboolean hn_hub_remove_site (HnHub *self,
                             const gchar *meeting_id,
                             const gchar *site_id,
                             GError **error);
gboolean hn_hub_set_floor (HnHub *self,
                           const gchar *meeting_id,
                           const gchar *site_id,
                           GError **error);
gboolean hn_hub_set_muted (
    HnHub *self, const gchar *meeting_id, const gchar *site_id, gboolean muted, GError **error);
gboolean hn_hub_set_layout (HnHub *self,
                            const gchar *meeting_id,
                            const gchar *layout,
                            GError **error);
gchar *hn_hub_get_program_sdp (HnHub *self,
                               const gchar *meeting_id,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *hn_hub_meeting_to_json (HnHub *self, HnMeeting *meeting) G_GNUC_WARN_UNUSED_RESULT;

void hn_hub_set_schedule (HnHub *self, HnMeetingsConfig *meetings);
JsonNode *hn_hub_schedule_to_json (HnHub *self) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *hn_hub_schedule_next_to_json (HnHub *self,
                                        const gchar *meeting_id,
                                        guint count,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

HnLinkHealth *hn_hub_get_link_health (HnHub *self);
const gchar *hn_hub_get_site_meeting (HnHub *self, const gchar *site_id);
JsonNode *hn_hub_link_to_json (HnHub *self, const gchar *site_id) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "hn-error.h"
#include "hn-layout.h"
#include "hn-site.h"

G_BEGIN_DECLS

/**
 * HnMeetingChange:
 * @HN_MEETING_CHANGE_PARTICIPANTS: a site joined or left
 * @HN_MEETING_CHANGE_FLOOR: the floor went to another site or to nobody
 * @HN_MEETING_CHANGE_FLOOR_REQUESTS: the queue of floor requests changed
 * @HN_MEETING_CHANGE_MUTE: a participant was muted or unmuted
 * @HN_MEETING_CHANGE_LAYOUT: the layout changed
 *
 * What one change of a meeting touched, as passed by HnMeeting::changed.
 * The derived views (visible, audible, layout cells) may change with any
 * of them.
 */
typedef enum /*< flags >*/ {
  HN_MEETING_CHANGE_PARTICIPANTS = 1 << 0,
  HN_MEETING_CHANGE_FLOOR = 1 << 1,
  HN_MEETING_CHANGE_FLOOR_REQUESTS = 1 << 2,
  HN_MEETING_CHANGE_MUTE = 1 << 3,
  HN_MEETING_CHANGE_LAYOUT = 1 << 4,
} HnMeetingChange;

GType hn_meeting_change_get_type (void);
#define HN_TYPE_MEETING_CHANGE (hn_meeting_change_get_type ())

#define HN_TYPE_MEETING (hn_meeting_get_type ())
G_DECLARE_FINAL_TYPE (HnMeeting, hn_meeting, HN, MEETING, GObject)

HnMeeting *hn_meeting_new (const gchar *id,
                           const gchar *title,
                           const gchar *source,
                           HnLayout layout,
                           GPtrArray *sites,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

const gchar *hn_meeting_get_id (HnMeeting *self);
const gchar *hn_meeting_get_title (HnMeeting *self);
const gchar *hn_meeting_get_source (HnMeeting *self);

gboolean hn_meeting_add_site (HnMeeting *self, HnSite *site, GError **error);
gboolean hn_meeting_remove_site (HnMeeting *self, const gchar *site_id, GError **error);
gboolean hn_meeting_has_site (HnMeeting *self, const gchar *site_id);
HnSite *hn_meeting_get_site (HnMeeting *self, const gchar *site_id);
GPtrArray *hn_meeting_get_sites (HnMeeting *self);
GPtrArray *hn_meeting_get_participants (HnMeeting *self);

gboolean hn_meeting_set_floor (HnMeeting *self, const gchar *site_id, GError **error);
const gchar *hn_meeting_get_floor (HnMeeting *self);
gboolean hn_meeting_request_floor (HnMeeting *self, const gchar *site_id, GError **error);
gboolean hn_meeting_cancel_floor_request (HnMeeting *self, const gchar *site_id, GError **error);
GPtrArray *hn_meeting_get_floor_requests (HnMeeting *self);

gboolean hn_meeting_set_muted (HnMeeting *self,
                               const gchar *site_id,
                               gboolean muted,
                               GError **error);
gboolean hn_meeting_is_muted (HnMeeting *self, const gchar *site_id);

void hn_meeting_set_layout (HnMeeting *self, HnLayout layout);
HnLayout hn_meeting_get_layout (HnMeeting *self);

GPtrArray *hn_meeting_get_visible (HnMeeting *self) G_GNUC_WARN_UNUSED_RESULT;
GPtrArray *hn_meeting_get_audible (HnMeeting *self) G_GNUC_WARN_UNUSED_RESULT;
GArray *hn_meeting_compute_layout (HnMeeting *self,
                                   guint width,
                                   guint height) G_GNUC_WARN_UNUSED_RESULT;

JsonNode *hn_meeting_to_json (HnMeeting *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

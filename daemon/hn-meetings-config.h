#pragma once

#include <glib-object.h>

#include "hn-config.h"
#include "hn-error.h"
#include "hn-layout.h"

G_BEGIN_DECLS

/* how far ahead the loader looks for two meetings booking one site */
#define HN_MEETINGS_CONFLICT_HORIZON_USEC (90 * G_TIME_SPAN_DAY)
/* the longest an occurrence may last */
#define HN_MEETING_MAX_DURATION_USEC G_TIME_SPAN_DAY
#define HN_MEETING_DEFAULT_TIMEZONE "Asia/Ho_Chi_Minh"

/**
 * HnMeetingPlan:
 *
 * One [meeting ID] group of meetings.conf: an immutable description of a
 * recurring meeting and when its occurrences are. Reference counted.
 */
typedef struct _HnMeetingPlan HnMeetingPlan;

GType hn_meeting_plan_get_type (void);
#define HN_TYPE_MEETING_PLAN (hn_meeting_plan_get_type ())

HnMeetingPlan *hn_meeting_plan_ref (HnMeetingPlan *plan);
void hn_meeting_plan_unref (HnMeetingPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnMeetingPlan, hn_meeting_plan_unref)

const gchar *hn_meeting_plan_get_id (HnMeetingPlan *plan);
const gchar *hn_meeting_plan_get_title (HnMeetingPlan *plan);
const gchar *hn_meeting_plan_get_source (HnMeetingPlan *plan);
HnLayout hn_meeting_plan_get_layout (HnMeetingPlan *plan);
const gchar *hn_meeting_plan_get_floor (HnMeetingPlan *plan);
const gchar *hn_meeting_plan_get_selector (HnMeetingPlan *plan);
GPtrArray *hn_meeting_plan_get_sites (HnMeetingPlan *plan);
const gchar *hn_meeting_plan_get_timezone_name (HnMeetingPlan *plan);
GTimeZone *hn_meeting_plan_get_timezone (HnMeetingPlan *plan);
gboolean hn_meeting_plan_get_enabled (HnMeetingPlan *plan);

gboolean hn_meeting_plan_next_start (HnMeetingPlan *plan,
                                     gint64 after_us,
                                     gint64 *start_us,
                                     gint64 *end_us);
gboolean hn_meeting_plan_current (HnMeetingPlan *plan,
                                  gint64 now_us,
                                  gint64 *start_us,
                                  gint64 *end_us);

#define HN_TYPE_MEETINGS_CONFIG (hn_meetings_config_get_type ())
G_DECLARE_FINAL_TYPE (HnMeetingsConfig, hn_meetings_config, HN, MEETINGS_CONFIG, GObject)

HnMeetingsConfig *hn_meetings_config_new_from_file (const gchar *path,
                                                    HnConfig *sites,
                                                    gint64 now_us,
                                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

const gchar *hn_meetings_config_get_path (HnMeetingsConfig *self);
const gchar *const *hn_meetings_config_get_files (HnMeetingsConfig *self);
GPtrArray *hn_meetings_config_get_plans (HnMeetingsConfig *self);
HnMeetingPlan *hn_meetings_config_get_plan (HnMeetingsConfig *self, const gchar *id);

gchar *hn_meetings_format_time (gint64 usec, GTimeZone *tz) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

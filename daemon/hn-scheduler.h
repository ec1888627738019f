#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "hn-error.h"
#include "hn-meetings-config.h"

G_BEGIN_DECLS

/**
 * HnScheduledActionKind:
 * @HN_SCHEDULED_ACTION_START: start the meeting for the rest of the occurrence
 * @HN_SCHEDULED_ACTION_STOP: stop the meeting, its occurrence has ended
 */
typedef enum {
  HN_SCHEDULED_ACTION_START,
  HN_SCHEDULED_ACTION_STOP,
} HnScheduledActionKind;

/**
 * HnScheduledAction:
 * @kind: what to do
 * @meeting_id: the meeting (a [meeting ID] of meetings.conf)
 * @start_us: the start of the occurrence concerned, µs since the epoch
 * @end_us: its end
 *
 * One thing hn_scheduler_tick() asks its owner to do.
 */
typedef struct {
  HnScheduledActionKind kind;
  gchar *meeting_id;
  gint64 start_us;
  gint64 end_us;
} HnScheduledAction;

void hn_scheduled_action_free (HnScheduledAction *action);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnScheduledAction, hn_scheduled_action_free)

/* Whether the meeting @meeting_id runs now, however it was started. */
typedef gboolean (*HnSchedulerRunningFunc) (const gchar *meeting_id, gpointer user_data);

#define HN_TYPE_SCHEDULER (hn_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (HnScheduler, hn_scheduler, HN, SCHEDULER, GObject)

HnScheduler *hn_scheduler_new (void) G_GNUC_WARN_UNUSED_RESULT;

void hn_scheduler_set_config (HnScheduler *self, HnMeetingsConfig *config);
HnMeetingsConfig *hn_scheduler_get_config (HnScheduler *self);

gboolean hn_scheduler_load_state (HnScheduler *self, const gchar *path, GError **error);
gboolean hn_scheduler_save_state (HnScheduler *self, const gchar *path, GError **error);

GPtrArray *hn_scheduler_tick (HnScheduler *self,
                              gint64 now_us,
                              HnSchedulerRunningFunc is_running,
                              gpointer user_data) G_GNUC_WARN_UNUSED_RESULT;
void hn_scheduler_record_started (HnScheduler *self,
                                  const gchar *meeting_id,
                                  gint64 start_us,
                                  gint64 end_us);
void hn_scheduler_record_stopped (HnScheduler *self, const gchar *meeting_id);
gint64 hn_scheduler_next_wakeup (HnScheduler *self, gint64 now_us);

JsonNode *hn_scheduler_list_to_json (HnScheduler *self, gint64 now_us) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

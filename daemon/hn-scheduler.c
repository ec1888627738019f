/* HnScheduler: decides when the scheduled meetings of meetings.conf start
 * and stop. It is plain code, free of GStreamer and of the clock: its owner
 * passes the time to hn_scheduler_tick(), carries out the START and STOP
 * actions it returns and arms a timer for hn_scheduler_next_wakeup().
 *
 * What it remembers per meeting (the occurrence last started, whether it
 * was started by the schedule and whether it is over) is saved to a small
 * JSON file so that after a restart an occurrence under way is caught up
 * for its remaining time, and one already started, stopped by hand or
 * over is never replayed. */

#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "hn-scheduler.h"

#include <gio/gio.h>

#include "hn-util.h"

typedef struct {
  gchar *id;
  gint64 last_start;
  gint64 last_end;
  gboolean finished;
  /* the scheduler started it, so it stops it at last_end; a meeting an
   * operator started is left to the operator */
  gboolean by_schedule;
} HnScheduleEntry;

struct _HnScheduler {
  GObject parent_instance;

  HnMeetingsConfig *config;
  GHashTable *entries; /* id -> HnScheduleEntry */
};

G_DEFINE_FINAL_TYPE (HnScheduler, hn_scheduler, G_TYPE_OBJECT)

void
hn_scheduled_action_free (HnScheduledAction *action)
{
  if (action == NULL)
    return;
  g_free (action->meeting_id);
  g_free (action);
}

static void
hn_schedule_entry_free (HnScheduleEntry *entry)
{
  g_free (entry->id);
  g_free (entry);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnScheduleEntry, hn_schedule_entry_free)

static void
hn_scheduler_dispose (GObject *object)
{
  HnScheduler *self = HN_SCHEDULER (object);

  g_clear_object (&self->config);

  G_OBJECT_CLASS (hn_scheduler_parent_class)->dispose (object);
}

static void
hn_scheduler_finalize (GObject *object)
{
  HnScheduler *self = HN_SCHEDULER (object);

  g_hash_table_unref (self->entries);

  G_OBJECT_CLASS (hn_scheduler_parent_class)->finalize (object);
}

static void
hn_scheduler_class_init (HnSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hn_scheduler_dispose;
  object_class->finalize = hn_scheduler_finalize;
}

static void
hn_scheduler_init (HnScheduler *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) hn_schedule_entry_free);
}

HnScheduler *
hn_scheduler_new (void)
{
  return g_object_new (HN_TYPE_SCHEDULER, NULL);
}

/**
 * hn_scheduler_set_config:
 * @config: (nullable): the meetings to schedule from now on
 *
 * Replaces the schedule, e.g. on reload. Running meetings are left alone:
 * what the scheduler started is still stopped at the end of the occurrence
 * it was started for, even if the meeting was changed or removed.
 */
void
hn_scheduler_set_config (HnScheduler *self, HnMeetingsConfig *config)
{
  g_return_if_fail (HN_IS_SCHEDULER (self));
  g_return_if_fail (config == NULL || HN_IS_MEETINGS_CONFIG (config));

  g_set_object (&self->config, config);
}

/**
 * hn_scheduler_get_config:
 *
 * Returns: (transfer none) (nullable): the schedule
 */
HnMeetingsConfig *
hn_scheduler_get_config (HnScheduler *self)
{
  g_return_val_if_fail (HN_IS_SCHEDULER (self), NULL);
  return self->config;
}

static HnScheduleEntry *
hn_scheduler_ensure_entry (HnScheduler *self, const gchar *id)
{
  HnScheduleEntry *entry = g_hash_table_lookup (self->entries, id);

  if (entry != NULL)
    return entry;
  entry = g_new0 (HnScheduleEntry, 1);
  entry->id = g_strdup (id);
  entry->finished = TRUE;
  g_hash_table_insert (self->entries, entry->id, entry);
  return entry;
}

static void
hn_scheduler_record (
    HnScheduler *self, const gchar *id, gint64 start, gint64 end, gboolean by_schedule)
{
  HnScheduleEntry *entry = hn_scheduler_ensure_entry (self, id);

  entry->last_start = start;
  entry->last_end = end;
  entry->finished = FALSE;
  entry->by_schedule = by_schedule;
}

/**
 * hn_scheduler_record_started:
 * @start_us: the start of the occurrence the meeting was started for
 * @end_us: its end, when the scheduler is to stop it
 *
 * Records that @meeting_id was started on the schedule's behalf for the
 * occurrence @start_us..@end_us. hn_scheduler_tick() already records each
 * START it returns, so calling this for it again is harmless.
 */
void
hn_scheduler_record_started (HnScheduler *self,
                             const gchar *meeting_id,
                             gint64 start_us,
                             gint64 end_us)
{
  g_return_if_fail (HN_IS_SCHEDULER (self));
  g_return_if_fail (meeting_id != NULL);

  hn_scheduler_record (self, meeting_id, start_us, end_us, TRUE);
}

/**
 * hn_scheduler_record_stopped:
 *
 * Records that @meeting_id stopped, by hand, by a STOP action or because
 * starting it failed. That ends its current occurrence: it is not started
 * again before the next one.
 */
void
hn_scheduler_record_stopped (HnScheduler *self, const gchar *meeting_id)
{
  HnScheduleEntry *entry;

  g_return_if_fail (HN_IS_SCHEDULER (self));
  g_return_if_fail (meeting_id != NULL);

  entry = g_hash_table_lookup (self->entries, meeting_id);
  if (entry == NULL)
    return;
  entry->finished = TRUE;
  entry->by_schedule = FALSE;
}

static HnScheduledAction *
hn_scheduled_action_new (HnScheduledActionKind kind, const gchar *id, gint64 start, gint64 end)
{
  HnScheduledAction *action = g_new0 (HnScheduledAction, 1);

  action->kind = kind;
  action->meeting_id = g_strdup (id);
  action->start_us = start;
  action->end_us = end;
  return action;
}

static void
hn_scheduler_log (const gchar *id, const gchar *message, gint64 start, gint64 end)
{
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "MEETING_ID", id, "MESSAGE",
                    "%s %s (occurrence %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT ")", message, id,
                    start, end);
}

/* STOP for every meeting the scheduler started whose occurrence is over;
 * @stopping collects their ids. */
static void
hn_scheduler_collect_stops (HnScheduler *self,
                            gint64 now,
                            HnSchedulerRunningFunc is_running,
                            gpointer user_data,
                            GPtrArray *actions,
                            GHashTable *stopping)
{
  g_autoptr (GList) ids = g_hash_table_get_keys (self->entries);

  /* a stable order, so that the actions do not depend on hashing */
  ids = g_list_sort (ids, (GCompareFunc) g_strcmp0);
  for (GList *l = ids; l != NULL; l = l->next) {
    HnScheduleEntry *entry = g_hash_table_lookup (self->entries, l->data);

    if (!entry->by_schedule || entry->finished || now < entry->last_end)
      continue;
    entry->finished = TRUE;
    entry->by_schedule = FALSE;
    if (!is_running (entry->id, user_data))
      continue;
    hn_scheduler_log (entry->id, "stopping scheduled meeting", entry->last_start, entry->last_end);
    g_ptr_array_add (actions, hn_scheduled_action_new (HN_SCHEDULED_ACTION_STOP, entry->id,
                                                       entry->last_start, entry->last_end));
    g_hash_table_add (stopping, entry->id);
  }
}

/**
 * hn_scheduler_tick:
 * @now_us: the current time, µs since the epoch
 * @is_running: tells whether a meeting runs now
 *
 * Works out what is due at @now_us and records it: STOP for a meeting the
 * scheduler started once its occurrence has ended (if it still runs);
 * START for an enabled meeting with an occurrence under way (start ≤ now <
 * end) that was not started yet, for the rest of the occurrence. A meeting
 * already running (started by hand) is recorded as started and left to
 * whoever started it. Occurrences that ended while the daemon was down are
 * not replayed. STOPs come before STARTs. Save the state afterwards.
 *
 * Returns: (transfer container) (element-type HnScheduledAction): what to do
 */
GPtrArray *
hn_scheduler_tick (HnScheduler *self,
                   gint64 now_us,
                   HnSchedulerRunningFunc is_running,
                   gpointer user_data)
{
  g_autoptr (GPtrArray) actions =
      g_ptr_array_new_with_free_func ((GDestroyNotify) hn_scheduled_action_free);
  g_autoptr (GHashTable) stopping = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *plans;

  g_return_val_if_fail (HN_IS_SCHEDULER (self), NULL);
  g_return_val_if_fail (is_running != NULL, NULL);

  hn_scheduler_collect_stops (self, now_us, is_running, user_data, actions, stopping);
  if (self->config == NULL)
    return g_steal_pointer (&actions);

  plans = hn_meetings_config_get_plans (self->config);
  for (guint i = 0; i < plans->len; i++) {
    HnMeetingPlan *plan = plans->pdata[i];
    const gchar *id = hn_meeting_plan_get_id (plan);
    HnScheduleEntry *entry = g_hash_table_lookup (self->entries, id);
    gint64 start, end;

    if (!hn_meeting_plan_get_enabled (plan) ||
        !hn_meeting_plan_current (plan, now_us, &start, &end))
      continue;
    if (entry != NULL && entry->last_start == start)
      continue;
    /* one stopped in this tick for a back-to-back occurrence is started
     * again after the STOP */
    if (!g_hash_table_contains (stopping, id) && is_running (id, user_data)) {
      hn_scheduler_log (id, "meeting already running, not starting", start, end);
      hn_scheduler_record (self, id, start, end, FALSE);
      continue;
    }
    hn_scheduler_log (
        id, start < now_us ? "catching up scheduled meeting" : "starting scheduled meeting", start,
        end);
    hn_scheduler_record (self, id, start, end, TRUE);
    g_ptr_array_add (actions, hn_scheduled_action_new (HN_SCHEDULED_ACTION_START, id, start, end));
  }
  return g_steal_pointer (&actions);
}

/**
 * hn_scheduler_next_wakeup:
 *
 * Returns: the earliest time after which hn_scheduler_tick() may have
 *   something to do (@now_us if that is now), or %G_MAXINT64 for never
 */
gint64
hn_scheduler_next_wakeup (HnScheduler *self, gint64 now_us)
{
  gint64 wakeup = G_MAXINT64;
  GHashTableIter iter;
  HnScheduleEntry *entry;

  g_return_val_if_fail (HN_IS_SCHEDULER (self), G_MAXINT64);

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry)) {
    if (entry->by_schedule && !entry->finished)
      wakeup = MIN (wakeup, MAX (entry->last_end, now_us));
  }
  if (self->config != NULL) {
    GPtrArray *plans = hn_meetings_config_get_plans (self->config);

    for (guint i = 0; i < plans->len; i++) {
      HnMeetingPlan *plan = plans->pdata[i];
      gint64 start, end;

      if (!hn_meeting_plan_get_enabled (plan))
        continue;
      entry = g_hash_table_lookup (self->entries, hn_meeting_plan_get_id (plan));
      if (hn_meeting_plan_current (plan, now_us, &start, &end) &&
          (entry == NULL || entry->last_start != start))
        wakeup = MIN (wakeup, now_us);
      if (hn_meeting_plan_next_start (plan, now_us, &start, &end))
        wakeup = MIN (wakeup, start);
    }
  }
  return wakeup;
}

/* State file */

static gboolean
hn_scheduler_get_int (JsonObject *o, const gchar *member, gint64 *out)
{
  JsonNode *node = json_object_get_member (o, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
hn_scheduler_get_bool (JsonObject *o, const gchar *member, gboolean optional, gboolean *out)
{
  JsonNode *node = json_object_get_member (o, member);

  if (node == NULL && optional)
    return TRUE;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  *out = json_node_get_boolean (node);
  return TRUE;
}

static GHashTable *
hn_scheduler_parse_state (JsonNode *root, GError **error)
{
  g_autoptr (GHashTable) entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                          (GDestroyNotify) hn_schedule_entry_free);
  JsonNode *meetings;
  JsonObjectIter iter;
  const gchar *id;
  JsonNode *node;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "not a JSON object");
    return NULL;
  }
  meetings = json_object_get_member (json_node_get_object (root), "meetings");
  if (meetings == NULL || !JSON_NODE_HOLDS_OBJECT (meetings)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "no \"meetings\" object");
    return NULL;
  }
  json_object_iter_init (&iter, json_node_get_object (meetings));
  while (json_object_iter_next (&iter, &id, &node)) {
    g_autoptr (HnScheduleEntry) entry = g_new0 (HnScheduleEntry, 1);
    HnScheduleEntry *added;
    JsonObject *o;

    entry->id = g_strdup (id);
    if (!JSON_NODE_HOLDS_OBJECT (node)) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "meeting \"%s\" is not an object",
                   id);
      return NULL;
    }
    o = json_node_get_object (node);
    if (!hn_scheduler_get_int (o, "last-start", &entry->last_start) ||
        !hn_scheduler_get_int (o, "last-end", &entry->last_end) ||
        !hn_scheduler_get_bool (o, "finished", FALSE, &entry->finished) ||
        !hn_scheduler_get_bool (o, "by-schedule", TRUE, &entry->by_schedule)) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "meeting \"%s\" needs integer \"last-start\" and \"last-end\" and boolean "
                   "\"finished\"",
                   id);
      return NULL;
    }
    added = g_steal_pointer (&entry);
    g_hash_table_insert (entries, added->id, added);
  }
  return g_steal_pointer (&entries);
}

/**
 * hn_scheduler_load_state:
 * @path: the state file written by hn_scheduler_save_state()
 *
 * Replaces what the scheduler remembers with the contents of @path. A
 * missing file is no error: nothing was scheduled yet.
 *
 * Returns: %FALSE with %HN_ERROR_INVALID_ARGUMENT naming @path if the file
 *   is corrupt (the caller moves it aside), or another code if it cannot
 *   be read; the state is then unchanged
 */
gboolean
hn_scheduler_load_state (HnScheduler *self, const gchar *path, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *contents = NULL;
  gsize length;
  GHashTable *entries;

  g_return_val_if_fail (HN_IS_SCHEDULER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_file_get_contents (path, &contents, &length, &local_error)) {
    if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return TRUE;
    g_propagate_error (error, g_steal_pointer (&local_error));
    hn_error_convert (error);
    return FALSE;
  }
  if (!hn_util_parse_json (contents, length, &root, &local_error)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "%s: corrupt scheduler state: %s",
                 path, local_error->message);
    return FALSE;
  }
  entries = hn_scheduler_parse_state (root, error);
  if (entries == NULL) {
    g_prefix_error (error, "%s: corrupt scheduler state: ", path);
    return FALSE;
  }
  g_hash_table_unref (self->entries);
  self->entries = entries;
  return TRUE;
}

/**
 * hn_scheduler_save_state:
 *
 * Writes what the scheduler remembers to @path atomically and durably
 * (a temporary file, fsync, rename), mode 0640.
 */
gboolean
hn_scheduler_save_state (HnScheduler *self, const gchar *path, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GList) ids = NULL;

  g_return_val_if_fail (HN_IS_SCHEDULER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  ids = g_list_sort (g_hash_table_get_keys (self->entries), (GCompareFunc) g_strcmp0);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "meetings");
  json_builder_begin_object (b);
  for (GList *l = ids; l != NULL; l = l->next) {
    HnScheduleEntry *entry = g_hash_table_lookup (self->entries, l->data);

    json_builder_set_member_name (b, entry->id);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "last-start");
    json_builder_add_int_value (b, entry->last_start);
    json_builder_set_member_name (b, "last-end");
    json_builder_add_int_value (b, entry->last_end);
    json_builder_set_member_name (b, "finished");
    json_builder_add_boolean_value (b, entry->finished);
    json_builder_set_member_name (b, "by-schedule");
    json_builder_add_boolean_value (b, entry->by_schedule);
    json_builder_end_object (b);
  }
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);

  return hn_util_save_json (path, root, error);
}

static void
hn_scheduler_add_time (JsonBuilder *b, const gchar *member, gboolean known, gint64 usec)
{
  json_builder_set_member_name (b, member);
  if (known)
    json_builder_add_int_value (b, usec);
  else
    json_builder_add_null_value (b);
}

/**
 * hn_scheduler_list_to_json:
 *
 * Returns: (transfer full): {"meetings": [{"id", "title", "enabled",
 *   "next-start", "next-end", "running-by-schedule", "last-start",
 *   "last-end"}]} in file order; times in µs since the epoch or null
 */
JsonNode *
hn_scheduler_list_to_json (HnScheduler *self, gint64 now_us)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (HN_IS_SCHEDULER (self), NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "meetings");
  json_builder_begin_array (b);
  for (guint i = 0; self->config != NULL && i < hn_meetings_config_get_plans (self->config)->len;
       i++) {
    HnMeetingPlan *plan = hn_meetings_config_get_plans (self->config)->pdata[i];
    HnScheduleEntry *entry = g_hash_table_lookup (self->entries, hn_meeting_plan_get_id (plan));
    gboolean enabled = hn_meeting_plan_get_enabled (plan);
    gint64 start = 0, end = 0;
    gboolean has_next = enabled && hn_meeting_plan_next_start (plan, now_us, &start, &end);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, hn_meeting_plan_get_id (plan));
    json_builder_set_member_name (b, "title");
    json_builder_add_string_value (b, hn_meeting_plan_get_title (plan));
    json_builder_set_member_name (b, "enabled");
    json_builder_add_boolean_value (b, enabled);
    hn_scheduler_add_time (b, "next-start", has_next, start);
    hn_scheduler_add_time (b, "next-end", has_next, end);
    json_builder_set_member_name (b, "running-by-schedule");
    json_builder_add_boolean_value (b, entry != NULL && entry->by_schedule && !entry->finished);
    hn_scheduler_add_time (b, "last-start", entry != NULL, entry != NULL ? entry->last_start : 0);
    hn_scheduler_add_time (b, "last-end", entry != NULL, entry != NULL ? entry->last_end : 0);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* HnMeetingRecord: a running meeting as the hub keeps it in its state
 * directory (`running-meetings.json`), so that a hub that crashed or was
 * restarted starts every meeting again with the same participants, floor,
 * layout, mutes, source and monitor, and the rooms rejoin on their own.
 *
 * The file is rewritten atomically and durably on every change (a
 * temporary file, fsync, rename). Reading it is strict: a file that is not
 * exactly what this code writes is reported as corrupt, and the hub moves
 * it aside rather than guess. Plain code, free of GStreamer and of the
 * clock (the caller gives the start time). */

#define G_LOG_DOMAIN "hoinghi-meeting"

#include "hn-meeting-record.h"

#include "hn-util.h"

#define HN_MEETING_RECORD_VERSION 1

void
hn_meeting_record_free (HnMeetingRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->title);
  g_free (record->source);
  g_free (record->layout);
  g_strfreev (record->sites);
  g_free (record->floor);
  g_strfreev (record->muted);
  g_free (record->monitor);
  g_free (record);
}

/**
 * hn_meeting_record_new_from_meeting:
 * @monitor: (nullable): the meeting's monitor output
 * @started_us: when it started, wall clock
 *
 * Returns: (transfer full): what to save of @meeting
 */
HnMeetingRecord *
hn_meeting_record_new_from_meeting (HnMeeting *meeting, const gchar *monitor, gint64 started_us)
{
  g_autoptr (HnMeetingRecord) record = g_new0 (HnMeetingRecord, 1);
  g_autoptr (GStrvBuilder) muted = g_strv_builder_new ();
  GPtrArray *sites;

  g_return_val_if_fail (HN_IS_MEETING (meeting), NULL);

  sites = hn_meeting_get_sites (meeting);
  record->id = g_strdup (hn_meeting_get_id (meeting));
  record->title = g_strdup (hn_meeting_get_title (meeting));
  record->source = g_strdup (hn_meeting_get_source (meeting));
  record->layout = g_strdup (hn_layout_to_string (hn_meeting_get_layout (meeting)));
  record->sites = g_new0 (gchar *, sites->len + 1);
  for (guint i = 0; i < sites->len; i++) {
    record->sites[i] = g_strdup (sites->pdata[i]);
    if (hn_meeting_is_muted (meeting, sites->pdata[i]))
      g_strv_builder_add (muted, sites->pdata[i]);
  }
  record->floor = g_strdup (hn_meeting_get_floor (meeting));
  record->muted = g_strv_builder_end (muted);
  record->monitor = g_strdup (monitor);
  record->started_us = started_us;
  return g_steal_pointer (&record);
}

/* --- reading --- */

static gboolean
hn_meeting_record_get_string (
    JsonObject *o, const gchar *member, gboolean nullable, gchar **out, GError **error)
{
  JsonNode *node = json_object_get_member (o, member);

  if (node != NULL && nullable && JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING || *json_node_get_string (node) == '\0') {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "\"%s\" must be a non-empty string%s",
                 member, nullable ? " or null" : "");
    return FALSE;
  }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
hn_meeting_record_get_strv (JsonObject *o, const gchar *member, GStrv *out, GError **error)
{
  JsonNode *node = json_object_get_member (o, member);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "\"%s\" must be an array of ids",
                 member);
    return FALSE;
  }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonNode *element = json_array_get_element (array, i);

    if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING ||
        *json_node_get_string (element) == '\0') {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "\"%s\" element %u must be a non-empty string", member, i + 1);
      return FALSE;
    }
    g_strv_builder_add (builder, json_node_get_string (element));
  }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

static HnMeetingRecord *
hn_meeting_record_parse (JsonNode *node, GError **error)
{
  g_autoptr (HnMeetingRecord) record = g_new0 (HnMeetingRecord, 1);
  JsonNode *started;
  JsonObject *o;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "not an object");
    return NULL;
  }
  o = json_node_get_object (node);
  if (!hn_meeting_record_get_string (o, "id", FALSE, &record->id, error) ||
      !hn_meeting_record_get_string (o, "title", FALSE, &record->title, error) ||
      !hn_meeting_record_get_string (o, "source", FALSE, &record->source, error) ||
      !hn_meeting_record_get_string (o, "layout", FALSE, &record->layout, error) ||
      !hn_meeting_record_get_strv (o, "sites", &record->sites, error) ||
      !hn_meeting_record_get_string (o, "floor", TRUE, &record->floor, error) ||
      !hn_meeting_record_get_strv (o, "muted", &record->muted, error) ||
      !hn_meeting_record_get_string (o, "monitor", TRUE, &record->monitor, error))
    return NULL;
  started = json_object_get_member (o, "started");
  if (started == NULL || !JSON_NODE_HOLDS_VALUE (started) ||
      json_node_get_value_type (started) != G_TYPE_INT64) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "\"started\" must be an integer (microseconds since 1970)");
    return NULL;
  }
  record->started_us = json_node_get_int (started);
  return g_steal_pointer (&record);
}

/**
 * hn_meeting_records_from_data:
 *
 * Parses the contents of a `running-meetings.json`.
 *
 * Returns: (transfer full) (element-type HnMeetingRecord): the meetings,
 *   or %NULL with %HN_ERROR_INVALID_ARGUMENT saying what is wrong
 */
GPtrArray *
hn_meeting_records_from_data (const gchar *data, gssize length, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) records =
      g_ptr_array_new_with_free_func ((GDestroyNotify) hn_meeting_record_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonNode *version, *meetings;
  JsonArray *array;

  g_return_val_if_fail (data != NULL, NULL);

  if (!hn_util_parse_json (data, length, &root, error))
    return NULL;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "not a JSON object");
    return NULL;
  }
  version = json_object_get_member (json_node_get_object (root), "version");
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version) ||
      json_node_get_value_type (version) != G_TYPE_INT64 ||
      json_node_get_int (version) != HN_MEETING_RECORD_VERSION) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "\"version\" must be %d",
                 HN_MEETING_RECORD_VERSION);
    return NULL;
  }
  meetings = json_object_get_member (json_node_get_object (root), "meetings");
  if (meetings == NULL || !JSON_NODE_HOLDS_ARRAY (meetings)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "no \"meetings\" array");
    return NULL;
  }
  array = json_node_get_array (meetings);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    HnMeetingRecord *record = hn_meeting_record_parse (json_array_get_element (array, i), error);

    if (record == NULL) {
      g_prefix_error (error, "meeting %u: ", i + 1);
      return NULL;
    }
    g_ptr_array_add (records, record);
    if (!g_hash_table_add (seen, record->id)) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "meeting %u: \"%s\" appears twice",
                   i + 1, record->id);
      return NULL;
    }
  }
  return g_steal_pointer (&records);
}

/**
 * hn_meeting_records_load:
 * @path: the state file written by hn_meeting_records_save()
 *
 * A missing file is no error: no meeting was running.
 *
 * Returns: (transfer full) (element-type HnMeetingRecord): the meetings,
 *   or %NULL with %HN_ERROR_INVALID_ARGUMENT naming @path if the file is
 *   corrupt (the caller moves it aside), or another code if it cannot be
 *   read
 */
GPtrArray *
hn_meeting_records_load (const gchar *path, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *contents = NULL;
  gsize length;
  GPtrArray *records;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local_error)) {
    if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return g_ptr_array_new_with_free_func ((GDestroyNotify) hn_meeting_record_free);
    g_propagate_error (error, g_steal_pointer (&local_error));
    hn_error_convert (error);
    g_prefix_error (error, "%s: ", path);
    return NULL;
  }
  records = hn_meeting_records_from_data (contents, (gssize) length, error);
  if (records == NULL)
    g_prefix_error (error, "%s: corrupt state of the running meetings: ", path);
  return records;
}

static void
hn_meeting_record_add_strv (JsonBuilder *b, const gchar *member, GStrv strv)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  for (guint i = 0; strv[i] != NULL; i++)
    json_builder_add_string_value (b, strv[i]);
  json_builder_end_array (b);
}

static void
hn_meeting_record_add_nullable (JsonBuilder *b, const gchar *member, const gchar *value)
{
  json_builder_set_member_name (b, member);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

/**
 * hn_meeting_records_save:
 * @records: (element-type HnMeetingRecord): the running meetings
 *
 * Writes @records to @path atomically and durably, mode 0640.
 */
gboolean
hn_meeting_records_save (const gchar *path, GPtrArray *records, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (records != NULL, FALSE);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, HN_MEETING_RECORD_VERSION);
  json_builder_set_member_name (b, "meetings");
  json_builder_begin_array (b);
  for (guint i = 0; i < records->len; i++) {
    HnMeetingRecord *record = records->pdata[i];

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, record->id);
    json_builder_set_member_name (b, "title");
    json_builder_add_string_value (b, record->title);
    json_builder_set_member_name (b, "source");
    json_builder_add_string_value (b, record->source);
    json_builder_set_member_name (b, "layout");
    json_builder_add_string_value (b, record->layout);
    hn_meeting_record_add_strv (b, "sites", record->sites);
    hn_meeting_record_add_nullable (b, "floor", record->floor);
    hn_meeting_record_add_strv (b, "muted", record->muted);
    hn_meeting_record_add_nullable (b, "monitor", record->monitor);
    json_builder_set_member_name (b, "started");
    json_builder_add_int_value (b, record->started_us);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return hn_util_save_json (path, root, error);
}

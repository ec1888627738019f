/* The meetings of the hub, over the HTTP API: /api/v1/meetings and what
 * lies under it (participants, floor, mute, layout, the program's SDP).
 *
 * hn-api-server.c matches the route, checks the query and that a hub
 * runs; these handlers check the request body, call HnHub and answer with
 * the meeting as hn_hub_meeting_to_json() shows it, so a client sees at
 * once what its change did. The hub's errors (404 unknown meeting or site,
 * 409 conflict, 400 invalid value) go back as they are. */

#define G_LOG_DOMAIN "hoinghi-api"

#include "hn-api-meetings.h"

#include <string.h>

#include "hn-calendar.h"
#include "hn-util.h"

#include <libsoup/soup.h>

#include "hn-error.h"

/* Answers with the meeting @meeting_id as it is now. */
static gboolean
hn_api_meetings_reply_meeting (HnHub *hub,
                               const gchar *meeting_id,
                               HnApiReply *reply,
                               GError **error)
{
  HnMeeting *meeting = hn_hub_get_meeting (hub, meeting_id, error);

  if (meeting == NULL)
    return FALSE;
  reply->json = hn_hub_meeting_to_json (hub, meeting);
  return TRUE;
}

/**
 * hn_api_meetings_list:
 *
 * GET /api/v1/meetings: {"count": N, "meetings": [meeting, …]}
 */
gboolean
hn_api_meetings_list (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  g_autoptr (GPtrArray) meetings = hn_hub_list_meetings (request->hub);
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, meetings->len);
  json_builder_set_member_name (b, "meetings");
  json_builder_begin_array (b);
  for (guint i = 0; i < meetings->len; i++)
    json_builder_add_value (b, hn_hub_meeting_to_json (request->hub, meetings->pdata[i]));
  json_builder_end_array (b);
  json_builder_end_object (b);
  reply->json = json_builder_get_root (b);
  return TRUE;
}

/* --- request bodies: what a handler reads from its body, apart from the
 * hub, so the fuzzer (tests/fuzz/fuzz-api-body.c) runs them without one.
 * Each returns the parsed body, which owns the strings it hands out. --- */

/**
 * hn_api_meetings_read_start:
 * @start: (out): the request; its strings belong to the returned body
 *
 * Reads POST /api/v1/meetings's body.
 *
 * Returns: (transfer full): the body, or %NULL with @error set
 */
JsonObject *
hn_api_meetings_read_start (GBytes *body, HnMeetingRequest *start, GError **error)
{
  static const HnApiMember members[] = {
    { "id", G_TYPE_STRING, TRUE, FALSE },
    { "sites", G_TYPE_STRING, FALSE, TRUE },
    { "title", G_TYPE_STRING, FALSE, TRUE },
    { "source", G_TYPE_STRING, FALSE, TRUE },
    { "layout", G_TYPE_STRING, FALSE, TRUE },
    { "monitor", G_TYPE_STRING, FALSE, TRUE },
    { NULL },
  };
  g_autoptr (JsonObject) object = hn_api_parse_body (body, members, error);

  memset (start, 0, sizeof *start);
  if (object == NULL)
    return NULL;
  start->id = hn_api_body_get_string (object, "id");
  start->sites = hn_api_body_get_string (object, "sites");
  start->title = hn_api_body_get_string (object, "title");
  start->source = hn_api_body_get_string (object, "source");
  start->layout = hn_api_body_get_string (object, "layout");
  start->monitor = hn_api_body_get_string (object, "monitor");
  return g_steal_pointer (&object);
}

/* a body of one string member @name: {"site"}, {"layout"} */
static JsonObject *
hn_api_meetings_read_string (
    GBytes *body, const gchar *name, gboolean nullable, const gchar **value, GError **error)
{
  const HnApiMember members[] = {
    { name, G_TYPE_STRING, TRUE, nullable },
    { NULL },
  };
  g_autoptr (JsonObject) object = hn_api_parse_body (body, members, error);

  *value = NULL;
  if (object == NULL)
    return NULL;
  *value = hn_api_body_get_string (object, name);
  return g_steal_pointer (&object);
}

/**
 * hn_api_meetings_read_site:
 * @site: (out): the site, never %NULL on success
 *
 * Reads POST /api/v1/meetings/ID/sites's body, {"site"}.
 *
 * Returns: (transfer full): the body, or %NULL with @error set
 */
JsonObject *
hn_api_meetings_read_site (GBytes *body, const gchar **site, GError **error)
{
  return hn_api_meetings_read_string (body, "site", FALSE, site, error);
}

/**
 * hn_api_meetings_read_floor:
 * @site: (out): the site, %NULL for the chair
 *
 * Reads PUT /api/v1/meetings/ID/floor's body, {"site": SITE or null}.
 *
 * Returns: (transfer full): the body, or %NULL with @error set
 */
JsonObject *
hn_api_meetings_read_floor (GBytes *body, const gchar **site, GError **error)
{
  return hn_api_meetings_read_string (body, "site", TRUE, site, error);
}

/**
 * hn_api_meetings_read_layout:
 * @layout: (out): the layout's name, not yet checked
 *
 * Reads PUT /api/v1/meetings/ID/layout's body, {"layout"}.
 *
 * Returns: (transfer full): the body, or %NULL with @error set
 */
JsonObject *
hn_api_meetings_read_layout (GBytes *body, const gchar **layout, GError **error)
{
  return hn_api_meetings_read_string (body, "layout", FALSE, layout, error);
}

/**
 * hn_api_meetings_read_muted:
 * @muted: (out)
 *
 * Reads PUT /api/v1/meetings/ID/sites/SITE's body, {"muted": bool}.
 *
 * Returns: (transfer full): the body, or %NULL with @error set
 */
JsonObject *
hn_api_meetings_read_muted (GBytes *body, gboolean *muted, GError **error)
{
  static const HnApiMember members[] = {
    { "muted", G_TYPE_BOOLEAN, TRUE, FALSE },
    { NULL },
  };
  g_autoptr (JsonObject) object = hn_api_parse_body (body, members, error);

  *muted = FALSE;
  if (object == NULL)
    return NULL;
  *muted = json_object_get_boolean_member (object, "muted");
  return g_steal_pointer (&object);
}

/* --- the handlers --- */

/**
 * hn_api_meetings_start:
 *
 * POST /api/v1/meetings {"id", "sites"?, "title"?, "source"?, "layout"?,
 * "monitor"?}: 201 and the new meeting; without "sites", the meeting's
 * definition in meetings.conf
 */
gboolean
hn_api_meetings_start (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  HnMeetingRequest start;
  g_autoptr (JsonObject) body = hn_api_meetings_read_start (request->body, &start, error);
  HnMeeting *meeting;

  if (body == NULL)
    return FALSE;
  meeting = hn_hub_start_meeting (request->hub, &start, error);
  if (meeting == NULL)
    return FALSE;
  reply->status = SOUP_STATUS_CREATED;
  reply->json = hn_hub_meeting_to_json (request->hub, meeting);
  return TRUE;
}

/**
 * hn_api_meetings_get:
 *
 * GET /api/v1/meetings/ID: the meeting
 */
gboolean
hn_api_meetings_get (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  return hn_api_meetings_reply_meeting (request->hub, request->params[0], reply, error);
}

/**
 * hn_api_meetings_stop:
 *
 * DELETE /api/v1/meetings/ID: {"stopped": ID}
 */
gboolean
hn_api_meetings_stop (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  const gchar *id = request->params[0];
  g_autoptr (JsonBuilder) b = NULL;

  if (!hn_hub_stop_meeting (request->hub, id, error))
    return FALSE;
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "stopped");
  json_builder_add_string_value (b, id);
  json_builder_end_object (b);
  reply->json = json_builder_get_root (b);
  return TRUE;
}

/**
 * hn_api_meetings_add_site:
 *
 * POST /api/v1/meetings/ID/sites {"site"}: the meeting
 */
gboolean
hn_api_meetings_add_site (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  const gchar *id = request->params[0];
  const gchar *site;
  g_autoptr (JsonObject) body = hn_api_meetings_read_site (request->body, &site, error);

  if (body == NULL || !hn_hub_add_site (request->hub, id, site, error))
    return FALSE;
  return hn_api_meetings_reply_meeting (request->hub, id, reply, error);
}

/**
 * hn_api_meetings_remove_site:
 *
 * DELETE /api/v1/meetings/ID/sites/SITE: the meeting
 */
gboolean
hn_api_meetings_remove_site (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  const gchar *id = request->params[0];

  if (!hn_hub_remove_site (request->hub, id, request->params[1], error))
    return FALSE;
  return hn_api_meetings_reply_meeting (request->hub, id, reply, error);
}

/**
 * hn_api_meetings_set_muted:
 *
 * PUT /api/v1/meetings/ID/sites/SITE {"muted": bool}: the meeting
 */
gboolean
hn_api_meetings_set_muted (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  const gchar *id = request->params[0];
  gboolean muted;
  g_autoptr (JsonObject) body = hn_api_meetings_read_muted (request->body, &muted, error);

  if (body == NULL || !hn_hub_set_muted (request->hub, id, request->params[1], muted, error))
    return FALSE;
  return hn_api_meetings_reply_meeting (request->hub, id, reply, error);
}

/**
 * hn_api_meetings_get_floor:
 *
 * GET /api/v1/meetings/ID/floor: {"floor": SITE or null, "requests":
 * [SITE, …]}, the queue first come first
 */
gboolean
hn_api_meetings_get_floor (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  HnMeeting *meeting = hn_hub_get_meeting (request->hub, request->params[0], error);
  g_autoptr (JsonBuilder) b = NULL;
  GPtrArray *requests;
  const gchar *floor;

  if (meeting == NULL)
    return FALSE;
  floor = hn_meeting_get_floor (meeting);
  requests = hn_meeting_get_floor_requests (meeting);

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "floor");
  if (floor != NULL)
    json_builder_add_string_value (b, floor);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "requests");
  json_builder_begin_array (b);
  for (guint i = 0; i < requests->len; i++)
    json_builder_add_string_value (b, requests->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  reply->json = json_builder_get_root (b);
  return TRUE;
}

/**
 * hn_api_meetings_set_floor:
 *
 * PUT /api/v1/meetings/ID/floor {"site": SITE or null}: the meeting; null
 * gives the floor back to the chair
 */
gboolean
hn_api_meetings_set_floor (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  const gchar *id = request->params[0];
  const gchar *site;
  g_autoptr (JsonObject) body = hn_api_meetings_read_floor (request->body, &site, error);

  if (body == NULL || !hn_hub_set_floor (request->hub, id, site, error))
    return FALSE;
  return hn_api_meetings_reply_meeting (request->hub, id, reply, error);
}

/**
 * hn_api_meetings_set_layout:
 *
 * PUT /api/v1/meetings/ID/layout {"layout": "single", "pip" or "grid"}:
 * the meeting
 */
gboolean
hn_api_meetings_set_layout (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  const gchar *id = request->params[0];
  const gchar *layout;
  g_autoptr (JsonObject) body = hn_api_meetings_read_layout (request->body, &layout, error);

  if (body == NULL || !hn_hub_set_layout (request->hub, id, layout, error))
    return FALSE;
  return hn_api_meetings_reply_meeting (request->hub, id, reply, error);
}

/**
 * hn_api_meetings_get_program_sdp:
 *
 * GET /api/v1/meetings/ID/program.sdp: the SDP of the program sent to the
 * meeting's monitor, as application/sdp for a player (ffplay, VLC)
 */
gboolean
hn_api_meetings_get_program_sdp (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  gchar *sdp = hn_hub_get_program_sdp (request->hub, request->params[0], error);

  if (sdp == NULL)
    return FALSE;
  reply->text = sdp;
  reply->content_type = "application/sdp";
  return TRUE;
}

static gboolean
hn_api_query_count (GHashTable *query, guint *count, GError **error)
{
  const gchar *text = query != NULL ? g_hash_table_lookup (query, "count") : NULL;

  *count = 5;
  if (text != NULL && !hn_util_parse_uint (text, 1, 100, count)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "count '%s' is not a whole number from 1 to 100", text);
    return FALSE;
  }
  return TRUE;
}

/* GET /api/v1/schedule: the recurring meetings of meetings.conf */
gboolean
hn_api_meetings_schedule (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  reply->json = hn_hub_schedule_to_json (request->hub);
  return TRUE;
}

/* GET /api/v1/schedule/{id}[?count=N]: its next occurrences */
gboolean
hn_api_meetings_schedule_next (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  guint count;

  if (!hn_api_query_count (request->query, &count, error))
    return FALSE;
  reply->json = hn_hub_schedule_next_to_json (request->hub, request->params[0], count, error);
  return reply->json != NULL;
}

/* GET /api/v1/calendar?expression=E[&count=N]: when a calendar expression
 * elapses next, from now, in the hub's zone (like systemd-analyze calendar) */
gboolean
hn_api_meetings_calendar (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  const gchar *expression =
      request->query != NULL ? g_hash_table_lookup (request->query, "expression") : NULL;
  g_autoptr (HnCalendar) calendar = NULL;
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier (HN_MEETING_DEFAULT_TIMEZONE);
  g_autoptr (GDateTime) now = NULL;
  g_autoptr (GPtrArray) next = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree gchar *normalized = NULL;
  guint count;

  if (expression == NULL) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                         "missing query parameter 'expression'");
    return FALSE;
  }
  if (!hn_api_query_count (request->query, &count, error))
    return FALSE;
  calendar = hn_calendar_new (expression, error);
  if (calendar == NULL)
    return FALSE;
  now = g_date_time_new_now (tz != NULL ? tz : g_time_zone_new_utc ());
  next = hn_calendar_next_n (calendar, now, count);
  normalized = hn_calendar_to_string (calendar);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "expression");
  json_builder_add_string_value (b, expression);
  json_builder_set_member_name (b, "normalized");
  json_builder_add_string_value (b, normalized);
  json_builder_set_member_name (b, "next");
  json_builder_begin_array (b);
  for (guint i = 0; next != NULL && i < next->len; i++) {
    g_autofree gchar *text = g_date_time_format (next->pdata[i], "%a %Y-%m-%d %H:%M:%S %:z");

    json_builder_add_string_value (b, text);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  reply->json = json_builder_get_root (b);
  return TRUE;
}

/* The hub's monitoring over the HTTP API: what Prometheus scrapes
 * (/metrics), what a load balancer or a watchdog asks (/health), the
 * links worst first (/api/v1/links) and the live stream of link, floor and
 * meeting events (/api/v1/events, Server-Sent Events).
 *
 * Everything is read from the hub's HnLinkHealth when asked; nothing here
 * keeps state but the clients of the event stream (HnApiEvents). A scrape
 * of the whole province (147 rooms) writes into one GString, with no
 * allocation per room, so a scrape every few seconds costs nothing worth
 * noticing.
 *
 * The event stream is a chunked libsoup response that never ends: each
 * event is appended to every client's body and the paused message is
 * resumed to send it. A client that stops reading would make the daemon
 * hold every event for it, so one that has HN_API_EVENTS_MAX_PENDING
 * bytes unsent is disconnected. */

#define G_LOG_DOMAIN "hoinghi-api"

#include "hn-api-health.h"

#include <math.h>
#include <string.h>

#include "hn-build-config.h"
#include "hn-error.h"
#include "hn-link-health.h"
#include "hn-util.h"

/* --- helpers --- */

/* The district a site belongs to, as the links' JSON says it: a
 * commune's district, a district's own id, else none */
static const gchar *
hn_api_health_site_district (HnSite *site)
{
  if (hn_site_get_district (site) != NULL)
    return hn_site_get_district (site);
  if (hn_site_get_tier (site) == HN_TIER_DISTRICT)
    return hn_site_get_id (site);
  return NULL;
}

/* Worst first: a down link, a participant that is offline, degraded,
 * connecting, up, then the rooms that take part in nothing. */
static guint
hn_api_health_rank (HnLinkHealth *health, const gchar *site_id)
{
  switch (hn_link_health_get_state (health, site_id)) {
  case HN_LINK_DOWN:
    return 0;
  case HN_LINK_OFFLINE:
    return hn_link_health_get_meeting (health, site_id) != NULL ? 1 : 6;
  case HN_LINK_DEGRADED:
    return 2;
  case HN_LINK_CONNECTING:
    return 3;
  case HN_LINK_UP:
    return 4;
  case HN_LINK_STANDBY:
  default:
    return 5;
  }
}

static gint
hn_api_health_compare_worst_first (gconstpointer a, gconstpointer b, gpointer user_data)
{
  HnLinkHealth *health = user_data;
  const gchar *id_a = *(const gchar *const *) a;
  const gchar *id_b = *(const gchar *const *) b;
  guint rank_a = hn_api_health_rank (health, id_a);
  guint rank_b = hn_api_health_rank (health, id_b);

  if (rank_a != rank_b)
    return rank_a < rank_b ? -1 : 1;
  return strcmp (id_a, id_b);
}

static void
hn_api_health_sort (GPtrArray *ids, HnLinkHealth *health)
{
  g_qsort_with_data (ids->pdata, ids->len, sizeof (gpointer), hn_api_health_compare_worst_first,
                     health);
}

/* The rooms the health model follows (every site but the hub), in the
 * order of the configuration; the ids stay owned by the configuration. */
static GPtrArray *
hn_api_health_list_site_ids (HnHub *hub)
{
  GPtrArray *sites = hn_config_get_sites (hn_hub_get_config (hub));
  HnLinkHealth *health = hn_hub_get_link_health (hub);
  GPtrArray *ids = g_ptr_array_sized_new (sites->len);

  for (guint i = 0; i < sites->len; i++) {
    const gchar *id = hn_site_get_id (sites->pdata[i]);

    if (hn_link_health_has_site (health, id))
      g_ptr_array_add (ids, (gpointer) id);
  }
  return ids;
}

/* --- /metrics --- */

/**
 * hn_api_health_append_label:
 *
 * Appends `name="value"` to a Prometheus sample, the value escaped as the
 * text format wants it (backslash, double quote and line feed).
 */
void
hn_api_health_append_label (GString *out, const gchar *name, const gchar *value)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (name != NULL);

  g_string_append (out, name);
  g_string_append (out, "=\"");
  for (const gchar *p = value != NULL ? value : ""; *p != '\0'; p++) {
    switch (*p) {
    case '\\':
      g_string_append (out, "\\\\");
      break;
    case '"':
      g_string_append (out, "\\\"");
      break;
    case '\n':
      g_string_append (out, "\\n");
      break;
    default:
      g_string_append_c (out, *p);
      break;
    }
  }
  g_string_append_c (out, '"');
}

/* # HELP and # TYPE of a family; @type "gauge" or "counter" */
static void
hn_metrics_family_typed (GString *out, const gchar *name, const gchar *type, const gchar *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
hn_metrics_family (GString *out, const gchar *name, const gchar *help)
{
  hn_metrics_family_typed (out, name, "gauge", help);
}

/* " VALUE\n", locale-independent, on the stack */
static void
hn_metrics_value (GString *out, gdouble value)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (out, ' ');
  g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.10g", value));
  g_string_append_c (out, '\n');
}

/* NAME{site="…",tier="…",district="…" — the caller adds its own labels
 * and the closing brace */
static void
hn_metrics_site_sample (GString *out, const gchar *name, HnSite *site)
{
  g_string_append (out, name);
  g_string_append_c (out, '{');
  hn_api_health_append_label (out, "site", hn_site_get_id (site));
  g_string_append_c (out, ',');
  hn_api_health_append_label (out, "tier", hn_tier_to_string (hn_site_get_tier (site)));
  g_string_append_c (out, ',');
  hn_api_health_append_label (out, "district", hn_api_health_site_district (site));
}

typedef enum {
  HN_METRIC_LOSS,
  HN_METRIC_JITTER,
  HN_METRIC_RTT,
  HN_METRIC_BITRATE,
  HN_METRIC_MOS,
} HnDirectionMetric;

static const struct {
  const gchar *name;
  const gchar *help;
} direction_metrics[] = {
  [HN_METRIC_LOSS] = { "hoinghi_link_loss_ratio",
                       "Share of the packets lost over the last interval (0 to 1)" },
  [HN_METRIC_JITTER] = { "hoinghi_link_jitter_seconds", "Interarrival jitter of the media" },
  [HN_METRIC_RTT] = { "hoinghi_link_rtt_seconds", "Round-trip time between hub and room" },
  /* bytes, not bits: Prometheus' base unit of data (promtool's lint) */
  [HN_METRIC_BITRATE] = { "hoinghi_link_bitrate_bytes_per_second",
                          "Media rate over the last interval" },
  [HN_METRIC_MOS] = { "hoinghi_link_mos",
                      "Estimated mean opinion score of the link (E-model, 1 to 4.5)" },
};

/* Prometheus label values are words: no '-' */
static const gchar *const direction_labels[] = {
  [HN_DIRECTION_HUB_TO_SITE] = "hub_to_site",
  [HN_DIRECTION_SITE_TO_HUB] = "site_to_hub",
};

/* The metric in its base unit, or a negative number when unknown */
static gdouble
hn_metrics_direction_value (const HnLinkDirection *dir, HnDirectionMetric metric)
{
  gdouble raw, scale;

  if (dir == NULL || !dir->valid)
    return -1;
  switch (metric) {
  case HN_METRIC_LOSS:
    raw = dir->sample.loss_pct;
    scale = 0.01;
    break;
  case HN_METRIC_JITTER:
    raw = dir->sample.jitter_ms;
    scale = 0.001;
    break;
  case HN_METRIC_RTT:
    raw = dir->sample.rtt_ms;
    scale = 0.001;
    break;
  case HN_METRIC_BITRATE:
    raw = dir->sample.bitrate_kbps;
    scale = 1000 / 8.0;
    break;
  case HN_METRIC_MOS:
  default:
    raw = dir->mos;
    scale = 1;
    break;
  }
  if (isnan (raw) || raw < 0)
    return -1;
  return raw * scale;
}

/**
 * hn_api_health_metrics:
 *
 * GET /metrics: the hub and every room's link in the Prometheus text
 * format; a figure that is not known has no sample.
 */
gboolean
hn_api_health_metrics (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  HnHub *hub = request->hub;
  HnConfig *config = hn_hub_get_config (hub);
  HnLinkHealth *health = hn_hub_get_link_health (hub);
  GPtrArray *sites = hn_config_get_sites (config);
  g_autoptr (GPtrArray) meetings = hn_hub_list_meetings (hub);
  gint64 now = g_get_monotonic_time ();
  /* about 1.5 KiB a room with every figure known */
  GString *out = g_string_sized_new (4096 + sites->len * 1536);

  hn_metrics_family (out, "hoinghi_info", "Version and role of the daemon (always 1)");
  g_string_append (out, "hoinghi_info{");
  hn_api_health_append_label (out, "version", HN_VERSION);
  g_string_append_c (out, ',');
  hn_api_health_append_label (out, "role", "hub");
  g_string_append_c (out, '}');
  hn_metrics_value (out, 1);

  hn_metrics_family (out, "hoinghi_sites", "Sites in the configuration, by tier");
  for (HnTier t = 0; t < HN_TIER_LAST; t++) {
    g_string_append (out, "hoinghi_sites{");
    hn_api_health_append_label (out, "tier", hn_tier_to_string (t));
    g_string_append_c (out, '}');
    hn_metrics_value (out, hn_config_count_tier (config, t));
  }

  hn_metrics_family (out, "hoinghi_sites_online", "Rooms whose control channel is connected");
  g_string_append (out, "hoinghi_sites_online");
  hn_metrics_value (out, hn_hub_count_online (hub));

  hn_metrics_family (out, "hoinghi_meetings", "Meetings running");
  g_string_append (out, "hoinghi_meetings");
  hn_metrics_value (out, meetings->len);

  {
    HnReturnCounters c;
    static const gchar *const results[] = { "accepted", "malformed", "unknown", "spoofed",
                                            "unauthenticated" };
    guint64 values[G_N_ELEMENTS (results)];

    hn_hub_get_return_counters (hub, &c);
    values[0] = c.accepted;
    values[1] = c.malformed;
    values[2] = c.unknown;
    values[3] = c.spoofed;
    values[4] = c.unauthenticated;
    hn_metrics_family_typed (out, "hoinghi_return_packets_total", "counter",
                             "Packets at the hub's return media port: accepted, or dropped as "
                             "malformed, of an unknown SSRC, from another address than the "
                             "room's (spoofed), or failing SRTP authentication");
    for (guint i = 0; i < G_N_ELEMENTS (results); i++) {
      g_string_append (out, "hoinghi_return_packets_total{");
      hn_api_health_append_label (out, "result", results[i]);
      g_string_append_c (out, '}');
      hn_metrics_value (out, values[i]);
    }
    hn_metrics_family_typed (out, "hoinghi_return_receiver_restarts_total", "counter",
                             "Times the return receiver (the socket every room sends to) was "
                             "restarted after failing");
    g_string_append (out, "hoinghi_return_receiver_restarts_total");
    hn_metrics_value (out, c.restarts);
  }

  hn_metrics_family (out, "hoinghi_link_state",
                     "State of each room's link: 1 for the current state, 0 for the others");
  for (guint i = 0; i < sites->len; i++) {
    HnSite *site = sites->pdata[i];
    const gchar *id = hn_site_get_id (site);
    HnLinkState state;
    const gchar *meeting;

    if (!hn_link_health_has_site (health, id))
      continue;
    state = hn_link_health_get_state (health, id);
    meeting = hn_link_health_get_meeting (health, id);
    for (HnLinkState s = 0; s < HN_LINK_STATE_LAST; s++) {
      hn_metrics_site_sample (out, "hoinghi_link_state", site);
      g_string_append_c (out, ',');
      hn_api_health_append_label (out, "meeting", meeting);
      g_string_append_c (out, ',');
      hn_api_health_append_label (out, "state", hn_link_state_to_string (s));
      g_string_append_c (out, '}');
      hn_metrics_value (out, s == state);
    }
  }

  for (HnDirectionMetric m = 0; m < G_N_ELEMENTS (direction_metrics); m++) {
    hn_metrics_family (out, direction_metrics[m].name, direction_metrics[m].help);
    for (guint i = 0; i < sites->len; i++) {
      HnSite *site = sites->pdata[i];
      const gchar *id = hn_site_get_id (site);

      if (!hn_link_health_has_site (health, id))
        continue;
      for (HnDirection d = 0; d < HN_DIRECTION_LAST; d++) {
        gdouble value =
            hn_metrics_direction_value (hn_link_health_get_direction (health, id, d), m);

        if (value < 0)
          continue;
        hn_metrics_site_sample (out, direction_metrics[m].name, site);
        g_string_append_c (out, ',');
        hn_api_health_append_label (out, "direction", direction_labels[d]);
        g_string_append_c (out, '}');
        hn_metrics_value (out, value);
      }
    }
  }

  hn_metrics_family (out, "hoinghi_link_last_packet_age_seconds",
                     "Time since the last media packet from the room in its meeting");
  for (guint i = 0; i < sites->len; i++) {
    HnSite *site = sites->pdata[i];
    const gchar *id = hn_site_get_id (site);
    gint64 last;

    if (!hn_link_health_has_site (health, id))
      continue;
    last = hn_link_health_get_last_packet (health, id);
    if (last <= 0)
      continue;
    hn_metrics_site_sample (out, "hoinghi_link_last_packet_age_seconds", site);
    g_string_append_c (out, '}');
    hn_metrics_value (out, MAX (now - last, 0) / (gdouble) G_USEC_PER_SEC);
  }

  reply->text = g_string_free (out, FALSE);
  reply->content_type = HN_API_METRICS_CONTENT_TYPE;
  return TRUE;
}

/* --- /health --- */

/* The order /health counts the states in */
static const HnLinkState health_states[] = {
  HN_LINK_UP, HN_LINK_DEGRADED, HN_LINK_DOWN, HN_LINK_OFFLINE, HN_LINK_STANDBY, HN_LINK_CONNECTING,
};

/**
 * hn_api_health_check:
 *
 * GET /health: 200 while no participant of a running meeting is down or
 * offline, else 503; {"status": "ok"|"degraded"|"critical", "meetings",
 * "links": {STATE: count, …} over every room, "problems": [{"site",
 * "state", "meeting"}, …] worst first}.
 */
gboolean
hn_api_health_check (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  HnHub *hub = request->hub;
  HnLinkHealth *health = hn_hub_get_link_health (hub);
  g_autoptr (GPtrArray) ids = hn_api_health_list_site_ids (hub);
  g_autoptr (GPtrArray) problems = g_ptr_array_new ();
  g_autoptr (GPtrArray) meetings = hn_hub_list_meetings (hub);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  guint counts[HN_LINK_STATE_LAST] = { 0 };
  gboolean critical = FALSE;
  const gchar *status = "ok";

  for (guint i = 0; i < ids->len; i++) {
    const gchar *id = ids->pdata[i];
    HnLinkState state = hn_link_health_get_state (health, id);

    counts[state]++;
    if (hn_link_health_get_meeting (health, id) == NULL)
      continue;
    if (state == HN_LINK_DOWN || state == HN_LINK_OFFLINE || state == HN_LINK_DEGRADED)
      g_ptr_array_add (problems, (gpointer) id);
    critical |= state == HN_LINK_DOWN || state == HN_LINK_OFFLINE;
  }
  hn_api_health_sort (problems, health);
  if (critical)
    status = "critical";
  else if (problems->len > 0)
    status = "degraded";

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, status);
  json_builder_set_member_name (b, "meetings");
  json_builder_add_int_value (b, meetings->len);
  json_builder_set_member_name (b, "links");
  json_builder_begin_object (b);
  for (guint i = 0; i < G_N_ELEMENTS (health_states); i++) {
    json_builder_set_member_name (b, hn_link_state_to_string (health_states[i]));
    json_builder_add_int_value (b, counts[health_states[i]]);
  }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "problems");
  json_builder_begin_array (b);
  for (guint i = 0; i < problems->len; i++) {
    const gchar *id = problems->pdata[i];

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "site");
    json_builder_add_string_value (b, id);
    json_builder_set_member_name (b, "state");
    json_builder_add_string_value (b,
                                   hn_link_state_to_string (hn_link_health_get_state (health, id)));
    json_builder_set_member_name (b, "meeting");
    json_builder_add_string_value (b, hn_link_health_get_meeting (health, id));
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);

  reply->status = critical ? SOUP_STATUS_SERVICE_UNAVAILABLE : SOUP_STATUS_OK;
  reply->json = json_builder_get_root (b);
  return TRUE;
}

/* --- /api/v1/links --- */

static gboolean
hn_api_health_parse_state (const gchar *name, HnLinkState *state, GError **error)
{
  const gchar *names[HN_LINK_STATE_LAST + 1] = { NULL };
  g_autofree gchar *list = NULL;
  const gchar *suggestion;

  for (HnLinkState s = 0; s < HN_LINK_STATE_LAST; s++) {
    names[s] = hn_link_state_to_string (s);
    if (g_str_equal (name, names[s])) {
      *state = s;
      return TRUE;
    }
  }
  suggestion = hn_util_suggest (name, names);
  if (suggestion != NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown link state '%s'; did you mean '%s'?", name, suggestion);
    return FALSE;
  }
  list = g_strjoinv (", ", (gchar **) names);
  g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
               "unknown link state '%s'; expected one of: %s", name, list);
  return FALSE;
}

/**
 * hn_api_health_list_links:
 *
 * GET /api/v1/links[?meeting=ID][&state=STATE]: {"count", "links": [link,
 * …]}, each as hn_hub_link_to_json() shows it, worst first, then by id.
 */
gboolean
hn_api_health_list_links (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  HnHub *hub = request->hub;
  HnLinkHealth *health = hn_hub_get_link_health (hub);
  const gchar *meeting = NULL;
  const gchar *state_name = NULL;
  HnLinkState state = HN_LINK_STATE_LAST;
  g_autoptr (GPtrArray) ids = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  guint n = 0;

  if (request->query != NULL) {
    meeting = g_hash_table_lookup (request->query, "meeting");
    state_name = g_hash_table_lookup (request->query, "state");
  }
  if (state_name != NULL && !hn_api_health_parse_state (state_name, &state, error))
    return FALSE;
  if (meeting != NULL && hn_hub_get_meeting (hub, meeting, error) == NULL)
    return FALSE;

  ids = hn_api_health_list_site_ids (hub);
  for (guint i = 0; i < ids->len; i++) {
    const gchar *id = ids->pdata[i];

    if (meeting != NULL && g_strcmp0 (hn_link_health_get_meeting (health, id), meeting) != 0)
      continue;
    if (state != HN_LINK_STATE_LAST && hn_link_health_get_state (health, id) != state)
      continue;
    ids->pdata[n++] = (gpointer) id;
  }
  g_ptr_array_set_size (ids, n);
  hn_api_health_sort (ids, health);

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, ids->len);
  json_builder_set_member_name (b, "links");
  json_builder_begin_array (b);
  for (guint i = 0; i < ids->len; i++)
    json_builder_add_value (b, hn_hub_link_to_json (hub, ids->pdata[i]));
  json_builder_end_array (b);
  json_builder_end_object (b);
  reply->json = json_builder_get_root (b);
  return TRUE;
}

/* --- /api/v1/events --- */

typedef struct {
  HnApiEvents *events; /* unowned */
  SoupServerMessage *msg;
  gsize pending; /* appended but not yet written */
  gulong finished_id;
  gulong disconnected_id;
  gulong wrote_id;
} HnApiEventClient;

struct _HnApiEvents {
  HnHub *hub;
  gulong event_id;
  GPtrArray *clients; /* of HnApiEventClient */
  guint keepalive_id;
};

static void
hn_api_event_client_free (HnApiEventClient *client)
{
  g_clear_signal_handler (&client->finished_id, client->msg);
  g_clear_signal_handler (&client->disconnected_id, client->msg);
  g_clear_signal_handler (&client->wrote_id, client->msg);
  g_clear_object (&client->msg);
  g_free (client);
}

static void
hn_api_events_remove (HnApiEvents *self, HnApiEventClient *client)
{
  g_ptr_array_remove_fast (self->clients, client);
  if (self->clients->len == 0)
    g_clear_handle_id (&self->keepalive_id, g_source_remove);
}

/* The response ended (the client closed the connection, or a write to it
 * failed): nothing more may be written to it */
static void
hn_api_event_client_gone_cb (SoupServerMessage *msg, gpointer user_data)
{
  HnApiEventClient *client = user_data;

  g_debug ("events client gone, %u left", client->events->clients->len - 1);
  hn_api_events_remove (client->events, client);
}

static void
hn_api_event_client_wrote_cb (SoupServerMessage *msg, guint chunk_size, gpointer user_data)
{
  HnApiEventClient *client = user_data;

  client->pending -= MIN (client->pending, chunk_size);
}

/* Closes the connection of a client that does not keep up: what it has
 * not read yet is thrown away with it. */
static void
hn_api_events_drop (HnApiEvents *self, HnApiEventClient *client)
{
  g_autoptr (SoupServerMessage) msg = g_object_ref (client->msg);
  g_autoptr (GIOStream) stream = NULL;

  g_message ("events client dropped: %" G_GSIZE_FORMAT " bytes not taken", client->pending);
  hn_api_events_remove (self, client);
  stream = soup_server_message_steal_connection (msg);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

static void
hn_api_events_send (HnApiEvents *self, GBytes *frame)
{
  gsize size = g_bytes_get_size (frame);

  /* backwards: a client dropped here leaves the array */
  for (guint i = self->clients->len; i > 0; i--) {
    HnApiEventClient *client = self->clients->pdata[i - 1];

    if (client->pending + size > HN_API_EVENTS_MAX_PENDING) {
      hn_api_events_drop (self, client);
      continue;
    }
    client->pending += size;
    soup_message_body_append_bytes (soup_server_message_get_response_body (client->msg), frame);
    soup_server_message_unpause (client->msg);
  }
}

static void
hn_api_events_event_cb (HnHub *hub, const gchar *kind, JsonNode *data, gpointer user_data)
{
  HnApiEvents *self = user_data;
  g_autoptr (JsonGenerator) generator = NULL;
  g_autoptr (GBytes) frame = NULL;
  g_autofree gchar *json = NULL;
  GString *text;

  if (self->clients->len == 0)
    return;
  /* not pretty: the JSON of an event is one "data:" line */
  generator = json_generator_new ();
  json_generator_set_root (generator, data);
  json = json_generator_to_data (generator, NULL);
  text = g_string_new ("event: ");
  g_string_append (text, kind);
  g_string_append (text, "\ndata: ");
  g_string_append (text, json);
  g_string_append (text, "\n\n");
  frame = g_string_free_to_bytes (text);
  /* one copy for every client */
  hn_api_events_send (self, frame);
}

static gboolean
hn_api_events_keepalive_cb (gpointer user_data)
{
  HnApiEvents *self = user_data;
  g_autoptr (GBytes) frame = g_bytes_new_static (": keepalive\n\n", 13);

  hn_api_events_send (self, frame);
  return G_SOURCE_CONTINUE;
}

/**
 * hn_api_events_new:
 * @hub: whose HnHub::event the clients get
 */
HnApiEvents *
hn_api_events_new (HnHub *hub)
{
  HnApiEvents *self;

  g_return_val_if_fail (HN_IS_HUB (hub), NULL);

  self = g_new0 (HnApiEvents, 1);
  self->hub = g_object_ref (hub);
  self->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) hn_api_event_client_free);
  self->event_id = g_signal_connect (hub, "event", G_CALLBACK (hn_api_events_event_cb), self);
  return self;
}

/**
 * hn_api_events_free:
 *
 * Ends every client's stream (the response is completed, the connection
 * stays the server's) and stops following the hub.
 */
void
hn_api_events_free (HnApiEvents *self)
{
  if (self == NULL)
    return;
  while (self->clients->len > 0) {
    HnApiEventClient *client = self->clients->pdata[self->clients->len - 1];
    g_autoptr (SoupServerMessage) msg = g_object_ref (client->msg);

    g_ptr_array_remove_index (self->clients, self->clients->len - 1);
    soup_message_body_complete (soup_server_message_get_response_body (msg));
    soup_server_message_unpause (msg);
  }
  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  g_clear_signal_handler (&self->event_id, self->hub);
  g_clear_object (&self->hub);
  g_ptr_array_unref (self->clients);
  g_free (self);
}

/**
 * hn_api_events_add_client:
 * @msg: a GET /api/v1/events being answered, from the server's handler
 *
 * Answers @msg with a stream that stays open: a comment line at once,
 * then one event for every HnHub::event and a comment every
 * HN_API_EVENTS_KEEPALIVE_SECONDS, until the client goes.
 */
void
hn_api_events_add_client (HnApiEvents *self, SoupServerMessage *msg)
{
  SoupMessageHeaders *headers;
  HnApiEventClient *client;
  g_autoptr (GBytes) hello = g_bytes_new_static (": hoinghi events\n\n", 18);

  g_return_if_fail (self != NULL);
  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  headers = soup_server_message_get_response_headers (msg);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  /* what is written is forgotten: the body never grows */
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), hello);

  client = g_new0 (HnApiEventClient, 1);
  client->events = self;
  client->msg = g_object_ref (msg);
  client->pending = g_bytes_get_size (hello);
  client->finished_id =
      g_signal_connect (msg, "finished", G_CALLBACK (hn_api_event_client_gone_cb), client);
  client->disconnected_id =
      g_signal_connect (msg, "disconnected", G_CALLBACK (hn_api_event_client_gone_cb), client);
  client->wrote_id =
      g_signal_connect (msg, "wrote-body-data", G_CALLBACK (hn_api_event_client_wrote_cb), client);
  g_ptr_array_add (self->clients, client);
  if (self->keepalive_id == 0) {
    self->keepalive_id =
        g_timeout_add_seconds (HN_API_EVENTS_KEEPALIVE_SECONDS, hn_api_events_keepalive_cb, self);
    g_source_set_name_by_id (self->keepalive_id, "[hoinghi] events keepalive");
  }
  g_debug ("events client connected, %u in all", self->clients->len);
}

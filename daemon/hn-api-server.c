/* HnApiServer: the daemon's HTTP API (libsoup 3), on the local control
 * socket that hoinghictl uses.
 *
 * Every answer is JSON made with json-glib (but a meeting's program.sdp,
 * /metrics and the event stream); every error is {"error": {"code",
 * "message"}} with the HTTP status of its HnError (one table in
 * hn-error.c). The server is the dispatcher: one table of routes (method,
 * path pattern, what the route needs, the query it takes, its handler) is
 * matched here, and the handlers, here, in hn-api-meetings.c and in
 * hn-api-health.c, only see a checked HnApiRequest and fill an
 * HnApiReply; /api/v1/events alone takes its message over (HnApiEvents).
 * It owns no daemon state: it shows the configuration, hub or room
 * endpoint it is given, so the fixture tests run it on its own.
 *
 * Connections are accepted by a GSocketService of ours and handed to the
 * SoupServer with soup_server_accept_iostream(): libsoup 3.2's own listener
 * (soup_server_listen) never frees an accepted GSocket, about 350 bytes
 * lost per connection (fixed upstream in 3.4, "soup-listener: Plug a
 * leak"), which a daemon answering scrapes for months cannot afford.
 *
 * The hub may also listen on TCP (hn_api_server_listen_tcp(), [api] in
 * sites.conf), over HTTPS when given a certificate. There every request
 * needs "Authorization: Bearer TOKEN", but /health and /metrics when
 * monitoring is open; the Unix socket needs none, its mode 0660 is the
 * access control. */

#define G_LOG_DOMAIN "hoinghi-api"

#include "hn-api-server.h"

#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "hn-api-health.h"
#include "hn-api-meetings.h"
#include "hn-build-config.h"
#include "hn-error.h"
#include "hn-request-deadline.h"
#include "hn-util.h"

struct _HnApiServer {
  GObject parent_instance;

  SoupServer *server;
  HnRequestDeadline *deadline; /* slowloris: TCP connections must make a request */
  GSocketService *service;
  GSocketService *tcp_service;
  guint tcp_port;
  gchar *token; /* what TCP clients must send */
  gboolean open_monitoring;
  GTlsCertificate *tls; /* nullable: plain HTTP */
  gchar *role;
  gchar *state_dir;
  gchar *socket_path;
  HnConfig *config;
  HnHub *hub;
  HnEndpoint *endpoint;
  gchar *last_reload_error;
  HnApiReloadFunc reload_func; /* POST /api/v1/reload, set by HnDaemon */
  gpointer reload_data;
  gint64 started_usec;
  HnApiEvents *events;                /* the clients of /api/v1/events */
  SoupServerMessage *current_message; /* while a route runs, for a stream */
};

G_DEFINE_FINAL_TYPE (HnApiServer, hn_api_server, G_TYPE_OBJECT)

static void
hn_api_reply_clear (HnApiReply *reply)
{
  g_clear_pointer (&reply->json, json_node_unref);
  g_clear_pointer (&reply->text, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HnApiReply, hn_api_reply_clear)

static void
hn_api_respond_json (SoupServerMessage *msg, guint status, JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  gsize length = 0;
  gchar *body;

  json_generator_set_root (gen, node);
  body = json_generator_to_data (gen, &length);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, length);
}

static void
hn_api_respond_error (SoupServerMessage *msg, const GError *error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  const gchar *code = error->domain == HN_ERROR ? hn_error_code_to_string (error->code) : "failed";

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, error->message);
  json_builder_end_object (b);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  hn_api_respond_json (msg, hn_error_to_http_status (error), node);
}

static gboolean
hn_api_check_query (GHashTable *query, const gchar *const *allowed, GError **error)
{
  GHashTableIter iter;
  gpointer key;

  if (query == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, query);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    if (allowed == NULL || !g_strv_contains (allowed, key)) {
      g_autofree gchar *list = allowed != NULL ? g_strjoinv (", ", (gchar **) allowed) : NULL;

      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "unknown query parameter '%s'%s%s",
                   (const gchar *) key,
                   list != NULL ? "; expected one of: " : "; this resource takes none",
                   list != NULL ? list : "");
      return FALSE;
    }
  }
  return TRUE;
}

static const gchar *
hn_api_type_to_string (GType type, gboolean nullable)
{
  if (type == G_TYPE_BOOLEAN)
    return nullable ? "true, false or null" : "true or false";
  if (type == G_TYPE_INT64)
    return nullable ? "an integer or null" : "an integer";
  return nullable ? "a string or null" : "a string";
}

static const HnApiMember *
hn_api_lookup_member (const HnApiMember *members, const gchar *name)
{
  for (const HnApiMember *m = members; m->name != NULL; m++) {
    if (g_str_equal (m->name, name))
      return m;
  }
  return NULL;
}

static gchar *
hn_api_list_members (const HnApiMember *members)
{
  GString *text = g_string_new (NULL);

  for (const HnApiMember *m = members; m->name != NULL; m++)
    g_string_append_printf (text, "%s%s", m == members ? "" : ", ", m->name);
  return g_string_free (text, FALSE);
}

/**
 * hn_api_parse_body:
 * @body: (nullable): the request body
 * @members: the members the body may have, ended by a row with no name
 *
 * Parses a request body that must be a JSON object with only the given
 * members, each of its type. Unknown members are refused rather than
 * ignored, so a misspelt "mutd" is not silently a no-op.
 *
 * Returns: (transfer full): the body, or %NULL with @error set to
 *   HN_ERROR_INVALID_ARGUMENT saying what is wrong
 */
JsonObject *
hn_api_parse_body (GBytes *body, const HnApiMember *members, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GList) names = NULL;
  g_autoptr (JsonNode) root = NULL;
  const gchar *data = NULL;
  gsize size = 0;
  JsonObject *object;

  g_return_val_if_fail (members != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (body != NULL)
    data = g_bytes_get_data (body, &size);
  if (size == 0) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                         "the request body must be a JSON object");
    return NULL;
  }
  if (!hn_util_parse_json (data, size, &root, &local_error)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "malformed JSON in the request body: %s", local_error->message);
    return NULL;
  }
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                         "the request body must be a JSON object");
    return NULL;
  }
  object = json_node_get_object (root);

  names = json_object_get_members (object);
  for (GList *l = names; l != NULL; l = l->next) {
    const gchar *name = l->data;
    const HnApiMember *member = hn_api_lookup_member (members, name);
    JsonNode *node = json_object_get_member (object, name);
    gboolean valid;

    if (member == NULL) {
      g_autofree gchar *list = hn_api_list_members (members);

      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "unknown member '%s' in the request body; expected: %s", name, list);
      return NULL;
    }
    if (JSON_NODE_HOLDS_NULL (node))
      valid = member->nullable;
    else
      valid = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == member->type;
    if (!valid) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "member '%s' of the request body must be %s", name,
                   hn_api_type_to_string (member->type, member->nullable));
      return NULL;
    }
  }
  for (const HnApiMember *m = members; m->name != NULL; m++) {
    if (m->required && !json_object_has_member (object, m->name)) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "missing member '%s' in the request body", m->name);
      return NULL;
    }
  }
  return json_object_ref (object);
}

/**
 * hn_api_body_get_string:
 *
 * Returns: (nullable): the string member @name of a body checked by
 *   hn_api_parse_body(), or %NULL when it is absent or null
 */
const gchar *
hn_api_body_get_string (JsonObject *body, const gchar *name)
{
  JsonNode *node;

  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  node = json_object_get_member (body, name);
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static void
hn_api_add_config_status (HnApiServer *self, JsonBuilder *b)
{
  const gchar *const *files = self->config != NULL ? hn_config_get_files (self->config) : NULL;

  json_builder_set_member_name (b, "config");
  if (self->config != NULL)
    json_builder_add_string_value (b, hn_config_get_path (self->config));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "config-files");
  json_builder_begin_array (b);
  for (guint i = 0; files != NULL && files[i] != NULL; i++)
    json_builder_add_string_value (b, files[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "state-directory");
  json_builder_add_string_value (b, self->state_dir);
  if (self->config == NULL)
    return;
  json_builder_set_member_name (b, "sites");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, hn_config_get_sites (self->config)->len);
  for (guint t = 0; t < HN_TIER_LAST; t++) {
    json_builder_set_member_name (b, hn_tier_to_string (t));
    json_builder_add_int_value (b, hn_config_count_tier (self->config, t));
  }
  json_builder_end_object (b);
}

static void
hn_api_add_hub_status (HnHub *hub, JsonBuilder *b)
{
  g_autoptr (GPtrArray) meetings = hn_hub_list_meetings (hub);
  guint rtp_port = 0;
  guint rtcp_port = 0;

  hn_hub_get_media_ports (hub, &rtp_port, &rtcp_port);
  json_builder_set_member_name (b, "meetings");
  json_builder_add_int_value (b, meetings->len);
  json_builder_set_member_name (b, "sites-online");
  json_builder_add_int_value (b, hn_hub_count_online (hub));
  json_builder_set_member_name (b, "control-port");
  json_builder_add_int_value (b, hn_hub_get_control_port (hub));
  json_builder_set_member_name (b, "media-port");
  json_builder_add_int_value (b, rtp_port);
  /* what rooms pin (--hub-fingerprint); null: insecure=true, plain ws */
  json_builder_set_member_name (b, "control-fingerprint");
  if (hn_hub_get_control_fingerprint (hub) != NULL)
    json_builder_add_string_value (b, hn_hub_get_control_fingerprint (hub));
  else
    json_builder_add_null_value (b);
}

/* The room's own state, as /api/v1/endpoint shows it in full */
static void
hn_api_add_endpoint_status (HnEndpoint *endpoint, JsonBuilder *b)
{
  static const gchar *const names[] = { "site", "hub", "connected", "meeting" };
  g_autoptr (JsonNode) root = hn_endpoint_to_json (endpoint);
  JsonObject *state =
      root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    JsonNode *node = state != NULL ? json_object_get_member (state, names[i]) : NULL;

    json_builder_set_member_name (b, names[i]);
    if (node != NULL)
      json_builder_add_value (b, json_node_copy (node));
    else
      json_builder_add_null_value (b);
  }
}

static gboolean
hn_api_server_get_status (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  HnApiServer *self = request->server;
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, self->role);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, HN_VERSION);
  json_builder_set_member_name (b, "uptime-seconds");
  json_builder_add_int_value (b, (g_get_monotonic_time () - self->started_usec) / G_USEC_PER_SEC);
  hn_api_add_config_status (self, b);
  json_builder_set_member_name (b, "last-reload-error");
  if (self->last_reload_error != NULL)
    json_builder_add_string_value (b, self->last_reload_error);
  else
    json_builder_add_null_value (b);
  if (self->hub != NULL)
    hn_api_add_hub_status (self->hub, b);
  if (self->tcp_service != NULL) {
    json_builder_set_member_name (b, "api-port");
    json_builder_add_int_value (b, self->tcp_port);
  }
  if (self->endpoint != NULL)
    hn_api_add_endpoint_status (self->endpoint, b);
  json_builder_end_object (b);
  reply->json = json_builder_get_root (b);
  return TRUE;
}

static gboolean
hn_api_server_list_sites (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  HnConfig *config = request->server->config;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  GPtrArray *sites = hn_config_get_sites (config);
  GHashTable *query = request->query;
  const gchar *tier_str = query != NULL ? g_hash_table_lookup (query, "tier") : NULL;
  const gchar *district_str = query != NULL ? g_hash_table_lookup (query, "district") : NULL;
  HnSite *district = NULL;
  HnTier tier = HN_TIER_LAST;
  guint count = 0;

  if (tier_str != NULL && !hn_tier_from_string (tier_str, &tier)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown tier '%s'; expected hub, department, district or commune", tier_str);
    return FALSE;
  }
  if (district_str != NULL) {
    district = hn_config_lookup_district (config, district_str);
    if (district == NULL) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "no district '%s'; give a district's id or GSO code (see: sites --tier "
                   "district)",
                   district_str);
      return FALSE;
    }
  }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sites");
  json_builder_begin_array (b);
  for (guint i = 0; i < sites->len; i++) {
    HnSite *site = sites->pdata[i];

    if (tier != HN_TIER_LAST && hn_site_get_tier (site) != tier)
      continue;
    if (district != NULL && site != district &&
        g_strcmp0 (hn_site_get_district (site), hn_site_get_id (district)) != 0)
      continue;
    json_builder_add_value (b, hn_site_to_json (site));
    count++;
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, count);
  json_builder_end_object (b);
  reply->json = json_builder_get_root (b);
  return TRUE;
}

static gboolean
hn_api_server_get_site (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  const gchar *id = request->params[0];
  HnSite *site = hn_config_get_site (request->server->config, id);

  if (site == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, "no site '%s'", id);
    return FALSE;
  }
  reply->json = hn_site_to_json (site);
  return TRUE;
}

/* The token a room's endpoint.conf needs. Only root and the hoinghi group
 * reach the control socket (mode 0660), which is what guards it. */
static gboolean
hn_api_server_get_site_token (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  const gchar *id = request->params[0];
  g_autofree gchar *token = hn_hub_get_site_token (request->hub, id, error);
  g_autoptr (JsonBuilder) b = NULL;

  if (token == NULL)
    return FALSE;
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "site");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "token");
  json_builder_add_string_value (b, token);
  json_builder_end_object (b);
  reply->json = json_builder_get_root (b);
  return TRUE;
}

/* POST sites/ID/rotate-secret: a new token for the room, the old one
 * refused from now on; the answer is the new token, as sites/ID/token */
static gboolean
hn_api_server_rotate_site_secret (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  const gchar *id = request->params[0];
  g_autofree gchar *token = hn_hub_rotate_site_secret (request->hub, id, error);
  g_autoptr (JsonBuilder) b = NULL;

  if (token == NULL)
    return FALSE;
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "site");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "token");
  json_builder_add_string_value (b, token);
  json_builder_end_object (b);
  reply->json = json_builder_get_root (b);
  return TRUE;
}

static gboolean
hn_api_server_get_endpoint (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  reply->json = hn_endpoint_to_json (request->endpoint);
  return TRUE;
}

/**
 * hn_api_read_floor_request:
 * @wanted: (out): whether the room asks for the floor or withdraws
 *
 * Reads an endpoint's POST /api/v1/endpoint/floor-request body, {"request": bool},
 * without a daemon (the fuzzer calls it).
 *
 * Returns: (transfer full): the body, or %NULL with @error set
 */
JsonObject *
hn_api_read_floor_request (GBytes *body, gboolean *wanted, GError **error)
{
  static const HnApiMember members[] = {
    { "request", G_TYPE_BOOLEAN, TRUE, FALSE },
    { NULL },
  };
  g_autoptr (JsonObject) object = hn_api_parse_body (body, members, error);

  *wanted = FALSE;
  if (object == NULL)
    return NULL;
  *wanted = json_object_get_boolean_member (object, "request");
  return g_steal_pointer (&object);
}

static gboolean
hn_api_server_request_floor (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  gboolean wanted;
  g_autoptr (JsonObject) body = hn_api_read_floor_request (request->body, &wanted, error);

  if (body == NULL)
    return FALSE;
  if (!hn_endpoint_request_floor (request->endpoint, wanted, error))
    return FALSE;
  reply->json = hn_endpoint_to_json (request->endpoint);
  return TRUE;
}

/**
 * HnApiNeeds:
 * @HN_API_NEEDS_NOTHING: answered by any daemon
 * @HN_API_NEEDS_CONFIG: the hub role's inventory of sites
 * @HN_API_NEEDS_HUB: the running hub (meetings, online state, tokens)
 * @HN_API_NEEDS_ENDPOINT: the running room endpoint
 *
 * What a route needs of the daemon; a daemon without it answers 404, as
 * the resource does not exist there.
 */
typedef enum {
  HN_API_NEEDS_NOTHING,
  HN_API_NEEDS_CONFIG,
  HN_API_NEEDS_HUB,
  HN_API_NEEDS_ENDPOINT,
} HnApiNeeds;

/**
 * HnApiRoute:
 * @pattern: the path's segments after /api/v1/, '*' standing for any one
 *   non-empty segment (passed to the handler in HnApiRequest.params)
 * @query: (nullable): the query parameters the route takes; %NULL for none
 */
typedef struct {
  const gchar *method;
  const gchar *pattern;
  HnApiNeeds needs;
  const gchar *const *query;
  HnApiHandler handler;
} HnApiRoute;

/* GET /api/v1/events: the answer is a stream that HnApiEvents keeps; the
 * message is taken from the dispatcher, which then answers nothing */
static gboolean
hn_api_server_stream_events (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  HnApiServer *self = request->server;

  if (self->events == NULL)
    self->events = hn_api_events_new (self->hub);
  hn_api_events_add_client (self->events, g_steal_pointer (&self->current_message));
  return TRUE;
}

/* POST /api/v1/reload: what SIGHUP does, but the caller learns whether
 * the new files were taken, and why not (422 from HN_ERROR_CONFIG_*) */
static gboolean
hn_api_server_reload (const HnApiRequest *request, HnApiReply *reply, GError **error)
{
  HnApiServer *self = request->server;
  g_autoptr (JsonBuilder) b = json_builder_new ();

  if (self->reload_func == NULL) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_FAILED, "this daemon cannot reload");
    return FALSE;
  }
  if (!self->reload_func (self->reload_data, error))
    return FALSE;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "reloaded");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "status");
  if (self->config != NULL) {
    g_autofree gchar *counts = hn_config_describe_counts (self->config);

    json_builder_add_string_value (b, counts);
  } else {
    json_builder_add_string_value (b, "an endpoint's settings take effect on restart");
  }
  json_builder_end_object (b);
  reply->json = json_builder_get_root (b);
  return TRUE;
}

static const gchar *const sites_query[] = { "tier", "district", NULL };
static const gchar *const links_query[] = { "meeting", "state", NULL };
static const gchar *const count_query[] = { "count", NULL };
static const gchar *const calendar_query[] = { "expression", "count", NULL };

static const HnApiRoute routes[] = {
  { "GET", "status", HN_API_NEEDS_NOTHING, NULL, hn_api_server_get_status },
  { "GET", "sites", HN_API_NEEDS_CONFIG, sites_query, hn_api_server_list_sites },
  { "GET", "sites/*", HN_API_NEEDS_CONFIG, NULL, hn_api_server_get_site },
  { "GET", "sites/*/token", HN_API_NEEDS_HUB, NULL, hn_api_server_get_site_token },
  { "POST", "sites/*/rotate-secret", HN_API_NEEDS_HUB, NULL, hn_api_server_rotate_site_secret },
  { "GET", "meetings", HN_API_NEEDS_HUB, NULL, hn_api_meetings_list },
  { "POST", "meetings", HN_API_NEEDS_HUB, NULL, hn_api_meetings_start },
  { "GET", "meetings/*", HN_API_NEEDS_HUB, NULL, hn_api_meetings_get },
  { "DELETE", "meetings/*", HN_API_NEEDS_HUB, NULL, hn_api_meetings_stop },
  { "POST", "meetings/*/sites", HN_API_NEEDS_HUB, NULL, hn_api_meetings_add_site },
  { "PUT", "meetings/*/sites/*", HN_API_NEEDS_HUB, NULL, hn_api_meetings_set_muted },
  { "DELETE", "meetings/*/sites/*", HN_API_NEEDS_HUB, NULL, hn_api_meetings_remove_site },
  { "GET", "meetings/*/floor", HN_API_NEEDS_HUB, NULL, hn_api_meetings_get_floor },
  { "PUT", "meetings/*/floor", HN_API_NEEDS_HUB, NULL, hn_api_meetings_set_floor },
  { "PUT", "meetings/*/layout", HN_API_NEEDS_HUB, NULL, hn_api_meetings_set_layout },
  { "GET", "meetings/*/program.sdp", HN_API_NEEDS_HUB, NULL, hn_api_meetings_get_program_sdp },
  { "GET", "links", HN_API_NEEDS_HUB, links_query, hn_api_health_list_links },
  { "GET", "schedule", HN_API_NEEDS_HUB, NULL, hn_api_meetings_schedule },
  { "GET", "schedule/*", HN_API_NEEDS_HUB, count_query, hn_api_meetings_schedule_next },
  { "GET", "calendar", HN_API_NEEDS_NOTHING, calendar_query, hn_api_meetings_calendar },
  { "GET", "events", HN_API_NEEDS_HUB, NULL, hn_api_server_stream_events },
  { "POST", "reload", HN_API_NEEDS_NOTHING, NULL, hn_api_server_reload },
  { "GET", "endpoint", HN_API_NEEDS_ENDPOINT, NULL, hn_api_server_get_endpoint },
  { "POST", "endpoint/floor-request", HN_API_NEEDS_ENDPOINT, NULL, hn_api_server_request_floor },
};

/* What monitoring asks, outside /api/v1/ where tools look for it */
static const HnApiRoute root_routes[] = {
  { "GET", "metrics", HN_API_NEEDS_HUB, NULL, hn_api_health_metrics },
  { "GET", "health", HN_API_NEEDS_HUB, NULL, hn_api_health_check },
};

/* Whether the decoded segments @seg fit @pattern; the segments standing
 * for its '*'s are added to @params when given. */
static gboolean
hn_api_route_match (const gchar *pattern, gchar **seg, GPtrArray *params)
{
  const gchar *p = pattern;

  for (guint i = 0; seg[i] != NULL; i++) {
    const gchar *end;
    gsize length;

    if (p == NULL)
      return FALSE;
    end = strchr (p, '/');
    length = end != NULL ? (gsize) (end - p) : strlen (p);
    if (length == 1 && *p == '*') {
      if (*seg[i] == '\0')
        return FALSE;
      if (params != NULL)
        g_ptr_array_add (params, seg[i]);
    } else if (strlen (seg[i]) != length || strncmp (seg[i], p, length) != 0) {
      return FALSE;
    }
    p = end != NULL ? end + 1 : NULL;
  }
  return p == NULL;
}

static gboolean
hn_api_server_is_endpoint_role (HnApiServer *self)
{
  return self->endpoint != NULL || g_str_equal (self->role, "endpoint");
}

static gboolean
hn_api_server_check_needs (HnApiServer *self, HnApiNeeds needs, const gchar *path, GError **error)
{
  gboolean endpoint_role = hn_api_server_is_endpoint_role (self);

  if (needs == HN_API_NEEDS_CONFIG || needs == HN_API_NEEDS_HUB) {
    if (endpoint_role) {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, "%s: not available on a room endpoint",
                   path);
      return FALSE;
    }
    if ((needs == HN_API_NEEDS_CONFIG && self->config == NULL) ||
        (needs == HN_API_NEEDS_HUB && self->hub == NULL)) {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, "%s: not available: no hub runs here",
                   path);
      return FALSE;
    }
  } else if (needs == HN_API_NEEDS_ENDPOINT) {
    if (!endpoint_role) {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, "%s: not available on the hub", path);
      return FALSE;
    }
    if (self->endpoint == NULL) {
      g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND,
                   "%s: not available: no room endpoint runs here", path);
      return FALSE;
    }
  }
  return TRUE;
}

/* Finds the route of @method and the segments @seg (after /api/v1/, or
 * after / for the root routes) in @table and runs it. A path that exists
 * without that method sets @allow to the methods it has, for the Allow
 * header of the 405. */
static gboolean
hn_api_server_route (HnApiServer *self,
                     const HnApiRoute *table,
                     gsize n_routes,
                     const gchar *method,
                     const gchar *path,
                     gchar **seg,
                     GHashTable *query,
                     GBytes *body,
                     HnApiReply *reply,
                     gchar **allow,
                     GError **error)
{
  g_autoptr (GPtrArray) params = g_ptr_array_new_null_terminated (2, NULL, TRUE);
  g_autoptr (GString) methods = NULL;
  const HnApiRoute *matched = NULL;
  const HnApiRoute *route = NULL;
  HnApiRequest request = { 0 };

  for (gsize i = 0; i < n_routes; i++) {
    if (!hn_api_route_match (table[i].pattern, seg, NULL))
      continue;
    if (matched == NULL) {
      matched = &table[i];
      methods = g_string_new (table[i].method);
    } else {
      g_string_append_printf (methods, ", %s", table[i].method);
    }
    if (route == NULL && g_str_equal (method, table[i].method))
      route = &table[i];
  }

  if (matched == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, "no such resource: %s", path);
    return FALSE;
  }
  if (!hn_api_server_check_needs (self, matched->needs, path, error))
    return FALSE;
  if (route == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_METHOD_NOT_ALLOWED,
                 "method %s is not allowed on %s; allowed: %s", method, path, methods->str);
    *allow = g_string_free (g_steal_pointer (&methods), FALSE);
    return FALSE;
  }
  if (!hn_api_check_query (query, route->query, error))
    return FALSE;

  hn_api_route_match (route->pattern, seg, params);
  request.server = self;
  request.hub = self->hub;
  request.endpoint = self->endpoint;
  request.params = (const gchar *const *) params->pdata;
  request.query = query;
  request.body = body;
  return route->handler (&request, reply, error);
}

static gboolean
hn_api_unescape_segment (gchar **segment)
{
  gchar *plain = g_uri_unescape_string (*segment, NULL);

  if (plain == NULL)
    return FALSE;
  g_free (*segment);
  *segment = plain;
  return TRUE;
}

/* Compares the digests, not the tokens, and all of their bytes whatever
 * differs first, so the time taken tells nothing of the token */
static gboolean
hn_api_token_equal (const gchar *given, const gchar *token)
{
  g_autoptr (GChecksum) a = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GChecksum) b = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 da[32], db[32];
  gsize la = sizeof da, lb = sizeof db;
  guint8 diff = 0;

  g_checksum_update (a, (const guchar *) given, strlen (given));
  g_checksum_update (b, (const guchar *) token, strlen (token));
  g_checksum_get_digest (a, da, &la);
  g_checksum_get_digest (b, db, &lb);
  for (gsize i = 0; i < sizeof da; i++)
    diff |= da[i] ^ db[i];
  return diff == 0;
}

/* Whether @msg may be answered: anything on the Unix socket; on TCP, a
 * request with the token, or a monitoring one when monitoring is open */
static gboolean
hn_api_server_check_token (HnApiServer *self,
                           SoupServerMessage *msg,
                           const gchar *raw,
                           GError **error)
{
  GSocketAddress *local = soup_server_message_get_local_address (msg);
  const gchar *auth;

  if (!G_IS_INET_SOCKET_ADDRESS (local) || self->token == NULL)
    return TRUE;
  if (self->open_monitoring && (g_str_equal (raw, "/health") || g_str_equal (raw, "/metrics")))
    return TRUE;
  auth =
      soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  if (auth == NULL) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                         "this API needs a token: send Authorization: Bearer TOKEN");
    return FALSE;
  }
  if (g_ascii_strncasecmp (auth, "Bearer ", 7) != 0 ||
      !hn_api_token_equal (auth + 7, self->token)) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_FORBIDDEN, "the token is not accepted");
    return FALSE;
  }
  return TRUE;
}

static void
hn_api_server_handler (SoupServer *server,
                       SoupServerMessage *msg,
                       const char *path,
                       GHashTable *query,
                       gpointer user_data)
{
  HnApiServer *self = user_data;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) seg = NULL;
  g_auto (HnApiReply) reply = { SOUP_STATUS_OK, NULL, NULL, NULL };
  g_autoptr (GBytes) body = NULL;
  g_autofree gchar *allow = NULL;
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  const gchar *method = soup_server_message_get_method (msg);
  const gchar *prefix = "/api/v1/";
  const HnApiRoute *table = routes;
  gsize n_routes = G_N_ELEMENTS (routes);
  SoupServerMessage *outer = self->current_message;
  const gchar *raw;
  gboolean streamed;
  gboolean ok = FALSE;

  /* the path as sent: split first, then decode each segment, so an id
   * with an escaped '/' stays one segment */
  raw = g_uri_get_path (soup_server_message_get_uri (msg));
  if (!g_str_has_prefix (raw, prefix)) {
    table = root_routes;
    n_routes = G_N_ELEMENTS (root_routes);
    prefix = "/";
  }
  if (!hn_api_server_check_token (self, msg, raw, &error)) {
    if (g_error_matches (error, HN_ERROR, HN_ERROR_UNAUTHORIZED))
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer");
  } else if (request_body != NULL && request_body->length > HN_API_MAX_BODY_SIZE) {
    g_set_error (&error, HN_ERROR, HN_ERROR_PAYLOAD_TOO_LARGE,
                 "request body of %" G_GINT64_FORMAT " bytes is larger than %d",
                 request_body->length, HN_API_MAX_BODY_SIZE);
  } else if (!g_str_has_prefix (raw, prefix)) {
    g_set_error (&error, HN_ERROR, HN_ERROR_NOT_FOUND, "no such resource: %s", path);
  } else {
    if (request_body != NULL)
      body = soup_message_body_flatten (request_body);
    seg = g_strsplit (raw + strlen (prefix), "/", -1);
    for (gchar **s = seg; *s != NULL && error == NULL; s++) {
      /* a trailing slash is the same resource */
      if (**s == '\0' && s[1] == NULL)
        g_clear_pointer (s, g_free);
      else if (!hn_api_unescape_segment (s))
        g_set_error (&error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "malformed path: %s", raw);
    }
    /* a route whose answer is a stream takes the message (and a request
     * answered while a handler runs leaves it as it was) */
    self->current_message = msg;
    if (error == NULL)
      ok = hn_api_server_route (self, table, n_routes, method, path, seg, query, body, &reply,
                                &allow, &error);
  }
  streamed = self->current_message != msg;
  self->current_message = outer;

  if (ok && streamed)
    return;
  if (!ok) {
    g_debug ("%s %s: %s", method, path, error->message);
    hn_api_respond_error (msg, error);
    if (allow != NULL)
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
    return;
  }
  if (reply.text != NULL) {
    gsize length = strlen (reply.text);

    soup_server_message_set_status (msg, reply.status, NULL);
    soup_server_message_set_response (msg, reply.content_type, SOUP_MEMORY_TAKE,
                                      g_steal_pointer (&reply.text), length);
    return;
  }
  hn_api_respond_json (msg, reply.status, reply.json);
}

static void
hn_api_server_dispose (GObject *object)
{
  HnApiServer *self = HN_API_SERVER (object);

  hn_api_server_close (self);
  g_clear_pointer (&self->events, hn_api_events_free);
  g_clear_object (&self->deadline);
  g_clear_object (&self->server);
  g_clear_object (&self->config);
  g_clear_object (&self->hub);
  g_clear_object (&self->endpoint);
  g_clear_object (&self->tls);

  G_OBJECT_CLASS (hn_api_server_parent_class)->dispose (object);
}

static void
hn_api_server_finalize (GObject *object)
{
  HnApiServer *self = HN_API_SERVER (object);

  g_free (self->role);
  g_free (self->state_dir);
  g_free (self->socket_path);
  g_free (self->last_reload_error);
  g_free (self->token);

  G_OBJECT_CLASS (hn_api_server_parent_class)->finalize (object);
}

static void
hn_api_server_class_init (HnApiServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hn_api_server_dispose;
  object_class->finalize = hn_api_server_finalize;
}

static void
hn_api_server_init (HnApiServer *self)
{
  self->started_usec = g_get_monotonic_time ();
}

/**
 * hn_api_server_new:
 * @role: "hub" or "endpoint", as shown by /api/v1/status
 * @state_dir: shown by /api/v1/status
 */
HnApiServer *
hn_api_server_new (const gchar *role, const gchar *state_dir)
{
  HnApiServer *self;

  g_return_val_if_fail (role != NULL, NULL);
  g_return_val_if_fail (state_dir != NULL, NULL);

  self = g_object_new (HN_TYPE_API_SERVER, NULL);
  self->role = g_strdup (role);
  self->state_dir = g_strdup (state_dir);
  self->server = soup_server_new ("server-header", "hoinghid/" HN_VERSION " ", NULL);
  self->deadline = hn_request_deadline_new (self->server, "API", HN_REQUEST_TIMEOUT_MS);
  soup_server_add_handler (self->server, "/", hn_api_server_handler, self, NULL);
  return self;
}

/**
 * hn_api_server_set_config:
 *
 * Sets the configuration the API shows; called at start and after every
 * successful reload.
 */
void
hn_api_server_set_config (HnApiServer *self, HnConfig *config)
{
  g_return_if_fail (HN_IS_API_SERVER (self));
  g_return_if_fail (HN_IS_CONFIG (config));

  g_set_object (&self->config, config);
}

/**
 * hn_api_server_set_hub:
 * @hub: (nullable): the hub whose meetings, sites online and tokens the
 *   API shows and changes (the hub role), or %NULL
 */
void
hn_api_server_set_hub (HnApiServer *self, HnHub *hub)
{
  g_return_if_fail (HN_IS_API_SERVER (self));
  g_return_if_fail (hub == NULL || HN_IS_HUB (hub));

  /* the clients of the events of another hub (or of none) are done */
  if (hub != self->hub)
    g_clear_pointer (&self->events, hn_api_events_free);
  g_set_object (&self->hub, hub);
}

/**
 * hn_api_server_set_endpoint:
 * @endpoint: (nullable): the room endpoint the API shows (the endpoint
 *   role), or %NULL; with one, the hub's routes answer 404
 */
void
hn_api_server_set_endpoint (HnApiServer *self, HnEndpoint *endpoint)
{
  g_return_if_fail (HN_IS_API_SERVER (self));
  g_return_if_fail (endpoint == NULL || HN_IS_ENDPOINT (endpoint));

  g_set_object (&self->endpoint, endpoint);
}

/**
 * hn_api_server_set_last_reload_error:
 * @error: (nullable): why the last reload was refused, or %NULL after a
 *   successful one
 */
void
hn_api_server_set_last_reload_error (HnApiServer *self, const GError *error)
{
  g_return_if_fail (HN_IS_API_SERVER (self));

  g_free (self->last_reload_error);
  self->last_reload_error = error != NULL ? g_strdup (error->message) : NULL;
}

/**
 * hn_api_server_set_reload_func:
 * @func: (nullable): what POST /api/v1/reload calls; without one the
 *   route fails
 */
void
hn_api_server_set_reload_func (HnApiServer *self, HnApiReloadFunc func, gpointer user_data)
{
  g_return_if_fail (HN_IS_API_SERVER (self));

  self->reload_func = func;
  self->reload_data = user_data;
}

static gboolean
hn_api_server_incoming_cb (GSocketService *service,
                           GSocketConnection *connection,
                           GObject *source_object,
                           gpointer user_data)
{
  HnApiServer *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  if (!soup_server_accept_iostream (self->server, G_IO_STREAM (connection), local, remote, &error))
    g_warning ("cannot accept an API connection: %s, ignoring", error->message);
  return TRUE;
}

static gboolean
hn_api_server_tcp_incoming_cb (GSocketService *service,
                               GSocketConnection *connection,
                               GObject *source_object,
                               gpointer user_data)
{
  HnApiServer *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!hn_request_deadline_accept (self->deadline, connection, self->tls, &error))
    g_warning ("cannot accept an API connection over TCP: %s, ignoring", error->message);
  return TRUE;
}

/**
 * hn_api_server_listen_tcp:
 * @address: an IP address, e.g. "127.0.0.1" or "0.0.0.0"
 * @port: the port, 0 for any free one (see hn_api_server_get_tcp_port())
 * @token: what clients must send as "Authorization: Bearer TOKEN"
 * @open_monitoring: whether /health and /metrics answer without it
 * @tls: (nullable): the certificate (with its key) to answer HTTPS with,
 *   or %NULL for plain HTTP
 *
 * Listens on TCP besides the Unix socket.
 */
gboolean
hn_api_server_listen_tcp (HnApiServer *self,
                          const gchar *address,
                          guint port,
                          const gchar *token,
                          gboolean open_monitoring,
                          GTlsCertificate *tls,
                          GError **error)
{
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) sockaddr = NULL;
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GSocketService) service = NULL;

  g_return_val_if_fail (HN_IS_API_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (port <= 65535, FALSE);
  g_return_val_if_fail (token != NULL && *token != '\0', FALSE);
  g_return_val_if_fail (tls == NULL || G_IS_TLS_CERTIFICATE (tls), FALSE);
  g_return_val_if_fail (self->tcp_service == NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  inet = g_inet_address_new_from_string (address);
  if (inet == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "'%s' is not an IP address", address);
    return FALSE;
  }
  sockaddr = g_inet_socket_address_new (inet, port);
  service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), sockaddr, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error)) {
    hn_error_convert (error);
    g_prefix_error (error, "%s port %u: ", address, port);
    return FALSE;
  }
  g_signal_connect_object (service, "incoming", G_CALLBACK (hn_api_server_tcp_incoming_cb), self,
                           0);
  g_socket_service_start (service);
  self->tcp_service = g_steal_pointer (&service);
  self->tcp_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_free (self->token);
  self->token = g_strdup (token);
  self->open_monitoring = open_monitoring;
  g_set_object (&self->tls, tls);
  return TRUE;
}

/**
 * hn_api_server_get_tcp_port:
 *
 * Returns: the TCP port listened on, 0 when there is none
 */
guint
hn_api_server_get_tcp_port (HnApiServer *self)
{
  g_return_val_if_fail (HN_IS_API_SERVER (self), 0);
  return self->tcp_service != NULL ? self->tcp_port : 0;
}

/* A socket file left by a daemon that died is removed; one that a live
 * daemon answers on is not taken over. */
static gboolean
hn_api_server_clear_stale_socket (const gchar *path, GError **error)
{
  g_autoptr (GSocketClient) client = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketConnection) conn = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  client = g_socket_client_new ();
  address = g_unix_socket_address_new (path);
  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, NULL);
  if (conn != NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE,
                 "%s: another hoinghid is already listening there", path);
    return FALSE;
  }
  if (g_unlink (path) != 0) {
    int saved_errno = errno;

    g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "%s: cannot remove stale socket: %s", path,
                 g_strerror (saved_errno));
    return FALSE;
  }
  return TRUE;
}

/**
 * hn_api_server_listen_unix:
 *
 * Listens on the Unix socket @path (mode 0660), creating its folder if
 * needed. In the hub role the configuration is set first; a room endpoint
 * has none.
 */
gboolean
hn_api_server_listen_unix (HnApiServer *self, const gchar *path, GError **error)
{
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketService) service = NULL;
  g_autofree gchar *dir = NULL;

  g_return_val_if_fail (HN_IS_API_SERVER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (self->service == NULL, FALSE);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0755) != 0) {
    int saved_errno = errno;

    g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "%s: cannot create folder: %s", dir,
                 g_strerror (saved_errno));
    return FALSE;
  }
  if (!hn_api_server_clear_stale_socket (path, error))
    return FALSE;

  address = g_unix_socket_address_new (path);
  service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, error)) {
    hn_error_convert (error);
    g_prefix_error (error, "%s: ", path);
    return FALSE;
  }
  if (g_chmod (path, 0660) != 0) {
    int saved_errno = errno;

    g_socket_listener_close (G_SOCKET_LISTENER (service));
    g_unlink (path);
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "%s: cannot set mode 0660: %s", path,
                 g_strerror (saved_errno));
    return FALSE;
  }
  g_signal_connect_object (service, "incoming", G_CALLBACK (hn_api_server_incoming_cb), self, 0);
  g_socket_service_start (service);
  self->service = g_steal_pointer (&service);
  g_free (self->socket_path);
  self->socket_path = g_strdup (path);
  return TRUE;
}

/**
 * hn_api_server_close:
 *
 * Stops listening and removes the socket file.
 */
void
hn_api_server_close (HnApiServer *self)
{
  g_return_if_fail (HN_IS_API_SERVER (self));

  if (self->service != NULL) {
    g_socket_service_stop (self->service);
    g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    g_clear_object (&self->service);
  }
  if (self->tcp_service != NULL) {
    g_socket_service_stop (self->tcp_service);
    g_socket_listener_close (G_SOCKET_LISTENER (self->tcp_service));
    g_clear_object (&self->tcp_service);
    self->tcp_port = 0;
  }
  /* event streams end before their connections do */
  g_clear_pointer (&self->events, hn_api_events_free);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  if (self->socket_path != NULL) {
    g_unlink (self->socket_path);
    g_clear_pointer (&self->socket_path, g_free);
  }
}

const gchar *
hn_api_server_get_socket_path (HnApiServer *self)
{
  g_return_val_if_fail (HN_IS_API_SERVER (self), NULL);
  return self->socket_path;
}

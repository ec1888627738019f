/* HnApiServer: the daemon's HTTP API (libsoup 3), on the local control
 * socket that hoinghictl uses.
 *
 * Every answer is JSON made with json-glib; every error is
 * {"error": {"code", "message"}} with the HTTP status of its HnError (one
 * table in hn-error.c). The server shows the configuration it is given and
 * is given a new one after a reload; it owns no daemon state, so the
 * fixture tests run it on its own.
 *
 * Connections are accepted by a GSocketService of ours and handed to the
 * SoupServer with soup_server_accept_iostream(): libsoup 3.2's own listener
 * (soup_server_listen) never frees an accepted GSocket, about 350 bytes
 * lost per connection (fixed upstream in 3.4, "soup-listener: Plug a
 * leak"), which a daemon answering scrapes for months cannot afford. */

#define G_LOG_DOMAIN "hoinghi-api"

#include "hn-api-server.h"

#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "hn-build-config.h"
#include "hn-error.h"

struct _HnApiServer {
  GObject parent_instance;

  SoupServer *server;
  GSocketService *service;
  gchar *role;
  gchar *state_dir;
  gchar *socket_path;
  HnConfig *config;
  gchar *last_reload_error;
  gint64 started_usec;
};

G_DEFINE_FINAL_TYPE (HnApiServer, hn_api_server, G_TYPE_OBJECT)

static void
hn_api_reply_json (SoupServerMessage *msg, guint status, JsonNode *node)
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
hn_api_reply_error (SoupServerMessage *msg, const GError *error)
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
  hn_api_reply_json (msg, hn_error_to_http_status (error), node);
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

static JsonNode *
hn_api_server_get_status (HnApiServer *self, GHashTable *query, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  const gchar *const *files = hn_config_get_files (self->config);

  if (!hn_api_check_query (query, NULL, error))
    return NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, self->role);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, HN_VERSION);
  json_builder_set_member_name (b, "uptime-seconds");
  json_builder_add_int_value (b, (g_get_monotonic_time () - self->started_usec) / G_USEC_PER_SEC);
  json_builder_set_member_name (b, "config");
  json_builder_add_string_value (b, hn_config_get_path (self->config));
  json_builder_set_member_name (b, "config-files");
  json_builder_begin_array (b);
  for (guint i = 0; files[i] != NULL; i++)
    json_builder_add_string_value (b, files[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "state-directory");
  json_builder_add_string_value (b, self->state_dir);
  json_builder_set_member_name (b, "sites");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, hn_config_get_sites (self->config)->len);
  for (guint t = 0; t < HN_TIER_LAST; t++) {
    json_builder_set_member_name (b, hn_tier_to_string (t));
    json_builder_add_int_value (b, hn_config_count_tier (self->config, t));
  }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "last-reload-error");
  if (self->last_reload_error != NULL)
    json_builder_add_string_value (b, self->last_reload_error);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
hn_api_server_list_sites (HnApiServer *self, GHashTable *query, GError **error)
{
  static const gchar *const allowed[] = { "tier", "district", NULL };
  g_autoptr (JsonBuilder) b = json_builder_new ();
  GPtrArray *sites = hn_config_get_sites (self->config);
  const gchar *tier_str = query != NULL ? g_hash_table_lookup (query, "tier") : NULL;
  const gchar *district_str = query != NULL ? g_hash_table_lookup (query, "district") : NULL;
  HnSite *district = NULL;
  HnTier tier = HN_TIER_LAST;
  guint count = 0;

  if (!hn_api_check_query (query, allowed, error))
    return NULL;
  if (tier_str != NULL && !hn_tier_from_string (tier_str, &tier)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "unknown tier '%s'; expected hub, department, district or commune", tier_str);
    return NULL;
  }
  if (district_str != NULL) {
    district = hn_config_lookup_district (self->config, district_str);
    if (district == NULL) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "no district '%s'; give a district's id or GSO code (see: sites --tier "
                   "district)",
                   district_str);
      return NULL;
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
  return json_builder_get_root (b);
}

static JsonNode *
hn_api_server_get_site (HnApiServer *self, const gchar *id, GHashTable *query, GError **error)
{
  HnSite *site;

  if (!hn_api_check_query (query, NULL, error))
    return NULL;
  site = hn_config_get_site (self->config, id);
  if (site == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, "no site '%s'", id);
    return NULL;
  }
  return hn_site_to_json (site);
}

/* Routes: a method and the path's segments after /api/v1. */
static JsonNode *
hn_api_server_route (
    HnApiServer *self, const gchar *method, gchar **seg, GHashTable *query, GError **error)
{
  guint n = g_strv_length (seg);
  gboolean known = TRUE;

  if (n == 1 && g_str_equal (seg[0], "status")) {
    if (g_str_equal (method, "GET"))
      return hn_api_server_get_status (self, query, error);
  } else if (n == 1 && g_str_equal (seg[0], "sites")) {
    if (g_str_equal (method, "GET"))
      return hn_api_server_list_sites (self, query, error);
  } else if (n == 2 && g_str_equal (seg[0], "sites")) {
    if (g_str_equal (method, "GET"))
      return hn_api_server_get_site (self, seg[1], query, error);
  } else {
    known = FALSE;
  }

  if (known)
    g_set_error (error, HN_ERROR, HN_ERROR_METHOD_NOT_ALLOWED, "method %s is not allowed here",
                 method);
  else
    g_set_error (error, HN_ERROR, HN_ERROR_NOT_FOUND, "no such resource");
  return NULL;
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

static void
hn_api_server_handler (SoupServer *server,
                       SoupServerMessage *msg,
                       const char *path,
                       GHashTable *query,
                       gpointer user_data)
{
  HnApiServer *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_auto (GStrv) seg = NULL;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  const gchar *method = soup_server_message_get_method (msg);
  const gchar *prefix = "/api/v1/";
  const gchar *raw;

  /* the path as sent: split first, then decode each segment, so an id
   * with an escaped '/' stays one segment */
  raw = g_uri_get_path (soup_server_message_get_uri (msg));
  if (body != NULL && body->length > HN_API_MAX_BODY_SIZE) {
    g_set_error (&error, HN_ERROR, HN_ERROR_PAYLOAD_TOO_LARGE,
                 "request body of %" G_GINT64_FORMAT " bytes is larger than %d", body->length,
                 HN_API_MAX_BODY_SIZE);
  } else if (!g_str_has_prefix (raw, prefix)) {
    g_set_error (&error, HN_ERROR, HN_ERROR_NOT_FOUND, "no such resource: %s", path);
  } else {
    seg = g_strsplit (raw + strlen (prefix), "/", -1);
    for (gchar **s = seg; *s != NULL && error == NULL; s++) {
      /* a trailing slash is the same resource */
      if (**s == '\0' && s[1] == NULL)
        g_clear_pointer (s, g_free);
      else if (!hn_api_unescape_segment (s))
        g_set_error (&error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "malformed path: %s", raw);
    }
    if (error == NULL)
      node = hn_api_server_route (self, method, seg, query, &error);
  }

  if (node == NULL) {
    g_debug ("%s %s: %s", method, path, error->message);
    hn_api_reply_error (msg, error);
    return;
  }
  hn_api_reply_json (msg, SOUP_STATUS_OK, node);
}

static void
hn_api_server_dispose (GObject *object)
{
  HnApiServer *self = HN_API_SERVER (object);

  hn_api_server_close (self);
  g_clear_object (&self->server);
  g_clear_object (&self->config);

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
 * needed.
 */
gboolean
hn_api_server_listen_unix (HnApiServer *self, const gchar *path, GError **error)
{
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketService) service = NULL;
  g_autofree gchar *dir = NULL;

  g_return_val_if_fail (HN_IS_API_SERVER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (self->config != NULL, FALSE);
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

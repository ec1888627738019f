#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hn-config.h"
#include "hn-endpoint.h"
#include "hn-hub.h"

G_BEGIN_DECLS

/* Request bodies larger than this are refused with 413 */
#define HN_API_MAX_BODY_SIZE (64 * 1024)

#define HN_TYPE_API_SERVER (hn_api_server_get_type ())
G_DECLARE_FINAL_TYPE (HnApiServer, hn_api_server, HN, API_SERVER, GObject)

HnApiServer *hn_api_server_new (const gchar *role,
                                const gchar *state_dir) G_GNUC_WARN_UNUSED_RESULT;

gboolean hn_api_server_listen_unix (HnApiServer *self, const gchar *path, GError **error);
gboolean hn_api_server_listen_tcp (HnApiServer *self,
                                   const gchar *address,
                                   guint port,
                                   const gchar *token,
                                   gboolean open_monitoring,
                                   GTlsCertificate *tls,
                                   GError **error);
guint hn_api_server_get_tcp_port (HnApiServer *self);
void hn_api_server_close (HnApiServer *self);
const gchar *hn_api_server_get_socket_path (HnApiServer *self);

void hn_api_server_set_config (HnApiServer *self, HnConfig *config);
void hn_api_server_set_hub (HnApiServer *self, HnHub *hub);
void hn_api_server_set_endpoint (HnApiServer *self, HnEndpoint *endpoint);
void hn_api_server_set_last_reload_error (HnApiServer *self, const GError *error);

/**
 * HnApiReloadFunc:
 *
 * Reloads the configuration for POST /api/v1/reload; returns %FALSE with
 * @error set when the new files are refused and the running ones stay.
 */
typedef gboolean (*HnApiReloadFunc) (gpointer user_data, GError **error);

void hn_api_server_set_reload_func (HnApiServer *self, HnApiReloadFunc func, gpointer user_data);

/* What the route handlers (hn-api-server.c, hn-api-meetings.c) share */

/**
 * HnApiRequest:
 * @server: the server answering
 * @hub: the hub; never %NULL for a route of the hub role
 * @endpoint: the room endpoint; never %NULL for a route of the endpoint role
 * @params: the variable segments of the path ('*' in the route), decoded,
 *   in order, %NULL-terminated
 * @query: (nullable): the query, already checked against what the route
 *   takes
 * @body: (nullable): the request body, at most HN_API_MAX_BODY_SIZE bytes
 */
typedef struct {
  HnApiServer *server;
  HnHub *hub;
  HnEndpoint *endpoint;
  const gchar *const *params;
  GHashTable *query;
  GBytes *body;
} HnApiRequest;

/**
 * HnApiReply:
 * @status: the HTTP status of the answer; 200 unless the handler sets
 *   another (201 for a created meeting)
 * @json: (nullable): the answer, or
 * @text: (nullable): an answer that is not JSON, of type @content_type
 * @content_type: (nullable): a static string, the type of @text
 *
 * What a handler answers when it succeeds; an error is answered from its
 * GError instead.
 */
typedef struct {
  guint status;
  JsonNode *json;
  gchar *text;
  const gchar *content_type;
} HnApiReply;

typedef gboolean (*HnApiHandler) (const HnApiRequest *request, HnApiReply *reply, GError **error);

/**
 * HnApiMember:
 * @name: the member's name
 * @type: G_TYPE_STRING, G_TYPE_BOOLEAN or G_TYPE_INT64
 * @required: whether a body without it is refused
 * @nullable: whether null is accepted in place of a value
 *
 * One member a request body may have; a table of them ends with a row
 * whose @name is %NULL.
 */
typedef struct {
  const gchar *name;
  GType type;
  gboolean required;
  gboolean nullable;
} HnApiMember;

JsonObject *hn_api_parse_body (GBytes *body,
                               const HnApiMember *members,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
const gchar *hn_api_body_get_string (JsonObject *body, const gchar *name);
JsonObject *hn_api_read_floor_request (GBytes *body,
                                       gboolean *wanted,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

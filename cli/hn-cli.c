/* HnCli: hoinghictl's side of the control API. It owns the HTTP session to
 * the local hoinghid over its Unix socket, sends GET, POST, PUT and DELETE
 * with JSON bodies, turns answers into JSON nodes (or text, for a
 * meeting's SDP) and error bodies ({"error": {"code", "message"}}) back
 * into HN_ERROR, and knows whether the user asked for --json. The verbs
 * themselves live in main.c and only ever see JSON, text or a GError.
 *
 * With hn_cli_new_remote() it talks to a hub's API over TCP instead
 * (http or https, [api] in sites.conf), sending the bearer token. */

#define G_LOG_DOMAIN "hoinghi-cli"

#include "hn-cli.h"

#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <libsoup/soup.h>
#include <stdio.h>

#include "hn-build-config.h"
#include "hn-error.h"

/* A stuck daemon must not hang scripts and monitoring forever. */
#define HN_CLI_TIMEOUT_SECONDS 30

struct _HnCli {
  GObject parent_instance;

  gchar *socket_path;
  gchar *base_uri; /* "http://localhost" on the socket */
  gchar *where;    /* what the messages name: the socket or the URL */
  gchar *token;    /* nullable */
  gboolean insecure;
  gboolean json_output;
  SoupSession *session;
};

G_DEFINE_FINAL_TYPE (HnCli, hn_cli, G_TYPE_OBJECT)

static void
hn_cli_dispose (GObject *object)
{
  HnCli *self = HN_CLI (object);

  g_clear_object (&self->session);

  G_OBJECT_CLASS (hn_cli_parent_class)->dispose (object);
}

static void
hn_cli_finalize (GObject *object)
{
  HnCli *self = HN_CLI (object);

  g_clear_pointer (&self->socket_path, g_free);
  g_clear_pointer (&self->base_uri, g_free);
  g_clear_pointer (&self->where, g_free);
  g_clear_pointer (&self->token, g_free);

  G_OBJECT_CLASS (hn_cli_parent_class)->finalize (object);
}

static void
hn_cli_class_init (HnCliClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hn_cli_dispose;
  object_class->finalize = hn_cli_finalize;
}

static void
hn_cli_init (HnCli *self)
{
}

/**
 * hn_cli_new:
 * @socket_path: (nullable): control socket of hoinghid; %NULL for the
 *   built-in default (HN_DEFAULT_SOCKET)
 * @json_output: whether verbs print the daemon's JSON instead of text
 */
HnCli *
hn_cli_new (const gchar *socket_path, gboolean json_output)
{
  HnCli *self = g_object_new (HN_TYPE_CLI, NULL);
  g_autoptr (GSocketAddress) address = NULL;

  self->socket_path = g_strdup (socket_path != NULL ? socket_path : HN_DEFAULT_SOCKET);
  self->base_uri = g_strdup ("http://localhost");
  self->where = g_strdup (self->socket_path);
  self->json_output = json_output;

  /* Every connection goes to the socket whatever the URI says, so requests
   * are written as plain http://localhost/... */
  address = g_unix_socket_address_new (self->socket_path);
  self->session = soup_session_new_with_options ("remote-connectable", address, NULL);
  soup_session_set_timeout (self->session, HN_CLI_TIMEOUT_SECONDS);
  soup_session_set_user_agent (self->session, "hoinghictl/" HN_VERSION);
  return self;
}

/* "HOST:PORT" or a URL "http(s)://HOST:PORT" to the base URI of the API */
static gchar *
hn_cli_parse_host (const gchar *host, GError **error)
{
  g_autofree gchar *text = NULL;
  g_autoptr (GUri) uri = NULL;
  const gchar *scheme;

  if (strstr (host, "://") != NULL)
    text = g_strdup (host);
  else
    text = g_strconcat ("http://", host, NULL);
  uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_port (uri) <= 0 ||
      (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0) ||
      (*g_uri_get_path (uri) != '\0' && !g_str_equal (g_uri_get_path (uri), "/")) ||
      g_uri_get_query (uri) != NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "invalid --host '%s'; expected HOST:PORT or https://HOST:PORT", host);
    return NULL;
  }
  return g_uri_join (G_URI_FLAGS_NONE, scheme, NULL, g_uri_get_host (uri), g_uri_get_port (uri), "",
                     NULL, NULL);
}

static gchar *
hn_cli_read_token (const gchar *path, GError **error)
{
  g_autofree gchar *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, error)) {
    hn_error_convert (error);
    g_prefix_error (error, "cannot read the token file: ");
    return NULL;
  }
  g_strstrip (contents);
  if (*contents == '\0') {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "%s: the token file is empty", path);
    return NULL;
  }
  return g_steal_pointer (&contents);
}

/**
 * hn_cli_new_remote:
 * @host: "HOST:PORT" (plain http) or a URL "http://HOST:PORT" or
 *   "https://HOST:PORT"
 * @token_file: (nullable): a file holding the bearer token to send
 * @insecure: whether to accept any TLS certificate (https only)
 * @json_output: as for hn_cli_new()
 *
 * Talks to a hub's API over TCP ([api] listen= in its sites.conf) rather
 * than to the local socket. An https certificate is verified against the
 * system's authorities unless @insecure.
 *
 * Returns: (transfer full): the client, or %NULL with @error set when
 *   @host is not valid or the token file cannot be read
 */
HnCli *
hn_cli_new_remote (const gchar *host,
                   const gchar *token_file,
                   gboolean insecure,
                   gboolean json_output,
                   GError **error)
{
  g_autoptr (HnCli) self = NULL;
  g_autofree gchar *base = NULL;
  g_autofree gchar *token = NULL;

  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  base = hn_cli_parse_host (host, error);
  if (base == NULL)
    return NULL;
  if (token_file != NULL) {
    token = hn_cli_read_token (token_file, error);
    if (token == NULL)
      return NULL;
  }
  self = g_object_new (HN_TYPE_CLI, NULL);
  self->base_uri = g_steal_pointer (&base);
  self->where = g_strdup (self->base_uri);
  self->token = g_steal_pointer (&token);
  self->insecure = insecure;
  self->json_output = json_output;
  self->session = soup_session_new ();
  soup_session_set_timeout (self->session, HN_CLI_TIMEOUT_SECONDS);
  soup_session_set_user_agent (self->session, "hoinghictl/" HN_VERSION);
  return g_steal_pointer (&self);
}

/**
 * hn_cli_get_socket_path:
 *
 * Returns: (nullable): the control socket, or %NULL for a remote hub
 */
const gchar *
hn_cli_get_socket_path (HnCli *self)
{
  g_return_val_if_fail (HN_IS_CLI (self), NULL);
  return self->socket_path;
}

/**
 * hn_cli_get_json_output:
 *
 * Returns: whether --json was given (not hn_cli_get_json(), which is the
 *   request)
 */
gboolean
hn_cli_get_json_output (HnCli *self)
{
  g_return_val_if_fail (HN_IS_CLI (self), FALSE);
  return self->json_output;
}

/* GIO words a failed connect as "Could not connect: <strerror>"; the CLI
 * says the strerror part itself, with a hint at the likely cause. */
static const struct {
  gint code;
  gint errsv;
  const gchar *hint;
} transport_errors[] = {
  { G_IO_ERROR_NOT_FOUND, ENOENT, "is hoinghid running?" },
  { G_IO_ERROR_CONNECTION_REFUSED, ECONNREFUSED, "is hoinghid running?" },
  { G_IO_ERROR_PERMISSION_DENIED, EACCES, "is your user in the socket's group?" },
};

static void
hn_cli_set_transport_error (HnCli *self, const GError *local_error, GError **error)
{
  if (local_error->domain == G_IO_ERROR) {
    for (guint i = 0; i < G_N_ELEMENTS (transport_errors); i++) {
      if (local_error->code != transport_errors[i].code)
        continue;
      g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, "cannot reach hoinghid at %s: %s (%s)",
                   self->where, g_strerror (transport_errors[i].errsv), transport_errors[i].hint);
      return;
    }
  }
  /* Not hn_error_convert(): it would make a missing socket NOT_FOUND, the
   * same code as an unknown site. */
  g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, "cannot reach hoinghid at %s: %s",
               self->where, local_error->message);
}

static HnError
hn_cli_error_from_code (const gchar *code)
{
  for (guint i = 0; i < HN_ERROR_LAST; i++) {
    if (g_strcmp0 (code, hn_error_code_to_string (i)) == 0)
      return i;
  }
  return HN_ERROR_FAILED;
}

/* Builds the error of a non-2xx answer, from its JSON error body when it
 * has one, else from the HTTP status (e.g. a proxy or an older daemon). */
static void
hn_cli_set_api_error (SoupMessage *msg, JsonNode *root, GError **error)
{
  JsonObject *body =
      root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonNode *node = body != NULL ? json_object_get_member (body, "error") : NULL;
  JsonObject *obj =
      node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonNode *code = obj != NULL ? json_object_get_member (obj, "code") : NULL;
  JsonNode *message = obj != NULL ? json_object_get_member (obj, "message") : NULL;
  guint status = soup_message_get_status (msg);

  /* a remote hub's own words would not say what to do about it */
  if (status == SOUP_STATUS_UNAUTHORIZED) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_UNAUTHORIZED,
                         "the hub asks for a token (401); give --token-file FILE");
    return;
  }
  if (status == SOUP_STATUS_FORBIDDEN) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_FORBIDDEN, "the hub refused the token (403)");
    return;
  }
  if (message != NULL && json_node_get_value_type (message) == G_TYPE_STRING) {
    const gchar *name = code != NULL && json_node_get_value_type (code) == G_TYPE_STRING
                            ? json_node_get_string (code)
                            : NULL;

    g_set_error_literal (error, HN_ERROR, hn_cli_error_from_code (name),
                         json_node_get_string (message));
    return;
  }
  g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "hoinghid answered %u %s",
               soup_message_get_status (msg), soup_message_get_reason_phrase (msg));
}

/* --insecure: a hub with a self-signed certificate, knowingly */
static gboolean
hn_cli_accept_any_certificate (SoupMessage *msg,
                               GTlsCertificate *certificate,
                               GTlsCertificateFlags errors,
                               gpointer user_data)
{
  return TRUE;
}

/* Sends @method @path with @body (as JSON) and waits for the answer. A
 * success gives its body; anything else the API's own error (code and
 * message) or why the daemon could not be reached. */
/* A request to hoinghid with the headers every request carries */
static SoupMessage *
hn_cli_new_message (
    HnCli *self, const gchar *method, const gchar *path, const gchar *accept, GError **error)
{
  g_autofree gchar *uri = g_strconcat (self->base_uri, path, NULL);
  SoupMessage *msg = soup_message_new (method, uri);

  if (msg == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "invalid request path '%s'", path);
    return NULL;
  }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", accept);
  if (self->token != NULL) {
    g_autofree gchar *auth = g_strconcat ("Bearer ", self->token, NULL);

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  }
  if (self->insecure)
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (hn_cli_accept_any_certificate), NULL);
  return msg;
}

static GBytes *
hn_cli_send (HnCli *self,
             const gchar *method,
             const gchar *path,
             JsonNode *body,
             const gchar *accept,
             GError **error)
{
  g_autoptr (SoupMessage) msg = hn_cli_new_message (self, method, path, accept, error);
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (GError) local_error = NULL;

  if (msg == NULL)
    return NULL;
  if (body != NULL) {
    g_autoptr (JsonGenerator) generator = json_generator_new ();
    g_autoptr (GBytes) bytes = NULL;
    gsize length = 0;
    gchar *text;

    json_generator_set_root (generator, body);
    text = json_generator_to_data (generator, &length);
    bytes = g_bytes_new_take (text, length);
    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  }

  answer = soup_session_send_and_read (self->session, msg, NULL, &local_error);
  if (answer == NULL) {
    hn_cli_set_transport_error (self, local_error, error);
    return NULL;
  }
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg))) {
    g_autoptr (JsonParser) parser = json_parser_new ();
    gsize size;
    const gchar *data = g_bytes_get_data (answer, &size);
    JsonNode *root = NULL;

    if (size > 0 && json_parser_load_from_data (parser, data, size, NULL))
      root = json_parser_get_root (parser);
    hn_cli_set_api_error (msg, root, error);
    return NULL;
  }
  return g_steal_pointer (&answer);
}

/**
 * hn_cli_open_stream:
 *
 * Opens a GET of @path whose answer is read as it comes (the events
 * stream).
 *
 * Returns: (transfer full): the answer's body, or %NULL with @error set
 */
GInputStream *
hn_cli_open_stream (HnCli *self, const gchar *path, GError **error)
{
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (HN_IS_CLI (self), NULL);

  msg = hn_cli_new_message (self, SOUP_METHOD_GET, path, "text/event-stream", error);
  if (msg == NULL)
    return NULL;
  /* a stream has no end to wait for */
  g_object_set (self->session, "timeout", 0, NULL);
  stream = soup_session_send (self->session, msg, NULL, &local_error);
  if (stream == NULL) {
    hn_cli_set_transport_error (self, local_error, error);
    return NULL;
  }
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg))) {
    hn_cli_set_api_error (msg, NULL, error);
    return NULL;
  }
  return g_steal_pointer (&stream);
}

/**
 * hn_cli_request:
 * @method: "GET", "POST", "PUT" or "DELETE"
 * @path: absolute path of the API resource, with any query, already
 *   URI-escaped (e.g. "/api/v1/sites?tier=commune")
 * @body: (nullable): the request body, sent as application/json
 *
 * Sends @method @path to hoinghid and waits for the answer.
 *
 * Returns: (transfer full): the parsed JSON answer, or %NULL with @error set
 *   to the API's own error (code and message) or to why the daemon could
 *   not be reached
 */
JsonNode *
hn_cli_request (HnCli *self, const gchar *method, const gchar *path, JsonNode *body, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) answer = NULL;
  gsize size;
  const gchar *data;

  g_return_val_if_fail (HN_IS_CLI (self), NULL);
  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (path != NULL && path[0] == '/', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  answer = hn_cli_send (self, method, path, body, "application/json", error);
  if (answer == NULL)
    return NULL;
  data = g_bytes_get_data (answer, &size);
  if (size == 0 || !json_parser_load_from_data (parser, data, size, &local_error)) {
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "invalid answer from hoinghid for %s: %s", path,
                 local_error != NULL ? local_error->message : "empty body");
    return NULL;
  }
  return json_parser_steal_root (parser);
}

/**
 * hn_cli_get_json:
 *
 * hn_cli_request() with GET and no body.
 */
JsonNode *
hn_cli_get_json (HnCli *self, const gchar *path, GError **error)
{
  return hn_cli_request (self, SOUP_METHOD_GET, path, NULL, error);
}

/**
 * hn_cli_get_text:
 * @path: as for hn_cli_request()
 *
 * Sends GET @path for a resource that is text but not JSON (a meeting's
 * program.sdp); errors are still the API's JSON errors.
 *
 * Returns: (transfer full): the answer as it is, or %NULL with @error set
 */
gchar *
hn_cli_get_text (HnCli *self, const gchar *path, GError **error)
{
  g_autoptr (GBytes) answer = NULL;
  gsize size;
  const gchar *data;

  g_return_val_if_fail (HN_IS_CLI (self), NULL);
  g_return_val_if_fail (path != NULL && path[0] == '/', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  answer = hn_cli_send (self, SOUP_METHOD_GET, path, NULL, "*/*", error);
  if (answer == NULL)
    return NULL;
  data = g_bytes_get_data (answer, &size);
  if (!g_utf8_validate (data, size, NULL)) {
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "invalid answer from hoinghid for %s: not text",
                 path);
    return NULL;
  }
  return g_strndup (data, size);
}

/**
 * hn_cli_print_json:
 *
 * Prints @node pretty-printed to standard output, as UTF-8 whatever the
 * locale, since it is meant for programs.
 */
void
hn_cli_print_json (HnCli *self, JsonNode *node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree gchar *text = NULL;

  g_return_if_fail (HN_IS_CLI (self));
  g_return_if_fail (node != NULL);

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  /* Not g_print(): that converts to the locale's charset and would turn
   * diacritics into '?' under LANG=C. */
  fputs (text, stdout);
  fputc ('\n', stdout);
}

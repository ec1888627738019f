/* Fixture tests of the HTTP API: an HnApiServer in this process on a
 * temporary Unix socket, asked with a libsoup client, as libsoup's own
 * tests do. The server runs as a hub with its sites but no hub object
 * (the meeting routes answer 404), as a room endpoint with nothing behind
 * it, and with a real in-process HnHub (routing, request bodies and the
 * hub's own errors; meetings themselves are tested with the real daemons
 * in test-meetings). The monitoring routes (/metrics, /health, links and
 * events) start meetings of rooms that have no endpoint, and tell the
 * hub's health model what endpoints would have made it see. */

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>

#include "hn-api-health.h"
#include "hn-api-server.h"
#include "hn-build-config.h"
#include "hn-media.h"
#include "hn-test-utils.h"

typedef struct {
  gchar *dir;
  gchar *socket;
  HnConfig *config;
  HnHub *hub;
  HnApiServer *api;
  SoupSession *session;
} ApiFixture;

static void
api_fixture_listen (ApiFixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) address = NULL;

  hn_api_server_listen_unix (f->api, f->socket, &error);
  g_assert_no_error (error);
  address = g_unix_socket_address_new (f->socket);
  f->session = soup_session_new_with_options ("remote-connectable", address, NULL);
}

/* The hub role with the province's sites, but no hub object */
static void
api_fixture_setup (ApiFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = hn_test_tmpdir_new ();
  f->socket = g_build_filename (f->dir, "run", "control.sock", NULL);
  f->config = hn_config_new_from_file (g_getenv ("HN_SITES_CONF"), &error);
  g_assert_no_error (error);
  f->api = hn_api_server_new ("hub", "/var/lib/hoinghi-test");
  hn_api_server_set_config (f->api, f->config);
  api_fixture_listen (f);
}

/* The endpoint role before its HnEndpoint is set: no configuration */
static void
api_fixture_setup_endpoint (ApiFixture *f, gconstpointer data)
{
  f->dir = hn_test_tmpdir_new ();
  f->socket = g_build_filename (f->dir, "run", "control.sock", NULL);
  f->api = hn_api_server_new ("endpoint", "/var/lib/hoinghi-test");
  api_fixture_listen (f);
}

/* A real hub on loopback and free ports, running no meeting (with a
 * certificate: an insecure hub warns, and warnings are fatal here) */
static void
api_fixture_setup_hub (ApiFixture *f, gconstpointer data)
{
  g_autofree gchar *source =
      g_test_build_filename (G_TEST_DIST, "data", "sites-meeting.conf", NULL);
  g_autofree gchar *conf = NULL;
  g_autofree gchar *state = NULL;
  g_autoptr (GError) error = NULL;

  hn_media_init (&error);
  g_assert_no_error (error);
  f->dir = hn_test_tmpdir_new ();
  conf = hn_test_write_secure_config (f->dir, source, NULL);
  f->socket = g_build_filename (f->dir, "run", "control.sock", NULL);
  state = g_build_filename (f->dir, "state", NULL);
  g_assert_cmpint (g_mkdir (state, 0700), ==, 0);
  f->config = hn_config_new_from_file (conf, &error);
  g_assert_no_error (error);
  f->hub = hn_hub_new (f->config, state, &error);
  g_assert_no_error (error);
  f->api = hn_api_server_new ("hub", state);
  hn_api_server_set_config (f->api, f->config);
  hn_api_server_set_hub (f->api, f->hub);
  api_fixture_listen (f);
}

static void
api_fixture_teardown (ApiFixture *f, gconstpointer data)
{
  /* close the client's connections and let the server see them close
   * before it goes */
  soup_session_abort (f->session);
  g_clear_object (&f->session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->api);
  if (f->hub != NULL)
    hn_hub_close (f->hub);
  g_clear_object (&f->hub);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->config);
  hn_test_tmpdir_remove (f->dir);
  g_free (f->dir);
  g_free (f->socket);
}

typedef struct {
  GBytes *body;
  GError *error;
  gboolean done;
} Reply;

static void
api_reply_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Reply *r = user_data;

  r->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &r->error);
  r->done = TRUE;
}

/* Sends a request and runs the main context (the server's too) until the
 * answer is in; returns the parsed JSON body, the status and, when @allow
 * is given, the Allow header. */
static JsonNode *
api_request_full (ApiFixture *f,
                  const gchar *method,
                  const gchar *path,
                  const gchar *body,
                  guint *status,
                  gchar **allow)
{
  g_autofree gchar *uri = g_strconcat ("http://localhost", path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  Reply r = { 0 };

  g_assert_nonnull (msg);
  if (body != NULL) {
    g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));

    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  }
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, api_reply_cb, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (r.error);
  *status = soup_message_get_status (msg);
  if (allow != NULL)
    *allow =
        g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Allow"));
  g_assert_cmpstr (
      soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL), ==,
      "application/json");
  json_parser_load_from_data (parser, g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body),
                              &error);
  g_assert_no_error (error);
  g_bytes_unref (r.body);
  return json_node_copy (json_parser_get_root (parser));
}

static JsonNode *
api_request (
    ApiFixture *f, const gchar *method, const gchar *path, const gchar *body, guint *status)
{
  return api_request_full (f, method, path, body, status, NULL);
}

static JsonNode *
api_get (ApiFixture *f, const gchar *path, guint *status)
{
  return api_request (f, "GET", path, NULL, status);
}

static void
assert_error (JsonNode *node, const gchar *code, const gchar *message_part)
{
  JsonObject *err = json_object_get_object_member (json_node_get_object (node), "error");

  g_assert_nonnull (err);
  g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, code);
  g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), message_part));
}

static void
test_api_status (ApiFixture *f, gconstpointer data)
{
  guint status = 0;
  g_autoptr (JsonNode) node = api_get (f, "/api/v1/status", &status);
  JsonObject *o = json_node_get_object (node);
  JsonObject *sites;

  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (o, "role"), ==, "hub");
  g_assert_cmpstr (json_object_get_string_member (o, "version"), ==, HN_VERSION);
  g_assert_cmpint (json_object_get_int_member (o, "uptime-seconds"), >=, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "config"), ==, g_getenv ("HN_SITES_CONF"));
  g_assert_cmpstr (json_object_get_string_member (o, "state-directory"), ==,
                   "/var/lib/hoinghi-test");
  g_assert_true (json_object_get_null_member (o, "last-reload-error"));
  sites = json_object_get_object_member (o, "sites");
  g_assert_cmpint (json_object_get_int_member (sites, "total"), ==, 148);
  g_assert_cmpint (json_object_get_int_member (sites, "hub"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (sites, "department"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (sites, "district"), ==, 9);
  g_assert_cmpint (json_object_get_int_member (sites, "commune"), ==, 136);
}

static guint
count_sites (ApiFixture *f, const gchar *path, guint *status)
{
  g_autoptr (JsonNode) node = api_get (f, path, status);
  JsonObject *o = json_node_get_object (node);
  JsonArray *a;

  if (*status != 200)
    return G_MAXUINT;
  a = json_object_get_array_member (o, "sites");
  g_assert_cmpint (json_object_get_int_member (o, "count"), ==, json_array_get_length (a));
  return json_array_get_length (a);
}

static void
test_api_sites_filter (ApiFixture *f, gconstpointer data)
{
  guint status = 0;

  g_assert_cmpuint (count_sites (f, "/api/v1/sites", &status), ==, 148);
  g_assert_cmpuint (count_sites (f, "/api/v1/sites/", &status), ==, 148);
  g_assert_cmpuint (count_sites (f, "/api/v1/sites?tier=commune", &status), ==, 136);
  g_assert_cmpuint (count_sites (f, "/api/v1/sites?tier=district", &status), ==, 9);
  g_assert_cmpuint (count_sites (f, "/api/v1/sites?tier=department", &status), ==, 2);
  g_assert_cmpuint (count_sites (f, "/api/v1/sites?tier=hub", &status), ==, 1);
  /* a district filter gives the district's room and its communes */
  g_assert_cmpuint (count_sites (f, "/api/v1/sites?district=huyen-tam-dao", &status), ==, 10);
  g_assert_cmpuint (count_sites (f, "/api/v1/sites?district=248", &status), ==, 10);
  g_assert_cmpuint (
      count_sites (f, "/api/v1/sites?district=huyen-vinh-tuong&tier=commune", &status), ==, 28);
}

static void
test_api_site (ApiFixture *f, gconstpointer data)
{
  guint status = 0;
  g_autoptr (JsonNode) node = api_get (f, "/api/v1/sites/xa-dao-tru", &status);
  JsonObject *o = json_node_get_object (node);

  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, "xa-dao-tru");
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "Xã Đạo Trù");
  g_assert_cmpstr (json_object_get_string_member (o, "tier"), ==, "commune");
  g_assert_cmpstr (json_object_get_string_member (o, "district"), ==, "huyen-tam-dao");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (o, "address"), "10.26.248."));
}

static void
test_api_errors (ApiFixture *f, gconstpointer data)
{
  struct {
    const gchar *method;
    const gchar *path;
    guint status;
    const gchar *code;
    const gchar *message_part;
  } cases[] = {
    { "GET", "/api/v1/sites/xa-khong-co", 404, "not-found", "no site 'xa-khong-co'" },
    { "GET", "/api/v1/sites?tier=village", 400, "invalid-argument", "unknown tier 'village'" },
    { "GET", "/api/v1/sites?district=xa-dao-tru", 400, "invalid-argument",
      "no district 'xa-dao-tru'" },
    { "GET", "/api/v1/sites?color=red", 400, "invalid-argument",
      "unknown query parameter 'color'" },
    { "GET", "/api/v1/status?x=1", 400, "invalid-argument", "unknown query parameter 'x'" },
    { "GET", "/api/v1/nothing", 404, "not-found", "no such resource" },
    { "GET", "/", 404, "not-found", "no such resource" },
    { "DELETE", "/api/v1/sites/xa-dao-tru", 405, "method-not-allowed", "DELETE" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    guint status = 0;
    g_autoptr (JsonNode) node = api_get (f, cases[i].path, &status);

    if (!g_str_equal (cases[i].method, "GET")) {
      g_clear_pointer (&node, json_node_unref);
      node = api_request (f, cases[i].method, cases[i].path, NULL, &status);
    }
    g_test_message ("%s %s", cases[i].method, cases[i].path);
    g_assert_cmpuint (status, ==, cases[i].status);
    assert_error (node, cases[i].code, cases[i].message_part);
  }
}

static void
test_api_body_too_large (ApiFixture *f, gconstpointer data)
{
  guint status = 0;
  g_autofree gchar *body = g_strnfill (HN_API_MAX_BODY_SIZE + 1, 'x');
  g_autoptr (JsonNode) node = api_request (f, "POST", "/api/v1/status", body, &status);

  g_assert_cmpuint (status, ==, 413);
  assert_error (node, "payload-too-large", "larger than");
}

static void
test_api_reload_error_shown (ApiFixture *f, gconstpointer data)
{
  g_autoptr (GError) error =
      g_error_new_literal (HN_ERROR, HN_ERROR_CONFIG_SYNTAX, "sites.conf:3: broken");
  guint status = 0;
  g_autoptr (JsonNode) node = NULL;

  hn_api_server_set_last_reload_error (f->api, error);
  node = api_get (f, "/api/v1/status", &status);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "last-reload-error"),
                   ==, "sites.conf:3: broken");
}

static void
test_api_socket_in_use (ApiFixture *f, gconstpointer data)
{
  g_autoptr (HnApiServer) second = hn_api_server_new ("hub", "/tmp");
  g_autoptr (GError) error = NULL;

  hn_api_server_set_config (second, f->config);
  g_assert_false (hn_api_server_listen_unix (second, f->socket, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "another hoinghid"));
  /* the first server still answers */
  g_assert_cmpuint (count_sites (f, "/api/v1/sites?tier=hub", &(guint){ 0 }), ==, 1);
}

static guint
count_open_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
test_api_no_fd_leak (ApiFixture *f, gconstpointer data)
{
  guint before, after;
  guint status = 0;

  /* warm up: the session's and the server's first-use allocations */
  json_node_unref (api_get (f, "/api/v1/status", &status));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  before = count_open_fds ();
  for (guint i = 0; i < 50; i++)
    json_node_unref (api_get (f, "/api/v1/status", &status));
  soup_session_abort (f->session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  after = count_open_fds ();
  /* 50 requests leave no descriptor behind (the memory of each
   * connection is checked by the valgrind test setup) */
  g_assert_cmpuint (after, <=, before);
}

static void
test_api_stale_socket (void)
{
  g_autofree gchar *dir = hn_test_tmpdir_new ();
  g_autofree gchar *path = hn_test_write_file (dir, "control.sock", "left over");
  g_autoptr (GError) error = NULL;
  g_autoptr (HnConfig) config = hn_config_new_from_file (g_getenv ("HN_SITES_CONF"), &error);
  g_autoptr (HnApiServer) api = hn_api_server_new ("hub", dir);
  GStatBuf st;

  g_assert_no_error (error);
  hn_api_server_set_config (api, config);
  hn_api_server_listen_unix (api, path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0660);
  hn_api_server_close (api);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  hn_test_tmpdir_remove (dir);
}

typedef struct {
  const gchar *method;
  const gchar *path;
  const gchar *body;
  guint status;
  const gchar *code;
  const gchar *message_part;
} ErrorCase;

static void
assert_error_cases (ApiFixture *f, const ErrorCase *cases, gsize n_cases)
{
  for (gsize i = 0; i < n_cases; i++) {
    guint status = 0;
    g_autoptr (JsonNode) node = NULL;

    g_test_message ("%s %s %s", cases[i].method, cases[i].path,
                    cases[i].body != NULL ? cases[i].body : "");
    node = api_request (f, cases[i].method, cases[i].path, cases[i].body, &status);
    g_assert_cmpuint (status, ==, cases[i].status);
    assert_error (node, cases[i].code, cases[i].message_part);
  }
}

/* The hub role without its hub: what needs the hub is not there (404),
 * whatever the method or body; the endpoint's routes are not a hub's. */
static void
test_api_no_hub (ApiFixture *f, gconstpointer data)
{
  static const ErrorCase cases[] = {
    { "GET", "/api/v1/meetings", NULL, 404, "not-found",
      "/api/v1/meetings: not available: no hub runs here" },
    { "POST", "/api/v1/meetings", "{\"id\": \"m\", \"sites\": \"all\"}", 404, "not-found",
      "no hub runs here" },
    { "PATCH", "/api/v1/meetings", NULL, 404, "not-found", "no hub runs here" },
    { "GET", "/api/v1/meetings/giao-ban", NULL, 404, "not-found", "no hub runs here" },
    { "DELETE", "/api/v1/meetings/giao-ban", NULL, 404, "not-found", "no hub runs here" },
    { "POST", "/api/v1/meetings/giao-ban/sites", "{\"site\": \"xa-dao-tru\"}", 404, "not-found",
      "no hub runs here" },
    { "PUT", "/api/v1/meetings/giao-ban/sites/xa-dao-tru", "{\"muted\": true}", 404, "not-found",
      "no hub runs here" },
    { "PUT", "/api/v1/meetings/giao-ban/floor", "{\"site\": null}", 404, "not-found",
      "no hub runs here" },
    { "PUT", "/api/v1/meetings/giao-ban/layout", "{\"layout\": \"grid\"}", 404, "not-found",
      "no hub runs here" },
    { "GET", "/api/v1/meetings/giao-ban/program.sdp", NULL, 404, "not-found", "no hub runs here" },
    { "GET", "/api/v1/sites/xa-dao-tru/token", NULL, 404, "not-found", "no hub runs here" },
    { "GET", "/api/v1/endpoint", NULL, 404, "not-found",
      "/api/v1/endpoint: not available on the hub" },
    { "POST", "/api/v1/endpoint/floor-request", "{\"request\": true}", 404, "not-found",
      "not available on the hub" },
    /* paths that no route has */
    { "GET", "/api/v1/meetings/giao-ban/nothing", NULL, 404, "not-found",
      "no such resource: /api/v1/meetings/giao-ban/nothing" },
    { "GET", "/api/v1/meetings//floor", NULL, 404, "not-found", "no such resource" },
    { "GET", "/api/v1/sites/xa-dao-tru/token/x", NULL, 404, "not-found", "no such resource" },
  };
  guint status = 0;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *o;

  assert_error_cases (f, cases, G_N_ELEMENTS (cases));

  /* the status says nothing of meetings it cannot know */
  node = api_get (f, "/api/v1/status", &status);
  g_assert_cmpuint (status, ==, 200);
  o = json_node_get_object (node);
  g_assert_false (json_object_has_member (o, "meetings"));
  g_assert_false (json_object_has_member (o, "control-port"));
  g_assert_false (json_object_has_member (o, "site"));
}

/* A 405 names the methods the resource has, in the message and in Allow */
static void
test_api_method_not_allowed (ApiFixture *f, gconstpointer data)
{
  static const struct {
    const gchar *method;
    const gchar *path;
    const gchar *allow;
  } cases[] = {
    { "DELETE", "/api/v1/sites", "GET" },
    { "POST", "/api/v1/sites/xa-dao-tru", "GET" },
    { "PUT", "/api/v1/status", "GET" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    guint status = 0;
    g_autofree gchar *allow = NULL;
    g_autofree gchar *message = g_strdup_printf ("method %s is not allowed on %s; allowed: %s",
                                                 cases[i].method, cases[i].path, cases[i].allow);
    g_autoptr (JsonNode) node =
        api_request_full (f, cases[i].method, cases[i].path, NULL, &status, &allow);

    g_assert_cmpuint (status, ==, 405);
    assert_error (node, "method-not-allowed", message);
    g_assert_cmpstr (allow, ==, cases[i].allow);
  }
}

/* The endpoint role has no sites file and none of the hub's resources */
static void
test_api_endpoint_role (ApiFixture *f, gconstpointer data)
{
  static const ErrorCase cases[] = {
    { "GET", "/api/v1/sites", NULL, 404, "not-found",
      "/api/v1/sites: not available on a room endpoint" },
    { "GET", "/api/v1/sites/xa-dao-tru", NULL, 404, "not-found",
      "not available on a room endpoint" },
    { "DELETE", "/api/v1/sites/xa-dao-tru", NULL, 404, "not-found",
      "not available on a room endpoint" },
    { "GET", "/api/v1/sites/xa-dao-tru/token", NULL, 404, "not-found",
      "not available on a room endpoint" },
    { "GET", "/api/v1/meetings", NULL, 404, "not-found",
      "/api/v1/meetings: not available on a room endpoint" },
    { "POST", "/api/v1/meetings", "{\"id\": \"m\", \"sites\": \"all\"}", 404, "not-found",
      "not available on a room endpoint" },
    { "PUT", "/api/v1/meetings/m/floor", "{\"site\": null}", 404, "not-found",
      "not available on a room endpoint" },
    { "GET", "/api/v1/meetings/m/program.sdp", NULL, 404, "not-found",
      "not available on a room endpoint" },
    /* the room's own routes, with no HnEndpoint behind them yet */
    { "GET", "/api/v1/endpoint", NULL, 404, "not-found",
      "/api/v1/endpoint: not available: no room endpoint runs here" },
    { "POST", "/api/v1/endpoint/floor-request", "{\"request\": true}", 404, "not-found",
      "no room endpoint runs here" },
  };
  guint status = 0;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *o;

  assert_error_cases (f, cases, G_N_ELEMENTS (cases));

  node = api_get (f, "/api/v1/status", &status);
  g_assert_cmpuint (status, ==, 200);
  o = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (o, "role"), ==, "endpoint");
  g_assert_cmpstr (json_object_get_string_member (o, "version"), ==, HN_VERSION);
  g_assert_true (json_object_get_null_member (o, "config"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "config-files")), ==,
                    0);
  g_assert_cmpstr (json_object_get_string_member (o, "state-directory"), ==,
                   "/var/lib/hoinghi-test");
  g_assert_false (json_object_has_member (o, "sites"));
  g_assert_false (json_object_has_member (o, "meetings"));
}

/* hn_api_parse_body() on its own: every way a body can be wrong */
static void
test_api_parse_body (void)
{
  static const HnApiMember members[] = {
    { "id", G_TYPE_STRING, TRUE, FALSE },
    { "site", G_TYPE_STRING, FALSE, TRUE },
    { "muted", G_TYPE_BOOLEAN, FALSE, FALSE },
    { NULL },
  };
  static const struct {
    const gchar *body;
    const gchar *message; /* NULL: accepted */
  } cases[] = {
    { "{\"id\": \"m\"}", NULL },
    { "{\"id\": \"m\", \"site\": null, \"muted\": false}", NULL },
    { "{\"id\": \"m\", \"site\": \"xa-dao-tru\"}", NULL },
    { "", "the request body must be a JSON object" },
    { "[\"m\"]", "the request body must be a JSON object" },
    { "\"m\"", "the request body must be a JSON object" },
    { "null", "the request body must be a JSON object" },
    { "{\"id\": ", "malformed JSON in the request body: " },
    { "{\"id\": \"\xff\"}", "malformed JSON in the request body: " },
    /* json-glib 1.6 alone took the second object and leaked the first */
    { "{\"id\": \"a\"}{\"id\": \"b\"}", "malformed JSON in the request body: " },
    { "{\"id\": \"a\"}, {\"id\": \"b\"}",
      "malformed JSON in the request body: 2 JSON values where one was expected" },
    { "{}", "missing member 'id' in the request body" },
    { "{\"site\": \"x\"}", "missing member 'id' in the request body" },
    { "{\"id\": \"m\", \"mutd\": true}",
      "unknown member 'mutd' in the request body; expected: id, site, muted" },
    { "{\"id\": 7}", "member 'id' of the request body must be a string" },
    { "{\"id\": null}", "member 'id' of the request body must be a string" },
    { "{\"id\": \"m\", \"muted\": \"yes\"}",
      "member 'muted' of the request body must be true or false" },
    { "{\"id\": \"m\", \"muted\": 1}", "member 'muted' of the request body must be true or false" },
    { "{\"id\": \"m\", \"site\": [\"x\"]}",
      "member 'site' of the request body must be a string or null" },
    { "{\"id\": \"m\", \"site\": {}}",
      "member 'site' of the request body must be a string or null" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GBytes) bytes = g_bytes_new_static (cases[i].body, strlen (cases[i].body));
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) body = hn_api_parse_body (bytes, members, &error);
    /* TAP output must stay UTF-8 */
    g_autofree gchar *shown = g_strescape (cases[i].body, NULL);

    g_test_message ("%s", shown);
    if (cases[i].message == NULL) {
      g_assert_no_error (error);
      g_assert_nonnull (body);
      g_assert_cmpstr (hn_api_body_get_string (body, "id"), ==, "m");
      continue;
    }
    g_assert_null (body);
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
    g_assert_true (g_str_has_prefix (error->message, cases[i].message));
  }

  /* no body at all */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) body = hn_api_parse_body (NULL, members, &error);

    g_assert_null (body);
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
  }
  /* null and absent read the same */
  {
    g_autoptr (GBytes) bytes = g_bytes_new_static ("{\"id\": \"m\", \"site\": null}", 25);
    g_autoptr (JsonObject) body = hn_api_parse_body (bytes, members, NULL);

    g_assert_nonnull (body);
    g_assert_null (hn_api_body_get_string (body, "site"));
    g_assert_null (hn_api_body_get_string (body, "muted"));
  }
}

/* A real hub with no meeting: its status, its empty list, and the
 * request bodies refused before the hub is asked anything */
static void
test_api_hub_status (ApiFixture *f, gconstpointer data)
{
  guint status = 0;
  g_autoptr (JsonNode) node = api_get (f, "/api/v1/status", &status);
  g_autoptr (JsonNode) list = NULL;
  JsonObject *o = json_node_get_object (node);
  guint rtp_port = 0;

  g_assert_cmpuint (status, ==, 200);
  hn_hub_get_media_ports (f->hub, &rtp_port, NULL);
  g_assert_cmpstr (json_object_get_string_member (o, "role"), ==, "hub");
  g_assert_cmpint (json_object_get_int_member (o, "meetings"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (o, "sites-online"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (o, "control-port"), ==,
                   hn_hub_get_control_port (f->hub));
  g_assert_cmpint (json_object_get_int_member (o, "control-port"), >, 0);
  g_assert_cmpint (json_object_get_int_member (o, "media-port"), ==, rtp_port);
  g_assert_cmpint (json_object_get_int_member (o, "media-port"), >, 0);

  list = api_get (f, "/api/v1/meetings", &status);
  g_assert_cmpuint (status, ==, 200);
  o = json_node_get_object (list);
  g_assert_cmpint (json_object_get_int_member (o, "count"), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "meetings")), ==, 0);
}

static void
test_api_hub_errors (ApiFixture *f, gconstpointer data)
{
  static const ErrorCase cases[] = {
    /* bodies, refused by the API */
    { "POST", "/api/v1/meetings", NULL, 400, "invalid-argument",
      "the request body must be a JSON object" },
    { "POST", "/api/v1/meetings", "{\"id\": \"m\", \"sites\": \"all\", \"titel\": \"x\"}", 400,
      "invalid-argument",
      "unknown member 'titel' in the request body; expected: id, sites, "
      "title, source, layout, monitor" },
    { "POST", "/api/v1/meetings", "{\"id\": \"m\"}", 400, "invalid-argument",
      "meeting m: no sites given and no definition in meetings.conf" },
    { "POST", "/api/v1/meetings", "{\"id\": \"m\", \"sites\": [\"xa-dao-tru\"]}", 400,
      "invalid-argument", "member 'sites' of the request body must be a string" },
    { "POST", "/api/v1/meetings", "{\"id\": \"m\", \"sites\": ", 400, "invalid-argument",
      "malformed JSON" },
    { "PUT", "/api/v1/meetings/m/sites/xa-dao-tru", "{\"muted\": \"yes\"}", 400, "invalid-argument",
      "member 'muted' of the request body must be true or false" },
    { "PUT", "/api/v1/meetings/m/sites/xa-dao-tru", "{}", 400, "invalid-argument",
      "missing member 'muted'" },
    { "PUT", "/api/v1/meetings/m/floor", "{\"site\": 1}", 400, "invalid-argument",
      "member 'site' of the request body must be a string or null" },
    { "PUT", "/api/v1/meetings/m/floor", "{}", 400, "invalid-argument", "missing member 'site'" },
    { "PUT", "/api/v1/meetings/m/layout", "{\"layout\": null}", 400, "invalid-argument",
      "member 'layout' of the request body must be a string" },
    { "POST", "/api/v1/meetings/m/sites", "{\"sites\": \"xa-dao-tru\"}", 400, "invalid-argument",
      "unknown member 'sites'" },
    { "GET", "/api/v1/meetings?state=running", NULL, 400, "invalid-argument",
      "unknown query parameter 'state'" },
    /* methods */
    { "PATCH", "/api/v1/meetings", NULL, 405, "method-not-allowed", "allowed: GET, POST" },
    { "POST", "/api/v1/meetings/m", NULL, 405, "method-not-allowed", "allowed: GET, DELETE" },
    { "DELETE", "/api/v1/meetings/m/floor", NULL, 405, "method-not-allowed", "allowed: GET, PUT" },
    { "GET", "/api/v1/meetings/m/sites/xa-dao-tru", NULL, 405, "method-not-allowed",
      "allowed: PUT, DELETE" },
    { "GET", "/api/v1/endpoint", NULL, 404, "not-found", "not available on the hub" },
    /* the hub's own answers, passed on with their status */
    { "GET", "/api/v1/meetings/m", NULL, 404, "not-found", "m" },
    { "DELETE", "/api/v1/meetings/m", NULL, 404, "not-found", "m" },
    { "GET", "/api/v1/meetings/m/floor", NULL, 404, "not-found", "m" },
    { "PUT", "/api/v1/meetings/m/floor", "{\"site\": null}", 404, "not-found", "m" },
    { "GET", "/api/v1/meetings/m/program.sdp", NULL, 404, "not-found", "m" },
    { "GET", "/api/v1/sites/xa-khong-co/token", NULL, 404, "not-found", "xa-khong-co" },
    { "POST", "/api/v1/meetings", "{\"id\": \"m\", \"sites\": \"tier:village\"}", 400,
      "invalid-argument", "village" },
    { "POST", "/api/v1/meetings", "{\"id\": \"m\", \"sites\": \"all\", \"layout\": \"gird\"}", 400,
      "invalid-argument", "gird" },
  };
  guint status = 0;
  g_autoptr (JsonNode) list = NULL;

  assert_error_cases (f, cases, G_N_ELEMENTS (cases));
  /* nothing refused was started */
  list = api_get (f, "/api/v1/meetings", &status);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (list), "count"), ==, 0);
}

static void
test_api_hub_token (ApiFixture *f, gconstpointer data)
{
  guint status = 0;
  g_autoptr (JsonNode) node = api_get (f, "/api/v1/sites/xa-dao-tru/token", &status);
  g_autoptr (JsonNode) again = NULL;
  g_autofree gchar *token = NULL;
  JsonObject *o = json_node_get_object (node);

  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (o, "site"), ==, "xa-dao-tru");
  token = hn_hub_get_site_token (f->hub, "xa-dao-tru", NULL);
  g_assert_nonnull (token);
  g_assert_cmpstr (json_object_get_string_member (o, "token"), ==, token);
  /* a site's token is the same each time it is asked */
  again = api_get (f, "/api/v1/sites/xa-dao-tru/token", &status);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (again), "token"), ==,
                   token);
}

/* --- monitoring: /metrics, /health, /api/v1/links, /api/v1/events --- */

static gboolean
api_wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main context (the server's too) until @predicate holds or
 * @timeout_ms passes. The wake-up every 10 ms lets a condition outside
 * the context (a socket, the open descriptors) be seen. */
static gboolean
api_wait (gboolean (*predicate) (gpointer data), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  guint wake = g_timeout_add (10, api_wake_cb, NULL);
  gboolean held;

  while (!(held = predicate (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  return held;
}

/* GET of a resource that is text: its body, status and type */
static gchar *
api_get_text (ApiFixture *f, const gchar *path, guint *status, gchar **content_type)
{
  g_autofree gchar *uri = g_strconcat ("http://localhost", path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", uri);
  Reply r = { 0 };
  gchar *text;

  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, api_reply_cb, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (r.error);
  *status = soup_message_get_status (msg);
  if (content_type != NULL)
    *content_type = g_strdup (
        soup_message_headers_get_one (soup_message_get_response_headers (msg), "Content-Type"));
  text = g_strndup (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body));
  g_bytes_unref (r.body);
  return text;
}

static gchar *
api_get_metrics (ApiFixture *f)
{
  guint status = 0;
  g_autofree gchar *type = NULL;
  gchar *text = api_get_text (f, "/metrics", &status, &type);

  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (type, ==, "text/plain; version=0.0.4; charset=utf-8");
  return text;
}

static const gchar *const metric_families[] = {
  "hoinghi_info",
  "hoinghi_sites",
  "hoinghi_sites_online",
  "hoinghi_meetings",
  "hoinghi_link_state",
  "hoinghi_link_loss_ratio",
  "hoinghi_link_jitter_seconds",
  "hoinghi_link_rtt_seconds",
  "hoinghi_link_bitrate_bytes_per_second",
  "hoinghi_link_mos",
  "hoinghi_link_last_packet_age_seconds",
};

/* families that count (TYPE counter) rather than measure */
static const gchar *const counter_families[] = {
  "hoinghi_return_packets_total",
  "hoinghi_return_receiver_restarts_total",
};

/* Every family has its HELP and TYPE, and every sample follows the TYPE
 * of its own family (the format wants a family's lines together) */
static void
assert_metric_families (const gchar *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  const gchar *current = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (metric_families); i++) {
    g_autofree gchar *help = g_strdup_printf ("# HELP %s ", metric_families[i]);
    g_autofree gchar *type = g_strdup_printf ("\n# TYPE %s gauge\n", metric_families[i]);

    g_test_message ("family %s", metric_families[i]);
    g_assert_nonnull (strstr (text, help));
    g_assert_nonnull (strstr (text, type));
  }
  for (guint i = 0; i < G_N_ELEMENTS (counter_families); i++) {
    g_autofree gchar *type = g_strdup_printf ("\n# TYPE %s counter\n", counter_families[i]);

    g_assert_nonnull (strstr (text, type));
  }
  g_assert_true (g_str_has_suffix (text, "\n"));
  for (guint i = 0; lines[i] != NULL; i++) {
    const gchar *line = lines[i];
    gsize name_length = strcspn (line, "{ ");

    if (*line == '\0')
      continue;
    if (g_str_has_prefix (line, "# TYPE ")) {
      current = line + strlen ("# TYPE ");
      continue;
    }
    if (*line == '#')
      continue;
    g_assert_nonnull (current);
    g_assert_cmpint (strncmp (line, current, name_length), ==, 0);
    g_assert_cmpint (current[name_length], ==, ' ');
  }
}

/* The value of the one sample that starts with @prefix (name and labels
 * up to the closing brace), or NAN when there is none */
static gdouble
metric_value (const gchar *text, const gchar *prefix)
{
  g_autofree gchar *needle = g_strconcat ("\n", prefix, " ", NULL);
  const gchar *found = strstr (text, needle);
  const gchar *again;

  if (found == NULL)
    return NAN;
  again = strstr (found + 1, needle);
  g_assert_null (again);
  return g_ascii_strtod (found + strlen (needle), NULL);
}

static guint
count_lines_with_prefix (const gchar *text, const gchar *prefix)
{
  g_autofree gchar *needle = g_strconcat ("\n", prefix, NULL);
  guint n = 0;

  for (const gchar *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* hoinghi_link_state has all six states of every room, exactly one of
 * them 1; returns how many rooms it has */
static guint
assert_state_one_hot (const gchar *text, HnHub *hub)
{
  g_autoptr (GPtrArray) sites = NULL;
  GPtrArray *all = hn_config_get_sites (hn_hub_get_config (hub));
  guint rooms = 0;

  for (guint i = 0; i < all->len; i++) {
    const gchar *id = hn_site_get_id (all->pdata[i]);
    g_autofree gchar *prefix = g_strdup_printf ("hoinghi_link_state{site=\"%s\",", id);
    g_autofree gchar *current = NULL;
    g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
    guint n = 0, ones = 0;

    if (hn_site_get_tier (all->pdata[i]) == HN_TIER_HUB) {
      g_assert_cmpuint (count_lines_with_prefix (text, prefix), ==, 0);
      continue;
    }
    current = g_strdup_printf (
        "state=\"%s\"} 1",
        hn_link_state_to_string (hn_link_health_get_state (hn_hub_get_link_health (hub), id)));
    for (guint l = 0; lines[l] != NULL; l++) {
      if (!g_str_has_prefix (lines[l], prefix))
        continue;
      n++;
      if (g_str_has_suffix (lines[l], "} 1")) {
        ones++;
        g_assert_true (g_str_has_suffix (lines[l], current));
      } else {
        g_assert_true (g_str_has_suffix (lines[l], "} 0"));
      }
    }
    g_assert_cmpuint (n, ==, HN_LINK_STATE_LAST);
    g_assert_cmpuint (ones, ==, 1);
    rooms++;
  }
  return rooms;
}

/* promtool reads the exposition as Prometheus would and lints it */
static void
assert_promtool_accepts (const gchar *text)
{
  g_autofree gchar *promtool = g_find_program_in_path ("promtool");
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_nonnull (promtool);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &error, promtool, "check", "metrics", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, text, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("promtool: %s%s", out, err);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, ==, "");
}

static void
test_api_metrics_label_escaping (void)
{
  static const struct {
    const gchar *value;
    const gchar *label;
  } cases[] = {
    { "xa-dao-tru", "site=\"xa-dao-tru\"" },
    { "", "site=\"\"" },
    { "a\\b", "site=\"a\\\\b\"" },
    { "say \"hi\"", "site=\"say \\\"hi\\\"\"" },
    { "two\nlines", "site=\"two\\nlines\"" },
    { "\\\"\n", "site=\"\\\\\\\"\\n\"" },
    { "Xã Đạo Trù", "site=\"Xã Đạo Trù\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GString) out = g_string_new (NULL);

    hn_api_health_append_label (out, "site", cases[i].value);
    g_assert_cmpstr (out->str, ==, cases[i].label);
  }
}

/* A hub with no meeting and no room online: the families, the counts of
 * the inventory, every room offline, and no figure that is not known */
static void
test_api_metrics (ApiFixture *f, gconstpointer data)
{
  g_autofree gchar *text = api_get_metrics (f);
  g_autofree gchar *info =
      g_strdup_printf ("hoinghi_info{version=\"%s\",role=\"hub\"}", HN_VERSION);

  assert_metric_families (text);
  g_assert_cmpfloat (metric_value (text, info), ==, 1);
  g_assert_cmpfloat (metric_value (text, "hoinghi_sites{tier=\"hub\"}"), ==, 1);
  g_assert_cmpfloat (metric_value (text, "hoinghi_sites{tier=\"department\"}"), ==, 0);
  g_assert_cmpfloat (metric_value (text, "hoinghi_sites{tier=\"district\"}"), ==, 1);
  g_assert_cmpfloat (metric_value (text, "hoinghi_sites{tier=\"commune\"}"), ==, 4);
  g_assert_cmpfloat (metric_value (text, "hoinghi_sites_online"), ==, 0);
  g_assert_cmpfloat (metric_value (text, "hoinghi_meetings"), ==, 0);
  g_assert_cmpuint (assert_state_one_hot (text, f->hub), ==, 5);
  g_assert_cmpfloat (metric_value (text,
                                   "hoinghi_link_state{site=\"xa-dao-tru\",tier=\"commune\","
                                   "district=\"huyen-tam-dao\",meeting=\"\",state=\"offline\"}"),
                     ==, 1);
  /* a district's own room is in its district */
  g_assert_cmpfloat (metric_value (text,
                                   "hoinghi_link_state{site=\"huyen-tam-dao\",tier=\"district\","
                                   "district=\"huyen-tam-dao\",meeting=\"\",state=\"standby\"}"),
                     ==, 0);
  /* nothing measured yet: no samples at all */
  for (guint i = 5; i < G_N_ELEMENTS (metric_families); i++) {
    g_autofree gchar *sample = g_strconcat (metric_families[i], "{", NULL);

    g_assert_cmpuint (count_lines_with_prefix (text, sample), ==, 0);
  }
}

static void
api_start_meeting (ApiFixture *f, const gchar *id, const gchar *sites)
{
  g_autofree gchar *body = g_strdup_printf ("{\"id\": \"%s\", \"sites\": \"%s\"}", id, sites);
  guint status = 0;
  g_autoptr (JsonNode) node = api_request (f, "POST", "/api/v1/meetings", body, &status);

  g_assert_cmpuint (status, ==, 201);
}

static void
api_stop_meeting (ApiFixture *f, const gchar *id)
{
  g_autofree gchar *path = g_strconcat ("/api/v1/meetings/", id, NULL);
  guint status = 0;
  g_autoptr (JsonNode) node = api_request (f, "DELETE", path, NULL, &status);

  g_assert_cmpuint (status, ==, 200);
}

static const HnLinkSample sample_down = { 0.5, 4, 40, 300 };
static const HnLinkSample sample_up = { 1.5, 12, 40, 200 };

/* Meeting giao-ban with four rooms, none of them with an endpoint, and the
 * hub's health model told what endpoints would have made it see:
 *
 *   tt-hop-chau, tt-tam-dao  offline participants
 *   xa-yen-duong             online, waiting for media: connecting
 *   xa-dao-tru               media flowing, measured both ways: up
 *   huyen-tam-dao            online in no meeting: standby
 *
 * The model's clock is given an hour ahead of the hub's, so that the
 * hub's own ticks see a last packet "in the future" and nothing times out
 * (a link that goes down or degraded is a warning, fatal in tests). */
static void
drive_links (ApiFixture *f)
{
  HnLinkHealth *health = hn_hub_get_link_health (f->hub);
  gint64 t = g_get_monotonic_time () + G_TIME_SPAN_HOUR;
  gint64 last = t + G_TIME_SPAN_HOUR;

  api_start_meeting (f, "giao-ban", "tt-hop-chau,tt-tam-dao,xa-yen-duong,xa-dao-tru");
  hn_link_health_set_online (health, "xa-yen-duong", TRUE);
  hn_link_health_set_online (health, "xa-dao-tru", TRUE);
  hn_link_health_set_online (health, "huyen-tam-dao", TRUE);
  hn_link_health_tick (health, t);
  hn_link_health_update_media (health, "xa-dao-tru", 10, last);
  hn_link_health_tick (health, t + 100 * G_TIME_SPAN_MILLISECOND);
  hn_link_health_update_media (health, "xa-dao-tru", 20, last);
  hn_link_health_tick (health, t + 400 * G_TIME_SPAN_MILLISECOND);
  hn_link_health_update_sample (health, "xa-dao-tru", HN_DIRECTION_HUB_TO_SITE, &sample_down);
  hn_link_health_update_sample (health, "xa-dao-tru", HN_DIRECTION_SITE_TO_HUB, &sample_up);

  g_assert_cmpint (hn_link_health_get_state (health, "tt-hop-chau"), ==, HN_LINK_OFFLINE);
  g_assert_cmpint (hn_link_health_get_state (health, "tt-tam-dao"), ==, HN_LINK_OFFLINE);
  g_assert_cmpint (hn_link_health_get_state (health, "xa-yen-duong"), ==, HN_LINK_CONNECTING);
  g_assert_cmpint (hn_link_health_get_state (health, "xa-dao-tru"), ==, HN_LINK_UP);
  g_assert_cmpint (hn_link_health_get_state (health, "huyen-tam-dao"), ==, HN_LINK_STANDBY);
  /* good enough not to degrade while the test runs */
  for (HnDirection d = 0; d < HN_DIRECTION_LAST; d++) {
    const HnLinkDirection *dir = hn_link_health_get_direction (health, "xa-dao-tru", d);

    g_assert_true (dir->valid);
    g_assert_cmpint (dir->quality, ==, HN_QUALITY_GOOD);
  }
}

static void
assert_direction_metric (const gchar *text,
                         const gchar *name,
                         const gchar *direction,
                         gdouble expected)
{
  g_autofree gchar *prefix =
      g_strdup_printf ("%s{site=\"xa-dao-tru\",tier=\"commune\",district=\"huyen-tam-dao\","
                       "direction=\"%s\"}",
                       name, direction);

  g_test_message ("%s", prefix);
  g_assert_cmpfloat_with_epsilon (metric_value (text, prefix), expected, 1e-9);
}

/* The figures the model knows, each in its base unit, for the one room
 * that has them; the meeting in the state's labels */
static void
test_api_metrics_links (ApiFixture *f, gconstpointer data)
{
  HnLinkHealth *health = hn_hub_get_link_health (f->hub);
  g_autofree gchar *text = NULL;
  const HnLinkDirection *down, *up;

  drive_links (f);
  text = api_get_metrics (f);
  assert_metric_families (text);
  g_assert_cmpuint (assert_state_one_hot (text, f->hub), ==, 5);
  g_assert_cmpfloat (metric_value (text, "hoinghi_meetings"), ==, 1);
  g_assert_cmpfloat (metric_value (text,
                                   "hoinghi_link_state{site=\"xa-dao-tru\",tier=\"commune\","
                                   "district=\"huyen-tam-dao\",meeting=\"giao-ban\",state=\"up\"}"),
                     ==, 1);
  g_assert_cmpfloat (
      metric_value (text, "hoinghi_link_state{site=\"tt-tam-dao\",tier=\"commune\","
                          "district=\"huyen-tam-dao\",meeting=\"giao-ban\",state=\"offline\"}"),
      ==, 1);
  g_assert_cmpfloat (metric_value (text,
                                   "hoinghi_link_state{site=\"huyen-tam-dao\",tier=\"district\","
                                   "district=\"huyen-tam-dao\",meeting=\"\",state=\"standby\"}"),
                     ==, 1);

  down = hn_link_health_get_direction (health, "xa-dao-tru", HN_DIRECTION_HUB_TO_SITE);
  up = hn_link_health_get_direction (health, "xa-dao-tru", HN_DIRECTION_SITE_TO_HUB);
  assert_direction_metric (text, "hoinghi_link_loss_ratio", "hub_to_site", 0.005);
  assert_direction_metric (text, "hoinghi_link_loss_ratio", "site_to_hub", 0.015);
  assert_direction_metric (text, "hoinghi_link_jitter_seconds", "hub_to_site", 0.004);
  assert_direction_metric (text, "hoinghi_link_jitter_seconds", "site_to_hub", 0.012);
  assert_direction_metric (text, "hoinghi_link_rtt_seconds", "hub_to_site", 0.040);
  assert_direction_metric (text, "hoinghi_link_rtt_seconds", "site_to_hub", 0.040);
  assert_direction_metric (text, "hoinghi_link_bitrate_bytes_per_second", "hub_to_site", 37500);
  assert_direction_metric (text, "hoinghi_link_bitrate_bytes_per_second", "site_to_hub", 25000);
  assert_direction_metric (text, "hoinghi_link_mos", "hub_to_site", down->mos);
  assert_direction_metric (text, "hoinghi_link_mos", "site_to_hub", up->mos);
  g_assert_cmpfloat (down->mos, >, up->mos);
  /* two directions of one room, and nothing for the others */
  for (guint i = 5; i < G_N_ELEMENTS (metric_families) - 1; i++) {
    g_autofree gchar *sample = g_strconcat (metric_families[i], "{", NULL);

    g_assert_cmpuint (count_lines_with_prefix (text, sample), ==, 2);
  }
  /* the last packet, stamped ahead of the hub's clock, is 0 s old */
  g_assert_cmpuint (count_lines_with_prefix (text, "hoinghi_link_last_packet_age_seconds{"), ==, 1);
  g_assert_cmpfloat (metric_value (text, "hoinghi_link_last_packet_age_seconds{site=\"xa-dao-tru\","
                                         "tier=\"commune\",district=\"huyen-tam-dao\"}"),
                     ==, 0);
  api_stop_meeting (f, "giao-ban");
}

static void
test_api_metrics_promtool (ApiFixture *f, gconstpointer data)
{
  g_autofree gchar *promtool = g_find_program_in_path ("promtool");
  g_autofree gchar *idle = NULL;
  g_autofree gchar *busy = NULL;

  if (promtool == NULL) {
    g_test_skip ("promtool is not installed (Debian package prometheus)");
    return;
  }
  idle = api_get_metrics (f);
  assert_promtool_accepts (idle);
  drive_links (f);
  busy = api_get_metrics (f);
  assert_promtool_accepts (busy);
  api_stop_meeting (f, "giao-ban");
}

/* The whole province, 148 sites, on loopback and free ports */
static void
api_fixture_setup_province (ApiFixture *f, gconstpointer data)
{
  g_autofree gchar *contents = NULL;
  g_autofree gchar *conf = NULL;
  g_autofree gchar *dropin_dir = NULL;
  g_autofree gchar *dropin = NULL;
  g_autofree gchar *tls = NULL;
  g_autofree gchar *state = NULL;
  g_autoptr (GError) error = NULL;

  hn_media_init (&error);
  g_assert_no_error (error);
  f->dir = hn_test_tmpdir_new ();
  f->socket = g_build_filename (f->dir, "run", "control.sock", NULL);
  state = g_build_filename (f->dir, "state", NULL);
  g_assert_cmpint (g_mkdir (state, 0700), ==, 0);
  g_file_get_contents (g_getenv ("HN_SITES_CONF"), &contents, NULL, &error);
  g_assert_no_error (error);
  conf = hn_test_write_file (f->dir, "sites.conf", contents);
  dropin_dir = g_build_filename (f->dir, "sites.conf.d", NULL);
  g_assert_cmpint (g_mkdir (dropin_dir, 0700), ==, 0);
  hn_test_make_certificate (f->dir, "hub", NULL);
  tls = g_strdup_printf ("[hub]\nlisten-address=127.0.0.1\ncontrol-port=0\nmedia-port=0\n"
                         "tls-certificate=%s/hub.crt\ntls-key=%s/hub.key\n",
                         f->dir, f->dir);
  dropin = hn_test_write_file (dropin_dir, "50-test.conf", tls);
  f->config = hn_config_new_from_file (conf, &error);
  g_assert_no_error (error);
  f->hub = hn_hub_new (f->config, state, &error);
  g_assert_no_error (error);
  f->api = hn_api_server_new ("hub", state);
  hn_api_server_set_config (f->api, f->config);
  hn_api_server_set_hub (f->api, f->hub);
  api_fixture_listen (f);
}

static void
test_api_metrics_province (ApiFixture *f, gconstpointer data)
{
  g_autofree gchar *warm = api_get_metrics (f);
  g_autofree gchar *text = NULL;
  g_autofree gchar *promtool = NULL;
  gint64 start;

  /* one scrape, as Prometheus makes it: request, build, answer */
  start = g_get_monotonic_time ();
  text = api_get_metrics (f);
  g_test_message ("one scrape of %u sites: %.2f ms, %" G_GSIZE_FORMAT " bytes",
                  hn_config_get_sites (f->config)->len, (g_get_monotonic_time () - start) / 1000.0,
                  strlen (text));
  assert_metric_families (text);
  g_assert_cmpuint (assert_state_one_hot (text, f->hub), ==, 147);
  g_assert_cmpuint (count_lines_with_prefix (text, "hoinghi_link_state{"), ==, 147 * 6);
  g_assert_cmpfloat (metric_value (text, "hoinghi_sites{tier=\"commune\"}"), ==, 136);
  promtool = g_find_program_in_path ("promtool");
  if (promtool != NULL)
    assert_promtool_accepts (text);
}

static void
assert_health (JsonNode *node, const gchar *status, gint64 meetings, const gint64 counts[6])
{
  static const gchar *const states[] = { "up",      "degraded", "down",
                                         "offline", "standby",  "connecting" };
  JsonObject *o = json_node_get_object (node);
  JsonObject *links = json_object_get_object_member (o, "links");

  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, status);
  g_assert_cmpint (json_object_get_int_member (o, "meetings"), ==, meetings);
  g_assert_cmpuint (json_object_get_size (links), ==, G_N_ELEMENTS (states));
  for (guint i = 0; i < G_N_ELEMENTS (states); i++) {
    g_test_message ("links.%s", states[i]);
    g_assert_cmpint (json_object_get_int_member (links, states[i]), ==, counts[i]);
  }
}

static void
test_api_health (ApiFixture *f, gconstpointer data)
{
  static const gint64 idle[] = { 0, 0, 0, 5, 0, 0 };
  static const gint64 busy[] = { 1, 0, 0, 2, 1, 1 };
  guint status = 0;
  g_autoptr (JsonNode) node = api_get (f, "/health", &status);
  JsonArray *problems;

  /* no meeting: nothing can be down */
  g_assert_cmpuint (status, ==, 200);
  assert_health (node, "ok", 0, idle);
  g_assert_cmpuint (json_array_get_length (
                        json_object_get_array_member (json_node_get_object (node), "problems")),
                    ==, 0);

  /* two participants offline: critical, and they are the problems */
  drive_links (f);
  g_clear_pointer (&node, json_node_unref);
  node = api_get (f, "/health", &status);
  g_assert_cmpuint (status, ==, 503);
  assert_health (node, "critical", 1, busy);
  problems = json_object_get_array_member (json_node_get_object (node), "problems");
  g_assert_cmpuint (json_array_get_length (problems), ==, 2);
  for (guint i = 0; i < 2; i++) {
    JsonObject *p = json_array_get_object_element (problems, i);

    g_assert_cmpstr (json_object_get_string_member (p, "site"), ==,
                     i == 0 ? "tt-hop-chau" : "tt-tam-dao");
    g_assert_cmpstr (json_object_get_string_member (p, "state"), ==, "offline");
    g_assert_cmpstr (json_object_get_string_member (p, "meeting"), ==, "giao-ban");
  }

  /* the meeting over, the same rooms offline are no problem */
  api_stop_meeting (f, "giao-ban");
  g_clear_pointer (&node, json_node_unref);
  node = api_get (f, "/health", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "status"), ==, "ok");
}

/* The ids of GET @path's links, in order, joined by ' ' */
static gchar *
api_get_link_ids (ApiFixture *f, const gchar *path)
{
  guint status = 0;
  g_autoptr (JsonNode) node = api_get (f, path, &status);
  g_autoptr (GString) ids = g_string_new (NULL);
  JsonObject *o = json_node_get_object (node);
  JsonArray *links;

  g_test_message ("%s", path);
  g_assert_cmpuint (status, ==, 200);
  links = json_object_get_array_member (o, "links");
  g_assert_cmpint (json_object_get_int_member (o, "count"), ==, json_array_get_length (links));
  for (guint i = 0; i < json_array_get_length (links); i++) {
    JsonObject *link = json_array_get_object_element (links, i);

    /* as hn_hub_link_to_json() has it */
    g_assert_true (json_object_has_member (link, "since-ms"));
    g_assert_true (json_object_has_member (link, "hub-to-site"));
    g_assert_true (json_object_has_member (link, "site-to-hub"));
    g_assert_true (json_object_has_member (link, "endpoint"));
    g_assert_cmpstr (json_object_get_string_member (link, "district"), ==, "huyen-tam-dao");
    g_string_append_printf (ids, "%s%s:%s", i > 0 ? " " : "",
                            json_object_get_string_member (link, "site"),
                            json_object_get_string_member (link, "state"));
  }
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static void
test_api_links (ApiFixture *f, gconstpointer data)
{
  static const struct {
    const gchar *path;
    const gchar *ids;
  } cases[] = {
    /* worst first: offline participants, connecting, up, standby */
    { "/api/v1/links", "tt-hop-chau:offline tt-tam-dao:offline xa-yen-duong:connecting "
                       "xa-dao-tru:up huyen-tam-dao:standby" },
    { "/api/v1/links?meeting=giao-ban", "tt-hop-chau:offline tt-tam-dao:offline "
                                        "xa-yen-duong:connecting xa-dao-tru:up" },
    { "/api/v1/links?state=offline", "tt-hop-chau:offline tt-tam-dao:offline" },
    { "/api/v1/links?state=up&meeting=giao-ban", "xa-dao-tru:up" },
    { "/api/v1/links?state=standby", "huyen-tam-dao:standby" },
    { "/api/v1/links?state=down", "" },
  };
  static const ErrorCase errors[] = {
    { "GET", "/api/v1/links?state=offlne", NULL, 400, "invalid-argument",
      "unknown link state 'offlne'; did you mean 'offline'?" },
    { "GET", "/api/v1/links?state=broken", NULL, 400, "invalid-argument",
      "unknown link state 'broken'; expected one of: offline, standby, connecting, up, "
      "degraded, down" },
    { "GET", "/api/v1/links?site=xa-dao-tru", NULL, 400, "invalid-argument",
      "unknown query parameter 'site'; expected one of: meeting, state" },
    { "GET", "/api/v1/links?meeting=hop-tinh", NULL, 404, "not-found",
      "no meeting 'hop-tinh' is running" },
    { "POST", "/api/v1/links", NULL, 405, "method-not-allowed", "allowed: GET" },
  };
  guint status = 0;
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *idle = api_get_link_ids (f, "/api/v1/links");
  JsonObject *link;

  /* no meeting: all offline, by id */
  g_assert_cmpstr (idle, ==,
                   "huyen-tam-dao:offline tt-hop-chau:offline tt-tam-dao:offline "
                   "xa-dao-tru:offline xa-yen-duong:offline");
  drive_links (f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *ids = api_get_link_ids (f, cases[i].path);

    g_assert_cmpstr (ids, ==, cases[i].ids);
  }
  assert_error_cases (f, errors, G_N_ELEMENTS (errors));

  /* the measured room's figures, as HnLinkHealth has them */
  node = api_get (f, "/api/v1/links?state=up", &status);
  link = json_array_get_object_element (
      json_object_get_array_member (json_node_get_object (node), "links"), 0);
  g_assert_cmpstr (json_object_get_string_member (link, "meeting"), ==, "giao-ban");
  g_assert_cmpfloat (json_object_get_double_member (
                         json_object_get_object_member (link, "hub-to-site"), "loss-pct"),
                     ==, 0.5);
  g_assert_cmpfloat (json_object_get_double_member (
                         json_object_get_object_member (link, "site-to-hub"), "bitrate-kbps"),
                     ==, 200);
  api_stop_meeting (f, "giao-ban");
}

/* /metrics and /health outside /api/v1/: the same routing rules */
static void
test_api_monitoring_errors (ApiFixture *f, gconstpointer data)
{
  static const ErrorCase cases[] = {
    { "POST", "/metrics", NULL, 405, "method-not-allowed", "allowed: GET" },
    { "DELETE", "/health", NULL, 405, "method-not-allowed", "allowed: GET" },
    { "GET", "/health?verbose=1", NULL, 400, "invalid-argument",
      "unknown query parameter 'verbose'" },
    { "GET", "/metrics/x", NULL, 404, "not-found", "no such resource: /metrics/x" },
    { "GET", "/healthz", NULL, 404, "not-found", "no such resource: /healthz" },
    { "GET", "/api/v1/events?since=1", NULL, 400, "invalid-argument",
      "unknown query parameter 'since'" },
  };

  assert_error_cases (f, cases, G_N_ELEMENTS (cases));
}

/* Without a hub (or on a room) there are no links to tell of */
static void
test_api_monitoring_no_hub (ApiFixture *f, gconstpointer data)
{
  static const ErrorCase cases[] = {
    { "GET", "/metrics", NULL, 404, "not-found", "/metrics: not available: no hub runs here" },
    { "GET", "/health", NULL, 404, "not-found", "no hub runs here" },
    { "GET", "/api/v1/links", NULL, 404, "not-found", "no hub runs here" },
    { "GET", "/api/v1/events", NULL, 404, "not-found", "no hub runs here" },
  };

  assert_error_cases (f, cases, G_N_ELEMENTS (cases));
}

/* A client of /api/v1/events on its own connection, reading the stream
 * line by line as it comes */
typedef struct {
  SoupSession *session;
  SoupMessage *msg;
  GCancellable *cancellable;
  GInputStream *body;
  GDataInputStream *data;
  GPtrArray *lines;
  gboolean connected;
  gboolean closed; /* EOF, an error or cancelled */
} SseClient;

static void
sse_read_line_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SseClient *c = user_data;
  g_autoptr (GError) error = NULL;
  gchar *line = g_data_input_stream_read_line_finish_utf8 (c->data, result, NULL, &error);

  if (line == NULL) {
    if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_test_message ("events client: %s", error->message);
    c->closed = TRUE;
    return;
  }
  g_ptr_array_add (c->lines, line);
  g_data_input_stream_read_line_async (c->data, G_PRIORITY_DEFAULT, c->cancellable,
                                       sse_read_line_cb, c);
}

static void
sse_send_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SseClient *c = user_data;
  g_autoptr (GError) error = NULL;

  c->body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  c->data = g_data_input_stream_new (c->body);
  c->connected = TRUE;
  g_data_input_stream_read_line_async (c->data, G_PRIORITY_DEFAULT, c->cancellable,
                                       sse_read_line_cb, c);
}

static gboolean
sse_is_connected (gpointer data)
{
  SseClient *c = data;

  return c->connected && c->lines->len >= 1;
}

static SseClient *
sse_client_new (ApiFixture *f)
{
  SseClient *c = g_new0 (SseClient, 1);
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (f->socket);
  SoupMessageHeaders *headers;

  c->session = soup_session_new_with_options ("remote-connectable", address, NULL);
  c->msg = soup_message_new ("GET", "http://localhost/api/v1/events");
  c->cancellable = g_cancellable_new ();
  c->lines = g_ptr_array_new_with_free_func (g_free);
  soup_session_send_async (c->session, c->msg, G_PRIORITY_DEFAULT, c->cancellable, sse_send_cb, c);
  g_assert_true (api_wait (sse_is_connected, c, 10000));
  g_assert_cmpuint (soup_message_get_status (c->msg), ==, 200);
  headers = soup_message_get_response_headers (c->msg);
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "text/event-stream");
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Cache-Control"), ==, "no-cache");
  g_assert_cmpint (soup_message_headers_get_encoding (headers), ==, SOUP_ENCODING_CHUNKED);
  /* the first line says what the stream is */
  g_assert_cmpstr (c->lines->pdata[0], ==, ": hoinghi events");
  return c;
}

static gboolean
sse_is_closed (gpointer data)
{
  return ((SseClient *) data)->closed;
}

/* Goes away: the read stops, the connection is closed */
static void
sse_client_free (SseClient *c)
{
  g_cancellable_cancel (c->cancellable);
  g_assert_true (api_wait (sse_is_closed, c, 10000));
  g_clear_object (&c->data);
  g_clear_object (&c->body);
  soup_session_abort (c->session);
  g_clear_object (&c->msg);
  g_clear_object (&c->session);
  g_clear_object (&c->cancellable);
  g_ptr_array_unref (c->lines);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SseClient, sse_client_free)

/* The events seen so far as "KIND DATA" strings; comments (keep-alives)
 * are not events */
static GPtrArray *
sse_client_events (SseClient *c)
{
  GPtrArray *events = g_ptr_array_new_with_free_func (g_free);
  const gchar *kind = NULL;
  const gchar *data = NULL;

  for (guint i = 0; i < c->lines->len; i++) {
    const gchar *line = c->lines->pdata[i];

    if (g_str_has_prefix (line, "event: ")) {
      kind = line + strlen ("event: ");
    } else if (g_str_has_prefix (line, "data: ")) {
      g_assert_null (data);
      data = line + strlen ("data: ");
    } else if (*line == '\0') {
      if (kind != NULL || data != NULL) {
        g_assert_nonnull (kind);
        g_assert_nonnull (data);
        g_ptr_array_add (events, g_strdup_printf ("%s %s", kind, data));
      }
      kind = data = NULL;
    } else {
      g_assert_true (*line == ':');
    }
  }
  return events;
}

typedef struct {
  SseClient *client;
  guint n;
} SseWait;

static gboolean
sse_has_events (gpointer data)
{
  SseWait *w = data;
  g_autoptr (GPtrArray) events = sse_client_events (w->client);

  return events->len >= w->n;
}

static void
sse_wait_events (SseClient *c, guint n)
{
  SseWait w = { c, n };

  g_assert_true (api_wait (sse_has_events, &w, 20000));
}

static void
assert_events (SseClient *c, const gchar *const *expected)
{
  g_autoptr (GPtrArray) events = sse_client_events (c);

  g_assert_cmpuint (events->len, ==, g_strv_length ((gchar **) expected));
  for (guint i = 0; i < events->len; i++)
    g_assert_cmpstr (events->pdata[i], ==, expected[i]);
}

/* Two clients at once see a meeting start and stop, in order; the rooms
 * are all offline, which is no reason not to start */
static void
test_api_events (ApiFixture *f, gconstpointer data)
{
  static const gchar *const expected[] = {
    "meeting-started {\"meeting\":\"giao-ban\"}",
    "meeting-stopped {\"meeting\":\"giao-ban\"}",
    NULL,
  };
  g_autoptr (SseClient) a = sse_client_new (f);
  g_autoptr (SseClient) b = sse_client_new (f);

  api_start_meeting (f, "giao-ban", "all");
  api_stop_meeting (f, "giao-ban");
  sse_wait_events (a, 2);
  sse_wait_events (b, 2);
  assert_events (a, expected);
  assert_events (b, expected);
}

/* A change of a link is an event too, with the link as /api/v1/links
 * shows it */
static void
test_api_events_link (ApiFixture *f, gconstpointer data)
{
  g_autoptr (SseClient) c = sse_client_new (f);
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  HnLinkHealth *health = hn_hub_get_link_health (f->hub);
  const gchar *event;
  JsonObject *o;

  hn_link_health_set_online (health, "xa-dao-tru", TRUE);
  hn_link_health_tick (health, g_get_monotonic_time () + G_TIME_SPAN_HOUR);
  sse_wait_events (c, 1);
  events = sse_client_events (c);
  g_assert_cmpuint (events->len, ==, 1);
  event = events->pdata[0];
  g_assert_true (g_str_has_prefix (event, "link {"));
  json_parser_load_from_data (parser, event + strlen ("link "), -1, &error);
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "site"), ==, "xa-dao-tru");
  g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "standby");
  g_assert_cmpstr (json_object_get_string_member (o, "previous"), ==, "offline");
  g_assert_cmpstr (json_object_get_string_member (o, "tier"), ==, "commune");
}

static void
emit_test_event (ApiFixture *f, const gchar *text)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "text", text);
  json_node_take_object (node, o);
  g_signal_emit_by_name (f->hub, "event", "test", node);
}

typedef struct {
  GSocket *socket;
} SocketWait;

static gboolean
socket_readable (gpointer data)
{
  return g_socket_condition_check (((SocketWait *) data)->socket, G_IO_IN) != 0;
}

/* A client of /api/v1/events on a bare socket: it asks, waits for the
 * answer to begin, and then reads only when the test says so */
static GSocketConnection *
raw_events_client_new (ApiFixture *f)
{
  static const gchar request[] = "GET /api/v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n";
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (f->socket);
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  SocketWait w;

  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  w.socket = g_socket_connection_get_socket (connection);
  g_socket_send (w.socket, request, sizeof request - 1, NULL, &error);
  g_assert_no_error (error);
  /* the server has answered with its headers: the client is one */
  g_assert_true (api_wait (socket_readable, &w, 10000));
  return g_steal_pointer (&connection);
}

typedef struct {
  guint limit;
} FdWait;

static gboolean
fds_at_most (gpointer data)
{
  return count_open_fds () <= ((FdWait *) data)->limit;
}

/* A client that goes away is forgotten by the server at the next event
 * (nothing watches a paused response): its connection closed, nothing
 * more written to it, and the others go on */
static void
test_api_events_disconnect (ApiFixture *f, gconstpointer data)
{
  static const gchar *const expected[] = {
    "test {\"text\":\"warm-up\"}",
    "test {\"text\":\"one\"}",
    "test {\"text\":\"two\"}",
    NULL,
  };
  g_autoptr (SseClient) b = sse_client_new (f);
  g_autoptr (GSocketConnection) a = NULL;
  g_autoptr (GError) error = NULL;
  FdWait w;
  guint before;

  /* a first client, gone at once, makes GIO set up what it keeps for
   * good (its worker's wakeup descriptor, the resolver): under valgrind
   * that happens late enough to land in the counts below */
  a = raw_events_client_new (f);
  g_io_stream_close (G_IO_STREAM (a), NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&a);
  emit_test_event (f, "warm-up");
  sse_wait_events (b, 1);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  before = count_open_fds ();
  a = raw_events_client_new (f);
  /* its socket and the server's */
  g_assert_cmpuint (count_open_fds (), ==, before + 2);
  g_io_stream_close (G_IO_STREAM (a), NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&a);
  g_assert_cmpuint (count_open_fds (), ==, before + 1);
  emit_test_event (f, "one");
  w.limit = before;
  g_assert_true (api_wait (fds_at_most, &w, 10000));
  emit_test_event (f, "two");
  sse_wait_events (b, 3);
  assert_events (b, expected);
}

/* A client that does not read is dropped once 256 KiB wait for it; the
 * daemon does not keep more, and a client that reads gets every event */
static void
test_api_events_slow_client (ApiFixture *f, gconstpointer data)
{
  g_autoptr (GSocketConnection) slow = raw_events_client_new (f);
  g_autoptr (SseClient) reader = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = g_strnfill (16 * 1024, 'x');
  g_autofree gchar *buffer = g_malloc (64 * 1024);
  GSocket *socket = g_socket_connection_get_socket (slow);
  gsize sent = 0;
  gsize received = 0;
  guint n_events = 128;

  reader = sse_client_new (f);

  for (guint i = 0; i < n_events; i++) {
    emit_test_event (f, text);
    sent += strlen (text);
    while (g_main_context_iteration (NULL, FALSE))
      ;
  }
  sse_wait_events (reader, n_events);

  /* the slow client gets what had reached its socket, then the end */
  g_socket_set_timeout (socket, 20);
  for (;;) {
    gssize n = g_socket_receive (socket, buffer, 64 * 1024, NULL, &error);

    g_assert_no_error (error);
    if (n == 0)
      break;
    received += n;
  }
  g_test_message ("slow client: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes before it was "
                  "dropped",
                  received, sent);
  g_assert_cmpuint (received, <, sent);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn)                                                                              \
  g_test_add (path, ApiFixture, NULL, api_fixture_setup, fn, api_fixture_teardown)
  ADD ("/hn/api/status", test_api_status);
  ADD ("/hn/api/sites/filter", test_api_sites_filter);
  ADD ("/hn/api/sites/one", test_api_site);
  ADD ("/hn/api/errors", test_api_errors);
  ADD ("/hn/api/body-too-large", test_api_body_too_large);
  ADD ("/hn/api/reload-error-shown", test_api_reload_error_shown);
  ADD ("/hn/api/socket-in-use", test_api_socket_in_use);
  ADD ("/hn/api/no-fd-leak", test_api_no_fd_leak);
  ADD ("/hn/api/no-hub", test_api_no_hub);
  ADD ("/hn/api/method-not-allowed", test_api_method_not_allowed);
  ADD ("/hn/api/monitoring/no-hub", test_api_monitoring_no_hub);
#undef ADD
  g_test_add ("/hn/api/endpoint-role", ApiFixture, NULL, api_fixture_setup_endpoint,
              test_api_endpoint_role, api_fixture_teardown);
#define ADD_HUB(path, fn)                                                                          \
  g_test_add (path, ApiFixture, NULL, api_fixture_setup_hub, fn, api_fixture_teardown)
  ADD_HUB ("/hn/api/hub/status", test_api_hub_status);
  ADD_HUB ("/hn/api/hub/errors", test_api_hub_errors);
  ADD_HUB ("/hn/api/hub/token", test_api_hub_token);
  ADD_HUB ("/hn/api/hub/metrics", test_api_metrics);
  ADD_HUB ("/hn/api/hub/metrics/links", test_api_metrics_links);
  ADD_HUB ("/hn/api/hub/metrics/promtool", test_api_metrics_promtool);
  ADD_HUB ("/hn/api/hub/health", test_api_health);
  ADD_HUB ("/hn/api/hub/links", test_api_links);
  ADD_HUB ("/hn/api/hub/monitoring-errors", test_api_monitoring_errors);
  ADD_HUB ("/hn/api/hub/events", test_api_events);
  ADD_HUB ("/hn/api/hub/events/link", test_api_events_link);
  ADD_HUB ("/hn/api/hub/events/disconnect", test_api_events_disconnect);
  ADD_HUB ("/hn/api/hub/events/slow-client", test_api_events_slow_client);
#undef ADD_HUB
  g_test_add ("/hn/api/province/metrics", ApiFixture, NULL, api_fixture_setup_province,
              test_api_metrics_province, api_fixture_teardown);
  g_test_add_func ("/hn/api/metrics/label-escaping", test_api_metrics_label_escaping);
  g_test_add_func ("/hn/api/parse-body", test_api_parse_body);
  g_test_add_func ("/hn/api/stale-socket", test_api_stale_socket);

  return g_test_run ();
}

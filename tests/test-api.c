/* Fixture tests of the HTTP API: an HnApiServer in this process on a
 * temporary Unix socket, asked with a libsoup client, as libsoup's own
 * tests do. The server runs as a hub with its sites but no hub object
 * (the meeting routes answer 404), as a room endpoint with nothing behind
 * it, and with a real in-process HnHub that runs no meeting (routing,
 * request bodies and the hub's own errors; meetings themselves are tested
 * with the real daemons in test-meetings). */

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

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

/* A real hub on loopback and free ports, running no meeting */
static void
api_fixture_setup_hub (ApiFixture *f, gconstpointer data)
{
  g_autofree gchar *conf = g_test_build_filename (G_TEST_DIST, "data", "sites-meeting.conf", NULL);
  g_autofree gchar *state = NULL;
  g_autoptr (GError) error = NULL;

  hn_media_init (&error);
  g_assert_no_error (error);
  f->dir = hn_test_tmpdir_new ();
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
      "missing member 'sites'" },
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
#undef ADD
  g_test_add ("/hn/api/endpoint-role", ApiFixture, NULL, api_fixture_setup_endpoint,
              test_api_endpoint_role, api_fixture_teardown);
#define ADD_HUB(path, fn)                                                                          \
  g_test_add (path, ApiFixture, NULL, api_fixture_setup_hub, fn, api_fixture_teardown)
  ADD_HUB ("/hn/api/hub/status", test_api_hub_status);
  ADD_HUB ("/hn/api/hub/errors", test_api_hub_errors);
  ADD_HUB ("/hn/api/hub/token", test_api_hub_token);
#undef ADD_HUB
  g_test_add_func ("/hn/api/parse-body", test_api_parse_body);
  g_test_add_func ("/hn/api/stale-socket", test_api_stale_socket);

  return g_test_run ();
}

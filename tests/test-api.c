/* Fixture tests of the HTTP API: an HnApiServer in this process on a
 * temporary Unix socket, asked with a libsoup client, as libsoup's own
 * tests do. */

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "hn-api-server.h"
#include "hn-build-config.h"
#include "hn-test-utils.h"

typedef struct {
  gchar *dir;
  gchar *socket;
  HnConfig *config;
  HnApiServer *api;
  SoupSession *session;
} ApiFixture;

static void
api_fixture_setup (ApiFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) address = NULL;

  f->dir = hn_test_tmpdir_new ();
  f->socket = g_build_filename (f->dir, "run", "control.sock", NULL);
  f->config = hn_config_new_from_file (g_getenv ("HN_SITES_CONF"), &error);
  g_assert_no_error (error);
  f->api = hn_api_server_new ("hub", "/var/lib/hoinghi-test");
  hn_api_server_set_config (f->api, f->config);
  hn_api_server_listen_unix (f->api, f->socket, &error);
  g_assert_no_error (error);
  address = g_unix_socket_address_new (f->socket);
  f->session = soup_session_new_with_options ("remote-connectable", address, NULL);
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
 * answer is in; returns the parsed JSON body and the status. */
static JsonNode *
api_request (
    ApiFixture *f, const gchar *method, const gchar *path, const gchar *body, guint *status)
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
#undef ADD
  g_test_add_func ("/hn/api/stale-socket", test_api_stale_socket);

  return g_test_run ();
}

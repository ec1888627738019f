/* Integration tests of the API over TCP ([api] in sites.conf): a real
 * hoinghid on the small meeting network, with its own copy of the sites
 * file and a token file in a temporary folder. They check who gets in
 * (401 without a token, 403 with a wrong one, 200 with the right one;
 * /health and /metrics open when monitoring is), that hoinghictl --host
 * works, that a token file others can read stops the daemon, that
 * malformed requests over TCP get errors and leave the daemon answering,
 * and HTTPS with a self-signed certificate made by openssl. */

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "hn-config.h"
#include "hn-test-utils.h"

#define TOKEN "s3cret-token-for-tests"
#define RAW_DOTS_NO_TOKEN                                                                          \
  "GET /api/v1/sites/%2e%2e/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

typedef struct {
  gchar *dir; /* the sites file, the token file and the certificate */
  gchar *config;
  gchar *token_file;
  gchar *cert;
  gchar *key;
  HnTestDaemon *daemon;
  guint port;
  SoupSession *session;
} RemoteFixture;

/* Writes sites-meeting.conf with an [api] group (and @extra in it) and
 * the token file of mode @mode */
static void
remote_write_config (RemoteFixture *f, const gchar *extra, guint mode)
{
  g_autofree gchar *base = g_test_build_filename (G_TEST_DIST, "data", "sites-meeting.conf", NULL);
  g_autofree gchar *contents = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *token = NULL;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (base, &contents, NULL, &error);
  g_assert_no_error (error);
  text = g_strdup_printf ("%s\n[api]\nlisten=127.0.0.1:0\ntoken-file=%s\n%s", contents,
                          f->token_file, extra != NULL ? extra : "");
  g_clear_pointer (&f->config, g_free);
  f->config = hn_test_write_file (f->dir, "sites.conf", text);
  token = hn_test_write_file (f->dir, "token", TOKEN "\n");
  g_assert_cmpint (g_chmod (token, mode), ==, 0);
}

static void
remote_start (RemoteFixture *f, const gchar *extra)
{
  const gchar *args[] = { "--config", NULL, "--meetings", "/nonexistent/meetings.conf", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) status = NULL;

  remote_write_config (f, extra, 0600);
  args[1] = f->config;
  f->daemon = hn_test_daemon_spawn (args, NULL, &error);
  g_assert_no_error (error);
  status = hn_test_ctl_json (f->daemon->socket, "status", NULL);
  g_assert_nonnull (status);
  g_assert_true (json_object_has_member (json_node_get_object (status), "api-port"));
  f->port = json_object_get_int_member (json_node_get_object (status), "api-port");
  g_assert_cmpuint (f->port, >, 0);
  g_assert_cmpuint (f->port, <, 65536);
}

static void
remote_setup (RemoteFixture *f, gconstpointer data)
{
  f->dir = hn_test_tmpdir_new ();
  f->token_file = g_build_filename (f->dir, "token", NULL);
  f->session = soup_session_new ();
  soup_session_set_timeout (f->session, 20);
}

static void
remote_teardown (RemoteFixture *f, gconstpointer data)
{
  if (f->daemon != NULL)
    g_assert_cmpint (hn_test_daemon_stop (f->daemon), ==, 0);
  g_clear_pointer (&f->daemon, hn_test_daemon_free);
  g_clear_object (&f->session);
  hn_test_tmpdir_remove (f->dir);
  g_free (f->dir);
  g_free (f->config);
  g_free (f->token_file);
  g_free (f->cert);
  g_free (f->key);
}

/* Sends @method @path over TCP with "Bearer @token" (none when NULL) and
 * returns the status; @www_auth gets the WWW-Authenticate header */
static guint
remote_request (RemoteFixture *f,
                const gchar *scheme,
                const gchar *method,
                const gchar *path,
                const gchar *token,
                GBytes *body,
                gchar **www_auth)
{
  g_autofree gchar *uri = g_strdup_printf ("%s://127.0.0.1:%u%s", scheme, f->port, path);
  g_autoptr (SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (msg);
  if (token != NULL) {
    g_autofree gchar *auth = g_strconcat ("Bearer ", token, NULL);

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  }
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
  answer = soup_session_send_and_read (f->session, msg, NULL, &error);
  g_assert_no_error (error);
  if (www_auth != NULL)
    *www_auth = g_strdup (
        soup_message_headers_get_one (soup_message_get_response_headers (msg), "WWW-Authenticate"));
  return soup_message_get_status (msg);
}

static guint
remote_get (RemoteFixture *f, const gchar *path, const gchar *token)
{
  return remote_request (f, "http", "GET", path, token, NULL, NULL);
}

static void
test_remote_auth (RemoteFixture *f, gconstpointer data)
{
  const gchar *paths[] = { "/api/v1/status", "/api/v1/sites", "/metrics", "/health" };
  g_autoptr (JsonNode) status = NULL;

  remote_start (f, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++) {
    g_autofree gchar *www = NULL;

    g_test_message ("%s", paths[i]);
    g_assert_cmpuint (remote_request (f, "http", "GET", paths[i], NULL, NULL, &www), ==, 401);
    g_assert_cmpstr (www, ==, "Bearer");
    g_assert_cmpuint (remote_get (f, paths[i], "wrong-token"), ==, 403);
    g_assert_cmpuint (remote_get (f, paths[i], TOKEN "x"), ==, 403);
    g_assert_cmpuint (remote_get (f, paths[i], ""), ==, 403);
    g_assert_cmpuint (remote_get (f, paths[i], TOKEN), ==, 200);
  }
  /* the event stream too: headers, then it stays open */
  {
    g_autofree gchar *uri = g_strdup_printf ("http://127.0.0.1:%u/api/v1/events", f->port);
    g_autoptr (SoupMessage) msg = soup_message_new ("GET", uri);
    g_autoptr (GInputStream) stream = NULL;
    g_autoptr (GError) error = NULL;

    g_assert_cmpuint (remote_get (f, "/api/v1/events", NULL), ==, 401);
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                  "Bearer " TOKEN);
    stream = soup_session_send (f->session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
    g_input_stream_close (stream, NULL, NULL);
  }
  /* the socket needs none */
  status = hn_test_ctl_json (f->daemon->socket, "sites", NULL);
  g_assert_nonnull (status);
}

static void
test_remote_open_monitoring (RemoteFixture *f, gconstpointer data)
{
  remote_start (f, "open-monitoring=true\n");
  g_assert_cmpuint (remote_get (f, "/health", NULL), ==, 200);
  g_assert_cmpuint (remote_get (f, "/metrics", NULL), ==, 200);
  g_assert_cmpuint (remote_get (f, "/api/v1/status", NULL), ==, 401);
  g_assert_cmpuint (remote_get (f, "/api/v1/sites", NULL), ==, 401);
  g_assert_cmpuint (remote_get (f, "/api/v1/status", "nope"), ==, 403);
  g_assert_cmpuint (remote_get (f, "/api/v1/status", TOKEN), ==, 200);
}

static void
test_remote_ctl (RemoteFixture *f, gconstpointer data)
{
  g_autofree gchar *host = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *wrong = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *status;

  remote_start (f, NULL);
  host = g_strdup_printf ("127.0.0.1:%u", f->port);
  url = g_strdup_printf ("http://127.0.0.1:%u", f->port);

  g_assert_cmpint (hn_test_run_ctl (NULL, &out, &err, "-H", host, "--token-file", f->token_file,
                                    "--json", "status", NULL),
                   ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  status = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (status, "role"), ==, "hub");
  g_assert_cmpint (json_object_get_int_member (status, "api-port"), ==, f->port);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (hn_test_run_ctl (NULL, &out, &err, "--host", url, "--token-file", f->token_file,
                                    "sites", NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "tt-tam-dao"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (hn_test_run_ctl (NULL, &out, &err, "-H", host, "status", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "(401)"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  wrong = hn_test_write_file (f->dir, "wrong-token", "not-it\n");
  g_assert_cmpint (
      hn_test_run_ctl (NULL, &out, &err, "-H", host, "--token-file", wrong, "status", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "hoinghictl: the hub refused the token (403)\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (hn_test_run_ctl (NULL, &out, &err, "-H", "no-port", "status", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "invalid --host 'no-port'"));
}

static void
remote_communicate_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gchar **err = user_data;
  g_autoptr (GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, NULL, err, &error);
  g_assert_no_error (error);
  if (*err == NULL)
    *err = g_strdup ("");
}

static gboolean
remote_set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs hoinghid on f->config, which must refuse to start: returns its
 * standard error */
static gchar *
remote_run_refused (RemoteFixture *f)
{
  g_autofree gchar *socket = g_build_filename (f->dir, "control.sock", NULL);
  g_autofree gchar *state = g_build_filename (f->dir, "state", NULL);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  gchar *err = NULL;
  gboolean timed_out = FALSE;
  guint timeout_id;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* as in hn_test_daemon_spawn(): the daemon warns on purpose (the lab
   * hub's insecure=true); only criticals abort it */
  g_subprocess_launcher_setenv (launcher, "G_DEBUG", "fatal-criticals", TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &error, hn_test_get_program ("HN_HOINGHID"),
                                      "--socket", socket, "--state-dir", state, "--config",
                                      f->config, "--meetings", "/nonexistent/meetings.conf", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (proc, NULL, NULL, remote_communicate_cb, &err);
  timeout_id = g_timeout_add_seconds (30, remote_set_flag_cb, &timed_out);
  while (err == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);
  if (err == NULL) {
    g_subprocess_force_exit (proc);
    g_subprocess_wait (proc, NULL, NULL);
    g_assert_not_reached ();
  }
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 1);
  return err;
}

static void
test_remote_token_file_refused (RemoteFixture *f, gconstpointer data)
{
  g_autofree gchar *err = NULL;

  remote_write_config (f, NULL, 0644);
  err = remote_run_refused (f);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, f->token_file));
  g_assert_nonnull (strstr (err, "readable by others"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (g_unlink (f->token_file), ==, 0);
  err = remote_run_refused (f);
  g_assert_nonnull (strstr (err, f->token_file));
  g_clear_pointer (&err, g_free);

  remote_write_config (f, NULL, 0600);
  g_file_set_contents (f->token_file, "  \n", -1, NULL);
  err = remote_run_refused (f);
  g_assert_nonnull (strstr (err, f->token_file));
}

/* Writes @request as it is on a new TCP connection and returns the status
 * of the answer, 0 when the server closed without one */
static guint
remote_raw (RemoteFixture *f, const gchar *request, gsize length)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) answer = g_string_new (NULL);
  GInputStream *in;
  GOutputStream *out;
  gchar buf[4096];
  gssize n;
  guint status = 0;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", f->port, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (conn), 20);
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  /* the server may answer and close before it has read everything */
  g_output_stream_write_all (out, request, length, NULL, NULL, NULL);
  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (answer, buf, n);
  if (g_str_has_prefix (answer->str, "HTTP/1.1 ") || g_str_has_prefix (answer->str, "HTTP/1.0 "))
    status = g_ascii_strtoull (answer->str + 9, NULL, 10);
  g_test_message ("%.*s -> %u", (int) MIN (strcspn (request, "\r"), 60), request, status);
  return status;
}

static guint
remote_raw_get (RemoteFixture *f, const gchar *method, const gchar *path)
{
  g_autofree gchar *request =
      g_strdup_printf ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " TOKEN
                       "\r\nConnection: close\r\n\r\n",
                       method, path);

  return remote_raw (f, request, strlen (request));
}

static void
test_remote_malformed (RemoteFixture *f, gconstpointer data)
{
  const gchar *bodies[] = {
    "{\"id\": \"hop\", \"sites\": \"tt-tam", /* truncated */
    "{\"id\": 5}",
    "{\"id\": \"hop\", \"sites\": [\"tt-tam-dao\"]}",
    "{\"id\": \"hop\", \"title\": true}",
    "[1, 2",
    "\xff\xfe",
  };
  const gchar *methods[] = { "PATCH", "FOO", "TRACE", "CONNECT" };
  g_autofree gchar *big = g_malloc (1024 * 1024);
  g_autoptr (GBytes) big_body = NULL;
  g_autoptr (GString) line = g_string_new ("GET /api/v1/status?");
  guint code;

  remote_start (f, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++) {
    g_autoptr (GBytes) body = g_bytes_new_static (bodies[i], strlen (bodies[i]));

    g_assert_cmpuint (remote_request (f, "http", "POST", "/api/v1/meetings", TOKEN, body, NULL), ==,
                      400);
  }
  memset (big, '{', 1024 * 1024);
  big_body = g_bytes_new_static (big, 1024 * 1024);
  g_assert_cmpuint (remote_request (f, "http", "POST", "/api/v1/meetings", TOKEN, big_body, NULL),
                    ==, 413);
  /* without the token a big body is refused for the token */
  g_assert_cmpuint (remote_request (f, "http", "POST", "/api/v1/meetings", NULL, big_body, NULL),
                    ==, 401);

  /* libsoup parses the request target with g_uri_parse(), which decodes
   * "%2e" and removes dot segments (RFC 3986 5.2.4) before any handler
   * sees the path: what stays inside /api/v1/ is that resource (with the
   * token still needed), what climbs out of it is no resource */
  g_assert_cmpuint (remote_raw_get (f, "GET", "/api/v1/%2e%2e/status"), ==, 404);
  g_assert_cmpuint (remote_raw_get (f, "GET", "/api/v1/../status"), ==, 404);
  g_assert_cmpuint (remote_raw_get (f, "GET", "/api/v1/../../../etc/passwd"), ==, 404);
  code = remote_raw_get (f, "GET", "/api/v1/sites/..%2fstatus");
  g_assert_true (code == 400 || code == 404);
  code = remote_raw_get (f, "GET", "/api/v1/sites/%2e%2e%2fstatus");
  g_assert_true (code == 400 || code == 404);
  g_assert_cmpuint (remote_raw_get (f, "GET", "/api/v1/sites/../status"), ==, 200);
  g_assert_cmpuint (remote_raw_get (f, "GET", "/api/v1/sites/%2e%2e/status"), ==, 200);
  g_assert_cmpuint (remote_raw (f, RAW_DOTS_NO_TOKEN, strlen (RAW_DOTS_NO_TOKEN)), ==, 401);

  g_assert_cmpuint (remote_raw_get (f, "PATCH", "/api/v1/status"), ==, 405);
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++) {
    code = remote_raw_get (f, methods[i], "/api/v1/status");
    g_assert_cmpuint (code, !=, 200);
    g_assert_cmpuint (code, >=, 400);
  }

  /* a 64 KiB request line */
  while (line->len < 64 * 1024)
    g_string_append (line, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&");
  g_string_append (line, " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " TOKEN
                         "\r\nConnection: close\r\n\r\n");
  code = remote_raw (f, line->str, line->len);
  g_assert_cmpuint (code, !=, 200);

  /* garbage, and a connection closed half way through its headers */
  code = remote_raw (f, "\x01\x02\x03 nonsense\r\n\r\n", 16);
  g_assert_cmpuint (code, !=, 200);
  code = remote_raw (f, "GET /api/v1/status HTTP/1.1\r\nHost: 1", 36);
  g_assert_cmpuint (code, ==, 0);

  /* still answering, on both listeners */
  g_assert_cmpuint (remote_get (f, "/api/v1/status", TOKEN), ==, 200);
  hn_test_ctl_ok (f->daemon->socket, "status", NULL);
}

static gboolean
remote_accept_certificate_cb (SoupMessage *msg,
                              GTlsCertificate *certificate,
                              GTlsCertificateFlags errors,
                              gpointer user_data)
{
  GTlsCertificate *expected = user_data;

  return g_tls_certificate_is_same (certificate, expected);
}

static void
test_remote_tls (RemoteFixture *f, gconstpointer data)
{
  g_autofree gchar *openssl = g_find_program_in_path ("openssl");
  g_autofree gchar *extra = NULL;
  g_autofree gchar *uri = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *host = NULL;
  g_autoptr (GTlsCertificate) cert = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) answer = NULL;
  gint wait_status = 0;

  if (openssl == NULL) {
    g_test_skip ("no openssl to make a certificate");
    return;
  }
  f->cert = g_build_filename (f->dir, "cert.pem", NULL);
  f->key = g_build_filename (f->dir, "key.pem", NULL);
  {
    const gchar *argv[] = { openssl,  "req",     "-x509", "-newkey",       "rsa:2048",
                            "-nodes", "-keyout", f->key,  "-out",          f->cert,
                            "-days",  "2",       "-subj", "/CN=127.0.0.1", NULL };

    g_spawn_sync (NULL, (gchar **) argv, NULL,
                  G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                  &wait_status, &error);
    g_assert_no_error (error);
    g_spawn_check_wait_status (wait_status, &error);
    g_assert_no_error (error);
  }
  cert = g_tls_certificate_new_from_file (f->cert, &error);
  g_assert_no_error (error);

  extra = g_strdup_printf ("tls-certificate=%s\ntls-key=%s\n", f->cert, f->key);
  remote_start (f, extra);

  uri = g_strdup_printf ("https://127.0.0.1:%u/api/v1/status", f->port);
  msg = soup_message_new ("GET", uri);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                "Bearer " TOKEN);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (remote_accept_certificate_cb), cert);
  answer = soup_session_send_and_read (f->session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_nonnull (
      g_strstr_len (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), "\"api-port\""));
  g_clear_object (&msg);

  /* without the token, over TLS too */
  msg = soup_message_new ("GET", uri);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (remote_accept_certificate_cb), cert);
  g_clear_pointer (&answer, g_bytes_unref);
  answer = soup_session_send_and_read (f->session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 401);

  /* plain http on the https port gets nothing useful */
  g_assert_cmpuint (remote_raw_get (f, "GET", "/api/v1/status"), ==, 0);

  /* hoinghictl: a self-signed certificate is refused unless --insecure */
  host = g_strdup_printf ("https://127.0.0.1:%u", f->port);
  g_assert_cmpint (
      hn_test_run_ctl (NULL, &out, &err, "-H", host, "--token-file", f->token_file, "status", NULL),
      ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (hn_test_run_ctl (NULL, &out, &err, "-H", host, "--token-file", f->token_file,
                                    "--insecure", "--json", "status", NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "\"api-port\""));
}

/* [api] is checked like the other groups: every problem, with its line */
static void
test_remote_config (RemoteFixture *f, gconstpointer data)
{
  /* the code is that of the first problem; the message lists them all */
  static const struct {
    const gchar *api;
    gint code;
    const gchar *message;
  } cases[] = {
    { "[api]\nlisten=127.0.0.1:8080\n", HN_ERROR_CONFIG_MISSING_KEY,
      "[api]: required key 'token-file' is missing" },
    { "[api]\nlisten=localhost:8080\ntoken-file=t\n", HN_ERROR_CONFIG_INVALID_ADDRESS,
      "[api] listen: 'localhost:8080' is not ADDRESS:PORT" },
    { "[api]\nlisten=127.0.0.1:65536\ntoken-file=t\n", HN_ERROR_CONFIG_INVALID_ADDRESS,
      "'127.0.0.1:65536' is not ADDRESS:PORT" },
    { "[api]\nlisten=::1:80\ntoken-file=t\n", HN_ERROR_CONFIG_INVALID_ADDRESS,
      "'::1:80' is not ADDRESS:PORT" },
    { "[api]\nlisten=127.0.0.1:80\ntoken-file=t\nopen-monitoring=yes\n",
      HN_ERROR_CONFIG_INVALID_VALUE, "[api] open-monitoring: 'yes' is not true or false" },
    { "[api]\nlisten=127.0.0.1:80\ntoken-file=t\ntls-certificate=c.pem\n",
      HN_ERROR_CONFIG_MISSING_KEY, "'tls-key' is missing" },
    { "[api]\nlisten=127.0.0.1:80\ntoken-fil=t\n", HN_ERROR_CONFIG_MISSING_KEY,
      "[api] token-fil: unknown key; did you mean 'token-file'?" },
    { "[apii]\nlisten=127.0.0.1:80\n", HN_ERROR_CONFIG_UNKNOWN_GROUP,
      "[apii]: unknown group; did you mean [api]?" },
  };
  g_autofree gchar *base = g_test_build_filename (G_TEST_DIST, "data", "sites-meeting.conf", NULL);
  g_autofree gchar *contents = NULL;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (base, &contents, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *text = g_strconcat (contents, "\n", cases[i].api, NULL);
    g_autofree gchar *path = hn_test_write_file (f->dir, "sites.conf", text);
    g_autoptr (HnConfig) config = hn_config_new_from_file (path, &error);

    g_test_message ("%s", error != NULL ? error->message : "(no error)");
    g_assert_null (config);
    g_assert_error (error, HN_ERROR, cases[i].code);
    g_assert_nonnull (strstr (error->message, cases[i].message));
    g_assert_nonnull (strstr (error->message, "sites.conf:"));
    g_clear_error (&error);
  }

  /* the good ones: relative files from the folder of the main file */
  {
    g_autofree gchar *text = g_strconcat (contents,
                                          "\n[api]\nlisten=[::1]:0\ntoken-file=secret/token\n"
                                          "open-monitoring=true\ntls-certificate=c.pem\n"
                                          "tls-key=/etc/k.pem\n",
                                          NULL);
    g_autofree gchar *path = hn_test_write_file (f->dir, "sites.conf", text);
    g_autofree gchar *token = g_build_filename (f->dir, "secret", "token", NULL);
    g_autofree gchar *cert = g_build_filename (f->dir, "c.pem", NULL);
    g_autoptr (HnConfig) config = hn_config_new_from_file (path, &error);
    const gchar *c = NULL;
    const gchar *k = NULL;
    guint port = 1;

    g_assert_no_error (error);
    g_assert_cmpstr (hn_config_get_api_listen (config, &port), ==, "::1");
    g_assert_cmpuint (port, ==, 0);
    g_assert_cmpstr (hn_config_get_api_token_file (config), ==, token);
    g_assert_true (hn_config_get_api_open_monitoring (config));
    g_assert_true (hn_config_get_api_tls (config, &c, &k));
    g_assert_cmpstr (c, ==, cert);
    g_assert_cmpstr (k, ==, "/etc/k.pem");
  }
  {
    g_autoptr (HnConfig) config = hn_config_new_from_file (base, &error);
    guint port = 1;

    g_assert_no_error (error);
    g_assert_null (hn_config_get_api_listen (config, &port));
    g_assert_false (hn_config_get_api_open_monitoring (config));
    g_assert_false (hn_config_get_api_tls (config, NULL, NULL));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, RemoteFixture, NULL, remote_setup, fn, remote_teardown)
  ADD ("/hn/api-remote/config", test_remote_config);
  ADD ("/hn/api-remote/auth", test_remote_auth);
  ADD ("/hn/api-remote/open-monitoring", test_remote_open_monitoring);
  ADD ("/hn/api-remote/ctl", test_remote_ctl);
  ADD ("/hn/api-remote/token-file-refused", test_remote_token_file_refused);
  ADD ("/hn/api-remote/malformed", test_remote_malformed);
  ADD ("/hn/api-remote/tls", test_remote_tls);
#undef ADD

  return g_test_run ();
}

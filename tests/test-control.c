/* Tests of the control channel: the per-site tokens, the messages, and a
 * hub's HnControlServer on 127.0.0.1 (port 0), speaking wss with a
 * certificate made at test time, with endpoints' HnControlClients (which
 * pin it) and hand-driven WebSocket clients in the same process,
 * the main context run until each awaited event happens or its deadline
 * passes.
 *
 * The channel warns on purpose (refused sites, an unreachable hub). A log
 * writer keeps the warnings of "hoinghi-control" instead of letting
 * G_DEBUG=fatal-warnings abort; each test takes the ones it expects, and
 * one left over fails the test. */

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sys/stat.h>

#include "hn-build-config.h"
#include "hn-control-client.h"
#include "hn-control-server.h"
#include "hn-error.h"
#include "hn-secrets.h"
#include "hn-test-utils.h"

#define SITE_A "xa-dao-tru"
#define SITE_B "xa-tam-quan"

/* ---- log capture ---- */

typedef struct {
  GLogLevelFlags level;
  gchar *site;
  gchar *message;
} Logged;

static GPtrArray *logged; /* of Logged, the "hoinghi-control" domain */

static void
logged_free (Logged *l)
{
  g_free (l->site);
  g_free (l->message);
  g_free (l);
}

static GLogWriterOutput
test_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  const gchar *domain = NULL;
  const gchar *message = NULL;
  const gchar *site = NULL;

  for (gsize i = 0; i < n_fields; i++) {
    if (fields[i].length >= 0)
      continue;
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
      domain = fields[i].value;
    else if (g_str_equal (fields[i].key, "MESSAGE"))
      message = fields[i].value;
    else if (g_str_equal (fields[i].key, "SITE_ID"))
      site = fields[i].value;
  }
  if (g_strcmp0 (domain, "hoinghi-control") == 0 && message != NULL && logged != NULL) {
    Logged *l = g_new0 (Logged, 1);

    l->level = level & G_LOG_LEVEL_MASK;
    l->site = g_strdup (site);
    l->message = g_strdup (message);
    g_ptr_array_add (logged, l);
    if (l->level == G_LOG_LEVEL_WARNING) {
      g_test_message ("(expected?) warning: %s", message);
      return G_LOG_WRITER_HANDLED;
    }
  }
  return g_log_writer_default (level, fields, n_fields, data);
}

/* Counts the messages of @level matching @pattern (and with SITE_ID
 * @site, unless NULL); the warnings among them are taken out. */
static guint
take_logged (GLogLevelFlags level, const gchar *site, const gchar *pattern)
{
  guint n = 0;

  for (guint i = 0; i < logged->len;) {
    Logged *l = logged->pdata[i];

    if (l->level == level && (site == NULL || g_strcmp0 (l->site, site) == 0) &&
        g_pattern_match_simple (pattern, l->message)) {
      n++;
      if (level == G_LOG_LEVEL_WARNING) {
        g_ptr_array_remove_index (logged, i);
        continue;
      }
    }
    i++;
  }
  return n;
}

static guint
count_logged (GLogLevelFlags level, const gchar *pattern)
{
  guint n = 0;

  for (guint i = 0; i < logged->len; i++) {
    Logged *l = logged->pdata[i];

    if (l->level == level && g_pattern_match_simple (pattern, l->message))
      n++;
  }
  return n;
}

/* ---- waiting ---- */

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main context until @cond holds, failing after @ms (times the
 * slowdown of a valgrind run, where a TLS handshake alone takes seconds). */
#define WAIT_FOR(cond, ms)                                                                         \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gint64 deadline_ = g_get_monotonic_time () + (gint64) (ms) *1000 * hn_test_slowdown ();        \
    guint wake_ = g_timeout_add (10, wake_cb, NULL);                                               \
    while (!(cond) && g_get_monotonic_time () < deadline_)                                         \
      g_main_context_iteration (NULL, TRUE);                                                       \
    g_clear_handle_id (&wake_, g_source_remove);                                                   \
    if (!(cond))                                                                                   \
      g_test_message ("timed out after %d ms", (int) (ms));                                        \
    g_assert_true (cond);                                                                          \
  }                                                                                                \
  G_STMT_END

/* Sockets only: GLib opens other descriptors for good on first use. */
static guint
count_open_sockets (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const gchar *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL) {
    g_autofree gchar *path = g_build_filename ("/proc/self/fd", name, NULL);
    g_autofree gchar *target = g_file_read_link (path, NULL);

    if (target != NULL && g_str_has_prefix (target, "socket:"))
      n++;
  }
  return n;
}

/* ---- the fixture: a hub ---- */

typedef struct {
  gchar *dir;
  HnSecrets *secrets;
  GTlsCertificate *tls;
  gchar *fingerprint; /* of tls */
  HnControlServer *server;
  guint port;
  GPtrArray *events;   /* "online:SITE", "offline:SITE" */
  GPtrArray *messages; /* "SITE:TYPE" */
  JsonNode *last_message;
  gint64 online_usec;
  gint64 offline_usec;
  guint sockets_before;
  guint sockets_ready;
} Fixture;

static const gchar *const known_sites[] = { SITE_A, SITE_B, NULL };

static void
server_online_cb (HnControlServer *server, const gchar *site, Fixture *f)
{
  g_ptr_array_add (f->events, g_strconcat ("online:", site, NULL));
  f->online_usec = g_get_monotonic_time ();
}

static void
server_offline_cb (HnControlServer *server, const gchar *site, Fixture *f)
{
  g_ptr_array_add (f->events, g_strconcat ("offline:", site, NULL));
  f->offline_usec = g_get_monotonic_time ();
}

static void
server_message_cb (HnControlServer *server, const gchar *site, JsonNode *message, Fixture *f)
{
  g_ptr_array_add (f->messages, g_strdup_printf ("%s:%s", site,
                                                 hn_control_message_type_to_string (
                                                     hn_control_message_peek_type (message))));
  g_clear_pointer (&f->last_message, json_node_unref);
  f->last_message = json_node_copy (message);
}

static HnControlServer *
fixture_server_new (Fixture *f, guint port)
{
  g_autoptr (GError) error = NULL;
  HnControlServer *server = hn_control_server_new (f->secrets);

  hn_control_server_set_tls (server, f->tls);
  hn_control_server_set_known_sites (server, known_sites);
  g_signal_connect (server, "site-online", G_CALLBACK (server_online_cb), f);
  g_signal_connect (server, "site-offline", G_CALLBACK (server_offline_cb), f);
  g_signal_connect (server, "message", G_CALLBACK (server_message_cb), f);
  hn_control_server_listen (server, "127.0.0.1", port, &error);
  g_assert_no_error (error);
  return server;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *key = NULL;

  f->sockets_before = count_open_sockets ();
  f->dir = hn_test_tmpdir_new ();
  key = g_build_filename (f->dir, "control.key", NULL);
  f->secrets = hn_secrets_new_from_file (key, TRUE, &error);
  g_assert_no_error (error);
  hn_test_make_certificate (f->dir, "hub", &f->fingerprint);
  {
    g_autofree gchar *crt = g_build_filename (f->dir, "hub.crt", NULL);
    g_autofree gchar *pem = g_build_filename (f->dir, "hub.key", NULL);

    f->tls = g_tls_certificate_new_from_files (crt, pem, &error);
    g_assert_no_error (error);
  }
  f->events = g_ptr_array_new_with_free_func (g_free);
  f->messages = g_ptr_array_new_with_free_func (g_free);
  f->server = fixture_server_new (f, 0);
  f->port = hn_control_server_get_port (f->server);
  g_assert_cmpuint (f->port, >, 0);
  f->sockets_ready = count_open_sockets ();
}

/* Waits until every connection made since the set-up has closed, so that
 * whatever it was going to log has been logged. */
static void
settle (Fixture *f)
{
  WAIT_FOR (count_open_sockets () <= f->sockets_ready, 10000);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->server);
  /* every connection closes and every socket goes */
  WAIT_FOR (count_open_sockets () <= f->sockets_before, 10000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->secrets);
  g_clear_object (&f->tls);
  g_free (f->fingerprint);
  g_clear_pointer (&f->last_message, json_node_unref);
  g_ptr_array_unref (f->events);
  g_ptr_array_unref (f->messages);
  hn_test_tmpdir_remove (f->dir);
  g_free (f->dir);

  for (guint i = 0; i < logged->len; i++) {
    Logged *l = logged->pdata[i];

    if (l->level == G_LOG_LEVEL_WARNING)
      g_test_message ("unexpected warning: %s", l->message);
  }
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_WARNING, NULL, "*"), ==, 0);
  g_ptr_array_set_size (logged, 0);
}

static gboolean
has_event (Fixture *f, const gchar *event)
{
  for (guint i = 0; i < f->events->len; i++) {
    if (g_str_equal (f->events->pdata[i], event))
      return TRUE;
  }
  return FALSE;
}

static gchar *
join_events (Fixture *f)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < f->events->len; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? " " : "", (const gchar *) f->events->pdata[i]);
  return g_strdup (s->str);
}

/* ---- endpoints ---- */

typedef struct {
  HnControlClient *client;
  guint connected;
  guint disconnected;
  GPtrArray *messages; /* of JsonNode */
} Endpoint;

static const HnControlHelloMedia media_a = {
  .video_rtp_port = 5004,
  .video_rtcp_port = 5005,
  .audio_rtp_port = 5006,
  .audio_rtcp_port = 5007,
  .video_ssrc = 0xdeadbeef,
  .audio_ssrc = 17,
};

static void
endpoint_connected_cb (HnControlClient *client, Endpoint *e)
{
  e->connected++;
}

static void
endpoint_disconnected_cb (HnControlClient *client, Endpoint *e)
{
  e->disconnected++;
}

static void
endpoint_message_cb (HnControlClient *client, JsonNode *message, Endpoint *e)
{
  g_ptr_array_add (e->messages, json_node_copy (message));
}

/* An endpoint of @site; @token NULL gives it the right one. Not started. */
static Endpoint *
endpoint_new (Fixture *f, const gchar *site, const gchar *token, guint port)
{
  Endpoint *e = g_new0 (Endpoint, 1);
  g_autofree gchar *right = hn_secrets_get_site_token (f->secrets, site);

  e->client = hn_control_client_new ("127.0.0.1", port != 0 ? port : f->port, site,
                                     token != NULL ? token : right);
  hn_control_client_set_tls (e->client, f->fingerprint, NULL);
  hn_control_client_set_hello_media (e->client, &media_a);
  e->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_signal_connect (e->client, "connected", G_CALLBACK (endpoint_connected_cb), e);
  g_signal_connect (e->client, "disconnected", G_CALLBACK (endpoint_disconnected_cb), e);
  g_signal_connect (e->client, "message", G_CALLBACK (endpoint_message_cb), e);
  return e;
}

static void
endpoint_free (Endpoint *e)
{
  g_signal_handlers_disconnect_by_data (e->client, e);
  g_object_unref (e->client);
  g_ptr_array_unref (e->messages);
  g_free (e);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Endpoint, endpoint_free)

/* ---- hand-driven WebSocket clients ---- */

typedef struct {
  SoupSession *session;
  SoupWebsocketConnection *ws;
  GError *error;
  gboolean done;
  gboolean closed;
  gushort close_code;
  gchar *close_data;
  GPtrArray *texts;
} Raw;

static void
raw_message_cb (SoupWebsocketConnection *ws, gint type, GBytes *bytes, Raw *r)
{
  gsize len = 0;
  const gchar *data = g_bytes_get_data (bytes, &len);

  g_ptr_array_add (r->texts, g_strndup (data, len));
}

static void
raw_closed_cb (SoupWebsocketConnection *ws, Raw *r)
{
  r->closed = TRUE;
  r->close_code = soup_websocket_connection_get_close_code (ws);
  r->close_data = g_strdup (soup_websocket_connection_get_close_data (ws));
}

static void
raw_connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Raw *r = user_data;

  r->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &r->error);
  r->done = TRUE;
}

static gboolean
raw_accept_certificate_cb (SoupMessage *msg,
                           GTlsCertificate *certificate,
                           GTlsCertificateFlags errors,
                           gpointer user_data)
{
  return TRUE;
}

/* A WebSocket to the hub (wss, whatever its certificate), offering
 * @protocol (NULL: none), saying nothing yet. */
static Raw *
raw_connect (Fixture *f, const gchar *protocol)
{
  Raw *r = g_new0 (Raw, 1);
  g_autofree gchar *uri = g_strdup_printf ("wss://127.0.0.1:%u%s", f->port, HN_CONTROL_PATH);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", uri);
  const gchar *protocols[] = { protocol, NULL };

  g_signal_connect (msg, "accept-certificate", G_CALLBACK (raw_accept_certificate_cb), NULL);
  r->session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  r->texts = g_ptr_array_new_with_free_func (g_free);
  soup_session_websocket_connect_async (r->session, msg, NULL,
                                        protocol != NULL ? (gchar **) protocols : NULL,
                                        G_PRIORITY_DEFAULT, NULL, raw_connected_cb, r);
  WAIT_FOR (r->done, 5000);
  g_assert_no_error (r->error);
  soup_websocket_connection_set_max_incoming_payload_size (r->ws, 0);
  g_signal_connect (r->ws, "message", G_CALLBACK (raw_message_cb), r);
  g_signal_connect (r->ws, "closed", G_CALLBACK (raw_closed_cb), r);
  return r;
}

static void
raw_free (Raw *r)
{
  if (r->ws != NULL) {
    g_signal_handlers_disconnect_by_data (r->ws, r);
    if (soup_websocket_connection_get_state (r->ws) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (r->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_object_unref (r->ws);
  }
  soup_session_abort (r->session);
  g_object_unref (r->session);
  g_clear_error (&r->error);
  g_ptr_array_unref (r->texts);
  g_free (r->close_data);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Raw, raw_free)

static void
raw_send_node (Raw *r, JsonNode *node)
{
  g_autofree gchar *text = hn_control_message_to_string (node);

  soup_websocket_connection_send_text (r->ws, text);
}

/* Waits for the hub's challenge and takes it off r->texts; returns its
 * nonce */
static gchar *
raw_take_challenge (Raw *r)
{
  g_autoptr (JsonNode) challenge = NULL;
  g_autoptr (GError) error = NULL;
  gchar *text;
  HnControlMessageType type;

  WAIT_FOR (r->texts->len >= 1, 5000);
  text = g_ptr_array_steal_index (r->texts, 0);
  challenge = hn_control_message_parse (text, strlen (text), &type, &error);
  g_free (text);
  g_assert_no_error (error);
  g_assert_cmpint (type, ==, HN_CONTROL_MESSAGE_CHALLENGE);
  g_assert_cmpuint (strlen (hn_control_message_get_nonce (challenge)), ==, 64);
  return g_strdup (hn_control_message_get_nonce (challenge));
}

/* Answers the challenge as an endpoint with @token (NULL: the right one)
 * does; returns the hello sent */
static gchar *
raw_hello (Fixture *f, Raw *r, const gchar *site, const gchar *token)
{
  g_autofree gchar *right = hn_secrets_get_site_token (f->secrets, site);
  g_autofree gchar *nonce = raw_take_challenge (r);
  g_autofree gchar *proof = hn_secrets_compute_proof (token != NULL ? token : right, site, nonce);
  g_autoptr (JsonNode) hello = hn_control_message_new_hello (site, proof, "9.9", &media_a);

  raw_send_node (r, hello);
  return hn_control_message_to_string (hello);
}

static void
assert_closed_with (Raw *r, gushort code, const gchar *data)
{
  WAIT_FOR (r->closed, 5000);
  g_assert_cmpuint (r->close_code, ==, code);
  if (data != NULL)
    g_assert_cmpstr (r->close_data, ==, data);
}

/* ---- tokens and the key file ---- */

static gchar *
write_key (const gchar *dir, const gchar *name, const gchar *hex, int mode)
{
  g_autofree gchar *contents = g_strconcat (hex, "\n", NULL);
  gchar *path = hn_test_write_file (dir, name, contents);

  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static void
test_secrets_token (void)
{
  g_autofree gchar *dir = hn_test_tmpdir_new ();
  g_autofree gchar *path1 = write_key (
      dir, "k1", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0600);
  g_autofree gchar *path2 = write_key (
      dir, "k2", "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0600);
  g_autoptr (GError) error = NULL;
  g_autoptr (HnSecrets) s1 = hn_secrets_new_from_file (path1, FALSE, &error);
  g_autoptr (HnSecrets) s2 = NULL;
  g_autofree gchar *a1 = NULL;
  g_autofree gchar *a1_again = NULL;
  g_autofree gchar *b1 = NULL;
  g_autofree gchar *a2 = NULL;
  g_autofree gchar *upper = NULL;
  g_autofree gchar *proof = NULL;
  g_autofree gchar *rotated = NULL;

  g_assert_no_error (error);
  s2 = hn_secrets_new_from_file (path2, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hn_secrets_get_path (s1), ==, path1);

  /* the derivation of hn-secrets.h, as openssl computes it:
   * printf 'hoinghi-site-token:%s' xa-dao-tru |
   *   openssl dgst -sha256 -mac HMAC -macopt hexkey:000102…1f */
  a1 = hn_secrets_get_site_token (s1, SITE_A);
  g_assert_cmpstr (a1, ==, "4a82301f8bfb676f546ecdc6dae56b0dcb35583d7b8595e00331a24281149c48");
  b1 = hn_secrets_get_site_token (s1, SITE_B);
  g_assert_cmpstr (b1, ==, "c4ed7c6e97bce8a2c6e67adcfd0f8e41c7f04f04a2b65ce4a077136825b8e3d1");
  a1_again = hn_secrets_get_site_token (s1, SITE_A);
  g_assert_cmpstr (a1, ==, a1_again);
  a2 = hn_secrets_get_site_token (s2, SITE_A);
  g_assert_cmpuint (strlen (a2), ==, 64);
  g_assert_cmpstr (a2, !=, a1);

  g_assert_true (hn_secrets_check_site_token (s1, SITE_A, a1));
  g_assert_false (hn_secrets_check_site_token (s1, SITE_B, a1));
  g_assert_false (hn_secrets_check_site_token (s2, SITE_A, a1));
  g_assert_false (hn_secrets_check_site_token (s1, SITE_A, NULL));
  g_assert_false (hn_secrets_check_site_token (s1, SITE_A, ""));
  g_assert_false (hn_secrets_check_site_token (s1, SITE_A, "4a82301f"));
  upper = g_ascii_strup (a1, -1);
  g_assert_false (hn_secrets_check_site_token (s1, SITE_A, upper));
  a1[63] = a1[63] == '0' ? '1' : '0';
  g_assert_false (hn_secrets_check_site_token (s1, SITE_A, a1));

  /* the proof of a hello, as openssl computes it:
   * printf 'hoinghi-hello:%s:%s' 00ff xa-dao-tru |
   *   openssl dgst -sha256 -mac HMAC -macopt key:TOKEN */
  proof = hn_secrets_compute_proof (
      "4a82301f8bfb676f546ecdc6dae56b0dcb35583d7b8595e00331a24281149c48", SITE_A, "00ff");
  g_assert_cmpstr (proof, ==, "b94b15ad12cdcbfd9489bffded6705de50bfbcc6a72de5ae6850e56abc4c8be4");
  g_assert_true (hn_secrets_check_site_proof (s1, SITE_A, "00ff", proof));
  g_assert_false (hn_secrets_check_site_proof (s1, SITE_A, "00fe", proof));
  g_assert_false (hn_secrets_check_site_proof (s1, SITE_B, "00ff", proof));
  g_assert_false (hn_secrets_check_site_proof (s1, SITE_A, "00ff", NULL));

  /* after rotate-secret, generation 1:
   * printf 'hoinghi-site-token:%s#1' xa-dao-tru | openssl dgst … */
  rotated = hn_secrets_rotate_site (s1, SITE_A, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rotated, ==, "9609524c3975c73802faacf8e2f61de57a9c0af6569609f6afbbabb9b2ae1800");

  hn_test_tmpdir_remove (dir);
}

static void
test_secrets_file (void)
{
  g_autofree gchar *dir = hn_test_tmpdir_new ();
  g_autofree gchar *path = g_build_filename (dir, "control.key", NULL);
  g_autofree gchar *contents = NULL;
  g_autofree gchar *t1 = NULL;
  g_autofree gchar *t2 = NULL;
  g_autofree gchar *bad = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HnSecrets) s1 = NULL;
  g_autoptr (HnSecrets) s2 = NULL;
  g_autoptr (HnSecrets) s3 = NULL;
  GStatBuf st;

  /* missing, not to be made */
  g_assert_null (hn_secrets_new_from_file (path, FALSE, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* made: 64 hex digits and a newline, mode 0600 */
  s1 = hn_secrets_new_from_file (path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpuint (strlen (contents), ==, 65);
  g_assert_cmpint (contents[64], ==, '\n');
  for (guint i = 0; i < 64; i++)
    g_assert_true (g_ascii_isxdigit (contents[i]) && !g_ascii_isupper (contents[i]));

  /* reloaded (create or not), the same key */
  s2 = hn_secrets_new_from_file (path, TRUE, &error);
  g_assert_no_error (error);
  t1 = hn_secrets_get_site_token (s1, SITE_A);
  t2 = hn_secrets_get_site_token (s2, SITE_A);
  g_assert_cmpstr (t1, ==, t2);
  g_assert_true (hn_secrets_check_site_token (s2, SITE_A, t1));

  /* a key others may read is refused, naming the file and the mode */
  g_assert_cmpint (g_chmod (path, 0640), ==, 0);
  g_assert_null (hn_secrets_new_from_file (path, TRUE, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "mode 0640"));
  g_clear_error (&error);
  g_assert_cmpint (g_chmod (path, 0604), ==, 0);
  g_assert_null (hn_secrets_new_from_file (path, FALSE, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_FAILED);
  g_clear_error (&error);
  /* and never replaced */
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  s3 = hn_secrets_new_from_file (path, FALSE, &error);
  g_assert_no_error (error);
  g_clear_pointer (&t2, g_free);
  t2 = hn_secrets_get_site_token (s3, SITE_A);
  g_assert_cmpstr (t1, ==, t2);

  /* not a key */
  bad = write_key (dir, "short.key", "0011", 0600);
  g_assert_null (hn_secrets_new_from_file (bad, FALSE, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "not a control key"));
  g_clear_error (&error);
  g_clear_pointer (&bad, g_free);
  bad = write_key (dir, "nothex.key",
                   "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0600);
  g_assert_null (hn_secrets_new_from_file (bad, FALSE, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_ptr_array_set_size (logged, 0);
  hn_test_tmpdir_remove (dir);
}

/* ---- messages ---- */

static JsonNode *
roundtrip (JsonNode *node, HnControlMessageType expected)
{
  g_autofree gchar *text = hn_control_message_to_string (node);
  g_autoptr (GError) error = NULL;
  HnControlMessageType type = HN_CONTROL_MESSAGE_LAST;
  JsonNode *back = hn_control_message_parse (text, strlen (text), &type, &error);

  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpint (type, ==, expected);
  g_assert_cmpint (hn_control_message_peek_type (back), ==, expected);
  return back;
}

static const HnControlJoinMedia join_media = {
  .hub_rtp_port = 5000,
  .hub_rtcp_port = 5001,
  .program_video_rtcp_port = 5002,
  .program_audio_rtcp_port = 5003,
  .video_width = 160,
  .video_height = 120,
  .video_framerate = 15,
  .video_bitrate = 200,
  .audio_bitrate = 32,
};

static void
test_message_roundtrip (void)
{
  g_autoptr (JsonNode) hello = hn_control_message_new_hello (SITE_A, "t0k", "0.1.0", &media_a);
  g_autoptr (JsonNode) join =
      hn_control_message_new_join ("giao-ban-tuan", "Giao ban tuần", &join_media);
  g_autoptr (JsonNode) floor1 = hn_control_message_new_floor ("giao-ban-tuan", SITE_B);
  g_autoptr (JsonNode) floor0 = hn_control_message_new_floor ("giao-ban-tuan", NULL);
  g_autoptr (JsonNode) mute = hn_control_message_new_mute ("giao-ban-tuan", TRUE);
  g_autoptr (JsonNode) leave = hn_control_message_new_leave ("giao-ban-tuan");
  g_autoptr (JsonNode) welcome = hn_control_message_new_welcome (SITE_A, "0.1.0");
  g_autoptr (JsonObject) stats_obj = json_object_new ();
  g_autoptr (JsonNode) stats = NULL;
  g_autoptr (JsonNode) back = NULL;
  HnControlHelloMedia hm;
  HnControlJoinMedia jm;
  g_autofree gchar *text = NULL;

  back = roundtrip (hello, HN_CONTROL_MESSAGE_HELLO);
  g_assert_cmpstr (hn_control_message_get_site (back), ==, SITE_A);
  g_assert_cmpstr (hn_control_message_get_proof (back), ==, "t0k");
  g_assert_null (hn_control_message_get_token (back));
  g_assert_cmpstr (hn_control_message_get_version (back), ==, "0.1.0");
  hn_control_message_get_hello_media (back, &hm);
  g_assert_cmpmem (&hm, sizeof hm, &media_a, sizeof media_a);
  g_clear_pointer (&back, json_node_unref);

  back = roundtrip (join, HN_CONTROL_MESSAGE_JOIN);
  g_assert_cmpstr (hn_control_message_get_meeting (back), ==, "giao-ban-tuan");
  g_assert_cmpstr (hn_control_message_get_title (back), ==, "Giao ban tuần");
  hn_control_message_get_join_media (back, &jm);
  g_assert_cmpmem (&jm, sizeof jm, &join_media, sizeof join_media);
  text = hn_control_message_to_string (back);
  g_assert_nonnull (strstr (text, "\"video-size\":\"160x120\""));
  g_assert_null (strstr (text, "srtp"));
  g_clear_pointer (&back, json_node_unref);

  /* with SRTP keys: they come back as they went, from base64 */
  {
    HnControlJoinMedia keyed = join_media;
    g_autoptr (JsonNode) node = NULL;
    g_autofree gchar *keyed_text = NULL;

    keyed.srtp = TRUE;
    for (guint i = 0; i < HN_CONTROL_SRTP_KEY_SIZE; i++) {
      keyed.program_key[i] = i;
      keyed.return_key[i] = 0xff - i;
    }
    keyed.program_video_roc = 3;
    keyed.program_audio_roc = G_MAXUINT32;
    node = hn_control_message_new_join ("giao-ban-tuan", "t", &keyed);
    back = roundtrip (node, HN_CONTROL_MESSAGE_JOIN);
    hn_control_message_get_join_media (back, &jm);
    g_assert_cmpmem (&jm, sizeof jm, &keyed, sizeof keyed);
    keyed_text = hn_control_message_to_string (back);
    g_assert_nonnull (
        strstr (keyed_text, "\"program-key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\""));
    g_clear_pointer (&back, json_node_unref);
  }

  back = roundtrip (floor1, HN_CONTROL_MESSAGE_FLOOR);
  g_assert_cmpstr (hn_control_message_get_site (back), ==, SITE_B);
  g_clear_pointer (&back, json_node_unref);
  back = roundtrip (floor0, HN_CONTROL_MESSAGE_FLOOR);
  g_assert_null (hn_control_message_get_site (back));
  g_assert_cmpstr (hn_control_message_get_meeting (back), ==, "giao-ban-tuan");
  g_clear_pointer (&back, json_node_unref);

  back = roundtrip (mute, HN_CONTROL_MESSAGE_MUTE);
  g_assert_true (hn_control_message_get_muted (back));
  g_clear_pointer (&back, json_node_unref);
  back = roundtrip (leave, HN_CONTROL_MESSAGE_LEAVE);
  g_assert_cmpstr (hn_control_message_get_meeting (back), ==, "giao-ban-tuan");
  g_clear_pointer (&back, json_node_unref);
  back = roundtrip (welcome, HN_CONTROL_MESSAGE_WELCOME);
  g_assert_cmpstr (hn_control_message_get_version (back), ==, "0.1.0");
  g_clear_pointer (&back, json_node_unref);

  json_object_set_int_member (stats_obj, "loss-permille", 12);
  json_object_set_string_member (stats_obj, "anything", "goes");
  stats = hn_control_message_new_stats (stats_obj);
  back = roundtrip (stats, HN_CONTROL_MESSAGE_STATS);
  g_assert_cmpint (
      json_object_get_int_member (hn_control_message_get_stats (back), "loss-permille"), ==, 12);
  g_clear_pointer (&back, json_node_unref);

  for (HnControlMessageType t = 0; t < HN_CONTROL_MESSAGE_LAST; t++) {
    HnControlMessageType t2;

    g_assert_true (
        hn_control_message_type_from_string (hn_control_message_type_to_string (t), &t2));
    g_assert_cmpint (t, ==, t2);
  }
  for (guint i = 0; i < 3; i++) {
    static const HnControlMessageType bare[] = { HN_CONTROL_MESSAGE_FLOOR_REQUEST,
                                                 HN_CONTROL_MESSAGE_FLOOR_CANCEL,
                                                 HN_CONTROL_MESSAGE_KEYFRAME };
    g_autoptr (JsonNode) node = hn_control_message_new (bare[i]);

    g_clear_pointer (&back, json_node_unref);
    back = roundtrip (node, bare[i]);
  }
}

#define MEDIA_OK                                                                                   \
  "\"media\":{\"video-rtp-port\":5004,\"video-rtcp-port\":5005,\"audio-rtp-port\":5006,"           \
  "\"audio-rtcp-port\":5007,\"video-ssrc\":1,\"audio-ssrc\":2}"
#define STRING_65 "0123456789012345678901234567890123456789012345678901234567890123x"
#define HELLO_HEAD "{\"type\":\"hello\",\"site\":\"xa-dao-tru\",\"token\":\"t\",\"version\":\"1\","

static void
test_message_invalid (void)
{
  static const struct {
    const gchar *text;
    const gchar *message;
  } cases[] = {
    { "{\"type\":", "invalid JSON: " },
    { "[1,2]", "a message must be a JSON object" },
    { "{}", "a message must have a string member 'type'" },
    { "{\"type\":7}", "a message must have a string member 'type'" },
    { "{\"type\":\"dance\"}", "unknown message type 'dance'" },
    { "{\"type\":\"keyframe\",\"now\":true}", "'keyframe' message: unknown member 'now'" },
    { "{\"type\":\"leave\"}", "'leave' message: missing member 'meeting'" },
    /* a key that is not 30 bytes is refused, without repeating it */
    { "{\"type\":\"join\",\"meeting\":\"m\",\"title\":\"t\",\"media\":{\"hub-rtp-port\":1,"
      "\"hub-rtcp-port\":2,\"program-video-rtcp-port\":3,\"program-audio-rtcp-port\":4,"
      "\"video-size\":\"160x120\",\"video-framerate\":15,\"video-bitrate\":200,"
      "\"audio-bitrate\":32},\"srtp\":{\"program-key\":\"c2VjcmV0\",\"program-video-roc\":0,"
      "\"program-audio-roc\":0,\"return-key\":\"c2VjcmV0\"}}",
      "'join' message: member 'srtp.program-key' must be the base64 of a 30-byte SRTP key" },
    { "{\"type\":\"leave\",\"meeting\":\"\"}",
      "'leave' message: member 'meeting' must be a non-empty string" },
    { "{\"type\":\"mute\",\"meeting\":\"m\",\"muted\":1}",
      "'mute' message: member 'muted' must be true or false" },
    { "{\"type\":\"floor\",\"meeting\":\"m\",\"site\":\"Xa Dao Tru\"}",
      "'floor' message: member 'site' must be a site id or null" },
    { "{\"type\":\"stats\",\"stats\":[]}", "'stats' message: member 'stats' must be an object" },
    /* what a room measured: flat and short, as the hub keeps and serves it */
    { "{\"type\":\"stats\",\"stats\":{\"loss\":{\"video\":1}}}",
      "'stats' message: member 'stats' must be an object of at most 32 members" },
    { "{\"type\":\"stats\",\"stats\":{\"loss\":[1,2]}}",
      "'stats' message: member 'stats' must be an object of at most 32 members" },
    { "{\"type\":\"stats\",\"stats\":{\"decoder\":\"" STRING_65 "\"}}",
      "'stats' message: member 'stats' must be an object of at most 32 members" },
    { "{\"type\":\"stats\",\"stats\":{\"" STRING_65 "\":1}}",
      "'stats' message: member 'stats' must be an object of at most 32 members" },
    { HELLO_HEAD "\"colour\":\"red\"," MEDIA_OK "}", "'hello' message: unknown member 'colour'" },
    { HELLO_HEAD "\"media\":{}}", "'hello' message: missing member 'media.video-rtp-port'" },
    { HELLO_HEAD "\"media\":{\"video-rtp-port\":0,\"video-rtcp-port\":5005,\"audio-rtp-port\":"
                 "5006,\"audio-rtcp-port\":5007,\"video-ssrc\":1,\"audio-ssrc\":2}}",
      "'hello' message: member 'media.video-rtp-port' must be an integer from 1 to 65535" },
    { HELLO_HEAD "\"media\":{\"video-rtp-port\":65536,\"video-rtcp-port\":5005,\"audio-rtp-port\":"
                 "5006,\"audio-rtcp-port\":5007,\"video-ssrc\":1,\"audio-ssrc\":2}}",
      "'hello' message: member 'media.video-rtp-port' must be an integer from 1 to 65535" },
    { HELLO_HEAD "\"media\":{\"video-rtp-port\":\"5004\",\"video-rtcp-port\":5005,\"audio-rtp-"
                 "port\":5006,\"audio-rtcp-port\":5007,\"video-ssrc\":1,\"audio-ssrc\":2}}",
      "'hello' message: member 'media.video-rtp-port' must be an integer from 1 to 65535" },
    { HELLO_HEAD "\"media\":{\"video-rtp-port\":5004.5,\"video-rtcp-port\":5005,\"audio-rtp-"
                 "port\":5006,\"audio-rtcp-port\":5007,\"video-ssrc\":1,\"audio-ssrc\":2}}",
      "'hello' message: member 'media.video-rtp-port' must be an integer from 1 to 65535" },
    { HELLO_HEAD "\"media\":{\"video-rtp-port\":5004,\"video-rtcp-port\":5005,\"audio-rtp-port\":"
                 "5006,\"audio-rtcp-port\":5007,\"video-ssrc\":4294967296,\"audio-ssrc\":2}}",
      "'hello' message: member 'media.video-ssrc' must be an integer from 0 to 4294967295" },
    { HELLO_HEAD "\"media\":{\"video-rtp-port\":5004,\"video-rtcp-port\":5005,\"audio-rtp-port\":"
                 "5006,\"audio-rtcp-port\":5007,\"video-ssrc\":-1,\"audio-ssrc\":2}}",
      "'hello' message: member 'media.video-ssrc' must be an integer from 0 to 4294967295" },
    { HELLO_HEAD "\"media\":{\"video-rtp-port\":5004,\"video-rtcp-port\":5005,\"audio-rtp-port\":"
                 "5006,\"audio-rtcp-port\":5007,\"video-ssrc\":9,\"audio-ssrc\":9}}",
      "'hello' message: media.video-ssrc and media.audio-ssrc must differ" },
    { HELLO_HEAD "\"media\":{\"video-rtp-port\":5004,\"video-rtcp-port\":5005,\"audio-rtp-port\":"
                 "5006,\"audio-rtcp-port\":5007,\"video-ssrc\":1,\"audio-ssrc\":2,\"x\":1}}",
      "'hello' message: unknown member 'media.x'" },
    { "{\"type\":\"hello\",\"site\":\"xa-dao-tru\",\"token\":\"t\"," MEDIA_OK "}",
      "'hello' message: missing member 'version'" },
    { "{\"type\":\"join\",\"meeting\":\"m\",\"title\":\"\",\"media\":{\"hub-rtp-port\":5000,"
      "\"hub-rtcp-port\":5001,\"program-video-rtcp-port\":5002,\"program-audio-rtcp-port\":5003,"
      "\"video-size\":\"161x120\",\"video-framerate\":15,\"video-bitrate\":200,\"audio-bitrate\":"
      "32}}",
      "'join' message: member 'media.video-size' must be WIDTHxHEIGHT with even numbers" },
    { "{\"type\":\"join\",\"meeting\":\"m\",\"title\":\"\",\"media\":{\"hub-rtp-port\":5000,"
      "\"hub-rtcp-port\":5001,\"program-video-rtcp-port\":5002,\"program-audio-rtcp-port\":5003,"
      "\"video-size\":\"160x120\",\"video-framerate\":0,\"video-bitrate\":200,\"audio-bitrate\":"
      "32}}",
      "'join' message: member 'media.video-framerate' must be an integer from 1 to 60" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode) node = NULL;

    g_test_message ("%s", cases[i].text);
    node = hn_control_message_parse (cases[i].text, strlen (cases[i].text), NULL, &error);
    g_assert_null (node);
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
    g_assert_true (g_str_has_prefix (error->message, cases[i].message));
  }

  /* stats: 32 members, names and strings of 64 bytes pass; 33 members do not */
  {
    g_autoptr (GString) text = g_string_new ("{\"type\":\"stats\",\"stats\":{");
    g_autoptr (JsonNode) node = NULL;
    g_autoptr (GError) error = NULL;

    for (guint i = 0; i < HN_CONTROL_MAX_COUNTERS; i++)
      g_string_append_printf (text, "%s\"%063u\":\"%064u\"", i > 0 ? "," : "", i, i);
    g_string_append (text, "}}");
    node = hn_control_message_parse (text->str, text->len, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (json_object_get_size (hn_control_message_get_stats (node)), ==,
                      HN_CONTROL_MAX_COUNTERS);
    g_clear_pointer (&node, json_node_unref);
    g_string_truncate (text, text->len - 2);
    g_string_append (text, ",\"one-more\":null}}");
    node = hn_control_message_parse (text->str, text->len, NULL, &error);
    g_assert_null (node);
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
  }
  /* the limit is on the text, before parsing */
  {
    g_autoptr (GError) error = NULL;
    g_autofree gchar *big = g_strnfill (HN_CONTROL_MAX_MESSAGE_SIZE + 1, ' ');

    g_assert_null (hn_control_message_parse (big, strlen (big), NULL, &error));
    g_assert_error (error, HN_ERROR, HN_ERROR_PAYLOAD_TOO_LARGE);
  }
  /* a close reason is cut at a character, within 123 bytes */
  {
    g_autofree gchar *long_reason = g_strnfill (200, 'a');
    g_autofree gchar *cut = NULL;
    g_autoptr (GString) accents = g_string_new ("a");

    cut = hn_control_message_close_reason (long_reason);
    g_assert_cmpuint (strlen (cut), ==, 123);
    g_clear_pointer (&cut, g_free);
    for (guint i = 0; i < 80; i++)
      g_string_append (accents, "ầ"); /* 3 bytes */
    cut = hn_control_message_close_reason (accents->str);
    g_assert_cmpuint (strlen (cut), ==, 121);
    g_assert_true (g_utf8_validate (cut, -1, NULL));
  }
}

/* ---- the channel ---- */

static void
test_hello_welcome (Fixture *f, gconstpointer data)
{
  g_autoptr (Endpoint) e = endpoint_new (f, SITE_A, NULL, 0);
  const HnControlHelloMedia *hm;
  g_auto (GStrv) online = NULL;
  gint64 before = g_get_monotonic_time ();

  g_assert_false (hn_control_server_is_online (f->server, SITE_A));
  hn_control_client_start (e->client);
  WAIT_FOR (e->connected == 1 && has_event (f, "online:" SITE_A), 5000);

  g_assert_true (hn_control_client_is_connected (e->client));
  g_assert_null (hn_control_client_get_last_error (e->client));
  g_assert_cmpstr (hn_control_client_get_hub_version (e->client), ==, HN_VERSION);
  g_assert_true (hn_control_server_is_online (f->server, SITE_A));
  g_assert_false (hn_control_server_is_online (f->server, SITE_B));
  g_assert_cmpstr (hn_control_server_get_address (f->server, SITE_A), ==, "127.0.0.1");
  g_assert_cmpstr (hn_control_server_get_version (f->server, SITE_A), ==, HN_VERSION);
  g_assert_cmpint (hn_control_server_get_connected_time (f->server, SITE_A), >=, before);
  g_assert_cmpint (hn_control_server_get_connected_time (f->server, SITE_B), ==, 0);
  hm = hn_control_server_get_hello_media (f->server, SITE_A);
  g_assert_nonnull (hm);
  g_assert_cmpuint (hm->video_rtp_port, ==, 5004);
  g_assert_cmpuint (hm->audio_rtcp_port, ==, 5007);
  g_assert_cmpuint (hm->video_ssrc, ==, 0xdeadbeef);
  g_assert_cmpuint (hm->audio_ssrc, ==, 17);
  g_assert_null (hn_control_server_get_hello_media (f->server, SITE_B));
  online = hn_control_server_list_online (f->server);
  g_assert_cmpstrv (online, ((const gchar *const[]){ SITE_A, NULL }));
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_MESSAGE, SITE_A,
                                 "control: site xa-dao-tru online from 127.0.0.1 (hoinghi *)"),
                    ==, 1);

  /* a clean stop: the hub sees the site go */
  hn_control_client_stop (e->client);
  g_assert_cmpuint (e->disconnected, ==, 1);
  g_assert_false (hn_control_client_is_connected (e->client));
  WAIT_FOR (has_event (f, "offline:" SITE_A), 5000);
  g_assert_false (hn_control_server_is_online (f->server, SITE_A));
  g_assert_null (hn_control_server_get_address (f->server, SITE_A));
}

static void
test_wrong_token (Fixture *f, gconstpointer data)
{
  g_autoptr (Raw) r = raw_connect (f, HN_CONTROL_PROTOCOL);
  g_autoptr (Endpoint) e = endpoint_new (
      f, SITE_A, "0000000000000000000000000000000000000000000000000000000000000000", 0);

  /* by hand: the close code and reason */
  g_free (raw_hello (f, r, SITE_A, "not-the-token"));
  assert_closed_with (r, HN_CONTROL_CLOSE_AUTH_FAILED, "authentication failed");
  g_assert_cmpuint (r->texts->len, ==, 0);
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_WARNING, SITE_A,
                                 "control: refused site xa-dao-tru from 127.0.0.1: wrong token *"),
                    ==, 1);

  /* an endpoint keeps trying, and says so once */
  hn_control_client_set_backoff (e->client, 20, 50);
  hn_control_client_start (e->client);
  WAIT_FOR (count_logged (G_LOG_LEVEL_WARNING, "control: refused site xa-dao-tru *") >= 3, 5000);
  WAIT_FOR (g_strcmp0 (hn_control_client_get_last_error (e->client), "authentication failed") == 0,
            5000);
  hn_control_client_stop (e->client);
  g_clear_pointer (&r, raw_free);
  settle (f);
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_WARNING, SITE_A,
                                 "control: refused site xa-dao-tru from 127.0.0.1: wrong token *"),
                    >=, 3);
  g_assert_cmpuint (
      take_logged (G_LOG_LEVEL_WARNING, SITE_A,
                   "control: hub 127.0.0.1:* refused site xa-dao-tru: authentication failed (is "
                   "its token right?), retrying in *"),
      ==, 1);
  g_assert_cmpuint (e->connected, ==, 0);
  g_assert_cmpuint (f->events->len, ==, 0);
}

static void
test_unknown_site (Fixture *f, gconstpointer data)
{
  g_autoptr (Raw) r = raw_connect (f, HN_CONTROL_PROTOCOL);
  g_autoptr (Raw) r2 = raw_connect (f, HN_CONTROL_PROTOCOL);
  const gchar *const only_b[] = { SITE_B, NULL };

  /* the right HMAC for a site the configuration does not have */
  g_free (raw_hello (f, r, "xa-khong-co", NULL));
  assert_closed_with (r, HN_CONTROL_CLOSE_AUTH_FAILED, "authentication failed");
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_WARNING, "xa-khong-co",
                                 "control: refused site xa-khong-co from 127.0.0.1: unknown site"),
                    ==, 1);

  /* a site taken out of the configuration is disconnected */
  g_free (raw_hello (f, r2, SITE_A, NULL));
  WAIT_FOR (has_event (f, "online:" SITE_A), 5000);
  WAIT_FOR (r2->texts->len == 1, 5000);
  g_assert_true (g_str_has_prefix (r2->texts->pdata[0], "{\"type\":\"welcome\""));
  hn_control_server_set_known_sites (f->server, only_b);
  assert_closed_with (r2, HN_CONTROL_CLOSE_AUTH_FAILED, "authentication failed");
  g_assert_true (has_event (f, "offline:" SITE_A));
  g_assert_cmpuint (f->events->len, ==, 2);
}

static void
test_bad_messages (Fixture *f, gconstpointer data)
{
  g_autoptr (Endpoint) e = endpoint_new (f, SITE_B, NULL, 0);
  g_autofree gchar *big = NULL;
  static const struct {
    const gchar *text;
    const gchar *reason;
  } cases[] = {
    { "{not json", "invalid JSON: *" },
    { "{\"type\":\"dance\"}", "unknown message type 'dance'" },
    { "{\"type\":\"hello\",\"site\":\"xa-dao-tru\",\"token\":\"t\",\"version\":\"1\"}",
      "'hello' message: missing member 'media'" },
    { "{\"type\":\"floor-request\"}", "expected a hello, not a 'floor-request' message" },
    { "{\"type\":\"join\",\"meeting\":\"m\"}", "'join' message: missing member 'title'" },
  };

  hn_control_client_start (e->client);
  WAIT_FOR (has_event (f, "online:" SITE_B), 5000);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (Raw) r = raw_connect (f, HN_CONTROL_PROTOCOL);

    g_test_message ("sending %s", cases[i].text);
    soup_websocket_connection_send_text (r->ws, cases[i].text);
    WAIT_FOR (r->closed, 5000);
    g_assert_cmpuint (r->close_code, ==, HN_CONTROL_CLOSE_PROTOCOL);
    g_assert_true (g_pattern_match_simple (cases[i].reason, r->close_data));
  }
  /* a binary frame */
  {
    g_autoptr (Raw) r = raw_connect (f, HN_CONTROL_PROTOCOL);

    soup_websocket_connection_send_binary (r->ws, "\x01\x02", 2);
    assert_closed_with (r, HN_CONTROL_CLOSE_PROTOCOL,
                        "binary frames are not part of " HN_CONTROL_PROTOCOL);
  }
  /* no subprotocol */
  {
    g_autoptr (Raw) r = raw_connect (f, NULL);

    assert_closed_with (r, HN_CONTROL_CLOSE_PROTOCOL,
                        "subprotocol " HN_CONTROL_PROTOCOL " required");
  }
  /* too big: libsoup drops the connection without a close frame */
  {
    g_autoptr (Raw) r = raw_connect (f, HN_CONTROL_PROTOCOL);

    big = g_strnfill (HN_CONTROL_MAX_MESSAGE_SIZE + 1, ' ');
    soup_websocket_connection_send_text (r->ws, big);
    WAIT_FOR (r->closed, 5000);
    g_assert_cmpuint (r->close_code, !=, SOUP_WEBSOCKET_CLOSE_NORMAL);
  }
  /* after a site is in, an invalid message closes it too, with a warning */
  {
    g_autoptr (Raw) r = raw_connect (f, HN_CONTROL_PROTOCOL);

    g_free (raw_hello (f, r, SITE_A, NULL));
    WAIT_FOR (has_event (f, "online:" SITE_A), 5000);
    soup_websocket_connection_send_text (r->ws, "{\"type\":\"keyframe\"}");
    assert_closed_with (r, HN_CONTROL_CLOSE_PROTOCOL, "unexpected 'keyframe' message");
    g_assert_true (has_event (f, "offline:" SITE_A));
    g_assert_cmpuint (take_logged (G_LOG_LEVEL_WARNING, SITE_A,
                                   "control: closing the connection of site xa-dao-tru from "
                                   "127.0.0.1: unexpected 'keyframe' message"),
                      ==, 1);
  }

  /* meanwhile, the hub went on serving the other site */
  g_assert_true (hn_control_server_is_online (f->server, SITE_B));
  g_assert_false (has_event (f, "offline:" SITE_B));
  g_assert_cmpuint (e->disconnected, ==, 0);
  {
    g_autoptr (JsonNode) keyframe = hn_control_message_new (HN_CONTROL_MESSAGE_KEYFRAME);
    g_autoptr (GError) error = NULL;

    hn_control_server_send (f->server, SITE_B, keyframe, &error);
    g_assert_no_error (error);
    WAIT_FOR (e->messages->len == 1, 5000);
    g_assert_cmpint (hn_control_message_peek_type (e->messages->pdata[0]), ==,
                     HN_CONTROL_MESSAGE_KEYFRAME);
  }
}

/* A hello captured on one connection (proof of that connection's nonce)
 * is refused on the next, and logged as a replay with the address */
static void
test_replayed_hello (Fixture *f, gconstpointer data)
{
  g_autoptr (Raw) r = raw_connect (f, HN_CONTROL_PROTOCOL);
  g_autoptr (Raw) r2 = NULL;
  g_autoptr (Raw) r3 = NULL;
  g_autofree gchar *captured = NULL;
  g_autofree gchar *nonce = NULL;
  g_autofree gchar *token = hn_secrets_get_site_token (f->secrets, SITE_A);

  captured = raw_hello (f, r, SITE_A, NULL);
  WAIT_FOR (has_event (f, "online:" SITE_A), 5000);
  /* the token itself never crossed the wire */
  g_assert_null (strstr (captured, token));
  g_clear_pointer (&r, raw_free);
  WAIT_FOR (has_event (f, "offline:" SITE_A), 5000);

  /* the attacker's connection: a new challenge, the old hello */
  r2 = raw_connect (f, HN_CONTROL_PROTOCOL);
  nonce = raw_take_challenge (r2);
  soup_websocket_connection_send_text (r2->ws, captured);
  assert_closed_with (r2, HN_CONTROL_CLOSE_AUTH_FAILED, "authentication failed");
  g_assert_cmpuint (r2->texts->len, ==, 0);
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_WARNING, SITE_A,
                                 "control: refused site xa-dao-tru from 127.0.0.1: replayed hello "
                                 "(its proof was used before)"),
                    ==, 1);

  /* and again: refused each time */
  r3 = raw_connect (f, HN_CONTROL_PROTOCOL);
  g_free (raw_take_challenge (r3));
  soup_websocket_connection_send_text (r3->ws, captured);
  assert_closed_with (r3, HN_CONTROL_CLOSE_AUTH_FAILED, "authentication failed");
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_WARNING, SITE_A,
                                 "control: refused site xa-dao-tru from 127.0.0.1: *"),
                    ==, 1);
  g_assert_cmpuint (f->events->len, ==, 2);
}

/* A token-carrying hello of hoinghi-control-1 is refused by a hub that is
 * not a lab, and accepted by one that is (insecure=true) */
static void
test_legacy_hello (Fixture *f, gconstpointer data)
{
  g_autofree gchar *token = hn_secrets_get_site_token (f->secrets, SITE_A);
  g_autoptr (JsonNode) hello = hn_control_message_new_hello (SITE_A, "x", "0.9", &media_a);
  g_autofree gchar *text = NULL;
  JsonObject *o = json_node_get_object (hello);

  json_object_remove_member (o, "proof");
  json_object_set_string_member (o, "token", token);
  text = hn_control_message_to_string (hello);
  {
    g_autoptr (Raw) r = raw_connect (f, HN_CONTROL_PROTOCOL_LEGACY);

    assert_closed_with (r, HN_CONTROL_CLOSE_AUTH_FAILED, "authentication failed");
    g_assert_cmpuint (r->texts->len, ==, 0);
    g_assert_cmpuint (take_logged (G_LOG_LEVEL_WARNING, NULL,
                                   "control: refused a connection from 127.0.0.1: "
                                   "hoinghi-control-1 sends the site's token as it is*"),
                      ==, 1);
  }
  /* a token where a proof is due, on hoinghi-control-2 */
  {
    g_autoptr (Raw) r = raw_connect (f, HN_CONTROL_PROTOCOL);

    g_free (raw_take_challenge (r));
    soup_websocket_connection_send_text (r->ws, text);
    assert_closed_with (r, HN_CONTROL_CLOSE_AUTH_FAILED, "authentication failed");
    g_assert_cmpuint (take_logged (G_LOG_LEVEL_WARNING, SITE_A,
                                   "control: refused site xa-dao-tru from 127.0.0.1: a token "
                                   "instead of a proof*"),
                      ==, 1);
  }
  /* a lab hub: the old room speaks first, with its token, and is in */
  hn_control_server_set_insecure (f->server, TRUE);
  {
    g_autoptr (Raw) r = raw_connect (f, HN_CONTROL_PROTOCOL_LEGACY);

    soup_websocket_connection_send_text (r->ws, text);
    WAIT_FOR (has_event (f, "online:" SITE_A), 5000);
    WAIT_FOR (r->texts->len == 1, 5000);
    g_assert_true (g_str_has_prefix (r->texts->pdata[0], "{\"type\":\"welcome\""));
    g_assert_cmpuint (take_logged (G_LOG_LEVEL_MESSAGE, SITE_A,
                                   "control: site xa-dao-tru online from 127.0.0.1 (hoinghi 0.9, "
                                   "hoinghi-control-1)"),
                      ==, 1);
  }
}

/* An endpoint that pins another certificate refuses the hub, naming it
 * and the fingerprint it showed */
static void
test_wrong_pin (Fixture *f, gconstpointer data)
{
  g_autoptr (Endpoint) e = endpoint_new (f, SITE_A, NULL, 0);
  g_autofree gchar *other = NULL;
  g_autofree gchar *pattern = NULL;
  g_autoptr (Endpoint) plain = endpoint_new (f, SITE_B, NULL, 0);

  hn_test_make_certificate (f->dir, "other", &other);
  g_assert_cmpstr (other, !=, f->fingerprint);
  hn_control_client_set_tls (e->client, other, NULL);
  hn_control_client_set_backoff (e->client, 20, 50);
  hn_control_client_start (e->client);
  WAIT_FOR (hn_control_client_get_last_error (e->client) != NULL &&
                strstr (hn_control_client_get_last_error (e->client), "not the pinned") != NULL,
            5000);
  pattern = g_strdup_printf ("control: hub 127.0.0.1:%u: refusing it: its certificate %s is not "
                             "the pinned %s, retrying in *",
                             f->port, f->fingerprint, other);
  hn_control_client_stop (e->client);

  /* a room that speaks plain ws to a wss hub gets nowhere either */
  hn_control_client_set_insecure (plain->client);
  hn_control_client_set_backoff (plain->client, 20, 50);
  hn_control_client_start (plain->client);
  WAIT_FOR (hn_control_client_get_last_error (plain->client) != NULL, 5000);
  hn_control_client_stop (plain->client);
  settle (f);
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_WARNING, SITE_A, pattern), ==, 1);
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_WARNING, SITE_B, "control: hub 127.0.0.1:* *"), ==, 1);
  g_assert_cmpuint (e->connected + plain->connected, ==, 0);
  g_assert_cmpuint (f->events->len, ==, 0);
}

static void
run_openssl (const gchar *dir, const gchar *const *args)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;

  g_subprocess_launcher_set_cwd (launcher, dir);
  proc = g_subprocess_launcher_spawnv (launcher, args, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (proc, NULL, &error);
  g_assert_no_error (error);
}

/* hub-ca=: a hub whose certificate a CA signed for 127.0.0.1 is trusted by
 * a room that has the CA, and refused by a room that has another */
static void
test_hub_ca (Fixture *f, gconstpointer data)
{
  const gchar *ca[] = { "openssl",
                        "req",
                        "-x509",
                        "-newkey",
                        "ec",
                        "-pkeyopt",
                        "ec_paramgen_curve:P-256",
                        "-nodes",
                        "-days",
                        "2",
                        "-subj",
                        "/CN=hoinghi-test-ca",
                        "-keyout",
                        "ca.key",
                        "-out",
                        "ca.crt",
                        NULL };
  const gchar *csr[] = { "openssl",
                         "req",
                         "-newkey",
                         "ec",
                         "-pkeyopt",
                         "ec_paramgen_curve:P-256",
                         "-nodes",
                         "-subj",
                         "/CN=hoinghi-test-hub",
                         "-addext",
                         "subjectAltName=IP:127.0.0.1",
                         "-keyout",
                         "signed.key",
                         "-out",
                         "signed.csr",
                         NULL };
  const gchar *sign[] = { "openssl",
                          "x509",
                          "-req",
                          "-in",
                          "signed.csr",
                          "-CA",
                          "ca.crt",
                          "-CAkey",
                          "ca.key",
                          "-CAcreateserial",
                          "-days",
                          "2",
                          "-copy_extensions",
                          "copyall",
                          "-out",
                          "signed.crt",
                          NULL };
  g_autofree gchar *ca_path = g_build_filename (f->dir, "ca.crt", NULL);
  g_autofree gchar *crt = g_build_filename (f->dir, "signed.crt", NULL);
  g_autofree gchar *key = g_build_filename (f->dir, "signed.key", NULL);
  g_autofree gchar *other_path = g_build_filename (f->dir, "hub.crt", NULL);
  g_autoptr (GTlsCertificate) signed_tls = NULL;
  g_autoptr (GTlsDatabase) right = NULL;
  g_autoptr (GTlsDatabase) wrong = NULL;
  g_autoptr (HnControlServer) server = NULL;
  g_autoptr (Endpoint) e = NULL;
  g_autoptr (Endpoint) refused = NULL;
  g_autoptr (GError) error = NULL;
  guint port;

  run_openssl (f->dir, ca);
  run_openssl (f->dir, csr);
  run_openssl (f->dir, sign);
  signed_tls = g_tls_certificate_new_from_files (crt, key, &error);
  g_assert_no_error (error);
  right = g_tls_file_database_new (ca_path, &error);
  g_assert_no_error (error);
  /* the fixture's self-signed certificate as a CA: it signed nothing here */
  wrong = g_tls_file_database_new (other_path, &error);
  g_assert_no_error (error);

  server = hn_control_server_new (f->secrets);
  hn_control_server_set_tls (server, signed_tls);
  hn_control_server_set_known_sites (server, known_sites);
  hn_control_server_listen (server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  port = hn_control_server_get_port (server);

  e = endpoint_new (f, SITE_A, NULL, port);
  hn_control_client_set_tls (e->client, NULL, right);
  hn_control_client_start (e->client);
  WAIT_FOR (e->connected == 1, 5000);

  refused = endpoint_new (f, SITE_B, NULL, port);
  hn_control_client_set_tls (refused->client, NULL, wrong);
  hn_control_client_set_backoff (refused->client, 20, 50);
  hn_control_client_start (refused->client);
  WAIT_FOR (hn_control_client_get_last_error (refused->client) != NULL, 5000);
  g_assert_nonnull (strstr (hn_control_client_get_last_error (refused->client), "refusing it"));
  g_assert_cmpuint (refused->connected, ==, 0);

  hn_control_client_stop (e->client);
  hn_control_client_stop (refused->client);
  hn_control_server_close (server);
  settle (f);
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_WARNING, SITE_B,
                                 "control: hub 127.0.0.1:*: refusing "
                                 "it: *"),
                    ==, 1);
}

/* rotate-secret: the old token stops working, the new one works, and the
 * generation survives the hub's restart */
static void
test_rotate_secret (Fixture *f, gconstpointer data)
{
  g_autofree gchar *old = hn_secrets_get_site_token (f->secrets, SITE_A);
  g_autofree gchar *fresh = NULL;
  g_autofree gchar *again = NULL;
  g_autofree gchar *key = g_build_filename (f->dir, "control.key", NULL);
  g_autofree gchar *b = hn_secrets_get_site_token (f->secrets, SITE_B);
  g_autofree gchar *b_after = NULL;
  g_autoptr (HnSecrets) reloaded = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (Endpoint) stale = NULL;
  g_autoptr (Endpoint) e = NULL;

  g_assert_cmpuint (hn_secrets_get_site_generation (f->secrets, SITE_A), ==, 0);
  fresh = hn_secrets_rotate_site (f->secrets, SITE_A, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fresh, !=, old);
  g_assert_cmpuint (hn_secrets_get_site_generation (f->secrets, SITE_A), ==, 1);
  g_assert_false (hn_secrets_check_site_token (f->secrets, SITE_A, old));
  g_assert_true (hn_secrets_check_site_token (f->secrets, SITE_A, fresh));
  /* the other sites keep theirs */
  b_after = hn_secrets_get_site_token (f->secrets, SITE_B);
  g_assert_cmpstr (b, ==, b_after);

  reloaded = hn_secrets_new_from_file (key, FALSE, &error);
  g_assert_no_error (error);
  again = hn_secrets_get_site_token (reloaded, SITE_A);
  g_assert_cmpstr (again, ==, fresh);

  stale = endpoint_new (f, SITE_A, old, 0);
  hn_control_client_set_backoff (stale->client, 20, 50);
  hn_control_client_start (stale->client);
  WAIT_FOR (g_strcmp0 (hn_control_client_get_last_error (stale->client), "authentication failed") ==
                0,
            5000);
  hn_control_client_stop (stale->client);
  e = endpoint_new (f, SITE_A, fresh, 0);
  hn_control_client_start (e->client);
  WAIT_FOR (e->connected == 1, 5000);
  hn_control_client_stop (e->client);
  settle (f);
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_WARNING, SITE_A, "control: refused site *"), >=, 1);
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_WARNING, SITE_A, "control: hub * refused site *"), ==,
                    1);
}

static void
test_hello_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr (Raw) r = NULL;
  gint64 start;

  hn_control_server_set_hello_timeout (f->server, 200);
  start = g_get_monotonic_time ();
  r = raw_connect (f, HN_CONTROL_PROTOCOL);
  assert_closed_with (r, HN_CONTROL_CLOSE_PROTOCOL, "no hello within 200 ms");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 200 * 1000);
  g_assert_cmpuint (f->events->len, ==, 0);
}

static void
test_join (Fixture *f, gconstpointer data)
{
  g_autoptr (Endpoint) e = endpoint_new (f, SITE_A, NULL, 0);
  g_autoptr (JsonNode) join = hn_control_message_new_join ("giao-ban", "Giao ban", &join_media);
  g_autoptr (JsonNode) mute = hn_control_message_new_mute ("giao-ban", FALSE);
  g_autoptr (JsonNode) hello = hn_control_message_new_hello (SITE_A, "x", "1", &media_a);
  g_autoptr (GError) error = NULL;
  HnControlJoinMedia jm;
  JsonNode *got;

  hn_control_client_start (e->client);
  WAIT_FOR (e->connected == 1, 5000);
  g_assert_true (hn_control_server_send (f->server, SITE_A, join, &error));
  g_assert_no_error (error);
  g_assert_true (hn_control_server_send (f->server, SITE_A, mute, &error));
  g_assert_no_error (error);
  WAIT_FOR (e->messages->len == 2, 5000);

  got = e->messages->pdata[0];
  g_assert_cmpint (hn_control_message_peek_type (got), ==, HN_CONTROL_MESSAGE_JOIN);
  g_assert_cmpstr (hn_control_message_get_meeting (got), ==, "giao-ban");
  g_assert_cmpstr (hn_control_message_get_title (got), ==, "Giao ban");
  hn_control_message_get_join_media (got, &jm);
  g_assert_cmpmem (&jm, sizeof jm, &join_media, sizeof join_media);
  got = e->messages->pdata[1];
  g_assert_cmpint (hn_control_message_peek_type (got), ==, HN_CONTROL_MESSAGE_MUTE);
  g_assert_false (hn_control_message_get_muted (got));

  /* the hub sends only the hub's messages */
  g_assert_false (hn_control_server_send (f->server, SITE_A, hello, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
}

static void
test_floor_request (Fixture *f, gconstpointer data)
{
  g_autoptr (Endpoint) e = endpoint_new (f, SITE_B, NULL, 0);
  g_autoptr (JsonNode) request = hn_control_message_new (HN_CONTROL_MESSAGE_FLOOR_REQUEST);
  g_autoptr (JsonNode) leave = hn_control_message_new_leave ("m");
  g_autoptr (JsonObject) stats_obj = json_object_new ();
  g_autoptr (JsonNode) stats = NULL;
  g_autoptr (GError) error = NULL;

  /* not yet connected */
  g_assert_false (hn_control_client_send (e->client, request, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  hn_control_client_start (e->client);
  WAIT_FOR (hn_control_client_is_connected (e->client), 5000);
  g_assert_true (hn_control_client_send (e->client, request, &error));
  g_assert_no_error (error);
  WAIT_FOR (f->messages->len == 1, 5000);
  g_assert_cmpstr (f->messages->pdata[0], ==, SITE_B ":floor-request");

  json_object_set_int_member (stats_obj, "jitter-ms", 4);
  stats = hn_control_message_new_stats (stats_obj);
  g_assert_true (hn_control_client_send (e->client, stats, &error));
  g_assert_no_error (error);
  WAIT_FOR (f->messages->len == 2, 5000);
  g_assert_cmpstr (f->messages->pdata[1], ==, SITE_B ":stats");
  g_assert_cmpint (
      json_object_get_int_member (hn_control_message_get_stats (f->last_message), "jitter-ms"), ==,
      4);

  /* an endpoint sends only the endpoint's messages */
  g_assert_false (hn_control_client_send (e->client, leave, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
}

static void
test_reconnect (Fixture *f, gconstpointer data)
{
  g_autoptr (Endpoint) e = endpoint_new (f, SITE_A, NULL, 0);
  gint64 gap;

  /* the default delays: the first retry after 0.5 s ±25% */
  hn_control_client_start (e->client);
  WAIT_FOR (e->connected == 1, 5000);
  g_assert_true (hn_control_server_disconnect (f->server, SITE_A));
  g_assert_false (hn_control_server_disconnect (f->server, SITE_B));
  g_assert_true (has_event (f, "offline:" SITE_A));
  WAIT_FOR (e->connected == 2 && f->events->len == 3, 5000);
  g_assert_cmpuint (e->disconnected, ==, 1);
  g_assert_cmpstr (f->events->pdata[2], ==, "online:" SITE_A);
  gap = (f->online_usec - f->offline_usec) / 1000;
  g_test_message ("back online after %" G_GINT64_FORMAT " ms", gap);
  g_assert_cmpint (gap, >=, 375);
  /* the delay, then a TLS handshake: seconds under valgrind */
  g_assert_cmpint (gap, <, 1200 * hn_test_slowdown ());
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_MESSAGE, SITE_A,
                                 "control: connection to hub 127.0.0.1:* lost: closed by the hub: "
                                 "disconnected by the hub (code 1000), reconnecting in ??? ms"),
                    ==, 1);
}

static void
test_replace (Fixture *f, gconstpointer data)
{
  g_autoptr (Raw) r = raw_connect (f, HN_CONTROL_PROTOCOL);
  g_autoptr (Endpoint) e = endpoint_new (f, SITE_A, NULL, 0);
  g_autofree gchar *events = NULL;

  g_free (raw_hello (f, r, SITE_A, NULL));
  WAIT_FOR (has_event (f, "online:" SITE_A), 5000);
  hn_control_client_start (e->client);
  WAIT_FOR (e->connected == 1, 5000);
  assert_closed_with (r, HN_CONTROL_CLOSE_REPLACED, "replaced by a new connection");
  events = join_events (f);
  g_assert_cmpstr (events, ==, "online:xa-dao-tru offline:xa-dao-tru online:xa-dao-tru");
  g_assert_true (hn_control_server_is_online (f->server, SITE_A));
  g_assert_cmpstr (hn_control_server_get_version (f->server, SITE_A), ==, HN_VERSION);
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_MESSAGE, SITE_A,
                                 "control: site xa-dao-tru offline: replaced by a new connection "
                                 "from 127.0.0.1"),
                    ==, 1);
}

static void
test_send_offline (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) leave = hn_control_message_new_leave ("giao-ban");
  g_autoptr (JsonNode) bad = hn_control_message_new_leave ("");
  g_autoptr (GError) error = NULL;

  g_assert_false (hn_control_server_send (f->server, SITE_A, leave, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE);
  g_assert_cmpstr (error->message, ==, "site xa-dao-tru is not connected");
  g_clear_error (&error);
  g_assert_false (hn_control_server_send (f->server, SITE_A, bad, &error));
  g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
}

static void
test_server_restart (Fixture *f, gconstpointer data)
{
  g_autoptr (Endpoint) e = endpoint_new (f, SITE_A, NULL, 0);

  hn_control_client_set_backoff (e->client, 20, 100);
  hn_control_client_start (e->client);
  WAIT_FOR (e->connected == 1, 5000);

  hn_control_server_close (f->server);
  g_assert_true (has_event (f, "offline:" SITE_A));
  g_clear_object (&f->server);
  WAIT_FOR (e->disconnected == 1, 5000);
  /* it keeps trying; one warning, then the repeats at debug level */
  WAIT_FOR (count_logged (G_LOG_LEVEL_DEBUG, "control: hub 127.0.0.1:* unreachable: *") >= 3, 5000);
  g_assert_false (hn_control_client_is_connected (e->client));
  g_assert_nonnull (hn_control_client_get_last_error (e->client));

  f->server = fixture_server_new (f, f->port);
  WAIT_FOR (e->connected == 2, 5000);
  g_assert_true (hn_control_server_is_online (f->server, SITE_A));
  g_assert_cmpuint (
      take_logged (G_LOG_LEVEL_WARNING, SITE_A, "control: hub 127.0.0.1:* unreachable: *"), ==, 1);
}

/* ---- a TCP relay that can stop relaying, as a cut cable does ---- */

typedef struct _Relay Relay;

typedef struct {
  Relay *relay;
  GSocketConnection *down; /* from the endpoint */
  GSocketConnection *up;   /* to the hub */
  gboolean frozen;
} RelayPair;

typedef struct {
  RelayPair *pair;
  GInputStream *in;
  GOutputStream *out;
  GBytes *writing;
} RelayPump;

struct _Relay {
  GSocketService *service;
  guint port;
  guint target_port;
  GCancellable *cancellable;
  GPtrArray *pairs;
  GPtrArray *pumps;
  guint pending; /* async operations under way */
};

static void relay_pump_read (RelayPump *pump);

static void
relay_pump_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RelayPump *pump = user_data;
  g_autoptr (GError) error = NULL;

  pump->pair->relay->pending--;
  g_clear_pointer (&pump->writing, g_bytes_unref);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    return;
  relay_pump_read (pump);
}

static void
relay_pump_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RelayPump *pump = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  gsize len = 0;
  gconstpointer data;

  pump->pair->relay->pending--;
  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (bytes == NULL || g_bytes_get_size (bytes) == 0) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_io_stream_close (G_IO_STREAM (pump->pair->down), NULL, NULL);
      g_io_stream_close (G_IO_STREAM (pump->pair->up), NULL, NULL);
    }
    return;
  }
  /* frozen: what was sent is lost, and nothing more is read */
  if (pump->pair->frozen)
    return;
  pump->writing = g_steal_pointer (&bytes);
  data = g_bytes_get_data (pump->writing, &len);
  pump->pair->relay->pending++;
  g_output_stream_write_all_async (pump->out, data, len, G_PRIORITY_DEFAULT,
                                   pump->pair->relay->cancellable, relay_pump_written_cb, pump);
}

static void
relay_pump_read (RelayPump *pump)
{
  pump->pair->relay->pending++;
  g_input_stream_read_bytes_async (pump->in, 16384, G_PRIORITY_DEFAULT,
                                   pump->pair->relay->cancellable, relay_pump_read_cb, pump);
}

static gboolean
relay_incoming_cb (GSocketService *service,
                   GSocketConnection *down,
                   GObject *source,
                   gpointer user_data)
{
  Relay *relay = user_data;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  RelayPair *pair = g_new0 (RelayPair, 1);

  pair->relay = relay;
  pair->down = g_object_ref (down);
  pair->up =
      g_socket_client_connect_to_host (client, "127.0.0.1", relay->target_port, NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_add (relay->pairs, pair);
  for (guint i = 0; i < 2; i++) {
    RelayPump *pump = g_new0 (RelayPump, 1);

    pump->pair = pair;
    pump->in = g_io_stream_get_input_stream (G_IO_STREAM (i == 0 ? pair->down : pair->up));
    pump->out = g_io_stream_get_output_stream (G_IO_STREAM (i == 0 ? pair->up : pair->down));
    g_ptr_array_add (relay->pumps, pump);
    relay_pump_read (pump);
  }
  return TRUE;
}

static void
relay_pair_free (RelayPair *pair)
{
  g_io_stream_close (G_IO_STREAM (pair->down), NULL, NULL);
  g_io_stream_close (G_IO_STREAM (pair->up), NULL, NULL);
  g_object_unref (pair->down);
  g_object_unref (pair->up);
  g_free (pair);
}

static Relay *
relay_new (guint target_port)
{
  Relay *relay = g_new0 (Relay, 1);
  g_autoptr (GError) error = NULL;

  relay->target_port = target_port;
  relay->cancellable = g_cancellable_new ();
  relay->pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) relay_pair_free);
  relay->pumps = g_ptr_array_new_with_free_func (g_free);
  relay->service = g_socket_service_new ();
  relay->port =
      g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (relay->service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (relay->service, "incoming", G_CALLBACK (relay_incoming_cb), relay);
  g_socket_service_start (relay->service);
  return relay;
}

static void
relay_freeze (Relay *relay)
{
  for (guint i = 0; i < relay->pairs->len; i++)
    ((RelayPair *) relay->pairs->pdata[i])->frozen = TRUE;
}

static void
relay_free (Relay *relay)
{
  g_socket_service_stop (relay->service);
  g_socket_listener_close (G_SOCKET_LISTENER (relay->service));
  g_object_unref (relay->service);
  g_cancellable_cancel (relay->cancellable);
  WAIT_FOR (relay->pending == 0, 5000);
  g_ptr_array_unref (relay->pumps);
  g_ptr_array_unref (relay->pairs);
  g_object_unref (relay->cancellable);
  g_free (relay);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Relay, relay_free)

static void
test_liveness (Fixture *f, gconstpointer data)
{
  g_autoptr (Relay) relay = NULL;
  g_autoptr (Endpoint) e = NULL;
  gint64 frozen_at;

  /* a fresh server: keepalive settings apply to new connections */
  hn_control_server_set_keepalive (f->server, 1);
  relay = relay_new (f->port);
  e = endpoint_new (f, SITE_A, NULL, relay->port);
  hn_control_client_set_keepalive (e->client, 1);
  hn_control_client_set_backoff (e->client, 20, 100);
  hn_control_client_start (e->client);
  WAIT_FOR (e->connected == 1 && has_event (f, "online:" SITE_A), 5000);

  /* the link goes dead without a FIN: both ends notice after three
   * silent intervals, and the endpoint comes back on a new connection */
  relay_freeze (relay);
  frozen_at = g_get_monotonic_time ();
  WAIT_FOR (has_event (f, "offline:" SITE_A) && e->disconnected == 1, 8000);
  g_assert_cmpint (g_get_monotonic_time () - frozen_at, >=, 2 * G_USEC_PER_SEC);
  WAIT_FOR (e->connected == 2 && hn_control_server_is_online (f->server, SITE_A), 8000);
  /* the hub either noticed the silence itself or was beaten to it by the
   * endpoint's new connection */
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_MESSAGE, SITE_A,
                                 "control: site xa-dao-tru offline: nothing heard for ? s") +
                        take_logged (G_LOG_LEVEL_MESSAGE, SITE_A,
                                     "control: site xa-dao-tru offline: replaced by a new "
                                     "connection from 127.0.0.1"),
                    ==, 1);
  g_assert_cmpuint (take_logged (G_LOG_LEVEL_MESSAGE, SITE_A,
                                 "control: connection to hub * lost: nothing heard for ? s, "
                                 "reconnecting in *"),
                    ==, 1);
  g_clear_pointer (&e, endpoint_free);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  logged = g_ptr_array_new_with_free_func ((GDestroyNotify) logged_free);
  g_log_set_writer_func (test_log_writer, NULL, NULL);

  g_test_add_func ("/hn/control/secrets/token", test_secrets_token);
  g_test_add_func ("/hn/control/secrets/file", test_secrets_file);
  g_test_add_func ("/hn/control/message/roundtrip", test_message_roundtrip);
  g_test_add_func ("/hn/control/message/invalid", test_message_invalid);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/hn/control/replayed-hello", test_replayed_hello);
  ADD ("/hn/control/legacy-hello", test_legacy_hello);
  ADD ("/hn/control/wrong-pin", test_wrong_pin);
  ADD ("/hn/control/hub-ca", test_hub_ca);
  ADD ("/hn/control/rotate-secret", test_rotate_secret);
  ADD ("/hn/control/hello-welcome", test_hello_welcome);
  ADD ("/hn/control/wrong-token", test_wrong_token);
  ADD ("/hn/control/unknown-site", test_unknown_site);
  ADD ("/hn/control/bad-messages", test_bad_messages);
  ADD ("/hn/control/hello-timeout", test_hello_timeout);
  ADD ("/hn/control/join", test_join);
  ADD ("/hn/control/floor-request", test_floor_request);
  ADD ("/hn/control/reconnect", test_reconnect);
  ADD ("/hn/control/replace", test_replace);
  ADD ("/hn/control/send-offline", test_send_offline);
  ADD ("/hn/control/server-restart", test_server_restart);
  ADD ("/hn/control/liveness", test_liveness);
#undef ADD

  return g_test_run ();
}

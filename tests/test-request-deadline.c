/* Fixture: HnRequestDeadline on an in-process SoupServer on 127.0.0.1
 * port 0, with a 300 ms deadline. A client that sends half a request is
 * cut off after the deadline (its next read sees the end); one that makes
 * its request in time is answered and no longer watched, so it may keep
 * its connection (keep-alive, event streams) as long as it likes. */

#include <libsoup/soup.h>
#include <string.h>

#include "hn-request-deadline.h"

#define DEADLINE_MS 300

typedef struct {
  SoupServer *server;
  HnRequestDeadline *deadline;
  GSocketService *service;
  guint16 port;
} Fixture;

static void
handler_cb (SoupServer *server,
            SoupServerMessage *msg,
            const char *path,
            GHashTable *query,
            gpointer user_data)
{
  /* /events answers nothing yet, as an event stream waits for events */
  if (g_str_equal (path, "/events")) {
    soup_server_message_pause (msg);
    return;
  }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "ok", 2);
}

static gboolean
incoming_cb (GSocketService *service,
             GSocketConnection *connection,
             GObject *source,
             gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr (GError) error = NULL;

  hn_request_deadline_watch (f->deadline, connection, remote);
  g_assert_true (
      soup_server_accept_iostream (f->server, G_IO_STREAM (connection), local, remote, &error));
  return TRUE;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, "/", handler_cb, f, NULL);
  f->deadline = hn_request_deadline_new (f->server, "test", DEADLINE_MS);
  f->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (f->service), any, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  f->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (f->service, "incoming", G_CALLBACK (incoming_cb), f);
  g_socket_service_start (f->service);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_socket_service_stop (f->service);
  g_socket_listener_close (G_SOCKET_LISTENER (f->service));
  g_clear_object (&f->service);
  g_clear_object (&f->deadline);
  g_clear_object (&f->server);
}

typedef struct {
  gboolean done;
  gssize n;
  gint64 at;
  gchar buf[256];
} Read;

static void
read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Read *r = user_data;

  r->n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  r->at = g_get_monotonic_time ();
  r->done = TRUE;
}

static GSocketConnection *
client_send (Fixture *f, const gchar *text)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  GSocketConnection *c =
      g_socket_client_connect_to_host (client, "127.0.0.1", f->port, NULL, &error);

  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (c)), text, strlen (text),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  return c;
}

/* runs the main loop until the client's read completes or @timeout_ms */
static void
read_wait (GSocketConnection *c, Read *r, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (c)), r->buf,
                             sizeof r->buf - 1, G_PRIORITY_DEFAULT, NULL, read_cb, r);
  while (!r->done && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
}

static void
test_half_request_is_cut_off (Fixture *f, gconstpointer data)
{
  g_autoptr (GSocketConnection) c = NULL;
  Read r = { 0 };
  gint64 start;

  c = client_send (f, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
  start = g_get_monotonic_time ();
  read_wait (c, &r, 5 * DEADLINE_MS);
  g_assert_true (r.done);
  g_assert_cmpint (r.n, ==, 0); /* the end: closed by the server */
  g_test_message ("cut off after %" G_GINT64_FORMAT " ms (deadline %d ms)", (r.at - start) / 1000,
                  DEADLINE_MS);
  /* not before the deadline (how late depends on the machine's load: the
   * sweep runs every quarter of it; read_wait gave up after five) */
  g_assert_cmpint ((r.at - start) / 1000, >=, DEADLINE_MS - 20);
  g_assert_cmpuint (hn_request_deadline_get_pending (f->deadline), ==, 0);
}

static void
test_request_in_time_is_kept (Fixture *f, gconstpointer data)
{
  g_autoptr (GSocketConnection) c = NULL;
  g_autoptr (GSocketConnection) events = NULL;
  Read r = { 0 };
  Read waiting = { 0 };

  c = client_send (f, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  read_wait (c, &r, 2000);
  g_assert_true (r.done);
  g_assert_cmpint (r.n, >, 0);
  g_assert_true (g_str_has_prefix (r.buf, "HTTP/1.1 200"));
  /* a request that waits for its answer, as an event stream does: still
   * open after three deadlines */
  events = client_send (f, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  read_wait (events, &waiting, 3 * DEADLINE_MS);
  g_assert_false (waiting.done);
  g_assert_cmpuint (hn_request_deadline_get_pending (f->deadline), ==, 0);
  g_io_stream_close (G_IO_STREAM (events), NULL, NULL);
  /* let the read finish before its buffer goes */
  while (!waiting.done)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/hn/request-deadline/half-request-cut-off", Fixture, NULL, fixture_setup,
              test_half_request_is_cut_off, fixture_teardown);
  g_test_add ("/hn/request-deadline/request-in-time-kept", Fixture, NULL, fixture_setup,
              test_request_in_time_is_kept, fixture_teardown);
  return g_test_run ();
}

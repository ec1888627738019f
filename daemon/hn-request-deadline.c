/* HnRequestDeadline: closes TCP connections that do not send a complete
 * request in time. libsoup 3.2's server waits for a request's headers (and
 * body) for ever, so a client that connects and then sends half a request,
 * or nothing (slowloris), would hold a file descriptor of the hub for as
 * long as it likes; a few thousand of them and no room could connect. Each
 * accepted connection is given HN_REQUEST_TIMEOUT_MS to have its first
 * request read (SoupServer::request-read, which for the control channel is
 * the WebSocket upgrade; the hello then has its own timeout); one that has
 * not is closed, and the journal says how many and from where.
 *
 * Connections are told apart by their remote address and port, so this is
 * for TCP listeners only (every client of a Unix socket has the same,
 * empty, address). A connection that made its first request is no longer
 * watched: the API's event streams stay open on purpose. */

#define G_LOG_DOMAIN "hoinghi-api"

#include "hn-request-deadline.h"

typedef struct {
  GIOStream *stream;
  gint64 deadline_us;
} HnPendingConnection;

struct _HnRequestDeadline {
  GObject parent_instance;

  SoupServer *server;
  gchar *what;
  guint timeout_ms;
  GHashTable *pending; /* "ADDRESS:PORT" -> HnPendingConnection */
  gulong request_read_id;
  guint sweep_id;
};

G_DEFINE_FINAL_TYPE (HnRequestDeadline, hn_request_deadline, G_TYPE_OBJECT)

static void
hn_pending_connection_free (HnPendingConnection *pending)
{
  g_object_unref (pending->stream);
  g_free (pending);
}

static void
hn_request_deadline_dispose (GObject *object)
{
  HnRequestDeadline *self = HN_REQUEST_DEADLINE (object);

  if (self->server != NULL)
    g_clear_signal_handler (&self->request_read_id, self->server);
  g_clear_object (&self->server);
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_hash_table_remove_all (self->pending);
  G_OBJECT_CLASS (hn_request_deadline_parent_class)->dispose (object);
}

static void
hn_request_deadline_finalize (GObject *object)
{
  HnRequestDeadline *self = HN_REQUEST_DEADLINE (object);

  g_hash_table_unref (self->pending);
  g_free (self->what);
  G_OBJECT_CLASS (hn_request_deadline_parent_class)->finalize (object);
}

static void
hn_request_deadline_class_init (HnRequestDeadlineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hn_request_deadline_dispose;
  object_class->finalize = hn_request_deadline_finalize;
}

static void
hn_request_deadline_init (HnRequestDeadline *self)
{
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) hn_pending_connection_free);
}

static void
hn_request_deadline_request_read_cb (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  HnRequestDeadline *self = user_data;
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  g_autofree gchar *key = NULL;

  if (remote == NULL || g_hash_table_size (self->pending) == 0)
    return;
  key = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (remote));
  g_hash_table_remove (self->pending, key);
}

static gboolean
hn_request_deadline_sweep_cb (gpointer user_data)
{
  HnRequestDeadline *self = user_data;
  g_autoptr (GString) from = g_string_new (NULL);
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  HnPendingConnection *pending;
  const gchar *key;
  guint closed = 0;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &pending)) {
    if (pending->deadline_us > now)
      continue;
    if (closed < 3)
      g_string_append_printf (from, "%s%s", closed > 0 ? ", " : "", key);
    closed++;
    /* libsoup, which reads from it, sees it closed and lets it go */
    g_io_stream_close_async (pending->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
    g_hash_table_iter_remove (&iter);
  }
  if (closed > 0)
    g_message ("%s: closed %u connection%s that sent no complete request within %u ms (%s%s)",
               self->what, closed, closed == 1 ? "" : "s", self->timeout_ms, from->str,
               closed > 3 ? ", ..." : "");
  if (g_hash_table_size (self->pending) > 0)
    return G_SOURCE_CONTINUE;
  self->sweep_id = 0;
  return G_SOURCE_REMOVE;
}

/**
 * hn_request_deadline_new:
 * @server: the server the connections are handed to
 * @what: how the journal names the listener ("control channel", "API")
 * @timeout_ms: how long a connection has for its first request
 */
HnRequestDeadline *
hn_request_deadline_new (SoupServer *server, const gchar *what, guint timeout_ms)
{
  HnRequestDeadline *self;

  g_return_val_if_fail (SOUP_IS_SERVER (server), NULL);
  g_return_val_if_fail (timeout_ms > 0, NULL);

  self = g_object_new (HN_TYPE_REQUEST_DEADLINE, NULL);
  self->server = g_object_ref (server);
  self->what = g_strdup (what);
  self->timeout_ms = timeout_ms;
  self->request_read_id = g_signal_connect (server, "request-read",
                                            G_CALLBACK (hn_request_deadline_request_read_cb), self);
  return self;
}

/**
 * hn_request_deadline_watch:
 * @connection: a TCP connection about to be handed to the server
 * @remote: its remote address, as given to soup_server_accept_iostream()
 *
 * Closes @connection if no request has been read from it within the
 * timeout. Call it before soup_server_accept_iostream(), which may read a
 * request that is already there at once.
 */
void
hn_request_deadline_watch (HnRequestDeadline *self,
                           GSocketConnection *connection,
                           GSocketAddress *remote)
{
  HnPendingConnection *pending;

  g_return_if_fail (HN_IS_REQUEST_DEADLINE (self));
  g_return_if_fail (G_IS_SOCKET_CONNECTION (connection));

  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return;
  pending = g_new0 (HnPendingConnection, 1);
  pending->stream = g_object_ref (G_IO_STREAM (connection));
  pending->deadline_us = g_get_monotonic_time () + (gint64) self->timeout_ms * 1000;
  g_hash_table_replace (self->pending,
                        g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (remote)), pending);
  if (self->sweep_id == 0) {
    /* a quarter of the timeout: closed at most 25% late */
    self->sweep_id =
        g_timeout_add (MAX (self->timeout_ms / 4, 1), hn_request_deadline_sweep_cb, self);
    g_source_set_name_by_id (self->sweep_id, "[hoinghi] request deadline");
  }
}

/**
 * hn_request_deadline_accept:
 * @connection: a TCP connection a listener has just accepted
 * @tls: (nullable): the certificate (with its key) to speak TLS with, or
 *   %NULL for plain text
 *
 * Hands @connection to the server, as TLS when @tls is given, watched
 * (hn_request_deadline_watch()). The TLS handshake happens on the first
 * read, in the main loop. Clients show no certificate, so no CA database
 * is set: GLib would otherwise load the system's CAs again for every
 * connection, ~4 MiB each (600 MiB for 147 rooms).
 *
 * Returns: %FALSE if the TLS connection cannot be made or the server
 *   refuses the stream
 */
gboolean
hn_request_deadline_accept (HnRequestDeadline *self,
                            GSocketConnection *connection,
                            GTlsCertificate *tls,
                            GError **error)
{
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr (GIOStream) stream = NULL;

  g_return_val_if_fail (HN_IS_REQUEST_DEADLINE (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET_CONNECTION (connection), FALSE);
  g_return_val_if_fail (tls == NULL || G_IS_TLS_CERTIFICATE (tls), FALSE);

  if (tls != NULL) {
    stream = g_tls_server_connection_new (G_IO_STREAM (connection), tls, error);
    if (stream == NULL)
      return FALSE;
    g_tls_connection_set_database (G_TLS_CONNECTION (stream), NULL);
  } else {
    stream = g_object_ref (G_IO_STREAM (connection));
  }
  hn_request_deadline_watch (self, connection, remote);
  return soup_server_accept_iostream (self->server, stream, local, remote, error);
}

/**
 * hn_request_deadline_get_pending:
 *
 * Returns: how many connections have not made their first request yet
 */
guint
hn_request_deadline_get_pending (HnRequestDeadline *self)
{
  g_return_val_if_fail (HN_IS_REQUEST_DEADLINE (self), 0);

  return g_hash_table_size (self->pending);
}

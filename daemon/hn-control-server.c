/* HnControlServer: the hub's end of the control channel, the WebSocket on
 * which every room PC (endpoint) keeps a connection open to the hub.
 *
 * It speaks TLS (wss) with the certificate it is given, and plain ws only
 * when its owner says the network is a lab (hn_control_server_set_insecure()).
 * It authenticates each connection by challenge and response: it sends a
 * fresh nonce, and the room's hello must carry the HMAC of that nonce
 * under the site's token (hn-secrets.h). The token itself never crosses
 * the wire, and a hello captured on one connection proves nothing on
 * another; a proof seen before is logged as a replay. It keeps one record per online site
 * (its address, software version and media ports), tells its owner when a
 * site comes online or goes offline, passes on what sites send (stats and
 * floor requests), and sends them what the hub decides. It knows nothing
 * of meetings.
 *
 * A site that connects again while its old connection is still open (a
 * room PC that rebooted before the hub noticed) replaces the old one. Both
 * ends ping every few seconds; a peer that has been silent for three
 * intervals is dropped, because libsoup 3.2 sends pings but never gives up
 * waiting for the pongs, and a cut cable would otherwise keep a site
 * "online" until TCP times out a quarter of an hour later.
 *
 * As in hn-api-server.c, connections are accepted by a GSocketService of
 * ours and handed to the SoupServer with soup_server_accept_iostream():
 * libsoup 3.2's own listener leaks every accepted GSocket. */

#define G_LOG_DOMAIN "hoinghi-control"

#include "hn-control-server.h"

#include <libsoup/soup.h>
#include <string.h>

#include "hn-build-config.h"
#include "hn-error.h"
#include "hn-request-deadline.h"

/* pending connections the kernel keeps for us: every room of the province
 * and some */
#define HN_CONTROL_SERVER_BACKLOG 256

typedef enum {
  PEER_WAITING_HELLO,
  PEER_ONLINE,
  PEER_CLOSING,
} HnControlPeerState;

/* One WebSocket connection, from its upgrade until libsoup says it closed. */
typedef struct {
  HnControlServer *server; /* unowned: the server owns the peer */
  SoupWebsocketConnection *ws;
  HnControlPeerState state;
  gchar *address;
  gchar *nonce;    /* the challenge sent, for hoinghi-control-2 */
  gboolean legacy; /* hoinghi-control-1: a token in the hello, no challenge */
  gchar *site;     /* set by the hello */
  gchar *version;
  HnControlHelloMedia media;
  gint64 connected_usec;
  gint64 last_heard_usec;
  guint hello_timeout_id;
  guint liveness_id;
} HnControlPeer;

struct _HnControlServer {
  GObject parent_instance;

  HnSecrets *secrets;
  SoupServer *server;
  HnRequestDeadline *deadline; /* slowloris: TCP connections must make a request */
  GSocketService *service;
  guint port;
  GHashTable *known_sites; /* set of site ids */
  GPtrArray *peers;        /* of HnControlPeer: every connection, owned */
  GHashTable *online;      /* site id -> HnControlPeer (in peers) */
  guint keepalive_s;
  guint hello_timeout_ms;
  GTlsCertificate *tls;    /* nullable: plain ws */
  gboolean insecure;       /* a lab: hoinghi-control-1 and its static tokens too */
  GHashTable *used_proofs; /* set of the proofs accepted, to name replays */
  GQueue used_order;       /* the same, oldest first, to bound the set */
};

/* How many accepted proofs are remembered to tell a replay from a wrong
 * token in the log (a replay is refused either way: its nonce is stale) */
#define USED_PROOFS_MAX 4096

G_DEFINE_FINAL_TYPE (HnControlServer, hn_control_server, G_TYPE_OBJECT)

enum {
  SIGNAL_SITE_ONLINE,
  SIGNAL_SITE_OFFLINE,
  SIGNAL_MESSAGE,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void
hn_control_ws_closed_unref_cb (SoupWebsocketConnection *ws, gpointer user_data)
{
  g_object_unref (ws);
}

/* Lets go of a connection: an open one is closed with @code first, and
 * kept alive by its own "closed" signal until the closing handshake is
 * done, so that the peer is told why. */
static void
hn_control_ws_release (SoupWebsocketConnection *ws, gushort code, const gchar *reason)
{
  if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_CLOSED) {
    g_object_unref (ws);
    return;
  }
  if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (ws, code, reason);
  g_signal_connect (ws, "closed", G_CALLBACK (hn_control_ws_closed_unref_cb), NULL);
}

static void
hn_control_peer_free (HnControlPeer *peer)
{
  g_clear_handle_id (&peer->hello_timeout_id, g_source_remove);
  g_clear_handle_id (&peer->liveness_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (peer->ws, peer);
  hn_control_ws_release (g_steal_pointer (&peer->ws), SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                         "hub shutting down");
  g_free (peer->address);
  g_free (peer->nonce);
  g_free (peer->site);
  g_free (peer->version);
  g_free (peer);
}

/* Takes an online peer offline: from now on it is only a connection being
 * closed. */
static void
hn_control_peer_set_offline (HnControlPeer *peer, const gchar *why)
{
  HnControlServer *self = peer->server;
  g_autofree gchar *site = NULL;

  g_clear_handle_id (&peer->hello_timeout_id, g_source_remove);
  g_clear_handle_id (&peer->liveness_id, g_source_remove);
  if (peer->state != PEER_ONLINE) {
    peer->state = PEER_CLOSING;
    return;
  }
  peer->state = PEER_CLOSING;
  if (g_hash_table_lookup (self->online, peer->site) == peer)
    g_hash_table_remove (self->online, peer->site);
  hn_control_log_site (G_LOG_LEVEL_MESSAGE, peer->site, "control: site %s offline: %s", peer->site,
                       why);
  site = g_strdup (peer->site);
  g_signal_emit (self, signals[SIGNAL_SITE_OFFLINE], 0, site);
}

/* Closes the connection with @code and @reason (for the peer); a peer
 * that was online goes offline, logged with @why (or @reason). */
static void
hn_control_peer_close (HnControlPeer *peer, gushort code, const gchar *reason, const gchar *why)
{
  g_autofree gchar *cut = hn_control_message_close_reason (reason);

  /* offline first: our own close makes libsoup emit "closing" at once */
  hn_control_peer_set_offline (peer, why != NULL ? why : reason);
  if (soup_websocket_connection_get_state (peer->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (peer->ws, code, cut);
}

/* The peer broke the protocol: say so and close. */
static void
hn_control_peer_violation (HnControlPeer *peer, const gchar *why)
{
  if (peer->site != NULL)
    hn_control_log_site (G_LOG_LEVEL_WARNING, peer->site,
                         "control: closing the connection of site %s from %s: %s", peer->site,
                         peer->address, why);
  else
    g_message ("control: closing a connection from %s: %s", peer->address, why);
  hn_control_peer_close (peer, HN_CONTROL_CLOSE_PROTOCOL, why, NULL);
}

static gboolean
hn_control_peer_hello_timeout_cb (gpointer user_data)
{
  HnControlPeer *peer = user_data;
  g_autoptr (HnControlServer) self = g_object_ref (peer->server);
  g_autofree gchar *why = NULL;

  peer->hello_timeout_id = 0;
  why = g_strdup_printf ("no hello within %u ms", self->hello_timeout_ms);
  hn_control_peer_violation (peer, why);
  return G_SOURCE_REMOVE;
}

static gboolean
hn_control_peer_liveness_cb (gpointer user_data)
{
  HnControlPeer *peer = user_data;
  g_autoptr (HnControlServer) self = g_object_ref (peer->server);
  gint64 silent = g_get_monotonic_time () - peer->last_heard_usec;
  g_autofree gchar *why = NULL;

  if (silent < 3 * (gint64) self->keepalive_s * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;
  peer->liveness_id = 0;
  why = g_strdup_printf ("nothing heard for %" G_GINT64_FORMAT " s", silent / G_USEC_PER_SEC);
  if (peer->site == NULL)
    g_debug ("control: dropping a connection from %s: %s", peer->address, why);
  hn_control_peer_close (peer, HN_CONTROL_CLOSE_TIMEOUT, "keepalive timeout", why);
  return G_SOURCE_REMOVE;
}

static void
hn_control_server_hello (HnControlServer *self, HnControlPeer *peer, JsonNode *hello)
{
  const gchar *site = hn_control_message_get_site (hello);
  const gchar *proof = hn_control_message_get_proof (hello);
  const gchar *refusal = NULL;
  g_autoptr (JsonNode) welcome = NULL;
  g_autofree gchar *text = NULL;
  HnControlPeer *old;

  if (!g_hash_table_contains (self->known_sites, site))
    refusal = "unknown site";
  else if (peer->legacy &&
           !hn_secrets_check_site_token (self->secrets, site, hn_control_message_get_token (hello)))
    refusal = "wrong token";
  else if (!peer->legacy && proof == NULL)
    refusal = "a token instead of a proof (an old hoinghi?)";
  else if (!peer->legacy && g_hash_table_contains (self->used_proofs, proof))
    refusal = "replayed hello (its proof was used before)";
  else if (!peer->legacy && !hn_secrets_check_site_proof (self->secrets, site, peer->nonce, proof))
    refusal = "wrong token (the proof does not match)";
  if (refusal != NULL) {
    /* the peer learns only that it failed, not whether the site exists */
    hn_control_log_site (G_LOG_LEVEL_WARNING, site, "control: refused site %s from %s: %s", site,
                         peer->address, refusal);
    hn_control_peer_close (peer, HN_CONTROL_CLOSE_AUTH_FAILED, "authentication failed", NULL);
    return;
  }

  g_clear_handle_id (&peer->hello_timeout_id, g_source_remove);
  if (proof != NULL) {
    gchar *kept = g_strdup (proof);

    g_hash_table_add (self->used_proofs, kept);
    g_queue_push_tail (&self->used_order, kept);
    if (self->used_order.length > USED_PROOFS_MAX)
      g_hash_table_remove (self->used_proofs, g_queue_pop_head (&self->used_order));
  }
  g_clear_pointer (&peer->nonce, g_free);
  old = g_hash_table_lookup (self->online, site);
  if (old != NULL) {
    g_autofree gchar *why = g_strdup_printf ("replaced by a new connection from %s", peer->address);

    hn_control_peer_close (old, HN_CONTROL_CLOSE_REPLACED, "replaced by a new connection", why);
    /* a handler of "site-offline" may have closed this peer too */
    if (peer->state != PEER_WAITING_HELLO)
      return;
  }

  peer->site = g_strdup (site);
  peer->version = g_strdup (hn_control_message_get_version (hello));
  hn_control_message_get_hello_media (hello, &peer->media);
  peer->connected_usec = g_get_monotonic_time ();
  peer->state = PEER_ONLINE;
  g_hash_table_insert (self->online, peer->site, peer);

  welcome = hn_control_message_new_welcome (site, HN_VERSION);
  text = hn_control_message_to_string (welcome);
  soup_websocket_connection_send_text (peer->ws, text);
  hn_control_log_site (G_LOG_LEVEL_MESSAGE, site, "control: site %s online from %s (hoinghi %s%s)",
                       site, peer->address, peer->version,
                       peer->legacy ? ", " HN_CONTROL_PROTOCOL_LEGACY : "");
  g_signal_emit (self, signals[SIGNAL_SITE_ONLINE], 0, site);
}

static void
hn_control_peer_message_cb (SoupWebsocketConnection *ws,
                            gint type,
                            GBytes *bytes,
                            gpointer user_data)
{
  HnControlPeer *peer = user_data;
  g_autoptr (HnControlServer) self = g_object_ref (peer->server);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) message = NULL;
  HnControlMessageType mtype;
  const gchar *data;
  gsize len = 0;

  peer->last_heard_usec = g_get_monotonic_time ();
  if (peer->state == PEER_CLOSING)
    return;
  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    hn_control_peer_violation (peer, "binary frames are not part of " HN_CONTROL_PROTOCOL);
    return;
  }
  data = g_bytes_get_data (bytes, &len);
  message = hn_control_message_parse (data, len, &mtype, &error);
  if (message == NULL) {
    hn_control_peer_violation (peer, error->message);
    return;
  }

  if (peer->state == PEER_WAITING_HELLO) {
    if (mtype != HN_CONTROL_MESSAGE_HELLO) {
      g_autofree gchar *why = g_strdup_printf ("expected a hello, not a '%s' message",
                                               hn_control_message_type_to_string (mtype));

      hn_control_peer_violation (peer, why);
      return;
    }
    hn_control_server_hello (self, peer, message);
    return;
  }
  if (mtype == HN_CONTROL_MESSAGE_HELLO || !hn_control_message_type_is_from_endpoint (mtype)) {
    g_autofree gchar *why =
        g_strdup_printf ("unexpected '%s' message", hn_control_message_type_to_string (mtype));

    hn_control_peer_violation (peer, why);
    return;
  }
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, peer->site, message);
}

static void
hn_control_peer_pong_cb (SoupWebsocketConnection *ws, GBytes *message, gpointer user_data)
{
  HnControlPeer *peer = user_data;

  peer->last_heard_usec = g_get_monotonic_time ();
}

static void
hn_control_peer_error_cb (SoupWebsocketConnection *ws, GError *error, gpointer user_data)
{
  HnControlPeer *peer = user_data;

  g_debug ("control: connection from %s%s%s: %s", peer->address,
           peer->site != NULL ? ", site " : "", peer->site != NULL ? peer->site : "",
           error->message);
}

/* The closing handshake began. When the peer began it, the site is
 * offline from now on (libsoup answers the close itself; closing it here
 * too would send a second close frame). */
static void
hn_control_peer_closing_cb (SoupWebsocketConnection *ws, gpointer user_data)
{
  HnControlPeer *peer = user_data;
  g_autoptr (HnControlServer) self = g_object_ref (peer->server);
  g_autofree gchar *why = NULL;

  why = g_strdup_printf ("closed by the site (code %u)",
                         soup_websocket_connection_get_close_code (ws));
  hn_control_peer_set_offline (peer, why);
}

static void
hn_control_peer_closed_cb (SoupWebsocketConnection *ws, gpointer user_data)
{
  HnControlPeer *peer = user_data;
  g_autoptr (HnControlServer) self = g_object_ref (peer->server);

  if (peer->state == PEER_ONLINE) {
    g_autofree gchar *why = NULL;
    gushort code = soup_websocket_connection_get_close_code (ws);

    why = code != 0 ? g_strdup_printf ("connection closed (code %u)", code)
                    : g_strdup ("connection lost");
    hn_control_peer_set_offline (peer, why);
  }
  g_ptr_array_remove_fast (self->peers, peer);
}

static void
hn_control_server_websocket_cb (SoupServer *server,
                                SoupServerMessage *msg,
                                const char *path,
                                SoupWebsocketConnection *ws,
                                gpointer user_data)
{
  HnControlServer *self = user_data;
  HnControlPeer *peer = g_new0 (HnControlPeer, 1);
  const gchar *host = soup_server_message_get_remote_host (msg);
  const gchar *protocol;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) challenge = NULL;
  g_autofree gchar *text = NULL;

  peer->server = self;
  peer->ws = g_object_ref (ws);
  peer->state = PEER_WAITING_HELLO;
  peer->address = g_strdup (host != NULL ? host : "(unknown)");
  peer->last_heard_usec = g_get_monotonic_time ();
  g_ptr_array_add (self->peers, peer);

  soup_websocket_connection_set_max_incoming_payload_size (ws, HN_CONTROL_MAX_MESSAGE_SIZE);
  soup_websocket_connection_set_keepalive_interval (ws, self->keepalive_s);
  g_signal_connect (ws, "message", G_CALLBACK (hn_control_peer_message_cb), peer);
  g_signal_connect (ws, "pong", G_CALLBACK (hn_control_peer_pong_cb), peer);
  g_signal_connect (ws, "error", G_CALLBACK (hn_control_peer_error_cb), peer);
  g_signal_connect (ws, "closing", G_CALLBACK (hn_control_peer_closing_cb), peer);
  g_signal_connect (ws, "closed", G_CALLBACK (hn_control_peer_closed_cb), peer);
  peer->hello_timeout_id =
      g_timeout_add (self->hello_timeout_ms, hn_control_peer_hello_timeout_cb, peer);
  peer->liveness_id = g_timeout_add_seconds (self->keepalive_s, hn_control_peer_liveness_cb, peer);
  g_debug ("control: connection from %s", peer->address);

  protocol = soup_websocket_connection_get_protocol (ws);
  /* libsoup accepts a client that offers no subprotocol at all */
  if (g_strcmp0 (protocol, HN_CONTROL_PROTOCOL_LEGACY) == 0 && self->insecure) {
    peer->legacy = TRUE;
    return;
  }
  if (g_strcmp0 (protocol, HN_CONTROL_PROTOCOL_LEGACY) == 0) {
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "MESSAGE",
                      "control: refused a connection from %s: " HN_CONTROL_PROTOCOL_LEGACY
                      " sends the site's token as it is; the room needs a newer hoinghi "
                      "(or the hub insecure=true, in a lab)",
                      peer->address);
    hn_control_peer_close (peer, HN_CONTROL_CLOSE_AUTH_FAILED, "authentication failed", NULL);
    return;
  }
  if (g_strcmp0 (protocol, HN_CONTROL_PROTOCOL) != 0) {
    hn_control_peer_violation (peer, "subprotocol " HN_CONTROL_PROTOCOL " required");
    return;
  }
  peer->nonce = hn_secrets_new_nonce (&error);
  if (peer->nonce == NULL) {
    g_warning ("control: closing a connection from %s: %s", peer->address, error->message);
    hn_control_peer_close (peer, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, "no challenge", NULL);
    return;
  }
  challenge = hn_control_message_new_challenge (peer->nonce);
  text = hn_control_message_to_string (challenge);
  soup_websocket_connection_send_text (ws, text);
}

static void
hn_control_server_stop_listening (HnControlServer *self)
{
  if (self->service != NULL) {
    g_socket_service_stop (self->service);
    g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    g_clear_object (&self->service);
  }
  if (self->server != NULL)
    soup_server_disconnect (self->server);
}

static void
hn_control_server_dispose (GObject *object)
{
  HnControlServer *self = HN_CONTROL_SERVER (object);

  /* no signals from here: the owner is letting go */
  hn_control_server_stop_listening (self);
  if (self->online != NULL)
    g_hash_table_remove_all (self->online);
  g_clear_pointer (&self->peers, g_ptr_array_unref);
  g_clear_object (&self->deadline);
  g_clear_object (&self->server);
  g_clear_object (&self->secrets);
  g_clear_object (&self->tls);

  G_OBJECT_CLASS (hn_control_server_parent_class)->dispose (object);
}

static void
hn_control_server_finalize (GObject *object)
{
  HnControlServer *self = HN_CONTROL_SERVER (object);

  g_hash_table_unref (self->online);
  g_hash_table_unref (self->known_sites);
  g_queue_clear (&self->used_order);
  g_hash_table_unref (self->used_proofs);

  G_OBJECT_CLASS (hn_control_server_parent_class)->finalize (object);
}

static void
hn_control_server_class_init (HnControlServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hn_control_server_dispose;
  object_class->finalize = hn_control_server_finalize;

  /**
   * HnControlServer::site-online:
   * @site_id: the site
   *
   * A site said hello with the right token. Its address, version and media
   * ports can be read from now on.
   */
  signals[SIGNAL_SITE_ONLINE] =
      g_signal_new ("site-online", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * HnControlServer::site-offline:
   * @site_id: the site
   *
   * A site's connection closed, broke, fell silent or was replaced by a
   * newer one (then "site-online" follows at once).
   */
  signals[SIGNAL_SITE_OFFLINE] =
      g_signal_new ("site-offline", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * HnControlServer::message:
   * @site_id: the site that sent it
   * @message: a validated stats, floor-request or floor-cancel message
   */
  signals[SIGNAL_MESSAGE] =
      g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_NODE | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
hn_control_server_init (HnControlServer *self)
{
  self->known_sites = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) hn_control_peer_free);
  self->online = g_hash_table_new (g_str_hash, g_str_equal);
  self->keepalive_s = HN_CONTROL_KEEPALIVE_INTERVAL;
  self->hello_timeout_ms = HN_CONTROL_HELLO_TIMEOUT_MS;
  self->used_proofs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->used_order);
}

/**
 * hn_control_server_new:
 * @secrets: the hub's key, to check the sites' tokens
 *
 * Until hn_control_server_set_known_sites() is called, every site is
 * refused.
 */
HnControlServer *
hn_control_server_new (HnSecrets *secrets)
{
  HnControlServer *self;
  const gchar *protocols[] = { HN_CONTROL_PROTOCOL, HN_CONTROL_PROTOCOL_LEGACY, NULL };

  g_return_val_if_fail (HN_IS_SECRETS (secrets), NULL);

  self = g_object_new (HN_TYPE_CONTROL_SERVER, NULL);
  self->secrets = g_object_ref (secrets);
  self->server = soup_server_new ("server-header", "hoinghid/" HN_VERSION " ", NULL);
  self->deadline = hn_request_deadline_new (self->server, "control channel", HN_REQUEST_TIMEOUT_MS);
  soup_server_add_websocket_handler (self->server, HN_CONTROL_PATH, NULL, (gchar **) protocols,
                                     hn_control_server_websocket_cb, self, NULL);
  return self;
}

static gboolean
hn_control_server_incoming_cb (GSocketService *service,
                               GSocketConnection *connection,
                               GObject *source_object,
                               gpointer user_data)
{
  HnControlServer *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!hn_request_deadline_accept (self->deadline, connection, self->tls, &error))
    g_warning ("control: cannot accept a connection: %s, ignoring", error->message);
  return TRUE;
}

/**
 * hn_control_server_set_tls:
 * @tls: (nullable): the certificate (with its key) to speak wss with, or
 *   %NULL for plain ws
 *
 * For connections accepted from now on.
 */
void
hn_control_server_set_tls (HnControlServer *self, GTlsCertificate *tls)
{
  g_return_if_fail (HN_IS_CONTROL_SERVER (self));
  g_return_if_fail (tls == NULL || G_IS_TLS_CERTIFICATE (tls));

  g_set_object (&self->tls, tls);
}

/**
 * hn_control_server_set_insecure:
 * @insecure: whether rooms of hoinghi-control-1, which send their token
 *   as it is in their hello, are accepted too (a lab; off by default)
 */
void
hn_control_server_set_insecure (HnControlServer *self, gboolean insecure)
{
  g_return_if_fail (HN_IS_CONTROL_SERVER (self));

  self->insecure = insecure;
}

/**
 * hn_control_server_listen:
 * @address: the IP address to listen on, e.g. "0.0.0.0" or "127.0.0.1"
 * @port: the TCP port, or 0 for any free one (see
 *   hn_control_server_get_port())
 */
gboolean
hn_control_server_listen (HnControlServer *self, const gchar *address, guint port, GError **error)
{
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) want = NULL;
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GSocketService) service = NULL;

  g_return_val_if_fail (HN_IS_CONTROL_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (port <= 65535, FALSE);
  g_return_val_if_fail (self->service == NULL, FALSE);

  inet = g_inet_address_new_from_string (address);
  if (inet == NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "'%s' is not an IP address", address);
    return FALSE;
  }
  want = g_inet_socket_address_new (inet, port);
  service = g_socket_service_new ();
  /* GLib's default backlog of 10 drops the SYNs of most of 147 rooms that
   * knock at once (the hub restarted), and each such room waits for its
   * SYN to be sent again, 1, 3, 7 s later */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), HN_CONTROL_SERVER_BACKLOG);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), want, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error)) {
    hn_error_convert (error);
    g_prefix_error (error, "cannot listen on %s port %u: ", address, port);
    return FALSE;
  }
  g_signal_connect_object (service, "incoming", G_CALLBACK (hn_control_server_incoming_cb), self,
                           0);
  g_socket_service_start (service);
  self->service = g_steal_pointer (&service);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_debug ("control: listening on %s port %u", address, self->port);
  return TRUE;
}

/**
 * hn_control_server_get_port:
 *
 * Returns: the port it listens on (0 before hn_control_server_listen())
 */
guint
hn_control_server_get_port (HnControlServer *self)
{
  g_return_val_if_fail (HN_IS_CONTROL_SERVER (self), 0);
  return self->port;
}

/**
 * hn_control_server_close:
 *
 * Stops listening and closes every connection with 1001 ("going away");
 * "site-offline" is emitted for each site that was online.
 */
void
hn_control_server_close (HnControlServer *self)
{
  g_autoptr (HnControlServer) hold = NULL;
  g_autoptr (GPtrArray) peers = NULL;

  g_return_if_fail (HN_IS_CONTROL_SERVER (self));

  hold = g_object_ref (self);
  hn_control_server_stop_listening (self);
  /* a copy: handlers of "site-offline" run in between (peers are only
   * freed when libsoup says they closed, later) */
  peers = g_ptr_array_copy (self->peers, NULL, NULL);
  g_ptr_array_set_free_func (peers, NULL);
  for (guint i = 0; i < peers->len; i++) {
    HnControlPeer *peer = peers->pdata[i];

    hn_control_peer_close (peer, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "hub shutting down", NULL);
  }
}

/**
 * hn_control_server_set_known_sites:
 * @site_ids: the sites that may connect (the hub's own id is not one)
 *
 * Called at start and after each reload; an online site that is no longer
 * known is disconnected.
 */
void
hn_control_server_set_known_sites (HnControlServer *self, const gchar *const *site_ids)
{
  g_autoptr (HnControlServer) hold = NULL;
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (HN_IS_CONTROL_SERVER (self));

  hold = g_object_ref (self);
  g_hash_table_remove_all (self->known_sites);
  for (guint i = 0; site_ids != NULL && site_ids[i] != NULL; i++)
    g_hash_table_add (self->known_sites, g_strdup (site_ids[i]));

  g_hash_table_iter_init (&iter, self->online);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    HnControlPeer *peer = value;

    if (!g_hash_table_contains (self->known_sites, peer->site))
      g_ptr_array_add (gone, peer);
  }
  for (guint i = 0; i < gone->len; i++) {
    HnControlPeer *peer = gone->pdata[i];

    if (peer->state != PEER_ONLINE)
      continue;
    hn_control_peer_close (peer, HN_CONTROL_CLOSE_AUTH_FAILED, "authentication failed",
                           "removed from the configuration");
  }
}

/**
 * hn_control_server_set_keepalive:
 * @interval_s: seconds between pings (at least 1); a peer silent for three
 *   intervals is dropped
 *
 * For connections made from now on. The default,
 * HN_CONTROL_KEEPALIVE_INTERVAL, suits real links; tests use less.
 */
void
hn_control_server_set_keepalive (HnControlServer *self, guint interval_s)
{
  g_return_if_fail (HN_IS_CONTROL_SERVER (self));
  g_return_if_fail (interval_s >= 1);

  self->keepalive_s = interval_s;
}

/**
 * hn_control_server_set_hello_timeout:
 *
 * How long a new connection may wait before its hello, for connections
 * made from now on (default HN_CONTROL_HELLO_TIMEOUT_MS).
 */
void
hn_control_server_set_hello_timeout (HnControlServer *self, guint timeout_ms)
{
  g_return_if_fail (HN_IS_CONTROL_SERVER (self));
  g_return_if_fail (timeout_ms >= 1);

  self->hello_timeout_ms = timeout_ms;
}

/**
 * hn_control_server_send:
 * @message: a hub-to-endpoint message (join, leave, floor, mute, keyframe)
 *
 * Queues @message for @site_id. Errors: HN_ERROR_UNAVAILABLE when the site
 * is not online, HN_ERROR_INVALID_ARGUMENT for a message that is not valid
 * or not the hub's to send, HN_ERROR_PAYLOAD_TOO_LARGE.
 */
gboolean
hn_control_server_send (HnControlServer *self,
                        const gchar *site_id,
                        JsonNode *message,
                        GError **error)
{
  g_autofree gchar *text = NULL;
  HnControlMessageType type;
  HnControlPeer *peer;

  g_return_val_if_fail (HN_IS_CONTROL_SERVER (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  if (!hn_control_message_validate (message, &type, error))
    return FALSE;
  if (hn_control_message_type_is_from_endpoint (type) || type == HN_CONTROL_MESSAGE_WELCOME ||
      type == HN_CONTROL_MESSAGE_CHALLENGE) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "the hub does not send '%s' messages",
                 hn_control_message_type_to_string (type));
    return FALSE;
  }
  peer = g_hash_table_lookup (self->online, site_id);
  if (peer == NULL || soup_websocket_connection_get_state (peer->ws) != SOUP_WEBSOCKET_STATE_OPEN) {
    g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, "site %s is not connected", site_id);
    return FALSE;
  }
  text = hn_control_message_to_string (message);
  if (strlen (text) > HN_CONTROL_MAX_MESSAGE_SIZE) {
    g_set_error (error, HN_ERROR, HN_ERROR_PAYLOAD_TOO_LARGE,
                 "message of %" G_GSIZE_FORMAT " bytes is larger than %d", strlen (text),
                 HN_CONTROL_MAX_MESSAGE_SIZE);
    return FALSE;
  }
  soup_websocket_connection_send_text (peer->ws, text);
  return TRUE;
}

/**
 * hn_control_server_disconnect:
 *
 * Closes the connection of @site_id (code 1000); the site will connect
 * again on its own.
 *
 * Returns: whether the site was online
 */
gboolean
hn_control_server_disconnect (HnControlServer *self, const gchar *site_id)
{
  g_autoptr (HnControlServer) hold = NULL;
  HnControlPeer *peer;

  g_return_val_if_fail (HN_IS_CONTROL_SERVER (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);

  peer = g_hash_table_lookup (self->online, site_id);
  if (peer == NULL)
    return FALSE;
  hold = g_object_ref (self);
  hn_control_peer_close (peer, SOUP_WEBSOCKET_CLOSE_NORMAL, "disconnected by the hub", NULL);
  return TRUE;
}

static HnControlPeer *
hn_control_server_lookup (HnControlServer *self, const gchar *site_id)
{
  g_return_val_if_fail (HN_IS_CONTROL_SERVER (self), NULL);
  g_return_val_if_fail (site_id != NULL, NULL);

  return g_hash_table_lookup (self->online, site_id);
}

gboolean
hn_control_server_is_online (HnControlServer *self, const gchar *site_id)
{
  return hn_control_server_lookup (self, site_id) != NULL;
}

static gint
hn_control_compare_strings (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

/**
 * hn_control_server_list_online:
 *
 * Returns: (transfer full): the ids of the online sites, sorted
 */
GStrv
hn_control_server_list_online (HnControlServer *self)
{
  g_autofree const gchar **keys = NULL;
  GStrv ids;
  guint n = 0;

  g_return_val_if_fail (HN_IS_CONTROL_SERVER (self), NULL);

  keys = (const gchar **) g_hash_table_get_keys_as_array (self->online, &n);
  ids = g_new0 (gchar *, n + 1);
  for (guint i = 0; i < n; i++)
    ids[i] = g_strdup (keys[i]);
  g_qsort_with_data (ids, n, sizeof (gchar *), hn_control_compare_strings, NULL);
  return ids;
}

/**
 * hn_control_server_get_address:
 *
 * Returns: (nullable): the IP address an online site connected from, or
 *   %NULL when it is offline; valid until it goes offline
 */
const gchar *
hn_control_server_get_address (HnControlServer *self, const gchar *site_id)
{
  HnControlPeer *peer = hn_control_server_lookup (self, site_id);

  return peer != NULL ? peer->address : NULL;
}

/**
 * hn_control_server_get_version:
 *
 * Returns: (nullable): the hoinghi version an online site said hello with
 */
const gchar *
hn_control_server_get_version (HnControlServer *self, const gchar *site_id)
{
  HnControlPeer *peer = hn_control_server_lookup (self, site_id);

  return peer != NULL ? peer->version : NULL;
}

/**
 * hn_control_server_get_hello_media:
 *
 * Returns: (nullable): the media ports and SSRCs of an online site's
 *   hello; valid until it goes offline
 */
const HnControlHelloMedia *
hn_control_server_get_hello_media (HnControlServer *self, const gchar *site_id)
{
  HnControlPeer *peer = hn_control_server_lookup (self, site_id);

  return peer != NULL ? &peer->media : NULL;
}

/**
 * hn_control_server_get_connected_time:
 *
 * Returns: when an online site's connection was welcomed, on the monotonic
 *   clock (g_get_monotonic_time()), or 0 when it is offline
 */
gint64
hn_control_server_get_connected_time (HnControlServer *self, const gchar *site_id)
{
  HnControlPeer *peer = hn_control_server_lookup (self, site_id);

  return peer != NULL ? peer->connected_usec : 0;
}

/* HnControlClient: a room PC's end of the control channel. It dials out to
 * the hub (so it works behind NAT) over TLS, and trusts the hub only if its
 * certificate is the pinned one (or signed by the configured CA); plain ws
 * only when told the network is a lab. It answers the hub's challenge with
 * a hello holding its site id, the proof that it has the site's token (not
 * the token) and its media ports, and from the hub's welcome on passes what the hub sends
 * (join, leave, floor, mute, keyframe) to its owner and sends stats and
 * floor requests back.
 *
 * It never gives up: whenever a connection fails, is refused or drops, it
 * tries again after a delay that starts at 0.5 s and doubles up to 30 s,
 * each delay varied by ±25% so that 147 rooms do not all knock at once when
 * the hub comes back. The delays start from 0.5 s again only after a
 * connection that lasted 30 s: resetting on every welcome would let two
 * room PCs configured with the same site id replace each other twice a
 * second for ever. A refusal (wrong token) is retried the same way, since
 * the operator may fix the token on the hub's side.
 *
 * Failures are logged once per change: the first "unreachable" is a
 * warning, the same failure again only a debug message. Both ends ping;
 * a hub silent for three intervals counts as lost (libsoup 3.2 does not
 * time out unanswered pings itself). */

#define G_LOG_DOMAIN "hoinghi-control"

#include "hn-control-client.h"

#include <libsoup/soup.h>
#include <string.h>

#include "hn-build-config.h"
#include "hn-error.h"
#include "hn-secrets.h"
#include "hn-site.h"

typedef enum {
  CLIENT_STOPPED,
  CLIENT_CONNECTING,  /* TCP, TLS and the WebSocket upgrade */
  CLIENT_CHALLENGED,  /* waiting for the hub's challenge */
  CLIENT_HANDSHAKING, /* hello sent, waiting for the welcome */
  CLIENT_CONNECTED,
  CLIENT_WAITING, /* for the next attempt */
} HnControlClientState;

struct _HnControlClient {
  GObject parent_instance;

  gchar *host;
  guint port;
  gchar *label; /* "host:port", for the log */
  gchar *site;
  gchar *token;
  gboolean insecure; /* ws://, no certificate at all (a lab) */
  gchar *pin;        /* "sha256:…" of the hub's certificate, or NULL */
  gchar *seen;       /* the fingerprint the hub showed on this attempt */
  GTlsDatabase *ca;  /* nullable: the CA that signs the hub's certificate */
  HnControlHelloMedia media;
  gboolean have_media;

  guint backoff_min_ms;
  guint backoff_max_ms;
  guint backoff_ms; /* the next delay, before jitter */
  guint keepalive_s;

  HnControlClientState state;
  SoupSession *session;
  GCancellable *cancellable; /* of the connection attempt */
  SoupWebsocketConnection *ws;
  guint retry_id;
  guint connect_timeout_id;
  guint liveness_id;
  gint64 connected_usec;
  gint64 last_heard_usec;
  gchar *hub_version;
  gchar *last_error;   /* why the last attempt or connection ended */
  gchar *logged_error; /* the failure last logged as a warning */
};

/* Not a close code on the wire: the client's own refusal of the hub's
 * certificate, for hn_control_client_fail() */
#define CLIENT_FAIL_CERTIFICATE 1

G_DEFINE_FINAL_TYPE (HnControlClient, hn_control_client, G_TYPE_OBJECT)

enum {
  SIGNAL_CONNECTED,
  SIGNAL_DISCONNECTED,
  SIGNAL_MESSAGE,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void hn_control_client_connect (HnControlClient *self);

static void
hn_control_client_ws_closed_unref_cb (SoupWebsocketConnection *ws, gpointer user_data)
{
  g_object_unref (ws);
}

/* Lets go of the current attempt: cancels a connection in progress and
 * closes an open WebSocket with @code, which stays alive on its own until
 * its closing handshake is done. */
static void
hn_control_client_abandon (HnControlClient *self, gushort code, const gchar *reason)
{
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  g_clear_handle_id (&self->liveness_id, g_source_remove);
  if (self->cancellable != NULL) {
    g_cancellable_cancel (self->cancellable);
    g_clear_object (&self->cancellable);
  }
  if (self->ws != NULL) {
    SoupWebsocketConnection *ws = g_steal_pointer (&self->ws);

    g_signal_handlers_disconnect_by_data (ws, self);
    if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_CLOSED) {
      g_object_unref (ws);
      return;
    }
    if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN) {
      g_autofree gchar *cut = hn_control_message_close_reason (reason);

      soup_websocket_connection_close (ws, code, cut);
    }
    g_signal_connect (ws, "closed", G_CALLBACK (hn_control_client_ws_closed_unref_cb), NULL);
  }
}

static gboolean
hn_control_client_retry_cb (gpointer user_data)
{
  HnControlClient *self = user_data;

  self->retry_id = 0;
  hn_control_client_connect (self);
  return G_SOURCE_REMOVE;
}

static gchar *
hn_control_format_delay (guint ms)
{
  if (ms < 1000)
    return g_strdup_printf ("%u ms", ms);
  if (ms < 10000)
    return g_strdup_printf ("%.1f s", ms / 1000.0);
  return g_strdup_printf ("%u s", (ms + 500) / 1000);
}

/* The attempt or the connection ended because of @why: logs it (a change
 * as a warning, a repeat at debug level) and tries again later. */
static void
hn_control_client_fail (HnControlClient *self, gushort close_code, const gchar *why)
{
  g_autoptr (HnControlClient) hold = g_object_ref (self);
  gboolean was_connected = self->state == CLIENT_CONNECTED;
  g_autofree gchar *when = NULL;
  g_autofree gchar *text = NULL;
  gboolean repeat;
  guint delay;

  hn_control_client_abandon (self, HN_CONTROL_CLOSE_PROTOCOL, why);
  if (was_connected &&
      g_get_monotonic_time () - self->connected_usec >= HN_CONTROL_BACKOFF_RESET_MS * 1000)
    self->backoff_ms = self->backoff_min_ms;
  delay = MIN (self->backoff_ms * g_random_double_range (0.75, 1.25), self->backoff_max_ms);
  delay = MAX (delay, 1);
  self->backoff_ms = MIN (self->backoff_ms * 2, self->backoff_max_ms);
  self->state = CLIENT_WAITING;
  self->retry_id = g_timeout_add (delay, hn_control_client_retry_cb, self);

  g_free (self->last_error);
  self->last_error = g_strdup (why);
  when = hn_control_format_delay (delay);
  repeat = g_strcmp0 (self->logged_error, why) == 0;
  if (close_code == CLIENT_FAIL_CERTIFICATE)
    text = g_strdup_printf ("control: hub %s: %s, retrying in %s", self->label, why, when);
  else if (close_code == HN_CONTROL_CLOSE_AUTH_FAILED)
    text = g_strdup_printf ("control: hub %s refused site %s: %s (is its token right?), retrying "
                            "in %s",
                            self->label, self->site, why, when);
  else if (close_code == HN_CONTROL_CLOSE_REPLACED)
    text = g_strdup_printf ("control: hub %s: a newer connection of site %s replaced this one "
                            "(is the site configured on two room PCs?), reconnecting in %s",
                            self->label, self->site, when);
  else if (was_connected)
    text = g_strdup_printf ("control: connection to hub %s lost: %s, reconnecting in %s",
                            self->label, why, when);
  else
    text =
        g_strdup_printf ("control: hub %s unreachable: %s, retrying in %s", self->label, why, when);
  if (repeat) {
    hn_control_log_site (G_LOG_LEVEL_DEBUG, self->site, "%s", text);
  } else if (was_connected && close_code != HN_CONTROL_CLOSE_AUTH_FAILED &&
             close_code != HN_CONTROL_CLOSE_REPLACED) {
    /* a lost connection is news, and so is the next failure to connect */
    hn_control_log_site (G_LOG_LEVEL_MESSAGE, self->site, "%s", text);
    g_clear_pointer (&self->logged_error, g_free);
  } else {
    hn_control_log_site (G_LOG_LEVEL_WARNING, self->site, "%s", text);
    g_free (self->logged_error);
    self->logged_error = g_strdup (why);
  }

  if (was_connected)
    g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0);
}

/* The hub broke the protocol: close and try again later. */
static void
hn_control_client_violation (HnControlClient *self, const gchar *why)
{
  g_autofree gchar *text = g_strdup_printf ("protocol error: %s", why);

  hn_control_client_fail (self, HN_CONTROL_CLOSE_PROTOCOL, text);
}

/* The hub's challenge: the hello answers it with the proof of the token */
static void
hn_control_client_answer (HnControlClient *self, JsonNode *challenge)
{
  g_autofree gchar *proof = NULL;
  g_autoptr (JsonNode) hello = NULL;
  g_autofree gchar *text = NULL;

  proof =
      hn_secrets_compute_proof (self->token, self->site, hn_control_message_get_nonce (challenge));
  hello = hn_control_message_new_hello (self->site, proof, HN_VERSION, &self->media);
  text = hn_control_message_to_string (hello);
  self->state = CLIENT_HANDSHAKING;
  soup_websocket_connection_send_text (self->ws, text);
}

static void
hn_control_client_welcome (HnControlClient *self, JsonNode *welcome)
{
  if (g_strcmp0 (hn_control_message_get_site (welcome), self->site) != 0) {
    hn_control_client_violation (self, "welcome for another site");
    return;
  }
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  g_free (self->hub_version);
  self->hub_version = g_strdup (hn_control_message_get_version (welcome));
  g_clear_pointer (&self->last_error, g_free);
  g_clear_pointer (&self->logged_error, g_free);
  self->state = CLIENT_CONNECTED;
  self->connected_usec = g_get_monotonic_time ();
  hn_control_log_site (G_LOG_LEVEL_MESSAGE, self->site,
                       "control: connected to hub %s as %s (hub hoinghi %s)", self->label,
                       self->site, self->hub_version);
  g_signal_emit (self, signals[SIGNAL_CONNECTED], 0);
}

static void
hn_control_client_message_cb (SoupWebsocketConnection *ws,
                              gint type,
                              GBytes *bytes,
                              gpointer user_data)
{
  HnControlClient *self = user_data;
  g_autoptr (HnControlClient) hold = g_object_ref (self);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) message = NULL;
  HnControlMessageType mtype;
  const gchar *data;
  gsize len = 0;

  self->last_heard_usec = g_get_monotonic_time ();
  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    hn_control_client_violation (self, "binary frame");
    return;
  }
  data = g_bytes_get_data (bytes, &len);
  message = hn_control_message_parse (data, len, &mtype, &error);
  if (message == NULL) {
    hn_control_client_violation (self, error->message);
    return;
  }
  if (self->state == CLIENT_CHALLENGED && mtype == HN_CONTROL_MESSAGE_CHALLENGE) {
    hn_control_client_answer (self, message);
    return;
  }
  if (self->state == CLIENT_HANDSHAKING && mtype == HN_CONTROL_MESSAGE_WELCOME) {
    hn_control_client_welcome (self, message);
    return;
  }
  if (self->state != CLIENT_CONNECTED || mtype == HN_CONTROL_MESSAGE_WELCOME ||
      mtype == HN_CONTROL_MESSAGE_CHALLENGE || hn_control_message_type_is_from_endpoint (mtype)) {
    g_autofree gchar *why =
        g_strdup_printf ("unexpected '%s' message", hn_control_message_type_to_string (mtype));

    hn_control_client_violation (self, why);
    return;
  }
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
}

static void
hn_control_client_pong_cb (SoupWebsocketConnection *ws, GBytes *message, gpointer user_data)
{
  HnControlClient *self = user_data;

  self->last_heard_usec = g_get_monotonic_time ();
}

static void
hn_control_client_error_cb (SoupWebsocketConnection *ws, GError *error, gpointer user_data)
{
  HnControlClient *self = user_data;

  g_debug ("control: connection to hub %s: %s", self->label, error->message);
}

static void
hn_control_client_closed_cb (SoupWebsocketConnection *ws, gpointer user_data)
{
  HnControlClient *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (ws);
  const gchar *data = soup_websocket_connection_get_close_data (ws);
  g_autofree gchar *why = NULL;

  if (code == HN_CONTROL_CLOSE_AUTH_FAILED)
    why = g_strdup ("authentication failed");
  else if (code != 0 && data != NULL && *data != '\0')
    why = g_strdup_printf ("closed by the hub: %s (code %u)", data, code);
  else if (code != 0)
    why = g_strdup_printf ("closed by the hub (code %u)", code);
  else
    why = g_strdup ("connection closed");
  hn_control_client_fail (self, code, why);
}

static gboolean
hn_control_client_liveness_cb (gpointer user_data)
{
  HnControlClient *self = user_data;
  gint64 silent = g_get_monotonic_time () - self->last_heard_usec;
  g_autofree gchar *why = NULL;

  if (silent < 3 * (gint64) self->keepalive_s * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;
  self->liveness_id = 0;
  why = g_strdup_printf ("nothing heard for %" G_GINT64_FORMAT " s", silent / G_USEC_PER_SEC);
  hn_control_client_abandon (self, HN_CONTROL_CLOSE_TIMEOUT, "keepalive timeout");
  hn_control_client_fail (self, 0, why);
  return G_SOURCE_REMOVE;
}

static gboolean
hn_control_client_connect_timeout_cb (gpointer user_data)
{
  HnControlClient *self = user_data;
  g_autofree gchar *why = NULL;

  self->connect_timeout_id = 0;
  why = g_strdup_printf ("no welcome within %u s", HN_CONTROL_CONNECT_TIMEOUT_MS / 1000);
  hn_control_client_fail (self, 0, why);
  return G_SOURCE_REMOVE;
}

typedef struct {
  HnControlClient *self;
  GCancellable *cancellable;
  SoupMessage *msg;
} HnControlConnectData;

/* With a pin, the session has no CA database: every certificate fails
 * validation and comes here, where only the pinned one is let through. */
static gboolean
hn_control_client_accept_certificate_cb (SoupMessage *msg,
                                         GTlsCertificate *certificate,
                                         GTlsCertificateFlags errors,
                                         gpointer user_data)
{
  HnControlClient *self = user_data;

  g_free (self->seen);
  self->seen = hn_secrets_get_certificate_fingerprint (certificate);
  return self->pin != NULL && g_str_equal (self->seen, self->pin);
}

/* With a pin and no CA, the TLS connection gets no CA database: the
 * session's default is the system's, which GLib would load and search for
 * nothing (~4 MiB, and seconds under ASan) before asking
 * hn_control_client_accept_certificate_cb() anyway. */
static void
hn_control_client_network_event_cb (SoupMessage *msg,
                                    GSocketClientEvent event,
                                    GIOStream *connection,
                                    gpointer user_data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && G_IS_TLS_CONNECTION (connection))
    g_tls_connection_set_database (G_TLS_CONNECTION (connection), NULL);
}

/* Whether the TLS connection that @msg went over is to the right hub: a
 * certificate that validated against the CA database is checked against
 * the pin too. Sets @why otherwise. */
static gboolean
hn_control_client_check_peer (HnControlClient *self, SoupMessage *msg, gchar **why)
{
  GTlsCertificate *certificate;

  if (self->insecure)
    return TRUE;
  certificate = soup_message_get_tls_peer_certificate (msg);
  if (certificate == NULL) {
    *why = g_strdup ("no TLS certificate from the hub");
    return FALSE;
  }
  g_free (self->seen);
  self->seen = hn_secrets_get_certificate_fingerprint (certificate);
  if (self->pin != NULL && !g_str_equal (self->seen, self->pin)) {
    *why = g_strdup_printf ("its certificate %s is not the pinned %s", self->seen, self->pin);
    return FALSE;
  }
  return TRUE;
}

static void
hn_control_client_connect_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HnControlConnectData *cd = user_data;
  g_autoptr (HnControlClient) self = cd->self;
  g_autoptr (GCancellable) cancellable = cd->cancellable;
  g_autoptr (SoupMessage) msg = cd->msg;
  g_autoptr (GError) error = NULL;
  g_autoptr (SoupWebsocketConnection) ws = NULL;
  g_autoptr (JsonNode) hello = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *why = NULL;

  g_free (cd);
  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_signal_handlers_disconnect_by_data (msg, self);
  /* a stale attempt: the client moved on (stop, timeout) and cancelled it */
  if (g_cancellable_is_cancelled (cancellable) || cancellable != self->cancellable)
    return;
  g_clear_object (&self->cancellable);
  if (ws == NULL && g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) &&
      self->pin != NULL && self->seen != NULL) {
    why = g_strdup_printf ("refusing it: its certificate %s is not the pinned %s", self->seen,
                           self->pin);
    hn_control_client_fail (self, CLIENT_FAIL_CERTIFICATE, why);
    return;
  }
  if (ws == NULL && g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE)) {
    why = g_strdup_printf ("refusing it: %s (certificate %s)", error->message,
                           self->seen != NULL ? self->seen : "unknown");
    hn_control_client_fail (self, CLIENT_FAIL_CERTIFICATE, why);
    return;
  }
  if (ws == NULL) {
    hn_control_client_fail (self, 0, error->message);
    return;
  }
  if (!hn_control_client_check_peer (self, msg, &why)) {
    g_autofree gchar *refusal = g_strdup_printf ("refusing it: %s", why);

    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "certificate");
    hn_control_client_fail (self, CLIENT_FAIL_CERTIFICATE, refusal);
    return;
  }

  self->ws = g_steal_pointer (&ws);
  self->last_heard_usec = g_get_monotonic_time ();
  soup_websocket_connection_set_max_incoming_payload_size (self->ws, HN_CONTROL_MAX_MESSAGE_SIZE);
  soup_websocket_connection_set_keepalive_interval (self->ws, self->keepalive_s);
  g_signal_connect (self->ws, "message", G_CALLBACK (hn_control_client_message_cb), self);
  g_signal_connect (self->ws, "pong", G_CALLBACK (hn_control_client_pong_cb), self);
  g_signal_connect (self->ws, "error", G_CALLBACK (hn_control_client_error_cb), self);
  g_signal_connect (self->ws, "closed", G_CALLBACK (hn_control_client_closed_cb), self);
  self->liveness_id =
      g_timeout_add_seconds (self->keepalive_s, hn_control_client_liveness_cb, self);

  /* the hub speaks first: its challenge */
  self->state = CLIENT_CHALLENGED;
}

static void
hn_control_client_connect (HnControlClient *self)
{
  g_autoptr (SoupMessage) msg = NULL;
  g_autofree gchar *uri = NULL;
  HnControlConnectData *cd;
  const gchar *protocols[] = { HN_CONTROL_PROTOCOL, NULL };

  uri = g_uri_join (G_URI_FLAGS_NONE, self->insecure ? "ws" : "wss", NULL, self->host, self->port,
                    HN_CONTROL_PATH, NULL, NULL);
  msg = soup_message_new ("GET", uri);
  if (msg == NULL) {
    hn_control_client_fail (self, 0, "not a valid hub address");
    return;
  }
  g_clear_pointer (&self->seen, g_free);
  if (self->pin != NULL)
    g_signal_connect (msg, "accept-certificate",
                      G_CALLBACK (hn_control_client_accept_certificate_cb), self);
  if (self->pin != NULL && self->ca == NULL)
    g_signal_connect (msg, "network-event", G_CALLBACK (hn_control_client_network_event_cb), self);
  g_debug ("control: connecting to hub %s", self->label);
  self->state = CLIENT_CONNECTING;
  self->cancellable = g_cancellable_new ();
  self->connect_timeout_id =
      g_timeout_add (HN_CONTROL_CONNECT_TIMEOUT_MS, hn_control_client_connect_timeout_cb, self);
  cd = g_new0 (HnControlConnectData, 1);
  cd->self = g_object_ref (self);
  cd->cancellable = g_object_ref (self->cancellable);
  cd->msg = g_object_ref (msg);
  soup_session_websocket_connect_async (self->session, msg, NULL, (gchar **) protocols,
                                        G_PRIORITY_DEFAULT, self->cancellable,
                                        hn_control_client_connect_cb, cd);
}

static void
hn_control_client_dispose (GObject *object)
{
  HnControlClient *self = HN_CONTROL_CLIENT (object);

  /* no "disconnected" from here: the owner is letting go */
  g_clear_handle_id (&self->retry_id, g_source_remove);
  hn_control_client_abandon (self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "endpoint shutting down");
  self->state = CLIENT_STOPPED;
  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (hn_control_client_parent_class)->dispose (object);
}

static void
hn_control_client_finalize (GObject *object)
{
  HnControlClient *self = HN_CONTROL_CLIENT (object);

  g_free (self->host);
  g_free (self->label);
  g_free (self->site);
  if (self->token != NULL)
    explicit_bzero (self->token, strlen (self->token));
  g_free (self->token);
  g_free (self->hub_version);
  g_free (self->last_error);
  g_free (self->logged_error);
  g_free (self->pin);
  g_free (self->seen);
  g_clear_object (&self->ca);

  G_OBJECT_CLASS (hn_control_client_parent_class)->finalize (object);
}

static void
hn_control_client_class_init (HnControlClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hn_control_client_dispose;
  object_class->finalize = hn_control_client_finalize;

  /**
   * HnControlClient::connected:
   *
   * The hub welcomed this site.
   */
  signals[SIGNAL_CONNECTED] = g_signal_new ("connected", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * HnControlClient::disconnected:
   *
   * A welcomed connection ended; the client is already waiting to connect
   * again (unless it was stopped).
   */
  signals[SIGNAL_DISCONNECTED] =
      g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 0);

  /**
   * HnControlClient::message:
   * @message: a validated join, leave, floor, mute or keyframe message
   */
  signals[SIGNAL_MESSAGE] =
      g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, JSON_TYPE_NODE | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
hn_control_client_init (HnControlClient *self)
{
  self->backoff_min_ms = HN_CONTROL_BACKOFF_MIN_MS;
  self->backoff_max_ms = HN_CONTROL_BACKOFF_MAX_MS;
  self->backoff_ms = self->backoff_min_ms;
  self->keepalive_s = HN_CONTROL_KEEPALIVE_INTERVAL;
  self->state = CLIENT_STOPPED;
  /* straight to the hub: a proxy picked up from the environment would
   * stand between the hub and its rooms' liveness checks */
  self->session = soup_session_new_with_options ("user-agent", "hoinghid/" HN_VERSION " ",
                                                 "proxy-resolver", NULL, NULL);
}

/**
 * hn_control_client_new:
 * @hub_host: the hub's IP address or host name
 * @hub_port: its control port
 * @site_id: this room's site id
 * @token: this room's token (see hn-secrets.h)
 *
 * Give it the media ports with hn_control_client_set_hello_media(), then
 * hn_control_client_start().
 */
HnControlClient *
hn_control_client_new (const gchar *hub_host,
                       guint hub_port,
                       const gchar *site_id,
                       const gchar *token)
{
  HnControlClient *self;

  g_return_val_if_fail (hub_host != NULL, NULL);
  g_return_val_if_fail (hub_port >= 1 && hub_port <= 65535, NULL);
  g_return_val_if_fail (hn_site_id_is_valid (site_id), NULL);
  g_return_val_if_fail (token != NULL, NULL);

  self = g_object_new (HN_TYPE_CONTROL_CLIENT, NULL);
  self->host = g_strdup (hub_host);
  self->port = hub_port;
  self->label = strchr (hub_host, ':') != NULL ? g_strdup_printf ("[%s]:%u", hub_host, hub_port)
                                               : g_strdup_printf ("%s:%u", hub_host, hub_port);
  self->site = g_strdup (site_id);
  self->token = g_strdup (token);
  return self;
}

/**
 * hn_control_client_set_hello_media:
 *
 * Sets what the next hello says; a connection that is already up keeps
 * what it said.
 */
void
hn_control_client_set_hello_media (HnControlClient *self, const HnControlHelloMedia *media)
{
  g_return_if_fail (HN_IS_CONTROL_CLIENT (self));
  g_return_if_fail (media != NULL);

  self->media = *media;
  self->have_media = TRUE;
}

/**
 * hn_control_client_set_tls:
 * @pin: (nullable): the fingerprint of the hub's certificate, in the form
 *   of hn_secrets_get_certificate_fingerprint(): only that certificate is
 *   trusted, whoever signed it
 * @ca: (nullable): the CA that signs the hub's certificate (which must
 *   then also name the hub's address)
 *
 * How the hub is trusted, for connections made from now on. With neither,
 * the system's CAs are. Give @pin or @ca, or both (then the certificate
 * must pass both).
 */
void
hn_control_client_set_tls (HnControlClient *self, const gchar *pin, GTlsDatabase *ca)
{
  g_return_if_fail (HN_IS_CONTROL_CLIENT (self));
  g_return_if_fail (ca == NULL || G_IS_TLS_DATABASE (ca));

  self->insecure = FALSE;
  g_free (self->pin);
  self->pin = g_strdup (pin);
  g_set_object (&self->ca, ca);
  if (ca != NULL)
    soup_session_set_tls_database (self->session, ca);
}

/**
 * hn_control_client_set_insecure:
 *
 * Plain ws from the next connection on: no TLS, nothing to trust. For labs
 * and tests only.
 */
void
hn_control_client_set_insecure (HnControlClient *self)
{
  g_return_if_fail (HN_IS_CONTROL_CLIENT (self));

  self->insecure = TRUE;
  g_clear_pointer (&self->pin, g_free);
  g_clear_object (&self->ca);
}

/**
 * hn_control_client_set_backoff:
 * @min_ms: the first delay before connecting again
 * @max_ms: the longest delay
 *
 * The defaults are HN_CONTROL_BACKOFF_MIN_MS and HN_CONTROL_BACKOFF_MAX_MS;
 * tests use shorter ones.
 */
void
hn_control_client_set_backoff (HnControlClient *self, guint min_ms, guint max_ms)
{
  g_return_if_fail (HN_IS_CONTROL_CLIENT (self));
  g_return_if_fail (min_ms >= 1 && min_ms <= max_ms);

  self->backoff_min_ms = min_ms;
  self->backoff_max_ms = max_ms;
  self->backoff_ms = min_ms;
}

/**
 * hn_control_client_set_keepalive:
 * @interval_s: seconds between pings (at least 1); a hub silent for three
 *   intervals counts as lost
 *
 * For connections made from now on (default HN_CONTROL_KEEPALIVE_INTERVAL).
 */
void
hn_control_client_set_keepalive (HnControlClient *self, guint interval_s)
{
  g_return_if_fail (HN_IS_CONTROL_CLIENT (self));
  g_return_if_fail (interval_s >= 1);

  self->keepalive_s = interval_s;
}

/**
 * hn_control_client_start:
 *
 * Connects to the hub, and keeps connecting until
 * hn_control_client_stop(). Does nothing when already started.
 */
void
hn_control_client_start (HnControlClient *self)
{
  g_return_if_fail (HN_IS_CONTROL_CLIENT (self));
  g_return_if_fail (self->have_media);

  if (self->state != CLIENT_STOPPED)
    return;
  self->backoff_ms = self->backoff_min_ms;
  hn_control_client_connect (self);
}

/**
 * hn_control_client_stop:
 *
 * Closes the connection (1000) or stops trying; "disconnected" is emitted
 * if the hub had welcomed this site.
 */
void
hn_control_client_stop (HnControlClient *self)
{
  gboolean was_connected;

  g_return_if_fail (HN_IS_CONTROL_CLIENT (self));

  was_connected = self->state == CLIENT_CONNECTED;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  hn_control_client_abandon (self, SOUP_WEBSOCKET_CLOSE_NORMAL, "endpoint stopping");
  self->state = CLIENT_STOPPED;
  g_clear_pointer (&self->last_error, g_free);
  g_clear_pointer (&self->logged_error, g_free);
  if (was_connected)
    g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0);
}

/**
 * hn_control_client_send:
 * @message: an endpoint-to-hub message (stats, floor-request,
 *   floor-cancel)
 *
 * Errors: HN_ERROR_UNAVAILABLE when not connected, HN_ERROR_INVALID_ARGUMENT
 * for a message that is not valid or not the endpoint's to send,
 * HN_ERROR_PAYLOAD_TOO_LARGE.
 */
gboolean
hn_control_client_send (HnControlClient *self, JsonNode *message, GError **error)
{
  g_autofree gchar *text = NULL;
  HnControlMessageType type;

  g_return_val_if_fail (HN_IS_CONTROL_CLIENT (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  if (!hn_control_message_validate (message, &type, error))
    return FALSE;
  if (!hn_control_message_type_is_from_endpoint (type) || type == HN_CONTROL_MESSAGE_HELLO) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "an endpoint does not send '%s' messages",
                 hn_control_message_type_to_string (type));
    return FALSE;
  }
  if (self->state != CLIENT_CONNECTED ||
      soup_websocket_connection_get_state (self->ws) != SOUP_WEBSOCKET_STATE_OPEN) {
    g_set_error (error, HN_ERROR, HN_ERROR_UNAVAILABLE, "not connected to hub %s", self->label);
    return FALSE;
  }
  text = hn_control_message_to_string (message);
  if (strlen (text) > HN_CONTROL_MAX_MESSAGE_SIZE) {
    g_set_error (error, HN_ERROR, HN_ERROR_PAYLOAD_TOO_LARGE,
                 "message of %" G_GSIZE_FORMAT " bytes is larger than %d", strlen (text),
                 HN_CONTROL_MAX_MESSAGE_SIZE);
    return FALSE;
  }
  soup_websocket_connection_send_text (self->ws, text);
  return TRUE;
}

/**
 * hn_control_client_is_connected:
 *
 * Returns: whether the hub has welcomed this site on the current connection
 */
gboolean
hn_control_client_is_connected (HnControlClient *self)
{
  g_return_val_if_fail (HN_IS_CONTROL_CLIENT (self), FALSE);
  return self->state == CLIENT_CONNECTED;
}

/**
 * hn_control_client_get_last_error:
 *
 * Returns: (nullable): why the last attempt failed or the last connection
 *   ended, e.g. "authentication failed"; %NULL while connected and before
 *   the first failure
 */
const gchar *
hn_control_client_get_last_error (HnControlClient *self)
{
  g_return_val_if_fail (HN_IS_CONTROL_CLIENT (self), NULL);
  return self->last_error;
}

/**
 * hn_control_client_get_hub_version:
 *
 * Returns: (nullable): the hoinghi version of the hub that last welcomed
 *   this site
 */
const gchar *
hn_control_client_get_hub_version (HnControlClient *self)
{
  g_return_val_if_fail (HN_IS_CONTROL_CLIENT (self), NULL);
  return self->hub_version;
}

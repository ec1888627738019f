/* HnEndpoint: a room PC's role. It keeps the room's control channel to the
 * hub open, forever (HnControlClient reconnects with backoff), and runs
 * the room's media (HnEndpointMedia): the program it receives is always
 * played; its own camera and microphone are sent only while the hub has
 * it joined to a meeting.
 *
 * The control channel is wss, to a hub whose certificate is pinned
 * (hub-fingerprint=) or signed by a CA of the room's choosing (hub-ca=);
 * plain ws only with insecure=true, in a lab.
 *
 * Configuration comes from endpoint.conf ([endpoint] group) and the
 * command line, which wins. */

#define G_LOG_DOMAIN "hoinghi-endpoint"

#include "hn-endpoint.h"

#include <gio/gio.h>
#include <string.h>

#include "hn-build-config.h"
#include "hn-conf-source.h"
#include "hn-control-client.h"
#include "hn-control-message.h"
#include "hn-endpoint-media.h"
#include "hn-error.h"
#include "hn-secrets.h"
#include "hn-site.h"
#include "hn-util.h"

#define HN_ENDPOINT_DEFAULT_CONTROL_PORT 8443

struct _HnEndpoint {
  GObject parent_instance;

  HnEndpointConfig config;
  gchar *hub_host;
  guint hub_port;
  HnEndpointMedia *media;
  HnControlClient *client;
  gchar *meeting;
  gchar *title;
  gchar *floor;
  gboolean muted;
  guint stats_id;
};

G_DEFINE_FINAL_TYPE (HnEndpoint, hn_endpoint, G_TYPE_OBJECT)

static const gchar *const endpoint_keys[] = { "site",      "hub",        "token-file",
                                              "source",    "sink",       "test-color",
                                              "test-tone", "media-port", "hub-fingerprint",
                                              "hub-ca",    "insecure",   NULL };

void
hn_endpoint_config_clear (HnEndpointConfig *config)
{
  g_clear_pointer (&config->site, g_free);
  g_clear_pointer (&config->hub, g_free);
  g_clear_pointer (&config->token_file, g_free);
  g_clear_pointer (&config->hub_fingerprint, g_free);
  g_clear_pointer (&config->hub_ca, g_free);
  g_clear_pointer (&config->source, g_free);
  g_clear_pointer (&config->sink, g_free);
}

static void
hn_endpoint_config_take (gchar **field, GKeyFile *kf, const gchar *key)
{
  g_autofree gchar *value = g_key_file_get_string (kf, "endpoint", key, NULL);

  /* the command line, already in @field, wins */
  if (value != NULL && *field == NULL)
    *field = g_strstrip (g_steal_pointer (&value));
}

/**
 * hn_endpoint_config_load:
 *
 * Fills what the command line left unset from @path's [endpoint] group.
 * A missing file is no error (everything may come from the command line).
 */
gboolean
hn_endpoint_config_load (HnEndpointConfig *config, const gchar *path, GError **error)
{
  g_autoptr (HnConfSource) src = hn_conf_source_new ();
  g_autoptr (GError) local_error = NULL;
  const gchar *const *groups;
  GKeyFile *kf;

  if (!hn_conf_source_load (src, path, NULL, &local_error)) {
    if (g_error_matches (local_error, HN_ERROR, HN_ERROR_NOT_FOUND))
      return TRUE;
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }
  if (!hn_conf_source_check (src, error))
    return FALSE;
  groups = hn_conf_source_get_groups (src);
  for (guint i = 0; groups[i] != NULL; i++) {
    if (!g_str_equal (groups[i], "endpoint"))
      hn_conf_source_add_problem (src, HN_ERROR_CONFIG_UNKNOWN_GROUP, groups[i], NULL,
                                  "unknown group; an endpoint's file has only [endpoint]");
  }
  hn_conf_source_check_keys (src, "endpoint", endpoint_keys);
  kf = hn_conf_source_get_key_file (src);
  hn_endpoint_config_take (&config->site, kf, "site");
  hn_endpoint_config_take (&config->hub, kf, "hub");
  hn_endpoint_config_take (&config->token_file, kf, "token-file");
  hn_endpoint_config_take (&config->hub_fingerprint, kf, "hub-fingerprint");
  hn_endpoint_config_take (&config->hub_ca, kf, "hub-ca");
  if (g_key_file_has_key (kf, "endpoint", "insecure", NULL) && !config->insecure) {
    g_autofree gchar *v = g_key_file_get_string (kf, "endpoint", "insecure", NULL);

    if (g_strcmp0 (v, "true") == 0)
      config->insecure = TRUE;
    else if (g_strcmp0 (v, "false") != 0)
      hn_conf_source_add_problem (src, HN_ERROR_CONFIG_INVALID_VALUE, "endpoint", "insecure",
                                  "'%s' is not true or false", v != NULL ? v : "");
  }
  hn_endpoint_config_take (&config->source, kf, "source");
  hn_endpoint_config_take (&config->sink, kf, "sink");
  if (g_key_file_has_key (kf, "endpoint", "test-color", NULL) && config->test_color == 0) {
    g_autofree gchar *v = g_key_file_get_string (kf, "endpoint", "test-color", NULL);
    guint64 color = 0;

    if (v == NULL || !g_ascii_string_to_unsigned (g_str_has_prefix (v, "0x") ? v + 2 : v, 16, 0,
                                                  0xffffff, &color, NULL))
      hn_conf_source_add_problem (src, HN_ERROR_CONFIG_INVALID_VALUE, "endpoint", "test-color",
                                  "'%s' is not a colour 0xRRGGBB", v != NULL ? v : "");
    config->test_color = color;
  }
  if (g_key_file_has_key (kf, "endpoint", "test-tone", NULL) && config->test_tone == 0) {
    g_autofree gchar *v = g_key_file_get_string (kf, "endpoint", "test-tone", NULL);

    if (!hn_util_parse_uint (v, 20, 20000, &config->test_tone))
      hn_conf_source_add_problem (src, HN_ERROR_CONFIG_INVALID_VALUE, "endpoint", "test-tone",
                                  "'%s' is not a frequency from 20 to 20000 Hz", v);
  }
  if (g_key_file_has_key (kf, "endpoint", "media-port", NULL) && config->media_port == 0) {
    g_autofree gchar *v = g_key_file_get_string (kf, "endpoint", "media-port", NULL);

    if (!hn_util_parse_uint (v, 0, 65532, &config->media_port))
      hn_conf_source_add_problem (src, HN_ERROR_CONFIG_INVALID_VALUE, "endpoint", "media-port",
                                  "'%s' is not a port from 0 to 65532", v);
  }
  return hn_conf_source_check (src, error);
}

/**
 * hn_endpoint_config_check:
 *
 * Checks that the settings are complete and well formed, and fills in the
 * defaults (source test, sink auto, a grey picture and 440 Hz).
 */
gboolean
hn_endpoint_config_check (const HnEndpointConfig *config, GError **error)
{
  if (config->site == NULL || !hn_site_id_is_valid (config->site)) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 config->site == NULL ? "the room's site id is missing (--site ID or site=)"
                                      : "'%s' is not a site id",
                 config->site);
    return FALSE;
  }
  if (config->hub == NULL) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                         "the hub's address is missing (--hub HOST:PORT or hub=)");
    return FALSE;
  }
  if (config->token_file == NULL) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                         "the site's token file is missing (--token-file FILE or token-file=; "
                         "at the hub: hoinghictl token SITE)");
    return FALSE;
  }
  if (!config->insecure && config->hub_fingerprint == NULL && config->hub_ca == NULL) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                         "nothing to trust the hub by: give its certificate's fingerprint "
                         "(--hub-fingerprint sha256:… or hub-fingerprint=; at the hub: "
                         "hoinghictl status) or the CA that signs it (--hub-ca FILE or hub-ca=), "
                         "or, in a lab only, --insecure");
    return FALSE;
  }
  if (config->insecure && (config->hub_fingerprint != NULL || config->hub_ca != NULL)) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                         "insecure (plain ws) and a hub fingerprint or CA contradict each other; "
                         "keep one");
    return FALSE;
  }
  if (config->source != NULL && !g_str_equal (config->source, "test") &&
      !g_str_equal (config->source, "camera")) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "source '%s': a room's source is test or camera", config->source);
    return FALSE;
  }
  if (config->sink != NULL && !g_str_equal (config->sink, "auto") &&
      !g_str_equal (config->sink, "none")) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "sink '%s': a room's sink is auto or none", config->sink);
    return FALSE;
  }
  return TRUE;
}

static void
hn_endpoint_dispose (GObject *object)
{
  HnEndpoint *self = HN_ENDPOINT (object);

  g_clear_handle_id (&self->stats_id, g_source_remove);
  if (self->client != NULL)
    hn_control_client_stop (self->client);
  g_clear_object (&self->client);
  g_clear_object (&self->media);

  G_OBJECT_CLASS (hn_endpoint_parent_class)->dispose (object);
}

static void
hn_endpoint_finalize (GObject *object)
{
  HnEndpoint *self = HN_ENDPOINT (object);

  hn_endpoint_config_clear (&self->config);
  g_free (self->hub_host);
  g_free (self->meeting);
  g_free (self->title);
  g_free (self->floor);

  G_OBJECT_CLASS (hn_endpoint_parent_class)->finalize (object);
}

static void
hn_endpoint_class_init (HnEndpointClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hn_endpoint_dispose;
  object_class->finalize = hn_endpoint_finalize;
}

static void
hn_endpoint_init (HnEndpoint *self)
{
}

static void
hn_endpoint_leave (HnEndpoint *self)
{
  if (self->meeting == NULL)
    return;
  hn_endpoint_media_stop_sending (self->media);
  hn_endpoint_media_set_muted (self->media, FALSE);
  g_message ("left meeting %s; standing by", self->meeting);
  g_clear_pointer (&self->meeting, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->floor, g_free);
  self->muted = FALSE;
}

static void
hn_endpoint_join (HnEndpoint *self, JsonNode *message)
{
  HnControlJoinMedia join;
  HnEndpointFormat format;
  g_autoptr (GError) error = NULL;

  hn_control_message_get_join_media (message, &join);
  /* a room that trusts its hub by certificate takes only encrypted media */
  if (!self->config.insecure && !join.srtp) {
    g_warning ("cannot join meeting %s: the hub sent no media keys (is it insecure=true?)",
               hn_control_message_get_meeting (message));
    return;
  }
  if (join.srtp && !self->config.insecure)
    hn_endpoint_media_set_keys (self->media, join.program_key, join.program_video_roc,
                                join.program_audio_roc, join.return_key);
  explicit_bzero (join.program_key, sizeof join.program_key);
  explicit_bzero (join.return_key, sizeof join.return_key);
  format.width = join.video_width;
  format.height = join.video_height;
  format.framerate = join.video_framerate;
  format.video_bitrate = join.video_bitrate;
  format.audio_bitrate = join.audio_bitrate;
  if (hn_endpoint_media_is_sending (self->media))
    hn_endpoint_media_stop_sending (self->media);
  if (!hn_endpoint_media_start_sending (self->media, self->hub_host, join.hub_rtp_port,
                                        join.program_video_rtcp_port, join.program_audio_rtcp_port,
                                        &format, &error)) {
    g_warning ("cannot send to meeting %s: %s", hn_control_message_get_meeting (message),
               error->message);
    return;
  }
  g_free (self->meeting);
  self->meeting = g_strdup (hn_control_message_get_meeting (message));
  g_free (self->title);
  self->title = g_strdup (hn_control_message_get_title (message));
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "SITE_ID", self->config.site, "MEETING_ID",
                    self->meeting, "MESSAGE", "joined meeting %s (%ux%u at %u fps)", self->meeting,
                    format.width, format.height, format.framerate);
}

static void
hn_endpoint_message_cb (HnControlClient *client, JsonNode *message, gpointer user_data)
{
  HnEndpoint *self = user_data;

  switch (hn_control_message_peek_type (message)) {
  case HN_CONTROL_MESSAGE_JOIN:
    hn_endpoint_join (self, message);
    break;
  case HN_CONTROL_MESSAGE_LEAVE:
    hn_endpoint_leave (self);
    break;
  case HN_CONTROL_MESSAGE_FLOOR:
    g_free (self->floor);
    self->floor = g_strdup (hn_control_message_get_site (message));
    break;
  case HN_CONTROL_MESSAGE_MUTE:
    self->muted = hn_control_message_get_muted (message);
    hn_endpoint_media_set_muted (self->media, self->muted);
    g_message ("microphone %s by the hub", self->muted ? "muted" : "unmuted");
    break;
  case HN_CONTROL_MESSAGE_KEYFRAME:
    hn_endpoint_media_force_keyframe (self->media);
    break;
  default:
    break;
  }
}

static void
hn_endpoint_disconnected_cb (HnControlClient *client, gpointer user_data)
{
  HnEndpoint *self = user_data;

  /* no hub, no meeting: stop sending; the hub joins the room again when
   * the channel is back */
  hn_endpoint_leave (self);
}

static gboolean
hn_endpoint_read_token (const gchar *path, gchar **token, GError **error)
{
  g_autofree gchar *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, error)) {
    hn_error_convert (error);
    return FALSE;
  }
  g_strstrip (contents);
  if (*contents == '\0') {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "%s: the token file is empty", path);
    return FALSE;
  }
  *token = g_steal_pointer (&contents);
  return TRUE;
}

/**
 * hn_endpoint_new:
 *
 * Opens the room's media ports and prepares the control channel; nothing
 * is sent until hn_endpoint_start().
 */
HnEndpoint *
hn_endpoint_new (const HnEndpointConfig *config, GError **error)
{
  g_autoptr (HnEndpoint) self = NULL;
  g_autoptr (GSocketConnectable) hub = NULL;
  g_autofree gchar *token = NULL;
  g_autofree gchar *pin = NULL;
  g_autoptr (GTlsDatabase) ca = NULL;
  HnEndpointMediaConfig mc = { 0 };
  HnControlHelloMedia hello = { 0 };

  if (!hn_endpoint_config_check (config, error))
    return NULL;
  hub = g_network_address_parse (config->hub, HN_ENDPOINT_DEFAULT_CONTROL_PORT, error);
  if (hub == NULL) {
    hn_error_convert (error);
    g_prefix_error (error, "hub '%s': ", config->hub);
    return NULL;
  }
  if (!hn_endpoint_read_token (config->token_file, &token, error))
    return NULL;
  if (config->hub_fingerprint != NULL) {
    pin = hn_secrets_parse_fingerprint (config->hub_fingerprint, error);
    if (pin == NULL) {
      g_prefix_error (error, "hub fingerprint: ");
      return NULL;
    }
  }
  if (config->hub_ca != NULL) {
    ca = g_tls_file_database_new (config->hub_ca, error);
    if (ca == NULL) {
      hn_error_convert (error);
      g_prefix_error (error, "hub CA %s: ", config->hub_ca);
      return NULL;
    }
  }

  self = g_object_new (HN_TYPE_ENDPOINT, NULL);
  self->config.site = g_strdup (config->site);
  self->config.hub = g_strdup (config->hub);
  self->config.token_file = g_strdup (config->token_file);
  self->config.hub_fingerprint = g_strdup (pin);
  self->config.hub_ca = g_strdup (config->hub_ca);
  self->config.insecure = config->insecure;
  self->config.source = g_strdup (config->source != NULL ? config->source : "test");
  self->config.sink = g_strdup (config->sink != NULL ? config->sink : "auto");
  self->config.test_color = config->test_color != 0 ? config->test_color : 0x808080;
  self->config.test_tone = config->test_tone != 0 ? config->test_tone : 440;
  self->config.media_port = config->media_port;
  self->config.lab_loss_send = config->lab_loss_send;
  self->config.lab_delay_send = config->lab_delay_send;
  self->config.lab_loss_receive = config->lab_loss_receive;
  self->config.lab_delay_receive = config->lab_delay_receive;
  self->hub_host = g_strdup (g_network_address_get_hostname (G_NETWORK_ADDRESS (hub)));
  self->hub_port = g_network_address_get_port (G_NETWORK_ADDRESS (hub));

  mc.source = self->config.source;
  mc.sink = self->config.sink;
  mc.test_color = self->config.test_color;
  mc.test_tone = self->config.test_tone;
  mc.netsim_send_loss = config->lab_loss_send;
  mc.netsim_send_delay = config->lab_delay_send;
  mc.netsim_receive_loss = config->lab_loss_receive;
  mc.netsim_receive_delay = config->lab_delay_receive;
  mc.srtp = !config->insecure;
  if (config->media_port != 0) {
    mc.video_rtp_port = config->media_port;
    mc.video_rtcp_port = config->media_port + 1;
    mc.audio_rtp_port = config->media_port + 2;
    mc.audio_rtcp_port = config->media_port + 3;
  }
  self->media = hn_endpoint_media_new (&mc, error);
  if (self->media == NULL)
    return NULL;
  hn_endpoint_media_get_ports (self->media, &hello.video_rtp_port, &hello.video_rtcp_port,
                               &hello.audio_rtp_port, &hello.audio_rtcp_port);
  hello.video_ssrc = hn_endpoint_media_get_video_ssrc (self->media);
  hello.audio_ssrc = hn_endpoint_media_get_audio_ssrc (self->media);

  self->client = hn_control_client_new (self->hub_host, self->hub_port, config->site, token);
  hn_control_client_set_hello_media (self->client, &hello);
  if (config->insecure) {
    g_warning ("control: insecure: plain ws to hub %s, nothing encrypted and any hub trusted; "
               "for a lab only",
               config->hub);
    hn_control_client_set_insecure (self->client);
  } else {
    hn_control_client_set_tls (self->client, pin, ca);
  }
  g_signal_connect_object (self->client, "message", G_CALLBACK (hn_endpoint_message_cb), self, 0);
  g_signal_connect_object (self->client, "disconnected", G_CALLBACK (hn_endpoint_disconnected_cb),
                           self, 0);
  return g_steal_pointer (&self);
}

/* What the room plays, sent to the hub every few seconds while it is in a
 * meeting: the hub shows it next to its own view of the link */
static gboolean
hn_endpoint_stats_cb (gpointer user_data)
{
  HnEndpoint *self = user_data;
  g_autoptr (JsonNode) playout = NULL;
  g_autoptr (JsonNode) message = NULL;
  g_autoptr (JsonObject) stats = json_object_new ();
  JsonObject *p;

  if (self->meeting == NULL || !hn_control_client_is_connected (self->client))
    return G_SOURCE_CONTINUE;
  playout = hn_endpoint_media_get_playout (self->media);
  p = json_node_get_object (playout);
  json_object_set_member (stats, "frames-decoded",
                          json_node_copy (json_object_get_member (p, "frames-decoded")));
  json_object_set_member (stats, "last-frame-age-ms",
                          json_node_copy (json_object_get_member (p, "last-frame-age-ms")));
  message = hn_control_message_new_stats (stats);
  hn_control_client_send (self->client, message, NULL);
  return G_SOURCE_CONTINUE;
}

void
hn_endpoint_start (HnEndpoint *self)
{
  g_return_if_fail (HN_IS_ENDPOINT (self));
  hn_control_client_start (self->client);
  if (self->stats_id == 0) {
    self->stats_id = g_timeout_add_seconds (2, hn_endpoint_stats_cb, self);
    g_source_set_name_by_id (self->stats_id, "[hoinghi] endpoint stats");
  }
}

void
hn_endpoint_stop (HnEndpoint *self)
{
  g_return_if_fail (HN_IS_ENDPOINT (self));
  hn_control_client_stop (self->client);
  hn_endpoint_leave (self);
}

const gchar *
hn_endpoint_get_site (HnEndpoint *self)
{
  g_return_val_if_fail (HN_IS_ENDPOINT (self), NULL);
  return self->config.site;
}

/**
 * hn_endpoint_describe:
 *
 * Returns: the one line systemctl status shows
 */
gchar *
hn_endpoint_describe (HnEndpoint *self)
{
  g_return_val_if_fail (HN_IS_ENDPOINT (self), NULL);

  if (!hn_control_client_is_connected (self->client))
    return g_strdup_printf ("%s: connecting to hub %s", self->config.site, self->config.hub);
  if (self->meeting == NULL)
    return g_strdup_printf ("%s: standby, hub %s", self->config.site, self->config.hub);
  return g_strdup_printf ("%s: in meeting %s", self->config.site, self->meeting);
}

/**
 * hn_endpoint_request_floor:
 * @request: %TRUE to ask for the floor, %FALSE to withdraw the request
 */
gboolean
hn_endpoint_request_floor (HnEndpoint *self, gboolean request, GError **error)
{
  g_autoptr (JsonNode) message = NULL;

  g_return_val_if_fail (HN_IS_ENDPOINT (self), FALSE);

  if (self->meeting == NULL) {
    g_set_error_literal (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT, "the room is in no meeting");
    return FALSE;
  }
  message = hn_control_message_new (request ? HN_CONTROL_MESSAGE_FLOOR_REQUEST
                                            : HN_CONTROL_MESSAGE_FLOOR_CANCEL);
  return hn_control_client_send (self->client, message, error);
}

/**
 * hn_endpoint_to_json:
 *
 * Returns: the room as the API shows it, with what it plays
 */
JsonNode *
hn_endpoint_to_json (HnEndpoint *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (HN_IS_ENDPOINT (self), NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "site");
  json_builder_add_string_value (b, self->config.site);
  json_builder_set_member_name (b, "hub");
  json_builder_add_string_value (b, self->config.hub);
  json_builder_set_member_name (b, "connected");
  json_builder_add_boolean_value (b, hn_control_client_is_connected (self->client));
  /* why it is not connected (a refused token, no answer), for the operator */
  json_builder_set_member_name (b, "last-error");
  if (hn_control_client_get_last_error (self->client) != NULL)
    json_builder_add_string_value (b, hn_control_client_get_last_error (self->client));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "meeting");
  if (self->meeting != NULL)
    json_builder_add_string_value (b, self->meeting);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "floor");
  if (self->floor != NULL)
    json_builder_add_string_value (b, self->floor);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "muted");
  json_builder_add_boolean_value (b, self->muted);
  json_builder_set_member_name (b, "sending");
  json_builder_add_boolean_value (b, hn_endpoint_media_is_sending (self->media));
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, self->config.source);
  json_builder_set_member_name (b, "playout");
  json_builder_add_value (b, hn_endpoint_media_get_playout (self->media));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

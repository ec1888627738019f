/* HnDaemon: hoinghid's lifecycle. It loads the configuration, prepares the
 * state directory, opens the API, tells systemd it is ready, and then runs
 * the main loop until SIGTERM/SIGINT. SIGHUP reloads: a new configuration
 * replaces the running one only if it loads without a single problem;
 * otherwise the old one stays and the errors are logged and shown by the
 * API (/api/v1/status "last-reload-error"). */

#define G_LOG_DOMAIN "hoinghi-daemon"

#include "hn-daemon.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "hn-api-server.h"
#include "hn-endpoint.h"
#include "hn-hub.h"
#include "hn-meetings-config.h"
#include "hn-systemd.h"

struct _HnDaemon {
  GObject parent_instance;

  gchar *role;
  gchar *config_path;
  gchar *socket_path;
  gchar *state_dir;
  gchar *meetings_path;

  HnEndpointConfig endpoint_config;

  HnConfig *config;
  HnHub *hub;
  HnEndpoint *endpoint;
  HnApiServer *api;
  guint status_id;
  gchar *last_status;
  HnSystemd *systemd;
  GMainLoop *loop;
  guint sigterm_id;
  guint sigint_id;
  guint sighup_id;
};

G_DEFINE_FINAL_TYPE (HnDaemon, hn_daemon, G_TYPE_OBJECT)

static void
hn_daemon_dispose (GObject *object)
{
  HnDaemon *self = HN_DAEMON (object);

  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->sigint_id, g_source_remove);
  g_clear_handle_id (&self->sighup_id, g_source_remove);
  g_clear_handle_id (&self->status_id, g_source_remove);
  g_clear_object (&self->api);
  if (self->hub != NULL)
    hn_hub_close (self->hub);
  g_clear_object (&self->hub);
  g_clear_object (&self->endpoint);
  g_clear_object (&self->systemd);
  g_clear_object (&self->config);
  g_clear_pointer (&self->loop, g_main_loop_unref);

  G_OBJECT_CLASS (hn_daemon_parent_class)->dispose (object);
}

static void
hn_daemon_finalize (GObject *object)
{
  HnDaemon *self = HN_DAEMON (object);

  g_free (self->role);
  g_free (self->config_path);
  g_free (self->socket_path);
  g_free (self->state_dir);
  g_free (self->meetings_path);
  hn_endpoint_config_clear (&self->endpoint_config);
  g_free (self->last_status);

  G_OBJECT_CLASS (hn_daemon_parent_class)->finalize (object);
}

static void
hn_daemon_class_init (HnDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hn_daemon_dispose;
  object_class->finalize = hn_daemon_finalize;
}

static void
hn_daemon_init (HnDaemon *self)
{
  self->loop = g_main_loop_new (NULL, FALSE);
  self->systemd = hn_systemd_new ();
}

HnDaemon *
hn_daemon_new (const gchar *role,
               const gchar *config_path,
               const gchar *socket_path,
               const gchar *state_dir)
{
  HnDaemon *self;

  g_return_val_if_fail (role != NULL, NULL);
  g_return_val_if_fail (config_path != NULL, NULL);
  g_return_val_if_fail (socket_path != NULL, NULL);
  g_return_val_if_fail (state_dir != NULL, NULL);

  self = g_object_new (HN_TYPE_DAEMON, NULL);
  self->role = g_strdup (role);
  /* absolute, so status and logs name the files unambiguously */
  self->config_path = g_canonicalize_filename (config_path, NULL);
  self->socket_path = g_canonicalize_filename (socket_path, NULL);
  self->state_dir = g_canonicalize_filename (state_dir, NULL);
  return self;
}

/**
 * hn_daemon_load_meetings:
 * @sites: the sites the meetings name
 * @meetings: (out) (transfer full) (nullable): the recurring meetings, or
 *   %NULL when there is no meetings.conf
 *
 * Reads @meetings_path, by default meetings.conf (and meetings.d/) in the
 * folder of the sites file; a missing file means no recurring meetings.
 */
gboolean
hn_daemon_load_meetings (const gchar *config_path,
                         const gchar *meetings_path,
                         HnConfig *sites,
                         HnMeetingsConfig **meetings,
                         GError **error)
{
  g_autofree gchar *dir = g_path_get_dirname (config_path);
  g_autofree gchar *path = meetings_path != NULL ? g_strdup (meetings_path)
                                                 : g_build_filename (dir, "meetings.conf", NULL);

  *meetings = NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  *meetings = hn_meetings_config_new_from_file (path, sites, g_get_real_time (), error);
  return *meetings != NULL;
}

/* The one line systemctl status shows */
static gchar *
hn_daemon_describe (HnDaemon *self)
{
  g_autofree gchar *counts = NULL;
  g_autofree gchar *hub = NULL;

  if (self->endpoint != NULL)
    return hn_endpoint_describe (self->endpoint);
  counts = hn_config_describe_counts (self->config);
  if (self->hub == NULL)
    return g_strdup_printf ("%s: %s", self->role, counts);
  hub = hn_hub_describe (self->hub);
  return g_strdup_printf ("%s: %s; %s", self->role, counts, hub);
}

/* STATUS= only when the line changes: link states change often, and the
 * line says the same far more often than not */
static void
hn_daemon_update_status (HnDaemon *self)
{
  g_autofree gchar *status = hn_daemon_describe (self);

  if (g_strcmp0 (status, self->last_status) == 0)
    return;
  hn_systemd_notify_status (self->systemd, status);
  g_free (self->last_status);
  self->last_status = g_steal_pointer (&status);
}

static void
hn_daemon_hub_changed_cb (HnHub *hub, gpointer user_data)
{
  hn_daemon_update_status (user_data);
}

static gboolean
hn_daemon_status_cb (gpointer user_data)
{
  hn_daemon_update_status (user_data);
  return G_SOURCE_CONTINUE;
}

/**
 * hn_daemon_set_meetings_path:
 * @path: (nullable): the recurring meetings' file, instead of meetings.conf
 *   beside the sites file
 */
void
hn_daemon_set_meetings_path (HnDaemon *self, const gchar *path)
{
  g_return_if_fail (HN_IS_DAEMON (self));

  g_free (self->meetings_path);
  self->meetings_path = path != NULL ? g_canonicalize_filename (path, NULL) : NULL;
}

/**
 * hn_daemon_set_endpoint_config:
 *
 * The room's settings, for the endpoint role (taken over by the daemon).
 */
void
hn_daemon_set_endpoint_config (HnDaemon *self, HnEndpointConfig *config)
{
  g_return_if_fail (HN_IS_DAEMON (self));

  hn_endpoint_config_clear (&self->endpoint_config);
  g_free (self->last_status);
  self->endpoint_config = *config;
  memset (config, 0, sizeof *config);
}

static gboolean
hn_daemon_sigterm_cb (gpointer user_data)
{
  HnDaemon *self = user_data;

  g_message ("received a stop signal, stopping");
  hn_daemon_quit (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
hn_daemon_sighup_cb (gpointer user_data)
{
  HnDaemon *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!hn_daemon_reload (self, &error))
    g_warning ("reload refused, keeping the running configuration:\n%s", error->message);
  return G_SOURCE_CONTINUE;
}

/* POST /api/v1/reload */
static gboolean
hn_daemon_reload_cb (gpointer user_data, GError **error)
{
  return hn_daemon_reload (user_data, error);
}

static gboolean
hn_daemon_prepare_state_dir (HnDaemon *self, GError **error)
{
  if (g_mkdir_with_parents (self->state_dir, 0750) != 0) {
    int saved_errno = errno;

    g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "%s: cannot create state directory: %s",
                 self->state_dir, g_strerror (saved_errno));
    return FALSE;
  }
  if (g_access (self->state_dir, W_OK) != 0) {
    int saved_errno = errno;

    g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "%s: state directory is not writable: %s",
                 self->state_dir, g_strerror (saved_errno));
    return FALSE;
  }
  return TRUE;
}

/* The bearer token of the TCP API. A token others on the host can read is
 * no secret: the daemon refuses it rather than run with it. */
static gchar *
hn_daemon_read_api_token (const gchar *path, GError **error)
{
  g_autofree gchar *contents = NULL;
  GStatBuf st;

  if (g_stat (path, &st) != 0) {
    int saved_errno = errno;

    g_set_error (error, HN_ERROR, HN_ERROR_CONFIG_INVALID_VALUE,
                 "%s: cannot read the API token file: %s", path, g_strerror (saved_errno));
    return NULL;
  }
  if ((st.st_mode & 0004) != 0) {
    g_set_error (error, HN_ERROR, HN_ERROR_CONFIG_INVALID_VALUE,
                 "%s: the API token file is readable by others (mode %04o); "
                 "make it chmod 0600 or 0640",
                 path, (guint) (st.st_mode & 07777));
    return NULL;
  }
  if (!g_file_get_contents (path, &contents, NULL, error)) {
    hn_error_convert (error);
    g_prefix_error (error, "%s: cannot read the API token file: ", path);
    return NULL;
  }
  g_strstrip (contents);
  if (*contents == '\0' || strchr (contents, '\n') != NULL) {
    g_set_error (error, HN_ERROR, HN_ERROR_CONFIG_INVALID_VALUE,
                 "%s: the API token file must hold one token on one line", path);
    return NULL;
  }
  return g_steal_pointer (&contents);
}

/* [api] listen=: the API on TCP too, with its token (and TLS) */
static gboolean
hn_daemon_listen_tcp (HnDaemon *self, GError **error)
{
  g_autofree gchar *token = NULL;
  g_autoptr (GTlsCertificate) tls = NULL;
  const gchar *certificate = NULL;
  const gchar *key = NULL;
  guint port = 0;
  const gchar *host = hn_config_get_api_listen (self->config, &port);

  if (host == NULL)
    return TRUE;
  token = hn_daemon_read_api_token (hn_config_get_api_token_file (self->config), error);
  if (token == NULL)
    return FALSE;
  if (hn_config_get_api_tls (self->config, &certificate, &key)) {
    tls = g_tls_certificate_new_from_files (certificate, key, error);
    if (tls == NULL) {
      hn_error_convert (error);
      g_prefix_error (error, "%s, %s: ", certificate, key);
      return FALSE;
    }
  }
  if (!hn_api_server_listen_tcp (self->api, host, port, token,
                                 hn_config_get_api_open_monitoring (self->config), tls, error))
    return FALSE;
  g_message ("API listening on %s port %u (%s)", host, hn_api_server_get_tcp_port (self->api),
             tls != NULL ? "https" : "http");
  return TRUE;
}

/**
 * hn_daemon_start:
 *
 * Loads the configuration, prepares the state directory and opens the API;
 * then sends READY=1 and starts the watchdog.
 */
gboolean
hn_daemon_start (HnDaemon *self, GError **error)
{
  g_autofree gchar *status = NULL;

  g_return_val_if_fail (HN_IS_DAEMON (self), FALSE);
  g_return_val_if_fail (self->config == NULL, FALSE);

  if (!hn_daemon_prepare_state_dir (self, error))
    return FALSE;
  self->api = hn_api_server_new (self->role, self->state_dir);
  /* the API server does not outlive the daemon that owns it */
  hn_api_server_set_reload_func (self->api, hn_daemon_reload_cb, self);
  if (g_str_equal (self->role, "endpoint")) {
    self->endpoint = hn_endpoint_new (&self->endpoint_config, error);
    if (self->endpoint == NULL)
      return FALSE;
    hn_api_server_set_endpoint (self->api, self->endpoint);
  } else {
    g_autoptr (HnMeetingsConfig) meetings = NULL;

    self->config = hn_config_new_from_file (self->config_path, error);
    if (self->config == NULL)
      return FALSE;
    if (!hn_daemon_load_meetings (self->config_path, self->meetings_path, self->config, &meetings,
                                  error))
      return FALSE;
    self->hub = hn_hub_new (self->config, self->state_dir, error);
    if (self->hub == NULL)
      return FALSE;
    /* before the schedule, which then sees them running */
    hn_hub_resume_meetings (self->hub);
    if (meetings != NULL)
      hn_hub_set_schedule (self->hub, meetings);
    hn_api_server_set_config (self->api, self->config);
    hn_api_server_set_hub (self->api, self->hub);
    g_signal_connect_object (self->hub, "changed", G_CALLBACK (hn_daemon_hub_changed_cb), self, 0);
  }
  if (!hn_api_server_listen_unix (self->api, self->socket_path, error))
    return FALSE;
  if (self->config != NULL && !hn_daemon_listen_tcp (self, error))
    return FALSE;
  if (self->endpoint != NULL) {
    hn_endpoint_start (self->endpoint);
    /* the room's line follows its control channel and meeting */
    self->status_id = g_timeout_add_seconds (2, hn_daemon_status_cb, self);
    g_source_set_name_by_id (self->status_id, "[hoinghi] status");
  }

  self->sigterm_id = g_unix_signal_add (SIGTERM, hn_daemon_sigterm_cb, self);
  self->sigint_id = g_unix_signal_add (SIGINT, hn_daemon_sigterm_cb, self);
  self->sighup_id = g_unix_signal_add (SIGHUP, hn_daemon_sighup_cb, self);

  status = hn_daemon_describe (self);
  g_message ("hoinghid ready, %s, control socket %s", status, self->socket_path);
  hn_systemd_notify_ready (self->systemd, status);
  hn_systemd_start_watchdog (self->systemd);
  return TRUE;
}

/**
 * hn_daemon_run:
 *
 * Runs the main loop until hn_daemon_quit(), then sends STOPPING=1 and
 * closes the API.
 */
void
hn_daemon_run (HnDaemon *self)
{
  g_return_if_fail (HN_IS_DAEMON (self));

  g_main_loop_run (self->loop);
  hn_systemd_notify_stopping (self->systemd);
  if (self->api != NULL)
    hn_api_server_close (self->api);
  if (self->hub != NULL)
    hn_hub_close (self->hub);
  if (self->endpoint != NULL)
    hn_endpoint_stop (self->endpoint);
}

void
hn_daemon_quit (HnDaemon *self)
{
  g_return_if_fail (HN_IS_DAEMON (self));
  g_main_loop_quit (self->loop);
}

/* What a reload changed, for the journal */
static gchar *
hn_daemon_describe_diff (HnConfig *old_config, HnConfig *new_config)
{
  GPtrArray *old_sites = hn_config_get_sites (old_config);
  GPtrArray *new_sites = hn_config_get_sites (new_config);
  guint added = 0, removed = 0, changed = 0;

  for (guint i = 0; i < new_sites->len; i++) {
    HnSite *site = new_sites->pdata[i];
    HnSite *before = hn_config_get_site (old_config, hn_site_get_id (site));

    if (before == NULL)
      added++;
    else if (!hn_site_equal (before, site))
      changed++;
  }
  for (guint i = 0; i < old_sites->len; i++) {
    if (hn_config_get_site (new_config, hn_site_get_id (old_sites->pdata[i])) == NULL)
      removed++;
  }
  return g_strdup_printf ("%u added, %u removed, %u changed", added, removed, changed);
}

/**
 * hn_daemon_reload:
 *
 * Re-reads the configuration file and its drop-ins. On any problem the
 * running configuration stays and @error lists the problems.
 */
gboolean
hn_daemon_reload (HnDaemon *self, GError **error)
{
  g_autoptr (HnConfig) config = NULL;
  g_autoptr (HnMeetingsConfig) meetings = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *status = NULL;
  g_autofree gchar *diff = NULL;

  g_return_val_if_fail (HN_IS_DAEMON (self), FALSE);

  hn_systemd_notify_reloading (self->systemd);
  if (self->config == NULL) {
    /* a room has nothing to reload yet: its settings need a restart */
    g_message ("reload: an endpoint's settings take effect on restart");
    status = hn_daemon_describe (self);
    hn_systemd_notify_ready (self->systemd, status);
    return TRUE;
  }
  config = hn_config_new_from_file (self->config_path, &local_error);
  /* meetings.conf is reloaded with the sites it names; either refused
   * keeps both running ones */
  if (config != NULL && !hn_daemon_load_meetings (self->config_path, self->meetings_path, config,
                                                  &meetings, &local_error))
    g_clear_object (&config);
  if (config == NULL) {
    hn_api_server_set_last_reload_error (self->api, local_error);
    status = hn_daemon_describe (self);
    hn_systemd_notify_ready (self->systemd, status);
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }

  diff = hn_daemon_describe_diff (self->config, config);
  g_set_object (&self->config, config);
  hn_api_server_set_config (self->api, self->config);
  hn_hub_set_config (self->hub, self->config);
  if (meetings != NULL)
    hn_hub_set_schedule (self->hub, meetings);
  hn_api_server_set_last_reload_error (self->api, NULL);
  status = hn_daemon_describe (self);
  g_message ("configuration reloaded: %s; %s", status, diff);
  hn_systemd_notify_ready (self->systemd, status);
  return TRUE;
}

/**
 * hn_daemon_get_config:
 *
 * Returns: (transfer none) (nullable): the running configuration
 */
HnConfig *
hn_daemon_get_config (HnDaemon *self)
{
  g_return_val_if_fail (HN_IS_DAEMON (self), NULL);
  return self->config;
}

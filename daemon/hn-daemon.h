#pragma once

#include <glib-object.h>

#include "hn-config.h"
#include "hn-endpoint.h"
#include "hn-meetings-config.h"

G_BEGIN_DECLS

#define HN_TYPE_DAEMON (hn_daemon_get_type ())
G_DECLARE_FINAL_TYPE (HnDaemon, hn_daemon, HN, DAEMON, GObject)

HnDaemon *hn_daemon_new (const gchar *role,
                         const gchar *config_path,
                         const gchar *socket_path,
                         const gchar *state_dir) G_GNUC_WARN_UNUSED_RESULT;

void hn_daemon_set_endpoint_config (HnDaemon *self, HnEndpointConfig *config);
gboolean hn_daemon_start (HnDaemon *self, GError **error);
void hn_daemon_run (HnDaemon *self);
gboolean hn_daemon_reload (HnDaemon *self, GError **error);
void hn_daemon_quit (HnDaemon *self);
HnConfig *hn_daemon_get_config (HnDaemon *self);
void hn_daemon_set_meetings_path (HnDaemon *self, const gchar *path);
gboolean hn_daemon_load_meetings (const gchar *config_path,
                                  const gchar *meetings_path,
                                  HnConfig *sites,
                                  HnMeetingsConfig **meetings,
                                  GError **error);

G_END_DECLS

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hn-control-message.h"
#include "hn-secrets.h"

G_BEGIN_DECLS

/* A site must say hello this soon after connecting */
#define HN_CONTROL_HELLO_TIMEOUT_MS 10000

#define HN_TYPE_CONTROL_SERVER (hn_control_server_get_type ())
G_DECLARE_FINAL_TYPE (HnControlServer, hn_control_server, HN, CONTROL_SERVER, GObject)

HnControlServer *hn_control_server_new (HnSecrets *secrets) G_GNUC_WARN_UNUSED_RESULT;

gboolean hn_control_server_listen (HnControlServer *self,
                                   const gchar *address,
                                   guint port,
                                   GError **error);
guint hn_control_server_get_port (HnControlServer *self);
void hn_control_server_close (HnControlServer *self);

void hn_control_server_set_known_sites (HnControlServer *self, const gchar *const *site_ids);
void hn_control_server_set_tls (HnControlServer *self, GTlsCertificate *tls);
void hn_control_server_set_insecure (HnControlServer *self, gboolean insecure);
void hn_control_server_set_keepalive (HnControlServer *self, guint interval_s);
void hn_control_server_set_hello_timeout (HnControlServer *self, guint timeout_ms);

gboolean hn_control_server_send (HnControlServer *self,
                                 const gchar *site_id,
                                 JsonNode *message,
                                 GError **error);
gboolean hn_control_server_disconnect (HnControlServer *self, const gchar *site_id);

gboolean hn_control_server_is_online (HnControlServer *self, const gchar *site_id);
GStrv hn_control_server_list_online (HnControlServer *self) G_GNUC_WARN_UNUSED_RESULT;
const gchar *hn_control_server_get_address (HnControlServer *self, const gchar *site_id);
const gchar *hn_control_server_get_version (HnControlServer *self, const gchar *site_id);
const HnControlHelloMedia *hn_control_server_get_hello_media (HnControlServer *self,
                                                              const gchar *site_id);
gint64 hn_control_server_get_connected_time (HnControlServer *self, const gchar *site_id);

G_END_DECLS

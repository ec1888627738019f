#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hn-control-message.h"

G_BEGIN_DECLS

/* Reconnection delays: from MIN, doubling up to MAX, each ±25% */
#define HN_CONTROL_BACKOFF_MIN_MS 500
#define HN_CONTROL_BACKOFF_MAX_MS 30000
/* A connection that lasted this long starts the delays from MIN again */
#define HN_CONTROL_BACKOFF_RESET_MS 30000
/* From the connection attempt to the hub's welcome */
#define HN_CONTROL_CONNECT_TIMEOUT_MS 10000

#define HN_TYPE_CONTROL_CLIENT (hn_control_client_get_type ())
G_DECLARE_FINAL_TYPE (HnControlClient, hn_control_client, HN, CONTROL_CLIENT, GObject)

HnControlClient *hn_control_client_new (const gchar *hub_host,
                                        guint hub_port,
                                        const gchar *site_id,
                                        const gchar *token) G_GNUC_WARN_UNUSED_RESULT;

void hn_control_client_set_hello_media (HnControlClient *self, const HnControlHelloMedia *media);
void hn_control_client_set_tls (HnControlClient *self, const gchar *pin, GTlsDatabase *ca);
void hn_control_client_set_insecure (HnControlClient *self);
void hn_control_client_set_backoff (HnControlClient *self, guint min_ms, guint max_ms);
void hn_control_client_set_keepalive (HnControlClient *self, guint interval_s);

void hn_control_client_start (HnControlClient *self);
void hn_control_client_stop (HnControlClient *self);

gboolean hn_control_client_send (HnControlClient *self, JsonNode *message, GError **error);
gboolean hn_control_client_is_connected (HnControlClient *self);
const gchar *hn_control_client_get_last_error (HnControlClient *self);
const gchar *hn_control_client_get_hub_version (HnControlClient *self);

G_END_DECLS

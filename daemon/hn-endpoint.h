#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * HnEndpointConfig:
 *
 * A room PC's settings: from /etc/hoinghi/endpoint.conf ([endpoint]
 * group) and the command line.
 */
typedef struct {
  gchar *site;            /* this room's site id */
  gchar *hub;             /* "HOST:PORT" of the hub's control channel */
  gchar *token_file;      /* the site's token (hoinghictl token ID at the hub) */
  gchar *hub_fingerprint; /* the hub's certificate, pinned ("sha256:…") */
  gchar *hub_ca;          /* or the CA file that signs it */
  gboolean insecure;      /* or neither: plain ws (a lab) */
  gchar *source;          /* "test" or "camera" */
  gchar *sink;            /* "auto" or "none" */
  guint32 test_color;     /* 0xRRGGBB, source=test */
  guint test_tone;        /* Hz, source=test */
  guint media_port;       /* first of four local UDP ports; 0 = any free ports */
  /* lab and test aid: loss (%) and delay (ms) on what the room sends and
   * receives, with GStreamer's netsim */
  gdouble lab_loss_send;
  guint lab_delay_send;
  gdouble lab_loss_receive;
  guint lab_delay_receive;
} HnEndpointConfig;

void hn_endpoint_config_clear (HnEndpointConfig *config);
gboolean hn_endpoint_config_load (HnEndpointConfig *config, const gchar *path, GError **error);
gboolean hn_endpoint_config_check (const HnEndpointConfig *config, GError **error);

#define HN_TYPE_ENDPOINT (hn_endpoint_get_type ())
G_DECLARE_FINAL_TYPE (HnEndpoint, hn_endpoint, HN, ENDPOINT, GObject)

HnEndpoint *hn_endpoint_new (const HnEndpointConfig *config,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;
void hn_endpoint_start (HnEndpoint *self);
void hn_endpoint_stop (HnEndpoint *self);
const gchar *hn_endpoint_get_site (HnEndpoint *self);
gchar *hn_endpoint_describe (HnEndpoint *self) G_GNUC_WARN_UNUSED_RESULT;
gboolean hn_endpoint_request_floor (HnEndpoint *self, gboolean request, GError **error);
JsonNode *hn_endpoint_to_json (HnEndpoint *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

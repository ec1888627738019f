#pragma once

#include <glib-object.h>

#include "hn-error.h"
#include "hn-quality.h"
#include "hn-site.h"

G_BEGIN_DECLS

/**
 * HnProgramFormat:
 *
 * What the hub's program (the picture and sound sent to every room) is.
 */
typedef struct {
  guint width;
  guint height;
  guint framerate;
  guint video_bitrate; /* kbit/s */
  guint audio_bitrate; /* kbit/s */
} HnProgramFormat;

#define HN_TYPE_CONFIG (hn_config_get_type ())
G_DECLARE_FINAL_TYPE (HnConfig, hn_config, HN, CONFIG, GObject)

HnConfig *hn_config_new_from_file (const gchar *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;

const gchar *hn_config_get_path (HnConfig *self);
const gchar *const *hn_config_get_files (HnConfig *self);
const gchar *hn_config_get_listen_address (HnConfig *self);
const HnProgramFormat *hn_config_get_program_format (HnConfig *self);
guint hn_config_get_control_port (HnConfig *self);
guint hn_config_get_loss_window (HnConfig *self);
guint hn_config_get_media_port (HnConfig *self);
GPtrArray *hn_config_get_sites (HnConfig *self);
HnSite *hn_config_get_site (HnConfig *self, const gchar *id);
HnSite *hn_config_get_hub (HnConfig *self);
HnSite *hn_config_lookup_district (HnConfig *self, const gchar *id_or_code);
guint hn_config_count_tier (HnConfig *self, HnTier tier);
gchar *hn_config_describe_counts (HnConfig *self) G_GNUC_WARN_UNUSED_RESULT;
const HnQualityThresholds *hn_config_get_health_thresholds (HnConfig *self, HnTier tier);
const gchar *hn_config_get_api_listen (HnConfig *self, guint *port);
const gchar *hn_config_get_api_token_file (HnConfig *self);
gboolean hn_config_get_api_open_monitoring (HnConfig *self);
gboolean hn_config_get_api_tls (HnConfig *self, const gchar **certificate, const gchar **key);
gboolean hn_config_get_control_tls (HnConfig *self, const gchar **certificate, const gchar **key);
gboolean hn_config_get_insecure (HnConfig *self);

G_END_DECLS

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * HnTier:
 *
 * The administrative level of a room, from the provincial hub down.
 */
typedef enum {
  HN_TIER_HUB,
  HN_TIER_DEPARTMENT,
  HN_TIER_DISTRICT,
  HN_TIER_COMMUNE,
  HN_TIER_LAST /*< skip >*/
} HnTier;

const gchar *hn_tier_to_string (HnTier tier);
const gchar *hn_tier_to_plural (HnTier tier);
gboolean hn_tier_from_string (const gchar *str, HnTier *tier);

/**
 * HnMediaSettings:
 *
 * What a room sends back to the hub and on which ports it receives.
 */
typedef struct {
  guint media_port; /* video RTP, video RTCP, audio RTP, audio RTCP: +0..+3 */
  guint video_width;
  guint video_height;
  guint video_framerate;
  guint video_bitrate; /* kbit/s */
  guint audio_bitrate; /* kbit/s */
} HnMediaSettings;

#define HN_TYPE_SITE (hn_site_get_type ())
G_DECLARE_FINAL_TYPE (HnSite, hn_site, HN, SITE, GObject)

HnSite *hn_site_new (const gchar *id,
                     const gchar *name,
                     const gchar *short_name,
                     HnTier tier,
                     const gchar *code,
                     const gchar *district,
                     const gchar *address,
                     const HnMediaSettings *media) G_GNUC_WARN_UNUSED_RESULT;

const gchar *hn_site_get_id (HnSite *self);
const gchar *hn_site_get_name (HnSite *self);
const gchar *hn_site_get_short_name (HnSite *self);
HnTier hn_site_get_tier (HnSite *self);
const gchar *hn_site_get_code (HnSite *self);
const gchar *hn_site_get_district (HnSite *self);
const gchar *hn_site_get_address (HnSite *self);
const HnMediaSettings *hn_site_get_media (HnSite *self);
gboolean hn_site_equal (HnSite *a, HnSite *b);
JsonNode *hn_site_to_json (HnSite *self) G_GNUC_WARN_UNUSED_RESULT;

gboolean hn_site_id_is_valid (const gchar *id);

G_END_DECLS

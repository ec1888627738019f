#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "hn-quality.h"

G_BEGIN_DECLS

/**
 * HnLinkState:
 * @HN_LINK_OFFLINE: no control channel
 * @HN_LINK_STANDBY: online, in no meeting
 * @HN_LINK_CONNECTING: in a meeting, no media received yet
 * @HN_LINK_UP: media flowing, quality good or ok
 * @HN_LINK_DEGRADED: media flowing, quality bad or terrible (sustained)
 * @HN_LINK_DOWN: in a meeting, online, but no media for too long
 */
typedef enum {
  HN_LINK_OFFLINE,
  HN_LINK_STANDBY,
  HN_LINK_CONNECTING,
  HN_LINK_UP,
  HN_LINK_DEGRADED,
  HN_LINK_DOWN,
  HN_LINK_STATE_LAST /*< skip >*/
} HnLinkState;

typedef enum {
  HN_DIRECTION_HUB_TO_SITE,
  HN_DIRECTION_SITE_TO_HUB,
  HN_DIRECTION_LAST /*< skip >*/
} HnDirection;

/* media silent this long makes a link down; the hub keeps its own clocks,
 * GStreamer's source timeouts (10-25 s) are far too slow */
#define HN_LINK_DOWN_AFTER_US (1500 * G_TIME_SPAN_MILLISECOND)
/* a link that was down is up again after this much flowing media */
#define HN_LINK_UP_AFTER_US (250 * G_TIME_SPAN_MILLISECOND)
/* bad quality this long makes a link degraded, good quality this long
 * brings it back: no flapping on one bad second */
#define HN_LINK_DEGRADE_AFTER_US (2 * G_TIME_SPAN_SECOND)
#define HN_LINK_RECOVER_AFTER_US (3 * G_TIME_SPAN_SECOND)
/* a site that has been connecting this long without media is down */
#define HN_LINK_CONNECT_TIMEOUT_US (10 * G_TIME_SPAN_SECOND)
/* media counts as flowing at a tick only if its last packet is younger */
#define HN_LINK_FLOWING_MAX_AGE_US (500 * G_TIME_SPAN_MILLISECOND)

/**
 * HnLinkSample:
 *
 * One direction's measurements over the last interval, as the owner
 * computed them (negative: unknown).
 */
typedef struct {
  gdouble loss_pct;
  gdouble jitter_ms;
  gdouble rtt_ms;
  gdouble bitrate_kbps;
} HnLinkSample;

/**
 * HnLinkDirection:
 *
 * What the health model knows of one direction of a site's link.
 */
typedef struct {
  gboolean valid; /* a sample was given */
  HnLinkSample sample;
  gdouble r_factor;
  gdouble mos;
  HnQualityClass quality;
} HnLinkDirection;

#define HN_TYPE_LINK_HEALTH (hn_link_health_get_type ())
G_DECLARE_FINAL_TYPE (HnLinkHealth, hn_link_health, HN, LINK_HEALTH, GObject)

HnLinkHealth *hn_link_health_new (void) G_GNUC_WARN_UNUSED_RESULT;

const gchar *hn_link_state_to_string (HnLinkState state);
const gchar *hn_direction_to_string (HnDirection direction);

void hn_link_health_add_site (HnLinkHealth *self,
                              const gchar *site_id,
                              const HnQualityThresholds *thresholds,
                              gint64 now_us);
void hn_link_health_remove_site (HnLinkHealth *self, const gchar *site_id);
gboolean hn_link_health_has_site (HnLinkHealth *self, const gchar *site_id);

void hn_link_health_set_online (HnLinkHealth *self, const gchar *site_id, gboolean online);
void hn_link_health_set_meeting (HnLinkHealth *self, const gchar *site_id, const gchar *meeting_id);
void hn_link_health_update_media (HnLinkHealth *self,
                                  const gchar *site_id,
                                  guint64 packets,
                                  gint64 last_packet_us);
void hn_link_health_update_sample (HnLinkHealth *self,
                                   const gchar *site_id,
                                   HnDirection direction,
                                   const HnLinkSample *sample);
void hn_link_health_tick (HnLinkHealth *self, gint64 now_us);

HnLinkState hn_link_health_get_state (HnLinkHealth *self, const gchar *site_id);
gint64 hn_link_health_get_state_since (HnLinkHealth *self, const gchar *site_id);
const gchar *hn_link_health_get_meeting (HnLinkHealth *self, const gchar *site_id);
const HnLinkDirection *hn_link_health_get_direction (HnLinkHealth *self,
                                                     const gchar *site_id,
                                                     HnDirection direction);
gint64 hn_link_health_get_last_packet (HnLinkHealth *self, const gchar *site_id);
guint hn_link_health_count (HnLinkHealth *self, HnLinkState state, const gchar *meeting_id);
GStrv hn_link_health_list_sites (HnLinkHealth *self) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *hn_link_health_site_to_json (HnLinkHealth *self,
                                       const gchar *site_id,
                                       gint64 now_us) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

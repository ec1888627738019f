#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * HnQualityClass:
 *
 * How good a link's estimated quality is, from its MOS and the thresholds
 * of its site ([health] in sites.conf).
 */
typedef enum {
  HN_QUALITY_UNKNOWN,
  HN_QUALITY_GOOD,
  HN_QUALITY_OK,
  HN_QUALITY_BAD,
  HN_QUALITY_TERRIBLE,
  HN_QUALITY_LAST /*< skip >*/
} HnQualityClass;

/**
 * HnQualityThresholds:
 * @good_mos: a MOS at or above this is good
 * @ok_mos: at or above this, ok
 * @bad_mos: at or above this, bad; below, terrible
 */
typedef struct {
  gdouble good_mos;
  gdouble ok_mos;
  gdouble bad_mos;
} HnQualityThresholds;

#define HN_QUALITY_DEFAULT_GOOD_MOS 4.1
#define HN_QUALITY_DEFAULT_OK_MOS 3.8
#define HN_QUALITY_DEFAULT_BAD_MOS 3.1

const gchar *hn_quality_class_to_string (HnQualityClass quality);
gdouble hn_quality_r_factor (gdouble rtt_ms, gdouble jitter_ms, gdouble loss_pct);
gdouble hn_quality_mos_from_r (gdouble r);
HnQualityClass hn_quality_classify (gdouble mos, const HnQualityThresholds *thresholds);

G_END_DECLS

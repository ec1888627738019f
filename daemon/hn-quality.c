/* Link quality estimates: the simplified ITU-T G.107 E-model that turns a
 * direction's round-trip time, jitter and loss into an R-factor and a MOS,
 * and the class (good, ok, bad, terrible) a site's thresholds give it.
 *
 * All in milliseconds and percent:
 *
 *   effective latency  EL = rtt + 2 * jitter + 10
 *   R = 93.2 - EL / 40              when EL < 160
 *   R = 93.2 - (EL - 120) / 10      otherwise
 *   R = R - 2.5 * loss
 *   R clamped to 0..100
 *   MOS = 1 + 0.035 R + 7e-6 R (R - 60) (100 - R), clamped to 1..4.5
 *         (1 for R <= 0)
 *
 * The 10 ms stand for the codec; the jitter counts twice because a jitter
 * buffer must hold about that much. A measurement that is unknown (negative
 * or NaN) counts as 0: the estimate is still made from the others, since a
 * direction often lacks one of them (the hub has no round-trip time of its
 * own receivers, a room's first report may have no loss yet). */

#define G_LOG_DOMAIN "hoinghi-health"

#include "hn-quality.h"

#include <math.h>

static const gchar *const class_names[] = {
  [HN_QUALITY_UNKNOWN] = "unknown", [HN_QUALITY_GOOD] = "good",         [HN_QUALITY_OK] = "ok",
  [HN_QUALITY_BAD] = "bad",         [HN_QUALITY_TERRIBLE] = "terrible",
};

G_STATIC_ASSERT (G_N_ELEMENTS (class_names) == HN_QUALITY_LAST);

const gchar *
hn_quality_class_to_string (HnQualityClass quality)
{
  g_return_val_if_fail (quality < HN_QUALITY_LAST, NULL);
  return class_names[quality];
}

/* unknown (negative or NaN) counts as 0 */
static gdouble
hn_quality_known (gdouble value)
{
  return value >= 0 ? value : 0;
}

/**
 * hn_quality_r_factor:
 * @rtt_ms: round-trip time, negative if unknown
 * @jitter_ms: interarrival jitter, negative if unknown
 * @loss_pct: packets lost, 0..100, negative if unknown
 *
 * Returns: the E-model R-factor, 0..100 (93.2 at best, 92.95 for a
 *   perfect link: the codec's 10 ms)
 */
gdouble
hn_quality_r_factor (gdouble rtt_ms, gdouble jitter_ms, gdouble loss_pct)
{
  gdouble el = hn_quality_known (rtt_ms) + 2 * hn_quality_known (jitter_ms) + 10;
  gdouble r;

  if (el < 160)
    r = 93.2 - el / 40;
  else
    r = 93.2 - (el - 120) / 10;
  r -= 2.5 * hn_quality_known (loss_pct);
  return CLAMP (r, 0, 100);
}

/**
 * hn_quality_mos_from_r:
 *
 * Returns: the mean opinion score, 1..4.5, for the R-factor @r; NaN for
 *   a NaN @r
 */
gdouble
hn_quality_mos_from_r (gdouble r)
{
  gdouble mos;

  if (isnan (r))
    return r;
  if (r <= 0)
    return 1;
  r = MIN (r, 100);
  mos = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
  return CLAMP (mos, 1, 4.5);
}

/**
 * hn_quality_classify:
 * @thresholds: (nullable): the site's thresholds; %NULL for the defaults
 *
 * Returns: good at or above good_mos, ok at or above ok_mos, bad at or
 *   above bad_mos, else terrible; unknown for a NaN or negative @mos
 */
HnQualityClass
hn_quality_classify (gdouble mos, const HnQualityThresholds *thresholds)
{
  static const HnQualityThresholds defaults = {
    HN_QUALITY_DEFAULT_GOOD_MOS,
    HN_QUALITY_DEFAULT_OK_MOS,
    HN_QUALITY_DEFAULT_BAD_MOS,
  };

  if (thresholds == NULL)
    thresholds = &defaults;
  if (isnan (mos) || mos < 0)
    return HN_QUALITY_UNKNOWN;
  if (mos >= thresholds->good_mos)
    return HN_QUALITY_GOOD;
  if (mos >= thresholds->ok_mos)
    return HN_QUALITY_OK;
  if (mos >= thresholds->bad_mos)
    return HN_QUALITY_BAD;
  return HN_QUALITY_TERRIBLE;
}

/* Unit tests of the link-health domain model: the E-model estimates
 * (R-factor and MOS at points worked out by hand below), the quality
 * classes at their bounds, and HnLinkHealth's state machine driven by a
 * fake clock: a room that sends a packet every 20 ms and an owner that
 * ticks every 100 ms, with every "state-changed" recorded with the time
 * it was emitted, so each test checks the exact moment of every change
 * and that nothing else changed. No sleeps: time is a number here. */

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "hn-link-health.h"
#include "hn-quality.h"

#define MS G_TIME_SPAN_MILLISECOND
/* an arbitrary monotonic start; 0 would hide a "0 means none" mistake */
#define T0 (1000 * G_TIME_SPAN_SECOND)
#define TICK (100 * MS)
#define PACKET (20 * MS)
#define STEP (10 * MS)
#define SITE "xa-dao-tru"

/* --- hn-quality --- */

static void
test_r_factor (void)
{
  /* nothing measured wrong: EL = 0 + 2*0 + 10 = 10 < 160,
   * R = 93.2 - 10/40 = 92.95 */
  g_assert_cmpfloat_with_epsilon (hn_quality_r_factor (0, 0, 0), 92.95, 1e-9);
  /* unknown counts as 0, loss included: the same */
  g_assert_cmpfloat_with_epsilon (hn_quality_r_factor (-1, -1, -1), 92.95, 1e-9);
  g_assert_cmpfloat_with_epsilon (hn_quality_r_factor (NAN, NAN, NAN), 92.95, 1e-9);
  /* only jitter known: EL = 2*12 + 10 = 34, R = 93.2 - 0.85 = 92.35 */
  g_assert_cmpfloat_with_epsilon (hn_quality_r_factor (-1, 12, -1), 92.35, 1e-9);
  /* EL = 40 + 2*5 + 10 = 60, R = 93.2 - 1.5 = 91.7 */
  g_assert_cmpfloat_with_epsilon (hn_quality_r_factor (40, 5, 0), 91.7, 1e-9);
  /* EL = 149.9 + 10 = 159.9 < 160: R = 93.2 - 159.9/40 = 89.2025 */
  g_assert_cmpfloat_with_epsilon (hn_quality_r_factor (149.9, 0, 0), 89.2025, 1e-9);
  /* EL = 160 exactly takes the second branch: R = 93.2 - (160-120)/10 =
   * 89.2, which the first would give too (160/40 = 4): no step */
  g_assert_cmpfloat_with_epsilon (hn_quality_r_factor (150, 0, 0), 89.2, 1e-9);
  /* EL = 100 + 2*25 + 10 = 160: the same */
  g_assert_cmpfloat_with_epsilon (hn_quality_r_factor (100, 25, 0), 89.2, 1e-9);
  /* EL = 250 + 40 + 10 = 300: R = 93.2 - 180/10 = 75.2 */
  g_assert_cmpfloat_with_epsilon (hn_quality_r_factor (250, 20, 0), 75.2, 1e-9);
  /* EL = 410: R = 93.2 - 29 = 64.2 */
  g_assert_cmpfloat_with_epsilon (hn_quality_r_factor (400, 0, 0), 64.2, 1e-9);
  /* loss 5%: R = 92.95 - 2.5*5 = 80.45 */
  g_assert_cmpfloat_with_epsilon (hn_quality_r_factor (0, 0, 5), 80.45, 1e-9);
  /* EL = 38 + 8.4 + 10 = 56.4: R = 93.2 - 1.41 - 2.5*0.5 = 90.54 */
  g_assert_cmpfloat_with_epsilon (hn_quality_r_factor (38, 4.2, 0.5), 90.54, 1e-9);
  /* EL = 300 + 100 + 10 = 410: R = 64.2 - 2.5*10 = 39.2 */
  g_assert_cmpfloat_with_epsilon (hn_quality_r_factor (300, 50, 10), 39.2, 1e-9);
  /* 40% loss: 92.95 - 100 < 0, clamped to 0 */
  g_assert_cmpfloat (hn_quality_r_factor (0, 0, 40), ==, 0);
  g_assert_cmpfloat (hn_quality_r_factor (5000, 0, 0), ==, 0);
}

static void
test_mos (void)
{
  /* R = 93.2 (EL = 0): 1 + 0.035*93.2 + 7e-6*93.2*33.2*6.8
   *   = 1 + 3.262 + 0.147285824 = 4.409285824, the "4.41" of a perfect
   * link; the best a real one gets is R = 92.95:
   *   1 + 3.25325 + 7e-6*92.95*32.95*7.05 = 4.404394368 */
  g_assert_cmpfloat_with_epsilon (hn_quality_mos_from_r (93.2), 4.409285824, 1e-9);
  g_assert_cmpfloat_with_epsilon (hn_quality_mos_from_r (92.95), 4.404394368, 1e-9);
  g_assert_cmpfloat_with_epsilon (hn_quality_mos_from_r (hn_quality_r_factor (0, 0, 0)),
                                  4.404394368, 1e-9);
  /* R = 89.2: 1 + 3.122 + 7e-6*89.2*29.2*10.8 = 4.318910784 */
  g_assert_cmpfloat_with_epsilon (hn_quality_mos_from_r (89.2), 4.318910784, 1e-9);
  /* R = 80.45 (5% loss): 1 + 2.81575 + 7e-6*80.45*20.45*19.55 = 4.040895962 */
  g_assert_cmpfloat_with_epsilon (hn_quality_mos_from_r (80.45), 4.040895962, 1e-9);
  /* R = 75.2: 1 + 2.632 + 7e-6*75.2*15.2*24.8 = 3.830431744 */
  g_assert_cmpfloat_with_epsilon (hn_quality_mos_from_r (75.2), 3.830431744, 1e-9);
  /* R = 64.2: 1 + 2.247 + 7e-6*64.2*4.2*35.8 = 3.314571784 */
  g_assert_cmpfloat_with_epsilon (hn_quality_mos_from_r (64.2), 3.314571784, 1e-9);
  /* R = 60: the cubic term vanishes, 1 + 2.1 = 3.1 */
  g_assert_cmpfloat_with_epsilon (hn_quality_mos_from_r (60), 3.1, 1e-9);
  /* R = 50: 1 + 1.75 + 7e-6*50*(-10)*50 = 2.575 */
  g_assert_cmpfloat_with_epsilon (hn_quality_mos_from_r (50), 2.575, 1e-9);
  /* R = 39.2: 1 + 1.372 - 7e-6*39.2*20.8*60.8 = 2.024982784 */
  g_assert_cmpfloat_with_epsilon (hn_quality_mos_from_r (39.2), 2.024982784, 1e-9);
  /* R = 100: 1 + 3.5 + 0 = 4.5, the ceiling */
  g_assert_cmpfloat (hn_quality_mos_from_r (100), ==, 4.5);
  g_assert_cmpfloat (hn_quality_mos_from_r (150), ==, 4.5);
  /* R = 1: 1 + 0.035 - 7e-6*1*59*99 = 0.994 is clamped to 1 */
  g_assert_cmpfloat (hn_quality_mos_from_r (1), ==, 1);
  g_assert_cmpfloat (hn_quality_mos_from_r (0), ==, 1);
  g_assert_cmpfloat (hn_quality_mos_from_r (-5), ==, 1);
  g_assert_true (isnan (hn_quality_mos_from_r (NAN)));
}

static void
test_classify (void)
{
  const HnQualityThresholds commune = { 4.0, 3.4, 2.9 };

  /* the defaults 4.1 / 3.8 / 3.1, each bound inclusive */
  g_assert_cmpint (hn_quality_classify (4.5, NULL), ==, HN_QUALITY_GOOD);
  g_assert_cmpint (hn_quality_classify (4.1, NULL), ==, HN_QUALITY_GOOD);
  g_assert_cmpint (hn_quality_classify (4.0999, NULL), ==, HN_QUALITY_OK);
  g_assert_cmpint (hn_quality_classify (3.8, NULL), ==, HN_QUALITY_OK);
  g_assert_cmpint (hn_quality_classify (3.7999, NULL), ==, HN_QUALITY_BAD);
  g_assert_cmpint (hn_quality_classify (3.1, NULL), ==, HN_QUALITY_BAD);
  g_assert_cmpint (hn_quality_classify (3.0999, NULL), ==, HN_QUALITY_TERRIBLE);
  g_assert_cmpint (hn_quality_classify (1.0, NULL), ==, HN_QUALITY_TERRIBLE);
  g_assert_cmpint (hn_quality_classify (0, NULL), ==, HN_QUALITY_TERRIBLE);
  g_assert_cmpint (hn_quality_classify (-0.01, NULL), ==, HN_QUALITY_UNKNOWN);
  g_assert_cmpint (hn_quality_classify (NAN, NULL), ==, HN_QUALITY_UNKNOWN);

  /* a commune's gentler bounds */
  g_assert_cmpint (hn_quality_classify (3.5, NULL), ==, HN_QUALITY_BAD);
  g_assert_cmpint (hn_quality_classify (3.5, &commune), ==, HN_QUALITY_OK);
  g_assert_cmpint (hn_quality_classify (3.4, &commune), ==, HN_QUALITY_OK);
  g_assert_cmpint (hn_quality_classify (3.3999, &commune), ==, HN_QUALITY_BAD);
  g_assert_cmpint (hn_quality_classify (2.9, &commune), ==, HN_QUALITY_BAD);
  g_assert_cmpint (hn_quality_classify (2.8999, &commune), ==, HN_QUALITY_TERRIBLE);
  g_assert_cmpint (hn_quality_classify (NAN, &commune), ==, HN_QUALITY_UNKNOWN);

  g_assert_cmpstr (hn_quality_class_to_string (HN_QUALITY_GOOD), ==, "good");
  g_assert_cmpstr (hn_quality_class_to_string (HN_QUALITY_OK), ==, "ok");
  g_assert_cmpstr (hn_quality_class_to_string (HN_QUALITY_BAD), ==, "bad");
  g_assert_cmpstr (hn_quality_class_to_string (HN_QUALITY_TERRIBLE), ==, "terrible");
  g_assert_cmpstr (hn_quality_class_to_string (HN_QUALITY_UNKNOWN), ==, "unknown");
}

static void
test_names (void)
{
  const gchar *const states[] = { "offline", "standby", "connecting", "up", "degraded", "down" };

  for (guint i = 0; i < HN_LINK_STATE_LAST; i++)
    g_assert_cmpstr (hn_link_state_to_string (i), ==, states[i]);
  g_assert_cmpuint (G_N_ELEMENTS (states), ==, HN_LINK_STATE_LAST);
  g_assert_cmpstr (hn_direction_to_string (HN_DIRECTION_HUB_TO_SITE), ==, "hub-to-site");
  g_assert_cmpstr (hn_direction_to_string (HN_DIRECTION_SITE_TO_HUB), ==, "site-to-hub");
}

/* --- HnLinkHealth with a fake clock --- */

typedef struct {
  gchar *site_id;
  HnLinkState old_state;
  HnLinkState new_state;
  gint64 at;
} Change;

typedef struct {
  HnLinkHealth *health;
  gint64 now;
  gint64 next_tick;
  /* the room's return leg, as its receiver would count it */
  gboolean sending;
  gint64 next_packet;
  guint64 packets;
  gint64 last_packet;
  GArray *changes;         /* of Change */
  gchar *remove_on_change; /* a site the handler removes, once */
} Fixture;

static void
change_clear (Change *change)
{
  g_free (change->site_id);
}

static void
state_changed_cb (
    HnLinkHealth *health, const gchar *site_id, guint old_state, guint new_state, Fixture *fx)
{
  Change change = { g_strdup (site_id), old_state, new_state, fx->now };

  g_assert_cmpuint (old_state, !=, new_state);
  g_assert_cmpuint (new_state, <, HN_LINK_STATE_LAST);
  g_array_append_val (fx->changes, change);
  if (fx->remove_on_change != NULL) {
    hn_link_health_remove_site (health, fx->remove_on_change);
    g_clear_pointer (&fx->remove_on_change, g_free);
  }
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  fx->health = hn_link_health_new ();
  fx->now = T0;
  fx->next_tick = T0 + TICK;
  fx->changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_array_set_clear_func (fx->changes, (GDestroyNotify) change_clear);
  g_signal_connect (fx->health, "state-changed", G_CALLBACK (state_changed_cb), fx);
  hn_link_health_add_site (fx->health, SITE, NULL, T0);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_assert_finalize_object (fx->health);
  g_array_unref (fx->changes);
  g_free (fx->remove_on_change);
}

/* Advances the fake clock to @until in 10 ms steps: while sending, the
 * room's packet arrives every 20 ms; the owner ticks every 100 ms, after
 * the packet of the same instant. */
static void
run_until (Fixture *fx, gint64 until)
{
  g_assert_cmpint (until, >=, fx->now);
  while (fx->now < until) {
    fx->now += STEP;
    if (fx->sending && fx->now >= fx->next_packet) {
      fx->packets++;
      fx->last_packet = fx->now;
      fx->next_packet += PACKET;
      hn_link_health_update_media (fx->health, SITE, fx->packets, fx->last_packet);
    }
    if (fx->now >= fx->next_tick) {
      hn_link_health_tick (fx->health, fx->now);
      fx->next_tick += TICK;
    }
  }
}

static void
start_sending (Fixture *fx)
{
  fx->sending = TRUE;
  fx->next_packet = fx->now + PACKET;
}

static void
stop_sending (Fixture *fx)
{
  fx->sending = FALSE;
}

static void
assert_state (Fixture *fx, HnLinkState state, gint64 since)
{
  g_assert_cmpstr (hn_link_state_to_string (hn_link_health_get_state (fx->health, SITE)), ==,
                   hn_link_state_to_string (state));
  g_assert_cmpint (hn_link_health_get_state_since (fx->health, SITE), ==, since);
}

/* Checks that exactly @expected were emitted, in order, each at its
 * time; "at" in @expected is relative to T0. */
static void
assert_changes (Fixture *fx, const Change *expected, guint n)
{
  for (guint i = 0; i < MIN (n, fx->changes->len); i++) {
    Change *c = &g_array_index (fx->changes, Change, i);

    g_test_message ("change %u: %s %s -> %s at +%" G_GINT64_FORMAT " ms", i, c->site_id,
                    hn_link_state_to_string (c->old_state), hn_link_state_to_string (c->new_state),
                    (c->at - T0) / MS);
    g_assert_cmpstr (c->site_id, ==, expected[i].site_id);
    g_assert_cmpstr (hn_link_state_to_string (c->old_state), ==,
                     hn_link_state_to_string (expected[i].old_state));
    g_assert_cmpstr (hn_link_state_to_string (c->new_state), ==,
                     hn_link_state_to_string (expected[i].new_state));
    g_assert_cmpint (c->at, ==, T0 + expected[i].at);
  }
  g_assert_cmpuint (fx->changes->len, ==, n);
}

static const HnLinkSample good_sample = { 0, 5, 40, 600 };    /* MOS 4.38 */
static const HnLinkSample bad_sample = { 0, 0, 400, 600 };    /* MOS 3.31 */
static const HnLinkSample awful_sample = { 10, 50, 300, 90 }; /* MOS 2.02 */

/* online, in a meeting, connecting from T0+300 ms, media from then on:
 * up at T0+700 ms (see test_lifecycle) */
static void
bring_up (Fixture *fx)
{
  hn_link_health_set_online (fx->health, SITE, TRUE);
  hn_link_health_set_meeting (fx->health, SITE, "briefing");
  run_until (fx, T0 + 300 * MS);
  start_sending (fx);
  run_until (fx, T0 + 700 * MS);
  assert_state (fx, HN_LINK_UP, T0 + 700 * MS);
  g_array_set_size (fx->changes, 0);
}

static void
test_lifecycle (Fixture *fx, gconstpointer data)
{
  const Change expected[] = {
    { SITE, HN_LINK_OFFLINE, HN_LINK_STANDBY, 200 * MS },
    { SITE, HN_LINK_STANDBY, HN_LINK_CONNECTING, 300 * MS },
    { SITE, HN_LINK_CONNECTING, HN_LINK_UP, 700 * MS },
    { SITE, HN_LINK_UP, HN_LINK_DOWN, 3600 * MS },
    { SITE, HN_LINK_DOWN, HN_LINK_UP, 4000 * MS },
    { SITE, HN_LINK_UP, HN_LINK_DEGRADED, 6100 * MS },
    { SITE, HN_LINK_DEGRADED, HN_LINK_UP, 9200 * MS },
    { SITE, HN_LINK_UP, HN_LINK_OFFLINE, 9300 * MS },
  };

  /* a new site is offline from the time it was added */
  assert_state (fx, HN_LINK_OFFLINE, T0);
  run_until (fx, T0 + 100 * MS);
  assert_state (fx, HN_LINK_OFFLINE, T0);

  /* online: standby, but only at the next tick */
  hn_link_health_set_online (fx->health, SITE, TRUE);
  assert_state (fx, HN_LINK_OFFLINE, T0);
  run_until (fx, T0 + 200 * MS);
  assert_state (fx, HN_LINK_STANDBY, T0 + 200 * MS);

  /* in a meeting: connecting at the next tick */
  hn_link_health_set_meeting (fx->health, SITE, "briefing");
  g_assert_cmpstr (hn_link_health_get_meeting (fx->health, SITE), ==, "briefing");
  assert_state (fx, HN_LINK_STANDBY, T0 + 200 * MS);
  run_until (fx, T0 + 300 * MS);
  assert_state (fx, HN_LINK_CONNECTING, T0 + 300 * MS);

  /* media from +320 ms: the tick at +400 first sees it flowing, +700 is
   * the first tick 250 ms after that */
  start_sending (fx);
  run_until (fx, T0 + 600 * MS);
  assert_state (fx, HN_LINK_CONNECTING, T0 + 300 * MS);
  run_until (fx, T0 + 700 * MS);
  assert_state (fx, HN_LINK_UP, T0 + 700 * MS);

  /* a 400 ms pause: four ticks without a new packet change nothing */
  run_until (fx, T0 + 1000 * MS);
  g_assert_cmpint (hn_link_health_get_last_packet (fx->health, SITE), ==, T0 + 1000 * MS);
  stop_sending (fx);
  run_until (fx, T0 + 1400 * MS);
  assert_state (fx, HN_LINK_UP, T0 + 700 * MS);
  start_sending (fx);
  run_until (fx, T0 + 2000 * MS);
  assert_state (fx, HN_LINK_UP, T0 + 700 * MS);

  /* silence after the packet of +2000 ms: not down at 1.5 s (+3500),
   * down at the first tick after (+3600) */
  g_assert_cmpint (hn_link_health_get_last_packet (fx->health, SITE), ==, T0 + 2000 * MS);
  stop_sending (fx);
  run_until (fx, T0 + 3500 * MS);
  assert_state (fx, HN_LINK_UP, T0 + 700 * MS);
  run_until (fx, T0 + 3600 * MS);
  assert_state (fx, HN_LINK_DOWN, T0 + 3600 * MS);

  /* media again from +3620: not up 250 ms later yet (first seen at
   * +3700), up at +4000, 400 ms after it resumed */
  start_sending (fx);
  run_until (fx, T0 + 3850 * MS);
  assert_state (fx, HN_LINK_DOWN, T0 + 3600 * MS);
  run_until (fx, T0 + 4000 * MS);
  assert_state (fx, HN_LINK_UP, T0 + 4000 * MS);
  g_assert_cmpint (T0 + 4000 * MS - (T0 + 3600 * MS), >=, HN_LINK_UP_AFTER_US);
  g_assert_cmpint (T0 + 4000 * MS - (T0 + 3600 * MS), <=, 2 * HN_LINK_UP_AFTER_US);

  /* bad quality from +4050, first seen at the tick of +4100: still up
   * 1.9 s later (+6000), degraded 2 s later (+6100); the same bad sample
   * again at +5050 does not restart the clock */
  run_until (fx, T0 + 4050 * MS);
  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_SITE_TO_HUB, &bad_sample);
  run_until (fx, T0 + 5050 * MS);
  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_SITE_TO_HUB, &bad_sample);
  run_until (fx, T0 + 6000 * MS);
  assert_state (fx, HN_LINK_UP, T0 + 4000 * MS);
  run_until (fx, T0 + 6100 * MS);
  assert_state (fx, HN_LINK_DEGRADED, T0 + 6100 * MS);

  /* good again from +6150, seen at +6200: degraded at +9100 (2.9 s),
   * up at +9200 (3 s) */
  run_until (fx, T0 + 6150 * MS);
  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_SITE_TO_HUB, &good_sample);
  run_until (fx, T0 + 9100 * MS);
  assert_state (fx, HN_LINK_DEGRADED, T0 + 6100 * MS);
  run_until (fx, T0 + 9200 * MS);
  assert_state (fx, HN_LINK_UP, T0 + 9200 * MS);

  /* the control channel goes: offline at the next tick, media or not */
  hn_link_health_set_online (fx->health, SITE, FALSE);
  assert_state (fx, HN_LINK_UP, T0 + 9200 * MS);
  run_until (fx, T0 + 9300 * MS);
  assert_state (fx, HN_LINK_OFFLINE, T0 + 9300 * MS);
  run_until (fx, T0 + 10000 * MS);

  /* one signal per change, no more */
  assert_changes (fx, expected, G_N_ELEMENTS (expected));
}

/* The down rule to the microsecond, with ticks the test makes itself. */
static void
test_down_boundary (Fixture *fx, gconstpointer data)
{
  gint64 t = T0;
  guint64 packets = 0;
  gint64 last;
  const gint64 ticks[] = { 100 * MS, 200 * MS, 300 * MS, 350 * MS - 1, 350 * MS, 450 * MS };

  hn_link_health_set_online (fx->health, SITE, TRUE);
  hn_link_health_set_meeting (fx->health, SITE, "briefing");
  hn_link_health_tick (fx->health, t);
  g_assert_cmpint (hn_link_health_get_state (fx->health, SITE), ==, HN_LINK_CONNECTING);
  /* ticks at odd moments, each with a new packet 1 ms before it:
   * flowing from +100, so not up at +350 less 1 us (249.999 ms), up at
   * +350 (250 ms) */
  for (guint i = 0; i < G_N_ELEMENTS (ticks); i++) {
    t = T0 + ticks[i];
    hn_link_health_update_media (fx->health, SITE, ++packets, t - MS);
    hn_link_health_tick (fx->health, t);
    g_assert_cmpint (hn_link_health_get_state (fx->health, SITE), ==,
                     i < G_N_ELEMENTS (ticks) - 2 ? HN_LINK_CONNECTING : HN_LINK_UP);
  }
  g_assert_cmpint (hn_link_health_get_state_since (fx->health, SITE), ==, T0 + 350 * MS);
  last = t - MS;

  /* one tick without a new packet changes nothing */
  hn_link_health_tick (fx->health, last + 200 * MS);
  g_assert_cmpint (hn_link_health_get_state (fx->health, SITE), ==, HN_LINK_UP);
  hn_link_health_tick (fx->health, last + HN_LINK_DOWN_AFTER_US);
  g_assert_cmpint (hn_link_health_get_state (fx->health, SITE), ==, HN_LINK_UP);
  hn_link_health_tick (fx->health, last + HN_LINK_DOWN_AFTER_US + 1);
  g_assert_cmpint (hn_link_health_get_state (fx->health, SITE), ==, HN_LINK_DOWN);
  g_assert_cmpint (hn_link_health_get_state_since (fx->health, SITE), ==,
                   last + HN_LINK_DOWN_AFTER_US + 1);
  g_assert_cmpuint (fx->changes->len, ==, 3);
}

static void
test_connecting_timeout (Fixture *fx, gconstpointer data)
{
  const Change expected[] = {
    { SITE, HN_LINK_OFFLINE, HN_LINK_CONNECTING, 100 * MS },
    { SITE, HN_LINK_CONNECTING, HN_LINK_DOWN, 10200 * MS },
    { SITE, HN_LINK_DOWN, HN_LINK_UP, 11200 * MS },
  };

  /* online and in a meeting before the first tick: straight to connecting */
  hn_link_health_set_online (fx->health, SITE, TRUE);
  hn_link_health_set_meeting (fx->health, SITE, "briefing");
  run_until (fx, T0 + 100 * MS);
  assert_state (fx, HN_LINK_CONNECTING, T0 + 100 * MS);

  /* 200 ms of media (ticks +600 and +700 see it) is not enough, and the
   * link does not come up on it later */
  run_until (fx, T0 + 500 * MS);
  start_sending (fx);
  run_until (fx, T0 + 700 * MS);
  stop_sending (fx);
  run_until (fx, T0 + 1500 * MS);
  assert_state (fx, HN_LINK_CONNECTING, T0 + 100 * MS);

  /* 10 s after connecting began is not more than 10 s; the tick after is */
  run_until (fx, T0 + 10100 * MS);
  assert_state (fx, HN_LINK_CONNECTING, T0 + 100 * MS);
  run_until (fx, T0 + 10200 * MS);
  assert_state (fx, HN_LINK_DOWN, T0 + 10200 * MS);

  /* a counter that moves with a last packet exactly 500 ms old at the
   * next tick (a late report) is not media flowing */
  for (guint i = 0; i < 5; i++) {
    run_until (fx, fx->next_tick - STEP);
    hn_link_health_update_media (fx->health, SITE, ++fx->packets,
                                 fx->now + STEP - HN_LINK_FLOWING_MAX_AGE_US);
    run_until (fx, fx->now + STEP);
  }
  run_until (fx, T0 + 10800 * MS);
  assert_state (fx, HN_LINK_DOWN, T0 + 10200 * MS);

  /* media from +10820, first seen at +10900; +11100 is only 200 ms
   * later, +11200 is the first tick 250 ms later */
  start_sending (fx);
  run_until (fx, T0 + 11100 * MS);
  assert_state (fx, HN_LINK_DOWN, T0 + 10200 * MS);
  run_until (fx, T0 + 11200 * MS);
  assert_state (fx, HN_LINK_UP, T0 + 11200 * MS);
  assert_changes (fx, expected, G_N_ELEMENTS (expected));
}

static void
test_degraded_after_up (Fixture *fx, gconstpointer data)
{
  const Change expected[] = {
    { SITE, HN_LINK_OFFLINE, HN_LINK_CONNECTING, 100 * MS },
    { SITE, HN_LINK_CONNECTING, HN_LINK_UP, 500 * MS },
    { SITE, HN_LINK_UP, HN_LINK_DEGRADED, 2200 * MS },
  };

  hn_link_health_set_online (fx->health, SITE, TRUE);
  hn_link_health_set_meeting (fx->health, SITE, "briefing");
  run_until (fx, T0 + 100 * MS);
  /* the room's report comes before its media does: the link still comes
   * up first (a link that was down is up as soon as media flows), and is
   * degraded only once the bad quality has lasted HN_LINK_DEGRADE_AFTER_US */
  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_HUB_TO_SITE, &awful_sample);
  start_sending (fx);
  run_until (fx, T0 + 3000 * MS);
  assert_state (fx, HN_LINK_DEGRADED, T0 + 2200 * MS);
  assert_changes (fx, expected, G_N_ELEMENTS (expected));
}

static void
test_quality_directions (Fixture *fx, gconstpointer data)
{
  const HnLinkSample unknown = { -1, -1, -1, 350 };
  const HnLinkDirection *dir;
  const Change expected[] = {
    { SITE, HN_LINK_UP, HN_LINK_DEGRADED, 3200 * MS },
    { SITE, HN_LINK_DEGRADED, HN_LINK_UP, 6300 * MS },
  };

  bring_up (fx);

  /* a sample with nothing measured has no estimate: unknown, ignored */
  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_SITE_TO_HUB, &unknown);
  dir = hn_link_health_get_direction (fx->health, SITE, HN_DIRECTION_SITE_TO_HUB);
  g_assert_true (dir->valid);
  g_assert_cmpint (dir->quality, ==, HN_QUALITY_UNKNOWN);
  g_assert_true (isnan (dir->r_factor));
  g_assert_true (isnan (dir->mos));
  g_assert_cmpfloat (dir->sample.bitrate_kbps, ==, 350);

  /* bad from +800 (the tick after +750), good at +1100: the clock
   * starts over */
  run_until (fx, T0 + 750 * MS);
  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_HUB_TO_SITE, &bad_sample);
  run_until (fx, T0 + 1050 * MS);
  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_HUB_TO_SITE, &good_sample);
  /* terrible one way and good the other is terrible: from +1200, so
   * degraded at +3200, not at +2800 as without the good tick */
  run_until (fx, T0 + 1150 * MS);
  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_SITE_TO_HUB, &awful_sample);
  run_until (fx, T0 + 3100 * MS);
  assert_state (fx, HN_LINK_UP, T0 + 700 * MS);
  run_until (fx, T0 + 3200 * MS);
  assert_state (fx, HN_LINK_DEGRADED, T0 + 3200 * MS);

  /* forgetting the terrible direction leaves the good one: up 3 s after
   * the tick that saw it (+3300) */
  run_until (fx, T0 + 3250 * MS);
  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_SITE_TO_HUB, NULL);
  dir = hn_link_health_get_direction (fx->health, SITE, HN_DIRECTION_SITE_TO_HUB);
  g_assert_false (dir->valid);
  run_until (fx, T0 + 6200 * MS);
  assert_state (fx, HN_LINK_DEGRADED, T0 + 3200 * MS);
  run_until (fx, T0 + 6300 * MS);
  assert_state (fx, HN_LINK_UP, T0 + 6300 * MS);

  /* an ok link is not degraded */
  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_HUB_TO_SITE,
                                &(HnLinkSample){ 0, 20, 250, 600 });
  g_assert_cmpint (
      hn_link_health_get_direction (fx->health, SITE, HN_DIRECTION_HUB_TO_SITE)->quality, ==,
      HN_QUALITY_OK);
  run_until (fx, T0 + 10000 * MS);
  assert_state (fx, HN_LINK_UP, T0 + 6300 * MS);
  assert_changes (fx, expected, G_N_ELEMENTS (expected));
}

static void
test_samples (Fixture *fx, gconstpointer data)
{
  const HnQualityThresholds commune = { 4.0, 3.4, 2.9 };
  /* EL = 357 + 10 = 367: R = 93.2 - 24.7 = 68.5, MOS = 1 + 2.3975 +
   * 7e-6*68.5*8.5*31.5 = 3.525886125: bad by default, ok for a commune */
  const HnLinkSample slow = { 0, 0, 357, 500 };
  const HnLinkDirection *dir;

  dir = hn_link_health_get_direction (fx->health, SITE, HN_DIRECTION_HUB_TO_SITE);
  g_assert_nonnull (dir);
  g_assert_false (dir->valid);
  g_assert_cmpint (dir->quality, ==, HN_QUALITY_UNKNOWN);

  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_HUB_TO_SITE, &slow);
  g_assert_true (dir->valid);
  g_assert_cmpfloat (dir->sample.rtt_ms, ==, 357);
  g_assert_cmpfloat (dir->sample.bitrate_kbps, ==, 500);
  g_assert_cmpfloat_with_epsilon (dir->r_factor, 68.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (dir->mos, 3.525886125, 1e-9);
  g_assert_cmpint (dir->quality, ==, HN_QUALITY_BAD);

  /* adding the site again (a reload) brings the new thresholds and keeps
   * the samples and the state */
  hn_link_health_add_site (fx->health, SITE, &commune, T0 + 5 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (dir->quality, ==, HN_QUALITY_OK);
  g_assert_cmpfloat_with_epsilon (dir->mos, 3.525886125, 1e-9);
  assert_state (fx, HN_LINK_OFFLINE, T0);

  /* the other direction is its own */
  dir = hn_link_health_get_direction (fx->health, SITE, HN_DIRECTION_SITE_TO_HUB);
  g_assert_false (dir->valid);
  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_SITE_TO_HUB, &awful_sample);
  g_assert_cmpfloat_with_epsilon (dir->mos, 2.024982784, 1e-9);
  g_assert_cmpint (dir->quality, ==, HN_QUALITY_TERRIBLE);
}

static void
test_meeting_change (Fixture *fx, gconstpointer data)
{
  const Change expected[] = {
    { SITE, HN_LINK_UP, HN_LINK_CONNECTING, 800 * MS },
    { SITE, HN_LINK_CONNECTING, HN_LINK_UP, 1100 * MS },
    { SITE, HN_LINK_UP, HN_LINK_STANDBY, 1200 * MS },
  };

  bring_up (fx);
  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_HUB_TO_SITE, &good_sample);

  /* the same meeting again is no change */
  hn_link_health_set_meeting (fx->health, SITE, "briefing");
  g_assert_true (hn_link_health_get_direction (fx->health, SITE, HN_DIRECTION_HUB_TO_SITE)->valid);
  run_until (fx, T0 + 750 * MS);
  g_assert_cmpuint (fx->changes->len, ==, 0);

  /* another meeting: counters and samples are forgotten, connecting
   * again at the next tick although packets keep coming */
  hn_link_health_set_meeting (fx->health, SITE, "central-session");
  g_assert_cmpstr (hn_link_health_get_meeting (fx->health, SITE), ==, "central-session");
  g_assert_false (hn_link_health_get_direction (fx->health, SITE, HN_DIRECTION_HUB_TO_SITE)->valid);
  g_assert_cmpint (hn_link_health_get_last_packet (fx->health, SITE), ==, 0);
  fx->packets = 0;
  run_until (fx, T0 + 800 * MS);
  assert_state (fx, HN_LINK_CONNECTING, T0 + 800 * MS);
  /* its new leg's packets, already seen by the tick of +800: up at
   * +1100 */
  run_until (fx, T0 + 1000 * MS);
  assert_state (fx, HN_LINK_CONNECTING, T0 + 800 * MS);
  run_until (fx, T0 + 1100 * MS);
  assert_state (fx, HN_LINK_UP, T0 + 1100 * MS);

  /* left its meeting: standby */
  hn_link_health_set_meeting (fx->health, SITE, NULL);
  g_assert_null (hn_link_health_get_meeting (fx->health, SITE));
  stop_sending (fx);
  run_until (fx, T0 + 1200 * MS);
  assert_state (fx, HN_LINK_STANDBY, T0 + 1200 * MS);
  assert_changes (fx, expected, G_N_ELEMENTS (expected));
}

/* Offline and back while in a meeting: connecting again, then up. */
static void
test_offline_and_back (Fixture *fx, gconstpointer data)
{
  const Change expected[] = {
    { SITE, HN_LINK_UP, HN_LINK_OFFLINE, 800 * MS },
    { SITE, HN_LINK_OFFLINE, HN_LINK_CONNECTING, 1000 * MS },
    { SITE, HN_LINK_CONNECTING, HN_LINK_UP, 1100 * MS },
  };

  bring_up (fx);
  hn_link_health_set_online (fx->health, SITE, FALSE);
  run_until (fx, T0 + 900 * MS);
  assert_state (fx, HN_LINK_OFFLINE, T0 + 800 * MS);
  hn_link_health_set_online (fx->health, SITE, TRUE);
  run_until (fx, T0 + 1000 * MS);
  assert_state (fx, HN_LINK_CONNECTING, T0 + 1000 * MS);
  /* media never stopped (flowing at every tick since +400): up at the
   * next tick */
  run_until (fx, T0 + 1100 * MS);
  assert_state (fx, HN_LINK_UP, T0 + 1100 * MS);
  assert_changes (fx, expected, G_N_ELEMENTS (expected));
}

static void
test_several_sites (Fixture *fx, gconstpointer data)
{
  const gchar *const ids[] = {
    "huyen-tam-dao", "so-tttt", "tt-tam-dao", "xa-dao-tru", "xa-yen-duong", NULL,
  };
  g_auto (GStrv) listed = NULL;
  const Change expected[] = {
    { "huyen-tam-dao", HN_LINK_OFFLINE, HN_LINK_CONNECTING, 100 * MS },
    { "so-tttt", HN_LINK_OFFLINE, HN_LINK_STANDBY, 100 * MS },
    { "tt-tam-dao", HN_LINK_OFFLINE, HN_LINK_CONNECTING, 100 * MS },
    /* xa-dao-tru stays offline, xa-yen-duong is removed by the handler
     * before the tick's signals are all out, and its own still comes */
    { "xa-yen-duong", HN_LINK_OFFLINE, HN_LINK_CONNECTING, 100 * MS },
  };

  /* added in an order unlike the sorted one */
  hn_link_health_add_site (fx->health, "xa-yen-duong", NULL, T0);
  hn_link_health_add_site (fx->health, "so-tttt", NULL, T0);
  hn_link_health_add_site (fx->health, "tt-tam-dao", NULL, T0);
  hn_link_health_add_site (fx->health, "huyen-tam-dao", NULL, T0);
  g_assert_true (hn_link_health_has_site (fx->health, "so-tttt"));
  g_assert_false (hn_link_health_has_site (fx->health, "ubnd-tinh"));
  listed = hn_link_health_list_sites (fx->health);
  g_assert_cmpstrv (listed, ids);

  for (guint i = 0; ids[i] != NULL; i++) {
    if (g_str_equal (ids[i], SITE))
      continue;
    hn_link_health_set_online (fx->health, ids[i], TRUE);
    if (!g_str_equal (ids[i], "so-tttt"))
      hn_link_health_set_meeting (fx->health, ids[i],
                                  g_str_equal (ids[i], "xa-yen-duong") ? "other" : "briefing");
  }
  fx->remove_on_change = g_strdup ("xa-yen-duong");
  run_until (fx, T0 + 100 * MS);
  assert_changes (fx, expected, G_N_ELEMENTS (expected));
  g_assert_false (hn_link_health_has_site (fx->health, "xa-yen-duong"));

  g_assert_cmpuint (hn_link_health_count (fx->health, HN_LINK_CONNECTING, NULL), ==, 2);
  g_assert_cmpuint (hn_link_health_count (fx->health, HN_LINK_CONNECTING, "briefing"), ==, 2);
  g_assert_cmpuint (hn_link_health_count (fx->health, HN_LINK_CONNECTING, "other"), ==, 0);
  g_assert_cmpuint (hn_link_health_count (fx->health, HN_LINK_STANDBY, NULL), ==, 1);
  g_assert_cmpuint (hn_link_health_count (fx->health, HN_LINK_STANDBY, "briefing"), ==, 0);
  g_assert_cmpuint (hn_link_health_count (fx->health, HN_LINK_OFFLINE, NULL), ==, 1);
  g_assert_cmpuint (hn_link_health_count (fx->health, HN_LINK_UP, NULL), ==, 0);

  hn_link_health_remove_site (fx->health, "so-tttt");
  g_clear_pointer (&listed, g_strfreev);
  listed = hn_link_health_list_sites (fx->health);
  g_assert_cmpstrv (listed, ((const gchar *const[]){ "huyen-tam-dao", "tt-tam-dao", SITE, NULL }));
  /* removing is silent */
  g_assert_cmpuint (fx->changes->len, ==, G_N_ELEMENTS (expected));
}

/* A site the model does not know: a race the owner cannot always avoid,
 * so no warning (G_DEBUG=fatal-warnings would catch one). */
static void
test_unknown_site (Fixture *fx, gconstpointer data)
{
  hn_link_health_set_online (fx->health, "xa-khong-co", TRUE);
  hn_link_health_set_meeting (fx->health, "xa-khong-co", "briefing");
  hn_link_health_update_media (fx->health, "xa-khong-co", 10, T0);
  hn_link_health_update_sample (fx->health, "xa-khong-co", HN_DIRECTION_HUB_TO_SITE, &good_sample);
  hn_link_health_remove_site (fx->health, "xa-khong-co");
  run_until (fx, T0 + 200 * MS);

  g_assert_false (hn_link_health_has_site (fx->health, "xa-khong-co"));
  g_assert_cmpint (hn_link_health_get_state (fx->health, "xa-khong-co"), ==, HN_LINK_OFFLINE);
  g_assert_cmpint (hn_link_health_get_state_since (fx->health, "xa-khong-co"), ==, 0);
  g_assert_null (hn_link_health_get_meeting (fx->health, "xa-khong-co"));
  g_assert_null (
      hn_link_health_get_direction (fx->health, "xa-khong-co", HN_DIRECTION_HUB_TO_SITE));
  g_assert_cmpint (hn_link_health_get_last_packet (fx->health, "xa-khong-co"), ==, 0);
  g_assert_null (hn_link_health_site_to_json (fx->health, "xa-khong-co", T0));
  g_assert_cmpuint (fx->changes->len, ==, 0);
}

static void
test_json (Fixture *fx, gconstpointer data)
{
  g_autoptr (JsonNode) offline = hn_link_health_site_to_json (fx->health, SITE, T0 + 1234 * MS);
  g_autofree gchar *offline_text = json_to_string (offline, FALSE);
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object;
  JsonObject *dir;

  /* nothing known yet: nulls, not missing members */
  g_assert_cmpstr (offline_text, ==,
                   "{\"site\":\"xa-dao-tru\",\"state\":\"offline\",\"since-ms\":1234,"
                   "\"meeting\":null,\"last-packet-age-ms\":null,\"hub-to-site\":null,"
                   "\"site-to-hub\":null}");

  bring_up (fx);
  /* EL = 38 + 8.4 + 10 = 56.4: R = 93.2 - 1.41 - 1.25 = 90.54,
   * MOS = 1 + 3.1689 + 7e-6*90.54*30.54*9.46 = 4.352004 */
  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_HUB_TO_SITE,
                                &(HnLinkSample){ 0.5, 4.2, 38, 1480.25 });
  /* only jitter known: EL = 34, R = 92.35, MOS = 4.392232 */
  hn_link_health_update_sample (fx->health, SITE, HN_DIRECTION_SITE_TO_HUB,
                                &(HnLinkSample){ -1, 12, -1, 598 });
  run_until (fx, T0 + 1000 * MS);

  /* the last packet came at +1000; asked 37 ms later, in the state
   * since +700 */
  node = hn_link_health_site_to_json (fx->health, SITE, T0 + 1037 * MS);
  object = json_node_get_object (node);
  g_assert_cmpuint (json_object_get_size (object), ==, 7);
  g_assert_cmpstr (json_object_get_string_member (object, "site"), ==, SITE);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "up");
  g_assert_cmpint (json_object_get_int_member (object, "since-ms"), ==, 337);
  g_assert_cmpstr (json_object_get_string_member (object, "meeting"), ==, "briefing");
  g_assert_cmpint (json_object_get_int_member (object, "last-packet-age-ms"), ==, 37);

  dir = json_object_get_object_member (object, "hub-to-site");
  g_assert_cmpuint (json_object_get_size (dir), ==, 7);
  g_assert_cmpfloat (json_object_get_double_member (dir, "loss-pct"), ==, 0.5);
  g_assert_cmpfloat (json_object_get_double_member (dir, "jitter-ms"), ==, 4.2);
  g_assert_cmpfloat (json_object_get_double_member (dir, "rtt-ms"), ==, 38);
  /* two decimals: 1480.25 stays, 90.54 stays, 4.352004 is 4.35 */
  g_assert_cmpfloat (json_object_get_double_member (dir, "bitrate-kbps"), ==, 1480.25);
  g_assert_cmpfloat (json_object_get_double_member (dir, "r-factor"), ==, 90.54);
  g_assert_cmpfloat (json_object_get_double_member (dir, "mos"), ==, 4.35);
  g_assert_cmpstr (json_object_get_string_member (dir, "quality"), ==, "good");

  dir = json_object_get_object_member (object, "site-to-hub");
  g_assert_true (json_object_get_null_member (dir, "loss-pct"));
  g_assert_cmpfloat (json_object_get_double_member (dir, "jitter-ms"), ==, 12);
  g_assert_true (json_object_get_null_member (dir, "rtt-ms"));
  g_assert_cmpfloat (json_object_get_double_member (dir, "bitrate-kbps"), ==, 598);
  g_assert_cmpfloat (json_object_get_double_member (dir, "r-factor"), ==, 92.35);
  g_assert_cmpfloat (json_object_get_double_member (dir, "mos"), ==, 4.39);
  g_assert_cmpstr (json_object_get_string_member (dir, "quality"), ==, "good");
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hn/quality/r-factor", test_r_factor);
  g_test_add_func ("/hn/quality/mos", test_mos);
  g_test_add_func ("/hn/quality/classify", test_classify);
  g_test_add_func ("/hn/link-health/names", test_names);

  ADD ("/hn/link-health/lifecycle", test_lifecycle);
  ADD ("/hn/link-health/down-boundary", test_down_boundary);
  ADD ("/hn/link-health/connecting-timeout", test_connecting_timeout);
  ADD ("/hn/link-health/degraded-after-up", test_degraded_after_up);
  ADD ("/hn/link-health/quality-directions", test_quality_directions);
  ADD ("/hn/link-health/samples", test_samples);
  ADD ("/hn/link-health/meeting-change", test_meeting_change);
  ADD ("/hn/link-health/offline-and-back", test_offline_and_back);
  ADD ("/hn/link-health/several-sites", test_several_sites);
  ADD ("/hn/link-health/unknown-site", test_unknown_site);
  ADD ("/hn/link-health/json", test_json);

  return g_test_run ();
}

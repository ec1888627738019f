/* HnLinkHealth: the hub's view of every site's link, one record per site,
 * as a state machine with hysteresis:
 *
 *   offline     no control channel
 *   standby     online, in no meeting
 *   connecting  in a meeting, waiting for its media
 *   up          media flowing, quality good or ok
 *   degraded    media flowing, quality bad or terrible for a while
 *   down        in a meeting, online, but no media for too long
 *
 * Plain code without GStreamer or a clock of its own: the owner feeds it
 * the control channel's view (online, meeting), the return leg's packet
 * counter and each direction's measurements, and calls
 * hn_link_health_tick() with the monotonic time, a few times a second.
 * States change only in a tick, so every rule is measured in ticks of the
 * owner's clock and a test drives it with a fake one:
 *
 * - media is "flowing" at a tick when the packet counter moved since the
 *   previous tick and the last packet is younger than
 *   HN_LINK_FLOWING_MAX_AGE_US;
 * - connecting or down becomes up after media has been flowing at every
 *   tick for HN_LINK_UP_AFTER_US, whatever the quality (entering down or
 *   offline forgets the figures, which described media that stopped);
 *   connecting becomes down after HN_LINK_CONNECT_TIMEOUT_US without media;
 * - up or degraded becomes down only when the last packet is older than
 *   HN_LINK_DOWN_AFTER_US: one late packet changes nothing;
 * - up becomes degraded when the worse of the two directions' classes has
 *   been bad or terrible at every tick for HN_LINK_DEGRADE_AFTER_US, and
 *   degraded becomes up when it has been good, ok or unknown for
 *   HN_LINK_RECOVER_AFTER_US.
 *
 * Every change emits "state-changed" once, after the tick has evaluated
 * every site (so a handler sees consistent counts), in order of site id.
 * The model logs nothing itself: its owner journals each change, with
 * what else it knows of the site, from that signal. */

#define G_LOG_DOMAIN "hoinghi-health"

#include "hn-link-health.h"

#include <math.h>
#include <string.h>

/* "not since any time" for the timers below; 0 is a valid monotonic time */
#define NO_TIME G_MININT64

typedef struct {
  gchar *id;
  HnQualityThresholds thresholds;
  gboolean online;
  gchar *meeting;           /* nullable */
  gboolean meeting_changed; /* since the last tick: connecting again */
  HnLinkState state;
  gint64 since_us;
  guint64 packets;
  gint64 last_packet_us;   /* 0: none yet */
  guint64 ticked_packets;  /* the counter at the previous tick */
  gint64 flowing_since_us; /* the first tick of the current flow */
  gint64 bad_since_us;     /* the first tick of the current bad quality */
  gint64 fine_since_us;    /* the first tick of the current good/ok/unknown */
  HnLinkDirection directions[HN_DIRECTION_LAST];
} HnLinkSite;

struct _HnLinkHealth {
  GObject parent_instance;

  GHashTable *sites; /* id -> HnLinkSite (owned) */
};

G_DEFINE_FINAL_TYPE (HnLinkHealth, hn_link_health, G_TYPE_OBJECT)

enum { SIGNAL_STATE_CHANGED, N_SIGNALS };

static guint signals[N_SIGNALS];

static const gchar *const state_names[] = {
  [HN_LINK_OFFLINE] = "offline",       [HN_LINK_STANDBY] = "standby",
  [HN_LINK_CONNECTING] = "connecting", [HN_LINK_UP] = "up",
  [HN_LINK_DEGRADED] = "degraded",     [HN_LINK_DOWN] = "down",
};

G_STATIC_ASSERT (G_N_ELEMENTS (state_names) == HN_LINK_STATE_LAST);

static const gchar *const direction_names[] = {
  [HN_DIRECTION_HUB_TO_SITE] = "hub-to-site",
  [HN_DIRECTION_SITE_TO_HUB] = "site-to-hub",
};

G_STATIC_ASSERT (G_N_ELEMENTS (direction_names) == HN_DIRECTION_LAST);

static const HnQualityThresholds default_thresholds = {
  HN_QUALITY_DEFAULT_GOOD_MOS,
  HN_QUALITY_DEFAULT_OK_MOS,
  HN_QUALITY_DEFAULT_BAD_MOS,
};

const gchar *
hn_link_state_to_string (HnLinkState state)
{
  g_return_val_if_fail (state < HN_LINK_STATE_LAST, NULL);
  return state_names[state];
}

const gchar *
hn_direction_to_string (HnDirection direction)
{
  g_return_val_if_fail (direction < HN_DIRECTION_LAST, NULL);
  return direction_names[direction];
}

static void
hn_link_site_free (HnLinkSite *site)
{
  g_free (site->id);
  g_free (site->meeting);
  g_free (site);
}

static void
hn_link_direction_clear (HnLinkDirection *dir)
{
  *dir = (HnLinkDirection){ .valid = FALSE,
                            .sample = { -1, -1, -1, -1 },
                            .r_factor = NAN,
                            .mos = NAN,
                            .quality = HN_QUALITY_UNKNOWN };
}

/* Forgets what was measured: a new meeting is a new leg with new
 * counters and new reports. */
static void
hn_link_site_reset_media (HnLinkSite *site)
{
  site->packets = 0;
  site->last_packet_us = 0;
  site->ticked_packets = 0;
  site->flowing_since_us = NO_TIME;
  site->bad_since_us = NO_TIME;
  site->fine_since_us = NO_TIME;
  for (guint d = 0; d < HN_DIRECTION_LAST; d++)
    hn_link_direction_clear (&site->directions[d]);
}

static void
hn_link_site_classify (HnLinkSite *site, HnLinkDirection *dir)
{
  const HnLinkSample *s = &dir->sample;

  /* with not one measurement known there is nothing to estimate; a
   * perfect score would be a lie */
  if (!(s->loss_pct >= 0) && !(s->jitter_ms >= 0) && !(s->rtt_ms >= 0)) {
    dir->r_factor = NAN;
    dir->mos = NAN;
    dir->quality = HN_QUALITY_UNKNOWN;
    return;
  }
  dir->r_factor = hn_quality_r_factor (s->rtt_ms, s->jitter_ms, s->loss_pct);
  dir->mos = hn_quality_mos_from_r (dir->r_factor);
  dir->quality = hn_quality_classify (dir->mos, &site->thresholds);
}

static void
hn_link_health_finalize (GObject *object)
{
  HnLinkHealth *self = HN_LINK_HEALTH (object);

  g_hash_table_unref (self->sites);

  G_OBJECT_CLASS (hn_link_health_parent_class)->finalize (object);
}

static void
hn_link_health_class_init (HnLinkHealthClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hn_link_health_finalize;

  /**
   * HnLinkHealth::state-changed:
   * @site_id: the site
   * @old_state: the #HnLinkState it was in
   * @new_state: the #HnLinkState it is in now
   *
   * Emitted by hn_link_health_tick(), once per change.
   */
  signals[SIGNAL_STATE_CHANGED] =
      g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_UINT);
}

static void
hn_link_health_init (HnLinkHealth *self)
{
  self->sites =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) hn_link_site_free);
}

HnLinkHealth *
hn_link_health_new (void)
{
  return g_object_new (HN_TYPE_LINK_HEALTH, NULL);
}

/* A site the owner does not know (any more) is a race the owner cannot
 * always avoid, such as stats arriving from a site a reload just removed. */
static HnLinkSite *
hn_link_health_lookup (HnLinkHealth *self, const gchar *site_id)
{
  HnLinkSite *site = g_hash_table_lookup (self->sites, site_id);

  if (site == NULL)
    g_debug ("no health record of site '%s', ignoring", site_id);
  return site;
}

/**
 * hn_link_health_add_site:
 * @thresholds: (nullable): the site's quality thresholds (from
 *   hn_config_get_health_thresholds()); %NULL for the defaults
 * @now_us: monotonic time, the start of its first state
 *
 * Adds a site, offline. Adding a site that is already there only gives it
 * the new @thresholds (as after a reload) and reclassifies its samples;
 * its state stays.
 */
void
hn_link_health_add_site (HnLinkHealth *self,
                         const gchar *site_id,
                         const HnQualityThresholds *thresholds,
                         gint64 now_us)
{
  HnLinkSite *site;

  g_return_if_fail (HN_IS_LINK_HEALTH (self));
  g_return_if_fail (site_id != NULL);

  site = g_hash_table_lookup (self->sites, site_id);
  if (site == NULL) {
    site = g_new0 (HnLinkSite, 1);
    site->id = g_strdup (site_id);
    site->state = HN_LINK_OFFLINE;
    site->since_us = now_us;
    hn_link_site_reset_media (site);
    g_hash_table_insert (self->sites, site->id, site);
  }
  site->thresholds = thresholds != NULL ? *thresholds : default_thresholds;
  for (guint d = 0; d < HN_DIRECTION_LAST; d++) {
    if (site->directions[d].valid)
      hn_link_site_classify (site, &site->directions[d]);
  }
}

/**
 * hn_link_health_remove_site:
 *
 * Forgets a site, without a signal.
 */
void
hn_link_health_remove_site (HnLinkHealth *self, const gchar *site_id)
{
  g_return_if_fail (HN_IS_LINK_HEALTH (self));
  g_return_if_fail (site_id != NULL);

  g_hash_table_remove (self->sites, site_id);
}

gboolean
hn_link_health_has_site (HnLinkHealth *self, const gchar *site_id)
{
  g_return_val_if_fail (HN_IS_LINK_HEALTH (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);

  return g_hash_table_contains (self->sites, site_id);
}

/**
 * hn_link_health_set_online:
 *
 * Whether the site's control channel is up; the state follows at the next
 * tick.
 */
void
hn_link_health_set_online (HnLinkHealth *self, const gchar *site_id, gboolean online)
{
  HnLinkSite *site;

  g_return_if_fail (HN_IS_LINK_HEALTH (self));
  g_return_if_fail (site_id != NULL);

  site = hn_link_health_lookup (self, site_id);
  if (site != NULL)
    site->online = !!online;
}

/**
 * hn_link_health_set_meeting:
 * @meeting_id: (nullable): the meeting the site takes part in, %NULL when
 *   it left its meeting
 *
 * Another meeting than before forgets the site's packet counter and
 * samples, and the site is connecting again from the next tick.
 */
void
hn_link_health_set_meeting (HnLinkHealth *self, const gchar *site_id, const gchar *meeting_id)
{
  HnLinkSite *site;

  g_return_if_fail (HN_IS_LINK_HEALTH (self));
  g_return_if_fail (site_id != NULL);

  site = hn_link_health_lookup (self, site_id);
  if (site == NULL || g_strcmp0 (site->meeting, meeting_id) == 0)
    return;
  g_free (site->meeting);
  site->meeting = g_strdup (meeting_id);
  site->meeting_changed = TRUE;
  hn_link_site_reset_media (site);
}

/**
 * hn_link_health_update_media:
 * @packets: packets received from the site (site to hub) in its current
 *   meeting, cumulative
 * @last_packet_us: monotonic time of the last of them, 0 if none yet
 *
 * A counter that goes back (a rebuilt leg counting from 0 again) counts as
 * moving if it is not 0.
 */
void
hn_link_health_update_media (HnLinkHealth *self,
                             const gchar *site_id,
                             guint64 packets,
                             gint64 last_packet_us)
{
  HnLinkSite *site;

  g_return_if_fail (HN_IS_LINK_HEALTH (self));
  g_return_if_fail (site_id != NULL);

  site = hn_link_health_lookup (self, site_id);
  if (site == NULL)
    return;
  site->packets = packets;
  site->last_packet_us = last_packet_us;
}

/**
 * hn_link_health_update_sample:
 * @sample: (nullable): the direction's latest measurements (negative:
 *   unknown); %NULL forgets them
 *
 * Estimates the direction's R-factor, MOS and class with the site's
 * thresholds. A sample with neither loss, jitter nor round-trip time known
 * has an unknown class (and NaN R-factor and MOS).
 */
void
hn_link_health_update_sample (HnLinkHealth *self,
                              const gchar *site_id,
                              HnDirection direction,
                              const HnLinkSample *sample)
{
  HnLinkSite *site;
  HnLinkDirection *dir;

  g_return_if_fail (HN_IS_LINK_HEALTH (self));
  g_return_if_fail (site_id != NULL);
  g_return_if_fail (direction < HN_DIRECTION_LAST);

  site = hn_link_health_lookup (self, site_id);
  if (site == NULL)
    return;
  dir = &site->directions[direction];
  if (sample == NULL) {
    hn_link_direction_clear (dir);
    return;
  }
  dir->valid = TRUE;
  dir->sample = *sample;
  hn_link_site_classify (site, dir);
}

/* The worse class of the directions that have one; unknown if neither. */
static HnQualityClass
hn_link_site_worst_quality (HnLinkSite *site)
{
  HnQualityClass worst = HN_QUALITY_UNKNOWN;

  /* the enum runs from good to terrible after unknown */
  for (guint d = 0; d < HN_DIRECTION_LAST; d++) {
    if (site->directions[d].valid && site->directions[d].quality > worst)
      worst = site->directions[d].quality;
  }
  return worst;
}

static gboolean
hn_quality_is_bad (HnQualityClass quality)
{
  return quality == HN_QUALITY_BAD || quality == HN_QUALITY_TERRIBLE;
}

/* Updates @site's timers for the tick at @now and returns the state the
 * rules give. */
static HnLinkState
hn_link_site_evaluate (HnLinkSite *site, gint64 now)
{
  gboolean moved = site->packets != site->ticked_packets && site->packets > 0;
  gboolean flowing =
      moved && site->last_packet_us != 0 && now - site->last_packet_us < HN_LINK_FLOWING_MAX_AGE_US;
  gboolean bad = hn_quality_is_bad (hn_link_site_worst_quality (site));
  gboolean meeting_changed = site->meeting_changed;

  site->ticked_packets = site->packets;
  site->meeting_changed = FALSE;
  if (!flowing)
    site->flowing_since_us = NO_TIME;
  else if (site->flowing_since_us == NO_TIME)
    site->flowing_since_us = now;
  if (bad) {
    site->fine_since_us = NO_TIME;
    if (site->bad_since_us == NO_TIME)
      site->bad_since_us = now;
  } else {
    site->bad_since_us = NO_TIME;
    if (site->fine_since_us == NO_TIME)
      site->fine_since_us = now;
  }

  if (!site->online)
    return HN_LINK_OFFLINE;
  if (site->meeting == NULL)
    return HN_LINK_STANDBY;
  if (meeting_changed || site->state == HN_LINK_OFFLINE || site->state == HN_LINK_STANDBY)
    return HN_LINK_CONNECTING;

  if (site->state == HN_LINK_CONNECTING || site->state == HN_LINK_DOWN) {
    /* back up first: quality makes a link degraded only when it stays bad
     * for HN_LINK_DEGRADE_AFTER_US while media flows */
    if (flowing && now - site->flowing_since_us >= HN_LINK_UP_AFTER_US)
      return HN_LINK_UP;
    /* media that just started gets its HN_LINK_UP_AFTER_US */
    if (site->state == HN_LINK_CONNECTING && !flowing &&
        now - site->since_us > HN_LINK_CONNECT_TIMEOUT_US)
      return HN_LINK_DOWN;
    return site->state;
  }

  /* up or degraded */
  if (site->last_packet_us == 0 || now - site->last_packet_us > HN_LINK_DOWN_AFTER_US)
    return HN_LINK_DOWN;
  if (site->state == HN_LINK_UP && bad && now - site->bad_since_us >= HN_LINK_DEGRADE_AFTER_US)
    return HN_LINK_DEGRADED;
  if (site->state == HN_LINK_DEGRADED && !bad &&
      now - site->fine_since_us >= HN_LINK_RECOVER_AFTER_US)
    return HN_LINK_UP;
  return site->state;
}

typedef struct {
  gchar *site_id;
  HnLinkState old_state;
  HnLinkState new_state;
} HnLinkChange;

static void
hn_link_change_clear (HnLinkChange *change)
{
  g_free (change->site_id);
}

static gint
hn_link_change_compare (gconstpointer a, gconstpointer b)
{
  return strcmp (((const HnLinkChange *) a)->site_id, ((const HnLinkChange *) b)->site_id);
}

/**
 * hn_link_health_tick:
 * @now_us: monotonic time; call this a few times a second (every 100 to
 *   250 ms), more often than media is expected to pause
 *
 * Evaluates every site and emits "state-changed" for each change.
 */
void
hn_link_health_tick (HnLinkHealth *self, gint64 now_us)
{
  g_autoptr (GArray) changes = g_array_new (FALSE, FALSE, sizeof (HnLinkChange));
  GHashTableIter iter;
  HnLinkSite *site;

  g_return_if_fail (HN_IS_LINK_HEALTH (self));

  g_array_set_clear_func (changes, (GDestroyNotify) hn_link_change_clear);
  g_hash_table_iter_init (&iter, self->sites);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &site)) {
    HnLinkState old_state = site->state;
    HnLinkState new_state = hn_link_site_evaluate (site, now_us);
    HnLinkChange change;

    if (new_state == old_state)
      continue;
    site->state = new_state;
    /* what was measured describes media that stopped: the next figures
     * must come from media that flows again */
    if (new_state == HN_LINK_DOWN || new_state == HN_LINK_OFFLINE) {
      site->bad_since_us = NO_TIME;
      site->fine_since_us = NO_TIME;
      for (guint d = 0; d < HN_DIRECTION_LAST; d++)
        hn_link_direction_clear (&site->directions[d]);
    }
    site->since_us = now_us;
    change = (HnLinkChange){ g_strdup (site->id), old_state, new_state };
    g_array_append_val (changes, change);
  }

  /* handlers may add or remove sites, or drop the last reference */
  g_array_sort (changes, hn_link_change_compare);
  g_object_ref (self);
  for (guint i = 0; i < changes->len; i++) {
    HnLinkChange *change = &g_array_index (changes, HnLinkChange, i);

    g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, change->site_id,
                   (guint) change->old_state, (guint) change->new_state);
  }
  g_object_unref (self);
}

/**
 * hn_link_health_get_state:
 *
 * Returns: the site's state; offline for a site not known
 */
HnLinkState
hn_link_health_get_state (HnLinkHealth *self, const gchar *site_id)
{
  HnLinkSite *site;

  g_return_val_if_fail (HN_IS_LINK_HEALTH (self), HN_LINK_OFFLINE);
  g_return_val_if_fail (site_id != NULL, HN_LINK_OFFLINE);

  site = g_hash_table_lookup (self->sites, site_id);
  return site != NULL ? site->state : HN_LINK_OFFLINE;
}

/**
 * hn_link_health_get_state_since:
 *
 * Returns: the monotonic time of the tick that put the site in its state
 *   (or of hn_link_health_add_site()), 0 for a site not known
 */
gint64
hn_link_health_get_state_since (HnLinkHealth *self, const gchar *site_id)
{
  HnLinkSite *site;

  g_return_val_if_fail (HN_IS_LINK_HEALTH (self), 0);
  g_return_val_if_fail (site_id != NULL, 0);

  site = g_hash_table_lookup (self->sites, site_id);
  return site != NULL ? site->since_us : 0;
}

/**
 * hn_link_health_get_meeting:
 *
 * Returns: (nullable): the meeting last given by
 *   hn_link_health_set_meeting()
 */
const gchar *
hn_link_health_get_meeting (HnLinkHealth *self, const gchar *site_id)
{
  HnLinkSite *site;

  g_return_val_if_fail (HN_IS_LINK_HEALTH (self), NULL);
  g_return_val_if_fail (site_id != NULL, NULL);

  site = g_hash_table_lookup (self->sites, site_id);
  return site != NULL ? site->meeting : NULL;
}

/**
 * hn_link_health_get_direction:
 *
 * Returns: (transfer none) (nullable): what is known of one direction of
 *   the site's link, valid until the site is removed; %NULL for a site not
 *   known
 */
const HnLinkDirection *
hn_link_health_get_direction (HnLinkHealth *self, const gchar *site_id, HnDirection direction)
{
  HnLinkSite *site;

  g_return_val_if_fail (HN_IS_LINK_HEALTH (self), NULL);
  g_return_val_if_fail (site_id != NULL, NULL);
  g_return_val_if_fail (direction < HN_DIRECTION_LAST, NULL);

  site = g_hash_table_lookup (self->sites, site_id);
  return site != NULL ? &site->directions[direction] : NULL;
}

/**
 * hn_link_health_get_last_packet:
 *
 * Returns: the monotonic time of the site's last packet in its current
 *   meeting, 0 if none (or for a site not known)
 */
gint64
hn_link_health_get_last_packet (HnLinkHealth *self, const gchar *site_id)
{
  HnLinkSite *site;

  g_return_val_if_fail (HN_IS_LINK_HEALTH (self), 0);
  g_return_val_if_fail (site_id != NULL, 0);

  site = g_hash_table_lookup (self->sites, site_id);
  return site != NULL ? site->last_packet_us : 0;
}

/**
 * hn_link_health_count:
 * @meeting_id: (nullable): count only the sites of this meeting; %NULL
 *   for every site
 *
 * Returns: how many sites are in @state
 */
guint
hn_link_health_count (HnLinkHealth *self, HnLinkState state, const gchar *meeting_id)
{
  GHashTableIter iter;
  HnLinkSite *site;
  guint n = 0;

  g_return_val_if_fail (HN_IS_LINK_HEALTH (self), 0);
  g_return_val_if_fail (state < HN_LINK_STATE_LAST, 0);

  g_hash_table_iter_init (&iter, self->sites);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &site)) {
    if (site->state == state && (meeting_id == NULL || g_strcmp0 (site->meeting, meeting_id) == 0))
      n++;
  }
  return n;
}

static gint
hn_link_compare_ids (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

/**
 * hn_link_health_list_sites:
 *
 * Returns: (transfer full): the ids of every site, sorted
 */
GStrv
hn_link_health_list_sites (HnLinkHealth *self)
{
  g_autofree const gchar **ids = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  guint n;

  g_return_val_if_fail (HN_IS_LINK_HEALTH (self), NULL);

  ids = (const gchar **) g_hash_table_get_keys_as_array (self->sites, &n);
  g_qsort_with_data (ids, n, sizeof (gchar *), hn_link_compare_ids, NULL);
  for (guint i = 0; i < n; i++)
    g_strv_builder_add (builder, ids[i]);
  return g_strv_builder_end (builder);
}

/* Two decimals are all an operator reads, and the JSON stays short. */
static void
hn_link_json_add_number (JsonBuilder *b, const gchar *name, gdouble value)
{
  json_builder_set_member_name (b, name);
  if (isnan (value) || value < 0)
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, (gdouble) (gint64) (value * 100 + 0.5) / 100);
}

static void
hn_link_json_add_direction (JsonBuilder *b, const gchar *name, const HnLinkDirection *dir)
{
  json_builder_set_member_name (b, name);
  if (!dir->valid) {
    json_builder_add_null_value (b);
    return;
  }
  json_builder_begin_object (b);
  hn_link_json_add_number (b, "loss-pct", dir->sample.loss_pct);
  hn_link_json_add_number (b, "jitter-ms", dir->sample.jitter_ms);
  hn_link_json_add_number (b, "rtt-ms", dir->sample.rtt_ms);
  hn_link_json_add_number (b, "bitrate-kbps", dir->sample.bitrate_kbps);
  hn_link_json_add_number (b, "r-factor", dir->r_factor);
  hn_link_json_add_number (b, "mos", dir->mos);
  json_builder_set_member_name (b, "quality");
  json_builder_add_string_value (b, hn_quality_class_to_string (dir->quality));
  json_builder_end_object (b);
}

/**
 * hn_link_health_site_to_json:
 * @now_us: monotonic time, for the ages
 *
 * Returns: (transfer full) (nullable): the site's record as the API shows
 *   it, %NULL for a site not known:
 *   {"site", "state", "since-ms" (how long it has been in its state),
 *   "meeting" (or null), "last-packet-age-ms" (or null), "hub-to-site",
 *   "site-to-hub"}, each direction null or {"loss-pct", "jitter-ms",
 *   "rtt-ms", "bitrate-kbps", "r-factor", "mos" (each null when unknown,
 *   rounded to two decimals), "quality"}
 */
JsonNode *
hn_link_health_site_to_json (HnLinkHealth *self, const gchar *site_id, gint64 now_us)
{
  g_autoptr (JsonBuilder) b = NULL;
  HnLinkSite *site;

  g_return_val_if_fail (HN_IS_LINK_HEALTH (self), NULL);
  g_return_val_if_fail (site_id != NULL, NULL);

  site = g_hash_table_lookup (self->sites, site_id);
  if (site == NULL)
    return NULL;

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "site");
  json_builder_add_string_value (b, site->id);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, state_names[site->state]);
  json_builder_set_member_name (b, "since-ms");
  json_builder_add_int_value (b, MAX (now_us - site->since_us, 0) / G_TIME_SPAN_MILLISECOND);
  json_builder_set_member_name (b, "meeting");
  if (site->meeting != NULL)
    json_builder_add_string_value (b, site->meeting);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "last-packet-age-ms");
  if (site->last_packet_us != 0)
    json_builder_add_int_value (b,
                                MAX (now_us - site->last_packet_us, 0) / G_TIME_SPAN_MILLISECOND);
  else
    json_builder_add_null_value (b);
  for (guint d = 0; d < HN_DIRECTION_LAST; d++)
    hn_link_json_add_direction (b, direction_names[d], &site->directions[d]);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* HnMeetingsConfig: the scheduled meetings (meetings.conf and the drop-ins
 * in meetings.d/ next to it) as an immutable, validated description, one
 * HnMeetingPlan per [meeting ID] group.
 *
 * A plan answers when its occurrences are: the start times of one or more
 * OnCalendar= expressions, minus the skipped dates, each lasting duration=
 * or ending at until= the same day. The scheduler asks with a time it
 * supplies; nothing here reads the clock.
 *
 * Loading reports every problem at once with its file and line, like
 * sites.conf, and refuses a schedule that books one site into two enabled
 * meetings at the same time within the next 90 days: an operator must
 * settle that in the file, not find out on Monday morning which meeting
 * got the room. */

#define G_LOG_DOMAIN "hoinghi-scheduler"

#include "hn-meetings-config.h"

#include <string.h>

#include "hn-calendar.h"
#include "hn-conf-source.h"
#include "hn-site-selector.h"
#include "hn-util.h"

#define MEETING_PREFIX "meeting "
#define DROPIN_DIR "meetings.d"
/* an occurrence starting on a skipped date is looked past; a calendar
 * naming nothing but skipped dates must still end the search */
#define MAX_SKIPPED 1000

struct _HnMeetingPlan {
  gint ref_count;

  gchar *id;
  gchar *title;
  gchar *source;
  HnLayout layout;
  gchar *floor;
  gchar *selector;
  GPtrArray *sites; /* of HnSite */
  gchar *tz_name;
  GTimeZone *tz;
  gboolean enabled;
  GPtrArray *calendars; /* of HnCalendar */
  gint64 duration;      /* µs, or 0 when until is used */
  gint until_minute;    /* minutes after local midnight, or -1 */
  GHashTable *skip;     /* "YYYY-MM-DD" set */
};

G_DEFINE_BOXED_TYPE (HnMeetingPlan, hn_meeting_plan, hn_meeting_plan_ref, hn_meeting_plan_unref)

static HnMeetingPlan *
hn_meeting_plan_new (void)
{
  HnMeetingPlan *plan = g_new0 (HnMeetingPlan, 1);

  plan->ref_count = 1;
  plan->layout = HN_LAYOUT_SINGLE;
  plan->enabled = TRUE;
  plan->until_minute = -1;
  plan->calendars = g_ptr_array_new_with_free_func (g_object_unref);
  plan->skip = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return plan;
}

HnMeetingPlan *
hn_meeting_plan_ref (HnMeetingPlan *plan)
{
  g_return_val_if_fail (plan != NULL, NULL);
  g_atomic_int_inc (&plan->ref_count);
  return plan;
}

void
hn_meeting_plan_unref (HnMeetingPlan *plan)
{
  g_return_if_fail (plan != NULL);
  if (!g_atomic_int_dec_and_test (&plan->ref_count))
    return;
  g_free (plan->id);
  g_free (plan->title);
  g_free (plan->source);
  g_free (plan->floor);
  g_free (plan->selector);
  g_clear_pointer (&plan->sites, g_ptr_array_unref);
  g_free (plan->tz_name);
  g_clear_pointer (&plan->tz, g_time_zone_unref);
  g_ptr_array_unref (plan->calendars);
  g_hash_table_unref (plan->skip);
  g_free (plan);
}

const gchar *
hn_meeting_plan_get_id (HnMeetingPlan *plan)
{
  g_return_val_if_fail (plan != NULL, NULL);
  return plan->id;
}

const gchar *
hn_meeting_plan_get_title (HnMeetingPlan *plan)
{
  g_return_val_if_fail (plan != NULL, NULL);
  return plan->title;
}

/**
 * hn_meeting_plan_get_source:
 *
 * Returns: the chair source: "test", "camera" or a URI
 */
const gchar *
hn_meeting_plan_get_source (HnMeetingPlan *plan)
{
  g_return_val_if_fail (plan != NULL, NULL);
  return plan->source;
}

HnLayout
hn_meeting_plan_get_layout (HnMeetingPlan *plan)
{
  g_return_val_if_fail (plan != NULL, HN_LAYOUT_SINGLE);
  return plan->layout;
}

/**
 * hn_meeting_plan_get_floor:
 *
 * Returns: (nullable): the site that holds the floor when the meeting starts
 */
const gchar *
hn_meeting_plan_get_floor (HnMeetingPlan *plan)
{
  g_return_val_if_fail (plan != NULL, NULL);
  return plan->floor;
}

/**
 * hn_meeting_plan_get_selector:
 *
 * Returns: the site selector as written in sites=
 */
const gchar *
hn_meeting_plan_get_selector (HnMeetingPlan *plan)
{
  g_return_val_if_fail (plan != NULL, NULL);
  return plan->selector;
}

/**
 * hn_meeting_plan_get_sites:
 *
 * Returns: (transfer none) (element-type HnSite): the sites the selector
 *   selected when the configuration was loaded, in configuration order
 */
GPtrArray *
hn_meeting_plan_get_sites (HnMeetingPlan *plan)
{
  g_return_val_if_fail (plan != NULL, NULL);
  return plan->sites;
}

const gchar *
hn_meeting_plan_get_timezone_name (HnMeetingPlan *plan)
{
  g_return_val_if_fail (plan != NULL, NULL);
  return plan->tz_name;
}

/**
 * hn_meeting_plan_get_timezone:
 *
 * Returns: (transfer none): the zone of the calendar, until= and skip=
 */
GTimeZone *
hn_meeting_plan_get_timezone (HnMeetingPlan *plan)
{
  g_return_val_if_fail (plan != NULL, NULL);
  return plan->tz;
}

gboolean
hn_meeting_plan_get_enabled (HnMeetingPlan *plan)
{
  g_return_val_if_fail (plan != NULL, FALSE);
  return plan->enabled;
}

/* The end of the occurrence starting at @start; with until= that is the
 * given time of the start's local day, which may be at or before @start
 * when a calendar starts late (the loader refuses that). */
static gint64
hn_meeting_plan_end_of (HnMeetingPlan *plan, gint64 start)
{
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GDateTime) local = NULL;
  g_autoptr (GDateTime) end = NULL;

  if (plan->until_minute < 0)
    return start + plan->duration;
  utc = g_date_time_new_from_unix_utc (start / G_USEC_PER_SEC);
  local = g_date_time_to_timezone (utc, plan->tz);
  end = g_date_time_new (plan->tz, g_date_time_get_year (local), g_date_time_get_month (local),
                         g_date_time_get_day_of_month (local), plan->until_minute / 60,
                         plan->until_minute % 60, 0);
  if (end == NULL)
    return start;
  return g_date_time_to_unix (end) * G_USEC_PER_SEC;
}

static gboolean
hn_meeting_plan_is_skipped (HnMeetingPlan *plan, gint64 start)
{
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GDateTime) local = NULL;
  g_autofree gchar *date = NULL;

  if (g_hash_table_size (plan->skip) == 0)
    return FALSE;
  utc = g_date_time_new_from_unix_utc (start / G_USEC_PER_SEC);
  local = g_date_time_to_timezone (utc, plan->tz);
  date = g_date_time_format (local, "%Y-%m-%d");
  return g_hash_table_contains (plan->skip, date);
}

/* The first start of any calendar after @after, skipped dates included. */
static gboolean
hn_meeting_plan_next_raw (HnMeetingPlan *plan, gint64 after, gint64 *start)
{
  gboolean found = FALSE;

  for (guint i = 0; i < plan->calendars->len; i++) {
    gint64 t;

    if (!hn_calendar_next_usec (plan->calendars->pdata[i], plan->tz, after, &t))
      continue;
    if (!found || t < *start)
      *start = t;
    found = TRUE;
  }
  return found;
}

/**
 * hn_meeting_plan_next_start:
 * @after_us: an instant, µs since the epoch
 * @start_us: (out) (optional): the start of the first occurrence that starts
 *   strictly after @after_us and not on a skipped date
 * @end_us: (out) (optional): its end
 *
 * Returns: %FALSE if no occurrence starts after @after_us
 */
gboolean
hn_meeting_plan_next_start (HnMeetingPlan *plan, gint64 after_us, gint64 *start_us, gint64 *end_us)
{
  gint64 t = after_us;

  g_return_val_if_fail (plan != NULL, FALSE);

  for (guint i = 0; i < MAX_SKIPPED; i++) {
    gint64 start;

    if (!hn_meeting_plan_next_raw (plan, t, &start))
      return FALSE;
    if (!hn_meeting_plan_is_skipped (plan, start)) {
      if (start_us != NULL)
        *start_us = start;
      if (end_us != NULL)
        *end_us = hn_meeting_plan_end_of (plan, start);
      return TRUE;
    }
    t = start;
  }
  return FALSE;
}

/**
 * hn_meeting_plan_current:
 * @now_us: an instant, µs since the epoch
 * @start_us: (out) (optional): the start of an occurrence with
 *   start ≤ @now_us < end (the latest such, if several)
 * @end_us: (out) (optional): its end
 *
 * Returns: %FALSE if no occurrence is under way at @now_us
 */
gboolean
hn_meeting_plan_current (HnMeetingPlan *plan, gint64 now_us, gint64 *start_us, gint64 *end_us)
{
  gint64 t = now_us - HN_MEETING_MAX_DURATION_USEC - 1;
  gboolean found = FALSE;
  gint64 start, end;

  g_return_val_if_fail (plan != NULL, FALSE);

  /* no occurrence lasts longer than a day, so one under way at @now_us
   * started within the day before it */
  while (hn_meeting_plan_next_start (plan, t, &start, &end) && start <= now_us) {
    if (end > now_us) {
      if (start_us != NULL)
        *start_us = start;
      if (end_us != NULL)
        *end_us = end;
      found = TRUE;
    }
    t = start;
  }
  return found;
}

/**
 * hn_meetings_format_time:
 *
 * Returns: @usec as a local time in @tz for operators, "2026-12-07 08:00 +07"
 */
gchar *
hn_meetings_format_time (gint64 usec, GTimeZone *tz)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr (GDateTime) local = NULL;

  g_return_val_if_fail (tz != NULL, NULL);
  if (utc == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT " µs", usec);
  local = g_date_time_to_timezone (utc, tz);
  if (g_date_time_get_second (local) != 0)
    return g_date_time_format (local, "%Y-%m-%d %H:%M:%S %:::z");
  return g_date_time_format (local, "%Y-%m-%d %H:%M %:::z");
}

struct _HnMeetingsConfig {
  GObject parent_instance;

  gchar *path;
  GStrv files;
  GPtrArray *plans;       /* of HnMeetingPlan, file order */
  GHashTable *plan_by_id; /* id -> HnMeetingPlan (owned by plans) */
};

G_DEFINE_FINAL_TYPE (HnMeetingsConfig, hn_meetings_config, G_TYPE_OBJECT)

static const gchar *const meeting_keys[] = { "title",    "on-calendar", "duration", "until",
                                             "sites",    "source",      "layout",   "floor",
                                             "timezone", "enabled",     "skip",     NULL };

static void
hn_meetings_config_finalize (GObject *object)
{
  HnMeetingsConfig *self = HN_MEETINGS_CONFIG (object);

  g_free (self->path);
  g_strfreev (self->files);
  g_hash_table_unref (self->plan_by_id);
  g_ptr_array_unref (self->plans);

  G_OBJECT_CLASS (hn_meetings_config_parent_class)->finalize (object);
}

static void
hn_meetings_config_class_init (HnMeetingsConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hn_meetings_config_finalize;
}

static void
hn_meetings_config_init (HnMeetingsConfig *self)
{
  self->plans = g_ptr_array_new_with_free_func ((GDestroyNotify) hn_meeting_plan_unref);
  self->plan_by_id = g_hash_table_new (g_str_hash, g_str_equal);
}

typedef struct {
  HnConfSource *src;
  GKeyFile *kf;
  HnConfig *sites;
  gint64 now;
} HnMeetingsLoader;

static void
hn_meetings_check_keys (HnMeetingsLoader *ld, const gchar *group)
{
  hn_conf_source_check_keys (ld->src, group, meeting_keys);
}

static gchar *
hn_meetings_get_string (HnMeetingsLoader *ld, const gchar *group, const gchar *key)
{
  return hn_conf_source_get_string (ld->src, group, key, NULL);
}

/* "2h30m", "90m", "1h", "45s": numbers each followed by h, m or s, in that
 * order, each unit at most once */
static gboolean
hn_meetings_parse_duration (const gchar *text, gint64 *out)
{
  const gchar *units = "hms";
  const gint64 scale[] = { 3600, 60, 1 };
  const gchar *p = text;
  gint64 total = 0;
  guint next_unit = 0;

  while (*p != '\0') {
    guint64 n = 0;
    const gchar *digits = p;
    const gchar *u;

    while (g_ascii_isdigit (*p)) {
      n = n * 10 + (guint64) (*p - '0');
      if (n > 100000)
        return FALSE;
      p++;
    }
    if (p == digits || *p == '\0')
      return FALSE;
    u = strchr (units + next_unit, *p);
    if (u == NULL)
      return FALSE;
    next_unit = u - units + 1;
    total += (gint64) n * scale[u - units];
    p++;
  }
  if (p == text)
    return FALSE;
  *out = total * G_USEC_PER_SEC;
  return TRUE;
}

/* "HH:MM", 00:00..23:59 */
static gboolean
hn_meetings_parse_time_of_day (const gchar *text, gint *minute)
{
  guint h, m;

  if (strlen (text) != 5 || text[2] != ':' || !g_ascii_isdigit (text[0]) ||
      !g_ascii_isdigit (text[1]) || !g_ascii_isdigit (text[3]) || !g_ascii_isdigit (text[4]))
    return FALSE;
  h = (text[0] - '0') * 10 + (text[1] - '0');
  m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59)
    return FALSE;
  *minute = h * 60 + m;
  return TRUE;
}

/* "YYYY-MM-DD", a real date */
static gboolean
hn_meetings_parse_date (const gchar *text)
{
  guint y, mo, d;

  if (strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  for (guint i = 0; i < 10; i++) {
    if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
      return FALSE;
  }
  y = (guint) g_ascii_strtoull (text, NULL, 10);
  mo = (guint) g_ascii_strtoull (text + 5, NULL, 10);
  d = (guint) g_ascii_strtoull (text + 8, NULL, 10);
  return g_date_valid_dmy (d, mo, y);
}

static gboolean
hn_meetings_source_is_valid (const gchar *source)
{
  const gchar *const schemes[] = { "srt", "rtsp", "rtsps", "rtmp", "rtmps", "udp",
                                   "rtp", "http", "https", "file", NULL };
  g_autofree gchar *scheme = NULL;

  if (g_str_equal (source, "test") || g_str_equal (source, "camera"))
    return TRUE;
  if (!g_uri_is_valid (source, G_URI_FLAGS_NONE, NULL))
    return FALSE;
  scheme = g_uri_parse_scheme (source);
  return scheme != NULL && g_strv_contains (schemes, scheme);
}

static void
hn_meetings_read_calendars (HnMeetingsLoader *ld, const gchar *group, HnMeetingPlan *plan)
{
  g_autofree gchar *value = hn_meetings_get_string (ld, group, "on-calendar");
  g_auto (GStrv) exprs = NULL;

  if (value == NULL) {
    if (!g_key_file_has_key (ld->kf, group, "on-calendar", NULL))
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_MISSING_KEY, group, NULL,
                                  "required key 'on-calendar' is missing");
    return;
  }
  exprs = g_strsplit (value, ";", -1);
  for (guint i = 0; exprs[i] != NULL; i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (HnCalendar) cal = NULL;
    gchar *expr = g_strstrip (exprs[i]);

    /* a trailing ';' is how GKeyFile writes lists */
    if (*expr == '\0' && exprs[i + 1] == NULL && i > 0)
      continue;
    if (*expr == '\0') {
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "on-calendar",
                                  "empty calendar expression in the list");
      continue;
    }
    cal = hn_calendar_new (expr, &error);
    if (cal == NULL) {
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "on-calendar",
                                  "%s", error->message);
      continue;
    }
    g_ptr_array_add (plan->calendars, g_steal_pointer (&cal));
  }
}

static void
hn_meetings_read_length (HnMeetingsLoader *ld, const gchar *group, HnMeetingPlan *plan)
{
  gboolean has_duration = g_key_file_has_key (ld->kf, group, "duration", NULL);
  gboolean has_until = g_key_file_has_key (ld->kf, group, "until", NULL);
  g_autofree gchar *duration = NULL;
  g_autofree gchar *until = NULL;

  if (has_duration && has_until) {
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "until",
                                "set either duration= or until=, not both");
    return;
  }
  if (!has_duration && !has_until) {
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_MISSING_KEY, group, NULL,
                                "required key 'duration' (or 'until') is missing");
    return;
  }
  if (has_duration) {
    duration = hn_meetings_get_string (ld, group, "duration");
    if (duration == NULL)
      return;
    if (!hn_meetings_parse_duration (duration, &plan->duration))
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "duration",
                                  "'%s' is not a duration such as 2h30m, 90m or 1h", duration);
    else if (plan->duration <= 0 || plan->duration > HN_MEETING_MAX_DURATION_USEC)
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "duration",
                                  "'%s' is out of range; a meeting lasts more than 0 and at "
                                  "most 24h",
                                  duration);
    return;
  }
  until = hn_meetings_get_string (ld, group, "until");
  if (until != NULL && !hn_meetings_parse_time_of_day (until, &plan->until_minute))
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "until",
                                "'%s' is not a time of day HH:MM (00:00 to 23:59)", until);
}

static void
hn_meetings_read_skip (HnMeetingsLoader *ld, const gchar *group, HnMeetingPlan *plan)
{
  g_autofree gchar *value = hn_meetings_get_string (ld, group, "skip");
  g_auto (GStrv) dates = NULL;

  if (value == NULL)
    return;
  dates = g_strsplit (value, ";", -1);
  for (guint i = 0; dates[i] != NULL; i++) {
    gchar *date = g_strstrip (dates[i]);

    if (*date == '\0' && dates[i + 1] == NULL && i > 0)
      continue;
    if (!hn_meetings_parse_date (date))
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "skip",
                                  "'%s' is not a date YYYY-MM-DD", date);
    else
      g_hash_table_add (plan->skip, g_strdup (date));
  }
}

static void
hn_meetings_read_sites (HnMeetingsLoader *ld, const gchar *group, HnMeetingPlan *plan)
{
  g_autoptr (GError) error = NULL;

  plan->selector = hn_meetings_get_string (ld, group, "sites");
  if (plan->selector == NULL) {
    if (!g_key_file_has_key (ld->kf, group, "sites", NULL))
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_MISSING_KEY, group, NULL,
                                  "required key 'sites' is missing");
    return;
  }
  plan->sites = hn_site_selector_resolve (plan->selector, ld->sites, &error);
  if (plan->sites == NULL)
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "sites", "%s",
                                error->message);
}

static gboolean
hn_meetings_has_site (HnMeetingPlan *plan, const gchar *id)
{
  for (guint i = 0; plan->sites != NULL && i < plan->sites->len; i++) {
    if (g_str_equal (hn_site_get_id (plan->sites->pdata[i]), id))
      return TRUE;
  }
  return FALSE;
}

static HnMeetingPlan *
hn_meetings_read_meeting (HnMeetingsLoader *ld, const gchar *group)
{
  g_autoptr (HnMeetingPlan) plan = hn_meeting_plan_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *layout = NULL;
  g_autofree gchar *enabled = NULL;
  guint before = hn_conf_source_get_n_problems (ld->src);

  plan->id = g_strstrip (g_strdup (group + strlen (MEETING_PREFIX)));
  if (!hn_site_id_is_valid (plan->id)) {
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_ID, group, NULL,
                                "invalid meeting id '%s': use lowercase ASCII letters, digits "
                                "and '-', starting with a letter, not ending with '-', "
                                "at most 63 characters",
                                plan->id);
    return NULL;
  }
  hn_meetings_check_keys (ld, group);

  plan->title = hn_meetings_get_string (ld, group, "title");
  if (plan->title == NULL)
    plan->title = g_strdup (plan->id);

  plan->tz_name = hn_meetings_get_string (ld, group, "timezone");
  if (plan->tz_name == NULL)
    plan->tz_name = g_strdup (HN_MEETING_DEFAULT_TIMEZONE);
  plan->tz = g_time_zone_new_identifier (plan->tz_name);
  if (plan->tz == NULL) {
    /* keep evaluating the rest so that every problem is reported */
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "timezone",
                                "unknown time zone '%s'; expected a name such as "
                                "Asia/Ho_Chi_Minh",
                                plan->tz_name);
    plan->tz = g_time_zone_new_utc ();
  }

  hn_meetings_read_calendars (ld, group, plan);
  hn_meetings_read_length (ld, group, plan);
  hn_meetings_read_sites (ld, group, plan);
  hn_meetings_read_skip (ld, group, plan);

  plan->source = hn_meetings_get_string (ld, group, "source");
  if (plan->source == NULL)
    plan->source = g_strdup ("test");
  else if (!hn_meetings_source_is_valid (plan->source))
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "source",
                                "'%s' is not a source; expected test, camera or a URI "
                                "(srt://, rtsp://, rtmp://, udp://, http(s)://, file://)",
                                plan->source);

  layout = hn_meetings_get_string (ld, group, "layout");
  if (layout != NULL && !hn_layout_from_string (layout, &plan->layout)) {
    const gchar *hint = hn_util_suggest (layout, hn_layout_get_names ());

    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "layout",
                                "unknown layout '%s'%s%s%s; expected single, pip or grid", layout,
                                hint != NULL ? " (did you mean '" : "", hint != NULL ? hint : "",
                                hint != NULL ? "'?)" : "");
  }

  plan->floor = hn_meetings_get_string (ld, group, "floor");
  if (plan->floor != NULL && plan->sites != NULL && !hn_meetings_has_site (plan, plan->floor))
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "floor",
                                "'%s' is not one of the sites this meeting selects (sites=%s)",
                                plan->floor, plan->selector);

  enabled = hn_meetings_get_string (ld, group, "enabled");
  if (enabled != NULL) {
    plan->enabled = g_key_file_get_boolean (ld->kf, group, "enabled", &error);
    if (error != NULL)
      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "enabled",
                                  "'%s' is not true or false", enabled);
  }

  if (hn_conf_source_get_n_problems (ld->src) != before)
    return NULL;
  return g_steal_pointer (&plan);
}

/* With until=, an occurrence that starts at or after that time of day
 * would end before it starts; refused rather than silently dropped. */
static void
hn_meetings_check_until (HnMeetingsLoader *ld, const gchar *group, HnMeetingPlan *plan)
{
  gint64 horizon = ld->now + HN_MEETINGS_CONFLICT_HORIZON_USEC;
  gint64 t = ld->now;
  gint64 start, end;

  if (plan->until_minute < 0)
    return;
  while (hn_meeting_plan_next_start (plan, t, &start, &end) && start < horizon) {
    if (end <= start) {
      g_autofree gchar *when = hn_meetings_format_time (start, plan->tz);

      hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_INVALID_VALUE, group, "until",
                                  "the occurrence starting %s would end before it starts "
                                  "(until=%02d:%02d the same day)",
                                  when, plan->until_minute / 60, plan->until_minute % 60);
      return;
    }
    t = start;
  }
}

/* The occurrences of @plan not ended at @from that start before @to, as
 * pairs of gint64 (start, end), in order. */
static GArray *
hn_meetings_occurrences (HnMeetingPlan *plan, gint64 from, gint64 to)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 t = from - HN_MEETING_MAX_DURATION_USEC - 1;
  gint64 start, end;

  while (hn_meeting_plan_next_start (plan, t, &start, &end) && start < to) {
    if (end > from) {
      g_array_append_val (out, start);
      g_array_append_val (out, end);
    }
    t = start;
  }
  return out;
}

/* The first instant at which an occurrence of @a and one of @b overlap. */
static gboolean
hn_meetings_first_overlap (GArray *a, GArray *b, gint64 *when)
{
  guint i = 0, j = 0;

  while (i < a->len && j < b->len) {
    gint64 as = g_array_index (a, gint64, i), ae = g_array_index (a, gint64, i + 1);
    gint64 bs = g_array_index (b, gint64, j), be = g_array_index (b, gint64, j + 1);

    if (as < be && bs < ae) {
      *when = MAX (as, bs);
      return TRUE;
    }
    if (ae <= be)
      i += 2;
    else
      j += 2;
  }
  return FALSE;
}

static void
hn_meetings_check_conflicts (HnMeetingsLoader *ld, GPtrArray *plans)
{
  gint64 horizon = ld->now + HN_MEETINGS_CONFLICT_HORIZON_USEC;
  g_autoptr (GPtrArray) occurrences =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (guint i = 0; i < plans->len; i++) {
    HnMeetingPlan *plan = plans->pdata[i];

    /* a disabled meeting books nothing */
    g_ptr_array_add (occurrences, plan->enabled ? hn_meetings_occurrences (plan, ld->now, horizon)
                                                : g_array_new (FALSE, FALSE, sizeof (gint64)));
  }

  for (guint j = 0; j < plans->len; j++) {
    HnMeetingPlan *b = plans->pdata[j];

    for (guint i = 0; i < j && b->enabled; i++) {
      HnMeetingPlan *a = plans->pdata[i];
      g_autofree gchar *b_group = NULL;
      g_autofree gchar *a_group = NULL;
      g_autofree gchar *where = NULL;
      g_autofree gchar *when = NULL;
      const gchar *shared = NULL;
      guint n_shared = 0;
      gint64 overlap;

      if (!a->enabled)
        continue;
      for (guint k = 0; k < b->sites->len; k++) {
        const gchar *id = hn_site_get_id (b->sites->pdata[k]);

        if (hn_meetings_has_site (a, id)) {
          if (shared == NULL)
            shared = id;
          n_shared++;
        }
      }
      if (shared == NULL ||
          !hn_meetings_first_overlap (occurrences->pdata[i], occurrences->pdata[j], &overlap))
        continue;

      a_group = g_strconcat (MEETING_PREFIX, a->id, NULL);
      b_group = g_strconcat (MEETING_PREFIX, b->id, NULL);
      where = hn_conf_source_describe_location (ld->src, a_group, "sites");
      when = hn_meetings_format_time (overlap, b->tz);
      if (n_shared > 1)
        hn_conf_source_add_problem (ld->src, HN_ERROR_CONFLICT, b_group, "sites",
                                    "site '%s' (and %u more) is booked in both meeting '%s' and "
                                    "meeting '%s' (%s) at overlapping times, first at %s",
                                    shared, n_shared - 1, b->id, a->id, where, when);
      else
        hn_conf_source_add_problem (ld->src, HN_ERROR_CONFLICT, b_group, "sites",
                                    "site '%s' is booked in both meeting '%s' and meeting '%s' "
                                    "(%s) at overlapping times, first at %s",
                                    shared, b->id, a->id, where, when);
    }
  }
}

static void
hn_meetings_report_unknown_group (HnMeetingsLoader *ld, const gchar *g)
{
  const gchar *const names[] = { "meeting", NULL };
  const gchar *space = strchr (g, ' ');
  g_autofree gchar *word = space != NULL ? g_strndup (g, space - g) : g_strdup (g);

  if (hn_util_suggest (word, names) != NULL && space != NULL)
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_UNKNOWN_GROUP, g, NULL,
                                "unknown group; did you mean [meeting%s]?", space);
  else
    hn_conf_source_add_problem (ld->src, HN_ERROR_CONFIG_UNKNOWN_GROUP, g, NULL,
                                "unknown group; a meeting is written [meeting ID]");
}

/**
 * hn_meetings_config_new_from_file:
 * @path: the main file; drop-ins are read from `meetings.d/\*.conf` in the
 *   same folder
 * @sites: the inventory the site selectors are resolved against
 * @now_us: the current time, µs since the epoch: conflicts are looked for
 *   from here to 90 days ahead
 *
 * Returns: (transfer full): the meetings, or %NULL with @error listing
 *   every problem found, one a line, each naming its file and line; the
 *   code is that of the first problem (%HN_ERROR_CONFLICT for two meetings
 *   booking one site at once)
 */
HnMeetingsConfig *
hn_meetings_config_new_from_file (const gchar *path, HnConfig *sites, gint64 now_us, GError **error)
{
  g_autoptr (HnMeetingsConfig) self = NULL;
  g_autoptr (HnConfSource) src = hn_conf_source_new ();
  g_autofree gchar *dir = NULL;
  g_autofree gchar *dropin_dir = NULL;
  HnMeetingsLoader ld;
  const gchar *const *groups;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (HN_IS_CONFIG (sites), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  dir = g_path_get_dirname (path);
  dropin_dir = g_build_filename (dir, DROPIN_DIR, NULL);
  if (!hn_conf_source_load (src, path, dropin_dir, error))
    return NULL;
  if (!hn_conf_source_check (src, error))
    return NULL;

  self = g_object_new (HN_TYPE_MEETINGS_CONFIG, NULL);
  ld.src = src;
  ld.kf = hn_conf_source_get_key_file (src);
  ld.sites = sites;
  ld.now = now_us;
  groups = hn_conf_source_get_groups (src);

  for (guint i = 0; groups[i] != NULL; i++) {
    HnMeetingPlan *plan;

    if (!g_str_has_prefix (groups[i], MEETING_PREFIX)) {
      hn_meetings_report_unknown_group (&ld, groups[i]);
      continue;
    }
    plan = hn_meetings_read_meeting (&ld, groups[i]);
    if (plan == NULL)
      continue;
    if (g_hash_table_contains (self->plan_by_id, plan->id)) {
      /* "[meeting a]" and "[meeting  a]" are two groups to GKeyFile */
      hn_conf_source_add_problem (ld.src, HN_ERROR_CONFIG_DUPLICATE, groups[i], NULL,
                                  "meeting '%s' is defined twice", plan->id);
      hn_meeting_plan_unref (plan);
      continue;
    }
    hn_meetings_check_until (&ld, groups[i], plan);
    g_ptr_array_add (self->plans, plan);
    g_hash_table_insert (self->plan_by_id, plan->id, plan);
  }

  /* conflicts only between meetings that are otherwise right, so that one
   * mistake is not reported twice */
  if (hn_conf_source_get_n_problems (src) == 0)
    hn_meetings_check_conflicts (&ld, self->plans);
  if (!hn_conf_source_check (src, error))
    return NULL;

  self->path = g_strdup (path);
  self->files = g_strdupv ((gchar **) hn_conf_source_get_files (src));
  return g_steal_pointer (&self);
}

const gchar *
hn_meetings_config_get_path (HnMeetingsConfig *self)
{
  g_return_val_if_fail (HN_IS_MEETINGS_CONFIG (self), NULL);
  return self->path;
}

/**
 * hn_meetings_config_get_files:
 *
 * Returns: (transfer none): the main file and the drop-ins that were read
 */
const gchar *const *
hn_meetings_config_get_files (HnMeetingsConfig *self)
{
  g_return_val_if_fail (HN_IS_MEETINGS_CONFIG (self), NULL);
  return (const gchar *const *) self->files;
}

/**
 * hn_meetings_config_get_plans:
 *
 * Returns: (transfer none) (element-type HnMeetingPlan): every meeting, in
 *   file order
 */
GPtrArray *
hn_meetings_config_get_plans (HnMeetingsConfig *self)
{
  g_return_val_if_fail (HN_IS_MEETINGS_CONFIG (self), NULL);
  return self->plans;
}

/**
 * hn_meetings_config_get_plan:
 *
 * Returns: (transfer none) (nullable): the meeting with @id
 */
HnMeetingPlan *
hn_meetings_config_get_plan (HnMeetingsConfig *self, const gchar *id)
{
  g_return_val_if_fail (HN_IS_MEETINGS_CONFIG (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return g_hash_table_lookup (self->plan_by_id, id);
}

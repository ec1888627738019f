/* Tests of the scheduled meetings (HnMeetingsConfig, HnMeetingPlan) and of
 * HnScheduler: the shipped meetings.conf, one committed fixture per class
 * of mistake (tests/data/meetings-bad-*.conf) with the exact file, line and
 * wording, conflicts between meetings, occurrences with skipped dates and
 * until=, and the scheduler's decisions at fixed instants: start, stop,
 * meetings started or stopped by hand, catch-up after a restart and the
 * state file. No test reads the clock or sleeps. */

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hn-calendar.h"
#include "hn-config.h"
#include "hn-error.h"
#include "hn-meetings-config.h"
#include "hn-scheduler.h"
#include "hn-test-utils.h"

static const gchar *
fixture (const gchar *name)
{
  return g_test_get_filename (G_TEST_DIST, "data", name, NULL);
}

/* µs since the epoch of a local time in Asia/Ho_Chi_Minh (+07) */
static gint64
at (gint year, gint month, gint day, gint hour, gint minute)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Asia/Ho_Chi_Minh");
  g_autoptr (GDateTime) dt = g_date_time_new (tz, year, month, day, hour, minute, 0);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

/* Tuesday 2026-12-01 00:00 +07 */
#define NOW at (2026, 12, 1, 0, 0)

static HnConfig *
minimal_sites (void)
{
  g_autoptr (GError) error = NULL;
  HnConfig *sites = hn_config_new_from_file (fixture ("sites-minimal.conf"), &error);

  g_assert_no_error (error);
  g_assert_nonnull (sites);
  return sites;
}

static HnMeetingsConfig *
load_ok (const gchar *path)
{
  g_autoptr (HnConfig) sites = minimal_sites ();
  g_autoptr (GError) error = NULL;
  g_autoptr (HnMeetingsConfig) config = hn_meetings_config_new_from_file (path, sites, NOW, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return g_steal_pointer (&config);
}

static void
test_valid (void)
{
  g_autoptr (HnMeetingsConfig) config = load_ok (fixture ("meetings-valid.conf"));
  GPtrArray *plans = hn_meetings_config_get_plans (config);
  HnMeetingPlan *plan;

  g_assert_cmpuint (plans->len, ==, 4);
  g_assert_cmpstr (hn_meeting_plan_get_id (plans->pdata[0]), ==, "giao-ban-tuan");
  g_assert_cmpstr (hn_meeting_plan_get_id (plans->pdata[1]), ==, "truc-tuyen-chinh-phu");
  g_assert_cmpstr (hn_meeting_plan_get_id (plans->pdata[2]), ==, "giao-ban-huyen");
  g_assert_cmpstr (hn_meeting_plan_get_id (plans->pdata[3]), ==, "du-phong");
  g_assert_null (hn_meetings_config_get_plan (config, "giao-ban"));

  plan = hn_meetings_config_get_plan (config, "giao-ban-tuan");
  g_assert_true (plan == plans->pdata[0]);
  g_assert_cmpstr (hn_meeting_plan_get_title (plan), ==, "Giao ban tuần");
  g_assert_cmpstr (hn_meeting_plan_get_source (plan), ==, "test");
  g_assert_cmpint (hn_meeting_plan_get_layout (plan), ==, HN_LAYOUT_GRID);
  g_assert_cmpstr (hn_meeting_plan_get_floor (plan), ==, "huyen-tam-dao");
  g_assert_cmpstr (hn_meeting_plan_get_selector (plan), ==, "tier:department,tier:district");
  g_assert_cmpuint (hn_meeting_plan_get_sites (plan)->len, ==, 2);
  g_assert_cmpstr (hn_meeting_plan_get_timezone_name (plan), ==, "Asia/Ho_Chi_Minh");
  g_assert_true (hn_meeting_plan_get_enabled (plan));

  plan = hn_meetings_config_get_plan (config, "truc-tuyen-chinh-phu");
  g_assert_cmpstr (hn_meeting_plan_get_source (plan), ==, "srt://central.example:9000");
  g_assert_cmpint (hn_meeting_plan_get_layout (plan), ==, HN_LAYOUT_SINGLE);
  g_assert_null (hn_meeting_plan_get_floor (plan));
  g_assert_cmpuint (hn_meeting_plan_get_sites (plan)->len, ==, 2);

  plan = hn_meetings_config_get_plan (config, "giao-ban-huyen");
  g_assert_cmpuint (hn_meeting_plan_get_sites (plan)->len, ==, 3);
  g_assert_cmpint (hn_meeting_plan_get_layout (plan), ==, HN_LAYOUT_PIP);

  plan = hn_meetings_config_get_plan (config, "du-phong");
  g_assert_false (hn_meeting_plan_get_enabled (plan));
  g_assert_cmpstr (hn_meeting_plan_get_title (plan), ==, "Dự phòng");
}

/* The shipped example, against the shipped inventory. */
static void
test_shipped (void)
{
  const gchar *sites_path = g_getenv ("HN_SITES_CONF");
  g_autoptr (HnConfig) sites = NULL;
  g_autoptr (HnMeetingsConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  HnMeetingPlan *plan;
  gint64 start, end;

  if (sites_path == NULL)
    sites_path = g_test_get_filename (G_TEST_DIST, "..", "sites.conf", NULL);
  sites = hn_config_new_from_file (sites_path, &error);
  g_assert_no_error (error);
  config = hn_meetings_config_new_from_file (
      g_test_get_filename (G_TEST_DIST, "..", "meetings.conf", NULL), sites, NOW, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);

  plan = hn_meetings_config_get_plan (config, "giao-ban-tuan");
  g_assert_nonnull (plan);
  g_assert_cmpuint (hn_meeting_plan_get_sites (plan)->len, ==, 11);
  g_assert_true (hn_meeting_plan_next_start (plan, NOW, &start, &end));
  g_assert_cmpint (start, ==, at (2026, 12, 7, 8, 0));
  g_assert_cmpint (end, ==, at (2026, 12, 7, 10, 0));

  plan = hn_meetings_config_get_plan (config, "truc-tuyen-chinh-phu");
  g_assert_nonnull (plan);
  g_assert_cmpuint (hn_meeting_plan_get_sites (plan)->len, ==, 136);
  g_assert_true (g_str_has_prefix (hn_meeting_plan_get_source (plan), "srt://"));

  plan = hn_meetings_config_get_plan (config, "giao-ban-huyen-tam-dao");
  g_assert_nonnull (plan);
  g_assert_cmpuint (hn_meeting_plan_get_sites (plan)->len, >, 1);
}

typedef struct {
  const gchar *file;
  HnError code;
  const gchar *message; /* "@" stands for the file's path */
} BadFixture;

static const BadFixture bad_fixtures[] = {
  { "meetings-bad-unknown-key.conf", HN_ERROR_CONFIG_UNKNOWN_KEY,
    "@:2: [meeting a] tittle: unknown key; did you mean 'title'?" },
  { "meetings-bad-calendar.conf", HN_ERROR_CONFIG_INVALID_VALUE,
    "@:2: [meeting a] on-calendar: CALENDAR" },
  { "meetings-bad-unknown-site.conf", HN_ERROR_CONFIG_INVALID_VALUE,
    "@:4: [meeting a] sites: unknown site 'xa-dao-tu'; did you mean 'xa-dao-tru'?" },
  { "meetings-bad-missing-key.conf", HN_ERROR_CONFIG_MISSING_KEY,
    "@:1: [meeting a]: required key 'on-calendar' is missing\n"
    "@:1: [meeting a]: required key 'sites' is missing" },
  { "meetings-bad-duration.conf", HN_ERROR_CONFIG_INVALID_VALUE,
    "@:3: [meeting a] duration: '2x' is not a duration such as 2h30m, 90m or 1h" },
  { "meetings-bad-duration-range.conf", HN_ERROR_CONFIG_INVALID_VALUE,
    "@:3: [meeting a] duration: '24h1m' is out of range; a meeting lasts more than 0 and at most "
    "24h" },
  { "meetings-bad-both-lengths.conf", HN_ERROR_CONFIG_INVALID_VALUE,
    "@:4: [meeting a] until: set either duration= or until=, not both" },
  { "meetings-bad-no-length.conf", HN_ERROR_CONFIG_MISSING_KEY,
    "@:1: [meeting a]: required key 'duration' (or 'until') is missing" },
  { "meetings-bad-until.conf", HN_ERROR_CONFIG_INVALID_VALUE,
    "@:3: [meeting a] until: '24:00' is not a time of day HH:MM (00:00 to 23:59)" },
  { "meetings-bad-until-before-start.conf", HN_ERROR_CONFIG_INVALID_VALUE,
    "@:3: [meeting a] until: the occurrence starting 2026-12-04 18:00 +07 would end before it "
    "starts (until=17:00 the same day)" },
  { "meetings-bad-timezone.conf", HN_ERROR_CONFIG_INVALID_VALUE,
    "@:5: [meeting a] timezone: unknown time zone 'Asia/Hanoi'; expected a name such as "
    "Asia/Ho_Chi_Minh" },
  { "meetings-bad-layout.conf", HN_ERROR_CONFIG_INVALID_VALUE,
    "@:5: [meeting a] layout: unknown layout 'gridd' (did you mean 'grid'?); expected single, pip "
    "or grid" },
  { "meetings-bad-floor.conf", HN_ERROR_CONFIG_INVALID_VALUE,
    "@:5: [meeting a] floor: 'huyen-tam-dao' is not one of the sites this meeting selects "
    "(sites=tier:commune)" },
  { "meetings-bad-skip.conf", HN_ERROR_CONFIG_INVALID_VALUE,
    "@:5: [meeting a] skip: '2027-02-30' is not a date YYYY-MM-DD" },
  { "meetings-bad-enabled.conf", HN_ERROR_CONFIG_INVALID_VALUE,
    "@:5: [meeting a] enabled: 'yes' is not true or false" },
  { "meetings-bad-source.conf", HN_ERROR_CONFIG_INVALID_VALUE,
    "@:5: [meeting a] source: 'ftp://central.example/feed' is not a source; expected test, "
    "camera or a URI (srt://, rtsp://, rtmp://, udp://, http(s)://, file://)" },
  { "meetings-bad-id.conf", HN_ERROR_CONFIG_INVALID_ID,
    "@:1: [meeting Giao_Ban]: invalid meeting id 'Giao_Ban': use lowercase ASCII letters, digits "
    "and '-', starting with a letter, not ending with '-', at most 63 characters" },
  { "meetings-bad-group.conf", HN_ERROR_CONFIG_UNKNOWN_GROUP,
    "@:1: [meting a]: unknown group; did you mean [meeting a]?" },
  { "meetings-bad-syntax.conf", HN_ERROR_CONFIG_SYNTAX,
    "@:3: 'duration 1h' is neither a group, a key=value pair nor a comment" },
  { "meetings-bad-several.conf", HN_ERROR_CONFIG_UNKNOWN_KEY,
    "@:6: [meeting a] layuot: unknown key; did you mean 'layout'?\n"
    "@:10: [meeting b] until: '7:00' is not a time of day HH:MM (00:00 to 23:59)\n"
    "@:11: [meeting b] sites: 'tier:hub': the hub chairs every meeting and is never a "
    "participant" },
  { "meetings-bad-conflict.conf", HN_ERROR_CONFLICT,
    "@:10: [meeting tap-huan] sites: site 'xa-dao-tru' is booked in both meeting 'tap-huan' and "
    "meeting 'giao-ban-tuan' (@:5) at overlapping times, first at 2026-12-07 09:30 +07" },
};

static gchar *
expand (const gchar *pattern, const gchar *path)
{
  g_auto (GStrv) parts = g_strsplit (pattern, "@", -1);

  return g_strjoinv (path, parts);
}

static void
test_bad_fixtures (void)
{
  g_autoptr (HnConfig) sites = minimal_sites ();

  for (guint i = 0; i < G_N_ELEMENTS (bad_fixtures); i++) {
    const BadFixture *f = &bad_fixtures[i];
    const gchar *path = fixture (f->file);
    g_autoptr (GError) error = NULL;
    g_autoptr (HnMeetingsConfig) config = NULL;
    g_autofree gchar *expected = NULL;

    g_test_message ("%s", f->file);
    config = hn_meetings_config_new_from_file (path, sites, NOW, &error);
    g_assert_null (config);
    g_assert_error (error, HN_ERROR, (gint) f->code);
    if (g_str_has_suffix (f->message, "CALENDAR")) {
      g_autoptr (GError) cal_error = NULL;
      g_autofree gchar *prefix = expand (f->message, path);
      g_autofree gchar *cal_message = NULL;

      /* the message is HnCalendar's own, word for word */
      g_assert_null (hn_calendar_new ("Mon 25:00", &cal_error));
      g_assert_nonnull (cal_error);
      prefix[strlen (prefix) - strlen ("CALENDAR")] = '\0';
      expected = g_strconcat (prefix, cal_error->message, NULL);
      g_assert_true (strstr (cal_error->message, "25") != NULL);
    } else {
      expected = expand (f->message, path);
    }
    g_assert_cmpstr (error->message, ==, expected);
  }
}

static void
test_no_conflict (void)
{
  g_autoptr (HnMeetingsConfig) config = load_ok (fixture ("meetings-no-conflict.conf"));

  g_assert_cmpuint (hn_meetings_config_get_plans (config)->len, ==, 2);
}

/* A conflict beyond the 90 days looked at is not one (yet). */
static void
test_conflict_horizon (void)
{
  g_autoptr (HnConfig) sites = minimal_sites ();
  g_autofree gchar *dir = hn_test_tmpdir_new ();
  g_autofree gchar *path =
      hn_test_write_file (dir, "meetings.conf",
                          "[meeting a]\non-calendar=2027-06-01 08:00\nduration=1h\nsites=so-tttt\n"
                          "[meeting b]\non-calendar=2027-06-01 08:30\nduration=1h\nsites=all\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (HnMeetingsConfig) config = NULL;

  config = hn_meetings_config_new_from_file (path, sites, NOW, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_clear_object (&config);

  /* 2027-06-01 is within 90 days of 2027-04-01 */
  config = hn_meetings_config_new_from_file (path, sites, at (2027, 4, 1, 0, 0), &error);
  g_assert_error (error, HN_ERROR, HN_ERROR_CONFLICT);
  g_assert_null (config);
  g_assert_true (strstr (error->message, "first at 2027-06-01 08:30 +07") != NULL);
  hn_test_tmpdir_remove (dir);
}

/* meetings.d/ next to meetings.conf overrides it, and its problems name
 * the drop-in's file and line. */
static void
test_dropins (void)
{
  g_autoptr (HnConfig) sites = minimal_sites ();
  g_autofree gchar *dir = hn_test_tmpdir_new ();
  g_autofree gchar *dropins = g_build_filename (dir, "meetings.d", NULL);
  g_autofree gchar *path = hn_test_write_file (
      dir, "meetings.conf", "[meeting a]\non-calendar=Mon 08:00\nduration=1h\nsites=so-tttt\n");
  g_autofree gchar *dropin = NULL;
  g_autofree gchar *expected = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HnMeetingsConfig) config = NULL;

  g_assert_cmpint (g_mkdir (dropins, 0755), ==, 0);
  dropin = hn_test_write_file (dropins, "50-local.conf", "[meeting a]\nenabled=false\n");
  config = hn_meetings_config_new_from_file (path, sites, NOW, &error);
  g_assert_no_error (error);
  g_assert_false (hn_meeting_plan_get_enabled (hn_meetings_config_get_plan (config, "a")));
  g_assert_cmpuint (g_strv_length ((gchar **) hn_meetings_config_get_files (config)), ==, 2);
  g_clear_object (&config);
  g_free (dropin);

  dropin = hn_test_write_file (dropins, "50-local.conf", "[meeting a]\n\nduration=0m\n");
  config = hn_meetings_config_new_from_file (path, sites, NOW, &error);
  g_assert_null (config);
  g_assert_error (error, HN_ERROR, HN_ERROR_CONFIG_INVALID_VALUE);
  expected = g_strdup_printf ("%s:3: [meeting a] duration: '0m' is out of range; a meeting lasts "
                              "more than 0 and at most 24h",
                              dropin);
  g_assert_cmpstr (error->message, ==, expected);
  hn_test_tmpdir_remove (dir);
}

static void
test_occurrences (void)
{
  g_autoptr (HnMeetingsConfig) config = load_ok (fixture ("meetings-valid.conf"));
  HnMeetingPlan *weekly = hn_meetings_config_get_plan (config, "giao-ban-tuan");
  HnMeetingPlan *central = hn_meetings_config_get_plan (config, "truc-tuyen-chinh-phu");
  gint64 start = 0, end = 0;

  g_assert_true (hn_meeting_plan_next_start (weekly, NOW, &start, &end));
  g_assert_cmpint (start, ==, at (2026, 12, 7, 8, 0));
  g_assert_cmpint (end, ==, at (2026, 12, 7, 10, 0));
  /* strictly after */
  g_assert_true (hn_meeting_plan_next_start (weekly, at (2026, 12, 7, 7, 59), &start, NULL));
  g_assert_cmpint (start, ==, at (2026, 12, 7, 8, 0));
  /* 2026-12-14 is skipped */
  g_assert_true (hn_meeting_plan_next_start (weekly, at (2026, 12, 7, 8, 0), &start, &end));
  g_assert_cmpint (start, ==, at (2026, 12, 21, 8, 0));
  g_assert_cmpint (end, ==, at (2026, 12, 21, 10, 0));
  g_assert_false (hn_meeting_plan_current (weekly, at (2026, 12, 14, 9, 0), NULL, NULL));

  g_assert_true (hn_meeting_plan_current (weekly, at (2026, 12, 7, 8, 0), &start, &end));
  g_assert_cmpint (start, ==, at (2026, 12, 7, 8, 0));
  g_assert_true (hn_meeting_plan_current (weekly, at (2026, 12, 7, 9, 59), &start, &end));
  g_assert_cmpint (end, ==, at (2026, 12, 7, 10, 0));
  g_assert_false (hn_meeting_plan_current (weekly, at (2026, 12, 7, 10, 0), NULL, NULL));
  g_assert_false (hn_meeting_plan_current (weekly, at (2026, 12, 7, 7, 59), NULL, NULL));

  /* two calendars (Thu 14:00, Sat 08:00), each until 17:00 */
  g_assert_true (hn_meeting_plan_next_start (central, NOW, &start, &end));
  g_assert_cmpint (start, ==, at (2026, 12, 3, 14, 0));
  g_assert_cmpint (end, ==, at (2026, 12, 3, 17, 0));
  g_assert_true (hn_meeting_plan_next_start (central, start, &start, &end));
  g_assert_cmpint (start, ==, at (2026, 12, 5, 8, 0));
  g_assert_cmpint (end, ==, at (2026, 12, 5, 17, 0));
  g_assert_true (hn_meeting_plan_current (central, at (2026, 12, 5, 16, 59), &start, &end));
  g_assert_cmpint (start, ==, at (2026, 12, 5, 8, 0));
  g_assert_false (hn_meeting_plan_current (central, at (2026, 12, 5, 17, 0), NULL, NULL));
}

/* Scheduler */

typedef struct {
  GHashTable *running;
} Rooms;

static gboolean
rooms_is_running (const gchar *meeting_id, gpointer user_data)
{
  Rooms *rooms = user_data;

  return g_hash_table_contains (rooms->running, meeting_id);
}

typedef struct {
  HnMeetingsConfig *config;
  HnScheduler *scheduler;
  Rooms rooms;
  gchar *dir;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->config = load_ok (fixture ("meetings-valid.conf"));
  f->scheduler = hn_scheduler_new ();
  hn_scheduler_set_config (f->scheduler, f->config);
  f->rooms.running = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->dir = hn_test_tmpdir_new ();
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  hn_test_tmpdir_remove (f->dir);
  g_free (f->dir);
  g_hash_table_unref (f->rooms.running);
  g_clear_object (&f->scheduler);
  g_clear_object (&f->config);
}

/* Ticks at @now and carries out the actions like a daemon would; returns
 * them as "START id start end" / "STOP id", ';'-separated. */
static gchar *
tick (Fixture *f, gint64 now)
{
  g_autoptr (GPtrArray) actions =
      hn_scheduler_tick (f->scheduler, now, rooms_is_running, &f->rooms);
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < actions->len; i++) {
    HnScheduledAction *a = actions->pdata[i];

    if (i > 0)
      g_string_append (s, ";");
    if (a->kind == HN_SCHEDULED_ACTION_START) {
      g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Asia/Ho_Chi_Minh");
      g_autofree gchar *from = hn_meetings_format_time (a->start_us, tz);
      g_autofree gchar *to = hn_meetings_format_time (a->end_us, tz);

      g_string_append_printf (s, "START %s %s..%s", a->meeting_id, from, to);
      g_hash_table_add (f->rooms.running, g_strdup (a->meeting_id));
      hn_scheduler_record_started (f->scheduler, a->meeting_id, a->start_us, a->end_us);
    } else {
      g_string_append_printf (s, "STOP %s", a->meeting_id);
      g_hash_table_remove (f->rooms.running, a->meeting_id);
      hn_scheduler_record_stopped (f->scheduler, a->meeting_id);
    }
  }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

#define assert_tick(f, now, expected)                                                              \
  G_STMT_START                                                                                     \
  {                                                                                                \
    g_autofree gchar *got_ = tick ((f), (now));                                                    \
    g_assert_cmpstr (got_, ==, (expected));                                                        \
  }                                                                                                \
  G_STMT_END

static void
test_tick_start_stop (Fixture *f, gconstpointer data)
{
  assert_tick (f, at (2026, 12, 1, 17, 29), "");
  g_assert_cmpint (hn_scheduler_next_wakeup (f->scheduler, at (2026, 12, 1, 17, 29)), ==,
                   at (2026, 12, 1, 17, 30));
  assert_tick (f, at (2026, 12, 1, 17, 30),
               "START giao-ban-huyen 2026-12-01 17:30 +07..2026-12-01 18:15 +07");
  assert_tick (f, at (2026, 12, 1, 17, 30), "");
  assert_tick (f, at (2026, 12, 1, 18, 14), "");
  g_assert_cmpint (hn_scheduler_next_wakeup (f->scheduler, at (2026, 12, 1, 18, 0)), ==,
                   at (2026, 12, 1, 18, 15));
  assert_tick (f, at (2026, 12, 1, 18, 15), "STOP giao-ban-huyen");
  assert_tick (f, at (2026, 12, 1, 18, 16), "");
  g_assert_false (g_hash_table_contains (f->rooms.running, "giao-ban-huyen"));
  g_assert_cmpint (hn_scheduler_next_wakeup (f->scheduler, at (2026, 12, 1, 18, 16)), ==,
                   at (2026, 12, 2, 17, 30));

  /* Thursday: the central session at 14:00, the district briefing after */
  assert_tick (f, at (2026, 12, 3, 14, 0),
               "START truc-tuyen-chinh-phu 2026-12-03 14:00 +07..2026-12-03 17:00 +07");
  assert_tick (f, at (2026, 12, 3, 17, 0), "STOP truc-tuyen-chinh-phu");
  /* a meeting that already stopped is not stopped again */
  assert_tick (f, at (2026, 12, 3, 17, 30),
               "START giao-ban-huyen 2026-12-03 17:30 +07..2026-12-03 18:15 +07");
  g_hash_table_remove (f->rooms.running, "giao-ban-huyen");
  assert_tick (f, at (2026, 12, 3, 18, 15), "");
}

/* A meeting an operator started before its time is not started twice nor
 * stopped by the scheduler. */
static void
test_tick_started_by_hand (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) list = NULL;
  JsonObject *m;

  g_hash_table_add (f->rooms.running, g_strdup ("giao-ban-huyen"));
  assert_tick (f, at (2026, 12, 1, 17, 30), "");
  assert_tick (f, at (2026, 12, 1, 17, 45), "");
  list = hn_scheduler_list_to_json (f->scheduler, at (2026, 12, 1, 17, 45));
  m = json_array_get_object_element (
      json_object_get_array_member (json_node_get_object (list), "meetings"), 2);
  g_assert_cmpstr (json_object_get_string_member (m, "id"), ==, "giao-ban-huyen");
  g_assert_false (json_object_get_boolean_member (m, "running-by-schedule"));
  g_assert_cmpint (json_object_get_int_member (m, "last-start"), ==, at (2026, 12, 1, 17, 30));
  assert_tick (f, at (2026, 12, 1, 18, 15), "");
  g_assert_true (g_hash_table_contains (f->rooms.running, "giao-ban-huyen"));
}

/* A meeting stopped by hand stays stopped until its next occurrence. */
static void
test_tick_stopped_by_hand (Fixture *f, gconstpointer data)
{
  assert_tick (f, at (2026, 12, 1, 17, 30),
               "START giao-ban-huyen 2026-12-01 17:30 +07..2026-12-01 18:15 +07");
  g_hash_table_remove (f->rooms.running, "giao-ban-huyen");
  hn_scheduler_record_stopped (f->scheduler, "giao-ban-huyen");
  assert_tick (f, at (2026, 12, 1, 17, 40), "");
  assert_tick (f, at (2026, 12, 1, 18, 15), "");
  g_assert_cmpint (hn_scheduler_next_wakeup (f->scheduler, at (2026, 12, 1, 17, 40)), ==,
                   at (2026, 12, 2, 17, 30));
  assert_tick (f, at (2026, 12, 2, 17, 30),
               "START giao-ban-huyen 2026-12-02 17:30 +07..2026-12-02 18:15 +07");
}

static gchar *
write_state (Fixture *f, gint64 last_start, gint64 last_end, gboolean finished)
{
  g_autofree gchar *json =
      g_strdup_printf ("{\"meetings\": {\"giao-ban-huyen\": {\"last-start\": %" G_GINT64_FORMAT
                       ", \"last-end\": %" G_GINT64_FORMAT ", \"finished\": %s}}}",
                       last_start, last_end, finished ? "true" : "false");

  return hn_test_write_file (f->dir, "schedule.json", json);
}

/* After a restart inside today's occurrence it starts for the time left;
 * after its end, nothing is replayed. */
static void
test_tick_catch_up (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path =
      write_state (f, at (2026, 12, 1, 17, 30), at (2026, 12, 1, 18, 15), TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (HnScheduler) late = hn_scheduler_new ();
  g_autoptr (GPtrArray) actions = NULL;

  g_assert_true (hn_scheduler_load_state (f->scheduler, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hn_scheduler_next_wakeup (f->scheduler, at (2026, 12, 2, 17, 50)), ==,
                   at (2026, 12, 2, 17, 50));
  assert_tick (f, at (2026, 12, 2, 17, 50),
               "START giao-ban-huyen 2026-12-02 17:30 +07..2026-12-02 18:15 +07");
  assert_tick (f, at (2026, 12, 2, 18, 15), "STOP giao-ban-huyen");

  /* restarted only after today's end: nothing to do before tomorrow */
  hn_scheduler_set_config (late, f->config);
  g_assert_true (hn_scheduler_load_state (late, path, &error));
  actions = hn_scheduler_tick (late, at (2026, 12, 2, 18, 20), rooms_is_running, &f->rooms);
  g_assert_cmpuint (actions->len, ==, 0);
  g_assert_cmpint (hn_scheduler_next_wakeup (late, at (2026, 12, 2, 18, 20)), ==,
                   at (2026, 12, 3, 14, 0));
}

/* A restart in the middle of an occurrence the scheduler started and that
 * still runs (the daemon resumed it) neither starts it again nor forgets
 * to stop it. */
static void
test_tick_resume (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (f->dir, "schedule.json", NULL);
  g_autoptr (HnScheduler) restarted = hn_scheduler_new ();
  g_autoptr (GError) error = NULL;

  assert_tick (f, at (2026, 12, 1, 17, 30),
               "START giao-ban-huyen 2026-12-01 17:30 +07..2026-12-01 18:15 +07");
  g_assert_true (hn_scheduler_save_state (f->scheduler, path, &error));
  g_assert_no_error (error);

  g_clear_object (&f->scheduler);
  f->scheduler = g_steal_pointer (&restarted);
  hn_scheduler_set_config (f->scheduler, f->config);
  g_assert_true (hn_scheduler_load_state (f->scheduler, path, &error));
  assert_tick (f, at (2026, 12, 1, 17, 45), "");
  assert_tick (f, at (2026, 12, 1, 18, 15), "STOP giao-ban-huyen");
}

static void
test_state_round_trip (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (f->dir, "schedule.json", NULL);
  g_autoptr (HnScheduler) copy = hn_scheduler_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) a = NULL;
  g_autoptr (JsonNode) b = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  GStatBuf st;
  JsonObject *m;

  assert_tick (f, at (2026, 12, 3, 14, 0),
               "START truc-tuyen-chinh-phu 2026-12-03 14:00 +07..2026-12-03 17:00 +07");
  hn_scheduler_record_started (f->scheduler, "giao-ban-tuan", at (2026, 11, 30, 8, 0),
                               at (2026, 11, 30, 10, 0));
  hn_scheduler_record_stopped (f->scheduler, "giao-ban-tuan");
  g_assert_true (hn_scheduler_save_state (f->scheduler, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  m = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                     "meetings");
  g_assert_cmpuint (json_object_get_size (m), ==, 2);
  m = json_object_get_object_member (m, "truc-tuyen-chinh-phu");
  g_assert_cmpint (json_object_get_int_member (m, "last-start"), ==, at (2026, 12, 3, 14, 0));
  g_assert_cmpint (json_object_get_int_member (m, "last-end"), ==, at (2026, 12, 3, 17, 0));
  g_assert_false (json_object_get_boolean_member (m, "finished"));

  hn_scheduler_set_config (copy, f->config);
  g_assert_true (hn_scheduler_load_state (copy, path, &error));
  g_assert_no_error (error);
  a = hn_scheduler_list_to_json (f->scheduler, at (2026, 12, 3, 15, 0));
  b = hn_scheduler_list_to_json (copy, at (2026, 12, 3, 15, 0));
  g_assert_true (json_node_equal (a, b));

  /* a missing file is a scheduler with nothing to resume */
  g_assert_true (hn_scheduler_load_state (copy, "/nonexistent/schedule.json", &error));
  g_assert_no_error (error);
}

static void
test_state_corrupt (Fixture *f, gconstpointer data)
{
  const gchar *const bad[] = {
    "{\"meetings\": {\"a\": {\"last-start\": 1",
    "[]",
    "{\"meeting\": {}}",
    "{\"meetings\": {\"a\": {\"last-start\": \"x\", \"last-end\": 2, \"finished\": false}}}",
    "{\"meetings\": {\"a\": {\"last-start\": 1, \"last-end\": 2}}}",
    "{\"meetings\": {\"a\": 3}}",
  };
  g_autofree gchar *good = write_state (f, 1, 2, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) before = NULL;
  g_autoptr (JsonNode) after = NULL;

  g_assert_true (hn_scheduler_load_state (f->scheduler, good, &error));
  before = hn_scheduler_list_to_json (f->scheduler, NOW);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree gchar *path = hn_test_write_file (f->dir, "schedule.json", bad[i]);
    g_autofree gchar *prefix = g_strdup_printf ("%s: corrupt scheduler state: ", path);

    g_assert_false (hn_scheduler_load_state (f->scheduler, path, &error));
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
    g_assert_true (g_str_has_prefix (error->message, prefix));
    g_clear_error (&error);
  }
  /* a refused file leaves the state as it was */
  after = hn_scheduler_list_to_json (f->scheduler, NOW);
  g_assert_true (json_node_equal (before, after));
}

static void
test_list_json (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree gchar *text = NULL;
  g_autofree gchar *expected = NULL;

  assert_tick (f, at (2026, 12, 1, 17, 30),
               "START giao-ban-huyen 2026-12-01 17:30 +07..2026-12-01 18:15 +07");
  list = hn_scheduler_list_to_json (f->scheduler, at (2026, 12, 1, 17, 31));
  json_generator_set_root (gen, list);
  text = json_generator_to_data (gen, NULL);
  expected = g_strdup_printf (
      "{\"meetings\":["
      "{\"id\":\"giao-ban-tuan\",\"title\":\"Giao ban tuần\",\"enabled\":true,"
      "\"next-start\":%" G_GINT64_FORMAT ",\"next-end\":%" G_GINT64_FORMAT ","
      "\"running-by-schedule\":false,\"last-start\":null,\"last-end\":null},"
      "{\"id\":\"truc-tuyen-chinh-phu\",\"title\":\"Hội nghị trực tuyến Chính phủ\","
      "\"enabled\":true,\"next-start\":%" G_GINT64_FORMAT ",\"next-end\":%" G_GINT64_FORMAT ","
      "\"running-by-schedule\":false,\"last-start\":null,\"last-end\":null},"
      "{\"id\":\"giao-ban-huyen\",\"title\":\"Giao ban huyện Tam Đảo\",\"enabled\":true,"
      "\"next-start\":%" G_GINT64_FORMAT ",\"next-end\":%" G_GINT64_FORMAT ","
      "\"running-by-schedule\":true,\"last-start\":%" G_GINT64_FORMAT
      ",\"last-end\":%" G_GINT64_FORMAT "},"
      "{\"id\":\"du-phong\",\"title\":\"Dự phòng\",\"enabled\":false,"
      "\"next-start\":null,\"next-end\":null,"
      "\"running-by-schedule\":false,\"last-start\":null,\"last-end\":null}]}",
      at (2026, 12, 7, 8, 0), at (2026, 12, 7, 10, 0), at (2026, 12, 3, 14, 0),
      at (2026, 12, 3, 17, 0), at (2026, 12, 2, 17, 30), at (2026, 12, 2, 18, 15),
      at (2026, 12, 1, 17, 30), at (2026, 12, 1, 18, 15));
  g_assert_cmpstr (text, ==, expected);
}

/* A reload leaves running meetings alone: the one the scheduler started is
 * still stopped at the end it was started for, even once removed. */
static void
test_reload (Fixture *f, gconstpointer data)
{
  g_autoptr (HnMeetingsConfig) other = load_ok (fixture ("meetings-no-conflict.conf"));

  assert_tick (f, at (2026, 12, 1, 17, 30),
               "START giao-ban-huyen 2026-12-01 17:30 +07..2026-12-01 18:15 +07");
  hn_scheduler_set_config (f->scheduler, other);
  assert_tick (f, at (2026, 12, 1, 17, 40), "");
  g_assert_true (g_hash_table_contains (f->rooms.running, "giao-ban-huyen"));
  assert_tick (f, at (2026, 12, 1, 18, 15), "STOP giao-ban-huyen");
  g_assert_cmpint (hn_scheduler_next_wakeup (f->scheduler, at (2026, 12, 1, 18, 15)), ==,
                   at (2026, 12, 2, 10, 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hn/meetings-config/valid", test_valid);
  g_test_add_func ("/hn/meetings-config/shipped", test_shipped);
  g_test_add_func ("/hn/meetings-config/bad-fixtures", test_bad_fixtures);
  g_test_add_func ("/hn/meetings-config/no-conflict", test_no_conflict);
  g_test_add_func ("/hn/meetings-config/conflict-horizon", test_conflict_horizon);
  g_test_add_func ("/hn/meetings-config/dropins", test_dropins);
  g_test_add_func ("/hn/meetings-config/occurrences", test_occurrences);
  g_test_add ("/hn/scheduler/start-stop", Fixture, NULL, fixture_set_up, test_tick_start_stop,
              fixture_tear_down);
  g_test_add ("/hn/scheduler/started-by-hand", Fixture, NULL, fixture_set_up,
              test_tick_started_by_hand, fixture_tear_down);
  g_test_add ("/hn/scheduler/stopped-by-hand", Fixture, NULL, fixture_set_up,
              test_tick_stopped_by_hand, fixture_tear_down);
  g_test_add ("/hn/scheduler/catch-up", Fixture, NULL, fixture_set_up, test_tick_catch_up,
              fixture_tear_down);
  g_test_add ("/hn/scheduler/resume", Fixture, NULL, fixture_set_up, test_tick_resume,
              fixture_tear_down);
  g_test_add ("/hn/scheduler/state-round-trip", Fixture, NULL, fixture_set_up,
              test_state_round_trip, fixture_tear_down);
  g_test_add ("/hn/scheduler/state-corrupt", Fixture, NULL, fixture_set_up, test_state_corrupt,
              fixture_tear_down);
  g_test_add ("/hn/scheduler/list-json", Fixture, NULL, fixture_set_up, test_list_json,
              fixture_tear_down);
  g_test_add ("/hn/scheduler/reload", Fixture, NULL, fixture_set_up, test_reload,
              fixture_tear_down);

  return g_test_run ();
}

/* Tests of HnCalendar, the OnCalendar= engine of the scheduler: the
 * committed corpus of systemd-analyze answers (tests/data/calendar-corpus.txt,
 * written by tools/calendar-corpus.sh) must be reproduced exactly, and is
 * checked against the installed systemd-analyze when that is the version
 * the corpus was recorded with; refused expressions get a message that
 * names the bad part; the GDateTime API keeps the caller's zone and
 * microseconds. */

#include <string.h>

#include <gio/gio.h>

#include "hn-calendar.h"
#include "hn-error.h"

#define ITERATIONS 5

typedef struct {
  guint line;
  gchar *zone;
  gint64 base;
  gchar *expression;
  gchar *normalized;  /* NULL when systemd refuses the expression */
  GPtrArray *elapses; /* as printed, "never" for none */
} Case;

static void
case_free (Case *c)
{
  g_free (c->zone);
  g_free (c->expression);
  g_free (c->normalized);
  g_ptr_array_unref (c->elapses);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Case, case_free)

typedef struct {
  GPtrArray *cases;
  guint systemd_version;
} Corpus;

static Corpus corpus;

static Case *
case_new (guint line, const gchar *header)
{
  g_autoptr (Case) c = g_new0 (Case, 1);
  const gchar *space = strchr (header, ' ');
  const gchar *close = strstr (header, "] ");
  g_autofree gchar *base = NULL;

  g_assert_true (header[0] == '[');
  g_assert_nonnull (space);
  g_assert_nonnull (close);
  g_assert_true (space[1] == '@' && space < close);

  c->line = line;
  c->zone = g_strndup (header + 1, space - header - 1);
  base = g_strndup (space + 2, close - space - 2);
  c->base = g_ascii_strtoll (base, NULL, 10);
  g_assert_cmpint (c->base, >, 0);
  c->expression = g_strdup (close + 2);
  c->elapses = g_ptr_array_new_with_free_func (g_free);
  return g_steal_pointer (&c);
}

static void
load_corpus (void)
{
  g_autofree gchar *path = g_test_build_filename (G_TEST_DIST, "data", "calendar-corpus.txt", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  Case *current = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);

  corpus.cases = g_ptr_array_new_with_free_func ((GDestroyNotify) case_free);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    const gchar *line = lines[i];

    if (g_str_has_prefix (line, "# systemd ")) {
      corpus.systemd_version = g_ascii_strtoull (line + strlen ("# systemd "), NULL, 10);
    } else if (line[0] == '[') {
      current = case_new (i + 1, line);
      g_ptr_array_add (corpus.cases, current);
    } else if (line[0] == '=' || line[0] == '>' || line[0] == '!') {
      g_assert_nonnull (current);
      if (line[0] == '=')
        current->normalized = g_strdup (line + 2);
      else if (line[0] == '>')
        g_ptr_array_add (current->elapses, g_strdup (line + 2));
      else
        g_assert_cmpstr (line, ==, "! refused");
    } else {
      g_assert_true (line[0] == '\0' || line[0] == '#');
    }
  }
  g_assert_cmpuint (corpus.systemd_version, >, 0);
}

static GTimeZone *
zone_new (const gchar *name)
{
  GTimeZone *tz = g_time_zone_new_identifier (name);

  g_assert_nonnull (tz);
  return tz;
}

/* As systemd-analyze prints a timestamp, without depending on the locale */
static gchar *
format_elapse (GDateTime *dt)
{
  static const gchar *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  g_autofree gchar *rest = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S %Z");

  return g_strdup_printf ("%s %s", days[g_date_time_get_day_of_week (dt) - 1], rest);
}

static GDateTime *
date_time_new (const gchar *zone, gint64 unix_seconds)
{
  g_autoptr (GTimeZone) tz = zone_new (zone);
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (unix_seconds);

  return g_date_time_to_timezone (utc, tz);
}

/* What HnCalendar answers for @c, in the corpus' words; NULL if it
 * refuses the expression */
static gchar *
describe_ours (const Case *c)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HnCalendar) cal = hn_calendar_new (c->expression, &error);
  g_autoptr (GDateTime) base = NULL;
  g_autoptr (GPtrArray) next = NULL;
  g_autofree gchar *normalized = NULL;
  GString *s;

  if (cal == NULL) {
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
    return NULL;
  }
  g_assert_no_error (error);

  normalized = hn_calendar_to_string (cal);
  s = g_string_new (NULL);
  g_string_append_printf (s, "= %s\n", normalized);
  base = date_time_new (c->zone, c->base);
  next = hn_calendar_next_n (cal, base, ITERATIONS);
  if (next->len == 0)
    g_string_append (s, "> never\n");
  for (guint i = 0; i < next->len; i++) {
    g_autofree gchar *text = format_elapse (g_ptr_array_index (next, i));

    g_string_append_printf (s, "> %s\n", text);
  }
  return g_string_free (s, FALSE);
}

static gchar *
describe_expected (const Case *c)
{
  GString *s;

  if (c->normalized == NULL)
    return NULL;
  s = g_string_new (NULL);
  g_string_append_printf (s, "= %s\n", c->normalized);
  for (guint i = 0; i < c->elapses->len; i++)
    g_string_append_printf (s, "> %s\n", (const gchar *) g_ptr_array_index (c->elapses, i));
  return g_string_free (s, FALSE);
}

static void
test_corpus (void)
{
  guint refused = 0;
  guint zones = 0;
  guint failed = 0;

  /* the corpus covers what the scheduler needs, in more than one zone */
  g_assert_cmpuint (corpus.cases->len, >=, 60);

  for (guint i = 0; i < corpus.cases->len; i++) {
    const Case *c = g_ptr_array_index (corpus.cases, i);
    g_autofree gchar *ours = describe_ours (c);
    g_autofree gchar *expected = describe_expected (c);

    refused += expected == NULL;
    zones += g_strcmp0 (c->zone, "Asia/Ho_Chi_Minh") != 0;
    if (g_strcmp0 (ours, expected) != 0) {
      g_test_message ("calendar-corpus.txt:%u: [%s @%" G_GINT64_FORMAT "] '%s'\n"
                      "expected (systemd):\n%s\ngot:\n%s",
                      c->line, c->zone, c->base, c->expression,
                      expected != NULL ? expected : "refused\n", ours != NULL ? ours : "refused\n");
      failed++;
    }
  }

  g_assert_cmpuint (refused, >=, 15);
  g_assert_cmpuint (zones, >=, 10);
  g_assert_cmpuint (failed, ==, 0);
}

/* The installed systemd-analyze's answer for @c, in the corpus' words */
static gchar *
describe_systemd (const gchar *program, const Case *c)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *iterations = g_strdup_printf ("--iterations=%d", ITERATIONS);
  g_autofree gchar *base = g_strdup_printf ("--base-time=@%" G_GINT64_FORMAT, c->base);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto (GStrv) lines = NULL;
  GString *s;

  g_subprocess_launcher_setenv (launcher, "TZ", c->zone, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C", TRUE);
  g_subprocess_launcher_setenv (launcher, "SYSTEMD_COLORS", "0", TRUE);
  g_subprocess_launcher_setenv (launcher, "SYSTEMD_PAGER", "cat", TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &error, program, "calendar", iterations, base, "--",
                                      c->expression, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);

  if (!g_subprocess_get_successful (proc)) {
    /* anything else (systemd giving up on a search) cannot be in the corpus */
    g_assert_true (g_str_has_prefix (err, "Failed to parse calendar specification"));
    return NULL;
  }

  s = g_string_new (NULL);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    const gchar *line = g_strchug (lines[i]);
    const gchar *value = strstr (line, ": ");

    if (value == NULL)
      continue;
    if (g_str_has_prefix (line, "Normalized form:"))
      g_string_append_printf (s, "= %s\n", value + 2);
    else if (g_str_has_prefix (line, "Next elapse:") || g_str_has_prefix (line, "Iter. #"))
      g_string_append_printf (s, "> %s\n", value + 2);
  }
  return g_string_free (s, FALSE);
}

static void
test_live (void)
{
  g_autofree gchar *program = g_find_program_in_path ("systemd-analyze");
  g_autofree gchar *version_text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  guint version;
  guint stale = 0;

  if (program == NULL) {
    g_test_skip ("systemd-analyze is not installed");
    return;
  }
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, program, "--version", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &version_text, NULL, &error);
  g_assert_no_error (error);
  if (!g_str_has_prefix (version_text, "systemd ")) {
    g_test_skip ("cannot tell the version of systemd-analyze");
    return;
  }
  version = g_ascii_strtoull (version_text + strlen ("systemd "), NULL, 10);
  if (version != corpus.systemd_version) {
    g_autofree gchar *why =
        g_strdup_printf ("the corpus was recorded with systemd %u, systemd-analyze is %u",
                         corpus.systemd_version, version);

    g_test_skip (why);
    return;
  }

  for (guint i = 0; i < corpus.cases->len; i++) {
    const Case *c = g_ptr_array_index (corpus.cases, i);
    g_autofree gchar *live = describe_systemd (program, c);
    g_autofree gchar *expected = describe_expected (c);
    g_autofree gchar *ours = describe_ours (c);

    if (g_strcmp0 (live, expected) != 0) {
      g_test_message ("calendar-corpus.txt:%u: '%s' is out of date (run "
                      "tools/calendar-corpus.sh), systemd-analyze says:\n%s",
                      c->line, c->expression, live != NULL ? live : "refused\n");
      stale++;
    }
    /* the corpus test checks ours against the file; this against systemd */
    if (g_strcmp0 (live, ours) != 0) {
      g_test_message ("'%s' in %s: systemd-analyze says:\n%s\nwe say:\n%s", c->expression, c->zone,
                      live != NULL ? live : "refused\n", ours != NULL ? ours : "refused\n");
      stale++;
    }
  }
  g_assert_cmpuint (stale, ==, 0);
}

static const struct {
  const gchar *expression;
  const gchar *message; /* after "invalid calendar expression '…': " */
} invalid[] = {
  { "", "empty" },
  { "Mon..Fri 25:00", "hour '25' is out of range 0..23" },
  { "*-*-32", "day '32' is out of range 1..31" },
  { "*-13-01", "month '13' is out of range 1..12" },
  { "1969-01-01", "year '1969' is out of range 1970..2199" },
  { "2200-01-01", "year '2200' is out of range 1970..2199" },
  { "*:60", "minute '60' is out of range 0..59" },
  { "*:*:60", "second '60' is out of range 0..59" },
  { "*:0/0", "the repetition in '0/0' is zero" },
  { "*:30/30", "minute '30/30' never repeats within 0..59" },
  { "*-*-5..3", "day range '5..3' goes backwards" },
  { "Fri..Mon", "weekday range 'Fri..Mon' goes backwards (weeks start on Monday)" },
  { "Mon.. 10:00", "weekday range 'Mon..' has no end" },
  { "Mond 10:00", "'Mond' is not a weekday (did you mean 'mon'?)" },
  { "dialy", "'dialy' is neither a weekday nor one of minutely, hourly, daily, weekly, monthly, "
             "quarterly, semiannually, yearly" },
  { "daily Mars/Olympus", "unknown time zone 'Mars/Olympus'" },
  { "*-*-* 10:00 +07:00", "unknown time zone '+07:00'" },
  { "2026-01-01T07:30", "unexpected 'T07:30'" },
  { "07", "a time needs at least hours and minutes" },
  { "*-*~29", "day '~29' is out of range ~1..~28" },
  { "*-*~11,28",
    "day '~28' is out of range ~1..~25 (after '~', systemd allows 3 days less for each further "
    "value)" },
  { "*:1.5", "'1.5' has a fraction: only seconds may have one" },
  { "*-*-1,", "unexpected end" },
  { "*:*:5..5", "range of seconds '5..5' is shorter than a second" },
  { "@-5", "'@-5' is before 1970" },
};

static const Case *
corpus_find (const gchar *expression)
{
  for (guint i = 0; i < corpus.cases->len; i++) {
    const Case *c = g_ptr_array_index (corpus.cases, i);

    if (g_strcmp0 (c->expression, expression) == 0)
      return c;
  }
  return NULL;
}

static void
test_invalid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (HnCalendar) cal = hn_calendar_new (invalid[i].expression, &error);
    g_autofree gchar *message = g_strdup_printf ("invalid calendar expression '%s': %s",
                                                 invalid[i].expression, invalid[i].message);
    const Case *recorded = corpus_find (invalid[i].expression);

    g_assert_null (cal);
    g_assert_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==, message);
    /* and systemd refuses it too ("" cannot be written in the corpus) */
    if (invalid[i].expression[0] != '\0') {
      g_assert_nonnull (recorded);
      g_assert_null (recorded->normalized);
    }
  }
}

static HnCalendar *
calendar_new (const gchar *expression)
{
  g_autoptr (GError) error = NULL;
  HnCalendar *cal = hn_calendar_new (expression, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cal);
  return cal;
}

static void
assert_next (HnCalendar *cal, GDateTime *after, const gchar *expected)
{
  g_autoptr (GDateTime) next = hn_calendar_next (cal, after);
  g_autofree gchar *text = NULL;

  if (expected == NULL) {
    g_assert_null (next);
    return;
  }
  g_assert_nonnull (next);
  text = g_date_time_format (next, "%Y-%m-%d %H:%M:%S.%f %Z");
  g_assert_cmpstr (text, ==, expected);
}

static void
test_next (void)
{
  g_autoptr (GTimeZone) hcm = zone_new ("Asia/Ho_Chi_Minh");
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (HnCalendar) weekdays = calendar_new ("Mon..Fri 07:30");
  g_autoptr (HnCalendar) berlin = calendar_new ("08:00 Europe/Berlin");
  g_autoptr (GDateTime) thursday = g_date_time_new (hcm, 2026, 1, 1, 7, 30, 0);
  g_autoptr (GDateTime) just_before = g_date_time_add (thursday, -1);
  g_autoptr (GDateTime) in_utc = g_date_time_to_timezone (thursday, utc);
  gint64 next_usec = 0;

  /* strictly after, to the microsecond */
  assert_next (weekdays, just_before, "2026-01-01 07:30:00.000000 +07");
  assert_next (weekdays, thursday, "2026-01-02 07:30:00.000000 +07");
  /* in the zone of @after: 07:30 UTC is 14:30 in Hà Nội */
  assert_next (weekdays, in_utc, "2026-01-01 07:30:00.000000 UTC");
  /* a zone in the expression decides the day and hour, the result is
   * still given in @after's zone */
  assert_next (berlin, thursday, "2026-01-01 14:00:00.000000 +07");
  assert_next (berlin, in_utc, "2026-01-01 07:00:00.000000 UTC");

  /* the same through Unix µs */
  g_assert_true (hn_calendar_next_usec (
      weekdays, hcm, g_date_time_to_unix (thursday) * G_USEC_PER_SEC - 1, &next_usec));
  g_assert_cmpint (next_usec, ==, g_date_time_to_unix (thursday) * G_USEC_PER_SEC);
  g_assert_true (hn_calendar_next_usec (weekdays, hcm, next_usec, NULL));
}

static void
test_fractions (void)
{
  g_autoptr (GTimeZone) hcm = zone_new ("Asia/Ho_Chi_Minh");
  g_autoptr (HnCalendar) quarter = calendar_new ("*:*:0/0.25");
  g_autoptr (HnCalendar) half = calendar_new ("*:*:10.5");
  g_autoptr (GDateTime) at = g_date_time_new (hcm, 2026, 3, 3, 22, 24, 5);
  g_autoptr (GPtrArray) next = hn_calendar_next_n (quarter, at, 3);
  g_autofree gchar *normalized = hn_calendar_to_string (quarter);

  g_assert_cmpstr (normalized, ==, "*-*-* *:*:00/0.250000");
  g_assert_cmpuint (next->len, ==, 3);
  g_assert_cmpint (g_date_time_get_microsecond (g_ptr_array_index (next, 0)), ==, 250000);
  g_assert_cmpint (g_date_time_get_microsecond (g_ptr_array_index (next, 1)), ==, 500000);
  g_assert_cmpint (g_date_time_get_microsecond (g_ptr_array_index (next, 2)), ==, 750000);
  assert_next (half, at, "2026-03-03 22:24:10.500000 +07");
}

static void
test_never (void)
{
  g_autoptr (GTimeZone) hcm = zone_new ("Asia/Ho_Chi_Minh");
  g_autoptr (HnCalendar) past = calendar_new ("2026-01-01 08:00");
  g_autoptr (HnCalendar) once = calendar_new ("@1767229200");
  g_autoptr (HnCalendar) impossible = calendar_new ("*-02-30");
  g_autoptr (GDateTime) at = g_date_time_new (hcm, 2026, 1, 1, 7, 0, 0);
  g_autoptr (GDateTime) later = g_date_time_new (hcm, 2026, 6, 1, 0, 0, 0);
  g_autoptr (GPtrArray) none = hn_calendar_next_n (past, later, 5);
  g_autoptr (GPtrArray) one = hn_calendar_next_n (once, at, 5);
  g_autoptr (GPtrArray) zero = hn_calendar_next_n (once, at, 0);

  assert_next (past, at, "2026-01-01 08:00:00.000000 +07");
  assert_next (past, later, NULL);
  assert_next (impossible, at, NULL);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpuint (one->len, ==, 1);
  g_assert_cmpuint (zero->len, ==, 0);
}

/* The search steps field by field, so elapses decades away are found as
 * quickly as tomorrow's: systemd (and we) give up after 1000 steps, which
 * counting seconds or even days would exceed. */
static void
test_far (void)
{
  g_autoptr (GTimeZone) hcm = zone_new ("Asia/Ho_Chi_Minh");
  g_autoptr (HnCalendar) last = calendar_new ("2199-12-31 23:59:59");
  g_autoptr (HnCalendar) leap = calendar_new ("Mon *-02-29 12:00");
  g_autoptr (GDateTime) at = g_date_time_new (hcm, 2026, 1, 1, 7, 0, 0);

  assert_next (last, at, "2199-12-31 23:59:59.000000 +07");
  /* a leap day that is a Monday: 2044 */
  assert_next (leap, at, "2044-02-29 12:00:00.000000 +07");
}

static void
test_accessors (void)
{
  g_autoptr (HnCalendar) local = calendar_new ("Mon..Fri 07:30");
  g_autoptr (HnCalendar) utc = calendar_new ("daily utc");
  g_autoptr (HnCalendar) named = calendar_new ("Mon 09:00 Asia/Ho_Chi_Minh");
  g_autoptr (HnCalendar) timestamp = calendar_new ("@1767229200");
  g_autofree gchar *utc_text = hn_calendar_to_string (utc);
  g_autofree gchar *timestamp_text = hn_calendar_to_string (timestamp);

  g_assert_cmpstr (hn_calendar_get_expression (local), ==, "Mon..Fri 07:30");
  g_assert_null (hn_calendar_get_timezone (local));
  g_assert_cmpstr (g_time_zone_get_identifier (hn_calendar_get_timezone (utc)), ==, "UTC");
  g_assert_cmpstr (utc_text, ==, "*-*-* 00:00:00 UTC");
  g_assert_cmpstr (g_time_zone_get_identifier (hn_calendar_get_timezone (named)), ==,
                   "Asia/Ho_Chi_Minh");
  g_assert_cmpstr (g_time_zone_get_identifier (hn_calendar_get_timezone (timestamp)), ==, "UTC");
  g_assert_cmpstr (timestamp_text, ==, "2026-01-01 01:00:00 UTC");
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  load_corpus ();

  g_test_add_func ("/hn/calendar/corpus", test_corpus);
  g_test_add_func ("/hn/calendar/live", test_live);
  g_test_add_func ("/hn/calendar/invalid", test_invalid);
  g_test_add_func ("/hn/calendar/next", test_next);
  g_test_add_func ("/hn/calendar/fractions", test_fractions);
  g_test_add_func ("/hn/calendar/never", test_never);
  g_test_add_func ("/hn/calendar/far", test_far);
  g_test_add_func ("/hn/calendar/accessors", test_accessors);

  status = g_test_run ();
  g_clear_pointer (&corpus.cases, g_ptr_array_unref);
  return status;
}

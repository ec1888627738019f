/* HnCalendar: a recurring point in time written in systemd's OnCalendar=
 * syntax (systemd.time(7), "CALENDAR EVENTS"), which is how meetings.conf
 * schedules meetings. An expression is parsed once; the scheduler then asks
 * when it elapses next after an instant it supplies, so nothing here reads
 * the wall clock and tests can drive it with any time they like.
 *
 * The answers match `systemd-analyze calendar` of systemd 252 exactly
 * (tests/data/calendar-corpus.txt), quirks included: the search steps
 * field by field from the year down, like systemd's, and local times are
 * resolved the way glibc's mktime() resolves them (see zone_mktime()), as
 * that decides what happens to times skipped or repeated by a daylight-
 * saving change. */

#define G_LOG_DOMAIN "hoinghi-calendar"

#include "hn-calendar.h"

#include "hn-error.h"
#include "hn-util.h"

#include <string.h>

#define USEC_PER_SEC 1000000
#define MIN_YEAR 1970
#define MAX_YEAR 2199
/* systemd refuses longer lists of values in one field */
#define MAX_VALUES 241
/* systemd gives up on a search after this many steps */
#define MAX_STEPS 1000
#define ALL_WEEKDAYS 0x7f
#define ZONEINFO_DIR "/usr/share/zoneinfo"

typedef enum {
  FIELD_YEAR,
  FIELD_MONTH,
  FIELD_DAY,
  FIELD_HOUR,
  FIELD_MINUTE,
  FIELD_SECOND, /* in µs, so that fractions fit */
  N_FIELDS
} Field;

static const struct {
  const gchar *name;
  gint min;
  gint max;
  gint width;
} fields[] = {
  [FIELD_YEAR] = { "year", MIN_YEAR, MAX_YEAR, 4 },
  [FIELD_MONTH] = { "month", 1, 12, 2 },
  [FIELD_DAY] = { "day", 1, 31, 2 },
  [FIELD_HOUR] = { "hour", 0, 23, 2 },
  [FIELD_MINUTE] = { "minute", 0, 59, 2 },
  [FIELD_SECOND] = { "second", 0, 60 * USEC_PER_SEC - 1, 2 },
};

G_STATIC_ASSERT (G_N_ELEMENTS (fields) == N_FIELDS);

/* One comma-separated element of a field: "5", "1..5", "0/15", "1..20/3" */
typedef struct {
  gint start;
  gint stop;   /* -1: no upper end */
  gint repeat; /* 0: no repetition */
  /* where it was written, for error messages */
  guint text_begin;
  guint text_len;
} Range;

struct _HnCalendar {
  GObject parent_instance;

  gchar *expression;
  guint weekdays; /* bit 0 is Monday; 0 is any day */
  gboolean end_of_month;
  GArray *chains[N_FIELDS]; /* of Range, sorted; NULL is "*" */
  gboolean utc;
  gchar *zone_name;
  GTimeZone *zone; /* the zone the expression names, if any */
};

G_DEFINE_FINAL_TYPE (HnCalendar, hn_calendar, G_TYPE_OBJECT)

static void
hn_calendar_finalize (GObject *object)
{
  HnCalendar *self = HN_CALENDAR (object);

  g_free (self->expression);
  for (guint i = 0; i < N_FIELDS; i++)
    g_clear_pointer (&self->chains[i], g_array_unref);
  g_free (self->zone_name);
  g_clear_pointer (&self->zone, g_time_zone_unref);

  G_OBJECT_CLASS (hn_calendar_parent_class)->finalize (object);
}

static void
hn_calendar_class_init (HnCalendarClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hn_calendar_finalize;
}

static void
hn_calendar_init (HnCalendar *self)
{
}

/* Parsing */

typedef struct {
  HnCalendar *cal;
  const gchar *body; /* the expression without its time zone, NUL-terminated */
  const gchar *p;
  GError **error;
} Parser;

static gboolean fail (Parser *ps, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (Parser *ps, const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *detail = NULL;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (ps->error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
               "invalid calendar expression '%s': %s", ps->cal->expression, detail);
  return FALSE;
}

/* Words an expression may contain, for "did you mean" */
static const gchar *const keywords[] = {
  "minutely", "hourly",  "daily",     "weekly",   "monthly", "quarterly", "semiannually", "yearly",
  "annually", "mon",     "tue",       "wed",      "thu",     "fri",       "sat",          "sun",
  "monday",   "tuesday", "wednesday", "thursday", "friday",  "saturday",  "sunday",       NULL,
};

/* " (did you mean 'daily'?)" for a misspelt keyword, else "" */
static gchar *
did_you_mean (const gchar *word)
{
  g_autofree gchar *lower = g_ascii_strdown (word, -1);
  const gchar *suggestion = NULL;

  for (const gchar *c = word; *c != '\0'; c++) {
    if (!g_ascii_isalpha (*c) && *c != '-')
      return g_strdup ("");
  }
  suggestion = hn_util_suggest (lower, keywords);
  if (suggestion == NULL || g_strcmp0 (suggestion, lower) == 0)
    return g_strdup ("");
  return g_strdup_printf (" (did you mean '%s'?)", suggestion);
}

/* The word at @at, up to the next space, to name what could not be parsed */
static gchar *
word_at (const gchar *at)
{
  return g_strndup (at, strcspn (at, " "));
}

static gchar *
range_text (Parser *ps, const Range *r)
{
  return g_strndup (ps->body + r->text_begin, r->text_len);
}

static gboolean
fail_unexpected (Parser *ps)
{
  const gchar *at = ps->p + strspn (ps->p, " ");
  g_autofree gchar *word = word_at (at);
  g_autofree gchar *hint = did_you_mean (word);

  if (*at == '\0')
    return fail (ps, "unexpected end");
  return fail (ps, "unexpected '%s'%s", word, hint);
}

static const struct {
  const gchar *name;
  guint day; /* 0 is Monday */
} weekday_names[] = {
  { "Monday", 0 },   { "Mon", 0 },      { "Tuesday", 1 }, { "Tue", 1 },    { "Wednesday", 2 },
  { "Wed", 2 },      { "Thursday", 3 }, { "Thu", 3 },     { "Friday", 4 }, { "Fri", 4 },
  { "Saturday", 5 }, { "Sat", 5 },      { "Sunday", 6 },  { "Sun", 6 },
};

static const gchar *const weekday_short[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

/* "Mon", "Sat,Sun", "Mon..Fri" (or the older "Mon-Fri"), followed by a
 * space or the end. Returns TRUE without consuming anything when the
 * expression does not start with a weekday. */
static gboolean
parse_weekdays (Parser *ps)
{
  gint range_from = -1;
  const gchar *range_text_begin = NULL;

  for (gboolean first = TRUE;; first = FALSE) {
    const gchar *word = ps->p;
    guint day = 0;
    gsize len = 0;

    for (guint i = 0; i < G_N_ELEMENTS (weekday_names); i++) {
      gsize n = strlen (weekday_names[i].name);

      if (g_ascii_strncasecmp (ps->p, weekday_names[i].name, n) == 0) {
        day = weekday_names[i].day;
        len = n;
        break;
      }
    }
    if (len == 0) {
      g_autofree gchar *w = g_strndup (word, strcspn (word, " ,.-"));
      g_autofree gchar *hint = did_you_mean (w);

      if (first)
        return TRUE;
      return fail (ps, "'%s' is not a weekday%s", w, hint);
    }
    if (strchr ("-., ", ps->p[len]) == NULL) {
      g_autofree gchar *w = g_strndup (word, strcspn (word, " ,.-"));
      g_autofree gchar *hint = did_you_mean (w);

      return fail (ps, "'%s' is not a weekday%s", w, hint);
    }

    ps->cal->weekdays |= 1u << day;
    if (range_from >= 0) {
      if ((guint) range_from > day) {
        g_autofree gchar *text = g_strndup (range_text_begin, word + len - range_text_begin);

        return fail (ps, "weekday range '%s' goes backwards (weeks start on Monday)", text);
      }
      for (guint d = range_from + 1; d < day; d++)
        ps->cal->weekdays |= 1u << d;
    }
    ps->p += len;

    if (*ps->p == '\0')
      return TRUE;
    if (*ps->p == ' ') {
      ps->p += strspn (ps->p, " ");
      return TRUE;
    }

    if (*ps->p == '.' || *ps->p == '-') {
      if (range_from >= 0) {
        g_autofree gchar *w = word_at (range_text_begin);

        return fail (ps, "weekday range '%s' has more than two ends", w);
      }
      if (*ps->p == '.' && ps->p[1] != '.') {
        g_autofree gchar *w = word_at (word);

        return fail (ps, "a weekday range is written '..', not '.' in '%s'", w);
      }
      range_from = day;
      range_text_begin = word;
      ps->p += *ps->p == '.' ? 2 : 1;
    } else {
      /* a comma */
      range_from = -1;
      ps->p++;
    }

    /* a trailing comma is allowed, an open range is not */
    if (*ps->p == '\0' || *ps->p == ' ') {
      ps->p += strspn (ps->p, " ");
      if (range_from >= 0) {
        g_autofree gchar *text = g_strndup (range_text_begin, ps->p - range_text_begin);

        g_strchomp (text);
        return fail (ps, "weekday range '%s' has no end", text);
      }
      return TRUE;
    }
  }
}

/* A whole number, or for seconds a decimal one ("5", "5.25") in µs */
static gboolean
parse_value (Parser *ps, gboolean usec, gint *out)
{
  const gchar *begin = ps->p;
  guint64 value = 0;

  if (!g_ascii_isdigit (*ps->p))
    return fail_unexpected (ps);

  for (; g_ascii_isdigit (*ps->p); ps->p++)
    value = MIN (value * 10 + (*ps->p - '0'), (guint64) G_MAXINT + 1);

  if (usec) {
    value = MIN (value * USEC_PER_SEC, (guint64) G_MAXINT + 1);

    /* one '.' is a decimal point, two make a range */
    if (ps->p[0] == '.' && ps->p[1] != '.') {
      guint fraction = 0;
      guint digits = 0;

      ps->p++;
      if (!g_ascii_isdigit (*ps->p))
        return fail (ps, "expected digits after the decimal point in '%.*s'",
                     (gint) (ps->p - begin), begin);
      for (; digits < 6 && g_ascii_isdigit (*ps->p); digits++, ps->p++)
        fraction = fraction * 10 + (*ps->p - '0');
      for (; digits < 6; digits++)
        fraction *= 10;
      /* systemd rounds to the nearest µs */
      if (*ps->p >= '5' && *ps->p <= '9')
        fraction++;
      ps->p += strspn (ps->p, "0123456789");
      value += fraction;
    }
  }

  if (value > G_MAXINT)
    return fail (ps, "'%.*s' is too large", (gint) (ps->p - begin), begin);
  *out = value;
  return TRUE;
}

/* A comma-separated list of ranges; "*" leaves *out NULL (any value), or
 * for seconds makes it "every whole second". */
static gboolean
parse_chain (Parser *ps, gboolean usec, GArray **out)
{
  g_autoptr (GArray) chain = g_array_new (FALSE, FALSE, sizeof (Range));

  if (*ps->p == '*') {
    ps->p++;
    if (usec) {
      Range every = { 0, -1, USEC_PER_SEC, ps->p - 1 - ps->body, 1 };

      g_array_append_val (chain, every);
      *out = g_steal_pointer (&chain);
    } else {
      *out = NULL;
    }
    return TRUE;
  }

  for (;;) {
    const gchar *begin = ps->p;
    Range r = { 0, -1, 0, 0, 0 };

    if (chain->len == MAX_VALUES)
      return fail (ps, "more than %d values in one field", MAX_VALUES);

    if (!parse_value (ps, usec, &r.start))
      return FALSE;
    if (ps->p[0] == '.' && ps->p[1] == '.') {
      ps->p += 2;
      if (!parse_value (ps, usec, &r.stop))
        return FALSE;
      r.repeat = usec ? USEC_PER_SEC : 1;
    }

    if (*ps->p == '/') {
      ps->p++;
      if (!parse_value (ps, usec, &r.repeat))
        return FALSE;
      if (r.repeat == 0)
        return fail (ps, "the repetition in '%.*s' is zero", (gint) (ps->p - begin), begin);
    } else if (r.start > G_MAXINT - r.repeat) {
      return fail (ps, "'%.*s' is too large", (gint) (ps->p - begin), begin);
    } else if (usec && r.stop >= 0 && r.start + r.repeat > r.stop) {
      /* the implicit step of a range of seconds is one second */
      return fail (ps, "range of seconds '%.*s' is shorter than a second", (gint) (ps->p - begin),
                   begin);
    }

    if (!usec && *ps->p == '.' && g_ascii_isdigit (ps->p[1]))
      return fail (ps, "'%.*s' has a fraction: only seconds may have one",
                   (gint) (ps->p + 1 + strspn (ps->p + 1, "0123456789") - begin), begin);
    if (*ps->p != '\0' && strchr (" ,-~:", *ps->p) == NULL)
      return fail_unexpected (ps);

    r.text_begin = begin - ps->body;
    r.text_len = ps->p - begin;
    g_array_append_val (chain, r);

    if (*ps->p != ',')
      break;
    ps->p++;
  }

  *out = g_steal_pointer (&chain);
  return TRUE;
}

static GArray *
single_value (gint value)
{
  GArray *chain = g_array_new (FALSE, FALSE, sizeof (Range));
  Range r = { value, -1, 0, 0, 0 };

  g_array_append_val (chain, r);
  return chain;
}

/* "@1767225600": one fixed instant, in UTC */
static gboolean
parse_timestamp (Parser *ps)
{
  const gchar *begin = ps->p;
  HnCalendar *cal = ps->cal;
  g_autoptr (GDateTime) dt = NULL;
  gboolean negative = FALSE;
  guint64 value = 0;
  gboolean overflow = FALSE;

  ps->p++;
  /* the number is read with strtoul() by systemd, hence the sign */
  ps->p += strspn (ps->p, " \t\n\v\f\r");
  if (*ps->p == '+' || *ps->p == '-')
    negative = *ps->p++ == '-';
  if (!g_ascii_isdigit (*ps->p))
    return fail_unexpected (ps);
  for (; g_ascii_isdigit (*ps->p); ps->p++) {
    if (value > (G_MAXINT64 - 9) / 10)
      overflow = TRUE;
    else
      value = value * 10 + (*ps->p - '0');
  }
  if (*ps->p != '\0')
    return fail_unexpected (ps);

  if (negative && value != 0)
    return fail (ps, "'%s' is before 1970", begin);
  if (!overflow)
    dt = g_date_time_new_from_unix_utc (value);
  if (dt == NULL || g_date_time_get_year (dt) > MAX_YEAR)
    return fail (ps, "'%s' is after %d", begin, MAX_YEAR);

  cal->utc = TRUE;
  cal->chains[FIELD_YEAR] = single_value (g_date_time_get_year (dt));
  cal->chains[FIELD_MONTH] = single_value (g_date_time_get_month (dt));
  cal->chains[FIELD_DAY] = single_value (g_date_time_get_day_of_month (dt));
  cal->chains[FIELD_HOUR] = single_value (g_date_time_get_hour (dt));
  cal->chains[FIELD_MINUTE] = single_value (g_date_time_get_minute (dt));
  cal->chains[FIELD_SECOND] = single_value (g_date_time_get_second (dt) * USEC_PER_SEC);
  return TRUE;
}

/* "YYYY-MM-DD" or "MM-DD", each part a chain, '~' before the day counting
 * from the end of the month. Leaves the cursor alone when what follows
 * is a time ("07:30"). Sets *done when nothing may follow (a timestamp). */
static gboolean
parse_date (Parser *ps, gboolean *done)
{
  HnCalendar *cal = ps->cal;
  const gchar *begin = ps->p;
  g_autoptr (GArray) first = NULL;
  g_autoptr (GArray) second = NULL;
  g_autoptr (GArray) third = NULL;

  *done = FALSE;
  if (*ps->p == '\0')
    return TRUE;
  if (*ps->p == '@') {
    *done = TRUE;
    return parse_timestamp (ps);
  }

  if (!parse_chain (ps, FALSE, &first))
    return FALSE;
  if (*ps->p == '\0' || *ps->p == ':') {
    ps->p = begin;
    return TRUE;
  }

  if (*ps->p == '~')
    cal->end_of_month = TRUE;
  else if (*ps->p != '-')
    return fail_unexpected (ps);
  ps->p++;
  if (!parse_chain (ps, FALSE, &second))
    return FALSE;

  if (*ps->p == '\0' || *ps->p == ' ') {
    ps->p += strspn (ps->p, " ");
    cal->chains[FIELD_MONTH] = g_steal_pointer (&first);
    cal->chains[FIELD_DAY] = g_steal_pointer (&second);
    return TRUE;
  }
  if (cal->end_of_month)
    return fail (ps, "'~' may only come before the day");

  if (*ps->p == '~')
    cal->end_of_month = TRUE;
  else if (*ps->p != '-')
    return fail_unexpected (ps);
  ps->p++;
  if (!parse_chain (ps, FALSE, &third))
    return FALSE;
  if (*ps->p != '\0' && *ps->p != ' ')
    return fail_unexpected (ps);

  ps->p += strspn (ps->p, " ");
  cal->chains[FIELD_YEAR] = g_steal_pointer (&first);
  cal->chains[FIELD_MONTH] = g_steal_pointer (&second);
  cal->chains[FIELD_DAY] = g_steal_pointer (&third);
  return TRUE;
}

/* "HH:MM" or "HH:MM:SS"; none at all is midnight */
static gboolean
parse_time (Parser *ps)
{
  HnCalendar *cal = ps->cal;
  g_autoptr (GArray) hour = NULL;
  g_autoptr (GArray) minute = NULL;
  g_autoptr (GArray) second = NULL;

  if (*ps->p == '\0') {
    cal->chains[FIELD_HOUR] = single_value (0);
    cal->chains[FIELD_MINUTE] = single_value (0);
    cal->chains[FIELD_SECOND] = single_value (0);
    return TRUE;
  }

  if (!parse_chain (ps, FALSE, &hour))
    return FALSE;
  if (*ps->p != ':') {
    if (*ps->p == '\0')
      return fail (ps, "a time needs at least hours and minutes");
    return fail_unexpected (ps);
  }
  ps->p++;
  if (!parse_chain (ps, FALSE, &minute))
    return FALSE;

  if (*ps->p == '\0') {
    second = single_value (0);
  } else {
    if (*ps->p != ':')
      return fail_unexpected (ps);
    ps->p++;
    if (!parse_chain (ps, TRUE, &second))
      return FALSE;
    if (*ps->p != '\0')
      return fail_unexpected (ps);
  }

  cal->chains[FIELD_HOUR] = g_steal_pointer (&hour);
  cal->chains[FIELD_MINUTE] = g_steal_pointer (&minute);
  cal->chains[FIELD_SECOND] = g_steal_pointer (&second);
  return TRUE;
}

static gboolean
parse_shorthand (HnCalendar *cal, const gchar *body)
{
  static const struct {
    const gchar *name;
    gint month[4];  /* 0-terminated; none is any */
    gint day;       /* 0 is any */
    guint weekdays; /* 0 is any */
    Field any_from; /* this field and the larger ones are "*" unless set above */
  } shorthands[] = {
    { "minutely", { 0 }, 0, 0, FIELD_MINUTE },
    { "hourly", { 0 }, 0, 0, FIELD_HOUR },
    { "daily", { 0 }, 0, 0, FIELD_DAY },
    { "weekly", { 0 }, 0, 1, FIELD_DAY },
    { "monthly", { 0 }, 1, 0, FIELD_MONTH },
    { "yearly", { 1 }, 1, 0, FIELD_YEAR },
    { "annually", { 1 }, 1, 0, FIELD_YEAR },
    { "anually", { 1 }, 1, 0, FIELD_YEAR },
    { "quarterly", { 1, 4, 7, 10 }, 1, 0, FIELD_YEAR },
    { "semiannually", { 1, 7 }, 1, 0, FIELD_YEAR },
    { "semi-annually", { 1, 7 }, 1, 0, FIELD_YEAR },
    { "biannually", { 1, 7 }, 1, 0, FIELD_YEAR },
    { "bi-annually", { 1, 7 }, 1, 0, FIELD_YEAR },
  };

  for (guint i = 0; i < G_N_ELEMENTS (shorthands); i++) {
    if (g_ascii_strcasecmp (body, shorthands[i].name) != 0)
      continue;

    for (guint f = shorthands[i].any_from + 1; f < N_FIELDS; f++)
      cal->chains[f] = single_value (0);
    if (shorthands[i].day != 0) {
      g_clear_pointer (&cal->chains[FIELD_DAY], g_array_unref);
      cal->chains[FIELD_DAY] = single_value (shorthands[i].day);
    }
    if (shorthands[i].month[0] != 0) {
      g_clear_pointer (&cal->chains[FIELD_MONTH], g_array_unref);
      cal->chains[FIELD_MONTH] = g_array_new (FALSE, FALSE, sizeof (Range));
      for (guint m = 0; m < G_N_ELEMENTS (shorthands[i].month) && shorthands[i].month[m]; m++) {
        Range r = { shorthands[i].month[m], -1, 0, 0, 0 };

        g_array_append_val (cal->chains[FIELD_MONTH], r);
      }
    }
    cal->weekdays = shorthands[i].weekdays;
    return TRUE;
  }
  return FALSE;
}

/* systemd accepts a zone name when a TZif file of that name exists */
static gboolean
zone_name_is_valid (const gchar *name)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *contents = NULL;
  gsize len = 0;

  if (g_strcmp0 (name, "UTC") == 0)
    return TRUE;
  if (name[0] == '\0' || name[0] == '/' || g_str_has_suffix (name, "/") ||
      strstr (name, "//") != NULL)
    return FALSE;
  for (const gchar *c = name; *c != '\0'; c++) {
    if (!g_ascii_isalnum (*c) && strchr ("-_+/", *c) == NULL)
      return FALSE;
  }

  path = g_build_filename (ZONEINFO_DIR, name, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) ||
      !g_file_get_contents (path, &contents, &len, NULL))
    return FALSE;
  return len >= 4 && memcmp (contents, "TZif", 4) == 0;
}

/* Something meant as a zone but not one: "Area/Ctiy", or an offset
 * ("+07:00"), which systemd does not take */
static gboolean
looks_like_zone_name (const gchar *word)
{
  if ((word[0] == '+' || word[0] == '-') && g_ascii_isdigit (word[1]))
    return word[strspn (word, "+-0123456789:")] == '\0';
  if (!g_ascii_isalpha (word[0]) || strchr (word, '/') == NULL)
    return FALSE;
  for (const gchar *c = word; *c != '\0'; c++) {
    if (!g_ascii_isalnum (*c) && strchr ("-_+/", *c) == NULL)
      return FALSE;
  }
  return TRUE;
}

static gint
compare_ranges (gconstpointer a, gconstpointer b)
{
  const Range *ra = a;
  const Range *rb = b;

  if (ra->start != rb->start)
    return ra->start < rb->start ? -1 : 1;
  if (ra->stop != rb->stop)
    return ra->stop < rb->stop ? -1 : 1;
  if (ra->repeat != rb->repeat)
    return ra->repeat < rb->repeat ? -1 : 1;
  return 0;
}

/* Checks the @index-th range of @field after normalisation, as systemd's
 * calendar_spec_valid() does */
static gboolean
check_range (Parser *ps, Field field, guint index, const Range *r)
{
  gboolean eom = field == FIELD_DAY && ps->cal->end_of_month;
  gint from = fields[field].min;
  gint to = fields[field].max;
  gint shown_to = field == FIELD_SECOND ? 59 : to;
  g_autofree gchar *text = range_text (ps, r);

  /* from the end of the month, at most 28 days back; systemd takes the 3
   * days off again for every further value, so "~11,28" is refused */
  if (eom)
    to -= 3 * (index + 1);

  if (r->start < from || r->start > to || (r->stop >= 0 && (r->stop < from || r->stop > to))) {
    if (eom && index > 0)
      return fail (ps,
                   "day '~%s' is out of range ~1..~%d (after '~', systemd allows 3 days less "
                   "for each further value)",
                   text, to);
    if (eom)
      return fail (ps, "day '~%s' is out of range ~1..~%d", text, to);
    return fail (ps, "%s '%s' is out of range %d..%d", fields[field].name, text, from, shown_to);
  }
  if (r->repeat > to - from)
    return fail (ps, "the repetition in %s '%s' is longer than the %s's range", fields[field].name,
                 text, fields[field].name);
  if (r->stop >= 0 && r->start + r->repeat > r->stop)
    return fail (ps, "%s range '%s' goes backwards", fields[field].name, text);
  if (r->stop < 0 && eom && r->start - r->repeat < from)
    return fail (ps, "day '~%s' never repeats within the month", text);
  if (r->stop < 0 && !eom && r->start + r->repeat > to)
    return fail (ps, "%s '%s' never repeats within %d..%d", fields[field].name, text, from,
                 shown_to);
  return TRUE;
}

/* Brings a field to systemd's normal form and checks it: two-digit years,
 * ranges cut to a whole number of steps, steps that cannot fire dropped,
 * sorted without duplicates. */
static gboolean
normalize_chain (Parser *ps, Field field)
{
  GArray *chain = ps->cal->chains[field];
  guint kept = 0;

  if (chain == NULL)
    return TRUE;

  for (guint i = 0; i < chain->len; i++) {
    Range *r = &g_array_index (chain, Range, i);

    /* 26 is 2026, 89 is 1989 */
    if (field == FIELD_YEAR) {
      if (r->start >= 0 && r->start < 100)
        r->start += r->start < 70 ? 2000 : 1900;
      if (r->stop >= 0 && r->stop < 100)
        r->stop += r->stop < 70 ? 2000 : 1900;
    }
    if (r->stop > r->start && r->repeat > 0)
      r->stop -= (r->stop - r->start) % r->repeat;
    if ((r->stop > r->start && r->repeat > 0 && r->start + r->repeat > r->stop) ||
        r->start == r->stop) {
      r->repeat = 0;
      r->stop = -1;
    }
  }

  g_array_sort (chain, compare_ranges);
  for (guint i = 0; i < chain->len; i++) {
    if (kept > 0 && compare_ranges (&g_array_index (chain, Range, kept - 1),
                                    &g_array_index (chain, Range, i)) == 0)
      continue;
    g_array_index (chain, Range, kept++) = g_array_index (chain, Range, i);
  }
  g_array_set_size (chain, kept);

  for (guint i = 0; i < chain->len; i++) {
    if (!check_range (ps, field, i, &g_array_index (chain, Range, i)))
      return FALSE;
  }
  return TRUE;
}

static gboolean
parse (HnCalendar *self, GError **error)
{
  const gchar *expr = self->expression;
  gsize len = strlen (expr);
  g_autofree gchar *body = NULL;
  g_autofree gchar *last_word = NULL;
  Parser ps = { self, NULL, NULL, error };
  const gchar *space;
  gboolean done = FALSE;

  space = strrchr (expr, ' ');
  if (len >= 4 && g_ascii_strcasecmp (expr + len - 4, " UTC") == 0) {
    self->utc = TRUE;
    body = g_strndup (expr, len - 4);
  } else if (space != NULL && zone_name_is_valid (space + 1)) {
    self->zone_name = g_strdup (space + 1);
    body = g_strndup (expr, space - expr);
  } else {
    body = g_strdup (expr);
    if (space != NULL)
      last_word = g_strdup (space + 1);
  }
  ps.body = ps.p = body;

  if (g_strcmp0 (self->zone_name, "UTC") == 0) {
    self->utc = TRUE;
    g_clear_pointer (&self->zone_name, g_free);
  }
  if (self->zone_name != NULL) {
    self->zone = g_time_zone_new_identifier (self->zone_name);
    if (self->zone == NULL)
      return fail (&ps, "cannot load time zone '%s'", self->zone_name);
  }

  if (*body == '\0')
    return fail (&ps, "empty");

  if (!parse_shorthand (self, body)) {
    if (!parse_weekdays (&ps) || !parse_date (&ps, &done) || (!done && !parse_time (&ps))) {
      /* "daily Mars/Olympus" fails on the zone, not on what precedes it */
      if (last_word != NULL && looks_like_zone_name (last_word)) {
        g_clear_error (error);
        return fail (&ps, "unknown time zone '%s'", last_word);
      }
      if (body[strspn (body, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-")] == '\0') {
        g_autofree gchar *hint = did_you_mean (body);

        g_clear_error (error);
        return fail (&ps,
                     "'%s' is neither a weekday nor one of minutely, hourly, daily, weekly, "
                     "monthly, quarterly, semiannually, yearly%s",
                     body, hint);
      }
      return FALSE;
    }
    if (*ps.p != '\0')
      return fail_unexpected (&ps);
  }

  if (self->weekdays == ALL_WEEKDAYS)
    self->weekdays = 0;
  if (self->chains[FIELD_DAY] == NULL)
    self->end_of_month = FALSE;
  for (guint f = 0; f < N_FIELDS; f++) {
    if (!normalize_chain (&ps, f))
      return FALSE;
  }

  /* "@…" is in UTC whatever zone follows it */
  if (self->utc) {
    g_clear_pointer (&self->zone, g_time_zone_unref);
    self->zone = g_time_zone_new_utc ();
  }
  return TRUE;
}

/**
 * hn_calendar_new:
 * @expression: in systemd's OnCalendar= syntax, e.g. "Mon..Fri 07:30",
 *   "*-*-1/7 08:00", "hourly" or "Sat 09:00 Asia/Ho_Chi_Minh"
 *
 * Returns: (transfer full): the parsed expression, or %NULL with
 *   %HN_ERROR_INVALID_ARGUMENT naming the part that systemd would refuse
 */
HnCalendar *
hn_calendar_new (const gchar *expression, GError **error)
{
  g_autoptr (HnCalendar) self = NULL;

  g_return_val_if_fail (expression != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (HN_TYPE_CALENDAR, NULL);
  self->expression = g_strdup (expression);
  if (!parse (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const gchar *
hn_calendar_get_expression (HnCalendar *self)
{
  g_return_val_if_fail (HN_IS_CALENDAR (self), NULL);
  return self->expression;
}

/**
 * hn_calendar_get_timezone:
 *
 * Returns: (transfer none) (nullable): the zone the expression names
 *   ("UTC" included), or %NULL when it is evaluated in the caller's zone
 */
GTimeZone *
hn_calendar_get_timezone (HnCalendar *self)
{
  g_return_val_if_fail (HN_IS_CALENDAR (self), NULL);
  return self->zone;
}

/* Formatting */

static void
append_weekdays (GString *s, guint weekdays)
{
  gboolean need_comma = FALSE;

  for (guint d = 0; d < 7;) {
    guint run = 0;

    if (!(weekdays & (1u << d))) {
      d++;
      continue;
    }
    while (d + run < 7 && (weekdays & (1u << (d + run))))
      run++;
    if (need_comma)
      g_string_append_c (s, ',');
    need_comma = TRUE;
    g_string_append (s, weekday_short[d]);
    if (run > 1)
      g_string_append_printf (s, "%s%s", run > 2 ? ".." : ",", weekday_short[d + run - 1]);
    d += run;
  }
}

static void
append_chain (GString *s, GArray *chain, gint width, gboolean usec)
{
  gint unit = usec ? USEC_PER_SEC : 1;

  if (chain == NULL) {
    g_string_append_c (s, '*');
    return;
  }
  /* any element firing every whole second makes the whole field "*" */
  for (guint i = 0; usec && i < chain->len; i++) {
    const Range *r = &g_array_index (chain, Range, i);

    if (r->start == 0 && r->stop < 0 && r->repeat == USEC_PER_SEC) {
      g_string_append_c (s, '*');
      return;
    }
  }

  for (guint i = 0; i < chain->len; i++) {
    const Range *r = &g_array_index (chain, Range, i);

    if (i > 0)
      g_string_append_c (s, ',');
    g_string_append_printf (s, "%0*d", width, r->start / unit);
    if (r->start % unit > 0)
      g_string_append_printf (s, ".%06d", r->start % unit);
    if (r->stop > 0) {
      g_string_append_printf (s, "..%0*d", width, r->stop / unit);
      if (r->stop % unit > 0)
        g_string_append_printf (s, ".%06d", r->stop % unit);
    }
    /* a range steps by one unless told otherwise */
    if (r->repeat > 0 && !(r->stop > 0 && r->repeat == unit))
      g_string_append_printf (s, "/%d", r->repeat / unit);
    if (r->repeat % unit > 0)
      g_string_append_printf (s, ".%06d", r->repeat % unit);
  }
}

/**
 * hn_calendar_to_string:
 *
 * Returns: the normalised form, as systemd-analyze prints it
 *   ("Mon..Fri *-*-* 07:30:00")
 */
gchar *
hn_calendar_to_string (HnCalendar *self)
{
  GString *s;

  g_return_val_if_fail (HN_IS_CALENDAR (self), NULL);

  s = g_string_new (NULL);
  if (self->weekdays != 0) {
    append_weekdays (s, self->weekdays);
    g_string_append_c (s, ' ');
  }
  append_chain (s, self->chains[FIELD_YEAR], fields[FIELD_YEAR].width, FALSE);
  g_string_append_c (s, '-');
  append_chain (s, self->chains[FIELD_MONTH], fields[FIELD_MONTH].width, FALSE);
  g_string_append_c (s, self->end_of_month ? '~' : '-');
  append_chain (s, self->chains[FIELD_DAY], fields[FIELD_DAY].width, FALSE);
  g_string_append_c (s, ' ');
  append_chain (s, self->chains[FIELD_HOUR], fields[FIELD_HOUR].width, FALSE);
  g_string_append_c (s, ':');
  append_chain (s, self->chains[FIELD_MINUTE], fields[FIELD_MINUTE].width, FALSE);
  g_string_append_c (s, ':');
  append_chain (s, self->chains[FIELD_SECOND], fields[FIELD_SECOND].width, TRUE);
  if (self->utc)
    g_string_append (s, " UTC");
  else if (self->zone_name != NULL)
    g_string_append_printf (s, " %s", self->zone_name);
  return g_string_free (s, FALSE);
}

/* Local time */

/* A broken-down local time like struct tm: fields may be out of range
 * until normalised by zone_mktime() */
typedef struct {
  gint64 year;
  gint64 mon; /* 0..11 */
  gint64 mday;
  gint64 hour;
  gint64 min;
  gint64 sec;
  gint isdst; /* -1: let the zone decide */
  gint wday;  /* 0 is Sunday */
} Tm;

/* How instants become local times and back. */
typedef struct {
  GTimeZone *tz; /* NULL: plain UTC */
  /* the UTC offset zone_mktime() tries first: glibc keeps the one it found
   * last, and on a repeated hour that choice decides the answer */
  gint64 guess;
} Zone;

static gint64
floor_div (gint64 a, gint64 b)
{
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12) */
static gint64
days_from_civil (gint64 y, gint64 m, gint64 d)
{
  gint64 era, yoe, doy, doe;

  y -= m <= 2;
  era = floor_div (y, 400);
  yoe = y - era * 400;
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void
civil_from_days (gint64 days, gint64 *y, gint64 *m, gint64 *d)
{
  gint64 z = days + 719468;
  gint64 era = floor_div (z, 146097);
  gint64 doe = z - era * 146097;
  gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  gint64 mp = (5 * doy + 2) / 153;

  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yoe + era * 400 + (*m <= 2);
}

/* The fields of @tm as seconds since the epoch, read as if in UTC */
static gint64
tm_to_seconds (const Tm *tm)
{
  gint64 year = tm->year + floor_div (tm->mon, 12);
  gint64 mon = tm->mon - floor_div (tm->mon, 12) * 12;
  gint64 days = days_from_civil (year, mon + 1, 1) + tm->mday - 1;

  return days * 86400 + tm->hour * 3600 + tm->min * 60 + tm->sec;
}

static void
tm_from_seconds (gint64 seconds, Tm *tm)
{
  gint64 days = floor_div (seconds, 86400);
  gint64 rest = seconds - days * 86400;
  gint64 m;

  civil_from_days (days, &tm->year, &m, &tm->mday);
  tm->mon = m - 1;
  tm->hour = rest / 3600;
  tm->min = rest / 60 % 60;
  tm->sec = rest % 60;
  tm->wday = (gint) (days + 4 - floor_div (days + 4, 7) * 7);
}

static gint64
zone_offset (Zone *z, gint64 t, gint *isdst)
{
  gint interval;

  if (z->tz == NULL) {
    *isdst = 0;
    return 0;
  }
  interval = g_time_zone_find_interval (z->tz, G_TIME_TYPE_UNIVERSAL, t);
  *isdst = g_time_zone_is_dst (z->tz, interval) ? 1 : 0;
  return g_time_zone_get_offset (z->tz, interval);
}

static void
zone_localtime (Zone *z, gint64 t, Tm *tm)
{
  gint isdst;
  gint64 offset = zone_offset (z, t, &isdst);

  tm_from_seconds (t + offset, tm);
  tm->isdst = isdst;
}

/* Like mktime(): the instant of the local time @tm, normalising @tm.
 * systemd leaves skipped and repeated local times to glibc, so this finds
 * the instant the way glibc does: it starts from the last offset found
 * and follows the error of each probe; when probes oscillate across a
 * skipped hour it settles on the daylight-saving side, and when a
 * requested isdst disagrees it borrows the offset of a neighbouring time
 * that agrees. FALSE when no instant is found or it is before 1970,
 * which systemd treats as an error too. */
static gboolean
zone_mktime (Zone *z, Tm *tm, gint64 *out)
{
  gint64 want = tm_to_seconds (tm);
  gint64 t, before, before2;
  gint isdst = 0;
  gint prev_isdst = 0;
  gboolean matched = FALSE;

  if (z->tz == NULL) {
    tm_from_seconds (want, tm);
    tm->isdst = 0;
    *out = want;
    return want >= 0;
  }

  t = before = before2 = want - z->guess;
  for (gint probes = 6;;) {
    gint64 next = want - zone_offset (z, t, &isdst);

    if (next == t) {
      matched = TRUE;
      break;
    }
    if (t == before && t != before2 &&
        (tm->isdst < 0 ? prev_isdst <= isdst : (tm->isdst != 0) != isdst))
      break;
    if (--probes == 0)
      return FALSE;
    before = before2;
    before2 = t;
    t = next;
    prev_isdst = isdst;
  }

  if (matched && tm->isdst >= 0 && (tm->isdst != 0) != isdst) {
    const gint64 stride = 601200;
    const gint64 bound = 536454000 / 2 + stride;
    gboolean found = FALSE;

    for (gint64 delta = stride; !found && delta < bound; delta += stride) {
      for (gint direction = -1; !found && direction <= 1; direction += 2) {
        gint other_isdst;
        gint64 other_offset = zone_offset (z, t + direction * delta, &other_isdst);

        if ((tm->isdst != 0) == other_isdst) {
          t = want - other_offset;
          found = TRUE;
        }
      }
    }
    /* none near: glibc assumes daylight saving is one hour ahead */
    if (!found)
      t += 3600 * ((tm->isdst == 0) - (isdst == 0));
  }

  z->guess = want - t;
  zone_localtime (z, t, tm);
  *out = t;
  return t >= 0;
}

/* Searching */

static gint64
tm_get (const Tm *tm, gint usec, Field f)
{
  switch (f) {
  case FIELD_YEAR:
    return tm->year;
  case FIELD_MONTH:
    return tm->mon + 1;
  case FIELD_DAY:
    return tm->mday;
  case FIELD_HOUR:
    return tm->hour;
  case FIELD_MINUTE:
    return tm->min;
  case FIELD_SECOND:
  case N_FIELDS:
  default:
    return tm->sec * USEC_PER_SEC + usec;
  }
}

static void
tm_set (Tm *tm, gint *usec, Field f, gint64 value)
{
  switch (f) {
  case FIELD_YEAR:
    tm->year = value;
    break;
  case FIELD_MONTH:
    tm->mon = value - 1;
    break;
  case FIELD_DAY:
    tm->mday = value;
    break;
  case FIELD_HOUR:
    tm->hour = value;
    break;
  case FIELD_MINUTE:
    tm->min = value;
    break;
  case FIELD_SECOND:
  case N_FIELDS:
  default:
    tm->sec = value / USEC_PER_SEC;
    *usec = value % USEC_PER_SEC;
    break;
  }
}

/* Sets the fields smaller than @f to their first value */
static void
tm_reset_below (Tm *tm, gint *usec, Field f)
{
  for (Field g = f + 1; g < N_FIELDS; g++)
    tm_set (tm, usec, g, g == FIELD_MONTH || g == FIELD_DAY ? 1 : 0);
}

/* Moves to the start of the next @f (may overflow into the next larger
 * field until normalised) */
static void
tm_advance (Tm *tm, gint *usec, Field f)
{
  tm_set (tm, usec, f, tm_get (tm, *usec, f) + 1);
  tm_reset_below (tm, usec, f);
}

/* The day that is @back - 1 days before the end of @tm's month, or -1 */
static gint64
end_of_month (Zone *z, const Tm *tm, gint back)
{
  Tm t = *tm;
  gint64 ignored;

  t.mon++;
  t.mday = 1 - back;
  if (!zone_mktime (z, &t, &ignored) || t.mon != tm->mon)
    return -1;
  return t.mday;
}

/* Moves *value to the first value of @f's chain not before it.
 * Returns 0 if it already matched, 1 if it moved, -1 if there is none. */
static gint
match_field (HnCalendar *self, Zone *z, Field f, const Tm *tm, gint64 *value)
{
  GArray *chain = self->chains[f];
  gboolean found = FALSE;
  gint64 best = 0;

  if (chain == NULL)
    return 0;

  for (guint i = 0; i < chain->len; i++) {
    const Range *r = &g_array_index (chain, Range, i);
    gint64 start = r->start;
    gint64 stop = r->stop;
    gint64 candidate;

    if (f == FIELD_DAY && self->end_of_month) {
      start = end_of_month (z, tm, r->start);
      stop = end_of_month (z, tm, r->stop);
      if (stop > 0) {
        gint64 swap = start;

        start = stop;
        stop = swap;
      }
    }

    if (start >= *value) {
      candidate = start;
    } else if (r->repeat > 0) {
      candidate = start + r->repeat * ((*value - start + r->repeat - 1) / r->repeat);
      if (stop >= 0 && candidate > stop)
        continue;
    } else {
      continue;
    }
    if (!found || candidate < best)
      best = candidate;
    found = TRUE;
  }

  if (!found)
    return -1;
  if (best == *value)
    return 0;
  *value = best;
  return 1;
}

/* Whether @tm names a local time as written: 1 if so, 0 if normalising
 * moved it forward (then @tm is moved, the next field reset), -1 if it
 * is past the last year, cannot be resolved or would move backward */
static gint
tm_within_bounds (Zone *z, Tm *tm)
{
  Tm t = *tm;
  gint64 ignored;
  gint cmp = 0;

  if (tm->year > MAX_YEAR)
    return -1;
  if (!zone_mktime (z, &t, &ignored))
    return -1;

  /* a moved field means the smaller ones start over: "04-31" is
   * "05-01", not "05-01" at the time of day asked for in April */
  if (t.year != tm->year) {
    cmp = t.year < tm->year ? -1 : 1;
    t.mon = 0;
  } else if (t.mon != tm->mon) {
    cmp = t.mon < tm->mon ? -1 : 1;
    t.mday = 1;
  } else if (t.mday != tm->mday) {
    cmp = t.mday < tm->mday ? -1 : 1;
    t.hour = 0;
  } else if (t.hour != tm->hour) {
    cmp = t.hour < tm->hour ? -1 : 1;
    t.min = 0;
  } else if (t.min != tm->min) {
    cmp = t.min < tm->min ? -1 : 1;
    t.sec = 0;
  } else if (t.sec != tm->sec) {
    cmp = t.sec < tm->sec ? -1 : 1;
  }

  if (cmp < 0)
    return -1;
  if (cmp > 0) {
    *tm = t;
    return 0;
  }
  return 1;
}

static gboolean
weekday_matches (HnCalendar *self, Zone *z, const Tm *tm)
{
  Tm t = *tm;
  gint64 ignored;

  if (self->weekdays == 0)
    return TRUE;
  if (!zone_mktime (z, &t, &ignored))
    return FALSE;
  /* tm counts from Sunday, the expression from Monday */
  return (self->weekdays & (1u << ((t.wday + 6) % 7))) != 0;
}

typedef enum {
  STEP_FOUND,
  STEP_AGAIN,
  STEP_NEVER,
} Step;

typedef struct {
  Zone zone;
  Tm start; /* where the search began, as local time */
  gint start_usec;
  Tm tm; /* where it is now */
  gint usec;
  /* set once the search got stuck in a skipped hour: from then on the
   * daylight-saving flag mktime() found is kept, as systemd does */
  gboolean keep_isdst;
} Search;

static gint
tm_compare (const Tm *a, const Tm *b)
{
  const gint64 fa[] = { a->year, a->mon, a->mday, a->hour, a->min, a->sec };
  const gint64 fb[] = { b->year, b->mon, b->mday, b->hour, b->min, b->sec };

  for (guint i = 0; i < G_N_ELEMENTS (fa); i++) {
    if (fa[i] != fb[i])
      return fa[i] < fb[i] ? -1 : 1;
  }
  return 0;
}

/* One pass over the fields from the year down: each either matches, or
 * moves to its next matching value (resetting the smaller fields), or has
 * none left, which advances the next larger field. Any move means another
 * pass, so that normalisation (the 31st of a short month, a skipped hour)
 * is seen by every field. */
static Step
find_step (HnCalendar *self, Search *s)
{
  Zone *z = &s->zone;
  Tm *tm = &s->tm;
  gint *usec = &s->usec;
  gint64 ignored;
  gint64 value;
  gint r;

  (void) zone_mktime (z, tm, &ignored);
  if (!s->keep_isdst)
    tm->isdst = -1;

  value = tm_get (tm, *usec, FIELD_YEAR);
  r = match_field (self, z, FIELD_YEAR, tm, &value);
  tm_set (tm, usec, FIELD_YEAR, value);
  if (r > 0)
    tm_reset_below (tm, usec, FIELD_YEAR);
  if (r < 0 || tm_within_bounds (z, tm) <= 0)
    return STEP_NEVER;

  for (Field f = FIELD_MONTH; f < N_FIELDS; f++) {
    if (f == FIELD_HOUR && !weekday_matches (self, z, tm)) {
      tm_advance (tm, usec, FIELD_DAY);
      return STEP_AGAIN;
    }

    value = tm_get (tm, *usec, f);
    r = match_field (self, z, f, tm, &value);
    tm_set (tm, usec, f, value);
    if (r > 0)
      tm_reset_below (tm, usec, f);
    if (r < 0 || (r = tm_within_bounds (z, tm)) < 0) {
      tm_advance (tm, usec, f - 1);
      return STEP_AGAIN;
    }
    if (r == 0)
      return STEP_AGAIN;
  }

  /* A skipped hour can lead back to or before the start: step an hour on
   * and let the zone say which side of the change that is */
  r = tm_compare (&s->start, tm);
  if (r == 0)
    r = s->start_usec > *usec ? 1 : -1;
  if (r >= 0) {
    s->keep_isdst = TRUE;
    tm->hour++;
    return STEP_AGAIN;
  }
  return STEP_FOUND;
}

/**
 * hn_calendar_next_usec:
 * @tz: the local time zone, used unless the expression names one
 * @after: an instant, in µs since the epoch
 * @next: (out) (optional): the first elapse strictly after @after, in µs
 *   since the epoch
 *
 * Returns: %FALSE if the expression never elapses after @after (a date in
 *   the past, or "*-02-30")
 */
gboolean
hn_calendar_next_usec (HnCalendar *self, GTimeZone *tz, gint64 after, gint64 *next)
{
  Search s = { .keep_isdst = FALSE };
  gint64 start;
  gint64 t;
  Step step = STEP_AGAIN;

  g_return_val_if_fail (HN_IS_CALENDAR (self), FALSE);
  g_return_val_if_fail (tz != NULL, FALSE);

  if (!self->utc)
    s.zone.tz = self->zone != NULL ? self->zone : tz;

  /* systemd counts from the epoch; nothing elapses before it anyway */
  start = MAX (after, -1) + 1;
  zone_localtime (&s.zone, start / USEC_PER_SEC, &s.start);
  s.start_usec = start % USEC_PER_SEC;
  s.tm = s.start;
  s.usec = s.start_usec;

  for (guint i = 0; step == STEP_AGAIN && i < MAX_STEPS; i++)
    step = find_step (self, &s);
  if (step != STEP_FOUND) {
    if (step == STEP_AGAIN)
      g_debug ("no end to the search for '%s', giving up", self->expression);
    return FALSE;
  }

  if (!zone_mktime (&s.zone, &s.tm, &t))
    return FALSE;
  if (next != NULL)
    *next = t * USEC_PER_SEC + s.usec;
  return TRUE;
}

static gint64
date_time_to_usec (GDateTime *dt)
{
  return g_date_time_to_unix (dt) * USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static GDateTime *
date_time_from_usec (gint64 usec, GTimeZone *tz)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (floor_div (usec, USEC_PER_SEC));
  g_autoptr (GDateTime) exact = NULL;

  if (utc == NULL)
    return NULL;
  exact = g_date_time_add (utc, usec - floor_div (usec, USEC_PER_SEC) * USEC_PER_SEC);
  if (exact == NULL)
    return NULL;
  return g_date_time_to_timezone (exact, tz);
}

/**
 * hn_calendar_next:
 * @after: the instant to start from, in the local time zone
 *
 * Returns: (transfer full) (nullable): the first elapse strictly after
 *   @after, computed in @after's time zone unless the expression names
 *   one and returned in @after's zone; %NULL if there is none
 */
GDateTime *
hn_calendar_next (HnCalendar *self, GDateTime *after)
{
  gint64 next;

  g_return_val_if_fail (HN_IS_CALENDAR (self), NULL);
  g_return_val_if_fail (after != NULL, NULL);

  if (!hn_calendar_next_usec (self, g_date_time_get_timezone (after), date_time_to_usec (after),
                              &next))
    return NULL;
  return date_time_from_usec (next, g_date_time_get_timezone (after));
}

/**
 * hn_calendar_next_n:
 * @n: how many elapses at most
 *
 * Returns: (transfer full) (element-type GDateTime): the next @n elapses
 *   after @after, each computed from the one before, as
 *   `systemd-analyze calendar --iterations=N` lists them; fewer if the
 *   expression stops elapsing
 */
GPtrArray *
hn_calendar_next_n (HnCalendar *self, GDateTime *after, guint n)
{
  GPtrArray *result;
  g_autoptr (GDateTime) at = NULL;

  g_return_val_if_fail (HN_IS_CALENDAR (self), NULL);
  g_return_val_if_fail (after != NULL, NULL);

  result = g_ptr_array_new_with_free_func ((GDestroyNotify) g_date_time_unref);
  at = g_date_time_ref (after);
  while (result->len < n) {
    GDateTime *next = hn_calendar_next (self, at);

    if (next == NULL)
      break;
    g_ptr_array_add (result, next);
    g_date_time_unref (at);
    at = g_date_time_ref (next);
  }
  return result;
}

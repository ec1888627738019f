/* Fuzz target: the calendar expression parser (hn_calendar_new), which
 * reads meetings.conf's "calendar=" and GET /api/v1/calendar's
 * "expression=". An expression it accepts must also be printable, its
 * normal form must parse again to itself, and its next elapses must come
 * in order, in UTC and in Hanoi. */

#include "hn-calendar.h"
#include "hn-fuzz.h"

/* 2026-01-01 00:00 in Hanoi */
#define FUZZ_NOW_US (G_GINT64_CONSTANT (1767200400) * G_USEC_PER_SEC)

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static GTimeZone *zones[2];
  g_autofree gchar *text = g_strndup ((const gchar *) data, size);
  g_autoptr (HnCalendar) calendar = NULL;
  g_autoptr (HnCalendar) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *normal = NULL;
  g_autofree gchar *normal_again = NULL;

  hn_fuzz_init ();
  if (zones[0] == NULL) {
    zones[0] = g_time_zone_new_utc ();
    zones[1] = g_time_zone_new_identifier ("Asia/Ho_Chi_Minh");
    g_assert (zones[1] != NULL);
  }

  calendar = hn_calendar_new (text, &error);
  hn_fuzz_check_result (calendar != NULL, error, "hn_calendar_new");
  if (calendar == NULL)
    return 0;

  normal = hn_calendar_to_string (calendar);
  again = hn_calendar_new (normal, &error);
  if (again == NULL) {
    g_printerr ("'%s' gives '%s', which is refused: %s\n", text, normal, error->message);
    g_assert_not_reached ();
  }
  normal_again = hn_calendar_to_string (again);
  g_assert_cmpstr (normal_again, ==, normal);

  for (guint z = 0; z < G_N_ELEMENTS (zones); z++) {
    gint64 after = FUZZ_NOW_US, next;

    for (guint n = 0; n < 3 && hn_calendar_next_usec (calendar, zones[z], after, &next); n++) {
      g_assert_cmpint (next, >, after);
      after = next;
    }
  }
  return 0;
}

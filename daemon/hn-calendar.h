#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HN_TYPE_CALENDAR (hn_calendar_get_type ())
G_DECLARE_FINAL_TYPE (HnCalendar, hn_calendar, HN, CALENDAR, GObject)

HnCalendar *hn_calendar_new (const gchar *expression, GError **error) G_GNUC_WARN_UNUSED_RESULT;

const gchar *hn_calendar_get_expression (HnCalendar *self);
GTimeZone *hn_calendar_get_timezone (HnCalendar *self);
gchar *hn_calendar_to_string (HnCalendar *self) G_GNUC_WARN_UNUSED_RESULT;

gboolean hn_calendar_next_usec (HnCalendar *self, GTimeZone *tz, gint64 after, gint64 *next);
GDateTime *hn_calendar_next (HnCalendar *self, GDateTime *after) G_GNUC_WARN_UNUSED_RESULT;
GPtrArray *hn_calendar_next_n (HnCalendar *self,
                               GDateTime *after,
                               guint n) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

#pragma once

#include <glib.h>

#include "hn-error.h"
#include "hn-meeting.h"

G_BEGIN_DECLS

/**
 * HnMeetingRecord:
 * @id: the meeting's id
 * @title: its title
 * @source: the chair's source (`test`, `camera`, a URI)
 * @layout: `single`, `pip` or `grid`
 * @sites: the participants' ids, in meeting order
 * @floor: (nullable): the site that has the floor
 * @muted: the muted participants' ids
 * @monitor: (nullable): the monitor output, `HOST:PORT`
 * @started_us: when it started (wall clock, microseconds since 1970)
 *
 * What the hub needs to start a running meeting again as it was: one
 * entry of `running-meetings.json` in the state directory.
 */
typedef struct {
  gchar *id;
  gchar *title;
  gchar *source;
  gchar *layout;
  GStrv sites;
  gchar *floor;
  GStrv muted;
  gchar *monitor;
  gint64 started_us;
} HnMeetingRecord;

void hn_meeting_record_free (HnMeetingRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnMeetingRecord, hn_meeting_record_free)

HnMeetingRecord *hn_meeting_record_new_from_meeting (HnMeeting *meeting,
                                                     const gchar *monitor,
                                                     gint64 started_us) G_GNUC_WARN_UNUSED_RESULT;

GPtrArray *hn_meeting_records_load (const gchar *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
GPtrArray *hn_meeting_records_from_data (const gchar *data,
                                         gssize length,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean hn_meeting_records_save (const gchar *path, GPtrArray *records, GError **error);

G_END_DECLS

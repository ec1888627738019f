#pragma once

#include <glib.h>

#include "hn-api-server.h"

G_BEGIN_DECLS

/* The handlers of /api/v1/meetings…, routed by hn-api-server.c; each
 * takes a request whose HnApiRequest.hub is set. */

/* request bodies, read without a hub */
JsonObject *hn_api_meetings_read_start (GBytes *body,
                                        HnMeetingRequest *start,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;
JsonObject *hn_api_meetings_read_site (GBytes *body,
                                       const gchar **site,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;
JsonObject *hn_api_meetings_read_floor (GBytes *body,
                                        const gchar **site,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;
JsonObject *hn_api_meetings_read_layout (GBytes *body,
                                         const gchar **layout,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;
JsonObject *hn_api_meetings_read_muted (GBytes *body,
                                        gboolean *muted,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

gboolean hn_api_meetings_list (const HnApiRequest *request, HnApiReply *reply, GError **error);
gboolean hn_api_meetings_start (const HnApiRequest *request, HnApiReply *reply, GError **error);
gboolean hn_api_meetings_get (const HnApiRequest *request, HnApiReply *reply, GError **error);
gboolean hn_api_meetings_stop (const HnApiRequest *request, HnApiReply *reply, GError **error);
gboolean hn_api_meetings_add_site (const HnApiRequest *request, HnApiReply *reply, GError **error);
gboolean hn_api_meetings_remove_site (const HnApiRequest *request,
                                      HnApiReply *reply,
                                      GError **error);
gboolean hn_api_meetings_set_muted (const HnApiRequest *request, HnApiReply *reply, GError **error);
gboolean hn_api_meetings_get_floor (const HnApiRequest *request, HnApiReply *reply, GError **error);
gboolean hn_api_meetings_set_floor (const HnApiRequest *request, HnApiReply *reply, GError **error);
gboolean hn_api_meetings_set_layout (const HnApiRequest *request,
                                     HnApiReply *reply,
                                     GError **error);
gboolean hn_api_meetings_get_program_sdp (const HnApiRequest *request,
                                          HnApiReply *reply,
                                          GError **error);

gboolean hn_api_meetings_schedule (const HnApiRequest *request, HnApiReply *reply, GError **error);
gboolean hn_api_meetings_schedule_next (const HnApiRequest *request,
                                        HnApiReply *reply,
                                        GError **error);
gboolean hn_api_meetings_calendar (const HnApiRequest *request, HnApiReply *reply, GError **error);

G_END_DECLS

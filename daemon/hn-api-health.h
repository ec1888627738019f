#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include "hn-api-server.h"
#include "hn-hub.h"

G_BEGIN_DECLS

/* The hub's monitoring over the HTTP API, routed by hn-api-server.c: each
 * handler takes a request whose HnApiRequest.hub is set. */

gboolean hn_api_health_metrics (const HnApiRequest *request, HnApiReply *reply, GError **error);
gboolean hn_api_health_check (const HnApiRequest *request, HnApiReply *reply, GError **error);
gboolean hn_api_health_list_links (const HnApiRequest *request, HnApiReply *reply, GError **error);

/* The media type of /metrics: Prometheus text exposition format 0.0.4 */
#define HN_API_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

void hn_api_health_append_label (GString *out, const gchar *name, const gchar *value);

/* A client of /api/v1/events that has this much written to it but not
 * yet taken is dropped */
#define HN_API_EVENTS_MAX_PENDING (256 * 1024)
/* a comment this often keeps proxies and idle timeouts from closing the
 * stream, and finds clients that went away */
#define HN_API_EVENTS_KEEPALIVE_SECONDS 15

/**
 * HnApiEvents:
 *
 * The clients of /api/v1/events: every HnHub::event goes to each of them
 * as one Server-Sent Event.
 */
typedef struct _HnApiEvents HnApiEvents;

HnApiEvents *hn_api_events_new (HnHub *hub) G_GNUC_WARN_UNUSED_RESULT;
void hn_api_events_free (HnApiEvents *self);
void hn_api_events_add_client (HnApiEvents *self, SoupServerMessage *msg);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HnApiEvents, hn_api_events_free)

G_END_DECLS

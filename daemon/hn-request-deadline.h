#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* How long a TCP client has, from its connection, to send a complete
 * request (or the WebSocket upgrade) */
#define HN_REQUEST_TIMEOUT_MS 10000

#define HN_TYPE_REQUEST_DEADLINE (hn_request_deadline_get_type ())
G_DECLARE_FINAL_TYPE (HnRequestDeadline, hn_request_deadline, HN, REQUEST_DEADLINE, GObject)

HnRequestDeadline *hn_request_deadline_new (SoupServer *server,
                                            const gchar *what,
                                            guint timeout_ms) G_GNUC_WARN_UNUSED_RESULT;
void hn_request_deadline_watch (HnRequestDeadline *self,
                                GSocketConnection *connection,
                                GSocketAddress *remote);
gboolean hn_request_deadline_accept (HnRequestDeadline *self,
                                     GSocketConnection *connection,
                                     GTlsCertificate *tls,
                                     GError **error);
guint hn_request_deadline_get_pending (HnRequestDeadline *self);

G_END_DECLS

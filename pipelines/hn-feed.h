#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HN_TYPE_FEED (hn_feed_get_type ())
G_DECLARE_FINAL_TYPE (HnFeed, hn_feed, HN, FEED, GObject)

HnFeed *hn_feed_new (const gchar *source,
                     const gchar *video_channel,
                     const gchar *audio_channel,
                     guint width,
                     guint height,
                     guint framerate,
                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

gboolean hn_feed_start (HnFeed *self, GError **error);
void hn_feed_stop (HnFeed *self);
const gchar *hn_feed_get_source (HnFeed *self);
gboolean hn_feed_is_playing (HnFeed *self);
guint hn_feed_get_restarts (HnFeed *self);

gboolean hn_feed_source_is_valid (const gchar *source, GError **error);

G_END_DECLS

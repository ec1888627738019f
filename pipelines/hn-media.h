#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

gboolean hn_media_init (GError **error);
gchar *hn_media_get_version (void) G_GNUC_WARN_UNUSED_RESULT;
GStrv hn_media_find_missing_elements (void) G_GNUC_WARN_UNUSED_RESULT;

/* SRTP: AES_CM_128_HMAC_SHA1_80, a 16-byte key and a 14-byte salt */
#define HN_MEDIA_SRTP_KEY_SIZE 30

GBytes *hn_media_random_key (GError **error) G_GNUC_WARN_UNUSED_RESULT;
GstCaps *hn_media_srtp_caps (GBytes *key, guint32 roc) G_GNUC_WARN_UNUSED_RESULT;
void hn_media_srtpenc_set_key (GstElement *srtpenc, GBytes *key);

G_END_DECLS

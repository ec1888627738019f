#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Length of the hub's master key, in bytes */
#define HN_SECRETS_KEY_SIZE 32

/**
 * HnSecrets:
 *
 * The hub's master key and the per-site tokens derived from it.
 *
 * The key is 32 random bytes, kept in one file in the hub's state
 * directory as 64 lowercase hex digits and a newline, mode 0600. hoinghid
 * makes it on first start; a key file that the group or others may access
 * is refused.
 *
 * A site's token is
 *
 *   lowercase-hex (HMAC-SHA256 (key, "hoinghi-site-token:" + SITE-ID))
 *
 * 64 hex digits, which the room PC of that site keeps in its token file.
 * After `hoinghictl site rotate-secret ID` the site is at generation N
 * (N = 1, 2, ...; kept in site-generations beside the key file) and its
 * token is
 *
 *   lowercase-hex (HMAC-SHA256 (key, "hoinghi-site-token:" + SITE-ID + "#" + N))
 *
 * The hub stores no token: it derives it again to check one. An operator
 * can compute a token by hand:
 *
 *   printf 'hoinghi-site-token:%s' xa-dao-tru |
 *     openssl dgst -sha256 -mac HMAC -macopt hexkey:$(cat KEY-FILE)
 *
 * The room never sends its token: it answers the hub's challenge (a fresh
 * nonce per connection) with hn_secrets_compute_proof(). Rotating a site
 * revokes its token alone; replacing the key file changes every token at
 * once.
 */
#define HN_TYPE_SECRETS (hn_secrets_get_type ())
G_DECLARE_FINAL_TYPE (HnSecrets, hn_secrets, HN, SECRETS, GObject)

HnSecrets *hn_secrets_new_from_file (const gchar *path,
                                     gboolean create,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

const gchar *hn_secrets_get_path (HnSecrets *self);
gchar *hn_secrets_get_site_token (HnSecrets *self, const gchar *site_id) G_GNUC_WARN_UNUSED_RESULT;
gboolean hn_secrets_check_site_token (HnSecrets *self, const gchar *site_id, const gchar *token);
guint hn_secrets_get_site_generation (HnSecrets *self, const gchar *site_id);
gchar *hn_secrets_rotate_site (HnSecrets *self,
                               const gchar *site_id,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;
GBytes *hn_secrets_random_bytes (gsize size, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar *hn_secrets_new_nonce (GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar *hn_secrets_compute_proof (const gchar *token,
                                 const gchar *site_id,
                                 const gchar *nonce) G_GNUC_WARN_UNUSED_RESULT;
gboolean hn_secrets_check_site_proof (HnSecrets *self,
                                      const gchar *site_id,
                                      const gchar *nonce,
                                      const gchar *proof);

gchar *hn_secrets_get_certificate_fingerprint (GTlsCertificate *certificate)
    G_GNUC_WARN_UNUSED_RESULT;
gchar *hn_secrets_parse_fingerprint (const gchar *text, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

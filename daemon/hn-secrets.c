/* HnSecrets: the hub's master key, and the per-site tokens of the control
 * channel derived from it (see hn-secrets.h for the derivation), each
 * site's token generation (bumped by hoinghictl site rotate-secret), and
 * the challenge-response that proves a room holds its token without
 * sending it.
 *
 * Deriving the tokens instead of storing them keeps one secret to guard
 * and back up, lets the hub check any site's token without a table that
 * a reload must keep in step with sites.conf, and lets an operator make a
 * token for a new room with one command. The key comes from getrandom(2):
 * GLib's g_random is a Mersenne Twister, predictable from its output. */

#define G_LOG_DOMAIN "hoinghi-secrets"

#include "hn-secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hn-error.h"

#define TOKEN_PREFIX "hoinghi-site-token:"
#define PROOF_PREFIX "hoinghi-hello:"
#define GENERATIONS_GROUP "generations"
#define NONCE_SIZE 32
/* 64 hex digits and a newline, with room to notice a longer file */
#define KEY_FILE_MAX 128

struct _HnSecrets {
  GObject parent_instance;

  gchar *path;
  gchar *generations_path;
  GHashTable *generations; /* site id -> GUINT_TO_POINTER (generation > 0) */
  guint8 key[HN_SECRETS_KEY_SIZE];
};

G_DEFINE_FINAL_TYPE (HnSecrets, hn_secrets, G_TYPE_OBJECT)

static void
hn_secrets_finalize (GObject *object)
{
  HnSecrets *self = HN_SECRETS (object);

  /* do not leave the key in freed memory */
  explicit_bzero (self->key, sizeof self->key);
  g_free (self->path);
  g_free (self->generations_path);
  g_hash_table_unref (self->generations);

  G_OBJECT_CLASS (hn_secrets_parent_class)->finalize (object);
}

static void
hn_secrets_class_init (HnSecretsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hn_secrets_finalize;
}

static void
hn_secrets_init (HnSecrets *self)
{
  self->generations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* Reads the token generations (site-generations beside the key file); a
 * missing file means every site is at generation 0. */
static gboolean
hn_secrets_load_generations (HnSecrets *self, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) keys = NULL;

  if (!g_key_file_load_from_file (kf, self->generations_path, G_KEY_FILE_NONE, &local_error)) {
    if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return TRUE;
    g_propagate_error (error, g_steal_pointer (&local_error));
    hn_error_convert (error);
    g_prefix_error (error, "%s: ", self->generations_path);
    return FALSE;
  }
  keys = g_key_file_get_keys (kf, GENERATIONS_GROUP, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
    g_autofree gchar *value = g_key_file_get_value (kf, GENERATIONS_GROUP, keys[i], NULL);
    guint64 n = 0;

    if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &n, NULL)) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "%s: %s: '%s' is not a token generation", self->generations_path, keys[i],
                   value != NULL ? value : "");
      return FALSE;
    }
    if (n > 0)
      g_hash_table_insert (self->generations, g_strdup (keys[i]), GUINT_TO_POINTER ((guint) n));
  }
  return TRUE;
}

static gboolean
hn_secrets_parse_key (HnSecrets *self, const gchar *text, gsize len, GError **error)
{
  /* one trailing newline (and a stray CR or space) is fine */
  while (len > 0 && g_ascii_isspace (text[len - 1]))
    len--;
  if (len != 2 * HN_SECRETS_KEY_SIZE) {
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "%s: not a control key (expected %d hex digits and a newline)", self->path,
                 2 * HN_SECRETS_KEY_SIZE);
    return FALSE;
  }
  for (gsize i = 0; i < HN_SECRETS_KEY_SIZE; i++) {
    gint hi = g_ascii_xdigit_value (text[2 * i]);
    gint lo = g_ascii_xdigit_value (text[2 * i + 1]);

    if (hi < 0 || lo < 0) {
      g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                   "%s: not a control key (expected %d hex digits and a newline)", self->path,
                   2 * HN_SECRETS_KEY_SIZE);
      return FALSE;
    }
    self->key[i] = (guint8) (hi << 4 | lo);
  }
  return TRUE;
}

/* Reads the key from the open file @fd, after checking that only its
 * owner may access it. */
static gboolean
hn_secrets_read_fd (HnSecrets *self, int fd, GError **error)
{
  gchar buf[KEY_FILE_MAX + 1];
  gsize len = 0;
  struct stat st;

  if (fstat (fd, &st) != 0) {
    int saved_errno = errno;

    g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "%s: %s", self->path, g_strerror (saved_errno));
    return FALSE;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "%s: not a regular file", self->path);
    return FALSE;
  }
  if ((st.st_mode & 0077) != 0) {
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED,
                 "%s: mode %04o lets the group or others at the control key; it must be 0600",
                 self->path, (guint) (st.st_mode & 07777));
    return FALSE;
  }

  while (len < sizeof buf) {
    ssize_t n = read (fd, buf + len, sizeof buf - len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;

      explicit_bzero (buf, sizeof buf);
      g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "%s: %s", self->path,
                   g_strerror (saved_errno));
      return FALSE;
    }
    if (n == 0)
      break;
    len += n;
  }
  if (!hn_secrets_parse_key (self, buf, len, error)) {
    explicit_bzero (buf, sizeof buf);
    return FALSE;
  }
  explicit_bzero (buf, sizeof buf);
  return TRUE;
}

static gboolean
hn_secrets_create (HnSecrets *self, GError **error)
{
  gchar text[2 * HN_SECRETS_KEY_SIZE + 2];
  gsize got = 0;
  gboolean ok;

  while (got < sizeof self->key) {
    ssize_t n = getrandom (self->key + got, sizeof self->key - got, 0);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;

      g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "%s: cannot make a control key: %s",
                   self->path, g_strerror (saved_errno));
      return FALSE;
    }
    got += n;
  }
  for (gsize i = 0; i < HN_SECRETS_KEY_SIZE; i++)
    g_snprintf (text + 2 * i, 3, "%02x", self->key[i]);
  text[2 * HN_SECRETS_KEY_SIZE] = '\n';
  text[2 * HN_SECRETS_KEY_SIZE + 1] = '\0';

  /* written to a temporary file and renamed: a crash leaves either no key
   * or a whole one, never a truncated key that changes every token */
  ok = g_file_set_contents_full (self->path, text, 2 * HN_SECRETS_KEY_SIZE + 1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
  explicit_bzero (text, sizeof text);
  if (!ok) {
    hn_error_convert (error);
    return FALSE;
  }
  g_message ("made a new control key in %s; sites need new tokens", self->path);
  return TRUE;
}

/**
 * hn_secrets_new_from_file:
 * @path: the key file
 * @create: whether to make a new key when @path does not exist
 *
 * Loads the master key from @path. A missing file is an HN_ERROR_NOT_FOUND
 * error unless @create is set; a file that the group or others may access
 * is an HN_ERROR_FAILED error; a file that holds no key is an
 * HN_ERROR_INVALID_ARGUMENT error.
 *
 * Returns: (transfer full): the secrets, or %NULL with @error set
 */
HnSecrets *
hn_secrets_new_from_file (const gchar *path, gboolean create, GError **error)
{
  g_autoptr (HnSecrets) self = NULL;
  int fd;
  gboolean ok;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (HN_TYPE_SECRETS, NULL);
  self->path = g_strdup (path);
  {
    g_autofree gchar *dir = g_path_get_dirname (path);

    self->generations_path = g_build_filename (dir, "site-generations", NULL);
  }
  if (!hn_secrets_load_generations (self, error))
    return NULL;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    int saved_errno = errno;

    if (saved_errno == ENOENT && create) {
      if (!hn_secrets_create (self, error))
        return NULL;
      return g_steal_pointer (&self);
    }
    g_set_error (error, HN_ERROR, saved_errno == ENOENT ? HN_ERROR_NOT_FOUND : HN_ERROR_FAILED,
                 "%s: %s", path, g_strerror (saved_errno));
    return NULL;
  }
  ok = hn_secrets_read_fd (self, fd, error);
  close (fd);
  if (!ok)
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * hn_secrets_get_path:
 *
 * Returns: the key file
 */
const gchar *
hn_secrets_get_path (HnSecrets *self)
{
  g_return_val_if_fail (HN_IS_SECRETS (self), NULL);
  return self->path;
}

/* Compares two hex strings in constant time, so that how long a refusal
 * takes tells nothing about how much of a guess was right. Their length
 * is public (64), so leaving early on a wrong length gives nothing away. */
static gboolean
hn_secrets_equal (const gchar *expected, const gchar *given)
{
  gsize len = strlen (expected);
  guint diff = 0;

  if (strlen (given) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    diff |= (guint) (expected[i] ^ given[i]);
  return diff == 0;
}

/**
 * hn_secrets_get_site_token:
 *
 * Returns: (transfer full): the token of @site_id, 64 lowercase hex digits
 */
gchar *
hn_secrets_get_site_token (HnSecrets *self, const gchar *site_id)
{
  g_autoptr (GHmac) hmac = NULL;
  guint generation;

  g_return_val_if_fail (HN_IS_SECRETS (self), NULL);
  g_return_val_if_fail (site_id != NULL, NULL);

  generation = hn_secrets_get_site_generation (self, site_id);
  hmac = g_hmac_new (G_CHECKSUM_SHA256, self->key, sizeof self->key);
  g_hmac_update (hmac, (const guchar *) TOKEN_PREFIX, strlen (TOKEN_PREFIX));
  g_hmac_update (hmac, (const guchar *) site_id, strlen (site_id));
  /* generation 0 is the token of before rotate-secret existed */
  if (generation > 0) {
    g_autofree gchar *suffix = g_strdup_printf ("#%u", generation);

    g_hmac_update (hmac, (const guchar *) suffix, strlen (suffix));
  }
  return g_strdup (g_hmac_get_string (hmac));
}

/**
 * hn_secrets_check_site_token:
 * @token: (nullable): what the site presented
 *
 * Compares @token with the token of @site_id in constant time, so that how
 * long a refusal takes tells nothing about how much of a guess was right.
 * Tokens are compared as written: lowercase hex.
 *
 * Returns: whether @token is the token of @site_id
 */
gboolean
hn_secrets_check_site_token (HnSecrets *self, const gchar *site_id, const gchar *token)
{
  g_autofree gchar *expected = NULL;
  gboolean equal;

  g_return_val_if_fail (HN_IS_SECRETS (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);

  if (token == NULL)
    return FALSE;
  expected = hn_secrets_get_site_token (self, site_id);
  equal = hn_secrets_equal (expected, token);
  explicit_bzero (expected, strlen (expected));
  return equal;
}

/**
 * hn_secrets_get_site_generation:
 *
 * Returns: how many times the token of @site_id was rotated
 */
guint
hn_secrets_get_site_generation (HnSecrets *self, const gchar *site_id)
{
  g_return_val_if_fail (HN_IS_SECRETS (self), 0);
  g_return_val_if_fail (site_id != NULL, 0);

  return GPOINTER_TO_UINT (g_hash_table_lookup (self->generations, site_id));
}

/**
 * hn_secrets_rotate_site:
 *
 * Gives @site_id its next token generation, so its old token stops
 * working, and writes the generations to site-generations beside the key
 * file (atomically, mode 0600). On failure nothing changes.
 *
 * Returns: (transfer full): the new token, or %NULL with @error set
 */
gchar *
hn_secrets_rotate_site (HnSecrets *self, const gchar *site_id, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree gchar *data = NULL;
  guint before;
  GHashTableIter iter;
  gpointer key, value;
  gsize len = 0;

  g_return_val_if_fail (HN_IS_SECRETS (self), NULL);
  g_return_val_if_fail (site_id != NULL, NULL);

  before = hn_secrets_get_site_generation (self, site_id);
  if (before == G_MAXUINT32) {
    g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "site %s: no token generation left", site_id);
    return NULL;
  }
  g_hash_table_insert (self->generations, g_strdup (site_id), GUINT_TO_POINTER (before + 1));
  g_key_file_set_comment (kf, NULL, NULL,
                          " hoinghid: each site's token generation (hoinghictl site "
                          "rotate-secret ID); not secret, but keep it with master.key",
                          NULL);
  g_hash_table_iter_init (&iter, self->generations);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_key_file_set_uint64 (kf, GENERATIONS_GROUP, key, GPOINTER_TO_UINT (value));
  data = g_key_file_to_data (kf, &len, NULL);
  if (!g_file_set_contents_full (self->generations_path, data, len, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, error)) {
    if (before > 0)
      g_hash_table_insert (self->generations, g_strdup (site_id), GUINT_TO_POINTER (before));
    else
      g_hash_table_remove (self->generations, site_id);
    hn_error_convert (error);
    g_prefix_error (error, "%s: ", self->generations_path);
    return NULL;
  }
  return hn_secrets_get_site_token (self, site_id);
}

/**
 * hn_secrets_random_bytes:
 * @size: how many bytes
 *
 * Returns: (transfer full): @size bytes from getrandom(2), for nonces and
 *   media keys, or %NULL with @error set
 */
GBytes *
hn_secrets_random_bytes (gsize size, GError **error)
{
  g_autofree guint8 *bytes = g_malloc (size);
  gsize got = 0;

  while (got < size) {
    ssize_t n = getrandom (bytes + got, size - got, 0);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;

      g_set_error (error, HN_ERROR, HN_ERROR_FAILED, "cannot draw random bytes: %s",
                   g_strerror (saved_errno));
      return NULL;
    }
    got += n;
  }
  return g_bytes_new_take (g_steal_pointer (&bytes), size);
}

/**
 * hn_secrets_new_nonce:
 *
 * Returns: (transfer full): a fresh challenge for a hello, 64 hex digits
 *   from getrandom(2), or %NULL with @error set
 */
gchar *
hn_secrets_new_nonce (GError **error)
{
  g_autoptr (GBytes) bytes = hn_secrets_random_bytes (NONCE_SIZE, error);
  const guint8 *data;
  GString *text;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, NULL);
  text = g_string_sized_new (2 * NONCE_SIZE);
  for (gsize i = 0; i < NONCE_SIZE; i++)
    g_string_append_printf (text, "%02x", data[i]);
  return g_string_free (text, FALSE);
}

/**
 * hn_secrets_compute_proof:
 * @token: the site's token
 * @site_id: the site
 * @nonce: the hub's challenge on this connection
 *
 * What a room answers a challenge with:
 *
 *   lowercase-hex (HMAC-SHA256 (TOKEN, "hoinghi-hello:" + NONCE + ":" + SITE-ID))
 *
 * It proves the room holds the token without sending it, and is good for
 * this one connection only: a captured hello is worth nothing on the next.
 *
 * Returns: (transfer full): the proof, 64 hex digits
 */
gchar *
hn_secrets_compute_proof (const gchar *token, const gchar *site_id, const gchar *nonce)
{
  g_autoptr (GHmac) hmac = NULL;

  g_return_val_if_fail (token != NULL, NULL);
  g_return_val_if_fail (site_id != NULL, NULL);
  g_return_val_if_fail (nonce != NULL, NULL);

  hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) token, strlen (token));
  g_hmac_update (hmac, (const guchar *) PROOF_PREFIX, strlen (PROOF_PREFIX));
  g_hmac_update (hmac, (const guchar *) nonce, strlen (nonce));
  g_hmac_update (hmac, (const guchar *) ":", 1);
  g_hmac_update (hmac, (const guchar *) site_id, strlen (site_id));
  return g_strdup (g_hmac_get_string (hmac));
}

/**
 * hn_secrets_check_site_proof:
 * @proof: (nullable): what the site answered @nonce with
 *
 * Returns: whether @proof is hn_secrets_compute_proof() of @site_id's
 *   current token and @nonce (compared in constant time)
 */
gboolean
hn_secrets_check_site_proof (HnSecrets *self,
                             const gchar *site_id,
                             const gchar *nonce,
                             const gchar *proof)
{
  g_autofree gchar *token = NULL;
  g_autofree gchar *expected = NULL;

  g_return_val_if_fail (HN_IS_SECRETS (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);
  g_return_val_if_fail (nonce != NULL, FALSE);

  if (proof == NULL)
    return FALSE;
  token = hn_secrets_get_site_token (self, site_id);
  expected = hn_secrets_compute_proof (token, site_id, nonce);
  explicit_bzero (token, strlen (token));
  return hn_secrets_equal (expected, proof);
}

/**
 * hn_secrets_get_certificate_fingerprint:
 *
 * Returns: (transfer full): "sha256:" and the SHA-256 of @certificate's
 *   DER encoding, 64 lowercase hex digits: what endpoints pin
 */
gchar *
hn_secrets_get_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr (GByteArray) der = NULL;
  g_autofree gchar *hex = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return g_strdup ("sha256:?");
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  return g_strconcat ("sha256:", hex, NULL);
}

/**
 * hn_secrets_parse_fingerprint:
 * @text: "sha256:" and 64 hex digits, in either case, with or without
 *   colons between the bytes (as `openssl x509 -fingerprint -sha256`
 *   prints them)
 *
 * Returns: (transfer full): the fingerprint in the form of
 *   hn_secrets_get_certificate_fingerprint(), or %NULL with an
 *   HN_ERROR_INVALID_ARGUMENT error
 */
gchar *
hn_secrets_parse_fingerprint (const gchar *text, GError **error)
{
  GString *hex = g_string_new ("sha256:");
  const gchar *p;

  g_return_val_if_fail (text != NULL, NULL);

  p = text;
  if (g_ascii_strncasecmp (p, "sha256:", 7) == 0)
    p += 7;
  else if (g_ascii_strncasecmp (p, "sha256 fingerprint=", 19) == 0)
    p += 19;
  for (; *p != '\0'; p++) {
    if (*p == ':')
      continue;
    if (!g_ascii_isxdigit (*p))
      break;
    g_string_append_c (hex, g_ascii_tolower (*p));
  }
  if (*p != '\0' || hex->len != 7 + 64) {
    g_string_free (hex, TRUE);
    g_set_error (error, HN_ERROR, HN_ERROR_INVALID_ARGUMENT,
                 "'%s' is not a certificate fingerprint (sha256: and 64 hex digits, as "
                 "hoinghictl status shows it at the hub)",
                 text);
    return NULL;
  }
  return g_string_free (hex, FALSE);
}
